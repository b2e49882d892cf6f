"""Overrides: scoped, expiring exceptions to one rule (guard.md §12.6).

Two sources: committed overrides in ``guard.yaml`` (part of the policy, §12.3) and local ones a
human grants with ``sessionkit guard override add``, stored in
``<git-common-dir>/sessionkit/guard-overrides.json`` (shared by the clone's worktrees, never
committed): ``{"version": 1, "overrides": [...]}``. The store is read on every check (it is
small); writes are atomic (temporary file plus rename, under a lock file) and drop expired
entries.

Hot path (read side): standard library only; ``re`` and ``datetime`` only when an override
exists (without one, a blocked command costs no clock and no pattern).
"""

from __future__ import annotations

import os

from sessionkit import _jsonfast
from sessionkit.policy.decision import SEVERITY, Downgrade, Notice

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime
    from typing import Any

    from sessionkit.policy.decision import Finding
    from sessionkit.policy.policyfile import Policy, Problem

STORE_NAME = "guard-overrides.json"
STORE_VERSION = 1


def store_path(common_dir: str) -> str:
    return os.path.join(common_dir, "sessionkit", STORE_NAME)


def _now(now: datetime | Callable[[], datetime] | None) -> datetime:
    from datetime import datetime, timezone

    if now is None:
        return datetime.now(timezone.utc)
    if callable(now):
        return now()
    return now


def read_store(common_dir: str) -> tuple[list[dict[str, Any]], list[Notice]]:
    """The local overrides (unvalidated) and a notice when the store cannot be read."""
    path = store_path(common_dir)
    try:
        with open(path, encoding="utf-8") as handle:
            data = _jsonfast.loads(handle.read())
    except FileNotFoundError:
        return [], []
    except (OSError, ValueError, RecursionError) as exc:
        return [], [
            Notice(
                "overrides-unreadable",
                f"the local override store cannot be read ({exc}); no local overrides apply",
                path,
            )
        ]
    entries = data.get("overrides") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("version") != STORE_VERSION:
        return [], [
            Notice(
                "overrides-unreadable",
                "the local override store is not {version: 1, overrides: [...]};"
                " no local overrides apply",
                path,
            )
        ]
    return [e for e in entries if isinstance(e, dict)], []


class Override:
    """One usable override, compiled for matching."""

    __slots__ = (
        "action",
        "expires",
        "id",
        "line",
        "match",
        "origin",
        "paths",
        "rule",
        "session",
        "source",
    )

    def __init__(
        self, entry: Mapping[str, Any], *, origin: str, source: str | None, line: int | None
    ) -> None:
        from sessionkit.policy.policyfile import _canonical_rule, parse_time, wildmatch_regex

        self.id = str(entry.get("id") or f"{origin}:{entry.get('rule')}")
        self.rule = _canonical_rule(str(entry["rule"]))
        self.action = str(entry.get("action", "warn"))
        self.expires = parse_time(str(entry["expires"]))
        self.session = entry.get("session")
        raw = entry.get("match")
        words: list[str] = []
        if isinstance(raw, str):
            import shlex

            try:
                words = shlex.split(raw)
            except ValueError:
                words = raw.split()
        elif isinstance(raw, list):
            words = [str(w) for w in raw]
        self.match: tuple[str, ...] = tuple(words)
        compiled = entry.get("_paths_re")
        if not isinstance(compiled, list) or len(compiled) != len(entry.get("paths") or ()):
            # a local store entry: compiled here (rare: only overrides scoped by paths)
            compiled = [wildmatch_regex(p) for p in entry.get("paths") or ()]
        self.paths: tuple[str, ...] = tuple(str(r) for r in compiled)
        self.origin = origin
        self.source = source
        self.line = line

    def applies(
        self, finding: Finding, *, session: str | None, repo_root: str | None, now: datetime
    ) -> bool:
        if finding.rule_id != self.rule or now >= self.expires:
            return False
        if self.session is not None and self.session != session:
            return False
        if self.match and not (
            _argv_pattern_matches(self.match, finding.argv)
            or _canonical_match(self.match, finding.argv)
        ):
            return False
        if self.paths:
            if not finding.targets or repo_root is None:
                return False
            import re

            for target in finding.targets:
                rel = _relative(target.path, repo_root)
                if rel is None or not any(re.match(regex, rel) for regex in self.paths):
                    return False
        return True


def _relative(path: str | None, root: str) -> str | None:
    if path is None:
        return None
    path = os.path.normpath(path)
    root = os.path.normpath(root)
    if path == root:
        return "."
    if not path.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return path[len(root.rstrip(os.sep)) + 1 :].replace(os.sep, "/")


def _canonical_match(pattern: Sequence[str], argv: Sequence[str]) -> bool:
    """The pattern matched as an extra rule's ``argv`` is (§12.4): bundles expanded, git's
    subcommand found after its global options, long options resolved. Only overrides scoped
    by ``match`` get here, so the loader's matcher is imported only for them."""
    if not argv or not pattern or any("«" in word for word in argv):
        return False  # unknown pieces never match a literal pattern element
    try:
        from sessionkit.policy.command import Command
        from sessionkit.policy.policyload import _argv_matches
        from sessionkit.policy.values import lit

        words = tuple(lit(word) for word in argv)
        command = Command(words, os.path.basename(argv[0]).lower(), text=" ".join(argv))
        return _argv_matches(pattern, (), command)
    except Exception:  # a finding whose argv does not form a command: the plain match decides
        return False


def _argv_pattern_matches(pattern: Sequence[str], argv: Sequence[str]) -> bool:
    """The first element matches the command name; every other one a different argument."""
    import fnmatch

    if not argv or not pattern:
        return False
    name = os.path.basename(argv[0]).lower()
    if not fnmatch.fnmatchcase(name, pattern[0].lower()):
        return False
    used = [False] * len(argv)

    def place(i: int) -> bool:
        if i == len(pattern):
            return True
        for j in range(1, len(argv)):
            if not used[j] and fnmatch.fnmatchcase(argv[j], pattern[i]):
                used[j] = True
                if place(i + 1):
                    return True
                used[j] = False
        return False

    return place(1)


class OverrideSet:
    """The overrides in force for one check: committed ones and the local store."""

    __slots__ = ("items", "notices", "now")

    def __init__(
        self, items: Sequence[Override], now: datetime | None, notices: list[Notice]
    ) -> None:
        self.items = tuple(items)
        self.now = now
        self.notices = notices

    @classmethod
    def for_check(
        cls,
        policy: Policy,
        *,
        root: str | None,
        now: datetime | Callable[[], datetime] | None,
        notices: Iterable[Notice] = (),
    ) -> OverrideSet:
        from sessionkit.policy.policyfile import find_repository, override_problem

        # the clock is read only when there is an override to judge (None means no items)
        moment = _now(now) if policy.overrides else None
        found: list[Notice] = []
        items: list[Override] = []
        extra_ids = _extra_ids(policy) if policy.overrides else set()
        for entry in policy.overrides:
            assert moment is not None
            problem = override_problem(entry, extra_ids=extra_ids, now=moment)
            if problem is not None:
                if problem[0] == "override-expired":
                    found.append(Notice("override-expired", problem[1], _where(entry)))
                continue
            items.append(
                Override(
                    entry,
                    origin="committed",
                    source=entry.get("file", ".orchestrator/policy/guard.yaml"),
                    line=entry.get("_line"),
                )
            )
        if root is not None:
            common = _COMMON_DIRS.get(root)
            if common is None:
                common = find_repository(root)[2] or ""
                if len(_COMMON_DIRS) > 64:
                    _COMMON_DIRS.clear()
                _COMMON_DIRS[root] = common
            if common:
                entries, store_notices = read_store(common)
                found.extend(store_notices)
                if entries and moment is None:
                    moment = _now(now)
                if entries and not extra_ids:
                    extra_ids = _extra_ids(policy)
                for entry in entries:
                    assert moment is not None
                    if (
                        override_problem(
                            entry,
                            extra_ids=extra_ids,
                            now=moment,
                            local=True,
                            max_duration=policy.max_override_duration,
                        )
                        is None
                    ):
                        items.append(
                            Override(entry, origin="local", source=store_path(common), line=None)
                        )
        return cls(items, moment, found)

    def apply(self, finding: Finding, *, session: str | None, repo_root: str | None) -> Finding:
        """The finding lowered by the override that lowers least among those that apply."""
        best: Override | None = None
        for item in self.items:
            if SEVERITY.get(item.action, 2) >= SEVERITY[finding.action]:
                continue
            assert self.now is not None  # set whenever there are items
            if not item.applies(finding, session=session, repo_root=repo_root, now=self.now):
                continue
            if best is None or SEVERITY[item.action] > SEVERITY[best.action]:
                best = item
        if best is None:
            return finding
        return finding.lowered(best.action, Downgrade("override", best.source, best.line, best.id))


# repository root -> its common git dir ("" outside a repository); checks call this per finding
_COMMON_DIRS: dict[str, str] = {}


def _extra_ids(policy: Policy) -> set[str]:
    """The ids of guard.yaml's extra rules, which overrides may name like built-in ones (§12.6)."""
    return {str(rule.get("id")) for rule in policy.extra_rules}


def _where(entry: Mapping[str, Any]) -> str:
    line = entry.get("_line")
    return f".orchestrator/policy/guard.yaml:{line}" if line else ".orchestrator/policy/guard.yaml"


# ---- validation and writes (CLI side) -----------------------------------------------------------


def validate_store(common_dir: str, *, policy: Policy | None = None) -> list[Problem]:
    """Problems of the local store, one per unusable entry (``guard policy validate``)."""
    from sessionkit.policy.policyfile import DEFAULT_MAX_OVERRIDE, Problem, override_problem

    path = store_path(common_dir)
    if not os.path.exists(path):
        return []
    entries, notices = read_store(common_dir)
    problems = [Problem(path, None, n.code, n.message) for n in notices]
    moment = _now(None)
    max_duration = policy.max_override_duration if policy is not None else DEFAULT_MAX_OVERRIDE
    extra_ids = _extra_ids(policy) if policy is not None else set()
    for index, entry in enumerate(entries):
        problem = override_problem(
            entry, extra_ids=extra_ids, now=moment, local=True, max_duration=max_duration
        )
        if problem is not None:
            problems.append(Problem(path, None, problem[0], f"overrides[{index}]: {problem[1]}"))
    return problems


def new_override_id(now: datetime) -> str:
    return f"ovr-{now.strftime('%Y%m%d')}-{os.urandom(2).hex()}"


def write_store(common_dir: str, entries: Sequence[Mapping[str, Any]], *, now: datetime) -> None:
    """Replace the store atomically, dropping expired entries, under a lock file."""
    from sessionkit.policy.policyfile import parse_time

    path = store_path(common_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lock = path + ".lock"
    fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        kept = []
        for entry in entries:
            try:
                if parse_time(str(entry["expires"])) > now:
                    kept.append(dict(entry))
            except (KeyError, ValueError):
                continue
        temp = f"{path}.{os.getpid()}.tmp"
        import json  # the CLI side: indented for people

        with open(temp, "w", encoding="utf-8") as handle:
            json.dump({"version": STORE_VERSION, "overrides": kept}, handle, indent=2)
            handle.write("\n")
        os.replace(temp, path)
    finally:
        os.close(fd)
        os.unlink(lock)
