"""``--statistics``: how many findings of each code, most frequent first."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, List, TextIO

from lambdalint.report.diagnostics import Diagnostic
from lambdalint.report.concise import fixable_marker


def counts(diagnostics: List[Diagnostic]) -> List[Dict[str, Any]]:
    by_code = Counter(d.code for d in diagnostics)
    names = {d.code: d.name for d in diagnostics}
    # as the `[*]` of the concise format: what plain --fix repairs
    fixable = Counter(d.code for d in diagnostics if fixable_marker(d))
    return [{"code": code, "name": names[code], "count": n, "fixable": fixable[code]}
            for code, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))]


def write(diagnostics: List[Diagnostic], out: TextIO, as_json: bool) -> None:
    rows = counts(diagnostics)
    if as_json:
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    width = max([len(str(r["count"])) for r in rows] + [1])
    for r in rows:
        marker = "[*]" if r["fixable"] else "[ ]"
        out.write(f"{str(r['count']).rjust(width)}\t{r['code']}\t{marker} {r['name']}\n")
