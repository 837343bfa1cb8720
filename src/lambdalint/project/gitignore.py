"""``.gitignore`` rules as git applies them, so ``lambdalint check .`` skips what
git ignores (generated code, vendored copies, build output).

Only inside a git work tree (a folder with ``.git`` above the path): outside one,
git ignores nothing, and neither do we. Read: every ``.gitignore`` from the work
tree's root down to the path's folder, and ``.git/info/exclude``. Not read: the
user's global excludes file (it differs between machines, so results would too)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Tuple


@dataclass(frozen=True)
class _Rule:
    regex: Pattern[str]
    negated: bool
    dir_only: bool
    anchored: bool  # matched against the path relative to ``base``; else against the name
    base: str  # the folder the rule is relative to (posix, relative to the work tree root)


def _glob_to_regex(glob: str) -> str:
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[":
            end = glob.find("]", i + 2)
            if end < 0:
                out.append(re.escape("["))
                i += 1
                continue
            body = glob[i + 1:end]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out) + r"\Z"


def parse_rules(text: str, base: str) -> List[_Rule]:
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        # trailing spaces are dropped unless escaped with a backslash
        stripped = line.rstrip(" ")
        if stripped.endswith("\\") and len(stripped) < len(line):
            stripped += " "
        line = stripped
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        elif line.startswith("\\!") or line.startswith("\\#"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        rules.append(_Rule(re.compile(_glob_to_regex(line)), negated, dir_only, anchored, base))
    return rules


def find_worktree(path: str) -> Optional[str]:
    d = os.path.abspath(path)
    if not os.path.isdir(d):
        d = os.path.dirname(d)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


class GitIgnore:
    """Answers "does git ignore this path?" for paths under any work tree,
    reading each ``.gitignore`` once."""

    def __init__(self) -> None:
        self._rules: Dict[str, List[_Rule]] = {}
        self._roots: Dict[str, Optional[str]] = {}
        self._verdicts: Dict[Tuple[str, bool], bool] = {}

    def _root(self, directory: str) -> Optional[str]:
        """``find_worktree`` for a folder, sharing the answer of its parents: a
        walk asks for every folder, and each answer climbs to ``/``."""
        climbed = []
        d = directory
        while d not in self._roots:
            if os.path.exists(os.path.join(d, ".git")):
                self._roots[d] = d
                break
            climbed.append(d)
            parent = os.path.dirname(d)
            if parent == d:
                self._roots[d] = None
                break
            d = parent
        root = self._roots[d]
        for c in climbed:
            self._roots[c] = root
        return root

    def _rules_in(self, root: str, rel_dir: str) -> List[_Rule]:
        key = os.path.join(root, rel_dir)
        if key not in self._rules:
            rules: List[_Rule] = []
            if rel_dir == "":
                rules += _read(os.path.join(root, ".git", "info", "exclude"), "")
            rules += _read(os.path.join(key, ".gitignore"), rel_dir)
            self._rules[key] = rules
        return self._rules[key]

    def ignored(self, path: str, is_dir: bool) -> bool:
        """``path``: relative to the working folder, or absolute and normalised
        (as a walk makes them: made absolute again, each would cost more than the answer)."""
        if not os.path.isabs(path):
            path = os.path.abspath(path)
        key = (path, is_dir)
        if key not in self._verdicts:
            self._verdicts[key] = self._decide(path, is_dir)
        return self._verdicts[key]

    def _decide(self, path: str, is_dir: bool) -> bool:
        parent = os.path.dirname(path)
        root = self._root(parent)
        if root is None or path == root:
            return False
        if parent != root and self.ignored(parent, True):
            return True  # git cannot re-include a file inside an ignored folder
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if rel.split("/")[0] == ".git":
            return True
        verdict = False
        parts = rel.split("/")
        name = parts[-1]
        for depth in range(len(parts)):
            rel_dir = "/".join(parts[:depth])
            for rule in self._rules_in(root, rel_dir):
                if rule.dir_only and not is_dir:
                    continue
                if rule.anchored:
                    target = rel[len(rel_dir) + 1:] if rel_dir else rel
                    hit = rule.regex.match(target) is not None
                else:
                    hit = rule.regex.match(name) is not None
                if hit:
                    verdict = not rule.negated
        return verdict


def _read(path: str, base: str) -> List[_Rule]:
    from lambdalint.project.sourcefile import read_bytes

    try:  # a .gitignore that is a pipe or a device must not hang the run
        return parse_rules(read_bytes(path, 4 * 1024 * 1024, truncate=True).decode("utf-8", errors="replace"), base)
    except OSError:
        return []
