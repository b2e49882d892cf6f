"""§2: root discovery, git dirs, candidates and safe reading."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.config._fast import find_root
from sessionkit.config.resolve import read_candidate, rel_path, resolve

H = "## Session Config\n\n"


def test_root_is_the_nearest_git_entry(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": H, "a/b/c.txt": "x"})
    loc = find_root(str(repo / "a" / "b"))
    assert loc.root == str(repo.resolve())
    assert loc.git_dir == str(repo.resolve() / ".git")
    assert loc.common_dir == loc.git_dir
    assert loc.explicit is None
    assert (
        loc.root
        == subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=repo / "a", capture_output=True, text=True
        ).stdout.strip()
    )


def test_explicit_file_names_the_host(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"docs/cfg.md": H})
    loc = find_root(str(repo / "docs" / "cfg.md"))
    assert loc.explicit == str((repo / "docs" / "cfg.md").resolve())
    assert loc.root == str(repo.resolve())


def test_git_file_of_a_linked_worktree_and_commondir(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"CLAUDE.md": H})
    subprocess.run(["git", "worktree", "add", "-q", str(tmp_path / "wt")], cwd=repo, check=True)
    loc = find_root(str(tmp_path / "wt"))
    assert loc.root == str((tmp_path / "wt").resolve())
    assert loc.git_dir == str(repo.resolve() / ".git" / "worktrees" / "wt")
    assert loc.common_dir == str(repo.resolve() / ".git")


def test_symlinked_start_is_resolved(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    repo = make_repo({"CLAUDE.md": H, "sub/x": "y"})
    os.symlink(repo / "sub", tmp_path / "link")
    assert find_root(str(tmp_path / "link")).root == str(repo.resolve())


def test_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "p" / "q").mkdir(parents=True)
    (tmp_path / "p" / "AGENTS.md").write_text(H)
    loc = find_root(str(tmp_path / "p" / "q"))
    assert (loc.root, loc.git_dir) == (str((tmp_path / "p").resolve()), None)
    bare = tmp_path / "bare"
    bare.mkdir()
    assert find_root(str(bare)).root == str(bare.resolve())


def test_candidates_are_always_both_files(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": H + "waves: 4\n"})
    res = resolve(str(repo), None, {})
    assert [c.path for c in res.candidates] == ["CLAUDE.md", "AGENTS.md"]
    claude, agents = res.candidates
    assert claude.record["used"] is True and claude.record["exists"] is True
    assert set(claude.record) >= {"path", "role", "exists", "mtime_ns", "size", "ino", "used"}
    assert agents.record == {"path": "AGENTS.md", "role": "agents", "exists": False, "used": False}


def test_env_candidate_comes_first(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"cfg/x.md": H + "waves: 4\n", "CLAUDE.md": H + "waves: 5\n"})
    res = resolve(str(repo), None, {"SESSIONKIT_CONFIG_FILE": "cfg/x.md"})
    assert [c.role for c in res.candidates] == ["env", "claude", "agents"]
    assert res.host is res.candidates[0]
    absolute = resolve(str(repo), None, {"SESSIONKIT_CONFIG_FILE": str(repo / "cfg" / "x.md")})
    assert absolute.host is not None and absolute.host.path == "cfg/x.md"


def test_dotdot_in_env_path_escaping_the_root(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": H})
    res = resolve(str(repo), None, {"SESSIONKIT_CONFIG_FILE": "sub/../../x.md"})
    assert [d.rule for d in res.diagnostics] == ["config.outside-repo"]
    assert res.host is None or res.host.role != "env"
    # The diagnostic names the value as written, never the joined absolute path (§11.4).
    assert res.diagnostics[0].file == "sub/../../x.md"
    assert res.diagnostics[0].value == "sub/../../x.md"


def test_absolute_env_path_outside_the_root_is_not_a_file_name(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo({"CLAUDE.md": H})
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text(H + "waves: 9\n")
    res = resolve(str(repo), None, {"SESSIONKIT_CONFIG_FILE": str(elsewhere)})
    (diag,) = res.diagnostics
    assert diag.rule == "config.outside-repo"
    assert diag.file is None
    assert str(elsewhere) in diag.message


def test_empty_claude_md_counts_as_no_section(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": "", "AGENTS.md": H + "waves: 8\n"})
    res = resolve(str(repo), None, {})
    assert res.host is not None and res.host.role == "agents"


def test_read_limits(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (8 * 1024 * 1024 + 1))
    cand = read_candidate(str(tmp_path), "explicit", str(big), confine=False)
    assert cand.data is None and [d.rule for d in cand.diagnostics] == ["config.file-too-large"]
    ok = tmp_path / "ok.md"
    ok.write_bytes(b"x" * (8 * 1024 * 1024))
    assert read_candidate(str(tmp_path), "explicit", str(ok)).data is not None


@pytest.mark.parametrize(
    ("root", "path", "expected"),
    [("/r", "/r/a/b.md", "a/b.md"), ("/r", "/other/x.md", "/other/x.md"), ("/r", "/r", ".")],
)
def test_rel_path(root: str, path: str, expected: str) -> None:
    assert rel_path(root, path) == expected


def test_a_fifo_in_place_of_git_files_never_blocks(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    os.mkfifo(proj / ".git")
    loc = find_root(str(proj))  # would block forever if the FIFO were opened for reading
    assert (loc.root, loc.git_dir) == (str(proj.resolve()), None)
