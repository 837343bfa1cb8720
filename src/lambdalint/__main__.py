"""``python -m lambdalint``, and the ``lambdalint`` console script (``run``).

``-m`` puts the current folder first on ``sys.path``. Run inside a repository
that holds a ``click.py`` or a ``yaml.py``, lambdalint's own imports would then
run the user's code, which lambdalint promises never to do; so that entry goes
before anything else is imported. (lambdalint itself is already loaded, from
wherever ``-m`` found it.)

The Ctrl-C handler goes in before click and the rest load: a Ctrl-C while they
import printed a traceback (``lambdalint.interrupt``).
"""

import os
import sys


def _drop_working_directory() -> None:
    try:
        cwd = os.getcwd()
    except OSError:  # the folder was deleted under us: nothing of it to import
        cwd = None
    if sys.path and sys.path[0] in ("", ".", cwd):
        del sys.path[0]


def run() -> None:
    """The command line, with Ctrl-C handled from the first moment."""
    from lambdalint import interrupt  # light: after the working folder left sys.path

    interrupt.install()
    from lambdalint import prefork  # as light: the indexing worker starts its imports now

    prefork.start(sys.argv)
    from lambdalint.cli import main

    try:
        main()
    except SystemExit as exc:
        if interrupt.announced():
            # interrupted: end now rather than in Python's own clean-up, where
            # another Ctrl-C would meet the default handler (a traceback, or death by SIGINT)
            interrupt.exit_now()
        _hard_exit(exc.code)
        raise


def _hard_exit(code: object) -> None:
    """End the process once the command is done, without Python's own clean-up
    (as mypy does): tearing down the modules freed, and a last collection
    scanned, every fact the run read (a fifth of a run after an edit of a large
    project). The streams are flushed and the exit functions run first (the
    pools' and the workers'); a stream that cannot be flushed (a reader that
    went away) is left to the normal exit, which reports it as before."""
    if code is not None and type(code) is not int:
        return  # a message to print: the normal exit prints it
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, RuntimeError):
        return
    import atexit

    atexit._run_exitfuncs()  # type: ignore[attr-defined]
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, RuntimeError):
        return
    os._exit(code or 0)


if __name__ == "__main__":
    _drop_working_directory()
    run()
