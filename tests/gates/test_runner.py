"""The process runner with real subprocesses: capture, timeouts with process-group kill,
orphans holding the pipes, bounded logs, and the child environment.
"""

from __future__ import annotations

import _thread
import io
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.gates.env import child_env
from sessionkit.gates.runner import ProcessInterrupted, _CappedLog, run_process
from tests.gates.conftest import pid_alive


def run(
    tool: str,
    tmp_path: Path,
    *,
    timeout: float = 20,
    grace: float = 1,
    env: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    return run_process(
        [tool],
        shell=False,
        cwd=str(tmp_path),
        env=env or dict(os.environ),
        timeout_s=timeout,
        kill_grace_s=grace,
        stdout_log=str(tmp_path / "out.log"),
        stderr_log=str(tmp_path / "err.log"),
        tail_lines=3,
    )


def test_both_streams_captured_and_tail_bounded(
    fake_tool: Callable[..., str], tmp_path: Path
) -> None:
    tool = fake_tool(
        "t", stdout="".join(f"out {n}\n" for n in range(10)), stderr="err line\n", exit=3
    )
    result = run(tool, tmp_path)
    assert result.exit_code == 3 and not result.timed_out
    assert (tmp_path / "out.log").read_text().count("\n") == 10
    assert (tmp_path / "err.log").read_text() == "err line\n"
    # both pipes feed one bounded ring in arrival order (the order between pipes is a race)
    tail = result.tail.split("\n")
    assert len(tail) == 3 and set(tail) <= {f"out {n}" for n in range(10)} | {"err line"}
    only_err = run(fake_tool("e", stderr="problem on stderr\n", exit=1), tmp_path)
    assert only_err.tail == "problem on stderr"


def test_timeout_kills_the_whole_group(fake_tool: Callable[..., str], tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    tool = fake_tool(
        "slow", sleep=30, grandchild_sleep=30, pidfile=str(pidfile), stdout="partial\n"
    )
    started = time.monotonic()
    result = run(tool, tmp_path, timeout=1.5, grace=1)
    elapsed = time.monotonic() - started
    assert result.timed_out and result.exit_code is None
    assert elapsed < 1.5 + 1 + 3
    assert "partial" in result.tail
    pids = [int(p) for p in pidfile.read_text().split()]
    time.sleep(0.2)
    assert len(pids) == 2 and not any(pid_alive(p) for p in pids)


def test_sigterm_ignored_gets_sigkill(fake_tool: Callable[..., str], tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    tool = fake_tool("stubborn", sleep=30, ignore_term=True, pidfile=str(pidfile))
    started = time.monotonic()
    result = run(tool, tmp_path, timeout=1, grace=1)
    assert result.timed_out
    assert time.monotonic() - started < 1 + 1 + 3
    time.sleep(0.2)
    assert not any(pid_alive(int(p)) for p in pidfile.read_text().split())


def test_orphan_holding_the_pipes_is_killed(fake_tool: Callable[..., str], tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    tool = fake_tool(
        "server",
        grandchild_sleep=60,
        grandchild_holds_pipes=True,
        pidfile=str(pidfile),
        stdout="ok\n",
    )
    started = time.monotonic()
    result = run(tool, tmp_path)
    assert time.monotonic() - started < 5 + 3
    assert result.exit_code == 0 and "orphans-killed" in result.notes
    time.sleep(0.2)
    assert not any(pid_alive(int(p)) for p in pidfile.read_text().split())


def test_spawn_failure_is_reported(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope"), tmp_path)
    assert result.spawn_error is not None and result.exit_code is None


def test_capped_log_keeps_head_and_tail_with_marker(tmp_path: Path) -> None:
    log = _CappedLog(str(tmp_path / "log"), cap=100, head=60)
    for n in range(50):
        log.write(f"{n:03d}\n".encode())  # 200 bytes in total
    log.close()
    data = (tmp_path / "log").read_bytes()
    assert log.truncated
    assert data.startswith(b"000\n001\n")
    assert data.endswith(b"048\n049\n")
    assert b"[sessionkit: 100 bytes omitted]" in data


def test_large_output_is_capped_in_memory_and_on_disk(
    fake_tool: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sessionkit.gates.runner as runner

    monkeypatch.setattr(runner, "LOG_CAP", 3 * 1024 * 1024)
    monkeypatch.setattr(runner, "LOG_HEAD", 2 * 1024 * 1024)
    monkeypatch.setattr(
        runner._CappedLog.__init__, "__defaults__", (runner.LOG_CAP, runner.LOG_HEAD)
    )
    tool = fake_tool("chatty", mib=8, stdout="THE END\n")
    result = run(tool, tmp_path)
    size = (tmp_path / "out.log").stat().st_size
    assert result.truncated
    assert size < 3 * 1024 * 1024 + 200
    assert (tmp_path / "out.log").read_bytes().endswith(b"THE END\n")


def test_child_environment(fake_tool: Callable[..., str], tmp_path: Path) -> None:
    dump = tmp_path / "env.json"
    tool = fake_tool("envy", record_env=str(dump))
    base = {
        **os.environ,
        "FORCE_COLOR": "1",
        "GIT_INDEX_FILE": "/outer/index",
        "SESSIONKIT_GATE_DEPTH": "1",
        "PYTEST_ADDOPTS": "-x",
    }
    env = child_env(
        check="lint",
        variant="full-gate",
        report_dir=str(tmp_path / "r"),
        extra={"MY": "v"},
        junit_inject_path=str(tmp_path / "my dir" / "j.xml"),
        base=base,
    )
    run(tool, tmp_path, env=env)
    seen = json.loads(dump.read_text())
    assert seen["NO_COLOR"] == "1" and seen["PY_COLORS"] == "0"
    assert "FORCE_COLOR" not in seen and "GIT_INDEX_FILE" not in seen
    assert seen["SESSIONKIT_GATE"] == "1" and seen["SESSIONKIT_GATE_DEPTH"] == "2"
    assert seen["SESSIONKIT_GATE_CHECK"] == "lint" and seen["MY"] == "v"
    assert seen["PYTEST_ADDOPTS"].startswith("-x --junitxml='")
    assert "my dir/j.xml'" in seen["PYTEST_ADDOPTS"]


def shell(script: str, tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    return run_process(
        [script],
        shell=True,
        cwd=str(tmp_path),
        env=dict(os.environ),
        timeout_s=20,
        kill_grace_s=1,
        stdout_log=str(tmp_path / "out.log"),
        stderr_log=str(tmp_path / "err.log"),
        tail_lines=10,
        **options,  # type: ignore[arg-type]
    )


def test_stream_prefixes_whole_lines(tmp_path: Path) -> None:
    echo = io.StringIO()
    script = (
        "printf 'hel'; sleep 0.2; printf 'lo world\\n'; "
        "for i in 1 2 3; do printf .; sleep 0.05; done; echo ' [100%]'; "
        "printf '\\303'; sleep 0.1; printf '\\251t\\r\\n'; "
        "printf 'progress 10%%\\rprogress 100%%\\n'; echo err >&2; printf 'no end'"
    )
    result = shell(script, tmp_path, echo=echo, echo_prefix="[lint] ")
    assert result.exit_code == 0
    lines = echo.getvalue().splitlines()
    assert [line for line in lines if line != "[lint] err"] == [
        "[lint] hello world",
        "[lint] ... [100%]",
        "[lint] \u00e9t",  # a UTF-8 character read in two pieces, CRLF ended
        "[lint] progress 100%",  # what a terminal shows of a redrawn line
        "[lint] no end",  # the unfinished last line, flushed at exit
    ]
    assert "[lint] err" in lines
    assert (tmp_path / "out.log").read_bytes().startswith(b"hello world\n...")


def test_interrupt_keeps_the_captured_output(tmp_path: Path) -> None:
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(ProcessInterrupted) as info:
            shell("echo started; echo oops >&2; sleep 30", tmp_path)
    finally:
        timer.cancel()
    assert isinstance(info.value, KeyboardInterrupt)  # callers that stop on Ctrl-C still do
    outcome = info.value.outcome
    assert outcome.exit_code is None and not outcome.timed_out
    assert sorted(outcome.tail.splitlines()) == ["oops", "started"]
    assert (tmp_path / "out.log").read_text() == "started\n"
    assert time.monotonic() - started < 10  # the group was stopped, not waited for
