"""A small, careful reader for the structure of Terraform's HCL files.

It reads blocks (``resource "aws_lambda_function" "api" { ... }``) and their
attributes, keeping each attribute's expression as source text with its line;
``evaluate`` then understands the few expression forms deployment paths use:
string templates (``"${path.module}/src"``) and references (``local.x``,
``var.x``, ``data.archive_file.zip.output_path``). Anything else evaluates to
``None``: the caller says it cannot follow it, rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_REFERENCE = re.compile(r"^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*$")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")
_MAX_BYTES = 5 * 1024 * 1024


class HclError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class Attribute:
    name: str
    raw: str  # the expression's source text
    line: int


@dataclass
class Block:
    type: str
    labels: List[str]
    line: int
    attributes: Dict[str, Attribute] = field(default_factory=dict)
    blocks: List["Block"] = field(default_factory=list)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def advance(self, n: int = 1) -> str:
        chunk = self.text[self.pos:self.pos + n]
        self.line += chunk.count("\n")
        self.pos += n
        return chunk

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_space(self, newlines: bool) -> None:
        """Skip blanks and comments (and newlines when ``newlines``)."""
        while not self.at_end():
            c = self.peek()
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#" or self.peek(2) == "//":
                end = self.text.find("\n", self.pos)
                self.advance((end if end >= 0 else len(self.text)) - self.pos)
            elif self.peek(2) == "/*":
                end = self.text.find("*/", self.pos + 2)
                if end < 0:
                    raise HclError(self.line, "unterminated /* comment")
                self.advance(end + 2 - self.pos)
            else:
                return

    def string(self) -> str:
        """A quoted string (the opening quote is next), returned with its quotes."""
        start = self.pos
        self.advance()
        while True:
            if self.at_end() or self.peek() == "\n":
                raise HclError(self.line, "unterminated string")
            c = self.peek()
            if c == "\\":
                self.advance(2)
            elif c == '"':
                self.advance()
                return self.text[start:self.pos]
            elif self.peek(2) in ("${", "%{"):
                self.advance(2)
                self.expression_until("}")
                self.advance()
            else:
                self.advance()

    def heredoc(self) -> None:
        m = _HEREDOC.match(self.text, self.pos)
        assert m is not None
        self.advance(m.end() - self.pos)
        marker = m.group(2)
        while not self.at_end():
            end = self.text.find("\n", self.pos)
            line = self.text[self.pos:end if end >= 0 else len(self.text)]
            self.advance(len(line) + (1 if end >= 0 else 0))
            if line.strip() == marker:
                return
        raise HclError(self.line, f"unterminated heredoc <<{marker}")

    def expression_until(self, closer: str) -> str:
        """Source text up to (not including) ``closer`` at depth 0, or a newline
        at depth 0 when ``closer`` is ``"\\n"``."""
        start = self.pos
        depth = 0
        while not self.at_end():
            c = self.peek()
            if depth == 0 and (c == closer or (closer == "\n" and c == "}")):
                return self.text[start:self.pos]
            if c == '"':
                self.string()
            elif c == "<" and _HEREDOC.match(self.text, self.pos):
                self.heredoc()
            elif c == "#" or self.peek(2) == "//":
                if depth == 0 and closer == "\n":  # a line comment ends the expression
                    text = self.text[start:self.pos]
                    self.skip_space(newlines=False)
                    return text
                self.skip_space(newlines=False)
            elif self.peek(2) == "/*":
                end = self.text.find("*/", self.pos + 2)
                if end < 0:
                    raise HclError(self.line, "unterminated /* comment")
                self.advance(end + 2 - self.pos)
            elif c in "([{":
                depth += 1
                self.advance()
            elif c in ")]}":
                depth -= 1
                if depth < 0:
                    raise HclError(self.line, f"unbalanced '{c}'")
                self.advance()
            else:
                self.advance()
        if closer == "\n" and depth == 0:
            return self.text[start:self.pos]
        raise HclError(self.line, f"unterminated expression (expected '{closer}')")


def parse(text: str) -> Block:
    """The file as a root block. Raises ``HclError`` on what it cannot read."""
    if len(text) > _MAX_BYTES:
        raise HclError(1, "file too large")
    s = _Scanner(text)
    root = Block("", [], 1)
    _body(s, root, top=True)
    return root


def _body(s: _Scanner, block: Block, top: bool, depth: int = 0) -> None:
    if depth > 50:
        raise HclError(s.line, "blocks nested too deeply")
    while True:
        s.skip_space(newlines=True)
        if s.at_end():
            if not top:
                raise HclError(s.line, f"missing '}}' for block {block.type} opened on line {block.line}")
            return
        if s.peek() == "}":
            if top:
                raise HclError(s.line, "unexpected '}'")
            s.advance()
            return
        m = _IDENT.match(s.text, s.pos)
        if m is None:
            raise HclError(s.line, f"unexpected {s.peek()!r}")
        name, line = m.group(0), s.line
        s.advance(len(name))
        s.skip_space(newlines=False)
        if s.peek() == "=" and s.peek(2) != "==":
            s.advance()
            s.skip_space(newlines=False)
            raw = s.expression_until("\n").strip()
            block.attributes[name] = Attribute(name, raw, line)
            continue
        labels: List[str] = []
        while True:
            s.skip_space(newlines=False)
            c = s.peek()
            if c == '"':
                labels.append(_unquote(s.string()) or "")
            elif c == "{":
                s.advance()
                child = Block(name, labels, line)
                _body(s, child, top=False, depth=depth + 1)
                block.blocks.append(child)
                break
            else:
                lm = _IDENT.match(s.text, s.pos)
                if lm is None:
                    raise HclError(s.line, f"expected '=' or '{{' after {name!r}")
                labels.append(lm.group(0))
                s.advance(len(lm.group(0)))


def _unquote(raw: str) -> Optional[str]:
    """The value of a string literal without interpolation, else None."""
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        return None
    parts = _template_parts(raw[1:-1])
    if parts is None or any(kind != "text" for kind, _ in parts):
        return None
    return "".join(v for _, v in parts)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _template_parts(body: str) -> Optional[List[tuple]]:
    """Split a string template into ("text", s) and ("expr", source) parts."""
    parts: List[tuple] = []
    text: List[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            text.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        elif body.startswith("$${", i) or body.startswith("%%{", i):
            text.append(body[i + 1:i + 3])
            i += 3
        elif body.startswith("${", i):
            end = _matching_brace(body, i + 2)
            if end < 0:
                return None
            if text:
                parts.append(("text", "".join(text)))
                text = []
            parts.append(("expr", body[i + 2:end].strip().strip("~").strip()))
            i = end + 1
        elif body.startswith("%{", i):
            return None  # template directives: not evaluated
        else:
            text.append(c)
            i += 1
    if text:
        parts.append(("text", "".join(text)))
    return parts


def _matching_brace(body: str, start: int) -> int:
    depth, i, quoted = 0, start, False
    while i < len(body):
        c = body[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


Lookup = Callable[[str], Optional[str]]


def evaluate(raw: str, lookup: Lookup, depth: int = 0) -> Optional[str]:
    """The string value of ``raw``: a string template or a reference that
    ``lookup`` knows (``path.module``, ``local.src``...); None otherwise."""
    raw = raw.strip()
    if depth > 8 or not raw:
        return None
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        parts = _template_parts(raw[1:-1])
        if parts is None:
            return None
        out = []
        for kind, value in parts:
            if kind == "text":
                out.append(value)
                continue
            inner = evaluate(value, lookup, depth + 1)
            if inner is None:
                return None
            out.append(inner)
        return "".join(out)
    if _REFERENCE.match(raw):
        return lookup(raw)
    return None


def reference(raw: str) -> Optional[str]:
    """``data.archive_file.zip.output_path`` (alone, or as a string's only
    interpolation) -> that reference; else None."""
    raw = raw.strip()
    if raw.startswith('"${') and raw.endswith('}"'):
        parts = _template_parts(raw[1:-1])
        if parts and len(parts) == 1 and parts[0][0] == "expr":
            raw = parts[0][1]
    return raw if _REFERENCE.match(raw) else None
