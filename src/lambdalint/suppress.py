"""``# noqa`` comments: a bare ``# noqa`` silences every code on its line,
``# noqa: LAM101, LAM102`` only those."""

from __future__ import annotations

from typing import Optional

from lambdalint.diagnostics import Diagnostic
from lambdalint.facts import ModuleFacts


def is_suppressed(diagnostic: Diagnostic, facts: Optional[ModuleFacts]) -> bool:
    if facts is None or diagnostic.code in ("LAM000", "LAM001"):
        return False
    # a multi-line statement can carry its noqa on its first or last line
    for line in {diagnostic.span[0], diagnostic.span[2]}:
        if line in facts.noqa:
            codes = facts.noqa[line]
            if codes is None or diagnostic.code in codes:
                return True
    return False
