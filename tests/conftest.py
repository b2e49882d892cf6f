"""Shared fixtures: an isolated git environment and real repositories in tmp dirs."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

# Wall-clock deadlines make property tests flaky on a loaded 2-core runner; the tests that
# bound time do it themselves, explicitly (e.g. tests/policy/test_shell_fuzz.py).
settings.register_profile("sessionkit", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sessionkit")


def pytest_addoption(parser: pytest.Parser) -> None:
    # Here, not in tests/agents/conftest.py: options must come from an initial conftest.
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/agents/golden/ from the installed sessionkit-hook (review the diff)",
    )


@pytest.fixture(autouse=True, scope="session")
def git_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A private global git config, so a developer's hooks path or signing cannot leak in."""
    home = tmp_path_factory.mktemp("git-home")
    config = home / "gitconfig"
    config.write_text(
        "[user]\n\tname = sessionkit tests\n\temail = tests@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n"
        "[advice]\n\tdetachedHead = false\n"
    )
    saved = {k: os.environ.get(k) for k in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")}
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    for var in ("SESSIONKIT_CONFIG_FILE", "SO_CONFIG_FILE", "GIT_DIR", "GIT_INDEX_FILE"):
        os.environ.pop(var, None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return stdout; fails the test on a non-zero exit."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """``make_repo(files={path: text}, commit=True, name="repo")`` -> a real git repository."""

    def factory(
        files: dict[str, str | bytes] | None = None, *, commit: bool = True, name: str = "repo"
    ) -> Path:
        repo = tmp_path / name
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q")
        for rel, content in (files or {}).items():
            path = repo / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        if commit:
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
        return repo

    return factory


def clients() -> dict[str, dict[str, str | None]]:
    """What ``make clients`` recorded in ``.tools/clients.json`` (empty when it has not run)."""
    path = ROOT / ".tools" / "clients.json"
    if not path.exists():
        return {}
    data: dict[str, dict[str, str | None]] = json.loads(path.read_text())
    return data


def require_client(name: str) -> str:
    """Path of test client ``name``; skips with the reason, or fails under CI=true."""
    info = clients().get(name)
    if info and info.get("status") == "installed" and info.get("path"):
        return str(info["path"])
    reason = (info or {}).get("reason") or "not installed (run `make clients`)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} unavailable under CI: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")
