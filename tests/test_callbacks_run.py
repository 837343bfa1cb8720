"""Library calls that run a project function while they run (rules/catalog/callbacks.toml):
Powertools' batch processing calls the record handler per record, `map`/`filter`/
`sorted(key=)`/`functools.reduce` call theirs per element. The function is walked as a
call made there (``lambdalint.graph.callbacks.CallbackRuns``), by the reach and by every
interpreter of the model, so each rule family sees its code as the handler's."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import expected_markers, found, lint, write_project
from lambdalint.graph.handlers import find_handlers
from lambdalint.graph.link import Project
from lambdalint.graph.reach import walk
from lambdalint.knowledge.callbacks import load_callback_catalog, parse_callback_catalog
from lambdalint.knowledge.load import CatalogError
from lambdalint.project.config import Settings
from lambdalint.run import build_project

RECORD_HANDLER = """
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (BatchProcessor, EventType, batch_processor,
                                                   process_partial_response)

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record):
    user_id = record.message_attributes.get("UserId")
    if not user_id:
        logger.error("record without user")
        return
    logger.append_keys(user_id=user_id)  # expect: LAM502
    logger.info("processing")
"""

SHAPES = {
    "process_partial_response": """
@logger.inject_lambda_context(log_event=True)
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
""",
    "process_partial_response_positional": """
@logger.inject_lambda_context
def handler(event, context):
    return process_partial_response(event, record_handler, processor, context)
""",
    "with_module_processor": """
@logger.inject_lambda_context(log_event=True)
def handler(event, context):
    with processor(records=event["Records"], handler=record_handler):
        processor.process()
    return processor.response()
""",
    "with_local_processor_positional": """
@logger.inject_lambda_context
def handler(event, context):
    local = BatchProcessor(event_type=EventType.SQS)
    with local(event["Records"], record_handler):
        local.process()
    return local.response()
""",
    "batch_processor_decorator": """
@logger.inject_lambda_context(log_event=True)
@batch_processor(record_handler=record_handler, processor=processor)
def handler(event, context):
    return processor.response()
""",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_powertools_record_handler_is_handler_code(tmp_path, shape):
    diagnostics = lint(tmp_path, {"app.py": RECORD_HANDLER + SHAPES[shape]})
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]
    (d,) = diagnostics
    assert "`handler` -> `record_handler`" in " ".join(d.notes)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_cleared_state_is_silent(tmp_path, shape):
    code = SHAPES[shape].replace("@logger.inject_lambda_context(log_event=True)",
                                 "@logger.inject_lambda_context(log_event=True, clear_state=True)")
    code = code.replace("@logger.inject_lambda_context\n", "@logger.inject_lambda_context(clear_state=True)\n")
    assert lint(tmp_path, {"app.py": RECORD_HANDLER.replace("  # expect: LAM502", "") + code}) == []


def test_an_async_record_handler_run_by_the_async_processor(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import asyncio

        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response

        logger = Logger()
        processor = AsyncBatchProcessor(event_type=EventType.SQS)


        async def record_handler(record):
            task = asyncio.create_task(asyncio.sleep(0))
            await task
            if record.body:
                logger.append_keys(order=record.body)  # expect: LAM502
            logger.info("done")


        def handler(event, context):
            return async_process_partial_response(event=event, record_handler=record_handler,
                                                  processor=processor, context=context)
    """})
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


def test_an_async_function_handed_to_a_sync_runner_is_not_run(tmp_path):
    """`map(coro_fn, xs)` makes coroutines; the sync batch processor is not given one
    in real code. Nothing is followed, nothing is reported."""
    diagnostics = lint(tmp_path, {"app.py": """
        import sqlite3

        conn = sqlite3.connect(":memory:")


        async def close_all(x):
            conn.close()


        def handler(event, context):
            pending = list(map(close_all, event["ids"]))
            return len(pending)
    """})
    assert [d.code for d in diagnostics if d.code == "LAM101"] == []


# --- the other families see the callback's code --------------------------------------------

OTHER_FAMILIES = {
    "a_record_handler_closes_the_module_connection": """
        import sqlite3

        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

        conn = sqlite3.connect(":memory:")
        processor = BatchProcessor(event_type=EventType.SQS)


        def record_handler(record):
            conn.execute("insert into seen values (?)", (record.body,))
            conn.close()  # expect: LAM101


        def handler(event, context):
            with processor(records=event["Records"], handler=record_handler):
                processor.process()
            return processor.response()
    """,
    "a_function_mapped_over_records_closes_it": """
        import sqlite3

        conn = sqlite3.connect(":memory:")


        def save(record):
            conn.execute("insert into seen values (?)", (record["id"],))
            conn.close()  # expect: LAM101


        def handler(event, context):
            return list(map(save, event["Records"]))
    """,
    "a_sort_key_starts_a_thread": """
        import threading


        def rank(item):
            t = threading.Thread(target=print)
            t.start()  # expect: LAM302
            return item["score"]


        def handler(event, context):
            return sorted(event["items"], key=rank)
    """,
    "a_record_handler_grows_a_module_list": """
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

        SEEN = []
        processor = BatchProcessor(event_type=EventType.SQS)


        def record_handler(record):
            SEEN.append(record.message_id)  # expect: LAM201


        def handler(event, context):
            with processor(records=event["Records"], handler=record_handler):
                processor.process()
            return processor.response()
    """,
}


@pytest.mark.parametrize("name", sorted(OTHER_FAMILIES))
def test_other_families_see_the_callback(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": OTHER_FAMILIES[name]})
    assert found(diagnostics) == expected_markers(tmp_path), [f"{d.line} {d.code} {d.message}" for d in diagnostics]


def test_a_registration_is_not_a_run(tmp_path):
    """A function handed to a call the catalogue does not list (a registration on a
    library object) is not walked as code of the invocation by the teardown rules."""
    diagnostics = lint(tmp_path, {"app.py": """
        import sqlite3

        from telegram.ext import Application

        conn = sqlite3.connect(":memory:")
        application = Application.builder().token("t").build()


        def on_error(update, error):
            conn.close()


        def handler(event, context):
            application.add_error_handler(on_error)
            conn.execute("select 1")
            return {}
    """})
    assert [d for d in diagnostics if d.code == "LAM101"] == []


# --- the reach, and the facts it walks ------------------------------------------------------

def test_the_reach_walks_a_record_handler_where_the_processor_is_called(tmp_path):
    write_project(tmp_path, {"app.py": RECORD_HANDLER + SHAPES["with_module_processor"]})
    project = Project(build_project(Settings(), [str(tmp_path)]))
    (handler,) = find_handlers(project)
    chains = [(s.frame.chain, s.event.kind, s.event.path) for s in walk(project, handler)]
    calls = [c for c in chains if c[1] == "call"]
    at = calls.index((("handler",), "call", "app:processor"))
    assert calls[at + 1] == (("handler",), "call", "app.record_handler")
    assert (("handler", "record_handler"), "call", "app:logger.append_keys") in chains
    # the processor's own call no longer names the function: it is not also "handed" to it
    fn = project.function("app", "handler")
    processor_call = next(e for e in fn.body if e.kind == "call" and e.path == "app:processor")
    assert dict(processor_call.kwargs)["handler"] is None
    assert project.modules["app"].functions["handler"].body != fn.body  # the facts themselves are untouched


def test_the_callback_gets_an_element_of_the_data(tmp_path):
    write_project(tmp_path, {"app.py": RECORD_HANDLER + SHAPES["process_partial_response"]})
    project = Project(build_project(Settings(), [str(tmp_path)]))
    body = project.function("app", "handler").body
    call = next(e for e in body if e.path == "app.record_handler")
    assert call.args == ("$event.__getitem__()",) and call.stmt and not call.awaited


def test_the_catalogue_loads_and_rejects_mistakes():
    catalog = load_callback_catalog()
    assert catalog.runner_for("aws_lambda_powertools.utilities.batch.process_partial_response") is not None
    assert catalog.runner_for("aws_lambda_powertools.utilities.batch.base.BatchProcessor()") is not None
    assert catalog.runner_for("builtins.sorted") is not None
    assert catalog.runner_for("aws_lambda_powertools.utilities.batch.BatchProcessor") is None  # making it runs nothing
    assert catalog.decorator_for("aws_lambda_powertools.utilities.batch.batch_processor") is not None
    with pytest.raises(CatalogError, match="unknown key 'callbacks'"):
        parse_callback_catalog({"runs": [{"name": "x", "calls": ["a.b"], "callbacks": ["0"]}]}, "t.toml")
    with pytest.raises(CatalogError, match="must say where the function is"):
        parse_callback_catalog({"runs": [{"name": "x", "calls": ["a.b"]}]}, "t.toml")
    with pytest.raises(CatalogError, match="neither a position nor a keyword"):
        parse_callback_catalog({"runs": [{"name": "x", "calls": ["a.b"], "callback": ["a b"]}]}, "t.toml")
