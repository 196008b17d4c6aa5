"""Tests for maps of content (:mod:`vaultkit.maps`): link paths, the Markdown MOC, diagrams, selection.

The central promise: every link of a generated MOC, dropped at the vault root, resolves (by
Obsidian's rules, obsidian-syntax.md §4) to the very note it was written for, including notes that
share a file name with another note.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import Vault
from vaultkit.maps import (
    GROUP_BY_TAG_OVER,
    MapError,
    TopicMap,
    link_path_factory,
    map_graph,
    note_map,
    render_map,
    shortest_linkpath,
    tag_map,
    topic_map,
    topic_map_markdown,
    write_new_file,
)
from vaultkit.parse import parse_note
from vaultkit.resolve import LinkResolver
from vaultkit.topics import Topic, TopicNotFoundError, detect_topics

MakeVault = Callable[..., Path]
OpenVault = Callable[..., Vault]

FILES: dict[str, str | bytes] = {
    # two clusters, each with an "Overview" note: the same file name in two folders
    "ml/Overview.md": "---\ntags: [ml]\n---\nOverview of models: [[ml/Attention]], [[Transformer]], [[Tokenizer]].\n",
    "ml/Attention.md": "---\ntags: [ml]\n---\nAttention weighs tokens; used by the [[Transformer]]. [[ml/Overview]]\n",
    "ml/Transformer.md": "---\ntags: [ml/arch]\n---\nThe transformer stacks attention layers. [[ml/Overview]]\n",
    "ml/Tokenizer.md": "---\ntags: [ml]\n---\nThe tokenizer splits text into tokens. [[ml/Overview]]\n",
    "food/Overview.md": "---\ntags: [food]\n---\nRecipes: [[Bread]], [[Soup]], [[food/Attention]], [[Pasta|pasta]].\n",
    "food/Bread.md": "---\ntags: [food]\n---\nKnead the dough, let it rise, bake the bread. [[food/Overview]]\n",
    "food/Soup.md": "---\ntags: [food]\n---\nSimmer the soup, season the broth. [[food/Overview]]\n",
    # a second "Attention": a file name shared across folders, case and all
    "food/Attention.md": "---\ntags: [food]\n---\nPay attention to the oven when baking bread. [[food/Overview]]\n",
    "food/Pasta.md": "---\ntags: [food]\n---\nBoil the pasta, salt the water. [[food/Overview]]\n",
    # names a wikilink cannot hold
    "food/Salt | Pepper.md": "---\ntags: [food]\n---\nSeason with salt and pepper. [[food/Overview]]\n",
    "food/C# cooking.md": "---\ntags: [food]\n---\nCooking code. [[food/Overview]]\n",
    # an attachment whose name (with extension) differs from every note
    "food/Bread.png": b"\x89PNG\r\n\x1a\n",
    "Loner.md": "Nothing.\n",
}


class Ctx:
    def __init__(self, vault: Vault) -> None:
        vault.index()
        vault.search("x", limit=1)
        self.vault = vault
        self.graph = vault.graph
        self.texts = dict(vault.store.texts())
        self.files = vault.store.file_paths()
        self._searcher = vault.search_index.open().searcher()
        self.searcher: Any = self._searcher

    def topics(self, **kwargs: Any) -> list[Topic]:
        return detect_topics(self.graph, self.texts, self.searcher, **kwargs)

    def close(self) -> None:
        self._searcher.close()
        self.vault.close()


@pytest.fixture
def ctx(make_vault: MakeVault, open_vault: OpenVault) -> Iterator[Ctx]:
    context = Ctx(open_vault(make_vault(FILES)))
    yield context
    context.close()


WIKILINK = re.compile(r"\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]")


def resolved_links(markdown: str, files: list[str], source: str = "MOC.md") -> list[str | None]:
    """Where each link of ``markdown`` (as the vault's parser reads it) resolves from ``source``."""
    note = parse_note(markdown, source)
    resolver = LinkResolver(sorted(files))
    return [resolver.resolve(link.target, source) for link in note.links]


def linkable(paths: tuple[str, ...] | list[str]) -> set[str]:
    """The notes a link can reach at all (no link syntax reaches a file with '#' in its name)."""
    return {p for p in paths if "#" not in p}


# ---------------------------------------------------------------------------------------------------------
# link paths
# ---------------------------------------------------------------------------------------------------------


def test_shortest_linkpath_rules() -> None:
    files = ["a/Note.md", "b/Note.md", "c/Unique.md", "d/deep/Solo.md", "img.png", "x/img.md", "N/n2.md", "n2.MD"]
    assert shortest_linkpath("c/Unique.md", files) == "Unique"
    assert shortest_linkpath("d/deep/Solo.md", files) == "Solo"
    assert shortest_linkpath("a/Note.md", files) == "a/Note"  # duplicated name: the full path
    assert shortest_linkpath("b/Note.md", files) == "b/Note"
    assert shortest_linkpath("img.png", files) == "img.png"  # attachments keep their extension
    assert shortest_linkpath("x/img.md", files) == "img"  # "img" resolves to img.md, never img.png
    for path in files:
        assert LinkResolver(sorted(files)).resolve(shortest_linkpath(path, files), "MOC.md") == path


def test_shortest_linkpath_case_insensitive_duplicates() -> None:
    files = ["a/note.md", "b/Note.md"]
    assert shortest_linkpath("a/note.md", files) == "a/note"
    assert shortest_linkpath("b/Note.md", files) == "b/Note"


def test_shortest_linkpath_suffix_quirk() -> None:
    """``[[b/c]]`` also matches ``ab/c.md`` (raw suffix test): the exact path still wins."""
    files = ["ab/c.md", "b/c.md"]
    resolver = LinkResolver(files)
    for path in files:
        assert resolver.resolve(shortest_linkpath(path, files), "MOC.md") == path


_segment = st.sampled_from(["a", "b", "A", "note", "Note", "x y", "n.1", "deep"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_segment, min_size=1, max_size=3), min_size=1, max_size=8))
def test_linkpath_always_resolves_back(parts: list[list[str]]) -> None:
    files = sorted({"/".join(p) + ".md" for p in parts})
    link_path = link_path_factory(files)
    resolver = LinkResolver(files)
    folded = [p.casefold() for p in files]
    for path in files:
        if folded.count(path.casefold()) > 1:
            continue  # paths that differ only in case: Obsidian reaches one of them, whatever is written
        assert resolver.resolve(link_path(path), "MOC.md") == path
        assert resolver.resolve(link_path(path), "deep/elsewhere/MOC.md") == path  # wherever the MOC goes


# ---------------------------------------------------------------------------------------------------------
# the Markdown MOC
# ---------------------------------------------------------------------------------------------------------


def test_moc_links_resolve_to_the_right_notes(ctx: Ctx) -> None:
    topics = ctx.topics(min_size=2)
    for m in (
        tag_map(ctx.graph, ctx.texts, ctx.searcher, "food"),
        tag_map(ctx.graph, ctx.texts, ctx.searcher, "ml"),
        note_map(ctx.graph, ctx.texts, ctx.searcher, "food/Overview.md"),
        topic_map(topics, "1", ctx.graph, ctx.texts, ctx.searcher),
    ):
        markdown = render_map(m, "markdown", ctx.graph, ctx.files)
        targets = resolved_links(markdown, ctx.files)
        assert None not in targets, markdown
        assert set(targets) == linkable(m.notes), markdown
        # every note is listed once (the note map's intro links its centre once more)
        listed = [line for line in markdown.splitlines() if line.startswith("- ")]
        assert len(listed) == len(m.notes)


def test_duplicate_names_use_the_path(ctx: Ctx) -> None:
    m = tag_map(ctx.graph, ctx.texts, ctx.searcher, "food")
    markdown = render_map(m, "markdown", ctx.graph, ctx.files)
    assert "[[food/Overview|Overview]]" in markdown
    assert "[[food/Attention|Attention]]" in markdown
    assert "[[Bread]]" in markdown  # Bread.png does not make "Bread" ambiguous
    assert "[[Overview]]" not in markdown and "[[Attention]]" not in markdown


def test_names_a_wikilink_cannot_hold(ctx: Ctx) -> None:
    markdown = render_map(tag_map(ctx.graph, ctx.texts, ctx.searcher, "food"), "markdown", ctx.graph, ctx.files)
    assert "[Salt / Pepper](<Salt | Pepper>)" in markdown  # a markdown link reaches it
    assert "C# cooking (`food/C# cooking.md`)" in markdown  # nothing can: plain text, no broken link
    assert "[[C" not in markdown


def test_moc_structure(ctx: Ctx) -> None:
    m = tag_map(ctx.graph, ctx.texts, ctx.searcher, "food")
    markdown = render_map(m, "markdown", ctx.graph, ctx.files)
    lines = markdown.splitlines()
    assert lines[:4] == ["---", "tags: [moc]", "generated-by: vaultkit", "---"]
    assert lines[4] == "# Map of \\#food"
    assert markdown.endswith("\n") and not markdown.endswith("\n\n")
    sections = [line for line in lines if line.startswith("## ")]
    assert len(sections) == len(m.sections) + (1 if m.others else 0)
    # hubs first, in bold
    first = lines.index(sections[0])
    hub_lines = [line for line in lines[first + 1 :] if line.startswith("- ")][: len(m.sections[0].hubs)]
    assert all(line.startswith("- **") for line in hub_lines)
    note = parse_note(markdown, "MOC.md")
    assert note.tags == ("moc",)  # '#' in headings is escaped: the map adds no other tag
    assert note.frontmatter == {"tags": ["moc"], "generated-by": "vaultkit"}


def test_moc_dropped_into_the_vault(ctx: Ctx, tmp_path: Path) -> None:
    """Written into (a copy of) the vault and indexed, the MOC's links resolve to the listed notes."""
    m = tag_map(ctx.graph, ctx.texts, ctx.searcher, "food")
    markdown = render_map(m, "markdown", ctx.graph, ctx.files)
    root = tmp_path / "copy"
    shutil.copytree(ctx.vault.root, root)
    (root / "MOC.md").write_text(markdown, encoding="utf-8")
    with Vault(root, index_dir=tmp_path / "copy-index") as copy:
        copy.index()
        outlinks = copy.outlinks("MOC.md")
        assert {o.resolved for o in outlinks} == linkable(m.notes)
        assert not [u for u in copy.unresolved() if u.source == "MOC.md"]
        assert copy.note("MOC.md").tags == ("moc",)


def test_grouped_by_tag_when_large() -> None:
    notes = [f"n{i:02}.md" for i in range(GROUP_BY_TAG_OVER + 4)]
    tags = {p: (["big", "red"] if i % 2 else ["big", "blue"]) for i, p in enumerate(notes)}
    tags[notes[-1]] = ["big"]
    topic = Topic("t-000000", "#big · things", ("things",), ("big",), (notes[0],), tuple(notes), ())
    markdown = topic_map_markdown(
        [topic], {p: p[:-3] for p in notes}, tags, title="Big", link_path=lambda p: p[:-3], others=["zz.md"]
    )
    assert "### \\#red" in markdown and "### \\#blue" in markdown
    assert "### \\#big" not in markdown  # on every note: no group
    assert "### Other notes" in markdown and "## Other notes" in markdown
    assert markdown.index("**[[n00]]**") < markdown.index("### ")  # hubs before the groups
    assert markdown.count("- ") == len(notes) + 1
    small = topic_map_markdown([Topic("t-1", "x", (), (), (), ("a.md",), ())], {}, {}, title="T", link_path=str)
    assert "###" not in small and "- [[a.md|a]]" in small


def test_titles_override_names(ctx: Ctx) -> None:
    m = tag_map(ctx.graph, ctx.texts, ctx.searcher, "ml")
    markdown = render_map(m, "markdown", ctx.graph, ctx.files, titles={"ml/Transformer.md": "The Transformer"})
    assert "[[Transformer|The Transformer]]" in markdown


# ---------------------------------------------------------------------------------------------------------
# selection
# ---------------------------------------------------------------------------------------------------------


def test_tag_map(ctx: Ctx) -> None:
    m = tag_map(ctx.graph, ctx.texts, ctx.searcher, "#ML")
    assert m.kind == "tag" and m.subject == "ml" and m.title == "Map of #ml"
    assert set(m.notes) == {"ml/Overview.md", "ml/Attention.md", "ml/Transformer.md", "ml/Tokenizer.md"}
    assert len(m.notes) == len(set(m.notes))
    assert set(tag_map(ctx.graph, ctx.texts, ctx.searcher, "ml/arch").notes) == {"ml/Transformer.md"}
    with pytest.raises(MapError, match="no note has the tag #nothing"):
        tag_map(ctx.graph, ctx.texts, ctx.searcher, "nothing")


def test_note_map(ctx: Ctx) -> None:
    m = note_map(ctx.graph, ctx.texts, None, "ml/Tokenizer.md", depth=1)
    assert m.kind == "note" and m.title == "Map of Tokenizer"
    assert set(m.notes) == {"ml/Tokenizer.md", "ml/Overview.md"}
    deeper = note_map(ctx.graph, ctx.texts, None, "ml/Tokenizer.md", depth=2)
    assert set(deeper.notes) == {"ml/Tokenizer.md", "ml/Overview.md", "ml/Attention.md", "ml/Transformer.md"}
    markdown = render_map(deeper, "markdown", ctx.graph, ctx.files)
    assert "Notes around [[Tokenizer]]" in markdown
    with pytest.raises(MapError):
        note_map(ctx.graph, ctx.texts, None, "missing.md")


def test_topic_map(ctx: Ctx) -> None:
    topics = ctx.topics(min_size=2)
    first = topics[0]
    m = topic_map(topics, first.id, ctx.graph, ctx.texts, ctx.searcher)
    assert m.kind == "topic" and m.subject == first.id
    assert set(m.notes) == set(first.notes)
    assert m.sections == (first,)  # a small topic is one section
    with pytest.raises(TopicNotFoundError):
        topic_map(topics, "t-nope", ctx.graph, ctx.texts, ctx.searcher)
    with pytest.raises(TopicNotFoundError, match="ambiguous"):  # two hubs have that name
        topic_map(topics, "Overview", ctx.graph, ctx.texts, ctx.searcher)
    assert topic_map(topics, "ml/Overview", ctx.graph, ctx.texts, ctx.searcher).subject in {t.id for t in topics}


def test_map_is_deterministic(ctx: Ctx) -> None:
    one = render_map(tag_map(ctx.graph, ctx.texts, ctx.searcher, "food"), "markdown", ctx.graph, ctx.files)
    two = render_map(tag_map(ctx.graph, ctx.texts, ctx.searcher, "food"), "markdown", ctx.graph, ctx.files)
    assert one == two


def test_as_dict(ctx: Ctx) -> None:
    m = tag_map(ctx.graph, ctx.texts, ctx.searcher, "food")
    data = m.as_dict()
    assert data["kind"] == "tag" and data["subject"] == "food"
    assert sum(len(s["notes"]) for s in data["sections"]) + len(data["others"]) == len(m.notes)


# ---------------------------------------------------------------------------------------------------------
# diagrams
# ---------------------------------------------------------------------------------------------------------


def food_map(ctx: Ctx) -> TopicMap:
    return tag_map(ctx.graph, ctx.texts, ctx.searcher, "food")


def test_mermaid(ctx: Ctx) -> None:
    m = food_map(ctx)
    text = render_map(m, "mermaid", ctx.graph, ctx.files)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared = set(re.findall(r"^\s*(n\d+)\[", text, re.MULTILINE))
    assert len(declared) == len(m.notes)
    edges = [line for line in lines if "-->" in line]
    assert edges
    for line in edges:
        left, right = (part.strip() for part in line.split("-->"))
        assert left in declared and right in declared, line
    assert text.count("subgraph ") == text.count("\n  end") == len(m.sections)
    for line in lines:
        if line.strip().startswith("class "):
            assert set(line.strip()[6:].split(" ")[0].split(",")) <= declared
    assert "#food" not in text.replace("#35;", "")  # '#' written as an entity, Mermaid reads '#x;' as one


def test_dot(ctx: Ctx, tmp_path: Path) -> None:
    m = food_map(ctx)
    text = render_map(m, "dot", ctx.graph, ctx.files)
    assert text.startswith("digraph ")
    assert text.count("{") == text.count("}")
    assert text.count('subgraph "cluster_') == len(m.sections)
    for path in m.notes:
        assert f'"{path}"' in text
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout


def test_html_is_self_contained(ctx: Ctx) -> None:
    m = food_map(ctx)
    page = render_map(m, "html", ctx.graph, ctx.files)
    assert page.startswith("<!doctype html>")
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", page)
    assert "http://" not in page and "https://" not in page
    for path in m.notes:
        name = path.rsplit("/", 1)[-1][:-3]
        assert json.dumps(name, ensure_ascii=False)[1:-1] in page
    graph = map_graph(m, ctx.graph)
    assert list(graph.nodes) == [p for p in m.notes if p in ctx.graph]


def test_unknown_format(ctx: Ctx) -> None:
    with pytest.raises(MapError, match="unknown map format"):
        render_map(food_map(ctx), "pdf", ctx.graph, ctx.files)


# ---------------------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------------------


def test_write_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "MOC.md"
    write_new_file(target, "one\n")
    assert target.read_text("utf-8") == "one\n"
    with pytest.raises(MapError, match="--force"):
        write_new_file(target, "two\n")
    assert target.read_text("utf-8") == "one\n"  # never overwritten without force
    write_new_file(target, "two\n", force=True)
    assert target.read_text("utf-8") == "two\n"
