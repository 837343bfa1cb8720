"""The fixes LAM301-LAM306 attach, applied as plain text edits.

The fix engine (re-parse, apply, re-check) is its own stage; these tests only apply
the edits a diagnostic carries, in the simplest way, and then check what matters:
the result parses, lambdalint no longer reports the finding, and, for the
executable fixtures, the fixed module really finishes its background work when run
as a warm container runs it.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import List

import pytest

import background_probe
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import DISPLAY_ONLY, SAFE, UNSAFE, Diagnostic, Edit
from lambdalint.run import run_check

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def apply_edits(text: str, edits: List[Edit]) -> str:
    """Apply edits (1-based lines, 0-based columns), last position first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(line: int, col: int) -> int:
        return offsets[line - 1] + col

    out = text
    for e in sorted(edits, key=lambda e: (e.span[0], e.span[1]), reverse=True):
        start, end = offset(e.span[0], e.span[1]), offset(e.span[2], e.span[3])
        out = out[:start] + e.content + out[end:]
    return out


def check_file(path: Path) -> List[Diagnostic]:
    return [d for d in run_check([str(path)], Settings()).diagnostics if d.code.startswith("LAM3")]


def fixed_copy(tmp_path: Path, fixture: str, applicability=(SAFE, UNSAFE)) -> Path:
    source = FIXTURES / fixture
    diagnostics = check_file(source)
    edits = [e for d in diagnostics if d.fix is not None and d.fix.applicability in applicability for e in d.fix.edits]
    assert edits, f"{fixture}: no fix with edits among {[d.code for d in diagnostics]}"
    target = tmp_path / source.name
    target.write_text(apply_edits(source.read_text(encoding="utf-8"), edits), encoding="utf-8")
    compile(target.read_text(encoding="utf-8"), str(target), "exec")
    return target


def run_warm(path: Path, entry: str) -> List[background_probe.Leftovers]:
    name = f"_lambdalint_fixed_{path.stem}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        found = []
        for i in range(1, 4):
            with background_probe.watch() as left:
                getattr(module, entry)({"n": i}, None)
            found.append(left)
        return found
    finally:
        sys.modules.pop(name, None)


# fixture, entry point, rule whose fix is applied
EXECUTABLE = [
    ("lam302/bad_thread_fire_and_forget.py", "lambda_handler", "LAM302"),
    ("lam302/bad_thread_early_return.py", "handler", "LAM302"),
    ("lam302/bad_timer.py", "handler", "LAM302"),
    ("lam302/bad_threads_in_loop.py", "handler", "LAM302"),
    ("lam302/bad_heartbeat_stopped_in_finally.py", "handler", "LAM302"),
    ("lam301/bad_global_task_set.py", "handler", "LAM301"),
    ("lam301/bad_early_return_task.py", "handler", "LAM301"),
    ("lam304/bad_missing_await.py", "handler", "LAM304"),
    ("lam306/bad_async_handler.py", "lambda_handler", "LAM306"),
]


@pytest.mark.parametrize("fixture,entry,code", EXECUTABLE, ids=[f for f, _, _ in EXECUTABLE])
def test_fix_removes_the_finding_and_the_leak(tmp_path, fixture, entry, code):
    before = run_warm(FIXTURES / fixture, entry)
    assert any(r.kinds() for r in before[1:]), f"{fixture} should leak before the fix"
    fixed = fixed_copy(tmp_path, fixture)
    remaining = [d for d in check_file(fixed) if d.code == code]
    assert not remaining, "\n".join(d.message for d in remaining) + "\n\n" + fixed.read_text()
    after = run_warm(fixed, entry)
    assert not any(r.kinds() for r in after), (
        "\n".join(r.describe() for r in after) + "\n\n" + fixed.read_text()
    )


def test_safe_await_fix_writes_the_good_twin(tmp_path):
    fixed = fixed_copy(tmp_path, "lam304/bad_missing_await.py", applicability=(SAFE,))
    code = re.sub(r"  # expect: .*", "", fixed.read_text().split('"""', 2)[2])
    twin = (FIXTURES / "lam304/good_await_added.py").read_text().split('"""', 2)[2]
    assert code == twin


def test_fix_applicability_per_rule():
    seen = {}
    for d in run_check([str(FIXTURES / f"lam30{n}") for n in range(1, 7)], Settings()).diagnostics:
        if d.code.startswith("LAM3") and d.fix is not None:
            seen.setdefault(d.code, set()).add(d.fix.applicability)
    assert seen["LAM304"] >= {SAFE, DISPLAY_ONLY}  # `await` only inside an async def
    assert UNSAFE in seen["LAM302"] and UNSAFE in seen["LAM301"] and UNSAFE in seen["LAM306"]
    assert seen["LAM303"] == {DISPLAY_ONLY} and seen["LAM305"] == {DISPLAY_ONLY}


def test_no_edit_for_one_line_suites(tmp_path):
    """`if x: return y` cannot take a statement before the return as text: display-only."""
    (tmp_path / "app.py").write_text(
        "import threading\n\n"
        "def handler(event, context):\n"
        "    t = threading.Thread(target=print)\n"
        "    t.start()\n"
        "    if event: return 1\n"
        "    x = 1; return x\n"
    )
    (d,) = check_file(tmp_path / "app.py")
    assert d.fix is not None and d.fix.applicability == DISPLAY_ONLY and not d.fix.edits


def test_join_fix_guards_a_variable_that_may_be_none(tmp_path):
    shutil.copy(FIXTURES / "lam302/good_thread_none_guard.py", tmp_path / "app.py")
    text = (tmp_path / "app.py").read_text().replace("    if refresher is not None:\n        refresher.join()\n", "")
    (tmp_path / "app.py").write_text(text)
    (d,) = check_file(tmp_path / "app.py")
    assert d.fix.applicability == UNSAFE
    assert d.fix.edits[0].content.startswith("if refresher is not None:\n        refresher.join()\n")


def test_join_goes_after_the_finally_that_stops_the_thread(tmp_path):
    """A join before the `return` would wait for ever: the `finally` that sets the
    stop event runs after it. The join goes at the end of that `finally`, once
    for the exits it guards; exits outside the `try` keep theirs."""
    fixed = fixed_copy(tmp_path, "lam302/bad_heartbeat_stopped_in_finally.py")
    twin = FIXTURES / "lam302/good_heartbeat_stopped_in_finally.py"
    strip = lambda text: re.sub(r"  # expect: .*", "", text.split('"""', 2)[2])  # noqa: E731
    assert strip(fixed.read_text()) == strip(twin.read_text())

    (tmp_path / "two.py").write_text(
        "import threading\n\n"
        "def handler(event, context):\n"
        "    stop = threading.Event()\n"
        "    t = threading.Thread(target=stop.wait)\n"
        "    t.start()\n"
        "    if not event:\n"
        "        return None\n"
        "    try:\n"
        "        if event.get('a'):\n"
        "            return 1\n"
        "        return 2\n"
        "    finally:\n"
        "        stop.set()\n"
    )
    (d,) = check_file(tmp_path / "two.py")
    assert d.fix.applicability == UNSAFE
    text = apply_edits((tmp_path / "two.py").read_text(), list(d.fix.edits))
    assert text.count("t.join()") == 1 + 1, text  # before the early return, and after stop.set()
    assert text.endswith("        stop.set()\n        t.join()\n"), text
    assert "        t.join()\n        return None\n" in text, text


@pytest.mark.parametrize("body", [
    # the thread is made inside the try: the finally may run before it exists
    "    stop = threading.Event()\n    try:\n        t = threading.Thread(target=stop.wait)\n        t.start()\n"
    "        return 1\n    finally:\n        stop.set()\n",
    # a finally on one line: no line below it to add to
    "    stop = threading.Event()\n    t = threading.Thread(target=stop.wait)\n    t.start()\n    try:\n"
    "        return 1\n    finally: stop.set()\n",
])
def test_no_join_before_a_return_a_finally_follows(tmp_path, body):
    (tmp_path / "app.py").write_text("import threading\n\ndef handler(event, context):\n" + body)
    (d,) = check_file(tmp_path / "app.py")
    assert d.fix is not None and d.fix.applicability == DISPLAY_ONLY and not d.fix.edits, d.fix


def test_a_finally_that_returns_is_the_exit_joined_before(tmp_path):
    """A ``return`` in the ``finally`` replaces the one in the ``try``: that is the
    exit, and the join goes before it, after the ``stop.set()``."""
    (tmp_path / "app.py").write_text(
        "import threading\n\ndef handler(event, context):\n    stop = threading.Event()\n"
        "    t = threading.Thread(target=stop.wait)\n    t.start()\n    try:\n        x = 1\n        return x\n"
        "    finally:\n        stop.set()\n        return 2\n")
    (d,) = check_file(tmp_path / "app.py")
    text = apply_edits((tmp_path / "app.py").read_text(), list(d.fix.edits))
    assert text.endswith("        stop.set()\n        t.join()\n        return 2\n"), text


# --- work started in a helper (issue 18): the join goes where the handler returns --------

def run_warm_package(root: Path, package: str, entry: str = "handler") -> List[background_probe.Leftovers]:
    """Import ``package.app`` from ``root`` once and invoke its entry point warm."""
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(f"{package}.app")
        found = []
        for i in range(1, 4):
            with background_probe.watch() as left:
                getattr(module, entry)({"n": i}, None)
            found.append(left)
        return found
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def test_thread_from_another_module_is_joined_in_the_handlers_file(tmp_path):
    """The thread is started in uploads.py and handed back; the handler in app.py
    returns without joining it. The fix edits app.py (not the file of the
    diagnostic, where its line numbers would corrupt the code) through the fix
    stage, and the fixed package runs clean when invoked warm."""
    from lambdalint.fix import fix_project

    package = f"upload_app_{uuid.uuid4().hex[:8]}"
    shutil.copytree(FIXTURES / "lam302/upload_app", tmp_path / package)
    (d,) = check_file(tmp_path / package)
    assert d.code == "LAM302" and d.path.endswith("uploads.py")
    assert d.fix.applicability == UNSAFE and not d.fix.edits, "text edits would be read as edits of uploads.py"
    assert d.fix.arguments()["file"].endswith("app.py")
    before = run_warm_package(tmp_path, package)
    assert any(r.kinds() == {"thread"} for r in before[1:])

    uploads = (tmp_path / package / "uploads.py").read_text()
    outcome = fix_project([str(tmp_path / package)], Settings(), None, unsafe=True)
    assert not outcome.problems, outcome.problems
    assert (tmp_path / package / "uploads.py").read_text() == uploads
    fixed = (tmp_path / package / "app.py").read_text()
    twin = (FIXTURES / "lam302/upload_app_fixed/app.py").read_text()
    assert fixed.split('"""', 2)[2] == twin.split('"""', 2)[2]
    assert not [x for x in check_file(tmp_path / package) if x.code == "LAM302"]
    after = run_warm_package(tmp_path, package)
    assert not any(r.kinds() for r in after), "\n".join(r.describe() for r in after) + "\n\n" + fixed


HELPER = """
import threading
import time

def work():
    time.sleep(0.02)

def spawn():
    t = threading.Thread(target=work)
    t.start()
    return t
"""


@pytest.mark.parametrize("body", [
    # a second call: `a.join()` alone would leave b running
    "    a = spawn()\n    b = spawn()\n    return 1\n",
    # rebinding: the first thread is held by nothing any more
    "    t = spawn()\n    t = spawn()\n    return 1\n",
    # a loop: `t` holds only the last thread
    "    for _ in range(3):\n        t = spawn()\n    return 1\n",
    # bound on one branch only: a join at the return would raise UnboundLocalError
    "    if event['n'] % 2:\n        t = spawn()\n    return 1\n",
    # started on one branch only: joining a thread never started raises RuntimeError
    "    t = threading.Thread(target=work)\n    if event['n'] % 2:\n        t.start()\n    return 1\n",
])
def test_no_join_through_a_local_that_does_not_hold_all_the_work(tmp_path, body):
    (tmp_path / "app.py").write_text(HELPER + "\ndef handler(event, context):\n" + body)
    (d,) = check_file(tmp_path / "app.py")
    assert d.code == "LAM302"
    assert d.fix.applicability == DISPLAY_ONLY and not d.fix.edits, d.fix.edits


def test_container_filled_by_a_helper_called_twice_is_joined_in_a_loop(tmp_path):
    (tmp_path / "app.py").write_text(HELPER.replace("    return t\n", "    return t\n\ndef spawn_into(ts):\n    ts.append(spawn())\n")
                                     + "\ndef handler(event, context):\n    ts = []\n    spawn_into(ts)\n"
                                       "    spawn_into(ts)\n    return len(ts)\n")
    (d,) = check_file(tmp_path / "app.py")
    assert d.fix.applicability == UNSAFE
    fixed = tmp_path / "fixed.py"
    fixed.write_text(apply_edits((tmp_path / "app.py").read_text(), list(d.fix.edits)))
    assert "for _w in ts:\n        _w.join()\n    return len(ts)" in fixed.read_text()
    assert not check_file(fixed)
    assert not any(r.kinds() for r in run_warm(fixed, "handler"))


def test_one_fix_joins_in_every_handler_of_the_site(tmp_path):
    (tmp_path / "app.py").write_text(HELPER + "\ndef handler(event, context):\n    t = spawn()\n    return 1\n"
                                     "\ndef other_handler(event, context):\n    w = spawn()\n    return 2\n")
    (d,) = check_file(tmp_path / "app.py")
    assert d.handlers == ("handler", "other_handler") and d.fix.applicability == UNSAFE
    fixed = tmp_path / "fixed.py"
    fixed.write_text(apply_edits((tmp_path / "app.py").read_text(), list(d.fix.edits)))
    text = fixed.read_text()
    assert "t.join()\n    return 1" in text and "w.join()\n    return 2" in text
    assert not check_file(fixed)
    for entry in ("handler", "other_handler"):
        assert not any(r.kinds() for r in run_warm(fixed, entry))


def test_rearming_timer_is_not_fixed_by_a_join(tmp_path):
    """`join()` waits for one tick, after which the callback arms the next timer."""
    (tmp_path / "app.py").write_text(
        "import threading\n\n_timer = None\n\ndef tick():\n    global _timer\n    _timer = threading.Timer(5, tick)\n"
        "    _timer.start()\n\ndef handler(event, context):\n    t = threading.Timer(1, tick)\n    t.start()\n"
        "    return 1\n")
    (d,) = check_file(tmp_path / "app.py")
    assert d.message == "timer thread `t` re-arms itself from `tick`: a background loop frozen between invocations"
    assert d.label == "started here; its callback `tick` starts it again (a background loop)"
    assert any("only `cancel()` does" in n for n in d.notes), d.notes
    assert d.fix.applicability == DISPLAY_ONLY and not d.fix.edits


def test_task_from_another_module_is_awaited_in_the_coroutine(tmp_path):
    """LAM301: the task is made in tasks.py, the coroutine asyncio.run runs is in
    app.py; the await goes before each of the coroutine's returns, in app.py."""
    from lambdalint.fix import fix_project

    package = f"audit_app_{uuid.uuid4().hex[:8]}"
    root = tmp_path / package
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "tasks.py").write_text(
        "import asyncio\n\n\nasync def audit(event):\n    await asyncio.sleep(0.01)\n\n\n"
        "def start_audit(event):\n    return asyncio.create_task(audit(event))\n")
    (root / "app.py").write_text(
        "import asyncio\n\nfrom . import tasks\n\n\nasync def main(event):\n    t = tasks.start_audit(event)\n"
        "    if event['n'] > 1:\n        return 2\n    return 1\n\n\ndef handler(event, context):\n"
        "    return asyncio.run(main(event))\n")
    (d,) = check_file(root)
    assert d.code == "LAM301" and d.path.endswith("tasks.py") and d.fix.action == "insert-before-exits"
    assert any(r.kinds() == {"task"} for r in run_warm_package(tmp_path, package))
    outcome = fix_project([str(root)], Settings(), None, unsafe=True)
    assert not outcome.problems, outcome.problems
    fixed = (root / "app.py").read_text()
    assert fixed.count("await t\n") == 2, fixed
    assert not check_file(root)
    assert not any(r.kinds() for r in run_warm_package(tmp_path, package)), fixed


def test_cross_file_join_before_returns_raises_and_the_end(tmp_path):
    """The fix stage's insert-before-exits: returns nested in loops (comments above
    them stay above the join), explicit raises, and the end of the body at once."""
    from lambdalint.fix import fix_project

    (tmp_path / "tele.py").write_text(
        "import threading\n\n\ndef start():\n    t = threading.Thread(target=print)\n    t.start()\n    return t\n")
    (tmp_path / "app.py").write_text(
        "import tele\n\n\ndef handler(event, context):\n    t = tele.start()\n"
        "    for r in event.get('records', []):\n        if r is None:\n            # nothing to do\n"
        "            return None\n    if event.get('x'):\n        raise ValueError('x')\n    print('done')\n")
    outcome = fix_project([str(tmp_path)], Settings(), None, unsafe=True)
    assert not outcome.problems, outcome.problems
    assert (tmp_path / "app.py").read_text() == (
        "import tele\n\n\ndef handler(event, context):\n    t = tele.start()\n"
        "    for r in event.get('records', []):\n        if r is None:\n            # nothing to do\n"
        "            t.join()\n            return None\n    if event.get('x'):\n        t.join()\n"
        "        raise ValueError('x')\n    print('done')\n    t.join()\n")
