"""The README's "Command line examples": real ``vaultkit`` runs on ``sample_vault``, rendered as Markdown.

    python docs/readme_examples.py            # print the rendered section
    python docs/readme_examples.py --write    # rewrite the README between the cli-examples markers
    python docs/readme_examples.py --check    # exit 1 when the README section is out of date

Each command runs in-process through :func:`vaultkit.cli.main` (the console-script entry point) in a
temporary folder holding a copy of ``sample_vault``, with a fresh ``--index-dir`` and ``NO_COLOR=1``;
the README shows the command without ``--index-dir``. Volatile numbers (the indexing time, the index
size) are replaced by placeholders so the output is the same on every machine. ``tests/test_readme.py``
fails whenever the README and a fresh rendering differ.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SAMPLE_VAULT = ROOT / "sample_vault"
START = "<!-- cli-examples:start -->"
END = "<!-- cli-examples:end -->"

PREFIX = "vaultkit --vault sample_vault "
"""Every example starts like this (run from the repository root)."""

COMMANDS: list[str] = [
    "vaultkit --vault sample_vault index",
    "vaultkit --vault sample_vault search 연구실 --limit 2",
    """vaultkit --vault sample_vault search '"연구 일지" tag:diary'""",
    "vaultkit --vault sample_vault note Gamma",
    "vaultkit --vault sample_vault note README",
    "vaultkit --vault sample_vault backlinks Gamma",
    "vaultkit --vault sample_vault links Gamma",
    "vaultkit --vault sample_vault mentions 'Alex Kim'",
    # `related` is left out until its reasons come in a stable order (graph.related iterates sets).
    "vaultkit --vault sample_vault unresolved",
    "vaultkit --vault sample_vault unresolved --json",
    "vaultkit --vault sample_vault orphans",
    "vaultkit --vault sample_vault tasks --todo tag:project",
    "vaultkit --vault sample_vault tags --tree",
    "vaultkit --vault sample_vault stats",
    "vaultkit --vault sample_vault graph --format graphml -o vault.graphml",
]
"""The invocations shown in the README, in order (the first one builds the index)."""

INTRO = (
    "Generated from real runs on `sample_vault/` by `docs/readme_examples.py` "
    "(edit `COMMANDS` there, then run `python docs/readme_examples.py --write`; "
    "`tests/test_readme.py` keeps this section in step with the code). "
    "Errors go to stderr with exit code 1."
)

_VOLATILE = [
    (re.compile(r" in \d+(?:\.\d+)? s$", re.MULTILINE), " in N.NN s"),  # index timing
    (re.compile(r"^(\s*index_bytes\s+)\d+$", re.MULTILINE), r"\g<1>N"),  # stats: index size on disk
    (re.compile(r'^(\s*"index_bytes": )\d+', re.MULTILINE), r"\g<1>0"),
    (re.compile(r'^(\s*"seconds": )[\d.]+', re.MULTILINE), r"\g<1>0.0"),
]


def normalize(output: str) -> str:
    """``output`` with machine-dependent numbers replaced by placeholders."""
    for pattern, replacement in _VOLATILE:
        output = pattern.sub(replacement, output)
    return output


@contextlib.contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(args: Sequence[str]) -> tuple[int, str]:
    """Run ``vaultkit ARGS`` in-process; return the exit code and stdout+stderr as one text."""
    from vaultkit.cli import main

    buffer = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, buffer.getvalue()


def render(commands: Sequence[str] = COMMANDS) -> str:
    """The Markdown for ``commands``: one ```console block each (the text between the README markers)."""
    blocks = [INTRO]
    with tempfile.TemporaryDirectory(prefix="vaultkit-readme-") as tmp:
        work = Path(tmp)
        shutil.copytree(SAMPLE_VAULT, work / "sample_vault")
        index_dir = str(work / "index")
        with contextlib.chdir(work), _environment(NO_COLOR="1", VAULTKIT_VAULT=None):
            for command in commands:
                if not command.startswith(PREFIX):
                    raise ValueError(f"an example must start with {PREFIX!r}: {command!r}")
                words = shlex.split(command)
                code, output = run(["--index-dir", index_dir, *words[1:]])
                text = normalize(output).rstrip("\n")
                lines = [f"$ {command}"]
                if text:
                    lines.append(text)
                if code:
                    lines.append(f"[exit code {code}]")
                blocks.append("```console\n" + "\n".join(lines) + "\n```")
    return "\n\n".join(blocks) + "\n"


def readme_section(readme: str) -> str:
    """The text between the markers in ``readme`` (without the marker lines)."""
    start = readme.index(START) + len(START)
    end = readme.index(END, start)
    return readme[start:end].strip("\n") + "\n"


def replace_section(readme: str, section: str) -> str:
    """``readme`` with the text between the markers replaced by ``section``."""
    start = readme.index(START) + len(START)
    end = readme.index(END, start)
    return readme[:start] + "\n" + section.strip("\n") + "\n" + readme[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite the README section")
    group.add_argument("--check", action="store_true", help="exit 1 if the README section is out of date")
    options = parser.parse_args(argv)
    section = render()
    if not (options.write or options.check):
        sys.stdout.write(section)
        return 0
    readme = README.read_text(encoding="utf-8")
    if options.check:
        if readme_section(readme) != section:
            print("README.md: the command line examples are out of date; run python docs/readme_examples.py --write")
            return 1
        return 0
    updated = replace_section(readme, section)
    if updated != readme:
        README.write_text(updated, encoding="utf-8")
        print("README.md: command line examples updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
