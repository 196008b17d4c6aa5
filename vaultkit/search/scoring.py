"""Scoring a compiled query in bulk: posting lists in, ``{docnum: score}`` out.

Whoosh answers a query through a tree of matcher objects that advance document by document; a
plain word becomes an OR over eight fields, and on a 10,000-note vault a common word walks
thousands of documents through that tree in Python (~100 ms). The scores themselves are simple:
an OR or AND adds its children's scores, a boost multiplies, and a term scores each document with
BM25F from the posting's weight and the document's field length.

:func:`score_query` computes exactly that, node by node: terms straight from their posting blocks
(with the field lengths of a segment read once and cached), OR as a sum over the union, AND as a
sum over the intersection, AND NOT as a set difference, constant-score wrappers as a constant.
Nodes it has no rule for (phrases, prefixes, fuzzy terms...) are run by Whoosh's own matcher and
their scores taken as they are, so every query is answered; a test checks the results (documents
and scores, to float rounding) against Whoosh's searcher for a table of queries.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

Scores = dict[int, float]
"""Global document number -> score."""

_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _lengths(reader: Any, fieldname: str) -> list[int] | None:
    """Every document's (quantised) length of one field in one segment, read once and cached."""
    cache: dict[str, list[int] | None] | None = getattr(reader, "_vaultkit_lengths", None)
    if cache is None:
        cache = {}
        reader._vaultkit_lengths = cache
    if fieldname in cache:
        return cache[fieldname]
    lengths: list[int] | None = None
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
    if column is not None and hasattr(column, "_dbfile"):
        raw = bytes(column._dbfile.get(column._basepos, column._count))
        lengths = [_BYTE_LENGTHS[b] for b in raw]
        lengths.extend([0] * (reader.doc_count_all() - len(lengths)))
    cache[fieldname] = lengths
    return lengths


def _postings(matcher: Any, values: bool = False) -> tuple[list[int], list[float], list[bytes]]:
    """Document numbers, weights (and encoded values) of a posting list, a whole block at a time when possible."""
    ids: list[int] = []
    weights: list[float] = []
    encoded: list[bytes] = []
    if type(matcher) is FilterMatcher and matcher._exclude and type(matcher.child) is W3LeafMatcher:
        # a segment with deleted documents: read whole blocks and drop the deleted ones
        deleted = matcher._ids
        ids, weights, encoded = _postings(matcher.child, values)
        if deleted:
            keep = [i for i, doc in enumerate(ids) if doc not in deleted]
            ids = [ids[i] for i in keep]
            weights = [weights[i] for i in keep]
            encoded = [encoded[i] for i in keep] if values else encoded
        return ids, weights, encoded
    if type(matcher) is W3LeafMatcher:
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            if values:
                matcher._read_values()
                encoded.extend(matcher._values)
            matcher._next_block()
        return ids, weights, encoded
    while matcher.is_active():  # any other matcher: one posting at a time
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            encoded.append(matcher.value())
        matcher.next()
    return ids, weights, encoded


class _Scorer:
    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.leaves: list[tuple[Any, int]] = list(searcher.leaf_searchers())
        self.weighting = searcher.weighting
        self.context = searcher.context()

    def run(self, q: Any) -> Scores:
        rule = _RULES.get(type(q))
        if rule is not None:
            return rule(self, q)
        if isinstance(q, type(wq.NullQuery)):
            return {}
        return self._whoosh(q)

    def _whoosh(self, q: Any) -> Scores:
        """Whoosh's own matcher for a node without a rule here (a phrase, a prefix...)."""
        out: Scores = {}
        for leaf, offset in self.leaves:
            m = q.matcher(leaf, self.context)
            while m.is_active():
                out[m.id() + offset] = m.score()
                m.next()
        return out

    def _leaf_term(
        self, leaf: Any, fieldname: str, text: bytes, values: bool = False
    ) -> tuple[list[int], list[float], list[bytes]] | None:
        """One segment's documents, scores (and encoded values) of a term; None: no rule for its scorer."""
        reader = leaf.reader()
        scorer = self.weighting.scorer(leaf, fieldname, text)
        ids, weights, encoded = _postings(reader.postings(fieldname, text), values)
        if type(scorer) is WeightScorer:
            return ids, weights, encoded
        if type(scorer) is not BM25FScorer:
            return None
        lengths = _lengths(reader, fieldname)
        if lengths is None:
            return (
                ids,
                [scorer._score(w, leaf.doc_field_length(d, fieldname, 1)) for d, w in zip(ids, weights, strict=True)],
                encoded,
            )
        idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        k1p = k1 + 1
        scores = [
            idf * ((w * k1p) / (w + k1 * ((1 - b) + b * lengths[d] / avgfl))) for d, w in zip(ids, weights, strict=True)
        ]
        return ids, scores, encoded

    def _term(self, q: Any) -> Scores:
        out: Scores = {}
        schema = self.searcher.schema
        if q.fieldname not in schema:
            return out
        try:
            text = schema[q.fieldname].to_bytes(q.text)
        except ValueError:
            return out
        boost = q.boost
        for leaf, offset in self.leaves:
            if (q.fieldname, text) not in leaf.reader():
                continue
            found = self._leaf_term(leaf, q.fieldname, text)
            if found is None:
                return self._whoosh(q)
            ids, scores, _ = found
            if boost != 1.0:
                out.update((d + offset, s * boost) for d, s in zip(ids, scores, strict=True))
            else:
                out.update((d + offset, s) for d, s in zip(ids, scores, strict=True))
        return out

    def _phrase(self, q: Any) -> Scores:
        """Words at consecutive positions (Whoosh's phrase: slop 1); the score is the sum of the words' scores."""
        schema = self.searcher.schema
        if q.slop != 1 or q.char_ranges or q.fieldname not in schema or len(q.words) < 2:
            return self._whoosh(q)
        field = schema[q.fieldname]
        if not field.format or not field.format.supports("positions"):
            return self._whoosh(q)  # Whoosh raises its error for this
        try:
            texts = [field.to_bytes(word) for word in q.words]
        except ValueError:
            return {}
        decode = field.format.decode_positions
        out: Scores = {}
        for leaf, offset in self.leaves:
            reader = leaf.reader()
            if any((q.fieldname, text) not in reader for text in texts):
                continue
            lists = []
            for text in dict.fromkeys(texts):
                found = self._leaf_term(leaf, q.fieldname, text, values=True)
                if found is None:
                    return self._whoosh(q)
                ids, scores, encoded = found
                lists.append((text, dict(zip(ids, zip(scores, encoded, strict=True), strict=True))))
            by_text = dict(lists)
            candidates = set.intersection(*(set(postings) for _, postings in lists))
            for doc in candidates:
                starts: set[int] | None = None
                for k, text in enumerate(texts):
                    shifted = {p - k for p in decode(by_text[text][doc][1])}
                    starts = shifted if starts is None else starts & shifted
                    if not starts:
                        break
                if starts:
                    out[doc + offset] = sum(by_text[text][doc][0] for text in texts) * q.boost
        return out

    def _or(self, q: Any) -> Scores:
        if q.scale or q.minmatch:
            return self._whoosh(q)
        out: Scores = {}
        for sub in q.subqueries:
            part = self.run(sub)
            if len(part) > len(out):
                out, part = part, out
            for doc, score in part.items():
                found = out.get(doc)
                out[doc] = score if found is None else found + score
        return _boosted(out, q.boost)

    def _and(self, q: Any) -> Scores:
        parts = [self.run(sub) for sub in q.subqueries]
        if not parts:
            return {}
        parts.sort(key=len)
        out = dict(parts[0])
        for part in parts[1:]:
            out = {doc: score + part[doc] for doc, score in out.items() if doc in part}
            if not out:
                break
        return _boosted(out, q.boost)

    def _and_not(self, q: Any) -> Scores:
        positive = self.run(q.a)
        if positive:
            for doc in self.run(q.b):
                positive.pop(doc, None)
        return _boosted(positive, q.boost)

    def _constant(self, q: Any) -> Scores:
        # Whoosh's ListMatcher takes a constant weight of 0.0 for "no constant" and scores 1.0
        paths = _path_terms(q.child)
        docs = self._path_docs(paths) if paths is not None else self.run(q.child)
        return dict.fromkeys(docs, q.score or 1.0)

    def _path_docs(self, paths: list[str]) -> list[int]:
        """Documents of a set of paths (a graph filter can name thousands): one cached map per segment."""
        out: list[int] = []
        for leaf, offset in self.leaves:
            reader = leaf.reader()
            by_path: dict[str, int] | None = getattr(reader, "_vaultkit_paths", None)
            if by_path is None:
                by_path = {fields["path"]: doc for doc, fields in reader.iter_docs() if "path" in fields}
                reader._vaultkit_paths = by_path
            out.extend(doc + offset for path in paths if (doc := by_path.get(path)) is not None)
        return out


_RULES: dict[type, Callable[[_Scorer, Any], Scores]] = {
    wq.Term: _Scorer._term,
    wq.Or: _Scorer._or,
    wq.And: _Scorer._and,
    wq.AndNot: _Scorer._and_not,
    wq.ConstantScoreQuery: _Scorer._constant,
    wq.Phrase: _Scorer._phrase,
}
"""How each kind of query node is scored here (others go to Whoosh's matcher)."""


def _path_terms(q: Any) -> list[str] | None:
    """The paths of a plain OR of ``path`` terms (how graph filters are compiled), else None."""
    subs = q.subqueries if type(q) is wq.Or and q.boost == 1.0 and not q.scale else [q]
    if all(type(t) is wq.Term and t.fieldname == "path" and t.boost == 1.0 for t in subs):
        return [t.text for t in subs]
    return None


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost == 1.0:
        return scores
    return {doc: score * boost for doc, score in scores.items()}


def score_query(searcher: Any, q: Any) -> Scores:
    """Every document matching ``q`` (a compiled Whoosh query) with its score, as Whoosh would score it."""
    return _Scorer(searcher).run(q)


def top(scores: Scores, limit: int | None) -> list[tuple[int, float]]:
    """Best first, ties by document number (Whoosh's order); ``limit`` None keeps all."""
    if limit is None:
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
