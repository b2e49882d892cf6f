"""``sessionkit config validate | show | schema | migrate`` (config.md §11, §17.5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit import schemas
from sessionkit.cli import main
from sessionkit.config import SessionConfig
from sessionkit.config.prior_art import PRIOR_ART_KEYS
from tests.conftest import git

HEAD_OF_FILE = "# Project\n\n## Session Config\n\n"  # body starts at line 5


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.out)
        return document


@pytest.fixture
def sk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Result]:
    """Run the CLI in process through its real error boundary."""
    monkeypatch.delenv("CI", raising=False)

    def invoke(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def repo_with(make_repo: Callable[..., Path]) -> Callable[..., Path]:
    """A repository whose committed config is valid and whose working tree holds ``body``
    (so no `config.head-invalid` note joins the diagnostics under test)."""

    def factory(body: str, **extra: str) -> Path:
        repo = make_repo({"CLAUDE.md": HEAD_OF_FILE + "waves: 5\n", **extra})
        (repo / "CLAUDE.md").write_text(HEAD_OF_FILE + body)
        return repo

    return factory


def config_result_validator() -> object:
    if "config-result" not in schemas.available():
        pytest.fail("schemas/config-result.schema.json is missing")
    return schemas.validator("config-result")


# -- validate ----------------------------------------------------------------------------------


def test_validate_valid_config(sk: Callable[..., Result], repo_with: Callable[..., Path]) -> None:
    result = sk("config", "validate", cwd=repo_with("waves: 4\n"))
    assert result.code == 0
    assert result.out == "CLAUDE.md: 0 errors, 0 warnings, 0 notes (section at line 3)\n"


def test_validate_prints_every_diagnostic_and_a_summary(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    result = sk("config", "validate", cwd=repo_with("waves: 2\npersistence: yes\nwavez: 1\n"))
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("CLAUDE.md:5:")
    assert ": error: config.range: " in lines[0]
    assert any(
        ": error: config.type: " in line and line.startswith("CLAUDE.md:6") for line in lines
    )
    assert any(": warning: config.unknown-key: " in line for line in lines)
    assert any(line.startswith("  hint: ") for line in lines)
    assert lines[-1] == "CLAUDE.md: 2 errors, 1 warning, 0 notes (section at line 3)"


def test_validate_strict_fails_on_a_warning(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with("waves: 4\nwavez: 1\n")
    assert sk("config", "validate", cwd=repo).code == 0
    assert sk("config", "validate", "--strict", cwd=repo).code == 1


def test_validate_require_section(
    sk: Callable[..., Result], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"CLAUDE.md": "# Project\n\nNo configuration here.\n"})
    assert sk("config", "validate", cwd=repo).code == 0
    result = sk("config", "validate", "--require-section", cwd=repo)
    assert result.code == 1
    assert "no ## Session Config section" in result.out


def test_validate_json_document(sk: Callable[..., Result], repo_with: Callable[..., Path]) -> None:
    result = sk("config", "validate", "--json", cwd=repo_with("waves: 2\n"))
    assert result.code == 1
    document = result.json()
    config_result_validator().validate(document)  # type: ignore[attr-defined]
    assert document["command"] == "validate"
    assert document["host_file"] == "CLAUDE.md"
    assert document["section"] == {"heading_line": 3, "first_line": 4, "last_line": 5}
    assert document["status"] == "invalid"
    assert document["counts"] == {"error": 1, "warning": 0, "info": 0}
    assert document["exit_code"] == 1
    consulted = {c["path"]: c for c in document["consulted"]}  # type: ignore[union-attr,index]
    assert consulted["CLAUDE.md"]["used"] is True
    assert consulted["AGENTS.md"]["exists"] is False
    assert document["head"]["status"] == "read"  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        (["--file", "missing.md"], {}, 3),
        ([], {"SESSIONKIT_CONFIG_FILE": "missing.md"}, 3),
        (["--ref", "-rf"], {}, 2),
        (["--ref", "no-such-rev"], {}, 3),
        (["--bogus"], {}, 2),
    ],
)
def test_validate_exit_codes_for_usage_and_environment(
    sk: Callable[..., Result],
    repo_with: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    code: int,
) -> None:
    repo = repo_with("waves: 4\n")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = sk("config", "validate", *args, cwd=repo)
    assert result.code == code, result.out + result.err
    assert "Traceback" not in result.err


def test_validate_ref_reads_the_committed_config(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with("waves: 4\n")
    (repo / "CLAUDE.md").write_text(HEAD_OF_FILE + "waves: many\n")
    assert sk("config", "validate", cwd=repo).code == 1
    assert sk("config", "validate", "--ref", "HEAD", cwd=repo).code == 0


def test_git_missing_is_an_environment_error(repo_with: Callable[..., Path]) -> None:
    repo = repo_with("waves: 4\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = os.path.dirname(sys.executable)
    proc = subprocess.run(
        [sys.executable, "-m", "sessionkit", "config", "validate"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "config.head-unreadable" in proc.stdout


# -- show --------------------------------------------------------------------------------------


def test_show_text_names_the_source_of_every_value(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    result = sk("config", "show", cwd=repo_with("waves: 4\nhooks:\n  fail-mode: closed\n"))
    assert result.code == 0
    lines = result.out.splitlines()
    assert "waves: 4  # CLAUDE.md:5" in lines
    assert "recent-commits: 20  # default" in lines
    assert "  fail-mode: closed  # CLAUDE.md:7" in lines
    assert "hooks:" in lines


def test_show_marks_a_pending_loosening(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with("waves: 4\n")
    (repo / "CLAUDE.md").write_text(HEAD_OF_FILE + "allow-destructive-ops: true\n")
    result = sk("config", "show", cwd=repo)
    assert (
        "allow-destructive-ops: false  # CLAUDE.md:5 — working tree says true, not committed"
        in result.out.splitlines()
    )
    assert "config.uncommitted-loosening" in result.err


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("waves", "4"),
        ("special", "Always run: make check"),
        ("vcs", "null"),
        ("discovery-probes", '["code", "arch"]'),
        ("learning-decay-rate", "0.05"),
        ("hooks.fail-mode", "closed"),
        (
            "vault-integration",
            '{"enabled": false, "vault-dir": null, "mode": "warn", "vault-name": null, "gitlab-groups": null}',
        ),
    ],
)
def test_show_key_prints_the_value_alone(
    sk: Callable[..., Result], repo_with: Callable[..., Path], key: str, expected: str
) -> None:
    repo = repo_with('waves: 4\nspecial: "Always run: make check"\ndiscovery-probes: code, arch\n')
    result = sk("config", "show", "--key", key, cwd=repo)
    assert result.code == 0
    assert result.out == expected + "\n"


def test_show_unknown_key_is_a_usage_error_with_a_suggestion(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    result = sk("config", "show", "--key", "wavez", cwd=repo_with("waves: 4\n"))
    assert result.code == 2
    assert "unknown key 'wavez'" in result.err
    assert "did you mean waves" in result.err


def test_show_json_holds_the_canonical_config_and_sources(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    result = sk("config", "show", "--json", cwd=repo_with("waves: 4\n"))
    document = result.json()
    config_result_validator().validate(document)  # type: ignore[attr-defined]
    schemas.validator("session-config").validate(document["config"])
    assert document["config"]["waves"] == 4  # type: ignore[index]
    assert document["sources"]["waves"] == {  # type: ignore[index]
        "file": "CLAUDE.md",
        "line": 5,
        "column": 1,
        "origin": "working",
        "commit": None,
    }


def test_show_key_json(sk: Callable[..., Result], repo_with: Callable[..., Path]) -> None:
    document = sk("config", "show", "--json", "--key", "waves", cwd=repo_with("waves: 4\n")).json()
    assert (document["key"], document["value"], document["default"]) == ("waves", 4, 5)
    assert document["source"]["line"] == 5  # type: ignore[index]


def test_show_defaults_reads_no_file(sk: Callable[..., Result], tmp_path: Path) -> None:
    result = sk("config", "show", "--defaults", cwd=tmp_path)
    assert result.code == 0
    assert "waves: 5  # default" in result.out.splitlines()
    document = sk("config", "show", "--defaults", "--json", cwd=tmp_path).json()
    config_result_validator().validate(document)  # type: ignore[attr-defined]
    assert document["config"] == SessionConfig.defaults().to_json()
    assert (document["host_file"], document["sources"]) == (None, {})


def test_show_prior_art_has_88_keys_in_order(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with(
        "agents-per-wave: 6 (deep: 18)\nlearning-decay-rate: 0.1\n"
        "persona-reviewers:\n  enabled: true\n  reviewers: [security]\n"
        "events-rotation:\n  max-backups: 7\n"
        "persona-gate-wave:\n  enabled: true\n  threshold: 4-of-6\n  mode: warn\n"
    )
    view = sk("config", "show", "--prior-art", cwd=repo).json()
    assert list(view) == list(PRIOR_ART_KEYS)
    assert len(view) == 88
    assert view["agents-per-wave"] == {"default": 6, "deep": 18}
    assert view["learning-decay-rate"] == 0.1
    assert view["test-command"] is None
    assert view["enforcement-gates"] is None
    assert view["cross-repo.projects"] == []
    assert view["evolve.decay"] == {"enabled": True, "half-life-days": 90, "floor-factor": 0.1}
    assert view["events-rotation"] == {"enabled": True, "max-size-mb": 10, "max-backups": 7}
    assert set(view["resource-thresholds"]) == {  # type: ignore[arg-type]
        "ram-free-min-gb",
        "ram-free-critical-gb",
        "cpu-load-max-pct",
        "concurrent-sessions-warn",
        "ssh-no-docker",
    }
    assert view["wave-reviewers"] == {
        "enabled": True,
        "reviewers": ["security"],
        "mode": "warn",
        "deprecated": True,
    }
    gate = view["persona-gate-wave"]
    assert gate["threshold_parsed"] == {"kind": "m-of-n", "m": 4, "n": 6}  # type: ignore[index]


def test_show_strict_exits_1_on_errors(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with("waves: 2\n")
    assert sk("config", "show", cwd=repo).code == 0
    assert sk("config", "show", "--strict", cwd=repo).code == 1


# -- schema ------------------------------------------------------------------------------------


def test_schema_is_byte_for_byte(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sessionkit", "config", "schema"], capture_output=True, check=True
    )
    assert proc.stdout == schemas.schema_bytes("session-config")
    out = tmp_path / "schema.json"
    subprocess.run(
        [sys.executable, "-m", "sessionkit", "config", "schema", "--output", str(out)], check=True
    )
    assert out.read_bytes() == schemas.schema_bytes("session-config")


# -- migrate -----------------------------------------------------------------------------------

ANCHOR_STYLE = "- **waves:** 4\n- recent-commits: 9\n"
CANONICAL = "```yaml\nwaves: 4\nrecent-commits: 9\n```\n"


def test_migrate_prints_a_diff_and_writes_nothing(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with(ANCHOR_STYLE)
    result = sk("config", "migrate", cwd=repo)
    assert result.code == 0
    assert "-- **waves:** 4" in result.out and "+waves: 4" in result.out
    assert (repo / "CLAUDE.md").read_text() == HEAD_OF_FILE + ANCHOR_STYLE


def test_migrate_check_and_write(sk: Callable[..., Result], repo_with: Callable[..., Path]) -> None:
    repo = repo_with(ANCHOR_STYLE)
    assert sk("config", "migrate", "--check", cwd=repo).code == 1
    assert sk("config", "migrate", "--write", cwd=repo).code == 0
    assert (repo / "CLAUDE.md").read_text() == HEAD_OF_FILE + CANONICAL
    assert sk("config", "migrate", "--check", cwd=repo).code == 0
    assert git(repo, "diff", "--stat") != ""


def test_migrate_json(sk: Callable[..., Result], repo_with: Callable[..., Path]) -> None:
    document = sk("config", "migrate", "--json", cwd=repo_with(ANCHOR_STYLE)).json()
    config_result_validator().validate(document)  # type: ignore[attr-defined]
    assert document["changed"] is True
    assert document["written"] is False
    assert "+waves: 4" in document["diff"]  # type: ignore[operator]
    assert document["renamed_keys"] == []


def test_migrate_refuses_a_syntax_error(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with("waves: [4\n")
    result = sk("config", "migrate", "--write", cwd=repo)
    assert result.code == 1
    assert "config.yaml-syntax" in result.out
    assert (repo / "CLAUDE.md").read_text() == HEAD_OF_FILE + "waves: [4\n"


def test_migrate_usage_and_nothing_to_do(
    sk: Callable[..., Result], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"CLAUDE.md": "# Project\n"})
    assert sk("config", "migrate", "--write", "--check", cwd=repo).code == 2
    result = sk("config", "migrate", cwd=repo)
    assert (result.code, result.out) == (0, "nothing to migrate: no ## Session Config section\n")
    document = sk("config", "migrate", "--json", cwd=repo).json()
    config_result_validator().validate(document)  # type: ignore[attr-defined]
    assert (document["changed"], document["status"]) == (False, "no-config")


def test_an_unreadable_instruction_file_exits_3(
    sk: Callable[..., Result], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo({"README.md": "x\n"})
    (repo / "CLAUDE.md").mkdir()  # a directory where the file should be: never opened
    result = sk("config", "validate", cwd=repo)
    assert result.code == 3
    assert "error: config.unreadable:" in result.out
    assert sk("config", "validate", "--json", cwd=repo).json()["exit_code"] == 3


# The defaults that differ from the prior art on purpose (config.md §6.4).
PRIOR_ART_DEVIATIONS = {
    "test-command": None,
    "typecheck-command": None,
    "lint-command": None,
    "discovery-on-close": True,
    "learning-expiry-days": 60,
    "learnings-surface-top-n": 5,
}


def test_prior_art_view_of_the_defaults_is_the_prior_arts_defaults(
    sk: Callable[..., Result], tmp_path: Path
) -> None:
    """Every output key equals the prior art's recorded default (schema annotation), except
    the deviations that config.md §6.4 lists."""
    view = sk("config", "show", "--defaults", "--prior-art", cwd=tmp_path).json()
    recorded: dict[str, object] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            note = node.get("x-sessionkit-prior-art")
            if isinstance(note, dict) and note["key"] in PRIOR_ART_KEYS:
                recorded.setdefault(note["key"], note.get("default"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schemas.load_schema("session-config"))
    for key in PRIOR_ART_KEYS:
        expected = PRIOR_ART_DEVIATIONS.get(key, recorded.get(key))
        if key == "events-rotation":  # max-backups: 5 in the prior art, 10 here (§6.4)
            expected = {**recorded[key], "max-backups": 10}  # type: ignore[dict-item]
        if key == "evolve.decay":
            expected = {"enabled": True, "half-life-days": 90, "floor-factor": 0.1}
        assert view[key] == expected, key


def test_file_names_the_instruction_file(
    sk: Callable[..., Result], make_repo: Callable[..., Path]
) -> None:
    repo = make_repo(
        {
            "CLAUDE.md": HEAD_OF_FILE + "waves: 4\n",
            "docs/agents.md": "# Agents\n\n## Session Config\n\nwaves: 9\n",
        }
    )
    assert sk("config", "show", "--key", "waves", cwd=repo).out == "4\n"
    result = sk("config", "show", "--key", "waves", "--file", "docs/agents.md", cwd=repo)
    assert (result.code, result.out) == (0, "9\n")
    document = sk("config", "validate", "--json", "--file", "docs/agents.md", cwd=repo).json()
    assert document["section"]["heading_line"] == 3  # type: ignore[index]


def test_show_ref_reads_the_committed_values(
    sk: Callable[..., Result], repo_with: Callable[..., Path]
) -> None:
    repo = repo_with("waves: 4\n")  # committed: waves 5
    assert sk("config", "show", "--key", "waves", cwd=repo).out == "4\n"
    assert sk("config", "show", "--key", "waves", "--ref", "HEAD", cwd=repo).out == "5\n"
    source = sk("config", "show", "--json", "--ref", "HEAD", cwd=repo).json()["sources"]["waves"]
    assert source["origin"] == "ref"  # type: ignore[index]
    assert source["commit"] == git(repo, "rev-parse", "HEAD").strip()  # type: ignore[index]
