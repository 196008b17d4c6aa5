"""The ``vaultkit`` command: a thin click shell over the public Python API.

Every command calls :class:`~vaultkit.vault.Vault` and only formats its answer: human text (with
colour on a terminal, unless ``NO_COLOR`` is set), ``--json``, or ``--jsonl`` (one object per line)
for list answers. Query commands bring the index up to date first (cheap when nothing changed)
unless ``--no-refresh`` is given. Errors vaultkit raises on purpose are one plain line on stderr
with exit code 1; usage errors exit 2; tracebacks only with ``--debug``.

Imports are lazy: a command loads only what it uses, so ``vaultkit backlinks`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__

if TYPE_CHECKING:
    from .model import Link, Note
    from .vault import Vault

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------- vault selection


def find_vault(start: str | os.PathLike[str] | None = None) -> Path:
    """The vault to use without ``--vault``: ``$VAULTKIT_VAULT``, else the nearest folder upwards
    holding ``.obsidian/``, else the current folder."""
    env = os.environ.get("VAULTKIT_VAULT")
    if env:
        return Path(env)
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir():
            return folder
    return here


class _Context:
    def __init__(self, vault: str | None, index_dir: str | None, debug: bool) -> None:
        self.vault_path = vault
        self.index_dir = index_dir
        self.debug = debug
        self._vault: Vault | None = None

    def close(self) -> None:
        if self._vault is not None:
            for notice in self._vault.notices:  # what happened during the command (a damaged index rebuilt)
                click.echo(f"vaultkit: {notice}", err=True)
            self._vault.notices.clear()
            self._vault.close()

    def vault(self, refresh: bool = False) -> Vault:
        if self._vault is None:
            from .vault import Vault

            self._vault = Vault(self.vault_path or find_vault(), self.index_dir)
        if refresh:
            report = self._vault.index()
            for notice in self._vault.notices:
                click.echo(f"vaultkit: {notice}", err=True)
            self._vault.notices.clear()
            for error in report.errors:
                if error.path in report.added or error.path in report.updated:
                    click.echo(f"vaultkit: skipped {error.path}: {error.error}", err=True)
        return self._vault


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def _out(text: str = "", **style: Any) -> None:
    click.echo(click.style(text, **style) if style else text, color=_color())


def _json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _emit_list(items: list[dict[str, Any]], as_json: bool, as_jsonl: bool, human: Callable[[], None]) -> None:
    """Print a list answer as JSON, as JSON lines, or (``human``) for people."""
    if as_jsonl:
        for item in items:
            click.echo(json.dumps(item, ensure_ascii=False))
    elif as_json:
        _json(items)
    else:
        human()


def _output_options(func: F) -> F:
    func = click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object per line.")(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)
    return func


def _refresh_option(func: F) -> F:
    return click.option(
        "--no-refresh", is_flag=True, help="Answer from the index as it is, without looking for changed files."
    )(func)


def link_dict(link: Link) -> dict[str, Any]:
    """The JSON form of a link."""
    data = {
        "target": link.target,
        "subpath": link.subpath,
        "display": link.display,
        "kind": link.kind,
        "line": link.line,
        "raw": link.raw,
    }
    if link.key is not None:
        data["key"] = link.key
    return data


# ---------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vaultkit")
@click.option(
    "--vault",
    "vault",
    metavar="PATH",
    help="The vault folder (default: $VAULTKIT_VAULT, the nearest "
    "folder upwards holding .obsidian/, else the current folder).",
)
@click.option("--index-dir", metavar="PATH", help="Where the index lives (default: a per-user cache folder).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, vault: str | None, index_dir: str | None, debug: bool) -> None:
    """Index an Obsidian-style Markdown vault and ask it questions.

    \b
    Examples:
      vaultkit --vault sample_vault index
      vaultkit --vault sample_vault search "연구 tag:lang/python"
      vaultkit --vault sample_vault backlinks Gamma --json
    """
    ctx.obj = _Context(vault, index_dir, debug)
    ctx.call_on_close(ctx.obj.close)


# ---------------------------------------------------------------- index


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Forget the index and build it again.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def index_command(obj: _Context, rebuild: bool, as_json: bool) -> None:
    """Bring the index up to date with the vault (only changed files are read).

    \b
    Example:
      vaultkit --vault sample_vault index
    """
    vault = obj.vault()
    show_bar = not as_json and sys.stderr.isatty()
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        report = vault.index(rebuild=rebuild, progress=progress if show_bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        _json(
            {
                "added": len(report.added),
                "updated": len(report.updated),
                "removed": len(report.removed),
                "unchanged": report.unchanged,
                "errors": [{"path": e.path, "error": e.error} for e in report.errors],
                "seconds": round(report.seconds, 3),
            }
        )
        return
    for error in report.errors:
        click.echo(f"skipped {error.path}: {error.error}", err=True)
    _out(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged, {len(report.errors)} errors in {report.seconds:.2f} s"
    )


# ---------------------------------------------------------------- search


@cli.command("search")
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many hits.")
@click.option("--sort", type=click.Choice(["score", "modified", "title"]), default="score", show_default=True)
@_output_options
@_refresh_option
@click.pass_obj
def search_command(
    obj: _Context, query: str, limit: int, sort: str, as_json: bool, as_jsonl: bool, no_refresh: bool
) -> None:
    """Full-text search with Obsidian's query language (Korean and English alike).

    \b
    Examples:
      vaultkit search 연구실
      vaultkit search '"연구 일지" -tag:diary'
      vaultkit search 'tag:lang/python [status:active]' --sort modified
      vaultkit search 'links-to:Gamma section:(CUDA 버전)'
    """
    hits = obj.vault(refresh=not no_refresh).search(query, limit=limit, sort=sort)
    items = [
        {
            "path": h.path,
            "title": h.title,
            "score": h.score,
            "lines": list(h.lines),
            "snippet": None
            if h.snippet is None
            else {"text": h.snippet.text, "line": h.snippet.line, "spans": [list(s) for s in h.snippet.spans]},
        }
        for h in hits
    ]

    def human() -> None:
        for h in hits:
            _out(f"{h.path}", bold=True, fg="cyan")
            if h.snippet is not None:
                _out(f"  {h.snippet.line}: " + _marked(h.snippet.text, h.snippet.spans))

    _emit_list(items, as_json, as_jsonl, human)


def _marked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    color = _color() is not False and sys.stdout.isatty()
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        piece = text[start:end]
        out.append(click.style(piece, fg="yellow", bold=True) if color else piece)
        last = end
    out.append(text[last:])
    return "".join(out)


# ---------------------------------------------------------------- one note


@cli.command("note")
@click.argument("note")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_refresh_option
@click.pass_obj
def note_command(obj: _Context, note: str, as_json: bool, no_refresh: bool) -> None:
    """Show a note: title, aliases, tags, properties, headings, links, tasks, backlink count.

    NOTE is a vault path, a file name (with or without .md), a title or an alias.

    \b
    Example:
      vaultkit note Gamma --json
    """
    vault = obj.vault(refresh=not no_refresh)
    n = vault.note(note)
    backlinks = len(vault.backlinks(n.path))
    if as_json:
        _json(_note_dict(n, backlinks))
        return
    _out(n.title, bold=True)
    _out(f"path: {n.path}")
    if n.aliases:
        _out("aliases: " + ", ".join(n.aliases))
    if n.tags:
        _out("tags: " + " ".join("#" + t for t in n.tags))
    for key, value in n.frontmatter.items():
        if key.lower() not in ("tags", "aliases", "title"):
            _out(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    if n.headings:
        _out("headings:")
        for h in n.headings:
            _out(f"  {'  ' * (h.level - 1)}{h.text}  (line {h.line})")
    _out(f"links: {len(n.links)}, backlinks: {backlinks}, tasks: {len(n.tasks)}")
    if n.frontmatter_error:
        _out(f"frontmatter problem: {n.frontmatter_error}", fg="red")


def _note_dict(n: Note, backlinks: int) -> dict[str, Any]:
    return {
        "path": n.path,
        "title": n.title,
        "aliases": list(n.aliases),
        "tags": list(n.tags),
        "frontmatter": n.frontmatter,
        "frontmatter_error": n.frontmatter_error,
        "headings": [{"level": h.level, "text": h.text, "line": h.line} for h in n.headings],
        "links": [link_dict(lk) for lk in n.links],
        "tasks": [{"line": t.line, "status": t.status, "done": t.done, "text": t.text} for t in n.tasks],
        "backlinks": backlinks,
    }


@cli.command("backlinks")
@click.argument("note")
@_output_options
@_refresh_option
@click.pass_obj
def backlinks_command(obj: _Context, note: str, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
    """Every link to NOTE (links, embeds and property links), one per occurrence.

    \b
    Example:
      vaultkit backlinks Gamma
    """
    found = obj.vault(refresh=not no_refresh).backlinks(note)
    items = [{"source": b.source, "line": b.line, "context": b.context, "link": link_dict(b.link)} for b in found]

    def human() -> None:
        for b in found:
            click.echo(click.style(f"{b.source}:{b.line}", fg="cyan") + f"  {b.context}", color=_color())

    _emit_list(items, as_json, as_jsonl, human)


@cli.command("links")
@click.argument("note")
@_output_options
@_refresh_option
@click.pass_obj
def links_command(obj: _Context, note: str, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
    """The links written in NOTE, each with the file it resolves to (or none).

    \b
    Example:
      vaultkit links Home --json
    """
    found = obj.vault(refresh=not no_refresh).outlinks(note)
    items = [
        {
            "target": o.link.target,
            "subpath": o.link.subpath,
            "display": o.link.display,
            "kind": o.link.kind,
            "line": o.link.line,
            "resolved": o.resolved,
            "problem": o.problem,
        }
        for o in found
    ]

    def human() -> None:
        for o in found:
            where = o.resolved or click.style("unresolved", fg="red")
            extra = f"  ({o.problem})" if o.problem else ""
            click.echo(f"{o.link.line:>5}  {o.link.raw}  ->  {where}{extra}", color=_color())

    _emit_list(items, as_json, as_jsonl, human)


@cli.command("mentions")
@click.argument("note")
@_output_options
@_refresh_option
@click.pass_obj
def mentions_command(obj: _Context, note: str, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
    """Unlinked mentions: NOTE's title, file name or aliases written as plain text elsewhere.

    \b
    Example:
      vaultkit mentions Gamma
    """
    found = obj.vault(refresh=not no_refresh).mentions(note)
    items = [{"source": m.source, "line": m.line, "context": m.context} for m in found]

    def human() -> None:
        for m in found:
            click.echo(click.style(f"{m.source}:{m.line}", fg="cyan") + f"  {m.context}", color=_color())

    _emit_list(items, as_json, as_jsonl, human)


@cli.command("related")
@click.argument("note")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@_output_options
@_refresh_option
@click.pass_obj
def related_command(obj: _Context, note: str, limit: int, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
    """Notes related to NOTE by links, shared links and shared tags, best first, with reasons.

    \b
    Example:
      vaultkit related StyleGAN --limit 5
    """
    found = obj.vault(refresh=not no_refresh).related(note, limit=limit)
    items = [{"path": r.path, "title": r.title, "score": r.score, "why": list(r.why)} for r in found]

    def human() -> None:
        for r in found:
            click.echo(
                click.style(f"{r.score:7.3f}  {r.path}", fg="cyan") + "  " + "; ".join(r.why[:3]), color=_color()
            )

    _emit_list(items, as_json, as_jsonl, human)


# ---------------------------------------------------------------- vault-wide lists


@cli.command("tags")
@click.option("--tree", is_flag=True, help="Show nested tags as a tree.")
@_output_options
@_refresh_option
@click.pass_obj
def tags_command(obj: _Context, tree: bool, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
    """Tags with the number of notes carrying each (a/b also counts under a).

    \b
    Example:
      vaultkit tags --tree
    """
    counts = obj.vault(refresh=not no_refresh).tags()
    if tree:
        roots = _tag_tree([(t.tag, t.count) for t in counts])
        if as_json or as_jsonl:
            _emit_list(roots, as_json, as_jsonl, lambda: None)
            return
        _print_tree(roots, 0)
        return
    items = [{"tag": t.tag, "count": t.count} for t in counts]

    def human() -> None:
        for t in counts:
            click.echo(f"{t.count:>6}  #{t.tag}")

    _emit_list(items, as_json, as_jsonl, human)


def _tag_tree(counts: list[tuple[str, int]]) -> list[dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for tag, count in sorted(counts, key=lambda tc: tc[0].casefold()):
        node = {"tag": tag, "count": count, "children": []}
        nodes[tag.casefold()] = node
        parent = tag.rsplit("/", 1)[0].casefold() if "/" in tag else None
        (nodes[parent]["children"] if parent in nodes else roots).append(node)
    return roots


def _print_tree(nodes: list[dict[str, Any]], depth: int) -> None:
    for node in nodes:
        name = node["tag"].rsplit("/", 1)[-1]
        click.echo(f"{'  ' * depth}#{name if depth else node['tag']}  ({node['count']})")
        _print_tree(node["children"], depth + 1)


@cli.command("unresolved")
@_output_options
@_refresh_option
@click.pass_obj
def unresolved_command(obj: _Context, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
    """Links whose target file does not exist.

    \b
    Example:
      vaultkit unresolved --json
    """
    found = obj.vault(refresh=not no_refresh).unresolved()
    items = [{"source": u.source, "target": u.target, "line": u.line} for u in found]

    def human() -> None:
        for u in found:
            click.echo(click.style(f"{u.source}:{u.line}", fg="cyan") + f"  {u.link.raw}", color=_color())

    _emit_list(items, as_json, as_jsonl, human)


def _note_list_command(name: str, method: str, doc: str) -> None:
    @cli.command(name, help=doc)
    @_output_options
    @_refresh_option
    @click.pass_obj
    def command(obj: _Context, as_json: bool, as_jsonl: bool, no_refresh: bool) -> None:
        found = getattr(obj.vault(refresh=not no_refresh), method)()
        items = [{"path": n.path, "title": n.title} for n in found]

        def human() -> None:
            for n in found:
                click.echo(f"{n.path}  ({n.title})" if n.title != Path(n.path).stem else n.path)

        _emit_list(items, as_json, as_jsonl, human)


_note_list_command("orphans", "orphans", "Notes no other note links to.\n\n\b\nExample:\n  vaultkit orphans --json")
_note_list_command("deadends", "deadends", "Notes that link to nothing else.\n\n\b\nExample:\n  vaultkit deadends")


@cli.command("tasks")
@click.argument("query", required=False)
@click.option("--todo/--done", "todo", default=None, help="Only open (--todo) or only done (--done) tasks.")
@_output_options
@_refresh_option
@click.pass_obj
def tasks_command(
    obj: _Context, query: str | None, todo: bool | None, as_json: bool, as_jsonl: bool, no_refresh: bool
) -> None:
    """Tasks of the vault, or of the notes matching QUERY.

    \b
    Examples:
      vaultkit tasks --todo
      vaultkit tasks 'tag:project' --done --json
    """
    done = None if todo is None else not todo
    found = obj.vault(refresh=not no_refresh).tasks(query, done=done)
    items = [{"path": p, "line": t.line, "status": t.status, "done": t.done, "text": t.text} for p, t in found]

    def human() -> None:
        for path, t in found:
            click.echo(click.style(f"{path}:{t.line}", fg="cyan") + f"  [{t.status}] {t.text}", color=_color())

    _emit_list(items, as_json, as_jsonl, human)


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_refresh_option
@click.pass_obj
def stats_command(obj: _Context, as_json: bool, no_refresh: bool) -> None:
    """Counts: notes, attachments, links, unresolved links, tags, orphans, index size.

    \b
    Example:
      vaultkit stats --json
    """
    stats = obj.vault(refresh=not no_refresh).stats()
    if as_json:
        _json(stats)
        return
    for key, value in stats.items():
        click.echo(f"{key:>14}  {value}")


@cli.command("check")
@_output_options
@click.option("--exit-code", is_flag=True, help="Exit with status 1 when a problem is listed (for CI and hooks).")
@_refresh_option
@click.pass_obj
def check_command(obj: _Context, as_json: bool, as_jsonl: bool, exit_code: bool, no_refresh: bool) -> None:
    """List what to fix in the vault: unreadable files, invalid frontmatter, broken links,
    links to missing headings or blocks, and file names shared by several notes.

    \b
    Example:
      vaultkit --vault sample_vault check
      vaultkit --vault sample_vault check --exit-code   # fails a CI step on any problem
    """
    found = obj.vault(refresh=not no_refresh).check()
    items = [{"kind": p.kind, "path": p.path, "line": p.line, "message": p.message} for p in found]

    def human() -> None:
        for p in found:
            where = f"{p.path}:{p.line}" if p.line else p.path
            click.echo(click.style(f"{p.kind:<20}", fg="yellow") + f" {where}  {p.message}", color=_color())
        click.echo(f"{len(found)} problem{'s' if len(found) != 1 else ''}", err=True)

    _emit_list(items, as_json, as_jsonl, human)
    if exit_code and found:
        raise click.exceptions.Exit(1)


@cli.command("graph")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "graphml", "gexf", "dot", "mermaid", "html"]),
    default="json",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing --output file.")
@click.option("--tags", is_flag=True, help="Add tags as nodes.")
@click.option("--no-unresolved", is_flag=True, help="Leave out unresolved link targets.")
@click.option("--no-attachments", is_flag=True, help="Leave out attachments.")
@_refresh_option
@click.pass_obj
def graph_command(
    obj: _Context,
    fmt: str,
    output: str | None,
    force: bool,
    tags: bool,
    no_unresolved: bool,
    no_attachments: bool,
    no_refresh: bool,
) -> None:
    """Export the link graph (JSON node-link, GraphML, GEXF, DOT, Mermaid or an HTML page).

    \b
    Examples:
      vaultkit graph --format graphml -o vault.graphml
      vaultkit graph --format html --tags -o graph.html
    """
    vault = obj.vault(refresh=not no_refresh)
    text = vault.export(fmt, tags=tags, attachments=not no_attachments, unresolved=not no_unresolved)
    _write_or_print(text, output, force)


@cli.command("topics")
@click.option("--min-size", default=3, show_default=True, type=click.IntRange(min=1), help="Smallest topic shown.")
@click.option("--resolution", default=1.0, show_default=True, type=float, help="Higher: more, smaller topics.")
@click.option("--folder", help="Only notes in this folder.")
@click.option("--tag", help="Only notes with this tag (or its children).")
@click.option("--limit", type=click.IntRange(min=1), help="Show only the N largest topics.")
@_output_options
@_refresh_option
@click.pass_obj
def topics_command(
    obj: _Context,
    min_size: int,
    resolution: float,
    folder: str | None,
    tag: str | None,
    limit: int | None,
    as_json: bool,
    as_jsonl: bool,
    no_refresh: bool,
) -> None:
    """Topics of the vault: communities of notes joined by links, shared tags and similar text.

    \b
    Examples:
      vaultkit topics --limit 5
      vaultkit topics --tag research --json
    """
    found = obj.vault(refresh=not no_refresh).topics(min_size=min_size, resolution=resolution, folder=folder, tag=tag)
    found = found[:limit] if limit else found
    items = [t.as_dict() for t in found]

    def human() -> None:
        for t in found:
            click.echo(click.style(f"{t.id} ({t.size})", fg="cyan") + f"  {t.label}", color=_color())
            click.echo("    hubs: " + "; ".join(t.hubs))

    _emit_list(items, as_json, as_jsonl, human)


@cli.command("map")
@click.argument("subject", required=False)
@click.option("--topic", "topic", help="A topic id from `vaultkit topics` (or its number).")
@click.option("--depth", default=2, show_default=True, type=click.IntRange(min=1), help="Neighbourhood of a NOTE.")
@click.option("--min-size", default=3, show_default=True, type=click.IntRange(min=1))
@click.option("--resolution", default=1.0, show_default=True, type=float)
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "mermaid", "dot", "html"]), default="markdown", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing --output file.")
@_refresh_option
@click.pass_obj
def map_command(
    obj: _Context,
    subject: str | None,
    topic: str | None,
    depth: int,
    min_size: int,
    resolution: float,
    fmt: str,
    output: str | None,
    force: bool,
    no_refresh: bool,
) -> None:
    """A map of content for a TAG (#tag), a NOTE's neighbourhood, or a --topic: Markdown to drop into the
    vault, or Mermaid, DOT or an HTML page.

    \b
    Examples:
      vaultkit map '#lang' -o "MOC lang.md"
      vaultkit map StyleGAN --format mermaid
      vaultkit map --topic 1 --format html -o topic.html
    """
    from .errors import NoteNotFoundError

    vault = obj.vault(refresh=not no_refresh)
    if (subject is None) == (topic is None):
        raise click.UsageError("give a TAG or NOTE, or --topic ID")
    if topic is not None:
        m = vault.topic_map(topic=topic, min_size=min_size, resolution=resolution)
    elif subject is not None and subject.startswith("#"):
        m = vault.topic_map(tag=subject[1:])
    else:
        try:
            m = vault.topic_map(note=subject, depth=depth)
        except NoteNotFoundError:
            if not any(t.tag.casefold() == (subject or "").casefold() for t in vault.tags()):
                raise
            m = vault.topic_map(tag=subject)
    _write_or_print(vault.render_map(m, fmt), output, force)


def _write_or_print(text: str, output: str | None, force: bool) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    from .maps import write_new_file

    write_new_file(output, text, force=force)
    click.echo(f"wrote {output}", err=True)


@cli.command("watch")
@click.pass_obj
def watch_command(obj: _Context) -> None:
    """Keep the index current while files change (Ctrl-C to stop), one line per update.

    \b
    Example:
      vaultkit --vault sample_vault watch
    """
    import signal
    import threading

    from .watch import watch

    vault = obj.vault()
    report = vault.index()
    # From here Ctrl-C only asks the loop to stop. As an exception it could land inside a finaliser
    # run by the garbage collector, where Python prints it and carries on: the watcher never stopped.
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if in_main else None
    try:
        click.echo(f"watching {vault.root} ({report.unchanged + len(report.added) + len(report.updated)} files)")
        for report in watch(vault, stop_event=stop):
            changed = [*report.added, *report.updated]
            parts = []
            if changed:
                parts.append("updated " + ", ".join(changed))
            if report.removed:
                parts.append("removed " + ", ".join(report.removed))
            for error in report.errors:
                parts.append(f"skipped {error.path}: {error.error}")
            if parts:
                click.echo("; ".join(parts))
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if stop.is_set():
        raise click.exceptions.Exit(130)  # stopped by Ctrl-C, the usual way


@cli.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-path", default=None, help="Vault-relative path to report (default: the file name).")
def parse_command(file: str, as_path: str | None) -> None:
    """Show what Obsidian sees in one Markdown FILE, as JSON (no index involved).

    \b
    Example:
      vaultkit parse sample_vault/topics/Gamma.md
    """
    from .files import read_text
    from .parse import parse_note

    decoded = read_text(file, as_path or file)
    note = parse_note(decoded.text, as_path or file.replace("\\", "/").rsplit("/", 1)[-1])
    data: dict[str, Any] = note.to_dict()
    data["encoding"] = decoded.encoding
    _json(data)


# ---------------------------------------------------------------- entry point


CLI_GC_THRESHOLD = (200_000, 20, 100)
"""``gc.set_threshold`` while :func:`main` runs (Python's default is 700, 10, 10). A command from a
fresh process imports Whoosh and the query code and reads thousands of rows: the default threshold
ran ~96 collections, 12-17 ms of a 0.3 s ``vaultkit search``. The previous setting is restored when
:func:`main` returns (for callers that run it in their own process)."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning vaultkit errors into one-line messages."""
    import gc

    previous = gc.get_threshold()
    gc.set_threshold(*CLI_GC_THRESHOLD)
    try:
        _main(argv)
    finally:
        gc.set_threshold(*previous)


def _main(argv: list[str] | None) -> None:
    from .errors import VaultkitError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        status = cli.main(args=args, prog_name="vaultkit", standalone_mode=False)
        if isinstance(status, int) and status:  # a command's click Exit (out of standalone mode it is returned)
            sys.exit(status)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            sys.exit(130)  # Ctrl-C: the usual way to stop `watch`
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except VaultkitError as exc:
        if debug:
            raise
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        if debug:
            raise
        click.echo(f"vaultkit: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
