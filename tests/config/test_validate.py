"""Stage V (§4.5, §8.3): what an invalid value becomes, messages, semantic checks."""

from __future__ import annotations

from typing import Any

import pytest

from sessionkit.config import load_config_text
from sessionkit.config.pipeline import parse_bytes

H = "## Session Config\n\n"


def doc_of(body: str) -> tuple[dict[str, Any], list[tuple[str, int | None]]]:
    parsed = parse_bytes((H + body).encode(), "CLAUDE.md")
    return parsed.doc, [(d.rule, d.line) for d in parsed.diagnostics if d.severity == "error"]


INVALID = [
    (
        "M-of-N above 20 -> range",
        "persona-gate-wave:\n  threshold: 21-of-21\n",
        {"persona-gate-wave": {}},
        [("config.range", 4)],
    ),
    (
        "M-of-N with M > N -> range",
        "persona-gate-wave:\n  threshold: 5-of-4\n",
        {"persona-gate-wave": {}},
        [("config.range", 4)],
    ),
    (
        "M-of-N with a leading zero -> pattern",
        "persona-gate-wave:\n  threshold: 04-of-6\n",
        {"persona-gate-wave": {}},
        [("config.pattern", 4)],
    ),
    (
        "M-of-N within bounds kept",
        "persona-gate-wave:\n  threshold: 20-of-20\n",
        {"persona-gate-wave": {"threshold": "20-of-20"}},
        [],
    ),
    (
        "scalar -> default",
        "waves: 2\nrecent-commits: 4\n",
        {"recent-commits": 4},
        [("config.range", 3)],
    ),
    (
        "sub-key -> sibling kept",
        "hooks:\n  fail-mode: ajar\n  warn-as: ask\n",
        {"hooks": {"warn-as": "ask"}},
        [("config.enum", 4)],
    ),
    (
        "scalar list item dropped",
        "discovery-probes: [code, nope, arch]\n",
        {"discovery-probes": ["code", "arch"]},
        [("config.enum", 3)],
    ),
    (
        "emptied list -> default",
        "slopcheck.sources: [bogus, worse]\n",
        {"slopcheck": {}},
        [("config.enum", 3), ("config.enum", 3)],
    ),
    (
        "record without required field dropped",
        "protected-paths.add:\n  - id: ok\n    patterns: [a]\n  - patterns: [b]\n",
        {"protected-paths": {"add": [{"id": "ok", "patterns": ["a"]}]}},
        [("config.required", 6)],
    ),
    (
        "record with bad required field dropped",
        "protected-paths.add:\n  - id: Bad Id\n    patterns: [a]\n",
        {"protected-paths": {}},
        [("config.pattern", 4)],
    ),
    (
        "record optional field -> default",
        "protected-paths.add:\n  - id: ok\n    patterns: [a]\n    action: maybe\n",
        {"protected-paths": {"add": [{"id": "ok", "patterns": ["a"]}]}},
        [("config.enum", 6)],
    ),
    (
        "map entry dropped",
        "learnings.ttl-days: {gotcha: 0, pattern: 9}\n",
        {"learnings": {"ttl-days": {"pattern": 9}}},
        [("config.range", 3)],
    ),
    ("emptied map -> default", "agent-mapping: {impl: }\n", {}, [("config.type", 3)]),
    (
        "several errors in one key",
        "hooks:\n  fail-mode: x\n  warn-as: y\n  deadline-ms: 1\n",
        {"hooks": {}},
        [("config.enum", 4), ("config.enum", 5), ("config.range", 6)],
    ),
]


@pytest.mark.parametrize(("name", "body", "doc", "errors"), INVALID, ids=[r[0] for r in INVALID])
def test_invalid_values(name: str, body: str, doc: dict[str, Any], errors: list[Any]) -> None:
    got_doc, got_errors = doc_of(body)
    assert got_doc == doc
    assert sorted(got_errors) == sorted(errors)


MESSAGES = [
    ("waves: 2", "waves must be ≥ 3 (got 2)"),
    ("waves: 51", "waves must be ≤ 50 (got 51)"),
    ("persistence: yes", "persistence: expected true or false (got 'yes')"),
    ("enforcement: loose", "enforcement: expected strict, warn or off (got 'loose')"),
    ("enforcement: stric", "did you mean 'strict'?"),
    # An enum that is one branch of the key names the other branch too.
    ("max-turns: abc", "max-turns: expected an integer or auto (got 'abc')"),
    # A null member of an enum is spelled null, not Python's None.
    ("vcs: gitea", "vcs: expected github, gitlab or null (got 'gitea')"),
    ("learnings.decay-rate: 1", "learnings.decay-rate must be < 1 (got 1)"),
    (
        "persona-gate-wave.threshold: 5-of-4",
        "persona-gate-wave.threshold must be M-of-N with 1 ≤ M ≤ N ≤ 20 (got '5-of-4')",
    ),
    ("plan-prd-location: /etc", "plan-prd-location: '/etc' must stay inside the repository"),
    ("hooks.disable: [verify, verify]", "hooks.disable must not repeat items"),
    ("agent-mapping: {robot: x}", "agent-mapping: unknown entry 'robot' (allowed: impl"),
    (
        "custom-phases:\n  - command: make",
        "custom-phases[0]: the record has no name; it is dropped",
    ),
]


@pytest.mark.parametrize(("body", "message"), MESSAGES)
def test_messages(body: str, message: str) -> None:
    cfg = load_config_text(H + body + "\n")
    assert any(message in d.message for d in cfg.report.errors), [
        d.message for d in cfg.report.diagnostics
    ]
    for diag in cfg.report.errors:
        assert diag.hint and "{" not in diag.hint


def test_enforcement_never_changes_validation() -> None:
    results = {
        mode: load_config_text(H + f"waves: 2\nenforcement: {mode}\n")
        for mode in ("strict", "warn", "off")
    }
    for cfg in results.values():
        assert cfg.waves == 5
        assert [d.rule for d in cfg.report.errors] == ["config.range"]


SEMANTIC = [
    ("heavy-repo: true\nisolation: worktree\n", set()),
    ("heavy-repo: true\nisolation: none\n", {("config.cross-field", "warning", 3)}),
    ("persona-gate-wave:\n  enabled: true\n  mode: warn\n", set()),
    ("loop-guard:\n  threshold: 6\n  window: 4\n", {("config.cross-field", "info", 5)}),
    ("protected-paths.relax:\n  - class: runtime\n", {("config.floor", "error", 4)}),
    (
        "protected-paths.relax:\n  - class: control\n    agent: allow\n",
        {("config.floor", "error", 4)},
    ),
    ("protected-paths.relax:\n  - class: control\n    agent: warn\n", set()),
    ("state-md-lock.enabled: false\n", {("config.ignored-value", "info", 3)}),
    (
        "webhooks.discord.url: https://x.example/hook?token=abc\n",
        {("config.secret-in-config", "warning", 3)},
    ),
    ("webhooks.discord.url: https://x.example/hook\n", set()),
    # Credentials in a committed URL outside webhooks too (§8.3 config.secret-in-config).
    (
        "special: see https://bot:s3cret@ci.example/x\n",
        {("config.secret-in-config", "warning", 3)},
    ),
    (
        'health-endpoints: ["https://h.example/health?token=abc"]\n',
        {("config.secret-in-config", "warning", 3)},
    ),
    ("special: ssh://git@host.example/repo and mailto:a@b\n", set()),
]


@pytest.mark.parametrize(("body", "expected"), SEMANTIC)
def test_semantic_checks(body: str, expected: set[Any]) -> None:
    cfg = load_config_text(H + body)
    found = {(d.rule, d.severity, d.line) for d in cfg.report.diagnostics}
    assert found == expected


def test_loop_guard_window_is_raised() -> None:
    cfg = load_config_text(H + "loop-guard:\n  threshold: 6\n  window: 4\n")
    assert cfg.loop_guard.window == 6


def test_floor_entries_are_dropped() -> None:
    cfg = load_config_text(
        H + "protected-paths.relax:\n  - class: git\n  - class: state\n    agent: warn\n"
    )
    assert [e.to_json()["class"] for e in cfg.protected_paths.relax] == ["state"]


def test_secret_url_is_masked_in_messages() -> None:
    cfg = load_config_text(H + "webhooks.slack.url: ftp://user:pw@x\n")
    for diag in cfg.report.diagnostics:
        assert "pw" not in diag.message
        assert diag.value in (None, "***")


def test_credentials_in_an_invalid_value_are_masked() -> None:
    # §8.1: a value whose content suggests a secret is masked in every diagnostic.
    cfg = load_config_text(H + "vcs: https://bot:s3cret@git.example\nwaves: x?token=abc\n")
    assert [d.rule for d in cfg.report.errors] == ["config.enum", "config.type"]
    for diag in cfg.report.diagnostics:
        assert "s3cret" not in diag.message and "s3cret" not in str(diag.value)
        assert "abc" not in diag.message and "abc" not in str(diag.value)
    assert cfg.report.errors[0].value == "https://***@git.example"
