"""`lambdalint handlers` and `check` on the fixture projects under fixtures/projects/.

Each project deploys its handlers with one kind of deployment file. The expected
handlers below were written by reading each descriptor by hand: a handler string,
resolved as the Lambda runtime does from its code root, and where it was declared.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdalint.cli import main
from lambdalint.project.config import Settings
from lambdalint.run import load_project, run_check

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<name>\w+)  \((?P<source>.*)\)$")

# project -> {(file relative to the project, function): text the source must contain}
EXPECTED = {
    "sam_orders": {
        ("src/orders.py", "process_order"): "template.yaml: OrdersFunction (handler `orders.process_order`)",
        ("src/receipts_impl.py", "render_receipt"): "template.yaml: ReceiptsFunction (handler `receipts.entry`)",
        ("src/api.py", "read_order"): "route of `app` via `handler`, served by",
        ("src/api.py", "health"): "template.yaml: ApiFunction (handler `api.handler`)",
        # declared nowhere, but named and shaped like a handler: conventions stay on
        ("src/legacy.py", "lambda_handler"): "convention: name and (event, context) signature",
    },
    "serverless_thumbs": {
        ("functions/thumbs.py", "make"): "serverless.yml: function make (handler `functions/thumbs.make`)",
        ("functions/previews.py", "render"): "serverless.yml: function preview (handler `functions/previews.render`)",
    },
    "cdk_app": {
        ("lambda/ingest/ingest.py", "run"): 'stacks/pipeline_stack.py:16: Function "IngestFn" (handler `ingest.run`)',
        ("lambda/report/main.py", "build_report"): 'stacks/pipeline_stack.py:25: PythonFunction "ReportFn" (handler `main.build_report`)',
    },
    "terraform_module": {
        ("src/worker.py", "consume"): "main.tf: aws_lambda_function.worker (handler `worker.consume`)",
        ("api_src/api.py", "respond"): "main.tf: module.api (handler `api.respond`)",
    },
    "zappa_site": {
        ("web.py", "show_order"): "route of `app`, served by",
        ("web.py", "health"): "zappa_settings.json: app_function of stages dev, production (handler `web.app`)",
        ("catalog.py", "list_products"): "route of `catalog_pages` on `app`, served by",
        ("jobs.py", "nightly_cleanup"): "zappa_settings.json: events function of stages dev, production (handler `jobs.nightly_cleanup`)",
    },
    "monorepo": {
        ("services/billing/src/app.py", "charge"): "services/billing/template.yaml: BillingFunction (handler `app.charge`)",
        ("services/shipping/src/app.py", "ship"): "services/shipping/template.yaml: ShippingFunction (handler `app.ship`)",
    },
}


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2: keep stderr apart
    except TypeError:
        return CliRunner()  # click >= 8.2: stdout and stderr are apart already


def _handlers(project: Path):
    result = runner().invoke(main, ["handlers", str(project)])
    assert result.exit_code == 0, result.output
    listed = {}
    for line in result.stdout.splitlines():
        m = LINE.match(line)
        assert m, f"unexpected line: {line!r}"
        rel = Path(m.group("path")).resolve().relative_to(project.resolve()).as_posix()
        listed[(rel, m.group("name"))] = (int(m.group("line")), m.group("source"))
    return listed, result


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_handlers_lists_exactly_the_declared_handlers(name):
    project = PROJECTS / name
    listed, result = _handlers(project)
    assert set(listed) == set(EXPECTED[name]), f"{name}: lambdalint handlers printed:\n{result.stdout}"
    for key, text in EXPECTED[name].items():
        line, source = listed[key]
        assert text in source, f"{key}: source {source!r} lacks {text!r}"
        defined = (project / key[0]).read_text(encoding="utf-8").splitlines()[line - 1]
        assert re.match(rf"\s*(async\s+)?def {key[1]}\b", defined), f"{key}: line {line} is {defined!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_projects_raise_no_warnings(name):
    _, result = _handlers(PROJECTS / name)
    assert "warning" not in result.stderr, result.stderr


def test_non_conventional_declared_handler_is_checked_and_named_with_its_template():
    result = run_check([str(PROJECTS / "sam_orders")], Settings())
    by_file = {Path(d.path).name: d for d in result.diagnostics}
    orders = by_file["orders.py"]
    assert orders.code == "LAM101" and orders.handlers == ("process_order",)
    # named with its template: a labelled place on the template's `Handler:` line
    template = PROJECTS / "sam_orders" / "template.yaml"
    lines = template.read_text().splitlines()
    (declares,) = [lb for lb in orders.labels if lb.path.endswith("template.yaml")]
    assert declares.text == "declares `process_order` (OrdersFunction)"
    assert Path(declares.path) == template.resolve() or Path(declares.path) == template.absolute()
    assert lines[declares.span[0] - 1].strip() == "Handler: orders.process_order"
    assert not any("is declared in" in n for n in orders.notes), orders.notes
    # a route of the Mangum-wrapped FastAPI app is reached through `api.handler`
    api = by_file["api.py"]
    assert api.handlers == ("read_order",)
    (declares,) = [lb for lb in api.labels if lb.path.endswith("template.yaml")]
    assert declares.text == "declares `read_order` (ApiFunction)"
    assert lines[declares.span[0] - 1].strip().startswith("Handler: ")


def test_not_declared_and_not_conventional_is_not_a_handler():
    """`archive_orders` closes the same connection, but nothing deploys it."""
    loaded = load_project(Settings(), [str(PROJECTS / "sam_orders")])
    assert "archive_orders" not in {h.qualname for h in loaded.handlers}
    result = run_check([str(PROJECTS / "sam_orders")], Settings())
    assert all("archive_orders" not in d.message for d in result.diagnostics)


def test_declared_handlers_survive_conventions_off():
    loaded = load_project(Settings(conventions=False), [str(PROJECTS / "sam_orders")])
    names = {h.qualname for h in loaded.handlers}
    assert names == {"process_order", "render_receipt", "read_order", "health"}


def test_monorepo_services_keep_their_own_db_module():
    """Both services `import db`; each must reach its own db.py."""
    result = run_check([str(PROJECTS / "monorepo")], Settings())
    assert [(Path(d.path).parent.parent.name, Path(d.path).name, d.line, d.handlers) for d in result.diagnostics] == [
        ("billing", "db.py", 10, ("charge",)),
    ]
    loaded = load_project(Settings(), [str(PROJECTS / "monorepo")])
    keys = {m.module for m in loaded.modules}
    assert len(keys) == 4, keys
    ship = next(h for h in loaded.handlers if h.qualname == "ship")
    calls = [e.path for e in loaded.project.function(ship.module, "ship").body if e.kind == "call"]
    assert any(c.endswith("shipping.src.db.finish") for c in calls), calls


def test_monorepo_as_part_of_a_larger_run():
    """Run over all projects at once: more `app` modules, still no mix-up."""
    result = run_check([str(PROJECTS)], Settings())
    billing = [d for d in result.diagnostics if "monorepo" in d.path]
    assert [(Path(d.path).name, d.handlers) for d in billing] == [("db.py", ("charge",))]


def test_check_json_names_the_handler_for_declared_handlers():
    result = runner().invoke(main, ["check", "--output-format", "json", "--exit-zero", str(PROJECTS / "serverless_thumbs")])
    items = json.loads(result.stdout)
    assert [(Path(i["filename"]).name, i["handlers"]) for i in items] == [("thumbs.py", ["make"])]
