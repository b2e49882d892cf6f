"""Fingerprints (spec §6.7): line-independent, root-independent, unique within a check."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.gates.fingerprint import assign
from sessionkit.gates.parsers.base import RawFinding


def finding(
    line: int, message: str = "`os` imported but unused", path: str = "src/a.py"
) -> RawFinding:
    return RawFinding("ruff", "F401", "error", path, line, 8, message)


def test_inserting_lines_above_keeps_and_editing_the_line_changes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("import os\n")
    before = assign([finding(1)], str(tmp_path))
    (src / "a.py").write_text("# one\n# two\nimport os\n")
    after = assign([finding(3)], str(tmp_path))
    assert before == after
    (src / "a.py").write_text("# one\n# two\nimport os  # edited\n")
    assert assign([finding(3)], str(tmp_path)) != before


def test_identical_findings_get_distinct_stable_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\nx = 1\n")
    items = [finding(1, "dup", "a.py"), finding(2, "dup", "a.py")]
    prints = assign(items, str(tmp_path))
    assert len(set(prints)) == 2
    assert assign(list(reversed(items)), str(tmp_path)) == list(reversed(prints))
    assert all(len(p) == 32 and int(p, 16) >= 0 for p in prints)


def test_message_normalisation_trailing_period_digits_and_root(tmp_path: Path) -> None:
    a = assign([finding(0, f"{tmp_path}/src/a.py: 12 things.")], str(tmp_path))
    b = assign([finding(0, "src/a.py: 99 things")], str(tmp_path))
    assert a == b


def test_test_findings_depend_on_the_test_id_only() -> None:
    one = RawFinding(
        "pytest", "test-failure", "error", "t.py", 3, None, "assert 1 == 2", test_id="t::x"
    )
    two = RawFinding(
        "pytest", "test-failure", "error", "t.py", 9, None, "other message", test_id="t::x"
    )
    assert assign([one], "/r") == assign([two], "/r")


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=12),
    shift=st.integers(min_value=0, max_value=5),
)
def test_property_shift_and_move_invariance(tmp_path_factory, lines: list[int], shift: int) -> None:  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("a")
    moved = tmp_path_factory.mktemp("b")
    source = [f"value_{n} = {n}" for n in range(1, 31)]
    (base / "m.py").write_text("\n".join(source) + "\n")
    (moved / "m.py").write_text("\n".join(["#"] * shift + source) + "\n")
    items = [RawFinding("mypy", "misc", "error", "m.py", n, 1, f"problem at {n}") for n in lines]
    shifted = [
        RawFinding("mypy", "misc", "error", "m.py", n + shift, 1, f"problem at {n}") for n in lines
    ]
    first = assign(items, str(base))
    assert first == assign(shifted, str(moved))
    assert len(set(first)) == len(first)


def _reference(findings: list[RawFinding], root: str) -> list[str]:
    """§6.7 written out literally (str keys, a regex for digit runs) for the batched assign."""
    import hashlib

    from sessionkit.gates.fingerprint import base_key

    bases = [base_key(f, root) for f in findings]
    result = list(bases)
    for base in set(bases):
        indexes = [i for i, b in enumerate(bases) if b == base]
        ordered = sorted(indexes, key=lambda i: (findings[i].line or 0, findings[i].column or 0, i))
        for k, index in enumerate(ordered[1:], start=2):
            result[index] = hashlib.sha256(f"{base}:{k}".encode()).hexdigest()
    return [fp[:32] for fp in result]


_TEXT = st.text(
    alphabet=st.sampled_from([*"ab .:\t\n0123456789٣\u00a0\u2003/é`", "\udcff"]),
    max_size=24,
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(
        st.tuples(
            st.sampled_from(["ruff", "mypy"]),
            st.sampled_from(["F401", "misc"]),
            st.sampled_from(["src/a.py", "b.py", "missing.py", None]),
            st.one_of(st.none(), st.integers(min_value=-1, max_value=4)),
            _TEXT,
            st.one_of(st.none(), st.sampled_from(["t::a", "t::b"])),
        ),
        max_size=10,
    ),
    prefix=st.sampled_from(["", "ROOT/", "ROOT", "x ROOT/src "]),
)
def test_batched_assign_equals_the_literal_definition(tmp_path_factory, items, prefix) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("fp")
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("import  os\n\tx = 12 \ny=1\n")
    (root / "b.py").write_bytes(b"a\0b\n")
    findings = [
        RawFinding(
            tool,
            rule,
            "error",
            path,
            line,
            1,
            prefix.replace("ROOT", str(root)) + message,
            test_id=test_id,
        )
        for tool, rule, path, line, message, test_id in items
    ]
    assert assign(findings, str(root)) == _reference(findings, str(root))


def test_build_frozen_equals_the_constructor() -> None:
    """The fast builder used for 100,000 findings gives the same value as ``__init__``."""
    import dataclasses

    from sessionkit.gates.model import Finding, build_frozen

    built = build_frozen(RawFinding, {f.name: None for f in dataclasses.fields(RawFinding)})
    assert built == RawFinding(None, None, None, None, None, None, None)  # type: ignore[arg-type]
    values = {
        "tool": "ruff",
        "rule": "F401",
        "severity": "error",
        "path": "a.py",
        "line": 1,
        "column": 8,
        "message": "m",
        "fingerprint": "f" * 32,
        "check": "lint",
        "end_line": None,
        "end_column": None,
        "test_id": None,
        "url": None,
        "baseline": "new",
        "in_scope": True,
    }
    assert set(values) == {f.name for f in dataclasses.fields(Finding)}
    fast = build_frozen(Finding, dict(values))
    slow = Finding(**values)  # type: ignore[arg-type]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.replace(fast, line=2) == dataclasses.replace(slow, line=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.line = 3  # type: ignore[misc]


def test_fast_paths_equal_the_constructors_and_leave_the_collector_enabled(
    tmp_path: Path,
) -> None:
    """The ruff concise parser and make_findings skip ``__init__`` (gates.md §13.7 budget):
    their objects equal the constructor-built ones, and the paused GC is enabled again."""
    import gc

    from sessionkit.gates.execute import make_findings
    from sessionkit.gates.model import Finding
    from sessionkit.gates.parsers.pipeline import measure

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("import os\nimport sys\n")
    text = (
        f"src/a.py:1:8: F401 [*] `os` imported but unused in {tmp_path}/src/a.py\n"
        "src/a.py:2:8: F401 [*] `sys` imported but unused\n"
        "src/a.py:3:1: invalid-syntax: Expected an expression\n"
        "Found 3 errors.\n"
    )
    assert gc.isenabled()
    outcome = measure(
        kind="lint",
        stdout=text,
        stderr="",
        root=str(tmp_path),
        cwd=".",
        exit_code=1,
        identified_tool="ruff",
        is_tracked=lambda p: True,
    )
    assert gc.isenabled()
    assert outcome.findings == [
        RawFinding(
            "ruff",
            "F401",
            "error",
            "src/a.py",
            1,
            8,
            f"`os` imported but unused in {tmp_path}/src/a.py",
        ),
        RawFinding("ruff", "F401", "error", "src/a.py", 2, 8, "`sys` imported but unused"),
        RawFinding("ruff", "invalid-syntax", "error", "src/a.py", 3, 1, "Expected an expression"),
    ]
    built = make_findings(outcome, "lint", str(tmp_path))
    assert gc.isenabled()
    prints = assign(outcome.findings, str(tmp_path))
    assert built == [
        Finding(
            tool=raw.tool,
            rule=raw.rule,
            severity=raw.severity,
            path=raw.path,
            line=raw.line,
            column=raw.column,
            message=raw.message.replace(f"{tmp_path}/", ""),
            fingerprint=fp,
            check="lint",
        )
        for raw, fp in zip(outcome.findings, prints, strict=True)
    ]
    assert built[0].message == "`os` imported but unused in src/a.py"


def test_long_messages_uncached_equal_the_literal_definition(tmp_path: Path) -> None:
    long = "`os` imported  but unused " + "x" * 300 + " 12345."
    findings = [finding(1, long), finding(1, long), finding(2, long + " more 7")]
    assert assign(findings, str(tmp_path)) == _reference(findings, str(tmp_path))
    assert len(set(assign(findings, str(tmp_path)))) == 3


# messages as tools print them and worse: unicode and ASCII control whitespace, CR, NUL, dots
# with spaces around them, digit runs, long lines (past the short-message cache), root paths
_MESSAGE = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "`os` imported but unused",
                " . ",
                ".",
                "..",
                "\r",
                "\n",
                "\t",
                "\x0b\x0c\x1c\x1d\x1e\x1f",
                "\x00",
                "\x85\u2028\u3000\u00a0",
                "12",
                "007",
                "ROOT",
                "ROOT/",
                "ROOT/src/a.py",
                "x" * 300,
            ]
        ),
        st.text(max_size=8),
    ),
    max_size=6,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    messages=st.lists(_MESSAGE, min_size=1, max_size=8),
    lines=st.lists(st.integers(min_value=0, max_value=6), min_size=8, max_size=8),
)
def test_batched_assign_equals_base_key_over_arbitrary_messages(  # type: ignore[no-untyped-def]
    tmp_path_factory, messages, lines
) -> None:
    """Every finding's base equals :func:`base_key` (so :func:`normalise_message` and
    :func:`source_context` per finding), over messages the batch must not mis-normalise and
    source lines it must collapse exactly (tabs, CR-free unicode spaces, trailing blanks)."""
    root = tmp_path_factory.mktemp("fp")
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text(
        "import  os\n\tx = 12 \n  \ny\u3000=\u00a01.\nz\x1f=\x0b2\n", encoding="utf-8"
    )
    findings = [
        RawFinding(
            "ruff",
            "F401",
            "error",
            "src/a.py" if index % 3 else "missing.py",
            lines[index],
            1,
            message.replace("ROOT", str(root)),
        )
        for index, message in enumerate(messages)
    ]
    assert assign(findings, str(root)) == _reference(findings, str(root))


def test_duplicates_on_one_line_are_numbered_like_the_definition(tmp_path: Path) -> None:
    """The duplicate path: findings whose messages differ only in digits on one line share a
    base and are numbered by (line, column) whatever their order."""
    (tmp_path / "a.py").write_text("import os\n")
    items = [
        RawFinding("ruff", "F401", "error", "a.py", 1, column, f"unused {n}")
        for n, column in ((7, 9), (123, 1), (5, 4), (88, 6))
    ]
    prints = assign(items, str(tmp_path))
    assert prints == _reference(items, str(tmp_path))
    assert len(set(prints)) == len(items)
    assert assign(items[::-1], str(tmp_path)) == prints[::-1]
