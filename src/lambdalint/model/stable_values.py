"""Whether a value the index could not write as a path is the same on every invocation.

A key built as a display or by a pure builtin (``key = (args, frozenset(kwargs.items()))``
in a memoiser's wrapper, ``tuple(sorted(ids))``) is no path: the index gives its
assignment no value. What it is built from are the reads the walk met inside the
assignment, just before it (``use`` events and the calls of its expression): the key
is the same on every invocation when each of them is.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence

from lambdalint.graph.link import Project
from lambdalint.graph.reach import CONST, is_stable, resolve
from lambdalint.index.facts import Event
from lambdalint.index.span import within

READS_KEPT = 16  # how many of the last reads the walk keeps for this

# builtins whose result is the same whenever their arguments are
_PURE = frozenset(f"builtins.{name}" for name in (
    "frozenset", "tuple", "sorted", "str", "repr", "hash", "len", "int", "float", "bool", "bytes", "min", "max",
    "abs", "round", "list", "dict", "set", "sum", "any", "all", "zip", "reversed", "enumerate", "format"))


def built_from_stable(project: Project, assign: Event, reads: Sequence[Event], env: Dict[str, Optional[str]]) -> bool:
    """Whether the value ``assign`` (a local's assignment whose value is no path) binds
    is built, by displays and pure builtins only, from values that are the same on every
    invocation (``reads``: the uses and calls the walk met last, in order)."""
    parts = [x for x in reads if within(x.span, assign.span)]
    if not parts or (len(reads) >= READS_KEPT and within(reads[0].span, assign.span)):
        return False  # (none, or more than were kept: the first may have been let go)
    for x in parts:
        if x.kind == "use":
            if not is_stable(project, resolve(project, x.path, env)):
                return False
        elif _pure(project, x.path, env):
            # a pure builtin, or a method of a constant (`kwargs.items()` of a `**kwargs`
            # given nothing): the same whenever its arguments are
            if x.starred or any(not _stable_part(project, a, env) for a in x.args) \
                    or any(not _stable_part(project, v, env) for _, v in x.kwargs):
                return False
        else:
            return False
    return True


def pure_call(value: str) -> bool:
    """Whether ``value`` is the result of a pure builtin's call (``builtins.tuple()``): a key
    built so is checked as one the index gives no path (``built_from_stable``)."""
    return value.endswith("()") and value[:-2] in _PURE


def _pure(project: Project, path: Optional[str], env: Dict[str, Optional[str]]) -> bool:
    return path in _PURE or (path is not None and resolve(project, path, env) == CONST)


def _stable_part(project: Project, arg: Optional[str], env: Dict[str, Optional[str]]) -> bool:
    """An argument of a pure call: stable, or the result of another pure call in the same
    expression (`tuple(sorted(kwargs.items()))`), which is checked as a part of its own."""
    if arg is None:
        return False
    if arg.endswith("()") and "(" not in arg[:-2] and _pure(project, arg[:-2], env):
        return True
    return is_stable(project, resolve(project, arg, env))
