"""``sessionkit-precommit config``: the ``sessionkit-config`` pre-commit hook (config.md §12).

Validates the whole Session Config of the repository (resolution depends on which files exist,
so not only the staged file) plus the policy files under ``.orchestrator/policy/``, and prints
the findings in the hook format of integration.md §2.2::

    sessionkit-config: Session Config has 2 errors (CLAUDE.md, section at line 40)
      CLAUDE.md:44: config.range: waves must be ≥ 3 (got 2)
    hint: fix the lines above; `sessionkit config validate` explains each rule

The same engine backs the ``config`` check of ``sessionkit check`` (:func:`run_check`), so the
hook and CI cannot disagree about a configuration (integration.md P1).

argparse only: a hook process imports no click. ``sessionkit.config`` is imported when the
check runs, and on a cache hit it stays standard-library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from sessionkit.config import Diagnostic, SessionConfig

HOOK_ID = "sessionkit-config"
CHECK_ID = "config"
MAX_LISTED = 50
LOOSENING_RULE = "config.uncommitted-loosening"
_LEVEL_OF_SEVERITY = {"error": "error", "warning": "warning", "info": "note"}
_HINT_FIX = "fix the lines above; `sessionkit config validate` explains each rule"
_HINT_ENV = "fix the file named above (or SESSIONKIT_CONFIG_FILE) and commit again"


class ConfigCheck:
    """One run of the config check: findings in check-result form plus what the verdict needs."""

    __slots__ = ("config", "env_problem", "existing", "findings", "host_file", "section_line")

    def __init__(
        self,
        *,
        findings: list[dict[str, Any]],
        host_file: str | None,
        section_line: int | None,
        env_problem: bool,
        config: SessionConfig | None,
        existing: tuple[str, ...] = (),
    ) -> None:
        self.findings = findings
        self.host_file = host_file
        self.section_line = section_line
        self.env_problem = env_problem
        self.config = config
        self.existing = existing  # the instruction files that exist (none may have a section)

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f["level"] == level)

    def counts(self) -> dict[str, int]:
        return {level: self.count(level) for level in ("error", "warning", "note")}

    def exit_code(self, *, fail_on: str = "error") -> int:
        """Exit code under ``fail_on`` (``error`` | ``warning`` | ``never``); env problems win."""
        if self.env_problem:
            return EXIT_ENVIRONMENT
        if fail_on == "never":
            return EXIT_OK
        if self.count("error") or (fail_on == "warning" and self.count("warning")):
            return EXIT_FINDINGS
        return EXIT_OK

    def location(self) -> str:
        """``CLAUDE.md, section at line 40`` — where the verdict is about."""
        if self.host_file is None:
            if self.existing:  # instruction files exist, none with a section
                return f"{', '.join(self.existing)}, no ## Session Config section"
            return "no CLAUDE.md or AGENTS.md"
        if self.section_line is None:
            return f"{self.host_file}, no ## Session Config section"
        return f"{self.host_file}, section at line {self.section_line}"

    def entry(self, *, fail_on: str = "error") -> dict[str, Any]:
        """The ``checks[]`` entry of a check-result document."""
        code = self.exit_code(fail_on=fail_on)
        status = {EXIT_OK: "pass", EXIT_FINDINGS: "fail"}.get(code, "error")
        return {
            "id": CHECK_ID,
            "status": status,
            "summary": self.summary(),
            "reason": None,
            "counts": self.counts(),
        }

    def summary(self) -> str:
        errors, warnings = self.count("error"), self.count("warning")
        if self.env_problem:
            return f"the Session Config could not be read ({self.location()})"
        if errors or warnings:
            return f"Session Config has {_counted(errors, warnings)} ({self.location()})"
        if self.host_file is None or self.section_line is None:
            return f"no Session Config; defaults apply ({self.location()})"
        return f"Session Config is valid ({self.location()})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counted(errors: int, warnings: int) -> str:
    parts = [_plural(errors, "error")] if errors else []
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return " and ".join(parts)


def fingerprint(check: str, rule: str, path: str | None, content: str) -> str:
    """Stable across line moves: hash of check, rule, path and whitespace-normalised content."""
    normalised = " ".join(content.split())
    data = "\0".join((check, rule, path or "", normalised)).encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()[:32]


def to_finding(
    diagnostic: Diagnostic, *, level: str | None = None, message: str | None = None
) -> dict[str, Any]:
    """A config diagnostic as a check-result finding (info becomes ``note``)."""
    text = message if message is not None else diagnostic.message
    key = diagnostic.key or ""
    return {
        "check": CHECK_ID,
        "rule_id": diagnostic.rule,
        "level": level or _LEVEL_OF_SEVERITY.get(diagnostic.severity, "note"),
        "path": diagnostic.file,
        "line": diagnostic.line,
        "end_line": diagnostic.line,
        "column": diagnostic.column,
        "message": text,
        "hint": diagnostic.hint,
        "fingerprint": fingerprint(CHECK_ID, diagnostic.rule, diagnostic.file, f"{key} {text}"),
    }


def _json_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _loosening_note(diagnostic: Diagnostic, cfg: SessionConfig) -> str:
    """The note for a loosening that this very commit makes effective (config.md §12.2)."""
    key = diagnostic.key
    state = cfg.report.loosening.get(key) if key and cfg.report is not None else None
    if not state:
        return diagnostic.message
    return (
        f"{key}: {_json_value(state.get('working'))} takes effect with this commit "
        f"(committed value: {_json_value(state.get('head'))})"
    )


def run_check(
    root: str,
    *,
    environ: Mapping[str, str] | None = None,
    policy: bool = True,
    committing: bool = False,
) -> ConfigCheck:
    """Load the Session Config of ``root`` and validate the policy files.

    ``committing``: the caller is a commit-stage hook, so a pending loosening is the commit
    that makes it effective and is reported as a note instead of a warning (config.md §12.2).
    The cache is bypassed when ``CI`` is set: CI never trusts a cache it did not write
    (config.md §10.5).
    """
    from sessionkit.config import ConfigError, load_config

    env = os.environ if environ is None else environ
    use_cache = not env.get("CI")
    cfg: SessionConfig | None
    try:
        cfg = load_config(root, use_cache=use_cache, environ=env)
        report = cfg.report
    except ConfigError as exc:
        cfg, report = None, exc.report
        diagnostics: list[Diagnostic] = list(exc.diagnostics)
    else:
        diagnostics = list(report.diagnostics)
    if policy:
        from sessionkit.config import validate_policy_files

        diagnostics.extend(validate_policy_files(root))

    findings = []
    for diagnostic in diagnostics:
        if committing and diagnostic.rule == LOOSENING_RULE and cfg is not None:
            findings.append(
                to_finding(diagnostic, level="note", message=_loosening_note(diagnostic, cfg))
            )
        else:
            findings.append(to_finding(diagnostic))
    # A load that raised (a named file missing or unreadable) could not check anything.
    env_problem = cfg is None or any(
        d.severity == "error" and d.category == "env" for d in diagnostics
    )
    section = report.section if report is not None else None
    consulted = report.consulted if report is not None else ()
    return ConfigCheck(
        findings=findings,
        host_file=report.host_file if report is not None else None,
        section_line=section[0] if section else None,
        env_problem=env_problem,
        config=cfg,
        existing=tuple(str(c["path"]) for c in consulted if c.get("exists")),
    )


def finding_line(finding: Mapping[str, Any]) -> str:
    """``  CLAUDE.md:44: config.range: waves must be ≥ 3 (got 2)`` (integration.md §2.2)."""
    where = finding["path"] or "Session Config"
    if finding["line"]:
        where = f"{where}:{finding['line']}"
    return f"  {where}: {finding['rule_id']}: {finding['message']}"


def render_text(check: ConfigCheck, *, strict: bool) -> str:
    """The hook's text output; empty when there is nothing worth a line."""
    shown = [
        f
        for f in check.findings
        if f["level"] in ("error", "warning") or f["rule_id"] == LOOSENING_RULE
    ]
    if not shown and not check.env_problem:
        return ""
    code = check.exit_code(fail_on="warning" if strict else "error")
    errors, warnings = check.count("error"), check.count("warning")
    notes = sum(1 for f in shown if f["level"] == "note")
    if check.env_problem:
        verdict = f"the Session Config could not be read ({check.location()})"
    elif code == EXIT_FINDINGS:
        verdict = f"Session Config has {_counted(errors, warnings)} ({check.location()})"
    elif warnings:
        verdict = (
            f"Session Config is valid, with {_plural(warnings, 'warning')} ({check.location()})"
        )
    else:
        verdict = (
            f"Session Config is valid; {_plural(notes, 'loosening')} "
            f"{'takes' if notes == 1 else 'take'} effect with this commit ({check.location()})"
        )
    lines = [f"{HOOK_ID}: {verdict}"]
    lines.extend(finding_line(f) for f in shown[:MAX_LISTED])
    if len(shown) > MAX_LISTED:
        lines.append(
            f'  … and {len(shown) - MAX_LISTED} more (run "sessionkit check --only {CHECK_ID}" '
            "for the full list)"
        )
    if code == EXIT_ENVIRONMENT:
        lines.append(f"hint: {_HINT_ENV}")
    elif code == EXIT_FINDINGS:
        lines.append(f"hint: {_HINT_FIX}")
    return "\n".join(lines) + "\n"


def document(
    command: str,
    entries: Sequence[Mapping[str, Any]],
    findings: Sequence[Mapping[str, Any]],
    exit_code: int,
) -> dict[str, Any]:
    """A ``schemas/check-result.schema.json`` document."""
    from sessionkit._version import __version__

    verdict = {EXIT_OK: "pass", EXIT_FINDINGS: "fail"}.get(exit_code, "error")
    return {
        "schema_version": 1,
        "command": command,
        "sessionkit": __version__,
        "verdict": verdict,
        "exit_code": exit_code,
        "range": None,
        "checks": list(entries),
        "findings": list(findings),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"sessionkit-precommit {CHECK_ID}",
        description="Validate the Session Config and the policy files of this repository.",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail the hook too")
    parser.add_argument("--json", action="store_true", help="print a check-result document")
    parser.add_argument(
        "--no-policy", action="store_true", help="skip the .orchestrator/policy/ validators"
    )
    # pre-commit passes no file names (pass_filenames: false); accepted for manual runs.
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    return parser


def _environment_failure(message: str, as_json: bool) -> int:
    if as_json:
        _print(json.dumps(document(HOOK_ID, [], [], EXIT_ENVIRONMENT), indent=2))
    else:
        _print(f"{HOOK_ID}: {message}\n")
    return EXIT_ENVIRONMENT


def _print(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sessionkit-precommit config``; returns the exit code."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse: --help exits 0, a usage error exits 2
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    from sessionkit import git
    from sessionkit.errors import GitNotFound, NotAGitRepository

    try:
        root = git.get_root(os.getcwd())
    except GitNotFound:
        return _environment_failure("git not found on PATH", args.json)
    except (NotAGitRepository, OSError):
        return _environment_failure(
            "not inside a git work tree (run from the repository root)", args.json
        )
    try:
        check = run_check(root, policy=not args.no_policy, committing=True)
    except Exception as exc:  # one sentence, never a traceback inside a git commit
        if os.environ.get("SESSIONKIT_DEBUG"):
            import traceback

            traceback.print_exc()
        return _environment_failure(
            f"internal error: {type(exc).__name__}: {exc} (a bug in sessionkit; "
            "rerun with SESSIONKIT_DEBUG=1 and report it)",
            args.json,
        )
    code = check.exit_code(fail_on="warning" if args.strict else "error")
    if args.json:
        entry = check.entry(fail_on="warning" if args.strict else "error")
        _print(json.dumps(document(HOOK_ID, [entry], check.findings, code), indent=2))
    else:
        text = render_text(check, strict=args.strict)
        if text:
            sys.stdout.write(text)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
