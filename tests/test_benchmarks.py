"""The benchmark harness runs end to end on a tiny vault, so it cannot rot."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from benchmarks.generate import generate_vault
from benchmarks.run import QUERIES, ROWS, run


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


def test_uniform_words_give_the_vaults_of_earlier_runs(tmp_path: Path) -> None:
    # figures of earlier sessions were measured on these vaults: "uniform" must stay byte for byte
    # what the generator wrote before words followed Zipf's law (digest taken from that generator)
    paths = generate_vault(tmp_path, 40, seed=3, words="uniform")
    digest = hashlib.sha256()
    for rel in paths:
        digest.update(rel.encode())
        digest.update((tmp_path / rel).read_bytes())
    assert digest.hexdigest() == "c40b8117477952f580cca770b16ea18c5698df05b88473fd359247265cc06a15"
    with pytest.raises(ValueError, match="zipf"):
        generate_vault(tmp_path / "x", 1, words="normal")


def _note_words(root: Path, paths: list[str]) -> list[set[str]]:
    return [set(re.findall(r"\w+", (root / rel).read_text("utf-8").lower())) for rel in paths]


def test_words_are_as_frequent_as_in_real_notes(tmp_path: Path) -> None:
    """Zipf's law: function words in most notes, a named content word in some, a long tail of rare words."""
    zipf = _note_words(tmp_path / "z", generate_vault(tmp_path / "z", 300, seed=5))
    uniform = _note_words(tmp_path / "u", generate_vault(tmp_path / "u", 300, seed=5, words="uniform"))

    def share(notes: list[set[str]], word: str) -> float:
        return sum(word in words for words in notes) / len(notes)

    assert share(zipf, "the") > 0.5 and share(zipf, "그리고") > 0.5  # function words, English and Korean
    assert 0.05 < share(zipf, "model") < 0.5 < share(uniform, "model")  # the most frequent content word
    assert share(zipf, "cuda") < share(zipf, "model")  # rank order of the named words is kept
    vocabulary = set().union(*zipf)
    assert len(vocabulary) > 5 * len(set().union(*uniform))
    rare = [w for w in vocabulary if sum(w in words for words in zipf) == 1]
    assert len(rare) > len(vocabulary) / 3  # the long tail: many words in one note only


@pytest.mark.slow
def test_harness_runs_on_a_tiny_vault(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    results = run([30], [], repeats=1, out=out, peers=True, uniform=[20])
    result, uniform = results
    assert (result.name, result.notes, uniform.name, uniform.notes) == (
        "synthetic 30",
        30,
        "synthetic 20, uniform words",
        20,
    )
    assert uniform.figures["query_p50_ms"] is not None
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
        "machine_before_ms",
        "machine_after_ms",
    ):
        assert result.figures[key] is not None, key
    assert result.figures["korean_recall_vaultkit"] == 1.0
    report = out.read_text("utf-8")
    assert "Machine:" in report and "python -m benchmarks" in report
    for _, label, _ in ROWS:
        assert label in report
    assert set(result.figures["query_ms"]) == set(QUERIES)
    for query in QUERIES:  # a row of latencies per query
        assert f"| `{query}` | {result.figures['query_ms'][query]:.1f} |" in report


def test_cold_runs_take_turns_with_the_peer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # vaultkit and obsidiantools alternate, so that a slow spell of the machine weighs on both;
    # a peer run that times out stops the peer's runs and leaves a lower bound
    import subprocess

    import benchmarks.run as harness

    calls: list[str] = []

    def fake_run_json(code: str, *args: str, **kwargs: object) -> dict[str, object]:
        if code is harness._COLD:
            calls.append("vaultkit")
            return {"seconds": 1.0 + len(calls), "rss_mb": 10.0, "errors": 0}
        calls.append("obsidiantools")
        if len(calls) == 3 and timeout_second:
            raise subprocess.TimeoutExpired("python", 1.0)
        return {"seconds": 10.0 * len(calls)}

    monkeypatch.setattr(harness, "_run_json", fake_run_json)
    monkeypatch.setattr(harness, "_has_obsidiantools", lambda: True)
    monkeypatch.setattr(harness, "_dir_size", lambda path: 0)
    for timeout_second in (False, True):
        calls.clear()
        result = harness.Result("v", 1, 0.1)
        harness.measure_cold(tmp_path, tmp_path, 3, result, peers=True)
        if not timeout_second:
            assert calls == ["obsidiantools", "vaultkit"] * 3  # vaultkit last: its index is fresh
            assert result.figures["cold_index_s"] == 5.0  # median of 3, 5, 7
            assert result.figures["obsidiantools_s"] == 30.0  # median of 10, 30, 50
        else:
            assert calls == ["obsidiantools", "vaultkit", "obsidiantools", "vaultkit", "vaultkit"]
            assert result.figures["obsidiantools_timeout"] is True
            assert result.figures["obsidiantools_s"] == harness.OTOOLS_TIMEOUT
