"""The ``sessionkit`` command line: a thin shell over the library.

Each command group lives in its own module (``cli/<group>.py``) and is imported only when
invoked, so ``sessionkit --version`` and ``--help`` stay fast. Adding a group is one line in
``GROUPS``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence

import click

from sessionkit._version import __version__
from sessionkit.cli._errors import error_boundary

# command name -> (module, attribute, one-line help shown by ``sessionkit --help``)
GROUPS: dict[str, tuple[str, str, str]] = {
    "check": ("sessionkit.cli.check", "check", "Run the repository checks (CI and make run)."),
    "config": ("sessionkit.cli.config", "config", "Show, validate and migrate the Session Config."),
    "gate": (
        "sessionkit.cli.gate",
        "gate",
        "Run the quality gate, manage baselines, render reports.",
    ),
    "guard": (
        "sessionkit.cli.guard",
        "guard",
        "Judge shell commands with the destructive-command guard.",
    ),
    "metrics": ("sessionkit.cli.metrics", "metrics", "Query and maintain the metrics store."),
    "learnings": (
        "sessionkit.cli.learnings",
        "learnings",
        "Manage learnings (dry run by default).",
    ),
    "state": ("sessionkit.cli.state", "state", "Show and change STATE.md of this worktree."),
    "install": ("sessionkit.cli.install", "install", "Install the agent hooks for a harness."),
    "uninstall": ("sessionkit.cli.install", "uninstall", "Remove sessionkit's agent hooks."),
    "hook": ("sessionkit.cli.hook", "hook", "Self-test the installed agent hooks."),
    "scope": ("sessionkit.cli.scope", "scope", "Show, set, clear and check the wave scope."),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, spec in GROUPS.items() if _module_exists(spec[0]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = GROUPS.get(cmd_name)
        if spec is None or not _module_exists(spec[0]):
            return None
        module = importlib.import_module(spec[0])
        command = getattr(module, spec[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, GROUPS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="sessionkit", message="%(prog)s %(version)s"
)
def cli() -> None:
    """sessionkit: safe, measurable AI coding agents in a shared git repository.

    Exit codes: 0 ok, 1 findings, 2 usage error, 3 environment or I/O error.
    """


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the exit code of the contract."""
    args = list(sys.argv[1:] if argv is None else argv)
    with error_boundary() as outcome:
        outcome.code = cli.main(args=args, prog_name="sessionkit", standalone_mode=False) or 0
    return outcome.code


def run() -> None:  # pragma: no cover - console entry
    sys.exit(main())
