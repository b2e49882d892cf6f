"""The checks of one tool call, each in its own ``try`` (§6.1).

Hot path: standard library plus ``sessionkit.policy``. Wave scope, protected paths and config
weakening live in ``sessionkit.policy.scope`` / ``protected`` / ``weakening``; while a module
is absent from the installation those checks are skipped (not failed).
"""

from __future__ import annotations

import os
import sys

from sessionkit import _jsonfast
from sessionkit.agents._wire import label
from sessionkit.agents.event import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from sessionkit.agents.event import HookEvent

CHECK_IDS = ("destructive", "protected", "scope", "commands", "weakening", "verify")
# Notices of the guard's policy loader that users must see (hook.policy-diagnostic).
_POLICY_NOTICES = ("policy-invalid", "policy-entry-ignored", "compat-rule-ignored")


class CheckRun:
    """The inputs and accumulated results of the checks of one call."""

    __slots__ = (
        "active_scope",
        "config",
        "disabled",
        "event",
        "findings",
        "notes",
        "overrides",
        "paths",
        "role",
        "scope_checked",
        "scope_unreadable",
        "targets",
    )

    def __init__(self, event: HookEvent, disabled: frozenset[str], config: dict[str, Any]) -> None:
        self.event = event
        self.disabled = disabled
        self.config = config
        self.findings: list[Finding] = []
        # Checks that could not reach a verdict without it being a finding (stderr lines).
        self.notes: list[str] = []
        self.paths: list[str] = []
        self.targets: list[Any] = []
        self.overrides: list[tuple[str, str]] = []
        self.scope_unreadable: str | None = None
        # The scope file text to store in the hook cache as validated (``load_scope``).
        self.scope_checked: dict[str, str] | None = None
        self.active_scope: Any = None
        self.role = "unknown"


GLOBS = "sessionkit.policy.globs"
# Compiled glob lists from the hook cache (``scope_patterns``) not yet seeded into the glob
# compiler's memo, and the lists seeded in this process (already stored, not re-hashed).
PENDING_PATTERNS: list[dict[str, Any]] = []
PRIMED: set[tuple[str, ...]] = set()


def prime_globs() -> None:
    """Seed ``globs``' memo with the cached lists before anything compiles a pattern."""
    if not PENDING_PATTERNS:
        return
    __import__(GLOBS)
    memo = getattr(sys.modules[GLOBS], "_compiled", None)
    stored_lists = PENDING_PATTERNS[:]
    PENDING_PATTERNS.clear()
    if not isinstance(memo, dict):
        return
    for stored in stored_lists:
        for item in stored.values():
            try:
                key = tuple(str(entry) for entry in item["entries"])
                compiled = tuple((str(rx), bool(inc)) for rx, inc in item["compiled"])
            except (KeyError, TypeError, ValueError):
                continue
            memo.setdefault(key, compiled)
            PRIMED.add(key)


def policy_module(name: str) -> Any:
    """``sessionkit.policy.<name>``, or None when that module is not part of this install.

    Any module but ``scope`` (whose loading of the active scope compiles no pattern) may
    match globs, so the cached compiled patterns are seeded first."""
    if PENDING_PATTERNS and name != "scope":
        prime_globs()
    full = f"sessionkit.policy.{name}"
    try:
        __import__(full)  # not importlib: its import costs more than most policy modules
        return sys.modules[full]
    except ModuleNotFoundError as exc:
        if exc.name == full:
            return None
        raise


def destructive(run: CheckRun, report: bool = True) -> Any:
    """The destructive guard on the shell command; returns the guard's ``Analysis``."""
    from sessionkit.policy.guard import analyse_command

    event = run.event
    assert event.command is not None
    analysis = analyse_command(
        event.command,
        cwd=event.cwd,
        session=event.session_id,
        config=guard_config(run),
        policy=cached_policy(event.cwd),
    )
    decision = analysis.decision
    if not report:
        return analysis
    if decision.action != "allow":
        run.findings.append(
            Finding(
                "destructive",
                decision.rule_id or "destructive",
                decision.action,
                decision.reason,
                decision.suggestion or "",
                label(decision.segment or decision.rule_id or "command"),
            )
        )
    for item in decision.findings:
        lowered = getattr(item, "downgraded_by", None)
        if lowered is not None and lowered.kind == "override" and lowered.override_id:
            run.overrides.append((str(lowered.override_id), item.rule_id))
    for notice in decision.notices:
        if notice.code in _POLICY_NOTICES:
            run.findings.append(
                Finding(
                    "hook",
                    "hook.policy-diagnostic",
                    "warn",
                    f"Policy file problem ({notice.code}): {notice.message}",
                    "Run `sessionkit guard check-policy` or `sessionkit doctor` and fix the file.",
                    notice.source or notice.code,
                )
            )
    return analysis


def cached_policy(cwd: str) -> Any:
    """The guard's cached team policy (``policycache``), or None to let the guard load it.

    On a hit the guard gets the same ``Policy`` its own ``load_policy`` would return, without
    importing the policy loader (``policyfile``: parsing, merging, validation); a miss, a
    missing module or any error leaves the loading to the guard, as before.
    """
    try:
        module = policy_module("policycache")
        return None if module is None else module.cached_policy(cwd)
    except Exception:
        return None


class _StrictGuardConfig:
    """The guard's view of a Session Config whose working tree does not enable
    allow-destructive-ops: then the effective value is off whatever ``HEAD`` says, so the hook
    cache (valid while the instruction files are unchanged) settles it without a config load."""

    __slots__ = ()
    allow_destructive_ops = False
    report = None

    def source_of(self, key: str) -> None:
        return None


STRICT_GUARD_CONFIG = _StrictGuardConfig()


def guard_config(run: CheckRun) -> Any:
    """The config object for the guard, or None to let the guard load the configuration."""
    guard = run.config.get("guard")
    if not isinstance(guard, dict) or guard.get("allow-destructive-ops") is not False:
        return None
    if guard.get("pending") is not False:
        return None
    if os.environ.get("SESSIONKIT_CONFIG_FILE") or os.environ.get("SO_CONFIG_FILE"):
        return None  # the guard honours these itself
    return STRICT_GUARD_CONFIG


def shell_targets(run: CheckRun, analysis: Any) -> None:
    """Write and delete targets of the analysed command (§9.7), as scope ``Target`` values."""
    if not analysis.effects:
        return
    scope = policy_module("scope")
    if scope is None:
        return
    for target in scope.shell_targets(analysis.effects, cwd=run.event.cwd):
        run.targets.append(target)
        if target.path and target.path not in run.paths:
            run.paths.append(target.path)


UNRESOLVED_PATCH_PART = "a patch part without a file path"


def edit_targets(run: CheckRun) -> None:
    """Paths an edit call writes, deletes or moves to (absolute, against the event's cwd)."""
    event = run.event
    scope = policy_module("scope") if event.changes else None
    for change in event.changes:
        for raw, op in (
            (change.path, "delete" if change.op != "write" else "write"),
            (change.dest, "write"),
        ):
            if not raw:
                if raw == "" and scope is not None:  # a patch part without a path (§5.3)
                    run.targets.append(scope.Target(None, op, text=UNRESOLVED_PATCH_PART))
                continue
            full = os.path.normpath(os.path.join(event.cwd, os.path.expanduser(raw)))
            if full in run.paths:
                continue
            run.paths.append(full)
            if scope is not None:
                run.targets.append(scope.Target(full, op, text=raw))


def adopt(findings: Any, check: str) -> list[Finding]:
    """Findings of the policy modules as hook findings (same fields, §6.2)."""
    adopted: list[Finding] = []
    for item in findings or ():
        adopted.append(
            Finding(
                getattr(item, "check", check) or check,
                item.rule_id,
                item.action,
                item.summary,
                getattr(item, "suggestion", "") or "",
                getattr(item, "target", "") or "",
                getattr(item, "details", None) or None,
            )
        )
    return adopted


def load_scope(
    run: CheckRun,
    root: str,
    git_dir: str | None,
    environ: Mapping[str, str],
    cache_doc: dict[str, Any] | None = None,
) -> None:
    """The active wave scope (§9.1); an unusable scope file becomes ``scope.unreadable``.

    With the hook cache (``cache_doc``): when the only scope file has exactly the text the
    validator accepted before (``scope_checked``), its content is used without importing the
    scope module; after a miss, ``run.scope_checked`` holds what to store."""
    where = _scope_sources(root, git_dir, environ)
    if where is None:
        return
    single = _single_scope_file(root, where) if cache_doc is not None else None
    if single is not None and cache_doc is not None:
        rel, text = single
        checked = cache_doc.get("scope_checked")
        if isinstance(checked, dict) and checked.get("path") == rel and checked.get("text") == text:
            try:
                doc = _jsonfast.loads(text.removeprefix("\ufeff"))
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                run.active_scope = CheckedScope(doc, rel)
                return
    scope = policy_module("scope")
    if scope is None:
        return
    try:
        run.active_scope = scope.load_active(
            root, harness=run.event.harness, environ=environ, git_dir=git_dir
        )
    except scope.ScopeUnreadable as exc:
        run.scope_unreadable = str(exc)
        return
    if run.active_scope is not None:
        run.findings.extend(adopt(getattr(run.active_scope, "diagnostics", ()), "scope"))
    if single is not None and run.active_scope is not None:
        rel, text = single
        try:
            _, notes = scope.check_file(text.encode("utf-8"), rel, root)
        except scope.ScopeUnreadable:
            return
        if not notes:
            run.scope_checked = {"path": rel, "text": text}


class CheckedScope:
    """A wave scope file whose exact text the scope module accepted on an earlier call (hook
    cache ``scope_checked``): what ``scope.ActiveScope`` offers for reading its content.
    Checks that judge paths or commands get the real ``ActiveScope`` (``full_scope``)."""

    __slots__ = ("doc", "path")
    source = "file"
    sealed = False
    tampered = False
    diagnostics: tuple[Any, ...] = ()

    def __init__(self, doc: dict[str, Any], path: str) -> None:
        self.doc = doc
        self.path = path


def full_scope(run: CheckRun) -> Any:
    """The run's active scope as a ``scope.ActiveScope`` (None when none is active)."""
    active = run.active_scope
    if isinstance(active, CheckedScope):
        scope = policy_module("scope")
        if scope is None:
            return None
        active = run.active_scope = scope.ActiveScope(active.doc, active.path, "file")
    return active


# Where a scope can come from (§9.1): mirrored here so that a call in a repository without
# any wave scope does not import the scope module at all.
_SCOPE_FILES = (".claude/wave-scope.json", ".codex/wave-scope.json", ".cursor/wave-scope.json")
# Scope files larger than this are never taken from the hook cache.
_CHECKED_MAX = 65536


def scope_may_exist(root: str, git_dir: str | None, environ: Mapping[str, str]) -> bool:
    """False only when no scope file, no seal and no ``SESSIONKIT_WAVE_SCOPE`` exist."""
    return _scope_sources(root, git_dir, environ) is not None


def _scope_sources(
    root: str, git_dir: str | None, environ: Mapping[str, str]
) -> tuple[str, ...] | None:
    """None without any scope source; () when a seal or ``SESSIONKIT_WAVE_SCOPE`` is in
    play (the scope module decides); else the scope files that exist."""
    if environ.get("SESSIONKIT_WAVE_SCOPE"):
        return ()
    if git_dir is not None and os.path.lexists(os.path.join(git_dir, "sessionkit")):
        if os.path.lexists(os.path.join(git_dir, "sessionkit", "scope-seal.json")):
            return ()
        if os.path.lexists(os.path.join(git_dir, "sessionkit", "scope-seals")):
            return ()
    found = tuple(rel for rel in _SCOPE_FILES if os.path.lexists(os.path.join(root, rel)))
    return found or None


def _single_scope_file(root: str, where: tuple[str, ...]) -> tuple[str, str] | None:
    """``(rel, text)`` when exactly one scope file exists, is small and is UTF-8."""
    if len(where) != 1:
        return None
    try:
        with open(os.path.join(root, where[0]), "rb") as handle:
            data = handle.read(_CHECKED_MAX + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return (where[0], text) if len(data) <= _CHECKED_MAX else None


def check_paths(run: CheckRun, root: str, environ: Mapping[str, str]) -> None:
    """Protected paths and wave scope on the call's write targets, in one pass (§9, §10)."""
    if not run.targets:
        return
    scope = policy_module("scope")
    if scope is None:
        return
    prime_globs()  # classify compiles the protected and allowed path patterns
    active = None if "scope" in run.disabled else full_scope(run)
    found = adopt(
        scope.classify(
            run.targets,
            active,
            root=root,
            role=run.role,
            cwd=run.event.cwd,
            protected_config=run.config.get("protected-paths"),
            environ=environ,
        ),
        "scope",
    )
    if "protected" in run.disabled:
        found = [item for item in found if not item.rule_id.startswith("protected.")]
    if active is not None:
        # ``gates.path-guard: false`` / ``bash-write-guard: false``: no scope check for edits /
        # shell writes (§9.9); protected paths still apply, with the wave counted as active.
        gate = "bash-write-guard" if run.event.tool_kind == "shell" else "path-guard"
        gates = run.config.get("enforcement-gates")
        if not active.gate(gate, gates if isinstance(gates, dict) else None):
            found = [item for item in found if not item.rule_id.startswith("scope.")]
    run.findings.extend(found)


def check_commands(run: CheckRun, analysis: Any) -> None:
    """The wave's command lists on the parsed command (§9.8)."""
    doc = getattr(run.active_scope, "doc", None)
    if not isinstance(doc, dict) or not (doc.get("blockedCommands") or "allowedCommands" in doc):
        return  # no command lists in this wave: nothing to import or match
    commands = policy_module("commands")
    if commands is None:
        return
    gates = run.config.get("enforcement-gates")
    found = commands.check(
        analysis, full_scope(run), config_gates=gates if isinstance(gates, dict) else None
    )
    run.findings.extend(adopt(found, "commands"))


def check_sanctioned(run: CheckRun, analysis: Any) -> None:
    """Sanctioned writers of control files run through the shell tool (§10.4)."""
    if not any(_may_be_sanctioned(command) for command in getattr(analysis, "commands", ())):
        return  # the common case: no protected-module import
    protected = policy_module("protected")
    if protected is None:
        return
    found = protected.check_sanctioned(
        analysis, role=run.role, wave_active=run.active_scope is not None
    )
    run.findings.extend(adopt(found, "protected"))


def _may_be_sanctioned(command: Any) -> bool:
    """A cheap superset of ``protected``'s sanctioned writers: ``sessionkit …`` or a git
    command that names ``core.hooksPath``."""
    words = [getattr(v, "text", v) for v in getattr(command, "argv", ())]
    if not words or not isinstance(words[0], str):
        return False
    program = os.path.basename(words[0])
    if program == "sessionkit":
        return True
    return program == "git" and any(
        isinstance(w, str) and w.lower() == "core.hookspath" for w in words
    )


def check_shell_weakening(run: CheckRun, root: str) -> None:
    """Shell writes and deletes of recognised gate config files (§11.3, §11.5): their new
    content cannot be checked before the command runs."""
    paths = [target.path for target in run.targets if target.path]
    if not paths:
        return
    weakening = policy_module("weakening")
    if weakening is None:
        return
    found = weakening.shell_write_findings(
        paths, config=run.config.get("config-protection"), root=root
    )
    run.findings.extend(adopt(found, "weakening"))


def check_verify(run: CheckRun, root: str) -> None:
    """Post-call write verification while a wave scope is active (§9.11): warnings only."""
    event = run.event
    if run.active_scope is None or event.git_dir is None or not event.session_id:
        return
    verify = policy_module("verify")
    if verify is None:
        return
    gates = run.config.get("enforcement-gates")
    found = verify.verify_writes(
        root,
        event.git_dir,
        event.session_id,
        full_scope(run),
        role=run.role,
        config_gates=gates if isinstance(gates, dict) else None,
    )
    run.findings.extend(without_own_records(adopt(found, "verify")))


# sessionkit's own records: every warn or block appends to the events ledger, so reporting
# them would turn each decision into a ``verify.protected-changed`` warning on the next post
# call (which records another event, and so on). Same list as the gates' own output.
OWN_RECORDS = (".orchestrator/metrics/", ".orchestrator/gates/")


def without_own_records(findings: list[Finding]) -> list[Finding]:
    """Verification findings without the paths sessionkit itself writes (§9.11, §12)."""
    kept: list[Finding] = []
    for item in findings:
        details = item.details or {}
        paths = details.get("paths")
        if not isinstance(paths, list) or not any(_own_record(p) for p in paths):
            kept.append(item)
            continue
        rest = [p for p in paths if not _own_record(p)]
        count = int(details.get("count", len(paths))) - (len(paths) - len(rest))
        if not rest or count <= 0:
            continue
        head, sep, tail = item.summary.partition(" changed since the previous check")
        what = head.split(" ", 1)[1] if " " in head else head
        reason = tail.split("): ", 1)[0] + ")" if "): " in tail else ""
        listed = ", ".join(f"`{p}`" for p in rest)
        more = f" and {count - len(rest)} more" if count > len(rest) else ""
        summary = f"{count} {what}{sep}{reason}: {listed}{more}." if sep else item.summary
        new_details = dict(details, paths=rest, count=count)
        kept.append(
            Finding(
                item.check,
                item.rule_id,
                item.action,
                summary,
                item.suggestion,
                rest[0],
                new_details,
            )
        )
    return kept


def _own_record(path: object) -> bool:
    return isinstance(path, str) and path.startswith(OWN_RECORDS)


def check_weakening(run: CheckRun, root: str) -> None:
    """Config weakening of recognised config files an edit changes (§11)."""
    weakening = policy_module("weakening")
    if weakening is None:
        return
    for full, old, new in weakening_changes(run, weakening):
        inside = full.startswith(os.path.join(root, ""))
        shown = label(os.path.relpath(full, root) if inside else full)
        if old is None:
            run.notes.append(f"weakening: `{shown}` is larger than 2 MiB; not checked")
            continue
        if new is None:
            run.notes.append(
                f"weakening: the edit of `{shown}` does not apply to the file on disk; "
                "not checked (the harness will reject it)"
            )
            continue
        found = weakening.compare(
            full, old, new, config=run.config.get("config-protection"), root=root
        )
        run.findings.extend(adopt(found, "weakening"))


def weakening_changes(
    run: CheckRun, weakening: Any
) -> Iterator[tuple[str, str | None, str | None]]:
    """``(path, old, new)`` of each edit to a config file the weakening detectors recognise:
    ``old`` None when it is over 2 MiB, ``new`` None when the edit does not apply (§11.2)."""
    after = run.event.phase == "post"  # Cursor after-file-edit: the edit is on disk already
    for change in run.event.changes:
        if change.op != "write":
            continue
        full = os.path.normpath(os.path.join(run.event.cwd, change.path))
        if not weakening.is_recognised(full):
            continue
        text = _read_text(full)
        if after:
            # (old, new) = (the content with the edits undone, the file on disk); an edit
            # that cannot be undone is reported like one that does not apply.
            before = _reverse(text, change) if text is not None else None
            yield full, text if before is None else before, None if before is None else text
        else:
            yield full, text, (_apply(text, change) if text is not None else None)


# Old content above this size is not compared (§11.2).
MAX_OLD_BYTES = 2 * 1024 * 1024


def _read_text(path: str) -> str | None:
    """The file's text; "" when it is absent or unreadable, None when over 2 MiB."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_OLD_BYTES + 1)
    except OSError:
        return ""
    if len(data) > MAX_OLD_BYTES:
        return None
    text = data.decode("utf-8", errors="replace")
    # as text mode would read it (universal newlines), which the edits are matched against
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _apply(old: str, change: Any) -> str | None:
    """The new content of a change: full content, patch hunks or string replacements applied
    (§11.2); None when they do not apply to ``old``."""
    if change.content is not None:
        return str(change.content)
    if change.hunks:
        from sessionkit.agents.patch import apply_hunks

        return apply_hunks(old, change.hunks)
    text = old
    for before, after, replace_all in change.edits:
        if not before or before not in text:
            return None
        text = text.replace(before, after) if replace_all else text.replace(before, after, 1)
    return text


def _reverse(current: str, change: Any) -> str | None:
    """The content before an applied edit: its replacements undone, last one first (§11.2);
    None when a replacement's new text is not in the file."""
    text = current
    for before, after, replace_all in reversed(change.edits):
        if not after or after not in text:
            return None
        text = text.replace(after, before) if replace_all else text.replace(after, before, 1)
    return text


def caller_role(event: HookEvent, active_scope: Any, environ: Mapping[str, str]) -> str:
    """coordinator | agent | unknown (§5.7)."""
    role = environ.get("SESSIONKIT_ROLE")
    if role in ("coordinator", "agent"):
        return role
    if event.agent_id:
        return "agent"
    doc = getattr(active_scope, "doc", None)
    if isinstance(doc, dict) and doc.get("coordinatorSessionId"):
        return "coordinator" if event.session_id == doc["coordinatorSessionId"] else "agent"
    return "unknown"
