"""``python -m lambdalint``.

``-m`` puts the current folder first on ``sys.path``. Run inside a repository
that holds a ``click.py`` or a ``yaml.py``, lambdalint's own imports would then
run the user's code, which lambdalint promises never to do; so that entry goes
before anything else is imported. (lambdalint itself is already loaded, from
wherever ``-m`` found it.)
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


if __name__ == "__main__":
    _drop_working_directory()
    from lambdalint.cli import main

    main()
