"""``sessionkit scope``: show, validate, set, clear and check the wave scope (§9.10).

Every command accepts ``--root DIR`` (default: the worktree root of the current directory)
and ``--json`` (``schemas/scope-report.schema.json``). Exit codes per §9.10: ``show`` 0 (1 if
the active file is unusable), ``validate`` 0 valid / 1 invalid / 3 unreadable, ``set`` 0 / 1
invalid (nothing written) / 2 / 3, ``clear`` 0 / 3, ``check`` 0 all allowed / 1 any refused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json
from sessionkit.errors import EXIT_FINDINGS, EXIT_OK, EnvironmentProblem, UsageError

HARNESS = click.Choice(["claude", "codex", "cursor"])


def _root(value: str | None) -> Path:
    from sessionkit.git import get_root

    return Path(get_root(Path(value) if value else Path.cwd()))


def _report(command: str, **fields: Any) -> dict[str, Any]:
    return {"command": command, **fields}


@click.group("scope")
def scope() -> None:
    """Show, validate, set, clear and check the wave scope."""


@scope.command("show")
@click.option("--root", default=None)
@click.option("--json", "as_json", is_flag=True)
def show(root: str | None, as_json: bool) -> None:
    """Show the active wave scope and where it comes from."""
    from sessionkit.policy import scope as lib

    base = _root(root)
    try:
        active = lib.load_active(str(base))
    except lib.ScopeUnreadable as exc:
        report = _report("show", active=False, error=str(exc))
        echo_json(report) if as_json else click.echo(f"unusable wave scope: {exc}")
        exit_with(EXIT_FINDINGS)
        return
    if active is None:
        report = _report("show", active=False)
        echo_json(report) if as_json else click.echo("no active wave scope")
        return
    report = _report(
        "show",
        active=True,
        source=active.source,
        path=active.path,
        sealed=active.sealed,
        tampered=active.tampered,
        content=active.doc,
        patterns=len(active.allowed_paths),
        diagnostics=[d.to_dict() for d in active.diagnostics],
    )
    if as_json:
        echo_json(report)
        return
    seal = "sealed" if active.sealed else "not sealed"
    click.echo(f"wave {active.wave} ({active.role}), enforcement {active.enforcement}")
    click.echo(
        f"source: {active.source} {active.path} ({seal}{', TAMPERED' if active.tampered else ''})"
    )
    click.echo(
        "allowed paths: " + (", ".join(active.allowed_paths) or "(none: nothing is writable)")
    )
    for diagnostic in active.diagnostics:
        click.echo(f"[{diagnostic.rule_id}] {diagnostic.summary}")


@scope.command("validate")
@click.argument("file", required=False)
@click.option("--root", default=None)
@click.option("--json", "as_json", is_flag=True)
def validate_cmd(file: str | None, root: str | None, as_json: bool) -> None:
    """Validate a scope file (default: the active one) against the schema and §9.3."""
    from sessionkit.policy import scope as lib

    base = _root(root) if file is None or root else None
    if file is None:
        assert base is not None
        found = [rel for rel in lib.LOCATIONS.values() if (base / rel).exists()]
        if not found:
            raise EnvironmentProblem("no scope file to validate", hint="pass FILE")
        path = base / found[0]
    else:
        path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read {path}: {exc.strerror}") from None
    problems = lib.validate(data, root=str(base) if base else None)
    valid = not any(p.level == "error" for p in problems)
    if as_json:
        echo_json(
            _report(
                "validate", path=str(path), valid=valid, problems=[p.to_dict() for p in problems]
            )
        )
    else:
        for problem in problems:
            click.echo(f"{path}:{problem.pointer or '/'}: {problem.level}: {problem.message}")
        click.echo(f"{path}: {'valid' if valid else 'invalid'}")
    exit_with(EXIT_OK if valid else EXIT_FINDINGS)


@scope.command("set")
@click.option("--from", "source", default=None, help="Scope document (JSON file, or - for stdin).")
@click.option("--wave", type=int, default=None)
@click.option("--role", default=None)
@click.option("--allow", "allow", multiple=True, help="Allowed path pattern (repeatable).")
@click.option("--enforcement", type=click.Choice(["strict", "warn", "off"]), default="strict")
@click.option("--block-command", multiple=True)
@click.option("--allow-command", multiple=True)
@click.option("--session", default=None)
@click.option("--coordinator-session", default=None)
@click.option("--harness", type=HARNESS, default="claude")
@click.option("--dry-run", is_flag=True)
@click.option("--root", default=None)
@click.option("--json", "as_json", is_flag=True)
def set_cmd(
    source: str | None,
    wave: int | None,
    role: str | None,
    allow: tuple[str, ...],
    enforcement: str,
    block_command: tuple[str, ...],
    allow_command: tuple[str, ...],
    session: str | None,
    coordinator_session: str | None,
    harness: str,
    dry_run: bool,
    root: str | None,
    as_json: bool,
) -> None:
    """Write the wave scope and seal it (the sanctioned writer)."""
    from sessionkit.policy.scopefile import ScopeInvalid, set_scope

    if source is not None:
        if wave is not None or role is not None or allow:
            raise UsageError("--from cannot be combined with --wave/--role/--allow")
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise EnvironmentProblem(f"cannot read {source}: {exc.strerror}") from None
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"{source}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise UsageError(f"{source}: the scope must be a JSON object")
    else:
        if wave is None or role is None:
            raise UsageError("give --from FILE, or --wave N --role R [--allow PATTERN …]")
        doc = {"wave": wave, "role": role, "enforcement": enforcement, "allowedPaths": list(allow)}
        if block_command:
            doc["blockedCommands"] = list(block_command)
        if allow_command:
            doc["allowedCommands"] = list(allow_command)
        if session:
            doc["session"] = session
        if coordinator_session:
            doc["coordinatorSessionId"] = coordinator_session
    try:
        result = set_scope(_root(root), doc, harness=harness, dry_run=dry_run)
    except ScopeInvalid as exc:
        if as_json:
            echo_json(_report("set", valid=False, problems=[p.to_dict() for p in exc.problems]))
        else:
            for problem in exc.problems:
                click.echo(f"error: {problem.pointer or '/'}: {problem.message}", err=True)
            click.echo("nothing was written", err=True)
        exit_with(EXIT_FINDINGS)
        return
    if as_json:
        echo_json(_report("set", valid=True, **result))
        return
    verb = "would write" if dry_run else "wrote"
    click.echo(f"{verb} {result['path']} (wave {doc['wave']}, sealed)")
    for other in result["removed"]:
        click.echo(f"removed {other}")
    if result["excluded"]:
        click.echo(f"added /{result['path']} to info/exclude")


@scope.command("clear")
@click.option("--dry-run", is_flag=True)
@click.option("--root", default=None)
@click.option("--json", "as_json", is_flag=True)
def clear_cmd(dry_run: bool, root: str | None, as_json: bool) -> None:
    """Remove the scope files and the seal (the wave is over)."""
    from sessionkit.policy.scopefile import clear_scope

    result = clear_scope(_root(root), dry_run=dry_run)
    if as_json:
        echo_json(_report("clear", **result))
        return
    verb = "would remove" if dry_run else "removed"
    for path in result["removed"]:
        click.echo(f"{verb} {path}")
    if not result["removed"]:
        click.echo("no wave scope to clear")


@scope.command("check")
@click.argument("paths", nargs=-1, required=True)
@click.option("--role", type=click.Choice(["coordinator", "agent", "unknown"]), default="unknown")
@click.option("--root", default=None)
@click.option("--json", "as_json", is_flag=True)
def check_cmd(paths: tuple[str, ...], role: str, root: str | None, as_json: bool) -> None:
    """Say for each PATH whether the active scope and protected paths let it be written."""
    from sessionkit.policy import scope as lib

    base = _root(root)
    try:
        active = lib.load_active(str(base))
    except lib.ScopeUnreadable as exc:
        raise EnvironmentProblem(f"unusable wave scope: {exc}") from None
    rows: list[dict[str, Any]] = []
    for path in paths:
        status, finding = lib.classify_target(
            lib.Target(path), active, root=str(base), role=role, cwd=str(Path.cwd())
        )
        rows.append(
            {
                "path": path,
                "status": status,
                "action": finding.action if finding else "allow",
                "rule_id": finding.rule_id if finding else None,
                "summary": finding.summary if finding else None,
            }
        )
    refused = any(r["action"] != "allow" for r in rows)
    if as_json:
        echo_json(_report("check", active=active is not None, role=role, paths=rows))
    else:
        for row in rows:
            extra = f" [{row['rule_id']}]" if row["rule_id"] else ""
            click.echo(f"{row['path']}: {row['status']} ({row['action']}){extra}")
    exit_with(EXIT_FINDINGS if refused else EXIT_OK)
