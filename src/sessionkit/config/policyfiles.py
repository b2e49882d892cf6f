"""§12.3: the registry of policy-file validators under ``.orchestrator/policy/``.

This part hosts only the registry; each validator belongs to its owner, who registers it
(by module path, imported lazily) with :func:`register_policy_validator`. A validator is a
callable ``(root: str, path: str) -> Iterable[Diagnostic | Mapping]`` returning the problems
of one file; mappings are converted to diagnostics (``rule`` keeps the owner's prefix).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sessionkit.config.diagnostics import Diagnostic, make, ordered

POLICY_DIR = ".orchestrator/policy"

Validator = Callable[[str, str], Iterable[Any]]

# file name -> "module:function" of the owner's validator, or the callable itself
_REGISTRY: dict[str, str | Validator] = {}


def register_policy_validator(file_name: str, validator: str | Validator) -> None:
    """Register the validator of ``.orchestrator/policy/<file_name>``.

    ``validator`` is a callable or a ``"package.module:function"`` string, imported only
    when a repository actually holds that file.
    """
    if "/" in file_name or file_name in ("", ".", ".."):
        raise ValueError(f"policy file names are plain file names, got {file_name!r}")
    _REGISTRY[file_name] = validator


def registered() -> dict[str, str | Validator]:
    return dict(_REGISTRY)


def _resolve(validator: str | Validator) -> Validator:
    if callable(validator):
        return validator
    module_name, _, attribute = validator.partition(":")
    function: Validator = getattr(importlib.import_module(module_name), attribute)
    return function


def _to_diagnostic(problem: Any, rel: str) -> Diagnostic:
    if isinstance(problem, Diagnostic):
        return problem if problem.file else problem.replace(file=rel)
    if isinstance(problem, Mapping):
        return Diagnostic(
            str(problem.get("rule", "policy.invalid")),
            str(problem.get("severity", "error")),
            str(problem.get("message", "invalid policy file")),
            file=str(problem.get("file") or rel),
            line=problem.get("line") if isinstance(problem.get("line"), int) else None,
            column=problem.get("column") if isinstance(problem.get("column"), int) else None,
            hint=problem.get("hint") if isinstance(problem.get("hint"), str) else None,
            key=problem.get("key") if isinstance(problem.get("key"), str) else None,
            value=problem.get("value"),
        )
    return Diagnostic("policy.invalid", "error", str(problem), file=rel)


def validate_policy_files(root: str | os.PathLike[str]) -> tuple[Diagnostic, ...]:
    """Run the registered validator of every file in ``<root>/.orchestrator/policy/``."""
    root = os.fspath(root)
    directory = os.path.join(root, *POLICY_DIR.split("/"))
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return ()
    problems: list[Diagnostic] = []
    for name in names:
        full = os.path.join(directory, name)
        if not os.path.isfile(full) or name.startswith("."):
            continue
        rel = f"{POLICY_DIR}/{name}"
        validator = _REGISTRY.get(name)
        if validator is None:
            problems.append(
                make(
                    "config.policy-unvalidated",
                    f"{rel} has no registered validator; it is not checked",
                    file=rel,
                )
            )
            continue
        try:
            found = list(_resolve(validator)(root, full))
        except Exception as exc:  # a validator's bug must not hide the other files' results
            problems.append(
                make(
                    "config.internal",
                    f"the validator of {rel} failed ({type(exc).__name__}: {exc})",
                    file=rel,
                )
            )
            continue
        problems.extend(_to_diagnostic(p, rel) for p in found)
    return ordered(problems)
