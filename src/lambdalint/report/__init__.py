"""The report stage: suppression, then one module per output format.
Takes Diagnostics; gives text, JSON, SARIF, annotations... and nothing else.
Must not know rules (SARIF reads each rule's page as data) nor change a finding.
"""

from __future__ import annotations

import importlib
from typing import Callable, List, Mapping, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import Diagnostic

# write(diagnostics, out, color, context=None): context gives the project root
# (paths shown relative to it) and the rules' documentation address
Writer = Callable[[List[Diagnostic], TextIO, bool, Optional[Context]], None]

# format name -> module under lambdalint.report
_MODULES = {
    "full": "full",
    "concise": "concise",
    "json": "json_format",
    "json-lines": "json_lines",
    "github": "github",
    "sarif": "sarif",
    "gitlab": "gitlab",
    "junit": "junit",
    "pylint": "pylint",
}
FORMATS = tuple(_MODULES)
# formats read by programs: nothing else may be printed into them
MACHINE_FORMATS = frozenset({"json", "json-lines", "sarif", "gitlab", "junit"})


def reporter(name: str) -> Writer:
    return importlib.import_module(f"lambdalint.report.{_MODULES[name]}").write  # type: ignore[no-any-return]


def terminal_format(chosen: str, writes_file: bool, environ: Mapping[str, str]) -> str:
    """The format for the terminal. With ``--output-file`` the chosen format goes
    to the file and the terminal keeps a human one: annotations on GitHub Actions,
    else ``full``."""
    if not writes_file:
        return chosen
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "full"
