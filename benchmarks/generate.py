"""A deterministic generator of synthetic Obsidian vaults for benchmarks.

``generate_vault(root, notes, seed)`` writes ``notes`` Markdown files (about 2 KB each, so 10,000
notes are about 20 MB) in mixed Korean and English: frontmatter with tags, aliases and dates,
wikilinks with headings, blocks and display text, embeds, markdown links with ``%20``, nested and
Korean tags, tasks, code blocks, math, callouts, folders and duplicate file names. The same seed
always gives the same vault.
"""

from __future__ import annotations

import argparse
import os
import random
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


def _sentence(rng: random.Random, words: int) -> str:
    out = []
    for _ in range(words):
        if rng.random() < 0.55:
            out.append(rng.choice(KO_WORDS) + rng.choice(KO_SUFFIX))
        else:
            out.append(rng.choice(EN_WORDS))
    return " ".join(out).capitalize() + "."


def _name(i: int, rng: random.Random) -> str:
    if i % 50 == 7:
        return "README"  # duplicate names in many folders
    stem = rng.choice(EN_WORDS).title() if rng.random() < 0.5 else rng.choice(KO_WORDS)
    return f"{stem} {i:05d}"


def generate_vault(root: str | os.PathLike[str], notes: int = 1000, seed: int = 7, size: int = 1400) -> list[str]:
    """Write a synthetic vault of ``notes`` notes under ``root``; returns the vault-relative paths."""
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
        body = _note(i, rng, names, size)
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


def _note(i: int, rng: random.Random, names: list[str], size: int) -> str:
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
            lines.append(_sentence(rng, rng.randint(6, 14)) + f" {link} #{rng.choice(TAGS)}")
        elif kind < 0.6:
            status = rng.choice([" ", " ", "x", "/", "-"])
            lines.append(f"- [{status}] {_sentence(rng, rng.randint(3, 8))}")
        elif kind < 0.66:
            lines += ["```python", f"x = {rng.randint(0, 99)}  # [[not a link]] #not-a-tag", "print(x)", "```"]
        elif kind < 0.7:
            lines += ["> [!note] " + rng.choice(KO_WORDS), "> " + _sentence(rng, 8)]
        elif kind < 0.73:
            lines.append(f"$E = mc^{rng.randint(2, 9)}$ and %% hidden [[{rng.choice(names)}]] %%")
        else:
            sentence = _sentence(rng, rng.randint(8, 20))
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
    args = parser.parse_args()
    paths = generate_vault(args.out, args.notes, args.seed)
    print(f"wrote {len(paths)} notes to {args.out}")


if __name__ == "__main__":
    main()
