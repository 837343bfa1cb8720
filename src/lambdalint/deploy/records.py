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
from typing import Any, List, Mapping, Optional

# What a handler string names: a function called with (event, context), or a
# WSGI/ASGI application object whose routes run per invocation (Zappa's app_function).
FUNCTION = "function"
APP = "app"


@dataclass(frozen=True)
class DeployFacts:
    """How a deployment runs one function, and where each fact was read.

    ``snapstart``: True when SnapStart is on (``ApplyOn: PublishedVersions``),
    False when the deployment turns it off explicitly, None when it does not say
    (or says it with an expression lambdalint cannot evaluate); ``snapstart_at``
    where that was read, for people: ``template.yaml:12``,
    ``template.yaml:4 (Globals)``, ``pyproject.toml (snapstart = true)``.

    ``capacity_provider``: the Lambda Managed Instances capacity provider the
    function runs on, as the deployment names it (an ARN, the logical id of an
    ``AWS::Serverless::CapacityProvider``, a Terraform reference), "" when it
    runs on ordinary Lambda; ``max_concurrency`` its
    ``PerExecutionEnvironmentMaxConcurrency`` when given; ``managed_at`` where.
    """

    snapstart: Optional[bool] = None
    snapstart_at: str = ""
    capacity_provider: str = ""
    max_concurrency: Optional[int] = None
    managed_at: str = ""

    @property
    def managed(self) -> bool:
        """Whether the function runs on Lambda Managed Instances."""
        return bool(self.capacity_provider)

    def combine(self, other: "DeployFacts") -> "DeployFacts":
        """The facts of one function declared (or configured) twice: SnapStart is
        on when either says so (the code runs in that deployment too), off when
        either turns it off and none turns it on; the first capacity provider wins."""
        snap, snap_at = self.snapstart, self.snapstart_at
        if other.snapstart is True and snap is not True or other.snapstart is False and snap is None:
            snap, snap_at = other.snapstart, other.snapstart_at
        if self.managed or not other.managed:
            managed = (self.capacity_provider, self.max_concurrency, self.managed_at)
        else:
            managed = (other.capacity_provider, other.max_concurrency, other.managed_at)
        return DeployFacts(snap, snap_at, *managed)

    def describe(self) -> List[str]:
        """One line per fact known, for ``lambdalint handlers``."""
        lines = []
        if self.snapstart is not None:
            lines.append(f"SnapStart: {'on' if self.snapstart else 'off'}" + (f" ({self.snapstart_at})" if self.snapstart_at else ""))
        if self.managed:
            text = f"Managed Instances: capacity provider {self.capacity_provider}"
            if self.max_concurrency is not None:
                text += f", max concurrency {self.max_concurrency}"
            lines.append(text + (f" ({self.managed_at})" if self.managed_at else ""))
        return lines


NO_FACTS = DeployFacts()

# ``SnapStart.ApplyOn`` (CloudFormation, SAM) / ``snap_start.apply_on`` (Terraform)
SNAPSTART_ON = "PublishedVersions"
SNAPSTART_OFF = "None"


def snapstart_value(apply_on: Any) -> Optional[bool]:
    """True for ``PublishedVersions``, False for ``None``, None for anything else (an expression)."""
    if isinstance(apply_on, str):
        if apply_on.strip() == SNAPSTART_ON:
            return True
        if apply_on.strip() == SNAPSTART_OFF:
            return False
    return None


def reference_text(value: Any) -> str:
    """A capacity provider as a deployment names it, short: an ARN as written,
    ``!Ref P`` / ``!GetAtt P.Arn`` as ``P``; another expression as ``(an expression)``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, Mapping) and len(value) == 1:
        (key, inner), = value.items()
        if key == "Ref" and isinstance(inner, str):
            return inner
        if key == "Fn::GetAtt":
            if isinstance(inner, list) and inner and isinstance(inner[0], str):
                return inner[0]
            if isinstance(inner, str):
                return inner.split(".", 1)[0]
    return "(an expression)"


def concurrency_value(value: Any) -> Optional[int]:
    """``PerExecutionEnvironmentMaxConcurrency`` when it is a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass(frozen=True)
class Declared:
    """One handler a deployment file declares.

    ``handler`` is the string the runtime reads (``orders.process_order``,
    ``functions/thumbs.make``); ``code_root`` the absolute folder it is imported
    from (``None`` when the code does not live in the repository, e.g. in S3);
    ``python`` is True for a Python runtime, None when the file does not say.
    ``origin`` says where it came from, for people: ``template.yaml: OrdersFunction``;
    ``facts`` how the deployment runs it (SnapStart, Managed Instances).
    """

    handler: str
    code_root: Optional[str]
    descriptor: str  # the file, as shown to the user
    line: int  # of the handler value in the file (0 when unknown)
    origin: str
    python: Optional[bool] = True
    kind: str = FUNCTION
    facts: DeployFacts = NO_FACTS  # SnapStart, Managed Instances: how it runs


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
    # the Python files read as CDK apps (their text names every CDK marker), absolute:
    # a run after an edit need not read again the others that did not change
    cdk_apps: List[str] = field(default_factory=list)

    def extend(self, other: "Deployment") -> None:
        self.declared.extend(other.declared)
        self.notices.extend(other.notices)
        self.files.extend(other.files)
        self.cdk_apps.extend(other.cdk_apps)

    @property
    def code_roots(self) -> List[str]:
        return sorted({d.code_root for d in self.declared if d.code_root is not None})


def is_python_runtime(runtime: object) -> Optional[bool]:
    """True for ``python3.12``, False for another runtime, None when unknown (absent or an expression)."""
    if not isinstance(runtime, str) or not runtime.strip():
        return None
    return runtime.strip().lower().startswith("python")
