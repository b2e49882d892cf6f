"""Stage V: JSON Schema validation, what invalid values become, semantic checks (§4.5, §8.3).

Every validation error becomes one diagnostic whose rule id comes from the failing keyword and
whose line is the mark of the offending node; then the invalid part is removed so that its
default applies (scalar -> default, sub-key -> sub-key default, list item dropped, record
dropped when a required field is bad, map entry dropped). Nothing stops at the first error.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from sessionkit.config import keyschema as ks
from sessionkit.config.coerce import Path, Typed, canonical_key, describe, dotted
from sessionkit.config.diagnostics import INFO, Diagnostic, make, show

_RULES = {
    "type": "config.type",
    "enum": "config.enum",
    "const": "config.enum",
    "propertyNames": "config.enum",
    "minimum": "config.range",
    "maximum": "config.range",
    "exclusiveMinimum": "config.range",
    "exclusiveMaximum": "config.range",
    "minItems": "config.range",
    "maxItems": "config.range",
    "minLength": "config.range",
    "maxLength": "config.range",
    "uniqueItems": "config.range",
    "pattern": "config.pattern",
    "required": "config.required",
    "additionalProperties": "config.unknown-key",
}
_MAX_ROUNDS = 6
_CREDENTIALS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://[^/\s@]+:[^/\s@]*@|[?&](?:token|key|secret|password|sig)=[^&\s]",
    re.I,
)
_MAX_PERSONAS = 20
_M_OF_N = re.compile(r"(0|[1-9][0-9]{0,5})-of-(0|[1-9][0-9]{0,5})")
_SECRET_URL = re.compile(
    r"^[a-z][a-z0-9+.-]*://[^/\s@]+:[^/\s@]*@|[?&](?:token|key|secret|password|sig)=", re.I
)


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(ks.root())


def validate(typed: Typed, file: str) -> list[Diagnostic]:
    """Validate ``typed.doc`` in place: report and remove every invalid part."""
    diags: list[Diagnostic] = []
    doc = typed.doc
    _threshold_range(typed, file, diags)
    for round_ in range(_MAX_ROUNDS):
        errors = list(_validator().iter_errors(doc))
        if not errors:
            break
        removals: list[Path] = []
        for error in errors:
            if "propertyNames" in error.absolute_schema_path:
                error.validator = "propertyNames"  # report the map entry, not the inner anyOf
                leaves = [error]
            else:
                leaves = _leaves(error)
            for leaf in leaves:
                path = tuple(leaf.absolute_path)
                if round_ < _MAX_ROUNDS - 1:
                    diag = _diagnostic(leaf, path, typed, file)
                    if diag is not None:
                        diags.append(diag)
                removals.append(_removal(leaf, path))
        if round_ == _MAX_ROUNDS - 1:
            removals = [p[:1] for p in removals if p]
        _remove_all(doc, removals)
    _semantic(typed, file, diags)
    return diags


def _threshold_range(typed: Typed, file: str, diags: list[Diagnostic]) -> None:
    """``persona-gate-wave.threshold`` ``M-of-N`` needs 1 ≤ M ≤ N ≤ 20 (case 47b: config.range).

    The schema's pattern cannot compare M with N; a well-formed ``M-of-N`` outside those bounds
    is a range error (the key takes its default), a malformed one stays a pattern error.
    """
    gate = typed.doc.get("persona-gate-wave")
    value = gate.get("threshold") if isinstance(gate, dict) else None
    match = _M_OF_N.fullmatch(value) if isinstance(value, str) else None
    if match is None or not isinstance(gate, dict):
        return
    m, n = int(match.group(1)), int(match.group(2))
    if 1 <= m <= n <= _MAX_PERSONAS:
        return
    line, column = _mark(typed, ("persona-gate-wave", "threshold"))
    diags.append(
        make(
            "config.range",
            f"persona-gate-wave.threshold must be M-of-N with 1 ≤ M ≤ N ≤ {_MAX_PERSONAS} "
            f"(got {show(value)})",
            file=file,
            line=line,
            column=column,
            key="persona-gate-wave.threshold",
            value=value,
            hint=f"use all, any or M-of-N with 1 ≤ M ≤ N ≤ {_MAX_PERSONAS} (e.g. 4-of-6)",
        )
    )
    del gate["threshold"]


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors to report for ``error``: oneOf/anyOf resolved to the branch meant."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    # A branch whose own type matched is the one the user meant (e.g. the mapping form).
    typed_ok = [
        subs
        for subs in by_branch.values()
        if not any(s.validator == "type" and not s.relative_path for s in subs)
    ]
    if len(typed_ok) == 1:
        out: list[ValidationError] = []
        for sub in typed_ok[0]:
            out.extend(_leaves(sub))
        return out
    return [error]


def _removal(error: ValidationError, path: Path) -> Path:
    """What to remove for ``error``: the offending entry of a map, else the node itself."""
    if error.validator == "propertyNames":
        return (*path, str(error.instance))
    return path


def _remove_all(doc: dict[str, Any], removals: list[Path]) -> None:
    """Remove every path (deepest and highest index first), then apply the emptying rules."""
    targets = {_record_aware(doc, p) for p in removals}
    # Deepest first, and within one list the highest index first, so indices stay valid.
    for path in sorted(
        targets,
        key=lambda p: (len(p), [(x if isinstance(x, int) else 0) for x in p]),
        reverse=True,
    ):
        _remove(doc, path)


def _record_aware(doc: dict[str, Any], path: Path) -> Path:
    """A bad required field of a record removes the whole record (§4.5)."""
    for depth in range(len(path)):
        part = path[depth]
        if not isinstance(part, int):
            continue
        record_path = path[: depth + 1]
        schema = ks.schema_at(record_path)
        if schema is None or "object" not in ks.kinds(schema):
            continue
        if len(path) == depth + 1:
            return record_path  # the record itself (e.g. a required field is missing)
        field_name = path[depth + 1]
        if field_name in schema.get("required", ()):
            return record_path
        # A field admitting a single value (``kind: regression-flags``) names the record's
        # kind: a record of another kind is not understood, so it is dropped (case 57).
        field_schema = ks.properties(schema).get(str(field_name), {})
        if len(field_schema.get("enum", ())) == 1 or "const" in field_schema:
            return record_path
        return path[: depth + 2]
    return path


def _remove(doc: Any, path: Path) -> None:
    if not path:
        return
    parents: list[tuple[Any, str | int]] = []
    node = doc
    for part in path[:-1]:
        try:
            parents.append((node, part))
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        was_nonempty = len(node) > 0
        del node[last]
    except (KeyError, IndexError, TypeError):
        return
    # An emptied list of scalars or map takes its default: remove the key itself.
    if was_nonempty and not node and parents:
        parent, key = parents[-1]
        schema = ks.schema_at(path[:-1])
        if schema is not None and (
            isinstance(node, list) or (isinstance(node, dict) and not ks.properties(schema))
        ):
            with contextlib.suppress(KeyError, IndexError, TypeError):
                del parent[key]


def _mark(typed: Typed, path: Path, *, value: bool = True) -> tuple[int | None, int | None]:
    marks = typed.value_marks if value else typed.key_marks
    probe = path
    while probe:
        if probe in marks:
            return marks[probe]
        other = typed.key_marks.get(probe)
        if other is not None:
            return other
        probe = probe[:-1]
    return None, None


def _diagnostic(error: ValidationError, path: Path, typed: Typed, file: str) -> Diagnostic | None:
    keyword = str(error.validator)
    rule = _RULES.get(keyword, "config.type")
    schema = error.schema if isinstance(error.schema, dict) else {}
    name = dotted(path) or "the section"
    value = error.instance
    expected = ""
    hint: str | None = None
    if keyword == "type":
        expected = describe(schema)
        message = f"{name}: expected {expected} (got {show(value)})"
    elif keyword in ("enum", "const"):
        choices = [
            "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for v in schema.get("enum", [schema.get("const")])
        ]
        expected = _or(choices)
        whole = ks.schema_at(path) if keyword == "enum" else None
        if (
            whole is not None
            and ("oneOf" in whole or "anyOf" in whole)
            and ks.kinds(whole) - {"string", "null"}
        ):
            # The enum is one branch of the key (max-turns: auto or an integer): name them all.
            expected = describe(whole)
            hint = f"write {expected}"
        message = f"{name}: expected {expected} (got {show(value)})"
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean '{close[0]}'?"
    elif keyword == "propertyNames":
        choices = ks.enum_strings(schema)
        patterns = [b["pattern"] for b in [schema, *schema.get("anyOf", [])] if "pattern" in b]
        patterns = [p for p in patterns if p != "^x-"]
        if choices:
            expected = ", ".join(choices)
            message = f"{name}: unknown entry {show(value)} (allowed: {expected})"
        else:
            expected = f"names matching {' or '.join(patterns)}"
            message = f"{name}: entry name {show(value)} does not match {' or '.join(patterns)}"
        path = (*path, str(value))
        value = None
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        symbol = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[
            keyword
        ]
        bound = error.validator_value
        expected = f"{symbol} {bound}"
        message = f"{name} must be {expected} (got {show(value)})"
    elif keyword in ("minItems", "maxItems"):
        word = "at least" if keyword == "minItems" else "at most"
        expected = f"with {word} {error.validator_value} items"
        message = f"{name} must have {word} {error.validator_value} items (got {len(value) if isinstance(value, list) else value})"
    elif keyword in ("minLength", "maxLength"):
        if keyword == "minLength" and error.validator_value == 1:
            expected = "that is not empty"
            message = f"{name} must not be empty"
        else:
            word = "at least" if keyword == "minLength" else "at most"
            expected = f"of {word} {error.validator_value} characters"
            message = f"{name} must be {expected} (got {show(value)})"
    elif keyword == "uniqueItems":
        expected = "without repeated items"
        message = f"{name} must not repeat items"
    elif keyword == "pattern":
        pattern = str(error.validator_value)
        if "\\.\\." in pattern:
            expected = "a repository-relative path"
            message = f"{name}: {show(value)} must stay inside the repository"
        else:
            expected = f"the pattern {pattern}"
            message = f"{name}: {show(value)} does not match {pattern}"
    elif keyword == "required":
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [r for r in required if isinstance(value, dict) and r not in value]
        expected = ", ".join(missing)
        message = f"{name}: the record has no {expected}; it is dropped"
        value = None
    elif keyword == "additionalProperties":
        message = f"{name}: unknown key"
    else:
        expected = describe(schema)
        message = f"{name}: expected {expected} (got {show(value)})"
    line, column = _mark(typed, path)
    key = canonical_key(path)
    if _secretish(key):
        value = "***"
        message = message.replace(show(error.instance), "'***'")
    return make(
        rule,
        message,
        file=file,
        line=line,
        column=column,
        key=key or None,
        value=value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else None,
        expected=expected,
        hint=hint,
    )


def _secretish(key: str) -> bool:
    return key.startswith("webhooks.")


def _or(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


# -- semantic checks (config.cross-field, config.floor, …) ----------------------------------


def _semantic(typed: Typed, file: str, diags: list[Diagnostic]) -> None:
    doc = typed.doc

    def at(*path: str | int) -> tuple[int | None, int | None]:
        return _mark(typed, tuple(path), value=False)

    if doc.get("heavy-repo") is True and doc.get("isolation", "auto") in ("auto", "none"):
        line, column = at("heavy-repo")
        diags.append(
            make(
                "config.cross-field",
                "heavy repos should pin isolation: worktree (HR-003)",
                file=file,
                line=line,
                column=column,
                key="heavy-repo",
                hint="set isolation: worktree",
            )
        )
    gate = doc.get("persona-gate-wave")
    if isinstance(gate, dict) and gate.get("enabled") is True and gate.get("mode", "off") == "off":
        line, column = at("persona-gate-wave", "enabled")
        diags.append(
            make(
                "config.cross-field",
                "persona-gate-wave is enabled but mode off: the hook will not fire",
                file=file,
                line=line,
                column=column,
                key="persona-gate-wave.mode",
                hint="set persona-gate-wave.mode to warn or strict",
            )
        )
    loop = doc.get("loop-guard")
    if isinstance(loop, dict):
        threshold = loop.get("threshold", 3)
        window = loop.get("window", 5)
        if isinstance(threshold, int) and isinstance(window, int) and window < threshold:
            loop["window"] = threshold
            line, column = (
                at("loop-guard", "window")
                if ("loop-guard", "window") in typed.key_marks
                else at("loop-guard", "threshold")
            )
            diags.append(
                make(
                    "config.cross-field",
                    f"loop-guard.window {window} is below threshold {threshold}; raised to {threshold}",
                    severity=INFO,
                    file=file,
                    line=line,
                    column=column,
                    key="loop-guard.window",
                    hint="make loop-guard.window at least loop-guard.threshold",
                )
            )
    _floor(typed, file, diags)
    lock = doc.get("state-md-lock")
    if isinstance(lock, dict) and lock.get("enabled") is False:
        line, column = at("state-md-lock", "enabled")
        diags.append(
            make(
                "config.ignored-value",
                "state-md-lock.enabled: false is ignored: sessionkit always locks STATE.md",
                file=file,
                line=line,
                column=column,
                key="state-md-lock.enabled",
                value=False,
            )
        )
    hooks = doc.get("webhooks")
    if isinstance(hooks, dict):
        for kind, entry in hooks.items():
            url = entry.get("url") if isinstance(entry, dict) else None
            if isinstance(url, str) and _SECRET_URL.search(url):
                line, column = at("webhooks", kind, "url")
                diags.append(
                    make(
                        "config.secret-in-config",
                        f"webhooks.{kind}.url embeds credentials in a committed file",
                        file=file,
                        line=line,
                        column=column,
                        key=f"webhooks.{kind}.url",
                        value="***",
                        hint=f"use the SO_WEBHOOK_{kind.upper().replace('-', '_')}_URL environment variable",
                    )
                )
    _secrets(typed, file, diags)


def _secrets(typed: Typed, file: str, diags: list[Diagnostic]) -> None:
    """``config.secret-in-config`` for credentials in a URL anywhere outside ``webhooks``."""

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                walk(child, (*path, name))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, (*path, index))
        elif isinstance(node, str) and path[:1] != ("webhooks",) and _CREDENTIALS.search(node):
            line, column = _mark(typed, path)
            diags.append(
                make(
                    "config.secret-in-config",
                    f"{dotted(path)} embeds credentials in a URL in a committed file",
                    file=file,
                    line=line,
                    column=column,
                    key=canonical_key(path),
                    value="***",
                    hint="remove the credentials: use an environment variable or a credential "
                    "helper instead",
                )
            )

    walk(typed.doc, ())


_ACTION_RANK = {"allow": 0, "warn": 1, "block": 2}


def _floor(typed: Typed, file: str, diags: list[Diagnostic]) -> None:
    paths = typed.doc.get("protected-paths")
    relax = paths.get("relax") if isinstance(paths, dict) else None
    if not isinstance(relax, list):
        return
    kept: list[Any] = []
    for index, entry in enumerate(relax):
        problem = None
        cls = entry.get("class") if isinstance(entry, dict) else None
        if cls in ("git", "runtime"):
            problem = f"protected-paths.relax cannot relax the {cls} class"
        elif cls == "control":
            low = [
                who
                for who in ("coordinator", "unknown", "agent")
                if _ACTION_RANK.get(str(entry.get(who)), 2) < _ACTION_RANK["warn"]
            ]
            if low:
                problem = (
                    f"protected-paths.relax: control paths cannot go below warn ({', '.join(low)})"
                )
        if problem is None:
            kept.append(entry)
            continue
        line, column = _mark(typed, ("protected-paths", "relax", index), value=False)
        diags.append(
            make(
                "config.floor",
                problem + "; the entry is dropped",
                file=file,
                line=line,
                column=column,
                key="protected-paths.relax",
                value=entry,
            )
        )
    if len(kept) != len(relax) and isinstance(paths, dict):
        if kept:
            paths["relax"] = kept
        else:
            del paths["relax"]
