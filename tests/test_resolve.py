"""Tests for vaultkit.resolve: Obsidian's link resolution, href decoding and subpath matching."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.resolve import (
    LinkResolver,
    check_subpath,
    decode_markdown_href,
    find_block,
    find_heading,
    is_external_url,
    link_keys,
    normalize_heading,
    split_linkpath,
)

# ---------------------------------------------------------------------------------------------------------
# obsidian-syntax.md §4: every row of the resolution table
# ---------------------------------------------------------------------------------------------------------

SECTION4_TABLE = [
    # (vault, source, linkpath, expected)
    pytest.param(["B/n.md", "A/n.md", "A/s.md", "B/s.md"], "A/s.md", "n", "A/n.md", id="near"),
    pytest.param(["B/n.md", "A/n.md", "A/s.md", "B/s.md"], "B/s.md", "n", "B/n.md", id="near-other-folder"),
    pytest.param(["x/y/n.md", "x/n.md", "r.md"], "r.md", "n", "x/n.md", id="shortest"),
    pytest.param(["a/b/c.md", "b/c.md", "r.md"], "r.md", "b/c", "b/c.md", id="exact-from-root"),
    pytest.param(["a/b/c.md", "b/c.md", "a/s.md"], "a/s.md", "b/c", "b/c.md", id="exact-beats-near"),
    pytest.param(["a/b/c.md", "b/c.md", "a/b/s.md"], "a/b/s.md", "b/c", "b/c.md", id="exact-from-deep"),
    pytest.param(["ab/c.md", "r.md"], "r.md", "b/c", "ab/c.md", id="suffix-quirk"),
    pytest.param(["ab/c.md", "z/s.md"], "z/s.md", "b/c", "ab/c.md", id="suffix-quirk-other-source"),
    pytest.param(["img.png", "r.md"], "r.md", "img", None, id="img-needs-extension"),
    pytest.param(["d/n.md", "d/s.md"], "d/s.md", "/n", None, id="leading-slash-exact-only"),
]


@pytest.mark.parametrize(("vault", "source", "linkpath", "expected"), SECTION4_TABLE)
def test_section4_table(vault: list[str], source: str, linkpath: str, expected: str | None) -> None:
    assert LinkResolver(vault).resolve(linkpath, source) == expected


# ---------------------------------------------------------------------------------------------------------
# More resolution cases
# ---------------------------------------------------------------------------------------------------------

VAULT = [
    "link_in_yaml.md",
    "Note.md",
    "Note.1.md",
    "Figure 1.png",
    "img.png",
    "attachments/Doc.pdf",
    "folder/Deep.md",
    "한글 노트.md",
]

RESOLVE_CASES = [
    pytest.param("liNk_in_YaMl", "link_in_yaml.md", id="case-insensitive"),
    pytest.param("LINK_IN_YAML.MD", "link_in_yaml.md", id="case-insensitive-with-ext"),
    pytest.param("Note", "Note.md", id="md-retry"),
    pytest.param("Note.md", "Note.md", id="explicit-md"),
    pytest.param("Note.1", "Note.1.md", id="dotted-name"),
    pytest.param("Figure 1.png", "Figure 1.png", id="attachment-with-ext"),
    pytest.param("Figure 1", None, id="attachment-without-ext"),
    pytest.param("img", None, id="img-not-img-png"),
    pytest.param("Doc.pdf", "attachments/Doc.pdf", id="attachment-in-folder"),
    pytest.param("attachments/Doc.pdf", "attachments/Doc.pdf", id="attachment-full-path"),
    pytest.param("Deep", "folder/Deep.md", id="basename-anywhere"),
    pytest.param("folder/Deep", "folder/Deep.md", id="folder-path"),
    pytest.param("/folder/Deep", "folder/Deep.md", id="leading-slash-full-path"),
    pytest.param("/Deep", None, id="leading-slash-not-full-path"),
    pytest.param("older/Deep", "folder/Deep.md", id="raw-suffix-inside-folder-name"),
    pytest.param("한글 노트", "한글 노트.md", id="korean"),
    pytest.param("Missing", None, id="missing"),
    pytest.param("|", None, id="pipe"),
    pytest.param("|a", None, id="pipe-a"),
    pytest.param("pa", None, id="cut-at-hash"),
    pytest.param("/", None, id="slash"),
    pytest.param("//", None, id="double-slash"),
    pytest.param(".md", None, id="dot-md"),
    pytest.param("./", None, id="dot-slash"),
    pytest.param("../", None, id="dot-dot-slash"),
    pytest.param("folder/", None, id="folder-only"),
    pytest.param(" ", None, id="space"),
]


@pytest.mark.parametrize(("linkpath", "expected"), RESOLVE_CASES)
def test_resolve_cases(linkpath: str, expected: str | None) -> None:
    assert LinkResolver(VAULT).resolve(linkpath, "Note.md") == expected


def test_near_beats_shorter_far() -> None:
    r = LinkResolver(["C/n.md", "B/n.md", "A/sub/n.md", "A/s.md"])
    assert r.resolve("n", "A/s.md") == "A/sub/n.md"
    # From the root every file is near, so the shortest wins (ties: insertion order).
    assert r.resolve("n", "root.md") == "C/n.md"
    # Near is decided on the lowercased path.
    assert r.resolve("n", "a/s.md") == "A/sub/n.md"


def test_near_is_raw_prefix_without_slash_boundary() -> None:
    # Obsidian tests path.startsWith(lower(dirname(source))): folder "a" makes "ab/n.md" near.
    r = LinkResolver(["x/n.md", "ab/n.md"])
    assert r.resolve("n", "a/s.md") == "ab/n.md"
    assert r.resolve("n", "q/s.md") == "x/n.md"


def test_shortest_uses_javascript_length() -> None:
    # An astral character counts as 2 UTF-16 units in JavaScript's path.length.
    r = LinkResolver(["\U0001f600/n.md", "a/n.md"])
    assert r.resolve("n", "z/s.md") == "a/n.md"
    r = LinkResolver(["\u00e9/n.md", "ab/n.md"])
    assert r.resolve("n", "z/s.md") == "\u00e9/n.md"


@pytest.mark.parametrize(
    ("vault", "expected"),
    [
        (["p/n.md", "q/n.md"], "p/n.md"),
        (["q/n.md", "p/n.md"], "q/n.md"),
        (["z/n.md", "aa/n.md", "a/n.md"], "z/n.md"),
    ],
)
def test_tie_keeps_insertion_order(vault: list[str], expected: str) -> None:
    assert LinkResolver(vault).resolve("n", "r/s.md") == expected


def test_extensionless_file_wins_over_md() -> None:
    # _get(p) runs before _get(p + ".md"): a file literally named "n" is found first.
    r = LinkResolver(["n.md", "x/n"])
    assert r.resolve("n", "r.md") == "x/n"


def test_md_retry_exact_path_beats_suffix() -> None:
    r = LinkResolver(["zb/c.md", "b/c.md"])
    assert r.resolve("b/c", "zb/s.md") == "b/c.md"


@pytest.mark.parametrize(
    ("vault", "source", "linkpath", "expected"),
    [
        pytest.param(["a/x.md", "a/s.md"], "a/s.md", "./x", "a/x.md", id="dot-slash"),
        pytest.param(["a/x.md", "a/s.md"], "a/s.md", "./x.md", "a/x.md", id="dot-slash-md"),
        pytest.param(["x.md", "r.md"], "r.md", "./x", "x.md", id="dot-slash-from-root"),
        pytest.param(["x.md", "a/x.md", "a/b/s.md"], "a/b/s.md", "../x", "a/x.md", id="dot-dot"),
        pytest.param(["x.md", "a/x.md", "a/b/s.md"], "a/b/s.md", "../../x", "x.md", id="dot-dot-dot-dot"),
        pytest.param(["x.md", "a/x.md"], "a/s.md", "../../../x", "x.md", id="above-root-clamps"),
        pytest.param(["a/x.md", "a/b/s.md"], "a/b/s.md", "./../x", "a/x.md", id="dot-slash-dot-dot"),
        pytest.param(["A/X.md", "A/S.md"], "A/S.md", "./x", "A/X.md", id="relative-case-insensitive"),
        # ../x from a/b/s.md is rewritten to a/x.md; b/x.md does not end with that.
        pytest.param(["b/x.md", "a/b/s.md"], "a/b/s.md", "../x", None, id="relative-missing"),
        # Climbing to the root rewrites ../x to plain x.md, so the suffix test accepts any x.md.
        pytest.param(["b/x.md", "a/s.md"], "a/s.md", "../x", "b/x.md", id="relative-to-root-quirk"),
        # ... but the raw suffix test still runs on the rewritten path (a/x.md ends b/a/x.md).
        pytest.param(["b/a/x.md"], "a/s.md", "./x", "b/a/x.md", id="relative-suffix-quirk"),
    ],
)
def test_relative(vault: list[str], source: str, linkpath: str, expected: str | None) -> None:
    assert LinkResolver(vault).resolve(linkpath, source) == expected


def test_relative_and_global_match_differ() -> None:
    r = LinkResolver(["x.md", "a/x.md", "a/b/s.md"])
    # Global: neither x.md nor a/x.md is under a/b, so the shorter (x.md) wins...
    assert r.resolve("x", "a/b/s.md") == "x.md"
    # ...but ../x is relative to a/b and picks a/x.md.
    assert r.resolve("../x", "a/b/s.md") == "a/x.md"
    r = LinkResolver(["x.md", "c/x.md", "c/s.md"])
    assert r.resolve("./x", "c/s.md") == "c/x.md"
    assert r.resolve("x", "r.md") == "x.md"


def test_leading_slash_exact_path() -> None:
    r = LinkResolver(["d/n.md", "n.md", "d/s.md"])
    assert r.resolve("/n", "d/s.md") == "n.md"
    # Without the slash, n.md is still an exact full-path match, which beats the near d/n.md.
    assert r.resolve("n", "d/s.md") == "n.md"
    assert r.resolve("/n", "r.md") == "n.md"
    assert r.resolve("/d/n", "r.md") == "d/n.md"
    assert r.resolve("/D/N.MD", "r.md") == "d/n.md"
    assert r.resolve("/e/n", "r.md") is None


def test_empty_linkpath_is_source() -> None:
    r = LinkResolver(["a/s.md", "b.md"])
    assert r.resolve("", "a/s.md") == "a/s.md"
    assert r.resolve("", "b.md") == "b.md"
    # Obsidian only returns the source when it exists.
    assert r.resolve("", "missing.md") is None


def test_unicode_normalisation() -> None:
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    r = LinkResolver([f"{nfc}.md", "s.md"])
    assert r.resolve(nfd, "s.md") == f"{nfc}.md"
    assert r.resolve(nfc, "s.md") == f"{nfc}.md"
    hangul_nfd = unicodedata.normalize("NFD", "한글")
    assert hangul_nfd != "한글"
    assert LinkResolver(["한글.md"]).resolve(hangul_nfd, "s.md") == "한글.md"
    # An NFD path given by the caller is still found, and returned as given.
    assert LinkResolver([f"x/{nfd}.md"]).resolve(nfc, "s.md") == f"x/{nfd}.md"


def test_nbsp_is_space() -> None:
    r = LinkResolver(["My Note.md"])
    assert r.resolve("My\u00a0Note", "s.md") == "My Note.md"
    assert LinkResolver(["My\u00a0Note.md"]).resolve("My Note", "s.md") == "My\u00a0Note.md"


def test_aliases() -> None:
    r = LinkResolver(
        ["a.md", "b.md", "Real.md"],
        aliases={"b.md": ["Shared", "Only B"], "a.md": ["shared"], "Real.md": ["Real"]},
    )
    assert r.resolve("Only B", "s.md") is None
    assert r.resolve("Only B", "s.md", use_aliases=True) == "b.md"
    assert r.resolve("only b", "s.md", use_aliases=True) == "b.md"
    # First by path order: a.md came before b.md.
    assert r.resolve("SHARED", "s.md", use_aliases=True) == "a.md"
    # A real file always beats an alias.
    assert r.resolve("real", "s.md", use_aliases=True) == "Real.md"
    assert r.resolve("nothing", "s.md", use_aliases=True) is None
    # Aliases of a removed note no longer resolve.
    r.remove("a.md")
    assert r.resolve("shared", "s.md", use_aliases=True) == "b.md"
    r.add("a.md", aliases=["Shared"])
    # a.md was re-added after b.md, so b.md is now first in path order.
    assert r.resolve("shared", "s.md", use_aliases=True) == "b.md"
    r.set_aliases("b.md", [])
    assert r.resolve("shared", "s.md", use_aliases=True) == "a.md"
    assert r.resolve("only b", "s.md", use_aliases=True) is None


def test_alias_string_is_one_alias() -> None:
    r = LinkResolver(["a.md"], aliases={"a.md": "One, Two"})
    assert r.resolve("One, Two", "s.md", use_aliases=True) == "a.md"
    assert r.resolve("One", "s.md", use_aliases=True) is None


def test_add_remove_change_results() -> None:
    r = LinkResolver(["far/n.md", "src/s.md"])
    assert r.resolve("n", "src/s.md") == "far/n.md"
    r.add("src/n.md")
    assert r.resolve("n", "src/s.md") == "src/n.md"
    assert "src/n.md" in r
    assert len(r) == 3
    r.remove("src/n.md")
    assert r.resolve("n", "src/s.md") == "far/n.md"
    r.remove("far/n.md")
    assert r.resolve("n", "src/s.md") is None
    r.remove("never/was.md")  # no error
    r.add("n")
    assert r.resolve("n", "src/s.md") == "n"
    r.add("n")  # adding twice is a no-op
    assert r.candidates_for_name("n") == ["n"]


def test_readd_moves_to_end_of_tie_order() -> None:
    r = LinkResolver(["p/n.md", "q/n.md"])
    assert r.resolve("n", "r.md") == "p/n.md"
    r.remove("p/n.md")
    r.add("p/n.md")
    assert r.resolve("n", "r.md") == "q/n.md"


def test_candidates_for_name() -> None:
    r = LinkResolver(["a/Note.md", "Note.png", "b/note.md", "note", "c/Note.md.md", "Other.md"])
    assert r.candidates_for_name("note") == ["a/Note.md", "b/note.md", "note"]
    assert r.candidates_for_name("NOTE.md") == ["a/Note.md", "b/note.md", "c/Note.md.md"]
    assert r.candidates_for_name("Note.png") == ["Note.png"]
    assert r.candidates_for_name("missing") == []
    assert r.candidates_for_name("") == []
    assert r.candidates_for_name("a/Note") == []


def test_keys() -> None:
    r = LinkResolver()
    assert r.affected_by("Folder/My Note.MD") == "my note.md"
    assert r.affected_by("img.PNG") == "img.png"
    assert link_keys("Folder/My Note") == ("my note", "my note.md")
    assert link_keys("../X.md") == ("x.md", "x.md.md")
    assert link_keys("My\u00a0Note") == ("my note", "my note.md")
    # The key of a file is among the keys of every link that can reach it.
    assert r.affected_by("x/My Note.md") in link_keys("my note")


def test_many_files_resolve_by_bucket() -> None:
    paths = [f"folder{i % 100}/note{i}.md" for i in range(100_000)]
    paths += [f"d{i}/index.md" for i in range(50)]
    r = LinkResolver(paths)
    assert r.resolve("note99999", "x.md") == "folder99/note99999.md"
    assert r.resolve("index", "d7/s.md") == "d7/index.md"
    assert r.resolve("index", "q/s.md") == "d0/index.md"


# ---------------------------------------------------------------------------------------------------------
# Property: resolve never raises and only returns known paths
# ---------------------------------------------------------------------------------------------------------

_segment = st.text(alphabet=st.sampled_from(list("aAbB.-_ /\u00a0é#|^")), min_size=0, max_size=6)
_paths = st.lists(_segment.map(lambda s: s.strip("/") or "x").map(lambda s: s + ".md"), max_size=8)


@given(vault=_paths, linkpath=st.one_of(st.text(max_size=20), _segment), source=st.text(max_size=20))
def test_resolve_never_raises(vault: list[str], linkpath: str, source: str) -> None:
    r = LinkResolver(vault, aliases={p: [linkpath] for p in vault[:1]})
    for use_aliases in (False, True):
        result = r.resolve(linkpath, source, use_aliases=use_aliases)
        assert result is None or result in vault
    r.candidates_for_name(linkpath)
    link_keys(linkpath)


_name = st.text(max_size=10).filter(lambda s: "/" not in s)


@given(name=_name, folders=st.lists(_name.filter(lambda s: s and not s.startswith(".")), max_size=3))
def test_file_resolves_by_own_path(name: str, folders: list[str]) -> None:
    path = "/".join([*folders, f"{name}.md"])
    r = LinkResolver([path])
    assert r.resolve(path, "elsewhere/s.md") == path


def _reference(vault: list[str], link: str, source: str) -> str | None:
    """A literal transcription of app.js getLinkpathDest, for differential testing (ASCII only)."""

    def parent(p: str) -> str:
        return p[: p.rfind("/")] if "/" in p else ""

    def get(t: str) -> list[str]:
        n = t.lower()
        r = [p for p in vault if p.lower().rsplit("/", 1)[-1] == n.rsplit("/", 1)[-1]]
        if not r:
            return []
        o = parent(source).lower()
        if n.startswith(("./", "../")):
            if n.startswith("./../"):
                n = n[2:]
            if n.startswith("./"):
                o = o + "/" if o else o
                n = o + n[2:]
            else:
                while n.startswith("../"):
                    n, o = n[3:], parent(o)
                o = o + "/" if o else o
                n = o + n
            for p in r:
                if p.lower() == n:
                    return [p]
        if n.startswith("/"):
            n = n[1:]
        for p in r:
            if p.lower() == n:
                return [p]
        if t.startswith("/"):
            return []
        hits = [p for p in r if p.lower().endswith(n)]
        near = sorted((p for p in hits if p.lower().startswith(o)), key=len)
        far = sorted((p for p in hits if not p.lower().startswith(o)), key=len)
        return near + far

    if link == "" and source in vault:
        return source
    found = get(link) or get(link + ".md")
    return found[0] if found else None


_ascii_path = st.text(alphabet=st.sampled_from(list("aAb/.")), min_size=1, max_size=7).filter(
    lambda p: not p.startswith("/") and not p.endswith("/")
)


@given(
    vault=st.lists(_ascii_path.map(lambda p: p if p.endswith(".") else p + ".md") | _ascii_path, unique=True),
    link=st.text(alphabet=st.sampled_from(list("aAb/.")), max_size=8),
    source=_ascii_path,
)
def test_matches_reference_algorithm(vault: list[str], link: str, source: str) -> None:
    assert LinkResolver(vault).resolve(link, source) == _reference(vault, link, source)


# ---------------------------------------------------------------------------------------------------------
# Markdown hrefs, split, external URLs
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("My%20Note.md#Sec%20One", "My Note.md#Sec One"),
        ("C%23.md", "C%23.md"),
        ("a%2Fb%2fc%3F%3A%40%26%3D%2B%24%2C%3B", "a%2Fb%2fc%3F%3A%40%26%3D%2B%24%2C%3B"),
        ("pa#th/x.md", "pa#th/x.md"),
        ("Note", "Note"),
        ("%ED%95%9C%EA%B8%80.md", "한글.md"),
        ("%ed%95%9c", "한"),
        ("%F0%9F%98%80", "\U0001f600"),
        ("%C3%A9", "é"),
        ("%41%62", "Ab"),
        ("<My Note.md>", "My Note.md"),
        ("<My%20Note.md>", "My Note.md"),
        ("<>", ""),
        ("<", "<"),
        ("a%C2%A0b", "a b"),
        ("e%CC%81", "é"),  # NFC after decoding
        ("%E0%A4%A", None),
        ("%ZZ", None),
        ("%", None),
        ("abc%2", None),
        ("%G1", None),
        ("%+1", None),
        ("%80", None),  # a lone continuation byte
        ("%C3", None),  # truncated sequence
        ("%C3%28", None),  # bad continuation byte
        ("%C0%AF", None),  # overlong
        ("%ED%A0%80", None),  # UTF-16 surrogate
        ("%F4%90%80%80", None),  # past U+10FFFF
        ("%F8%80%80%80%80", None),  # invalid lead byte
        ("", ""),
    ],
)
def test_decode_markdown_href(url: str, expected: str | None) -> None:
    assert decode_markdown_href(url) == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("Note#H1#H2", ("Note", "H1#H2")),
        ("#^b", ("", "^b")),
        ("#heading", ("", "heading")),
        ("Note", ("Note", None)),
        ("Note#", ("Note", "")),
        ("", ("", None)),
        ("pa#th/x", ("pa", "th/x")),
        ("Doc.pdf#page=3", ("Doc.pdf", "page=3")),
        ("|#a", ("|", "a")),
    ],
)
def test_split_linkpath(href: str, expected: tuple[str, str | None]) -> None:
    assert split_linkpath(href) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.y/#z", True),
        ("http://example.com", True),
        ("mailto:a@b.c", True),
        ("obsidian://open?vault=x", True),
        ("file:///C:/x.md", True),
        ("ftp://host/x", True),
        ("data:image/png;base64,AAAA", True),
        ("x+y-z.:stuff", True),
        ("HTTPS://X.Y", True),
        ("//host/path", True),
        ("<https://x.y>", True),
        ("C:\\Users\\x.md", False),
        ("C:/Users/x.md", False),
        ("www.x.com", False),
        ("Note.md", False),
        ("folder/Note.md", False),
        ("./x.md", False),
        ("../x.md", False),
        ("#frag", False),
        ("/abs/x.md", False),
        ("1http://x", False),
        ("", False),
        (":x", False),
    ],
)
def test_is_external_url(url: str, expected: bool) -> None:
    assert is_external_url(url) is expected


# ---------------------------------------------------------------------------------------------------------
# Headings and blocks (§8)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My: Heading?", "my heading"),
        ("my heading", "my heading"),
        ("  A   B  ", "a b"),
        ("A/B\\C[D]", "a b c d"),
        ('a!"#$%&()*+,.:;<=>?@^`{|}~b', "a b"),
        ("line\r\nbreak", "line break"),
        ("tab\there", "tab here"),
        ("nb\u00a0sp", "nb sp"),
        ("Ünïcödé", "ünïcödé"),
        ("keep-dash_and'quote", "keep-dash_and'quote"),
        ("???", ""),
    ],
)
def test_normalize_heading(text: str, expected: str) -> None:
    assert normalize_heading(text) == expected


DOC = [(1, "Title"), (2, "My: Heading?"), (3, "Sub"), (2, "Other"), (3, "Sub")]


@pytest.mark.parametrize(
    ("headings", "subpath", "expected"),
    [
        pytest.param(DOC, "my heading", 1, id="stripheading-match"),
        pytest.param(DOC, "MY HEADING", 1, id="case-insensitive"),
        pytest.param(DOC, "My: Heading?", 1, id="verbatim"),
        pytest.param(DOC, "Sub", 2, id="first-match-wins"),
        pytest.param(DOC, "Other#Sub", 4, id="nested"),
        pytest.param(DOC, "Title#Other#Sub", 4, id="nested-three"),
        pytest.param(DOC, "Title#Sub", 2, id="not-direct-child"),
        pytest.param(DOC, "Sub#Other", None, id="must-be-deeper"),
        pytest.param(DOC, "Other#Title", None, id="must-come-after"),
        pytest.param(DOC, "Missing", None, id="missing"),
        pytest.param([(1, "A"), (1, "C"), (2, "D")], "A#D", 2, id="A-D-quirk"),
        pytest.param([(1, "A"), (1, "A")], "A#A", None, id="same-level-not-deeper"),
        pytest.param([(2, "A"), (1, "B"), (2, "C")], "A#C", None, id="greedy-first-match"),
        pytest.param([(1, "A"), (2, "B")], "A##B", 1, id="empty-part-ignored"),
        pytest.param([(1, "A")], "", None, id="empty"),
        pytest.param([], "A", None, id="no-headings"),
    ],
)
def test_find_heading(headings: list[tuple[int, str]], subpath: str, expected: int | None) -> None:
    assert find_heading(headings, subpath) == expected


def test_find_block() -> None:
    ids = ["abc", "Mixed-Case1"]
    assert find_block(ids, "abc")
    assert find_block(ids, "ABC")
    assert find_block(ids, "mixed-case1")
    assert find_block(ids, "^abc")
    assert not find_block(ids, "ab")
    assert not find_block([], "abc")
    assert find_block(iter(["x"]), "X")


@pytest.mark.parametrize(
    ("subpath", "expected"),
    [
        (None, None),
        ("", None),
        ("#", None),
        ("my heading", None),
        ("Intro#Details", None),
        ("intro#missing", 'missing heading "intro#missing"'),
        ("Nope", 'missing heading "Nope"'),
        ("^abc", None),
        ("^ABC", None),
        ("^nope", 'missing block "^nope"'),
        ("^", 'missing block "^"'),
        ("[^1]", None),
        ("[^note]", None),
        ("page=3", None),
        ("height=400", None),
        ("page=3&selection=1,2", None),
    ],
)
def test_check_subpath(subpath: str | None, expected: str | None) -> None:
    headings = [(1, "Intro"), (2, "Details"), (2, "My: Heading?")]
    assert check_subpath(subpath, headings, ["abc"]) == expected


def test_check_subpath_heading_that_looks_like_pdf_param() -> None:
    assert check_subpath("a=b", [(1, "a=b")], []) is None
