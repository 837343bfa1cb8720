"""Run the executable fixtures the way a warm Lambda execution environment does.

A fixture is executable when one of its first lines is a header such as::

    # lambdalint-fixture: warm=fails entry=handler raises=sqlite3.ProgrammingError twin=good_x.py
    # lambdalint-fixture: warm=leaks entry=handler leaks=thread twin=good_x.py
    # lambdalint-fixture: warm=clean entry=handler

The module is imported ONCE, then its entry point is called several times with
``({"n": i}, None)``, as Lambda calls a handler again and again in the same process.

* ``warm=fails``: invocation 1 succeeds and a later one raises ``raises=`` (the
  exception the bug produces). ``twin=`` names the fixed version(s), comma separated,
  relative to the fixture's directory; each must be a ``warm=clean`` fixture.
* ``warm=leaks``: every invocation returns, but a warm one (2nd or later) leaves
  background work unfinished when it returns, of the kinds ``leaks=`` lists (comma
  separated: ``thread``, ``future``, ``task``, ``coroutine``, ``process``; see
  ``background_probe.py``). On Lambda that work would be frozen with the
  environment. ``twin=`` as for ``warm=fails``.
* ``warm=leaks-data``: caller A's event ``first=`` (JSON without spaces) is handled,
  then caller B's ``second=``, which skips the write of A's data; B's result (its
  repr) contains ``secret=``, A's data. ``twin=`` names the fixed version(s), each a
  ``warm=clean`` fixture that must return B a result without the secret for the same
  two events. ``os.environ`` is restored after each run.
* ``warm=clean``: every invocation succeeds and leaves no background work running.
* ``root=``: (optional) the fixture's code root, relative to its directory, as a
  deployment file declares it (``CodeUri``): the root goes on ``sys.path`` and the
  fixture is imported by its name relative to it, as the Lambda runtime does, so
  ``import db`` finds the ``db.py`` deployed with it. Modules imported from the
  root are forgotten afterwards, so two services' ``db`` never mix.

Executable fixtures use the standard library only, never the network, and remove
every file they create (files live under ``tempfile.gettempdir()`` with names that
start with ``lambdalint-fixture-``).
"""

from __future__ import annotations

import ast
import builtins
import glob
import importlib
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Tuple

import pytest

import background_probe

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = "# lambdalint-fixture:"
INVOCATIONS = 4
MIN_FAILING = 10
MIN_CLEAN = 10
MIN_LEAKING = 8
MIN_DATA_LEAKS = 4
TEMP_PREFIX = "lambdalint-fixture-"


@dataclass
class Executable:
    path: Path
    warm: str
    entry: str
    raises: str | None = None
    twins: list[Path] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    code_root: str | None = None  # the root= field, relative to the fixture's directory
    first: str | None = None  # warm=leaks-data: caller A's event (JSON)
    second: str | None = None  # caller B's event (JSON)
    secret: str | None = None  # A's data, which B must not see

    @property
    def root(self) -> Path | None:
        return (self.path.parent / self.code_root).resolve() if self.code_root is not None else None

    @property
    def id(self) -> str:
        return self.path.relative_to(FIXTURES).as_posix()


def _parse_header(path: Path) -> Executable | None:
    with path.open(encoding="utf-8") as f:
        head = [next(f, "") for _ in range(5)]
    for line in head:
        if line.startswith(HEADER):
            fields = dict(token.split("=", 1) for token in line[len(HEADER):].split())
            if "warm" not in fields and "snapstart" in fields:
                return None  # restored from a snapshot, not invoked warm: tests/test_fixtures_snapstart.py
            twins = [
                (path.parent / name).resolve()
                for name in fields.get("twin", "").split(",")
                if name
            ]
            return Executable(
                path=path,
                warm=fields.get("warm", ""),
                entry=fields.get("entry", ""),
                raises=fields.get("raises"),
                twins=twins,
                leaks=[k for k in fields.get("leaks", "").split(",") if k],
                code_root=fields.get("root"),
                first=fields.get("first"),
                second=fields.get("second"),
                secret=fields.get("secret"),
            )
    return None


def _collect() -> list[Executable]:
    found = []
    for path in sorted(FIXTURES.rglob("*.py")):
        spec = _parse_header(path)
        if spec is not None:
            found.append(spec)
    return found


EXECUTABLES = _collect()


def _package_root(path: Path) -> Path | None:
    """The top-most directory of the package holding ``path``, or None for a plain module."""
    root = None
    directory = path.parent
    while (directory / "__init__.py").exists():
        root = directory
        directory = directory.parent
    return root


def _resolve_exception(dotted: str) -> type[BaseException]:
    module_name, _, name = dotted.rpartition(".")
    owner = importlib.import_module(module_name) if module_name else builtins
    exc = getattr(owner, name)
    assert isinstance(exc, type) and issubclass(exc, BaseException), dotted
    return exc


def _temp_leftovers() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), TEMP_PREFIX + "*")))


def _own_names(spec: "Executable") -> Tuple[str, ...]:
    """The temporary names the fixture can make: the literal start of each
    ``lambdalint-fixture-...`` name in its files (up to a ``{`` of an f-string).
    Another test run on the machine (a second suite, another checkout) makes
    files of other fixtures meanwhile: only these count as this one's leftovers.
    A name with nothing after the prefix could be any of them: then all count. A
    fixture that names none makes none (the glob sees only names with the prefix)."""
    found = set()
    for path in _module_files(spec):
        found.update(re.findall(re.escape(TEMP_PREFIX) + r"[A-Za-z0-9_-]*", path.read_text(encoding="utf-8")))
    return tuple(sorted(found))


def _load_from_root(spec: Executable):
    root = spec.root
    dotted = ".".join(spec.path.resolve().relative_to(root).with_suffix("").parts)

    def from_root(module) -> bool:
        file = getattr(module, "__file__", None)
        return bool(file) and Path(file).resolve().is_relative_to(root)

    def cleanup():
        for name in [m for m, mod in list(sys.modules.items()) if from_root(mod)]:
            del sys.modules[name]
        if str(root) in sys.path:
            sys.path.remove(str(root))

    cleanup()
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(dotted)
        assert Path(module.__file__).resolve() == spec.path.resolve(), f"imported {module.__file__}, expected {spec.path}"
    except BaseException:
        cleanup()
        raise
    return module, cleanup


def _load(spec: Executable):
    """Import the fixture once; return (module, cleanup)."""
    if spec.root is not None:
        return _load_from_root(spec)
    pkg_root = _package_root(spec.path)
    if pkg_root is None:
        name = f"_lambdalint_fixture_{spec.path.stem}_{uuid.uuid4().hex}"
        module_spec = importlib.util.spec_from_file_location(name, spec.path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module

        def cleanup():
            sys.modules.pop(name, None)

        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            cleanup()
            raise
        return module, cleanup

    top = pkg_root.name
    search_dir = str(pkg_root.parent)
    dotted = ".".join(spec.path.relative_to(pkg_root.parent).with_suffix("").parts)

    def purge():
        for mod in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
            del sys.modules[mod]

    def cleanup():
        purge()
        if search_dir in sys.path:
            sys.path.remove(search_dir)

    purge()
    sys.path.insert(0, search_dir)
    try:
        module = importlib.import_module(dotted)
        assert Path(module.__file__).resolve() == spec.path.resolve(), (
            f"imported {module.__file__}, expected {spec.path}"
        )
    except BaseException:
        cleanup()
        raise
    return module, cleanup


def _invoke_warm(spec: Executable) -> tuple[list[object], list[background_probe.Leftovers]]:
    """Import once, invoke INVOCATIONS times. Each outcome is the exception raised or
    the result's repr (so that a returned coroutine is not kept alive); with it, the
    background work each invocation left running when it returned."""
    environ = dict(os.environ)
    module, cleanup = _load(spec)
    try:
        entry = getattr(module, spec.entry)
        outcomes: list[object] = []
        leftovers: list[background_probe.Leftovers] = []
        for i in range(1, INVOCATIONS + 1):
            with background_probe.watch() as left:
                try:
                    outcomes.append(repr(entry({"n": i}, None)))
                except Exception as exc:  # noqa: BLE001 - the outcome under test
                    outcomes.append(exc)
            leftovers.append(left)
        return outcomes, leftovers
    finally:
        cleanup()
        os.environ.clear()
        os.environ.update(environ)
        time.tzset()  # a fixture may have set TZ: the C library keeps the zone until told


def _describe(outcomes: list[object]) -> str:
    return "\n".join(
        f"  invocation {i}: {type(o).__name__}: {o}" if isinstance(o, BaseException) else f"  invocation {i}: {o!r}"
        for i, o in enumerate(outcomes, 1)
    )


def _module_files(spec: Executable) -> list[Path]:
    if spec.root is not None:
        return sorted(spec.root.rglob("*.py"))
    root = _package_root(spec.path)
    return sorted(root.rglob("*.py")) if root else [spec.path]


@pytest.mark.parametrize("spec", EXECUTABLES, ids=[s.id for s in EXECUTABLES])
def test_header_is_well_formed(spec: Executable):
    assert spec.warm in {"fails", "clean", "leaks", "leaks-data"}, (
        f"{spec.id}: warm= must be 'fails', 'leaks', 'leaks-data' or 'clean'")
    assert spec.entry.isidentifier(), f"{spec.id}: entry= must name a module-level callable"
    tree = ast.parse(spec.path.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    # or an object Lambda calls: `handler = OrderHandler()`, `handler = wrap(inner)`, a
    # method of an object made there (`handler = OrderHandler().handle`), or a lambda
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) and (
                    isinstance(n.value, (ast.Call, ast.Lambda))
                    or isinstance(n.value, ast.Attribute) and isinstance(n.value.value, ast.Call))
                for t in n.targets if isinstance(t, ast.Name)}
    assert spec.entry in defined, f"{spec.id}: no top-level function or object {spec.entry!r}"
    if spec.warm == "fails":
        assert spec.raises, f"{spec.id}: warm=fails needs raises=<exception>"
        _resolve_exception(spec.raises)
        assert spec.twins, f"{spec.id}: warm=fails needs twin=<good fixture showing the fix>"
        for twin in spec.twins:
            twin_spec = _parse_header(twin) if twin.exists() else None
            assert twin_spec is not None, f"{spec.id}: twin {twin} is not an executable fixture"
            assert twin_spec.warm == "clean", f"{spec.id}: twin {twin} must be warm=clean"
    elif spec.warm == "leaks":
        assert spec.raises is None, f"{spec.id}: raises= only makes sense with warm=fails"
        assert spec.leaks, f"{spec.id}: warm=leaks needs leaks=<kinds>"
        unknown = set(spec.leaks) - set(background_probe.KINDS)
        assert not unknown, f"{spec.id}: unknown leaks= kinds {sorted(unknown)}; use {background_probe.KINDS}"
        assert spec.twins, f"{spec.id}: warm=leaks needs twin=<good fixture showing the fix>"
        for twin in spec.twins:
            twin_spec = _parse_header(twin) if twin.exists() else None
            assert twin_spec is not None and twin_spec.warm == "clean", f"{spec.id}: twin {twin} must be warm=clean"
    elif spec.warm == "leaks-data":
        assert spec.first and spec.second and spec.secret, f"{spec.id}: warm=leaks-data needs first=, second=, secret="
        assert isinstance(json.loads(spec.first), dict) and isinstance(json.loads(spec.second), dict), spec.id
        assert spec.secret in spec.first and spec.secret not in spec.second, (
            f"{spec.id}: secret= must be caller A's data, absent from caller B's event")
        assert spec.twins, f"{spec.id}: warm=leaks-data needs twin=<good fixture showing the fix>"
        for twin in spec.twins:
            twin_spec = _parse_header(twin) if twin.exists() else None
            assert twin_spec is not None and twin_spec.warm == "clean", f"{spec.id}: twin {twin} must be warm=clean"
    else:
        assert spec.raises is None, f"{spec.id}: raises= only makes sense with warm=fails"
        assert not spec.leaks, f"{spec.id}: leaks= only makes sense with warm=leaks"


@pytest.mark.parametrize("spec", EXECUTABLES, ids=[s.id for s in EXECUTABLES])
def test_standard_library_only(spec: Executable):
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is None:  # Python < 3.10
        pytest.skip("sys.stdlib_module_names needs Python 3.10+")
    for path in _module_files(spec):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if spec.root is not None and ((spec.root / f"{top}.py").exists() or (spec.root / top).is_dir()):
                    continue  # deployed with the fixture, from its code root
                assert top in stdlib, f"{path.relative_to(FIXTURES)}:{node.lineno} imports {name!r}, not stdlib"


@pytest.mark.parametrize("spec", EXECUTABLES, ids=[s.id for s in EXECUTABLES])
def test_warm_invocations(spec: Executable):
    before = _temp_leftovers()
    outcomes, running = _invoke_warm(spec)
    own = _own_names(spec)
    leftovers = {p for p in _temp_leftovers() - before if own and os.path.basename(p).startswith(own)}
    assert not leftovers, f"{spec.id} left files behind: {sorted(leftovers)}"
    assert len(outcomes) == INVOCATIONS
    work = "\n".join(f"  invocation {i}: {r.describe()}" for i, r in enumerate(running, 1))

    if spec.warm in ("clean", "leaks-data"):
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, f"{spec.id} must survive {INVOCATIONS} warm invocations:\n{_describe(outcomes)}"
        assert not any(r.kinds() for r in running), (
            f"{spec.id} must finish its background work before each invocation returns:\n{work}"
        )
        return

    if spec.warm == "leaks":
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, f"{spec.id}: the invocations must return normally:\n{_describe(outcomes)}"
        warm_kinds = set().union(*(r.kinds() for r in running[1:]))
        missing = set(spec.leaks) - warm_kinds
        assert not missing, (
            f"{spec.id}: expected a warm invocation to leave {sorted(missing)} unfinished when it returns:\n{work}"
        )
        return

    expected = _resolve_exception(spec.raises)
    first = outcomes[0]
    assert not isinstance(first, BaseException), (
        f"{spec.id}: the cold (first) invocation must succeed, the bug shows only when warm:\n"
        f"{_describe(outcomes)}"
    )
    later = [o for o in outcomes[1:] if isinstance(o, BaseException)]
    assert later, f"{spec.id}: expected a warm invocation to raise {spec.raises}:\n{_describe(outcomes)}"
    assert isinstance(later[0], expected), (
        f"{spec.id}: the first warm failure should be {spec.raises}, got "
        f"{type(later[0]).__module__}.{type(later[0]).__qualname__}:\n{_describe(outcomes)}"
    )


def _two_callers(spec: Executable, first: dict, second: dict) -> tuple[str, str]:
    """Import once, handle caller A's event, then caller B's: the repr of each result."""
    environ = dict(os.environ)
    module, cleanup = _load(spec)
    try:
        entry = getattr(module, spec.entry)
        return repr(entry(json.loads(json.dumps(first)), None)), repr(entry(json.loads(json.dumps(second)), None))
    finally:
        cleanup()
        os.environ.clear()
        os.environ.update(environ)
        time.tzset()  # a fixture may have set TZ: the C library keeps the zone until told


DATA_LEAKS = [s for s in EXECUTABLES if s.warm == "leaks-data"]


@pytest.mark.parametrize("spec", DATA_LEAKS, ids=[s.id for s in DATA_LEAKS])
def test_one_callers_data_reaches_the_next(spec: Executable):
    """Caller B's result carries caller A's data; every fixed twin's does not."""
    first, second = json.loads(spec.first), json.loads(spec.second)
    a, b = _two_callers(spec, first, second)
    assert spec.secret in a, f"{spec.id}: caller A's own result should show its data {spec.secret!r}: {a}"
    assert spec.secret in b, f"{spec.id}: caller B (event {spec.second}) should see A's {spec.secret!r}: {b}"
    for twin in spec.twins:
        twin_spec = _parse_header(twin)
        ta, tb = _two_callers(twin_spec, first, second)
        assert spec.secret in ta, f"{twin_spec.id}: caller A's own result should show its data: {ta}"
        assert spec.secret not in tb, f"{twin_spec.id}: caller B must not see A's {spec.secret!r}: {tb}"


def test_enough_executable_fixtures():
    failing = [s for s in EXECUTABLES if s.warm == "fails"]
    clean = [s for s in EXECUTABLES if s.warm == "clean"]
    leaking = [s for s in EXECUTABLES if s.warm == "leaks"]
    assert len(failing) >= MIN_FAILING, f"only {len(failing)} warm=fails fixtures under {FIXTURES}"
    assert len(clean) >= MIN_CLEAN, f"only {len(clean)} warm=clean fixtures under {FIXTURES}"
    assert len(leaking) >= MIN_LEAKING, f"only {len(leaking)} warm=leaks fixtures under {FIXTURES}"
    assert len(DATA_LEAKS) >= MIN_DATA_LEAKS, f"only {len(DATA_LEAKS)} warm=leaks-data fixtures under {FIXTURES}"
