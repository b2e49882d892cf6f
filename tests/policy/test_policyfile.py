"""guard.yaml loading, the stricter merge with HEAD, the cache and apply_policy (guard.md §12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.policy.decision import Finding, Target
from sessionkit.policy.policyfile import (
    POLICY_REL,
    Policy,
    PolicyError,
    apply_policy,
    cache_path,
    compile_literal_rule,
    load_policy,
    parse_duration,
    parse_policy_text,
    validate_policy,
)
from sessionkit.policy.rules import CATALOGUE, RULES
from sessionkit.policy.values import lit
from tests.conftest import git

from sessionkit.policy.command import Command, Stdin  # isort: skip

MakeRepo = Callable[..., Path]


def write_policy(repo: Path, text: str, *, commit: bool) -> None:
    path = repo / POLICY_REL
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if commit:
        git(repo, "add", POLICY_REL)
        git(repo, "commit", "-q", "-m", "policy")


def finding(rule_id: str, *, targets: tuple[Target, ...] = (), segment: str = "x") -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule.id,
        rule.group,
        rule.default_action,
        reason=rule.reason,
        segment=segment,
        targets=targets,
        argv=segment.split(),
    )


def command(*words: str, stdin: str | None = None) -> Command:
    argv = tuple(lit(w) for w in words)
    kwargs: dict[str, Any] = {}
    if stdin is not None:
        kwargs["stdin"] = Stdin("heredoc", lit(stdin))
    return Command(argv, os.path.basename(words[0]).lower(), text=" ".join(words), **kwargs)


# ---- loading and merging -------------------------------------------------------------------------


def test_no_policy_file_is_the_builtin_policy(make_repo: MakeRepo) -> None:
    repo = make_repo()
    policy = load_policy(repo)
    assert policy.rules == {}
    assert policy.notices == ()
    assert policy.digest == Policy.builtin().digest


def test_committed_loosening_applies(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-commit-amend: allow\n", commit=True)
    policy = load_policy(repo)
    assert policy.rules["git-commit-amend"] == ("allow", POLICY_REL, 3)
    assert [n.code for n in policy.notices] == []


def test_uncommitted_loosening_waits_for_a_commit(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-commit-amend: allow\n", commit=False)
    policy = load_policy(repo)
    assert "git-commit-amend" not in policy.rules
    (notice,) = [n for n in policy.notices if n.code == "policy-uncommitted-weakening"]
    assert "git-commit-amend" in notice.message
    assert notice.source == f"{POLICY_REL}:3"  # the entry's line (§11.1)


def test_tightening_applies_at_once(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-push-force-with-lease: block\n", commit=False)
    policy = load_policy(repo)
    assert policy.rules["git-push-force-with-lease"][0] == "block"
    assert policy.pending == ()


def test_editing_a_committed_loosening_back_to_stricter_wins(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-stash: allow\n", commit=True)
    write_policy(repo, "version: 1\nrules:\n  git-stash: block\n", commit=False)
    assert load_policy(repo).rules["git-stash"][0] == "block"


def test_allowing_lists_keep_only_entries_on_both_sides(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\npaths:\n  allow-delete: [fixtures/cache]\n", commit=True)
    write_policy(
        repo, "version: 1\npaths:\n  allow-delete: [fixtures/cache, data/*]\n", commit=False
    )
    policy = load_policy(repo)
    assert policy.allow_delete == ("fixtures/cache",)
    assert any("data/*" in p for p in policy.pending)


def test_not_artefact_dirs_take_the_union(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\npaths:\n  not-artefact-dirs: [build]\n", commit=True)
    write_policy(repo, "version: 1\npaths:\n  not-artefact-dirs: [dist]\n", commit=False)
    assert set(load_policy(repo).not_artefact_dirs) == {"build", "dist"}


def test_booleans_and_durations_take_the_stricter_value(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nmax-override-duration: 2h\n", commit=True)
    write_policy(
        repo,
        "version: 1\nmax-override-duration: 2d\nrelax-in-linked-worktrees: true\n"
        "compat:\n  blocked-commands: false\n",
        commit=False,
    )
    policy = load_policy(repo)
    assert policy.max_override_duration == 2 * 3600
    assert policy.relax_in_linked_worktrees is False
    assert policy.compat_enabled is True
    assert len(policy.pending) == 3


def test_a_broken_working_file_falls_back_to_head(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-tag-delete: block\n", commit=True)
    write_policy(repo, "version: 1\nrules: [unclosed\n", commit=False)
    policy = load_policy(repo)
    assert policy.rules["git-tag-delete"][0] == "block"
    (notice,) = [n for n in policy.notices if n.code == "policy-invalid"]
    assert notice.source is not None and notice.source.startswith(f"{POLICY_REL}:")
    assert "committed version applies" in notice.message


def test_a_byte_that_is_not_utf8_invalidates_only_the_working_file(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-tag-delete: block\n", commit=True)
    compat = repo / ".orchestrator/policy/blocked-commands.json"
    compat.write_text(
        json.dumps(
            {"version": 1, "rules": [{"id": "np", "pattern": "npm publish", "severity": "block"}]}
        )
    )
    (repo / POLICY_REL).write_bytes(b"version: 1\nrules:\n  git-tag-delete: warn\n# caf\xe9\n")
    policy = load_policy(repo)
    assert policy.rules["git-tag-delete"][0] == "block"  # the committed version
    assert [rule["id"] for rule in policy.compat_rules] == ["np"]  # compat rules stay
    (notice,) = [n for n in policy.notices if n.code == "policy-invalid"]
    assert notice.source == f"{POLICY_REL}:4"
    assert "byte 0xE9 is not UTF-8" in notice.message
    _policy, problems = validate_policy(repo)
    assert any(
        str(p) == f"{POLICY_REL}:4: byte 0xE9 is not UTF-8; save the file as UTF-8"
        for p in problems
    )


def test_a_byte_that_is_not_utf8_invalidates_only_the_compat_file(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-tag-delete: block\n", commit=True)
    (repo / ".orchestrator/policy/blocked-commands.json").write_bytes(b'{"version": 1,\n\xff')
    policy = load_policy(repo)
    assert policy.rules["git-tag-delete"][0] == "block"
    (notice,) = [n for n in policy.notices if n.code == "compat-rule-ignored"]
    assert notice.source == ".orchestrator/policy/blocked-commands.json:2"


def test_an_unreadable_working_file_is_said(make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / POLICY_REL).mkdir(parents=True)  # a directory where the file should be
    policy = load_policy(repo)
    (notice,) = [n for n in policy.notices if n.code == "policy-invalid"]
    assert "cannot be read" in notice.message


def test_unknown_keys_and_rules_are_dropped_with_file_line_and_hint(make_repo: MakeRepo) -> None:
    repo = make_repo()
    text = "version: 1\nruels:\n  x: block\nrules:\n  git-reset-hrad: warn\n  git-stash: block\n"
    write_policy(repo, text, commit=False)
    policy, problems = validate_policy(repo)
    messages = [str(p) for p in problems]
    assert any(m.startswith(f"{POLICY_REL}:2: ") and "did you mean 'rules'" in m for m in messages)
    assert any(
        m.startswith(f"{POLICY_REL}:5: ") and "did you mean 'git-reset-hard'" in m for m in messages
    )
    assert policy.rules["git-stash"][0] == "block"  # the rest of the file applies
    with pytest.raises(PolicyError) as info:
        load_policy(repo, strict=True)
    assert info.value.file == POLICY_REL and info.value.line == 2


def test_floor_rules_cannot_be_listed(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  parse-limit: allow\n", commit=True)
    policy, problems = validate_policy(repo)
    assert "parse-limit" not in policy.rules
    assert [p.code for p in problems] == ["floor-rule"]


def test_off_written_unquoted_means_off(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-tag-delete: off\n", commit=True)
    assert load_policy(repo).rules["git-tag-delete"][0] == "off"


def test_outside_a_repository_the_file_applies_as_it_stands(tmp_path: Path) -> None:
    write_policy(tmp_path, "version: 1\nrules:\n  git-stash: allow\n", commit=False)
    policy = load_policy(tmp_path)
    assert policy.rules["git-stash"][0] == "allow"
    assert [n.code for n in policy.notices] == ["policy-not-versioned"]


def test_the_cache_is_written_and_invalidated_by_edits(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-stash: block\n", commit=False)
    first = load_policy(repo)
    path = cache_path(str(repo / ".git"))
    assert path is not None and os.path.exists(path)
    assert json.loads(Path(path).read_text())["policy"]["rules"]["git-stash"][0] == "block"
    write_policy(
        repo, "version: 1\nrules:\n  git-stash: block\n  git-tag-delete: block\n", commit=False
    )
    second = load_policy(repo)
    assert second.digest != first.digest
    assert "git-tag-delete" in second.rules


def test_a_cache_hit_imports_no_yaml_or_jsonschema(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-stash: block\n", commit=True)
    load_policy(repo)  # warm
    code = (
        "import sys; from sessionkit.policy.policyfile import load_policy;"
        f"p = load_policy({str(repo)!r}); assert p.rules['git-stash'][0] == 'block';"
        "print(sorted(m for m in ('yaml', 'jsonschema', 'pathspec', 'git', 'click')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_from_file_is_trusted_as_given_and_strict(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\nrules:\n  git-commit-amend: allow\n")
    assert Policy.from_file(good).rules["git-commit-amend"][0] == "allow"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  git-commit-amend: maybe\n")
    with pytest.raises(PolicyError) as info:
        Policy.from_file(bad)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{bad}:3: ")


def test_durations() -> None:
    assert parse_duration("45m") == 2700
    assert parse_duration("1h30m") == 5400
    for bad in ("", "4", "h", "4x", "-1h"):
        with pytest.raises(ValueError):
            parse_duration(bad)


# ---- extra rules --------------------------------------------------------------------------------


TERRAFORM = (
    "version: 1\nextra-rules:\n  - id: terraform-destroy\n    argv: [terraform, destroy]\n"
    '    unless: ["-help"]\n    reason: tears down shared infrastructure.\n'
)


def test_extra_argv_rule_matches_tokens_in_any_order_and_respects_unless() -> None:
    policy = Policy.from_text(TERRAFORM)
    hits = policy.extra_findings(
        [
            command("terraform", "destroy", "-auto-approve"),
            command("terraform", "-chdir=x", "destroy"),
            command("terraform", "destroy", "-help"),
            command("terraform", "plan"),
            command("echo", "terraform", "destroy"),
        ]
    )
    assert [f.segment for f in hits] == [
        "terraform destroy -auto-approve",
        "terraform -chdir=x destroy",
    ]
    assert {(f.rule_id, f.group, f.origin, f.action) for f in hits} == {
        ("terraform-destroy", "X", "extra", "block")
    }


def test_extra_rule_ids_must_not_shadow_builtins() -> None:
    with pytest.raises(PolicyError, match="built-in rule id"):
        Policy.from_text(
            "version: 1\nextra-rules:\n  - id: git-reset-hard\n    argv: [x]\n    reason: r.\n"
        )


def test_text_rules_search_sql_client_data_and_stdin() -> None:
    policy = Policy.from_text(
        "version: 1\nextra-rules:\n  - id: drop-schema\n    action: warn\n"
        "    text: DROP SCHEMA\n    reason: destroys data.\n"
    )
    hits = policy.extra_findings(
        [
            command("psql", "-c", "DROP   SCHEMA public"),
            command("psql", stdin="BEGIN; DROP SCHEMA x; COMMIT;"),
            command("echo", "DROP SCHEMA public"),
            command("psql", "-c", "DROP SCHEMAS"),
            command("psql", "-c", "drop schema x"),
        ]
    )
    assert len(hits) == 2 and all(f.action == "warn" for f in hits)


def test_literal_rule_matches_normalised_git_commands_not_text() -> None:
    rule = compile_literal_rule("git clean -fd", id="no-clean", reason="r.")
    assert rule.matches(command("git", "-C", "x", "clean", "-d", "-f"))
    assert rule.matches(command("git", "clean", "--force", "-d", "-x"))
    assert not rule.matches(command("echo", "git clean -fd"))
    assert not rule.matches(command("git", "clean", "-n"))


# ---- apply_policy ---------------------------------------------------------------------------------


class StandInConfig:
    """The two members of SessionConfig the guard reads (config.md §7.6, §9.3)."""

    class Source:
        file = "CLAUDE.md"
        line = 7

    def __init__(self, allow: bool) -> None:
        self.allow_destructive_ops = allow

    def source_of(self, key: str) -> Any:
        return self.Source() if key == "allow-destructive-ops" else None


ADO_LOWERED = {
    "git-reset-hard", "git-reset-merge", "git-checkout-pathspec", "git-checkout-force",
    "git-restore-worktree", "git-switch-discard", "git-checkout-index-force",
    "git-read-tree-reset", "git-rm-force", "git-submodule-force", "git-clean-force",
    "git-listed-files-delete", "rsync-delete", "git-stash-drop", "git-stash-clear",
    "git-branch-force-delete", "git-update-ref-delete", "rm-recursive-source", "find-delete",
    "rm-glob-root",
}  # fmt: skip


def test_allow_destructive_ops_lowers_exactly_the_listed_rules(tmp_path: Path) -> None:
    inside = (Target("x", str(tmp_path / "x"), "inside"),)
    findings = [finding(r.id, targets=inside) for r in CATALOGUE if r.default_action == "block"]
    out, _ = apply_policy(
        findings, policy=Policy.builtin(), config=StandInConfig(True), repo_root=str(tmp_path)
    )
    lowered = {f.rule_id for f in out if f.action == "warn"}
    assert lowered == ADO_LOWERED
    sample = next(f for f in out if f.rule_id == "git-reset-hard")
    assert sample.downgraded_by is not None
    assert (sample.downgraded_by.kind, sample.downgraded_by.source, sample.downgraded_by.line) == (
        "session-config",
        "CLAUDE.md",
        7,
    )
    outside = (Target("/etc/x", "/etc/x", "outside"),)
    out, _ = apply_policy(
        [finding("rsync-delete", targets=outside)],
        policy=Policy.builtin(),
        config=StandInConfig(True),
        repo_root=str(tmp_path),
    )
    assert out[0].action == "block"


def test_allow_destructive_ops_false_changes_nothing(tmp_path: Path) -> None:
    out, _ = apply_policy(
        [finding("git-reset-hard")],
        policy=None,
        config=StandInConfig(False),
        repo_root=str(tmp_path),
    )
    assert out[0].action == "block" and out[0].downgraded_by is None


CI_LOWERED_GROUPS = {"B1", "B2", "B4", "B5", "B6", "B7", "W1", "W3", "W4", "W5", "W6", "W7"}


def test_ci_context_lowers_exactly_the_workspace_rules(tmp_path: Path) -> None:
    inside = (Target("x", str(tmp_path / "x"), "inside"),)
    findings = [finding(r.id, targets=inside) for r in CATALOGUE if r.default_action != "allow"]
    out, _ = apply_policy(
        findings, policy=None, context="ci", source="ci.yml", repo_root=str(tmp_path)
    )
    lowered = {f.rule_id for f in out if f.action == "allow"}
    expected = {r.id for r in CATALOGUE if r.group in CI_LOWERED_GROUPS} | {
        "rm-recursive-source", "rm-glob-root", "find-delete", "rm-piped-targets",
    }  # fmt: skip
    assert lowered == expected
    root_itself = (Target(".", str(tmp_path), "repo-root"),)
    ancestor = (Target("..", str(tmp_path.parent), "repo-root"),)
    out, _ = apply_policy(
        [
            finding("rm-recursive-repo-root", targets=root_itself),
            finding("rm-recursive-repo-root", targets=ancestor),
        ],
        policy=None,
        context="ci",
        source="ci.yml",
        repo_root=str(tmp_path),
    )
    assert [f.action for f in out] == ["allow", "block"]


def test_severity_settings_lower_raise_and_remove() -> None:
    policy = Policy.from_text(
        "version: 1\nrules:\n  git-stash: allow\n  verification-bypass: block\n"
        "  git-tag-delete: 'off'\n"
    )
    out, _ = apply_policy(
        [finding("git-stash"), finding("verification-bypass"), finding("git-tag-delete")],
        policy=policy,
    )
    assert [(f.rule_id, f.action) for f in out] == [
        ("git-stash", "allow"),
        ("verification-bypass", "block"),
    ]
    assert out[0].downgraded_by is not None and out[0].downgraded_by.kind == "policy"
    assert out[0].downgraded_by.line == 3
    assert out[1].downgraded_by is None


def test_floor_findings_are_never_touched(tmp_path: Path) -> None:
    out, _ = apply_policy(
        [finding("malformed-destructive")],
        policy=None,
        config=StandInConfig(True),
        context="ci",
        source="x",
        repo_root=str(tmp_path),
    )
    assert out[0].action == "block"


SCRIPT_ALLOW = (
    "version: 1\nscript-allow:\n  - rule: git-clean-force\n    path: 'scripts/*.sh'\n"
    "    command: git clean   -fdx\n    reason: fresh checkout helper\n"
)


@pytest.mark.parametrize(
    ("context", "source", "expected"),
    [
        ("script", "scripts/fresh.sh", "allow"),
        ("ci", "scripts/fresh.sh", "allow"),
        ("agent", "scripts/fresh.sh", "block"),
        ("script", "tools/fresh.sh", "block"),
    ],
)
def test_script_allow_entries(context: str, source: str, expected: str) -> None:
    policy = Policy.from_text(SCRIPT_ALLOW)
    out, _ = apply_policy(
        [finding("git-clean-force", segment="git clean -fdx")],
        policy=policy,
        context=context,
        source=source,
    )
    assert out[0].action == expected


def test_linked_worktree_relaxation(make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "worktree", "add", "-q", "-b", "wt", str(repo.parent / "wt"))
    policy = Policy.from_text("version: 1\nrelax-in-linked-worktrees: true\n")
    main, _ = apply_policy([finding("git-reset-hard")], policy=policy, repo_root=str(repo))
    linked, _ = apply_policy(
        [finding("git-reset-hard"), finding("git-push-force")],
        policy=policy,
        repo_root=str(repo.parent / "wt"),
    )
    assert main[0].action == "block"
    assert [f.action for f in linked] == ["warn", "block"]
    assert linked[0].downgraded_by is not None
    assert linked[0].downgraded_by.kind == "linked-worktree"


def test_policy_notices_reach_every_decision(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, "version: 1\nrules:\n  git-stash: allow\n", commit=False)
    policy = load_policy(repo)
    _, notices = apply_policy([], policy=policy, repo_root=str(repo))
    assert [n.code for n in notices] == ["policy-uncommitted-weakening"]


def test_now_can_be_a_callable_or_a_datetime(make_repo: MakeRepo) -> None:
    repo = make_repo()
    entry = {
        "id": "ovr-1",
        "rule": "git-stash-drop",
        "action": "warn",
        "reason": "mine",
        "expires": "2030-01-01T00:00:00Z",
        "created": "2029-12-31T12:00:00Z",
    }
    store = repo / ".git" / "sessionkit"
    store.mkdir()
    (store / "guard-overrides.json").write_text(json.dumps({"version": 1, "overrides": [entry]}))
    before = datetime(2029, 12, 31, 13, tzinfo=timezone.utc)
    after = datetime(2030, 1, 2, tzinfo=timezone.utc)
    for now, expected in ((before, "warn"), (lambda: before, "warn"), (after, "block")):
        out, _ = apply_policy(
            [finding("git-stash-drop")], policy=None, repo_root=str(repo), now=now
        )
        assert out[0].action == expected


def test_policy_layer_modules_import_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "import sessionkit.policy.policyfile, sessionkit.policy.overrides\n"
        "import sessionkit.policy.compat, sessionkit.policy.effects\n"
        "heavy = ('yaml', 'jsonschema', 'pathspec', 'git', 'click', 'detect_secrets')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_from_text_lenient_drops_bad_entries_and_keeps_the_rest() -> None:
    policy = Policy.from_text(
        "version: 1\nrules:\n  git-stash: block\n  nope: warn\n", strict=False
    )
    assert policy.rules["git-stash"][0] == "block"
    assert [(n.code, n.source) for n in policy.notices] == [
        ("policy-entry-ignored", f"{POLICY_REL}:4")
    ]
    broken = Policy.from_text("version: [1\n", strict=False)
    assert broken.rules == {} and [n.code for n in broken.notices] == ["policy-invalid"]


def test_committed_patterns_are_compiled_into_the_cache(make_repo: MakeRepo) -> None:
    repo = make_repo()
    write_policy(repo, SCRIPT_ALLOW, commit=True)
    load_policy(repo)  # build the cache
    code = (
        "import sys; from sessionkit.policy.policyfile import load_policy, apply_policy\n"
        "from sessionkit.policy.decision import Finding\n"
        f"p = load_policy({str(repo)!r})\n"
        "f = Finding('git-clean-force', 'B2', 'block', segment='git clean -fdx')\n"
        "out, _ = apply_policy([f], policy=p, context='script', source='scripts/a.sh')\n"
        "assert out[0].action == 'allow', out\n"
        "print('pathspec' in sys.modules, 'yaml' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---- properties of the parser ---------------------------------------------------------------------

RULE_IDS = sorted(RULES)
ENTRY = st.one_of(
    st.builds(lambda r, a: f"  {r}: {a}\n", st.sampled_from([*RULE_IDS, "nope", "compat:x"]),
              st.sampled_from(["block", "warn", "allow", "off", "'off'", "maybe", "[1]"])),
    st.text(max_size=30).map(lambda t: t.replace("\n", " ") + "\n"),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parsing_never_raises_on_any_text(text: str) -> None:
    doc = parse_policy_text(text, POLICY_REL)
    assert doc.fatal is not None or isinstance(doc.data, dict)
    for problem in [*doc.problems, *([doc.fatal] if doc.fatal else [])]:
        assert str(problem).startswith(POLICY_REL)


@settings(max_examples=150, deadline=None)
@given(st.lists(ENTRY, max_size=8))
def test_every_kept_rule_setting_is_valid_and_json_round_trips(entries: list[str]) -> None:
    doc = parse_policy_text("version: 1\nrules:\n" + "".join(entries), POLICY_REL)
    if doc.fatal is not None:
        return
    policy = Policy.from_text("version: 1\n", strict=False)  # a valid base to compare shape
    assert policy.rules == {}
    rules = doc.data.get("rules") or {}
    for rule_id, action in rules.items():
        assert action in ("block", "warn", "allow", "off")
        assert rule_id in RULES or rule_id.startswith("compat:")
        assert not RULES[rule_id].floor if rule_id in RULES else True
    built = Policy.from_text("version: 1\nrules:\n" + "".join(entries), strict=False)
    assert Policy.from_json(json.loads(json.dumps(built.to_json()))).digest == built.digest


def test_an_unborn_head_counts_as_an_empty_committed_file(make_repo: MakeRepo) -> None:
    repo = make_repo(commit=False)
    write_policy(
        repo, "version: 1\nrules:\n  git-stash: allow\n  git-tag-delete: block\n", commit=False
    )
    policy = load_policy(repo)
    assert "git-stash" not in policy.rules
    assert policy.rules["git-tag-delete"][0] == "block"


def test_alias_bombs_and_deep_nesting_are_refused_quickly() -> None:
    import time

    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 25):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    started = time.perf_counter()
    doc = parse_policy_text("\n".join(lines) + "\n", POLICY_REL)
    assert time.perf_counter() - started < 2
    assert doc.fatal is not None and doc.fatal.code == "yaml-alias"
    deep = "version: 1\nrules: " + "[" * 5000 + "]" * 5000 + "\n"
    assert parse_policy_text(deep, POLICY_REL).fatal is not None


def test_linked_worktree_relaxation_follows_the_effective_cwd(make_repo: MakeRepo) -> None:
    # §12.2: relaxed "when the effective cwd is inside a linked worktree": from the linked
    # worktree, a command that acts on the main one (git -C, cd) stays blocked
    from sessionkit import check_command
    from sessionkit.policy.guard import clear_cache

    repo = make_repo()
    write_policy(repo, "version: 1\nrelax-in-linked-worktrees: true\n", commit=True)
    wt = repo.parent / "wt-linked"
    git(repo, "worktree", "add", "-q", "-b", "wt-linked", str(wt))
    clear_cache()
    own = check_command("git reset --hard", cwd=str(wt))
    assert own.action == "warn" and own.findings[0].downgraded_by is not None
    for command in (
        f"git -C {repo} reset --hard",
        f"cd {repo} && git clean -fdx",
        f"git --git-dir={repo}/.git --work-tree={repo} reset --hard",
        f"GIT_DIR={repo}/.git git reset --hard",
    ):
        decision = check_command(command, cwd=str(wt))
        assert decision.action == "block", command
    assert check_command("git reset --hard", cwd=str(repo)).action == "block"
