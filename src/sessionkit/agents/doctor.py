"""The ``hooks.*`` checks of ``sessionkit doctor`` (agent-hooks.md §14.7), as a library.

``hook_checks(root)`` inspects the harness configuration files (project, local and user
scope), the installed hook commands and the wave scope, and returns one record per problem or
fact: ``{"id", "severity" (info | warning | error), "message", "fix"}``. The doctor front end
(integration) renders them; ``hooks.selftest`` and ``hooks.latency`` come from
``sessionkit.agents.selftest.run_selftest(..., quick=True)``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

from sessionkit._version import __version__
from sessionkit.agents import install as lib

__all__ = ["hook_checks", "installed_entries"]


def _check(check_id: str, severity: str, message: str, fix: str = "") -> dict[str, str]:
    return {"id": check_id, "severity": severity, "message": message, "fix": fix}


def installed_entries(
    root: Path | None, environ: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Our handlers in every harness file: ``{"harness", "scope", "path", "event", "command",
    "timeout"}``; unreadable files are skipped."""
    out: list[dict[str, Any]] = []
    for harness in lib.HARNESSES:
        for scope in ("project", "local", "user"):
            if scope == "local" and harness != "claude":
                continue
            if scope != "user" and root is None:
                continue
            path = lib.target_path(harness, scope, root, environ)
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            hooks = doc.get("hooks") if isinstance(doc, dict) else None
            for event, items in (hooks or {}).items() if isinstance(hooks, dict) else ():
                for item in items if isinstance(items, list) else ():
                    if not isinstance(item, dict):
                        continue
                    handlers = item.get("hooks") if "hooks" in item else [item]
                    for handler in handlers if isinstance(handlers, list) else ():
                        if isinstance(handler, dict) and lib.is_ours(handler.get("command")):
                            out.append(
                                {
                                    "harness": harness,
                                    "scope": scope,
                                    "path": str(path),
                                    "event": event,
                                    "command": str(handler["command"]),
                                    "timeout": handler.get("timeout"),
                                }
                            )
    return out


def _program(command: str) -> list[str]:
    words = shlex.split(command) if command else []
    if "-m" in words and "sessionkit.agents" in words:
        return words[: words.index("sessionkit.agents") + 1]
    return words[:1]


def _disabled(root: Path | None, environ: dict[str, str] | None) -> list[str]:
    found: list[str] = []
    files = [Path(os.path.expanduser("~")) / ".claude" / "settings.json"]
    if root is not None:
        files[:0] = [root / ".claude" / "settings.json", root / ".claude" / "settings.local.json"]
    for path in files:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("disableAllHooks") is True:
            found.append(f"{path}: disableAllHooks is true")
    found.extend(n for n in lib.codex_config_notes(root, environ) if "hooks = false" in n)
    return found


def hook_checks(
    root: Path | None, *, environ: dict[str, str] | None = None, run_commands: bool = True
) -> list[dict[str, str]]:
    """The ``hooks.*`` records for the worktree ``root`` (None: user scope only)."""
    entries = installed_entries(root, environ)
    out: list[dict[str, str]] = []
    where = sorted({f"{e['harness']} ({e['scope']})" for e in entries})
    out.append(
        _check(
            "hooks.installed",
            "info",
            "sessionkit hooks installed for " + (", ".join(where) if where else "no harness"),
        )
    )
    commands_seen: dict[str, tuple[bool, str]] = {}
    for entry in entries:
        argv = _program(entry["command"])
        first = argv[0] if argv else ""
        fix = f"sessionkit install {entry['harness']} --scope {entry['scope']}"
        if "/" not in first and "\\" not in first and shutil.which(first) is None:
            out.append(
                _check(
                    "hooks.path-lookup",
                    "error",
                    f"{entry['path']}: `{first}` is not found on PATH",
                    "install with the default absolute command style",
                )
            )
            continue
        if first.endswith(("python", "python3")) and "sessionkit.agents" not in argv:
            out.append(
                _check(
                    "hooks.exit2-hazard",
                    "error",
                    f"{entry['path']}: `{entry['command']}` may exit 2 when broken",
                    fix,
                )
            )
        timeout = entry["timeout"]
        if not isinstance(timeout, (int, float)) or not 5 <= timeout <= 60:
            out.append(
                _check(
                    "hooks.timeout",
                    "warning",
                    f"{entry['path']} {entry['event']}: timeout {timeout!r} (expected 5-60 s)",
                    fix,
                )
            )
        if run_commands and first not in commands_seen:
            result = lib.check_command(argv)
            commands_seen[first] = (bool(result["ok"]), str(result.get("version", "")))
            if not result["ok"]:
                out.append(
                    _check(
                        "hooks.command",
                        "error",
                        f"{entry['path']}: `{first}` does not run: {result.get('error', '')}",
                        fix,
                    )
                )
            elif result.get("version") and result["version"] != __version__:
                out.append(
                    _check(
                        "hooks.version-skew",
                        "warning",
                        f"`{first}` is version {result['version']}, the CLI is {__version__}",
                        fix,
                    )
                )
    counts: dict[tuple[str, str, str], int] = {}
    for entry in entries:
        key = (entry["path"], entry["event"], entry["harness"])
        counts[key] = counts.get(key, 0) + 1
    for (path, event, _), count in sorted(counts.items()):
        if count > 1:
            out.append(
                _check(
                    "hooks.duplicates",
                    "warning",
                    f"{path}: {count} sessionkit entries for {event}",
                    "reinstall",
                )
            )
    cursor_events = {e["event"] for e in entries if e["harness"] == "cursor"}
    if {"preToolUse", "beforeShellExecution"} <= cursor_events:
        out.append(
            _check(
                "hooks.duplicates",
                "warning",
                "both Cursor modes are installed (preToolUse and beforeShellExecution)",
                "sessionkit install cursor",
            )
        )
    for note in lib.codex_config_notes(root, environ):
        if "remove these lines" in note:
            out.append(_check("hooks.duplicates", "warning", note, "remove the lines by hand"))
    for problem in _disabled(root, environ):
        out.append(_check("hooks.disabled", "error", problem, "remove the setting"))
    harnesses = {e["harness"] for e in entries}
    if {"claude", "cursor"} <= harnesses:
        out.append(
            _check(
                "hooks.cursor-double",
                "info",
                "Claude Code and Cursor entries are both present; Cursor can also run Claude "
                "Code's hooks, checking calls twice",
                "keep one",
            )
        )
    if root is not None:
        out.extend(_scope_checks(root))
    return out


def _scope_checks(root: Path) -> list[dict[str, str]]:
    from sessionkit.policy import scope

    out: list[dict[str, str]] = []
    try:
        active = scope.load_active(str(root))
    except scope.ScopeUnreadable as exc:
        return [
            _check(
                "hooks.scope", "error", f"wave scope unusable: {exc}", "sessionkit scope validate"
            )
        ]
    if active is None:
        return out
    for diagnostic in active.diagnostics:
        out.append(
            _check(
                "hooks.scope",
                "warning",
                f"[{diagnostic.rule_id}] {diagnostic.summary}",
                diagnostic.suggestion,
            )
        )
    if active.sealed and not os.path.exists(os.path.join(root, active.path)):
        out.append(
            _check(
                "hooks.scope",
                "warning",
                f"the sealed scope's file {active.path} is gone (a stale wave?)",
                "sessionkit scope clear",
            )
        )
    tracked = subprocess.run(
        ["git", "ls-files", "--", *scope.LOCATIONS.values()],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for path in tracked:
        out.append(
            _check(
                "hooks.scope",
                "warning",
                f"{path} is tracked by git; scope files are runtime state",
                f"git rm --cached {path}",
            )
        )
    return out
