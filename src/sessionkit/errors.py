"""The one exception family of sessionkit, mapped to the exit-code contract.

Standard library only: the agent hook and the pre-commit entry points import it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3


class SessionkitError(Exception):
    """Base class of every error sessionkit reports to a user.

    ``exit_code`` follows ARCHITECTURE.md: 1 findings, 2 usage, 3 environment or I/O.
    ``hint`` is one concrete action, shown under the message.
    """

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(SessionkitError):
    """The caller asked for something that cannot be done as asked (exit 2)."""

    exit_code = EXIT_USAGE


class EnvironmentProblem(SessionkitError):
    """The environment does not allow the check to run: not a repo, git missing, I/O (exit 3)."""

    exit_code = EXIT_ENVIRONMENT


class NotAGitRepository(EnvironmentProblem):
    pass


class GitNotFound(EnvironmentProblem):
    pass
