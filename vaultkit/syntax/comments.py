"""``%%comments%%``: hidden when rendered, but Obsidian still indexes the links and tags inside.

Inline form ``%%...%%`` on one line. Block form: a line that starts with two or more ``%`` and has
no other ``%``; it runs to the next ``%%`` (to the end of the file when unclosed) and its body is
tokenized as inline text, so lists and tasks inside are not list items.
"""

from __future__ import annotations

from re import Match
from typing import Any

from .rules import register_inline

INLINE_COMMENT_PATTERN = r"%%(?P<comment_body>[^\n]+?)%%"
BLOCK_COMMENT_PATTERN = r"^ {0,3}%{2,}[^%\n]*(?:\n|$)"


def parse_inline_comment(inline: Any, m: Match[str], state: Any) -> int:
    """Inline rule: a ``comment`` token whose body is parsed as inline Markdown."""
    child = state.copy()
    child.src = m.group("comment_body")
    state.append_token({"type": "comment", "children": inline.render(child)})
    return m.end()


def parse_block_comment(block: Any, m: Match[str], state: Any) -> int:
    """Block rule: a ``comment_block`` token running to the closing ``%%`` or the end of the file."""
    opener_end = m.end()
    close = state.src.find("%%", opener_end)
    if close < 0:
        body, end = state.src[opener_end:], int(state.cursor_max)
    else:
        body = state.src[opener_end:close]
        end = int(state.find_line_end_at(close))
    first_line = m.group(0).strip().lstrip("%")
    state.append_token({"type": "comment_block", "text": (first_line + "\n" + body).strip("\n")})
    return end


def comments(md: Any) -> None:
    """Mistune plugin: register the inline and block comment rules."""
    register_inline(md, "comment", INLINE_COMMENT_PATTERN, parse_inline_comment, "%", before="link")
    md.block.register("comment_block", BLOCK_COMMENT_PATTERN, parse_block_comment, before="list")
