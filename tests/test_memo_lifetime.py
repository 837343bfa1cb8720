"""A memoiser's cache lives as long as the function it decorates: a function defined
inside another is made anew (its cache empty) by every call, unless it escapes into
module state (``lambdalint.model.memo_lifetime``)."""

from __future__ import annotations

import pytest

from helpers import lint

HEAD = """
    import functools

    _LOOKUPS = {}
    _kept = None


    class Registry:
        lookup = None


"""

LOCAL = """
    def handler(event, context):
        @functools.lru_cache(maxsize=None)
        def lookup(key):
            return key.upper()
        return lookup(event["user_id"])
"""

RETURNED_PER_CALL = """
    def make_lookup(prefix):
        @functools.cache
        def lookup(key):
            return prefix + key
        return lookup


    def handler(event, context):
        lookup = make_lookup(event["prefix"])
        return lookup(event["user_id"])
"""

IN_CLASS_ATTRIBUTE = """
    def handler(event, context):
        if Registry.lookup is None:
            @functools.lru_cache(maxsize=None)
            def lookup(key):
                return key.upper()
            Registry.lookup = lookup
        return Registry.lookup(event["user_id"])
"""

IN_CONTAINER_CALLED_BY_NAME = """
    def handler(event, context):
        @functools.lru_cache(maxsize=None)
        def lookup(key):
            return key.upper()
        _LOOKUPS.setdefault("upper", lookup)
        return lookup(event["user_id"])
"""

RETURNED_AND_KEPT_BY_A_HELPER = """
    def make_lookup():
        @functools.cache
        def lookup(key):
            return key.upper()
        return lookup


    def _lookup():
        global _kept
        if _kept is None:
            _kept = make_lookup()
        return _kept


    def handler(event, context):
        return _lookup()(event["user_id"])
"""


# what the function returns is kept, not the function (the review's shapes)
RESULT_KEPT = """
    LAST = {}


    def handler(event, context):
        @functools.lru_cache(maxsize=None)
        def price(sku):
            return len(sku)
        LAST["total"] = price(event["sku"])
        _LOOKUPS.setdefault("last", price(event["sku"]))
        return LAST["total"]
"""


@pytest.mark.parametrize("body", [LOCAL, RETURNED_PER_CALL, RESULT_KEPT], ids=["local", "returned-per-call", "result-kept"])
def test_a_cache_made_per_call_is_not_reported(tmp_path, body):
    assert [d.code for d in lint(tmp_path, {"app.py": HEAD + body})] == []


@pytest.mark.parametrize("body", [IN_CLASS_ATTRIBUTE, RETURNED_AND_KEPT_BY_A_HELPER],
                         ids=["class-attribute", "returned-and-kept"])
def test_a_cache_kept_in_module_state_is_reported(tmp_path, body):
    assert [d.code for d in lint(tmp_path, {"app.py": HEAD + body})] == ["LAM202"]


def test_a_function_kept_in_a_container_and_called_by_name_is_reported(tmp_path):
    codes = sorted(d.code for d in lint(tmp_path, {"app.py": HEAD + IN_CONTAINER_CALLED_BY_NAME}))
    assert "LAM202" in codes
