"""Edits whose old content cannot be used for config weakening (agent-hooks.md §11.2).

"An edit that cannot be applied, an old content larger than 2 MiB, or old text not found →
no finding, stderr line (the harness will reject the broken edit itself)." Run through the
installed console script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.agents.conftest import claude, codex, run_hook

PYPROJECT = "[tool.coverage.report]\nfail_under = 90\n"
PATCH = (
    "*** Begin Patch\n*** Update File: pyproject.toml\n@@ [tool.coverage.report]\n"
    "-fail_under = {old}\n+fail_under = 10\n*** End Patch\n"
)


def test_patch_that_applies_is_checked_and_prints_no_note(make_repo: Any) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT})
    payload = codex(repo, "apply_patch", {"command": PATCH.format(old="90")})
    result = run_hook(["codex", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    assert "[weaken.coverage-threshold-lowered]" in result.stdout
    assert "does not apply" not in result.stderr


def test_patch_hunk_not_found_gives_no_finding_and_a_stderr_line(make_repo: Any) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT})
    payload = codex(repo, "apply_patch", {"command": PATCH.format(old="95")})
    result = run_hook(["codex", "pre-tool-use"], payload, cwd=repo)
    assert (result.code, result.raw) == (0, b"")
    lines = [line for line in result.stderr.splitlines() if "does not apply" in line]
    assert lines == [
        "sessionkit-hook: weakening: the edit of `pyproject.toml` does not apply to the file "
        "on disk; not checked (the harness will reject it)"
    ]


def test_edit_old_text_not_found_gives_no_finding_and_a_stderr_line(make_repo: Any) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT})
    payload = claude(
        repo,
        "Edit",
        {"file_path": "pyproject.toml", "old_string": "fail_under = 80", "new_string": "x"},
    )
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert (result.code, result.raw) == (0, b"")
    assert "the edit of `pyproject.toml` does not apply" in result.stderr


def test_old_content_over_2_mib_gives_no_finding_and_a_stderr_line(make_repo: Any) -> None:
    padding = "# " + "x" * 78 + "\n"
    big = PYPROJECT + padding * (2 * 1024 * 1024 // len(padding) + 1)
    assert len(big.encode()) > 2 * 1024 * 1024
    repo: Path = make_repo({"pyproject.toml": big})
    payload = codex(repo, "apply_patch", {"command": PATCH.format(old="90")})
    result = run_hook(["codex", "pre-tool-use"], payload, cwd=repo)
    assert (result.code, result.raw) == (0, b"")
    assert "sessionkit-hook: weakening: `pyproject.toml` is larger than 2 MiB" in result.stderr
    # Just under the limit, the same patch is checked.
    small = PYPROJECT + padding * ((2 * 1024 * 1024 - len(PYPROJECT)) // len(padding))
    (repo / "pyproject.toml").write_text(small)
    checked = run_hook(["codex", "pre-tool-use"], payload, cwd=repo)
    assert "[weaken.coverage-threshold-lowered]" in checked.stdout


def test_crlf_file_is_matched_as_before(make_repo: Any) -> None:
    repo: Path = make_repo({"pyproject.toml": PYPROJECT.replace("\n", "\r\n").encode()})
    payload = codex(repo, "apply_patch", {"command": PATCH.format(old="90")})
    result = run_hook(["codex", "pre-tool-use"], payload, cwd=repo)
    assert "[weaken.coverage-threshold-lowered]" in result.stdout
