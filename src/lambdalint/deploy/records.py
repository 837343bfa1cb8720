"""Deployment descriptions: which handler strings a project declares, and where its code lives.

Each descriptor kind has its own reader module (``sam``, ``serverless``,
``terraform``, ``zappa``; CDK apps are Python, read by ``lambdalint.deploy.cdk``).
A reader turns one file into ``Declared`` entries (a handler string, resolved
later by ``lambdalint.graph.declared`` exactly as the Lambda runtime would, relative
to its code root) and ``Notice``\\ s (a malformed file, a value it cannot read).
Readers never raise on bad input and never run the user's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

# What a handler string names: a function called with (event, context), or a
# WSGI/ASGI application object whose routes run per invocation (Zappa's app_function).
FUNCTION = "function"
APP = "app"


@dataclass(frozen=True)
class Declared:
    """One handler a deployment file declares.

    ``handler`` is the string the runtime reads (``orders.process_order``,
    ``functions/thumbs.make``); ``code_root`` the absolute folder it is imported
    from (``None`` when the code does not live in the repository, e.g. in S3);
    ``python`` is True for a Python runtime, None when the file does not say.
    ``origin`` says where it came from, for people: ``template.yaml: OrdersFunction``.
    """

    handler: str
    code_root: Optional[str]
    descriptor: str  # the file, as shown to the user
    line: int  # of the handler value in the file (0 when unknown)
    origin: str
    python: Optional[bool] = True
    kind: str = FUNCTION


@dataclass(frozen=True)
class Notice:
    """A problem with a deployment file, or a value lambdalint cannot follow.

    ``level`` is ``warning`` for what is likely a deployment bug or a broken file,
    ``note`` for what lambdalint cannot read (a handler built at deploy time)."""

    level: str
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


WARNING = "warning"
NOTE = "note"


@dataclass
class Deployment:
    """Everything read from a run's deployment files."""

    declared: List[Declared] = field(default_factory=list)
    notices: List[Notice] = field(default_factory=list)
    files: List[str] = field(default_factory=list)

    def extend(self, other: "Deployment") -> None:
        self.declared.extend(other.declared)
        self.notices.extend(other.notices)
        self.files.extend(other.files)

    @property
    def code_roots(self) -> List[str]:
        return sorted({d.code_root for d in self.declared if d.code_root is not None})


def is_python_runtime(runtime: object) -> Optional[bool]:
    """True for ``python3.12``, False for another runtime, None when unknown (absent or an expression)."""
    if not isinstance(runtime, str) or not runtime.strip():
        return None
    return runtime.strip().lower().startswith("python")
