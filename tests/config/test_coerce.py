"""Stage T (§4.4): every typing rule T1–T12 on the typed document (defaults not filled in)."""

from __future__ import annotations

from typing import Any

import pytest

from sessionkit.config import keyschema as ks
from sessionkit.config.coerce import describe, did_you_mean, dotted
from sessionkit.config.pipeline import Parsed, parse_bytes

H = "## Session Config\n\n"


def typed(body: str) -> Parsed:
    return parse_bytes((H + body).encode(), "CLAUDE.md")


def diag_set(parsed: Parsed) -> set[tuple[str, str, int | None]]:
    return {(d.rule, d.severity, d.line) for d in parsed.diagnostics}


ROWS: list[tuple[str, str, dict[str, Any], set[tuple[str, str, int | None]]]] = [
    ("T1-unknown", "wavez: 4\n", {}, {("config.unknown-key", "warning", 3)}),
    ("T1-extension", "x-team: a\nhooks:\n  x-note: b\n", {"hooks": {}}, set()),
    ("T2-double", 'waves: "4"\n', {"waves": 4}, {("config.quoted-scalar", "info", 3)}),
    ("T2-single", "waves: '4'\n", {"waves": 4}, {("config.quoted-scalar", "info", 3)}),
    (
        "T2-bool",
        'persistence: "true"\n',
        {"persistence": True},
        {("config.quoted-scalar", "info", 3)},
    ),
    ("T3-number-as-text", "baseline-project-id: 52\n", {"baseline-project-id": "52"}, set()),
    ("T3-leading-zero-text", "plan-prd-location: 0755\n", {"plan-prd-location": "0755"}, set()),
    ("T4-none", "mirror: none\ncross-repos: none\n", {"mirror": None, "cross-repos": None}, set()),
    (
        "T4-command",
        "lint-command: none\n",
        {"lint-command": None},
        {("config.null-command", "warning", 3)},
    ),
    (
        "T5-enum-case",
        "enforcement: STRICT\n",
        {"enforcement": "strict"},
        {("config.case-normalised", "info", 3)},
    ),
    (
        "T6-legacy",
        "vault-sync.mode: hard\ndiscovery-on-close: auto\nskill-evolution.judge: on\n",
        {
            "vault-sync": {"mode": "strict"},
            "discovery-on-close": True,
            "skill-evolution": {"judge": True},
        },
        {
            ("config.legacy-value", "info", 3),
            ("config.legacy-value", "info", 4),
            ("config.legacy-value", "info", 5),
        },
    ),
    (
        "T7-comma-list",
        "discovery-probes: code, arch, ,\nreconcile.targets: repo-local\n",
        {"discovery-probes": ["code", "arch"], "reconcile": {"targets": ["repo-local"]}},
        set(),
    ),
    (
        "T8-overrides",
        "agents-per-wave: 6 (deep: 18, feature: 8)\n",
        {"agents-per-wave": {"default": 6, "deep": 18, "feature": 8}},
        set(),
    ),
    (
        "T8-bad-pair",
        "agents-per-wave: 6 (fast: 3)\n",
        {"agents-per-wave": 6},
        {("config.override-syntax", "warning", 3)},
    ),
    ("T8-other-key", "recent-commits: 5 (deep: 9)\n", {}, {("config.type", "error", 3)}),
    (
        "T9-list-as-mapping",
        "- vault-integration:\n  - enabled: true\n  - mode: strict\n",
        {"vault-integration": {"enabled": True, "mode": "strict"}},
        {("config.list-as-mapping", "info", 4)},
    ),
    (
        "T10-alias",
        "learning-decay-rate: 0.1\n",
        {"learnings": {"decay-rate": 0.1}},
        {("config.alias", "info", 3)},
    ),
    (
        "T10-both-set",
        "learnings.decay-rate: 0.2\nlearning-decay-rate: 0.1\n",
        {"learnings": {"decay-rate": 0.2}},
        {("config.alias-conflict", "warning", 4), ("config.alias", "info", 4)},
    ),
    (
        "T10-deprecated",
        "persona-reviewers:\n  enabled: true\n",
        {"wave-reviewers": {"enabled": True}},
        {("config.deprecated-key", "warning", 3)},
    ),
    (
        "T10-block-alias",
        "events-rotation:\n  max-backups: 4\n",
        {"metrics": {"rotation": {"events": {"keep": 4}}}},
        {("config.alias", "info", 3)},
    ),
    (
        "T10-sub-key-alias",
        "state-md-lock:\n  timeout-ms: 500\n",
        {"state-md-lock": {}, "state": {"lock-timeout-ms": 500}},
        {("config.alias", "info", 4)},
    ),
    (
        "T10-dotted-alias",
        "sessionkit.snapshot-before-warn: required\n",
        {"snapshots": {"before-warn": "required"}},
        {("config.deprecated-key", "warning", 3)}
        if "x-sessionkit-deprecated" in (ks.schema_at(("sessionkit", "snapshot-before-warn")) or {})
        else {("config.alias", "info", 3)},
    ),
    ("T11-dotted", "hooks.fail-mode: open\n", {"hooks": {"fail-mode": "open"}}, set()),
    (
        "T11-merge",
        "hooks:\n  fail-mode: open\nhooks.warn-as: ask\n",
        {"hooks": {"fail-mode": "open", "warn-as": "ask"}},
        set(),
    ),
    (
        "T11-conflict",
        "hooks:\n  fail-mode: open\nhooks.fail-mode: closed\n",
        {"hooks": {"fail-mode": "closed"}},
        {("config.duplicate-key", "warning", 5)},
    ),
    (
        "T12-ecosystem-block",
        "ecosystem-health:\n  health-endpoints:\n    - https://x/health\n",
        {"ecosystem-health": True, "health-endpoints": ["https://x/health"]},
        {("config.legacy-shape", "info", 3)},
    ),
    (
        "T12-flat-thresholds",
        "ram-free-min-gb: 8\ncpu-load-max-pct: 70\n",
        {"resource-thresholds": {"ram-free-min-gb": 8, "cpu-load-max-pct": 70}},
        {("config.legacy-shape", "info", 3), ("config.legacy-shape", "info", 4)},
    ),
    ("trim", 'eval.handle: "  my run  "\n', {"eval": {"handle": "my run"}}, set()),
    ("object-given-scalar", "vault-integration: true\n", {}, {("config.type", "error", 3)}),
    ("empty-block", "discovery-validator:\n", {"discovery-validator": {}}, set()),
    ("float-for-integer", "waves: 4.0\n", {}, {("config.type", "error", 3)}),
    # T2 also applies when the key's strings are an enum next to another type.
    (
        "T2-enum-or-int",
        'max-turns: "12"\n',
        {"max-turns": 12},
        {("config.quoted-scalar", "info", 3)},
    ),
    (
        "T2-enum-or-bool",
        'snapshots.before-warn: "true"\n',
        {"snapshots": {"before-warn": True}},
        {("config.quoted-scalar", "info", 3)},
    ),
    ("T2-enum-string-kept", 'max-turns: "auto"\n', {"max-turns": "auto"}, set()),
    ("T2-string-key-kept", 'special: "12"\n', {"special": "12"}, set()),
]


@pytest.mark.parametrize(("name", "body", "doc", "diags"), ROWS, ids=[r[0] for r in ROWS])
def test_typing_rule(name: str, body: str, doc: dict[str, Any], diags: set[Any]) -> None:
    parsed = typed(body)
    assert parsed.doc == doc
    assert diag_set(parsed) == diags


def test_provenance_of_aliases_is_the_alias_line() -> None:
    parsed = typed("waves: 4\nlearning-decay-rate: 0.1\nhooks.fail-mode: open\n")
    paths = parsed.provenance_paths()
    assert paths["learnings.decay-rate"] == (4, 1)
    assert paths["hooks.fail-mode"] == (5, 1)
    assert paths["waves"] == (3, 1)
    assert "learning-decay-rate" not in paths


def test_duplicate_dotted_and_block_key_names_the_dotted_key() -> None:
    parsed = typed("hooks.fail-mode: open\nhooks:\n  fail-mode: closed\n")
    (diag,) = [d for d in parsed.diagnostics if d.rule == "config.duplicate-key"]
    assert (diag.key, diag.line) == ("hooks.fail-mode", 5)
    assert "'hooks.fail-mode' is set at lines 3 and 5" in diag.message


def test_did_you_mean() -> None:
    top = ks.properties(ks.root())
    assert did_you_mean("wavez", top, top=True) == "waves"
    assert did_you_mean("fail-mode", top, top=True) == "hooks.fail-mode"
    assert did_you_mean("Recent_Commits", top, top=True) == "recent-commits"
    assert did_you_mean("zzzzzz", top, top=True) is None
    hooks = ks.properties(ks.schema_at(("hooks",)) or {})
    assert did_you_mean("failmode", hooks, top=False) == "fail-mode"


def test_describe_and_dotted() -> None:
    assert describe({"type": "boolean"}) == "true or false"
    assert describe({"type": "integer"}) == "an integer"
    assert describe({"type": "string", "enum": ["strict", "warn", "off"]}) == "strict, warn or off"
    assert describe({"type": ["string", "null"], "minLength": 1}) == "a non-empty string or null"
    assert dotted(("custom-phases", 1, "command")) == "custom-phases[1].command"
