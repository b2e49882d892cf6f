"""``sessionkit metrics``: query and maintain the JSONL streams (a thin shell over the store)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from sessionkit.cli._errors import exit_with, read_input_text
from sessionkit.cli._output import echo_json
from sessionkit.errors import UsageError


def _store(ctx: click.Context) -> Any:
    from sessionkit.metrics.store import MetricsStore

    return MetricsStore(".", metrics_dir=ctx.obj.get("metrics_dir"))


def _window(value: str | None, option: str) -> Any:
    if value is None:
        return None
    from sessionkit.metrics.timestamps import parse_window

    try:
        return parse_window(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _warn_scan(name: str, stats: Any) -> None:
    from sessionkit.metrics.query import scan_warning

    message = scan_warning(name, stats)
    if message:
        click.echo(message, err=True)


@click.group("metrics")
@click.option(
    "--metrics-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Store directory (default: SESSIONKIT_METRICS_DIR, metrics.dir, .orchestrator/metrics).",
)
@click.pass_context
def metrics(ctx: click.Context, metrics_dir: str | None) -> None:
    """Query and maintain the metrics store (.orchestrator/metrics/*.jsonl)."""
    ctx.ensure_object(dict)
    ctx.obj["metrics_dir"] = metrics_dir


# --------------------------------------------------------------------------- stats


def _fmt_duration(seconds: Any) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def render_stats(doc: dict[str, Any]) -> str:
    out: list[str] = []
    window = "all time" if not doc["window"]["since"] else f"since {doc['window']['since']}"
    sessions = doc["sessions"]
    out.append(
        f"{'Sessions (' + window + ')':<26}{'total':>5}  {'completed':>9}  {'abandoned':>9}  {'p50':>9}  {'p90':>9}"
    )
    for kind, count in sorted(sessions["by_type"].items()):
        row = sessions["by_type_status"].get(kind, {})
        dur = sessions["duration_seconds_by_type"].get(kind, {})
        out.append(
            f"  {kind:<24}{count:>5}  {row.get('completed', 0):>9}  {row.get('abandoned', 0):>9}  "
            f"{_fmt_duration(dur.get('p50')):>9}  {_fmt_duration(dur.get('p90')):>9}"
        )
    d = sessions["duration_seconds"]
    out.append(
        f"  {'all':<24}{sessions['total']:>5}  {sessions['by_status'].get('completed', 0):>9}  "
        f"{sessions['by_status'].get('abandoned', 0):>9}  {_fmt_duration(d['p50']):>9}  {_fmt_duration(d['p90']):>9}"
    )
    gates = doc["gates"]
    out.append("")
    out.append(
        f"{'Gates':<26}{'runs':>5}  {'pass':>4}  {'fail':>4}  {'error':>5}  {'pass rate':>9}"
    )
    for variant, row in gates["by_variant"].items():
        out.append(
            f"  {variant:<24}{row['runs']:>5}  {row['pass']:>4}  {row['fail']:>4}  {row['error']:>5}  {_pct(row['pass_rate']):>9}"
        )
    out.append(
        f"  {'all':<24}{gates['runs']:>5}  {gates['pass']:>4}  {gates['fail']:>4}  {gates['error']:>5}  {_pct(gates['pass_rate']):>9}"
    )
    out.append("")
    out.append(f"{'Guard, by rule':<26}{'blocked':>7}  {'asked':>5}  {'warned':>6}")
    for row in doc["guard"]["by_rule"][:10]:
        out.append(f"  {row['rule_id']:<24}{row['block']:>7}  {row['ask']:>5}  {row['warn']:>6}")
    learnings = doc["learnings"]
    out.append("")
    out.append(f"Top learnings ({len(learnings['top'])} of {learnings['live']} live)")
    for item in learnings["top"]:
        expires = (item.get("expires_at") or "")[:10]
        out.append(
            f"  {item['score']:.2f}  {item['type'] or '':<16} {item['subject'] or '':<30}"
            f" expires {expires}"
        )
    scan = doc["scan"]
    ev, se = scan.get("events", {}), scan.get("sessions", {})
    folded = se.get("folded", 0)
    out.append("")
    out.append(
        f"Read: events {ev.get('records', 0):,} records in {ev.get('files', 0)} files; "
        f"sessions {se.get('lines', 0)} lines ({folded} duplicate{'s' if folded != 1 else ''} folded)."
    )
    return "\n".join(out)


@metrics.command("stats")
@click.option("--since", default=None, help="RFC 3339, YYYY-MM-DD, or 30m/12h/7d/2w ago.")
@click.option("--until", default=None)
@click.option("--session", default=None, help="Only this session id.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True)
@click.option("--no-rotated", is_flag=True, help="Skip rotated segments.")
@click.option("--all-worktrees", is_flag=True, help="Aggregate the stores of every worktree.")
@click.option("--json", "as_json", is_flag=True, help="Print one metrics-stats.v1 document.")
@click.pass_context
def stats_cmd(
    ctx: click.Context,
    since: str | None,
    until: str | None,
    session: str | None,
    top: int,
    no_rotated: bool,
    all_worktrees: bool,
    as_json: bool,
) -> None:
    """Summaries of sessions, gates, guard decisions, learnings and subagents."""
    from sessionkit.metrics import query

    store = _store(ctx)
    source: Any = query.WorktreeUnion(query.worktree_stores(store)) if all_worktrees else store
    report = query.stats(
        source,
        since=_window(since, "--since"),
        until=_window(until, "--until"),
        session=session,
        top=top,
        include_rotated=not no_rotated,
    )
    doc = report.document
    for name, scan in doc["scan"].items():
        bad = sum(
            v
            for k, v in scan.items()
            if k
            in (
                "invalid_json",
                "invalid_utf8",
                "not_object",
                "conflict_marker",
                "oversize",
                "unterminated",
            )
        )
        if bad:
            first = min((scan.get("first_line") or {}).values(), default=None)
            where = f" (first at line {first:,})" if first else ""
            click.echo(
                f"{name}.jsonl: skipped {bad} invalid line{'s' if bad != 1 else ''}{where}; run `sessionkit metrics doctor`",
                err=True,
            )
    if as_json:
        echo_json(doc)
    else:
        click.echo(render_stats(doc))


# --------------------------------------------------------------------------- query and tail


def _render_record(record: dict[str, Any], width: int = 160) -> str:
    skip = {"schema_version", "timestamp", "event", "session_id"}
    pairs = " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
        for k, v in record.items()
        if k not in skip
    )
    head = f"{record.get('timestamp', record.get('completed_at', '-'))}  {record.get('event', '-')}  {record.get('session_id') or '-'}"
    line = f"{head}  {pairs}"
    return line if len(line) <= width else line[: width - 1] + "…"


def _print_records(
    stream: str,
    records: list[dict[str, Any]],
    stats: Any,
    as_json: bool,
    jsonl: bool,
    truncated: bool = False,
) -> None:
    if as_json:
        echo_json(
            {
                "schema_version": 1,
                "stream": stream,
                "records": records,
                "count": len(records),
                "truncated": truncated,
                "scan": stats.as_dict() if stats else {},
            }
        )
        return
    for record in records:
        if jsonl:
            click.echo(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        else:
            click.echo(_render_record(record))


_STREAM_ARG = click.argument("stream", required=False, default="events")


@metrics.command("query")
@_STREAM_ARG
@click.option(
    "--event", "event_names", multiple=True, help="Event name; * = one segment, .** = any."
)
@click.option("--session", default=None)
@click.option("--since", default=None)
@click.option("--until", default=None)
@click.option(
    "--where", "wheres", multiple=True, help="KEY=VALUE (dotted paths; VALUE parsed as JSON)."
)
@click.option("--limit", type=click.IntRange(min=0), default=None)
@click.option("--last", type=click.IntRange(min=0), default=None)
@click.option("--count", is_flag=True, help="Print only the number of matches.")
@click.option("--no-rotated", is_flag=True)
@click.option("--raw-names", is_flag=True, help="Do not map prior-art event names.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--jsonl", is_flag=True)
@click.pass_context
def query_cmd(
    ctx: click.Context,
    stream: str,
    event_names: tuple[str, ...],
    session: str | None,
    since: str | None,
    until: str | None,
    wheres: tuple[str, ...],
    limit: int | None,
    last: int | None,
    count: bool,
    no_rotated: bool,
    raw_names: bool,
    as_json: bool,
    jsonl: bool,
) -> None:
    """Records of a stream matching filters, oldest first."""
    if limit is not None and last is not None:
        raise click.UsageError("--limit and --last exclude each other")
    store = _store(ctx)
    result = store.query(
        stream,
        event=event_names,
        session=session,
        since=_window(since, "--since"),
        until=_window(until, "--until"),
        where=wheres,
        limit=limit,
        last=last,
        include_rotated=not no_rotated,
        raw_names=raw_names,
        as_stored=jsonl,  # "each matching record as stored" (§5.2)
    )
    records = list(result)
    _warn_scan(f"{stream}.jsonl", result.stats)
    if count:
        click.echo(str(len(records)))
        return
    _print_records(
        stream,
        records,
        result.stats,
        as_json,
        jsonl,
        truncated=limit is not None and len(records) == limit,
    )


@metrics.command("tail")
@_STREAM_ARG
@click.option("-n", "count", type=click.IntRange(min=0), default=20, show_default=True)
@click.option("--follow", "-f", is_flag=True)
@click.option("--event", "event_names", multiple=True)
@click.option("--session", default=None)
@click.option("--where", "wheres", multiple=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--jsonl", is_flag=True)
@click.pass_context
def tail_cmd(
    ctx: click.Context,
    stream: str,
    count: int,
    follow: bool,
    event_names: tuple[str, ...],
    session: str | None,
    wheres: tuple[str, ...],
    as_json: bool,
    jsonl: bool,
) -> None:
    """The last N matching records (backward reader: cost independent of the file size)."""
    if follow and as_json:
        raise click.UsageError("--follow cannot print one JSON document; use --jsonl")
    store = _store(ctx)
    follower = None
    if follow:
        from sessionkit.metrics.query import Follower

        # the follower first: what is appended while the tail is read is printed once, by it
        follower = Follower(str(store.path(stream)))
    records = store.tail(
        stream,
        count,
        event=event_names,
        session=session,
        where=wheres,
        live_end=None if follower is None else follower.start,
        as_stored=jsonl,
    )
    _print_records(stream, records, None, as_json, jsonl)
    if follower is not None:
        _follow(store, stream, event_names, session, wheres, jsonl, follower)


def _follow(
    store: Any,
    stream: str,
    event_names: tuple[str, ...],
    session: str | None,
    wheres: tuple[str, ...],
    jsonl: bool,
    follower: Any,
) -> None:  # pragma: no cover - interactive
    from sessionkit.metrics.query import follow, make_predicate
    from sessionkit.metrics.streams import parse_stream

    predicate = make_predicate(
        parse_stream(stream), event=event_names, session=session, where=wheres
    )
    # follow() reads a rotated file to its end before switching to the new one (spec §5.2)
    for record in follow(str(store.path(stream)), predicate, follower=follower):
        click.echo(
            json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            if jsonl
            else _render_record(record)
        )


# --------------------------------------------------------------------------- writing


def _read_payload(payload: str | None, payload_file: str | None) -> Any:
    if payload is not None and payload_file is not None:
        raise click.UsageError("--payload and --payload-file exclude each other")
    text = payload
    if payload == "-" or payload_file == "-":
        text = sys.stdin.read()
    elif payload_file is not None:
        text = read_input_text(payload_file)
    if text is None:
        return {}
    try:
        return json.loads(text)
    except ValueError as exc:
        raise click.UsageError(f"payload is not valid JSON: {exc}") from None


@metrics.command("emit")
@click.argument("event")
@click.option("--payload", default=None, help="JSON object, or - for stdin.")
@click.option("--payload-file", default=None, type=click.Path())
@click.option(
    "--session", default=None, help="Session id (default: SESSIONKIT_SESSION_ID or STATE.md)."
)
@click.option("--wave", type=click.IntRange(min=1), default=None)
@click.option("--run-id", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def emit_cmd(
    ctx: click.Context,
    event: str,
    payload: str | None,
    payload_file: str | None,
    session: str | None,
    wave: int | None,
    run_id: str | None,
    as_json: bool,
) -> None:
    """Append one event with its envelope."""
    from sessionkit.metrics.errors import RecordInvalid

    data = _read_payload(payload, payload_file)
    if not isinstance(data, dict):
        raise RecordInvalid("payload must be a JSON object")
    store = _store(ctx)
    result = store.emit(
        event,
        data,
        session_id=session or "auto",
        wave=wave,
        run_id=run_id,
        source="cli",
        platform="cli",
    )
    if as_json:
        echo_json({"ok": True, "action": result.action, "stream": "events", "event": event})
    else:
        click.echo(f"{result.action} {event} to {os.path.relpath(result.path)}")


@metrics.command("record-session")
@click.option(
    "--file", "record_file", default="-", show_default=True, help="JSON record (- for stdin)."
)
@click.option("--from-state", is_flag=True, help="Assemble the record from STATE.md.")
@click.option("--set-json", default=None, help="JSON object merged last (with --from-state).")
@click.option("--force", is_flag=True, help="Record a second version of an existing session.")
@click.option("--dry-run", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def record_session_cmd(
    ctx: click.Context,
    record_file: str,
    from_state: bool,
    set_json: str | None,
    force: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Append one session record to the ledger (idempotent)."""
    store = _store(ctx)
    if from_state:
        from sessionkit import state as state_module
        from sessionkit.metrics.sessions import build_record

        current = state_module.read(str(store.state_root))
        if current is None:
            raise UsageError("no STATE.md to assemble the record from")
        overrides = _read_payload(set_json, None) if set_json else None
        record = build_record(current, store, overrides=overrides)
    else:
        text = sys.stdin.read() if record_file == "-" else read_input_text(record_file)
        if not text.strip():
            raise click.UsageError("empty input: pass a JSON session record")
        try:
            record = json.loads(text)
        except ValueError as exc:
            raise click.UsageError(f"input is not valid JSON: {exc}") from None
    if not isinstance(record, dict):
        from sessionkit.metrics.errors import RecordInvalid

        raise RecordInvalid("a session record must be a JSON object")
    result = store.record_session(record, force=force, dry_run=dry_run)
    if as_json:
        echo_json(result.to_json())
    else:
        click.echo(f"{result.action}: session {result.session_id}")


# --------------------------------------------------------------------------- maintenance


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        echo_json(report.to_json())
    else:
        for finding in report.findings:
            click.echo(finding.render())
        for action in report.actions:
            state = "done" if action.get("done") else "planned"
            words = [action["action"], action.get("stream"), action.get("file")]
            where = f" line {action['line']}" if action.get("line") else ""
            click.echo(f"{state}: {' '.join(w for w in words if w)}{where}")
            for change in action.get("changes") or ():
                click.echo(f"  - {change}")
        summary = report.to_json()["summary"]
        mode = (
            " (dry run; pass --apply)"
            if report.dry_run and report.command not in ("validate", "doctor")
            else ""
        )
        click.echo(
            f"{report.command}: {summary['error']} error(s), {summary['warning']} warning(s), {summary['info']} info{mode}"
        )


def _finish(report: Any, check: bool, apply: bool) -> None:
    if check and not apply and report.actions:
        exit_with(1)
    if report.exit_code:
        exit_with(report.exit_code)


_APPLY = click.option("--apply", is_flag=True, help="Perform the changes (default: dry run).")
_CHECK = click.option("--check", is_flag=True, help="Exit 1 when a dry run finds work.")
_JSON = click.option("--json", "as_json", is_flag=True)
_STREAMS = click.option(
    "--stream", "streams", multiple=True, help="Limit to a stream (repeatable)."
)


@metrics.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--all", "all_files", is_flag=True, help="Every stream file of the store.")
@click.option("--strict", is_flag=True, help="Warnings count as errors.")
@_JSON
@click.pass_context
def validate_cmd(
    ctx: click.Context, files: tuple[str, ...], all_files: bool, strict: bool, as_json: bool
) -> None:
    """Validate the content of metrics files (no lock, no git)."""
    from sessionkit.metrics import maintenance

    if not files and not all_files:
        raise click.UsageError("pass FILE... or --all")
    store = _store(ctx) if all_files or ctx.obj.get("metrics_dir") else _optional_store(ctx)
    paths = [Path(f) for f in files]
    if all_files:
        paths.extend(maintenance.all_stream_files(store))
    for path in paths:
        if path.exists() and not os.access(path, os.R_OK):
            from sessionkit.metrics.errors import MetricsIOError

            raise MetricsIOError(f"{path}: permission denied")
    report = maintenance.validate_files(store, paths, strict=strict)
    _print_report(report, as_json)
    _finish(report, False, False)


def _optional_store(ctx: click.Context) -> Any:
    try:
        return _store(ctx)
    except Exception:
        return None


@metrics.command("doctor")
@_STREAMS
@click.option("--strict", is_flag=True)
@_JSON
@click.pass_context
def doctor_cmd(ctx: click.Context, streams: tuple[str, ...], strict: bool, as_json: bool) -> None:
    """Health of the whole store (read-only, under shared locks)."""
    from sessionkit.metrics import maintenance

    report = maintenance.doctor(_store(ctx), list(streams) or None, strict=strict)
    _print_report(report, as_json)
    _finish(report, False, False)


@metrics.command("repair")
@_STREAMS
@_APPLY
@_CHECK
@click.option("--quarantine-invalid", is_flag=True, help="Also quarantine schema-invalid records.")
@click.option("--backfill-abandoned", is_flag=True, help="Record stubs for orphaned sessions.")
@click.option("--clear-quarantine", is_flag=True, help="Back up and empty quarantine.jsonl.")
@_JSON
@click.pass_context
def repair_cmd(
    ctx: click.Context,
    streams: tuple[str, ...],
    apply: bool,
    check: bool,
    quarantine_invalid: bool,
    backfill_abandoned: bool,
    clear_quarantine: bool,
    as_json: bool,
) -> None:
    """Quarantine torn lines, fold duplicates, drain spool, compress segments."""
    report = _store(ctx).repair(
        list(streams) or None,
        dry_run=not apply,
        quarantine_invalid=quarantine_invalid,
        backfill_abandoned=backfill_abandoned,
        clear_quarantine=clear_quarantine,
    )
    _print_report(report, as_json)
    _finish(report, check, apply)


@metrics.command("migrate")
@_STREAMS
@click.option("--no-state", is_flag=True, help="Leave STATE.md alone.")
@_APPLY
@_CHECK
@_JSON
@click.pass_context
def migrate_cmd(
    ctx: click.Context,
    streams: tuple[str, ...],
    no_state: bool,
    apply: bool,
    check: bool,
    as_json: bool,
) -> None:
    """Convert the prior art's files in place (offsets, legacy keys and versions)."""
    report = _store(ctx).migrate(
        streams=list(streams) or None, include_state=not no_state, dry_run=not apply
    )
    _print_report(report, as_json)
    _finish(report, check, apply)


@metrics.command("rotate")
@click.option(
    "--stream",
    "streams",
    multiple=True,
    type=click.Choice(
        ["events", "subagents", "sessions", "learnings", "learnings-archive", "quarantine"]
    ),
)
@click.option("--force", is_flag=True, help="Rotate non-empty streams regardless of size.")
@_APPLY
@_CHECK
@_JSON
@click.pass_context
def rotate_cmd(
    ctx: click.Context,
    streams: tuple[str, ...],
    force: bool,
    apply: bool,
    check: bool,
    as_json: bool,
) -> None:
    """Rotate volatile streams, compress segments, apply retention, drain spool."""
    from sessionkit.metrics import rotation
    from sessionkit.metrics.maintenance import Report, display_path
    from sessionkit.metrics.streams import parse_stream

    store = _store(ctx)
    result = rotation.rotate(
        store, [parse_stream(s) for s in streams] or None, force=force, dry_run=not apply
    )
    report = Report("rotate", dry_run=not apply)
    for name in result.due:
        action: dict[str, Any] = {"action": "rotate", "stream": name, "line": None, "done": apply}
        # the segment the live file became (its stream name, then a dot and the stamp)
        segments = [c for c in result.created if c.startswith(name + ".")]
        if segments:
            action["file"] = display_path(store, store.root / segments[0])
        report.actions.append(action)
    for name in result.compressed:
        report.actions.append(
            {"action": f"compress {name}", "stream": None, "line": None, "done": apply}
        )
    for name in result.deleted:
        report.actions.append(
            {"action": f"delete {name}", "stream": None, "line": None, "done": apply}
        )
    for name, lines in result.drained.items():
        if lines:
            report.actions.append(
                {
                    "action": f"drain {lines} spooled line(s)",
                    "stream": name,
                    "line": None,
                    "done": apply,
                }
            )
    _print_report(report, as_json)
    _finish(report, check, apply)


@metrics.command("init")
@click.option(
    "--no-track",
    is_flag=True,
    help="Track nothing: no tracked stores, no merge=union lines, the store directory ignored.",
)
@click.option("--upgrade", is_flag=True, help="Replace sessionkit blocks that differ.")
@_JSON
@click.pass_context
def init_cmd(ctx: click.Context, no_track: bool, upgrade: bool, as_json: bool) -> None:
    """Create the store and its tracked files; write the sessionkit blocks of the git files.

    The blocks between ``# >>> sessionkit >>>`` and ``# <<< sessionkit <<<`` in .gitattributes
    and .gitignore: absent -> written, identical -> skipped, different -> preserved (a
    warning) unless --upgrade.
    """
    from sessionkit.metrics import maintenance

    store = _store(ctx)
    report = maintenance.init(store, track=not no_track, upgrade=upgrade)
    if as_json:
        echo_json(report.to_json())
    else:
        for finding in report.findings:
            click.echo(finding.render())
        for action in report.actions:
            what = action.get("file") or action.get("stream") or ""
            click.echo(f"{action['action']}: {what}")
    if report.exit_code:
        exit_with(report.exit_code)
