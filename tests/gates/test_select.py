"""Change sets from real git repositories, base resolution, ref validation, test selection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.gates.errors import GateEnvironmentError, GateUsageError
from sessionkit.gates.select import ChangeSet, change_set, given_files, select_tests, validate_ref
from tests.gates.conftest import git


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(
        files={"src/a.py": "a\n", "src/b.py": "b\n", "tests/test_a.py": "t\n", "old.txt": "o\n"}
    )


def test_staged_changes_with_rename_and_deletion(repo: Path) -> None:
    git(repo, "mv", "old.txt", "new name ü.txt")
    git(repo, "rm", "-q", "src/b.py")
    (repo / "src" / "a.py").write_text("changed\n")
    git(repo, "add", "src/a.py")
    (repo / "tests" / "test_a.py").write_text("unstaged\n")
    changes = change_set(str(repo), staged=True, base=None, committed_only=False, environ={})
    assert changes.mode == "staged"
    assert changes.changed == ("new name ü.txt", "src/a.py")
    assert changes.renamed == (("old.txt", "new name ü.txt"),)
    assert changes.deleted == ("src/b.py",)


def test_base_ref_against_worktree_includes_untracked(repo: Path) -> None:
    git(repo, "checkout", "-qb", "feature")
    (repo / "src" / "a.py").write_text("committed\n")
    git(repo, "commit", "-qam", "c")
    (repo / "tests" / "test_a.py").write_text("dirty\n")
    (repo / "with\nnewline.py").write_text("x\n")
    changes = change_set(str(repo), staged=False, base="main", committed_only=False, environ={})
    assert changes.base_source == "cli" and changes.base_ref == "main"
    assert changes.base_commit == git(repo, "rev-parse", "main").strip()
    assert changes.changed == ("src/a.py", "tests/test_a.py", "with\nnewline.py")
    committed = change_set(str(repo), staged=False, base="main", committed_only=True, environ={})
    assert committed.changed == ("src/a.py",)


def test_env_base_and_no_base(repo: Path) -> None:
    changes = change_set(
        str(repo),
        staged=False,
        base=None,
        committed_only=False,
        environ={"SESSIONKIT_BASE_REF": "HEAD"},
    )
    assert changes.base_source == "env"
    none = change_set(str(repo), staged=False, base=None, committed_only=False, environ={})
    assert none.base_source == "none" and none.base_commit is None and not none.has_base


def test_gitlab_ci_base(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    changes = change_set(
        str(repo),
        staged=False,
        base="auto",
        committed_only=False,
        environ={"CI_COMMIT_BEFORE_SHA": "0" * 40, "CI_MERGE_REQUEST_DIFF_BASE_SHA": head},
    )
    assert changes.base_source == "ci-gitlab-mr" and changes.base_commit == head


@pytest.mark.parametrize("ref", ["", "-x", "a b", "main\n", "--output=x"])
def test_invalid_refs_are_usage_errors(ref: str) -> None:
    with pytest.raises(GateUsageError):
        validate_ref(ref)


def test_unknown_ref_is_environment_error(repo: Path) -> None:
    with pytest.raises(GateEnvironmentError) as info:
        change_set(str(repo), staged=False, base="origin/nope", committed_only=False, environ={})
    assert "fetch-depth: 0" in (info.value.hint or "")


def test_given_files(repo: Path) -> None:
    changes = given_files(str(repo), ["src/a.py", "gone.py"], str(repo))
    assert changes.changed == ("src/a.py",) and changes.deleted == ("gone.py",)
    with pytest.raises(GateUsageError):
        given_files(str(repo), ["../outside.py"], str(repo))


TRACKED = [
    "src/a.js",
    "src/b.js",
    "tests/a.test.js",
    "tests/b.test.js",
    "src/util.py",
    "tests/test_util.py",
    "src/__tests__/b.js",
]


def test_selection_tests_and_related() -> None:
    chosen = select_tests(
        ["src/a.js", "tests/b.test.js"], TRACKED, check_languages=["javascript"], selection={}
    )
    assert chosen.files == ("tests/a.test.js", "tests/b.test.js")
    chosen = select_tests(["src/util.py"], TRACKED, check_languages=["python"], selection={})
    assert chosen.files == ("tests/test_util.py",)


def test_selection_filters_non_tests_and_triggers() -> None:
    chosen = select_tests(
        ["src/a.js", "tests/a.test.js"], TRACKED, check_languages=["javascript"], selection={}
    )
    assert chosen.files == ("tests/a.test.js",)
    chosen = select_tests(
        ["pkg/conftest.py", "src/util.py"], TRACKED, check_languages=["python"], selection={}
    )
    assert chosen.files is None and chosen.reason == "trigger:pkg/conftest.py"


def test_selection_none_and_too_many() -> None:
    chosen = select_tests(
        ["src/c.js", "src/d.js"], TRACKED, check_languages=["javascript"], selection={}
    )
    assert chosen.files == () and chosen.reason == "no-selected-tests"
    full = select_tests(
        ["src/c.js"], TRACKED, check_languages=["javascript"], selection={"on_no_tests": "full"}
    )
    assert full.files is None
    many = [f"tests/t{n}.test.js" for n in range(5)]
    assert (
        select_tests(many, many, check_languages=["javascript"], selection={"max_files": 3}).reason
        == "too-many-files"
    )


def _state(repo: Path, status: str, start_ref: str) -> None:
    path = repo / ".claude" / "STATE.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "---\nschema-version: 1\nsession: main-2026-11-24-feature-1\n"
        f"status: {status}\nsession-start-ref: {start_ref}\n---\n\n## Wave History\n"
    )


def test_session_start_ref_is_the_base_after_ci_and_before_upstream(repo: Path) -> None:
    """gates.md §4.2 step 4: the active session's start ref, merged with HEAD."""
    (repo / ".gitignore").write_text(".claude/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore state")
    start = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "branch", "upstream-base", "HEAD~1")
    git(repo, "branch", "--set-upstream-to", "upstream-base")
    (repo / "src" / "a.py").write_text("in the session\n")
    git(repo, "commit", "-qam", "session work")
    (repo / "src" / "b.py").write_text("uncommitted\n")

    def auto(environ: dict[str, str]) -> ChangeSet:
        return change_set(str(repo), staged=False, base=None, committed_only=False, environ=environ)

    # no session yet: the local upstream row
    assert auto({}).base_source == "upstream"
    _state(repo, "active", start[:12])
    changes = auto({})
    assert changes.base_source == "session"
    assert changes.base_ref == start[:12]
    assert changes.base_commit == start
    assert changes.changed == ("src/a.py", "src/b.py")
    _state(repo, "paused", start)
    assert auto({}).base_source == "session"
    # the explicit and CI rows win over the session
    assert auto({"SESSIONKIT_BASE_REF": "HEAD"}).base_source == "env"
    ci = auto({"CI_MERGE_REQUEST_DIFF_BASE_SHA": start})
    assert ci.base_source == "ci-gitlab-mr"
    # a finished session, or a start ref that is not in the clone, falls through
    _state(repo, "completed", start)
    assert auto({}).base_source == "upstream"
    _state(repo, "active", "0123456789abcdef0123456789abcdef01234567")
    assert auto({}).base_source == "upstream"
    git(repo, "branch", "--unset-upstream")
    assert auto({}).base_source == "none"
