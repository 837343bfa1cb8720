"""Observe the background work a handler invocation leaves unfinished when it returns.

Lambda freezes the process as soon as the handler returns; whatever is still running
then is frozen with it. ``watch()`` wraps one invocation and reports, right after it
returns, what a frozen environment would have cut short:

* ``thread``: threads started during the invocation and still alive (idle executor
  workers do not count: their unfinished work shows up as futures);
* ``future``: ``concurrent.futures`` futures not done (executor work still queued or
  running, including ``loop.run_in_executor`` jobs);
* ``task``: asyncio tasks created during the invocation that are still pending (they
  resume when their loop runs again) or were cancelled (``asyncio.run`` cancels what
  is left, so the work was lost);
* ``coroutine``: coroutines never awaited (Python's RuntimeWarning);
* ``process``: ``subprocess.Popen`` children nobody waited for.

Afterwards it cleans up (joins threads, waits for futures, kills children) so that one
fixture cannot disturb the next.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import concurrent.futures
import concurrent.futures.thread
import gc
import subprocess
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, List

KINDS = ("thread", "future", "task", "coroutine", "process")


@dataclass
class Leftovers:
    threads: List[str] = field(default_factory=list)
    futures: int = 0
    tasks_pending: List[str] = field(default_factory=list)
    tasks_cancelled: List[str] = field(default_factory=list)
    coroutines: List[str] = field(default_factory=list)
    processes: List[str] = field(default_factory=list)

    def kinds(self) -> set:
        found = set()
        if self.threads:
            found.add("thread")
        if self.futures:
            found.add("future")
        if self.tasks_pending or self.tasks_cancelled:
            found.add("task")
        if self.coroutines:
            found.add("coroutine")
        if self.processes:
            found.add("process")
        return found

    def describe(self) -> str:
        parts = []
        if self.threads:
            parts.append(f"threads still alive: {self.threads}")
        if self.futures:
            parts.append(f"{self.futures} executor future(s) not done")
        if self.tasks_pending:
            parts.append(f"asyncio tasks still pending: {self.tasks_pending}")
        if self.tasks_cancelled:
            parts.append(f"asyncio tasks cancelled before they finished: {self.tasks_cancelled}")
        if self.coroutines:
            parts.append(f"coroutines never awaited: {self.coroutines}")
        if self.processes:
            parts.append(f"child processes never waited for: {self.processes}")
        return "; ".join(parts) or "nothing left running"


def _is_executor_worker(thread: threading.Thread) -> bool:
    """An idle executor worker, or asyncio's thread that waits for a child process
    (``ThreadedChildWatcher``): what they leave unfinished shows up as futures and
    processes, and they may linger an instant after their work is done."""
    target = getattr(thread, "_target", None)
    return target is concurrent.futures.thread._worker or getattr(target, "__name__", "") == "_do_waitpid"


@contextmanager
def watch() -> Iterator[Leftovers]:
    """Wrap one invocation; the yielded ``Leftovers`` is filled in on exit."""
    found = Leftovers()
    before_threads = set(threading.enumerate())
    futures: List[concurrent.futures.Future] = []
    tasks: List[asyncio.Task] = []
    children: List[subprocess.Popen] = []
    original_future_init = concurrent.futures.Future.__init__
    original_create_task = asyncio.base_events.BaseEventLoop.create_task
    original_popen_init = subprocess.Popen.__init__

    def future_init(self, *args, **kwargs):
        original_future_init(self, *args, **kwargs)
        futures.append(self)

    def create_task(self, coro, **kwargs):
        task = original_create_task(self, coro, **kwargs)
        tasks.append(task)
        return task

    def popen_init(self, *args, **kwargs):
        original_popen_init(self, *args, **kwargs)
        children.append(self)

    concurrent.futures.Future.__init__ = future_init  # type: ignore[method-assign]
    asyncio.base_events.BaseEventLoop.create_task = create_task  # type: ignore[method-assign]
    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            yield found
            # what is running right now is what Lambda would freeze
            found.threads = sorted(t.name for t in threading.enumerate()
                                   if t not in before_threads and t.is_alive() and not _is_executor_worker(t))
            found.futures = sum(1 for f in futures if not f.done())
            found.tasks_pending = [t.get_name() for t in tasks if not t.done()]
            found.tasks_cancelled = [t.get_name() for t in tasks if t.done() and t.cancelled()]
            found.processes = [" ".join(map(str, c.args)) if isinstance(c.args, list) else str(c.args)
                               for c in children if c.returncode is None]
            gc.collect()
        found.coroutines = sorted({str(w.message) for w in caught
                                   if issubclass(w.category, RuntimeWarning) and "never awaited" in str(w.message)})
    finally:
        concurrent.futures.Future.__init__ = original_future_init  # type: ignore[method-assign]
        asyncio.base_events.BaseEventLoop.create_task = original_create_task  # type: ignore[method-assign]
        subprocess.Popen.__init__ = original_popen_init  # type: ignore[method-assign]
        _clean_up(before_threads, children, tasks, futures)


def _clean_up(before_threads: set, children: List[subprocess.Popen], tasks: List[asyncio.Task],
              futures: List[concurrent.futures.Future]) -> None:
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()
    for thread in threading.enumerate():
        if thread in before_threads or thread is threading.current_thread():
            continue
        cancel = getattr(thread, "cancel", None)
        if isinstance(thread, threading.Timer) and cancel is not None:
            cancel()
        if not _is_executor_worker(thread):
            thread.join(timeout=10)
    concurrent.futures.wait(futures, timeout=10)
    for task in tasks:
        if not task.done() and not task.get_loop().is_closed() and not task.get_loop().is_running():
            task.cancel()
            try:
                task.get_loop().run_until_complete(asyncio.gather(task, return_exceptions=True))
            except RuntimeError:
                pass
