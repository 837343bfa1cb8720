"""The reference: libcst's parse_module of every .py file under a folder, in one process."""

import os
import sys

import libcst

for dirpath, _, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        if name.endswith(".py"):
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            try:
                libcst.parse_module(data)
            except Exception:  # a file libcst cannot parse costs what it costs
                pass
