"""The posting lists of one document, computed in bulk instead of token by token.

Whoosh turns a text value into postings by building one ``Token`` object per word and feeding it
through generic format code; on a 10,000-note vault that is a third of the index build. For the
fields analysed by :class:`~vaultkit.search.analysis.VaultTokenizer` into a positions format,
:func:`document_postings` computes the same ``(term bytes, frequency, weight, encoded positions)``
items straight from the tokenizer's spans. Every other field (keywords, ids, numbers, the optional
Korean lemma field) goes through Whoosh's own ``field.index``. The result is byte-for-byte what
``field.index`` gives (a test compares the two on random text), so the index does not depend on
which path wrote it.

The items are plain tuples of bytes and numbers, computed in the parse workers (which, for a full
build, also write them into segments of their own).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from pickle import dumps
from typing import Any

from whoosh.analysis import CompositeAnalyzer
from whoosh.fields import Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from .analysis import VaultTokenizer, tokens

Posting = tuple[bytes, int, float, bytes]
"""``(term as UTF-8, frequency, weight, encoded value)``: one term of one field of one document."""

DocumentPostings = dict[str, list[Posting]]
"""Field name -> the postings of that field (for the fields computed here)."""


def fast_fields(schema: Schema) -> frozenset[str]:
    """The fields of ``schema`` whose postings :func:`document_postings` computes itself."""
    names = []
    for name, field in schema.items():
        analyzer = getattr(field, "analyzer", None)
        if (
            type(field.format) is Positions
            and isinstance(analyzer, CompositeAnalyzer)
            and len(analyzer.items) == 1
            and type(analyzer.items[0]) is VaultTokenizer
            and not field.separate_spelling()
            and not field.vector
        ):
            names.append(name)
    return frozenset(names)


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


def document_postings(schema: Schema, document: Mapping[str, Any], fields: frozenset[str]) -> DocumentPostings:
    """The postings of every indexed field of ``document`` (``field.index``'s items, as a list).

    Fields in ``fields`` (see :func:`fast_fields`) are computed by :func:`positions_postings`; the
    others go through Whoosh's ``field.index``. Fields whose value is None are left out, as Whoosh
    leaves them out.
    """
    out: DocumentPostings = {}
    for name, value in document.items():
        if value is None or name.startswith("_") or name not in schema:
            continue
        field = schema[name]
        if not field.indexed:
            continue
        if name in fields and isinstance(value, str):
            out[name] = positions_postings(value, field.format.field_boost)
        else:
            out[name] = list(field.index(value))
    return out
