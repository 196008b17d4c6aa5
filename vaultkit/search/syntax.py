"""``parse_query(text) -> Node``: Obsidian's search syntax, parsed into a small typed AST.

Pure: no index, no Whoosh. The grammar is Obsidian's core search plus vaultkit's graph filters::

    query   := or
    or      := and ("OR" and)*               # OR: the uppercase word, lower precedence than AND
    and     := unary+                        # terms side by side (usually whitespace) are ANDed
    unary   := "-" unary | primary           # "-" right before something excludes it
    primary := "(" or ")" | '"phrase"' | "/regex/" | "[" property "]" | name ":" value | word
    value   := "(" or ")" | '"phrase"' | "/regex/" | word
    property:= name | name ":" ("<" | ">" | "<=" | ">=" | "=") number | name ":" or

A ``word`` runs to whitespace, ``(`` or ``)`` (and ``]`` inside a property); ``word*`` is a
prefix, ``word~`` / ``word~1`` / ``word~2`` is a fuzzy term. Terms keep the case they were typed
in; matching rules (case, analysis) belong to the search layer.

The parser is hand-written recursive descent over an on-demand tokenizer that knows every
token's position, so each :class:`~vaultkit.errors.QueryError` says what is wrong and where. It
runs in linear time and refuses nesting deeper than :data:`MAX_DEPTH` levels instead of
exhausting the Python stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from ..errors import QueryError

__all__ = [
    "FIELD_OPERATORS",
    "GRAPH_OPERATORS",
    "HAS_VALUES",
    "MAX_DEPTH",
    "OPERATORS",
    "And",
    "Compare",
    "Field",
    "Fuzzy",
    "Graph",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Prefix",
    "Prop",
    "Regex",
    "Term",
    "parse_query",
    "positive_terms",
]


# ---------------------------------------------------------------- AST


@dataclass(frozen=True, slots=True)
class Term:
    """A plain word, as typed (``연구``, ``10:30``, ``C++``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """A quoted exact phrase; ``text`` has the quotes removed and ``\\"`` / ``\\\\`` unescaped."""

    text: str


@dataclass(frozen=True, slots=True)
class Prefix:
    """``word*``: words starting with ``text`` (the trailing ``*`` removed)."""

    text: str


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """``word~`` or ``word~N``: words within ``distance`` edits (1 or 2) of ``text``."""

    text: str
    distance: int


@dataclass(frozen=True, slots=True)
class Regex:
    """``/pattern/``: a regular expression (``pattern`` without the slashes, backslashes kept)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class And:
    """All of ``items`` must match (never fewer than two items: one item collapses to itself)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any of ``items`` may match (never fewer than two items: one item collapses to itself)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """``-item``: notes that do not match ``item``."""

    item: Node


@dataclass(frozen=True, slots=True)
class Field:
    """``name:value``: ``query`` restricted to one part of a note.

    ``name`` is lowercase without the colon (``"tag"``, ``"task-todo"``, ``"match-case"``).
    ``query`` is the parsed value: a term, phrase, regex or a whole parenthesised sub-query. For
    ``tag`` one leading ``#`` is stripped from each tag and a quoted tag becomes a :class:`Term`,
    so ``tag:#work``, ``tag:work`` and ``tag:"work"`` are all ``Field("tag", Term("work"))``.
    ``task:""`` (and the ``task-todo`` / ``task-done`` forms) keeps ``Phrase("")``: "any task".
    """

    name: str
    query: Node


@dataclass(frozen=True, slots=True)
class Prop:
    """``[name]`` (``value`` is None: the property exists) or ``[name:value]``.

    ``value`` is the parsed value sub-query (``[status:Draft OR Published]`` gives an
    :class:`Or`); ``[name:null]`` gives ``Term("null")``, meaning an empty value.
    """

    name: str
    value: Node | None


@dataclass(frozen=True, slots=True)
class Compare:
    """``[name:<5]`` and friends: a numeric comparison; ``op`` is ``<``, ``>``, ``<=``, ``>=`` or ``=``."""

    name: str
    op: str
    number: float


@dataclass(frozen=True, slots=True)
class Graph:
    """A vaultkit graph filter.

    ``name`` is ``links-to`` / ``linked-from`` (``value``: a note reference, as typed),
    ``orphan`` (``value``: ``"true"`` or ``"false"``) or ``has`` (``value``: one of
    :data:`HAS_VALUES`). ``orphan`` and ``has`` values are lowercased.
    """

    name: str
    value: str


Node: TypeAlias = Term | Phrase | Prefix | Fuzzy | Regex | And | Or | Not | Field | Prop | Compare | Graph
"""Any node of a parsed query."""

FIELD_OPERATORS: tuple[str, ...] = (
    "tag",
    "path",
    "file",
    "title",
    "content",
    "section",
    "line",
    "block",
    "task",
    "task-todo",
    "task-done",
    "match-case",
    "ignore-case",
)
"""Operators parsed into :class:`Field` nodes, in the order error messages list them."""

GRAPH_OPERATORS: tuple[str, ...] = ("links-to", "linked-from", "orphan", "has")
"""Operators parsed into :class:`Graph` nodes."""

OPERATORS: tuple[str, ...] = FIELD_OPERATORS + GRAPH_OPERATORS
"""Every operator name the parser knows (lowercase, without the colon)."""

HAS_VALUES: tuple[str, ...] = ("unresolved", "tasks", "links", "tags")
"""The values ``has:`` accepts."""

MAX_DEPTH = 100
"""Deepest nesting of groups, negations, operator values and properties a query may have."""

_TEXT_FIELDS = frozenset(
    {"title", "content", "section", "line", "block", "task", "task-todo", "task-done", "match-case", "ignore-case"}
)
_TASK_FIELDS = frozenset({"task", "task-todo", "task-done"})
_OPERATOR_NAME = re.compile(r"[A-Za-z-]+:")
_COMPARE_OP = re.compile(r"<=|>=|<|>|=")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_KNOWN = ", ".join(name + ":" for name in OPERATORS)


# ---------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over ``text``; ``pos`` is the tokenizer's cursor."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.depth = 0
        self.brackets = 0  # how many [property: ...] values we are inside; then "]" ends words

    # -- tokenizer helpers

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.n else ""

    def skip_ws(self) -> None:
        text, n, i = self.text, self.n, self.pos
        while i < n and text[i].isspace():
            i += 1
        self.pos = i

    def ends_word(self, ch: str) -> bool:
        """True at the end of input and for characters that end a word here."""
        return ch == "" or ch.isspace() or ch in "()" or (ch == "]" and self.brackets > 0)

    def at_or(self) -> bool:
        return self.text.startswith("OR", self.pos) and self.ends_word(self.text[self.pos + 2 : self.pos + 3])

    def read_word(self) -> str:
        text, n, start = self.text, self.n, self.pos
        i = start
        while i < n and not self.ends_word(text[i]):
            i += 1
        self.pos = i
        return text[start:i]

    def read_phrase(self) -> str:
        """At a ``"``: the phrase's text, unescaped; the cursor ends after the closing quote."""
        text, n, start = self.text, self.n, self.pos
        out: list[str] = []
        i = start + 1
        while i < n:
            ch = text[i]
            if ch == "\\" and i + 1 < n and text[i + 1] in '"\\':
                out.append(text[i + 1])
                i += 2
            elif ch == '"':
                self.pos = i + 1
                return "".join(out)
            else:
                out.append(ch)
                i += 1
        raise QueryError(f'unbalanced quote: the " at position {start} is never closed')

    def read_regex(self) -> Regex:
        """At a ``/``: the regex up to the next unescaped ``/``."""
        text, n, start = self.text, self.n, self.pos
        i = start + 1
        while i < n:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == "/":
                if i == start + 1:
                    raise QueryError(f'empty regular expression "//" at position {start}')
                self.pos = i + 1
                return Regex(text[start + 1 : i])
            else:
                i += 1
        raise QueryError(f"unclosed regular expression: the / at position {start} is never closed")

    def enter(self, at: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nested too deeply (more than {MAX_DEPTH} levels) at position {at}")

    # -- grammar

    def parse_or(self) -> Node | None:
        """``and ("OR" and)*``; None when there is nothing before the next ``)``, ``]`` or the end."""
        first = self.parse_and()
        if first is None:
            if self.at_or():
                raise _or_error(self.pos)
            return None
        items = [first]
        while self.at_or():
            or_pos = self.pos
            self.pos += 2
            item = self.parse_and()
            if item is None:
                raise _or_error(or_pos)
            items.append(item)
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node | None:
        items: list[Node] = []
        while True:
            self.skip_ws()
            ch = self.peek()
            if ch == "" or ch == ")" or (ch == "]" and self.brackets > 0) or self.at_or():
                break
            items.append(self.parse_unary())
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        start = self.pos
        if self.peek() != "-":
            return self.parse_primary()
        nxt = self.text[start + 1 : start + 2]
        if nxt != "(" and self.ends_word(nxt):
            raise QueryError(f'"-" at position {start} must be followed directly by what to exclude')
        self.enter(start)
        self.pos += 1
        node = Not(self.parse_unary())
        self.depth -= 1
        return node

    def parse_primary(self) -> Node:
        start = self.pos
        ch = self.peek()
        if ch == "(":
            return self.parse_group()
        if ch == '"':
            text = self.read_phrase()
            if not text:
                raise QueryError(f'empty phrase "" at position {start}')
            return Phrase(text)
        if ch == "/":
            return self.read_regex()
        if ch == "[":
            return self.parse_property()
        if self.at_or():
            raise _or_error(start)
        m = _OPERATOR_NAME.match(self.text, start)
        if m is not None:
            name = m.group()[:-1].lower()
            if name in OPERATORS:
                self.pos = m.end()
                return self.parse_operator(name, start)
            if not self.text.startswith("//", m.end()):  # "https://..." is a word, not an operator
                raise QueryError(f'unknown operator "{m.group()}" at position {start} (known: {_KNOWN})')
        return _classify(self.read_word(), start)

    def parse_group(self) -> Node:
        start = self.pos
        self.enter(start)
        self.pos += 1
        node = self.parse_or()
        self.skip_ws()
        if self.peek() != ")":
            raise QueryError(f"unbalanced parenthesis: ( at position {start} is never closed")
        if node is None:
            raise QueryError(f'empty group "()" at position {start}')
        self.pos += 1
        self.depth -= 1
        return node

    def parse_operator(self, name: str, start: int) -> Node:
        """After ``name:``: the operator's value."""
        label = f'operator "{name}:"'
        at = self.pos
        ch = self.peek()
        if self.ends_word(ch) and ch != "(":
            raise QueryError(f"{label} needs a value (at position {start})")
        if name in GRAPH_OPERATORS:
            if ch == "(":
                raise QueryError(f"{label} at position {start} takes a single value, not a group")
            value = self.read_phrase() if ch == '"' else self.read_word()
            if not value:
                raise QueryError(f"{label} needs a value (at position {start})")
            if name == "orphan":
                value = value.lower()
                if value not in ("true", "false"):
                    raise QueryError(f'{label} at position {start} takes true or false, not "{value}"')
            elif name == "has":
                value = value.lower()
                if value not in HAS_VALUES:
                    allowed = ", ".join(HAS_VALUES)
                    raise QueryError(f'{label} at position {start} takes one of {allowed}, not "{value}"')
            return Graph(name, value)
        self.enter(at)
        query: Node
        if ch == "(":
            query = self.parse_group()
        elif ch == '"':
            text = self.read_phrase()
            if not text and name not in _TASK_FIELDS:
                raise QueryError(f"{label} needs a value (at position {start})")
            query = Phrase(text)
        elif ch == "/":
            query = self.read_regex()
        else:
            query = _classify(self.read_word(), at)
        self.depth -= 1
        if name == "tag":
            query = _strip_hash(query, start)
        return Field(name, query)

    def parse_property(self) -> Node:
        """At ``[``: ``[name]``, ``[name:value]`` or ``[name:<number]``."""
        text, n, start = self.text, self.n, self.pos
        i = start + 1
        while i < n and text[i] not in ":]":
            i += 1
        if i == n:
            raise QueryError(f"[ at position {start} is never closed")
        name = text[start + 1 : i].strip()
        if not name:
            raise QueryError(f"property name missing in [ at position {start}")
        if text[i] == "]":
            self.pos = i + 1
            return Prop(name, None)
        self.pos = i + 1
        self.skip_ws()
        ch = self.peek()
        if ch == "":
            raise QueryError(f"[ at position {start} is never closed")
        if ch == "]":
            raise QueryError(f'property "[{name}:]" at position {start} needs a value after ":"')
        m = _COMPARE_OP.match(text, self.pos)
        if m is not None:
            return self.parse_compare(name, m.group(), m.end(), start)
        self.enter(start)
        self.brackets += 1
        value = self.parse_or()
        self.brackets -= 1
        self.skip_ws()
        ch = self.peek()
        if ch == ")":
            raise QueryError(f"unexpected ) at position {self.pos}")
        if ch != "]":
            raise QueryError(f"[ at position {start} is never closed")
        self.pos += 1
        self.depth -= 1
        assert value is not None  # the first character of the value is neither "]", ")" nor the end
        return Prop(name, value)

    def parse_compare(self, name: str, op: str, after_op: int, start: int) -> Compare:
        text = self.text
        self.pos = after_op
        self.skip_ws()
        m = _NUMBER.match(text, self.pos)
        if m is not None:
            self.pos = m.end()
            self.skip_ws()
            if self.peek() == "]":
                self.pos += 1
                return Compare(name, op, float(m.group()))
        if self.pos >= self.n:
            raise QueryError(f"[ at position {start} is never closed")
        raise QueryError(f'comparison "[{name}:{op}" at position {start} needs a number, as in [{name}:{op}5]')


def _or_error(at: int) -> QueryError:
    return QueryError(f'"OR" needs something on both sides (at position {at})')


def _classify(word: str, at: int) -> Node:
    """A bare word as a :class:`Fuzzy`, :class:`Prefix` or :class:`Term`."""
    tilde = word.rfind("~")
    if tilde > 0:
        tail = word[tilde + 1 :]
        if tail in ("", "1", "2"):
            return Fuzzy(word[:tilde], int(tail or "1"))
        if tail.isascii() and tail.isdigit():
            raise QueryError(f'fuzzy distance must be 1 or 2, not {tail} in "{word}" at position {at}')
    if word.endswith("*"):
        stem = word.rstrip("*")
        if stem:
            return Prefix(stem)
    return Term(word)


def _strip_hash(node: Node, at: int) -> Node:
    """``tag:`` values: one leading ``#`` off each tag; a quoted tag becomes a Term."""
    if isinstance(node, Term | Phrase | Prefix | Fuzzy):
        text = node.text[1:] if node.text.startswith("#") else node.text
        if not text:
            raise QueryError(f'operator "tag:" needs a value (at position {at})')
        if isinstance(node, Fuzzy):
            return Fuzzy(text, node.distance)
        return Prefix(text) if isinstance(node, Prefix) else Term(text)
    if isinstance(node, And):
        return And(tuple(_strip_hash(item, at) for item in node.items))
    if isinstance(node, Or):
        return Or(tuple(_strip_hash(item, at) for item in node.items))
    if isinstance(node, Not):
        return Not(_strip_hash(node.item, at))
    return node  # a regex, or another operator nested inside tag:( ... )


def parse_query(text: str) -> Node:
    """Parse an Obsidian search query into a :data:`Node` tree.

    Raises :class:`~vaultkit.errors.QueryError` with a plain-words message (what is wrong and at
    which 0-based character position) for an empty query, unbalanced quotes, parentheses, brackets
    or slashes, a dangling ``-`` or ``OR``, an unknown ``name:`` operator, a bad operator value,
    or nesting deeper than :data:`MAX_DEPTH`.
    """
    parser = _Parser(text)
    parser.skip_ws()
    if parser.pos >= parser.n:
        raise QueryError("empty query")
    node = parser.parse_or()
    parser.skip_ws()
    if parser.pos < parser.n:  # only a ")" stops the top level early
        raise QueryError(f"unexpected ) at position {parser.pos}")
    assert node is not None  # the query has a first character and it is not ")"
    return node


def positive_terms(node: Node) -> list[str]:
    """The words and phrases a match should highlight, first occurrence first, without repeats.

    Collects the text of every :class:`Term`, :class:`Phrase`, :class:`Prefix` and :class:`Fuzzy`
    that is not under a :class:`Not`, including those inside text operators (``content:``,
    ``title:``, ``section:``, ``line:``, ``block:``, the ``task`` forms, ``match-case:`` and
    ``ignore-case:``). Values of ``tag:``, ``path:``, ``file:``, properties, graph filters and
    regexes are not note text and are left out, as are empty strings.
    """
    out: dict[str, None] = {}

    def walk(item: Node) -> None:
        if isinstance(item, Term | Phrase | Prefix | Fuzzy):
            if item.text:
                out.setdefault(item.text)
        elif isinstance(item, And | Or):
            for child in item.items:
                walk(child)
        elif isinstance(item, Field) and item.name in _TEXT_FIELDS:
            walk(item.query)

    walk(node)
    return list(out)
