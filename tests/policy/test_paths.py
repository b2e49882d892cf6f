"""Path judgement (guard.md §8): every step of §8.2 and §8.3 against real directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.policy.paths import PathConfig, PathJudge, normalise
from sessionkit.policy.repofacts import RepoFacts
from sessionkit.policy.values import FRESH, HOME, TMPDIR, Lit, Sym, Unknown, Value, lit
from tests.policy.recordkit import build_repo, git, glob, word


class World:
    """A repository with a worktree, a home directory and symlinks, all real."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.repo = build_repo(base)
        # a home outside the fixture and outside temp space, as in the reference context
        self.home = Path("/home/sessionkit-test-user")
        (self.repo / "link-to-src").symlink_to(self.repo / "src")
        (self.repo / "link-to-etc").symlink_to("/etc")
        (self.repo / "build" / "escape").symlink_to(self.repo / "src")
        (self.repo / "packages" / "web" / "node_modules").mkdir(parents=True)

    def judge(self, config: PathConfig | None = None, cwd: Path | None = None) -> PathJudge:
        facts = RepoFacts(str(cwd or self.repo), home=str(self.home))
        return PathJudge(facts, home=str(self.home), config=config)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("paths"))


def verdict(world: World, operand: str | Value, cwd: str | Path | None = None) -> str:
    judge = world.judge()
    value = operand if isinstance(operand, Value) else _word(operand)
    cwds = (lit(str(cwd), True),) if cwd is not None else ()
    return judge.judge(value, cwds).rule_id


def _word(text: str) -> Value:
    return glob(text) if any(c in text for c in "*?[") else lit(text, True)


# §8.5 with the cwd at the repository root, plus every row of the §8.2 table.
TABLE = [
    ("build", "rm-artefact"),
    ("./build/", "rm-artefact"),
    ("packages/web/node_modules", "rm-artefact"),
    ("dist", "rm-artefact"),
    ("sessionkit.egg-info", "rm-artefact"),
    ("*.egg-info", "rm-artefact"),
    (".orchestrator/tmp", "rm-artefact"),
    (".orchestrator/tmp/x", "rm-artefact"),
    ("build/x/../y", "rm-artefact"),
    ("src", "rm-recursive-source"),
    ("docs", "rm-recursive-source"),
    ("src/*", "rm-recursive-source"),
    ("src/app.py", "rm-recursive-source"),
    ("missing-dir", "rm-recursive-source"),
    (".", "rm-recursive-repo-root"),
    ("*", "rm-recursive-repo-root"),
    ("./*", "rm-recursive-repo-root"),
    (".*", "rm-recursive-repo-root"),
    ("..", "rm-recursive-repo-root"),
    ("/", "rm-recursive-root"),
    ("/*", "rm-recursive-root"),
    (".git", "rm-git-dir"),
    (".git/refs", "rm-git-dir"),
    (".git/index.lock", "git-lock-remove"),
    (".GIT/refs", "rm-git-dir"),
    ("SRC", "rm-recursive-source"),
    ("/etc/nginx", "rm-recursive-outside"),
    ("/tmp/x", "rm-temp"),
    ("/var/tmp/x", "rm-temp"),
    ("/dev/shm/x", "rm-temp"),
    ("/private/tmp/x", "rm-temp"),
    ("/var/folders/ab/cd/T/x", "rm-temp"),
    ("/tmp/*", "rm-shared-temp"),
    ("/var/tmp", "rm-shared-temp"),
    ("/tmp/../etc", "rm-recursive-traversal"),
    ("node_modules/../src", "rm-recursive-traversal"),
    ("build/../src", "rm-recursive-traversal"),
    # an artefact path (not only an artefact name) is an allowing anchor too (§8.2 step 3)
    (".orchestrator/tmp/../../src", "rm-recursive-traversal"),
    (".orchestrator/tmp/..", "rm-recursive-traversal"),
    (".orchestrator/tmp/a/../b", "rm-artefact"),
    # a glob below an artefact path is inside it
    (".orchestrator/tmp/*", "rm-artefact"),
    (".orchestrator/tmp/a/*.log", "rm-artefact"),
    (".orchestrator/*", "rm-recursive-source"),
    (".orchestrator/t*", "rm-recursive-source"),
    (".orchestrator/../src", "rm-recursive-source"),
    ("/tmp/a/../b", "rm-temp"),
    ("link-to-src/", "rm-recursive-source"),
    ("link-to-etc/", "rm-recursive-outside"),  # followed: the resolved path is reported
    ("link-to-etc", "rm-recursive-source"),
    ("build/escape/", "rm-recursive-source"),
    ("build/escape", "rm-artefact"),
    # the kernel resolves build/escape (-> src) before the ".." after it: R/x, not build/x
    ("build/escape/../x", "rm-recursive-source"),
    ("build/escape/..", "rm-recursive-repo-root"),
]


@pytest.mark.parametrize(("operand", "expected"), TABLE, ids=[o for o, _ in TABLE])
def test_table(world: World, operand: str, expected: str) -> None:
    assert verdict(world, operand) == expected


def test_home_and_its_ancestors(world: World) -> None:
    assert verdict(world, str(world.home)) == "rm-recursive-root"
    assert verdict(world, "/home") == "rm-recursive-root"
    assert verdict(world, "/home/*") == "rm-recursive-root"
    assert verdict(world, word(Sym(HOME))) == "rm-recursive-root"
    assert verdict(world, word(Sym(HOME), "/")) == "rm-recursive-root"
    assert verdict(world, word(Sym(HOME), "/.cache/foo")) == "rm-recursive-outside"
    # an unquoted tilde the walker left literal is still the home directory
    assert verdict(world, Value((Lit("~/.cache/foo"),))) == "rm-recursive-outside"
    assert verdict(world, Value((Lit("~"),))) == "rm-recursive-root"
    # a quoted tilde is a literal name
    assert verdict(world, lit("~", True)) == "rm-recursive-source"


def test_worktrees(world: World) -> None:
    assert verdict(world, "../wt-session-2") == "rm-worktree"
    assert verdict(world, str(world.base / "wt-session-2")) == "rm-worktree"
    # inside another worktree (not the worktree itself): outside this repository
    assert verdict(world, "../wt-session-2/src") == "rm-recursive-outside"
    # the parent of the repository contains it: that is the repository-root rule first
    assert verdict(world, "../") == "rm-recursive-repo-root"


def test_from_inside_the_linked_worktree(world: World) -> None:
    wt = world.base / "wt-session-2"
    judge = world.judge(cwd=wt)
    cwds = (lit(str(wt), True),)
    # the linked worktree's .git file and the main repository's git dir are git's own data
    assert judge.judge(lit(".git", True), cwds).rule_id == "rm-git-dir"
    assert judge.judge(lit(str(world.repo / ".git"), True), cwds).rule_id == "rm-git-dir"
    # the main working tree is another registered worktree
    assert judge.judge(lit(str(world.repo), True), cwds).rule_id == "rm-worktree"
    assert judge.judge(lit("src", True), cwds).rule_id == "rm-recursive-source"


def test_repository_inside_temp_protects_its_siblings(world: World) -> None:
    # the fixture repository lies in temp space (pytest's tmp dir): siblings count as outside
    judge = world.judge()
    assert judge.is_temp(str(world.repo))
    assert verdict(world, "../other-clone") == "rm-recursive-outside"
    assert verdict(world, str(world.base / "other-clone" / "x")) == "rm-recursive-outside"


def test_an_absolute_allow_delete_pattern_reaches_the_siblings_of_a_repository_in_temp(
    world: World,
) -> None:
    # step 11 makes them outside, and step 12 allows an absolute allow-delete match outside
    config = PathConfig(allow_delete=[str(world.base / "cache") + "/**"])
    judge = world.judge(config=config)
    assert judge.judge(lit(str(world.base / "cache" / "x"), True)).rule_id == "rm-allowed-path"
    assert judge.judge(lit(str(world.base / "other" / "x"), True)).rule_id == (
        "rm-recursive-outside"
    )


def test_relative_operands_follow_the_cwd(world: World) -> None:
    assert verdict(world, "tmp/scratch", cwd="/") == "rm-temp"
    assert verdict(world, "build", cwd="/tmp") == "rm-temp"
    assert verdict(world, "*", cwd=world.repo / "src") == "rm-recursive-source"
    assert verdict(world, "x", cwd=world.repo / "build") == "rm-artefact"


def test_unknown_cwd_reads_relative_operands_at_the_root(world: World) -> None:
    unknown_cwd = word(Unknown("$DIR"))
    judge = world.judge()
    assert judge.judge(lit("build", True), (unknown_cwd,)).rule_id == "rm-artefact"
    assert judge.judge(lit("src", True), (unknown_cwd,)).rule_id == "rm-recursive-source"
    assert judge.judge(glob("*"), (unknown_cwd,)).rule_id == "rm-recursive-repo-root"


def test_several_cwds_most_severe_wins(world: World) -> None:
    judge = world.judge()
    cwds = (lit("/tmp", True), lit(str(world.repo), True))
    assert judge.judge(lit("scratch", True), cwds).rule_id == "rm-recursive-source"


# §8.3 unknown pieces
UNKNOWN = [
    (word(Unknown("$BUILD_DIR")), "rm-unknown-target"),
    (word(Unknown("${OUT:?}", may_be_empty=False)), "rm-unknown-target"),
    (word(Unknown("$X"), "/build"), "rm-unknown-target"),
    (word(Unknown("$X"), "/"), "rm-recursive-empty-var"),
    (word(Unknown("$X"), "/*", pattern=True), "rm-recursive-empty-var"),
    (word(Unknown("$X"), "/.*", pattern=True), "rm-recursive-empty-var"),
    (word(Unknown("$X"), "/.."), "rm-recursive-empty-var"),
    (word("src/", Unknown("$X")), "rm-recursive-source"),
    (word("build/", Unknown("$TARGET")), "rm-artefact"),
    (word("/etc/", Unknown("$X")), "rm-recursive-outside"),
    (word("/var/tmp/", Unknown("$X")), "rm-temp"),
    (word("/tmp/", Unknown("$X")), "rm-recursive-empty-var"),  # empty: /tmp holds R
    (word(Sym(TMPDIR), "/", Unknown("$X")), "rm-temp"),
    (word(Sym(TMPDIR)), "rm-shared-temp"),
    (word(Sym(TMPDIR), "/scratch"), "rm-temp"),
    (word(Sym(TMPDIR), "/../etc"), "rm-recursive-traversal"),
    (word(Sym(FRESH, 1)), "rm-temp"),
    (word(Sym(FRESH, 1), "/sub"), "rm-temp"),
    (word(Sym(FRESH, 1), "/../../etc"), "rm-recursive-traversal"),
    (word(".git/", Unknown("$X")), "rm-recursive-empty-var"),  # empty: .git itself
    (word(".git/refs/", Unknown("$X")), "rm-recursive-empty-var"),
    # ".." after an unknown piece climbs out of the known prefix: judged with the unknown
    # piece as short as it can be (empty, or one component for ${X:?})
    (word("build/", Unknown("$X"), "/../../src"), "rm-recursive-traversal"),
    (word("build/", Unknown("${X:?}", may_be_empty=False), "/../.."), "rm-recursive-traversal"),
    (word("/var/tmp/", Unknown("$X"), "/../../etc"), "rm-recursive-traversal"),
    (word(Sym(TMPDIR), "/", Unknown("$X"), "/../../etc"), "rm-recursive-traversal"),
    (word("build/", Unknown("${X:?}", may_be_empty=False), "/../out"), "rm-artefact"),
    (word("build/", Unknown("$X"), "/a/.."), "rm-artefact"),
    # below a symlink: below the directory it names (build/escape -> src)
    (word("build/escape/", Unknown("$X")), "rm-recursive-source"),
    (word("link-to-etc/", Unknown("${X:?}", may_be_empty=False)), "rm-recursive-outside"),
]


@pytest.mark.parametrize(("value", "expected"), UNKNOWN, ids=[str(v) for v, _ in UNKNOWN])
def test_unknown_pieces(world: World, value: Value, expected: str) -> None:
    assert verdict(world, value) == expected


def test_empty_case_reaching_the_repository_root(world: World) -> None:
    # "$X/.." from the root: with X empty it is "/..", which is "/"
    value = word(Unknown("$X"), "/..")
    assert verdict(world, value) == "rm-recursive-empty-var"
    # "./$X": empty, it is the repository root itself
    assert verdict(world, word("./", Unknown("$X"))) == "rm-recursive-empty-var"
    # "src/$X": empty, it is src: a source directory below a known prefix
    assert verdict(world, word("src/", Unknown("$X"))) == "rm-recursive-source"


def test_policy_path_configuration(world: World) -> None:
    config = PathConfig(
        artefact_dirs=["generated", "packages/*/lib"],
        not_artefact_dirs=["build"],
        temp_dirs=[str(world.base / "scratch-root")],
        allow_delete=["data/snapshots", "/opt/cache/*"],
    )
    judge = world.judge(config=config)
    cwds = (lit(str(world.repo), True),)

    def rule(operand: str) -> str:
        return judge.judge(_word(operand), cwds).rule_id

    assert rule("generated") == "rm-artefact"
    assert rule("build") == "rm-recursive-source"
    assert rule("node_modules") == "rm-artefact"
    assert rule("data/snapshots") == "rm-allowed-path"
    assert rule("data/snapshots/x") == "rm-allowed-path"
    assert rule("data") == "rm-recursive-source"
    assert rule("/opt/cache/x") == "rm-allowed-path"
    assert rule("/opt/other") == "rm-recursive-outside"
    # climbing out of an allowed path is traversal, like climbing out of an artefact directory
    assert rule("data/snapshots/../../src") == "rm-recursive-traversal"
    assert rule("data/snapshots/a/../b") == "rm-allowed-path"
    assert rule("/opt/cache/x/../../../etc") == "rm-recursive-traversal"
    assert rule("generated/../src") == "rm-recursive-traversal"


def test_tmpdir_widens_nothing_outside_temp(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", "/etc")
    judge = world.judge()
    assert judge.judge(lit("/etc/x", True)).rule_id == "rm-recursive-outside"


def test_unreadable_worktree_list_protects_siblings(tmp_path: Path) -> None:
    repo = tmp_path / "solo"
    repo.mkdir()
    git(repo, "init", "-q")
    worktrees = repo / ".git" / "worktrees" / "ghost"
    worktrees.mkdir(parents=True)
    (worktrees / "gitdir").mkdir()  # a directory where a file belongs: unreadable
    facts = RepoFacts(str(repo), home=str(tmp_path / "home"))
    judge = PathJudge(facts, home=str(tmp_path / "home"))
    assert not facts.worktrees_known
    assert judge.judge(lit("../sibling", True)).rule_id == "rm-worktree"


def test_no_repository_protects_the_cwd(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "work").mkdir(parents=True)
    facts = RepoFacts(str(plain), home=str(tmp_path / "home"))
    judge = PathJudge(facts, home=str(tmp_path / "home"))
    assert judge.judge(lit("work", True)).rule_id == "rm-recursive-source"
    assert judge.judge(lit(".", True)).rule_id == "rm-recursive-repo-root"
    assert judge.judge(lit("build", True)).rule_id == "rm-artefact"


def test_no_repository_inside_temp_protects_the_cwds_siblings(tmp_path: Path) -> None:
    # outside a repository the cwd is R (§1.2); when it lies in temp space its siblings may
    # be clones of the same project: outside, as for a repository (§8.2 step 11)
    plain = tmp_path / "plain"
    plain.mkdir()
    (tmp_path / "clone" / "src").mkdir(parents=True)
    facts = RepoFacts(str(plain), home=str(tmp_path / "home"))
    judge = PathJudge(facts, home=str(tmp_path / "home"))
    assert judge.is_temp(str(plain))
    assert judge.judge(lit("../clone", True)).rule_id == "rm-recursive-outside"
    assert judge.judge(lit(str(tmp_path / "clone" / "src"), True)).rule_id == (
        "rm-recursive-outside"
    )
    assert judge.for_cwd(str(tmp_path / "clone")).judge(lit("../plain", True)).rule_id == (
        "rm-recursive-outside"
    )


def test_a_temp_root_as_the_cwd_has_no_siblings_in_temp_space(tmp_path: Path) -> None:
    facts = RepoFacts("/tmp", home=str(tmp_path / "home"))
    judge = PathJudge(facts, home=str(tmp_path / "home"))
    assert judge.judge(lit("/var/tmp/scratch", True)).rule_id == "rm-temp"


def test_normalise() -> None:
    assert normalise("/a/./b//c/../d") == "/a/b/d"
    assert normalise("/..") == "/"
    assert normalise("/") == "/"


def test_normalise_keeps_dot_names_and_drops_dot_components() -> None:
    """Names that start with a dot are kept as they are (the fast path takes them too)."""
    for path in ("/r/.git/HEAD", "/r/..x/...", "/.venv", "/r/a.", "/r/.../b"):
        assert normalise(path) == path
    assert normalise("/r/.") == "/r"
    assert normalise("/r/a/..") == "/r"
    assert normalise("/r/./.venv") == "/r/.venv"
    assert normalise("/r/../.x") == "/.x"
    assert normalise("/r/.git/") == "/r/.git"


def test_symlinks_resolve_below_the_root_and_in_a_linked_directory(tmp_path: Path) -> None:
    """The deepest existing ancestor is resolved; a name directly below / keeps one slash."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    facts = RepoFacts(str(tmp_path), home=str(tmp_path / "home"))
    judge = PathJudge(facts, home=str(tmp_path / "home"))
    real_path = normalise(os.path.realpath(real))
    assert judge.judge_text(f"{tmp_path}/link/.cache", None).target.path == (f"{real_path}/.cache")
    assert judge.judge_text("/.sessionkit-test-none", None).target.path == (
        "/.sessionkit-test-none"
    )


def _normalise_by_components(path: str) -> str:
    stack: list[str] = []
    for comp in path.split("/"):
        if comp == "..":
            if stack:
                stack.pop()
        elif comp and comp != ".":
            stack.append(comp)
    return "/" + "/".join(stack)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["/", ".", "..", "a", "b.c", ".x", "x.", "~", "//", "...", "..y"]),
        max_size=8,
    )
)
def test_normalise_fast_path_agrees_with_the_component_walk(parts: list[str]) -> None:
    path = "".join(parts)
    assert normalise(path) == _normalise_by_components(path)
    assert normalise("/" + path) == _normalise_by_components("/" + path)


def test_targets_record_operand_path_and_anchor(world: World) -> None:
    judge = world.judge()
    target = judge.judge(lit("build/x", True)).target
    assert target.operand == "build/x"
    assert target.path == os.path.join(normalise(str(world.repo)), "build", "x")
    assert target.cls == "rm-artefact"
    assert target.anchor == "build"
    assert target.to_dict()["class"] == "rm-artefact"
