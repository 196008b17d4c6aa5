"""The interactive HTML graph page, opened in headless Chromium: it draws the vault's nodes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from vaultkit import Vault

_SPEC = importlib.util.spec_from_file_location(
    "screenshot_graph", Path(__file__).parents[1] / "docs" / "screenshot_graph.py"
)
assert _SPEC is not None and _SPEC.loader is not None
shot = importlib.util.module_from_spec(_SPEC)
sys.modules["screenshot_graph"] = shot
_SPEC.loader.exec_module(shot)


def test_page_is_self_contained(sample: Vault) -> None:
    page = sample.export("html")
    assert "<script src" not in page and "<link" not in page
    assert "http://" not in page and "https://" not in page
    for title in ("Home", "Gamma", "StyleGAN", "연구실 생활 가이드"):
        assert title in page


@pytest.mark.slow
@pytest.mark.skipif(shot.find_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_draws_the_nodes(sample: Vault, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    page.write_text(sample.export("html"), encoding="utf-8")
    png = tmp_path / "graph.png"
    dom = shot.render(page, png)
    nodes = sample.build_graph().number_of_nodes()
    assert f'<span id="count">{nodes} nodes</span>' in dom  # the script ran and drew every node
    width, height, _ = shot.read_png(png)
    assert (width, height) == (1100, 800)
    assert shot.node_pixels(png) > 20 * nodes  # every node is a coloured disc of a few hundred pixels
