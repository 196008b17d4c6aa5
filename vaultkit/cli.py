"""The ``vaultkit`` command: a thin click shell over the public Python API.

Every command calls the library and only formats its answer; errors vaultkit raises on purpose
(:class:`~vaultkit.errors.VaultkitError`) are printed as one plain line, tracebacks only with
``--debug``.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from . import __version__

if TYPE_CHECKING:
    from .vault import Vault


class _Context:
    def __init__(self, vault: str | None, index_dir: str | None, debug: bool) -> None:
        self.vault_path = vault
        self.index_dir = index_dir
        self.debug = debug

    def vault(self) -> Vault:
        from .vault import Vault

        return Vault(self.vault_path or ".", self.index_dir)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
@click.option("--vault", "vault", metavar="PATH", envvar="VAULTKIT_VAULT", help="The vault folder.")
@click.option("--index-dir", metavar="PATH", help="Where the index lives (default: a per-user cache folder).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, vault: str | None, index_dir: str | None, debug: bool) -> None:
    """Index an Obsidian-style Markdown vault and ask it questions."""
    ctx.obj = _Context(vault, index_dir, debug)


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
    report = obj.vault().index(rebuild=rebuild)
    if as_json:
        data = {
            "added": len(report.added),
            "updated": len(report.updated),
            "removed": len(report.removed),
            "unchanged": report.unchanged,
            "errors": [{"path": e.path, "error": e.error} for e in report.errors],
            "seconds": round(report.seconds, 3),
        }
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for error in report.errors:
        click.echo(f"skipped {error.path}: {error.error}", err=True)
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged, {len(report.errors)} errors in {report.seconds:.2f} s"
    )


@cli.command("parse")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as-path", default=None, help="Vault-relative path to report (default: the file name).")
def parse_command(file: str, as_path: str | None) -> None:
    """Show what Obsidian sees in one Markdown FILE, as JSON.

    \b
    Example:
      vaultkit parse sample_vault/Home.md
    """
    from .files import read_text
    from .parse import parse_note

    decoded = read_text(file, as_path or file)
    note = parse_note(decoded.text, as_path or file.replace("\\", "/").rsplit("/", 1)[-1])
    data: dict[str, Any] = note.to_dict()
    data["encoding"] = decoded.encoding
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def main() -> None:
    """Console-script entry point: run the CLI, turning vaultkit errors into one-line messages."""
    from .errors import VaultkitError

    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except VaultkitError as exc:
        if debug:
            raise
        click.echo(f"vaultkit: {exc}", err=True)
        sys.exit(1)
