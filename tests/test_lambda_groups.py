"""The groups of handlers the rules run over (``lambdalint.graph.lambda_groups``):
handlers whose Lambdas share a module are in one group, and a group's findings
are what a run over every handler at once reports for its handlers."""

from __future__ import annotations

import json
from pathlib import Path

from lambdalint.checks import CheckContext, all_checks
from lambdalint.graph.lambda_groups import group_modules, sharing_groups
from lambdalint.index.jsonform import to_json
from lambdalint.knowledge.resources import load_catalog
from lambdalint.project.config import RULE_OPTIONS, Settings
from lambdalint.records import Options
from lambdalint.run import load_project
from lambdalint.run.rules import reaching, run_groups

from helpers import write_project

REPO = Path(__file__).resolve().parent.parent

HANDLER = "def handler(event, context):\n    return None\n"

# a and c share `shared` (through `middle` for c); b loads nothing of theirs;
# d loads `other`, which imports `shared`: d joins a and c through it
FILES = {
    "shared.py": "CACHE = {}\n",
    "middle.py": "import shared\n",
    "other.py": "import shared\n",
    "a.py": "import shared\n\n\n" + HANDLER,
    "b.py": "import json\n\n\n" + HANDLER,
    "c.py": "import middle\n\n\n" + HANDLER,
    "d.py": "import other\n\n\n" + HANDLER,
    "e.py": HANDLER,
}


def _loaded(root: Path):
    return load_project(Settings(), [str(root)], options=Options(jobs=1))


def test_handlers_that_load_a_common_module_are_one_group(tmp_path):
    write_project(tmp_path, FILES)
    loaded = _loaded(tmp_path)
    handlers = loaded.handlers
    groups = [sorted(handlers[i].module for i in g) for g in sharing_groups(loaded.project, handlers)]
    assert sorted(groups) == [["a", "c", "d"], ["b"], ["e"]]
    # each group in run order, the groups in the order of their first handler
    for g in sharing_groups(loaded.project, handlers):
        assert g == sorted(g)
    firsts = [g[0] for g in sharing_groups(loaded.project, handlers)]
    assert firsts == sorted(firsts)
    joined = next(g for g in sharing_groups(loaded.project, handlers) if len(g) == 3)
    assert group_modules(loaded.project, [handlers[i] for i in joined]) == {
        "a", "c", "d", "shared", "middle", "other"}


def test_the_handlers_a_file_reaches_are_their_whole_groups(tmp_path):
    """The language server checks one file: the handlers of every group whose
    Lambdas load it run, not only the handlers that load it."""
    write_project(tmp_path, FILES)
    loaded = _loaded(tmp_path)
    assert sorted(h.module for h in reaching(loaded.project, loaded.handlers, {"middle"})) == ["a", "c", "d"]
    assert [h.module for h in reaching(loaded.project, loaded.handlers, {"b"})] == ["b"]
    assert reaching(loaded.project, loaded.handlers, {"nothing"}) == []


def _rules(catalog):
    def run_rules(project, subset):
        ctx = CheckContext(project, subset, catalog, dict(RULE_OPTIONS), None)
        found = []
        for check in all_checks():
            found.extend(check(ctx))
        return found, []
    return run_rules


def _canonical(diagnostics):
    return sorted(json.dumps(to_json(d), sort_keys=True) for d in diagnostics)


def test_groups_report_what_one_run_over_every_handler_reports():
    """Why groups are sound: a module's facts reach another module only
    through an import name, so no handler's findings depend on a module no
    handler of its group loads. Over every fixture (hundreds of handlers,
    findings of every rule), the rules run group by group report exactly what
    one run over the whole project reports."""
    loaded = load_project(Settings(), [str(REPO / "fixtures")], options=Options(jobs=2))
    run_rules = _rules(load_catalog(Settings().resources, source="pyproject.toml"))
    whole, _ = run_rules(loaded.project, loaded.handlers)
    grouped = run_groups(loaded.project, loaded.handlers, run_rules)
    assert len(whole) > 200 and len({d.code for d in whole}) > 15
    assert grouped.handlers_run == len(loaded.handlers)
    assert _canonical(grouped.diagnostics) == _canonical(whole)
