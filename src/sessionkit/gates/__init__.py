"""Quality gates: resolve, run and parse a repository's test/typecheck/lint commands, compare
them with a baseline stored in git, and report one result in every CI format.

Public API (imported lazily so ``import sessionkit.gates`` stays cheap)::

    from sessionkit.gates import run_gates, write_report
    result = run_gates(variant="full-gate", repo=".")
    write_report(result, "sarif", "reports/gate.sarif")
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.gates.baseline import clear_baseline as clear_baseline
    from sessionkit.gates.baseline import load_baseline as load_baseline
    from sessionkit.gates.baseline import save_baseline as save_baseline
    from sessionkit.gates.engine import ProgressEvent as ProgressEvent
    from sessionkit.gates.engine import run_gates as run_gates
    from sessionkit.gates.errors import GateConfigError as GateConfigError
    from sessionkit.gates.errors import GateEnvironmentError as GateEnvironmentError
    from sessionkit.gates.errors import GateUsageError as GateUsageError
    from sessionkit.gates.model import CheckResult as CheckResult
    from sessionkit.gates.model import Finding as Finding
    from sessionkit.gates.model import GateResult as GateResult
    from sessionkit.gates.reports import load_result as load_result
    from sessionkit.gates.reports import write_report as write_report

_LAZY = {
    "run_gates": "sessionkit.gates.engine",
    "ProgressEvent": "sessionkit.gates.engine",
    "GateResult": "sessionkit.gates.model",
    "CheckResult": "sessionkit.gates.model",
    "Finding": "sessionkit.gates.model",
    "write_report": "sessionkit.gates.reports",
    "load_result": "sessionkit.gates.reports",
    "save_baseline": "sessionkit.gates.baseline",
    "load_baseline": "sessionkit.gates.baseline",
    "clear_baseline": "sessionkit.gates.baseline",
    "GateUsageError": "sessionkit.gates.errors",
    "GateConfigError": "sessionkit.gates.errors",
    "GateEnvironmentError": "sessionkit.gates.errors",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sessionkit.gates' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
