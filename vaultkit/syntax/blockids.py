"""``^block-id``: an id at the very end of a paragraph or list item, after whitespace.

Ids are ``[A-Za-z0-9-]+`` (no ``_``). A paragraph that holds nothing but ``^id`` (a line of its
own followed by a blank line) gives its id to the previous root block; the parser does that.
"""

from __future__ import annotations

from re import Match
from typing import Any

from .rules import register_inline

BLOCK_ID_PATTERN = r"(?:(?<=\s)|(?<![\s\S]))\^(?P<block_id_value>[A-Za-z0-9-]+)"


def parse_block_id(inline: Any, m: Match[str], state: Any) -> int | None:
    """Inline rule: a ``block_id`` token when the id ends the inline content, else decline."""
    if state.src[m.end() :].strip():
        return None
    state.append_token({"type": "block_id", "raw": m.group(0), "id": m.group("block_id_value")})
    return len(state.src)


def block_ids(md: Any) -> None:
    """Mistune plugin: register the block id rule."""
    register_inline(md, "block_id", BLOCK_ID_PATTERN, parse_block_id, "^")
