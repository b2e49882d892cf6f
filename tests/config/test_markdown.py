"""§3: decoding and delimiting the section."""

from __future__ import annotations

import pytest

from sessionkit.config.markdown import Extraction, decode, extract, split_lines


def ex(text: str | bytes, block_keys: tuple[str, ...] = ("vault-sync",)) -> Extraction:
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    return extract(decode(data, "CLAUDE.md"), "CLAUDE.md", block_keys=block_keys)


def rules(extraction: Extraction) -> set[tuple[str, str, int | None]]:
    return {(d.rule, d.severity, d.line) for d in extraction.diagnostics}


@pytest.mark.parametrize(
    "heading",
    [
        "## Session Config",
        " ## Session Config",
        "   ## Session Config",
        "##\tSession Config",
        "##   Session Config",
        "## Session Config   ",
        "## Session Config ##",
        "## Session Config #####  ",
    ],
)
def test_heading_forms(heading: str) -> None:
    result = ex(f"intro\n{heading}\nwaves: 4\n")
    assert result.section is not None
    assert (result.section.heading_line, result.section.first_line) == (2, 3)


@pytest.mark.parametrize(
    "line",
    ["    ## Session Config", "##Session Config", "## Session  Config", "## SessionConfig"],
)
def test_not_headings(line: str) -> None:
    assert ex(f"{line}\nwaves: 4\n").section is None


def test_trailing_comment_is_decorated_heading() -> None:
    result = ex("## Session Config <!-- managed --> <!-- twice -->\nwaves: 4\n")
    assert result.section is not None
    assert ("config.heading-decorated", "info", 1) in rules(result)


NEAR_MISSES = [
    "### Session Config",
    "# Session Config",
    "## session config",
    "## Session config",
    "## Session Config Convention",
    "## Session Config (v2)",
    "## Sesion Config",
    "## Session-Config",
    "## SessionConfig",
    "**Session Config**",
    "Session Config:",
    "## Session Configuration Guide",
    # No space after the hashes: not an ATX heading, still a line starting with `#`.
    "##Session Config",
    "###Session Config",
    "##Sesion Config",
]


@pytest.mark.parametrize("line", NEAR_MISSES)
def test_near_miss_without_real_heading_is_a_warning(line: str) -> None:
    result = ex(f"intro\n{line}\nwaves: 4\n")
    assert result.section is None
    assert ("config.heading-near-miss", "warning", 2) in rules(result)


@pytest.mark.parametrize("line", NEAR_MISSES)
def test_near_miss_with_real_heading_is_info(line: str) -> None:
    result = ex(f"{line}\n\n## Session Config\nwaves: 4\n")
    assert ("config.heading-near-miss", "info", 1) in rules(result)


@pytest.mark.parametrize(
    "line",
    ["## Sessions", "## Configuration", "# Project", "Session notes:", "#Sessions", "#!/bin/sh"],
)
def test_not_near_misses(line: str) -> None:
    assert not any(d.rule == "config.heading-near-miss" for d in ex(f"{line}\n").diagnostics)


@pytest.mark.parametrize("fence", ["```", "~~~", "````", "~~~~~", "```yaml", "~~~ text"])
def test_heading_inside_fence_is_not_a_heading(fence: str) -> None:
    closing = fence.split()[0].rstrip("yaml")
    result = ex(f"{fence}\n## Session Config\nwaves: 4\n{closing}\n")
    assert result.section is None
    assert ("config.heading-in-fence", "warning", 2) in rules(result)


def test_fence_closes_only_with_same_char_and_length() -> None:
    text = "````\n```\n## Session Config\n~~~~\n````\n## Session Config\nwaves: 4\n"
    result = ex(text)
    assert result.section is not None and result.section.heading_line == 6


def test_heading_in_html_comment_block() -> None:
    result = ex("<!--\n## Session Config\n-->\nwaves: 4\n")
    assert result.section is None


def test_fence_inside_section_hides_headings() -> None:
    text = "## Session Config\n```yaml\n## Other\nwaves: 4\n```\n## Next\n"
    result = ex(text)
    assert result.section is not None and result.section.last_line == 5


def test_unclosed_fence_in_section() -> None:
    result = ex("## Session Config\n```yaml\nwaves: 4\n## Next\n")
    assert result.section is not None and result.section.last_line == 4
    assert ("config.unclosed-fence", "warning", 2) in rules(result)


def test_boundaries() -> None:
    text = "## Session Config\na: 1\n### Sub\nb: 2\n---\nc: 3\n## Next\nd: 4\n"
    result = ex(text)
    assert result.section is not None
    assert (result.section.first_line, result.section.last_line) == (2, 6)


def test_h1_ends_section_with_warning_only_when_keys_follow() -> None:
    quiet = ex("## Session Config\na: 1\n# Appendix\nJust prose.\n")
    assert not any(d.rule == "config.h1-ends-section" for d in quiet.diagnostics)
    loud = ex("## Session Config\na: 1\n# Appendix\n- **waves:** 4\n## Next\n")
    assert ("config.h1-ends-section", "warning", 3) in rules(loud)
    (diag,) = [d for d in loud.diagnostics if d.rule == "config.h1-ends-section"]
    # §3.5: the warning names the heading and the first key-like line after it.
    assert "'# Appendix' at line 3" in diag.message
    assert "line 4 ('- **waves:** 4') is not read" in diag.message


def test_duplicate_sections() -> None:
    result = ex("## Session Config\na: 1\n## Other\n## Session Config\nb: 2\n")
    assert result.sections == [1, 4]
    assert result.section is not None and result.section.heading_line == 1
    (diag,) = [d for d in result.diagnostics if d.rule == "config.duplicate-section"]
    assert diag.line == 4 and "line 1" in diag.message


def test_satellites() -> None:
    text = (
        "## Session Config\na: 1\n## Skill Evolution\nskill-evolution:\n## Dispatcher Autonomy\nx\n"
    )
    result = ex(text)
    assert set(result.satellites) == {"Skill Evolution", "Dispatcher Autonomy"}
    assert result.satellites["Skill Evolution"].first_line == 4
    assert {d.line for d in result.diagnostics if d.rule == "config.satellite"} == {3, 5}


def test_key_outside_section() -> None:
    text = "- **vault-sync:**\n  enabled: true\n```\nvault-sync:\n```\n## Session Config\nvault-sync:\n"
    result = ex(text)
    lines = [d.line for d in result.diagnostics if d.rule == "config.key-outside-section"]
    assert lines == [1]  # the fenced one and the one inside the section are not reported


def test_line_endings() -> None:
    assert split_lines("a\r\nb\rc\nd") == (["a", "b", "c", "d"], ["\r\n", "\r", "\n", ""])
    assert split_lines("a\n") == (["a"], ["\n"])
    assert split_lines("") == ([], [])
    result = ex("x\r## Session Config\r\nwaves: 4\r")
    assert result.section is not None and result.section.heading_line == 2


def test_bom_binary_and_encodings() -> None:
    bom = decode(b"\xef\xbb\xbf## Session Config\n", "CLAUDE.md")
    assert bom.bom and bom.lines[0] == "## Session Config"
    assert [d.rule for d in bom.diagnostics] == ["config.bom"]
    binary = decode(b"abc\0def", "CLAUDE.md")
    assert not binary.usable and binary.diagnostics[0].rule == "config.binary"
    utf16 = decode("## Session Config\n".encode("utf-16"), "CLAUDE.md")
    assert not utf16.usable and utf16.diagnostics[0].rule == "config.encoding"


def test_invalid_utf8_inside_and_outside_the_section() -> None:
    inside = ex(b"## Session Config\nspecial: caf\xe9\n")
    assert ("config.encoding", "error", 2) in rules(inside)
    assert not inside.parse_section
    (diag,) = [d for d in inside.diagnostics if d.rule == "config.encoding"]
    assert diag.column == 13
    outside = ex(b"caf\xe9\n## Session Config\nwaves: 4\n")
    assert ("config.encoding", "warning", 1) in rules(outside)
    assert outside.parse_section


def test_section_too_large() -> None:
    result = ex("## Session Config\n" + "x" * (1024 * 1024 + 1) + "\n")
    assert ("config.section-too-large", "error", 1) in rules(result)
    assert not result.parse_section
