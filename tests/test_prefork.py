"""The indexing worker forked as the command line starts (``lambdalint.prefork``):
after an edit the run hands it the changed files, and takes their facts from
it; otherwise the run kills it. Either way the answers are a cold run's, and
no worker outlives the run. (The command line's own runs, edits included, go
through it in tests/test_incremental.py.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest

import lambdalint.index.files as indexing
from helpers import write_project
from test_index_ahead import APP, DB, _edit, check  # the same project and edits, another worker
from lambdalint import prefork
from lambdalint.cache.store import Cache, content_hash, entry_key
from lambdalint.project.discover import SourceFile

pytestmark = pytest.mark.skipif(not prefork.wanted(["lambdalint", "check"]),
                                reason="the worker is forked on Linux with two CPUs or more")


@pytest.fixture(autouse=True)
def no_worker_left():
    prefork.discard()
    yield
    prefork.discard()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Recorder:
    """The files this process parses (a worker's calls are told apart by its
    pid), and the workers the run took from ``prefork``."""

    def __init__(self, monkeypatch) -> None:
        self.parsed: List[str] = []
        self.taken: List[int] = []
        parent, real_index, real_take = os.getpid(), indexing.index_bytes, prefork.take

        def index_bytes(data, source, verbose=False):
            if os.getpid() == parent:
                self.parsed.append(Path(source.path).name)
            return real_index(data, source, verbose)

        def take():
            forked = real_take()
            if forked is not None:
                self.taken.append(forked.pid)
            return forked

        monkeypatch.setattr(indexing, "index_bytes", index_bytes)
        monkeypatch.setattr(prefork, "take", take)


@pytest.mark.parametrize("old,new,found", [
    ("def close_db():\n    pass\n", "def close_db():\n    pass\n\ndef other():\n    return 1\n", False),
    ("def close_db():\n    pass\n", "def close_db():\n    conn.close()\n", True),
    ('"""The database."""', '"""Where the orders are kept."""', False),  # the facts stay the same
])
def test_the_worker_forked_at_start_indexes_the_edited_file(tmp_path, monkeypatch, old, new, found):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    assert check(root, tmp_path / "c") == []
    _edit(root / "db.py", old, new)
    seen = Recorder(monkeypatch)
    prefork.start(["lambdalint", "check"])
    pid = prefork._forked.pid
    warm = check(root, tmp_path / "c")
    assert seen.taken == [pid] and seen.parsed == []  # the worker parsed it; this process took its facts
    assert gone(pid)  # and it was waited for
    monkeypatch.undo()
    assert warm == check(root, None)  # a cold run, no cache
    assert [code for _, _, code in warm] == (["LAM101"] if found else [])


@pytest.mark.parametrize("edit", [None, "# a comment\n"])
def test_a_run_with_nothing_to_index_kills_the_worker(tmp_path, monkeypatch, edit):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    first = check(root, tmp_path / "c")
    if edit:
        with open(root / "db.py", "a") as fh:
            fh.write(edit)
    seen = Recorder(monkeypatch)
    prefork.start(["lambdalint", "check"])
    pid = prefork._forked.pid
    assert check(root, tmp_path / "c") == first
    assert seen.taken == [] and seen.parsed == []
    assert prefork._forked is None and gone(pid)


def test_a_cold_run_kills_the_worker_and_indexes_as_before(tmp_path, monkeypatch):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    prefork.start(["lambdalint", "check"])
    pid = prefork._forked.pid
    assert check(root, tmp_path / "c") == []
    assert prefork._forked is None and gone(pid)


def test_a_worker_that_dies_leaves_the_run_to_index_the_file_itself(tmp_path, monkeypatch):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    check(root, tmp_path / "c")
    _edit(root / "db.py", "def close_db():\n    pass\n", "def close_db():\n    conn.close()\n")
    seen = Recorder(monkeypatch)
    real_send = prefork.Forked.send

    def send_then_die(forked, items):
        sent = real_send(forked, items)
        os.kill(forked.pid, 9)
        return sent

    monkeypatch.setattr(prefork.Forked, "send", send_then_die)
    prefork.start(["lambdalint", "check"])
    warm = check(root, tmp_path / "c")
    assert seen.parsed == ["db.py"]  # indexed here, after the worker's silence
    monkeypatch.undo()
    assert warm == check(root, None)
    assert [code for _, _, code in warm] == ["LAM101"]


def _item(path: Path, data: bytes, cache: Cache, digest: str):
    source = SourceFile(str(path), "db", False)
    key = entry_key(content_hash(data), str(path), "db", False)
    return (0, str(path), digest, source, key, (cache.dir, cache.secret), False), key


def _db_for_a_worker(tmp_path: Path):
    """db.py written, a cache, the work item for it as the run read it, and a worker forked."""
    path = tmp_path / "db.py"
    path.write_text(DB)
    cache = Cache(str(tmp_path / "c"), print)
    assert cache.prepare()
    data = path.read_bytes()
    item, key = _item(path, data, cache, content_hash(data))
    prefork.start(["lambdalint", "check"])
    return path, data, cache, item, key, prefork.take()


def test_the_worker_indexes_a_file_only_as_the_run_read_it(tmp_path):
    """The run sends paths and the digests of what it read; a file changed
    since is not indexed (the run indexes what it read), nor stored."""
    path, data, cache, item, key, forked = _db_for_a_worker(tmp_path)
    forked.send([item])
    answers = forked.answers_read()
    assert [i for i, _ in answers] == [0]
    facts, error, digest = answers[0][1]
    assert error is None and digest is not None
    assert facts == indexing.index_bytes(data, item[3])
    assert cache.get_facts(key, str(path), "db") == facts  # stored under the run's key

    stale, stale_key = _item(path, data, cache, content_hash(data + b"# before\n"))
    prefork.start(["lambdalint", "check"])
    forked = prefork.take()
    forked.send([stale])
    assert forked.answers_read() == []


@pytest.mark.parametrize("argv,wanted", [
    (["lambdalint", "check"], True),
    (["lambdalint", "check", "src", "--fix"], True),
    (["lambdalint", "check", "--no-cache", "src"], False),  # nothing is indexed ahead without a cache
    (["lambdalint", "check", "-j", "1", "src"], False),  # one process: indexing ahead needs two
    (["lambdalint", "check", "--jobs=1"], False),
    (["lambdalint", "check", "-j1"], False),
    (["lambdalint", "check", "--jobs", "4", "src"], True),
    (["lambdalint", "check", "-j", "2", "--jobs", "1"], False),  # the last one counts, as for click
    (["lambdalint", "check", "--show-files"], False),
    (["lambdalint", "check", "--help"], False),
    (["lambdalint", "rule", "LAM101"], False),
    (["lambdalint", "server"], False),
    (["lambdalint"], False),
])
def test_which_command_lines_fork_the_worker(argv, wanted, monkeypatch):
    monkeypatch.delenv("LAMBDALINT_NO_PREFORK", raising=False)
    assert prefork.wanted(argv) is wanted
    monkeypatch.setenv("LAMBDALINT_NO_PREFORK", "1")
    assert prefork.wanted(argv) is False


def test_the_worker_does_not_hold_the_caller_s_streams():
    """Whoever reads the command line's output to its end (CI, ``subprocess.run(
    capture_output=True)``) gets the end when the command line ends, not when
    its worker does: the worker's standard streams are the null device."""
    import time

    prefork.start(["lambdalint", "check"])
    pid = prefork._forked.pid
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            streams = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1, 2)]
        except OSError:
            streams = []
        if streams == [os.devnull] * 3:
            break
        time.sleep(0.01)
    assert streams == [os.devnull] * 3


def test_killing_a_worker_already_reaped_signals_nobody(monkeypatch):
    """A worker reaped (its pid forgotten: 0) and killed again, as a run that is
    interrupted while it waits does: ``os.kill(0, ...)`` would kill the whole
    process group, the shell and the pipeline around the command line."""
    prefork.start(["lambdalint", "check"])
    forked = prefork.take()
    pid = forked.pid
    forked.kill()
    assert gone(pid) and forked.pid == 0
    sent = []
    monkeypatch.setattr(os, "kill", lambda *a: sent.append(a))
    forked.kill()
    forked.close()
    assert sent == []


def test_a_run_interrupted_while_it_waits_for_the_worker_kills_it(monkeypatch, tmp_path):
    """The worker ignores Ctrl-C: the run that is interrupted while it waits for
    the answers kills it, and does not wait for it (it would wait for ever if the
    pipe's other end had been inherited by a pool's worker)."""
    _, _, _, item, _, forked = _db_for_a_worker(tmp_path)
    pid = forked.pid
    assert forked.send([item])
    real_read = os.read

    def interrupted(fd, n):
        if fd == forked.answers:
            raise KeyboardInterrupt
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        forked.answers_read()
    assert gone(pid) and forked.pid == 0 and pid not in prefork._LIVE


def test_a_worker_that_died_before_it_was_given_work_leaves_the_run_to_another(tmp_path, monkeypatch):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    check(root, tmp_path / "c")
    _edit(root / "db.py", "def close_db():\n    pass\n", "def close_db():\n    conn.close()\n")
    prefork.start(["lambdalint", "check"])
    pid = prefork._forked.pid
    os.kill(pid, 9)
    os.waitpid(pid, 0)  # gone before the run hands it anything: writing to it fails
    prefork._forked.pid = -1  # (reaped here; the run must not wait for it again)
    warm = check(root, tmp_path / "c")
    assert warm == check(root, None)
    assert [code for _, _, code in warm] == ["LAM101"]


def test_an_interrupt_on_the_way_out_kills_the_worker_too():
    """``interrupt.exit_now`` (a second Ctrl-C) ends the process without clean-up:
    it kills the pool's workers, and the worker forked at start."""
    from lambdalint import interrupt

    prefork.start(["lambdalint", "check"])
    forked = prefork.take()
    pid = forked.pid
    interrupt._kill_workers()
    os.waitpid(pid, 0)
    assert gone(pid) and pid not in prefork._LIVE
    forked.pid = -1


def test_a_fork_that_fails_leaves_the_run_as_it_was(monkeypatch):
    """Out of processes (or descriptors): no worker, no descriptor left open."""
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", no_fork)
    prefork.start(["lambdalint", "check"])
    assert prefork._forked is None
    assert set(os.listdir("/proc/self/fd")) == before
