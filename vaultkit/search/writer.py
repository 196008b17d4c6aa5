"""Writing Whoosh segments: postings grouped per term in memory, written a block at a time.

Whoosh's stock :class:`~whoosh.writing.SegmentWriter` puts every posting of every document into
one big list as a ``(field, term, docnum, weight, value)`` tuple, spills sorted runs of it to temp
files through ``pickle`` (one call per posting), merges them back, and hands the postings one by
one to the codec. On a 10,000-note vault (2.8 million postings) that sorting and spilling is half
of the build. :class:`VaultSegmentWriter` is the same writer with a different pool:

* Postings are grouped per field and term as they arrive. Documents get increasing numbers, so
  each posting list is already in order and nothing is sorted but the term names.
* Each term's list is cut into blocks of :data:`POSTING_BLOCK` and written straight into the W3 codec's
  postings and term files (what its per-posting writer would produce, without a call per
  posting); small blocks (most terms of a vault occur in a few notes) are not zlib-compressed,
  which the format allows per block. A block's data is pickled with protocol 4 instead of
  Whoosh's 2 (:data:`BLOCK_PICKLE_PROTOCOL`): the reader unpickles it with ``pickle.loads``
  either way, and protocol 4 stores each posting's value as bytes rather than a function call;
  in a long block (:data:`_ARRAY_MIN` postings or more) its document numbers (delta-coded) and
  weights are arrays (``array("I")``, ``array("f")``), not tuples of numbers: an array unpickles as
  one copy of its bytes instead of an opcode per number, which made reading a block of 1,024
  postings (decompress + unpickle, what a query pays per block) ~16% faster at the same size.
  Whoosh's reader takes any sequence there (it makes ``array("f")`` weights itself).
* A term found in one document (most of them: names, numbers, property values) keeps its posting
  in its term-table entry ("inlined", which the W3 format allows but Whoosh's writer never does)
  instead of a block of its own in the postings file.
* Document postings can come precomputed (:mod:`.postings`, worked out by the parse workers).
* When the pool holds more than ``max_postings`` postings, the segment is written and a new one
  begun, which bounds memory on very large vaults; the commit lists all of them.
* For a full build every parse worker has a writer of its own that takes no lock and commits
  nothing (:meth:`VaultSegmentWriter.finish_segments`); the indexing process adds their segments
  (:meth:`VaultSegmentWriter.add_segments`) and commits them in one table of contents.
* Segments stay separate files (no compound file), and small segments are merged only once
  there are :data:`MERGE_AT` of them; a segment whose notes are all deleted is dropped at the
  next commit.

The index files are ordinary Whoosh 2.7 (W3 codec) segments; a test checks that terms, postings,
lengths and stored fields equal what the stock writer produces for the same documents.
"""

from __future__ import annotations

import itertools
import zlib
from array import array
from collections.abc import Iterator, Sequence
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo, W3TermsReader
from whoosh.reading import SegmentReader
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import NO_MERGE, SegmentWriter

from .postings import Posting, fast_fields
from .termtable import add_entry

POSTING_BLOCK = 1024
"""Postings per block of a long posting list (Whoosh's codec writes 128). A query reads whole blocks,
and each costs a header read, a decompression and an unpickling whatever its size: on the 10,000-note
synthetic vault, blocks of 1,024 made the query set ~8% faster in-process (interleaved runs; 4,096 no
better) at the same index size and build time. Readers take blocks of any size."""

_COMPRESS_MIN = 16
"""Blocks with fewer postings are written uncompressed (zlib's set-up costs more than it saves)."""

_ARRAY_MIN = 128
"""Blocks with at least this many postings keep their document numbers and weights as arrays
(see the module's notes); a smaller block unpickles faster as tuples, and is smaller."""

_COMPRESSION = 3
"""zlib level of larger blocks (Whoosh's default)."""

BLOCK_PICKLE_PROTOCOL = 4
"""Pickle protocol of a block's data tuple. Whoosh writes protocol 2, which has no opcode for bytes:
each posting's value becomes a call to ``_codecs.encode`` when the block is read (a 128-posting
block unpickled in ~70 us, ~8 us with protocol 4, and written in half the time, ~40% smaller).
Whoosh reads blocks with ``pickle.loads``, which takes any protocol, so the files stay W3."""

MERGE_AT = 10
"""Segments an index may have before a commit merges the small ones (Whoosh's MERGE_SMALL)."""

DEFAULT_MAX_POSTINGS = 4_000_000
"""Postings held in memory before a segment is written out (~40 bytes each)."""

_TermPostings = tuple["array[int]", "array[float]", list[bytes]]


class _GroupedPool:
    """Postings grouped by field and term: ``terms[field][term] = (docnums, weights, values)``."""

    def __init__(self) -> None:
        self.terms: dict[str, dict[bytes, _TermPostings]] = {}
        self.count = 0
        self.in_order = True  # False once a posting arrived with a lower docnum than its list's last
        self._highest = -1  # the highest docnum added so far
        self._values: dict[bytes, bytes] = {}  # one shared object per distinct short value

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface (used when a commit merges older segments into this one)."""
        fieldname, tbytes, docnum, weight, value = item
        self.add_term(fieldname, tbytes, [docnum], [weight], [value])

    def add_document_field(self, fieldname: str, docnum: int, items: list[Posting], boost: float) -> None:
        """Add one field of one document (its postings, as ``field.index`` gives them)."""
        field = self.terms.get(fieldname)
        if field is None:
            field = self.terms[fieldname] = {}
        if boost != 1.0:
            items = [(tbytes, freq, weight * boost, value) for tbytes, freq, weight, value in items]
        # a document numbered from the highest one added on cannot put any list out of order
        check = docnum < self._highest
        self._highest = max(self._highest, docnum)
        shared = self._values
        get = field.get
        for tbytes, _freq, weight, value in items:
            entry = get(tbytes)
            if entry is None:
                entry = field[tbytes] = (array("I"), array("d"), [])
            elif check and entry[0][-1] > docnum:
                self.in_order = False
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(shared.setdefault(value, value) if len(value) <= 12 else value)
        self.count += len(items)

    def add_term(
        self,
        fieldname: str,
        tbytes: bytes,
        docnums: Sequence[int],
        weights: Sequence[float],
        values: Sequence[bytes | None],
    ) -> None:
        """Add one term's postings in several documents, in document order (a merged segment's list)."""
        if not docnums:
            return
        field = self.terms.get(fieldname)
        if field is None:
            field = self.terms[fieldname] = {}
        entry = field.get(tbytes)
        if entry is None:
            entry = field[tbytes] = (array("I"), array("d"), [])
        elif entry[0][-1] > docnums[0]:
            self.in_order = False
        self._highest = max(self._highest, max(docnums))
        entry[0].extend(docnums)
        entry[1].extend(weights)
        shared = self._values
        entry[2].extend([shared.setdefault(v, v) if len(v) <= 12 else v for v in (value or b"" for value in values)])
        self.count += len(docnums)

    def sorted_terms(self, fieldname: str) -> Iterator[tuple[bytes, _TermPostings]]:
        """The terms of a field in byte order, each with its postings in document order."""
        field = self.terms[fieldname]
        for tbytes in sorted(field):
            ids, weights, values = field[tbytes]
            if not self.in_order and any(a > b for a, b in itertools.pairwise(ids)):
                order = sorted(range(len(ids)), key=ids.__getitem__)
                ids = array("I", (ids[i] for i in order))
                weights = array("d", (weights[i] for i in order))
                values = [values[i] for i in order]
            yield tbytes, (ids, weights, values)

    def cleanup(self) -> None:
        """Forget everything (Whoosh's pool interface)."""
        self.terms = {}
        self._values = {}
        self.count = 0
        self.in_order = True
        self._highest = -1


class VaultSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A Whoosh segment writer with a grouped in-memory pool and block-wise postings output.

    Behaves as :class:`whoosh.writing.SegmentWriter` (``add_document``, ``update_document``,
    ``delete_by_term``, ``commit``, ``cancel``); ``add_document`` also accepts ``_postings``, the
    precomputed :func:`~vaultkit.search.postings.document_postings` of the document.
    """

    segments: list[Any]  # the index's segments when the writer was opened (Whoosh's attribute)

    def __init__(self, ix: Any, *, max_postings: int = DEFAULT_MAX_POSTINGS, **kwargs: Any) -> None:
        """Open a writer on ``ix`` (takes the index's write lock, as Whoosh's writer does).

        Segments are left as separate files (``compound=False``): Whoosh opens a file inside a
        compound segment by copying it into memory (``BytesIO`` over the mapped file), which made
        every reader opened on a 10,000-note index copy ~100 MB of postings first.
        """
        kwargs.setdefault("compound", False)
        kwargs.setdefault("codec", W3Codec(blocklimit=POSTING_BLOCK))
        super().__init__(ix, **kwargs)
        for name, field in self.schema.items():
            if field.separate_spelling() or field.vector:
                raise ValueError(f"field {name!r}: spelling and vectors are not supported by this writer")
        self.pool = _GroupedPool()
        self._fast = fast_fields(self.schema)
        self._max_postings = max_postings
        self._written: list[Any] = []  # segments written out before the commit

    def add_document(self, **fields: Any) -> None:
        """Add a document (field name -> value); ``_postings`` may carry its precomputed postings."""
        self._check_state()
        schema = self.schema
        precomputed: dict[str, list[Posting]] = fields.get("_postings") or {}
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

        # Work everything out first: a value that fails leaves nothing half-added.
        prepared: list[tuple[str, Any, Any, list[Posting] | None, float, int]] = []
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            items: list[Posting] | None = None
            length = 0
            boost = 1.0
            if field.indexed:
                boost = self._field_boost(fields, fieldname, docboost)
                items = precomputed.get(fieldname)
                if items is None:
                    fast = self._fast.get(fieldname)
                    items = fast(value) if fast is not None and isinstance(value, str) else list(field.index(value))
                if field.scorable:
                    length = sum(item[1] for item in items)
            prepared.append((fieldname, field, value, items, boost, length))

        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for fieldname, field, value, items, boost, length in prepared:
                if items:
                    self.pool.add_document_field(fieldname, docnum, items, boost)
                custom = fields.get(f"_stored_{fieldname}", value)
                perdoc.add_field(fieldname, field, custom if field.stored else None, length)
                column = field.column_type
                if column and custom is not None:
                    perdoc.add_column_value(fieldname, column, field.to_column_value(custom))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1
        if self.pool.count >= self._max_postings:
            self._next_segment()

    def finish_segments(self) -> list[Any]:
        """Write out what this writer holds as segments and return them, without committing.

        For a writer that builds part of a new index in another process (``_lk=False``): the
        process holding the index's writer adds the returned segments with :meth:`add_segments`
        and commits them all at once.
        """
        self._check_state()
        if self._added:
            self._written.append(self._finalize_segment())
        else:
            self._close_segment()
        self.is_closed = True
        return self._written

    def add_segments(self, segments: list[Any]) -> None:
        """Segments written by other writers (see :meth:`finish_segments`), listed at the commit."""
        self._written.extend(segments)

    def _next_segment(self) -> None:
        """Write out the segment being built and start a new one (bounds the pool's memory)."""
        self._written.append(self._finalize_segment())
        segment = self.codec.new_segment(self.storage, self.indexname)
        self.newsegment = segment
        self.pool = _GroupedPool()
        self.perdocwriter = self.codec.per_document_writer(self.storage, segment)
        self.fieldwriter = self.codec.field_writer(self.storage, segment)
        self.docnum = self.docbase
        self._added = False

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """Whoosh's step of a merge that moves a segment's postings into this writer's pool.

        Whoosh looks each term of the segment up again in its hash table and walks the postings
        one at a time (~40 us a term: a commit that merged five small segments took ~0.18 s more
        than one that did not). Here the term table is read in one ordered pass, and each posting
        list a block at a time. Any reader other than a W3 segment goes Whoosh's way.
        """
        terms: Any = getattr(reader, "_terms", None)
        if type(reader) is not SegmentReader or type(terms) is not W3TermsReader:
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        from .scoring import _postings, without_deleted  # block-wise decoding, shared with scoring

        schema = self.schema
        deleted = reader.deleted_docs_set if reader.has_deletions() else None
        read = terms._codec.postings_reader
        add = self.pool.add_term
        for (fieldname, tbytes), info in terms.items():
            if fieldname not in schema:
                continue
            matcher = read(terms._postfile, info, schema[fieldname].format, term=(fieldname, tbytes))
            if deleted:
                matcher = without_deleted(matcher, deleted)  # as the segment's reader does, a block at a time
            ids, weights, values = _postings(matcher, values=True)
            docnums = [docmap[doc] for doc in ids] if docmap is not None else [startdoc + doc for doc in ids]
            add(fieldname, tbytes, docnums, weights, values)

    def _merge_segments(self, mergetype: Any, optimize: Any, merge: Any) -> list[Any]:
        # A segment whose notes are all deleted answers nothing but still costs every query a term
        # lookup per field and word: it leaves the table of contents (and its files go). A note saved
        # twice leaves one behind (its first save's segment); Whoosh keeps them until a merge.
        self.segments = [segment for segment in self.segments if segment.doc_count() > 0]
        # Whoosh's default policy merges the smallest segments at nearly every commit, so saving one
        # note re-read a few older one-note segments each time (~0.1 s at 10,000 notes). Small
        # segments are now left alone until there are MERGE_AT of them, then merged as usual.
        if mergetype is None and not optimize and self.merge and len(self.segments) < MERGE_AT:
            mergetype = NO_MERGE
        return [*super()._merge_segments(mergetype, optimize, merge), *self._written]

    def _flush_segment(self) -> None:
        """Write the pool's postings: fields and terms in order, each term's list block by block."""
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            doccount = self.docnum
            writer = self.fieldwriter
            for fieldname in sorted(self.pool.terms):
                field = self.schema[fieldname]
                doc_lengths = [lengths.doc_field_length(d, fieldname, 0) for d in range(doccount)]
                writer.start_field(fieldname, field)
                fixed_size = field.format.fixed_value_size()
                for tbytes, postings in self.pool.sorted_terms(fieldname):
                    _write_term(writer, tbytes, postings, doc_lengths, fixed_size)
                writer.finish_field()
            writer.close()
        finally:
            lengths.close()


def _write_inlined(fieldwriter: Any, tbytes: bytes, doc: int, weight: float, value: bytes | None, length: int) -> None:
    """The term-table entry of a term found in one document, its posting kept in the entry (inlined).

    Whoosh's W3 format allows this (``W3TermInfo.set_inlined``; its reader gives such a term a
    ``ListMatcher``) but its writer never does it. Most terms of a vault are in one note (a note's
    name, numbers, property values: 84% of the terms at 10,000 notes), and a block of their own in
    the postings file costs more to write and to read. The entry is ``W3TermInfo.to_bytes`` with
    the postings pickled with :data:`BLOCK_PICKLE_PROTOCOL`.
    """
    weight = array("f", (weight,))[0]  # the float32 a block would keep
    shortest = length_to_byte(length) if length else 0
    inlined = ((doc,), (weight,), (value,) if value or value is None else ())
    stats = (True, weight, 1, shortest, length_to_byte(length), max(0, weight), doc, doc)
    _add_term_entry(fieldwriter, tbytes, stats, dumps(inlined, BLOCK_PICKLE_PROTOCOL))


def _add_term_entry(fieldwriter: Any, tbytes: bytes, stats: tuple[Any, ...], tail: bytes) -> None:
    """A term's entry in the field writer's term table: ``W3TermInfo.to_bytes`` from its values.

    ``stats`` are the packed statistics (inlined, weight, notes, shortest and longest length as
    bytes, top weight, first and last note); ``tail`` the inlined postings or the postings' extent.
    """
    add_entry(fieldwriter._tindex, pack_ushort(fieldwriter._fieldid) + tbytes, W3TermInfo._struct.pack(*stats) + tail)


def _write_term(
    fieldwriter: Any, tbytes: bytes, postings: _TermPostings, doc_lengths: list[int], fixed_size: int | None
) -> None:
    """Write one term's posting list and its term-table entry, as the W3 codec writes them.

    This is ``start_term`` + ``add_posting`` per posting + ``finish_term`` of Whoosh's W3 field
    and postings writers done a block at a time: the same blocks (the codec's block size; header magic,
    signed block length, pickled block info and pickled, optionally zlib-compressed data; the data
    with :data:`BLOCK_PICKLE_PROTOCOL`) and the same term statistics. The writer tests compare every
    term and posting with Whoosh's output.
    """
    ids, weights, values = postings
    count = len(ids)
    if count == 1:
        value: bytes | None = None if fixed_size == 0 else values[0]  # what a W3 block reader gives
        _write_inlined(fieldwriter, tbytes, ids[0], weights[0], value, doc_lengths[ids[0]])
        return
    postwriter = fieldwriter._postwriter
    postfile = postwriter._postfile
    limit = postwriter._blocklimit
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    total = 0.0
    minlength: int | None = None
    maxlength = 0
    maxweight: float = 0
    for first in range(0, count, limit):
        end = min(first + limit, count)
        block_ids = ids[first:end]
        raw_weights = weights[first:end]
        block_weights = array("f", raw_weights)
        block_max = max(0, max(raw_weights))
        found = [length for length in map(doc_lengths.__getitem__, block_ids) if length]
        block_min_length = min(found) if found else None
        block_max_length = max(found) if found else 0
        # the term's statistics, as W3TermInfo.add_block keeps them
        total += sum(block_weights)
        minlength = block_min_length if minlength is None else min(minlength, block_min_length)  # type: ignore[type-var]
        maxlength = max(maxlength, block_max_length)
        maxweight = max(maxweight, block_max)
        # the block, as W3PostingsWriter._write_block writes it
        if all(w == 1.0 for w in block_weights):
            mini_weights: Any = None
        elif all(w == block_weights[0] for w in block_weights):
            mini_weights = block_weights[0]
        else:
            mini_weights = block_weights if end - first >= _ARRAY_MIN else tuple(block_weights)
        block_values = [v for v in values[first:end] if v]
        if fixed_size is None or fixed_size < 0:
            mini_values: Any = tuple(block_values)
        elif fixed_size == 0:
            mini_values = None
        else:
            mini_values = b"".join(block_values)
        deltas = [block_ids[0]]
        deltas += [b - a for a, b in itertools.pairwise(block_ids)]  # delta_encode, without a generator
        mini_ids = array("I", deltas) if end - first >= _ARRAY_MIN else tuple(deltas)
        data = dumps((mini_ids, mini_weights, mini_values), BLOCK_PICKLE_PROTOCOL)
        compression = _COMPRESSION if end - first >= _COMPRESS_MIN else 0
        if compression:
            data = zlib.compress(data, compression)
        info = dumps(
            (
                end - first,
                block_ids[-1],
                block_max,
                compression,
                length_to_byte(block_min_length),
                length_to_byte(block_max_length),
            ),
            2,
        )
        size = len(info) + len(data)
        postfile.write_int(-size if end == count else size)
        postfile.write(info)
        postfile.write(data)
    shortest = 0 if minlength is None else length_to_byte(minlength)
    stats = (False, total, count, shortest, length_to_byte(maxlength), maxweight, ids[0], ids[-1])
    _add_term_entry(fieldwriter, tbytes, stats, pack_long(start) + pack_int(postfile.tell() - start))
