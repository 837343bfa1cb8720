"""The README's copy-paste snippets, found by their `<!-- snippet: NAME -->` marker,
so the tests run exactly what users copy."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SNIPPET = re.compile(r"<!-- snippet: (?P<name>[\w-]+) -->\n```\w*\n(?P<body>.*?)\n```", re.DOTALL)


def snippet(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {m.group("name"): m.group("body") + "\n" for m in _SNIPPET.finditer(text)}
    assert name in found, f"README.md has no snippet {name!r} (has: {sorted(found)})"
    return found[name]
