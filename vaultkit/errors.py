"""Errors vaultkit raises on purpose. Each carries a message written for the user, in plain words."""

from __future__ import annotations


class VaultkitError(Exception):
    """Base class of every error vaultkit raises deliberately; the CLI prints its message, no traceback."""


class UnreadableFileError(VaultkitError):
    """A file could not be read as text (binary, undecodable, permission denied, vanished)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class VaultNotFoundError(VaultkitError):
    """The vault folder does not exist or is not a folder."""


class NoteNotFoundError(VaultkitError):
    """A note reference matched no note, or more than one (``candidates`` lists them)."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class QueryError(VaultkitError):
    """A search query could not be understood; the message says what is wrong."""


class IndexLockedError(VaultkitError):
    """Another process holds the index lock for longer than the timeout."""
