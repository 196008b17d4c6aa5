"""``[[link]]`` and ``![[embed]]``: Obsidian's wikilink tokenizer as a mistune inline rule.

Obsidian matches ``^(!?)\\[\\[(.+?)]]`` on one line, non-greedy; the inner text is trimmed, and an
inner text containing ``[[`` is no link. The token keeps the raw source and the trimmed inner text;
splitting it into target, subpath and display is :func:`split_wikilink`'s job.
"""

from __future__ import annotations

import unicodedata
from re import Match
from typing import Any

from .rules import register_inline

# The inner text may hold single brackets but never "[[" or "]]": the same links as Obsidian's
# ``\[\[(.+?)]]`` plus its "no [[ inside" rule, in linear time on long runs of brackets.
WIKILINK_PATTERN = r"!?\[\[(?P<wikilink_inner>(?:[^\n\[\]]|\[(?!\[)|\](?!\]))+?)\]\]"


def split_wikilink(inner: str) -> tuple[str, str, str | None, str]:
    """Split a wikilink's inner text the way Obsidian's ``parseAliasLink`` does.

    Returns ``(href, target, subpath, display)``: the split is at the first ``|`` only when it is
    not the first character; a trailing backslash is stripped from the href (so ``[[A\\|B]]``
    works in tables); NBSP becomes a space; the href is NFC. ``target`` is the text before the
    first ``#``; ``display`` is the alias or, without one, the ``#`` parts joined by ``" > "``.
    """
    pipe = inner.find("|")
    alias: str | None = None
    if pipe > 0:
        href, alias = inner[:pipe].strip(), inner[pipe + 1 :].strip()
    else:
        href = inner.strip()
    if href.endswith("\\"):
        href = href[:-1]
    href = unicodedata.normalize("NFC", href.replace("\u00a0", " ").strip())
    target, _, rest = href.partition("#")
    subpath = rest if rest else None
    display = alias if alias is not None else " > ".join(p for p in href.split("#") if p)
    return href, target, subpath, display


def parse_wikilink(inline: Any, m: Match[str], state: Any) -> int | None:
    """Inline rule: emit a ``wikilink`` token, or decline (the text stays text)."""
    inner = m.group("wikilink_inner").strip()
    if not inner or "[[" in inner:
        return None
    raw = m.group(0)
    state.append_token({"type": "wikilink", "raw": raw, "embed": raw.startswith("!"), "inner": inner})
    return m.end()


def wikilinks(md: Any) -> None:
    """Mistune plugin: register the wikilink/embed rule ahead of Markdown links and images."""
    register_inline(md, "wikilink", WIKILINK_PATTERN, parse_wikilink, "![", before="link")
