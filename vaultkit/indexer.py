"""Bringing the store up to date with the vault: scan -> read -> parse -> resolve -> store.

A refresh stats every file once; only files whose size or mtime changed are read, and of those
only the ones whose content hash changed are parsed. Links are then (re)resolved only where a
change can matter: the links of changed notes, and links elsewhere whose target name is the name of
a file that appeared or disappeared (plus alias names when aliases resolve). The whole refresh is
one store transaction.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import UnreadableFileError
from .files import FileEntry, file_entry, load_ignore_filters, read_text, scan_vault
from .model import FileError, IndexReport, Link, Note, _by_fields
from .resolve import LinkResolver, check_subpath, link_keys
from .search.index import SearchIndex, note_document, prepared_document
from .store import FileRow, FileStat, Store

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while notes are read and parsed (same as ``vault.ProgressCallback``)."""

_CONTEXT_CHARS = 300
_PARALLEL_MIN = 200
_WINDOW = 1000  # jobs handed to the parse workers at a time (two windows are in flight)
WORKER_GC_THRESHOLD = (50_000, 20, 100)
"""``gc.set_threshold`` of the parse workers (Python's default is 700, 10, 10). A worker allocates
millions of short-lived objects and holds a growing postings pool that every full collection walks:
with the default, collections took ~3% of a worker's time (0.5 s per 5,000 notes), 0.1 s with this.
Only our own worker processes are changed, never the process that imports vaultkit."""


@dataclass(frozen=True, slots=True)
class _Loaded:
    path: str
    hash: str | None
    encoding: str | None
    note: Note | None
    contexts: tuple[str, ...]
    error: str | None
    document: dict[str, Any] | None = None  # the search document with its postings, when asked for
    indexed: bool = False  # True: a worker already put the document into its part of a new search index

    __reduce__ = _by_fields  # sent from the parse workers: pickled as its field values


def content_hash(text: str) -> str:
    """The content hash stored for a note (of its decoded, newline-normalised text)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_Job = tuple[str, str, str | None, bool, int]
"""``(absolute path, vault path, stored hash, whether to prepare the search document, mtime_ns)``."""

# In a parse worker building part of a new search index: the writer of that part (see _Loader).
_PART: dict[str, Any] = {}


def _load(job: _Job) -> _Loaded:
    """Read, hash and (when the hash changed) parse one note. Runs in worker processes too.

    With ``job[3]`` the note's search document and postings are worked out here as well; a worker
    building part of a new search index (see :class:`_Loader`) adds them to its own segments.
    """
    abspath, path, old_hash, with_search, mtime_ns = job
    try:
        decoded = read_text(abspath, path)
    except UnreadableFileError as exc:
        return _Loaded(path, None, None, None, (), exc.reason)
    digest = content_hash(decoded.text)
    if digest == old_hash:
        return _Loaded(path, digest, decoded.encoding, None, (), None)
    from .parse import parse_note  # only when a note really changed: keeps no-op refreshes light

    note = parse_note(decoded.text, path)
    document = prepared_document(note, mtime_ns) if with_search else None
    contexts = tuple(link_context(note.links, decoded.text))
    part = _PART.get("writer")
    if document is not None and part is not None:
        part.add_document(**document)
        return _Loaded(path, digest, decoded.encoding, note, contexts, None, None, indexed=True)
    return _Loaded(path, digest, decoded.encoding, note, contexts, None, document)


def _start_worker() -> None:
    """Worker initializer: fewer garbage collections (see :data:`WORKER_GC_THRESHOLD`)."""
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def _start_part(search: SearchIndex, barrier: Any) -> None:
    """Worker initializer: this worker writes its notes into a segment of its own."""
    _start_worker()
    random.seed()  # forked workers share the parent's random state, and Whoosh names segments randomly
    _PART["search"] = search
    _PART["barrier"] = barrier


def _finish_part(_: int) -> list[Any]:
    """Run once in each worker (the barrier keeps a worker from taking two): its segments."""
    writer = _PART.pop("writer", None)
    segments = writer.finish_segments() if writer is not None else []
    _PART["barrier"].wait(timeout=600)
    return segments


def _part_writer_on_first_use(job: _Job) -> _Loaded:
    if "writer" not in _PART and "search" in _PART:
        _PART["writer"] = _PART["search"].fresh_part_writer()
    return _load(job)


def _can_fork() -> bool:
    """Whether worker processes can be forked here (POSIX); imports multiprocessing only when asked."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class _Loader:
    """Loads the jobs of a refresh, in parallel parse workers when there are many (a context manager).

    With ``fresh`` (a search index being built by ``begin_fresh``), each worker also writes the
    search documents of its notes into segments of its own: :meth:`finish_parts` asks the workers
    to write them out (they do while the caller resolves links) and :meth:`parts` returns them.
    Without workers the documents come back in :attr:`_Loaded.document` as usual.
    """

    def __init__(self, jobs: list[_Job], fresh: SearchIndex | None = None) -> None:
        self.jobs = jobs
        self.fresh = fresh
        self.workers = min(os.cpu_count() or 1, 4)
        self.parallel = len(jobs) >= _PARALLEL_MIN and self.workers >= 2 and _can_fork()
        self._pool: Any = None
        self._pending: Any = None

    def __enter__(self) -> _Loader:
        if self.parallel:
            import multiprocessing  # only when there is work for workers (a no-op refresh does not need it)

            context = multiprocessing.get_context("fork")
            if self.fresh is not None:
                barrier = context.Barrier(self.workers)
                self._pool = context.Pool(self.workers, initializer=_start_part, initargs=(self.fresh, barrier))
            else:
                self._pool = context.Pool(self.workers, initializer=_start_worker)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __iter__(self) -> Iterator[_Loaded]:
        if self._pool is None:
            return map(_load, self.jobs)
        return self._windows(_part_writer_on_first_use if self.fresh is not None else _load)

    def _windows(self, work: Callable[[_Job], _Loaded]) -> Iterator[_Loaded]:
        # Pool.imap queues every job at once and keeps results until they are read: when the workers
        # parse faster than this process stores, parsed notes can pile up without bound. Two windows
        # of jobs in flight keep the workers busy and the backlog bounded.
        pending: collections.deque[Iterator[_Loaded]] = collections.deque()
        for start in range(0, len(self.jobs), _WINDOW):
            pending.append(self._pool.imap(work, self.jobs[start : start + _WINDOW], chunksize=16))
            if len(pending) > 1:
                yield from pending.popleft()
        while pending:
            yield from pending.popleft()

    def finish_parts(self) -> None:
        """Ask every worker to write out its segments (runs in the background; see :meth:`parts`)."""
        if self._pool is not None and self.fresh is not None:
            self._pending = self._pool.map_async(_finish_part, range(self.workers), chunksize=1)

    def parts(self) -> list[Any]:
        """The segments the workers wrote (waits for them)."""
        if self._pending is None:
            return []
        return [segment for segments in self._pending.get() for segment in segments]


def lookup_key(target: str) -> str:
    """The name key under which a link is found again when a file of that name appears or goes."""
    keys = link_keys(target) if target else ()
    return keys[0] if keys else ""


def _file_keys(path: str, resolver: LinkResolver) -> set[str]:
    key = resolver.affected_by(path)
    keys = {key}
    if key.endswith(".md"):
        keys.add(key[:-3])
    return keys


def refresh(
    store: Store,
    root: str,
    *,
    resolve_aliases: bool = False,
    rebuild: bool = False,
    only: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    search: SearchIndex | None = None,
) -> IndexReport:
    """Bring ``store`` (and the ``search`` index) up to date with the vault at ``root``; report what changed.

    ``only`` limits the refresh to some vault paths (an editor saving or deleting files); the rest
    of the vault is taken as unchanged. The search index is written in the same refresh and its
    generation recorded in the store's transaction; one that does not match is rebuilt from the
    store.
    """
    started = time.perf_counter()
    scan_errors: list[FileError] = []
    known = store.file_stats()
    filters = load_ignore_filters(root)
    inside = os.path.relpath(os.path.realpath(store.index_dir), os.path.realpath(root))
    if inside != "." and not inside.startswith(".."):
        filters = (*filters, inside.replace(os.sep, "/"))  # an index folder the user put inside the vault
    if only is None:
        entries = {e.path: e for e in scan_vault(root, ignore_filters=filters, errors=scan_errors)}
    else:
        entries = _partial_scan(root, set(only), known, filters)

    full = rebuild or store.is_empty() or store.meta("resolve_aliases") != str(resolve_aliases)
    changed: list[FileEntry] = []  # notes to read
    stored_notes: list[str] = []  # those of them the store has as notes
    added: list[str] = []
    updated: list[str] = []
    unchanged = 0
    attachment_changes: list[FileEntry] = []
    for path, entry in entries.items():
        row = known.get(path)
        same_stat = row is not None and row.size == entry.size and row.mtime_ns == entry.mtime_ns
        if row is not None and row.is_note == entry.is_note and same_stat and not rebuild:
            unchanged += 1
            continue
        if not entry.is_note:
            attachment_changes.append(entry)
            (added if row is None or rebuild else updated).append(path)
            continue
        changed.append(entry)
        if row is not None and row.is_note and not rebuild:
            stored_notes.append(path)
    removed = [p for p in known if p not in entries]
    # the stored hash of a changed note: a touched file with the same content is not parsed again
    hashes = store.file_hashes(stored_notes) if stored_notes else {}
    jobs = [(e.abspath, e.path, hashes.get(e.path), search is not None, e.mtime_ns) for e in changed]

    changes = bool(jobs or removed or attachment_changes or full)
    # with changes to write the index is opened (and checked) anyway; without, a look at its folder will do
    rebuild_search = search is not None and (
        rebuild or store.meta("search_generation") != (search.state() if changes else search.committed_state())
    )
    if not (changes or rebuild_search):
        # nothing changed: no transaction, no resolution (a no-op refresh only stats the files)
        return IndexReport(
            unchanged=unchanged,
            errors=tuple(sorted((*scan_errors, *(FileError(p, e) for p, e in store.errors())), key=lambda e: e.path)),
            seconds=time.perf_counter() - started,
        )
    writer = None
    fresh_search = False
    if search is not None and rebuild_search and (rebuild or not known):
        fresh_search = True  # every note is parsed in this run: stream them into a fresh index
        writer = search.begin_fresh()
        rebuild_search = False
    elif search is not None and not rebuild_search and (jobs or removed):
        writer = search.writer()
    fresh_store = rebuild or not known  # nothing stored yet: no old rows to replace
    store.begin()
    stack = contextlib.ExitStack()
    try:
        if rebuild:
            store.clear()
        if fresh_store:
            store.drop_indexes()  # every note is new: the indexes are built once, after the notes are in
        errors: list[FileError] = list(scan_errors)
        changed_notes: list[str] = []
        old_aliases = store.aliases() if resolve_aliases else {}
        for path in removed:
            store.delete_file(path)
            if writer is not None:
                writer.delete_by_term("path", path)
        for entry in attachment_changes:
            store.put_file(FileRow(entry.path, False, entry.size, entry.mtime_ns, None, None, None))
        loader = stack.enter_context(_Loader(jobs, search if fresh_search else None))
        # a build that stores every note resolves each link as it stores it (the scan found every file);
        # otherwise links are resolved after the notes are in, as aliases and old links may decide them.
        # Built after the parse workers are forked: they do not need it, and a forked worker's resident
        # set counts every page of the parent's (at 100,000 files the resolver is ~60 MB of it).
        put_resolver = _resolver(entries, {}) if fresh_store and full and not resolve_aliases else None
        for done, loaded in enumerate(loader, 1):
            entry = entries[loaded.path]
            row = None if rebuild else known.get(loaded.path)
            store.put_file(
                FileRow(loaded.path, True, entry.size, entry.mtime_ns, loaded.hash, loaded.encoding, loaded.error)
            )
            if loaded.error is not None:
                store.delete_note(loaded.path)
                if writer is not None:
                    writer.delete_by_term("path", loaded.path)
                errors.append(FileError(loaded.path, loaded.error))
                (added if row is None or not row.is_note else updated).append(loaded.path)
            elif loaded.note is None:
                unchanged += 1  # touched, same content: only the modification time moves
                stored = store.note(loaded.path) if writer is not None else None
                if stored is not None and writer is not None:
                    writer.update_document(**note_document(stored, entry.mtime_ns))
            else:
                source = loaded.path
                links = [
                    (lk, ctx, lookup_key(lk.target), put_resolver.resolve(lk.target, source) if put_resolver else None)
                    for lk, ctx in zip(loaded.note.links, loaded.contexts, strict=True)
                ]
                store.put_note(loaded.note, links, replace=row is not None or not fresh_store)
                if writer is not None and not loaded.indexed:
                    document = loaded.document or prepared_document(loaded.note)
                    document["mtime"] = entry.mtime_ns
                    if fresh_search:
                        writer.add_document(**document)  # nothing to replace in a new index
                    else:
                        writer.update_document(**document)
                changed_notes.append(loaded.path)
                (added if row is None or not row.is_note else updated).append(loaded.path)
            if progress is not None:
                progress(done, len(jobs))

        loader.finish_parts()  # the workers write their search segments while links resolve here
        if fresh_store:
            store.create_indexes()
        unreadable = [e.path for e in errors if e.path in entries]
        touched = _resolve(
            store,
            entries,
            added,
            removed,
            changed_notes + unreadable,
            old_aliases,
            resolve_aliases,
            full,
            stored_resolved=put_resolver is not None,
        )
        store.set_meta("resolve_aliases", str(resolve_aliases))
        if added or updated or removed or attachment_changes or full:
            # kept as tables, so that queries read them instead of working them out
            store.update_orphans()
            store.update_unresolved_sources(touched)
        parts = loader.parts()
        stack.close()  # the parse workers are done
        if search is not None:
            if writer is not None:
                if parts:
                    writer.add_segments(parts)
                writer.commit()
                writer = None
                if fresh_search:
                    search.finish_fresh()
                search.refresh_handle()
                state = search.state()
            elif rebuild_search:
                mtimes = {p: r.mtime_ns for p, r in store.file_stats().items()}
                state = search.rebuild((note, mtimes.get(note.path, 0)) for note in store.notes())
            else:
                state = search.state()
            store.set_meta("search_generation", state)
        report_errors = errors + [FileError(p, e) for p, e in store.errors() if p not in {x.path for x in errors}]
        store.commit(bump=bool(added or updated or removed or full))
    except BaseException:
        stack.close()
        if writer is not None:
            writer.cancel()
        store.rollback()
        raise
    return IndexReport(
        added=tuple(sorted(added)),
        updated=tuple(sorted(updated)),
        removed=tuple(sorted(removed)),
        unchanged=unchanged,
        errors=tuple(sorted(report_errors, key=lambda e: e.path)),
        seconds=time.perf_counter() - started,
    )


def _partial_scan(
    root: str, only: set[str], known: dict[str, FileStat], filters: tuple[str, ...]
) -> dict[str, FileEntry]:
    """Entries for the whole vault where only the paths in ``only`` are looked at again."""
    entries = {
        p: FileEntry(p, os.path.join(root, p), r.size, r.mtime_ns, r.is_note) for p, r in known.items() if p not in only
    }
    for path in only:
        entry = file_entry(root, path, filters)
        if entry is not None:
            entries[entry.path] = entry
    return entries


_RESOLVERS: dict[tuple[frozenset[str], str], LinkResolver] = {}
_RESOLVERS_LOCK = threading.Lock()


def _resolver(entries: dict[str, FileEntry], aliases: dict[str, list[str]]) -> LinkResolver:
    """A resolver over the vault's files, reused while the set of files (and aliases) is the same.

    Editing notes does not change it, so a long-running process (``vaultkit watch``, an editor
    plugin) re-indexes one edited note without rebuilding it (~40 ms at 10,000 files). One
    resolver is kept, for the last vault seen.
    """
    key = (frozenset(entries), repr(sorted(aliases.items())))
    with _RESOLVERS_LOCK:
        found = _RESOLVERS.get(key)
    if found is None:
        found = LinkResolver(sorted(entries), aliases=aliases)
        with _RESOLVERS_LOCK:
            _RESOLVERS.clear()
            _RESOLVERS[key] = found
    return found


def _resolve(
    store: Store,
    entries: dict[str, FileEntry],
    added: list[str],
    removed: list[str],
    changed_notes: list[str],
    old_aliases: dict[str, list[str]],
    resolve_aliases: bool,
    full: bool,
    *,
    stored_resolved: bool = False,
) -> set[str] | None:
    """Re-resolve the links a change can affect, then re-check their heading/block subpaths.

    ``stored_resolved``: every note was stored in this refresh with its links resolved (a fresh
    build), so only the subpaths are left to check. Returns the notes whose links were (re)resolved
    or removed, or None when every link was.
    """
    aliases = store.aliases() if resolve_aliases else {}
    resolver = _resolver(entries, aliases)

    def resolve(todo: list[tuple[str, int, str]]) -> None:
        use = resolve_aliases
        store.set_resolved(
            [(resolver.resolve(target, source, use_aliases=use), source, seq) for source, seq, target in todo]
        )

    if full:  # every link, a page at a time: a 100,000-note vault has ~800,000 of them
        if not stored_resolved:
            for targets in store.link_target_pages():
                resolve(targets)
        pages: Iterable[list[tuple[str, int, str | None, str]]] = store.all_subpath_links()
        touched: set[str] | None = None
    else:
        keys: set[str] = set()
        for path in (*added, *removed):
            keys |= _file_keys(path, resolver)
        if resolve_aliases:  # the links that name an alias that came or went: found by their lookup key
            for path in changed_notes:
                keys |= {lookup_key(a) for a in (*old_aliases.get(path, ()), *aliases.get(path, ()))}
            for path in removed:
                keys |= {lookup_key(a) for a in old_aliases.get(path, ())}
        changed = set(changed_notes)
        todo = [t for t in store.links_by_lookup(keys) if t[0] not in changed]
        for path in changed_notes:
            todo.extend((row.source, row.seq, row.link.target) for row in store.links_from(path))
        resolve(todo)
        touched = set(changed_notes) | {source for source, _, _ in todo} | set(removed)
        pages = [store.subpath_links(touched)]

    anchors: dict[str, tuple[list[tuple[int, str]], list[str]] | None] = {}
    for page in pages:
        problems = []
        for source, seq, subpath, resolved in page:
            if resolved not in anchors:
                if len(anchors) > 10_000:
                    anchors.clear()
                anchors[resolved] = store.note_anchors(resolved)
            found = anchors[resolved]
            problem = check_subpath(subpath, found[0], found[1]) if found is not None else None
            problems.append((problem, source, seq))
        store.set_problems(problems)
    return touched


def link_context(links: Iterable[Link], text: str) -> list[str]:
    """The stripped source line of each link (what backlinks show as context)."""
    lines = text.split("\n")
    return [lines[lk.line - 1].strip()[:_CONTEXT_CHARS] if 0 < lk.line <= len(lines) else "" for lk in links]
