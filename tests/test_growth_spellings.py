"""Every spelling of adding to module state (LAM201-LAM204), and the bounds real code uses.

Issue 18: augmented operators, rebinding to the old value and more, setdefault, update,
Counter, mutable default arguments, class attributes, memoisers made by assignment,
every API that writes under /tmp, and the correct twins that must stay silent: a key
checked against a constant set, a fill behind an early return, /tmp emptied by a
command or an API before the write. Each case marks every expected diagnostic with
``# expect: LAMxxx``; a case without markers must produce nothing.
"""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, write_project
from lambdalint.project.config import Settings
from lambdalint.run import run_check

CASES = {
    # text made longer in place: a module-level string or bytes constant is a new, longer
    # object after `+=` (or `X = X + ...`), kept by the module
    "text_augmented_by_request": """
        import json
        LOG = ""
        def handler(event, context):
            global LOG
            LOG += json.dumps(event) + "\\n"  # expect: LAM201
            return len(LOG)
    """,
    "text_rebound_to_the_old_and_more": """
        TRAIL = b""
        def handler(event, context):
            global TRAIL
            TRAIL = TRAIL + event["body"].encode()  # expect: LAM201
    """,
    "text_rebound_by_an_f_string": """
        LOG = ""
        def handler(event, context):
            global LOG
            LOG = f"{LOG}{event['line']}\\n"  # expect: LAM201
    """,
    "text_rebound_by_a_join": """
        LOG = ""
        def handler(event, context):
            global LOG
            LOG = "".join([LOG, event["line"], "\\n"])  # expect: LAM201
    """,
    "text_class_attribute": """
        class Journal:
            text = ""
        def handler(event, context):
            Journal.text += event["line"]  # expect: LAM201
    """,
    "text_of_another_module": {
        "state.py": """
            LOG = ""
        """,
        "app.py": """
            import state
            def handler(event, context):
                state.LOG += event["line"]  # expect: LAM201
        """,
    },
    # storing under keys taken from the dict itself replaces values: no key is added
    "every_entry_refreshed_in_place": """
        import time
        LAST_SEEN = {"a": 0.0, "b": 0.0}
        COUNTS = {"ok": 0, "error": 0}
        def handler(event, context):
            for k in LAST_SEEN:
                LAST_SEEN[k] = time.time()
            for k in list(LAST_SEEN):
                LAST_SEEN[k] = time.time()
            for k in sorted(LAST_SEEN.keys()):
                LAST_SEEN[k] = time.time()
            for k, v in COUNTS.items():
                COUNTS[k] = v + 1
            return LAST_SEEN, COUNTS
    """,
    "keys_from_the_request_still_grow": """
        SEEN = {}
        def handler(event, context):
            for k in list(event["ids"]):
                SEEN[k] = True  # expect: LAM201
    """,
    "text_reset_at_the_top": """
        LOG = ""
        def handler(event, context):
            global LOG
            LOG = ""
            LOG += event["msg"]
            return LOG
    """,
    "number_counter_is_not_text": """
        CALLS = 0
        def handler(event, context):
            global CALLS
            CALLS += 1
            return CALLS
    """,
    "text_made_longer_in_a_local": """
        PREFIX = "req-"
        def handler(event, context):
            name = PREFIX
            name += event["id"]
            return name
    """,
    "text_made_longer_at_import_only": """
        BANNER = "svc"
        BANNER += "-v1"
        def handler(event, context):
            return BANNER
    """,
    "dict_ior_event": """
        CACHE = {}
        def handler(event, context):
            global CACHE
            CACHE |= {event["id"]: event}  # expect: LAM201
    """,
    "dict_ior_event_noglobal": """
        CACHE = {}
        def handler(event, context):
            CACHE.__ior__({event["id"]: 1})  # expect: LAM201
    """,
    "list_iadd_noglobal_attr": """
        class S:
            items = []
        def handler(event, context):
            S.items += [event]  # expect: LAM201
    """,
    "set_ior_key": """
        SEEN = set()
        def handler(event, context):
            global SEEN
            SEEN |= {event["id"]}  # expect: LAM201
    """,
    "set_ior_const": """
        SEEN = set()
        def handler(event, context):
            global SEEN
            SEEN |= {"a", "b"}
    """,
    "dict_ior_const": """
        CACHE = {}
        def handler(event, context):
            global CACHE
            CACHE |= {"a": event}
    """,
    "list_rebind_plus": """
        ITEMS = []
        def handler(event, context):
            global ITEMS
            ITEMS = ITEMS + [event]  # expect: LAM201
    """,
    "dict_rebind_splat": """
        CACHE = {}
        def handler(event, context):
            global CACHE
            CACHE = {**CACHE, event["id"]: event}  # expect: LAM201
    """,
    "set_rebind_or": """
        SEEN = set()
        def handler(event, context):
            global SEEN
            SEEN = SEEN | {event["id"]}  # expect: LAM201
    """,
    "set_rebind_union": """
        SEEN = set()
        def handler(event, context):
            global SEEN
            SEEN = SEEN.union([event["id"]])  # expect: LAM201
    """,
    "list_rebind_const": """
        ITEMS = []
        def handler(event, context):
            global ITEMS
            ITEMS = ITEMS + [1]  # expect: LAM201
    """,
    "dict_rebind_splat_const": """
        CACHE = {}
        def handler(event, context):
            global CACHE
            CACHE = {**CACHE, "stage": event["stage"]}
    """,
    "dict_rebind_fresh": """
        CACHE = {}
        def handler(event, context):
            global CACHE
            CACHE = {event["id"]: event}
    """,
    "list_rebind_slice": """
        ITEMS = []
        def handler(event, context):
            global ITEMS
            ITEMS = (ITEMS + [event])[-10:]
    """,
    "setdefault_event": """
        CACHE = {}
        def handler(event, context):
            CACHE.setdefault(event["id"], event)  # expect: LAM201
    """,
    "update_comprehension": """
        CACHE = {}
        def handler(event, context):
            CACHE.update({r["id"]: r for r in event["Records"]})  # expect: LAM201
    """,
    "update_dict_display_event_key": """
        CACHE = {}
        def handler(event, context):
            CACHE.update({event["id"]: 1})  # expect: LAM201
    """,
    "update_kwargs_const": """
        CACHE = {}
        def handler(event, context):
            CACHE.update(stage=event["stage"])
    """,
    "update_dict_const_keys": """
        CACHE = {}
        def handler(event, context):
            CACHE.update({"stage": event["stage"], "region": "x"})
    """,
    "update_dict_call": """
        CACHE = {}
        def handler(event, context):
            CACHE.update(dict(stage=event["stage"]))
    """,
    "set_update_records": """
        SEEN = set()
        def handler(event, context):
            SEEN.update(r["id"] for r in event["Records"])  # expect: LAM201
    """,
    "counter_increment_key": """
        from collections import Counter
        HITS = Counter()
        def handler(event, context):
            HITS[event["path"]] += 1  # expect: LAM201
    """,
    "counter_update": """
        from collections import Counter
        HITS = Counter()
        def handler(event, context):
            HITS.update([event["path"]])  # expect: LAM201
    """,
    "counter_update_const": """
        from collections import Counter
        HITS = Counter()
        def handler(event, context):
            HITS.update(["invocations"])
            HITS["errors"] += 1
    """,
    "dict_get_plus_one": """
        COUNTS = {}
        def handler(event, context):
            COUNTS[event["path"]] = COUNTS.get(event["path"], 0) + 1  # expect: LAM201
    """,
    "defaultdict_key_append": """
        from collections import defaultdict
        BY = defaultdict(list)
        def handler(event, context):
            BY[event["user"]].append(event)  # expect: LAM201
    """,
    "deque_append_nomaxlen": """
        import collections
        RECENT = collections.deque()
        def handler(event, context):
            RECENT.append(event)  # expect: LAM201
    """,
    "deque_maxlen_positional": """
        import collections
        RECENT = collections.deque([], 50)
        def handler(event, context):
            RECENT.append(event)
    """,
    "list_insert": """
        LOG = []
        def handler(event, context):
            LOG.insert(0, event)  # expect: LAM201
    """,
    "list_extend": """
        LOG = []
        def handler(event, context):
            LOG.extend(event["Records"])  # expect: LAM201
    """,
    "annotated_dict": """
        from typing import Dict
        CACHE: Dict[str, int] = {}
        def handler(event, context):
            CACHE[event["id"]] = 1  # expect: LAM201
    """,
    "dict_call_ctor": """
        CACHE = dict()
        def handler(event, context):
            CACHE[event["id"]] = 1  # expect: LAM201
    """,
    "mutable_default_cache": """
        def get(key, _cache={}):
            if key not in _cache:
                _cache[key] = key.upper()  # expect: LAM201
            return _cache[key]
        def handler(event, context):
            return get(event["key"])
    """,
    "mutable_default_list": """
        def record(item, seen=[]):
            seen.append(item)  # expect: LAM201
            return len(seen)
        def handler(event, context):
            return record(event)
    """,
    "mutable_default_passed": """
        def collect(item, out=[]):
            out.append(item)
            return out
        def handler(event, context):
            return collect(event, [])
    """,
    "mutable_default_const_key": """
        def get(key, _cache={}):
            if key not in _cache:
                _cache[key] = key.upper()
            return _cache[key]
        def handler(event, context):
            return get("settings")
    """,
    "mutable_default_rebound_local": """
        def get(key, acc=None):
            acc = acc or {}
            acc[key] = 1
            return acc
        def handler(event, context):
            return get(event["k"])
    """,
    "mutable_default_reassigned": """
        def get(items=[]):
            items = list(items)
            items.append(1)
            return items
        def handler(event, context):
            return get()
    """,
    "allowed_set_raise": """
        ALLOWED = {"a", "b", "c"}
        COUNTS = {}
        def handler(event, context):
            kind = event["kind"]
            if kind not in ALLOWED:
                raise ValueError(kind)
            COUNTS[kind] = COUNTS.get(kind, 0) + 1
    """,
    "allowed_tuple_return": """
        KINDS = ("a", "b")
        SEEN = set()
        def handler(event, context):
            kind = event["kind"]
            if kind not in KINDS:
                return {"statusCode": 400}
            SEEN.add(kind)
    """,
    "allowed_inline_set": """
        COUNTS = {}
        def handler(event, context):
            kind = event["kind"]
            if kind in {"a", "b"}:
                COUNTS[kind] = 1
    """,
    "allowed_dict_keys": """
        HANDLERS = {"a": 1, "b": 2}
        CACHE = {}
        def handler(event, context):
            kind = event["kind"]
            if kind not in HANDLERS:
                raise KeyError(kind)
            CACHE[kind] = HANDLERS[kind]
    """,
    "allowed_frozenset": """
        ALLOWED = frozenset(["a", "b"])
        CACHE = {}
        def handler(event, context):
            kind = event["kind"]
            if kind in ALLOWED:
                CACHE[kind] = 1
    """,
    "allowed_but_not_constant": """
        ALLOWED = set()
        CACHE = {}
        def handler(event, context):
            ALLOWED.add(event["kind"])  # expect: LAM201
            kind = event["kind"]
            if kind not in ALLOWED:
                raise ValueError(kind)
            CACHE[kind] = 1  # expect: LAM201
    """,
    "allowed_guard_other_var": """
        ALLOWED = {"a", "b"}
        CACHE = {}
        def handler(event, context):
            kind = event["kind"]
            if kind not in ALLOWED:
                raise ValueError(kind)
            CACHE[event["id"]] = 1  # expect: LAM201
    """,
    "allowed_guard_no_exit": """
        ALLOWED = {"a", "b"}
        CACHE = {}
        def handler(event, context):
            kind = event["kind"]
            if kind not in ALLOWED:
                print("unknown")
            CACHE[kind] = 1  # expect: LAM201
    """,
    "allowed_in_helper": """
        ALLOWED = {"a", "b"}
        CACHE = {}
        def remember(kind):
            if kind not in ALLOWED:
                raise ValueError(kind)
            CACHE[kind] = 1
        def handler(event, context):
            remember(event["kind"])
    """,
    "fill_once_const_key_early_return": """
        import json
        cache = {}
        def get_keys():
            if "keys" in cache:
                return cache["keys"]
            cache["keys"] = json.loads("[]")
            return cache["keys"]
        def handler(event, context):
            return get_keys()
    """,
    "fill_once_if_cache_return": """
        import json
        cache = {}
        def get_keys():
            if cache:
                return cache
            cache.update(json.loads("{}"))
            return cache
        def handler(event, context):
            return get_keys()
    """,
    "fill_once_if_not_cache_update": """
        import json
        cache = {}
        def get_config():
            if not cache:
                cache.update(json.loads("{}"))
            return cache
        def handler(event, context):
            return get_config()
    """,
    "fill_once_len_zero": """
        import json
        cache = {}
        def get_config():
            if len(cache) == 0:
                cache.update(json.loads("{}"))
            return cache
        def handler(event, context):
            return get_config()
    """,
    "fill_once_update_jwks_comprehension": """
        import json
        _keys = {}
        def get_keys():
            if _keys:
                return _keys
            data = json.loads("{}")
            _keys.update({k["kid"]: k for k in data["keys"]})
            return _keys
        def handler(event, context):
            return get_keys()[event["kid"]]
    """,
    "fill_once_const_key_module_const": """
        import json
        KEY = "jwks"
        cache = {}
        def get_keys():
            if KEY in cache:
                return cache[KEY]
            cache[KEY] = json.loads("[]")
            return cache[KEY]
        def handler(event, context):
            return get_keys()
    """,
    "fill_once_get_none": """
        import json
        cache = {}
        def get_keys():
            keys = cache.get("keys")
            if keys is None:
                keys = json.loads("[]")
                cache["keys"] = keys
            return keys
        def handler(event, context):
            return get_keys()
    """,
    "fill_list_once_early_return": """
        import json
        ITEMS = []
        def get_items():
            if ITEMS:
                return ITEMS
            ITEMS.extend(json.loads("[]"))
            return ITEMS
        def handler(event, context):
            return get_items()
    """,
    "fill_dict_key_event_early_return_still_grows": """
        cache = {}
        def get(k):
            if k in cache:
                return cache[k]
            cache[k] = k.upper()  # expect: LAM201
            return cache[k]
        def handler(event, context):
            return get(event["k"])
    """,
    "fill_if_cache_but_not_returning": """
        cache = {}
        def get(k):
            if cache:
                print("warm")
            cache.update({k: 1})  # expect: LAM201
        def handler(event, context):
            return get(event["k"])
    """,
    "fill_once_list_extend_not_cache_no_return": """
        ROWS = []
        def handler(event, context):
            if not ROWS:
                ROWS.extend(event["Records"])
            return ROWS
    """,
    "allowed_caller_guard_helper_grows": """
        KINDS = ("order", "refund")
        TOTALS = {}
        def add(kind, amount):
            TOTALS[kind] = TOTALS.get(kind, 0) + amount
        def handler(event, context):
            kind = event["kind"]
            if kind not in KINDS:
                return {"statusCode": 400}
            add(kind, event["amount"])
    """,
    "allowed_caller_guard_other_arg_grows": """
        KINDS = ("order", "refund")
        TOTALS = {}
        def add(kind, user):
            TOTALS[user] = 1  # expect: LAM201
        def handler(event, context):
            kind = event["kind"]
            if kind not in KINDS:
                return {"statusCode": 400}
            add(kind, event["user"])
    """,
    "allowed_loop_continue": """
        KINDS = {"a", "b"}
        COUNTS = {}
        def handler(event, context):
            for record in event["Records"]:
                kind = record["kind"]
                if kind not in KINDS:
                    continue
                COUNTS[kind] = COUNTS.get(kind, 0) + 1
    """,
    "allowed_normalised": """
        KINDS = {"a", "b"}
        COUNTS = {}
        def handler(event, context):
            kind = event["kind"]
            if kind not in KINDS:
                kind = "other"
            COUNTS[kind] = COUNTS.get(kind, 0) + 1
    """,
    "allowed_rejected_set_grows": """
        KINDS = {"a", "b"}
        REJECTED = set()
        def handler(event, context):
            kind = event["kind"]
            if kind not in KINDS:
                REJECTED.add(kind)  # expect: LAM201
                return
    """,
    "allowed_elif_chain": """
        COUNTS = {}
        def handler(event, context):
            kind = event["kind"]
            if kind in ("a", "b"):
                COUNTS[kind] = 1
            elif kind == "c":
                COUNTS[kind] = 2
    """,
    "allowed_env_list": """
        import os
        ALLOWED = os.environ.get("ALLOWED", "a,b").split(",")
        SEEN = {}
        def handler(event, context):
            origin = event["origin"]
            if origin not in ALLOWED:
                raise PermissionError(origin)
            SEEN[origin] = SEEN.get(origin, 0) + 1
    """,
    "allowed_after_continue_outside_loop_scope": """
        KINDS = {"a", "b"}
        COUNTS = {}
        def handler(event, context):
            for record in event["Records"]:
                kind = record["kind"]
                if kind not in KINDS:
                    continue
            COUNTS[kind] = 1  # expect: LAM201
    """,
    "early_return_nested_block_does_not_leak": """
        cache = {}
        def handler(event, context):
            if event.get("warm"):
                if cache:
                    return cache
                cache.update({"a": 1})
            # and `return cache` above hands this caller the keys earlier callers put there
            cache.update({event["k"]: 1})  # expect: LAM201  # expect: LAM501
    """,
    "class_attr_dict_cache": """
        class Prices:
            _cache = {}

            @classmethod
            def get(cls, sku):
                if sku not in cls._cache:
                    cls._cache[sku] = len(sku)  # expect: LAM201
                return cls._cache[sku]
        def handler(event, context):
            return Prices.get(event["sku"])
    """,
    "class_attr_direct": """
        class Registry:
            seen = set()
        def handler(event, context):
            Registry.seen.add(event["id"])  # expect: LAM201
    """,
    "class_attr_reset": """
        class Registry:
            seen = set()
        def handler(event, context):
            Registry.seen = set()
            Registry.seen.add(event["id"])
    """,
    "flag_early_return": """
        import json
        ROUTES = []
        _loaded = False
        def load():
            global _loaded
            if _loaded:
                return
            ROUTES.extend(json.loads("[]"))
            _loaded = True
        def handler(event, context):
            load()
    """,
    "early_return_in_caller_fill_in_helper": """
        import json
        KEYS = {}
        def _fetch():
            KEYS.update(json.loads("{}"))
        def handler(event, context):
            if not KEYS:
                _fetch()
            return KEYS.get(event["kid"])
    """,
    "early_return_caller_exit_guard_helper": """
        import json
        KEYS = {}
        def _fetch():
            KEYS.update(json.loads("{}"))
        def get_keys():
            if KEYS:
                return KEYS
            _fetch()
            return KEYS
        def handler(event, context):
            return get_keys().get(event["kid"])
    """,
    "augassign_set_difference_evicts": """
        PENDING = set()
        def handler(event, context):
            global PENDING
            PENDING |= {event["id"]}
            PENDING -= {event["id"]}
    """,
    "counter_plus_counter": """
        from collections import Counter
        TOTAL = Counter()
        def handler(event, context):
            global TOTAL
            TOTAL += Counter(event["words"])  # expect: LAM201
    """,
    "counter_plus_constant_keys": """
        from collections import Counter
        TOTAL = Counter()
        def handler(event, context):
            global TOTAL
            TOTAL += Counter({"calls": 1})
    """,
    "list_rebind_with_global_attr_instance": """
        class Store:
            def __init__(self):
                self.rows = []
            def add(self, row):
                self.rows = self.rows + [row]  # expect: LAM201
        store = Store()
        def handler(event, context):
            store.add(event)
    """,
    "mutable_default_in_method": """
        class Api:
            def fetch(self, url, _memo={}):
                if url not in _memo:
                    _memo[url] = url.upper()  # expect: LAM201
                return _memo[url]
        api = Api()
        def handler(event, context):
            return api.fetch(event["url"])
    """,
    "mutable_default_defaultdict": """
        import collections
        def tally(key, _counts=collections.defaultdict(int)):
            _counts[key] += 1  # expect: LAM201
            return _counts[key]
        def handler(event, context):
            return tally(event["key"])
    """,
    "mutable_default_none_idiom": """
        def collect(item, out=None):
            if out is None:
                out = []
            out.append(item)
            return out
        def handler(event, context):
            return collect(event)
    """,
    "mutable_default_read_only": """
        def pick(key, table={"a": 1, "b": 2}):
            return table.get(key)
        def handler(event, context):
            return pick(event["k"])
    """,
    "mutable_default_copy": """
        def merge(extra, base={"a": 1}):
            out = dict(base)
            out.update(extra)
            return out
        def handler(event, context):
            return merge(event)
    """,
    "dict_rebind_comprehension_filter": """
        CACHE = {}
        def handler(event, context):
            global CACHE
            CACHE = {k: v for k, v in CACHE.items() if v > 0}
            CACHE[event["id"]] = 1
    """,
    "list_rebind_prepend": """
        RECENT = []
        def handler(event, context):
            global RECENT
            RECENT = [event] + RECENT  # expect: LAM201
    """,
    "list_rebind_prepend_slice": """
        RECENT = []
        def handler(event, context):
            global RECENT
            RECENT = ([event] + RECENT)[:10]
    """,
    "list_star_rebind": """
        RECENT = []
        def handler(event, context):
            global RECENT
            RECENT = [*RECENT, event]  # expect: LAM201
    """,
    "dict_or_rebind_fresh_not_self": """
        DEFAULTS = {"a": 1}
        CFG = {}
        def handler(event, context):
            global CFG
            CFG = DEFAULTS | event
    """,
    "assign_lru_none": """
        import functools
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = functools.lru_cache(maxsize=None)(fetch)  # expect: LAM202
        def handler(event, context):
            return cached_fetch(event["user_id"])
    """,
    "assign_lru_none_positional": """
        from functools import lru_cache
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = lru_cache(None)(fetch)  # expect: LAM202
        def handler(event, context):
            return cached_fetch(event["user_id"])
    """,
    "assign_cache": """
        import functools
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = functools.cache(fetch)  # expect: LAM202
        def handler(event, context):
            return cached_fetch(event["user_id"])
    """,
    "assign_cache_same_name": """
        import functools
        def fetch(user_id):
            return {"id": user_id}
        fetch = functools.cache(fetch)  # expect: LAM202
        def handler(event, context):
            return fetch(event["user_id"])
    """,
    "assign_cachetools_cached_dict": """
        import cachetools
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = cachetools.cached(cache={})(fetch)  # expect: LAM202
        def handler(event, context):
            return cached_fetch(event["user_id"])
    """,
    "assign_cachetools_cached_dict_positional": """
        from cachetools import cached
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = cached({})(fetch)  # expect: LAM202
        def handler(event, context):
            return cached_fetch(event["user_id"])
    """,
    "assign_lru_bounded": """
        import functools
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = functools.lru_cache(maxsize=256)(fetch)
        bare = functools.lru_cache(fetch)
        def handler(event, context):
            return cached_fetch(event["user_id"]), bare(event["user_id"])
    """,
    "assign_cachetools_bounded": """
        import cachetools
        def fetch(user_id):
            return {"id": user_id}
        cached_fetch = cachetools.cached(cache=cachetools.TTLCache(maxsize=10, ttl=60))(fetch)
        def handler(event, context):
            return cached_fetch(event["user_id"])
    """,
    "assign_cache_constant_args": """
        import functools
        def fetch(name):
            return {"id": name}
        cached_fetch = functools.cache(fetch)
        def handler(event, context):
            return cached_fetch("settings")
    """,
    "assign_cache_lambda": """
        import functools
        cached_upper = functools.cache(lambda s: s.upper())  # expect: LAM202
        def handler(event, context):
            return cached_upper(event["s"])
    """,
    "assign_in_function_not_module": """
        import functools
        def fetch(user_id):
            return {"id": user_id}
        def handler(event, context):
            f = functools.cache(fetch)
            return f(event["user_id"])
    """,
    "assign_from_other_module": {
        "memo.py": """
            import functools
            def fetch(user_id):
                return {"id": user_id}
            cached_fetch = functools.lru_cache(maxsize=None)(fetch)  # expect: LAM202
        """,
        "app.py": """
            from memo import cached_fetch
            def handler(event, context):
                return cached_fetch(event["user_id"])
        """,
    },
    "assign_module_attr": {
        "memo.py": """
            import functools
            def fetch(user_id):
                return {"id": user_id}
            cached_fetch = functools.cache(fetch)  # expect: LAM202
        """,
        "app.py": """
            import memo
            def handler(event, context):
                return memo.cached_fetch(event["user_id"])
        """,
    },
    "decorator_method_cache": """
        import functools
        class Repo:
            @functools.cache  # expect: LAM202
            def get(self, key):
                return key
        repo = Repo()
        def handler(event, context):
            return repo.get(event["key"])
    """,
    "zipfile_write_event": """
        import zipfile
        def handler(event, context):
            with zipfile.ZipFile(f"/tmp/{event['id']}.zip", "w") as z:  # expect: LAM203
                z.writestr("a", "b")
    """,
    "zipfile_read_event": """
        import zipfile
        def handler(event, context):
            with zipfile.ZipFile(f"/tmp/{event['id']}.zip") as z:
                return z.namelist()
    """,
    "zipfile_mode_kw": """
        import zipfile
        def handler(event, context):
            path = f"/tmp/{event['id']}.zip"
            z = zipfile.ZipFile(path, mode="w")  # expect: LAM203
            z.close()
    """,
    "tarfile_open_w": """
        import tarfile
        def handler(event, context):
            with tarfile.open(f"/tmp/{event['id']}.tar.gz", "w:gz") as t:  # expect: LAM203
                pass
    """,
    "tarfile_open_r": """
        import tarfile
        def handler(event, context):
            with tarfile.open(f"/tmp/{event['id']}.tar.gz", "r:gz") as t:
                return t.getnames()
    """,
    "shutil_copy_event": """
        import shutil
        def handler(event, context):
            shutil.copy("/var/task/x", f"/tmp/{event['id']}")  # expect: LAM203
    """,
    "shutil_copyfile": """
        import shutil
        def handler(event, context):
            shutil.copyfile("/var/task/x", "/tmp/" + event["name"])  # expect: LAM203
    """,
    "shutil_unpack": """
        import shutil
        def handler(event, context):
            shutil.unpack_archive("/var/task/a.zip", f"/tmp/{event['id']}")  # expect: LAM203
    """,
    "shutil_make_archive": """
        import shutil
        def handler(event, context):
            shutil.make_archive(f"/tmp/{event['id']}", "zip", "/var/task")  # expect: LAM203
    """,
    "shutil_copytree": """
        import shutil
        def handler(event, context):
            shutil.copytree("/var/task/site", f"/tmp/{event['id']}")  # expect: LAM203
    """,
    "open_write_event": """
        def handler(event, context):
            with open("/tmp/" + event["name"], "wb") as f:  # expect: LAM203
                f.write(b"x")
    """,
    "io_open_write": """
        import io
        def handler(event, context):
            with io.open("/tmp/%s.txt" % event["name"], "w") as f:  # expect: LAM203
                f.write("x")
    """,
    "path_write_text": """
        from pathlib import Path
        def handler(event, context):
            Path(f"/tmp/{event['id']}.txt").write_text("x")  # expect: LAM203
    """,
    "path_open_w": """
        from pathlib import Path
        def handler(event, context):
            p = Path("/tmp") / event["id"]
            with p.open("w") as f:  # expect: LAM203
                f.write("x")
    """,
    "path_open_r": """
        from pathlib import Path
        def handler(event, context):
            p = Path("/tmp") / event["id"]
            with p.open() as f:
                return f.read()
    """,
    "path_div_write_bytes": """
        import pathlib
        TMP = pathlib.Path("/tmp")
        def handler(event, context):
            (TMP / event["id"]).write_bytes(b"x")  # expect: LAM203
    """,
    "os_rename_target": """
        import os
        def handler(event, context):
            with open("/tmp/incoming", "w") as f:
                f.write("x")
            os.rename("/tmp/incoming", f"/tmp/{event['id']}.done")  # expect: LAM203
    """,
    "os_replace_target": """
        import os
        def handler(event, context):
            os.replace("/tmp/incoming", "/tmp/" + event["id"])  # expect: LAM203
    """,
    "urlretrieve": """
        import urllib.request
        def handler(event, context):
            urllib.request.urlretrieve(event["url"], f"/tmp/{event['id']}")  # expect: LAM203
    """,
    "urlretrieve_from_import": """
        from urllib.request import urlretrieve
        def handler(event, context):
            urlretrieve(event["url"], "/tmp/" + event["id"])  # expect: LAM203
    """,
    "boto3_download_kw": """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            s3.download_file(Bucket="b", Key=event["key"], Filename=f"/tmp/{event['key']}")  # expect: LAM203
    """,
    "boto3_resource_bucket_download": """
        import boto3
        s3 = boto3.resource("s3")
        def handler(event, context):
            s3.Bucket("b").download_file(event["key"], f"/tmp/{event['key']}")  # expect: LAM203
    """,
    "boto3_resource_bucket_var": """
        import boto3
        bucket = boto3.resource("s3").Bucket("b")
        def handler(event, context):
            bucket.download_file(event["key"], f"/tmp/{event['key']}")  # expect: LAM203
    """,
    "boto3_object_download": """
        import boto3
        s3 = boto3.resource("s3")
        def handler(event, context):
            s3.Object("b", event["key"]).download_file(f"/tmp/{event['key']}")  # expect: LAM203
    """,
    "boto3_download_fileobj": """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            with open(f"/tmp/{event['key']}", "wb") as f:  # expect: LAM203
                s3.download_fileobj("b", event["key"], f)
    """,
    "subprocess_run_tmp": """
        import subprocess
        def handler(event, context):
            src = "/var/task/in.png"
            subprocess.run(["convert", src, f"/tmp/{event['key']}.png"], check=True)  # expect: LAM203
    """,
    "subprocess_check_call_tmp": """
        import subprocess
        def handler(event, context):
            out = "/tmp/" + event["key"] + ".pdf"
            subprocess.check_call(["libreoffice", "--convert-to", "pdf", "--outdir", out])  # expect: LAM203
    """,
    "subprocess_const_tmp": """
        import subprocess
        def handler(event, context):
            subprocess.run(["convert", "/var/task/in.png", "/tmp/out.png"], check=True)
    """,
    "subprocess_tmp_removed": """
        import os, subprocess
        def handler(event, context):
            out = f"/tmp/{event['key']}.png"
            subprocess.run(["convert", "/var/task/in.png", out], check=True)
            os.remove(out)
    """,
    "rm_rf_os_system_before": """
        import os, uuid
        def handler(event, context):
            os.system("rm -rf /tmp/*")
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "rm_rf_subprocess_before": """
        import subprocess, uuid
        def handler(event, context):
            subprocess.run(["rm", "-rf", "/tmp/work"], check=True)
            with open(f"/tmp/work/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "rm_rf_subprocess_shell": """
        import subprocess, uuid
        def handler(event, context):
            subprocess.call("rm -rf /tmp/*", shell=True)
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "rmtree_before": """
        import os, shutil, uuid
        def handler(event, context):
            shutil.rmtree("/tmp/work", ignore_errors=True)
            os.makedirs("/tmp/work", exist_ok=True)
            with open(f"/tmp/work/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "listdir_loop_remove": """
        import os, uuid
        def clean_tmp():
            for name in os.listdir("/tmp"):
                path = os.path.join("/tmp", name)
                if os.path.isfile(path):
                    os.remove(path)
        def handler(event, context):
            clean_tmp()
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "glob_loop_remove": """
        import glob, os, uuid
        def handler(event, context):
            for f in glob.glob("/tmp/*.json"):
                os.unlink(f)
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "temporary_directory_write": """
        import os, tempfile
        def handler(event, context):
            with tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, event["name"]), "w") as f:
                    f.write("x")
    """,
    "temporary_directory_object_cleanup": """
        import os, tempfile
        def handler(event, context):
            d = tempfile.TemporaryDirectory()
            try:
                with open(os.path.join(d.name, event["name"]), "w") as f:
                    f.write("x")
            finally:
                d.cleanup()
    """,
    "os_system_unrelated": """
        import os, uuid
        def handler(event, context):
            os.system("ls -la /tmp")
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:  # expect: LAM203
                f.write("{}")
    """,
    "subprocess_rm_other_folder": """
        import subprocess, uuid
        def handler(event, context):
            subprocess.run(["rm", "-rf", "/var/cache/x"])
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:  # expect: LAM203
                f.write("{}")
    """,
    "remove_via_pathlib_glob": """
        import uuid
        from pathlib import Path
        def handler(event, context):
            for p in Path("/tmp").glob("*.json"):
                p.unlink()
            Path(f"/tmp/{uuid.uuid4()}.json").write_text("x")
    """,
    "module_tmp_dir_const_join": """
        import os
        TMP_DIR = "/tmp"
        def handler(event, context):
            path = os.path.join(TMP_DIR, event["key"])
            with open(path, "wb") as f:  # expect: LAM203
                f.write(b"x")
    """,
    "module_tmp_dir_fstring": """
        TMP_DIR = "/tmp/reports"
        def handler(event, context):
            with open(f"{TMP_DIR}/{event['id']}.csv", "w") as f:  # expect: LAM203
                f.write("x")
    """,
    "local_gettempdir": """
        import tempfile, uuid
        def handler(event, context):
            tmp = tempfile.gettempdir()
            with open(f"{tmp}/{uuid.uuid4()}.json", "w") as f:  # expect: LAM203
                f.write("{}")
    """,
    "module_tmp_path_obj": """
        from pathlib import Path
        WORK = Path("/tmp/work")
        def handler(event, context):
            (WORK / event["id"]).write_text("x")  # expect: LAM203
    """,
    "module_tmp_dir_rebound_not_tmp": """
        import os
        TMP_DIR = "/tmp"
        TMP_DIR = os.environ["DIR"]
        def handler(event, context):
            with open(os.path.join(TMP_DIR, event["key"]), "wb") as f:
                f.write(b"x")
    """,
    "subprocess_local_out": """
        import subprocess
        def handler(event, context):
            out = f"/tmp/{event['key']}.png"
            subprocess.run(["convert", "/var/task/in.png", out], check=True)  # expect: LAM203
    """,
    "subprocess_local_out_removed_shell": """
        import os, subprocess
        def handler(event, context):
            out = f"/tmp/{event['key']}.png"
            subprocess.run(["convert", "/var/task/in.png", out], check=True)
            os.system(f"rm -f {out}")
    """,
    "shell_rm_fstring_tmp": """
        import os, uuid
        def handler(event, context):
            name = uuid.uuid4().hex
            with open(f"/tmp/{name}.json", "w") as f:
                f.write("{}")
            os.system(f"rm -f /tmp/{name}.json")
    """,
    "shell_find_delete": """
        import subprocess, uuid
        def handler(event, context):
            subprocess.run("find /tmp -type f -mmin +5 -delete", shell=True)
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
    """,
    "shell_find_no_delete": """
        import subprocess, uuid
        def handler(event, context):
            subprocess.run("find /tmp -type f", shell=True)
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:  # expect: LAM203
                f.write("{}")
    """,
    "mkstemp_replaced": """
        import os, tempfile, json
        def handler(event, context):
            fd, tmp = tempfile.mkstemp(dir="/tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(event, f)
            os.replace(tmp, "/tmp/latest.json")
    """,
    "subprocess_rm_list_var": """
        import subprocess, uuid
        def handler(event, context):
            work = f"/tmp/{uuid.uuid4()}"
            subprocess.run(["mkdir", "-p", work])  # writer by argv  # expect: LAM203
    """,
    "subprocess_mkdir_then_rm": """
        import subprocess, uuid
        def handler(event, context):
            work = f"/tmp/{uuid.uuid4()}"
            subprocess.run(["mkdir", "-p", work])
            try:
                return work
            finally:
                subprocess.run(["rm", "-rf", work])
    """,
    "zip_in_tmpdir_context": """
        import os, tempfile, zipfile
        def handler(event, context):
            with tempfile.TemporaryDirectory() as d:
                with zipfile.ZipFile(os.path.join(d, event["name"] + ".zip"), "w") as z:
                    z.writestr("a", "b")
    """,
    "df_to_csv_tmp": """
        import pandas as pd
        def handler(event, context):
            df = pd.DataFrame(event["rows"])
            df.to_csv(f"/tmp/{event['id']}.csv")  # expect: LAM203
    """,
    "df_to_csv_fixed": """
        import pandas as pd
        def handler(event, context):
            df = pd.DataFrame(event["rows"])
            df.to_csv("/tmp/out.csv")
    """,
    "img_save_then_remove": """
        import os
        from PIL import Image
        def handler(event, context):
            img = Image.new("RGB", (1, 1))
            out = f"/tmp/{event['id']}.png"
            img.save(out)
            os.remove(out)
    """,
    "zip_open_member_write": """
        import zipfile
        def handler(event, context):
            with zipfile.ZipFile("/tmp/out.zip", "w") as z:
                with z.open("data.csv", "w") as f:
                    f.write(b"x")
    """,
    "sqlite_tmp_db": """
        import sqlite3
        def handler(event, context):
            conn = sqlite3.connect(f"/tmp/{event['tenant']}.db")  # expect: LAM203
            conn.close()
    """,
    "download_in_tmp_listing_cleanup_helper": """
        import os, boto3
        s3 = boto3.client("s3")
        def _clear():
            for name in os.listdir("/tmp"):
                os.remove(os.path.join("/tmp", name))
        def handler(event, context):
            _clear()
            s3.download_file("b", event["key"], f"/tmp/{event['key']}")
    """,
    "early_return_handlers": """
        import logging
        logger = logging.getLogger(__name__)
        def setup():
            if logger.handlers:
                return
            logger.addHandler(logging.StreamHandler())
        def handler(event, context):
            setup()
    """,
    "early_return_flag": """
        import logging
        _done = False
        def setup():
            global _done
            if _done:
                return
            logging.getLogger().addHandler(logging.StreamHandler())
            _done = True
        def handler(event, context):
            setup()
    """,
    "handlers_append": """
        import logging
        logger = logging.getLogger()
        def handler(event, context):
            logger.handlers.append(logging.StreamHandler())  # expect: LAM204
    """,
    "handlers_append_guarded": """
        import logging
        logger = logging.getLogger()
        def handler(event, context):
            if not logger.handlers:
                logger.handlers.append(logging.StreamHandler())
    """,
    "handlers_reset_then_add": """
        import logging
        logger = logging.getLogger()
        def handler(event, context):
            logger.handlers = []
            logger.addHandler(logging.StreamHandler())
    """,
    "handlers_clear_then_add": """
        import logging
        logger = logging.getLogger()
        def handler(event, context):
            logger.handlers.clear()
            logger.addHandler(logging.StreamHandler())
    """,
    "atexit_in_handler_flag_early": """
        import atexit
        _registered = False
        def flush():
            pass
        def handler(event, context):
            global _registered
            if _registered:
                return
            atexit.register(flush)
            _registered = True
    """,
    "mutable_default_passed_by_kwargs_splat": """
        def collect(item, out=[]):
            out.append(item)
            return out
        def handler(event, context):
            opts = {"out": []}
            return collect(event, **opts)
    """,
    "mutable_default_update_from_event": """
        def build(extra, headers={}):
            headers.update(extra)  # expect: LAM201  # expect: LAM501 (as for a module-level dict: the next caller sees these keys)
            return headers
        def handler(event, context):
            return build(event["headers"])
    """,
    "mutable_default_passed_positionally": """
        def build(extra, headers={}):
            headers.update(extra)
            return headers
        def handler(event, context):
            return build(event["headers"], {})
    """,
    "memo_arg_checked_against_constants": """
        import functools
        RENDERERS = {"pdf": 1, "html": 2}
        @functools.cache
        def renderer(kind):
            return RENDERERS[kind]
        def handler(event, context):
            kind = event["format"]
            if kind not in RENDERERS:
                return {"statusCode": 400}
            return renderer(kind)
    """,
    "memo_arg_checked_in_caller": """
        import functools
        @functools.cache
        def template(lang):
            return lang.upper()
        def render(lang):
            return template(lang)
        def handler(event, context):
            lang = event["lang"]
            if lang not in ("en", "fr", "de"):
                lang = "en"
            return render(lang)
    """,
    "memo_arg_other_unchecked": """
        import functools
        @functools.cache  # expect: LAM202
        def price(region, sku):
            return 1
        def handler(event, context):
            region = event["region"]
            if region not in ("eu", "us"):
                raise ValueError(region)
            return price(region, event["sku"])
    """,
    "command_reads_file_another_writer_made": """
        import subprocess
        def handler(event, context):
            out = f"/tmp/{event['id']}.csv"
            with open(out, "w") as f:  # expect: LAM203
                f.write("x")
            subprocess.run(["aws", "s3", "cp", out, "s3://bucket/"], check=True)
    """,
    "command_output_then_upload": """
        import subprocess
        def handler(event, context):
            out = f"/tmp/{event['id']}.mp4"
            subprocess.run(["ffmpeg", "-i", "/var/task/in.mp4", out], check=True)  # expect: LAM203
            subprocess.run(["aws", "s3", "cp", out, "s3://bucket/"], check=True)
    """,
    "allowed_subscript_check_does_not_bound_other_subscript": """
        KINDS = {"a", "b"}
        COUNTS = {}
        def handler(event, context):
            if event["kind"] not in KINDS:
                raise ValueError("kind")
            COUNTS[event["id"]] = 1  # expect: LAM201
    """,
    "allowed_attribute_check": """
        KINDS = {"a", "b"}
        COUNTS = {}
        def handler(event, context):
            request = parse(event)
            if request.kind not in KINDS:
                raise ValueError("kind")
            COUNTS[request.kind] = COUNTS.get(request.kind, 0) + 1
        def parse(event):
            return event
    """,
    "fstring_stable_parts_memo": """
        import functools, os
        STAGE = os.environ.get("STAGE", "dev")
        @functools.cache
        def get_param(name):
            return name
        def handler(event, context):
            return get_param(f"/{STAGE}/db/password")
    """,
    "fstring_stable_parts_dict": """
        import os
        STAGE = os.environ["STAGE"]
        _params = {}
        def get_param(name):
            if name not in _params:
                _params[name] = name.upper()
            return _params[name]
        def handler(event, context):
            return get_param(f"/{STAGE}/db/password")
    """,
    "fstring_event_part_dict": """
        import os
        STAGE = os.environ["STAGE"]
        _params = {}
        def handler(event, context):
            _params[f"/{STAGE}/{event['name']}"] = 1  # expect: LAM201
    """,
    "concat_stable_parts": """
        import os
        PREFIX = os.environ["PREFIX"]
        _params = {}
        def handler(event, context):
            _params[PREFIX + "/db"] = 1
    """,
    "class_attr_through_instance": """
        class Repo:
            cache = {}
            def get(self, key):
                if key not in self.cache:
                    self.cache[key] = key.upper()  # expect: LAM201
                return self.cache[key]
        repo = Repo()
        def handler(event, context):
            return repo.get(event["key"])
    """,
    "class_attr_shadowed_by_instance_attr": """
        class Repo:
            cache = {}
            def __init__(self):
                self.cache = {}
            def reset(self):
                self.cache = {}
            def get(self, key):
                self.reset()
                self.cache[key] = key.upper()
                return self.cache[key]
        repo = Repo()
        def handler(event, context):
            return repo.get(event["key"])
    """,
    "class_attr_per_invocation_instance": """
        class Repo:
            cache = {}
            def get(self, key):
                self.cache[key] = key.upper()
                return self.cache[key]
        def handler(event, context):
            return Repo().get(event["key"])
    """,
    "fill_once_in_helper_after_membership_exit": """
        import json
        cache = {}
        def _refresh():
            document = json.loads("{}")
            for key in document["keys"]:
                cache[key["kid"]] = key
            cache["keys"] = document["keys"]
        def get_keys():
            if "keys" in cache:
                return cache["keys"]
            _refresh()
            return cache["keys"]
        def handler(event, context):
            return get_keys()
    """,
    "fill_once_with_ttl": """
        import json, time
        cache = {}
        _loaded_at = 0.0
        def get_config():
            global _loaded_at
            if cache and time.time() - _loaded_at < 300:
                return cache
            cache.clear()
            cache.update(json.loads("{}"))
            _loaded_at = time.time()
            return cache
        def handler(event, context):
            return get_config()
    """,
}


def story(d) -> str:
    """Everything a finding tells: headline, the primary label, the labelled places, notes."""
    return "\n".join([d.message, d.label] + [f"{l.path}:{l.span[0]}: {l.text}" for l in d.labels] + list(d.notes))


@pytest.mark.parametrize("name", sorted(CASES))
def test_spelling(tmp_path, name):
    case = CASES[name]
    write_project(tmp_path, case if isinstance(case, dict) else {"app.py": case})
    result = run_check([str(tmp_path)], Settings())
    assert not result.internal_errors, result.internal_errors
    assert found(result.diagnostics) == expected_markers(tmp_path), [d.message for d in result.diagnostics]
    for d in result.diagnostics:
        assert "`handler`" in story(d), story(d)  # the handler is named: in a label or a note
        assert d.fix is not None, d.message
