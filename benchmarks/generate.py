"""A deterministic generator of synthetic Obsidian vaults for benchmarks.

``generate_vault(root, notes, seed)`` writes ``notes`` Markdown files (about 2 KB each, so 10,000
notes are about 20 MB) in mixed Korean and English: frontmatter with tags, aliases and dates,
wikilinks with headings, blocks and display text, embeds, markdown links with ``%20``, nested and
Korean tags, tasks, code blocks, math, callouts, folders and duplicate file names. The same seed
always gives the same vault.

The words of the text follow Zipf's law, as words of real notes do (``words="zipf"``, the
default): a few function words (``the``, ``of``, ``그리고``, ``것``...) are in most notes, then the
named content words (``model``, ``연구``... in list order), then a long tail of made-up words, so
that a 10,000-note vault has a vocabulary of tens of thousands of words. The share of notes
holding a word was matched to the real vaults in ``../shared/vaults`` (see ``docs/benchmarks.md``).
``words="uniform"`` gives the vaults of earlier benchmark runs, byte for byte: every word drawn
evenly from the ~100 named words, so each of them is in nearly every note (a worst case for
full-text search, and an unrealistic one).
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
from functools import cache
from pathlib import Path

EN_WORDS = [
    "model",
    "training",
    "data",
    "loss",
    "gradient",
    "network",
    "layer",
    "attention",
    "diffusion",
    "sampling",
    "noise",
    "image",
    "text",
    "embedding",
    "vector",
    "search",
    "index",
    "graph",
    "node",
    "edge",
    "cluster",
    "topic",
    "note",
    "vault",
    "link",
    "backlink",
    "query",
    "paper",
    "experiment",
    "result",
    "baseline",
    "metric",
    "accuracy",
    "latency",
    "memory",
    "server",
    "python",
    "pytorch",
    "cuda",
    "driver",
    "kernel",
    "tensor",
    "batch",
    "epoch",
    "optimizer",
    "schedule",
    "learning",
    "rate",
    "dropout",
    "encoder",
    "decoder",
    "transformer",
    "token",
]
KO_WORDS = [
    "연구",
    "연구실",
    "실험",
    "결과",
    "모델",
    "학습",
    "데이터",
    "논문",
    "리뷰",
    "발표",
    "회의",
    "서버",
    "코드",
    "정리",
    "일지",
    "공부",
    "알고리즘",
    "확산",
    "생성",
    "이미지",
    "텍스트",
    "임베딩",
    "검색",
    "그래프",
    "노트",
    "링크",
    "태그",
    "환경",
    "설치",
    "드라이버",
    "버전",
    "오류",
    "해결",
    "성능",
    "비교",
    "분석",
    "계획",
    "목표",
    "아이디어",
    "질문",
    "답변",
    "과제",
    "강의",
    "주제",
    "방향",
    "피드백",
]
KO_SUFFIX = ("", "", "은", "는", "이", "가", "을", "를", "에서", "으로", "하고", "에서는", "했다", "한다")
TAGS = (
    "research",
    "study",
    "diary",
    "paper",
    "lang/python",
    "lang/korean",
    "project/alpha",
    "project/beta",
    "연구",
    "일지",
    "딥러닝",
    "todo",
    "idea",
    "meeting",
)
FOLDERS = (
    "research",
    "study",
    "daily",
    "projects/alpha",
    "projects/beta",
    "topics",
    "people",
    "archive/2023",
    "archive/2024",
    "inbox",
)


EN_FUNCTION = (
    "the", "of", "and", "a", "to", "in", "is", "for", "that", "with", "on", "as", "it", "by",
    "this", "be", "are", "from", "or", "an", "we", "was", "not", "at", "can", "but", "if", "when",
)  # fmt: skip
KO_FUNCTION = (
    "그리고", "하지만", "그래서", "것", "수", "있다", "없다", "같다", "위해", "대한", "때문에", "오늘",
    "다시", "정말", "조금", "많이", "먼저", "이후", "그", "이런", "어떤", "모든",
)  # fmt: skip
_EN_ONSETS = ("b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "cr",
              "dr", "gr", "pr", "st", "tr", "sh", "ch", "th", "pl", "sl")  # fmt: skip
_EN_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "io")
_EN_CODAS = ("", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "x")
_KO_SYLLABLES = "가나다라마바사아자차카타파하고노도로모보소오조토포호구누두루무부수우주추기니디리미비시이지치" \
    "정상문화성연전한경동공방장선진원신민현영인명대중학생실시간관계발표논리"  # fmt: skip
ZIPF_EXPONENT = 1.0
"""Zipf-Mandelbrot ``1 / (rank + 2.7) ** s``: the share of notes holding each word is then close to the real vaults'."""
TAIL_WORDS = (30_000, 20_000)
"""Made-up English and Korean words after the named ones (the long tail of a real vocabulary)."""


@cache
def _vocabulary(korean: bool) -> tuple[tuple[str, ...], list[float]]:
    """Words of one language, most frequent first, and their cumulative Zipf weights (the same for every seed)."""
    rng = random.Random(1_000_003 if korean else 999_983)
    head = (*KO_FUNCTION, *KO_WORDS) if korean else (*EN_FUNCTION, *EN_WORDS)
    words = list(head)
    seen = set(words)
    while len(words) < len(head) + TAIL_WORDS[korean]:
        if korean:
            word = "".join(rng.choice(_KO_SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        else:
            word = "".join(
                rng.choice(_EN_ONSETS) + rng.choice(_EN_VOWELS) + rng.choice(_EN_CODAS)
                for _ in range(rng.choice((1, 2, 2, 3)))
            )
        if word not in seen and len(word) > 2:
            seen.add(word)
            words.append(word)
    weights, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 1 + 2.7) ** ZIPF_EXPONENT
        weights.append(total)
    return tuple(words), weights


def _zipf_word(rng: random.Random, korean: bool) -> str:
    words, cumulative = _vocabulary(korean)
    word = words[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
    if korean and word not in KO_FUNCTION:
        word += rng.choice(KO_SUFFIX)
    return word


def _sentence(rng: random.Random, words: int, zipf: bool = True) -> str:
    out = []
    for _ in range(words):
        korean = rng.random() < 0.55
        if zipf:
            out.append(_zipf_word(rng, korean))
        elif korean:
            out.append(rng.choice(KO_WORDS) + rng.choice(KO_SUFFIX))
        else:
            out.append(rng.choice(EN_WORDS))
    return " ".join(out).capitalize() + "."


def _name(i: int, rng: random.Random) -> str:
    if i % 50 == 7:
        return "README"  # duplicate names in many folders
    stem = rng.choice(EN_WORDS).title() if rng.random() < 0.5 else rng.choice(KO_WORDS)
    return f"{stem} {i:05d}"


def generate_vault(
    root: str | os.PathLike[str], notes: int = 1000, seed: int = 7, size: int = 1400, words: str = "zipf"
) -> list[str]:
    """Write a synthetic vault of ``notes`` notes under ``root``; returns the vault-relative paths.

    ``words`` is ``"zipf"`` (words as frequent as in real notes) or ``"uniform"`` (the ~100 named
    words drawn evenly, as in earlier runs: each is in nearly every note).
    """
    if words not in ("zipf", "uniform"):
        raise ValueError(f"words must be 'zipf' or 'uniform', not {words!r}")
    rng = random.Random(seed)
    root = Path(root)
    plan = []
    for i in range(notes):
        folder = FOLDERS[i % len(FOLDERS)]
        if notes > 2000:
            folder = f"{folder}/{(i // 500) % 20:02d}"
        plan.append((folder, _name(i, rng)))
    names = [name for _, name in plan]
    paths = []
    for i, (folder, name) in enumerate(plan):
        rel = f"{folder}/{name}.md"
        paths.append(rel)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        body = _note(i, rng, names, size, words == "zipf")
        data = body.encode("utf-8")
        if i % 97 == 3:
            data = data.replace(b"\n", b"\r\n")  # some CRLF notes
        target.write_bytes(data)
    (root / "attachments").mkdir(exist_ok=True)
    for k in range(5):
        (root / "attachments" / f"figure {k}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (root / ".obsidian").mkdir(exist_ok=True)
    (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["templates/"]}', encoding="utf-8")
    return paths


def _note(i: int, rng: random.Random, names: list[str], size: int, zipf: bool) -> str:
    tags = rng.sample(TAGS, rng.randint(1, 3))
    lines = [
        "---",
        f'title: "{names[i]} 노트"' if i % 3 == 0 else f"title: {names[i]}",
        f"date: 2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "tags: [" + ", ".join(tags) + "]",
        f"aliases: [alias-{i}]",
        f"status: {rng.choice(['active', 'draft', 'done'])}",
        f'related: "[[{rng.choice(names)}]]"',
        "---",
        f"# {names[i]}",
        "",
    ]
    section = 0
    while sum(len(line) for line in lines) < size:
        kind = rng.random()
        if kind < 0.12:
            section += 1
            lines += ["", f"## Section {section} {rng.choice(KO_WORDS)}", ""]
        elif kind < 0.45:
            target = rng.choice(names)
            form = rng.random()
            if form < 0.4:
                link = f"[[{target}]]"
            elif form < 0.55:
                link = f"[[{target}|{rng.choice(KO_WORDS)}]]"
            elif form < 0.65:
                link = f"[[{target}#Section 1 {rng.choice(KO_WORDS)}]]"
            elif form < 0.72:
                link = f"[[{target}#^blk{rng.randint(0, 50)}]]"
            elif form < 0.8:
                link = "[" + rng.choice(EN_WORDS) + "](" + target.replace(" ", "%20") + ".md)"
            elif form < 0.86:
                link = f"![[figure {rng.randint(0, 4)}.png|200]]"
            elif form < 0.93:
                link = f"[[Missing {rng.randint(0, 99)}]]"
            else:
                link = f"[[alias-{rng.randint(0, len(names) - 1)}]]"
            lines.append(_sentence(rng, rng.randint(6, 14), zipf) + f" {link} #{rng.choice(TAGS)}")
        elif kind < 0.6:
            status = rng.choice([" ", " ", "x", "/", "-"])
            lines.append(f"- [{status}] {_sentence(rng, rng.randint(3, 8), zipf)}")
        elif kind < 0.66:
            lines += ["```python", f"x = {rng.randint(0, 99)}  # [[not a link]] #not-a-tag", "print(x)", "```"]
        elif kind < 0.7:
            lines += ["> [!note] " + rng.choice(KO_WORDS), "> " + _sentence(rng, 8, zipf)]
        elif kind < 0.73:
            lines.append(f"$E = mc^{rng.randint(2, 9)}$ and %% hidden [[{rng.choice(names)}]] %%")
        else:
            sentence = _sentence(rng, rng.randint(8, 20), zipf)
            if rng.random() < 0.1:
                sentence += f" ^blk{rng.randint(0, 50)}"
            lines.append(sentence)
    return "\n".join(lines) + "\n"


def main() -> None:
    """``python -m benchmarks.generate OUT --notes N``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--words", choices=("zipf", "uniform"), default="zipf")
    args = parser.parse_args()
    paths = generate_vault(args.out, args.notes, args.seed, words=args.words)
    print(f"wrote {len(paths)} notes to {args.out}")


if __name__ == "__main__":
    main()
