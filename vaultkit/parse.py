"""``parse_note(text, path) -> Note``: one note, read exactly the way Obsidian reads it.

Pure: text in, :class:`~vaultkit.model.Note` out, no I/O. The frontmatter is split off by
Obsidian's rules and loaded as YAML (dates stay strings, as in Obsidian); the body goes through
mistune's AST with the Obsidian plugins of :mod:`vaultkit.syntax`, so code, math and HTML never
yield links or tags. A walk over the AST collects links, tags, headings, block ids and tasks, and
builds plain text that stays line-aligned with the file.

Line numbers come from the source: the root block parser records where each top-level block
starts, and inside a block every token is located by searching its source text forward from the
previous one, so a reported line always holds what was found there.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from mistune.block_parser import BlockParser
from mistune.core import BlockState

from .model import Block, ExternalLink, Heading, Link, LinkKind, Note, TagOccurrence, Task
from .resolve import decode_markdown_href, is_external_url
from .syntax import create_markdown, split_wikilink

__all__ = ["parse_frontmatter", "parse_note", "split_frontmatter"]

_FM_CLOSE = re.compile(r"^---", re.M)
_WHOLE_WIKILINK = re.compile(r"\[\[([^\n]+?)\]\]")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")


# ---------------------------------------------------------------- frontmatter


def split_frontmatter(text: str) -> tuple[str | None, str]:
    """Split a normalised note into ``(yaml_text, body)`` by Obsidian's rules.

    The file must start with ``---`` and a newline; the block ends at the next line that starts
    with ``---`` (the rest of that line is body). Without a closing line there is no frontmatter.
    The returned body keeps the frontmatter's lines as empty lines, so offsets in the body map to
    the same line numbers as in the file.
    """
    if not text.startswith("---\n"):
        return None, text
    m = _FM_CLOSE.search(text, 4)
    if m is None:
        return None, text
    close = m.start()
    body = "\n" * text.count("\n", 0, close) + text[close + 3 :]
    return text[4:close], body


def _strip_timestamps(resolvers: dict[Any, Any]) -> dict[Any, Any]:
    return {
        first: [(tag, rx) for tag, rx in entries if tag != "tag:yaml.org,2002:timestamp"]
        for first, entries in resolvers.items()
    }


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ObsidianLoader(_BaseLoader):  # type: ignore[misc]
    """YAML as Obsidian reads properties: dates stay strings, duplicate keys are an error."""

    yaml_implicit_resolvers = _strip_timestamps(yaml.SafeLoader.yaml_implicit_resolvers)


def _construct_mapping(loader: Any, node: Any) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            continue  # unhashable key: the constructor below reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
    return dict(loader.construct_pairs(node, deep=True))


_ObsidianLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _ObsidianYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler with Obsidian's loading rules."""

    def load(self, fm: str, **kwargs: Any) -> Any:
        return yaml.load(fm, Loader=_ObsidianLoader)


_HANDLER = _ObsidianYAMLHandler()


_MAX_VALUES = 100_000
_KINDS = {"list": "a list", "str": "a single value", "int": "a number", "float": "a number", "bool": "true/false"}


def _jsonable(value: Any, budget: list[int], depth: int = 0) -> Any:
    """A JSON-ready copy; YAML aliases can make a tiny file expand exponentially, so values are counted."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("frontmatter is too large (more than 100,000 values once YAML aliases are expanded)")
    if depth > 50:
        raise ValueError("frontmatter is nested too deeply")
    if isinstance(value, dict):
        return {str(k): _jsonable(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, budget, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v, budget, depth + 1) for v in value), key=str)
    if isinstance(value, _dt.date | _dt.datetime | _dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def parse_frontmatter(yaml_text: str) -> tuple[dict[str, Any], str | None]:
    """Load a frontmatter block: ``(properties, None)`` or ``({}, error message)``.

    Like Obsidian, a block that does not parse, or parses to something other than a mapping,
    gives no properties at all; an empty block gives none and no error.
    """
    try:
        data = _HANDLER.load(yaml_text)
        if data is None:
            return {}, None
        if not isinstance(data, dict):
            kind = _KINDS.get(type(data).__name__, "not a set of properties")
            return {}, f"frontmatter is {kind}, not a set of properties (key: value lines)"
        return _jsonable(data, [_MAX_VALUES]), None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 2}" if mark is not None else ""  # the YAML starts on line 2
        what = exc.problem or exc.context or "unreadable"
        return {}, f"invalid YAML frontmatter{where}: {what}"
    except yaml.YAMLError as exc:
        return {}, "invalid YAML frontmatter: " + " ".join(str(exc).split())
    except (ValueError, TypeError, RecursionError, MemoryError) as exc:
        return {}, f"invalid YAML frontmatter: {exc}"


def _first_key(frontmatter: dict[str, Any], name: str) -> Any:
    for key, value in frontmatter.items():
        if key.lower() == name:
            return value
    return None


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, list):
        items = [v for v in value if isinstance(v, str)]
    else:
        return []
    return [s.strip() for s in items if s.strip()]


def _frontmatter_tags(frontmatter: dict[str, Any]) -> list[str]:
    tags = []
    for item in _string_list(_first_key(frontmatter, "tags")):
        name = item[1:] if item.startswith("#") else item
        if name and not any(ch.isspace() for ch in name):
            tags.append(name)
    return tags


def _walk_values(value: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_values(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_values(v, f"{key}.{i}")


def _frontmatter_links(frontmatter: dict[str, Any], yaml_text: str) -> list[Link]:
    links = []
    cursor = 0
    for key, value in _walk_values(frontmatter, ""):
        m = _WHOLE_WIKILINK.fullmatch(value.strip())
        if not m or "[[" in m.group(1) or not m.group(1).strip():
            continue
        _, target, subpath, display = split_wikilink(m.group(1).strip())
        raw = m.group(0)
        found = yaml_text.find(raw, cursor)
        if found < 0:
            found = yaml_text.find(raw)
        else:
            cursor = found + len(raw)
        line = 2 + yaml_text.count("\n", 0, found) if found >= 0 else 1
        links.append(Link("frontmatter", target, subpath, display, line, raw, key))
    return links


# ---------------------------------------------------------------- block positions


class _RootState(BlockState):
    """Block state that stamps each top-level token with the offset where its block starts."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.block_start: int | None = None

    def _stamp(self, token: dict[str, Any]) -> None:
        if self.parent is None:
            token.setdefault("_start", self.cursor if self.block_start is None else self.block_start)

    def append_token(self, token: dict[str, Any]) -> None:
        self._stamp(token)
        super().append_token(token)

    def prepend_token(self, token: dict[str, Any]) -> None:
        self._stamp(token)
        super().prepend_token(token)

    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        if last and last["type"] == "paragraph":
            last["text"] += text
        else:
            self.append_token({"type": "paragraph", "text": text})


class _TrackingBlockParser(BlockParser):
    """Block parser that tells the state where the block being parsed starts."""

    state_cls = _RootState
    _QUOTE_BREAKS = ("blank_line", "thematic_break", "fenced_code", "list", "block_html")

    def compile_sc(self, rules: list[str] | None = None) -> Any:
        # CommonMark (and Obsidian's remark) let an ATX heading end a block quote's lazy
        # continuation; mistune 3 does not list it among the quote's break rules, so add it.
        if rules is not None and tuple(rules) == self._QUOTE_BREAKS:
            rules = [*rules, "atx_heading"]
        return super().compile_sc(rules)

    def parse_method(self, m: Any, state: Any) -> int | None:
        start = state.cursor
        outer, state.block_start = state.block_start, start
        count = len(state.tokens)
        try:
            result: int | None = super().parse_method(m, state)
        finally:
            state.block_start = outer  # rules call each other (a quote ends at a blank line)
        if state.parent is None:
            # some rules insert their token directly (a list that ends a quote): stamp those too
            for tok in state.tokens[max(0, count - 2) :]:
                tok.setdefault("_start", start)
        return result


_MARKDOWN: Any = None


def _markdown() -> Any:
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = create_markdown(block=_TrackingBlockParser())
    return _MARKDOWN


# ---------------------------------------------------------------- the walk


class _Walker:
    """Collects links, tags, headings, blocks, tasks and line-aligned plain text from the AST."""

    def __init__(self, src: str, first_body_line: int) -> None:
        self.src = src
        self.line_starts = [0]
        find = src.find
        pos = find("\n")
        while pos >= 0:
            self.line_starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.plain: list[list[str]] = [[] for _ in self.line_starts]
        self.first_body_line = first_body_line
        self.cursor = 0
        self.hi = len(src)
        self.links: list[Link] = []
        self.external: list[ExternalLink] = []
        self.tags: list[TagOccurrence] = []
        self.headings: list[Heading] = []
        self.blocks: list[Block] = []
        self.tasks: list[Task] = []
        self.first_h1: str | None = None
        self._captures: list[list[str]] = []

    # positions
    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def locate(self, raw: str) -> int | None:
        if not raw:
            return None
        pos = self.src.find(raw, self.cursor, self.hi)
        if pos < 0:
            return None
        self.cursor = pos + len(raw)
        return pos

    def line_for(self, raw: str) -> int:
        pos = self.locate(raw)
        return self.line_of(self.cursor if pos is None else pos)

    def add_text(self, text: str, line: int) -> None:
        if not text:
            return
        self.plain[min(line, len(self.plain)) - 1].append(text)
        for capture in self._captures:
            capture.append(text)

    def captured(self, tokens: list[dict[str, Any]], *, inline: bool) -> str:
        self._captures.append([])
        if inline:
            self.inline(tokens)
        else:
            self.blocks_(tokens, depth=1)
        return " ".join("".join(self._captures.pop()).split())

    # blocks
    def root(self, tokens: list[dict[str, Any]]) -> None:
        starts = []
        last = 0
        for tok in tokens:
            last = tok.get("_start", last)
            starts.append(last)
        order = sorted(range(len(tokens)), key=lambda i: starts[i])
        for n, i in enumerate(order):
            self.cursor = starts[i]
            self.hi = starts[order[n + 1]] if n + 1 < len(order) else len(self.src)
            if self.hi <= self.cursor:
                self.hi = len(self.src)
            self.block(tokens[i], depth=0)

    def blocks_(self, tokens: list[dict[str, Any]], depth: int) -> None:
        for tok in tokens:
            self.block(tok, depth)

    def block(self, tok: dict[str, Any], depth: int) -> None:
        kind = tok["type"]
        self.add_text(" ", self.line_of(self.cursor))  # blocks and table cells never run together
        children = tok.get("children") or []
        if kind == "heading":
            self.heading(tok, depth)
        elif kind in ("paragraph", "block_text", "comment_block"):
            self.inline(children)
        elif kind in ("list", "block_quote", "list_item", "table_head", "table_body", "table_row") or kind == "table":
            self.blocks_(children, depth + 1)
        elif kind == "table_cell":
            self.inline(children)
        elif kind == "task_item":
            self.task(tok, depth)
        elif kind in ("block_code", "block_math"):
            self.code(tok.get("raw", ""))
        elif kind == "block_html":
            self.locate(tok.get("raw", "").split("\n", 1)[0])

    def heading(self, tok: dict[str, Any], depth: int) -> None:
        start = self.cursor
        line = self.line_of(start)
        text = self.captured(tok.get("children") or [], inline=True)
        if depth:
            return  # headings inside quotes, callouts or lists are not indexed by Obsidian
        level = int(tok.get("attrs", {}).get("level", 1))
        if tok.get("style") == "setext":
            lines = self.src[start : self.hi].rstrip("\n").split("\n")
            raw = " ".join(s.strip() for s in lines[:-1])
        else:
            first = self.src[self.line_starts[line - 1] : self.src.find("\n", start) % (len(self.src) + 1)]
            m = _ATX.match(first)
            raw = m.group(1).strip() if m else first.strip()
        self.headings.append(Heading(level, raw, line))
        if level == 1 and self.first_h1 is None and text:
            self.first_h1 = text

    def task(self, tok: dict[str, Any], depth: int) -> None:
        status = tok["status"]
        line = self.line_for(f"[{status}]")
        children = tok.get("children") or []
        text = self.captured(children[:1], inline=False) if children else ""
        self.tasks.append(Task(status, status != " ", text, line))
        self.blocks_(children[1:], depth + 1)

    def code(self, raw: str) -> None:
        lines = raw.split("\n")
        first = next((i for i, s in enumerate(lines) if s.strip()), None)
        if first is None:
            return
        pos = self.locate(lines[first].strip())
        line = self.line_of(self.cursor if pos is None else pos) - first
        for i, text in enumerate(lines):
            self.add_text(text.strip(), line + i)
            if i > first:
                self.locate(text.strip())

    # inline
    def inline(self, tokens: list[dict[str, Any]]) -> None:
        for tok in tokens:
            kind = tok["type"]
            if kind == "text":
                raw = tok.get("raw", "")
                self.add_text(raw, self.line_for(raw))
            elif kind in ("codespan", "inline_math", "block_math"):
                raw = tok.get("raw", "")
                self.add_text(" " + raw + " ", self.line_for(raw))
            elif kind == "inline_html":
                self.locate(tok.get("raw", ""))
            elif kind == "wikilink":
                self.wikilink(tok)
            elif kind == "tag":
                line = self.line_for(tok["raw"])
                self.tags.append(TagOccurrence(tok["name"], line))
                self.add_text(tok["raw"], line)
            elif kind == "block_id":
                self.blocks.append(Block(tok["id"], self.line_for(tok["raw"])))
            elif kind in ("link", "image"):
                self.md_link(tok)
            elif "children" in tok:
                self.inline(tok["children"])

    def wikilink(self, tok: dict[str, Any]) -> None:
        line = self.line_for(tok["raw"])
        _, target, subpath, display = split_wikilink(tok["inner"])
        kind: LinkKind = "embed" if tok["embed"] else "wikilink"
        self.links.append(Link(kind, target, subpath, display, line, tok["raw"]))
        self.add_text(" ".join(display.split(" > ")), line)

    def md_link(self, tok: dict[str, Any]) -> None:
        image = tok["type"] == "image"
        url = str(tok.get("attrs", {}).get("url", ""))
        start = self.src.find("![" if image else "[", self.cursor, self.hi)
        autolink = tok.get("_autolink")
        if autolink:
            start = self.src.find(autolink, self.cursor, self.hi)
        start_line = self.line_of(self.cursor if start < 0 else start)
        if start >= 0:
            self.cursor = start + (2 if image else 1)
        label = self.captured(tok.get("children") or [], inline=True)
        if autolink:
            raw = autolink
            if start >= 0:
                self.cursor = start + len(autolink)
        else:
            close = self.src.find(")", self.cursor, self.hi)
            raw = self.src[start : close + 1] if 0 <= start < close else f"[{label}]({url})"
            if close >= 0:
                self.cursor = close + 1
        display = label or None
        if is_external_url(url):
            self.external.append(ExternalLink(url, display, start_line, image))
            return
        href = decode_markdown_href(url)
        if href is None or not href:
            return  # malformed percent-encoding: Obsidian drops the link
        target, _, rest = href.partition("#")
        kind: LinkKind = "embed" if image else "markdown"
        self.links.append(Link(kind, target, rest or None, display, start_line, raw))


# ---------------------------------------------------------------- entry point


def _normalise(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _unique_casefold(items: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return tuple(out)


def parse_note(text: str, path: str) -> Note:
    """Parse one note's text into a :class:`~vaultkit.model.Note`. Pure; never raises on any text.

    ``path`` is the vault-relative path (``/`` separators); it is stored NFC-normalised and gives
    the fallback title. A BOM and CR/CRLF line endings are accepted; line numbers are 1-based
    lines of the file as written.
    """
    path = unicodedata.normalize("NFC", path.replace("\\", "/"))
    text = _normalise(text)
    yaml_text, body = split_frontmatter(text)
    frontmatter: dict[str, Any] = {}
    error: str | None = None
    if yaml_text is not None:
        frontmatter, error = parse_frontmatter(yaml_text)

    walker = _Walker(body, 1)
    tokens, _ = _markdown().parse(body, state=_RootState())
    walker.root(tokens)

    fm_tags = _frontmatter_tags(frontmatter)
    fm_links = _frontmatter_links(frontmatter, yaml_text or "")
    title_value = _first_key(frontmatter, "title")
    name = path.rsplit("/", 1)[-1]
    name = name[:-3] if name.lower().endswith(".md") else name
    title = title_value.strip() if isinstance(title_value, str) and title_value.strip() else walker.first_h1 or name

    occurrences = [TagOccurrence(t, None) for t in fm_tags] + walker.tags
    return Note(
        path=path,
        title=title,
        aliases=tuple(_string_list(_first_key(frontmatter, "aliases"))),
        frontmatter=frontmatter,
        frontmatter_error=error,
        tags=_unique_casefold([o.tag for o in occurrences]),
        tag_occurrences=tuple(occurrences),
        links=tuple(fm_links + walker.links),
        external_links=tuple(walker.external),
        headings=tuple(walker.headings),
        blocks=tuple(walker.blocks),
        tasks=tuple(walker.tasks),
        text="\n".join(" ".join("".join(parts).split()) for parts in walker.plain),
    )
