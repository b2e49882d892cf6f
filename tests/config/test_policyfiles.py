"""§12.3: the policy-file validator registry, with the owners' real validators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sessionkit.config import (
    Diagnostic,
    policyfiles,
    register_policy_validator,
    validate_policy_files,
)


@pytest.fixture
def registry() -> Iterator[None]:
    saved = policyfiles.registered()
    yield
    policyfiles._REGISTRY.clear()
    policyfiles._REGISTRY.update(saved)


def test_no_policy_directory(tmp_path: Path) -> None:
    assert validate_policy_files(tmp_path) == ()


def test_owner_validators_and_unvalidated_files(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        {
            ".orchestrator/policy/guard.yaml": "rules: {}\n",
            ".orchestrator/policy/quality-gates.json": '{"variants": 3}',
            ".orchestrator/policy/notes.json": "{}",
        }
    )
    found = validate_policy_files(repo)
    by_file = {d.file: d for d in found}
    assert by_file[".orchestrator/policy/guard.yaml"].rule.startswith("guard.")
    assert by_file[".orchestrator/policy/quality-gates.json"].rule.startswith("gates.")
    notes = by_file[".orchestrator/policy/notes.json"]
    assert (notes.rule, notes.severity) == ("config.policy-unvalidated", "info")


def test_valid_files_give_no_problem(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({".orchestrator/policy/guard.yaml": "version: 1\n"})
    assert validate_policy_files(repo) == ()


def test_registration_and_problem_shapes(tmp_path: Path, registry: None) -> None:
    folder = tmp_path / ".orchestrator" / "policy"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text("{}")
    (folder / "b.json").write_text("{}")
    (folder / "c.json").write_text("{}")

    def shapes(root: str) -> list[object]:
        assert root == str(tmp_path)
        return [
            Diagnostic("team.x", "warning", "as a diagnostic"),
            {"code": "bad-key", "message": "as a mapping", "line": 3},
            ("bad-value", "as a tuple", ".orchestrator/policy/a.json", 4, "/x"),
        ]

    def broken(root: str) -> list[object]:
        raise RuntimeError("validator bug")

    register_policy_validator("a.json", shapes, prefix="team")
    register_policy_validator("b.json", shapes, prefix="team")  # same validator: runs once
    register_policy_validator("c.json", broken)
    found = validate_policy_files(tmp_path)
    rules = sorted((d.rule, d.line) for d in found)
    assert rules == [
        ("config.internal", None),
        ("team.bad-key", 3),
        ("team.bad-value", 4),
        ("team.x", None),
    ]
    with pytest.raises(ValueError):
        register_policy_validator("../x.json", shapes)


def test_string_validators_import_lazily(tmp_path: Path, registry: None) -> None:
    folder = tmp_path / ".orchestrator" / "policy"
    folder.mkdir(parents=True)
    (folder / "z.json").write_text("{}")
    # the gates' validator checks only quality-gates.json, absent here: no problem
    register_policy_validator("z.json", "sessionkit.gates.policyfile:validate_policy_file")
    assert validate_policy_files(tmp_path) == ()
    register_policy_validator("z.json", "sessionkit.no_such_module:f")
    assert [d.rule for d in validate_policy_files(tmp_path)] == ["config.internal"]
