"""Bulk scoring gives the documents and scores Whoosh's own searcher gives, for every kind of query."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE_VAULT
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from vaultkit import Vault
from vaultkit.search import syntax as ast
from vaultkit.search.query import _Compiler
from vaultkit.search.scoring import best, score_query, top

QUERIES = [
    "StyleGAN",
    "연구",
    "연구실",
    "회고 작성",
    "diffusion model",
    "diffusion -cuda",
    "-diffusion",
    '"평가 지표"',
    '"StyleGAN-T"',
    "tag:diary",
    "tag:lang/python OR tag:연구",
    "trans*",
    "gamm~",
    "orphan:true",
    "has:unresolved",
    "links-to:Gamma",
    "[status:active]",
    "[status:active] 실험",
    "title:Gamma",
    "file:README",
    "path:research",
    "content:(GPU OR CUDA) -tag:diary",
    "section:(StyleGAN)",
    "line:(연구 실험)",
    "task-todo:회고",
    "(연구 OR model) (GPU OR 서버)",
    "Gamma 감마",
    "nothingmatchesthisword",
    "하하하",
    "실험 기록",
    '"연구 일지"',
    "title:연구실",
    "연구실에서는",
    "s*",
    "stylegan*",
    "title:gam*",
    "diffusio~2",
    "res* -tag:diary",
    '"연구 일지" -"평가 지표"',
    'StyleGAN OR "diffusion model"',
    '연구실 -"연구 일지"',
    '"연구 일지" OR 연구실',
]


@pytest.fixture(scope="module", params=["one segment", "several segments"])
def vault(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    root = tmp_path_factory.mktemp("vault") / "v"
    shutil.copytree(SAMPLE_VAULT, root)
    v = Vault(root, index_dir=tmp_path_factory.mktemp("idx"))
    v.index()
    if request.param == "several segments":  # edits commit small segments, with deletions in the big one
        for i, note in enumerate(sorted(root.rglob("*.md"))[:6]):
            with open(note, "a", encoding="utf-8") as handle:
                handle.write(f"\n추가 {i} diffusion GPU 연구실 [[Gamma]]\n")
            v.index()
        leaves = [reader for reader, _ in v.search_index.searcher().ixreader.leaf_readers()]
        assert len(leaves) > 1
        assert any(reader.has_deletions() for reader in leaves)  # postings read past deleted notes
    yield v
    v.close()


def whoosh_results(searcher: Any, compiled: Any) -> list[tuple[int, float]]:
    return [(hit.docnum, hit.score) for hit in searcher.search(compiled, limit=None)]


def spelled_out(searcher: Any, q: Any) -> Any:
    """``q`` with each prefix, wildcard or fuzzy word written as the OR of the words it stands for.

    That is how vaultkit scores them; Whoosh 2.7.5 itself scores them differently by segment size
    (see ``_Scorer._multiterm``), so the bulk scores are compared with this spelled-out query.
    """

    def spell(node: Any) -> Any:
        if not isinstance(node, wq.MultiTerm):
            return node
        field = node.field()
        words = [w for w in node._btexts(searcher.reader()) if w]
        terms = [wq.Term(field, searcher.schema[field].from_bytes(w) if isinstance(w, bytes) else w) for w in words]
        if len(terms) == 1:
            terms[0].boost = node.boost
            return terms[0]
        return DefaultOr(terms, boost=node.boost) if terms else wq.NullQuery

    return q.accept(spell)


def compiled_query(v: Vault, text: str) -> tuple[Any, Any]:
    from vaultkit.vault import _SearchContext

    searcher = v._searcher()
    q = _Compiler(searcher, _SearchContext(v)).compile(ast.parse_query(text))
    if isinstance(q, wq.Not):
        q = wq.AndNot(wq.Every(), q.query)
    return searcher, q


@pytest.mark.parametrize("text", QUERIES)
def test_bulk_scores_equal_whoosh(vault: Vault, text: str) -> None:
    searcher, q = compiled_query(vault, text)
    expected = whoosh_results(searcher, spelled_out(searcher, q))
    got = top(score_query(searcher, q), None)
    assert {d for d, _ in got} == {d for d, _ in expected}
    mine = dict(got)
    for doc, score in expected:
        assert mine[doc] == pytest.approx(score, rel=1e-9, abs=1e-12), (text, doc)
    # the same order, except between scores equal up to float rounding
    assert [round(s, 9) for _, s in got] == [round(s, 9) for _, s in expected]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Score exactly in batches of 4 x limit, so that the sample vault takes several batches."""
    import vaultkit.search.scoring as scoring

    monkeypatch.setattr(scoring, "FIRST_BATCH", 1)


@pytest.mark.parametrize("limit", [1, 3, 20])
@pytest.mark.parametrize("text", QUERIES)
def test_the_best_few_equal_the_best_of_all(vault: Vault, text: str, limit: int, small_batches: None) -> None:
    """With a limit, phrases are checked only for the notes that can still make the cut: same best notes."""
    searcher, q = compiled_query(vault, text)
    assert best(score_query(searcher, q, limit), limit) == best(score_query(searcher, q), limit)


def test_a_limited_phrase_search_checks_positions_of_fewer_notes(vault: Vault, small_batches: None) -> None:
    searcher, q = compiled_query(vault, "연구실")
    everything = score_query(searcher, q)
    assert len(everything) > 3
    assert len(score_query(searcher, q, 1)) <= len(everything)
    checked: list[int] = []
    import vaultkit.search.scoring as scoring

    real = scoring._decode_positions

    def counting(values: list[bytes]) -> list[list[int]]:
        checked.append(len(values))
        return real(values)

    scoring._decode_positions = counting
    try:
        scoring.score_query(searcher, q)
        all_checked = sum(checked)
        checked.clear()
        scoring.score_query(searcher, q, 1)
    finally:
        scoring._decode_positions = real
    assert sum(checked) < all_checked


def test_queries_really_match_something(vault: Vault) -> None:
    """The table above is not vacuous: most queries find notes."""
    found = sum(bool(vault.search(text, limit=5)) for text in QUERIES)
    assert found >= len(QUERIES) - 3


def test_top_orders_ties_by_document_number() -> None:
    assert top({5: 1.0, 2: 1.0, 9: 3.0, 1: 0.5}, 3) == [(9, 3.0), (2, 1.0), (5, 1.0)]
    assert top({}, 5) == []


def test_lengths_are_read_as_whoosh_reads_them(vault: Vault) -> None:
    from whoosh.util.numeric import byte_to_length

    from vaultkit.search.scoring import _lengths

    searcher = vault._searcher()
    for reader, _ in searcher.ixreader.leaf_readers():
        for field in ("content", "title", "tags"):
            lengths = _lengths(reader, field)
            assert lengths is not None
            assert len(lengths) == reader.doc_count_all()
            for doc in range(reader.doc_count_all()):
                # Whoosh answers None for a field a document does not have
                assert (byte_to_length(lengths[doc]) or None) == reader.doc_field_length(doc, field), (field, doc)


def test_sample_vault_path_exists() -> None:
    assert Path(SAMPLE_VAULT, "Home.md").exists()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=70_000), min_size=1, max_size=1500), max_size=20))
def test_positions_of_many_postings_decode_as_whoosh_decodes_each(position_lists: list[list[int]]) -> None:
    from whoosh.formats import Positions

    from vaultkit.search.scoring import _decode_positions

    fmt = Positions()
    values = [fmt.encode(sorted(set(ps))) for ps in position_lists]
    assert _decode_positions(values) == [fmt.decode_positions(v) for v in values]
    # a value without the pickle's stop byte (Whoosh's decoder accepts it) takes the one-by-one path
    trimmed = [v[:-1] for v in values]
    assert _decode_positions(trimmed) == [fmt.decode_positions(v) for v in trimmed]


def test_paths_of_documents_read_one_by_one_or_from_the_segment_map(vault: Vault) -> None:
    from vaultkit.search.scoring import paths_of

    searcher = vault._searcher()
    live = [doc for doc in range(searcher.doc_count_all()) if not searcher.ixreader.is_deleted(doc)]
    stored = {doc: searcher.stored_fields(doc)["path"] for doc in live}
    few = live[:2]  # fewer than a quarter of the index: read one by one
    assert paths_of(searcher, few) == {doc: stored[doc] for doc in few}
    assert paths_of(searcher, live) == stored  # most of the index: the per-segment maps
    assert paths_of(searcher, few) == {doc: stored[doc] for doc in few}  # maps cached now: used


def test_a_tie_larger_than_the_limit_keeps_the_first_paths(vault: Vault) -> None:
    """Graph filters score every note alike: the hits are the matching notes first by path."""
    every = [hit.path for hit in vault.search("orphan:false", limit=None)]
    assert len(every) > 3
    assert len({hit.score for hit in vault.search("orphan:false", limit=None)}) == 1
    assert [hit.path for hit in vault.search("orphan:false", limit=3)] == sorted(every)[:3]


@pytest.mark.parametrize("deleted", [(5, 77, 250), tuple(range(0, 300, 2))])
def test_postings_leave_out_deleted_documents(tmp_path: Path, deleted: tuple[int, ...]) -> None:
    # a few deletions in a long list are found by bisection, many by a pass over the list: both
    # must give what Whoosh's own matcher gives, posting by posting
    from whoosh import fields, index

    from vaultkit.search.scoring import _postings

    ix = index.create_in(str(tmp_path), fields.Schema(body=fields.TEXT(phrase=True)))
    with ix.writer() as writer:
        for i in range(300):
            writer.add_document(body=f"common word{i} " + "common " * (i % 4))
    with ix.writer() as writer:
        for doc in deleted:
            writer.delete_document(doc)
    with ix.reader() as reader:
        assert reader.has_deletions()
        matcher = reader.postings("body", "common")
        expected: tuple[list[Any], ...] = ([], [], [])
        while matcher.is_active():
            expected[0].append(matcher.id())
            expected[1].append(matcher.weight())
            expected[2].append(matcher.value())
            matcher.next()
        assert len(expected[0]) == 300 - len(deleted)
        assert _postings(reader.postings("body", "common"), values=True) == expected
        assert _postings(reader.postings("body", "common"))[:2] == expected[:2]


@pytest.fixture
def common_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count a word in more than 4 notes as common, so that the sample vault's queries are pruned."""
    import vaultkit.search.scoring as scoring

    monkeypatch.setattr(scoring, "COMMON_WORD", 4)


@pytest.mark.parametrize("limit", [1, 3, 8])
def test_common_words_read_for_candidates_only_keep_the_best(vault: Vault, limit: int, common_words: None) -> None:
    from vaultkit.search.scoring import _Scorer

    fewer = 0
    for text in [
        *QUERIES,
        "diffusion",
        "StyleGAN 연구",
        "연구 OR 회고",
        "title:StyleGAN diffusion",
        "diffusion -gamma",
    ]:
        searcher, q = compiled_query(vault, text)
        everything = score_query(searcher, q)
        found = _Scorer(searcher).pruned(q, limit)
        if found is not None:
            fewer += len(found) < len(everything)
            assert best(found, limit) == best(everything, limit), text
            assert all(found[doc] == everything[doc] for doc in found), text  # the same floats
        assert best(score_query(searcher, q, limit), limit) == best(everything, limit), text
    if limit <= 3:  # (the 33 notes of the sample vault are too few for the best 8 to be found so)
        assert fewer >= 2  # the rule really ran, and really scored fewer notes


def test_postings_of_some_documents_equal_a_filtered_full_read(tmp_path: Path) -> None:
    from whoosh import fields, index

    from vaultkit.search.scoring import _postings, _postings_for

    ix = index.create_in(str(tmp_path), fields.Schema(body=fields.TEXT(phrase=True)))
    with ix.writer() as writer:
        for i in range(700):  # several blocks of 128 postings
            writer.add_document(body=("common " * (1 + i % 3)) + ("rare" if i % 50 == 0 else ""))
    with ix.writer() as writer:
        for doc in (3, 200, 201, 650):
            writer.delete_document(doc)
    with ix.reader() as reader:
        ids, weights, _ = _postings(reader.postings("body", "common"))
        full = dict(zip(ids, weights, strict=True))
        edges = [127, 128, 255, 256, 383, 699]  # the last and first documents of blocks
        for only in ([0], [3], [127], edges, [5, 200, 202], list(range(0, 700, 97)), list(range(700)), []):
            got_ids, got_weights = _postings_for(reader.postings("body", "common"), only)
            assert got_ids == [doc for doc in only if doc in full]
            assert got_weights == [full[doc] for doc in got_ids]


@pytest.mark.parametrize(
    "text", ["orphan:false OR Gamma", "orphan:true OR 연구", "has:unresolved", "tag:diary", "연구", "-diffusion"]
)
def test_a_limited_search_is_the_start_of_the_full_one(vault: Vault, text: str) -> None:
    """Cutting a tie (by path) must keep the notes scored above it and then the first of the tie by path."""
    every = [(hit.path, hit.score) for hit in vault.search(text, limit=None)]
    assert every
    for limit in (1, 2, 3, 5):
        assert [(hit.path, hit.score) for hit in vault.search(text, limit=limit)] == every[:limit], limit


def test_graph_filters_find_notes_by_path_without_whoosh_terms(vault: Vault) -> None:
    from vaultkit.search.scoring import PathSet

    searcher, q = compiled_query(vault, "has:unresolved")
    assert isinstance(q, PathSet)
    known: dict[int, str] = {}
    scores = score_query(searcher, q, 5, known)
    assert q._child is None  # no OR of thousands of path terms was built
    found = whoosh_results(searcher, spelled_out(searcher, q))
    expected = {doc: searcher.stored_fields(doc)["path"] for doc, _ in found}
    assert set(expected.values()) == set(vault.store.unresolved_sources())
    assert scores == dict.fromkeys(expected, 1.0)
    assert known == expected  # the paths come back with the documents: a tie is ordered without reading them
    assert q == PathSet(reversed(sorted(expected.values()))) and hash(q) == hash(PathSet(expected.values()))
    rewrapped = q.accept(lambda node: node)  # what Whoosh's own tree walks make of it: a plain constant score
    assert type(rewrapped) is wq.ConstantScoreQuery and len(rewrapped.child.subqueries) == len(expected)


def test_hit_texts_read_without_the_rest_of_the_notes(vault: Vault) -> None:
    missing = [f"no/such/note {i}.md" for i in range(600)]  # the real notes come in a second batch of paths
    paths = [*missing, *vault.store.file_paths()]
    notes = {path: note for path in paths if (note := vault.store.note(path)) is not None}
    assert notes
    assert vault.store.hit_texts(paths, tags=True) == {p: (n.text, n.tag_occurrences) for p, n in notes.items()}
    assert vault.store.hit_texts(paths) == {p: (n.text, ()) for p, n in notes.items()}
    first = next(iter(notes))
    assert vault.store.hit_texts([first] * 3) == {first: (notes[first].text, ())}
    assert vault.store.hit_texts([]) == {}
    assert any(note.tag_occurrences for note in vault.store.notes())
    # the search context answers the same whether or not a query has read the notes already
    from vaultkit.vault import _SearchContext

    ctx = _SearchContext(vault)
    for path in notes:
        ctx.note(path)
    for tags in (False, True):
        assert ctx.hit_texts(list(notes), tags) == vault.store.hit_texts(paths, tags=tags)


@pytest.mark.parametrize("text", QUERIES)
def test_scores_of_some_documents_equal_those_of_a_full_run(vault: Vault, text: str) -> None:
    """``score_docs`` reads words for a few documents only; their scores are exactly a full run's."""
    from vaultkit.search.scoring import score_docs

    searcher, q = compiled_query(vault, text)
    full = score_query(searcher, q)
    live = [doc for doc in range(searcher.doc_count_all()) if not searcher.ixreader.is_deleted(doc)]
    matching = sorted(full)
    some = matching[::3][:6] + [doc for doc in live if doc not in full][:3]  # matching notes and others
    assert score_docs(searcher, q, some) == {doc: full[doc] for doc in some if doc in full}
    # scores already known are taken as they are
    known = {doc: -1.0 for doc in matching[:1]}
    assert score_docs(searcher, q, matching[:2], known) == {
        **{doc: full[doc] for doc in matching[1:2]},
        **known,
    }


@pytest.mark.parametrize("small", [10**6, 0], ids=["path maps", "term lookups"])
def test_documents_at_paths(vault: Vault, small: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import vaultkit.search.scoring as scoring
    from vaultkit.search.scoring import docs_at

    searcher = vault._searcher()
    monkeypatch.setattr(scoring, "SMALL_SEGMENT", small)
    for leaf, _ in searcher.leaf_searchers():
        if not small:  # no segment's path map: every path is looked up as a term
            monkeypatch.delattr(leaf.reader(), "_vaultkit_paths", raising=False)
    live = [doc for doc in range(searcher.doc_count_all()) if not searcher.ixreader.is_deleted(doc)]
    stored = {doc: searcher.stored_fields(doc)["path"] for doc in live}
    wanted = [*sorted(stored.values())[:4], "no/such/note.md"]
    assert docs_at(searcher, wanted) == {doc: path for doc, path in stored.items() if path in wanted}
    assert docs_at(searcher, []) == {}


def test_segments_with_deletions_are_read_a_block_at_a_time(vault: Vault) -> None:
    """No Whoosh ``FilterMatcher`` (which decodes a block's ids one by one as it is made) for W3 posting blocks."""
    from vaultkit.search.scoring import _Scorer, _WithDeletions

    searcher = vault._searcher()
    scorer = _Scorer(searcher)
    made = set()
    for leaf, _ in scorer.leaves:
        reader = leaf.reader()
        for field, text in reader.all_terms():
            if field == "content" and reader.doc_frequency(field, text) > 1:
                made.add((reader.has_deletions(), type(scorer._matcher(reader, field, text)).__name__))
    if any(reader.has_deletions() for reader, _ in searcher.ixreader.leaf_readers()):
        assert (True, _WithDeletions.__name__) in made
    assert (True, "FilterMatcher") not in made


def _info_fields(info: Any) -> tuple[Any, ...] | None:
    if info is None:
        return None
    return (
        info.weight(),
        info.doc_frequency(),
        info.min_length(),
        info.max_length(),
        info.max_weight(),
        info.min_id(),
        info.max_id(),
        info.is_inlined(),
        info._inlined if info.is_inlined() else info._offset,
    )


def test_term_table_lookups_equal_whoosh(vault: Vault) -> None:
    """Every term of every segment, and terms and fields that are not there, read through the memory map."""
    from whoosh.reading import TermNotFound

    from vaultkit.search.termtable import _table, term_info

    searcher = vault._searcher()
    looked = 0
    for reader, _ in searcher.ixreader.leaf_readers():
        assert _table(reader) is not None  # the map is really used, not Whoosh's lookup
        keys = list(reader.all_terms())
        missing = [(field, text + b"\x00zz") for field, text in keys[::7]] + [
            ("nosuchfield", b"gamma"),
            ("content", b""),
        ]
        for field, text in keys + missing:
            try:
                expected = reader.term_info(field, text)
            except TermNotFound:
                expected = None
            assert _info_fields(term_info(reader, field, text)) == _info_fields(expected), (field, text)
            looked += expected is not None
    assert looked > 1000


def test_term_table_lookups_fall_back_to_whoosh(tmp_path: Path) -> None:
    """A compound segment (older indexes, Whoosh's default writer) and a closed reader are read Whoosh's way."""
    from whoosh import index as whoosh_index
    from whoosh.reading import ReaderClosed
    from whoosh.writing import SegmentWriter

    from vaultkit.search.index import make_schema
    from vaultkit.search.termtable import _table, term_info
    from vaultkit.search.writer import VaultSegmentWriter

    for name, writer_type, mapped in (("compound", SegmentWriter, False), ("separate", VaultSegmentWriter, True)):
        folder = tmp_path / name
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), make_schema(), indexname="notes")
        writer = writer_type(ix, compound=not mapped)
        writer.add_document(path="a.md", pathtext="a.md", content="감마 gamma")
        writer.commit()
        reader = whoosh_index.open_dir(str(folder), indexname="notes").reader()
        assert (_table(reader) is not None) is mapped
        assert term_info(reader, "content", b"gamma").doc_frequency() == 1
        assert term_info(reader, "content", b"delta") is None
        reader.close()
        with pytest.raises(ReaderClosed):  # what Whoosh says of a closed reader, not a stale answer from a map
            term_info(reader, "content", b"gamma")


def test_length_norms_are_kept_per_searcher_with_their_least_values(tmp_path: Path) -> None:
    """BM25's length parts depend on the index's statistics only: worked out once per searcher, new after a refresh."""
    from whoosh.util.numeric import byte_to_length

    from vaultkit.search.scoring import _Scorer

    root = tmp_path / "v"
    shutil.copytree(SAMPLE_VAULT, root)
    v = Vault(root, index_dir=tmp_path / "idx")
    v.index()
    first = _Scorer(v._searcher())
    norms = first._norms("content")
    for code in range(256):
        length = byte_to_length(code)
        assert first._least_norm("content", length) == min(norms[code:])
    assert _Scorer(v._searcher())._norms("content") is norms  # the same searcher: not worked out again
    note = sorted(root.rglob("*.md"))[0]
    note.write_text(note.read_text("utf-8") + "\n" + "긴 문장 long words " * 400, "utf-8")
    v.index()
    again = _Scorer(v._searcher())._norms("content")
    assert again is not norms and again != norms  # a longer note moved the average length
    v.close()


def test_pruning_tries_half_the_threshold_first_then_the_threshold(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first try with more words read in part may fail its bound check; the second try then keeps the best."""
    from vaultkit.search import scoring
    from vaultkit.search.scoring import _Scorer

    monkeypatch.setattr(scoring, "COMMON_WORD", 6)
    tries: list[tuple[str, int, bool]] = []
    real = _Scorer._pruned_at
    runs: dict[str, int] = {}  # words scored whole (not for candidates only)
    real_term = _Scorer._term

    def pruned_at(self: _Scorer, q: Any, limit: int, common: list[Any], rare: list[Any]) -> Any:
        found = real(self, q, limit, common, rare)
        tries.append((text, len(common), found is not None))
        return found

    def term(self: _Scorer, q: Any) -> Any:
        if id(q) not in self.common:
            runs[repr(q)] = runs.get(repr(q), 0) + 1
        return real_term(self, q)

    monkeypatch.setattr(_Scorer, "_pruned_at", pruned_at)
    second_tries = 0
    for text in [*QUERIES, "diffusion", "StyleGAN 연구", "연구 OR 회고", "diffusion -gamma", "GPU 서버 연구"]:
        searcher, q = compiled_query(vault, text)
        everything = score_query(searcher, q)
        for limit in (1, 2, 3):
            tries.clear()
            runs.clear()
            monkeypatch.setitem(scoring._RULES, wq.Term, term)  # the scorer's rule for a word
            found = _Scorer(searcher).pruned(q, limit)
            monkeypatch.setitem(scoring._RULES, wq.Term, real_term)
            if found is not None:
                assert best(found, limit) == best(everything, limit), (text, limit)
                assert all(found[doc] == everything[doc] for doc in found), text
            if len(tries) == 2 and not tries[0][2] and tries[1][2]:
                second_tries += 1
                assert tries[0][1] > tries[1][1]  # the first try read more words in part
                assert runs and all(count == 1 for count in runs.values()), runs  # no word scored whole twice
    assert second_tries >= 1  # the fallback really ran and held
