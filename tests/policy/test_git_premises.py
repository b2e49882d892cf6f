"""Differential checks against the installed git (guard.md §16.5, git items).

1. The option tables of ``analysers/git.py`` against the usage ``git SUB -h`` prints.
2. The premises the rules rest on, run for real in repositories with a local bare remote.
A premise that fails on a newer git means the rule must be revisited, never that the test
is weakened.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sessionkit.policy.analysers import git as git_analyser

# ---- option tables -------------------------------------------------------------------------

_OPTION_LINE = re.compile(r"^ {4}(-.*?)(?: {2,}|$)")


def _usage_options(repo: Path, sub: str) -> dict[str, str]:
    """Long option -> takes ('', '=', '=?') as listed by ``git SUB -h``."""
    proc = subprocess.run(
        ["git", *sub.split(), "-h"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 129, (sub, proc.returncode, proc.stderr[:200])
    found: dict[str, str] = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        match = _OPTION_LINE.match(line)
        if not match:
            continue
        for part in match.group(1).split(", "):
            long = re.match(r"^--(\[no-\])?([\w-]+)(\[=[^\]]*\])?(?:[ =](\S.*))?$", part.strip())
            if long:
                takes = "=?" if long.group(3) else ("=" if long.group(4) else "")
                found[long.group(2)] = takes
    return found


TABLES = [name for name in git_analyser.spec_names() if name != "filter-repo"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("premises") / "repo"
    _init(repo)
    return repo


def _submodule_usage(repo: Path, sub: str) -> dict[str, str]:
    """``git submodule`` (a script before git 2.40) prints one usage line per subcommand."""
    proc = subprocess.run(
        ["git", "submodule", "-h"], cwd=repo, capture_output=True, text=True, check=False
    )
    found: dict[str, str] = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        if f"] {sub} " not in line:
            continue
        for name, value in re.findall(r"--(?:\[no-\])?([a-z][\w-]*)(=<[^>]*>| <[^>]*>)?", line):
            found[name] = "=" if value else ""
    return found


@pytest.mark.parametrize("sub", TABLES)
def test_option_table_covers_git_usage(scratch: Path, sub: str) -> None:
    table = git_analyser.table(sub)
    if sub.startswith("submodule "):
        listed = _submodule_usage(scratch, sub.split()[1])
    else:
        # bare "git stash [options]" is "git stash push": its usage lists the options
        listed = _usage_options(scratch, "stash push" if sub == "stash" else sub)
    assert listed, f"git {sub} -h listed no options"
    problems = []
    for name, takes in listed.items():
        if name in table.longs:
            mine = table.longs[name]
        elif name.startswith("no-") and name[3:] in table.longs:
            continue  # a listed negation of an option we know
        elif "no-" + name in table.longs:
            continue  # "--[no-]verify" listed for our "no-verify"
        else:
            problems.append(f"--{name} missing")
            continue
        if mine != takes:
            problems.append(f"--{name}: table says {mine!r}, git says {takes!r}")
    assert problems == []


# ---- premises in real repositories ---------------------------------------------------------


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if check:
        assert proc.returncode == 0, (args, proc.stderr)
    return proc


def _init(repo: Path) -> Path:
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "app.py").write_text("v1\n")
    (repo / ".gitignore").write_text(".env\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "one")
    (repo / "app.py").write_text("v2\n")
    _git(repo, "commit", "-q", "-am", "two")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = _init(tmp_path / "repo")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    _git(repo, "remote", "add", "origin", str(remote))
    _git(repo, "push", "-q", "origin", "HEAD:refs/heads/main")
    _git(repo, "fetch", "-q", "origin")
    return repo


def test_clean_dry_run_wins_over_force(repo: Path) -> None:
    (repo / "new.txt").write_text("untracked work\n")
    _git(repo, "clean", "-fn")
    assert (repo / "new.txt").exists()


def test_clean_big_x_deletes_an_ignored_env(repo: Path) -> None:
    (repo / ".env").write_text("SECRET=1\n")
    _git(repo, "clean", "-fX")
    assert not (repo / ".env").exists()


def test_require_force_false_makes_clean_delete(repo: Path) -> None:
    (repo / "scratch").mkdir()
    (repo / "scratch" / "notes.txt").write_text("x\n")
    refused = _git(repo, "clean", "-d", check=False)
    assert refused.returncode != 0 and (repo / "scratch").exists()
    _git(repo, "-c", "clean.requireForce=false", "clean", "-d")
    assert not (repo / "scratch").exists()


def test_reset_hard_after_operand_and_abbreviated(repo: Path) -> None:
    (repo / "app.py").write_text("uncommitted\n")
    _git(repo, "reset", "HEAD~1", "--hard")
    assert (repo / "app.py").read_text() == "v1\n"
    (repo / "app.py").write_text("uncommitted again\n")
    _git(repo, "reset", "--ha")
    assert (repo / "app.py").read_text() == "v1\n"


def test_reset_hard_help_changes_nothing(repo: Path) -> None:
    (repo / "app.py").write_text("uncommitted\n")
    proc = _git(repo, "reset", "--hard", "-h", check=False)
    assert proc.returncode == 129
    assert (repo / "app.py").read_text() == "uncommitted\n"


def test_checkout_file_and_forced_branch_discard(repo: Path) -> None:
    (repo / "app.py").write_text("uncommitted\n")
    _git(repo, "checkout", "app.py")
    assert (repo / "app.py").read_text() == "v2\n"
    (repo / "app.py").write_text("uncommitted\n")
    _git(repo, "checkout", "-f", "-b", "x")
    assert (repo / "app.py").read_text() == "v2\n"


def test_push_abbreviation_is_ambiguous(repo: Path) -> None:
    proc = _git(repo, "push", "--forc", "origin", "HEAD:main", check=False)
    assert proc.returncode != 0
    assert "ambiguous" in proc.stderr


def test_push_bundled_force_forces(repo: Path, tmp_path: Path) -> None:
    _git(repo, "reset", "-q", "--hard", "HEAD~1")
    (repo / "other.py").write_text("diverged\n")
    _git(repo, "add", "other.py")
    _git(repo, "commit", "-q", "-m", "diverged")
    refused = _git(repo, "push", "origin", "HEAD:main", check=False)
    assert refused.returncode != 0
    _git(repo, "push", "-uf", "origin", "HEAD:main")
    remote_head = _git(repo, "ls-remote", "origin", "refs/heads/main").stdout.split()[0]
    assert remote_head == _git(repo, "rev-parse", "HEAD").stdout.strip()


def test_attached_dash_c_is_rejected(repo: Path) -> None:
    proc = _git(repo, "-C.", "status", check=False)
    assert proc.returncode != 0


def test_branch_force_delete_remote_tracking_only(repo: Path) -> None:
    _git(repo, "branch", "-D", "-r", "origin/main")
    refs = _git(repo, "for-each-ref", "--format=%(refname)").stdout.split()
    assert "refs/remotes/origin/main" not in refs
    assert _git(repo, "ls-remote", "origin", "refs/heads/main").stdout.strip()


def test_rm_cached_keeps_files(repo: Path) -> None:
    _git(repo, "rm", "-r", "-q", "--cached", ".")
    assert (repo / "app.py").read_text() == "v2\n"


def test_restore_staged_keeps_the_worktree(repo: Path) -> None:
    (repo / "app.py").write_text("staged edit\n")
    _git(repo, "add", "app.py")
    _git(repo, "restore", "-S", ".")
    assert (repo / "app.py").read_text() == "staged edit\n"


def test_read_tree_reset_overwrites(repo: Path) -> None:
    (repo / "app.py").write_text("uncommitted\n")
    _git(repo, "read-tree", "-u", "--reset", "HEAD")
    assert (repo / "app.py").read_text() == "v2\n"


def test_stash_drop_removes_the_entry(repo: Path) -> None:
    (repo / "app.py").write_text("work\n")
    _git(repo, "stash", "-q")
    assert _git(repo, "stash", "list").stdout.strip()
    _git(repo, "stash", "drop", "-q")
    assert _git(repo, "stash", "list").stdout.strip() == ""


def test_options_after_operands_count_for_git(repo: Path) -> None:
    # the premise behind reading options anywhere before "--"
    (repo / "app.py").write_text("uncommitted\n")
    _git(repo, "checkout", "HEAD", "--force")
    assert (repo / "app.py").read_text() == "v2\n"
