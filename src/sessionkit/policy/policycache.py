"""The guard's team policy as the hot path reads it: the ``Policy`` object and its cache.

guard.md §12.8. A warm call (the agent hook on every shell call) needs only what is here: the
repository lookup, the cache key (two ``stat`` calls and ``HEAD``), the cached ``Policy``.
Parsing, validation, the stricter merge and ``apply_policy`` live in
:mod:`sessionkit.policy.policyfile`, which re-exports every name below and is imported only
when a policy has to be built or applied to a finding.
"""

from __future__ import annotations

import os

from sessionkit import _jsonfast
from sessionkit._version import __version__
from sessionkit.policy.decision import Finding, Notice

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from sessionkit.policy.command import Command
    from sessionkit.policy.policyload import ExtraRule

POLICY_REL = ".orchestrator/policy/guard.yaml"
COMPAT_REL = ".orchestrator/policy/blocked-commands.json"
CACHE_NAME = "guard-policy.json"
CACHE_FORMAT = 2

DEFAULT_MAX_OVERRIDE = 24 * 3600


class PolicySource:
    """A file the effective policy was read from."""

    __slots__ = ("origin", "path")

    def __init__(self, path: str, origin: str) -> None:
        self.path = path
        self.origin = origin  # "working", "head", "compat", "explicit"

    def __repr__(self) -> str:
        return f"PolicySource({self.path!r}, {self.origin!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PolicySource) and (self.path, self.origin) == (
            other.path,
            other.origin,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.origin))

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "origin": self.origin}


# ---- repository facts (stdlib, no subprocess) ------------------------------------------------


def find_repository(start: str) -> tuple[str, str | None, str | None]:
    """(root, git dir, common dir) of the repository containing ``start``; outside one,
    ``(start, None, None)``."""
    current = os.path.abspath(start)
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.isdir(dot_git):
            return current, dot_git, _common_dir(dot_git)
        if os.path.isfile(dot_git):
            git_dir = _gitdir_from_file(current, dot_git)
            if git_dir is not None:
                return current, git_dir, _common_dir(git_dir)
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.abspath(start), None, None
        current = parent


def _gitdir_from_file(root: str, dot_git: str) -> str | None:
    text = _read_text(dot_git)
    if text is None or not text.startswith("gitdir:"):
        return None
    target = text[len("gitdir:") :].strip()
    return os.path.normpath(os.path.join(root, target))


def _common_dir(git_dir: str) -> str:
    text = _read_text(os.path.join(git_dir, "commondir"))
    if text is None:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, text.strip()))


def _read_text(path: str, limit: int = 1 << 20) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read(limit)
    except OSError:
        return None


def head_commit(git_dir: str | None, common_dir: str | None) -> str | None:
    """The commit id ``HEAD`` points to, read from files (loose ref or ``packed-refs``)."""
    if git_dir is None:
        return None
    text = _read_text(os.path.join(git_dir, "HEAD"))
    if text is None:
        return None
    text = text.strip()
    if not text.startswith("ref:"):
        return text or None
    ref = text[4:].strip()
    for base in (git_dir, common_dir or git_dir):
        value = _read_text(os.path.join(base, ref))
        if value is not None and value.strip():
            return value.strip()
    packed = _read_text(os.path.join(common_dir or git_dir, "packed-refs"), limit=1 << 24)
    if packed:
        for line in packed.splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None  # unborn branch


# ---- the policy object -------------------------------------------------------------------------


class Policy:
    """The effective team policy (everything but the built-in catalogue)."""

    __slots__ = (
        "_compiled",
        "_digest",
        "allow_delete",
        "artefact_dirs",
        "compat_enabled",
        "compat_protected_paths",
        "compat_rules",
        "explicit",
        "extra_rules",
        "max_override_duration",
        "not_artefact_dirs",
        "notices",
        "overrides",
        "pending",
        "relax_in_linked_worktrees",
        "root",
        "rules",
        "script_allow",
        "sources",
        "temp_dirs",
    )

    def __init__(
        self,
        *,
        rules: Mapping[str, Sequence[Any]] | None = None,
        artefact_dirs: Sequence[str] = (),
        not_artefact_dirs: Sequence[str] = (),
        temp_dirs: Sequence[str] = (),
        allow_delete: Sequence[str] = (),
        extra_rules: Sequence[Mapping[str, Any]] = (),
        compat_rules: Sequence[Mapping[str, Any]] = (),
        overrides: Sequence[Mapping[str, Any]] = (),
        relax_in_linked_worktrees: bool = False,
        compat_enabled: bool = True,
        max_override_duration: int = DEFAULT_MAX_OVERRIDE,
        script_allow: Sequence[Mapping[str, Any]] = (),
        compat_protected_paths: Sequence[str] = (),
        sources: Sequence[PolicySource] = (),
        notices: Sequence[Notice] = (),
        pending: Sequence[str] = (),
        explicit: bool = False,
        root: str | None = None,
        digest: str | None = None,
    ) -> None:
        # rule id -> (action, file, line)
        self.rules: dict[str, tuple[str, str | None, int | None]] = {
            k: (str(v[0]), v[1], v[2]) for k, v in (rules or {}).items()
        }
        self.artefact_dirs = tuple(artefact_dirs)
        self.not_artefact_dirs = tuple(not_artefact_dirs)
        self.temp_dirs = tuple(temp_dirs)
        self.allow_delete = tuple(allow_delete)
        self.extra_rules = tuple(dict(r) for r in extra_rules)
        self.compat_rules = tuple(dict(r) for r in compat_rules)
        self.overrides = tuple(dict(o) for o in overrides)
        self.relax_in_linked_worktrees = bool(relax_in_linked_worktrees)
        self.compat_enabled = bool(compat_enabled)
        self.max_override_duration = int(max_override_duration)
        self.script_allow = tuple(dict(s) for s in script_allow)
        self.compat_protected_paths = tuple(compat_protected_paths)
        self.sources = tuple(sources)
        self.notices = tuple(notices)
        self.pending = tuple(pending)
        self.explicit = explicit
        self.root = root
        self._compiled: tuple[ExtraRule, ...] | None = None
        # a digest read back from the cache was computed from these same values; otherwise it
        # is computed on first use (hashlib costs milliseconds to import on the hook path)
        self._digest = digest or None

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` of the policy's semantic content."""
        if self._digest is None:
            import hashlib

            self._digest = (
                "sha256:"
                + hashlib.sha256(
                    _jsonfast.dumps(self._semantic(), sort_keys=True).encode("utf-8")
                ).hexdigest()
            )
        return self._digest

    # -- constructors --------------------------------------------------------------------------

    @classmethod
    def builtin(cls) -> Policy:
        """Built-in rules only: no team policy, no compatibility file, no committed overrides."""
        from sessionkit.policy.policyfile import _BUILTIN

        return _BUILTIN

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, strict: bool = True) -> Policy:
        """A ``guard.yaml`` used as given (``policy=`` of §13); raises :class:`PolicyError` when
        it cannot be read, and (``strict``) on its first problem, else drops bad entries."""
        from sessionkit.policy.policyfile import PolicyError

        path = os.fspath(path)
        try:
            # undecodable bytes are kept: parse_policy_text reports the first with its line
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                text = handle.read()
        except OSError as exc:
            raise PolicyError(path, None, f"cannot read the policy file: {exc.strerror}") from exc
        return cls.from_text(text, file=path, strict=strict)

    @classmethod
    def from_text(
        cls, text: str, *, file: str = POLICY_REL, root: str | None = None, strict: bool = True
    ) -> Policy:
        """A policy from ``guard.yaml`` text, trusted as given (no merge with ``HEAD``).

        With ``strict`` (the default) the first problem raises :class:`PolicyError`; otherwise
        invalid entries are dropped and reported as notices, and a file that does not parse
        leaves the built-in rules (callers judging a staged change, §12.9).
        """
        from sessionkit.policy.policyfile import PolicyError
        from sessionkit.policy.policyload import _policy_from_docs, parse_policy_text

        doc = parse_policy_text(text, file)
        if doc.fatal is not None:
            if strict:
                raise PolicyError(doc.fatal.file, doc.fatal.line, doc.fatal.message)
            return cls(
                sources=(PolicySource(file, "explicit"),),
                notices=(doc.fatal.notice("policy-invalid"),),
                explicit=True,
                root=root,
            )
        if doc.problems and strict:
            first = doc.problems[0]
            raise PolicyError(first.file, first.line, first.message)
        return _policy_from_docs(
            doc,
            None,
            None,
            sources=(PolicySource(file, "explicit"),),
            notices=[p.notice() for p in doc.problems],
            explicit=True,
            root=root,
        )

    # -- JSON (cache) ----------------------------------------------------------------------------

    def _semantic(self) -> dict[str, Any]:
        return {
            "rules": {k: v[0] for k, v in sorted(self.rules.items())},
            "artefact-dirs": list(self.artefact_dirs),
            "not-artefact-dirs": list(self.not_artefact_dirs),
            "temp-dirs": list(self.temp_dirs),
            "allow-delete": list(self.allow_delete),
            "extra-rules": [_strip_location(r) for r in self.extra_rules],
            "compat-rules": [_strip_location(r) for r in self.compat_rules],
            "overrides": [_strip_location(o) for o in self.overrides],
            "relax-in-linked-worktrees": self.relax_in_linked_worktrees,
            "compat": self.compat_enabled,
            "max-override-duration": self.max_override_duration,
            "script-allow": [_strip_location(s) for s in self.script_allow],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": {k: list(v) for k, v in self.rules.items()},
            "artefact-dirs": list(self.artefact_dirs),
            "not-artefact-dirs": list(self.not_artefact_dirs),
            "temp-dirs": list(self.temp_dirs),
            "allow-delete": list(self.allow_delete),
            "extra-rules": list(self.extra_rules),
            "compat-rules": list(self.compat_rules),
            "overrides": list(self.overrides),
            "relax-in-linked-worktrees": self.relax_in_linked_worktrees,
            "compat": self.compat_enabled,
            "max-override-duration": self.max_override_duration,
            "script-allow": list(self.script_allow),
            "compat-protected-paths": list(self.compat_protected_paths),
            "sources": [s.to_dict() for s in self.sources],
            "notices": [n.to_dict() for n in self.notices],
            "pending": list(self.pending),
            "explicit": self.explicit,
            "root": self.root,
            "digest": self.digest,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            rules=data.get("rules") or {},
            artefact_dirs=data.get("artefact-dirs") or (),
            not_artefact_dirs=data.get("not-artefact-dirs") or (),
            temp_dirs=data.get("temp-dirs") or (),
            allow_delete=data.get("allow-delete") or (),
            extra_rules=data.get("extra-rules") or (),
            compat_rules=data.get("compat-rules") or (),
            overrides=data.get("overrides") or (),
            relax_in_linked_worktrees=bool(data.get("relax-in-linked-worktrees")),
            compat_enabled=bool(data.get("compat", True)),
            max_override_duration=int(data.get("max-override-duration", DEFAULT_MAX_OVERRIDE)),
            script_allow=data.get("script-allow") or (),
            compat_protected_paths=data.get("compat-protected-paths") or (),
            sources=[PolicySource(s["path"], s["origin"]) for s in data.get("sources") or ()],
            notices=[
                Notice(n["code"], n["message"], n.get("source")) for n in data.get("notices") or ()
            ],
            pending=data.get("pending") or (),
            explicit=bool(data.get("explicit")),
            root=data.get("root"),
            digest=data.get("digest"),
        )

    def __repr__(self) -> str:
        return f"Policy({self.digest[:19]}…, sources={list(self.sources)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and self.digest == other.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    # -- what the guard asks ---------------------------------------------------------------------

    def action_for(self, rule_id: str, default: str) -> tuple[str, str | None, int | None]:
        """The configured action of a rule (or its default), with the file and line that set it."""
        setting = self.rules.get(rule_id)
        if setting is None:
            return default, None, None
        return setting

    def compiled_rules(self) -> tuple[ExtraRule, ...]:
        """The extra rules, then the compatibility rules (when the file is read)."""
        if self._compiled is None:
            if not self.extra_rules and not (self.compat_enabled and self.compat_rules):
                self._compiled = ()  # the common case: no rule to compile, no loader import
                return self._compiled
            from sessionkit.policy.policyload import ExtraRule

            rules = [ExtraRule.from_dict(r) for r in self.extra_rules]
            if self.compat_enabled:
                rules.extend(
                    ExtraRule.from_dict({**r, "origin": "compat"}) for r in self.compat_rules
                )
            self._compiled = tuple(rules)
        return self._compiled

    def extra_findings(self, commands: Iterable[Command]) -> list[Finding]:
        """Findings of the extra and compatibility rules on every command (§12.4, §12.7)."""
        rules = self.compiled_rules()
        if not rules:
            return []
        findings: list[Finding] = []
        for command in commands:
            if command.dry or command.defined_only:
                continue
            for rule in rules:
                if rule.matches(command):
                    findings.append(
                        Finding(
                            rule.finding_id,
                            rule.group,
                            rule.action,
                            default_action=rule.action,
                            origin=rule.origin,
                            reason=rule.reason or f"The team policy blocks {command.text!r}.",
                            suggestion=rule.suggestion,
                            segment=command.text,
                            span=command.span,
                            span_exact=command.span_exact,
                            argv=command.rendered(),
                            via=command.via,
                            reading=command.reading,
                        )
                    )
        return findings

    def extra_rule(self, rule_id: str) -> ExtraRule | None:
        """An extra rule by id, or a compatibility rule by ``compat:<id>``."""
        for rule in self.compiled_rules():
            if rule.finding_id == rule_id:
                return rule
        return None


def _strip_location(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry without where it was written or what was derived from it."""
    return {k: v for k, v in entry.items() if k not in ("file", "line") and not k.startswith("_")}


# ---- the cache (§12.8) -------------------------------------------------------------------------


def _stat_key(path: str) -> list[Any]:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None, None]
    return [path, st.st_size, st.st_mtime_ns]


def _cache_key(root: str, git_dir: str | None, common_dir: str | None) -> dict[str, Any]:
    return {
        "format": CACHE_FORMAT,
        "version": __version__,
        "root": root,
        "files": [
            _stat_key(os.path.join(root, POLICY_REL)),
            _stat_key(os.path.join(root, COMPAT_REL)),
        ],
        "head": head_commit(git_dir, common_dir),
    }


def cache_path(git_dir: str | None) -> str | None:
    return None if git_dir is None else os.path.join(git_dir, "sessionkit", CACHE_NAME)


def read_cache(path: str | None, key: Mapping[str, Any]) -> Policy | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            data = _jsonfast.loads(handle.read())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    try:
        return Policy.from_json(data["policy"])
    except (KeyError, TypeError, ValueError):
        return None


def cached_policy(start: str) -> Policy | None:
    """The cached effective policy of the repository containing ``start``; None on a miss
    (then :func:`sessionkit.policy.policyfile.load_policy` builds and caches it)."""
    top, git_dir, common_dir = find_repository(start)
    path = cache_path(git_dir)
    if path is None:
        return None
    return read_cache(path, _cache_key(top, git_dir, common_dir))
