"""The analyser's findings on fixtures/ must match the ``# expect:`` markers exactly.

A line where a diagnostic is expected ends with a marker::

    conn.close()  # expect: LAM101 handler=lambda_handler made=bad_sqlite_close.py:5

* the rule code (one per line);
* ``handler=``: the handler function the teardown is reached from; the diagnostic's
  message must name it;
* ``made=``: where the module-level resource was created, as ``<file name>:<line>``
  (the file relative to the marker's directory); the message must contain it.

``|`` separates acceptable alternatives (``made=a.py:8|a.py:22``). Lines without a
marker must produce no diagnostic: missing and unexpected findings both fail.

The analyser is run once over the whole tree through the CLI, exactly as
``lambdalint check --output-format json --exit-zero fixtures/``; its JSON output is a
list of ruff-shaped objects (``code``, ``message``, ``filename``, ``location.row``...).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
MARKER = re.compile(r"#\s*expect:\s*(?P<code>[A-Z]+\d+)(?P<rest>[^#]*)")
MADE = re.compile(r"^(?P<file>[\w.-]+\.py):(?P<line>\d+)$")

# Lower bounds so that a lost fixture cannot make the suite pass vacuously.
MIN_MARKERS = {"LAM101": 20, "LAM102": 5, "LAM201": 6, "LAM202": 3, "LAM203": 3, "LAM204": 3,
               "LAM301": 5, "LAM302": 8, "LAM303": 4, "LAM304": 3, "LAM305": 2, "LAM306": 2,
               "LAM501": 5, "LAM502": 3, "LAM503": 1}


@dataclass(frozen=True)
class Marker:
    path: Path
    line: int
    code: str
    handlers: tuple[str, ...]
    made: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int, str]:
        return (_rel(self.path), self.line, self.code)


def _rel(path: Path) -> str:
    return path.resolve().relative_to(FIXTURES.resolve()).as_posix()


FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))
FIXTURE_IDS = [_rel(p) for p in FIXTURE_FILES]


def _parse_markers(path: Path) -> list[Marker]:
    markers = []
    for lineno, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = MARKER.search(text)
        if not m:
            continue
        fields = {}
        for token in m.group("rest").split():
            key, sep, value = token.partition("=")
            assert sep, f"{_rel(path)}:{lineno}: marker token {token!r} is not key=value"
            fields[key] = tuple(v for v in value.split("|") if v)
        markers.append(
            Marker(
                path=path,
                line=lineno,
                code=m.group("code"),
                handlers=fields.get("handler", ()),
                made=fields.get("made", ()),
            )
        )
    return markers


MARKERS = {p: _parse_markers(p) for p in FIXTURE_FILES}
EXPECTED = {m.key: m for ms in MARKERS.values() for m in ms}


def _source_line(rel: str, line: int) -> str:
    try:
        return (FIXTURES / rel).read_text(encoding="utf-8").splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return "<no such line>"


# --------------------------------------------------------------------------- running the CLI


def _import_cli():
    try:
        from lambdalint.cli import main
    except ModuleNotFoundError as exc:
        if exc.name not in ("lambdalint", "lambdalint.cli"):
            raise
        sys.path.insert(0, str(REPO / "src"))
        for name in [m for m in sys.modules if m == "lambdalint" or m.startswith("lambdalint.")]:
            del sys.modules[name]
        from lambdalint.cli import main
    return main


def _runner():
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # click < 8.2: keep stderr out of stdout
    except TypeError:
        return CliRunner()  # click >= 8.2: result.stdout is stdout only


def _invoke(args):
    main = _import_cli()
    result = _runner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"lambdalint {' '.join(args)} crashed:\n{tb}")
    return result


def _stderr(result) -> str:
    try:
        return result.stderr
    except (ValueError, AttributeError):
        return ""


@dataclass(frozen=True)
class Finding:
    rel: str  # relative to fixtures/, or the resolved path when outside it
    line: int
    code: str
    message: str
    # the rest of the story as the JSON carries it: label, related places' labels, notes,
    # help, handlers; and the places (``<file name>:<line>``, the primary and related ones)
    story: str = ""
    places: frozenset = frozenset()

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.rel, self.line, self.code)


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    args = ["check", "--output-format", "json", "--exit-zero", str(FIXTURES)]
    result = _invoke(args)
    assert result.exit_code == 0, (
        f"--exit-zero run exited {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{_stderr(result)}"
    )
    try:
        payload = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(f"JSON output expected ({exc}); got:\n{result.stdout[:4000]}")
    assert isinstance(payload, list), f"JSON output must be a list of diagnostics, got {type(payload).__name__}"
    out = []
    for d in payload:
        for key in ("code", "message", "filename", "location"):
            assert key in d, f"diagnostic without {key!r}: {d}"
        path = Path(d["filename"])
        if not path.is_absolute():
            path = Path.cwd() / path
        path = path.resolve()
        try:
            rel = path.relative_to(FIXTURES.resolve()).as_posix()
        except ValueError:
            rel = str(path)
        related = d.get("related", [])
        story = " ".join([d.get("label", ""), *(r["message"] for r in related), *d.get("notes", []),
                          d.get("help", ""), *d.get("handlers", [])])
        places = frozenset(f"{Path(p).name}:{row}" for p, row in
                           [(d["filename"], d["location"]["row"]),
                            *((r["filename"], r["location"]["row"]) for r in related)])
        out.append(Finding(rel=rel, line=int(d["location"]["row"]), code=d["code"], message=d["message"],
                           story=story, places=places))
    return out


def _diff(rel: str, missing, unexpected, by_key) -> str:
    lines = [f"{rel}: findings differ from the # expect: markers"]
    for key in sorted(missing, key=lambda k: (k[1], k[2])):
        lines.append(f"  missing    {key[0]}:{key[1]} {key[2]}  | {_source_line(key[0], key[1])}")
    for key in sorted(unexpected, key=lambda k: (k[1], k[2])):
        msgs = "; ".join(f.message for f in by_key[key])
        lines.append(f"  unexpected {key[0]}:{key[1]} {key[2]}  {msgs}  | {_source_line(key[0], key[1])}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=FIXTURE_IDS)
def test_findings_match_markers(path: Path, findings: list[Finding]):
    rel = _rel(path)
    by_key: dict[tuple[str, int, str], list[Finding]] = {}
    for f in findings:
        if f.rel == rel:
            by_key.setdefault(f.key, []).append(f)
    expected = {m.key for m in MARKERS[path]}
    actual = set(by_key)
    missing, unexpected = expected - actual, actual - expected
    duplicates = {k: v for k, v in by_key.items() if len(v) > 1}
    assert not (missing or unexpected), _diff(rel, missing, unexpected, by_key)
    assert not duplicates, f"{rel}: reported more than once: " + ", ".join(
        f"{k[1]} {k[2]} x{len(v)}" for k, v in duplicates.items()
    )


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=FIXTURE_IDS)
def test_messages_name_handler_and_creation_site(path: Path, findings: list[Finding]):
    """Every diagnostic names the handler it is reached from and the line where the global was made:
    in its headline or the rest of its story (labels, notes, help, handlers) and its labelled places,
    all read from the JSON output (one run of the CLI for the whole module)."""
    rel = _rel(path)
    problems = []
    for f in findings:
        marker = EXPECTED.get(f.key)
        if f.rel != rel or marker is None:
            continue
        text = f"{f.message} {f.story}"
        issues = []
        if not any(re.search(rf"(?<!\w){re.escape(h)}\b", text) for h in marker.handlers):
            issues.append(f"does not name handler {'|'.join(marker.handlers)}")
        if marker.made and not any(m in f.places or re.search(rf"(?<![\w-]){re.escape(m)}(?!\d)", text)
                                   for m in marker.made):
            issues.append(f"does not cite creation site {'|'.join(marker.made)}")
        if issues:
            problems.append(f"  {rel}:{f.line} {f.code}: message {' and '.join(issues)}\n      story: {text}")
    assert not problems, "\n".join([f"{rel}: diagnostics must name their handler and creation site", *problems])


def test_no_findings_outside_fixture_files(findings: list[Finding]):
    known = set(FIXTURE_IDS)
    stray = sorted({f.rel for f in findings} - known)
    assert not stray, f"diagnostics for files that are not fixtures: {stray}"


def test_exit_code_without_exit_zero():
    result = _invoke(["check", "--output-format", "json", str(FIXTURES)])
    assert result.exit_code == 1, (
        f"expected exit code 1 (there are findings), got {result.exit_code}\n"
        f"stdout:\n{result.stdout[:2000]}\nstderr:\n{_stderr(result)[:2000]}"
    )


# --------------------------------------------------------------------------- the markers themselves
# These need no analyser: they keep the fixtures honest.


def _defined_functions(directory: Path) -> set[str]:
    names = set()
    for path in directory.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
                # a def whose name a later def takes is named by its line: `handler@15`
                names.add(f"{node.name}@{node.lineno}")
                # a function defined in one: a route an app factory registers, `create_app.health`
                names.update(f"{node.name}.{m.name}" for m in node.body
                             if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
            elif isinstance(node, ast.ClassDef):  # a method as entry point: `OrderHandler.__call__`
                names.update(f"{node.name}.{m.name}" for m in node.body
                             if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return names


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=FIXTURE_IDS)
def test_markers_are_well_formed(path: Path):
    rel = _rel(path)
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    markers = MARKERS[path]
    if path.name.startswith("good_") or path.parent.name.endswith("_fixed"):
        assert not markers, f"{rel}: good fixtures carry no # expect: markers"
    if path.name.startswith("bad_"):
        assert markers, f"{rel}: a bad fixture needs at least one # expect: marker"
    functions = _defined_functions(path.parent)
    for m in markers:
        where = f"{rel}:{m.line}"
        assert re.fullmatch(r"LAM\d{3}", m.code), f"{where}: bad rule code {m.code!r}"
        assert m.handlers, f"{where}: marker needs handler=<function>"
        line_text = path.read_text(encoding="utf-8").splitlines()[m.line - 1]
        # os.environ, structlog's context: made by no line of the code
        if m.code not in ("LAM502", "LAM503") and not (m.code == "LAM201" and "os.environ" in line_text):
            assert m.made, f"{where}: marker needs made=<file>:<line>"
        for h in m.handlers:
            assert h in functions, f"{where}: handler {h!r} is not defined in {_rel(path.parent) or '.'}/"
        for made in m.made:
            mm = MADE.match(made)
            assert mm, f"{where}: made={made!r} must look like file.py:LINE"
            target = path.parent / mm.group("file")
            assert target.exists(), f"{where}: made= file {target} does not exist"
            lines = target.read_text(encoding="utf-8").splitlines()
            n = int(mm.group("line"))
            assert 1 <= n <= len(lines), f"{where}: made= line {n} out of range"
            # a call makes a resource; a display (`CACHE = {}`) makes a collection, a string
            # constant text (`LOG = ""`); the leakage rules (LAM5xx) name any module state,
            # bound by an assignment (`USER = None`)
            makes = "([{=" if m.code.startswith("LAM5") else "([{\"'"
            assert any(c in lines[n - 1] for c in makes), f"{where}: made= line {n} makes nothing: {lines[n - 1].strip()!r}"


def test_bad_packages_have_markers():
    for pkg in sorted({p.parent for p in FIXTURE_FILES if (p.parent / "__init__.py").exists()}):
        if pkg.name.endswith("_fixed"):
            continue
        count = sum(len(MARKERS[p]) for p in FIXTURE_FILES if p.parent == pkg)
        assert count, f"{_rel(pkg / '__init__.py')}: the package has no # expect: markers"


def test_marker_counts():
    counts = Counter(code for (_, _, code) in EXPECTED)
    for code, minimum in MIN_MARKERS.items():
        assert counts[code] >= minimum, f"only {counts[code]} {code} markers under {FIXTURES} (want >= {minimum})"
