"""The guard's team policy: ``guard.yaml`` loading, validation, the stricter merge and its cache.

guard.md §12. The effective policy is the stricter merge of the working-tree
``.orchestrator/policy/guard.yaml`` and the same file at ``HEAD`` (§12.3), plus the prior art's
``blocked-commands.json`` read as extra rules (§12.7, :mod:`sessionkit.policy.compat`).
:func:`apply_policy` is the seam the guard calls for every check: it applies severities,
``allow-destructive-ops``, contexts, ``script-allow`` entries and overrides to single findings.

Hot path: the cache read, which lives in :mod:`sessionkit.policy.policycache` (the ``Policy``
object, the repository lookup, the cache key and reader; re-exported here) so that a warm
caller that only reads the cached policy does not load this module. This module imports only
the standard library and the guard's light modules at import time; ``yaml``, ``jsonschema`` and ``pathspec`` are imported only when a
policy file actually has to be parsed (a cache miss), and git runs only then.
"""

from __future__ import annotations

import os

from sessionkit.policy.decision import SEVERITY, Downgrade, Finding, Notice

# The hot-path part (the policy object and its cache) lives in policycache; re-exported here.
from sessionkit.policy.policycache import (
    CACHE_FORMAT,
    CACHE_NAME,
    COMPAT_REL,
    DEFAULT_MAX_OVERRIDE,
    POLICY_REL,
    Policy,
    PolicySource,
    _cache_key,
    _gitdir_from_file,
    cache_path,
    find_repository,
    head_commit,
)
from sessionkit.policy.policycache import read_cache as _read_cache
from sessionkit.policy.rules import FLOOR_RULES, SESSION_CONFIG_DOWNGRADABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime
    from typing import Any

    from sessionkit.policy.overrides import OverrideSet


__all__ = [
    "CACHE_FORMAT",
    "CACHE_NAME",
    "COMPAT_REL",
    "DEFAULT_MAX_OVERRIDE",
    "POLICY_REL",
    "ExtraRule",
    "Policy",
    "PolicyError",
    "PolicySource",
    "Problem",
    "apply_policy",
    "cache_path",
    "compile_literal_rule",
    "find_repository",
    "head_commit",
    "load_policy",
    "validate_policy",
]

MAX_OVERRIDE_CEILING = 7 * 24 * 3600
# ``off`` sorts below ``allow``: it removes the finding altogether.
LEVEL = {"off": -1, **SEVERITY}
DEFAULT_SQL_CLIENTS = (
    "psql",
    "mysql",
    "mariadb",
    "sqlite3",
    "duckdb",
    "clickhouse-client",
    "sqlcmd",
    "cockroach",
)
TOP_KEYS = (
    "version",
    "rules",
    "paths",
    "extra-rules",
    "overrides",
    "relax-in-linked-worktrees",
    "compat",
    "max-override-duration",
    "script-allow",
)
PATH_KEYS = ("artefact-dirs", "not-artefact-dirs", "temp-dirs", "allow-delete")
# Lists whose entries allow something: only entries present on both sides apply (§12.3).
LOOSENING_LISTS = ("artefact-dirs", "temp-dirs", "allow-delete")
# §12.9: groups lowered to allow in the ci context, and the B8 rules lowered for targets
# inside the workspace.
CI_LOWERED_GROUPS = frozenset(("B1", "B2", "B4", "B5", "B6", "B7", "W1", "W3", "W4", "W5", "W6"))
CI_LOWERED_GROUPS_W7 = "W7"
CI_LOWERED_WORKSPACE_RULES = frozenset(
    ("rm-recursive-source", "rm-glob-root", "find-delete", "rm-piped-targets")
)


# ---- errors and problems ---------------------------------------------------------------------


class PolicyError(ValueError):
    """A problem in a policy file, with the file and line it is on."""

    def __init__(self, file: str | None, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(self.location() + message)

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}: " if self.line else f"{self.file}: "


class Problem:
    """One problem found while loading: ``FILE:LINE: what is wrong; how to fix it``."""

    __slots__ = ("code", "file", "line", "message")

    def __init__(self, file: str, line: int | None, code: str, message: str) -> None:
        self.file = file
        self.line = line
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )

    def __repr__(self) -> str:
        return f"Problem({self!s})"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "code": self.code, "message": self.message}

    def notice(self, code: str = "policy-entry-ignored") -> Notice:
        source = f"{self.file}:{self.line}" if self.line else self.file
        return Notice(code, self.message, source)


# ---- the loader's names, imported on first use ---------------------------------------------------

# Parsing, validation, extra rules, the stricter merge and the cache write live in
# ``policyload``: a warm guard call applies a cached policy and needs none of them.
if TYPE_CHECKING:
    from sessionkit.policy.policyload import ExtraRule as ExtraRule
    from sessionkit.policy.policyload import PolicyDoc as PolicyDoc
    from sessionkit.policy.policyload import _canonical_rule as _canonical_rule
    from sessionkit.policy.policyload import _policy_from_docs as _policy_from_docs
    from sessionkit.policy.policyload import compile_literal_rule as compile_literal_rule
    from sessionkit.policy.policyload import format_duration as format_duration
    from sessionkit.policy.policyload import parse_duration as parse_duration
    from sessionkit.policy.policyload import parse_policy_text as parse_policy_text
    from sessionkit.policy.policyload import parse_time as parse_time
    from sessionkit.policy.policyload import path_matches as path_matches
    from sessionkit.policy.policyload import wildmatch_regex as wildmatch_regex


def __getattr__(name: str) -> Any:
    """Names defined in ``policyload`` (PEP 562): loaded with the first one asked for."""
    if name.startswith("__"):
        raise AttributeError(name)
    from sessionkit.policy import policyload

    try:
        return getattr(policyload, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def override_problem(
    entry: Mapping[str, Any],
    *,
    extra_ids: set[str] | None = None,
    now: datetime,
    local: bool = False,
    max_duration: int = DEFAULT_MAX_OVERRIDE,
) -> tuple[str, str] | None:
    """(code, message) when an override entry is unusable; None when it is fine."""
    from sessionkit.policy.policyload import override_problem as check

    return check(entry, extra_ids=extra_ids, now=now, local=local, max_duration=max_duration)


def load_policy(
    root: str | os.PathLike[str], *, strict: bool = False, use_cache: bool = True
) -> Policy:
    """The effective policy of the repository containing ``root`` (§12.1–§12.3, §12.8).

    Problems become notices on the policy; with ``strict`` the first one raises
    :class:`PolicyError` instead (``guard policy validate``). Never raises otherwise: a broken
    file leaves the built-in rules in force.
    """
    start = os.fspath(root)
    top, git_dir, common_dir = find_repository(start)
    if not strict and use_cache:
        key = _cache_key(top, git_dir, common_dir)
        path = cache_path(git_dir)
        cached = _read_cache(path, key)
        if cached is not None:
            return cached
    from sessionkit.policy.policyload import _build, _write_cache

    policy, problems = _build(top, git_dir)
    if strict and problems:
        first = problems[0]
        raise PolicyError(first.file, first.line, first.message)
    if not strict and use_cache:
        # The key is taken again after the build: a file edited meanwhile misses next time.
        _write_cache(cache_path(git_dir), _cache_key(top, git_dir, common_dir), policy)
    return policy


def validate_policy(root: str | os.PathLike[str]) -> tuple[Policy, list[Problem]]:
    """Every problem of the policy files and the local override store (``policy validate``)."""
    from sessionkit.policy import overrides as overrides_module
    from sessionkit.policy.policyload import _build

    top, git_dir, common_dir = find_repository(os.fspath(root))
    policy, problems = _build(top, git_dir)
    if common_dir is not None:
        problems.extend(overrides_module.validate_store(common_dir, policy=policy))
    return policy, problems


_BUILTIN = Policy(sources=())


# ---- applying the policy to findings (§10.1 item 3) ---------------------------------------------


class _ConfigView:
    """What the guard needs from the Session Config, read lazily and at most once per call."""

    __slots__ = ("_config", "_loaded", "notices", "root")

    def __init__(self, config: Any, root: str | None) -> None:
        self._config = config
        self._loaded = config is not None
        self.root = root
        self.notices: list[Notice] = []

    def get(self) -> Any:
        if not self._loaded:
            self._loaded = True
            self._config = _load_session_config(self.root, self.notices)
        return self._config


def _load_session_config(root: str | None, notices: list[Notice]) -> Any:
    if root is None:
        return None
    try:
        import sessionkit.config as config_module

        reader = getattr(config_module, "read_cached_config", None)
        config = reader(root) if reader is not None else None
        if config is None:
            config = config_module.load_config(path=root)
        return config
    except Exception as exc:  # the config capability failing must never stop the guard
        notices.append(
            Notice(
                "config-unavailable",
                f"the Session Config could not be read ({type(exc).__name__}); its defaults apply",
                None,
            )
        )
        return None


def _adopt(config: Any) -> tuple[bool, Downgrade | None, bool]:
    """(allow-destructive-ops, its downgrade record, whether a loosening is pending)."""
    if config is None:
        return False, None, False
    enabled = bool(getattr(config, "allow_destructive_ops", False))
    pending = False
    report = getattr(config, "report", None)
    if report is not None:
        pending = "allow-destructive-ops" in (getattr(report, "pending", ()) or ())
    if not enabled:
        return False, None, pending
    source_of = getattr(config, "source_of", None)
    src = source_of("allow-destructive-ops") if callable(source_of) else None
    file = getattr(src, "file", None) if src is not None else None
    line = getattr(src, "line", None) if src is not None else None
    return True, Downgrade("session-config", file, line), pending


def _pending_source(config: Any) -> str | None:
    """``file:line`` of the uncommitted ``allow-destructive-ops`` value, when the loader knows it."""
    report = getattr(config, "report", None)
    loosening = getattr(report, "loosening", None)
    entry = loosening.get("allow-destructive-ops") if isinstance(loosening, dict) else None
    src = entry.get("working_source") if isinstance(entry, dict) else None
    file = getattr(src, "file", None)
    if not isinstance(file, str):
        return None
    line = getattr(src, "line", None)
    return f"{file}:{line}" if isinstance(line, int) else file


def _inside(path: str | None, root: str | None) -> bool:
    if path is None or root is None:
        return True  # unknown: the analyser already judged it inside (§8.3)
    path = os.path.normcase(os.path.normpath(path))
    root = os.path.normcase(os.path.normpath(root))
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _downgradable_by_config(finding: Finding, repo_root: str | None) -> bool:
    if finding.rule_id not in SESSION_CONFIG_DOWNGRADABLE:
        return False
    if finding.rule_id in ("rsync-delete", "find-delete"):
        return all(_inside(t.path, repo_root) for t in finding.targets)
    return True


def _ci_lowered(finding: Finding, repo_root: str | None) -> bool:
    if finding.group in CI_LOWERED_GROUPS or finding.group == CI_LOWERED_GROUPS_W7:
        return True
    if finding.rule_id in CI_LOWERED_WORKSPACE_RULES:
        return all(_inside(t.path, repo_root) for t in finding.targets)
    if finding.rule_id == "rm-recursive-repo-root":
        if not finding.targets or repo_root is None:
            return False
        root = os.path.normcase(os.path.normpath(repo_root))
        return all(
            t.path is not None and os.path.normcase(os.path.normpath(t.path)) == root
            for t in finding.targets
        )
    return False


def _in_linked_worktree(repo_root: str | None) -> bool:
    if repo_root is None:
        return False
    dot_git = os.path.join(repo_root, ".git")
    if not os.path.isfile(dot_git):
        return False
    git_dir = _gitdir_from_file(repo_root, dot_git)
    return git_dir is not None and os.path.basename(os.path.dirname(git_dir)) == "worktrees"


def _script_allowed(
    finding: Finding, policy: Policy, source: str | None
) -> tuple[str | None, int | None] | None:
    if source is None or not policy.script_allow:
        return None
    from sessionkit.policy.policyload import _canonical_rule, path_matches, wildmatch_regex

    segment = " ".join((finding.segment or "").split())
    for entry in policy.script_allow:
        if _canonical_rule(entry["rule"]) != finding.rule_id:
            continue
        regex = entry.get("_path_re") or wildmatch_regex(entry["path"])
        if not path_matches([regex], source):
            continue
        if " ".join(str(entry["command"]).split()) != segment:
            continue
        return entry.get("file", POLICY_REL), entry.get("_line")
    return None


def apply_policy(
    findings: Sequence[Finding],
    *,
    policy: Policy | str | os.PathLike[str] | None,
    config: Any = None,
    context: str = "agent",
    source: str | None = None,
    session: str | None = None,
    repo_root: str | None = None,
    cwd: str | None = None,
    now: datetime | Callable[[], datetime] | None = None,
    linked_scope: bool = True,
) -> tuple[list[Finding], list[Notice]]:
    """Each finding's effective action under the policy (§10.1 item 3, §12).

    ``linked_scope``: the command acts only inside ``repo_root`` (the guard checks the
    effective cwd of every record and git's ``-C``/``--git-dir``); without it the
    linked-worktree relaxation does not apply.

    In order: the severity set in ``rules`` (``off`` removes the finding), linked-worktree
    relaxation, ``allow-destructive-ops``, the ``ci`` context, ``script-allow`` entries and
    overrides. Every step acts on one finding at a time and never touches floor rules; a
    lowering records what did it in ``downgraded_by``.
    """
    if isinstance(policy, (str, os.PathLike)):
        policy = Policy.from_file(policy)
    policy = policy if policy is not None else _BUILTIN
    notices: list[Notice] = list(policy.notices)
    root = repo_root if repo_root is not None else (find_repository(cwd)[0] if cwd else None)
    config_view = _ConfigView(config, root)
    adopt: tuple[bool, Downgrade | None, bool] | None = None
    override_set: OverrideSet | None = None
    overrides_looked_up = False
    linked = linked_scope and policy.relax_in_linked_worktrees and _in_linked_worktree(root)
    out: list[Finding] = []
    for finding in findings:
        rule_id = finding.rule_id
        if rule_id in FLOOR_RULES:
            out.append(finding)
            continue
        action, file, line = policy.action_for(rule_id, finding.action)
        if action == "off":
            continue
        if action != finding.action:
            if LEVEL[action] < LEVEL[finding.action]:
                finding = finding.lowered(action, Downgrade("policy", file, line))
            else:
                finding = finding.replace(action=action)
        if linked and finding.action == "block" and finding.group in ("B1", "B2"):
            finding = finding.lowered("warn", Downgrade("linked-worktree", root, None))
        if finding.action == "block" and _downgradable_by_config(finding, root):
            if adopt is None:
                adopt = _adopt(config_view.get())
                if adopt[2]:
                    notices.append(
                        Notice(
                            "policy-uncommitted-weakening",
                            "allow-destructive-ops: true is not committed; it has no effect"
                            " until the Session Config change is committed",
                            _pending_source(config_view.get()),
                        )
                    )
            if adopt[0] and adopt[1] is not None:
                finding = finding.lowered("warn", adopt[1])
        if context == "ci" and finding.action != "allow" and _ci_lowered(finding, root):
            finding = finding.lowered("allow", Downgrade("policy", "context:ci", None))
        if context in ("script", "ci") and finding.action != "allow":
            allowed = _script_allowed(finding, policy, source)
            if allowed is not None:
                finding = finding.lowered("allow", Downgrade("policy", allowed[0], allowed[1]))
        if finding.action != "allow":
            if not overrides_looked_up:
                overrides_looked_up = True
                if not _without_overrides(policy, root):
                    from sessionkit.policy import overrides as overrides_module

                    override_set = overrides_module.OverrideSet.for_check(
                        policy, root=root, now=now, notices=notices
                    )
            if override_set is not None:
                finding = override_set.apply(finding, session=session, repo_root=root)
        out.append(finding)
    notices.extend(config_view.notices)
    if override_set is not None:
        notices.extend(override_set.notices)
    return out, _unique(notices)


# ``overrides.store_path``: <common dir>/sessionkit/guard-overrides.json (a test keeps them equal).
OVERRIDE_STORE = ("sessionkit", "guard-overrides.json")


def _without_overrides(policy: Policy, root: str | None) -> bool:
    """True when no override can apply: none committed and no local store file.

    Then ``OverrideSet.for_check`` would hold no item and no notice (a missing store reads as
    empty), so its module is not even imported. Anything else goes through it.
    """
    if policy.overrides:
        return False
    common = find_repository(root)[2] if root is not None else None
    return not common or not os.path.lexists(os.path.join(common, *OVERRIDE_STORE))


def _unique(notices: Iterable[Notice]) -> list[Notice]:
    seen: set[Notice] = set()
    out: list[Notice] = []
    for notice in notices:
        if notice not in seen:
            seen.add(notice)
            out.append(notice)
    return out
