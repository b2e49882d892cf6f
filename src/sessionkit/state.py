"""STATE.md: the human-readable state of the session in progress in one worktree (spec §7).

YAML-subset frontmatter read and written by a small stdlib parser (so values keep their
types: ``session-start-ref: 0123456`` stays a string), fixed Markdown sections, a pid+host
lock at ``.orchestrator/state.lock`` and guarded atomic writes. Standard library at import;
jsonschema only when a write validates.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import socket
import sys
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sessionkit.errors import EXIT_ENVIRONMENT
from sessionkit.metrics import _state_head

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from typing import Any

    from sessionkit.metrics.settings import StateSettings

# The lean STATE.md reader (the session id of every event append and of the agent hook)
# lives in sessionkit.metrics._state_head, without this module's imports; re-exported here.
_PATH_CACHE = _state_head._PATH_CACHE
_SESSION_CACHE = _state_head._SESSION_CACHE
HARNESS_DIRS = _state_head.HARNESS_DIRS
INTEGER_KEYS = _state_head.INTEGER_KEYS
MAX_HEAD_BYTES = _state_head.MAX_HEAD_BYTES
NUMBER_KEYS = _state_head.NUMBER_KEYS
STRING_KEYS = _state_head.STRING_KEYS
StateError = _state_head.StateError
StateParseError = _state_head.StateParseError
current_session_id = _state_head.current_session_id
parse_frontmatter = _state_head.parse_frontmatter
# The lean reader keeps a ``str`` path (the hook path builds no Path objects).
_resolve = _state_head.resolve_path
LOCK_PATH = os.path.join(".orchestrator", "state.lock")
KEY_ORDER = (
    "schema-version",
    "session",
    "session-type",
    "status",
    "branch",
    "started_at",
    "updated",
    "current-wave",
    "total-waves",
    "issues",
    "session-start-ref",
    "platform",
    "harness-session-id",
    "previous-session",
    "recommended-mode",
    "top-priorities",
    "completion-rate",
    "carryover-ratio",
    "rationale",
)
RECOMMENDATION_KEYS = (
    "recommended-mode",
    "top-priorities",
    "completion-rate",
    "carryover-ratio",
    "rationale",
)
ENUM_KEYS = frozenset({"session-type", "status", "platform", "recommended-mode"})
# Keys YAML 1.1 would read as booleans or null; written quoted so every YAML tool agrees.
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
NOT_RETRY_CAP = 10
QUESTIONS_CAP = 20
PLACEHOLDER = "(none yet)"


# --------------------------------------------------------------------------- errors


class StateGuardError(StateError):
    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class StateTransitionError(StateError):
    pass


class StateLockTimeout(StateError):
    exit_code = EXIT_ENVIRONMENT


# --------------------------------------------------------------------------- location


def resolve_path(worktree: str | os.PathLike[str] = ".", *, state_dir: str | None = None) -> Path:
    """Where STATE.md lives (spec §7.1); the first rule that applies wins."""
    return Path(_resolve(worktree, state_dir=state_dir))


def _scalar(key: str | None, value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if (
            key in ENUM_KEYS
            and re.match(r"^[a-z][a-z-]*$", value)
            and value
            not in (
                "null",
                "true",
                "false",
            )
        ):
            return value
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"frontmatter value of {key!r} must be a scalar or a list")


def ordered_keys(frontmatter: Mapping[str, Any]) -> list[str]:
    known = [k for k in KEY_ORDER if k in frontmatter]
    return known + [k for k in frontmatter if k not in KEY_ORDER]


def serialize_frontmatter(frontmatter: Mapping[str, Any]) -> str:
    out = ["---"]
    for key in ordered_keys(frontmatter):
        value = frontmatter[key]
        label = f'"{key}"' if key in _YAML11_WORDS else key
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{label}:")
            for item in value:
                first = True
                for k, v in item.items():
                    out.append(f"{'  - ' if first else '    '}{k}: {_scalar(None, v)}")
                    first = False
        elif isinstance(value, list):
            out.append(f"{label}: [{', '.join(_scalar(None, v) for v in value)}]")
        else:
            out.append(f"{label}: {_scalar(key, value)}")
    out.append("---")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- document


class Sections(MutableMapping[str, str]):
    """The body sections: an ordered mapping heading -> text (spec §7.8).

    A heading that occurs twice keeps both sections in place so that the file round-trips
    byte for byte; by key only the first is reachable, and ``pairs()`` lists them all.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        self._pairs: list[tuple[str, str]] = [(name, text) for name, text in items]

    def __getitem__(self, heading: str) -> str:
        for name, text in self._pairs:
            if name == heading:
                return text
        raise KeyError(heading)

    def __setitem__(self, heading: str, text: str) -> None:
        for index, (name, _old) in enumerate(self._pairs):
            if name == heading:
                self._pairs[index] = (name, text)
                return
        self._pairs.append((heading, text))

    def __delitem__(self, heading: str) -> None:
        kept = [pair for pair in self._pairs if pair[0] != heading]
        if len(kept) == len(self._pairs):
            raise KeyError(heading)
        self._pairs = kept

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _text in self._pairs))

    def __len__(self) -> int:
        return len(dict.fromkeys(name for name, _text in self._pairs))

    def __repr__(self) -> str:
        return f"Sections({self._pairs!r})"

    def pairs(self) -> list[tuple[str, str]]:
        """Every (heading, text) in file order, repeated headings included."""
        return list(self._pairs)

    def copy(self) -> Sections:
        return Sections(self._pairs)


@dataclass
class State:
    frontmatter: dict[str, Any]
    preamble: str = ""
    sections: Sections = field(default_factory=Sections)

    def __post_init__(self) -> None:
        if not isinstance(self.sections, Sections):  # a list of (heading, text) pairs
            self.sections = Sections(self.sections)

    def section(self, heading: str) -> str | None:
        return self.sections.get(heading)

    def set_section(self, heading: str, text: str) -> None:
        if not text.endswith("\n"):
            text += "\n"
        self.sections[heading] = text

    def copy(self) -> State:
        return State(json.loads(json.dumps(self.frontmatter)), self.preamble, self.sections.copy())

    @property
    def open_questions(self) -> list[dict[str, Any]]:
        return parse_questions(self.section("Open Questions") or "")

    @property
    def what_not_to_retry(self) -> list[dict[str, Any]]:
        return parse_not_retry(self.section("What Not To Retry") or "")

    @property
    def waves(self) -> list[dict[str, Any]]:
        return parse_waves(self.section("Wave History") or "")

    @property
    def deviations(self) -> list[str]:
        return [
            ln[2:] for ln in (self.section("Deviations") or "").splitlines() if ln.startswith("- ")
        ]


def parse(text: str) -> State:
    frontmatter, body_start = parse_frontmatter(text)
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    body = "\n".join(lines[body_start:])
    if body.startswith("\n"):
        body = body[1:]
    preamble = ""
    sections: list[tuple[str, str]] = []
    for line in body.splitlines(keepends=True):
        if line.startswith("## "):
            sections.append((line[3:].strip(), ""))
        elif sections:
            name, text = sections[-1]
            sections[-1] = (name, text + line)
        else:
            preamble += line
    return State(frontmatter, preamble, Sections(sections))


def serialize(state: State) -> str:
    body = state.preamble
    for name, text in state.sections.pairs():
        if body and not body.endswith("\n"):
            body += "\n"
        body += f"## {name}\n{text}"
    if body and not body.endswith("\n"):
        body += "\n"
    return serialize_frontmatter(state.frontmatter) + "\n" + body


def read(worktree: str | os.PathLike[str] = ".") -> State | None:
    path = _resolve(worktree)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    return parse(text)


# --------------------------------------------------------------------------- section parsers

_WAVE_HEAD = re.compile(
    r"^### Wave (\d+) — (.+?)(?: \(planned (\d+) files → actual (\d+|\?)\))?"
    r"(?: — suite (\d+)/(\d+) on (\S+))?\s*$"
)
_AGENT = re.compile(
    r'^- Agent "(.*)": (done|partial|failed)(?: — (.*?))?(?: — (.*?))?(?: → issue #(\d+))?\s*$'
)
_QUESTION = re.compile(
    r"^- \[( |x)\] (.*?) \(source: (.*?), prio: (high|medium|low)\)"
    r"(?: → (?:Answer|Antwort): (.*))?\s*$"
)
_NOT_RETRY = re.compile(r"^- \*\*(.*)\*\* \((.*?), (\d{4}-\d{2}-\d{2})\)\s*$")


def parse_waves(text: str) -> list[dict[str, Any]]:
    waves: list[dict[str, Any]] = []
    for line in text.splitlines():
        head = _WAVE_HEAD.match(line)
        if head:
            wave: dict[str, Any] = {"wave": int(head.group(1)), "role": head.group(2), "agents": []}
            if head.group(3):
                # `actual ?`: a wave that `add wave --planned` opened and that is not closed yet
                actual = head.group(4)
                wave["planned"] = int(head.group(3))
                wave["actual"] = int(actual) if actual.isdigit() else None
            if head.group(5):
                wave["suite"] = {
                    "passed": int(head.group(5)),
                    "failed": int(head.group(6)),
                    "platform": head.group(7),
                }
            waves.append(wave)
            continue
        agent = _AGENT.match(line)
        if agent and waves:
            entry: dict[str, Any] = {"description": agent.group(1), "status": agent.group(2)}
            if agent.group(3):
                entry["files"] = agent.group(3)
            if agent.group(4):
                entry["note"] = agent.group(4)
            if agent.group(5):
                entry["issue"] = int(agent.group(5))
            waves[-1]["agents"].append(entry)
    return waves


def parse_questions(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        match = _QUESTION.match(line)
        if match:
            out.append(
                {
                    "question": match.group(2),
                    "source": match.group(3),
                    "priority": match.group(4),
                    "answered": match.group(1) == "x",
                    "answer": match.group(5),
                }
            )
    return out


def parse_not_retry(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        match = _NOT_RETRY.match(line)
        if match:
            out.append(
                {
                    "approach": match.group(1),
                    "session_id": match.group(2),
                    "date": match.group(3),
                    "why": None,
                }
            )
        elif line.startswith("  - why: ") and out:
            out[-1]["why"] = line[len("  - why: ") :]
    return out


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- the lock


def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def _now_ts() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def read_lock(path: str) -> dict[str, Any] | None:
    """The lock body (sessionkit's or the prior art's ``{pid, host, acquiredAt, holder}``)."""
    try:
        with open(path, encoding="utf-8") as handle:
            body = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    if "acquired_at" not in body and "acquiredAt" in body:
        body["acquired_at"] = body["acquiredAt"]
    return body


def lock_is_stale(path: str, body: Mapping[str, Any] | None, ttl_seconds: int) -> bool:
    """The automatic staleness table of spec §7.6."""
    if (
        body is None
        or not isinstance(body.get("pid"), int)
        or not isinstance(body.get("host"), str)
    ):
        try:
            age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return False
        return age > ttl_seconds
    if body["host"] != socket.gethostname():
        return False  # another host: never automatically
    mine, theirs = _boot_id(), body.get("boot_id")
    if mine and theirs and mine != theirs:
        return True
    return not _pid_running(int(body["pid"]))


@dataclass
class StateLock:
    """The pid+host lock guarding every STATE.md write (``.orchestrator/state.lock``)."""

    root: str
    holder: str = "sessionkit"
    timeout_s: float = 10.0
    ttl_seconds: int = 30
    body: dict[str, Any] | None = None
    broken: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return os.path.join(self.root, LOCK_PATH)

    def acquire(self) -> None:
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        body = {
            "schema_version": 1,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "boot_id": _boot_id(),
            "acquired_at": _now_ts(),
            "holder": self.holder,
            "ttl_seconds": self.ttl_seconds,
            "tool": "sessionkit",
        }
        data = json.dumps(body, separators=(",", ":")).encode()
        tmp = os.path.join(directory, f".state.lock.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        deadline = time.monotonic() + self.timeout_s
        delay = 0.005
        with open(tmp, "wb") as handle:
            handle.write(data)
        try:
            while True:
                try:
                    os.link(tmp, self.path)
                    self.body = body
                    return
                except FileExistsError:
                    pass
                except OSError:  # no hard links on this filesystem
                    try:
                        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    except FileExistsError:
                        pass
                    else:
                        with os.fdopen(fd, "wb") as handle:
                            handle.write(data)
                        self.body = body
                        return
                self._break_if_stale()
                if time.monotonic() >= deadline:
                    raise self._timeout()
                # Poll quickly at first (a short critical section is the common case),
                # then every 50 ms.
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        finally:
            os.unlink(tmp)

    def _break_if_stale(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        body = read_lock(self.path)
        if not lock_is_stale(self.path, body, self.ttl_seconds):
            return
        try:
            if os.stat(self.path).st_ino != st.st_ino:
                return  # replaced meanwhile: evaluate again
            self.broken.append(break_lock(self.root, body, st))
        except FileNotFoundError:
            return

    def _timeout(self) -> StateLockTimeout:
        body = read_lock(self.path) or {}
        other_host = body.get("host") not in (None, socket.gethostname())
        hint = "if that process is gone, run `sessionkit state unlock`"
        if other_host:
            hint = "locks of other hosts are never broken automatically; run `sessionkit state unlock --force` if that host is done"
        return StateLockTimeout(
            f"STATE.md is locked by pid {body.get('pid', '?')} on host {body.get('host', '?')} "
            f"since {body.get('acquired_at', '?')} ({body.get('holder', 'unknown holder')})",
            hint=hint,
        )

    def release(self) -> None:
        current = read_lock(self.path)
        if self.body is None:
            return
        mine = current is not None and all(
            current.get(k) == self.body[k] for k in ("pid", "host", "acquired_at")
        )
        if mine:
            os.unlink(self.path)
        else:
            import sys

            print("warning: STATE lock was taken over while held", file=sys.stderr)
        self.body = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def break_lock(root: str, body: Mapping[str, Any] | None, st: os.stat_result) -> dict[str, Any]:
    """Rename the lock to ``state.lock.broken-<stamp>`` (kept as evidence)."""
    path = os.path.join(root, LOCK_PATH)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = f"{path}.broken-{stamp}-{secrets.token_hex(2)}"
    os.rename(path, target)
    return {
        "holder_pid": int((body or {}).get("pid") or 0),
        "holder_host": str((body or {}).get("host") or "unknown"),
        "age_seconds": round(max(0.0, time.time() - st.st_mtime), 3),
        "evidence": target,
    }


def broken_lock_evidence(worktree: str | os.PathLike[str] = ".") -> list[str]:
    """The ``state.lock.broken-*`` files that lock breaks kept as evidence (spec §7.6)."""
    directory = os.path.join(os.fspath(worktree), os.path.dirname(LOCK_PATH))
    prefix = os.path.basename(LOCK_PATH) + ".broken-"
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, name) for name in sorted(names) if name.startswith(prefix)]


# --------------------------------------------------------------------------- write path


@dataclass(frozen=True)
class WriteResult:
    written: bool
    path: str
    reason: str | None = None
    state: State | None = None


def _settings(worktree: str) -> StateSettings:
    from sessionkit.metrics.settings import StateSettings, load_settings

    try:
        return load_settings(worktree).state
    except Exception:
        return StateSettings()


_VALIDATORS: dict[str, Any] = {}


def _frontmatter_validator() -> Any:
    """The compiled frontmatter validator, built once per process."""
    if "frontmatter" not in _VALIDATORS:
        from sessionkit import schemas

        _VALIDATORS["frontmatter"] = schemas.validator("state-frontmatter.v1")
    return _VALIDATORS["frontmatter"]


def validate_frontmatter(frontmatter: Mapping[str, Any]) -> str | None:
    """The first schema error of ``frontmatter`` (jsonschema, imported lazily), or None."""
    from jsonschema.exceptions import best_match

    error = best_match(_frontmatter_validator().iter_errors(dict(frontmatter)))
    if error is None:
        return None
    pointer = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"{pointer}: {error.message}"


def _exactly_equal(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and _types(a) == _types(b)


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def guard(new_text: str, intended: State, previous_size: int | None, max_bytes: int) -> None:
    """Round-trip and size guards (spec §7.5); raise ``StateGuardError`` when one fires."""
    parsed = parse(new_text)
    if (
        not _exactly_equal(parsed.frontmatter, intended.frontmatter)
        or serialize(parsed) != new_text
    ):
        raise StateGuardError(
            "STATE.md was not written: its frontmatter does not survive a round trip",
            reason="round-trip",
            hint="a value has a type STATE.md cannot hold; use strings, numbers, booleans or flat lists",
        )
    problem = validate_frontmatter(parsed.frontmatter)
    if problem:
        raise StateGuardError(
            f"STATE.md was not written: frontmatter invalid at {problem}", reason="round-trip"
        )
    size = len(new_text.encode("utf-8"))
    if size > max_bytes:
        raise StateGuardError(
            f"STATE.md was not written: {size:,} bytes is above state.max-bytes ({max_bytes:,})",
            reason="size",
            hint="trim Wave History or Deviations, or raise state.max-bytes",
        )
    if previous_size is not None and previous_size >= 4096 and size > 5 * previous_size:
        raise StateGuardError(
            f"STATE.md was not written: it would grow from {previous_size:,} to {size:,} bytes "
            "(more than 5x)",
            reason="size",
            hint="this usually means a runaway writer; check the change",
        )


def _atomic_write(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".STATE.md.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    data = text.encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _PATH_CACHE.clear()
        metrics_events = sys.modules.get("sessionkit.metrics.events")
        if metrics_events is not None:  # its "no STATE.md here" cache is stale now
            metrics_events.NO_STATE_SEEN.clear()
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if os.name != "nt":
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def update(
    worktree: str | os.PathLike[str],
    transform: Callable[[State | None], State | None],
    *,
    holder: str = "sessionkit",
    dry_run: bool = False,
    now: Callable[[], str] | None = None,
) -> WriteResult:
    """Lock, read, transform, guard and atomically write STATE.md (spec §7.5)."""
    root = os.fspath(worktree)
    cfg = _settings(root)
    path = _resolve(root, state_dir=cfg.dir)
    lock = StateLock(root, holder, cfg.lock_timeout_s, cfg.lock_ttl_seconds)
    # A dry run only reads: it takes no lock, so it creates nothing (not even .orchestrator/)
    # and breaks no stale lock (spec §6.1: dry runs leave everything as it was).
    with contextlib.nullcontext() if dry_run else lock:
        current_text: str | None
        try:
            with open(path, encoding="utf-8") as handle:
                current_text = handle.read()
        except FileNotFoundError:
            current_text = None
        current = parse(current_text) if current_text is not None else None
        new = transform(current.copy() if current else None)
        if new is None or (current is not None and _serialized(new) == serialize(current)):
            result = WriteResult(False, path, "unchanged", current)
        else:
            new.frontmatter["updated"] = (now or _now_ts)()
            text = _serialized(new)
            previous = len(current_text.encode("utf-8")) if current_text is not None else None
            guard(text, new, previous, cfg.max_bytes)
            if not dry_run:
                _atomic_write(path, text)
            result = WriteResult(not dry_run, path, None, new)
    for broken in lock.broken:
        _emit(root, "sessionkit.state.lock_broken", {**_without(broken, "evidence"), "by": "auto"})
    return result


def _serialized(new: State) -> str:
    """``serialize(new)``; a value STATE.md cannot hold is a round-trip guard refusal."""
    try:
        return serialize(new)
    except TypeError as exc:
        raise StateGuardError(
            f"STATE.md was not written: {exc}",
            reason="round-trip",
            hint="use strings, numbers, booleans, null or flat lists",
        ) from None


def _without(data: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


def _emit(
    root: str, name: str, payload: Mapping[str, Any], *, session_id: str | None = None
) -> None:
    from sessionkit.metrics.events import emit_event

    emit_event(root, name, payload, timeout=2.0, source="cli", session_id=session_id)


def _require(state: State | None) -> State:
    if state is None:
        raise StateTransitionError(
            "no STATE.md yet", hint="start a session with `sessionkit state begin`"
        )
    return state


def set_fields(
    worktree: str | os.PathLike[str],
    values: Mapping[str, Any],
    *,
    unset: Iterable[str] = (),
) -> WriteResult:
    """Set frontmatter keys; ``status`` may only move between ``active`` and ``paused``.

    Values are checked before anything is locked or written: a value STATE.md cannot hold
    (an object, a list mixing objects and scalars, a non-finite number) or a timestamp key
    that is not an RFC 3339 date-time raises ``StateError`` (exit 1); timestamps are written
    as UTC ``Z`` milliseconds (spec §7.2).
    """
    values = {key: _checked_value(key, value) for key, value in values.items()}
    removed = list(unset)
    events: list[tuple[str, dict[str, Any]]] = []

    def transform(state: State | None) -> State | None:
        st = _require(state)
        if "status" in values:
            old, new = st.frontmatter.get("status"), values["status"]
            if new != old:
                if {old, new} != {"active", "paused"}:
                    raise StateTransitionError(
                        f"status can only change between active and paused here (it is {old})",
                        hint="use `sessionkit state begin`, `complete` or `reset`",
                    )
                events.append(
                    (
                        "sessionkit.session.paused"
                        if new == "paused"
                        else "sessionkit.session.resumed",
                        {},
                    )
                )
        for key, value in values.items():
            st.frontmatter[key] = value
        for key in removed:
            st.frontmatter.pop(key, None)
        return st

    result = update(worktree, transform, holder="sessionkit state set")
    if result.written:
        for name, payload in events:
            _emit(os.fspath(worktree), name, payload)
    return result


_TIMESTAMP_KEYS = ("started_at", "updated")


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int))


def _checked_value(key: str, value: Any) -> Any:
    """``value`` as STATE.md stores it under ``key``; ``StateError`` when it cannot."""
    if not _state_head._is_word(key):
        raise StateError(
            f"invalid frontmatter key {key!r}",
            hint="keys are lower-case: a letter, then up to 63 of a-z, 0-9, '_' and '-'",
        )
    if key in _TIMESTAMP_KEYS and isinstance(value, str):
        from sessionkit.metrics.timestamps import normalize_ts

        try:
            return normalize_ts(value)
        except (ValueError, OverflowError):
            raise StateError(
                f"invalid value for {key!r}: {value!r} is not an RFC 3339 date-time",
                hint="use e.g. 2026-11-24T09:30:00Z or 2026-11-24T10:30:00+01:00",
            ) from None
    if _is_scalar(value):
        return value
    if isinstance(value, list) and (
        all(_is_scalar(v) for v in value)
        or all(isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in value)
    ):
        return value
    if isinstance(value, dict):
        kind = "an object"
    elif isinstance(value, list):
        kind = "a list holding lists, nested objects, or objects next to other values"
    elif isinstance(value, float):
        kind = f"the number {value!r}"
    else:
        kind = f"a {type(value).__name__}"
    raise StateError(
        f"invalid value for {key!r}: {kind} cannot be stored in STATE.md",
        hint="frontmatter values are strings, finite numbers, booleans, null, flat lists "
        "and lists of flat objects; quote the value to store it as text",
    )


def _slug(branch: str) -> str:
    return re.sub(r"[^a-z0-9._-]", "-", branch.lower())


def _current_branch(root: str) -> str:
    from sessionkit import git

    try:
        return git.output(["rev-parse", "--abbrev-ref", "HEAD"], cwd=root) or "HEAD"
    except Exception:
        return "HEAD"


def _head(root: str) -> str | None:
    from sessionkit import git

    try:
        proc = git.run(["rev-parse", "HEAD"], cwd=root, check=False)
    except Exception:
        return None
    value = proc.stdout.decode().strip()
    return value if proc.returncode == 0 and value else None


def allocate_session_id(root: str, branch: str, session_type: str, now: datetime) -> str:
    """``<branch-slug>-<YYYY-MM-DD>-<type>-<n>``: n = 1 + the largest n already used."""
    prefix = f"{_slug(branch)}-{now.strftime('%Y-%m-%d')}-{session_type}-"
    used: list[str] = []
    try:
        from sessionkit.metrics.store import MetricsStore

        store = MetricsStore(root)
        used.extend(str(r.get("session_id")) for r in store.read("sessions"))
        used.extend(
            str(r.get("session_id"))
            for r in store.query("events", event=["sessionkit.session.started"])
        )
    except Exception:
        pass
    state = read(root)
    if state is not None:
        used.append(str(state.frontmatter.get("session")))
    numbers = [
        int(u[len(prefix) :]) for u in used if u.startswith(prefix) and u[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _fresh_state(
    session: str,
    session_type: str,
    branch: str,
    started: str,
    ref: str | None,
    issues: Sequence[Any],
) -> State:
    frontmatter: dict[str, Any] = {
        "schema-version": 1,
        "session": session,
        "session-type": session_type,
        "status": "active",
        "branch": branch,
        "started_at": started,
        "current-wave": 0,
        "total-waves": 0,
        "issues": list(issues),
        "session-start-ref": ref,
    }
    platform = os.environ.get("SESSIONKIT_PLATFORM")
    if platform in ("claude", "codex", "cursor", "other"):
        frontmatter["platform"] = platform
    return State(
        frontmatter,
        "",
        Sections(
            [
                ("Current Wave", "\nWave 0 — Initializing\n\n"),
                ("Wave History", f"\n{PLACEHOLDER}\n\n"),
                ("Deviations", f"\n{PLACEHOLDER}\n\n"),
                ("What Not To Retry", f"\n{PLACEHOLDER}\n\n"),
                ("Open Questions", f"\n{PLACEHOLDER}\n"),
            ]
        ),
    )


def idle_reset(state: State) -> State:
    """The idle reset of spec §7.7 (continuity sections stay byte-identical)."""
    old = state.frontmatter
    fm = {
        k: v
        for k, v in old.items()
        if k not in RECOMMENDATION_KEYS and not k.startswith("scope-baseline-")
    }
    fm.update(
        {
            "status": "idle",
            "session-type": "none",
            "current-wave": 0,
            "total-waves": 0,
            "session": None,
            "previous-session": old.get("session"),
            "started_at": None,
            "issues": [],
            "session-start-ref": None,
        }
    )
    bullets = []
    if old.get("recommended-mode"):
        bullets.append(f"- Recommended mode: {old['recommended-mode']}")
    if old.get("rationale"):
        bullets.append(f"- Rationale: {old['rationale']}")
    if isinstance(old.get("completion-rate"), (int, float)):
        bullets.append(f"- Completion rate: {round(old['completion-rate'] * 100)}%")
    if isinstance(old.get("carryover-ratio"), (int, float)):
        bullets.append(f"- Carryover ratio: {round(old['carryover-ratio'] * 100)}%")
    if "top-priorities" in old:
        prios = old.get("top-priorities") or []
        bullets.append(f"- Top priorities: {', '.join(f'#{p}' for p in prios) or 'none'}")
    history = (state.section("Wave History") or "").strip("\n")
    previous = "\n### Recommendations (archived)\n\n" + "\n".join(bullets) + "\n"
    if history and history != PLACEHOLDER:
        previous += "\n" + history + "\n"
    new = State(fm, state.preamble, state.sections.copy())
    new.set_section("Current Wave", "\n(idle)\n\n")
    new.set_section("Wave History", f"\n{PLACEHOLDER}\n\n")
    new.set_section("Deviations", f"\n{PLACEHOLDER}\n\n")
    if new.section("Mission Status") is not None:
        new.set_section("Mission Status", "\n")
    new.set_section("Previous Session", previous + "\n")
    return new


def begin(
    worktree: str | os.PathLike[str] = ".",
    *,
    session_type: str = "feature",
    session_id: str | None = None,
    issues: Sequence[Any] = (),
    resume: bool = False,
    fresh: bool = False,
    now: datetime | None = None,
) -> WriteResult:
    root = os.fspath(worktree)
    when = now or datetime.now(timezone.utc)
    branch = _current_branch(root)
    emitted: list[tuple[str, dict[str, Any]]] = []
    resumed: list[str] = []
    abandoned: list[dict[str, Any]] = []

    def transform(state: State | None) -> State | None:
        status = state.frontmatter.get("status") if state else None
        if state is not None and status in ("active", "paused"):
            owner = state.frontmatter.get("branch")
            other_branch = isinstance(owner, str) and bool(owner) and owner != branch
            if not fresh:
                session = state.frontmatter.get("session")
                if other_branch:
                    # Another branch's session is never taken over (spec §7.4).
                    raise StateTransitionError(
                        f"session {session} is {status} on branch {owner}, "
                        f"not on the current branch {branch}",
                        hint=f"switch back to {owner} to continue it, or pass --fresh to "
                        "abandon it and start anew on this branch",
                    )
                if not resume:
                    raise StateTransitionError(
                        f"session {session} is {status}",
                        hint="pass --resume to continue it or --fresh to abandon it and start anew",
                    )
                # Stays (or becomes) active; session.resumed is emitted even when the file
                # does not change (spec §7.4 table).
                resumed.append(str(session))
                state.frontmatter["status"] = "active"
                return state
            abandoned.append(dict(state.frontmatter))
        base = state
        if state is not None and status == "completed":
            base = idle_reset(state)
            # The idle reset emits its event as `state reset --apply` does (spec §7.7).
            emitted.append(
                (
                    "sessionkit.state.reset",
                    {
                        "previous_status": "completed",
                        "previous_session_id": state.frontmatter.get("session"),
                    },
                )
            )
        sid = session_id or allocate_session_id(root, branch, session_type, when)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
        new = _fresh_state(sid, session_type, branch, stamp, _head(root), issues)
        if base is not None:
            for key, value in base.frontmatter.items():
                if (
                    key not in new.frontmatter
                    and key not in RECOMMENDATION_KEYS
                    and key != "updated"
                ):
                    new.frontmatter[key] = value
            if base.frontmatter.get("session") is None and base.frontmatter.get("previous-session"):
                new.frontmatter["previous-session"] = base.frontmatter["previous-session"]
            for name in ("What Not To Retry", "Open Questions", "Previous Session"):
                text = base.section(name)
                if text is not None:
                    new.set_section(name, text)
        emitted.append(
            (
                "sessionkit.session.started",
                {
                    "session_type": session_type,
                    "branch": branch,
                    "resumed": False,
                    **(
                        {"start_ref": new.frontmatter["session-start-ref"]}
                        if new.frontmatter.get("session-start-ref")
                        else {}
                    ),
                },
            )
        )
        return new

    result = update(root, transform, holder="sessionkit state begin")
    for old in abandoned:
        _record_abandoned(root, old)
    if resumed:
        _emit(root, "sessionkit.session.resumed", {})
    elif result.written:
        for name, payload in emitted:
            _emit(root, name, payload)
    return result


_STARTED_EVENTS = frozenset(
    {
        "sessionkit.session.started",
        "orchestrator.session.started",
        "orchestrator.session.lock.acquired",
    }
)
_SESSION_TYPES = ("feature", "deep", "housekeeping")


def _record_abandoned(root: str, frontmatter: Mapping[str, Any]) -> None:
    """The abandoned stub of a session that ``begin --fresh`` replaces (spec §3.4, §7.4).

    Type and start come from STATE.md, as ``complete`` would have recorded them, else from
    the session's start event; the end is the later of its last event and STATE.md's
    ``updated`` (estimated), else now.
    """
    from sessionkit.metrics.sessions import abandoned_stub
    from sessionkit.metrics.store import MetricsStore
    from sessionkit.metrics.timestamps import normalize_ts

    session_id = str(frontmatter.get("session"))
    store = MetricsStore(root)
    if any(r.get("session_id") == session_id for r in store.read("sessions")):
        return
    start: Mapping[str, Any] | None = None
    first = last = None
    for record in store.read("events"):
        ts = record.get("timestamp")
        if record.get("session_id") != session_id or not isinstance(ts, str):
            continue
        first = ts if first is None or ts < first else first
        last = ts if last is None or ts > last else last
        names = (record.get("event"), record.get("_prior_art_event"))
        if start is None and any(name in _STARTED_EVENTS for name in names):
            start = record

    def stamp(value: Any) -> str | None:
        try:
            return normalize_ts(value) if isinstance(value, str) else None
        except (ValueError, OverflowError):
            return None

    kind = frontmatter.get("session-type")
    if kind not in _SESSION_TYPES:
        kind = (start or {}).get("session_type")
    started = stamp(frontmatter.get("started_at")) or stamp((start or {}).get("timestamp"))
    started = started or first
    ends = [t for t in (last, stamp(frontmatter.get("updated"))) if t is not None]
    if ends and started is not None:
        ends.append(started)  # never before the start (S1)
    stub = abandoned_stub(
        store,
        session_id,
        source="sessionkit-state-fresh",
        session_type=kind if kind in _SESSION_TYPES else None,
        started_at=started,
        completed_at=max(ends) if ends else None,
    )
    store.record_session(stub)


def recommend(completion: float | None, carryover: float | None) -> str | None:
    if completion is None:
        return None
    if completion < 0.5:
        return "plan-retro"
    if carryover is not None and carryover >= 0.3:
        return "deep"
    return "feature"


def complete(
    worktree: str | os.PathLike[str] = ".",
    *,
    record: bool = True,
    overrides: Mapping[str, Any] | None = None,
    completion_rate: float | None = None,
    carryover_ratio: float | None = None,
    top_priorities: Sequence[Any] | None = None,
) -> WriteResult:
    root = os.fspath(worktree)
    recorded: dict[str, Any] = {}

    def transform(state: State | None) -> State | None:
        st = _require(state)
        status = st.frontmatter.get("status")
        if status == "completed":
            return None
        if status not in ("active", "paused"):
            raise StateTransitionError(f"no session to complete (status is {status})")
        session = st.frontmatter.get("session")
        recorded["session_id"] = str(session) if session else None
        if record:
            from sessionkit.metrics.sessions import build_record
            from sessionkit.metrics.store import MetricsStore

            store = MetricsStore(root)
            built = build_record(st, store, overrides=overrides)
            recorded["result"] = store.record_session(built)  # a refused duplicate raises here
            recorded["record"] = built
        st.frontmatter["status"] = "completed"
        rate = completion_rate
        carry = carryover_ratio
        effectiveness = (overrides or {}).get("effectiveness")
        if rate is None and isinstance(effectiveness, dict):
            rate = effectiveness.get("completion_rate")
            carry = carry if carry is not None else effectiveness.get("carryover_ratio")
        mode = recommend(rate, carry)
        if mode is not None:
            st.frontmatter["recommended-mode"] = mode
            st.frontmatter["completion-rate"] = round(float(rate or 0), 2)
            if carry is not None:
                st.frontmatter["carryover-ratio"] = round(float(carry), 2)
        if top_priorities is not None:
            st.frontmatter["top-priorities"] = list(top_priorities)[:5]
        return st

    result = update(root, transform, holder="sessionkit state complete")
    if result.written:
        # the event names the session it completes: STATE.md is completed by now, so the
        # envelope's own lookup would find no active session (§3.3)
        _emit(
            root,
            "sessionkit.session.completed",
            {"status": "completed"},
            session_id=recorded.get("session_id"),
        )
    return result


def reset(
    worktree: str | os.PathLike[str] = ".", *, dry_run: bool = True, force: bool = False
) -> WriteResult:
    root = os.fspath(worktree)
    previous: dict[str, Any] = {}

    def transform(state: State | None) -> State | None:
        if state is None:
            return State(
                {
                    "schema-version": 1,
                    "session": None,
                    "session-type": "none",
                    "status": "idle",
                    "current-wave": 0,
                    "total-waves": 0,
                    "issues": [],
                },
                "",
                Sections(
                    [
                        ("Current Wave", "\n(idle)\n\n"),
                        ("Wave History", f"\n{PLACEHOLDER}\n\n"),
                        ("Deviations", f"\n{PLACEHOLDER}\n\n"),
                        ("What Not To Retry", f"\n{PLACEHOLDER}\n\n"),
                        ("Open Questions", f"\n{PLACEHOLDER}\n"),
                    ]
                ),
            )
        status = state.frontmatter.get("status")
        if status == "idle":
            return None
        if status in ("active", "paused") and not force:
            raise StateTransitionError(
                f"session {state.frontmatter.get('session')} is {status}",
                hint="complete it first, or pass --force to reset anyway",
            )
        previous.update(status=status, session=state.frontmatter.get("session"))
        return idle_reset(state)

    result = update(root, transform, holder="sessionkit state reset", dry_run=dry_run)
    if result.written and previous:
        _emit(
            root,
            "sessionkit.state.reset",
            {"previous_status": previous["status"], "previous_session_id": previous["session"]},
        )
    return result


def _section_lines(state: State, name: str) -> list[str]:
    text = state.section(name) or ""
    return [ln for ln in text.strip("\n").split("\n") if ln.strip() and ln.strip() != PLACEHOLDER]


def _set_lines(state: State, name: str, lines: list[str]) -> None:
    state.set_section(name, "\n" + ("\n".join(lines) if lines else PLACEHOLDER) + "\n\n")


def _mutate(
    worktree: str | os.PathLike[str], change: Callable[[State], None], holder: str
) -> WriteResult:
    def transform(state: State | None) -> State | None:
        st = _require(state)
        change(st)
        return st

    return update(worktree, transform, holder=holder)


def add_wave(
    worktree: str | os.PathLike[str], n: int, role: str, planned: int | None = None
) -> WriteResult:
    role = _one_line(role)
    if not role:
        # The heading would be `### Wave N — ` and the session record would drop the wave
        # (spec §3.4: role is a non-empty string).
        raise StateError("a wave needs a role", hint="pass --role, e.g. --role Discovery")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise StateError(f"a wave number is an integer >= 1, not {n!r}")

    def change(st: State) -> None:
        st.frontmatter["current-wave"] = n
        st.frontmatter["total-waves"] = max(int(st.frontmatter.get("total-waves") or 0), n)
        st.set_section("Current Wave", f"\nWave {n} — {role}\n\n")
        lines = _section_lines(st, "Wave History")
        head = f"### Wave {n} — {role}"
        if planned is not None:
            head += f" (planned {planned} files → actual ?)"
        lines.append(head)
        _set_lines(st, "Wave History", lines)

    result = _mutate(worktree, change, "sessionkit state add wave")
    if result.written:
        from sessionkit.metrics.events import emit_event

        emit_event(
            os.fspath(worktree), "sessionkit.wave.started", {"role": role}, wave=n, source="cli"
        )
    return result


def close_wave(
    worktree: str | os.PathLike[str],
    *,
    actual: int | None = None,
    suite: tuple[int, int] | None = None,
    platform: str | None = None,
) -> WriteResult:
    """Complete the current wave's heading and emit ``sessionkit.wave.completed``.

    The event is emitted whenever the wave is closed, also when every option was omitted and
    the heading therefore stays as it is.
    """
    closed: list[dict[str, Any]] = []

    def change(st: State) -> None:
        lines = _section_lines(st, "Wave History")
        index = max((i for i, ln in enumerate(lines) if ln.startswith("### Wave ")), default=None)
        if index is None:
            raise StateTransitionError(
                "no wave to close", hint="start one with `sessionkit state add wave`"
            )
        head = lines[index]
        head = re.sub(
            r" \(planned (\d+) files → actual [^)]*\)",
            lambda m: (
                f" (planned {m.group(1)} files → actual {actual})"
                if actual is not None
                else m.group(0)
            ),
            head,
        )
        if suite is not None and " — suite " not in head:
            head += f" — suite {suite[0]}/{suite[1]} on {platform or 'unknown'}"
        lines[index] = head
        _set_lines(st, "Wave History", lines)
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].startswith("### ")), len(lines)
        )
        closed.extend(parse_waves("\n".join(lines[index:end])))

    result = _mutate(worktree, change, "sessionkit state close-wave")
    if closed:
        name, payload, wave = _wave_completed(closed[0], actual)
        from sessionkit.metrics.events import emit_event

        emit_event(os.fspath(worktree), name, payload, wave=wave, timeout=2.0, source="cli")
    return result


def _wave_completed(wave: Mapping[str, Any], actual: int | None) -> tuple[str, dict[str, Any], int]:
    """The ``sessionkit.wave.completed`` event of a parsed Wave History entry (spec §3.5)."""
    agents = {"complete": 0, "partial": 0, "failed": 0}
    for agent in wave["agents"]:
        agents[{"done": "complete"}.get(agent["status"], agent["status"])] += 1
    suite_failed = (wave.get("suite") or {}).get("failed", 0) > 0
    if suite_failed or agents["failed"]:
        result = "fail"
    elif agents["partial"]:
        result = "partial"
    else:
        result = "pass"
    payload: dict[str, Any] = {"role": wave["role"], "result": result, "agents": agents}
    files = actual if actual is not None else wave.get("actual")
    if isinstance(files, int):
        payload["files_changed"] = files
    return "sessionkit.wave.completed", payload, int(wave["wave"])


def add_agent(
    worktree: str | os.PathLike[str],
    wave: int,
    description: str,
    status: str,
    files: str | None = None,
    note: str | None = None,
    issue: int | None = None,
) -> WriteResult:
    if status not in ("done", "partial", "failed"):
        raise StateError(f"agent status must be done, partial or failed, not {status!r}")

    def change(st: State) -> None:
        lines = _section_lines(st, "Wave History")
        heads = [i for i, ln in enumerate(lines) if re.match(rf"^### Wave {wave} — ", ln)]
        if not heads:
            raise StateTransitionError(f"wave {wave} is not in Wave History")
        end = next(
            (i for i in range(heads[-1] + 1, len(lines)) if lines[i].startswith("### ")), len(lines)
        )
        bullet = f'- Agent "{_one_line(description)}": {status}'
        if files is not None or note is not None:
            bullet += f" — {_one_line(files or '')}"
        if note is not None:
            bullet += f" — {_one_line(note)}"
        if issue is not None:
            bullet += f" → issue #{issue}"
        lines.insert(end, bullet)
        _set_lines(st, "Wave History", lines)

    return _mutate(worktree, change, "sessionkit state add agent")


def add_deviation(
    worktree: str | os.PathLike[str], text: str, at: str | None = None
) -> WriteResult:
    def change(st: State) -> None:
        lines = _section_lines(st, "Deviations")
        lines.append(f"- [{at or _now_ts()}] {_one_line(text)}")
        _set_lines(st, "Deviations", lines)

    return _mutate(worktree, change, "sessionkit state add deviation")


def _question_line(q: Mapping[str, Any]) -> str:
    line = f"- [{'x' if q['answered'] else ' '}] {q['question']} (source: {q['source']}, prio: {q['priority']})"
    if q["answered"]:
        line += f" → Answer: {q['answer']}"
    return line


def add_question(
    worktree: str | os.PathLike[str], question: str, source: str, priority: str
) -> WriteResult:
    if priority not in ("high", "medium", "low"):
        raise StateError(f"priority must be high, medium or low, not {priority!r}")

    def change(st: State) -> None:
        raw = _section_lines(st, "Open Questions")
        questions = parse_questions("\n".join(raw))
        questions.append(
            {
                "question": _one_line(question),
                "source": _one_line(source),
                "priority": priority,
                "answered": False,
                "answer": None,
            }
        )
        while len(questions) > QUESTIONS_CAP:
            answered = [i for i, q in enumerate(questions) if q["answered"]]
            questions.pop(answered[0] if answered else 0)
        _set_lines(st, "Open Questions", [_question_line(q) for q in questions])

    return _mutate(worktree, change, "sessionkit state add question")


def answer_question(
    worktree: str | os.PathLike[str], question: str | int, answer: str
) -> WriteResult:
    def change(st: State) -> None:
        raw = _section_lines(st, "Open Questions")
        questions = parse_questions("\n".join(raw))
        open_ = [q for q in questions if not q["answered"]]
        if isinstance(question, int) or (isinstance(question, str) and question.isdigit()):
            index = int(question) - 1
            target = open_[index] if 0 <= index < len(open_) else None
        else:
            target = next((q for q in open_ if q["question"] == question), None)
        if target is None:
            raise StateError(f"no open question {question!r}")
        target["answered"] = True
        target["answer"] = _one_line(answer)
        _set_lines(st, "Open Questions", [_question_line(q) for q in questions])

    return _mutate(worktree, change, "sessionkit state answer")


def add_not_retry(
    worktree: str | os.PathLike[str],
    approach: str,
    why: str,
    session_id: str | None = None,
    on: str | None = None,
) -> WriteResult:
    def change(st: State) -> None:
        entries = parse_not_retry("\n".join(_section_lines(st, "What Not To Retry")))
        entries.append(
            {
                "approach": _one_line(approach) or "(unspecified approach)",
                "session_id": session_id or st.frontmatter.get("session") or "unknown-session",
                "date": on or datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                "why": _one_line(why) or "(no reason recorded)",
            }
        )
        entries = entries[-NOT_RETRY_CAP:]
        lines: list[str] = []
        for e in entries:
            lines.append(f"- **{e['approach']}** ({e['session_id']}, {e['date']})")
            lines.append(f"  - why: {e['why'] or '(no reason recorded)'}")
        _set_lines(st, "What Not To Retry", lines)

    return _mutate(worktree, change, "sessionkit state add not-retry")


def set_mission(worktree: str | os.PathLike[str], task_id: str, status: str) -> WriteResult:
    def change(st: State) -> None:
        lines = [
            ln for ln in _section_lines(st, "Mission Status") if not ln.startswith(f"- {task_id}: ")
        ]
        lines.append(f"- {task_id}: {_one_line(status)} (updated {_now_ts()})")
        _set_lines(st, "Mission Status", lines)

    return _mutate(worktree, change, "sessionkit state set-mission")


def unlock(worktree: str | os.PathLike[str] = ".", *, force: bool = False) -> dict[str, Any]:
    """Break the STATE lock when stale or older than its TTL (``force``: always)."""
    root = os.fspath(worktree)
    path = os.path.join(root, LOCK_PATH)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {"held": False, "broken": False}
    body = read_lock(path)
    ttl = int((body or {}).get("ttl_seconds") or 30)
    age = time.time() - st.st_mtime
    same_host = (body or {}).get("host") == socket.gethostname()
    # Spec §7.6 Operator: stale, or older than its TTL on the same host, even when the pid
    # still runs (a hung or recycled pid); only a younger lock or another host's needs --force.
    breakable = lock_is_stale(path, body, ttl) or (same_host and age > ttl)
    if not breakable and not force:
        holder = body or {}
        why = f"younger than its {ttl} s TTL" if same_host else "another host's lock"
        raise StateError(
            f"the STATE lock is held by pid {holder.get('pid')} on host {holder.get('host')} "
            f"and is not stale ({why})",
            hint="pass --force to break it anyway",
        )
    broken = break_lock(root, body, st)
    _emit(root, "sessionkit.state.lock_broken", {**_without(broken, "evidence"), "by": "operator"})
    return {"held": True, "broken": True, **broken}


def report(worktree: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """The ``state-report.v1`` document of ``sessionkit state show --json``."""
    root = os.fspath(worktree)
    path = _resolve(root, state_dir=_settings(root).dir)
    rel = os.path.relpath(path, root)
    doc: dict[str, Any] = {
        "schema_version": 1,
        "path": rel,
        "exists": os.path.exists(path),
        "written": False,
    }
    lock_body = read_lock(os.path.join(root, LOCK_PATH))
    doc["lock"] = {"held": lock_body is not None, **({"holder": lock_body} if lock_body else {})}
    state = read(root) if doc["exists"] else None
    if state is None:
        doc.update(
            frontmatter=None,
            sections={},
            waves=[],
            open_questions=[],
            what_not_to_retry=[],
            diagnostics=[],
        )
        return doc
    doc.update(
        frontmatter=state.frontmatter,
        sections={name: text.strip("\n") for name, text in state.sections.items()},
        waves=state.waves,
        open_questions=state.open_questions,
        what_not_to_retry=state.what_not_to_retry,
        diagnostics=[],
    )
    return doc
