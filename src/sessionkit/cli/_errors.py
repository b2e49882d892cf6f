"""The CLI's one error boundary: every failure becomes one message and a contract exit code.

- ``SessionkitError`` (and subclasses): ``error: <message>`` plus ``hint:``, its exit code.
- ``OSError`` (a file named on the command line is missing or unreadable, a disk is full):
  ``error: <file>: <reason>``, exit 3 (I/O error).
- click usage errors: click's own message, exit 2.
- anything unexpected: one line naming the exception, a pointer to ``SESSIONKIT_DEBUG=1``
  for the traceback, exit 3 (an environment-class failure: the check did not run).

With ``SESSIONKIT_DEBUG`` set, every error above also prints its traceback on stderr.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import click

from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_USAGE, SessionkitError


class Outcome:
    __slots__ = ("code",)

    def __init__(self) -> None:
        self.code = 0


def echo_error(message: str, hint: str | None = None) -> None:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)


@contextmanager
def error_boundary() -> Iterator[Outcome]:
    outcome = Outcome()
    try:
        yield outcome
    except SessionkitError as exc:
        echo_error(exc.message, exc.hint)
        _debug_traceback()
        outcome.code = exc.exit_code
    except click.exceptions.Exit as exc:
        outcome.code = exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        outcome.code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        outcome.code = EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except BrokenPipeError:
        # stdout closed early (``| head``): not an error of ours.
        sys.stderr.close()
        outcome.code = 0
    except KeyboardInterrupt:
        outcome.code = 130
    except OSError as exc:
        echo_error(_os_error_text(exc), _OS_ERROR_HINTS.get(exc.errno or 0))
        _debug_traceback()
        outcome.code = EXIT_ENVIRONMENT
    except Exception as exc:
        echo_error(
            f"internal error: {type(exc).__name__}: {exc}",
            "this is a bug in sessionkit; rerun with SESSIONKIT_DEBUG=1 and report the traceback",
        )
        _debug_traceback()
        outcome.code = EXIT_ENVIRONMENT


_OS_ERROR_HINTS = dict.fromkeys(
    (errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM),
    "check the path and its permissions, then rerun",
)


def _debug_traceback() -> None:
    if os.environ.get("SESSIONKIT_DEBUG"):
        traceback.print_exc()


def _os_error_text(exc: OSError) -> str:
    """``<file>: No such file or directory``, as coreutils word it; without a file, the reason."""
    reason = exc.strerror or type(exc).__name__
    if exc.filename is None:
        return f"I/O error: {reason}"
    return f"{exc.filename}: {reason}"


def exit_with(code: int) -> None:
    """Leave a click command with ``code`` without printing anything."""
    raise click.exceptions.Exit(code)


def read_input_text(path: str) -> str:
    """The UTF-8 text of an input file the user named (``--payload-file``, ``--file``, …);
    bytes that are not UTF-8 are a usage error naming the file and the byte (exit 2), not an
    internal error. OS errors reach the error boundary as I/O errors (exit 3)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.UsageError(
            f"{path}: not UTF-8 text (byte {exc.start}); pass a UTF-8 JSON file"
        ) from None
