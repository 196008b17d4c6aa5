"""The fast index writer and precomputed postings give exactly what Whoosh's stock writer gives.

Everything a query can read is compared: every term of every field with its statistics and its
postings (documents, weights, encoded positions), field lengths per document and in total, stored
fields and the mtime column.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser
from whoosh.writing import SegmentWriter

from vaultkit.parse import parse_note
from vaultkit.search.index import make_schema, note_document
from vaultkit.search.postings import document_postings, fast_fields, positions_postings
from vaultkit.search.writer import POSTING_BLOCK, VaultSegmentWriter

SAMPLE = Path(__file__).resolve().parents[1] / "sample_vault"


def sample_documents() -> list[dict[str, Any]]:
    docs = []
    for i, path in enumerate(sorted(SAMPLE.rglob("*.md"))):
        rel = path.relative_to(SAMPLE).as_posix()
        docs.append(note_document(parse_note(path.read_text("utf-8"), rel), 1_700_000_000_000_000_000 + i))
    return docs


def build(folder: Path, batches: list[list[dict[str, Any]]], writer: Any, **kwargs: Any) -> Any:
    """An index at ``folder`` with one commit per batch (update_document, as refreshes do)."""
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), make_schema(), indexname="notes")
    for batch in batches:
        w = writer(ix, **kwargs)
        for doc in batch:
            w.update_document(**doc)
        w.commit()
    return whoosh_index.open_dir(str(folder), indexname="notes")


def contents(ix: Any) -> dict[str, Any]:
    """Everything a query can read from the index, keyed by document path (not docnum)."""
    out: dict[str, Any] = {}
    with ix.reader() as r:
        live = [d for d in range(r.doc_count_all()) if not r.is_deleted(d)]
        path_of = {d: r.stored_fields(d)["path"] for d in live}
        out["stored"] = sorted(tuple(sorted(r.stored_fields(d).items())) for d in live)
        names = [name for name, field in ix.schema.items() if field.indexed]
        out["total_lengths"] = {f: r.field_length(f) for f in names}
        out["doc_lengths"] = {(path_of[d], f): r.doc_field_length(d, f) or 0 for d in live for f in names}
        terms = {}
        for field, term in r.all_terms():
            postings = []
            m = r.postings(field, term)
            while m.is_active():
                if m.id() in path_of:
                    postings.append((path_of[m.id()], m.weight(), m.value()))
                m.next()
            if postings:
                terms[(field, term)] = sorted(postings)
        out["terms"] = terms
    return out


def term_stats(ix: Any) -> dict[tuple[str, bytes], tuple[Any, ...]]:
    out = {}
    with ix.reader() as r:
        for key in r.all_terms():
            i = r.term_info(*key)
            out[key] = (
                i.weight(),
                i.doc_frequency(),
                i.min_length(),
                i.max_length(),
                i.max_weight(),
                i.min_id(),
                i.max_id(),
            )
    return out


def test_fast_fields_are_the_analysed_text_keyword_and_id_fields() -> None:
    fields = fast_fields(make_schema())
    text = {"content", "title", "headings", "aliases", "filename", "pathtext", "properties", "targets"}
    assert set(fields) == text | {"path", "tags", "props", "has"}  # not mtime (stored only) nor lemmas (Kiwi)
    assert {name: fields[name].func.__name__ for name in ("content", "tags", "has", "path")} == {
        "content": "positions_postings",
        "tags": "keyword_postings",
        "has": "keyword_postings",
        "path": "id_postings",
    }


def test_fields_set_up_otherwise_go_through_whoosh() -> None:
    """Only the analyzers this module knows are split here: any other keyword or id field is left to Whoosh."""
    from whoosh.analysis import KeywordAnalyzer, RegexTokenizer
    from whoosh.fields import ID, KEYWORD, Schema

    schema = Schema(
        spaces=KEYWORD(lowercase=True),  # split on whitespace, not commas
        lowered_id=ID(analyzer=KeywordAnalyzer(lowercase=True)),
        own=KEYWORD(analyzer=RegexTokenizer(r"[^;]+")),
        commas=KEYWORD(commas=True),
    )
    assert set(fast_fields(schema)) == {"commas"}


_KEYWORD_TEXT = st.text(alphabet=st.sampled_from(list("aB ,,연구 Tag/Sub é\u0301\n\t=ǅ")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_KEYWORD_TEXT)
def test_keyword_and_id_postings_equal_whoosh(text: str) -> None:
    schema = make_schema()
    fields = fast_fields(schema)
    for name in ("tags", "props", "has", "path"):  # lowercased or not, scorable or not, boosted or not; an id
        assert sorted(fields[name](text)) == sorted(schema[name].index(text)), name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab 연구실 PyTorch설치 ＡＢ é\u0301 .,-_\n漢字カナ")), max_size=80))
def test_positions_postings_equal_whoosh(text: str) -> None:
    field = make_schema()["title"]
    expected = sorted(field.index(text))
    assert sorted(positions_postings(text, field.format.field_boost)) == expected


def test_document_postings_equal_whoosh_for_sample_notes() -> None:
    schema = make_schema()
    fields = fast_fields(schema)
    for doc in sample_documents():
        computed = document_postings(schema, doc, fields)
        for name in fields:
            assert sorted(computed[name]) == sorted(schema[name].index(doc[name])), (doc["path"], name)


@pytest.mark.parametrize("max_postings", [4_000_000, 300])
def test_writer_builds_the_same_index_as_whoosh(tmp_path: Path, max_postings: int) -> None:
    docs = sample_documents()
    batches = [docs]
    stock = build(tmp_path / "stock", batches, SegmentWriter)
    fast = build(tmp_path / "fast", batches, VaultSegmentWriter, max_postings=max_postings)
    if max_postings == 300:
        assert len(fast._segments()) > 3  # the pool limit really cut the build into segments
    # every segment, rolled ones included, is separate files: Whoosh copies a compound segment's
    # files into memory on each reader open (1 GB at 100,000 notes)
    assert not [seg for seg in fast._segments() if seg.is_compound()]
    assert not list((tmp_path / "fast").glob("*.seg"))
    assert contents(fast) == contents(stock)
    assert term_stats(fast) == term_stats(stock)


def test_incremental_commits_and_merges_equal_whoosh(tmp_path: Path) -> None:
    docs = sample_documents()
    edited = [{**d, "content": d["content"] + "\n추가된 문장 appended words"} for d in docs[::3]]
    # several small commits: Whoosh's merge policy folds older segments into the new one
    batches = [docs[:10], docs[10:20], docs[20:], edited, edited[:2]]
    stock = build(tmp_path / "stock", batches, SegmentWriter)
    fast = build(tmp_path / "fast", batches, VaultSegmentWriter)
    assert contents(fast) == contents(stock)


def test_a_segment_whose_notes_are_all_deleted_is_dropped(tmp_path: Path) -> None:
    """Saving one note again and again leaves one segment for it, not one per save (queries visit each)."""
    docs = sample_documents()
    saves = [[{**docs[0], "content": f"save {k} 저장 {k}"}] for k in range(4)]
    batches = [docs, *saves]
    stock = build(tmp_path / "stock", batches, SegmentWriter)
    fast = build(tmp_path / "fast", batches, VaultSegmentWriter)
    assert [s.doc_count() for s in stock._segments()] == [len(docs) - 1, 0, 0, 0, 1]  # Whoosh keeps them
    assert [(s.doc_count_all(), s.doc_count()) for s in fast._segments()] == [(len(docs), len(docs) - 1), (1, 1)]
    kept = {s.segment_id() for s in fast._segments()}
    on_disk = {f.name.split(".")[0] for f in (tmp_path / "fast").iterdir() if f.name.startswith("notes_")}
    assert on_disk - {"notes_WRITELOCK"} == kept  # the dropped segments' files are gone too
    fast_contents, stock_contents = contents(fast), contents(stock)
    # Whoosh's field totals count deleted notes until their segment goes: fewer of them are left here
    assert fast_contents.pop("total_lengths")["content"] < stock_contents.pop("total_lengths")["content"]
    assert fast_contents == stock_contents
    with fast.searcher() as s:
        assert [hit["path"] for hit in s.search(QueryParser("content", fast.schema).parse("save"))] == [docs[0]["path"]]
    # a refresh that deletes the last note of a segment drops it even when it adds nothing
    w = VaultSegmentWriter(fast)
    w.delete_by_term("path", docs[0]["path"])
    w.commit()
    fast = whoosh_index.open_dir(str(tmp_path / "fast"), indexname="notes")
    assert [s.doc_count() for s in fast._segments()] == [len(docs) - 1]


def test_precomputed_postings_are_used(tmp_path: Path) -> None:
    schema = make_schema()
    doc = sample_documents()[0]
    pre = document_postings(schema, doc, fast_fields(schema))
    pre["content"] = [(b"planted", 1, 1.0, pre["content"][0][3])]
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema, indexname="notes")
    w = VaultSegmentWriter(ix)
    w.add_document(**doc, _postings=pre)
    w.commit()
    with whoosh_index.open_dir(str(folder), indexname="notes").reader() as r:
        assert [t for f, t in r.all_terms() if f == "content"] == [b"planted"]


def test_a_failing_value_adds_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema(), indexname="notes")
    w = VaultSegmentWriter(ix)
    good = sample_documents()[0]
    with pytest.raises(ValueError):
        w.add_document(**{**good, "path": "bad.md", "tags": 42})  # a KEYWORD value must be text
    w.add_document(**good)
    w.commit()
    with whoosh_index.open_dir(str(folder), indexname="notes").searcher() as s:
        assert s.doc_count() == 1
        assert [d["path"] for d in s.documents()] == [good["path"]]


def _many_notes(root: Path, count: int) -> Path:
    for i in range(count):
        folder = root / f"f{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        body = f"# 노트 {i}\n\n연구실 {i % 13} diffusion model [[노트 {(i * 7) % count}]] #tag{i % 5}\n"
        (folder / f"노트 {i}.md").write_text(f"---\nstatus: s{i % 3}\n---\n{body}" + "문장 " * (i % 17), "utf-8")
    return root


def test_parse_workers_build_the_same_index_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the parallel threshold each parse worker writes its own segments; the index is the same."""
    import vaultkit.indexer as indexer
    from vaultkit import Vault

    count = indexer._PARALLEL_MIN + 50
    root = _many_notes(tmp_path / "vault", count)
    monkeypatch.setattr(indexer, "_WINDOW", 37)  # jobs go to the workers in several windows
    with Vault(root, index_dir=tmp_path / "parallel") as vault:
        vault.index()
        parallel_ix = vault.search_index.open()
        assert len(parallel_ix._segments()) >= 2  # the workers' segments
        parallel = contents(parallel_ix)
        hits = [h.path for h in vault.search("연구실 diffusion", limit=None)]
    monkeypatch.setattr(indexer, "_PARALLEL_MIN", 10**9)
    with Vault(root, index_dir=tmp_path / "serial") as vault:
        vault.index()
        serial_ix = vault.search_index.open()
        assert len(serial_ix._segments()) == 1
        assert contents(serial_ix) == parallel
        assert [h.path for h in vault.search("연구실 diffusion", limit=None)] == hits
    assert len(hits) == count


def test_long_posting_lists_equal_whoosh(tmp_path: Path) -> None:
    """Terms in more than one 128-posting block (block statistics, last-block marker) as Whoosh writes them."""
    docs = [{**d, "path": f"copy{i}/{d['path']}"} for i in range(6) for d in sample_documents()]
    stock = build(tmp_path / "stock", [docs], SegmentWriter)
    fast = build(tmp_path / "fast", [docs], VaultSegmentWriter)
    with fast.reader() as r:
        assert max(r.doc_frequency(f, t) for f, t in r.all_terms()) > 128
    assert contents(fast) == contents(stock)
    assert term_stats(fast) == term_stats(stock)
    with fast.reader() as r, stock.reader() as rs:  # the same postings, in fewer and longer blocks
        field, text = max(r.all_terms(), key=lambda term: r.doc_frequency(*term))
        count = r.doc_frequency(field, text)
        assert count > 128
        assert r.postings(field, text)._blocklength == min(count, POSTING_BLOCK)
        assert rs.postings(field, text)._blocklength == 128
    with fast.searcher() as fs, stock.searcher() as ss:  # block-quality skipping reads the block infos
        from whoosh.query import Term

        q = Term("has", "links")
        assert [(h.docnum, h.score) for h in fs.search(q, limit=5)] == [
            (h.docnum, h.score) for h in ss.search(q, limit=5)
        ]


def test_merging_older_segments_equals_whoosh(tmp_path: Path) -> None:
    """Merges feed older segments' postings through the pool's ``add`` (deletions included)."""
    docs = sample_documents()
    edited = [{**d, "content": d["content"] + "\n합쳐진 merged words"} for d in docs[::4]]
    batches = [docs[:10], docs[10:20], docs[20:], edited]
    stock = build(tmp_path / "stock", batches, SegmentWriter)
    fast = build(tmp_path / "fast", batches, VaultSegmentWriter)
    assert len(fast._segments()) >= 3
    for ix, writer in ((stock, SegmentWriter), (fast, VaultSegmentWriter)):
        w = writer(ix)
        w.commit(optimize=True)
    stock, fast = (whoosh_index.open_dir(str(tmp_path / n), indexname="notes") for n in ("stock", "fast"))
    assert len(fast._segments()) == 1
    assert contents(fast) == contents(stock)


def test_merges_read_segments_a_term_list_at_a_time_and_equal_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge of segments with long (multi-block) lists, inlined single postings and deleted notes."""
    docs = [{**d, "path": f"copy{i}/{d['path']}"} for i in range(4) for d in sample_documents()]
    edited = [{**d, "content": d["content"] + "\n고친 문장 edited words"} for d in docs[::5]]
    batches = [docs[: len(docs) // 2], docs[len(docs) // 2 :], edited, edited[:3]]
    stock = build(tmp_path / "stock", batches, SegmentWriter)
    fast = build(tmp_path / "fast", batches, VaultSegmentWriter)
    with fast.reader() as r:
        assert max(r.doc_frequency(f, t) for f, t in r.all_terms()) > 128
        assert r.has_deletions()

    def stock_path(*args: Any) -> None:
        raise AssertionError("a W3 segment went through Whoosh's posting-at-a-time merge")

    w = SegmentWriter(stock)
    w.commit(optimize=True)
    monkeypatch.setattr(SegmentWriter, "add_postings_to_pool", stock_path)
    w = VaultSegmentWriter(fast)
    w.commit(optimize=True)
    stock, fast = (whoosh_index.open_dir(str(tmp_path / n), indexname="notes") for n in ("stock", "fast"))
    assert len(fast._segments()) == 1
    assert contents(fast) == contents(stock)
    assert term_stats(fast) == term_stats(stock)


def test_blocks_are_pickled_with_bytes_opcodes_and_single_postings_inlined(tmp_path: Path) -> None:
    # Whoosh pickles block data with protocol 2, where every posting's value is rebuilt by a
    # function call when the block is read; the writer uses protocol 4 (same data, read by the same
    # pickle.loads), which makes reading a block several times cheaper
    import zlib

    from vaultkit.search.writer import _ARRAY_MIN, BLOCK_PICKLE_PROTOCOL

    assert BLOCK_PICKLE_PROTOCOL >= 3
    docs = sample_documents()
    many = [{**docs[0], "path": f"many/{i}.md", "content": f"common 흔한 {i % 7} " * (1 + i % 3)} for i in range(300)]
    ix = build(tmp_path / "fast", [docs + many], VaultSegmentWriter)
    protocols = set()
    kinds: set[tuple[bool, str, str]] = set()
    inlined = 0
    with ix.reader() as r:
        for field, term in r.all_terms():
            info = r.term_info(field, term)
            # a term in one note keeps its posting in the term table (W3 allows it; Whoosh never does it)
            assert info.is_inlined() == (info.doc_frequency() == 1), (field, term)
            if info.is_inlined():
                inlined += 1
                continue
            m = r.postings(field, term)
            while m.is_active():
                raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                data = zlib.decompress(raw) if m._compression else raw
                protocols.add(data[1])  # b"\x80" then the protocol number
                ids, weights, _ = pickle.loads(data)
                # a long block's numbers as arrays (one copy when read), not tuples (an opcode per number)
                kinds.add((len(ids) >= _ARRAY_MIN, type(ids).__name__, type(weights).__name__))
                m._next_block()
    assert protocols == {BLOCK_PICKLE_PROTOCOL}
    assert {(long, ids) for long, ids, _ in kinds} == {(True, "array"), (False, "tuple")}
    assert {weights for long, _, weights in kinds if long} <= {"array", "float", "NoneType"}
    assert {weights for long, _, weights in kinds if not long} <= {"tuple", "float", "NoneType"}
    assert inlined > 100


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.binary(min_size=1, max_size=12), st.binary(max_size=20), max_size=300))
def test_term_table_entries_are_written_as_whoosh_writes_them(entries: dict[bytes, bytes]) -> None:
    """``add_entry`` writes the same table file as Whoosh's ``OrderedHashWriter.add``, byte for byte."""
    import io

    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    from vaultkit.search.termtable import add_entry

    files = []
    for add in (OrderedHashWriter.add, add_entry):
        buffer = io.BytesIO()
        table = OrderedHashWriter(StructFile(buffer))
        for key in sorted(entries):
            add(table, key, entries[key])
        table.dbfile.close = lambda: None  # keep the buffer readable
        table.close()
        files.append(buffer.getvalue())
    assert files[0] == files[1]
    table = OrderedHashWriter(StructFile(io.BytesIO()))
    add_entry(table, b"b", b"")
    with pytest.raises(ValueError, match="increase"):  # as Whoosh: a table is written in key order
        add_entry(table, b"a", b"")
