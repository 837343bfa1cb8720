"""LAM202's safe fix applied to real fixtures, the growth catalogue loader, its
configuration, and the fixes the other growth rules attach."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from helpers import write_project
from lambdalint.knowledge.resources import CatalogError
from lambdalint.project.config import ConfigError, Settings, parse_settings
from lambdalint.report.diagnostics import DISPLAY_ONLY, SAFE, UNSAFE
from lambdalint.knowledge.growth import load_growth_catalog, parse_user
from lambdalint.run import run_check
from test_fixtures_growth import parse_header, run_and_measure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def apply_edits(text: str, edits) -> str:
    """Apply non-overlapping edits (1-based lines, 0-based columns), last first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for edit in sorted(edits, key=lambda e: e.span[:2], reverse=True):
        line, col, end_line, end_col = edit.span
        start, end = offsets[line - 1] + col, offsets[end_line - 1] + end_col
        text = text[:start] + edit.content + text[end:]
    return text


def _check(paths, settings=Settings()):
    result = run_check([str(p) for p in paths], settings)
    assert not result.internal_errors, result.internal_errors
    return result.diagnostics


@pytest.mark.parametrize("name,expected", [
    ("bad_functools_cache.py", "@functools.lru_cache(maxsize=128)"),
    ("bad_lru_cache_none_helper.py", "@lru_cache(maxsize=128)"),
    ("bad_cachetools_func_lru_none.py", "@cachetools.func.lru_cache(maxsize=128)"),
])
def test_lam202_safe_fix_bounds_the_memoiser(tmp_path, name, expected):
    copy = tmp_path / name
    shutil.copy(FIXTURES / "lam202" / name, copy)
    [diag] = [d for d in _check([copy]) if d.code == "LAM202"]
    assert diag.fix is not None and diag.fix.applicability == SAFE
    fixed = apply_edits(copy.read_text(encoding="utf-8"), diag.fix.edits)
    assert expected in fixed
    copy.write_text(fixed, encoding="utf-8")
    compile(fixed, str(copy), "exec")
    assert [d for d in _check([copy]) if d.code == "LAM202"] == []


def test_lam202_fixed_fixture_stays_flat_when_warm(tmp_path):
    """The fix is not only quiet: the fixed module's cache stops growing (bound set to 2 to see it)."""
    copy = tmp_path / "bad_functools_cache.py"
    shutil.copy(FIXTURES / "lam202" / "bad_functools_cache.py", copy)
    settings = Settings(options={"memoizer-maxsize": 2})
    [diag] = [d for d in _check([copy], settings) if d.code == "LAM202"]
    fixed = apply_edits(copy.read_text(encoding="utf-8"), diag.fix.edits)
    lines = fixed.splitlines(keepends=True)
    assert lines[0].startswith("# lambdalint-growth: grows")
    lines[0] = "# lambdalint-growth: flat entry=handler measure=load_profile.cache_info().currsize\n"
    copy.write_text("".join(lines), encoding="utf-8")
    spec = parse_header(copy)
    values = run_and_measure(spec)
    assert values[-3:] == [2, 2, 2], values


def _fix(tmp_path, source, unsafe=False):
    from lambdalint.knowledge.resources import load_catalog
    from lambdalint.fix import fix_project

    write_project(tmp_path, {"app.py": source})
    outcome = fix_project([str(tmp_path)], Settings(), load_catalog(), unsafe=unsafe)
    assert not outcome.problems, outcome.problems
    return (tmp_path / "app.py").read_text(encoding="utf-8"), outcome


def test_lam202_bare_cache_is_bounded_and_imported_by_the_engine(tmp_path):
    text, outcome = _fix(tmp_path, """
        from functools import cache

        @cache
        def f(x):
            return x

        def handler(event, context):
            return f(event["x"])
    """)
    assert "@lru_cache(maxsize=128)" in text
    assert "from functools import cache, lru_cache" in text or "from functools import lru_cache" in text
    assert [d.code for d in outcome.fixed] == ["LAM202"]
    assert outcome.result.diagnostics == []


def test_lam202_text_edit_through_the_engine(tmp_path):
    text, outcome = _fix(tmp_path, """
        import functools

        @functools.lru_cache(maxsize=None, typed=True)
        def f(x):
            return x

        def handler(event, context):
            return f(event["x"])
    """)
    assert "@functools.lru_cache(maxsize=128, typed=True)" in text
    assert outcome.result.diagnostics == []


def test_lam204_hoist_through_the_engine_with_unsafe_fixes(tmp_path):
    source = """
        import atexit

        def handler(event, context):
            atexit.register(flush)

        def flush():
            pass
    """
    text, outcome = _fix(tmp_path, source)
    assert "    atexit.register(flush)" in text  # unsafe: not applied by --fix alone
    text, outcome = _fix(tmp_path, source, unsafe=True)
    assert text.rstrip().endswith("\n\natexit.register(flush)"), text
    assert "def handler(event, context):\n    pass" in text
    assert outcome.result.diagnostics == []
    compile(text, "app.py", "exec")


@pytest.mark.parametrize("name,measure,expected", [
    ("bad_lru_cache_assigned.py", "cached_profile.cache_info().currsize",
     "cached_profile = functools.lru_cache(maxsize=2)(load_profile)"),
    ("bad_cache_rebound_same_name.py", "load_profile.cache_info().currsize",
     "load_profile = functools.lru_cache(maxsize=2)(load_profile)"),
])
def test_lam202_assigned_memoiser_fix_runs_flat_when_warm(tmp_path, name, measure, expected):
    """A memoiser made by assignment: the fix engine bounds its call, the result is
    quiet, and invoked warm its cache stops at the bound (2 here, to see it)."""
    from lambdalint.knowledge.resources import load_catalog
    from lambdalint.fix import fix_project

    copy = tmp_path / name
    shutil.copy(FIXTURES / "lam202" / name, copy)
    settings = Settings(options={"memoizer-maxsize": 2})
    outcome = fix_project([str(tmp_path)], settings, load_catalog())
    assert not outcome.problems, outcome.problems
    assert [d.code for d in outcome.fixed] == ["LAM202"]
    assert outcome.result.diagnostics == []
    fixed = copy.read_text(encoding="utf-8")
    assert expected in fixed, fixed
    lines = fixed.splitlines(keepends=True)
    assert lines[0].startswith("# lambdalint-growth: grows")
    lines[0] = f"# lambdalint-growth: flat entry=handler measure={measure}\n"
    copy.write_text("".join(lines), encoding="utf-8")
    values = run_and_measure(parse_header(copy))
    assert values[-3:] == [2, 2, 2], values


def test_lam202_assigned_memoiser_fix_keeps_other_arguments(tmp_path):
    text, outcome = _fix(tmp_path, """
        from functools import cache, lru_cache

        def fetch(key):
            return key

        fetch = cache(fetch)
        typed = lru_cache(None, typed=True)(fetch)

        def handler(event, context):
            return fetch(event["k"]), typed(event["k"])
    """)
    assert "fetch = lru_cache(maxsize=128)(fetch)" in text
    assert "typed = lru_cache(128, typed=True)(fetch)" in text
    assert outcome.result.diagnostics == []


def test_lam202_cachetools_assigned_fix_is_display_only(tmp_path):
    [d] = _check([FIXTURES / "lam202" / "bad_cachetools_cached_assigned.py"])
    assert d.fix.applicability == DISPLAY_ONLY and "LRUCache" in d.fix.message


def _check_source(tmp_path, source, settings=Settings()):
    write_project(tmp_path, {"app.py": source})
    return _check([tmp_path], settings)


def test_lam204_hoist_fix_is_unsafe_when_arguments_are_module_level(tmp_path):
    [d] = _check_source(tmp_path, """
        import atexit

        def flush():
            pass

        def handler(event, context):
            atexit.register(flush)
    """)
    assert d.fix.applicability == UNSAFE and d.fix.action == "hoist-to-module-level"
    assert dict(d.fix.data)["span"].startswith("7:")


def test_lam201_and_lam203_fixes_are_display_only_advice(tmp_path):
    diags = _check_source(tmp_path, """
        import tempfile
        SEEN = []

        def handler(event, context):
            SEEN.append(event)
            return tempfile.mkdtemp()
    """)
    assert {d.code for d in diags} == {"LAM201", "LAM203"}
    for d in diags:
        assert d.fix.applicability == DISPLAY_ONLY and d.fix.message


# --- the catalogue -------------------------------------------------------------------

def test_builtin_growth_catalogue_loads():
    cat = load_growth_catalog()
    assert cat.collection_for(literal="dict").name == "dict"
    assert cat.collection_for("collections.deque").bound_kwargs == ("maxlen",)
    assert cat.collection_for("cachetools.TTLCache").bounded
    assert cat.memoizer_for("functools.cache").unbounded == "always"
    assert cat.memoizer_for("cachetools.func.ttl_cache") is None
    assert cat.registry_function("atexit.register").name == "atexit"
    assert cat.tmp_api("maker", "tempfile.mkstemp") is not None
    assert cat.tmp_api("writer", "zipfile.ZipFile").modes == "wax"
    assert cat.tmp_api("writer", "boto3.resource().Bucket().download_file").path_position == 1
    assert cat.tmp_api("writer", "boto3.client().download_file").path_position == 2
    assert "rm" in cat.tmp_api("remover", "os.system").programs
    assert cat.tmp_api("remover", "os.replace").path_kwarg == "src"
    assert "handlers" in cat.registry_method("addHandler")[0].holds


def test_user_tmp_entries_describe_commands(tmp_path):
    source = """
        import uuid
        import acme.shell

        def handler(event, context):
            acme.shell.run("wipe /tmp")
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:  # expect: LAM203
                f.write("{}")
    """
    assert [d.code for d in _check_source(tmp_path, source)] == ["LAM203"]
    settings = Settings(growth={"tmp": {"acme": {"role": "remover", "calls": ["acme.shell.run"], "path-position": 0,
                                                 "command": True, "programs": ["wipe"]}}})
    assert _check_source(tmp_path, source, settings) == []


def test_user_entries_come_first_and_are_used(tmp_path):
    source = """
        from acme.cache import memo

        @memo
        def f(x):
            return x

        def handler(event, context):
            return f(event["x"])
    """
    assert _check_source(tmp_path, source) == []
    settings = Settings(growth={"memoizer": {"acme": {"decorators": ["acme.cache.memo"], "unbounded": "always"}}})
    [d] = _check_source(tmp_path, source, settings)
    assert d.code == "LAM202"


@pytest.mark.parametrize("table,message", [
    ({"memoiser": {}}, "unknown section 'memoiser'"),
    ({"memoizer": {"x": {"decorators": ["a.b"]}}}, "missing key 'unbounded'"),
    ({"memoizer": {"x": {"decorators": ["a.b"], "unbounded": "sometimes"}}}, "key 'unbounded' must be one of"),
    ({"registry": {"x": {"methods": "add"}}}, "key 'methods' must be an array of strings"),
    ({"registry": {"x": {"effect": "y"}}}, "needs 'functions' or 'methods'"),
    ({"tmp": {"x": {"role": "maker", "calls": ["a b"]}}}, "is not a dotted path"),
    ({"collection": {"x": {"constructors": ["a.B"], "maxlen": 3}}}, "unknown key 'maxlen'"),
    ({"tmp": {"x": {"role": "remover", "calls": ["a.b"], "command": "yes"}}}, "key 'command' must be true or false"),
    ({"registry": {"x": {"methods": ["add"], "holds": "items"}}}, "key 'holds' must be an array of strings"),
])
def test_bad_user_entries_are_clear_config_errors(table, message):
    with pytest.raises(ConfigError) as info:
        parse_settings({"growth": table}, "pyproject.toml", "tool.lambdalint.", ["LAM201"])
    assert message in str(info.value)
    assert str(info.value).startswith("pyproject.toml: ")


def test_parse_user_rejects_non_tables():
    with pytest.raises(CatalogError):
        parse_user(["x"], "pyproject.toml")


def test_memoizer_maxsize_option_is_validated():
    with pytest.raises(ConfigError):
        parse_settings({"options": {"memoizer-maxsize": "big"}}, "pyproject.toml", "tool.lambdalint.", ["LAM202"])
    s = parse_settings({"options": {"memoizer-maxsize": 64}}, "pyproject.toml", "tool.lambdalint.", ["LAM202"])
    assert s.options["memoizer-maxsize"] == 64
