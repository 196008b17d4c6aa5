"""parse_note against obsidian-syntax.md sections 1-9: every rule and every tricky case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import parse_note
from vaultkit.model import Link


def links(text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(lk.kind, lk.target, lk.subpath, lk.display) for lk in parse_note(text, "n.md").links]


def tags(text: str) -> list[str]:
    return list(parse_note(text, "n.md").tags)


# ---------------------------------------------------------------- 1. wikilinks

WIKILINKS = [
    ("[[Note]]", [("wikilink", "Note", None, "Note")]),
    ("[[Note|shown]]", [("wikilink", "Note", None, "shown")]),
    ("[[ Note | shown ]]", [("wikilink", "Note", None, "shown")]),
    ("[[Note#H1#H2]]", [("wikilink", "Note", "H1#H2", "Note > H1 > H2")]),
    ("[[#heading]]", [("wikilink", "", "heading", "heading")]),
    ("[[#^b]]", [("wikilink", "", "^b", "^b")]),
    ("[[Note#^abc|x]]", [("wikilink", "Note", "^abc", "x")]),
    ("[[x||y]]", [("wikilink", "x", None, "|y")]),
    ("[[|]]", [("wikilink", "|", None, "|")]),
    ("[[|a]]", [("wikilink", "|a", None, "|a")]),
    ("[[]]", []),
    ("`[[x]]`", []),
    ("\\[\\[x\\]\\]", []),
    ("[[pa#th/x]]", [("wikilink", "pa", "th/x", "pa > th/x")]),
    ("[[a [[b]]", [("wikilink", "b", None, "b")]),
    ("[[folder/Note.md]]", [("wikilink", "folder/Note.md", None, "folder/Note.md")]),
    ("[[Figure 1.png]]", [("wikilink", "Figure 1.png", None, "Figure 1.png")]),
    ("[[My%20Note]]", [("wikilink", "My%20Note", None, "My%20Note")]),  # wikilinks are not decoded
    ("[[a\u00a0b]]", [("wikilink", "a b", None, "a b")]),
    ("[[one\ntwo]]", []),  # single line only
    ("| [[A\\|B]] | c |\n|---|---|\n| x | y |", [("wikilink", "A", None, "B")]),
]


@pytest.mark.parametrize(("text", "expected"), WIKILINKS)
def test_wikilinks(text: str, expected: list[tuple[str, str, str | None, str | None]]) -> None:
    assert links(text) == expected


def test_heading_text_keeps_link_and_link_counts() -> None:
    note = parse_note("## A [[L]]\n", "n.md")
    assert note.headings[0].text == "A [[L]]"
    assert [lk.target for lk in note.links] == ["L"]


def test_link_raw_and_line() -> None:
    note = parse_note("one\n\ntwo [[X|y]] and ![[img.png|100x145]]\n", "n.md")
    assert [(lk.raw, lk.line, lk.kind) for lk in note.links] == [
        ("[[X|y]]", 3, "wikilink"),
        ("![[img.png|100x145]]", 3, "embed"),
    ]


# ---------------------------------------------------------------- 2. embeds

EMBEDS = [
    ("![[img.png|100x145]]", [("embed", "img.png", None, "100x145")]),
    ("![[img.png|100]]", [("embed", "img.png", None, "100")]),
    ("![[Doc.pdf#page=3]]", [("embed", "Doc.pdf", "page=3", "Doc.pdf > page=3")]),
    ("![[N#H]]", [("embed", "N", "H", "N > H")]),
    ("![[N#^id]]", [("embed", "N", "^id", "N > ^id")]),
    ("![x](rel.png)", [("embed", "rel.png", None, "x")]),
    ("![x](my%20img.png)", [("embed", "my img.png", None, "x")]),
]


@pytest.mark.parametrize(("text", "expected"), EMBEDS)
def test_embeds(text: str, expected: list[tuple[str, str, str | None, str | None]]) -> None:
    assert links(text) == expected


def test_external_image_is_not_a_link() -> None:
    note = parse_note("![x](https://e.com/a.png)", "n.md")
    assert note.links == ()
    assert note.external_links[0].url == "https://e.com/a.png"
    assert note.external_links[0].embed


# ---------------------------------------------------------------- 3. markdown links

MARKDOWN = [
    ("[a](My%20Note.md#Sec%20One)", [("markdown", "My Note.md", "Sec One", "a")]),
    ("[a](pa#th/x.md)", [("markdown", "pa", "th/x.md", "a")]),
    ("[a](C%23.md)", [("markdown", "C%23.md", None, "a")]),
    ("[t](#frag)", [("markdown", "", "frag", "t")]),
    ("[t](<My Note.md>)", [("markdown", "My Note.md", None, "t")]),
    ("[t](Note)", [("markdown", "Note", None, "t")]),
    ("[t](../up/x.md)", [("markdown", "../up/x.md", None, "t")]),
    ("[t](My Note.md)", []),  # an unencoded space without <> is no link (CommonMark)
    ("[]()", []),
    ("[a]()", []),
    ("[a](%E0%A4%A)", []),  # malformed percent-encoding: dropped
    ("[a](https://x.y/#z)", []),
    ("[a](mailto:me@x.y)", []),
    ("[a](obsidian://open?vault=x)", []),
]


@pytest.mark.parametrize(("text", "expected"), MARKDOWN)
def test_markdown_links(text: str, expected: list[tuple[str, str, str | None, str | None]]) -> None:
    assert links(text) == expected


def test_external_links_kept_apart() -> None:
    note = parse_note("see [site](https://example.com) and <https://a.b/c>\n", "n.md")
    assert note.links == ()
    assert [(e.url, e.display, e.line) for e in note.external_links] == [
        ("https://example.com", "site", 1),
        ("https://a.b/c", "https://a.b/c", 1),
    ]


def test_markdown_link_raw() -> None:
    (lk,) = parse_note("x [a](My%20Note.md) y", "n.md").links
    assert lk.raw == "[a](My%20Note.md)"


# ---------------------------------------------------------------- 5. tags

TAGS = [
    ("a #b", ["b"]),
    ("#b at line start", ["b"]),
    ("[x #b]", ["b"]),
    ("a\t#b", ["b"]),
    ('(#b) "#b" .#b x—#b a#b', []),
    ("#1984", []),
    ("#y1984", ["y1984"]),
    ("#1990s", ["1990s"]),
    ("#1984/x", ["1984/x"]),
    ("#a#b", ["a", "b"]),
    ("#a/#b", ["a/", "b"]),
    ("x _#u_ y", ["u"]),
    ("snake_case_#w", ["w"]),
    ("\\[\\[#Esc", ["Esc"]),
    ("[Chat #t](https://x)", ["t"]),
    ("| #t | x |\n|---|---|\n| a | b |", ["t"]),
    ("%% #c %%", ["c"]),
    ("https://x/p#f", []),
    ("[[N#H]]", []),
    ("`#c`", []),
    ("$a #m$", []),
    ('<span style="color:#0ff">x</span>', []),
    ('<span style="color:#00ffff">text</span>', []),
    ("color:#00ffff", []),
    ("<!-- #c -->", []),
    ("<div>\n#t\n</div>", []),
    ("#café #日本語 #✅ok #a,b #a’b", ["café", "日本語", "✅ok", "a"]),
    ("#연구 #딥러닝/기초", ["연구", "딥러닝/기초"]),
    ("# Title", []),
    ("#Title", ["Title"]),
    ("#CamelCase #camelcase", ["CamelCase"]),
    ("a\u00a0#nbsp b\u3000#ideo", ["nbsp", "ideo"]),
    ("```\n#code\n```", []),
    ("    #indented code", []),
    ("==hi #hl==", ["hl"]),
    ("**b**#t", ["t"]),
    ("[[x]]#t", ["t"]),
    ("$$\n#m\n$$", []),
]


@pytest.mark.parametrize(("text", "expected"), TAGS)
def test_inline_tags(text: str, expected: list[str]) -> None:
    assert tags(text) == expected


FM_TAGS = [
    ('tags: [a, "#b", 3, "c d"]', ["a", "b"]),
    ("tags: a, b", []),
    ("tags: diary", ["diary"]),
    ('"tags": "diary"', ["diary"]),
    ("tags:\n  - #x", []),
    ("tags:\n  - x\n  - y/z", ["x", "y/z"]),
    ("Tags: x", ["x"]),
    ("tag: x", []),
    ("tags: [한국어, 연구]", ["한국어", "연구"]),
    ("tags:", []),
    ("tags: [null, '', ' ok ']", ["ok"]),
]


@pytest.mark.parametrize(("yaml_text", "expected"), FM_TAGS)
def test_frontmatter_tags(yaml_text: str, expected: list[str]) -> None:
    assert tags(f"---\n{yaml_text}\n---\nbody\n") == expected


def test_frontmatter_tags_come_first_and_occurrences_keep_duplicates() -> None:
    note = parse_note("---\ntags: [b]\n---\n#a #b #A\n", "n.md")
    assert note.tags == ("b", "a")
    assert [(o.tag, o.line) for o in note.tag_occurrences] == [("b", None), ("a", 4), ("b", 4), ("A", 4)]


# ---------------------------------------------------------------- 6. frontmatter


def test_frontmatter_values_and_dates_stay_strings() -> None:
    note = parse_note(
        "---\ntitle: T\ndate: 2024-07-21\nwhen: 2022-03-16 22:50:00 +0900\nn: 3\nok: true\n---\nx\n", "n.md"
    )
    assert note.frontmatter == {
        "title": "T",
        "date": "2024-07-21",
        "when": "2022-03-16 22:50:00 +0900",
        "n": 3,
        "ok": True,
    }
    assert note.frontmatter_error is None


FM_INVALID = [
    ("---\nk: [unclosed\n---\nbody #t\n", "invalid YAML"),
    ("---\n- a\n- b\n---\nbody #t\n", "not a set of properties"),
    ("---\njust a scalar\n---\nbody #t\n", "not a set of properties"),
    ("---\na: 1\na: 2\n---\nbody #t\n", "duplicate key"),
]


@pytest.mark.parametrize(("text", "message"), FM_INVALID)
def test_invalid_frontmatter_still_parses_body(text: str, message: str) -> None:
    note = parse_note(text, "n.md")
    assert note.frontmatter == {}
    assert note.frontmatter_error is not None and message in note.frontmatter_error
    assert note.tags == ("t",)
    assert note.text.split("\n")[1] == ""  # the block is never body text


FM_DETECTION = [
    ("--- \ntitle: T\n---\n", {}),  # trailing space: not frontmatter
    ("---\n---\nbody", {}),
    ("---\ntitle: T\n", {}),  # never closed
    ("---\ntitle: T\n...\nmore", {}),
    ("---\ntitle: T\n---rest\n", {"title": "T"}),
    ("\ufeff---\ntitle: T\n---\n", {"title": "T"}),
    ("---\r\ntitle: T\r\n---\r\n", {"title": "T"}),
    ('---\n{"title": "J"}\n---\n', {"title": "J"}),
]


@pytest.mark.parametrize(("text", "expected"), FM_DETECTION)
def test_frontmatter_detection(text: str, expected: dict[str, str]) -> None:
    assert parse_note(text, "n.md").frontmatter == expected


def test_frontmatter_closing_line_rest_is_body() -> None:
    note = parse_note("---\na: 1\n---rest #t\n", "n.md")
    assert note.tags == ("t",)
    assert note.line_text(3) == "rest #t"


def test_frontmatter_links() -> None:
    text = '---\nk: "[[A#H|x]]"\nno: "see [[B]]"\nlist:\n  - "[[C]]"\nnest:\n  deep: "[[D]]"\n---\nbody\n'
    fm = [lk for lk in parse_note(text, "n.md").links if lk.kind == "frontmatter"]
    assert [(lk.key, lk.target, lk.subpath, lk.display, lk.line) for lk in fm] == [
        ("k", "A", "H", "x", 2),
        ("list.0", "C", None, "C", 5),
        ("nest.deep", "D", None, "D", 7),
    ]


def test_frontmatter_first_line_rule_swallows_text() -> None:
    note = parse_note("---\nsome text as a rule\nmore [[X]]\n---\nafter\n", "n.md")
    assert note.frontmatter_error is not None
    assert note.links == ()


# ---------------------------------------------------------------- 7. aliases and titles

ALIASES = [
    ("aliases: [DL, 딥러닝]", ("DL", "딥러닝")),
    ("aliases: one, two", ("one, two",)),
    ("Aliases: x", ("x",)),
    ("alias: x", ()),
    ("aliases: [a, 3, ' b ']", ("a", "b")),
]


@pytest.mark.parametrize(("yaml_text", "expected"), ALIASES)
def test_aliases(yaml_text: str, expected: tuple[str, ...]) -> None:
    assert parse_note(f"---\n{yaml_text}\n---\n", "n.md").aliases == expected


TITLES = [
    ('---\n"title": "연구 일지"\n---\n# H\n', "연구 일지"),
    ("---\ntitle: 3\n---\n# First *H1*\n", "First H1"),
    ("## two\n# One\n# Two\n", "One"),
    ("no heading\n", "Note name"),
    ("> # quoted\n", "Note name"),
]


@pytest.mark.parametrize(("text", "title"), TITLES)
def test_titles(text: str, title: str) -> None:
    assert parse_note(text, "dir/Note name.md").title == title


# ---------------------------------------------------------------- 8. headings and block ids


def test_heading_right_after_a_quote_ends_the_quote() -> None:
    note = parse_note("> [!tip] Thought\n> text\n# After\n- [[L]]\n", "n.md")
    assert [(h.level, h.text, h.line) for h in note.headings] == [(1, "After", 3)]
    assert [(lk.target, lk.line) for lk in note.links] == [("L", 4)]


def test_headings_root_level_only() -> None:
    text = "# A\n\n> ## Q\n\n- ## in list\n\n## B ##\n\nSetext\n---\n\n> [!note]\n> # in callout\n"
    note = parse_note(text, "n.md")
    assert [(h.level, h.text, h.line) for h in note.headings] == [(1, "A", 1), (2, "B", 7), (2, "Setext", 9)]


BLOCK_IDS = [
    ("text ^abc", [("abc", 1)]),
    ("text ^a_b", []),
    ("text^abc", []),
    ("l1 ^abc\nl2", []),
    ("l1\nl2 ^Abc-9", [("Abc-9", 2)]),
    ("- item ^li\n  - nested ^nest", [("li", 1), ("nest", 2)]),
    ("> quote\n\n^q\n", [("q", 3)]),
    ("| a |\n|---|\n| b |\n\n^tbl", [("tbl", 5)]),
    ("`code ^no`", []),
]


@pytest.mark.parametrize(("text", "expected"), BLOCK_IDS)
def test_block_ids(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(b.id, b.line) for b in parse_note(text, "n.md").blocks] == expected


# ---------------------------------------------------------------- 9. comments, html, code, math, tasks


def test_comments_are_indexed() -> None:
    note = parse_note(
        "a %% see [[Home]] #c %% b\n\n%%\nblock [[Inside]]\n- [ ] not a task\n%%\n\nafter [[End]]\n", "n.md"
    )
    assert [(lk.target, lk.line) for lk in note.links] == [("Home", 1), ("Inside", 4), ("End", 8)]
    assert note.tags == ("c",)
    assert note.tasks == ()


def test_unclosed_block_comment_runs_to_eof() -> None:
    note = parse_note("x\n\n%%\n[[A]]\n\n# not a heading\n", "n.md")
    assert [lk.target for lk in note.links] == ["A"]
    assert note.headings == ()


@pytest.mark.parametrize(
    "text",
    [
        "```\n[[x]] #t\n```",
        "~~~md\n[[x]] #t\n~~~",
        "    [[x]] #t",
        "`[[x]] #t`",
        "$[[x]] #t$",
        "$$\n[[x]] #t\n$$",
        "<div>\n[[x]] #t\n</div>",
        "<!-- [[x]] #t -->",
        "a <!-- [[x]] #t --> b",
    ],
)
def test_no_links_or_tags_in_code_math_html(text: str) -> None:
    note = parse_note(text, "n.md")
    assert note.links == () and note.tags == ()


def test_inline_html_text_between_tags_is_markdown() -> None:
    note = parse_note('<span style="color:#00ffff">read [[Paper]] #todo</span>', "n.md")
    assert [lk.target for lk in note.links] == ["Paper"]
    assert note.tags == ("todo",)


def test_callouts_and_highlights_are_indexed() -> None:
    note = parse_note("> [!tip]- Foldable\n> see [[Tip]] #c\n\n==mark [[Hi]]==\n", "n.md")
    assert [lk.target for lk in note.links] == ["Tip", "Hi"]
    assert note.tags == ("c",)


TASKS = [
    ("- [ ] open", [(" ", False, "open", 1)]),
    ("- [x] done", [("x", True, "done", 1)]),
    ("* [/] half\n+ [-] cancelled", [("/", True, "half", 1), ("-", True, "cancelled", 2)]),
    ("1. [?] numbered\n2) [ ] paren", [("?", True, "numbered", 1), (" ", False, "paren", 2)]),
    ("- [ ] parent\n  - [x] child", [(" ", False, "parent", 1), ("x", True, "child", 2)]),
    ("- not a task [ ]", []),
    ("[ ] not in a list", []),
    ("- [ ] with [[Link]] and #tag", [(" ", False, "with Link and #tag", 1)]),
]


@pytest.mark.parametrize(("text", "expected"), TASKS)
def test_tasks(text: str, expected: list[tuple[str, bool, str, int]]) -> None:
    assert [(t.status, t.done, t.text, t.line) for t in parse_note(text, "n.md").tasks] == expected


# ---------------------------------------------------------------- line numbers and text


def test_lines_with_frontmatter_crlf_and_bom() -> None:
    text = "\ufeff---\r\ntitle: x\r\n---\r\nline four [[A]]\r\n\r\n- [ ] six #t\r\n"
    note = parse_note(text, "n.md")
    assert note.links[0].line == 4
    assert note.tasks[0].line == 6
    assert note.tag_occurrences[0].line == 6
    assert note.text.split("\n")[3] == "line four A"


def test_text_is_line_aligned_and_plain() -> None:
    text = "---\na: 1\n---\n# Title\n\n| 연구 | **bold** |\n|---|---|\n| `code` | [x](y.md) |\n"
    note = parse_note(text, "n.md")
    lines = note.text.split("\n")
    assert len(lines) == len(text.split("\n"))
    assert lines[:3] == ["", "", ""]
    assert lines[3] == "Title"
    assert lines[5] == "연구 bold"
    assert lines[7] == "code x"


def test_korean_words_are_not_split_by_markup() -> None:
    note = parse_note("연구**실**에서는 실험을 했다\n", "n.md")
    assert note.line_text(1) == "연구실에서는 실험을 했다"


def test_path_nfc_and_separators() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "연구/일지.md")
    note = parse_note("", nfd)
    assert note.path == unicodedata.normalize("NFC", "연구/일지.md")
    assert note.title == unicodedata.normalize("NFC", "일지")


def test_roundtrip_dict() -> None:
    note = parse_note('---\ntags: [a]\nk: "[[B]]"\n---\n# T\n- [ ] x ^id [[C#D]] #e\n', "d/n.md")
    from vaultkit.model import Note

    assert Note.from_dict(note.to_dict()) == note


# ---------------------------------------------------------------- properties

markdownish = st.lists(
    st.sampled_from(
        [*"ab #[]|^%$`*_=-!()<>/\\:\n\t 연구", "[[", "]]", "```", "---\n", "%%", "- [ ] ", "> ", "| ", "\r\n"]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(markdownish)
def test_parse_never_raises_and_lines_are_in_file(text: str) -> None:
    note = parse_note(text, "p.md")
    n_lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    source_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for lk in note.links:
        assert isinstance(lk, Link)
        assert 1 <= lk.line <= n_lines
        if lk.kind in ("wikilink", "embed") and lk.raw.startswith(("[[", "![[")):
            assert lk.raw in source_lines[lk.line - 1]
    for item in (*note.headings, *note.blocks, *note.tasks):
        assert 1 <= item.line <= n_lines
    for occ in note.tag_occurrences:
        assert occ.line is None or 1 <= occ.line <= n_lines
    assert note.text.count("\n") == n_lines - 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parse_never_raises_on_any_text(text: str) -> None:
    parse_note(text, "any.md")


def test_parsed_notes_pickle_as_their_field_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes cross from the parse workers by pickle: equal afterwards, without ``dataclasses.fields`` per object."""
    import copy
    import dataclasses
    import pickle

    text = "---\ntags: [a]\naliases: [Al]\n---\n# H\n\n- [ ] task [[b#H|x]] #t\n\n"
    text += "See [m](c.md) [x](https://x.org) ^blk\n"
    note = parse_note(text, "n.md")
    assert note.links and note.headings and note.tasks and note.blocks and note.tag_occurrences
    assert note.external_links
    monkeypatch.setattr(dataclasses, "fields", lambda *a: pytest.fail("pickled through dataclasses.fields"))
    again = pickle.loads(pickle.dumps(note, pickle.HIGHEST_PROTOCOL))
    assert again == note and type(again.links[0]) is type(note.links[0])
    assert copy.copy(note) == note
