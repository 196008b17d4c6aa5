"""The Whoosh full-text index in the vault's index folder, kept in step with the store.

Documents are built from stored :class:`~vaultkit.model.Note` records (never from Markdown). The
schema and the analyzer are versioned in ``search-version.json``; a different version, a missing or
unreadable index, or an index whose generation is not the one the store recorded (a crash between
the two commits) is rebuilt from the store, with no note parsed again.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import Note
from . import ANALYZER_VERSION, KOREAN_AVAILABLE

if TYPE_CHECKING:
    from whoosh.fields import Schema

    from .postings import FastFields

# Whoosh (and the analysis module, which needs it) is imported only where the index is really
# opened or written: a refresh that finds nothing changed, and every command that does not search,
# never pay for the import.

SCHEMA_VERSION = 6
"""Bump when fields change; an index of another version is rebuilt."""

INDEX_NAME = "notes"

_TOC_NAME = re.compile(rf"_{INDEX_NAME}_(\d+)\.toc")
"""Whoosh's table-of-contents file of one generation."""

MAX_INDEXED_CHARS = 2_000_000
"""Text of a note beyond this many characters is not searchable (a 50 MB log would cost minutes)."""

# Plain terms look where Obsidian's search (over the raw file) would find them: also in property
# values and in link targets hidden behind display text ([[target|shown]]).
DEFAULT_FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 4.0),
    ("aliases", 3.0),
    ("filename", 2.0),
    ("headings", 1.5),
    ("content", 1.0),
    ("properties", 0.3),
    ("targets", 0.15),
)
"""Fields a plain search term looks in, with their boosts (BM25F)."""


def make_schema() -> Schema:
    """The Whoosh schema: one document per note."""
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

    from .analysis import korean_analyzer, vault_analyzer

    text = vault_analyzer()
    fields: dict[str, Any] = {
        "path": ID(stored=True, unique=True),
        "pathtext": TEXT(analyzer=text, phrase=True),
        "filename": TEXT(analyzer=text, phrase=True, field_boost=2.0),
        "title": TEXT(analyzer=text, phrase=True, field_boost=4.0, stored=True),
        "aliases": TEXT(analyzer=text, phrase=True, field_boost=3.0),
        "tags": KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=2.0),
        "headings": TEXT(analyzer=text, phrase=True, field_boost=1.5),
        "content": TEXT(analyzer=text, phrase=True),
        "props": KEYWORD(lowercase=True, commas=True),
        "properties": TEXT(analyzer=text, phrase=True),
        "targets": TEXT(analyzer=text, phrase=True),
        "has": KEYWORD(commas=True),
        # stored only: read back to sort hits by date (its terms and column were never used)
        "mtime": STORED(),
    }
    korean = korean_analyzer()
    if korean is not None:
        fields["lemmas"] = TEXT(analyzer=korean, phrase=False)
    return Schema(**fields)


def _version() -> dict[str, Any]:
    return {"schema": SCHEMA_VERSION, "analyzer": ANALYZER_VERSION, "korean": KOREAN_AVAILABLE}


def tag_terms(tags: Iterable[str]) -> list[str]:
    """Each tag and each of its parents, lowercased: ``a/b/c`` gives ``a``, ``a/b``, ``a/b/c``."""
    out: dict[str, None] = {}
    for tag in tags:
        parts = tag.lower().split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if prefix:
                out[prefix] = None
    return list(out)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _tokens(text: str) -> list[str]:
    from .analysis import tokens

    return tokens(text)


def prop_terms(frontmatter: dict[str, Any]) -> list[str]:
    """Property terms: ``key`` (exists), ``key=value`` (whole value), ``key~token`` (a word of it), ``key=null``."""
    out: dict[str, None] = {}
    for key, value in frontmatter.items():
        name = key.lower().replace(",", " ").strip()
        if not name:
            continue
        out[name] = None
        items = value if isinstance(value, list) else [value]
        if value is None:
            out[name + "=null"] = None
        for item in items:
            if item is None or isinstance(item, dict | list):
                continue
            scalar = _scalar(item).lower().replace(",", " ").strip()
            out[f"{name}={scalar}"] = None
            for token in _tokens(_scalar(item)):
                out[f"{name}~{token}"] = None
    return list(out)


def _property_values(value: Any) -> Iterator[str]:
    """Every scalar value in the frontmatter, as text (plain search terms look there too, as in Obsidian)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _property_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _property_values(item)
    elif value is not None:
        yield _scalar(value)


def note_document(note: Note, mtime_ns: int) -> dict[str, Any]:
    """The Whoosh document of a note."""
    name = note.path.rsplit("/", 1)[-1]
    has = []
    if note.tasks:
        has.append("tasks")
    if any(not t.done for t in note.tasks):
        has.append("tasks-todo")
    if any(t.done for t in note.tasks):
        has.append("tasks-done")
    if note.links:
        has.append("links")
    if note.tags:
        has.append("tags")
    doc: dict[str, Any] = {
        "path": note.path,
        "pathtext": note.path,
        "filename": name,
        "title": note.title,
        "aliases": "\n".join(note.aliases),
        "tags": ",".join(tag_terms(note.tags)),
        "headings": "\n".join(h.text for h in note.headings),
        "content": note.text[:MAX_INDEXED_CHARS],
        "props": ",".join(prop_terms(note.frontmatter)),
        "properties": "\n".join(_property_values(note.frontmatter)),
        "targets": "\n".join(link.target for link in note.links if link.display != link.target),
        "has": ",".join(has),
        "mtime": mtime_ns,
    }
    if KOREAN_AVAILABLE:
        doc["lemmas"] = note.title + "\n" + note.text
    return doc


@functools.cache
def _schema_and_fast_fields() -> tuple[Schema, FastFields]:
    from .postings import fast_fields

    schema = make_schema()
    return schema, fast_fields(schema)


def prepared_document(note: Note, mtime_ns: int = 0) -> dict[str, Any]:
    """:func:`note_document` with its postings worked out (``_postings``), ready for the index writer.

    The parse workers call this so that the process writing the index only files postings away.
    """
    from .postings import document_postings

    schema, fast = _schema_and_fast_fields()
    document = note_document(note, mtime_ns)
    document["_postings"] = document_postings(schema, {k: v for k, v in document.items() if k != "mtime"}, fast)
    return document


class SearchIndex:
    """The Whoosh index folder ``<index_dir>/search``.

    A full build goes into ``search.new`` and replaces ``search`` only when it is complete, so
    readers keep answering from the old index meanwhile. :meth:`state` (``"<build id>:<generation>"``)
    is what the store records; a different value means the two disagree and the index is rebuilt.
    """

    def __init__(self, index_dir: str | Path) -> None:
        """Point at the search index inside ``index_dir`` (nothing is opened yet)."""
        self.dir = Path(index_dir) / "search"
        self._new = Path(index_dir) / "search.new"
        self._ix: Any = None
        self._searcher: Any = None
        self._build = ""
        self.problem: str | None = None
        """Why an existing index could not be used (damaged files), for the caller to report."""
        self.rebuilt_because: str | None = None
        """The :attr:`problem` the last full build replaced the index for (None: none); the caller reports it."""

    @staticmethod
    def _version_file(folder: Path) -> Path:
        return folder / "search-version.json"

    def open(self) -> Any:
        """The Whoosh index, or None when it is missing, damaged, foreign or of another version."""
        if self._ix is not None:
            return self._ix
        try:
            stored = json.loads(self._version_file(self.dir).read_text("utf-8"))
        except (OSError, ValueError):
            if self.dir.exists():
                self.problem = "its version file is missing or unreadable"
            return None
        if not isinstance(stored, dict) or {k: stored.get(k) for k in _version()} != _version():
            return None  # another version: rebuilt without fuss
        try:
            from whoosh import index as whoosh_index

            ix = whoosh_index.open_dir(str(self.dir), indexname=INDEX_NAME)
            ix.reader().close()  # reads every segment's files: a torn index fails here, not in a query
        except Exception as exc:  # any damage: the caller rebuilds from the store
            self.problem = f"{type(exc).__name__}: {exc}"[:200]
            return None
        self._ix, self._build = ix, str(stored.get("build", ""))
        return ix

    def state(self) -> str:
        """``"<build id>:<generation>"`` of the committed index ("" when there is none)."""
        ix = self.open()
        return f"{self._build}:{ix.latest_generation()}" if ix is not None else ""

    def committed_state(self) -> str:
        """:meth:`state` read from the folder alone (version file and newest Whoosh TOC), without opening Whoosh.

        Cheap enough for every refresh. It cannot see damage inside the segment files: a query that
        finds some marks the index (:attr:`problem`) and this returns "" until it is rebuilt.
        """
        if self.problem is not None:
            return ""
        try:
            stored = json.loads(self._version_file(self.dir).read_text("utf-8"))
            names = os.listdir(self.dir)
        except (OSError, ValueError):
            return ""
        if not isinstance(stored, dict) or {k: stored.get(k) for k in _version()} != _version():
            return ""
        generations = [int(m.group(1)) for m in map(_TOC_NAME.fullmatch, names) if m]
        return f"{stored.get('build', '')}:{max(generations)}" if generations else ""

    def searcher_state(self) -> str:
        """:meth:`state` of the generation the cached searcher reads ("" without one)."""
        if self._searcher is None:
            return ""
        return f"{self._build}:{self._searcher.ixreader.generation()}"

    def generation(self) -> int:
        """The committed generation of the Whoosh index (-1 when there is none)."""
        ix = self.open()
        return int(ix.latest_generation()) if ix is not None else -1

    def kept_searcher(self) -> Any:
        """The searcher kept open by :meth:`searcher`, as it is (None: none); see :meth:`searcher_state`."""
        return self._searcher

    def searcher(self) -> Any:
        """A Whoosh searcher on the latest committed index, kept open across queries (None: no index)."""
        ix = self.open()
        if ix is None:
            return None
        if self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = ix.searcher()
        return self._searcher

    def close(self) -> None:
        """Forget the open index handle (and the cached searcher)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def refresh_handle(self) -> None:
        """Read the newest commit on next use (after a writer committed): drops the cached searcher.

        The index handle stays open: it reads the current table of contents each time, and was
        checked when it was opened.
        """
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def writer(self) -> Any:
        """A writer on the current index (which must exist: see :meth:`begin_fresh`)."""
        ix = self.open()
        if ix is None:
            raise RuntimeError("no search index to write to")
        from .writer import VaultSegmentWriter

        return VaultSegmentWriter(ix)

    def begin_fresh(self) -> Any:
        """A writer on a new, empty index built beside the current one (see :meth:`finish_fresh`)."""
        _remove(self._new)
        self._new.mkdir(parents=True)
        from whoosh import index as whoosh_index

        ix = whoosh_index.create_in(str(self._new), make_schema(), indexname=INDEX_NAME)
        version = {**_version(), "build": uuid.uuid4().hex[:12]}
        self._version_file(self._new).write_text(json.dumps(version), "utf-8")
        from .writer import VaultSegmentWriter

        return VaultSegmentWriter(ix)

    def fresh_part_writer(self) -> Any:
        """A writer for part of the index being built by :meth:`begin_fresh`, for a worker process.

        It takes no lock (the writer of :meth:`begin_fresh` holds it) and commits nothing: its
        :meth:`~vaultkit.search.writer.VaultSegmentWriter.finish_segments` go to that writer.
        """
        from whoosh import index as whoosh_index

        from .writer import VaultSegmentWriter

        ix = whoosh_index.open_dir(str(self._new), indexname=INDEX_NAME)
        return VaultSegmentWriter(ix, _lk=False)

    def finish_fresh(self) -> None:
        """Put the committed new index in place of the old one."""
        self.close()
        old = self.dir.with_name("search.old")
        _remove(old)
        if self.dir.exists() or self.dir.is_symlink():
            os.replace(self.dir, old)
        os.replace(self._new, self.dir)
        _remove(old)
        if self.problem is not None:
            self.rebuilt_because, self.problem = self.problem, None

    def rebuild(self, notes: Iterator[tuple[Note, int]]) -> str:
        """Recreate the index from stored notes ``(note, mtime_ns)``; returns the new :meth:`state`."""
        writer = self.begin_fresh()
        try:
            for note, mtime in notes:
                writer.add_document(**note_document(note, mtime))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self.finish_fresh()
        return self.state()


def _remove(path: Path) -> None:
    """Delete a file or folder tree if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
