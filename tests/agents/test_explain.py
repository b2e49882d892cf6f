"""``sessionkit hook explain`` (agent-hooks.md §14.6), run as the installed CLI in real
repositories; every ``--json`` document is validated against schemas/hook-explain.schema.json.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sessionkit import schemas
from tests.agents.conftest import HOOK, SCRIPTS, clean_env, codex, events, run_hook

CLI = SCRIPTS / "sessionkit"
SCOPE = {"wave": 3, "role": "Impl-Core", "enforcement": "strict", "allowedPaths": ["src/"]}
CONFIG = "# Project\n\n## Session Config\n\nsnapshots:\n  before-warn: true\n"
PYPROJECT = "[tool.coverage.report]\nfail_under = 90\n"


class Explained:
    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def doc(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        schemas.validator("hook-explain").validate(data)
        return data


def explain(cwd: Path, *args: str, stdin: str | None = None, **env: str) -> Explained:
    proc = subprocess.run(
        [str(CLI), "hook", "explain", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=clean_env(**env),
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return Explained(proc)


@pytest.fixture
def scoped(make_repo: Any) -> Path:
    """A committed repository with a Session Config, a pyproject gate and a wave scope."""
    repo: Path = make_repo(
        {
            "CLAUDE.md": CONFIG,
            "pyproject.toml": PYPROJECT,
            "src/app.py": "x = 1\n",
            "README.md": "hello\n",
        }
    )
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(json.dumps(SCOPE))
    return repo


def _check(doc: dict[str, Any], check: str) -> dict[str, Any]:
    found = [item for item in doc["checks"] if item["id"] == check]
    assert len(found) == 1
    return found[0]


def test_blocked_shell_call_shows_every_step(scoped: Path) -> None:
    result = explain(
        scoped, "--shell", "git stash drop; echo x > notes.txt; rm -rf build", "--json"
    )
    assert result.code == 1
    doc = result.doc
    assert (doc["harness"], doc["event"]) == ("claude", "pre-tool-use")
    assert doc["event_fields"]["tool_kind"] == "shell"
    assert doc["event_fields"]["root"] == str(scoped)
    assert doc["scope"]["active"] is True
    assert (doc["scope"]["source"], doc["scope"]["wave"]) == ("file", 3)
    assert doc["scope"]["path"].endswith(".claude/wave-scope.json")
    assert doc["targets"] == ["notes.txt", "build"]
    assert [f["rule_id"] for f in _check(doc, "destructive")["findings"]] == ["git-stash-drop"]
    outside = _check(doc, "scope")["findings"]
    assert [(f["rule_id"], f["target"]) for f in outside] == [
        ("scope.outside-allowed-paths", "notes.txt"),
        ("scope.outside-allowed-paths", "build"),
    ]
    assert _check(doc, "commands")["status"] == "not-evaluated"
    assert _check(doc, "verify")["status"] == "not-applicable"
    # The guard's whole decision, including the finding below the final action.
    guard = {item["rule_id"]: item["action"] for item in doc["guard"]["findings"]}
    assert guard["git-stash-drop"] == "block"
    assert guard.get("rm-artefact") == "allow"
    assert doc["decision"]["action"] == "block"
    answer = json.loads(doc["answer"]["stdout"])
    assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert [step["step"].split(" ")[0] for step in doc["timings"]][:2] == ["payload", "event"]
    assert doc["recorded_events"] is None


def test_answer_is_byte_identical_to_the_installed_hook(scoped: Path, tmp_path: Path) -> None:
    payload = {
        "session_id": "same-session",
        "transcript_path": None,
        "cwd": str(scoped),
        "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": {"file_path": "README.md", "old_string": "hello", "new_string": "bye"},
        "tool_use_id": "toolu_1",
    }
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(payload))
    result = explain(scoped, "--payload", str(path), "--json")
    hook = run_hook(["claude", "pre-tool-use"], payload, cwd=scoped)
    assert result.doc["answer"]["stdout"].encode("utf-8") == hook.raw
    assert result.code == 1


def test_allowed_call_exits_0_and_the_snapshot_step_is_reported_unavailable(
    scoped: Path,
) -> None:
    doc = explain(scoped, "--shell", "git status", "--json").doc
    assert doc["decision"] == {
        "action": "allow",
        "rendered": "allow",
        "exit_code": 0,
        "findings": [],
    }
    assert doc["answer"]["stdout"] == ""
    snapshot = doc["snapshot_before_warn"]
    assert (snapshot["available"], snapshot["configured"], snapshot["would_run"]) == (
        False,
        True,
        False,
    )


def test_weakening_warning_through_codex_patch(scoped: Path, tmp_path: Path) -> None:
    new = tmp_path / "pyproject.new"
    new.write_text(PYPROJECT.replace("90", "50"))
    scope = dict(SCOPE, allowedPaths=["src/", "pyproject.toml"])
    (scoped / ".claude" / "wave-scope.json").write_text(json.dumps(scope))
    result = explain(
        scoped,
        "--harness",
        "codex",
        "--edit",
        "pyproject.toml",
        "--content-file",
        str(new),
        "--json",
    )
    assert result.code == 0
    doc = result.doc
    assert doc["event_fields"]["tool_name"] == "apply_patch"
    assert [c["op"] for c in doc["event_fields"]["changes"]] == ["write"]
    (finding,) = _check(doc, "weakening")["findings"]
    assert finding["rule_id"] == "weaken.coverage-threshold-lowered"
    assert finding["details"] == {"key": "fail_under", "old": 90, "new": 50}
    assert doc["decision"]["action"] == "warn"
    assert doc["snapshot_before_warn"]["available"] is False
    assert "not available" in doc["snapshot_before_warn"]["reason"]
    assert "additionalContext" in json.loads(doc["answer"]["stdout"])["hookSpecificOutput"]
    # The text form says the same.
    text = explain(
        scoped, "--harness", "codex", "--edit", "pyproject.toml", "--content-file", str(new)
    )
    assert "[weaken.coverage-threshold-lowered]" in text.stdout
    assert "snapshot  not available" in text.stdout


def test_changed_typescript_extends_is_noted_as_not_evaluated(
    make_repo: Any, tmp_path: Path
) -> None:
    repo: Path = make_repo({"tsconfig.json": '{"extends": "./base.json"}\n'})
    new = tmp_path / "tsconfig.new"
    new.write_text('{"extends": "./loose.json"}\n')
    result = explain(repo, "--edit", "tsconfig.json", "--content-file", str(new), "--json")
    assert result.code == 0
    doc = result.doc
    assert _check(doc, "weakening")["findings"] == []
    assert _check(doc, "weakening")["status"] == "not-evaluated"
    (note,) = doc["not_evaluated"]
    assert (note["check"], note["target"]) == ("weakening", "tsconfig.json")
    assert "`extends` changed" in note["reason"]
    # Unchanged extends: nothing to note.
    same = explain(repo, "--edit", "tsconfig.json", "--json").doc
    assert same["not_evaluated"] == []


def test_non_literal_js_value_is_noted(make_repo: Any, tmp_path: Path) -> None:
    repo: Path = make_repo(
        {"jest.config.js": "module.exports = { coverageThreshold: { global: { lines: 90 } } };\n"}
    )
    new = tmp_path / "jest.new"
    new.write_text("module.exports = { coverageThreshold: { global: { lines: LIMIT } } };\n")
    doc = explain(repo, "--edit", "jest.config.js", "--content-file", str(new), "--json").doc
    reasons = [item["reason"] for item in doc["not_evaluated"]]
    assert any("is not a literal value" in reason for reason in reasons), reasons


def test_patch_that_does_not_apply_is_noted(make_repo: Any, tmp_path: Path) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT})
    patch = (
        "*** Begin Patch\n*** Update File: pyproject.toml\n@@\n-fail_under = 95\n"
        "+fail_under = 10\n*** End Patch\n"
    )
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(codex(repo, "apply_patch", {"command": patch})))
    doc = explain(repo, "--payload", str(path), "--json").doc
    assert doc["harness"] == "codex"  # inferred from the payload
    assert doc["decision"]["action"] == "allow"
    (note,) = doc["not_evaluated"]
    assert note["target"] == "pyproject.toml"
    assert "does not apply to the file on disk" in note["reason"]
    assert any("does not apply" in line for line in doc["stderr"])


def test_role_option_and_protected_control_file(scoped: Path) -> None:
    doc = explain(scoped, "--edit", ".claude/wave-scope.json", "--role", "agent", "--json").doc
    assert (doc["caller_role"], doc["caller_role_source"]) == ("agent", "environment")
    rules = [f["rule_id"] for f in _check(doc, "protected")["findings"]]
    rules += [f["rule_id"] for f in _check(doc, "scope")["findings"]]
    assert "protected.control" in ", ".join(rules)
    assert doc["decision"]["action"] == "block"


def test_cursor_shell_answer_and_malformed_payload(scoped: Path) -> None:
    doc = explain(scoped, "--harness", "cursor", "--shell", "ls", "--json").doc
    assert doc["answer"]["stdout"] == '{"permission":"allow"}\n'
    bad = explain(scoped, "--harness", "cursor", "--payload", "-", "--json", stdin="{not json")
    assert bad.code == 1
    assert bad.doc["event_fields"] is None
    assert [f["rule_id"] for f in bad.doc["decision"]["findings"]] == ["internal.payload-malformed"]
    assert json.loads(bad.doc["answer"]["stdout"])["permission"] == "deny"


def test_events_are_recorded_only_with_record(scoped: Path) -> None:
    (scoped / ".orchestrator").mkdir()
    explain(scoped, "--shell", "git reset --hard", "--json")
    assert events(scoped) == []
    doc = explain(scoped, "--shell", "git reset --hard", "--record", "--json").doc
    assert doc["recorded_events"] == 1
    (recorded,) = events(scoped)
    assert recorded["event"] == "sessionkit.guard.decision"
    assert recorded["action"] == "block"


def test_once_per_session_notices_are_shown_and_not_remembered(scoped: Path) -> None:
    (scoped / ".claude" / "wave-scope.json").write_text(
        json.dumps({k: v for k, v in SCOPE.items() if k != "enforcement"})
    )
    for _ in range(2):
        doc = explain(scoped, "--shell", "git status", "--json").doc
        (notice,) = _check(doc, "scope")["findings"]
        assert notice["rule_id"] == "scope.enforcement-defaulted"
        assert (notice["once_per_session"], notice["already_shown"]) == (True, False)
    assert not (scoped / ".git" / "sessionkit" / "notices.json").exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 2),
        (("--shell", "ls", "--edit", "a.txt"), 2),
        (("--content-file", "x", "--shell", "ls"), 2),
        (("--harness", "vim", "--shell", "ls"), 2),
        (("--payload", "missing.json"), 3),
        (("--edit", "a.txt", "--content-file", "missing.txt"), 3),
        (("--shell", "ls", "--cwd", "no-such-dir"), 3),
    ],
)
def test_usage_and_io_errors(scoped: Path, args: tuple[str, ...], code: int) -> None:
    result = explain(scoped, *args)
    assert result.code == code, result.stderr
    assert result.stdout == ""


def test_the_hook_command_itself_is_not_needed(scoped: Path) -> None:
    # explain runs the dispatcher in process: the console script is only this test's oracle.
    assert HOOK.exists()
    doc = explain(scoped, "--shell", "git status", "--cwd", str(scoped / "src"), "--json").doc
    assert doc["event_fields"]["cwd"] == str(scoped / "src")
    assert doc["event_fields"]["root"] == str(scoped)


def test_post_phase_and_disabled_checks(scoped: Path, tmp_path: Path) -> None:
    post = {
        "session_id": "post-1",
        "transcript_path": None,
        "cwd": str(scoped),
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "make"},
        "tool_response": {"stdout": ""},
    }
    path = tmp_path / "post.json"
    path.write_text(json.dumps(post))
    doc = explain(scoped, "--payload", str(path), "--json").doc
    assert (doc["event"], doc["event_fields"]["phase"]) == ("post-tool-use", "post")
    assert _check(doc, "verify")["status"] == "evaluated"
    assert _check(doc, "destructive")["status"] == "not-applicable"
    assert doc["guard"] is None
    disabled = explain(
        scoped, "--edit", "README.md", "--json", SESSIONKIT_HOOK_DISABLE="scope,weakening"
    ).doc
    assert disabled["config"]["disabled"] == ["scope", "weakening"]
    assert _check(disabled, "scope")["status"] == "disabled"
    assert _check(disabled, "scope")["findings"] == []
    assert disabled["decision"]["action"] == "allow"
