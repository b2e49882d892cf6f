"""Stage Y (§4.3): the scalar profile, rejected constructs, limits, marks and recovery."""

from __future__ import annotations

import pytest

from sessionkit.config.diagnostics import Diagnostic
from sessionkit.config.normalise import Normalised
from sessionkit.config.yamlreader import Mapping, Node, Scalar, Sequence, plain_value, read


def parse(text: str, first_line: int = 1) -> tuple[Node | None, list[Diagnostic]]:
    lines = text.rstrip("\n").split("\n")
    return read(Normalised(lines, first_line, [[] for _ in lines]), "CLAUDE.md")


PROFILE = [
    ("", None),
    ("~", None),
    ("null", None),
    ("NULL", None),
    ("Null", None),
    ("true", True),
    ("True", True),
    ("FALSE", False),
    ("5", 5),
    ("05", 5),
    ("010", 10),
    ("+5", 5),
    ("-0", 0),
    ("-3", -3),
    ("1.", 1.0),
    (".5", 0.5),
    ("1e3", 1000.0),
    ("1e-3", 0.001),
    ("-2.5E+2", -250.0),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("0x1F", "0x1F"),
    ("0x10", "0x10"),
    ("1_000", "1_000"),
    (".inf", ".inf"),
    (".nan", ".nan"),
    ("2024-01-01", "2024-01-01"),
    ("=", "="),
    ("1e999", "1e999"),
]


@pytest.mark.parametrize(("text", "value"), PROFILE)
def test_scalar_profile(text: str, value: object) -> None:
    result = plain_value(text)
    assert result == value and type(result) is type(value)


def test_quoted_scalars_are_strings_and_keep_text() -> None:
    root, diags = parse("a: '4'\nb: \"true\"\nc: 0755\n")
    assert not diags
    assert isinstance(root, Mapping)
    a, b, c = (root.entries[k][1] for k in "abc")
    assert isinstance(a, Scalar) and (a.value, a.quoted) == ("4", True)
    assert isinstance(b, Scalar) and (b.value, b.quoted) == ("true", True)
    assert isinstance(c, Scalar) and (c.value, c.text, c.quoted) == (755, "0755", False)


def test_marks_are_original_lines_and_columns() -> None:
    root, _ = parse("hooks:\n  fail-mode: open\n", first_line=40)
    assert isinstance(root, Mapping)
    key, value = root.entries["hooks"]
    assert (key.line, key.column) == (40, 1)
    assert isinstance(value, Mapping)
    inner_key, inner_value = value.entries["fail-mode"]
    assert (inner_key.line, inner_key.column, inner_value.column) == (41, 3, 14)


def rule_lines(diags: list[Diagnostic]) -> list[tuple[str, int | None]]:
    return [(d.rule, d.line) for d in diags]


def test_anchors_aliases_and_tags_are_refused() -> None:
    root, diags = parse("a:\n  - &x 1\n  - *x\n  - !!python/object:os.system x\n  - ok\n")
    assert rule_lines(diags) == [
        ("config.yaml-alias", 2),
        ("config.yaml-alias", 3),
        ("config.yaml-tag", 4),
    ]
    assert isinstance(root, Mapping)
    seq = root.entries["a"][1]
    assert isinstance(seq, Sequence)
    assert [n.value for n in seq.items if isinstance(n, Scalar)] == ["ok"]


def test_complex_merge_and_non_string_keys() -> None:
    root, diags = parse("? [a, b]\n: 1\n<<: {c: 1}\n1: x\nok: 2\n")
    assert rule_lines(diags) == [
        ("config.yaml-syntax", 1),
        ("config.yaml-syntax", 3),
        ("config.type", 4),
    ]
    assert isinstance(root, Mapping) and list(root.entries) == ["ok"]


def test_more_than_one_document() -> None:
    root, diags = parse("a: 1\n--- b\n")
    assert ("config.yaml-syntax", 2) in rule_lines(diags)
    assert isinstance(root, Mapping) and list(root.entries) == ["a"]


def test_duplicate_keys_last_wins() -> None:
    root, diags = parse("waves: 4\nwaves: 6\n")
    assert isinstance(root, Mapping)
    value = root.entries["waves"][1]
    assert isinstance(value, Scalar) and value.value == 6
    (diag,) = diags
    assert diag.rule == "config.duplicate-key" and diag.line == 2
    assert "lines 1 and 2" in diag.message
    assert diag.key == "waves"


def test_duplicate_nested_key_names_the_dotted_key() -> None:
    _, diags = parse("hooks:\n  fail-mode: open\n  fail-mode: closed\nlist:\n  - a: 1\n    a: 2\n")
    assert [(d.rule, d.key, d.line) for d in diags] == [
        ("config.duplicate-key", "hooks.fail-mode", 3),
        ("config.duplicate-key", "list.a", 6),
    ]
    assert "'hooks.fail-mode' is set at lines 2 and 3" in diags[0].message


def test_limits() -> None:
    _, deep = parse("a: " + "[" * 33 + "]" * 33 + "\n")
    assert [d.rule for d in deep] == ["config.too-deep"]
    _, deeper = parse("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert [d.rule for d in deeper] == ["config.too-deep"]
    ok, fine = parse("a: " + "[" * 30 + "]" * 30 + "\n")
    assert fine == [] and ok is not None
    _, many = parse("a:\n" + "  - x\n" * 50_001)
    assert [d.rule for d in many] == ["config.too-many-nodes"]
    root, long = parse("a: " + "x" * (64 * 1024 + 1) + "\nb: 1\n")
    assert [d.rule for d in long] == ["config.value-too-long"]
    assert isinstance(root, Mapping) and list(root.entries) == ["b"]


def test_syntax_error_recovery_keeps_other_entries() -> None:
    root, diags = parse("a: 1\nb: [1\nc: 3\nd: x: y\ne: 5\n")
    assert [(d.rule, d.line) for d in diags] == [
        ("config.yaml-syntax", 2),
        ("config.yaml-syntax", 4),
    ]
    assert "flow sequence" in diags[0].message  # reported where the unclosed list starts
    assert isinstance(root, Mapping)
    assert list(root.entries) == ["a", "c", "e"]
    assert diags[1].hint == "quote the value"


def test_recovery_gives_up_after_twenty_errors() -> None:
    text = "".join(f"k{i}: [\n" for i in range(30))
    root, diags = parse(text)
    assert root is None or isinstance(root, Mapping)
    assert len([d for d in diags if d.rule == "config.yaml-syntax"]) <= 21


def test_empty_and_scalar_documents() -> None:
    assert parse("") == (None, [])
    root, diags = parse("just text\n")
    assert isinstance(root, Scalar) and not diags
