"""Ctrl-C: one line on stderr, exit 130, no traceback, no hang.

Imports nothing heavy, so that the console script can install the handler
before click and the rest of lambdalint load (a Ctrl-C while they import
printed a traceback).

The first Ctrl-C while a command runs raises ``KeyboardInterrupt`` as usual:
unwinding stops the worker pool (``lambdalint.run.workers.Pool``) and removes
temporary files. Any other Ctrl-C (a second one while that unwinding runs, or
one while lambdalint starts or exits, when there is nothing to clean up) ends
the process at once: click would have turned it into "Aborted!" and exit 1,
which means "findings".
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it
MESSAGE = "lambdalint: interrupted"


class _State:
    unwinding = False  # a command runs: the next Ctrl-C may unwind it
    raised = False  # a KeyboardInterrupt is on its way up
    announced = False  # MESSAGE was written


def install() -> None:
    """Handle SIGINT from now on (main thread only; a no-op where it cannot)."""
    try:
        signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGINT
        pass


@contextmanager
def unwinding() -> Iterator[None]:
    """While the body runs, the first Ctrl-C raises ``KeyboardInterrupt``."""
    before = _State.unwinding
    if not before:  # a new command (tests run many in one process)
        _State.raised = _State.announced = False
    _State.unwinding = True
    try:
        yield
    finally:
        _State.unwinding = before


def _on_sigint(signum: int, frame: Any) -> None:
    if _State.unwinding and not _State.raised:
        _State.raised = True
        raise KeyboardInterrupt
    exit_now()


def announced() -> bool:
    return _State.announced


def announce() -> None:
    """Write MESSAGE once, on a line of its own."""
    if _State.announced:
        return
    _State.announced = True
    progress = sys.modules.get("lambdalint.report.progress")  # nothing to erase when it was never loaded
    if progress is not None:
        try:
            progress.erase_line()  # a progress line would otherwise run into the message
        except Exception:  # noqa: BLE001 - the message matters more than the progress line
            pass
    try:
        sys.stderr.write(MESSAGE + "\n")
        sys.stderr.flush()
        return
    except (OSError, ValueError, RuntimeError, AttributeError):
        pass  # RuntimeError: the handler interrupted a write to stderr, which cannot be re-entered
    try:
        os.write(2, (MESSAGE + "\n").encode())
    except OSError:
        pass


def exit_now() -> NoReturn:
    """End the process: stop the workers, say why, exit 130; no clean-up runs
    (the cache is written atomically: at worst a temporary file stays, which
    the daily sweep removes)."""
    _kill_workers()
    announce()
    try:
        sys.stdout.flush()  # what was already reported still reaches its reader
    except (OSError, ValueError, RuntimeError):
        pass
    os._exit(EXIT_INTERRUPTED)


def _kill_workers() -> None:
    """Pool workers ignore SIGINT, and ``os._exit`` leaves them running, blocked
    on a queue the parent no longer serves: kill them (and the indexing worker
    forked at start, ``lambdalint.prefork``)."""
    prefork = sys.modules.get("lambdalint.prefork")
    if prefork is not None:
        try:
            prefork.kill_live()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return
    # twice: a pool that still runs replaces the workers killed in the first
    # pass (those it forks later end with this process: lambdalint.run.workers)
    for _ in range(2):
        try:
            children = mp.active_children()
        except Exception:  # noqa: BLE001 - best effort on the way out
            return
        for child in children:
            try:
                child.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
        for child in children:  # reaped here: not every init reaps the orphans it inherits
            try:
                child.join(1.0)
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
