"""Errors in what the user gave lambdalint, which any stage may find.

Kept apart from the stages so that the catalogues (which know nothing of the
configuration file) and the configuration (which validates catalogue entries)
can both raise them without importing each other. Each exits 2 with one line.
"""


class ConfigError(Exception):
    """Bad configuration; the message names the file and the key."""
