"""LAM301-LAM306 on small inline examples, in the manner of Fixit's VALID/INVALID.

Each INVALID case marks the line of every expected diagnostic with
``# expect: LAMxxx``; each VALID case must produce no LAM3xx diagnostic. The VALID
cases are the correct shapes a naive "unjoined thread / unawaited task" linter would
flag: joins on every path through guards, finally blocks and helpers, containers
drained by gather/wait/as_completed, task groups, coroutines handed on.
"""

from __future__ import annotations

import os
import re

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    # red team 9, b08/b09: a synchronous caller given an async def drops its coroutine
    "async_function_as_a_thread_target": """
        import threading
        async def notify(user_id):
            print("notify", user_id)
        def handler(event, context):
            t = threading.Thread(target=notify, args=(event["user"],))  # expect: LAM304
            t.start()
            t.join()
            return {"statusCode": 200}
    """,
    "async_function_submitted_to_an_executor": """
        from concurrent.futures import ThreadPoolExecutor
        async def notify(user_id):
            print("notify", user_id)
        def handler(event, context):
            with ThreadPoolExecutor() as pool:
                pool.submit(notify, event["user"]).result()  # expect: LAM304
            return {"statusCode": 200}
    """,
    # red team 9, b32: Pool.imap hands every call to the workers; nothing reads the results
    "pool_imap_results_never_read": """
        from multiprocessing.pool import ThreadPool
        POOL = ThreadPool(4)
        def send(msg):
            return msg
        def handler(event, context):
            POOL.imap_unordered(send, event["messages"])  # expect: LAM303
            return {"statusCode": 202}
    """,
    # red team 9, b07/b01: a hedged request takes the first answer; the others still run
    "first_completed_future_taken_the_rest_left_running": """
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
        POOL = ThreadPoolExecutor(max_workers=8)
        def fetch(region, key):
            return {"region": region, "key": key}
        def handler(event, context):
            futs = [POOL.submit(fetch, r, event["key"]) for r in ("us-east-1", "eu-west-1")]  # expect: LAM303
            done, not_done = wait(futs, return_when=FIRST_COMPLETED)
            return done.pop().result()
    """,
    "first_completed_task_taken_the_rest_cancelled_by_asyncio_run": """
        import asyncio
        async def query(url, key):
            await asyncio.sleep(0.1)
            return {"url": url, "key": key}
        async def main(event):
            tasks = [asyncio.create_task(query(u, event["key"])) for u in ("r1", "r2")]  # expect: LAM301
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            return next(iter(done)).result()
        def handler(event, context):
            return asyncio.run(main(event))
    """,
    # red team 6, e01: a dataclass holds the child process, which nobody waits for
    "popen_held_in_a_dataclass_never_waited": """
        import subprocess
        from dataclasses import dataclass
        @dataclass
        class Job:
            proc: subprocess.Popen
            output: str
        def start(rid):
            out = f"/tmp/{rid}.mp4"
            return Job(proc=subprocess.Popen(["sleep", "1"]), output=out)  # expect: LAM305
        def handler(event, context):
            job = start(context.aws_request_id)
            return {"output": job.output}
    """,
    # a Thread subclass that starts itself in `__init__` (red team 5, g11)
    "thread_subclass_started_by_its_init": """
        import threading
        class Uploader(threading.Thread):
            def __init__(self, payload):
                super().__init__(daemon=True)
                self.payload = payload
                self.start()  # expect: LAM302
            def run(self):
                print(self.payload)
        def handler(event, context):
            Uploader(event)
            return {"statusCode": 202}
    """,
    # the first future to complete wins; the loop leaves the others running (red team 5, c03)
    "as_completed_left_at_the_first_result": """
        from concurrent.futures import ThreadPoolExecutor, as_completed
        POOL = ThreadPoolExecutor(max_workers=4)
        def lookup(source, key):
            return source
        def handler(event, context):
            futures = [POOL.submit(lookup, s, event["key"]) for s in ("cache", "origin")]  # expect: LAM303
            for fut in as_completed(futures):
                result = fut.result()
                if result:
                    return result
            return None
    """,
    "thread_joins_left_at_a_break": """
        import threading
        def work(n):
            pass
        def handler(event, context):
            threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
            for t in threads:
                t.start()  # expect: LAM302
            for t in threads:
                t.join()
                if event.get("fast"):
                    break
            return 1
    """,
    "thread_never_joined": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()  # expect: LAM302
            return 1
    """,
    "thread_joined_on_one_branch": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()  # expect: LAM302
            if event.get("sync"):
                t.join()
            return 1
    """,
    "thread_explicit_raise_skips_join": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()  # expect: LAM302
            if "id" not in event:
                raise KeyError("id")
            t.join()
    """,
    "thread_raise_caught_then_return": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()  # expect: LAM302
            try:
                if not event:
                    raise ValueError()
                t.join()
            except ValueError:
                return {"error": True}
            return {}
    """,
    "thread_started_in_helper_and_dropped": """
        import threading

        def start_refresh():
            t = threading.Thread(target=print)
            t.start()  # expect: LAM302
            return t

        def handler(event, context):
            start_refresh()
            return 1
    """,
    "thread_stored_on_global_not_joined": """
        import threading

        worker = None

        def handler(event, context):
            global worker
            if worker is None:
                worker = threading.Thread(target=print, daemon=True)
                worker.start()  # expect: LAM302
            return 1
    """,
    "only_last_thread_of_loop_joined": """
        import threading

        def handler(event, context):
            threads = []
            for r in event["Records"]:
                t = threading.Thread(target=print, args=(r,))
                t.start()  # expect: LAM302
                threads.append(t)
            if event.get("wait"):
                for t in threads:
                    t.join()
    """,
    "helper_that_stops_runs_before_start": """
        import threading

        worker = None

        def start():
            global worker
            worker = threading.Thread(target=print)
            worker.start()  # expect: LAM302

        def stop():
            if worker is not None:
                worker.join()

        def handler(event, context):
            stop()
            start()
            return 1
    """,
    "thread_subclass": """
        import threading

        class Uploader(threading.Thread):
            def run(self):
                pass

        def handler(event, context):
            u = Uploader()
            u.start()  # expect: LAM302
            return 1
    """,
    "process_not_joined": """
        from multiprocessing import Process

        def handler(event, context):
            p = Process(target=print)
            p.start()  # expect: LAM302
            return p.pid
    """,
    "timer_not_cancelled": """
        from threading import Timer

        def handler(event, context):
            Timer(5, print).start()  # expect: LAM302
            return 1
    """,
    "task_not_awaited_asyncio_run": """
        import asyncio

        async def work():
            pass

        async def main():
            asyncio.create_task(work())  # expect: LAM301
            return 1

        def handler(event, context):
            return asyncio.run(main())
    """,
    "ensure_future_not_awaited": """
        import asyncio

        async def work():
            pass

        async def main():
            fut = asyncio.ensure_future(work())  # expect: LAM301
            return fut.done()

        def handler(event, context):
            return asyncio.run(main())
    """,
    "task_in_global_set": """
        import asyncio

        tasks = set()

        async def work():
            pass

        async def main():
            t = asyncio.create_task(work())  # expect: LAM301
            tasks.add(t)
            t.add_done_callback(tasks.discard)

        def handler(event, context):
            asyncio.run(main())
    """,
    "task_on_module_loop": """
        import asyncio

        loop = asyncio.get_event_loop()

        async def work():
            pass

        async def main():
            loop.create_task(work())  # expect: LAM301

        def handler(event, context):
            loop.run_until_complete(main())
    """,
    "task_in_nested_coroutine": """
        import asyncio

        async def work():
            pass

        async def inner():
            asyncio.create_task(work())  # expect: LAM301

        async def main():
            await inner()

        def handler(event, context):
            asyncio.run(main())
    """,
    "gather_not_awaited": """
        import asyncio

        async def work():
            pass

        async def main():
            asyncio.gather(work(), work())  # expect: LAM301

        def handler(event, context):
            asyncio.run(main())
    """,
    "future_on_module_executor": """
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor()

        def handler(event, context):
            pool.submit(print, event)  # expect: LAM303
            return 1
    """,
    "future_on_executor_attribute": """
        from concurrent.futures import ThreadPoolExecutor

        class Service:
            def __init__(self):
                self.pool = ThreadPoolExecutor()

            def fire(self, event):
                self.pool.submit(print, event)  # expect: LAM303

        service = Service()

        def handler(event, context):
            service.fire(event)
    """,
    "map_discarded": """
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor(4)

        def handler(event, context):
            pool.map(print, event["Records"])  # expect: LAM303
    """,
    "shutdown_without_wait": """
        from concurrent.futures import ThreadPoolExecutor

        def handler(event, context):
            ex = ThreadPoolExecutor()
            ex.submit(print, 1)  # expect: LAM303
            ex.shutdown(wait=False)
    """,
    "coroutine_dropped_in_sync_code": """
        async def save(x):
            pass

        def handler(event, context):
            save(event)  # expect: LAM304
            return 1
    """,
    "coroutine_assigned_never_awaited": """
        import asyncio

        async def save(x):
            pass

        async def main(event):
            pending = save(event)  # expect: LAM304
            return 1

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "async_method_not_awaited": """
        import asyncio

        class Repo:
            async def put(self, item):
                pass

        repo = Repo()

        async def main(event):
            repo.put(event)  # expect: LAM304

        def handler(event, context):
            asyncio.run(main(event))
    """,
    "popen_not_waited": """
        import subprocess

        def handler(event, context):
            subprocess.Popen(["true"])  # expect: LAM305
    """,
    "popen_waited_on_one_path": """
        from subprocess import Popen, PIPE

        def handler(event, context):
            p = Popen(["true"], stdout=PIPE)  # expect: LAM305
            if event.get("x"):
                return None
            return p.communicate()
    """,
    "async_handler": """
        async def handler(event, context):  # expect: LAM306
            return 1
    """,
    # --- work spawned in a helper the handler calls (issue 18) ---
    "timer_armed_in_helper": """
        import threading

        def arm(seconds):
            t = threading.Timer(seconds, print)
            t.start()  # expect: LAM302
            return t

        def handler(event, context):
            arm(1.0)
            return 1
    """,
    "process_started_in_helper": """
        import multiprocessing

        def spawn():
            p = multiprocessing.Process(target=print)
            p.start()  # expect: LAM302

        def handler(event, context):
            spawn()
    """,
    "map_discarded_in_helper_on_module_executor": """
        from concurrent.futures import ThreadPoolExecutor

        POOL = ThreadPoolExecutor(4)

        def fan_out(items):
            POOL.map(print, items)  # expect: LAM303

        def handler(event, context):
            fan_out(event["items"])
            return 1
    """,
    "submit_in_helper_on_local_executor": """
        from concurrent.futures import ThreadPoolExecutor

        def submit(job):
            ex = ThreadPoolExecutor(2)
            return ex.submit(job)  # expect: LAM303

        def handler(event, context):
            submit(print)
    """,
    "popen_kept_in_module_list_by_helper": """
        import subprocess

        CHILDREN = []

        def spawn(cmd):
            CHILDREN.append(subprocess.Popen(cmd))  # expect: LAM305

        def handler(event, context):
            spawn(["convert", event["src"]])
            return 1
    """,
    "task_made_in_sync_helper_of_coroutine": """
        import asyncio

        async def work():
            pass

        def spawn():
            return asyncio.create_task(work())  # expect: LAM301

        async def main():
            spawn()

        def handler(event, context):
            asyncio.run(main())
    """,
    "threads_in_list_attribute_of_module_instance": """
        import threading

        class Notifier:
            def __init__(self):
                self.threads = []

            def notify(self):
                t = threading.Thread(target=print)
                t.start()  # expect: LAM302
                self.threads.append(t)

        notifier = Notifier()

        def handler(event, context):
            notifier.notify()
            return 1
    """,
    "threads_in_list_attribute_of_local_instance": """
        import threading

        class Notifier:
            def __init__(self):
                self.threads = list()

            def notify(self):
                t = threading.Thread(target=print)
                t.start()  # expect: LAM302
                self.threads.append(t)

        def handler(event, context):
            n = Notifier()
            n.notify()
            return 1
    """,
    # --- asyncio child processes ---
    "asyncio_subprocess_exec_not_waited": """
        import asyncio

        async def main(event):
            proc = await asyncio.create_subprocess_exec("convert", event["src"])  # expect: LAM305
            return proc.pid

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "asyncio_subprocess_shell_dropped": """
        import asyncio

        async def main():
            await asyncio.create_subprocess_shell("gzip -9 /tmp/report.csv")  # expect: LAM305

        def handler(event, context):
            asyncio.run(main())
    """,
    "asyncio_subprocess_early_return": """
        from asyncio import create_subprocess_exec
        import asyncio

        async def main(event):
            proc = await create_subprocess_exec("scan", event["key"])  # expect: LAM305
            if event.get("quick"):
                return 1
            await proc.wait()
            return 0

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "asyncio_subprocess_from_helper_coroutine": """
        import asyncio

        async def start(cmd):
            return await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)  # expect: LAM305

        async def main(event):
            child = await start(["ls"])
            return 1

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    # --- timers that re-arm themselves: background loops ---
    "rearming_timer_started_at_import": """
        import threading

        _timer = None

        def tick():
            global _timer
            print("tick")
            _timer = threading.Timer(5, tick)
            _timer.start()  # expect: LAM302

        tick()

        def handler(event, context):
            return 1
    """,
    "rearming_timer_through_a_scheduler_at_import": """
        from threading import Timer

        def run():
            print("refresh")
            schedule()

        def schedule():
            Timer(30, function=run).start()  # expect: LAM302

        schedule()

        def handler(event, context):
            return 1
    """,
    "rearming_timer_method_of_module_instance": """
        import threading

        class Heartbeat:
            def __init__(self, interval):
                self.interval = interval
                self._timer = None

            def _beat(self):
                print("beat")
                self.start()

            def start(self):
                self._timer = threading.Timer(self.interval, self._beat)
                self._timer.daemon = True
                self._timer.start()  # expect: LAM302

        heartbeat = Heartbeat(30)
        heartbeat.start()

        def handler(event, context):
            return 1
    """,
    "repeated_timer_class_made_at_import": """
        from threading import Timer

        class RepeatedTimer(object):
            def __init__(self, interval, function):
                self._timer = None
                self.interval = interval
                self.function = function
                self.is_running = False
                self.start()

            def _run(self):
                self.is_running = False
                self.start()
                self.function()

            def start(self):
                if not self.is_running:
                    self._timer = Timer(self.interval, self._run)
                    self._timer.start()  # expect: LAM302
                    self.is_running = True

            def stop(self):
                self._timer.cancel()
                self.is_running = False

        def publish():
            pass

        rt = RepeatedTimer(15, publish)

        def handler(event, context):
            return 1
    """,
    "thread_started_by_a_constructor": """
        import threading

        class Uploader:
            def __init__(self, key):
                self.thread = threading.Thread(target=print, args=(key,))
                self.thread.start()  # expect: LAM302

        def handler(event, context):
            Uploader(event["key"])
            return 1
    """,
    "rearming_timer_joined_is_not_finished": """
        import threading

        def tick():
            print("tick")
            threading.Timer(5, tick).start()

        def handler(event, context):
            t = threading.Timer(0.1, tick)
            t.start()  # expect: LAM302
            t.join()
            return 1
    """,
}

# red team 14, 63: an `async def` that yields is an async generator; calling it makes
# no coroutine, and `async for` runs it
INVALID["a_coroutine_beside_an_async_generator"] = """
    import asyncio

    async def pages(table):
        for i in range(3):
            await asyncio.sleep(0)
            yield [f"{table}-{i}"]

    async def fetch(table):
        await asyncio.sleep(0)
        return table

    async def main(event):
        fetch(event["table"])  # expect: LAM304
        return [p async for p in pages(event["table"])]

    def handler(event, context):
        return asyncio.run(main(event))
"""

# red team 14, 25: calling a module-level instance runs its `__call__`; an async one
# makes a coroutine
NOTIFIER = """
    import asyncio

    class Notifier:
        def __init__(self, channel):
            self.channel = channel

        async def __call__(self, text):
            await asyncio.sleep(0)
            return (self.channel, text)

    notify = Notifier("#orders")

    async def main(event):
        %s
        return {"ok": True}

    def handler(event, context):
        return asyncio.run(main(event))
"""
INVALID["an_async_callable_instance_called_without_await"] = NOTIFIER % (
    'notify(f"new order {event[\'order\']}")  # expect: LAM304')

# red team 14, 21: a partial of `submit` is a submit
FIRE = """
    import functools
    from concurrent.futures import ThreadPoolExecutor

    EXECUTOR = ThreadPoolExecutor(max_workers=2)

    def send_audit(event):
        return event["id"]

    fire = functools.partial(EXECUTOR.submit, send_audit)

    def handler(event, context):
        %s
        return {"statusCode": 202}
"""
INVALID["a_submit_through_a_partial_not_waited"] = FIRE % "fire(event)  # expect: LAM303"

# red team 14, 61: `map` is lazy: as a statement it calls nothing
JOIN_ALL = """
    import threading

    def store(part):
        return part

    def handler(event, context):
        threads = [threading.Thread(target=store, args=(p,)) for p in event["parts"]]
        for t in threads:
            t.start()%s
        %s
        return {"stored": len(event["parts"])}
"""
INVALID["threads_joined_by_a_map_nobody_iterates"] = JOIN_ALL % ("  # expect: LAM302", "map(threading.Thread.join, threads)")

# one future or the other, by a conditional expression (review of session 19)
EITHER = """
    from concurrent.futures import ThreadPoolExecutor

    POOL = ThreadPoolExecutor(max_workers=2)

    def fast(x):
        return x

    def slow(x):
        return x * 2

    def handler(event, context):
        fut = POOL.submit(fast, event["x"]) if event.get("fast") else POOL.submit(slow, event["x"])%s
        return {"ok": True%s}
"""
INVALID["either_future_not_waited"] = EITHER % ("  # expect: LAM303", "")

VALID = {
    # review 10, a decorator (async_to_sync) makes it a plain function
    "decorated_async_def_as_a_thread_target": """
        import threading

        from asgiref.sync import async_to_sync


        @async_to_sync
        async def notify(message):
            print("notify", message)


        def handler(event, context):
            t = threading.Thread(target=notify, args=(event["msg"],))
            t.start()
            t.join()
            return {"ok": True}
    """,
    # precision 9, b08: a queue consumer started lazily, once, serves every invocation
    # (as one started at import does); the handler waits for the queue
    "queue_consumer_started_lazily_and_the_queue_joined": """
        import queue
        import threading
        _Q = queue.Queue()
        _worker = None
        def _work():
            while True:
                item = _Q.get()
                try:
                    print(item)
                finally:
                    _Q.task_done()
        def _ensure_worker():
            global _worker
            if _worker is None:
                _worker = threading.Thread(target=_work, daemon=True)
                _worker.start()
        def handler(event, context):
            _ensure_worker()
            for rec in event["Records"]:
                _Q.put(rec["body"])
            _Q.join()
            return {"n": len(event["Records"])}
    """,
    "sync_wrapper_running_the_coroutine_as_a_thread_target": """
        import asyncio
        import threading
        async def notify(user_id):
            print("notify", user_id)
        def run_notify(user_id):
            asyncio.run(notify(user_id))
        def handler(event, context):
            t = threading.Thread(target=run_notify, args=(event["user"],))
            t.start()
            t.join()
            return {"statusCode": 200}
    """,
    "async_record_handler_given_to_the_async_batch_processor": """
        import asyncio
        from aws_lambda_powertools.utilities.batch import (AsyncBatchProcessor, EventType,
                                                            async_process_partial_response)
        processor = AsyncBatchProcessor(event_type=EventType.SQS)
        async def record_handler(record):
            return record.body
        def handler(event, context):
            return async_process_partial_response(event=event, record_handler=record_handler,
                                                  processor=processor, context=context)
    """,
    "pool_imap_results_read": """
        from multiprocessing.pool import ThreadPool
        POOL = ThreadPool(4)
        def send(msg):
            return msg
        def handler(event, context):
            sent = list(POOL.imap_unordered(send, event["messages"]))
            return {"sent": len(sent)}
    """,
    "first_completed_future_taken_the_rest_cancelled": """
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
        POOL = ThreadPoolExecutor(max_workers=8)
        def fetch(region, key):
            return {"region": region, "key": key}
        def handler(event, context):
            futs = [POOL.submit(fetch, r, event["key"]) for r in ("us-east-1", "eu-west-1")]
            done, not_done = wait(futs, return_when=FIRST_COMPLETED)
            for f in not_done:
                f.cancel()
            wait(not_done)
            return done.pop().result()
    """,
    "first_completed_task_taken_the_rest_awaited": """
        import asyncio
        async def query(url, key):
            await asyncio.sleep(0.1)
            return {"url": url, "key": key}
        async def main(event):
            tasks = [asyncio.create_task(query(u, event["key"])) for u in ("r1", "r2")]
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            return next(iter(done)).result()
        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "popen_held_in_a_dataclass_waited_through_its_field": """
        import subprocess
        from dataclasses import dataclass
        @dataclass
        class Job:
            proc: subprocess.Popen
            output: str
        def start(rid):
            out = f"/tmp/{rid}.mp4"
            return Job(proc=subprocess.Popen(["sleep", "1"]), output=out)
        def handler(event, context):
            job = start(context.aws_request_id)
            code = job.proc.wait(timeout=30)
            return {"output": job.output, "code": code}
    """,
    # review: wait(futures) before the early return
    "as_completed_left_early_after_waiting_for_all_in_the_body": """
        from concurrent.futures import ThreadPoolExecutor, as_completed, wait

        POOL = ThreadPoolExecutor(max_workers=4)


        def fetch(x):
            return x * 2


        def handler(event, context):
            futures = [POOL.submit(fetch, x) for x in event["xs"]]
            results = []
            for f in as_completed(futures):
                if f.exception() is not None:
                    for other in futures:
                        other.cancel()
                    wait(futures)
                    return {"error": str(f.exception())}
                results.append(f.result())
            return {"results": results}
    """,
    # review: shutdown(wait=True) before the early return
    "as_completed_left_early_after_shutdown_wait": """
        from concurrent.futures import ThreadPoolExecutor, as_completed


        def fetch(x):
            return x * 2


        def handler(event, context):
            ex = ThreadPoolExecutor(max_workers=4)
            futures = [ex.submit(fetch, x) for x in event["xs"]]
            results = []
            for f in as_completed(futures):
                if f.exception() is not None:
                    ex.shutdown(wait=True, cancel_futures=True)
                    return {"error": str(f.exception())}
                results.append(f.result())
            ex.shutdown(wait=True)
            return {"results": results}
    """,
    # review: self.start() under `if autostart:`
    "thread_subclass_starting_itself_only_on_a_flag": """
        import threading


        class Uploader(threading.Thread):
            def __init__(self, data, autostart=False):
                super().__init__(daemon=True)
                self.data = data
                if autostart:
                    self.start()

            def run(self):
                print(self.data)


        def handler(event, context):
            u = Uploader(event)
            u.run()
            return {}
    """,
    "thread_subclass_started_by_its_init_then_joined": """
        import threading
        class Uploader(threading.Thread):
            def __init__(self, payload):
                super().__init__(daemon=True)
                self.payload = payload
                self.start()
            def run(self):
                print(self.payload)
        def handler(event, context):
            uploader = Uploader(event)
            uploader.join()
            return {"statusCode": 200}
    """,
    # every future is met: the loop runs to its end
    "as_completed_iterated_to_the_end": """
        from concurrent.futures import ThreadPoolExecutor, as_completed
        POOL = ThreadPoolExecutor(max_workers=4)
        def lookup(source):
            return source
        def handler(event, context):
            futures = [POOL.submit(lookup, s) for s in ("cache", "origin")]
            results = []
            for fut in as_completed(futures):
                results.append(fut.result())
            return results
    """,
    "as_completed_iterated_without_reading_results": """
        from concurrent.futures import ThreadPoolExecutor, as_completed
        POOL = ThreadPoolExecutor(max_workers=4)
        def lookup(source):
            return source
        def handler(event, context):
            futures = [POOL.submit(lookup, s) for s in ("cache", "origin")]
            for _ in as_completed(futures):
                pass
            return len(futures)
    """,
    "as_completed_left_early_after_waiting_for_all": """
        from concurrent.futures import ThreadPoolExecutor, as_completed, wait
        POOL = ThreadPoolExecutor(max_workers=4)
        def lookup(source):
            return source
        def handler(event, context):
            futures = [POOL.submit(lookup, s) for s in ("cache", "origin")]
            wait(futures)
            for fut in as_completed(futures):
                if fut.result():
                    return fut.result()
            return None
    """,
    "as_completed_listed": """
        from concurrent.futures import ThreadPoolExecutor, as_completed
        POOL = ThreadPoolExecutor(max_workers=4)
        def lookup(source):
            return source
        def handler(event, context):
            futures = [POOL.submit(lookup, s) for s in ("cache", "origin")]
            return [f.result() for f in list(as_completed(futures))]
    """,
    "thread_joined": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()
            t.join()
    """,
    "thread_never_started": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            return t.name
    """,
    "thread_joined_in_finally_with_raise_and_returns": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()
            try:
                if event.get("a"):
                    return 1
                if event.get("b"):
                    raise ValueError()
                return 2
            finally:
                t.join()
    """,
    "thread_maybe_none_guarded": """
        import threading

        def handler(event, context):
            t = None
            if event.get("bg"):
                t = threading.Thread(target=print)
                t.start()
            if t:
                t.join()
    """,
    "thread_none_early_return": """
        import threading

        def handler(event, context):
            t = None
            if event.get("bg"):
                t = threading.Thread(target=print)
                t.start()
            if t is None:
                return 0
            t.join()
            return 1
    """,
    "thread_is_alive_guard": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()
            while t.is_alive():
                t.join(0.1)
    """,
    "threads_from_comprehension": """
        import threading

        def handler(event, context):
            threads = [threading.Thread(target=print, args=(r,)) for r in event["Records"]]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    """,
    "threads_in_dict_joined": """
        import threading

        def handler(event, context):
            workers = {}
            for name in ("a", "b"):
                workers[name] = threading.Thread(target=print)
                workers[name].start()
            for w in workers.values():
                w.join()
    """,
    "threads_joined_through_enumerate": """
        import threading

        def handler(event, context):
            threading.Thread(target=print).start()
            for t in threading.enumerate():
                if t is not threading.main_thread():
                    t.join()
    """,
    "thread_returned_by_helper_and_joined": """
        import threading

        def start():
            t = threading.Thread(target=print)
            t.start()
            return t

        def handler(event, context):
            t = start()
            t.join()
    """,
    "thread_joined_by_helper_method": """
        import threading

        class Jobs:
            def __init__(self):
                self.threads = []

            def spawn(self, fn):
                t = threading.Thread(target=fn)
                t.start()
                self.threads.append(t)

            def wait(self):
                for t in self.threads:
                    t.join()

        def handler(event, context):
            jobs = Jobs()
            jobs.spawn(print)
            jobs.wait()
    """,
    "container_filled_by_helper": """
        import threading

        def spawn_into(threads, fn):
            t = threading.Thread(target=fn)
            t.start()
            threads.append(t)

        def handler(event, context):
            threads = []
            spawn_into(threads, print)
            spawn_into(threads, print)
            for t in threads:
                t.join()
    """,
    "global_thread_joined_by_helper_called_twice": """
        import threading

        worker = None

        def start():
            global worker
            worker = threading.Thread(target=print)
            worker.start()

        def stop():
            global worker
            if worker is not None:
                worker.join()
                worker = None

        def handler(event, context):
            stop()
            start()
            stop()
    """,
    "thread_handed_to_library": """
        import threading
        import tracker

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()
            tracker.watch(t)
    """,
    "timer_cancelled": """
        import threading

        def handler(event, context):
            timer = threading.Timer(10, print)
            timer.start()
            try:
                return 1
            finally:
                timer.cancel()
    """,
    "task_awaited": """
        import asyncio

        async def work():
            pass

        async def main():
            t = asyncio.create_task(work())
            await t

        def handler(event, context):
            asyncio.run(main())
    """,
    "awaited_create_task_call": """
        import asyncio

        async def work():
            pass

        async def main():
            await asyncio.create_task(work())
            await asyncio.ensure_future(work())

        def handler(event, context):
            asyncio.run(main())
    """,
    "tasks_gathered_from_list": """
        import asyncio

        async def work(x):
            pass

        async def main(xs):
            tasks = []
            for x in xs:
                tasks.append(asyncio.create_task(work(x)))
            await asyncio.gather(*tasks)

        def handler(event, context):
            asyncio.run(main(event["xs"]))
    """,
    "tasks_waited_and_pending_cancelled": """
        import asyncio

        async def work(x):
            pass

        async def main(xs):
            tasks = {asyncio.create_task(work(x)) for x in xs}
            done, pending = await asyncio.wait(tasks, timeout=3)
            for t in pending:
                t.cancel()

        def handler(event, context):
            asyncio.run(main(event["xs"]))
    """,
    "task_group": """
        import asyncio

        async def work(x):
            pass

        async def main(xs):
            async with asyncio.TaskGroup() as tg:
                for x in xs:
                    tg.create_task(work(x))

        def handler(event, context):
            asyncio.run(main(event["xs"]))
    """,
    "gather_run_by_loop": """
        import asyncio

        loop = asyncio.new_event_loop()

        async def work():
            pass

        def handler(event, context):
            t = loop.create_task(work())
            loop.run_until_complete(asyncio.gather(t))
    """,
    "all_tasks_drained_on_persistent_loop": """
        import asyncio

        loop = asyncio.get_event_loop()

        async def work():
            pass

        async def main():
            asyncio.create_task(work())

        def handler(event, context):
            loop.run_until_complete(main())
            pending = asyncio.all_tasks(loop)
            loop.run_until_complete(asyncio.gather(*pending))
    """,
    "run_in_executor_default_under_asyncio_run": """
        import asyncio

        async def main():
            loop = asyncio.get_running_loop()
            loop.run_in_executor(None, print, 1)

        def handler(event, context):
            asyncio.run(main())
    """,
    "domain_create_task": """
        class Board:
            def create_task(self, title):
                return title

        board = Board()

        def handler(event, context):
            board.create_task("x")
    """,
    "unknown_loop_create_task": """
        def handler(event, context):
            context.loop.create_task(event)
            event["client"].create_task("x")
    """,
    "future_result": """
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor()

        def handler(event, context):
            f = pool.submit(print, 1)
            return f.result()
    """,
    "futures_as_completed": """
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor()

        def handler(event, context):
            futs = {pool.submit(print, x): x for x in event["xs"]}
            for f in concurrent.futures.as_completed(futs):
                f.result()
    """,
    "futures_waited": """
        from concurrent.futures import ThreadPoolExecutor, wait

        pool = ThreadPoolExecutor()

        def handler(event, context):
            fs = [pool.submit(print, x) for x in event["xs"]]
            wait(fs)
    """,
    "executor_with_block": """
        from concurrent.futures import ThreadPoolExecutor

        def handler(event, context):
            with ThreadPoolExecutor() as ex:
                ex.submit(print, 1)
                ex.map(print, [1, 2])
    """,
    "map_consumed": """
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor()

        def handler(event, context):
            for r in pool.map(print, event["xs"]):
                pass
            return list(pool.map(print, event["xs"]))
    """,
    "future_done_probe": """
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor()

        def handler(event, context):
            f = pool.submit(print, 1)
            if not f.done():
                f.cancel()
    """,
    "coroutine_run": """
        import asyncio

        async def main(event):
            return 1

        def handler(event, context):
            coro = main(event)
            return asyncio.run(coro)
    """,
    "coroutine_returned_and_awaited": """
        import asyncio

        async def fetch(x):
            return x

        def make(x):
            return fetch(x)

        async def main():
            c = make(1)
            await c
            await asyncio.gather(*[fetch(i) for i in range(3)])
            await asyncio.wait_for(fetch(2), timeout=1)

        def handler(event, context):
            asyncio.run(main())
    """,
    "coroutine_handed_to_library": """
        import anyio

        async def main():
            pass

        def handler(event, context):
            anyio.run(main)
            import somelib
            somelib.run_async(main())
    """,
    "async_def_with_unknown_decorator": """
        import asyncio
        from mylib import syncify

        @syncify
        async def save(x):
            pass

        def handler(event, context):
            save(event)
    """,
    "popen_communicate": """
        import subprocess

        def handler(event, context):
            p = subprocess.Popen(["true"], stdout=subprocess.PIPE)
            out, err = p.communicate()
            return out
    """,
    "popen_with_block": """
        import subprocess

        def handler(event, context):
            with subprocess.Popen(["true"]) as p:
                pass
    """,
    "popen_killed_on_timeout": """
        import subprocess

        def handler(event, context):
            p = subprocess.Popen(["sleep", "5"])
            try:
                p.wait(timeout=1)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    """,
    "async_handler_behind_runner_decorator": """
        import asyncio

        def entry(fn):
            def run(event, context):
                return asyncio.run(fn(event, context))
            return run

        @entry
        async def handler(event, context):
            return 1
    """,
    "async_def_that_is_not_a_handler": """
        async def process_record(record):
            return record
    """,
    "spawn_outside_handler_path": """
        import threading

        def background():
            threading.Thread(target=print).start()

        def handler(event, context):
            return 1
    """,
    # --- helper-spawned work that is finished (issue 18) ---
    "threads_in_list_attribute_joined_by_method": """
        import threading

        class Notifier:
            def __init__(self):
                self.threads = []

            def notify(self):
                t = threading.Thread(target=print)
                t.start()
                self.threads.append(t)

            def wait(self):
                for t in self.threads:
                    t.join()
                self.threads.clear()

        notifier = Notifier()

        def handler(event, context):
            notifier.notify()
            notifier.wait()
            return 1
    """,
    "thread_put_on_a_queue_attribute": """
        import queue
        import threading

        class Notifier:
            def __init__(self):
                self.pending = queue.Queue()

            def notify(self):
                t = threading.Thread(target=print)
                t.start()
                self.pending.put(t)

        notifier = Notifier()

        def handler(event, context):
            notifier.notify()
            return 1
    """,
    "helper_submits_to_module_executor_and_handler_waits": """
        import concurrent.futures

        POOL = concurrent.futures.ThreadPoolExecutor(4)

        def submit_all(items):
            return [POOL.submit(print, i) for i in items]

        def handler(event, context):
            concurrent.futures.wait(submit_all(event["items"]))
            return 1
    """,
    "helper_with_executor_block": """
        from concurrent.futures import ThreadPoolExecutor

        def run_all(items):
            with ThreadPoolExecutor() as ex:
                for i in items:
                    ex.submit(print, i)

        def handler(event, context):
            run_all(event["items"])
    """,
    "processes_from_helper_joined_in_loop": """
        import multiprocessing

        def spawn():
            p = multiprocessing.Process(target=print)
            p.start()
            return p

        def handler(event, context):
            procs = [spawn() for _ in range(3)]
            for p in procs:
                p.join()
    """,
    "consumer_thread_started_at_import": """
        import queue
        import threading

        Q = queue.Queue()

        def consume():
            while True:
                Q.get()
                Q.task_done()

        threading.Thread(target=consume, daemon=True).start()

        def handler(event, context):
            Q.put(event)
            Q.join()
    """,
    # --- asyncio child processes waited for ---
    "asyncio_subprocess_communicate": """
        import asyncio

        async def main():
            proc = await asyncio.create_subprocess_exec("ls", stdout=asyncio.subprocess.PIPE)
            out, _ = await proc.communicate()
            return out

        def handler(event, context):
            return asyncio.run(main())
    """,
    "asyncio_subprocess_wait_for_then_kill": """
        import asyncio

        async def main():
            proc = await asyncio.create_subprocess_exec("ls")
            try:
                await asyncio.wait_for(proc.wait(), timeout=5)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
            return proc.returncode

        def handler(event, context):
            return asyncio.run(main())
    """,
    "asyncio_subprocess_waited_in_finally": """
        import asyncio

        async def main(event):
            proc = await asyncio.create_subprocess_shell("sleep 1")
            try:
                if event:
                    return 1
                return 2
            finally:
                await proc.wait()

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "asyncio_subprocesses_gathered": """
        import asyncio

        async def run(cmd):
            proc = await asyncio.create_subprocess_exec(*cmd)
            return await proc.wait()

        async def main():
            return await asyncio.gather(run(["a"]), run(["b"]))

        def handler(event, context):
            return asyncio.run(main())
    """,
    "asyncio_subprocess_polled_until_exit": """
        import asyncio

        async def main():
            proc = await asyncio.create_subprocess_exec("ls")
            while proc.returncode is None:
                await asyncio.sleep(0.1)

        def handler(event, context):
            asyncio.run(main())
    """,
    "asyncio_subprocess_handed_to_library": """
        import asyncio
        import supervisor

        async def main():
            proc = await asyncio.create_subprocess_exec("ls")
            await supervisor.watch(proc)

        def handler(event, context):
            asyncio.run(main())
    """,
    # --- timers: one-shot, or re-arming but cancelled ---
    "one_shot_timer_at_import": """
        import threading

        def warm():
            pass

        threading.Timer(0.1, warm).start()

        def handler(event, context):
            return 1
    """,
    "repeated_timer_class_stopped_in_finally": """
        from threading import Timer

        class RepeatedTimer(object):
            def __init__(self, interval, function):
                self._timer = None
                self.interval = interval
                self.function = function
                self.is_running = False
                self.start()

            def _run(self):
                self.is_running = False
                self.start()
                self.function()

            def start(self):
                if not self.is_running:
                    self._timer = Timer(self.interval, self._run)
                    self._timer.start()
                    self.is_running = True

            def stop(self):
                self._timer.cancel()
                self.is_running = False

        def publish():
            pass

        def handler(event, context):
            rt = RepeatedTimer(5, publish)
            try:
                return 1
            finally:
                rt.stop()
    """,
    "thread_started_by_a_constructor_joined_by_a_method": """
        import threading

        class Uploader:
            def __init__(self, key):
                self.thread = threading.Thread(target=print, args=(key,))
                self.thread.start()

            def wait(self):
                self.thread.join()

        def handler(event, context):
            u = Uploader(event["key"])
            u.wait()
            return 1
    """,
    "rearming_timer_cancelled_in_finally": """
        import threading

        _timer = None

        def tick():
            global _timer
            print("tick")
            _timer = threading.Timer(5, tick)
            _timer.start()

        def handler(event, context):
            tick()
            try:
                return 1
            finally:
                _timer.cancel()
    """,
    "rearming_timer_defined_but_never_started": """
        import threading

        def tick():
            print("tick")
            threading.Timer(5, tick).start()

        def handler(event, context):
            return 1
    """,
    "rearming_timer_started_only_under_main": """
        import threading

        def tick():
            print("tick")
            threading.Timer(5, tick).start()

        if __name__ == "__main__":
            tick()

        def handler(event, context):
            return 1
    """,
    "timer_callback_starts_a_joined_thread": """
        import threading

        def notify():
            pass

        def tick():
            t = threading.Thread(target=notify)
            t.start()
            t.join()

        threading.Timer(5, tick).start()

        def handler(event, context):
            return 1
    """,
    "an_async_callable_instance_awaited": NOTIFIER % 'await notify(f"new order {event[\'order\']}")',
    "a_submit_through_a_partial_waited": FIRE % "fire(event).result(timeout=5)",
    "threads_joined_by_a_map_made_into_a_list": JOIN_ALL % ("", "list(map(threading.Thread.join, threads))"),
    "either_future_waited": EITHER % ("", ', "result": fut.result(timeout=5)'),
    # red team 14, 63
    "an_async_generator_iterated_with_async_for": """
        import asyncio

        async def pages(table, page_size=2):
            items = [f"{table}-{i}" for i in range(5)]
            for start in range(0, len(items), page_size):
                await asyncio.sleep(0)
                yield items[start:start + page_size]

        async def main(event):
            found = []
            async for page in pages(event["table"]):
                found.extend(page)
            return {"count": len(found)}

        def handler(event, context):
            return asyncio.run(main(event))
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    got = {f for f in found(diagnostics) if f[2].startswith("LAM3")}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": VALID[name]}) if d.code.startswith("LAM3")]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


# --- what the messages say ----------------------------------------------------------------

LOOPS = """
    import asyncio

    loop = asyncio.new_event_loop()

    async def work():
        pass

    async def main():
        asyncio.create_task(work())

    def run_handler(event, context):
        asyncio.run(main())

    def loop_handler(event, context):
        loop.run_until_complete(main())

    def fresh_handler(event, context):
        fresh = asyncio.new_event_loop()
        fresh.run_until_complete(main())
        fresh.close()
"""


def places(d):
    """A diagnostic's labelled places: (file name, line, text, phase)."""
    import os

    return [(os.path.basename(l.path), l.span[0], l.text, l.phase) for l in d.labels]


def assert_headline(d):
    assert len(d.message) <= 100 and "\n" not in d.message and not d.message.endswith("."), d.message
    assert not re.search(r"\w\.py:\d", d.message + d.label + " ".join(d.notes) + " ".join(l.text for l in d.labels)), d


@pytest.mark.parametrize("handler,headline,where,notes", [
    ("run_handler", "asyncio task `asyncio.create_task(...)` is still pending, so `asyncio.run()` cancels it",
     [("app.py", 12, "`run_handler` calls `main` here, and `asyncio.run()` cancels it when the coroutine returns")],
     ["`asyncio.run()` cancels the tasks still pending", "silently lost"]),
    ("loop_handler", "asyncio task `asyncio.create_task(...)` is still pending when the handler returns; it resumes later",
     [("app.py", 3, "event loop `loop` created at import"), ("app.py", 15, "`loop_handler` calls `main` here"),
      ("app.py", 15, "the next invocation runs the loop again here, and the task resumes")],
     ["resumes during a later invocation"]),
    ("fresh_handler", "asyncio task `asyncio.create_task(...)` never finishes: its event loop is not run again",
     [("app.py", 19, "`fresh_handler` calls `main` here")], ["made in this invocation", "never finishes"]),
])
def test_task_message_says_what_happens_to_the_task(tmp_path, handler, headline, where, notes):
    from lambdalint.project.config import Settings

    diagnostics = [d for d in lint(tmp_path, {"app.py": LOOPS}, Settings(handlers=(f"app.{handler}",), conventions=False))
                   if d.code == "LAM301"]
    assert len(diagnostics) == 1 and diagnostics[0].line == 9
    d = diagnostics[0]
    assert_headline(d)
    assert d.message == headline
    texts = [(f, line, text) for f, line, text, _ in places(d)]
    for w in where:
        assert w in texts, texts
    for w in notes:
        assert any(w in n for n in d.notes), d.notes
    assert d.notes[0] == f"`{handler}` -> `main` -> `asyncio.create_task(...)`"
    phases = {text: phase for _, _, text, phase in places(d)}
    assert phases.get("event loop `loop` created at import", "import") == "import"
    assert phases.get("the next invocation runs the loop again here, and the task resumes", "next invocation") \
        == "next invocation"


def test_thread_message_names_handler_chain_creation_and_exit(tmp_path):
    (d,) = lint(tmp_path, {"app.py": """
        import threading

        def start(fn):
            worker = threading.Thread(target=fn, daemon=True)
            worker.start()

        def handler(event, context):
            start(print)
            if event:
                return 1
            return 2
    """})
    assert d.code == "LAM302" and d.line == 5
    assert_headline(d)
    assert d.message == "thread `worker` is not joined before the handler returns; Lambda freezes it mid-work"
    assert d.label == "started here, not joined on every path" and d.phase == "invocation"
    assert places(d) == [
        ("app.py", 4, "`threading.Thread(...)` created here", "invocation"),
        ("app.py", 8, "`handler` calls `start(...)` here", "invocation"),
        ("app.py", 10, "`handler` returns here with it running", "invocation"),
        ("app.py", 11, "`handler` returns here with it running", "invocation"),
    ]
    assert d.notes[0] == "`handler` -> `start(...)` -> `threading.Thread(...)`"
    assert any("`daemon=True` does not help" in n for n in d.notes), d.notes
    assert "Join the thread" in d.fix.message and not d.help


def test_thread_started_in_another_module_labels_the_call_in_the_handler(tmp_path):
    """The spawn is in tele.py; the call that reaches it and the returns are in app.py,
    spelled as app.py spells them (`tele.start(...)`, not the module path)."""
    (d,) = lint(tmp_path, {
        "tele.py": """
            from threading import Thread

            def start():
                t = Thread(target=print)
                t.start()
        """,
        "app.py": """
            import tele

            def handler(event, context):
                tele.start()
                return 1
        """})
    assert d.code == "LAM302" and d.path.endswith("tele.py") and d.line == 5
    assert_headline(d)
    assert d.message == "thread `t` is not joined before the handler returns; Lambda freezes it mid-work"
    assert places(d) == [
        ("tele.py", 4, "`Thread(...)` created here", "invocation"),
        ("app.py", 4, "`handler` calls `tele.start(...)` here", "invocation"),
        ("app.py", 5, "`handler` returns here with it running", "invocation"),
    ]
    assert d.notes[0] == "`handler` -> `tele.start(...)` -> `Thread(...)`"


def test_timeout_join_is_a_note(tmp_path):
    (d,) = lint(tmp_path, {"app.py": """
        import threading

        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()
            t.join(timeout=2.5)
    """})
    assert d.code == "LAM302" and d.severity == "note"
    assert d.message == "thread `t` is only joined with a timeout; it may still run when the handler returns"
    assert d.label == "started here, joined only with a timeout"
    assert d.fix.message == "Make the timeout longer than the work, or check `is_alive()` after the join"


def test_one_diagnostic_per_site_across_handlers(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import threading

        def spawn():
            threading.Thread(target=print).start()

        def a_handler(event, context):
            spawn()

        def b_handler(event, context):
            spawn()
    """})
    (d,) = diagnostics
    assert d.handlers == ("a_handler", "b_handler") and "in handlers `a_handler`, `b_handler`" in d.notes
    assert d.message == ("thread `threading.Thread(...)` is not joined before the handler returns; Lambda freezes it "
                         "mid-work")
    # created and started in one expression: one place, the primary one
    assert not any("created here" in text for _, _, text, _ in places(d))


@pytest.mark.parametrize("files,code,line,headline,where", [
    # LAM303: the module-level executor is a place, created at import
    ({"app.py": """
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(2)

        def handler(event, context):
            pool.submit(print, event)
            return 1
    """}, "LAM303", 6, "executor future `pool.submit(...)` is not waited for before the handler returns; Lambda "
                       "freezes it", [("app.py", 7, "`handler` returns here with it running", "invocation"),
                                      ("app.py", 3, "executor `pool` created at import (module level)", "import")]),
    # LAM305: spelled as imported
    ({"app.py": """
        from subprocess import Popen

        def handler(event, context):
            p = Popen(["true"])
            if event:
                return 1
            p.wait()
    """}, "LAM305", 4, "child process `Popen(...)` is not waited for on every path before the handler returns",
     [("app.py", 6, "`handler` returns here with it running", "invocation"),
      ("app.py", 5, "only when `event` is true", "invocation")]),  # the path that leaves it running
    # LAM305: no path waits for it: "on every path" would say some do
    ({"app.py": """
        import subprocess

        def handler(event, context):
            subprocess.Popen(["true"])
            return 1
    """}, "LAM305", 4, "child process `subprocess.Popen(...)` is not waited for before the handler returns",
     [("app.py", 5, "`handler` returns here with it running", "invocation")]),
    # LAM304: a coroutine function of another module, spelled as imported, made in a helper
    ({"notify.py": """
        async def send(event):
            return event
    """, "app.py": """
        from notify import send

        def audit(event):
            send(event)

        def handler(event, context):
            audit(event)
    """}, "LAM304", 4, "coroutine `send(...)` is never awaited, scheduled or run, so its body never runs",
     [("notify.py", 1, "`async def send` is defined here", ""),
      ("app.py", 7, "`handler` calls `audit(...)` here", "invocation")]),
    # LAM306
    ({"app.py": """
        async def lambda_handler(event, context):
            return {"ok": True}
    """}, "LAM306", 1, "handler `lambda_handler` is an `async def`: the runtime never awaits it, so its body never runs",
     []),
])
def test_headline_and_places_of_each_rule(tmp_path, files, code, line, headline, where):
    (d,) = [d for d in lint(tmp_path, files) if d.code == code]
    assert_headline(d)
    assert d.line == line and d.message == headline
    assert places(d) == where
    assert d.label


def test_timer_started_at_import_is_labelled_at_import(tmp_path):
    (d,) = lint(tmp_path, {"app.py": """
        import threading

        def flush():
            global timer
            timer = threading.Timer(5, flush)
            timer.start()

        flush()

        def handler(event, context):
            return 1
    """})
    assert d.code == "LAM302" and d.line == 6 and d.phase == "import"
    assert_headline(d)
    assert d.message == "timer thread `timer` re-arms itself from `flush` and runs across invocations from import"
    assert places(d) == [
        ("app.py", 5, "`threading.Timer(...)` created here", "import"),
        ("app.py", 8, "import calls `flush(...)` here", "import"),
        ("app.py", 11, "`handler` returns here with it running", "invocation"),
    ]
    assert any("only `cancel()` does" in n for n in d.notes), d.notes


def test_task_set_with_discard_callback_is_not_unbounded_growth(tmp_path):
    """The asyncio docs' pattern: the set holds each task until its done callback
    discards it. It does not grow without bound (LAM201); the task is still
    unfinished when asyncio.run returns (LAM301)."""
    diagnostics = lint(tmp_path, {"app.py": """
        import asyncio

        background_tasks = set()

        async def work(event):
            pass

        async def main(event):
            task = asyncio.create_task(work(event))
            background_tasks.add(task)
            task.add_done_callback(background_tasks.discard)

        def handler(event, context):
            asyncio.run(main(event))
    """})
    assert [d.code for d in diagnostics] == ["LAM301"], [d.message for d in diagnostics]


def test_every_background_finding_of_the_fixtures_is_a_headline_with_places():
    """Over every LAM301-LAM306 fixture: a headline of at most 100 characters, one line, no
    trailing period, no `file.py:line` in any prose (places are labels), a label of the
    primary span, and the advice said once (a fix, so no help)."""
    from pathlib import Path

    from lambdalint.project.config import Settings
    from lambdalint.run import run_check

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    diagnostics = [d for d in run_check([str(fixtures / f"lam30{n}") for n in range(1, 7)], Settings()).diagnostics
                   if d.code.startswith("LAM30")]
    assert len(diagnostics) > 30
    for d in diagnostics:
        assert_headline(d)
        assert d.label and d.fix is not None and not d.help, d
        assert all(l.text and l.text[0].islower() or l.text.startswith("`") for l in d.labels), d.labels


def test_task_headlines_spell_the_call_as_imported(tmp_path):
    """`from asyncio import create_task`: the headline says `create_task(...)`, as the line does."""
    diagnostics = lint(tmp_path, {"app.py": """
        import asyncio
        from asyncio import create_task, ensure_future

        async def work(x):
            await asyncio.sleep(0)

        async def main(event):
            create_task(work(1))
            ensure_future(work(2))
            asyncio.gather(work(3), work(4))
            return 1

        def handler(event, context):
            return asyncio.run(main(event))
    """})
    got = {d.line: d.message for d in diagnostics if d.code == "LAM301"}
    assert got == {
        line: f"asyncio task `{call}(...)` is still pending when `asyncio.run()` returns; it is cancelled"
        for line, call in ((8, "create_task"), (9, "ensure_future"), (10, "asyncio.gather"))}
    for d in diagnostics:
        assert_headline(d)
        assert ("app.py", 11, "`main` returns here with it pending", "invocation") in places(d)


def test_a_site_run_again_in_a_loop_says_which_local_was_rebound(tmp_path):
    """`for cmd in cmds: proc = Popen(cmd)`, then `proc.wait()`: the earlier children run on."""
    (d,) = lint(tmp_path, {"app.py": """
        import subprocess

        def handler(event, context):
            proc = None
            for cmd in event["commands"]:
                proc = subprocess.Popen(cmd)
            if proc is not None:
                proc.wait()
            return {}
    """})
    assert d.code == "LAM305" and d.line == 6
    assert any("rebinds `proc`" in note for note in d.notes), d.notes


def test_each_child_waited_in_the_loop_is_silent(tmp_path):
    assert lint(tmp_path, {"app.py": """
        import subprocess

        def handler(event, context):
            for cmd in event["commands"]:
                proc = subprocess.Popen(cmd)
                proc.wait()
            return {}
    """}) == []


def test_break_leaves_the_loop_with_the_work_it_holds(tmp_path):
    """`break` leaves the loop at once: the body does not run again, and the join after the loop finishes it."""
    assert lint(tmp_path, {"app.py": """
        import threading

        def work(host):
            return host

        def handler(event, context):
            t = None
            for host in event["hosts"]:
                t = threading.Thread(target=work, args=(host,))
                t.start()
                break
            if t is not None:
                t.join()
            return {}
    """}) == []


def test_continue_goes_back_to_the_loop_with_the_child_still_running(tmp_path):
    """`continue` skips the wait: the next round rebinds `proc`, and the child it held runs on."""
    (d,) = lint(tmp_path, {"app.py": """
        import subprocess

        def handler(event, context):
            proc = None
            for cmd in event["commands"]:
                proc = subprocess.Popen(cmd)
                if cmd[0] == "probe":
                    continue
                proc.wait()
            if proc is not None:
                proc.wait()
            return {}
    """})
    assert d.code == "LAM305" and d.line == 6


def test_an_executor_imported_from_another_module_is_shown_where_it_was_made(tmp_path):
    """`from pool import EXECUTOR`: the finding shows the executor made at import in
    pool.py, as for one made in the handler's own module, rather than saying it is no
    `with` block (a review's finding on the message)."""
    from helpers import lint

    (d,) = lint(tmp_path, {
        "pool.py": "from concurrent.futures import ThreadPoolExecutor\n\nEXECUTOR = ThreadPoolExecutor(max_workers=2)\n",
        "app.py": "from pool import EXECUTOR\n\n\ndef write(x):\n    print(x)\n\n\n"
                  "def lambda_handler(event, context):\n    EXECUTOR.submit(write, event['id'])\n    return {'ok': True}\n",
    })
    assert d.code == "LAM303"
    assert any(lab.path.endswith("pool.py") and "created at import" in lab.text for lab in d.labels), d.labels
    assert not any("not a `with` block" in n for n in d.notes)


def test_a_loop_left_early_is_a_note_that_names_the_loop(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["as_completed_left_at_the_first_result"]})
    assert d.code == "LAM303" and d.severity == "note"
    assert d.message.startswith("executor future `POOL.submit(...)` may still run when the handler returns")
    assert any("is left here before it meets every future" in place.text for place in d.labels)


def test_ensure_future_with_no_loop_running_resumes_on_the_threads_loop(tmp_path):
    # red team 5, c15: the thread's current loop (set at import) outlives the invocation
    (d,) = lint(tmp_path, {"app.py": """
        import asyncio
        LOOP = asyncio.new_event_loop()
        asyncio.set_event_loop(LOOP)
        async def emit_metric(name):
            await asyncio.sleep(0.2)
        async def process(event):
            return event["id"]
        def handler(event, context):
            asyncio.ensure_future(emit_metric("orders"))
            return LOOP.run_until_complete(process(event))
    """})
    assert d.code == "LAM301"
    assert d.message.endswith("it resumes later"), d.message
    assert not any("made in this invocation" in n for n in d.notes), d.notes


def test_an_async_route_in_a_router_module_the_adapter_module_imports(tmp_path):
    # red team 12, 25: the route lives in `api/routes.py`, the adapter (`Mangum(app)`) in
    # `api/main.py`, which the route's module does not import: the route's Lambda loads
    # both, and the finding labels the adapter there (this crashed the rule)
    diagnostics = lint(tmp_path, {
        "api/__init__.py": "",
        "api/main.py": """
            from fastapi import FastAPI
            from mangum import Mangum
            from .routes import router
            app = FastAPI()
            app.include_router(router)
            handler = Mangum(app, lifespan="off")
        """,
        "api/routes.py": """
            import asyncio
            from fastapi import APIRouter
            router = APIRouter()
            async def _audit(order_id):
                await asyncio.sleep(0)
            @router.post("/orders")
            async def create_order(order_id: str):
                asyncio.ensure_future(_audit(order_id))  # expect: LAM301
                return {"id": order_id}
        """,
    })
    assert found(diagnostics) == expected_markers(tmp_path)
    labels = [(os.path.basename(label.path), label.text) for d in diagnostics for label in d.labels]
    assert any(path == "main.py" and "runs the loop again" in text for path, text in labels), labels
