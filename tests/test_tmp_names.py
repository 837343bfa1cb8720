"""Which removal counts for which /tmp file (``lambdalint.model.tmpnames``): names built
from the same locals are told apart by their constant text; anything else may be the
same name, for precision (the review's shapes: a printf template, a glob cleanup, a
name held in a local that an f-string of another local spells)."""

from __future__ import annotations

import textwrap

import pytest

from helpers import lint
from lambdalint.model.tmpnames import may_be_any, pattern_covers


@pytest.mark.parametrize("removed,made,covers", [
    # the same locals: the constant text decides
    ("/tmp/thumb-{%key}", "/tmp/{%key}", False),
    ("/tmp/{%key}", "/tmp/{%key}", True),
    ("/tmp/gz-{%name}", "/tmp/{%name}", False),
    ("/tmp/{%job}", "/tmp/{%job}/{%part}", True),  # a folder holds what is in it
    # other locals, or parts not known: may be the same text
    ("/tmp/thumb-{%key}.jpg", "/tmp/{%name}", True),
    ("/tmp/{}", "/tmp/thumb-{}", True),
    ("/tmp/thumb-{}", "/tmp/{}", True),
    ("/tmp/{%key}.json", "/tmp/%s.json{%key}", True),  # "/tmp/%s.json" % key
    ("/tmp/{%key}*", "/tmp/{%key}.part", True),  # glob.glob(f"/tmp/{key}*")
    # constant text that no value can make the same
    ("/tmp/status.json", "/tmp/{%key}.csv", False),
    ("/tmp/lambdalint-thumb-{}.jpg", "/tmp/lambdalint-photo-{}.jpg", False),
    ("/tmp/work", "/tmp/work/{}", True),
    ("/tmp/other", "/tmp/work/{}", False),
    # a function of a local whose result is the same text for the same argument
    ("/tmp/thumb-{os.path.basename(%key)}", "/tmp/{os.path.basename(%key)}", False),
    ("/tmp/{os.path.basename(%key)}", "/tmp/{os.path.basename(%key)}", True),
    ("/tmp/thumb-{os.path.basename(%key)}", "/tmp/{%key}", True),
])
def test_which_removal_may_remove_which_name(removed, made, covers):
    assert pattern_covers(removed, made) is covers


@pytest.mark.parametrize("removed,any_name", [
    ("/tmp/{%key}", True), ("/tmp/{}", True), ("/tmp/*.csv", True), ("/tmp/", True),
    ("/tmp/report.csv", False), ("/tmp/work/out.json", False),
])
def test_a_removal_with_a_part_not_known_may_be_a_random_name(removed, any_name):
    assert may_be_any(removed) is any_name


def _codes(tmp_path, code: str):
    return [d.code for d in lint(tmp_path, {"app.py": textwrap.dedent(code)})]


NOT_REPORTED = {
    "printf template, removed through an f-string": """
        import json
        import os

        def handler(event, context):
            key = event["key"]
            with open("/tmp/%s.json" % key, "w") as f:
                json.dump(event, f)
            os.remove(f"/tmp/{key}.json")
        """,
    "glob cleanup": """
        import glob
        import os

        def handler(event, context):
            key = event["key"]
            with open(f"/tmp/{key}.part", "w") as f:
                f.write(event["body"])
            for p in glob.glob(f"/tmp/{key}*"):
                os.remove(p)
        """,
    "a random name, and a removal of a name built from the event": """
        import os
        import tempfile

        def handler(event, context):
            key = event["key"]
            fd, path = tempfile.mkstemp(dir="/tmp")
            os.write(fd, b"x")
            os.close(fd)
            os.remove(f"/tmp/{key}")
            return path
        """,
    "a name held in a local, removed by its spelling": """
        import os
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            name = f"thumb-{key}.jpg"
            path = f"/tmp/{name}"
            s3.download_file(event["bucket"], event["key"], path)
            try:
                return os.path.getsize(path)
            finally:
                os.remove(f"/tmp/thumb-{key}.jpg")
        """,
    "the name built by the same call is removed": """
        import os
        import tempfile
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            src = os.path.join(tempfile.gettempdir(), os.path.basename(key))
            s3.download_file("photos", key, src)
            s3.upload_file(src, "copies", key)
            os.remove(os.path.join(tempfile.gettempdir(), os.path.basename(key)))
        """,
    "a str.format name removed by its f-string spelling": """
        import os
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            path = "/tmp/{k}.csv".format(k=key)
            s3.download_file("bucket", key, path)
            os.remove(f"/tmp/{key}.csv")
        """,
    "a removal whose missing file is caught": """
        import os

        def handler(event, context):
            path = f"/tmp/{context.aws_request_id}.txt"
            try:
                with open(path, "w") as f:
                    f.write(event["body"])
            finally:
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
        """,
    "a removal whose failure is caught as OSError": """
        import os

        def handler(event, context):
            path = f"/tmp/{context.aws_request_id}.txt"
            with open(path, "w") as f:
                f.write(event["body"])
            try:
                os.remove(path)
            except OSError:
                pass
        """,
    "a name from a call the model does not know may be the removed one": """
        import os
        import tempfile
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            src = os.path.join(tempfile.gettempdir(), os.path.basename(key))
            s3.download_file("photos", key, src)
            os.remove(os.path.join(tempfile.gettempdir(), safe_name(key)))
        """,
}


@pytest.mark.parametrize("code", list(NOT_REPORTED.values()), ids=list(NOT_REPORTED))
def test_a_removal_that_may_be_the_file_counts(tmp_path, code):
    assert "LAM203" not in _codes(tmp_path, code)


REPORTED = {
    "the thumbnail removed, the original kept": """
        import os
        import subprocess
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            src = f"/tmp/{key}"
            dst = f"/tmp/thumb-{key}"
            s3.download_file("photos", key, src)
            subprocess.run(["convert", src, dst], check=True)
            s3.upload_file(dst, "thumbs", key)
            os.remove(dst)
        """,
    "joined names told apart by a prefix": """
        import os
        import tempfile
        import boto3

        s3 = boto3.client("s3")
        TMP = tempfile.gettempdir()

        def handler(event, context):
            name = os.path.basename(event["key"])
            raw = os.path.join(TMP, name)
            packed = os.path.join(TMP, "gz-" + name)
            s3.download_file("exports", event["key"], raw)
            s3.upload_file(packed, "archive", name)
            os.remove(packed)
        """,
    "a name built by str.format": """
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            s3.download_file("bucket", key, "/tmp/{}".format(key))
            with open("/tmp/{0}.txt".format(key), "w") as f:
                f.write("x")
        """,
    "a str.format name told apart from the one removed": """
        import os
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            key = event["key"]
            s3.download_file("bucket", key, "/tmp/{name}".format(name=key))
            os.remove("/tmp/thumb-{}".format(key))
        """,
    "a try that does more than remove: its failure may skip the removal": """
        import os
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            path = f"/tmp/{context.aws_request_id}.txt"
            with open(path, "w") as f:
                f.write(event["body"])
            try:
                s3.upload_file(path, "bucket", "key")
                os.remove(path)
            except OSError:
                pass
        """,
    "names built from the same call of a local": """
        import os
        import subprocess
        import tempfile
        from urllib.parse import unquote_plus
        import boto3

        s3 = boto3.client("s3")
        TMP = tempfile.gettempdir()

        def handler(event, context):
            key = unquote_plus(event["Records"][0]["s3"]["object"]["key"])
            src = os.path.join(TMP, os.path.basename(key))
            dst = os.path.join(TMP, "thumb-" + os.path.basename(key))
            s3.download_file("photos", key, src)
            subprocess.run(["convert", src, dst], check=True)
            s3.upload_file(dst, "thumbs", key)
            os.remove(dst)
        """,
}


@pytest.mark.parametrize("code", list(REPORTED.values()), ids=list(REPORTED))
def test_removing_another_name_built_from_the_same_locals_does_not_count(tmp_path, code):
    assert "LAM203" in _codes(tmp_path, code)


def test_a_path_text_the_conversions_cannot_place_is_no_internal_error(tmp_path):
    code = """
        import os
        from pathlib import Path

        def handler(event, context):
            path = Path("/tmp") / event["name"]
            with open(os.fspath(path).__fspath__(), "w", newline=str("")) as f:
                f.write("x")
        """
    assert "LAM000" not in _codes(tmp_path, code)


def test_the_removal_of_another_name_is_shown(tmp_path):
    """"nothing removes it" beside an `os.remove` the reader can see: the finding says
    which removal it is, and that it removes another name."""
    code = textwrap.dedent(REPORTED["the thumbnail removed, the original kept"])
    [d] = [d for d in lint(tmp_path, {"app.py": code}) if d.code == "LAM203"]
    written = (tmp_path / "app.py").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(written, start=1) if "os.remove(dst)" in text)
    assert [(lb.span[0], lb.text) for lb in d.labels if "another name" in lb.text] == \
        [(line, "`os.remove(...)` removes another name, not this one")]


def test_a_per_invocation_name_in_the_call_does_not_hide_the_callees_fixed_database(tmp_path):
    """Found in a real repository: ``load("/tmp/" + key)`` made the fixed
    ``/tmp/data.db`` the helper opens (in another module) look per-invocation, because
    what the caller's statement built was matched by span inside the callee."""
    files = {
        "ops.py": """
            import sqlite3

            def load(file_path):
                conn = sqlite3.connect("/tmp/data.db")
                conn.execute("INSERT INTO orders VALUES (?)", (1,))
                conn.commit()
                conn.close()
            """,
        "app.py": """
            from ops import load

            def lambda_handler(event, context):
                load("/tmp/" + event["key"])
            """,
    }
    found = [(d.code, d.path.rsplit("/", 1)[-1]) for d in lint(tmp_path, files)]
    assert found == [("LAM203", "ops.py")]
