"""Gate errors, mapped onto the exit-code contract by the CLI's one error boundary."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sessionkit.errors import (
    EnvironmentProblem,
    GitNotFound,
    NotAGitRepository,
    SessionkitError,
    UsageError,
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


class GateUsageError(UsageError):
    """Unknown variant, check or report format; conflicting options; bad ref syntax (exit 2)."""


class GateEnvironmentError(EnvironmentProblem):
    """Not a git repository, unresolvable base, lock held, unwritable path (exit 3)."""


class GateNotAGitRepository(GateEnvironmentError, NotAGitRepository):
    """``repo`` is not inside a git work tree; ``except`` of either parent catches it."""


class GateGitNotFound(GateEnvironmentError, GitNotFound):
    """git is not installed; ``except`` of either parent catches it."""


def gate_environment_errors(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Raise the git layer's environment problems of a public gate function as
    GateEnvironmentError, the type the library API promises (spec §10.7)."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except GateEnvironmentError:
            raise
        except EnvironmentProblem as exc:
            cls: type[GateEnvironmentError] = GateEnvironmentError
            if isinstance(exc, NotAGitRepository):
                cls = GateNotAGitRepository
            elif isinstance(exc, GitNotFound):
                cls = GateGitNotFound
            raise cls(exc.message, hint=exc.hint) from exc

    return wrapper


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
