"""What every command shares: exit codes, one-line errors, the click group that
turns any failure into one line (a traceback only with --verbose), streams that
print any text."""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Set, Tuple

import click

from lambdalint import interrupt
from lambdalint.report.inert import inert, inert_lines

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


def _codes(values: Tuple[str, ...]) -> List[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def _use_color(stream=None) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _fail(message: str) -> "click.exceptions.Exit":
    # messages quote paths and config values from the repository: escaped, as
    # everything on stderr that comes from it (see report/inert.py)
    click.echo(f"lambdalint: error: {inert(message)}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


DEBUG_ENV = "LAMBDALINT_DEBUG"
_VERBOSE = "lambdalint.verbose"  # ctx.meta key: a command saw --verbose


def debug_enabled() -> bool:
    """``LAMBDALINT_DEBUG=1``: tracebacks for bug reports, as ``--verbose`` gives."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


class _Group(click.Group):
    """Usage errors exit 2 with one line, as ruff's do; so does everything else
    that goes wrong: one line naming the file or the error, the traceback only
    with ``--verbose`` or ``LAMBDALINT_DEBUG=1``."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:  # `lambdalint --help | head -1`
            _silence_stdout()
            raise click.exceptions.Exit(EXIT_BROKEN_PIPE)
        except click.exceptions.UsageError as exc:
            if isinstance(exc, _NO_ARGS_IS_HELP):
                raise  # `lambdalint` alone: click prints the help
            raise _usage_error(exc)

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        _tolerant_streams()
        try:
            # the first Ctrl-C unwinds the command (stopping the worker pool); see lambdalint.interrupt
            with interrupt.unwinding():
                try:
                    return super().invoke(ctx)
                finally:
                    # a reader that went away is seen here, not when Python flushes at exit
                    sys.stdout.flush()
        except click.exceptions.UsageError as exc:  # a subcommand's arguments
            raise _usage_error(exc)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            interrupt.announce()
            raise click.exceptions.Exit(interrupt.EXIT_INTERRUPTED)
        except BrokenPipeError:
            # the reader went away (`lambdalint check | head`): say nothing more, and
            # exit as a shell reports a writer that SIGPIPE killed
            _silence_stdout()
            raise click.exceptions.Exit(EXIT_BROKEN_PIPE)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            verbose = bool(ctx.meta.get(_VERBOSE)) or debug_enabled()
            if verbose:
                click.echo(_traceback_text(exc).rstrip(), err=True)
            click.echo(f"lambdalint: error: {inert(_describe(exc, verbose))}", err=True)
            raise click.exceptions.Exit(EXIT_ERROR)


# click >= 8.2 raises this (a usage error) for a group called with no command
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_error(exc: "click.exceptions.UsageError") -> "click.exceptions.Exit":
    """A flag or argument click refuses: one line that names it, exit 2 (not click's
    usage block): ``lambdalint: error: Invalid value for '--output-format': ...``."""
    message = " ".join(exc.format_message().split())
    sub = exc.ctx.info_name if exc.ctx is not None and exc.ctx.parent is not None else None
    where = f"lambdalint {sub}" if sub else "lambdalint"
    return _fail(f"{message} (see `{where} --help`)")


def _traceback_text(exc: BaseException) -> str:
    """The traceback for a bug report. Its frames are lambdalint's code and keep
    their lines; everything else (messages, which may quote the repository, even
    across lines) is escaped whole, so no line of it starts a CI command."""
    import traceback

    te = traceback.TracebackException.from_exception(exc)
    # the fixed texts between chained exceptions ("The above exception was ...")
    chained = (getattr(traceback, "_cause_message", ""), getattr(traceback, "_context_message", ""))
    trusted = {"Traceback (most recent call last):\n", *(text for text in chained if text)}
    seen: Set[int] = set()
    node: Optional[traceback.TracebackException] = te
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        trusted.update(node.stack.format())
        node = node.__cause__ or (None if node.__suppress_context__ else node.__context__)
    parts = []
    for part in te.format():
        body = part[:-1] if part.endswith("\n") else part
        parts.append((inert_lines(body) if part in trusted else inert(body)) + "\n")
    return "".join(parts)


def _describe(exc: BaseException, verbose: bool) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    hint = "" if verbose else f"; run again with --verbose (or {DEBUG_ENV}=1) for the traceback"
    return f"internal error (please report it): {type(exc).__name__}: {exc}{hint}"


def _tolerant_streams() -> None:
    """A message that quotes the user's code must print on any terminal
    (``PYTHONIOENCODING=ascii``, a C locale): unencodable characters are escaped."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
