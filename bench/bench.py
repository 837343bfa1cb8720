"""lambdalint's benchmark: build a corpus offline from installed packages, then
time lambdalint against a plain libcst parse of the same files (and Fixit and
pythaw where installed), side by side, medians of several runs.

    python bench/bench.py                 # ~300k lines, 3 runs each
    python bench/bench.py --lines 100000 --runs 5 --work /tmp/llbench

Scenarios (see the README, "Benchmark"):
  S1  a monorepo: handler services made from fixtures/ inside ~300k lines of
      the installed sources of large packages (botocore, pip, ...);
  S2  the same lines, every module imported by some handler (the worst case).
Each is run cold (empty cache), warm (unchanged re-run) and, for S2, after an
edit to one library module: a comment appended (the run memo proves that it
changes nothing), a function appended (its facts change, but only in a function
nothing names: the run memo answers after indexing that file), a function
appended with a module-level name bound to it by a list display (an inert
binding nothing names: the memo answers too), then one bound by a call (every
stage runs again, and the rules for the handlers whose Lambda loads that module). lambdalint is byte-compiled first, as pip does when it installs it.
Every command runs in its own process; wall time, CPU time (user + system,
worker processes included) and peak RSS (of the largest process) come from
``bench/_measure.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SRC = REPO / "src"
sys.path.insert(0, str(SRC))

# Large pure-Python packages, in the order they are taken until the line budget
# is reached (the corpus is the same wherever the same versions are installed).
CANDIDATES = ("botocore", "pip", "setuptools", "pygments", "docutils", "awscli", "networkx", "sympy",
              "IPython", "jedi", "prompt_toolkit", "werkzeug", "_pytest", "pydantic", "libcst")
SERVICES = 36
ALL_REACHING_HANDLERS = 24
# The floor (a fresh process that imports libcst and parses one file) is the
# denominator of every edit row, and the import of libcst alone varies by a
# fifth run to run on a busy machine: its median is taken over more runs (each
# about a quarter of a second).
FLOOR_RUNS = 7


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=300_000, help="lines of library code in the corpus")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--jobs", type=int, default=None, help="lambdalint --jobs (default: its own default)")
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "lambdalint-bench"),
                        help="folder for the corpus and caches (rebuilt)")
    parser.add_argument("--no-others", action="store_true", help="skip Fixit and pythaw")
    parser.add_argument("--quick", action="store_true",
                        help="the edit scenarios only (no cold S1, no reference parse of the corpus, no others)")
    args = parser.parse_args(argv)

    work = Path(args.work)
    precompile()
    s1, s2, packages = build_corpus(work, args.lines)
    lines = count_lines(s2)
    print(f"corpus: {lines:,} lines in {sum(1 for _ in s2.rglob('*.py')):,} files "
          f"({', '.join(packages)}); {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")

    rows: List[Dict[str, object]] = []
    reference = measure([sys.executable, str(HERE / "_parse_all.py"), str(s2)], 1 if args.quick else args.runs)
    rows.append(row("reference: libcst parse_module of every file, 1 process", reference))
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []

    for name, tree in (("S1", s1), ("S2", s2)):
        cache = work / f"cache-{name}"
        lint = lambda: [sys.executable, "-m", "lambdalint", "check", "-q", "--output-format", "concise",  # noqa: E731
                        "--cache-dir", str(cache), *jobs, str(tree)]
        cold = measure(lint(), 1 if args.quick else args.runs, before=lambda: shutil.rmtree(cache, ignore_errors=True))
        rows.append(row(f"{name} cold: lambdalint check", cold))
        warm = measure(lint(), args.runs)
        rows.append(row(f"{name} warm (unchanged)", warm, cold_wall=cold["wall"]))
        counter = iter(range(10_000))
        if name == "S1":
            # a code edit (its facts change, seen by every stage: a function and a name bound by a call
            # to it) in one handler file, then in a library module handlers share
            for label, victim in (("a handler file", pick_handler_file(tree)),
                                  ("a shared library module", pick_shared_module(tree))):
                edited = measure(lint(), args.runs, before=lambda: add_function(victim, next(counter), named="call"))
                floor = measure(floor_cmd(victim), max(FLOOR_RUNS, args.runs))
                rows.append(row(f"S1 warm, code edit in {label} ({victim.relative_to(tree)})", edited, floor=floor))
                rows.append(row("  floor: `import libcst` + parse of that file", floor))
        if name == "S2":
            victim = pick_changed_file(tree)
            changed = measure(lint(), args.runs, before=lambda: touch(victim, next(counter)))
            floor = measure(floor_cmd(victim), max(FLOOR_RUNS, args.runs))
            rows.append(row(f"S2 warm, one file changed: a comment ({victim.relative_to(tree)})", changed, floor=floor))
            edited = measure(lint(), args.runs, before=lambda: add_function(victim, next(counter)))
            rows.append(row("S2 warm, one file changed: a function added (facts change)", edited, floor=floor))
            named = measure(lint(), args.runs, before=lambda: add_function(victim, next(counter), named=True))
            rows.append(row("S2 warm, one file changed: a function added and named by an inert binding", named,
                            floor=floor))
            called = measure(lint(), args.runs, before=lambda: add_function(victim, next(counter), named="call"))
            rows.append(row("S2 warm, one file changed: a function added and named by a call (every stage runs)",
                            called, floor=floor))
            rows.append(row("  floor: `import libcst` + parse of that file", floor))
    if not (args.no_others or args.quick):
        for label, cmd in (("Fixit: fixit lint (its default rules)", ["fixit", "lint", str(s2)]),
                           ("pythaw: pythaw check", ["pythaw", "check", "--exit-zero", str(s2)])):
            if shutil.which(cmd[0]):
                rows.append(row(f"{label}, S2", measure(cmd, max(1, args.runs - 1))))
            else:
                print(f"({cmd[0]} not installed: skipped)")
    print_table(rows, reference["wall"])
    return 0


# --- the corpus --------------------------------------------------------------------------

def build_corpus(work: Path, budget: int):
    if work.exists():
        shutil.rmtree(work)
    s1 = work / "s1"
    libs = s1 / "libs"  # not a package: the libraries keep their own module names
    libs.mkdir(parents=True)
    taken: List[str] = []
    total = 0
    site = Path(sysconfig.get_paths()["purelib"])
    for name in CANDIDATES:
        if total >= budget:
            break
        spec = importlib.util.find_spec(name) if _safe_find(name) else None
        if spec is None or not spec.submodule_search_locations:
            continue
        origin = Path(list(spec.submodule_search_locations)[0])
        files = sorted(p for p in origin.rglob("*.py") if "__pycache__" not in p.parts)
        version = _version(name)
        taken.append(f"{name} {version}".strip())
        for path in files:
            if total >= budget:
                break
            target = libs / name / path.relative_to(origin)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            total += count_file_lines(target)
    if not taken:
        raise SystemExit(f"bench: none of {', '.join(CANDIDATES)} is installed (looked in {site})")
    make_services(s1 / "services")
    s2 = work / "s2"
    shutil.copytree(s1, s2)
    make_all_reaching(s2)
    return s1, s2, taken


def _safe_find(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _version(name: str) -> str:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:
        return ""


def make_services(root: Path) -> None:
    """A few dozen services made from the fixtures: each gets a handful of
    handler modules (round robin over fixtures/) and one handler that uses a
    library of the monorepo, as services share code."""
    fixtures = sorted(p for p in (REPO / "fixtures").rglob("*.py") if p.parent.name in ("lam101", "lam102"))
    packages = sorted({p.parent for p in (REPO / "fixtures").rglob("__init__.py")})
    for n in range(SERVICES):
        svc = root / f"svc{n:02d}"
        svc.mkdir(parents=True)
        for i, f in enumerate(fixtures):
            if i % SERVICES == n or (i + n) % SERVICES == 0:
                shutil.copyfile(f, svc / f.name)
        if packages:
            shutil.copytree(packages[n % len(packages)], svc / packages[n % len(packages)].name)
        (svc / "shared_handler.py").write_text(
            '"""Uses a library the monorepo holds."""\n'
            "import json\n\n"
            "try:\n    from botocore.exceptions import ClientError\nexcept ImportError:\n    ClientError = Exception\n\n\n"
            "def handler(event, context):\n"
            "    try:\n        return json.dumps(event)\n    except ClientError:\n        return None\n",
            encoding="utf-8")


def make_all_reaching(root: Path) -> None:
    """Handlers that import every module of the libraries between them."""
    from lambdalint.project.discover import discover

    modules = sorted(s.module for s in discover([str(root / "libs")]))
    folder = root / "services" / "reach_all"
    folder.mkdir(parents=True)
    for n in range(ALL_REACHING_HANDLERS):
        mine = modules[n::ALL_REACHING_HANDLERS]
        body = "".join(f"import {m}  # noqa\n" for m in mine)
        (folder / f"reach_{n:02d}.py").write_text(
            f'"""Imports {len(mine)} modules."""\n{body}\n\ndef handler(event, context):\n    return None\n',
            encoding="utf-8")


def pick_changed_file(tree: Path) -> Path:
    """A mid-sized library module (the same one on every run)."""
    files = sorted(tree.joinpath("libs").rglob("*.py"))
    sized = sorted(files, key=lambda p: (abs(count_file_lines(p) - 400), str(p)))
    return sized[0]


def pick_handler_file(tree: Path) -> Path:
    """The handler module of the first service that uses the shared library."""
    return tree / "services" / "svc00" / "shared_handler.py"


def pick_shared_module(tree: Path) -> Path:
    """The library module every service's ``shared_handler`` imports."""
    return tree / "libs" / "botocore" / "exceptions.py"


def floor_cmd(path: Path) -> List[str]:
    """The floor of an edit: a fresh process that imports libcst and parses the edited file."""
    return [sys.executable, "-c", "import sys, libcst; libcst.parse_module(open(sys.argv[1], 'rb').read())", str(path)]


def touch(path: Path, n: int) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"# bench edit {n}\n")


def add_function(path: Path, n: int, named: object = False) -> None:
    """A function at the end of ``path``; ``named``: and a module-level name bound
    to it by a list display (an inert binding nothing names, which no stage sees:
    ``lambdalint.graph.inert_bindings``), or, ``"call"``, by a call, so that the
    function can run (``lambdalint.graph.liveness``) and every stage sees the edit."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n\ndef _bench_edit_{n}():\n    return {n}\n")
        if named == "call":
            fh.write(f"\n\n_BENCH_EDITS_{n} = list((_bench_edit_{n},))\n")
        elif named:
            fh.write(f"\n\n_BENCH_EDITS_{n} = [_bench_edit_{n}]\n")


def precompile() -> None:
    """Byte-compile lambdalint, as pip does when it installs a package (libcst,
    in the reference, is installed): where PYTHONDONTWRITEBYTECODE is set, each
    run would otherwise compile lambdalint's modules again."""
    import compileall

    compileall.compile_dir(str(SRC / "lambdalint"), quiet=1)


def count_lines(root: Path) -> int:
    return sum(count_file_lines(p) for p in root.rglob("*.py"))


def count_file_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return fh.read().count(b"\n")


# --- measuring ---------------------------------------------------------------------------

def measure(cmd: List[str], runs: int, before=None) -> Dict[str, float]:
    samples = []
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(runs):
        if before is not None:
            before()
        out = subprocess.run([sys.executable, str(HERE / "_measure.py"), *cmd], capture_output=True, text=True,
                             env=env, cwd=str(REPO))
        try:
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
        except (IndexError, ValueError):
            raise SystemExit(f"bench: measuring {' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return {k: statistics.median(s[k] for s in samples) for k in ("wall", "cpu", "rss_mib")}


def row(label: str, m: Dict[str, float], cold_wall: Optional[float] = None,
        floor: Optional[Dict[str, float]] = None) -> Dict[str, object]:
    return {"label": label, **m, "cold_wall": cold_wall, "floor": floor}


def print_table(rows: List[Dict[str, object]], reference_wall: float) -> None:
    print()
    print("| measurement | wall s | CPU s | peak RSS MiB | wall / reference | note |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        note = ""
        if r["cold_wall"]:
            note = f"{100 * float(r['wall']) / float(r['cold_wall']):.1f} % of cold"  # type: ignore[arg-type]
        floor = r.get("floor")
        if floor:
            note = (f"{float(r['wall']) / floor['wall']:.1f}× the floor (wall), "  # type: ignore[index]
                    f"{float(r['cpu']) / floor['cpu']:.1f}× (CPU)")  # type: ignore[index]
        print(f"| {r['label']} | {float(r['wall']):.2f} | {float(r['cpu']):.2f} | {float(r['rss_mib']):.0f} "  # type: ignore[arg-type]
              f"| {float(r['wall']) / reference_wall:.3f} | {note} |")  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
