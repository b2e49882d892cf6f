"""§12.3: the registry of policy-file validators under ``.orchestrator/policy/``.

This part hosts only the registry; each validator belongs to its owner. A validator is a
callable ``(root: str) -> problems`` imported lazily from a ``"module:function"`` string. The
problems may be ``Diagnostic`` objects, mappings, objects with ``to_dict()``, or
``(code, message, file, line, ...)`` tuples, and a ``(value, problems)`` pair is accepted too;
each becomes a ``Diagnostic`` whose rule id carries the owner's prefix (``guard.unknown-rule``).
One validator registered for several files runs once.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from typing import Any

from sessionkit.config.diagnostics import Diagnostic, make, ordered

POLICY_DIR = ".orchestrator/policy"

Validator = Callable[[str], Any]

# file name -> (validator or "module:function", rule-id prefix of its owner)
_REGISTRY: dict[str, tuple[str | Validator, str]] = {
    "guard.yaml": ("sessionkit.policy.policyfile:validate_policy", "guard"),
    "blocked-commands.json": ("sessionkit.policy.policyfile:validate_policy", "guard"),
    "quality-gates.json": ("sessionkit.gates.policyfile:validate_policy_file", "gates"),
}


def register_policy_validator(
    file_name: str, validator: str | Validator, *, prefix: str = "policy"
) -> None:
    """Register the validator of ``.orchestrator/policy/<file_name>``.

    ``validator`` is a callable taking the repository root, or a ``"package.module:function"``
    string imported only when a repository actually holds that file. ``prefix`` is the
    owner's rule-id prefix for problems that carry a bare code.
    """
    if "/" in file_name or file_name in ("", ".", ".."):
        raise ValueError(f"policy file names are plain file names, got {file_name!r}")
    _REGISTRY[file_name] = (validator, prefix)


def registered() -> dict[str, tuple[str | Validator, str]]:
    return dict(_REGISTRY)


def _resolve(validator: str | Validator) -> Validator:
    if callable(validator):
        return validator
    module_name, _, attribute = validator.partition(":")
    function: Validator = getattr(importlib.import_module(module_name), attribute)
    return function


def _problems(result: Any) -> list[Any]:
    if (
        isinstance(result, tuple)
        and len(result) == 2
        and isinstance(result[1], (list, tuple))
        and not isinstance(result[0], str)
    ):
        return list(result[1])
    return list(result or ())


def _rule(code: object, prefix: str) -> str:
    text = str(code or "invalid")
    return text if "." in text else f"{prefix}.{text}"


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _to_diagnostic(problem: Any, rel: str, prefix: str) -> Diagnostic:
    if isinstance(problem, Diagnostic):
        return problem if problem.file else problem.replace(file=rel)
    if hasattr(problem, "to_dict"):
        problem = problem.to_dict()
    if isinstance(problem, tuple) and len(problem) >= 2:
        code, message = problem[0], problem[1]
        file = problem[2] if len(problem) > 2 and problem[2] else rel
        line = problem[3] if len(problem) > 3 else None
        return Diagnostic(
            _rule(code, prefix), "error", str(message), file=str(file), line=_opt_int(line)
        )
    if isinstance(problem, Mapping):
        hint = problem.get("hint")
        key = problem.get("key")
        return Diagnostic(
            _rule(problem.get("rule") or problem.get("code"), prefix),
            str(problem.get("severity", "error")),
            str(problem.get("message", "invalid policy file")),
            file=str(problem.get("file") or rel),
            line=_opt_int(problem.get("line")),
            column=_opt_int(problem.get("column")),
            hint=hint if isinstance(hint, str) else None,
            key=key if isinstance(key, str) else None,
            value=problem.get("value"),
        )
    return Diagnostic(f"{prefix}.invalid", "error", str(problem), file=rel)


def validate_policy_files(root: str | os.PathLike[str]) -> tuple[Diagnostic, ...]:
    """Run the registered validator of every file in ``<root>/.orchestrator/policy/``."""
    root = os.fspath(root)
    directory = os.path.join(root, *POLICY_DIR.split("/"))
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return ()
    problems: list[Diagnostic] = []
    ran: set[object] = set()
    for name in names:
        full = os.path.join(directory, name)
        if not os.path.isfile(full) or name.startswith("."):
            continue
        rel = f"{POLICY_DIR}/{name}"
        entry = _REGISTRY.get(name)
        if entry is None:
            problems.append(
                make(
                    "config.policy-unvalidated",
                    f"{rel} has no registered validator; it is not checked",
                    file=rel,
                )
            )
            continue
        validator, prefix = entry
        if validator in ran:
            continue  # one validator covering several files runs once
        ran.add(validator)
        try:
            found = _problems(_resolve(validator)(root))
        except Exception as exc:  # a validator's bug must not hide the other files' results
            problems.append(
                make(
                    "config.internal",
                    f"the validator of {rel} failed ({type(exc).__name__}: {exc})",
                    file=rel,
                )
            )
            continue
        problems.extend(_to_diagnostic(p, rel, prefix) for p in found)
    return ordered(problems)
