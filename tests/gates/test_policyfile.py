"""The policy file (spec §3.2): both versions, strict JSON, diagnostics with lines/pointers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionkit.gates.errors import GateConfigError, GateEnvironmentError
from sessionkit.gates.policyfile import load_policy, validate_policy_file, validate_text

V1 = {
    "version": 1,
    "rationale": "x",
    "commands": {
        "test": {
            "command": "npm test",
            "required": True,
            "variants": {"incremental": "npm test --", "watch": "x"},
        },
        "typecheck": {"command": "skip", "required": False},
        "lint": {"command": "npm run lint", "required": True},
    },
}


def write(root: Path, text: str) -> None:
    path = root / ".orchestrator" / "policy" / "quality-gates.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_v1_accepted_and_unknown_variants_listed(tmp_path: Path) -> None:
    write(tmp_path, json.dumps(V1))
    policy = load_policy(str(tmp_path))
    assert policy.version == 1 and list(policy.commands) == ["test", "typecheck", "lint"]
    assert policy.unused_variants == ("test.watch",)


def test_missing_file_is_not_an_error(tmp_path: Path) -> None:
    assert load_policy(str(tmp_path)).version is None
    assert validate_policy_file(str(tmp_path)) == []


def test_unsupported_version_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, '{"version": 3, "commands": {}}')
    with pytest.raises(GateConfigError) as info:
        load_policy(str(tmp_path))
    assert info.value.diagnostics[0][4] == "/version"
    assert info.value.exit_code == 1


def test_empty_command_names_the_pointer_and_line(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(V1))
    doc["commands"]["lint"]["command"] = ""
    text = json.dumps(doc, indent=2)
    write(tmp_path, text)
    problems = validate_policy_file(str(tmp_path))
    assert [p[4] for p in problems] == ["/commands/lint/command"]
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if '"lint"' in line) + 1
    assert problems[0][3] == expected_line


def test_duplicate_keys_and_parse_errors(tmp_path: Path) -> None:
    _, problems = validate_text('{"version": 2, "version": 2}')
    assert problems[0][0] == "duplicate-key"
    # the duplicate is located, not the first (valid) occurrence; a key repeated in another
    # object ("command") and inside a string value is not a duplicate
    text = (
        '{\n  "version": 2,\n  "commands": {\n    "lint": {"command": "a \\"lint\\": x"},\n'
        '    "test": {"command": "b"},\n    "lint": {"command": "d"}\n  }\n}\n'
    )
    _, problems = validate_text(text)
    assert problems[0][0] == "duplicate-key" and problems[0][3] == 6
    assert "'lint' at column 5" in problems[0][1]
    _, problems = validate_text('{"version": 2,\n  "commands": }')
    assert problems[0][0] == "parse-error" and problems[0][3] == 2


def test_v2_unknown_key_timeout_and_kind(tmp_path: Path) -> None:
    problems = validate_text('{"version": 2, "defualts": {}}')[1]
    assert problems[0][4] == "" and "defualts" in problems[0][1]
    problems = validate_text(
        '{"version": 2, "commands": {"test": {"command": "x", "timeout_s": "15m"}}}'
    )[1]
    assert problems[0][4] == "/commands/test/timeout_s"
    problems = validate_text('{"version": 2, "commands": {"pyright": {"command": "pyright"}}}')[1]
    assert "'kind' is required" in problems[0][1]
    problems = validate_text(
        '{"version": 2, "commands": {"x": {"kind": "other", "command": "y", "cwd": "../out"}}}'
    )[1]
    assert problems[0][4] == "/commands/x/cwd"


def test_v2_defaults_merge(tmp_path: Path) -> None:
    write(
        tmp_path,
        json.dumps({"version": 2, "defaults": {"timeout_s": 60, "fail_on": {"full-gate": "new"}}}),
    )
    policy = load_policy(str(tmp_path))
    assert policy.defaults["timeout_s"] == 60 and policy.defaults["kill_grace_s"] == 10
    assert policy.defaults["fail_on"] == {
        "baseline": "never",
        "incremental": "new",
        "per-file": "new",
        "full-gate": "new",
    }


def test_unreadable_file_is_environment_and_bad_encoding_is_config(tmp_path: Path) -> None:
    write(tmp_path, "{}")
    policy = tmp_path / ".orchestrator" / "policy" / "quality-gates.json"
    policy.write_bytes(b"\xff\xfe{")
    with pytest.raises(GateConfigError, match=r"quality-gates.json:1: not UTF-8 \(byte 0xff\)"):
        load_policy(str(tmp_path))
    policy.unlink()
    policy.mkdir()  # exists but cannot be read as a file (permissions do not stop root)
    with pytest.raises(GateEnvironmentError):
        load_policy(str(tmp_path))


def test_cwd_through_a_symlink_out_of_the_root_is_a_config_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "out").symlink_to(tmp_path)
    (root / "in").symlink_to(root / "sub")
    text = json.dumps(
        {"version": 2, "commands": {"lint": {"command": "x", "cwd": "out"}}}, indent=2
    )
    write(root, text)
    with pytest.raises(GateConfigError) as info:
        load_policy(str(root))
    problem = info.value.diagnostics[0]
    assert problem[4] == "/commands/lint/cwd" and "inside the project root" in problem[1]
    assert problem[3] == next(i for i, line in enumerate(text.splitlines(), 1) if '"cwd"' in line)
    assert validate_policy_file(str(root))[0][4] == "/commands/lint/cwd"
    # a symlink that stays inside the project is fine
    write(root, json.dumps({"version": 2, "commands": {"lint": {"command": "x", "cwd": "in"}}}))
    assert load_policy(str(root)).commands["lint"]["cwd"] == "in"
    assert validate_policy_file(str(root)) == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_not_json(constant: str) -> None:
    text = '{"version": 2,\n "rationale": "NaN Infinity",\n "defaults": {"timeout_s": ' + constant
    text += "}}"
    doc, problems = validate_text(text)
    assert doc is None
    assert problems[0][0] == "parse-error" and problems[0][3] == 3
    assert problems[0][1].startswith(f"{constant} is not JSON")


def test_unknown_key_is_located_at_the_key_with_a_fix() -> None:
    problems = validate_text('{"version": 2,\n  "comands": {"lint": {"command": "x"}}}')[1]
    assert problems[0][3] == 2 and problems[0][4] == ""
    assert "unknown key 'comands'; did you mean 'commands'?" in problems[0][1]
    problems = validate_text('{"version": 2,\n  "zzz": 1}')[1]
    assert problems[0][3] == 2 and "remove it, or use one of: version," in problems[0][1]
    problems = validate_text(
        '{"version": 2, "commands": {"lint": {"command": "x",\n  "tmeout_s": 5}}}'
    )[1]
    assert problems[0][3] == 2 and problems[0][4] == "/commands/lint"
    assert "did you mean 'timeout_s'?" in problems[0][1]
