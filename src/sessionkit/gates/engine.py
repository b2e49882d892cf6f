"""``run_gates``: one gate run from resolution to result (the one engine of spec §1).

The CLI, the library API, the ``gates`` check and the hook entry points all call this; every
output is rendered from the ``GateResult`` it returns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any, Literal

from sessionkit import git
from sessionkit._version import __version__
from sessionkit.gates import baseline as baselines
from sessionkit.gates import events, rundir, worktree
from sessionkit.gates.env import child_env, gate_depth
from sessionkit.gates.errors import (
    GateConfigError,
    GateEnvironmentError,
    GateUsageError,
    gate_environment_errors,
)
from sessionkit.gates.execute import (
    Executed,
    RunContext,
    build_command,
    run_builtin,
    run_check,
    timeout_for,
    tool_version,
)
from sessionkit.gates.model import (
    VARIANTS,
    CheckRegression,
    CheckResult,
    CheckSelection,
    Counts,
    FailOn,
    Finding,
    FindingCounts,
    GateResult,
    GateStatus,
    Message,
    Variant,
    as_variant,
    build_frozen,
)
from sessionkit.gates.parsers.identify import identify
from sessionkit.gates.policyfile import POLICY_PATH, line_of
from sessionkit.gates.resolve import CheckSpec, Resolution, resolve
from sessionkit.gates.select import (
    ChangeSet,
    change_set,
    current_session,
    filter_files,
    given_files,
    resolve_base,
    select_tests,
)
from sessionkit.gates.stubs import detect_stub

FAIL_ON_MODES = ("never", "fail", "new", "error", "warning")
KIND_RANK = {"lint": 0, "typecheck": 1, "test": 2, "other": 3}
MAX_DEPTH = 3


@dataclass(frozen=True)
class ProgressEvent:
    kind: Literal["started", "finished"]
    index: int
    total: int
    check: str
    command: str
    status: str | None = None
    duration_s: float | None = None


def _fail_on(value: str | None, variant: str, defaults: Mapping[str, Any]) -> FailOn:
    chosen = value or (defaults.get("fail_on") or {}).get(variant) or "fail"
    if chosen not in FAIL_ON_MODES:
        raise GateUsageError(
            f"--fail-on {chosen}: expected one of never, fail, new, error, warning"
        )
    if chosen == "error":
        return "fail"
    result: FailOn = chosen  # type: ignore[assignment]
    return result


def _order(
    specs: Sequence[CheckSpec],
    order: Sequence[str] | None,
    has_policy: bool,
    *,
    root: str | None = None,
) -> list[CheckSpec]:
    """The run order (§4.4). ``root`` set: ``order`` is the policy file's ``defaults.order``.

    A kind's name also orders its suffixed auto-detected checks (``lint`` → ``lint-py``,
    ``lint-js``), so the spec's own ``"order": ["lint", "typecheck", "test"]`` works in a mixed
    Python/Node project. Other unknown names are a usage error for ``--order`` (exit 2) and a
    configuration error for ``defaults.order`` (exit 1).
    """
    names = [s.name for s in specs]
    if order:
        wanted: list[str] = []
        unknown: list[str] = []
        for name in order:
            matches = (
                [name] if name in names else [n for n in names if n in (f"{name}-py", f"{name}-js")]
            )
            if not matches:
                unknown.append(name)
            wanted.extend(m for m in matches if m not in wanted)
        if unknown and root is not None:
            message = (
                f"defaults.order names an unknown check {unknown[0]!r}; known: {', '.join(names)}"
            )
            raise GateConfigError(
                message,
                diagnostics=[
                    ("schema", message, POLICY_PATH, _policy_line(root), "/defaults/order")
                ],
            )
        if unknown:
            raise GateUsageError(
                f"--order: unknown check {unknown[0]!r}; known: {', '.join(names)}"
            )
        named = [next(s for s in specs if s.name == n) for n in wanted]
        return named + [s for s in specs if s.name not in wanted]
    policy_first = [s for s in specs if s.source == "policy"] if has_policy else []
    rest = sorted(
        (s for s in specs if s not in policy_first), key=lambda s: KIND_RANK.get(s.kind, 3)
    )
    return policy_first + rest


def _policy_line(root: str) -> int | None:
    try:
        with open(os.path.join(root, POLICY_PATH), encoding="utf-8") as f:
            return line_of(f.read(), ["defaults", "order"])
    except (OSError, UnicodeDecodeError):
        return None


def _head(root: str) -> tuple[str | None, str | None]:
    proc = git.run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=root, check=False)
    head = proc.stdout.decode().strip() or None
    branch_proc = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=root, check=False)
    branch = branch_proc.stdout.decode("utf-8", "surrogateescape").strip() or None
    return head, branch


def _tracked(root: str) -> list[str]:
    return git.zsplit(git.run(["ls-files", "-z"], cwd=root).stdout)


def _skipped(
    spec: CheckSpec, ctx: RunContext, reason: str, files: Sequence[str] | None = None
) -> Executed:
    record, _spawn = build_command(spec, ctx, files)
    executed = Executed(spec=spec, command=record, status="skip", reason=reason)
    executed.unscoped_text = build_command(spec, ctx, None)[0].text
    return executed


def _check_languages(spec: CheckSpec, root: str) -> list[str]:
    if spec.languages is not None:
        return list(spec.languages)
    text = spec.command if isinstance(spec.command, str) else " ".join(spec.command)
    argv = spec.command if isinstance(spec.command, tuple) else None
    ident = identify(argv, text, root, spec.cwd)
    if ident.tool in ("pytest", "unittest"):
        return ["python"]
    if ident.tool in ("vitest", "jest") or ident.package_manager is not None:
        return ["javascript"]
    return ["python", "javascript"]


def _blocking(
    executed: Executed,
    fail_on: FailOn,
    regression: CheckRegression | None,
    entry_status: str | None,
    findings: Sequence[Finding],
    block_on: str,
    no_baseline_reason: str | None,
) -> tuple[bool, str | None]:
    if not executed.spec.required or fail_on == "never":
        return False, None
    status = executed.status
    if fail_on in ("fail", "warning"):
        if status in ("fail", "error", "timeout"):
            return True, executed.reason
        if fail_on == "warning" and any(f.severity in ("error", "warning") for f in findings):
            return True, "warnings"
        return False, None
    reason = baselines.blocking_reason_new(
        _as_check(executed, findings),
        regression,
        entry_status,
        findings,
        block_on,
        no_baseline_reason,
    )
    return reason is not None, reason


def _as_check(executed: Executed, findings: Sequence[Finding]) -> CheckResult:
    outcome = executed.outcome
    return CheckResult(
        name=executed.spec.name,
        kind=executed.spec.kind,
        required=executed.spec.required,
        blocking=False,
        command=executed.command,
        status=executed.status,
        status_reason=executed.reason,
        exit_code=executed.exit_code,
        duration_s=executed.duration_s,
        parsers=tuple(outcome.parsers),
        measurement=outcome.measurement,
        counts=outcome.counts,
        findings=tuple(findings),
        findings_total=len(findings),
        findings_complete=outcome.findings_complete,
        tool_versions=dict(executed.tool_versions),
    )


def _finalise(
    executed: Executed,
    *,
    blocking: bool,
    regression: CheckRegression | None,
    classification: Mapping[str, str],
    scope: Sequence[str] | None,
    max_findings: int,
) -> CheckResult:
    findings: list[Finding] = []
    scope_set = set(scope) if scope is not None else None
    for f in executed.findings:
        # ``dataclasses.replace`` would run Finding's frozen __init__ once per finding
        findings.append(
            build_frozen(
                Finding,
                {
                    **vars(f),
                    "baseline": classification.get(f.fingerprint),
                    "in_scope": (f.path in scope_set) if scope_set is not None else None,
                },
            )
        )
    findings.sort(key=Finding.sort_key)
    total = len(findings)
    if total > max_findings:
        # new ones first, then the rest, each in the sorted order
        ranked = sorted(findings, key=lambda f: f.baseline != "new")
        findings = sorted(ranked[:max_findings], key=Finding.sort_key)
    base = _as_check(executed, findings)
    counts = base.counts
    if executed.spec.kind != "test" and counts is None and executed.outcome.measured:
        counts = Counts(findings=FindingCounts.of(findings))
    return replace(
        base,
        blocking=blocking,
        counts=counts,
        findings_total=total,
        findings_truncated=total > len(findings),
        tail=executed.tail,
        logs=executed.logs,
        stub=executed.stub,
        selection=executed.selection,
        regression=regression,
        modified_files=executed.modified_files,
        notes=tuple(executed.notes),
        timed_out_after_s=executed.timed_out_after_s,
        description=executed.spec.description,
    )


def _error_result(
    variant: Variant,
    fail_on: FailOn,
    root: str,
    run_id: str,
    started: str,
    t0: float,
    exc: GateConfigError,
    head: str | None,
    branch: str | None,
) -> GateResult:
    errors = tuple(
        Message(code=code, message=message, file=file, line=line, pointer=pointer)
        for code, message, file, line, pointer in exc.diagnostics
    )
    return GateResult(
        variant=variant,
        status="error",
        exit_code=1,
        fail_on=fail_on,
        checks=(),
        run_id=run_id,
        sessionkit_version=__version__,
        started_at=started,
        finished_at=baselines.utc_now(),
        duration_s=round(time.monotonic() - t0, 3),
        repo={"head": head, "branch": branch, "dirty": False},
        config={"sources": [], "files": [], "uncommitted": [], "shadowed": []},
        errors=errors,
        session=current_session(root),
    )


@gate_environment_errors
def run_gates(
    variant: str = "full-gate",
    repo: str | os.PathLike[str] = ".",
    *,
    checks: Sequence[str] | None = None,
    order: Sequence[str] | None = None,
    base: str | None = None,
    committed_only: bool = False,
    staged: bool = False,
    files: Sequence[str] | None = None,
    files_cwd: str | None = None,
    fail_on: str | None = None,
    fail_fast: bool | None = None,
    timeout_s: float | None = None,
    baseline: str = "auto",
    baseline_key: str | None = None,
    save_baseline: bool | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    emit_events: bool = True,
    dry_run: bool = False,
    stream: IO[str] | None = None,
    lock_timeout_s: float = 0.0,
    environ: Mapping[str, str] | None = None,
    baseline_output: str | None = None,
    store_ref: bool = True,
) -> GateResult:
    """Run the gate ``variant`` on the repository at ``repo`` and return its result.

    Raises GateUsageError (CLI exit 2) and GateEnvironmentError (exit 3); an invalid
    configuration returns a result with status ``error`` and exit code 1.
    """
    env = dict(os.environ if environ is None else environ)
    if variant not in VARIANTS:
        raise GateUsageError(f"unknown variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    the_variant = as_variant(variant)
    if staged and base is not None:
        raise GateUsageError("--staged and --base are mutually exclusive")
    if files is not None and the_variant != "per-file":
        raise GateUsageError("file arguments are only valid with --variant per-file")
    if the_variant == "per-file" and (staged or base is not None):
        # exactly one change source per run (§4.2): per-file's is its file list
        raise GateUsageError(
            f"--variant per-file takes its files as arguments; {'--staged' if staged else '--base'}"
            " is another change source"
        )
    if committed_only and base is None:
        raise GateUsageError("--committed-only requires --base")
    if gate_depth(env) > MAX_DEPTH:
        raise GateUsageError("recursive gate invocation (SESSIONKIT_GATE_DEPTH > 3)")
    if timeout_s is not None and not 1 <= timeout_s <= 86400:  # NaN fails both bounds
        raise GateUsageError(
            f"--timeout {timeout_s}: expected a number of seconds between 1 and 86400"
        )
    if fail_on is not None and fail_on not in FAIL_ON_MODES:
        raise GateUsageError(
            f"--fail-on {fail_on}: expected one of never, fail, new, error, warning"
        )
    root = git.get_root(repo)
    started = baselines.utc_now()
    t0 = time.monotonic()
    run_id = rundir.new_run_id(the_variant)
    head, branch = _head(root)
    tracked = _tracked(root)
    try:
        resolution = resolve(root, tracked)
    except GateConfigError as exc:
        mode = _fail_on(fail_on, the_variant, {"fail_on": {}})
        return _error_result(the_variant, mode, root, run_id, started, t0, exc, head, branch)
    return _run(
        resolution, the_variant, root, env, run_id, started, t0, head, branch, tracked,
        checks=checks, order=order, base=base, committed_only=committed_only, staged=staged,
        files=files, files_cwd=files_cwd, fail_on=fail_on, fail_fast=fail_fast,
        timeout_s=timeout_s, baseline=baseline, baseline_key=baseline_key,
        save_baseline=save_baseline, progress=progress, emit_events=emit_events,
        dry_run=dry_run, stream=stream, lock_timeout_s=lock_timeout_s,
        baseline_output=baseline_output, store_ref=store_ref,
    )  # fmt: skip


def _run(
    resolution: Resolution,
    variant: Variant,
    root: str,
    env: Mapping[str, str],
    run_id: str,
    started: str,
    t0: float,
    head: str | None,
    branch: str | None,
    tracked: list[str],
    *,
    checks: Sequence[str] | None,
    order: Sequence[str] | None,
    base: str | None,
    committed_only: bool,
    staged: bool,
    files: Sequence[str] | None,
    files_cwd: str | None,
    fail_on: str | None,
    fail_fast: bool | None,
    timeout_s: float | None,
    baseline: str,
    baseline_key: str | None,
    save_baseline: bool | None,
    progress: Callable[[ProgressEvent], None] | None,
    emit_events: bool,
    dry_run: bool,
    stream: IO[str] | None,
    lock_timeout_s: float,
    baseline_output: str | None,
    store_ref: bool,
) -> GateResult:
    policy = resolution.policy
    defaults = policy.defaults
    mode = _fail_on(fail_on, variant, defaults)
    try:
        specs = _order(
            resolution.checks,
            order or defaults.get("order"),
            policy.version is not None,
            root=None if order else root,
        )
    except GateConfigError as exc:
        return _error_result(variant, mode, root, run_id, started, t0, exc, head, branch)
    names = [s.name for s in specs]
    for name in checks or ():
        if name not in names:
            raise GateUsageError(f"--check {name}: unknown check; known: {', '.join(names)}")
    warnings: list[Message] = list(resolution.warnings)
    use_fail_fast = bool(defaults.get("fail_fast", False) if fail_fast is None else fail_fast)
    if variant == "baseline":
        use_fail_fast = False

    changes: ChangeSet | None = None
    if variant == "incremental":
        changes = change_set(
            root, staged=staged, base=base, committed_only=committed_only, environ=env
        )
    elif variant == "per-file":
        changes = given_files(root, files or (), files_cwd or os.getcwd())
    for text in changes.warnings if changes else ():
        warnings.append(Message("missing-file", text))
    file_scoped = changes is not None and (
        changes.mode == "files" or changes.base_commit is not None or changes.mode == "staged"
    )

    key = baseline_key or baselines.current_key(root, env)
    lookup: baselines.Lookup | None = None
    if variant != "baseline" and baseline != "none":  # read-only: --dry-run shows it too
        lookup = baselines.lookup(
            root,
            key=key,
            baseline_file=None if baseline == "auto" else baseline,
            base_commit=changes.base_commit if changes else None,
        )
        for text in lookup.warnings:
            warnings.append(Message("baseline-unreadable", text))
    baseline_doc = lookup.document if lookup else None
    no_baseline_reason = (lookup.reason if lookup else None) or "no-baseline"
    if mode == "new" and baseline_doc is None:
        warnings.append(
            Message(
                "no-baseline",
                f"--fail-on new: no baseline for {key} or its base; failures are blocking. "
                "Run: sessionkit gate baseline save",
            )
        )

    run_dir = os.path.join(root, rundir.GATES_DIR, "runs", run_id)
    ctx = RunContext(
        root=root,
        variant=variant,
        run_dir=run_dir,
        defaults=defaults,
        timeout_override=timeout_s,
        tracked=frozenset(tracked),
        stream=stream,
    )
    executed_all: list[Executed] = []
    results: list[CheckResult] = []
    command_hashes: dict[str, str] = {}
    blocked_once = False
    interrupted = False
    all_findings: dict[str, list[Finding]] = {}
    passed_ids: dict[str, set[str]] = {}

    def plan(spec: CheckSpec) -> tuple[str | None, tuple[str, ...] | None, CheckSelection | None]:
        """(skip reason, files to pass, selection) for one check under the change set."""
        if checks and spec.name not in checks:
            return "not-selected", None, None
        if not spec.configured:
            return "not-configured", None, None
        if spec.opt_out:
            return "opt-out", None, None
        if spec.builtin:
            return None, None, None
        if changes is None:
            return None, None, None
        if changes.mode == "files" and not changes.changed:
            return "no-files", None, None
        if not file_scoped:
            return None, None, CheckSelection((), "no-base")
        if spec.kind == "test" and spec.passes_files:
            chosen = select_tests(
                changes.changed,
                tracked,
                check_languages=_check_languages(spec, root),
                selection=policy.selection,
            )
            if chosen.files is None:
                return None, None, CheckSelection((), chosen.reason)
            if not chosen.files:
                return "no-selected-tests", None, CheckSelection((), chosen.reason)
            return None, chosen.files, CheckSelection(chosen.files, chosen.reason)
        if spec.passes_files:
            picked = filter_files(changes.changed, spec.files)
            if not picked:
                return "no-files", None, CheckSelection((), "no-files")
            return None, picked, CheckSelection(picked, "changed-files")
        return None, None, None

    base_cache: list[str | None] = []

    def builtin_base() -> str | None:
        """The base commit built-in checks scan from: the change set's, else ``--base auto``."""
        if not base_cache:
            if changes is not None and changes.base_commit is not None:
                base_cache.append(changes.base_commit)
            else:
                base_cache.append(resolve_base(root, base, env)[2])
        return base_cache[0]

    lock_cm = None
    if not dry_run:
        rundir.create(root, run_id, int(defaults.get("keep_runs", 20)))
        from sessionkit.gates.lock import gate_lock

        lock_cm = gate_lock(root, lock_timeout_s)
        lock_cm.__enter__()
    try:
        tree_state = worktree.snapshot(root) if not dry_run else {}
        runnable = [s for s in specs if plan(s)[0] is None]
        index = 0
        for spec in specs:
            skip_reason, pass_files, selection = plan(spec)
            if skip_reason is None and interrupted:
                skip_reason = "interrupted"
            elif skip_reason is None and use_fail_fast and blocked_once:
                skip_reason = "fail-fast"
            elif skip_reason is None and dry_run:
                skip_reason = "dry-run"
            if skip_reason is not None:
                executed = _skipped(spec, ctx, skip_reason, pass_files)
                executed.selection = selection
                if skip_reason == "dry-run":
                    executed.stub = detect_stub(executed.command.text, root, spec.cwd)
                    executed.selection = selection or CheckSelection((), spec.reason or "")
                executed_all.append(executed)
                continue
            index += 1
            if progress:
                progress(
                    ProgressEvent(
                        "started",
                        index,
                        len(runnable),
                        spec.name,
                        build_command(spec, ctx, pass_files)[0].text,
                    )
                )
            try:
                if spec.builtin:
                    executed = run_builtin(spec, ctx, builtin_base())
                else:
                    executed = run_check(spec, ctx, files=pass_files, selection=selection)
            except KeyboardInterrupt as interrupt:
                interrupted = True
                # the check's logs and tail when its child was running (spec §5.3)
                partial = getattr(interrupt, "partial", None)
                if isinstance(partial, Executed):
                    executed = partial
                else:
                    executed = _skipped(spec, ctx, "interrupted", pass_files)
                executed.status, executed.reason = "error", "interrupted"
            after = worktree.snapshot(root)
            executed.modified_files = worktree.changed_between(tree_state, after)
            tree_state = after
            if executed.modified_files:
                policy_mode = defaults.get("worktree_changes", "warn")
                if policy_mode == "fail" and executed.status in ("pass", "fail"):
                    executed.status, executed.reason = "fail", "modified-worktree"
                if policy_mode != "ignore":
                    warnings.append(
                        Message(
                            "modified-worktree",
                            f"{spec.name} modified {len(executed.modified_files)} file(s): "
                            + ", ".join(executed.modified_files[:5]),
                            check=spec.name,
                        )
                    )
            if executed.message:
                warnings.append(Message(executed.reason, executed.message, check=spec.name))
            executed_all.append(executed)
            if progress:
                progress(
                    ProgressEvent(
                        "finished",
                        index,
                        len(runnable),
                        spec.name,
                        executed.command.text,
                        executed.status,
                        executed.duration_s,
                    )
                )
            # blocking is needed now for fail-fast; recomputed identically below
            if (
                executed.status in ("fail", "error", "timeout")
                and spec.required
                and mode != "never"
            ):
                provisional = _decide(
                    executed,
                    mode,
                    baseline_doc,
                    no_baseline_reason,
                    changes,
                    policy.baseline,
                    lookup,
                )
                blocked_once = blocked_once or provisional[0]
    finally:
        if lock_cm is not None:
            lock_cm.__exit__(None, None, None)

    for executed in executed_all:
        spec = executed.spec
        if (
            executed.status == "skip"
            and executed.stub is not None
            and defaults.get("stubs", "warn") == "warn"
        ):  # ``allow``: the stub is only recorded (§3.5)
            warnings.append(
                Message(
                    "stub",
                    f"{spec.name}: stub command {executed.stub.text!r} verifies nothing; not run",
                    check=spec.name,
                )
            )
        if spec.configured:
            command_hashes[spec.name] = baselines.command_hash(
                executed.unscoped_text, spec.cwd, spec.env
            )
        blocking, regression, classification = _decide(
            executed, mode, baseline_doc, no_baseline_reason, changes, policy.baseline, lookup
        )
        all_findings[spec.name] = executed.findings
        passed_ids[spec.name] = executed.outcome.passed_ids
        scope = changes.changed if (changes is not None and executed.command.files_passed) else None
        if changes is not None and changes.mode == "files":
            scope = changes.changed
        results.append(
            _finalise(
                executed,
                blocking=blocking,
                regression=regression,
                classification=classification,
                scope=scope,
                max_findings=int(defaults.get("max_findings", 10000)),
            )
        )

    status: GateStatus = "fail" if any(r.blocking for r in results) else "pass"
    exit_code = 1 if status == "fail" else 0
    if interrupted:
        status, exit_code = "error", 3
    dirty = bool(
        git.run(
            ["status", "--porcelain", "--untracked-files=no", *baselines.OWN_STATE_PATHSPEC],
            cwd=root,
        ).stdout.strip()
    )
    regression_summary = _regression_summary(results, lookup, baseline_doc, root, policy.baseline)
    if dry_run and regression_summary is not None and baseline_doc is not None:
        # nothing ran, so nothing was compared: the baseline that would be used, as found
        regression_summary["comparable"] = True
    result = GateResult(
        variant=variant,
        status=status,
        exit_code=exit_code,
        fail_on=mode,
        checks=tuple(results),
        run_id=run_id,
        sessionkit_version=__version__,
        started_at=started,
        finished_at=baselines.utc_now(),
        duration_s=round(time.monotonic() - t0, 3),
        repo={"head": head, "branch": branch, "dirty": dirty},
        config=dict(resolution.config),
        selection=changes.to_dict() if changes is not None else None,
        regression=regression_summary,
        logs_dir=None if dry_run else os.path.relpath(run_dir, root).replace(os.sep, "/") + "/",
        warnings=tuple(warnings),
        errors=(Message("interrupted", "the gate was interrupted"),) if interrupted else (),
        session=current_session(root),
    )
    if dry_run:
        return result
    should_save = save_baseline if save_baseline is not None else variant == "baseline"
    if should_save and not interrupted:
        document = baselines.build_document(
            result,
            key=key,
            root=root,
            command_hashes=command_hashes,
            passed_ids=passed_ids,
            all_findings=all_findings,
            lockfiles=policy.baseline.get("lockfiles"),
        )
        if baseline_output is not None:
            try:
                rundir.write_json(baseline_output, document)
            except OSError as exc:  # a path the user asked for: exit 3 (§8.3)
                raise GateEnvironmentError(
                    f"cannot write the baseline to {baseline_output}: {exc.strerror or exc}"
                ) from exc
        if store_ref:
            ref = baselines.save(root, key, document)
            result = replace(
                result,
                warnings=(*result.warnings, Message("baseline-saved", f"baseline saved at {ref}")),
            )
        if emit_events:
            events.emit(
                root,
                "sessionkit.gate.baseline",
                {
                    "action": "saved",
                    "key": key,
                    "commit": head,
                    "checks": {c.name: c.status for c in results},
                },
                run_id=run_id,
                wave=(result.session or {}).get("wave"),
            )
    result_path = os.path.join(run_dir, "result.json")
    document_out = result.to_dict()
    rundir.write_result(
        [result_path, os.path.join(root, rundir.GATES_DIR, "latest.json")], document_out
    )
    if emit_events:
        events.emit(
            root,
            "sessionkit.gate.result",
            events.result_payload(result, os.path.relpath(result_path, root).replace(os.sep, "/")),
            run_id=run_id,
            wave=(result.session or {}).get("wave"),
        )
    return result


def _decide(
    executed: Executed,
    mode: FailOn,
    baseline_doc: Mapping[str, Any] | None,
    no_baseline_reason: str,
    changes: ChangeSet | None,
    baseline_policy: Mapping[str, Any],
    lookup: baselines.Lookup | None,
) -> tuple[bool, CheckRegression | None, dict[str, str]]:
    spec = executed.spec
    regression: CheckRegression | None = None
    classification: dict[str, str] = {}
    entry_status: str | None = None
    if baseline_doc is not None and executed.status not in ("skip",):
        entry = (baseline_doc.get("checks") or {}).get(spec.name)
        entry_status = entry.get("status") if entry else None
        # a scoped run is compared with the unscoped baseline of the same command
        hash_now = baselines.command_hash(executed.unscoped_text, spec.cwd, spec.env)
        comparable, reasons, notes = baselines.comparability(
            _as_check(executed, executed.findings), entry, hash_now
        )
        executed.notes.extend(n for n in notes if n not in executed.notes)
        if comparable and entry is not None and executed.status in ("pass", "fail"):
            scope = (
                changes.changed if changes is not None and executed.command.files_passed else None
            )
            regression, classification = baselines.diff_check(
                _as_check(executed, executed.findings),
                entry,
                findings=executed.findings,
                passed_ids=executed.outcome.passed_ids,
                enumerates_passing=executed.outcome.enumerates_passing,
                scope=scope,
                block_on=str(baseline_policy.get("block_on", "error")),
            )
        elif not comparable:
            regression = CheckRegression(comparable=False, reasons=tuple(reasons))
    block_on = str(baseline_policy.get("block_on", "error"))
    blocking, reason = _blocking(
        executed, mode, regression, entry_status, executed.findings, block_on, no_baseline_reason
    )
    if regression is not None and blocking and mode == "new":
        regression = replace(regression, blocking_reason=reason)
    elif regression is None and blocking and mode == "new" and executed.status == "fail":
        regression = CheckRegression(
            comparable=False, reasons=(no_baseline_reason,), blocking_reason=reason
        )
    del lookup
    return blocking, regression, classification


def _regression_summary(
    results: Sequence[CheckResult],
    lookup: baselines.Lookup | None,
    doc: Mapping[str, Any] | None,
    root: str,
    baseline_policy: Mapping[str, Any],
) -> dict[str, Any] | None:
    if lookup is None:
        return None
    if doc is None:
        return {
            "comparable": False,
            "reasons": [lookup.reason or "no-baseline"],
            "baseline": None,
            "dependencies_changed": False,
            "new": 0,
            "fixed": 0,
            "pre_existing": 0,
        }
    compared = [
        r.regression for r in results if r.regression is not None and r.regression.comparable
    ]
    reasons = sorted({reason for r in results if r.regression for reason in r.regression.reasons})
    lock_hash, _files = baselines.lockfile_state(root, baseline_policy.get("lockfiles"))
    return {
        "comparable": bool(compared),
        "reasons": reasons,
        "baseline": {
            "source": lookup.source,
            "ref" if lookup.source != "file" else "file": lookup.location,
            "commit": doc.get("commit"),
            "saved_at": doc.get("saved_at"),
        },
        "dependencies_changed": lock_hash != doc.get("lockfile_hash"),
        "new": sum(len(r.new) + len(r.new_failing) for r in compared),
        "fixed": sum(len(r.fixed) + len(r.fixed_tests) for r in compared),
        "pre_existing": sum(r.pre_existing for r in compared),
    }


__all__ = ["ProgressEvent", "run_gates", "timeout_for"]


def _baseline_context(repo: str | os.PathLike[str]) -> tuple[str, Resolution, RunContext]:
    """The root, the resolved checks and the run context of a ``baseline`` run that is only
    planned, not run (reuse validity compares against what it would record)."""
    root = git.get_root(repo)
    resolution = resolve(root, _tracked(root))
    ctx = RunContext(
        root=root,
        variant="baseline",
        run_dir="",
        defaults=resolution.policy.defaults,
        timeout_override=None,
        tracked=frozenset(),
    )
    return root, resolution, ctx


def baseline_command_hashes(repo: str | os.PathLike[str] = ".") -> dict[str, str]:
    """The command hash every configured check would have in a ``baseline`` run (for reuse)."""
    _root, resolution, ctx = _baseline_context(repo)
    return {
        spec.name: baselines.command_hash(
            build_command(spec, ctx, None)[0].text, spec.cwd, spec.env
        )
        for spec in resolution.checks
        if spec.configured
    }


def baseline_tool_versions(
    repo: str | os.PathLike[str] = ".", checks: Sequence[str] | None = None
) -> dict[str, dict[str, str]]:
    """The tool versions every configured check would record, probed without running it.

    For reuse validity (§7.3, ``tool-version-changed``): the identified tool of each check,
    versioned the way a run does when its output names none (§6.8: ``node_modules`` package,
    else ``<executable> --version`` in argv mode). Checks whose tool cannot be identified, or
    whose version cannot be learned this way, are left out (compared as unknown).
    """
    root, resolution, ctx = _baseline_context(repo)
    probed: dict[str, dict[str, str]] = {}
    for spec in resolution.checks:
        if not spec.configured or (checks and spec.name not in checks):
            continue
        record = build_command(spec, ctx, None)[0]
        found = identify(
            record.argv if record.mode == "argv" else None, record.text, root, spec.cwd
        )
        if found is None or found.tool is None:
            continue
        env = child_env(check=spec.name, variant="baseline", report_dir=root, extra=spec.env)
        version = tool_version(found.tool, record, ctx, env)
        if version != "unknown":
            probed[spec.name] = {found.tool: version}
    return probed
