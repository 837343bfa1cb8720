"""The text of what /tmp code runs, read from the facts' constants: a string literal's
value, the verbs of SQL statements (what a database at a /tmp name gains or loses),
the words of a command line (``rm -rf /tmp/*`` removes, ``ffprobe`` only reads), and
whether a maker is told to work outside /tmp. Pure functions."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from lambdalint.knowledge.growth import TmpApi


def string_constant(source: Optional[str]) -> Optional[str]:
    """The value of a string literal's source text (``'"rm -rf /tmp/*"'``)."""
    if not source or source[-1:] not in "'\"":
        return None
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def elsewhere(consts: Dict[str, str]) -> bool:
    """``mkdtemp(dir="/mnt/efs")``: made outside /tmp."""
    d = consts.get("dir")
    return d is not None and d.strip("'\"rbuRBU").startswith("/") and not d.strip("'\"rbuRBU").startswith("/tmp")


_STATEMENT_START = re.compile(r"^[rRbBuU]{0,2}(?:\"\"\"|\'\'\'|\"|\')")


_UPSERT = re.compile(r"^INSERT\s+OR\b|\bON\s+CONFLICT\b", re.I)


def statement_verbs(source: Optional[str]) -> Tuple[str, ...]:
    """The first word of each SQL statement in a call's first argument, upper case, when
    it is a string constant (``"INSERT INTO t ..."``); () otherwise (a variable or an
    f-string: not known). An insert that may
    replace a row (``INSERT OR REPLACE``, ``ON CONFLICT``) is "UPSERT": whether it adds
    rows depends on its keys."""
    m = _STATEMENT_START.match(source or "")
    if m is None:
        return ()
    text = source[m.end():]  # type: ignore[index]
    verbs = []
    for statement in text.split(";"):
        words = statement.split(None, 1)
        if words and words[0].isalpha():
            verbs.append("UPSERT" if _UPSERT.search(statement.strip()) else words[0].upper())
    return tuple(verbs)


def command_removes(line: Optional[str], api: "TmpApi") -> Optional[bool]:
    """For a command line that removes (``rm -rf /tmp/*``, ``["rm", "-rf", path]``):
    whether it may remove something under /tmp. None when the command is not a removal
    or cannot be read (``line`` None: its words are not known)."""
    if line is None:
        return None
    for command in re.split(r"&&|\|\||[;|\n]", line):
        words = _program_words(command)
        if not words:
            continue
        program = words[0].rsplit("/", 1)[-1]
        for spec in api.programs:
            name, *needed = spec.split()
            if program == name and all(n in words for n in needed):
                targets = [w for w in words[1:] if not w.startswith("-")]
                return any(w.startswith("/tmp") or "{}" in w or "$" in w for w in targets) or not targets
    return None


def _program_words(command: str) -> List[str]:
    """A command's words from its program on: past environment assignments (``VAR=x rm
    ...``) and ``sudo``/``exec``/``command``/``nice``."""
    words = command.split()
    while words and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]
    if words and words[0] in ("sudo", "exec", "command", "nice"):
        words = words[1:]
    return words


def command_program(line: str) -> Optional[str]:
    """The program a command line runs (``/usr/bin/ffprobe -v error x`` -> ``ffprobe``);
    None when it is not written out."""
    words = _program_words(line)
    return words[0].rsplit("/", 1)[-1] if words and words[0] != "{}" else None
