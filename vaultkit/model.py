"""The records vaultkit passes around: notes, links, headings, tasks and index reports.

Everything here is plain data: frozen dataclasses that convert to and from JSON-ready dicts,
so the store can keep them and a later process can read them back without parsing Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


def _by_fields(self: Any) -> tuple[Any, ...]:
    """Pickle a record as its class and its field values, in order (its ``__reduce__``).

    Python pickles a slotted dataclass through ``dataclasses.fields()`` for every object, both
    ways: for the notes the parse workers send back (each with its links, headings, tags...)
    that was half the cost of sending them. Copies (``copy.copy``) go the same way.
    """
    return (type(self), tuple(getattr(self, name) for name in self.__slots__))


LinkKind = Literal["wikilink", "embed", "markdown", "frontmatter"]
"""How a link was written: ``[[x]]``, ``![[x]]`` / ``![](x)``, ``[t](x)``, or a property value ``"[[x]]"``."""


@dataclass(frozen=True, slots=True)
class Link:
    """One link occurrence in a note, exactly as Obsidian caches it.

    ``target`` is the linkpath (the text before the first ``#``); an empty target means the note
    itself (``[[#Heading]]``). ``subpath`` is the part after the first ``#`` (``Heading#Sub`` or
    ``^block``), or None. ``line`` is 1-based in the file. ``key`` is the property name for
    frontmatter links (dotted for nested values, ``list.0``).
    """

    __reduce__ = _by_fields

    kind: LinkKind
    target: str
    subpath: str | None
    display: str | None
    line: int
    raw: str
    key: str | None = None

    @property
    def is_embed(self) -> bool:
        """True for ``![[x]]`` and ``![](x)`` embeds."""
        return self.kind == "embed"


@dataclass(frozen=True, slots=True)
class ExternalLink:
    """A link to something outside the vault (a URL with a scheme such as ``https:``)."""

    __reduce__ = _by_fields

    url: str
    display: str | None
    line: int
    embed: bool = False


@dataclass(frozen=True, slots=True)
class Heading:
    """A root-level heading (Obsidian does not index headings inside quotes, callouts or lists)."""

    __reduce__ = _by_fields

    level: int
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """A block id (``^id``); ``id`` is kept as written, matching is case-insensitive."""

    __reduce__ = _by_fields

    id: str
    line: int


@dataclass(frozen=True, slots=True)
class Task:
    """A task list item. ``status`` is the character between the brackets; anything but a space is done."""

    __reduce__ = _by_fields

    status: str
    done: bool
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class TagOccurrence:
    """Where a tag was written: ``line`` is 1-based, or None for a frontmatter tag."""

    __reduce__ = _by_fields

    tag: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Note:
    """Everything vaultkit knows about one Markdown note, produced by :func:`vaultkit.parse_note`.

    ``tags`` lists each tag once (without ``#``, first spelling wins, compared case-insensitively),
    frontmatter tags first, then inline tags in document order; ``tag_occurrences`` keeps every
    occurrence. ``text`` is the searchable plain text, line-aligned with the file: line *n* of
    ``text`` holds the plain text of line *n* of the file (frontmatter lines are blank).
    """

    __reduce__ = _by_fields

    path: str
    title: str
    aliases: tuple[str, ...] = ()
    frontmatter: dict[str, Any] = field(default_factory=dict)
    frontmatter_error: str | None = None
    tags: tuple[str, ...] = ()
    tag_occurrences: tuple[TagOccurrence, ...] = ()
    links: tuple[Link, ...] = ()
    external_links: tuple[ExternalLink, ...] = ()
    headings: tuple[Heading, ...] = ()
    blocks: tuple[Block, ...] = ()
    tasks: tuple[Task, ...] = ()
    text: str = ""

    @property
    def name(self) -> str:
        """The file name without its folder and without ``.md``."""
        base = self.path.rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".md") else base

    def line_text(self, line: int) -> str:
        """The plain text of a 1-based line (empty when out of range)."""
        lines = self.text.split("\n")
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reverses it (the frontmatter dict is shared, not copied)."""

        def records(items: tuple[Any, ...]) -> list[dict[str, Any]]:
            return [{name: getattr(item, name) for name in item.__slots__} for item in items]

        return {
            "path": self.path,
            "title": self.title,
            "aliases": list(self.aliases),
            "frontmatter": self.frontmatter,
            "frontmatter_error": self.frontmatter_error,
            "tags": list(self.tags),
            "tag_occurrences": records(self.tag_occurrences),
            "links": records(self.links),
            "external_links": records(self.external_links),
            "headings": records(self.headings),
            "blocks": records(self.blocks),
            "tasks": records(self.tasks),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        """Rebuild a note from :meth:`to_dict` output."""
        return cls(
            path=data["path"],
            title=data["title"],
            aliases=tuple(data.get("aliases", ())),
            frontmatter=dict(data.get("frontmatter", {})),
            frontmatter_error=data.get("frontmatter_error"),
            tags=tuple(data.get("tags", ())),
            tag_occurrences=tuple(TagOccurrence(**t) for t in data.get("tag_occurrences", ())),
            links=tuple(Link(**x) for x in data.get("links", ())),
            external_links=tuple(ExternalLink(**x) for x in data.get("external_links", ())),
            headings=tuple(Heading(**h) for h in data.get("headings", ())),
            blocks=tuple(Block(**b) for b in data.get("blocks", ())),
            tasks=tuple(Task(**t) for t in data.get("tasks", ())),
            text=data.get("text", ""),
        )


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be indexed, and why, in plain words."""

    path: str
    error: str


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one :meth:`Vault.index` run did: paths added, updated, removed, unchanged, and errors."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    errors: tuple[FileError, ...] = ()
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """True when anything was added, updated or removed."""
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A note named by its vault path and title (used by list-style answers)."""

    path: str
    title: str


@dataclass(frozen=True, slots=True)
class Backlink:
    """One linking occurrence pointing at a note: where it is and the line it sits on."""

    source: str
    line: int
    context: str
    link: Link


@dataclass(frozen=True, slots=True)
class OutLink:
    """A link written in a note, with the vault path it resolves to (None when unresolved).

    ``problem`` says what is wrong with a resolved link's subpath (``missing heading "X"``).
    """

    link: Link
    resolved: str | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class UnresolvedLink:
    """A link whose target file does not exist."""

    source: str
    target: str
    line: int
    link: Link


@dataclass(frozen=True, slots=True)
class LinkProblem:
    """A link that resolves to a file but names a heading or block that file does not have."""

    source: str
    line: int
    link: Link
    resolved: str
    problem: str


@dataclass(frozen=True, slots=True)
class Mention:
    """An unlinked mention: the note's title or an alias written as plain text in another note."""

    source: str
    line: int
    context: str
    matched: str


@dataclass(frozen=True, slots=True)
class Related:
    """A note related to another, with its score and the reasons (``why``) in plain words."""

    path: str
    title: str
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag (without ``#``) and the number of notes carrying it or one of its nested children."""

    tag: str
    count: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in the vault to fix (``vaultkit check``).

    ``kind`` is ``unreadable``, ``invalid-frontmatter``, ``broken-link``, ``missing-anchor`` or
    ``duplicate-name``; ``line`` is 1-based or None.
    """

    kind: str
    path: str
    line: int | None
    message: str
