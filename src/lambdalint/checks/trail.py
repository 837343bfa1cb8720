"""Which path of the handler leads to a place: the control decisions the model
recorded on the way (``lambdalint.model.steps.Step``) as labelled places,
one per decision ("only when `event.get("reset")` is true" on the `if` line).
A place reached on every path gets none."""

from __future__ import annotations

from typing import Dict, Sequence, Tuple

from lambdalint.checks import place
from lambdalint.graph.link import Project
from lambdalint.index.span import Span
from lambdalint.model.steps import EXCEPT, EXITS_IF_FALSE, EXITS_IF_TRUE, FINALLY, IF_FALSE, IF_TRUE, LOOP, Step
from lambdalint.report.diagnostics import INVOCATION, Label


def step_text(kind: str, text: str) -> str:
    """What a decision on the path says, as the label on its line."""
    cond = f"`{text}`" if text else "the condition at this line"
    if kind == IF_TRUE:
        return f"only when {cond} is true"
    if kind == IF_FALSE:
        return f"only when {cond} is false"
    if kind == EXITS_IF_TRUE:
        return f"only when {cond} is false (otherwise this `if` leaves early)"
    if kind == EXITS_IF_FALSE:
        return f"only when {cond} is true (otherwise this `if` leaves early)"
    if kind == EXCEPT:
        return f"only when this `{text or 'except'}` runs"
    if kind == FINALLY:
        return "on every path out of the `try`, exceptions included"
    if kind == LOOP:
        return f"only while {cond} is true" if text else "only when this loop runs its body"
    return ""


def path_places(project: Project, trail: Sequence[Step]) -> Tuple[Label, ...]:
    """The decisions of ``trail`` as labelled places (phase INVOCATION), in the order
    they are taken; one label per place (a loop run twice records its decisions once)."""
    seen: Dict[Tuple[str, Span], str] = {}
    for module, span, kind, text in trail:
        said = step_text(kind, text)
        if said and module in project.modules and (module, span) not in seen:
            seen[(module, span)] = said
    return tuple(place(project, module, span, said, INVOCATION) for (module, span), said in seen.items())
