"""The ``sessionkit.gate.result`` and ``sessionkit.gate.baseline`` events (spec §10.6).

Emission is best effort through the Metrics capability's public ``MetricsStore``; a failure is
one stderr warning and never changes an exit code.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from sessionkit.gates.model import GateResult


def result_payload(result: GateResult, result_path: str | None) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for check in result.checks:
        entry: dict[str, Any] = {
            "status": check.status,
            # a check that never ran took no time (the registry requires a number)
            "duration_s": check.duration_s or 0.0,
            "required": check.required,
        }
        if check.blocking:
            entry["blocking"] = True
        if check.counts is not None and (check.counts.tests or check.counts.findings):
            entry["counts"] = check.counts.to_dict()
        checks[check.name] = entry
    payload: dict[str, Any] = {
        "variant": result.variant,
        "status": result.status,
        "exit_code": result.exit_code,
        "fail_on": result.fail_on,
        "duration_s": result.duration_s,
        "checks": checks,
    }
    for key in ("head", "branch"):
        if result.repo.get(key):
            payload[key] = result.repo[key]
    if result.regression is not None and result.regression.get("comparable"):
        payload["regression"] = {
            "new": result.regression.get("new", 0),
            "fixed": result.regression.get("fixed", 0),
            "pre_existing": result.regression.get("pre_existing", 0),
        }
    payload["tool_versions"] = result.tool_versions
    if result_path:
        payload["result_path"] = result_path
    return payload


def emit(
    root: str,
    name: str,
    payload: Mapping[str, Any],
    *,
    run_id: str | None = None,
    wave: int | None = None,
) -> bool:
    """Append one event; returns False (after one stderr warning) when it could not be written.

    ``wave``: the active session's current wave (``GateResult.session``), else None; the store
    reads the session id from STATE.md itself.
    """
    if os.environ.get("SESSIONKIT_NO_METRICS") == "1":
        return False
    try:
        store_class = importlib.import_module("sessionkit.metrics").MetricsStore
    except (ImportError, AttributeError):
        return False  # the metrics capability is not installed: nothing to record into
    try:
        store = store_class(repo=root)
        written = store.emit(name, dict(payload), run_id=run_id, wave=wave, best_effort=True)
    except Exception as exc:  # best effort by contract: never change the gate's outcome
        print(f"warning: could not record {name}: {exc}", file=sys.stderr)
        return False
    if written is None:  # best_effort: the store swallowed its error; still say so once
        where = os.path.join(".orchestrator", "metrics", "events.jsonl")
        print(f"warning: could not record {name} in {where}", file=sys.stderr)
        return False
    return True
