"""The ``sessionkit.guard.decision`` event of a non-allow answer (§12).

Hot path: standard library only; ``sessionkit.metrics.events`` is imported only when a record
is written, after the answer. Recording never raises and never changes the answer.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from sessionkit.agents.event import Finding, HookEvent

EVENT_NAME = "sessionkit.guard.decision"
OVERRIDE_EVENT = "sessionkit.guard.override.applied"
MAX_FINDINGS = 50
MAX_PATHS = 20


def command_sha256(command: str) -> str:
    """First 16 hex digits of the command's SHA-256: the raw command is never recorded."""
    digest: str = _sha256(command.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


def _sha256(data: bytes) -> Any:
    """SHA-256 from the interpreter's built-in module when there is one (about 1 ms to import)
    rather than ``hashlib``, which loads OpenSSL (about 4 ms), after the answer is out."""
    for name in ("_sha256", "_sha2"):  # CPython <= 3.11, >= 3.12
        try:
            return __import__(name).sha256(data)
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256(data)


def build_payload(
    event: HookEvent | None,
    *,
    hook_event: str,
    action: str,
    findings: list[Finding],
    caller_role: str,
    fail_mode: str,
    duration_ms: float,
    paths: list[str] | None = None,
    scope_role: str | None = None,
    enforcement: str | None = None,
) -> dict[str, Any]:
    """The event payload (registered schema of ``sessionkit.guard.decision``)."""
    payload: dict[str, Any] = {
        "hook_event": hook_event,
        "phase": "post" if hook_event in ("post-tool-use", "after-file-edit") else "pre",
        "action": action,
        "tool_name": (event.tool_name if event else None) or "",
        "tool_kind": event.tool_kind if event else "other",
        "caller_role": caller_role,
        "findings": [_finding_record(item) for item in findings[:MAX_FINDINGS]],
        "fail_mode": fail_mode,
        "degraded": any(item.rule_id.startswith("internal.") for item in findings),
        "duration_ms": round(duration_ms, 1),
    }
    if event is not None and event.agent_type:
        payload["agent_type"] = event.agent_type
    if event is not None and event.command is not None:
        payload["command_sha256"] = command_sha256(event.command)
    if paths:
        payload["paths"] = paths[:MAX_PATHS]
    if scope_role:
        payload["role"] = scope_role
    if enforcement:
        payload["enforcement"] = enforcement
    return payload


def _finding_record(item: Finding) -> dict[str, Any]:
    record: dict[str, Any] = {
        "check": item.check,
        "rule_id": item.rule_id,
        "action": item.action,
        "target": item.target,
    }
    if item.details:
        record["details"] = item.details
    return record


def should_record(root: str | None, environ: Mapping[str, str], record_events: str) -> bool:
    """Events only in repositories set up for sessionkit, unless configured otherwise (§12)."""
    if root is None or record_events == "never" or environ.get("SESSIONKIT_NO_METRICS") == "1":
        return False
    if record_events == "always" or environ.get("SESSIONKIT_METRICS_DIR"):
        return True
    return os.path.isdir(os.path.join(root, ".orchestrator"))


def emit(
    root: str,
    name: str,
    payload: dict[str, Any],
    envelope: dict[str, Any],
    on_error: Callable[[str], None],
) -> None:
    """Append the event through the metrics store's stdlib writer; failures go to stderr."""
    try:
        from sessionkit.metrics.events import emit_event

        clean = {key: value for key, value in envelope.items() if value is not None}
        outcome = emit_event(root, name, payload, **clean)
        if outcome.get("action") == "failed":
            on_error(f"decision event not recorded: {outcome.get('error', 'unknown error')}")
    except Exception as exc:  # recording must never change or delay the answer
        on_error(f"decision event not recorded: {type(exc).__name__}: {exc}")
