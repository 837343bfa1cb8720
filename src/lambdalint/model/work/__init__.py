"""Background work followed through one invocation (LAM301-LAM305).
Takes the linked project, a handler and the work catalogue; gives the work still unfinished at each exit.
Must not touch syntax trees, files or diagnostics.
"""

from lambdalint.model.work.interpreter import Interpreter
from lambdalint.model.work.rearm import Rearming
from lambdalint.model.work.state import Exit, Finding, Item, common_trail

__all__ = ["Exit", "Finding", "Interpreter", "Item", "Rearming", "common_trail"]
