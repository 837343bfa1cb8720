"""Read one file and index it: every failure becomes a ``Problem`` on its facts
(LAM001 for the file's fault, LAM000 for lambdalint's), never an exception."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

from lambdalint.project.discover import SourceFile
from lambdalint.project.sourcefile import Unreadable, read_source

if TYPE_CHECKING:
    from lambdalint.index.facts import ModuleFacts


def index_file(source: SourceFile, verbose: bool = False, contents: Optional[Mapping[str, bytes]] = None) -> ModuleFacts:
    """Read and index one file; every failure becomes a ``Problem`` on the facts."""
    data = read_file(source, contents)
    if not isinstance(data, bytes):  # facts saying why it cannot be read
        return data
    return index_bytes(data, source, verbose)


def read_file(source: SourceFile, contents: Optional[Mapping[str, bytes]]) -> Any:
    """The file's bytes, or facts carrying the reason it cannot be read."""
    from lambdalint.index.facts import ModuleFacts, Problem

    if contents is not None and source.path in contents:
        return contents[source.path]
    try:
        if source.unreadable:
            raise Unreadable(source.unreadable)
        return read_source(source.path)  # never blocks on a pipe nor reads a device or a huge file
    except Unreadable as exc:
        return ModuleFacts(source.path, source.module, source.is_package, problem=Problem("LAM001", str(exc)))


def index_bytes(data: bytes, source: SourceFile, verbose: bool = False) -> ModuleFacts:
    from lambdalint.index.facts import ModuleFacts, Problem

    try:
        from lambdalint.index import index_source

        return index_source(data, source.path, source.runtime_name, source.is_package)
    except RecursionError:
        from lambdalint.index.guard import too_deep_hint

        return ModuleFacts(source.path, source.module, source.is_package,
                           problem=Problem("LAM001", "code nested too deeply to analyse" + too_deep_hint()))
    except Exception as exc:  # a bug in lambdalint: report it against the file and go on
        import traceback

        detail = traceback.format_exc() if verbose else f"{type(exc).__name__}: {exc}"
        return ModuleFacts(source.path, source.module, source.is_package,
                           problem=Problem("LAM000", f"internal error while indexing (please report): {detail}"))
