"""LAM201-LAM204 on small inline examples, in the manner of Fixit's VALID/INVALID.

Each INVALID case marks every expected diagnostic with ``# expect: LAMxxx``; each
VALID case must produce nothing. The VALID cases are the correct shapes a naive
"mutation of a global" linter would flag.
"""

from __future__ import annotations

import sys

import pytest

from helpers import expected_markers, found, write_project
from lambdalint.project.config import Settings
from lambdalint.run import run_check


def lint(root, files, settings=Settings()):
    """Lint and insist that no rule crashed (run_check reports crashes apart)."""
    write_project(root, files)
    result = run_check([str(root)], settings)
    assert not result.internal_errors, result.internal_errors
    return result.diagnostics

INVALID = {
    # red team 12, 38: the handler imports the function through its package's re-export
    "growth_in_a_function_the_handler_imports_through_a_package_re_export": {
        "app.py": """
            from store import remember
            def handler(event, context):
                remember(event["id"])
        """,
        "store/__init__.py": "from .impl import remember\n",
        "store/impl.py": """
            _SEEN = []
            def remember(x):
                _SEEN.append(x)  # expect: LAM201
        """,
    },
    # ... and through a facade module that re-exports it absolutely
    "growth_in_a_function_the_handler_imports_through_a_facade_module": {
        "app.py": """
            import facade
            def handler(event, context):
                facade.remember(event["id"])
        """,
        "facade.py": "from store_impl import remember  # noqa: F401\n",
        "store_impl.py": """
            _SEEN = {}
            def remember(x):
                _SEEN[x] = True  # expect: LAM201
        """,
    },
    # a route defined inside the handler: the resolver keeps one more route per invocation
    "route_decorator_applied_to_a_function_defined_in_the_handler": """
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        def handler(event, context):
            @app.get("/orders/<order_id>")  # expect: LAM204
            def get_order(order_id):
                return {"id": order_id}
            return app.resolve(event, context)
    """,
    "exit_hook_decorator_applied_to_a_function_defined_in_the_handler": """
        import atexit
        def handler(event, context):
            @atexit.register  # expect: LAM204
            def flush():
                print(event["id"])
            return {"ok": True}
    """,
    # red team 11, 12: the /tmp folder is a class attribute the methods read through `self`
    "tmp_file_under_a_class_attribute_folder_written_per_message": """
        from pathlib import Path
        class Staging:
            root = Path("/tmp/staging")
            def __init__(self):
                self.root.mkdir(parents=True, exist_ok=True)
            def stage(self, name, payload):
                target = self.root / name
                target.write_bytes(payload)  # expect: LAM203
                return target
        staging = Staging()
        def handler(event, context):
            for record in event["Records"]:
                staging.stage(f"{record['messageId']}.parquet", record["body"].encode())
    """,
    # the twin of precision 10, p89: a Powertools middleware runs around the handler,
    # and this one clears nothing
    "memoiser_a_powertools_middleware_does_not_clear": {
        "handler.py": """
            from lookups import account_for
            from middleware import per_invocation
            @per_invocation
            def handler(event, context):
                return [account_for(t["card"]) for t in event["transactions"]]
        """,
        "lookups.py": """
            import functools
            import boto3
            table = boto3.resource("dynamodb").Table("accounts")
            @functools.lru_cache(maxsize=None)  # expect: LAM202
            def account_for(card_id):
                return table.get_item(Key={"card": card_id}).get("Item", {})
        """,
        "middleware.py": """
            from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
            from lookups import account_for
            @lambda_handler_decorator
            def per_invocation(handler, event, context):
                try:
                    return handler(event, context)
                finally:
                    print("done")
        """,
    },
    # red team 10, 19/x5: a mixin's class-level dict grown through a module-level instance
    "mixin_class_dict_grown_through_a_module_instance": """
        class CachedLookupMixin:
            _cache = {}
            def remember(self, key, value):
                self._cache[key] = value  # expect: LAM201
        class ProfileService(CachedLookupMixin):
            pass
        profiles = ProfileService()
        def handler(event, context):
            profiles.remember(event["user_id"], 1)
    """,
    # realworld f5: the default `def` made once is what every call without it returns
    "mutable_default_returned_and_filled_by_the_caller": """
        def get_cache(store={}):
            return store
        def handler(event, context):
            cache = get_cache()
            cache[event["id"]] = event["body"]  # expect: LAM201
            return len(cache)
    """,
    # red team 8, b29: the partial keeps `delete=False` for every call
    "temporary_file_kept_by_a_partial_with_delete_false": """
        import functools
        import tempfile
        _spool = functools.partial(tempfile.NamedTemporaryFile, suffix=".pdf", delete=False)
        def handler(event, context):
            with _spool() as f:  # expect: LAM203
                f.write(event["body"].encode())
                name = f.name
            return {"local": name}
    """,
    # red team 8, b18: `Order(...)` runs `__new__` first, which registers every instance
    "class_registry_filled_in_new": """
        class Order:
            _all = []
            def __new__(cls, *args, **kwargs):
                inst = super().__new__(cls)
                cls._all.append(inst)  # expect: LAM201
                return inst
            def __init__(self, order_id, total):
                self.order_id = order_id
                self.total = total
        def handler(event, context):
            order = Order(event["id"], event["total"])
            return {"id": order.order_id}
    """,
    # red team 8, b31: with no file name, urlretrieve downloads to a new temporary file
    "download_to_a_temporary_file_never_cleaned_up": """
        import urllib.request
        import zipfile
        def handler(event, context):
            path, _headers = urllib.request.urlretrieve(event["url"])  # expect: LAM203
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
            return {"files": names}
    """,
    # red team 8, b16: the old list and one more, sorted: a copy keeps every element
    "list_rebound_to_a_sorted_copy_of_itself_and_more": """
        RECENT = []
        def handler(event, context):
            global RECENT
            RECENT = sorted([*RECENT, event["timestamp"]])  # expect: LAM201
            return {"latest": RECENT[-1]}
    """,
    # red team 8, b24: the bound is a module-level name bound to None
    "lru_cache_bound_named_by_a_constant_none": """
        import functools
        CACHE_SIZE = None
        @functools.lru_cache(maxsize=CACHE_SIZE)  # expect: LAM202
        def load_profile(user_id):
            return {"id": user_id}
        def handler(event, context):
            return load_profile(event["user_id"])
    """,
    # red team 8, b68/b70: a module-level buffer and queue filled per invocation
    "module_string_buffer_written_per_invocation": """
        import io
        import json
        _LOG_BUF = io.StringIO()
        def _log(msg):
            _LOG_BUF.write(msg + "\\n")  # expect: LAM201
        def handler(event, context):
            _log(json.dumps(event))
            return {"log": _LOG_BUF.getvalue()}
    """,
    "module_queue_filled_and_never_drained": """
        import queue
        _OUTBOX = queue.SimpleQueue()
        def handler(event, context):
            _OUTBOX.put({"id": event["id"], "body": event["body"]})  # expect: LAM201
            return {"queued": _OUTBOX.qsize()}
    """,
    # red team 8, b14: a bound method kept at import appends to the list it is bound to
    "list_grown_through_its_bound_append_kept_at_import": """
        import json
        _AUDIT = []
        _record = _AUDIT.append
        def handler(event, context):
            _record({"id": event["id"], "body": json.loads(event["body"])})  # expect: LAM201
            return {"seen": len(_AUDIT)}
    """,
    # a memoised function given request data runs once per distinct value: it grows
    "list_filled_in_a_memoised_function_given_request_data": """
        import functools
        SEEN = []
        @functools.lru_cache(maxsize=128)
        def note(user):
            SEEN.append(user)  # expect: LAM201
            return len(SEEN)
        def handler(event, context):
            return note(event["user"])
    """,
    # a memoised method caches per instance: a new instance each call runs it again
    "handler_added_in_a_method_memoised_per_fresh_instance": """
        import functools
        import logging
        logger = logging.getLogger()
        class Svc:
            @functools.cache
            def setup(self):
                logger.addHandler(logging.StreamHandler())  # expect: LAM204
        def handler(event, context):
            Svc().setup()
            logger.info("hi")
    """,
    # red team 8: one value of the display has no bound; `[]` values are lists
    "append_into_a_fixed_key_whose_deque_has_no_bound": """
        from collections import deque
        RECENT = {"order": deque(), "refund": deque(maxlen=50)}
        def handler(event, context):
            RECENT[event["kind"]].append(event["id"])  # expect: LAM201
            return len(RECENT)
    """,
    "append_into_fixed_keys_holding_lists": """
        RECENT = {"order": [], "refund": []}
        def handler(event, context):
            RECENT[event["kind"]].append(event["id"])  # expect: LAM201
            return len(RECENT)
    """,
    "append_into_a_bounded_deque_replaced_by_a_list": """
        from collections import deque
        RECENT = {"order": deque(maxlen=50)}
        def handler(event, context):
            if event.get("reset"):
                RECENT["order"] = []
            RECENT["order"].append(event["id"])  # expect: LAM201
            return len(RECENT)
    """,
    # red team 6, d06: each invocation adds a span processor (and its export thread)
    "otel_span_processor_added_per_invocation": """
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
        PROVIDER = TracerProvider()
        def handler(event, context):
            PROVIDER.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))  # expect: LAM204
            return event.get("id")
    """,
    # red team 6, c05: mktemp names a new file on every call; the writer makes it
    "tmp_file_named_by_mktemp_never_removed": """
        import tempfile
        def handler(event, context):
            pdf_path = tempfile.mktemp(suffix=".pdf")
            with open(pdf_path, "wb") as f:  # expect: LAM203
                f.write(event["body"].encode())
            return pdf_path
    """,
    # red team 6, j01: the /tmp name is built by a helper from the request's key
    "tmp_download_to_a_path_a_helper_builds": {
        "paths.py": """
            import os
            DOWNLOAD_DIR = "/tmp/downloads"
            def local_path(key):
                os.makedirs(DOWNLOAD_DIR, exist_ok=True)
                return os.path.join(DOWNLOAD_DIR, key.replace("/", "_"))
        """,
        "app.py": """
            import boto3
            from paths import local_path
            s3 = boto3.client("s3")
            def handler(event, context):
                dest = local_path(event["key"])
                s3.download_file("bucket", event["key"], dest)  # expect: LAM203
                return dest
        """,
    },
    # red team 6, d02: a handler made just now is never in the list: the test guards nothing
    "log_handler_made_fresh_then_tested_for_membership": """
        import logging
        log = logging.getLogger("orders")
        def handler(event, context):
            stream = logging.StreamHandler()
            if stream not in log.handlers:
                log.addHandler(stream)  # expect: LAM204
            log.info("order %s", event["id"])
    """,
    # the same class without the `with`: nothing calls its cleanup
    "tmp_folder_of_a_context_manager_used_without_with": """
        import shutil
        import tempfile
        from pathlib import Path
        class Workspace:
            def __init__(self):
                self.path = Path(tempfile.mkdtemp(prefix="render-"))  # expect: LAM203
            def cleanup(self):
                shutil.rmtree(self.path, ignore_errors=True)
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                self.cleanup()
        def handler(event, context):
            ws = Workspace()
            (ws.path / "page.html").write_text(event["body"])
            return {"ok": True}
    """,
    # programs that only read the /tmp path they are given make nothing there
    "read_only_programs_given_a_tmp_path": """
        import json
        import os
        import subprocess

        def handler(event, context):
            source = f"/tmp/uploads/{event['upload_id']}.mp4"
            if not os.path.exists(source):
                return {"statusCode": 404}
            command = ["ffprobe", "-v", "error", "-of", "json", "-show_format"]
            command.append(source)
            info = subprocess.run(command, capture_output=True, check=True).stdout
            digest = subprocess.check_output(["sha256sum", source])
            return {"info": json.loads(info), "digest": digest.decode()}
    """,
    # the output removed by a command vector built in a local, as `["rm", "-f", out]` inline
    "command_vector_output_removed_by_an_rm_vector": """
        import os
        import subprocess

        def handler(event, context):
            out = os.path.join("/tmp", os.path.basename(event["out"]))
            command = ["ffmpeg", "-y", "-i", "/tmp/in.mp4", out]
            subprocess.run(command, check=True)
            size = os.path.getsize(out)
            cleanup = ["rm", "-f"]
            cleanup.append(out)
            subprocess.run(cleanup, check=True)
            return size
    """,
    # the same download, removed when the handler is done with it
    "download_through_the_client_init_made_then_removed": """
        import os
        import boto3

        class S3Client:
            def __init__(self):
                self.client = boto3.client("s3")

            def download_to_tmp(self, key):
                local_path = os.path.join("/tmp", os.path.basename(key))
                self.client.download_file("bucket", key, local_path)
                return local_path

        def handler(event, context):
            path = S3Client().download_to_tmp(event["key"])
            try:
                return os.path.getsize(path)
            finally:
                os.remove(path)
    """,
    # a dependency that makes a new object per request: nothing outlives the request
    "fastapi_route_given_a_fresh_object_by_depends": """
        from fastapi import Depends, FastAPI
        from mangum import Mangum

        class Cache:
            def __init__(self):
                self._store = {}

            def put(self, key, value):
                self._store[key] = value

        def get_cache():
            return Cache()

        app = FastAPI()

        @app.post("/items/{key}")
        async def put_item(key: str, value: str, cache: Cache = Depends(get_cache)):
            cache.put(key, value)
            return {"ok": True}

        handler = Mangum(app, lifespan="off")
    """,
    # a factory without a cache makes a new instance per call: nothing outlives the call
    "method_of_a_fresh_instance_from_a_plain_factory": """
        class Cache:
            def __init__(self):
                self._store = {}

            def put(self, key, value):
                self._store[key] = value

        def get_cache():
            return Cache()

        def handler(event, context):
            get_cache().put(event["key"], event["value"])
    """,
    # --- LAM201 -------------------------------------------------------------------
    # the same key written again in the same invocation overwrites what the first write
    # added: one adding site, one finding (the status of a job, set as it starts and ends)
    "same_key_written_again_is_one_site": """
        _status = {}

        def handler(event, context):
            job_id = event["job_id"]
            _status[job_id] = "running"  # expect: LAM201
            try:
                result = work(event)
                _status[job_id] = "complete"
            except Exception:
                _status[job_id] = "failed"
                raise
            return result

        def work(event):
            return event.get("payload")
    """,
    # the one instance a no-argument `@lru_cache` factory keeps is module state: its
    # methods run on that instance, not on a fresh one
    "method_of_the_instance_a_memoised_factory_keeps": """
        from functools import lru_cache

        class Cache:
            def __init__(self):
                self._store = {}

            def put(self, key, value):
                self._store[key] = value  # expect: LAM201

        @lru_cache
        def get_cache():
            return Cache()

        def handler(event, context):
            get_cache().put(event["key"], event["value"])
    """,
    # the client an instance's `__init__` made is known on a fresh instance too
    "download_through_the_client_init_made": """
        import os
        import boto3

        class S3Client:
            def __init__(self):
                self.client = boto3.client("s3")

            def download_to_tmp(self, key):
                local_path = os.path.join("/tmp", os.path.basename(key))
                self.client.download_file("bucket", key, local_path)  # expect: LAM203
                return local_path

        def handler(event, context):
            return S3Client().download_to_tmp(event["key"])
    """,
    # a command vector built in a local, the output appended, then run
    "command_vector_with_the_output_appended": """
        import os
        import subprocess

        def convert(source, output_path):
            command = ["ffmpeg", "-y", "-i", source]
            command.append(output_path)
            subprocess.run(command, check=True)  # expect: LAM203

        def handler(event, context):
            out = os.path.join("/tmp", os.path.basename(event["out"]))
            convert("/tmp/in.mp4", out)
            return out
    """,
    "command_vector_bound_to_a_name_first": """
        import os
        import subprocess

        def handler(event, context):
            out = f"/tmp/{event['id']}.pdf"
            argv = ["wkhtmltopdf", event["url"], out]
            subprocess.check_call(argv)  # expect: LAM203
            return out
    """,
    # a first write that runs only on some paths does not make a later one an overwrite
    "same_key_written_first_only_when_verbose": """
        _status = {}

        def handler(event, context):
            job_id = event["job_id"]
            if event.get("verbose"):
                _status[job_id] = "running"  # expect: LAM201
            result = event.get("payload")
            _status[job_id] = "complete"  # expect: LAM201
            return result
    """,
    # the first write runs only while the dict is empty (no growth there): the later one
    # is the only place that grows it
    "same_key_written_first_only_when_empty": """
        _seen = {}

        def handler(event, context):
            sid = event["session"]
            if not _seen:
                _seen[sid] = "first"
            _seen[sid] = "seen"  # expect: LAM201
    """,
    "download_then_an_rm_vector_for_a_path_outside_tmp": """
        import os
        import subprocess
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            local = os.path.join("/tmp", os.path.basename(event["key"]))
            s3.download_file("media-bucket", event["key"], local)  # expect: LAM203
            size = os.path.getsize(local)
            release = ["rm", "-f"]
            release.append("/mnt/efs/locks/current.lock")
            subprocess.run(release, check=True)
            return size
    """,
    # a key rebound between the writes is another key: both add
    "key_rebound_between_writes_adds_twice": """
        SEEN = {}

        def handler(event, context):
            key = event["a"]
            SEEN[key] = 1  # expect: LAM201
            key = context.aws_request_id
            SEEN[key] = 2  # expect: LAM201
    """,
    "dict_key_from_event": """
        CACHE = {}

        def handler(event, context):
            CACHE[event["id"]] = event  # expect: LAM201
    """,
    "list_append_constant_still_grows": """
        CALLS = []

        def handler(event, context):
            CALLS.append(1)  # expect: LAM201
    """,
    "set_add_in_helper_other_module": {
        "store.py": """
            SEEN = set()

            def mark(key):
                SEEN.add(key)  # expect: LAM201
        """,
        "app.py": """
            from store import mark

            def handler(event, context):
                mark(event["key"])
        """,
    },
    "defaultdict_nested_append": """
        from collections import defaultdict
        BY_USER = defaultdict(list)

        def handler(event, context):
            BY_USER["all"].append(event)  # expect: LAM201
    """,
    "counter_increment": """
        import collections
        HITS = collections.Counter()

        def handler(event, context):
            HITS[event["path"]] += 1  # expect: LAM201
    """,
    "deque_without_maxlen": """
        from collections import deque
        RECENT = deque()

        def handler(event, context):
            RECENT.appendleft(event)  # expect: LAM201
    """,
    "list_iadd_with_global": """
        LOG = []

        def handler(event, context):
            global LOG
            LOG += [event]  # expect: LAM201
    """,
    "setdefault_then_append": """
        GROUPS = {}

        def handler(event, context):
            GROUPS.setdefault(event["group"], []).append(event)  # expect: LAM201
    """,
    "local_shadow_does_not_reset": """
        CACHE = {}

        def remember(k, v):
            CACHE[k] = v  # expect: LAM201

        def handler(event, context):
            CACHE = {}
            remember(event["id"], 1)
            return CACHE
    """,
    "instance_attribute_of_module_level_object": """
        class Registry:
            def __init__(self):
                self.items = []

            def add(self, item):
                self.items.append(item)  # expect: LAM201

        registry = Registry()

        def handler(event, context):
            registry.add(event)
    """,
    "update_with_event": """
        STATE = {}

        def handler(event, context):
            STATE.update(event)  # expect: LAM201
    """,
    # --- LAM202 -------------------------------------------------------------------
    "functools_cache": """
        import functools

        @functools.cache  # expect: LAM202
        def load_user(user_id):
            return {"id": user_id}

        def handler(event, context):
            return load_user(event["user_id"])
    """,
    "lru_cache_maxsize_none_through_helper": """
        from functools import lru_cache

        @lru_cache(maxsize=None)  # expect: LAM202
        def price(sku, currency):
            return 1

        def total(items):
            return sum(price(i, "EUR") for i in items)

        def quote(sku):
            return price(sku, "EUR")

        def handler(event, context):
            return quote(event["sku"])
    """,
    "lru_cache_positional_none": """
        import functools

        @functools.lru_cache(None)  # expect: LAM202
        def render(template, name):
            return template.format(name)

        def handler(event, context):
            return render("hi {}", event["name"])
    """,
    "cachetools_cached_plain_dict": """
        from cachetools import cached

        @cached(cache={})  # expect: LAM202
        def lookup(key):
            return key

        def handler(event, context):
            return lookup(event["key"])
    """,
    "cachetools_func_lfu_unbounded": """
        import cachetools.func

        @cachetools.func.lfu_cache(maxsize=None)  # expect: LAM202
        def fetch(url):
            return url

        def handler(event, context):
            return fetch(event["url"])
    """,
    # --- LAM203 -------------------------------------------------------------------
    "mkstemp_never_removed": """
        import os
        import tempfile

        def handler(event, context):
            fd, path = tempfile.mkstemp(suffix=".json")  # expect: LAM203
            with os.fdopen(fd, "w") as f:
                f.write("{}")
            return path
    """,
    "named_temporary_file_delete_false": """
        import tempfile

        def handler(event, context):
            with tempfile.NamedTemporaryFile(delete=False) as f:  # expect: LAM203
                f.write(b"x")
            return f.name
    """,
    "open_uuid_name": """
        import uuid

        def handler(event, context):
            path = f"/tmp/{uuid.uuid4()}.json"
            with open(path, "w") as f:  # expect: LAM203
                f.write("{}")
    """,
    "download_to_event_key": """
        import os
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            s3.download_file("bucket", event["key"], os.path.join("/tmp", event["key"]))  # expect: LAM203
    """,
    "mkdtemp_in_helper": """
        import tempfile

        def workdir():
            return tempfile.mkdtemp()  # expect: LAM203

        def handler(event, context):
            d = workdir()
            return d
    """,
    # a fixed name opened to append: one file that grows and keeps earlier invocations' data
    "append_to_fixed_name": """
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            with open("/tmp/records.csv", "a") as f:  # expect: LAM203
                f.write(event["line"] + "\\n")
            s3.upload_file("/tmp/records.csv", "bucket", "records.csv")
    """,
    "append_to_module_level_fixed_names": """
        import codecs
        import gzip
        import io
        import os
        import tempfile
        from pathlib import Path

        RECORDS = os.path.join(tempfile.gettempdir(), "records.csv")
        AUDIT = Path("/tmp/audit.log")

        def handler(event, context):
            io.open(RECORDS, "ab").write(b"x")  # expect: LAM203
            with AUDIT.open("a") as f:  # expect: LAM203
                f.write("x")
            codecs.open("/tmp/c.txt", "a+", "utf-8").write("x")  # expect: LAM203
            with gzip.open(os.path.join("/tmp", "events.gz"), "at") as g:  # expect: LAM203
                g.write("x")
    """,
    "append_local_fixed_name_removed_on_error_only": """
        import os

        def handler(event, context):
            path = "/tmp/batch.jsonl"
            try:
                with open(path, "a") as f:  # expect: LAM203
                    f.write(event["body"])
            except ValueError:
                os.remove(path)
                raise
    """,
    "append_after_writing_another_file": """
        def handler(event, context):
            with open("/tmp/header.csv", "w") as f:
                f.write("h")
            with open("/tmp/rows.csv", "a") as f:  # expect: LAM203
                f.write(event["row"])
    """,
    # rows inserted into a SQLite file at a fixed /tmp name: the same file, one more
    # invocation's rows each time (made in the handler, through a cursor of a `with`
    # connection, or held at module level)
    "sqlite_rows_inserted_into_a_fixed_file": """
        import sqlite3
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            conn = sqlite3.connect("/tmp/data.db")
            conn.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER, region TEXT)")
            conn.executemany("INSERT INTO orders VALUES (?, ?)", event["rows"])  # expect: LAM203
            conn.commit()
            conn.close()
            s3.upload_file("/tmp/data.db", "out", "data.db")
    """,
    "sqlite_rows_inserted_through_a_cursor": """
        import os
        import sqlite3
        DB = os.path.join("/tmp", "batch.db")

        def handler(event, context):
            with sqlite3.connect(DB) as conn:
                cur = conn.cursor()
                cur.execute("INSERT INTO rows VALUES (?)", (event["id"],))  # expect: LAM203
    """,
    "sqlite_module_level_connection": """
        import sqlite3
        SEEN = sqlite3.connect("/tmp/seen.db")
        SEEN.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT)")

        def handler(event, context):
            SEEN.execute("INSERT INTO seen VALUES (?)", (event["id"],))  # expect: LAM203
            SEEN.commit()
    """,
    # --- LAM204 -------------------------------------------------------------------
    "add_handler_in_handler": """
        import logging
        logger = logging.getLogger(__name__)

        def handler(event, context):
            h = logging.StreamHandler()
            logger.addHandler(h)  # expect: LAM204
            logger.info("hi")
    """,
    "get_logger_inline_add_handler": """
        import logging

        def setup():
            logging.getLogger().addHandler(logging.StreamHandler())  # expect: LAM204

        def handler(event, context):
            setup()
    """,
    "atexit_register_per_invocation": """
        import atexit

        def flush():
            pass

        def handler(event, context):
            atexit.register(flush)  # expect: LAM204
    """,
    "app_add_handler": """
        from telegram.ext import ApplicationBuilder, CommandHandler

        application = ApplicationBuilder().token("x").build()

        def start(update, ctx):
            pass

        def handler(event, context):
            application.add_handler(CommandHandler("start", start))  # expect: LAM204
    """,
    "signal_chain": """
        import signal

        def handler(event, context):
            previous = signal.getsignal(signal.SIGTERM)

            def on_term(signum, frame):
                previous(signum, frame)

            signal.signal(signal.SIGTERM, on_term)  # expect: LAM204
    """,
    # red team 14, 16: a memoiser a class body wraps in `staticmethod(...)`
    "a_memoiser_wrapped_in_staticmethod_in_a_class_body": """
        import functools

        def _raw_lookup(ip):
            return {"ip": ip}

        class Geo:
            lookup = staticmethod(functools.lru_cache(maxsize=None)(_raw_lookup))  # expect: LAM202

        def handler(event, context):
            return Geo.lookup(event["sourceIp"])
    """,
    # red team 14, 20: each invocation wraps the previous record factory
    "log_record_factory_chained_per_invocation": """
        import logging

        def handler(event, context):
            previous = logging.getLogRecordFactory()

            def factory(*args, **kwargs):
                record = previous(*args, **kwargs)
                record.request_id = context.aws_request_id
                return record

            logging.setLogRecordFactory(factory)  # expect: LAM204
    """,
    # loggers are one place per name: resetting another one undoes nothing here
    "root_reset_does_not_reset_a_named_local_logger": """
        import logging, sys

        def handler(event, context):
            logging.getLogger().handlers = []
            log = logging.getLogger("app")
            log.addHandler(logging.StreamHandler(sys.stdout))  # expect: LAM204
            log.info("hi")
    """,
    "other_logger_reset_inline_add": """
        import logging, sys

        def handler(event, context):
            logging.getLogger("other").handlers = []
            logging.getLogger("app").addHandler(logging.StreamHandler(sys.stdout))  # expect: LAM204
    """,
    "root_remove_handler_module_logger": """
        import logging, sys
        log = logging.getLogger(__name__)
        stale = logging.NullHandler()

        def handler(event, context):
            logging.getLogger().removeHandler(stale)
            log.addHandler(logging.StreamHandler(sys.stdout))  # expect: LAM204
    """,
    "named_reset_of_a_different_modules_logger": {
        "util.py": """
            import logging
            log = logging.getLogger(__name__)
        """,
        "app.py": """
            import logging, sys
            from util import log

            def handler(event, context):
                logging.getLogger("app").handlers.clear()
                log.addHandler(logging.StreamHandler(sys.stdout))  # expect: LAM204
        """,
    },
}

VALID = {
    # the routes defined once, by an app factory called at import
    "routes_defined_inside_an_app_factory_called_at_import": """
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        def create_app():
            app = APIGatewayRestResolver()
            @app.get("/orders/<order_id>")
            def get_order(order_id):
                return {"id": order_id}
            return app
        app = create_app()
        def handler(event, context):
            return app.resolve(event, context)
    """,
    # a decorator applied to a function defined in the handler that registers nothing
    "wraps_applied_inside_a_decorator_defined_in_the_handler_module": """
        import functools
        def logged(fn):
            @functools.wraps(fn)
            def wrapper(event, context):
                print("start")
                return fn(event, context)
            return wrapper
        @logged
        def handler(event, context):
            return {"ok": True}
    """,
    # the twin of red team 11, 12: the file under the class's /tmp folder is removed
    "tmp_file_under_a_class_attribute_folder_removed_after_upload": """
        import os
        from pathlib import Path
        class Staging:
            root = Path("/tmp/staging")
            def stage(self, name, payload):
                target = self.root / name
                target.write_bytes(payload)
                return target
        staging = Staging()
        def handler(event, context):
            for record in event["Records"]:
                path = staging.stage(f"{record['messageId']}.parquet", record["body"].encode())
                try:
                    print(path)
                finally:
                    os.remove(path)
    """,
    # an instance attribute of the same name shadows the class's /tmp folder
    "tmp_folder_class_attribute_shadowed_by_a_configured_folder": """
        import os
        from pathlib import Path
        class Staging:
            root = Path("/tmp/staging")
            def __init__(self):
                self.root = Path(os.environ["EFS_STAGING"])  # the mounted file system, not /tmp
            def stage(self, name, payload):
                target = self.root / name
                target.write_bytes(payload)
                return target
        def handler(event, context):
            staging = Staging()
            staging.stage(event["id"], b"x")
    """,
    # precision 10, p89: the memoiser is cleared in the `finally` of a Powertools
    # middleware (`@lambda_handler_decorator`), which runs around every invocation
    "memoiser_cleared_by_a_powertools_middleware_around_the_handler": {
        "handler.py": """
            from lookups import account_for
            from middleware import per_invocation
            @per_invocation
            def handler(event, context):
                return [account_for(t["card"]) for t in event["transactions"]]
        """,
        "lookups.py": """
            import functools
            import boto3
            table = boto3.resource("dynamodb").Table("accounts")
            @functools.lru_cache(maxsize=None)
            def account_for(card_id):
                return table.get_item(Key={"card": card_id}).get("Item", {})
        """,
        "middleware.py": """
            from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
            from lookups import account_for
            @lambda_handler_decorator
            def per_invocation(handler, event, context):
                try:
                    return handler(event, context)
                finally:
                    account_for.cache_clear()
        """,
    },
    # review 10, the function returns a copy of its default
    "mutable_default_copied_before_it_is_returned": """
        def normalise(tags=[]):
            tags = list(tags)
            return tags


        def handler(event, context):
            tags = normalise()
            tags.append(event["tag"])
            return {"tags": tags}
    """,
    # review 10, the subclass's own class attribute shadows the base's dict
    "base_class_collection_shadowed_by_a_bounded_one": """
        class BoundedDict(dict):
            def __init__(self, limit):
                super().__init__()
                self.limit = limit

            def __setitem__(self, key, value):
                if len(self) >= self.limit:
                    self.pop(next(iter(self)))
                super().__setitem__(key, value)


        class BaseService:
            _cache = {}

            def remember(self, key, value):
                self._cache[key] = value


        class OrderService(BaseService):
            _cache = BoundedDict(100)


        SERVICE = OrderService()


        def handler(event, context):
            SERVICE.remember(event["id"], event["body"])
            return {"ok": True}
    """,
    "mixin_class_dict_shadowed_by_the_instances_own": """
        class CachedLookupMixin:
            _cache = {}
            def remember(self, key, value):
                self._cache[key] = value
        class ProfileService(CachedLookupMixin):
            def __init__(self):
                self._cache = {}
        def handler(event, context):
            profiles = ProfileService()
            profiles.remember(event["user_id"], 1)
    """,
    "function_with_a_mutable_default_always_given_the_argument": """
        def get_cache(store={}):
            return store
        def handler(event, context):
            mine = {}
            cache = get_cache(mine)
            cache[event["id"]] = event["body"]
            return len(cache)
    """,
    "temporary_file_made_by_a_partial_that_deletes": """
        import functools
        import tempfile
        _spool = functools.partial(tempfile.NamedTemporaryFile, suffix=".pdf")
        def handler(event, context):
            with _spool() as f:
                f.write(event["body"].encode())
                return {"size": f.tell()}
    """,
    "singleton_made_once_in_new": """
        class Config:
            _instance = None
            _loaded = []
            def __new__(cls):
                if cls._instance is None:
                    cls._instance = super().__new__(cls)
                    cls._loaded.append("defaults")
                return cls._instance
        def handler(event, context):
            return {"n": len(Config()._loaded)}
    """,
    # precision 8, p97: a worker thread started at import drains the queue, and the
    # handler waits for it (`join`)
    "module_queue_drained_by_a_worker_started_at_import": """
        import queue
        import threading
        _q = queue.Queue()
        def _worker():
            while True:
                item = _q.get()
                try:
                    print(item)
                finally:
                    _q.task_done()
        threading.Thread(target=_worker, daemon=True).start()
        def handler(event, context):
            for name, value in event["metrics"].items():
                _q.put({"MetricName": name, "Value": float(value)})
            _q.join()
            return {"sent": len(event["metrics"])}
    """,
    "download_to_a_temporary_file_cleaned_up": """
        import urllib.request
        import zipfile
        def handler(event, context):
            try:
                path, _ = urllib.request.urlretrieve(event["url"])
                with zipfile.ZipFile(path) as z:
                    return {"files": z.namelist()}
            finally:
                urllib.request.urlcleanup()
    """,
    "download_to_a_fixed_name": """
        import urllib.request
        def handler(event, context):
            path, _ = urllib.request.urlretrieve(event["url"], "/tmp/download.zip")
            return {"path": path}
    """,
    "list_rebound_to_the_last_hundred_of_a_sorted_copy": """
        RECENT = []
        def handler(event, context):
            global RECENT
            RECENT = sorted([*RECENT, event["timestamp"]])[-100:]
            return {"latest": RECENT[-1]}
    """,
    "lru_cache_bound_named_by_a_number": """
        import functools
        import os
        CACHE_SIZE = int(os.environ.get("CACHE_SIZE", "256"))
        @functools.lru_cache(maxsize=CACHE_SIZE)
        def load_profile(user_id):
            return {"id": user_id}
        def handler(event, context):
            return load_profile(event["user_id"])
    """,
    "module_buffer_emptied_and_queue_drained_per_invocation": """
        import io
        import queue
        _BUF = io.StringIO()
        _Q = queue.Queue()
        def handler(event, context):
            _BUF.write(event["line"])
            out = _BUF.getvalue()
            _BUF.seek(0)
            _BUF.truncate()
            _Q.put(event["id"])
            while not _Q.empty():
                _Q.get()
            return out
    """,
    "module_queue_with_a_bound": """
        import queue
        _Q = queue.Queue(maxsize=100)
        def handler(event, context):
            _Q.put_nowait(event["id"])
            return _Q.qsize()
    """,
    "bounded_deque_grown_through_its_bound_append": """
        from collections import deque
        _RECENT = deque(maxlen=100)
        _record = _RECENT.append
        def handler(event, context):
            _record(event["id"])
            return {"recent": list(_RECENT)}
    """,
    # red team 8, o14: a memoised function of no argument runs its body once per
    # environment; later calls return the cached result
    "handler_added_in_a_memoised_setup_function": """
        import functools
        import logging
        import sys
        logger = logging.getLogger("svc")
        @functools.cache
        def setup_logging():
            h = logging.StreamHandler(sys.stdout)
            logger.addHandler(h)
            logger.setLevel(logging.INFO)
        def handler(event, context):
            setup_logging()
            logger.info("event %s", event.get("id"))
            return {"ok": True}
    """,
    "list_filled_in_a_memoised_loader_given_a_constant": """
        import functools
        ROUTES = []
        @functools.lru_cache(maxsize=None)
        def load_routes(prefix):
            ROUTES.append(prefix + "a")
            ROUTES.append(prefix + "b")
            return tuple(ROUTES)
        def handler(event, context):
            return load_routes("/v1/")
    """,
    # red team 8, o30/o28: fixed keys, each value a deque with a bound: nothing grows
    "append_into_fixed_keys_holding_bounded_deques": """
        from collections import deque
        RECENT = {"order": deque(maxlen=50), "refund": deque(maxlen=50)}
        def handler(event, context):
            kind = event["kind"]
            if kind not in RECENT:
                return {"statusCode": 400}
            RECENT[kind].append(event["id"])
            return {"recent": list(RECENT[kind])}
    """,
    "append_into_bounded_deques_made_per_enum_member": """
        from collections import deque
        from enum import Enum
        class Kind(Enum):
            ORDER = "order"
            REFUND = "refund"
        RECENT = {k: deque(maxlen=50) for k in Kind}
        def handler(event, context):
            kind = Kind(event["kind"])
            RECENT[kind].append(event["id"])
            return {"recent": list(RECENT[kind])}
    """,
    "otel_span_processor_added_at_import": """
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
        PROVIDER = TracerProvider()
        PROVIDER.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        def handler(event, context):
            return event.get("id")
    """,
    "tmp_file_named_by_mktemp_removed": """
        import os
        import tempfile
        def handler(event, context):
            pdf_path = tempfile.mktemp(suffix=".pdf")
            try:
                with open(pdf_path, "wb") as f:
                    f.write(event["body"].encode())
                return os.path.getsize(pdf_path)
            finally:
                os.remove(pdf_path)
    """,
    "tmp_download_to_a_helper_path_removed": {
        "paths.py": """
            import os
            def local_path(key):
                return os.path.join("/tmp", key.replace("/", "_"))
        """,
        "app.py": """
            import os
            import boto3
            from paths import local_path
            s3 = boto3.client("s3")
            def handler(event, context):
                dest = local_path(event["key"])
                try:
                    s3.download_file("bucket", event["key"], dest)
                    return os.path.getsize(dest)
                finally:
                    os.remove(dest)
        """,
    },
    "log_handler_at_module_level_tested_for_membership": """
        import logging
        log = logging.getLogger("orders")
        STREAM = logging.StreamHandler()
        def handler(event, context):
            if STREAM not in log.handlers:
                log.addHandler(STREAM)
            log.info("order %s", event["id"])
    """,
    # red team 6, d03: a memoised getter gives the same handler each time
    "log_handler_from_a_memoised_getter": """
        import functools
        import logging
        log = logging.getLogger("orders")
        @functools.lru_cache(maxsize=None)
        def json_stream():
            return logging.StreamHandler()
        def handler(event, context):
            log.addHandler(json_stream())
            log.info("order %s", event["id"])
    """,
    # red team 6, c04: a project class's `__exit__` removes the folder its `__init__` made
    "tmp_folder_removed_by_a_context_managers_exit": """
        import shutil
        import tempfile
        from pathlib import Path
        class Workspace:
            def __init__(self):
                self.path = Path(tempfile.mkdtemp(prefix="render-"))
            def cleanup(self):
                shutil.rmtree(self.path, ignore_errors=True)
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                self.cleanup()
        def handler(event, context):
            with Workspace() as ws:
                (ws.path / "page.html").write_text(event["body"])
                return {"ok": True}
    """,
    # red team 6, c07: an ExitStack removes the download as the block ends
    "tmp_download_removed_by_an_exit_stack_callback": """
        import os
        import tempfile
        from contextlib import ExitStack
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            key = event["key"]
            with ExitStack() as cleanup:
                local = os.path.join(tempfile.gettempdir(), os.path.basename(key))
                s3.download_file("bucket", key, local)
                cleanup.callback(os.remove, local)
                return os.path.getsize(local)
    """,
    # --- LAM201 -------------------------------------------------------------------
    "constant_keys": """
        CONFIG = {}

        def handler(event, context):
            CONFIG["stage"] = "prod"
            CONFIG.update(region="eu-west-1")
            CONFIG.update({"a": 1})
            CONFIG.setdefault("retries", 3)
    """,
    "constant_key_through_parameter": """
        _memo = {}

        def get_param(name):
            if name not in _memo:
                _memo[name] = name.upper()
            return _memo[name]

        def handler(event, context):
            return get_param("db-password")
    """,
    "filled_only_at_import": """
        TABLE = {}
        for i in range(10):
            TABLE[str(i)] = i

        def handler(event, context):
            return TABLE.get(event["k"])
    """,
    "cleared_each_invocation": """
        BATCH = []

        def handler(event, context):
            for r in event["Records"]:
                BATCH.append(r)
            n = len(BATCH)
            BATCH.clear()
            return n
    """,
    "rebound_each_invocation": """
        SEEN = set()

        def handler(event, context):
            global SEEN
            SEEN = set()
            for r in event["Records"]:
                SEEN.add(r["id"])
    """,
    "eviction_bound": """
        from collections import OrderedDict
        CACHE = OrderedDict()

        def handler(event, context):
            CACHE[event["id"]] = 1
            if len(CACHE) > 100:
                CACHE.popitem(last=False)
    """,
    "len_guarded_insert": """
        CACHE = {}

        def handler(event, context):
            if len(CACHE) < 100:
                CACHE[event["id"]] = 1
    """,
    "bounded_types": """
        from collections import deque
        from cachetools import LRUCache, TTLCache
        RECENT = deque(maxlen=50)
        LRU = LRUCache(maxsize=100)
        TTL = TTLCache(128, 300)

        def handler(event, context):
            RECENT.append(event)
            LRU[event["id"]] = 1
            TTL[event["id"]] = 1
    """,
    "lazy_fill_once_with_flag": """
        ROUTES = []
        _loaded = False

        def handler(event, context):
            global _loaded
            if not _loaded:
                ROUTES.extend(["a", "b"])
                _loaded = True
            return ROUTES
    """,
    "fill_when_empty": """
        NAMES = []

        def handler(event, context):
            if not NAMES:
                NAMES.extend(["a", "b"])
            return NAMES
    """,
    "local_collection": """
        def handler(event, context):
            seen = set()
            out = []
            for r in event["Records"]:
                seen.add(r["id"])
                out.append(r)
            return out
    """,
    "growth_not_reachable_from_handler": """
        LOG = []

        def debug_dump(x):
            LOG.append(x)

        def handler(event, context):
            return 1
    """,
    "key_is_module_constant": """
        TABLE = "orders"
        COUNTS = {}

        def handler(event, context):
            COUNTS[TABLE] = COUNTS.get(TABLE, 0) + 1
    """,
    "pop_after_use": """
        PENDING = {}

        def handler(event, context):
            PENDING[event["id"]] = event
            try:
                return 1
            finally:
                PENDING.pop(event["id"], None)
    """,
    "tuple_unpack_defaults": """
        BUCKETS = {"a": [], "b": []}

        def handler(event, context):
            return sorted(BUCKETS)
    """,
    # --- LAM202 -------------------------------------------------------------------
    "lru_cache_default_bound": """
        import functools

        @functools.lru_cache
        def a(x):
            return x

        @functools.lru_cache()
        def b(x):
            return x

        @functools.lru_cache(maxsize=256)
        def c(x):
            return x

        def handler(event, context):
            return a(event["x"]), b(event["x"]), c(event["x"])
    """,
    "cache_called_with_constants": """
        import functools
        import os

        @functools.cache
        def get_secret(name):
            return name

        @functools.cache
        def client():
            return object()

        TABLE = os.environ.get("TABLE", "t")

        def handler(event, context):
            return get_secret("db"), client(), get_secret(TABLE), get_secret(os.environ["X"])
    """,
    "cache_not_reachable": """
        import functools

        @functools.cache
        def slow(x):
            return x

        def main():
            return slow(input())

        def handler(event, context):
            return 1
    """,
    "cachetools_ttl_cache_without_size_still_expires": """
        import cachetools.func

        @cachetools.func.ttl_cache(maxsize=None, ttl=600)
        def fetch(url):
            return url

        def handler(event, context):
            return fetch(event["url"])
    """,
    "cachetools_bounded_cache": """
        from cachetools import cached, TTLCache, LRUCache

        @cached(cache=TTLCache(maxsize=128, ttl=300))
        def a(x):
            return x

        @cached(LRUCache(maxsize=10))
        def b(x):
            return x

        def handler(event, context):
            return a(event["x"]), b(event["x"])
    """,
    # --- LAM203 -------------------------------------------------------------------
    "temporary_directory_context": """
        import os
        import tempfile

        def handler(event, context):
            with tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, "x.json"), "w") as f:
                    f.write("{}")
            with tempfile.NamedTemporaryFile() as f:
                f.write(b"x")
    """,
    "removed_in_finally": """
        import os
        import tempfile

        def handler(event, context):
            fd, path = tempfile.mkstemp()
            try:
                os.write(fd, b"x")
            finally:
                os.close(fd)
                os.remove(path)
    """,
    "fixed_name_overwritten": """
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            s3.download_file("bucket", "model.bin", "/tmp/model.bin")
            with open("/tmp/state.json", "w") as f:
                f.write("{}")
    """,
    "unique_name_read_only": """
        def handler(event, context):
            with open(f"/tmp/{event['name']}") as f:
                return f.read()
    """,
    "unique_name_removed": """
        import os
        import shutil
        import uuid

        def handler(event, context):
            work = f"/tmp/{uuid.uuid4()}"
            os.makedirs(work)
            try:
                return work
            finally:
                shutil.rmtree(work)
    """,
    "mkdtemp_at_import": """
        import tempfile
        WORK = tempfile.mkdtemp()

        def handler(event, context):
            return WORK
    """,
    "pathlib_unlink": """
        import uuid
        from pathlib import Path

        def handler(event, context):
            p = Path(f"/tmp/{uuid.uuid4().hex}.txt")
            p.write_text("x")
            try:
                return p.read_text()
            finally:
                p.unlink()
    """,
    # SQLite files that do not grow: emptied, removed, replaced by a download, upserts
    # keyed by constants, populated once, in memory, or named per invocation and removed
    "sqlite_rows_deleted_first_or_file_removed": """
        import os
        import sqlite3

        def handler(event, context):
            conn = sqlite3.connect("/tmp/batch.db")
            try:
                conn.execute("DELETE FROM rows")
                conn.executemany("INSERT INTO rows VALUES (?)", [(r,) for r in event["rows"]])
            finally:
                conn.close()

        def other_handler(event, context):
            conn = sqlite3.connect("/tmp/other.db")
            conn.execute("INSERT INTO rows VALUES (?)", (event["id"],))
            conn.close()
            os.remove("/tmp/other.db")
    """,
    "sqlite_file_downloaded_on_every_invocation": """
        import sqlite3
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            s3.download_file("bucket", "db.sqlite", "/tmp/work.db")
            conn = sqlite3.connect("/tmp/work.db")
            conn.execute("INSERT INTO rows VALUES (?)", (event["id"],))
            conn.commit()
            conn.close()
            s3.upload_file("/tmp/work.db", "bucket", "db.sqlite")
    """,
    "sqlite_upserts_in_memory_and_populated_once": """
        import os
        import sqlite3
        MEMORY = sqlite3.connect(":memory:")

        def handler(event, context):
            conn = sqlite3.connect("/tmp/state.db")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('last', ?)", (event["id"],))
            conn.execute("INSERT INTO meta VALUES ('last', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
                         (event["id"],))
            MEMORY.execute("INSERT INTO seen VALUES (?)", (event["id"],))
            if not os.path.exists("/tmp/words.db"):
                words = sqlite3.connect("/tmp/words.db")
                words.executemany("INSERT INTO words VALUES (?)", [("alpha",), ("beta",)])
            return conn.execute("SELECT v FROM meta").fetchone()
    """,
    "file_appended_after_a_copy_replaces_it": """
        import shutil

        def handler(event, context):
            shutil.copy("/var/task/template.csv", "/tmp/out.csv")
            with open("/tmp/out.csv", "a") as f:
                f.write(event["line"])
            return "/tmp/out.csv"
    """,
    "append_then_remove": """
        import os

        def handler(event, context):
            with open("/tmp/records.csv", "a") as f:
                f.write(event["line"])
            os.remove("/tmp/records.csv")
    """,
    "append_removed_in_finally": """
        import os
        RECORDS = "/tmp/records.csv"

        def handler(event, context):
            try:
                with open(RECORDS, "a") as f:
                    f.write(event["line"])
            finally:
                if os.path.exists(RECORDS):
                    os.remove(RECORDS)
    """,
    "append_only_while_missing": """
        import os

        def handler(event, context):
            if not os.path.exists("/tmp/words.txt"):
                with open("/tmp/words.txt", "a") as f:
                    f.write("alpha\\n")
            with open("/tmp/words.txt") as f:
                return f.read()
    """,
    "header_written_then_appended": """
        def handler(event, context):
            with open("/tmp/report.csv", "w") as f:
                f.write("h\\n")
            for row in event["rows"]:
                with open("/tmp/report.csv", "a") as f:
                    f.write(row)
    """,
    "append_emptied_first": """
        import os
        from pathlib import Path

        def handler(event, context):
            os.truncate("/tmp/a.log", 0)
            with open("/tmp/a.log", "a") as f:
                f.write("x")
            p = Path("/tmp/b.log")
            with p.open("a") as g:
                g.truncate(0)
                g.write("x")
    """,
    "append_to_a_per_invocation_name_removed": """
        import os
        import uuid

        def handler(event, context):
            path = f"/tmp/{uuid.uuid4().hex}.log"
            try:
                with open(path, "a") as f:
                    f.write("x")
            finally:
                os.remove(path)
    """,
    "append_at_import_read_in_handler": """
        with open("/tmp/seed.txt", "a") as f:
            f.write("seed")

        def handler(event, context):
            with open("/tmp/seed.txt") as f:
                return f.read()
    """,
    # a log file is meant to keep earlier lines: FileHandler's default "a" is not counted
    "file_handler_to_tmp_at_import": """
        import logging
        logger = logging.getLogger(__name__)
        logger.addHandler(logging.FileHandler("/tmp/app.log"))

        def handler(event, context):
            logger.info("x")
    """,
    "append_to_a_name_read_from_a_file": """
        def handler(event, context):
            target = open("/tmp/target.txt").read()
            with open(target, "a") as f:
                f.write("x")
    """,
    # --- LAM204 -------------------------------------------------------------------
    "add_handler_at_import": """
        import logging
        logger = logging.getLogger()
        logger.addHandler(logging.StreamHandler())

        def handler(event, context):
            logger.info("x")
    """,
    "add_handler_guarded_by_handlers": """
        import logging
        logger = logging.getLogger(__name__)

        def handler(event, context):
            if not logger.handlers:
                logger.addHandler(logging.StreamHandler())
            if not logger.hasHandlers():
                logger.addHandler(logging.StreamHandler())
    """,
    "add_handler_once_flag": """
        import logging
        _configured = False

        def configure():
            global _configured
            if not _configured:
                logging.getLogger().addHandler(logging.StreamHandler())
                _configured = True

        def handler(event, context):
            configure()
    """,
    "same_module_level_handler_object": """
        import logging
        logger = logging.getLogger(__name__)
        HANDLER = logging.StreamHandler()

        def handler(event, context):
            logger.addHandler(HANDLER)
    """,
    "add_then_remove": """
        import logging
        logger = logging.getLogger(__name__)

        def handler(event, context):
            h = logging.FileHandler("/tmp/x.log")
            logger.addHandler(h)
            try:
                logger.info("x")
            finally:
                logger.removeHandler(h)
                h.close()
    """,
    "signal_replaces": """
        import signal

        def on_term(signum, frame):
            pass

        def handler(event, context):
            signal.signal(signal.SIGTERM, on_term)
    """,
    "atexit_at_import": """
        import atexit

        def flush():
            pass

        atexit.register(flush)

        def handler(event, context):
            return 1
    """,
    "local_logger_object": """
        import logging

        def handler(event, context):
            log = logging.LoggerAdapter(logging.getLogger(), {})
            log.info("x")
    """,
    # the same logger, reached by its name another way, reset before adding
    "same_logger_reset_by_name": """
        import logging, sys
        log = logging.getLogger("app")

        def handler(event, context):
            logging.getLogger("app").handlers = []
            log.addHandler(logging.StreamHandler(sys.stdout))
    """,
    "module_logger_reset_through_a_local": """
        import logging, sys
        log = logging.getLogger(__name__)

        def handler(event, context):
            mine = logging.getLogger(__name__)
            mine.handlers.clear()
            log.addHandler(logging.StreamHandler(sys.stdout))
    """,
    "root_logger_spelled_three_ways": """
        import logging, sys

        def handler(event, context):
            logging.getLogger("root").handlers = []
            logging.getLogger().addHandler(logging.StreamHandler(sys.stdout))
            logging.getLogger(None).handlers.clear()
            logging.root.addHandler(logging.StreamHandler(sys.stdout))
            logging.root.handlers = []
    """,
    "reset_of_a_logger_whose_name_is_not_known": """
        import logging, sys
        log = logging.getLogger("app")

        def handler(event, context):
            logging.getLogger(event["logger"]).handlers = []
            log.addHandler(logging.StreamHandler(sys.stdout))
    """,
    "same_logger_in_two_modules": {
        "util.py": """
            import logging
            log = logging.getLogger(__name__)
        """,
        "app.py": """
            import logging, sys
            from util import log

            def handler(event, context):
                logging.getLogger("util").handlers.clear()
                log.addHandler(logging.StreamHandler(sys.stdout))
        """,
    },
    "named_logger_reset_then_added_local": """
        import logging, sys

        def handler(event, context):
            lg = logging.getLogger("app")
            lg.handlers = []
            logging.getLogger("app").addHandler(logging.StreamHandler(sys.stdout))
    """,
}


# a membership guard on a tuple of values (red team 13, 67): the same every invocation
# when each item is, so the guarded append adds once
INVALID.update({
    "tuple_membership_guard_with_request_data": """
        SUBS = []

        def register(name, fn):
            if (name, fn) not in SUBS:
                SUBS.append((name, fn))  # expect: LAM201

        def on_event(payload):
            return payload

        def handler(event, context):
            register(event["topic"], on_event)
    """,
})

# conditional expressions with a call in a branch run it on that branch only (the
# `if` they mean): a size test bounds what they add, a membership test does not
INVALID.update({
    "an_add_in_a_conditional_expression_on_a_membership_test": """
        SEEN = set()

        def handler(event, context):
            key = event["id"]
            return "dup" if key in SEEN else SEEN.add(key)  # expect: LAM201
    """,
    "an_append_after_or": """
        LOG = []

        def handler(event, context):
            return event.get("quiet") or LOG.append(event["line"])  # expect: LAM201
    """,
})

VALID.update({
    # the factory before this invocation's put back in `finally` (review of session 19)
    "log_record_factory_restored_in_finally": """
        import logging

        def handler(event, context):
            old = logging.getLogRecordFactory()

            def factory(*args, **kwargs):
                record = old(*args, **kwargs)
                record.aws_request_id = context.aws_request_id
                return record

            logging.setLogRecordFactory(factory)
            try:
                logging.getLogger().info("start")
                return {"ok": True}
            finally:
                logging.setLogRecordFactory(old)
    """,
    "signal_handler_restored_in_finally": """
        import signal

        def handler(event, context):
            previous = signal.getsignal(signal.SIGTERM)

            def on_term(signum, frame):
                previous(signum, frame)

            signal.signal(signal.SIGTERM, on_term)
            try:
                return {"ok": True}
            finally:
                signal.signal(signal.SIGTERM, previous)
    """,
    "a_bounded_memoiser_wrapped_in_staticmethod_in_a_class_body": """
        import functools

        def _raw_lookup(ip):
            return {"ip": ip}

        class Geo:
            lookup = staticmethod(functools.lru_cache(maxsize=256)(_raw_lookup))

        def handler(event, context):
            return Geo.lookup(event["sourceIp"])
    """,
    # the factory the process started with, read once at import: each invocation replaces
    # the last one rather than wrapping it
    "log_record_factory_replaced_per_invocation": """
        import contextvars
        import logging

        _BASE = logging.getLogRecordFactory()
        REQUEST_ID = contextvars.ContextVar("request_id", default="-")

        def factory(*args, **kwargs):
            record = _BASE(*args, **kwargs)
            record.request_id = REQUEST_ID.get()
            return record

        def handler(event, context):
            REQUEST_ID.set(context.aws_request_id)
            logging.setLogRecordFactory(factory)
    """,
})

VALID.update({
    "an_add_in_a_conditional_expression_a_size_test_bounds": """
        SEEN = set()

        def handler(event, context):
            return SEEN.add(event["id"]) if len(SEEN) < 1000 else None
    """,
    # ... also bound to a name (review): an `and` chain is the `if` it means
    "an_add_after_and_bound_to_a_name": """
        SEEN = set()
        MAX = 1000

        def handler(event, context):
            key = event["id"]
            fresh = len(SEEN) < MAX and key not in SEEN and not SEEN.add(key)
            return {"fresh": fresh}
    """,
    "an_append_after_and_a_size_test_bounds": """
        LOG = []

        def handler(event, context):
            return len(LOG) < 100 and LOG.append(event["line"])
    """,
})

VALID.update({
    "tuple_membership_guard_with_constants": """
        SUBS = []

        def register(name, fn):
            if (name, fn) not in SUBS:
                SUBS.append((name, fn))

        def on_payment(payload):
            return payload

        def handler(event, context):
            register("payment", on_payment)
            return [fn(event) for n, fn in SUBS if n == "payment"]
    """,
    # red team 13, 67 and 32: a subscription or route registered by the handler, through
    # the closure a classmethod returns, given constants
    "idempotent_subscription_through_a_classmethod_s_closure": """
        class EventBus:
            _subscribers = []

            @classmethod
            def on(cls, name):
                def register(fn):
                    if (name, fn) not in cls._subscribers:
                        cls._subscribers.append((name, fn))
                    return fn

                return register

        def log_payment(payload):
            return payload

        def handler(event, context):
            EventBus.on("payment")(log_payment)
    """,
    "route_under_a_constant_path_through_a_classmethod_s_closure": """
        class Router:
            routes = {}

            @classmethod
            def route(cls, path):
                def register(fn):
                    cls.routes[path] = fn
                    return fn

                return register

        def handler(event, context):
            @Router.route("/health")
            def health(evt):
                return {"statusCode": 200}

            return Router.routes[event.get("rawPath", "/health")](event)
    """,
})


# `**kwargs` built from the keywords a call names has those keys, whatever their values
# (the values are LAM501's business)
VALID.update({
    "star_star_kwargs_merged_under_the_keywords_the_call_names": """
        EXTRA = {"service": "orders"}

        def log(msg, **fields):
            EXTRA.update(fields)

        def handler(event, context):
            log("start", user=event["userId"], stage="prod")
    """,
    "star_star_kwargs_given_a_mapping_built_from_constant_keys": """
        EXTRA = {"service": "orders"}

        def log(msg, **fields):
            EXTRA.update(fields)

        def handler(event, context):
            fields = {}
            if "user" in event:
                fields["user"] = event["user"]
            log("start", **fields)
    """,
})


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


def story(d) -> str:
    """Everything a finding tells: headline, the primary label, the labelled places, notes."""
    return "\n".join([d.message, d.label] + [f"{l.path}:{l.span[0]}: {l.text}" for l in d.labels] + list(d.notes))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]))
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]
    for d in diagnostics:
        assert "`handler`" in story(d), story(d)  # the handler is named: in a label or a note
        assert d.fix is not None, d.message


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, _files(VALID[name])) == []


def test_growth_through_a_local_alias_is_seen(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        LOG = []

        def handler(event, context):
            log = LOG
            log.append(event)  # expect: LAM201
    """})
    assert found(diagnostics) == expected_markers(tmp_path)


DEPENDS_ROUTE = """
        from fastapi import Depends, FastAPI
        from mangum import Mangum

        class Cache:
            def __init__(self):
                self._store = {}

            def put(self, key, value):
                self._store[key] = value  # expect: LAM201

        _cache = Cache()

        def get_cache():
            return _cache

        app = FastAPI()

        @app.post("/items/{key}")
        async def put_item(key: str, value: str, cache: Cache = Depends(get_cache)):
            cache.put(key, value)
            return {"ok": True}

        handler = Mangum(app, lifespan="off")
    """


def test_a_route_given_the_module_cache_by_fastapi_depends_grows_it(tmp_path):
    # FastAPI passes a route what its dependency returns (`Depends(get_cache)`: the
    # module-level `_cache`), not the `Depends(...)` marker its default spells
    diagnostics = lint(tmp_path, {"app.py": DEPENDS_ROUTE})
    assert found(diagnostics) == expected_markers(tmp_path)
    assert "`put_item` reaches it through `cache.put()`" in "\n".join(label.text for label in diagnostics[0].labels)


DEBOUNCER = """
    import threading
    import boto3
    sns = boto3.client("sns")
    class Debouncer:
        def __init__(self):
            self._pending = []
            self._timer = None
            self._lock = threading.Lock()
        def publish(self, message):
            with self._lock:
                self._pending.append(message)
                if self._timer is None:
                    self._timer = threading.Timer(0.25, self._flush)
                    self._timer.start()
        def _flush(self):
            with self._lock:
                FLUSH
            for m in batch:
                sns.publish(TopicArn="arn", Message=m)
    PUBLISHER = Debouncer()
    def handler(event, context):
        PUBLISHER.publish(event["id"])
"""


@pytest.mark.parametrize("flush", [
    "batch, self._pending, self._timer = self._pending, [], None",
    "batch = self._pending\n                self._pending = []\n                self._timer = None",
])
def test_a_list_a_timer_empties_is_bounded_by_it(tmp_path, flush):
    # red team 11, 15: the debouncer's timer takes the pending list each time it fires;
    # the timer left running is LAM302's, not growth
    diagnostics = lint(tmp_path, {"app.py": DEBOUNCER.replace("FLUSH", flush)})
    assert sorted(d.code for d in diagnostics) == ["LAM302"], [d.message for d in diagnostics]


def test_a_list_a_timer_only_reads_still_grows(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": DEBOUNCER.replace("FLUSH", "batch = list(self._pending)\n                self._timer = None")})
    assert sorted(d.code for d in diagnostics) == ["LAM201", "LAM302"], [d.message for d in diagnostics]


def test_a_long_chain_of_conditional_expressions_is_no_internal_error(tmp_path):
    # each level read as an `if` nests an event in the one before: past a depth, flat
    arms = " ".join(f"f{i}() if x == {i} else" for i in range(150))
    defs = "\n".join(f"def f{i}():\n    return {i}\n" for i in range(150))
    code = f"{defs}\n\ndef handler(event, context):\n    x = event['x']\n    return {arms} None\n"
    assert lint(tmp_path, {"app.py": code}) == []


def test_a_long_elif_chain_is_no_internal_error(tmp_path):
    # 300 nested `if` events, each a handful of frames deep in the models' walks
    arms = "\n".join(f"    {'if' if i == 0 else 'elif'} x == {i}:\n        SEEN.add(event['id'])" for i in range(300))
    code = f"SEEN = set()\n\n\ndef handler(event, context):\n    x = event['x']\n{arms}\n"
    before = sys.getrecursionlimit()
    assert {d.code for d in lint(tmp_path, {"app.py": code})} == {"LAM201"}  # (lint: no rule failed)
    # raised for the rules only: the deployment readers count on the usual limit
    assert sys.getrecursionlimit() == before
