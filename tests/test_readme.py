"""The README cannot drift from the code.

* Its "Command line examples" section is exactly what ``docs/readme_examples.py`` renders from fresh
  runs of the CLI on ``sample_vault`` (with and without the optional Korean extra, which CI lacks).
* Its quick start is two commands, and the second one is what ``.ci/run`` runs.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
INSTALL = "pip install . && vaultkit --vault sample_vault index"
TEST = 'pip install -e ".[test]" && pytest'


def _load_examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "docs" / "readme_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("readme_examples", module)
    spec.loader.exec_module(module)
    return module


examples = _load_examples()


@pytest.fixture(scope="module")
def rendered() -> str:
    return examples.render()  # type: ignore[no-any-return]


def _readme() -> str:
    return README.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------
# the command line examples
# ---------------------------------------------------------------------------------------------------------


def test_examples_section_is_current(rendered: str) -> None:
    section = examples.readme_section(_readme())
    assert section == rendered, "README.md is out of date: run python docs/readme_examples.py --write"


def test_examples_section_sits_after_the_command_line_section() -> None:
    readme = _readme()
    assert readme.count(examples.START) == 1 and readme.count(examples.END) == 1
    headings = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    assert headings[headings.index("Command line") + 1] == "Command line examples"
    heading_at = readme.index("\n## Command line examples\n")
    next_heading = readme.find("\n## ", heading_at + 1)
    assert heading_at < readme.index(examples.START) < readme.index(examples.END) < next_heading


def test_examples_are_real_runs_on_the_sample_vault(rendered: str) -> None:
    blocks = re.findall(r"```console\n(.*?)\n```", rendered, flags=re.DOTALL)
    assert len(blocks) == len(examples.COMMANDS)
    for command, block in zip(examples.COMMANDS, blocks, strict=True):
        first, *output = block.split("\n")
        assert first == f"$ {command}"
        assert command.startswith("vaultkit --vault sample_vault ")
        assert "--index-dir" not in command
        assert output, command  # every example prints something
    shown = "\n".join(blocks)
    assert "\x1b" not in shown  # NO_COLOR
    assert "/tmp" not in shown and str(ROOT) not in shown  # no machine paths leak in
    assert "Traceback" not in shown
    # every command of the CLI that a reader would try first is shown at least once
    verbs = {shlex.split(c)[3] for c in examples.COMMANDS}
    assert {"index", "search", "note", "backlinks", "links", "mentions", "unresolved", "orphans"} <= verbs
    assert {"tasks", "tags", "stats", "graph"} <= verbs
    assert any("--json" in c for c in examples.COMMANDS)


def test_volatile_numbers_are_placeholders(rendered: str) -> None:
    assert "errors in N.NN s" in rendered
    assert re.search(r"^\s*index_bytes\s+N$", rendered, flags=re.MULTILINE)
    assert examples.normalize("36 added, 0 errors in 3.75 s\n") == "36 added, 0 errors in N.NN s\n"
    assert examples.normalize("   index_bytes  284445\n") == "   index_bytes  N\n"


def test_render_is_deterministic(rendered: str) -> None:
    assert examples.render(examples.COMMANDS[:2]) == "\n\n".join(rendered.split("\n\n")[:3]) + "\n"


def test_examples_do_not_depend_on_the_korean_extra(rendered: str) -> None:
    """CI installs only ``.[test]``: the README must render the same without kiwipiepy."""
    if importlib.util.find_spec("kiwipiepy") is None:
        pytest.skip("kiwipiepy is not installed: test_examples_section_is_current already ran without it")
    script = (
        "import sys, runpy; sys.modules['kiwipiepy'] = None; sys.argv = ['readme_examples.py']; "
        f"runpy.run_path({str(ROOT / 'docs' / 'readme_examples.py')!r}, run_name='__main__')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == rendered


def test_write_and_check(tmp_path: Path, rendered: str, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# x\n\n## Command line examples\n\n{examples.START}\nstale\n{examples.END}\n\n## Next\n", encoding="utf-8"
    )
    monkeypatch.setattr(examples, "README", readme)
    monkeypatch.setattr(examples, "render", lambda commands=examples.COMMANDS: rendered)
    assert examples.main(["--check"]) == 1
    assert examples.main(["--write"]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# x\n\n## Command line examples\n\n" + examples.START + "\n" + rendered)
    assert text.endswith(examples.END + "\n\n## Next\n")
    assert examples.main(["--check"]) == 0
    assert examples.main(["--write"]) == 0
    assert readme.read_text(encoding="utf-8") == text  # idempotent


# ---------------------------------------------------------------------------------------------------------
# the quick start
# ---------------------------------------------------------------------------------------------------------


def _quick_start_commands() -> list[str]:
    readme = _readme()
    start = readme.index("\n## Quick start\n")
    end = readme.find("\n## ", start + 1)
    block = re.search(r"```sh\n(.*?)```", readme[start:end], flags=re.DOTALL)
    assert block is not None, "the quick start has no ```sh block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_exactly_two_commands() -> None:
    assert _quick_start_commands() == [INSTALL, TEST]


def test_ci_runs_the_readme_test_command() -> None:
    ci = CI.read_text(encoding="utf-8")
    assert TEST in [line.strip() for line in ci.splitlines()]
    assert _quick_start_commands()[1] in ci
