"""An indexing worker forked as the command line starts, before anything else loads.

After an edit, a run indexes the changed files in a worker (``IndexAhead``),
and that worker's first job is importing the indexer (libcst too, once, when
a file is left to it: ``lambdalint.index.build``). Forked when the run knows what changed, it would
start a sixth of a second late (the command line, the settings and the run
memo come first); forked here, its import runs while the parent reads them.
The parent then either hands it the files (``take``) or kills it (``discard``):
an unchanged re-run kills it before it has done more than import (on another
CPU: the run's wall time is the same; its CPU time grows by that import).

Only the standard library is imported here: this runs before click does.
The child ignores Ctrl-C (the parent handles it, and kills the child); it
reads its work from a pipe, each file from disk (checked against the digest
the parent read), and writes its answers back on another pipe. A child whose
parent went away reads the end of its pipe and exits.
"""

from __future__ import annotations

import os
import sys
from typing import Any, List, Optional, Tuple

# The commands whose runs may index ahead, and flags that rule it out.
_COMMANDS = frozenset({"check"})
_NO = frozenset({"--no-cache", "--show-files", "-h", "--help", "--version"})


class Forked:
    """The forked worker: its pid, the pipe it reads work from, the one it answers on."""

    def __init__(self, pid: int, work: int, answers: int) -> None:
        self.pid = pid
        self.work = work
        self.answers = answers

    def send(self, items: List[Tuple[Any, ...]]) -> bool:
        """Hand over the work (small: paths and digests, not the files), and
        close the pipe: the worker reads to its end. False when the worker is
        gone (it died before it read: killed, out of memory); it is reaped then."""
        import pickle

        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.work, view):]
        except OSError:  # EPIPE: nobody reads
            self.kill()
            return False
        except BaseException:
            self.kill()
            raise
        os.close(self.work)
        self.work = -1
        return True

    def answers_read(self) -> Optional[Any]:
        """The worker's answers (waits for them); ``None`` when it died without
        any. Interrupted while it waits (Ctrl-C, which the worker ignores), it
        kills the worker before it goes on: nothing waits on it then."""
        import pickle

        chunks = []
        try:
            while True:
                chunk = os.read(self.answers, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            chunks = []
        except BaseException:
            self.kill()
            raise
        self.close()  # the end of its answers: it has exited, or is about to
        try:
            return pickle.loads(b"".join(chunks)) if chunks else None
        except Exception:  # a truncated answer (killed while writing): indexed by the run
            return None

    def kill(self) -> None:
        """Kill the worker (it ignores Ctrl-C) and reap it."""
        if self.pid > 0:  # never 0 or less: os.kill would signal a whole process group
            import signal

            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        self.close()

    def close(self) -> None:
        for fd in (self.work, self.answers):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.work = self.answers = -1
        if self.pid > 0:
            pid, self.pid = self.pid, 0
            _LIVE.discard(pid)
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass


_forked: Optional[Forked] = None
_LIVE: set = set()  # the pids of workers started and not reaped: ``kill_live`` ends them


def kill_live() -> None:
    """Kill every worker this process started and has not reaped (the run is
    ending at once: ``lambdalint.interrupt.exit_now``)."""
    import signal

    for pid in list(_LIVE):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        _LIVE.discard(pid)


def wanted(argv: List[str]) -> bool:
    """Whether a run of ``argv`` may index ahead with the worker started now:
    a ``check`` with its cache, on Linux (fork), with two CPUs or more."""
    if not sys.platform.startswith("linux") or len(argv) < 2 or argv[1] not in _COMMANDS:
        return False
    if any(a in _NO for a in argv[2:]) or os.environ.get("LAMBDALINT_NO_PREFORK"):
        return False
    jobs = _jobs(argv[2:])
    if jobs is not None:
        return jobs >= 2  # (a value click refuses: the run ends before it would use the worker)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2


def _jobs(args: List[str]) -> Optional[int]:
    """``--jobs N`` / ``-j N`` (also ``--jobs=N``, ``-jN``) as given, the last one; None when absent or not a number."""
    found: Optional[str] = None
    for i, a in enumerate(args):
        if a == "--":
            break
        if a in ("-j", "--jobs"):
            found = args[i + 1] if i + 1 < len(args) else None
        elif a.startswith("--jobs="):
            found = a[len("--jobs="):]
        elif a.startswith("-j") and len(a) > 2 and not a.startswith("--"):
            found = a[2:]
    try:
        return int(found) if found is not None else None
    except ValueError:
        return None


def start(argv: List[str]) -> None:
    """Fork the worker when ``wanted(argv)``; a failure to fork leaves the run as it was."""
    global _forked
    if _forked is not None or not wanted(argv):
        return
    import signal

    block = getattr(signal, "pthread_sigmask", None)
    old = block(signal.SIG_BLOCK, {signal.SIGINT}) if block is not None else None
    made: List[int] = []
    try:
        work_r, work_w = os.pipe()
        made += (work_r, work_w)
        answers_r, answers_w = os.pipe()
        made += (answers_r, answers_w)
        pid = os.fork()
    except OSError:  # out of descriptors or processes: the run indexes as it did before
        for fd in made:
            os.close(fd)
        if block is not None:
            block(signal.SIG_SETMASK, old)
        return
    if pid == 0:  # the worker
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if block is not None:
                block(signal.SIG_SETMASK, old)
            os.close(work_w)
            os.close(answers_r)
            # the caller's streams are not the worker's to hold: a caller that reads
            # them to their end (``subprocess.run(capture_output=True)``, CI) would
            # otherwise wait for it too
            quiet = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(quiet, fd)
            _serve(work_r, answers_w)
        finally:
            os._exit(0)
    if block is not None:
        block(signal.SIG_SETMASK, old)
    os.close(work_r)
    os.close(answers_w)
    _forked = Forked(pid, work_w, answers_r)
    _LIVE.add(pid)
    import atexit

    atexit.register(discard)  # whatever path the run takes, the worker does not outlive it


def take() -> Optional[Forked]:
    """The worker, handed over once (to ``IndexAhead``); ``None`` when none was started."""
    global _forked
    forked, _forked = _forked, None
    return forked


def discard() -> None:
    """Kill the worker when nobody took it: the run has nothing for it to index."""
    global _forked
    forked, _forked = _forked, None
    if forked is not None:
        forked.kill()


def _serve(work: int, answers: int) -> None:
    """In the worker: import the indexer, then index what the pipe asks for."""
    import gc
    import pickle

    gc.enable()
    import lambdalint.index.build  # noqa: F401 - the import this process exists to make early
    import lambdalint.index.from_ast  # noqa: F401 - (imported on the first file otherwise)
    from lambdalint.cache.fill import index_batch
    from lambdalint.cache.store import content_hash
    from lambdalint.project.sourcefile import Unreadable, read_source

    chunks = []
    while True:
        chunk = os.read(work, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    if not chunks:
        return  # no work: the run did not need it
    todo = []
    for i, path, digest, source, key, store, verbose in pickle.loads(b"".join(chunks)):
        try:
            data = read_source(path)
        except Unreadable:
            continue
        if content_hash(data) == digest:  # else it changed again: the run indexes what it read
            todo.append((i, data, source, key, store, verbose))
    out = pickle.dumps(index_batch(todo), protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(out)
    while view:
        view = view[os.write(answers, view):]
