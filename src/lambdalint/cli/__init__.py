"""The command line: arguments and exit codes; nothing else (Ctrl-C: ``lambdalint.interrupt``).
Takes argv; gives the commands (check, rule, rules, handlers, config, clean, server) their settings and prints what they return.
Must not analyse anything itself: it calls ``lambdalint.run``.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # ``main`` loads click and the commands on first use: importing this package costs nothing
    if name == "main":
        from lambdalint.cli.commands import main

        return main
    raise AttributeError(name)
