"""The Python files a run reads, and when it reads them: an edit's run
(``lambdalint.records.Prior``) knows the unchanged ones by their memo entry,
and reads them only if they must be scanned or indexed after all."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Union

from lambdalint.cache.store import content_hash, entry_key
from lambdalint.index import files as indexing
from lambdalint.project.discover import SourceFile
from lambdalint.records import Contents

if TYPE_CHECKING:
    from lambdalint.index.facts import ModuleFacts


@dataclass
class File:
    """A Python file to check, as this run keys it (its cache entry)."""

    source: SourceFile
    data: Optional[bytes]  # None: not read yet (unchanged since the run memo's run: ``Prior``)
    key: str
    digest: str  # content_hash(data)


def read_deferred(files: List[File], failed: Dict[str, ModuleFacts], contents: Optional[Contents]) -> List[File]:
    """``files`` with the ones not read (``Prior``) read now, in order; a file
    that cannot be read any more goes to ``failed`` as the first reading would have put it."""
    out: List[File] = []
    for f in files:
        if f.data is not None:
            out.append(f)
            continue
        data = file_data(f, contents)
        if not isinstance(data, bytes):
            failed[f.source.module] = data
            continue
        out.append(f)
    return out


def file_data(f: File, contents: Optional[Contents]) -> Union[bytes, ModuleFacts]:
    """The bytes of ``f``, read now when they were not (``Prior``; a file
    changed since the run began is keyed by what is read, as a first reading
    would have keyed it); the facts saying why when it cannot be read."""
    if f.data is None:
        data = indexing.read_file(f.source, contents)
        if not isinstance(data, bytes):
            return data
        digest = content_hash(data)
        if digest != f.digest:
            f.key = entry_key(digest, os.path.abspath(f.source.path), f.source.runtime_name, f.source.is_package)
            f.digest = digest
        f.data = data
    return f.data

