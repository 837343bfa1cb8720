"""The vocabulary of "which path": one control decision on the way to a place.

A ``Step`` is (module, span, kind, text). Kinds: IF_TRUE / IF_FALSE (the body / the
`else` of the `if` at span; text the condition as written, "" when long),
EXITS_IF_TRUE / EXITS_IF_FALSE (what follows an `if` whose body / `else` leaves early:
it runs only when the condition is false / true), EXCEPT (an `except` clause; text its
header), FINALLY, LOOP (a loop body; text a `while` condition). A trail is a tuple of
steps, from the handler down through the calls it makes. The interpreters of the model
(teardown, background work) record them; ``lambdalint.checks.trail`` spells them.
"""

from __future__ import annotations

from typing import Tuple

from lambdalint.index.facts import Span

Step = Tuple[str, Span, str, str]
IF_TRUE, IF_FALSE, EXITS_IF_TRUE, EXITS_IF_FALSE = "if", "else", "exits-if", "exits-else"
EXCEPT, FINALLY, LOOP = "except", "finally", "loop"
