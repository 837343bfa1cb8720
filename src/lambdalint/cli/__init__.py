"""The command line: arguments, exit codes, and Ctrl-C; nothing else.
Takes argv; gives the commands (check, rule, rules, handlers, config, clean) their settings and prints what they return.
Must not analyse anything itself: it calls ``lambdalint.run``.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # ``main`` loads click and the commands on first use, so that ``lambdalint.cli.interrupt``
    # can install the Ctrl-C handler before anything heavy is imported
    if name == "main":
        from lambdalint.cli.commands import main

        return main
    raise AttributeError(name)
