"""schemas/hook-cache.schema.json describes the hook cache the console script really writes
(agent-hooks.md §13.3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sessionkit import schemas
from tests.agents.conftest import claude, clean_env, run_hook

SCOPE = {"wave": 1, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/", "docs/**"]}
VALID = (
    "# Project\n\n## Session Config\n\n"
    "hooks:\n  warn-as: notice\n"
    "protected-paths:\n  add:\n    - id: secrets\n      patterns: ['secrets/**']\n"
    "config-protection:\n  mode: strict\n"
)
INVALID = "# Project\n\n## Session Config\n\nhooks:\n  warn-as: [not, a, mode]\n"


def _edit(repo: Path, path: str) -> dict[str, Any]:
    return claude(repo, "Edit", {"file_path": path, "old_string": "x", "new_string": "y"})


def _cache(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (repo / ".git" / "sessionkit" / "hook-cache.json").read_text()
    )
    return data


@pytest.fixture
def validator() -> Any:
    return schemas.validator("hook-cache")


def test_cache_written_with_a_valid_config_and_a_scope_validates(
    make_repo: Any, validator: Any
) -> None:
    repo: Path = make_repo({"CLAUDE.md": VALID, "src/app.py": "x = 1\n"})
    (repo / ".claude").mkdir()
    (repo / ".claude" / "wave-scope.json").write_text(json.dumps(SCOPE))
    result = run_hook(["claude", "pre-tool-use"], _edit(repo, "README.md"), cwd=repo)
    assert "[scope.outside-allowed-paths]" in result.stdout
    doc = _cache(repo)
    validator.validate(doc)
    # What the schema describes is what was written: the parts this test relies on are there.
    assert doc["config_status"] == "valid"
    assert doc["root"] == str(repo)
    assert [s["path"] for s in doc["sources"] if s["exists"]] == ["CLAUDE.md"]
    assert doc["config"]["protected-paths"]["add"][0]["id"] == "secrets"
    assert doc["last_valid_config"]["config"] == doc["config"]
    entries = [item["entries"] for item in doc["scope_patterns"].values()]
    assert ["src/", "docs/**"] in entries


def test_cache_written_with_an_invalid_config_validates(make_repo: Any, validator: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": INVALID, "src/app.py": "x = 1\n"})
    result = run_hook(["claude", "pre-tool-use"], _edit(repo, "src/app.py"), cwd=repo)
    assert "[hook.config-invalid]" in result.stdout
    doc = _cache(repo)
    validator.validate(doc)
    assert doc["config_status"] == "invalid"
    assert doc["diagnostics"] and doc["diagnostics"][0]["file"] == "CLAUDE.md"
    assert "last_valid_config" not in doc  # there never was a valid one


def test_last_valid_config_is_kept_across_an_invalid_edit(make_repo: Any, validator: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": VALID, "src/app.py": "x = 1\n"})
    run_hook(["claude", "pre-tool-use"], _edit(repo, "src/app.py"), cwd=repo)
    first = _cache(repo)
    (repo / "CLAUDE.md").write_text(INVALID)
    run_hook(["claude", "pre-tool-use"], _edit(repo, "src/app.py"), cwd=repo)
    doc = _cache(repo)
    validator.validate(doc)
    assert doc["config_status"] == "invalid"
    assert doc["last_valid_config"] == first["last_valid_config"]


def test_cache_outside_a_git_repository_validates(tmp_path: Path, validator: Any) -> None:
    work = tmp_path / "plain"
    work.mkdir()
    (work / "CLAUDE.md").write_text(VALID)
    xdg = tmp_path / "xdg"
    env = clean_env(XDG_CACHE_HOME=str(xdg))
    run_hook(["claude", "pre-tool-use"], _edit(work, "notes.txt"), cwd=work, env=env)
    files = list((xdg / "sessionkit" / "hook-cache").glob("*.json"))
    assert len(files) == 1 and len(files[0].stem) == 16
    validator.validate(json.loads(files[0].read_text()))


def test_schema_rejects_documents_the_hook_would_not_accept(make_repo: Any, validator: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": VALID})
    run_hook(["claude", "pre-tool-use"], _edit(repo, "src/app.py"), cwd=repo)
    good = _cache(repo)
    broken: list[dict[str, Any]] = []
    for mutate in (
        lambda d: d.pop("format"),
        lambda d: d.update(format=2),
        lambda d: d.update(python="3"),
        lambda d: d["sources"].append({"path": "AGENTS.md", "exists": True}),
        lambda d: d.update(config_status="stale"),
        lambda d: d["config"]["hooks"].update({"fail-mode": "sometimes"}),
        lambda d: d.update(scope_patterns={"not-a-digest": {"entries": [], "compiled": []}}),
        lambda d: d.update(extra=True),
    ):
        doc = copy.deepcopy(good)
        mutate(doc)
        broken.append(doc)
    for doc in broken:
        assert not validator.is_valid(doc), doc
