"""The hot-path cache (§10) and the import discipline of a cache hit (§17.6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.config import load_config, read_cached_config
from sessionkit.config._fast import head_fingerprint
from sessionkit.config.api import clear_memo

HEADER = "## Session Config\n\n"
FORBIDDEN = (
    "yaml",
    "jsonschema",
    "git",
    "click",
    "pathlib",
    "typing",
    "dataclasses",
    "subprocess",
    "difflib",
)


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    clear_memo()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def age(repo: Path, *names: str) -> None:
    """Move files' mtimes an hour back, out of the cache's 2-second distrust window."""
    past = time.time() - 3600
    for name in names or ("CLAUDE.md", "AGENTS.md"):
        path = repo / name
        if path.exists():
            os.utime(path, (past, past))


def cached_repo(make_repo: Callable[..., Path], text: str = HEADER + "waves: 7\n") -> Path:
    repo = make_repo({"CLAUDE.md": text})
    age(repo)
    first = load_config(repo, environ={})
    assert not first.report.from_cache
    assert first.report.cache_path == str(repo / ".git" / "sessionkit" / "config-cache.json")
    clear_memo()
    return repo


def test_hit_after_a_full_load(make_repo: Callable[..., Path]) -> None:
    repo = cached_repo(make_repo)
    cfg = load_config(repo, environ={})
    assert cfg.report.from_cache
    assert cfg.waves == 7
    assert cfg == load_config(repo, use_cache=False, environ={})
    assert read_cached_config(repo, environ={}) == cfg
    cache = repo / ".git" / "sessionkit" / "config-cache.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    assert oct(cache.parent.stat().st_mode & 0o777) == "0o700"
    document = json.loads(cache.read_text())
    assert document["result"]["config"] == {"waves": 7}  # only keys that differ from defaults
    assert document["result"]["provenance"]["waves"] == ["CLAUDE.md", 3, 1, "working", None]


def test_cache_document_matches_its_schema(make_repo: Callable[..., Path]) -> None:
    from sessionkit import schemas

    if "config-cache" not in schemas.available():
        pytest.skip("schemas/config-cache.schema.json is not in the tree yet")
    repo = cached_repo(make_repo)
    document = json.loads((repo / ".git" / "sessionkit" / "config-cache.json").read_text())
    schemas.validator("config-cache").validate(document)


def test_report_survives_the_cache(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 2\n"})
    (repo / "CLAUDE.md").write_text(HEADER + "waves: 2\nhooks.fail-mode: open\nwavez: 1\n")
    age(repo)
    fresh = load_config(repo, environ={})
    clear_memo()
    hit = load_config(repo, environ={})
    assert hit.report.from_cache
    assert hit.report.diagnostics == fresh.report.diagnostics
    assert hit.report.provenance == fresh.report.provenance
    assert hit.report.loosening == fresh.report.loosening
    assert hit.report.pending == ("hooks.fail-mode",)
    assert hit.report.status == "invalid"
    assert hit.report.consulted == fresh.report.consulted


CHANGES: dict[str, Callable[[Path], None]] = {
    "content": lambda r: (r / "CLAUDE.md").write_text(HEADER + "waves: 8\n"),
    "file-created": lambda r: (r / "AGENTS.md").write_text(HEADER + "waves: 9\n"),
    "file-deleted": lambda r: (r / "CLAUDE.md").unlink(),
    "commit": lambda r: (git(r, "commit", "-q", "--allow-empty", "-m", "x"), None)[1],
    "branch-switch": lambda r: _switch_branch(r),
    "detached-head": lambda r: _detach(r),
}


def _switch_branch(repo: Path) -> None:
    """Switch to a branch whose commit differs (same tree: only HEAD changes)."""
    git(repo, "checkout", "-q", "-b", "other")
    git(repo, "commit", "-q", "--allow-empty", "-m", "other")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "other")


def _detach(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    git(repo, "commit", "-q", "--allow-empty", "-m", "detached")


def test_branch_switch_to_the_same_commit_is_a_hit(make_repo: Callable[..., Path]) -> None:
    # The committed configuration depends on the commit, not on the branch's name.
    repo = cached_repo(make_repo)
    git(repo, "checkout", "-q", "-b", "same")
    assert load_config(repo, environ={}).report.from_cache


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_miss_after_change(make_repo: Callable[..., Path], change: str) -> None:
    repo = cached_repo(make_repo)
    assert load_config(repo, environ={}).report.from_cache
    clear_memo()
    CHANGES[change](repo)
    assert not load_config(repo, environ={}).report.from_cache


def test_same_size_rewrite_within_the_trust_window(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"})
    assert not load_config(repo, environ={}).report.from_cache  # written just now
    clear_memo()
    (repo / "CLAUDE.md").write_text(HEADER + "waves: 8\n")  # same size, maybe same mtime tick
    cfg = load_config(repo, environ={})
    assert cfg.waves == 8
    assert not cfg.report.from_cache


def test_memo_sees_a_rewrite(make_repo: Callable[..., Path]) -> None:
    repo = cached_repo(make_repo)
    assert load_config(repo, environ={}).waves == 7
    (repo / "CLAUDE.md").write_text(HEADER + "waves: 8\n")
    assert load_config(repo, environ={}).waves == 8


def test_env_change_is_a_miss(make_repo: Callable[..., Path]) -> None:
    repo = cached_repo(make_repo)
    cfg = load_config(repo, environ={"SESSIONKIT_CONFIG_FILE": "CLAUDE.md"})
    assert not cfg.report.from_cache


def test_packed_refs_fingerprint(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER})
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    fp = head_fingerprint(str(repo / ".git"), str(repo / ".git"))
    assert fp == {"kind": "oid", "value": head, "status": "read"}


def test_unborn_and_reftable_fingerprints(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    repo = make_repo({}, commit=False)
    assert head_fingerprint(str(repo / ".git"), None)["status"] == "unborn"
    table = tmp_path / "reftable"
    proc = subprocess.run(
        ["git", "init", "-q", "--ref-format=reftable", str(table)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip("this git has no reftable backend")
    (table / "CLAUDE.md").write_text(HEADER + "waves: 7\n")
    git(table, "add", "-A")
    git(table, "commit", "-q", "-m", "x")
    before = head_fingerprint(str(table / ".git"), str(table / ".git"))
    assert before["kind"] == "reftable"
    age(table)
    load_config(table, environ={})
    clear_memo()
    assert load_config(table, environ={}).report.from_cache
    clear_memo()
    git(table, "commit", "-q", "--allow-empty", "-m", "y")
    assert head_fingerprint(str(table / ".git"), str(table / ".git")) != before
    assert not load_config(table, environ={}).report.from_cache


CORRUPT: dict[str, bytes] = {
    "empty": b"",
    "truncated": b'{"format": 1, "sessionkit": ',
    "list": b"[]",
    "wrong-format": b'{"format": 99}',
    "invalid-utf8": b'{"format": 1, "x": "\xff\xfe"}',
    "wrong-shape": b'{"format": 1, "sessionkit": 1, "result": 3}',
}


@pytest.mark.parametrize("content", sorted(CORRUPT))
def test_corrupt_cache_is_a_miss(make_repo: Callable[..., Path], content: str) -> None:
    repo = cached_repo(make_repo)
    cache = repo / ".git" / "sessionkit" / "config-cache.json"
    cache.write_bytes(CORRUPT[content])
    assert read_cached_config(repo, environ={}) is None
    cfg = load_config(repo, environ={})
    assert (cfg.waves, cfg.report.from_cache) == (7, False)
    json.loads(cache.read_text())  # rewritten as a valid document


def test_tampered_result_is_a_miss_not_an_error(make_repo: Callable[..., Path]) -> None:
    repo = cached_repo(make_repo)
    cache = repo / ".git" / "sessionkit" / "config-cache.json"
    document = json.loads(cache.read_text())
    document["result"]["report"] = {"no": "root"}
    cache.write_text(json.dumps(document))
    assert read_cached_config(repo, environ={}) is None


def test_directory_in_place_of_the_cache(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"})
    (repo / ".git" / "sessionkit" / "config-cache.json").mkdir(parents=True)
    age(repo)
    cfg = load_config(repo, environ={})
    assert cfg.waves == 7 and cfg.report.cache_path is None
    clear_memo()
    assert not load_config(repo, environ={}).report.from_cache


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_cache_directory(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"})
    folder = repo / ".git" / "sessionkit"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        cfg = load_config(repo, environ={})
    finally:
        folder.chmod(0o700)
    assert cfg.waves == 7 and cfg.report.cache_path is None
    assert list(folder.iterdir()) == []


def test_no_cache_switches(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"})
    load_config(repo, environ={"SESSIONKIT_CONFIG_NO_CACHE": "1"})
    load_config(repo, use_cache=False, environ={})
    assert not (repo / ".git" / "sessionkit" / "config-cache.json").exists()
    age(repo)
    load_config(repo, environ={})
    clear_memo()
    assert read_cached_config(repo, environ={"SESSIONKIT_CONFIG_NO_CACHE": "1"}) is None
    assert not load_config(repo, environ={"SESSIONKIT_CONFIG_NO_CACHE": "1"}).report.from_cache


def test_invalid_configuration_is_cached_too(make_repo: Callable[..., Path]) -> None:
    repo = cached_repo(make_repo, HEADER + "waves: many\n")
    cfg = load_config(repo, environ={})
    assert cfg.report.from_cache and cfg.report.status == "invalid"


def _run(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


IMPORT_PROBE = """
import sys
from sessionkit.config import load_config
cfg = load_config({repo!r})
print(cfg.report.from_cache, cfg.waves, sorted(m for m in {forbidden!r} if m in sys.modules))
"""


def test_cache_hit_imports_nothing_heavy(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"})
    age(repo)
    cold = _run(IMPORT_PROBE.format(repo=str(repo), forbidden=FORBIDDEN))
    assert cold.startswith("False 7 ")
    assert "'yaml'" in cold and "'jsonschema'" in cold  # the cache is what keeps them out
    warm = _run(IMPORT_PROBE.format(repo=str(repo), forbidden=FORBIDDEN))
    assert warm == "True 7 []"


def test_importing_the_package_is_light() -> None:
    out = _run(
        "import sys; import sessionkit.config;"
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    assert out == "[]"


# Alternating the environment makes every load a miss, so every load rewrites the cache.
WRITER = """
from sessionkit.config import load_config
from sessionkit.config.api import clear_memo
for i in range({loads}):
    clear_memo()
    environ = {{"SESSIONKIT_CONFIG_FILE": "CLAUDE.md"}} if i % 2 else {{}}
    assert load_config({repo!r}, environ=environ).waves == 7
"""


def test_concurrent_writers(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 7\n"})
    age(repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKIT_")}
    code = WRITER.format(loads=40, repo=str(repo))
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
        for _ in range(8)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    folder = repo / ".git" / "sessionkit"
    json.loads((folder / "config-cache.json").read_text())
    assert [p.name for p in folder.iterdir()] == ["config-cache.json"]  # no temp files left


def test_outside_a_repository_nothing_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "CLAUDE.md").write_text(HEADER + "waves: 7\n")
    assert load_config(tmp_path / "proj", environ={}).waves == 7
    assert read_cached_config(tmp_path / "proj", environ={}) is None


def test_fifo_in_place_of_the_cache_never_blocks(make_repo: Callable[..., Path]) -> None:
    repo = cached_repo(make_repo)
    cache = repo / ".git" / "sessionkit" / "config-cache.json"
    cache.unlink()
    os.mkfifo(cache)
    assert read_cached_config(repo, environ={}) is None
    assert load_config(repo, environ={}).waves == 7
