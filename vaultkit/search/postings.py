"""The posting lists of one document, computed in bulk instead of token by token.

Whoosh turns a text value into postings by building one ``Token`` object per word and feeding it
through generic format code; on a 10,000-note vault that is a third of the index build. For the
fields analysed by :class:`~vaultkit.search.analysis.VaultTokenizer` into a positions format,
:func:`document_postings` computes the same ``(term bytes, frequency, weight, encoded positions)``
items straight from the tokenizer's spans; comma-separated keyword fields (tags, properties) and
id fields (the path) are split here too (Whoosh's analyzers took ~0.3 ms a note for those four
fields). Any other field (numbers, the optional Korean lemma field, an analyzer set up otherwise)
goes through Whoosh's own ``field.index``. The result is byte-for-byte what ``field.index`` gives
(tests compare the two on random text), so the index does not depend on which path wrote it.

The items are plain tuples of bytes and numbers, computed in the parse workers (which, for a full
build, also write them into segments of their own).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping
from pickle import dumps
from typing import Any

from whoosh.analysis import CompositeAnalyzer, IDTokenizer, LowercaseFilter, RegexTokenizer, StripFilter
from whoosh.fields import FieldType, Schema
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint

from .analysis import VaultTokenizer, tokens

Posting = tuple[bytes, int, float, bytes]
"""``(term as UTF-8, frequency, weight, encoded value)``: one term of one field of one document."""

DocumentPostings = dict[str, list[Posting]]
"""Field name -> the postings of that field (for the fields computed here)."""


FastFields = dict[str, Callable[[str], list[Posting]]]
"""Field name -> the function that gives a text value's postings in that field (see :func:`fast_fields`)."""

_COMMA_RUN = re.compile(r"[^,]+")  # Whoosh's CommaSeparatedTokenizer: RegexTokenizer(r"[^,]+") | StripFilter()


def fast_fields(schema: Schema) -> FastFields:
    """The fields of ``schema`` whose postings are computed here, each with its postings function.

    A field qualifies only when it is set up exactly as this module assumes (its format and the
    parts of its analyzer); any other goes through Whoosh's ``field.index``.
    """
    out: FastFields = {}
    for name, field in schema.items():
        if not field.indexed or field.separate_spelling() or field.vector:
            continue
        analyzer = getattr(field, "analyzer", None)
        boost = float(field.format.field_boost)
        if type(field.format) is Positions and _is_vault_analyzer(analyzer):
            out[name] = functools.partial(positions_postings, field_boost=boost)
        elif type(field.format) is Frequency and (lowercase := _comma_keywords(analyzer)) is not None:
            out[name] = functools.partial(keyword_postings, field_boost=boost, lowercase=lowercase)
        elif type(field.format) is Existence and type(analyzer) is IDTokenizer:
            out[name] = functools.partial(id_postings, field_boost=boost)
    return out


def _is_vault_analyzer(analyzer: Any) -> bool:
    return (
        isinstance(analyzer, CompositeAnalyzer)
        and len(analyzer.items) == 1
        and type(analyzer.items[0]) is VaultTokenizer
    )


def _comma_keywords(analyzer: Any) -> bool | None:
    """For Whoosh's ``KeywordAnalyzer(commas=True)``: whether it lowercases; None for any other analyzer."""
    items = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else []
    if len(items) not in (2, 3):
        return None
    tokenizer, strip = items[0], items[1]
    if (
        type(tokenizer) is not RegexTokenizer
        or tokenizer.expression.pattern != _COMMA_RUN.pattern
        or tokenizer.gaps
        or type(strip) is not StripFilter
    ):
        return None
    if len(items) == 3 and type(items[2]) is not LowercaseFilter:
        return None
    return len(items) == 3


@functools.lru_cache(maxsize=256)
def _frequency(count: int) -> bytes:
    """The encoded value of a keyword found ``count`` times (shared bytes)."""
    value: bytes = pack_uint(count)
    return value


def keyword_postings(text: str, field_boost: float, lowercase: bool) -> list[Posting]:
    """What Whoosh's ``Frequency.word_values`` yields for ``text`` with ``KeywordAnalyzer(commas=True)``."""
    counts: dict[str, int] = {}
    for run in _COMMA_RUN.findall(text):
        word = run.strip().lower() if lowercase else run.strip()
        counts[word] = counts.get(word, 0) + 1
    return [
        (word.encode("utf-8"), count, float(count) * field_boost, _frequency(count)) for word, count in counts.items()
    ]


def id_postings(text: str, field_boost: float) -> list[Posting]:
    """What Whoosh's ``Existence.word_values`` yields for ``text`` with ``IDTokenizer``: the whole value, once."""
    return [(text.encode("utf-8"), 1, field_boost, b"")]


@functools.lru_cache(maxsize=4096)
def _single(position: int) -> bytes:
    """The encoded value of a term found once, at ``position`` (most terms of a note: shared bytes)."""
    value: bytes = pack_uint(1) + dumps([position], 2)
    return value


def positions_postings(text: str, field_boost: float) -> list[Posting]:
    """What Whoosh's ``Positions.word_values`` yields for ``text`` with the vault tokenizer, as bytes."""
    positions: dict[str, list[int]] = {}
    get = positions.get
    for pos, term in enumerate(tokens(text)):
        found = get(term)
        if found is None:
            positions[term] = [pos]
        else:
            found.append(pos)
    out: list[Posting] = []
    for term, found in positions.items():
        count = len(found)
        if count == 1:
            value = _single(found[0])
        else:
            deltas = [found[0]]
            deltas += [b - a for a, b in itertools.pairwise(found)]
            value = pack_uint(count) + dumps(deltas, 2)
        out.append((term.encode("utf-8"), count, float(count) * field_boost, value))
    return out


def document_postings(schema: Schema, document: Mapping[str, Any], fields: FastFields) -> DocumentPostings:
    """The postings of every indexed field of ``document`` (``field.index``'s items, as a list).

    Fields in ``fields`` (see :func:`fast_fields`) are computed by their function; the others go
    through Whoosh's ``field.index``. Fields whose value is None are left out, as Whoosh leaves
    them out.
    """
    out: DocumentPostings = {}
    for name, value in document.items():
        if value is None or name.startswith("_") or name not in schema:
            continue
        field: FieldType = schema[name]
        if not field.indexed:
            continue
        fast = fields.get(name)
        if fast is not None and isinstance(value, str):
            out[name] = fast(value)
        else:
            out[name] = list(field.index(value))
    return out
