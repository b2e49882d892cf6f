"""Report writers: one Protocol (``base.ReportWriter``), one module per format, one registry.

``write_report(result, format, path)`` renders a GateResult; ``load_result`` reads a stored
one (validated against ``gate-result.schema.json``).
"""

from __future__ import annotations

import contextlib
import errno
import json as jsonlib  # the name ``json`` is this package's json.py
import os
import stat
import sys
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from sessionkit.gates.errors import GateConfigError, GateEnvironmentError, GateUsageError
from sessionkit.gates.model import GateResult
from sessionkit.gates.reports.base import ReportOptions, ReportWriter
from sessionkit.gates.reports.codequality import CodeQualityWriter
from sessionkit.gates.reports.github import GithubOutputWriter, GithubWriter
from sessionkit.gates.reports.json import JsonWriter
from sessionkit.gates.reports.junit import JunitWriter
from sessionkit.gates.reports.markdown import MarkdownWriter
from sessionkit.gates.reports.model import ReportModel, from_check_document
from sessionkit.gates.reports.sarif import SarifWriter
from sessionkit.gates.reports.text import TextWriter

WRITERS: dict[str, ReportWriter] = {
    w.name: w
    for w in (
        JsonWriter(),
        JunitWriter(),
        CodeQualityWriter(),
        SarifWriter(),
        GithubWriter(),
        GithubOutputWriter(),
        MarkdownWriter(),
        TextWriter(),
    )
}
ALIASES = {"gitlab": "codequality"}


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``FORMAT[:PATH]`` or ``FORMAT=PATH``: the separator is the first ``:`` or ``=``."""
    cut = min((i for i in (spec.find(":"), spec.find("=")) if i >= 0), default=-1)
    name, path = (spec, None) if cut < 0 else (spec[:cut], spec[cut + 1 :] or None)
    name = ALIASES.get(name, name)
    if name not in WRITERS:
        raise GateUsageError(
            f"unknown report format {name!r}; expected one of {', '.join(sorted(WRITERS))}, gitlab"
        )
    return name, path


def _atomic_write(path: str, text: str, *, append: bool = False) -> None:
    try:
        if append:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write(text)
        else:
            write_report_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise GateEnvironmentError(f"cannot write report {path}: {exc.strerror or exc}") from exc


def write_report_file(path: str, data: bytes) -> None:
    """Write a report to ``path`` without ever replacing something that is not a regular file.

    A regular file (or a symlink to one) is replaced atomically: temporary file in the
    target's directory, then ``os.replace`` onto the target, so the link survives. A FIFO,
    device or ``/dev/stdout``-style link is written through instead (``os.replace`` would
    turn it into a regular file, gates.md §9.1); where even that is impossible (a socket,
    a directory) the OSError becomes exit 3. Raises OSError.
    """
    try:
        info: os.stat_result | None = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    target = os.path.realpath(path)
    if info is not None and not _same_regular_file(target, info, path):
        # FIFO, device, or a magic link such as /dev/stdout -> /proc/self/fd/1
        stream = _own_stream(info)
        if stream is not None:  # our stdout/stderr: share its offset, do not truncate
            stream.flush()
            stream.buffer.write(data)
            stream.buffer.flush()
            return
        with open(path, "wb") as f:
            f.write(data)
        return
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        # keep the replaced file's mode; a new file gets the umask's, not mkstemp's 0600
        mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _same_regular_file(target: str, info: os.stat_result, path: str) -> bool:
    """``target`` (the resolved ``path``) is the regular file ``info`` describes, reached
    without passing through /dev or /proc: only then may it be replaced, not written through.
    (``/dev/stdout`` redirected to a file must keep the shell's file, not a copy.)"""
    if not stat.S_ISREG(info.st_mode) or _through_special(path):
        return False
    try:
        resolved = os.lstat(target)
    except OSError:
        return False
    return (resolved.st_dev, resolved.st_ino) == (info.st_dev, info.st_ino)


def _own_stream(info: os.stat_result) -> Any:
    """``sys.stdout`` or ``sys.stderr`` when ``info`` is the file it writes to, else None."""
    for stream in (sys.stdout, sys.stderr):
        try:
            own = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):  # replaced by a test runner, closed
            continue
        if (own.st_dev, own.st_ino) == (info.st_dev, info.st_ino) and hasattr(stream, "buffer"):
            return stream
    return None


def _through_special(path: str) -> bool:
    hop = os.path.abspath(path)
    for _ in range(40):  # the kernel's own symlink limit
        if hop.startswith(("/dev/", "/proc/")):
            return True
        if not os.path.islink(hop):
            return False
        hop = os.path.normpath(os.path.join(os.path.dirname(hop), os.readlink(hop)))
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def workspace_prefix(root: str | None, environ: Mapping[str, str]) -> str:
    workspace = environ.get("GITHUB_WORKSPACE")
    if not workspace or not root:
        return ""
    rel = os.path.relpath(os.path.realpath(root), os.path.realpath(workspace))
    if rel == "." or rel.startswith(".."):
        return ""
    return rel.replace(os.sep, "/") + "/"


def write_report(
    result: GateResult,
    format: str,
    path: str | None = None,
    *,
    github_annotations: int = 10,
    github_summary: bool = True,
    root: str | None = None,
    environ: Mapping[str, str] | None = None,
    json_report: str | None = None,
) -> str | None:
    """Render ``result`` as ``format`` to ``path`` (``-`` = stdout); returns the path written.

    ``json_report``: the path of a ``json`` report requested next to this one, which
    ``github-output`` names as ``json-report`` instead of the run's ``result.json`` (§9.8).
    """
    return write_model_report(
        ReportModel.from_gate(result),
        format,
        path,
        github_annotations=github_annotations,
        github_summary=github_summary,
        root=root,
        environ=environ,
        json_report=json_report,
    )


def requested_json_report(specs: Sequence[str]) -> str | None:
    """The file path of the first ``json`` report among ``--report`` specs (not stdout)."""
    for spec in specs:
        name, path = parse_spec(spec)
        if name == "json" and path not in (None, "-"):
            return path
    return None


def check_stdout(specs: Sequence[str], *, as_json: bool) -> bool:
    """Usage errors of ``--report`` specs, found before anything runs; True when a report
    document goes to stdout, so the terminal rendering must go to stderr (§9.1, §9.2).

    Only one thing may write to stdout: ``--json``, one report to ``-``, or the ``github``
    workflow commands (lines that tolerate the terminal rendering, unlike a document).
    Raises GateUsageError (exit 2).
    """
    users: list[str] = ["--json"] if as_json else []
    document = False
    for spec in specs:
        name, path = parse_spec(spec)
        target = path or WRITERS[name].default_path
        if target is None:
            raise GateUsageError(f"--report {name} needs a path ({name}:PATH)")
        if target == "-":
            users.append(f"--report {name}")
            document = document or name != "github"
    if len(users) > 1:
        raise GateUsageError(
            f"{' and '.join(users)} to stdout {'both' if len(users) == 2 else 'all'} write to"
            " stdout; give the reports a file path (FORMAT:PATH)"
        )
    return document


def write_reports(
    result: GateResult,
    specs: Sequence[str],
    *,
    github_annotations: int = 10,
    github_summary: bool = True,
    root: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str | None]:
    """Every ``--report FORMAT[:PATH]`` spec, in order; ``github-output`` names the json report."""
    json_report = requested_json_report(specs)
    written = []
    for spec in specs:
        name, path = parse_spec(spec)
        written.append(
            write_report(
                result,
                name,
                path,
                github_annotations=github_annotations,
                github_summary=github_summary,
                root=root,
                environ=environ,
                json_report=json_report,
            )
        )
    return written


def write_model_report(
    model: ReportModel,
    format: str,
    path: str | None = None,
    *,
    github_annotations: int = 10,
    github_summary: bool = True,
    root: str | None = None,
    environ: Mapping[str, str] | None = None,
    json_report: str | None = None,
) -> str | None:
    """``write_report`` for any report model (``ReportModel.from_gate``/``from_check_document``)."""
    env = os.environ if environ is None else environ
    name = ALIASES.get(format, format)
    writer = WRITERS.get(name)
    if writer is None:
        raise GateUsageError(f"unknown report format {format!r}")
    options = ReportOptions(
        github_annotations=github_annotations,
        workspace_prefix=workspace_prefix(root, env),
        json_report=json_report,
    )
    target = path or writer.default_path
    if name == "github":
        if env.get("GITHUB_ACTIONS") != "true" and path is None:
            print("note: --report github does nothing outside GitHub Actions", file=sys.stderr)
            return None
        text = writer.render(model, options)
        _emit(text, target or "-")
        summary_path = env.get("GITHUB_STEP_SUMMARY")
        if github_summary and summary_path:
            _atomic_write(summary_path, WRITERS["markdown"].render(model, options), append=True)
        return target
    if name == "github-output":
        target = path or env.get("GITHUB_OUTPUT")
        if not target:
            print("note: --report github-output needs $GITHUB_OUTPUT or a path", file=sys.stderr)
            return None
        if target == "-":
            _emit(writer.render(model, options), "-")
        else:
            _atomic_write(target, writer.render(model, options), append=True)
        return target
    if target is None:
        raise GateUsageError(f"--report {name} needs a path ({name}:PATH)")
    _emit(writer.render(model, options), target)
    if name == "codequality":
        pathless = CodeQualityWriter.pathless(model)
        if pathless:  # §9.4: left out, and counted in a warning (never silently)
            print(
                f"warning: {pathless} finding{'s' if pathless != 1 else ''} without a file left"
                f" out of the Code Quality report {target}",
                file=sys.stderr,
            )
    return target


def emit(text: str, target: str) -> None:
    """Write already rendered report text to ``target`` (``-`` = stdout) by the rules of
    §9.1; an unwritable path raises GateEnvironmentError (exit 3)."""
    _emit(text, target)


def _emit(text: str, target: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _atomic_write(target, text)


def load_result(path: str) -> GateResult:
    """A stored GateResult (``result.json``, ``--json`` output); invalid → GateConfigError."""
    try:
        with open(path, encoding="utf-8") if path != "-" else sys.stdin as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise GateEnvironmentError(f"{path}: cannot read the gate result ({exc})") from exc
    try:
        document = jsonlib.loads(text)
    except jsonlib.JSONDecodeError as exc:
        # an unreadable file is the environment's problem (3); a file that is not a gate
        # result, JSON or not, is invalid input (1, §10.3)
        raise GateConfigError(
            f"{path}:{exc.lineno}:{exc.colno}: not a gate result: not JSON ({exc.msg})",
            hint="pass the result.json or --json output of `sessionkit gate run`",
        ) from None
    from sessionkit.gates.policyfile import cached_validator

    errors = list(cached_validator("gate-result").iter_errors(document))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise GateConfigError(f"{path}: not a valid gate result at /{where}: {errors[0].message}")
    return GateResult.from_dict(document)


__all__ = [
    "WRITERS",
    "ReportModel",
    "ReportOptions",
    "check_stdout",
    "emit",
    "from_check_document",
    "load_result",
    "parse_spec",
    "requested_json_report",
    "write_model_report",
    "write_report",
    "write_reports",
]
