"""Where git's configuration comes from (guard.md §5.3, §5.8, §7.2.3, §7.2.5): the settings and
environment git hands to the commands it runs, the repository a moved git works on, the remote
a bare push goes to, and configuration files the command itself names."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.policy.guard import Guard, check_command
from tests.policy.recordkit import build_repo, git


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``base/repo`` (the checked repository, with a branch named ``loose.py``), ``base/other``
    (a sibling repository with its own aliases, settings and a tracked ``loose.py``) and
    configuration files named by commands."""
    base = tmp_path_factory.mktemp("git-config-sources")
    repo = build_repo(base)
    git(repo, "branch", "loose.py")
    other = base / "other"
    other.mkdir()
    git(other, "init", "-q")
    (other / "loose.py").write_text("x\n")
    git(other, "add", "loose.py")
    git(other, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    git(other, "config", "alias.o", "reset --hard")
    git(other, "config", "remote.origin.mirror", "true")
    git(other, "config", "clean.requireForce", "false")
    nested = repo / "vendor" / "nested"  # a repository inside the checked one
    nested.mkdir(parents=True)
    git(nested, "init", "-q")
    git(nested, "config", "alias.nuke", "reset --hard")
    (repo / "build" / "olink").symlink_to(other)
    (base / "home").mkdir()
    (base / "home" / ".gitconfig").write_text("[alias]\n\thz = reset --hard\n")
    (base / "inc.cfg").write_text("[alias]\n\tyy = stash clear\n")
    (base / "xdg" / "git").mkdir(parents=True)
    (base / "xdg" / "git" / "config").write_text("[alias]\n\tzz = stash clear\n")
    return base


def decide(world: Path, command: str) -> tuple[str, str | None]:
    decision = check_command(command.replace("BASE", str(world)), cwd=str(world / "repo"))
    return decision.action, decision.rule_id


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        # git hands its -c settings to the gits it starts (GIT_CONFIG_PARAMETERS)
        ("git -c alias.a='!git b' -c alias.b='stash clear' a", "git-stash-clear"),
        ("git -c clean.requireForce=false -c alias.a='!git clean -d' a", "git-clean-force"),
        ("git -c clean.requireForce=false rebase -x 'git clean -d' main", "git-clean-force"),
        ("git -c alias.b='stash clear' rebase -x 'git b' main", "git-stash-clear"),
        ("git -c alias.b='stash clear' -c core.pager='git b' log", "git-stash-clear"),
        # and its environment: prefix assignments reach what it runs
        ("B='stash clear' git -c alias.a='!git $B' a", "git-stash-clear"),
        ("GIT_CONFIG_PARAMETERS=\"'alias.b'='stash clear' 'alias.a'='!git b'\" git a", None),
    ],
)
def test_what_git_runs_inherits_its_settings_and_environment(
    world: Path, command: str, rule: str | None
) -> None:
    action, rule_id = decide(world, command)
    assert action == "block"
    assert rule is None or rule_id == rule


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        ("git -C ../other o", "git-reset-hard"),
        ("cd ../other && git o", "git-reset-hard"),
        ("git -C ../other push origin", "git-push-mirror"),
        ("cd ../other && git push", "git-push-mirror"),
        ("git -C BASE/other clean -d", "git-clean-force"),
        # a tracked file there, a branch here: git there overwrites the file
        ("git -C ../other checkout loose.py", "git-checkout-pathspec"),
        ("git --git-dir=../other/.git push origin", "git-push-mirror"),
        ("git --git-dir ../other/.git o", "git-reset-hard"),
        ("GIT_DIR=../other/.git git o", "git-reset-hard"),
        # the nearest .git of the real directory: nested, or reached through a symlink
        ("git -C vendor/nested nuke", "git-reset-hard"),
        ("cd vendor/nested && git nuke", "git-reset-hard"),
        ("git -C build/olink push", "git-push-mirror"),
        # every directory a failed cd may leave
        ("cd ../other; git o", "git-reset-hard"),
        ("cd ../other || true; git o", "git-reset-hard"),
        ("(cd ../other; git o)", "git-reset-hard"),
        # HOME is exported: assigning it moves git's global file
        ("HOME=BASE/home; git hz", "git-reset-hard"),
    ],
)
def test_the_repository_git_works_on_supplies_its_facts(
    world: Path, command: str, rule: str
) -> None:
    assert decide(world, command) == ("block", rule)


def test_the_checked_repository_keeps_its_own_facts(world: Path) -> None:
    assert decide(world, "git checkout loose.py")[0] == "allow"  # a branch here
    assert decide(world, "git clean -d")[0] == "allow"
    assert decide(world, "git push")[0] == "allow"


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        ("git -c remote.up.mirror=true -c remote.pushDefault=up push", "git-push-mirror"),
        ("git -c remote.up.mirror=true push --repo=up", "git-push-mirror"),
        ("git -c remote.up.mirror=true -c branch.master.pushRemote=up push", "git-push-mirror"),
        ("git -c remote.up.mirror=true -c branch.master.remote=up push", "git-push-mirror"),
        (
            "git config remote.pushDefault up && git config remote.up.mirror true && git push",
            "git-push-mirror",
        ),
        (
            "git -c remote.up.push=:refs/heads/feature -c remote.pushDefault=up push",
            "git-push-delete",
        ),
        ("git -c remote.up.push=+main:main -c remote.pushDefault=up push", "git-push-plus-refspec"),
    ],
)
def test_a_push_without_a_remote_goes_to_the_configured_one(
    world: Path, command: str, rule: str
) -> None:
    git(world / "repo", "checkout", "-q", "-B", "master")
    assert decide(world, command) == ("block", rule)


def test_the_remote_named_on_the_command_line_wins_over_repo(world: Path) -> None:
    command = "git -c remote.up.mirror=true push --repo=origin up"
    assert decide(world, command) == ("block", "git-push-mirror")
    assert decide(world, "git -c remote.up.mirror=true push --repo=up origin")[0] == "allow"


def test_a_push_to_another_remote_ignores_the_mirror_of_one_not_pushed_to(world: Path) -> None:
    assert decide(world, "git -c remote.up.mirror=true push")[0] == "allow"
    assert decide(world, "git -c remote.up.mirror=true push origin main")[0] == "allow"


@pytest.mark.parametrize(
    "command",
    [
        "git -c include.path=BASE/inc.cfg yy",
        "git config include.path BASE/inc.cfg && git yy",
        "git -c includeIf.onbranch:x.path=BASE/inc.cfg yy",
        "XDG_CONFIG_HOME=BASE/xdg git zz",
        "GIT_CONFIG_GLOBAL=BASE/inc.cfg git yy",
    ],
)
def test_configuration_files_the_command_names_are_read(world: Path, command: str) -> None:
    assert decide(world, command) == ("block", "git-stash-clear")


def test_without_the_named_file_the_alias_is_unknown(world: Path) -> None:
    assert decide(world, "git yy")[0] == "allow"
    assert decide(world, "git -c include.path=BASE/missing.cfg yy")[0] == "allow"


@pytest.mark.parametrize(
    ("command", "action"),
    [
        # git runs sh -c 'ALIAS "$@"' ALIAS ARGS…: the arguments are the positional parameters
        ("git -c alias.x='!git stash \"$@\"' x clear", "block"),
        ("git -c alias.x='!git \"$@\"' x status", "allow"),
        ("git -c alias.x='!git \"$@\"' x reset --hard", "block"),
        ("git -c alias.x='!echo \"$1\"' x 'git reset --hard'", "allow"),
        # no arguments: the positional parameters are empty
        ("git -c alias.x='!git stash \"${1:-list}\"' x", "allow"),
        # the alias's shell inherits git's environment
        ("D=build git -c alias.a='!rm -rf $D' a", "allow"),
        ("D=src git -c alias.a='!rm -rf $D' a", "block"),
    ],
)
def test_shell_alias_arguments_are_its_positional_parameters(
    world: Path, command: str, action: str
) -> None:
    assert decide(world, command)[0] == action


def test_file_alias_arguments_are_its_positional_parameters(world: Path) -> None:
    repo = world / "repo"
    git(repo, "config", "alias.fx", '!git "$@"')
    try:
        # a new Guard: one reads repository facts at most once a second (§12.8, §13)
        guard = Guard(repo)
        assert guard.check("git fx status").action == "allow"
        decision = guard.check("git fx stash clear")
        assert (decision.action, decision.rule_id) == ("block", "git-stash-clear")
    finally:
        git(repo, "config", "--unset", "alias.fx")


@pytest.mark.parametrize(
    "command",
    ["git -c alias.a=b -c alias.b=a a", "git -c alias.a='!git b' -c alias.b='!git a' a"],
)
def test_an_alias_loop_is_expanded_once(world: Path, command: str) -> None:
    assert decide(world, command)[0] == "allow"


def test_a_command_in_an_alias_loop_is_still_judged(world: Path) -> None:
    command = "git -c alias.a='!git b; git stash clear' -c alias.b='!git a' a"
    assert decide(world, command) == ("block", "git-stash-clear")


@pytest.mark.parametrize(
    "command",
    [
        "git -c alias.b='stash clear' bisect run git b",
        "GIT_CONFIG_SYSTEM=BASE/inc.cfg git yy",
    ],
)
def test_bisect_run_and_the_system_file_see_the_settings(world: Path, command: str) -> None:
    assert decide(world, command) == ("block", "git-stash-clear")


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        # configuration files written in the command are read by the git that follows
        (
            "printf '[alias]\\n\\tz = stash clear\\n' > BASE/w1 && git -c include.path=BASE/w1 z",
            "git-stash-clear",
        ),
        (
            "cat > BASE/w2 <<'E'\n[alias]\n  z = reset --hard\nE\ngit -c include.path=BASE/w2 z",
            "git-reset-hard",
        ),
        ("echo '[alias] z = stash clear' >> .git/config; git z", "git-stash-clear"),
        ("echo '[clean]\nrequireForce = false' >> .git/config; git clean -d", "git-clean-force"),
    ],
)
def test_configuration_written_in_the_command_is_read(world: Path, command: str, rule: str) -> None:
    assert decide(world, command) == ("block", rule)


@pytest.mark.parametrize(
    ("command", "action"),
    [
        # git remote add --mirror[=push] writes remote.NAME.mirror: a later push mirrors
        ("git remote add m /tmp/m.git --mirror=push && git push m", "block"),
        ("git remote add --mirror m /tmp/m.git; git push m", "block"),
        # a fetch mirror, or no mirror at all, pushes as usual
        ("git remote add --mirror=fetch m /tmp/m.git && git push m", "allow"),
        ("git remote add -t main m /tmp/m.git && git push m", "allow"),
    ],
)
def test_a_remote_added_in_the_command_is_read(world: Path, command: str, action: str) -> None:
    expected = (action, "git-push-mirror" if action == "block" else None)
    assert decide(world, command) == expected


def test_a_written_file_that_is_no_configuration_changes_nothing(world: Path) -> None:
    assert decide(world, "echo hi > notes.txt; git status")[0] == "allow"
