"""Run the SnapStart fixtures as environments restored from one snapshot.

A fixture takes part when one of its first lines is a header such as::

    # lambdalint-fixture: snapstart=fails entry=handler same=instance twin=good_x.py root=.
    # lambdalint-fixture: snapstart=fails entry=handler raises=ConnectionError twin=good_x.py server=echo
    # lambdalint-fixture: snapstart=clean entry=handler differs=instance
    # lambdalint-fixture: snapstart=clean entry=handler server=echo

``tests/snapstart_restore.py`` imports the module once (init, then the
before-snapshot hooks), then forks ``CHILDREN`` restored environments, each of
which runs the after-restore hooks and invokes ``entry`` once (see there).

* ``snapstart=fails``: the bug shows in every restored environment: ``same=KEY``,
  the value under ``KEY`` in the result (meant to be unique) is the same in all of
  them; or ``raises=``, each one's first invocation raises that exception (a
  builtin name or ``module.Name``; subclasses count). ``twin=`` names the fixed
  version(s), comma separated, relative to the fixture's directory.
* ``snapstart=clean``: no restored environment raises; ``differs=KEY``: the values
  under ``KEY`` are all different.
* ``server=echo``: a local TCP echo server is up during init (its address in
  ``ECHO_HOST`` / ``ECHO_PORT``) and forgets its connections at the snapshot.
* ``root=``: the code root (relative to the fixture's directory, default ``.``), as
  its deployment file declares it.

The bad fixtures' twins must be ``snapstart=clean``. Standard library only (and
``snapshot_restore_py``, the runtime hooks, which ``tests/stubs`` stands in for).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RESTORE = Path(__file__).resolve().parent / "snapstart_restore.py"
HEADER = "# lambdalint-fixture:"
CHILDREN = 3
MIN_FAILING = 6
MIN_CLEAN = 6

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="restores are simulated with os.fork()")


@dataclass
class Restorable:
    path: Path
    snapstart: str
    entry: str
    same: str | None = None
    differs: str | None = None
    raises: str | None = None
    twins: list[Path] = field(default_factory=list)
    server: str | None = None
    code_root: str = "."

    @property
    def root(self) -> Path:
        return (self.path.parent / self.code_root).resolve()

    @property
    def id(self) -> str:
        return self.path.relative_to(FIXTURES).as_posix()


def _parse(path: Path) -> Restorable | None:
    with path.open(encoding="utf-8") as f:
        head = [next(f, "") for _ in range(5)]
    for line in head:
        if line.startswith(HEADER):
            fields = dict(token.split("=", 1) for token in line[len(HEADER):].split())
            if "snapstart" not in fields:
                return None
            return Restorable(
                path=path, snapstart=fields["snapstart"], entry=fields.get("entry", ""), same=fields.get("same"),
                differs=fields.get("differs"), raises=fields.get("raises"),
                twins=[(path.parent / n).resolve() for n in fields.get("twin", "").split(",") if n],
                server=fields.get("server"), code_root=fields.get("root", "."),
            )
    return None


RESTORABLES = [r for r in (_parse(p) for p in sorted(FIXTURES.rglob("*.py"))) if r is not None]


def _restore(spec: Restorable) -> list[dict]:
    args = [sys.executable, str(RESTORE), str(spec.path), str(spec.root), spec.entry, str(CHILDREN)]
    if spec.server == "echo":
        args.append("echo")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=str(spec.root))
    assert done.returncode == 0, f"{spec.id}: the simulation failed:\n{done.stdout}\n{done.stderr}"
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(outcomes) == CHILDREN
    return outcomes


def _describe(outcomes: list[dict]) -> str:
    return "\n".join(f"  restored environment {i}: {o}" for i, o in enumerate(outcomes, 1))


def _exception(dotted: str) -> type[BaseException]:
    module_name, _, name = dotted.rpartition(".")
    owner = importlib.import_module(module_name) if module_name else builtins
    return getattr(owner, name)


def _raised(outcome: dict) -> type[BaseException] | None:
    error = outcome.get("error")
    if error is None:
        return None
    dotted = error.split(":", 1)[0]
    try:
        return _exception(dotted)
    except (ImportError, AttributeError):
        return Exception


@pytest.mark.parametrize("spec", RESTORABLES, ids=[s.id for s in RESTORABLES])
def test_header_is_well_formed(spec: Restorable):
    assert spec.snapstart in {"fails", "clean"}, f"{spec.id}: snapstart= must be 'fails' or 'clean'"
    tree = ast.parse(spec.path.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert spec.entry in defined, f"{spec.id}: no top-level function {spec.entry!r}"
    assert spec.server in (None, "echo"), f"{spec.id}: server= must be 'echo'"
    if spec.snapstart == "fails":
        assert (spec.same is None) != (spec.raises is None), f"{spec.id}: snapstart=fails needs same= or raises="
        if spec.raises:
            _exception(spec.raises)
        assert spec.twins, f"{spec.id}: snapstart=fails needs twin=<the fixed fixture>"
        for twin in spec.twins:
            twin_spec = _parse(twin) if twin.exists() else None
            assert twin_spec is not None and twin_spec.snapstart == "clean", f"{spec.id}: twin {twin} must be snapstart=clean"
    else:
        assert spec.same is None and spec.raises is None, f"{spec.id}: same=/raises= only make sense with snapstart=fails"


@pytest.mark.parametrize("spec", RESTORABLES, ids=[s.id for s in RESTORABLES])
def test_standard_library_only(spec: Restorable):
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is None:
        pytest.skip("sys.stdlib_module_names needs Python 3.10+")
    for path in sorted(spec.root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "snapshot_restore_py" or (spec.root / f"{top}.py").exists():
                    continue  # the runtime hooks, or deployed with the fixture
                if path.name == "app.py" and top == "aws_cdk":
                    continue  # a CDK app next to the code: read by lambdalint, never run
                assert top in stdlib, f"{path.relative_to(FIXTURES)}:{node.lineno} imports {name!r}, not stdlib"


@pytest.mark.parametrize("spec", RESTORABLES, ids=[s.id for s in RESTORABLES])
def test_restored_environments(spec: Restorable):
    outcomes = _restore(spec)
    if spec.snapstart == "clean":
        failures = [o for o in outcomes if "error" in o]
        assert not failures, f"{spec.id} must work in every restored environment:\n{_describe(outcomes)}"
        if spec.differs:
            values = [json.dumps(o["result"][spec.differs], sort_keys=True) for o in outcomes]
            assert len(set(values)) == len(values), (
                f"{spec.id}: `{spec.differs}` must differ between restored environments:\n{_describe(outcomes)}")
        return
    if spec.raises:
        expected = _exception(spec.raises)
        for o in outcomes:
            raised = _raised(o)
            assert raised is not None and issubclass(raised, expected), (
                f"{spec.id}: each restored environment's first invocation must raise {spec.raises}:\n"
                f"{_describe(outcomes)}")
        return
    failures = [o for o in outcomes if "error" in o]
    assert not failures, f"{spec.id}: the invocations must return:\n{_describe(outcomes)}"
    values = [json.dumps(o["result"][spec.same], sort_keys=True) for o in outcomes]
    assert len(set(values)) == 1, (
        f"{spec.id}: `{spec.same}` should be the same in every restored environment (the bug):\n{_describe(outcomes)}")


def test_the_simulation_sees_what_init_made_as_shared(tmp_path):
    """The harness itself: a value made at init is shared; one made per call is not."""
    (tmp_path / "probe.py").write_text(
        "import os\nAT_INIT = os.urandom(8).hex()\n\n\ndef handler(event, context):\n"
        "    return {'init': AT_INIT, 'call': os.urandom(8).hex()}\n")
    spec = Restorable(tmp_path / "probe.py", "clean", "handler")
    outcomes = _restore(spec)
    assert len({o["result"]["init"] for o in outcomes}) == 1
    assert len({o["result"]["call"] for o in outcomes}) == CHILDREN


def test_enough_restorable_fixtures():
    failing = [s for s in RESTORABLES if s.snapstart == "fails"]
    clean = [s for s in RESTORABLES if s.snapstart == "clean"]
    assert len(failing) >= MIN_FAILING, f"only {len(failing)} snapstart=fails fixtures under {FIXTURES}"
    assert len(clean) >= MIN_CLEAN, f"only {len(clean)} snapstart=clean fixtures under {FIXTURES}"


# --------------------------------------------------------------------------- the fixes, restored

FAILING = [s for s in RESTORABLES if s.snapstart == "fails"]


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory):
    """`lambdalint check --fix --unsafe-fixes` on a copy of the SnapStart fixtures."""
    import shutil

    from click.testing import CliRunner

    from lambdalint.cli import main

    root = tmp_path_factory.mktemp("snapstart-fixed") / "fixtures"
    for folder in ("lam401", "lam402"):
        shutil.copytree(FIXTURES / folder, root / folder)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", "--output-format", "concise",
                                       str(root)])
    assert result.exit_code in (0, 1), result.output
    return root


@pytest.mark.parametrize("spec", FAILING, ids=[s.id for s in FAILING])
def test_the_fix_makes_every_restored_environment_its_own(spec: Restorable, fixed_copy: Path):
    """Where the rule's fix applies, the fixed fixture behaves as its twin: the value
    differs between restored environments, the connection works in each; where the
    fix is display-only, the file is left as it was."""
    import filecmp

    fixed = fixed_copy / spec.path.relative_to(FIXTURES)
    if filecmp.cmp(spec.path, fixed, shallow=False):
        from lambdalint.project.config import Settings
        from lambdalint.run import run_check

        project = fixed_copy.joinpath(*spec.path.relative_to(FIXTURES).parts[:2])
        diagnostics = run_check([str(project)], Settings()).diagnostics
        mine = [d for d in diagnostics if Path(d.path).resolve() == fixed.resolve() and d.code.startswith("LAM4")]
        assert mine and all(d.fix is not None and not d.fix.applicable for d in mine), (
            f"{spec.id}: not fixed, so its finding must offer a display-only fix")
        return
    outcomes = _restore(Restorable(fixed, "clean", spec.entry, server=spec.server, code_root=spec.code_root))
    assert not [o for o in outcomes if "error" in o], f"{spec.id}, fixed:\n{_describe(outcomes)}"
    if spec.same:
        values = [json.dumps(o["result"][spec.same], sort_keys=True) for o in outcomes]
        assert len(set(values)) == len(values), f"{spec.id}, fixed: `{spec.same}` still shared:\n{_describe(outcomes)}"
