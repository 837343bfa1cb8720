"""Issue 16, the command line: what a run says when it is interrupted, when it
finds nothing to check, when its reader goes away, and when its parser is the
one at fault.

- Ctrl-C, at any moment (start-up, the worker pool at work, twice in a row):
  exit 130, the one line ``lambdalint: interrupted``, no traceback, no hang,
  no worker left running, the cache still readable. Ctrl-C is sent as a
  terminal sends it, to the whole process group, workers included.
- Paths that yield no Python file (all git-ignored or excluded, or none there)
  are an error that says why (exit 2), not "All checks passed! (0 files)".
- A reader that goes away (``| head -1``): exit 141, nothing printed.
- A file CPython accepts and libcst rejects is read through ``ast``; one that only
  libcst could read and cannot is libcst's limit, not a syntax error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Sequence, Tuple

import pytest

from hardening import BAD, TRACEBACK, child_env, cli_runner, write
import signed
from signed import payload
from lambdalint.cli import main
from lambdalint.run import POOL_MIN_INDEX_BYTES, POOL_MIN_SCAN_BYTES

posix_only = pytest.mark.skipif(os.name != "posix" or not os.path.isdir("/proc"),
                                reason="process groups and /proc (Linux)")

INTERRUPTED = "lambdalint: interrupted\n"


# --- a project big enough for the worker pool -------------------------------------------------

_HELPERS = "".join(f"def helper_{k}(x):\n    y = [i * {k} for i in range(x)]\n    return sum(y) + len(str(x))\n\n"
                   for k in range(60))
_MODULE = "import boto3\n\nclient = boto3.client('s3')\n\n" + _HELPERS + "def handler(event, context):\n    return helper_1(3)\n"


def big_project(root: Path) -> Path:
    """Files that are each a handler (so none is pruned), enough bytes for both
    stages to use the pool: indexing all of them takes tens of seconds."""
    count = POOL_MIN_SCAN_BYTES // len(_MODULE) + 20
    assert count * len(_MODULE) >= max(POOL_MIN_SCAN_BYTES, POOL_MIN_INDEX_BYTES)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"mod_{i}.py").write_text(_MODULE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    return big_project(tmp_path_factory.mktemp("big") / "p")


def _group(pgid: int) -> List[Tuple[int, str]]:
    """(pid, state) of the live processes in a process group (zombies left out)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append((int(name), fields[0]))
    return out


def _children(pid: int) -> int:
    return sum(1 for p, _ in _group(pid) if p != pid)


def _start(args: Sequence[str], python_flags: Sequence[str] = ()) -> subprocess.Popen:
    # a session of its own: Ctrl-C goes to the process group, as a terminal sends it
    return subprocess.Popen([sys.executable, *python_flags, "-m", "lambdalint", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=child_env(), start_new_session=True)


def _ctrl_c(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:
        pass


def _finish(proc: subprocess.Popen, timeout: float = 20) -> Tuple[int, str]:
    """Wait for the end; a hang fails the test (and its processes are killed)."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"lambdalint did not end within {timeout} s of Ctrl-C")
    return proc.returncode, err.decode("utf-8", "replace")


def _wait_for_pool(proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while _children(proc.pid) < 2:
        if proc.poll() is not None or time.monotonic() > end:
            pytest.fail("the worker pool never started")
        time.sleep(0.01)


def _assert_interrupted(proc: subprocess.Popen, code: int, err: str) -> None:
    assert TRACEBACK not in err
    assert err == INTERRUPTED, err  # exactly one line
    assert code == 130
    time.sleep(0.2)
    assert _group(proc.pid) == [], "a worker outlived lambdalint"


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 0.5, 2.0])
def test_ctrl_c_while_the_pool_works(big, after):
    proc = _start(["check", "-j", "2", "--no-cache", str(big)])
    _wait_for_pool(proc)
    time.sleep(after)
    _ctrl_c(proc)
    code, err = _finish(proc)
    _assert_interrupted(proc, code, err)


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize("gap", [0.0, 0.01, 0.2])
def test_ctrl_c_twice_in_a_row(big, gap):
    """The second one arrives while the first unwinds: click used to turn it into
    "Aborted!" and exit 1, which means findings."""
    proc = _start(["check", "-j", "2", "--no-cache", str(big)])
    _wait_for_pool(proc)
    time.sleep(0.3)
    _ctrl_c(proc)
    time.sleep(gap)
    _ctrl_c(proc)
    code, err = _finish(proc)
    _assert_interrupted(proc, code, err)


@posix_only
@pytest.mark.slow
@pytest.mark.parametrize("delay", [1.0, 3.0])
def test_ctrl_c_at_a_moment_after_launch(big, delay):
    """Whatever lambdalint is doing then (walking, scanning, indexing). Earlier
    moments are test_ctrl_c_while_lambdalint_starts: on a busy machine, 0.05 s
    can fall before the interpreter runs any of lambdalint's code, where only
    Python's own handler can answer."""
    proc = _start(["check", "-j", "2", "--no-cache", str(big)])
    time.sleep(delay)
    _ctrl_c(proc)
    code, err = _finish(proc)
    _assert_interrupted(proc, code, err)


@posix_only
@pytest.mark.parametrize("module", ["click.core", "lambdalint.cli.commands", "lambdalint.index.from_ast"])
def test_ctrl_c_while_lambdalint_starts(tmp_path, module):
    """While click, lambdalint and the index's front end (imported when the
    first file is indexed; libcst no longer is, on this path) are imported.
    ``-X importtime`` reports each import as it ends, so the Ctrl-C is sent
    during start-up however slow the machine is."""
    write(tmp_path, {"app.py": BAD})
    proc = _start(["check", "--no-cache", str(tmp_path)], ["-X", "importtime"])
    while True:
        line = proc.stderr.readline().decode()
        if not line:
            pytest.fail(f"{module} was never imported")
        if line.startswith("import time:") and line.split("|")[-1].strip() == module:
            break
    _ctrl_c(proc)
    code, err = _finish(proc)
    err = "".join(line for line in err.splitlines(keepends=True) if not line.startswith("import time:"))
    _assert_interrupted(proc, code, err)


@posix_only
@pytest.mark.slow
def test_the_cache_stays_readable_after_ctrl_c(big, tmp_path):
    cache = tmp_path / "cache"
    proc = _start(["check", "-j", "2", "--cache-dir", str(cache), str(big)])
    end = time.monotonic() + 60
    while not any(cache.glob("*/facts/*/*.json")):  # the workers are writing facts
        if proc.poll() is not None or time.monotonic() > end:
            pytest.fail("no facts were cached")
        time.sleep(0.01)
    _ctrl_c(proc)
    code, err = _finish(proc)
    _assert_interrupted(proc, code, err)
    entries = [p for p in cache.rglob("*.json") if p.is_file()]
    assert any(p.name == "scans.json" for p in entries)
    for path in entries:  # written whole or not at all (temporary files are swept later)
        signed.parse(path)  # after the signature line


@posix_only
def test_a_stuck_pool_is_not_waited_on_for_ever(tmp_path):
    """``_stop``: when the pool's own terminate hangs (as it did on a worker
    that died mid-task), the workers are killed and the parent goes on."""
    script = (
        "import time, multiprocessing, multiprocessing.pool\n"
        "from lambdalint.run.workers import start_pool as _start_pool, stop as _stop\n"
        "pool = _start_pool(2)\n"
        "pool.map(abs, [1, 2])\n"
        "workers = multiprocessing.active_children()\n"
        "# terminate() stuck on the queue, as it can be behind a worker that died mid-task\n"
        "multiprocessing.pool.Pool._help_stuff_finish = staticmethod(lambda *args: time.sleep(60))\n"
        "start = time.monotonic()\n"
        "_stop(pool, 0.3)\n"
        "assert time.monotonic() - start < 5, 'waited'\n"
        "time.sleep(0.2)\n"
        "assert not any(w.is_alive() for w in workers), 'workers alive'\n"
        "print('stopped')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30, env=child_env())
    assert proc.stdout.decode().strip() == "stopped", proc.stderr.decode()


@posix_only
def test_no_worker_outlives_a_run_ended_while_its_pool_runs():
    """The CI failure behind ``test_ctrl_c_twice_in_a_row[0.0]``: the second
    Ctrl-C kills the workers and exits while the pool still runs, and the pool's
    own thread had already forked their replacements. Those outlived the run,
    blocked on a queue nobody serves, holding the caller's stderr open, so its
    ``communicate`` never returned. Here the moment is made certain: the pool is
    busy, the workers are killed as the second Ctrl-C kills them, the process exits."""
    script = (
        "import os, time\n"
        "from lambdalint.run.workers import start_pool\n"
        "from lambdalint import interrupt\n"
        "pool = start_pool(2)\n"
        "pool.map_async(time.sleep, [60] * 4)\n"
        "time.sleep(0.5)\n"
        "interrupt._kill_workers()\n"
        "os._exit(130)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_env(), start_new_session=True)
    try:
        proc.communicate(timeout=20)  # every holder of its pipes ended
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("a worker outlived the process that started it")
    assert proc.returncode == 130
    end = time.monotonic() + 5
    while _group(proc.pid) and time.monotonic() < end:
        time.sleep(0.05)
    assert _group(proc.pid) == []


@posix_only
def test_pool_workers_ignore_ctrl_c():
    script = (
        "import signal\n"
        "from lambdalint.run.workers import start_pool as _start_pool\n"
        "pool = _start_pool(2)\n"
        "print(set(pool.map(signal.getsignal, [signal.SIGINT] * 8)) == {signal.SIG_IGN})\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
        "print(signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, []))\n"
        "pool.close(); pool.join()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30, env=child_env())
    assert proc.stdout.decode().split() == ["True", "True", "True"], proc.stderr.decode()


# --- nothing to check ----------------------------------------------------------------------------

def _check(args: Sequence[str]):
    result = cli_runner().invoke(main, ["check", "--no-cache", *args])
    assert TRACEBACK not in result.stdout + result.stderr
    return result


def _git_repo(root: Path, ignore: str) -> None:
    (root / ".git").mkdir(parents=True)
    (root / ".gitignore").write_text(ignore, encoding="utf-8")


def test_a_folder_of_git_ignored_files_is_an_error(tmp_path):
    _git_repo(tmp_path, "src/\n")
    write(tmp_path, {"src/app.py": BAD, "src/lib/db.py": "x = 1\n", "src/notes.txt": ""})
    result = _check([str(tmp_path / "src")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (f"lambdalint: error: no Python files found under {tmp_path / 'src'} "
                             "(2 ignored by .gitignore)\n")


def test_a_folder_of_excluded_files_is_an_error(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.lambdalint]\nextend-exclude = ["app.py", "vendor"]\n',
                     "app.py": BAD, "vendor/lib.py": "x = 1\n"})
    result = _check([str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (f"lambdalint: error: no Python files found under {tmp_path} "
                             "(1 excluded by `exclude`; 1 folder excluded by `exclude`: vendor)\n")


def test_both_reasons_are_counted(tmp_path):
    _git_repo(tmp_path, "gen_*.py\n")
    write(tmp_path, {"pyproject.toml": '[tool.lambdalint]\nextend-exclude = ["old.py"]\n',
                     "gen_a.py": "x = 1\n", "gen_b.py": "x = 1\n", "gen_c.py": "x = 1\n", "old.py": BAD})
    result = _check([str(tmp_path)])
    assert result.exit_code == 2
    assert "(3 ignored by .gitignore; 1 excluded by `exclude`; 1 folder excluded by `exclude`: .git)" in result.stderr


def test_an_empty_folder_is_an_error(tmp_path):
    result = _check([str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"lambdalint: error: no Python files found under {tmp_path}\n"


def test_a_folder_with_only_a_deployment_file_is_an_error(tmp_path):
    write(tmp_path, {"template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                                      "    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"})
    result = _check([str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"lambdalint: error: no Python files found under {tmp_path}")


def test_fix_says_so_too(tmp_path):
    result = _check(["--fix", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"lambdalint: error: no Python files found under {tmp_path}\n"


def test_a_git_ignored_file_named_on_the_command_line_is_still_checked(tmp_path):
    """As before (and as ruff does): an explicitly named file is checked."""
    _git_repo(tmp_path, "app.py\n")
    write(tmp_path, {"app.py": BAD})
    result = _check([str(tmp_path / "app.py")])
    assert result.exit_code == 1
    assert "LAM101" in result.stdout


def test_one_empty_path_among_others_is_no_error(tmp_path):
    write(tmp_path, {"src/app.py": BAD.replace("    conn.close()\n", ""), "empty/.keep": ""})
    result = _check([str(tmp_path / "src"), str(tmp_path / "empty")])
    assert result.exit_code == 0
    assert "All checks passed! (1 file, 1 handler)" in result.stdout


# --- a reader that goes away -----------------------------------------------------------------

@posix_only
@pytest.mark.parametrize("args", [
    ["check", "--no-cache", "{fixtures}"],  # a report far larger than the pipe holds
    ["check", "--no-cache", "{fixtures}/lam101"],  # a small one, written when Python flushes at exit
    ["rules"],
    ["--help"],
])
def test_a_closed_pipe_exits_141_quietly(args):
    fixtures = str(Path(__file__).resolve().parent.parent / "fixtures")
    proc = subprocess.Popen([sys.executable, "-m", "lambdalint", *(a.format(fixtures=fixtures) for a in args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    proc.stdout.close()  # `| head -1` that has already read its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


# --- the parser's limits ------------------------------------------------------------------------

# Valid Python (CPython's grammar allows a parenthesised name as an annotated
# target; the standard library's test/typinganndata/ann_module.py has one),
# which libcst 1.9 rejects.
PARENTHESISED_TARGET = "def handler(event, context):\n    return 1\n\n(pars): bool = True\n"


def _lam001(tmp_path: Path, source: str) -> dict:
    write(tmp_path, {"app.py": source})
    result = _check(["--output-format", "json", str(tmp_path)])
    (item,) = [d for d in json.loads(result.stdout) if d["code"] == "LAM001"]
    return item


def _libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


def _through_libcst(monkeypatch) -> None:
    """Send every file to the libcst path, as a shape the ast front end does not read would be."""
    from lambdalint.index import from_ast

    def leave_to_libcst(*args, **kwargs):
        raise from_ast.Unsupported("simulated")

    monkeypatch.setattr(from_ast, "convert", leave_to_libcst)


def test_valid_python_libcst_rejects_is_its_limit_not_a_syntax_error(tmp_path, monkeypatch):
    import ast

    import libcst

    ast.parse(PARENTHESISED_TARGET)  # valid Python
    try:
        libcst.parse_module(PARENTHESISED_TARGET)
    except libcst.ParserSyntaxError:
        pass
    else:
        pytest.skip("this libcst parses the construct; test_a_rejection_of_valid_python covers the message")
    # the check path reads it through ast: analysed, nothing to say about the parser
    write(tmp_path, {"app.py": PARENTHESISED_TARGET})
    result = _check(["--output-format", "json", str(tmp_path)])
    assert not [d for d in json.loads(result.stdout) if d["code"] == "LAM001"]
    # a file that only libcst could read: libcst's limit, said so
    _through_libcst(monkeypatch)
    message = _lam001(tmp_path, PARENTHESISED_TARGET)["message"]
    # the headline; what libcst said and that the file was not analysed are its notes when it is long
    assert message.startswith(f"valid Python that libcst {_libcst_version()} cannot parse")
    assert len(message) <= 100
    assert "syntax error" not in message


def test_a_rejection_of_valid_python(tmp_path, monkeypatch):
    """Whatever construct libcst lacks: simulated, so that the test holds on any libcst."""
    import libcst

    from lambdalint.index import via_cst

    def reject(source, *args, **kwargs):
        raise libcst.ParserSyntaxError("expected something else", lines=["x = 1\n"], raw_line=1, raw_column=0)

    _through_libcst(monkeypatch)
    monkeypatch.setattr(via_cst.cst, "parse_module", reject)
    message = _lam001(tmp_path, "def handler(event, context):\n    return 1\n")["message"]
    # longer than a headline may be: that the file was not analysed becomes a note
    assert message == f"valid Python that libcst {_libcst_version()} cannot parse: expected something else"


def test_a_real_syntax_error_is_still_called_one(tmp_path):
    message = _lam001(tmp_path, "def handler(event, context):\n    return (1\n")["message"]
    assert message.startswith("syntax error: ")


@posix_only
def test_a_worker_whose_parent_is_gone_before_its_initializer_ends_at_once():
    """The race that made the test above fail on CI: a replacement forked as the
    parent exits can run its initializer after the parent is gone. Its parent pid
    then comes from before the fork; had it been read in the child, it would name
    the process that adopted the orphan, and the watch would never fire."""
    script = (
        "import os, time\n"
        "from lambdalint.run.workers import _worker_init\n"
        "_worker_init(os.getppid() + 987654)\n"  # a parent that is not this one's
        "time.sleep(30)\n"
        "os._exit(0)\n"
    )
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, env=child_env(), timeout=25)
    assert proc.returncode == 1, proc.stderr.decode()
    assert time.monotonic() - started < 20
