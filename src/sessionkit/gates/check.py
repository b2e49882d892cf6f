"""The ``gates`` check of ``sessionkit check`` (gates.md §10.4).

Opt-in (it runs repository commands). The gate runs lazily on the first call that knows the
``--fail-on`` mode, which maps onto the gate's own: ``error`` → ``fail``, ``warning`` →
``warning``, ``new`` → ``new`` (the gate's baseline comparison), ``never`` → ``never``.
An invalid ``quality-gates.json`` makes this check ``not-applicable`` (reason
``config-invalid``): the ``config`` check reports it, the other checks still run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, EXIT_OK, SessionkitError

CHECK_ID = "gates"
FAIL_ON_MAP = {"error": "fail", "warning": "warning", "new": "new", "never": "never"}


class GatesCheck:
    """One (lazy) gate run in check-result form."""

    def __init__(
        self,
        root: str,
        *,
        environ: Mapping[str, str],
        variant: str = "full-gate",
        timeout_s: float | None = None,
        gate_checks: list[str] | None = None,
    ) -> None:
        self.root = root
        self.environ = environ
        self.variant = variant
        self.timeout_s = timeout_s
        self.gate_checks = gate_checks
        self.result: Any = None
        self.not_applicable: str | None = None
        self.env_problem: str | None = None
        self._fail_on: str | None = None

    def _ensure(self, fail_on: str) -> None:
        if self._fail_on is not None:
            return
        self._fail_on = fail_on
        from sessionkit.gates.policyfile import validate_policy_file

        if validate_policy_file(self.root):
            self.not_applicable = "config-invalid"
            return
        from sessionkit.gates.engine import run_gates

        try:
            self.result = run_gates(
                self.variant,
                self.root,
                fail_on=FAIL_ON_MAP.get(fail_on, "fail"),
                timeout_s=self.timeout_s,
                checks=self.gate_checks,
                environ=self.environ,
            )
        except SessionkitError as exc:
            if exc.exit_code == EXIT_ENVIRONMENT:
                self.env_problem = exc.message
            else:
                self.not_applicable = exc.message

    @property
    def findings(self) -> list[dict[str, Any]]:
        self._ensure(self._fail_on or "error")
        if self.result is None:
            return []
        mapped = []
        for check in self.result.checks:
            for f in check.findings:
                mapped.append(
                    {
                        "check": CHECK_ID,
                        "rule_id": f"{check.name}.{f.tool}.{f.rule}",
                        "level": f.severity,
                        "path": f.path,
                        "line": f.line,
                        "end_line": f.end_line,
                        "column": f.column,
                        "message": f.message,
                        "fingerprint": f.fingerprint,
                    }
                )
        return mapped

    def exit_code(self, *, fail_on: str = "error") -> int:
        self._ensure(fail_on)
        if self.env_problem:
            return EXIT_ENVIRONMENT
        if self.result is None:
            return EXIT_OK
        return EXIT_FINDINGS if self.result.exit_code == 1 else int(self.result.exit_code)

    def entry(self, *, fail_on: str = "error") -> dict[str, Any]:
        self._ensure(fail_on)
        code = self.exit_code(fail_on=fail_on)
        counts = {"error": 0, "warning": 0, "note": 0}
        for finding in self.findings:
            counts[finding["level"]] += 1
        if self.not_applicable is not None:
            reason = self.not_applicable
            return {
                "id": CHECK_ID,
                "status": "not-applicable",
                "summary": "the quality gate did not run",
                "reason": reason,
                "counts": counts,
            }
        if self.env_problem is not None:
            return {
                "id": CHECK_ID,
                "status": "error",
                "summary": self.env_problem,
                "reason": "environment",
                "counts": counts,
            }
        result = self.result
        status = {EXIT_OK: "pass", EXIT_FINDINGS: "fail"}.get(code, "error")
        blocking = result.summary()["blocking"]
        summary = f"gate {result.variant}: {result.status}" + (
            f" (blocking: {', '.join(blocking)})" if blocking else ""
        )
        return {
            "id": CHECK_ID,
            "status": status,
            "summary": summary,
            "reason": None,
            "counts": counts,
            "result": result.to_dict(),
        }


def run_check(root: str, *, environ: Mapping[str, str] | None = None) -> GatesCheck:
    """The registry entry point: ``CHECKS["gates"] = CheckSpec(..., default=False)``."""
    env = os.environ if environ is None else environ
    return GatesCheck(root, environ=env)
