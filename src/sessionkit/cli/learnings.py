"""``sessionkit learnings``: the learnings lifecycle (add, confirm, contradict, prune, ...)."""

from __future__ import annotations

import json
import math
from typing import Any

import click

from sessionkit.cli._errors import exit_with, read_input_text
from sessionkit.cli._output import echo_json
from sessionkit.metrics.errors import RecordInvalid


def _learnings(ctx: click.Context) -> Any:
    from sessionkit.metrics.store import MetricsStore

    return MetricsStore(".", metrics_dir=ctx.obj.get("metrics_dir")).learnings


@click.group("learnings")
@click.option("--metrics-dir", type=click.Path(file_okay=False), default=None)
@click.pass_context
def learnings(ctx: click.Context, metrics_dir: str | None) -> None:
    """Short, expiring lessons: add, confirm, contradict, surface, prune (dry run by default)."""
    ctx.ensure_object(dict)
    ctx.obj["metrics_dir"] = metrics_dir


def _table(rows: list[dict[str, Any]], now: Any) -> None:
    from sessionkit.metrics.learnings import effective_score

    for row in rows:
        score = (
            effective_score(row, now) if isinstance(row.get("confidence"), (int, float)) else 0.0
        )
        state = " (archived)" if "_archived_at" in row else ""
        click.echo(
            f"{row.get('confidence', '?'):>6}  {score:5.2f}  {row.get('type', '?'):<22} "
            f"{str(row.get('subject', ''))[:40]:<40}  expires {str(row.get('expires_at', ''))[:10]}{state}  {row.get('id')}"
        )


@learnings.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also expired-in-grace and archived ones.")
@click.option("--type", "type_", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cmd(ctx: click.Context, show_all: bool, type_: str | None, as_json: bool) -> None:
    """Live learnings: confidence, score, type, subject, expiry."""
    api = _learnings(ctx)
    rows = api.list(include_expired=show_all, include_archived=show_all, type=type_)
    if as_json:
        echo_json({"schema_version": 1, "kind": "list", "learnings": rows})
    else:
        _table(rows, api.store.now())


@learnings.command("surface")
@click.option("-n", "count", type=click.IntRange(min=0), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def surface_cmd(ctx: click.Context, count: int | None, as_json: bool) -> None:
    """The top N learnings by confidence and age."""
    ranked = _learnings(ctx).surface(count)
    if as_json:
        echo_json(
            {"schema_version": 1, "kind": "surface", "learnings": [r.to_json() for r in ranked]}
        )
        return
    for r in ranked:
        lead = f"{r.subject}: " if r.subject else ""
        click.echo(f"{r.score:.2f}  {r.type or '':<22} {lead}{r.insight or ''}")


def _result(kind: str, result: Any, as_json: bool) -> None:
    if as_json:
        echo_json(
            {
                "schema_version": 1,
                "kind": kind,
                "action": result.action,
                "learning": result.learning,
            }
        )
    else:
        click.echo(f"{result.action}: {result.id} (confidence {result.learning.get('confidence')})")


def _finite(_ctx: click.Context, _param: click.Parameter, value: float) -> float:
    # FloatRange lets NaN through (every comparison with it is false).
    if math.isnan(value):
        raise click.BadParameter("must be a number in [0, 1], not nan")
    return value


@learnings.command("add")
@click.option("--type", "type_", required=True)
@click.option("--subject", required=True)
@click.option("--insight", required=True)
@click.option("--evidence", default="")
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    callback=_finite,
)
@click.option("--file-path", "file_paths", multiple=True)
@click.option("--session", default="auto")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def add_cmd(
    ctx: click.Context,
    type_: str,
    subject: str,
    insight: str,
    evidence: str,
    confidence: float,
    file_paths: tuple[str, ...],
    session: str,
    as_json: bool,
) -> None:
    """Add a learning (or confirm the live one with the same subject and type)."""
    result = _learnings(ctx).add(
        type_,
        subject,
        insight,
        evidence,
        confidence=confidence,
        session=session,
        file_paths=file_paths,
    )
    _result("add", result, as_json)


@learnings.command("confirm")
@click.argument("learning_id")
@click.option("--session", default="auto")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def confirm_cmd(ctx: click.Context, learning_id: str, session: str, as_json: bool) -> None:
    """Raise a learning's confidence by 0.15 and renew its expiry."""
    _result("confirm", _learnings(ctx).confirm(learning_id, session=session), as_json)


@learnings.command("contradict")
@click.argument("learning_id")
@click.option("--session", default="auto")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def contradict_cmd(ctx: click.Context, learning_id: str, session: str, as_json: bool) -> None:
    """Lower a learning's confidence by 0.2."""
    _result("contradict", _learnings(ctx).contradict(learning_id, session=session), as_json)


def _report(report: Any, as_json: bool, check: bool, apply: bool) -> None:
    doc = report.to_json()
    if as_json:
        echo_json(doc)
    else:
        for item in doc["items"]:
            click.echo(
                f"{item.get('action')}: {item.get('id') or ''} {item.get('reason') or ''} line {item.get('line', '-')}".rstrip()
            )
        archived = ", ".join(f"{k} {v}" for k, v in doc["archived"].items() if v) or "none"
        mode = "" if apply else " (dry run; pass --apply)"
        click.echo(
            f"{doc['kind']}: changed={str(doc['changed']).lower()}, archived: {archived}{mode}"
        )
    if check and not apply and report.changed:
        exit_with(1)


_APPLY = click.option("--apply", is_flag=True, help="Perform the change (default: dry run).")
_CHECK = click.option("--check", is_flag=True, help="Exit 1 when a dry run finds work.")


@learnings.command("apply-outcome")
@click.option("--session", required=True)
@click.option("--confirm", "confirmed", multiple=True)
@click.option("--contradict", "contradicted", multiple=True)
@click.option(
    "--new-file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="JSONL of new learnings.",
)
@click.option("--decay-rate", type=click.FloatRange(0, 1, max_open=True), default=None)
@_APPLY
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def apply_outcome_cmd(
    ctx: click.Context,
    session: str,
    confirmed: tuple[str, ...],
    contradicted: tuple[str, ...],
    new_file: str | None,
    decay_rate: float | None,
    apply: bool,
    as_json: bool,
) -> None:
    """The session-end update: confirm, contradict, add, then decay the rest (one rewrite)."""
    new: list[dict[str, Any]] = []
    numbers: list[int] = []
    if new_file:
        for number, line in enumerate(read_input_text(new_file).splitlines(), 1):
            if line.strip():
                try:
                    new.append(json.loads(line))
                except ValueError as exc:
                    raise click.UsageError(f"{new_file}:{number}: not JSON ({exc})") from None
                numbers.append(number)
    try:
        report = _learnings(ctx).apply_outcome(
            session,
            confirmed=confirmed,
            contradicted=contradicted,
            new=new,
            decay_rate=decay_rate,
            dry_run=not apply,
        )
    except RecordInvalid as exc:
        if exc.record_index is None or not new_file:
            raise
        located = RecordInvalid(
            f"{new_file}:{numbers[exc.record_index]}: {exc.message}",
            pointer=exc.pointer,
            hint=exc.hint,
        )
        raise located from None
    _report(report, as_json, False, apply)


@learnings.command("sweep")
@click.option("--grace-days", type=click.IntRange(min=0), default=None)
@_APPLY
@_CHECK
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sweep_cmd(
    ctx: click.Context, grace_days: int | None, apply: bool, check: bool, as_json: bool
) -> None:
    """Archive learnings expired for longer than the grace period."""
    _report(_learnings(ctx).sweep(grace_days=grace_days, dry_run=not apply), as_json, check, apply)


@learnings.command("prune")
@click.option("--grace-days", type=click.IntRange(min=0), default=None)
@_APPLY
@_CHECK
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def prune_cmd(
    ctx: click.Context, grace_days: int | None, apply: bool, check: bool, as_json: bool
) -> None:
    """Sweep, plus archive zero-confidence learnings and dedupe losers."""
    _report(_learnings(ctx).prune(grace_days=grace_days, dry_run=not apply), as_json, check, apply)


@learnings.command("archive")
@click.argument("learning_id")
@click.option("--reason", required=True, type=click.Choice(["pruned", "superseded", "merged"]))
@click.option("--into", default=None)
@click.option("--note", default=None)
@_APPLY
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def archive_cmd(
    ctx: click.Context,
    learning_id: str,
    reason: str,
    into: str | None,
    note: str | None,
    apply: bool,
    as_json: bool,
) -> None:
    """Move a learning to the archive."""
    if reason in ("superseded", "merged") and not into:
        raise click.UsageError(f"--into is required with --reason {reason}")
    _report(
        _learnings(ctx).archive(learning_id, reason, into=into, note=note, dry_run=not apply),
        as_json,
        False,
        apply,
    )


@learnings.command("restore")
@click.argument("learning_id")
@click.option("--session", default="auto")
@_APPLY
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def restore_cmd(
    ctx: click.Context, learning_id: str, session: str, apply: bool, as_json: bool
) -> None:
    """Bring an archived learning back with a fresh expiry."""
    _report(
        _learnings(ctx).restore(learning_id, session=session, dry_run=not apply),
        as_json,
        False,
        apply,
    )
