"""Link resolution the way Obsidian does it: no I/O, no Markdown parsing.

This module turns a link target into a vault path. It follows Obsidian's ``getFirstLinkpathDest``
(obsidian-syntax.md §4), including its quirks:

- a raw ``endsWith`` suffix test with no ``/`` boundary (``[[b/c]]`` finds ``ab/c.md``);
- a raw ``startsWith`` test for the "near" folder (source folder ``A`` counts ``AB/n.md`` as near);
- shortest path first, with insertion order breaking ties;
- a retry with ``.md`` appended;
- a leading ``/`` means an exact vault path and nothing else.

It also covers the text around resolution:

- decoding markdown link URLs with JavaScript ``decodeURI`` semantics (§3);
- splitting off the ``#subpath``;
- spotting external URLs;
- matching heading and block subpaths (§8).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "LinkResolver",
    "check_subpath",
    "decode_markdown_href",
    "find_block",
    "find_heading",
    "is_external_url",
    "link_keys",
    "normalize_heading",
    "split_linkpath",
]

_NBSP = "\u00a0"

# ---------------------------------------------------------------------------------------------------------
# Small string helpers
# ---------------------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """NFC-normalise and turn NBSP into a plain space (Obsidian's cleanString, without the trim)."""
    return unicodedata.normalize("NFC", text).replace(_NBSP, " ")


def _basename(path: str) -> str:
    """The text after the last ``/`` (the whole string when there is none), like Obsidian's getFilename."""
    return path[path.rfind("/") + 1 :]


def _dirname(path: str) -> str:
    """The text before the last ``/`` ('' when there is none), like Obsidian's getParentPath."""
    cut = path.rfind("/")
    return "" if cut < 0 else path[:cut]


def _js_length(text: str) -> int:
    """``String.prototype.length`` in JavaScript: UTF-16 code units (astral characters count twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# ---------------------------------------------------------------------------------------------------------
# Markdown hrefs, subpaths, external URLs
# ---------------------------------------------------------------------------------------------------------

_HEX = frozenset("0123456789abcdefABCDEF")
# decodeURI leaves escapes of these characters as they are (reservedURISet plus '#').
_URI_RESERVED = frozenset(";/?:@&=+$,#")


def _hex_byte(text: str, at: int) -> int | None:
    """The byte encoded by ``%XX`` at ``text[at]``, or None when it is not a well-formed escape."""
    if at + 2 >= len(text) or text[at] != "%":
        return None
    hi, lo = text[at + 1], text[at + 2]
    if hi not in _HEX or lo not in _HEX:
        return None
    return int(hi + lo, 16)


def _decode_uri(text: str) -> str | None:
    """JavaScript ``decodeURI``. Returns None where JavaScript would throw URIError."""
    if "%" not in text:
        return text
    out: list[str] = []
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char != "%":
            out.append(char)
            i += 1
            continue
        first = _hex_byte(text, i)
        if first is None:
            return None
        if first < 0x80:
            decoded = chr(first)
            out.append(text[i : i + 3] if decoded in _URI_RESERVED else decoded)
            i += 3
            continue
        if first & 0xE0 == 0xC0:
            more = 1
        elif first & 0xF0 == 0xE0:
            more = 2
        elif first & 0xF8 == 0xF0:
            more = 3
        else:  # a continuation byte or an invalid lead byte
            return None
        octets = bytearray([first])
        j = i + 3
        for _ in range(more):
            nxt = _hex_byte(text, j)
            if nxt is None or nxt & 0xC0 != 0x80:
                return None
            octets.append(nxt)
            j += 3
        try:
            # Strict UTF-8 rejects overlong forms, surrogates and code points past U+10FFFF (as decodeURI).
            out.append(octets.decode("utf-8"))
        except UnicodeDecodeError:
            return None
        i = j
    return "".join(out)


def decode_markdown_href(url: str) -> str | None:
    """Obsidian's treatment of a markdown link URL, or None when Obsidian drops the link.

    The steps are:

    1. Strip a surrounding ``<...>``.
    2. Apply JavaScript ``decodeURI``. It decodes ``%XX`` escapes (multi-byte UTF-8 included, so
       ``%ED%95%9C`` becomes ``한``) except for ``; / ? : @ & = + $ , #``, which stay encoded as
       written (``%23`` stays ``%23``).
    3. Clean the result the way cleanString does: NBSP becomes a space, then trim, then NFC.

    Malformed percent-encoding returns None, because Obsidian drops such a link. That includes
    ``%ZZ``, a truncated escape, and invalid UTF-8.
    """
    if len(url) >= 2 and url.startswith("<") and url.endswith(">"):
        url = url[1:-1]
    decoded = _decode_uri(url)
    if decoded is None:
        return None
    return unicodedata.normalize("NFC", decoded.replace(_NBSP, " ").strip())


def split_linkpath(href: str) -> tuple[str, str | None]:
    """Split a link at the first ``#`` into (linkpath, subpath).

    ``'Note#H1#H2'`` gives ``('Note', 'H1#H2')``, ``'#^b'`` gives ``('', '^b')`` and ``'Note'`` gives
    ``('Note', None)``.
    """
    linkpath, sep, subpath = href.partition("#")
    return linkpath, (subpath if sep else None)


# An RFC 3986 scheme of at least two characters, so a Windows drive letter ('C:\\') is not a scheme.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:")


def is_external_url(url: str) -> bool:
    """True when ``url`` points outside the vault.

    That is the case for a URL with a scheme (``https:``, ``http:``, ``mailto:``, ``obsidian:``,
    ``file:``, ``data:``, or any RFC 3986 scheme of two or more characters followed by ``:``), and
    for a protocol-relative ``//host``. A Windows drive such as ``C:\\`` has a one-letter "scheme",
    so it does not count.
    """
    url = url.strip()
    if len(url) >= 2 and url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    return url.startswith("//") or _SCHEME.match(url) is not None


# ---------------------------------------------------------------------------------------------------------
# The resolver
# ---------------------------------------------------------------------------------------------------------


def link_keys(linkpath: str) -> tuple[str, ...]:
    """The basename keys that resolving ``linkpath`` may look up.

    The keys are the lowercased NFC basename, and the same basename with ``.md`` appended (the
    retry). A link can change resolution only when a file is added or removed under one of these keys
    (see :meth:`LinkResolver.affected_by`). This ignores alias fallback and an empty linkpath, which
    means the source note itself.
    """
    base = _basename(_clean(linkpath).lower())
    return (base, base + ".md")


@dataclass(slots=True)
class _Entry:
    path: str  # as given by the caller
    lower: str  # NFC, NBSP -> space, lowercased: what every comparison uses
    length: int  # JavaScript length of the cleaned path (sort key)
    seq: int  # insertion counter (tie-break and "path order")


def _sort_key(entry: _Entry) -> tuple[int, int]:
    return (entry.length, entry.seq)


class LinkResolver:
    """Obsidian's getFirstLinkpathDest over a fixed set of vault files (notes and attachments).

    Files are indexed once in a multimap keyed by lowercase basename including extension (Obsidian's
    ``uniqueFileLookup``). :meth:`resolve` therefore only looks at the files that share the
    target's name, never at the whole vault.
    """

    def __init__(self, paths: Iterable[str] = (), aliases: Mapping[str, Sequence[str]] | None = None) -> None:
        """Index ``paths`` in the order given. That order is the tie-break between equally short candidates.

        ``paths`` are vault-relative, ``/``-separated paths of every file. ``aliases`` maps a note path
        to its aliases; they are used only by ``resolve(..., use_aliases=True)``.
        """
        self._seq = 0
        self._by_path: dict[str, _Entry] = {}
        # lowercase basename -> entries sorted by (JavaScript length, insertion order)
        self._by_name: dict[str, list[_Entry]] = {}
        # lowercase path -> entries in insertion order (several only when paths differ by case alone)
        self._by_lower: dict[str, list[_Entry]] = {}
        self._aliases: dict[str, tuple[str, ...]] = {}
        self._by_alias: dict[str, list[str]] = {}
        for path in paths:
            self.add(path)
        if aliases:
            for path, names in aliases.items():
                self.set_aliases(path, names)

    # -- maintenance -----------------------------------------------------------------------------------

    def add(self, path: str, aliases: Sequence[str] | None = None) -> None:
        """Add a file.

        Adding a path that is already present does nothing, except that ``aliases``, if given,
        replace the old ones. A re-added file goes to the end of the insertion order, as it does in
        Obsidian.
        """
        key = unicodedata.normalize("NFC", path)
        if key not in self._by_path:
            cleaned = _clean(path)
            entry = _Entry(path=path, lower=cleaned.lower(), length=_js_length(cleaned), seq=self._seq)
            self._seq += 1
            self._by_path[key] = entry
            insort(self._by_name.setdefault(_basename(entry.lower), []), entry, key=_sort_key)
            self._by_lower.setdefault(entry.lower, []).append(entry)
        if aliases is not None:
            self.set_aliases(path, aliases)

    def remove(self, path: str) -> None:
        """Remove a file and forget its aliases. Removing an unknown path does nothing."""
        key = unicodedata.normalize("NFC", path)
        entry = self._by_path.pop(key, None)
        if entry is not None:
            for index, name in ((self._by_name, _basename(entry.lower)), (self._by_lower, entry.lower)):
                bucket = index[name]
                bucket.remove(entry)
                if not bucket:
                    del index[name]
        self.set_aliases(path, ())

    def set_aliases(self, path: str, aliases: Sequence[str]) -> None:
        """Replace the aliases of note ``path``. A plain string counts as one alias."""
        key = unicodedata.normalize("NFC", path)
        for old in self._aliases.pop(key, ()):
            holders = self._by_alias.get(old)
            if holders is not None:
                holders[:] = [p for p in holders if p != key]
                if not holders:
                    del self._by_alias[old]
        names = (aliases,) if isinstance(aliases, str) else tuple(aliases)
        keys = tuple(dict.fromkeys(_clean(a).strip().lower() for a in names if isinstance(a, str)))
        keys = tuple(k for k in keys if k)
        if keys:
            self._aliases[key] = keys
            for alias in keys:
                self._by_alias.setdefault(alias, []).append(key)

    def __len__(self) -> int:
        """The number of files indexed."""
        return len(self._by_path)

    def __contains__(self, path: object) -> bool:
        """True when ``path`` is an indexed file (compared after NFC normalisation)."""
        return isinstance(path, str) and unicodedata.normalize("NFC", path) in self._by_path

    # -- lookups ---------------------------------------------------------------------------------------

    def resolve(self, linkpath: str, source: str, *, use_aliases: bool = False) -> str | None:
        """The vault path of the file ``linkpath`` points to from ``source``, or None.

        ``linkpath`` has no subpath. An empty linkpath means the source itself, provided the source is
        an indexed file. The steps are those of obsidian-syntax.md §4, applied to ``p`` and then to
        ``p + '.md'``:

        1. Look up candidates by lowercase basename.
        2. ``./`` and ``../`` resolve against ``dirname(source)``, and an exact match wins.
        3. Strip a leading ``/``. An exact case-insensitive full-path match wins.
        4. A link that started with ``/`` resolves to nothing more.
        5. Keep candidates that pass a raw lowercase ``endswith(p)`` test.
        6. Near files (path starts with the lowercased source folder; every file is near when the
           source is at the root) come before far ones, each group shortest path first, ties in
           insertion order.

        Linkpath, source and paths are compared after NFC normalisation, with NBSP read as a space.
        When ``use_aliases`` is true and nothing was found, the note whose alias equals ``linkpath``
        (case-insensitively) is returned; if several match, the first in path order wins. Obsidian
        Publish does this; the app does not.
        """
        if linkpath == "" and source:
            own = self._by_path.get(unicodedata.normalize("NFC", source))
            if own is not None:
                return own.path
        link = _clean(linkpath)
        source_dir = _dirname(_clean(source)).lower()
        found = self._get(link, source_dir) or self._get(link + ".md", source_dir)
        if found is not None:
            return found.path
        if use_aliases:
            return self._by_alias_lookup(link)
        return None

    def _get(self, link: str, source_dir: str) -> _Entry | None:
        """The first result of Obsidian's ``_getLinkpathDest`` (link already cleaned)."""
        wanted = link.lower()
        candidates = self._by_name.get(_basename(wanted))
        if not candidates:
            return None
        folder = source_dir
        if wanted.startswith(("./", "../")):
            if wanted.startswith("./../"):
                wanted = wanted[2:]
            if wanted.startswith("./"):
                if folder:
                    folder += "/"
                wanted = folder + wanted[2:]
            else:
                while wanted.startswith("../"):
                    wanted = wanted[3:]
                    folder = _dirname(folder)
                if folder:
                    folder += "/"
                wanted = folder + wanted
            exact = self._by_lower.get(wanted)
            if exact:
                return exact[0]
        if wanted.startswith("/"):
            wanted = wanted[1:]
        # An exact match shares the basename, so it is one of the candidates; the first inserted wins.
        exact = self._by_lower.get(wanted)
        if exact:
            return exact[0]
        if link.startswith("/"):
            return None
        # Candidates are kept sorted by (length, insertion order): the first near hit is the answer,
        # and without one, the first hit of all (necessarily far) is.
        best_far: _Entry | None = None
        for entry in candidates:
            if entry.lower.endswith(wanted):
                if entry.lower.startswith(folder):
                    return entry
                if best_far is None:
                    best_far = entry
        return best_far

    def _by_alias_lookup(self, link: str) -> str | None:
        holders = self._by_alias.get(link.strip().lower())
        best: _Entry | None = None
        for key in holders or ():
            entry = self._by_path.get(key)
            if entry is not None and (best is None or entry.seq < best.seq):
                best = entry
        return None if best is None else best.path

    def candidates_for_name(self, name: str) -> list[str]:
        """Every file whose basename, with or without ``.md``, equals ``name`` case-insensitively.

        Results come in insertion order. Use this to list the choices when a name is ambiguous.
        """
        base = _clean(name).lower()
        if not base or "/" in base:
            return []
        entries = [*self._by_name.get(base, ()), *self._by_name.get(base + ".md", ())]
        entries.sort(key=lambda e: e.seq)
        return [e.path for e in entries]

    def affected_by(self, path: str) -> str:
        """The lowercase basename key a file falls under.

        Adding or removing the file can only change links that have this key among their
        :func:`link_keys`.
        """
        return _basename(_clean(path).lower())


# ---------------------------------------------------------------------------------------------------------
# Headings and blocks
# ---------------------------------------------------------------------------------------------------------

_HEADING_PUNCT = re.compile(r"[!\"#$%&()*+,.:;<=>?@^`{|}~/\[\]\\\r\n]")
# JavaScript's \s (what `.replace(/\s+/g, " ").trim()` collapses and trims).
_JS_SPACE = re.compile(r"[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
# PDF open parameters used as subpaths: page=3, height=400, zoom=..., search=..., ...
_PDF_PARAM = re.compile(r"[A-Za-z][A-Za-z0-9_-]*=")


def normalize_heading(text: str) -> str:
    """Obsidian's stripHeading, ready for comparison.

    Each character of ``!"#$%&()*+,.:;<=>?@^`{|}~/[]\\`` and each CR/LF becomes a space. Then runs of
    whitespace collapse to one space, the ends are trimmed, and the text is lowercased. The
    lowercasing is JavaScript-style ``str.lower``, not casefold, so ``ß`` stays ``ß``.
    """
    spaced = _HEADING_PUNCT.sub(" ", text)
    return _JS_SPACE.sub(" ", spaced).strip(" ").lower()


def find_heading(headings: Sequence[tuple[int, str]], subpath: str) -> int | None:
    """The index of the heading that ``subpath`` (``'A#B'``, no leading ``#``) points to, or None.

    ``headings`` is a list of ``(level, text)`` pairs for the root-level headings, in document order.
    The walk goes through them in order. Each later part must match a heading that comes after the
    previous match and is deeper than it, though not necessarily a direct child. The first match
    wins. This reproduces Obsidian's quirk: over ``# A``, ``# C``, ``## D``, the subpath ``A#D``
    matches D. Empty parts (from ``A##B`` or a trailing ``#``) are ignored. A subpath with no
    non-empty part gives None.
    """
    parts = [normalize_heading(part) for part in subpath.split("#") if part]
    if not parts:
        return None
    want = 0
    level_floor = 0
    for index, (level, text) in enumerate(headings):
        if level > level_floor and normalize_heading(text) == parts[want]:
            want += 1
            level_floor = level
            if want == len(parts):
                return index
    return None


def find_block(block_ids: Iterable[str], block: str) -> bool:
    """True when ``block`` (written without ``^``) is one of ``block_ids``. Case is ignored."""
    if block.startswith("^"):
        block = block[1:]
    wanted = block.lower()
    return any(b.lower() == wanted for b in block_ids)


def check_subpath(subpath: str | None, headings: Sequence[tuple[int, str]], block_ids: Iterable[str]) -> str | None:
    """None when ``subpath`` is fine or absent; otherwise the problem in plain words.

    The problem reads ``missing heading "X"`` or ``missing block "^id"``. A subpath that starts with
    ``^`` names a block. Footnote subpaths (``[^id]``) and PDF parameters (``page=3``,
    ``height=400``) are never reported, and neither is a subpath made only of ``#``.
    """
    if not subpath:
        return None
    if subpath.startswith("^"):
        block = subpath[1:]
        return None if find_block(block_ids, block) else f'missing block "^{block}"'
    if subpath.startswith("[^"):
        return None
    if not subpath.strip("#"):
        return None
    if find_heading(headings, subpath) is not None:
        return None
    if _PDF_PARAM.match(subpath):
        return None
    return f'missing heading "{subpath}"'
