"""Issue 16, untrusted repositories: ``--fix`` writes only the project's own files.

lambdalint runs in CI on pull requests, whose files an outsider wrote. A fix
must write only a regular file whose real path lies in the project root:

- a symlinked ``app.py`` pointing outside the project is not fixed (its target
  is left as it was, the finding stays, one warning says why), and ``--diff``
  shows nothing for it;
- a symlink to a file inside the project is fixed through the link (the target
  is written, the link kept), once even when the target is checked too;
- a named pipe is neither waited on nor written, even one put in a file's place
  after the check;
- a file swapped for a symlink between the check and the write is not followed;
- the cache (the only other thing a run writes, besides ``--output-file``) writes
  nothing through a symlink out of its folder, and a committed
  ``.lambdalint_cache`` linking elsewhere is not used.

The project is a copy of a fixture whose finding has a safe fix (LAM202:
``@functools.cache`` becomes ``@functools.lru_cache(maxsize=128)``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hardening import TRACEBACK, child_env, cli_runner, lambdalint_cli
from lambdalint.cli import main

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks and named pipes")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD = (FIXTURES / "lam202" / "bad_functools_cache.py").read_text(encoding="utf-8")
FIXED_LINE = "@functools.lru_cache(maxsize=128)"
assert "@functools.cache " in BAD  # the safe fix this file relies on


def project(tmp_path: Path) -> Path:
    """``tmp_path/project``: its configuration file makes it the project root."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(FIXTURES / "lambdalint.toml", root / "lambdalint.toml")
    return root


def outside_file(tmp_path: Path) -> Path:
    """A file next to the project, as ``~/.bashrc`` is next to a CI checkout."""
    (tmp_path / "outside").mkdir()
    target = tmp_path / "outside" / "y.py"
    target.write_text(BAD, encoding="utf-8")
    return target


def check(*args: str):
    result = cli_runner().invoke(main, ["check", "--output-format", "concise", *args])
    assert TRACEBACK not in result.stdout + result.stderr
    return result


@POSIX
def test_a_symlink_to_a_file_outside_the_project_is_not_fixed(tmp_path):
    root = project(tmp_path)
    target = outside_file(tmp_path)
    os.symlink(target, root / "app.py")
    result = check("--fix", str(root))
    assert target.read_text(encoding="utf-8") == BAD
    assert os.path.islink(root / "app.py")
    warning = f"app.py: fix not applied: it is a symlink to a file outside the project ({os.path.realpath(target)})"
    lines = [line for line in result.stderr.splitlines() if warning in line]
    assert len(lines) == 1 and lines[0].startswith("lambdalint: warning: "), result.stderr
    assert "LAM202" in result.stdout  # still reported, as not fixed
    assert "Fixed 0 findings, 1 remaining." in result.stdout
    assert result.exit_code == 1


@POSIX
def test_diff_shows_nothing_for_a_symlink_outside_the_project(tmp_path):
    root = project(tmp_path)
    target = outside_file(tmp_path)
    os.symlink(target, root / "app.py")
    result = check("--diff", str(root))
    assert result.stdout == ""
    assert "app.py: fix not applied: it is a symlink to a file outside the project" in result.stderr
    assert "No fixes available." in result.stderr
    assert result.exit_code == 0  # nothing would change
    assert target.read_text(encoding="utf-8") == BAD


@POSIX
def test_other_files_are_still_fixed(tmp_path):
    root = project(tmp_path)
    os.symlink(outside_file(tmp_path), root / "app.py")
    (root / "own.py").write_text(BAD, encoding="utf-8")
    result = check("--fix", str(root))
    assert FIXED_LINE in (root / "own.py").read_text(encoding="utf-8")
    assert "Fixed 1 finding, 1 remaining." in result.stdout
    assert result.exit_code == 1


@POSIX
def test_a_symlink_to_a_file_inside_the_project_is_fixed_through_the_link(tmp_path):
    """Only the link is checked: the target is written, the link kept."""
    root = project(tmp_path)
    (root / "lib").mkdir()
    (root / "lib" / "app.py").write_text(BAD, encoding="utf-8")
    (root / "src").mkdir()
    os.symlink(os.path.join("..", "lib", "app.py"), root / "src" / "app.py")
    result = check("--fix", str(root / "src"))
    assert os.path.islink(root / "src" / "app.py")
    assert FIXED_LINE in (root / "lib" / "app.py").read_text(encoding="utf-8")
    assert "warning" not in result.stderr
    assert result.exit_code == 0


@POSIX
def test_a_link_and_its_target_both_checked_are_one_file_written_once(tmp_path):
    root = project(tmp_path)
    (root / "real").mkdir()
    (root / "real" / "app.py").write_text(BAD, encoding="utf-8")
    os.symlink(os.path.join("real", "app.py"), root / "app.py")
    result = check("--fix", str(root))
    assert os.path.islink(root / "app.py")
    assert FIXED_LINE in (root / "real" / "app.py").read_text(encoding="utf-8")
    assert "warning" not in result.stderr, result.stderr  # not "changed on disk while lambdalint was fixing it"
    assert result.exit_code == 0


# A child process, so that a run blocked on a pipe fails one test on its timeout.
_SWAP_FOR_A_PIPE = """
import os, sys
import lambdalint.fix as fix
path = sys.argv[1]
real_check = fix.run_check
calls = []
def check_then_swap(*args, **kwargs):
    result = real_check(*args, **kwargs)
    if not calls:  # after the first check, before the fix reads the file
        os.unlink(path)
        os.mkfifo(path)
    calls.append(1)
    return result
fix.run_check = check_then_swap
from lambdalint.cli import main
sys.argv = ["lambdalint", "check", "--fix", "--output-format", "concise", os.path.dirname(path)]
main()
"""


def _run_child(script: str, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                              timeout=60, env=child_env())
    except subprocess.TimeoutExpired:
        pytest.fail("lambdalint hung on a named pipe")


@POSIX
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_in_the_tree_is_not_waited_on_nor_written(tmp_path):
    root = project(tmp_path)
    os.mkfifo(root / "x.py")
    (root / "app.py").write_text(BAD, encoding="utf-8")
    proc = lambdalint_cli(["check", "--fix", "--output-format", "concise", str(root)], timeout=60)
    assert TRACEBACK not in proc.output
    assert (root / "x.py").is_fifo()
    assert FIXED_LINE in (root / "app.py").read_text(encoding="utf-8")
    assert "x.py:1:1: LAM001" in proc.stdout  # cannot read it: a finding that remains
    assert proc.returncode == 1


@POSIX
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_put_in_place_after_the_check_is_not_waited_on(tmp_path):
    root = project(tmp_path)
    (root / "app.py").write_text(BAD, encoding="utf-8")
    proc = _run_child(_SWAP_FOR_A_PIPE, str(root / "app.py"))
    assert TRACEBACK not in proc.stdout + proc.stderr
    assert (root / "app.py").is_fifo()
    assert "app.py: fix not applied: it is a named pipe, not a regular file" in proc.stderr
    assert proc.returncode == 1


def _swap_for_a_link(path: Path, target: Path) -> None:
    """What a concurrent attacker would do: the same bytes, so only the link gives it away."""
    path.unlink()
    os.symlink(target, path)


@POSIX
def test_a_file_swapped_for_a_symlink_before_the_write_is_not_followed(tmp_path, monkeypatch):
    import lambdalint.fix.writeback as writeback

    root = project(tmp_path)
    (root / "app.py").write_text(BAD, encoding="utf-8")
    target = outside_file(tmp_path)
    real_write = writeback.write_atomic

    def swap_then_write(path, *args):
        _swap_for_a_link(root / "app.py", target)
        return real_write(path, *args)

    monkeypatch.setattr(writeback, "write_atomic", swap_then_write)
    result = check("--fix", str(root))
    assert target.read_text(encoding="utf-8") == BAD
    assert os.path.islink(root / "app.py")
    assert "app.py: not written: it is a symlink to a file outside the project" in result.stderr
    assert result.exit_code == 1  # what is on disk still has the finding


@POSIX
def test_a_file_swapped_for_a_symlink_just_before_the_rename_is_left(tmp_path, monkeypatch):
    """After every check, before the rename: the rename would replace the link
    (never write its target), but the file is no longer the one that was read."""
    import lambdalint.fix.writeback as writeback

    root = project(tmp_path)
    (root / "app.py").write_text(BAD, encoding="utf-8")
    target = outside_file(tmp_path)
    real_unchanged = writeback._check_unchanged
    calls = []

    def swap_on_second_check(real, expected):
        calls.append(real)
        if len(calls) == 2:  # the check just before the rename
            _swap_for_a_link(root / "app.py", target)
        return real_unchanged(real, expected)

    monkeypatch.setattr(writeback, "_check_unchanged", swap_on_second_check)
    result = check("--fix", str(root))
    assert target.read_text(encoding="utf-8") == BAD
    assert os.path.islink(root / "app.py")
    assert "app.py: not written: it was replaced while lambdalint was fixing it; left unchanged" in result.stderr
    assert not list(root.glob(".*lambdalint-tmp"))


@POSIX
def test_write_refusal_reasons(tmp_path):
    from lambdalint.fix.writeback import write_refusal

    root = project(tmp_path)
    target = outside_file(tmp_path)
    (root / "own.py").write_text(BAD, encoding="utf-8")
    os.symlink(target, root / "out.py")
    os.symlink("own.py", root / "in.py")
    real_root = os.path.realpath(root)
    assert write_refusal(str(root / "own.py"), real_root) is None
    assert write_refusal(str(root / "in.py"), real_root) is None
    assert write_refusal(str(root / "out.py"), real_root) == \
        f"it is a symlink to a file outside the project ({os.path.realpath(target)})"
    assert write_refusal(str(target), real_root) == f"it is outside the project ({os.path.realpath(target)})"
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.py")
        assert write_refusal(str(root / "pipe.py"), real_root) == "it is a named pipe, not a regular file"
    if os.path.exists("/dev/null"):
        os.symlink("/dev/null", root / "null.py")
        assert write_refusal(str(root / "null.py"), real_root) == \
            "it is a symlink to a file outside the project (/dev/null)"


# --- the cache: nothing besides fixed files is written outside its folder ----------------

def _check_with_default_cache(root: Path) -> subprocess.CompletedProcess:
    env = child_env()
    env.pop("LAMBDALINT_CACHE_DIR", None)  # the default: .lambdalint_cache in the project
    return subprocess.run([sys.executable, "-m", "lambdalint", "check", "--output-format", "concise", "."],
                          cwd=str(root), capture_output=True, text=True, timeout=120, env=env)


def _files_under(folder: Path) -> list:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@POSIX
def test_a_committed_cache_folder_linking_outside_is_not_used(tmp_path):
    root = project(tmp_path)
    (root / "app.py").write_text(BAD, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine\n")
    os.symlink(elsewhere, root / ".lambdalint_cache")
    proc = _check_with_default_cache(root)
    assert TRACEBACK not in proc.stderr
    assert _files_under(elsewhere) == ["keep.txt"]
    assert proc.stderr.splitlines() == [
        f"lambdalint: warning: cannot use the cache ({root / '.lambdalint_cache'} is a symbolic link to a folder outside "
        f"the project ({os.path.realpath(elsewhere)})); going on without it"]
    assert "app.py:6:2: LAM202" in proc.stdout and proc.returncode == 1


@POSIX
def test_a_default_cache_folder_in_the_project_is_used(tmp_path):
    root = project(tmp_path)
    (root / "app.py").write_text(BAD, encoding="utf-8")
    proc = _check_with_default_cache(root)
    assert proc.stderr == "" and proc.returncode == 1
    assert (root / ".lambdalint_cache" / "CACHEDIR.TAG").is_file()


@POSIX
@pytest.mark.parametrize("linked", ["runs", "version", "facts", "shards"])
def test_links_inside_the_cache_folder_are_not_followed(tmp_path, linked):
    """A cache restored from the pull request's files (or committed): its
    folders may be links; the run writes nothing through them, deletes nothing."""
    from lambdalint.cache.store import fingerprint

    root = project(tmp_path)
    (root / "app.py").write_text(BAD, encoding="utf-8")
    cache = tmp_path / "cache"
    version = cache / ("v" + fingerprint())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for i in range(40):  # what the memo trimming would delete (oldest beyond 32), were it followed
        (elsewhere / f"{i:040x}.json").write_text("{}")
        os.utime(elsewhere / f"{i:040x}.json", (1_000_000 + i, 1_000_000 + i))
    before = _files_under(elsewhere)
    if linked == "runs":
        cache.mkdir()
        os.symlink(elsewhere, cache / "runs")
    elif linked == "version":
        cache.mkdir()
        os.symlink(elsewhere, version)
    elif linked == "facts":
        version.mkdir(parents=True)
        os.symlink(elsewhere, version / "facts")
    else:
        for kind in ("facts", "sources"):
            (version / kind).mkdir(parents=True)
            for i in range(256):
                os.symlink(elsewhere, version / kind / f"{i:02x}")
    proc = lambdalint_cli(["check", "--output-format", "concise", "."], cwd=root,
                          env={"LAMBDALINT_CACHE_DIR": str(cache)})
    assert TRACEBACK not in proc.output
    assert _files_under(elsewhere) == before
    assert "app.py:6:2: LAM202" in proc.stdout and proc.returncode == 1
    # one warning: the cache is not used at all (tests/test_untrusted_cache.py covers the rest)
    assert re.search(r"cannot (use|write) the cache \(.*: it is a symbolic link\)", proc.stderr)
