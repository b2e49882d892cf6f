"""Gate errors, mapped onto the exit-code contract by the CLI's one error boundary."""

from __future__ import annotations

from sessionkit.errors import EnvironmentProblem, SessionkitError, UsageError


class GateUsageError(UsageError):
    """Unknown variant, check or report format; conflicting options; bad ref syntax (exit 2)."""


class GateEnvironmentError(EnvironmentProblem):
    """Not a git repository, unresolvable base, lock held, unwritable path (exit 3)."""


class GateConfigError(SessionkitError):
    """The policy file or Session Config needed for resolution is invalid (exit 1).

    ``diagnostics`` holds every problem as ``(code, message, file, line, pointer)``.
    """

    def __init__(
        self,
        message: str,
        *,
        diagnostics: list[tuple[str, str, str | None, int | None, str | None]] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.diagnostics = diagnostics or [("config-invalid", message, None, None, None)]
