"""The run memo against what could make it answer wrongly: every re-run here
must return what a run without cache returns (``Options(cache=None)``), and
odd memo content must be a miss, never a traceback."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import lambdalint.cache.store as cache_module
import lambdalint.cache.memo as memo_module
import lambdalint.index.files as indexing
import lambdalint.run as run_module
import signed
from helpers import SQLITE_APP, SQLITE_DB, settle, write_project
from lambdalint.cache.store import Cache
from lambdalint.project.config import Settings
from lambdalint.index.facts import ModuleFacts, Problem
from lambdalint.cache.memo import RACY_NS
from lambdalint.run import Options, run_check
from lambdalint.project.sourcefile import Unreadable

DB, APP = SQLITE_DB, SQLITE_APP
PROCESS = """
import sqlite3
conn = sqlite3.connect(":memory:")

def process(event, context):
    conn.execute("select 1")
    conn.close()
"""
TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.process
      Runtime: python3.12
"""


def outcome(result):
    return ([(d.path, d.span, d.code, d.message) for d in result.diagnostics],
            [(n.path, n.line, n.message) for n in result.notices], result.files)


def cached(paths, cache_dir: Path, settings: Settings = Settings()):
    return run_check([str(p) for p in paths], settings, options=Options(cache=Cache(str(cache_dir), print), jobs=1))


def recorded_under(monkeypatch, owner, name: str, replacement, paths, cache_dir: Path):
    """Record a memo while ``owner.name`` is ``replacement`` (something happening
    during the run), then ``memo_and_truth`` without it."""
    with monkeypatch.context() as m:
        m.setattr(owner, name, replacement)
        cached(paths, cache_dir)
    return memo_and_truth(paths, cache_dir)


def memo_and_truth(paths, cache_dir: Path, settings: Settings = Settings()):
    """What a run with the memo answers, and what a run without any cache does."""
    memo = cached(paths, cache_dir, settings)
    truth = run_check([str(p) for p in paths], settings, options=Options(cache=None, jobs=1))
    return outcome(memo), outcome(truth)



def later(path: Path) -> None:
    t = time.time_ns() + 5 * RACY_NS
    os.utime(path, ns=(t, t))


def test_a_folder_outside_the_working_folder_named_two_ways(tmp_path, monkeypatch):
    """Outside the working folder, files are shown as the path was given:
    ``../p/db.py`` and ``/tmp/.../p/db.py`` are two results."""
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    memo, truth = memo_and_truth(["../p"], tmp_path / "c")
    assert memo == truth and truth[0][0][0] == os.path.join("..", "p", "db.py")
    memo, truth = memo_and_truth([tmp_path / "p"], tmp_path / "c")
    assert memo == truth and truth[0][0][0] == str(tmp_path / "p" / "db.py")


def test_an_init_file_above_the_checked_folder_is_an_input(tmp_path, monkeypatch):
    """Module names follow the chain of ``__init__.py`` up past the checked
    folder: one added above it renames every module (``svc.db`` -> ``outer.svc.db``)."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "outer" / "svc", {"__init__.py": "", "db.py": DB,
                                               "app.py": APP.replace("import db", "from svc import db")})
    settle(tmp_path / "outer")
    memo, truth = memo_and_truth([tmp_path / "outer" / "svc"], tmp_path / "c")
    assert memo == truth and truth[0]
    (tmp_path / "outer" / "__init__.py").write_text("")
    memo, truth = memo_and_truth([tmp_path / "outer" / "svc"], tmp_path / "c")
    assert memo == truth and not truth[0]  # `from svc import db` no longer names the module
    (tmp_path / "outer" / "__init__.py").unlink()
    memo, truth = memo_and_truth([tmp_path / "outer" / "svc"], tmp_path / "c")
    assert memo == truth and truth[0]


def test_an_init_file_of_a_file_named_on_the_command_line_is_an_input(tmp_path, monkeypatch):
    """A file named on the command line is not walked: its package's
    ``__init__.py`` is not among the files found, but names it."""
    monkeypatch.chdir(tmp_path)
    # `import db` in svc/app.py: inside the package svc it names a top-level `db`,
    # which does not exist; without the __init__.py, app.py and db.py are top-level
    # modules of one folder and it names the sibling (a namespace folder would not
    # change that: `from svc import db` runs either way, so it could not tell)
    write_project(tmp_path / "svc", {"__init__.py": "", "db.py": DB, "app.py": APP})
    settle(tmp_path / "svc")
    paths = [tmp_path / "svc" / "app.py", tmp_path / "svc" / "db.py"]
    memo, truth = memo_and_truth(paths, tmp_path / "c")
    assert memo == truth and not truth[0]
    (tmp_path / "svc" / "__init__.py").unlink()
    memo, truth = memo_and_truth(paths, tmp_path / "c")
    assert memo == truth and truth[0]


def test_a_code_folder_that_appears_is_an_input(tmp_path, monkeypatch):
    """``CodeUri: .build/`` before the build: a note; an empty folder after it: a warning."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code=".build/"), "src/app.py": PROCESS})
    settle(tmp_path / "svc")
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "does not exist" in truth[1][0][2]
    (tmp_path / "svc" / ".build").mkdir()
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "points to nothing" in truth[1][0][2]


def test_a_handler_module_outside_the_checked_paths_is_an_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the project (code is read only inside it): the checked path's repository
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="../code/")})
    (tmp_path / "code").mkdir()
    settle(tmp_path)
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "points to nothing" in truth[1][0][2]
    write_project(tmp_path / "code", {"app.py": PROCESS})
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "is not among the checked files" in truth[1][0][2]


def test_a_code_archive_that_appears_is_an_input(tmp_path, monkeypatch):
    """``CodeUri: fn.zip`` is a folder that does not exist until the zip file is built."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="fn.zip"), "app.py": PROCESS})
    settle(tmp_path / "svc")
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "does not exist" in truth[1][0][2]
    (tmp_path / "svc" / "fn.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "archive" in truth[1][0][2]


IMAGE_TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
    Metadata:
      DockerContext: ./fn
      Dockerfile: docker/Dockerfile
"""
OTHER = """

def other(event, context):
    conn.execute("select 1")
"""
CDK_APP = """
import aws_cdk as cdk
from aws_cdk import aws_lambda

app = cdk.App()
stack = cdk.Stack(app, "S")
aws_lambda.Function(stack, "Fn", runtime=aws_lambda.Runtime.PYTHON_3_12, handler="app.process",
                    code=aws_lambda.Code.from_asset("fn"))
"""


def test_a_cdk_json_above_the_checked_folder_is_an_input(tmp_path, monkeypatch):
    """Asset folders are relative to the folder holding ``cdk.json``, looked for upwards."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "proj" / ".git").mkdir(parents=True)  # cdk.json is looked for up to the project's top
    write_project(tmp_path / "proj" / "infra", {"stack.py": CDK_APP, "fn/app.py": PROCESS})
    (tmp_path / "proj" / "fn").mkdir()
    settle(tmp_path / "proj")
    memo, truth = memo_and_truth(["proj/infra"], tmp_path / "c")
    assert memo == truth and truth[0]
    (tmp_path / "proj" / "cdk.json").write_text("{}")  # `cdk synth` runs in proj/: the asset is proj/fn
    memo, truth = memo_and_truth(["proj/infra"], tmp_path / "c")
    assert memo == truth and not truth[0]


def test_a_nul_byte_in_a_comment_is_not_a_comment_only_edit(tmp_path, monkeypatch):
    """Python < 3.12 tokenizes a NUL inside a comment; the index refuses the file.
    (A deployment file turns pruning off: the first-pass scan would catch it.)"""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="src/"), "src/app.py": PROCESS})
    settle(tmp_path / "svc")
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and truth[0]
    app = tmp_path / "svc" / "src" / "app.py"
    app.write_bytes(app.read_bytes() + b"# \x00\n")
    later(app)
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and "LAM001" in [d[2] for d in truth[0]]


def test_another_libcst_is_another_memo(tmp_path, monkeypatch):
    """The facts (so the findings) depend on libcst's version: the per-file cache
    keys on it, and so must the memo. Here the older libcst cannot parse db.py."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    settle(tmp_path / "p")
    real_index = indexing.index_bytes

    def old_libcst(data, source, verbose=False):
        if source.path.endswith("db.py"):
            return ModuleFacts(source.path, source.module, source.is_package,
                               problem=Problem("LAM001", "syntax not supported by this lambdalint's parser (libcst)"))
        return real_index(data, source, verbose)

    with monkeypatch.context() as m:
        m.setattr(cache_module, "_libcst_version", lambda: "1.0.0")
        m.setattr(memo_module, "_CODE", None)
        m.setattr(indexing, "index_bytes", old_libcst)
        cached(["p"], tmp_path / "c")
    monkeypatch.setattr(cache_module, "_libcst_version", lambda: "1.5.0")
    monkeypatch.setattr(memo_module, "_CODE", None)
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and [d[2] for d in truth[0]] == ["LAM101"]


def test_another_pyyaml_is_another_memo(monkeypatch):
    """The deployment readers' answers depend on PyYAML; an upgrade rewrites its
    ``__init__.py``, whose stamp is in the memo's name."""
    assert memo_module._installed_stamp("yaml"), "PyYAML is a dependency: its stamp is found"
    monkeypatch.setattr(memo_module, "_CODE", None)
    before = memo_module.code_fingerprint()
    real = memo_module._installed_stamp
    monkeypatch.setattr(memo_module, "_installed_stamp", lambda name: (1, 2, 3, 4) if name == "yaml" else real(name))
    monkeypatch.setattr(memo_module, "_CODE", None)
    assert memo_module.code_fingerprint() != before


def test_a_file_a_deployment_file_names_replaced_during_the_run(tmp_path, monkeypatch):
    """``mv Dockerfile.new Dockerfile`` keeps the old file's modification time: a
    file read by a deployment reader and replaced before the run records it is
    not the file the result was made from."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "img", {
        "template.yaml": IMAGE_TEMPLATE,
        "fn/docker/Dockerfile": 'FROM public.ecr.aws/lambda/python:3.12\nCMD ["app.process"]\n',
        "fn/docker/Dockerfile.new": 'FROM public.ecr.aws/lambda/python:3.12\nCMD ["app.other"]\n',
        "fn/app.py": PROCESS,
    })
    settle(tmp_path / "img")
    real_check, docker = run_module._check, tmp_path / "img" / "fn" / "docker"

    def check_then_replace(*args, **kwargs):
        out = real_check(*args, **kwargs)
        os.replace(docker / "Dockerfile.new", docker / "Dockerfile")
        return out

    memo, truth = recorded_under(monkeypatch, run_module, "_check", check_then_replace, ["img"], tmp_path / "c")
    assert memo == truth and not truth[0]


def test_a_file_that_could_not_be_read_is_read_again(tmp_path, monkeypatch):
    """A read can fail for a while (too many open files, an I/O error on a
    network drive) with no change to the file's stamp: LAM001 must not stay."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    settle(tmp_path / "p")
    real_read = indexing.read_source

    def busy(path):
        if path.endswith("db.py"):
            raise Unreadable("cannot read file: Too many open files")
        return real_read(path)

    with monkeypatch.context() as m:
        m.setattr(indexing, "read_source", busy)  # where the index stage reads a file
        first = cached(["p"], tmp_path / "c")
    assert [d.code for d in first.diagnostics] == ["LAM001"]
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and [d[2] for d in truth[0]] == ["LAM101"]


def test_a_file_that_stays_unreadable_is_still_a_hit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP, "img/template.yaml": IMAGE_TEMPLATE})  # no Dockerfile
    os.mkfifo(tmp_path / "p" / "pipe.py")
    os.mkfifo(tmp_path / "p" / "events.json")  # read by the deployment readers (they read any JSON file)
    settle(tmp_path / "p")
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and sorted(d[2] for d in truth[0]) == ["LAM001", "LAM101"]
    memo_file = next((tmp_path / "c").glob("runs/*.json"))
    written = memo_file.stat().st_mtime_ns
    monkeypatch.setattr(run_module, "load_project", None)  # a hit runs nothing
    again = cached(["p"], tmp_path / "c")
    assert outcome(again) == truth and memo_file.stat().st_mtime_ns == written  # nor rewrites the memo


def test_a_deployment_file_that_could_not_be_read_is_read_again(tmp_path, monkeypatch):
    """As for a Python file: the reader's failure passes (here, before the run
    records the file), and its notice must go."""
    import lambdalint.project.sourcefile as sourcefile

    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="src/"), "src/app.py": PROCESS})
    settle(tmp_path / "svc")
    real_read, failures = sourcefile._read_bytes, [Unreadable("Too many open files")]

    def busy(path, limit, truncate):
        if path.endswith("template.yaml") and failures:
            raise failures.pop()
        return real_read(path, limit, truncate)

    with monkeypatch.context() as m:
        m.setattr(sourcefile, "_read_bytes", busy)
        first = cached(["svc"], tmp_path / "c")
    assert "cannot read" in first.notices[0].message
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and not truth[1]


def test_a_cdk_app_edited_between_its_two_reads(tmp_path, monkeypatch):
    """A CDK app is read twice in a run: by the deployment readers, then by the
    index. An edit in between gives a result of neither version."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "proj", {"cdk.json": "{}", "stack.py": CDK_APP,
                                      "fn/app.py": PROCESS + OTHER})
    settle(tmp_path / "proj")
    stack, real_collect = tmp_path / "proj" / "stack.py", run_module.collect_facts

    def edit_then_collect(*args, **kwargs):
        stack.write_text(stack.read_text().replace('"app.process"', '"app.other"'))
        return real_collect(*args, **kwargs)

    memo, truth = recorded_under(monkeypatch, run_module, "collect_facts", edit_then_collect, ["proj"], tmp_path / "c")
    assert memo == truth and not truth[0]


def test_a_folder_that_cannot_be_listed_any_more(tmp_path, monkeypatch):
    """A folder that holds no input (here: only notes) becomes unreadable: the
    set of inputs is the same, but the run must say its files were not checked."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP, "notes/todo.txt": "later\n"})
    settle(tmp_path / "p")
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth
    real_scandir = os.scandir

    def denied(path="."):
        if os.fspath(path).endswith("notes"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and "LAM001" in [d[2] for d in truth[0]]


@pytest.mark.parametrize("codec", ["rot13", "punycode"])
def test_a_coding_declaration_of_no_text_encoding(tmp_path, monkeypatch, codec):
    """Python knows these codecs, but they do not decode source text: a comment
    naming one is LAM001 (not lambdalint's internal error, nor a traceback when
    the memo compares the edited file with its old text)."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="src/"), "src/app.py": PROCESS})
    settle(tmp_path / "svc")
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and truth[0]
    app = tmp_path / "svc" / "src" / "app.py"
    app.write_text(f"# coding: {codec}\n" + app.read_text().split("\n", 1)[1])  # in place of `import sqlite3`
    later(app)
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and [d[2] for d in truth[0]] == ["LAM001"]


def test_a_deployment_file_larger_than_a_python_file_may_be(tmp_path, monkeypatch):
    """Deployment readers read up to 10 MB, Python files up to 5 MB: a 6 MB
    template's content, not only its size, is what the result depends on."""
    monkeypatch.chdir(tmp_path)
    padding = "#" + "x" * 6_000_000 + "\n"
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="src/") + padding, "src/app.py": PROCESS})
    settle(tmp_path / "svc")
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and truth[0]
    template = tmp_path / "svc" / "template.yaml"
    template.write_text(template.read_text().replace("app.process", "app.another"))  # the same size
    later(template)
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and not truth[0]


def test_a_dangling_link_pointed_elsewhere(tmp_path, monkeypatch):
    """LAM001 names where a dangling link points; the link (unlike its missing
    target) has a stamp of its own."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    (tmp_path / "p" / "broken.py").symlink_to("gone.py")
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and any("'gone.py'" in d[3] for d in truth[0])
    (tmp_path / "p" / "broken.py").unlink()
    (tmp_path / "p" / "broken.py").symlink_to("moved.py")
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and any("'moved.py'" in d[3] for d in truth[0])


def test_a_comment_after_a_line_continuation_is_not_a_comment_only_edit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="src/"),
                                     "src/app.py": PROCESS.replace("import sqlite3\n", "import sqlite3 \\\n\n")})
    settle(tmp_path / "svc")
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and truth[0]
    app = tmp_path / "svc" / "src" / "app.py"
    app.write_text(app.read_text().replace("\\\n", "\\  # type: ignore\n", 1))
    later(app)
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth and [d[2] for d in truth[0]] == ["LAM001"]


def test_a_code_folder_saved_into_just_before_a_run_is_still_trusted(tmp_path, monkeypatch):
    """A handler's code folder is an input (it may not exist), but only whether
    it exists matters: an editor saving a file in it just before a run (a new
    file renamed over the old one) must not make every later run a full one."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "svc", {"template.yaml": TEMPLATE.format(code="src/"), "src/app.py": PROCESS})
    settle(tmp_path / "svc")
    memo_and_truth(["svc"], tmp_path / "c")
    app = tmp_path / "svc" / "src" / "app.py"
    saved = app.with_name(".app.py.tmp")
    saved.write_text(app.read_text().replace("select 1", "select 2"))
    later(saved)
    os.replace(saved, app)  # the folder is modified now, the run after reads it again
    memo, truth = memo_and_truth(["svc"], tmp_path / "c")
    assert memo == truth
    app.write_text(app.read_text() + "# reviewed\n")
    later(app)
    loads = []
    real_load = run_module.load_project
    monkeypatch.setattr(run_module, "load_project", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    result = cached(["svc"], tmp_path / "c")
    assert outcome(result) == truth and not loads


def _junk_reads(raw):
    raw["extra"]["reads"] = [None]


def _int_reads(raw):
    raw["extra"]["reads"] = 5


def _nul_reads(raw):
    raw["extra"]["reads"] = ["/a\x00b"]


def _list_extra(raw):
    raw["extra"] = [["reads", 1]]


def _list_sources(raw):
    raw["extra"]["sources"] = []


def _nul_key(raw):
    for entry in raw["inputs"]:
        if entry[0].endswith("app.py"):
            entry[3] = "ab\x00cd"


def _traversing_key(raw):
    for entry in raw["inputs"]:
        if entry[0].endswith("app.py"):
            entry[3] = "../../../../../../etc/hostname"


def _infinite_start(raw):
    raw["started_ns"] = 1e400


def _edit_not_a_dict(raw):
    raw["extra"]["edit"] = ["summaries", {}]


def _edit_traversing_key(raw):
    summaries = raw["extra"]["edit"]["summaries"]
    for path in [*summaries, "/elsewhere/app.py"]:
        summaries[path] = ["../../../../etc/hostname", "0"]


def _edit_junk_maps(raw):
    raw["extra"]["edit"]["maps"] = {"": {"app": 5}}


def _edit_names_missing(raw):
    del raw["extra"]["edit"]["names"]


def _edit_cdk_not_paths(raw):
    raw["extra"]["edit"]["cdk"] = [None]


@pytest.mark.parametrize("spoil", [_junk_reads, _int_reads, _nul_reads, _list_extra, _list_sources, _nul_key,
                                   _traversing_key, _infinite_start, _edit_not_a_dict, _edit_traversing_key,
                                   _edit_junk_maps, _edit_names_missing, _edit_cdk_not_paths])
def test_odd_memo_content_is_a_miss(tmp_path, monkeypatch, spoil):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    settle(tmp_path / "p")
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    path = next((tmp_path / "c").glob("runs/*.json"))
    raw = json.loads(signed.payload(path))
    spoil(raw)
    signed.sign(path, json.dumps(raw).encode())  # signed with this machine's key: only its shape is odd
    app = tmp_path / "p" / "app.py"
    app.write_text(app.read_text() + "# a comment\n")  # the memo's extra is read for a changed file
    later(app)
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth


# --- the per-handler findings (lambdalint.cache.findings) ------------------------------------

GROWS = """
SEEN = []

def handler(event, context):
    SEEN.append(event["id"])
"""


def _forget_memos(cache_dir: Path) -> None:
    for memo in cache_dir.glob("runs/*.json"):
        memo.unlink()


def _two_handlers(tmp_path: Path, monkeypatch) -> Path:
    """A project of two handlers with different findings, checked once: its cache folder."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP, "grows.py": GROWS})
    settle(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    cached([tmp_path / "p"], cache_dir)
    return cache_dir


def _both_findings_as_without_cache(tmp_path: Path, cache_dir: Path) -> None:
    memo, truth = memo_and_truth([tmp_path / "p"], cache_dir)
    assert memo == truth and {d[2] for d in truth[0]} == {"LAM101", "LAM201"}


def test_a_findings_entry_moved_to_another_handlers_key_is_a_miss(tmp_path, monkeypatch):
    """Two handlers with different findings: their entries swapped (each
    signed for its own place) are never read as the other's."""
    cache_dir = _two_handlers(tmp_path, monkeypatch)
    entries = sorted(cache_dir.glob("v*/findings/*/*.json"))
    assert len(entries) == 2
    a, b = (e.read_bytes() for e in entries)
    entries[0].write_bytes(b)
    entries[1].write_bytes(a)
    _forget_memos(cache_dir)
    for pack in cache_dir.glob("v*/findings/pack.json"):
        pack.unlink()  # the entries themselves are read
    _both_findings_as_without_cache(tmp_path, cache_dir)


def _swapped_pack_records(raw):
    a, b = sorted(raw["keys"])
    raw["keys"][a], raw["keys"][b] = raw["keys"][b], raw["keys"][a]


def _pack_of_junk(raw):
    raw["keys"] = {k: [[None, 5]] for k in raw["keys"]}


@pytest.mark.parametrize("spoil, key", [(_swapped_pack_records, None), (_pack_of_junk, None), (None, "other")])
def test_a_findings_pack_of_another_shape_or_key_is_a_miss(tmp_path, monkeypatch, spoil, key):
    """The pack of every handler's records (``findings/pack.json``): records
    moved to another handler's key, records of another shape (signed with this
    machine's key), or a pack signed with another key, are never believed: each
    handler's entry (or a run of its rules) gives what a run without cache gives."""
    cache_dir = _two_handlers(tmp_path, monkeypatch)
    pack = next(cache_dir.glob("v*/findings/pack.json"))
    raw = json.loads(signed.payload(pack))
    assert len(raw["keys"]) == 2
    if spoil is not None:
        spoil(raw)
    signed.sign(pack, json.dumps(raw).encode(), signed.other_key() if key == "other" else None)
    _forget_memos(cache_dir)
    _both_findings_as_without_cache(tmp_path, cache_dir)


def test_an_edit_to_one_handler_keeps_the_others_findings(tmp_path, monkeypatch):
    """Only the edited handler's rules run again; the other's finding comes from its entry."""
    cache_dir = _two_handlers(tmp_path, monkeypatch)
    ran = []
    real = run_module.rules_stage.group_project

    def spy(project, handlers):
        ran.append(sorted(h.module for h in handlers))
        return real(project, handlers)

    monkeypatch.setattr(run_module.rules_stage, "group_project", spy)
    with open(tmp_path / "p" / "grows.py", "a", encoding="utf-8") as fh:
        # (named through a call: the memo answers an edit of functions nothing names, or
        # bound only by an inert binding, without any rule)
        fh.write("\n\ndef other():\n    return 2\n\n\nOTHERS = list((other,))\n")
    later(tmp_path / "p" / "grows.py")
    memo, truth = memo_and_truth([tmp_path / "p"], cache_dir)
    assert memo == truth
    assert ran[0] == ["grows"]


# --- what an edit's run reuses (lambdalint.records.Prior) ----------------------------------

def _edit_stale_selection(raw):
    """A well-shaped memo (signed with another key, as a repository could ship
    one) whose selection claims nothing is indexed and whose names say nothing."""
    raw["extra"]["edit"]["maps"] = {}
    for entry in raw["inputs"]:
        entry[5] = False  # indexed


def test_an_edit_entry_of_another_key_is_a_miss(tmp_path, monkeypatch):
    """The memo's selection and module names are only believed when this
    machine wrote them: a memo signed with another key is ignored whole, and
    the edit's run gives what a run without cache gives."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP, "other.py": "X = 1\n"})
    settle(tmp_path / "p")
    memo_and_truth(["p"], tmp_path / "c")
    path = next((tmp_path / "c").glob("runs/*.json"))
    raw = json.loads(signed.payload(path))
    assert "edit" in raw["extra"]
    _edit_stale_selection(raw)
    signed.sign(path, json.dumps(raw).encode(), signed.other_key())
    other = tmp_path / "p" / "other.py"
    other.write_text("X = 2\n")  # a code edit: the run would go by the memo's selection
    later(other)
    memo, truth = memo_and_truth(["p"], tmp_path / "c")
    assert memo == truth and truth[0]
