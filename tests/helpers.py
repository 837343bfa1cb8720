"""Shared helpers: lint small projects written into a temporary folder."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Dict, List, Set, Tuple

from lambdalint.config import Settings
from lambdalint.diagnostics import Diagnostic
from lambdalint.run import run_check

MARKER = re.compile(r"#\s*expect:\s*(LAM\d{3})")


def write_project(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def lint(root: Path, files: Dict[str, str], settings: Settings = Settings()) -> List[Diagnostic]:
    write_project(root, files)
    return run_check([str(root)], settings).diagnostics


def expected_markers(root: Path) -> Set[Tuple[str, int, str]]:
    out = set()
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for code in MARKER.findall(line):
                out.add((path.name, number, code))
    return out


def found(diagnostics: List[Diagnostic]) -> Set[Tuple[str, int, str]]:
    return {(Path(d.path).name, d.line, d.code) for d in diagnostics}
