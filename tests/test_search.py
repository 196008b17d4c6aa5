"""Full-text search through ``Vault.search`` / ``Vault.tasks``: every operator of the query language,
Korean (bigram) matching, errors, hit fields, ranking on the sample vault and index consistency.

Read-only operator tests share small module-scoped tmp vaults; tests that edit a vault build their own
with ``make_vault`` / ``open_vault``. The vault folders are never written by vaultkit (checked by hash).
Every test must pass with and without the optional ``kiwipiepy`` package; behaviour that differs is
guarded by :data:`vaultkit.search.analysis.KOREAN_AVAILABLE`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import tree_hashes

import vaultkit.indexer
import vaultkit.parse
from vaultkit import Vault
from vaultkit.errors import NoteNotFoundError, QueryError
from vaultkit.search.analysis import ANALYZER_VERSION, KOREAN_AVAILABLE
from vaultkit.search.query import Hit, Snippet

MakeVault = Callable[..., Path]
OpenVault = Callable[..., Vault]

# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def found(vault: Vault, query: str, **kwargs: Any) -> set[str]:
    """The paths of every hit of ``query``."""
    return {hit.path for hit in vault.search(query, limit=None, **kwargs)}


def ranked(vault: Vault, query: str, **kwargs: Any) -> list[str]:
    """The paths of the hits of ``query``, in result order."""
    return [hit.path for hit in vault.search(query, **kwargs)]


def file_lines(root: Path, path: str) -> list[str]:
    """The lines of a vault file as written on disk (CR of CRLF endings removed), 1-based index = position+1."""
    return [line.removesuffix("\r") for line in (root / path).read_bytes().decode("utf-8").split("\n")]


def write_vault(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def module_vault(factory: pytest.TempPathFactory, name: str, files: dict[str, str]) -> Iterator[Vault]:
    """An indexed tmp vault shared by the tests of this module (read-only use)."""
    base = factory.mktemp(name)
    vault = Vault(write_vault(base / "vault", files), index_dir=base / "index")
    vault.index()
    yield vault
    vault.close()


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any attempt to parse a note fails the test."""

    def boom(*args: object, **kwargs: object) -> Any:
        raise AssertionError("a note was parsed again")

    monkeypatch.setattr(vaultkit.parse, "parse_note", boom)
    # the indexer imports parse_note lazily from vaultkit.parse; patch a module-level import too, if any
    monkeypatch.setattr(vaultkit.indexer, "parse_note", boom, raising=False)


# ---------------------------------------------------------------------------------------------------------
# 1. Operators
# ---------------------------------------------------------------------------------------------------------

BOOL_FILES = {
    "ab.md": "apple banana\n",
    "ba.md": "banana apple\n",
    "c.md": "cherry\n",
    "ac.md": "apple cherry\n",
    "b.md": "banana\n",
    "z.md": "nothing to see\n",
}
BOOL_ALL = {"ab.md", "ba.md", "c.md", "ac.md", "b.md", "z.md"}


@pytest.fixture(scope="module")
def bool_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "bool", BOOL_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("apple", {"ab.md", "ba.md", "ac.md"}, id="term"),
        pytest.param("APPLE", {"ab.md", "ba.md", "ac.md"}, id="term-case-insensitive"),
        pytest.param("apple banana", {"ab.md", "ba.md"}, id="and"),
        pytest.param("apple OR cherry", {"ab.md", "ba.md", "ac.md", "c.md"}, id="or"),
        # OR binds looser than AND: (apple banana) OR cherry, not apple (banana OR cherry)
        pytest.param("apple banana OR cherry", {"ab.md", "ba.md", "ac.md", "c.md"}, id="or-precedence"),
        pytest.param("cherry OR apple banana", {"ab.md", "ba.md", "ac.md", "c.md"}, id="or-precedence-right"),
        pytest.param("apple (banana OR cherry)", {"ab.md", "ba.md", "ac.md"}, id="group"),
        pytest.param("(apple OR banana) -cherry", {"ab.md", "ba.md", "b.md"}, id="group-and-not"),
        pytest.param("((apple))", {"ab.md", "ba.md", "ac.md"}, id="nested-group"),
        pytest.param("apple -banana", {"ac.md"}, id="not"),
        pytest.param("-apple", {"c.md", "b.md", "z.md"}, id="not-alone"),
        pytest.param("-(apple OR banana)", {"c.md", "z.md"}, id="not-group"),
        pytest.param("-apple -banana", {"c.md", "z.md"}, id="two-nots"),
        pytest.param('"apple banana"', {"ab.md"}, id="phrase"),
        pytest.param('"banana apple"', {"ba.md"}, id="phrase-other-order"),
        pytest.param('-"apple banana"', BOOL_ALL - {"ab.md"}, id="not-phrase"),
        pytest.param("app*", {"ab.md", "ba.md", "ac.md"}, id="prefix"),
        pytest.param("cher*", {"c.md", "ac.md"}, id="prefix-2"),
        pytest.param("-cher*", BOOL_ALL - {"c.md", "ac.md"}, id="not-prefix"),
        pytest.param("chery~", {"c.md", "ac.md"}, id="fuzzy-deletion"),
        pytest.param("cherri~", {"c.md", "ac.md"}, id="fuzzy-substitution"),
        pytest.param("cherri~1", {"c.md", "ac.md"}, id="fuzzy-1"),
        pytest.param("chxrri~", set(), id="fuzzy-1-too-far"),
        pytest.param("chxrri~2", {"c.md", "ac.md"}, id="fuzzy-2"),
        pytest.param("durian", set(), id="no-match"),
    ],
)
def test_boolean_operators(bool_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(bool_vault, query) == expected


FIELD_FILES = {
    "projects/alpha/plan.md": "---\ntitle: Kiwi Plan\nstatus: draft\n---\n# Overview\nThe budget is small.\n",
    "projects/beta/kiwi.md": "# Beta notes\nBody text mentions the budget.\n",
    "notes/mango.md": "# Mango\nA kiwi grows here, in the projects garden.\n",
}
FIELD_ALL = set(FIELD_FILES)


@pytest.fixture(scope="module")
def field_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "fields", FIELD_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("kiwi", FIELD_ALL, id="plain-looks-in-title-filename-content"),
        pytest.param("path:projects", {"projects/alpha/plan.md", "projects/beta/kiwi.md"}, id="path-folder"),
        pytest.param("path:alpha", {"projects/alpha/plan.md"}, id="path-subfolder"),
        pytest.param('path:"projects/beta"', {"projects/beta/kiwi.md"}, id="path-quoted"),
        pytest.param("-path:projects", {"notes/mango.md"}, id="not-path"),
        pytest.param("file:kiwi", {"projects/beta/kiwi.md"}, id="file"),
        pytest.param("file:plan", {"projects/alpha/plan.md"}, id="file-2"),
        pytest.param("-file:kiwi", FIELD_ALL - {"projects/beta/kiwi.md"}, id="not-file"),
        pytest.param("title:kiwi", {"projects/alpha/plan.md"}, id="title-frontmatter"),
        pytest.param("title:beta", {"projects/beta/kiwi.md"}, id="title-h1"),
        pytest.param('title:"kiwi plan"', {"projects/alpha/plan.md"}, id="title-phrase"),
        pytest.param("-title:kiwi", FIELD_ALL - {"projects/alpha/plan.md"}, id="not-title"),
        pytest.param("content:kiwi", {"notes/mango.md"}, id="content"),
        pytest.param("content:budget", {"projects/alpha/plan.md", "projects/beta/kiwi.md"}, id="content-2"),
        pytest.param("-content:kiwi", FIELD_ALL - {"notes/mango.md"}, id="not-content"),
        pytest.param("content:(kiwi OR budget)", FIELD_ALL, id="content-group"),
        pytest.param("title:kiwi OR file:kiwi", {"projects/alpha/plan.md", "projects/beta/kiwi.md"}, id="or-fields"),
        pytest.param("budget -path:alpha", {"projects/beta/kiwi.md"}, id="term-not-path"),
    ],
)
def test_field_operators(field_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(field_vault, query) == expected


SECTION_FILES = {
    "s1.md": "# One\nalpha here\nbeta there\n# Two\ngamma\n",
    "s2.md": "# One\nalpha\n# Two\nbeta\n",
    "s3.md": "alpha and beta on one line\n",
}


@pytest.fixture(scope="module")
def section_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "sections", SECTION_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("alpha beta", {"s1.md", "s2.md", "s3.md"}, id="anywhere"),
        pytest.param("section:(alpha beta)", {"s1.md", "s3.md"}, id="section"),
        pytest.param("line:(alpha beta)", {"s3.md"}, id="line"),
        pytest.param("-line:(alpha beta)", {"s1.md", "s2.md"}, id="not-line"),
        pytest.param("-section:(alpha beta)", {"s2.md"}, id="not-section"),
        pytest.param("line:(alpha -beta)", {"s1.md", "s2.md"}, id="line-with-not"),
        pytest.param('line:("alpha here")', {"s1.md"}, id="line-phrase"),
        pytest.param("line:(beta OR gamma)", {"s1.md", "s2.md", "s3.md"}, id="line-or"),
        pytest.param("section:(beta gamma)", set(), id="section-different-sections"),
        pytest.param("line:alph*", {"s1.md", "s2.md", "s3.md"}, id="line-prefix"),
    ],
)
def test_section_and_line(section_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(section_vault, query) == expected


TAG_FILES = {
    "py.md": "code #lang/python\n",
    "ko.md": "글 #lang/korean\n",
    "lg.md": "#language stuff\n",
    "w.md": "something #work\n",
    "w2.md": "#work/deep\n",
    "mj.md": "job #myjob/work\n",
    "fm.md": "---\ntags: [Work, 연구/실험]\n---\nbody\n",
    "kr.md": "#연구실 메모\n",
    "kr2.md": "내용 #연구\n",
    "none.md": "no tags at all\n",
}
TAG_ALL = set(TAG_FILES)


@pytest.fixture(scope="module")
def tag_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "tags", TAG_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("tag:lang", {"py.md", "ko.md"}, id="parent-finds-children-not-language"),
        pytest.param("tag:#lang", {"py.md", "ko.md"}, id="with-hash"),
        pytest.param('tag:"lang"', {"py.md", "ko.md"}, id="quoted"),
        pytest.param("tag:lang/python", {"py.md"}, id="child"),
        pytest.param("tag:LANG/Python", {"py.md"}, id="case-insensitive"),
        pytest.param("tag:python", set(), id="child-name-alone-is-not-a-tag"),
        pytest.param("tag:work", {"w.md", "w2.md", "fm.md"}, id="inline-frontmatter-and-children"),
        pytest.param("tag:#work", {"w.md", "w2.md", "fm.md"}, id="hash-not-nested-under-other-parent"),
        pytest.param("tag:myjob", {"mj.md"}, id="other-parent"),
        pytest.param("tag:myjob/work", {"mj.md"}, id="other-parent-child"),
        pytest.param("-tag:work", TAG_ALL - {"w.md", "w2.md", "fm.md"}, id="not-tag"),
        pytest.param("-tag:#work", TAG_ALL - {"w.md", "w2.md", "fm.md"}, id="not-tag-hash"),
        pytest.param("tag:lang -tag:lang/python", {"ko.md"}, id="parent-minus-child"),
        pytest.param("tag:(work OR lang/python)", {"w.md", "w2.md", "fm.md", "py.md"}, id="tag-group"),
        pytest.param("tag:연구", {"fm.md", "kr2.md"}, id="korean-parent-not-longer-tag"),
        pytest.param("tag:#연구", {"fm.md", "kr2.md"}, id="korean-hash"),
        pytest.param("tag:연구/실험", {"fm.md"}, id="korean-child"),
        pytest.param("tag:연구실", {"kr.md"}, id="korean-longer"),
        pytest.param("tag:lang*", {"py.md", "ko.md", "lg.md"}, id="tag-prefix"),
    ],
)
def test_tags(tag_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(tag_vault, query) == expected


PROP_FILES = {
    "n3.md": "---\nn: 3\nstatus: Draft\n---\nbody\n",
    "n10.md": "---\nn: 10\nstatus: published\n---\nbody\n",
    "nstr.md": "---\nn: lots\n---\nbody\n",
    "nnull.md": "---\nn:\n---\nbody\n",
    "nf.md": "---\nN: 2.5\nstatus: in review\n---\nbody\n",
    "none.md": "no properties\n",
}
PROP_ALL = set(PROP_FILES)


@pytest.fixture(scope="module")
def prop_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "props", PROP_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("[n]", PROP_ALL - {"none.md"}, id="exists-any-case-and-null"),
        pytest.param("-[n]", {"none.md"}, id="not-exists"),
        pytest.param("[status]", {"n3.md", "n10.md", "nf.md"}, id="exists-2"),
        pytest.param("[n:null]", {"nnull.md"}, id="null"),
        pytest.param("-[n:null]", PROP_ALL - {"nnull.md"}, id="not-null"),
        pytest.param("[status:draft]", {"n3.md"}, id="value-case-insensitive"),
        pytest.param("[status:Draft OR published]", {"n3.md", "n10.md"}, id="value-or"),
        pytest.param("[status:review]", {"nf.md"}, id="value-word"),
        pytest.param('[status:"in review"]', {"nf.md"}, id="value-phrase"),
        pytest.param("-[status:draft]", PROP_ALL - {"n3.md"}, id="not-value"),
        pytest.param("[n:3]", {"n3.md"}, id="number-as-value"),
        pytest.param("[n:>5]", {"n10.md"}, id="gt-numeric-not-string"),
        pytest.param("[n:<5]", {"n3.md", "nf.md"}, id="lt"),
        pytest.param("[n:>=3]", {"n3.md", "n10.md"}, id="ge"),
        pytest.param("[n:<=3]", {"n3.md", "nf.md"}, id="le"),
        pytest.param("[n:=10]", {"n10.md"}, id="eq"),
        pytest.param("[n:>2.5]", {"n3.md", "n10.md"}, id="gt-float"),
        pytest.param("[n:>100]", set(), id="gt-none"),
        pytest.param("[N:>5]", {"n10.md"}, id="name-case-insensitive"),
        pytest.param("-[n:>5]", PROP_ALL - {"n10.md"}, id="not-compare"),
        pytest.param("body [n:<5]", {"n3.md", "nf.md"}, id="term-and-compare"),
    ],
)
def test_properties(prop_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(prop_vault, query) == expected


CASE_FILES = {
    "A.md": "Apple pie\n",
    "b.md": "apple juice\n",
    "c.md": "Apple and apple\n",
    "d.md": "Banana split\n",
}


@pytest.fixture(scope="module")
def case_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "case", CASE_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("apple", {"A.md", "b.md", "c.md"}, id="default-ignores-case"),
        pytest.param("match-case:Apple", {"A.md", "c.md"}, id="upper"),
        pytest.param("match-case:apple", {"b.md", "c.md"}, id="lower"),
        pytest.param("match-case:APPLE", set(), id="all-caps"),
        pytest.param('match-case:"Apple pie"', {"A.md"}, id="phrase"),
        pytest.param("-match-case:Apple", {"b.md", "d.md"}, id="not"),
        pytest.param("ignore-case:APPLE", {"A.md", "b.md", "c.md"}, id="ignore-case"),
        # A group keeps its meaning inside match-case: OR is OR, -x excludes.
        pytest.param("match-case:(Apple OR Banana)", {"A.md", "c.md", "d.md"}, id="group-or"),
        pytest.param("match-case:(Apple -apple)", {"A.md"}, id="group-not"),
    ],
)
def test_match_case(case_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(case_vault, query) == expected


GRAPH_FILES = {
    "a.md": "[[b]] [[c]]\n",
    "b.md": "[[c]] #t\n- [ ] a task\n",
    "c.md": "nothing\n",
    "d.md": "[[missing]]\n",
    "e.md": "alone\n",
}
GRAPH_ALL = set(GRAPH_FILES)


@pytest.fixture(scope="module")
def graph_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "graph", GRAPH_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("links-to:c", {"a.md", "b.md"}, id="links-to"),
        pytest.param("links-to:b", {"a.md"}, id="links-to-2"),
        pytest.param('links-to:"c.md"', {"a.md", "b.md"}, id="links-to-quoted-path"),
        pytest.param("-links-to:c", {"c.md", "d.md", "e.md"}, id="not-links-to"),
        pytest.param("linked-from:a", {"b.md", "c.md"}, id="linked-from"),
        pytest.param("linked-from:d", set(), id="linked-from-unresolved-only"),
        pytest.param("-linked-from:a", {"a.md", "d.md", "e.md"}, id="not-linked-from"),
        pytest.param("orphan:true", {"a.md", "d.md", "e.md"}, id="orphan"),
        pytest.param("orphan:false", {"b.md", "c.md"}, id="not-orphan"),
        pytest.param("-orphan:true", {"b.md", "c.md"}, id="negated-orphan"),
        pytest.param("has:unresolved", {"d.md"}, id="has-unresolved"),
        pytest.param("has:links", {"a.md", "b.md", "d.md"}, id="has-links"),
        pytest.param("-has:links", {"c.md", "e.md"}, id="not-has-links"),
        pytest.param("has:tags", {"b.md"}, id="has-tags"),
        pytest.param("has:tasks", {"b.md"}, id="has-tasks"),
        pytest.param("has:links -has:tags", {"a.md", "d.md"}, id="has-and-not-has"),
        pytest.param("links-to:c OR has:unresolved", {"a.md", "b.md", "d.md"}, id="graph-or"),
    ],
)
def test_graph_filters(graph_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(graph_vault, query) == expected


TASK_FILES = {
    "t1.md": "# T1\n- [ ] write report\n- [x] send email\n",
    "t2.md": "- [x] write tests\n- [-] cancelled thing\n",
    "t3.md": "no tasks here, write nothing\n",
}


@pytest.fixture(scope="module")
def task_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "tasks", TASK_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("write", {"t1.md", "t2.md", "t3.md"}, id="plain"),
        pytest.param("task:write", {"t1.md", "t2.md"}, id="task"),
        pytest.param("task-todo:write", {"t1.md"}, id="task-todo"),
        pytest.param("task-done:write", {"t2.md"}, id="task-done"),
        pytest.param("task-done:cancelled", {"t2.md"}, id="task-done-any-status"),
        pytest.param("task-todo:email", set(), id="task-todo-none"),
        pytest.param("task-done:email", {"t1.md"}, id="task-done-2"),
        pytest.param('task:""', {"t1.md", "t2.md"}, id="any-task"),
        pytest.param('task-todo:""', {"t1.md"}, id="any-open-task"),
        pytest.param('task-done:""', {"t1.md", "t2.md"}, id="any-done-task"),
        pytest.param('-task:""', {"t3.md"}, id="no-task"),
        pytest.param("-task:write", {"t3.md"}, id="not-task-word"),
        pytest.param('task:"write report"', {"t1.md"}, id="task-phrase"),
    ],
)
def test_task_operators(task_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(task_vault, query) == expected


def test_vault_tasks_all_and_filters(task_vault: Vault) -> None:
    rows = [(path, t.text, t.done, t.status, t.line) for path, t in task_vault.tasks()]
    assert rows == [
        ("t1.md", "write report", False, " ", 2),
        ("t1.md", "send email", True, "x", 3),
        ("t2.md", "write tests", True, "x", 1),
        ("t2.md", "cancelled thing", True, "-", 2),
    ]
    assert [(p, t.text) for p, t in task_vault.tasks(done=False)] == [("t1.md", "write report")]
    assert [(p, t.text) for p, t in task_vault.tasks(done=True)] == [
        ("t1.md", "send email"),
        ("t2.md", "write tests"),
        ("t2.md", "cancelled thing"),
    ]


def test_vault_tasks_with_query(task_vault: Vault) -> None:
    # the query selects notes; their tasks are listed
    assert [(p, t.text) for p, t in task_vault.tasks("report")] == [("t1.md", "write report"), ("t1.md", "send email")]
    assert [(p, t.text) for p, t in task_vault.tasks("write", done=False)] == [("t1.md", "write report")]
    assert [(p, t.text) for p, t in task_vault.tasks("path:t2", done=True)] == [
        ("t2.md", "write tests"),
        ("t2.md", "cancelled thing"),
    ]
    assert task_vault.tasks("path:t2", done=False) == []
    assert task_vault.tasks("nothing") == []  # t3 matches but has no tasks
    assert task_vault.tasks("durian") == []
    with pytest.raises(QueryError, match="unbalanced"):
        task_vault.tasks("(write")


def test_vault_tasks_on_sample(sample: Vault) -> None:
    every = sample.tasks()
    done = sample.tasks(done=True)
    todo = sample.tasks(done=False)
    assert (len(every), len(done), len(todo)) == (40, 25, 15)
    assert sorted(done + todo, key=repr) == sorted(every, key=repr)
    assert all(t.done for _, t in done) and not any(t.done for _, t in todo)
    assert not any(p.startswith("templates/") for p, _ in every)  # the templates folder is excluded
    daily_todo = [(p, t.line, t.text) for p, t in sample.tasks("path:daily", done=False)]
    assert daily_todo == [
        ("daily/2024-03-12.md", 10, "부스트캠프 회고 작성"),
        ("daily/2024-03-13.md", 8, "Beta 회의록 안건 정리"),
        ("daily/2024-03-14.md", 7, "Alex에게 Gamma 계정 안내"),
    ]
    assert {p for p, _ in sample.tasks("퀴즈")} == {"study/2024-03-18-week10-day040.md"}


@pytest.mark.parametrize(
    "query",
    [
        "tag:lang",
        "tag:#daily",
        "path:daily",
        "file:README",
        "title:연구",
        "content:CUDA",
        "[status]",
        "[status:draft]",
        "has:tasks",
        "has:unresolved",
        "links-to:Gamma",
        "linked-from:Home",
        "orphan:true",
        'task:""',
        "task-todo:회고",
        "line:(CUDA 드라이버)",
        "section:(CUDA 드라이버)",
        "match-case:Gamma",
        '"확산 모델"',
        "styl*",
        "Gama~",
        "(CLIP OR Gamma)",
    ],
)
def test_negation_is_the_complement_on_sample(sample: Vault, query: str) -> None:
    every = {n.path for n in sample.notes()}
    positive = found(sample, query)
    assert positive, f"{query} should match something in the sample vault"
    assert positive < every
    assert found(sample, f"-{query}") == every - positive


def test_sample_operator_facts(sample: Vault) -> None:
    assert found(sample, "tag:lang") == {
        "daily/2024-03-14.md",
        "study/알고리즘 스터디.md",
        "study/Python 팁 모음.md",
        "topics/딥러닝 기초.md",
        "research/연구 일지 2023.md",
        "topics/PyTorch Setup.md",
    }
    assert found(sample, "tag:lang/python") == found(sample, "tag:#lang/python") == found(sample, "tag:LANG/PYTHON")
    assert "research/연구 일지 2023.md" not in found(sample, "tag:lang/python")  # that one is #lang/korean
    assert found(sample, "tag:연구") == {
        "research/연구실 생활.md",
        "research/실험 기록 - DDPM.md",
        "research/연구 일지 2024.md",
        "research/연구 일지 2023.md",
    }
    assert found(sample, "links-to:Gamma") == {b.source for b in sample.backlinks("Gamma")} - {"topics/Gamma.md"}
    assert found(sample, "orphan:true") == {n.path for n in sample.orphans()}
    assert found(sample, "has:unresolved") == {u.source for u in sample.unresolved()}
    assert found(sample, "file:README") == {"projects/alpha/README.md", "projects/beta/README.md"}
    assert found(sample, "path:alpha") == {"projects/alpha/README.md", "projects/alpha/Alpha plan.md"}
    assert found(sample, "[mood]") == {"daily/2024-03-13.md"}
    assert found(sample, "[role:박사과정]") == {"people/김도은.md"}
    assert found(sample, "[categories:부스트캠프]") == {
        "study/2024-03-16-week09-day038.md",
        "study/2024-03-17-week09-day039.md",
        "study/2024-03-18-week10-day040.md",
    }
    assert found(sample, "task-done:퀴즈") == {"study/2024-03-18-week10-day040.md"}
    assert found(sample, "task-todo:퀴즈") == set()
    assert found(sample, "match-case:cuda") == {"topics/PyTorch Setup.md", "study/2024-03-17-week09-day039.md"}
    assert found(sample, "match-case:gamma") == {"topics/Gamma.md"}  # gamma.lab.internal
    assert found(sample, "line:(CUDA 드라이버)") <= found(sample, "section:(CUDA 드라이버)")
    assert found(sample, "(CLIP OR Gamma) 드라이버") == {
        "topics/Gamma.md",
        "topics/PyTorch Setup.md",
        "daily/2024-03-14.md",
    }
    assert found(sample, "CLIP OR Gamma 드라이버") == found(sample, "CLIP") | found(sample, "Gamma 드라이버")


# ---------------------------------------------------------------------------------------------------------
# 2. Korean
# ---------------------------------------------------------------------------------------------------------

KO_FILES = {
    "lab.md": "오늘 연구실에서는 회의가 있었다.\n",
    "inst.md": "우리 연구소 옆 실험실에 갔다.\n",
    "diary.md": "# 메모\n연구 일지를 쓴다\n",
    "rev.md": "일지 연구\n",
    "kite.md": "연 날리기\n",
    "torch.md": "PyTorch설치 완료\n",
    "torch2.md": "PyTorch를 설치했다\n",
    "torch3.md": "PyTorch 업데이트만 했다\n",
    "en.md": "nothing korean here\n",
}


@pytest.fixture(scope="module")
def ko_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    yield from module_vault(tmp_path_factory, "korean", KO_FILES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a two-syllable word is found inside longer words (substring search over bigrams)
        pytest.param("연구", {"lab.md", "inst.md", "diary.md", "rev.md"}, id="substring"),
        # a three-syllable word is the phrase of its bigrams 연구+구실: 연구소 and 실험실 do not make 연구실
        pytest.param("연구실", {"lab.md"}, id="word-is-phrase-of-bigrams"),
        pytest.param("실험실", {"inst.md"}, id="word-is-phrase-of-bigrams-2"),
        pytest.param("-연구실", set(KO_FILES) - {"lab.md"}, id="not-korean-word"),
        # one syllable: a prefix of the bigrams (and the one-character word 연)
        pytest.param("연", {"lab.md", "inst.md", "diary.md", "rev.md", "kite.md"}, id="one-syllable"),
        pytest.param("연구*", {"lab.md", "inst.md", "diary.md", "rev.md"}, id="prefix"),
        # mixed scripts, glued or separate
        pytest.param("PyTorch 설치", {"torch.md", "torch2.md"}, id="mixed"),
        pytest.param("설치 pytorch", {"torch.md", "torch2.md"}, id="mixed-reversed"),
        pytest.param("PyTorch -설치", {"torch3.md"}, id="mixed-not"),
        pytest.param("content:연구실", {"lab.md"}, id="content-korean"),
        pytest.param("line:(연구 일지)", {"diary.md", "rev.md"}, id="line-korean"),
    ],
)
def test_korean(ko_vault: Vault, query: str, expected: set[str]) -> None:
    assert found(ko_vault, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param('"연구 일지"', {"diary.md"}, id="korean-phrase-not-reordered-words"),
        pytest.param('"PyTorch 설치"', {"torch.md"}, id="mixed-phrase"),
    ],
)
def test_korean_phrase_is_exact(ko_vault: Vault, query: str, expected: set[str]) -> None:
    """A quoted phrase needs the words side by side in that order, with or without kiwipiepy."""
    assert found(ko_vault, query) == expected


def test_korean_hits_point_at_the_korean_text(ko_vault: Vault) -> None:
    (hit,) = ko_vault.search("연구실")
    assert hit.lines == (1,)
    assert hit.snippet is not None
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.spans] == ["연구실"]
    lab = next(h for h in ko_vault.search("연구") if h.path == "lab.md")
    assert lab.snippet is not None
    assert [lab.snippet.text[s:e] for s, e in lab.snippet.spans] == ["연구"]
    (diary,) = ko_vault.search('"연구 일지"', limit=1)
    assert diary.path == "diary.md" and diary.lines == (2,)


def test_korean_sample_phrases(sample: Vault) -> None:
    top = ranked(sample, '"연구 일지"', limit=2)
    assert set(top) == {"research/연구 일지 2024.md", "research/연구 일지 2023.md"}
    assert "daily/2024-03-14.md" in found(sample, "PyTorch 설치")  # "인턴 노트북에 PyTorch 설치."
    assert found(sample, "연구실") <= found(sample, "연구")


@pytest.mark.skipif(not KOREAN_AVAILABLE, reason="needs the optional kiwipiepy package")
def test_korean_lemmas_with_kiwi(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(make_vault({"ate.md": "점심을 먹었다\n", "eat.md": "지금 먹는다\n", "x.md": "다른 이야기\n"}))
    assert found(vault, "먹었다") == {"ate.md", "eat.md"}


@pytest.mark.skipif(KOREAN_AVAILABLE, reason="without kiwipiepy there is no lemmatisation")
def test_korean_no_lemmas_without_kiwi(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(make_vault({"ate.md": "점심을 먹었다\n", "eat.md": "지금 먹는다\n", "x.md": "다른 이야기\n"}))
    assert found(vault, "먹었다") == {"ate.md"}


# ---------------------------------------------------------------------------------------------------------
# 3. Malformed queries
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param('"never closed', "unbalanced quote", id="quote"),
        pytest.param('StyleGAN "never closed', "unbalanced quote", id="quote-after-term"),
        pytest.param("(StyleGAN CLIP", "unbalanced parenthesis", id="open-paren"),
        pytest.param("StyleGAN CLIP)", "unexpected )", id="close-paren"),
        pytest.param("((a) OR b", "unbalanced parenthesis", id="nested-paren"),
        pytest.param("[status", "never closed", id="bracket"),
        pytest.param("[status:draft", "never closed", id="bracket-value"),
        pytest.param("[n:>5", "never closed", id="bracket-compare"),
        pytest.param("[]", "property name missing", id="empty-bracket"),
        pytest.param("foo:bar", 'unknown operator "foo:"', id="unknown-operator"),
        pytest.param("StyleGAN bogus:x", 'unknown operator "bogus:"', id="unknown-operator-later"),
        pytest.param("/gan/", "regular expressions", id="regex"),
        pytest.param("content:/gan/", "regular expressions", id="regex-in-operator"),
        pytest.param("tag:/x/", "regular expressions", id="regex-in-tag"),
        pytest.param("", "empty query", id="empty"),
        pytest.param("   ", "empty query", id="blank"),
        pytest.param("OR", '"OR"', id="lone-or"),
        pytest.param("a OR", '"OR"', id="dangling-or"),
        pytest.param("-", '"-"', id="dangling-minus"),
        pytest.param("()", "empty group", id="empty-group"),
        pytest.param("tag:", 'operator "tag:" needs a value', id="operator-without-value"),
        pytest.param("[n:>x]", "needs a number", id="compare-not-a-number"),
        pytest.param("has:foo", "has:", id="bad-has"),
        pytest.param("orphan:maybe", "true or false", id="bad-orphan"),
        pytest.param("gan~3", "fuzzy distance", id="bad-fuzzy"),
        pytest.param("block:abc", '"block:"', id="block-unsupported"),
        pytest.param("line:(tag:lang)", "takes words, phrases", id="line-with-operator"),
        # The same mistake must be reported even when the inner operator happens to match nothing.
        pytest.param("line:(tag:nosuchtag)", "takes words, phrases", id="line-with-operator-no-candidates"),
        pytest.param("section:([nosuchprop])", "takes words, phrases", id="section-with-property-no-candidates"),
    ],
)
def test_malformed_query_raises_query_error(sample: Vault, query: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        sample.search(query)
    assert message in str(info.value)


@pytest.mark.parametrize("sort", ["relevance", "", "Title", "mtime"])
def test_bad_sort_raises_query_error(sample: Vault, sort: str) -> None:
    with pytest.raises(QueryError, match="unknown sort") as info:
        sample.search("StyleGAN", sort=sort)
    assert repr(sort) in str(info.value)


@pytest.mark.parametrize("query", ["links-to:Nonexistent", "linked-from:Nonexistent", "links-to:README"])
def test_links_to_unknown_or_ambiguous_note_is_an_error(sample: Vault, query: str) -> None:
    """An unknown (or ambiguous) note in links-to:/linked-from: is an error naming it, not an empty result.

    (It is the NoteNotFoundError every NOTE argument gives, listing candidates; the CLI shows it as a
    user error like a bad query.)
    """
    with pytest.raises((QueryError, NoteNotFoundError)) as info:
        sample.search(query)
    assert query.split(":", 1)[1] in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# 4. Hits: fields, lines, snippets, sorting, limit, exact titles
# ---------------------------------------------------------------------------------------------------------


def test_hit_fields(sample: Vault) -> None:
    hits = sample.search("Gamma")
    assert all(isinstance(h, Hit) for h in hits)
    first = hits[0]
    assert (first.path, first.title) == ("topics/Gamma.md", "Gamma")
    assert isinstance(first.score, float) and first.score > 0
    assert [h.score for h in hits[1:]] == sorted((h.score for h in hits[1:]), reverse=True)
    assert len({h.path for h in hits}) == len(hits)
    for hit in hits:
        assert isinstance(hit.lines, tuple) and hit.lines == tuple(sorted(set(hit.lines)))
        assert all(isinstance(n, int) and n >= 1 for n in hit.lines)
        assert isinstance(hit.snippet, Snippet)
        assert hit.snippet.line in hit.lines
        assert hit.snippet.text in sample.note(hit.path).line_text(hit.snippet.line)
    titles = {h.path: h.title for h in sample.search("연구실", limit=None)}
    assert titles["research/연구실 생활.md"] == "연구실 생활 가이드"  # frontmatter title
    assert titles["topics/Gamma.md"] == "Gamma"
    assert {h.path: h.title for h in sample.search("Reading")}["topics/Reading list.md"] == "Reading list"  # H1


def test_filter_only_hits_have_no_lines(sample: Vault) -> None:
    hits = sample.search("[status:draft]", limit=None)
    assert hits and all(h.lines == () and h.snippet is None for h in hits)


@pytest.mark.parametrize(
    ("query", "path", "words"),
    [
        pytest.param("디스크", "daily/2024-03-12.md", ("디스크",), id="crlf-frontmatter-korean"),
        pytest.param("StyleGAN", "daily/2024-03-12.md", ("stylegan",), id="crlf-frontmatter-latin"),
        pytest.param("CUDA", "topics/PyTorch Setup.md", ("cuda",), id="frontmatter"),
        pytest.param("identity", "research/연구 일지 2024.md", ("identity",), id="quoted-frontmatter-keys"),
        pytest.param("연구실", "research/연구실 생활.md", ("연구실",), id="korean"),
        pytest.param("spectral", "study/2024-03-17-week09-day039.md", ("spectral",), id="heading-and-list"),
        pytest.param('"확산 모델"', "topics/DDPM.md", ("확산 모델",), id="phrase"),
        pytest.param("pytorch 설치", "daily/2024-03-14.md", ("pytorch", "설치"), id="mixed"),
        pytest.param("styl*", "topics/StyleGAN.md", ("styl",), id="prefix"),
        pytest.param("Gamma OR 체크포인트", "daily/2024-03-12.md", ("gamma", "체크포인트"), id="or"),
    ],
)
def test_hit_lines_are_file_lines(
    sample: Vault, sample_root: Path, query: str, path: str, words: tuple[str, ...]
) -> None:
    """Every reported line of every hit is a line of the file on disk that holds a query word."""
    hits = sample.search(query, limit=None)
    assert path in {h.path for h in hits}
    for hit in hits:
        lines = [line.casefold() for line in file_lines(sample_root, hit.path)]
        assert hit.lines, f"{hit.path} matched {query!r} but reports no line"
        for number in hit.lines:
            assert 1 <= number <= len(lines)
            assert any(w in lines[number - 1] for w in words), f"{hit.path}:{number} {lines[number - 1]!r}"
        assert hit.snippet is not None
        assert hit.snippet.line in hit.lines
        assert hit.snippet.spans
        for start, end in hit.snippet.spans:
            span = hit.snippet.text[start:end].casefold()
            assert any(span in w or w in span for w in words), (hit.path, span)
    target = next(h for h in hits if h.path == path)
    shown = [file_lines(sample_root, path)[n - 1].casefold() for n in target.lines]
    assert all(any(w in line for line in shown) for w in words)  # each word is on a reported line


def test_crlf_sample_file_lines_exactly(sample: Vault, sample_root: Path) -> None:
    assert b"\r\n" in (sample_root / "daily/2024-03-12.md").read_bytes()  # the case this test is about
    hit = next(h for h in sample.search("디스크") if h.path == "daily/2024-03-12.md")
    assert hit.lines == (8, 13)
    assert hit.snippet is not None and hit.snippet.line == 8
    (start, end) = hit.snippet.spans[0]
    assert hit.snippet.text[start:end] == "디스크"
    hit = next(h for h in sample.search("spectral") if h.path == "daily/2024-03-12.md")
    assert hit.lines == (15,)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("line:chery~", {"c.md", "ac.md"}, id="line-fuzzy"),
        pytest.param("section:(chery~ apple)", {"ac.md"}, id="section-fuzzy"),
        pytest.param("line:(cherri~ OR banana)", {"c.md", "ac.md", "ab.md", "ba.md", "b.md"}, id="line-fuzzy-or"),
    ],
)
def test_fuzzy_inside_line_and_section(bool_vault: Vault, query: str, expected: set[str]) -> None:
    """A fuzzy term keeps its meaning inside line:/section: (not just an exact word)."""
    assert found(bool_vault, query) == expected


def test_fuzzy_hit_reports_its_line(bool_vault: Vault) -> None:
    hits = {h.path: h for h in bool_vault.search("chery~")}
    assert hits["ac.md"].lines == (1,)
    snippet = hits["ac.md"].snippet
    assert snippet is not None and [snippet.text[s:e] for s, e in snippet.spans] == ["cherry"]


@pytest.fixture
def dated_vault(make_vault: MakeVault, open_vault: OpenVault) -> Vault:
    root = make_vault(
        {
            "m.md": "# Mango\napple here\n",
            "z.md": "---\ntitle: Apricot\n---\napple there\n",
            "b.md": "# banana\napple again\n",
            "n.md": "no fruit\n",
        }
    )
    for name, seconds in (("m.md", 1_600_000_000), ("z.md", 1_700_000_000), ("b.md", 1_650_000_000)):
        os.utime(root / name, ns=(seconds * 10**9, seconds * 10**9))
    return open_vault(root)


def test_sort_modified_newest_first(dated_vault: Vault) -> None:
    assert ranked(dated_vault, "apple", sort="modified") == ["z.md", "b.md", "m.md"]
    assert ranked(dated_vault, "apple", sort="modified", limit=1) == ["z.md"]


def test_sort_modified_follows_an_edit(dated_vault: Vault) -> None:
    dated_vault.index()
    later = 1_800_000_000 * 10**9
    (dated_vault.root / "m.md").write_text("# Mango\napple here, edited\n", encoding="utf-8")
    os.utime(dated_vault.root / "m.md", ns=(later, later))
    dated_vault.index()
    assert ranked(dated_vault, "apple", sort="modified") == ["m.md", "z.md", "b.md"]


def test_sort_modified_follows_a_touched_file(dated_vault: Vault) -> None:
    """A file whose mtime changed but whose content did not is "modified" too (as the store records it)."""
    dated_vault.index()
    later = 1_800_000_000 * 10**9
    os.utime(dated_vault.root / "m.md", ns=(later, later))
    dated_vault.index()
    assert ranked(dated_vault, "apple", sort="modified") == ["m.md", "z.md", "b.md"]


def test_sorted_hits_keep_a_relevance_score(dated_vault: Vault) -> None:
    """Hit.score is a relevance score, not the sort key (an mtime in ns) of sort="modified"."""
    for hit in dated_vault.search("apple", sort="modified"):
        assert isinstance(hit.score, float)
        assert 0 <= hit.score < 1e6, hit


def test_sort_title_alphabetical(dated_vault: Vault) -> None:
    hits = dated_vault.search("apple", sort="title")
    assert [h.title for h in hits] == ["Apricot", "banana", "Mango"]  # case-insensitive order
    assert [h.path for h in dated_vault.search("apple", sort="title", limit=2)] == ["z.md", "b.md"]


def test_sort_title_on_sample(sample: Vault) -> None:
    hits = sample.search("Gamma", sort="title", limit=None)
    assert len(hits) > 5
    assert [h.title.casefold() for h in hits] == sorted(h.title.casefold() for h in hits)


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_limit(sample: Vault, limit: int) -> None:
    every = sample.search("연구", limit=None)
    assert len(every) > 5
    hits = sample.search("연구", limit=limit)
    assert len(hits) == limit
    assert [h.path for h in hits] == [h.path for h in every[:limit]]


def test_default_limit_is_20(sample: Vault) -> None:
    assert len(sample.search("-durian")) == 20
    assert len(sample.search("-durian", limit=None)) == len(sample.notes())


def test_exact_title_ranks_first(make_vault: MakeVault, open_vault: OpenVault) -> None:
    body = "Some notes about fruit, orchards, seasons, prices, storage and other topics that make this body long.\n"
    vault = open_vault(
        make_vault(
            {
                "Apple.md": "# Apple\n" + body,
                "Apple apple tips.md": "---\naliases: [apple apple]\n---\n# Apple apple apple\n## apple apple\n"
                + "apple " * 30
                + "\n",
                "Orchard.md": "---\naliases: [Crab Apple]\n---\n" + "apple, " * 20 + "\n",
            }
        )
    )
    hits = vault.search("apple")
    assert hits[0].path == "Apple.md"
    # it is the exact title that puts it first: another note scores higher on words alone
    assert max(h.score for h in hits[1:]) > hits[0].score
    assert ranked(vault, "APPLE")[0] == "Apple.md"
    assert ranked(vault, '"Crab Apple"')[0] == "Orchard.md"  # an exact alias counts as well
    assert ranked(vault, "apple apple apple")[0] == "Apple apple tips.md"


def test_exact_title_ranks_first_from_any_rank(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """The note titled as the query is found by its title, not looked for among the best-scored hits only."""
    files = {f"apple {i:03d}.md": f"# Apple apple {i}\n## apple\n" + "apple " * (20 + i % 7) + "\n" for i in range(90)}
    files["Orchard.md"] = "---\naliases: [Apple]\n---\nTrees in rows.\n"  # the word only in its alias
    files["a.md"] = "---\ntitle: Äpfel\n---\nA few.\n"  # casefolded as Python does: SQLite's NOCASE folds ASCII only
    files["Obst.md"] = "---\naliases: [Äpfel!]\n---\n# Äpfel und Äpfel\n## Äpfel\n" + "Äpfel " * 30 + "\n"
    files["pear.md"] = "---\naliases: [Apple]\n---\npears\n"
    vault = open_vault(make_vault(files))
    everything = ranked(vault, "apple", limit=None)
    assert everything.index("Orchard.md") == 0 and everything.index("pear.md") == 1  # both aliased "Apple"
    words_only = sorted(vault.search("apple", limit=None)[2:], key=lambda h: -h.score)
    assert [h.path for h in words_only] == everything[2:]
    assert max(h.score for h in words_only) > vault.search("apple", limit=1)[0].score  # lifted by its alias
    for limit in (1, 2, 5):
        assert ranked(vault, "apple", limit=limit) == everything[:limit]
    assert ranked(vault, "äpfel")[:2] == ["a.md", "Obst.md"]
    assert ranked(vault, "ÄPFEL", limit=1) == ["a.md"]
    assert vault.search("ÄPFEL", limit=1)[0].score < vault.search("ÄPFEL")[1].score
    assert ranked(vault, "Orchard", limit=1) == ["Orchard.md"]  # the file name
    assert ranked(vault, "trees", limit=1) == ["Orchard.md"]  # no exact title: the usual order


# ---------------------------------------------------------------------------------------------------------
# 5. Relevance on the sample vault
# ---------------------------------------------------------------------------------------------------------

RELEVANCE = [
    # (query, expected note, must be within the first n results)
    ("StyleGAN", "topics/StyleGAN.md", 1),
    ("stylegan", "topics/StyleGAN.md", 1),
    ("연구실", "research/연구실 생활.md", 1),
    ("CUDA", "topics/PyTorch Setup.md", 1),
    ('"확산 모델"', "topics/DDPM.md", 1),  # the alias of DDPM
    ("딥러닝", "topics/딥러닝 기초.md", 1),  # title and alias
    ("Gamma", "topics/Gamma.md", 1),
    ("감마 서버", "topics/Gamma.md", 1),  # alias
    ("gamma-server", "topics/Gamma.md", 1),  # alias
    ("CLIP", "topics/CLIP.md", 1),
    ("GAN", "topics/GAN.md", 1),
    ("생성적 적대 신경망", "topics/GAN.md", 1),  # alias
    # the experiment log "실험 기록 - DDPM" scores higher on words alone; the exact title wins
    ("DDPM", "topics/DDPM.md", 1),
    # both research diaries carry the phrase in their titles; the 2024 one is titled exactly "연구 일지"
    ('"연구 일지"', "research/연구 일지 2024.md", 1),
    ('"연구 일지"', "research/연구 일지 2023.md", 2),
    ("PyTorch 설치", "topics/PyTorch Setup.md", 1),
    ("Alex", "people/Alex Kim.md", 1),  # alias
    ("박지훈", "people/박지훈.md", 1),
    ("김도은", "people/김도은.md", 1),
    ("회의록", "projects/beta/Beta 회의록.md", 1),
    ("알고리즘", "study/알고리즘 스터디.md", 1),
    ("이분 탐색", "study/알고리즘 스터디.md", 1),
    ("Reading list", "topics/Reading list.md", 1),
    ("Python", "study/Python 팁 모음.md", 1),
    ("Mode collapse", "study/2024-03-17-week09-day039.md", 1),
    # both the boostcamp log ("### Spectral normalization") and GAN ("### Spectral norm") have it as a heading
    ("spectral", "study/2024-03-17-week09-day039.md", 2),
    ("spectral", "topics/GAN.md", 2),
    ("Project Beta", "projects/beta/README.md", 1),
    ("Project Alpha", "projects/alpha/README.md", 1),
    ("아메리카노", "people/김도은.md", 1),
    ("Start here", "Home.md", 1),  # alias
    ("DL", "topics/딥러닝 기초.md", 1),  # alias
    ("Diffusion", "study/2024-03-18-week10-day040.md", 1),  # "Diffusion 강의" in the title
    ("벚꽃", "projects/alpha/README.md", 1),
    ("학회 마감", "misc/Conference deadlines.md", 1),
    ("WGAN-GP", "study/2024-03-17-week09-day039.md", 1),
    ("Contrastive", "topics/CLIP.md", 1),  # alias
    ("Orphan", "misc/Orphan thoughts.md", 1),
    ("styl*", "topics/StyleGAN.md", 1),
    ("Gama~", "topics/Gamma.md", 1),
    # drivers come up in the setup note, the daily log, 박지훈 and Gamma; the setup note is the topic
    ("드라이버", "topics/PyTorch Setup.md", 3),
]


@pytest.mark.parametrize(("query", "expected", "within"), RELEVANCE, ids=[f"{q}->{p}" for q, p, _ in RELEVANCE])
def test_relevance_on_sample(sample: Vault, query: str, expected: str, within: int) -> None:
    top = ranked(sample, query, limit=10)
    assert expected in top[:within], f"{query!r}: {top[:5]}"


# ---------------------------------------------------------------------------------------------------------
# 6. Index consistency
# ---------------------------------------------------------------------------------------------------------

CONSISTENCY_FILES = {
    "a.md": "# A\nthe old word is zebra\n",
    "b.md": "# B\nunrelated 연구실 text\n",
    "c.md": "# C\nzebra crossing here too\n",
}


def test_edit_then_index_updates_search(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(CONSISTENCY_FILES)
    vault = open_vault(root)
    assert found(vault, "zebra") == {"a.md", "c.md"}
    (root / "a.md").write_text("# A\nnow it says giraffe, and 실험실 too\n", encoding="utf-8")
    report = vault.index()
    assert report.updated == ("a.md",)
    assert found(vault, "zebra") == {"c.md"}
    assert found(vault, "giraffe") == {"a.md"}
    assert found(vault, "실험실") == {"a.md"}
    (hit,) = vault.search("giraffe")
    assert hit.lines == (2,)
    # a second Vault on the same index answers the same without parsing anything
    forbid_parsing(monkeypatch)
    again = Vault(root, index_dir=vault.index_dir)
    assert found(again, "giraffe") == {"a.md"} and found(again, "zebra") == {"c.md"}


def test_new_note_then_index_is_found(make_vault: MakeVault, open_vault: OpenVault) -> None:
    root = make_vault(CONSISTENCY_FILES)
    vault = open_vault(root)
    vault.index()
    (root / "sub").mkdir()
    (root / "sub" / "d.md").write_text("---\ntags: [new]\n---\nokapi\n", encoding="utf-8")
    vault.index()
    assert found(vault, "okapi") == {"sub/d.md"}
    assert found(vault, "tag:new") == {"sub/d.md"}
    assert found(vault, "path:sub") == {"sub/d.md"}


def test_deleted_note_leaves_results(make_vault: MakeVault, open_vault: OpenVault) -> None:
    root = make_vault(CONSISTENCY_FILES)
    vault = open_vault(root)
    assert found(vault, "zebra") == {"a.md", "c.md"}
    (root / "a.md").unlink()
    report = vault.index()
    assert report.removed == ("a.md",)
    assert found(vault, "zebra") == {"c.md"}
    assert found(vault, "-zebra") == {"b.md"}
    assert "a.md" not in found(vault, "-durian")


def test_update_file_and_remove_file_update_search(make_vault: MakeVault, open_vault: OpenVault) -> None:
    root = make_vault(CONSISTENCY_FILES)
    vault = open_vault(root)
    vault.index()
    (root / "a.md").write_text("# A\nlemur only\n", encoding="utf-8")
    vault.update_file("a.md")
    assert found(vault, "lemur") == {"a.md"}
    assert found(vault, "zebra") == {"c.md"}
    (root / "e.md").write_text("# E\nlemur as well\n", encoding="utf-8")
    vault.update_file(str(root / "e.md"))  # an absolute path works too
    assert found(vault, "lemur") == {"a.md", "e.md"}
    (root / "c.md").unlink()
    vault.remove_file("c.md")
    assert found(vault, "zebra") == set()
    assert found(vault, "-durian") == {"a.md", "b.md", "e.md"}


def _search_dir(vault: Vault) -> Path:
    return vault.index_dir / "search"


def _break_generation(vault: Vault) -> None:
    vault.store.begin()
    vault.store.set_meta("search_generation", "999")
    vault.store.commit(bump=False)


def _delete_search_folder(vault: Vault) -> None:
    vault.close()
    shutil.rmtree(_search_dir(vault))


def _other_analyzer_version(vault: Vault) -> None:
    vault.close()
    version_file = _search_dir(vault) / "search-version.json"
    data = json.loads(version_file.read_text("utf-8"))
    assert data["analyzer"] == ANALYZER_VERSION
    data["analyzer"] = ANALYZER_VERSION + 1
    version_file.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize("via", ["search", "index"])
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_break_generation, id="generation-mismatch"),
        pytest.param(_delete_search_folder, id="search-folder-deleted"),
        pytest.param(_other_analyzer_version, id="other-analyzer-version"),
    ],
)
def test_search_index_is_rebuilt_from_the_store(
    make_vault: MakeVault,
    open_vault: OpenVault,
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[Vault], None],
    via: str,
) -> None:
    root = make_vault(CONSISTENCY_FILES)
    vault = open_vault(root)
    vault.index()
    queries = ["zebra", "연구실", "-zebra", "title:a"]
    before = {q: [(h.path, h.lines) for h in vault.search(q)] for q in queries}
    files_before = set(os.listdir(_search_dir(vault)))
    damage(vault)

    forbid_parsing(monkeypatch)
    if via == "index":
        report = vault.index()
        assert (report.added, report.updated, report.removed) == ((), (), ())
    after = {q: [(h.path, h.lines) for h in vault.search(q)] for q in queries}
    assert after == before
    assert vault.store.meta("search_generation") == vault.search_index.state()
    version = json.loads((_search_dir(vault) / "search-version.json").read_text("utf-8"))
    assert version["analyzer"] == ANALYZER_VERSION
    assert version["korean"] == KOREAN_AVAILABLE
    assert set(os.listdir(_search_dir(vault))) != files_before  # new segment files: it was rebuilt
    # a fresh Vault object finds everything consistent and needs no further work
    fresh = Vault(root, index_dir=vault.index_dir)
    assert {q: [(h.path, h.lines) for h in fresh.search(q)] for q in queries} == before


def test_search_does_not_touch_a_consistent_index(make_vault: MakeVault, open_vault: OpenVault) -> None:
    vault = open_vault(make_vault(CONSISTENCY_FILES))
    vault.index()
    files = {p.name: p.stat().st_mtime_ns for p in _search_dir(vault).iterdir()}
    generation = vault.store.generation
    for query in ("zebra", "-zebra", "tag:x", "연구실"):
        vault.search(query)
    assert {p.name: p.stat().st_mtime_ns for p in _search_dir(vault).iterdir()} == files
    assert vault.store.generation == generation


def test_vault_files_are_never_written(make_vault: MakeVault, open_vault: OpenVault) -> None:
    root = make_vault({**CONSISTENCY_FILES, ".obsidian/app.json": "{}", "pic.png": "not really a png"})
    before = tree_hashes(root)
    vault = open_vault(root)
    vault.index()
    for query in ("zebra", "연구실", "-zebra", "[x]", "orphan:true", "match-case:A", "line:(old word)"):
        vault.search(query, limit=None)
        vault.search(query, sort="modified")
    vault.tasks()
    vault.update_file("a.md")
    _break_generation(vault)
    vault.search("zebra")
    _delete_search_folder(vault)
    vault.index()
    vault.close()
    assert tree_hashes(root) == before


def test_sample_vault_is_not_written_by_searches(sample: Vault, sample_root: Path) -> None:
    before = tree_hashes(sample_root)
    for query, _, _ in RELEVANCE:
        sample.search(query, limit=None)
    sample.tasks("path:daily")
    assert tree_hashes(sample_root) == before


def test_folded_words_are_highlighted_on_their_lines(tmp_path: Path) -> None:
    """`cafe` finds `Café` (accents fold) and the hit shows that line, as for any other word."""
    root = write_vault(
        tmp_path / "v",
        {"a.md": "# Notes\n\nWe met at the Café on Monday.\n\nOther line.\n", "b.md": "Ｆｉｒｓｔ\nＧａｍｍａ ray\n"},
    )
    v = Vault(root, index_dir=tmp_path / "idx")
    v.index()
    for query in ("cafe", "café", "CAFE"):
        (hit,) = v.search(query)
        assert hit.lines == (3,)
        assert hit.snippet is not None
        assert [hit.snippet.text[s:e] for s, e in hit.snippet.spans] == ["Café"]
    (hit,) = v.search("gamma")
    assert hit.lines == (2,)  # a note is folded whole before its lines are looked at: lines stay in place


@pytest.mark.parametrize(
    ("query", "lines", "line", "marked"),
    [
        # the best line holds the most distinct words; a tie goes to the first such line
        ("alpha beta", (1, 2, 3, 4), 2, ["Alpha", "beta"]),
        # a phrase's words in order, its last word as a prefix ("betamax"); "beta alpha" is not it
        ('"alpha beta"', (2, 4), 2, ["Alpha beta"]),
        ("gamma", (), None, []),
    ],
)
def test_highlight_counts_lines_by_tokens_and_marks_the_best_line(
    query: str, lines: tuple[int, ...], line: int | None, marked: list[str]
) -> None:
    from vaultkit.search import syntax
    from vaultkit.search.query import highlight

    text = "alphabet soup\nAlpha beta here\nbeta alpha there\nsee alpha betamax\n"
    found, snippet = highlight(text, syntax.parse_query(query))
    assert found == lines
    if line is None:
        assert snippet is None
        return
    assert snippet is not None and snippet.line == line
    assert [snippet.text[s:e] for s, e in snippet.spans] == marked


def test_a_kept_searcher_answers_without_looking_at_the_index_folder(
    make_vault: MakeVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the store records the state the open searcher reads, a query does not list the index folder;
    a refresh by another Vault (or process) changes the record, and the next query reads the new state."""
    root = make_vault({"a.md": "alpha\n"})
    first = Vault(root, index_dir=tmp_path / "idx")
    first.index()
    assert [h.path for h in first.search("alpha")] == ["a.md"]
    listed: list[Any] = []
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(path) or real(path))
    assert [h.path for h in first.search("alpha")] == ["a.md"]
    assert listed == []
    (root / "b.md").write_text("alpha beta\n", "utf-8")
    with Vault(root, index_dir=tmp_path / "idx") as second:
        second.index()
    assert [h.path for h in first.search("beta")] == ["b.md"]
    assert listed  # the record changed: the index was looked at again
    first.close()
