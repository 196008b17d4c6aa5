"""The benchmark harness: vaultkit side by side with obsidiantools and SQLite FTS5, in one run.

``python -m benchmarks`` generates synthetic vaults (1k and 10k notes by default; ``--sizes``; and
with ``--uniform``, vaults of the earlier generator whose ~100 words are each in nearly every note),
copies the real vaults in ``../shared/vaults`` when present (never touching the originals), and
measures, each as the median of several runs:

- cold full index (parse + graph + Whoosh) in a fresh process, and its peak RSS (with workers),
  taking turns with obsidiantools' load of the same vault;
- no-op refresh, and refresh after editing 1 and 100 notes;
- in-process query latency p50/p95 over a fixed query set;
- wall time of ``vaultkit search``, ``backlinks`` and ``note`` from a fresh process;
- index size on disk;
- obsidiantools ``Vault(path).connect().gather()`` (graph only) on the same vault;
- SQLite FTS5 (standard library): build time, p50 query, and its recall on Korean words, next to
  vaultkit's recall on the same words.

It prints a table and writes ``docs/benchmarks.md``. Ratios are what we quote.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .generate import generate_vault

QUERIES = (
    "model",
    "연구",
    "연구실",
    "학습 결과",
    '"sampling noise"',
    "tag:lang/python",
    "tag:연구",
    "diffusion -cuda",
    "orphan:true",
    "has:unresolved",
    "trans*",
    "[status:active] 실험",
)
OTOOLS_TIMEOUT = 900.0
"""Seconds after which an obsidiantools run is stopped; the figure is then a lower bound."""
KOREAN_WORDS = ("연구", "실험", "모델", "학습", "데이터", "논문", "서버", "검색")
ENGLISH_WORDS = ("model", "training", "diffusion", "search", "python", "latency")


@dataclass
class Result:
    """Every figure measured on one vault."""

    name: str
    notes: int = 0
    megabytes: float = 0.0
    figures: dict[str, Any] = field(default_factory=dict)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _python() -> str:
    return sys.executable


def _run_json(code: str, *args: str, env: dict[str, str] | None = None, timeout: float | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [_python(), "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env or os.environ.copy(),
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


_COLD = """
import json, resource, sys, time
from vaultkit import Vault
t = time.perf_counter()
report = Vault(sys.argv[1], sys.argv[2]).index()
seconds = time.perf_counter() - t
# VmHWM, not RUSAGE_SELF: ru_maxrss survives exec and would count the forking harness's own memory
with open("/proc/self/status") as handle:
    hwm = int(next(line.split()[1] for line in handle if line.startswith("VmHWM:")))
rss = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)  # children: the parse workers
print(json.dumps({"seconds": seconds, "rss_mb": rss / 1024, "notes": len(report.added), "errors": len(report.errors)}))
"""

_OTOOLS = """
import json, sys, time
from pathlib import Path
t = time.perf_counter()
import obsidiantools.api as otools
vault = otools.Vault(Path(sys.argv[1])).connect().gather()
print(json.dumps({"seconds": time.perf_counter() - t, "notes": len(vault.md_file_index)}))
"""


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _note_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        out.extend(Path(dirpath) / f for f in filenames if f.lower().endswith(".md"))
    return sorted(out)


def measure_cold(vault_dir: Path, work: Path, repeats: int, result: Result, peers: bool) -> None:
    """vaultkit's cold index and obsidiantools' graph-only load, each in a fresh process, taking turns.

    The runs alternate (obsidiantools, vaultkit, obsidiantools, ...) so that a slower spell of the
    machine, which can last minutes, weighs on both sides of the ratio rather than on one. vaultkit
    goes last, so the refresh and query measures that follow find its index as a cold build left it
    (this machine reclaims file pages that have not been read for a while: after obsidiantools'
    two and a half minutes, the index is partly back on disk and one-note refreshes read it).
    """
    otools = peers and _has_obsidiantools()
    if not otools:
        result.figures["obsidiantools_s"] = None
    colds: list[float] = []
    rss: list[float] = []
    runs: list[float] = []
    index_dir = work / "index"
    for _ in range(repeats):
        if otools:
            otools = _obsidiantools_once(vault_dir, runs, result)
        shutil.rmtree(index_dir, ignore_errors=True)
        data = _run_json(_COLD, str(vault_dir), str(index_dir))
        colds.append(data["seconds"])
        rss.append(data["rss_mb"])
        result.figures["index_errors"] = data["errors"]
    result.figures["cold_index_s"] = _median(colds)
    result.figures["cold_index_runs"] = len(colds)
    result.figures["peak_rss_mb"] = max(rss)
    result.figures["index_mb"] = _dir_size(index_dir) / 1e6
    if peers and "obsidiantools_s" not in result.figures:
        result.figures["obsidiantools_s"] = _median(runs) if runs else None


def machine_check() -> float:
    """Milliseconds a fixed pure-Python loop takes now (median of 5): shows a slow spell of the machine."""
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        counts: dict[int, int] = {}
        for i in range(200_000):
            counts[i % 1000] = counts.get(i % 1000, 0) + i
        runs.append(time.perf_counter() - t)
    return _median(runs) * 1000


def measure_vaultkit(vault_dir: Path, work: Path, repeats: int, result: Result) -> None:
    """Refreshes, query latency and CLI wall time of vaultkit, on the index :func:`measure_cold` built."""
    result.figures["machine_before_ms"] = machine_check()
    try:
        _measure_vaultkit(vault_dir, work, repeats, result)
    finally:
        result.figures["machine_after_ms"] = machine_check()


def _measure_vaultkit(vault_dir: Path, work: Path, repeats: int, result: Result) -> None:
    from vaultkit import Vault

    index_dir = work / "index"

    vault = Vault(vault_dir, index_dir)
    vault.index()
    noop = []
    for _ in range(max(repeats, 5)):
        t = time.perf_counter()
        vault.index()
        noop.append(time.perf_counter() - t)
    result.figures["noop_refresh_s"] = _median(noop)

    notes = _note_files(vault_dir)
    for count, key in ((1, "refresh_1_edit_s"), (100, "refresh_100_edits_s")):
        runs = []
        # one edit is cheap and its runs vary (the first after opening, a segment merge every ~10
        # commits): at least 9 of them, so that the median is not decided by one merge
        for r in range(max(repeats, 9) if count == 1 else repeats):
            edited = [notes[(r * 7) % len(notes)]] if count == 1 and notes else notes[:count]
            for k, path in enumerate(edited):
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(f"\nedited {r} {k} 편집 [[README]] #bench\n")
            t = time.perf_counter()
            report = vault.index()
            runs.append(time.perf_counter() - t)
            assert len(report.updated) == min(count, len(notes)), report
        result.figures[key] = _median(runs)

    latencies = []
    by_query: dict[str, float] = {}
    for query in QUERIES:
        vault.search(query, limit=20)  # warm
        runs = []
        for _ in range(10):
            t = time.perf_counter()
            vault.search(query, limit=20)
            runs.append(time.perf_counter() - t)
        latencies += runs
        by_query[query] = _median(runs) * 1000
    result.figures["query_ms"] = by_query
    result.figures["query_p50_ms"] = _pct(latencies, 0.5) * 1000
    result.figures["query_p95_ms"] = _pct(latencies, 0.95) * 1000

    some_note = vault.notes()[0].path if result.notes else "README"
    cli = [
        _python(),
        "-c",
        "from vaultkit.cli import main; main()",
        "--vault",
        str(vault_dir),
        "--index-dir",
        str(index_dir),
    ]
    for name, args in (
        ("search", ["search", "연구 model", "--limit", "5"]),
        ("backlinks", ["backlinks", some_note]),
        ("note", ["note", some_note]),
    ):
        walls = []
        for _ in range(max(repeats, 5)):
            t = time.perf_counter()
            out = subprocess.run([*cli, *args], capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - t)
            if out.returncode not in (0, 1):
                raise RuntimeError(out.stderr)
        result.figures[f"cli_{name}_s"] = _median(walls)

    truth_sets = _korean_truth(notes)
    recalls = []
    for word, truth in truth_sets.items():
        if not truth:
            continue
        found = {h.path for h in vault.search(word, limit=None)}
        rel = {str(p.relative_to(vault_dir)).replace(os.sep, "/") for p in truth}
        recalls.append(len(found & rel) / len(rel))
    result.figures["korean_recall_vaultkit"] = _median(recalls) if recalls else float("nan")
    vault.close()


def _korean_truth(notes: list[Path]) -> dict[str, list[Path]]:
    texts = {p: p.read_text("utf-8", errors="replace") for p in notes}
    return {w: [p for p, t in texts.items() if w in t] for w in KOREAN_WORDS}


def _has_obsidiantools() -> bool:
    try:
        import obsidiantools  # noqa: F401
    except ImportError:
        return False
    return True


def _obsidiantools_once(vault_dir: Path, runs: list[float], result: Result) -> bool:
    """One obsidiantools graph-only load in a fresh process, appended to ``runs``; False: no more runs."""
    try:
        runs.append(_run_json(_OTOOLS, str(vault_dir), timeout=OTOOLS_TIMEOUT)["seconds"])
    except subprocess.TimeoutExpired:
        # a lower bound: the speed-up printed for this vault is then "at least"
        result.figures["obsidiantools_timeout"] = True
        result.figures["obsidiantools_s"] = OTOOLS_TIMEOUT
        return False
    except RuntimeError as exc:
        result.figures["obsidiantools_error"] = str(exc).strip().splitlines()[-1][:200]
        return False
    return True


def measure_fts5(vault_dir: Path, work: Path, repeats: int, result: Result) -> None:
    """SQLite FTS5 over the raw note text: build time, p50 query, Korean recall."""
    notes = _note_files(vault_dir)
    builds = []
    db_path = work / "fts.sqlite3"
    for _ in range(repeats):
        if db_path.exists():
            db_path.unlink()
        t = time.perf_counter()
        db = sqlite3.connect(db_path)
        db.execute("CREATE VIRTUAL TABLE notes USING fts5(path UNINDEXED, body)")
        with db:
            db.executemany(
                "INSERT INTO notes (path, body) VALUES (?, ?)",
                ((str(p.relative_to(vault_dir)), p.read_text("utf-8", errors="replace")) for p in notes),
            )
        db.close()
        builds.append(time.perf_counter() - t)
    result.figures["fts5_build_s"] = _median(builds)
    db = sqlite3.connect(db_path)
    latencies = []
    for word in ENGLISH_WORDS + KOREAN_WORDS:
        for _ in range(10):
            t = time.perf_counter()
            db.execute("SELECT path FROM notes WHERE notes MATCH ? ORDER BY rank LIMIT 20", (f'"{word}"',)).fetchall()
            latencies.append(time.perf_counter() - t)
    result.figures["fts5_query_p50_ms"] = _pct(latencies, 0.5) * 1000
    recalls = []
    for word, truth in _korean_truth(notes).items():
        if not truth:
            continue
        found = {r[0] for r in db.execute("SELECT path FROM notes WHERE notes MATCH ?", (f'"{word}"',))}
        rel = {str(p.relative_to(vault_dir)) for p in truth}
        recalls.append(len(found & rel) / len(rel))
    result.figures["korean_recall_fts5"] = _median(recalls) if recalls else float("nan")
    db.close()


def machine() -> dict[str, str]:
    """A description of the machine and software the figures come from."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            match = re.search(r"model name\s*:\s*(.+)", handle.read())
            cpu = match.group(1).strip() if match else cpu
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            match = re.search(r"MemTotal:\s*(\d+)", handle.read())
            mem = f"{int(match.group(1)) / 1024 / 1024:.0f} GiB" if match else ""
    except OSError:
        pass
    versions = {}
    for package in ("vaultkit", "whoosh-reloaded", "mistune", "networkx", "obsidiantools", "kiwipiepy"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:
            versions[package] = "not installed"
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **versions,
    }


def run(
    sizes: list[int],
    real: list[Path],
    repeats: int,
    out: Path | None,
    peers: bool = True,
    uniform: list[int] | None = None,
) -> list[Result]:
    """Run every measurement on every vault; write the Markdown report to ``out``.

    ``sizes`` are synthetic vaults with words as frequent as in real notes; ``uniform`` adds
    synthetic vaults of the earlier generator (every named word in nearly every note).
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="vaultkit-bench-") as tmp:
        work_root = Path(tmp)
        vaults: list[tuple[str, Path]] = []
        for n in sizes:
            target = work_root / f"synthetic-{n}"
            generate_vault(target, n)
            vaults.append((f"synthetic {n:,}", target))
        for n in uniform or []:
            target = work_root / f"uniform-{n}"
            generate_vault(target, n, words="uniform")
            vaults.append((f"synthetic {n:,}, uniform words", target))
        for path in real:
            target = work_root / path.name
            shutil.copytree(path, target, symlinks=True)  # edits happen on a copy, never on the original
            vaults.append((path.name, target))
        for name, path in vaults:
            notes = _note_files(path)
            result = Result(name, len(notes), sum(p.stat().st_size for p in notes) / 1e6)
            work = work_root / f"work-{path.name}"
            work.mkdir()
            print(f"== {name}: {result.notes} notes, {result.megabytes:.1f} MB", file=sys.stderr, flush=True)
            if peers:
                measure_fts5(path, work, repeats, result)
            measure_cold(path, work, repeats, result, peers)
            measure_vaultkit(path, work, repeats, result)
            results.append(result)
            print(json.dumps(result.figures, ensure_ascii=False), file=sys.stderr, flush=True)
    report = render(results, repeats, machine())
    print(report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report, encoding="utf-8")
    return results


ROWS = (
    ("cold_index_s", "cold full index (parse + graph + Whoosh), s", "{:.2f}"),
    ("obsidiantools_s", "obsidiantools connect().gather() (graph only), s", "{:.2f}"),
    ("speedup_vs_obsidiantools", "vaultkit speed-up vs obsidiantools", "{:.1f}x"),
    ("fts5_build_s", "SQLite FTS5 build (text only), s", "{:.2f}"),
    ("noop_refresh_s", "no-op refresh, s", "{:.3f}"),
    ("refresh_1_edit_s", "refresh after editing 1 note, s", "{:.3f}"),
    ("refresh_100_edits_s", "refresh after editing 100 notes, s", "{:.2f}"),
    ("query_p50_ms", "query p50 in-process, ms", "{:.1f}"),
    ("query_p95_ms", "query p95 in-process, ms", "{:.1f}"),
    ("fts5_query_p50_ms", "SQLite FTS5 query p50, ms", "{:.2f}"),
    ("cli_search_s", "`vaultkit search` wall (fresh process), s", "{:.2f}"),
    ("cli_backlinks_s", "`vaultkit backlinks` wall (fresh process), s", "{:.2f}"),
    ("cli_note_s", "`vaultkit note` wall (fresh process), s", "{:.2f}"),
    ("peak_rss_mb", "peak RSS while indexing (with workers), MB", "{:.0f}"),
    ("index_mb", "index size on disk, MB", "{:.1f}"),
    ("korean_recall_vaultkit", "Korean word recall, vaultkit", "{:.0%}"),
    ("korean_recall_fts5", "Korean word recall, SQLite FTS5 (unicode61)", "{:.0%}"),
    ("machine_check", "machine check: a fixed Python loop before / after the refresh, query and CLI rows, ms", ""),
)


def render(results: list[Result], repeats: int, info: dict[str, str]) -> str:
    """The Markdown report: machine, command, and one table with a column per vault."""
    for r in results:
        cold, otools = r.figures.get("cold_index_s"), r.figures.get("obsidiantools_s")
        if cold and otools:
            r.figures["speedup_vs_obsidiantools"] = otools / cold
    lines = [
        "# Benchmarks",
        "",
        "Produced by `python -m benchmarks` (see `benchmarks/run.py`); every figure is the median of "
        f"{repeats} or more runs on the same machine, in one run, peers included. Quote ratios, not absolute "
        "times.",
        "",
        "Machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()),
        "",
        "| measure | " + " | ".join(f"{r.name} ({r.notes:,} notes, {r.megabytes:.1f} MB)" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for key, label, fmt in ROWS:
        cells = []
        for r in results:
            if key == "machine_check":
                before, after = r.figures.get("machine_before_ms"), r.figures.get("machine_after_ms")
                cells.append(f"{before:.0f} / {after:.0f}" if before and after else "n/a")
                continue
            value = r.figures.get(key)
            cells.append("n/a" if value is None or value != value else fmt.format(value))
        if key in ("obsidiantools_s", "speedup_vs_obsidiantools"):
            cells = [
                (">" if key == "obsidiantools_s" else "≥") + c if r.figures.get("obsidiantools_timeout") else c
                for c, r in zip(cells, results, strict=True)
            ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "In-process latency of each query of the set (median of 10 runs, 20 hits), ms: the p50 above is the middle of",
        "these 12 x 10 runs.",
        "",
        "| query | " + " | ".join(r.name for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for query in QUERIES:
        cells = [f"{r.figures['query_ms'][query]:.1f}" if "query_ms" in r.figures else "n/a" for r in results]
        lines.append(f"| `{query}` | " + " | ".join(cells) + " |")
    errors = [f"{r.name}: {r.figures['obsidiantools_error']}" for r in results if "obsidiantools_error" in r.figures]
    if errors:
        lines += ["", "obsidiantools failed on: " + "; ".join(errors)]
    return "\n".join(lines) + "\n"
