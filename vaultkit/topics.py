"""Topics: communities of notes found over links, shared tags and textual similarity.

:func:`detect_topics` builds an undirected weighted graph over the notes and runs NetworkX's Louvain
community detection on it with a fixed seed, so the same vault always gives the same topics. The
edges combine three signals:

* **links**, in both directions (a note linking to a hundred others says less about each of them,
  so its links weigh less);
* **shared tags** (``a/b`` also counts as ``a``), weighted by how rare the tag is: a tag on half of
  the notes or more adds nothing;
* **textual similarity** from the Whoosh index: each note's key terms (Whoosh's ``Bo1`` expansion
  model over the index statistics, what ``key_terms_from_text`` and ``more_like`` use) are matched
  against the other notes with BM25, as ``more_like_this`` does, and a note is joined to its few
  best matches. The score is normalised by the note's score against itself and taken in both
  directions (geometric mean), so a long compilation that merely *contains* a note does not count
  as similar to it.

Each :class:`Topic` has a stable id (from its top hub's path, not from the order communities came
out in), a label, hub notes (weighted PageRank inside the topic, where links keep their direction
and outweigh text), its notes and its neighbouring topics (the summed weight of the edges between).

The label is the topic's dominant tags and three key terms. A term scores by the share of the
topic's notes using it against its document share in the whole index (``c * log(c / p)``), with a
bonus for terms in the notes' names and titles; English function words, URL debris and LaTeX
commands never qualify, and a word a bigger topic's label already has is used only as a last
resort. Terms are shown in their usual spelling; Korean index bigrams become the word they come
from (``산모`` in ``확산모델은`` is shown as ``확산모델``).

The text statistics are read from the search index and the note texts are analysed with the
index's own ``content`` analyzer, so the terms are exactly the index terms; nothing is stored.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .errors import VaultkitError

__all__ = [
    "Topic",
    "TopicNotFoundError",
    "describe_notes",
    "detect_topics",
    "find_topic",
    "neighbourhood",
    "select_notes",
    "topic_of",
]

CONTENT_FIELD = "content"
"""The Whoosh field whose terms measure textual similarity and make the labels."""

_KEY_TERMS = 12
"""Key terms per note for the similarity search (as ``key_terms_from_text(..., numterms=12)``)."""

_TEXT_HUB_FACTOR = 0.25
"""Text similarity counts this much for hubs (PageRank), so that where there are links, links decide."""

_TITLE_BONUS = 6.0
"""A label term found in every title of a topic scores (1 + this) times as much as one in none."""

_MIN_SIMILARITY = 0.04
"""Text edges weaker than this (symmetric, normalised score) are dropped."""

_MAX_TAG_NOTES = 150
"""Tags on more notes than this add no pairwise edges (their weight would be negligible anyway)."""

_LINK_FULL_WEIGHT_OUTDEGREE = 16
"""A note with more outgoing links than this gives each of them less weight (``sqrt(16 / n)``)."""

# Whoosh's BM25F defaults (whoosh.scoring.BM25F).
_BM25_B = 0.75
_BM25_K1 = 1.2


# English function words, web debris, LaTeX commands and the commonest Korean endings and particles
# (as index bigrams): neither labels nor evidence of similarity.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing done down during each either else etc even ever every few
    for from further get gets got had has have having he her here hers him his how however i if in into is it
    its itself just less like made make many may me might more most much must my neither no nor not now of off
    often on once one only or other others our ours out over own per quite rather really same see seen she
    should since so some such than that the their theirs them then there these they this those though through
    thus to too under until up upon us use used uses using very via was we well were what when where whether
    which while who whom whose why will with within without would yet you your yours yourself none say says said
    http https www com org net html htm php amp nbsp img png jpg pdf
    frac dfrac tfrac mathrm mathbf mathit mathcal mathbb operatorname displaystyle cdot ldots cdots left right
    begin end align aligned quad qquad text textbf sqrt
    있다 있는 있고 없다 없는 하는 하고 한다 했다 해서 된다 되는 이다 니다 습니 합니 입니 것이 것은 것을 에서 으로
    에게 때문 위해 통해 같은 대한
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class TopicNotFoundError(VaultkitError):
    """A topic reference matched no topic (or several)."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A community of notes.

    ``id`` is stable (``t-`` and a hash of the top hub's path); ``label`` is for people
    (``"#tag · term, term, term"``); ``terms`` and ``tags`` are what the label was made of; ``hubs``
    are the most central notes (PageRank inside the topic), best first; ``notes`` are all the notes,
    hubs first, then by path; ``neighbors`` are ``(topic id, connection weight)``, strongest first.
    """

    id: str
    label: str
    terms: tuple[str, ...]
    tags: tuple[str, ...]
    hubs: tuple[str, ...]
    notes: tuple[str, ...]
    neighbors: tuple[tuple[str, float], ...]

    @property
    def size(self) -> int:
        """The number of notes."""
        return len(self.notes)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "label": self.label,
            "size": self.size,
            "terms": list(self.terms),
            "tags": list(self.tags),
            "hubs": list(self.hubs),
            "notes": list(self.notes),
            "neighbors": [{"id": i, "weight": w} for i, w in self.neighbors],
        }


# ---------------------------------------------------------------------------------------------------------
# Selecting notes
# ---------------------------------------------------------------------------------------------------------


def _norm_tag(tag: str) -> str:
    return unicodedata.normalize("NFC", tag.strip().lstrip("#")).casefold()


def _tag_prefixes(tag: str) -> list[str]:
    parts = _norm_tag(tag).split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1) if parts[i - 1]]


def _note_tags(graph: nx.MultiDiGraph, path: str) -> list[str]:
    return [str(t) for t in graph.nodes[path].get("tags", ())]


def select_notes(
    graph: nx.MultiDiGraph,
    *,
    folder: str | None = None,
    tag: str | None = None,
    only: Collection[str] | None = None,
) -> list[str]:
    """The note paths of ``graph`` inside ``folder`` (recursively), carrying ``tag`` (or a child tag
    ``tag/...``, case-insensitively) and in ``only``; sorted. ``None`` means no restriction."""
    notes = sorted(str(n) for n, d in graph.nodes(data=True) if d.get("kind") == "note")
    if folder is not None:
        prefix = unicodedata.normalize("NFC", folder.strip().replace("\\", "/")).strip("/")
        if prefix:
            low = prefix.casefold() + "/"
            notes = [p for p in notes if p.casefold().startswith(low)]
    if tag is not None:
        wanted = _norm_tag(tag)
        notes = [p for p in notes if any(wanted in _tag_prefixes(t) for t in _note_tags(graph, p))]
    if only is not None:
        keep = set(only)
        notes = [p for p in notes if p in keep]
    return notes


# ---------------------------------------------------------------------------------------------------------
# Text statistics from the search index
# ---------------------------------------------------------------------------------------------------------


class _TextStats:
    """Term frequencies of the selected notes (the index's own analysis) and index-wide statistics."""

    def __init__(self, searcher: Any, paths: Sequence[str], texts: Mapping[str, str]) -> None:
        from whoosh.classify import Bo1Model

        reader = searcher.reader()
        field = searcher.schema[CONTENT_FIELD]
        self.doc_count = max(int(reader.doc_count_all()), 1)
        field_length = float(reader.field_length(CONTENT_FIELD))
        self.avg_length = max(field_length / self.doc_count, 1.0)
        self.model = Bo1Model(self.doc_count, field_length)
        self.paths = list(paths)
        self._field = field
        # term -> weight per note, and each note's length in tokens (what BM25 normalises by)
        self.vectors: list[dict[str, float]] = []
        self.lengths: list[float] = []
        from_bytes = field.from_bytes
        for path in self.paths:
            vector: dict[str, float] = {}
            total = 0.0
            text = texts.get(path, "")
            if text:
                for btext, _freq, weight, _value in field.index(text):
                    term = from_bytes(btext)
                    vector[term] = vector.get(term, 0.0) + float(weight)
                    total += float(weight)
            self.vectors.append(vector)
            self.lengths.append(total)
        local_df: Counter[str] = Counter()
        for vector in self.vectors:
            local_df.update(vector.keys())
        self.local_df = local_df
        # index-wide document frequency and collection frequency, looked up as terms are needed
        self._reader = reader
        self._info: dict[str, tuple[int, float]] = {}
        self._idf: dict[str, float] = {}
        self._norms = [_BM25_K1 * ((1 - _BM25_B) + _BM25_B * n / self.avg_length) for n in self.lengths]
        max_df = max(self.doc_count / 2, 2)
        self.usable = {
            t
            for t, n in local_df.items()
            if n >= 2 and len(t) >= 2 and not t.isdigit() and t not in _STOPWORDS and self.df(t) <= max_df
        }

    def _lookup(self, term: str) -> tuple[int, float]:
        found = self._info.get(term)
        if found is None:
            from whoosh.reading import TermNotFound

            try:
                info = self._reader.term_info(CONTENT_FIELD, term)
                found = (int(info.doc_frequency()), float(info.weight()))
            except TermNotFound:  # not in the index (it lags behind the texts): count the selection
                found = (self.local_df[term], float(self.local_df[term]))
            self._info[term] = found
        return found

    def df(self, term: str) -> int:
        """The number of indexed notes with ``term``."""
        return self._lookup(term)[0]

    def cf(self, term: str) -> float:
        """The number of times ``term`` occurs in the index."""
        return self._lookup(term)[1]

    def analyse(self, text: str) -> list[str]:
        """The index terms of ``text`` (the ``content`` field's analyzer)."""
        from_bytes = self._field.from_bytes
        return [from_bytes(btext) for btext, _f, _w, _v in self._field.index(text)]

    def idf(self, term: str) -> float:
        """Whoosh's idf: ``log(N / (df + 1)) + 1``."""
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = math.log(self.doc_count / (self.df(term) + 1)) + 1.0
        return value

    def bo1(self, weight: float, term: str, total: float) -> float:
        """Whoosh's Bo1 key-term score of ``term`` with ``weight`` in a text of ``total`` tokens."""
        return float(self.model.score(weight, max(self.cf(term), 1e-9), total))

    def key_terms(self, i: int, number: int = _KEY_TERMS) -> list[tuple[str, float]]:
        """The note's key terms that other notes can share, normalised so the best weighs 1."""
        vector, total = self.vectors[i], self.lengths[i]
        scored = [(self.bo1(w, t, total), t) for t, w in vector.items() if t in self.usable]
        scored.sort(key=lambda x: (-x[0], x[1]))
        top = scored[:number]
        if not top or top[0][0] <= 0:
            return []
        best = top[0][0]
        return [(t, s / best) for s, t in top]

    def bm25(self, term: str, i: int) -> float:
        """Whoosh's BM25F score of one term in note ``i`` (one field, default B and K1)."""
        tf = self.vectors[i].get(term, 0.0)
        if not tf:
            return 0.0
        return self.idf(term) * tf * (_BM25_K1 + 1) / (tf + self._norms[i])


class _Similarity:
    """``more_like_this`` over the selected notes: key terms matched with BM25, made symmetric."""

    def __init__(self, stats: _TextStats) -> None:
        self.stats = stats
        self._keys: dict[int, list[tuple[str, float]]] = {}
        self._self: dict[int, float] = {}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, vector in enumerate(stats.vectors):
            for term in vector:
                if term in stats.usable:
                    self.postings[term].append(i)

    def keys(self, i: int) -> list[tuple[str, float]]:
        if i not in self._keys:
            self._keys[i] = self.stats.key_terms(i)
        return self._keys[i]

    def score(self, query: int, i: int) -> float:
        """The BM25 score of note ``i`` for the key terms of note ``query`` (boosted by their weight)."""
        return sum(boost * self.stats.bm25(term, i) for term, boost in self.keys(query))

    def self_score(self, i: int) -> float:
        if i not in self._self:
            self._self[i] = self.score(i, i)
        return self._self[i]

    def weight(self, a: int, b: int, forward_score: float | None = None) -> float:
        """Symmetric similarity in [0, 1]: the geometric mean of each note's normalised score for the other."""
        sa, sb = self.self_score(a), self.self_score(b)
        if sa <= 0 or sb <= 0:
            return 0.0
        forward = min((self.score(a, b) if forward_score is None else forward_score) / sa, 1.0)
        backward = min(self.score(b, a) / sb, 1.0)
        return math.sqrt(forward * backward)

    def similar(self, a: int, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` best matches of note ``a`` (by its own query), with their symmetric weight."""
        if not self.keys(a) or self.self_score(a) <= 0:
            return []
        acc: dict[int, float] = defaultdict(float)
        for term, boost in self.keys(a):
            for b in self.postings.get(term, ()):
                if b != a:
                    acc[b] += boost * self.stats.bm25(term, b)
        best = sorted(acc.items(), key=lambda x: (-x[1], x[0]))[:limit]
        out = [(b, self.weight(a, b, s)) for b, s in best]
        return [(b, w) for b, w in out if w >= _MIN_SIMILARITY]

    def edges(self, limit: int) -> dict[tuple[int, int], float]:
        """Every note joined to its best matches: ``(i, j) -> weight`` with ``i < j``."""
        edges: dict[tuple[int, int], float] = {}
        for a in range(len(self.stats.paths)):
            for b, w in self.similar(a, limit):
                edges[(a, b) if a < b else (b, a)] = w
        return edges


# ---------------------------------------------------------------------------------------------------------
# The weighted note graph
# ---------------------------------------------------------------------------------------------------------


def _tag_idf(count: int, total: int) -> float:
    """Rare tags weigh more: 1 for a tag on one note, falling to 0 for a tag on half the notes or more."""
    if total < 2 or count * 2 > total:
        return 0.0
    return math.log(total / count) / math.log(total)


@dataclass(slots=True)
class _NoteGraph:
    paths: list[str]
    undirected: nx.Graph
    directed: dict[str, dict[str, float]]  # u -> v -> weight, for PageRank (links keep their direction)
    stats: _TextStats | None


def _build_note_graph(
    graph: nx.MultiDiGraph,
    paths: list[str],
    texts: Mapping[str, str],
    searcher: Any | None,
    *,
    text_weight: float,
    tag_weight: float,
    max_similar: int,
) -> _NoteGraph:
    chosen = set(paths)
    weights: dict[tuple[str, str], float] = defaultdict(float)
    directed: dict[str, dict[str, float]] = {p: {} for p in paths}

    def add(u: str, v: str, w: float, *, arrow: bool = False, hub_factor: float = 1.0) -> None:
        if w <= 0 or u == v:
            return
        weights[(u, v) if u < v else (v, u)] += w
        directed[u][v] = directed[u].get(v, 0.0) + w * hub_factor
        if not arrow:
            directed[v][u] = directed[v].get(u, 0.0) + w * hub_factor

    # links: one per ordered pair, whatever the number of occurrences
    for u in paths:
        targets = sorted({str(v) for v in graph.successors(u) if v in chosen and v != u})
        if not targets:
            continue
        w = min(1.0, math.sqrt(_LINK_FULL_WEIGHT_OUTDEGREE / len(targets)))
        for v in targets:
            add(u, v, w, arrow=True)

    # shared tags (with their parents), weighted by rarity and spread over the tag's notes
    if tag_weight > 0:
        by_tag: dict[str, list[str]] = defaultdict(list)
        for p in paths:
            for t in sorted({prefix for tag in _note_tags(graph, p) for prefix in _tag_prefixes(tag)}):
                by_tag[t].append(p)
        for t in sorted(by_tag):
            members = by_tag[t]
            k = len(members)
            idf = _tag_idf(k, len(paths))
            if k < 2 or k > _MAX_TAG_NOTES or idf <= 0:
                continue
            w = tag_weight * idf / math.sqrt(k - 1)
            for i, u in enumerate(members):
                for v in members[i + 1 :]:
                    add(u, v, w)

    stats: _TextStats | None = None
    if searcher is not None:
        stats = _TextStats(searcher, paths, texts)
        if text_weight > 0 and max_similar > 0:
            for (i, j), w in sorted(_Similarity(stats).edges(max_similar).items()):
                add(paths[i], paths[j], text_weight * w, hub_factor=_TEXT_HUB_FACTOR)

    undirected = nx.Graph()
    undirected.add_nodes_from(paths)
    for (u, v), w in sorted(weights.items()):
        undirected.add_edge(u, v, weight=w)
    return _NoteGraph(paths, undirected, directed, stats)


# ---------------------------------------------------------------------------------------------------------
# Hubs, ids, labels
# ---------------------------------------------------------------------------------------------------------


def _pagerank(
    nodes: Sequence[str], edges: Mapping[str, Mapping[str, float]], damping: float = 0.85
) -> dict[str, float]:
    """Weighted PageRank by power iteration (deterministic: fixed order, fixed iteration count cap)."""
    n = len(nodes)
    if n == 0:
        return {}
    members = set(nodes)
    out = {u: {v: w for v, w in sorted(edges.get(u, {}).items()) if v in members} for u in nodes}
    out_sum = {u: sum(out[u].values()) for u in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(200):
        dangling = sum(rank[u] for u in nodes if out_sum[u] <= 0)
        base = (1.0 - damping) / n + damping * dangling / n
        new = dict.fromkeys(nodes, base)
        for u in nodes:
            if out_sum[u] > 0:
                share = damping * rank[u] / out_sum[u]
                for v, w in out[u].items():
                    new[v] += share * w
        err = sum(abs(new[u] - rank[u]) for u in nodes)
        rank = new
        if err < 1e-12 * n:
            break
    return rank


def _topic_id(hub: str, taken: set[str]) -> str:
    digest = hashlib.sha1(hub.encode("utf-8")).hexdigest()
    for size in range(6, len(digest) + 1):
        candidate = "t-" + digest[:size]
        if candidate not in taken:
            return candidate
    return "t-" + digest  # pragma: no cover - identical hub paths cannot happen


_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Korean particles that are safe to cut off the end of a word (few nouns end in them).
_PARTICLES = (
    "에서는",
    "에서도",
    "으로는",
    "에게는",
    "에서",
    "으로",
    "에게",
    "에는",
    "과의",
    "와의",
    "은",
    "는",
    "을",
    "를",
)


def _korean_word(bigram: str, text: str) -> str:
    """The whole word a Korean index bigram belongs to in ``text``: ``산모`` in ``확산모델은`` gives ``확산모델``.

    Among the words (runs of Hangul) that contain the bigram, take the longest beginning, up to and
    including the bigram, that most of them share, then cut a trailing particle.
    """
    runs = Counter(m.group(0) for m in _HANGUL_RUN.finditer(text) if bigram in m.group(0))
    if not runs:
        return bigram
    total = sum(runs.values())
    support: Counter[str] = Counter()
    for run, count in runs.items():
        seen: set[str] = set()
        start = run.find(bigram)
        while start >= 0:
            for end in range(start + len(bigram), len(run) + 1):
                seen.add(run[:end])
            start = run.find(bigram, start + 1)
        for prefix in seen:
            support[prefix] += count
    common = [p for p, c in support.items() if c >= 0.6 * total]
    if common:
        word = max(common, key=lambda p: (len(p), support[p], p))
    else:
        word = max(support, key=lambda p: (support[p], len(p), p))
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            word = word[: -len(particle)]
            break
    return word


def _surface(term: str, text: str) -> str:
    """The most common spelling of an index term in ``text`` (``Python`` for ``python``), else the term."""
    if _HANGUL.search(term):
        return _korean_word(term, text)
    if not term.isascii():
        return term
    pattern = re.compile(r"(?<![^\W_])" + re.escape(term) + r"(?![^\W_])", re.IGNORECASE)
    spellings = Counter(m.group(0) for m in pattern.finditer(text))
    if not spellings:
        return term
    # the lowercase spelling wins ties; a capitalised sentence start should not make "The" a name
    best, count = max(spellings.items(), key=lambda x: (x[1], x[0] == term, x[0]))
    lower = spellings.get(term, 0)
    return term if lower >= count * 0.5 else best


def _overlaps(word: str, chosen: Iterable[str]) -> bool:
    w = word.casefold()
    for other in chosen:
        o = other.casefold()
        if w == o or w in o or o in w:
            return True
        shorter = min(len(w), len(o))
        common = next((k for k, (x, y) in enumerate(zip(w, o, strict=False)) if x != y), shorter)
        if shorter >= 4 and common >= max(4, shorter - 2):
            return True  # automata / automaton, curve / curvature
    return False


def _label_terms(
    stats: _TextStats,
    members: Sequence[int],
    texts: Mapping[str, str],
    titles: Sequence[str],
    avoid: Iterable[str],
    used: Collection[str] = (),
    number: int = 3,
) -> tuple[str, ...]:
    """The topic's key terms, shown in their usual spelling (whole words for Korean).

    Words in ``avoid`` are never chosen; words in ``used`` (casefolded: the labels of bigger topics)
    only when there are not enough others, so that labels tell topics apart.

    A term scores by how many of the topic's notes use it against how many notes of the whole index
    do (``c * log(c / p)`` with ``c`` the share of the topic's notes and ``p`` the index-wide document
    share, both from the index), plus a bonus when it is in the notes' titles. Whoosh's ``Bo1`` key
    terms, which suit one note, drift to function words over a few hundred notes; this does not.
    """
    docs: Counter[str] = Counter()
    for i in members:
        docs.update(stats.vectors[i].keys())
    size = len(members)
    title_docs: Counter[str] = Counter()
    for title in titles:
        title_docs.update(set(stats.analyse(title)))
    min_docs = 2 if size >= 2 else 1
    scored = []
    for term, n in docs.items():
        if n < min_docs or len(term) < 2 or term.isdigit() or term in _STOPWORDS:
            continue
        share = n / size
        prior = min(max(stats.df(term), n) / stats.doc_count, 1.0)
        if share <= prior:
            continue
        score = share * math.log(share / prior) * (1.0 + _TITLE_BONUS * title_docs[term] / size)
        scored.append((score, term))
    scored.sort(key=lambda x: (-x[0], x[1]))
    text = "\n".join([*titles, *(texts.get(stats.paths[i], "") for i in members)])
    chosen: list[str] = []
    avoid_set = [a.casefold() for a in avoid]
    spare: list[str] = []  # words other topics' labels already use: only when nothing else is left
    for _, term in scored[:60]:
        word = _surface(term, text)
        if len(word) < 2 or (len(word) == 2 and word.isascii() and not word.isupper()):
            continue  # "ft", "cm": two Latin letters only for acronyms such as "AI"
        if _overlaps(word, chosen) or word.casefold() in avoid_set or word.casefold() in _STOPWORDS:
            continue
        if word.casefold() in used:
            spare.append(word)
            continue
        chosen.append(word)
        if len(chosen) >= number:
            break
    for word in spare:
        if len(chosen) >= number:
            break
        if not _overlaps(word, chosen):
            chosen.append(word)
    return tuple(chosen)


def _name(path: str) -> str:
    """The file name without ``.md``."""
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def _title_text(graph: nx.MultiDiGraph, path: str) -> str:
    """The note's file name, and its title when that differs (both name the note for people)."""
    name = _name(path)
    title = str(graph.nodes[path].get("title", name))
    return name if title == name else f"{name} {title}"


def _tag_counts(graph: nx.MultiDiGraph) -> tuple[Counter[str], int]:
    """How many notes of the whole vault carry each tag (casefolded), and the number of notes."""
    overall: Counter[str] = Counter()
    total = 0
    for node, data in graph.nodes(data=True):
        if data.get("kind") == "note":
            total += 1
            overall.update({t.casefold() for t in _note_tags(graph, str(node))})
    return overall, total


def _label_tags(graph: nx.MultiDiGraph, members: Sequence[str], overall: Counter[str], total: int) -> tuple[str, ...]:
    """Up to two tags that at least 30% of the topic's notes carry, rarer tags (in the vault) first."""
    count: Counter[str] = Counter()
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    for p in members:
        for tag in {t.casefold(): t for t in _note_tags(graph, p)}.values():
            count[tag.casefold()] += 1
            spelling[tag.casefold()][tag] += 1
    need = max(2, math.ceil(0.3 * len(members))) if len(members) > 1 else 1
    ranked = sorted(
        (t for t, c in count.items() if c >= need),
        key=lambda t: (-count[t] * (1.0 + _tag_idf(overall[t], total)), t),
    )
    return tuple(spelling[t].most_common(1)[0][0] for t in ranked[:2])


# ---------------------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------------------


def detect_topics(
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    *,
    min_size: int = 3,
    resolution: float = 1.0,
    seed: int = 42,
    folder: str | None = None,
    tag: str | None = None,
    only: Collection[str] | None = None,
    text_weight: float = 1.0,
    tag_weight: float = 1.0,
    max_similar: int = 5,
) -> list[Topic]:
    """Topics of the notes of ``graph`` (the vault's link graph), biggest first (then by id).

    ``texts`` maps note paths to their plain text (``dict(vault.store.texts())``); ``searcher`` is an
    open Whoosh searcher on the vault's current index (``vault.search_index.open().searcher()``), or
    None to use links and tags only (labels are then the tags and the top hub's name).

    ``folder``, ``tag`` and ``only`` restrict the notes considered (see :func:`select_notes`);
    textual similarity is then sought among those notes only. Communities smaller than ``min_size``
    are left out: their notes are in no topic (see :func:`topic_of`). A higher ``resolution`` gives
    more, smaller topics (Louvain's modularity resolution). ``text_weight`` and ``tag_weight`` scale
    those edges against links (a link weighs 1; a text edge at most 1, typically 0.1-0.5);
    ``max_similar`` is how many best textual matches each note is joined to. The result depends
    only on the inputs and ``seed``.
    """
    paths = select_notes(graph, folder=folder, tag=tag, only=only)
    if not paths:
        return []
    note_graph = _build_note_graph(
        graph, paths, texts, searcher, text_weight=text_weight, tag_weight=tag_weight, max_similar=max_similar
    )
    communities = nx.community.louvain_communities(
        note_graph.undirected, weight="weight", resolution=resolution, seed=seed
    )
    groups = sorted((sorted(c) for c in communities if len(c) >= max(min_size, 1)), key=lambda c: (-len(c), c[0]))
    return _make_topics(graph, note_graph, groups, texts, restrict_tag=tag)


def _make_topics(
    graph: nx.MultiDiGraph,
    note_graph: _NoteGraph,
    groups: list[list[str]],
    texts: Mapping[str, str],
    *,
    restrict_tag: str | None,
) -> list[Topic]:
    index = {p: i for i, p in enumerate(note_graph.paths)}
    taken: set[str] = set()
    drafts: list[tuple[str, list[str], list[str], tuple[str, ...], tuple[str, ...], str]] = []
    avoid_tags = _tag_prefixes(restrict_tag) if restrict_tag else []
    overall, total = _tag_counts(graph)
    used: set[str] = set()
    for members in groups:
        rank = _pagerank(members, note_graph.directed)
        weighted_degree = {p: note_graph.undirected.degree(p, weight="weight") for p in members}
        ordered = sorted(members, key=lambda p: (-round(rank[p], 12), -weighted_degree[p], p))
        hubs = ordered[: max(1, min(3, len(members) // 4))]
        topic_id = _topic_id(hubs[0], taken)
        taken.add(topic_id)
        tags = tuple(t for t in _label_tags(graph, members, overall, total) if t.casefold() not in avoid_tags)
        terms: tuple[str, ...] = ()
        if note_graph.stats is not None:
            titles = [_title_text(graph, p) for p in members]
            avoid = [*tags, *(t.rsplit("/", 1)[-1] for t in avoid_tags)]
            terms = _label_terms(note_graph.stats, [index[p] for p in members], texts, titles, avoid=avoid, used=used)
        fresh = [t for t in terms if t.casefold() not in used]
        used.update(t.casefold() for t in terms)
        parts = []
        if tags:
            parts.append(" ".join("#" + t for t in tags))
        if terms and (fresh or tags):
            parts.append(", ".join(terms))
        else:  # nothing of its own to say: the top hub's name tells it from the others
            parts.append(", ".join([_name(hubs[0]), *terms[:2]]))
        label = " · ".join(parts)
        rest = sorted(set(members) - set(hubs))
        drafts.append((topic_id, hubs, [*hubs, *rest], terms, tags, label))

    owner = {p: d[0] for d in drafts for p in d[2]}
    between: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for u, v, w in note_graph.undirected.edges(data="weight"):
        a, b = owner.get(u), owner.get(v)
        if a is not None and b is not None and a != b:
            between[a][b] += w
            between[b][a] += w
    topics = []
    for topic_id, hubs, notes, terms, tags, label in drafts:
        near = sorted(between[topic_id].items(), key=lambda x: (-x[1], x[0]))
        neighbors = tuple((other, round(w, 3)) for other, w in near if round(w, 3) > 0)
        topics.append(Topic(topic_id, label, terms, tags, tuple(hubs), tuple(notes), neighbors))
    topics.sort(key=lambda t: (-t.size, t.id))
    return topics


def describe_notes(
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    paths: Collection[str],
    *,
    text_weight: float = 1.0,
    tag_weight: float = 1.0,
    max_similar: int = 5,
    tag: str | None = None,
) -> Topic | None:
    """A :class:`Topic` made of exactly these notes (label, hubs, id), without community detection;
    None when none of them is a note of ``graph``. ``tag`` (which they all carry) is left out of the label."""
    chosen = select_notes(graph, only=paths)
    if not chosen:
        return None
    note_graph = _build_note_graph(
        graph, chosen, texts, searcher, text_weight=text_weight, tag_weight=tag_weight, max_similar=max_similar
    )
    return _make_topics(graph, note_graph, [chosen], texts, restrict_tag=tag)[0]


def neighbourhood(
    graph: nx.MultiDiGraph,
    texts: Mapping[str, str],
    searcher: Any | None,
    path: str,
    *,
    depth: int = 2,
    width: int = 8,
) -> list[str]:
    """The notes around ``path``, within ``depth`` steps (``path`` first, then by path).

    A step follows a link (either direction) or goes to one of the ``width`` notes most similar in
    text (when ``searcher`` is given). A note with more than ``4 * width`` links is reached but not
    walked through: it is a hub, and everything would be its neighbour.
    """
    if path not in graph or graph.nodes[path].get("kind") != "note":
        return []
    notes = select_notes(graph)
    index = {p: i for i, p in enumerate(notes)}
    similarity = _Similarity(_TextStats(searcher, notes, texts)) if searcher is not None and width > 0 else None

    def linked(node: str) -> set[str]:
        around = set(graph.successors(node)) | set(graph.predecessors(node))
        return {str(n) for n in around if n != node and graph.nodes[n].get("kind") == "note"}

    seen = {path}
    frontier = [path]
    for step in range(max(depth, 0)):
        nxt: set[str] = set()
        for node in frontier:
            links = linked(node)
            if step > 0 and len(links) > 4 * width:
                continue
            nxt |= links
            if similarity is not None:
                nxt |= {notes[j] for j, _ in similarity.similar(index[node], width)}
        frontier = sorted(nxt - seen)
        seen |= nxt
        if not frontier:
            break
    return [path, *sorted(seen - {path})]


# ---------------------------------------------------------------------------------------------------------
# Looking topics up
# ---------------------------------------------------------------------------------------------------------


def topic_of(topics: Iterable[Topic]) -> dict[str, str]:
    """Note path -> id of its topic (notes in no topic are absent)."""
    return {p: t.id for t in topics for p in t.notes}


def find_topic(topics: Sequence[Topic], ref: str, title_of: Callable[[str], str] | None = None) -> Topic:
    """The topic ``ref`` names: its id (``t-3fa9c2``, the ``t-`` may be left out, a unique prefix
    will do), its 1-based number in ``topics``, or the path, file name or title of one of its hubs."""
    wanted = ref.strip()
    folded = wanted.casefold()
    for topic in topics:
        if topic.id == wanted or topic.id == "t-" + wanted:
            return topic
    if wanted.isdigit() and 1 <= int(wanted) <= len(topics):
        return topics[int(wanted) - 1]
    prefixed = [t for t in topics if t.id.startswith(wanted if wanted.startswith("t-") else "t-" + wanted)]
    if len(prefixed) == 1:
        return prefixed[0]
    by_hub = [
        t
        for t in topics
        if any(
            h.casefold() in (folded, folded + ".md")
            or _name(h).casefold() == folded
            or (title_of is not None and title_of(h).casefold() == folded)
            for h in t.hubs
        )
    ]
    if len(by_hub) == 1:
        return by_hub[0]
    candidates = prefixed or by_hub
    if candidates:
        raise TopicNotFoundError(f"{ref!r} is ambiguous: " + ", ".join(t.id for t in candidates))
    raise TopicNotFoundError(f"no topic {ref!r}; see `vaultkit topics` for the ids")
