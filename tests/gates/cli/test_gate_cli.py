"""``sessionkit gate`` and the ``gates`` check through the real console entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sessionkit.schemas import validator
from tests.gates.cli.conftest import Ran

SESSIONKIT = str(Path(sys.executable).parent / "sessionkit")


def subprocess_cli(
    repo: Path, *args: str, metrics: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SESSIONKIT_NO_METRICS": "1"}
    if metrics:
        del env["SESSIONKIT_NO_METRICS"]
    return subprocess.run(
        [SESSIONKIT, *args], cwd=repo, capture_output=True, text=True, env=env, check=False
    )


def test_run_json_exit_codes_and_schema(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo(
        {"test": {"command": "false"}, "lint": {"command": "ls"}, "typecheck": {"command": "skip"}}
    )
    proc = cli(repo, "gate", "run", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [e.message for e in validator("gate-result").iter_errors(doc)] == []
    assert doc["summary"]["blocking"] == ["test"]
    assert cli(repo, "gate", "run", "--fail-on", "never", "--no-progress").returncode == 0
    progress = cli(repo, "gate", "run", "--check", "lint")
    assert progress.returncode == 0 and "[1/1] lint: started (ls)" in progress.stderr
    assert "  ✓ lint" in progress.stdout or "PASS lint" in progress.stdout


def test_usage_and_environment_exit_codes(
    gate_repo: Callable[..., Path], tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    repo = gate_repo({"test": {"command": "ls"}})
    assert cli(repo, "gate", "run", "--variant", "bogus").returncode == 2
    assert cli(repo, "gate", "run", "--check", "nope").returncode == 2
    assert cli(repo, "gate", "run", "--staged", "--base", "HEAD").returncode == 2
    assert cli(repo, "gate", "run", "some/file.py").returncode == 2  # files only with per-file
    bad_ref = cli(repo, "gate", "run", "--variant", "incremental", "--base", "-oops")
    assert bad_ref.returncode == 2 and "not a valid revision" in bad_ref.stderr
    empty_ref = cli(repo, "gate", "run", "--variant", "incremental", "--base", "")
    assert empty_ref.returncode == 2 and "not a valid revision: ''" in empty_ref.stderr
    for source in (["--staged"], ["--base", "HEAD"]):  # one change source per run (§4.2)
        both = cli(repo, "gate", "run", "--variant", "per-file", *source, "a.py")
        assert both.returncode == 2 and "another change source" in both.stderr
    missing = cli(repo, "gate", "run", "--variant", "incremental", "--base", "no-such-branch")
    assert missing.returncode == 3 and "fetch-depth: 0" in missing.stderr
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    assert cli(outside, "gate", "run").returncode == 3
    assert cli(repo, "gate", "run", "--report", "bogus:x").returncode == 2


def test_invalid_policy_exits_1_with_location(
    make_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = make_repo(
        files={
            ".orchestrator/policy/quality-gates.json": '{\n  "version": 2,\n  "commands": {"test": {"command": ""}}\n}\n'
        }
    )
    proc = cli(repo, "gate", "run", "--no-progress")
    assert proc.returncode == 1
    assert ".orchestrator/policy/quality-gates.json" in proc.stdout and "commands" in proc.stdout


def test_reports_and_report_command(
    gate_repo: Callable[..., Path], tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    repo = gate_repo(
        {"test": {"command": "false"}, "lint": {"command": "ls"}, "typecheck": {"command": "skip"}}
    )
    out = tmp_path / "out"
    proc = cli(
        repo,
        "gate",
        "run",
        "--no-progress",
        "--report",
        f"junit={out}/junit.xml",
        "--report",
        f"sarif:{out}/gate.sarif",
        "--report",
        f"codequality={out}/cq.json",
        "--report",
        f"json={out}/result.json",
    )
    assert proc.returncode == 1
    assert (out / "junit.xml").exists() and json.loads((out / "cq.json").read_text()) == []
    rendered = cli(
        repo,
        "gate",
        "report",
        "--from",
        str(out / "result.json"),
        "--report",
        f"markdown={out}/summary.md",
    )
    assert rendered.returncode == 1 and (out / "summary.md").read_text().startswith(
        "### sessionkit gate"
    )
    assert (
        cli(
            repo,
            "gate",
            "report",
            "--from",
            str(out / "result.json"),
            "--report",
            "text:-",
            "--exit-zero",
        ).returncode
        == 0
    )
    (out / "broken.json").write_text('{"schema_version": 1}')
    assert (
        cli(
            repo, "gate", "report", "--from", str(out / "broken.json"), "--report", "text:-"
        ).returncode
        == 1
    )
    (out / "not-json.json").write_text('{"schema_version": 1,\n  oops}')
    not_json = cli(
        repo, "gate", "report", "--from", str(out / "not-json.json"), "--report", "text:-"
    )
    assert not_json.returncode == 1  # invalid input (§10.3), not an unreadable file
    assert f"{out / 'not-json.json'}:2:3: not a gate result" in not_json.stderr
    missing = cli(repo, "gate", "report", "--from", str(out / "missing.json"), "--report", "text:-")
    assert missing.returncode == 3
    conflict = cli(repo, "gate", "run", "--json", "--report", "github")
    assert conflict.returncode == 2


def test_baseline_commands(gate_repo: Callable[..., Path], cli: Callable[..., Ran]) -> None:
    repo = gate_repo(
        {"test": {"command": "false"}, "lint": {"command": "ls"}, "typecheck": {"command": "skip"}}
    )
    assert json.loads(cli(repo, "gate", "baseline", "show", "--json").stdout) == {"baseline": None}
    saved = cli(repo, "gate", "baseline", "save", "--no-progress")
    assert saved.returncode == 0 and "saved at refs/so-snapshots/gates/main" in saved.stdout
    assert "checks not passing in the baseline: test" in saved.stderr
    reused = cli(repo, "gate", "baseline", "save")
    assert reused.returncode == 0 and "is current, saved" in reused.stdout
    (repo / "README.md").write_text("changed\n")
    stale = cli(repo, "gate", "baseline", "save", "--no-progress")
    assert (
        "not reusing the stored baseline: dirty-tree" in stale.stderr and "saved at" in stale.stdout
    )
    assert "is current" in cli(repo, "gate", "baseline", "save").stdout
    assert (
        "is current" not in cli(repo, "gate", "baseline", "save", "--force", "--no-progress").stdout
    )
    shown = json.loads(cli(repo, "gate", "baseline", "show", "--json").stdout)
    assert [e.message for e in validator("gate-baseline").iter_errors(shown)] == []
    assert shown["checks"]["test"]["status"] == "fail"
    # failing in the baseline too, but nothing was measured: a failure cannot be proven old
    unproven = cli(repo, "gate", "run", "--fail-on", "new", "--no-progress")
    assert unproven.returncode == 1 and "not-comparable: baseline-unmeasured" in unproven.stdout
    assert (
        cli(repo, "gate", "baseline", "clear", "--all").returncode == 2
    )  # needs --yes without a terminal
    cleared = cli(repo, "gate", "baseline", "clear")
    assert cleared.returncode == 0 and "deleted refs/so-snapshots/gates/main" in cleared.stdout
    assert cli(repo, "gate", "baseline", "clear").stdout.strip() == "no baseline to clear"


def test_per_file_from_stdin_and_dry_run(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo(
        {
            "test": {"command": ["ls"]},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        },
        files={"tests/test_a.py": "", "src/a.py": ""},
    )
    proc = cli(
        repo,
        "gate",
        "run",
        "--variant",
        "per-file",
        "--files-from",
        "-",
        "--json",
        stdin="src/a.py\0tests/test_a.py\0",
    )
    doc = json.loads(proc.stdout)
    assert doc["checks"][0]["command"]["argv"] == ["ls", "tests/test_a.py"]
    runs = repo / ".orchestrator" / "gates" / "runs"
    before = sorted(runs.iterdir())
    dry = cli(repo, "gate", "run", "--dry-run", "--json")
    assert dry.returncode == 0
    assert {c["status_reason"] for c in json.loads(dry.stdout)["checks"]} >= {"dry-run"}
    assert sorted(runs.iterdir()) == before  # nothing ran, nothing written


def test_gates_check_of_sessionkit_check(
    gate_repo: Callable[..., Path], make_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo(
        {"test": {"command": "false"}, "lint": {"command": "ls"}, "typecheck": {"command": "skip"}}
    )
    default = json.loads(cli(repo, "check", "--json").stdout)
    assert "gates" not in [c["id"] for c in default["checks"]]  # opt-in
    proc = cli(repo, "check", "--only", "gates", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [e.message for e in validator("check-result").iter_errors(doc)] == []
    (entry,) = doc["checks"]
    assert entry["status"] == "fail" and entry["result"]["summary"]["blocking"] == ["test"]
    assert cli(repo, "check", "--only", "gates", "--fail-on", "never").returncode == 0
    broken = make_repo(
        files={".orchestrator/policy/quality-gates.json": '{"version": 3}'}, name="broken"
    )
    # with `config` selected, config reports the invalid policy and gates is not-applicable
    doc = json.loads(cli(broken, "check", "--only", "config,gates", "--json").stdout)
    assert (doc["checks"][1]["status"], doc["checks"][1]["reason"]) == (
        "not-applicable",
        "config-invalid",
    )
    assert any(
        f["check"] == "config" and f["rule_id"].startswith("gates.") for f in doc["findings"]
    )
    # alone, gates must not be silently green (§3.2; audit round 3 D2): fail with the diagnostics
    proc = cli(broken, "check", "--only", "gates", "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [e.message for e in validator("check-result").iter_errors(doc)] == []
    assert (doc["verdict"], doc["checks"][0]["status"], doc["checks"][0]["reason"]) == (
        "fail",
        "fail",
        "config-invalid",
    )
    assert [(f["check"], f["level"], f["path"]) for f in doc["findings"]] == [
        ("gates", "error", ".orchestrator/policy/quality-gates.json")
    ]
    assert not (broken / ".orchestrator" / "gates" / "runs").exists()  # nothing ran


def test_gate_run_writes_an_event_when_metrics_are_on(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo(
        {"test": {"command": "ls"}, "lint": {"command": "skip"}, "typecheck": {"command": "skip"}}
    )
    proc = subprocess_cli(repo, "gate", "run", "--no-progress", metrics=True)
    assert proc.returncode == 0
    events = (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text().splitlines()
    gate_events = [json.loads(line) for line in events if "sessionkit.gate.result" in line]
    assert len(gate_events) == 1
    event = gate_events[0]
    payload = event.get("payload", event)
    assert payload["status"] == "pass" and payload["checks"]["test"]["status"] == "pass"
    assert "counts" not in payload["checks"]["test"]  # unmeasured counts are omitted


def test_a_policy_name_and_a_detected_kind_never_share_a_name(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    """Audit round 3 D1: `"lint": {"kind": "test"}` + a detected ruff -> `lint` and `lint-auto`,
    each with its own logs; `--check lint` is the policy's check."""
    script = [sys.executable, "-c", "print('1 passed in 0.01s')"]
    repo = gate_repo(
        {"lint": {"command": script, "kind": "test"}},
        files={"pyproject.toml": "[tool.ruff]\n"},
    )
    proc = cli(repo, "gate", "run", "--no-progress", "--json")
    doc = json.loads(proc.stdout)
    assert [e.message for e in validator("gate-result").iter_errors(doc)] == []
    checks = {c["name"]: c for c in doc["checks"]}
    assert (checks["lint"]["kind"], checks["lint"]["command"]["source"]) == ("test", "policy")
    assert (checks["lint-auto"]["kind"], checks["lint-auto"]["command"]["source"]) == (
        "lint",
        "auto",
    )
    logs = [c["logs"]["stdout"] for c in doc["checks"] if c.get("logs")]
    assert len(logs) == len(set(logs))
    assert any(w["code"] == "renamed-check" for w in doc["warnings"])
    only = json.loads(cli(repo, "gate", "run", "--no-progress", "--json", "--check", "lint").stdout)
    assert [(c["name"], c["kind"]) for c in only["checks"] if c["status"] != "skip"] == [
        ("lint", "test")
    ]


def test_an_active_session_and_wave_are_recorded(gate_repo: Callable[..., Path]) -> None:
    """Audit round 3 D3: GateResult.session (§8.2) and the event's wave (§10.6) from STATE.md."""
    repo = gate_repo(
        {"test": {"command": "ls"}, "lint": {"command": "skip"}, "typecheck": {"command": "skip"}}
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SESSIONKIT_NO_METRICS", "SESSIONKIT_STATE_DIR", "SO_STATE_DIR")
        and k != "SESSIONKIT_SESSION_ID"
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SESSIONKIT, *args], cwd=repo, capture_output=True, text=True, env=env, check=False
        )

    # no session yet: no `session` key, event wave absent
    doc = json.loads(run("gate", "run", "--no-progress", "--json").stdout)
    assert "session" not in doc
    assert run("state", "begin").returncode == 0
    # a session without a started wave: session id, wave null
    doc = json.loads(run("gate", "run", "--no-progress", "--json").stdout)
    assert doc["session"]["wave"] is None and doc["session"]["session_id"]
    assert run("state", "set", "current-wave=2").returncode == 0
    proc = run("gate", "run", "--no-progress", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [e.message for e in validator("gate-result").iter_errors(doc)] == []
    session_id = doc["session"]["session_id"]
    assert doc["session"] == {"session_id": session_id, "wave": 2}
    lines = (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text().splitlines()
    event = [json.loads(line) for line in lines if "sessionkit.gate.result" in line][-1]
    assert (event["session_id"], event["wave"]) == (session_id, 2)


def test_gitlab_sections(gate_repo: Callable[..., Path], cli: Callable[..., Ran]) -> None:
    repo = gate_repo(
        {
            "test": {"command": "echo tail-line; exit 1"},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    env = {**os.environ, "SESSIONKIT_NO_METRICS": "1", "GITLAB_CI": "true"}
    proc = subprocess.run(
        [SESSIONKIT, "gate", "run", "--no-progress"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "section_start:" in proc.stdout and "sessionkit_test[collapsed=false]" in proc.stdout
    assert "tail-line" in proc.stdout and "section_end:" in proc.stdout


def test_unwritable_metrics_store_warns_once_and_keeps_the_exit_code(
    gate_repo: Callable[..., Path],
) -> None:
    repo = gate_repo(
        {
            "test": {"command": "false"},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    (repo / ".orchestrator" / "metrics").write_text("a file where the store's directory goes\n")
    proc = subprocess_cli(repo, "gate", "run", "--no-progress", metrics=True)
    assert proc.returncode == 1  # the test check fails; the lost event changes nothing
    warnings = [line for line in proc.stderr.splitlines() if "sessionkit.gate.result" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: could not record")


def test_dry_run_names_the_baseline_it_would_use(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    # §10.1: --dry-run resolves "the baseline that would be used"; before, it skipped the
    # lookup and warned "no baseline" under --fail-on new even when one was stored
    repo = gate_repo(
        {
            "test": {"command": "false"},
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    assert cli(repo, "gate", "baseline", "save", "--no-progress").returncode == 0
    dry = cli(repo, "gate", "run", "--dry-run", "--fail-on", "new", "--json")
    doc = json.loads(dry.stdout)
    assert [e.message for e in validator("gate-result").iter_errors(doc)] == []
    assert doc["regression"]["comparable"] is True
    assert doc["regression"]["baseline"]["ref"] == "refs/so-snapshots/gates/main"
    assert "no-baseline" not in {w["code"] for w in doc["warnings"]}
    text = cli(repo, "gate", "run", "--dry-run", "--fail-on", "new", "--no-progress").stdout
    assert "baseline: refs/so-snapshots/gates/main @ " in text
    assert cli(repo, "gate", "run", "--no-progress").returncode == 1  # the dry runs ran nothing


def test_baseline_events_carry_key_commit_and_checks(gate_repo: Callable[..., Path]) -> None:
    """saved, reused and cleared each name the key (decoded), the commit and the statuses."""
    repo = gate_repo(
        {"test": {"command": "false"}, "lint": {"command": "ls"}, "typecheck": {"command": "skip"}}
    )
    subprocess.run(["git", "checkout", "-q", "-b", "feat/x"], cwd=repo, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    for args in (("save", "--no-progress"), ("save",), ("clear",)):
        assert subprocess_cli(repo, "gate", "baseline", *args, metrics=True).returncode == 0
    events = (repo / ".orchestrator" / "metrics" / "events.jsonl").read_text().splitlines()
    payloads = [
        json.loads(line).get("payload", json.loads(line))
        for line in events
        if "sessionkit.gate.baseline" in line
    ]
    assert [p["action"] for p in payloads] == ["saved", "reused", "cleared"]
    for payload in payloads:
        assert payload["key"] == "feat/x"  # not the ref component feat%2Fx
        assert payload["commit"] == head
        assert payload["checks"] == {"test": "fail", "lint": "pass", "typecheck": "skip"}


def test_baseline_show_prints_the_age(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo({"test": {"command": "ls"}})
    assert cli(repo, "gate", "baseline", "save", "--no-progress").returncode == 0
    first = cli(repo, "gate", "baseline", "show").stdout.splitlines()[0]
    assert first.startswith("baseline for main @ ") and ", saved 0 min ago (" in first


def test_json_on_stdout_excludes_a_json_report_on_stdout(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo({"test": {"command": "ls"}})
    both = cli(repo, "gate", "run", "--json", "--report", "json")
    assert both.returncode == 2 and both.stdout == ""
    assert "--json and --report json to stdout both write to stdout" in both.stderr
    to_file = cli(repo, "gate", "run", "--json", "--report", "json:out/result.json")
    assert to_file.returncode == 0 and json.loads(to_file.stdout)["status"] == "pass"
    assert json.loads((repo / "out" / "result.json").read_text())["status"] == "pass"


def test_github_output_names_the_requested_json_report(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo({"test": {"command": "ls"}})
    ran = cli(
        repo,
        "gate",
        "run",
        "--no-progress",
        "--report",
        "json:reports/gate.json",
        "--report",
        "github-output:gh-output.txt",
    )
    assert ran.returncode == 0
    outputs = (repo / "gh-output.txt").read_text().splitlines()
    assert "json-report=reports/gate.json" in outputs


def test_a_missing_files_from_file_is_an_io_error(gate_repo: Callable[..., Path]) -> None:
    repo = gate_repo({"test": {"command": "ls"}})
    proc = subprocess_cli(repo, "gate", "run", "--variant", "per-file", "--files-from", "nope.txt")
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: nope.txt: No such file or directory")
    assert "internal error" not in proc.stderr


def test_tracked_metrics_events_do_not_make_the_tree_dirty(
    gate_repo: Callable[..., Path],
) -> None:
    """A team that tracks its metrics: the gate's own event append is not a change of the tree."""
    repo = gate_repo(
        {"test": {"command": "ls"}, "lint": {"command": "skip"}, "typecheck": {"command": "skip"}},
        files={".orchestrator/metrics/events.jsonl": ""},
    )
    assert (
        subprocess_cli(repo, "gate", "baseline", "save", "--no-progress", metrics=True).returncode
        == 0
    )
    events = repo / ".orchestrator" / "metrics" / "events.jsonl"
    assert events.read_text()  # the tracked stream changed
    again = subprocess_cli(repo, "gate", "baseline", "save", metrics=True)
    assert again.returncode == 0 and "is current" in again.stdout, again.stderr
    (repo / "README.md").write_text("edited\n")  # a real change still counts, once
    dirty = subprocess_cli(repo, "gate", "baseline", "save", "--no-progress", metrics=True)
    assert "not reusing the stored baseline: dirty-tree" in dirty.stderr
    shown = json.loads(subprocess_cli(repo, "gate", "baseline", "show", "--json").stdout)
    assert shown["dirty"] is True
    reused = subprocess_cli(repo, "gate", "baseline", "save", metrics=True)
    assert "is current" in reused.stdout, reused.stderr
    result = json.loads(subprocess_cli(repo, "gate", "run", "--json", "--no-events").stdout)
    assert result["repo"]["dirty"] is True
    subprocess.run(["git", "checkout", "-q", "README.md"], cwd=repo, check=True)
    clean = json.loads(subprocess_cli(repo, "gate", "run", "--json", metrics=True).stdout)
    assert clean["repo"]["dirty"] is False  # events.jsonl differs from HEAD, README does not


def test_a_policy_file_that_is_not_utf8_is_a_config_error_with_its_line(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    repo = gate_repo({"test": {"command": "ls"}})
    policy = repo / ".orchestrator" / "policy" / "quality-gates.json"
    policy.write_bytes(b'{\n  "version": 2,\n  "commands": {"test": {"command": "echo \xff"}}\n}\n')
    ran = cli(repo, "gate", "run", "--no-progress")
    assert ran.returncode == 1  # content to fix, not an unreadable file (3)
    assert (
        ".orchestrator/policy/quality-gates.json:3: not UTF-8 (byte 0xff)"
        in ran.stdout + ran.stderr
    )


def test_a_report_on_stdout_is_the_only_thing_on_stdout(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    # D5, §9.1/§9.2: a report to "-" is one valid document; the terminal table goes to stderr
    repo = gate_repo({"test": {"command": "ls"}})
    missing_path = cli(repo, "gate", "run", "--no-progress", "--report", "text")
    assert missing_path.returncode == 2 and "needs a path" in missing_path.stderr
    assert not (repo / ".orchestrator" / "gates" / "runs").exists()  # refused before running
    for spec in ("json", "sarif:-", "codequality=-"):
        ran = cli(repo, "gate", "run", "--no-progress", "--report", spec)
        assert ran.returncode == 0, ran.stderr
        json.loads(ran.stdout)
        assert "sessionkit gate · full-gate" in ran.stderr
    for args in (
        ("--json", "--report", "sarif:-"),
        ("--report", "sarif:-", "--report", "codequality:-"),
        ("--report", "github", "--report", "json"),
    ):
        both = cli(repo, "gate", "run", "--no-progress", *args)
        assert both.returncode == 2 and both.stdout == ""
        assert "write to stdout" in both.stderr
    plain = cli(repo, "gate", "run", "--no-progress", "--report", "github:-")
    assert plain.stdout.startswith("sessionkit gate")  # workflow commands share stdout


def test_baseline_save_json_prints_the_baseline_document(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    # D7: --json is one gate-baseline document on stdout, measured, reused or not stored
    repo = gate_repo({"test": {"command": "ls"}})
    for args in (("--force",), (), ("--no-ref",)):
        ran = cli(repo, "gate", "baseline", "save", "--no-progress", "--json", *args)
        assert ran.returncode == 0, ran.stderr
        document = json.loads(ran.stdout)
        assert [e.message for e in validator("gate-baseline").iter_errors(document)] == []
        assert document["checks"]["test"]["status"] == "pass"
    reused = cli(repo, "gate", "baseline", "save", "--json")
    assert "is current" in reused.stderr and json.loads(reused.stdout)["key"] == "main"


def _open_lines(text: str) -> list[str]:
    """The lines of ``text`` outside ::stop-commands:: blocks (what the Actions runner scans)."""
    import re

    open_lines: list[str] = []
    token: str | None = None
    for line in text.splitlines():
        if token is None and line.startswith("::stop-commands::"):
            token = line[len("::stop-commands::") :]
        elif token is not None and line == f"::{token}::":
            token = None
        elif token is None:
            open_lines.append(line)
    assert re.fullmatch(r"[0-9a-f]{32}", token or "0" * 32)
    return open_lines


def test_tool_output_cannot_inject_workflow_commands(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    # §9.6: tails and messages are tool output; in an Actions step they are printed inside
    # a stop-commands block, whatever carries them (terminal rendering, --stream, reports)
    repo = gate_repo(
        {
            "lint": {"command": "printf '::error::injected\\n##[error]legacy\\n'; exit 1"},
            "test": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": os.devnull}
    for args in (("--report", "github"), ("--stream",), ()):
        ran = cli(repo, "gate", "run", "--no-progress", *args, env=env)
        assert ran.returncode == 1
        for stream in (ran.stdout, ran.stderr):
            leaked = [ln for ln in _open_lines(stream) if "injected" in ln or "##[" in ln]
            assert leaked == [], (args, leaked)
        assert "injected" in ran.stdout + ran.stderr  # shown, only inert


def test_a_report_the_run_creates_counts_even_with_an_old_mtime(
    gate_repo: Callable[..., Path], cli: Callable[..., Ran]
) -> None:
    # §6.1: a declared report is the run's when its mtime is at least the spawn time, or the
    # run created it (cp -p, tar and docker cp keep old mtimes); one left over is stale
    junit = (
        '<testsuite name="s"><testcase classname="A" name="t1"/>'
        '<testcase classname="A" name="t2"><failure message="x"/></testcase></testsuite>\n'
    )
    repo = gate_repo(
        {
            "test": {
                "kind": "test",
                "command": "mkdir -p out && cp -p r.xml out/r.xml; exit 1",
                "report": {"format": "junit", "path": "out/r.xml"},
            },
            "lint": {"command": "skip"},
            "typecheck": {"command": "skip"},
        }
    )
    (repo / "r.xml").write_text(junit)
    os.utime(repo / "r.xml", (1_577_836_800, 1_577_836_800))  # 2020-01-01
    created = json.loads(cli(repo, "gate", "run", "--json", "--no-progress").stdout)["checks"][0]
    assert created["parsers"] == ["junit"] and created["counts"]["tests"]["failed"] == 1
    # now out/r.xml exists with the old mtime and the command leaves it as it is
    (repo / "out" / "r.xml").write_text(junit)
    os.utime(repo / "out" / "r.xml", (1_577_836_800, 1_577_836_800))
    (repo / "r.xml").unlink()
    left = json.loads(cli(repo, "gate", "run", "--json", "--no-progress").stdout)["checks"][0]
    assert "report-stale" in left["notes"]
