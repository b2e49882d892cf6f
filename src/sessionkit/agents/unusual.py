"""Dispatcher steps that everyday calls do not take (imported only when one is needed).

The configuration reload on a hook-cache miss, the findings for a misconfigured hook command,
unrecognised input, an unusable scope file, a failed check or an invalid Session Config, and
``run_payload`` (``sessionkit hook selftest``/``explain``). Kept out of ``dispatcher`` so that
a warm, well-configured call does not load their code (§15.3).
"""

from __future__ import annotations

import os
import time

from sessionkit.agents import _common, _wire, cache
from sessionkit.agents import checks as checks_mod
from sessionkit.agents.dispatcher import (
    _DOCTOR_FIX,
    DEFAULT_HOOKS,
    Call,
    _exception_text,
    decide,
    emit_record,
    failure,
    parse_argv,
)
from sessionkit.agents.event import Finding, HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def run_payload(
    harness: str,
    event: str,
    payload_bytes: bytes,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    record_events: bool = True,
) -> tuple[str, int]:
    """Decide one payload in process, as the hook would: (stdout text, exit code).

    Used by ``sessionkit hook selftest``. Nothing is written to stdout; with
    ``record_events`` the decision event is recorded as the hook would record it. ``cwd``
    stands in for the hook process's working directory (not thread-safe: it is a module
    setting while the call runs).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    options = parse_argv([harness, event])
    diag = _wire.Diagnostics(environ.get("SESSIONKIT_HOOK_DEBUG") == "1")
    previous = _common.BASE_DIR
    _common.BASE_DIR = os.path.abspath(cwd) if cwd else None
    try:
        base = _common.fallback_cwd()
        call = Call(options, environ, base, diag, time.perf_counter_ns())
        settings = _wire.early_settings(environ, base)
        if settings.get("fail_mode") and not environ.get("SESSIONKIT_HOOK_FAIL_MODE"):
            call.fail_mode = settings["fail_mode"]
        try:
            outcome = decide(call, payload_bytes, settings["max_payload"])
        except Exception as exc:
            outcome = failure(call, "internal.check-error", _exception_text(exc))
        if record_events:
            for root, name, payload, envelope in outcome.records:
                emit_record(root, name, payload, envelope, diag.line)
        return outcome.text, 0
    finally:
        _common.BASE_DIR = previous


def misconfigured(call: Call, problems: list[str]) -> Finding:
    return Finding(
        "hook",
        "hook.command-misconfigured",
        "warn",
        _wire.sanitise("The hook command is misconfigured: " + "; ".join(problems) + "."),
        f"Reinstall the hook with `sessionkit install {call.harness}`.",
        "hook-command",
    )


def unrecognised(event: HookEvent) -> Finding:
    return Finding(
        "hook",
        "hook.input-unrecognised",
        "warn",
        _wire.sanitise(
            f"The {event.tool_name or 'tool'} call could not be checked: "
            + "; ".join(event.notes[:5])
            + "."
        ),
        "Update sessionkit; the pre-commit checks still apply to the change.",
        f"tool:{_wire.label(event.tool_name or 'unknown')}",
    )


def scope_unreadable(call: Call, run: checks_mod.CheckRun, root: str) -> Finding:
    """Edits, and shell commands with a write target that is not always allowed, fail per the
    fail mode; other shell commands only warn (command lists could not be evaluated, §8.3)."""
    if run.event.tool_kind == "edit":
        writes = True
    else:
        writes = any(_scope_relevant(target, root) for target in run.targets)
    action = "block" if writes and call.fail_mode == "closed" else "warn"
    return Finding(
        "scope",
        "scope.unreadable",
        action,
        _wire.sanitise(
            f"The wave scope file cannot be used ({run.scope_unreadable}); fail-mode is "
            f"{call.fail_mode}."
        ),
        "fix the file (`sessionkit scope validate`) or ask the coordinator to set it again "
        "with `sessionkit scope set`.",
        "scope-file",
    )


def _scope_relevant(target: Any, root: str) -> bool:
    """Whether a shell write target could need the scope (not an always-allowed path, §9.5)."""
    from sessionkit.policy import scope

    try:
        status, _finding = scope.classify_target(target, None, root=root)
    except Exception:
        return True
    return status != "always-allowed"


def check_error(call: Call, run: checks_mod.CheckRun, check: str, exc: BaseException) -> Finding:
    protection = run.config.get("config-protection")
    strict_weakening = isinstance(protection, dict) and protection.get("mode") == "strict"
    could_block = (
        check in ("destructive", "protected")
        or (check == "scope" and run.active_scope is not None)
        or (check == "weakening" and strict_weakening)
    )
    action = "block" if could_block and call.fail_mode == "closed" else "warn"
    return Finding(
        "internal",
        "internal.check-error",
        action,
        f"The {check} check failed ({_exception_text(exc)}); fail-mode is {call.fail_mode}.",
        _DOCTOR_FIX if action == "block" else "run `sessionkit doctor` to find the cause.",
        f"check:{check}",
    )


def refresh(call: Call, root: str, path: str, use_cache: bool) -> dict[str, Any] | None:
    try:
        from sessionkit.config import load_config

        config = load_config(root)
    except Exception as exc:
        call.diag.line(f"configuration not loaded: {_exception_text(exc)}")
        return None
    report = config.report
    sources = [
        {key: item[key] for key in ("path", "exists", "mtime_ns", "size") if key in item}
        for item in report.consulted
    ]
    errors = list(report.errors)
    diagnostics = [
        {
            "level": "error",
            "code": item.rule,
            "message": item.message,
            "file": item.file,
            "line": item.line,
        }
        for item in errors[:20]
    ]
    previous = cache.read_any(path) if use_cache else None
    last_valid = previous.get("last_valid_config") if previous else None
    if errors:
        fallback = last_valid.get("config") if isinstance(last_valid, dict) else None
        resolved = fallback if isinstance(fallback, dict) else {"hooks": dict(DEFAULT_HOOKS)}
        status = "invalid"
    else:
        resolved = _resolved_config(config)
        status = "valid"
    doc = cache.build(root, sources, resolved, status, diagnostics, last_valid)
    if use_cache and not cache.write(path, doc):
        call.diag.line(f"hook cache not written: {path}")
    return doc


def _resolved_config(config: Any) -> dict[str, Any]:
    """The Session Config keys the hook needs, in their JSON form (§13.1)."""
    resolved: dict[str, Any] = {"hooks": config.hooks.to_json()}
    for key, attribute in (
        ("protected-paths", "protected_paths"),
        ("config-protection", "config_protection"),
        ("allow-config-weakening", "allow_config_weakening"),
        ("enforcement-gates", "enforcement_gates"),
    ):
        value: Any = getattr(config, attribute, None)
        if hasattr(value, "to_json"):
            resolved[key] = value.to_json()
        elif hasattr(value, "items"):
            resolved[key] = dict(value.items())
        elif value is not None:
            resolved[key] = value
    # What the guard reads from the configuration (§13.3): with this the guard needs no
    # config load of its own when allow-destructive-ops is off and no loosening waits.
    pending = getattr(getattr(config, "report", None), "pending", None) or ()
    resolved["guard"] = {
        "allow-destructive-ops": bool(getattr(config, "allow_destructive_ops", False)),
        "pending": "allow-destructive-ops" in pending,
    }
    return resolved


def config_invalid(doc: dict[str, Any]) -> Finding:
    diagnostics = doc.get("diagnostics") or [{}]
    first = diagnostics[0] if isinstance(diagnostics[0], dict) else {}
    where = first.get("file") or "Session Config"
    if first.get("line"):
        where = f"{where}:{first['line']}"
    last = doc.get("last_valid_config")
    if isinstance(last, dict) and isinstance(last.get("written_at_ns"), int):
        age_s = max(0, (time.time_ns() - last["written_at_ns"]) // 1_000_000_000)
        using = f"the last valid configuration (from {age_s} s ago) is used"
    else:
        using = "the defaults are used"
    message = first.get("message") or "invalid"
    return Finding(
        "hook",
        "hook.config-invalid",
        "warn",
        _wire.sanitise(f"The Session Config is invalid ({where}: {message}); {using}."),
        "Fix the file; `sessionkit config validate` shows every problem.",
        _wire.sanitise(str(where)),
    )
