"""Policy configuration found by the acceptance audit of guard.md §12 and §14.3-14.4.

Each test builds a real repository with the policy files and judges through ``check_command``
or the installed ``sessionkit`` CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sessionkit import check_command
from sessionkit.policy.policyfile import COMPAT_REL, POLICY_REL, load_policy, validate_policy
from tests.conftest import git

MakeRepo = Callable[..., Path]
SESSIONKIT = os.path.join(os.path.dirname(sys.executable), "sessionkit")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _sk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESSIONKIT, "guard", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def _later(**delta: float) -> str:
    """An RFC 3339 time ``delta`` from now (``hours=2``), as override entries write it."""
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat(timespec="seconds")


def _override(entry_id: str, rule: str, reason: str, expires: str, *more: str) -> str:
    """One ``overrides:`` list entry of guard.yaml; ``more`` are further ``key: value`` lines."""
    lines = [f"  - id: {entry_id}", f"    rule: {rule}", f"    reason: {reason}"]
    lines.append(f'    expires: "{expires}"')
    lines.extend(f"    {line}" for line in more)
    return "".join(line + "\n" for line in lines)


def test_downgraded_by_names_the_overrides_own_line_after_dropped_entries(
    make_repo: MakeRepo,
) -> None:
    # an invalid override before a valid one used to shift the recorded line onto its neighbour
    expires = _later(hours=2)
    text = (
        "version: 1\noverrides:\n"
        + _override("floor", "parse-limit", "not allowed", expires)
        + _override("clean", "git-clean-force", "generated files", expires, "action: allow")
    )
    repo = make_repo(files={POLICY_REL: text})
    decision = check_command("git clean -fd", cwd=repo)
    assert decision.action == "allow"
    downgrade = decision.findings[0].downgraded_by
    assert downgrade is not None and downgrade.override_id == "clean"
    assert downgrade.line == _line_of(text, "id: clean")


def test_committed_override_of_an_extra_rule_applies(make_repo: MakeRepo) -> None:
    text = (
        "version: 1\n"
        "extra-rules:\n"
        "  - id: terraform-destroy\n"
        "    argv: [terraform, destroy]\n"
        "    reason: terraform destroy tears down shared infrastructure.\n"
        "overrides:\n"
        + _override("tf", "terraform-destroy", "tearing down the staging stack", _later(hours=2))
    )
    repo = make_repo(files={POLICY_REL: text})
    decision = check_command("terraform destroy", cwd=repo)
    assert decision.action == "warn"
    downgrade = decision.findings[0].downgraded_by
    assert downgrade is not None and downgrade.override_id == "tf"


def test_local_override_of_an_extra_rule_applies_and_validates(make_repo: MakeRepo) -> None:
    now = datetime.now(timezone.utc)
    policy = (
        "version: 1\n"
        "extra-rules:\n"
        "  - id: terraform-destroy\n"
        "    argv: [terraform, destroy]\n"
        "    reason: terraform destroy tears down shared infrastructure.\n"
    )
    repo = make_repo(files={POLICY_REL: policy})
    store = repo / ".git" / "sessionkit" / "guard-overrides.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "id": "ovr-20261203-0001",
        "rule": "terraform-destroy",
        "action": "allow",
        "reason": "staging teardown",
        "created": now.isoformat(timespec="seconds"),
        "expires": (now + timedelta(hours=1)).isoformat(timespec="seconds"),
    }
    store.write_text(json.dumps({"version": 1, "overrides": [entry]}))
    decision = check_command("terraform destroy", cwd=repo)
    assert decision.action == "allow"
    _, problems = validate_policy(repo)
    assert problems == []


def test_override_add_checks_its_input_before_asking_for_a_terminal(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo(files={"README": "x\n"})
    floor = _sk("override", "add", "parse-limit", "--for", "1h", "--reason", "x", cwd=repo)
    assert floor.returncode == 2
    assert "rule 'parse-limit' cannot be overridden" in floor.stderr
    typo = _sk("override", "add", "git-stash-drpo", "--for", "1h", "--reason", "x", cwd=repo)
    assert typo.returncode == 2
    assert "did you mean 'git-stash-drop'?" in typo.stderr
    too_long = _sk("override", "add", "git-stash-drop", "--for", "30d", "--reason", "x", cwd=repo)
    assert too_long.returncode == 2
    assert "max-override-duration" in too_long.stderr
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    out = _sk("override", "add", "git-stash-drop", "--for", "1h", "--reason", "x", cwd=outside)
    assert out.returncode == 3
    valid = _sk("override", "add", "git-stash-drop", "--for", "1h", "--reason", "x", cwd=repo)
    assert valid.returncode == 2
    assert "agents cannot grant their own exceptions" in valid.stderr
    assert not (repo / ".git/sessionkit/guard-overrides.json").exists()


def test_compat_problem_names_the_file_once_with_the_json_line(make_repo: MakeRepo) -> None:
    repo = make_repo(files={COMPAT_REL: '{"version": 1,\n  "rules": [,]}\n'})
    result = _sk("policy", "validate", cwd=repo)
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith(COMPAT_REL))
    assert line.startswith(f"{COMPAT_REL}:2: not valid JSON")
    assert line.count(COMPAT_REL) == 1
    rules = {
        "version": 1,
        "rules": [{"id": "kube", "pattern": "kubectl delete", "severity": "ask"}],
    }
    (repo / COMPAT_REL).write_text(json.dumps(rules))
    report = json.loads(_sk("policy", "validate", "--json", cwd=repo).stdout)
    [problem] = report["problems"]
    assert problem["file"] == COMPAT_REL
    assert problem["message"].startswith("rules[0]: rule 'kube' has severity 'ask'")


def test_unknown_compat_rule_id_in_guard_yaml_is_reported_and_ignored(
    make_repo: MakeRepo,
) -> None:
    compat = {
        "version": 1,
        "rules": [{"id": "kube-delete", "pattern": "kubectl delete", "severity": "block"}],
    }
    policy = "version: 1\nrules:\n  compat:kube-delete: warn\n  compat:kube-delet: allow\n"
    repo = make_repo(files={COMPAT_REL: json.dumps(compat), POLICY_REL: policy})
    decision = check_command("kubectl delete ns staging", cwd=repo)
    assert decision.action == "warn"
    notices = [n for n in decision.notices if n.code == "policy-entry-ignored"]
    assert len(notices) == 1
    assert "compat:kube-delet" in notices[0].message
    assert "did you mean 'compat:kube-delete'?" in notices[0].message
    assert notices[0].source == f"{POLICY_REL}:4"
    result = _sk("policy", "validate", cwd=repo)
    assert result.returncode == 1
    assert f"{POLICY_REL}:4: unknown rule id 'compat:kube-delet'" in result.stdout


def test_compat_false_stops_reading_the_file(make_repo: MakeRepo) -> None:
    compat = {
        "version": 1,
        "rules": [
            {"id": "kube", "pattern": "kubectl delete", "severity": "ask"},
            {
                "id": "redirect-truncate-protected",
                "pattern": ">",
                "severity": "block",
                "type": "redirect-truncate",
                "target-denylist": ["SECURITY.md"],
            },
        ],
    }
    repo = make_repo(
        files={COMPAT_REL: json.dumps(compat), POLICY_REL: "version: 1\n"}, commit=True
    )
    assert load_policy(repo).compat_protected_paths == ("SECURITY.md",)
    (repo / POLICY_REL).write_text("version: 1\ncompat:\n  blocked-commands: false\n")
    git(repo, "commit", "-qam", "stop reading the prior art's file")
    policy = load_policy(repo)
    assert policy.compat_protected_paths == ()
    assert [n.code for n in policy.notices] == []
    decision = check_command("git status", cwd=repo)
    assert all(n.code != "compat-rule-ignored" for n in decision.notices)
    assert validate_policy(repo)[1] == []


def test_an_uncommitted_tightening_of_a_flag_is_not_a_pending_loosening(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(files={POLICY_REL: "version: 1\nrelax-in-linked-worktrees: true\n"})
    (repo / POLICY_REL).write_text("version: 1\nrelax-in-linked-worktrees: false\n")
    policy = load_policy(repo)
    assert policy.relax_in_linked_worktrees is False
    assert all(n.code != "policy-uncommitted-weakening" for n in policy.notices)
    (repo / POLICY_REL).write_text("version: 1\ncompat:\n  blocked-commands: false\n")
    pending = [n for n in load_policy(repo).notices if n.code == "policy-uncommitted-weakening"]
    assert len(pending) == 1
    assert "compat.blocked-commands: false" in pending[0].message


def test_uncommitted_allow_destructive_ops_notice_names_its_line(make_repo: MakeRepo) -> None:
    repo = make_repo(files={"README": "x\n"})
    (repo / "CLAUDE.md").write_text(
        "# P\n\n## Session Config\n\n- **allow-destructive-ops:** true\n"
    )
    decision = check_command("git reset --hard", cwd=repo)
    assert decision.action == "block"
    [notice] = [n for n in decision.notices if n.code == "policy-uncommitted-weakening"]
    assert notice.source == "CLAUDE.md:5"


def test_policy_validate_exits_3_when_guard_yaml_cannot_be_read(make_repo: MakeRepo) -> None:
    # os.access is true for root and for a directory; the file has to be opened to know
    repo = make_repo(files={"README": "x\n"})
    (repo / POLICY_REL).mkdir(parents=True)
    result = _sk("policy", "validate", cwd=repo)
    assert result.returncode == 3
    assert f"cannot read {POLICY_REL}" in result.stderr


def test_one_bad_paths_item_drops_only_itself(make_repo: MakeRepo) -> None:
    # the whole list used to go: a dropped not-artefact-dirs list un-protected build/
    text = (
        "version: 1\npaths:\n  not-artefact-dirs: [build, 5]\n  temp-dirs: [/scratch, relative/x]\n"
    )
    repo = make_repo(files={POLICY_REL: text, "build/main.c": "int main;\n"})
    policy = load_policy(repo)
    assert policy.not_artefact_dirs == ("build",)
    assert policy.temp_dirs == ("/scratch",)
    ignored = [n for n in policy.notices if n.code == "policy-entry-ignored"]
    assert [n.source for n in ignored] == [f"{POLICY_REL}:3", f"{POLICY_REL}:4"]
    assert check_command("rm -rf build", cwd=repo).action == "block"
    assert check_command("rm -rf /scratch/run-1", cwd=repo).action == "allow"


def test_script_allow_downgrade_records_the_entrys_line(make_repo: MakeRepo) -> None:
    text = (
        "version: 1\n"
        "script-allow:\n"
        "  - rule: parse-limit\n"
        "    path: x\n"
        "    command: x\n"
        "    reason: a floor rule cannot be allowed\n"
        "  - rule: git-clean-force\n"
        '    path: "scripts/*.sh"\n'
        "    command: git clean -fdx\n"
        "    reason: the release script cleans the tree\n"
    )
    repo = make_repo(files={POLICY_REL: text})
    decision = check_command(
        "git  clean -fdx", cwd=repo, context="script", source="scripts/release.sh"
    )
    assert decision.action == "allow"
    downgrade = decision.findings[0].downgraded_by
    assert downgrade is not None and downgrade.kind == "policy"
    assert (downgrade.source, downgrade.line) == (POLICY_REL, _line_of(text, "git-clean-force"))
    agent = check_command("git clean -fdx", cwd=repo)
    assert agent.action == "block"


def _store(repo: Path, *entries: dict[str, str]) -> None:
    path = repo / ".git" / "sessionkit" / "guard-overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "overrides": list(entries)}))


def _local(override_id: str, rule: str, **fields: str) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    entry = {
        "id": override_id,
        "rule": rule,
        "action": "allow",
        "reason": "maintenance",
        "created": now.isoformat(timespec="seconds"),
        "expires": (now + timedelta(hours=1)).isoformat(timespec="seconds"),
    }
    entry.update(fields)
    return entry


def test_an_override_reason_over_500_characters_is_ignored(make_repo: MakeRepo) -> None:
    repo = make_repo(files={"README": "x\n"})
    _store(repo, _local("ovr-long", "git-checkout-pathspec", reason="y" * 501))
    assert check_command("git checkout -- .", cwd=repo).action == "block"
    _, problems = validate_policy(repo)
    assert [p.code for p in problems] == ["schema"]
    _store(repo, _local("ovr-ok", "git-checkout-pathspec", reason="y" * 500))
    assert check_command("git checkout -- .", cwd=repo).action == "allow"


def test_override_list_shows_only_overrides_that_apply(make_repo: MakeRepo) -> None:
    repo = make_repo(files={"README": "x\n"})
    now = datetime.now(timezone.utc)
    _store(
        repo,
        _local("ovr-good", "git-stash-drop"),
        _local("ovr-floor", "parse-limit"),
        _local("ovr-block", "git-reset-hard", action="block"),
        _local(
            "ovr-toolong",
            "git-clean-force",
            expires=(now + timedelta(days=3)).isoformat(timespec="seconds"),
        ),
        _local(
            "ovr-old",
            "git-branch-force-delete",
            expires=(now - timedelta(minutes=1)).isoformat(timespec="seconds"),
        ),
    )
    listed = json.loads(_sk("override", "list", "--json", cwd=repo).stdout)
    assert [o["id"] for o in listed["overrides"]] == ["ovr-good"]
    with_expired = json.loads(_sk("override", "list", "--all", "--json", cwd=repo).stdout)
    assert [o["id"] for o in with_expired["overrides"]] == ["ovr-good", "ovr-old"]


def test_a_repeated_key_is_reported_and_the_first_applies(make_repo: MakeRepo) -> None:
    # YAML loaders keep the last silently, hiding the tightening a reader sees first
    text = "version: 1\nrules:\n  git-stash: block\n  git-stash: warn\n"
    repo = make_repo(files={POLICY_REL: text})
    decision = check_command("git stash", cwd=repo)
    assert decision.action == "block"
    [notice] = [n for n in decision.notices if n.code == "policy-entry-ignored"]
    assert notice.source == f"{POLICY_REL}:4"
    assert "first at line 3" in notice.message
    result = _sk("policy", "validate", "--json", cwd=repo)
    assert result.returncode == 1
    assert [p["code"] for p in json.loads(result.stdout)["problems"]] == ["duplicate-key"]


def _grant_in_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """``sessionkit guard override add ARGS`` on a pseudo-terminal, answering yes."""
    import pty
    import select

    master, slave = pty.openpty()
    child = subprocess.Popen(
        [SESSIONKIT, "guard", "override", "add", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    output = b""
    while True:
        ready, _, _ = select.select([master], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if b"[y/N]" in output and b"[y/N]: y" not in output:
            os.write(master, b"y\n")
    os.close(master)
    return child.wait(timeout=30), output.decode(errors="replace")


def test_override_add_grants_extra_and_compat_rules_and_records_the_whole_object(
    make_repo: MakeRepo,
) -> None:
    compat = {
        "version": 1,
        "rules": [{"id": "kube", "pattern": "kubectl delete", "severity": "block"}],
    }
    policy = (
        "version: 1\n"
        "extra-rules:\n"
        "  - id: terraform-destroy\n"
        "    argv: [terraform, destroy]\n"
        "    reason: terraform destroy tears down shared infrastructure.\n"
    )
    repo = make_repo(files={COMPAT_REL: json.dumps(compat), POLICY_REL: policy})
    code, output = _grant_in_pty(
        ["terraform-destroy", "--for", "1h", "--reason", "staging", "--session", "s-7"], repo
    )
    assert code == 0, output
    code, output = _grant_in_pty(
        ["compat:kube", "--for", "1h", "--reason", "cleanup", "--match", "kubectl delete ns *"],
        repo,
    )
    assert code == 0, output
    assert check_command("kubectl delete ns staging", cwd=repo).action == "warn"
    assert check_command("kubectl delete pod web", cwd=repo).action == "block"
    assert check_command("terraform destroy", cwd=repo, session="s-7").action == "warn"
    assert check_command("terraform destroy", cwd=repo).action == "block"
    events = [
        json.loads(line)
        for line in (repo / ".orchestrator/metrics/events.jsonl").read_text().splitlines()
    ]
    granted = [e for e in events if e["event"] == "sessionkit.guard.override.granted"]
    assert [e["rule"] for e in granted] == ["terraform-destroy", "compat:kube"]
    assert granted[0]["session"] == "s-7"
    assert granted[1]["match"] == "kubectl delete ns *"
    assert all("created" in e and "created-by" in e for e in granted)


def test_a_local_override_cannot_outlast_max_override_duration_by_its_created_field(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo(files={"README": "x\n"})
    now = datetime.now(timezone.utc)
    month = (now + timedelta(days=30)).isoformat(timespec="seconds")
    no_created = _local("ovr-nocreated", "git-stash-drop", expires=month)
    del no_created["created"]
    future = _local(
        "ovr-future",
        "git-stash-drop",
        created=(now + timedelta(days=29, hours=23)).isoformat(timespec="seconds"),
        expires=month,
    )
    for entry in (no_created, future):
        _store(repo, entry)
        assert check_command("git stash drop", cwd=repo).action == "block"
        assert [p.code for p in validate_policy(repo)[1]] == ["override-too-long"]
    short = _local("ovr-short", "git-stash-drop")
    del short["created"]
    _store(repo, short)
    assert check_command("git stash drop", cwd=repo).action == "allow"


def test_when_several_overrides_apply_the_one_that_lowers_least_wins(
    make_repo: MakeRepo,
) -> None:
    text = "version: 1\noverrides:\n" + _override(
        "team-warn", "git-stash-drop", "stash clean-up week", _later(hours=2)
    )
    repo = make_repo(files={POLICY_REL: text})
    _store(repo, _local("ovr-allow", "git-stash-drop"))
    decision = check_command("git stash drop", cwd=repo)
    assert decision.action == "warn"
    downgrade = decision.findings[0].downgraded_by
    assert downgrade is not None and downgrade.override_id == "team-warn"


def test_an_unknown_key_in_paths_drops_only_that_key_with_a_hint(make_repo: MakeRepo) -> None:
    # the whole paths section used to go, taking not-artefact-dirs (a tightening) with it
    text = "version: 1\npaths:\n  allow-delet: [fixtures]\n  not-artefact-dirs: [build]\n"
    repo = make_repo(files={POLICY_REL: text, "build/main.c": "int main;\n"})
    policy = load_policy(repo)
    assert policy.not_artefact_dirs == ("build",)
    [notice] = [n for n in policy.notices if n.code == "policy-entry-ignored"]
    assert notice.source == f"{POLICY_REL}:3"
    assert "did you mean 'allow-delete'?" in notice.message
    assert check_command("rm -rf build", cwd=repo).action == "block"


def test_schema_problems_say_how_to_fix_them(make_repo: MakeRepo) -> None:
    text = (
        "version: 1\n"
        "rules:\n"
        "  git-stash: BLOCK\n"
        "extra-rules:\n"
        "  - id: tf\n"
        "    argv: [terraform, destroy]\n"
        "    reason: tears down infrastructure.\n"
        "    sugestion: plan first\n"
        "relax-in-linked-worktrees: sometimes\n"
    )
    repo = make_repo(files={POLICY_REL: text})
    messages = {p.line: p.message for p in validate_policy(repo)[1]}
    assert messages[3] == (
        "rules.git-stash: 'BLOCK' is not one of block, warn, allow, off; the entry is ignored"
    )
    assert "unknown key 'sugestion'; did you mean 'suggestion'?" in messages[5]
    assert "'sometimes' is not true or false; write true or false" in messages[9]


def test_policy_show_json_and_override_list_speak_the_files_language(
    make_repo: MakeRepo,
) -> None:
    expires = _later(days=2, hours=5, minutes=30)
    text = "version: 1\noverrides:\n" + _override(
        "fixtures",
        "rm-recursive-source",
        "regenerating fixtures",
        expires,
        'paths: ["fixtures/**"]',
    )
    repo = make_repo(files={POLICY_REL: text})
    shown = json.loads(_sk("policy", "show", "--json", cwd=repo).stdout)
    [override] = shown["overrides"]
    assert not [key for key in override if key.startswith("_")]
    assert override["paths"] == ["fixtures/**"]
    listed = json.loads(_sk("override", "list", "--json", cwd=repo).stdout)
    [row] = listed["overrides"]
    assert row["remaining"] in ("2d5h", "2d4h")


def test_an_override_match_is_an_argv_pattern_as_for_extra_rules(make_repo: MakeRepo) -> None:
    # bundles expanded and git's global options skipped, like §12.4 argv matching
    expires = _later(hours=2)
    text = (
        "version: 1\noverrides:\n"
        + _override(
            "clean",
            "git-clean-force",
            "regenerate the tree",
            expires,
            "match: [git, clean, -f, -d]",
        )
        + _override(
            "feature",
            "git-push-force",
            "rewriting a feature branch",
            expires,
            'match: "git push --force origin feature-*"',
        )
    )
    repo = make_repo(files={POLICY_REL: text})
    for lowered in (
        "git clean -fd",
        "git -C . clean -d -f",
        "git -c core.pager=cat push -f origin feature-x",
    ):
        assert check_command(lowered, cwd=repo).action == "warn", lowered
    for kept in ("git clean -f", "git push --force origin main"):
        assert check_command(kept, cwd=repo).action == "block", kept
