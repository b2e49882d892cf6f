"""schemas/session-config.schema.json: valid 2020-12, complete, and faithful to config.md §6–§7."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from sessionkit import schemas
from sessionkit.config import _keys, _model

SCHEMA = schemas.load_schema("session-config")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# The study's 88 output keys of the prior art's parser, in its order (anchor-config.md §2).
PRIOR_ART_KEYS = [
    "agents-per-wave",
    "waves",
    "recent-commits",
    "special",
    "vcs",
    "gitlab-host",
    "mirror",
    "cross-repos",
    "cross-repo.projects",
    "pencil",
    "ecosystem-health",
    "health-endpoints",
    "issue-limit",
    "stale-branch-days",
    "stale-issue-days",
    "test-command",
    "typecheck-command",
    "lint-command",
    "ssot-files",
    "ssot-freshness-days",
    "plugin-freshness-days",
    "discovery-on-close",
    "discovery-probes",
    "discovery-exclude-paths",
    "discovery-severity-threshold",
    "discovery-confidence-threshold",
    "discovery-parallelism",
    "persistence",
    "memory-cleanup-threshold",
    "memory-cleanup-soft-limit",
    "learning-expiry-days",
    "learnings-surface-top-n",
    "learning-decay-rate",
    "enforcement",
    "isolation",
    "max-turns",
    "baseline-ref",
    "baseline-project-id",
    "plan-baseline-path",
    "plan-default-visibility",
    "plan-prd-location",
    "plan-retro-location",
    "agent-mapping",
    "enforcement-gates",
    "reasoning-output",
    "grounding-injection-max-files",
    "grounding-check",
    "allow-destructive-ops",
    "resource-awareness",
    "enable-host-banner",
    "heavy-repo",
    "worktree-cleanup",
    "resource-thresholds",
    "worktree-exclude",
    "vault-integration",
    "vault-mirror",
    "cold-start",
    "auto-dream",
    "state-md-lock",
    "handover-gate",
    "issue-budget",
    "broken-window-budget",
    "slopcheck",
    "skill-evolution",
    "dispatcher-autonomy",
    "discovery-validator",
    "templates-first",
    "verification-auto-fix",
    "dialectic",
    "eval",
    "memory",
    "reconcile",
    "vault-sync",
    "drift-check",
    "docs-orchestrator",
    "vault-staleness",
    "docs-staleness",
    "moc-staleness",
    "context-coverage",
    "worktree-orphans",
    "events-rotation",
    "test",
    "gitlab-portfolio",
    "wave-reviewers",
    "persona-gate-wave",
    "custom-phases",
    "evolve.extra-sources",
    "evolve.decay",
]

# config.md §7.2, loosest -> strictest (None = unset).
LOOSENING_ORDERS: dict[str, list[Any]] = {
    "allow-destructive-ops": [True, False],
    "allow-config-weakening": [True, False],
    "enforcement": ["off", "warn", "strict"],
    "enforcement-gates.path-guard": [False, None, True],
    "enforcement-gates.command-guard": [False, None, True],
    "enforcement-gates.bash-write-guard": [False, None, True],
    "enforcement-gates.bash-write-verify": [False, None, True],
    "config-protection.enabled": [False, True],
    "config-protection.mode": ["off", "warn", "strict"],
    "config-protection.detectors.inline-suppression": [False, True],
    "hooks.fail-mode": ["open", "closed"],
    "hooks.warn-as": ["notice", "ask"],
    "hooks.record-events": ["never", "auto", "always"],
    "snapshots.before-warn": [False, True, "required"],
}
LOOSENING_SETS = {
    "hooks.disable": "intersection",
    "protected-paths.add": "union",
    "protected-paths.relax": "intersection",
    "snapshots.before-warn-rules": "union",
}

# config.md §6.3
ALIASES = {
    "learning-expiry-days": "learnings.default-ttl-days",
    "learnings-surface-top-n": "learnings.surface-top-n",
    "learning-decay-rate": "learnings.decay-rate",
    "evolve.decay-enabled": "learnings.rank.enabled",
    "evolve.decay-half-life-days": "learnings.rank.half-life-days",
    "evolve.decay-floor-factor": "learnings.rank.floor-factor",
    "events-rotation.enabled": "metrics.rotation.events.enabled",
    "events-rotation.max-size-mb": "metrics.rotation.events.max-mb",
    "events-rotation.max-backups": "metrics.rotation.events.keep",
    "state-md-lock.timeout-ms": "state.lock-timeout-ms",
    "persona-reviewers": "wave-reviewers",
    "sessionkit.snapshot-before-warn": "snapshots.before-warn",
    "ram-free-min-gb": "resource-thresholds.ram-free-min-gb",
    "ram-free-critical-gb": "resource-thresholds.ram-free-critical-gb",
    "cpu-load-max-pct": "resource-thresholds.cpu-load-max-pct",
    "concurrent-sessions-warn": "resource-thresholds.concurrent-sessions-warn",
    "ssh-no-docker": "resource-thresholds.ssh-no-docker",
    "zombie-threshold-min": "resource-thresholds.zombie-threshold-min",
}

# Defaults fixed by config.md §6.2/§6.4 and the owners' specs (metrics.md §8, snapshots.md §12.4,
# agent-hooks.md §13.1).
SPEC_DEFAULTS: dict[str, Any] = {
    "agents-per-wave": 6,
    "waves": 5,
    "recent-commits": 20,
    "test-command": None,
    "typecheck-command": None,
    "lint-command": None,
    "discovery-on-close": True,
    "discovery-probes": ["all"],
    "discovery-confidence-threshold": 60,
    "enforcement": "warn",
    "isolation": "auto",
    "max-turns": "auto",
    "enforcement-gates": {},
    "agent-mapping": None,
    "allow-destructive-ops": False,
    "allow-config-weakening": False,
    "config-protection.mode": "warn",
    "plan-prd-location": "docs/prd/",
    "resource-thresholds.cpu-load-max-pct": 90,
    "resource-thresholds.zombie-threshold-min": 30,
    "issue-budget.mode": "strict",
    "drift-check.include-paths": ["CLAUDE.md", "AGENTS.md", "_meta/**/*.md"],
    "worktree-orphans.base-branch": "main",
    "persona-gate-wave.dispatch-model": "claude-opus-4-7",
    "custom-phases": [],
    "hooks.fail-mode": "closed",
    "hooks.deadline-ms": 4000,
    "hooks.max-payload-bytes": 16777216,
    "metrics.dir": ".orchestrator/metrics",
    "metrics.rotation.events.keep": 10,
    "metrics.rotation.subagents.keep": 5,
    "learnings.default-ttl-days": 60,
    "learnings.surface-top-n": 5,
    "learnings.decay-rate": 0.05,
    "learnings.rank.half-life-days": 90,
    "state.lock-timeout-ms": 10000,
    "state.max-bytes": 262144,
    "snapshots.before-warn": False,
    "snapshots.timeout-ms": 3000,
    "snapshots.max-total-mib": 1024,
    "worktrees.gc-min-age-days": 7,
    "audit.instruction-max-lines": 250,
    "agents.model-families": ["opus", "sonnet", "haiku", "fable"],
}


def _objects(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict):
        return
    types = node.get("type")
    if types == "object" or (isinstance(types, list) and "object" in types):
        yield where, node
    for key in ("properties", "patternProperties", "$defs"):
        for name, sub in (node.get(key) or {}).items():
            yield from _objects(sub, f"{where}/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _objects(node[key], f"{where}/{key}")
    for key in ("oneOf", "anyOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from _objects(sub, f"{where}/{key}/{i}")


def test_is_a_valid_draft_2020_12_schema_with_the_documented_id() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://sessionkit.dev/schemas/session-config.schema.json"


def test_every_object_is_closed_and_accepts_extension_keys() -> None:
    objects = list(_objects(SCHEMA))
    assert len(objects) > 60
    for where, node in objects:
        assert node.get("patternProperties") == {"^x-": {}}, where
        extra = node.get("additionalProperties")
        # Maps (agent-mapping, enforcement-gates, learnings.ttl-days) constrain their values.
        assert extra is False or (isinstance(extra, dict) and "propertyNames" in node), where


def test_the_default_document_is_valid() -> None:
    VALIDATOR.validate(_keys.DEFAULTS)
    assert "persona-gate-wave" not in _keys.DEFAULTS  # absent by default
    assert not any(key in _keys.DEFAULTS for key in _keys.ALIASES)


def test_extension_keys_are_accepted_at_every_level() -> None:
    doc = copy.deepcopy(_keys.DEFAULTS)
    doc["x-team"] = {"anything": [1, 2]}
    doc["hooks"]["x-note"] = "ours"
    doc["metrics"]["rotation"]["events"]["x-why"] = True
    VALIDATOR.validate(doc)


@pytest.mark.parametrize(("key", "default"), sorted(SPEC_DEFAULTS.items()))
def test_defaults_follow_the_specs(key: str, default: Any) -> None:
    assert _keys.KEYS[key]["default"] == default
    if key.split(".")[0] in _keys.DEFAULTS:  # persona-gate-wave is absent by default
        value: Any = _keys.DEFAULTS
        for part in key.split("."):
            value = value[part]
        assert value == default


def test_every_prior_art_output_key_is_mapped() -> None:
    assert len(PRIOR_ART_KEYS) == 88
    annotated = [e["prior_art"]["key"] for e in _keys.KEYS.values() if "prior_art" in e]
    for key in PRIOR_ART_KEYS:
        assert any(a == key or a.startswith(key + ".") for a in annotated), key


def test_prior_art_defaults_record_the_documented_differences() -> None:
    # config.md §6.4: the prior art's defaults are kept for the prior-art view.
    assert _keys.KEYS["test-command"]["prior_art"] == {"key": "test-command", "default": "npm test"}
    assert _keys.KEYS["discovery-on-close"]["prior_art"]["default"] is False
    assert _keys.KEYS["learnings-surface-top-n"]["prior_art"]["default"] == 15
    assert _keys.KEYS["events-rotation"]["prior_art"]["default"]["max-backups"] == 5


def test_every_loosening_key_is_annotated_with_its_order() -> None:
    assert set(_keys.LOOSENING) == set(LOOSENING_ORDERS) | set(LOOSENING_SETS)
    for key, order in LOOSENING_ORDERS.items():
        assert _keys.LOOSENING[key]["order"] == order, key
    for key, rule in LOOSENING_SETS.items():
        assert _keys.LOOSENING[key] == {"set": rule}, key
    assert _keys.LOOSENING["enforcement-gates.path-guard"]["equivalent"] == [None, True]


def test_keys_that_are_not_loosening_on_purpose() -> None:
    # config.md §7.2 "Not loosening, on purpose".
    for key in ("isolation", "test-command", "metrics.dir", "state.dir", "waves"):
        assert "loosening" not in _keys.KEYS[key], key


def test_aliases_match_the_table_and_point_at_canonical_keys() -> None:
    for alias, target in ALIASES.items():
        assert _keys.ALIASES.get(alias) == target, alias
    for alias, target in _keys.ALIASES.items():
        assert target in _keys.KEYS, alias
        assert target not in _keys.ALIASES, f"{alias} -> {target} is a chain"
        assert not _keys.KEYS[target].get("alias_only"), target
    assert _keys.KEYS["persona-reviewers"]["deprecated"]["use"] == "wave-reviewers"


def test_registry_shapes() -> None:
    assert tuple(SCHEMA["properties"]) == _keys.TOP_LEVEL
    digest = hashlib.sha256(schemas.schema_bytes("session-config")).hexdigest()[:16]
    assert digest == _keys.SCHEMA_SHA256 == _model.SCHEMA_SHA256
    assert {"hooks", "vault-integration", "agent-mapping", "enforcement-gates"} <= _keys.BLOCK_KEYS
    assert "waves" not in _keys.BLOCK_KEYS and "agents-per-wave" not in _keys.BLOCK_KEYS
    record = _keys.KEYS["custom-phases"]["items"]
    assert record["required"] == ["name", "command"]
    assert _keys.KEYS["custom-phases[].command"]["executes"] is True
    assert _keys.KEYS["agent-mapping"]["kind"] == "map"
    assert _keys.KEYS["agent-mapping"]["key_enum"][0] == "impl"
    assert _keys.KEYS["agent-mapping"]["values"] == {"type": ["string"], "minLength": 1}
    assert _keys.KEYS["agents-per-wave"]["kind"] == "union"
    assert _keys.KEYS["agents-per-wave"]["session_overrides"] is True
    assert _keys.KEYS["agents-per-wave.deep"]["minimum"] == 2
    assert _keys.KEYS["eval.handle"]["trim"] is True
    assert _keys.KEYS["vault-sync.mode"]["legacy_values"] == {"hard": "strict"}
    assert _keys.KEYS["custom-phases[].mode"]["legacy_values"] == {"strict": "hard"}
    assert _keys.KEYS["vault-sync.exclude"]["list_form"] == "block"
    assert _keys.KEYS["ecosystem-health"]["legacy_shape"] == "ecosystem-health-block"


def test_keys_named_by_the_owner_specs_exist() -> None:
    owned = [
        "allow-destructive-ops",
        "hooks.fail-mode", "hooks.warn-as", "hooks.disable", "hooks.record-events",
        "hooks.deadline-ms", "hooks.max-payload-bytes", "protected-paths.add",
        "protected-paths.relax", "config-protection.mode",
        "config-protection.detectors.inline-suppression", "allow-config-weakening",
        "enforcement-gates", "test-command", "typecheck-command", "lint-command",
        "metrics.dir", "metrics.fsync", "metrics.max-line-bytes", "metrics.lock-timeout-ms",
        "metrics.backups", "metrics.abandon-after-hours", "metrics.rotation.events.max-mb",
        "metrics.rotation.subagents.enabled", "learnings.ttl-days", "learnings.min-confidence",
        "learnings.sweep-grace-days", "state.dir", "state.lock-ttl-seconds",
        "snapshots.before-warn-rules", "snapshots.keep-last", "snapshots.keep-newest",
        "snapshots.max-age-days", "snapshots.max-file-mib", "worktrees.root",
        "worktrees.disposable", "audit.fail-under", "audit.skip", "agents.model-families",
        "loop-guard.window", "webhooks.slack.url", "worker-pool.max-parallel",
    ]  # fmt: skip
    missing = [key for key in owned if key not in _keys.KEYS]
    assert not missing


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_keys.DEFAULTS)
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "keyword"),
    [
        ("waves", 2, "minimum"),
        ("waves", 5.5, "type"),
        ("enforcement", "loose", "enum"),
        ("persistence", "yes", "type"),
        ("max-turns", 0, "oneOf"),
        ("agents-per-wave", {"deep": 18}, "oneOf"),
        ("agents-per-wave", {"default": 6, "fast": 3}, "oneOf"),
        ("learnings.decay-rate", 1.0, "exclusiveMaximum"),
        ("discovery-confidence-threshold", 500, "maximum"),
        ("discovery-probes", ["code", "bogus"], "enum"),
        ("agent-mapping", {"impl": "code-editor", "foo": "bar"}, "propertyNames"),
        ("agent-mapping", {"impl": ""}, "minLength"),
        ("enforcement-gates", {"path-guard": "yes"}, "type"),
        ("worktree-orphans.base-branch", "--glob=refs/heads/*", "pattern"),
        ("worktree-orphans.base-branch", "feature/x.lock", "pattern"),
        ("test.profiles-path", "../outside.json", "pattern"),
        ("metrics.dir", "/abs/metrics", "pattern"),
        ("metrics.dir", "~/metrics", "pattern"),
        ("plan-prd-location", "docs/../../x", "pattern"),
        ("persona-gate-wave", {"threshold": "21-of-21"}, "pattern"),
        ("persona-gate-wave", {"threshold": "04-of-6"}, "pattern"),
        ("persona-gate-wave", {"personas": ["Buyer_A"]}, "pattern"),
        ("persona-gate-wave", {"dispatch-model": "gpt-4"}, "anyOf"),
        ("custom-phases", [{"name": "bad", "command": "npm test && rm -rf /"}], "pattern"),
        ("custom-phases", [{"command": "make x"}], "required"),
        ("evolve.extra-sources", [{"path": "../x.json"}], "pattern"),
        ("cross-repo.projects", ["b;c"], "pattern"),
        ("hooks.deadline-ms", 9000, "maximum"),
        ("hooks.disable", ["verify", "verify"], "uniqueItems"),
        ("hooks.disable", ["protected"], "enum"),
        ("protected-paths.add", [{"id": "x", "patterns": []}], "minItems"),
        ("protected-paths.add", [{"id": "Secrets", "patterns": ["a"]}], "pattern"),
        ("snapshots.before-warn", "always", "enum"),
        ("drift-check.include-paths", [], "minItems"),
        ("gitlab-host", "https://gitlab.example.com", "pattern"),
        ("vcs", "bitbucket", "enum"),
    ],
)
def test_invalid_values_are_rejected_by_the_keyword_the_rule_id_comes_from(
    path: str, value: Any, keyword: str
) -> None:
    errors = list(VALIDATOR.iter_errors(_with(path, value)))
    assert errors, f"{path}={value!r} was accepted"
    found = {e.validator for e in errors} | {c.validator for e in errors for c in e.context or []}
    found |= {str(part) for e in errors for part in e.absolute_schema_path}
    assert keyword in found, (path, value, found)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("agents-per-wave", {"default": 6, "deep": 18}),
        ("max-turns", 12),
        ("health-endpoints", [{"name": "a", "url": "b"}, "https://x.example/health"]),
        ("agent-mapping", {"impl": "code-editor", "test": "test-specialist"}),
        ("enforcement-gates", {"path-guard": True, "bash-write-guard": False}),
        ("persona-gate-wave", {"enabled": True, "threshold": "4-of-6", "personas": ["buyer-a"]}),
        ("persona-gate-wave", {"dispatch-model": "claude-sonnet-4-5-20250929"}),
        ("custom-phases", [{"name": "ok-phase", "command": "npm run x", "review": "docs/x.md"}]),
        ("protected-paths.relax", [{"class": "instructions", "agent": "warn"}]),
        ("snapshots.before-warn", "required"),
        ("learnings.ttl-days", {"domain-regression": 30}),
        ("worktree-orphans.base-branch", "release/2.x"),
        ("baseline-project-id", "52"),
        ("resource-thresholds.ram-free-min-gb", 1.5),
        ("webhooks.slack.url", "https://hooks.slack.com/services/T/B/X"),
    ],
)
def test_valid_values_are_accepted(path: str, value: Any) -> None:
    VALIDATOR.validate(_with(path, value))


def test_every_example_in_the_schema_is_valid_for_its_key() -> None:
    checked = 0

    def walk(node: dict[str, Any], where: str) -> None:
        nonlocal checked
        for name, child in (node.get("properties") or {}).items():
            for example in child.get("examples", []):
                errors = list(jsonschema.Draft202012Validator(child).iter_errors(example))
                assert not errors, f"{where}{name}: example {example!r}: {errors[0].message}"
                checked += 1
            walk(child, f"{where}{name}.")
            items = child.get("items")
            if isinstance(items, dict):
                walk(items, f"{where}{name}[].")

    walk(SCHEMA, "")
    assert checked >= 10


def test_aliases_accept_exactly_what_their_targets_accept() -> None:
    bounds = ("enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern")
    for alias, target in _keys.ALIASES.items():
        a, t = _keys.KEYS[alias], _keys.KEYS[target]
        assert a["type"] == t["type"], alias
        for name in bounds:
            assert a.get(name) == t.get(name), (alias, name)
        if a["kind"] == "object":  # sub-keys may be renamed (events-rotation.max-size-mb)
            moved = {_keys.ALIASES[f"{alias}.{c}"] for c in a["properties"]}
            assert moved == {f"{target}.{c}" for c in t["properties"]}, alias
