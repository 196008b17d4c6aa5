"""``- [c] task``: list items whose text starts with a one-character checkbox.

Obsidian accepts any single character between the brackets: a space is an open task, anything else
is done (``[/]``, ``[-]``, ``[?]`` are kept verbatim). Mistune's own task plugin knows only
``[ ]``/``[x]``, so this hook rewrites list items before inline parsing.
"""

from __future__ import annotations

import re
from typing import Any

_CHECKBOX = re.compile(r"\[(?P<status>[^\n])\](?:[ \t]+|$)")


def _mark_tasks(tokens: list[dict[str, Any]]) -> None:
    for tok in tokens:
        children = tok.get("children")
        if tok.get("type") == "list_item" and children:
            first = children[0]
            text = first.get("text")
            if first.get("type") in ("paragraph", "block_text") and isinstance(text, str):
                m = _CHECKBOX.match(text)
                if m:
                    tok["type"] = "task_item"
                    tok["status"] = m.group("status")
                    first["text"] = text[m.end() :]
        if isinstance(children, list):
            _mark_tasks(children)


def _hook(md: Any, state: Any) -> None:
    _mark_tasks(state.tokens)


def tasks(md: Any) -> None:
    """Mistune plugin: turn checkbox list items into ``task_item`` tokens carrying ``status``."""
    md.before_render_hooks.append(_hook)
