"""Reliability and safety: bad input, crashes, concurrency, a damaged index, the read-only vault.

* Bad input: every malformed note is indexed where possible, otherwise reported with its path and
  a reason, and the run goes on; pathological Markdown must parse in bounded time (each case runs
  in a forked child with a timeout); a hypothesis test throws random vault trees at ``index()``.
* Crashes: ``vaultkit index`` SIGKILLed at chosen points (a child that kills itself inside a
  patched function) and after timed delays; the next run must bring the index up to date with no
  manual step, equal to a fresh index built in another folder.
* Concurrency: indexers wait for ``<index_dir>/lock`` (or give up with ``IndexLockedError``),
  readers answer from the last committed state while a writer works, a killed holder's lock is
  released at once.
* A damaged or foreign index folder is rebuilt with a notice, and answers equal a fresh index.
* The vault is never written: every file (name, bytes, mtime) is hashed around every CLI command.
* ``Vault.check()`` / ``vaultkit check --json``: exact kinds, paths, lines and messages.

Subprocess vaults are ASCII-only, so no Korean morphology model is loaded in the children.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vaultkit
from vaultkit import Vault
from vaultkit.cli import main
from vaultkit.errors import IndexLockedError
from vaultkit.parse import parse_note
from vaultkit.store import Store

MakeVault = Callable[..., Path]
OpenVault = Callable[..., Vault]

SAMPLE_VAULT = Path(__file__).resolve().parents[1] / "sample_vault"
ENTRY = "from vaultkit.cli import main; main()"
PARSE_TIMEOUT = 10.0  # seconds per pathological input; a sane parse of these takes < 2 s


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def tree_state(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry below ``root`` (hidden ones too): kind, bytes hash, size, mtime, mode."""
    out: dict[str, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            st_ = os.lstat(path)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path), st_.st_mtime_ns)
            elif os.path.isdir(path):
                out[rel] = ("dir", st_.st_mtime_ns, st_.st_mode)
            else:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                out[rel] = ("file", digest, st_.st_size, st_.st_mtime_ns, st_.st_mode)
    out["."] = ("root", os.lstat(root).st_mtime_ns)
    return out


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VAULTKIT_VAULT", "NO_COLOR", "FORCE_COLOR")}
    env["PYTHONUTF8"] = "1"
    return env


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the console entry point in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


WORDS = [
    *("alpha", "beta", "gamma", "delta", "model", "training", "data", "loss", "gradient", "network", "layer"),
    *("attention", "diffusion", "sampling", "noise", "image", "text", "embedding", "vector", "search", "index"),
    *("graph", "node", "edge", "cluster", "topic", "note", "vault", "link", "query", "paper", "experiment"),
    *("result", "baseline", "metric"),
]
FOLDERS = ("", "daily", "projects/alpha", "projects/beta", "research", "archive/2023")


def ascii_vault(root: Path, notes: int, seed: int = 3, paragraphs: int = 4) -> list[str]:
    """A deterministic ASCII vault: frontmatter, headings, links (some to missing headings or
    notes), tags and tasks. ASCII only, so no Korean model is loaded while indexing it."""
    rng = random.Random(seed)
    names = [f"{rng.choice(WORDS).title()} {i:04d}" for i in range(notes)]
    paths = []
    for i, name in enumerate(names):
        folder = FOLDERS[i % len(FOLDERS)]
        lines = [
            "---",
            f"tags: [{rng.choice(WORDS)}, topic/{rng.choice(WORDS)}]",
            f"aliases: [al-{i}]",
            "---",
            f"# {name}",
            "",
        ]
        for section in range(3):
            lines.append(f"## Section {section}")
            for _ in range(paragraphs):
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20)))
                extra = rng.choice(["", "#Section 1", "#Nope", "|shown"])
                lines.append(f"{words.capitalize()} [[{rng.choice(names)}{extra}]] #{rng.choice(WORDS)}.")
            lines.append(f"- [{rng.choice(' x')}] task {rng.choice(WORDS)} [[Missing {i % 7}]]")
            lines.append("")
        rel = f"{folder}/{name}.md" if folder else f"{name}.md"
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines), encoding="utf-8")
        paths.append(rel)
    return paths


QUERIES = ("gradient", "model network", "tag:topic", "path:daily", '"attention diffusion"', "Missing")


def snapshot(vault: Vault) -> dict[str, Any]:
    """Everything a user can ask, in comparable form (search hits as sets: scores may differ
    between an index built in one go and one updated incrementally)."""
    store = vault.store
    files = sorted((p, r.is_note, r.size, r.mtime_ns, r.hash, r.encoding, r.error) for p, r in store.files().items())
    links = sorted(
        (r.source, r.seq, r.link.kind, r.link.target, r.link.subpath, r.link.line, r.context, r.resolved, r.problem)
        for r in store.all_links()
    )
    return {
        "files": files,
        "notes": {n.path: n.to_dict() for n in vault.notes()},
        "links": links,
        "unresolved": [(u.source, u.target, u.line) for u in vault.unresolved()],
        "problems": [(p.source, p.line, p.problem) for p in vault.link_problems()],
        "tags": vault.tags(),
        "search": {q: sorted(h.path for h in vault.search(q, limit=None)) for q in QUERIES},
        "check": vault.check(),
    }


def assert_search_in_step(vault: Vault) -> None:
    assert vault.store.meta("search_generation") == vault.search_index.state()


_PROBE_LOCK = """
import fcntl, sys
handle = open(sys.argv[1], "a+")
try:
    fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError:
    sys.exit(3)
"""

_HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "a+")
fcntl.lockf(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def lock_held(index_dir: Path) -> bool:
    """True when some process holds the index lock (a POSIX record lock, probed from another process:
    such locks never conflict within one process)."""
    path = index_dir / "lock"
    if not path.exists():
        return False
    return subprocess.run([sys.executable, "-c", _PROBE_LOCK, str(path)], check=False).returncode == 3


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the process group of a child started with ``start_new_session=True`` (ours only)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------------
# bad input: each file indexed where possible, otherwise reported; the run goes on
# ---------------------------------------------------------------------------------------------------------

GOOD = "# Good\nlinks to [[bad]]\n"


def _index_one(make_vault: MakeVault, open_vault: OpenVault, content: str | bytes) -> tuple[Vault, Any]:
    root = make_vault({"bad.md": content, "good.md": GOOD})
    before = tree_state(root)
    vault = open_vault(root)
    report = vault.index()
    # the run goes on: the good note is there, and links to the bad file still resolve (it is a file)
    assert vault.note("good").title == "Good"
    assert [o.resolved for o in vault.outlinks("good")] == ["bad.md"]
    assert tree_state(root) == before
    second = vault.index()
    assert not second.changed, second
    return vault, report


@pytest.mark.parametrize(
    ("content", "error_start"),
    [
        pytest.param(
            "---\ntitle: [unclosed\ntags: x\n---\n# Body\n[[good]]\n",
            "invalid YAML frontmatter at line 3",
            id="invalid-yaml",
        ),
        pytest.param(
            "---\ntitle: 'open\n---\n# Body\n[[good]]\n", "invalid YAML frontmatter at line", id="unterminated-quote"
        ),
        pytest.param("---\n\tbad: tab\n---\n# Body\n[[good]]\n", "invalid YAML frontmatter", id="tab-indent"),
        pytest.param("---\n- a\n- b\n---\n# Body\n[[good]]\n", "frontmatter is a list", id="frontmatter-list"),
        pytest.param("---\njust a sentence\n---\n# Body\n[[good]]\n", "frontmatter is a ", id="frontmatter-scalar"),
        pytest.param("---\n42\n---\n# Body\n[[good]]\n", "frontmatter is a ", id="frontmatter-number"),
        pytest.param(
            "---\na: 1\nb: 2\na: 3\n---\n# Body\n[[good]]\n",
            "invalid YAML frontmatter at line 4: duplicate key 'a'",
            id="duplicate-keys",
        ),
        pytest.param(
            "---\n!!python/object:os.system {}\n---\n# Body\n[[good]]\n", "invalid YAML frontmatter", id="python-tag"
        ),
        pytest.param("---\na: " + "[" * 5000 + "\n---\n# Body\n[[good]]\n", "invalid YAML frontmatter", id="deep-yaml"),
        pytest.param(
            "---\na: !!binary AAAA\nb: .nan\nc: ~\nd: {x: [1, {y: 2}]}\n---\n# Body\n[[good]]\n", None, id="odd-values"
        ),
    ],
)
def test_bad_frontmatter_is_indexed_with_an_error(
    make_vault: MakeVault, open_vault: OpenVault, content: str, error_start: str | None
) -> None:
    vault, report = _index_one(make_vault, open_vault, content)
    assert report.errors == ()
    note = vault.note("bad")
    assert note.title == "Body"
    assert [lk.target for lk in note.links] == ["good"]
    if error_start is None:
        assert note.frontmatter_error is None
        json.dumps(note.frontmatter)  # stored as JSON: must be JSON-ready
    else:
        assert note.frontmatter == {}
        assert note.frontmatter_error is not None and note.frontmatter_error.startswith(error_start)
        assert "\n" not in note.frontmatter_error and "Traceback" not in note.frontmatter_error
        problems = [(p.kind, p.path, p.line, p.message) for p in vault.check() if p.kind == "invalid-frontmatter"]
        at = re.search(r"at line (\d+)", note.frontmatter_error)
        line = int(at.group(1)) if at else 1  # the YAML line the message names, else the first line
        assert problems == [("invalid-frontmatter", "bad.md", line, note.frontmatter_error)]


def test_dates_out_of_range_stay_strings(make_vault: MakeVault, open_vault: OpenVault) -> None:
    content = (
        "---\ndate: 2024-13-45\nend: 9999-99-99\nzero: 0000-00-00\nleap: 2023-02-29\n"
        "when: 2024-01-01T25:61:61\nok: 2024-03-14\n---\n# Body\n[[good]]\n"
    )
    vault, report = _index_one(make_vault, open_vault, content)
    assert report.errors == ()
    note = vault.note("bad")
    assert note.frontmatter_error is None
    assert note.frontmatter == {
        "date": "2024-13-45",
        "end": "9999-99-99",
        "zero": "0000-00-00",
        "leap": "2023-02-29",
        "when": "2024-01-01T25:61:61",
        "ok": "2024-03-14",
    }
    assert [h.path for h in vault.search("[date:2024-13-45]")] == ["bad.md"]


@pytest.mark.parametrize(
    ("content", "frontmatter", "title"),
    [
        pytest.param("---", {}, "bad", id="only-dashes"),
        pytest.param("---\n", {}, "bad", id="only-dashes-newline"),
        pytest.param("---\n---", {}, "bad", id="empty-block-no-newline"),
        pytest.param("---\n---\n", {}, "bad", id="empty-block"),
        pytest.param("---\n---\n---\n", {}, "bad", id="three-dashes-lines"),
        pytest.param("---\ntitle: T\n", {}, "bad", id="never-closed"),
        pytest.param("", {}, "bad", id="empty-file"),
        pytest.param("\n\n\n", {}, "bad", id="blank-lines"),
    ],
)
def test_degenerate_frontmatter(
    make_vault: MakeVault, open_vault: OpenVault, content: str, frontmatter: dict[str, Any], title: str
) -> None:
    vault, report = _index_one(make_vault, open_vault, content)
    assert report.errors == ()
    note = vault.note("bad")
    assert (note.frontmatter, note.frontmatter_error, note.title) == (frontmatter, None, title)


@pytest.mark.parametrize(
    ("data", "encoding", "title", "link_line"),
    [
        pytest.param("\ufeff---\ntitle: T\n---\n\n[[good]]\n".encode(), "utf-8-sig", "T", 5, id="bom"),
        pytest.param(b"---\r\ntitle: T\r\n---\r\n\r\n[[good]]\r\n", "utf-8", "T", 5, id="crlf"),
        pytest.param(b"# H\r\nline two\nline three\r[[good]]\r\n", "utf-8", "H", 4, id="mixed-endings"),
        pytest.param(b"# H\rtwo\r\r[[good]]", "utf-8", "H", 4, id="cr-only"),
        pytest.param("# 한글 제목\n똠방각하\n[[good]]\n".encode("cp949"), "cp949", "한글 제목", 3, id="cp949"),
        pytest.param("# 한국어 노트\n\n[[good]]\n".encode("euc_kr"), "cp949", "한국어 노트", 3, id="euc-kr"),
        pytest.param("# Café crème\n\n[[good]]\n".encode("latin-1"), "latin-1", "Café crème", 3, id="latin-1"),
        pytest.param("# Ünïcödé 한글\n\n[[good]]\n".encode("utf-16"), "utf-16", "Ünïcödé 한글", 3, id="utf-16"),
        pytest.param(b"\xef\xbb\xbf\xef\xbb\xbf# H\n\n[[good]]\n", "utf-8-sig", "H", 3, id="double-bom"),
    ],
)
def test_encodings_and_line_endings(
    make_vault: MakeVault, open_vault: OpenVault, data: bytes, encoding: str, title: str, link_line: int
) -> None:
    vault, report = _index_one(make_vault, open_vault, data)
    assert report.errors == ()
    note = vault.note("bad")
    assert note.title == title
    assert [(lk.target, lk.line) for lk in note.links] == [("good", link_line)]
    assert vault.store.files()["bad.md"].encoding == encoding
    assert "\r" not in note.text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(
            b"# looks like text\x00 but is not", "binary file (contains NUL bytes), not a text note", id="nul"
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
            "binary file (contains NUL bytes), not a text note",
            id="png",
        ),
        pytest.param(
            (bytes(range(1, 32)) + b"\xff") * 50,
            "binary file (not valid text in any supported encoding), not a text note",
            id="controls",
        ),
        pytest.param(
            b"\xff\xfe\x00\x00" + b"\x00" * 40, "binary file (contains NUL bytes), not a text note", id="utf32-bom"
        ),
    ],
)
def test_binary_file_named_md_is_reported(
    make_vault: MakeVault, open_vault: OpenVault, data: bytes, reason: str
) -> None:
    vault, report = _index_one(make_vault, open_vault, data)
    assert [(e.path, e.error) for e in report.errors] == [("bad.md", reason)]
    assert [(p.kind, p.path, p.line, p.message) for p in vault.check() if p.kind == "unreadable"] == [
        ("unreadable", "bad.md", None, reason)
    ]
    assert "bad.md" not in vault.store.note_titles()


def test_deep_nesting_is_indexed(make_vault: MakeVault, open_vault: OpenVault) -> None:
    quotes = "\n".join(">" * i + f" level {i} [[good]]" for i in range(1, 2001, 50))
    deep_quote = ">" * 2000 + " deepest [[good]]"
    items = "\n".join("  " * i + f"- item {i}" for i in range(2000)) + "\n" + "  " * 2000 + "- [[good]]"
    numbered = "\n".join("   " * i + f"{i % 9 + 1}. n" for i in range(1000))
    mixed = "".join("> - " for _ in range(1000)) + "[[good]]"
    content = "\n\n".join(["# Deep", quotes, deep_quote, items, numbered, mixed]) + "\n"
    vault, report = _index_one(make_vault, open_vault, content)
    assert report.errors == ()
    note = vault.note("bad")
    assert note.title == "Deep"
    assert {lk.target for lk in note.links} == {"good"}
    assert len(note.links) >= 3
    assert len(vault.backlinks("good")) == len(note.links)


@pytest.mark.slow
def test_note_with_100k_links(make_vault: MakeVault, open_vault: OpenVault) -> None:
    body = " ".join(f"[[t{i % 1000}]]" for i in range(100_000))
    root = make_vault({"many.md": "# Many\n" + body + "\n", "t7.md": "# T7\n", "t999.md": "# T999\n"})
    vault = open_vault(root)
    started = time.perf_counter()
    report = vault.index()
    took = time.perf_counter() - started
    assert report.errors == ()
    assert len(vault.note("many").links) == 100_000
    assert len(vault.backlinks("t7")) == 100
    assert len(vault.unresolved()) == 99_800
    assert [h.path for h in vault.search("T999")][:1] == ["t999.md"]
    assert took < 30, f"indexing a note with 100k links took {took:.1f} s"
    assert not vault.index().changed


@pytest.mark.slow
def test_50_mb_note_indexes(make_vault: MakeVault, open_vault: OpenVault) -> None:
    line = "Plain words about models and gradients, with more text to fill the line.\n"
    text = "# Huge\n" + line * (50 * 1024 * 1024 // len(line) + 1) + "last line mentions zebra [[small]]\n"
    root = make_vault({"huge.md": text, "small.md": "# Small\n"})
    vault = open_vault(root)
    started = time.perf_counter()
    report = vault.index()
    took = time.perf_counter() - started
    assert report.errors == ()
    assert (root / "huge.md").stat().st_size > 50 * 1024 * 1024
    assert vault.note("huge").title == "Huge"
    assert [b.source for b in vault.backlinks("small")] == ["huge.md"]
    assert vault.backlinks("small")[0].line == text.count("\n")
    print(f"50 MB note indexed in {took:.1f} s")


# ---------------------------------------------------------------------------------------------------------
# pathological Markdown: parse_note must finish in bounded time (forked children, 2 at a time)
# ---------------------------------------------------------------------------------------------------------

N = 100_000
_BOMB = (
    "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))
    + "---\n# Bomb\n"
)

PATHOLOGICAL: dict[str, str] = {
    "[[ x100k": "[[" * N,
    "[ x100k": "[" * N,
    "]] x100k": "]]" * N,
    "![[ x50k": "![[" * (N // 2),
    "[[a| x50k": "[[a|" * (N // 2),
    "[[a] x50k": "[[a]" * (N // 2),
    "[a][ x50k": "[a][" * (N // 2),
    "[x]( x50k": "[x](" * (N // 2),
    "![]( x50k": "![](" * (N // 2),
    "]( x50k": "](" * (N // 2),
    "[[ per line": "[[\n" * N,
    "# x100k": "#" * N,
    "'# ' x50k": "# " * (N // 2),
    "#a/ x33k": "#a/" * (N // 3),
    "% x100k": "%" * N,
    "%%a x33k": "%%a " * (N // 3),
    "` x100k": "`" * N,
    "``a x33k": "``a " * (N // 3),
    "$ x100k": "$" * N,
    "$$a x33k": "$$a " * (N // 3),
    "$a x33k": "$a " * (N // 3),
    "== x50k": "==" * (N // 2),
    "==a x33k": "==a " * (N // 3),
    "* x100k": "*" * N,
    "_ x100k": "_" * N,
    "*_ x50k": "*_" * (N // 2),
    "emphasis mix": "*_" * 30_000 + "a" + "_*" * 30_000,
    "~~ x50k": "~~" * (N // 2),
    "< x100k": "<" * N,
    "<a x33k": "<a " * (N // 3),
    "<!-- x30k": "<!--" * 30_000,
    "\\ x100k": "\\" * N,
    "| x100k": "|" * N,
    "^ x100k": "^" * N,
    "[^ x50k": "[^" * (N // 2),
    "- [ ] x25k": "- [ ] " * (N // 4),
    "``` fences": "```\n" * 50_000,
    "$$ blocks": "$$\n" * 50_000,
    "<div> lines": "<div>\n" * 30_000,
    "setext": "a\n=\n" * 30_000,
    "table": "|a|b|\n|-|-|\n" + "|" * N,
    "callouts": "> [!note]\n" * 5000,
    "nested quotes": "\n".join(">" * i for i in range(1, 2001)),
    "2000 > on a line": ">" * 2000 + " deep",
    "nested list": "\n".join("  " * i + "- item" for i in range(2000)),
    "long tag": "#" + "a" * N,
    "long wikilink": "[[" + " " * N + "]]",
    "frontmatter [": "---\n" + "[" * 10_000 + "\n---\n",
    "frontmatter {": "---\na: " + "{" * 10_000 + "\n---\n",
    "yaml alias bomb": _BOMB,
}


def _parse_child(text: str, conn: Any) -> None:
    import resource

    try:  # a runaway allocation must fail here, not take the machine down
        with open("/proc/self/statm") as handle:
            vm = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (vm + 3 * 1024**3, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (OSError, ValueError):
        pass
    started = time.perf_counter()
    try:
        note = parse_note(text, "bad.md")
        json.dumps(note.to_dict())  # what the store will do with it
        conn.send(("ok", time.perf_counter() - started, len(note.links)))
    except BaseException as exc:
        conn.send(("raised", time.perf_counter() - started, repr(exc)[:300]))


@pytest.fixture(scope="module")
def pathological_results() -> dict[str, tuple[str, float, Any]]:
    """Parse every pathological input in a forked child (2 at a time), each with its own timeout."""
    ctx = multiprocessing.get_context("fork")
    pending = list(PATHOLOGICAL.items())
    running: list[tuple[str, Any, Any, float]] = []
    results: dict[str, tuple[str, float, Any]] = {}
    parallel = max(1, min(2, os.cpu_count() or 1))
    while pending or running:
        while pending and len(running) < parallel:
            name, text = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_parse_child, args=(text, child), daemon=True)
            proc.start()
            child.close()
            running.append((name, proc, parent, time.monotonic()))
        for item in list(running):
            name, proc, parent, started = item
            if parent.poll():
                try:
                    results[name] = parent.recv()
                except EOFError:
                    results[name] = ("died", time.monotonic() - started, proc.exitcode)
            elif not proc.is_alive():
                results[name] = ("died", time.monotonic() - started, proc.exitcode)
            elif time.monotonic() - started > PARSE_TIMEOUT:
                results[name] = ("timeout", time.monotonic() - started, None)
                proc.kill()
            else:
                continue
            proc.join(5)
            parent.close()
            running.remove(item)
        time.sleep(0.005)
    return results


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_markdown_parses_in_bounded_time(
    name: str, pathological_results: dict[str, tuple[str, float, Any]]
) -> None:
    status, seconds, detail = pathological_results[name]
    assert status == "ok", f"parse_note on {name!r}: {status} after {seconds:.1f} s ({detail})"


# ---------------------------------------------------------------------------------------------------------
# file names and paths
# ---------------------------------------------------------------------------------------------------------

NFD_KOREAN = unicodedata.normalize("NFD", "한글 노트")
LONG_DIR = "d" * 240
LONG_FILE = "f" * 245 + ".md"  # 248 bytes: within NAME_MAX (255)
KOREAN_LONG = "가" * 80 + ".md"  # 243 bytes in UTF-8


def test_odd_file_names(make_vault: MakeVault, open_vault: OpenVault) -> None:
    long_rel = "/".join([LONG_DIR] * 4) + "/" + LONG_FILE
    files: dict[str, str | bytes] = {
        "with spaces  in name.md": "# Spaces\n",
        "hash#name.md": "# Hash\n",
        "100% done.md": "# Percent\n",
        "emoji 🎉🧪.md": "# Emoji\n",
        f"{NFD_KOREAN}.md": "# Korean NFD\n",
        f"{NFD_KOREAN} folder/{unicodedata.normalize('NFD', '안쪽')}.md": "# Inside NFD folder\n",
        "[brackets] and (parens).md": "# Brackets\n",
        "semi;colon & amp 'quote\".md": "# Punctuation\n",
        " leading space.md": "# Leading\n",
        "trailing dot..md": "# Dots\n",
        "UPPER.MD": "# Upper\n",
        long_rel: "# Long path\nzebra\n",
        KOREAN_LONG: "# Long Korean\n",
        "links.md": (
            "[[with spaces  in name]] [[100% done]] [[emoji 🎉🧪]] [[한글 노트]] [[안쪽]] [[UPPER]]\n"
            "[p](100%25%20done.md) [s](with%20spaces%20%20in%20name.md) [[" + LONG_FILE[:-3] + "]]\n"
        ),
    }
    root = make_vault(files)
    assert len(str(root / long_rel)) > 1000
    vault = open_vault(root)
    report = vault.index()
    assert report.errors == ()
    expected = sorted(unicodedata.normalize("NFC", p) for p in files)
    assert sorted(vault.store.note_titles()) == expected
    assert vault.note(long_rel).title == "Long path"
    assert vault.note("한글 노트").path == "한글 노트.md"
    assert vault.note("한글 노트 folder/안쪽.md").title == "Inside NFD folder"
    assert [o.resolved for o in vault.outlinks("links")] == [
        "with spaces  in name.md",
        "100% done.md",
        "emoji 🎉🧪.md",
        "한글 노트.md",
        "한글 노트 folder/안쪽.md",
        "UPPER.MD",
        "100% done.md",
        "with spaces  in name.md",
        long_rel,
    ]
    assert vault.unresolved() == []
    assert [h.path for h in vault.search("zebra")] == [long_rel]
    assert not vault.index().changed


# ---------------------------------------------------------------------------------------------------------
# unreadable, vanishing and changing files
# ---------------------------------------------------------------------------------------------------------


def _deny(monkeypatch: pytest.MonkeyPatch, *names: str, folders: bool = False) -> None:
    """Simulate permission denied (we may run as root, where chmod does not stop reads)."""
    real_open, real_scandir = os.open, os.scandir

    def fake_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if isinstance(path, str | os.PathLike) and os.path.basename(os.fspath(path)) in names:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    def fake_scandir(path: Any = ".") -> Any:
        if isinstance(path, str | os.PathLike) and os.path.basename(os.fspath(path)) in names:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", fake_open)
    if folders:
        monkeypatch.setattr(os, "scandir", fake_scandir)


def test_unreadable_file_is_reported_and_recovers(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault({"secret.md": "# Secret\n[[a]]\n", "a.md": "# A\n[[secret]]\n", "b.md": "# B\n"})
    vault = open_vault(root)
    with monkeypatch.context() as patch:
        _deny(patch, "secret.md")
        report = vault.index()
    assert [(e.path, e.error) for e in report.errors] == [("secret.md", "permission denied")]
    assert sorted(vault.store.note_titles()) == ["a.md", "b.md"]
    assert [o.resolved for o in vault.outlinks("a")] == ["secret.md"]
    assert [(p.kind, p.path, p.line, p.message) for p in vault.check() if p.kind == "unreadable"] == [
        ("unreadable", "secret.md", None, "permission denied")
    ]
    # readable again (and touched, as a chmod would): indexed on the next run
    os.utime(root / "secret.md", ns=(time.time_ns(), time.time_ns()))
    report = vault.index()
    assert report.errors == ()
    assert vault.note("secret").title == "Secret"
    assert [b.source for b in vault.backlinks("a")] == ["secret.md"]


def test_unreadable_folder_is_reported(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault({"locked/in.md": "# In\n", "a.md": "[[in]]\n"})
    vault = open_vault(root)
    with monkeypatch.context() as patch:
        _deny(patch, "locked", folders=True)
        report = vault.index()
    assert [(e.path, e.error) for e in report.errors] == [("locked", "permission denied: the folder could not be read")]
    assert sorted(vault.store.note_titles()) == ["a.md"]
    report = vault.index()
    assert report.added == ("locked/in.md",)
    assert report.errors == ()


def _patch_scan(monkeypatch: pytest.MonkeyPatch, after_scan: Callable[[], None]) -> None:
    """Run ``after_scan`` between the scan of the vault and the reading of its notes."""
    import vaultkit.indexer as indexer

    real = indexer.scan_vault

    def scan(*args: Any, **kwargs: Any) -> Iterator[Any]:
        entries = list(real(*args, **kwargs))
        after_scan()
        return iter(entries)

    monkeypatch.setattr(indexer, "scan_vault", scan)


def test_file_deleted_between_scan_and_read(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault({"gone.md": "# Gone\n", "a.md": "[[gone]]\n", "b.md": "# B\n"})
    vault = open_vault(root)
    with monkeypatch.context() as patch:
        _patch_scan(patch, lambda: (root / "gone.md").unlink())
        report = vault.index()
    assert [(e.path, e.error) for e in report.errors] == [("gone.md", "file disappeared while indexing (not found)")]
    assert sorted(vault.store.note_titles()) == ["a.md", "b.md"]
    report = vault.index()
    assert report.removed == ("gone.md",)
    assert report.errors == ()
    assert [u.target for u in vault.unresolved()] == ["gone"]
    assert not vault.index().changed


def test_file_replaced_by_folder_between_scan_and_read(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault({"x.md": "# X\n", "a.md": "[[x]]\n"})
    vault = open_vault(root)

    def swap() -> None:
        (root / "x.md").unlink()
        (root / "x.md").mkdir()
        (root / "x.md" / "inner.md").write_text("# Inner\n", encoding="utf-8")

    with monkeypatch.context() as patch:
        _patch_scan(patch, swap)
        report = vault.index()
    assert [(e.path, e.error) for e in report.errors] == [("x.md", "is a folder, not a file")]
    report = vault.index()
    assert report.errors == ()
    assert sorted(vault.store.note_titles()) == ["a.md", "x.md/inner.md"]


def test_file_changed_between_scan_and_read(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_vault({"c.md": "# Old\n[[a]]\n", "a.md": "# A\n", "b.md": "# B\n"})
    vault = open_vault(root)
    vault.index()

    def change() -> None:
        (root / "c.md").write_text("# New title, longer\n[[b]]\n", encoding="utf-8")

    os.utime(root / "c.md", ns=(1, 1))  # so the scan sees a change
    with monkeypatch.context() as patch:
        _patch_scan(patch, change)
        vault.index()
    # whatever was read, the next run sees the file's real state and ends equal to a fresh index
    vault.index()
    assert vault.note("c").title == "New title, longer"
    fresh = Vault(root, index_dir=tmp_path / "fresh")
    fresh.index()
    assert snapshot(vault) == snapshot(fresh)
    assert not vault.index().changed


# ---------------------------------------------------------------------------------------------------------
# symlinks and links out of the vault: nothing outside the vault is ever read
# ---------------------------------------------------------------------------------------------------------


def _allowed_roots(*extra: Path) -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__)}
    roots |= {p for p in sysconfig.get_paths().values() if p}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(vaultkit.__file__))) + os.sep + "vaultkit")
    roots |= {os.fspath(p) for p in extra}
    return [os.path.realpath(r) for r in roots]


@contextlib.contextmanager
def spy_opens() -> Iterator[list[str]]:
    """Record every path opened or listed through Python (open, io.open, os.open, scandir, listdir)."""
    import builtins

    seen: list[str] = []
    real = {
        "open": builtins.open,
        "io_open": io.open,
        "os_open": os.open,
        "scandir": os.scandir,
        "listdir": os.listdir,
    }

    def note(path: Any) -> None:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if isinstance(path, str | os.PathLike):
            seen.append(os.path.abspath(os.fspath(path)))

    def b_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        note(file)
        return real["open"](file, *args, **kwargs)

    def o_open(path: Any, *args: Any, **kwargs: Any) -> int:
        note(path)
        return real["os_open"](path, *args, **kwargs)

    def scandir(path: Any = ".") -> Any:
        note(path)
        return real["scandir"](path)

    def listdir(path: Any = ".") -> Any:
        note(path)
        return real["listdir"](path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", b_open)
        patch.setattr(io, "open", b_open)
        patch.setattr(os, "open", o_open)
        patch.setattr(os, "scandir", scandir)
        patch.setattr(os, "listdir", listdir)
        yield seen


def test_nothing_outside_the_vault_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\nTOPSECRET words\n", encoding="utf-8")
    (outside / "sub").mkdir()
    (outside / "sub" / "deep.md").write_text("TOPSECRET deep\n", encoding="utf-8")
    root = tmp_path / "vault"
    root.mkdir()
    (root / "inside").mkdir()
    (root / "inside" / "real.md").write_text("# Real\n", encoding="utf-8")
    (root / "a.md").write_text(
        "# A\n[[../../../etc/passwd]] [[../outside/secret]] [[/etc/passwd]] ![[../../outside/secret.md]]\n"
        "[x](../outside/secret.md) [y](/etc/passwd) [z](file:///etc/passwd) [w](..%2F..%2Foutside%2Fsecret.md)\n"
        "[[inside/../../outside/secret]] [[~/.ssh/id_rsa]] [[real]]\n",
        encoding="utf-8",
    )
    (root / "secret-link.md").symlink_to(outside / "secret.md")
    (root / "passwd.md").symlink_to("/etc/passwd")
    (root / "relative-escape.md").symlink_to("../outside/secret.md")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "inside" / "up").symlink_to("..", target_is_directory=True)
    (root / "loop-a").symlink_to(root / "loop-b")
    (root / "loop-b").symlink_to(root / "loop-a")
    (root / "inside-link.md").symlink_to(root / "inside" / "real.md")
    index_dir = tmp_path / "idx"
    before = tree_state(root)

    vault = Vault(root, index_dir=index_dir)
    with spy_opens() as seen:
        report = vault.index()
        vault.outlinks("a")
        vault.backlinks("real")
        vault.unresolved()
        hits = vault.search("TOPSECRET")
        vault.search("secret")
        vault.check()
        vault.graph  # noqa: B018
        vault.mentions("real")
        vault.stats()
    allowed = _allowed_roots(root, index_dir)
    strays = sorted(
        {
            p
            for p in seen
            if not any(os.path.realpath(p) == r or os.path.realpath(p).startswith(r + os.sep) for r in allowed)
            and not any(part.endswith((".egg-info", ".dist-info")) for part in Path(p).parts)  # package metadata
        }
    )
    assert strays == []
    assert not any(os.path.realpath(p).startswith(os.path.realpath(outside)) for p in seen)
    assert hits == []
    assert sorted(vault.store.file_paths()) == ["a.md", "inside-link.md", "inside/real.md"]
    assert all("TOPSECRET" not in text for _, text in vault.store.texts())
    assert {e.path for e in report.errors} <= {"loop-a", "loop-b"}
    resolved = [o.resolved for o in vault.outlinks("a")]
    assert resolved[-1] == "inside/real.md"
    assert all(r is None for r in resolved[:-1]), resolved
    assert tree_state(root) == before
    assert not vault.index().changed


# ---------------------------------------------------------------------------------------------------------
# hypothesis: random vault trees
# ---------------------------------------------------------------------------------------------------------

_NAME_CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\\x00"),
    st.sampled_from(list("한글노트가각é#% []|^.-_()🎉")),
)
_NAMES = st.text(_NAME_CHARS, min_size=1, max_size=10).filter(
    lambda s: s not in (".", "..") and len(s.encode("utf-8")) <= 120
)
_FRAGMENTS = st.sampled_from(
    [
        "[[",
        "]]",
        "[[a]]",
        "[[a|b]]",
        "![[x.png]]",
        "[[#h]]",
        "---\n",
        "title: [\n",
        "tags: [a, b]\n",
        "#tag ",
        "- [ ] ",
        "- [x] ",
        "> ",
        "> [!note]\n",
        "$$",
        "$",
        "%%",
        "```\n",
        "`",
        "\r\n",
        "\r",
        "\n",
        "\ufeff",
        " ^block",
        "[x](y.md)",
        "[x](../../z.md)",
        "# H\n",
        "==",
        "**",
        "<div>",
        "|a|b|\n|-|-|\n",
    ]
)
_TEXT = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=8)), max_size=25).map("".join)
_CONTENT = st.one_of(
    _TEXT.map(lambda s: s.encode("utf-8", "surrogatepass")),
    _TEXT.map(lambda s: s.encode("cp949", "ignore")),
    _TEXT.map(lambda s: s.encode("utf-16")),
    st.binary(max_size=200),
)
_ENTRY = st.tuples(
    st.lists(_NAMES, max_size=3),
    _NAMES,
    st.sampled_from([".md", ".md", ".md", ".MD", ".png", ".txt", ""]),
    _CONTENT,
    st.booleans(),
)


def _write_tree(root: Path, entries: list[tuple[list[str], str, str, bytes, bool]]) -> None:
    for folders, name, suffix, content, nfd in entries:
        parts = [*folders, name + suffix]
        if nfd:
            parts = [unicodedata.normalize("NFD", p) for p in parts]
        target = root.joinpath(*parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        except OSError:  # a file where a folder should be, or the other way round: skip it
            continue


def _disk_notes(root: Path) -> dict[str, list[str]]:
    """Visible .md files on disk: NFC vault path -> the disk spellings."""
    out: dict[str, list[str]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or not name.lower().endswith(".md"):
                continue
            rel = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            out.setdefault(unicodedata.normalize("NFC", rel), []).append(rel)
    return out


def _clean_path(path: str) -> bool:
    parts = path.split("/")
    return (
        unicodedata.normalize("NFC", path) == path
        and not path.startswith("/")
        and "\\" not in path
        and all(p not in ("", ".", "..") for p in parts)
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(entries=st.lists(_ENTRY, max_size=12))
def test_random_vault_trees(entries: list[tuple[list[str], str, str, bytes, bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "vault"
        root.mkdir()
        _write_tree(root, entries)
        before = tree_state(root)
        with Vault(root, index_dir=Path(tmp) / "idx") as vault:
            report = vault.index()
            notes = set(vault.store.note_titles())
            errors = {e.path for e in report.errors}
            for path, spellings in _disk_notes(root).items():
                ancestors = {"/".join(path.split("/")[:i]) for i in range(1, path.count("/") + 1)}
                assert path in notes or path in errors or ancestors & errors, (path, spellings, report.errors)
                if len(spellings) == 1 and path in notes:
                    assert path not in errors
            for path in [*vault.store.file_paths(), *errors, *notes]:
                assert _clean_path(path), path
            for row in vault.store.all_links():
                assert _clean_path(row.source)
                assert row.resolved is None or _clean_path(row.resolved)
            generation = vault.store.generation
            again = vault.index()
            assert (again.added, again.updated, again.removed) == ((), (), ()), again
            assert vault.store.generation == generation
            assert {e.path for e in again.errors} == errors
            vault.search("a")
            vault.check()
        assert tree_state(root) == before


# ---------------------------------------------------------------------------------------------------------
# crashes: SIGKILL at chosen points and after timed delays
# ---------------------------------------------------------------------------------------------------------

_KILL_SCRIPT = r"""
import os, signal, sys
from vaultkit import Vault
from vaultkit.search.index import SearchIndex
from vaultkit.store import Store

root, index_dir, point, rebuild = sys.argv[1:5]

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

def after(cls, name):
    real = getattr(cls, name)
    def wrapper(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        die()
        return result
    setattr(cls, name, wrapper)

progress = None
if point == "mid-load":
    def progress(done, total):
        if done >= max(1, total // 2):
            die()
elif point == "after-search-create":
    after(SearchIndex, "begin_fresh")
elif point == "after-search-swap":
    after(SearchIndex, "finish_fresh")
elif point == "after-search-commit":
    SearchIndex.refresh_handle = die   # called right after the Whoosh commit, before the store's
elif point == "before-store-commit":
    Store.commit = die
elif point == "before-whoosh-toc":
    import whoosh.writing
    whoosh.writing.SegmentWriter._commit_toc = die
elif point == "in-store-commit":
    real_commit = Store.commit
    def commit(self, bump):
        self.set_meta("generation", "999")
        die()
    Store.commit = commit
Vault(root, index_dir=index_dir).index(rebuild=rebuild == "1", progress=progress)
print("finished", flush=True)
"""


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A vault, a committed index of its earlier state, and a fresh index of its current state."""
    base = tmp_path_factory.mktemp("crash")
    root = base / "vault"
    paths = ascii_vault(root, 40, seed=11, paragraphs=2)
    committed = base / "committed"
    with Vault(root, index_dir=committed) as vault:
        vault.index()
    # then the vault changes: edits, a deletion, an addition, a rename
    for rel in paths[:3]:
        with open(root / rel, "a", encoding="utf-8") as handle:
            handle.write("\nedited after the first index [[Brand New]]\n")
    (root / paths[3]).unlink()
    (root / "Brand New.md").write_text("# Brand New\nfresh gradient note [[" + paths[4][:-3] + "]]\n", encoding="utf-8")
    (root / paths[5]).rename(root / "renamed.md")
    reference = base / "reference"
    with Vault(root, index_dir=reference) as vault:
        vault.index()
    return {"root": root, "committed": committed, "reference": reference, "base": base}


@pytest.fixture(scope="module")
def crash_reference(crash_setup: dict[str, Path]) -> dict[str, Any]:
    with Vault(crash_setup["root"], index_dir=crash_setup["reference"]) as vault:
        return snapshot(vault)


@pytest.mark.parametrize(
    ("start", "point", "rebuild"),
    [
        ("empty", "mid-load", False),
        ("empty", "after-search-commit", False),
        ("empty", "before-store-commit", False),
        ("committed", "mid-load", False),
        ("committed", "before-whoosh-toc", False),
        ("committed", "after-search-commit", False),
        ("committed", "before-store-commit", False),
        ("committed", "in-store-commit", False),
        ("committed", "after-search-create", True),
        ("committed", "after-search-swap", True),
        ("committed", "mid-load", True),
        ("committed", "after-search-commit", True),
    ],
)
def test_kill_at_a_chosen_point_then_recover(
    crash_setup: dict[str, Path], crash_reference: dict[str, Any], tmp_path: Path, start: str, point: str, rebuild: bool
) -> None:
    index_dir = tmp_path / "idx"
    if start == "committed":
        shutil.copytree(crash_setup["committed"], index_dir)
    root = crash_setup["root"]
    before = tree_state(root)
    done = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(root), str(index_dir), point, "1" if rebuild else "0"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stdout, done.stderr)
    assert "finished" not in done.stdout
    with Vault(root, index_dir=index_dir) as vault:
        vault.index()  # no manual step
        assert_search_in_step(vault)
        assert snapshot(vault) == crash_reference
        assert not vault.index().changed
    assert tree_state(root) == before


def test_killed_rebuild_is_not_mistaken_for_the_committed_search_index(tmp_path: Path) -> None:
    """A rebuilt Whoosh index starts counting generations again, so "same generation" is not "same index".

    Index once (the store records search generation 1); edit a note; `index --rebuild` is killed
    right after its fresh Whoosh index committed (generation 1 again, with the edit) and before the
    store committed; the note is then restored from a backup with its old bytes and mtime (cp -p).
    The store is right about the vault; the search index must not keep the edit.
    """
    root = tmp_path / "vault"
    root.mkdir()
    note = root / "note.md"
    note.write_text("# Note\nalpha words\n", encoding="utf-8")
    (root / "other.md").write_text("# Other\nplain\n", encoding="utf-8")
    index_dir = tmp_path / "idx"
    with Vault(root, index_dir=index_dir) as vault:
        vault.index()
        assert [h.path for h in vault.search("alpha")] == ["note.md"]
    saved = note.stat()
    note.write_text("# Note\nomega words\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(root), str(index_dir), "after-search-commit", "1"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    note.write_text("# Note\nalpha words\n", encoding="utf-8")
    os.utime(note, ns=(saved.st_atime_ns, saved.st_mtime_ns))
    with Vault(root, index_dir=index_dir) as vault:
        vault.index()
        assert [h.path for h in vault.search("alpha")] == ["note.md"]
        assert vault.search("omega") == []


@pytest.fixture(scope="module")
def big_vault(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """~200 ASCII notes (enough for the parallel loader) and a fresh full index of them."""
    base = tmp_path_factory.mktemp("big")
    root = base / "vault"
    ascii_vault(root, 210, seed=5)
    reference = base / "reference"
    with Vault(root, index_dir=reference) as vault:
        vault.index()
        shot = snapshot(vault)
    return {"root": root, "reference": reference, "snapshot": shot, "base": base}


@pytest.mark.slow
def test_sigkill_index_after_various_delays(big_vault: dict[str, Any], tmp_path: Path) -> None:
    """`kill -9` of `vaultkit index` (a full index into a new folder) or `vaultkit index --rebuild`
    (over a committed index) at various moments; the next run must end equal to a fresh index."""
    root = big_vault["root"]
    before = tree_state(root)
    index_dir = tmp_path / "idx"
    outcomes = []
    for args, delay in (
        (["index"], 0.05),
        (["index"], 0.6),
        (["index"], 1.1),
        (["index", "--rebuild"], 0.8),
        (["index", "--rebuild"], 1.3),
    ):
        if args == ["index"]:
            shutil.rmtree(index_dir, ignore_errors=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, "--vault", str(root), "--index-dir", str(index_dir), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(),
            start_new_session=True,
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)  # only the main process, as `kill -9 <pid>` would
        proc.wait(10)
        try:
            with Vault(root, index_dir=index_dir) as vault:
                started = time.monotonic()
                report = vault.index()
                outcomes.append(
                    (args[-1], delay, proc.returncode, len(report.added), round(time.monotonic() - started, 2))
                )
                assert_search_in_step(vault)
                assert snapshot(vault) == big_vault["snapshot"], f"after `{' '.join(args)}` killed at {delay} s"
                assert not vault.index().changed
        finally:
            kill_group(proc)  # pool workers the killed process may have left behind
    assert tree_state(root) == before
    print("kills (command, delay, returncode, notes added by the recovery, recovery seconds):", outcomes)


# ---------------------------------------------------------------------------------------------------------
# concurrency: the lock, readers during writes, stale locks
# ---------------------------------------------------------------------------------------------------------


def test_second_indexer_gives_up_with_a_clear_message(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_vault({"a.md": "# A\n"})
    vault = open_vault(root)
    vault.index()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(vault.index_dir / "lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(IndexLockedError) as info, vault._write_lock(timeout=0.3):
            pass
        assert 0.25 <= time.monotonic() - started < 3
        message = str(info.value)
        assert str(vault.index_dir) in message and "another vaultkit process" in message
        # the CLI says it in one line, no traceback (default timeout shortened for the test)
        monkeypatch.setattr(Vault._write_lock.__wrapped__, "__defaults__", (0.3,))
        code, _, err = run_main(["--vault", str(root), "--index-dir", str(vault.index_dir), "index"], capsys)
        assert code == 1
        assert err.startswith("vaultkit: another vaultkit process is updating the index in ")
        assert "Traceback" not in err and err.count("\n") == 1
        # readers still answer meanwhile
        assert vault.note("a").title == "A"
        assert [h.path for h in vault.search("A")] == ["a.md"]
    finally:
        holder.kill()
        holder.wait()
    vault.index()  # free again


@pytest.mark.slow
def test_concurrent_indexers_never_corrupt_the_index(big_vault: dict[str, Any], tmp_path: Path) -> None:
    root = big_vault["root"]
    index_dir = tmp_path / "idx"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", ENTRY, "--vault", str(root), "--index-dir", str(index_dir), "index", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for _ in range(3)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        results.append(json.loads(out))
    assert sorted(r["added"] for r in results) == [0, 0, 210]
    with Vault(root, index_dir=index_dir) as vault:
        assert_search_in_step(vault)
        assert snapshot(vault) == big_vault["snapshot"]
        assert not vault.index().changed


def _readers_during(
    root: Path, index_dir: Path, args: list[str], expect: Callable[[tuple[int, list[str]]], bool]
) -> list[tuple[float, bool, Any]]:
    """Start a writer subprocess and query from this process until it ends: (seconds, writer still
    running when the answer came, answer)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "--vault", str(root), "--index-dir", str(index_dir), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        start_new_session=True,
    )
    answers: list[tuple[float, bool, Any]] = []
    try:
        assert wait_until(lambda: lock_held(index_dir) or proc.poll() is not None, 30)
        reader = Vault(root, index_dir=index_dir)
        while proc.poll() is None:
            started = time.monotonic()
            answer = (len(reader.store.note_titles()), sorted(h.path for h in reader.search("gradient", limit=None)))
            assert expect(answer), (answer[0], len(answer[1]))
            answers.append((round(time.monotonic() - started, 2), proc.poll() is None, (answer[0], len(answer[1]))))
            time.sleep(0.05)
        reader.close()
        assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        kill_group(proc)
    return answers


@pytest.mark.slow
def test_readers_answer_while_an_incremental_writer_works(big_vault: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "vault"
    shutil.copytree(big_vault["root"], root)
    index_dir = tmp_path / "idx"
    shutil.copytree(big_vault["reference"], index_dir)
    with Vault(root, index_dir=index_dir) as vault:
        old = (len(vault.store.note_titles()), sorted(h.path for h in vault.search("gradient", limit=None)))
    notes = sorted(root.rglob("*.md"))
    for path in notes[::2]:
        path.write_text(path.read_text(encoding="utf-8") + "\nmore gradient words here\n", encoding="utf-8")
    for path in notes[1:40:2]:
        path.unlink()
    with Vault(root, index_dir=tmp_path / "fresh") as fresh:
        fresh.index()
        new = (len(fresh.store.note_titles()), sorted(h.path for h in fresh.search("gradient", limit=None)))
    assert old != new
    # Each call answers from one committed state. The two calls of one answer (titles, then search)
    # may straddle the writer's commit: that limit is documented (no snapshot across calls), so each
    # part is checked against the old and the new state on its own.
    answers = _readers_during(
        root, index_dir, ["index"], lambda a: a[0] in (old[0], new[0]) and a[1] in (old[1], new[1])
    )
    during = [a for a in answers if a[1]]
    assert len(during) >= 3, answers
    assert max(seconds for seconds, _, _ in during) < 1.5, answers


@pytest.mark.slow
def test_readers_answer_while_a_rebuild_works(big_vault: dict[str, Any], tmp_path: Path) -> None:
    """`index --rebuild` must not take the committed search index away from readers."""
    root = big_vault["root"]
    index_dir = tmp_path / "idx"
    shutil.copytree(big_vault["reference"], index_dir)
    with Vault(root, index_dir=index_dir) as vault:
        old = (len(vault.store.note_titles()), sorted(h.path for h in vault.search("gradient", limit=None)))
    answers = _readers_during(root, index_dir, ["index", "--rebuild"], lambda a: a == old)
    during = [a for a in answers if a[1]]
    assert len(during) >= 3, f"readers were blocked by the rebuild: {answers}"
    assert max(seconds for seconds, _, _ in answers) < 1.5, f"a reader waited for the writer: {answers}"


_HOLD_SCRIPT = r"""
import sys, time
from vaultkit import Vault
vault = Vault(sys.argv[1], index_dir=sys.argv[2])
with vault._write_lock():
    print("locked", flush=True)
    time.sleep(600)
"""


def test_stale_lock_of_a_killed_holder_is_cleared(make_vault: MakeVault, tmp_path: Path) -> None:
    root = make_vault({"a.md": "# A\n[[b]]\n", "b.md": "# B\n"})
    index_dir = tmp_path / "idx"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_SCRIPT, str(root), str(index_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        assert lock_held(index_dir)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        kill_group(proc)
    assert (index_dir / "lock").exists()  # the file stays; the lock on it does not
    started = time.monotonic()
    with Vault(root, index_dir=index_dir) as vault:
        report = vault.index()
        assert report.added == ("a.md", "b.md")
        assert [b.source for b in vault.backlinks("b")] == ["a.md"]
    assert time.monotonic() - started < 5


_LOADING_SCRIPT = r"""
import sys
from vaultkit import Vault
def progress(done, total):
    if done == 1:
        print("loading", flush=True)
Vault(sys.argv[1], index_dir=sys.argv[2]).index(progress=progress)
print("finished", flush=True)
"""


@pytest.mark.slow
def test_lock_is_released_when_a_parallel_indexer_is_killed(tmp_path: Path) -> None:
    """SIGKILL of `vaultkit index` while its worker processes parse notes: the lock must go with it.

    The loader's forked pool workers inherit the open lock file; if they outlive their killed
    parent (they finish their chunk of notes first), the flock stays held and the next run waits.
    """
    root = tmp_path / "vault"
    root.mkdir()
    body = "Words about [[n1]] models and #tag and more text to fill the line nicely.\n" * 1500
    for i in range(208):
        (root / f"n{i}.md").write_text(f"# N{i}\n{body}", encoding="utf-8")
    index_dir = tmp_path / "idx"
    proc = subprocess.Popen(
        [sys.executable, "-c", _LOADING_SCRIPT, str(root), str(index_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "loading"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        died = time.monotonic()
        freed = wait_until(lambda: not lock_held(index_dir), 30)
        held_for = time.monotonic() - died
    finally:
        kill_group(proc)
    assert freed
    for path in root.iterdir():  # small notes now, so the next run is quick
        path.write_text("# small [[n1]]\n", encoding="utf-8")
    started = time.monotonic()
    with Vault(root, index_dir=index_dir) as vault:
        assert len(vault.index().added) == 208
    assert time.monotonic() - started < 10
    assert held_for < 0.5, f"the index lock stayed held {held_for:.2f} s after its holder was killed"


# ---------------------------------------------------------------------------------------------------------
# a damaged or foreign index folder is rebuilt, with a message
# ---------------------------------------------------------------------------------------------------------


def _sql(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def _damage(kind: str, index_dir: Path) -> None:
    store = index_dir / Store.FILENAME
    search = index_dir / "search"
    if kind == "store-truncated-empty":
        store.write_bytes(b"")
    elif kind == "store-truncated-half":
        store.write_bytes(store.read_bytes()[: store.stat().st_size // 2])
    elif kind == "store-garbage":
        store.write_bytes(b"this is not a database " * 400)
    elif kind == "store-corrupt-pages":
        data = bytearray(store.read_bytes())
        data[100:4000] = b"\xff" * 3900
        store.write_bytes(bytes(data))
    elif kind == "store-corrupt-index-page":  # meta still reads; PRAGMA quick_check reports the damage
        db = sqlite3.connect(store)
        (root_page,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'notes_title'").fetchone()
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        db.close()
        data = bytearray(store.read_bytes())
        offset = (root_page - 1) * page_size
        data[offset + 8 : offset + page_size] = b"\x55" * (page_size - 8)
        store.write_bytes(bytes(data))
    elif kind == "store-foreign-db":
        for path in index_dir.glob(Store.FILENAME + "*"):
            path.unlink()
        _sql(store, "CREATE TABLE people (name TEXT)", "INSERT INTO people VALUES ('someone')")
    elif kind == "store-other-schema":
        _sql(store, "UPDATE meta SET value = '0' WHERE key = 'schema'")
    elif kind == "store-first-schema":  # the notes table of schema 1, without the casefolded title keys
        _sql(
            store,
            "DROP INDEX notes_title_key",
            "DROP INDEX notes_name_key",
            "ALTER TABLE notes DROP COLUMN title_key",
            "ALTER TABLE notes DROP COLUMN name_key",
            "UPDATE meta SET value = '1' WHERE key = 'schema'",
        )
    elif kind == "store-table-missing":
        _sql(store, "DROP TABLE links")
    elif kind == "store-wal-garbage":
        (index_dir / (Store.FILENAME + "-wal")).write_bytes(b"\x00garbage" * 1000)
    elif kind in ("search-terms-truncated", "search-postings-truncated"):
        # segments are separate files (no compound .seg): a torn term table fails when the index opens,
        # torn postings only when a query reads them
        for path in search.glob("*.trm" if kind == "search-terms-truncated" else "*.pst"):
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    elif kind == "search-postings-zeroed":  # the files are all there, their blocks are not
        for path in search.glob("*.pst"):
            path.write_bytes(b"\0" * path.stat().st_size)
    elif kind == "search-postings-deleted":
        for path in search.glob("*.pst"):
            path.unlink()
    elif kind == "search-toc-truncated":
        for path in search.glob("_notes_*.toc"):
            path.write_bytes(path.read_bytes()[:10])
    elif kind == "search-toc-garbage":
        for path in search.glob("_notes_*.toc"):
            path.write_bytes(b"x" * 500)
    elif kind == "search-toc-deleted":
        for path in search.glob("_notes_*.toc"):
            path.unlink()
    elif kind == "search-version-other":
        version = json.loads((search / "search-version.json").read_text("utf-8"))
        version["schema"] = -1
        (search / "search-version.json").write_text(json.dumps(version), "utf-8")
    elif kind == "search-version-garbage":
        (search / "search-version.json").write_text("{not json", "utf-8")
    elif kind == "search-version-deleted":
        (search / "search-version.json").unlink()
    elif kind == "search-folder-deleted":
        shutil.rmtree(search)
    elif kind == "search-folder-is-a-file":
        shutil.rmtree(search)
        search.write_text("not a folder", "utf-8")
    elif kind == "search-generation-mismatch":
        _sql(store, "UPDATE meta SET value = '12345' WHERE key = 'search_generation'")
    elif kind == "graph-cache-garbage":
        for path in index_dir.glob("graph-*.pickle"):
            path.write_bytes(b"garbage")
    else:  # pragma: no cover
        raise AssertionError(kind)


STORE_DAMAGE = (
    "store-truncated-empty",
    "store-truncated-half",
    "store-garbage",
    "store-corrupt-pages",
    "store-corrupt-index-page",
    "store-foreign-db",
    "store-other-schema",
    "store-first-schema",
    "store-table-missing",
)
OTHER_DAMAGE = (
    "store-wal-garbage",
    "search-terms-truncated",
    "search-postings-truncated",
    "search-postings-zeroed",
    "search-postings-deleted",
    "search-toc-truncated",
    "search-toc-garbage",
    "search-toc-deleted",
    "search-version-other",
    "search-version-garbage",
    "search-version-deleted",
    "search-folder-deleted",
    "search-folder-is-a-file",
    "search-generation-mismatch",
    "graph-cache-garbage",
)


@pytest.fixture(scope="module")
def damage_setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("damage")
    root = base / "vault"
    ascii_vault(root, 30, seed=2, paragraphs=2)
    reference = base / "reference"
    with Vault(root, index_dir=reference) as vault:
        vault.index()
        vault.graph  # noqa: B018  (so there is a graph cache to damage)
        shot = snapshot(vault)
    return {"root": root, "reference": reference, "snapshot": shot}


@pytest.mark.parametrize("kind", STORE_DAMAGE + OTHER_DAMAGE)
def test_damaged_index_is_rebuilt(damage_setup: dict[str, Any], tmp_path: Path, kind: str) -> None:
    index_dir = tmp_path / "idx"
    shutil.copytree(damage_setup["reference"], index_dir)
    _damage(kind, index_dir)
    root = damage_setup["root"]
    with Vault(root, index_dir=index_dir) as vault:
        vault.index()
        assert snapshot(vault) == damage_setup["snapshot"]
        assert_search_in_step(vault)
        assert len(vault.graph) > 0
        assert not vault.index().changed
        if kind in STORE_DAMAGE:
            assert len(vault.notices) == 1, vault.notices
            notice = vault.notices[0]
            assert str(index_dir) in notice and "rebuilding it" in notice
            notice = notice.replace(str(index_dir), "<index>")  # the tmp path may itself say "damaged"
            if kind in ("store-other-schema", "store-first-schema"):
                assert "another vaultkit version" in notice
            else:
                assert "damaged" in notice or "not a vaultkit index" in notice, notice
    if kind == "store-foreign-db":  # never write into somebody else's database
        tables = {r[0] for r in sqlite3.connect(index_dir / Store.FILENAME).execute("SELECT name FROM sqlite_master")}
        assert "people" not in tables


@pytest.mark.parametrize(
    "kind",
    [
        "store-garbage",
        "store-truncated-half",
        "search-toc-truncated",
        "search-postings-deleted",
        "search-postings-zeroed",
    ],
)
def test_damaged_index_through_the_cli(
    damage_setup: dict[str, Any], tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "idx"
    shutil.copytree(damage_setup["reference"], index_dir)
    _damage(kind, index_dir)
    args = ["--vault", str(damage_setup["root"]), "--index-dir", str(index_dir)]
    code, out, err = run_main([*args, "search", "gradient", "--limit", "1000", "--json"], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    assert sorted(h["path"] for h in json.loads(out)) == damage_setup["snapshot"]["search"]["gradient"]
    if kind.startswith("store"):
        assert err.startswith("vaultkit: the index in ") and "rebuilding it" in err
    if kind.startswith("search"):  # found when the index opens, or by the query itself (which then ran again)
        assert err.count("the search index in ") == 1 and "was damaged" in err and "rebuilt it" in err, err


# ---------------------------------------------------------------------------------------------------------
# the vault is read-only
# ---------------------------------------------------------------------------------------------------------

CLI_COMMANDS: list[list[str]] = [
    ["index"],
    ["index", "--json"],
    ["search", "연구"],
    ["search", "tag:lang/python", "--json"],
    ["note", "Gamma"],
    ["note", "Gamma", "--json"],
    ["backlinks", "Gamma"],
    ["links", "Home", "--json"],
    ["mentions", "Gamma"],
    ["related", "Gamma"],
    ["tags", "--tree"],
    ["unresolved"],
    ["orphans"],
    ["deadends"],
    ["tasks"],
    ["tasks", "tag:project", "--done", "--json"],
    ["stats"],
    ["graph"],
    ["graph", "--format", "mermaid", "--tags"],
    ["check"],
    ["check", "--json"],
    ["index", "--rebuild"],
]


def test_no_cli_command_touches_the_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    index_dir = tmp_path / "idx"
    state = tree_state(root)
    for command in CLI_COMMANDS:
        code, out, err = run_main(["--vault", str(root), "--index-dir", str(index_dir), *command], capsys)
        assert code == 0, (command, err)
        assert tree_state(root) == state, command
    code, out, err = run_main(["parse", str(root / "topics" / "Gamma.md")], capsys)
    assert code == 0 and json.loads(out)["title"]
    assert tree_state(root) == state
    # the default index folder (per-user cache; XDG_CACHE_HOME points into tmp here) is outside the vault
    code, out, err = run_main(["--vault", str(root), "index"], capsys)
    assert code == 0, err
    assert tree_state(root) == state
    cache = Path(os.environ["XDG_CACHE_HOME"])
    assert any(cache.rglob(Store.FILENAME))
    assert not any(root.rglob(Store.FILENAME))


@pytest.mark.parametrize("inside", [".vaultkit-index", "index"])
def test_index_folder_chosen_inside_the_vault(make_vault: MakeVault, inside: str) -> None:
    """The one exception to read-only: the user's own index folder. It must not index itself."""
    root = make_vault({"a.md": "# A\n[[b]]\n", "b.md": "# B\n", "img.png": b"\x89PNG"})
    outside_state = tree_state(root)
    with Vault(root, index_dir=root / inside) as vault:
        vault.index()
        vault.graph  # noqa: B018
        vault.search("A")
        assert vault.store.file_paths() == ["a.md", "b.md", "img.png"]
        again = vault.index()
        assert not again.changed, again
    state = {k: v for k, v in tree_state(root).items() if k != inside and not k.startswith(inside + os.sep)}
    outside_state.pop(".")
    state.pop(".")
    assert state == outside_state


# ---------------------------------------------------------------------------------------------------------
# vaultkit check
# ---------------------------------------------------------------------------------------------------------

SAMPLE_PROBLEMS = [
    (
        "invalid-frontmatter",
        "misc/Conference deadlines.md",
        3,
        "invalid YAML frontmatter at line 3: did not find expected ',' or ']'",
    ),
    ("broken-link", "daily/Ideas.md", 9, "[[Missing Note]] points to no file"),
    ("broken-link", "study/2024-03-16-week09-day038.md", 48, "[[DL]] points to no file"),
    ("missing-anchor", "topics/Ideas.md", 24, '[[Home#No Such Heading]]: missing heading "No Such Heading"'),
    ("duplicate-name", "daily/Ideas.md", None, "same file name as topics/Ideas.md"),
    ("duplicate-name", "projects/alpha/README.md", None, "same file name as projects/beta/README.md"),
    ("duplicate-name", "projects/beta/README.md", None, "same file name as projects/alpha/README.md"),
    ("duplicate-name", "topics/Ideas.md", None, "same file name as daily/Ideas.md"),
]


def test_check_on_sample_vault(sample: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    assert [(p.kind, p.path, p.line, p.message) for p in sample.check()] == SAMPLE_PROBLEMS
    code, out, _ = run_main(
        ["--vault", str(sample.root), "--index-dir", str(sample.index_dir), "check", "--json"], capsys
    )
    assert code == 0
    items = json.loads(out)
    assert [tuple(item.values()) for item in items] == SAMPLE_PROBLEMS
    assert all(list(item) == ["kind", "path", "line", "message"] for item in items)


PROBLEM_VAULT: dict[str, str | bytes] = {
    "binary.md": b"# not text\x00\x01\x02",
    "locked.md": "# Locked\n",
    "Bad props.md": "---\ntitle: ok\ntags: [unclosed\n---\n# Bad props\n",
    "Links.md": (
        "# Links\n"
        "[[Nowhere]]\n"
        "\n"
        "[[Target#Missing heading]] and [[Target#^nosuchblock]]\n"
        "[[Target#Real heading]] [[Target#^realblock]] [[binary]] [[locked]]\n"
        "[missing](Gone%20away.md)\n"
    ),
    "Target.md": "# Real heading\ntext ^realblock\n",
    "one/Dup.md": "# Dup one\n",
    "two/dup.md": "# Dup two\n",
}
PROBLEM_EXPECTED = [
    ("unreadable", "binary.md", None, "binary file (contains NUL bytes), not a text note"),
    ("unreadable", "locked.md", None, "permission denied"),
    ("invalid-frontmatter", "Bad props.md", 4, "invalid YAML frontmatter at line 4: did not find expected ',' or ']'"),
    ("broken-link", "Links.md", 2, "[[Nowhere]] points to no file"),
    ("broken-link", "Links.md", 6, "[missing](Gone%20away.md) points to no file"),
    ("missing-anchor", "Links.md", 4, '[[Target#Missing heading]]: missing heading "Missing heading"'),
    ("missing-anchor", "Links.md", 4, '[[Target#^nosuchblock]]: missing block "^nosuchblock"'),
    ("duplicate-name", "one/Dup.md", None, "same file name as two/dup.md"),
    ("duplicate-name", "two/dup.md", None, "same file name as one/Dup.md"),
]


def test_check_on_a_vault_with_one_of_each_problem(
    make_vault: MakeVault, open_vault: OpenVault, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_vault(PROBLEM_VAULT)
    vault = open_vault(root)
    _deny(monkeypatch, "locked.md")
    assert [(p.kind, p.path, p.line, p.message) for p in vault.check()] == PROBLEM_EXPECTED
    code, out, err = run_main(["--vault", str(root), "--index-dir", str(vault.index_dir), "check", "--json"], capsys)
    assert code == 0, err
    assert [tuple(item.values()) for item in json.loads(out)] == PROBLEM_EXPECTED
    code, out, err = run_main(["--vault", str(root), "--index-dir", str(vault.index_dir), "check"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(PROBLEM_EXPECTED)
    assert lines[0].split() == [
        "unreadable",
        "binary.md",
        "binary",
        "file",
        "(contains",
        "NUL",
        "bytes),",
        "not",
        "a",
        "text",
        "note",
    ]
    assert "Links.md:2  [[Nowhere]] points to no file" in out
    assert err.strip().endswith(f"{len(PROBLEM_EXPECTED)} problems")
    # --exit-code: the same listing, and a failing status for CI
    code, failing, err = run_main(
        ["--vault", str(root), "--index-dir", str(vault.index_dir), "check", "--exit-code"], capsys
    )
    assert (code, failing) == (1, out)
    assert err.strip().endswith(f"{len(PROBLEM_EXPECTED)} problems")
    code, listed, _ = run_main(
        ["--vault", str(root), "--index-dir", str(vault.index_dir), "check", "--json", "--exit-code"], capsys
    )
    assert code == 1 and [tuple(item.values()) for item in json.loads(listed)] == PROBLEM_EXPECTED
    for message in (p[3] for p in PROBLEM_EXPECTED):  # plain words: no Python reprs, no tracebacks
        assert "Traceback" not in message and "Error(" not in message and "\n" not in message


def test_check_on_a_clean_vault(
    make_vault: MakeVault, open_vault: OpenVault, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_vault({"a.md": "# A\n[[b#B]]\n", "b.md": "# B\n[[a]]\n"})
    vault = open_vault(root)
    assert vault.check() == []
    code, out, _ = run_main(["--vault", str(root), "--index-dir", str(vault.index_dir), "check", "--json"], capsys)
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run_main(["--vault", str(root), "--index-dir", str(vault.index_dir), "check", "--exit-code"], capsys)
    assert (code, out) == (0, "")
