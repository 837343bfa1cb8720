"""Reading and forging cache entries in tests: an entry is a signature line
(an HMAC under this machine's key, ``LAMBDALINT_KEY_DIR``), then its bytes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional



def payload(path: Path) -> bytes:
    """An entry's bytes, after its signature line (unchecked)."""
    return path.read_bytes().split(b"\n", 1)[1]


def parse(path: Path) -> object:
    """An entry's value, read whole (``ValueError`` when it is cut short): a facts
    entry is their stored form (``module_from_payload``), any other JSON."""
    import json

    data = payload(path)
    if path.parent.parent.name == "facts":
        from lambdalint.index.facts import module_from_payload

        facts = module_from_payload(data)
        for fn in facts.functions.values():
            fn.body  # noqa: B018 - the bodies are decoded when read: read them all
        return facts
    return json.loads(data)


def label(path: Path) -> str:
    """The place in the cache an entry's MAC covers, from where it is."""
    if path.parent.name == "runs":
        return f"runs/{path.stem}"
    if path.name in ("scans.json", "edges.json"):
        return f"{path.parent.name}/{path.stem}/"
    if path.name == "pack.json" and path.parent.name == "findings":
        return f"{path.parent.parent.name}/findings/pack"
    kind_dir = path.parent.parent
    name = path.name[:-5] if kind_dir.name in ("facts", "findings") else path.name
    return f"{kind_dir.parent.name}/{kind_dir.name}/{name}"


def sign(path: Path, data: bytes, key: Optional[bytes] = None) -> None:
    """Store ``data`` at ``path`` signed with ``key`` (default: this machine's), as lambdalint does."""
    from lambdalint.cache.store import key_folder, machine_key, seal

    key = machine_key(key_folder()) if key is None else key
    path.write_bytes(seal(key, label(path), data))


def other_key() -> bytes:
    return os.urandom(32)
