"""Registering inline rules on any mistune 3.x (``start_chars`` arrived within the 3.x line)."""

from __future__ import annotations

from typing import Any


def register_inline(md: Any, name: str, pattern: str, func: Any, start_chars: str, before: str | None = None) -> None:
    """Register an inline rule, declaring the characters it can start with where mistune supports it."""
    try:
        md.inline.register(name, pattern, func, before=before, start_chars=set(start_chars))
    except TypeError:  # mistune releases before start_chars existed
        md.inline.register(name, pattern, func, before=before)
