"""Obsidian syntax as small mistune plugins, one module per construct.

``create_markdown()`` builds the AST parser vaultkit uses: CommonMark + GFM tables + Obsidian's
wikilinks/embeds, tags, block ids, ``%%`` comments, ``==highlights==`` (mistune's ``mark``),
math and tasks.
"""

from __future__ import annotations

from typing import Any

import mistune
from mistune.plugins import import_plugin

from .blockids import block_ids
from .comments import comments
from .math import math
from .tags import tags
from .tasks import tasks
from .wikilinks import split_wikilink, wikilinks

__all__ = ["OBSIDIAN_PLUGINS", "create_markdown", "split_wikilink"]

OBSIDIAN_PLUGINS: tuple[Any, ...] = (wikilinks, tags, block_ids, comments, math, tasks)
"""The plugins that teach mistune Obsidian's syntax, in registration order."""


def create_markdown(block: Any = None) -> Any:
    """A mistune ``Markdown`` that returns an AST with Obsidian's syntax tokenized."""
    builtin = [import_plugin(name) for name in ("table", "mark", "strikethrough")]
    md = mistune.Markdown(renderer=None, block=block, plugins=builtin)
    for plugin in OBSIDIAN_PLUGINS:
        plugin(md)
    return md
