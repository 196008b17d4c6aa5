"""The Whoosh full-text index in the vault's index folder, kept in step with the store.

Documents are built from stored :class:`~vaultkit.model.Note` records (never from Markdown). The
schema and the analyzer are versioned in ``search-version.json``; a different version, a missing or
unreadable index, or an index whose generation is not the one the store recorded (a crash between
the two commits) is rebuilt from the store, with no note parsed again.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from ..model import Note
from .analysis import ANALYZER_VERSION, KOREAN_AVAILABLE, korean_analyzer, tokens, vault_analyzer

SCHEMA_VERSION = 5
"""Bump when fields change; an index of another version is rebuilt."""

INDEX_NAME = "notes"

# Plain terms look where Obsidian's search (over the raw file) would find them: also in property
# values and in link targets hidden behind display text ([[target|shown]]).
DEFAULT_FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 4.0),
    ("aliases", 3.0),
    ("filename", 2.0),
    ("headings", 1.5),
    ("content", 1.0),
    ("properties", 0.5),
    ("targets", 0.5),
)
"""Fields a plain search term looks in, with their boosts (BM25F)."""


def make_schema() -> Schema:
    """The Whoosh schema: one document per note."""
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
        "mtime": NUMERIC(stored=True, sortable=True, bits=64),
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
            for token in tokens(_scalar(item)):
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
        "content": note.text,
        "props": ",".join(prop_terms(note.frontmatter)),
        "properties": "\n".join(_property_values(note.frontmatter)),
        "targets": "\n".join(link.target for link in note.links if link.display != link.target),
        "has": ",".join(has),
        "mtime": mtime_ns,
    }
    if KOREAN_AVAILABLE:
        doc["lemmas"] = note.title + "\n" + note.text
    return doc


class _LengthCache:
    """Memoises a per-document reader's field lengths while a segment's postings are written.

    Whoosh asks for the length of (document, field) once per posting, and each answer is a
    column-file read; a segment of 1,000 notes has ~450,000 postings but only ~15,000 distinct
    (document, field) pairs. Profiling showed this lookup as a third of the commit.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._cache: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        key = (docnum, fieldname)
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = self._reader.doc_field_length(docnum, fieldname, default)
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _writer_class() -> Any:
    from whoosh.writing import SegmentWriter

    class FastSegmentWriter(SegmentWriter):  # type: ignore[misc]
        """Whoosh's segment writer with field lengths memoised while postings are flushed."""

        def per_document_reader(self) -> Any:
            return _LengthCache(super().per_document_reader())

    return FastSegmentWriter


class SearchIndex:
    """The Whoosh index folder ``<index_dir>/search``."""

    def __init__(self, index_dir: str | Path) -> None:
        """Point at the search index inside ``index_dir`` (nothing is opened yet)."""
        self.dir = Path(index_dir) / "search"
        self._ix: Any = None
        self._searcher: Any = None

    def _version_file(self) -> Path:
        return self.dir / "search-version.json"

    def _usable(self) -> bool:
        try:
            stored = json.loads(self._version_file().read_text("utf-8"))
        except (OSError, ValueError):
            return False
        return bool(stored == _version() and whoosh_index.exists_in(str(self.dir), INDEX_NAME))

    def open(self) -> Any:
        """The Whoosh index, or None when it is missing, foreign or of another version."""
        if self._ix is not None:
            return self._ix
        if not self._usable():
            return None
        try:
            self._ix = whoosh_index.open_dir(str(self.dir), indexname=INDEX_NAME)
        except Exception:  # torn or foreign files: the caller rebuilds
            return None
        return self._ix

    def create(self) -> Any:
        """Wipe and create an empty index of the current version."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self._ix = whoosh_index.create_in(str(self.dir), make_schema(), indexname=INDEX_NAME)
        self._version_file().write_text(json.dumps(_version()), "utf-8")
        return self._ix

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

    def generation(self) -> int:
        """The committed generation of the Whoosh index (-1 when there is none)."""
        ix = self.open()
        return int(ix.latest_generation()) if ix is not None else -1

    def close(self) -> None:
        """Forget the open index handle (and the cached searcher)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def refresh_handle(self) -> None:
        """Reopen on next use (after another writer committed)."""
        self.close()

    def writer(self, *, bulk: bool = False) -> Any:
        """A Whoosh writer; ``bulk`` allows more memory for a first build."""
        ix = self.open() or self.create()
        return _writer_class()(ix, limitmb=192 if bulk else 96)

    def rebuild(self, notes: Iterator[tuple[Note, int]]) -> int:
        """Recreate the index from stored notes ``(note, mtime_ns)``; returns the new generation."""
        self.create()
        writer = self.writer()
        for note, mtime in notes:
            writer.add_document(**note_document(note, mtime))
        writer.commit()
        self.refresh_handle()
        return self.generation()
