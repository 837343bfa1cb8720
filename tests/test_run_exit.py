"""How a run ends: the cyclic collector after a check (``index.gcpause.paused_gc(age=True)``)
and the command line's exit without Python's clean-up (``__main__._hard_exit``)."""

import gc
import os
import subprocess
import sys

from lambdalint.index.gcpause import paused_gc

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it


def test_paused_gc_puts_new_objects_in_the_oldest_generation_and_keeps_them_collectable():
    assert gc.isenabled()
    with paused_gc(age=True):
        assert not gc.isenabled()
        kept = [Node() for _ in range(5000)]
        garbage = Node()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # nothing stays frozen
    assert gc.get_count()[0] < 700  # no young objects left to scan at once
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(o) in young for o in kept)
    assert any(o is kept[0] for o in gc.get_objects(generation=2))
    del garbage
    before = len(gc.get_objects())
    gc.collect()
    assert len(gc.get_objects()) < before  # the cycle made while paused is collected


def test_paused_gc_leaves_a_frozen_process_frozen_and_nests():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc(age=True):
            with paused_gc(age=True):
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner one leaves it to the outer
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        with paused_gc(age=True):
            pass
        assert not gc.isenabled()  # paused by the caller: left paused
    finally:
        gc.enable()


def _lint(*args, **kw):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/src"
               + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], env=env, **kw)


def test_the_command_line_exit_code_and_output_survive_the_hard_exit(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    cache = str(tmp_path / "cache")
    for _ in range(2):  # cold, then from the run memo
        proc = _lint("check", "--output-format", "json", "--cache-dir", cache, str(tmp_path / "app.py"),
                     capture_output=True, text=True)
        assert proc.returncode == 1 and proc.stdout.rstrip().endswith("]") and "LAM101" in proc.stdout
    proc = _lint("check", "--exit-zero", "--output-format", "concise", "--cache-dir", cache, str(tmp_path / "app.py"),
                 capture_output=True, text=True)
    assert proc.returncode == 0 and "LAM101" in proc.stdout
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    proc = _lint("check", "--cache-dir", cache, str(tmp_path / "app.py"), capture_output=True, text=True)
    assert proc.returncode == 0
    proc = _lint("check", "--no-such-flag", capture_output=True, text=True)
    assert proc.returncode == 2 and "no-such-flag" in proc.stderr


def test_a_reader_that_goes_away_still_gets_the_broken_pipe_exit(tmp_path):
    for i in range(40):
        (tmp_path / f"app{i}.py").write_text(BAD)
    proc = _lint("check", "--no-cache", "--output-format", "concise", str(tmp_path), stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE)
    assert proc.returncode == 1
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    lint = _lint("check", "--no-cache", "--output-format", "full", str(tmp_path), stdout=reader.stdin,
                 stderr=subprocess.PIPE)
    reader.stdin.close()
    reader.wait()
    assert lint.returncode in (1, 141)
    assert b"Traceback" not in lint.stderr
