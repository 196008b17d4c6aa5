"""The analyzer of the full-text index: tokens, offsets, positions, pickling, Whoosh end to end."""

from __future__ import annotations

import pickle
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.index import Index
from whoosh.qparser import QueryParser
from whoosh.query import Phrase, Prefix, Query, Term

from vaultkit.search import analysis
from vaultkit.search.analysis import (
    ANALYZER_VERSION,
    MAX_TOKEN_LENGTH,
    VaultTokenizer,
    is_cjk_char,
    korean_analyzer,
    query_terms,
    token_spans,
    tokens,
    vault_analyzer,
)

# -- tokens -------------------------------------------------------------------------------------

TOKEN_CASES: list[tuple[str, list[str]]] = [
    # CJK runs become overlapping bigrams
    ("연구실에서는", ["연구", "구실", "실에", "에서", "서는"]),
    ("연구실", ["연구", "구실"]),
    ("연", ["연"]),
    ("한 글", ["한", "글"]),
    ("東京大学", ["東京", "京大", "大学"]),
    ("ひらがな", ["ひら", "らが", "がな"]),
    ("カタカナー", ["カタ", "タカ", "カナ", "ナー"]),
    ("ｶﾀｶﾅ", ["カタ", "タカ", "カナ"]),  # halfwidth katakana, NFKC
    ("ｶﾞｯｺｳ", ["ガッ", "ッコ", "コウ"]),  # halfwidth voicing mark composes
    ("人々", ["人々"]),
    ("𠀀𠀁", ["𠀀𠀁"]),  # Extension B
    ("한글\u3000검색", ["한글", "검색"]),  # ideographic space splits
    ("東京・大阪", ["東京", "大阪"]),  # katakana middle dot is punctuation
    # decomposed Hangul (macOS file names) is the same as composed Hangul
    (unicodedata.normalize("NFD", "한글"), ["한글"]),
    # script boundaries split
    ("PyTorch설치", ["pytorch", "설치"]),
    ("3월", ["3", "월"]),
    ("2024년3월", ["2024", "년", "3", "월"]),
    ("Python3で学ぶ", ["python3", "で学", "学ぶ"]),
    # Latin words: letters and digits; everything else splits
    ("don't", ["don", "t"]),
    ("lv2-u-stage", ["lv2", "u", "stage"]),
    ("nn.Linear", ["nn", "linear"]),
    ("snake_case", ["snake", "case"]),
    ("week09 1984", ["week09", "1984"]),
    ("Hello, World!", ["hello", "world"]),
    ("a/b\\c|d", ["a", "b", "c", "d"]),
    ("#tag [[Link]] `code`", ["tag", "link", "code"]),
    # lowercasing and Latin accent folding
    ("café", ["cafe"]),
    ("CAFÉ", ["cafe"]),
    ("cafe\u0301", ["cafe"]),  # combining acute
    ("Ångström", ["angstrom"]),
    ("Straße", ["straße"]),
    ("naïve façade", ["naive", "facade"]),
    ("Tiếng Việt", ["tieng", "viet"]),
    ("İstanbul", ["istanbul"]),
    ("Œuvre", ["œuvre"]),
    # other scripts keep their marks and stay whole
    ("वेद", ["वेद"]),
    ("संस्कृतम्", ["संस्कृतम्"]),
    ("שָׁלוֹם", ["שָׁלוֹם"]),
    ("مَرْحَبًا", ["مَرْحَبًا"]),
    ("Привет Мир", ["привет", "мир"]),
    ("Ἀθῆναι", ["ἀθῆναι"]),
    ("ΟΔΟΣ οδος", ["οδοσ", "οδοσ"]),  # final sigma is folded
    # NFKC
    ("ＡＢＣ", ["abc"]),
    ("Ｐｙｔｈｏｎ３", ["python3"]),
    ("ﬁle", ["file"]),
    ("x²", ["x2"]),
    ("①", ["1"]),
    # emoji, symbols and punctuation are dropped; format characters do not split
    ("😀", []),
    ("👩\u200d💻 coding 🎉!", ["coding"]),
    ("★☆→ ✓", []),
    ("soft\u00adhyphen", ["softhyphen"]),
    ("ab\u200bcd", ["ab", "cd"]),  # zero width space splits
    ("\u0301abc", ["abc"]),  # a leading combining mark has nothing to attach to
    ("", []),
    ("   \n\t ", []),
    ("###%%%```", []),
]


@pytest.mark.parametrize(("text", "expected"), TOKEN_CASES)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_korean_substring_is_a_token() -> None:
    assert "연구" in tokens("연구실에서는")
    assert "에서" in tokens("연구실에서는 실험했다")


SPAN_CASES: list[tuple[str, list[tuple[str, int, int]]]] = [
    ("ＡＢＣ", [("abc", 0, 3)]),
    ("x ＡＢＣ y", [("x", 0, 1), ("abc", 2, 5), ("y", 6, 7)]),
    ("연구실", [("연구", 0, 2), ("구실", 1, 3)]),
    ("PyTorch설치", [("pytorch", 0, 7), ("설치", 7, 9)]),
    ("cafe\u0301 bar", [("cafe", 0, 5), ("bar", 6, 9)]),
    ("😀 연구", [("연구", 2, 4)]),  # an astral character is one index of a str
    ("\u1112\u1161\u11ab\u1100\u1173\u11af!", [("한글", 0, 6)]),
    ("ｶﾞｯ", [("ガッ", 0, 3)]),
    ("¼", [("1", 0, 1), ("4", 0, 1)]),
]


@pytest.mark.parametrize(("text", "expected"), SPAN_CASES)
def test_token_spans(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert token_spans(text) == expected


IS_CJK_CASES: list[tuple[str, bool]] = [
    ("한", True),
    ("ㅋ", True),
    ("\u1100", True),
    ("漢", True),
    ("𠀀", True),
    ("あ", True),
    ("ア", True),
    ("ｱ", True),
    ("ー", True),
    ("々", True),
    ("a", False),
    ("Ａ", False),
    ("1", False),
    ("・", False),
    ("。", False),
    ("\u3099", False),  # combining voiced sound mark
    ("😀", False),
    ("", False),
    ("한글", False),
]


@pytest.mark.parametrize(("ch", "expected"), IS_CJK_CASES)
def test_is_cjk_char(ch: str, expected: bool) -> None:
    assert is_cjk_char(ch) is expected


QUERY_CASES: list[tuple[str, list[str], bool]] = [
    ("연", ["연"], True),
    ("漢", ["漢"], True),
    ("연구", ["연구"], False),
    ("연구실", ["연구", "구실"], False),
    ("a", ["a"], False),
    ("Café", ["cafe"], False),
    ("3월", ["3", "월"], False),
    ("!", [], False),
]


@pytest.mark.parametrize(("word", "expected", "single_cjk"), QUERY_CASES)
def test_query_terms(word: str, expected: list[str], single_cjk: bool) -> None:
    assert query_terms(word) == (expected, single_cjk)


def test_analyzer_version_is_an_int() -> None:
    assert isinstance(ANALYZER_VERSION, int)
    assert ANALYZER_VERSION >= 1


def test_long_tokens_are_truncated() -> None:
    assert tokens("a" * 1000) == ["a" * MAX_TOKEN_LENGTH]
    assert tokens("é" * 1000) == ["e" * MAX_TOKEN_LENGTH]
    assert token_spans("x " + "b" * 100) == [("x", 0, 1), ("b" * MAX_TOKEN_LENGTH, 2, 102)]
    [long_cjk] = tokens("\u3042" + "\u3099" * 500)  # a kana with many combining marks
    assert len(long_cjk) <= MAX_TOKEN_LENGTH


# -- offsets ------------------------------------------------------------------------------------

MIXED_ALPHABET = (
    "aZé\u0301ßİΣς 09_-'.#`%"
    "ＡＢ１ﬁ²①¼㍻㊀"
    "한글연구ㅋㅎㅏ\u1112\u1161\u11ab"
    "漢字々あがｶﾞｯー・"
    "वेदשָׁمَ"
    "😀\u200d\u200c\u00ad\u200b\ufe0f\u3000\n"
)


def _check_spans(text: str) -> None:
    for token, start, end in token_spans(text):
        assert 0 <= start < end <= len(text), (token, start, end)
        assert token in tokens(text[start:end]), (token, text[start:end])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=MIXED_ALPHABET, max_size=40))
def test_spans_reanalyse_to_their_token_mixed(text: str) -> None:
    _check_spans(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_spans_reanalyse_to_their_token_any_text(text: str) -> None:
    _check_spans(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=MIXED_ALPHABET, max_size=40))
def test_tokens_and_spans_agree(text: str) -> None:
    assert [token for token, _, _ in token_spans(text)] == tokens(text)
    assert all(0 < len(token) <= MAX_TOKEN_LENGTH for token in tokens(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_tokens_and_spans_agree_any_text(text: str) -> None:
    """tokens() has its own fast paths (ASCII words, Hangul runs): it must still equal token_spans()."""
    assert [token for token, _, _ in token_spans(text)] == tokens(text)


# -- the Whoosh tokenizer protocol ---------------------------------------------------------------


def _attrs(text: str, **kwargs: object) -> list[dict[str, object]]:
    return [dict(t.__dict__) for t in vault_analyzer()(text, **kwargs)]


def test_positions_are_consecutive_across_scripts() -> None:
    text = "Hello 연구실에서는 PyTorch설치 world 東京"
    got = _attrs(text, positions=True)
    assert [t["pos"] for t in got] == list(range(len(got)))
    assert [t["text"] for t in got] == tokens(text)
    shifted = _attrs(text, positions=True, start_pos=10)
    assert [t["pos"] for t in shifted] == list(range(10, 10 + len(got)))


def test_chars_original_and_flags() -> None:
    text = "Ｃａｆé 연구실"
    got = _attrs(text, positions=True, chars=True, keeporiginal=True, start_char=5, mode="index")
    assert [(t["text"], t["startchar"], t["endchar"], t["original"]) for t in got] == [
        ("cafe", 5, 9, "Ｃａｆé"),
        ("연구", 10, 12, "연구"),
        ("구실", 11, 13, "구실"),
    ]
    assert all(t["boost"] == 1.0 and t["stopped"] is False and t["mode"] == "index" for t in got)


def test_without_chars_or_positions_the_token_has_none() -> None:
    [t] = _attrs("word")
    assert "pos" not in t and "startchar" not in t


def test_tokenize_false_normalises_the_whole_value() -> None:
    [t] = _attrs("Café ＡＢ 연구", tokenize=False, positions=True, chars=True, start_char=2)
    assert (t["text"], t["pos"], t["startchar"], t["endchar"]) == ("cafe ab 연구", 0, 2, 12)


def test_one_token_object_is_reused_like_whoosh_tokenizers() -> None:
    ids = {id(t) for t in VaultTokenizer()("one two three")}
    assert len(ids) == 1


def test_pickle_round_trip_is_equal() -> None:
    analyzer = vault_analyzer()
    restored = pickle.loads(pickle.dumps(analyzer))
    assert restored == analyzer
    assert restored == vault_analyzer()
    assert analyzer != StandardAnalyzer()
    assert pickle.loads(pickle.dumps(VaultTokenizer())) == VaultTokenizer()
    assert [t.text for t in restored("연구실 Café")] == ["연구", "구실", "cafe"]
    # no compiled patterns or tables on the instance
    assert all(not vars(item) for item in analyzer.items)


# -- linear time on pathological input -------------------------------------------------------------

N = 200_000
PATHOLOGICAL: list[tuple[str, str]] = [
    ("letters", "a" * N),
    ("hashes", "#" * N),
    ("percents", "%" * N),
    ("backticks", "`" * N),
    ("han", "漢" * N),
    ("hangul-latin", "a한" * (N // 2)),
    ("combining-marks", "e" + "\u0301" * N),
    ("kana-marks", "か" + "\u3099" * N),
    ("jamo", "\u1112\u1161\u11ab" * (N // 3)),
    ("fullwidth", "Ａ" * N),
    ("emoji", "😀" * N),
    ("zwj", "\u200d" * N),
    ("devanagari", "वेद " * (N // 4)),
    ("punctuation-words", "a.b-" * (N // 4)),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "text"), PATHOLOGICAL, ids=[name for name, _ in PATHOLOGICAL])
def test_pathological_input_completes(name: str, text: str) -> None:
    spans = token_spans(text)
    assert all(0 <= start < end <= len(text) for _, start, end in spans)
    assert all(len(token) <= MAX_TOKEN_LENGTH for token, _, _ in spans)


# -- Whoosh end to end ------------------------------------------------------------------------------

DOCS = {
    "ko": "연구실에서는 PyTorch설치를 했다",
    "ko2": "연구소에 갔다",
    "en": "The Café serves Ångström-sized CUPS",
    "fw": "Ｗｈｏｏｓｈ 검색",
}


@pytest.fixture
def index() -> Iterator[Index]:
    storage = RamStorage()
    schema = Schema(
        path=ID(stored=True, unique=True), content=TEXT(analyzer=vault_analyzer(), phrase=True, stored=True)
    )
    ix = storage.create_index(schema)
    with ix.writer() as writer:
        for path, content in DOCS.items():
            writer.add_document(path=path, content=content)
    # reopen: the schema (with the analyzer) is unpickled from storage
    reopened = storage.open_index()
    yield reopened
    reopened.close()
    ix.close()


def _paths(ix: Index, query: Query) -> set[str]:
    with ix.searcher() as searcher:
        return {hit["path"] for hit in searcher.search(query, limit=None)}


def test_whoosh_schema_round_trip(index: Index) -> None:
    assert index.schema["content"].analyzer == vault_analyzer()


def test_whoosh_korean_term_phrase_and_prefix(index: Index) -> None:
    assert "ko" in _paths(index, Term("content", "연구"))
    bigrams, single = query_terms("연구실")
    assert not single
    assert _paths(index, Phrase("content", bigrams)) == {"ko"}
    assert _paths(index, Phrase("content", tokens("연구소"))) == {"ko2"}
    assert "ko" in _paths(index, Prefix("content", "연"))
    assert _paths(index, Phrase("content", tokens("실에서"))) == {"ko"}
    assert _paths(index, Term("content", "설치")) == {"ko"}
    assert _paths(index, Term("content", "pytorch")) == {"ko"}


@pytest.mark.parametrize("word", ["cafe", "CAFE", "Café", "CAFÉ", "ＣＡＦＥ"])
def test_whoosh_english_case_and_accents(index: Index, word: str) -> None:
    [term] = tokens(word)
    assert _paths(index, Term("content", term)) == {"en"}
    parsed = QueryParser("content", index.schema).parse(word)
    assert _paths(index, parsed) == {"en"}


def test_whoosh_folding_and_splitting(index: Index) -> None:
    assert _paths(index, Term("content", "angstrom")) == {"en"}
    assert _paths(index, Term("content", "sized")) == {"en"}
    assert _paths(index, Term("content", "cups")) == {"en"}
    assert _paths(index, Term("content", "whoosh")) == {"fw"}


def test_whoosh_highlights_the_original_text(index: Index) -> None:
    with index.searcher() as searcher:
        [hit] = searcher.search(Term("content", "whoosh"))
        assert "Ｗｈｏｏｓｈ" in hit.highlights("content")
        [hit] = searcher.search(Term("content", "cafe"))
        assert "Café" in hit.highlights("content")


# -- optional Korean morphology ----------------------------------------------------------------------


def test_korean_analyzer_is_none_without_kiwipiepy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "KOREAN_AVAILABLE", False)
    assert korean_analyzer() is None


def test_korean_analyzer_lemmas() -> None:
    pytest.importorskip("kiwipiepy")
    assert analysis.KOREAN_AVAILABLE
    analyzer = korean_analyzer()
    assert analyzer is not None

    def lemmas(text: str) -> list[str]:
        return [t.text for t in analyzer(text)]

    ate, eats = set(lemmas("먹었다")), set(lemmas("먹는다"))
    assert ate & eats
    assert "먹다" in ate
    assert "연구실" in lemmas("연구실에서는")
    assert pickle.loads(pickle.dumps(analyzer)) == analyzer


def test_korean_analyzer_offsets_and_other_scripts() -> None:
    pytest.importorskip("kiwipiepy")
    analyzer = korean_analyzer()
    assert analyzer is not None
    text = "연구실에서 ＰｙＴｏｒｃｈ를 설치했다 café 3월 " + "한" * 100
    got = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
    assert [pos for _, pos, _, _ in got] == list(range(len(got)))
    words = [word for word, _, _, _ in got]
    assert {"연구실", "pytorch", "설치", "cafe", "3"} <= set(words)
    for _, _, start, end in got:
        assert 0 <= start < end <= len(text)
    assert ("pytorch", text.index("Ｐ"), text.index("를")) in {(w, s, e) for w, _, s, e in got}
    # an overlong run does not go through Kiwi: it is indexed as bigrams
    assert words.count("한한") == 99


_TRICKY = "aeAE cafΣσς éÉñ\u0301\u0308\u00ad\u200d\u200b İﬁＡｇ 연구실에서 漢字 ｶﾀ -_.,"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_TRICKY, max_size=40))
def test_every_token_of_a_line_is_in_its_folded_text(line: str) -> None:
    """The highlighter skips a line when a query word is not in ``folded_text(line)``: never wrongly."""
    folded = analysis.folded_text(line)
    for token, _, _ in analysis.token_spans(line):
        assert token in folded, (line, token, folded)


def test_folded_lines_fold_each_line_as_folded_text_does(monkeypatch: pytest.MonkeyPatch) -> None:
    import vaultkit.search.analysis as analysis

    texts = [
        "plain ASCII\n연구실에서는 실험\n\n漢字 line",
        "We met at the Café\nplain line\nＧａｍｍａ ray\nΣίσυφος ΟΔΟΣ\n",
        "",
        "\n\n",
    ]
    for text in texts:
        assert analysis.folded_lines(text) == [analysis.folded_text(line) for line in text.split("\n")]
    # a long note with one accented line: only that line takes the slow (Latin folding) path
    calls: list[str] = []
    slow = analysis._fold_latin
    monkeypatch.setattr(analysis, "_fold_latin", lambda text: calls.append(text) or slow(text))
    note = "\n".join(["an ordinary line of words"] * 500 + ["the Café line"])
    assert analysis.folded_lines(note)[-1] == "the cafe line"
    assert calls == ["the café line"]


_LINE_TEXT = st.text(alphabet=st.sampled_from(list("ab c\nxyZ연구실에서는漢字éÉＧａ-_#")), max_size=80)


@given(
    text=_LINE_TEXT, words=st.lists(st.sampled_from(["a", "ab", "c", "연구", "실에", "漢字", "xy", "ga"]), max_size=3)
)
def test_lines_holding_a_word_are_those_of_the_folded_lines(text: str, words: list[str]) -> None:
    """The whole-note search (a note that needs only lowercasing) finds the lines a line-by-line search finds."""
    from vaultkit.search.analysis import folded_lines, lines_holding

    expected = [n for n, line in enumerate(folded_lines(text)) if any(w in line for w in words)]
    assert lines_holding(text, words) == expected


def test_lines_holding_a_word_once_or_many_times() -> None:
    from vaultkit.search.analysis import lines_holding

    text = "model model\nnothing\nA MODEL here\n\nmodels and a Café model\n모델 model"
    assert lines_holding(text, ["model"]) == [0, 2, 4, 5]
    assert lines_holding(text.replace("Café", "Cafe"), ["model", "nothing"]) == [0, 1, 2, 4, 5]
    assert lines_holding("model\nmodel\n\nmodel", ["model"]) == [0, 1, 3]  # a word at the start of each line
    assert lines_holding("ümodel\nmodel", ["model"]) == [0, 1]  # line by line (ü folds)
    assert lines_holding(text, []) == []
    assert lines_holding("", ["a"]) == []
