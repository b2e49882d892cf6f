"""The lean STATE.md reader: where it lives, its frontmatter, the active session id.

``sessionkit.state`` re-exports everything here; this part is separate because the agent hook
and every event append look up the active session id, and ``sessionkit.state`` imports ``re``,
``json``, ``datetime``, ``dataclasses``, ``socket`` and ``secrets`` (about 45 ms in a fresh
hook process). The frontmatter's line patterns are matched in plain code (a property test
compares each with its regular expression) and quoted values go through
``sessionkit._jsonfast``. Standard library only.
"""

from __future__ import annotations

import os
import time

from sessionkit import _jsonfast
from sessionkit.errors import SessionkitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HARNESS_DIRS = {"claude": ".claude", "codex": ".codex", "cursor": ".cursor"}
MAX_HEAD_BYTES = 16 * 1024
STRING_KEYS = frozenset(
    {
        "session",
        "branch",
        "started_at",
        "updated",
        "session-start-ref",
        "harness-session-id",
        "previous-session",
        "rationale",
        "session-type",
        "status",
        "platform",
        "recommended-mode",
    }
)
INTEGER_KEYS = frozenset({"schema-version", "current-wave", "total-waves"})
NUMBER_KEYS = frozenset({"completion-rate", "carryover-ratio"})

# The regular expressions the plain-code matchers below implement (tests compare them).
KEY_PATTERN = r'^(?:"([a-z][a-z0-9_-]{0,63})"|([a-z][a-z0-9_-]{0,63})):(?:$| (.*)$)'
INT_PATTERN = r"^-?(0|[1-9][0-9]*)$"
FLOAT_PATTERN = r"^-?(0|[1-9][0-9]*)\.[0-9]+$"
JSON_NUMBER_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
BLOCK_ITEM_PATTERN = r"^  - ([a-z][a-z0-9_-]{0,63}):(?:$| (.*)$)"
BLOCK_CONT_PATTERN = r"^    ([a-z][a-z0-9_-]{0,63}):(?:$| (.*)$)"


class StateError(SessionkitError):
    """Base of STATE.md errors (exit 1 unless stated)."""


class StateParseError(StateError):
    def __init__(self, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.line = line


# --------------------------------------------------------------------------- plain matchers

_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_DIGITS = frozenset("0123456789")


def _chomp(text: str) -> str:
    """``$`` of a regular expression also matches before one final LF."""
    return text[:-1] if text.endswith("\n") else text


def _is_word(key: str) -> bool:
    """``[a-z][a-z0-9_-]{0,63}``."""
    return 0 < len(key) <= 64 and key[0] in _LOWER and _WORD.issuperset(key)


def _rest(after: str) -> tuple[bool, str | None]:
    """``:(?:$| (.*)$)`` after a key: (matched, value or None)."""
    if not after.startswith(":"):
        return False, None
    tail = after[1:]
    if tail in ("", "\n"):
        return True, None
    if tail.startswith(" ") and "\n" not in _chomp(tail):
        return True, _chomp(tail[1:])
    return False, None


def _word_line(line: str) -> tuple[str, str | None] | None:
    """``([a-z][a-z0-9_-]{0,63}):(?:$| (.*)$)`` at the start of ``line``: key and value."""
    colon = line.find(":")
    if colon < 0 or not _is_word(line[:colon]):
        return None
    matched, value = _rest(line[colon:])
    return (line[:colon], value) if matched else None


def _key_line(line: str) -> tuple[str, str | None] | None:
    """``KEY_PATTERN``: a bare or double-quoted key and its value (None after a bare colon)."""
    if line.startswith('"'):
        close = line.find('"', 1)
        if close < 0 or not _is_word(line[1:close]):
            return None
        matched, value = _rest(line[close + 1 :])
        return (line[1:close], value) if matched else None
    return _word_line(line)


def _unsigned_int(text: str) -> bool:
    """``0|[1-9][0-9]*``."""
    return bool(text) and _DIGITS.issuperset(text) and (text == "0" or text[0] != "0")


def _is_int(value: str) -> bool:
    """``INT_PATTERN``."""
    body = _chomp(value)
    return _unsigned_int(body[1:] if body.startswith("-") else body)


def _unsigned_float(text: str) -> bool:
    whole, dot, fraction = text.partition(".")
    return bool(dot) and _unsigned_int(whole) and bool(fraction) and _DIGITS.issuperset(fraction)


def _is_float(value: str) -> bool:
    """``FLOAT_PATTERN``."""
    body = _chomp(value)
    return _unsigned_float(body[1:] if body.startswith("-") else body)


def _has_exponent(value: str) -> bool:
    """``JSON_NUMBER_PATTERN`` matched where ``INT_PATTERN`` and ``FLOAT_PATTERN`` do not."""
    body = _chomp(value)
    body = body[1:] if body.startswith("-") else body
    cut = max(body.find("e"), body.find("E"))
    if cut < 0:
        return False
    mantissa, exponent = body[:cut], body[cut + 1 :]
    if exponent[:1] in ("+", "-"):
        exponent = exponent[1:]
    return (
        (_unsigned_int(mantissa) or _unsigned_float(mantissa))
        and bool(exponent)
        and _DIGITS.issuperset(exponent)
    )


# --------------------------------------------------------------------------- location


def configured_dir(worktree: str | os.PathLike[str] = ".") -> str | None:
    """Session Config ``state.dir`` of the worktree (spec §7.1 rule 2), else None.

    Read as the CLI reads it (``sessionkit.metrics.settings.load_settings``), so the library,
    the CLI and the session id of every event find the same file. The config is loaded only
    when an instruction file can set the key; an unreadable config counts as unset.
    """
    root = os.fspath(worktree)
    from sessionkit.metrics.events import config_may_set_state_dir

    if not config_may_set_state_dir(root):
        return None
    try:
        from sessionkit.metrics.settings import load_settings

        value = load_settings(root).state.dir
    except Exception:
        return None
    return value if isinstance(value, str) and value else None


def resolve_path(worktree: str | os.PathLike[str] = ".", *, state_dir: str | None = None) -> str:
    """Where STATE.md lives (spec §7.1); the first rule that applies wins.

    ``state_dir`` is Session Config ``state.dir`` when the caller has it already; when None it
    is read from the worktree's config (:func:`configured_dir`).
    """
    root = os.fspath(worktree)
    env = os.environ.get("SESSIONKIT_STATE_DIR") or os.environ.get("SO_STATE_DIR")
    if env:
        return os.path.join(env if os.path.isabs(env) else os.path.join(root, env), "STATE.md")
    if state_dir is None:
        state_dir = configured_dir(root)
    if state_dir:
        return os.path.join(root, state_dir, "STATE.md")
    platform = os.environ.get("SESSIONKIT_PLATFORM", "")
    if platform in HARNESS_DIRS:
        return os.path.join(root, HARNESS_DIRS[platform], "STATE.md")
    for directory in HARNESS_DIRS.values():
        candidate = os.path.join(root, directory, "STATE.md")
        if os.path.exists(candidate):
            return candidate
    return os.path.join(root, ".claude", "STATE.md")


_SESSION_CACHE: dict[str, tuple[tuple[int, int, int], str | None]] = {}
# Resolved STATE.md path per worktree for one second: the hook path stats one file, not four.
_PATH_CACHE: dict[str, tuple[float, str]] = {}


def current_session_id(worktree: str | os.PathLike[str] = ".") -> str | None:
    """The ``session`` of an ``active``/``paused`` STATE.md, else None (reads <= 16 KiB).

    Cached by (inode, size, mtime), so the hook and the store pay one ``stat`` per call.
    """
    root = os.fspath(worktree)
    cached_path = _PATH_CACHE.get(root)
    now = time.monotonic()
    if cached_path is not None and now - cached_path[0] < 1.0:
        path = cached_path[1]
        if not path:
            return None  # no STATE.md a moment ago
    else:
        path = resolve_path(root)
        if not os.access(path, os.F_OK):
            _PATH_CACHE[root] = (now, "")
            return None
        _PATH_CACHE[root] = (now, path)
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    cached = _SESSION_CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        with open(path, "rb") as handle:
            head = handle.read(MAX_HEAD_BYTES).decode("utf-8", "replace")
        frontmatter, _end = parse_frontmatter(head, partial=True)
    except (OSError, StateParseError):
        return None
    value = frontmatter.get("session")
    active = frontmatter.get("status") in ("active", "paused")
    result = value if active and isinstance(value, str) and value else None
    _SESSION_CACHE[path] = (key, result)
    return result


# --------------------------------------------------------------------------- frontmatter


def _bare(value: str, key: str | None) -> Any:
    """A bare word, typed by the key's schema type when known (spec §7.2)."""
    if value in ("", "~"):
        return None
    if key in STRING_KEYS:
        return None if value == "null" else value
    if key in INTEGER_KEYS and _is_int(value):
        return int(value)
    if key in NUMBER_KEYS and (_is_int(value) or _is_float(value)):
        return float(value) if "." in value else int(value)
    if value in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[value]
    if _is_int(value):
        return int(value)
    if _is_float(value):
        return float(value)
    return value


def _unsupported(number: int, what: str) -> StateParseError:
    return StateParseError(
        f"STATE.md:{number}: unsupported frontmatter syntax ({what}); sessionkit reads a YAML "
        "subset",
        line=number,
    )


def _value(raw: str, key: str | None, number: int) -> Any:
    value = raw.strip()
    if value.startswith(("|", ">")):
        raise _unsupported(number, "block scalar")
    if value.startswith(("&", "*", "!")):
        raise _unsupported(number, "anchor, alias or tag")
    if value.startswith("{"):
        raise _unsupported(number, "flow mapping")
    if value.startswith("'"):
        if len(value) < 2 or not value.endswith("'"):
            raise StateParseError(
                f"STATE.md:{number}: unterminated single-quoted string", line=number
            )
        return value[1:-1].replace("''", "'")
    if value.startswith('"'):
        try:
            return _jsonfast.loads(value)
        except ValueError as exc:
            raise StateParseError(
                f"STATE.md:{number}: invalid double-quoted string ({exc})", line=number
            ) from None
    if value.startswith("["):
        plain = _plain_flow_list(value)
        if plain is not None:
            return plain
        try:
            return _jsonfast.loads(value)
        except ValueError:
            if not value.endswith("]"):
                raise StateParseError(
                    f"STATE.md:{number}: unterminated flow list", line=number
                ) from None
            inner = value[1:-1].strip()
            return [_bare(part.strip(), None) for part in inner.split(",")] if inner else []
    exponent = _has_exponent(value)
    if key not in STRING_KEYS and exponent:
        return _jsonfast.loads(value)
    return _bare(value, key)


_JSON_ONLY = frozenset({"NaN", "Infinity", "-Infinity"})


def _plain_flow_list(value: str) -> list[Any] | None:
    """``[a, b]`` as sessionkit writes it, without a JSON parse that would fail (and import
    ``json`` to word its error): None when JSON could read something the split would not.

    Without quotes, brackets, braces, exponents or JSON's NaN/Infinity, a list JSON accepts
    holds only numbers, ``true``, ``false`` and ``null``, which the split types alike.
    """
    if len(value) < 2 or not value.endswith("]"):
        return None
    inner = value[1:-1]
    if any(c in inner for c in '"[]{}'):
        return None
    inner = inner.strip()
    if not inner:
        return []
    parts = [part.strip() for part in inner.split(",")]
    if any(part in _JSON_ONLY or _has_exponent(part) for part in parts):
        return None
    return [_bare(part, None) for part in parts]


def parse_frontmatter(text: str, *, partial: bool = False) -> tuple[dict[str, Any], int]:
    """Parse the frontmatter of ``text``; returns it and the index of the body's first line.

    ``partial`` accepts a missing closing ``---`` (the hook reads only the first 16 KiB).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    if not lines or lines[0] != "---":
        raise StateParseError(
            "STATE.md:1: missing frontmatter (the file must start with ---)", line=1
        )
    data: dict[str, Any] = {}
    index = 1
    while index < len(lines):
        line = lines[index]
        number = index + 1
        if line == "---":
            return data, index + 1
        if not line.strip() or (line.lstrip().startswith("#") and not line.startswith(" ")):
            index += 1
            continue
        if line.startswith((" ", "\t")):
            raise _unsupported(number, "unexpected indentation")
        match = _key_line(line)
        if match is None:
            raise StateParseError(
                f"STATE.md:{number}: expected 'key: value' (keys are lower-case words)",
                line=number,
            )
        key, raw = match
        if key in data:
            raise StateParseError(f"STATE.md:{number}: duplicate key '{key}'", line=number)
        index += 1
        if raw is None or raw.strip() == "":
            items, index = _block_list(lines, index)
            data[key] = items
            continue
        data[key] = _value(raw, key, number)
    if partial:
        return data, len(lines)
    raise StateParseError("STATE.md: the frontmatter has no closing ---", line=len(lines))


def _block_list(lines: list[str], index: int) -> tuple[list[dict[str, Any]] | None, int]:
    """A block list of flat objects after ``key:``; ``None`` when nothing is indented."""
    if index >= len(lines) or not lines[index].startswith(" "):
        return None, index
    items: list[dict[str, Any]] = []
    while index < len(lines) and lines[index].startswith(" "):
        line = lines[index]
        number = index + 1
        item = _word_line(line[4:]) if line.startswith("  - ") else None
        cont = _word_line(line[4:]) if line.startswith("    ") else None
        if item:
            items.append({item[0]: _value(item[1] or "", None, number)})
        elif cont and items:
            if cont[0] in items[-1]:
                raise StateParseError(f"STATE.md:{number}: duplicate key '{cont[0]}'", line=number)
            items[-1][cont[0]] = _value(cont[1] or "", None, number)
        elif line.strip().startswith("- "):
            raise _unsupported(number, "list of scalars in block form; use [a, b]")
        else:
            raise _unsupported(number, "nested mapping")
        index += 1
    return items, index
