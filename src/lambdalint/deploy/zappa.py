"""Zappa: ``zappa_settings.json`` (or ``.yml``/``.toml``), one settings table per stage.

``app_function`` names a WSGI/ASGI application object (``app.app``, a Flask or
FastAPI app): Zappa's own handler calls it once per request, so its routes run
per invocation. ``events[].function`` names plain functions called with
``(event, context)``. Stages may ``extends`` another stage. Code is packaged
from the folder holding the settings file.

Zappa has no setting for SnapStart or Managed Instances (its ``load_settings``
reads none: zappa/Zappa@008ddb2, ``zappa/cli.py``), so its handlers carry no
deployment facts; a project that turns SnapStart on by other means says so in
config (``snapstart``, ``snapstart-handlers``).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Tuple

from lambdalint.deploy.records import APP, FUNCTION, NOTE, WARNING, Declared, Deployment, Notice
from lambdalint.deploy.yamlsafe import Mapping as LineMapping


def _line(mapping: Any, key: Any) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineMapping) else 0


def _stage(stages: Mapping, name: str, seen: Tuple[str, ...] = ()) -> Dict[str, Any]:
    """A stage's settings with the stages it ``extends`` underneath."""
    settings = stages.get(name)
    if not isinstance(settings, Mapping):
        return {}
    parent = settings.get("extends")
    merged: Dict[str, Any] = {}
    if isinstance(parent, str) and parent not in seen and parent != name:
        merged.update(_stage(stages, parent, seen + (name,)))
    merged.update(settings)
    return merged


def read(data: Any, path: str, shown: str) -> Deployment:
    out = Deployment(files=[shown])
    if not isinstance(data, Mapping) or not any(isinstance(v, Mapping) for v in data.values()):
        out.notices.append(Notice(WARNING, shown, 0, "expected a table of stages (e.g. `dev`); not read"))
        return out
    root = os.path.dirname(os.path.abspath(path))
    # (handler, kind) -> (line, [stages]); stages usually repeat one another
    found: Dict[Tuple[str, str], Tuple[int, List[str]]] = {}
    for stage in data:
        if not isinstance(data[stage], Mapping):
            continue
        settings = _stage(data, stage)
        own = data[stage]
        runtime = settings.get("runtime")
        if isinstance(runtime, str) and not runtime.lower().startswith("python"):
            continue
        app = settings.get("app_function")
        if isinstance(app, str) and app.strip():
            _add(found, app.strip(), APP, _line(own, "app_function"), str(stage))
        elif "django_settings" in settings:
            out.notices.append(Notice(NOTE, shown, _line(own, "django_settings"),
                                      f"stage {stage}: a Django project (django_settings); its views are not followed"))
        events = settings.get("events")
        if isinstance(events, list):
            for event in events:
                fn = event.get("function") if isinstance(event, Mapping) else None
                if isinstance(fn, str) and fn.strip():
                    _add(found, fn.strip(), FUNCTION, _line(event, "function"), str(stage))
    for (handler, kind), (line, stages) in found.items():
        what = "app_function" if kind == APP else "events function"
        origin = f"{shown}: {what} of stage{'s' if len(stages) > 1 else ''} {', '.join(stages)}"
        out.declared.append(Declared(handler, root, shown, line, origin, True, kind))
    return out


def _add(found: Dict[Tuple[str, str], Tuple[int, List[str]]], handler: str, kind: str, line: int, stage: str) -> None:
    key = (handler, kind)
    if key in found:
        if stage not in found[key][1]:
            found[key][1].append(stage)
    else:
        found[key] = (line, [stage])
