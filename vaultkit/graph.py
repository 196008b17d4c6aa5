"""The vault as a NetworkX ``MultiDiGraph``, and the graph questions: related notes, neighbourhoods.

Nodes are notes (``kind="note"``, with ``title`` and ``tags``), attachments (``kind="attachment"``),
unresolved link targets (``kind="unresolved"``, keyed by the linkpath as written) and, when asked
for, tags (``kind="tag"``, keyed ``#tag``). There is one edge per link occurrence, with the link's
``kind``, ``subpath``, ``line`` and ``display``; tag edges have ``kind="tag"``.

The graph is derived from the store and can always be rebuilt from it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from .model import Link, Related


def build_graph(
    notes: Mapping[str, tuple[str, Sequence[str]]],
    attachments: Iterable[str],
    links: Iterable[tuple[str, Link, str | None]],
    *,
    include_tags: bool = False,
    include_attachments: bool = True,
    include_unresolved: bool = True,
) -> nx.MultiDiGraph:
    """Build the graph from ``notes`` (path -> (title, tags)), attachment paths and ``(source, link, resolved)``."""
    graph = nx.MultiDiGraph()
    for path, (title, tags) in notes.items():
        graph.add_node(path, kind="note", title=title, tags=list(tags))
    if include_attachments:
        for path in attachments:
            graph.add_node(path, kind="attachment", title=path.rsplit("/", 1)[-1], tags=[])
    for source, link, resolved in links:
        if source not in graph:
            continue
        if resolved is None:
            if not include_unresolved:
                continue
            target = link.target
            if target not in graph:
                graph.add_node(target, kind="unresolved", title=target, tags=[])
        elif resolved in graph:
            target = resolved
        else:
            continue  # an attachment left out on request
        graph.add_edge(source, target, kind=link.kind, subpath=link.subpath, line=link.line, display=link.display)
    if include_tags:
        for path, (_, tags) in notes.items():
            for tag in tags:
                node = "#" + tag
                if node not in graph:
                    graph.add_node(node, kind="tag", title=node, tags=[])
                graph.add_edge(path, node, kind="tag", subpath=None, line=None, display=tag)
    return graph


def neighbors(graph: nx.MultiDiGraph, path: str, depth: int = 1) -> nx.MultiDiGraph:
    """The local graph: every node within ``depth`` links of ``path`` (either direction), with its edges."""
    if path not in graph:
        return nx.MultiDiGraph()
    seen = {path}
    frontier = {path}
    for _ in range(max(depth, 0)):
        nxt: set[str] = set()
        for node in frontier:
            nxt.update(graph.successors(node))
            nxt.update(graph.predecessors(node))
        frontier = nxt - seen
        seen |= frontier
        if not frontier:
            break
    sub: nx.MultiDiGraph = graph.subgraph(seen).copy()
    return sub


def _note_neighbours(graph: nx.MultiDiGraph, node: str, out: bool) -> list[str]:
    nodes = graph.successors(node) if out else graph.predecessors(node)
    kinds = ("note", "attachment", "unresolved")
    return sorted({n for n in nodes if n != node and graph.nodes[n].get("kind") in kinds})


def related(graph: nx.MultiDiGraph, path: str, limit: int = 10) -> list[Related]:
    """Notes related to ``path``, best first: direct links, shared targets, shared sources, shared tags.

    Each shared neighbour counts more when it is rare (a hub everybody links to says little); each
    shared tag counts by its rarity in the vault (inverse document frequency).
    """
    if path not in graph or graph.nodes[path].get("kind") != "note":
        return []
    notes = [n for n, d in graph.nodes(data=True) if d.get("kind") == "note"]
    total = max(len(notes), 2)
    tag_df: Counter[str] = Counter()
    tags_of: dict[str, set[str]] = {}
    for n in notes:
        tags = {t.casefold() for t in graph.nodes[n].get("tags", [])}
        tags_of[n] = tags
        tag_df.update(tags)

    scores: dict[str, float] = defaultdict(float)
    why: dict[str, list[str]] = defaultdict(list)
    out_x = _note_neighbours(graph, path, True)
    in_x = _note_neighbours(graph, path, False)

    def title(node: str) -> str:
        return str(graph.nodes[node].get("title", node))

    for y in out_x:
        scores[y] += 1.0
        why[y].append("linked from this note")
    for y in in_x:
        scores[y] += 1.0
        why[y].append("links to this note")
    for z in out_x:
        weight = 0.5 / math.log2(1 + max(graph.in_degree(z), 1))
        for y in _note_neighbours(graph, z, False):
            if y != path:
                scores[y] += weight
                why[y].append(f"both link to {title(z)}")
    for z in in_x:
        weight = 0.5 / math.log2(1 + max(graph.out_degree(z), 1))
        for y in _note_neighbours(graph, z, True):
            if y != path:
                scores[y] += weight
                why[y].append(f"both linked from {title(z)}")
    my_tags = tags_of.get(path, set())
    if my_tags:
        for y in notes:
            if y == path:
                continue
            for tag in sorted(my_tags & tags_of[y]):
                scores[y] += 0.5 * math.log(total / tag_df[tag]) / math.log(total) + 0.05
                why[y].append(f"shared tag #{tag}")

    ranked = sorted(
        (y for y in scores if graph.nodes[y].get("kind") == "note"),
        key=lambda y: (-scores[y], y),
    )
    return [
        Related(y, title(y), round(scores[y], 4), tuple(dict.fromkeys(why[y]))[:6]) for y in ranked[: max(limit, 0)]
    ]
