"""Keeping the index current while files change (``vaultkit watch``), with watchfiles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .files import nfc

if TYPE_CHECKING:
    from .model import IndexReport
    from .vault import Vault


def _in_vault(vault: Vault, path: str) -> str | None:
    try:
        rel = os.path.relpath(path, vault.root)
    except ValueError:
        return None
    if rel.startswith(".."):
        return None
    rel = nfc(rel.replace(os.sep, "/"))
    if any(part.startswith(".") for part in rel.split("/")):
        return None  # .obsidian/, .trash/, .git/ and other hidden files are never indexed
    return rel


def watch(vault: Vault, *, stop_event: object | None = None, debounce_ms: int = 300) -> Iterator[IndexReport]:
    """Yield one :class:`~vaultkit.model.IndexReport` per batch of file changes in the vault.

    The index folder is never watched (it may live inside the vault by the user's choice).
    ``stop_event`` (a ``threading.Event``) ends the loop; so does Ctrl-C.
    """
    from watchfiles import watch as watch_changes

    index_dir = str(vault.index_dir)
    for changes in watch_changes(vault.root, stop_event=stop_event, debounce=debounce_ms):  # type: ignore[arg-type]
        paths = sorted(
            {
                rel
                for _, path in changes
                if not os.path.abspath(path).startswith(index_dir) and (rel := _in_vault(vault, path)) is not None
            }
        )
        if paths:
            yield vault.update_files(paths)
