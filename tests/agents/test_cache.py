"""The hook cache (§13.3): hits, invalidation, racy writes, last valid configuration."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from sessionkit.agents import cache, dispatcher
from tests.agents.conftest import claude, run_hook

CONFIG = "# p\n\n## Session Config\n\nhooks:\n  warn-as: {mode}\n"


def _age(path: Path, seconds: float = 3600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def _decide(repo: Path) -> str:
    payload = json.dumps(claude(repo, "Bash", {"command": "ls"})).encode()
    text, code = dispatcher.run_payload(
        "claud",
        "pre-tool-use",
        payload,
        env={"SESSIONKIT_HOOK_NO_CACHE": "0"},
        cwd=str(repo),
        record_events=False,
    )
    assert code == 0
    return text


def _doc(repo: Path) -> dict[str, Any]:
    return json.loads((repo / ".git" / "sessionkit" / "hook-cache.json").read_text())


def test_miss_writes_then_hit_reads(make_repo: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": CONFIG.format(mode="ask")})
    _age(repo / "CLAUDE.md")
    assert '"permissionDecision":"ask"' in _decide(repo)
    doc = _doc(repo)
    assert doc["config"]["hooks"]["warn-as"] == "ask"
    assert doc["config_status"] == "valid"
    paths = {source["path"]: source["exists"] for source in doc["sources"]}
    assert paths["CLAUDE.md"] is True and paths["AGENTS.md"] is False
    path = str(repo / ".git" / "sessionkit" / "hook-cache.json")
    assert cache.read(path, str(repo)) == doc
    # A hit is served from the file: a doctored value proves the file was used.
    doc["config"]["hooks"]["warn-as"] = "notice"
    cache.write(path, doc)
    assert '"permissionDecision"' not in _decide(repo)


def test_invalidation(make_repo: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": CONFIG.format(mode="ask")})
    _age(repo / "CLAUDE.md")
    _decide(repo)
    path = str(repo / ".git" / "sessionkit" / "hook-cache.json")
    root = str(repo)
    assert cache.read(path, root) is not None
    # mtime and size change
    (repo / "CLAUDE.md").write_text(CONFIG.format(mode="notice"))
    _age(repo / "CLAUDE.md", 1800)
    assert cache.read(path, root) is None
    assert '"permissionDecision"' not in _decide(repo)
    assert cache.read(path, root) is not None
    # a previously absent source appears
    (repo / "AGENTS.md").write_text("# agents\n")
    assert cache.read(path, root) is None
    _decide(repo)
    # version change
    doc = _doc(repo)
    doc["sessionkit"] = "0.0.0-other"
    cache.write(path, doc)
    assert cache.read(path, root) is None


def test_racy_window_reloads(make_repo: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": CONFIG.format(mode="ask")})
    _decide(repo)  # CLAUDE.md was written just now: inside the 2 s window
    path = str(repo / ".git" / "sessionkit" / "hook-cache.json")
    assert cache.read(path, str(repo)) is None


def test_last_valid_config_survives_breakage(make_repo: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": CONFIG.format(mode="ask")})
    _age(repo / "CLAUDE.md")
    _decide(repo)
    (repo / "CLAUDE.md").write_text("# p\n\n## Session Config\n\nhooks:\n  warn-as: [\n")
    _age(repo / "CLAUDE.md", 1800)
    text = _decide(repo)
    assert "[hook.config-invalid]" in text and '"permissionDecision":"ask"' in text
    doc = _doc(repo)
    assert doc["config_status"] == "invalid"
    assert doc["last_valid_config"]["config"]["hooks"]["warn-as"] == "ask"
    assert doc["diagnostics"][0]["file"] == "CLAUDE.md"


def test_corrupt_cache_is_a_miss(make_repo: Any) -> None:
    repo: Path = make_repo({"CLAUDE.md": CONFIG.format(mode="ask")})
    _age(repo / "CLAUDE.md")
    target = repo / ".git" / "sessionkit" / "hook-cache.json"
    target.parent.mkdir(parents=True)
    target.write_text("{not json")
    assert '"permissionDecision":"ask"' in _decide(repo)
    assert _doc(repo)["format"] == 1


def test_no_git_dir_uses_user_cache(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = cache.cache_path("/some/root", None)
    assert path.startswith(str(tmp_path / "xdg" / "sessionkit" / "hook-cache"))
    assert path.endswith(".json") and len(os.path.basename(path)) == 16 + 5


def test_guard_policy_is_read_from_its_cache(make_repo: Any) -> None:
    """The hook hands the guard the cached team policy (``policycache``): the same policy the
    guard's own loader builds, nothing on a miss, and a miss again once the file changes."""
    from sessionkit.agents import checks
    from sessionkit.policy.policyfile import load_policy

    repo: Path = make_repo(
        {".orchestrator/policy/guard.yaml": "version: 1\nrules:\n  git-clean-force: warn\n"}
    )
    assert checks.cached_policy(str(repo)) is None  # nothing cached yet
    built = load_policy(str(repo))
    (repo / "sub").mkdir()
    cached = checks.cached_policy(str(repo / "sub"))  # found from below the root too
    assert cached is not None
    assert cached == built and cached.rules == built.rules
    assert cached.rules["git-clean-force"][0] == "warn"
    (repo / ".orchestrator" / "policy" / "guard.yaml").write_text(
        "version: 1\nrules:\n  git-clean-force: block\n  rm-recursive-force: warn\n"
    )
    assert checks.cached_policy(str(repo)) is None  # the key changed: the guard rebuilds
    assert load_policy(str(repo)).rules["git-clean-force"][0] == "block"
    assert checks.cached_policy(str(repo)).rules["git-clean-force"][0] == "block"  # type: ignore[union-attr]


def _scope_decide(repo: Path, command: str, session: str = "s1") -> dict[str, Any]:
    payload = claude(repo, "Bash", {"command": command}, session_id=session)
    result = run_hook(["claude", "pre-tool-use"], payload, cwd=repo)
    assert result.code == 0
    return result.json() if result.stdout else {}


def _same_size_rewrite(path: Path, text: str) -> None:
    """Rewrite keeping size and mtime: only the content tells the change."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_validated_scope_text_is_reused_only_while_unchanged(make_repo: Any) -> None:
    strict = '{"wave": 4, "role": "Impl", "enforcement": "strict", "allowedPaths": ["src/"]}'
    repo: Path = make_repo({"src/app.py": "x = 1\n", ".claude/wave-scope.json": strict})
    scope_file = repo / ".claude" / "wave-scope.json"
    _age(scope_file)
    first = _scope_decide(repo, "git reset --hard HEAD~1")
    assert _doc(repo)["scope_checked"] == {"path": ".claude/wave-scope.json", "text": strict}
    second = _scope_decide(repo, "git reset --hard HEAD~1")
    assert first == second
    reason = second["hookSpecificOutput"]["permissionDecisionReason"]
    assert reason.startswith(
        "sessionkit blocked this call (wave 4, role Impl, enforcement strict)."
    )
    # the cached text is the validated scope: a write outside it is still judged
    outside = _scope_decide(repo, "echo x > README.md")
    assert (
        "[scope.outside-allowed-paths] `README.md`"
        in (outside["hookSpecificOutput"]["permissionDecisionReason"])
    )
    # same size, same mtime, other content: warn instead of strict
    _same_size_rewrite(scope_file, strict.replace('"strict"', '"warn"  '))
    warned = _scope_decide(repo, "echo x > README.md")
    assert "permissionDecision" not in warned["hookSpecificOutput"]
    assert "enforcement warn" in warned["hookSpecificOutput"]["additionalContext"]
    # and an unusable file is reported, not taken from the cache
    _same_size_rewrite(scope_file, strict.replace('"strict"', '"bogus!"'))
    broken = _scope_decide(repo, "echo x > src/ok.py")
    assert "[scope.unreadable]" in broken["hookSpecificOutput"]["permissionDecisionReason"]


def test_scope_with_diagnostics_is_not_cached(make_repo: Any) -> None:
    defaulted = '{"wave": 4, "role": "Impl", "allowedPaths": ["src/"]}'
    repo: Path = make_repo({"src/app.py": "x = 1\n", ".claude/wave-scope.json": defaulted})
    for session in ("s1", "s2"):  # the notice is shown once per session
        obj = _scope_decide(repo, "git reset --hard HEAD~1", session)
        assert (
            "[scope.enforcement-defaulted]"
            in (obj["hookSpecificOutput"]["permissionDecisionReason"])
        )
    assert "scope_checked" not in _doc(repo)
