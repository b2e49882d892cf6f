"""The ``gates`` check of ``sessionkit check`` (gates.md §10.4).

Opt-in (it runs repository commands). The gate runs lazily on the first call that knows the
``--fail-on`` mode, which maps onto the gate's own: ``error`` → ``fail``, ``warning`` →
``warning``, ``new`` → ``new`` (the gate's baseline comparison), ``never`` → ``never``.
An invalid ``quality-gates.json`` makes this check ``not-applicable`` (reason
``config-invalid``) when the ``config`` check is selected too, which reports it; the other
checks still run. Without ``config`` nothing else would report it, so this check fails (exit 1)
and lists every diagnostic as a finding, as ``gate run`` does (§3.2: a broken policy must never
silently disable the gate). The gate
measures the checked-out working tree, so a ``--head`` that is not ``HEAD`` makes it
``not-applicable`` too (reason ``head-not-checked-out``).

Under ``--fail-on new`` the check-result findings are the regressions only: a finding the
baseline already had (``baseline: pre-existing``) stays in the ``GateResult`` but is not
listed, so the findings of the check result are exactly what blocks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sessionkit.errors import (
    EXIT_ENVIRONMENT,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    SessionkitError,
)

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
        base: str | None = None,
        head: str | None = None,
        config_selected: bool = True,
    ) -> None:
        self.root = root
        self.config_selected = config_selected
        self.environ = environ
        self.variant = variant
        self.timeout_s = timeout_s
        self.gate_checks = gate_checks
        self.base = base
        self.head = head
        self.result: Any = None
        self.not_applicable: str | None = None
        self.env_problem: str | None = None
        self.config_problems: list[tuple[str, str, str | None, int | None, str | None]] = []
        self._fail_on: str | None = None

    def _ensure(self, fail_on: str) -> None:
        if self._fail_on is not None:
            return
        self._fail_on = fail_on
        from sessionkit.gates.policyfile import validate_policy_file

        problems = validate_policy_file(self.root)
        if problems:
            if self.config_selected:
                self.not_applicable = "config-invalid"  # the config check reports them
            else:
                self.config_problems = list(problems)
            return
        if self.head is not None and not self._head_is_checked_out():
            self.not_applicable = "head-not-checked-out"
            return
        from sessionkit.gates.engine import run_gates

        try:
            self.result = run_gates(
                self.variant,
                self.root,
                fail_on=FAIL_ON_MAP.get(fail_on, "fail"),
                timeout_s=self.timeout_s,
                checks=self.gate_checks,
                base=self.base if self.variant == "incremental" else None,
                environ=self.environ,
            )
        except SessionkitError as exc:
            if exc.exit_code == EXIT_USAGE:
                raise  # a bad --gate-check or --base is the caller's mistake: exit 2
            if exc.exit_code == EXIT_ENVIRONMENT:
                self.env_problem = exc.message
            else:
                self.not_applicable = exc.message

    def _head_is_checked_out(self) -> bool:
        from sessionkit import git

        shas = [
            git.run(
                ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                cwd=self.root,
                check=False,
            )
            .stdout.decode()
            .strip()
            for ref in (self.head or "", "HEAD")
        ]
        return bool(shas[0]) and shas[0] == shas[1]

    def _listed(self) -> list[tuple[Any, Any]]:
        """(gate check, finding) pairs the check result lists (regressions only under new)."""
        only_new = self._fail_on == "new"
        pairs = []
        for check in self.result.checks:
            comparable = check.regression is not None and check.regression.comparable
            for f in check.findings:
                if only_new and comparable and f.baseline != "new":
                    continue
                pairs.append((check, f))
        return pairs

    @property
    def findings(self) -> list[dict[str, Any]]:
        self._ensure(self._fail_on or "error")
        if self.config_problems:
            return [_config_finding(p) for p in self.config_problems]
        if self.result is None:
            return []
        mapped = []
        for check, f in self._listed():
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
        if self.config_problems:
            return EXIT_FINDINGS
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
        if self.config_problems:
            n = len(self.config_problems)
            return {
                "id": CHECK_ID,
                "status": "fail",
                "summary": f"the quality gate ran nothing: {self.config_problems[0][2]} is "
                f"invalid ({n} problem{'s' if n != 1 else ''}; first: "
                f"{self.config_problems[0][1]})",
                "reason": "config-invalid",
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
        blocking = [f"{c.name} ({_why(c)})" for c in result.checks if c.blocking]
        summary = f"gate {result.variant}: {result.status}" + (
            f" (blocking: {', '.join(blocking)})" if blocking else ""
        )
        if self._fail_on == "new" and result.regression is not None:
            regression = result.regression
            if regression.get("comparable"):
                summary += (
                    f"; against the baseline: {regression['new']} new, "
                    f"{regression['pre_existing']} pre-existing (not listed), "
                    f"{regression['fixed']} fixed"
                )
            else:
                reasons = ", ".join(regression.get("reasons") or ()) or "no-baseline"
                summary += f"; no comparable baseline ({reasons}): every failure blocks"
        return {
            "id": CHECK_ID,
            "status": status,
            "summary": summary,
            "reason": None,
            "counts": counts,
            "result": result.to_dict(),
        }


def _config_finding(
    problem: tuple[str, str, str | None, int | None, str | None],
) -> dict[str, Any]:
    """A ``quality-gates.json`` diagnostic as a finding (the config check's rule id)."""
    from sessionkit.precommit.config import fingerprint

    code, message, path, line, _pointer = problem
    rule = f"gates.{code}"
    return {
        "check": CHECK_ID,
        "rule_id": rule,
        "level": "error",
        "path": path,
        "line": line,
        "end_line": line,
        "column": None,
        "message": message,
        "hint": "fix the policy file (`sessionkit config validate` lists every problem)",
        "fingerprint": fingerprint(CHECK_ID, rule, path, message),
    }


def _why(check: Any) -> str:
    """Why a gate check blocks: the regression verdict under new, else status and reason."""
    if check.regression is not None and check.regression.blocking_reason:
        return str(check.regression.blocking_reason)
    return f"{check.status}: {check.status_reason}" if check.status_reason else str(check.status)


def run_check(
    root: str,
    *,
    environ: Mapping[str, str] | None = None,
    variant: str = "full-gate",
    timeout_s: float | None = None,
    gate_checks: list[str] | None = None,
    base: str | None = None,
    head: str | None = None,
    config_selected: bool = True,
) -> GatesCheck:
    """The registry entry point: ``CHECKS["gates"] = CheckSpec(..., default=False)``.

    The keyword options are those ``sessionkit check`` passes through (gates.md §10.4);
    ``config_selected`` says whether the ``config`` check runs too (and reports an invalid
    ``quality-gates.json``).
    """
    env = os.environ if environ is None else environ
    return GatesCheck(
        root,
        environ=env,
        variant=variant,
        timeout_s=timeout_s,
        gate_checks=gate_checks,
        base=base,
        head=head,
        config_selected=config_selected,
    )
