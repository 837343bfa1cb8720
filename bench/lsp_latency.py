"""How long `lambdalint server` takes to answer an edit: a scripted editor on
bench/'s monorepo (S1 of bench/bench.py: the services made from fixtures/
inside ~300k lines of installed library sources).

    python bench/lsp_latency.py                  # 300k lines, 20 edits
    python bench/lsp_latency.py --lines 50000 --edits 10

The editor (pygls' client, tests/lspclient.py) opens three files: a handler
module with a finding, a handler module of a package whose database module
is in another file, and that database module. It times, from the moment the
change is sent to the moment ``textDocument/publishDiagnostics`` arrives:

  open      the first diagnostics (the project walked and indexed, cold);
  edit      an edit of a handler module that removes or restores its finding;
  cross     an edit of db.py that removes or restores report.py's finding;
  restart   the first diagnostics of a new server, with the cache the first left;
  ... cpu   the server's CPU time (user + system, from /proc) for each edit: on a
            busy machine the wall time waits for a core, this does not.

The server runs with no debounce (``initializationOptions.debounce = 0``): the
figures are the analysis, not the wait for the next keystroke (20 ms by default).
Needs pygls (pip install -e '.[server]').
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

import bench  # noqa: E402

CLOSE = "    c.close()  # expect: LAM101 handler=handler made=bad_alias_close.py:5\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=300_000, help="lines of library code in the corpus")
    parser.add_argument("--edits", type=int, default=20, help="edits of each kind (the median is shown)")
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "lambdalint-lsp-bench"),
                        help="folder for the corpus (rebuilt)")
    args = parser.parse_args(argv)
    try:
        import pygls  # noqa: F401
    except ImportError:
        print("lsp_latency: needs pygls: pip install -e '.[server]'", file=sys.stderr)
        return 2
    work = Path(args.work)
    s1, _, packages = bench.build_corpus(work, args.lines)
    subprocess.run(["git", "init", "-q", str(s1)], check=True)
    shutil.rmtree(work / "s2")
    files = sum(1 for _ in s1.rglob("*.py"))
    print(f"corpus: {files} Python files, {bench.count_lines(s1):,} lines ({', '.join(packages)} and 36 services)")
    results = asyncio.run(scenario(s1, args.edits))
    print()
    print(f"{'':10} {'median':>9} {'p90':>9} {'max':>9}   (seconds, change sent -> diagnostics received)")
    try:
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    except OSError:
        pass
    for name, times in results.items():
        times = sorted(times)
        p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
        print(f"{name:10} {statistics.median(times):9.3f} {p90:9.3f} {max(times):9.3f}   n={len(times)}")
    return 0


async def scenario(root: Path, edits: int) -> Dict[str, List[float]]:
    from lspclient import Editor

    # the one-file case and the cross-module package, in whichever services the
    # fixtures' round robin (bench.make_services) put them
    services = sorted((root / "services").iterdir())
    bad = next(s / "bad_alias_close.py" for s in services if (s / "bad_alias_close.py").is_file())
    cross = next(s / "crossmod" for s in services if (s / "crossmod" / "report.py").is_file())
    app, db = cross / "report.py", cross / "db.py"
    results: Dict[str, List[float]] = {"open": [], "edit": [], "edit cpu": [], "cross": [], "cross cpu": [],
                                       "restart": []}
    ed = Editor(root, options={"cache": True, "debounce": 0})
    await ed.start()
    try:
        start = time.perf_counter()
        u_bad = ed.open(bad)
        await ed.next(u_bad, 0)
        results["open"].append(time.perf_counter() - start)
        u_app, u_db = ed.open(app), ed.open(db)
        await ed.next(u_app, 0)
        await ed.next(u_db, 0)
        text = bad.read_text()
        assert CLOSE in text and ed.codes(u_bad) == ["LAM101"], ed.codes(u_bad)
        for i in range(edits):
            # every edit is new text with new facts (a fresh module-level name), as typing
            # is: alternating two texts would let the server answer from its cache
            body = text.replace(CLOSE, "") if i % 2 == 0 else text
            results["edit"].append(await timed(ed, u_bad, u_bad, body + f"\nedit_number_{i} = {i}\n"))
            # the answer is checked, not only its time: the finding goes and comes back
            assert ed.codes(u_bad) == ([] if i % 2 == 0 else ["LAM101"]), (i, ed.codes(u_bad))
        results["edit cpu"] = CPU[:]
        CPU.clear()
        db_text = db.read_text()
        lazy = db_text.replace('conn = sqlite3.connect(":memory:")', "conn = None")
        assert lazy != db_text and ed.codes(u_app) == ["LAM101"], ed.codes(u_app)
        for i in range(edits):
            body = lazy if i % 2 == 0 else db_text
            results["cross"].append(await timed(ed, u_db, u_app, body + f"\nedit_number_{i} = {i}\n"))
            assert ed.codes(u_app) == ([] if i % 2 == 0 else ["LAM101"]), (i, ed.codes(u_app))
        results["cross cpu"] = CPU[:]
    finally:
        await ed.stop()
    ed = Editor(root, options={"cache": True, "debounce": 0})
    await ed.start()
    try:
        start = time.perf_counter()
        u_bad = ed.open(bad)
        await ed.next(u_bad, 0)
        results["restart"].append(time.perf_counter() - start)
    finally:
        await ed.stop()
    return results


def server_cpu(ed) -> float:
    """The server process's CPU time (user + system), from /proc (Linux); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{ed.client._server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


CPU: List[float] = []


async def timed(ed, edited: str, watched: str, text: str) -> float:
    n = ed.count(watched)
    cpu = server_cpu(ed)
    start = time.perf_counter()
    ed.replace_all(edited, text)
    await ed.next(watched, n)
    CPU.append(server_cpu(ed) - cpu)
    return ed.published[watched][n][0] - start


if __name__ == "__main__":
    sys.exit(main())
