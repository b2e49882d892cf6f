"""Running the parsing pipeline on recorded or inline output in tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sessionkit.gates.execute import make_findings
from sessionkit.gates.model import Finding
from sessionkit.gates.parsers.ansi import normalise
from sessionkit.gates.parsers.pipeline import ParseOutcome, Report, measure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run(
    kind: str,
    stdout: str = "",
    stderr: str = "",
    *,
    root: str = "/repo",
    tool: str | None = None,
    exit_code: int | None = 1,
    tracked: Iterable[str] = (),
    reports: tuple[Report, ...] = (),
    parser: str = "auto",
) -> tuple[ParseOutcome, list[Finding]]:
    tracked_set = set(tracked)
    outcome = measure(
        kind=kind,
        stdout=normalise(stdout),
        stderr=normalise(stderr),
        root=root,
        cwd=".",
        exit_code=exit_code,
        identified_tool=tool,
        is_tracked=tracked_set.__contains__,
        parser_setting=parser,
        reports=reports,
    )
    return outcome, make_findings(outcome, "check", root)


def recorded(parser: str) -> dict[str, str]:
    """The newest recording of ``parser`` with ``{ROOT}`` left in place."""
    directory = sorted((FIXTURES / parser).iterdir())[-1]
    files = {p.name: p.read_text() for p in directory.iterdir()}
    return files


def placed(text: str, root: Path) -> str:
    return text.replace("{ROOT}", str(root))


def summary(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (f.tool, f.rule, f.severity, f.path, f.line, f.column, f.test_id) for f in findings
    )
