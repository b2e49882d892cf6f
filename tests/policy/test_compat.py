"""The prior art's blocked-commands.json read as extra rules (guard.md §12.7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessionkit.policy.compat import COMPAT_REL, SHIPPED, read_compat
from sessionkit.policy.decision import Finding
from sessionkit.policy.policyfile import apply_policy, load_policy
from sessionkit.policy.values import lit
from tests.conftest import git

from sessionkit.policy.command import Command, Stdin  # isort: skip

MakeRepo = Callable[..., Path]

# The fourteen rules the prior art ships (guard.md §12.7 table), as its file has them.
PRIOR_ART_FILE: dict[str, Any] = {
    "version": 1,
    "rationale": "Destructive operations are blocked by default.",
    "rules": [
        {"id": "git-reset-hard", "pattern": "git reset --hard", "severity": "block"},
        {"id": "git-reset-mixed", "pattern": "git reset --mixed", "severity": "warn"},
        {"id": "git-reset-soft", "pattern": "git reset --soft", "severity": "warn"},
        {"id": "git-checkout-discard", "pattern": "git checkout --", "severity": "block"},
        {"id": "git-clean-force", "pattern": "git clean -f", "severity": "block"},
        {"id": "git-clean-force-d", "pattern": "git clean -fd", "severity": "block"},
        {"id": "git-stash-any", "pattern": "git stash", "severity": "warn"},
        {
            "id": "rm-rf-destructive",
            "pattern": "rm -rf",
            "severity": "block",
            "path-allowlist": ["/tmp/", "/private/tmp/", "$TMPDIR"],
        },
        {"id": "git-push-force", "pattern": "git push --force", "severity": "block"},
        {"id": "git-push-force-short", "pattern": "git push -f", "severity": "block"},
        {
            "id": "git-push-force-with-lease",
            "pattern": "git push --force-with-lease",
            "severity": "warn",
        },
        {
            "id": "sql-drop-table-upper",
            "pattern": "DROP TABLE",
            "severity": "block",
            "rationale": "Dropping a table destroys data.",
        },
        {"id": "sql-drop-table-lower", "pattern": "drop table", "severity": "block"},
        {
            "id": "redirect-truncate-protected",
            "pattern": ">",
            "severity": "block",
            "type": "redirect-truncate",
            "target-denylist": ["CLAUDE.md", ".orchestrator/policy/**", ".git/**"],
            "modes": ["truncate"],
        },
    ],
}


def write_compat(repo: Path, data: Any, *, commit: bool = True) -> None:
    path = repo / COMPAT_REL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    if commit:
        git(repo, "add", COMPAT_REL)
        git(repo, "commit", "-q", "-m", "compat")


def command(*words: str, stdin: str | None = None) -> Command:
    extra: dict[str, Any] = {}
    if stdin is not None:
        extra["stdin"] = Stdin("heredoc", lit(stdin))
    return Command(tuple(lit(w) for w in words), words[0], text=" ".join(words), **extra)


def test_the_eleven_replaced_shipped_rules_are_dropped(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(repo, PRIOR_ART_FILE)
    result = read_compat(str(repo))
    assert sorted(result.dropped) == sorted(SHIPPED)
    assert len(result.dropped) == 11
    assert [r["id"] for r in result.rules] == ["sql-drop-table-upper", "sql-drop-table-lower"]
    assert result.protected_paths == ["CLAUDE.md", ".orchestrator/policy/**", ".git/**"]
    # only the path-allowlist of the (dropped) rm rule would have produced a notice
    assert result.notices == []


def test_sql_rules_match_sql_clients_case_sensitively(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(repo, PRIOR_ART_FILE)
    policy = load_policy(repo)
    assert policy.compat_protected_paths == ("CLAUDE.md", ".orchestrator/policy/**", ".git/**")
    hits = policy.extra_findings(
        [
            command("psql", "-c", "DROP TABLE users"),
            command("psql", stdin="drop table users;"),
            command("echo", "DROP TABLE users"),
            command("psql", "-c", "Drop Table users"),
        ]
    )
    assert [(f.rule_id, f.group, f.origin) for f in hits] == [
        ("compat:sql-drop-table-upper", "C", "compat"),
        ("compat:sql-drop-table-lower", "C", "compat"),
    ]
    assert hits[0].reason == "Dropping a table destroys data."


def test_an_edited_shipped_rule_is_the_projects_own(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(
        repo,
        {
            "version": 1,
            "rules": [{"id": "git-stash-any", "pattern": "git stash", "severity": "block"}],
        },
    )
    policy = load_policy(repo)
    hits = policy.extra_findings([command("git", "stash", "list"), command("echo", "git stash")])
    assert [(f.rule_id, f.action) for f in hits] == [("compat:git-stash-any", "block")]


def test_unusable_rules_are_skipped_with_a_notice(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(
        repo,
        {
            "version": 1,
            "rules": [
                {"id": "a", "pattern": "npm publish", "severity": "ask"},
                {"pattern": "x", "severity": "block"},
                {"id": "b", "pattern": "", "severity": "block"},
                {"id": "c", "pattern": "npm publish", "severity": "block"},
                {"id": "c", "pattern": "yarn publish", "severity": "block"},
                {
                    "id": "d",
                    "pattern": "docker system prune",
                    "severity": "warn",
                    "path-allowlist": ["/"],
                },
            ],
        },
    )
    result = read_compat(str(repo))
    assert [r["id"] for r in result.rules] == ["c", "d"]
    assert [n.code for n in result.notices] == ["compat-rule-ignored"] * 5
    assert result.notices[0].source == f"{COMPAT_REL}#rules[0]"


def test_invalid_json_never_stops_the_guard(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(repo, "{not json")
    policy = load_policy(repo)
    assert policy.compat_rules == ()
    assert [n.code for n in policy.notices] == ["compat-rule-ignored"]


def test_compat_rules_only_add_findings(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(
        repo,
        {
            "version": 1,
            "rules": [{"id": "clean-warn", "pattern": "git clean -fdx", "severity": "warn"}],
        },
    )
    policy = load_policy(repo)
    builtin = Finding("git-clean-force", "B2", "block", segment="git clean -fdx")
    extra = policy.extra_findings([command("git", "clean", "-fdx")])
    out, _ = apply_policy([builtin, *extra], policy=policy, repo_root=str(repo))
    assert [(f.rule_id, f.action) for f in out] == [
        ("git-clean-force", "block"),
        ("compat:clean-warn", "warn"),
    ]


def test_guard_yaml_can_stop_reading_the_file_once_committed(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(
        repo, {"version": 1, "rules": [{"id": "p", "pattern": "npm publish", "severity": "block"}]}
    )
    policy_file = repo / ".orchestrator/policy/guard.yaml"
    policy_file.write_text("version: 1\ncompat:\n  blocked-commands: false\n")
    uncommitted = load_policy(repo)
    assert uncommitted.extra_findings([command("npm", "publish")]) != []
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "stop compat")
    committed = load_policy(repo)
    assert committed.extra_findings([command("npm", "publish")]) == []


def test_guard_yaml_sets_the_action_of_a_compat_rule(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_compat(
        repo, {"version": 1, "rules": [{"id": "p", "pattern": "npm publish", "severity": "block"}]}
    )
    (repo / ".orchestrator/policy/guard.yaml").write_text("version: 1\nrules:\n  compat:p: warn\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "lower")
    policy = load_policy(repo)
    out, _ = apply_policy(
        policy.extra_findings([command("npm", "publish")]), policy=policy, repo_root=str(repo)
    )
    assert [(f.rule_id, f.action) for f in out] == [("compat:p", "warn")]
