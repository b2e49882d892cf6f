"""Conformance with the prior art: one row per case of config.md §5 with the literal inputs.

Unless a row builds a repository, the input is a ``CLAUDE.md`` whose first line is
``## Session Config`` and whose second line is blank, so body line *n* is file line *n + 2*.
``errors``/``warnings`` are the exact (rule, line) sets of that severity; ``infos`` must be
present (other notes may be added). Rows of kind "same" also check the prior-art view.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessionkit.config import load_config, load_config_text, to_prior_art
from sessionkit.config.api import clear_memo

HEADER = "## Session Config\n\n"
MISSING = object()


def value_at(doc: Any, dotted: str) -> Any:
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


class Row:
    def __init__(
        self,
        case: str,
        body: str,
        values: dict[str, Any],
        *,
        errors: set[tuple[str, int | None]] = frozenset(),  # type: ignore[assignment]
        warnings: set[tuple[str, int | None]] = frozenset(),  # type: ignore[assignment]
        infos: set[tuple[str, int | None]] = frozenset(),  # type: ignore[assignment]
        kind: str = "same",
        prior_art: dict[str, Any] | None = None,
        raw: bool = False,
    ) -> None:
        self.case = case
        self.text = body if raw else HEADER + body
        self.values = values
        self.errors = set(errors)
        self.warnings = set(warnings)
        self.infos = set(infos)
        self.kind = kind
        self.prior_art = prior_art or {}


ROWS = [
    # §5.2 section and resolution (text-only cases; the file-tree cases are below)
    Row(
        "1-no-section",
        "Some prose\n",
        {"waves": 5, "agents-per-wave": 6},
        raw=True,
        infos={("config.no-section", None)},
    ),
    Row(
        "2-crlf",
        "## Session Config\r\n\r\npersistence: false\r\nwaves: 7\r\n",
        {"persistence": False, "waves": 7},
        raw=True,
        prior_art={"waves": 7},
    ),
    Row(
        "3a-decorated-heading",
        "## Session Config <!-- x -->\n\nwaves: 9\n",
        {"waves": 9},
        raw=True,
        infos={("config.heading-decorated", 1)},
        kind="fix",
    ),
    Row(
        "3b-lowercase-heading",
        "## session config\n\nwaves: 9\n",
        {"waves": 5},
        raw=True,
        warnings={("config.heading-near-miss", 1)},
        infos={("config.no-section", None)},
        kind="policy",
    ),
    Row(
        "3c-bom-before-heading",
        "\ufeff## Session Config\n\nwaves: 9\n",
        {"waves": 9},
        raw=True,
        infos={("config.bom", 1)},
        kind="fix",
    ),
    Row(
        "4-h1-ends-section",
        "waves: 4\n### Sub\nrecent-commits: 9\n# H1\nissue-limit: 7\n## Next\nstale-branch-days: 99\n",
        {"waves": 4, "recent-commits": 9, "issue-limit": 50, "stale-branch-days": 7},
        warnings={("config.h1-ends-section", 6)},
        kind="policy",
    ),
    Row(
        "5-duplicate-section",
        "waves: 3\n## Other\n## Session Config\nwaves: 7\n",
        {"waves": 3},
        warnings={("config.duplicate-section", 5)},
    ),
    Row(
        "6-heading-in-fence",
        "```\n## Session Config\nwaves: 9\n```\n",
        {"waves": 5},
        raw=True,
        warnings={("config.heading-in-fence", 2)},
        infos={("config.no-section", None)},
        kind="policy",
    ),
    # §5.3 flat key syntax
    Row(
        "12-bold-and-plain-bullets",
        "- **waves:** 4\n- recent-commits: 9\n",
        {"waves": 4, "recent-commits": 9},
        prior_art={"waves": 4, "recent-commits": 9},
    ),
    Row(
        "13a-missing-space",
        "waves:4\n",
        {"waves": 4},
        warnings={("config.missing-space", 3)},
        kind="fix",
    ),
    Row("13b-empty-value", "vcs:\n", {"vcs": None}, prior_art={"vcs": None}),
    Row("13c-unknown-key", "x: 1\n", {}, warnings={("config.unknown-key", 3)}, kind="policy"),
    Row(
        "14-inline-comments",
        "waves: 4 # four\nspecial: issue#12 stays\n",
        {"waves": 4, "special": "issue#12 stays"},
        prior_art={"special": "issue#12 stays"},
    ),
    Row(
        "15a-double-quoted-int",
        'waves: "4"\n',
        {"waves": 4},
        infos={("config.quoted-scalar", 3)},
        prior_art={"waves": 4},
    ),
    Row(
        "15b-single-quoted-int",
        "waves: '4'\n",
        {"waves": 4},
        infos={("config.quoted-scalar", 3)},
        kind="fix",
    ),
    Row("15c-single-quoted-string", "vcs: 'github'\n", {"vcs": "github"}, kind="fix"),
    Row("16-hash-in-quotes", 'special: "foo # bar"\n', {"special": "foo # bar"}, kind="fix"),
    Row(
        "17a-duplicate-key",
        "waves: 4\nwaves: 6\n",
        {"waves": 6},
        warnings={("config.duplicate-key", 4)},
    ),
    Row(
        "17b-sub-key-does-not-leak",
        "waves: 5\nsome-block:\n  waves: 9\n",
        {"waves": 5},
        warnings={("config.unknown-key", 4)},
        kind="fix",
    ),
    Row("18a-leading-zero", "waves: 05\n", {"waves": 5}, prior_art={"waves": 5}),
    Row("18b-negative", "waves: -3\n", {"waves": 5}, errors={("config.range", 3)}, kind="policy"),
    Row(
        "18c-exponent-for-integer",
        "recent-commits: 1e3\n",
        {"recent-commits": 20},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "19-null-commands",
        'test-command: ""\nlint-command: none\ntypecheck-command: null\n',
        {"test-command": None, "lint-command": None, "typecheck-command": None},
        warnings={
            ("config.null-command", 3),
            ("config.null-command", 4),
            ("config.null-command", 5),
        },
        kind="policy",
    ),
    Row(
        "20a-enum-case",
        "enforcement: STRICT\nisolation: WorkTree\n",
        {"enforcement": "strict", "isolation": "worktree"},
        infos={("config.case-normalised", 3), ("config.case-normalised", 4)},
        prior_art={"enforcement": "strict", "isolation": "worktree"},
    ),
    Row(
        "20b-bad-enum",
        "enforcement: loose\n",
        {"enforcement": "warn"},
        errors={("config.enum", 3)},
        kind="policy",
    ),
    Row(
        "21a-bool-case",
        "persistence: FALSE\n",
        {"persistence": False},
        prior_art={"persistence": False},
    ),
    Row(
        "21b-yes-is-not-bool",
        "persistence: yes\n",
        {"persistence": True},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "22a-max-turns-auto",
        "max-turns: AUTO\n",
        {"max-turns": "auto"},
        infos={("config.case-normalised", 3)},
        prior_art={"max-turns": "auto"},
    ),
    Row("22a-max-turns-int", "max-turns: 12\n", {"max-turns": 12}, prior_art={"max-turns": 12}),
    Row(
        "22b-max-turns-zero",
        "max-turns: 0\n",
        {"max-turns": "auto"},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "22b-max-turns-float",
        "max-turns: 1.5\n",
        {"max-turns": "auto"},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "23a-decay-zero",
        "learning-decay-rate: 0\n",
        {"learnings.decay-rate": 0},
        infos={("config.alias", 3)},
    ),
    Row(
        "23a-decay-high",
        "learning-decay-rate: 0.999\n",
        {"learnings.decay-rate": 0.999},
        infos={("config.alias", 3)},
    ),
    Row(
        "23b-decay-one",
        "learning-decay-rate: 1.0\n",
        {"learnings.decay-rate": 0.05},
        errors={("config.range", 3)},
        infos={("config.alias", 3)},
        kind="policy",
    ),
    Row(
        "23c-leading-dot",
        "learning-decay-rate: .5\n",
        {"learnings.decay-rate": 0.5},
        infos={("config.alias", 3)},
        kind="fix",
    ),
    Row(
        "24-parallelism-high",
        "discovery-parallelism: 17\n",
        {"discovery-parallelism": 5},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "24-parallelism-zero",
        "discovery-parallelism: 0\n",
        {"discovery-parallelism": 5},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "24-parallelism-text",
        "discovery-parallelism: abc\n",
        {"discovery-parallelism": 5},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "24-parallelism-ok",
        "discovery-parallelism: 16\n",
        {"discovery-parallelism": 16},
        prior_art={"discovery-parallelism": 16},
    ),
    Row(
        "25a-confidence-bound",
        "discovery-confidence-threshold: 500\n",
        {"discovery-confidence-threshold": 60},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "25b-visibility-enum",
        "plan-default-visibility: secret\n",
        {"plan-default-visibility": "internal"},
        errors={("config.enum", 3)},
        kind="policy",
    ),
    Row(
        "25c-number-as-text",
        "baseline-project-id: 52\n",
        {"baseline-project-id": "52"},
        prior_art={"baseline-project-id": "52"},
    ),
    Row(
        "26-discovery-on-close-auto",
        "discovery-on-close: auto\n",
        {"discovery-on-close": True},
        infos={("config.legacy-value", 3)},
        kind="fix",
    ),
    Row(
        "27a-comma-list",
        "discovery-probes: code, arch\n",
        {"discovery-probes": ["code", "arch"]},
        prior_art={"discovery-probes": ["code", "arch"]},
    ),
    Row(
        "27b-empty-list-and-none",
        "discovery-exclude-paths: []\ncross-repos: none\n",
        {"discovery-exclude-paths": [], "cross-repos": None},
        prior_art={"discovery-exclude-paths": [], "cross-repos": None},
    ),
    Row(
        "27c-quoted-list-item",
        'ssot-files: [a.md, "b c.md"]\n',
        {"ssot-files": ["a.md", "b c.md"]},
        kind="fix",
    ),
    Row(
        "27d-object-list",
        "health-endpoints: [{name: a, url: b}]\n",
        {"health-endpoints": [{"name": "a", "url": "b"}]},
        kind="fix",
    ),
    Row(
        "27e-flow-list",
        "worktree-exclude: [x]\n",
        {"worktree-exclude": ["x"]},
        prior_art={"worktree-exclude": ["x"]},
    ),
    # §5.4 override syntax and objects
    Row(
        "28a-override",
        "agents-per-wave: 6 (deep: 18)\n",
        {"agents-per-wave": {"default": 6, "deep": 18}},
        prior_art={"agents-per-wave": {"default": 6, "deep": 18}},
    ),
    Row(
        "28a-override-no-space",
        "agents-per-wave: 6 (deep:18)\n",
        {"agents-per-wave": {"default": 6, "deep": 18}},
    ),
    Row(
        "28b-override-bogus",
        "agents-per-wave: 6 (deep: 18, bogus)\n",
        {"agents-per-wave": {"default": 6, "deep": 18}},
        warnings={("config.override-syntax", 3)},
    ),
    Row("28c-override-empty", "agents-per-wave: 6 ( )\n", {"agents-per-wave": 6}),
    Row(
        "28d-override-bad-value",
        "agents-per-wave: 6 (deep: x)\n",
        {"agents-per-wave": 6},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "28e-override-unclosed",
        "agents-per-wave: 6 (deep: 18\n",
        {"agents-per-wave": 6},
        errors={("config.type", 3)},
        kind="policy",
    ),
    # The canonical form of {default: 6} is the plain 6 (the model collapses a mapping
    # without overrides); both mean six agents for every session type.
    Row(
        "29-override-range",
        "agents-per-wave: 6 (deep: 1)\n",
        {"agents-per-wave": 6},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "30a-override-on-waves",
        "waves: 5 (deep: 10, fast: 3)\n",
        {"waves": 5},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "30b-override-on-issue-limit",
        "issue-limit: 50 (deep: 100)\n",
        {"issue-limit": 50},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "31a-agent-mapping",
        "agent-mapping: { impl: code-editor, test: test-specialist }\n",
        {"agent-mapping": {"impl": "code-editor", "test": "test-specialist"}},
    ),
    Row(
        "31b-agent-mapping-bad-role",
        "agent-mapping: { impl: code-editor, foo: bar }\n",
        {"agent-mapping": {"impl": "code-editor"}},
        errors={("config.enum", 3)},
        kind="policy",
    ),
    Row(
        "31c-agent-mapping-empty-value",
        "agent-mapping: { impl: }\n",
        {"agent-mapping": None},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "31d-agent-mapping-empty",
        "agent-mapping: {}\n",
        {"agent-mapping": None},
        prior_art={"agent-mapping": None},
    ),
    Row(
        "31e-agent-mapping-block",
        "agent-mapping:\n  impl: code-editor\n",
        {"agent-mapping": {"impl": "code-editor"}},
        kind="fix",
    ),
    Row(
        "32a-gates-flow",
        "enforcement-gates: { path-guard: true, bash-write-guard: FALSE }\n",
        {"enforcement-gates": {"path-guard": True, "bash-write-guard": False}},
    ),
    Row(
        "32b-gates-yes",
        "enforcement-gates: { path-guard: yes }\n",
        {"enforcement-gates.path-guard": MISSING},
        errors={("config.type", 3)},
        kind="policy",
    ),
    Row(
        "32c-gates-block",
        "enforcement-gates:\n  path-guard: true\n",
        {"enforcement-gates": {"path-guard": True}},
        kind="fix",
    ),
    Row(
        "33a-resource-thresholds",
        "resource-thresholds:\n  ram-free-min-gb: 8\n  cpu-load-max-pct: 70\n"
        "  ssh-no-docker: false\n  zombie-threshold-min: 10\n",
        {
            "resource-thresholds": {
                "ram-free-min-gb": 8,
                "ram-free-critical-gb": 2,
                "cpu-load-max-pct": 70,
                "concurrent-sessions-warn": 5,
                "ssh-no-docker": False,
                "zombie-threshold-min": 10,
            }
        },
        kind="fix",
    ),
    Row(
        "33b-fractional-gb",
        "resource-thresholds:\n  ram-free-min-gb: 1.5\n",
        {"resource-thresholds.ram-free-min-gb": 1.5},
        kind="fix",
    ),
    # §5.5 validator and enforcement
    Row(
        "34-range-warn",
        "waves: 2\nenforcement: warn\n",
        {"waves": 5},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "35-range-strict",
        "waves: 2\nenforcement: strict\n",
        {"waves": 5},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "36-range-off",
        "waves: 2\nenforcement: off\n",
        {"waves": 5},
        errors={("config.range", 3)},
        kind="policy",
    ),
    Row(
        "37-heavy-repo-auto",
        "heavy-repo: true\nisolation: auto\n",
        {"heavy-repo": True},
        warnings={("config.cross-field", 3)},
        kind="policy",
    ),
    Row(
        "37-heavy-repo-none",
        "heavy-repo: true\nisolation: none\n",
        {"isolation": "none"},
        warnings={("config.cross-field", 3)},
        kind="policy",
    ),
    Row(
        "40-nested-validators",
        "docs-orchestrator:\n  enabled: maybe\n  audiences: [user, bogus]\n"
        "vault-staleness:\n  thresholds:\n    top: -1\n"
        "gitlab-portfolio:\n  stale-days: 0\n  extra: 1\n",
        {
            "docs-orchestrator.enabled": False,
            "docs-orchestrator.audiences": ["user"],
            "vault-staleness.thresholds.top": 30,
            "gitlab-portfolio.stale-days": 30,
        },
        errors={("config.type", 4), ("config.enum", 5), ("config.range", 8), ("config.range", 10)},
        warnings={("config.unknown-key", 11)},
        kind="policy",
    ),
    # §5.6 blocks
    Row(
        "41-comment-on-block-header",
        "vault-integration:  # my vault\n  enabled: true\n",
        {"vault-integration.enabled": True},
        kind="fix",
    ),
    Row(
        "42a-inline-block",
        "- vault-integration: { enabled: true, vault-dir: ~/v, mode: STRICT, vault-name: my-ns }\n",
        {
            "vault-integration": {
                "enabled": True,
                "vault-dir": "~/v",
                "mode": "strict",
                "vault-name": "my-ns",
                "gitlab-groups": None,
            }
        },
        infos={("config.case-normalised", 3)},
        # the prior art has no gitlab-groups in this block
        prior_art={
            "vault-integration": {
                "enabled": True,
                "vault-dir": "~/v",
                "mode": "strict",
                "vault-name": "my-ns",
            }
        },
    ),
    Row(
        "42b-bold-block-bad-mode",
        "- **vault-integration:**\n  enabled: true\n  mode: bogus\n",
        {"vault-integration.enabled": True, "vault-integration.mode": "warn"},
        errors={("config.enum", 5)},
    ),
    Row(
        "43a-block-before-section",
        "vault-sync:\n  enabled: true\n\n## Session Config\n\nwaves: 4\n",
        {"vault-sync.enabled": False, "waves": 4},
        raw=True,
        warnings={("config.key-outside-section", 1)},
        kind="policy",
    ),
    Row(
        "43b-vault-sync-hard",
        "vault-sync.mode: hard\n",
        {"vault-sync.mode": "strict"},
        infos={("config.legacy-value", 3)},
        kind="fix",
    ),
    Row(
        "43c-vault-sync-inline-exclude",
        'vault-sync.exclude: ["**/_MOC.md"]\n',
        {"vault-sync.exclude": ["**/_MOC.md"]},
        kind="fix",
    ),
    Row(
        "44a-drift-check-hard",
        "drift-check.mode: hard\n",
        {"drift-check.mode": "strict"},
        infos={("config.legacy-value", 3)},
    ),
    Row(
        "44b-dash-list",
        "drift-check:\n  include-paths:\n    - README.md\n",
        {"drift-check.include-paths": ["README.md"]},
    ),
    Row(
        "44c-check-flag-no",
        "drift-check:\n  check-rule-scoping: no\n",
        {"drift-check.check-rule-scoping": True},
        errors={("config.type", 4)},
    ),
    Row(
        "44d-inline-include-paths",
        "drift-check.include-paths: [README.md]\n",
        {"drift-check.include-paths": ["README.md"]},
        kind="fix",
    ),
    Row(
        "45a-custom-phase",
        "custom-phases:\n  - name: ok-phase\n    command: npm run x\n",
        {
            "custom-phases": [
                {
                    "name": "ok-phase",
                    "command": "npm run x",
                    "when": "session-end",
                    "mode": "warn",
                    "review": None,
                }
            ]
        },
    ),
    Row(
        "45b-unsafe-command",
        "custom-phases:\n  - name: bad\n    command: npm test && rm -rf /\n",
        {"custom-phases": []},
        errors={("config.pattern", 5)},
    ),
    Row(
        "45c-bad-name-and-no-name",
        "custom-phases:\n  - name: bad name\n    command: make x\n  - command: make y\n",
        {"custom-phases": []},
        errors={("config.pattern", 4), ("config.required", 6)},
    ),
    Row(
        "45d-when-and-mode",
        "custom-phases:\n  - name: p4\n    command: make p4\n    when: weekly\n"
        "    mode: strict\n    review: docs/x.md\n",
        {
            "custom-phases": [
                {
                    "name": "p4",
                    "command": "make p4",
                    "when": "session-end",
                    "mode": "hard",
                    "review": "docs/x.md",
                }
            ]
        },
        errors={("config.enum", 6)},
        infos={("config.legacy-value", 7)},
        kind="fix",
    ),
    Row(
        "46a-cross-repo-projects",
        "cross-repo.projects: [~/Projects/a, b;c, ok-name]\n",
        {"cross-repo.projects": ["~/Projects/a", "ok-name"]},
        errors={("config.pattern", 3)},
    ),
    Row(
        "46b-cross-repo-dash-list",
        "cross-repo:\n  projects:\n    - a\n    - b\n",
        {"cross-repo.projects": ["a", "b"]},
        kind="fix",
    ),
    Row(
        "47a-persona-gate",
        "persona-gate-wave:\n  enabled: true\n  threshold: 4-of-6\n  personas: [buyer-a, buyer-b]\n",
        {
            "persona-gate-wave.enabled": True,
            "persona-gate-wave.mode": "off",
            "persona-gate-wave.threshold": "4-of-6",
            "persona-gate-wave.dispatch-model": "claude-opus-4-7",
        },
        warnings={("config.cross-field", 4)},
    ),
    Row(
        "47b-persona-gate-bad",
        "persona-gate-wave:\n  threshold: 21-of-21\n  personas: [Buyer_A]\n  after: discovery\n",
        {
            "persona-gate-wave.threshold": "all",
            "persona-gate-wave.personas": [],
            "persona-gate-wave.after": "quality",
        },
        errors={("config.range", 4), ("config.pattern", 5), ("config.enum", 6)},
        kind="policy",
    ),
    Row(
        "47c-persona-gate-any",
        "persona-gate-wave:\n  threshold: any\n  dispatch-model: sonnet\n  mode: strict\n",
        {
            "persona-gate-wave.threshold": "any",
            "persona-gate-wave.dispatch-model": "sonnet",
            "persona-gate-wave.mode": "strict",
        },
    ),
    Row(
        "47d-no-persona-gate",
        "waves: 5\n",
        {"persona-gate-wave": MISSING},
        prior_art={"persona-gate-wave": None},
    ),
    Row(
        "48-persona-reviewers",
        "persona-reviewers:\n  enabled: true\n  reviewers: [architect-reviewer, qa-strategist]\n"
        "  mode: strict\n",
        {
            "wave-reviewers": {
                "enabled": True,
                "reviewers": ["architect-reviewer", "qa-strategist"],
                "mode": "strict",
            },
            "persona-reviewers": MISSING,
        },
        warnings={("config.deprecated-key", 3)},
        # the prior art flags the renamed block
        prior_art={
            "wave-reviewers": {
                "enabled": True,
                "reviewers": ["architect-reviewer", "qa-strategist"],
                "mode": "strict",
                "deprecated": True,
            }
        },
    ),
    Row(
        "49a-enums",
        "dialectic.model: gpt\neval.mode: strict\neval.judge: opus\n",
        {"dialectic.model": "haiku", "eval.mode": "warn", "eval.judge": "off"},
        errors={("config.enum", 3), ("config.enum", 4), ("config.enum", 5)},
        kind="policy",
    ),
    Row(
        "49b-eval",
        'eval:\n  enabled: yes\n  judge: SONNET\n  report: none\n  handle: "  my run  "\n',
        {
            "eval.enabled": False,
            "eval.judge": "sonnet",
            "eval.report": "none",
            "eval.handle": "my run",
        },
        errors={("config.type", 4)},
        infos={("config.case-normalised", 5)},
    ),
    Row(
        "50-nested-ranges",
        "handover-gate.max-open-questions: -1\nbroken-window-budget.due-days: 0\n",
        {"handover-gate.max-open-questions": 3, "broken-window-budget.due-days": 7},
        errors={("config.range", 3), ("config.range", 4)},
    ),
    Row(
        "51-worktree-orphans",
        "worktree-orphans:\n  base-branch: --glob=refs/heads/*\n  mode: strict\n",
        {"worktree-orphans.base-branch": "main", "worktree-orphans.mode": "warn"},
        errors={("config.pattern", 4), ("config.enum", 5)},
    ),
    Row(
        "52a-profiles-path-escape",
        "test.profiles-path: ../outside.json\n",
        {"test.profiles-path": ".orchestrator/policy/test-profiles.json"},
        errors={("config.pattern", 3)},
    ),
    Row(
        "52b-profiles-path-relative",
        "test.profiles-path: custom/profiles.json\n",
        {"test.profiles-path": "custom/profiles.json"},
        kind="fix",
    ),
    Row(
        "52c-test-block",
        "test:\n  mode: STRICT\n  retention-days: 0\n",
        {"test.mode": "strict", "test.retention-days": 0},
        infos={("config.case-normalised", 4)},
    ),
    Row(
        "53a-templates-first",
        "templates-first:\n  enabled: nope\n  hosts: []\n",
        {"templates-first.enabled": True, "templates-first.hosts": []},
        errors={("config.type", 4)},
    ),
    Row(
        "53b-slopcheck-sources",
        "slopcheck.sources: [bogus]\n",
        {"slopcheck.sources": ["plan", "discovery"]},
        errors={("config.enum", 3)},
    ),
    Row(
        "54-events-rotation",
        "events-rotation:\n  enabled: no\n  max-size-mb: 2048\n  max-backups: 20\n",
        {
            "metrics.rotation.events": {"enabled": True, "max-mb": 10, "keep": 20},
            "events-rotation": MISSING,
        },
        errors={("config.type", 4), ("config.range", 5)},
        infos={("config.alias", 3)},
    ),
    Row(
        "55-reconcile",
        "reconcile:\n  enabled: true\n  mode: strict\n  targets: repo-local\n"
        "  rule-expiry-days: 0\n  confidence-floor: 1.5\n  min-rule-days: 0\n"
        "  max-proposals-per-run: 0\n",
        {
            "reconcile": {
                "enabled": True,
                "mode": "warn",
                "targets": ["repo-local"],
                "rule-expiry-days": None,
                "confidence-floor": 0.5,
                "min-rule-days": 7,
                "min-insight-chars": 24,
                "max-proposals-per-run": 10,
            }
        },
        errors={
            ("config.enum", 5),
            ("config.range", 7),
            ("config.range", 8),
            ("config.range", 9),
            ("config.range", 10),
        },
    ),
    Row(
        "56-memory-subblocks",
        "memory:\n  banner:\n    enabled: false\n  proposals:\n    quota-per-wave: 0\n"
        "    confidence-floor: 0.9\n",
        {
            "memory.banner.enabled": False,
            "memory.proposals.quota-per-wave": 0,
            "memory.proposals.confidence-floor": 0.9,
        },
    ),
    Row(
        "57-evolve",
        "evolve:\n  extra-sources:\n    - path: ../x.json\n    - path: eval/r.json\n"
        "      kind: other\n    - path: eval/ok.json\n  decay-enabled: false\n"
        "  decay-half-life-days: 0\n  decay-floor-factor: 0.3\n",
        {
            "evolve.extra-sources": [
                {
                    "path": "eval/ok.json",
                    "kind": "regression-flags",
                    "learning-type": "domain-regression",
                }
            ],
            "learnings.rank": {"enabled": False, "half-life-days": 90, "floor-factor": 0.3},
        },
        errors={("config.pattern", 5), ("config.enum", 7), ("config.range", 10)},
        infos={("config.alias", 9), ("config.alias", 11)},
    ),
    Row(
        "58-gitlab-portfolio",
        'gitlab-portfolio:\n  stale-days: 2.5\n  critical-labels:\n    - "p::crit"\n    - p::high\n',
        {
            "gitlab-portfolio.stale-days": 30,
            "gitlab-portfolio.critical-labels": ["p::crit", "p::high"],
        },
        errors={("config.type", 4)},
    ),
    Row(
        "59a-skill-evolution",
        "skill-evolution:\n  autonomy: ADVISORY\n  judge: on\n  evidence-floor: 2\n"
        "  judge-budget-tokens: 0\n",
        {
            "skill-evolution": {
                "autonomy": "advisory",
                "judge": True,
                "evidence-floor": 0.5,
                "judge-budget-tokens": 8000,
            }
        },
        errors={("config.range", 6), ("config.range", 7)},
        infos={("config.legacy-value", 5), ("config.case-normalised", 4)},
    ),
    Row(
        "59b-dispatcher-autonomy",
        "dispatcher-autonomy:\n  autonomy: bogus\n  confidence-floor: 0.9\n",
        {"dispatcher-autonomy": {"autonomy": "off", "confidence-floor": 0.9}},
        errors={("config.enum", 4)},
    ),
    Row(
        "60-discovery-validator-unknown-sub-key",
        "discovery-validator:\n  foo: bar\n",
        {"discovery-validator.enabled": True},
        warnings={("config.unknown-key", 4)},
        kind="fix",
    ),
    Row(
        "61-staleness",
        "vault-staleness:\n  thresholds:\n    top: 0\n    active: 45.5\n  mode: strict\n"
        "moc-staleness.mode: strict\n",
        {
            "vault-staleness.thresholds": {"top": 30, "active": 45.5, "archived": 180},
            "vault-staleness.mode": "strict",
            "moc-staleness.mode": "strict",
        },
        errors={("config.range", 5)},
    ),
    Row(
        "62-tab-indent",
        "cold-start:\n\tenabled: false\n",
        {"cold-start.enabled": False},
        infos={("config.tab-indent", 4)},
    ),
    Row(
        "63a-keys-outside-parser",
        "loop-guard:\n  threshold: 4\ninstruction-budget:\n  ceiling: 300\n"
        "config-protection:\n  mode: strict\nallow-config-weakening: false\n"
        "express-path:\n  enabled: false\nwebhooks:\n  slack:\n    url: https://hooks.example/x\n"
        "autopilot:\n  bg-isolation: none\nauto-commit-per-wave: true\n"
        "worker-pool:\n  enabled: true\n",
        {
            "loop-guard.threshold": 4,
            "instruction-budget.ceiling": 300,
            "config-protection.mode": "strict",
            "allow-config-weakening": False,
            "express-path.enabled": False,
            "webhooks.slack.url": "https://hooks.example/x",
            "autopilot.bg-isolation": "none",
            "auto-commit-per-wave": True,
            "worker-pool.enabled": True,
        },
        kind="fix",
    ),
    Row(
        "63b-unknown-with-suggestion",
        "wavez: 4\n",
        {"waves": 5},
        warnings={("config.unknown-key", 3)},
        kind="policy",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.case for r in ROWS])
def test_text_case(row: Row) -> None:
    cfg = load_config_text(row.text)
    doc = cfg.to_json()
    for key, expected in row.values.items():
        assert (
            value_at(doc, key) == expected
            if expected is not MISSING
            else (value_at(doc, key) in (MISSING, None))
        ), f"{row.case}: {key} = {value_at(doc, key)!r}, expected {expected!r}"
    report = cfg.report
    found = {(d.rule, d.severity, d.line) for d in report.diagnostics}
    errors = {(r, line) for r, sev, line in found if sev == "error"}
    warnings = {(r, line) for r, sev, line in found if sev == "warning"}
    infos = {(r, line) for r, sev, line in found if sev == "info"}
    assert errors == row.errors, f"{row.case}: errors {sorted(errors, key=str)}"
    assert warnings == row.warnings, f"{row.case}: warnings {sorted(warnings, key=str)}"
    assert row.infos <= infos, f"{row.case}: infos {sorted(infos, key=str)}"
    if row.kind == "same" or row.prior_art:
        # "same" rows: the prior-art view shows the value the prior art recorded. Keys the
        # view names differently (aliases, canonical-only keys) are checked where the row
        # gives the prior art's own shape explicitly.
        view = to_prior_art(cfg)
        expected_view = {k: v for k, v in row.values.items() if v is not MISSING}
        expected_view.update(row.prior_art)
        for key, expected in expected_view.items():
            got = view[key] if key in view else value_at(view, key)
            if got is MISSING:
                assert key not in row.prior_art, f"{row.case}: {key} missing from the view"
                continue
            assert got == expected, f"{row.case}: prior-art {key} = {got!r}, expected {expected!r}"


def test_unknown_key_suggests_the_close_name() -> None:
    cfg = load_config_text(HEADER + "wavez: 4\nfail-mode: open\n")
    messages = {d.line: d.message for d in cfg.report.diagnostics if d.rule == "config.unknown-key"}
    assert "did you mean 'waves'?" in messages[3]
    assert "did you mean 'hooks.fail-mode'?" in messages[4]


def test_override_bogus_pair_has_did_you_mean() -> None:
    cfg = load_config_text(HEADER + "agents-per-wave: 6 (depe: 18)\n")
    (diag,) = [d for d in cfg.report.diagnostics if d.rule == "config.override-syntax"]
    assert "did you mean 'deep'?" in diag.message
    assert cfg.agents_per_wave.for_session("deep") == 6


def test_threshold_parsed_property() -> None:
    cfg = load_config_text(
        HEADER + "persona-gate-wave:\n  enabled: true\n  threshold: 4-of-6\n  mode: warn\n"
    )
    assert cfg.persona_gate_wave is not None
    assert cfg.persona_gate_wave.threshold_parsed == {"kind": "m-of-n", "m": 4, "n": 6}


# -- file-tree cases (resolution) -------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    clear_memo()


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_case_8_no_instruction_file(tmp_path: Path) -> None:
    cfg = load_config(tmp_path, use_cache=False, environ={})
    assert cfg.waves == 5
    assert [d.rule for d in cfg.report.diagnostics] == ["config.no-instruction-file"]
    assert cfg.report.status == "no-config"


@pytest.mark.parametrize(
    ("environ", "waves", "rules"),
    [
        ({}, 8, set()),  # 9a: the file with a section is the host file
        ({"SO_CONFIG_FILE": "AGENTS.md"}, 8, {("config.legacy-env", "info")}),  # 9b
        (
            {"SO_CONFIG_FILE": "missing.md"},
            8,
            {("config.file-not-found", "error"), ("config.legacy-env", "info")},
        ),  # 9c
        ({"SO_PLATFORM": "codex"}, 8, set()),  # 9d: platform never matters
    ],
    ids=["9a", "9b", "9c", "9d"],
)
def test_case_9_empty_claude_md(
    make_repo: Callable[..., Path], environ: dict[str, str], waves: int, rules: set[tuple[str, str]]
) -> None:
    repo = make_repo({"CLAUDE.md": "", "AGENTS.md": HEADER + "waves: 8\n"})
    cfg = load_config(repo, use_cache=False, environ=environ)
    assert cfg.waves == waves
    assert cfg.report.host_file == "AGENTS.md"
    found = {(d.rule, d.severity) for d in cfg.report.diagnostics}
    assert found == rules


def test_case_10_walk_up_outside_a_repository(tmp_path: Path) -> None:
    _write(tmp_path, {"b/AGENTS.md": HEADER + "waves: 6\n"})
    (tmp_path / "b" / "sub" / "deeper").mkdir(parents=True)
    cfg = load_config(tmp_path / "b" / "sub" / "deeper", use_cache=False, environ={})
    assert cfg.waves == 6
    assert cfg.report.host_file == "AGENTS.md"
    assert cfg.report.root == str((tmp_path / "b").resolve())
    assert ("config.not-versioned", "info") in {
        (d.rule, d.severity) for d in cfg.report.diagnostics
    }


def test_case_11_nested_repository_without_config(tmp_path: Path) -> None:
    _write(tmp_path, {"d/CLAUDE.md": HEADER + "waves: 6\n"})
    inner = tmp_path / "d" / "inner"
    inner.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=inner, check=True)
    cfg = load_config(inner, use_cache=False, environ={})
    assert cfg.report.root == str(inner.resolve())
    assert cfg.waves == 5
    assert [d.rule for d in cfg.report.diagnostics] == ["config.no-instruction-file"]


def test_case_64_65_host_local_layering_is_not_read(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "plan-baseline-path: /committed/base\n"})
    home = tmp_path / "home"
    _write(home, {".config/session-orchestrator/owner.yaml": "paths:\n  baseline: /owner/base\n"})
    environ = {
        "HOME": str(home),
        "SO_BASELINE_PATH": "/env/base",
        "SO_VAULT_DIR": "/from-env",
        "SO_DISPATCHER_AUTONOMY": "autonomous-gated",
    }
    cfg = load_config(repo, use_cache=False, environ=environ)
    assert cfg.plan_baseline_path == "/committed/base"
    assert cfg.vault_sync.vault_dir is None
    assert cfg.dispatcher_autonomy.autonomy == "off"
    assert cfg == load_config(repo, use_cache=False, environ={})


@pytest.mark.skip(
    reason="cases 66/67 need the prior art's recorded JSON outputs, which are not part of "
    "shared/reference (only their summary in anchor-config.md §7 is)"
)
def test_case_66_67_recorded_documents() -> None:  # pragma: no cover
    raise AssertionError


def test_case_7_json_flag_is_a_cli_matter() -> None:
    # Case 7 (``--json`` read as a file name) concerns the CLI, tested with it; the library
    # never takes flags, and a path that does not exist is an explicit-file error.
    from sessionkit.config import ConfigError

    with pytest.raises(ConfigError) as info:
        load_config(os.path.join(os.getcwd(), "no-such-dir", "--json.md"), environ={})
    assert info.value.kind == "io"


def test_case_38_39_documents_are_checked_with_the_schema() -> None:
    # The prior art's JSON-on-stdin validator has no counterpart: a resolved document is
    # checked against schemas/session-config.schema.json by any JSON Schema tool.
    from jsonschema import Draft202012Validator

    from sessionkit.schemas import load_schema

    checker = Draft202012Validator(load_schema("session-config"))
    assert list(checker.iter_errors(load_config_text(HEADER + "waves: 4\n").to_json())) == []
    assert {e.validator for e in checker.iter_errors({"enforcement": "strict", "waves": 2})} == {
        "minimum"
    }
    assert [e.validator for e in checker.iter_errors([])] == ["type"]


WORKED_EXAMPLE = (
    "## Session Config\n"
    "\n"
    "Settings for the agents in this repository. <!-- prose, ignored -->\n"
    "\n"
    "- **agents-per-wave:** 6 (deep: 18)\n"
    "- **waves:** 5\n"
    "- test-command: python -m pytest -q   # fast tier\n"
    "special: Always run: make check\n"
    "vault-integration:  # personal vault\n"
    "\tenabled: true\n"
    "\tvault-dir: ~/vault\n"
    "```yaml\n"
    "hooks.fail-mode: open\n"
    "discovery-probes: code, arch\n"
    "```\n"
)


def test_worked_example_of_section_4_6() -> None:
    cfg = load_config_text(WORKED_EXAMPLE)
    doc = cfg.to_json()
    assert doc["agents-per-wave"] == {"default": 6, "deep": 18}
    assert (doc["waves"], doc["test-command"]) == (5, "python -m pytest -q")
    assert doc["special"] == "Always run: make check"
    assert doc["vault-integration"]["enabled"] is True
    assert doc["vault-integration"]["vault-dir"] == "~/vault"
    assert doc["hooks"]["fail-mode"] == "open"  # no HEAD merge in load_config_text
    assert doc["discovery-probes"] == ["code", "arch"]
    lines = {
        key: cfg.source_of(key).line
        for key in (
            "agents-per-wave",
            "waves",
            "test-command",
            "special",
            "vault-integration",
            "hooks.fail-mode",
            "discovery-probes",
        )
    }
    assert lines == {
        "agents-per-wave": 5,
        "waves": 6,
        "test-command": 7,
        "special": 8,
        "vault-integration": 9,
        "hooks.fail-mode": 13,
        "discovery-probes": 14,
    }
    found = {(d.rule, d.line) for d in cfg.report.diagnostics}
    assert found == {("config.prose-ignored", 3), ("config.tab-indent", 10)}


def test_worked_example_in_a_repository_waits_for_the_commit(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo({"CLAUDE.md": "## Session Config\n\nwaves: 5\n"})
    (repo / "CLAUDE.md").write_text(WORKED_EXAMPLE)
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.hooks.fail_mode == "closed"
    (diag,) = [d for d in cfg.report.diagnostics if d.rule == "config.uncommitted-loosening"]
    assert (diag.line, diag.key) == (13, "hooks.fail-mode")
