"""The prior art's view of a configuration: ``config show --prior-art`` (config.md §11.2).

The prior art's parser printed one JSON object with 88 top-level keys in a fixed order, every
key always present, blocks with all their sub-keys, and three literal dotted keys
(``cross-repo.projects``, ``evolve.extra-sources``, ``evolve.decay``). Orchestration tooling
that still reads that object gets it from here, built from sessionkit's effective values.

The mapping comes from the schema's ``x-sessionkit-prior-art`` annotations (output key and
the prior art's default, whose shape is the output shape) and ``x-sessionkit-alias-of``
(where sessionkit keeps the value now); only the key order is written down here, because it
is a fact of the prior art's output rather than of any schema (study §2).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from typing import Any

from sessionkit import schemas

# The prior art's output keys, in its emission order (study §2).
PRIOR_ART_KEYS: tuple[str, ...] = (
    "agents-per-wave", "waves", "recent-commits", "special", "vcs", "gitlab-host", "mirror",
    "cross-repos", "cross-repo.projects", "pencil", "ecosystem-health", "health-endpoints",
    "issue-limit", "stale-branch-days", "stale-issue-days", "test-command", "typecheck-command",
    "lint-command", "ssot-files", "ssot-freshness-days", "plugin-freshness-days",
    "discovery-on-close", "discovery-probes", "discovery-exclude-paths",
    "discovery-severity-threshold", "discovery-confidence-threshold", "discovery-parallelism",
    "persistence", "memory-cleanup-threshold", "memory-cleanup-soft-limit",
    "learning-expiry-days", "learnings-surface-top-n", "learning-decay-rate", "enforcement",
    "isolation", "max-turns", "baseline-ref", "baseline-project-id", "plan-baseline-path",
    "plan-default-visibility", "plan-prd-location", "plan-retro-location", "agent-mapping",
    "enforcement-gates", "reasoning-output", "grounding-injection-max-files", "grounding-check",
    "allow-destructive-ops", "resource-awareness", "enable-host-banner", "heavy-repo",
    "worktree-cleanup", "resource-thresholds", "worktree-exclude", "vault-integration",
    "vault-mirror", "cold-start", "auto-dream", "state-md-lock", "handover-gate",
    "issue-budget", "broken-window-budget", "slopcheck", "skill-evolution",
    "dispatcher-autonomy", "discovery-validator", "templates-first", "verification-auto-fix",
    "dialectic", "eval", "memory", "reconcile", "vault-sync", "drift-check",
    "docs-orchestrator", "vault-staleness", "docs-staleness", "moc-staleness",
    "context-coverage", "worktree-orphans", "events-rotation", "test", "gitlab-portfolio",
    "wave-reviewers", "persona-gate-wave", "custom-phases", "evolve.extra-sources",
    "evolve.decay",
)  # fmt: skip

_DEPRECATED_ALIAS = "persona-reviewers"


class _Annotation:
    __slots__ = ("default", "path")

    def __init__(self, path: tuple[str, ...], default: Any) -> None:
        self.path = path  # canonical sessionkit path holding the value
        self.default = default


@cache
def _annotations() -> dict[str, _Annotation]:
    """Prior-art output key -> where sessionkit holds the value, from the schema."""
    found: dict[str, _Annotation] = {}

    def walk(node: Any, path: tuple[str, ...], canonical: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        alias = node.get("x-sessionkit-alias-of")
        if isinstance(alias, str):
            canonical = tuple(alias.split("."))
        note = node.get("x-sessionkit-prior-art")
        if isinstance(note, dict) and isinstance(note.get("key"), str):
            key = note["key"]
            # The canonical property wins over an alias spelling of the same output key.
            if key not in found or not alias:
                found[key] = _Annotation(canonical, note.get("default"))
        for name, child in node.get("properties", {}).items():
            walk(child, (*path, name), (*canonical, name))
        for keyword in ("oneOf", "anyOf"):
            for branch in node.get(keyword, ()):
                walk(branch, path, canonical)

    walk(schemas.load_schema("session-config"), (), ())
    return found


def _get(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = document
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return copy.deepcopy(value)


def _value(key: str, document: Mapping[str, Any]) -> Any:
    notes = _annotations()
    note = notes.get(key)
    sub_keys = [
        k[len(key) + 1 :] for k in notes if k.startswith(key + ".") and "." not in k[len(key) + 1 :]
    ]
    if note is None:
        # A group of output keys without its own annotation (`evolve.decay`).
        return {sub: _value(f"{key}.{sub}", document) for sub in sub_keys}
    value = _get(document, note.path)
    if isinstance(note.default, dict) and (value is None or isinstance(value, Mapping)):
        shaped: dict[str, Any] = {}
        for sub, sub_default in note.default.items():
            if f"{key}.{sub}" in notes:
                shaped[sub] = _value(f"{key}.{sub}", document)
            elif isinstance(value, Mapping) and sub in value:
                shaped[sub] = copy.deepcopy(value[sub])
            else:
                shaped[sub] = copy.deepcopy(sub_default)
        return shaped
    return value


def _threshold_parsed(threshold: object) -> dict[str, Any]:
    if isinstance(threshold, str) and "-of-" in threshold:
        m, n = threshold.split("-of-", 1)
        return {"kind": "m-of-n", "m": int(m), "n": int(n)}
    return {"kind": "any" if threshold == "any" else "all"}


def to_prior_art(cfg: Any) -> dict[str, Any]:
    """The prior art's 88-key object for ``cfg`` (a ``SessionConfig``), in its key order."""
    document = cfg.to_json()
    out: dict[str, Any] = {key: _value(key, document) for key in PRIOR_ART_KEYS}
    # The prior art printed an empty gates map as null.
    if not out["enforcement-gates"]:
        out["enforcement-gates"] = None
    if not out["agent-mapping"]:
        out["agent-mapping"] = None
    gate = document.get("persona-gate-wave")
    if isinstance(gate, Mapping):
        shaped = dict(gate)
        shaped["threshold_parsed"] = _threshold_parsed(gate.get("threshold", "all"))
        out["persona-gate-wave"] = shaped
    else:
        out["persona-gate-wave"] = None
    reviewers = dict(out["wave-reviewers"])
    reviewers["deprecated"] = _written_as_deprecated_alias(cfg)
    out["wave-reviewers"] = reviewers
    return out


def _written_as_deprecated_alias(cfg: Any) -> bool:
    """Whether the configuration spelled ``wave-reviewers`` as ``persona-reviewers``."""
    for diagnostic in getattr(cfg.report, "diagnostics", ()):
        if diagnostic.rule == "config.deprecated-key" and _DEPRECATED_ALIAS in diagnostic.message:
            return True
    return False
