"""The rule catalogue (guard.md §9): ids, data, and every example and look-alike end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessionkit.policy.guard import Guard
from sessionkit.policy.rules import CATALOGUE, FLOOR_RULES, RULES, explain, get
from tests.policy.recordkit import build_repo

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Every rule id the spec names (§9.2-§9.5), so none is forgotten or misspelt.
SPEC_IDS = {
    "B": """git-reset-hard git-reset-merge git-checkout-pathspec git-checkout-force
    git-restore-worktree git-switch-discard git-checkout-index-force git-read-tree-reset
    git-rm-force git-submodule-force git-clean-force git-listed-files-delete rsync-delete
    git-push-force git-push-plus-refspec git-push-mirror git-push-delete git-push-prune
    git-stash-drop git-stash-clear git-branch-force-delete git-update-ref-delete
    git-reflog-expire git-reflog-delete git-gc-prune git-prune git-filter-branch
    git-filter-repo git-worktree-remove-force rm-worktree rm-git-dir rm-recursive-root
    rm-recursive-outside rm-recursive-repo-root rm-recursive-source rm-recursive-traversal
    rm-recursive-empty-var find-delete rm-piped-targets rm-glob-root rm-yes-pipe device-write
    filesystem-create unresolved-command-destructive malformed-destructive parse-limit
    guard-internal-error guard-override-self-grant""",
    "W": """git-reset-soft git-reset-mixed git-reset-keep git-checkout-reset-branch
    git-switch-force-create git-branch-force git-update-ref git-fetch-force-refspec
    git-tag-delete git-tag-force git-push-force-with-lease git-stash git-stash-pop
    git-operation-abort git-commit-amend git-rm-cached-all git-worktree-remove git-lock-remove
    git-checkout-conflict-side git-config-destructive-exec shell-definition-destructive
    rm-unknown-target rm-shared-temp""",
    "A": """read-only git-safe dry-run rm-artefact rm-temp rm-allowed-path find-artefacts
    rm-files data-only opaque-script malformed-inert verification-bypass""",
}
ACTION = {"B": "block", "W": "warn", "A": "allow"}

# Allow rules that never produce a finding: ordinary reads and data (§9.1 last paragraph).
SILENT_ALLOW = {"read-only", "data-only"}


def test_ids_unique_kebab_and_complete() -> None:
    ids = [rule.id for rule in CATALOGUE]
    assert len(ids) == len(set(ids))
    for rule_id in ids:
        assert KEBAB.match(rule_id), rule_id
    expected = {rule_id for group in SPEC_IDS.values() for rule_id in group.split()}
    assert set(ids) == expected


@pytest.mark.parametrize("rule", CATALOGUE, ids=[r.id for r in CATALOGUE])
def test_rule_data(rule: object) -> None:
    from sessionkit.policy.rules import Rule

    assert isinstance(rule, Rule)
    letter = "A" if rule.group == "V1" else rule.group[0]
    assert rule.id in SPEC_IDS[letter].split()
    assert rule.default_action == ACTION[letter]
    assert rule.title and rule.protects and rule.reason.endswith(".")
    assert "dangerous" not in rule.reason.lower()
    if rule.default_action != "allow":
        assert rule.suggestion, rule.id
    assert rule.lookalikes or rule.id == "opaque-script"
    if rule.id not in ("guard-internal-error", "rm-allowed-path"):
        assert rule.examples, rule.id
    assert rule.to_dict()["id"] == rule.id


def test_floor_rules_and_downgradable_set() -> None:
    assert {
        "malformed-destructive",
        "parse-limit",
        "guard-internal-error",
        "guard-override-self-grant",
    } == FLOOR_RULES
    downgradable = {r.id for r in CATALOGUE if r.session_config_downgradable}
    b1 = {r.id for r in CATALOGUE if r.group == "B1"}
    b4_b5 = {r.id for r in CATALOGUE if r.group in ("B4", "B5")}
    assert downgradable == b1 | b4_b5 | {
        "git-clean-force",
        "git-listed-files-delete",
        "rsync-delete",
        "rm-recursive-source",
        "find-delete",
        "rm-glob-root",
    }


def test_aliases_resolve_and_unknown_ids_suggest() -> None:
    assert RULES["git-checkout-discard"] is RULES["git-checkout-pathspec"]
    with pytest.raises(KeyError, match="did you mean 'git-reset-hard'"):
        get("git-reset-hrad")


@pytest.mark.parametrize("rule", CATALOGUE, ids=[r.id for r in CATALOGUE])
def test_explain_renders(rule: object) -> None:
    from sessionkit.policy.rules import Rule

    assert isinstance(rule, Rule)
    text = explain(rule.id)
    assert text.startswith(f"{rule.id} ({rule.group}, default {rule.default_action})")
    assert rule.render_reason("X") in text or "{target}" in rule.reason
    assert all(line.strip() for line in text.splitlines())


@pytest.fixture(scope="module")
def guard(tmp_path_factory: pytest.TempPathFactory) -> Guard:
    repo = build_repo(tmp_path_factory.mktemp("catalogue"))
    # the real home: it is outside temp space, as in the reference context (§1.3)
    return Guard(repo)


def _cases(kind: str) -> list[tuple[str, str]]:
    out = []
    for rule in CATALOGUE:
        for text in getattr(rule, kind):
            out.append((rule.id, text))
    return out


def _case_id(case: tuple[str, str]) -> str:
    rule_id, text = case
    return f"{rule_id}:{text[:60]}"


@pytest.mark.parametrize("case", _cases("examples"), ids=_case_id)
def test_example_triggers_its_rule(guard: Guard, case: tuple[str, str]) -> None:
    rule_id, command = case
    rule = RULES[rule_id]
    decision = guard.check(command)
    found = {f.rule_id for f in decision.findings}
    if rule.default_action == "allow":
        assert decision.action == "allow", decision.to_dict()
        if rule_id not in SILENT_ALLOW:
            assert rule_id in found, decision.to_dict()
    else:
        assert decision.action == rule.default_action, decision.to_dict()
        assert decision.rule_id == rule_id, decision.to_dict()


@pytest.mark.parametrize("case", _cases("lookalikes"), ids=_case_id)
def test_lookalike_does_not_trigger_its_rule(guard: Guard, case: tuple[str, str]) -> None:
    rule_id, command = case
    decision = guard.check(command)
    assert rule_id not in {f.rule_id for f in decision.findings}, decision.to_dict()
    if RULES[rule_id].default_action == "allow" and RULES[rule_id].group != "V1":
        # look-alikes of allow rules are the destructive neighbours: never allowed
        assert decision.action != "allow", decision.to_dict()


def test_repo_fixture_is_real(guard: Guard) -> None:
    assert guard.repo_root is not None
    assert (Path(guard.repo_root) / "src" / "app.py").is_file()
