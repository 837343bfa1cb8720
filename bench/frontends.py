"""Per-file cost of the index against a plain libcst parse, in one process.

For every .py file under the folders given (default: botocore and pip), in
the same process and interleaved file by file: libcst's ``parse_module``
alone; ``index_source`` (the check path: decode, guard, the ast front end,
the walk, mentions, suppressions); and the same file through the libcst path
(``guard.measure``, blanking, libcst's parse, positions, the walk), as every
file was indexed before the ast front end. Prints each total and its ratio to
the parse. Timings are noisy on a shared machine: compare ratios of one run.

    python bench/frontends.py [FOLDER ...]
"""

from __future__ import annotations

import gc
import importlib.util
import sys
import time
from pathlib import Path
from typing import List


def _default_folders() -> List[str]:
    out = []
    for name in ("botocore", "pip"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            out.extend(spec.submodule_search_locations)
    return out


def main(folders: List[str]) -> None:
    import libcst

    from lambdalint.index import guard, via_cst
    from lambdalint.index.build import index_source
    from lambdalint.index.source import decode_source

    files = [p for folder in folders for p in sorted(Path(folder).rglob("*.py"))]
    parse = ast_path = cst_path = 0.0
    for path in files:
        data = path.read_bytes()
        gc.disable()
        try:
            t0 = time.perf_counter()
            try:
                libcst.parse_module(data)
            except Exception:  # noqa: BLE001 - costs what it costs
                pass
            t1 = time.perf_counter()
            index_source(data, str(path), "m")
            t2 = time.perf_counter()
            text = decode_source(data)
            refusal, tree = guard.measure(text)
            if refusal is None:
                via_cst.index_with_libcst(data, text, tree, str(path), "m", False)
            t3 = time.perf_counter()
        finally:
            gc.enable()
            gc.collect()
        parse += t1 - t0
        ast_path += t2 - t1
        cst_path += t3 - t2
    print(f"{len(files)} files")
    print(f"libcst.parse_module alone      {parse:7.2f} s  1.00")
    print(f"index_source (ast front end)   {ast_path:7.2f} s  {ast_path / parse:.2f}")
    print(f"the libcst path (as before)    {cst_path:7.2f} s  {cst_path / parse:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or _default_folders())
