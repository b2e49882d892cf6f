"""Small, named git helpers. Every call is an argv list, never a shell string.

``GIT_OPTIONAL_LOCKS=0`` keeps read-only calls from taking the index lock that a concurrent
``git commit`` (another agent) may need; ``LC_ALL=C`` keeps messages parseable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence

from sessionkit.errors import EnvironmentProblem, GitNotFound, NotAGitRepository


def _git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def git_executable() -> str:
    exe = shutil.which("git")
    if exe is None:
        raise GitNotFound("git not found on PATH", hint="install git and retry")
    return exe


def run(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    input: bytes | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git <args>`` and return the completed process (bytes output).

    With ``check`` a non-zero exit raises :class:`EnvironmentProblem` carrying git's stderr.
    """
    try:
        proc = subprocess.run(
            [git_executable(), *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=_git_env(env),
            check=False,
        )
    except OSError as exc:  # e.g. cwd vanished
        raise EnvironmentProblem(f"could not run git: {exc}") from exc
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[-1] if message else f"exit {proc.returncode}"
        raise EnvironmentProblem(f"git {args[0] if args else ''} failed: {first}")
    return proc


def output(args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None) -> str:
    """stdout of ``git <args>`` decoded as UTF-8, trailing newline removed."""
    return run(args, cwd=cwd).stdout.decode("utf-8", "surrogateescape").rstrip("\n")


def get_root(path: str | os.PathLike[str] = ".") -> str:
    """Absolute top-level directory of the work tree containing ``path``."""
    proc = run(["rev-parse", "--show-toplevel"], cwd=path, check=False)
    if proc.returncode != 0:
        raise NotAGitRepository("not inside a git work tree", hint="run from the repository root")
    return proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n")


def zsplit(data: bytes) -> list[str]:
    """Split NUL-terminated ``-z`` output; git's trailing NUL gives no empty item."""
    text = data.decode("utf-8", "surrogateescape")
    return [item for item in text.split("\0") if item]


def check_ref_format(ref: str) -> bool:
    """Whether ``ref`` is a valid full ref name (``git check-ref-format``)."""
    if ref.startswith("-"):
        return False
    return run(["check-ref-format", ref], check=False).returncode == 0
