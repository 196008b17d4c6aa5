"""The on-disk state of one vault: a SQLite database in the index folder (never in the vault).

One store of truth: files seen (with size, mtime and content hash), parsed notes, links with their
resolution, aliases and tags. Every refresh is one SQLite transaction, so a crash leaves either the
previous state or the new one; ``generation`` counts committed refreshes and keys derived caches
(the graph pickle). A schema version mismatch means the caller must rebuild.

Nothing here parses Markdown: notes arrive as :class:`~vaultkit.model.Note` records.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .model import Link, Note, TagOccurrence

SCHEMA_VERSION = 3
"""Bump when the tables or the meaning of stored values change: older stores are rebuilt."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, is_note INTEGER NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT, encoding TEXT, error TEXT
);
CREATE TABLE IF NOT EXISTS notes (
    path TEXT PRIMARY KEY, title TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, text TEXT NOT NULL,
    title_key TEXT NOT NULL, name_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    source TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, subpath TEXT,
    display TEXT, line INTEGER NOT NULL, raw TEXT NOT NULL, key TEXT, context TEXT NOT NULL,
    lookup TEXT NOT NULL, resolved TEXT, problem TEXT, PRIMARY KEY (source, seq)
);
DROP INDEX IF EXISTS links_resolved;
CREATE INDEX IF NOT EXISTS links_resolved_source ON links (resolved, source);
CREATE INDEX IF NOT EXISTS links_lookup ON links (lookup);
CREATE TABLE IF NOT EXISTS aliases (alias TEXT NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases (alias);
CREATE INDEX IF NOT EXISTS aliases_path ON aliases (path);
CREATE TABLE IF NOT EXISTS tags (path TEXT NOT NULL, tag TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tags_path ON tags (path);
CREATE INDEX IF NOT EXISTS notes_name ON notes (name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS notes_title ON notes (title COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS notes_title_key ON notes (title_key);
CREATE INDEX IF NOT EXISTS notes_name_key ON notes (name_key);
CREATE TABLE IF NOT EXISTS orphans (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS unresolved_sources (path TEXT PRIMARY KEY) WITHOUT ROWID;
"""

_INDEXES = {
    name: statement for statement, name in re.findall(r"^(CREATE INDEX IF NOT EXISTS (\w+) ON [^;]+);$", _SCHEMA, re.M)
}
"""The secondary indexes of :data:`_SCHEMA`, statement by name (see :meth:`Store.drop_indexes`)."""


def caseless_key(text: str) -> str:
    """The form in which note names, titles and aliases are looked up: Unicode canonical caseless matching.

    ``NFC(casefold(NFD(text)))``: "Émile", "émile" and "émile" written as ``e`` + a combining accent
    (as macOS stores file names, and as text copied from one arrives) give one key, and so do
    "Straße" and "STRASSE". SQLite's ``NOCASE`` folds ASCII letters only.
    """
    if text.isascii():
        return text.casefold()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


class FileRow(NamedTuple):
    """What the store remembers of a file between runs (a named tuple: a refresh loads one per file)."""

    path: str
    is_note: bool
    size: int
    mtime_ns: int
    hash: str | None
    encoding: str | None
    error: str | None


class FileStat(NamedTuple):
    """What a refresh compares with the disk to find changed files (the first columns of a file row)."""

    path: str
    is_note: bool
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A stored link occurrence with its resolution."""

    source: str
    seq: int
    link: Link
    context: str
    resolved: str | None
    problem: str | None


_SUBPATH_LINK = "subpath IS NOT NULL AND resolved IS NOT NULL"
"""The links whose heading or block subpath is checked against the note they reach."""

_LINK_COLUMNS = "source, seq, kind, target, subpath, display, line, raw, key, context, resolved, problem"


def _link_row(row: Sequence[Any]) -> LinkRow:
    source, seq, kind, target, subpath, display, line, raw, key, context, resolved, problem = row
    return LinkRow(source, seq, Link(kind, target, subpath, display, line, raw, key), context, resolved, problem)


_EXPECTED: dict[str, list[str]] = {}


def _expected_tables() -> dict[str, list[str]]:
    """Table name -> column names of the current schema (read from an in-memory copy)."""
    if not _EXPECTED:
        db = sqlite3.connect(":memory:")
        db.executescript(_SCHEMA)
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            _EXPECTED[name] = [c[1] for c in db.execute(f"PRAGMA table_info({name})")]
        db.close()
    return _EXPECTED


_ORPHAN = "NOT EXISTS (SELECT 1 FROM links AS l WHERE l.resolved = n.path AND l.source != n.path)"
"""SQL condition on a note row ``n``: no other note links to it (one index lookup per note)."""


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[tuple[list[str], str]]:
    """``values`` a ``size`` at a time, each with its ``?, ?, ...`` placeholders (SQLite caps parameters)."""
    for start in range(0, len(values), size):
        chunk = list(values[start : start + size])
        yield chunk, ", ".join("?" * len(chunk))


class Store:
    """The SQLite database of one vault's index folder."""

    FILENAME = "vaultkit.sqlite3"
    CHECKED_MARK = "vaultkit.sqlite3.checked"

    def __init__(self, index_dir: str | Path) -> None:
        """Open (creating if needed) the store in ``index_dir``."""
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.index_dir / self.FILENAME
        self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.problem = self._inspect()
        """Why this database cannot be used as it is (damaged, foreign, another version), or None."""
        if self.problem is None:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)

    def _inspect(self) -> str | None:
        """Check an existing database before touching it (raises sqlite3.DatabaseError on garbage)."""
        tables = {
            name: [c[1] for c in self.db.execute(f"PRAGMA table_info({name})")]
            for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        }
        if not tables:
            return None  # a new (or empty) file
        expected = _expected_tables()
        if set(tables) - set(expected):
            return "is not a vaultkit index (it holds other tables)"
        if any(tables.get(name) not in (None, columns) for name, columns in expected.items()):
            return "is from another vaultkit version"
        if set(tables) != set(expected):
            return "is damaged (tables are missing)"
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None and self.db.execute("SELECT count(*) FROM files").fetchone()[0]:
            return "has no version mark"
        if row is not None and row[0] != str(SCHEMA_VERSION):
            return "is from another vaultkit version"
        if self._read_mark() == self._fingerprint():
            return None  # checked before, and untouched since (by us or anyone)
        check = self.db.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            return "is damaged (SQLite's integrity check failed)"
        self._write_mark()
        return None

    # SQLite's quick_check reads the whole database (0.1 s at 10,000 notes), too slow for every
    # query from a fresh process. A mark file remembers the database file's size and modification
    # time after a check passed or after our own commit; while they are unchanged the check is
    # skipped. Any other change to the file (damage, another program) moves them and re-checks.

    def _fingerprint(self) -> str:
        try:
            st = os.stat(self.path)
        except OSError:
            return ""
        try:
            wal = os.stat(f"{self.path}-wal").st_size
        except OSError:
            wal = 0
        return f"{SCHEMA_VERSION}:{st.st_size}:{st.st_mtime_ns}:{wal}"

    def _read_mark(self) -> str | None:
        try:
            return (self.index_dir / self.CHECKED_MARK).read_text("utf-8")
        except (OSError, ValueError):
            return None

    def _write_mark(self) -> None:
        fingerprint = self._fingerprint()
        if not fingerprint:
            return
        mark = self.index_dir / self.CHECKED_MARK
        temp = mark.with_name(f"{mark.name}.{os.getpid()}")
        with contextlib.suppress(OSError):  # a read-only index folder: the check simply runs again
            temp.write_text(fingerprint, "utf-8")
            os.replace(temp, mark)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # ------------------------------------------------------------ meta and transactions

    def meta(self, key: str, default: str | None = None) -> str | None:
        """A value from the meta table."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value (inside the current transaction, if any)."""
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        """How many refreshes have been committed; derived caches are keyed by it."""
        return int(self.meta("generation", "0") or 0)

    def schema_ok(self) -> bool:
        """True when the store was written by this schema version (or is empty)."""
        version = self.meta("schema")
        return version is None or version == str(SCHEMA_VERSION)

    def is_empty(self) -> bool:
        """True before the first committed refresh."""
        return self.meta("schema") is None

    def check(self) -> bool:
        """True when SQLite finds the database intact (a quick check, not a full scan)."""
        row = self.db.execute("PRAGMA quick_check").fetchone()
        return bool(row) and row[0] == "ok"

    def begin(self) -> None:
        """Start a write transaction (taking SQLite's write lock at once)."""
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self, bump: bool) -> None:
        """Commit the transaction, counting a new generation when anything changed."""
        self.set_meta("schema", str(SCHEMA_VERSION))
        if bump:
            self.set_meta("generation", str(self.generation + 1))
        self.db.execute("COMMIT")
        # fold the write-ahead log into the database now, so that readers closing later leave the
        # file as it is and the integrity mark stays valid (busy readers just make this a no-op)
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        self._write_mark()

    def rollback(self) -> None:
        """Abandon the current transaction."""
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def drop_indexes(self) -> None:
        """Drop the secondary indexes before loading an empty store (inside the transaction).

        SQLite then fills the tables without keeping nine indexes in order row by row, and
        :meth:`create_indexes` builds each in one sorted pass: a 10,000-note first index spent
        ~30% less on storing notes. A rollback brings them back with everything else.
        """
        for name in _INDEXES:
            self.db.execute(f"DROP INDEX IF EXISTS {name}")

    def create_indexes(self) -> None:
        """Build the secondary indexes again after :meth:`drop_indexes` (before anything queries them)."""
        for statement in _INDEXES.values():
            self.db.execute(statement)

    def clear(self) -> None:
        """Forget everything (inside the current transaction)."""
        for table in ("files", "notes", "links", "aliases", "tags", "orphans", "unresolved_sources"):
            self.db.execute(f"DELETE FROM {table}")

    # ------------------------------------------------------------ files

    def files(self) -> dict[str, FileRow]:
        """Every file the store knows, by path."""
        rows = self.db.execute("SELECT path, is_note != 0, size, mtime_ns, hash, encoding, error FROM files")
        make = FileRow._make
        return {r[0]: make(r) for r in rows}

    def file_stats(self) -> dict[str, FileStat]:
        """Every file the store knows, by path, with what a refresh compares (cheaper than :meth:`files`)."""
        rows = self.db.execute("SELECT path, is_note != 0, size, mtime_ns FROM files")
        make = FileStat._make
        return {r[0]: make(r) for r in rows}

    def file_hashes(self, paths: list[str]) -> dict[str, str | None]:
        """The stored content hash of each of ``paths`` that the store knows."""
        if len(paths) > 500:
            wanted = set(paths)
            rows = self.db.execute("SELECT path, hash FROM files")
            return {path: digest for path, digest in rows if path in wanted}
        out: dict[str, str | None] = {}
        for chunk, marks in _chunks(paths, 250):
            out.update(self.db.execute(f"SELECT path, hash FROM files WHERE path IN ({marks})", chunk))
        return out

    def put_file(self, row: FileRow) -> None:
        """Insert or replace a file row."""
        self.db.execute(
            "INSERT OR REPLACE INTO files (path, is_note, size, mtime_ns, hash, encoding, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.path, int(row.is_note), row.size, row.mtime_ns, row.hash, row.encoding, row.error),
        )

    def file_paths(self) -> list[str]:
        """Paths of every file, sorted."""
        return [r[0] for r in self.db.execute("SELECT path FROM files ORDER BY path")]

    def errors(self) -> list[tuple[str, str]]:
        """Files that could not be read, with the reason."""
        return list(self.db.execute("SELECT path, error FROM files WHERE error IS NOT NULL ORDER BY path"))

    # ------------------------------------------------------------ notes

    def put_note(self, note: Note, links: Iterable[tuple[Link, str, str, str | None]], *, replace: bool = True) -> None:
        """Store a parsed note and its links (``(link, context, lookup, resolved)``), replacing old ones.

        ``replace=False`` skips removing the old rows, for a note the store cannot hold yet.
        """
        if replace:
            self.delete_note(note.path)
        data = note.to_dict()
        text = data.pop("text")
        self.db.execute(
            "INSERT INTO notes (path, title, name, data, text, title_key, name_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                note.path,
                note.title,
                note.name,
                json.dumps(data, ensure_ascii=False),
                text,
                caseless_key(note.title),
                caseless_key(note.name),
            ),
        )
        self.db.executemany(
            "INSERT INTO aliases (alias, path) VALUES (?, ?)",
            [(caseless_key(a), note.path) for a in note.aliases],
        )
        self.db.executemany("INSERT INTO tags (path, tag) VALUES (?, ?)", [(note.path, t) for t in note.tags])
        self.db.executemany(
            f"INSERT INTO links ({_LINK_COLUMNS}, lookup) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    note.path,
                    i,
                    lk.kind,
                    lk.target,
                    lk.subpath,
                    lk.display,
                    lk.line,
                    lk.raw,
                    lk.key,
                    ctx,
                    res,
                    None,
                    lookup,
                )
                for i, (lk, ctx, lookup, res) in enumerate(links)
            ],
        )

    def delete_note(self, path: str) -> None:
        """Remove a note and everything derived from it (links it makes, its aliases and tags)."""
        for table, column in (("notes", "path"), ("links", "source"), ("aliases", "path"), ("tags", "path")):
            self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (path,))

    def delete_file(self, path: str) -> None:
        """Remove a file row and, for a note, its note data."""
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        self.delete_note(path)

    def note(self, path: str) -> Note | None:
        """The stored note at ``path``, or None."""
        row = self.db.execute("SELECT data, text FROM notes WHERE path = ?", (path,)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        data["text"] = row[1]
        return Note.from_dict(data)

    def hit_texts(self, paths: Iterable[str], tags: bool = False) -> dict[str, tuple[str, tuple[TagOccurrence, ...]]]:
        """The stored text of some notes, by path (notes not stored are left out), in one query.

        With ``tags``, also where each note's tags are written (what a ``tag:`` hit's lines are
        found in); the rest of the note is not decoded.
        """
        wanted = list(dict.fromkeys(paths))
        out: dict[str, tuple[str, tuple[TagOccurrence, ...]]] = {}
        places = "json_extract(data, '$.tag_occurrences')" if tags else "NULL"
        for chunk, marks in _chunks(wanted):
            for path, text, found in self.db.execute(
                f"SELECT path, text, {places} FROM notes WHERE path IN ({marks})", chunk
            ):
                occurrences = tuple(TagOccurrence(t["tag"], t["line"]) for t in json.loads(found)) if found else ()
                out[path] = (str(text or ""), occurrences)
        return out

    def notes(self) -> Iterator[Note]:
        """Every stored note, sorted by path."""
        for data_json, text in self.db.execute("SELECT data, text FROM notes ORDER BY path"):
            data = json.loads(data_json)
            data["text"] = text
            yield Note.from_dict(data)

    def note_titles(self) -> dict[str, str]:
        """Path to title of every note."""
        return dict(self.db.execute("SELECT path, title FROM notes"))

    def update_orphans(self) -> None:
        """Work out again which notes no other note links to (inside a refresh, after its links are resolved).

        One index lookup per note (~6 ms at 10,000 notes), paid by a refresh that changed something
        rather than by every ``orphan:`` query and ``vaultkit orphans``.
        """
        self.db.execute("DELETE FROM orphans")
        self.db.execute(f"INSERT INTO orphans (path) SELECT path FROM notes AS n WHERE {_ORPHAN}")

    def orphans(self) -> list[tuple[str, str]]:
        """``(path, title)`` of notes no other note links to, by path (as of the last refresh)."""
        return self.db.execute(
            "SELECT n.path, n.title FROM orphans AS o JOIN notes AS n ON n.path = o.path ORDER BY n.path"
        ).fetchall()

    def orphan_paths(self) -> set[str]:
        """Paths of the notes no other note links to (as :meth:`orphans`, without titles or order)."""
        return {r[0] for r in self.db.execute("SELECT path FROM orphans")}

    def note_anchors(self, path: str) -> tuple[list[tuple[int, str]], list[str]] | None:
        """Headings ``(level, text)`` and block ids of a stored note, for subpath checks."""
        row = self.db.execute(
            "SELECT json_extract(data, '$.headings'), json_extract(data, '$.blocks') FROM notes WHERE path = ?",
            (path,),
        ).fetchone()  # SQLite takes the two lists out of the note's JSON: cheaper than decoding all of it
        if row is None:
            return None
        return [(h["level"], h["text"]) for h in json.loads(row[0])], [b["id"] for b in json.loads(row[1])]

    def texts(self) -> Iterator[tuple[str, str]]:
        """``(path, plain text)`` of every note."""
        yield from self.db.execute("SELECT path, text FROM notes ORDER BY path")

    def lookup_names(self, ref: str) -> dict[str, list[str]]:
        """Notes matching ``ref`` as a file name, a title or an alias (case-insensitive).

        Compared by :func:`caseless_key`, as :meth:`exact_titles` compares: "émile" finds "Émile.md"
        (SQLite's ``NOCASE`` would fold ASCII letters only), in either Unicode normal form.
        """
        folded = caseless_key(ref)
        by_name = [r[0] for r in self.db.execute("SELECT path FROM notes WHERE name_key = ?", (folded,))]
        by_title = [r[0] for r in self.db.execute("SELECT path FROM notes WHERE title_key = ?", (folded,))]
        by_alias = [r[0] for r in self.db.execute("SELECT path FROM aliases WHERE alias = ?", (folded,))]
        return {"name": sorted(by_name), "title": sorted(by_title), "alias": sorted(set(by_alias))}

    def exact_titles(self, key: str) -> set[str]:
        """Paths of the notes whose title, file name (without ``.md``) or an alias is ``key``, caselessly.

        Compared by :func:`caseless_key` (stored keys), not SQLite's ``NOCASE``, which folds ASCII
        letters only: "Straße" is "STRASSE" here, and a title in NFD matches a key in NFC.
        """
        rows = self.db.execute(
            "SELECT path FROM notes WHERE title_key = ?1 UNION SELECT path FROM notes WHERE name_key = ?1"
            " UNION SELECT path FROM aliases WHERE alias = ?1",
            (caseless_key(key),),
        )
        return {r[0] for r in rows}

    def frontmatter_errors(self) -> list[tuple[str, str]]:
        """``(path, message)`` of notes whose frontmatter could not be read."""
        rows = self.db.execute(
            "SELECT path, json_extract(data, '$.frontmatter_error') FROM notes"
            " WHERE json_extract(data, '$.frontmatter_error') IS NOT NULL ORDER BY path"
        )
        return [(r[0], r[1]) for r in rows]

    def aliases(self) -> dict[str, list[str]]:
        """Note path to its aliases as the note writes them, notes in the order they were stored.

        For link resolution, which compares them its own (Obsidian's) way: lowercased, not casefolded
        (an alias ``Straße`` is not ``strasse`` there).
        """
        rows = self.db.execute(
            "SELECT n.path, json_extract(n.data, '$.aliases') FROM"
            " (SELECT path, min(rowid) AS first FROM aliases GROUP BY path) AS a JOIN notes AS n ON n.path = a.path"
            " ORDER BY a.first"
        )
        return {path: json.loads(found) for path, found in rows if found}

    def tag_rows(self) -> list[tuple[str, str]]:
        """``(path, tag)`` for every tag of every note."""
        return list(self.db.execute("SELECT path, tag FROM tags ORDER BY path"))

    # ------------------------------------------------------------ links

    def links_from(self, source: str) -> list[LinkRow]:
        """The links written in ``source``, in document order."""
        rows = self.db.execute(
            f"SELECT {_LINK_COLUMNS} FROM links WHERE source = ? ORDER BY seq",
            (source,),
        )
        return [_link_row(r) for r in rows]

    def links_to(self, path: str) -> list[LinkRow]:
        """Every link occurrence that resolves to ``path``."""
        rows = self.db.execute(
            f"SELECT {_LINK_COLUMNS} FROM links WHERE resolved = ? ORDER BY source, seq",
            (path,),
        )
        return [_link_row(r) for r in rows]

    def all_links(self) -> Iterator[LinkRow]:
        """Every stored link, by source and position."""
        for r in self.db.execute(f"SELECT {_LINK_COLUMNS} FROM links ORDER BY source, seq"):
            yield _link_row(r)

    def unresolved(self) -> list[LinkRow]:
        """Links that resolve to no file."""
        rows = self.db.execute(f"SELECT {_LINK_COLUMNS} FROM links WHERE resolved IS NULL ORDER BY source, seq")
        return [_link_row(r) for r in rows]

    def update_unresolved_sources(self, touched: Iterable[str] | None) -> None:
        """Work out again which notes have a link that resolves to no file (inside a refresh, after resolving).

        Only the notes in ``touched`` (whose links were resolved again, or removed) can have
        changed; None (or many notes): all of them.
        """
        paths = None if touched is None else sorted(set(touched))
        if paths is None or len(paths) > 2000:
            self.db.execute("DELETE FROM unresolved_sources")
            self.db.execute("INSERT INTO unresolved_sources SELECT DISTINCT source FROM links WHERE resolved IS NULL")
            return
        for chunk, marks in _chunks(paths):
            self.db.execute(f"DELETE FROM unresolved_sources WHERE path IN ({marks})", chunk)
            self.db.execute(
                "INSERT INTO unresolved_sources SELECT DISTINCT source FROM links"
                f" WHERE resolved IS NULL AND source IN ({marks})",
                chunk,
            )

    def unresolved_sources(self) -> list[str]:
        """Paths of the notes with at least one link that resolves to no file, by path (as of the last refresh)."""
        return [r[0] for r in self.db.execute("SELECT path FROM unresolved_sources ORDER BY path")]

    def problems(self) -> list[LinkRow]:
        """Resolved links whose heading or block subpath does not exist."""
        rows = self.db.execute(f"SELECT {_LINK_COLUMNS} FROM links WHERE problem IS NOT NULL ORDER BY source, seq")
        return [_link_row(r) for r in rows]

    def links_by_lookup(self, keys: Iterable[str]) -> list[tuple[str, int, str]]:
        """``(source, seq, target)`` of links whose lookup key is one of ``keys``."""
        out: list[tuple[str, int, str]] = []
        keys = list(set(keys))
        for chunk, marks in _chunks(keys):
            out.extend(
                self.db.execute(
                    f"SELECT source, seq, target FROM links WHERE lookup IN ({marks})",
                    chunk,
                )
            )
        return out

    def _link_pages(self, columns: str, where: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of ``links`` in rowid order, ``size`` at a time; each page is fetched whole before it is yielded."""
        last = 0
        while True:
            rows = self.db.execute(
                f"SELECT rowid, {columns} FROM links WHERE {where} rowid > ? ORDER BY rowid LIMIT ?", (last, size)
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [row[1:] for row in rows]

    def link_target_pages(self, size: int = 5000) -> Iterator[list[tuple[str, int, str]]]:
        """``(source, seq, target)`` of every link, a page at a time (the caller may update each page)."""
        return self._link_pages("source, seq, target", "", size)

    def all_subpath_links(self, size: int = 5000) -> Iterator[list[tuple[str, int, str | None, str]]]:
        """:meth:`subpath_links` of the whole vault, a page at a time."""
        return self._link_pages("source, seq, subpath, resolved", f"{_SUBPATH_LINK} AND", size)

    def set_resolved(self, updates: Iterable[tuple[str | None, str, int]]) -> None:
        """Set ``resolved`` for ``(resolved, source, seq)`` triples.

        A link that resolves to nothing loses its heading/block ``problem`` (it is unresolved
        instead): subpaths are re-checked only for resolved links, so nothing else would clear it.
        """
        self.db.executemany(
            "UPDATE links SET resolved = ?1, problem = CASE WHEN ?1 IS NULL THEN NULL ELSE problem END"
            " WHERE source = ?2 AND seq = ?3",
            updates,
        )

    def subpath_links(self, paths: Iterable[str]) -> list[tuple[str, int, str | None, str]]:
        """``(source, seq, subpath, resolved)`` of subpath links from or to any of ``paths``."""
        out: list[tuple[str, int, str | None, str]] = []
        paths = list(set(paths))
        for chunk, marks in _chunks(paths, 400):
            out.extend(
                self.db.execute(
                    f"SELECT source, seq, subpath, resolved FROM links WHERE {_SUBPATH_LINK}"
                    f" AND (source IN ({marks}) OR resolved IN ({marks}))",
                    chunk + chunk,
                )
            )
        return out

    def set_problems(self, updates: Iterable[tuple[str | None, str, int]]) -> None:
        """Set ``problem`` for ``(problem, source, seq)`` triples."""
        self.db.executemany("UPDATE links SET problem = ? WHERE source = ? AND seq = ?", updates)

    def counts(self) -> dict[str, int]:
        """Numbers for ``stats``: notes, attachments, links, unresolved links, problems, errors."""
        one = self.db.execute
        return {
            "notes": one("SELECT count(*) FROM notes").fetchone()[0],
            "attachments": one("SELECT count(*) FROM files WHERE is_note = 0").fetchone()[0],
            "links": one("SELECT count(*) FROM links").fetchone()[0],
            "unresolved": one("SELECT count(*) FROM links WHERE resolved IS NULL").fetchone()[0],
            "link_problems": one("SELECT count(*) FROM links WHERE problem IS NOT NULL").fetchone()[0],
            "errors": one("SELECT count(*) FROM files WHERE error IS NOT NULL").fetchone()[0],
        }
