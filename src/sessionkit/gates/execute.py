"""Executing one check: its command for the variant, stubs, pre-flight, the run, parsing,
fingerprints, and the status of spec §5.6.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from sessionkit.gates import fingerprint, shellwords
from sessionkit.gates.env import child_env
from sessionkit.gates.model import (
    CheckSelection,
    Finding,
    LogPaths,
    ResolvedCommand,
    Status,
    Stub,
    gc_paused,
)
from sessionkit.gates.parsers.ansi import normalise
from sessionkit.gates.parsers.identify import Identified, identify
from sessionkit.gates.parsers.pipeline import ParseOutcome, Report, measure
from sessionkit.gates.resolve import CheckSpec
from sessionkit.gates.runner import ProcessInterrupted, ProcessOutcome, run_process
from sessionkit.gates.stubs import detect_stub

# identified tool -> exit codes meaning "the tool itself failed" (spec §5.5)
TOOL_ERROR_CODES: dict[str, tuple[int, ...]] = {
    "pytest": (3, 4),
    "mypy": (2,),
    "pyright": (2, 3, 4),
    "ruff": (2,),
    "eslint": (2,),
}
_MISSING_SCRIPT = re.compile(
    r"(?:npm (?:ERR!|error) Missing script:|ERR_PNPM_NO_SCRIPT|Command \"[^\"]+\" not found|"
    r"Couldn't find a script named)"
)
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:[-.+]?[0-9A-Za-z.]+)?)")
_JUNIT_OPT = re.compile(r"--junit-?xml(?:=|\s+)(\S+)")
_NO_JUNITXML = re.compile(r"-p\s*no:junitxml\b")


@dataclass
class RunContext:
    """What every check of one gate run shares."""

    root: str
    variant: str
    run_dir: str
    defaults: Mapping[str, Any]
    timeout_override: float | None
    tracked: frozenset[str]
    version_cache: dict[str, str] = field(default_factory=dict)
    stream: IO[str] | None = None


@dataclass
class Executed:
    spec: CheckSpec
    command: ResolvedCommand
    status: Status
    reason: str
    exit_code: int | None = None
    duration_s: float | None = None
    outcome: ParseOutcome = field(default_factory=ParseOutcome)
    findings: list[Finding] = field(default_factory=list)
    tail: str = ""
    logs: LogPaths | None = None
    stub: Stub | None = None
    selection: CheckSelection | None = None
    notes: list[str] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    modified_files: tuple[str, ...] = ()
    timed_out_after_s: float | None = None
    message: str | None = None
    identified: Identified | None = None
    # the command text without file arguments: what the baseline's command hash covers
    unscoped_text: str = ""


def timeout_for(spec: CheckSpec, ctx: RunContext) -> float:
    if ctx.timeout_override is not None:
        return ctx.timeout_override
    if spec.timeout_s is not None:
        return float(spec.timeout_s)
    return float(ctx.defaults.get("timeout_s", 900))


def build_command(
    spec: CheckSpec, ctx: RunContext, files: Sequence[str] | None
) -> tuple[ResolvedCommand, tuple[str, ...]]:
    """The resolved command record and the argv to spawn (``(text,)`` in shell mode)."""
    value = spec.variants.get(ctx.variant, spec.command)
    variant_command = ctx.variant in spec.variants
    extra = tuple(files or ())
    if extra and spec.file_args:
        extra = spec.file_args + extra
    mode: Literal["argv", "shell"]
    if isinstance(value, tuple):
        argv = value + extra
        mode, text, spawn = "argv", shlex.join(argv), argv
    elif "{files}" in value:
        quoted = " ".join(shlex.quote(f) for f in extra)
        text = value.replace("{files}", quoted)
        mode, argv, spawn = "shell", (text,), (text,)
    elif shellwords.needs_shell(value):
        text = " ".join([value.strip(), *(shlex.quote(f) for f in extra)])
        mode, argv, spawn = "shell", (text,), (text,)
    else:
        argv = tuple(shellwords.split(value)) + extra
        text = " ".join([value.strip(), *(shlex.quote(f) for f in extra)])
        mode, spawn = "argv", argv
    record = ResolvedCommand(
        source=spec.source,
        source_ref=spec.source_ref,
        text=text,
        argv=argv if mode == "argv" else ("/bin/sh", "-c", text),
        mode=mode,
        cwd=spec.cwd,
        timeout_s=timeout_for(spec, ctx),
        env_keys=tuple(sorted(spec.env)),
        variant_command=variant_command,
        files_passed=len(files or ()),
    )
    return record, spawn


def _child_path(env: Mapping[str, str]) -> str | None:
    return env.get("PATH")


def preflight_missing(
    record: ResolvedCommand, spawn: Sequence[str], cwd: str, env: Mapping[str, str]
) -> str | None:
    """The missing executable's name when the command cannot start (``not-found``)."""
    if record.mode == "argv":
        exe = spawn[0]
        if "/" in exe or (os.sep != "/" and os.sep in exe):
            full = exe if os.path.isabs(exe) else os.path.join(cwd, exe)
            return None if os.access(full, os.X_OK) and os.path.isfile(full) else exe
        return None if shutil.which(exe, path=_child_path(env)) else exe
    word = shellwords.first_word(record.text)
    if word is None:
        return None
    return None if shutil.which(word, path=_child_path(env)) else word


def _pytest_addopts(root: str) -> str:
    """The ``addopts`` of pytest's configuration files (for the injection rules)."""
    from sessionkit.gates.detect import _ini_options, _read_toml

    opts = ""
    pyproject = _read_toml(os.path.join(root, "pyproject.toml"))
    ini = pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {})
    value = ini.get("addopts", "") if isinstance(ini, dict) else ""
    opts += " " + (" ".join(value) if isinstance(value, list) else str(value))
    for name, section in (
        ("pytest.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
        ("tox.ini", "pytest"),
    ):
        path = os.path.join(root, name)
        if os.path.exists(path):
            opts += " " + _ini_options(path, section).get("addopts", "")
    return opts


def _report_signatures(
    spec: CheckSpec, ctx: RunContext, declared: list[tuple[str, str]]
) -> dict[str, tuple[int, int, int] | None]:
    """Each declared report's (inode, size, mtime) before the spawn, None when it is absent:
    a report the run created or replaced is the run's even with an old mtime (``cp -p``)."""
    out: dict[str, tuple[int, int, int] | None] = {}
    for _fmt, rel in declared:
        path = os.path.join(ctx.root, spec.cwd, rel)
        try:
            st = os.stat(path)
        except OSError:
            out[path] = None
        else:
            out[path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return out


def _declared_reports(
    spec: CheckSpec, ctx: RunContext, record: ResolvedCommand, inject_path: str | None
) -> list[tuple[str, str]]:
    declared: list[tuple[str, str]] = []
    if spec.report:
        declared.append((spec.report["format"], spec.report["path"]))
    if spec.kind == "test" and inject_path is None:
        match = _JUNIT_OPT.search(record.text) or _JUNIT_OPT.search(_pytest_addopts(ctx.root))
        if match and "$" not in match.group(1):
            declared.append(("junit", match.group(1).strip("'\"")))
    return declared


def _reports(
    spec: CheckSpec,
    ctx: RunContext,
    declared: list[tuple[str, str]],
    inject_path: str | None,
    spawn_time: float,
    notes: list[str],
    before: dict[str, tuple[int, int, int] | None],
) -> tuple[Report, ...]:
    found: list[Report] = []
    for fmt, rel in declared:
        path = os.path.join(ctx.root, spec.cwd, rel)
        try:
            st = os.stat(path)
            changed = before.get(path, ()) != (
                st.st_ino,
                st.st_size,
                st.st_mtime_ns,
            )
            # fresh: written since the spawn, or created or replaced by the run (§6.1)
            if st.st_mtime + 1 < spawn_time and not changed:
                notes.append("report-stale")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                found.append(Report(f.read(), fmt))
        except OSError:
            continue
    if inject_path is not None and os.path.exists(inject_path):
        with open(inject_path, encoding="utf-8", errors="replace") as f:
            found.append(Report(f.read(), "junit"))
    return tuple(found)


def _should_inject(spec: CheckSpec, ctx: RunContext, text: str) -> bool:
    if spec.kind != "test":
        return False
    inject = spec.inject if spec.inject is not None else ctx.defaults.get("inject", True)
    if not inject:
        return False
    addopts = _pytest_addopts(ctx.root)
    # A user's own report option, or the junitxml plugin disabled (``-p no:junitxml``, in the
    # command or in ``addopts``): an injected ``--junitxml`` would override the user's report or
    # make pytest exit 4 with "unrecognized arguments".
    return not any(
        "--junitxml" in opts or "--junit-xml" in opts or _NO_JUNITXML.search(opts)
        for opts in (text, addopts)
    )


def tool_version(
    tool: str, record: ResolvedCommand, ctx: RunContext, env: Mapping[str, str]
) -> str:
    node_packages = {
        "tsc": "typescript",
        "eslint": "eslint",
        "vitest": "vitest",
        "jest": "jest",
        "pyright": "pyright",
    }
    package = node_packages.get(tool)
    if package:
        manifest = os.path.join(ctx.root, "node_modules", package, "package.json")
        if os.path.exists(manifest):
            import json

            try:
                with open(manifest, encoding="utf-8") as f:
                    return str(json.load(f).get("version") or "unknown")
            except (OSError, ValueError):
                pass
    if record.mode != "argv":
        return "unknown"
    exe = record.argv[0]
    if os.path.basename(exe).startswith("python"):
        return "unknown"
    key = f"{exe}\0{tool}"
    if key in ctx.version_cache:
        return ctx.version_cache[key]
    version = "unknown"
    try:
        proc = subprocess.run(
            [exe, "--version"],
            cwd=os.path.join(ctx.root, record.cwd),
            env=dict(env),
            capture_output=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        match = _VERSION.search(normalise(proc.stdout + proc.stderr))
        if proc.returncode == 0 and match:
            version = match.group(1)
    except (OSError, subprocess.SubprocessError):
        pass
    ctx.version_cache[key] = version
    return version


def _read_log(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return normalise(f.read())
    except OSError:
        return ""


def without_root(text: str, root: str) -> str:
    """``text`` with the absolute project root removed (§8.2: no machine paths in the result).

    ``<root>/src/a.py`` becomes ``src/a.py`` and a bare ``<root>`` becomes ``.``; the resolved
    form of a symlinked root is handled too. Used for tails, which tools fill with absolute
    paths (ruff's JSON, pytest's ``rootdir:`` line).
    """
    for form in dict.fromkeys((root, os.path.realpath(root))):
        form = form.rstrip("/")
        if form and form in text:
            text = re.sub(re.escape(form) + r"(/|(?![\w-]|\.\w))", _root_sub, text)
    return text


def _root_sub(match: re.Match[str]) -> str:
    return "" if match.group(1) == "/" else "."


@gc_paused()
def make_findings(outcome: ParseOutcome, check: str, root: str) -> list[Finding]:
    raw = outcome.findings
    prints = fingerprint.assign(raw, root)
    root_slash = root.rstrip("/") + "/"
    findings: list[Finding] = []
    append = findings.append
    new = object.__new__
    set_dict = object.__setattr__
    for item, fp in zip(raw, prints, strict=True):
        # build_frozen inlined; RawFinding's fields are a subset of Finding's, so its
        # ``__dict__`` is copied (a C-level clone of the table) and the rest stored
        fields = vars(item).copy()
        message = item.message
        if root and root in message:  # root_slash contains root
            fields["message"] = message.replace(root_slash, "").replace(root, "")[:2000]
        elif len(message) > 2000:
            fields["message"] = message[:2000]
        fields["fingerprint"] = fp
        fields["check"] = check
        fields["baseline"] = None
        fields["in_scope"] = None
        obj = new(Finding)
        set_dict(obj, "__dict__", fields)
        append(obj)
    return findings


def _count_failures(executed: Executed) -> int:
    counts = executed.outcome.counts
    failing = 0
    if counts and counts.tests:
        failing += counts.tests.failed + counts.tests.errors
    if counts and counts.findings:
        failing += counts.findings.error
    if not counts:
        failing += sum(1 for f in executed.findings if f.severity == "error")
    return failing


def decide_status(executed: Executed, result: ProcessOutcome, scoped_tests: bool) -> None:
    """Fill ``status``/``reason`` from the process outcome and the measurement (§5.5, §5.6)."""
    ident = executed.identified
    tool = ident.tool if ident and not ident.via_script else None
    code = result.exit_code
    combined_tail = executed.tail
    if result.timed_out:
        executed.status, executed.reason = "timeout", "timeout"
        return
    if code in (127, 126):
        executed.status = "error"
        executed.reason = "not-found" if code == 127 else "not-executable"
        return
    if code not in (0, None) and _MISSING_SCRIPT.search(combined_tail):
        executed.status, executed.reason = "error", "not-found"
        return
    error_codes = executed.spec.tool_error_exit_codes
    if error_codes is None and tool is not None:
        error_codes = TOOL_ERROR_CODES.get(tool, ())
    if tool == "pytest" and code == 2 and not executed.outcome.measured:
        executed.status, executed.reason = "error", "tool-error"
        return
    if code is not None and error_codes and code in error_codes:
        executed.status, executed.reason = "error", "tool-error"
        return
    if tool == "pytest" and code == 5:
        executed.status = "skip" if scoped_tests else "fail"
        executed.reason = "no-tests-collected"
        return
    if code == 0:
        if _count_failures(executed) > 0:
            executed.status, executed.reason = "fail", "count-mismatch"
        else:
            executed.status, executed.reason = "pass", "exit-code"
        return
    executed.status, executed.reason = "fail", "exit-code"


def _status_message(executed: Executed, record: ResolvedCommand) -> str | None:
    """The one-sentence explanation of an outcome the user must act on (spec §10.5)."""
    name = executed.spec.name
    if executed.status == "timeout":
        where = f"commands.{name}.timeout_s" if executed.spec.source == "policy" else "timeout_s"
        return (
            f"{name} timed out after {record.timeout_s:g}s; its process group was stopped. "
            f"Raise {where} or --timeout"
        )
    if executed.reason == "count-mismatch":
        return (
            f"{name} exited 0 but reported {_count_failures(executed)} failures; treated as failed "
            "(count-mismatch). Use required: false for report-only checks"
        )
    if executed.reason in ("not-found", "not-executable"):
        return f"{name}: {record.text!r} exited {executed.exit_code} ({executed.reason}); check that the tool is installed"
    if executed.reason == "tool-error":
        return f"{name}: the tool itself failed (exit {executed.exit_code}); see its output in the logs"
    return None


def run_check(
    spec: CheckSpec,
    ctx: RunContext,
    *,
    files: Sequence[str] | None,
    selection: CheckSelection | None,
) -> Executed:
    """Run one check (unless a stub or not runnable) and return everything measured."""
    record, spawn = build_command(spec, ctx, files)
    executed = Executed(spec=spec, command=record, status="skip", reason="", selection=selection)
    executed.unscoped_text = build_command(spec, ctx, None)[0].text
    stub = detect_stub(record.text, ctx.root, spec.cwd)
    if stub is not None:
        executed.stub = stub
        mode = ctx.defaults.get("stubs", "warn")
        executed.status, executed.reason = ("error", "stub") if mode == "fail" else ("skip", "stub")
        return executed
    cwd = os.path.normpath(os.path.join(ctx.root, spec.cwd))
    check_dir = os.path.join(ctx.run_dir, spec.name)
    os.makedirs(check_dir, exist_ok=True)
    inject_path = (
        os.path.join(check_dir, "pytest-junit.xml")
        if _should_inject(spec, ctx, record.text)
        else None
    )
    env = child_env(
        check=spec.name,
        variant=ctx.variant,
        report_dir=check_dir,
        extra=spec.env,
        junit_inject_path=inject_path,
    )
    if not os.path.isdir(cwd):
        executed.status, executed.reason = "error", "spawn-failed"
        executed.message = f"{spec.name}: working directory {spec.cwd} does not exist"
        return executed
    missing = preflight_missing(record, spawn, cwd, env)
    if missing is not None:
        executed.status, executed.reason = "error", "not-found"
        executed.message = (
            f"{spec.name}: {missing} not found (looked in PATH); install it in the project "
            f'environment, or set {spec.kind}-command, or "skip"'
        )
        return executed
    executed.identified = identify(
        record.argv if record.mode == "argv" else None, record.text, ctx.root, spec.cwd
    )
    stdout_log = os.path.join(ctx.run_dir, f"{spec.name}.stdout.log")
    stderr_log = os.path.join(ctx.run_dir, f"{spec.name}.stderr.log")
    # the reports the check declares, read once: their state before the spawn tells a report
    # this run wrote from a stale one (§6.1)
    declared = _declared_reports(spec, ctx, record, inject_path)
    before = _report_signatures(spec, ctx, declared)
    spawn_time = time.time()
    try:
        result = run_process(
            spawn,
            shell=record.mode == "shell",
            cwd=cwd,
            env=env,
            timeout_s=record.timeout_s,
            kill_grace_s=float(ctx.defaults.get("kill_grace_s", 10)),
            stdout_log=stdout_log,
            stderr_log=stderr_log,
            tail_lines=int(ctx.defaults.get("tail_lines", 40)),
            echo=ctx.stream,
            echo_prefix=f"[{spec.name}] ",
        )
    except ProcessInterrupted as interrupt:
        # the caller records the interrupted check with what it printed (spec §5.3, §8.2)
        _captured(executed, interrupt.outcome, ctx.root, stdout_log, stderr_log)
        executed.status, executed.reason = "error", "interrupted"
        interrupt.partial = executed
        raise
    _captured(executed, result, ctx.root, stdout_log, stderr_log)
    if result.spawn_error is not None:
        executed.status, executed.reason = "error", "spawn-failed"
        executed.message = f"{spec.name}: could not start {record.text!r}: {result.spawn_error}"
        return executed
    if result.timed_out:
        executed.timed_out_after_s = record.timeout_s
    notes: list[str] = []
    reports = _reports(spec, ctx, declared, inject_path, spawn_time, notes, before)
    executed.notes.extend(notes)
    tool = executed.identified.tool if executed.identified else None
    outcome = measure(
        kind=spec.kind,
        stdout=_read_log(stdout_log),
        stderr=_read_log(stderr_log),
        root=ctx.root,
        cwd=spec.cwd,
        exit_code=result.exit_code,
        identified_tool=tool,
        is_tracked=ctx.tracked.__contains__,
        parser_setting=spec.parser,
        reports=reports,
    )
    if result.truncated or result.timed_out:
        outcome.findings_complete = False
    executed.outcome = outcome
    executed.notes.extend(n for n in outcome.notes if n not in executed.notes)
    executed.findings = make_findings(outcome, spec.name, ctx.root)
    decide_status(executed, result, scoped_tests=bool(files) and spec.kind == "test")
    executed.message = _status_message(executed, record)
    versions = dict(outcome.tool_versions)
    for name in {f.tool for f in executed.findings} | ({tool} if tool else set()):
        if name in ("generic", "junit", "sessionkit"):
            continue
        if name not in versions:
            versions[name] = tool_version(name, record, ctx, env)
    executed.tool_versions = versions
    return executed


def _captured(
    executed: Executed, result: ProcessOutcome, root: str, stdout_log: str, stderr_log: str
) -> None:
    rel = os.path.relpath
    executed.logs = LogPaths(
        stdout=rel(stdout_log, root).replace(os.sep, "/"),
        stderr=rel(stderr_log, root).replace(os.sep, "/"),
        truncated=result.truncated,
    )
    executed.duration_s = result.duration_s
    executed.exit_code = result.exit_code
    executed.tail = without_root(result.tail, root)
    executed.notes.extend(result.notes)


def run_builtin(spec: CheckSpec, ctx: RunContext, base_commit: str | None) -> Executed:
    """A built-in check, run in process (``debug-artifacts``, gates.md §11)."""
    from sessionkit.gates.debug_artifacts import scan
    from sessionkit.gates.parsers.pipeline import ParseOutcome

    record, _spawn = build_command(spec, ctx, None)
    executed = Executed(spec=spec, command=record, status="skip", reason="")
    executed.unscoped_text = record.text
    if spec.builtin != "debug-artifacts":
        executed.status, executed.reason = "error", "spawn-failed"
        executed.message = f"{spec.name}: unknown built-in check {spec.builtin!r}"
        return executed
    if base_commit is None:
        executed.reason = "no-files"
        executed.message = f"{spec.name}: no base to compare with; nothing was scanned"
        return executed
    started = time.monotonic()
    raw = scan(ctx.root, base_commit, overrides=spec.patterns, severity=spec.severity or "warning")
    from sessionkit.gates.model import Counts, FindingCounts

    outcome = ParseOutcome(parsers=["debug-artifacts"], measurement="structured", findings=raw)
    outcome.counts = Counts(findings=FindingCounts.of(raw))
    executed.outcome = outcome
    executed.findings = make_findings(outcome, spec.name, ctx.root)
    executed.duration_s = round(time.monotonic() - started, 3)
    executed.exit_code = None
    failing = any(f.severity == "error" for f in executed.findings)
    executed.status, executed.reason = ("fail", "exit-code") if failing else ("pass", "exit-code")
    return executed
