"""What a fresh process does, and does not do, before it answers.

A query from a fresh process must not import what it does not use (Whoosh for graph commands),
must not re-check an unchanged SQLite database, and must notice when that database was changed
behind its back.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE_VAULT

from vaultkit import Vault
from vaultkit.store import Store


def run_python(code: str) -> Any:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    index = tmp_path / "idx"
    with Vault(SAMPLE_VAULT, index_dir=index) as vault:
        vault.index()
    return index


def test_graph_queries_and_noop_refresh_do_not_import_whoosh(indexed: Path) -> None:
    code = f"""
import json, sys
from vaultkit import Vault
v = Vault({str(SAMPLE_VAULT)!r}, index_dir={str(indexed)!r})
report = v.index()
links = v.backlinks("Gamma")
print(json.dumps([len(report.added) + len(report.updated), len(links), "whoosh" in sys.modules]))
"""
    changed, links, whoosh_loaded = run_python(code)
    assert changed == 0 and links > 0
    assert whoosh_loaded is False


def test_cli_backlinks_does_not_import_whoosh(indexed: Path) -> None:
    code = f"""
import json, sys
from vaultkit.cli import main
try:
    main(["--vault", {str(SAMPLE_VAULT)!r}, "--index-dir", {str(indexed)!r}, "backlinks", "Gamma"])
except SystemExit:
    pass
print(json.dumps("whoosh" in sys.modules))
"""
    assert run_python(code) is False


def test_search_still_works_after_a_noop_refresh(indexed: Path) -> None:
    with Vault(SAMPLE_VAULT, index_dir=indexed) as vault:
        vault.index()
        assert vault.search("StyleGAN")


def _quick_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = connect(*args, **kwargs)
        db.set_trace_callback(lambda sql: seen.append(sql) if "quick_check" in sql else None)
        return db

    monkeypatch.setattr(sqlite3, "connect", traced)
    return seen


def test_unchanged_store_is_not_checked_again(indexed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = _quick_checks(monkeypatch)
    Store(indexed).close()
    assert checks == []


def test_store_changed_by_someone_else_is_checked_and_damage_found(
    indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = indexed / Store.FILENAME
    size = db.stat().st_size
    with open(db, "r+b") as handle:  # damage pages in the middle of the file (not the header)
        handle.seek(size // 2)
        handle.write(os.urandom(8192))
    checks = _quick_checks(monkeypatch)
    try:
        store = Store(indexed)
    except sqlite3.DatabaseError:  # what Store raises on garbage; the Vault reports it and rebuilds
        problem: str | None = "damaged"
    else:
        problem = store.problem
        store.close()
    assert checks, "a database modified by someone else must be checked again"
    assert problem is not None and "damaged" in problem


def test_a_query_after_our_own_commit_skips_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    index = tmp_path / "idx"
    with Vault(root, index_dir=index) as vault:
        vault.index()
        with open(root / "Home.md", "a", encoding="utf-8") as handle:
            handle.write("\nOne more line about [[Gamma]].\n")
        assert vault.index().updated == ("Home.md",)  # a commit of our own
    checks = _quick_checks(monkeypatch)
    with Vault(root, index_dir=index) as vault:
        assert "Home.md" in {row.source for row in vault.backlinks("Gamma")}
    assert checks == []


def test_link_pages_cover_every_link_once(indexed: Path) -> None:
    """A full resolution walks the links a page at a time; small pages must still see each link once."""
    store = Store(indexed)
    try:
        every = sorted(store.db.execute("SELECT source, seq, target FROM links"))
        paged = [row for page in store.link_target_pages(size=7) for row in page]
        assert len(every) > 7 and sorted(paged) == every and len(paged) == len(set(paged))
        sources = [row[0] for row in every]
        subpaths = [row for page in store.all_subpath_links(size=2) for row in page]
        assert subpaths and sorted(subpaths) == sorted(store.subpath_links(sources))
    finally:
        store.close()


def test_cli_runs_with_fewer_collections_and_restores_the_setting(indexed: Path) -> None:
    """``main`` raises the garbage collector's threshold while a command runs, then puts it back."""
    code = f"""
import gc, json, sys
import vaultkit.cli as cli
seen = []
before = gc.get_threshold()
original = cli._main
cli._main = lambda argv: (seen.append(gc.get_threshold()), original(argv))
try:
    cli.main(["--vault", {str(SAMPLE_VAULT)!r}, "--index-dir", {str(indexed)!r}, "backlinks", "Gamma"])
except SystemExit:
    pass
print(json.dumps([list(before), [list(t) for t in seen], list(gc.get_threshold()), list(cli.CLI_GC_THRESHOLD)]))
"""
    before, seen, after, wanted = run_python(code)
    assert seen == [wanted] and wanted[0] > before[0]
    assert after == before


def test_parse_workers_run_with_fewer_collections(tmp_path: Path) -> None:
    """Parse workers (our own processes) use the worker threshold; the indexing process keeps its own."""
    import gc

    from vaultkit import indexer

    if not indexer._can_fork():
        pytest.skip("parse workers need fork")
    jobs: list[Any] = [("", f"n{i}.md", None, False, 0) for i in range(indexer._PARALLEL_MIN)]
    before = gc.get_threshold()
    for fresh in (None, "fresh"):
        search = None
        if fresh:
            from vaultkit.search.index import SearchIndex

            search = SearchIndex(tmp_path / "search")
            writer = search.begin_fresh()
        with indexer._Loader(jobs, search) as loader:
            assert loader._pool is not None
            thresholds = loader._pool.map(_threshold, range(4))
        if fresh:
            writer.cancel()
        assert {tuple(t) for t in thresholds} == {indexer.WORKER_GC_THRESHOLD}
    assert gc.get_threshold() == before


def _threshold(_: int) -> tuple[int, int, int]:
    import gc

    return gc.get_threshold()
