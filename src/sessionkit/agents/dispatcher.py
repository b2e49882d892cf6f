"""One tool call: payload -> event -> checks -> the harness's answer -> decision event (§2).

Hot path: standard library, the agents modules, ``sessionkit.policy`` (guard, and the scope,
protected-path and weakening modules); ``sessionkit.config`` only on a hook-cache miss and
``sessionkit.metrics.events`` only after a non-allow answer has been written. ``record`` is
imported only by calls with findings, ``notices`` only by calls with a once-per-session
diagnostic among them (``event.ONCE_RULES``).
"""

from __future__ import annotations

import os
import sys
import time

from sessionkit import _jsonfast
from sessionkit.agents import _common, _wire, cache
from sessionkit.agents import checks as checks_mod
from sessionkit.agents.event import ONCE_RULES, Finding, HookEvent, combine

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

ADAPTERS = {
    "claude": "sessionkit.agents.claude",
    "codex": "sessionkit.agents.codex",
    "cursor": "sessionkit.agents.cursor",
}
DEFAULT_HOOKS: dict[str, Any] = {
    "fail-mode": "closed",
    "warn-as": "notice",
    "disable": [],
    "record-events": "auto",
    "deadline-ms": _wire.DEFAULT_DEADLINE_MS,
    "max-payload-bytes": _wire.DEFAULT_MAX_PAYLOAD,
}
_ENV_CHECKS = frozenset(checks_mod.CHECK_IDS)
_CONFIG_CHECKS = frozenset({"commands", "weakening", "verify"})
_DOCTOR_FIX = (
    "run `sessionkit doctor`; to let calls through while the problem is being fixed, "
    "start the agent with SESSIONKIT_HOOK_FAIL_MODE=open."
)


def adapter(harness: str) -> Any:
    """The adapter module of ``harness`` (registry of §3.3; see ``_types.Adapter``)."""
    name = ADAPTERS[harness]
    __import__(name)  # not importlib: its import costs more than an adapter's
    return sys.modules[name]


class Options:
    """The command line, parsed by hand (§3.2): never a usage error."""

    __slots__ = ("event", "fail_mode", "harness", "problems", "root")

    def __init__(self) -> None:
        self.harness: str | None = None
        self.event: str | None = None
        self.fail_mode: str | None = None
        self.root: str | None = None
        self.problems: list[str] = []


def parse_argv(argv: list[str]) -> Options:
    """Harness, event, ``--fail-mode``, ``--root``; anything else is listed as a problem."""
    options = Options()
    positional: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        value: str | None = None
        name = arg
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
        if name in ("--fail-mode", "--root"):
            if value is None and index + 1 < len(argv):
                index += 1
                value = argv[index]
            if name == "--fail-mode":
                options.fail_mode = _wire.fail_mode_setting(value)
                if options.fail_mode is None:
                    options.problems.append(f"--fail-mode {value!r} is not open or closed")
            elif value and os.path.isdir(value):
                options.root = os.path.abspath(value)
            else:
                options.problems.append(f"--root {value!r} is not a directory")
        elif arg.startswith("-"):
            options.problems.append(f"unknown option {arg!r}")
        else:
            positional.append(arg)
        index += 1
    options.harness = positional[0] if positional else None
    options.event = positional[1] if len(positional) > 1 else None
    if len(positional) > 2:
        options.problems.append(f"extra arguments {positional[2:]!r}")
    return options


class Outcome:
    """The answer of one call and what is needed to record it afterwards."""

    __slots__ = ("block_reason", "records", "text")

    def __init__(self, text: str, block_reason: str | None = None) -> None:
        self.text = text
        self.block_reason = block_reason
        # (root, event name, payload, envelope) per event to append after the answer.
        self.records: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []


class Call:
    """What is known about the call so far; the deadline and crash paths answer from it."""

    __slots__ = (
        "cache_doc",
        "cache_path",
        "config",
        "cwd",
        "diag",
        "environ",
        "event",
        "fail_mode",
        "harness",
        "hook_event",
        "hooks",
        "options",
        "probe",
        "root",
        "start_ns",
        "tool_kind",
    )

    def __init__(
        self,
        options: Options,
        environ: Mapping[str, str],
        cwd: str,
        diag: _wire.Diagnostics,
        start_ns: int,
    ) -> None:
        self.options = options
        self.environ = environ
        self.cwd = cwd
        self.diag = diag
        self.start_ns = start_ns
        self.harness: str | None = _wire.harness_name(options.harness)
        self.event: str | None = (
            _wire.event_name(self.harness, options.event) if self.harness else None
        )
        self.hook_event: HookEvent | None = None
        self.tool_kind = "unknown"
        # ``sessionkit hook explain``: called with the CheckRun before the findings are
        # combined; once-per-session notices are then neither filtered nor remembered.
        self.probe: Any = None
        self.root: str | None = None
        self.hooks: dict[str, Any] = dict(DEFAULT_HOOKS)
        self.config: dict[str, Any] = {}
        self.cache_doc: dict[str, Any] | None = None
        self.cache_path: str | None = None
        self.fail_mode = (
            _wire.fail_mode_setting(environ.get("SESSIONKIT_HOOK_FAIL_MODE"))
            or options.fail_mode
            or "closed"
        )

    def elapsed_ms(self) -> float:
        return (time.perf_counter_ns() - self.start_ns) / 1e6

    def trace(self, step: str) -> None:
        """One timed stderr line per step with ``SESSIONKIT_HOOK_DEBUG=1``."""
        if self.diag.debug:
            self.diag.line(f"{self.elapsed_ms():8.1f} ms  {step}")


# --------------------------------------------------------------------------- entry points


def run(
    options: Options,
    *,
    environ: Mapping[str, str] | None = None,
    start_ns: int | None = None,
    early: dict[str, Any] | None = None,
) -> int:
    """Read stdin, decide, write the one answer, record the decision; the exit code."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    diag = _wire.Diagnostics(env.get("SESSIONKIT_HOOK_DEBUG") == "1")
    cwd = _common.fallback_cwd()
    call = Call(options, env, cwd, diag, start_ns or time.perf_counter_ns())
    settings = early if early is not None else _wire.early_settings(env, cwd)
    if settings.get("fail_mode") and not env.get("SESSIONKIT_HOOK_FAIL_MODE"):
        call.fail_mode = options.fail_mode or settings["fail_mode"]
    try:
        try:
            raw = _wire.read_stdin(settings["max_payload"])
        except _wire.PayloadError as exc:
            outcome = failure(call, exc.rule_id, exc.cause)
        except _wire.Deadline:
            outcome = failure(
                call,
                "internal.payload-timeout",
                f"stdin was still open after {call.elapsed_ms():.0f} ms",
            )
        else:
            call.trace(f"payload read ({len(raw)} bytes)")
            outcome = decide(call, raw, settings["max_payload"])
    except _wire.Deadline:
        outcome = failure(
            call, "internal.deadline", f"the checks took longer than {call.elapsed_ms():.0f} ms"
        )
    except Exception as exc:
        outcome = failure(call, "internal.check-error", _exception_text(exc))
    return finish(call, outcome)


def run_payload(
    harness: str,
    event: str,
    payload_bytes: bytes,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    record_events: bool = True,
) -> tuple[str, int]:
    """Decide one payload in process, as the hook would (``unusual.run_payload``)."""
    from sessionkit.agents import unusual

    return unusual.run_payload(
        harness, event, payload_bytes, env=env, cwd=cwd, record_events=record_events
    )


def finish(call: Call, outcome: Outcome) -> int:
    """Write the answer (once per process), then record the decision (best effort)."""
    if not _wire.claim_answer():
        return 0
    code = _wire.emit_answer(outcome.text, outcome.block_reason)
    call.trace(f"answer written (exit {code})")
    for root, name, payload, envelope in outcome.records:
        try:
            emit_record(root, name, payload, envelope, call.diag.line)
        except BaseException:  # the answer is out; nothing may change the exit code
            call.diag.line("decision event not recorded")
    if outcome.records:
        call.trace(f"{len(outcome.records)} event(s) recorded")
    return code


# --------------------------------------------------------------------------- deciding


def decide(call: Call, raw: bytes, max_payload: int) -> Outcome:
    """The answer to one payload (everything between reading stdin and writing stdout)."""
    try:
        payload = _wire.decode_payload(raw, max_payload)
    except _wire.PayloadError as exc:
        return failure(call, exc.rule_id, exc.cause)
    if payload is None:
        call.diag.line(_wire.EMPTY_PAYLOAD_NOTE)
        return Outcome(_allow_text(call))
    findings: list[Finding] = []
    problems = list(call.options.problems)
    payload_harness = _wire.infer_harness(payload)
    if call.harness is None:
        if payload_harness is None:
            call.diag.line(f"unknown harness {call.options.harness!r} and none inferable")
            return Outcome(_wire.UNIVERSAL_ANSWER)
        problems.insert(
            0,
            f"harness {call.options.harness!r} is unknown"
            if call.options.harness
            else "the harness argument is missing",
        )
        call.harness = payload_harness
        call.event = _wire.event_name(payload_harness, call.options.event)
    mismatch = payload_harness is not None and (payload_harness == "cursor") != (
        call.harness == "cursor"
    )
    parse_harness = payload_harness if mismatch and payload_harness else call.harness
    if call.event is None:
        problems.append(
            f"event {call.options.event!r} is unknown for {call.harness}"
            if call.options.event
            else "the event argument is missing"
        )
        call.event = _wire.infer_event(call.harness, payload)
    parse_event = _wire.infer_event(parse_harness, payload) if mismatch else call.event
    event = adapter(parse_harness).parse(payload, parse_event)
    event.harness, event.event = call.harness, call.event
    event.phase = "post" if call.event in ("post-tool-use", "after-file-edit") else "pre"
    call.hook_event = event
    call.tool_kind = event.tool_kind
    call.trace(f"event {call.harness} {call.event} {event.tool_kind} {event.tool_name!r}")
    if problems:
        from sessionkit.agents import unusual

        findings.append(unusual.misconfigured(call, problems))
    if mismatch:
        findings.append(
            Finding(
                "hook",
                "hook.harness-mismatch",
                "warn",
                f"This {parse_harness} payload reached a hook installed for {call.harness}.",
                f"Install the hook for {parse_harness} with `sessionkit install {parse_harness}`.",
                "hook",
            )
        )
    disabled = _env_disabled(call.environ)
    if "all" in disabled:
        return Outcome(_allow_text(call))
    _locate(call, event)
    findings.extend(_load_hooks(call, event))
    call.trace(f"root {event.root}, configuration loaded")
    disabled |= _config_disabled(call.hooks)
    return _judge(call, event, findings, disabled)


def _judge(
    call: Call, event: HookEvent, findings: list[Finding], disabled: frozenset[str]
) -> Outcome:
    run = checks_mod.CheckRun(event, disabled, call.config)
    run.findings.extend(findings)
    root = event.root or event.cwd
    # Post phase: Cursor's afterFileEdit repeats the edit checks (report only); after shell
    # calls of Claude Code and Codex, write verification runs while a scope is active (§9.11).
    checked = event.phase == "pre" or event.event == "after-file-edit"
    if event.tool_kind in ("shell", "edit") and checked:
        _run_checks(call, run, root)
    elif event.tool_kind == "shell" and "verify" not in run.disabled:
        _run_verify(call, run, root)
    for note in run.notes:
        call.diag.line(note)
    call.trace(f"checks done ({len(run.findings)} findings)")
    if call.cache_doc is not None and call.cache_path is not None:
        persist_patterns(call.cache_doc, call.cache_path, run.scope_checked)
    if call.probe is None:
        if any(item.rule_id in ONCE_RULES for item in run.findings):  # else nothing to filter
            if _can_show(event):
                from sessionkit.agents import notices

                notices.filter_shown(run.findings, event.session_id, event.git_dir)
            else:
                # Cursor answers read-type calls and afterFileEdit without any message: a
                # once-per-session notice is kept for the next answer that can show it.
                run.findings[:] = [f for f in run.findings if f.rule_id not in ONCE_RULES]
    else:
        call.probe(run)
    action, shown = combine(run.findings)
    if event.phase == "post" and action == "block":
        for item in shown:
            item.action = "warn" if item.action == "block" else item.action
        action = "warn"
    outcome = Outcome(_allow_text(call)) if action == "allow" else _answer(call, action, shown, run)
    _attach_overrides(call, outcome, run)
    return outcome


def _can_show(event: HookEvent) -> bool:
    """Whether the rendered answer carries messages (§7.3: Cursor's explicit allow and ``{}``
    do not)."""
    if event.harness != "cursor":
        return True
    return event.event != "after-file-edit" and event.tool_kind in ("shell", "edit")


def _attach_overrides(call: Call, outcome: Outcome, run: checks_mod.CheckRun) -> None:
    """``sessionkit.guard.override.applied`` for every finding an override lowered (§12)."""
    if not run.overrides or call.root is None:
        return
    if not should_record(call.root, call.environ, str(call.hooks.get("record-events", "auto"))):
        return
    event = run.event
    digest = command_sha256(event.command or "")
    for override_id, rule in run.overrides:
        payload = {"override_id": override_id, "rule": rule, "command_sha256": digest}
        if event.session_id:
            payload["session"] = event.session_id
        envelope = {
            "harness_session_id": event.session_id,
            "agent_id": event.agent_id,
            "platform": call.harness,
            "source": "sessionkit-hook",
        }
        outcome.records.append((call.root, OVERRIDE_EVENT, payload, envelope))


def _run_checks(call: Call, run: checks_mod.CheckRun, root: str) -> None:
    event = run.event
    if event.notes and (event.tool_kind == "edit" or event.command is None):
        from sessionkit.agents import unusual

        run.findings.append(unusual.unrecognised(event))
    shell = event.tool_kind == "shell" and event.command is not None and event.phase == "pre"
    analysis: Any = None
    if shell:
        # One parse serves the guard, the write targets and the command lists; with the
        # guard disabled its verdict is simply not reported.
        report = "destructive" not in run.disabled
        analysis = _guarded(call, run, "destructive", lambda: checks_mod.destructive(run, report))
        if analysis is not None:
            _guarded(call, run, "scope", lambda: checks_mod.shell_targets(run, analysis))
    _guarded(call, run, "scope", lambda: checks_mod.edit_targets(run))
    # Every shell and edit call in a repository with a wave scope reads it: an unusable scope
    # file must be reported even for commands that write nothing (§8.3). Without any scope
    # file or seal, the scope module is not imported at all (``checks.scope_may_exist``).
    _guarded(
        call,
        run,
        "scope",
        lambda: checks_mod.load_scope(run, root, event.git_dir, call.environ, call.cache_doc),
    )
    run.role = checks_mod.caller_role(event, run.active_scope, call.environ)
    if run.scope_unreadable is not None and "scope" not in run.disabled:
        from sessionkit.agents import unusual

        run.findings.append(unusual.scope_unreadable(call, run, root))
    _guarded(call, run, "protected", lambda: checks_mod.check_paths(run, root, call.environ))
    if analysis is not None and "protected" not in run.disabled:
        _guarded(call, run, "protected", lambda: checks_mod.check_sanctioned(run, analysis))
    if analysis is not None and "commands" not in run.disabled:
        _guarded(call, run, "commands", lambda: checks_mod.check_commands(run, analysis))
    if "weakening" not in run.disabled and event.changes:
        _guarded(call, run, "weakening", lambda: checks_mod.check_weakening(run, root))
    if "weakening" not in run.disabled and analysis is not None and run.targets:
        _guarded(call, run, "weakening", lambda: checks_mod.check_shell_weakening(run, root))


def _run_verify(call: Call, run: checks_mod.CheckRun, root: str) -> None:
    event = run.event
    _guarded(
        call,
        run,
        "verify",
        lambda: checks_mod.load_scope(run, root, event.git_dir, call.environ, call.cache_doc),
    )
    run.role = checks_mod.caller_role(event, run.active_scope, call.environ)
    _guarded(call, run, "verify", lambda: checks_mod.check_verify(run, root))


def _guarded(call: Call, run: checks_mod.CheckRun, check: str, body: Any) -> Any:
    """Run one check; an exception becomes ``internal.check-error`` (§6.1)."""
    try:
        return body()
    except Exception as exc:
        from sessionkit.agents import unusual

        run.findings.append(unusual.check_error(call, run, check, exc))
        return None


def _answer(call: Call, action: str, shown: list[Finding], run: checks_mod.CheckRun) -> Outcome:
    event = run.event
    assert call.harness is not None and call.event is not None
    warn_as = str(call.hooks.get("warn-as", "notice"))
    context = _scope_context(run.active_scope)
    agent = _wire.agent_text(shown, context)
    user = _wire.user_line(shown)
    text = _wire.render(
        call.harness, call.event, action, agent, user, warn_as=warn_as, tool_kind=event.tool_kind
    )
    if call.harness == "cursor" and call.event == "after-file-edit":
        call.diag.line(user)
    outcome = Outcome(text, agent if action == "block" else None)
    recorded = _wire.rendered_action(call.harness, action, warn_as, event.phase)
    _attach_record(call, outcome, recorded, shown, run)
    return outcome


def _scope_context(active: Any) -> str | None:
    doc = getattr(active, "doc", None)
    if not isinstance(doc, dict):
        return None
    parts = []
    if doc.get("wave") is not None:
        parts.append(f"wave {_wire.sanitise(str(doc['wave']))}")
    if doc.get("role"):
        parts.append(f"role {_wire.sanitise(str(doc['role']))}")
    parts.append(f"enforcement {_wire.sanitise(str(doc.get('enforcement', 'strict')))}")
    return ", ".join(parts)


def _attach_record(
    call: Call,
    outcome: Outcome,
    action: str,
    shown: list[Finding],
    run: checks_mod.CheckRun | None,
) -> None:
    root = call.root or _wire.find_git_dir(call.cwd)[0]
    record_setting = str(call.hooks.get("record-events", "auto"))
    if not should_record(root, call.environ, record_setting):
        return
    assert root is not None
    event = call.hook_event
    doc = getattr(run.active_scope, "doc", None) if run else None
    doc = doc if isinstance(doc, dict) else {}
    paths = [_relative(path, root) for path in (run.paths if run else [])]
    payload = build_payload(
        event,
        hook_event=call.event or "pre-tool-use",
        action=action,
        findings=shown,
        caller_role=run.role if run else "unknown",
        fail_mode=call.fail_mode,
        duration_ms=call.elapsed_ms(),
        paths=paths,
        scope_role=doc.get("role") if isinstance(doc.get("role"), str) else None,
        enforcement=doc.get("enforcement") if isinstance(doc.get("enforcement"), str) else None,
    )
    wave = doc.get("wave")
    envelope = {
        "harness_session_id": event.session_id if event else None,
        "agent_id": event.agent_id if event else None,
        "wave": wave if isinstance(wave, int) and not isinstance(wave, bool) else None,
        "platform": call.harness,
        "source": "sessionkit-hook",
        "session_id": doc.get("session") if isinstance(doc.get("session"), str) else None,
    }
    outcome.records.append((root, EVENT_NAME, payload, envelope))


def _relative(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


# --------------------------------------------------------------------------- failures


def failure(call: Call, rule_id: str, cause: str) -> Outcome:
    """The fail-mode answer for an ``internal.*`` problem (§8.2-§8.3)."""
    harness = call.harness
    if harness is None:
        call.diag.line(f"{rule_id}: {cause} (harness {call.options.harness!r} unknown)")
        return Outcome(_wire.UNIVERSAL_ANSWER)
    event = call.event or HARNESS_DEFAULT_EVENT[harness]
    kind = call.tool_kind
    if kind in ("read", "agent", "mcp", "other"):
        return Outcome(_allow_text(call))
    # A post-phase answer cannot stop a call that has already run: it is a warning whatever
    # the fail mode (§8.2), so it never renders the block icon nor exits 2 on a closed stdout.
    closed = call.fail_mode == "closed" and event not in POST_EVENTS
    action = "block" if closed else "warn"
    if rule_id.startswith("internal.payload"):
        summary = f"The input could not be read ({cause}); fail-mode is {call.fail_mode}."
    else:
        summary = f"The call could not be checked ({cause}); fail-mode is {call.fail_mode}."
    fix = _DOCTOR_FIX if closed else "run `sessionkit doctor` to find and fix the cause."
    if rule_id == "internal.payload-too-large":
        fix = "raise SESSIONKIT_HOOK_MAX_PAYLOAD (bytes, up to 268435456), or " + fix
    finding = Finding("internal", rule_id, action, _wire.sanitise(summary), fix, rule_id)
    call.diag.line(f"{rule_id}: {cause}")
    agent = _wire.agent_text([finding])
    user = _wire.user_line([finding])
    text = _wire.render(harness, event, action, agent, user, tool_kind="shell")
    outcome = Outcome(text, agent if action == "block" else None)
    try:
        _attach_record(call, outcome, action, [finding], None)
    except Exception as exc:
        call.diag.line(f"decision event not prepared: {_exception_text(exc)}")
    return outcome


POST_EVENTS = ("post-tool-use", "after-file-edit")
HARNESS_DEFAULT_EVENT = {
    "claude": "pre-tool-use",
    "codex": "pre-tool-use",
    "cursor": "pre-tool-use",
}


def _exception_text(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return _wire.sanitise(text[:300])


def _allow_text(call: Call) -> str:
    harness = call.harness
    if harness is None:
        return _wire.UNIVERSAL_ANSWER
    return _wire.render(harness, call.event or "pre-tool-use", "allow")


# --------------------------------------------------------------------------- setup


def _locate(call: Call, event: HookEvent) -> None:
    """Root and git directory of the call (§5.5)."""
    override = call.options.root or call.environ.get("SESSIONKIT_HOOK_ROOT")
    if override and os.path.isdir(override):
        root = os.path.abspath(override)
        found_root, git_dir = _wire.find_git_dir(root)
        event.root, event.git_dir = root, git_dir if found_root == root else None
    else:
        found_root, git_dir = _wire.find_git_dir(event.cwd)
        event.root = found_root or event.cwd
        event.git_dir = git_dir
    call.root = event.root


def _env_disabled(environ: Mapping[str, str]) -> frozenset[str]:
    raw = environ.get("SESSIONKIT_HOOK_DISABLE", "")
    names = {part.strip().lower() for part in raw.split(",") if part.strip()}
    return frozenset(name for name in names if name in _ENV_CHECKS or name == "all")


def _config_disabled(hooks: dict[str, Any]) -> frozenset[str]:
    raw = hooks.get("disable")
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(name for name in raw if name in _CONFIG_CHECKS)


def _load_hooks(call: Call, event: HookEvent) -> list[Finding]:
    """``hooks.*`` from the hook cache, or from ``load_config`` on a miss (§13)."""
    root = event.root or event.cwd
    use_cache = call.environ.get("SESSIONKIT_HOOK_NO_CACHE") != "1"
    path = cache.cache_path(root, event.git_dir)
    doc = cache.read(path, root) if use_cache else None
    if doc is None:
        from sessionkit.agents import unusual

        doc = unusual.refresh(call, root, path, use_cache)
    if doc is not None and use_cache:
        call.cache_doc, call.cache_path = doc, path
        primed_patterns(doc)
    hooks = doc.get("config", {}).get("hooks") if doc else None
    if isinstance(hooks, dict):
        call.hooks.update(hooks)
    if doc:
        call.config = {k: v for k, v in doc["config"].items() if k != "hooks"}
    if not call.environ.get("SESSIONKIT_HOOK_FAIL_MODE") and not call.options.fail_mode:
        call.fail_mode = _wire.fail_mode_setting(call.hooks.get("fail-mode")) or "closed"
    if doc and doc.get("config_status") == "invalid":
        call.config.pop("guard", None)  # the guard judges an invalid configuration itself
        from sessionkit.agents import unusual

        return [unusual.config_invalid(doc)]
    return []


def primed_patterns(doc: dict[str, Any]) -> None:
    """Seed the glob compiler's memo from the cache, so no ``pathspec`` import on a hit.

    The glob module itself is loaded only by a check that judges paths; until then the
    cached lists wait in ``checks.PENDING_PATTERNS`` (a blocked command without write
    targets imports neither ``globs`` nor ``pathspec``)."""
    stored = doc.get("scope_patterns")
    if isinstance(stored, dict) and stored:
        checks_mod.PENDING_PATTERNS.append(stored)
        if checks_mod.GLOBS in sys.modules:
            checks_mod.prime_globs()


def persist_patterns(
    doc: dict[str, Any], path: str, scope_checked: dict[str, str] | None = None
) -> None:
    """Store newly compiled patterns (at most 32 lists, §13.3) and a newly validated scope
    file text (``checks.load_scope``) in the hook cache."""
    changed = scope_checked is not None and doc.get("scope_checked") != scope_checked
    if changed:
        doc["scope_checked"] = scope_checked
    memo = getattr(sys.modules.get(checks_mod.GLOBS), "_compiled", None)
    # without the glob module loaded nothing was compiled
    fresh = [key for key in memo if key not in checks_mod.PRIMED] if isinstance(memo, dict) else []
    if not fresh:
        if changed:
            cache.write(path, doc)
        return
    import hashlib  # only when patterns were compiled in this process

    assert isinstance(memo, dict)
    stored = doc.get("scope_patterns")
    stored = dict(stored) if isinstance(stored, dict) else {}
    for key in fresh:
        digest = hashlib.sha256(_jsonfast.dumps(list(key)).encode()).hexdigest()
        if digest not in stored:
            stored[digest] = {"entries": list(key), "compiled": [list(p) for p in memo[key]]}
            changed = True
    if not changed:
        return
    while len(stored) > 32:
        stored.pop(next(iter(stored)))
    doc["scope_patterns"] = stored
    cache.write(path, doc)


# --------------------------------------------------------------------------- decision events

# The ``sessionkit.guard.decision`` event of a non-allow answer (§12). Standard library only;
# ``sessionkit.metrics.events`` is imported only when a record is written, after the answer.
# Recording never raises and never changes the answer.

EVENT_NAME = "sessionkit.guard.decision"
OVERRIDE_EVENT = "sessionkit.guard.override.applied"
MAX_FINDINGS = 50
MAX_PATHS = 20


def command_sha256(command: str) -> str:
    """First 16 hex digits of the command's SHA-256: the raw command is never recorded."""
    digest: str = _sha256(command.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


def _sha256(data: bytes) -> Any:
    """SHA-256 from the interpreter's built-in module when there is one (about 1 ms to import)
    rather than ``hashlib``, which loads OpenSSL (about 4 ms), after the answer is out."""
    for name in ("_sha256", "_sha2"):  # CPython <= 3.11, >= 3.12
        try:
            return __import__(name).sha256(data)
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256(data)


def build_payload(
    event: HookEvent | None,
    *,
    hook_event: str,
    action: str,
    findings: list[Finding],
    caller_role: str,
    fail_mode: str,
    duration_ms: float,
    paths: list[str] | None = None,
    scope_role: str | None = None,
    enforcement: str | None = None,
) -> dict[str, Any]:
    """The event payload (registered schema of ``sessionkit.guard.decision``)."""
    payload: dict[str, Any] = {
        "hook_event": hook_event,
        "phase": "post" if hook_event in ("post-tool-use", "after-file-edit") else "pre",
        "action": action,
        "tool_name": (event.tool_name if event else None) or "",
        "tool_kind": event.tool_kind if event else "other",
        "caller_role": caller_role,
        "findings": [_finding_record(item) for item in findings[:MAX_FINDINGS]],
        "fail_mode": fail_mode,
        "degraded": any(item.rule_id.startswith("internal.") for item in findings),
        "duration_ms": round(duration_ms, 1),
    }
    if event is not None and event.agent_type:
        payload["agent_type"] = event.agent_type
    if event is not None and event.command is not None:
        payload["command_sha256"] = command_sha256(event.command)
    if paths:
        payload["paths"] = paths[:MAX_PATHS]
    if scope_role:
        payload["role"] = scope_role
    if enforcement:
        payload["enforcement"] = enforcement
    return payload


def _finding_record(item: Finding) -> dict[str, Any]:
    record: dict[str, Any] = {
        "check": item.check,
        "rule_id": item.rule_id,
        "action": item.action,
        "target": item.target,
    }
    if item.details:
        record["details"] = item.details
    return record


def should_record(root: str | None, environ: Mapping[str, str], record_events: str) -> bool:
    """Events only in repositories set up for sessionkit, unless configured otherwise (§12)."""
    if root is None or record_events == "never" or environ.get("SESSIONKIT_NO_METRICS") == "1":
        return False
    if record_events == "always" or environ.get("SESSIONKIT_METRICS_DIR"):
        return True
    return os.path.isdir(os.path.join(root, ".orchestrator"))


def emit_record(
    root: str,
    name: str,
    payload: dict[str, Any],
    envelope: dict[str, Any],
    on_error: Callable[[str], None],
) -> None:
    """Append the event through the metrics store's stdlib writer; failures go to stderr."""
    try:
        from sessionkit.metrics.events import emit_event

        clean = {key: value for key, value in envelope.items() if value is not None}
        outcome = emit_event(root, name, payload, **clean)
        if outcome.get("action") == "failed":
            on_error(f"decision event not recorded: {outcome.get('error', 'unknown error')}")
    except Exception as exc:  # recording must never change or delay the answer
        on_error(f"decision event not recorded: {type(exc).__name__}: {exc}")
