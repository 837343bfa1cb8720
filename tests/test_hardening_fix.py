"""``--fix`` never damages a file.

- Killed (SIGKILL) at random moments, every file is either its original or its
  fully fixed version, and a later ``--fix`` finishes the job.
- Two ``--fix`` runs on the same tree at once leave every file valid and fixed.
- Read-only files, files with other hard links, files changed while lambdalint
  worked, files that vanished: left untouched, with a message naming them.
- Permission bits, owner, line endings, encoding and BOM survive.
"""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardening import BAD, BAD_FIXED, TRACEBACK, child_env, cli_runner, lambdalint_cli, write
from lambdalint.cli import main

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals, modes and owners")
FILES = 30


def variant(i: int, newline: str = "\n") -> tuple:
    """(original, fixed) of the i-th file: BAD with its own query, some with CRLF."""
    nl = "\r\n" if i % 3 == 0 else newline
    original = BAD.replace("select 1", f"select {i}").replace("\n", nl)
    fixed = BAD_FIXED.replace("select 1", f"select {i}").replace("\n", nl)
    return original.encode(), fixed.encode()


def make_project(root: Path) -> dict:
    expected = {}
    for i in range(FILES):
        original, fixed = variant(i)
        write(root, {f"svc{i}/handler_{i}.py": original})
        (root / f"svc{i}" / f"handler_{i}.py").chmod(0o640 if i % 2 else 0o755)
        expected[f"svc{i}/handler_{i}.py"] = (original, fixed)
    return expected


# Runs lambdalint with each fsync slowed down, so that the writing phase, where a
# kill could tear a file, takes a good share of the run.
SLOW_WRITER = """
import os, sys, time
real_fsync = os.fsync
def slow_fsync(fd):
    time.sleep(0.02)
    real_fsync(fd)
os.fsync = slow_fsync
sys.argv = ["lambdalint"] + sys.argv[1:]
from lambdalint.cli import main
main()
"""


def start_fix(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SLOW_WRITER, "check", "--fix", "--unsafe-fixes", "--quiet", "."],
                            cwd=str(root), env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_whole(root: Path, expected: dict) -> dict:
    """Every file is its original or its fixed version, with its mode; returns which."""
    state = {}
    for name, (original, fixed) in expected.items():
        data = (root / name).read_bytes()
        assert data in (original, fixed), f"{name} is damaged: {data!r}"
        state[name] = "fixed" if data == fixed else "original"
        i = int(name.split("_")[-1][:-3])
        assert stat.S_IMODE((root / name).stat().st_mode) == (0o640 if i % 2 else 0o755), name
    leftovers = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).as_posix() not in expected]
    for p in leftovers:  # only a kill between creating and renaming the temporary file leaves one
        assert p.name.startswith(".handler_") and p.name.endswith(".lambdalint-tmp"), p
    return state


@pytest.mark.slow
@POSIX
def test_sigkill_at_random_points_leaves_every_file_whole(tmp_path):
    reference = tmp_path / "reference"
    expected = make_project(reference)
    started = time.monotonic()
    proc = start_fix(reference)
    out, err = proc.communicate(timeout=300)
    duration = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    assert set(assert_whole(reference, expected).values()) == {"fixed"}  # what a whole run produces

    rng = random.Random(20240607)
    outcomes = []
    for attempt in range(8):
        root = tmp_path / f"run{attempt}"
        make_project(root)
        proc = start_fix(root)
        time.sleep(rng.uniform(0.05, duration * 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        state = assert_whole(root, expected)
        outcomes.append(sum(1 for s in state.values() if s == "fixed"))
        # the temporary files of a killed run are not Python files: the next run ignores them and finishes
        done = lambdalint_cli(["check", "--fix", "--unsafe-fixes", "."], cwd=root)
        assert done.returncode == 0, done.output
        assert set(assert_whole(root, expected).values()) == {"fixed"}
    print(f"files fixed when killed: {outcomes} of {FILES}")


@POSIX
def test_two_fix_runs_at_once_leave_every_file_valid(tmp_path):
    expected = make_project(tmp_path)
    runs = [start_fix(tmp_path) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in runs]
    for p, (out, err) in zip(runs, results):
        assert p.returncode in (0, 1), err.decode()
        text = err.decode()
        assert TRACEBACK not in text
        for line in text.splitlines():
            # the only complaints allowed say the other run got there first: its fix was
            # written before our content check ("changed on disk") or renamed into place
            # between that check and our rename ("replaced"); either way ours is not written
            assert ("it changed on disk while lambdalint was fixing it; left unchanged" in line
                    or "it was replaced while lambdalint was fixing it; left unchanged" in line), line
    assert set(assert_whole(tmp_path, expected).values()) == {"fixed"}
    for name in expected:
        compile((tmp_path / name).read_bytes(), name, "exec")


def fix(root: Path, *extra: str):
    result = cli_runner().invoke(main, ["check", "--fix", "--unsafe-fixes", *extra, str(root)])
    assert TRACEBACK not in result.stdout + result.stderr
    return result


@POSIX
def test_a_read_only_file_is_left_alone_with_a_message(tmp_path):
    write(tmp_path, {"ro.py": BAD, "app.py": BAD})
    (tmp_path / "ro.py").chmod(0o444)
    result = fix(tmp_path)
    assert (tmp_path / "ro.py").read_text() == BAD
    assert (tmp_path / "app.py").read_text() == BAD_FIXED
    assert f"lambdalint: warning: {tmp_path / 'ro.py'}: not written: it is read-only; left unchanged" in result.stderr
    assert result.exit_code == 1  # ro.py's finding remains


@POSIX
def test_a_file_with_another_hard_link_is_left_alone(tmp_path):
    write(tmp_path, {"app.py": BAD})
    os.link(tmp_path / "app.py", tmp_path / "twin.txt")
    result = fix(tmp_path)
    assert (tmp_path / "app.py").read_text() == BAD and (tmp_path / "twin.txt").read_text() == BAD
    assert "not written: it has 2 hard links, which a rewrite would split; left unchanged" in result.stderr


@pytest.mark.parametrize("moment", ["before-writing", "just-before-the-rename"])
def test_a_file_edited_while_lambdalint_works_is_left_alone(tmp_path, monkeypatch, moment):
    import lambdalint.fix.writeback as writeback

    write(tmp_path, {"app.py": BAD})
    edited = BAD + "# saved by the editor meanwhile\n"
    if moment == "before-writing":
        real = writeback.write_atomic

        def edit_then_write(path, data, expected, *root):
            Path(path).write_text(edited)
            return real(path, data, expected, *root)

        monkeypatch.setattr(writeback, "write_atomic", edit_then_write)
    else:
        real_keep = writeback._keep_owner

        def edit_during(tmp, st):  # after the new text is on disk, before the rename
            (tmp_path / "app.py").write_text(edited)
            return real_keep(tmp, st)

        monkeypatch.setattr(writeback, "_keep_owner", edit_during)
    result = fix(tmp_path)
    assert (tmp_path / "app.py").read_text() == edited
    assert "not written: it changed on disk while lambdalint was fixing it; left unchanged" in result.stderr
    assert not list(tmp_path.glob(".*lambdalint-tmp"))


def test_a_file_deleted_before_writing(tmp_path, monkeypatch):
    import lambdalint.fix.writeback as writeback

    write(tmp_path, {"app.py": BAD, "other.py": BAD})
    real = writeback.write_atomic

    def delete_then_write(path, data, expected, *root):
        if path.endswith("app.py"):
            os.unlink(path)
        return real(path, data, expected, *root)

    monkeypatch.setattr(writeback, "write_atomic", delete_then_write)
    result = fix(tmp_path)
    assert not (tmp_path / "app.py").exists()  # not re-created from memory
    assert (tmp_path / "other.py").read_text() == BAD_FIXED
    assert "app.py: not written: cannot read it again: it no longer exists (deleted while lambdalint ran?)" in result.stderr


@pytest.mark.parametrize("encode", [
    lambda s: s.replace(b"\n", b"\r\n"),
    lambda s: s.replace(b"\n", b"\r"),
    lambda s: b"\xef\xbb\xbf" + s,
    lambda s: b"# -*- coding: latin-1 -*-\n" + s.replace(b"select 1", b"select '\xe9'"),
    lambda s: s.replace(b"\n", b"\t\n").replace(b"    ", b"\t"),
], ids=["crlf", "cr", "bom", "latin1", "tabs-and-trailing-whitespace"])
def test_line_endings_encoding_and_bytes_around_the_fix_survive(tmp_path, encode):
    original = encode(BAD.encode())
    expected = encode(BAD_FIXED.encode())
    write(tmp_path, {"app.py": original})
    result = fix(tmp_path)
    assert (tmp_path / "app.py").read_bytes() == expected, result.output
    assert fix(tmp_path).exit_code == 0 and (tmp_path / "app.py").read_bytes() == expected  # a second run: nothing


def test_mixed_line_endings_are_analysed_but_not_rewritten(tmp_path):
    original = BAD.encode().replace(b"\n", b"\r\n", 2)
    write(tmp_path, {"app.py": original})
    result = fix(tmp_path)
    assert (tmp_path / "app.py").read_bytes() == original
    assert "LAM101 not fixed: the file mixes line endings (CRLF with LF or CR)" in result.stderr


@POSIX
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755, 0o664])
def test_permission_bits_survive(tmp_path, mode):
    write(tmp_path, {"app.py": BAD})
    (tmp_path / "app.py").chmod(mode)
    fix(tmp_path)
    assert (tmp_path / "app.py").read_text() == BAD_FIXED
    assert stat.S_IMODE((tmp_path / "app.py").stat().st_mode) == mode


@POSIX
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file to another user")
def test_the_owner_survives_when_root_fixes_a_users_file(tmp_path):
    write(tmp_path, {"app.py": BAD})
    os.chown(tmp_path / "app.py", 65534, 65534)
    fix(tmp_path)
    st = (tmp_path / "app.py").stat()
    assert (tmp_path / "app.py").read_text() == BAD_FIXED
    assert (st.st_uid, st.st_gid) == (65534, 65534)


@POSIX
def test_a_symlinked_file_is_fixed_through_the_link(tmp_path):
    # the configuration file makes tmp_path the project: a link out of it is not followed (test_untrusted_fix)
    write(tmp_path, {"real/app.py": BAD, "lambdalint.toml": ""})
    (tmp_path / "src").mkdir()
    os.symlink(tmp_path / "real" / "app.py", tmp_path / "src" / "app.py")
    fix(tmp_path / "src")
    assert os.path.islink(tmp_path / "src" / "app.py")
    assert (tmp_path / "real" / "app.py").read_text() == BAD_FIXED


def test_interrupted_while_writing_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    import lambdalint.fix.writeback as writeback

    write(tmp_path, {"a.py": BAD, "b.py": BAD})
    calls = []
    real_replace = os.replace

    def interrupt_second(src, dst):
        if str(dst).endswith(".py"):  # the fixed files, not the cache's entries
            calls.append(dst)
            if len(calls) == 2:
                raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(writeback.os, "replace", interrupt_second)
    result = fix(tmp_path)
    assert result.exit_code == 130
    assert "lambdalint: interrupted" in result.stderr
    contents = sorted((tmp_path / n).read_text() for n in ("a.py", "b.py"))
    assert contents == sorted([BAD, BAD_FIXED])
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".lambdalint-tmp")]
