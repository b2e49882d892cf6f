"""Change sets, base resolution, ref validation and test selection (spec §4.2, §4.3).

Values only ever reach git as separate argv entries, and a user-supplied ref is validated and
resolved to a full SHA once; from then on only SHAs are used.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pathspec

from sessionkit import git
from sessionkit.gates.errors import GateEnvironmentError, GateUsageError

ZERO_SHA = re.compile(r"^0+$")
FETCH_HINT = "check out with full history: actions/checkout `fetch-depth: 0`, GitLab `GIT_DEPTH: 0`"
LANGUAGES: dict[str, dict[str, list[str]]] = {
    "python": {
        "extensions": [".py"],
        "test_patterns": ["**/test_*.py", "**/*_test.py"],
        "related": ["**/test_{stem}.py", "**/{stem}_test.py"],
    },
    "javascript": {
        "extensions": [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"],
        "test_patterns": [
            f"**/*.{kind}.{ext}"
            for kind in ("test", "spec")
            for ext in ("js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts")
        ]
        + ["**/__tests__/**/*.*"],
        "related": ["**/{stem}.test.*", "**/{stem}.spec.*", "**/__tests__/{stem}.*"],
    },
}
FULL_RUN_TRIGGERS = [
    "**/conftest.py",
    "pytest.ini",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
    "package.json",
    "uv.lock",
    "poetry.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "**/vitest.config.*",
    "**/jest.config.*",
    "**/tsconfig*.json",
]


@dataclass(frozen=True)
class ChangeSet:
    mode: str  # staged | worktree | committed | files
    changed: tuple[str, ...]
    base_source: str | None = None
    base_ref: str | None = None
    base_commit: str | None = None
    renamed: tuple[tuple[str, str], ...] = ()
    deleted: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_base(self) -> bool:
        return self.mode in ("staged", "files") or self.base_commit is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "base_source": self.base_source,
            "base_ref": self.base_ref,
            "base_commit": self.base_commit,
            "changed": list(self.changed),
            "renamed": [{"from": a, "to": b} for a, b in self.renamed],
            "deleted": list(self.deleted),
        }


def validate_ref(ref: str) -> str:
    if not ref or ref.startswith("-") or re.search(r"[\s\x00-\x1f\x7f]", ref):
        raise GateUsageError(f"not a valid revision: {ref!r}")
    return ref


def resolve_commit(root: str, ref: str) -> str:
    proc = git.run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=root, check=False)
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        raise GateEnvironmentError(f"--base {ref}: not found in this clone", hint=FETCH_HINT)
    return sha


def merge_base(root: str, sha: str) -> str:
    proc = git.run(["merge-base", sha, "HEAD"], cwd=root, check=False)
    base = proc.stdout.decode().strip()
    if proc.returncode != 0 or not base:
        raise GateEnvironmentError(f"no merge base between {sha[:12]} and HEAD", hint=FETCH_HINT)
    return base


def _ci_base(environ: Mapping[str, str]) -> tuple[str, str] | None:
    event_path = environ.get("GITHUB_EVENT_PATH")
    if environ.get("GITHUB_ACTIONS") == "true" and event_path:
        try:
            with open(event_path, encoding="utf-8") as f:
                event = json.load(f)
        except (OSError, ValueError):
            event = {}
        candidates = [
            ("ci-github-pr", ((event.get("pull_request") or {}).get("base") or {}).get("sha")),
            ("ci-github-merge-group", (event.get("merge_group") or {}).get("base_sha")),
            ("ci-github-push", event.get("before")),
        ]
        for source, sha in candidates:
            if isinstance(sha, str) and sha and not ZERO_SHA.match(sha):
                return source, sha
    for source, key in (
        ("ci-gitlab-mr", "CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        ("ci-gitlab-push", "CI_COMMIT_BEFORE_SHA"),
    ):
        sha = environ.get(key, "")
        if sha and not ZERO_SHA.match(sha):
            return source, sha
    return None


def _live_frontmatter(root: str) -> Mapping[str, Any] | None:
    """The STATE.md front matter of the worktree's active (or paused) session, read through
    the State capability's public reader; None without STATE.md or a live session."""
    from sessionkit import state

    try:
        current = state.read(root)
    except (OSError, ValueError, state.StateError):
        return None
    if current is None or current.frontmatter.get("status") not in ("active", "paused"):
        return None
    return current.frontmatter


def session_start_ref(root: str) -> str | None:
    """``session-start-ref`` of the worktree's active (or paused) session; None without
    STATE.md, a live session or a start ref."""
    frontmatter = _live_frontmatter(root)
    ref = frontmatter.get("session-start-ref") if frontmatter is not None else None
    if not isinstance(ref, str):
        return None
    return ref.strip() or None


def current_session(root: str) -> dict[str, Any] | None:
    """``{session_id, wave}`` of the worktree's active (or paused) session (§8.2), else None.

    ``wave`` is STATE.md's ``current-wave`` once a wave has started (>= 1), else None.
    """
    frontmatter = _live_frontmatter(root)
    if frontmatter is None:
        return None
    session = frontmatter.get("session")
    session_id = (session.strip() or None) if isinstance(session, str) else None
    wave = frontmatter.get("current-wave")
    if not isinstance(wave, int) or isinstance(wave, bool) or wave < 1:
        wave = None
    if session_id is None and wave is None:
        return None
    return {"session_id": session_id, "wave": wave}


def resolve_base(
    root: str, base: str | None, environ: Mapping[str, str]
) -> tuple[str, str | None, str | None]:
    """``(base_source, base_ref, base_commit)``; the commit is the merge base with HEAD."""
    if base is not None and base != "auto":
        validate_ref(base)  # --base '' is not "no base" (§4.2: a user ref MUST be non-empty)
        return "cli", base, merge_base(root, resolve_commit(root, base))
    env_ref = environ.get("SESSIONKIT_BASE_REF")
    if env_ref:
        validate_ref(env_ref)
        return "env", env_ref, merge_base(root, resolve_commit(root, env_ref))
    ci = _ci_base(environ)
    if ci is not None:
        source, sha = ci
        return source, sha, merge_base(root, resolve_commit(root, sha))
    start = session_start_ref(root)
    rows: list[tuple[str, str]] = []
    if start is not None and re.fullmatch(r"[0-9a-fA-F]{7,64}", start):
        # a start ref that is gone (history rewritten) falls through to the local rows
        rows.append(("session", start))
    rows += [("upstream", "@{upstream}"), ("origin-head", "origin/HEAD")]
    for source, ref in rows:
        base = _local_merge_base(root, ref)
        if base is not None:
            return source, ref, base
    return "none", None, None


def _local_merge_base(root: str, ref: str) -> str | None:
    """The merge base of ``ref`` and HEAD; None when ``ref`` names no commit or they share none."""
    proc = git.run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=root, check=False)
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        return None
    mb = git.run(["merge-base", sha, "HEAD"], cwd=root, check=False)
    return mb.stdout.decode().strip() if mb.returncode == 0 and mb.stdout.strip() else None


def _parse_name_status(data: bytes) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    items = git.zsplit(data)
    changed: list[str] = []
    renamed: list[tuple[str, str]] = []
    deleted: list[str] = []
    i = 0
    while i < len(items):
        status = items[i]
        code = status[:1]
        if code in ("R", "C"):
            old, new = items[i + 1], items[i + 2]
            if code == "R":
                renamed.append((old, new))
            changed.append(new)
            i += 3
            continue
        path = items[i + 1]
        if code == "D":
            deleted.append(path)
        else:
            changed.append(path)
        i += 2
    return changed, renamed, deleted


def _regular(root: str, paths: Sequence[str]) -> list[str]:
    keep = []
    for rel in paths:
        full = os.path.join(root, rel)
        if os.path.isfile(full):  # follows symlinks; broken ones and submodules drop out
            keep.append(rel)
    return keep


def change_set(
    root: str,
    *,
    staged: bool,
    base: str | None,
    committed_only: bool,
    environ: Mapping[str, str],
) -> ChangeSet:
    if staged:
        proc = git.run(["diff", "--cached", "--name-status", "-z", "-M"], cwd=root)
        changed, renamed, deleted = _parse_name_status(proc.stdout)
        return ChangeSet(
            "staged",
            tuple(sorted(set(_regular(root, changed)))),
            renamed=tuple(renamed),
            deleted=tuple(sorted(deleted)),
        )
    source, ref, commit = resolve_base(root, base, environ)
    if commit is None:
        return ChangeSet("worktree", (), base_source=source)
    args = ["diff", "--name-status", "-z", "-M", commit]
    if committed_only:
        args.append("HEAD")
    changed, renamed, deleted = _parse_name_status(git.run(args, cwd=root).stdout)
    if not committed_only:
        untracked = git.run(["ls-files", "--others", "--exclude-standard", "-z"], cwd=root).stdout
        changed.extend(git.zsplit(untracked))
    return ChangeSet(
        "committed" if committed_only else "worktree",
        tuple(sorted(set(_regular(root, changed)))),
        base_source=source,
        base_ref=ref,
        base_commit=commit,
        renamed=tuple(renamed),
        deleted=tuple(sorted(deleted)),
    )


def given_files(root: str, files: Sequence[str], cwd: str) -> ChangeSet:
    """Per-file: paths relative to ``cwd`` made repo-relative; outside the root is exit 2."""
    real_root = os.path.realpath(root)
    changed: list[str] = []
    deleted: list[str] = []
    warnings: list[str] = []
    for name in files:
        full = os.path.realpath(os.path.join(cwd, name))
        rel = os.path.relpath(full, real_root)
        if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
            raise GateUsageError(f"{name}: outside the project root {root}")
        rel = rel.replace(os.sep, "/")
        if os.path.isfile(full):
            changed.append(rel)
        else:
            deleted.append(rel)
            warnings.append(f"{rel}: no such file; ignored")
    return ChangeSet(
        "files",
        tuple(sorted(set(changed))),
        base_source=None,
        deleted=tuple(sorted(set(deleted))),
        warnings=tuple(warnings),
    )


def languages(selection: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    merged = {k: dict(v) for k, v in LANGUAGES.items()}
    for name, spec in (selection.get("languages") or {}).items():
        merged[name] = {
            **merged.get(name, {"extensions": [], "test_patterns": [], "related": []}),
            **spec,
        }
    return merged


def _spec(patterns: Sequence[str]) -> Any:
    # pathspec >= 0.13 names gitignore semantics "gitignore"; older releases "gitwildmatch"
    try:
        return pathspec.PathSpec.from_lines("gitignore", patterns)
    except (KeyError, LookupError):
        return pathspec.PathSpec.from_lines("gitwildmatch", patterns)


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\!])", r"\\\1", text)


@dataclass(frozen=True)
class TestSelection:
    files: tuple[str, ...] | None  # None: run the full command
    reason: str

    __test__ = False


def select_tests(
    changed: Sequence[str],
    tracked: Sequence[str],
    *,
    check_languages: Sequence[str],
    selection: Mapping[str, Any],
) -> TestSelection:
    """The test files a test check receives for ``changed`` (spec §4.3 steps 2-5)."""
    triggers = selection.get("full_run_triggers") or FULL_RUN_TRIGGERS
    trigger_spec = _spec(triggers)
    for path in changed:
        if trigger_spec.match_file(path):
            return TestSelection(None, f"trigger:{path}")
    table = languages(selection)
    chosen: set[str] = set()
    tracked_set = sorted(set(tracked) | set(changed))
    for name in check_languages:
        lang = table.get(name)
        if not lang:
            continue
        tests = _spec(lang.get("test_patterns", []))
        extensions = tuple(lang.get("extensions", []))
        related_patterns: list[str] = []
        for path in changed:
            if tests.match_file(path):
                chosen.add(path)
            elif path.endswith(extensions):
                stem = os.path.splitext(path.rsplit("/", 1)[-1])[0]
                related_patterns.extend(
                    p.replace("{stem}", _glob_escape(stem)) for p in lang.get("related", [])
                )
        if related_patterns:
            related = _spec(related_patterns)
            chosen.update(p for p in tracked_set if related.match_file(p) and tests.match_file(p))
    files = tuple(sorted(chosen))
    if len(files) > int(selection.get("max_files", 200)):
        return TestSelection(None, "too-many-files")
    if not files:
        if selection.get("on_no_tests", "skip") == "full":
            return TestSelection(None, "no-selected-tests")
        return TestSelection((), "no-selected-tests")
    return TestSelection(files, "selected")


def filter_files(changed: Sequence[str], patterns: Sequence[str]) -> tuple[str, ...]:
    if not patterns:
        return tuple(changed)
    spec = _spec(patterns)
    return tuple(p for p in changed if spec.match_file(p))
