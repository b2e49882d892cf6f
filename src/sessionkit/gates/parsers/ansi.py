"""Decoding and normalising tool output before any text parser sees it (spec §6.2)."""

from __future__ import annotations

import re

# CSI (7-bit ESC[ and 8-bit 0x9B), OSC (terminated by BEL or ESC\), then any two-byte ESC x.
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b."
    r"|\x1b$"
)
# C0 controls except tab and newline, DEL, and C1 controls (a stray U+009B would otherwise
# start a CSI sequence on a second pass, breaking idempotence)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# What a field of structured tool output (a JSON message, rule or path) must not carry into a
# result: controls (ESC included) and lone surrogates, which JSON's \uD800 escapes can produce
# and which no UTF-8 writer accepts.
_DIRTY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def is_dirty(text: str) -> bool:
    """Whether ``clean_field`` would change ``text`` (ASCII, the common case: one C pass)."""
    if text.isascii():  # O(1) in CPython
        raw = text.encode("ascii")
        return len(raw.translate(None, _C0_BYTES)) != len(raw)
    return _DIRTY.search(text) is not None


def clean_field(text: str) -> str:
    """ANSI sequences and controls (but tab and newline) removed, lone surrogates replaced."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", strip_ansi(text)))


def strip_ansi(text: str) -> str:
    if "\x1b" not in text and "\x9b" not in text:
        return text  # the common case after NO_COLOR; skips a regex pass over the whole log
    return _ANSI.sub("", text)


def _collapse_cr(line: str) -> str:
    if "\r" not in line:
        return line
    parts = line.split("\r")
    for part in reversed(parts):
        if part:
            return part
    return ""


# C0 controls but tab and newline, and DEL: what _CONTROL removes from ASCII text.
_C0_BYTES = bytes(range(0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f"


def normalise(data: bytes | str) -> str:
    """UTF-8 (replacing errors), LF line ends, no ANSI, CR overwrite applied, no C0 but tab."""
    if isinstance(data, bytes) and b"\r" not in data and b"\x1b" not in data and data.isascii():
        # the common case (NO_COLOR, LF line ends, ASCII): nothing to decode, no CR or escape
        # sequence to apply, and the controls left to drop are single bytes: one C pass
        return data.translate(None, _C0_BYTES).decode("ascii")
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.replace("\r\n", "\n")
    text = strip_ansi(text)
    if "\r" in text:
        text = "\n".join(_collapse_cr(line) for line in text.split("\n"))
    return _CONTROL.sub("", text)
