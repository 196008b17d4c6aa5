"""``#tag``: Obsidian 1.9+ inline tags as a mistune inline rule.

The tag body is an exclusion class (letters of any script, digits, ``_ - /``, emoji and CJK
punctuation are allowed); a body of ASCII digits only is no tag. A ``#`` starts a tag only at the
start of inline content, after whitespace, or right after another inline node (an escape, an
emphasis delimiter, a link, a tag): plain punctuation or a letter before ``#`` blocks it.
"""

from __future__ import annotations

import re
from re import Match
from typing import Any

from .rules import register_inline

TAG_BODY = r"[^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~\[\]\\\s]+"
TAG_PATTERN = r"#(?P<tag_name>" + TAG_BODY + ")"
_DIGITS_ONLY = re.compile(r"[0-9]+")
_DELIMITER_CHARS = frozenset("_*~=")


def _may_start_tag(m: Match[str], state: Any) -> bool:
    pos = m.start()
    if pos == 0:
        return True
    before = state.src[pos - 1]
    if before.isspace():
        return True
    if not state.tokens:
        return False
    last = state.tokens[-1]
    if last.get("type") != "text":
        return True  # right after a link, wikilink, tag, code span, HTML tag ...
    if last.get("_emphasis") is False:
        return True  # right after a backslash escape
    raw = last.get("raw", "")
    return bool(raw) and set(raw) <= _DELIMITER_CHARS


def parse_tag(inline: Any, m: Match[str], state: Any) -> int | None:
    """Inline rule: emit a ``tag`` token (name without ``#``), or decline."""
    name = m.group("tag_name")
    if not _may_start_tag(m, state):
        return None
    pos = m.start()
    opener = state.src[pos - 1] if pos else ""
    if opener == "_" and name.endswith("_"):
        # `_#u_`: Obsidian reads the emphasis first, so the closing delimiter is not part of the tag
        name = name.rstrip("_")
    if not name or _DIGITS_ONLY.fullmatch(name):
        return None
    state.append_token({"type": "tag", "raw": "#" + name, "name": name})
    return pos + 1 + len(name)


def tags(md: Any) -> None:
    """Mistune plugin: register the inline tag rule."""
    register_inline(md, "tag", TAG_PATTERN, parse_tag, "#")
