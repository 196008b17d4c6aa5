"""Scoring a compiled query in bulk: posting lists in, ``{docnum: score}`` out.

Whoosh answers a query through a tree of matcher objects that advance document by document; a
plain word becomes an OR over eight fields, and on a 10,000-note vault a common word walks
thousands of documents through that tree in Python (~100 ms). The scores themselves are simple:
an OR or AND adds its children's scores, a boost multiplies, and a term scores each document with
BM25F from the posting's weight and the document's field length.

:func:`score_query` computes exactly that, node by node: terms straight from their posting blocks
(with the field lengths of a segment read once and cached), phrases from the words' positions,
prefix and fuzzy words as the OR of the words they stand for, OR as a sum over the union, AND as a
sum over the intersection, AND NOT as a set difference, constant-score wrappers as a constant.
Nodes it has no rule for (a phrase with slop, a minimum-match OR...) are run by Whoosh's own
matcher and their scores taken as they are, so every query is answered; a test checks the results
(documents and scores, to float rounding) against Whoosh's searcher for a table of queries. With a
limit, phrases are checked only for the notes that can still make the cut (``_Scorer.best_of``),
and words found in many notes are scored only for the notes the query's rarer words found, when
a bound on their scores shows that no other note can make the cut (``_Scorer.pruned``). The NOT
side of a query is read as a set of documents, without scores.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from pickle import loads
from typing import Any, NamedTuple

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3TermsReader, _lenfield
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, BM25FScorer, WeightScorer
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte

from .termtable import term_info

FIRST_BATCH = 64
"""Fewest documents scored exactly in the first batch of :meth:`_Scorer.best_of` (then 4 x limit, doubling)."""

COMMON_WORD = 256
"""Notes a word must be in to count as common: with a limit, common words are scored only for the
notes the rarer words of the query found, when that is enough (:meth:`_Scorer.pruned`, which tries
half of it first: on the live 10k index that made `diffusion -cuda` and `model` ~10% faster, and a
set of other words and pairs neither faster nor slower on average)."""

SMALL_SEGMENT = 1000
"""Documents in a segment small enough that its map of paths is read whole rather than a path looked up at a time."""

Scores = dict[int, float]
"""Global document number -> score."""

_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _lengths(reader: Any, fieldname: str) -> bytes | None:
    """Every document's length byte of one field in one segment (Whoosh's quantised length), read once and cached."""
    cache: dict[str, bytes | None] | None = getattr(reader, "_vaultkit_lengths", None)
    if cache is None:
        cache = {}
        reader._vaultkit_lengths = cache
    if fieldname in cache:
        return cache[fieldname]
    lengths: bytes | None = None
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc is not None else None
    if column is not None and hasattr(column, "_dbfile"):
        lengths = bytes(column._dbfile.get(column._basepos, column._count))
        lengths += bytes(max(0, reader.doc_count_all() - len(lengths)))
    cache[fieldname] = lengths
    return lengths


class _WithDeletions(NamedTuple):
    """A segment's posting list (a W3 block matcher) and the segment's deleted documents, left out as blocks are read.

    Whoosh's ``FilterMatcher`` does the same, but moves to the first live document as soon as it
    is made: it decodes the first block's ids one by one in Python (up to 1,024 of them), for
    every word, field and segment with deletions, before a block is read here.
    """

    child: Any
    deleted: frozenset[int] | set[int]


def without_deleted(matcher: Any, deleted: frozenset[int] | set[int]) -> Any:
    """A segment's posting ``matcher`` without its ``deleted`` documents, for :func:`_postings` and ``_postings_for``.

    A W3 block matcher is wrapped as :class:`_WithDeletions` (deletions dropped as whole blocks are
    read); any other in Whoosh's ``FilterMatcher``.
    """
    if not deleted:
        return matcher
    if type(matcher) is W3LeafMatcher and not matcher._byteids:
        return _WithDeletions(matcher, deleted)
    return FilterMatcher(matcher, deleted, exclude=True)


def _postings(matcher: Any, values: bool = False) -> tuple[list[int], list[float], list[bytes]]:
    """Document numbers, weights (and encoded values) of a posting list, a whole block at a time when possible."""
    ids: list[int] = []
    weights: list[float] = []
    encoded: list[bytes] = []
    if type(matcher) is _WithDeletions or (
        type(matcher) is FilterMatcher and matcher._exclude and type(matcher.child) is W3LeafMatcher
    ):
        # a segment with deleted documents: read whole blocks and drop the deleted ones
        deleted = matcher.deleted if type(matcher) is _WithDeletions else matcher._ids
        ids, weights, encoded = _postings(matcher.child, values)
        if deleted and len(deleted) * 8 > len(ids):
            keep = [i for i, doc in enumerate(ids) if doc not in deleted]
            ids = [ids[i] for i in keep]
            weights = [weights[i] for i in keep]
            encoded = [encoded[i] for i in keep] if values else encoded
        elif deleted:
            # ids are in order: find each deleted document by bisection (a few edited notes among
            # thousands of postings) and drop those places, last first
            places = []
            for doc in deleted:
                at = bisect.bisect_left(ids, doc)
                if at < len(ids) and ids[at] == doc:
                    places.append(at)
            for at in sorted(places, reverse=True):
                del ids[at], weights[at]
                if values:
                    del encoded[at]
        return ids, weights, encoded
    if type(matcher) is W3LeafMatcher and not matcher._byteids:
        # the block's data tuple is read as Whoosh reads it; ids are delta-coded and weights may be
        # stored as None (all 1.0) or one float for the block: decoded here without per-posting Python
        while matcher.is_active():
            matcher._read_data()
            count = matcher._blocklength
            data = matcher._data
            ids.extend(accumulate(data[0]))
            block_weights = data[1]
            if block_weights is None:
                weights.extend([1.0] * count)
            elif isinstance(block_weights, float):
                weights.extend([block_weights] * count)
            else:
                weights.extend(block_weights)
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


def _postings_for(matcher: Any, only: list[int]) -> tuple[list[int], list[float]]:
    """The documents of ``only`` (sorted) that a posting list has, with their weights.

    Blocks holding none of them are skipped without reading their data (a block's header gives
    its last document); in the others the wanted documents are found by bisection.
    """
    deleted: frozenset[int] | set[int] = frozenset()
    leaf = matcher
    if type(leaf) is _WithDeletions:
        deleted, leaf = leaf.deleted, leaf.child
    elif type(leaf) is FilterMatcher and leaf._exclude:
        deleted, leaf = leaf._ids, leaf.child
    if type(leaf) is not W3LeafMatcher or leaf._byteids:
        wanted = set(only)
        all_ids, all_weights, _ = _postings(matcher)
        keep = [i for i, doc in enumerate(all_ids) if doc in wanted]
        return [all_ids[i] for i in keep], [all_weights[i] for i in keep]
    ids: list[int] = []
    weights: list[float] = []
    k, count = 0, len(only)
    while k < count and leaf.is_active():
        last = leaf._maxid
        if only[k] <= last:
            leaf._read_data()
            data = leaf._data
            block_ids = list(accumulate(data[0]))
            block_weights = data[1]
            end = bisect.bisect_right(only, last, k)
            for doc in only[k:end]:
                at = bisect.bisect_left(block_ids, doc)
                if at < len(block_ids) and block_ids[at] == doc and doc not in deleted:
                    ids.append(doc)
                    if block_weights is None:
                        weights.append(1.0)
                    elif isinstance(block_weights, float):
                        weights.append(block_weights)
                    else:
                        weights.append(block_weights[at])
            k = end
        leaf._next_block()
    return ids, weights


class _Scorer:
    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.leaves: list[tuple[Any, int]] = list(searcher.leaf_searchers())
        self.weighting = searcher.weighting
        self.context = searcher.context()
        # for the best ``limit`` only (see :meth:`best_of`): phrases scored without their positions
        # (``relax``), then exactly for a set of documents (``only``), reusing what the first pass read
        self.relax = False
        self.only: set[int] | None = None
        self.keep: set[int] = set()
        self.memo: dict[int, Scores] = {}
        self.phrase_postings: dict[int, list[Any]] = {}
        self.field_norms: dict[tuple[str, float, float], tuple[list[float], list[float]]] = (
            searcher.__dict__.setdefault("_vaultkit_norms", {})
        )
        # for the best ``limit`` only (see :meth:`pruned`): common words scored only for the
        # candidates (per segment, sorted local numbers); scores of nodes computed already
        self.common: set[int] = set()
        self.candidates: list[list[int]] = []
        self.done: dict[int, Scores] = {}
        self.infos: dict[tuple[int, str, bytes], Any] = {}
        self.matched: dict[int, set[int]] = {}
        self.paths: dict[int, str] = {}  # paths of documents found by path (see PathSet)

    def run(self, q: Any) -> Scores:
        key = id(q)
        done = self.done.get(key)
        if done is not None:
            return dict(done)
        if self.only is not None and key in self.memo:
            found = self.memo[key]
            return {doc: found[doc] for doc in self.only if doc in found}
        rule = _RULES.get(type(q))
        if rule is not None:
            result = rule(self, q)
        elif isinstance(q, type(wq.NullQuery)):
            result = {}
        else:
            result = self._whoosh(q)
        if key in self.keep and self.only is None:
            self.memo[key] = dict(result)  # the parent may change its child's dict in place
        return result

    def best_of(self, q: Any, limit: int) -> Scores:
        """Exact scores of enough documents to hold the ``limit`` best of ``q`` and the tie at the cut.

        A phrase scores the sum of its words' scores where the words stand in order, so the same
        query with each phrase relaxed to "all its words" scores every document at least as high
        (scores are positive; phrases under NOT are kept exact). The relaxed query is cheap (no
        positions); documents are then scored exactly best bound first, in growing batches, until
        the next bound is below the ``limit``-th exact score: no document left out could reach it.
        """
        self.keep = _reused_nodes(q)
        self.relax = True
        bounds = self.run(q)
        self.relax = False
        order = sorted(bounds, key=bounds.__getitem__, reverse=True)
        exact: Scores = {}
        done, size = 0, max(4 * limit, FIRST_BATCH)
        while done < len(order):
            batch = set(order[done : done + size])
            done += len(batch)
            self.only = batch
            exact.update((doc, score) for doc, score in self.run(q).items() if doc in batch)
            if (
                done < len(order)
                and len(exact) >= limit
                and bounds[order[done]] < heapq.nlargest(limit, exact.values())[-1]
            ):
                break
            size *= 2
        self.only = None
        return exact

    def pruned(self, q: Any, limit: int) -> Scores | None:
        """Exact scores of enough documents to hold the ``limit`` best of ``q``, its common words read only in part.

        For a query of words joined by AND, OR and NOT (no phrase), a word in more than
        :data:`COMMON_WORD` notes (``content:model``) scores at most a bound known before reading
        its postings (from its largest weight and shortest field, BM25 is monotonic in both). The
        rarer words are scored in full; the documents they found are the candidates, and common
        words are scored for those only. A document outside the candidates has only common words,
        so it scores at most the sum of their bounds: when that is below the ``limit``-th best
        candidate, the candidates hold the best ``limit`` and the tie at the cut.

        The split is tried first with half the threshold (more words read in part, fewer
        candidates), then with the threshold itself; the rare words' scores are kept from one try
        to the next. When neither holds, None (the caller scores everything, keeping them too).
        """
        words: list[tuple[Any, float]] = []
        if not _word_tree(q, 1.0, words):
            return None
        bounds: list[tuple[Any, int, float]] = []
        for word, factor in words:
            found = self._word_bound(word)
            if found is None:
                return None
            notes, bound = found
            bounds.append((word, notes, bound * factor))
        for threshold in (COMMON_WORD // 2, COMMON_WORD):
            common = [(word, bound) for word, notes, bound in bounds if notes > threshold]
            rare = [word for word, notes, _ in bounds if notes <= threshold]
            if common and rare:
                exact = self._pruned_at(q, limit, common, rare)
                if exact is not None:
                    return exact
        return None

    def _pruned_at(self, q: Any, limit: int, common: list[tuple[Any, float]], rare: list[Any]) -> Scores | None:
        """One try of :meth:`pruned` with the given common words (and their bounds) and rare words."""
        candidates: set[int] = set()
        for word in rare:
            scores = self.done.get(id(word))
            if scores is None:
                scores = self.done[id(word)] = self.run(word)
            candidates.update(scores)
        ordered = sorted(candidates)
        self.candidates = []
        for leaf, offset in self.leaves:
            start = bisect.bisect_left(ordered, offset)
            end = bisect.bisect_left(ordered, offset + leaf.reader().doc_count_all())
            self.candidates.append([doc - offset for doc in ordered[start:end]])
        self.common = {id(word) for word, _ in common}
        try:
            exact = self.run(q)
        finally:
            self.common = set()
        outside = sum(bound for _, bound in common)
        if len(exact) >= limit and outside * (1 + 1e-9) < heapq.nlargest(limit, exact.values())[-1]:
            return exact
        return None

    def _word_bound(self, q: Any) -> tuple[int, float] | None:
        """Notes with the word (deleted ones included) and the most it scores in one (before boosts); None: unknown."""
        text = self._term_bytes(q)
        if text is None:
            return 0, 0.0
        field = self.searcher.schema[q.fieldname]
        weighting = self.weighting
        notes, bound = 0, 0.0
        for leaf, _ in self.leaves:
            reader = leaf.reader()
            info = self._info(reader, q.fieldname, text)
            if info is None:
                continue
            notes += info.doc_frequency()
            weight = info.max_weight()
            if not field.scorable:
                bound = max(bound, weight)
                continue
            if type(weighting) is not BM25F or _lengths(reader, q.fieldname) is None:
                return None
            norm = self._least_norm(q.fieldname, info.min_length() or 0)
            idf = self.searcher.idf(q.fieldname, text)
            bound = max(bound, idf * ((weight * (weighting.K1 + 1)) / (weight + norm)))
        return notes, bound

    def _info(self, reader: Any, fieldname: str, text: bytes) -> Any:
        """The term's entry in one segment's term table, or None (looked up once per scorer)."""
        key = (id(reader), fieldname, text)
        try:
            return self.infos[key]
        except KeyError:
            pass
        info = self.infos[key] = term_info(reader, fieldname, text)
        return info

    def _matcher(self, reader: Any, fieldname: str, text: bytes) -> Any:
        """``reader.postings(fieldname, text)``, from the term entry looked up already when the segment is W3."""
        terms: Any = getattr(reader, "_terms", None)
        info = self._info(reader, fieldname, text)
        if type(terms) is not W3TermsReader or info is None or reader.is_closed:
            return reader.postings(fieldname, text)
        fmt = reader.schema[fieldname].format
        matcher = terms._codec.postings_reader(terms._postfile, info, fmt, term=(fieldname, text))
        return without_deleted(matcher, reader.deleted_docs_set)

    def _whoosh(self, q: Any) -> Scores:
        """Whoosh's own matcher for a node without a rule here (a phrase with slop, an OR with a minimum...)."""
        out: Scores = {}
        for leaf, offset in self.leaves:
            m = q.matcher(leaf, self.context)
            while m.is_active():
                out[m.id() + offset] = m.score()
                m.next()
        return out

    def _leaf_term(
        self, leaf: Any, fieldname: str, text: bytes, values: bool = False, only: list[int] | None = None
    ) -> tuple[list[int], list[float], list[bytes]] | None:
        """One segment's documents, scores (and encoded values) of a term; None: no rule for its scorer.

        With ``only`` (sorted segment document numbers), just those documents (and no values).
        """
        reader = leaf.reader()
        if only is None:
            ids, weights, encoded = _postings(self._matcher(reader, fieldname, text), values)
        else:
            (ids, weights), encoded = _postings_for(self._matcher(reader, fieldname, text), only), []
        weighting = self.weighting
        if type(weighting) is BM25F and not self.searcher.schema[fieldname].scorable:
            # Whoosh's WeightScorer: the weight is the score (making one looks the term up in every segment)
            return ids, weights, encoded
        lengths = _lengths(reader, fieldname)
        if type(weighting) is BM25F and lengths is not None:
            # what BM25FScorer computes, without building one per term and segment (a prefix can
            # stand for hundreds of words): idf from the searcher's cache, the length part per field
            norms = self._norms(fieldname)
            idf = self.searcher.idf(fieldname, text)
            k1p = weighting.K1 + 1
        else:
            scorer = weighting.scorer(leaf, fieldname, text)
            if type(scorer) is WeightScorer:
                return ids, weights, encoded
            if type(scorer) is not BM25FScorer:
                return None
            if lengths is None:
                found = [
                    scorer._score(w, leaf.doc_field_length(d, fieldname, 1)) for d, w in zip(ids, weights, strict=True)
                ]
                return ids, found, encoded
            norms = _length_norms(scorer.avgfl, scorer.B, scorer.K1)
            idf, k1p = scorer.idf, scorer.K1 + 1
        by_doc = map(norms.__getitem__, map(lengths.__getitem__, ids))
        scores = [idf * ((w * k1p) / (w + norm)) for w, norm in zip(weights, by_doc, strict=True)]
        return ids, scores, encoded

    def _norms(self, fieldname: str) -> list[float]:
        """BM25's length part of a field for each quantised length (the index's average length, the field's B)."""
        return self._field_norms(fieldname)[0]

    def _least_norm(self, fieldname: str, length: int) -> float:
        """The smallest length part of the field among lengths of at least ``length`` (quantised)."""
        least: float = self._field_norms(fieldname)[1][length_to_byte(length)]
        return least

    def _field_norms(self, fieldname: str) -> tuple[list[float], list[float]]:
        # They depend on the index's statistics only: worked out once per searcher (a searcher
        # sees one state of the index), as Whoosh keeps its idf values on the searcher.
        weighting = self.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        key = (fieldname, b, weighting.K1)
        found = self.field_norms.get(key)
        if found is None:
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            norms = _length_norms(avgfl, b, weighting.K1)
            least = list(accumulate(reversed(norms), min))[::-1]  # least[i] = min(norms[i:])
            found = self.field_norms[key] = (norms, least)
        return found

    def _term_bytes(self, q: Any) -> bytes | None:
        """A word's term as the index spells it, or None when its field or value cannot be in the index."""
        schema = self.searcher.schema
        if q.fieldname not in schema:
            return None
        try:
            text: bytes = schema[q.fieldname].to_bytes(q.text)
        except ValueError:
            return None
        return text

    def _term(self, q: Any) -> Scores:
        out: Scores = {}
        text = self._term_bytes(q)
        if text is None:
            return out
        boost = q.boost
        common = id(q) in self.common
        for k, (leaf, offset) in enumerate(self.leaves):
            if (common and not self.candidates[k]) or self._info(leaf.reader(), q.fieldname, text) is None:
                continue
            found = self._leaf_term(leaf, q.fieldname, text, only=self.candidates[k] if common else None)
            if found is None:
                return self._whoosh(q)
            ids, scores, _ = found
            if boost != 1.0:
                scores = [s * boost for s in scores]
            out.update(zip(map(offset.__add__, ids) if offset else ids, scores, strict=True))
        return out

    def _multiterm(self, q: Any) -> Scores:
        """A prefix, wildcard or fuzzy word: the OR of the words it stands for, times the query's boost.

        Whoosh 2.7.5 scores them by the segment and the query around them: a single matching word
        as a plain term without the boost; a prefix or wildcard with several words, in a segment of
        under 5,000 notes and with no parent that needs the current match, as a constant 1; else
        as this OR. Here it is always the OR, so ranking does not depend on segment sizes.
        """
        fieldname = q.field()
        if fieldname not in self.searcher.schema or (type(q) is wq.Prefix and not q.text):
            return self._whoosh(q)  # an empty prefix is Whoosh's Every
        to_bytes = self.searcher.schema[fieldname].to_bytes
        part: Scores = {}
        for leaf, offset in self.leaves:
            for word in q._btexts(leaf.reader()):  # bytes, or text for a fuzzy word
                if not word:
                    continue
                found = self._leaf_term(leaf, fieldname, word if isinstance(word, bytes) else to_bytes(word))
                if found is None:
                    return self._whoosh(q)
                ids, scores, _ = found
                part = _summed(part, dict(zip(map(offset.__add__, ids) if offset else ids, scores, strict=True)))
        return _boosted(part, q.boost)

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
        decode = _positions_decoder(field.format)
        segments = self.phrase_postings.get(id(q))
        if segments is None:
            segments = []
            for leaf, offset in self.leaves:
                reader = leaf.reader()
                if any(self._info(reader, q.fieldname, text) is None for text in texts):
                    continue
                scores_of: dict[bytes, dict[int, float]] = {}
                values_of: dict[bytes, dict[int, bytes]] = {}
                for text in dict.fromkeys(texts):
                    found = self._leaf_term(leaf, q.fieldname, text, values=True)
                    if found is None:
                        return self._whoosh(q)
                    ids, scores, encoded = found
                    scores_of[text] = dict(zip(ids, scores, strict=True))
                    values_of[text] = dict(zip(ids, encoded, strict=True))
                candidates = set.intersection(*map(set, scores_of.values()))
                segments.append((offset, [scores_of[text] for text in texts], values_of, candidates))
            self.phrase_postings[id(q)] = segments
        out: Scores = {}
        boost = q.boost
        for offset, word_scores, values_of, candidates in segments:
            if self.relax:  # every document with all the words: the phrase's score if they stand in order
                docs = list(candidates)
            else:
                if self.only is None:
                    docs = list(candidates)
                else:
                    docs = [doc - offset for doc in self.only if doc - offset in candidates]
                positions = {text: decode(list(map(values.__getitem__, docs))) for text, values in values_of.items()}
                docs = [doc for i, doc in enumerate(docs) if _in_order(texts, positions, i)]
            # the sum of the words' scores (as Whoosh adds them: sum() of the scores in phrase order)
            totals = map(sum, zip(*[map(scores.__getitem__, docs) for scores in word_scores], strict=True))
            out.update(zip(map(offset.__add__, docs), [t * boost for t in totals], strict=True))
        return out

    def _or(self, q: Any) -> Scores:
        if q.scale or q.minmatch:
            return self._whoosh(q)
        out: Scores = {}
        for sub in q.subqueries:
            out = _summed(out, self.run(sub))
        return _boosted(out, q.boost)

    def _and(self, q: Any) -> Scores:
        parts = [self.run(sub) for sub in q.subqueries]
        if not parts:
            return {}
        # documents of the smallest part that are in all, added up in the order of the subqueries
        # (not of the parts' sizes: a pruned run has other sizes and must give the same floats)
        if len(parts) == 2:
            a, b = parts
            small, large = (a, b) if len(a) <= len(b) else (b, a)
            return _boosted({doc: a[doc] + b[doc] for doc in small if doc in large}, q.boost)
        smallest = min(parts, key=len)
        others = [part for part in parts if part is not smallest]
        docs = [doc for doc in smallest if all(doc in part for part in others)]
        first, rest = parts[0], parts[1:]
        out = {doc: first[doc] for doc in docs}
        for part in rest:
            out = {doc: score + part[doc] for doc, score in out.items()}
        return _boosted(out, q.boost)

    def _and_not(self, q: Any) -> Scores:
        positive = self.run(q.a)
        if positive:
            # a relaxed phrase, or a word read for some documents only, would leave out too much
            relax, self.relax = self.relax, False
            common, self.common = self.common, set()
            try:
                negative = self.matched.get(id(q.b)) if self.only is None else None
                if negative is None:
                    negative = self._matching(q.b)
                    if self.only is None:
                        self.matched[id(q.b)] = negative  # a pruned run that falls back reads it once
            finally:
                self.relax, self.common = relax, common
            if len(negative) < len(positive):
                for doc in negative:
                    positive.pop(doc, None)
            else:
                positive = {doc: score for doc, score in positive.items() if doc not in negative}
        return _boosted(positive, q.boost)

    def _matching(self, q: Any) -> set[int]:
        """The documents ``q`` matches, without their scores (the NOT side of a query): words need no BM25."""
        kind = type(q)
        if kind is wq.Term:
            out: set[int] = set()
            text = self._term_bytes(q)
            if text is None:
                return out
            for leaf, offset in self.leaves:
                reader = leaf.reader()
                if self._info(reader, q.fieldname, text) is not None:
                    ids = _postings(self._matcher(reader, q.fieldname, text))[0]
                    out.update(map(offset.__add__, ids) if offset else ids)
            return out
        if kind is wq.Or and not q.minmatch and q.subqueries:
            return set().union(*(self._matching(sub) for sub in q.subqueries))
        if kind is wq.And and q.subqueries:
            parts = sorted((self._matching(sub) for sub in q.subqueries), key=len)
            return parts[0].intersection(*parts[1:])
        if kind is wq.AndNot:
            return self._matching(q.a) - self._matching(q.b)
        return set(self.run(q))

    def _constant(self, q: Any) -> Scores:
        # Whoosh's ListMatcher takes a constant weight of 0.0 for "no constant" and scores 1.0
        return dict.fromkeys(self.run(q.child), q.score or 1.0)

    def _path_set(self, q: PathSet) -> Scores:
        """The live documents at the set's paths, from one cached map per segment; their paths are kept."""
        out: Scores = {}
        score = q.score or 1.0
        known = self.paths
        wanted = q.paths
        for leaf, offset in self.leaves:
            by_path = _segment_paths(leaf.reader())[1]
            if len(by_path) < len(wanted):  # a small segment (an edit's): walk its paths instead
                found = [(path, doc) for path, doc in by_path.items() if path in wanted]
            else:
                found = [(path, doc) for path in wanted if (doc := by_path.get(path)) is not None]
            for path, doc in found:
                out[doc + offset] = score
                known[doc + offset] = path
        return out


class PathSet(wq.ConstantScoreQuery):  # type: ignore[misc]
    """The notes at a set of paths, each scoring ``score``: what graph filters (``orphan:true``,
    ``has:unresolved``...) and the line/section/task checks compile to.

    :func:`score_query` finds the notes straight from each segment's map of paths, and keeps their
    paths (a filter ties thousands of notes, and a tie is ordered by path). The OR of ``path`` terms
    that Whoosh's own matcher needs is built only when Whoosh runs the query itself.
    """

    def __init__(self, paths: Iterable[str], score: float = 0.0) -> None:
        given = paths if isinstance(paths, list) else None  # perhaps in order already (a store listing)
        self.paths: frozenset[str] = frozenset(paths)
        self.score = score
        self._child: Any = None
        self._given = given

    def ordered(self) -> list[str]:
        """The paths, sorted (quick when they were given as a list in order)."""
        return sorted(self._given if self._given is not None else self.paths)

    @property
    def child(self) -> Any:
        """The OR of one ``path`` term per path (built on first use)."""
        if self._child is None:
            self._child = wq.Or([wq.Term("path", path) for path in sorted(self.paths)])
        return self._child

    def _rewrap(self, child: Any) -> Any:
        return wq.ConstantScoreQuery(child, self.score)

    def __eq__(self, other: object) -> bool:
        return type(other) is PathSet and other.paths == self.paths and other.score == self.score

    def __hash__(self) -> int:
        return hash(self.paths) ^ hash(self.score)

    def __repr__(self) -> str:
        return f"PathSet({len(self.paths)} paths, score={self.score})"


def _segment_paths(reader: Any) -> tuple[list[str | None], dict[str, int]]:
    """A segment's stored paths by document number, and the other way round; read once and cached."""
    cached: tuple[list[str | None], dict[str, int]] | None = getattr(reader, "_vaultkit_paths", None)
    if cached is None:
        paths: list[str | None] = [None] * reader.doc_count_all()
        for doc, fields in reader.iter_docs():  # live documents only
            paths[doc] = fields.get("path")
        cached = (paths, {path: doc for doc, path in enumerate(paths) if path is not None})
        reader._vaultkit_paths = cached
    return cached


def paths_of(
    searcher: Any,
    docs: Iterable[int],
    stored: dict[int, dict[str, Any]] | None = None,
    known: dict[int, str] | None = None,
) -> dict[int, str]:
    """The stored path of each document (global numbers), for ordering results.

    Paths in ``known`` (what :func:`score_query` found by path) are taken as they are. Of the rest,
    few documents are read one by one (their stored fields are kept in ``stored`` when given);
    when they are a good share of the index or the segment's map is already cached, the map of
    every path in the segment is used (read once per segment).
    """
    out: dict[int, str] = {}
    rest = list(docs)
    if known:
        out = {doc: path for doc in rest if (path := known.get(doc)) is not None}
        rest = [doc for doc in rest if doc not in out]
    if not rest:
        return out
    leaves = list(searcher.leaf_searchers())
    if len(rest) * 4 < searcher.doc_count_all() and not all(
        hasattr(leaf.reader(), "_vaultkit_paths") for leaf, _ in leaves
    ):
        fields = stored if stored is not None else {}
        for doc in rest:
            fields[doc] = searcher.stored_fields(doc)
            out[doc] = fields[doc]["path"]
        return out
    ends = [offset + leaf.reader().doc_count_all() for leaf, offset in leaves]
    for doc in rest:
        k = bisect.bisect_right(ends, doc)
        leaf, offset = leaves[k]
        path = _segment_paths(leaf.reader())[0][doc - offset]
        if path is not None:
            out[doc] = path
    return out


_RULES: dict[type, Callable[[_Scorer, Any], Scores]] = {
    wq.Term: _Scorer._term,
    wq.Or: _Scorer._or,
    wq.And: _Scorer._and,
    wq.AndNot: _Scorer._and_not,
    wq.ConstantScoreQuery: _Scorer._constant,
    PathSet: _Scorer._path_set,
    wq.Phrase: _Scorer._phrase,
    wq.Prefix: _Scorer._multiterm,
    wq.Wildcard: _Scorer._multiterm,
    wq.FuzzyTerm: _Scorer._multiterm,
}
"""How each kind of query node is scored here (others go to Whoosh's matcher)."""


def _in_order(texts: list[bytes], positions: dict[bytes, list[list[int]]], i: int) -> bool:
    """Whether the words ``texts`` stand at consecutive positions in the ``i``-th document."""
    starts: set[int] | None = None
    for k, text in enumerate(texts):
        found_at = positions[text][i]
        shifted = {p - k for p in found_at} if k else set(found_at)
        starts = shifted if starts is None else starts & shifted
        if not starts:
            return False
    return True


def _word_tree(q: Any, factor: float, words: list[tuple[Any, float]]) -> bool:
    """Whether ``q`` is words joined by AND, OR and AND NOT; collects the words scored (not under NOT), with boosts."""
    kind = type(q)
    if kind is wq.Term:
        words.append((q, factor * q.boost))
        return True
    if kind is wq.And or (kind is wq.Or and not (q.scale or q.minmatch)):
        return all(_word_tree(sub, factor * q.boost, words) for sub in q.subqueries)
    if kind is wq.AndNot:
        return _word_tree(q.a, factor * q.boost, words)  # the NOT side is scored in full: any query
    return False


def _relaxable(q: Any) -> bool:
    """Whether a phrase in ``q`` is scored here where a relaxed phrase changes the result (see ``best_of``)."""
    kind = type(q)
    if kind is wq.Phrase:
        return True
    if kind is wq.And or (kind is wq.Or and not (q.scale or q.minmatch)):
        return any(_relaxable(sub) for sub in q.subqueries)
    if kind is wq.AndNot:
        return _relaxable(q.a)
    if kind is wq.ConstantScoreQuery:
        return _relaxable(q.child)
    return False


def _reused_nodes(q: Any) -> set[int]:
    """Ids of the nodes whose first-pass scores ``best_of`` reuses: those below a relaxable node that are not."""
    out: set[int] = set()
    kind = type(q)
    if not _relaxable(q) or kind is wq.Phrase:
        return out
    if kind is wq.AndNot:
        relaxed, kept = [q.a], [q.b]  # the NOT side is always exact
    else:
        relaxed, kept = ([q.child] if kind is wq.ConstantScoreQuery else list(q.subqueries)), []
    for child in relaxed:
        if _relaxable(child):
            out |= _reused_nodes(child)
        else:
            kept.append(child)
    return out | {id(child) for child in kept}


def _positions_decoder(fmt: Any) -> Callable[[list[bytes]], list[list[int]]]:
    """A function decoding many postings' positions at once (one unpickling for Whoosh's Positions format)."""
    if type(fmt) is not Positions:
        return lambda values: [fmt.decode_positions(v) for v in values]
    return _decode_positions


def _decode_positions(values: list[bytes]) -> list[list[int]]:
    """Positions of many postings in Whoosh's ``Positions`` format: a count, then a pickled list of gaps.

    Each value's pickle (protocol 2: header, a list built and memoised, stop) is cut out of its frame
    and all of them are unpickled as one list of lists: one ``loads`` instead of one per note.
    """
    bodies = []
    for value in values:
        body = value[_INT_SIZE:]
        if not body.startswith(b"\x80\x02") or not body.endswith(b"."):
            return [Positions().decode_positions(v) for v in values]  # not the shape we know: one at a time
        bodies.append(body[2:-1])
    gaps: list[list[int]] = loads(b"\x80\x02(" + b"".join(bodies) + b"l.")
    return [list(accumulate(g)) for g in gaps]


def _length_norms(avgfl: float, b: float, k1: float) -> list[float]:
    """``k1 * (1 - b + b * length / avgfl)`` for each of the 256 quantised lengths (as Whoosh's bm25() computes it)."""
    return [k1 * ((1 - b) + b * length / avgfl) for length in _BYTE_LENGTHS]


def _summed(out: Scores, part: Scores) -> Scores:
    """``out`` plus ``part``, document by document (either dict may be changed and returned)."""
    if len(part) > len(out):
        out, part = part, out
    both = {doc: out[doc] + score for doc, score in part.items() if doc in out}
    out.update(part)
    out.update(both)
    return out


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost == 1.0:
        return scores
    return {doc: score * boost for doc, score in scores.items()}


def score_query(searcher: Any, q: Any, limit: int | None = None, paths: dict[int, str] | None = None) -> Scores:
    """Documents matching ``q`` (a compiled Whoosh query) with their scores, as Whoosh would score them.

    With ``limit``, a query with phrases may leave out documents that cannot be among the
    ``limit`` best (nor tied with the last of them); :func:`best` of the result is the same.
    ``paths``, when given, receives the path of each document the query found by its path (a
    :class:`PathSet`), so ordering a tie by path need not read those documents again.
    """
    scorer = _Scorer(searcher)
    if paths is not None:
        scorer.paths = paths
    if limit is None:
        return scorer.run(q)
    if _relaxable(q):
        return scorer.best_of(q, limit)
    found = scorer.pruned(q, limit)
    return found if found is not None else scorer.run(q)


def score_docs(searcher: Any, q: Any, docs: Iterable[int], known: Scores | None = None) -> Scores:
    """The scores of some documents (global numbers) for ``q``, leaving out those ``q`` does not match.

    Scores in ``known`` (exact ones, as :func:`score_query` gives) are taken as they are. The rest
    are scored as in a full run, but every word is read for these documents only (its posting
    blocks that hold none of them are skipped) and phrases are checked for them only.
    """
    known = known or {}
    out = {doc: known[doc] for doc in docs if doc in known}
    rest = sorted({doc for doc in docs if doc not in known})
    if not rest:
        return out
    scorer = _Scorer(searcher)
    for leaf, offset in scorer.leaves:
        start = bisect.bisect_left(rest, offset)
        end = bisect.bisect_left(rest, offset + leaf.reader().doc_count_all())
        scorer.candidates.append([doc - offset for doc in rest[start:end]])
    scorer.common = {id(node) for node in _terms(q)}
    scorer.only = set(rest)
    found = scorer.run(q)
    out.update((doc, found[doc]) for doc in rest if doc in found)
    return out


def _terms(q: Any) -> Iterator[Any]:
    """Every ``Term`` node of a compiled query (under NOT too: :meth:`_Scorer._and_not` reads that side in full)."""
    if type(q) is wq.Term:
        yield q
    if type(q) is PathSet:
        return  # its children would be the OR of a term per path, built only when Whoosh runs it
    for child in q.children():
        yield from _terms(child)


def first_by_path(searcher: Any, q: PathSet, limit: int) -> Scores:
    """The first ``limit`` notes of ``q`` by path, scored as :func:`score_query` scores them.

    Every note of a path set scores the same, so the best ``limit`` (ties by path) are simply its
    first paths that are in the index: looked up a few at a time, with no map of all paths.
    """
    score = q.score or 1.0
    ordered = q.ordered()
    out: Scores = {}
    start = 0
    while len(out) < limit and start < len(ordered):
        chunk = ordered[start : start + limit - len(out)]
        start += len(chunk)
        out.update((doc, score) for doc in docs_at(searcher, chunk))
    return out


def docs_at(searcher: Any, paths: Iterable[str]) -> dict[int, str]:
    """The global document numbers of the live notes at ``paths``, with their paths.

    A path is one term lookup in a large segment; a small segment (an edit's) is looked at through
    its map of paths (:func:`_segment_paths`, made once per segment), and so is any segment whose
    map is made already: a live index has a few large segments and several small ones.
    """
    out: dict[int, str] = {}
    wanted = sorted(set(paths))
    if not wanted:
        return out
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if reader.doc_count_all() <= SMALL_SEGMENT or hasattr(reader, "_vaultkit_paths"):
            by_path = _segment_paths(reader)[1]
            out.update((doc + offset, path) for path in wanted if (doc := by_path.get(path)) is not None)
            continue
        for path in wanted:
            try:
                matcher = reader.postings("path", path)
            except TermNotFound:
                continue
            while matcher.is_active():
                out[matcher.id() + offset] = path
                matcher.next()
    return out


def top(scores: Scores, limit: int | None) -> list[tuple[int, float]]:
    """Best first, ties by document number (Whoosh's order); ``limit`` None keeps all."""
    if limit is None:
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))


def best(scores: Scores, limit: int) -> Scores:
    """The documents whose score is among the ``limit`` best, and every document tied with the last of them.

    A query can tie hundreds of notes (a tag scores by the tag field's length only); the caller orders
    a tie by path, so the whole tie at the cut is kept rather than an arbitrary part of it.
    """
    if len(scores) <= limit:
        return scores
    cut = heapq.nlargest(limit, scores.values())[-1]
    return {doc: score for doc, score in scores.items() if score >= cut}
