"""The clients (LAM104) and leaks (LAM50x) interpreters on the shared walker (model/walk.py):
what each keeps through the walker's hooks. Each test names the hook it would catch
broken: the trail mark and ``take`` (the loop a client is made in, the `except` clause
being walked, the guards of a write), ``arm`` and ``test_of`` (an arm that fills a
tested cache, a keyed test), ``join_arms``, the block hooks (a block's walked events,
subscript bases), ``loop_rounds`` / ``exits_walked_once`` and the budget modes.
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Tuple

from helpers import write_project
from lambdalint.graph.handlers import find_handlers
from lambdalint.graph.link import Project
from lambdalint.knowledge.context import load_context_catalog
from lambdalint.knowledge.resources import load_catalog
from lambdalint.model.clients import ClientInterpreter, Made, clients_made
from lambdalint.model.leaks import LeakInterpreter, Write
from lambdalint.model.replay import replay_warm
from lambdalint.model.steps import FINALLY, IF_FALSE, IF_TRUE, LOOP
from lambdalint.project.config import Settings
from lambdalint.run import build_project


def _project(tmp_path, source: str):
    write_project(tmp_path, {"app.py": source})
    project = Project(build_project(Settings(), [str(tmp_path)]))
    return project, {h.qualname: h for h in find_handlers(project)}["handler"]


def line_of(source: str, text: str) -> int:
    lines = [i for i, line in enumerate(source.strip("\n").splitlines(), 1) if text in line]
    assert len(lines) == 1, text
    return lines[0]


def kinds(trail) -> List[str]:
    return [step[2] for step in trail]


# --- clients -----------------------------------------------------------------------------------

CLIENTS = """
import boto3

_ready = None


def helper():
    return boto3.client("kinesis")


def handler(event, context):
    global _ready
    for record in event["Records"]:
        looped = boto3.client("sns")
        helper()
    else:
        after_loop = boto3.client("sqs")
    try:
        tried = boto3.client("s3")
    except Exception:
        recovered = boto3.client("s3")
    else:
        then = boto3.client("dynamodb")
    finally:
        last = boto3.client("lambda")
    if _ready is None:
        filled = boto3.client("ssm")
        _ready = True
    elif event:
        other = boto3.client("sts")
    return _ready
"""


def made_by_line(tmp_path, source: str) -> Dict[int, Made]:
    project, handler = _project(tmp_path, source)
    return {m.event.span[0]: m for m in clients_made(project, load_catalog(), handler)}


def test_a_client_made_in_a_loop_records_it_through_calls_and_not_in_the_loops_else(tmp_path):
    # take(LOOP) pushes the loop; the trail mark restores it after the body
    made = made_by_line(tmp_path, CLIENTS)
    loop = made[line_of(CLIENTS, 'boto3.client("sns")')].loop
    assert loop is not None and loop[1][0] == line_of(CLIENTS, "for record in")
    helper = made[line_of(CLIENTS, 'boto3.client("kinesis")')]
    assert helper.loop == loop and kinds(helper.trail) == [LOOP]  # the caller's loop, through the call
    after = made[line_of(CLIENTS, 'boto3.client("sqs")')]
    assert after.loop is None and kinds(after.trail) == []


def test_what_an_except_clause_makes_is_a_recovery_and_the_clauses_after_it_are_not(tmp_path):
    # take(EXCEPT) sets recovering; the trail mark restores it after the clause
    made = made_by_line(tmp_path, CLIENTS)
    assert line_of(CLIENTS, "recovered =") not in made
    assert line_of(CLIENTS, "tried =") in made and line_of(CLIENTS, "then =") in made
    last = made[line_of(CLIENTS, "last =")]
    assert kinds(last.trail) == [FINALLY] and last.loop is None


def test_an_arm_that_sets_the_global_its_if_tests_fills_a_cache_and_the_other_arm_does_not(tmp_path):
    # test_of reads the tested globals; arm marks what its arm made once the arm wrote one
    made = made_by_line(tmp_path, CLIENTS)
    filled, other = made[line_of(CLIENTS, "filled =")], made[line_of(CLIENTS, "other =")]
    assert filled.cached and kinds(filled.trail) == [IF_TRUE]
    assert not other.cached and kinds(other.trail) == [IF_FALSE, IF_TRUE]
    assert filled.every_invocation is False and other.every_invocation is True


class _Counting(ClientInterpreter):
    """Counts how often each line's calls are walked."""

    def __init__(self, project, catalog) -> None:
        super().__init__(project, catalog)
        self.walked: Counter = Counter()

    def call(self, e, state, frame):
        self.walked[e.span[0]] += 1
        return super().call(e, state, frame)


def test_a_loop_body_and_a_finally_are_walked_once_for_clients(tmp_path):
    # loop_rounds = 1, exits_walked_once (the lifetimes walk: two rounds, a finally per way out)
    source = """
        import boto3

        def handler(event, context):
            for r in event["Records"]:
                boto3.client("sns")
            try:
                if event:
                    return 1
                if context:
                    raise ValueError()
            finally:
                boto3.client("s3")
            return 2
    """
    project, handler = _project(tmp_path, source)
    walker = _Counting(project, load_catalog())
    walker.invoke(handler, {})
    assert walker.walked[line_of(source, '"sns"')] == 1
    assert walker.walked[line_of(source, '"s3"')] == 1


def test_after_a_finally_only_what_fell_through_it_walks_on(tmp_path):
    # exits_walked_once: the finally walked once, and what follows only when the try fell through
    source = """
        import boto3

        def handler(event, context):
            try:
                if event:
                    return 1
            finally:
                boto3.client("lambda")
            reached = boto3.client("sqs")
            try:
                return 2
            finally:
                boto3.client("kinesis")
            never = boto3.client("sns")
    """
    made = made_by_line(tmp_path, source)
    assert {line_of(source, '"lambda"'), line_of(source, "reached ="), line_of(source, '"kinesis"')} <= set(made)
    assert line_of(source, "never =") not in made


def test_the_else_of_a_try_whose_body_always_returns_is_not_walked(tmp_path):
    # (the walker's `try`: an `else` runs only after a body that completes; the clients'
    # own walk before it walked this `else` when an `except` clause fell through)
    source = """
        import boto3

        def handler(event, context):
            try:
                return boto3.client("s3").list_buckets()
            except Exception:
                pass
            else:
                dead = boto3.client("sqs")
    """
    made = made_by_line(tmp_path, source)
    assert line_of(source, "dead =") not in made


def test_a_spent_budget_ends_a_clients_path(tmp_path):
    # stops_when_spent: once the budget is spent nothing further is walked (or recorded)
    source = """
        import boto3

        def handler(event, context):
            first = boto3.client("s3")
            second = boto3.client("sqs")
            third = boto3.client("sns")
    """
    project, handler = _project(tmp_path, source)
    body = project.function(handler.module, handler.qualname).body
    first_assign = next(i for i, e in enumerate(body) if e.kind == "assign")
    walker = ClientInterpreter(project, load_catalog())
    walker.budget = first_assign + 2  # pays for the first statement's events only
    walker.invoke(handler, {})
    assert [m.local[0] for m in walker.made if m.local] == ["first"]


# --- leaks -------------------------------------------------------------------------------------

LEAKS = """
USER = None
TENANT = None
ROLE = None
LAST = None
CTX = {}


def handler(event, context):
    global USER, TENANT, ROLE, LAST
    if event.get("user"):
        USER = event["user"]
    else:
        TENANT = event["tenant"]
    try:
        ROLE = event["role"]
    except KeyError:
        ROLE = event["fallback"]
    for record in event["Records"]:
        LAST = record["id"]
    else:
        CTX["done"] = event["x"]
    other = CTX["other"]
    CTX["service"] = event["service"]
    return {"other": other, "user": USER, "tenant": TENANT, "role": ROLE, "last": LAST}
"""


def leak_run(tmp_path, source: str) -> Tuple[LeakInterpreter, Dict[int, Write]]:
    """Invocation N then N+1; the write sites by line."""
    project, handler = _project(tmp_path, source)
    interp = LeakInterpreter(project, load_context_catalog())
    replay_warm(interp, handler, {})
    return interp, {w.span[0]: w for w in interp.writes}


def test_what_must_hold_for_a_write_follows_the_decisions_of_its_path(tmp_path):
    # arm (the `if`'s guard and decided key), take(EXCEPT), the trail mark restoring them
    _, writes = leak_run(tmp_path, LEAKS)
    user, tenant = writes[line_of(LEAKS, "USER = event")], writes[line_of(LEAKS, "TENANT = event")]
    assert user.guards == ('`event.get("user")` is true',) and tenant.guards == ('`event.get("user")` is false',)
    assert [c.rsplit(":", 1)[1] for c in user.conds + tenant.conds] == ["True", "False"]
    try_line = line_of(LEAKS, "try:")
    assert writes[line_of(LEAKS, '"fallback"')].guards == (f"an exception is caught by the `try` at line {try_line}",)
    assert writes[line_of(LEAKS, 'ROLE = event["role"]')].guards == ()
    loop_runs = (f"the loop at line {line_of(LEAKS, 'for record')} runs",)
    assert writes[line_of(LEAKS, 'LAST = record')].guards == loop_runs
    assert writes[line_of(LEAKS, 'CTX["done"]')].guards == loop_runs  # (the loop's guard covers its `else` too)
    after = writes[line_of(LEAKS, 'CTX["service"]')]
    assert after.guards == () and after.conds == ()


def test_a_read_of_one_slot_is_not_a_read_of_its_container(tmp_path):
    # the block hooks: `CTX` in `CTX["other"]` is a subscript's base, skipped
    interp, writes = leak_run(tmp_path, LEAKS)
    read_sites = {interp.writes[site].span[0] for site in interp.reads}
    assert line_of(LEAKS, "USER = event") in read_sites  # the read in N+1 is seen at all
    assert line_of(LEAKS, 'CTX["service"]') not in read_sites


def test_a_write_reads_the_request_through_the_parts_walked_before_it(tmp_path):
    # the block hooks: a statement's parts are the events walked before it in its block
    source = """
        USER = None

        def handler(event, context):
            global USER
            if event:
                USER = str(event.get("user")).lower()
            return USER
    """
    interp, writes = leak_run(tmp_path, source)
    assert list(writes) == [line_of(source, "USER = str")]
    assert interp.reads


def test_a_read_under_a_keyed_test_is_not_a_leak_and_one_after_it_is(tmp_path):
    # arm (keyed while the arm is walked), the trail mark restoring it after
    source = """
        LAST_ID = None
        RESULT = None
        USER = None

        def handler(event, context):
            global LAST_ID, RESULT, USER
            if LAST_ID == event["id"]:
                return RESULT
            greeting = "hello " + str(USER)
            LAST_ID = event["id"]
            RESULT = event["body"]
            USER = event["user"]
            return greeting
    """
    interp, _ = leak_run(tmp_path, source)
    leaks = {(interp.writes[site].place, read.span[0]) for site, read in interp.reads.items()}
    assert leaks == {("app:USER", line_of(source, "greeting ="))}


def test_a_memo_of_the_last_request_and_a_reset_under_its_test_are_not_leaks(tmp_path):
    # test_of (keyed test, tested places), arm (keyed), join_arms (CURRENT / CLEAN on the other arm)
    memo = """
        LAST_ID = None
        RESULT = None

        def handler(event, context):
            global LAST_ID, RESULT
            if LAST_ID != event["id"]:
                LAST_ID = event["id"]
                RESULT = event["body"]
            return RESULT
    """
    reset = """
        CTX = {}

        def handler(event, context):
            if event.get("user"):
                CTX["user"] = event["user"]
            result = CTX.get("user")
            if "user" in CTX:
                del CTX["user"]
            return result
    """
    for source in (memo, reset):
        interp, writes = leak_run(tmp_path, source)
        assert writes and not interp.reads, source
    leaking = reset.replace('            if "user" in CTX:\n                del CTX["user"]\n', "")
    interp, _ = leak_run(tmp_path, leaking)
    assert interp.reads


def test_a_spent_budget_leaves_a_leaks_block_with_what_reached_that_far(tmp_path):
    # falls_when_spent: the writes walked before the budget ran out fall out of the handler
    source = """
        USER = None
        TENANT = None

        def handler(event, context):
            global USER, TENANT
            USER = event["user"]
            TENANT = event["tenant"]
    """
    project, handler = _project(tmp_path, source)
    body = project.function(handler.module, handler.qualname).body
    first_assign = next(i for i, e in enumerate(body) if e.kind == "assign")
    interp = LeakInterpreter(project, load_context_catalog())
    interp.budget = first_assign + 1  # pays for the first statement's events only
    state = interp.invoke(handler, {})
    assert sorted(state) == ["app:USER"]


# --- both: a block's walked events --------------------------------------------------------------

class _SeesDone:
    """Records, at each call of ``mark()``, the assignments among the events walked so far."""

    def call(self, e, state, frame):
        if e.path and e.path.endswith("mark"):
            self.seen.append([x.path for x in frame.done if x.kind == "assign"])
        return super().call(e, state, frame)


class _ClientsSee(_SeesDone, ClientInterpreter):
    pass


class _LeaksSee(_SeesDone, LeakInterpreter):
    pass


def test_a_statement_sees_the_events_walked_before_it_in_its_own_block_only(tmp_path):
    # the block hooks: each block its own list, the outer one back after it
    project, handler = _project(tmp_path, """
        def mark():
            pass

        def handler(event, context):
            a = 1
            if event:
                b = 2
                mark()
            mark()
    """)
    for walker in (_ClientsSee(project, load_catalog()), _LeaksSee(project, load_context_catalog())):
        walker.seen = []
        walker.invoke(handler, {})
        assert walker.seen == [["%b"], ["%a"]], type(walker).__name__
