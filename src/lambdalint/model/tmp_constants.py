"""The fixed /tmp name an expression always is: built from constants where it is
written, or returned by a project function that always returns the same one.

``def report_path(): return "/tmp/report.csv"`` then ``open(report_path(), "w")`` and
``upload_file(report_path(), ...)``: both calls name one file, as a module-level constant
would. LAM203 (a fixed name does not pile up) and LAM601-LAM603 (two concurrent requests
share it) read a call of such a function as that name.

Must not touch syntax trees, files or diagnostics.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import CONST, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def fixed_text(tmppaths: List[Tuple[Event, bool]], span: Span, whole: bool = False) -> Optional[str]:
    """The /tmp name built only from constants inside ``span``: the widest one (a
    join's whole result, not its "/tmp" part). ``whole``: only when it is what ``span``
    ends with (``p = Path("/tmp/x")``, not ``d = open("/tmp/x").read()``)."""
    inside = [e for e, unique in tmppaths if _within(e.span, span)]
    if not inside or any(unique for e, unique in tmppaths if _within(e.span, span)):
        return None
    widest = min(inside, key=lambda e: (e.span[0], e.span[1], -e.span[2], -e.span[3]))
    if whole and (widest.span[2], widest.span[3]) != (span[2], span[3]):
        return None
    return widest.value if widest.value and widest.value.startswith("/tmp") else None


def returned_text(project: Project, call: str, bound_text: Callable[[str], Optional[str]]) -> Optional[str]:
    """The fixed /tmp name a call of a project function (``app.report_path()``) gives:
    the one name every ``return`` of the function gives, each built there from constants
    and module-level constants (a parameter, a local or a call is not read: the name
    could differ between calls), or a module-level name bound to one (``bound_text``).
    None otherwise, and for a generator, whose call returns no name."""
    target = project.target(call[:-2]) if call.endswith("()") and call.count("(") == 1 else None
    fn = project.function(target.module, target.qualname) if target is not None and target.kind == "function" \
        and target.module else None
    if fn is None:
        return None
    events = list(iter_events(fn.body))
    tmppaths = [(e, any(a is None or not is_stable(project, resolve(project, a, {})) for a in e.args))
                for e in events if e.kind == "tmppath"]
    texts = set()
    for e in events:
        if e.kind == "yield":
            return None
        if e.kind != "return":
            continue
        text = fixed_text(tmppaths, e.span, whole=True)
        if text is None and e.value and e.value != "<const>":
            held = resolve(project, e.value, {})
            text = bound_text(held) if held and held != CONST and paths.is_global(held) and "(" not in held else None
        if text is None:
            return None
        texts.add(text)
    return texts.pop() if len(texts) == 1 else None
