"""``$inline$`` and ``$$block$$`` math: nothing inside yields links or tags.

Block math comes from mistune's math plugin; the inline rule follows Obsidian: the opener is not
followed by whitespace, the closer is not preceded by whitespace nor followed by a digit, and
``\\$`` escapes.
"""

from __future__ import annotations

from re import Match
from typing import Any

from mistune.plugins.math import math as _mistune_math

from .rules import register_inline

INLINE_MATH_PATTERN = (
    r"\$\$(?P<display_math_text>(?:[^$\\]|\\.)*?)\$\$|"
    r"\$(?![\s$])(?P<math_text>(?:[^$\\\n]|\\.)*?(?:[^\s$\\]|\\.))\$(?![0-9])"
)


def parse_inline_math(inline: Any, m: Match[str], state: Any) -> int:
    """Inline rule: an ``inline_math`` token holding the formula."""
    text = m.group("display_math_text")
    if text is None:
        text = m.group("math_text")
    state.append_token({"type": "inline_math", "raw": text})
    return m.end()


def math(md: Any) -> None:
    """Mistune plugin: mistune's block math plus Obsidian's inline math rule."""
    _mistune_math(md)
    register_inline(md, "inline_math", INLINE_MATH_PATTERN, parse_inline_math, "$", before="codespan")
