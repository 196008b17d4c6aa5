"""A segment's term table: looking a word up through a memory map, and adding entries as a segment is written.

A query looks each of its words up in every field it searches, in every segment: a two-word
query on a three-segment index makes ~50 lookups. Whoosh's ``term_info`` finds a term in the W3
codec's hash table file with a ``seek`` and a ``read`` per probe, hashes the key through a hex
string, and raises (and formats) an exception for each term that is not there, which is most of
them: ~15 us a lookup on a 10,000-note index. :func:`term_info` reads the same table through a
memory map with ``struct.unpack_from``: ~4 us, the same answer (a test compares the two on every
term of an index and on missing ones).

The table layout is Whoosh's ``HashReader``: 256 hash tables of ``(hash, position)`` slots with
linear probing, the key hashed with MD5 (its last 32 bits); an entry is
``(key length, value length, key, value)``. Anything else (a compound segment, another hash
function, a closed reader) goes Whoosh's way.

:func:`add_entry` is Whoosh's ``OrderedHashWriter.add`` (what the index writer calls once per
term) with one write instead of three and the hash from the digest's bytes instead of its hex
string; the table Whoosh then writes is byte for byte the same.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
from typing import Any

from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.filedb.filetables import md5_hash
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort

_POINTER = struct.Struct("!Iq")  # a slot: (key hash, entry position); Whoosh's filetables._pointer
_LENGTHS = struct.Struct("!ii")  # an entry's (key length, value length); Whoosh's filetables._lengths
_NOT_MAPPED = object()


def key_hash(key: bytes) -> int:
    """Whoosh's ``md5_hash`` of a key (the last 32 bits of its MD5 digest), without the hex string."""
    return int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[12:], "big")


def add_entry(table: Any, key: bytes, value: bytes) -> None:
    """``table.add(key, value)`` of Whoosh's ``OrderedHashWriter`` (keys in increasing order), the same bytes."""
    if table.hashfn is not md5_hash:
        table.add(key, value)
        return
    if key <= table.lastkey:
        raise ValueError(f"Keys must increase: {table.lastkey!r}..{key!r}")
    dbfile = table.dbfile
    position = dbfile.tell()
    table.index.append(position)
    dbfile.write(_LENGTHS.pack(len(key), len(value)) + key + value)
    keyhash = key_hash(key)
    table.buckets[keyhash & 255].append((keyhash, position))
    table.lastkey = key


class _Table:
    """The term table of one segment, memory-mapped (made on a segment's first lookup)."""

    __slots__ = ("fields", "map", "tables")

    def __init__(self, terms: W3TermsReader) -> None:
        index = terms._tindex
        self.map = mmap.mmap(index.dbfile.fileno(), 0, access=mmap.ACCESS_READ)  # keeps its own handle
        self.tables: list[tuple[int, int]] = index.tables
        self.fields: dict[str, int] = terms._fieldmap

    def find(self, fieldname: str, tbytes: bytes) -> bytes | None:
        """The table's value for the term, or None."""
        key = pack_ushort(self.fields.get(fieldname, 65535)) + tbytes
        keyhash = key_hash(key)
        start, slots = self.tables[keyhash & 255]
        if not slots:
            return None
        size = _POINTER.size
        end = start + slots * size
        slot = start + ((keyhash >> 8) % slots) * size
        data = self.map
        for _ in range(slots):
            found, position = _POINTER.unpack_from(data, slot)
            if not position:
                return None
            if found == keyhash:
                keylength, valuelength = _LENGTHS.unpack_from(data, position)
                at = position + _LENGTHS.size
                if keylength == len(key) and data[at : at + keylength] == key:
                    return data[at + keylength : at + keylength + valuelength]
            slot += size
            if slot == end:
                slot = start
        return None


def _table(reader: Any) -> _Table | None:
    terms: Any = getattr(reader, "_terms", None)
    if type(terms) is not W3TermsReader:
        return None
    table = terms.__dict__.get("_vaultkit_table")
    if table is None:
        table = _NOT_MAPPED
        index = terms._tindex
        dbfile = index.dbfile
        if index.hashfn is md5_hash and getattr(dbfile, "is_real", False) and not getattr(dbfile, "is_closed", True):
            try:
                table = _Table(terms)
            except (OSError, ValueError):
                table = _NOT_MAPPED  # a file that cannot be mapped: Whoosh's way
        terms._vaultkit_table = table
    return None if table is _NOT_MAPPED else table


def term_info(reader: Any, fieldname: str, tbytes: bytes) -> Any:
    """``reader.term_info(fieldname, tbytes)`` of one segment's reader, or None when the term is not there."""
    table = _table(reader)
    if table is None or reader.is_closed:
        try:
            return reader.term_info(fieldname, tbytes)
        except TermNotFound:
            return None
    value = table.find(fieldname, tbytes)
    return None if value is None else W3TermInfo.from_bytes(value)
