"""Discovery: which files are checked, and the module names that make imports resolve."""

from __future__ import annotations

import os

import pytest

from lambdalint.project.discover import DiscoveryError, discover, module_name


def touch(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def rel(root, sources):
    return sorted(os.path.relpath(os.path.abspath(s.path), root).replace(os.sep, "/") for s in sources)


def test_default_excludes_and_virtualenvs(tmp_path):
    touch(tmp_path, "app.py", "pkg/__init__.py", "pkg/db.py", "notes.txt",
          ".aws-sam/build/Fn/app.py", "cdk.out/asset/app.py", ".serverless/app.py", "node_modules/x/y.py",
          "build/lib/app.py", "dist/app.py", ".tox/py/x.py", "__pycache__/app.py", ".git/hooks/x.py",
          "env/lib/site.py")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")  # a virtualenv by any name
    assert rel(tmp_path, discover([str(tmp_path)])) == ["app.py", "pkg/__init__.py", "pkg/db.py"]


def test_a_file_named_explicitly_is_checked_even_when_excluded(tmp_path):
    touch(tmp_path, "build/tool.py")
    assert rel(tmp_path, discover([str(tmp_path / "build" / "tool.py")])) == ["build/tool.py"]


def test_extra_exclude_patterns(tmp_path):
    touch(tmp_path, "app.py", "scripts/one.py", "tests/test_app.py")
    found = discover([str(tmp_path)], excludes=("scripts", "test_*.py"))
    assert rel(tmp_path, found) == ["app.py"]


def test_module_names_follow_init_chains(tmp_path):
    touch(tmp_path, "src/svc/__init__.py", "src/svc/api/__init__.py", "src/svc/api/orders.py", "src/loose.py")
    assert module_name(str(tmp_path / "src/svc/api/orders.py")) == "svc.api.orders"
    assert module_name(str(tmp_path / "src/svc/api/__init__.py")) == "svc.api"
    assert module_name(str(tmp_path / "src/loose.py")) == "loose"
    assert module_name(str(tmp_path / "my-func.py")) == "my_func"


def test_colliding_module_names_stay_distinct(tmp_path):
    touch(tmp_path, "a/app.py", "b/app.py")
    modules = [s.module for s in discover([str(tmp_path)])]
    assert len(set(modules)) == 2


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(DiscoveryError, match="no such file or directory"):
        list(discover([str(tmp_path / "missing")]))
