"""vaultkit: index an Obsidian-style Markdown vault and ask it questions.

The pipeline, one module per step: :mod:`~vaultkit.files` (scan and read) ->
:mod:`~vaultkit.parse` (one note, pure) -> :mod:`~vaultkit.resolve` (Obsidian's link resolution)
-> :mod:`~vaultkit.store` (one consistent state on disk) -> :mod:`~vaultkit.graph` (NetworkX)
-> :class:`~vaultkit.vault.Vault` (the public API the CLI and other tools use).

Names are imported lazily so that ``import vaultkit`` stays cheap for command-line use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "parse_note": "vaultkit.parse",
    "read_text": "vaultkit.files",
    "scan_vault": "vaultkit.files",
    "LinkResolver": "vaultkit.resolve",
    "Vault": "vaultkit.vault",
    "Topic": "vaultkit.topics",
    "TopicMap": "vaultkit.maps",
    "Note": "vaultkit.model",
    "Link": "vaultkit.model",
    "ExternalLink": "vaultkit.model",
    "Heading": "vaultkit.model",
    "Block": "vaultkit.model",
    "Task": "vaultkit.model",
    "TagOccurrence": "vaultkit.model",
    "FileError": "vaultkit.model",
    "IndexReport": "vaultkit.model",
    "NoteRef": "vaultkit.model",
    "Problem": "vaultkit.model",
    "Backlink": "vaultkit.model",
    "OutLink": "vaultkit.model",
    "UnresolvedLink": "vaultkit.model",
    "LinkProblem": "vaultkit.model",
    "Mention": "vaultkit.model",
    "Related": "vaultkit.model",
    "TagCount": "vaultkit.model",
    "VaultkitError": "vaultkit.errors",
    "UnreadableFileError": "vaultkit.errors",
    "NoteNotFoundError": "vaultkit.errors",
    "VaultNotFoundError": "vaultkit.errors",
    "QueryError": "vaultkit.errors",
}

__all__ = [
    "Backlink",
    "Block",
    "ExternalLink",
    "FileError",
    "Heading",
    "IndexReport",
    "Link",
    "LinkProblem",
    "LinkResolver",
    "Mention",
    "Note",
    "NoteNotFoundError",
    "NoteRef",
    "OutLink",
    "Problem",
    "QueryError",
    "Related",
    "TagCount",
    "TagOccurrence",
    "Task",
    "Topic",
    "TopicMap",
    "UnreadableFileError",
    "UnresolvedLink",
    "Vault",
    "VaultNotFoundError",
    "VaultkitError",
    "__version__",
    "parse_note",
    "read_text",
    "scan_vault",
]

if TYPE_CHECKING:
    from .errors import NoteNotFoundError, QueryError, UnreadableFileError, VaultkitError, VaultNotFoundError
    from .files import read_text, scan_vault
    from .maps import TopicMap
    from .model import (
        Backlink,
        Block,
        ExternalLink,
        FileError,
        Heading,
        IndexReport,
        Link,
        LinkProblem,
        Mention,
        Note,
        NoteRef,
        OutLink,
        Problem,
        Related,
        TagCount,
        TagOccurrence,
        Task,
        UnresolvedLink,
    )
    from .parse import parse_note
    from .resolve import LinkResolver
    from .topics import Topic
    from .vault import Vault


def __getattr__(name: str) -> Any:
    """Import public names on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vaultkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
