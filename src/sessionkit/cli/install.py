"""``sessionkit install`` and ``sessionkit uninstall``: agent hooks in a harness's config
(agent-hooks.md §14.1).

Thin front end over :mod:`sessionkit.agents.install`. Exit codes: 0 success (including
"nothing to change"), 1 the target file is invalid and nothing was written, 2 usage error,
3 I/O error or the hook command cannot be resolved. ``--json`` prints the document of
``schemas/install-result.schema.json``.
"""

from __future__ import annotations

from typing import Any

import click

from sessionkit.cli._output import echo_json

HARNESS = click.Choice(["claude", "codex", "cursor"])
SCOPE = click.Choice(["project", "local", "user"])


def _render(result: dict[str, Any], diffs: list[str], verb: str) -> None:
    if result["dry_run"]:
        for diff in diffs:
            click.echo(diff, nl=False)
        if not diffs:
            click.echo("nothing to change")
        return
    for record in result["files"]:
        click.echo(f"{record['path']}: {record['action']}")
        for entry in record["entries"]:
            matcher = f" [{entry['matcher']}]" if entry.get("matcher") else ""
            click.echo(f"  {entry['event']}{matcher}: {entry['status']}")
        if record.get("backup"):
            click.echo(f"  backup: {record['backup']}")
    if result.get("command"):
        click.echo(f"hook command: {result['command']}")
    for note in result["notes"]:
        click.echo(f"note: {note}")
    if verb == "uninstall" and not any(r["entries"] for r in result["files"]):
        click.echo("no sessionkit hooks were installed there")


@click.command("install")
@click.argument("harness", type=HARNESS)
@click.option("--scope", "scope", type=SCOPE, default="project", show_default=True)
@click.option("--dry-run", is_flag=True, help="Print a unified diff; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the install-result document.")
@click.option("--command", "command", default=None, help="Path of the sessionkit-hook script.")
@click.option(
    "--command-style",
    type=click.Choice(["absolute", "path"]),
    default="absolute",
    show_default=True,
)
@click.option(
    "--timeout", type=int, default=10, show_default=True, help="Harness timeout (5-60 s)."
)
@click.option(
    "--cursor-events", type=click.Choice(["pre-tool-use", "legacy"]), default="pre-tool-use"
)
@click.option("--fail-closed", is_flag=True, help="Cursor only: block when the hook cannot run.")
@click.option("--print-toml", is_flag=True, help="Codex only: also print config.toml tables.")
@click.option("--root", "root", default=None, help="Repository (default: the current one).")
def install(
    harness: str,
    scope: str,
    dry_run: bool,
    as_json: bool,
    command: str | None,
    command_style: str,
    timeout: int,
    cursor_events: str,
    fail_closed: bool,
    print_toml: bool,
    root: str | None,
) -> None:
    """Install sessionkit's agent hooks for HARNESS (claude, codex, cursor)."""
    from sessionkit.agents import install as lib
    from sessionkit.errors import UsageError

    if print_toml and harness != "codex":
        raise UsageError("--print-toml applies to codex only")
    result, diffs = lib.install(
        harness,
        scope=scope,
        root=root,
        dry_run=dry_run,
        command=command,
        command_style=command_style,
        timeout=timeout,
        cursor_events=cursor_events,
        fail_closed=fail_closed,
    )
    if as_json:
        echo_json(result)
    else:
        _render(result, diffs, "install")
        if print_toml:
            click.echo(lib.codex_toml(str(result["command"]), timeout), nl=False)


@click.command("uninstall")
@click.argument("harness", type=HARNESS)
@click.option("--scope", "scope", type=SCOPE, default="project", show_default=True)
@click.option("--dry-run", is_flag=True, help="Print a unified diff; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the install-result document.")
@click.option("--root", "root", default=None, help="Repository (default: the current one).")
def uninstall(harness: str, scope: str, dry_run: bool, as_json: bool, root: str | None) -> None:
    """Remove sessionkit's agent hooks for HARNESS; other tools' hooks are kept."""
    from sessionkit.agents import install as lib

    result, diffs = lib.uninstall(harness, scope=scope, root=root, dry_run=dry_run)
    if as_json:
        echo_json(result)
    else:
        _render(result, diffs, "uninstall")
