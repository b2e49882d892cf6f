"""``sessionkit hook explain``: one tool call through the dispatcher, every step shown (§14.6).

Builds a payload (``--shell``, ``--edit``) or takes one (``--payload``), runs the hook's own
dispatcher in this process against the real repository, and reports what the hook saw and
decided: the normalised event, the caller role, the active wave scope and where it came
from, every check with its findings (also those below the final action), what could not be
evaluated and why, the harness answer byte for byte, and the time of each step.

Not on the hook path: anything may be imported here. Differences from a real hook run, on
purpose: stderr lines are collected into the report instead of printed; once-per-session
notices are always shown (and not remembered); no decision event is recorded unless
``record`` is set. The hook cache is read and written as the hook would.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sessionkit.agents import _common, _wire, dispatcher, notices
from sessionkit.agents import checks as checks_mod
from sessionkit.agents.event import CHECK_ORDER, Finding, HookEvent, combine
from sessionkit.agents.selftest import pre_tool_use_payload

__all__ = ["ExplainInputError", "build_payload", "explain", "render_text"]

HARNESSES = ("claude", "codex", "cursor")
ROLES = ("coordinator", "agent", "unknown")
# The check ids a finding can carry, in display order (§6.2).
CHECKS = CHECK_ORDER
_TRACE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?) ms  (.*)$")
_SNAPSHOT_REASON = (
    "snapshot-before-warn (snapshots spec §12.1) is not available in this version: the "
    "snapshots capability is not part of sessionkit yet, so no snapshot is taken before a "
    "warning whatever `snapshots.before-warn` says"
)


class ExplainInputError(ValueError):
    """The input cannot be built or read (a missing file, a bad payload file): exit 3."""


class _Collect(_wire.Diagnostics):
    """The hook's stderr channel, collected instead of written; debug on for step timings."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        super().__init__(debug=True)
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(_wire.sanitise(text))


# --------------------------------------------------------------------------- payloads


def build_payload(
    harness: str,
    *,
    cwd: str,
    shell: str | None = None,
    edit: str | None = None,
    content: str | None = None,
    session_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """``(event argument, payload)`` for a shell command or an edit, in ``harness``'s shape.

    An edit without ``content`` rewrites the file unchanged (scope and protected paths are
    judged; nothing can be weakened). Codex edits are ``apply_patch`` texts: Add File for a
    new file, else Update File with one hunk replacing the old content by the new.
    """
    session = session_id or f"explain-{uuid.uuid4().hex[:12]}"
    if edit is not None:
        target = os.path.join(cwd, os.path.expanduser(edit))
        old = _read_or_none(target)
        new = content if content is not None else (old or "")
    if harness == "cursor":
        base: dict[str, Any] = {
            "hook_event_name": "preToolUse",
            "conversation_id": session,
            "generation_id": "explain",
            "workspace_roots": [cwd],
        }
        if shell is not None:
            base.update(tool_name="Shell", tool_input={"command": shell, "working_directory": cwd})
        else:
            assert edit is not None
            base.update(tool_name="Write", tool_input={"file_path": edit, "content": new})
        return "pre-tool-use", base
    payload = pre_tool_use_payload(
        harness, session, cwd, tool_use_id="explain", turn_id="explain", model="explain"
    )
    if shell is not None:
        payload.update(tool_name="Bash", tool_input={"command": shell})
    elif harness == "claude":
        assert edit is not None
        payload.update(tool_name="Write", tool_input={"file_path": edit, "content": new})
    else:
        assert edit is not None
        payload.update(tool_name="apply_patch", tool_input={"command": _patch(edit, old, new)})
    return "pre-tool-use", payload


def _patch(path: str, old: str | None, new: str) -> str:
    if old is None:
        body = "".join(f"+{line}\n" for line in new.splitlines())
        return f"*** Begin Patch\n*** Add File: {path}\n{body}*** End Patch\n"
    if old == new:
        return f"*** Begin Patch\n*** Update File: {path}\n*** End Patch\n"
    minus = "".join(f"-{line}\n" for line in old.splitlines())
    plus = "".join(f"+{line}\n" for line in new.splitlines())
    return f"*** Begin Patch\n*** Update File: {path}\n@@\n{minus}{plus}*** End Patch\n"


def _read_or_none(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ExplainInputError(f"cannot read {path}: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- running


class _Probe:
    """Receives the dispatcher's ``CheckRun`` before its findings are combined."""

    __slots__ = ("findings", "run")

    def __init__(self) -> None:
        self.run: checks_mod.CheckRun | None = None
        self.findings: list[Finding] = []

    def __call__(self, run: checks_mod.CheckRun) -> None:
        self.run = run
        self.findings = list(run.findings)


def explain(
    harness: str | None,
    payload: bytes,
    *,
    event: str | None = None,
    cwd: str | None = None,
    role: str | None = None,
    record: bool = False,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``payload`` through the dispatcher and return the report
    (``schemas/hook-explain.schema.json``). ``harness`` None: inferred from the payload
    (Claude Code when nothing points elsewhere). ``role``: ``SESSIONKIT_ROLE`` for this run
    (``unknown`` removes it). ``cwd`` stands in for the hook process's working directory.
    """
    env = dict(os.environ if environ is None else environ)
    if role in ("coordinator", "agent"):
        env["SESSIONKIT_ROLE"] = role
    elif role == "unknown":
        env.pop("SESSIONKIT_ROLE", None)
    decoded = _peek(payload)
    if harness is None:
        harness = (_wire.infer_harness(decoded) if decoded is not None else None) or "claude"
    if event is None:
        event = _wire.infer_event(harness, decoded) if decoded is not None else "pre-tool-use"
    options = dispatcher.parse_argv([harness, event])
    diag = _Collect()
    probe = _Probe()
    start = time.perf_counter_ns()
    previous = _common.BASE_DIR
    _common.BASE_DIR = os.path.abspath(cwd) if cwd else None
    try:
        base = _common.fallback_cwd()
        call = dispatcher.Call(options, env, base, diag, start)
        call.probe = probe
        settings = _wire.early_settings(env, base)
        if settings.get("fail_mode") and not env.get("SESSIONKIT_HOOK_FAIL_MODE"):
            call.fail_mode = settings["fail_mode"]
        diag.line(f"{call.elapsed_ms():8.1f} ms  payload read ({len(payload)} bytes)")
        try:
            outcome = dispatcher.decide(call, payload, settings["max_payload"])
        except Exception as exc:  # as the hook would answer it
            outcome = dispatcher.failure(call, "internal.check-error", repr(exc)[:300])
        diag.line(f"{call.elapsed_ms():8.1f} ms  answer rendered")
        recorded = 0
        if record:
            for root, name, body, envelope in outcome.records:
                dispatcher.emit_record(root, name, body, envelope, diag.line)
                recorded += 1
    finally:
        _common.BASE_DIR = previous
    total_ms = (time.perf_counter_ns() - start) / 1e6
    return _report(call, probe, outcome, diag, env, recorded, total_ms, record)


def _peek(payload: bytes) -> dict[str, Any] | None:
    try:
        value = _wire.decode_payload(payload, len(payload) + 1)
    except _wire.PayloadError:
        return None
    return value if isinstance(value, dict) else None


# --------------------------------------------------------------------------- the report


def _report(
    call: dispatcher.Call,
    probe: _Probe,
    outcome: dispatcher.Outcome,
    diag: _Collect,
    env: Mapping[str, str],
    recorded: int,
    total_ms: float,
    record: bool,
) -> dict[str, Any]:
    event = call.hook_event
    run = probe.run
    findings = probe.findings
    if run is None and outcome.text:
        findings = _answer_findings(call, outcome)
    action, shown = combine([item.copy() for item in findings])
    if event is not None and event.phase == "post" and action == "block":
        action = "warn"
    harness = call.harness
    warn_as = str(call.hooks.get("warn-as", "notice"))
    phase = event.phase if event is not None else "pre"
    rendered = _wire.rendered_action(harness, action, warn_as, phase) if harness else action
    steps, lines = _steps(diag.lines)
    not_evaluated = _not_evaluated(run, call) if run is not None else []
    once = _already_shown(findings, event)
    return {
        "harness": harness,
        "event": call.event,
        "event_fields": _event_doc(event),
        "caller_role": run.role if run is not None else "unknown",
        "caller_role_source": _role_source(event, run, env),
        "scope": _scope_doc(run),
        "config": _config_doc(call, run),
        "targets": [_shown_path(path, call.root) for path in (run.paths if run else [])],
        "checks": _checks_doc(call, run, findings, not_evaluated, once),
        "guard": _guard_doc(call, run),
        "not_evaluated": not_evaluated,
        "snapshot_before_warn": _snapshot_doc(call, action),
        "decision": {
            "action": action,
            "rendered": rendered,
            "exit_code": 1 if action == "block" else 0,
            "findings": [_finding_doc(item, once) for item in shown],
        },
        "answer": {"stdout": outcome.text, "exit_code": 0},
        "stderr": lines,
        "recorded_events": recorded if record else None,
        "timings": steps,
        "total_ms": round(total_ms, 3),
    }


def _answer_findings(call: dispatcher.Call, outcome: dispatcher.Outcome) -> list[Finding]:
    """The findings of an answer produced without the checks (payload failures, §8.3), read
    back from the rule ids in brackets of its agent text."""
    try:
        obj = json.loads(outcome.text)
    except ValueError:
        return []
    text = ""
    if isinstance(obj, dict):
        inner = obj.get("hookSpecificOutput")
        if isinstance(inner, dict):
            text = str(
                inner.get("permissionDecisionReason") or inner.get("additionalContext") or ""
            )
        text = text or str(obj.get("agent_message") or "")
        blocked = obj.get("permission") == "deny" or (
            isinstance(inner, dict) and inner.get("permissionDecision") == "deny"
        )
    else:
        blocked = False
    out: list[Finding] = []
    # One finding per "[rule] text" line; quoted payload excerpts may continue on more lines.
    for match in re.finditer(r"^\[([^\]]+)\] (.*?)(?=\n\[|\Z)", text, re.MULTILINE | re.DOTALL):
        rule = match.group(1)
        summary, _, suggestion = match.group(2).partition(" Instead: ")
        check = rule.split(".", 1)[0] if "." in rule else "destructive"
        out.append(Finding(check, rule, "block" if blocked else "warn", summary, suggestion, rule))
    return out


def _steps(lines: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Trace lines -> per-step durations; the other lines are the hook's stderr."""
    steps: list[dict[str, Any]] = []
    other: list[str] = []
    last = 0.0
    for line in lines:
        match = _TRACE.match(line)
        if match is None:
            other.append(line)
            continue
        at = float(match.group(1))
        steps.append({"step": match.group(2), "ms": round(max(0.0, at - last), 3)})
        last = at
    return steps, other


def _event_doc(event: HookEvent | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "harness": event.harness,
        "event": event.event,
        "phase": event.phase,
        "tool_name": event.tool_name,
        "tool_kind": event.tool_kind,
        "command": _wire.label(event.command) if event.command is not None else None,
        "changes": [
            {
                "path": change.path,
                "op": change.op,
                "dest": change.dest,
                "content_chars": len(change.content) if change.content is not None else None,
                "edits": len(change.edits),
                "hunks": len(change.hunks),
            }
            for change in event.changes
        ],
        "cwd": event.cwd,
        "root": event.root,
        "git_dir": event.git_dir,
        "session_id": event.session_id,
        "agent_id": event.agent_id,
        "agent_type": event.agent_type,
        "tool_use_id": event.tool_use_id,
        "inferred": list(event.inferred),
        "notes": list(event.notes),
    }


def _role_source(
    event: HookEvent | None, run: checks_mod.CheckRun | None, env: Mapping[str, str]
) -> str:
    """Which branch of §5.7 gave the caller role."""
    if env.get("SESSIONKIT_ROLE") in ("coordinator", "agent"):
        return "environment"
    if event is not None and event.agent_id:
        return "agent-id"
    doc = getattr(run.active_scope, "doc", None) if run is not None else None
    if isinstance(doc, dict) and doc.get("coordinatorSessionId"):
        return "coordinator-session"
    return "none"


def _scope_doc(run: checks_mod.CheckRun | None) -> dict[str, Any]:
    active = run.active_scope if run is not None else None
    doc = getattr(active, "doc", None)
    if active is None or not isinstance(doc, dict):
        return {
            "active": False,
            "source": None,
            "path": None,
            "sealed": False,
            "tampered": False,
            "wave": None,
            "role": None,
            "enforcement": None,
            "allowed_paths": [],
            "unreadable": run.scope_unreadable if run is not None else None,
        }
    wave = doc.get("wave")
    allowed = doc.get("allowedPaths")
    return {
        "active": True,
        "source": getattr(active, "source", None),
        "path": getattr(active, "path", None),
        "sealed": bool(getattr(active, "sealed", False)),
        "tampered": bool(getattr(active, "tampered", False)),
        "wave": wave if isinstance(wave, int) and not isinstance(wave, bool) else None,
        "role": doc.get("role") if isinstance(doc.get("role"), str) else None,
        "enforcement": str(doc.get("enforcement", "strict")),
        "allowed_paths": [str(p) for p in allowed] if isinstance(allowed, list) else [],
        "unreadable": None,
    }


def _config_doc(call: dispatcher.Call, run: checks_mod.CheckRun | None) -> dict[str, Any]:
    doc = call.cache_doc
    status = doc.get("config_status") if isinstance(doc, dict) else None
    sources = doc.get("sources") if isinstance(doc, dict) else None
    disabled = sorted(run.disabled) if run is not None else []
    return {
        "status": status if status in ("valid", "invalid") else "unknown",
        "fail_mode": call.fail_mode,
        "warn_as": str(call.hooks.get("warn-as", "notice")),
        "record_events": str(call.hooks.get("record-events", "auto")),
        "disabled": disabled,
        "cache": call.cache_path,
        "sources": [
            str(item["path"])
            for item in (sources or [])
            if isinstance(item, dict) and item.get("exists") and isinstance(item.get("path"), str)
        ],
    }


_SHELL_CHECKS = ("destructive", "protected", "scope", "commands", "weakening")
_EDIT_CHECKS = ("protected", "scope", "weakening")


def _checks_doc(
    call: dispatcher.Call,
    run: checks_mod.CheckRun | None,
    findings: list[Finding],
    not_evaluated: list[dict[str, Any]],
    once: set[str],
) -> list[dict[str, Any]]:
    event = call.hook_event
    out: list[dict[str, Any]] = []
    for check in CHECKS:
        own = [item for item in findings if item.check == check]
        status, reason = _status(check, event, run)
        notes = [item["reason"] for item in not_evaluated if item["check"] == check]
        if status == "evaluated" and notes and not own:
            status, reason = "not-evaluated", notes[0]
        out.append(
            {
                "id": check,
                "status": status,
                "reason": reason,
                "findings": [_finding_doc(item, once) for item in own],
            }
        )
    return out


def _status(
    check: str, event: HookEvent | None, run: checks_mod.CheckRun | None
) -> tuple[str, str | None]:
    if check in ("internal", "hook"):
        return "evaluated", None
    if event is None or run is None:
        return "not-evaluated", "the payload was not checked (see the answer)"
    if check in run.disabled:
        return "disabled", "switched off by SESSIONKIT_HOOK_DISABLE or Session Config hooks.disable"
    kind, phase = event.tool_kind, event.phase
    if kind not in ("shell", "edit"):
        return "not-applicable", f"{kind} tools are not checked"
    post_checked = event.event == "after-file-edit"
    if phase == "post" and not post_checked:
        if check != "verify" or kind != "shell":
            return "not-applicable", "not checked after the call"
        if run.active_scope is None:
            return "not-evaluated", "write verification runs only while a wave scope is active"
        return "evaluated", None
    if check == "verify":
        return "not-applicable", "write verification runs after shell calls"
    allowed = _SHELL_CHECKS if kind == "shell" else _EDIT_CHECKS
    if check not in allowed:
        return "not-applicable", f"not a check of {kind} calls"
    if kind == "shell" and event.command is None:
        return "not-evaluated", "the shell tool's command could not be read"
    if check == "scope" and run.active_scope is None:
        if run.scope_unreadable is not None:
            return "evaluated", None
        return "not-evaluated", "no wave scope is active"
    if check == "commands":
        doc = getattr(run.active_scope, "doc", None)
        if not isinstance(doc, dict):
            return "not-evaluated", "no wave scope is active"
        if not (doc.get("blockedCommands") or "allowedCommands" in doc):
            return "not-evaluated", "the wave scope has no command lists"
    if check in ("protected", "weakening") and not run.targets and not event.changes:
        return "evaluated", "the call writes no file"
    return "evaluated", None


def _finding_doc(item: Finding, once: set[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "check": item.check,
        "rule_id": item.rule_id,
        "action": item.action,
        "summary": item.summary,
        "suggestion": item.suggestion,
        "target": item.target,
    }
    if item.details:
        doc["details"] = _jsonable(item.details)
    if item.rule_id in notices.ONCE_RULES:
        doc["once_per_session"] = True
        doc["already_shown"] = notices.fingerprint(item) in once
    return doc


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))
    return value


def _already_shown(findings: list[Finding], event: HookEvent | None) -> set[str]:
    """Fingerprints of the once-per-session notices this session has already been shown;
    read only (explain never marks a notice as shown)."""
    if event is None or not event.session_id or event.git_dir is None:
        return set()
    path = os.path.join(event.git_dir, "sessionkit", notices.NOTICES_NAME)
    try:
        seen = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    known = seen.get(event.session_id) if isinstance(seen, dict) else None
    if not isinstance(known, list):
        return set()
    return {
        notices.fingerprint(item)
        for item in findings
        if item.rule_id in notices.ONCE_RULES and notices.fingerprint(item) in known
    }


def _guard_doc(call: dispatcher.Call, run: checks_mod.CheckRun | None) -> dict[str, Any] | None:
    """The destructive guard's full decision, including findings below its final action
    (look-alikes, findings lowered by the policy, the configuration or an override)."""
    event = call.hook_event
    if run is None or event is None or event.tool_kind != "shell" or event.command is None:
        return None
    if event.phase != "pre" or "destructive" in run.disabled:
        return None
    from sessionkit.policy.guard import analyse_command

    try:
        decision = analyse_command(
            event.command,
            cwd=event.cwd,
            session=event.session_id,
            config=checks_mod.guard_config(run),
        ).decision
    except Exception as exc:
        return {"action": None, "rule_id": None, "error": repr(exc)[:300], "findings": []}
    items = []
    for item in decision.findings:
        lowered = getattr(item, "downgraded_by", None)
        items.append(
            {
                "rule_id": item.rule_id,
                "action": item.action,
                "default_action": getattr(item, "default_action", None),
                "segment": _wire.label(str(item.segment)) if item.segment else None,
                "downgraded_by": lowered.kind if lowered is not None else None,
            }
        )
    return {
        "action": decision.action,
        "rule_id": decision.rule_id,
        "error": None,
        "findings": items,
    }


def _not_evaluated(run: checks_mod.CheckRun, call: dispatcher.Call) -> list[dict[str, Any]]:
    """What the checks could not judge and therefore left without a finding."""
    out: list[dict[str, Any]] = []
    for note in run.notes:
        check, _, reason = note.partition(": ")
        out.append(
            {
                "check": check if check in CHECKS else "weakening",
                "target": _note_target(note),
                "reason": reason or note,
            }
        )
    if "weakening" not in run.disabled and run.event.tool_kind == "edit":
        out.extend(_weakening_limits(run, call))
    return out


def _note_target(note: str) -> str | None:
    match = re.search(r"`([^`]+)`", note)
    return match.group(1) if match else None


def _weakening_limits(run: checks_mod.CheckRun, call: dispatcher.Call) -> list[dict[str, Any]]:
    """Changes the weakening detectors compare without a finding by design (§11.3, §11.4):
    a changed TypeScript ``extends`` (inherited options are not loaded) and values that are
    not literals in JS/TS configs."""
    weakening = checks_mod.policy_module("weakening")
    if weakening is None:
        return [
            {
                "check": "weakening",
                "target": None,
                "reason": "the weakening module is not part of this installation",
            }
        ]
    root = run.event.root or run.event.cwd
    out: list[dict[str, Any]] = []
    for full, old, new in checks_mod.weakening_changes(run, weakening):
        if old is None or new is None:
            continue  # already a note of the check itself
        shown = _shown_path(full, root)
        name = os.path.basename(full)
        if name.startswith(("tsconfig", "jsconfig")) and _extends(old) != _extends(new):
            out.append(
                {
                    "check": "weakening",
                    "target": shown,
                    "reason": "`extends` changed; inherited compiler options are not "
                    "loaded, so the change cannot be evaluated (no finding)",
                }
            )
        for key in _not_literal_keys(weakening, shown, old, new):
            out.append(
                {
                    "check": "weakening",
                    "target": shown,
                    "reason": f"`{key}` is not a literal value; it is not compared (no finding)",
                }
            )
    return out


def _extends(text: str) -> Any:
    from sessionkit.policy import weakening

    try:
        doc = weakening._jsonc(text)
    except ValueError:
        return None
    return doc.get("extends") if isinstance(doc, dict) else None


def _not_literal_keys(weakening: Any, shown: str, old: str, new: str) -> list[str]:
    marker = getattr(weakening, "_NOT_NUMBER", None)
    if marker is None:
        return []
    keys: list[str] = []
    for text in (old, new):
        try:
            model = weakening.extract(shown, text)
        except ValueError:
            continue
        for (_rule, key), (_kind, value) in model.items.items():
            if value is marker and key not in keys:
                keys.append(key)
    return keys


def _snapshot_doc(call: dispatcher.Call, action: str) -> dict[str, Any]:
    configured: Any = None
    root = call.root
    if root is not None:
        try:
            from sessionkit.config import load_config

            value = load_config(root).snapshots.before_warn
            configured = value if value in (True, False, "required") else str(value)
        except Exception:
            configured = None
    return {
        "available": False,
        "configured": configured,
        "would_run": False,
        "reason": _SNAPSHOT_REASON + ("" if action == "warn" else " (and this call is no warning)"),
    }


def _shown_path(path: str, root: str | None) -> str:
    if root is None:
        return path
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


# --------------------------------------------------------------------------- text output


def render_text(report: dict[str, Any]) -> str:
    """The human form of a report."""
    out: list[str] = []
    ev = report["event_fields"]
    out.append(f"harness {report['harness']}, event {report['event']}")
    if ev is not None:
        tool = f"{ev['tool_name']} ({ev['tool_kind']}, {ev['phase']} phase)"
        out.append(f"tool      {tool}")
        if ev["command"] is not None:
            out.append(f"command   {ev['command']}")
        for change in ev["changes"]:
            dest = f" -> {change['dest']}" if change["dest"] else ""
            out.append(f"change    {change['op']} {change['path']}{dest}")
        out.append(f"cwd       {ev['cwd']}")
        out.append(f"root      {ev['root']} (git dir {ev['git_dir'] or 'none'})")
        if ev["inferred"]:
            out.append(f"inferred  {', '.join(ev['inferred'])}")
        for note in ev["notes"]:
            out.append(f"input     {note}")
    out.append(f"role      {report['caller_role']} (from {report['caller_role_source']})")
    scope = report["scope"]
    if scope["active"]:
        seal = "sealed" if scope["sealed"] else "not sealed"
        if scope["tampered"]:
            seal += ", file differs from its seal"
        out.append(
            f"scope     wave {scope['wave']}, role {scope['role']}, enforcement "
            f"{scope['enforcement']}; from {scope['source']} {scope['path']} ({seal})"
        )
        out.append(f"          allowed: {', '.join(scope['allowed_paths']) or '(none)'}")
    elif scope["unreadable"]:
        out.append(f"scope     unusable: {scope['unreadable']}")
    else:
        out.append("scope     none active")
    cfg = report["config"]
    out.append(
        f"config    {cfg['status']}; fail-mode {cfg['fail_mode']}, warn-as {cfg['warn_as']}"
        + (f", disabled {', '.join(cfg['disabled'])}" if cfg["disabled"] else "")
    )
    if report["targets"]:
        out.append(f"targets   {', '.join(report['targets'])}")
    out.append("checks")
    for check in report["checks"]:
        reason = f" ({check['reason']})" if check["reason"] else ""
        if check["id"] in ("internal", "hook") and not check["findings"]:
            continue
        out.append(f"  {check['id']:<12} {check['status']}{reason}")
        for item in check["findings"]:
            out.append(f"      {item['action']:<5} [{item['rule_id']}] {item['summary']}")
    guard = report["guard"]
    if guard is not None and guard["findings"]:
        out.append("guard findings (all, including those below the final action)")
        for item in guard["findings"]:
            lowered = f", lowered by {item['downgraded_by']}" if item["downgraded_by"] else ""
            out.append(
                f"      {item['action']:<5} {item['rule_id']} (default "
                f"{item['default_action']}{lowered})"
            )
    for item in report["not_evaluated"]:
        target = f" {item['target']}:" if item["target"] else ""
        out.append(f"not evaluated ({item['check']}){target} {item['reason']}")
    snap = report["snapshot_before_warn"]
    out.append(f"snapshot  not available (configured: {snap['configured']})")
    decision = report["decision"]
    out.append(f"decision  {decision['action']} (rendered as {decision['rendered']})")
    answer = report["answer"]["stdout"]
    out.append("answer    " + (answer.rstrip("\n") if answer else "(nothing on stdout)"))
    for line in report["stderr"]:
        out.append(f"stderr    {line}")
    if report["recorded_events"] is not None:
        out.append(f"recorded  {report['recorded_events']} event(s)")
    timing = ", ".join(f"{s['step']} {s['ms']:.1f} ms" for s in report["timings"])
    out.append(f"timings   {timing}; total {report['total_ms']:.1f} ms")
    return "\n".join(out)
