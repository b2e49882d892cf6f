"""The metrics error family (spec §2.11), mapped onto sessionkit's exit-code contract.

Standard library only: the agent hook imports it through ``_jsonl``.
"""

from __future__ import annotations

from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, SessionkitError


class MetricsError(SessionkitError):
    """Base class of every error the metrics store raises."""

    exit_code = EXIT_FINDINGS


class RecordInvalid(MetricsError):
    """A record failed its schema, a semantic check, or is not a JSON value (exit 1)."""

    def __init__(self, message: str, *, pointer: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.pointer = pointer
        # the position of the failing record among several given at once (apply_outcome's
        # ``new``), so a caller that read them from a file can name its line
        self.record_index: int | None = None


class RecordTooLarge(RecordInvalid):
    """The encoded line is above ``metrics.max-line-bytes`` (exit 1)."""


class ReservedKeyError(RecordInvalid):
    """An event payload uses one of the envelope's reserved keys (exit 1)."""


class UnknownEventError(RecordInvalid):
    """An unregistered ``sessionkit.*`` name or a new prior-art name (exit 1)."""


class DuplicateSessionError(MetricsError):
    """The session id is already recorded with other content (exit 1)."""


class LearningNotFound(MetricsError):
    """The learning id is unknown, or archived (exit 1)."""


class LockTimeout(MetricsError):
    """The stream lock could not be acquired in time (exit 3)."""

    exit_code = EXIT_ENVIRONMENT


class MetricsIOError(MetricsError):
    """An OS error, a symlinked stream or a post-verify mismatch (exit 3)."""

    exit_code = EXIT_ENVIRONMENT


class RewriteInvariantError(MetricsError):
    """A rewrite plan violates line conservation; nothing was written (exit 3)."""

    exit_code = EXIT_ENVIRONMENT
