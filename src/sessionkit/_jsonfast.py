"""``json.loads``/``json.dumps`` for the agent hook's hot path, without importing ``json``.

``import json`` costs about as much as the interpreter's own start-up, almost all of it for
``re`` (and ``enum`` through it), which ``json`` needs only for its pure-Python fallbacks and
for parsing leading and trailing whitespace. The C accelerator ``_json`` holds the scanner
and the encoder that ``json`` itself uses for ordinary calls; this module drives them the way
``json.JSONDecoder`` and ``json.JSONEncoder`` do (same default settings), so a result is the
same object or text. Anything unusual is handed to ``json`` itself, which then gets imported:
bytes that are not plain UTF-8 (BOMs, UTF-16/32), a leading BOM in text, every error (so the
exception and its message are ``json``'s), ``indent``, and interpreters without ``_json``.
A property test compares both on arbitrary documents and text.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_c: Any
try:
    import _json as _c
except ImportError:  # pragma: no cover - CPython always has it
    _c = None

_WS = " \t\n\r"  # json.decoder.WHITESPACE
_NAN = float("nan")
_INF = float("inf")
# json.decoder._CONSTANTS: what parse_constant maps NaN and the infinities to
_CONSTANTS = {"-Infinity": -_INF, "Infinity": _INF, "NaN": _NAN}
_SCANNERS: dict[Any, Any] = {}


class _Settings:
    """The attributes ``_json.make_scanner`` reads, as ``json.JSONDecoder()`` sets them."""

    __slots__ = (
        "object_hook",
        "object_pairs_hook",
        "parse_constant",
        "parse_float",
        "parse_int",
        "strict",
    )

    def __init__(self, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None) -> None:
        self.strict = True
        self.object_hook = None
        self.object_pairs_hook = object_pairs_hook
        self.parse_float = float
        self.parse_int = int
        self.parse_constant = _CONSTANTS.__getitem__


def _scanner(object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None) -> Any:
    scanner = _SCANNERS.get(object_pairs_hook)
    if scanner is None:
        scanner = _SCANNERS[object_pairs_hook] = _c.make_scanner(_Settings(object_pairs_hook))
    return scanner


def loads(
    data: str | bytes | bytearray,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
) -> Any:
    """``json.loads(data, object_pairs_hook=...)``: same value, same exceptions."""
    if isinstance(data, (bytes, bytearray)):
        # json.detect_encoding says "utf-8" unless a BOM or a NUL among the first bytes
        # points to another encoding; those cases go to json itself.
        if data[:1] in (b"\x00", b"\xef", b"\xfe", b"\xff") or data[1:2] == b"\x00":
            return _json_loads(data, object_pairs_hook)
        text = data.decode("utf-8", "surrogatepass")
    elif isinstance(data, str):
        text = data
    else:
        return _json_loads(data, object_pairs_hook)
    if _c is None or text.startswith("\ufeff"):
        return _json_loads(text, object_pairs_hook)
    start = len(text) - len(text.lstrip(_WS))
    try:
        value, end = _scanner(object_pairs_hook)(text, start)
    except (RecursionError, MemoryError):
        raise
    except Exception:  # json words every error (the scanner needs json.decoder)
        return _json_loads(text, object_pairs_hook)
    if text[end:].lstrip(_WS):
        return _json_loads(text, object_pairs_hook)  # "Extra data"
    return value


def _json_loads(data: Any, object_pairs_hook: Any) -> Any:
    import json

    return json.loads(data, object_pairs_hook=object_pairs_hook)


def dumps(
    obj: Any,
    *,
    ensure_ascii: bool = True,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
    allow_nan: bool = True,
) -> str:
    """``json.dumps`` with these keyword arguments (no ``indent``): the same text."""
    item_separator, key_separator = separators if separators is not None else (", ", ": ")
    try:
        quote = _c.encode_basestring_ascii if ensure_ascii else _c.encode_basestring
        if isinstance(obj, str):
            return str(quote(obj))
        encode = _c.make_encoder(
            {}, _unserialisable, quote, None, key_separator, item_separator,
            sort_keys, False, allow_nan,
        )  # fmt: skip
        return "".join(encode(obj, 0))
    except (RecursionError, MemoryError):
        raise
    except Exception:  # json words every error
        import json

        return json.dumps(
            obj,
            ensure_ascii=ensure_ascii,
            separators=(item_separator, key_separator),
            sort_keys=sort_keys,
            allow_nan=allow_nan,
        )


def _unserialisable(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
