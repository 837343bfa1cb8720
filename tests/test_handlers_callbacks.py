"""Functions the project hands to a library as callbacks are not Lambda entry points
by the naming convention alone (``lambdalint.graph.callbacks``): a python-telegram-bot
error callback ``async def error_handler(update, context)`` is not an `async def`
handler (LAM306). What the runtime may call stays an entry point: ``(event, context)``
itself, and functions declared, listed, decorated or wrapped into a handler."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.run import load_project, run_check

TEMPLATE = ("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Runtime: python3.12\n      Handler: {handler}\n")


def entries(tmp_path: Path, files: Dict[str, str], settings: Settings = Settings()) -> Dict[Tuple[str, str], str]:
    write_project(tmp_path, files)
    loaded = load_project(settings, [str(tmp_path)])
    return {(Path(h.path).relative_to(tmp_path).as_posix(), h.qualname): h.source for h in loaded.handlers}


def findings(tmp_path: Path, files: Dict[str, str]) -> List[Tuple[str, int, str]]:
    write_project(tmp_path, files)
    result = run_check([str(tmp_path)], Settings())
    return sorted((Path(d.path).name, d.line, d.code) for d in result.diagnostics)


BOT = """
    import asyncio

    from telegram.ext import Application

    application = Application.builder().token("t").build()


    async def error_handler(update, context):
        print(context.error)


    def lambda_handler(event, context):
        return asyncio.get_event_loop().run_until_complete(main(event))


    async def main(event):
        await application.initialize()
        return {"statusCode": 200}


    application.add_error_handler(error_handler)
"""


def test_a_telegram_error_callback_is_not_an_async_handler(tmp_path):
    assert list(entries(tmp_path, {"bot.py": BOT})) == [("bot.py", "lambda_handler")]
    assert findings(tmp_path, {"bot.py": BOT}) == []


def test_the_same_function_not_handed_to_a_library_is_still_one(tmp_path):
    """Nothing says it is a callback: it may be what the runtime calls (LAM306)."""
    files = {"bot.py": BOT.replace("    application.add_error_handler(error_handler)\n", "")}
    assert set(entries(tmp_path, files)) == {("bot.py", "error_handler"), ("bot.py", "lambda_handler")}
    assert findings(tmp_path, files) == [("bot.py", 8, "LAM306")]


def test_a_callback_registered_by_another_module(tmp_path):
    """The real-world shape: the handler's module registers callbacks of a package of them."""
    files = {
        "handlers/__init__.py": "",
        "handlers/errors.py": """
            async def error_handler(update, context):
                print(context.error)
        """,
        "handlers/links.py": """
            async def link_handler(update, context):
                await update.message.reply_text("x")
        """,
        "lambda_function.py": """
            import asyncio

            from telegram.ext import Application, CommandHandler

            from handlers import errors, links

            application = Application.builder().token("t").build()


            def lambda_handler(event, context):
                return asyncio.get_event_loop().run_until_complete(main(event, context))


            async def main(event, context):
                application.add_error_handler(errors.error_handler)
                application.add_handler(CommandHandler("link", links.link_handler))
                await application.initialize()
        """,
    }
    assert list(entries(tmp_path, files)) == [("lambda_function.py", "lambda_handler")]
    assert [f for f in findings(tmp_path, files) if f[2] == "LAM306"] == []


@pytest.mark.parametrize("registration", [
    "dp.register_message_handler(on_message_handler)",
    "dp.add_handler(CommandHandler('start', on_message_handler))",
    "dp.add_handler(MessageHandler(filters.TEXT, callback=on_message_handler))",
    "bot.on('message')(on_message_handler)",
    "router.add_route('click', on_message_handler)",
])
def test_registrations_on_library_objects(tmp_path, registration):
    found = entries(tmp_path, {"bot.py": f"""
from telegram.ext import CommandHandler, Dispatcher, MessageHandler, filters
from somebot import Bot, Router

dp = Dispatcher()
bot = Bot()
router = Router()


async def on_message_handler(message, ctx):
    return message


def handler(event, context):
    return dp.process(event)


{registration}
"""})
    assert list(found) == [("bot.py", "handler")]


def test_click_handler_with_request_and_ctx(tmp_path):
    found = entries(tmp_path, {"app.py": """
        from webframework import App

        web = App()


        def click_handler(request, ctx):
            return request


        def lambda_handler(event, context):
            return web.dispatch(event)


        web.add_listener("click", click_handler)
    """})
    assert list(found) == [("app.py", "lambda_handler")]


# --- what stays an entry point ------------------------------------------------------------

def test_event_and_context_is_never_taken_for_a_callback(tmp_path):
    """`def lambda_handler(event, context)` is what the runtime calls, whatever else
    the project does with it (a local pool, a dev server's view)."""
    found = entries(tmp_path, {"app.py": """
        from concurrent.futures import ThreadPoolExecutor

        from flask import Flask

        dev = Flask(__name__)


        def lambda_handler(event, context):
            return event


        def orders_handler(evt, ctx):
            return evt


        dev.add_url_rule("/", view_func=lambda_handler)
        ThreadPoolExecutor().submit(orders_handler, {}, None)
    """})
    assert set(found) == {("app.py", "lambda_handler"), ("app.py", "orders_handler")}


def test_handed_to_project_code_or_under_main_is_still_an_entry(tmp_path):
    found = entries(tmp_path, {"app.py": """
        import threading


        def payload_handler(payload, context):
            return payload


        def record_handler(update, context):
            return update


        def register(fn):
            return fn


        register(payload_handler)

        if __name__ == "__main__":
            threading.Thread(target=record_handler, args=({}, None)).start()
    """})
    assert set(found) == {("app.py", "payload_handler"), ("app.py", "record_handler")}


def test_declared_listed_decorated_or_wrapped_beats_the_callback(tmp_path):
    body = """
        from aws_embedded_metrics import metric_scope
        from aws_lambda_powertools import Logger
        from telegram.ext import Application

        logger = Logger()
        application = Application.builder().token("t").build()


        def declared_handler(update, context):
            return update


        def listed_handler(update, context):
            return update


        @logger.inject_lambda_context
        def decorated_handler(update, context):
            return update


        def wrapped_handler(update, context):
            return update


        handler = metric_scope(wrapped_handler)
        for f in (declared_handler, listed_handler, decorated_handler, wrapped_handler):
            application.add_handler(f)
        application.add_error_handler(declared_handler)
        application.add_error_handler(listed_handler)
        application.add_error_handler(decorated_handler)
        application.add_error_handler(wrapped_handler)
    """
    found = entries(tmp_path, {"template.yaml": TEMPLATE.format(handler="app.declared_handler"), "app.py": body},
                    Settings(handlers=("app.listed_handler",)))
    assert set(found) == {("app.py", "declared_handler"), ("app.py", "listed_handler"),
                          ("app.py", "decorated_handler"), ("app.py", "wrapped_handler")}
    assert "template.yaml" in found[("app.py", "declared_handler")]
    assert found[("app.py", "listed_handler")] == "listed in config"
    assert found[("app.py", "decorated_handler")] == "decorator @logger.inject_lambda_context"
    assert "wrapped by `aws_embedded_metrics.metric_scope` into `handler`" in found[("app.py", "wrapped_handler")]


def test_a_lambda_router_registration_called_by_hand_is_not_a_callback(tmp_path):
    """`app.route("/")(f)` on a Chalice app is a Lambda entry, not a library callback."""
    found = entries(tmp_path, {"app.py": """
        from chalice import Chalice

        app = Chalice(app_name="x")


        def index_handler(request, context):
            return {}


        app.route("/")(index_handler)
    """})
    assert ("app.py", "index_handler") in found


def test_a_callback_registered_by_a_module_the_handler_imports(tmp_path):
    """The bot is set up in a module of its own that the handler's module imports."""
    files = {
        "callbacks.py": """
            async def start_handler(update, context):
                await update.message.reply_text("hi")
        """,
        "bot.py": """
            from telegram.ext import Application, CommandHandler

            from callbacks import start_handler

            application = Application.builder().token("t").build()
            application.add_handler(CommandHandler("start", start_handler))
        """,
        "lambda_function.py": """
            import asyncio

            from bot import application


            def lambda_handler(event, context):
                return asyncio.run(application.process_update(event))
        """,
    }
    assert list(entries(tmp_path, files)) == [("lambda_function.py", "lambda_handler")]


def test_a_registration_no_entry_point_loads_does_not_count(tmp_path):
    """A script nothing deployed imports says nothing about what Lambda calls."""
    files = {
        "events.py": """
            async def event_handler(payload, context):
                return payload
        """,
        "local_bot.py": """
            from somebot import Bot

            from events import event_handler

            Bot().register(event_handler)
        """,
    }
    assert list(entries(tmp_path, files)) == [("events.py", "event_handler")]
