"""Wire format of ``sessionkit-hook``: names, payload reading, messages, answers (§3-§7).

Hot path: standard library only (JSON through ``sessionkit._jsonfast``, which is ``json``'s
own C scanner and encoder without the ``re`` import). The bootstrap's fallback answers and the normal answers are
rendered by the same functions here, so a failure path cannot drift from the protocol.
"""

from __future__ import annotations

import _thread
import os
import time

from sessionkit import _jsonfast

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from sessionkit.agents.event import Finding

HARNESS_ALIASES = {
    "claude": "claude",
    "claudecode": "claude",
    "codex": "codex",
    "codexcli": "codex",
    "cursor": "cursor",
}
EVENT_ALIASES = {
    "pretooluse": "pre-tool-use",
    "posttooluse": "post-tool-use",
    "beforeshellexecution": "before-shell-execution",
    "afterfileedit": "after-file-edit",
}
HARNESS_EVENTS = {
    "claude": ("pre-tool-use", "post-tool-use"),
    "codex": ("pre-tool-use", "post-tool-use"),
    "cursor": ("pre-tool-use", "before-shell-execution", "after-file-edit"),
}
HARNESS_EVENT_NAMES = {
    "pre-tool-use": "PreToolUse",
    "post-tool-use": "PostToolUse",
}

DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024
MIN_MAX_PAYLOAD = 64 * 1024
MAX_MAX_PAYLOAD = 256 * 1024 * 1024
DEFAULT_DEADLINE_MS = 4000
MIN_DEADLINE_MS = 100
MAX_DEADLINE_MS = 8000

AGENT_TEXT_MAX_CHARS = 16_000
AGENT_TEXT_MAX_BYTES = 48_000
USER_LINE_MAX = 200
MAX_LISTED_FINDINGS = 20
LABEL_MAX = 120
STDERR_MAX_LINES = 20

UNIVERSAL_ANSWER = '{"permission":"allow"}\n'
EMPTY_PAYLOAD_NOTE = "empty payload, nothing to check"


class Deadline(BaseException):
    """Raised in the main thread when the process deadline fires (§8.5)."""


class PayloadError(Exception):
    """The payload could not be read: ``rule_id`` is one of the ``internal.payload-*`` ids."""

    def __init__(self, rule_id: str, cause: str) -> None:
        super().__init__(cause)
        self.rule_id = rule_id
        self.cause = cause


# --------------------------------------------------------------------------- names


def normalise_name(name: str) -> str:
    """Lower-case, without ``-``, ``_`` and spaces: ``PreToolUse`` == ``pre_tool_use``."""
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def harness_name(name: str | None) -> str | None:
    """The canonical harness for an argv name, or None when unknown."""
    return HARNESS_ALIASES.get(normalise_name(name)) if name else None


def event_name(harness: str, name: str | None) -> str | None:
    """The canonical event of ``harness`` for an argv name, or None when unknown."""
    if not name:
        return None
    canonical = EVENT_ALIASES.get(normalise_name(name))
    return canonical if canonical in HARNESS_EVENTS[harness] else None


def infer_harness(payload: dict[str, Any]) -> str | None:
    """The harness a payload's shape belongs to (§5.6), or None."""
    hook_event = payload.get("hook_event_name")
    hook_event = hook_event if isinstance(hook_event, str) else ""
    if (
        "conversation_id" in payload
        or "workspace_roots" in payload
        or "cursor_version" in payload
        or hook_event[:1].islower()
    ):
        return "cursor"
    pascal = hook_event[:1].isupper()
    if (pascal and ("turn_id" in payload or "model" in payload)) or payload.get(
        "tool_name"
    ) == "apply_patch":
        return "codex"
    if pascal and "transcript_path" in payload:
        return "claude"
    return None


def infer_event(harness: str, payload: dict[str, Any]) -> str:
    """The canonical event named by the payload, else pre/post from its fields (§5.6)."""
    named = payload.get("hook_event_name")
    if isinstance(named, str):
        canonical = event_name(harness, named)
        if canonical:
            return canonical
    if "tool_response" in payload or "tool_output" in payload:
        return "after-file-edit" if harness == "cursor" else "post-tool-use"
    return "pre-tool-use"


# --------------------------------------------------------------------------- settings


def int_setting(raw: object, default: int, low: int, high: int) -> int:
    """An integer setting in ``[low, high]``; anything else gives ``default``."""
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def fail_mode_setting(raw: object) -> str | None:
    """``open`` or ``closed`` from a setting value, else None."""
    if isinstance(raw, str) and raw.strip().lower() in ("open", "closed"):
        return raw.strip().lower()
    return None


def find_git_dir(start: str) -> tuple[str | None, str | None]:
    """(worktree root, per-worktree git dir) of the nearest ancestor holding ``.git`` (§5.5)."""
    current = os.path.abspath(start)
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.isdir(dot_git):
            return current, dot_git
        if os.path.isfile(dot_git):
            return current, _gitdir_from_file(current, dot_git)
        parent = os.path.dirname(current)
        if parent == current:
            return None, None
        current = parent


def _gitdir_from_file(root: str, dot_git: str) -> str | None:
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as handle:
            line = handle.readline(4096).strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    target = line[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(root, target)) if target else None


def early_settings(environ: Mapping[str, str], cwd: str) -> dict[str, Any]:
    """Fail mode, payload limit and deadline before the payload is read (§3.4)."""
    cached: dict[str, Any] = {}
    if environ.get("SESSIONKIT_HOOK_NO_CACHE") != "1":
        cached = _cached_hooks(cwd)
    return {
        "fail_mode": fail_mode_setting(environ.get("SESSIONKIT_HOOK_FAIL_MODE"))
        or fail_mode_setting(cached.get("fail-mode")),
        "max_payload": int_setting(
            environ.get("SESSIONKIT_HOOK_MAX_PAYLOAD", cached.get("max-payload-bytes")),
            DEFAULT_MAX_PAYLOAD,
            MIN_MAX_PAYLOAD,
            MAX_MAX_PAYLOAD,
        ),
        "deadline_ms": int_setting(
            environ.get("SESSIONKIT_HOOK_DEADLINE_MS", cached.get("deadline-ms")),
            DEFAULT_DEADLINE_MS,
            MIN_DEADLINE_MS,
            MAX_DEADLINE_MS,
        ),
    }


def _cached_hooks(cwd: str) -> dict[str, Any]:
    """``config.hooks`` from the hook cache of ``cwd``'s repository; ``{}`` on any problem."""
    try:
        _root, git_dir = find_git_dir(cwd)
        if git_dir is None:
            return {}
        with open(os.path.join(git_dir, "sessionkit", "hook-cache.json"), "rb") as handle:
            doc = _jsonfast.loads(handle.read(1 << 20))
        if not isinstance(doc, dict) or doc.get("format") != 1:
            return {}
        hooks = doc.get("config", {}).get("hooks", {})
        return hooks if isinstance(hooks, dict) else {}
    except Exception:
        return {}


# --------------------------------------------------------------------------- payload


def read_stdin(max_payload: int, fd: int = 0) -> bytes:
    """At most ``max_payload`` bytes of stdin; more raises ``internal.payload-too-large``."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(1 << 20, max_payload + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_payload:
            raise PayloadError(
                "internal.payload-too-large",
                f"the payload is larger than {max_payload} bytes",
            )


def decode_payload(raw: bytes, max_payload: int = DEFAULT_MAX_PAYLOAD) -> dict[str, Any] | None:
    """The payload object, or None for an empty payload; raises ``PayloadError`` (§4)."""
    if len(raw) > max_payload:
        raise PayloadError(
            "internal.payload-too-large", f"the payload is larger than {max_payload} bytes"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(
            "internal.payload-malformed", f"the payload is not valid UTF-8 (byte {exc.start})"
        ) from None
    if not text.strip():
        return None
    try:
        value = _jsonfast.loads(text)
    except (ValueError, RecursionError) as exc:
        kind = "nested too deeply" if isinstance(exc, RecursionError) else "not valid JSON"
        raise PayloadError(
            "internal.payload-malformed",
            f"the payload is {kind}: {quote(text[:120])}",
        ) from None
    if not isinstance(value, dict):
        raise PayloadError(
            "internal.payload-malformed",
            f"the payload is a JSON {type(value).__name__}, not an object: {quote(text[:120])}",
        )
    return value


# --------------------------------------------------------------------------- sanitising

_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def _unsafe(code: int) -> bool:
    return (
        (code < 0x20 and code not in (0x0A, 0x09))
        or code == 0x7F
        or 0x80 <= code <= 0x9F
        or code in _BIDI
    )


def sanitise(text: str) -> str:
    """``text`` with controls and bidirectional overrides shown as ``\\u{XXXX}`` (§6.4)."""
    if text.isprintable():
        return text
    return "".join(f"\\u{{{ord(ch):04X}}}" if _unsafe(ord(ch)) else ch for ch in text)


def label(text: str) -> str:
    """A sanitised command label of at most 120 characters, on one line."""
    clean = sanitise(text.replace("\n", " ").replace("\t", " "))
    return clean if len(clean) <= LABEL_MAX else clean[: LABEL_MAX - 1] + "…"


def quote(value: str) -> str:
    """A value from agent input, sanitised and back-quoted for a message."""
    return "`" + sanitise(value).replace("`", "'") + "`"


# --------------------------------------------------------------------------- messages

HEADERS = {
    "block": "sessionkit blocked this call",
    "warn": "sessionkit warning (the call is allowed)",
    "failed": "sessionkit could not check this call",
}


def agent_text(findings: list[Finding], context: str | None = None) -> str:
    """The agent-facing text: a header line, then one line per finding (§6.4)."""
    degraded = bool(findings) and findings[0].rule_id.startswith("internal.")
    kind = "failed" if degraded else ("block" if findings[0].action == "block" else "warn")
    lines = [HEADERS[kind] + (f" ({context})." if context else ".")]
    for item in findings[:MAX_LISTED_FINDINGS]:
        # Policy texts quote paths and commands from agent input: controls and bidirectional
        # overrides never reach the harness, whichever check wrote the text (§6.4).
        line = sanitise(f"[{item.rule_id}] {item.summary}")
        if item.suggestion:
            line += " Instead: " + sanitise(item.suggestion)
        lines.append(line)
    if len(findings) > MAX_LISTED_FINDINGS:
        lines.append(f"… and {len(findings) - MAX_LISTED_FINDINGS} more findings")
    return clamp("\n".join(lines))


def clamp(text: str) -> str:
    """``text`` cut to 16,000 characters and 48,000 UTF-8 bytes, marker included."""
    total = len(text)
    if total <= AGENT_TEXT_MAX_CHARS and len(text.encode("utf-8")) <= AGENT_TEXT_MAX_BYTES:
        return text
    keep = min(total, AGENT_TEXT_MAX_CHARS)
    while True:
        marker = f"\n… [truncated: showing {keep} of {total} characters]"
        keep = min(keep, AGENT_TEXT_MAX_CHARS - len(marker))
        candidate = text[:keep] + f"\n… [truncated: showing {keep} of {total} characters]"
        size = len(candidate.encode("utf-8"))
        if len(candidate) <= AGENT_TEXT_MAX_CHARS and size <= AGENT_TEXT_MAX_BYTES:
            return candidate
        # Shrink by the byte overshoot (at least one character) and try again.
        keep -= max(1, (size - AGENT_TEXT_MAX_BYTES) // 4 or 1)


def user_line(findings: list[Finding]) -> str:
    """The one-line user message: icon, first finding, count of the rest (§6.4)."""
    first = findings[0]
    icon = "⛔ sessionkit: " if first.action == "block" else "⚠ sessionkit: "
    line = sanitise(f"{icon}[{first.rule_id}] {first.summary}".replace("\n", " "))
    if len(findings) > 1:
        line += f" (+{len(findings) - 1} more)"
    return line if len(line) <= USER_LINE_MAX else line[: USER_LINE_MAX - 1] + "…"


# --------------------------------------------------------------------------- answers


def dumps(obj: dict[str, Any]) -> str:
    """One answer line: compact JSON, non-ASCII kept, newline-terminated (§7)."""
    return _jsonfast.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def render(
    harness: str,
    event: str,
    action: str,
    agent: str = "",
    user: str = "",
    *,
    warn_as: str = "notice",
    tool_kind: str = "shell",
) -> str:
    """The exact stdout of one decision in ``harness``'s format; "" means nothing (§7)."""
    if harness == "cursor":
        return _render_cursor(event, action, agent, user, warn_as, tool_kind)
    if action == "allow":
        return ""
    hook_event = HARNESS_EVENT_NAMES.get(event, "PreToolUse")
    if hook_event == "PostToolUse" or (
        action == "warn" and (harness == "codex" or warn_as != "ask")
    ):
        specific: dict[str, Any] = {"hookEventName": hook_event, "additionalContext": agent}
    else:
        decision = "deny" if action == "block" else "ask"
        specific = {
            "hookEventName": hook_event,
            "permissionDecision": decision,
            "permissionDecisionReason": agent,
        }
    return dumps({"hookSpecificOutput": specific, "systemMessage": user})


def _render_cursor(
    event: str, action: str, agent: str, user: str, warn_as: str, tool_kind: str
) -> str:
    if event == "after-file-edit":
        return "{}\n"
    if action == "allow" or tool_kind not in ("shell", "edit"):
        return '{"permission":"allow"}\n'
    if action == "block":
        permission = "deny"
    else:
        permission = "ask" if warn_as == "ask" else "allow"
    return dumps({"permission": permission, "user_message": user, "agent_message": agent})


def rendered_action(harness: str, action: str, warn_as: str, phase: str) -> str:
    """The decision as recorded: ``ask`` where a warning is rendered as a question."""
    if action == "warn" and warn_as == "ask" and phase == "pre" and harness != "codex":
        return "ask"
    return action


# --------------------------------------------------------------------------- writing

_ANSWER_LOCK = _thread.allocate_lock()
_answer_started = False


def claim_answer() -> bool:
    """True exactly once per process: the caller may write the one answer (§7.4)."""
    global _answer_started
    with _ANSWER_LOCK:
        if _answer_started:
            return False
        _answer_started = True
        return True


def answer_claimed() -> bool:
    """Whether an answer has started (the deadline path then does nothing)."""
    return _answer_started


def write_all(fd: int, data: bytes) -> bool:
    """Write every byte of ``data`` to ``fd``; False when the descriptor is unwritable."""
    view = memoryview(data)
    waited = 0.0
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        except BlockingIOError:
            if waited >= 2.0:
                return False
            time.sleep(0.001)
            waited += 0.001
            continue
        except OSError:
            return False
        view = view[written:]
    return True


def emit_answer(text: str, block_reason: str | None) -> int:
    """Write the answer to stdout; the exit code (2 only for an unwritable block, §7.4)."""
    if not text:
        return 0
    if write_all(1, text.encode("utf-8")):
        return 0
    if block_reason is not None:
        write_all(2, f"sessionkit-hook: {block_reason}\n".encode())
        return 2
    return 0


class Diagnostics:
    """The stderr channel: ``sessionkit-hook:`` lines, at most 20 unless debugging."""

    __slots__ = ("count", "debug")

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug
        self.count = 0

    def line(self, text: str) -> None:
        if self.count >= STDERR_MAX_LINES and not self.debug:
            return
        self.count += 1
        write_all(2, f"sessionkit-hook: {sanitise(text)}\n".encode("utf-8", "replace"))
