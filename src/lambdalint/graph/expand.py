"""A value bound to a module-level place, with its root made external where it can be:
what the place was bound to, what a memoised factory keeps, what a project function
returns. The resource catalogues name library callables, so this is how a bound value
is matched against them (``model.tracked``, ``model.registrations``...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lambdalint.index import paths
from lambdalint.index.facts import iter_events

if TYPE_CHECKING:
    from lambdalint.graph.link import Project


def expand_value(project: "Project", value: Optional[str], depth: int = 0) -> Optional[str]:
    """Rewrite a bound value so that its root is external where possible:
    ``app:pw.chromium.launch()`` -> ``playwright...start().chromium.launch()``,
    ``app.make_conn()`` -> what ``make_conn`` returns."""
    if value is None or depth > 6:
        return value
    root, segs = paths.split(value)
    if ":" in root:
        for b in project.bindings.get(root, ()):
            if b.value and b.value.endswith("()"):
                return expand_value(project, paths.join(b.value, segs), depth + 1)
        if segs[:1] == ["()"] and project.memo_function(paths.join(root, ["()"])) is not None:
            for b in project.bindings.get(paths.join(root, ["()"]), ()):
                if b.value and b.value.endswith("()"):
                    return expand_value(project, paths.join(b.value, segs[1:]), depth + 1)
        return value
    found = project.split_dotted(root)
    if found is not None and segs[:1] == ["()"]:
        mod, names = found
        qual = ".".join(names)
        if qual in project.modules[mod].functions:
            fn = project.modules[mod].functions[qual]
            for e in iter_events(fn.body):
                if e.kind == "return" and e.value and e.value.endswith("()"):
                    return expand_value(project, paths.join(e.value, segs[1:]), depth + 1)
    return value
