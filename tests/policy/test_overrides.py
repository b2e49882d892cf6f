"""Overrides: local store and committed entries, scope, expiry, least lowering (guard.md §12.6)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sessionkit.policy.decision import Finding, Target
from sessionkit.policy.overrides import new_override_id, read_store, store_path, write_store
from sessionkit.policy.policyfile import Policy, apply_policy, validate_policy
from tests.conftest import git

MakeRepo = Callable[..., Path]
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def entry(**changes: Any) -> dict[str, Any]:
    base = {
        "id": "ovr-20260601-aaaa",
        "rule": "git-stash-drop",
        "action": "warn",
        "reason": "dropping my own stash",
        "expires": "2026-06-01T18:00:00Z",
        "created": "2026-06-01T11:00:00Z",
        "created-by": "dev@example.invalid",
    }
    base.update(changes)
    return base


def store(repo: Path, *entries: dict[str, Any]) -> None:
    path = Path(store_path(str(repo / ".git")))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "overrides": list(entries)}))


def judge(
    repo: Path,
    finding: Finding,
    *,
    session: str | None = None,
    policy: Policy | None = None,
    now: datetime = NOW,
) -> Finding:
    out, _ = apply_policy([finding], policy=policy, repo_root=str(repo), session=session, now=now)
    return out[0]


STASH_DROP = Finding(
    "git-stash-drop", "B4", "block", segment="git stash drop", argv=("git", "stash", "drop")
)


def test_an_active_local_override_lowers_and_records_its_id(make_repo: MakeRepo) -> None:
    repo = make_repo()
    store(repo, entry())
    result = judge(repo, STASH_DROP)
    assert result.action == "warn"
    assert result.downgraded_by is not None
    assert (result.downgraded_by.kind, result.downgraded_by.override_id) == (
        "override",
        "ovr-20260601-aaaa",
    )


def test_expired_and_future_checks(make_repo: MakeRepo) -> None:
    repo = make_repo()
    store(repo, entry())
    later = datetime(2026, 6, 1, 18, 0, 1, tzinfo=timezone.utc)
    assert judge(repo, STASH_DROP, now=later).action == "block"


def test_overrides_act_on_their_rule_only(make_repo: MakeRepo) -> None:
    repo = make_repo()
    store(repo, entry())
    clear = Finding("git-stash-clear", "B4", "block", argv=("git", "stash", "clear"))
    assert judge(repo, clear).action == "block"


@pytest.mark.parametrize(
    ("session", "expected"), [("s1", "warn"), ("s2", "block"), (None, "block")]
)
def test_session_scope(make_repo: MakeRepo, session: str | None, expected: str) -> None:
    repo = make_repo()
    store(repo, entry(session="s1"))
    assert judge(repo, STASH_DROP, session=session).action == expected


def test_the_override_that_lowers_least_wins(make_repo: MakeRepo) -> None:
    repo = make_repo()
    store(repo, entry(id="ovr-allow", action="allow"), entry(id="ovr-warn", action="warn"))
    result = judge(repo, STASH_DROP)
    assert result.action == "warn"
    assert result.downgraded_by is not None and result.downgraded_by.override_id == "ovr-warn"


def test_floor_rules_and_overlong_entries_are_refused(make_repo: MakeRepo) -> None:
    repo = make_repo()
    store(
        repo,
        entry(id="ovr-floor", rule="parse-limit", action="allow", expires="2099-06-01T18:00:00Z"),
        entry(id="ovr-long", created="2099-06-01T11:00:00Z", expires="2099-06-03T11:00:00Z"),
    )
    limit = Finding("parse-limit", "B12", "block")
    assert judge(repo, limit).action == "block"
    assert judge(repo, STASH_DROP).action == "block"  # 48h exceeds the 24h default
    _, problems = validate_policy(repo)
    assert sorted(p.code for p in problems) == ["floor-rule", "override-too-long"]


def test_match_and_paths_scopes(make_repo: MakeRepo) -> None:
    repo = make_repo()
    store(
        repo,
        entry(
            id="ovr-fixtures",
            rule="rm-recursive-source",
            action="allow",
            match="rm *",
            paths=["fixtures/**"],
        ),
    )
    inside = Finding(
        "rm-recursive-source",
        "B8",
        "block",
        argv=("rm", "-rf", "fixtures/big"),
        targets=(Target("fixtures/big", str(repo / "fixtures/big"), "rm-recursive-source"),),
    )
    other = inside.replace(targets=(Target("src", str(repo / "src"), "rm-recursive-source"),))
    mixed = inside.replace(targets=(*inside.targets, *other.targets))
    assert judge(repo, inside).action == "allow"
    assert judge(repo, other).action == "block"
    assert judge(repo, mixed).action == "block"
    by_git = inside.replace(argv=("git", "rm", "-r", "fixtures/big"))
    assert judge(repo, by_git).action == "block"


def test_committed_overrides_and_their_expiry_notice(make_repo: MakeRepo) -> None:
    repo = make_repo()
    policy = Policy.from_text(
        "version: 1\noverrides:\n  - id: ovr-retag\n    rule: git-tag-force\n    action: allow\n"
        "    reason: release re-tagging\n    expires: '2099-07-01T00:00:00Z'\n"
    )
    retag = Finding("git-tag-force", "W1", "warn")
    out, _ = apply_policy([retag], policy=policy, repo_root=str(repo), now=NOW)
    assert out[0].action == "allow"
    late = datetime(2099, 8, 1, tzinfo=timezone.utc)
    out, notices = apply_policy([retag], policy=policy, repo_root=str(repo), now=late)
    assert out[0].action == "warn"
    assert [n.code for n in notices] == ["override-expired"]


def test_an_unreadable_store_is_a_notice(make_repo: MakeRepo) -> None:
    repo = make_repo()
    path = Path(store_path(str(repo / ".git")))
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    out, notices = apply_policy([STASH_DROP], policy=None, repo_root=str(repo), now=NOW)
    assert out[0].action == "block"
    assert [n.code for n in notices] == ["overrides-unreadable"]


def test_linked_worktrees_share_the_store_of_the_common_dir(make_repo: MakeRepo) -> None:
    repo = make_repo()
    worktree = repo.parent / "wt"
    git(repo, "worktree", "add", "-q", "-b", "wt", str(worktree))
    store(repo, entry())
    assert judge(worktree, STASH_DROP).action == "warn"


def test_writes_are_atomic_and_drop_expired_entries(make_repo: MakeRepo) -> None:
    repo = make_repo()
    common = str(repo / ".git")
    write_store(
        common, [entry(id="keep"), entry(id="gone", expires="2026-06-01T00:00:00Z")], now=NOW
    )
    entries, notices = read_store(common)
    assert [e["id"] for e in entries] == ["keep"] and notices == []
    assert not Path(store_path(common) + ".lock").exists()
    assert new_override_id(NOW).startswith("ovr-20260601-")
