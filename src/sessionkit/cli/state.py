"""``sessionkit state``: show and change STATE.md through its guarded write path."""

from __future__ import annotations

import json
from typing import Any

import click

from sessionkit.cli._output import echo_json


def _root() -> str:
    from sessionkit import git

    try:
        return git.get_root(".")
    except Exception:
        return "."


@click.group("state")
def state() -> None:
    """STATE.md of the current worktree: show, set, begin, complete, reset."""


def _emit_report(written: bool, as_json: bool, action: str) -> None:
    from sessionkit import state as api

    doc = api.report(_root())
    doc["written"] = written
    doc["action"] = action
    if as_json:
        echo_json(doc)
    else:
        click.echo(f"{action}: {doc['path']}" + ("" if written else " (unchanged)"))


@state.command("show")
@click.option("--json", "as_json", is_flag=True)
@click.option("--path", "path_only", is_flag=True, help="Print only the resolved path.")
@click.option("--section", default=None)
def show_cmd(as_json: bool, path_only: bool, section: str | None) -> None:
    """Print STATE.md's path, frontmatter and sections."""
    import os

    from sessionkit import state as api

    root = _root()
    if path_only:
        # Only the resolved path (spec §7.9): nothing is parsed, so a broken file can be found.
        click.echo(os.path.relpath(api.resolve_path(root), root))
        return
    doc = api.report(root)
    if as_json:
        echo_json(doc)
        return
    if not doc["exists"]:
        click.echo(f"no STATE.md at {doc['path']}")
        return
    click.echo(doc["path"])
    for key, value in doc["frontmatter"].items():
        click.echo(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    for name, text in doc["sections"].items():
        if section is None or section == name:
            click.echo(f"\n## {name}\n{text}")


def _typed(key: str, raw: str) -> Any:
    from sessionkit.state import STRING_KEYS

    if key in STRING_KEYS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@state.command("set")
@click.argument("assignments", nargs=-1)
@click.option("--unset", "unset", multiple=True)
@click.option("--json", "as_json", is_flag=True)
def set_cmd(assignments: tuple[str, ...], unset: tuple[str, ...], as_json: bool) -> None:
    """Set frontmatter keys: KEY=VALUE (string keys keep the text verbatim)."""
    from sessionkit import state as api

    values: dict[str, Any] = {}
    for item in assignments:
        key, sep, raw = item.partition("=")
        if not sep:
            raise click.UsageError(f"expected KEY=VALUE, got {item!r}")
        values[key] = _typed(key, raw)
    result = api.set_fields(_root(), values, unset=unset)
    _emit_report(result.written, as_json, "set")


@state.command("begin")
@click.option(
    "--type",
    "session_type",
    type=click.Choice(["feature", "deep", "housekeeping"]),
    default="feature",
)
@click.option("--session-id", default=None)
@click.option("--issues", default="", help="Comma-separated issue numbers.")
@click.option("--resume", is_flag=True)
@click.option("--fresh", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def begin_cmd(
    session_type: str, session_id: str | None, issues: str, resume: bool, fresh: bool, as_json: bool
) -> None:
    """Start (or resume) a session."""
    from sessionkit import state as api

    if resume and fresh:
        raise click.UsageError("--resume and --fresh exclude each other")
    parsed = [int(i) if i.strip().isdigit() else i.strip() for i in issues.split(",") if i.strip()]
    result = api.begin(
        _root(),
        session_type=session_type,
        session_id=session_id,
        issues=parsed,
        resume=resume,
        fresh=fresh,
    )
    _emit_report(result.written, as_json, "begin")


@state.command("complete")
@click.option("--no-record", is_flag=True, help="Do not write the session ledger record.")
@click.option("--completion-rate", type=click.FloatRange(0, 1), default=None)
@click.option("--carryover-ratio", type=click.FloatRange(0, 1), default=None)
@click.option("--top-priorities", default=None, help="Comma-separated issue numbers.")
@click.option("--set-json", default=None, help="JSON object merged into the session record.")
@click.option("--json", "as_json", is_flag=True)
def complete_cmd(
    no_record: bool,
    completion_rate: float | None,
    carryover_ratio: float | None,
    top_priorities: str | None,
    set_json: str | None,
    as_json: bool,
) -> None:
    """Complete the session and record it in the ledger."""
    from sessionkit import state as api

    overrides = None
    if set_json:
        try:
            overrides = json.loads(set_json)
        except ValueError as exc:
            raise click.UsageError(f"--set-json is not JSON: {exc}") from None
    prios = (
        [int(p) if p.strip().isdigit() else p.strip() for p in top_priorities.split(",")]
        if top_priorities
        else None
    )
    result = api.complete(
        _root(),
        record=not no_record,
        overrides=overrides,
        completion_rate=completion_rate,
        carryover_ratio=carryover_ratio,
        top_priorities=prios,
    )
    _emit_report(result.written, as_json, "complete")


@state.command("reset")
@click.option("--apply", is_flag=True)
@click.option("--force", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def reset_cmd(apply: bool, force: bool, as_json: bool) -> None:
    """Idle reset (dry run by default); continuity sections are kept."""
    from sessionkit import state as api

    root = _root()
    result = api.reset(root, dry_run=not apply, force=force)
    if not apply and result.reason != "unchanged" and result.state is not None and not as_json:
        click.echo(_diff(root, result.path, api.serialize(result.state)), nl=False)
    _emit_report(result.written, as_json, "reset")


def _diff(root: str, path: str, new_text: str) -> str:
    """The unified diff from the file at ``path`` (missing: empty) to ``new_text``."""
    import difflib
    import os

    rel = os.path.relpath(path, root).replace(os.sep, "/")
    try:
        with open(path, encoding="utf-8") as handle:
            old_text: str | None = handle.read()
    except FileNotFoundError:
        old_text = None
    lines = difflib.unified_diff(
        (old_text or "").splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile="/dev/null" if old_text is None else f"a/{rel}",
        tofile=f"b/{rel}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@state.group("add")
def add() -> None:
    """Add a wave, agent, deviation, question or what-not-to-retry entry."""


@add.command("wave")
@click.argument("n", type=click.IntRange(min=1))
@click.option("--role", required=True)
@click.option("--planned", type=click.IntRange(min=0), default=None)
def add_wave_cmd(n: int, role: str, planned: int | None) -> None:
    from sessionkit import state as api

    _emit_report(api.add_wave(_root(), n, role, planned).written, False, "add wave")


@add.command("agent")
@click.option("--wave", type=click.IntRange(min=1), required=True)
@click.option("--description", required=True)
@click.option("--status", type=click.Choice(["done", "partial", "failed"]), required=True)
@click.option("--files", default=None)
@click.option("--note", default=None)
@click.option("--issue", type=int, default=None)
def add_agent_cmd(
    wave: int, description: str, status: str, files: str | None, note: str | None, issue: int | None
) -> None:
    from sessionkit import state as api

    _emit_report(
        api.add_agent(_root(), wave, description, status, files, note, issue).written,
        False,
        "add agent",
    )


@add.command("deviation")
@click.argument("text")
def add_deviation_cmd(text: str) -> None:
    from sessionkit import state as api

    _emit_report(api.add_deviation(_root(), text).written, False, "add deviation")


@add.command("question")
@click.argument("text")
@click.option("--source", required=True)
@click.option("--prio", type=click.Choice(["high", "medium", "low"]), required=True)
def add_question_cmd(text: str, source: str, prio: str) -> None:
    from sessionkit import state as api

    _emit_report(api.add_question(_root(), text, source, prio).written, False, "add question")


@add.command("not-retry")
@click.argument("approach")
@click.option("--why", required=True)
def add_not_retry_cmd(approach: str, why: str) -> None:
    from sessionkit import state as api

    _emit_report(api.add_not_retry(_root(), approach, why).written, False, "add not-retry")


@state.command("close-wave")
@click.option("--actual", type=click.IntRange(min=0), default=None)
@click.option("--suite", default=None, help="PASSED/FAILED")
@click.option("--platform", default=None)
def close_wave_cmd(actual: int | None, suite: str | None, platform: str | None) -> None:
    """Complete the current wave's heading."""
    from sessionkit import state as api

    parsed = None
    if suite:
        passed, sep, failed = suite.partition("/")
        if not sep or not passed.isdigit() or not failed.isdigit():
            raise click.UsageError("--suite takes PASSED/FAILED, e.g. 41/0")
        parsed = (int(passed), int(failed))
    _emit_report(
        api.close_wave(_root(), actual=actual, suite=parsed, platform=platform).written,
        False,
        "close-wave",
    )


@state.command("answer")
@click.argument("question")
@click.argument("answer")
def answer_cmd(question: str, answer: str) -> None:
    """Answer an open question (exact text or 1-based index)."""
    from sessionkit import state as api

    _emit_report(api.answer_question(_root(), question, answer).written, False, "answer")


@state.command("set-mission")
@click.argument("task_id")
@click.argument("status")
def set_mission_cmd(task_id: str, status: str) -> None:
    from sessionkit import state as api

    _emit_report(api.set_mission(_root(), task_id, status).written, False, "set-mission")


@state.command("unlock")
@click.option(
    "--force", is_flag=True, help="Also break a lock held by a running process or another host."
)
@click.option("--json", "as_json", is_flag=True)
def unlock_cmd(force: bool, as_json: bool) -> None:
    """Break a stale STATE lock."""
    from sessionkit import state as api

    result = api.unlock(_root(), force=force)
    if as_json:
        echo_json(
            {
                "schema_version": 1,
                "path": api.LOCK_PATH,
                "exists": result["held"],
                "written": result["broken"],
                "lock": {"held": False},
            }
        )
    else:
        click.echo("broke the STATE lock" if result["broken"] else "no STATE lock held")
