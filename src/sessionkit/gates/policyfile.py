"""Reading and validating ``.orchestrator/policy/quality-gates.json`` (spec §3.2).

An invalid file is a configuration error with every diagnostic (file, line, JSON pointer):
the prior art ignored such a file with a warning and fell back to weaker defaults, which let a
broken edit silently disable the gate.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sessionkit.gates.errors import GateConfigError, GateEnvironmentError

POLICY_PATH = ".orchestrator/policy/quality-gates.json"
BUILTIN_KINDS = ("test", "typecheck", "lint")
DEFAULTS: dict[str, Any] = {
    "timeout_s": 900,
    "kill_grace_s": 10,
    "fail_fast": False,
    "order": None,
    "fail_on": {"baseline": "never", "incremental": "new", "per-file": "new", "full-gate": "fail"},
    "stubs": "warn",
    "inject": True,
    "worktree_changes": "warn",
    "tail_lines": 40,
    "max_findings": 10000,
    "keep_runs": 20,
    "auto_detect": True,
}
SELECTION_DEFAULTS: dict[str, Any] = {
    "max_files": 200,
    "on_no_tests": "skip",
    "full_run_triggers": None,
    "languages": {},
}
BASELINE_DEFAULTS: dict[str, Any] = {"max_age_hours": 168, "block_on": "error", "lockfiles": None}

Diagnostic = tuple[str, str, str | None, int | None, str | None]


@functools.cache
def cached_validator(name: str) -> Any:
    """A schema validator built once per process (checking a schema costs ~0.1 s)."""
    from sessionkit.schemas import validator

    return validator(name)


@dataclass(frozen=True)
class Policy:
    """A validated policy file (or the defaults when there is none)."""

    version: int | None
    commands: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULTS))
    selection: Mapping[str, Any] = field(default_factory=lambda: dict(SELECTION_DEFAULTS))
    baseline: Mapping[str, Any] = field(default_factory=lambda: dict(BASELINE_DEFAULTS))
    path: str | None = None
    unused_variants: tuple[str, ...] = ()


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _duplicate_at(text: str, key: str) -> tuple[int, int] | None:
    """(line, column) of the second occurrence of ``key`` in one object of the JSON ``text``:
    the duplicate itself, not the first, valid occurrence."""
    stack: list[set[str] | None] = []  # the keys of each open object; None for an array
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            k = j + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            keys = stack[-1] if stack else None
            if k < n and text[k] == ":" and keys is not None:
                try:
                    name = json.loads(text[i : j + 1])
                except ValueError:
                    name = None
                if isinstance(name, str):
                    if name == key and name in keys:
                        return text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)
                    keys.add(name)
            i = j + 1
            continue
        if c == "{":
            stack.append(set())
        elif c == "[":
            stack.append(None)
        elif c in "}]" and stack:
            stack.pop()
        i += 1
    return None


class _NonFiniteNumber(ValueError):
    pass


def _no_constants(constant: str) -> Any:
    # Python's json accepts NaN/Infinity, which are not JSON; NaN also passes every bound
    # of the schema (each comparison is false) and would reach the result as a bare token
    raise _NonFiniteNumber(constant)


def _line_of_constant(text: str, constant: str) -> int | None:
    """The line of the first ``constant`` token outside a string."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif text.startswith(constant, index):
            return text.count("\n", 0, index) + 1
    return None


def line_of(text: str, pointer_parts: list[str | int]) -> int | None:
    """Best-effort line of the last object key of a JSON pointer (scanning for the token)."""
    keys = [p for p in pointer_parts if isinstance(p, str)]
    position = 0
    line = None
    for key in keys:
        match = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, position)
        if match is None:
            break
        position = match.end()
        line = text.count("\n", 0, match.start()) + 1
    return line


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _unexpected_keys(error: Any) -> list[str]:
    """The keys an ``additionalProperties`` error is about, in document order."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    known = error.schema.get("properties") or {}
    patterns = error.schema.get("patternProperties") or {}
    return [
        key
        for key in error.instance
        if key not in known and not any(re.search(p, key) for p in patterns)
    ]


def _describe(error: Any) -> str:
    parts = list(error.absolute_path)
    where = ".".join(str(p) for p in parts) or "(top level)"
    last = parts[-1] if parts else None
    instance = error.instance
    unexpected = _unexpected_keys(error)
    if unexpected:
        known = [k for k in error.schema.get("properties") or {} if k != "$schema"]
        names = ", ".join(repr(k) for k in unexpected)
        close = difflib.get_close_matches(unexpected[0], known, n=1)
        fix = (
            f"did you mean {close[0]!r}?"
            if close
            else f"remove it, or use one of: {', '.join(known)}"
        )
        return f"{where}: unknown key {names}; {fix}"
    if last == "command" and isinstance(instance, str) and not instance.strip():
        return f'{where} must not be empty; write the command, or "skip" to opt out'
    if last == "timeout_s":
        return f"{where} must be a number between 1 and 86400 (got {json.dumps(instance)}); write seconds, e.g. 900"
    if last == "version":
        return f"{where} must be 1 (the prior art's format) or 2 (got {json.dumps(instance)})"
    return f"{where}: {error.message}"


def validate_text(
    text: str, rel: str = POLICY_PATH
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """Parse and validate policy text; returns ``(document or None, diagnostics)``."""
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _NonFiniteNumber as exc:
        constant = str(exc.args[0])
        return None, [
            (
                "parse-error",
                f"{constant} is not JSON (numbers must be finite); write a number, e.g. 900",
                rel,
                _line_of_constant(text, constant),
                None,
            )
        ]
    except _DuplicateKey as exc:
        key = str(exc.args[0])
        at = _duplicate_at(text, key)
        where = f" at column {at[1]}" if at else ""
        return None, [
            (
                "duplicate-key",
                f"duplicate key {key!r}{where}; keep one of the two (JSON objects take each key once)",
                rel,
                at[0] if at else line_of(text, [key]),
                None,
            )
        ]
    except json.JSONDecodeError as exc:
        return None, [
            (
                "parse-error",
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                rel,
                exc.lineno,
                None,
            )
        ]
    problems: list[Diagnostic] = []
    errors = sorted(
        cached_validator("quality-gates").iter_errors(doc), key=lambda e: list(e.absolute_path)
    )
    for error in errors:
        # "if/then" wrappers repeat their inner errors; report the inner ones only
        if error.validator in ("allOf", "if", "then"):
            continue
        path_parts: list[str | int] = list(error.absolute_path)
        # an unknown key is located at the key itself, not at the object that holds it
        unexpected = _unexpected_keys(error)
        line = line_of(text, [*path_parts, *unexpected[:1]]) if unexpected else None
        problems.append(
            (
                "schema",
                _describe(error),
                rel,
                line or line_of(text, path_parts),
                _pointer(path_parts),
            )
        )
    if not problems and isinstance(doc, dict) and doc.get("version") == 2:
        parts: list[str | int]
        for name, entry in (doc.get("commands") or {}).items():
            if name not in BUILTIN_KINDS and "kind" not in entry and "builtin" not in entry:
                parts = ["commands", name]
                problems.append(
                    (
                        "schema",
                        f"commands.{name}: 'kind' is required for a check that is not test, typecheck or lint",
                        rel,
                        line_of(text, parts),
                        _pointer(parts),
                    )
                )
            cwd = entry.get("cwd")
            if isinstance(cwd, str) and (
                os.path.isabs(cwd) or ".." in cwd.replace("\\", "/").split("/")
            ):
                parts = ["commands", name, "cwd"]
                problems.append(
                    (
                        "schema",
                        f"commands.{name}.cwd must stay inside the project root (got {cwd!r})",
                        rel,
                        line_of(text, parts),
                        _pointer(parts),
                    )
                )
    return (doc if not problems else None), problems


def cwd_outside_root(root: str, cwd: str) -> bool:
    """Whether ``cwd`` (relative to ``root``) resolves outside it, symlinks followed."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, cwd))
    return real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep)


def _escaping_cwds(root: str, doc: Mapping[str, Any], text: str) -> list[Diagnostic]:
    """``cwd`` values that leave the project through a symlink (the text check sees only ``..``)."""
    problems: list[Diagnostic] = []
    for name, entry in (doc.get("commands") or {}).items():
        cwd = entry.get("cwd") if isinstance(entry, dict) else None
        if isinstance(cwd, str) and cwd_outside_root(root, cwd):
            parts: list[str | int] = ["commands", name, "cwd"]
            problems.append(
                (
                    "schema",
                    f"commands.{name}.cwd must stay inside the project root (got {cwd!r}, "
                    "which a symlink leads outside it); name a directory of the project",
                    POLICY_PATH,
                    line_of(text, parts),
                    _pointer(parts),
                )
            )
    return problems


def validate_policy_file(root: str) -> list[Diagnostic]:
    """The public validator for ``quality-gates.json`` (the config capability's registry).

    Returns ``(code, message, file, line, pointer)`` problems; empty when the file is valid or
    absent.
    """
    path = os.path.join(root, POLICY_PATH)
    if not os.path.exists(path):
        return []
    try:
        text = _read_policy(path)
    except OSError as exc:
        return [("unreadable", f"cannot read the policy file: {exc}", POLICY_PATH, None, None)]
    except UnicodeDecodeError as exc:
        return [_not_utf8(exc)]
    doc, problems = validate_text(text)
    return _escaping_cwds(root, doc, text) if doc is not None else problems


def _read_policy(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def _not_utf8(exc: UnicodeDecodeError) -> Diagnostic:
    """Invalid UTF-8 is content to fix (exit 1, with its line), not an unreadable file."""
    line = exc.object[: exc.start].count(b"\n") + 1
    return ("encoding", f"not UTF-8 (byte 0x{exc.object[exc.start]:02x})", POLICY_PATH, line, None)


def _merge(defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def load_policy(root: str) -> Policy:
    """The policy of the project at ``root``; raises GateConfigError when it is invalid."""
    path = os.path.join(root, POLICY_PATH)
    if not os.path.exists(path):
        return Policy(version=None)
    try:
        text = _read_policy(path)
    except OSError as exc:
        raise GateEnvironmentError(
            f"{POLICY_PATH}: cannot read the policy file ({exc})",
            hint="fix the file's permissions",
        ) from exc
    except UnicodeDecodeError as exc:
        doc, problems = None, [_not_utf8(exc)]
    else:
        doc, problems = validate_text(text)
        if doc is not None:
            problems = _escaping_cwds(root, doc, text)
            doc = None if problems else doc
    if doc is None:
        first = problems[0]
        where = f"{first[2]}:{first[3]}" if first[3] else str(first[2])
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise GateConfigError(
            f"{where}: {first[1]}{more}",
            diagnostics=problems,
            hint="fix the policy file; nothing ran (see docs/gates.md for the format)",
        )
    unused: list[str] = []
    from sessionkit.gates.model import VARIANTS

    for name, entry in (doc.get("commands") or {}).items():
        for variant in entry.get("variants") or {}:
            if variant not in VARIANTS:
                unused.append(f"{name}.{variant}")
    return Policy(
        version=int(doc["version"]),
        commands=dict(doc.get("commands") or {}),
        defaults=_merge(DEFAULTS, doc.get("defaults")),
        selection=_merge(SELECTION_DEFAULTS, doc.get("selection")),
        baseline=_merge(BASELINE_DEFAULTS, doc.get("baseline")),
        path=POLICY_PATH,
        unused_variants=tuple(unused),
    )
