"""Maps of content (MOC): a Markdown note with ``[[wikilinks]]`` to the notes of a tag, a note's
neighbourhood or a topic, grouped by sub-topic and tag, hubs first; and the same map as Mermaid,
DOT and a self-contained HTML page.

Selecting the notes (:func:`tag_map`, :func:`note_map`, :func:`topic_map`) gives a :class:`TopicMap`
(plain data); :func:`render_map` turns it into text. Links in the Markdown use the shortest
linkpath Obsidian resolves to the note from the vault root (:func:`shortest_linkpath`): the file
name when no other file has that name, else the full path.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from .errors import VaultkitError
from .export import _dot_id, _mermaid_label, to_html
from .resolve import LinkResolver
from .topics import Topic, describe_notes, detect_topics, find_topic, neighbourhood, select_notes

__all__ = [
    "MAP_FORMATS",
    "MapError",
    "TopicMap",
    "link_path_factory",
    "map_graph",
    "note_map",
    "render_map",
    "shortest_linkpath",
    "tag_map",
    "topic_map",
    "topic_map_dot",
    "topic_map_html",
    "topic_map_markdown",
    "topic_map_mermaid",
    "write_new_file",
]

MAP_FORMATS = ("markdown", "mermaid", "dot", "html")
"""The formats :func:`render_map` knows."""

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
"""Topic colours (the same order as the HTML page's palette)."""

GROUP_BY_TAG_OVER = 12
"""A section with more notes than this is split by tag (``### #tag``)."""

MOC_SOURCE = "MOC.md"
"""Where links are checked from: a note at the vault root."""


class MapError(VaultkitError):
    """A map could not be made (no such tag, an output file that exists, ...)."""


@dataclass(frozen=True, slots=True)
class TopicMap:
    """The notes of a map, in sections.

    ``kind`` is what the map is of (``"tag"``, ``"note"`` or ``"topic"``) and ``subject`` names it
    (the tag without ``#``, the note path, the topic id). ``sections`` are the sub-topics (hubs
    first in each); ``others`` are the map's notes in no section.
    """

    title: str
    kind: Literal["tag", "note", "topic"]
    subject: str
    sections: tuple[Topic, ...]
    others: tuple[str, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        """Every note of the map: section by section, then the others."""
        return tuple(p for t in self.sections for p in t.notes) + self.others

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "title": self.title,
            "kind": self.kind,
            "subject": self.subject,
            "sections": [t.as_dict() for t in self.sections],
            "others": list(self.others),
        }


# ---------------------------------------------------------------------------------------------------------
# Link paths
# ---------------------------------------------------------------------------------------------------------


def _strip_md(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


def link_path_factory(all_paths: Sequence[str], source: str = MOC_SOURCE) -> Callable[[str], str]:
    """A function giving, for a vault path, the linkpath to write in a note at ``source``.

    ``all_paths`` are the paths of every file of the vault (notes and attachments). The rule is
    Obsidian's "shortest path when possible": the file name (without ``.md``) when no other file
    has that name, else the full path (without ``.md``). Each answer is checked with
    :class:`~vaultkit.resolve.LinkResolver` (Obsidian's resolution): should it not lead back to the
    file, a longer form is used (with ``.md``, then ``/`` and the exact path). Both forms resolve the
    same from any folder. Of two files whose paths differ only in case, Obsidian reaches one
    whatever is written; the other gets its path, which leads to the first.
    """
    ordered = sorted(set(all_paths))
    resolver = LinkResolver(ordered)
    names = Counter(p.rsplit("/", 1)[-1].casefold() for p in ordered)

    def link_path(path: str) -> str:
        name = path.rsplit("/", 1)[-1]
        forms = [_strip_md(name)] if names[name.casefold()] == 1 else []
        forms += [_strip_md(path), path, "/" + path]
        for form in dict.fromkeys(forms):
            if resolver.resolve(form, source) == path:
                return form
        return path

    return link_path


def shortest_linkpath(path: str, all_paths: Sequence[str], source: str = MOC_SOURCE) -> str:
    """The shortest linkpath Obsidian resolves to ``path`` from ``source`` (see :func:`link_path_factory`)."""
    return link_path_factory(all_paths, source)(path)


_WIKILINK_UNSAFE = re.compile(r"[|#^\[\]]")


def _display(title: str) -> str:
    return re.sub(r"\s+", " ", title.replace("[", "(").replace("]", ")").replace("|", "/")).strip()


def _note_link(path: str, title: str, link_path: Callable[[str], str]) -> str:
    """``[[link|Title]]``; a markdown link for a name a wikilink cannot hold; plain text for a ``#`` in the path."""
    target = link_path(path)
    shown = _display(title)
    if not _WIKILINK_UNSAFE.search(target):
        return f"[[{target}]]" if shown == target else f"[[{target}|{shown}]]"
    if "#" not in target and "<" not in target and ">" not in target:
        # Obsidian decodes the URL with decodeURI: only '%' itself needs escaping inside <...>
        return f"[{shown}](<{target.replace('%', '%25')}>)"
    return f"{shown} (`{path}`)"  # no link syntax reaches a file with '#' in its name


# ---------------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------------


def _escape_tags(text: str) -> str:
    """Escape ``#`` so that ``#tag`` in a heading is shown, not added to the map's own tags."""
    return text.replace("#", "\\#")


def _dominant_tag(path: str, tags_of: Mapping[str, Sequence[str]], counts: Counter[str], size: int) -> str | None:
    best: tuple[int, str] | None = None
    for tag in tags_of.get(path, ()):
        key = tag.casefold()
        if counts[key] >= size:  # on every note of the section: says nothing here
            continue
        if counts[key] >= 2 and (best is None or (-counts[key], key) < (-best[0], best[1].casefold())):
            best = (counts[key], tag)
    return None if best is None else best[1]


def _section_lines(
    topic: Topic, titles: Mapping[str, str], tags_of: Mapping[str, Sequence[str]], link_path: Callable[[str], str]
) -> list[str]:
    def item(path: str, hub: bool = False) -> str:
        link = _note_link(path, titles.get(path, _strip_md(path.rsplit("/", 1)[-1])), link_path)
        return f"- **{link}**" if hub else f"- {link}"

    def by_title(path: str) -> tuple[str, str]:
        return (titles.get(path, path).casefold(), path)

    hubs = [p for p in topic.hubs if p in topic.notes]
    rest = sorted((p for p in topic.notes if p not in hubs), key=by_title)
    lines = [item(p, hub=True) for p in hubs]
    if len(topic.notes) <= GROUP_BY_TAG_OVER:
        return lines + [item(p) for p in rest]
    counts: Counter[str] = Counter()
    for p in topic.notes:
        counts.update({t.casefold() for t in tags_of.get(p, ())})
    groups: dict[str, list[str]] = {}
    spelled: dict[str, str] = {}
    loose: list[str] = []
    for p in rest:
        tag = _dominant_tag(p, tags_of, counts, len(topic.notes))
        if tag is None:
            loose.append(p)
        else:
            groups.setdefault(tag.casefold(), []).append(p)
            spelled.setdefault(tag.casefold(), tag)
    if not groups:
        return lines + [item(p) for p in rest]
    for key in sorted(groups, key=lambda k: (-len(groups[k]), k)):
        lines += ["", f"### \\#{spelled[key]}", *[item(p) for p in groups[key]]]
    if loose:
        lines += ["", "### Other notes", *[item(p) for p in loose]]
    return lines


def topic_map_markdown(
    topics: Sequence[Topic],
    titles: Mapping[str, str],
    tags_of: Mapping[str, Sequence[str]],
    *,
    title: str,
    link_path: Callable[[str], str],
    others: Sequence[str] = (),
    intro: str | None = None,
) -> str:
    """A map of content: a Markdown note to drop into the vault.

    Frontmatter (``tags: [moc]``, ``generated-by: vaultkit``), ``# title``, then one ``## label``
    section per topic with its hubs (in bold) first and the other notes by title, split into
    ``### #tag`` groups when the section is large; then ``## Other notes``. ``#`` in headings is
    escaped, so the map carries no tag but ``moc``. ``link_path(path)`` gives the linkpath to write
    (see :func:`link_path_factory`).
    """
    lines = ["---", "tags: [moc]", "generated-by: vaultkit", "---", f"# {_escape_tags(title)}", ""]
    if intro:
        lines += [intro, ""]
    for topic in topics:
        lines += [f"## {_escape_tags(topic.label)}", ""]
        lines += _section_lines(topic, titles, tags_of, link_path)
        lines.append("")
    if others:
        heading = "Other notes" if topics else "Notes"
        ordered = sorted(others, key=lambda p: (titles.get(p, p).casefold(), p))
        lines += [f"## {heading}", ""]
        lines += [f"- {_note_link(p, titles.get(p, p), link_path)}" for p in ordered]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------------------
# Diagrams
# ---------------------------------------------------------------------------------------------------------


def map_graph(m: TopicMap, graph: nx.MultiDiGraph, titles: Mapping[str, str] | None = None) -> nx.MultiDiGraph:
    """The map's notes and the links between them (a copy of part of the vault graph, notes only),
    in map order; each node's ``title`` is the name the map shows (see :func:`render_map`)."""
    keep = [p for p in m.notes if p in graph]
    sub = nx.MultiDiGraph()
    for p in keep:
        sub.add_node(p, **{**graph.nodes[p], "title": (titles or {}).get(p) or _name(p)})
    chosen = set(keep)
    for u, v, key, data in graph.edges(keep, keys=True, data=True):
        if v in chosen:
            sub.add_edge(u, v, key=key, **data)
    return sub


def _groups(m: TopicMap) -> dict[str, int]:
    return {p: i for i, t in enumerate(m.sections) for p in t.notes}


def _title(graph: nx.MultiDiGraph, path: str) -> str:
    return str(graph.nodes[path].get("title", path)) if path in graph else path


def _name(path: str) -> str:
    """The file name without ``.md``: what Obsidian shows for a link."""
    return _strip_md(path.rsplit("/", 1)[-1])


def _link_pairs(sub: nx.MultiDiGraph) -> list[tuple[str, str]]:
    return sorted({(str(u), str(v)) for u, v in sub.edges() if u != v})


def topic_map_mermaid(m: TopicMap, graph: nx.MultiDiGraph, titles: Mapping[str, str] | None = None) -> str:
    """A Mermaid flowchart: one subgraph per section (coloured by topic), links as arrows."""
    sub = map_graph(m, graph, titles)
    ids = {p: f"n{i}" for i, p in enumerate(p for p in m.notes if p in sub)}

    def label(text: str) -> str:
        return _mermaid_label(text.replace("#", "#35;"))

    lines = ["flowchart LR"]
    for i, topic in enumerate(m.sections):
        lines.append(f'  subgraph s{i}["{label(topic.label)}"]')
        lines += [f'    {ids[p]}["{label(_title(sub, p))}"]' for p in topic.notes if p in ids]
        lines.append("  end")
    lines += [f'  {ids[p]}["{label(_title(sub, p))}"]' for p in m.others if p in ids]
    lines += [f"  {ids[u]} --> {ids[v]}" for u, v in _link_pairs(sub)]
    for i, topic in enumerate(m.sections):
        members = [ids[p] for p in topic.notes if p in ids]
        if members:
            colour = PALETTE[i % len(PALETTE)]
            lines.append(f"  classDef t{i} fill:{colour},stroke:#333,color:#fff;")
            lines.append(f"  class {','.join(members)} t{i};")
    hubs = [ids[h] for t in m.sections for h in t.hubs if h in ids]
    if hubs:
        lines.append(f"  style {hubs[0]} stroke-width:3px;")
    return "\n".join(lines) + "\n"


def topic_map_dot(m: TopicMap, graph: nx.MultiDiGraph, titles: Mapping[str, str] | None = None) -> str:
    """Graphviz DOT: one cluster per section (coloured by topic), hubs in bold, links as edges."""
    sub = map_graph(m, graph, titles)
    lines = [
        f"digraph {_dot_id(m.title)} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif"];',
    ]
    for i, topic in enumerate(m.sections):
        colour = PALETTE[i % len(PALETTE)]
        lines.append(f"  subgraph {_dot_id(f'cluster_{i}')} {{")
        lines.append(f'    label={_dot_id(topic.label)}; color="{colour}"; fontname="sans-serif";')
        for p in topic.notes:
            if p in sub:
                bold = ', penwidth=2.5, fontname="sans-serif bold"' if p in topic.hubs else ""
                lines.append(f'    {_dot_id(p)} [label={_dot_id(_title(sub, p))}, fillcolor="{colour}33"{bold}];')
        lines.append("  }")
    lines += [f"  {_dot_id(p)} [label={_dot_id(_title(sub, p))}];" for p in m.others if p in sub]
    lines += [f"  {_dot_id(u)} -> {_dot_id(v)};" for u, v in _link_pairs(sub)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def topic_map_html(m: TopicMap, graph: nx.MultiDiGraph, titles: Mapping[str, str] | None = None) -> str:
    """One self-contained, offline HTML page of the map (nodes coloured by topic)."""
    return to_html(map_graph(m, graph, titles), title=m.title, groups=_groups(m))


def render_map(
    m: TopicMap,
    fmt: str,
    graph: nx.MultiDiGraph,
    all_paths: Sequence[str],
    *,
    source: str = MOC_SOURCE,
    titles: Mapping[str, str] | None = None,
) -> str:
    """The map as ``markdown`` (a MOC note; links checked from ``source``), ``mermaid``, ``dot`` or ``html``.

    ``all_paths`` are every file of the vault (``vault.store.file_paths()``): link paths must be
    unique among them. Notes are shown by file name, as Obsidian shows a link, unless ``titles``
    gives another name for a note (e.g. its ``title`` property); a heading-derived title is often
    a section name ("Overview"), so it is not used by default.
    """
    if fmt == "markdown":
        shown = {p: (titles or {}).get(p) or _name(p) for p in m.notes}
        tags_of = {p: [str(t) for t in graph.nodes[p].get("tags", ())] for p in m.notes if p in graph}
        link_path = link_path_factory(all_paths, source)
        return topic_map_markdown(
            m.sections,
            shown,
            tags_of,
            title=m.title,
            link_path=link_path,
            others=m.others,
            intro=_intro(m, len(m.notes), lambda p: _note_link(p, shown.get(p, _name(p)), link_path)),
        )
    if fmt == "mermaid":
        return topic_map_mermaid(m, graph, titles)
    if fmt == "dot":
        return topic_map_dot(m, graph, titles)
    if fmt == "html":
        return topic_map_html(m, graph, titles)
    raise MapError(f"unknown map format {fmt!r}; use one of {', '.join(MAP_FORMATS)}")


def _intro(m: TopicMap, count: int, link: Callable[[str], str]) -> str:
    notes = f"{count} note{'s' if count != 1 else ''}"
    parts = f" in {len(m.sections)} group{'s' if len(m.sections) != 1 else ''}" if m.sections else ""
    if m.kind == "tag":
        return f"Notes tagged \\#{m.subject}: {notes}{parts}."
    if m.kind == "note":
        return f"Notes around {link(m.subject)}: {notes}{parts}."
    return f"Notes of topic {m.subject}: {notes}{parts}."


def write_new_file(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` (UTF-8, parent folders created); an existing file is left alone
    unless ``force`` (raises :class:`MapError`)."""
    target = Path(path)
    if target.exists() and not force:
        raise MapError(f"{os.fspath(path)} exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = "w" if force else "x"
    try:
        with open(target, mode, encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:  # created between the check and the write
        raise MapError(f"{os.fspath(path)} exists; use --force to overwrite it") from None
    return target


# ---------------------------------------------------------------------------------------------------------
# Selecting the notes of a map
# ---------------------------------------------------------------------------------------------------------


def _sections(
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    notes: Collection[str],
    *,
    min_size: int,
    resolution: float,
    seed: int,
    tag: str | None = None,
) -> tuple[tuple[Topic, ...], tuple[str, ...]]:
    """Sub-topics of ``notes`` and the notes left over; a small or indivisible set is one section."""
    notes = select_notes(graph, only=notes)
    if not notes:
        return (), ()
    found: list[Topic] = []
    if len(notes) >= 2 * min_size:
        found = detect_topics(
            graph, texts, searcher, min_size=min_size, resolution=resolution, seed=seed, only=notes, tag=tag
        )
    if len(found) <= 1:
        whole = describe_notes(graph, texts, searcher, notes, tag=tag)
        return ((whole,) if whole is not None else ()), ()
    covered = {p for t in found for p in t.notes}
    return tuple(found), tuple(p for p in notes if p not in covered)


def _tag_title(tag: str, graph: nx.MultiDiGraph, notes: Sequence[str]) -> str:
    wanted = tag.strip().lstrip("#").casefold()
    spellings: Counter[str] = Counter()
    for p in notes:
        for t in graph.nodes[p].get("tags", ()):
            parts = str(t).split("/")
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                if prefix.casefold() == wanted:
                    spellings[prefix] += 1
    return spellings.most_common(1)[0][0] if spellings else tag.strip().lstrip("#")


def tag_map(
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    tag: str,
    *,
    min_size: int = 2,
    resolution: float = 1.0,
    seed: int = 42,
) -> TopicMap:
    """The map of the notes tagged ``tag`` or a child tag (``tag/...``), in sub-topics."""
    notes = select_notes(graph, tag=tag)
    if not notes:
        raise MapError(f"no note has the tag #{tag.strip().lstrip('#')}")
    spelled = _tag_title(tag, graph, notes)
    sections, others = _sections(
        graph, texts, searcher, notes, min_size=min_size, resolution=resolution, seed=seed, tag=tag
    )
    return TopicMap(f"Map of #{spelled}", "tag", spelled, sections, others)


def note_map(
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    path: str,
    *,
    depth: int = 2,
    width: int = 8,
    min_size: int = 2,
    resolution: float = 1.0,
    seed: int = 42,
) -> TopicMap:
    """The map of the notes around note ``path`` (see :func:`~vaultkit.topics.neighbourhood`), in sub-topics."""
    notes = neighbourhood(graph, texts, searcher, path, depth=depth, width=width)
    if not notes:
        raise MapError(f"{path} is not a note of the vault")
    sections, others = _sections(graph, texts, searcher, notes, min_size=min_size, resolution=resolution, seed=seed)
    return TopicMap(f"Map of {_name(path)}", "note", path, sections, others)


def topic_map(
    topics: Sequence[Topic],
    ref: str,
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    *,
    min_size: int = 2,
    resolution: float = 1.0,
    seed: int = 42,
) -> TopicMap:
    """The map of one topic of ``topics`` (``ref`` as for :func:`~vaultkit.topics.find_topic`), in sub-topics
    when it is large, else as one section (its own label and hubs)."""
    topic = find_topic(topics, ref, lambda p: _title(graph, p))
    sections: tuple[Topic, ...] = (topic,)
    others: tuple[str, ...] = ()
    if topic.size > GROUP_BY_TAG_OVER:
        found, rest = _sections(
            graph, texts, searcher, topic.notes, min_size=max(min_size, 2), resolution=resolution, seed=seed
        )
        if len(found) > 1:
            sections, others = found, rest
    return TopicMap(f"Topic: {topic.label}", "topic", topic.id, sections, others)
