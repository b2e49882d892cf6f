"""Hypothesis properties of the text parsers: generated summaries and findings are counted
exactly, in any colour, and inconsistent totals are never admitted.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gates.parsers.helpers import run

counts = st.integers(min_value=0, max_value=5000)
colour = st.sampled_from(["", "\x1b[1m", "\x1b[31m", "\x1b[2m"])


@settings(max_examples=60, deadline=None)
@given(passed=counts, failed=counts, skipped=counts, xfailed=counts, paint=colour)
def test_pytest_summary_exact(
    passed: int, failed: int, skipped: int, xfailed: int, paint: str
) -> None:
    parts = [(failed, "failed"), (passed, "passed"), (skipped, "skipped"), (xfailed, "xfailed")]
    items = ", ".join(f"{paint}{n} {word}\x1b[0m" for n, word in parts if n)
    if not items:
        return
    outcome, _ = run("test", f"===== {items} in 1.23s =====\n", tool="pytest")
    assert outcome.counts is not None and outcome.counts.tests is not None
    assert outcome.counts.tests.to_dict() == {
        "passed": passed,
        "failed": failed,
        "errors": 0,
        "skipped": skipped + xfailed,
        "total": passed + failed + skipped + xfailed,
    }


@settings(max_examples=60, deadline=None)
@given(passed=counts, failed=counts, skipped=counts, delta=st.integers(min_value=-3, max_value=3))
def test_vitest_and_jest_admit_only_consistent_totals(
    passed: int, failed: int, skipped: int, delta: int
) -> None:
    total = passed + failed + skipped + delta
    vitest = f"      Tests  {failed} failed | {passed} passed | {skipped} skipped ({total})\n"
    jest = f"Tests:       {failed} failed, {skipped} skipped, {passed} passed, {total} total\n"
    for text in (vitest, jest):
        outcome, _ = run("test", text)
        measured = outcome.counts.tests if outcome.counts is not None else None
        if delta == 0:
            assert measured is not None and (
                measured.passed,
                measured.failed,
                measured.skipped,
            ) == (passed, failed, skipped)
        else:
            assert measured is None  # never admitted, whatever else the line says


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 9999), st.integers(1, 200), st.sampled_from(["F401", "E501", "B006"])
        ),
        max_size=40,
    )
)
def test_ruff_concise_every_line_counts(rows: list[tuple[int, int, str]]) -> None:
    text = "".join(f"src/m.py:{line}:{col}: {code} message {line}\n" for line, col, code in rows)
    text += (
        f"Found {len(rows)} error{'s' if len(rows) != 1 else ''}.\n"
        if rows
        else "All checks passed!\n"
    )
    outcome, findings = run("lint", text, tool="ruff", exit_code=1 if rows else 0)
    assert len(findings) == len(rows) and outcome.findings_complete
    assert outcome.counts is not None and outcome.counts.findings is not None
    assert outcome.counts.findings.error == len(rows)
    assert len({f.fingerprint for f in findings}) == len(findings)


_RUFF_LINES = st.sampled_from(
    [
        "src/a.py:1:8: F401 [*] `os` imported but unused",
        "src/a.py:12:1: E501 Line too long (120 > 100)",
        "/abs/elsewhere.py:3:4: F841 Local variable `x` is assigned to but never used",
        "src/b.py:2:1: invalid-syntax: Expected an expression",
        "src/b.py:2:1: SyntaxError: Unexpected token",
        "src/c.py:5:1: unformatted: File would be reformatted",
        "Found 3 errors.",
        "Found 1 error",
        "Found 2 errors:1:1: X1 a finding, not a summary",
        " Found 4 errors.",
        "All checks passed!",
        "All checks passed! (no)",
        "[*] 1 fixable with the `--fix` option.",
        "warning: something",
        "",
    ]
)


@settings(max_examples=120, deadline=None)
@given(lines=st.lists(_RUFF_LINES, max_size=12), trailing=st.booleans())
def test_ruff_concise_fast_path_equals_the_line_loop(lines: list[str], trailing: bool) -> None:
    from sessionkit.gates.parsers.base import ParseInput
    from sessionkit.gates.parsers.ruff import RuffTextParser

    text = "\n".join(lines) + ("\n" if trailing else "")
    data = ParseInput(
        stdout=text,
        stderr="",
        root="/repo",
        cwd=".",
        exit_code=1,
        identified_tool="ruff",
        is_tracked=lambda p: True,
    )
    parser = RuffTextParser()
    fast = parser._parse_concise(data, text)
    slow = parser._parse_lines(data, text)
    assert (fast is None) == (slow is None)
    if fast is not None and slow is not None:
        assert fast.findings == slow.findings
        assert fast.findings_summary == slow.findings_summary
        assert fast.clean == slow.clean
