"""``sessionkit guard``: judge shell commands, explain rules, check the team policy (guard.md §14).

Thin front end: every sub-command calls the library (``sessionkit.policy``) and renders the
same result objects as text or JSON. Exit codes: 0 allow / ok, 1 block (warn too with
``--strict-warn``) or problems found, 2 usage error, 3 environment or I/O error.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import textwrap
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

import click

from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json
from sessionkit.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    EnvironmentProblem,
    SessionkitError,
    UsageError,
)

CONTEXTS = ("agent", "script", "ci")
DEFAULT_FIELDS = ("cmd", "command", "tool_input.command")


# ---- shared helpers -------------------------------------------------------------------------------


def _cwd(value: str | None) -> str:
    path = os.path.abspath(value) if value else os.getcwd()
    if not os.path.isdir(path):
        raise EnvironmentProblem(
            f"--cwd {value!r} is not a directory", hint="pass an existing directory"
        )
    return path


def _policy_arg(policy_file: str | None, builtin_only: bool) -> Any:
    from sessionkit.policy.policyfile import Policy, PolicyError

    if policy_file and builtin_only:
        raise UsageError("--policy and --builtin-only cannot be combined")
    if builtin_only:
        return Policy.builtin()
    if policy_file:
        try:
            return Policy.from_file(policy_file)
        except PolicyError as exc:
            if not os.path.exists(policy_file):
                raise EnvironmentProblem(str(exc), hint="pass an existing guard.yaml") from exc
            raise UsageError(str(exc), hint="fix the policy file or drop --policy") from exc
    return None


def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, width=92, initial_indent=indent, subsequent_indent=indent) or [
        indent
    ]


def _escape(text: str, width: int = 80) -> str:
    shown = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def render_decision(decision: Any) -> list[str]:
    """Human lines for one decision (§14.1), derived from the same object as ``--json``."""
    if decision.action == "allow":
        lines = [f"ALLOW: {decision.reason}"]
        for finding in decision.findings:
            if finding.downgraded_by is not None and finding.default_action != "allow":
                lines.append(
                    f"  lowered {finding.rule_id} ({finding.group}) to allow by "
                    f"{_downgrade_text(finding.downgraded_by)}: {finding.segment}"
                )
        return lines
    label = decision.action.upper()
    lines = [
        f"{label} {decision.rule_id} ({decision.group}): {decision.segment or decision.command}"
    ]
    lines.extend(_wrap(decision.reason))
    if decision.suggestion:
        lines.extend(_wrap(f"Instead: {decision.suggestion}"))
    primary = next(
        (
            f
            for f in decision.findings
            if f.rule_id == decision.rule_id
            and f.span == decision.span
            and f.action == decision.action
        ),
        None,
    )
    if primary is not None and primary.downgraded_by is not None:
        lines.append(
            f"  (lowered from {primary.default_action} by {_downgrade_text(primary.downgraded_by)})"
        )
    shown = {(decision.rule_id, decision.segment)}
    for finding in decision.findings:
        if finding.action == "allow" or (finding.rule_id, finding.segment) in shown:
            continue
        shown.add((finding.rule_id, finding.segment))
        lines.append(
            f"  also {finding.action.upper()} {finding.rule_id} ({finding.group}): {finding.segment}"
        )
    return lines


def _downgrade_text(downgrade: Any) -> str:
    where = downgrade.source or ""
    if downgrade.line:
        where = f"{where}:{downgrade.line}"
    if downgrade.kind == "override":
        return (
            f"override {downgrade.override_id} ({where})"
            if where
            else f"override {downgrade.override_id}"
        )
    return f"{downgrade.kind} {where}".strip()


def _print_notices(decision: Any) -> None:
    for notice in decision.notices:
        where = f" ({notice.source})" if notice.source else ""
        click.echo(f"note: {notice.code}: {notice.message}{where}", err=True)


def _trace(analysis: Any) -> None:
    """``--trace``: the simple commands the walk produced and every finding, on stderr."""
    from sessionkit.policy.values import render

    decision = analysis.decision
    out = sys.stderr
    out.write(f"trace: command {decision.command!r} cwd={decision.cwd} repo={decision.repo_root}\n")
    if decision.malformed:
        out.write("trace: malformed input: judged in every lenient reading\n")
    for number, command in enumerate(analysis.commands, start=1):
        via = " > ".join(f"{hop[0]}({hop[2]})" if hop[2] else hop[0] for hop in command.via) or "-"
        cwds = ", ".join(render(c) for c in command.cwd) or "-"
        flags = "".join(
            f" {name}"
            for name in ("dry", "deferred", "defined_only")
            if getattr(command, name, False)
        )
        out.write(
            f"trace: [{number}] argv={command.rendered()!r} name={command.name} cwd={cwds}"
            f" via={via} reading={command.reading}{flags}\n"
        )
    for finding in decision.findings:
        via = " > ".join(hop.kind for hop in finding.via) or "-"
        lowered = (
            f" lowered-by={_downgrade_text(finding.downgraded_by)}" if finding.downgraded_by else ""
        )
        targets = "".join(f" target={t.operand}->{t.cls}" for t in finding.targets)
        out.write(
            f"trace: finding {finding.action} {finding.rule_id} ({finding.group}, {finding.origin})"
            f" argv={list(finding.argv)!r} via={via}{targets}{lowered}\n"
        )
    out.write(f"trace: decision {decision.action} {decision.rule_id}\n")


def _exit_code(action: str, strict_warn: bool) -> int:
    if action == "block" or (action == "warn" and strict_warn):
        return EXIT_FINDINGS
    return EXIT_OK


# ---- the group ----------------------------------------------------------------------------------


@click.group("guard")
def guard() -> None:
    """Judge shell commands with the destructive-command guard (guard.md)."""


@guard.command("check", context_settings={"ignore_unknown_options": False})
@click.argument("words", nargs=-1)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read one command string from stdin.")
@click.option(
    "--file", "file_path", type=str, default=None, help="Audit many commands ('-' = stdin)."
)
@click.option(
    "--input", "input_kind", type=click.Choice(["auto", "lines", "jsonl"]), default="auto"
)
@click.option("--field", "field", default=None, help="Dotted path of the command in JSON objects.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "json"]), default=None)
@click.option("--all", "show_all", is_flag=True, help="Also list allowed commands in the table.")
@click.option("--expect", is_flag=True, help="Compare each object's expect/rule with the decision.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision JSON.")
@click.option("--cwd", "cwd", default=None, help="Judge as if run in DIR.")
@click.option("--strict-warn", is_flag=True, help="Exit 1 on warn as well.")
@click.option("--session", default=None, help="Session id for session-scoped overrides.")
@click.option("--context", type=click.Choice(CONTEXTS), default="agent")
@click.option("--source", default=None, help="Repository-relative file the command came from.")
@click.option("--policy", "policy_file", default=None, help="An explicit guard.yaml.")
@click.option("--builtin-only", is_flag=True, help="Built-in rules only.")
@click.option("--trace", is_flag=True, help="Print simple commands and findings to stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on allow.")
def check(
    words: tuple[str, ...],
    from_stdin: bool,
    file_path: str | None,
    input_kind: str,
    field: str | None,
    fmt: str | None,
    show_all: bool,
    expect: bool,
    as_json: bool,
    cwd: str | None,
    strict_warn: bool,
    session: str | None,
    context: str,
    source: str | None,
    policy_file: str | None,
    builtin_only: bool,
    trace: bool,
    quiet: bool,
) -> None:
    """Judge COMMAND (quote it as one word after --), or --stdin, or every line of --file."""
    modes = sum((bool(words), from_stdin, file_path is not None))
    if modes == 0:
        raise UsageError(
            "no command given",
            hint="sessionkit guard check -- 'git reset --hard' (or --stdin, --file)",
        )
    if modes > 1:
        raise UsageError("give the command after --, or --stdin, or --file, not several of them")
    run_cwd = _cwd(cwd)
    policy = _policy_arg(policy_file, builtin_only)
    if file_path is not None:
        code = _audit(
            file_path,
            run_cwd=run_cwd,
            input_kind=input_kind,
            field=field,
            fmt="json" if as_json and fmt is None else fmt or "table",
            show_all=show_all,
            expect=expect,
            strict_warn=strict_warn,
            session=session,
            context=context,
            source=source,
            policy=policy,
        )
        exit_with(code)
    if from_stdin:
        command = sys.stdin.read()
    else:
        command = words[0] if len(words) == 1 else shlex.join(words)
    from sessionkit.policy.guard import analyse_command

    analysis = analyse_command(
        command, cwd=run_cwd, policy=policy, session=session, context=context, source=source
    )
    decision = analysis.decision
    if trace:
        _trace(analysis)
    if as_json:
        echo_json(decision.to_dict())
    elif not (quiet and decision.action == "allow"):
        for line in render_decision(decision):
            click.echo(line)
    _print_notices(decision)
    exit_with(_exit_code(decision.action, strict_warn))


# ---- --file: auditing many commands (§14.2) -------------------------------------------------------


class _Item:
    __slots__ = ("command", "context", "cwd", "error", "expect", "id", "line", "rule", "source")

    def __init__(self, line: int) -> None:
        self.line = line
        self.command: str | None = None
        self.error: str | None = None
        self.id: Any = None
        self.cwd: str | None = None
        self.context: str | None = None
        self.source: str | None = None
        self.expect: str | None = None
        self.rule: str | None = None


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _detect_input(lines: list[str]) -> str:
    """``jsonl`` when every non-blank line starts with ``{`` (§14.2), else ``mixed``: each
    line is a command, except that a line holding a JSON object with the command field is
    read as that record. An object is never a shell command: a transcript with a damaged line
    still has every other record's command judged, not the text of its JSON."""
    filled = [line.lstrip() for line in lines if line.strip()]
    if filled and all(line.startswith("{") for line in filled):
        return "jsonl"
    return "mixed"


def _record_line(text: str, field: str | None) -> bool:
    """Whether a line of a mixed file is a JSON object with the command field."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    paths = (field,) if field else DEFAULT_FIELDS
    return any(isinstance(_dig(data, p), str) for p in paths)


def _read_items(handle: TextIO, name: str, input_kind: str, field: str | None) -> Iterator[_Item]:
    raw = handle.read()
    lines = raw.splitlines()
    if input_kind == "auto":
        input_kind = _detect_input(lines)
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        item = _Item(number)
        if input_kind == "lines" or (input_kind == "mixed" and not _record_line(text, field)):
            item.command = text
            yield item
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            item.error = f"{name}:{number}: invalid JSON: {exc.msg}"
            yield item
            continue
        if not isinstance(data, dict):
            item.error = f"{name}:{number}: not a JSON object"
            yield item
            continue
        paths = (field,) if field else DEFAULT_FIELDS
        value = next((v for v in (_dig(data, p) for p in paths) if v is not None), None)
        if not isinstance(value, str):
            wanted = field or "cmd, command or tool_input.command"
            item.error = f"{name}:{number}: no string field {wanted}"
            yield item
            continue
        item.command = value
        item.id = data.get("id")
        item.cwd = data.get("cwd") if isinstance(data.get("cwd"), str) else None
        item.context = data.get("context") if data.get("context") in CONTEXTS else None
        item.source = data.get("source") if isinstance(data.get("source"), str) else None
        item.expect = data.get("expect") if isinstance(data.get("expect"), str) else None
        item.rule = data.get("rule") if isinstance(data.get("rule"), str) else None
        yield item


def _mismatch(item: _Item, decision: Any) -> str | None:
    if item.expect is None:
        return None
    if decision.action != item.expect:
        return f"expected {item.expect}, got {decision.action} {decision.rule_id or ''}".strip()
    if item.rule:
        if item.expect != "allow" and decision.rule_id != item.rule:
            return f"expected rule {item.rule}, got {decision.rule_id}"
        if item.expect == "allow" and all(f.rule_id != item.rule for f in decision.findings):
            return f"expected an allow finding {item.rule}"
    return None


def _audit(
    file_path: str,
    *,
    run_cwd: str,
    input_kind: str,
    field: str | None,
    fmt: str,
    show_all: bool,
    expect: bool,
    strict_warn: bool,
    session: str | None,
    context: str,
    source: str | None,
    policy: Any,
) -> int:
    from sessionkit.policy.guard import check_command

    try:
        if file_path == "-":
            items = list(_read_items(sys.stdin, "<stdin>", input_kind, field))
        else:
            with open(file_path, encoding="utf-8", errors="surrogateescape") as handle:
                items = list(_read_items(handle, file_path, input_kind, field))
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read {file_path}: {exc.strerror}") from exc
    counts = {"block": 0, "warn": 0, "allow": 0, "unreadable": 0, "mismatch": 0}
    results: list[dict[str, Any]] = []
    table: list[str] = []
    for item in items:
        if item.error is not None or item.command is None:
            counts["unreadable"] += 1
            click.echo(item.error, err=True)
            results.append({"line": item.line, "error": item.error})
            continue
        item_cwd = os.path.normpath(os.path.join(run_cwd, item.cwd)) if item.cwd else run_cwd
        decision = check_command(
            item.command,
            cwd=item_cwd,
            policy=policy,
            session=session,
            context=item.context or context,
            source=item.source or source,
        )
        counts[decision.action] += 1
        result: dict[str, Any] = {"line": item.line, "id": item.id, "decision": decision.to_dict()}
        if expect and item.expect is not None:
            problem = _mismatch(item, decision)
            result["expected"] = {"action": item.expect, "rule": item.rule}
            result["mismatch"] = problem
            if problem is not None:
                counts["mismatch"] += 1
                label = f" {item.id}" if item.id is not None else ""
                click.echo(f"{file_path}:{item.line}:{label} {problem}", err=True)
        results.append(result)
        if show_all or decision.action != "allow" or result.get("mismatch"):
            table.append(
                f"{item.line:<6} {decision.action.upper():<6} {decision.rule_id or '-':<32} "
                f"{_escape(item.command)}"
            )
    summary = {
        "commands": len(items),
        "block": counts["block"],
        "warn": counts["warn"],
        "allow": counts["allow"],
        "unreadable": counts["unreadable"],
        "mismatches": counts["mismatch"] if expect else None,
    }
    if fmt == "jsonl":
        for result in results:
            click.echo(json.dumps(result, ensure_ascii=False))
    elif fmt == "json":
        echo_json({"schema_version": 1, "summary": summary, "results": results})
    else:
        click.echo(f"{'LINE':<6} {'ACTION':<6} {'RULE':<32} COMMAND")
        for row in table:
            click.echo(row)
        tail = f", {counts['mismatch']} mismatched" if expect else ""
        click.echo(
            f"{len(items)} commands: {counts['block']} block, {counts['warn']} warn, "
            f"{counts['allow']} allow, {counts['unreadable']} unreadable{tail}"
        )
    failed = (
        counts["block"] > 0
        or (strict_warn and counts["warn"] > 0)
        or counts["unreadable"] > 0
        or (expect and counts["mismatch"] > 0)
    )
    return EXIT_FINDINGS if failed else EXIT_OK


# ---- explain and rules (§14.3) -----------------------------------------------------------------------


def _load_policy_for(cwd: str | None) -> Any:
    from sessionkit.policy.policyfile import load_policy

    return load_policy(_cwd(cwd))


def _effective(policy: Any, rule_id: str, default: str) -> tuple[str, str | None]:
    action, file, line = policy.action_for(rule_id, default)
    if file is None:
        return action, None
    return action, f"{file}:{line}" if line else file


def _unknown_rule(rule_id: str, known: Sequence[str]) -> UsageError:
    import difflib

    close = difflib.get_close_matches(rule_id, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return UsageError(
        f"unknown rule id {rule_id!r}{hint} ('sessionkit guard rules' lists them all)"
    )


def _extra_rule_dict(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.finding_id,
        "group": rule.group,
        "default_action": rule.action,
        "title": f"{'prior-art' if rule.origin == 'compat' else 'team'} rule {rule.id}",
        "protects": "what the team's policy names",
        "reason": rule.reason,
        "suggestion": rule.suggestion,
        "examples": [" ".join(rule.argv)] if rule.argv else [],
        "lookalikes": [],
        "session_config_downgradable": False,
        "floor": False,
        "aliases": [],
    }


@guard.command("explain")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True)
@click.option("--cwd", "cwd", default=None)
def explain(rule_id: str, as_json: bool, cwd: str | None) -> None:
    """Explain one rule: what it protects, why, the safer way, and how to change it."""
    from sessionkit.policy.rules import RULES
    from sessionkit.policy.rules import explain as explain_text

    policy = _load_policy_for(cwd)
    rule = RULES.get(rule_id)
    if rule is None:
        extra = policy.extra_rule(rule_id)
        if extra is None:
            known = [*RULES, *(r.finding_id for r in policy.compiled_rules())]
            raise _unknown_rule(rule_id, known)
        data = _extra_rule_dict(extra)
        effective, where = _effective(policy, extra.finding_id, extra.action)
        if as_json:
            echo_json(data)
            return
        click.echo(
            f"{data['id']} ({data['group']}, default {data['default_action']}): {data['title']}"
        )
        click.echo(f"  reason: {data['reason']}")
        if data["examples"]:
            click.echo(f"  matches: {data['examples'][0]}")
        click.echo(f"  effective action: {effective}" + (f" (set in {where})" if where else ""))
        for entry in policy.compat_rules:
            if f"compat:{entry.get('id')}" == extra.finding_id and "allow-override-flag" in entry:
                click.echo(
                    f"  allow-override-flag: {entry['allow-override-flag']!r} (ignored, as in the"
                    " prior art; grant an override with 'sessionkit guard override add')"
                )
        click.echo(
            f"  change it: rules: {{{data['id']}: block|warn|allow|off}} in .orchestrator/policy/guard.yaml"
        )
        return
    if as_json:
        echo_json(rule.to_dict())
        return
    click.echo(explain_text(rule.id))
    effective, where = _effective(policy, rule.id, rule.default_action)
    if rule.floor:
        return
    changed = f" (set in {where})" if where else " (the default)"
    lowered = _lowered_by_session_config(rule.id, effective, cwd)
    if lowered is not None:
        effective, changed = (
            "warn",
            f" (allow-destructive-ops in {lowered}; {effective} without it)",
        )
    click.echo(f"  effective action here: {effective}{changed}")


def _lowered_by_session_config(rule_id: str, action: str, cwd: str | None) -> str | None:
    """Where a committed ``allow-destructive-ops: true`` lowers this rule's block to warn
    here (§12.5), or None. Deletions are lowered only inside the repository; explain names
    the rule, not a target, so it says what a deletion inside it gets."""
    from sessionkit.policy.policyfile import _adopt, _load_session_config
    from sessionkit.policy.rules import SESSION_CONFIG_DOWNGRADABLE

    if action != "block" or rule_id not in SESSION_CONFIG_DOWNGRADABLE:
        return None
    enabled, downgrade, _pending = _adopt(_load_session_config(_cwd(cwd), []))
    if not enabled or downgrade is None:
        return None
    file, line = downgrade.source, downgrade.line
    if file is None:
        return "the Session Config"
    return f"{file}:{line}" if line else str(file)


def rules_markdown() -> str:
    """The built-in catalogue as a Markdown table (the rule table of ``docs/guard.md``)."""
    from sessionkit.policy.rules import CATALOGUE

    def cell(text: str | None) -> str:
        return (text or "—").replace("|", "\\|").replace("\n", " ")

    lines = [
        "| rule | group | default | what it is about | what could be lost | safer alternative |",
        "|---|---|---|---|---|---|",
    ]
    for rule in CATALOGUE:
        flags = []
        if rule.floor:
            flags.append("floor")
        if rule.session_config_downgradable:
            flags.append("lowered to warn by `allow-destructive-ops`")
        note = f" ({', '.join(flags)})" if flags else ""
        lines.append(
            f"| `{rule.id}` | {rule.group} | {rule.default_action}{note} | {cell(rule.title)} | "
            f"{cell(rule.protects)} | {cell(rule.suggestion)} |"
        )
    return "\n".join(lines) + "\n"


@guard.command("rules")
@click.option("--json", "as_json", is_flag=True)
@click.option("--markdown", is_flag=True, help="The built-in catalogue as a Markdown table.")
@click.option("--cwd", "cwd", default=None)
def rules(as_json: bool, markdown: bool, cwd: str | None) -> None:
    """List every rule with its group, default and effective action."""
    from sessionkit.policy.rules import CATALOGUE

    if markdown:
        click.echo(rules_markdown(), nl=False)
        return
    policy = _load_policy_for(cwd)
    rows: list[dict[str, Any]] = []
    for rule in CATALOGUE:
        effective, where = _effective(policy, rule.id, rule.default_action)
        rows.append(
            {
                "id": rule.id,
                "group": rule.group,
                "default_action": rule.default_action,
                "effective_action": effective,
                "set_in": where,
                "title": rule.title,
            }
        )
    for extra in policy.compiled_rules():
        effective, where = _effective(policy, extra.finding_id, extra.action)
        rows.append(
            {
                "id": extra.finding_id,
                "group": extra.group,
                "default_action": extra.action,
                "effective_action": effective,
                "set_in": where,
                "title": extra.reason,
            }
        )
    if as_json:
        echo_json(rows)
        return
    width = max(len(row["id"]) for row in rows)
    click.echo(f"{'RULE':<{width}}  GROUP  DEFAULT  EFFECTIVE  TITLE")
    for row in rows:
        mark = "*" if row["effective_action"] != row["default_action"] else " "
        click.echo(
            f"{row['id']:<{width}}  {row['group']:<5}  {row['default_action']:<7}  "
            f"{row['effective_action']:<8}{mark}  {row['title']}"
        )


# ---- policy validate / show -------------------------------------------------------------------------


@guard.group("policy")
def policy_group() -> None:
    """Check and show the team policy (.orchestrator/policy/guard.yaml)."""


@policy_group.command("validate")
@click.option("--json", "as_json", is_flag=True)
@click.option("--cwd", "cwd", default=None)
def policy_validate(as_json: bool, cwd: str | None) -> None:
    """Check guard.yaml, the prior art's file and the local override store."""
    from sessionkit.policy.policyfile import POLICY_REL, find_repository, validate_policy

    root = _cwd(cwd)
    top = find_repository(root)[0]
    for rel in (POLICY_REL, ".orchestrator/policy/blocked-commands.json"):
        path = os.path.join(top, rel)
        if not os.path.lexists(path):
            continue
        try:  # open it: os.access says yes to root and to a directory
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError as exc:
            raise EnvironmentProblem(
                f"cannot read {rel}: {exc.strerror or exc}",
                hint="make it a readable file (check its type and permissions)",
            ) from exc
    _, problems = validate_policy(root)
    if as_json:
        echo_json({"valid": not problems, "problems": [p.to_dict() for p in problems]})
    else:
        for problem in problems:
            click.echo(str(problem))
        if not problems:
            click.echo("guard policy: valid")
    exit_with(EXIT_FINDINGS if problems else EXIT_OK)


@policy_group.command("show")
@click.option("--json", "as_json", is_flag=True)
@click.option("--cwd", "cwd", default=None)
def policy_show(as_json: bool, cwd: str | None) -> None:
    """Print the effective policy, each entry with its source, and loosenings awaiting a commit."""
    policy = _load_policy_for(cwd)
    if as_json:
        # without the compiled forms and lines the cache keeps for the hot path (``_line``, …)
        data = {
            key: [
                {k: v for k, v in item.items() if not k.startswith("_")}
                if isinstance(item, dict)
                else item
                for item in value
            ]
            if isinstance(value, list)
            else value
            for key, value in policy.to_json().items()
        }
        echo_json({"digest": policy.digest, **data})
        return
    click.echo(f"effective guard policy {policy.digest}")
    origins: dict[str, list[str]] = {}
    for source in policy.sources:
        origins.setdefault(source.path, []).append(source.origin)
    for path, kinds in origins.items():
        label = "both" if {"working", "head"} <= set(kinds) else ", ".join(kinds)
        click.echo(f"  source: {path} ({label})")
    if not policy.sources:
        click.echo("  no policy files: built-in rules only")
    for rule_id, (action, file, line) in sorted(policy.rules.items()):
        click.echo(f"  rules.{rule_id}: {action}  ({file}:{line})")
    for key in ("artefact_dirs", "not_artefact_dirs", "temp_dirs", "allow_delete"):
        values = getattr(policy, key)
        if values:
            click.echo(f"  paths.{key.replace('_', '-')}: {', '.join(values)}")
    for rule in policy.compiled_rules():
        click.echo(
            f"  {rule.origin} rule {rule.finding_id}: {rule.action}  {' '.join(rule.argv)!r}"
        )
    for entry in policy.overrides:
        click.echo(
            f"  override {entry.get('id') or '-'}: {entry['rule']} -> {entry.get('action', 'warn')} until {entry['expires']}"
        )
    for entry in policy.script_allow:
        click.echo(f"  script-allow {entry['rule']} in {entry['path']}: {entry['command']!r}")
    if policy.relax_in_linked_worktrees:
        click.echo("  relax-in-linked-worktrees: true")
    if not policy.compat_enabled:
        click.echo("  compat.blocked-commands: false")
    if policy.compat_protected_paths:
        click.echo(
            f"  protected by the prior art's redirect rule: {', '.join(policy.compat_protected_paths)}"
        )
    for pending in policy.pending:
        click.echo(f"  waiting for a commit: {pending}")
    _show_session_config(policy.root or _cwd(cwd))
    for notice in policy.notices:
        click.echo(f"note: {notice.code}: {notice.message}", err=True)


def _show_session_config(root: str) -> None:
    """The Session Config key the guard reads (§12.5), with its source."""
    try:
        from sessionkit.config import load_config

        config = load_config(path=root)
    except Exception as exc:
        click.echo(f"  allow-destructive-ops: unknown (Session Config unreadable: {exc})")
        return
    value = bool(getattr(config, "allow_destructive_ops", False))
    source = config.source_of("allow-destructive-ops") if hasattr(config, "source_of") else None
    where = f"  ({source.file}:{source.line})" if source is not None else "  (default)"
    click.echo(f"  allow-destructive-ops: {str(value).lower()}{where}")
    report = getattr(config, "report", None)
    if report is not None and "allow-destructive-ops" in (getattr(report, "pending", ()) or ()):
        click.echo("  waiting for a commit: allow-destructive-ops (Session Config)")


# ---- overrides (§14.4) ----------------------------------------------------------------------------


def _repo_dirs(cwd: str | None) -> tuple[str, str]:
    from sessionkit.policy.policyfile import find_repository

    root, git_dir, common_dir = find_repository(_cwd(cwd))
    if git_dir is None or common_dir is None:
        raise EnvironmentProblem(
            "not inside a git repository: local overrides live in its git directory",
            hint="run this inside the repository (or pass --cwd)",
        )
    return root, common_dir


def _who(root: str) -> str:
    import getpass
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "config", "user.email"], cwd=root, capture_output=True, text=True, check=False
        )
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    except OSError:
        pass
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _record(root: str, event: str, payload: dict[str, Any]) -> None:
    """Best-effort event through the metrics public API; never fails the command."""
    try:
        from sessionkit.metrics.events import emit_event

        emit_event(root, event, payload)
    except Exception:
        return


@guard.group("override")
def override_group() -> None:
    """Grant, list and revoke local, expiring exceptions (humans only)."""


@override_group.command("add")
@click.argument("rule_id")
@click.option("--for", "duration", default=None, help="How long: 45m, 4h, 2d.")
@click.option("--until", "until", default=None, help="RFC 3339 end time with a zone.")
@click.option("--reason", required=True, help="Why (at most 500 characters).")
@click.option("--action", type=click.Choice(["warn", "allow"]), default="warn")
@click.option("--session", default=None, help="Only checks made with this session id.")
@click.option("--match", "match", default=None, help="An argv pattern the finding must match.")
@click.option("--path", "paths", multiple=True, help="gitwildmatch pattern every target matches.")
@click.option("--cwd", "cwd", default=None)
def override_add(
    rule_id: str,
    duration: str | None,
    until: str | None,
    reason: str,
    action: str,
    session: str | None,
    match: str | None,
    paths: tuple[str, ...],
    cwd: str | None,
) -> None:
    """Grant an exception to RULE_ID until it expires (needs an interactive terminal)."""
    from datetime import datetime, timedelta, timezone

    from sessionkit.policy import overrides as store
    from sessionkit.policy.policyfile import format_duration, parse_duration, parse_time
    from sessionkit.policy.rules import RULES

    # every check on the input comes first, so that its error is the one reported with or
    # without a terminal; nothing is granted before the terminal check and the confirmation
    root, common_dir = _repo_dirs(cwd)
    policy = _load_policy_for(root)
    rule = RULES.get(rule_id)
    if rule is not None:
        if rule.floor:
            raise UsageError(f"rule {rule.id!r} cannot be overridden")
        rule_id, group, default = rule.id, rule.group, rule.default_action
    else:
        # an extra rule of guard.yaml or a compat: rule of the prior art's file (§12.6)
        extra = policy.extra_rule(rule_id)
        if extra is None:
            known = [*RULES, *(r.finding_id for r in policy.compiled_rules())]
            raise _unknown_rule(rule_id, known)
        rule_id, group, default = extra.finding_id, extra.group, extra.action
    if (duration is None) == (until is None):
        raise UsageError("give exactly one of --for DURATION and --until TIME")
    if len(reason) > 500 or not reason.strip():
        raise UsageError("--reason must be 1 to 500 characters")
    now = datetime.now(timezone.utc)
    try:
        expires = (
            now + timedelta(seconds=parse_duration(duration))
            if duration
            else parse_time(until or "")
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if expires <= now:
        raise UsageError("the override would already have expired")
    if (expires - now).total_seconds() > policy.max_override_duration:
        raise UsageError(
            f"{format_duration(int((expires - now).total_seconds()))} is longer than"
            f" max-override-duration ({format_duration(policy.max_override_duration)})"
        )
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "override add needs an interactive terminal: agents cannot grant their own exceptions"
        )
    entry: dict[str, Any] = {
        "id": store.new_override_id(now),
        "rule": rule_id,
        "action": action,
        "reason": reason,
        "expires": expires.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "created": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "created-by": _who(root),
    }
    if session:
        entry["session"] = session
    if match:
        entry["match"] = match
    if paths:
        entry["paths"] = list(paths)
    scope = ", ".join(
        part
        for part in (
            f"session {session}" if session else "",
            f"commands matching {match!r}" if match else "",
            f"paths {', '.join(paths)}" if paths else "",
        )
        if part
    )
    click.echo(f"rule:    {rule_id} ({group}, default {default})")
    click.echo(f"action:  lowered to {action}")
    click.echo(f"scope:   {scope or 'every check in this clone'}")
    click.echo(f"expires: {entry['expires']}")
    if not click.confirm("Grant this exception?", default=False):
        click.echo("not granted")
        exit_with(EXIT_FINDINGS)
    entries, _ = store.read_store(common_dir)
    try:
        store.write_store(common_dir, [*entries, entry], now=now)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write the override store: {exc}") from exc
    # the whole override object (metrics.md: created, created-by and the scope when given)
    _record(root, "sessionkit.guard.override.granted", dict(entry))
    click.echo(entry["id"])


@override_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also expired local entries.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--cwd", "cwd", default=None)
def override_list(show_all: bool, as_json: bool, cwd: str | None) -> None:
    """Active local and committed overrides with their remaining time."""
    from datetime import datetime, timezone

    from sessionkit.policy import overrides as store
    from sessionkit.policy.policyfile import override_problem, parse_time

    root, common_dir = _repo_dirs(cwd)
    policy = _load_policy_for(root)
    now = datetime.now(timezone.utc)
    local, notices = store.read_store(common_dir)
    extra_ids = {str(rule.get("id")) for rule in policy.extra_rules}
    rows: list[dict[str, Any]] = []
    for origin, entries in (("local", local), ("committed", list(policy.overrides))):
        for entry in entries:
            try:
                left = (parse_time(str(entry["expires"])) - now).total_seconds()
            except (KeyError, ValueError):
                continue
            problem = override_problem(
                entry,
                extra_ids=extra_ids,
                now=now,
                local=origin == "local",
                max_duration=policy.max_override_duration,
            )
            if problem is not None and problem[0] != "override-expired":
                continue  # never applied (guard policy validate names it): not an active one
            if left <= 0 and not (show_all and origin == "local"):
                continue
            row = {
                k: v
                for k, v in entry.items()
                if not k.startswith("_") and k not in ("file", "line")
            }
            row["origin"] = origin
            row["remaining"] = _remaining(int(left)) if left > 0 else "expired"
            rows.append(row)
    for notice in notices:
        click.echo(f"note: {notice.code}: {notice.message}", err=True)
    if as_json:
        echo_json({"version": 1, "overrides": rows})
        return
    if not rows:
        click.echo("no active overrides")
    for row in rows:
        click.echo(
            f"{row.get('id', '-'):<22} {row['rule']:<28} {row.get('action', 'warn'):<5} "
            f"{row['origin']:<9} {row['remaining']:<8} {row.get('reason', '')}"
        )


def _remaining(seconds: int) -> str:
    """Time left in the duration grammar, two units at most: 45m, 3h20m, 2d23h."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


@override_group.command("revoke")
@click.argument("override_id")
@click.option("--cwd", "cwd", default=None)
def override_revoke(override_id: str, cwd: str | None) -> None:
    """Remove a local override."""
    from datetime import datetime, timezone

    from sessionkit.policy import overrides as store
    from sessionkit.policy.policyfile import POLICY_REL

    root, common_dir = _repo_dirs(cwd)
    policy = _load_policy_for(root)
    for entry in policy.overrides:
        if entry.get("id") == override_id:
            line = entry.get("_line")
            raise SessionkitError(
                f"override {override_id} is committed in {POLICY_REL}:{line}; remove it there"
            )
    entries, _ = store.read_store(common_dir)
    kept = [e for e in entries if e.get("id") != override_id]
    if len(kept) == len(entries):
        raise SessionkitError(
            f"no local override {override_id}", hint="sessionkit guard override list shows them"
        )
    store.write_store(common_dir, kept, now=datetime.now(timezone.utc))
    _record(root, "sessionkit.guard.override.revoked", {"id": override_id, "by": _who(root)})
    click.echo(f"revoked {override_id}")
