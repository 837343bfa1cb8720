"""Reporters: one module per output format. They know diagnostics, not rules."""

from __future__ import annotations

from typing import Callable, Dict, List, TextIO

from lambdalint.diagnostics import Diagnostic


def reporter(name: str) -> Callable[[List[Diagnostic], TextIO, bool], None]:
    from lambdalint.report import concise, full, json_format

    formats: Dict[str, Callable[[List[Diagnostic], TextIO, bool], None]] = {
        "full": full.write,
        "concise": concise.write,
        "json": json_format.write,
    }
    return formats[name]
