"""``check --stdin-filename PATH -``: one file's text from stdin, checked in its project.

An editor (or a pre-save hook) sends the unsaved text of PATH. A Lambda handler
is only understood in its project: the deployment files that declare it, the
modules it imports, the configuration. So the check runs as ``check <project
root>`` would, with PATH's text replaced by stdin's (``Options.contents``), and
reports the findings in PATH only. ``--fix`` prints the fixed text on stdout and
what remains on stderr, and ``--diff`` the diff of PATH, as ruff does.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import List, Optional, Tuple

import click

from lambdalint.report.inert import inert


class StdinInput:
    """What was read, and where it stands in the project."""

    def __init__(self, shown: str, data: bytes) -> None:
        self.shown = shown  # PATH as the user wrote it: the name findings are reported under
        self.data = data


def read_stdin(shown: str) -> StdinInput:
    from lambdalint.index.guard import MAX_BYTES

    data = sys.stdin.buffer.read(MAX_BYTES + 1) if sys.stdin is not None else b""
    return StdinInput(shown, data)


def project_target(path: str, config_file: Optional[str]) -> Optional[str]:
    """The folder ``check`` runs on: the project root of ``path``, written
    relative to the working folder when inside it (paths are then shown as
    ``check .`` shows them); None when the file stands alone."""
    from lambdalint.project.root import file_project

    root = file_project(path, config_file)
    if root is None:
        return None
    try:
        rel = os.path.relpath(root)
    except ValueError:  # another drive on Windows
        return root
    return root if rel.startswith("..") else rel


def check_stdin(given: StdinInput, settings, config_file: Optional[str], options, verbose: bool,
                fix: bool, unsafe: bool, diff: bool) -> Tuple[object, object, str]:
    """(result, fix outcome or None, the file's name in the run). Findings of
    other files are dropped; those of the file carry the name it was given as."""
    from lambdalint.project.discover import include_file
    from lambdalint.run import gather, run_check

    target = project_target(given.shown, config_file)
    # a file in no project is checked alone (``check PATH``), on disk or not
    gathered = gather(settings, [target] if target is not None else [])
    targets = [target] if target is not None else [given.shown]
    name = include_file(gathered.tree, given.shown)
    options = replace(options, contents={name: given.data}, require_python=False)
    outcome = None
    if fix or diff:
        from lambdalint.fix import fix_project, fix_target

        outcome = fix_project(targets, settings, None, unsafe, write=False, verbose=verbose, options=options,
                              wanted=lambda d: fix_target(d) == name, gathered=gathered)
        result = outcome.result
        outcome.fixed = [replace(d, path=given.shown) for d in outcome.fixed if d.path == name]
    else:
        # only PATH's findings are wanted: only the handlers whose Lambda loads it are checked
        # (the fixes above may edit PATH for a finding elsewhere, so they see the whole run)
        options = replace(options, report_files=frozenset({name}))
        result = run_check(targets, settings, None, verbose, options=options, gathered=gathered)
    result.diagnostics = [replace(d, path=given.shown) for d in result.diagnostics if d.path == name]
    return result, outcome, name


def fixed_text(given: StdinInput, outcome, name: str) -> bytes:
    return outcome.fixed_sources.get(name, given.data) if outcome is not None else given.data


def write_fixed(data: bytes) -> None:
    out = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if out is not None:
        out.write(data)
        out.flush()
    else:  # a replaced stdout (tests): text
        sys.stdout.write(data.decode("utf-8", "surrogateescape"))


def write_diff(given: StdinInput, outcome, name: str) -> bool:
    """The diff of the file on stdout; whether there is one."""
    from lambdalint.fix.writeback import unified_diff

    new = fixed_text(given, outcome, name)
    if new == given.data:
        return False
    click.echo(unified_diff(inert(given.shown), given.data, new), nl=False)
    return True


def stdin_paths(paths: Tuple[str, ...], stdin_filename: Optional[str]) -> Optional[List[str]]:
    """None when the check reads files; else [] (stdin). Raises ``ValueError``
    with the message for a command line that mixes both or names no file."""
    wants_stdin = paths == ("-",) or (stdin_filename is not None and not paths)
    if not wants_stdin:
        if stdin_filename is not None or "-" in paths:
            raise ValueError("`-` (stdin) cannot be checked with other paths; use "
                             "`lambdalint check --stdin-filename PATH -`")
        return None
    if stdin_filename is None:
        raise ValueError("checking stdin (`-`) needs --stdin-filename PATH: the file's place in its project "
                         "says which deployment files, modules and configuration apply")
    return []
