"""``sessionkit hook``: check the installed agent hooks (agent-hooks.md §14.5).

``selftest`` feeds canned payloads through the hook, exactly as a harness would, and checks
each answer. Exit codes: 0 all cases pass, 1 any case fails, 2 usage, 3 the command cannot be
run or the fixture cannot be created. ``--json``: ``schemas/hook-selftest.schema.json``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json
from sessionkit.errors import EXIT_FINDINGS, EXIT_OK, EnvironmentProblem


@click.group("hook")
def hook() -> None:
    """Self-test the installed agent hooks."""


@hook.command("selftest")
@click.option("--harness", type=click.Choice(["claude", "codex", "cursor"]), default="claude")
@click.option("--command", "command", default=None, help="Hook command to test.")
@click.option("--quick", is_flag=True, help="Only shell-allow, shell-block and malformed.")
@click.option("--in-process", is_flag=True, help="Run the dispatcher in this process.")
@click.option("--json", "as_json", is_flag=True, help="Print the hook-selftest document.")
def selftest(
    harness: str, command: str | None, quick: bool, in_process: bool, as_json: bool
) -> None:
    """Feed canned payloads through the hook for HARNESS and check the answers."""
    from sessionkit.agents.selftest import run_selftest

    if shutil.which("git") is None:
        raise EnvironmentProblem("git is not installed; the selftest needs it for its fixture")
    root = _repo_root()
    result = run_selftest(harness, command=command, quick=quick, in_process=in_process, root=root)
    if as_json:
        echo_json(result)
    else:
        state = "installed" if result["installed"] else "not installed"
        click.echo(f"harness {harness}: command {result['command']} ({state})")
        for case in result["cases"]:
            actual = case["actual"]
            mark = "ok  " if case["ok"] else "FAIL"
            rules = ", ".join(actual["rule_ids"]) or "-"
            click.echo(
                f"  {mark} {case['id']:<26} {actual['decision']:<6} [{rules}] "
                f"{case['duration_ms']:.0f} ms"
            )
            if not case["ok"]:
                want = case["expected"]
                click.echo(
                    f"       expected {want['decision']} {want['rule_ids']}; exit "
                    f"{actual['exit_code']}; stderr: {actual['stderr_tail'].strip()[:200]}"
                )
        ratio = result["median_ms"] / result["baseline_ms"] if result["baseline_ms"] else 0.0
        click.echo(
            f"median shell-allow {result['median_ms']:.1f} ms; python -c pass "
            f"{result['baseline_ms']:.1f} ms; ratio {ratio:.2f}"
        )
    if all(c["actual"]["exit_code"] == 127 for c in result["cases"]):
        raise EnvironmentProblem(f"the hook command {result['command']} cannot be run")
    exit_with(EXIT_OK if result["ok"] else EXIT_FINDINGS)


def _repo_root() -> Path | None:
    from sessionkit.errors import SessionkitError
    from sessionkit.git import get_root

    try:
        return Path(get_root(Path.cwd()))
    except SessionkitError:
        return None
