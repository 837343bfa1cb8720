"""Where LAM301/LAM302's fix finishes the work: the statements (``t.join()``,
``for _w in threads: _w.join()``, ``await task``) and the places in the checked
function they go, as text edits.

Before each exit where the work may still run, at the indentation of its block,
except that an exit inside a ``try`` with a ``finally`` is finished at the end of
that ``finally``: the ``finally`` runs after the ``return`` and often is what stops
the work (``stop.set()``), so a join before the ``return`` would wait for ever.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from lambdalint.index.facts import Event, Function, Span, iter_events
from lambdalint.model.work import Exit, Finding
from lambdalint.report.diagnostics import Edit


def finishing_lines(finding: Finding, template: str) -> Optional[Tuple[str, List[str]]]:
    """The statement(s) that finish the item at every exit of the checked function,
    through a local of it: ``t.join()``, or ``for _w in threads: _w.join()`` for a
    container. The local must be bound at each of those exits on every path (to
    the work, or None), and must hold all the work the site started: a variable
    holds only the last of the instances a site made in a loop, or in a helper
    called more than once. Returns (the local, the statements)."""
    checked = finding.checked
    if checked is None or not finding.holders:
        return None
    module, fn = checked
    item = finding.item
    once = not item.repeated and not (item.module == module and _inside_loop(fn, item.span))
    bound = finding.bound or frozenset()
    direct = sorted(finding.direct & bound)
    containers = sorted((set(finding.holders) - finding.direct) & (finding.containers or frozenset()))
    if direct and once:
        name = direct[0]
        if name in finding.nullable:
            return name, [f"if {name[1:]} is not None:", "    " + template.format(name[1:])]
        return name, [template.format(name[1:])]
    if containers and containers[0] not in finding.nullable:
        return containers[0], [f"for _w in {containers[0][1:]}:", "    " + template.format("_w")]
    return None


def _inside_loop(fn: Function, span: Span) -> bool:
    return any(e.kind == "loop" and e.span[:2] <= span[:2] and span[2:] <= e.span[2:] for e in iter_events(fn.body))


def edits_before_exits(fn: Function, exits: Sequence[Exit], local: str, lines: List[str]) -> Optional[List[Edit]]:
    """Text edits that run ``lines`` (which finish the work ``local`` holds) at
    each of ``exits``; None when one of them has no place a line can go."""
    points = insertion_points(fn)
    edits: List[Edit] = []
    for x in exits:
        guarded = _outermost_finally(fn.body, x.span) if x.how != "end" and x.span is not None else None
        if guarded is not None:
            edit = _at_end_of_finally(fn, guarded, local, lines)
            if edit is None:
                return None
        elif x.how == "end":
            end = end_of_body(fn)
            if end is None:
                return None
            line, indent = end
            edit = Edit((line, 0, line, 0), "".join(" " * indent + text + "\n" for text in lines))
        elif x.span is not None and x.span in points:
            line, col = points[x.span]
            text = "".join(" " * col + t + "\n" for t in lines)
            edit = Edit((line, col, line, col), text[col:] + " " * col)
        else:
            return None
        if edit not in edits:  # the exits of one ``try`` share its ``finally``
            edits.append(edit)
    return edits


def exits_in_finally(fn: Function, exits: Sequence[Exit]) -> bool:
    """Whether some exit of ``exits`` is followed by a ``finally`` of ``fn``."""
    return any(_outermost_finally(fn.body, x.span) is not None for x in exits if x.how != "end" and x.span is not None)


def _outermost_finally(block: Sequence[Event], span: Span) -> Optional[Event]:
    """The outermost ``try`` with a ``finally`` whose body, handlers or ``else``
    hold the exit at ``span`` (its ``finally`` runs after the exit)."""
    for e in block:
        guarded = (e.body, e.orelse, *e.handlers)
        if e.kind == "try" and e.final and any(_holds(sub, span) for sub in guarded):
            return e
        for sub in (*guarded, e.final):
            if sub:
                found = _outermost_finally(sub, span)
                if found is not None:
                    return found
    return None


def _holds(block: Sequence[Event], span: Span) -> bool:
    return any(e.span == span and e.kind in ("return", "raise") for e in iter_events(tuple(block)))


def _at_end_of_finally(fn: Function, guarded: Event, local: str, lines: List[str]) -> Optional[Edit]:
    """``lines`` appended to the ``finally`` of ``guarded``. Only when ``local`` is
    bound whenever that ``finally`` runs: by a statement of the function's own
    body before the ``try`` (one inside it may not have run), and when the
    ``finally`` ends by falling through (a ``return`` in it would skip the lines)."""
    if any(e.kind in ("return", "raise") for e in iter_events(guarded.final)):
        return None
    if not any(e.kind == "assign" and e.path == local and e.span[2] < guarded.span[0] for e in fn.body):
        return None
    header = next((s for text, s in guarded.marks if text == "finally"), None)
    end = _end_of_block(guarded.final, header[0]) if header is not None else None
    if end is None:
        return None  # ``finally: stop.set()`` on one line: no line to add below
    line, indent = end
    return Edit((line, 0, line, 0), "".join(" " * indent + text + "\n" for text in lines))


def _is_statement(e: Event) -> bool:
    if e.kind in ("return", "raise", "if", "loop", "try", "with", "del", "augassign"):
        return True
    if e.kind == "call":
        return e.stmt and not e.awaited
    if e.kind in ("assign", "setitem"):
        return not (e.path or "").startswith("%__comp_")
    return False


def insertion_points(fn: Function) -> Dict[Span, Tuple[int, int]]:
    """Returns and raises of ``fn`` that start a line of their own, at the indentation
    of their block: a statement can be inserted right before them as text."""
    points: Dict[Span, Tuple[int, int]] = {}

    def indentation(block: Sequence[Event], header_line: int) -> Optional[int]:
        starts = [e.span for e in block if _is_statement(e) and e.span[0] > header_line]
        if not starts or block[0].span[0] <= header_line:
            return None
        first = min(starts)
        return first[1]

    def walk(block: Sequence[Event], header_line: int, indent: Optional[int]) -> None:
        for i, e in enumerate(block):
            if e.kind in ("return", "raise") and indent is not None and e.span[1] == indent \
                    and e.span[0] > header_line \
                    and not any(o.span[2] >= e.span[0] for o in block[:i] if _is_statement(o)):
                points[e.span] = (e.span[0], e.span[1])
            line = e.span[0]
            body_indent = indentation(e.body, line) if e.body else None
            for sub in (e.body,):
                if sub:
                    walk(sub, line, body_indent)
            for sub in [e.orelse, e.final, *e.handlers]:
                if sub:
                    first = sub[0].span[0]
                    same = body_indent is not None and sub[0].span[1] == body_indent
                    walk(sub, first - 1 if same else first, body_indent if same else None)

    walk(fn.body, fn.span[0], indentation(fn.body, fn.span[0]))
    return points


def end_of_body(fn: Function) -> Optional[Tuple[int, int]]:
    """Where a statement can be appended to ``fn``'s body: (line, indentation)."""
    return _end_of_block(fn.body, fn.span[0])


def _end_of_block(block: Sequence[Event], header_line: int) -> Optional[Tuple[int, int]]:
    """The line after ``block`` and its indentation, when its statements start below
    its header (on ``header_line``); None for a block on the header's line."""
    statements = [e for e in block if _is_statement(e)]
    if not statements or statements[0].span[0] <= header_line:
        return None
    return max(e.span[2] for e in iter_events(tuple(block))) + 1, statements[0].span[1]
