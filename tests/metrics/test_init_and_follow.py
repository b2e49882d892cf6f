"""``metrics init`` writes the git blocks (spec §6.7); ``metrics tail --follow`` (§5.2)."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sessionkit import schemas
from sessionkit.cli import main
from sessionkit.metrics import maintenance
from sessionkit.metrics.store import MetricsStore

ATTRIBUTES = [
    ".orchestrator/metrics/sessions.jsonl text eol=lf merge=union",
    ".orchestrator/metrics/learnings.jsonl text eol=lf merge=union",
    ".orchestrator/metrics/learnings-archive.jsonl text eol=lf merge=union",
]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def _init(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["metrics", "init", "--json", *args])
    out = capsys.readouterr().out
    data = json.loads(out)
    schemas.validator("metrics-report.v1").validate(data)
    assert code == data["summary"]["error"]  # 0 unless an error finding
    return data


def _block(text: str) -> list[str]:
    lines = text.splitlines()
    begin = lines.index(maintenance.BLOCK_BEGIN)
    return lines[begin + 1 : lines.index(maintenance.BLOCK_END)]


def test_init_writes_the_blocks_and_git_honours_them(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    # the prior art's rule that ignored the durable stores, written before the block
    (repo / ".gitignore").write_text("node_modules/\n.orchestrator/metrics/*.jsonl")
    data = _init(capsys)
    actions = {a.get("file") or a["stream"]: a["action"] for a in data["actions"]}
    assert actions == {
        "sessions": "create",
        "learnings": "create",
        "learnings-archive": "create",
        ".gitattributes": "block-written",
        ".gitignore": "block-written",
    }
    gitignore = (repo / ".gitignore").read_text()
    assert gitignore.startswith("node_modules/\n.orchestrator/metrics/*.jsonl\n# >>> sessionkit")
    assert _block(gitignore)[:4] == [
        ".orchestrator/metrics/*",
        "!.orchestrator/metrics/sessions.jsonl",
        "!.orchestrator/metrics/learnings.jsonl",
        "!.orchestrator/metrics/learnings-archive.jsonl",
    ]
    assert _block((repo / ".gitattributes").read_text()) == ATTRIBUTES
    store = repo / ".orchestrator" / "metrics"
    (store / "events.jsonl").write_text("{}\n")
    assert _git(repo, "check-ignore", "-q", ".orchestrator/metrics/events.jsonl").returncode == 0
    for name in ("sessions", "learnings", "learnings-archive"):
        rel = f".orchestrator/metrics/{name}.jsonl"
        assert _git(repo, "check-ignore", "-q", rel).returncode == 1, f"{rel} is ignored"
        attrs = _git(repo, "check-attr", "merge", "eol", "--", rel).stdout
        assert "merge: union" in attrs and "eol: lf" in attrs
    codes = {f.code for f in MetricsStore(repo).doctor().findings}
    assert not codes & {"tracking", "attributes"}

    # a second run changes nothing
    before = {p: (repo / p).read_bytes() for p in (".gitignore", ".gitattributes")}
    again = _init(capsys)
    assert [a["action"] for a in again["actions"]] == ["block-skipped", "block-skipped"]
    assert not any(a["done"] for a in again["actions"])
    assert {p: (repo / p).read_bytes() for p in before} == before


def test_a_different_block_is_preserved_unless_upgrade(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    edited = (
        "*.png binary\n# >>> sessionkit >>>\n.orchestrator/metrics/sessions.jsonl merge=union\n"
        "# <<< sessionkit <<<\nafter-the-block text\n"
    )
    (repo / ".gitattributes").write_text(edited)
    data = _init(capsys)
    assert {"file": ".gitattributes", "action": "block-preserved"}.items() <= next(
        a for a in data["actions"] if a.get("file") == ".gitattributes"
    ).items()
    assert [f["code"] for f in data["findings"]] == ["managed-block"]
    assert data["findings"][0]["fix"] == "sessionkit metrics init --upgrade"
    assert (repo / ".gitattributes").read_text() == edited
    upgraded = _init(capsys, "--upgrade")
    assert any(a["action"] == "block-upgraded" and a["done"] for a in upgraded["actions"])
    text = (repo / ".gitattributes").read_text()
    assert text.startswith("*.png binary\n# >>> sessionkit >>>\n")
    assert text.endswith("# <<< sessionkit <<<\nafter-the-block text\n")
    assert _block(text) == ATTRIBUTES


def test_no_track_ignores_the_whole_store(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    data = _init(capsys, "--no-track")
    assert [a["action"] for a in data["actions"]] == ["block-written"]
    assert not (repo / ".gitattributes").exists()
    assert _block((repo / ".gitignore").read_text())[0] == ".orchestrator/metrics/"
    (repo / ".orchestrator" / "metrics" / "sessions.jsonl").write_text("")
    rel = ".orchestrator/metrics/sessions.jsonl"
    assert _git(repo, "check-ignore", "-q", rel).returncode == 0


def test_no_track_upgrade_removes_the_merge_union_lines(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """§6.7: ``--no-track`` leaves the ``merge=union`` lines out, also when a tracked init wrote
    them: without --upgrade the block is preserved with a warning, with it the block is
    removed and text outside it kept (audit round 2, D12)."""
    monkeypatch.chdir(repo)
    _init(capsys)
    attributes = repo / ".gitattributes"
    attributes.write_text("*.png binary\n" + attributes.read_text() + "after text\n")
    kept = _init(capsys, "--no-track")
    assert [f["file"] for f in kept["findings"]] == [".gitattributes", ".gitignore"]
    assert "--upgrade to remove it" in kept["findings"][0]["message"]
    assert _block(attributes.read_text()) == ATTRIBUTES
    upgraded = _init(capsys, "--no-track", "--upgrade")
    actions = {a["file"]: (a["action"], a["done"]) for a in upgraded["actions"]}
    assert actions == {
        ".gitattributes": ("block-removed", True),
        ".gitignore": ("block-upgraded", True),
    }
    assert attributes.read_text() == "*.png binary\nafter text\n"
    rel = ".orchestrator/metrics/sessions.jsonl"
    assert "merge: unspecified" in _git(repo, "check-attr", "merge", "--", rel).stdout
    again = _init(capsys, "--no-track", "--upgrade")
    assert [(a["file"], a["action"]) for a in again["actions"]] == [(".gitignore", "block-skipped")]


def test_block_writer_keeps_crlf_files_and_a_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / ".gitignore"
    path.write_bytes(b"a\r\nb")
    assert maintenance.write_managed_block(path, ["x"], dry_run=True) == "written"
    assert path.read_bytes() == b"a\r\nb"  # a dry run writes nothing
    assert maintenance.write_managed_block(path, ["x"]) == "written"
    assert path.read_bytes() == b"a\r\nb\n# >>> sessionkit >>>\nx\n# <<< sessionkit <<<\n"
    assert maintenance.write_managed_block(path, ["x"]) == "skipped"
    assert maintenance.write_managed_block(path, ["y"]) == "preserved"
    assert maintenance.write_managed_block(path, ["y"], upgrade=True) == "upgraded"
    assert path.read_bytes() == b"a\r\nb\n# >>> sessionkit >>>\ny\n# <<< sessionkit <<<\n"
    assert [p.name for p in tmp_path.iterdir()] == [".gitignore"]  # no temp file left


# --------------------------------------------------------------------------- tail --follow


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """One line of the child's stdout, or b"" when none arrives in time."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buffer = b""
    while not buffer.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not sel.select(remaining):
            return b""
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            return buffer
        buffer += chunk
    return buffer


def test_tail_follow_prints_what_another_process_appends(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    MetricsStore(tmp_path, metrics_dir=store_dir).emit("acme.before.start", {"n": 0})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SESSIONKIT_NO_METRICS", None)
    follow = [sys.executable, "-m", "sessionkit", "metrics", "--metrics-dir", str(store_dir)]
    proc = subprocess.Popen(
        [*follow, "tail", "-n", "1", "--follow", "--jsonl", "--event", "acme.**"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        first = _read_line(proc, 30)
        assert json.loads(first)["event"] == "acme.before.start"
        writer = [sys.executable, "-m", "sessionkit", "metrics", "--metrics-dir", str(store_dir)]
        for n in (1, 2):
            subprocess.run(
                [*writer, "emit", "acme.deploy.done", "--payload", json.dumps({"n": n})],
                check=True,
                env=env,
                capture_output=True,
            )
        got = [json.loads(_read_line(proc, 10)) for _ in range(2)]
        assert [(r["event"], r["n"]) for r in got] == [
            ("acme.deploy.done", 1),
            ("acme.deploy.done", 2),
        ]
        # a rotation replaces the live file: the follower reopens and keeps going
        MetricsStore(tmp_path, metrics_dir=store_dir).rotate("events", force=True, dry_run=False)
        subprocess.run(
            [*writer, "emit", "acme.deploy.done", "--payload", '{"n": 3}'],
            check=True,
            env=env,
            capture_output=True,
        )
        after = [json.loads(_read_line(proc, 10)) for _ in range(1)]
        assert after[0]["n"] == 3
        assert proc.poll() is None  # still following
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode is not None


def test_tail_follow_prints_lines_appended_just_before_a_rotation(tmp_path: Path) -> None:
    """Lines written and rotated away between two polls are still printed (spec §5.2)."""
    store_dir = tmp_path / "store"
    store = MetricsStore(tmp_path, metrics_dir=store_dir)
    store.emit("acme.before.start", {"n": 0})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SESSIONKIT_NO_METRICS", None)
    proc = subprocess.Popen(
        [*_cli(store_dir), "tail", "-n", "1", "--follow", "--jsonl", "--event", "acme.**"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert json.loads(_read_line(proc, 30))["n"] == 0
        # the three steps run well inside one 0.5 s poll interval
        store.emit("acme.deploy.done", {"n": 1})
        store.emit("acme.deploy.done", {"n": 2})
        store.rotate("events", force=True, dry_run=False)
        store.emit("acme.deploy.done", {"n": 3})
        got = [json.loads(_read_line(proc, 10) or b"null") for _ in range(3)]
        assert [r and r["n"] for r in got] == [1, 2, 3]
    finally:
        proc.terminate()
        proc.wait(10)


def test_tail_up_to_a_followers_start_and_the_follower_show_each_record_once(
    tmp_path: Path,
) -> None:
    """``tail --follow`` starts its follower before reading the tail (nothing lost in between)
    and reads the tail only up to the follower's start (nothing printed twice)."""
    from sessionkit.metrics.query import Follower

    store = MetricsStore(tmp_path, metrics_dir=tmp_path / "store")
    for n in range(5):
        store.emit("acme.deploy.done", {"n": n})
    follower = Follower(str(store.path("events")))
    for n in (5, 6):  # appended while the tail is being read
        store.emit("acme.deploy.done", {"n": n})
    shown = store.tail("events", 3, live_end=follower.start)
    followed = [json.loads(line) for line in follower.poll()]
    follower.close()
    assert [r["n"] for r in shown] == [2, 3, 4]
    assert [r["n"] for r in followed] == [5, 6]


def _cli(store_dir: Path) -> list[str]:
    return [sys.executable, "-m", "sessionkit", "metrics", "--metrics-dir", str(store_dir)]


def test_follow_with_json_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [*_cli(tmp_path), "tail", "--follow", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
