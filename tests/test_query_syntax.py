"""The query language: every construct parsed into an explicit AST, every error with its message."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.errors import QueryError
from vaultkit.search.syntax import (
    MAX_DEPTH,
    OPERATORS,
    And,
    Compare,
    Field,
    Fuzzy,
    Graph,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Prop,
    Regex,
    Term,
    parse_query,
    positive_terms,
)

T = Term
P = Phrase


def AND(*items: Node) -> And:
    return And(tuple(items))


def OR(*items: Node) -> Or:
    return Or(tuple(items))


PARSES: list[tuple[str, Node]] = [
    # terms, AND, OR, precedence, groups
    ("foo", T("foo")),
    ("  foo  ", T("foo")),
    ("Foo BAR", AND(T("Foo"), T("BAR"))),
    ("a b c", AND(T("a"), T("b"), T("c"))),
    ("a\tb\nc", AND(T("a"), T("b"), T("c"))),
    ("a OR b", OR(T("a"), T("b"))),
    ("a OR b OR c", OR(T("a"), T("b"), T("c"))),
    ("a b OR c", OR(AND(T("a"), T("b")), T("c"))),
    ("a OR b c", OR(T("a"), AND(T("b"), T("c")))),
    ("a (b OR c)", AND(T("a"), OR(T("b"), T("c")))),
    ("(a b) OR (c d)", OR(AND(T("a"), T("b")), AND(T("c"), T("d")))),
    ("(a)", T("a")),
    ("((a))", T("a")),
    ("(a)(b)", AND(T("a"), T("b"))),
    ("a or b", AND(T("a"), T("or"), T("b"))),
    ("a ORb", AND(T("a"), T("ORb"))),
    ("a OR(b)", OR(T("a"), T("b"))),
    ("f(x)", AND(T("f"), T("x"))),
    # negation
    ("-foo", Not(T("foo"))),
    ("a -b", AND(T("a"), Not(T("b")))),
    ("-(a b)", Not(AND(T("a"), T("b")))),
    ('-"a b"', Not(P("a b"))),
    ("-tag:#x", Not(Field("tag", T("x")))),
    ("-[status:done]", Not(Prop("status", T("done")))),
    ("-[draft]", Not(Prop("draft", None))),
    ("-foo*", Not(Prefix("foo"))),
    ("--a", Not(Not(T("a")))),
    ("a-b", T("a-b")),
    ("-a OR b", OR(Not(T("a")), T("b"))),
    ("-has:tasks", Not(Graph("has", "tasks"))),
    # phrases and escapes
    ('"exact phrase"', P("exact phrase")),
    ('"say \\"hi\\""', P('say "hi"')),
    ('"back\\\\slash"', P("back\\slash")),
    ('"a\\nb"', P("a\\nb")),
    ('"OR"', P("OR")),
    ('"a"b', AND(P("a"), T("b"))),
    ('5"', T('5"')),
    ('" "', P(" ")),
    ('"(a)"', P("(a)")),
    # prefix, fuzzy, regex
    ("prefix*", Prefix("prefix")),
    ("pre**", Prefix("pre")),
    ("*", T("*")),
    ("*foo", T("*foo")),
    ("fuzzy~", Fuzzy("fuzzy", 1)),
    ("fuzzy~1", Fuzzy("fuzzy", 1)),
    ("fuzzy~2", Fuzzy("fuzzy", 2)),
    ("~", T("~")),
    ("~1", T("~1")),
    ("a~b", T("a~b")),
    ("/ab+c/", Regex("ab+c")),
    ("/a b/", Regex("a b")),
    ("/\\d{4}\\/x/", Regex("\\d{4}\\/x")),
    ("path:/\\d{4}/", Field("path", Regex("\\d{4}"))),
    ("a/b", T("a/b")),
    # operators
    ("tag:work", Field("tag", T("work"))),
    ("tag:#work", Field("tag", T("work"))),
    ('tag:"#work"', Field("tag", T("work"))),
    ("tag:##x", Field("tag", T("#x"))),
    ("tag:lang/python", Field("tag", T("lang/python"))),
    ("tag:(#a OR b)", Field("tag", OR(T("a"), T("b")))),
    ("tag:(#a -#b)", Field("tag", AND(T("a"), Not(T("b"))))),
    ("tag:#proj*", Field("tag", Prefix("proj"))),
    ("TAG:x", Field("tag", T("x"))),
    ("Path:notes/2024", Field("path", T("notes/2024"))),
    ("file:.jpg", Field("file", T(".jpg"))),
    ("title:Draft", Field("title", T("Draft"))),
    ('content:"hello world"', Field("content", P("hello world"))),
    ("content:foo*", Field("content", Prefix("foo"))),
    ("content:colour~", Field("content", Fuzzy("colour", 1))),
    ("section:(foo bar)", Field("section", AND(T("foo"), T("bar")))),
    ("line:(a OR b c)", Field("line", OR(T("a"), AND(T("b"), T("c"))))),
    ("block:(x y)", Field("block", AND(T("x"), T("y")))),
    ("task:call", Field("task", T("call"))),
    ('task:""', Field("task", P(""))),
    ('task-todo:""', Field("task-todo", P(""))),
    ("task-done:(a b)", Field("task-done", AND(T("a"), T("b")))),
    ("match-case:Foo", Field("match-case", T("Foo"))),
    ("ignore-case:(Foo bar)", Field("ignore-case", AND(T("Foo"), T("bar")))),
    ("section:(tag:x foo)", Field("section", AND(Field("tag", T("x")), T("foo")))),
    ("path:a:b", Field("path", T("a:b"))),
    ("content:-x", Field("content", T("-x"))),
    ("tag:OR", Field("tag", T("OR"))),
    # graph filters
    ("links-to:Note", Graph("links-to", "Note")),
    ('links-to:"연구 일지 2024"', Graph("links-to", "연구 일지 2024")),
    ("linked-from:folder/Note*", Graph("linked-from", "folder/Note*")),
    ("orphan:true", Graph("orphan", "true")),
    ("orphan:FALSE", Graph("orphan", "false")),
    ("has:unresolved", Graph("has", "unresolved")),
    ("has:Tasks", Graph("has", "tasks")),
    ("has:links has:tags", AND(Graph("has", "links"), Graph("has", "tags"))),
    # properties
    ("[status]", Prop("status", None)),
    ("[ status ]", Prop("status", None)),
    ("[due date]", Prop("due date", None)),
    ("[상태]", Prop("상태", None)),
    ("[status:done]", Prop("status", T("done"))),
    ("[status: done ]", Prop("status", T("done"))),
    ('[title:"a ] b"]', Prop("title", P("a ] b"))),
    ("[status:Draft OR Published]", Prop("status", OR(T("Draft"), T("Published")))),
    ("[status:(a OR b)]", Prop("status", OR(T("a"), T("b")))),
    ("[status:-done]", Prop("status", Not(T("done")))),
    ("[status:null]", Prop("status", T("null"))),
    ("[time:10:30]", Prop("time", T("10:30"))),
    ("[d:<5]", Compare("d", "<", 5.0)),
    ("[d:>5]", Compare("d", ">", 5.0)),
    ("[d:<=5]", Compare("d", "<=", 5.0)),
    ("[d:>=5]", Compare("d", ">=", 5.0)),
    ("[d:=5]", Compare("d", "=", 5.0)),
    ("[d: > -2.5 ]", Compare("d", ">", -2.5)),
    ("[d:>1e3]", Compare("d", ">", 1000.0)),
    ("[a] ]", AND(Prop("a", None), T("]"))),
    ("a[b]", T("a[b]")),
    # plain terms that contain ":"
    ("10:30", T("10:30")),
    ("C++:", T("C++:")),
    (":foo", T(":foo")),
    ("a1:b", T("a1:b")),
    ("연구:메모", T("연구:메모")),
    ("https://example.com/x", T("https://example.com/x")),
    # Korean and mixed
    ("연구", T("연구")),
    ("연구 -실험", AND(T("연구"), Not(T("실험")))),
    ("연구 OR 실험", OR(T("연구"), T("실험"))),
    ("연구*", Prefix("연구")),
    ('"연구 일지"', P("연구 일지")),
    ("tag:#연구/논문", Field("tag", T("연구/논문"))),
    (
        'tag:lang/python 연구 "exact phrase"',
        AND(Field("tag", T("lang/python")), T("연구"), P("exact phrase")),
    ),
    (
        '(tag:#a OR [status:done]) -path:archive "x y" links-to:Home',
        AND(
            OR(Field("tag", T("a")), Prop("status", T("done"))),
            Not(Field("path", T("archive"))),
            P("x y"),
            Graph("links-to", "Home"),
        ),
    ),
]


@pytest.mark.parametrize(("query", "expected"), PARSES, ids=[q for q, _ in PARSES])
def test_parses(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


ERRORS: list[tuple[str, list[str]]] = [
    ("", ["empty query"]),
    ("   \t\n", ["empty query"]),
    ('foo "bar', ["unbalanced quote", '"', "position 4", "never closed"]),
    ('"a \\" b', ["unbalanced quote", "position 0"]),
    ('""', ['empty phrase ""', "position 0"]),
    ("a (b c", ["unbalanced parenthesis", "( at position 2 is never closed"]),
    ("((a)", ["unbalanced parenthesis", "( at position 0 is never closed"]),
    ("a b) c", ["unexpected ) at position 3"]),
    (")", ["unexpected ) at position 0"]),
    ("a ()", ['empty group "()" at position 2']),
    ("( )", ['empty group "()" at position 0']),
    ("OR", ['"OR" needs something on both sides', "position 0"]),
    ("OR a", ['"OR" needs something on both sides', "position 0"]),
    ("a OR", ['"OR" needs something on both sides', "position 2"]),
    ("a OR OR b", ['"OR" needs something on both sides', "position 2"]),
    ("(a OR) b", ['"OR" needs something on both sides', "position 3"]),
    ("-OR", ['"OR" needs something on both sides', "position 1"]),
    ("-", ['"-" at position 0', "must be followed"]),
    ("a - b", ['"-" at position 2', "must be followed"]),
    ("(a -)", ['"-" at position 3']),
    ("foo:bar", ['unknown operator "foo:"', "position 0", "known: tag:, path:", "links-to:", "has:"]),
    ("x Note: y", ['unknown operator "Note:"', "position 2"]),
    ("-a-b:c", ['unknown operator "a-b:"', "position 1"]),
    ("tag:", ['operator "tag:" needs a value', "position 0"]),
    ("a tag: b", ['operator "tag:" needs a value', "position 2"]),
    ("(tag:)", ['operator "tag:" needs a value', "position 1"]),
    ("tag:#", ['operator "tag:" needs a value']),
    ('tag:""', ['operator "tag:" needs a value']),
    ('content:""', ['operator "content:" needs a value']),
    ("path:(", ["unbalanced parenthesis", "( at position 5 is never closed"]),
    ("section:()", ['empty group "()" at position 8']),
    ('links-to:""', ['operator "links-to:" needs a value']),
    ("links-to:(a b)", ['operator "links-to:"', "not a group"]),
    ("orphan:maybe", ['operator "orphan:"', "true or false", '"maybe"']),
    ("has:pictures", ['operator "has:"', "unresolved, tasks, links, tags", '"pictures"']),
    ("has:", ['operator "has:" needs a value']),
    ("fuzzy~3", ["fuzzy distance must be 1 or 2", "fuzzy~3", "position 0"]),
    ("a fuzzy~0", ["fuzzy distance must be 1 or 2", "position 2"]),
    ("x~" + "9" * 5000, ["fuzzy distance must be 1 or 2"]),
    ("/abc", ["the / at position 0 is never closed"]),
    ("path:/abc", ["the / at position 5 is never closed"]),
    ("a //", ['empty regular expression "//" at position 2']),
    ("[status", ["[ at position 0 is never closed"]),
    ("[", ["[ at position 0 is never closed"]),
    ("a [status:done", ["[ at position 2 is never closed"]),
    ("[status:(a OR b]", ["( at position 8 is never closed"]),
    ("[status:a)]", ["unexpected ) at position 9"]),
    ("[]", ["property name missing", "[ at position 0"]),
    ("[ :x]", ["property name missing", "[ at position 0"]),
    ("[status:]", ['"[status:]"', "position 0", "needs a value"]),
    ("[status:OR]", ['"OR" needs something on both sides']),
    ("[d:<]", ['"[d:<"', "needs a number"]),
    ("[d:>abc]", ['"[d:>"', "needs a number"]),
    ("[d:>5", ["[ at position 0 is never closed"]),
    ("[d:>5 6]", ["needs a number"]),
]


@pytest.mark.parametrize(("query", "fragments"), ERRORS, ids=[q[:40] for q, _ in ERRORS])
def test_errors(query: str, fragments: list[str]) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_unknown_operator_lists_every_known_operator() -> None:
    with pytest.raises(QueryError) as info:
        parse_query("bogus:x")
    for name in OPERATORS:
        assert f"{name}:" in str(info.value)


@pytest.mark.parametrize(
    "query",
    ["(" * 10_000, "(" * 10_000 + "a" + ")" * 10_000, "-" * 10_000 + "a", "tag:(" * 5_000, "[a:" * 5_000 + "b"],
)
def test_deep_nesting_is_refused_plainly(query: str) -> None:
    with pytest.raises(QueryError, match="query nested too deeply"):
        parse_query(query)


def test_nesting_up_to_the_limit_parses() -> None:
    depth = MAX_DEPTH
    assert parse_query("(" * depth + "a" + ")" * depth) == T("a")
    node = parse_query("-" * depth + "a")
    for _ in range(depth):
        assert isinstance(node, Not)
        node = node.item
    assert node == T("a")


@pytest.mark.parametrize(
    "query",
    [
        "(" * 10_000,
        ")" * 10_000,
        '"' * 10_000,
        '"' * 9_999,
        "[" * 10_000,
        "]" * 10_000,
        "/" * 9_999,
        "a " * 5_000,
        "a OR " * 2_000 + "b",
        "-" * 10_000,
        "~" * 10_000,
        "*" * 10_000,
        ":" * 10_000,
        "a" * 10_000 + ":",
        "a~" * 5_000,
        "\\" * 10_000,
        '"' + "\\" * 9_999,
        "[a:" + "<" * 10_000,
    ],
)
def test_pathological_queries_are_fast(query: str) -> None:
    started = time.perf_counter()
    with contextlib.suppress(QueryError):
        parse_query(query)
    assert time.perf_counter() - started < 1.0


def test_nodes_are_frozen_and_hashable() -> None:
    node = parse_query("a (b OR -c) tag:x [p:1] [d:<2] has:tasks")
    assert hash(node) == hash(parse_query("a (b OR -c) tag:x [p:1] [d:<2] has:tasks"))
    with pytest.raises(AttributeError):
        node.items = ()  # type: ignore[misc, union-attr]


POSITIVE: list[tuple[str, list[str]]] = [
    ("foo", ["foo"]),
    ('foo "bar baz" pre* fuz~', ["foo", "bar baz", "pre", "fuz"]),
    ("a -b -(c d) a", ["a"]),
    ("a OR (b c)", ["a", "b", "c"]),
    ("content:x title:y section:(z w) line:(v) block:u", ["x", "y", "z", "w", "v", "u"]),
    ("task:call task-todo:buy task-done:paid match-case:Foo ignore-case:bar", ["call", "buy", "paid", "Foo", "bar"]),
    ('task:""', []),
    ("tag:x path:y file:z [p:q] [d:<1] links-to:n has:tasks /re/ kept", ["kept"]),
    ("section:(tag:x foo -bar)", ["foo"]),
    ('연구 -실험 "연구 일지"', ["연구", "연구 일지"]),
    ("--a b", ["b"]),
]


@pytest.mark.parametrize(("query", "expected"), POSITIVE, ids=[q for q, _ in POSITIVE])
def test_positive_terms(query: str, expected: list[str]) -> None:
    assert positive_terms(parse_query(query)) == expected


_QUERY_ALPHABET = st.sampled_from(
    [*' \t\n()[]"\\/-:*~<>=#.,', "OR", "tag:", "has:", "orphan:", "links-to:", "task:", "foo:", "null", "연구"]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(_QUERY_ALPHABET, max_size=30).map("".join)))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        node = parse_query(text)
    except QueryError as err:
        assert str(err)
    else:
        assert isinstance(
            node, Term | Phrase | Prefix | Fuzzy | Regex | And | Or | Not | Field | Prop | Compare | Graph
        )
        positive_terms(node)
