"""``sessionkit hook``: check the installed agent hooks (agent-hooks.md §14.5, §14.6).

``selftest`` feeds canned payloads through the hook, exactly as a harness would, and checks
each answer. Exit codes: 0 all cases pass, 1 any case fails, 2 usage, 3 the command cannot be
run or the fixture cannot be created. ``--json``: ``schemas/hook-selftest.schema.json``.

``explain`` runs one tool call through the hook's dispatcher in process and shows every step
(§14.6); ``--json``: ``schemas/hook-explain.schema.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click

from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json
from sessionkit.errors import EXIT_FINDINGS, EXIT_OK, EnvironmentProblem


@click.group("hook")
def hook() -> None:
    """Self-test the installed agent hooks and explain their decisions."""


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


@hook.command("explain")
@click.option("--harness", type=click.Choice(["claude", "codex", "cursor"]), default=None)
@click.option("--shell", "shell", default=None, metavar="CMD", help="A shell command to judge.")
@click.option("--edit", "edit", default=None, metavar="PATH", help="A file an edit writes.")
@click.option(
    "--content-file",
    default=None,
    metavar="FILE",
    help="New content of the --edit file (default: unchanged).",
)
@click.option("--payload", "payload", default=None, metavar="FILE", help="A payload ('-': stdin).")
@click.option("--cwd", "cwd", default=None, metavar="DIR", help="Working directory of the call.")
@click.option("--role", type=click.Choice(["coordinator", "agent", "unknown"]), default=None)
@click.option("--record", is_flag=True, help="Record the decision event as the hook would.")
@click.option("--json", "as_json", is_flag=True, help="Print the hook-explain document.")
def explain(
    harness: str | None,
    shell: str | None,
    edit: str | None,
    content_file: str | None,
    payload: str | None,
    cwd: str | None,
    role: str | None,
    record: bool,
    as_json: bool,
) -> None:
    """Run one tool call through the hook in process and show every step.

    Exactly one of --shell, --edit or --payload. Exit codes: 0 allow or warn, 1 block,
    2 usage, 3 a file cannot be read.
    """
    from sessionkit.agents import explain as explain_mod
    from sessionkit.errors import UsageError

    given = [
        name
        for name, value in (("--shell", shell), ("--edit", edit), ("--payload", payload))
        if value is not None
    ]
    if len(given) != 1:
        raise UsageError("give exactly one of --shell, --edit or --payload")
    if content_file is not None and edit is None:
        raise UsageError("--content-file needs --edit")
    if cwd is not None and not Path(cwd).is_dir():
        raise EnvironmentProblem(f"--cwd {cwd}: not a directory")
    base = os.path.abspath(cwd or os.getcwd())
    event: str | None = None
    if payload is not None:
        data = _read_input(payload)
    else:
        content = None
        if content_file is not None:
            content = _read_input(content_file).decode("utf-8", "replace")
        try:
            event, doc = explain_mod.build_payload(
                harness or "claude", cwd=base, shell=shell, edit=edit, content=content
            )
        except explain_mod.ExplainInputError as exc:
            raise EnvironmentProblem(str(exc)) from exc
        harness = harness or "claude"
        data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    report = explain_mod.explain(harness, data, event=event, cwd=base, role=role, record=record)
    if as_json:
        echo_json(report)
    else:
        click.echo(explain_mod.render_text(report))
    exit_with(EXIT_FINDINGS if report["decision"]["action"] == "block" else EXIT_OK)


def _read_input(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read {name}: {exc.strerror or exc}") from exc


def _repo_root() -> Path | None:
    from sessionkit.errors import SessionkitError
    from sessionkit.git import get_root

    try:
        return Path(get_root(Path.cwd()))
    except SessionkitError:
        return None
