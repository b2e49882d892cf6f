"""``sessionkit guard``: check, --file audits, explain, rules, policy validate/show (guard.md §14)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sessionkit import schemas
from sessionkit.cli import cli
from tests.conftest import git

pytest.importorskip("sessionkit.policy.guard")

MakeRepo = Callable[..., Path]
SESSIONKIT = shutil.which("sessionkit", path=str(Path(sys.executable).parent)) or "sessionkit"


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["guard", *args], input=input, catch_exceptions=False)


def proc(
    *args: str, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESSIONKIT, "guard", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    return make_repo(files={"src/app.py": "print(1)\n"})


# ---- check ---------------------------------------------------------------------------------------


def test_block_prints_rule_reason_suggestion_and_other_findings(repo: Path) -> None:
    result = proc("check", "--cwd", str(repo), "--", "git stash && git reset --hard HEAD~1")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "BLOCK git-reset-hard (B1): git reset --hard HEAD~1"
    assert any(line.strip().startswith("Instead: ") for line in lines)
    assert "  also WARN git-stash (W3): git stash" in lines


@pytest.mark.parametrize(
    ("command", "code", "strict_code"),
    [("git status", 0, 0), ("git stash", 0, 1), ("rm -rf src", 1, 1)],
)
def test_exit_codes(repo: Path, command: str, code: int, strict_code: int) -> None:
    assert run("check", "--cwd", str(repo), "--", command).exit_code == code
    assert run("check", "--strict-warn", "--cwd", str(repo), "--", command).exit_code == strict_code


def test_json_output_validates_against_the_decision_schema(repo: Path) -> None:
    validator = schemas.validator("guard-decision")
    for command in ("git status", "git stash", "bash -c 'rm -rf src'", "echo 'x"):
        result = run("check", "--json", "--cwd", str(repo), "--", command)
        document = json.loads(result.output)
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], (command, errors)
        assert document["command"] == command


def test_several_words_are_joined_with_shlex_join(repo: Path) -> None:
    result = run("check", "--json", "--cwd", str(repo), "--", "echo", "a b", "rm -rf src")
    assert json.loads(result.output)["command"] == "echo 'a b' 'rm -rf src'"
    assert result.exit_code == 0


def test_stdin_reads_one_multi_line_command(repo: Path) -> None:
    command = "bash <<'EOF'\ngit reset --hard\nEOF\n"
    result = run("check", "--stdin", "--json", "--cwd", str(repo), input=command)
    assert json.loads(result.output)["rule_id"] == "git-reset-hard"
    assert result.exit_code == 1


def test_usage_errors_exit_2(repo: Path) -> None:
    assert proc("check", "--cwd", str(repo)).returncode == 2
    result = proc("check", "--stdin", "--", "ls", cwd=repo, input="ls")
    assert result.returncode == 2
    assert "not several" in result.stderr
    assert (
        proc("check", "--builtin-only", "--policy", "x.yaml", "--", "ls", cwd=repo).returncode == 2
    )


def test_missing_cwd_exits_3(tmp_path: Path) -> None:
    result = proc("check", "--cwd", str(tmp_path / "nope"), "--", "ls")
    assert result.returncode == 3
    assert "not a directory" in result.stderr


def test_quiet_prints_nothing_on_allow(repo: Path) -> None:
    assert run("check", "-q", "--cwd", str(repo), "--", "git status").output == ""


def test_trace_goes_to_stderr(repo: Path) -> None:
    result = proc("check", "--trace", "--cwd", str(repo), "--", "bash -c 'git clean -fdx'")
    assert result.returncode == 1
    assert "via=shell-c" in result.stderr
    assert "trace: finding block git-clean-force" in result.stderr
    assert "trace:" not in result.stdout


def test_context_and_builtin_only_and_policy_file(repo: Path, tmp_path: Path) -> None:
    ci = run(
        "check",
        "--context",
        "ci",
        "--source",
        ".gitlab-ci.yml",
        "--cwd",
        str(repo),
        "--",
        "git clean -fdx",
    )
    assert ci.exit_code == 0
    policy = tmp_path / "guard.yaml"
    policy.write_text("version: 1\nrules:\n  git-stash: block\n")
    assert (
        run("check", "--policy", str(policy), "--cwd", str(repo), "--", "git stash").exit_code == 1
    )
    assert run("check", "--builtin-only", "--cwd", str(repo), "--", "git stash").exit_code == 0


def test_notices_go_to_stderr(repo: Path) -> None:
    path = repo / ".orchestrator/policy/guard.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("version: 1\nrules:\n  git-commit-amend: allow\n")
    result = proc("check", "--cwd", str(repo), "--", "git commit --amend")
    assert "note: policy-uncommitted-weakening" in result.stderr
    assert "note:" not in result.stdout


# ---- --file --------------------------------------------------------------------------------------


def test_file_with_plain_lines(repo: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cmds.txt"
    cases.write_text("git status\n\nrm -rf src\ngit stash\n")
    result = proc("check", "--file", str(cases), "--cwd", str(repo))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].split() == ["LINE", "ACTION", "RULE", "COMMAND"]
    assert result.stdout.rstrip().endswith("3 commands: 1 block, 1 warn, 1 allow, 0 unreadable")


def test_file_jsonl_with_good_and_bad_lines(repo: Path, tmp_path: Path) -> None:
    cases = tmp_path / "t.jsonl"
    lines = [
        json.dumps({"id": "a", "cmd": "git status"}),
        "{not json",
        json.dumps({"id": "b", "tool_input": {"command": "git reset --hard"}}),
        json.dumps({"id": "c", "command": 5}),
    ]
    cases.write_text("\n".join(lines) + "\n")
    result = proc("check", "--file", str(cases), "--format", "jsonl", "--cwd", str(repo))
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["id"] == "a" and rows[0]["decision"]["action"] == "allow"
    assert rows[2]["decision"]["rule_id"] == "git-reset-hard"
    assert "error" in rows[1] and "error" in rows[3]
    assert f"{cases}:2: invalid JSON" in result.stderr
    validator = schemas.validator("guard-decision")
    assert not list(validator.iter_errors(rows[2]["decision"]))


def test_file_expect_reports_mismatches(repo: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps(
            {"id": "ok", "cmd": "git stash drop", "expect": "block", "rule": "git-stash-drop"}
        )
        + "\n"
        + json.dumps({"id": "wrong", "cmd": "git stash", "expect": "allow"})
        + "\n"
    )
    result = proc("check", "--file", str(cases), "--expect", "--json", "--cwd", str(repo))
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["summary"]["mismatches"] == 1
    assert [r["mismatch"] for r in document["results"]] == [
        None,
        "expected allow, got warn git-stash",
    ]
    assert "wrong expected allow" in result.stderr


def test_file_expect_all_matching_exits_0(repo: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"cmd": "git status", "expect": "allow"}) + "\n")
    assert proc("check", "--file", str(cases), "--expect", "--cwd", str(repo)).returncode == 0


def test_file_per_object_cwd_and_stdin(repo: Path) -> None:
    (repo / "docs").mkdir()
    line = json.dumps({"cmd": "rm -rf ../src", "cwd": "docs"}) + "\n"
    result = proc("check", "--file", "-", "--format", "jsonl", "--cwd", str(repo), input=line)
    assert json.loads(result.stdout)["decision"]["rule_id"] == "rm-recursive-source"


def test_unreadable_file_exits_3(tmp_path: Path) -> None:
    assert proc("check", "--file", str(tmp_path / "missing.jsonl")).returncode == 3


# ---- explain, rules, policy ------------------------------------------------------------------------


def test_explain_renders_a_rule_and_its_effective_action(repo: Path) -> None:
    result = run("explain", "git-reset-hard", "--cwd", str(repo))
    assert result.exit_code == 0
    assert result.output.startswith("git-reset-hard (B1, default block)")
    assert "effective action here: block (the default)" in result.output
    as_json = json.loads(run("explain", "git-reset-hard", "--json", "--cwd", str(repo)).output)
    assert as_json["id"] == "git-reset-hard" and as_json["default_action"] == "block"


def test_explain_shows_the_session_config_lowering(make_repo: MakeRepo) -> None:
    config = "# P\n\n## Session Config\n\n- **allow-destructive-ops:** true\n"
    repo = make_repo(files={"CLAUDE.md": config})
    reset = run("explain", "git-reset-hard", "--cwd", str(repo)).output
    assert "effective action here: warn (allow-destructive-ops in CLAUDE.md:5" in reset
    push = run("explain", "git-push-force", "--cwd", str(repo)).output  # B3: not lowered
    assert "effective action here: block (the default)" in push
    uncommitted = make_repo(files={"CLAUDE.md": config}, commit=False, name="uncommitted")
    git(uncommitted, "commit", "-q", "--allow-empty", "-m", "empty")
    reset = run("explain", "git-reset-hard", "--cwd", str(uncommitted)).output
    assert "effective action here: block (the default)" in reset


def test_explain_unknown_id_exits_2_with_hint(repo: Path) -> None:
    result = proc("explain", "git-reset-hrad", "--cwd", str(repo))
    assert result.returncode == 2
    assert "did you mean 'git-reset-hard'?" in result.stderr
    assert "'sessionkit guard rules' lists them all" in result.stderr


def test_explain_and_rules_know_extra_and_compat_rules(repo: Path) -> None:
    policy = repo / ".orchestrator/policy"
    policy.mkdir(parents=True)
    (policy / "guard.yaml").write_text(
        "version: 1\nrules:\n  git-stash: block\nextra-rules:\n  - id: terraform-destroy\n"
        "    argv: [terraform, destroy]\n    reason: tears down shared infrastructure.\n"
    )
    (policy / "blocked-commands.json").write_text(
        json.dumps(
            {
                "version": 1,
                "rules": [
                    {
                        "id": "pub",
                        "pattern": "npm publish",
                        "severity": "warn",
                        "allow-override-flag": "--i-know",
                    }
                ],
            }
        )
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy")
    assert run("explain", "terraform-destroy", "--cwd", str(repo)).exit_code == 0
    explained = run("explain", "compat:pub", "--cwd", str(repo)).output
    assert "compat:pub" in explained
    assert "allow-override-flag: '--i-know' (ignored" in explained
    rows = json.loads(run("rules", "--json", "--cwd", str(repo)).output)
    by_id = {row["id"]: row for row in rows}
    assert by_id["git-stash"]["effective_action"] == "block"
    assert by_id["git-stash"]["set_in"] == ".orchestrator/policy/guard.yaml:3"
    assert {"terraform-destroy", "compat:pub"} <= set(by_id)
    text = run("rules", "--cwd", str(repo)).output
    assert text.splitlines()[0].split()[:4] == ["RULE", "GROUP", "DEFAULT", "EFFECTIVE"]


def test_policy_validate(repo: Path) -> None:
    assert run("policy", "validate", "--cwd", str(repo)).exit_code == 0
    path = repo / ".orchestrator/policy/guard.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("version: 1\nrules:\n  git-reset-hrad: warn\n")
    result = run("policy", "validate", "--cwd", str(repo))
    assert result.exit_code == 1
    assert result.output.startswith(".orchestrator/policy/guard.yaml:3: unknown rule id")
    document = json.loads(run("policy", "validate", "--json", "--cwd", str(repo)).output)
    assert document["valid"] is False
    assert (
        document["problems"][0]["line"] == 3 and document["problems"][0]["code"] == "unknown-rule"
    )


def test_policy_show_lists_sources_and_pending_loosenings(repo: Path) -> None:
    path = repo / ".orchestrator/policy/guard.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("version: 1\nrules:\n  git-push-force-with-lease: block\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policy")
    path.write_text("version: 1\nrules:\n  git-push-force-with-lease: block\n  git-stash: allow\n")
    result = run("policy", "show", "--cwd", str(repo))
    assert "source: .orchestrator/policy/guard.yaml (both)" in result.output
    assert "rules.git-push-force-with-lease: block" in result.output
    assert "waiting for a commit: rules.git-stash: allow (committed: warn)" in result.output
    assert "allow-destructive-ops: false" in result.output
    document = json.loads(run("policy", "show", "--json", "--cwd", str(repo)).output)
    assert document["digest"].startswith("sha256:")


def test_guard_appears_in_top_level_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "guard" in result.output


# ---- the generated rule table of docs/guard.md -----------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "guard.md"
BEGIN = "<!-- BEGIN GENERATED RULE TABLE: sessionkit guard rules --markdown -->\n"
END = "<!-- END GENERATED RULE TABLE -->"


def test_the_rule_table_in_docs_is_current() -> None:
    """Regenerate with: SESSIONKIT_UPDATE_DOCS=1 pytest tests/cli/test_guard_cli.py -k rule_table."""
    from sessionkit.cli.guard import rules_markdown

    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    current, tail = rest.split(END, 1)
    expected = rules_markdown()
    if current != expected and os.environ.get("SESSIONKIT_UPDATE_DOCS") == "1":
        DOC.write_text(head + BEGIN + expected + END + tail, encoding="utf-8")
        current = expected
    assert current == expected, "docs/guard.md rule table is stale: " + (
        test_the_rule_table_in_docs_is_current.__doc__ or ""
    )
    from sessionkit.policy.rules import CATALOGUE

    assert all(f"| `{rule.id}` |" in current for rule in CATALOGUE)


# ---- override add / list / revoke ----------------------------------------------------------------


def _in_pty(args: list[str], answer: str, cwd: Path) -> tuple[int, str]:
    """Run ``sessionkit guard ARGS`` with a pseudo-terminal as stdin and stdout."""
    import os as _os
    import pty
    import select

    master, slave = pty.openpty()
    child = subprocess.Popen(
        [SESSIONKIT, "guard", *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave
    )
    _os.close(slave)
    output = b""
    sent = False
    while True:
        ready, _, _ = select.select([master], [], [], 10)
        if not ready:
            break
        try:
            chunk = _os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not sent and b"[y/N]" in output:
            _os.write(master, answer.encode())
            sent = True
    _os.close(master)
    return child.wait(timeout=30), output.decode(errors="replace")


def test_override_add_refuses_without_a_terminal(repo: Path) -> None:
    result = proc(
        "override", "add", "git-stash-drop", "--for", "1h", "--reason", "x", cwd=repo, input="y\n"
    )
    assert result.returncode == 2
    assert "agents cannot grant their own exceptions" in result.stderr
    assert not (repo / ".git/sessionkit/guard-overrides.json").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_override_lifecycle_under_a_pseudo_terminal(repo: Path) -> None:
    args = ["override", "add", "git-stash-drop", "--for", "1h", "--reason", "my own stash"]
    code, output = _in_pty(args, "y\n", repo)
    assert code == 0, output
    assert "Grant this exception? [y/N]" in output
    store = json.loads((repo / ".git/sessionkit/guard-overrides.json").read_text())
    (entry,) = store["overrides"]
    assert entry["rule"] == "git-stash-drop" and entry["created-by"] == "tests@example.invalid"
    assert entry["id"] in output
    assert run("check", "--cwd", str(repo), "--", "git stash drop").exit_code == 0  # now a warn
    listed = json.loads(run("override", "list", "--json", "--cwd", str(repo)).output)
    assert [o["id"] for o in listed["overrides"]] == [entry["id"]]
    assert listed["overrides"][0]["origin"] == "local"
    revoked = proc("override", "revoke", entry["id"], cwd=repo)
    assert revoked.returncode == 0
    assert run("check", "--cwd", str(repo), "--", "git stash drop").exit_code == 1


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse-limit", "--for", "1h"], "cannot be overridden"),
        (["git-stash-drp", "--for", "1h"], "did you mean 'git-stash-drop'"),
        (["git-stash-drop", "--for", "3d"], "longer than max-override-duration"),
    ],
)
def test_override_add_errors_exit_2(repo: Path, args: list[str], message: str) -> None:
    code, output = _in_pty(["override", "add", *args, "--reason", "x"], "n\n", repo)
    assert code == 2
    assert message in output


def test_override_declined_writes_nothing(repo: Path) -> None:
    code, output = _in_pty(
        ["override", "add", "git-stash-drop", "--for", "1h", "--reason", "x"], "n\n", repo
    )
    assert code == 1 and "not granted" in output
    assert not (repo / ".git/sessionkit/guard-overrides.json").exists()


def test_committed_overrides_cannot_be_revoked_here(repo: Path) -> None:
    path = repo / ".orchestrator/policy/guard.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "version: 1\noverrides:\n  - id: ovr-team\n    rule: git-tag-force\n    action: allow\n"
        "    reason: release week\n    expires: '2099-01-01T00:00:00Z'\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "override")
    result = proc("override", "revoke", "ovr-team", cwd=repo)
    assert result.returncode == 1
    assert "committed in .orchestrator/policy/guard.yaml:3; remove it there" in result.stderr
    listed = json.loads(run("override", "list", "--json", "--cwd", str(repo)).output)
    assert [(o["id"], o["origin"]) for o in listed["overrides"]] == [("ovr-team", "committed")]


def test_override_commands_outside_a_repository_exit_3(tmp_path: Path) -> None:
    assert proc("override", "list", cwd=tmp_path).returncode == 3


# ---- every JSON output against its schema ----------------------------------------------------------


def test_json_outputs_validate_against_their_schemas(repo: Path, tmp_path: Path) -> None:
    from sessionkit.policy.rules import CATALOGUE

    rule_validator = schemas.validator("guard-rule")
    for rule in CATALOGUE:
        document = json.loads(run("explain", rule.id, "--json", "--cwd", str(repo)).output)
        assert not list(rule_validator.iter_errors(document)), rule.id
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": 1, "cmd": "git stash", "expect": "warn"}) + "\n{broken\n")
    audit = json.loads(
        proc("check", "--file", str(cases), "--expect", "--json", "--cwd", str(repo)).stdout
    )
    assert not list(schemas.validator("guard-audit").iter_errors(audit))
    lines = proc("check", "--file", str(cases), "--format", "jsonl", "--cwd", str(repo)).stdout
    audit_schema = schemas.load_schema("guard-audit")
    result_schema = {"$defs": audit_schema["$defs"], "$ref": "#/$defs/result"}
    import jsonschema

    for line in lines.splitlines():
        jsonschema.validate(json.loads(line), result_schema)
    (repo / ".orchestrator/policy").mkdir(parents=True)
    (repo / ".orchestrator/policy/guard.yaml").write_text("version: 1\nrules: {nope: warn}\n")
    report = json.loads(run("policy", "validate", "--json", "--cwd", str(repo)).output)
    assert not list(schemas.validator("guard-policy-report").iter_errors(report))
    overrides = json.loads(run("override", "list", "--json", "--cwd", str(repo)).output)
    assert not list(schemas.validator("guard-overrides").iter_errors(overrides))


def test_file_auto_reads_a_mixed_file_as_lines_and_json_records_as_records(
    repo: Path, tmp_path: Path
) -> None:
    # not every line starts with "{" (§14.2): lines; but a JSON object with the command field
    # is still that record, so one damaged line does not turn the transcript's objects into
    # (harmless, unknown) command words and let the reset pass
    cases = tmp_path / "t.jsonl"
    cases.write_text(
        json.dumps({"cmd": "git status"})
        + "\nls\n"
        + json.dumps({"cmd": "git reset --hard"})
        + "\n"
    )
    result = proc("check", "--file", str(cases), "--cwd", str(repo))
    assert result.returncode == 1
    assert "git-reset-hard" in result.stdout
    assert result.stdout.rstrip().endswith("3 commands: 1 block, 0 warn, 2 allow, 0 unreadable")


def test_file_auto_is_jsonl_when_every_line_starts_with_a_brace(repo: Path, tmp_path: Path) -> None:
    cases = tmp_path / "t.jsonl"
    cases.write_text(json.dumps({"cmd": "git status"}) + '\n{"cmd": \n')
    result = proc("check", "--file", str(cases), "--cwd", str(repo))
    assert f"{cases}:2: invalid JSON" in result.stderr
    assert result.stdout.rstrip().endswith("2 commands: 0 block, 0 warn, 1 allow, 1 unreadable")


def test_file_auto_keeps_plain_lines_with_brace_groups(repo: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cmds.txt"
    cases.write_text("{ git status; }\ngit reset --hard\n")
    result = proc("check", "--file", str(cases), "--cwd", str(repo))
    assert result.returncode == 1
    assert result.stdout.rstrip().endswith("2 commands: 1 block, 0 warn, 1 allow, 0 unreadable")
