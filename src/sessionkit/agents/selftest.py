"""``sessionkit hook selftest``: canned payloads through the hook, answers checked (§14.5).

A fixture repository is created in a temporary directory (git init, a Session Config, a
sealed wave scope allowing ``src/`` only, a ``pyproject.toml`` with a coverage threshold),
and each case's payload is fed to the hook exactly as a harness would: through ``/bin/sh -c``
with the installed command, or in process through the dispatcher's ``run_payload``. Each
check reads the answer in the harness's own format (§7): exit code, at most one line, the
decision, and the rule ids in brackets of the agent text. Wording is not compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

__all__ = ["CASES", "QUICK", "build_fixture", "decision_of", "installed_command", "run_selftest"]

# pyproject.toml is in scope so that the weakening case meets only the weakening check
SCOPE = {
    "wave": 1,
    "role": "Impl-Core",
    "enforcement": "strict",
    "allowedPaths": ["src/", "pyproject.toml"],
}
QUICK = ("shell-allow", "shell-block", "malformed")
_RULE_IDS = re.compile(r"^\[([^\]]+)\]", re.MULTILINE)

# id -> (kind, spec, expected decision, expected rule ids)
CASES: dict[str, tuple[str, dict[str, Any], str, tuple[str, ...]]] = {
    "shell-allow": ("shell", {"command": "git status"}, "allow", ()),
    "shell-block": ("shell", {"command": "git reset --hard HEAD~1"}, "block", ("git-reset-hard",)),
    "shell-warn": (
        "shell",
        {"command": "git push --force-with-lease origin main"},
        "warn",
        ("git-push-force-with-lease",),
    ),
    "edit-in-scope": ("edit", {"path": "src/app.py", "old": "x = 1", "new": "x = 2"}, "allow", ()),
    "edit-out-of-scope": (
        "edit",
        {"path": "README.md", "old": "hello", "new": "bye"},
        "block",
        ("scope.outside-allowed-paths",),
    ),
    "shell-write-out-of-scope": (
        "shell",
        {"command": "echo x > notes.txt"},
        "block",
        ("scope.outside-allowed-paths",),
    ),
    "control-by-agent": (
        "edit",
        {"path": ".claude/wave-scope.json", "old": '"src/"', "new": '"**"', "agent": True},
        "block",
        ("protected.control",),
    ),
    "weakening": (
        "edit",
        {"path": "pyproject.toml", "old": "fail_under = 90", "new": "fail_under = 50"},
        "warn",
        ("weaken.coverage-threshold-lowered",),
    ),
    "malformed": ("raw", {"data": "{not json"}, "block", ("internal.payload-malformed",)),
    "bad-event-name": (
        "shell",
        {"command": "git status", "event": "pre-tool"},
        "warn",
        ("hook.command-misconfigured",),
    ),
    "read-tool": ("read", {"path": "README.md"}, "allow", ()),
    "after-file-edit": ("after-edit", {"path": "README.md"}, "empty", ()),
}


def build_fixture(base: Path) -> Path:
    """The fixture repository under ``base`` (returned path is its root)."""
    root = base / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    files = {
        "CLAUDE.md": "# Fixture\n\n## Session Config\n\nhooks:\n  fail-mode: closed\n",
        "src/app.py": "x = 1\n",
        "README.md": "hello\n",
        "pyproject.toml": "[tool.coverage.report]\nfail_under = 90\n",
        ".orchestrator/tmp/.keep": "",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    scope_bytes = (json.dumps(SCOPE, indent=2) + "\n").encode("utf-8")
    (root / ".claude").mkdir()
    (root / ".claude" / "wave-scope.json").write_bytes(scope_bytes)
    seal = {
        "format": 1,
        "scopePath": ".claude/wave-scope.json",
        "sha256": hashlib.sha256(scope_bytes).hexdigest(),
        "sealedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "sealedBy": "sessionkit hook selftest",
        "content": SCOPE,
    }
    (root / ".git" / "sessionkit").mkdir(parents=True, exist_ok=True)
    (root / ".git" / "sessionkit" / "scope-seal.json").write_text(json.dumps(seal))
    return root


def _event_arg(harness: str, kind: str) -> str:
    if harness == "cursor" and kind == "after-edit":
        return "after-file-edit"
    return "pre-tool-use"


def payload_for(harness: str, case: str, root: Path) -> tuple[str, bytes, dict[str, str]]:
    """``(event argument, stdin bytes, extra environment)`` for one case."""
    kind, spec, _, _ = CASES[case]
    session = f"selftest-{uuid.uuid4().hex[:12]}"  # fresh: once-per-session notices show
    env: dict[str, str] = {}
    event = spec.get("event", _event_arg(harness, kind))
    if kind == "raw":
        return event, str(spec["data"]).encode("utf-8"), env
    abs_path = str(root / spec.get("path", "")) if "path" in spec else ""
    if harness == "cursor":
        base: dict[str, Any] = {
            "conversation_id": session,
            "generation_id": "gen-1",
            "workspace_roots": [str(root)],
        }
        if spec.get("agent"):
            env["SESSIONKIT_ROLE"] = "agent"
        if kind == "after-edit":
            base.update(
                hook_event_name="afterFileEdit",
                file_path=abs_path,
                edits=[{"old_string": "hello", "new_string": "hello"}],
            )
        elif kind == "shell":
            base.update(
                hook_event_name="preToolUse",
                tool_name="Shell",
                tool_input={"command": spec["command"], "working_directory": str(root)},
            )
        elif kind == "edit":
            current = (root / spec["path"]).read_text(encoding="utf-8")
            base.update(
                hook_event_name="preToolUse",
                tool_name="Write",
                tool_input={
                    "file_path": abs_path,
                    "content": current.replace(spec["old"], spec["new"], 1),
                },
            )
        else:
            base.update(
                hook_event_name="preToolUse", tool_name="Read", tool_input={"path": abs_path}
            )
        return event, json.dumps(base).encode("utf-8"), env
    payload = pre_tool_use_payload(
        harness,
        session,
        str(root),
        tool_use_id="toolu_selftest",
        turn_id="turn-1",
        model="selftest",
    )
    if kind == "shell":
        payload.update(tool_name="Bash", tool_input={"command": spec["command"]})
    elif kind == "edit":
        if harness == "codex":
            patch = (
                f"*** Begin Patch\n*** Update File: {spec['path']}\n@@\n-{spec['old']}\n"
                f"+{spec['new']}\n*** End Patch\n"
            )
            if spec["path"].endswith(".json"):
                line = '    "src/",'
                patch = (
                    f"*** Begin Patch\n*** Update File: {spec['path']}\n@@\n-{line}\n"
                    f'+    "**",\n*** End Patch\n'
                )
            payload.update(tool_name="apply_patch", tool_input={"command": patch})
        else:
            payload.update(
                tool_name="Edit",
                tool_input={
                    "file_path": abs_path,
                    "old_string": spec["old"],
                    "new_string": spec["new"],
                },
            )
        if spec.get("agent"):
            payload["agent_id"] = "selftest-subagent"
    else:
        payload.update(tool_name="Read", tool_input={"file_path": abs_path})
    return event, json.dumps(payload).encode("utf-8"), env


def decision_of(harness: str, stdout: str) -> tuple[str, list[str], str | None]:
    """``(decision, rule ids, problem)`` read back from a harness answer (§7)."""
    if stdout.count("\n") > 1 or (stdout and not stdout.endswith("\n")):
        return "invalid", [], "the answer is not exactly one line"
    if not stdout:
        return (
            ("allow", [], None)
            if harness != "cursor"
            else ("invalid", [], "Cursor needs an answer")
        )
    try:
        obj = json.loads(stdout)
    except ValueError:
        return "invalid", [], "the answer is not JSON"
    if not isinstance(obj, dict):
        return "invalid", [], "the answer is not a JSON object"
    if harness == "cursor":
        if obj == {}:
            return "empty", [], None
        permission = obj.get("permission")
        text = str(obj.get("agent_message", ""))
        decision = {"allow": "warn" if text else "allow", "deny": "block", "ask": "warn"}.get(
            str(permission), "invalid"
        )
    else:
        specific = obj.get("hookSpecificOutput")
        if not isinstance(specific, dict):
            return "invalid", [], "hookSpecificOutput is missing"
        permission = specific.get("permissionDecision")
        text = str(
            specific.get("permissionDecisionReason") or specific.get("additionalContext") or ""
        )
        decision = {"deny": "block", "ask": "warn", None: "warn"}.get(permission, "invalid")
    rules = [r.strip() for group in _RULE_IDS.findall(text) for r in group.split(",")]
    return decision, rules, None


def installed_command(harness: str, root: Path | None) -> str | None:
    """The command of our entry in the harness configuration (project, local, user)."""
    from sessionkit.agents import install as lib

    scopes = ["project", "local", "user"] if harness == "claude" else ["project", "user"]
    for scope in scopes:
        if scope != "user" and root is None:
            continue
        try:
            path = lib.target_path(harness, scope, root)
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for items in (doc.get("hooks") or {}).values() if isinstance(doc, dict) else ():
            for item in items if isinstance(items, list) else ():
                handlers = item.get("hooks", [item]) if isinstance(item, dict) else []
                for handler in handlers:
                    command = handler.get("command") if isinstance(handler, dict) else None
                    if lib.is_ours(command):
                        words = str(command).split(f" {harness} ")[0]
                        return words
    return None


def _run_shell(
    command: str, harness: str, event: str, data: bytes, env: dict[str, str], cwd: Path
) -> tuple[int, str, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    full_env.update(env)
    argv = ["cmd", "/c"] if os.name == "nt" else ["/bin/sh", "-c"]
    proc = subprocess.run(
        [*argv, f"{command} {harness} {event}"],
        input=data,
        capture_output=True,
        cwd=cwd,
        env=full_env,
        timeout=30,
        check=False,
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _run_in_process(
    harness: str, event: str, data: bytes, env: dict[str, str], cwd: Path
) -> tuple[int, str, str]:
    from sessionkit.agents.dispatcher import run_payload

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    full_env.update(env)
    text, code = run_payload(harness, event, data, env=full_env, cwd=str(cwd), record_events=False)
    return code, text, ""


def run_selftest(
    harness: str,
    *,
    command: str | None = None,
    quick: bool = False,
    in_process: bool = False,
    root: Path | None = None,
) -> dict[str, Any]:
    """Run the cases for ``harness``; the ``hook-selftest`` document."""
    from sessionkit.agents import install as lib

    installed = installed_command(harness, root) if command is None else None
    chosen = command or installed or lib.resolve_command()[0]
    cases = [c for c in CASES if (not quick or c in QUICK)]
    cases = [c for c in cases if c != "after-file-edit" or harness == "cursor"]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sessionkit-selftest-") as tmp:
        fixture = build_fixture(Path(tmp))
        for case in cases:
            event, data, env = payload_for(harness, case, fixture)
            started = time.perf_counter()
            if in_process:
                code, stdout, stderr = _run_in_process(harness, event, data, env, fixture)
            else:
                code, stdout, stderr = _run_shell(chosen, harness, event, data, env, fixture)
            duration = (time.perf_counter() - started) * 1000
            decision, rules, problem = decision_of(harness, stdout)
            expected = CASES[case][2]
            if harness == "cursor" and case == "read-tool":
                expected = "allow"
            want_rules = list(CASES[case][3])
            ok = code == 0 and problem is None and decision == expected
            ok = ok and all(rule in rules for rule in want_rules)
            results.append(
                {
                    "id": case,
                    "ok": ok,
                    "expected": {"decision": expected, "rule_ids": want_rules},
                    "actual": {
                        "exit_code": code,
                        "decision": decision,
                        "rule_ids": rules,
                        "stdout": stdout,
                        "stderr_tail": stderr[-500:],
                    },
                    "duration_ms": round(duration, 2),
                }
            )
        median_ms, baseline_ms = _timing(chosen, harness, fixture, in_process)
    return {
        "harness": harness,
        "command": "(in process)" if in_process else chosen,
        "installed": installed is not None,
        "cases": results,
        "median_ms": median_ms,
        "baseline_ms": baseline_ms,
        "ok": all(r["ok"] for r in results),
    }


def _timing(command: str, harness: str, fixture: Path, in_process: bool) -> tuple[float, float]:
    samples: list[float] = []
    baseline: list[float] = []
    for _ in range(5):
        event, data, env = payload_for(harness, "shell-allow", fixture)
        started = time.perf_counter()
        if in_process:
            _run_in_process(harness, event, data, env, fixture)
        else:
            _run_shell(command, harness, event, data, env, fixture)
        samples.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=False)
        baseline.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2), round(statistics.median(baseline), 2)


def pre_tool_use_payload(
    harness: str, session: str, cwd: str, *, tool_use_id: str, turn_id: str, model: str
) -> dict[str, Any]:
    """The common fields of a Claude Code or Codex ``PreToolUse`` payload, tool not yet set."""
    payload: dict[str, Any] = {
        "session_id": session,
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "permission_mode": "default",
        "tool_use_id": tool_use_id,
    }
    if harness == "claude":
        payload["transcript_path"] = None
    else:
        payload.update(turn_id=turn_id, model=model)
    return payload
