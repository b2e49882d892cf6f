"""``sessionkit check``: the repository checks behind CI and ``make run`` (integration.md §3).

The checks form a small registry (:data:`CHECKS`): each row names the function that runs one
check, and that function is the same engine as the check's pre-commit hook, so a commit and a
CI run cannot disagree (integration.md P1). A capability that builds a check (``scope``,
``protected``, ``guard-scripts``, ``secrets``, ``metrics``, ``agents``, ``commit-msg``,
``gates``) adds one row here and one module; nothing else changes.

A check function is called as ``run(root, environ=...)`` and returns a :class:`CheckRun`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import click

from sessionkit import git
from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json
from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, EXIT_OK, UsageError

# Every check id of integration.md §3, in report order. Ids without a registry row are not
# built yet; asking for one is a usage error rather than a silent pass (integration.md P3).
KNOWN_IDS: tuple[str, ...] = (
    "config",
    "scope",
    "protected",
    "guard-scripts",
    "secrets",
    "metrics",
    "agents",
    "commit-msg",
    "gates",
)
# ``fail`` is accepted as an alias of ``error`` (the gate's word for the same mode).
FAIL_ON = ("error", "warning", "new", "never", "fail")
# Variants of the ``gates`` check (gates.md §10.4); ``per-file`` needs files, which check has not.
GATE_VARIANTS = ("full-gate", "incremental", "baseline")


class CheckRun(Protocol):
    """What one check reports: check-result findings, its ``checks[]`` entry, its exit code."""

    @property
    def findings(self) -> list[dict[str, Any]]: ...

    def entry(self, *, fail_on: str = ...) -> dict[str, Any]: ...

    def exit_code(self, *, fail_on: str = ...) -> int: ...


@dataclass(frozen=True)
class CheckSpec:
    """One registered check: where its engine lives and whether it is in the default set."""

    module: str
    function: str
    default: bool = True

    def load(self) -> Callable[..., CheckRun]:
        function: Callable[..., CheckRun] = getattr(
            importlib.import_module(self.module), self.function
        )
        return function


CHECKS: dict[str, CheckSpec] = {
    "config": CheckSpec("sessionkit.precommit.config", "run_check"),
    "gates": CheckSpec("sessionkit.gates.check", "run_check", default=False),
}


def _split_ids(values: Iterable[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _validate_ids(ids: Iterable[str], option: str) -> None:
    for check_id in ids:
        if check_id in ("default", "all"):
            continue
        if check_id not in KNOWN_IDS:
            raise UsageError(
                f"unknown check id {check_id!r} in {option}",
                hint=f"known check ids: {', '.join(KNOWN_IDS)} (or `default`, `all`)",
            )


def select_checks(only: Iterable[str], skip: Iterable[str]) -> list[str]:
    """The check ids to run, in report order; raises :class:`UsageError` for bad ids."""
    only_ids, skip_ids = _split_ids(only), _split_ids(skip)
    _validate_ids(only_ids, "--only")
    _validate_ids(skip_ids, "--skip")
    if not only_ids or "default" in only_ids:
        wanted = {cid for cid, spec in CHECKS.items() if spec.default}
    else:
        wanted = set()
    if "all" in only_ids:
        wanted |= set(CHECKS)
    for check_id in only_ids:
        if check_id in ("default", "all"):
            continue
        if check_id not in CHECKS:
            raise UsageError(
                f"check {check_id!r} is not available in this version of sessionkit",
                hint=f"available checks: {', '.join(sorted(CHECKS))}",
            )
        wanted.add(check_id)
    wanted -= set(skip_ids)
    if not wanted:
        raise UsageError(
            "no check left to run after --only/--skip",
            hint=f"available checks: {', '.join(sorted(CHECKS))}",
        )
    return [check_id for check_id in KNOWN_IDS if check_id in wanted]


def overall_exit(codes: Iterable[int]) -> int:
    """Environment problems win over findings; findings over a pass."""
    codes = list(codes)
    if EXIT_ENVIRONMENT in codes:
        return EXIT_ENVIRONMENT
    return EXIT_FINDINGS if EXIT_FINDINGS in codes else EXIT_OK


def run_checks(
    root: str,
    ids: Iterable[str],
    *,
    fail_on: str,
    environ: Mapping[str, str],
    options: Mapping[str, Mapping[str, Any]] | None = None,
    base_prints: Mapping[str, frozenset[str]] | None = None,
    base_label: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Run ``ids`` on ``root``: (``checks[]`` entries, findings, exit code).

    ``options`` maps a check id to extra keyword arguments of its function (the gate options).
    ``base_prints`` (``--fail-on new``): per non-gate check id, the fingerprints of its
    error-level findings on a clean checkout of the base; only findings not among them block
    (integration.md §3). The ``gates`` check compares with its own baseline instead.
    """
    fail_on = "error" if fail_on == "fail" else fail_on
    entries: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    codes: list[int] = []
    for check_id in ids:
        extra = (options or {}).get(check_id) or {}
        result: CheckRun = CHECKS[check_id].load()(root, environ=environ, **extra)
        if fail_on == "new" and base_prints is not None and check_id != "gates":
            result = AgainstBase(result, base_prints.get(check_id, frozenset()), base_label)
        entries.append(result.entry(fail_on=fail_on))
        findings.extend(result.findings)
        codes.append(result.exit_code(fail_on=fail_on))
    return entries, findings, overall_exit(codes)


class AgainstBase:
    """A non-gate check judged under ``--fail-on new``: an error-level finding blocks only
    when its fingerprint does not occur in the same check on the base commit.

    ``base_label`` None means no base could be resolved: nothing can be proved pre-existing,
    so every error-level finding counts as new. Environment and usage problems keep their
    exit codes whatever the comparison says (integration.md P3).
    """

    def __init__(self, run: CheckRun, base_prints: frozenset[str], base_label: str | None):
        self.run = run
        self.base_prints = base_prints
        self.base_label = base_label

    @property
    def findings(self) -> list[dict[str, Any]]:
        return self.run.findings

    def new_errors(self) -> list[dict[str, Any]]:
        return [
            f
            for f in self.run.findings
            if f["level"] == "error" and f.get("fingerprint") not in self.base_prints
        ]

    def exit_code(self, *, fail_on: str = "new") -> int:
        code = self.run.exit_code(fail_on="error")
        if code not in (EXIT_OK, EXIT_FINDINGS):
            return code
        return EXIT_FINDINGS if self.new_errors() else EXIT_OK

    def entry(self, *, fail_on: str = "new") -> dict[str, Any]:
        entry = dict(self.run.entry(fail_on="error"))
        code = self.exit_code()
        entry["status"] = {EXIT_OK: "pass", EXIT_FINDINGS: "fail"}.get(code, "error")
        errors = sum(1 for f in self.run.findings if f["level"] == "error")
        if errors and code in (EXIT_OK, EXIT_FINDINGS):
            new = len(self.new_errors())
            against = (
                f"against {self.base_label}"
                if self.base_label
                else "no base: every error counts as new"
            )
            entry["summary"] = (
                f"{entry.get('summary', '')} [{new} new, {errors - new} pre-existing; {against}]"
            ).lstrip()
        return entry


def base_fingerprints(
    root: str, commit: str, ids: Iterable[str], environ: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    """Run the non-gate checks ``ids`` on a clean checkout of ``commit`` (a temporary detached
    worktree, removed afterwards): per check id, the fingerprints of its error-level findings.
    """
    import shutil
    import tempfile

    prints: dict[str, frozenset[str]] = {}
    parent = tempfile.mkdtemp(prefix="sessionkit-check-base-")
    tree = os.path.join(parent, "base")
    try:
        added = git.run(
            ["worktree", "add", "--detach", "--quiet", tree, commit], cwd=root, check=False
        )
        if added.returncode != 0:
            from sessionkit.gates.errors import GateEnvironmentError

            raise GateEnvironmentError(
                f"cannot check out the base commit {commit[:12]} for --fail-on new: "
                + added.stderr.decode(errors="replace").strip()
            )
        for check_id in ids:
            run = CHECKS[check_id].load()(tree, environ=environ)
            prints[check_id] = frozenset(
                f["fingerprint"]
                for f in run.findings
                if f["level"] == "error" and f.get("fingerprint")
            )
    finally:
        git.run(["worktree", "remove", "--force", tree], cwd=root, check=False)
        shutil.rmtree(parent, ignore_errors=True)
        git.run(["worktree", "prune"], cwd=root, check=False)
    return prints


def resolve_range(
    root: str, base: str | None, head: str | None, all_files: bool, environ: Mapping[str, str]
) -> dict[str, Any] | None:
    """The check-result ``range``: ``all-files`` (``--all-files``, or ``--base auto`` finding
    no base: "whole tree (no base)"), ``range`` for a resolved base, else None (the working
    tree). ``base`` is the merge base of the given or resolved ref with HEAD."""
    if all_files:
        return {"base": None, "head": None, "mode": "all-files"}
    if base is None:
        return None
    from sessionkit.gates.select import resolve_base

    _source, _ref, commit = resolve_base(root, base, environ)
    if commit is None:
        return {"base": None, "head": None, "mode": "all-files"}
    return {"base": commit, "head": head or "HEAD", "mode": "range"}


def _finding_text(finding: Mapping[str, Any]) -> list[str]:
    where = finding["path"] or "(repository)"
    if finding.get("line"):
        where += f":{finding['line']}"
        if finding.get("column"):
            where += f":{finding['column']}"
    lines = [f"  {where}: {finding['level']}: {finding['rule_id']}: {finding['message']}"]
    if finding.get("hint"):
        lines.append(f"    hint: {finding['hint']}")
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_text(entries: list[dict[str, Any]], findings: list[dict[str, Any]], code: int) -> str:
    lines: list[str] = []
    for entry in entries:
        lines.append(f"{entry['id']}: {entry['status']}: {entry.get('summary', '')}".rstrip())
        for finding in findings:
            if finding["check"] == entry["id"] and finding["level"] in ("error", "warning"):
                lines.extend(_finding_text(finding))
    totals = {
        level: sum(e["counts"][level] for e in entries) for level in ("error", "warning", "note")
    }
    verdict = {EXIT_OK: "pass", EXIT_FINDINGS: "fail"}.get(code, "error")
    checks = f"{len(entries)} check{'' if len(entries) == 1 else 's'}"
    tally = ", ".join(
        _plural(totals[level], word)
        for level, word in (("error", "error"), ("warning", "warning"), ("note", "note"))
    )
    lines.append(f"sessionkit check: {verdict} ({checks}; {tally})")
    return "\n".join(lines)


def _gate_options(
    root: str,
    ids: list[str],
    base: str | None,
    head: str | None,
    variant: str | None,
    timeout_s: float | None,
    gate_checks: tuple[str, ...],
    all_files: bool = False,
) -> dict[str, Any]:
    """The keyword options of the ``gates`` check; usage errors before anything runs."""
    given = [
        name
        for name, value in (
            ("--variant", variant),
            ("--timeout", timeout_s),
            ("--gate-check", gate_checks),
        )
        if value
    ]
    if given and "gates" not in ids:
        raise UsageError(
            f"{', '.join(given)} only apply to the gates check, which is not selected",
            hint="add `--only default,gates` (or `--only all`)",
        )
    if "gates" not in ids:
        return {}
    if all_files and variant == "incremental":
        raise UsageError(
            "--variant incremental judges the changed files; --all-files has no change set",
            hint="use --variant full-gate (the default) with --all-files",
        )
    from sessionkit.gates.errors import GateEnvironmentError
    from sessionkit.gates.select import FETCH_HINT, validate_ref

    for ref in (base, head):
        if ref is not None and ref != "auto":
            validate_ref(ref)
    if head is not None:
        found = git.run(
            ["rev-parse", "--verify", "--quiet", f"{head}^{{commit}}"], cwd=root, check=False
        )
        if found.returncode != 0:
            raise GateEnvironmentError(f"--head {head}: not found in this clone", hint=FETCH_HINT)
    return {
        "variant": variant or "full-gate",
        "timeout_s": timeout_s,
        "gate_checks": _split_ids(gate_checks) or None,
        "base": base,
        "head": head,
        # without `config`, nothing else reports an invalid quality-gates.json (§3.2)
        "config_selected": "config" in ids,
    }


@click.command("check")
@click.option(
    "--repo",
    "repo",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="Repository to check (any directory inside its work tree).",
)
@click.option(
    "--only", "only", multiple=True, help="Comma-separated check ids, `default` or `all`."
)
@click.option("--skip", "skip", multiple=True, help="Comma-separated check ids to leave out.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="Which findings make the exit code 1 (`fail` = `error`; for gates, `new` compares "
    "with the gate baseline).",
)
@click.option(
    "--base",
    "base",
    default=None,
    metavar="REF|auto",
    help="Base of the change set (gates: used by --variant incremental).",
)
@click.option(
    "--head",
    "head",
    default=None,
    metavar="REF",
    help="Head judged (gates: not-applicable unless it is the checked-out HEAD).",
)
@click.option(
    "--all-files",
    "all_files",
    is_flag=True,
    help="Judge the whole tree, not a base..head range (no base; exclusive with --base).",
)
@click.option(
    "--variant",
    type=click.Choice(GATE_VARIANTS),
    default=None,
    help="gates: the gate variant  [default: full-gate]",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1, max=86400),
    default=None,
    metavar="SECONDS",
    help="gates: timeout of every gate check.",
)
@click.option(
    "--gate-check",
    "gate_checks",
    multiple=True,
    metavar="NAME",
    help="gates: run only this gate check (repeatable, or comma-separated).",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT[=PATH]",
    help="json, junit, codequality (gitlab), sarif, github, markdown, text (repeatable).",
)
@click.option(
    "--github-annotations",
    type=click.IntRange(1, 10),
    default=10,
    show_default=True,
    help="github: annotations per level (N - 1 plus a 'more' line).",
)
@click.option(
    "--no-github-summary", is_flag=True, help="github: do not append to $GITHUB_STEP_SUMMARY."
)
@click.option("--json", "as_json", is_flag=True, help="Print a check-result JSON document.")
def check(
    repo: str,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    fail_on: str,
    base: str | None,
    head: str | None,
    all_files: bool,
    variant: str | None,
    timeout_s: float | None,
    gate_checks: tuple[str, ...],
    reports: tuple[str, ...],
    github_annotations: int,
    no_github_summary: bool,
    as_json: bool,
) -> None:
    """Run the repository checks: the CI counterpart of the pre-commit hooks.

    `gates` (opt-in: `--only default,gates` or `--only all`) runs the quality gate; --variant,
    --timeout and --gate-check are passed to it.

    Exit codes: 0 pass, 1 findings (per --fail-on), 2 usage error, 3 environment error.
    """
    ids = select_checks(only, skip)
    report_on_stdout = _check_reports(reports, as_json)
    if all_files and base is not None:
        raise UsageError(
            "--all-files and --base are mutually exclusive",
            hint="--all-files judges the whole tree; --base judges base...head",
        )
    root = git.get_root(repo)
    options = {
        "gates": _gate_options(
            root, ids, base, head, variant, timeout_s, gate_checks, all_files=all_files
        )
    }
    fail_on = "error" if fail_on == "fail" else fail_on
    plain = [check_id for check_id in ids if check_id != "gates"]
    # only the non-gate checks need a base under --fail-on new (the gate compares with its
    # baseline), so `--only gates --fail-on new` resolves nothing here
    judged = resolve_range(
        root,
        base if base is not None else ("auto" if fail_on == "new" and plain else None),
        head,
        all_files,
        os.environ,
    )
    base_prints: dict[str, frozenset[str]] | None = None
    base_label: str | None = None
    if fail_on == "new" and plain:
        base_prints = {}
        if judged is not None and judged["mode"] == "range":
            base_label = f"base {judged['base'][:12]}"
            base_prints = base_fingerprints(root, judged["base"], plain, os.environ)
    entries, findings, code = run_checks(
        root,
        ids,
        fail_on=fail_on,
        environ=os.environ,
        options=options,
        base_prints=base_prints,
        base_label=base_label,
    )
    from sessionkit.precommit.config import document

    doc = document("check", entries, findings, code)
    doc["range"] = judged
    text = render_text(entries, findings, code)
    if judged is not None and judged["mode"] == "all-files":
        text = "sessionkit check: whole tree (no base)\n" + text
    if as_json:
        echo_json(doc)
    else:
        from sessionkit.gates.reports.github import without_commands

        # a report document on stdout owns it; the human rendering moves to stderr (§9.1);
        # finding messages are tool output, inert in an Actions step (§9.6)
        click.echo(without_commands(text + "\n"), err=report_on_stdout, nl=False)
    _write_reports(doc, text, reports, github_annotations, no_github_summary, root)
    exit_with(code)


def _check_reports(specs: tuple[str, ...], as_json: bool) -> bool:
    """``--report`` usage errors before any check runs (exit 2); True when a report document
    goes to stdout."""
    if not specs:
        return False
    from sessionkit.gates.reports import check_stdout, parse_spec

    for spec in specs:
        name, _path = parse_spec(spec)
        if name == "github-output":
            raise UsageError(
                "--report github-output is a gate report; sessionkit check has no step outputs",
                hint="read verdicts from the json report (--report json=PATH)",
            )
    return check_stdout(specs, as_json=as_json)


def _write_reports(
    doc: dict[str, Any],
    text: str,
    specs: tuple[str, ...],
    github_annotations: int,
    no_github_summary: bool,
    root: str,
) -> None:
    """Every ``--report``, rendered by the gate report writers from ``from_check_document``
    (gates.md §9.1), so both commands obey the same platform limits and escaping."""
    if not specs:
        return
    from sessionkit.gates.reports import (
        emit,
        from_check_document,
        parse_spec,
        write_model_report,
    )

    model = from_check_document(doc)
    for spec in specs:
        name, path = parse_spec(spec)
        if name == "text":  # the terminal rendering of this command, without colour
            emit(text + "\n", path or "-")
            continue
        write_model_report(
            model,
            name,
            path,
            github_annotations=github_annotations,
            github_summary=not no_github_summary,
            root=root,
        )
