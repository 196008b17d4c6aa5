"""Tests for the public ``Vault`` API: sample-vault facts, the graph, resolution, incremental indexing,
persistence and errors.

Obsidian semantics follow /work/shared/docs/obsidian-syntax.md (sections 4, 7, 8, 11). Every index
lives in a tmp folder (``index_dir`` is always passed); the vaults themselves are never written.
"""

from __future__ import annotations

import functools
import os
import pickle
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from conftest import tree_hashes

import vaultkit.indexer
import vaultkit.parse
import vaultkit.store
import vaultkit.vault
from vaultkit import Vault
from vaultkit.errors import NoteNotFoundError
from vaultkit.model import Related

SAMPLE_VAULT = Path(__file__).resolve().parents[1] / "sample_vault"

MakeVault = Callable[..., Path]
"""The ``make_vault`` fixture: ``make_vault({relpath: text or bytes}, name="vault") -> folder``."""
OpenVault = Callable[..., Vault]
"""The ``open_vault`` fixture: ``open_vault(root, index="idx", **kwargs) -> Vault`` with a tmp index."""

# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def source_line(root: Path, path: str, line: int) -> str:
    """Line ``line`` (1-based) of the file ``path`` in the vault at ``root``, as written."""
    return (root / path).read_text(encoding="utf-8").split("\n")[line - 1]


def resolved(vault: Vault, ref: str, raw: str) -> list[str | None]:
    """Where each occurrence of the link written as ``raw`` in note ``ref`` resolves to."""
    found = [o.resolved for o in vault.outlinks(ref) if o.link.raw == raw]
    assert found, f"{raw} not found in {ref}"
    return found


def graph_rows(graph: nx.MultiDiGraph) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Nodes with attributes and edges with attributes, sorted, for whole-graph comparisons."""
    nodes = sorted((n, repr(sorted(d.items()))) for n, d in graph.nodes(data=True))
    edges = sorted((u, v, repr(sorted(d.items()))) for u, v, d in graph.edges(data=True))
    return nodes, edges


def snapshot(vault: Vault) -> dict[str, Any]:
    """Everything a query can see, for comparing an incremental index with a full rebuild."""
    nodes, edges = graph_rows(vault.graph)
    return {
        "nodes": nodes,
        "edges": edges,
        "unresolved": vault.unresolved(),
        "link_problems": vault.link_problems(),
        "tags": vault.tags(),
        "orphans": vault.orphans(),
        "notes": [(n.path, n.title, n.tags, n.aliases) for n in vault.notes()],
        "outlinks": {n.path: vault.outlinks(n.path) for n in vault.notes()},
    }


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the notes the indexer parses (a spy on ``vaultkit.parse.parse_note``, which the indexer calls)."""
    calls: list[str] = []
    real = vaultkit.parse.parse_note

    def spy(text: str, path: str) -> Any:
        calls.append(path)
        return real(text, path)

    monkeypatch.setattr(vaultkit.parse, "parse_note", spy)
    return calls


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any parse or index run fails the test."""

    def boom(*args: object, **kwargs: object) -> Any:
        raise AssertionError("a query parsed or indexed notes again")

    monkeypatch.setattr(vaultkit.parse, "parse_note", boom)
    monkeypatch.setattr(vaultkit.indexer, "refresh", boom)
    monkeypatch.setattr(Vault, "index", boom)


# ---------------------------------------------------------------------------------------------------------
# 1. The sample vault
# ---------------------------------------------------------------------------------------------------------

GAMMA_MENTION_SOURCES = {
    "daily/2024-03-12.md",
    "daily/2024-03-13.md",
    "daily/2024-03-14.md",
    "misc/Conference deadlines.md",
    "people/Alex Kim.md",
    "people/김도은.md",
    "projects/alpha/README.md",
    "projects/beta/Beta 회의록.md",
    "research/연구 일지 2023.md",
    "research/연구 일지 2024.md",
    "research/실험 기록 - DDPM.md",
    "topics/PyTorch Setup.md",
}


def test_sample_unresolved_links_are_exactly_missing_note_and_dl(sample: Vault) -> None:
    rows = [(u.source, u.target, u.line, u.link.raw) for u in sample.unresolved()]
    assert rows == [
        ("daily/Ideas.md", "Missing Note", 9, "[[Missing Note]]"),
        ("study/2024-03-16-week09-day038.md", "DL", 48, "[[DL]]"),
    ]
    # [[DL]] is an alias of topics/딥러닝 기초.md: Obsidian does not resolve aliases (§7).
    assert "DL" in sample.note("topics/딥러닝 기초.md").aliases


def test_sample_excludes_templates_folder(sample: Vault) -> None:
    paths = [n.path for n in sample.notes()]
    assert not any(p.startswith("templates/") for p in paths)
    assert "Should not count" not in {u.target for u in sample.unresolved()}
    assert "template" not in {t.tag for t in sample.tags()}
    with pytest.raises(NoteNotFoundError):
        sample.note("Daily template")


def test_sample_link_problems_is_the_missing_home_heading(sample: Vault) -> None:
    problems = sample.link_problems()
    assert [(p.source, p.line, p.link.raw, p.resolved) for p in problems] == [
        ("topics/Ideas.md", 24, "[[Home#No Such Heading]]", "Home.md")
    ]
    assert "No Such Heading" in problems[0].problem
    # The problem is also on the OutLink.
    (out,) = [o for o in sample.outlinks("topics/Ideas.md") if o.link.raw == "[[Home#No Such Heading]]"]
    assert out.resolved == "Home.md"
    assert out.problem == problems[0].problem
    # The PDF page embed ![[paper.pdf#page=3]] is not a problem.
    assert resolved(sample, "topics/DDPM.md", "![[paper.pdf#page=3]]") == ["attachments/paper.pdf"]


def test_sample_orphans_and_deadends(sample: Vault) -> None:
    assert [(r.path, r.title) for r in sample.orphans()] == [("misc/Orphan thoughts.md", "Orphan thoughts")]
    assert [r.path for r in sample.deadends()] == ["misc/Orphan thoughts.md"]


def test_sample_backlinks_of_gamma(sample: Vault, sample_root: Path) -> None:
    backlinks = sample.backlinks("Gamma")
    assert [(b.source, b.line) for b in backlinks] == [
        ("Home.md", 46),
        ("research/실험 기록 - DDPM.md", 25),
        ("research/연구실 생활.md", 13),
        ("topics/PyTorch Setup.md", 36),
    ]
    for b in backlinks:
        assert b.context == source_line(sample_root, b.source, b.line).strip()
        assert b.link.raw in b.context
        assert b.link.target == "Gamma"
        assert b.link.line == b.line
    assert backlinks[1].link.display == "감마 서버"  # [[Gamma\|감마 서버]] in a table cell


def test_sample_backlinks_include_self_and_frontmatter_links(sample: Vault) -> None:
    rows = [(b.source, b.line, b.link.kind) for b in sample.backlinks("Home")]
    assert rows == [
        ("Home.md", 46, "wikilink"),  # [[#Projects]]: a self link
        ("people/Alex Kim.md", 22, "wikilink"),  # [[home]]: case-insensitive
        ("research/연구 일지 2024.md", 40, "wikilink"),  # inside a %% comment
        ("topics/Gamma.md", 6, "frontmatter"),  # related: "[[Home]]"
        ("topics/Ideas.md", 24, "wikilink"),  # [[Home#No Such Heading]] still reaches the file
    ]


def test_sample_outlinks_of_home(sample: Vault) -> None:
    rows = [(o.link.raw, o.link.line, o.resolved) for o in sample.outlinks("Home")]
    assert len(rows) == 29
    assert [line for _, line, _ in rows] == sorted(line for _, line, _ in rows)  # document order
    assert all(res is not None for _, _, res in rows)
    table = {raw: res for raw, _, res in rows}
    assert table["[[research/연구 일지 2024|2024 연구 일지]]"] == "research/연구 일지 2024.md"
    assert table["[[연구 일지 2023]]"] == "research/연구 일지 2023.md"
    assert table["[[topics/CLIP|CLIP]]"] == "topics/CLIP.md"
    assert table["[[딥러닝 기초]]"] == "topics/딥러닝 기초.md"
    # From the root every file is "near": the shortest path wins.
    assert table["[[README]]"] == "projects/beta/README.md"
    assert table["[[Ideas]]"] == "daily/Ideas.md"
    assert table["[[#Projects]]"] == "Home.md"
    assert all(o.problem is None for o in sample.outlinks("Home"))


@pytest.mark.parametrize(
    ("source", "raw", "expected"),
    [
        pytest.param("projects/alpha/Alpha plan.md", "[[README]]", "projects/alpha/README.md", id="near-alpha"),
        pytest.param("projects/beta/Beta 회의록.md", "[[README]]", "projects/beta/README.md", id="near-beta"),
        pytest.param("topics/DDPM.md", "[[Ideas]]", "topics/Ideas.md", id="near-beats-shorter"),
        pytest.param("research/연구 일지 2024.md", "[[Ideas]]", "daily/Ideas.md", id="far-shortest"),
        pytest.param("daily/2024-03-12.md", "![[Ideas]]", "daily/Ideas.md", id="embed-near"),
        pytest.param("people/Alex Kim.md", "[[home]]", "Home.md", id="case-insensitive"),
        pytest.param("projects/beta/README.md", "[[alpha/README|Alpha]]", "projects/alpha/README.md", id="suffix"),
        pytest.param(
            "study/2024-03-17-week09-day039.md",
            "[StyleGAN 정리](../topics/StyleGAN.md)",
            "topics/StyleGAN.md",
            id="md-rel",
        ),
        pytest.param(
            "study/2024-03-18-week10-day040.md",
            "[실험 로그](../research/실험%20기록%20-%20DDPM.md)",
            "research/실험 기록 - DDPM.md",
            id="md-rel-percent",
        ),
        pytest.param(
            "topics/Gamma.md",
            "[PyTorch Setup](PyTorch%20Setup.md#설치%20순서)",
            "topics/PyTorch Setup.md",
            id="md-percent-subpath",
        ),
        pytest.param(
            "study/2024-03-16-week09-day038.md",
            "![구조도](attachments/diagram.png)",
            "attachments/diagram.png",
            id="md-image",
        ),
        pytest.param("projects/alpha/Alpha plan.md", "![[chart.png|320x180]]", "attachments/chart.png", id="img-size"),
    ],
)
def test_sample_resolution(sample: Vault, source: str, raw: str, expected: str) -> None:
    assert resolved(sample, source, raw) == [expected]


def test_sample_tags_count_notes_with_nested_parents(sample: Vault) -> None:
    tags = sample.tags()
    counts = {t.tag: t.count for t in tags}
    # lang = the union of lang/python (4 notes) and lang/korean (2 notes).
    assert counts["lang/python"] == 4
    assert counts["lang/korean"] == 2
    assert counts["lang"] == 6
    assert counts["project"] == 4
    assert counts["project/alpha"] == 2
    assert counts["project/beta"] == 2
    assert counts["딥러닝"] == 5
    assert counts["daily"] == 3  # the template's #daily does not count
    assert counts["idea"] == 1  # topics/Ideas.md has `tags: idea, backlog` (a string with a space: dropped)
    assert counts["idea/todo"] == 1
    assert counts["diary"] == 2
    assert counts["todo"] == 1  # inside a %% comment
    # Never tags: code, a YAML comment, a digits-only tag, items with spaces, numbers, the template.
    for absent in ("not-a-tag", "fast-io", "glob", "debug", "baekjoon", "1984", "lv2 u-stage", "2024", "template"):
        assert absent not in counts
    # Most used first; each tag once.
    assert [t.count for t in tags] == sorted((t.count for t in tags), reverse=True)
    assert len(counts) == len(tags)


@pytest.mark.parametrize(
    ("ref", "path"),
    [
        pytest.param("topics/Gamma.md", "topics/Gamma.md", id="path"),
        pytest.param("topics/Gamma", "topics/Gamma.md", id="path-no-ext"),
        pytest.param("Gamma", "topics/Gamma.md", id="name"),
        pytest.param("Gamma.md", "topics/Gamma.md", id="name-md"),
        pytest.param("gamma", "topics/Gamma.md", id="name-case"),
        pytest.param("Alex Kim", "people/Alex Kim.md", id="name-space"),
        pytest.param("김도은.md", "people/김도은.md", id="name-hangul"),
        pytest.param("Project Alpha", "projects/alpha/README.md", id="title"),
        pytest.param("연구 아이디어", "topics/Ideas.md", id="title-hangul"),
        pytest.param("연구 일지", "research/연구 일지 2024.md", id="title-quoted-key"),
        pytest.param("감마 서버", "topics/Gamma.md", id="alias"),
        pytest.param("Alex", "people/Alex Kim.md", id="alias-string"),
        pytest.param("DL", "topics/딥러닝 기초.md", id="alias-dl"),
    ],
)
def test_sample_note_lookup(sample: Vault, ref: str, path: str) -> None:
    note = sample.note(ref)
    assert note.path == path
    assert sample.resolve(ref) == path


def test_note_lookup_folds_case_beyond_ascii(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """Names and titles are compared casefolded (Python's rules), not with SQLite's ASCII-only NOCASE."""
    vault = open_vault(
        make_vault(
            {
                "people/Émile Zola.md": "# x\n",
                "topics/street.md": "---\ntitle: Straße\n---\n",
                "topics/ΣΟΦΙΑ.md": "# y\n",
            }
        )
    )
    vault.index()
    assert vault.resolve("émile zola") == "people/Émile Zola.md"
    assert vault.resolve("ÉMILE ZOLA.md") == "people/Émile Zola.md"
    assert vault.resolve("STRASSE") == "topics/street.md"
    assert vault.resolve("σοφια") == "topics/ΣΟΦΙΑ.md"


def test_note_lookup_ignores_the_unicode_normal_form(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """A title or alias typed (or pasted from a macOS file name) in NFD is found by the NFC spelling, and back."""
    nfd = functools.partial(unicodedata.normalize, "NFD")
    diary, emile = "연구 일지", "Émile"
    assert nfd(diary) != diary and nfd(emile) != emile
    vault = open_vault(
        make_vault(
            {
                "a.md": f"---\ntitle: {nfd(diary)}\naliases: [{nfd('Émile Zola')}]\n---\nnotes\n",
                "b.md": "---\ntitle: 연구 일지 연구 일지\naliases: [연구 일지 모음]\n---\n# 연구 일지\n"
                + "연구 일지 " * 40
                + "\n",
                "c.md": f"---\ntitle: {emile}\n---\nx\n",
            }
        )
    )
    vault.index()
    assert vault.resolve(diary) == "a.md"  # NFC reference, NFD title
    assert vault.resolve("émile zola") == "a.md"  # NFC reference, NFD alias
    assert vault.resolve(nfd("ÉMILE")) == "c.md"  # NFD reference, NFC title
    # the exact-title rule of search compares the same keys: the NFD-titled note comes first
    scores = {h.path: h.score for h in vault.search(diary, limit=None)}
    assert scores["b.md"] > scores["a.md"]  # on words alone, b.md would come first
    assert [h.path for h in vault.search(diary, limit=1)] == ["a.md"]
    assert [h.path for h in vault.search(nfd(diary), limit=1)] == ["a.md"]


def test_sample_note_contents(sample: Vault) -> None:
    note = sample.note("Gamma")
    assert note.title == "Gamma"
    assert note.aliases == ("감마 서버", "gamma-server")
    assert note.tags == ("infra", "lab")
    assert [h.text for h in note.headings] == ["Gamma", "사양", "사용 규칙", "접속"]


@pytest.mark.parametrize("ref", ["README", "README.md", "Ideas"])
def test_sample_ambiguous_name_lists_candidates(sample: Vault, ref: str) -> None:
    with pytest.raises(NoteNotFoundError) as info:
        sample.note(ref)
    expected = {
        "README": {"projects/alpha/README.md", "projects/beta/README.md"},
        "Ideas": {"daily/Ideas.md", "topics/Ideas.md"},
    }[ref.removesuffix(".md")]
    assert set(info.value.candidates) == expected
    for path in expected:
        assert path in str(info.value)


def test_sample_unknown_note(sample: Vault) -> None:
    with pytest.raises(NoteNotFoundError) as info:
        sample.note("No Such Note Anywhere")
    assert info.value.candidates == ()
    with pytest.raises(NoteNotFoundError):
        sample.backlinks("No Such Note Anywhere")


def test_sample_mentions_of_gamma(sample: Vault) -> None:
    mentions = sample.mentions("Gamma")
    assert {m.source for m in mentions} == GAMMA_MENTION_SOURCES
    per_line = Counter((m.source, m.line) for m in mentions)
    # Linked occurrences do not count: these lines hold only [[Gamma]] / [[Gamma\|감마 서버]].
    for linked_only in (("Home.md", 46), ("research/실험 기록 - DDPM.md", 25), ("research/연구실 생활.md", 13)):
        assert linked_only not in per_line
    # "Gamma 관리자 ... → [[Gamma]]": one plain mention, the link is not one.
    assert per_line[("topics/PyTorch Setup.md", 36)] == 1
    assert per_line[("topics/PyTorch Setup.md", 8)] == 1
    # A Korean particle right after the name still counts ("Gamma에").
    assert ("projects/beta/Beta 회의록.md", 27) in per_line
    assert all(m.matched.casefold() == "gamma" for m in mentions)
    assert all(m.source != "topics/Gamma.md" for m in mentions)


def test_sample_mention_context_is_the_line(sample: Vault) -> None:
    """The context of a mention is the (plain-text) line it sits on, not a line with links blanked out.

    Bug: Vault.mentions (vaultkit/vault.py, the ``line = line.replace(...)`` loop) removes the
    first occurrence of each linked display text from the line and then reports the mangled line
    as context: for PyTorch Setup line 36 the context reads "…죽는다.   관리자에게 … → Gamma" (the
    plain "Gamma" blanked, the linked one reported as the mention).
    """
    for m in sample.mentions("Gamma"):
        assert m.context == sample.note(m.source).line_text(m.line).strip(), (m.source, m.line)


def test_sample_related(sample: Vault) -> None:
    related = sample.related("StyleGAN")
    assert related
    assert all(isinstance(r, Related) for r in related)
    assert [r.score for r in related] == sorted((r.score for r in related), reverse=True)
    paths = [r.path for r in related]
    assert "topics/StyleGAN.md" not in paths
    assert len(paths) == len(set(paths))
    assert all(r.why for r in related)
    note_paths = {n.path for n in sample.notes()}
    assert set(paths) <= note_paths
    by_path = {r.path: r for r in related}
    # StyleGAN links [[GAN]] and GAN links [[StyleGAN]].
    assert {"linked from this note", "links to this note"} <= set(by_path["topics/GAN.md"].why)
    assert by_path["topics/GAN.md"].title == "GAN"
    assert "shared tag #paper" in by_path["topics/CLIP.md"].why
    assert len(sample.related("StyleGAN", limit=3)) == 3
    assert sample.related("misc/Orphan thoughts.md") == []  # no links, and its only tag is unique


def test_sample_neighbors(sample: Vault) -> None:
    one = sample.neighbors("Alpha plan", depth=1)
    assert isinstance(one, nx.MultiDiGraph)
    assert set(one.nodes) == {
        "projects/alpha/Alpha plan.md",
        "projects/alpha/README.md",  # [[README]] out, [[Alpha plan]] in
        "attachments/chart.png",
        "research/연구실 생활.md",
    }
    assert one.number_of_edges("projects/alpha/Alpha plan.md", "projects/alpha/README.md") == 1
    assert one.number_of_edges("projects/alpha/README.md", "projects/alpha/Alpha plan.md") == 1
    two = sample.neighbors("Alpha plan", depth=2)
    assert set(one.nodes) < set(two.nodes)
    assert {"people/박지훈.md", "attachments/diagram.png", "topics/CLIP.md", "Home.md"} <= set(two.nodes)
    undirected = sample.graph.to_undirected(as_view=True)
    within = nx.single_source_shortest_path_length(undirected, "projects/alpha/Alpha plan.md", cutoff=2)
    assert set(two.nodes) == set(within)
    assert set(sample.neighbors("Orphan thoughts", depth=2).nodes) == {"misc/Orphan thoughts.md"}


def test_sample_stats(sample: Vault, sample_index_dir: Path) -> None:
    stats = sample.stats()
    assert stats["notes"] == 33
    assert stats["attachments"] == 3
    assert stats["links"] == sum(len(n.links) for n in sample.notes())
    assert stats["unresolved"] == 2
    assert stats["link_problems"] == 1
    assert stats["errors"] == 0
    assert stats["tags"] == len(sample.tags())
    assert stats["orphans"] == 1
    assert stats["generation"] >= 1
    assert stats["index_bytes"] > 0


def test_sample_vault_is_not_written(sample_root: Path, sample_index_dir: Path) -> None:
    before = tree_hashes(sample_root)
    vault = Vault(sample_root, index_dir=sample_index_dir)
    vault.index()
    vault.graph  # noqa: B018
    vault.mentions("Gamma")
    after = tree_hashes(sample_root)
    assert before == after
    assert not sample_index_dir.is_relative_to(sample_root)


# ---------------------------------------------------------------------------------------------------------
# 2. The graph
# ---------------------------------------------------------------------------------------------------------


def test_graph_nodes(sample: Vault) -> None:
    graph = sample.graph
    assert isinstance(graph, nx.MultiDiGraph)
    kinds = Counter(d["kind"] for _, d in graph.nodes(data=True))
    assert kinds == {"note": 33, "attachment": 3, "unresolved": 2}
    assert graph.nodes["topics/Gamma.md"] == {"kind": "note", "title": "Gamma", "tags": ["infra", "lab"]}
    assert graph.nodes["attachments/paper.pdf"]["kind"] == "attachment"
    assert graph.nodes["Missing Note"]["kind"] == "unresolved"
    assert graph.nodes["DL"]["kind"] == "unresolved"
    assert graph.has_edge("daily/Ideas.md", "Missing Note")
    for _, data in graph.nodes(data=True):
        assert {"kind", "title", "tags"} <= set(data)


def test_graph_one_edge_per_link_occurrence(sample: Vault) -> None:
    graph = sample.graph
    assert graph.number_of_edges() == sample.stats()["links"]
    # daily/2024-03-14 links PyTorch Setup twice: an embed of ^step1 and a wikilink with display text.
    edges = sorted(
        graph.get_edge_data("daily/2024-03-14.md", "topics/PyTorch Setup.md").values(), key=lambda d: d["line"]
    )
    assert edges == [
        {"kind": "embed", "subpath": "^step1", "line": 12, "display": "PyTorch Setup > ^step1"},
        {"kind": "wikilink", "subpath": None, "line": 14, "display": "설정 노트"},
    ]
    # Self link and frontmatter link.
    assert list(graph.get_edge_data("Home.md", "Home.md").values()) == [
        {"kind": "wikilink", "subpath": "Projects", "line": 46, "display": "Projects"}
    ]
    assert [d["kind"] for d in graph.get_edge_data("topics/Gamma.md", "Home.md").values()] == ["frontmatter"]
    assert not any(d["kind"] == "tag" for _, _, d in graph.edges(data=True))


def test_build_graph_with_tags(sample: Vault) -> None:
    graph = sample.build_graph(tags=True)
    assert graph.nodes["#lang/python"]["kind"] == "tag"
    assert graph.nodes["#infra"] == {"kind": "tag", "title": "#infra", "tags": []}
    tag_edges = [(v, d) for _, v, d in graph.out_edges("topics/Gamma.md", data=True) if d["kind"] == "tag"]
    assert sorted(v for v, _ in tag_edges) == ["#infra", "#lab"]
    assert set(graph.predecessors("#lang/python")) == {
        "daily/2024-03-14.md",
        "study/Python 팁 모음.md",
        "study/알고리즘 스터디.md",
        "topics/PyTorch Setup.md",
    }
    plain = sample.build_graph()
    assert not any(d["kind"] == "tag" for _, d in plain.nodes(data=True))
    no_extra = sample.build_graph(attachments=False, unresolved=False)
    assert {d["kind"] for _, d in no_extra.nodes(data=True)} == {"note"}


def test_graph_is_cached_on_disk_and_reloaded(
    make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault({"a.md": "[[b]] [[nowhere]]\n#t", "b.md": "![[p.png]]", "p.png": b"PNG"})
    index_dir = tmp_path / "idx"
    first = Vault(root, index_dir=index_dir)
    first.index()
    graph = first.graph
    generation = first.stats()["generation"]
    cache = index_dir / f"graph-{generation}.pickle"
    assert cache.is_file()
    with open(cache, "rb") as handle:
        assert graph_rows(pickle.load(handle)) == graph_rows(graph)

    def no_build(*args: object, **kwargs: object) -> nx.MultiDiGraph:
        raise AssertionError("the graph was rebuilt instead of loaded")

    monkeypatch.setattr(Vault, "build_graph", no_build)
    second = Vault(root, index_dir=index_dir)
    assert graph_rows(second.graph) == graph_rows(graph)
    monkeypatch.undo()

    # A new generation gets a new cache file; the old one goes.
    (root / "c.md").write_text("[[a]]", encoding="utf-8")
    second.index()
    assert second.graph.has_edge("c.md", "a.md")
    assert sorted(p.name for p in index_dir.glob("graph-*.pickle")) == [f"graph-{generation + 1}.pickle"]


# ---------------------------------------------------------------------------------------------------------
# 3. Resolution through Vault on small vaults
# ---------------------------------------------------------------------------------------------------------

SECTION4 = [
    # files, source, raw link, expected
    pytest.param(["A/n.md", "B/n.md"], "A/s.md", "[[n]]", "A/n.md", id="near"),
    pytest.param(["A/n.md", "B/n.md"], "B/s.md", "[[n]]", "B/n.md", id="near-later-inserted"),
    pytest.param(["x/n.md", "x/y/n.md"], "r.md", "[[n]]", "x/n.md", id="shortest"),
    pytest.param(["b/c.md", "a/b/c.md"], "r.md", "[[b/c]]", "b/c.md", id="exact"),
    pytest.param(["b/c.md", "a/b/c.md"], "a/s.md", "[[b/c]]", "b/c.md", id="exact-beats-near"),
    pytest.param(["ab/c.md"], "r.md", "[[b/c]]", "ab/c.md", id="suffix-quirk"),
    pytest.param(["ab/c.md"], "z/s.md", "[[b/c]]", "ab/c.md", id="suffix-quirk-from-folder"),
    pytest.param(["img.png"], "r.md", "[[img]]", None, id="img-needs-extension"),
    pytest.param(["img.png"], "r.md", "[[img.png]]", "img.png", id="img-with-extension"),
    pytest.param(["d/n.md"], "d/s.md", "[[/n]]", None, id="leading-slash-exact-only"),
    pytest.param(["d/n.md"], "d/s.md", "[[/d/n]]", "d/n.md", id="leading-slash-exact-path"),
    pytest.param(["d/n.md"], "d/s.md", "[[d/n.md]]", "d/n.md", id="exact-path-with-ext"),
]


@pytest.mark.parametrize(("files", "source", "raw", "expected"), SECTION4)
def test_section4_table_through_vault(
    make_vault: MakeVault,
    open_vault: OpenVault,
    files: list[str],
    source: str,
    raw: str,
    expected: str | None,
) -> None:
    content: dict[str, str | bytes] = {p: (b"\x89PNG" if p.endswith(".png") else "# x\n") for p in files}
    content[source] = raw + "\n"
    vault = open_vault(make_vault(content))
    vault.index()
    assert resolved(vault, source, raw) == [expected]
    unresolved = [(u.source, u.link.raw) for u in vault.unresolved()]
    assert ((source, raw) in unresolved) == (expected is None)
    if expected is not None:
        assert [b.source for b in vault.backlinks(expected)] == [source]


def test_links_are_case_insensitive(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(make_vault({"Sub/My Note.md": "# Top\n", "s.md": "[[my note]] [[SUB/MY NOTE.MD#top]]\n"}))
    vault.index()
    assert [(o.resolved, o.problem) for o in vault.outlinks("s")] == [("Sub/My Note.md", None)] * 2


def test_relative_and_percent_encoded_markdown_links(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(
        make_vault(
            {
                "My Note.md": "decoy: shorter than the relative target\n",
                "x.md": "decoy\n",
                "Notes/My Note.md": "# Sec One\n",
                "Notes/sub/x.md": "x\n",
                "Notes/sub/Other Note.md": "o\n",
                "Notes/sub/s.md": (
                    "[a](../My%20Note.md#Sec%20One) [b](./x.md) [c](<../My Note.md>) [d](Other%20Note.md)"
                    " [e](Other%20Note) [f](../../x.md)\n"
                ),
            }
        )
    )
    vault.index()
    rows = [(o.link.target, o.link.subpath, o.resolved, o.problem) for o in vault.outlinks("Notes/sub/s.md")]
    assert rows == [
        ("../My Note.md", "Sec One", "Notes/My Note.md", None),
        ("./x.md", None, "Notes/sub/x.md", None),
        ("../My Note.md", None, "Notes/My Note.md", None),
        ("Other Note.md", None, "Notes/sub/Other Note.md", None),
        ("Other Note", None, "Notes/sub/Other Note.md", None),
        ("../../x.md", None, "x.md", None),
    ]
    assert all(o.link.kind == "markdown" for o in vault.outlinks("Notes/sub/s.md"))


def test_attachments_embeds(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(
        make_vault(
            {
                "files/doc.pdf": b"%PDF-1.4",
                "files/pic.png": b"\x89PNG",
                "n.md": "![[doc.pdf#page=3]] ![[pic.png|100]] ![x](files/pic.png) [[doc.pdf#height=400]]\n",
            }
        )
    )
    report = vault.index()
    assert report.added == ("files/doc.pdf", "files/pic.png", "n.md")
    rows = [(o.link.kind, o.resolved, o.problem) for o in vault.outlinks("n")]
    assert rows == [
        ("embed", "files/doc.pdf", None),
        ("embed", "files/pic.png", None),
        ("embed", "files/pic.png", None),
        ("wikilink", "files/doc.pdf", None),
    ]
    assert vault.link_problems() == []
    assert vault.unresolved() == []
    assert [b.line for b in vault.backlinks("files/pic.png")] == [1, 1]
    assert vault.graph.nodes["files/doc.pdf"]["kind"] == "attachment"
    assert vault.stats()["attachments"] == 2
    assert [n.path for n in vault.notes()] == ["n.md"]


def test_nfd_file_name_is_reported_nfc_and_resolves(make_vault: MakeVault, open_vault: OpenVault) -> None:
    nfd = unicodedata.normalize("NFD", "연구 노트.md")
    nfc = unicodedata.normalize("NFC", "연구 노트.md")
    assert nfd != nfc
    root = make_vault({nfd: "# 연구\n", "s.md": "[[연구 노트]] [[연구 노트#연구]]\n"})
    assert (root / nfd).exists()
    vault = open_vault(root)
    report = vault.index()
    assert report.added == tuple(sorted([nfc, "s.md"]))
    assert [n.path for n in vault.notes()] == sorted([nfc, "s.md"])
    assert [(o.resolved, o.problem) for o in vault.outlinks("s")] == [(nfc, None), (nfc, None)]
    assert vault.unresolved() == []
    assert [b.source for b in vault.backlinks("연구 노트")] == ["s.md", "s.md"]
    assert vault.note(unicodedata.normalize("NFD", "연구 노트")).path == nfc
    assert nfc in vault.graph


def test_aliases_resolve_only_on_request(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault(
        {"real.md": "---\naliases: [Nick, Other Name]\n---\n# Real\n", "s.md": "[[Nick]] [[other name]]\n"}
    )
    app = open_vault(root, "app")
    app.index()
    assert [o.resolved for o in app.outlinks("s")] == [None, None]
    assert [u.target for u in app.unresolved()] == ["Nick", "other name"]
    assert app.backlinks("real") == []
    assert [r.path for r in app.orphans()] == ["real.md", "s.md"]

    publish = open_vault(root, "publish", resolve_aliases=True)
    publish.index()
    assert [o.resolved for o in publish.outlinks("s")] == ["real.md", "real.md"]
    assert publish.unresolved() == []
    assert [b.source for b in publish.backlinks("real")] == ["s.md", "s.md"]

    # The same index switched to alias resolution re-resolves without parsing anything again.
    parsed.clear()
    switched = open_vault(root, "app", resolve_aliases=True)
    switched.index()
    assert parsed == []
    assert [o.resolved for o in switched.outlinks("s")] == ["real.md", "real.md"]
    back = open_vault(root, "app")
    back.index()
    assert [o.resolved for o in back.outlinks("s")] == [None, None]
    assert parsed == []


def test_aliases_resolve_as_obsidian_compares_them(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """Alias resolution lowercases, as Obsidian does (the store's lookup keys casefold): ``Straße`` is not ``strasse``.

    Also when an alias arrives in a later refresh: the links naming it are found by their lookup key.
    """
    root = make_vault(
        {
            "street.md": "---\naliases: [Straße, ﬁle/Ünter]\n---\n",
            "s.md": "[[Straße]] [[STRASSE]] [[ﬁle/Ünter]]\n",
            "t.md": "[[Grüße]] [[ΣΟΦΊΑΣ]]\n",
        }
    )
    vault = open_vault(root, resolve_aliases=True)
    vault.index()
    assert [o.resolved for o in vault.outlinks("s")] == ["street.md", None, "street.md"]
    assert [o.resolved for o in vault.outlinks("t")] == [None, None]
    (root / "greetings.md").write_text("---\naliases: [Grüße, σοφίας]\n---\n", encoding="utf-8")
    vault.index()
    assert [o.resolved for o in vault.outlinks("t")] == ["greetings.md", "greetings.md"]
    (root / "greetings.md").write_text("---\naliases: [Hallo]\n---\n", encoding="utf-8")
    vault.index()
    assert [o.resolved for o in vault.outlinks("t")] == [None, None]
    assert vault.note("strasse").path == "street.md"  # looking a note up by name is caseless


def test_fresh_build_resolves_links_as_it_stores_them(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that stores every note resolves its links then, without a second pass over all links.

    With alias resolution the second pass is still made (aliases are known once every note is in).
    """
    root = make_vault(
        {
            "a/Target.md": "---\naliases: [Nick]\n---\n# T\n",
            "b/Target.md": "# other\n",
            "a/s.md": "[[Target]] [[Nick]] [[b/Target]] [[Gone]] [[Target#T]] [[Target#Nope]]\n",
            "pic.png": b"\x89PNG",
            "t.md": "![[pic.png]]\n",
        }
    )
    passes: list[str] = []
    original = vaultkit.store.Store.link_target_pages

    def counted(self: vaultkit.store.Store, size: int = 5000) -> Any:
        passes.append("all links")
        return original(self, size)

    monkeypatch.setattr(vaultkit.store.Store, "link_target_pages", counted)
    app = open_vault(root, "app")
    app.index()
    assert passes == []
    assert [(o.link.raw, o.resolved, o.problem) for o in app.outlinks("a/s")] == [
        ("[[Target]]", "a/Target.md", None),
        ("[[Nick]]", None, None),
        ("[[b/Target]]", "b/Target.md", None),
        ("[[Gone]]", None, None),
        ("[[Target#T]]", "a/Target.md", None),
        ("[[Target#Nope]]", "a/Target.md", 'missing heading "Nope"'),
    ]
    assert resolved(app, "t", "![[pic.png]]") == ["pic.png"]
    app.index(rebuild=True)
    assert passes == []
    assert resolved(app, "a/s", "[[Target]]") == ["a/Target.md"]

    publish = open_vault(root, "publish", resolve_aliases=True)
    publish.index()
    assert passes == ["all links"]
    assert resolved(publish, "a/s", "[[Nick]]") == ["a/Target.md"]


def test_parse_workers_start_before_the_link_resolver_is_built(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forked parse workers do not need the resolver; forked after it, each counted its pages (~60 MB at 100k)."""
    events: list[str] = []
    enter, build = vaultkit.indexer._Loader.__enter__, vaultkit.indexer._resolver

    def entered(self: Any) -> Any:
        events.append("workers")
        return enter(self)

    def built(*args: Any) -> Any:
        events.append("resolver")
        return build(*args)

    monkeypatch.setattr(vaultkit.indexer._Loader, "__enter__", entered)
    monkeypatch.setattr(vaultkit.indexer, "_resolver", built)
    vault = open_vault(make_vault({"a.md": "[[b]]\n", "b.md": "x\n"}))
    vault.index()
    assert events[:2] == ["workers", "resolver"]
    assert resolved(vault, "a", "[[b]]") == ["b.md"]


def test_missing_heading_and_block_are_problems(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(
        make_vault(
            {
                "N.md": "## My: Heading?\ntext ^blk\n\n# A\n# C\n## D\n",
                "s.md": (
                    "[[N#my heading]] [[N#^blk]] [[N#^BLK]] [[N#A#D]] [[N#C#D]]\n"
                    "[[N#nope]] [[N#^zzz]] [[N#D#A]]\n"
                    "![[N#My Heading]]\n"
                ),
            }
        )
    )
    vault.index()
    rows = [(o.link.raw, o.resolved, o.problem) for o in vault.outlinks("s")]
    ok = ["[[N#my heading]]", "[[N#^blk]]", "[[N#^BLK]]", "[[N#A#D]]", "[[N#C#D]]", "![[N#My Heading]]"]
    for raw, res, problem in rows:
        assert res == "N.md"
        assert (problem is None) == (raw in ok), raw
    problems = {p.link.raw: p for p in vault.link_problems()}
    assert set(problems) == {"[[N#nope]]", "[[N#^zzz]]", "[[N#D#A]]"}
    assert problems["[[N#nope]]"].problem == 'missing heading "nope"'
    assert problems["[[N#^zzz]]"].problem == 'missing block "^zzz"'
    assert all(p.source == "s.md" and p.line == 2 and p.resolved == "N.md" for p in problems.values())
    assert vault.unresolved() == []


def test_self_links_are_backlinks(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(make_vault({"s.md": "# H\n[[#H]] [[#^b]] [[#Gone]]\npara ^b\n", "other.md": "x\n"}))
    vault.index()
    backlinks = vault.backlinks("s")
    assert [(b.source, b.line, b.link.target, b.link.subpath) for b in backlinks] == [
        ("s.md", 2, "", "H"),
        ("s.md", 2, "", "^b"),
        ("s.md", 2, "", "Gone"),
    ]
    assert [p.link.raw for p in vault.link_problems()] == ["[[#Gone]]"]
    # A self link is not an incoming link from another note: s.md is still an orphan (§11, CLI).
    assert [r.path for r in vault.orphans()] == ["other.md", "s.md"]
    assert vault.graph.number_of_edges("s.md", "s.md") == 3


def test_frontmatter_links_are_backlinks(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(
        make_vault(
            {
                "N.md": "# H\n",
                "s.md": '---\nrel: "[[N]]"\nlist:\n  - "[[N#H]]"\n  - "[[N#Nope]]"\nnot: "see [[N]]"\n---\nbody\n',
            }
        )
    )
    vault.index()
    rows = [(b.source, b.line, b.link.kind, b.link.key) for b in vault.backlinks("N")]
    assert rows == [
        ("s.md", 2, "frontmatter", "rel"),
        ("s.md", 4, "frontmatter", "list.0"),
        ("s.md", 5, "frontmatter", "list.1"),
    ]
    assert [(p.line, p.problem) for p in vault.link_problems()] == [(5, 'missing heading "Nope"')]
    assert [r.path for r in vault.orphans()] == ["s.md"]


# ---------------------------------------------------------------------------------------------------------
# 4. Incremental indexing
# ---------------------------------------------------------------------------------------------------------

BASE_VAULT: dict[str, str | bytes] = {
    "Home.md": (
        "---\ntags: [hub]\n---\n# Home\n"
        "[[a]] [[b#Top]] [[c]] [[new]] [[Later]] ![[pic.png]] ![[doc.pdf#page=2]] [[gone#Sec]] [[a#A]]\n"
    ),
    "a.md": "# A\n#x/y [[Home]]\n",
    "b.md": "# Top\n[[a]] [[c2]]\n",
    "c.md": "# C\n#x\n",
    "gone.md": "## Sec\n",
    "doc.pdf": b"%PDF-1",
}


@pytest.mark.parametrize("resolve_aliases", [False, True], ids=["app", "publish"])
def test_incremental_index_equals_rebuild(
    make_vault: MakeVault, open_vault: OpenVault, parsed: list[str], resolve_aliases: bool
) -> None:
    root = make_vault(BASE_VAULT)
    vault = open_vault(root, resolve_aliases=resolve_aliases)
    vault.index()
    assert resolved(vault, "Home", "[[a#A]]") == ["a.md"]
    assert vault.link_problems() == []
    parsed.clear()

    (root / "a.md").write_text("---\naliases: [Later]\n---\n# A2\n#x/z [[Home#Nope]] [[c2]]\n", encoding="utf-8")
    (root / "new.md").write_text("# New\n[[b]] #x\n", encoding="utf-8")
    (root / "sub").mkdir()
    os.rename(root / "c.md", root / "sub" / "c2.md")
    (root / "gone.md").unlink()
    (root / "pic.png").write_bytes(b"\x89PNG")
    (root / "doc.pdf").unlink()
    report = vault.index()

    assert report.added == ("new.md", "pic.png", "sub/c2.md")
    assert report.updated == ("a.md",)
    assert report.removed == ("c.md", "doc.pdf", "gone.md")
    assert report.unchanged == 2
    assert report.errors == ()
    assert report.changed
    assert sorted(parsed) == ["a.md", "new.md", "sub/c2.md"]

    # Links elsewhere followed the changes.
    assert resolved(vault, "Home", "[[new]]") == ["new.md"]
    assert resolved(vault, "Home", "[[c]]") == [None]
    assert resolved(vault, "b", "[[c2]]") == ["sub/c2.md"]
    assert resolved(vault, "Home", "![[pic.png]]") == ["pic.png"]
    assert resolved(vault, "Home", "![[doc.pdf#page=2]]") == [None]
    assert resolved(vault, "Home", "[[Later]]") == (["a.md"] if resolve_aliases else [None])
    # A heading removed from a.md is now a problem for the link in Home, which was not re-parsed.
    assert [(p.source, p.link.raw) for p in vault.link_problems()] == [
        ("Home.md", "[[a#A]]"),
        ("a.md", "[[Home#Nope]]"),
    ]

    fresh = open_vault(root, "fresh", resolve_aliases=resolve_aliases)
    fresh.index()
    assert snapshot(vault) == snapshot(fresh)


def test_link_follows_target_file_appearing_and_going(
    make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]
) -> None:
    root = make_vault({"src.md": "[[Target#Part]] ![[img.png]] [[target]]\n", "other.md": "x\n"})
    vault = open_vault(root)
    vault.index()
    assert [u.target for u in vault.unresolved()] == ["Target", "img.png", "target"]
    parsed.clear()

    write = root / "deep" / "Target.md"
    write.parent.mkdir()
    write.write_text("# Part\n", encoding="utf-8")
    (root / "img.png").write_bytes(b"\x89PNG")
    report = vault.index()
    assert report.added == ("deep/Target.md", "img.png")
    assert report.updated == ()
    assert parsed == ["deep/Target.md"]  # src.md is not parsed again
    assert vault.unresolved() == []
    assert [(o.resolved, o.problem) for o in vault.outlinks("src")] == [
        ("deep/Target.md", None),
        ("img.png", None),
        ("deep/Target.md", None),
    ]
    assert [b.source for b in vault.backlinks("Target")] == ["src.md", "src.md"]

    parsed.clear()
    write.unlink()
    (root / "img.png").unlink()
    report = vault.index()
    assert report.removed == ("deep/Target.md", "img.png")
    assert report.added == report.updated == ()
    assert parsed == []
    assert [u.target for u in vault.unresolved()] == ["Target", "img.png", "target"]
    assert vault.link_problems() == []


def test_nearer_file_takes_over_resolution(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault({"A/s.md": "[[n]]\n", "B/n.md": "b\n"})
    vault = open_vault(root)
    vault.index()
    assert resolved(vault, "A/s.md", "[[n]]") == ["B/n.md"]
    parsed.clear()
    (root / "A" / "n.md").write_text("a\n", encoding="utf-8")
    vault.index()
    assert parsed == ["A/n.md"]
    assert resolved(vault, "A/s.md", "[[n]]") == ["A/n.md"]
    (root / "A" / "n.md").unlink()
    vault.index()
    assert resolved(vault, "A/s.md", "[[n]]") == ["B/n.md"]


def test_touched_file_is_not_parsed_again(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": "# B\n"})
    vault = open_vault(root)
    vault.index()
    before = snapshot(vault)
    generation = vault.stats()["generation"]
    parsed.clear()
    stat = os.stat(root / "a.md")
    os.utime(root / "a.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    report = vault.index()
    assert parsed == []
    assert report.added == report.updated == report.removed == ()
    assert report.unchanged == 2
    assert not report.changed
    assert snapshot(vault) == before
    assert vault.stats()["generation"] == generation
    # The new mtime was remembered: the next run does not even read the file.
    report = vault.index()
    assert parsed == []
    assert report.unchanged == 2


def test_noop_index_parses_nothing(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": "# B\n", "p.png": b"PNG"})
    vault = open_vault(root)
    first = vault.index()
    assert sorted(parsed) == ["a.md", "b.md"]
    assert first.added == ("a.md", "b.md", "p.png")
    parsed.clear()
    report = vault.index()
    assert parsed == []
    assert report.added == report.updated == report.removed == ()
    assert report.unchanged == 3


def test_content_change_with_same_size_is_seen(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": "b\n", "c.md": "c\n"})
    vault = open_vault(root)
    vault.index()
    parsed.clear()
    (root / "a.md").write_text("[[c]]\n", encoding="utf-8")
    stat = os.stat(root / "a.md")
    os.utime(root / "a.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    report = vault.index()
    assert report.updated == ("a.md",)
    assert parsed == ["a.md"]
    assert resolved(vault, "a", "[[c]]") == ["c.md"]
    assert vault.backlinks("b") == []


def test_update_file_and_remove_file(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault({"a.md": "[[b]] [[c]]\n", "c.md": "c\n", "d.md": "d\n"})
    vault = open_vault(root)
    vault.index()
    parsed.clear()

    (root / "b.md").write_text("# B\n", encoding="utf-8")
    (root / "d.md").write_text("d changed, but nobody told us\n", encoding="utf-8")
    report = vault.update_file("b.md")
    assert report.added == ("b.md",)
    assert report.updated == report.removed == ()
    assert parsed == ["b.md"]
    assert resolved(vault, "a", "[[b]]") == ["b.md"]

    parsed.clear()
    (root / "a.md").write_text("[[c]]\n", encoding="utf-8")
    report = vault.update_file(str(root / "a.md"))  # an absolute path works too
    assert report.updated == ("a.md",)
    assert parsed == ["a.md"]
    assert vault.backlinks("b") == []

    parsed.clear()
    (root / "c.md").unlink()
    report = vault.remove_file("c.md")
    assert report.removed == ("c.md",)
    assert parsed == []
    assert [u.target for u in vault.unresolved()] == ["c"]

    # d.md was left alone until a full index().
    report = vault.index()
    assert report.updated == ("d.md",)
    assert parsed == ["d.md"]
    fresh = open_vault(root, "fresh")
    fresh.index()
    assert snapshot(vault) == snapshot(fresh)


def test_rebuild_parses_everything(make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]) -> None:
    root = make_vault({"a.md": "[[b]]\n", "b.md": "# B\n", "sub/c.md": "#t\n", "p.png": b"PNG"})
    vault = open_vault(root)
    vault.index()
    before = snapshot(vault)
    parsed.clear()
    report = vault.index(rebuild=True)
    assert sorted(parsed) == ["a.md", "b.md", "sub/c.md"]
    assert set(report.added) | set(report.updated) == {"a.md", "b.md", "p.png", "sub/c.md"}
    assert report.removed == ()
    assert snapshot(vault) == before


def test_incremental_heading_change_updates_problems(
    make_vault: MakeVault, open_vault: OpenVault, parsed: list[str]
) -> None:
    root = make_vault({"s.md": "[[t#Later]] [[t#^b1]]\n", "t.md": "# Now\n"})
    vault = open_vault(root)
    vault.index()
    assert len(vault.link_problems()) == 2
    parsed.clear()
    (root / "t.md").write_text("# Now\n## Later\npara ^b1\n", encoding="utf-8")
    vault.index()
    assert parsed == ["t.md"]
    assert vault.link_problems() == []
    (root / "t.md").write_text("# Now\n", encoding="utf-8")
    vault.index()
    assert [p.problem for p in vault.link_problems()] == ['missing heading "Later"', 'missing block "^b1"']


def test_deleted_target_clears_its_link_problem(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """A link to a missing heading whose file then goes is unresolved, not still a "link problem".

    Bug: vaultkit/indexer.py ``_resolve`` re-checks subpaths only for links that are still
    resolved (``Store.subpath_links`` selects ``resolved IS NOT NULL``), so the ``problem`` of a
    link that just became unresolved is never cleared. ``link_problems()`` then keeps reporting it
    (with ``resolved == ""``), unlike a full rebuild of the same vault.
    """
    root = make_vault({"a.md": "[[b#Missing]]\n", "b.md": "# H\n"})
    vault = open_vault(root)
    vault.index()
    assert [p.link.raw for p in vault.link_problems()] == ["[[b#Missing]]"]
    (root / "b.md").unlink()
    vault.index()
    assert [u.link.raw for u in vault.unresolved()] == ["[[b#Missing]]"]
    fresh = open_vault(root, "fresh")
    fresh.index()
    assert fresh.link_problems() == []
    assert vault.link_problems() == []
    assert [o.problem for o in vault.outlinks("a")] == [None]


def test_update_file_on_nfd_named_note(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """update_file() with the NFC path vaultkit reports must re-index a file stored under an NFD name.

    Bug: vaultkit/indexer.py ``_partial_scan`` stats ``os.path.join(root, path)`` with the NFC
    vault path; on a filesystem that keeps NFD names (Linux) that file is "not found", so the note
    is dropped from the index and links to it become unresolved. The same happens when a watcher
    passes the on-disk (NFD) path, since ``Vault._relative`` normalises it to NFC first.
    """
    nfd = unicodedata.normalize("NFD", "연구 노트.md")
    root = make_vault({nfd: "# 연구\n", "s.md": "[[연구 노트]]\n"})
    vault = open_vault(root)
    vault.index()
    (root / nfd).write_text("# 연구\n## 더\n", encoding="utf-8")
    report = vault.update_file("연구 노트.md")
    assert report.removed == ()
    assert report.updated == ("연구 노트.md",)
    assert vault.unresolved() == []
    assert [h.text for h in vault.note("연구 노트").headings] == ["연구", "더"]


def test_update_file_respects_excluded_files(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """update_file() on a path the vault excludes (app.json userIgnoreFilters, hidden folders) indexes nothing.

    Bug: vaultkit/indexer.py ``_partial_scan`` applies neither the ignore filters nor the
    hidden-entry rule of ``scan_vault``, so an editor or watcher reporting a save in templates/
    (or .obsidian/) adds that file to the index; the next full ``index()`` removes it again.
    """
    root = make_vault(
        {
            ".obsidian/app.json": '{"userIgnoreFilters": ["templates/"]}',
            "templates/t.md": "[[Should not count]]\n",
            "a.md": "x\n",
        }
    )
    vault = open_vault(root)
    assert vault.index().added == ("a.md",)
    report = vault.update_file("templates/t.md")
    assert report.added == ()
    assert vault.unresolved() == []
    report = vault.update_file(".obsidian/app.json")
    assert report.added == ()
    assert [n.path for n in vault.notes()] == ["a.md"]
    assert vault.stats()["attachments"] == 0


# ---------------------------------------------------------------------------------------------------------
# 5. Persistence
# ---------------------------------------------------------------------------------------------------------


def test_second_vault_object_answers_from_the_store(
    sample: Vault, sample_root: Path, sample_index_dir: Path, no_parsing: None
) -> None:
    expected_backlinks = sample.backlinks("Gamma")
    expected_tags = sample.tags()
    expected_graph = graph_rows(sample.graph)
    again = Vault(sample_root, index_dir=sample_index_dir)
    assert again.backlinks("Gamma") == expected_backlinks
    assert again.tags() == expected_tags
    assert again.note("Gamma").title == "Gamma"
    assert again.note("감마 서버").path == "topics/Gamma.md"
    assert [u.target for u in again.unresolved()] == ["Missing Note", "DL"]
    assert len(again.link_problems()) == 1
    assert [r.path for r in again.orphans()] == ["misc/Orphan thoughts.md"]
    assert {m.source for m in again.mentions("Gamma")} == GAMMA_MENTION_SOURCES
    assert resolved(again, "Home", "[[README]]") == ["projects/beta/README.md"]
    assert graph_rows(again.graph) == expected_graph
    assert again.related("StyleGAN")
    again.close()


def test_persistence_across_vault_objects_small(
    make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault({"a.md": "---\naliases: [Ay]\n---\n#t/u [[b]]\n", "b.md": "# B\n"})
    with Vault(root, index_dir=tmp_path / "idx") as first:
        first.index()

    def boom(*args: object, **kwargs: object) -> Any:
        raise AssertionError("parsed or indexed again")

    monkeypatch.setattr(vaultkit.parse, "parse_note", boom)
    monkeypatch.setattr(vaultkit.indexer, "refresh", boom)
    second = Vault(root, index_dir=tmp_path / "idx")
    assert [b.source for b in second.backlinks("b")] == ["a.md"]
    assert [(t.tag, t.count) for t in second.tags()] == [("t", 1), ("t/u", 1)]
    assert second.note("Ay").path == "a.md"


def test_query_on_never_indexed_vault_indexes_it(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(make_vault({"a.md": "[[b]]\n", "b.md": "b\n"}))
    assert [b.source for b in vault.backlinks("b")] == ["a.md"]
    assert vault.stats()["generation"] == 1


# ---------------------------------------------------------------------------------------------------------
# 6. Errors, and the vault is never written
# ---------------------------------------------------------------------------------------------------------


def test_unreadable_note_is_reported_and_does_not_stop_the_run(make_vault: MakeVault, open_vault: OpenVault) -> None:
    root = make_vault(
        {
            "bin.md": b"# looks like a note\x00\x01\x02 but has NUL bytes",
            "a.md": "[[bin]] [[bin#Heading]] [[b]]\n",
            "b.md": "# B\n",
            "z.md": "#tag\n",
        }
    )
    before = tree_hashes(root)
    vault = open_vault(root)
    report = vault.index()
    assert [e.path for e in report.errors] == ["bin.md"]
    assert "NUL" in report.errors[0].error or "binary" in report.errors[0].error
    assert report.added == ("a.md", "b.md", "bin.md", "z.md")
    assert [n.path for n in vault.notes()] == ["a.md", "b.md", "z.md"]
    assert [t.tag for t in vault.tags()] == ["tag"]
    # bin.md is still a file: links to it resolve (with no subpath check, its headings are unknown).
    assert [(o.resolved, o.problem) for o in vault.outlinks("a")] == [
        ("bin.md", None),
        ("bin.md", None),
        ("b.md", None),
    ]
    assert vault.unresolved() == []
    assert vault.link_problems() == []
    assert [b.source for b in vault.backlinks("bin.md")] == ["a.md", "a.md"]
    assert "bin.md" in vault.graph
    assert vault.stats()["errors"] == 1
    with pytest.raises(NoteNotFoundError):
        vault.note("bin")
    # A later run still reports the error; once fixed, it goes away.
    assert [e.path for e in vault.index().errors] == ["bin.md"]
    assert tree_hashes(root) == before
    (root / "bin.md").write_text("# fixed\n", encoding="utf-8")
    report = vault.index()
    assert report.errors == ()
    assert report.updated == ("bin.md",) or report.added == ("bin.md",)
    assert vault.note("bin").title == "fixed"


def test_vault_is_never_written(make_vault: MakeVault, open_vault: OpenVault) -> None:
    nfd = unicodedata.normalize("NFD", "한글 노트.md")
    root = make_vault(
        {
            ".obsidian/app.json": '{"userIgnoreFilters": ["templates/"]}',
            "templates/t.md": "[[x]]\n",
            "a.md": "---\ntags: [t]\n---\n[[b]] ![[p.png]] [[한글 노트]]\n",
            "b.md": "# B\n",
            nfd: "# 한글\n",
            "p.png": b"\x89PNG",
            "bin.md": b"\x00\x00",
            "crlf.md": b"line one\r\n[[a]]\r\n",
        }
    )
    before = tree_hashes(root)
    vault = open_vault(root)
    vault.index()
    vault.graph  # noqa: B018
    vault.build_graph(tags=True)
    vault.mentions("b")
    vault.related("a")
    assert tree_hashes(root) == before
    (root / "b.md").write_text("# B2\n", encoding="utf-8")
    before = tree_hashes(root)
    vault.update_file("b.md")
    vault.index()
    vault.index(rebuild=True)
    vault.stats()
    vault.close()
    assert tree_hashes(root) == before
    assert not vault.index_dir.is_relative_to(root)


def test_missing_vault_folder(tmp_path: Path) -> None:
    from vaultkit.errors import VaultNotFoundError

    with pytest.raises(VaultNotFoundError):
        Vault(tmp_path / "nope", index_dir=tmp_path / "idx")


def test_copy_of_sample_is_identical_to_repo(sample_root: Path) -> None:
    """Guard for the fixture: the session copy is the real sample vault."""
    assert tree_hashes(sample_root) == tree_hashes(SAMPLE_VAULT)


def test_graph_filter_path_sets_match_the_full_listings(sample: Vault) -> None:
    """The search filters `orphan:` and `has:unresolved` read path sets straight from the store."""
    assert sample.store.orphan_paths() == {r.path for r in sample.orphans()}
    assert sample.store.unresolved_sources() == sorted({u.source for u in sample.unresolved()})
    assert {h.path for h in sample.search("orphan:true", limit=None)} == {r.path for r in sample.orphans()}
    assert {h.path for h in sample.search("has:unresolved", limit=None)} == {u.source for u in sample.unresolved()}


def test_orphans_and_unresolved_follow_each_refresh(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """Orphans and notes with unresolved links are kept as tables by each refresh: a link added, resolved
    or removed elsewhere moves them, also for notes the refresh did not parse again."""
    root = make_vault({"a.md": "# A\n", "b.md": "# B\n[[b]] [[later]]\n", "c.md": "# C\n[[a]]\n"})
    vault = open_vault(root)

    def worked_out(sql: str) -> list[str]:
        return [r[0] for r in vault.store.db.execute(sql)]

    def orphans() -> list[str]:
        listed = [r.path for r in vault.orphans()]
        assert sorted(h.path for h in vault.search("orphan:true", limit=None)) == listed
        assert listed == worked_out(
            "SELECT path FROM notes AS n WHERE NOT EXISTS"
            " (SELECT 1 FROM links AS l WHERE l.resolved = n.path AND l.source != n.path) ORDER BY path"
        )
        return listed

    def unresolved() -> list[str]:
        listed = vault.store.unresolved_sources()
        assert sorted(h.path for h in vault.search("has:unresolved", limit=None)) == listed
        assert [h.path for h in vault.search("has:unresolved", limit=1)] == listed[:1]
        assert listed == sorted({u.source for u in vault.unresolved()})
        assert listed == worked_out("SELECT DISTINCT source FROM links WHERE resolved IS NULL ORDER BY source")
        return listed

    vault.index()
    assert (orphans(), unresolved()) == (["b.md", "c.md"], ["b.md"])  # a self link does not count
    (root / "a.md").write_text("# A\n[[b]] [[nowhere]]\n", encoding="utf-8")  # b gets a backlink from an edit
    vault.index()
    assert (orphans(), unresolved()) == (["c.md"], ["a.md", "b.md"])
    (root / "later.md").write_text("# Later\n", encoding="utf-8")  # resolves b's link; b is not parsed again
    vault.index()
    assert (orphans(), unresolved()) == (["c.md"], ["a.md"])
    (root / "c.md").unlink()  # a loses its only backlink
    vault.index()
    assert (orphans(), unresolved()) == (["a.md"], ["a.md"])
    (root / "later.md").rename(root / "later2.md")  # a new note nobody links to; b's link is unresolved again
    vault.index()
    assert (orphans(), unresolved()) == (["a.md", "later2.md"], ["a.md", "b.md"])
    (root / "a.md").unlink()
    vault.index()
    assert (orphans(), unresolved()) == (["b.md", "later2.md"], ["b.md"])  # b loses its backlink from a
    assert vault.index().changed is False and (orphans(), unresolved()) == (["b.md", "later2.md"], ["b.md"])


def test_an_older_store_gets_the_covering_link_index(tmp_path: Path) -> None:
    import sqlite3

    from vaultkit.store import Store

    store = Store(tmp_path)
    store.db.execute("DROP INDEX links_resolved_source")
    store.db.execute("CREATE INDEX links_resolved ON links (resolved)")  # what earlier versions made
    store.db.close()
    Store(tmp_path).db.close()
    db = sqlite3.connect(tmp_path / Store.FILENAME)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    query = "EXPLAIN QUERY PLAN SELECT DISTINCT source FROM links WHERE resolved IS NULL"
    plan = " ".join(r[3] for r in db.execute(query))
    db.close()
    assert "links_resolved_source" in names and "links_resolved" not in names
    assert "COVERING INDEX links_resolved_source" in plan


@pytest.mark.parametrize("count", [3, 300, 700])
def test_store_file_stats_and_hashes_agree_with_the_file_rows(tmp_path: Path, count: int) -> None:
    # a refresh compares the light rows with the disk and reads hashes only for changed notes
    # (in chunks of query parameters, or in one pass for many)
    from vaultkit.store import FileRow, Store

    store = Store(tmp_path / "idx")
    store.begin()
    for i in range(count):
        note = i % 3 != 0
        store.put_file(FileRow(f"f/{i}.md", note, i, 10 * i, f"h{i}" if note else None, None, None))
    store.commit(bump=True)
    rows = store.files()
    stats = store.file_stats()
    assert {p: (r.path, r.is_note, r.size, r.mtime_ns) for p, r in rows.items()} == {
        p: tuple(s) for p, s in stats.items()
    }
    wanted = [f"f/{i}.md" for i in range(0, count, 2)] + ["missing.md"]
    assert store.file_hashes(wanted) == {p: rows[p].hash for p in wanted if p in rows}
    store.close()


def test_a_first_index_loads_notes_without_the_store_indexes_and_builds_them_after(
    make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty store is filled with its secondary indexes dropped (built once at the end); refreshes keep them."""
    from vaultkit.store import _INDEXES, Store

    def index_names(store: Store) -> set[str]:
        rows = store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        return {name for (name,) in rows}

    root = make_vault({"a.md": "---\naliases: [Ay]\n---\n[[b]] #t\n", "b.md": "# B\n", "c.md": "[[nowhere]]\n"})
    seen: list[int] = []
    real_put = Store.put_note

    def put_note(self: Store, *args: Any, **kwargs: Any) -> None:
        seen.append(len(index_names(self)))
        real_put(self, *args, **kwargs)

    monkeypatch.setattr(Store, "put_note", put_note)

    def indexes(vault: Vault) -> set[str]:
        return index_names(vault.store)

    with Vault(root, index_dir=tmp_path / "idx") as vault:
        vault.index()
        assert seen == [0, 0, 0]  # loaded without them
        assert indexes(vault) == set(_INDEXES)
        assert [b.source for b in vault.backlinks("b")] == ["a.md"] and vault.note("Ay").path == "a.md"
        (root / "b.md").write_text("# B\n[[a]]\n", "utf-8")
        seen.clear()
        vault.index()
        assert seen == [len(_INDEXES)]  # a refresh of a filled store keeps them
        vault.index(rebuild=True)
        assert indexes(vault) == set(_INDEXES)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(vaultkit.indexer, "_resolve", fail)
    with Vault(root, index_dir=tmp_path / "other") as vault:
        with pytest.raises(RuntimeError):
            vault.index()
        assert indexes(vault) == set(_INDEXES)  # rolled back with the rest of the failed first index
