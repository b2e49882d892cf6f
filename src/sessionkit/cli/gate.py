"""``sessionkit gate``: run the quality gate, manage baselines, render stored results.

A thin shell: options map onto ``sessionkit.gates.run_gates`` and the report writers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json

VARIANT_CHOICE = click.Choice(["baseline", "incremental", "full-gate", "per-file"])
FAIL_ON_CHOICE = click.Choice(["never", "fail", "new", "error", "warning"])


def _read_files_from(source: str) -> list[str]:
    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    text = data.decode("utf-8", "surrogateescape")
    parts = text.split("\0") if "\0" in text else text.splitlines()
    return [p for p in parts if p]


@contextlib.contextmanager
def _term_as_interrupt() -> Any:
    """SIGTERM behaves like Ctrl-C while the gate runs: the running check's process group is
    stopped, the partial result is written and the gate exits 3. The previous handler is
    restored afterwards (the CLI may run inside another program, e.g. a test runner).
    """

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous: Any = None
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _render(
    result: Any, *, as_json: bool, quiet: bool, no_color: bool, to_stderr: bool = False
) -> None:
    """The terminal rendering (or ``--json``); ``to_stderr`` when a report owns stdout (§9.1)."""
    from sessionkit.gates.reports.model import ReportModel
    from sessionkit.gates.reports.text import render

    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")))
        return
    if quiet and result.status == "pass":
        return
    stream = sys.stderr if to_stderr else sys.stdout
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "✓✗⏱".encode(encoding)
        ascii_only = False
    except (UnicodeEncodeError, LookupError):
        ascii_only = True
    text = render(ReportModel.from_gate(result), ascii_only=ascii_only)
    color = not no_color and not os.environ.get("NO_COLOR") and stream.isatty()
    if color:
        first, _, rest = text.partition("\n")
        lines = rest.split("\n")
        styled = []
        for line in lines:
            if line.startswith(("FAILED", "ERROR")):
                line = click.style(line, fg="red", bold=True)
            elif line.startswith("PASSED"):
                line = click.style(line, fg="green", bold=True)
            elif line.startswith("warning:"):
                line = click.style(line, fg="yellow")
            styled.append(line)
        text = first + "\n" + "\n".join(styled)
    from sessionkit.gates.reports.github import without_commands

    # tails and finding messages are tool output: inert in an Actions step (§9.6)
    click.echo(without_commands(text), nl=False, err=to_stderr, color=color)
    if os.environ.get("GITLAB_CI") == "true":
        _gitlab_sections(result, to_stderr)


def _gitlab_sections(result: Any, to_stderr: bool) -> None:
    """Each check's tail in a collapsible GitLab log section (collapsed unless it failed)."""
    import time

    for check in result.checks:
        if not check.tail:
            continue
        name = f"sessionkit_{check.name.replace('-', '_')}"
        collapsed = "true" if check.status in ("pass", "skip") else "false"
        stamp = int(time.time())
        click.echo(
            f"\x1b[0Ksection_start:{stamp}:{name}[collapsed={collapsed}]\r\x1b[0K{check.name} ({check.status}) output",
            err=to_stderr,
        )
        click.echo(check.tail, err=to_stderr)
        click.echo(f"\x1b[0Ksection_end:{stamp}:{name}\r\x1b[0K", err=to_stderr)


def _reports(
    result: Any, specs: Sequence[str], annotations: int, no_summary: bool, root: str | None
) -> None:
    from sessionkit.gates.reports import write_reports

    # write_reports, not one write_report per spec: github-output's json-report names the
    # json report a spec requested (§9.8)
    write_reports(
        result, specs, github_annotations=annotations, github_summary=not no_summary, root=root
    )


def _check_report_conflicts(specs: Sequence[str], as_json: bool) -> bool:
    """``--report`` usage errors before anything runs; True when a report owns stdout."""
    from sessionkit.gates.reports import check_stdout

    return check_stdout(specs, as_json=as_json)


def run_options(function: Any) -> Any:
    options = [
        click.option(
            "--check",
            "checks",
            multiple=True,
            metavar="NAME",
            help="Run only this check (repeatable).",
        ),
        click.option("--order", metavar="NAMES", help="Comma-separated check order."),
        click.option(
            "--fail-fast/--no-fail-fast", default=None, help="Stop after the first blocking check."
        ),
        click.option(
            "--fail-on", type=FAIL_ON_CHOICE, help="never|fail|new (error = fail, warning)."
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1, max=86400),
            help="Per-check timeout in seconds.",
        ),
        click.option(
            "--report",
            "reports",
            multiple=True,
            metavar="FORMAT[:PATH]",
            help="json, junit, codequality, sarif, github, github-output, markdown, text.",
        ),
        click.option(
            "--github-annotations", type=click.IntRange(1, 10), default=10, show_default=True
        ),
        click.option("--no-github-summary", is_flag=True),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            help="Print one JSON document (baseline save: the stored baseline).",
        ),
        click.option("--stream", is_flag=True, help="Copy tool output to the terminal."),
        click.option("--quiet", is_flag=True),
        click.option("--no-progress", is_flag=True),
        click.option("--no-color", is_flag=True),
        click.option("--lock-timeout", type=float, default=0.0, metavar="SECONDS"),
        click.option("--no-events", is_flag=True),
        click.option(
            "--project-dir",
            type=click.Path(file_okay=False),
            default=".",
            help="Project directory (default: cwd).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _run(
    variant: str,
    *,
    checks: Sequence[str],
    order: str | None,
    fail_fast: bool | None,
    fail_on: str | None,
    timeout: float | None,
    reports: Sequence[str],
    github_annotations: int,
    no_github_summary: bool,
    as_json: bool,
    stream: bool,
    quiet: bool,
    no_progress: bool,
    no_color: bool,
    lock_timeout: float,
    no_events: bool,
    project_dir: str,
    **extra: Any,
) -> int:
    from sessionkit.gates import run_gates
    from sessionkit.gates.progress import Progress

    report_on_stdout = _check_report_conflicts(reports, as_json)
    show_progress = not (quiet or no_progress or (as_json and not sys.stderr.isatty()))
    progress = Progress() if show_progress else None
    from sessionkit.gates.reports.github import commands_stopped

    try:
        with _term_as_interrupt(), commands_stopped(sys.stderr if stream else None):
            result = run_gates(
                variant,
                project_dir,
                checks=list(checks) or None,
                order=[n.strip() for n in order.split(",") if n.strip()] if order else None,
                fail_on=fail_on,
                fail_fast=fail_fast,
                timeout_s=timeout,
                progress=progress,
                emit_events=not no_events,
                stream=sys.stderr if stream else None,
                lock_timeout_s=lock_timeout,
                **extra,
            )
    finally:
        if progress is not None:
            progress.close()
    from sessionkit import git

    _render(result, as_json=as_json, quiet=quiet, no_color=no_color, to_stderr=report_on_stdout)
    _reports(result, reports, github_annotations, no_github_summary, git.get_root(project_dir))
    return int(result.exit_code)


@click.group("gate")
def gate() -> None:
    """Run the quality gate (test, typecheck, lint), manage baselines, render reports."""


@gate.command("run")
@click.option("--variant", type=VARIANT_CHOICE, default="full-gate", show_default=True)
@click.option("--base", metavar="REF|auto", help="Base of the change set (incremental).")
@click.option("--committed-only", is_flag=True, help="Compare the base with HEAD only.")
@click.option("--staged", is_flag=True, help="Use the staged changes as the change set.")
@click.option(
    "--files", "file_opts", multiple=True, metavar="PATH", help="per-file: files to check."
)
@click.option("--files-from", metavar="FILE|-", help="per-file: NUL- or newline-separated paths.")
@click.option(
    "--baseline-file", type=click.Path(dir_okay=False), help="Compare with this baseline file."
)
@click.option("--no-baseline", is_flag=True, help="Do not look up a baseline.")
@click.option("--key", metavar="NAME", help="Baseline key (default: the branch).")
@click.option("--no-save", is_flag=True, help="baseline variant: do not store the baseline.")
@click.option("--dry-run", is_flag=True, help="Resolve everything, run nothing.")
@click.argument("paths", nargs=-1, type=click.Path())
@run_options
def run_cmd(
    variant: str,
    base: str | None,
    committed_only: bool,
    staged: bool,
    file_opts: tuple[str, ...],
    files_from: str | None,
    baseline_file: str | None,
    no_baseline: bool,
    key: str | None,
    no_save: bool,
    dry_run: bool,
    paths: tuple[str, ...],
    **options: Any,
) -> None:
    """Run the gate VARIANT (default full-gate). Exit 0 pass, 1 blocking, 2 usage, 3 environment."""
    from sessionkit.gates.errors import GateUsageError

    files: list[str] | None = None
    if file_opts or paths or files_from:
        files = [*file_opts, *paths, *(_read_files_from(files_from) if files_from else [])]
    if baseline_file and no_baseline:
        raise GateUsageError("--baseline-file and --no-baseline are mutually exclusive")
    if variant == "per-file" and files is None:
        files = []
    code = _run(
        variant,
        base=base,
        committed_only=committed_only,
        staged=staged,
        files=files,
        baseline="none" if no_baseline else (baseline_file or "auto"),
        baseline_key=key,
        save_baseline=False if no_save else None,
        dry_run=dry_run,
        **options,
    )
    exit_with(code)


@gate.group("baseline")
def baseline_group() -> None:
    """Save, show and clear the stored baseline (refs/so-snapshots/gates/<key>)."""


@baseline_group.command("save")
@click.option(
    "--reuse/--force", default=True, help="Skip re-measuring when the stored baseline is current."
)
@click.option("--key", metavar="NAME")
@click.option(
    "--from",
    "from_result",
    type=click.Path(dir_okay=False),
    help="Import a saved GateResult instead of running.",
)
@click.option(
    "--output", type=click.Path(dir_okay=False), help="Also write the baseline document here."
)
@click.option("--no-ref", is_flag=True, help="Write only --output, not the ref.")
@run_options
def baseline_save(
    reuse: bool,
    key: str | None,
    from_result: str | None,
    output: str | None,
    no_ref: bool,
    **options: Any,
) -> None:
    """Run the baseline variant and store it (exit 0 whatever the checks' statuses).

    ``--json`` prints the stored baseline document (schema ``gate-baseline``, as ``show
    --json``), whether it was measured, imported with ``--from`` or reused.
    """
    from sessionkit import git
    from sessionkit.gates import baseline as baselines
    from sessionkit.gates.errors import GateUsageError

    as_json = bool(options["as_json"])
    report_on_stdout = _check_report_conflicts(options["reports"], as_json)
    human_err = as_json or report_on_stdout  # stdout holds one document (§9.1, ARCHITECTURE)
    root = git.get_root(options["project_dir"])
    the_key = key or baselines.current_key(root, os.environ)
    if from_result is not None:
        from sessionkit.gates.reports import load_result
        from sessionkit.gates.resolve import resolve

        result = load_result(from_result)
        if all(c.scoped for c in result.checks) and result.checks:
            raise GateUsageError(f"{from_result}: a scoped result has no unscoped check to store")
        specs = {s.name: s for s in resolve(root, []).checks}
        hashes = {
            c.name: baselines.command_hash(
                c.command.text, c.command.cwd, specs[c.name].env if c.name in specs else {}
            )
            for c in result.checks
        }
        document = baselines.build_document(
            result, key=the_key, root=root, command_hashes=hashes, passed_ids={}, all_findings={}
        )
        if output:
            from sessionkit.gates.rundir import write_json

            write_json(output, document)
        if not no_ref:
            baselines.save(root, the_key, document)
    else:
        from sessionkit.gates import run_gates

        if reuse and not no_ref:
            current = _reuse_current(root, the_key, options, human_err=human_err)
            if current is not None:
                if as_json:
                    echo_json(current)
                exit_with(0)
        # --json --no-ref without --output: the document is only in a file we read back
        copy = output
        if as_json and no_ref and output is None:
            import tempfile

            fd, copy = tempfile.mkstemp(prefix="sessionkit-baseline-", suffix=".json")
            os.close(fd)
        try:
            result = run_gates(
                "baseline",
                options["project_dir"],
                checks=list(options["checks"]) or None,
                timeout_s=options["timeout"],
                baseline_key=the_key,
                save_baseline=True,
                baseline_output=copy,
                store_ref=not no_ref,
                emit_events=False,
                lock_timeout_s=options["lock_timeout"],
            )
            if result.status == "error":
                _render(
                    result, as_json=as_json, quiet=False, no_color=True, to_stderr=report_on_stdout
                )
            _reports(
                result,
                options["reports"],
                options["github_annotations"],
                options["no_github_summary"],
                root,
            )
            if result.status == "error":
                exit_with(result.exit_code)
            stored, _warning = (
                baselines.load_ref(root, baselines.ref_for(the_key))
                if not no_ref
                else (_read_json(copy) if copy else None, None)
            )
        finally:
            if copy is not None and copy != output:
                os.unlink(copy)
        document = (
            stored
            if stored is not None
            else {
                "commit": result.repo.get("head") or "",
                "checks": {c.name: {"status": c.status} for c in result.checks if not c.scoped},
            }
        )
    if as_json:
        echo_json(document)
    if not no_ref:
        click.echo(
            f"baseline for {the_key} @ {str(document['commit'])[:12]} saved at {baselines.ref_for(the_key)}",
            err=human_err,
        )
    failing = [name for name, c in document["checks"].items() if c["status"] != "pass"]
    if failing:
        click.echo(f"warning: checks not passing in the baseline: {', '.join(failing)}", err=True)
    from sessionkit.gates.events import emit

    if not options["no_events"]:
        emit(root, "sessionkit.gate.baseline", _baseline_event("saved", the_key, document))
    exit_with(0)


def _read_json(path: str) -> Any:
    """A document written by this run (``--output``); None when it cannot be read back."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _reuse_current(
    root: str, key: str, options: dict[str, Any], *, human_err: bool = False
) -> dict[str, Any] | None:
    """Print why the stored baseline is (not) current; the stored document when it can be
    reused, else None."""

    from sessionkit.gates import baseline as baselines
    from sessionkit.gates.engine import baseline_command_hashes
    from sessionkit.gates.policyfile import load_policy

    stored, _warning = baselines.load_ref(root, baselines.ref_for(key))
    if stored is None:
        return None
    policy = load_policy(root)
    hashes = baseline_command_hashes(root)
    if options["checks"]:
        hashes = {name: digest for name, digest in hashes.items() if name in options["checks"]}
    reasons = baselines.reuse_reasons(
        root,
        stored,
        command_hashes=hashes,
        lockfiles=policy.baseline.get("lockfiles"),
        max_age_hours=float(policy.baseline.get("max_age_hours", 168)),
    )
    if reasons:
        click.echo(f"not reusing the stored baseline: {', '.join(reasons)}", err=True)
        return None
    click.echo(
        f"baseline for {key} @ {str(stored['commit'])[:12]} is current, saved {_age(stored)}",
        err=human_err,
    )
    if not options["no_events"]:
        from sessionkit.gates.events import emit

        emit(root, "sessionkit.gate.baseline", _baseline_event("reused", key, stored))
    return stored


def _age(document: dict[str, Any]) -> str:
    """How long ago a baseline document was saved: ``2 h ago``, ``5 min ago``."""
    import time

    from sessionkit.gates import baseline as baselines

    saved = baselines.parse_time(str(document.get("saved_at", ""))) or time.time()
    hours = max(0.0, time.time() - saved) / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days ago"
    return f"{hours:.0f} h ago" if hours >= 1 else f"{hours * 60:.0f} min ago"


def _baseline_event(action: str, key: str, document: dict[str, Any] | None) -> dict[str, Any]:
    """The ``sessionkit.gate.baseline`` payload (gates.md §10.6): key, commit, check statuses."""
    payload: dict[str, Any] = {"action": action, "key": key}
    if document is not None:
        payload["commit"] = document.get("commit")
        payload["checks"] = {n: c.get("status") for n, c in document.get("checks", {}).items()}
    return payload


@baseline_group.command("show")
@click.option("--key", metavar="NAME")
@click.option("--json", "as_json", is_flag=True)
@click.option("--project-dir", type=click.Path(file_okay=False), default=".")
def baseline_show(key: str | None, as_json: bool, project_dir: str) -> None:
    """Show the stored baseline (``{"baseline": null}`` with --json when there is none)."""
    from sessionkit import git
    from sessionkit.gates import baseline as baselines

    root = git.get_root(project_dir)
    the_key = key or baselines.current_key(root, os.environ)
    document, warning = baselines.load_ref(root, baselines.ref_for(the_key))
    if warning:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        echo_json(document if document is not None else {"baseline": None})
        return
    if document is None:
        click.echo(f"no baseline for {the_key}")
        return
    click.echo(
        f"baseline for {the_key} @ {document['commit'][:12]}, saved {_age(document)}"
        f" ({document['saved_at']})" + (" (dirty tree)" if document.get("dirty") else "")
    )
    for name, check in document["checks"].items():
        counts = check.get("counts") or {}
        detail = json.dumps(counts, separators=(",", ":")) if counts else "not measured"
        click.echo(f"  {name:<12}{check['status']:<8}{detail}")
    versions = {
        t: v for c in document["checks"].values() for t, v in (c.get("tool_versions") or {}).items()
    }
    if versions:
        click.echo("  tools: " + ", ".join(f"{t} {v}" for t, v in sorted(versions.items())))


@baseline_group.command("clear")
@click.option("--key", metavar="NAME")
@click.option("--all", "all_keys", is_flag=True)
@click.option("--yes", is_flag=True)
@click.option("--project-dir", type=click.Path(file_okay=False), default=".")
def baseline_clear(key: str | None, all_keys: bool, yes: bool, project_dir: str) -> None:
    """Delete the baseline ref of KEY (or every baseline with --all)."""
    from sessionkit import git
    from sessionkit.gates import baseline as baselines
    from sessionkit.gates.errors import GateUsageError

    root = git.get_root(project_dir)
    if all_keys and key:
        raise GateUsageError("--key and --all are mutually exclusive")
    if all_keys and not yes:
        if not sys.stdin.isatty():
            raise GateUsageError("--all needs --yes when stdin is not a terminal")
        click.confirm("delete every gate baseline?", abort=True)
    refs = (
        baselines.list_refs(root)
        if all_keys
        else [baselines.ref_for(key or baselines.current_key(root, os.environ))]
    )
    # read before deleting: the event names the cleared baseline's commit and checks
    documents = {ref: baselines.load_ref(root, ref)[0] for ref in refs}
    cleared = baselines.clear(root, refs)
    for ref in cleared:
        click.echo(f"deleted {ref}")
    if cleared:
        from sessionkit.gates.events import emit

        for ref in cleared:
            key_of = baselines.key_of_ref(ref)
            emit(
                root, "sessionkit.gate.baseline", _baseline_event("cleared", key_of, documents[ref])
            )
    if not cleared:
        click.echo("no baseline to clear")


@gate.command("report")
@click.option("--from", "from_result", required=True, type=click.Path(dir_okay=False))
@click.option("--report", "reports", multiple=True, required=True, metavar="FORMAT[:PATH]")
@click.option("--github-annotations", type=click.IntRange(1, 10), default=10)
@click.option("--no-github-summary", is_flag=True)
@click.option("--exit-zero", is_flag=True)
def report_cmd(
    from_result: str,
    reports: tuple[str, ...],
    github_annotations: int,
    no_github_summary: bool,
    exit_zero: bool,
) -> None:
    """Render reports from a stored GateResult without running anything."""
    from sessionkit.gates.reports import load_result

    _check_report_conflicts(reports, as_json=False)
    result = load_result(from_result)
    _reports(result, reports, github_annotations, no_github_summary, None)
    exit_with(0 if exit_zero else result.exit_code)
