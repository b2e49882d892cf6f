"""command_effects: files a command writes or deletes, seen through the guard's walk (§15)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.policy.effects import Effect, command_effects

pytest.importorskip("sessionkit.policy.guard")

MakeRepo = Callable[..., Path]


def summary(command: str, cwd: Path) -> list[tuple[str, str, str | None, str]]:
    return [(e.kind, e.mode, e.resolved, e.tool) for e in command_effects(command, cwd=cwd)]


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    return make_repo(files={"src/app.py": "x\n"})


def test_redirections_write_and_dev_null_does_not(repo: Path) -> None:
    r = str(repo)
    assert summary("echo hi > out.txt 2>/dev/null", repo) == [
        ("write", "truncate", f"{r}/out.txt", "redirect")
    ]
    assert summary("echo hi >> log.txt", repo) == [("write", "append", f"{r}/log.txt", "redirect")]
    assert summary("cmd &> all.log", repo)[0][:2] == ("write", "truncate")


def test_deletions_follow_cd_and_payloads(repo: Path) -> None:
    r = str(repo)
    assert summary("cd src && rm -rf build old.py", repo) == [
        ("delete", "recursive", f"{r}/src/build", "rm"),
        ("delete", "recursive", f"{r}/src/old.py", "rm"),
    ]
    assert summary("bash -c 'rm notes.txt'", repo) == [("delete", "file", f"{r}/notes.txt", "rm")]
    assert summary("git rm -r docs", repo) == [("delete", "recursive", f"{r}/docs", "git rm")]
    assert summary("git rm --cached secrets.env", repo) == []
    assert summary("find src -name '*.pyc' -delete", repo) == [
        ("delete", "recursive", f"{r}/src", "find")
    ]


def test_tools_that_write_files(repo: Path) -> None:
    r = str(repo)
    assert summary("mv a.txt b.txt", repo) == [
        ("write", "create", f"{r}/b.txt", "mv"),
        ("delete", "file", f"{r}/a.txt", "mv"),
    ]
    assert summary("cp -t dest a b", repo) == [("write", "create", f"{r}/dest", "cp")]
    assert summary("sed -i 's/a/b/' f1 f2", repo) == [
        ("write", "in-place", f"{r}/f1", "sed"),
        ("write", "in-place", f"{r}/f2", "sed"),
    ]
    assert summary("sed -n 's/a/b/p' f1", repo) == []
    assert summary("perl -pi -e 's/x/y/' f.txt", repo) == [
        ("write", "in-place", f"{r}/f.txt", "perl")
    ]
    assert summary("tee -a log.txt", repo) == [("write", "append", f"{r}/log.txt", "tee")]
    assert summary("dd if=a of=disk.img conv=notrunc", repo) == [
        ("write", "in-place", f"{r}/disk.img", "dd")
    ]
    assert summary("touch a; mkdir -p b/c", repo) == [
        ("write", "create", f"{r}/a", "touch"),
        ("write", "create", f"{r}/b/c", "mkdir"),
    ]
    assert summary("truncate -s 0 big.log", repo) == [
        ("write", "truncate", f"{r}/big.log", "truncate")
    ]


def test_rsync_delete_and_remote_destinations(repo: Path) -> None:
    effects = summary("rsync -a --delete src/ mirror/", repo)
    assert ("delete", "recursive", f"{repo}/mirror", "rsync") in effects
    assert summary("rsync -a src/ host:backup/", repo) == []


def test_unknown_paths_have_no_resolution(repo: Path) -> None:
    (effect,) = command_effects('rm -rf "$X"', cwd=repo)
    assert isinstance(effect, Effect)
    assert (effect.path, effect.resolved) == ("«$X»", None)
    assert effect.to_dict()["resolved"] is None


def test_dry_run_contexts_have_no_effects(repo: Path) -> None:
    assert summary("bash -n -c 'rm -rf src'", repo) == []


def test_effects_carry_span_and_via(repo: Path) -> None:
    (effect,) = command_effects("sh -c 'rm x'", cwd=repo)
    assert [hop["kind"] for hop in effect.to_dict()["via"]] == ["shell-c"]
    assert effect.span is not None


def test_mktemp_results_resolve_into_their_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = str(repo)
    monkeypatch.delenv("TMPDIR", raising=False)
    assert summary("echo x > $(mktemp)", repo) == [
        ("write", "truncate", "/tmp/tmp.XXXXXXXXXX", "redirect")
    ]
    assert summary('d=$(mktemp -d) && cp a "$d/b"', repo)[0][2] == "/tmp/tmp.XXXXXXXXXX/b"
    monkeypatch.setenv("TMPDIR", "/var/scratch")
    assert summary("f=$(mktemp); echo x >> $f", repo)[0][2] == "/var/scratch/tmp.XXXXXXXXXX"
    # -p / --tmpdir / a template with a directory: that directory, relative to the cwd
    assert summary("echo x > $(mktemp -p src)", repo)[0][2] == f"{r}/src/tmp.XXXXXXXXXX"
    assert summary("echo x > $(mktemp --tmpdir=/etc)", repo)[0][2] == "/etc/tmp.XXXXXXXXXX"
    # an unknown directory stays unresolved
    assert summary("echo x > $(mktemp -p $UNSET_DIR)", repo)[0][2] is None


def test_mktemp_template_without_directory_option_is_created_in_the_cwd(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = str(repo)
    monkeypatch.setenv("TMPDIR", "/var/scratch")
    # GNU mktemp: a TEMPLATE without -t / -p / --tmpdir is a path relative to the cwd
    assert summary("echo x > $(mktemp notes.XXXX)", repo)[0][2] == f"{r}/tmp.XXXXXXXXXX"
    assert summary('d=$(mktemp -d work.XXXX) && cp a "$d/b"', repo)[0][2] == (
        f"{r}/tmp.XXXXXXXXXX/b"
    )
    assert summary("echo x > $(mktemp --suffix .txt out.XXXX)", repo)[0][2] == (
        f"{r}/tmp.XXXXXXXXXX"
    )
    # -t (also inside an option cluster) and a bare --tmpdir: the name goes in $TMPDIR
    for option in ("-t", "-dt", "--tmpdir"):
        assert summary(f"echo x > $(mktemp {option} notes.XXXX)", repo)[0][2] == (
            "/var/scratch/tmp.XXXXXXXXXX"
        ), option
    # -p DIR wins over the template's place; a cluster may carry it
    assert summary("echo x > $(mktemp -dp /srv notes.XXXX)", repo)[0][2] == "/srv/tmp.XXXXXXXXXX"
    # the directory of a template with a known location in it
    monkeypatch.setenv("HOME", "/home/agent")
    assert summary('echo x > $(mktemp "$HOME/notes.XXXX")', repo)[0][2] == (
        "/home/agent/tmp.XXXXXXXXXX"
    )
    # an unknown piece after the last known "/" could hold another: the directory is unknown
    assert summary('echo x > $(mktemp "/opt/$NAME.XXXX")', repo)[0][2] is None
    assert summary('echo x > $(mktemp "$NAME")', repo)[0][2] is None


def test_git_working_tree_writes(repo: Path) -> None:
    """agent-hooks.md §9.7.2: git rm, mv, restore, checkout -- paths and apply write files."""
    r = str(repo)
    assert summary("git mv CLAUDE.md notes.md", repo) == [
        ("write", "create", f"{r}/notes.md", "git mv"),
        ("delete", "file", f"{r}/CLAUDE.md", "git mv"),
    ]
    assert summary("git mv -n a b", repo) == []
    assert summary("git restore src/app.py", repo) == [
        ("write", "in-place", f"{r}/src/app.py", "git restore")
    ]
    assert summary("git restore --staged src/app.py", repo) == []
    assert summary("git restore -s HEAD~1 -SW src/app.py", repo) == [
        ("write", "in-place", f"{r}/src/app.py", "git restore")
    ]
    assert summary("git checkout HEAD~1 -- src/app.py", repo) == [
        ("write", "in-place", f"{r}/src/app.py", "git checkout")
    ]
    assert summary("git checkout main", repo) == []
    assert summary("git apply fix.patch", repo) == [("write", "in-place", None, "git apply")]
    assert summary("git apply --check fix.patch", repo) == []
    assert summary("shred -u key.pem", repo) == [("delete", "file", f"{r}/key.pem", "shred")]


def test_time_output_file_is_written(repo: Path) -> None:
    """§15: ``/usr/bin/time -o FILE`` / ``--output=FILE`` writes FILE (audit round 5, D2)."""
    r = str(repo)
    for command in (
        "/usr/bin/time -o t.txt ls",
        "/usr/bin/time --output=t.txt ls",
        "/usr/bin/time --output t.txt ls",
        "/usr/bin/time --out=t.txt ls",
        "/usr/bin/time -f %e -ot.txt ls",
        "env time -o t.txt ls",
        "command time -o t.txt ls",
    ):
        assert summary(command, repo) == [("write", "truncate", f"{r}/t.txt", "time")], command
    assert summary("/usr/bin/time -ao t.txt ls", repo) == [
        ("write", "append", f"{r}/t.txt", "time")
    ]
    assert summary("cd src && /usr/bin/time -o t.txt ls", repo) == [
        ("write", "truncate", f"{r}/src/t.txt", "time")
    ]
    assert summary('/usr/bin/time -o "$OUT" ls', repo) == [("write", "truncate", None, "time")]
    assert summary("/usr/bin/time -o /dev/null ls", repo) == []
    assert summary("/usr/bin/time -p ls", repo) == []


def test_git_pathspecs_resolve_against_the_git_C_directory(repo: Path) -> None:
    """§1.2/§15: ``git -C DIR`` is the effective cwd of the pathspecs; several -C compose as
    in git, an empty one changes nothing (audit round 5, D4)."""
    r = str(repo)
    assert summary("git -C src rm app.py", repo) == [
        ("delete", "file", f"{r}/src/app.py", "git rm")
    ]
    assert summary("git -C .orchestrator/policy rm guard.yaml", repo) == [
        ("delete", "file", f"{r}/.orchestrator/policy/guard.yaml", "git rm")
    ]
    assert summary("git -C src -C sub rm -r x", repo) == [
        ("delete", "recursive", f"{r}/src/sub/x", "git rm")
    ]
    assert summary(f"git -C /elsewhere -C {r} rm a.py", repo) == [
        ("delete", "file", f"{r}/a.py", "git rm")
    ]
    assert summary("cd src && git -C .. rm a.py", repo) == [
        ("delete", "file", f"{r}/a.py", "git rm")
    ]
    assert summary("git -C '' rm a.py", repo) == [("delete", "file", f"{r}/a.py", "git rm")]
    assert summary('git -C "$DIR" rm a.py', repo) == [("delete", "file", None, "git rm")]
    assert summary("git -C src mv a.py b.py", repo) == [
        ("write", "create", f"{r}/src/b.py", "git mv"),
        ("delete", "file", f"{r}/src/a.py", "git mv"),
    ]
    assert summary("git -C src restore app.py", repo) == [
        ("write", "in-place", f"{r}/src/app.py", "git restore")
    ]
