"""``run_payload`` (used by ``sessionkit hook selftest``), decision events, arbitrary input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.agents import dispatcher
from sessionkit.agents.event import Finding, HookEvent
from sessionkit.metrics.events import validate_event
from tests.agents.conftest import claude, events

PAIRS = [
    ("claude", "pre-tool-use"),
    ("claude", "post-tool-use"),
    ("codex", "pre-tool-use"),
    ("codex", "post-tool-use"),
    ("cursor", "pre-tool-use"),
    ("cursor", "before-shell-execution"),
    ("cursor", "after-file-edit"),
]


def test_run_payload_block_and_allow(repo: Path) -> None:
    payload = json.dumps(claude(repo, "Bash", {"command": "git reset --hard HEAD~1"})).encode()
    text, code = dispatcher.run_payload("claude", "pre-tool-use", payload, env={}, cwd=str(repo))
    assert code == 0
    assert json.loads(text)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert [r["action"] for r in events(repo)] == ["block"]
    allow = json.dumps(claude(repo, "Bash", {"command": "ls"})).encode()
    assert dispatcher.run_payload("claude", "pre-tool-use", allow, env={}, cwd=str(repo)) == ("", 0)
    quiet, _ = dispatcher.run_payload(
        "claude", "pre-tool-use", payload, env={}, cwd=str(repo), record_events=False
    )
    assert quiet == text and len(events(repo)) == 1


def test_event_payload_validates_and_hides_command() -> None:
    event = HookEvent("claude", "pre-tool-use")
    event.tool_name, event.tool_kind, event.command = "Bash", "shell", "rm -rf /secret/place"
    event.agent_type = "impl"
    payload = dispatcher.build_payload(
        event,
        hook_event="pre-tool-use",
        action="block",
        findings=[Finding("destructive", "rm-rf", "block", "s", "", "rm -rf", {"k": 1})] * 60,
        caller_role="agent",
        fail_mode="closed",
        duration_ms=12.345,
        paths=[f"p{i}" for i in range(30)],
        scope_role="Impl",
        enforcement="strict",
    )
    assert len(payload["findings"]) == 50 and len(payload["paths"]) == 20
    assert payload["command_sha256"] == dispatcher.command_sha256("rm -rf /secret/place")
    assert "/secret/place" not in json.dumps(payload)
    record_doc = {
        "schema_version": 1,
        "timestamp": "2026-11-24T10:00:00.000Z",
        "event": "sessionkit.guard.decision",
        "session_id": None,
        "source": "sessionkit-hook",
        **payload,
    }
    validate_event(record_doc)


def test_should_record_rules(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert not dispatcher.should_record(root, {}, "auto")
    assert dispatcher.should_record(root, {}, "always")
    assert dispatcher.should_record(root, {"SESSIONKIT_METRICS_DIR": "/x"}, "auto")
    (tmp_path / ".orchestrator").mkdir()
    assert dispatcher.should_record(root, {}, "auto")
    assert not dispatcher.should_record(root, {}, "never")
    assert not dispatcher.should_record(root, {"SESSIONKIT_NO_METRICS": "1"}, "always")


def test_parse_argv_never_fails() -> None:
    options = dispatcher.parse_argv(
        ["claude", "pre", "--fail-mode", "open", "--root=/nonexistent", "-x", "y", "z"]
    )
    assert (options.harness, options.event, options.fail_mode) == ("claude", "pre", "open")
    assert options.root is None
    assert len(options.problems) == 3


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=2048)
    | st.builds(
        lambda d: json.dumps(d).encode(),
        st.dictionaries(
            st.sampled_from(
                [
                    "tool_name",
                    "tool_input",
                    "cwd",
                    "hook_event_name",
                    "command",
                    "file_path",
                    "conversation_id",
                    "transcript_path",
                    "edits",
                ]
            ),
            st.one_of(
                st.none(),
                st.text(max_size=20),
                st.integers(),
                st.lists(st.text(max_size=5)),
                st.dictionaries(
                    st.sampled_from(["command", "file_path", "path", "content"]),
                    st.text(max_size=20),
                ),
            ),
        ),
    ),
    st.sampled_from(PAIRS),
)
def test_arbitrary_input_gives_one_valid_answer(data: bytes, pair: tuple[str, str]) -> None:
    text, code = dispatcher.run_payload(
        *pair, data, env={"SESSIONKIT_NO_METRICS": "1", "SESSIONKIT_HOOK_NO_CACHE": "1"}, cwd="/"
    )
    assert code == 0
    if text:
        assert text.endswith("\n") and text.count("\n") == 1
        obj: Any = json.loads(text)
        assert isinstance(obj, dict)
        if pair[0] == "cursor":
            assert obj == {} or obj["permission"] in ("allow", "ask", "deny")
        else:
            assert list(obj) == ["hookSpecificOutput", "systemMessage"]


def test_command_sha256_is_the_sha256_prefix_without_hashlib() -> None:
    import hashlib

    text = "git reset --hard HEAD~1 # é"
    assert dispatcher.command_sha256(text) == hashlib.sha256(text.encode()).hexdigest()[:16]
