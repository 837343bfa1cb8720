"""Work done in other processes: the pool the first pass and the index run in
(workers that ignore Ctrl-C, stopped without waiting for ever), the work items
they run, and indexing ahead (``IndexAhead``): the files an edit changed,
indexed in a forked worker from the start of a run.

Functions that run in a worker are module-level, so that the pool can name them.
"""

from __future__ import annotations

import gc
import heapq
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from lambdalint.cache.fill import index_batch  # noqa: F401 - run in the pool and by indexing ahead
from lambdalint.cache.store import Cache
from lambdalint.project.discover import SourceFile
from lambdalint.report.progress import Progress

if TYPE_CHECKING:
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.index.scan import ModuleScan
    from lambdalint.records import Options

BATCHES_PER_JOB = 6


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- work items (module level: they run in worker processes) ---------------------------------

def scan_batch(items: List[Tuple[int, bytes, str, bool]]) -> List[Tuple[int, ModuleScan]]:
    from lambdalint.index.scan import scan_source

    return [(i, scan_source(data, module, is_package)) for i, data, module, is_package in items]


class Pool:
    """A process pool started on first use, shared by the scan and index stages.

    Workers ignore Ctrl-C: only the parent handles it, and stops them. (Each
    interrupted worker printed its traceback, and the parent could wait for
    ever on a result that a dead worker would never send.)"""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: Any = None

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc: Any) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc[0] is not None:  # interrupted, or failed: no result is awaited any more
            stop(pool, STOP_GRACE_S)
        else:
            pool.close()
            pool.join()

    def run(self, work: Callable[[List[Any]], List[Tuple[int, Any]]], items: List[Any], sizes: List[int],
            parallel: bool, progress: Progress) -> Iterator[Tuple[int, Any]]:
        """``work`` over ``items`` in batches; yields (index, result) as they come."""
        if not parallel or self.jobs < 2 or len(items) < 2:
            for item in items:
                yield from work([item])
                progress.advance()
            return
        if self._pool is None:
            self._pool = start_pool(min(self.jobs, len(items)))
        for batch in self._pool.imap_unordered(work, batches(items, sizes, self.jobs * BATCHES_PER_JOB)):
            yield from batch
            progress.advance(len(batch))


# How long an interrupted run waits for the pool to stop before it kills the workers.
STOP_GRACE_S = 2.0


def start_pool(processes: int) -> Any:
    """A pool whose workers ignore SIGINT. SIGINT is blocked while they are
    forked, so that none is interrupted before its initializer runs (a Ctrl-C
    then stays pending in the parent, which handles it right after)."""
    import multiprocessing
    import signal

    block = getattr(signal, "pthread_sigmask", None)  # POSIX only
    if block is not None:
        old = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        # the parent's pid is taken here, before the fork: a worker forked as the
        # parent exits may run its initializer after it is gone (see _end_with_the_parent)
        return multiprocessing.Pool(processes, initializer=_worker_init, initargs=(os.getpid(),))
    finally:
        if block is not None:
            block(signal.SIG_SETMASK, old)


def _worker_init(parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # a worker starts with the collector on, whatever the run paused (see _check)
    gc.enable()
    _end_with_the_parent(parent)


# How often a worker looks whether the process that started it is still there.
PARENT_WATCH_S = 0.1


def _end_with_the_parent(parent: int) -> None:
    """End this worker when its parent (pid ``parent``) is gone. A run ended by a
    second Ctrl-C kills its workers and exits at once; but the pool's own thread
    replaces a worker that dies while the pool still runs, and a worker forked in
    that moment would outlive the run, blocked for ever on a queue nobody serves,
    holding the caller's stderr open (``subprocess.run`` then never returns).
    ``parent`` comes from before the fork: read here, ``getppid()`` may already
    name the process that adopted the orphan, and the watch would never fire."""
    import threading

    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_WATCH_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="lambdalint-parent-watch", daemon=True).start()


def stop(pool: Any, grace: float) -> None:
    """Stop the pool without waiting on it for ever: ``terminate`` runs in a
    thread, and when it has not finished within ``grace`` seconds (a worker
    killed while writing to a pipe can leave it waiting), the workers are
    killed and the parent goes on. Its threads are daemons: none holds up the exit."""
    import multiprocessing
    import threading

    workers = multiprocessing.active_children()
    stopper = threading.Thread(target=pool.terminate, name="lambdalint-stop-pool", daemon=True)
    stopper.start()
    stopper.join(grace)
    if stopper.is_alive():
        for worker in workers:
            worker.kill()
        stopper.join(grace)


def batches(items: List[Any], sizes: List[int], count: int) -> List[List[Any]]:
    """Split ``items`` into about ``count`` batches of similar total size,
    largest first, so that no worker is left with one big file at the end."""
    count = max(1, min(count, len(items)))
    heap: List[Tuple[int, int]] = [(0, b) for b in range(count)]
    batches: List[List[Any]] = [[] for _ in range(count)]
    totals = [0] * count
    for i in sorted(range(len(items)), key=lambda i: -sizes[i]):
        total, b = heapq.heappop(heap)
        batches[b].append(items[i])
        totals[b] = total + sizes[i]
        heapq.heappush(heap, (totals[b], b))
    order = sorted(range(count), key=lambda b: -totals[b])
    return [batches[b] for b in order if batches[b]]


class IndexAhead:
    """The files an edit changed, indexed in a worker from the start of the run.

    A run after an edit learns which files changed as soon as it compares their
    stamps with the run memo's, long before it needs their facts: it checks the
    deployment files, names the modules, reads the first pass and the facts it
    holds, selects. Meanwhile a forked process imports the indexer and indexes the
    changed files (storing their facts as the index stage does). This process
    never imports the indexer, and the parse costs no wall time of its own on a
    machine with two CPUs or more. Where nothing is started, or the worker dies
    (killed, out of memory), every answer is ``None`` and the run indexes the
    files itself, as before.

    A plain process and a pipe, not a pool: a pool never completes the result of
    a worker that died (the run would wait for ever), and its threads would be
    running when the index stage forks its own pool."""

    def __init__(self) -> None:
        self._process: Any = None
        self._conn: Any = None
        self._keys: Dict[str, int] = {}  # entry key -> its item in the batch
        self._got: Optional[Dict[int, Any]] = None
        self._forked: Any = None  # a ``lambdalint.prefork.Forked``, when it took that one

    @staticmethod
    def possible(options: "Options") -> bool:
        """A disk cache to store into, two CPUs or more, and fork (a spawned
        worker would import everything again: on other systems nothing starts)."""
        cache = options.cache
        if cache is None or cache.memo is not None or (options.jobs or default_jobs()) < 2:
            return False
        import multiprocessing

        return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()

    def start(self, files: Sequence[Tuple[str, bytes, SourceFile]], cache: Cache, verbose: bool) -> None:
        """Index ``files`` ((entry key, bytes, source)) in a forked process, now:
        the one forked as the command line started (``lambdalint.prefork``,
        its imports under way) when there is one."""
        if not files or not cache.prepare():
            return
        from lambdalint import prefork
        from lambdalint.cache.store import content_hash

        self._keys = {key: i for i, (key, _, _) in enumerate(files)}
        self._forked = prefork.take()
        if self._forked is not None:
            if self._forked.send([(i, source.path, content_hash(data), source, key, (cache.dir, cache.secret), verbose)
                                  for i, (key, data, source) in enumerate(files)]):
                return
            self._forked = None  # it died before it read its work: a worker forked now does it
        import multiprocessing
        import signal

        items = [(i, data, source, key, (cache.dir, cache.secret), verbose) for i, (key, data, source) in enumerate(files)]
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        block = getattr(signal, "pthread_sigmask", None)  # as for the pool: no Ctrl-C before it ignores it
        if block is not None:
            old = block(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._process = context.Process(target=_index_ahead_worker, args=(send, items, os.getpid()), daemon=True)
            self._process.start()
        finally:
            if block is not None:
                block(signal.SIG_SETMASK, old)
        send.close()
        self._conn = receive

    def asked(self, key: str) -> bool:
        """Whether the worker was given the entry ``key`` to index."""
        return key in self._keys

    def result(self, key: str) -> Optional[Tuple["ModuleFacts", Optional[str], Optional[str]]]:
        """The worker's (facts, store error, digest) for the entry ``key``; ``None``
        when it was not asked for it, or died (the caller indexes it then)."""
        if key not in self._keys:
            return None
        return self._collect().get(self._keys[key])

    def _collect(self) -> Dict[int, Any]:
        if self._got is None:
            self._got = {}
            if self._forked is not None:
                forked, self._forked = self._forked, None  # (interrupted while it waits: killed)
                got = forked.answers_read()  # waits for them; reaps the worker
                self._got = dict(got) if isinstance(got, list) else {}
            elif self._conn is not None:
                from multiprocessing.connection import wait

                try:
                    # the result, or the end of the process without one
                    wait([self._conn, self._process.sentinel])
                    if self._conn.poll():
                        self._got = dict(self._conn.recv())
                except (EOFError, OSError, ValueError, TypeError):
                    self._got = {}
        return self._got

    def close(self) -> None:
        """Take the worker's answer if it was not asked for, and wait for it (its
        work may not have been needed: it is let finish all the same, so that no
        entry is left half-written)."""
        if self._forked is not None:
            self._collect()
        if self._process is not None:
            self._collect()
            self._process.join()
            self._conn.close()
            self._process = None

    def stop(self) -> None:
        """Stop the worker at once (the run was interrupted, or failed)."""
        forked, self._forked = self._forked, None
        if forked is not None:
            forked.kill()
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.join(STOP_GRACE_S)
            if process.is_alive():
                process.kill()
                process.join(STOP_GRACE_S)
            self._conn.close()


def _index_ahead_worker(conn: Any, items: List[Any], parent: int) -> None:
    """In the forked process: index, store, send the answers back."""
    _worker_init(parent)
    try:
        conn.send(index_batch(items))
    finally:
        conn.close()
