"""LAM201 through an alias of a module-level collection (issue i18, M-3): a default
argument that IS the module dict (``cache=_CACHE``), an attribute that IS it
(``self._cache = _CACHE``), whether the instance is module-level or made per request
(every instance holds the same dict). Each INVALID case marks the adding site with
``# expect: LAM201``; the VALID twins (an instance's own dict, a caller that passes its
own, an attribute rebound to different objects, a key from a fixed set) stay silent."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, write_project
from lambdalint.project.config import Settings
from lambdalint.run import run_check

LAM2 = Settings(select=("LAM201",))

INVALID = {
    "default_argument_is_the_module_dict": """
        _CACHE = {}

        def put(uid, d, cache=_CACHE):
            cache[uid] = d  # expect: LAM201

        def handler(event, context):
            put(event["user"], event)
    """,
    "keyword_only_default_from_another_module": {
        "store.py": """
            SEEN = []
        """,
        "app.py": """
            import store

            def remember(item, *, into=store.SEEN):
                into.append(item)  # expect: LAM201

            def handler(event, context):
                remember(event["id"])
        """,
    },
    "attribute_is_the_module_dict_module_level_instance": """
        _CACHE = {}

        class Mgr:
            def __init__(self):
                self._cache = _CACHE

            def put(self, uid, d):
                self._cache[uid] = d  # expect: LAM201

        MGR = Mgr()

        def handler(event, context):
            MGR.put(event["user"], event)
    """,
    "attribute_is_the_module_dict_instance_per_request": """
        _CACHE = {}

        class Mgr:
            def __init__(self):
                self._cache = _CACHE

            def put(self, uid, d):
                self._cache[uid] = d  # expect: LAM201

        def handler(event, context):
            Mgr().put(event["user"], event)
    """,
    "attribute_alias_set_in_a_base_class_local_instance": """
        _SEEN = set()

        class Base:
            def __init__(self):
                self.seen = _SEEN

        class Tracker(Base):
            def track(self, key):
                self.seen.add(key)  # expect: LAM201

        def handler(event, context):
            t = Tracker()
            t.track(event["id"])
    """,
}

VALID = {
    "default_argument_is_a_fresh_dict_per_call": """
        def put(uid, d, cache=None):
            if cache is None:
                cache = {}
            cache[uid] = d
            return cache

        def handler(event, context):
            return put(event["user"], event)
    """,
    "caller_passes_its_own_dict": """
        _CACHE = {}

        def put(uid, d, cache=_CACHE):
            cache[uid] = d

        def handler(event, context):
            mine = {}
            put(event["user"], event, mine)
            put(event["user"], event, cache=mine)
            return mine
    """,
    "attribute_is_the_instance_own_dict": """
        class Mgr:
            def __init__(self):
                self._cache = {}

            def put(self, uid, d):
                self._cache[uid] = d

        def handler(event, context):
            Mgr().put(event["user"], event)
    """,
    "attribute_rebound_to_another_object": """
        _CACHE = {}

        class Mgr:
            def __init__(self):
                self._cache = _CACHE

            def reset(self):
                self._cache = {}

            def put(self, uid, d):
                self._cache[uid] = d

        def handler(event, context):
            m = Mgr()
            m.reset()
            m.put(event["user"], event)
    """,
    "alias_with_a_key_from_a_fixed_set": """
        _CACHE = {}
        KINDS = ("a", "b")

        class Mgr:
            def __init__(self):
                self._cache = _CACHE

            def put(self, kind, d):
                if kind not in KINDS:
                    raise ValueError(kind)
                self._cache[kind] = d

        def handler(event, context):
            Mgr().put(event["kind"], event)
    """,
    "alias_evicted_before_adding": """
        _CACHE = {}

        def put(uid, d, cache=_CACHE):
            if len(cache) >= 100:
                cache.clear()
            cache[uid] = d

        def handler(event, context):
            put(event["user"], event)
    """,
}


def _run(tmp_path, case):
    write_project(tmp_path, case if isinstance(case, dict) else {"app.py": case})
    result = run_check([str(tmp_path)], LAM2)
    assert not result.internal_errors, result.internal_errors
    return result.diagnostics


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = _run(tmp_path, INVALID[name])
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = _run(tmp_path, VALID[name])
    assert diagnostics == [], [d.message for d in diagnostics]


def test_alias_finding_points_at_the_module_dict(tmp_path):
    (d,) = _run(tmp_path, INVALID["attribute_is_the_module_dict_instance_per_request"])
    made = [label for label in d.labels if label.text == "dict created at import"]
    assert [label.span[0] for label in made] == [1]  # `_CACHE = {}`, not the attribute
