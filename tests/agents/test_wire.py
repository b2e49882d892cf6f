"""Names, inference, payload decoding, sanitising, messages and renderers (§3-§7)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.agents import _bootstrap, _common, _wire
from sessionkit.agents.event import Finding, combine


@pytest.mark.parametrize(
    ("name", "harness"),
    [
        ("claude", "claude"),
        ("Claude-Code", "claude"),
        ("claude_code", "claude"),
        ("codex-cli", "codex"),
        ("CURSOR", "cursor"),
        ("claud", None),
        ("", None),
    ],
)
def test_harness_names(name: str, harness: str | None) -> None:
    assert _wire.harness_name(name) == harness


@pytest.mark.parametrize(
    ("harness", "name", "event"),
    [
        ("claude", "PreToolUse", "pre-tool-use"),
        ("claude", "pre_tool_use", "pre-tool-use"),
        ("codex", "post-tool-use", "post-tool-use"),
        ("cursor", "beforeShellExecution", "before-shell-execution"),
        ("cursor", "after file edit", "after-file-edit"),
        ("claude", "beforeShellExecution", None),
        ("codex", "afterFileEdit", None),
    ],
)
def test_event_names(harness: str, name: str, event: str | None) -> None:
    assert _wire.event_name(harness, name) == event


@pytest.mark.parametrize(
    ("payload", "harness"),
    [
        ({"conversation_id": "c"}, "cursor"),
        ({"workspace_roots": []}, "cursor"),
        ({"cursor_version": "1"}, "cursor"),
        ({"hook_event_name": "preToolUse"}, "cursor"),
        ({"hook_event_name": "PreToolUse", "turn_id": "t"}, "codex"),
        ({"hook_event_name": "PreToolUse", "model": "m", "transcript_path": "/t"}, "codex"),
        ({"tool_name": "apply_patch"}, "codex"),
        ({"hook_event_name": "PreToolUse", "transcript_path": "/t"}, "claude"),
        ({}, None),
        ({"tool_name": "Bash"}, None),
    ],
)
def test_infer_harness(payload: dict[str, object], harness: str | None) -> None:
    assert _wire.infer_harness(payload) == harness


def test_infer_event() -> None:
    assert _wire.infer_event("claude", {"tool_response": {}}) == "post-tool-use"
    assert _wire.infer_event("claude", {}) == "pre-tool-use"
    assert _wire.infer_event("cursor", {"hook_event_name": "afterFileEdit"}) == "after-file-edit"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b"\xff", "internal.payload-malformed"),
        (b"[]", "internal.payload-malformed"),
        (b"{", "internal.payload-malformed"),
        (b"[" * 60_000, "internal.payload-malformed"),
        (b"x" * 70_000, "internal.payload-too-large"),
    ],
)
def test_decode_errors(raw: bytes, rule: str) -> None:
    with pytest.raises(_wire.PayloadError) as info:
        _wire.decode_payload(raw, 65_536)
    assert info.value.rule_id == rule


def test_decode_bom_crlf_and_empty() -> None:
    assert _wire.decode_payload(b'\xef\xbb\xbf{\r\n"a": 1\r\n}\r\n') == {"a": 1}
    assert _wire.decode_payload(b" \r\n") is None


def test_malformed_message_quotes_at_most_120_characters() -> None:
    with pytest.raises(_wire.PayloadError) as info:
        _wire.decode_payload(b"{" + b"a" * 500)
    assert info.value.cause.endswith("`{" + "a" * 119 + "`")


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("a\x00b", "a\\u{0000}b"),
        ("tab\tnl\n", "tab\tnl\n"),
        ("\x7f", "\\u{007F}"),
        ("\x9b", "\\u{009B}"),
        ("\u202e", "\\u{202E}"),
        ("\u2066x", "\\u{2066}x"),
        ("é✓", "é✓"),
    ],
)
def test_sanitise(text: str, clean: str) -> None:
    assert _wire.sanitise(text) == clean
    assert _bootstrap._clean(text) == clean


def test_quote_and_label() -> None:
    assert _wire.quote("a`b") == "`a'b`"
    label = _wire.label("x" * 500)
    assert len(label) == 120 and label.endswith("…")


def _finding(
    action: str = "block",
    rule: str = "git-reset-hard",
    check: str = "destructive",
    target: str = "t",
    suggestion: str = "do this",
) -> Finding:
    return Finding(check, rule, action, "A summary.", suggestion, target)


def test_agent_text_and_user_line() -> None:
    findings = [_finding(), _finding("warn", "scope.outside-allowed-paths", "scope", "x", "")]
    assert _wire.agent_text(findings, "wave 2, role R, enforcement strict") == (
        "sessionkit blocked this call (wave 2, role R, enforcement strict).\n"
        "[git-reset-hard] A summary. Instead: do this\n"
        "[scope.outside-allowed-paths] A summary."
    )
    assert _wire.user_line(findings) == "⛔ sessionkit: [git-reset-hard] A summary. (+1 more)"
    assert _wire.agent_text([_finding("warn")]).startswith(
        "sessionkit warning (the call is allowed)."
    )
    internal = _finding(rule="internal.check-error", check="internal")
    assert _wire.agent_text([internal]).startswith("sessionkit could not check this call.")


def test_at_most_20_findings_listed() -> None:
    text = _wire.agent_text([_finding(target=str(i)) for i in range(25)])
    assert text.count("[git-reset-hard]") == 20
    assert text.endswith("… and 5 more findings")


def test_user_line_cut_to_200() -> None:
    line = _wire.user_line([Finding("scope", "r", "warn", "y" * 500)])
    assert len(line) == 200 and line.endswith("…") and line.startswith("⚠ sessionkit: [r] ")


@pytest.mark.parametrize("char", ["a", "é", "✓", "😀"])
def test_clamp_limits(char: str) -> None:
    text = char * 60_000
    clamped = _wire.clamp(text)
    assert len(clamped) <= 16_000
    assert len(clamped.encode()) <= 48_000
    assert clamped.endswith(" of 60000 characters]")
    kept = int(clamped.rsplit("showing ", 1)[1].split(" ")[0])
    assert clamped.startswith(char * kept + "\n… [truncated")
    assert _wire.clamp("short") == "short"


def test_render_every_row() -> None:
    a, u = "agent", "user"
    notice = '{"hookSpecificOutput":{"hookEventName":"PreToolUse","additionalContext":"agent"},"systemMessage":"user"}\n'
    deny = (
        '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
        '"permissionDecisionReason":"agent"},"systemMessage":"user"}\n'
    )
    ask = deny.replace('"deny"', '"ask"')
    post = notice.replace("PreToolUse", "PostToolUse")
    for harness in ("claude", "codex"):
        assert _wire.render(harness, "pre-tool-use", "allow") == ""
        assert _wire.render(harness, "pre-tool-use", "warn", a, u) == notice
        assert _wire.render(harness, "pre-tool-use", "block", a, u) == deny
        assert _wire.render(harness, "post-tool-use", "warn", a, u) == post
    assert _wire.render("claude", "pre-tool-use", "warn", a, u, warn_as="ask") == ask
    assert _wire.render("codex", "pre-tool-use", "warn", a, u, warn_as="ask") == notice
    for event in ("pre-tool-use", "before-shell-execution"):
        assert _wire.render("cursor", event, "allow") == '{"permission":"allow"}\n'
        assert _wire.render("cursor", event, "warn", a, u) == (
            '{"permission":"allow","user_message":"user","agent_message":"agent"}\n'
        )
        assert _wire.render("cursor", event, "warn", a, u, warn_as="ask") == (
            '{"permission":"ask","user_message":"user","agent_message":"agent"}\n'
        )
        assert _wire.render("cursor", event, "block", a, u) == (
            '{"permission":"deny","user_message":"user","agent_message":"agent"}\n'
        )
        assert _wire.render("cursor", event, "block", a, u, tool_kind="read") == (
            '{"permission":"allow"}\n'
        )
    assert _wire.render("cursor", "after-file-edit", "block", a, u) == "{}\n"


def test_bootstrap_embedded_answers_equal_wire() -> None:
    a, u = 'agent ✓ "q"', "⛔ user"
    for harness, events in (
        ("claude", ("pre-tool-use", "post-tool-use")),
        ("codex", ("pre-tool-use", "post-tool-use")),
        ("cursor", ("pre-tool-use", "before-shell-execution", "after-file-edit")),
    ):
        for event in events:
            for action in ("warn", "block"):
                wire_action = "warn" if event == "post-tool-use" else action
                expected = _wire.render(harness, event, wire_action, a, u)
                assert (
                    _bootstrap.render(harness, _wire.normalise_name(event), action, a, u)
                    == expected
                )
            assert _bootstrap._allow(harness, _wire.normalise_name(event)) == _wire.render(
                harness, event, "allow"
            )
    assert _bootstrap.UNIVERSAL_ANSWER == _wire.UNIVERSAL_ANSWER


def test_bootstrap_name_sets_equal_adapters() -> None:
    assert _bootstrap.SHELL_NAMES == _common.SHELL_NAMES
    assert _bootstrap.SHELL_HINTS == _common.SHELL_HINTS
    assert _bootstrap.EDIT_NAMES == _common.EDIT_NAMES
    assert set(_bootstrap.HARNESSES.items()) == set(_wire.HARNESS_ALIASES.items())


def test_combine_orders_and_merges() -> None:
    findings = [
        Finding("scope", "scope.outside-allowed-paths", "warn", "s", "", "a.txt"),
        Finding("protected", "protected.control", "block", "p", "", "x.json"),
        Finding("scope", "scope.outside-allowed-paths", "block", "s", "", "x.json"),
        Finding("destructive", "git-reset-hard", "block", "d", "", "git reset --hard"),
        Finding("hook", "hook.config-invalid", "warn", "c", "", "CLAUDE.md"),
        Finding("x", "y", "allow", "a", "", "z"),
    ]
    action, shown = combine(findings)
    assert action == "block"
    assert [(f.rule_id, f.action) for f in shown] == [
        ("git-reset-hard", "block"),
        ("protected.control, scope.outside-allowed-paths", "block"),
        ("hook.config-invalid", "warn"),
        ("scope.outside-allowed-paths", "warn"),
    ]
    assert combine([Finding("x", "y", "allow", "a")]) == ("allow", [])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_decode_never_crashes(raw: bytes) -> None:
    try:
        value = _wire.decode_payload(raw)
    except _wire.PayloadError as exc:
        assert exc.rule_id.startswith("internal.payload-")
    else:
        assert value is None or isinstance(value, dict)


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=300),
    st.sampled_from(["warn", "block"]),
    st.sampled_from(["claude", "codex", "cursor"]),
)
def test_rendered_answer_is_one_json_line(summary: str, action: str, harness: str) -> None:
    finding = Finding("scope", "rule", action, _wire.sanitise(summary))
    text = _wire.render(
        harness, "pre-tool-use", action, _wire.agent_text([finding]), _wire.user_line([finding])
    )
    assert text.endswith("\n") and text.count("\n") == 1
    assert isinstance(json.loads(text), dict)


def test_policy_texts_are_sanitised_in_both_channels() -> None:
    """Summaries and suggestions quote agent input; controls and bidi overrides never pass."""
    raw = Finding(
        "protected",
        "protected.git",
        "block",
        "`.git/x\u202e\x1b[31m\x85y` is protected.\nsecond line\tkept",
        "do not write `\u2066x`",
        ".git/x",
    )
    agent = _wire.agent_text([raw])
    assert agent == (
        "sessionkit blocked this call.\n"
        "[protected.git] `.git/x\\u{202E}\\u{001B}[31m\\u{0085}y` is protected.\n"
        "second line\tkept Instead: do not write `\\u{2066}x`"
    )
    assert _wire.user_line([raw]) == (
        "⛔ sessionkit: [protected.git] `.git/x\\u{202E}\\u{001B}[31m\\u{0085}y` is protected. "
        "second line\tkept"
    )
    clean = Finding("scope", "r", "warn", "plain `a.txt` text.", "ask")
    assert _wire.agent_text([clean]) == (
        "sessionkit warning (the call is allowed).\n[r] plain `a.txt` text. Instead: ask"
    )
