"""What a writer knows besides the findings: the project root (paths are shown
relative to it), the rule documentation address, and the text to show for a
path instead of the file's (stdin)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional

# the rule pages live in rules/<CODE>-<name>.md of the project's repository
DEFAULT_DOCS_URL = "https://github.com/lambdalint/lambdalint/blob/main/rules/{code}-{name}.md"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDERS = ("code", "name")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/\s]")
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f<>\"\\^`|]")


def docs_url_problem(template: object) -> Optional[str]:
    """Why ``template`` is not a usable ``docs-url`` (None when it is): an
    absolute URL with ``{code}`` and/or ``{name}`` and no other braces."""
    if not isinstance(template, str):
        return "must be a string"
    if not _SCHEME.match(template):
        return f"{template!r} is not an absolute URL (https://...)"
    if _FORBIDDEN.search(template):
        return f"{template!r} holds a space or a character a URL cannot hold"
    names = _PLACEHOLDER.findall(template)
    unknown = [n for n in names if n not in _PLACEHOLDERS]
    if unknown:
        return f"{template!r}: unknown placeholder {{{unknown[0]}}} (known: {{code}}, {{name}})"
    if "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        return f"{template!r}: unbalanced brace"
    if not names:
        return f"{template!r} names no rule: put {{code}} (and/or {{name}}) where the rule goes"
    return None


@lru_cache(maxsize=None)
def _page_name(code: str) -> str:
    """The rule's name from its page's file name (``LAM101-closed-global-resource.md``)."""
    from lambdalint.knowledge.resources import rules_dir

    pages = sorted(rules_dir().glob(f"{code}-*.md"))
    return pages[0].stem[len(code) + 1:] if pages else ""


def rule_url(code: str, template: Optional[str] = None, name: str = "") -> str:
    """The address of the rule's documentation ("" when the rule has no page and
    the template needs its name)."""
    name = _page_name(code) or name
    template = template or DEFAULT_DOCS_URL
    if "{name}" in template and not name:
        return ""
    return _PLACEHOLDER.sub(lambda m: code if m.group(1) == "code" else name, template)


@dataclass(frozen=True)
class Context:
    root: Optional[str] = None  # the project root: paths are shown relative to it
    docs_url: str = DEFAULT_DOCS_URL
    contents: Optional[Mapping[str, bytes]] = None  # text to show for a path instead of the file's

    def url(self, code: str, name: str = "") -> str:
        return rule_url(code, self.docs_url, name)
