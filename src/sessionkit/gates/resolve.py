"""Command resolution (spec §3): policy file, then Session Config, then auto-detection.

Resolution is per kind and the first source wins. The result records where every command came
from, so a reviewer can see why a command ran (and why a ``CLAUDE.md`` value did not).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sessionkit import git
from sessionkit.gates.detect import Detected, detect
from sessionkit.gates.errors import GateConfigError
from sessionkit.gates.model import Kind, Message
from sessionkit.gates.policyfile import BUILTIN_KINDS, POLICY_PATH, Policy, line_of, load_policy

CommandValue = str | tuple[str, ...]
SESSION_KEYS = {"test": "test-command", "typecheck": "typecheck-command", "lint": "lint-command"}


@dataclass(frozen=True)
class CheckSpec:
    """One check as configured, before a variant and file set turn it into a command."""

    name: str
    kind: Kind
    required: bool
    command: CommandValue
    source: Literal["policy", "session-config", "auto", "none"]
    source_ref: str | None
    variants: Mapping[str, CommandValue] = field(default_factory=dict)
    timeout_s: float | None = None
    cwd: str = "."
    env: Mapping[str, str] = field(default_factory=dict)
    parser: str = "auto"
    report: Mapping[str, str] | None = None
    inject: bool | None = None
    pass_files: bool | None = None
    files: tuple[str, ...] = ()
    languages: tuple[str, ...] | None = None
    tool_error_exit_codes: tuple[int, ...] | None = None
    description: str | None = None
    reason: str | None = None
    file_args: tuple[str, ...] = ()
    builtin: str | None = None
    severity: str | None = None
    patterns: Mapping[str, str] = field(default_factory=dict)

    @property
    def opt_out(self) -> bool:
        return isinstance(self.command, str) and self.command.strip() == "skip"

    @property
    def configured(self) -> bool:
        return self.source != "none"

    @property
    def passes_files(self) -> bool:
        return self.pass_files if self.pass_files is not None else self.kind == "test"


@dataclass(frozen=True)
class Resolution:
    policy: Policy
    checks: tuple[CheckSpec, ...]
    config: Mapping[str, Any]
    warnings: tuple[Message, ...] = ()


def _command(value: Any) -> CommandValue:
    return tuple(value) if isinstance(value, list) else str(value)


def _from_policy(name: str, entry: Mapping[str, Any], version: int) -> CheckSpec:
    kind: Any = entry.get("kind") or name
    report = entry.get("report")
    return CheckSpec(
        name=name,
        kind=kind,
        required=bool(entry.get("required", True)),
        command=_command(entry.get("command", f"(built-in {entry.get('builtin')})")),
        source="policy",
        source_ref=f"{POLICY_PATH}#/commands/{name}",
        variants={k: _command(v) for k, v in (entry.get("variants") or {}).items()},
        timeout_s=entry.get("timeout_s"),
        cwd=entry.get("cwd", "."),
        env=dict(entry.get("env") or {}),
        parser=entry.get("parser", "auto"),
        report=dict(report) if report else None,
        inject=entry.get("inject"),
        pass_files=entry.get("pass_files"),
        files=tuple(entry.get("files") or ()),
        languages=tuple(entry["languages"]) if "languages" in entry else None,
        tool_error_exit_codes=tuple(entry["tool_error_exit_codes"])
        if "tool_error_exit_codes" in entry
        else None,
        description=entry.get("description"),
        builtin=entry.get("builtin"),
        severity=entry.get("severity"),
        patterns=dict(entry.get("patterns") or {}),
    )


def _from_detected(det: Detected, name: str) -> CheckSpec:
    return CheckSpec(
        name=name,
        kind=det.kind,  # type: ignore[arg-type]
        required=True,
        command=det.argv,
        source="auto",
        source_ref=det.source_ref,
        reason=det.reason,
        file_args=det.file_args,
        languages=(det.language,) if det.kind == "test" else None,
    )


class _SessionValues:
    """Session Config's gate keys, loaded once and only when some kind needs them."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.loaded = False
        self.values: dict[str, tuple[str | None, str | None]] = {}
        self.host_file: str | None = None
        self.changed: tuple[str, ...] = ()
        self.warning: str | None = None

    def load(self, *, strict: bool) -> None:
        if self.loaded:
            return
        self.loaded = True
        # imported lazily: importing the gates must not import the config capability
        try:
            load_config = importlib.import_module("sessionkit.config").load_config
        except (ImportError, AttributeError):
            self.warning = "the Session Config capability is not available; its keys were not read"
            return
        try:
            cfg: Any = load_config(self.root)
        except Exception as exc:  # ConfigError for an unreadable named file, etc.
            if strict:
                raise GateConfigError(f"Session Config: {exc}") from exc
            return
        report = getattr(cfg, "report", None)
        if strict and report is not None and getattr(report, "ok", True) is False:
            diagnostics: list[tuple[str, str, str | None, int | None, str | None]] = []
            for diag in getattr(report, "errors", ()) or ():
                diagnostics.append(
                    (
                        "session-config",
                        str(getattr(diag, "message", diag)),
                        getattr(diag, "file", None),
                        getattr(diag, "line", None),
                        None,
                    )
                )
            first = diagnostics[0][1] if diagnostics else "the Session Config is invalid"
            raise GateConfigError(
                f"Session Config: {first}",
                diagnostics=diagnostics or None,
                hint="run `sessionkit config validate` and fix the reported keys",
            )
        for kind, key in SESSION_KEYS.items():
            value = getattr(cfg, key.replace("-", "_"), None)
            source_ref = None
            source_of = getattr(cfg, "source_of", None)
            if value is not None and callable(source_of):
                src = source_of(key)
                if src is not None:
                    source_ref = f"{src.file}:{src.line}"
            self.values[kind] = (
                value if isinstance(value, str) and value.strip() else None,
                source_ref,
            )
        host = getattr(report, "host_file", None) if report is not None else None
        if host:
            self.host_file = os.path.relpath(host, self.root) if os.path.isabs(host) else host
        self.changed = tuple(getattr(report, "changed_since_head", ()) or ())

    def get(self, kind: str) -> tuple[str | None, str | None]:
        return self.values.get(kind, (None, None))


# Suffix of a fallen-through check whose name a policy entry already uses, by source.
_RENAME_TAG = {"session-config": "session-config", "auto": "auto", "none": "not-configured"}
_SOURCE_TEXT = {
    "session-config": "Session Config",
    "auto": "auto-detection",
    "none": "no source (not configured)",
}


def _policy_line(root: str, name: str) -> int | None:
    try:
        with open(os.path.join(root, POLICY_PATH), encoding="utf-8") as f:
            return line_of(f.read(), ["commands", name])
    except (OSError, UnicodeDecodeError):
        return None


class _Names:
    """Check names are unique (§5.4 log files, §7.1 baseline entries, ``--check NAME``).

    The policy file's names win: they are explicit and reviewed, so they do not change when
    detection finds something new. A check that falls through to Session Config or
    auto-detection (§3.1) and would take a name the policy already uses (``"lint": {"kind":
    "test"}``, or an extra check named ``test-py`` next to two detected ecosystems) is named
    ``<name>-<source>`` instead, with a warning pointing at the policy entry.
    """

    def __init__(self, root: str, policy: Policy, checks: list[CheckSpec]) -> None:
        self.root = root
        self.policy = policy
        self.taken = {c.name for c in checks}

    def place(self, spec: CheckSpec, warnings: list[Message]) -> CheckSpec:
        if spec.name in self.taken:
            base = f"{spec.name}-{_RENAME_TAG[spec.source]}"
            new, n = base, 2
            while new in self.taken:
                new, n = f"{base}-{n}", n + 1
            entry = self.policy.commands.get(spec.name) or {}
            owner_kind = entry.get("kind") or spec.name
            line = _policy_line(self.root, spec.name)
            where = f"{POLICY_PATH}:{line}" if line is not None else POLICY_PATH
            warnings.append(
                Message(
                    "renamed-check",
                    f"{where}: commands.{spec.name} is a {owner_kind} check, so the "
                    f"{spec.kind} check from {_SOURCE_TEXT[spec.source]} is named {new}; rename "
                    f"the policy entry (or define commands.{spec.kind}) to choose the names",
                    check=new,
                    file=POLICY_PATH,
                    line=line,
                )
            )
            spec = replace(spec, name=new)
        self.taken.add(spec.name)
        return spec


def _uncommitted(root: str, rel: str) -> bool:
    if not os.path.exists(os.path.join(root, rel)):
        return False
    tracked = git.run(["ls-files", "--error-unmatch", "--", rel], cwd=root, check=False)
    if tracked.returncode != 0:
        return True
    diff = git.run(["diff", "--quiet", "HEAD", "--", rel], cwd=root, check=False)
    return diff.returncode != 0


def resolve(root: str, tracked: Sequence[str]) -> Resolution:
    """Resolve every check of the project at ``root``; raises GateConfigError when invalid."""
    policy = load_policy(root)
    session = _SessionValues(root)
    warnings: list[Message] = []
    checks: list[CheckSpec] = []
    sources: list[str] = []
    shadowed: list[str] = []

    if policy.version is not None:
        sources.append("policy")
        for name, entry in policy.commands.items():
            checks.append(_from_policy(name, entry, policy.version))
        for unused in policy.unused_variants:
            warnings.append(
                Message(
                    "unused-variant",
                    f"{POLICY_PATH}: variant {unused.split('.', 1)[1]!r} of "
                    f"{unused.split('.', 1)[0]} is not a gate variant and is ignored",
                    check=unused.split(".", 1)[0],
                )
            )
    defined = {c.kind for c in checks}
    names = _Names(root, policy, checks)
    if policy.version == 1:
        session.load(strict=False)
        shadowed = [SESSION_KEYS[k] for k in BUILTIN_KINDS if session.get(k)[0] is not None]
    else:
        missing = [k for k in BUILTIN_KINDS if k not in defined]
        if missing:
            session.load(strict=True)
            if session.warning:
                warnings.append(Message("session-config-unavailable", session.warning))
        detection = None
        for kind in missing:
            value, source_ref = session.get(kind)
            if value is not None:
                if "session-config" not in sources:
                    sources.append("session-config")
                checks.append(
                    names.place(
                        CheckSpec(
                            name=kind,
                            kind=kind,  # type: ignore[arg-type]
                            required=True,
                            command=value,
                            source="session-config",
                            source_ref=source_ref,
                        ),
                        warnings,
                    )
                )
                continue
            if policy.defaults.get("auto_detect", True):
                if detection is None:
                    detection = detect(root, tracked)
                    for text in detection.warnings:
                        warnings.append(Message("detection", text))
                found = [d for d in detection.checks if d.kind == kind]
                if found:
                    if "auto" not in sources:
                        sources.append("auto")
                    suffixed = len({d.language for d in found}) > 1
                    for det in found:
                        suffix = {"python": "-py", "javascript": "-js"}[det.language]
                        name = kind + suffix if suffixed else kind
                        checks.append(names.place(_from_detected(det, name), warnings))
                    continue
            checks.append(
                names.place(
                    CheckSpec(
                        name=kind,
                        kind=kind,  # type: ignore[arg-type]
                        required=False,
                        command="",
                        source="none",
                        source_ref=None,
                    ),
                    warnings,
                )
            )

    files = [POLICY_PATH] if policy.version is not None else []
    if session.host_file:
        files.append(session.host_file)
    uncommitted = []
    if policy.version is not None and _uncommitted(root, POLICY_PATH):
        uncommitted.append(POLICY_PATH)
    used_session = any(c.source == "session-config" for c in checks)
    if used_session and session.host_file and _uncommitted(root, session.host_file):
        uncommitted.append(session.host_file)
    for rel in uncommitted:
        warnings.append(
            Message("uncommitted-config", f"gate commands come from uncommitted changes in {rel}")
        )
    config = {
        "sources": sources,
        "files": files,
        "uncommitted": uncommitted,
        "shadowed": shadowed,
    }
    return Resolution(policy=policy, checks=tuple(checks), config=config, warnings=tuple(warnings))
