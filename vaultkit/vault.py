"""``Vault``: the public Python API other tools embed; the CLI is a thin shell over it.

A ``Vault`` pairs a vault folder (read, never written) with an index folder (by default a per-user
cache folder keyed by the vault's absolute path). ``index()`` brings the index up to date
incrementally; every query answers from the index, so a fresh process never re-reads the notes.
A query on a vault that was never indexed indexes it first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import re
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import IndexLockedError, NoteNotFoundError, QueryError, VaultkitError, VaultNotFoundError
from .model import (
    Backlink,
    IndexReport,
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
from .search.index import SearchIndex

if TYPE_CHECKING:
    import networkx as nx

    from .maps import TopicMap
    from .search.query import Hit
    from .topics import Topic
from .store import Store

__all__ = ["ProgressCallback", "Vault", "default_index_dir"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while notes are read and parsed."""

_LOCK_TIMEOUT = 60.0
_LOCAL_LOCKS: dict[str, threading.Lock] = {}


def default_index_dir(vault: str | os.PathLike[str]) -> Path:
    """The per-user cache folder vaultkit uses for a vault (keyed by its absolute path)."""
    from platformdirs import user_cache_dir

    absolute = os.path.realpath(os.fspath(vault))
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^\w.-]+", "_", os.path.basename(absolute))[:40] or "vault"
    return Path(user_cache_dir("vaultkit")) / "vaults" / f"{name}-{digest}"


class Vault:
    """An Obsidian-style vault and its index.

    >>> vault = Vault("sample_vault")          # doctest: +SKIP
    >>> report = vault.index()                 # incremental
    >>> [b.source for b in vault.backlinks("Home")]

    ``resolve_aliases=True`` makes ``[[Alias]]`` resolve to the note with that alias (Obsidian
    Publish does this; the Obsidian app does not, so the default is off).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        index_dir: str | os.PathLike[str] | None = None,
        *,
        resolve_aliases: bool = False,
    ) -> None:
        """Open the vault at ``path``; the index lives in ``index_dir`` (default: :func:`default_index_dir`)."""
        root = Path(path)
        if not root.is_dir():
            raise VaultNotFoundError(f"vault folder not found: {os.fspath(path)}")
        self.root = root.resolve()
        self.index_dir = Path(index_dir).resolve() if index_dir is not None else default_index_dir(self.root)
        self.resolve_aliases = resolve_aliases
        self._store: Store | None = None
        self._search: SearchIndex | None = None
        self.notices: list[str] = []
        """Things worth telling the user that are not errors (an index rebuilt after damage)."""
        self._graph: Any = None
        self._graph_generation = -1

    # ------------------------------------------------------------ lifecycle

    @property
    def store(self) -> Store:
        """The underlying store (opened on first use).

        A store of another version, or one that is corrupt or not a vaultkit store at all, is
        discarded and rebuilt on the next refresh; :attr:`notices` says so.
        """
        if self._store is None:
            problem: str | None
            database = self.index_dir / Store.FILENAME
            emptied = database.exists() and database.stat().st_size == 0 and (self.index_dir / "search").exists()
            try:
                store: Store | None = Store(self.index_dir)
                problem = store.problem if store is not None else None
            except sqlite3.DatabaseError as exc:
                store, problem = None, f"is damaged ({exc})"
            if problem is None and emptied:
                self.notices.append(
                    f"the index in {self.index_dir} is damaged (its database was emptied); rebuilding it"
                )
            if problem is not None:
                if store is not None:
                    store.close()
                self.notices.append(f"the index in {self.index_dir} {problem}; rebuilding it")
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        (self.index_dir / (Store.FILENAME + suffix)).unlink()
                store = Store(self.index_dir)
            self._store = store
        return self._store  # type: ignore[return-value]

    @property
    def search_index(self) -> SearchIndex:
        """The Whoosh full-text index (opened on first use)."""
        if self._search is None:
            self._search = SearchIndex(self.index_dir)
        return self._search

    def close(self) -> None:
        """Release the index (the object can be used again; it reopens on demand)."""
        if self._search is not None:
            self._search.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write_lock(self, timeout: float = _LOCK_TIMEOUT) -> Iterator[None]:
        local = _LOCAL_LOCKS.setdefault(str(self.index_dir), threading.Lock())
        if not local.acquire(timeout=timeout):
            raise IndexLockedError(f"another thread is updating the index in {self.index_dir}")
        try:
            with self._process_lock(timeout):
                yield
        finally:
            local.release()

    @contextlib.contextmanager
    def _process_lock(self, timeout: float) -> Iterator[None]:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / "lock", "a+") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    # lockf (POSIX record lock), not flock: it is not inherited by the forked parse
                    # workers, so a killed indexer never leaves its lock behind in a child process
                    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        raise IndexLockedError(
                            f"another vaultkit process is updating the index in {self.index_dir}; "
                            f"gave up after {timeout:.0f} s"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)

    # ------------------------------------------------------------ indexing

    def index(self, *, rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexReport:
        """Bring the index up to date with the vault (incrementally unless ``rebuild``) and report.

        ``progress(done, total)`` is called as notes are read and parsed.
        """
        from .indexer import refresh

        with self._write_lock():
            report = refresh(
                self.store,
                str(self.root),
                resolve_aliases=self.resolve_aliases,
                rebuild=rebuild,
                progress=progress,
                search=self.search_index,
            )
        self._note_search_problem()
        return report

    def _note_search_problem(self) -> None:
        search = self.search_index
        problem = search.rebuilt_because or search.problem
        if problem:
            self.notices.append(f"the search index in {search.dir} was damaged ({problem}); rebuilt it")
            search.rebuilt_because = search.problem = None

    def update_file(self, path: str) -> IndexReport:
        """Re-index one file (created or changed), for editors and watchers; ``path`` is vault-relative."""
        return self.update_files([path])

    def remove_file(self, path: str) -> IndexReport:
        """Forget one file that was deleted; ``path`` is vault-relative."""
        return self.update_files([path])

    def update_files(self, paths: Iterable[str]) -> IndexReport:
        """Look again at just these files (vault-relative or absolute paths): changed, created or deleted."""
        from .indexer import refresh

        rels = [self._relative(p) for p in paths]
        with self._write_lock():
            report = refresh(
                self.store, str(self.root), resolve_aliases=self.resolve_aliases, only=rels, search=self.search_index
            )
        self._note_search_problem()
        return report

    def _relative(self, path: str) -> str:
        candidate = Path(path)
        if candidate.is_absolute():
            with contextlib.suppress(ValueError):
                candidate = candidate.resolve().relative_to(self.root)
        return unicodedata.normalize("NFC", candidate.as_posix())

    def _ready(self) -> Store:
        store = self.store
        if store.is_empty():
            self.index()
        return store

    # ------------------------------------------------------------ notes

    def resolve(self, ref: str) -> str:
        """The vault path a note reference names: a path, a file name (with or without ``.md``), a title or an alias.

        Raises :class:`~vaultkit.errors.NoteNotFoundError` (listing candidates) when nothing or
        more than one note matches.
        """
        store = self._ready()
        wanted = unicodedata.normalize("NFC", ref.strip().replace("\\", "/")).lstrip("/")
        files = store.file_paths()
        exact = set(files)
        for candidate in (wanted, wanted + ".md"):
            if candidate in exact:
                return candidate
        folded = {p.casefold(): p for p in files}
        for candidate in (wanted, wanted + ".md"):
            if candidate.casefold() in folded:
                return folded[candidate.casefold()]
        name = wanted[:-3] if wanted.lower().endswith(".md") else wanted
        matches = store.lookup_names(name)
        for kind in ("name", "title", "alias"):
            found = matches[kind]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise NoteNotFoundError(
                    f"{ref!r} is ambiguous: {len(found)} notes have that {kind}: " + ", ".join(found),
                    tuple(found),
                )
        close = sorted(p for p in files if name.casefold() in p.casefold())[:10]
        hint = (": did you mean " + ", ".join(close) + "?") if close else ""
        raise NoteNotFoundError(f"no note matches {ref!r}{hint}", tuple(close))

    def note(self, ref: str) -> Note:
        """The parsed note a reference names (see :meth:`resolve`)."""
        path = self.resolve(ref)
        note = self._ready().note(path)
        if note is None:
            raise NoteNotFoundError(f"{path} is not a readable note (see `vaultkit index` errors)", (path,))
        return note

    def notes(self) -> list[Note]:
        """Every note, sorted by path."""
        return list(self._ready().notes())

    def tags(self) -> list[TagCount]:
        """Tags with the number of notes carrying them; ``a/b`` also counts under ``a``. Most used first.

        Tags compare case-insensitively, as in Obsidian; each is shown in its most frequent spelling.
        """
        per_note: dict[str, set[str]] = {}
        spellings: dict[str, Counter[str]] = {}
        for path, tag in self._ready().tag_rows():
            parts = tag.split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                if not prefix:
                    continue
                key = prefix.casefold()
                per_note.setdefault(key, set()).add(path)
                spellings.setdefault(key, Counter())[prefix] += 1
        counts = [TagCount(spellings[k].most_common(1)[0][0], len(paths)) for k, paths in per_note.items()]
        return sorted(counts, key=lambda t: (-t.count, t.tag.casefold()))

    # ------------------------------------------------------------ links

    def backlinks(self, ref: str) -> list[Backlink]:
        """Every link occurrence (links, embeds, property links) that resolves to the note, self-links included."""
        path = self.resolve(ref)
        return [Backlink(r.source, r.link.line, r.context, r.link) for r in self._ready().links_to(path)]

    def outlinks(self, ref: str) -> list[OutLink]:
        """Every link written in the note, in order, with its resolved vault path (None when unresolved)."""
        path = self.resolve(ref)
        return [OutLink(r.link, r.resolved, r.problem) for r in self._ready().links_from(path)]

    def unresolved(self) -> list[UnresolvedLink]:
        """Every link whose target file does not exist."""
        return [UnresolvedLink(r.source, r.link.target, r.link.line, r.link) for r in self._ready().unresolved()]

    def link_problems(self) -> list[LinkProblem]:
        """Links that reach a file but name a heading or block it does not have."""
        return [
            LinkProblem(r.source, r.link.line, r.link, r.resolved or "", r.problem or "")
            for r in self._ready().problems()
        ]

    def orphans(self) -> list[NoteRef]:
        """Notes no other note links to (Obsidian CLI's definition: no incoming links)."""
        return [NoteRef(p, t) for p, t in self._ready().orphans()]

    def deadends(self) -> list[NoteRef]:
        """Notes that link to nothing else (Obsidian CLI's definition: no outgoing links)."""
        store = self._ready()
        linking = {
            r[0]
            for r in store.db.execute("SELECT DISTINCT source FROM links WHERE resolved IS NULL OR resolved != source")
        }
        return [NoteRef(p, t) for p, t in sorted(store.note_titles().items()) if p not in linking]

    def mentions(self, ref: str) -> list[Mention]:
        """Unlinked mentions: the note's title, file name or aliases written as plain text in other notes.

        Matching is case-insensitive; a name that starts or ends with a letter or digit must stand
        as a whole word there (Korean particles may follow a Hangul name). Text that is already a
        link to the note does not count.
        """
        path = self.resolve(ref)
        store = self._ready()
        note = store.note(path)
        names = [note.title, note.name, *note.aliases] if note else [path.rsplit("/", 1)[-1]]
        pattern = _mention_pattern(names)
        if pattern is None:
            return []
        linked: dict[tuple[str, int], list[str]] = {}
        for row in store.links_to(path):
            linked.setdefault((row.source, row.link.line), []).append(row.link.display or row.link.target)
        found: list[Mention] = []
        for source, text in store.texts():
            if source == path or not pattern.search(text):
                continue
            for number, line in enumerate(text.split("\n"), 1):
                unlinked = line
                for display in linked.get((source, number), ()):
                    unlinked = unlinked.replace(" ".join(display.split(" > ")), " ", 1)
                found.extend(Mention(source, number, line.strip(), m.group(0)) for m in pattern.finditer(unlinked))
        return found

    # ------------------------------------------------------------ graph

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The link graph (notes, attachments, unresolved targets; one edge per link occurrence).

        Cached on disk by index generation, so a fresh process loads it without rebuilding.
        """
        store = self._ready()
        generation = store.generation
        if self._graph is not None and self._graph_generation == generation:
            return self._graph
        cache = self.index_dir / f"graph-{generation}.pickle"
        graph: nx.MultiDiGraph | None = None
        if cache.exists():
            try:
                with open(cache, "rb") as handle:
                    graph = pickle.load(handle)
            except Exception:  # a torn or foreign cache file is simply rebuilt
                graph = None
        if graph is None:
            graph = self.build_graph()
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as handle:
                pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
            for old in self.index_dir.glob("graph-*.pickle"):
                if old != cache:
                    with contextlib.suppress(OSError):
                        old.unlink()
        self._graph, self._graph_generation = graph, generation
        return graph

    def build_graph(self, *, tags: bool = False, attachments: bool = True, unresolved: bool = True) -> nx.MultiDiGraph:
        """Build a fresh graph; ``tags=True`` adds tag nodes (``#tag``) with note -> tag edges."""
        store = self._ready()
        notes: dict[str, tuple[str, list[str]]] = {}
        tag_map: dict[str, list[str]] = {}
        for path, tag in store.tag_rows():
            tag_map.setdefault(path, []).append(tag)
        for path, title in store.note_titles().items():
            notes[path] = (title, tag_map.get(path, []))
        files = store.file_stats()
        attachment_paths = [p for p, r in sorted(files.items()) if not r.is_note]
        for p, r in files.items():  # unreadable notes are still files links can reach
            if r.is_note and p not in notes:
                notes[p] = (p.rsplit("/", 1)[-1][:-3], [])
        links = ((r.source, r.link, r.resolved) for r in store.all_links())
        from .graph import build_graph

        return build_graph(
            dict(sorted(notes.items())),
            attachment_paths,
            links,
            include_tags=tags,
            include_attachments=attachments,
            include_unresolved=unresolved,
        )

    def related(self, ref: str, limit: int = 10) -> list[Related]:
        """Notes related to this one by links, shared link targets and sources, and shared tags; best first."""
        from .graph import related

        return related(self.graph, self.resolve(ref), limit)

    def neighbors(self, ref: str, depth: int = 1) -> nx.MultiDiGraph:
        """The local graph around a note: everything within ``depth`` links, in either direction."""
        from .graph import neighbors

        return neighbors(self.graph, self.resolve(ref), depth)

    # ------------------------------------------------------------ topics and maps

    def _searcher(self) -> Any:
        """The search index's (cached) searcher, after making sure the index matches the store."""
        self._ready()
        search = self.search_index
        kept = search.kept_searcher()
        if kept is not None and self.store.meta("search_generation") == search.searcher_state():
            return kept  # the state the store records is the one this searcher reads: nothing to look at on disk
        for _ in range(5):
            if search.open() is None or self.store.meta("search_generation") != search.state():
                self.index()  # waits for a writer in progress, or repairs a search index out of step
            searcher = search.searcher()
            # A writer may have committed Whoosh between the check and the searcher: answer only from
            # the search generation the store has recorded, so text and links come from one state.
            if self.store.meta("search_generation") == search.searcher_state():
                return searcher
        return search.searcher()

    def topics(
        self,
        *,
        min_size: int = 3,
        resolution: float = 1.0,
        folder: str | None = None,
        tag: str | None = None,
        seed: int = 42,
    ) -> list[Topic]:
        """Topics: communities (Louvain, fixed seed) of notes joined by links, shared rare tags and similar text.

        Each :class:`~vaultkit.topics.Topic` has a stable id, a label, hub notes, its notes and its
        neighbouring topics. ``folder`` or ``tag`` restrict the notes considered.
        """
        from .topics import detect_topics

        graph, texts = self.graph, dict(self.store.texts())
        searcher = self._searcher()
        return detect_topics(
            graph, texts, searcher, min_size=min_size, resolution=resolution, folder=folder, tag=tag, seed=seed
        )

    def topic_map(
        self,
        *,
        tag: str | None = None,
        note: str | None = None,
        topic: str | None = None,
        depth: int = 2,
        min_size: int = 3,
        resolution: float = 1.0,
    ) -> TopicMap:
        """A map of content for a tag (and its children), a note's neighbourhood, or a topic id.

        Render it with :meth:`render_map` as Markdown (a MOC note), Mermaid, DOT or HTML.
        """
        from . import maps

        if sum(x is not None for x in (tag, note, topic)) != 1:
            raise VaultkitError("a map needs exactly one of: a tag, a note or a topic")
        graph, texts = self.graph, dict(self.store.texts())
        if topic is not None:
            found = self.topics(min_size=min_size, resolution=resolution)
            return maps.topic_map(found, topic, graph, texts, self._searcher())
        if tag is not None:
            return maps.tag_map(graph, texts, self._searcher(), tag)
        return maps.note_map(graph, texts, self._searcher(), self.resolve(note or ""), depth=depth)

    def render_map(self, topic_map: TopicMap, fmt: str = "markdown") -> str:
        """A map as ``markdown`` (a note to drop into the vault), ``mermaid``, ``dot`` or ``html``."""
        from .maps import render_map

        return render_map(topic_map, fmt, self.graph, self.store.file_paths())

    def export(self, fmt: str, *, tags: bool = False, attachments: bool = True, unresolved: bool = True) -> str:
        """The whole graph as text: ``json`` (node-link), ``graphml``, ``gexf``, ``dot``, ``mermaid`` or ``html``.

        The HTML page colours notes by topic.
        """
        from .export import export_graph

        graph = self.build_graph(tags=tags, attachments=attachments, unresolved=unresolved)
        if fmt != "html":
            return export_graph(graph, fmt)
        from .topics import topic_of

        ids = topic_of(self.topics())
        order = {tid: i for i, tid in enumerate(dict.fromkeys(ids.values()))}
        return export_graph(graph, fmt, groups={p: order[t] for p, t in ids.items()}, title=f"{self.root.name} graph")

    # ------------------------------------------------------------ search

    def search(self, query: str, limit: int | None = 20, sort: str = "score") -> list[Hit]:
        """Full-text search with Obsidian's query language (see the README); best first.

        ``sort`` is ``"score"``, ``"modified"`` (newest first) or ``"title"``. Each hit carries the
        matching line numbers and a snippet with match offsets. A malformed query raises
        :class:`~vaultkit.errors.QueryError` saying what is wrong.
        """
        from .search.query import run_search

        try:
            return run_search(self._searcher(), _SearchContext(self), query, limit=limit, sort=sort)
        except VaultkitError:  # a malformed query, a locked index...: said as it is
            raise
        except Exception as exc:  # damage inside a segment's files shows only when a query reads them
            self._rebuild_damaged_search(exc)
        return run_search(self._searcher(), _SearchContext(self), query, limit=limit, sort=sort)

    def _rebuild_damaged_search(self, exc: Exception) -> None:
        """A query failed reading the search index: rebuild it from the store (no note is parsed again)."""
        search = self.search_index
        problem = f"{type(exc).__name__}: {exc}"[:200]
        search.close()
        search.problem = problem  # the index no longer counts as the one the store records: rebuilt
        self.index()  # which reports it (see _note_search_problem)

    def tasks(self, query: str | None = None, *, done: bool | None = None) -> list[tuple[str, Task]]:
        """Tasks of every note (or of the notes matching ``query``), as ``(path, task)``; filter by ``done``."""
        paths = None if not query else {hit.path for hit in self.search(query, limit=None)}
        out: list[tuple[str, Task]] = []
        for note in self._ready().notes():
            if paths is not None and note.path not in paths:
                continue
            out.extend((note.path, task) for task in note.tasks if done is None or task.done == done)
        return out

    def check(self) -> list[Problem]:
        """Everything in the vault a user may want to fix, as a list: unreadable files, broken links,
        links to missing headings or blocks, file names shared by several notes (``[[name]]`` is
        ambiguous there), and invalid frontmatter."""
        store = self._ready()
        problems = [Problem("unreadable", path, None, error) for path, error in store.errors()]
        problems += [
            Problem("broken-link", u.source, u.line, f"{u.link.raw} points to no file") for u in self.unresolved()
        ]
        problems += [
            Problem("missing-anchor", p.source, p.line, f"{p.link.raw}: {p.problem}") for p in self.link_problems()
        ]
        by_name: dict[str, list[str]] = {}
        for path in store.note_titles():
            by_name.setdefault(path.rsplit("/", 1)[-1].casefold(), []).append(path)
        for paths in sorted(by_name.values()):
            if len(paths) > 1:
                for path in sorted(paths):
                    others = ", ".join(p for p in sorted(paths) if p != path)
                    problems.append(Problem("duplicate-name", path, None, f"same file name as {others}"))
        for path, error in store.frontmatter_errors():
            at = re.search(r"at line (\d+)", error)
            problems.append(Problem("invalid-frontmatter", path, int(at.group(1)) if at else 1, error))
        order = {"unreadable": 0, "invalid-frontmatter": 1, "broken-link": 2, "missing-anchor": 3, "duplicate-name": 4}
        return sorted(problems, key=lambda p: (order[p.kind], p.path, p.line or 0))

    def stats(self) -> dict[str, Any]:
        """Counts of notes, attachments, links, unresolved links, tags, orphans and the index size."""
        store = self._ready()
        counts: dict[str, Any] = dict(store.counts())
        counts["tags"] = len(self.tags())
        counts["orphans"] = len(self.orphans())
        counts["index_bytes"] = sum(f.stat().st_size for f in self.index_dir.iterdir() if f.is_file())
        counts["generation"] = store.generation
        return counts


class _SearchContext:
    """What the query compiler asks the vault: stored notes and graph filters."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._notes: dict[str, Note | None] = {}

    def note(self, path: str) -> Note | None:
        if path not in self._notes:
            self._notes[path] = self.vault.store.note(path)
        return self._notes[path]

    def hit_texts(self, paths: list[str], tags: bool) -> dict[str, tuple[str, tuple[TagOccurrence, ...]]]:
        out = {p: (n.text, n.tag_occurrences if tags else ()) for p in paths if (n := self._notes.get(p)) is not None}
        rest = [p for p in paths if p not in out]
        if rest:
            out.update(self.vault.store.hit_texts(rest, tags))
        return out

    def exact_titles(self, key: str) -> set[str]:
        return self.vault.store.exact_titles(key)

    def graph_paths(self, name: str, value: str) -> Collection[str]:
        vault = self.vault
        if name == "links-to":
            return {b.source for b in vault.backlinks(value)}
        if name == "linked-from":
            return {o.resolved for o in vault.outlinks(value) if o.resolved}
        if name == "orphan":
            orphans = vault.store.orphan_paths()
            return orphans if value == "true" else set(vault.store.note_titles()) - orphans
        if name == "has" and value == "unresolved":
            return vault.store.unresolved_sources()
        raise QueryError(f'unknown filter "{name}:{value}"')


def _mention_pattern(names: list[str]) -> re.Pattern[str] | None:
    parts = []
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        body = re.escape(name)
        if name[0].isascii() and name[0].isalnum():
            body = r"(?<![A-Za-z0-9_])" + body
        if name[-1].isascii() and name[-1].isalnum():
            body = body + r"(?![A-Za-z0-9_])"
        parts.append(body)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None
