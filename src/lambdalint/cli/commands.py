"""The commands: check, rule, rules, clean, handlers, config, server."""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Tuple, Sequence

import click

from lambdalint import __version__
from lambdalint.project.config import OUTPUT_FORMAT_ENV, OUTPUT_FORMATS
from lambdalint.report import MACHINE_FORMATS
from lambdalint.report.inert import inert, inert_lines
from lambdalint.cli.base import (
    EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, _codes, _fail, DEBUG_ENV, _VERBOSE, debug_enabled, _Group,
)
from lambdalint.cli.output import (_report, _plural, _exit_after_diff, _internal_failure, _list_fixes, _summary)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="lambdalint")
def main() -> None:
    """Find module-level state that breaks AWS Lambda handlers on warm invocations.

    Lambda imports your handler module once and then calls the handler again and
    again in the same process: a connection closed in the handler is dead on the
    next call. `lambdalint check` finds these bugs before you deploy.
    """


class _CheckCommand(click.Command):
    """``--add-noqa`` takes its reason only as ``--add-noqa=REASON``, as ruff's
    does: a bare ``--add-noqa`` never swallows the path after it."""

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        out: List[str] = []
        for i, arg in enumerate(args):
            if arg == "--":
                out.extend(args[i:])
                break
            out.append("--add-noqa=" if arg == "--add-noqa" else arg)
        return super().parse_args(ctx, out)


class _OptionalValue(click.Option):
    def get_help_record(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        record = super().get_help_record(ctx)
        return (record[0].replace(" [=", "[="), record[1]) if record else record


@main.command(cls=_CheckCommand, short_help="Check files or folders for bugs of warm invocations.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, metavar="CODES", help="Rule codes or prefixes to enable (comma-separated; ALL for every rule).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Codes to enable on top of the configured selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rule codes or prefixes to disable.")
@click.option("--per-file-ignores", multiple=True, metavar="PATTERN:CODES",
              help="Codes to ignore in files matching PATTERN, replacing the configured ones "
                   "(comma-separated pairs: 'tests/*:LAM101,app.py:LAM2'; relative to the working folder; ! negates).")
@click.option("--extend-per-file-ignores", multiple=True, metavar="PATTERN:CODES",
              help="Like --per-file-ignores, on top of the configured ones.")
@click.option("--exclude", multiple=True, metavar="PATTERNS",
              help="Files and folders to skip (comma-separated), replacing the configured and default excludes.")
@click.option("--extend-exclude", multiple=True, metavar="PATTERNS",
              help="Files and folders to skip, on top of the configured and default excludes.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=None,
              help=f"How to print diagnostics (also {OUTPUT_FORMAT_ENV} or output-format in config). Each rule's "
                   "page: its url (docs-url in config), or offline `lambdalint rule CODE`. "
                   "[default: full; github on GitHub Actions]")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), default=None,
              help="Write the report in --output-format to this file; the terminal still gets the human format.")
@click.option("--statistics", is_flag=True, help="Print how many findings of each code instead of each finding.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Use this pyproject.toml or lambdalint.toml instead of the nearest one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file (lambdalint.toml, pyproject.toml).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fix", "apply_fixes", is_flag=True, help="Apply safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (with --fix or --diff).")
@click.option("--fix-only", is_flag=True,
              help="Apply fixes, but do not report or exit non-zero for the findings that remain (implies --fix).")
@click.option("--fixable", multiple=True, metavar="CODES", help="Only these rules' fixes are applied (default: ALL).")
@click.option("--extend-fixable", multiple=True, metavar="CODES", help="Like --fixable, on top of the configured ones.")
@click.option("--unfixable", multiple=True, metavar="CODES",
              help="Rules whose fixes are never applied (shown as advice only).")
@click.option("--diff", is_flag=True, help="Print a unified diff of what the fixes would change; write nothing.")
@click.option("--show-fixes", is_flag=True, help="With --fix, list the findings that were fixed.")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="With --fix, exit 1 when any file was fixed, even if nothing remains (for pre-commit).")
@click.option("--add-noqa", "add_noqa", cls=_OptionalValue, metavar="[=REASON]", default=None,
              help="Add `# noqa: CODE` to the line of every finding (merged into existing noqa comments), "
                   "with REASON after the codes if given; exits 0.")
@click.option("--ignore-noqa", is_flag=True, help="Disregard every `# noqa` and `# lambdalint: noqa` comment.")
@click.option("--show-files", is_flag=True, help="Print the Python files that would be checked, and exit.")
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary.")
@click.option("-v", "--verbose", is_flag=True,
              help=f"Show tracebacks of internal errors (for bug reports; also {DEBUG_ENV}=1).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes that index files; with two or more, on Linux, a worker forked as the command "
                   "starts parses edited files (LAMBDALINT_NO_PREFORK=1: not). [default: the number of CPUs]")
@click.option("--no-cache", is_flag=True,
              help="Do not read or write the cache (per-file facts, and the result of the last run, which an unchanged re-run prints).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, envvar="LAMBDALINT_CACHE_DIR",
              help="Cache folder (env: LAMBDALINT_CACHE_DIR; not a symbolic link); trimmed once a day, safe to "
                   "delete (`lambdalint clean`). Entries are signed with a key in LAMBDALINT_KEY_DIR (default: "
                   "~/.cache/lambdalint). [default: .lambdalint_cache in the project root]")
@click.option("--stdin-filename", type=click.Path(dir_okay=False), default=None, metavar="PATH",
              help="Read the text of PATH from stdin (PATHS: `-` or none) and check it in PATH's project, "
                   "reporting its findings only; with --fix, print the fixed text on stdout.")
def check(paths: Tuple[str, ...], select: Tuple[str, ...], extend_select: Tuple[str, ...], ignore: Tuple[str, ...],
          per_file_ignores: Tuple[str, ...], extend_per_file_ignores: Tuple[str, ...], exclude: Tuple[str, ...],
          extend_exclude: Tuple[str, ...], output_format: Optional[str], output_file: Optional[str], statistics: bool,
          config_path: Optional[str], isolated: bool, exit_zero: bool, apply_fixes: bool, unsafe_fixes: bool,
          fix_only: bool, fixable: Tuple[str, ...], extend_fixable: Tuple[str, ...], unfixable: Tuple[str, ...],
          diff: bool, show_fixes: bool, exit_non_zero_on_fix: bool, add_noqa: Optional[str], ignore_noqa: bool,
          show_files: bool, quiet: bool, verbose: bool, jobs: Optional[int], no_cache: bool,
          cache_dir: Optional[str], stdin_filename: Optional[str]) -> None:
    """Check PATHS (files or folders; default: the current folder).

    `check --stdin-filename PATH -` checks the text on stdin as the content of
    PATH, in PATH's project (its configuration, deployment files and the other
    modules, as `check <project root>` finds them).

    Exit status: 0 no findings (or all fixed; always with --add-noqa, --fix-only and
    --show-files unless something failed), 1 findings remain (with --diff: something
    would change; with --exit-non-zero-on-fix: something was fixed), 2 usage,
    configuration or internal error, or no Python file to check under PATHS;
    130 interrupted, 141 the output's reader went away.
    """
    from lambdalint.knowledge.codes import RULE_CODES
    from lambdalint.project.config import (
        CommandLine, ConfigError, Settings, cli_patterns, cli_per_file_ignores, find_config, load_settings,
        merge_cli, resolve_output_format,
    )
    from lambdalint.project.discover import DiscoveryError
    from lambdalint.run import run_check

    verbose = verbose or debug_enabled()
    click.get_current_context().meta[_VERBOSE] = verbose
    _check_combinations(exit_zero=exit_zero, exit_non_zero_on_fix=exit_non_zero_on_fix, add_noqa=add_noqa is not None,
                        fix=apply_fixes, fix_only=fix_only, diff=diff, statistics=statistics, show_files=show_files,
                        ignore_noqa=ignore_noqa, isolated=isolated, config=config_path is not None)
    if add_noqa:
        from lambdalint.fix.noqa import reason_problem

        problem = reason_problem(add_noqa)
        if problem:
            raise _fail(f"--add-noqa: {problem}")
    for values, flag in ((fixable, "--fixable"), (extend_fixable, "--extend-fixable"), (unfixable, "--unfixable")):
        _check_flag_codes(values, flag)
    from lambdalint.cli import stdin

    try:
        reading = stdin.stdin_paths(paths, stdin_filename) is not None
    except ValueError as exc:
        raise _fail(str(exc))
    if reading:
        assert stdin_filename is not None
        _check_stdin(stdin_filename, select, extend_select, ignore, output_format, output_file, statistics,
                     config_path, exit_zero, apply_fixes, unsafe_fixes, diff, show_fixes, exit_non_zero_on_fix,
                     quiet, verbose, jobs, no_cache, cache_dir)
    targets = list(paths) or ["."]
    known = list(RULE_CODES)
    outcome = None
    try:
        more = CommandLine(
            exclude=cli_patterns(exclude, "--exclude"), extend_exclude=cli_patterns(extend_exclude, "--extend-exclude"),
            per_file_ignores=cli_per_file_ignores(per_file_ignores, known, "--per-file-ignores"),
            extend_per_file_ignores=cli_per_file_ignores(extend_per_file_ignores, known, "--extend-per-file-ignores"),
            fixable=tuple(_codes(fixable)), extend_fixable=tuple(_codes(extend_fixable)),
            unfixable=tuple(_codes(unfixable)), ignore_noqa=ignore_noqa)
        cfg = None if isolated else config_path or find_config(targets)
        settings = load_settings(cfg, known) if cfg is not None else Settings()
        settings = merge_cli(settings, _codes(select), _codes(extend_select), _codes(ignore), output_format, known, more)
        settings = resolve_output_format(settings, os.environ)
        if show_files:
            _show_files(targets, settings)
            return
        # the catalogue is made from the settings inside, and only when the run memo cannot answer
        options = _run_options(cfg, jobs, no_cache, cache_dir, targets)
        if add_noqa is not None:
            result = run_check(targets, settings, None, verbose, options=options)
        elif apply_fixes or diff or fix_only:
            from lambdalint.fix import fix_project

            outcome = fix_project(targets, settings, None, unsafe_fixes, write=not diff, verbose=verbose, options=options)
            result = outcome.result
        else:
            result = run_check(targets, settings, None, verbose, options=options)
    except (ConfigError, DiscoveryError) as exc:  # a CatalogError is a ConfigError
        raise _fail(str(exc))
    if diff:
        _exit_after_diff(outcome, quiet)
    if add_noqa is not None:
        _exit_after_add_noqa(result, targets, cfg, add_noqa, quiet, verbose)
    if fix_only:
        _exit_after_fix_only(outcome, quiet, verbose, show_fixes, unsafe_fixes, exit_non_zero_on_fix)
    shown = _report(result, settings.output_format or "full", output_file, statistics,
                    context=_report_context(settings, targets, cfg))
    _print_problems(result, outcome, verbose)
    if outcome is not None and show_fixes and shown not in MACHINE_FORMATS:
        _list_fixes(outcome.fixed)
    if not quiet and shown not in MACHINE_FORMATS:
        _summary(result, outcome, unsafe_fixes)
    if _internal_failure(result):
        sys.exit(EXIT_ERROR)
    if exit_non_zero_on_fix and outcome is not None and outcome.fixed:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN if exit_zero or not result.diagnostics else EXIT_FINDINGS)


def _check_combinations(**on: bool) -> None:
    """Flags that cannot go together, as ruff refuses them: one line naming both, exit 2."""
    pairs = [
        ("exit_zero", "exit_non_zero_on_fix"),
        ("add_noqa", "fix"), ("add_noqa", "fix_only"), ("add_noqa", "diff"), ("add_noqa", "statistics"),
        ("add_noqa", "show_files"), ("add_noqa", "ignore_noqa"),
        ("show_files", "statistics"), ("show_files", "ignore_noqa"),
        ("isolated", "config"),
    ]
    for a, b in pairs:
        if on[a] and on[b]:
            raise _fail(f"{_flag(a)} and {_flag(b)} cannot be used together"
                        + (" (--isolated ignores every configuration file)" if b == "config" else ""))


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_flag_codes(values: Tuple[str, ...], flag: str) -> None:
    """``--fixable ""``: a flag given with no code at all."""
    if values and not _codes(values):
        raise _fail(f"{flag}: no rule code given")


def _print_problems(result, outcome, verbose: bool) -> None:
    for problem in result.internal_errors:  # (a --verbose traceback spans lines)
        click.echo(f"lambdalint: internal error (please report it): {inert_lines(problem)}", err=True)
    for notice in result.notices:  # deployment files: warnings always, notes with --verbose
        if notice.level == "warning" or verbose:
            click.echo(f"lambdalint: {notice.level}: {inert(str(notice))}", err=True)
    if outcome is not None:
        for problem in outcome.problems:
            click.echo(f"lambdalint: warning: {inert(problem)}", err=True)


def _show_files(targets: Sequence[str], settings) -> None:
    """``--show-files``: the Python files a check would read, absolute and sorted, as ruff prints them."""
    from lambdalint.project.discover import no_python_files
    from lambdalint.run import gather

    tree = gather(settings, targets).tree
    for path in sorted({os.path.abspath(tree.absolute.get(p, p)) for p in tree.python}):
        click.echo(inert(path))
    for error in tree.errors:
        click.echo(f"lambdalint: warning: {inert(str(error))}", err=True)
    if not tree.python and not tree.errors:
        click.echo(f"lambdalint: warning: {inert(no_python_files(targets, tree.skipped))}", err=True)


def _exit_after_add_noqa(result, targets: Sequence[str], config_file: Optional[str], reason: str, quiet: bool,
                         verbose: bool) -> None:
    """``--add-noqa``: comments for what was found; exit 0 unless lambdalint failed."""
    from lambdalint.fix.noqa import add_noqa
    from lambdalint.project.root import project_root

    done = add_noqa(result.diagnostics, project_root(targets, config_file), reason)
    _print_problems(result, None, verbose)
    for problem in done.problems:
        click.echo(f"lambdalint: warning: {inert(problem)}", err=True)
    if done.added and not quiet:
        click.echo(f"Added {_plural(done.added, 'noqa directive')}.", err=True)
    sys.exit(EXIT_ERROR if _internal_failure(result) else EXIT_CLEAN)


def _exit_after_fix_only(outcome, quiet: bool, verbose: bool, show_fixes: bool, unsafe: bool,
                         exit_non_zero_on_fix: bool) -> None:
    """``--fix-only``: fix, say how much, and leave the remaining findings unreported."""
    from lambdalint.report.diagnostics import UNSAFE

    _print_problems(outcome.result, outcome, verbose)
    if show_fixes and not quiet:
        _list_fixes(outcome.fixed)
    risky = 0 if unsafe else sum(1 for d in outcome.result.diagnostics
                                 if d.fix is not None and d.fix.applicable and d.fix.applicability == UNSAFE)
    more = f" ({risky} additional fix{'es' if risky != 1 else ''} available with --unsafe-fixes)" if risky else ""
    if not quiet:
        if outcome.fixed:
            click.echo(f"Fixed {_plural(len(outcome.fixed), 'finding')}{more}.")
        elif risky:
            click.echo(f"No findings fixed ({risky} fix{'es' if risky != 1 else ''} available with --unsafe-fixes).")
    if _internal_failure(outcome.result):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if exit_non_zero_on_fix and outcome.fixed else EXIT_CLEAN)


def _report_context(settings, targets, config_file):
    """What the writers need besides the findings: the project root (paths are
    shown relative to it) and the rules' documentation address."""
    from lambdalint.project.root import project_root
    from lambdalint.report.context import Context

    return Context(root=project_root(targets, config_file), docs_url=settings.docs_url)


def _check_stdin(stdin_filename: str, select: Tuple[str, ...], extend_select: Tuple[str, ...],
                 ignore: Tuple[str, ...], output_format: Optional[str], output_file: Optional[str], statistics: bool,
                 config_path: Optional[str], exit_zero: bool, apply_fixes: bool, unsafe_fixes: bool, diff: bool,
                 show_fixes: bool, exit_non_zero_on_fix: bool, quiet: bool, verbose: bool,
                 jobs: Optional[int], no_cache: bool, cache_dir: Optional[str]) -> None:
    """``check --stdin-filename PATH -``. With ``--fix`` the fixed text goes to
    stdout and the report to stderr; with ``--diff`` the diff to stdout (ruff's way)."""
    from lambdalint.cli import stdin
    from lambdalint.index.guard import MAX_BYTES
    from lambdalint.knowledge.codes import RULE_CODES
    from lambdalint.project.config import ConfigError, find_config, load_settings, merge_cli, resolve_output_format
    from lambdalint.project.discover import DiscoveryError

    known = list(RULE_CODES)
    given = stdin.read_stdin(stdin_filename)
    if len(given.data) > MAX_BYTES:
        raise _fail(f"stdin: larger than {MAX_BYTES // (1024 * 1024)} MB; not checked")
    try:
        cfg = config_path or find_config([stdin_filename])
        settings = load_settings(cfg, known)
        settings = merge_cli(settings, _codes(select), _codes(extend_select), _codes(ignore), output_format, known)
        settings = resolve_output_format(settings, os.environ)
        options = _run_options(cfg, jobs, no_cache, cache_dir, [stdin_filename])
        result, outcome, name = stdin.check_stdin(given, settings, cfg, options, verbose, apply_fixes, unsafe_fixes,
                                                  diff)
    except (ConfigError, DiscoveryError) as exc:
        raise _fail(str(exc))
    if diff:
        changed = stdin.write_diff(given, outcome, name)
        for problem in outcome.problems:
            click.echo(f"lambdalint: warning: {inert(problem)}", err=True)
        if not quiet:
            n = len(outcome.fixed)
            click.echo(f"Would fix {_plural(n, 'finding')}." if n else "No fixes available.", err=True)
        sys.exit(EXIT_ERROR if _internal_failure(result) else EXIT_FINDINGS if changed else EXIT_CLEAN)
    report_out = sys.stdout
    if apply_fixes:  # stdout carries the fixed text: everything else goes to stderr
        stdin.write_fixed(stdin.fixed_text(given, outcome, name))
        report_out = sys.stderr
    shown = _report(result, settings.output_format or "full", output_file, statistics, report_out,
                    {stdin_filename: stdin.fixed_text(given, outcome, name)},
                    context=_report_context(settings, [stdin_filename], cfg))
    for problem in result.internal_errors:  # (a --verbose traceback spans lines)
        click.echo(f"lambdalint: internal error (please report it): {inert_lines(problem)}", err=True)
    for notice in result.notices:
        if notice.level == "warning" or verbose:
            click.echo(f"lambdalint: {notice.level}: {inert(str(notice))}", err=True)
    if outcome is not None:
        for problem in outcome.problems:
            click.echo(f"lambdalint: warning: {inert(problem)}", err=True)
        if show_fixes and shown not in MACHINE_FORMATS:
            _list_fixes(outcome.fixed, report_out is sys.stderr)
    if not quiet and shown not in MACHINE_FORMATS:
        _summary(result, outcome, unsafe_fixes, report_out is sys.stderr)
    if _internal_failure(result):
        sys.exit(EXIT_ERROR)
    if exit_non_zero_on_fix and outcome is not None and outcome.fixed:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN if exit_zero or not result.diagnostics else EXIT_FINDINGS)


def _run_options(config_file: Optional[str], jobs: Optional[int], no_cache: bool, cache_dir: Optional[str],
                 targets: Sequence[str] = ()):
    from lambdalint.cache.store import Cache, default_cache_dir, default_cache_refusal
    from lambdalint.project.root import project_root
    from lambdalint.records import Options
    from lambdalint.report.progress import for_terminal

    cache = None
    if not no_cache:
        root = os.path.dirname(os.path.abspath(config_file)) if config_file else None
        folder = cache_dir or default_cache_dir(root)
        # a folder the user names may be a link; the default one is the checked repository's to set
        refusal = None if cache_dir else default_cache_refusal(folder)
        if refusal is not None:
            click.echo(f"lambdalint: warning: cannot use the cache ({inert(refusal)}); going on without it", err=True)
        else:
            # the project checked is no place for the key that signs the cache's entries
            cache = Cache(folder, lambda m: click.echo(f"lambdalint: warning: {inert(m)}", err=True),
                          project=project_root(targets, config_file) if targets else None)
    return Options(jobs=jobs, cache=cache, progress=for_terminal(), require_python=True)


@main.command("server", short_help="Run the language server for editors (LSP over stdio).")
@click.option("-v", "--verbose", is_flag=True, help="Log what the server does, and tracebacks, on stderr.")
def server(verbose: bool) -> None:
    """Run the language server on stdin and stdout (for editors; see the README).

    It keeps each project's facts in memory, checks open files as they are
    typed, and offers the fixes of `check --fix` and "ignore on this line" as
    code actions. Needs pygls: pip install 'lambdalint[server]'.
    """
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise _fail("`lambdalint server` needs pygls, which is not installed: pip install 'lambdalint[server]'")
    from lambdalint.server.protocol import serve

    serve(verbose or debug_enabled())


@main.command(short_help="Print the documentation of one rule (e.g. LAM101).")
@click.argument("code")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="Text (the rule's page), or JSON as `rules --output-format json` gives each rule.")
def rule(code: str, output_format: str) -> None:
    """Print the documentation of rule CODE (for example LAM101)."""
    from lambdalint.checks import all_rules

    code = code.upper()
    info = all_rules().get(code)
    if info is None:
        raise _fail(f"unknown rule code '{code}' (see `lambdalint rules`)")
    if output_format == "json":
        import json

        click.echo(json.dumps(_rule_json(info), indent=2))
        return
    click.echo(_rule_page(info))


def _rule_page(info) -> str:
    from lambdalint.knowledge.resources import rules_dir

    pages = sorted(rules_dir().glob(f"{info.code}-*.md"))
    if not pages:
        return f"# {info.code} {info.name}\n\n{info.summary}"
    return pages[0].read_text(encoding="utf-8").rstrip()


# ruff's `fix` sentence for each fix kind a rule declares
_FIX_SENTENCES = {"safe": "Fix is sometimes available.", "unsafe": "Fix is sometimes available.",
                  "display-only": "Fix is not available.", "none": "Fix is not available."}


def _rule_json(info) -> dict:
    """One rule with the keys of ruff's `rule --output-format json`, and lambdalint's own."""
    from lambdalint.report.context import rule_url

    return {
        "name": info.name,
        "code": info.code,
        "linter": "lambdalint",
        "summary": info.summary,
        "message_formats": [],
        "fix": _FIX_SENTENCES.get(info.fix, "Fix is not available."),
        "explanation": _rule_page(info),
        "preview": False,
        "severity": info.severity,
        "default": info.default,
        "fix_safety": info.fix,
        "url": rule_url(info.code, None, info.name),  # the default docs-url: no config is read here
    }


@main.command("rules", short_help="List every rule: code, name, severity, default and fix.")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="A table, or a JSON list with ruff's keys (name, code, summary, fix, explanation) and "
                   "lambdalint's (severity, default, fix_safety, url).")
def list_rules(output_format: str) -> None:
    """List every rule: code, name, severity, default and fix."""
    from lambdalint.checks import all_rules

    if output_format == "json":
        import json

        click.echo(json.dumps([_rule_json(r) for r in all_rules().values()], indent=2))
        return
    rows = [(r.code, r.name, r.severity, "on" if r.default else "off", r.fix) for r in all_rules().values()]
    widths = [max(len(str(row[i])) for row in rows + [("code", "name", "severity", "default", "fix")]) for i in range(5)]
    for row in [("code", "name", "severity", "default", "fix")] + rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


@main.command("clean", short_help="Remove the cache folders lambdalint made here and below.")
@click.option("-q", "--quiet", is_flag=True, help="Say nothing about what is removed.")
def clean(quiet: bool) -> None:
    """Remove the cache folders lambdalint made in the current folder and every
    folder below it (`.lambdalint_cache`), and the one LAMBDALINT_CACHE_DIR names,
    as `ruff clean` does. Only folders that carry lambdalint's CACHEDIR.TAG are
    removed; links are never followed. The key that signs cache entries
    (LAMBDALINT_KEY_DIR) is kept."""
    from lambdalint.cli.clean import clean_caches

    removed, problems = clean_caches(os.getcwd(), os.environ.get("LAMBDALINT_CACHE_DIR") or None)
    for path in removed:
        if not quiet:
            click.echo(f"Removing cache at: {inert(path)}", err=True)
    for problem in problems:
        click.echo(f"lambdalint: warning: {inert(problem)}", err=True)
    if any(p.startswith("cannot remove") for p in problems):
        sys.exit(EXIT_ERROR)


@main.command("handlers", short_help="List the Lambda entry points found, and why each is one.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Config file to use.")
def list_handlers(paths: Tuple[str, ...], config_path: Optional[str]) -> None:
    """List the Lambda entry points found in PATHS and why each is one.

    Handlers come from deployment files (SAM/CloudFormation templates,
    serverless.yml, CDK apps, Terraform, zappa_settings), from config
    (`handlers = ["app.lambda_handler"]`) and from conventions: a function named
    `handler`, `lambda_handler` or `*_handler` taking (event, context) (more
    parameters when they have defaults or a decorator passes them), a
    Powertools handler decorator, a Chalice route or event source, a Powertools
    resolver's route, a web app's route served by a Lambda adapter, what a
    module-level object named like a handler runs (a handler object's
    `__call__`, a wrapped or returned function). Under each handler, how it
    runs when known: SnapStart on or off (from its deployment file, from config
    `snapstart` / `snapstart-handlers`, or because its code imports
    snapshot_restore_py) and Lambda Managed Instances (capacity provider, max
    concurrency), each with where it was read. Handler
    strings that point to nothing, deployment files that cannot be read, and
    references to files outside the project (never read), are reported as
    warnings on stderr.
    """
    from lambdalint.checks import all_rules
    from lambdalint.project.config import ConfigError, find_config, load_settings
    from lambdalint.project.discover import DiscoveryError
    from lambdalint.run import load_project

    targets = list(paths) or ["."]
    try:
        settings = load_settings(config_path or find_config(targets), list(all_rules()))
        loaded = load_project(settings, targets)
    except (ConfigError, DiscoveryError) as exc:
        raise _fail(str(exc))
    for h in sorted(loaded.handlers, key=lambda h: (h.path, h.line, h.qualname)):
        click.echo(inert(f"{h.path}:{h.line}: {h.qualname}  ({h.source})"))
        for fact in h.deploy.describe():  # SnapStart, Managed Instances
            click.echo(inert(f"    {fact}"))
    for notice in loaded.notices:
        click.echo(f"lambdalint: {notice.level}: {inert(str(notice))}", err=True)
    if not loaded.handlers:
        # an empty list looks like a broken command; say why nothing is checked
        files = f"{loaded.files} Python file{'' if loaded.files == 1 else 's'}"
        click.echo(f"lambdalint: no entry points found in {files}: none is declared in a deployment file "
                   "or in `handlers` in the config, and none follows the conventions "
                   "(see `lambdalint handlers --help`)", err=True)


@main.command("config", short_help="Print the settings `check` would use, and where each came from.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Config file to use.")
def show_config(paths: Tuple[str, ...], config_path: Optional[str]) -> None:
    """Print the settings `check PATHS` would use, and where each came from."""
    from lambdalint.checks import all_rules
    from lambdalint.project.config import ConfigError, describe, find_config, load_settings, resolve_output_format, selected

    targets = list(paths) or ["."]
    rules = all_rules()
    try:
        cfg = config_path or find_config(targets)
        settings = resolve_output_format(load_settings(cfg, list(rules)), os.environ)
    except ConfigError as exc:
        raise _fail(str(exc))
    click.echo(f"# config file: {inert(os.path.abspath(cfg)) if cfg else '(none found; defaults)'}")
    for key, value, origin in describe(settings):
        click.echo(f"{key} = {_toml(value)}  # {inert(origin)}")
    on = [code for code, info in rules.items() if selected(code, settings, info.default)]
    click.echo(f"# rules on: {', '.join(on) if on else '(none)'}")


def _toml(value: object) -> str:
    """A value as TOML would write it (inline), for `lambdalint config`."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))
