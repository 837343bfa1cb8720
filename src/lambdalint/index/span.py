"""Where something is in a file (kept apart so that naming the type costs no imports)."""

from typing import Tuple

Span = Tuple[int, int, int, int]  # line, column (0-based), end line, end column


def within(inner: Span, outer: Span) -> bool:
    """Whether ``inner`` lies inside ``outer`` (or is it)."""
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])
