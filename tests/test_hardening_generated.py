"""Generated code (hypothesmith): ``check`` never raises, and ``--fix`` output
always parses and is stable (a second ``--fix`` changes nothing).

Each generated module is checked as it is, and again wrapped into a Lambda
module: a module-level connection, the generated code inside a handler that
tears the connection down, so that rules and fixes run around arbitrary code.
Example counts are modest to keep the suite fast; raise them with
``LAMBDALINT_HYPOTHESIS_EXAMPLES`` for a longer hunt.
"""

from __future__ import annotations

import ast
import os
import textwrap
import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from lambdalint.project.config import Settings  # noqa: E402
from lambdalint.fix import fix_project  # noqa: E402
from lambdalint.run import run_check  # noqa: E402

# Tens of seconds; and hypothesmith compiles every program it generates, deliberately
# odd ones included (`"a"()`): CPython's compiler warns about those (SyntaxWarning:
# 'str' object is not callable). They are hypothesmith's, made on purpose, not ours.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::SyntaxWarning")]

EXAMPLES = int(os.environ.get("LAMBDALINT_HYPOTHESIS_EXAMPLES", "40"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                          HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])

WRAPPER = '''\
import sqlite3
conn = sqlite3.connect(":memory:")


def handler(event, context):
    conn.execute("select 1")
{body}
    conn.close()
    return None
'''


def wrapped(source: str) -> str:
    """The generated code as the body of a handler that closes a global connection."""
    body = textwrap.indent(source, "    ") if source.strip() else "    pass\n"
    if not body.endswith("\n"):
        body += "\n"
    return WRAPPER.format(body=body.rstrip("\n"))


def parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except SyntaxError:
        return False
    return True


def check_and_fix(root: Path, name: str, text: str) -> None:
    path = root / name
    path.write_text(text, encoding="utf-8")
    result = run_check([str(root)], Settings())
    assert not result.internal_errors, result.internal_errors
    assert not [d for d in result.diagnostics if d.code == "LAM000"], [d.message for d in result.diagnostics]
    outcome = fix_project([str(root)], Settings(), result_catalog(), unsafe=True)
    assert not [p for p in outcome.problems if "internal error" in p], outcome.problems
    first = path.read_bytes()
    if parses(text.encode("utf-8")):
        assert parses(first), first.decode("utf-8", "replace")
    again = fix_project([str(root)], Settings(), result_catalog(), unsafe=True)
    assert not again.fixed, [d.message for d in again.fixed]
    assert path.read_bytes() == first


_CATALOG = []


def result_catalog():
    if not _CATALOG:
        from lambdalint.knowledge.resources import load_catalog

        _CATALOG.append(load_catalog({}))
    return _CATALOG[0]


@PROFILE
@given(source=hypothesmith.from_grammar())
def test_generated_modules_never_crash_check_or_fix(tmp_path_factory, source):
    root = tmp_path_factory.mktemp("gen")
    check_and_fix(root, "module.py", source)


@PROFILE
@given(source=hypothesmith.from_node())
def test_generated_code_inside_a_handler(tmp_path_factory, source):
    root = tmp_path_factory.mktemp("gen")
    text = wrapped(source)
    check_and_fix(root, "app.py", text)
    if parses(text.encode("utf-8")):
        # the wrapper's own bug is found whatever the generated code does, unless
        # that code leaves the handler first or rebinds the names involved
        final = (root / "app.py").read_text(encoding="utf-8")
        assert "def handler(event, context):" in final
