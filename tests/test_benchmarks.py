"""The benchmark harness runs end to end on a tiny vault, so it cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import generate_vault
from benchmarks.run import ROWS, run


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a = generate_vault(tmp_path / "a", 40, seed=3)
    b = generate_vault(tmp_path / "b", 40, seed=3)
    assert a == b
    for rel in a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    text = "".join((tmp_path / "a" / rel).read_text("utf-8") for rel in a)
    for needle in ("[[", "![[", "](", "#", "- [", "```", "---", "%%", "> [!note]", "^blk"):
        assert needle in text
    assert any(ord(ch) >= 0xAC00 for ch in text)  # Korean text


@pytest.mark.slow
def test_harness_runs_on_a_tiny_vault(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    results = run([30], [], repeats=1, out=out, peers=True)
    (result,) = results
    for key in (
        "cold_index_s",
        "noop_refresh_s",
        "refresh_1_edit_s",
        "query_p50_ms",
        "cli_search_s",
        "peak_rss_mb",
        "index_mb",
        "fts5_build_s",
        "korean_recall_vaultkit",
        "korean_recall_fts5",
    ):
        assert result.figures[key] is not None, key
    assert result.figures["korean_recall_vaultkit"] == 1.0
    report = out.read_text("utf-8")
    assert "Machine:" in report and "python -m benchmarks" in report
    for _, label, _ in ROWS:
        assert label in report
