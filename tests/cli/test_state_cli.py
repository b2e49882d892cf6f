"""``sessionkit state``: exit codes and output of the commands that check their input
(metrics.md §7.9)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit import state
from sessionkit.cli import main
from sessionkit.metrics.store import MetricsStore
from tests.test_state import state_env  # noqa: F401  (the autouse environment reset)


@pytest.fixture
def repo(make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(files={"README.md": "x\n"})
    monkeypatch.chdir(root)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["state", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_set_refuses_values_state_md_cannot_hold(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "begin")[0] == 0
    path = repo / ".claude" / "STATE.md"
    before = path.read_bytes()
    for assignment in ('y={"a":1}', "y=[1,[2]]", "y=NaN", "Bad=1", "started_at=2026-02-30T00:00"):
        code, _, err = run(capsys, "set", assignment)
        assert code == 1, (assignment, err)  # §7.9 set: 1 invalid value
        assert "invalid" in err and "internal error" not in err and "Traceback" not in err
    assert path.read_bytes() == before
    assert run(capsys, "set", 'y=[{"a":1},{"a":2}]', 'z="{\\"a\\":1}"')[0] == 0
    fm = state.read(repo).frontmatter  # type: ignore[union-attr]
    assert fm["y"] == [{"a": 1}, {"a": 2}] and fm["z"] == '{"a":1}'


def test_set_writes_timestamps_as_utc_z(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "begin")[0] == 0
    assert run(capsys, "set", "started_at=2026-11-24T10:00:00+02:00")[0] == 0
    text = (repo / ".claude" / "STATE.md").read_text()
    assert 'started_at: "2026-11-24T08:00:00.000Z"\n' in text  # §7.2: UTC Z milliseconds


def test_add_wave_refuses_an_empty_role(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "begin")[0] == 0
    for role in ("", "  \n "):
        code, _, err = run(capsys, "add", "wave", "1", "--role", role)
        assert code == 1 and "a wave needs a role" in err
    assert "### Wave" not in (repo / ".claude" / "STATE.md").read_text()
    assert run(capsys, "add", "wave", "1", "--role", "Discovery")[0] == 0
    assert run(capsys, "add", "wave", "2", "--role", "Impl")[0] == 0
    assert run(capsys, "complete")[0] == 0
    (record,) = MetricsStore(repo).read("sessions")
    assert record["total_waves"] == 2  # §3.4: one entry per `### Wave N — Role` heading
    assert [w["role"] for w in record["waves"]] == ["Discovery", "Impl"]


def test_reset_dry_run_prints_a_diff(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "reset")  # no file: the idle template, as an added file
    assert code == 0 and out.startswith("--- /dev/null\n+++ b/.claude/STATE.md\n")
    assert "+status: idle\n" in out and not (repo / ".claude" / "STATE.md").exists()
    assert run(capsys, "begin")[0] == 0
    assert run(capsys, "complete", "--no-record")[0] == 0
    path = repo / ".claude" / "STATE.md"
    before = path.read_bytes()
    code, out, _ = run(capsys, "reset")
    assert code == 0 and path.read_bytes() == before  # §7.9: dry run prints the diff
    assert out.startswith("--- a/.claude/STATE.md\n+++ b/.claude/STATE.md\n@@ ")
    assert "\n-status: completed\n" in out and "\n+status: idle\n" in out
    assert " schema-version: 1\n" in out  # context lines, not the whole new file
    assert out.rstrip("\n").endswith("reset: .claude/STATE.md (unchanged)")
    assert run(capsys, "reset", "--apply")[0] == 0
    code, out, _ = run(capsys, "reset")  # idle: nothing to do, no diff
    assert code == 0 and out == "reset: .claude/STATE.md (unchanged)\n"


def test_show_path_prints_only_the_path_of_a_broken_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§7.9 (audit round 2, D5): ``--path`` prints only the resolved path, with no parse."""
    assert run(capsys, "show", "--path") == (0, ".claude/STATE.md\n", "")  # no file yet
    (repo / ".claude").mkdir()
    (repo / ".claude" / "STATE.md").write_text("not frontmatter\n")
    assert run(capsys, "show", "--path") == (0, ".claude/STATE.md\n", "")
    code, _, err = run(capsys, "show")
    assert code == 1 and "STATE.md:1: missing frontmatter" in err
    (repo / "CLAUDE.md").write_text("## Session Config\n\n```yaml\nstate:\n  dir: .agents\n```\n")
    state._PATH_CACHE.clear()
    assert run(capsys, "show", "--path") == (0, ".agents/STATE.md\n", "")
