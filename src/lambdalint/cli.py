"""The command line: argument parsing and exit codes only."""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Tuple

import click

from lambdalint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: Tuple[str, ...]) -> List[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(f"lambdalint: error: {message}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


class _Group(click.Group):
    """Usage errors exit 2 with one line, as ruff's do."""


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="lambdalint")
def main() -> None:
    """Find module-level state that breaks AWS Lambda handlers on warm invocations.

    Lambda imports your handler module once and then calls the handler again and
    again in the same process: a connection closed in the handler is dead on the
    next call. `lambdalint check` finds these bugs before you deploy.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, metavar="CODES", help="Rule codes or prefixes to enable (comma-separated; ALL for every rule).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Codes to enable on top of the configured selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rule codes or prefixes to disable.")
@click.option("--output-format", type=click.Choice(["full", "concise", "json"]), default=None,
              help="How to print diagnostics. [default: full]")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Use this pyproject.toml or lambdalint.toml instead of the nearest one.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print diagnostics only, no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors (for bug reports).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes that index files. [default: the number of CPUs]")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, envvar="LAMBDALINT_CACHE_DIR",
              help="Cache folder (env: LAMBDALINT_CACHE_DIR). [default: .lambdalint_cache in the project root]")
def check(paths: Tuple[str, ...], select: Tuple[str, ...], extend_select: Tuple[str, ...], ignore: Tuple[str, ...],
          output_format: Optional[str], config_path: Optional[str], exit_zero: bool, quiet: bool, verbose: bool,
          jobs: Optional[int], no_cache: bool, cache_dir: Optional[str]) -> None:
    """Check PATHS (files or folders; default: the current folder).

    Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal error.
    """
    from lambdalint.catalog import CatalogError, load_catalog
    from lambdalint.checks import all_rules
    from lambdalint.config import ConfigError, find_config, load_settings, merge_cli
    from lambdalint.discover import DiscoveryError
    from lambdalint.report import reporter
    from lambdalint.run import run_check

    targets = list(paths) or ["."]
    known = list(all_rules())
    try:
        cfg = config_path or find_config(targets)
        settings = load_settings(cfg, known)
        settings = merge_cli(settings, _codes(select), _codes(extend_select), _codes(ignore), output_format, known)
        catalog = load_catalog(settings.resources, source=cfg or "pyproject.toml")
        result = run_check(targets, settings, catalog, verbose, options=_run_options(cfg, jobs, no_cache, cache_dir))
    except (ConfigError, CatalogError, DiscoveryError) as exc:
        raise _fail(str(exc))
    fmt = settings.output_format or "full"
    reporter(fmt)(result.diagnostics, sys.stdout, _use_color() and fmt != "json")
    for problem in result.internal_errors:
        click.echo(f"lambdalint: internal error (please report it): {problem}", err=True)
    if not quiet and fmt != "json":
        _summary(result)
    if result.internal_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_CLEAN if exit_zero or not result.diagnostics else EXIT_FINDINGS)


def _run_options(config_file: Optional[str], jobs: Optional[int], no_cache: bool, cache_dir: Optional[str]):
    from lambdalint.cache import Cache, default_cache_dir
    from lambdalint.progress import for_terminal
    from lambdalint.run import Options

    cache = None
    if not no_cache:
        root = os.path.dirname(os.path.abspath(config_file)) if config_file else None
        cache = Cache(cache_dir or default_cache_dir(root), lambda m: click.echo(f"lambdalint: warning: {m}", err=True))
    return Options(jobs=jobs, cache=cache, progress=for_terminal())


def _summary(result) -> None:
    n = len(result.diagnostics)
    handlers = len(result.handlers)
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    hs = f"{handlers} handler{'s' if handlers != 1 else ''}"
    if n == 0:
        click.echo(f"All checks passed! ({files}, {hs})")
    else:
        click.echo(f"Found {n} finding{'s' if n != 1 else ''} in {files} ({hs}).")
    if handlers == 0 and result.files:
        click.echo("note: no Lambda handler found; name it `handler`/`lambda_handler`/`*_handler` with (event, context), "
                   "or list it under [tool.lambdalint] handlers", err=True)


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Print the documentation of rule CODE (e.g. LAM101)."""
    from lambdalint.catalog import rules_dir
    from lambdalint.checks import all_rules

    code = code.upper()
    info = all_rules().get(code)
    if info is None:
        raise _fail(f"unknown rule code '{code}' (see `lambdalint rules`)")
    pages = sorted(rules_dir().glob(f"{code}-*.md"))
    if not pages:
        click.echo(f"# {info.code} {info.name}\n\n{info.summary}")
        return
    click.echo(pages[0].read_text(encoding="utf-8").rstrip())


@main.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity, default and fix."""
    from lambdalint.checks import all_rules

    rows = [(r.code, r.name, r.severity, "on" if r.default else "off", r.fix) for r in all_rules().values()]
    widths = [max(len(str(row[i])) for row in rows + [("code", "name", "severity", "default", "fix")]) for i in range(5)]
    for row in [("code", "name", "severity", "default", "fix")] + rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


@main.command("handlers")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Config file to use.")
def list_handlers(paths: Tuple[str, ...], config_path: Optional[str]) -> None:
    """List the Lambda entry points found in PATHS and why each is one."""
    from lambdalint.checks import all_rules
    from lambdalint.config import ConfigError, find_config, load_settings
    from lambdalint.discover import DiscoveryError
    from lambdalint.handlers import find_handlers
    from lambdalint.link import Project
    from lambdalint.run import build_project

    targets = list(paths) or ["."]
    try:
        settings = load_settings(config_path or find_config(targets), list(all_rules()))
        project = Project(build_project(settings, targets))
    except (ConfigError, DiscoveryError) as exc:
        raise _fail(str(exc))
    for h in find_handlers(project, settings.handlers, settings.handler_patterns, settings.conventions):
        click.echo(f"{h.path}:{h.line}: {h.qualname}  ({h.source})")
