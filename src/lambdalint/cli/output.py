"""What `check` prints after a run: the report in its format, the summary, the
fixes made, and the exit after --diff."""

from __future__ import annotations

import os
import sys
from typing import Optional

import click

from lambdalint.report import MACHINE_FORMATS
from lambdalint.report.inert import inert
from lambdalint.cli.base import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _fail, _use_color


def _report(result, fmt: str, output_file: Optional[str], statistics: bool, out=None, contents=None,
            context=None) -> str:
    """Write the report (to ``out``, default stdout); return the format the
    terminal got. ``contents``: text to show for a path instead of the file's;
    ``context``: the project root and the docs address (``report.context.Context``)."""
    from dataclasses import replace

    from lambdalint.report import reporter, statistics as stats, terminal_format
    from lambdalint.report.context import Context

    out = out if out is not None else sys.stdout
    context = context if context is not None else Context()
    if contents:
        context = replace(context, contents=contents)

    if output_file is not None:
        try:
            with open(output_file, "w", encoding="utf-8", newline="\n") as fh:
                reporter(fmt)(result.diagnostics, fh, False, context)
        except OSError as exc:
            raise _fail(f"{output_file}: cannot write the report: {exc.strerror or exc}")
    shown = terminal_format(fmt, output_file is not None, os.environ)
    if statistics:
        stats.write(result.diagnostics, out, shown in MACHINE_FORMATS)
    else:
        reporter(shown)(result.diagnostics, out, _use_color(out) and shown == "full", context)
    return shown


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _exit_after_diff(outcome, quiet: bool) -> None:
    """``--diff``: the diffs on stdout, a summary on stderr; exit 1 when something would change."""
    from lambdalint.fix.writeback import unified_diff

    # the path is escaped in the headers (a new line would end them); the changed
    # lines are the file's own, as `git diff` shows them, so the patch applies
    for path in outcome.changed:
        click.echo(unified_diff(inert(path), outcome.originals[path], outcome.fixed_sources[path]), nl=False)
    for problem in outcome.problems:
        click.echo(f"lambdalint: warning: {inert(problem)}", err=True)
    if not quiet:
        n = len(outcome.fixed)
        click.echo(f"Would fix {_plural(n, 'finding')} in {_plural(len(outcome.changed), 'file')}, "
                   f"{len(outcome.result.diagnostics)} remaining." if n else "No fixes available.", err=True)
    sys.exit(EXIT_ERROR if _internal_failure(outcome.result) else EXIT_FINDINGS if outcome.changed else EXIT_CLEAN)


def _internal_failure(result) -> bool:
    """A rule crashed, or lambdalint failed on a file (LAM000): exit 2 whatever else, as ruff does."""
    return bool(result.internal_errors) or any(d.code == "LAM000" for d in result.diagnostics)


def _list_fixes(fixed, err: bool = False) -> None:
    if not fixed:
        click.echo("No findings fixed.", err=err)
        return
    click.echo(f"Fixed {_plural(len(fixed), 'finding')}:", err=err)
    by_path = {}
    for d in fixed:
        by_path.setdefault(d.path, []).append(d)
    for path, ds in by_path.items():
        click.echo(f"- {inert(path)}:", err=err)
        for d in ds:
            click.echo(f"    {d.line}: {d.code} ({d.name}): {inert(d.fix.message)}", err=err)


def _summary(result, outcome=None, unsafe: bool = False, err: bool = False) -> None:
    from lambdalint.report.diagnostics import SAFE, UNSAFE

    def echo(line: str) -> None:
        click.echo(line, err=err)

    n = len(result.diagnostics)
    handlers = len(result.handlers)
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    hs = f"{handlers} handler{'s' if handlers != 1 else ''}"
    safe = sum(1 for d in result.diagnostics if d.fix is not None and d.fix.applicable and d.fix.applicability == SAFE)
    risky = sum(1 for d in result.diagnostics if d.fix is not None and d.fix.applicable and d.fix.applicability == UNSAFE)
    if outcome is not None:
        line = f"Fixed {_plural(len(outcome.fixed), 'finding')}, {n} remaining"
        if risky and not unsafe:
            line += f"; {risky} more fixable with --unsafe-fixes"
        echo(line + ".")
    elif n == 0 and result.internal_errors:
        # a rule that failed found nothing, but did not check: no "passed" (exit status 2)
        failed = len(result.internal_errors)
        echo(f"No findings, but {_plural(failed, 'rule')} failed with an internal error (above), so the check "
             f"is incomplete ({files}, {hs}).")
    elif n == 0:
        echo(f"All checks passed! ({files}, {hs})")
    else:
        echo(f"Found {n} finding{'s' if n != 1 else ''} in {files} ({hs}).")
        fixable = safe + risky if unsafe else safe
        hint = []
        if fixable:
            hint.append(f"[*] {fixable} fixable with --fix" + (" --unsafe-fixes" if unsafe and risky else ""))
        if risky and not unsafe:
            hint.append(f"{risky} {'more ' if fixable else ''}fixable with --fix --unsafe-fixes")
        if hint:
            echo("; ".join(hint) + ".")
    if handlers == 0 and result.files:
        click.echo("note: no Lambda handler found; name it `handler`/`lambda_handler`/`*_handler` with (event, context), "
                   "or list it under [tool.lambdalint] handlers", err=True)
