"""The metrics capability: locked JSONL streams, learnings, queries and maintenance.

``MetricsStore``, ``Stream`` and the error classes are re-exported lazily so that importing
``sessionkit.metrics._jsonl`` or ``.events`` on the hook path stays cheap.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.metrics.errors import DuplicateSessionError as DuplicateSessionError
    from sessionkit.metrics.errors import LearningNotFound as LearningNotFound
    from sessionkit.metrics.errors import LockTimeout as LockTimeout
    from sessionkit.metrics.errors import MetricsError as MetricsError
    from sessionkit.metrics.errors import MetricsIOError as MetricsIOError
    from sessionkit.metrics.errors import RecordInvalid as RecordInvalid
    from sessionkit.metrics.errors import RecordTooLarge as RecordTooLarge
    from sessionkit.metrics.errors import ReservedKeyError as ReservedKeyError
    from sessionkit.metrics.errors import RewriteInvariantError as RewriteInvariantError
    from sessionkit.metrics.errors import UnknownEventError as UnknownEventError
    from sessionkit.metrics.store import AppendResult as AppendResult
    from sessionkit.metrics.store import MetricsStore as MetricsStore
    from sessionkit.metrics.streams import Stream as Stream

_LAZY = {
    "MetricsStore": "sessionkit.metrics.store",
    "AppendResult": "sessionkit.metrics.store",
    "Stream": "sessionkit.metrics.streams",
    **dict.fromkeys(
        (
            "MetricsError",
            "RecordInvalid",
            "RecordTooLarge",
            "ReservedKeyError",
            "UnknownEventError",
            "DuplicateSessionError",
            "LearningNotFound",
            "LockTimeout",
            "MetricsIOError",
            "RewriteInvariantError",
        ),
        "sessionkit.metrics.errors",
    ),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sessionkit.metrics' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
