"""Where something is in a file (kept apart so that naming the type costs no imports)."""

from typing import Tuple

Span = Tuple[int, int, int, int]  # line, column (0-based), end line, end column
