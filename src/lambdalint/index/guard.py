"""Keep libcst away from input it cannot survive, and give deep code room.

libcst's native parser recurses on the C stack and is quadratic in nesting:
measured with libcst 1.0 on an 8 MB stack, 2,000 nested subscripts take 8 s
to parse, 10,000 chained ``and`` kill the process (SIGSEGV), and a 1 MB
literal of dicts takes 10 s and 1.5 GB. A linter must not die on a file, so
before libcst sees a file, CPython's own parser (about an eighth of libcst's
cost, and it survives all of these) measures it. A file that is too large,
too deeply nested or has too many nodes becomes a per-file problem instead.

The limits sit far above real code: over the 13,900 files of the standard
library and a large set of installed packages, the biggest has 200,000 syntax
nodes and the deepest expression a few dozen levels.

``run_deep`` is the other half: libcst's own visitors recurse in Python, so a
long implicit string concatenation (``pydoc_data/topics.py``) exceeds the
default recursion limit; such a file is indexed again in a thread with a large
stack and a higher limit rather than given up.
"""

from __future__ import annotations

import ast
import io
import sys
import threading
import tokenize
import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Tuple, TypeVar

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 250_000
MAX_DEPTH = 1_000
# An ``elif`` nests in both trees but costs libcst little (5,000 parse in 1.2 s,
# against 1,000 levels of expression in the same time), so five count as one level.
_ELIF_WEIGHT = 0.2
# Bracket depth CPython's tokenizer accepts (MAXLEVEL); used when ``ast`` cannot parse.
_MAX_BRACKETS = 200

_DEEP_STACK_BYTES = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT = 60_000

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """Why a file is not handed to libcst, and where (1-based line, 0-based column)."""

    message: str
    line: int = 1
    column: int = 0


def size_refusal(size: int) -> Optional[Refusal]:
    if size <= MAX_BYTES:
        return None
    return Refusal(f"file too large to analyse ({size / (1024 * 1024):.1f} MB; the limit is "
                   f"{MAX_BYTES // (1024 * 1024)} MB); not checked")


def shape_refusal(text: str) -> Optional[Refusal]:
    """A reason not to parse ``text`` with libcst, or None when it is safe to."""
    return measure(text)[0]


def measure(text: str) -> Tuple[Optional[Refusal], Optional[ast.Module]]:
    """``shape_refusal``, and the tree ``ast`` made of the text when it could
    (the index reuses it: ``lambdalint.index.blank``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            tree = ast.parse(text)
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            return Refusal(f"syntax error: {exc.msg}", exc.lineno or 1, max((exc.offset or 1) - 1, 0)), None
        # Not valid for this Python, but possibly newer syntax libcst reads: let
        # libcst try, unless the text has the shapes that crash it.
        return _token_refusal(text, exc), None
    except (RecursionError, MemoryError):
        return Refusal("code nested too deeply to analyse (Python itself cannot compile it)"), None
    except ValueError:  # null bytes: reported before this is asked
        return None, None
    return _tree_refusal(tree), tree


def _tree_refusal(tree: ast.AST) -> Optional[Refusal]:
    nodes = 0
    stack = [(tree, 0.0)]
    pop, push, children = stack.pop, stack.append, ast.iter_child_nodes
    while stack:
        node, depth = pop()
        nodes += 1
        if nodes > MAX_NODES:
            return Refusal(f"file too large to analyse (more than {MAX_NODES:,} syntax nodes); not checked")
        if depth > MAX_DEPTH:
            return Refusal(f"code nested too deeply to analyse (more than {MAX_DEPTH:,} levels)",
                           getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
        if isinstance(node, ast.BoolOp):
            depth += len(node.values) - 1  # libcst nests `a and b and c` as a chain of pairs
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            # libcst nests a dotted name as attributes, one level per dot
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            depth += max(n.count(".") for n in names)
        if isinstance(node, ast.If) and len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            for child in children(node):
                push((child, depth + (_ELIF_WEIGHT if child is node.orelse[0] else 1)))
            continue
        for child in children(node):
            push((child, depth + 1))
    return None


def _token_refusal(text: str, error: SyntaxError) -> Optional[Refusal]:
    """For text ``ast`` rejects: refuse it (with CPython's syntax error) when its
    tokens show the nesting that crashes libcst, or cannot even be tokenized."""
    refusal = Refusal(f"syntax error: {error.msg}", error.lineno or 1, max((error.offset or 1) - 1, 0))
    brackets = chain = elifs = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP:
                if tok.string in "([{":
                    brackets += 1
                    if brackets > _MAX_BRACKETS:
                        return refusal
                elif tok.string in ")]}":
                    brackets -= 1
                elif tok.string not in (",", ":", ";", "=", "->"):
                    chain += 1
            elif tok.type == tokenize.NAME:
                if tok.string in ("and", "or", "not", "if", "else", "lambda", "await", "for"):
                    chain += 1
                elif tok.string == "elif":
                    elifs += 1
            elif tok.type == tokenize.NEWLINE:
                chain = 0
            if chain > MAX_DEPTH or elifs * _ELIF_WEIGHT > MAX_DEPTH:
                return refusal
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return refusal
    return None


def run_deep(fn: Callable[..., T], *args: object) -> T:
    """Call ``fn(*args)`` in a thread with a large stack and a high recursion
    limit; exceptions (``RecursionError`` when even that is not enough) are
    raised here. Only for files that failed with the default limit: the
    recursion limit is process-wide while it runs."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    old_limit = sys.getrecursionlimit()
    try:
        old_size = threading.stack_size(_DEEP_STACK_BYTES)
    except (ValueError, RuntimeError):  # the platform will not give a larger stack
        return fn(*args)
    try:
        sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION_LIMIT))
        worker = threading.Thread(target=target, name="lambdalint-deep-index")
        try:
            worker.start()
        except RuntimeError:  # no memory for such a stack: the caller's limit stands
            raise RecursionError("no room for a larger stack") from None
        worker.join()
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_size)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def too_deep_hint() -> str:
    """What to add to "nested too deeply" on a Python whose cap is the cause."""
    if sys.version_info[:2] == (3, 12):
        # C recursion is capped whatever ``sys.setrecursionlimit`` says (3.13 lifts it)
        return " (Python 3.12 caps how deep libcst may recurse; Python 3.11 or 3.13 can analyse it)"
    return ""
