"""Auto-detection and resolution order (spec §3.1, §3.4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sessionkit.gates.detect import detect
from sessionkit.gates.resolve import resolve
from tests.gates.conftest import write_policy

PYPROJECT = """
[tool.pytest.ini_options]
[tool.mypy]
strict = true
[tool.ruff]
"""


def test_python_detection_with_src_layout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    found = detect(str(tmp_path), ["src/pkg/__init__.py", "tests/test_a.py"])
    by_kind = {d.kind: d for d in found.checks}
    assert by_kind["test"].argv[0].endswith("pytest")
    assert by_kind["typecheck"].argv[1:] == ("src",)
    assert by_kind["lint"].argv[1:] == ("check", "--no-fix", "--output-format=json", ".")
    assert (
        by_kind["test"].reason
        == "auto:python/pytest because [tool.pytest.ini_options] in pyproject.toml"
    )


def test_mypy_without_targets_warns(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[mypy]\nstrict = True\n")
    found = detect(str(tmp_path), ["script.py"])
    assert not [d for d in found.checks if d.kind == "typecheck"]
    assert any("no targets" in w for w in found.warnings)


def test_pytest_from_test_files_and_packages_for_mypy(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("")
    (tmp_path / "mypy.ini").write_text("[mypy]\n")
    found = detect(str(tmp_path), ["app/__init__.py", "app/x.py", "lib/__init__.py", "t/x_test.py"])
    by_kind = {d.kind: d for d in found.checks}
    assert by_kind["typecheck"].argv[1:] == ("app", "lib")
    assert "test file t/x_test.py" in by_kind["test"].reason


def test_node_detection(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        json.dumps({"scripts": {"test": "vitest run", "typecheck": "tsc", "lint": "eslint ."}})
    )
    (tmp_path / "pnpm-lock.yaml").write_text("")
    found = detect(str(tmp_path), [])
    assert [(d.kind, d.argv) for d in found.checks] == [
        ("test", ("pnpm", "test")),
        ("typecheck", ("pnpm", "run", "typecheck")),
        ("lint", ("pnpm", "run", "lint")),
    ]


def test_npm_placeholder_is_not_a_test(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        json.dumps({"scripts": {"test": 'echo "Error: no test specified" && exit 1'}})
    )
    assert detect(str(tmp_path), []).checks == ()


def test_mixed_projects_get_suffixes(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(
        files={
            "pyproject.toml": PYPROJECT,
            "package.json": json.dumps({"scripts": {"test": "jest"}}),
            "src/a.py": "",
        }
    )
    names = [c.name for c in resolve(str(repo), ["src/a.py"]).checks]
    assert sorted(names) == ["lint", "test-js", "test-py", "typecheck"]


def test_policy_v1_wins_and_opt_out(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"pyproject.toml": PYPROJECT})
    write_policy(
        repo,
        {
            "version": 1,
            "commands": {
                "test": {"command": "bin/t", "required": True},
                "typecheck": {"command": "skip", "required": False},
                "lint": {"command": "skip", "required": False},
            },
        },
    )
    resolution = resolve(str(repo), [])
    assert [(c.name, c.source, c.command, c.opt_out) for c in resolution.checks] == [
        ("test", "policy", "bin/t", False),
        ("typecheck", "policy", "skip", True),
        ("lint", "policy", "skip", True),
    ]
    assert resolution.config["uncommitted"] == [".orchestrator/policy/quality-gates.json"]


def test_v2_partial_falls_through_to_detection(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"pyproject.toml": PYPROJECT, "src/a.py": ""})
    write_policy(
        repo,
        {
            "version": 2,
            "commands": {
                "lint": {"command": ["ruff", "check"]},
                "docs": {"kind": "other", "command": "make docs"},
            },
        },
    )
    checks = {c.name: c for c in resolve(str(repo), ["src/a.py"]).checks}
    assert checks["lint"].source == "policy" and checks["lint"].command == ("ruff", "check")
    assert checks["docs"].kind == "other"
    assert checks["test"].source == "auto" and checks["typecheck"].source == "auto"


def test_a_fallen_through_check_never_takes_a_policy_name(
    make_repo: Callable[..., Path],
) -> None:
    """Audit round 3 D1: check names are unique; the policy's name wins, with a warning."""
    repo = make_repo(
        files={
            "pyproject.toml": PYPROJECT,
            "src/a.py": "",
            "package.json": json.dumps({"scripts": {"test": "vitest"}}),
        }
    )
    write_policy(
        repo,
        {
            "version": 2,
            "commands": {
                "lint": {"command": "./x.sh", "kind": "typecheck"},
                "test-py": {"command": "make t", "kind": "other"},
            },
        },
    )
    resolution = resolve(str(repo), ["src/a.py"])
    names = [c.name for c in resolution.checks]
    assert len(names) == len(set(names))
    by_name = {c.name: c for c in resolution.checks}
    assert (by_name["lint"].kind, by_name["lint"].source) == ("typecheck", "policy")
    assert (by_name["lint-auto"].kind, by_name["lint-auto"].source) == ("lint", "auto")
    assert (by_name["test-py"].kind, by_name["test-py"].source) == ("other", "policy")
    assert by_name["test-py-auto"].source_ref == "auto:python/pytest"
    assert by_name["test-js"].source == "auto"
    renamed = {w.check: w for w in resolution.warnings if w.code == "renamed-check"}
    assert set(renamed) == {"lint-auto", "test-py-auto"}
    assert renamed["lint-auto"].file == ".orchestrator/policy/quality-gates.json"
    assert renamed["lint-auto"].line is not None
    assert "is named lint-auto" in renamed["lint-auto"].message


def test_a_session_config_or_unconfigured_kind_is_renamed_too(
    make_repo: Callable[..., Path],
) -> None:
    repo = make_repo(files={"CLAUDE.md": SESSION})
    write_policy(
        repo,
        {
            "version": 2,
            "defaults": {"auto_detect": False},
            "commands": {
                "test": {"command": "ls", "kind": "lint"},
                "typecheck": {"command": "ls", "kind": "other"},
                "typecheck-not-configured": {"command": "ls", "kind": "other"},
            },
        },
    )
    checks = {c.name: c for c in resolve(str(repo), []).checks}
    assert (checks["test"].kind, checks["test"].source) == ("lint", "policy")
    assert checks["test-session-config"].source == "session-config"
    assert checks["test-session-config"].kind == "test"
    assert checks["typecheck-not-configured-2"].source == "none"
    assert len(checks) == 5


def test_auto_detect_off_gives_not_configured(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"pyproject.toml": PYPROJECT})
    write_policy(repo, {"version": 2, "defaults": {"auto_detect": False}})
    assert {c.name: c.source for c in resolve(str(repo), []).checks} == {
        "test": "none",
        "typecheck": "none",
        "lint": "none",
    }


SESSION = "# Project\n\n## Session Config\n\ntest-command: ls -la\nlint-command: skip\n"


def test_session_config_keys_with_their_lines(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"CLAUDE.md": SESSION, "pyproject.toml": PYPROJECT, "src/a.py": ""})
    resolution = resolve(str(repo), ["src/a.py"])
    checks = {c.name: c for c in resolution.checks}
    assert (checks["test"].source, checks["test"].source_ref, checks["test"].command) == (
        "session-config",
        "CLAUDE.md:5",
        "ls -la",
    )
    assert checks["lint"].opt_out and checks["lint"].source_ref == "CLAUDE.md:6"
    assert checks["typecheck"].source == "auto"  # unset falls through to detection
    assert resolution.config["sources"] == ["session-config", "auto"]
    assert resolution.config["uncommitted"] == []
    (repo / "CLAUDE.md").write_text(SESSION.replace("ls -la", "ls"))
    assert resolve(str(repo), []).config["uncommitted"] == ["CLAUDE.md"]


def test_v1_policy_shadows_session_config(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(files={"CLAUDE.md": SESSION})
    write_policy(
        repo,
        {
            "version": 1,
            "commands": {
                "test": {"command": "bin/t", "required": True},
                "typecheck": {"command": "skip", "required": False},
                "lint": {"command": "skip", "required": False},
            },
        },
    )
    resolution = resolve(str(repo), [])
    assert resolution.config["shadowed"] == ["test-command", "lint-command"]
    assert {c.source for c in resolution.checks} == {"policy"}
