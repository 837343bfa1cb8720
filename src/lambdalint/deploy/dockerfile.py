"""What a container image function's Dockerfile says about its handler.

Read by the SAM and Serverless readers alike: an image built ``FROM`` an AWS
Python base image runs the handler its ``CMD`` names (``CMD ["app.handler"]``),
unless the deployment's command overrides it. Only the first 256 KiB are read.
"""

from __future__ import annotations

import re
from typing import Optional

_CMD = re.compile(r"^\s*CMD\s+\[\s*\"([^\"]+)\"", re.M | re.I)
_FROM_PYTHON = re.compile(r"^\s*FROM\s+\S*python", re.M | re.I)


def read_dockerfile(path: str) -> Optional[str]:
    """The Dockerfile's text (undecodable bytes replaced), or None when it cannot be read."""
    from lambdalint.project.sourcefile import read_bytes

    try:
        return read_bytes(path, 256 * 1024, truncate=True).decode("utf-8", errors="replace")
    except OSError:
        return None


def cmd_handler(text: Optional[str]) -> Optional[str]:
    """The first word of the exec-form ``CMD`` (the handler of a Lambda base image), if any."""
    m = _CMD.search(text or "")
    return m.group(1) if m else None


def builds_python(text: Optional[str]) -> Optional[bool]:
    """True when the image is built from a Python image; None (unknown) otherwise."""
    return True if text and _FROM_PYTHON.search(text) else None
