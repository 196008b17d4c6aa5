"""Text analysis for the full-text index: one tokenizer for every script, CJK as overlapping bigrams.

:class:`VaultTokenizer` turns text into index terms:

* Text is NFKC-normalised for matching (fullwidth ``ＡＢＣ`` is ``abc``, decomposed Hangul from macOS
  file names is the same as composed Hangul), but every token's ``startchar``/``endchar`` index the
  string that was passed in, so highlighting works on the original text.
* Words of non-CJK scripts are maximal runs of letters, digits and combining marks (``L*``, ``N*``,
  ``M*``); everything else splits (``don't`` -> ``don`` ``t``, ``snake_case`` -> ``snake`` ``case``).
  Words are lowercased with :meth:`str.lower` (final sigma ``ς`` becomes ``σ``) and accents are
  removed from Latin letters only (``Ångström`` -> ``angstrom``); vowel signs of Devanagari, Hebrew
  points and Arabic harakat stay.
* Runs of Hangul, Han, Hiragana and Katakana become overlapping bigrams (``연구실`` -> ``연구``
  ``구실``); a run of one character is a unigram. A run glued to a Latin word splits at the script
  boundary (``PyTorch설치`` -> ``pytorch`` ``설치``).
* Positions count every token of the text in order, so the bigrams of a query word form a phrase
  that matches the document's bigrams at consecutive positions.
* Emoji, symbols and punctuation are dropped; tokens are truncated to :data:`MAX_TOKEN_LENGTH`.
* The work is linear in the length of the text whatever it holds.

Whoosh pickles the analyzer into the index schema, so this module's import path is stable and the
tokenizers hold no state: tables and compiled patterns are module globals. :data:`ANALYZER_VERSION`
is bumped whenever the produced tokens change, which makes the index rebuild.

With the optional ``kiwipiepy`` package (``vaultkit[korean]``), :func:`korean_analyzer` offers a
morphological analyzer for Korean that indexes lemmas (``먹었다`` and ``먹는다`` both give ``먹다``).
"""

from __future__ import annotations

import bisect
import functools
import importlib
import importlib.util
import itertools
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import Analyzer, CompositeAnalyzer, Token, Tokenizer

from . import ANALYZER_VERSION, KOREAN_AVAILABLE

__all__ = [
    "ANALYZER_VERSION",
    "KOREAN_AVAILABLE",
    "MAX_TOKEN_LENGTH",
    "KiwiTokenizer",
    "VaultTokenizer",
    "is_cjk_char",
    "korean_analyzer",
    "query_terms",
    "token_spans",
    "tokens",
    "vault_analyzer",
]


MAX_TOKEN_LENGTH = 64
"""Longer tokens are truncated to this many characters."""

# -- character classes --------------------------------------------------------------------------

# Code point ranges (inclusive) of the scripts indexed as bigrams: Hangul, Han, Hiragana, Katakana.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3005, 0x3007),  # 々 〆 〇 (ideographic iteration mark, closing mark, number zero)
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFF66, 0xFF9F),  # Halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK Unified Ideographs Extensions B.. and supplements (planes 2 and 3)
)
_CJK_STARTS: tuple[int, ...] = tuple(start for start, _ in _CJK_RANGES)

# Latin letters whose combining marks are removed ("accent folding").
_LATIN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0041, 0x005A),
    (0x0061, 0x007A),
    (0x00C0, 0x024F),  # Latin-1 Supplement letters, Latin Extended-A and -B
    (0x0250, 0x02AF),  # IPA Extensions
    (0x1D00, 0x1DBF),  # Phonetic Extensions
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
)
_LATIN_STARTS: tuple[int, ...] = tuple(start for start, _ in _LATIN_RANGES)

# Format characters that neither belong to a token nor split one (soft hyphen, ZWNJ/ZWJ, word
# joiner, BOM, direction marks) and variation selectors. U+200B ZERO WIDTH SPACE does split.
_IGNORABLE: frozenset[str] = frozenset(
    "\u00ad\u034f\u061c\u180e\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
    + "".join(chr(cp) for cp in range(0xFE00, 0xFE10))
    + "".join(chr(cp) for cp in range(0xE0100, 0xE01F0))
)

_OTHER, _WORD, _CJK, _MARK, _IGNORE = range(5)

# Maximal runs of characters that are neither ASCII punctuation/controls nor whitespace. Only these
# can hold tokens; a run made of ASCII only is exactly one [A-Za-z0-9]+ word.
_RUN_RE = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\s]+")

# Normalisation works on chunks of at most this many characters (a base and what composes with it),
# which keeps it linear on pathological input such as a letter followed by 100k combining marks.
_MAX_CHUNK = 32


def _in_ranges(cp: int, starts: tuple[int, ...], ranges: tuple[tuple[int, int], ...]) -> bool:
    i = bisect.bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ranges[i][1]


def is_cjk_char(ch: str) -> bool:
    """True when ``ch`` is a single Hangul, Han, Hiragana or Katakana letter (or number, like 〇).

    These are the characters indexed as bigrams. Punctuation inside those blocks (``・``, ``゛``)
    and combining marks are not CJK characters in this sense.
    """
    return len(ch) == 1 and _char_class(ch) == _CJK


@functools.lru_cache(maxsize=16384)
def _char_class(ch: str) -> int:
    if ch in _IGNORABLE:
        return _IGNORE
    major = unicodedata.category(ch)[0]
    if major == "M":
        return _MARK
    if major not in "LN":
        return _OTHER
    if _in_ranges(ord(ch), _CJK_STARTS, _CJK_RANGES):
        return _CJK
    return _WORD


def _is_latin(ch: str) -> bool:
    return _in_ranges(ord(ch), _LATIN_STARTS, _LATIN_RANGES)


# -- normalisation ------------------------------------------------------------------------------


def _fold_latin(word: str) -> str:
    """Remove the combining marks that follow a Latin letter; other scripts keep theirs."""
    if word.isascii():
        return word
    out: list[str] = []
    latin_base = False
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.category(ch)[0] == "M":
            if not latin_base:
                out.append(ch)
        else:
            latin_base = _is_latin(ch)
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _finish_word(word: str) -> str:
    """Lowercase, fold Latin accents and truncate an (NFKC-normalised) word."""
    # Cut early so that a 100k-character word costs no more than a long one; the result only
    # depends on the word, so re-analysing the same text always gives the same token.
    word = word[: MAX_TOKEN_LENGTH * 4].lower().replace("ς", "σ")
    return _fold_latin(word)[:MAX_TOKEN_LENGTH]


def _normalize_chunks(run: str, offset: int, starts: list[int], ends: list[int]) -> str:
    """NFKC-normalise ``run`` chunk by chunk, recording each output character's source span.

    A chunk is a character plus the following characters that change the normalisation when
    appended (combining marks, Hangul vowel/final jamo, halfwidth voicing marks...). Every output
    character of a chunk maps to the whole chunk.
    """
    parts: list[str] = []
    n = len(run)
    i = 0
    nfkc = unicodedata.normalize
    while i < n:
        j = i + 1
        norm = nfkc("NFKC", run[i])
        while j < n and j - i < _MAX_CHUNK:
            extended = nfkc("NFKC", run[i : j + 1])
            if extended == norm + nfkc("NFKC", run[j]):
                break
            norm = extended
            j += 1
        parts.append(norm)
        starts.extend([offset + i] * len(norm))
        ends.extend([offset + j] * len(norm))
        i = j
    return "".join(parts)


def _normalize_mapped(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """NFKC-normalise ``text``; return it with, per output character, its start and end in ``text``.

    The two lists are None when the text is already normalised (offsets are then the identity).
    Separators are copied unchanged; only runs that can hold tokens are normalised.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for match in _RUN_RE.finditer(text):
        run_start, run_end = match.span()
        run = match.group()
        if run_start > pos:
            parts.append(text[pos:run_start])
            starts.extend(range(pos, run_start))
            ends.extend(range(pos + 1, run_start + 1))
        if run.isascii() or unicodedata.is_normalized("NFKC", run):
            parts.append(run)
            starts.extend(range(run_start, run_end))
            ends.extend(range(run_start + 1, run_end + 1))
        else:
            parts.append(_normalize_chunks(run, run_start, starts, ends))
        pos = run_end
    if pos < len(text):
        parts.append(text[pos:])
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    return "".join(parts), starts, ends


_IGNORE_TABLE = dict.fromkeys(map(ord, _IGNORABLE))
_MAY_FOLD = re.compile(
    "[\u00c0-\u036f\u1ab0-\u1aff\u1dc0-\u1eff\u20d0-\u20ff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f\ufe20-\ufe2f]"
)
"""Precomposed Latin letters with marks, and combining marks: where Latin folding can change text."""


_NEVER_FOLDS = re.compile("[\x00-\x7f\uac00-\ud7a3\u4e00-\u9fff]*")
"""Text of ASCII, Hangul syllables and CJK ideographs only: normalising it is lowercasing it."""


def folded_text(text: str) -> str:
    """``text`` normalised as its tokens are (NFKC, ignorable characters dropped, lowercase, Latin folding).

    Every token of ``text`` is a substring of the result, so a word missing from it cannot match
    anywhere in ``text``: a cheap test before tokenising a line.
    """
    if _NEVER_FOLDS.fullmatch(text):
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).translate(_IGNORE_TABLE).lower().replace("ς", "σ")
    return _fold_latin(folded) if _MAY_FOLD.search(folded) else folded


def folded_lines(text: str) -> list[str]:
    """:func:`folded_text` of each line of ``text``, in order: one pass over a note that needs only lowercasing.

    A note with a character that may fold (an accent, a full-width letter...) is folded line by line, so that
    only its lines that need it take the slow path.
    """
    if _NEVER_FOLDS.fullmatch(text):
        return text.lower().split("\n")
    return [folded_text(line) for line in text.split("\n")]


def lines_holding(text: str, words: Iterable[str]) -> list[int]:
    """0-based numbers, in order, of the lines of ``text`` whose :func:`folded_text` holds one of ``words``.

    A note that needs only lowercasing is searched whole with ``str.find`` (a line is looked at
    only where a word is); any other note line by line, as :func:`folded_lines` folds it.
    """
    found: set[int] = set()
    if _NEVER_FOLDS.fullmatch(text):
        low = text.lower()  # the same line breaks: lowercasing never adds or removes one
        for word in words:
            at = low.find(word)
            while at >= 0:
                found.add(low.count("\n", 0, at))
                end = low.find("\n", at)
                at = low.find(word, end + 1) if end >= 0 else -1  # on to the next line
        return sorted(found)
    folded = folded_lines(text)
    wanted = tuple(words)
    return [number for number, line in enumerate(folded) if any(word in line for word in wanted)]


def _normalize_term(text: str) -> str:
    """Normalise a whole value as one term (``tokenize=False``): NFKC, lowercase, Latin folding."""
    return _fold_latin(unicodedata.normalize("NFKC", text).lower().replace("ς", "σ"))


# -- tokenization -------------------------------------------------------------------------------


def _cjk_tokens(clusters: list[tuple[str, int, int]]) -> Iterator[tuple[str, int, int]]:
    if len(clusters) == 1:
        text, start, end = clusters[0]
        yield text[:MAX_TOKEN_LENGTH], start, end
        return
    for (first, start, _), (second, _, end) in itertools.pairwise(clusters):
        yield (first + second)[:MAX_TOKEN_LENGTH], start, end


_HANGUL_SYLLABLES = re.compile("[\uac00-\ud7a3]+")


def _spans_normalized(text: str) -> Iterator[tuple[str, int, int]]:
    """Tokens of NFKC-normalised ``text`` as (token, start, end) with offsets into ``text``."""
    for match in _RUN_RE.finditer(text):
        run = match.group()
        offset = match.start()
        if run.isascii():
            yield run[: MAX_TOKEN_LENGTH * 4].lower()[:MAX_TOKEN_LENGTH], offset, match.end()
            continue
        if _HANGUL_SYLLABLES.fullmatch(run):  # fast path for the most common Korean run: bigrams at once
            if len(run) == 1:
                yield run, offset, offset + 1
            else:
                for k in range(len(run) - 1):
                    yield run[k : k + 2], offset + k, offset + k + 2
            continue
        kind = _OTHER
        word: list[str] = []  # characters of the current word (kind _WORD)
        clusters: list[tuple[str, int, int]] = []  # base + marks, start, end (kind _CJK)
        start = end = 0
        for i, ch in enumerate(run, offset):
            cls = _char_class(ch)
            if cls == _IGNORE:
                continue
            if cls == _MARK:
                if kind == _WORD:
                    word.append(ch)
                    end = i + 1
                elif kind == _CJK:
                    cluster, cluster_start, _ = clusters[-1]
                    clusters[-1] = (cluster + ch if len(cluster) < MAX_TOKEN_LENGTH else cluster, cluster_start, i + 1)
                continue  # a mark with nothing to attach to is dropped
            if cls == _WORD and kind == _WORD:
                word.append(ch)
                end = i + 1
                continue
            if cls == _CJK and kind == _CJK:
                clusters.append((ch, i, i + 1))
                continue
            # The kind changes: finish the current token(s) and start the next.
            if kind == _WORD:
                yield _finish_word("".join(word)), start, end
            elif kind == _CJK:
                yield from _cjk_tokens(clusters)
            kind = cls
            if cls == _WORD:
                word = [ch]
                start, end = i, i + 1
            elif cls == _CJK:
                clusters = [(ch, i, i + 1)]
        if kind == _WORD:
            yield _finish_word("".join(word)), start, end
        elif kind == _CJK:
            yield from _cjk_tokens(clusters)


def _map_spans(
    spans: Iterator[tuple[str, int, int]], starts: list[int] | None, ends: list[int] | None
) -> Iterator[tuple[str, int, int]]:
    if starts is None or ends is None:
        yield from spans
        return
    for text, start, end in spans:
        yield text, starts[start], ends[end - 1]


def _iter_spans(text: str) -> Iterator[tuple[str, int, int]]:
    norm, starts, ends = _normalize_mapped(text)
    return _map_spans(_spans_normalized(norm), starts, ends)


def _emit(
    spans: Iterator[tuple[str, int, int]],
    value: str,
    positions: bool,
    chars: bool,
    keeporiginal: bool,
    removestops: bool,
    start_pos: int,
    start_char: int,
    tokenize: bool,
    mode: str,
    kwargs: dict[str, Any],
) -> Iterator[Any]:
    """Yield one reused Whoosh Token per span, exactly as whoosh's RegexTokenizer fills it."""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a str")
    t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
    if not tokenize:
        t.text = _normalize_term(value)
        t.original = value
        t.boost = 1.0
        t.stopped = False
        if positions:
            t.pos = start_pos
        if chars:
            t.startchar = start_char
            t.endchar = start_char + len(value)
        yield t
        return
    for pos, (text, start, end) in enumerate(spans, start_pos):
        t.text = text
        t.boost = 1.0
        if keeporiginal:
            t.original = value[start:end]
        t.stopped = False
        if positions:
            t.pos = pos
        if chars:
            t.startchar = start_char + start
            t.endchar = start_char + end
        yield t


class VaultTokenizer(Tokenizer):  # type: ignore[misc]
    """The vault's tokenizer: see the module docstring for the rules. Stateless and picklable."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        spans = _iter_spans(value) if tokenize and isinstance(value, str) else iter(())
        return _emit(
            spans, value, positions, chars, keeporiginal, removestops, start_pos, start_char, tokenize, mode, kwargs
        )


def vault_analyzer() -> Analyzer:
    """The analyzer of the index's text fields: :class:`VaultTokenizer` as a Whoosh analyzer."""
    return CompositeAnalyzer(VaultTokenizer())


def tokens(text: str) -> list[str]:
    """The index terms of ``text``, in order (what :func:`token_spans` gives, without the offsets).

    The index build calls this for every field of every note, so the two common kinds of run, an
    ASCII word and a run of Hangul syllables, are handled without match objects or offsets.
    """
    norm = _normalize_mapped(text)[0]
    out: list[str] = []
    for run in _RUN_RE.findall(norm):
        if run.isascii():
            out.append(run[: MAX_TOKEN_LENGTH * 4].lower()[:MAX_TOKEN_LENGTH])
        elif _HANGUL_SYLLABLES.fullmatch(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend([run[k : k + 2] for k in range(len(run) - 1)])
        else:
            out.extend([token for token, _, _ in _spans_normalized(run)])
    return out


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """The index terms of ``text`` as (term, start, end); ``text[start:end]`` is where it came from."""
    return list(_iter_spans(text))


def query_terms(text: str) -> tuple[list[str], bool]:
    """Analyse one query word: its terms, and whether the word is exactly one CJK character.

    A single CJK character cannot match the bigrams of the index, so the query layer turns it into
    a prefix query instead.
    """
    terms = tokens(text)
    single_cjk = len(terms) == 1 and len(terms[0]) == 1 and is_cjk_char(terms[0])
    return terms, single_cjk


# -- optional Korean morphology (kiwipiepy) -----------------------------------------------------


# Kiwi part-of-speech tags (the part before "-", e.g. "VA-I" for an irregular adjective).
_KIWI_LEMMA_TAGS = frozenset({"VV", "VA"})  # verbs and adjectives: index the dictionary form
_KIWI_KEEP_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "MAG", "MAJ", "IC", "XR"})
# Everything else that is Korean grammar is dropped: particles (J*), endings (E*), affixes (XP*,
# XS*), copulas (VCP, VCN), auxiliaries (VX), determiners (MM), punctuation (SF, SP, SS*, SE, SO).
_KIWI_DROP_PREFIXES = ("J", "E", "XP", "XS", "VC", "VX", "MM", "SF", "SP", "SS", "SE", "SO")

_WORD_RE = re.compile(r"\S+")
_HANGUL_RE = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff]")
_KIWI_MAX_WORD = 64  # longer "words" are not sent to Kiwi
_KIWI_MAX_SEGMENT = 2000  # characters of text per Kiwi call

_KIWI_LOCK = threading.Lock()
_KIWI_CACHE: dict[str, Any] = {}  # the Kiwi instance: expensive to create and not picklable


def _kiwi() -> Any:
    with _KIWI_LOCK:
        kiwi = _KIWI_CACHE.get("kiwi")
        if kiwi is None:
            kiwi = importlib.import_module("kiwipiepy").Kiwi()
            _KIWI_CACHE["kiwi"] = kiwi
        return kiwi


def _kiwi_morphs(text: str, offset: int) -> Iterator[tuple[str, int, int]]:
    """Lemma tokens Kiwi finds in ``text``; offsets are shifted by ``offset``."""
    for morph in _kiwi().tokenize(text):
        tag = str(morph.tag).split("-", 1)[0]
        start = int(morph.start)
        end = min(max(start + int(morph.len), start + 1), len(text))
        if tag in _KIWI_LEMMA_TAGS:
            lemma = getattr(morph, "lemma", None) or str(morph.form) + "다"
            yield _finish_word(str(lemma)), offset + start, offset + end
        elif tag in _KIWI_KEEP_TAGS:
            yield _finish_word(str(morph.form)), offset + start, offset + end
        elif not tag.startswith(_KIWI_DROP_PREFIXES):
            # Foreign words, numbers, hanja, URLs, unknown words...: the vault's own tokens.
            for token, sub_start, sub_end in _spans_normalized(text[start:end]):
                yield token, offset + start + sub_start, offset + start + sub_end


def _kiwi_spans_normalized(text: str) -> Iterator[tuple[str, int, int]]:
    """Tokens of NFKC-normalised ``text``: Korean words through Kiwi, everything else by the vault rules.

    Kiwi gets consecutive whitespace-separated words that hold Hangul, in segments of bounded
    length; words without Hangul and overlong words (Kiwi is slow, even quadratic, on those) are
    tokenized by :func:`_spans_normalized`, which keeps the whole linear.
    """
    segment_start = segment_end = -1
    for match in _WORD_RE.finditer(text):
        start, end = match.span()
        if end - start <= _KIWI_MAX_WORD and _HANGUL_RE.search(match.group()):
            if segment_start < 0:
                segment_start = start
            elif end - segment_start > _KIWI_MAX_SEGMENT:
                yield from _kiwi_morphs(text[segment_start:segment_end], segment_start)
                segment_start = start
            segment_end = end
            continue
        if segment_start >= 0:
            yield from _kiwi_morphs(text[segment_start:segment_end], segment_start)
            segment_start = -1
        for token, sub_start, sub_end in _spans_normalized(match.group()):
            yield token, start + sub_start, start + sub_end
    if segment_start >= 0:
        yield from _kiwi_morphs(text[segment_start:segment_end], segment_start)


class KiwiTokenizer(Tokenizer):  # type: ignore[misc]
    """Korean morphological tokenizer (needs ``kiwipiepy``): nouns, and verbs/adjectives as lemmas.

    ``먹었다`` and ``먹는다`` both give ``먹다``; particles and endings are dropped. Text that is
    not Korean (Latin words, numbers, hanja) is tokenized by the :class:`VaultTokenizer` rules.
    Offsets index the original string. The Kiwi model is loaded once per process, on first use.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        spans: Iterator[tuple[str, int, int]] = iter(())
        if tokenize and isinstance(value, str):
            norm, starts, ends = _normalize_mapped(value)
            spans = _map_spans(_kiwi_spans_normalized(norm), starts, ends)
        return _emit(
            spans, value, positions, chars, keeporiginal, removestops, start_pos, start_char, tokenize, mode, kwargs
        )


def korean_analyzer() -> Analyzer | None:
    """A Whoosh analyzer built on :class:`KiwiTokenizer`, or None when kiwipiepy is not importable."""
    if not KOREAN_AVAILABLE:
        return None
    try:
        importlib.import_module("kiwipiepy")
    except ImportError:
        return None
    return CompositeAnalyzer(KiwiTokenizer())
