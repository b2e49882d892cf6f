"""Stage N (§4.2): every rule N1–N13 as (input lines, normalised lines), plus column maps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sessionkit.config.normalise import Normalised, normalise, split_comment

KNOWN = {"waves", "agents-per-wave", "custom-phases", "discovery-probes", "hooks", "special"}
ARRAYS = {"custom-phases", "discovery-probes"}


def norm(*lines: str) -> Normalised:
    return normalise(list(lines), 10, "CLAUDE.md", known_top=KNOWN, array_top=ARRAYS)


ROWS = [
    # N1 fences
    ("N1-yaml-fence", ["```yaml", "waves: 4", "```"], ["", "waves: 4", ""]),
    ("N1-indented-fence", ["  ```", "  waves: 4", "  ```"], ["", "waves: 4", ""]),
    ("N1-untagged-fence", ["~~~", "waves: 4", "~~~"], ["", "waves: 4", ""]),
    ("N1-skipped-fence", ["```bash", "make test", "```"], ["", "", ""]),
    # N2 comments
    ("N2-inline-comment", ["waves: 4 <!-- four -->"], ["waves: 4" + " " * 14]),
    ("N2-multiline-comment", ["<!--", "waves: 9", "-->", "waves: 4"], ["", "", "", "waves: 4"]),
    # N3 headings
    ("N3-level3", ["### VCS", "waves: 4"], ["", "waves: 4"]),
    # N4 rules and document markers
    ("N4-rules", ["---", "...", "***", "___", "- - -"], ["", "", "", "", ""]),
    # N5 tabs
    (
        "N5-tabs",
        ["hooks:", "\tfail-mode: open", " \tdisable: []"],
        ["hooks:", "    fail-mode: open", "    disable: []"],
    ),
    # N6 bold keys
    ("N6-bold-bullet", ["- **agents-per-wave:** 6"], ["agents-per-wave: 6"]),
    ("N6-bold-outside-colon", ["- **vault-integration**:"], ["vault-integration:"]),
    ("N6-nested-bold", ["hooks:", "  - **mode:** strict"], ["hooks:", "  mode: strict"]),
    ("N6-half-bold-open", ["**waves: 4"], ["waves: 4"]),
    ("N6-half-bold-close", ["waves:** 4"], ["waves: 4"]),
    ("N6-no-space", ["**waves:**4"], ["waves: 4"]),
    # N7 column-0 bullets
    (
        "N7-plain-bullet",
        ["- recent-commits: 9", "* waves: 4", "+ special: x"],
        ["recent-commits: 9", "waves: 4", "special: x"],
    ),
    (
        "N7-array-item-kept",
        ["custom-phases:", "- name: x", "  command: make"],
        ["custom-phases:", "- name: x", "  command: make"],
    ),
    ("N7-plain-item-kept", ["discovery-probes:", "- code"], ["discovery-probes:", "- code"]),
    # N8 missing space
    ("N8-known-key", ["waves:4"], ["waves: 4"]),
    # A no-break space (pasted from a web page) is not a space: the line is a key line.
    ("N8-no-break-space", ["waves:\u00a04"], ["waves: \u00a04"]),
    ("N8-unknown-untouched", ["see https://example.com"], [""]),
    # N9 quoting
    ("N9-colon-space", ["special: Always run: make check"], ['special: "Always run: make check"']),
    ("N9-override", ["agents-per-wave: 6 (deep: 18)"], ['agents-per-wave: "6 (deep: 18)"']),
    ("N9-backtick", ["special: `make` first"], ['special: "`make` first"']),
    ("N9-bracket-then-text", ["special: [WIP] fix it"], ['special: "[WIP] fix it"']),
    ("N9-partial-quote", ["special: 'xcodebuild' test"], ["special: \"'xcodebuild' test\""]),
    ("N9-escapes", ['special: a: "b" \\ c'], ['special: "a: \\"b\\" \\\\ c"']),
    ("N9-comment-stays", ["special: a: b # note"], ['special: "a: b" # note']),
    ("N9-trailing-colon", ["special: note:"], ['special: "note:"']),
    (
        "N9-anchor-like",
        ["special: &x", "special: *x", "special: !x"],
        ['special: "&x"', 'special: "*x"', 'special: "!x"'],
    ),
    ("N9-complete-quote-kept", ['special: "a: b"'], ['special: "a: b"']),
    ("N9-flow-kept", ["special: [a, b]"], ["special: [a, b]"]),
    ("N9-hash-in-quotes", ['special: "foo # bar"'], ['special: "foo # bar"']),
    (
        "N9-sequence-record",
        ["custom-phases:", "  - command: echo a: b"],
        ["custom-phases:", '  - command: "echo a: b"'],
    ),
    # N10 multi-line flow
    (
        "N10-flow",
        ["hooks: {", "  fail-mode: open,", "  # x: y", "}"],
        ["hooks: {", "  fail-mode: open,", "  # x: y", "}"],
    ),
    ("N10-quoted-bracket", ["special: ['a]', ", "b]"], ["special: ['a]', ", "b]"]),
    # N11 block scalars
    (
        "N11-literal",
        ["special: |", "  - **not:** touched", "  ### kept", "", "waves: 4"],
        ["special: |", "  - **not:** touched", "  ### kept", "", "waves: 4"],
    ),
    (
        "N11-folded-header",
        ["special: >-  # c", "  text: here"],
        ["special: >-  # c", "  text: here"],
    ),
    ("N11-bad-header-quoted", ["special: |x"], ['special: "|x"']),
    # N12 prose
    (
        "N12-prose",
        ["This section configures sessionkit.", "  wrapped line", "", "waves: 4"],
        ["", "", "", "waves: 4"],
    ),
    (
        "N12-table-quote-list-link",
        ["| a | b |", "> quote", "1. item", "[link](x)", "![i](y)"],
        ["", "", "", "", ""],
    ),
    ("N12-comment-kept", ["# a comment", "waves: 4"], ["# a comment", "waves: 4"]),
    # N13 everything else
    (
        "N13-nested",
        ["hooks:", "  disable:", "    - commands"],
        ["hooks:", "  disable:", "    - commands"],
    ),
    # N9 on dash-list globs the prior art read as text; a real alias is left to the reader.
    (
        "N9-star-glob-items",
        ["vault-sync:", "  exclude:", "    - **/_MOC.md  # moc", "    - *.log", "    - *a"],
        ["vault-sync:", "  exclude:", '    - "**/_MOC.md" # moc', '    - "*.log"', "    - *a"],
    ),
    (
        "N9-reserved-indicator-items",
        ["ssot-files:", "  - @docs/a.md", "  - `b.md`", "  - %c", "  - d@e"],
        ["ssot-files:", '  - "@docs/a.md"', '  - "`b.md`"', '  - "%c"', "  - d@e"],
    ),
]


@pytest.mark.parametrize(("name", "lines", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_rule(name: str, lines: list[str], expected: list[str]) -> None:
    result = norm(*lines)
    assert result.lines == expected


def test_no_break_space_after_the_colon_is_reported_not_prose() -> None:
    result = norm("waves:\u00a04")
    found = [(d.rule, d.severity) for d in result.diagnostics]
    assert found == [("config.missing-space", "warning")]


def test_diagnostics_of_rules() -> None:
    result = norm(
        "```bash", "x", "```", "Some prose", "more prose", "", "More", "waves:4", "\tx: 1", "\ty: 2"
    )
    found = [(d.rule, d.line) for d in result.diagnostics]
    assert ("config.fence-skipped", 10) in found
    assert [line for rule, line in found if rule == "config.prose-ignored"] == [13, 16]
    assert ("config.missing-space", 17) in found
    assert [line for rule, line in found if rule == "config.tab-indent"] == [18]


@pytest.mark.parametrize(
    ("line", "text", "column"),
    [
        ("- **agents-per-wave:** 6", "6", 24),
        ("  - **mode:** strict", "strict", 15),
        ("special: Always run: make", "Always", 10),
        ("\tenabled: true", "true", 11),
        ("waves:4", "4", 7),
    ],
)
def test_column_map_points_at_the_original_value(line: str, text: str, column: int) -> None:
    result = norm("hooks:" if line.startswith((" ", "\t")) else "", line)
    normalised = result.lines[1]
    start = normalised.index(text)
    assert result.original(1, start) == (11, column)
    assert line[column - 1 : column - 1 + len(text)] == text


def test_split_comment() -> None:
    assert split_comment("4 # four") == ("4", " # four")
    assert split_comment("issue#12 stays") == ("issue#12 stays", "")
    assert split_comment('"a # b" # c') == ('"a # b"', " # c")
    assert split_comment("# only") == ("", "# only")
    assert split_comment("") == ("", "")


@given(st.lists(st.text(alphabet=" \t-*#:`'\"[]{}|>!&<>-abc\n", max_size=30), max_size=30))
def test_line_count_never_changes(lines: list[str]) -> None:
    flat = [part for line in lines for part in line.split("\n")]
    result = norm(*flat)
    assert len(result.lines) == len(flat)
    assert len(result.columns) == len(flat)


def test_linear_on_adversarial_lines() -> None:
    import time

    started = time.perf_counter()
    norm("special: " + "[" * 500_000, "special: " + "a: " * 300_000, "- " * 400_000)
    assert time.perf_counter() - started < 4.0
