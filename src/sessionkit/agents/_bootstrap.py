"""``sessionkit-hook`` entry point: the only code guaranteed to run (§3, §8.4, §8.5).

Standard library only at module level, no sessionkit module: when ``_wire`` or the
dispatcher cannot be imported, this module still answers in the harness's format, with the
embedded copies of the tool-name sets and answer shapes below (tests keep them equal to the
adapters' sets and to ``_wire.render``).
"""

from __future__ import annotations

import gc
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, ModuleType
    from typing import Any

# Copies of sessionkit.agents._common.SHELL_NAMES / SHELL_HINTS / EDIT_NAMES.
SHELL_NAMES = frozenset(
    {
        "bash",
        "shell",
        "terminal",
        "exec_command",
        "local_shell",
        "unified_exec",
        "run_shell_command",
    }
)
SHELL_HINTS = ("bash", "shell", "exec", "terminal")
EDIT_NAMES = frozenset(
    {
        "edit",
        "multiedit",
        "write",
        "notebookedit",
        "apply_patch",
        "strreplace",
        "delete",
        "applypatch",
    }
)
HARNESSES = {"claude": "claude", "claudecode": "claude", "codex": "codex", "codexcli": "codex"}
HARNESSES["cursor"] = "cursor"
UNIVERSAL_ANSWER = '{"permission":"allow"}\n'
CURSOR_ALLOW = '{"permission":"allow"}\n'
CURSOR_POST = "{}\n"
USAGE = (
    "usage: sessionkit-hook <harness> <event> [--fail-mode open|closed] [--root DIR]\n"
    "       sessionkit-hook --version\n"
    "harnesses: claude (pre-tool-use, post-tool-use), codex (pre-tool-use, post-tool-use),\n"
    "           cursor (pre-tool-use, before-shell-execution, after-file-edit)\n"
    "The payload is read from stdin; the answer is written to stdout in the harness's format.\n"
)
DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024
DEFAULT_DEADLINE_MS = 4000
_FIX_CLOSED = (
    "run `sessionkit doctor` or reinstall sessionkit in the environment the hook command "
    "points to; to let calls through while the problem is being fixed, start the agent with "
    "SESSIONKIT_HOOK_FAIL_MODE=open."
)
_FIX_OPEN = (
    "run `sessionkit doctor` or reinstall sessionkit in the environment the hook command points to."
)


class _Deadline(BaseException):
    pass


_state: dict[str, Any] = {"wire": None, "answered": False}


def main(argv: list[str] | None = None) -> int:
    """Run the hook; the process exit code. No exception escapes (§3.1).

    Without ``argv`` (the console script) the process ends here once the answer is out:
    interpreter teardown (module clean-up and a final garbage collection over everything the
    hook imported) would cost about as long as the checks themselves, see ``_end_process``.
    """
    # One short-lived process per tool call: cyclic garbage collection only costs time (its
    # memory is bounded by the payload limit). It stays off until the process ends here:
    # switched back on, it would run at once over every object the imports created.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        code = _run(argv)
        if argv is None:
            _end_process(code)
        return code
    finally:
        if was_enabled:
            gc.enable()


def _run(argv: list[str] | None) -> int:
    start_ns = time.perf_counter_ns()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        sys.stdout = sys.stderr  # a stray print must not corrupt the protocol (§7.4)
        return _main(args, start_ns)
    except BaseException as exc:
        try:
            return _fallback(args, "sessionkit.agents.dispatcher", exc)
        except BaseException:
            return 0
    finally:
        _disarm()


def _end_process(code: int) -> None:
    """``os._exit(code)`` after flushing the standard streams, skipping interpreter teardown.

    Only when nothing else needs the teardown: no ``atexit`` callback registered (coverage,
    logging, a caller's own) and no thread besides the main one. Every file the hook writes is
    closed by then (``with`` blocks, ``os.write`` on descriptors); the answer itself went out
    through ``os.write``. Otherwise this returns and the caller exits normally.
    """
    try:
        # Callbacks are registered through the ``atexit`` module: not imported, none waits.
        atexit = sys.modules.get("atexit")
        if atexit is not None and atexit._ncallbacks():
            return
        threading = sys.modules.get("threading")
        if threading is not None and threading.active_count() > 1:
            return
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
    except BaseException:
        return
    os._exit(code)


def _main(args: list[str], start_ns: int) -> int:
    if "--help" in args or "-h" in args:
        _write(2, USAGE)
        return 0
    if "--version" in args:
        from sessionkit._version import __version__

        _write(1, f"sessionkit-hook {__version__}\n")
        return 0
    try:
        from sessionkit.agents import _wire
    except BaseException as exc:
        _arm(_env_deadline_ms())
        return _fallback(args, "sessionkit.agents._wire", exc)
    _state["wire"] = _wire
    early = _wire.early_settings(os.environ, _cwd())
    _arm(early["deadline_ms"])
    try:
        from sessionkit.agents import dispatcher
    except BaseException as exc:
        return _fallback(args, "sessionkit.agents.dispatcher", exc)
    options = dispatcher.parse_argv(args)
    return dispatcher.run(options, start_ns=start_ns, early=early)


# --------------------------------------------------------------------------- deadline


def _signal_module() -> Any:
    """The interpreter's built-in ``_signal``: ``signal`` is the same functions plus enum
    wrappers for the constants, and ``enum`` alone costs a third of a ``python -c pass``."""
    try:
        return __import__("_signal")  # no type stubs for the built-in module
    except ImportError:  # pragma: no cover - CPython always has it
        import signal

        return signal


def _arm(deadline_ms: int) -> None:
    """Arm the process deadline (§8.5): SIGALRM on POSIX, a timer thread elsewhere."""
    try:
        signal = _signal_module()
        if hasattr(signal, "setitimer"):
            signal.signal(signal.SIGALRM, _on_deadline)
            signal.setitimer(signal.ITIMER_REAL, deadline_ms / 1000.0)
        else:  # Windows: answer from a daemon thread and end the process
            import threading

            timer = threading.Timer(deadline_ms / 1000.0, _deadline_exit)
            timer.daemon = True
            timer.start()
            _state["timer"] = timer
    except BaseException:
        pass


def _disarm() -> None:
    try:
        signal = _signal_module()
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        timer = _state.get("timer")
        if timer is not None:
            timer.cancel()
    except BaseException:
        pass


def _on_deadline(signum: int, frame: FrameType | None) -> None:
    wire = _state["wire"]
    if _state["answered"] or (wire is not None and wire.answer_claimed()):
        return
    raise wire.Deadline() if wire is not None else _Deadline()


def _deadline_exit() -> None:
    wire = _state["wire"]
    if wire is not None and not wire.claim_answer():
        return
    os._exit(0)  # the harness treats a missing answer as allow; see §8.5 (Windows only)


# --------------------------------------------------------------------------- fallback


def _fallback(args: list[str], module: str, exc: BaseException) -> int:
    """Answer on our own after an import failure or an escaped exception (§8.4)."""
    wire: ModuleType | None = _state["wire"]
    positional = [arg for arg in args if not arg.startswith("-")]
    harness = HARNESSES.get(_normalise(positional[0])) if positional else None
    event = _normalise(positional[1]) if len(positional) > 1 else "pretooluse"
    payload: Any = None
    try:
        payload = _read_payload(wire)
    except BaseException:
        payload = None
    if harness is None:
        _write(2, f"sessionkit-hook: unknown harness {positional[:1]!r}\n")
        return _answer(UNIVERSAL_ANSWER, None)
    if payload == "":
        return _answer(_allow(harness, event), None)
    kind = _tool_kind(harness, event, payload)
    if kind == "other":
        return _answer(_allow(harness, event), None)
    fail_mode = _fail_mode()
    # After the call has run (post phase) a failure can only be reported, never block (§8.2).
    post = event in ("posttooluse", "afterfileedit")
    action = "block" if fail_mode == "closed" and not post else "warn"
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    cause = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    summary = _clean(
        f"The call could not be checked: {module} failed ({cause}); fail-mode is {fail_mode}."
    )
    fix = _FIX_CLOSED if action == "block" else _FIX_OPEN
    header = "sessionkit could not check this call."
    agent = f"{header}\n[internal.import-failed] {summary} Instead: {fix}"
    icon = "⛔ sessionkit: " if action == "block" else "⚠ sessionkit: "
    user = f"{icon}[internal.import-failed] {summary}"
    user = user if len(user) <= 200 else user[:199] + "…"
    _write(2, f"sessionkit-hook: internal.import-failed: {module}: {_clean(cause)}\n")
    text = render(harness, event, action, agent, user)
    return _answer(text, agent if action == "block" else None)


def render(harness: str, event: str, action: str, agent: str, user: str) -> str:
    """Embedded copy of ``_wire.render`` for warn and block (notice form)."""
    if harness == "cursor":
        if event == "afterfileedit":
            return CURSOR_POST
        permission = "deny" if action == "block" else "allow"
        obj: dict[str, Any] = {"permission": permission, "user_message": user}
        obj["agent_message"] = agent
    else:
        name = "PostToolUse" if event == "posttooluse" else "PreToolUse"
        if action == "block" and name == "PreToolUse":
            specific: dict[str, Any] = {
                "hookEventName": name,
                "permissionDecision": "deny",
                "permissionDecisionReason": agent,
            }
        else:
            specific = {"hookEventName": name, "additionalContext": agent}
        obj = {"hookSpecificOutput": specific, "systemMessage": user}
    import json  # the fallback path: the plain standard library

    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _allow(harness: str, event: str) -> str:
    if harness != "cursor":
        return ""
    return CURSOR_POST if event == "afterfileedit" else CURSOR_ALLOW


def _tool_kind(harness: str, event: str, payload: Any) -> str:
    """shell | edit | other, from the embedded name sets; unknown input counts as shell."""
    if event == "beforeshellexecution":
        return "shell"
    if event in ("afterfileedit", "posttooluse"):
        return "edit"
    if not isinstance(payload, dict):
        return "shell"
    name = payload.get("tool_name")
    if not isinstance(name, str):
        return "shell"
    lowered = name.lower()
    if lowered in SHELL_NAMES or lowered in EDIT_NAMES:
        return "shell"
    tool_input = payload.get("tool_input")
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if isinstance(command, (str, list)) and any(hint in lowered for hint in SHELL_HINTS):
        return "shell"
    return "other"


def _read_payload(wire: ModuleType | None) -> Any:
    """The payload object, "" when empty, None when unreadable (same limits as ``_wire``)."""
    limit = _env_int("SESSIONKIT_HOOK_MAX_PAYLOAD", DEFAULT_MAX_PAYLOAD, 65536, 268435456)
    if wire is not None:
        value = wire.decode_payload(wire.read_stdin(limit), limit)
        return "" if value is None else value
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(0, min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
    text = b"".join(chunks).removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    if not text.strip():
        return ""
    import json

    value = json.loads(text)
    return value if isinstance(value, dict) else None


def _fail_mode() -> str:
    mode = os.environ.get("SESSIONKIT_HOOK_FAIL_MODE", "").strip().lower()
    if mode in ("open", "closed"):
        return mode
    try:
        directory = _cwd()
        while True:
            dot_git = os.path.join(directory, ".git")
            if os.path.isdir(dot_git):
                path = os.path.join(dot_git, "sessionkit", "hook-cache.json")
                import json

                with open(path, "rb") as handle:
                    doc = json.loads(handle.read(1 << 20))
                mode = doc["config"]["hooks"]["fail-mode"]
                return mode if mode in ("open", "closed") else "closed"
            parent = os.path.dirname(directory)
            if parent == directory:
                return "closed"
            directory = parent
    except BaseException:
        return "closed"


def _env_deadline_ms() -> int:
    return _env_int("SESSIONKIT_HOOK_DEADLINE_MS", DEFAULT_DEADLINE_MS, 100, 8000)


def _env_int(name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if low <= value <= high else default


def _normalise(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def _clean(text: str) -> str:
    """Controls and bidirectional overrides as ``\\u{XXXX}`` (copy of ``_wire.sanitise``)."""
    out = []
    for ch in text:
        code = ord(ch)
        unsafe = (
            (code < 0x20 and code not in (0x0A, 0x09))
            or code == 0x7F
            or 0x80 <= code <= 0x9F
            or 0x202A <= code <= 0x202E
            or 0x2066 <= code <= 0x2069
        )
        out.append(f"\\u{{{code:04X}}}" if unsafe else ch)
    return "".join(out)


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:
        return os.sep


def _answer(text: str, block_reason: str | None) -> int:
    wire = _state["wire"]
    if _state["answered"] or (wire is not None and not wire.claim_answer()):
        return 0
    _state["answered"] = True
    if not text:
        return 0
    if _write(1, text):
        return 0
    if block_reason is not None:
        _write(2, f"sessionkit-hook: {block_reason}\n")
        return 2
    return 0


def _write(fd: int, text: str) -> bool:
    data = memoryview(text.encode("utf-8", "replace"))
    deadline = time.monotonic() + 2.0
    while data:
        try:
            written = os.write(fd, data)
        except InterruptedError:
            continue
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
            continue
        except OSError:
            return False
        data = data[written:]
    return True
