"""Real code at scale: a deterministic sample of the standard library (plus the
odd files it keeps for its own tests: bad encodings, bad syntax, Python 2, a
generated 750 KB module) and every file of botocore and boto3, each file
indexed on its own, then ``check`` end to end.

Every file must end in facts or a clear per-file LAM001 message, never an
internal error (LAM000), and its facts must survive the JSON round trip the
cache relies on. The sample is every STDLIB_STRIDE-th file of the sorted list,
so each run sees the same files; the whole library (1,790 files) passes too
(``LAMBDALINT_STDLIB_STRIDE=1``, several minutes). Marked slow, but run by the
default test command; it indexes on two processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sysconfig
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from hardening import TRACEBACK, cli_runner

pytestmark = pytest.mark.slow

STDLIB = Path(sysconfig.get_paths()["stdlib"])
STDLIB_STRIDE = int(os.environ.get("LAMBDALINT_STDLIB_STRIDE", "10"))
# Files the standard library keeps to test its own tools: each must give LAM001 (or pass), never LAM000.
ODD_FILES = (
    "lib2to3/tests/data/bom.py",
    "lib2to3/tests/data/crlf.py",
    "lib2to3/tests/data/different_encoding.py",
    "lib2to3/tests/data/false_encoding.py",
    "lib2to3/tests/data/py2_test_grammar.py",
    "lib2to3/tests/data/py3_test_grammar.py",
    "pydoc_data/topics.py",
    "test/test_grammar.py",
    "test/tokenizedata/bad_coding.py",
    "test/tokenizedata/bad_coding2.py",
    "test/tokenizedata/badsyntax_3131.py",
    "test/tokenizedata/badsyntax_pep3120.py",
    "test/badsyntax_pep3120.py",
    "test/bad_coding.py",
    "test/bad_coding2.py",
    "test/badsyntax_3131.py",
)


def stdlib_sample() -> List[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts and "dist-packages" not in p.parts)
    chosen = files[::STDLIB_STRIDE]
    odd = [STDLIB / f for f in ODD_FILES if (STDLIB / f).is_file()]
    return list(dict.fromkeys(chosen + odd))


def package_files(name: str) -> List[Path]:
    try:
        module = __import__(name)
    except ImportError:
        return []
    return sorted(Path(module.__file__).parent.rglob("*.py"))


def index_one(path: str) -> Tuple[str, Optional[str], Optional[str], bool]:
    """(path, problem code, problem message, facts survive JSON) for one file."""
    from lambdalint.project.discover import SourceFile
    from lambdalint.index.facts import module_from_json, module_to_json
    from lambdalint.index.files import index_file

    facts = index_file(SourceFile(path, "sample." + Path(path).stem, Path(path).name == "__init__.py"))
    round_trip = module_from_json(json.loads(json.dumps(module_to_json(facts)))) == facts
    if facts.problem is None:
        return path, None, None, round_trip
    return path, facts.problem.code, facts.problem.message, round_trip


def index_all(files: List[Path]):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.map(index_one, [str(p) for p in files], chunksize=4)


def assert_no_internal_errors(results) -> None:
    internal = [(p, m) for p, code, m, _ in results if code == "LAM000"]
    assert not internal, internal[:5]
    unclear = [(p, code, m) for p, code, m, _ in results if code is not None and (code != "LAM001" or not m)]
    assert not unclear, unclear[:5]
    lost = [p for p, _, _, ok in results if not ok]
    assert not lost, lost[:5]


def test_standard_library_sample_indexes_cleanly():
    files = stdlib_sample()
    assert len(files) > 150
    results = index_all(files)
    assert_no_internal_errors(results)
    problems = {Path(p).relative_to(STDLIB).as_posix(): m for p, code, m, _ in results if code}
    print(f"{len(files)} stdlib files indexed; {len(problems)} LAM001: {sorted(problems)}")
    # these are broken on purpose; each gets a message that says how
    expected = {
        "test/tokenizedata/bad_coding.py": "cannot decode file: unknown encoding: uft-8",
        "test/bad_coding.py": "cannot decode file: unknown encoding: uft-8",
        "test/tokenizedata/bad_coding2.py": "byte order mark but declares another encoding",
        "lib2to3/tests/data/py2_test_grammar.py": "(a Python 2 file?)",
        "lib2to3/tests/data/false_encoding.py": "(a Python 2 file?)",
    }
    for name, text in expected.items():
        if (STDLIB / name).is_file():
            assert text in problems[name], (name, problems.get(name))
    # valid Python that once failed: analysed now (deep implicit concatenation)
    assert "pydoc_data/topics.py" not in problems


@pytest.mark.parametrize("package", ["botocore", "boto3"])
def test_every_file_of_a_large_installed_package_indexes_cleanly(package):
    files = package_files(package)
    if not files:
        pytest.skip(f"{package} is not installed")
    results = index_all(files)
    assert_no_internal_errors(results)
    assert not [p for p, code, _, _ in results if code], "real, importable code must parse"
    print(f"{package}: {len(files)} files indexed")


def test_check_end_to_end_on_a_real_package(tmp_path):
    from lambdalint.cli import main

    files = package_files("botocore")
    if not files:
        pytest.skip("botocore is not installed")
    root = files[0].parent
    # site-packages may sit in a git repository that ignores it (pyenv's does)
    (tmp_path / "lambdalint.toml").write_text("respect-gitignore = false\n")
    result = cli_runner().invoke(main, ["check", "--output-format", "json", "--select", "ALL",
                                        "--config", str(tmp_path / "lambdalint.toml"), str(root)])
    assert result.exit_code in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    assert TRACEBACK not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    items = json.loads(result.stdout)
    assert not [d for d in items if d["code"] in ("LAM000", "LAM001")]
    summary = cli_runner().invoke(main, ["check", "--exit-zero", "--config", str(tmp_path / "lambdalint.toml"), str(root)])
    assert f"({len(files)} files," in summary.stdout  # every file was read
