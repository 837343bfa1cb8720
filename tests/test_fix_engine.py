"""The fix engine: formatting kept, convergence, idempotence, validation, safe writes."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path
from typing import Dict

import pytest
from click.testing import CliRunner

from lambdalint.knowledge.resources import load_catalog
from lambdalint.cli import main
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import SAFE, UNSAFE, Diagnostic, Edit, Fix, span_text
from lambdalint.fix import fix_project, engine, writeback
from lambdalint.fix.actions import NodeEdit, Plan, action

CATALOG = load_catalog({})

SQLITE_SETUP = 'import sqlite3\nconn = sqlite3.connect(":memory:")\nconn.execute("create table t (x)")\n'


def fix(root: Path, files: Dict[str, bytes], unsafe: bool = True, write: bool = True):
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return fix_project([str(root)], Settings(), CATALOG, unsafe=unsafe, write=write)


def src(text: str, prefix: str = "") -> bytes:
    return (prefix + textwrap.dedent(text).lstrip("\n")).encode()


def run_handler(path: Path, times: int = 3):
    namespace: Dict[str, object] = {"__name__": "fixture_under_test"}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)
    return [namespace["handler"]({}, None) for _ in range(times)]


# --- formatting ----------------------------------------------------------------------

def test_crlf_and_comments_next_to_the_removed_line_are_kept(tmp_path):
    original = (SQLITE_SETUP + "\n\ndef handler(event, context):\n    conn.execute('insert into t values (1)')\n"
                "    # tidy up\n    conn.close()  # bye\n    # after\n    return 1\n").replace("\n", "\r\n").encode()
    out = fix(tmp_path, {"app.py": original})
    data = (tmp_path / "app.py").read_bytes()
    assert len(out.fixed) == 1
    assert b"conn.close()" not in data
    assert data.count(b"\n") == data.count(b"\r\n")  # no bare LF slipped in
    assert b"    # tidy up\r\n    # after\r\n    return 1\r\n" in data
    assert run_handler(tmp_path / "app.py") == [1, 1, 1]


def test_tabs_are_used_for_inserted_code(tmp_path):
    original = (b"import socket\n\nreader, writer = socket.socketpair()\n\n\n"
                b"def handler(event, context):\n\t\"\"\"Echo.\"\"\"\n\twriter.sendall(b'x')\n"
                b"\tdata = reader.recv(10)\n\tif data:\n\t\twriter.close()\n\t\treader.close()\n\treturn data\n")
    fix(tmp_path, {"app.py": original})
    data = (tmp_path / "app.py").read_bytes()
    assert (b'\t"""Echo."""\n\tglobal reader, writer\n\tif writer.fileno() == -1:\n'
            b'\t\treader, writer = socket.socketpair()\n\twriter.sendall') in data
    assert b"    " not in data  # no space indentation introduced
    assert run_handler(tmp_path / "app.py") == [b"x", b"x", b"x"]


def test_bom_and_coding_cookie_are_kept(tmp_path):
    bom = (b"\xef\xbb\xbf# caf\xc3\xa9\n" + SQLITE_SETUP.encode()
           + b"\ndef handler(event, context):\n    conn.execute('select 1')\n    conn.close()\n")
    latin = ("# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n" + SQLITE_SETUP
             + "\ndef handler(event, context):\n    conn.execute('select ?', (NAME,))\n    conn.close()\n").encode("latin-1")
    fix(tmp_path, {"bom.py": bom, "latin.py": latin})
    assert (tmp_path / "bom.py").read_bytes() == bom.replace(b"    conn.close()\n", b"")
    fixed = (tmp_path / "latin.py").read_bytes()
    assert fixed == latin.replace(b"    conn.close()\n", b"")
    assert b"caf\xe9" in fixed  # still latin-1, not re-encoded as UTF-8


def test_nested_function_teardown_keeps_its_comment(tmp_path):
    original = src(prefix=SQLITE_SETUP, text="""
        def handler(event, context):
            def cleanup():
                # done with it
                conn.close()
            conn.execute("select 1")
            cleanup()
            return 2
    """)
    out = fix(tmp_path, {"app.py": original})
    assert len(out.fixed) == 1
    assert b"    def cleanup():\n        # done with it\n        pass\n" in (tmp_path / "app.py").read_bytes()
    assert run_handler(tmp_path / "app.py") == [2, 2, 2]


def test_recreate_goes_after_docstring_and_existing_globals(tmp_path):
    original = src("""
        import os
        log = open(os.devnull, "w")


        def handler(event, context):
            '''Write a line.'''
            global log
            log.write("x")
            log.close()
            return "ok"
    """)
    fix(tmp_path, {"app.py": original})
    text = (tmp_path / "app.py").read_text()
    assert text.count("global log") == 1
    assert "    global log\n    if log.closed:\n        log = open(os.devnull, \"w\")\n    log.write" in text
    assert run_handler(tmp_path / "app.py") == ["ok"] * 3


def test_recreate_reindents_a_multi_line_constructor(tmp_path):
    original = src("""
        import os
        log = open(
            os.devnull,
            "w",
        )


        def handler(event, context):
            log.write("x")
            log.close()
            return "ok"
    """)
    fix(tmp_path, {"app.py": original})
    text = (tmp_path / "app.py").read_text()
    assert "    if log.closed:\n        log = open(\n            os.devnull,\n            \"w\",\n        )\n" in text
    assert run_handler(tmp_path / "app.py") == ["ok"] * 3


# --- which fix is offered --------------------------------------------------------------

def test_recreate_edits_the_handler_module_when_the_teardown_is_in_another(tmp_path):
    out = fix(tmp_path, {
        "pkg/__init__.py": b"",
        "pkg/app.py": src("""
            import os
            from . import helpers

            log = open(os.devnull, "w")


            def handler(event, context):
                log.write("x")
                helpers.finish()
                return 1
        """),
        "pkg/helpers.py": b"from . import app\n\n\ndef finish():\n    app.log.close()\n",
    })
    [d] = out.fixed
    assert d.path.endswith("helpers.py") and out.changed == [str(tmp_path / "pkg" / "app.py")]
    assert "    global log\n    if log.closed:\n        log = open(os.devnull, \"w\")\n    log.write" in (
        tmp_path / "pkg" / "app.py").read_text()
    assert out.result.diagnostics == []


def test_setup_at_import_time_rules_out_recreating(tmp_path):
    # re-creating a file would lose the header written at import: the close is removed instead
    original = src("""
        import os
        out = open(os.devnull, "w")
        out.write("header")


        def handler(event, context):
            out.write("row")
            out.close()
    """)
    result = fix(tmp_path, {"app.py": original}, write=False)
    assert [d.fix.action for d in result.fixed] == ["remove-statement"]


def test_a_name_imported_elsewhere_rules_out_recreating(tmp_path):
    result = fix(tmp_path, {
        "app.py": src("""
            import os
            out = open(os.devnull, "w")
            import other  # keeps its own reference; loaded with the handler


            def handler(event, context):
                out.write("row")
                out.close()
        """),
        "other.py": b"from app import out\n",
    }, write=False)
    assert [d.fix.action for d in result.fixed] == ["remove-statement"]


def test_a_name_imported_by_a_module_the_handler_never_loads_allows_recreating(tmp_path):
    result = fix(tmp_path, {
        "app.py": src("""
            import os
            out = open(os.devnull, "w")


            def handler(event, context):
                out.write("row")
                out.close()
        """),
        "script.py": b"from app import out\n",  # another program: its own `out`
    }, write=False)
    assert [d.fix.action for d in result.fixed] == ["recreate-when-dead"]


def test_setup_in_another_module_at_import_rules_out_recreating(tmp_path):
    result = fix(tmp_path, {
        "app.py": src("""
            import os
            import writer
            out = open(os.devnull, "w")


            def handler(event, context):
                writer.csv_out.writerow(["row"])
                out.write("end")
                out.close()
        """),
        "writer.py": b"import csv\nimport app\ncsv_out = csv.writer(app.out)\n",
    }, write=False)
    assert [d.fix.action for d in result.fixed] == ["remove-statement"]


def test_a_local_of_the_same_name_rules_out_recreating(tmp_path):
    original = src("""
        import os
        out = open(os.devnull, "w")


        def helper():
            out.write("row")
            out.close()


        def handler(event, context):
            helper()
            for out in range(2):
                pass
    """)
    result = fix(tmp_path, {"app.py": original}, write=False)
    assert [d.fix.action for d in result.fixed] == ["remove-statement"]


def test_closing_block_is_unwrapped_and_binds_the_object(tmp_path):
    original = src(prefix=SQLITE_SETUP, text="""
        import contextlib


        def handler(event, context):
            with contextlib.closing(conn) as db:  # why
                db.execute("insert into t values (1)")
                n = db.execute("select count(*) from t").fetchone()[0]
            return n
    """)
    fix(tmp_path, {"app.py": original})
    text = (tmp_path / "app.py").read_text()
    assert "    db = conn  # why\n    db.execute(" in text
    assert run_handler(tmp_path / "app.py") == [1, 2, 3]


def test_an_if_that_only_guarded_the_teardown_goes_with_it(tmp_path):
    original = src(prefix=SQLITE_SETUP, text="""

        def handler(event, context):
            try:
                conn.execute("insert into t values (1)")
                return conn.execute("select count(*) from t").fetchone()[0]
            finally:
                if conn is not None:
                    conn.close()
    """)
    fix(tmp_path, {"app.py": original})
    text = (tmp_path / "app.py").read_text()
    assert "if conn is not None" not in text and "finally" not in text and "pass" not in text
    assert run_handler(tmp_path / "app.py") == [1, 2, 3]


def test_an_if_whose_test_calls_something_stays(tmp_path):
    original = src(prefix=SQLITE_SETUP, text="""

        def handler(event, context):
            conn.execute("insert into t values (1)")
            n = conn.execute("select count(*) from t").fetchone()[0]
            if event.get("last"):
                conn.close()
            return n
    """)
    fix(tmp_path, {"app.py": original})
    text = (tmp_path / "app.py").read_text()
    assert "    if event.get(\"last\"):\n        pass\n" in text
    assert run_handler(tmp_path / "app.py") == [1, 2, 3]


def test_teardown_inside_an_expression_is_display_only(tmp_path):
    original = src(prefix=SQLITE_SETUP, text="""
        def handler(event, context):
            conn.execute("select 1")
            return conn.close() or 1
    """)
    out = fix(tmp_path, {"app.py": original})
    assert out.fixed == [] and out.changed == []
    [d] = out.result.diagnostics
    assert d.fix is not None and d.fix.applicability == "display-only" and not d.fix.applicable


def test_safe_only_leaves_unsafe_fixes_alone(tmp_path):
    original = src(SQLITE_SETUP + "\ndef handler(event, context):\n    conn.close()\n")
    out = fix(tmp_path, {"app.py": original}, unsafe=False)
    assert out.fixed == [] and (tmp_path / "app.py").read_bytes() == original


# --- rounds, idempotence, validation ------------------------------------------------------

def test_several_findings_in_one_file_and_idempotence(tmp_path):
    original = src("""
        import sqlite3
        a = sqlite3.connect(":memory:")
        a.execute("create table t (x)")
        b = sqlite3.connect(":memory:")
        b.execute("create table t (x)")


        def handler(event, context):
            a.execute("insert into t values (1)"); b.execute("insert into t values (2)")
            a.close(); b.close()
            del b
            return a.execute("select count(*) from t").fetchone()[0]
    """)
    first = fix(tmp_path, {"app.py": original})
    assert len(first.fixed) == 3 and first.result.diagnostics == []
    once = (tmp_path / "app.py").read_bytes()
    assert b"close" not in once and b"del b" not in once
    assert run_handler(tmp_path / "app.py") == [1, 2, 3]
    second = fix_project([str(tmp_path)], Settings(), CATALOG, unsafe=True)
    assert second.fixed == [] and second.changed == []
    assert (tmp_path / "app.py").read_bytes() == once


def _diag(path: str, fix_: Fix, line: int = 1) -> Diagnostic:
    return Diagnostic("LAM999", "test", "test", path, (line, 0, line, 1), fix=fix_)


@action("test-global-after-use")
def _global_after_use(ctx, data):
    # parses, but Python refuses it: a name used before its `global` declaration
    fn = ctx.function("handler")
    extra = ctx.parse_statement("global conn\n")
    return Plan((NodeEdit(fn.body, fn.body.with_changes(body=list(fn.body.body) + [extra])),))


def test_a_fix_whose_result_is_not_valid_python_is_dropped():
    source = b"conn = 1\n\ndef handler(event, context):\n    return conn\n"
    broken = _diag("app.py", Fix("break it", SAFE, action="test-global-after-use"))
    text = _diag("app.py", Fix("unbalance it", SAFE, edits=(Edit((1, 0, 1, 4), "(((("),)))
    for d in (broken, text):
        out = engine.apply_fixes("app.py", source, [d])
        assert out.source == source and out.applied == []
        assert "not be valid Python" in out.failed[0][1]


def test_unknown_action_and_stale_position_are_reported_not_raised():
    source = b"x = 1\n"
    out = engine.apply_fixes("app.py", source, [
        _diag("app.py", Fix("?", SAFE, action="no-such-action")),
        _diag("app.py", Fix("gone", SAFE, action="remove-statement", data=(("span", span_text((9, 0, 9, 4))),))),
    ])
    assert out.source == source
    assert [reason.split(" ")[0] for _, reason in out.failed] == ["unknown", "no"]


def test_replace_expression_adds_each_import_once_after_the_others():
    source = src("""
        import os


        def handler(event, context):
            return f(1) + f(2)
    """)
    template = (("template", "functools.partial({node})"), ("imports", "functools"))
    out = engine.apply_fixes("app.py", source, [
        _diag("app.py", Fix("wrap", SAFE, action="replace-expression", data=(("span", "5:11:5:15"),) + template)),
        _diag("app.py", Fix("wrap", SAFE, action="replace-expression", data=(("span", "5:18:5:22"),) + template)),
    ])
    assert out.failed == [] and len(out.applied) == 2
    assert out.source.decode() == src("""
        import os
        import functools


        def handler(event, context):
            return functools.partial(f(1)) + functools.partial(f(2))
    """).decode()


# --- writing ------------------------------------------------------------------------------

BAD = (SQLITE_SETUP + "\ndef handler(event, context):\n    conn.execute('select 1')\n    conn.close()\n").encode()


def _temporaries(directory: Path):
    return [p for p in directory.iterdir() if p.name.endswith(".lambdalint-tmp")]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_mid_write_leaves_the_original_intact(tmp_path, monkeypatch, failure):
    def half_then_fail(out, data):
        out.write(data[: len(data) // 2])
        raise failure

    monkeypatch.setattr(writeback, "_write_all", half_then_fail)
    (tmp_path / "app.py").write_bytes(BAD)
    if isinstance(failure, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            fix_project([str(tmp_path)], Settings(), CATALOG, unsafe=True)
    else:
        out = fix_project([str(tmp_path)], Settings(), CATALOG, unsafe=True)
        assert any("No space left" in p for p in out.problems)
        assert out.fixed == [] and len(out.result.diagnostics) == 1
    assert (tmp_path / "app.py").read_bytes() == BAD
    assert _temporaries(tmp_path) == []


def test_the_file_mode_is_kept(tmp_path):
    (tmp_path / "app.py").write_bytes(BAD)
    os.chmod(tmp_path / "app.py", 0o640)
    fix_project([str(tmp_path)], Settings(), CATALOG, unsafe=True)
    assert stat.S_IMODE(os.stat(tmp_path / "app.py").st_mode) == 0o640
    assert b"close" not in (tmp_path / "app.py").read_bytes()


def test_read_only_files_are_reported_and_left_alone(tmp_path):
    (tmp_path / "app.py").write_bytes(BAD)
    os.chmod(tmp_path / "app.py", 0o444)
    out = fix_project([str(tmp_path)], Settings(), CATALOG, unsafe=True)
    assert (tmp_path / "app.py").read_bytes() == BAD
    assert any("read-only" in p for p in out.problems)
    assert out.fixed == [] and len(out.result.diagnostics) == 1


def test_files_changed_on_disk_meanwhile_are_left_alone(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_bytes(BAD)
    edited = BAD + b"# edited by someone else\n"
    real_apply = engine.apply_fixes

    def apply_then_edit(path, source, diagnostics, verbose=False):
        result = real_apply(path, source, diagnostics, verbose)
        Path(path).write_bytes(edited)
        return result

    monkeypatch.setattr(engine, "apply_fixes", apply_then_edit)
    out = fix_project([str(tmp_path)], Settings(), CATALOG, unsafe=True)
    assert (tmp_path / "app.py").read_bytes() == edited
    assert any("changed on disk" in p for p in out.problems)


# --- the command line ------------------------------------------------------------------------

def _cli(*args: str):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 keeps stderr apart by itself
        runner = CliRunner()
    return runner.invoke(main, list(args))


def test_cli_fix_summary_and_exit_codes(tmp_path):
    (tmp_path / "app.py").write_bytes(BAD)
    safe_only = _cli("check", "--fix", str(tmp_path))
    assert safe_only.exit_code == 1
    assert "Fixed 0 findings, 1 remaining; 1 more fixable with --unsafe-fixes." in safe_only.stdout

    diff = _cli("check", "--diff", "--unsafe-fixes", str(tmp_path))
    assert diff.exit_code == 1
    assert "-    conn.close()\n" in diff.stdout and (tmp_path / "app.py").read_bytes() == BAD

    fixed = _cli("check", "--fix", "--unsafe-fixes", "--show-fixes", str(tmp_path))
    assert fixed.exit_code == 0, fixed.output
    assert "Fixed 1 finding:" in fixed.stdout and "Remove the teardown `conn.close()`" in fixed.stdout
    assert "Fixed 1 finding, 0 remaining." in fixed.stdout

    (tmp_path / "app.py").write_bytes(BAD)
    pre_commit = _cli("check", "--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", str(tmp_path))
    assert pre_commit.exit_code == 1
    assert _cli("check", "--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", str(tmp_path)).exit_code == 0
    assert _cli("check", "--diff", str(tmp_path)).exit_code == 0

    both = _cli("check", "--exit-zero", "--exit-non-zero-on-fix", str(tmp_path))
    assert both.exit_code == 2 and "cannot be used together" in both.stderr


def test_cli_without_fix_counts_what_could_be_fixed(tmp_path):
    (tmp_path / "app.py").write_bytes(BAD)
    result = _cli("check", str(tmp_path))
    assert "1 fixable with --fix --unsafe-fixes." in result.stdout
    assert "help: Remove the teardown `conn.close()` to keep `conn` open across invocations" in result.stdout
    assert "(unsafe fix)" in result.stdout


# --- a teardown that another call needs (red team 14, 02) ------------------------------

POOL_CLOSED = """
    from multiprocessing.pool import ThreadPool

    POOL = ThreadPool(2)


    def handler(event, context):
        try:
            return POOL.map(len, ["a", "bb"])
        finally:
            POOL.close()
            POOL.join(){after}
"""


def test_removing_a_pools_close_removes_the_join_that_needs_it(tmp_path):
    # `join()` before `close()` raises "Pool is still running": the fix that left it would
    # break the first invocation as well as the next
    out = fix(tmp_path, {"app.py": src(POOL_CLOSED.format(after=""))})
    assert [d.fix.action for d in out.fixed] == ["remove-statement"]
    assert "`POOL.join()`" in out.fixed[0].fix.message
    data = (tmp_path / "app.py").read_text()
    assert "POOL.close()" not in data and "POOL.join()" not in data and "finally" not in data
    assert run_handler(tmp_path / "app.py") == [[1, 2]] * 3


def test_a_join_further_down_leaves_the_teardown_to_the_user(tmp_path):
    # removing `close()` and the join right after it would leave the later join failing
    original = src(POOL_CLOSED.format(after="\n            print('done')\n            POOL.join()"))
    out = fix(tmp_path, {"app.py": original})
    assert out.fixed == [] and (tmp_path / "app.py").read_bytes() == original


@pytest.mark.parametrize("teardown", [
    "POOL.close(); POOL.join()",  # on one line
    "if event.get('last'):\n                POOL.close()\n            POOL.join()",  # the join after the `if`
])
def test_a_join_elsewhere_in_the_function_leaves_the_teardown_to_the_user(tmp_path, teardown):
    original = src(f"""
        from multiprocessing.pool import ThreadPool

        POOL = ThreadPool(2)


        def handler(event, context):
            results = POOL.map(len, ["a", "bb"])
            {teardown}
            return results
    """)
    compile(original, "app.py", "exec")
    out = fix(tmp_path, {"app.py": original})
    assert [d.code for d in out.result.diagnostics] == ["LAM101"]  # reported, not fixed
    assert out.fixed == [] and (tmp_path / "app.py").read_bytes() == original
