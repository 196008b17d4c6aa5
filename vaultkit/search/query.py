"""Obsidian-style queries, compiled to Whoosh queries and run with highlights.

:func:`~vaultkit.search.syntax.parse_query` turns the text into an AST; this module compiles it.
Plain terms look in title, aliases, file name, headings, content and tags (BM25F with boosts).
Multi-token terms (a Korean word is several bigrams) become phrases, a one-syllable CJK term a
prefix. Operators that Whoosh cannot answer alone (``section:``, ``line:``, ``match-case:``,
numeric property comparisons, graph filters) are answered exactly against the stored text,
properties or graph, and enter the Whoosh query as a set of paths.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from whoosh import query as wq

from ..errors import QueryError
from ..model import Note, TagOccurrence
from . import syntax as ast
from .analysis import (
    KOREAN_AVAILABLE,
    is_cjk_char,
    korean_analyzer,
    lines_holding,
    query_terms,
    token_spans,
    tokens,
)
from .index import DEFAULT_FIELDS, MAX_INDEXED_CHARS
from .scoring import PathSet, best, docs_at, first_by_path, paths_of, score_docs, score_query

_SORTS = ("score", "modified", "title")
_TEXT_FIELDS = {
    "path": "pathtext",
    "file": "filename",
    "title": "title",
    "content": "content",
}


@dataclass(frozen=True, slots=True)
class Snippet:
    """A line of plain text around the best match; ``spans`` are ``(start, end)`` offsets of matched words."""

    text: str
    line: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the note, its score, the lines that match and a highlighted snippet."""

    path: str
    title: str
    score: float
    lines: tuple[int, ...]
    snippet: Snippet | None


class SearchContext(Protocol):
    """What the compiler needs from the vault beyond the Whoosh index."""

    def note(self, path: str) -> Note | None:
        """A stored note."""

    def hit_texts(self, paths: list[str], tags: bool) -> dict[str, tuple[str, tuple[TagOccurrence, ...]]]:
        """Stored notes' text (what a hit's lines are found in) and, with ``tags``, where their tags are written."""

    def graph_paths(self, name: str, value: str) -> Collection[str]:
        """Paths selected by a graph filter (``links-to``, ``linked-from``, ``orphan``, ``has``)."""

    def exact_titles(self, key: str) -> set[str]:
        """Paths of the notes whose title, file name or an alias, casefolded, is ``key``."""


class _Compiler:
    def __init__(self, searcher: Any, ctx: SearchContext) -> None:
        self.searcher = searcher
        self.ctx = ctx
        self._lemma = korean_analyzer() if KOREAN_AVAILABLE else None

    # -------------------------------------------------------- terms

    def _word(self, field: str, text: str, *, prefix: bool = False, fuzzy: int = 0) -> wq.Query:
        if field == "tags":
            tag = text.lower().lstrip("#")
            return wq.Prefix("tags", tag) if prefix else wq.Term("tags", tag)
        toks, single_cjk = query_terms(text)
        if not toks:
            return wq.NullQuery
        if len(toks) == 1:
            if prefix or single_cjk:
                return wq.Prefix(field, toks[0])
            if fuzzy and not any(ch.isdigit() for ch in toks[0]):
                return wq.FuzzyTerm(field, toks[0], maxdist=fuzzy, prefixlength=1)
            return wq.Term(field, toks[0])
        if prefix:
            return wq.And([wq.Phrase(field, toks[:-1]), wq.Prefix(field, toks[-1])])
        return wq.Phrase(field, toks)

    def _phrase(self, field: str, text: str) -> wq.Query:
        if field == "tags":  # tags are whole keywords: no positions, so a phrase is the tag itself
            return self._word(field, text)
        toks = tokens(text)
        if not toks:
            return wq.NullQuery
        return wq.Term(field, toks[0]) if len(toks) == 1 else wq.Phrase(field, toks)

    def _everywhere(self, make: Callable[[str], wq.Query], text: str, *, lemmas: bool = False) -> wq.Query:
        parts = []
        for field, boost in DEFAULT_FIELDS:
            q = make(field)
            if q is not wq.NullQuery:
                q.boost = boost
                parts.append(q)
        if not any(ch.isspace() for ch in text.strip()):
            tag_q = make("tags")
            if tag_q is not wq.NullQuery:
                tag_q.boost = 2.0
                parts.append(tag_q)
        if lemmas and self._lemma is not None and any("\uac00" <= ch <= "\ud7a3" for ch in text):
            words = [t.text for t in self._lemma(text)]
            if words:
                parts.append(wq.And([wq.Term("lemmas", word) for word in words]))
        return wq.Or(parts) if parts else wq.NullQuery

    # -------------------------------------------------------- nodes

    def compile(self, node: ast.Node, field: str | None = None) -> wq.Query:
        if isinstance(node, ast.Term):
            if field:
                return self._word(field, node.text)
            return self._everywhere(lambda f: self._word(f, node.text), node.text, lemmas=True)
        if isinstance(node, ast.Phrase):
            if field:
                return self._phrase(field, node.text)
            return self._everywhere(lambda f: self._phrase(f, node.text), node.text)
        if isinstance(node, ast.Prefix):
            if field:
                return self._word(field, node.text, prefix=True)
            return self._everywhere(lambda f: self._word(f, node.text, prefix=True), node.text)
        if isinstance(node, ast.Fuzzy):
            if field:
                return self._word(field, node.text, fuzzy=node.distance)
            return self._everywhere(lambda f: self._word(f, node.text, fuzzy=node.distance), node.text)
        if isinstance(node, ast.Regex):
            raise QueryError(f"regular expressions (/{node.pattern}/) are not supported; use words or prefix*")
        if isinstance(node, ast.And):
            return self._and([self.compile(item, field) for item in node.items])
        if isinstance(node, ast.Or):
            return wq.Or([self.compile(item, field) for item in node.items])
        if isinstance(node, ast.Not):
            return wq.Not(self.compile(node.item, field))
        if isinstance(node, ast.Field):
            return self._field(node)
        if isinstance(node, ast.Prop):
            return self._prop(node)
        if isinstance(node, ast.Compare):
            return self._paths(self._compare(node))
        if isinstance(node, ast.Graph):
            if node.name == "has" and node.value in ("tasks", "links", "tags"):
                return wq.Term("has", node.value)
            return self._paths(self.ctx.graph_paths(node.name, node.value))
        raise QueryError(f"unsupported query part: {node!r}")

    @staticmethod
    def _and(items: list[wq.Query]) -> wq.Query:
        positives = [q for q in items if not isinstance(q, wq.Not)]
        negatives = [q for q in items if isinstance(q, wq.Not)]
        if not positives:
            positives = [wq.Every()]
        if negatives:
            return wq.AndNot(wq.And(positives), wq.Or([q.query for q in negatives]))
        return wq.And(positives)

    def _field(self, node: ast.Field) -> wq.Query:
        name = node.name
        if name == "tag":
            return self.compile(node.query, "tags")
        if name in ("task", "task-todo", "task-done"):
            has = wq.Term("has", "tasks" if name == "task" else name.replace("task-", "tasks-"))
            if isinstance(node.query, ast.Phrase) and not node.query.text:
                return has
            return self._paths(self._task_paths(node, has))
        if name in _TEXT_FIELDS:
            return self.compile(node.query, _TEXT_FIELDS[name])
        if name in ("section", "line", "match-case"):
            return self._paths(self._verified(node))
        if name == "ignore-case":
            return self.compile(node.query)
        raise QueryError(f'the operator "{name}:" is not supported; use line: or section: instead')

    def _prop(self, node: ast.Prop) -> wq.Query:
        name = node.name.lower().replace(",", " ").strip()
        if node.value is None:
            return wq.Term("props", name)
        return self._prop_value(name, node.value)

    def _prop_value(self, name: str, value: ast.Node) -> wq.Query:
        if isinstance(value, ast.Or):
            return wq.Or([self._prop_value(name, item) for item in value.items])
        if isinstance(value, ast.And):
            return wq.And([self._prop_value(name, item) for item in value.items])
        if isinstance(value, ast.Not):
            return wq.Not(self._prop_value(name, value.item))
        if isinstance(value, ast.Term | ast.Phrase | ast.Prefix | ast.Fuzzy):
            text = value.text
            if isinstance(value, ast.Prefix):
                return wq.Prefix("props", f"{name}={text.lower()}")
            whole = wq.Term("props", f"{name}={text.lower().replace(',', ' ').strip()}")
            words = tokens(text)
            if not words:
                return whole
            return wq.Or([whole, wq.And([wq.Term("props", f"{name}~{w}") for w in words])])
        raise QueryError(f"[{name}:...] takes a value, a phrase or values joined by OR")

    def _paths(self, paths: Iterable[str]) -> wq.Query:
        found = PathSet(paths)
        return found if found.paths else wq.NullQuery

    def _candidates(self, q: wq.Query) -> list[str]:
        if q is wq.NullQuery:
            return []
        return [hit["path"] for hit in self.searcher.search(q, limit=None)]

    def _compare(self, node: ast.Compare) -> set[str]:
        name = node.name.lower()
        out = set()
        for path in self._candidates(wq.Term("props", name)):
            note = self.ctx.note(path)
            if note is None:
                continue
            value = next((v for k, v in note.frontmatter.items() if k.lower() == name), None)
            number = _number(value)
            if number is not None and _OPS[node.op](number, node.number):
                out.add(path)
        return out

    def _verified(self, node: ast.Field) -> set[str]:
        """Paths where the sub-query holds within one line (``line:``), one section (``section:``), or
        with exact case (``match-case:``). Candidates come from the positive words only; exclusions
        and alternatives are decided on the text itself."""
        inner = node.query
        _check_text_only(inner, node.name)
        relaxed = _relax(inner)
        candidates = self._candidates(self.compile(relaxed, "content") if relaxed is not None else wq.Every())
        out = set()
        for path in candidates:
            note = self.ctx.note(path)
            if note is None:
                continue
            if node.name == "match-case":
                if evaluate(inner, note.text, match_case=True):
                    out.add(path)
                continue
            chunks = _sections(note) if node.name == "section" else note.text.split("\n")
            if any(evaluate(inner, chunk) for chunk in chunks):
                out.add(path)
        return out

    def _task_paths(self, node: ast.Field, has: wq.Query) -> set[str]:
        """Notes with a task (open or done, as asked) whose text matches the sub-query."""
        inner = node.query
        _check_text_only(inner, node.name)
        relaxed = _relax(inner)
        prefilter = wq.And([has, self.compile(relaxed, "content")]) if relaxed is not None else has
        wanted_done = {"task": None, "task-todo": False, "task-done": True}[node.name]
        out = set()
        for path in self._candidates(prefilter):
            note = self.ctx.note(path)
            if note is not None and any(
                (wanted_done is None or task.done == wanted_done) and evaluate(inner, task.text) for task in note.tasks
            ):
                out.add(path)
        return out


def _relax(node: ast.Node) -> ast.Node | None:
    """A query every match of ``node`` also matches, without exclusions (None: no such restriction)."""
    if isinstance(node, ast.Not):
        return None
    if isinstance(node, ast.And):
        kept = [r for item in node.items if (r := _relax(item)) is not None]
        return None if not kept else kept[0] if len(kept) == 1 else ast.And(tuple(kept))
    if isinstance(node, ast.Or):
        relaxed = [_relax(item) for item in node.items]
        return None if any(r is None for r in relaxed) else ast.Or(tuple(r for r in relaxed if r is not None))
    return node


def _check_text_only(node: ast.Node, operator: str) -> None:
    """``line:``, ``section:`` and ``match-case:`` take words, phrases, prefixes, fuzzy words and groups."""
    if isinstance(node, ast.And | ast.Or):
        for item in node.items:
            _check_text_only(item, operator)
    elif isinstance(node, ast.Not):
        _check_text_only(node.item, operator)
    elif not isinstance(node, ast.Term | ast.Phrase | ast.Prefix | ast.Fuzzy):
        raise QueryError(f"{operator}:(...) takes words, phrases, prefixes and groups of them, not {_describe(node)}")


def _describe(node: ast.Node) -> str:
    if isinstance(node, ast.Field):
        return f'the operator "{node.name}:"'
    if isinstance(node, ast.Prop | ast.Compare):
        return f'the property "[{node.name}...]"'
    if isinstance(node, ast.Graph):
        return f'the filter "{node.name}:"'
    return "a regular expression"


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _sections(note: Note) -> list[str]:
    lines = note.text.split("\n")
    starts = sorted({h.line for h in note.headings if 0 < h.line <= len(lines)})
    bounds = [1, *starts, len(lines) + 1]
    return ["\n".join(lines[a - 1 : b - 1]) for a, b in itertools.pairwise(bounds) if b > a]


def _contains(seq: list[str], sub: list[str]) -> bool:
    n = len(sub)
    return any(seq[i : i + n] == sub for i in range(len(seq) - n + 1))


def within_distance(a: str, b: str, limit: int) -> bool:
    """True when the edit distance between ``a`` and ``b`` is at most ``limit`` (Levenshtein)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def evaluate(node: ast.Node, text: str, *, match_case: bool = False) -> bool:
    """Whether a (sub-)query holds in one piece of plain text (a line, a section or a whole note).

    Words compare by their analysed tokens; with ``match_case`` words and phrases must appear in
    the text exactly as typed.
    """
    if isinstance(node, ast.And):
        return all(evaluate(item, text, match_case=match_case) for item in node.items)
    if isinstance(node, ast.Or):
        return any(evaluate(item, text, match_case=match_case) for item in node.items)
    if isinstance(node, ast.Not):
        return not evaluate(node.item, text, match_case=match_case)
    if match_case and isinstance(node, ast.Term | ast.Phrase | ast.Prefix):
        return bool(node.text) and node.text in text
    toks = tokens(text)
    if isinstance(node, ast.Term | ast.Phrase):
        want, single = query_terms(node.text) if isinstance(node, ast.Term) else (tokens(node.text), False)
        if not want:
            return False
        if single:
            return any(t.startswith(want[0]) for t in toks)
        return _contains(toks, want)
    if isinstance(node, ast.Prefix):
        want = tokens(node.text)
        return bool(want) and any(t.startswith(want[-1]) for t in toks)
    if isinstance(node, ast.Fuzzy):
        want = tokens(node.text)
        return bool(want) and any(within_distance(want[0], t, node.distance) for t in toks)
    raise QueryError("line:, section: and match-case: take words, phrases, prefixes and groups of them")


# ------------------------------------------------------------ highlighting


def _fuzzy_terms(node: ast.Node) -> dict[str, int]:
    """Positive fuzzy words (analysed) and their allowed edit distance."""
    if isinstance(node, ast.Fuzzy):
        toks = tokens(node.text)
        return {toks[0]: node.distance} if toks else {}
    if isinstance(node, ast.And | ast.Or):
        return {k: v for item in node.items for k, v in _fuzzy_terms(item).items()}
    if isinstance(node, ast.Field) and node.name not in ("tag", "path", "file"):
        return _fuzzy_terms(node.query)
    return {}


def _match_words(node: ast.Node) -> list[list[str]]:
    """Token sequences to highlight: each positive term analysed (fuzzy words are matched apart)."""
    fuzzy = _fuzzy_terms(node)
    return [toks for text in ast.positive_terms(node) if (toks := tokens(text)) and toks[0] not in fuzzy]


def _starts(texts: list[str], seq: list[str]) -> Iterator[int]:
    """Where the token sequence ``seq`` starts in a line's tokens (its last token matches as a prefix)."""
    n = len(seq)
    head, last = seq[:-1], seq[-1]  # whole words, then the last one as a prefix
    for i in range(len(texts) - n + 1):
        if texts[i + n - 1].startswith(last) and (not head or texts[i : i + n - 1] == head):
            yield i


def _line_words(texts: list[str], wanted: list[list[str]]) -> int:
    """How many of the wanted token sequences a line's tokens hold."""
    return sum(1 for seq in wanted if next(_starts(texts, seq), None) is not None)


def _line_hits(line: str, wanted: list[list[str]]) -> list[tuple[int, int]]:
    """Where in ``line`` the wanted token sequences are, as (start, end) character offsets."""
    spans = token_spans(line)
    texts = [text for text, _, _ in spans]
    return [(spans[i][1], spans[i + len(seq) - 1][2]) for seq in wanted for i in _starts(texts, seq)]


def _positive_tags(node: ast.Node) -> list[str]:
    if isinstance(node, ast.Field) and node.name == "tag" and isinstance(node.query, ast.Term):
        return [node.query.text.lstrip("#").casefold()]
    if isinstance(node, ast.And | ast.Or):
        return [t for item in node.items for t in _positive_tags(item)]
    return []


def _tag_lines(occurrences: Iterable[TagOccurrence], tags: list[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for occ in occurrences:
        name = occ.tag.casefold()
        if occ.line is not None and any(name == t or name.startswith(t + "/") for t in tags):
            out.setdefault(occ.line, []).append("#" + occ.tag)
    return out


@functools.lru_cache(maxsize=128)
def _plan(node: ast.Node) -> tuple[list[list[str]], dict[str, int], list[str], tuple[str, ...], bool]:
    """What :func:`highlight` looks for, worked out once per query rather than once per hit.

    The token sequences of the positive words, the fuzzy words, the positive tags, the first token
    of each sequence, and whether a line can only match when it holds one of those first tokens
    (ASCII words and CJK bigrams are their own text; fuzzy words can match other text).
    """
    wanted = _match_words(node)
    fuzzy = _fuzzy_terms(node)
    firsts = tuple(dict.fromkeys(seq[0] for seq in wanted))
    quick = all(w.isascii() or all(is_cjk_char(ch) for ch in w) for w in firsts) and not fuzzy
    return wanted, fuzzy, _positive_tags(node), firsts, quick


def highlight(
    text: str, node: ast.Node, tag_occurrences: Iterable[TagOccurrence] = (), max_lines: int = 50
) -> tuple[tuple[int, ...], Snippet | None]:
    """Matching line numbers of a note's text and a snippet of its best line, with match offsets.

    Words and phrases match by their analysed tokens; ``tag:`` queries match the lines where the
    tag (or a child of it) is written (``tag_occurrences``: the note's, needed for those only).
    """
    wanted, fuzzy, tags, firsts, quick = _plan(node)
    tag_lines = _tag_lines(tag_occurrences, tags) if tags else {}
    if not wanted and not tag_lines and not fuzzy:
        return (), None
    lines: list[int] = []
    best: tuple[int, int] | None = None  # (distinct matches, line number)
    body = text[:MAX_INDEXED_CHARS]
    all_lines = body.split("\n")
    numbers: Iterable[int]
    if quick:
        # only the lines holding a word in their folded text ("café" holds the token "cafe", "Ｇａｍｍａ"
        # "gamma"), and the lines where a wanted tag is written
        holding = {number + 1 for number in lines_holding(body, firsts)} if firsts else set()
        numbers = sorted(holding | {n for n in tag_lines if 1 <= n <= len(all_lines)})
    else:
        numbers = range(1, len(all_lines) + 1)

    def fuzzy_spans(line: str) -> list[tuple[int, int]]:
        return [(a, b) for t, a, b in token_spans(line) if any(within_distance(w, t, d) for w, d in fuzzy.items())]

    def tag_spans(line: str, number: int) -> list[tuple[int, int]]:
        out = []
        for tag in tag_lines.get(number, ()):
            at = line.casefold().find(tag.casefold())
            if at >= 0:
                out.append((at, at + len(tag)))
        return out

    # Each line is counted from its tokens alone; character offsets are worked out for the best line only.
    for number in numbers:
        line = all_lines[number - 1]
        if not line:
            continue
        distinct = _line_words(tokens(line), wanted) if wanted else 0
        if fuzzy:
            distinct += bool(fuzzy_spans(line))
        if number in tag_lines:
            distinct += len(tag_spans(line, number))
        if distinct:
            if len(lines) < max_lines:
                lines.append(number)
            if best is None or distinct > best[0]:
                best = (distinct, number)
    if best is None:
        return (), None
    number = best[1]
    text = text.split("\n")[number - 1]  # the whole line, also past the indexed part of a long note
    spans = _line_hits(text, wanted) + (fuzzy_spans(text) if fuzzy else []) + tag_spans(text, number)
    if not spans:
        return tuple(lines), None
    start = max(0, min(s for s, _ in spans) - 80)
    end = min(len(text), max(e for _, e in spans) + 120)
    if start > 0:
        cut = text.find(" ", start)
        start = cut + 1 if 0 <= cut < min(s for s, _ in spans) else start
    shown = text[start:end]
    offsets = tuple(sorted({(s - start, e - start) for s, e in spans if s >= start and e <= end}))
    return tuple(lines), Snippet(shown, number, offsets)


# ------------------------------------------------------------ running a search


def run_search(
    searcher: Any, ctx: SearchContext, query: str, *, limit: int | None = 20, sort: str = "score"
) -> list[Hit]:
    """Run an Obsidian-style query with a Whoosh ``searcher``; best (or newest, or A-Z) first."""
    if sort not in _SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(_SORTS)}")
    node = ast.parse_query(query)
    compiled = _Compiler(searcher, ctx).compile(node)
    if isinstance(compiled, wq.Not):
        compiled = wq.AndNot(wq.Every(), compiled.query)
    wanted = None if limit is None or sort != "score" else limit
    known: dict[int, str] = {}  # paths of the notes a graph filter found
    if type(compiled) is PathSet and wanted is not None:  # a filter alone: its first notes by path
        scores = first_by_path(searcher, compiled, wanted)
    else:
        scores = score_query(searcher, compiled, wanted, known)
    # equal scores are ordered by path, whatever segment a note landed in: the whole tie at the cut is kept
    ranked = best(scores, wanted) if wanted is not None else scores
    read: dict[int, dict[str, Any]] = {}  # stored fields already read
    if wanted is not None and len(ranked) > wanted:  # a tie at the cut: the first by path make it
        cut = min(ranked.values())
        above = [doc for doc, score in ranked.items() if score > cut]  # fewer than ``wanted``
        tie = [doc for doc, score in ranked.items() if score == cut]
        path_of = paths_of(searcher, tie, read, known)
        first = heapq.nsmallest(wanted - len(above), tie, key=path_of.__getitem__)
        ranked = {doc: ranked[doc] for doc in above + first}
    # a note titled (or named, or aliased) exactly as the query comes first, wherever its score ranks it
    exact = _exact_title_key(node) if sort == "score" else None
    titled: set[int] = set()
    if exact:
        titled = set(docs_at(searcher, ctx.exact_titles(exact)))
        unranked = [doc for doc in titled if doc not in ranked]
        if unranked:  # found by the store, scored here only if the query matches them
            ranked = {**ranked, **score_docs(searcher, compiled, unranked, scores)}
    found = []
    for docnum, score in ranked.items():
        stored = read.get(docnum) or searcher.stored_fields(docnum)
        path = stored["path"]
        found.append((path, stored.get("title", path), float(score or 0.0), int(stored.get("mtime") or 0), docnum))
    found.sort(key=lambda item: (-item[2], item[0]))
    if sort == "modified":
        found.sort(key=lambda item: (-item[3], item[0]))
    elif sort == "title":
        found.sort(key=lambda item: (item[1].casefold(), item[0]))
    elif titled:
        found.sort(key=lambda item: item[4] not in titled)  # stable: by score within each part
    found = found[:limit] if limit is not None else found
    hits = []
    tags = bool(_positive_tags(node))  # tag lines come from the whole stored note, words from its text only
    texts = ctx.hit_texts([item[0] for item in found], tags)
    for path, title, score, _, _ in found:
        text, occurrences = texts.get(path, (None, ()))
        lines, snippet = highlight(text, node, occurrences) if text is not None else ((), None)
        hits.append(Hit(path, title, round(score, 4), lines, snippet))
    return hits


def _exact_title_key(node: ast.Node) -> str | None:
    if isinstance(node, ast.Term | ast.Phrase):
        return node.text.casefold().strip()
    if isinstance(node, ast.And) and all(isinstance(i, ast.Term) for i in node.items):
        return " ".join(i.text for i in node.items if isinstance(i, ast.Term)).casefold()
    return None
