"""LAM501/LAM502 misses found on real public Lambda code (issue i18): a class-level
dict mutated through ``self`` of an instance made per request, request data built
into a string before it reaches a logging context, a flag the request decides,
the module namespace written through ``globals()``. INVALID cases mark each
reported write with ``# expect: LAM50x``; VALID cases are the correct twins, which
must stay silent."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint
from lambdalint.project.config import Settings

LAM5 = Settings(select=("LAM5",))

INVALID = {
    # M-1: ONE dict, on the class, kept by the process; `self.result[...]` mutates it
    "class_dict_mutated_through_self": """
        class Service:
            result = {"status": None, "message": None}

            def run(self, body):
                if body.get("ok"):
                    self.result["message"] = "saved " + body["name"]  # expect: LAM501
                return self.result

        def handler(event, context):
            return Service().run(event)
    """,
    "class_dict_of_a_base_through_a_local_instance": """
        class Base:
            seen = {}

        class Service(Base):
            def run(self, body):
                if "name" in body:
                    self.seen["last"] = body["name"]  # expect: LAM501
                return self.seen.get("last")

        def handler(event, context):
            svc = Service()
            return svc.run(event)
    """,
    "class_dict_updated_through_self": """
        class Tracker:
            tags = {}

            def tag(self, event):
                if event.get("user"):
                    self.tags.update(user=event["user"])  # expect: LAM501
                return dict(self.tags)

        def handler(event, context):
            return Tracker().tag(event)
    """,
    # M-2: taint through string building in a logging-context call
    "append_keys_concatenation": """
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context(log_event=True)
        def lambda_handler(event, context):
            logger.append_keys(cart_id="cart#" + event["cart"])  # expect: LAM502
            return {"ok": True}
    """,
    "append_keys_fstring_of_a_local": """
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context(log_event=True)
        def lambda_handler(event, context):
            cart = event["cart"]
            logger.append_keys(cart_id=f"cart#{cart}")  # expect: LAM502
            return {"ok": True}
    """,
    "append_keys_percent_format_str_and_methods": """
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context(log_event=True)
        def lambda_handler(event, context):
            cart = event["cart"]
            logger.append_keys(a="cart#%s" % cart)  # expect: LAM502
            logger.append_keys(b="cart#{}".format(cart))  # expect: LAM502
            logger.append_keys(c=str(cart))  # expect: LAM502
            logger.append_keys(d=cart.lower())  # expect: LAM502
            logger.append_keys(e=str(cart).upper())  # expect: LAM502
            return {"ok": True}
    """,
    "helper_given_a_string_built_from_the_event": """
        SEEN = {}

        def remember(name):
            SEEN["name"] = name  # expect: LAM501

        def handler(event, context):
            if event.get("name"):
                remember(str(event["name"]).strip())
            return SEEN.get("name")
    """,
    # X2 (a): the value is a constant, but whether it is set is this request's decision,
    # and the handler goes on to use it for this request: the next caller inherits it
    "flag_set_by_the_request_and_used": """
        IS_ADMIN = False

        def handler(event, context):
            global IS_ADMIN
            if event.get("admin"):
                IS_ADMIN = True  # expect: LAM501
            if IS_ADMIN:
                return {"data": "secret"}
            return {"data": "public"}
    """,
    "flag_set_in_a_helper_read_in_another": """
        import logging

        DEBUG = False

        def configure(headers):
            global DEBUG
            if headers.get("x-debug") == "1":
                DEBUG = True  # expect: LAM501

        def log(msg):
            if DEBUG:
                logging.getLogger().warning(msg)

        def handler(event, context):
            configure(event.get("headers", {}))
            log("handled")
            return {"ok": True}
    """,
    # X2 (b): the module namespace written through `globals()`
    "globals_item_with_a_constant_name": """
        USER = None

        def handler(event, context):
            if "user" in event:
                globals()["USER"] = event["user"]  # expect: LAM501
            return {"user": USER}
    """,
    "globals_item_with_a_name_from_a_loop": """
        TENANT = None

        def handler(event, context):
            for k in ("TENANT", "REGION"):
                if k in event:
                    globals()[k] = event[k]  # expect: LAM501
            return {"tenant": TENANT}
    """,
    "globals_update_with_the_event": """
        TENANT = None

        def handler(event, context):
            globals().update(event.get("settings", {}))  # expect: LAM501
            return {"tenant": TENANT}
    """,
}

VALID = {
    # M-1 twins: an instance attribute shadows the class's; a class attribute only read
    "instance_attribute_shadows_the_class_dict": """
        class Service:
            result = {"status": None, "message": None}

            def __init__(self):
                self.result = {"status": None, "message": None}

            def run(self, body):
                if body.get("ok"):
                    self.result["message"] = "saved " + body["name"]
                return self.result

        def handler(event, context):
            return Service().run(event)
    """,
    "pydantic_model_field_default_is_per_instance": """
        from pydantic import BaseModel

        class Response(BaseModel):
            result: dict = {}

            def fill(self, body):
                if body.get("ok"):
                    self.result["message"] = body["name"]
                return self.result

        def handler(event, context):
            return Response().fill(event)
    """,
    "dataclass_field_with_a_factory": """
        from dataclasses import dataclass, field

        @dataclass
        class Response:
            result: dict = field(default_factory=dict)

            def fill(self, body):
                if body.get("ok"):
                    self.result["message"] = body["name"]
                return self.result

        def handler(event, context):
            return Response().fill(event)
    """,
    "class_attributes_only_read": """
        class Service:
            prefix = "saved "
            defaults = {"status": None}

            def run(self, body):
                return {"message": self.prefix + body["name"], "status": self.defaults["status"]}

        def handler(event, context):
            return Service().run(event)
    """,
    "class_dict_written_from_constants": """
        class Service:
            result = {"status": None}

            def run(self, body):
                if body.get("ok"):
                    self.result["status"] = "ok"
                return dict(self.result)

        def handler(event, context):
            return Service().run(event)
    """,
    "class_dict_reset_before_every_use": """
        class Service:
            result = {"status": None, "message": None}

            def run(self, body):
                self.result["message"] = None
                if body.get("ok"):
                    self.result["message"] = "saved " + body["name"]
                return dict(self.result)

        def handler(event, context):
            return Service().run(event)
    """,
    # X2 (a) twins: a memory of the process (read before it is set, or only by later
    # callers), a flag reset as every invocation starts, a reset decided by the request
    "flag_read_before_it_is_set_through_a_local": """
        WARM = False

        def handler(event, context):
            global WARM
            was_warm = WARM
            if event.get("ping"):
                WARM = True
            return {"warm": was_warm}
    """,
    "warmup_flag_with_early_return": """
        READY = False

        def handler(event, context):
            global READY
            if event.get("source") == "serverless-plugin-warmup":
                READY = True
                return {"warmed": True}
            if READY:
                return {"cold": False}
            return {"cold": True}
    """,
    "flag_reset_at_the_top": """
        IS_ADMIN = False

        def handler(event, context):
            global IS_ADMIN
            IS_ADMIN = False
            if event.get("admin"):
                IS_ADMIN = True
            return {"admin": IS_ADMIN}
    """,
    "flag_set_on_both_branches": """
        MODE = "user"

        def handler(event, context):
            global MODE
            if event.get("admin"):
                MODE = "admin"
            else:
                MODE = "user"
            return {"mode": MODE}
    """,
    "flag_set_by_a_test_of_module_state_only": """
        READY = False

        def handler(event, context):
            global READY
            if not READY:
                READY = True
            return {"ready": READY}
    """,
    "state_cleared_when_the_request_asks": """
        USER = None

        def handler(event, context):
            global USER
            if event.get("logout"):
                USER = None
            return {"user": USER}
    """,
    # X2 (b) twins: `globals()` given constants, or reset before it is read
    "globals_update_with_constants": """
        import os

        DEFAULTS = {"TENANT": "none", "REGION": os.environ.get("AWS_REGION", "eu-west-1")}
        TENANT = None

        def handler(event, context):
            globals().update(DEFAULTS)
            globals()["REGION"] = "eu-west-1"
            return {"tenant": TENANT, "id": event.get("id")}
    """,
    "globals_item_reset_at_the_top": """
        USER = None

        def handler(event, context):
            global USER
            USER = None
            if "user" in event:
                globals()["USER"] = event["user"]
            return {"user": USER}
    """,
    # M-2 twins: strings built from constants, sizes and types of request data
    "append_keys_built_from_constants": """
        import os
        from aws_lambda_powertools import Logger

        logger = Logger()
        STAGE = os.environ.get("STAGE", "dev")

        @logger.inject_lambda_context(log_event=True)
        def lambda_handler(event, context):
            logger.append_keys(service="cart#" + STAGE, version=f"v{STAGE}", name=str(STAGE).upper())
            logger.append_keys(count=len(event["items"]), kind=type(event).__name__)
            return {"ok": True}
    """,
    "append_keys_cleared_by_the_decorator": """
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context(clear_state=True, log_event=True)
        def lambda_handler(event, context):
            logger.append_keys(cart_id="cart#" + event["cart"])
            return {"ok": True}
    """,
}


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]), LAM5)
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(VALID[name]), LAM5)
    assert diagnostics == [], [d.message for d in diagnostics]


def test_class_dict_finding_names_the_class_attribute(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["class_dict_mutated_through_self"]), LAM5)
    assert d.code == "LAM501"
    assert "`self.result` here is `Service.result`" in d.notes


def test_decided_flag_story(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["flag_set_by_the_request_and_used"]), LAM5)
    assert d.code == "LAM501"
    assert d.message == "`IS_ADMIN` is set when one request says so; the next invocation still finds it set"
    assert d.label == 'set by a test of request data here only when `event.get("admin")` is true'
    assert any("whether it is set is decided by one request" in n for n in d.notes)
    assert d.fix is not None and dict(d.fix.data)["statement"] == "IS_ADMIN = False"


def test_globals_update_story(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["globals_update_with_the_event"]), LAM5)
    assert d.message == "`globals()` is merged with request data; the next warm invocation sees the previous keys"
    assert d.fix is not None and "every name `globals()` sets is module state" in d.fix.message
