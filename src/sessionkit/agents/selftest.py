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
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = [
    "CASES",
    "QUICK",
    "build_fixture",
    "cases_for",
    "decision_of",
    "expected_for",
    "installed_command",
    "payload_for",
    "run_selftest",
]

# pyproject.toml is in scope so that the weakening case meets only the weakening check
SCOPE = {
    "wave": 1,
    "role": "Impl-Core",
    "enforcement": "strict",
    "allowedPaths": ["src/", "pyproject.toml"],
}
QUICK = ("shell-allow", "shell-block", "malformed")
_RULE_IDS = re.compile(r"^\[([^\]]+)\]", re.MULTILINE)

# the cases of §14.5, in its order; each is ``fixtures/<harness>/<case>.json`` (the stdin
# bytes, ``{{ROOT}}`` and ``{{SESSION}}`` replaced) with ``<case>.expected.json`` (the event
# argument, extra environment, exit code, decision and rule ids); a harness without the
# file does not run the case (``after-file-edit`` is Cursor's only)
CASES = (
    "shell-allow",
    "shell-block",
    "shell-warn",
    "edit-in-scope",
    "edit-out-of-scope",
    "shell-write-out-of-scope",
    "control-by-agent",
    "weakening",
    "malformed",
    "bad-event-name",
    "read-tool",
    "after-file-edit",
)


def _fixture_text(harness: str, name: str) -> str | None:
    """A file of ``fixtures/<harness>/`` (package data), None when there is none."""
    path = files("sessionkit.agents") / "fixtures" / harness / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def cases_for(harness: str) -> list[str]:
    """The case ids with a fixture for ``harness``, in the order of :data:`CASES`."""
    folder = files("sessionkit.agents") / "fixtures" / harness
    return [case for case in CASES if (folder / f"{case}.json").is_file()]


def expected_for(harness: str, case: str) -> dict[str, Any]:
    """``<case>.expected.json``: ``event``, ``env`` (optional), ``exit_code``, ``decision``,
    ``rule_ids``."""
    doc: dict[str, Any] = json.loads(_fixture_text(harness, f"{case}.expected.json") or "")
    return doc


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


def payload_for(harness: str, case: str, root: Path) -> tuple[str, bytes, dict[str, str]]:
    """``(event argument, stdin bytes, extra environment)`` for one case."""
    session = f"selftest-{uuid.uuid4().hex[:12]}"  # fresh: once-per-session notices show
    expected = expected_for(harness, case)
    text = _fixture_text(harness, f"{case}.json") or ""
    text = text.replace("{{ROOT}}", json.dumps(str(root))[1:-1]).replace("{{SESSION}}", session)
    env = {str(k): str(v) for k, v in (expected.get("env") or {}).items()}
    return str(expected["event"]), text.encode("utf-8"), env


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
    cases = [c for c in cases_for(harness) if (not quick or c in QUICK)]
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
            want = expected_for(harness, case)
            expected = str(want["decision"])
            want_rules = [str(rule) for rule in want["rule_ids"]]
            ok = code == want.get("exit_code", 0) and problem is None and decision == expected
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
