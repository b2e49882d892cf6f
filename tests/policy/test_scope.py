"""Wave scope: patterns (§9.4 table), validation (§9.3), lookup and seal (§9.1, §9.10),
classification of edits and shell writes (§9.5-§9.7)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.policy import scope
from sessionkit.policy.effects import command_effects
from sessionkit.policy.globs import PatternSet
from sessionkit.schemas import validator

# §9.4: the normative table (entries, matching, not matching)
PATTERN_TABLE: list[tuple[list[str], list[str], list[str]]] = [
    (["src/"], ["src/a.ts", "src/x/y.ts"], ["src"]),
    (["src"], ["src", "src/a.ts"], ["srcx", "x/src/a.ts"]),
    (["src/*"], ["src/a.ts", "src/x/y.ts"], ["src"]),
    (["src/*", "!src/*/"], ["src/a.ts"], ["src/x/y.ts"]),
    (["lib/*.ts"], ["lib/b.ts"], ["lib/sub/c.ts"]),
    (["docs/**/*.md"], ["docs/a.md", "docs/a/b/c.md"], ["docs/a.txt", "x/docs/a.md"]),
    (["**/CLAUDE.md"], ["CLAUDE.md", "a/b/CLAUDE.md"], ["CLAUDE.md.bak"]),
    (["README.md"], ["README.md"], ["readme.md", "docs/README.md"]),
    (["*.md"], ["a.md"], ["docs/a.md"]),
    (["src/?.ts", "src/[ab].ts"], ["src/a.ts", "src/x.ts"], ["src/ab.ts"]),
    (["src/{a,b}.ts"], ["src/{a,b}.ts"], ["src/a.ts"]),
    ([r"\#notes", r"\!draft"], ["#notes", "!draft"], ["notes", "draft"]),
    (["src/", "!src/gen/", "src/gen/keep.ts"], ["src/a.ts", "src/gen/keep.ts"], ["src/gen/x.ts"]),
    (["src/  "], ["src/a.ts"], ["x"]),
    ([], [], ["anything", "src/a.ts"]),
]


@pytest.mark.parametrize(("entries", "yes", "no"), PATTERN_TABLE)
def test_pattern_table(entries: list[str], yes: list[str], no: list[str]) -> None:
    patterns = PatternSet(entries)
    for path in yes:
        assert patterns.matches(path), (entries, path)
    for path in no:
        assert not patterns.matches(path), (entries, path)


def test_tree_probe_refuses_directory_with_negated_child() -> None:
    patterns = PatternSet(["src/", "!src/gen/"])
    assert patterns.matches_tree("src/lib")
    assert not patterns.matches_tree("src")
    assert not PatternSet(["src/*.ts"]).matches_tree("src")


def test_patterns_module_keeps_pathspec_off_import() -> None:
    code = (
        "import sys, sessionkit.policy.scope as s, sessionkit.policy.protected as p;"
        "a = s.ActiveScope({'wave': 1, 'role': 'r', 'enforcement': 'strict',"
        " 'allowedPaths': ['src/', '!src/gen/', 'docs/**/*.md']}, 'x', 'file');"
        "f = s.classify(['README.md', '/tmp/x', '.git/config'], a, root='/tmp/r');"
        "assert [x.rule_id for x in f] == ['scope.outside-allowed-paths', 'protected.git'], f;"
        "print(sorted(m for m in ('pathspec','click','jsonschema','yaml','git','tomllib')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- validation -----------------------------------------------------------------------------

VALID = {"wave": 2, "role": "Impl-Core", "enforcement": "strict", "allowedPaths": ["src/"]}
CORPUS: list[Any] = [
    VALID,
    {**VALID, "version": 1, "gates": {"path-guard": False}, "x-note": [1]},
    {**VALID, "createdAt": "2026-11-24T10:00:00.000Z", "createdBy": "me", "session": "s1"},
    {**VALID, "wave": 0},
    {**VALID, "wave": True},
    {**VALID, "wave": 1.5},
    {**VALID, "role": ""},
    {**VALID, "role": "a\u0001b"},
    {**VALID, "role": "x" * 65},
    {**VALID, "enforcement": "loud"},
    {**VALID, "allowedPaths": "src/"},
    {**VALID, "allowedPaths": [""]},
    {**VALID, "allowedPaths": ["a\nb"]},
    {**VALID, "allowedPaths": [3]},
    {**VALID, "gates": {"path-guard": "yes"}},
    {**VALID, "gates": []},
    {**VALID, "extra": 1},
    {**VALID, "version": 2},
    {**VALID, "session": ""},
    {k: v for k, v in VALID.items() if k != "wave"},
    {k: v for k, v in VALID.items() if k != "allowedPaths"},
    [],
]


def _schema_ok(doc: Any) -> bool:
    return not list(validator("wave-scope").iter_errors(doc))


def _ours_ok(doc: Any) -> bool:
    return not [p for p in scope.validate(doc) if p.level == "error"]


@pytest.mark.parametrize("doc", CORPUS)
def test_validator_agrees_with_jsonschema(doc: Any) -> None:
    assert _ours_ok(doc) == _schema_ok(doc)


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.text(max_size=4),
    st.lists(st.text(max_size=3), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["wave", "role", "enforcement", "allowedPaths", "version", "gates", "x-a"]),
        _values,
    )
)
def test_validator_agrees_on_generated_documents(doc: dict[str, Any]) -> None:
    assert _ours_ok(doc) == _schema_ok(doc)


@pytest.mark.parametrize(
    ("entry", "level"),
    [
        ("../x", "error"),
        ("/", "error"),
        ("/etc/passwd", "error"),
        ("/home/*", "error"),
        ("~/", "error"),
        ("**", "warning"),
        ("src/ ", "warning"),
    ],
)
def test_path_checks_beyond_schema(entry: str, level: str) -> None:
    problems = scope.validate({**VALID, "allowedPaths": [entry]})
    assert [p.level for p in problems] == [level], problems
    assert problems[0].pointer == "/allowedPaths/0"


def test_duplicate_keys_and_size_are_errors() -> None:
    assert scope.validate(b'{"wave": 1, "wave": 2}')[0].level == "error"
    assert scope.validate(b" " * (1024 * 1024 + 1))[0].level == "error"


def test_bad_command_entries_are_warnings() -> None:
    problems = scope.validate({**VALID, "blockedCommands": [">", "rm 'x"]})
    assert [p.level for p in problems] == ["warning", "warning"]


# ---- lookup and seal --------------------------------------------------------------------------


def _write(root: Path, rel: str, doc: Any) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_no_scope_file_means_no_scope(make_repo: Any) -> None:
    assert scope.load_active(make_repo(files={"a": "x"})) is None


def test_lookup_prefers_harness_directory_and_reports_ambiguity(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    _write(root, ".claude/wave-scope.json", VALID)
    _write(root, ".codex/wave-scope.json", {**VALID, "wave": 3})
    codex = scope.load_active(root, harness="codex")
    assert codex is not None and codex.wave == 3 and codex.path == ".codex/wave-scope.json"
    assert [d.rule_id for d in codex.diagnostics] == ["scope.ambiguous"]
    default = scope.load_active(root)
    assert default is not None and default.wave == 2


def test_missing_enforcement_defaults_to_strict(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    _write(root, ".claude/wave-scope.json", {"wave": 1, "role": "R", "allowedPaths": []})
    active = scope.load_active(root)
    assert active is not None and active.enforcement == "strict" and active.action == "block"
    assert [d.rule_id for d in active.diagnostics] == ["scope.enforcement-defaulted"]


@pytest.mark.parametrize("content", ["{", '{"wave": 0, "role": "r", "allowedPaths": []}', "[]"])
def test_unusable_scope_raises(make_repo: Any, content: str) -> None:
    root = make_repo(files={".cursor/wave-scope.json": content})
    with pytest.raises(scope.ScopeUnreadable) as info:
        scope.load_active(root)
    assert info.value.path == ".cursor/wave-scope.json"


def test_env_scope_file(make_repo: Any, tmp_path: Path) -> None:
    root = make_repo(files={"a": "x"})
    env_file = _write(tmp_path, "worker.json", {**VALID, "wave": 7})
    active = scope.load_active(root, environ={"SESSIONKIT_WAVE_SCOPE": str(env_file)})
    assert active is not None and active.source == "env" and active.wave == 7
    with pytest.raises(scope.ScopeUnreadable):
        scope.load_active(root, environ={"SESSIONKIT_WAVE_SCOPE": str(tmp_path / "missing")})


def _seal(root: Path, rel: str, doc: dict[str, Any]) -> None:
    data = (root / rel).read_bytes()
    seal = {
        "format": 1,
        "scopePath": rel,
        "sha256": hashlib.sha256(data).hexdigest(),
        "sealedAt": "2026-11-24T10:00:00.000Z",
        "sealedBy": "test",
        "content": doc,
    }
    _write(root, ".git/sessionkit/scope-seal.json", seal)


def test_seal_survives_rewriting_or_deleting_the_file(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    path = _write(root, ".claude/wave-scope.json", VALID)
    _seal(root, ".claude/wave-scope.json", VALID)
    clean = scope.load_active(root)
    assert clean is not None and clean.sealed and not clean.tampered and clean.source == "seal"
    assert clean.diagnostics == []
    _write(root, ".claude/wave-scope.json", {**VALID, "allowedPaths": ["**"]})
    widened = scope.load_active(root)
    assert widened is not None and widened.tampered and widened.allowed_paths == ["src/"]
    assert [d.rule_id for d in widened.diagnostics] == ["scope.tampered"]
    path.unlink()
    removed = scope.load_active(root)
    assert removed is not None and removed.tampered and removed.wave == 2


# ---- classification ----------------------------------------------------------------------------


def _active(root: Path, **changes: Any) -> scope.ActiveScope:
    _write(root, ".claude/wave-scope.json", {**VALID, "allowedPaths": ["src/"], **changes})
    active = scope.load_active(root)
    assert active is not None
    return active


def _ids(findings: list[Any]) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.action, f.target) for f in findings]


def test_edits_inside_and_outside_scope(make_repo: Any) -> None:
    root = make_repo(files={"src/a.py": "x", "package.json": "{}"})
    active = _active(root)
    findings = scope.classify(["src/a.py", "src/new/b.py", "package.json"], active, root=root)
    assert _ids(findings) == [("scope.outside-allowed-paths", "block", "package.json")]
    assert "allowed paths: src/" in findings[0].suggestion


@pytest.mark.parametrize(("enforcement", "action"), [("strict", "block"), ("warn", "warn")])
def test_enforcement_levels(make_repo: Any, enforcement: str, action: str) -> None:
    root = make_repo(files={"a": "x"})
    active = _active(root, enforcement=enforcement)
    assert _ids(scope.classify(["b.txt"], active, root=root)) == [
        ("scope.outside-allowed-paths", action, "b.txt")
    ]


def test_enforcement_off_reports_nothing(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    active = _active(root, enforcement="off")
    assert scope.classify(["b.txt", "/somewhere/else"], active, root=root) == []


def test_empty_allowed_paths_allows_nothing(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    active = _active(root, allowedPaths=[])
    findings = scope.classify(["a", "src/x.py"], active, root=root)
    assert [f.target for f in findings] == ["a", "src/x.py"]
    assert "scope is empty" in findings[0].suggestion
    discovery = _active(root, allowedPaths=[], role="Discovery")
    assert "read-only" in scope.classify(["a"], discovery, root=root)[0].suggestion


def test_outside_repository_grants_and_temp(make_repo: Any, tmp_path: Path) -> None:
    root = make_repo(files={"a": "x"})
    grant_dir = Path.home() / "sessionkit-test-grant"
    active = _active(root, allowedPaths=["src/", "~/sessionkit-test-grant/"])
    findings = scope.classify(
        ["/opt/elsewhere/x", str(grant_dir / "f"), "/dev/null", "/tmp/scratch.txt"],
        active,
        root=root,
    )
    assert _ids(findings) == [("scope.outside-repository", "block", "/opt/elsewhere/x")]


def test_orchestrator_tmp_is_always_allowed(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    active = _active(root, allowedPaths=[])
    assert scope.classify([".orchestrator/tmp/x/y.log"], active, root=root) == []


def test_protected_paths_are_judged_by_matrix_not_scope(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    active = _active(root, allowedPaths=["**"])
    findings = scope.classify(
        [".claude/wave-scope.json", ".claude/STATE.md"], active, root=root, role="agent"
    )
    assert _ids(findings) == [
        ("protected.control", "block", ".claude/wave-scope.json"),
        ("protected.state", "block", ".claude/STATE.md"),
    ]
    coordinator = scope.classify([".claude/STATE.md"], active, root=root, role="coordinator")
    assert coordinator == []


def test_symlink_escaping_into_git_dir_is_caught(make_repo: Any) -> None:
    root = make_repo(files={"src/a": "x"})
    os.symlink("../.git/config", root / "src" / "link")
    active = _active(root, allowedPaths=["src/"])
    assert _ids(scope.classify(["src/link"], active, root=root)) == [
        ("protected.git", "block", ".git/config")
    ]


def test_relative_paths_use_cwd(make_repo: Any) -> None:
    root = make_repo(files={"src/a": "x"})
    active = _active(root)
    assert scope.classify(["b.py"], active, root=root, cwd=str(root / "src")) == []
    assert len(scope.classify(["b.py"], active, root=root)) == 1


SHELL_CASES: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("echo hi > notes.txt", [("scope.outside-allowed-paths", "block", "notes.txt")]),
    ("echo hi >> src/log.txt", []),
    ("cat a | tee src/a out.log", [("scope.outside-allowed-paths", "block", "out.log")]),
    ("cp src/a backup.txt", [("scope.outside-allowed-paths", "block", "backup.txt")]),
    ("install -m 644 src/a bin.txt", [("scope.outside-allowed-paths", "block", "bin.txt")]),
    (
        "mv README.md src/README.md",
        [("scope.outside-allowed-paths", "block", "README.md")],
    ),
    ("sed -i s/a/b/ README.md", [("scope.outside-allowed-paths", "block", "README.md")]),
    ("truncate -s 0 README.md", [("scope.outside-allowed-paths", "block", "README.md")]),
    ("dd if=/dev/zero of=disk.img", [("scope.outside-allowed-paths", "block", "disk.img")]),
    ("rm README.md", [("scope.outside-allowed-paths", "block", "README.md")]),
    ("rm -rf src/gen", []),
    ("rm -rf docs", [("scope.outside-allowed-paths", "block", "docs")]),
    ("cd src && echo x > b.txt", []),
    ("echo x > /dev/null; echo y 2>/dev/null", []),
    ("echo x > $OUT", [("scope.unresolved-target", "warn", "«$OUT»")]),
    ("rm -rf .orchestrator", [("protected.runtime", "block", ".orchestrator")]),
    (
        "echo '{}' > .claude/wave-scope.json",
        [("protected.control", "block", ".claude/wave-scope.json")],
    ),
]


@pytest.mark.parametrize(("command", "expected"), SHELL_CASES)
def test_shell_writes(make_repo: Any, command: str, expected: list[tuple[str, str, str]]) -> None:
    root = make_repo(files={"src/a": "x", "README.md": "r", "docs/x.md": "d"})
    active = _active(root)
    targets = scope.shell_targets(command_effects(command, cwd=str(root)), cwd=str(root))
    assert _ids(scope.classify(targets, active, root=root, role="agent")) == expected


def test_shell_glob_targets_expand_and_match_protected_patterns(make_repo: Any) -> None:
    root = make_repo(files={"src/a": "x", "b.log": "1", "c.log": "2"})
    active = _active(root)
    targets = scope.shell_targets(command_effects("rm *.log", cwd=str(root)), cwd=str(root))
    assert sorted(f.target for f in scope.classify(targets, active, root=root)) == [
        "b.log",
        "c.log",
    ]
    ledgers = scope.shell_targets(
        command_effects("rm .orchestrator/metrics/*", cwd=str(root)), cwd=str(root)
    )
    assert [f.rule_id for f in scope.classify(ledgers, None, root=root)] == ["protected.runtime"]


def test_gates_precedence(make_repo: Any) -> None:
    root = make_repo(files={"a": "x"})
    active = _active(root, gates={"bash-write-guard": False})
    assert active.gate("bash-write-guard", {"bash-write-guard": True}) is False
    assert active.gate("path-guard", {"path-guard": False}) is False
    assert active.gate("command-guard") is True


def _pathspec_regex(pattern: str) -> tuple[str | None, bool | None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from pathspec.patterns.gitwildmatch import GitWildMatchPattern

        try:
            return GitWildMatchPattern.pattern_to_regex(pattern)
        except ValueError:
            return ("error", None)


def _ours(pattern: str) -> tuple[str | None, bool | None]:
    from sessionkit.policy.globs import pattern_to_regex

    try:
        return pattern_to_regex(pattern)
    except ValueError:
        return ("error", None)


@pytest.mark.parametrize(
    "pattern",
    sorted(
        {"/" + e.lstrip("!") for entries, _, _ in PATTERN_TABLE for e in entries}
        | {"**", "**/", "*", "*/", "/", "#x", "!/a/**/b/", "/a/[!b]c", "/a/[", "/x\\ ", "/a\\"}
    ),
)
def test_translation_equals_pathspec(pattern: str) -> None:
    assert _ours(pattern) == _pathspec_regex(pattern)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab/*?[]!^\\# .", max_size=14))
def test_translation_equals_pathspec_on_generated_patterns(pattern: str) -> None:
    assert _ours(pattern) == _pathspec_regex(pattern)
