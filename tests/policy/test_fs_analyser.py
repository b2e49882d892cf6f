"""Deletion tools and devices (guard.md §7.3, §7.4) on hand-built command records."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.policy.analysers import fs
from sessionkit.policy.command import Command, Stdin
from sessionkit.policy.values import Lit, Producer, Unknown, Value, lit
from tests.policy.recordkit import build_repo, context, glob, record, rules, word


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("fs-analyser"))


def only(command: list[str | Value] | str, repo: Path, **kwargs: object) -> list[str]:
    return [rule for rule, _action in rules(command, repo, **kwargs)]


# ---- rm options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("rm -rf src", ["rm-recursive-source"]),
        ("rm -r src", ["rm-recursive-source"]),
        ("rm -R src", ["rm-recursive-source"]),
        ("rm --recursive src", ["rm-recursive-source"]),
        ("rm --recur src", ["rm-recursive-source"]),
        ("rm -fr src", ["rm-recursive-source"]),
        ("rm src -rf", ["rm-recursive-source"]),
        ("rm -v -f -r src", ["rm-recursive-source"]),
        ("rm -- -rf", ["rm-files"]),
        ("rm -rf -- build", ["rm-artefact"]),
        ("rm -rf build dist", ["rm-artefact"]),
        ("rm -rf build src", ["rm-artefact", "rm-recursive-source"]),
        ("rm src/app.py", ["rm-files"]),
        ("rm -f src/app.py", ["rm-files"]),
        ("rm -d emptydir", ["rm-files"]),
        ("rm -i old.txt", ["rm-files"]),
        ("rm --help", ["read-only"]),
        ("rm -rf --version", ["read-only"]),
        ("rm -rf", []),
        ("rm .git/HEAD", ["rm-git-dir"]),
        ("rm -f .git/index.lock", ["git-lock-remove"]),
        ("rm -rf .git/index.lock", ["git-lock-remove"]),
    ],
)
def test_rm(repo: Path, command: str, expected: list[str]) -> None:
    assert sorted(only(command, repo)) == sorted(expected)


def test_rm_glob_root_only_at_the_root(repo: Path) -> None:
    assert only(["rm", glob("*")], repo) == ["rm-glob-root"]
    assert only(["rm", "-f", glob("./*")], repo) == ["rm-glob-root"]
    assert only(["rm", glob(".*")], repo) == ["rm-glob-root"]
    assert only(["rm", glob("*.orig")], repo) == ["rm-files"]
    assert only(["rm", glob("*")], repo / "src") == ["rm-files"]
    # a quoted star is a file called "*"
    assert only(["rm", lit("*", True)], repo) == ["rm-files"]


@pytest.mark.parametrize("pattern", ["*", "?*", "**", ".*", ".?*", "./*", "./.*"])
def test_rm_of_every_name_at_the_root_is_rm_glob_root(repo: Path, pattern: str) -> None:
    assert only(["rm", "-f", glob(pattern)], repo) == ["rm-glob-root"]


@pytest.mark.parametrize("pattern", ["*.*", "*.?*", "?.*", "*.log", "?", "??", "a*"])
def test_rm_of_names_selected_by_a_literal_part_is_ordinary(repo: Path, pattern: str) -> None:
    # §7.3: only a bare wildcard (*, .*, ./*) is rm-glob-root; *.* selects like *.orig (A5)
    assert only(["rm", "-f", glob(pattern)], repo) == ["rm-files"]


def test_rm_recursive_glob(repo: Path) -> None:
    assert only(["rm", "-rf", glob("*")], repo) == ["rm-recursive-repo-root"]
    assert only(["rm", "-rf", glob("src/*")], repo) == ["rm-recursive-source"]
    assert only(["rm", "-rf", glob("build/*")], repo) == ["rm-artefact"]
    assert only(["rm", "-rf", glob("*.egg-info")], repo) == ["rm-artefact"]


def test_rm_linked_worktree_git_file(repo: Path) -> None:
    wt = repo.parent / "wt-session-2"
    assert only("rm .git", wt) == ["rm-git-dir"]


# ---- producers (§7.3) ----------------------------------------------------------------------


def _item(producer: Producer, origin: str = "item") -> Value:
    return word(Unknown(origin, True, producer))


def _cmd(words: list[str], cwd: Path) -> Command:
    return record(words, cwd)


def test_items_from_an_unknown_program_are_piped_targets(repo: Path) -> None:
    item = _item(Producer("unknown", _cmd(["cat", "dirs.txt"], repo), "cat"))
    xargs = [("xargs", (0, 1), "xargs")]
    assert only(["rm", "-rf", item], repo, via=xargs) == ["rm-piped-targets"]
    assert only(["rm", item], repo, via=xargs) == ["rm-piped-targets"]


def test_items_git_lists_are_protected(repo: Path) -> None:
    producer = Producer("git-listed", _cmd(["git", "ls-files", "-o"], repo), "git")
    assert only(["rm", _item(producer)], repo) == ["git-listed-files-delete"]
    assert only(["rm", "-rf", _item(producer)], repo) == ["git-listed-files-delete"]


def test_items_from_ls_are_a_wildcard(repo: Path) -> None:
    at_root = Producer("ls", _cmd(["ls"], repo), "ls")
    assert only(["rm", "-rf", _item(at_root)], repo) == ["rm-recursive-repo-root"]
    assert only(["rm", _item(at_root)], repo) == ["rm-glob-root"]
    in_build = Producer("ls", _cmd(["ls", "build"], repo), "ls")
    assert only(["rm", "-rf", _item(in_build)], repo) == ["rm-artefact"]


def test_items_from_find_are_judged_like_that_find(repo: Path) -> None:
    pyc = Producer("find", _cmd(["find", ".", "-name", "*.pyc"], repo), "find")
    assert only(["rm", "-f", _item(pyc)], repo) == ["find-artefacts"]
    txt = Producer("find", _cmd(["find", ".", "-name", "*.txt"], repo), "find")
    assert only(["rm", "-f", _item(txt)], repo) == ["find-delete"]


def test_direct_substitution_of_an_unknown_program_is_an_unknown_piece(repo: Path) -> None:
    value = word(Unknown("$(cat …)", True, Producer("unknown", None, "cat")))
    cmd = record(["rm", "-rf", value], repo)
    object.__setattr__(cmd, "text", 'rm -rf "$(cat dirs.txt)"')
    ctx = context(repo)
    from sessionkit.policy.analysers import analyse

    assert [f.rule_id for f in analyse(cmd, ctx)] == ["rm-unknown-target"]


def test_yes_pipe(repo: Path) -> None:
    yes = Stdin("pipe", None, producer=Producer("unknown", _cmd(["yes"], repo), "yes"))
    assert sorted(only(["rm", "-i", glob("*.log")], repo, stdin=yes)) == ["rm-files", "rm-yes-pipe"]
    assert "rm-yes-pipe" in only(["rm", "-ri", "build/x"], repo, stdin=yes)
    other = Stdin("pipe", None, producer=Producer("unknown", _cmd(["cat", "x"], repo), "cat"))
    assert only(["rm", "-i", "x.log"], repo, stdin=other) == ["rm-files"]


def test_find_placeholder_is_left_to_the_find(repo: Path) -> None:
    placeholder = word(Unknown("{}", False, Producer("find", None, "find")))
    via = [("find-exec", (0, 10), "-exec")]
    assert only(["rm", "-rf", placeholder], repo, via=via) == []


# ---- rimraf, rmdir, unlink, trash, shred ----------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("rimraf dist", ["rm-artefact"]),
        ("rimraf src", ["rm-recursive-source"]),
        ("rimraf --help", ["read-only"]),
        ("rmdir emptydir", ["rm-files"]),
        ("unlink notes.txt", ["rm-files"]),
        ("trash-put src", ["rm-files"]),
        ("gio trash src", ["rm-files"]),
        ("shred secret.txt", ["rm-files"]),
        ("shred -n 3 /dev/sda", ["device-write"]),
        ("shred /dev/null", ["rm-files"]),
    ],
)
def test_other_deleters(repo: Path, command: str, expected: list[str]) -> None:
    assert only(command, repo) == expected


# ---- find ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["find", ".", "-name", "*.pyc", "-delete"], ["find-artefacts"]),
        (["find", ".", "-name", "*.py[co]", "-delete"], ["find-artefacts"]),
        (
            ["find", ".", "-name", "__pycache__", "-exec", "rm", "-rf", "{}", "+"],
            ["find-artefacts"],
        ),
        (
            [
                "find",
                ".",
                "-type",
                "d",
                "-name",
                "node_modules",
                "-prune",
                "-exec",
                "rm",
                "-rf",
                "{}",
                "+",
            ],
            ["find-artefacts"],
        ),
        (["find", ".", "-path", "*/node_modules/*", "-delete"], ["find-artefacts"]),
        (["find", ".", "-regex", r".*\.pyc$", "-delete"], ["find-artefacts"]),
        (["find", ".", "-type", "d", "-empty", "-delete"], ["find-artefacts"]),
        (["find", "/tmp/x", "-delete"], ["find-artefacts"]),
        (["find", "build", "-delete"], ["find-delete"]),  # §7.3: no artefact exception
        (["find", ".", "-name", "*.txt", "-exec", "rm", "{}", ";"], ["find-delete"]),
        (["find", ".", "-name", "*.txt", "-execdir", "rm", "{}", "+"], ["find-delete"]),
        (["find", ".", "-name", "*.txt", "-ok", "unlink", "{}", ";"], ["find-delete"]),
        (["find", "src", "-delete"], ["find-delete"]),
        (["find", "-delete"], ["find-delete"]),
        (["find", ".", "-type", "f", "-delete"], ["find-delete"]),
        (["find", ".", "!", "-name", "*.pyc", "-delete"], ["find-delete"]),
        (["find", ".", "-not", "-empty", "-delete"], ["find-delete"]),
        (["find", ".", "-name", "*.pyc", "-o", "-name", "*.py", "-delete"], ["find-delete"]),
        (
            ["find", ".", "-maxdepth", "1", "-name", "src", "-exec", "rm", "-rf", "{}", "+"],
            ["find-delete"],
        ),
        (["find", ".", "-exec", "sh", "-c", 'rm -rf "$1"', "_", "{}", ";"], ["find-delete"]),
        (["find", "/etc", "-name", "*.conf", "-delete"], ["rm-recursive-outside"]),
        (["find", "/var/tmp", "-delete"], ["rm-shared-temp"]),
        (["find", "/var/tmp", "-name", "pytest-*", "-mtime", "+7", "-delete"], ["find-artefacts"]),
        (["find", "/var/tmp", "!", "-name", "x", "-delete"], ["rm-shared-temp"]),
        (["find", "/tmp", "-delete"], ["find-delete"]),  # /tmp holds this repository
        (["find", ".", "-name", "*.txt"], []),
        (["find", ".", "-name", "*.txt", "-exec", "grep", "x", "{}", ";"], []),
        (["find", ".", "-name", "*.txt", "-print"], []),
        # the found paths reach an -exec command only as {}: without it nothing found is
        # deleted (a fixed operand is a payload of its own, judged by the walker)
        (["find", ".", "-maxdepth", "0", "-exec", "sh", "-c", "rm --help", ";"], []),
        (["find", ".", "-exec", "rm", "--help", ";"], []),
        (["find", ".", "-exec", "sh", "-c", "rm {}", ";"], ["find-delete"]),
        (["find", ".", "-exec", "sh", "-c", 'rm "$@"', "_", "{}", "+"], ["find-delete"]),
        # ".." after the found path leaves what the restriction (or temp space) allowed: the
        # start point itself climbs highest (./../src is outside the repository)
        (
            ["find", ".", "-name", "node_modules", "-exec", "rm", "-rf", "{}/../src", ";"],
            ["rm-recursive-outside", "find-artefacts"],
        ),
        (
            ["find", ".", "-exec", "sh", "-c", 'rm -rf "$1"/..', "_", "{}", ";"],
            ["rm-recursive-repo-root", "find-delete"],  # ./.. holds the repository
        ),
        (
            ["find", "/tmp/x", "-exec", "rm", "-rf", "{}/../../../etc", ";"],
            ["rm-recursive-traversal", "find-artefacts"],
        ),
        (["find", ".", "-name", "*.pyc", "-exec", "ls", "{}/..", ";"], []),
        # a shell payload's climb after its positional parameter, as written
        (
            ["find", "/var/tmp/x", "-exec", "sh", "-c", 'rm -rf "$1"/../../../etc', "_", "{}", ";"],
            ["rm-recursive-traversal", "find-artefacts"],
        ),
    ],
)
def test_find(repo: Path, words: list[str], expected: list[str]) -> None:
    argv = [glob(w) if any(c in w for c in "*?[") else w for w in words]
    assert only(argv, repo) == expected


# ---- rsync ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("rsync -a --delete /tmp/empty/ src/", ["rsync-delete"]),
        ("rsync -a --delete-after ./a/ ../elsewhere/", ["rsync-delete"]),
        ("rsync -a --del ./a/ docs/", ["rsync-delete"]),
        ("rsync -av --delete-excluded --exclude .git ./ src/", ["rsync-delete"]),
        ("rsync -a --delete src/ /tmp/mirror/", ["rm-temp"]),
        ("rsync -a --delete src/ build/", ["rm-artefact"]),
        ("rsync -an --delete /tmp/empty/ src/", ["dry-run"]),
        ("rsync -a --delete --dry-run /tmp/empty/ src/", ["dry-run"]),
        ("rsync -a --delete src/ host:/srv/app", []),
        ("rsync -a --delete src/ rsync://host/mod", []),
        ("rsync -a /tmp/empty/ src/", []),
        ("rsync -a --remove-source-files src/ /tmp/x/", []),
        ("rsync -e ssh -a --delete src/ host:dst", []),
        ("rsync --help", ["read-only"]),
    ],
)
def test_rsync(repo: Path, command: str, expected: list[str]) -> None:
    assert only(command, repo) == expected


def test_rsync_value_option_does_not_hide_the_destination(repo: Path) -> None:
    assert only("rsync -a --exclude keep --delete /tmp/e/ src/", repo) == ["rsync-delete"]


# ---- devices (§7.4) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("dd if=disk.img of=/dev/sda", ["device-write"]),
        ("dd if=/dev/zero of=/dev/nvme0n1 bs=1M", ["device-write"]),
        ("dd if=/dev/zero of=out.img bs=1M count=1", []),
        ("dd if=/dev/sda of=backup.img", []),
        ("dd of=/dev/null if=x", []),
        ("tee /dev/sdb", ["device-write"]),
        ("tee /dev/stderr", []),
        ("cp disk.img /dev/sdc", ["device-write"]),
        ("cp a b", []),
        ("blkdiscard /dev/sda", ["device-write"]),
        ("mkfs.ext4 /dev/sdb1", ["filesystem-create"]),
        ("mkfs -t ext4 /dev/sdb1", ["filesystem-create"]),
        ("mke2fs /dev/sdb1", ["filesystem-create"]),
        ("mkswap /dev/sdb2", ["filesystem-create"]),
        ("newfs_msdos /dev/disk2", ["filesystem-create"]),
        ("wipefs -a /dev/sdb", ["filesystem-create"]),
        ("sgdisk -Z /dev/sdb", ["filesystem-create"]),
        ("sgdisk --zap-all /dev/sdb", ["filesystem-create"]),
        ("sgdisk -p /dev/sdb", []),
        ("diskutil eraseDisk JHFS+ X disk2", ["filesystem-create"]),
        ("diskutil list", []),
        ("mkfs.ext4 --help", ["read-only"]),
        ("mkfs.ext4 -V", ["read-only"]),
    ],
)
def test_devices(repo: Path, command: str, expected: list[str]) -> None:
    assert only(command, repo) == expected


def test_redirection_to_a_device(repo: Path) -> None:
    from sessionkit.policy.command import Redirection

    cmd = record(["echo", "x"], repo)
    ctx = context(repo)
    from sessionkit.policy.analysers import analyse

    for target, expected in (("/dev/sdb", ["device-write"]), ("/dev/null", []), ("/dev/fd/2", [])):
        redirected = Command(
            cmd.argv,
            cmd.name,
            redirects=(Redirection(None, ">", Value((Lit(target),)), None, (7, 9)),),
            cwd=cmd.cwd,
            span=cmd.span,
            text=cmd.text,
        )
        assert [f.rule_id for f in analyse(redirected, ctx)] == expected
    # reading from a device is not writing to it
    reading = Command(
        cmd.argv,
        cmd.name,
        redirects=(Redirection(None, "<", Value((Lit("/dev/sda"),)), None, (7, 9)),),
        cwd=cmd.cwd,
    )
    assert analyse(reading, ctx) == []


def test_rm_option_parser() -> None:
    opts = fs.parse_rm([lit(w, True) for w in ("-rf", "a", "--", "-b")])
    assert opts.recursive and [v.text for v in opts.operands] == ["a", "-b"]
    assert fs.parse_rm([lit("--interactive=never", True)]).interactive
    assert fs.parse_rm([lit("--help", True)]).inert
