"""Protected paths: control, state and instruction files agents must not rewrite (§10).

agent-hooks.md §10. Patterns use the root-anchored gitwildmatch syntax of §9.4, matched
case-insensitively after NFC normalisation. The action depends on the entry's class, the
caller role (``coordinator`` | ``agent`` | ``unknown``) and whether a wave is active (§10.2);
Session Config ``protected-paths`` adds entries and relaxes classes (§10.3).

Hot path: standard library only at module level.
"""

from __future__ import annotations

import os

from sessionkit.policy.findings import ACTION_RANK, Finding, code
from sessionkit.policy.globs import PatternSet, literal_prefix, nfc, normalise_entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

__all__ = [
    "DEFAULT_ENTRIES",
    "MATRIX",
    "ProtectedConfigError",
    "ProtectedEntry",
    "action_for",
    "check",
    "check_sanctioned",
    "entries_for",
    "match",
    "match_candidates",
    "match_glob",
    "real_root",
]

# (entry id, patterns, class): §10.1. Environment-named files are added by entries_for().
DEFAULT_ENTRIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("git-dir", ("**/.git", "**/.git/**"), "git"),
    (
        "metrics-ledgers",
        (".orchestrator/metrics/*.jsonl", ".orchestrator/metrics/*.jsonl.*"),
        "runtime",
    ),
    (
        "runtime-state",
        (
            ".orchestrator/session.lock",
            ".orchestrator/state.lock",
            ".orchestrator/current-session.json",
            ".orchestrator/runtime/**",
            ".orchestrator/staging-fence/**",
        ),
        "runtime",
    ),
    (
        "wave-scope",
        (
            ".claude/wave-scope.json",
            ".codex/wave-scope.json",
            ".cursor/wave-scope.json",
            ".pi/wave-scope.json",
        ),
        "control",
    ),
    ("policy", (".orchestrator/policy/**",), "control"),
    (
        "hook-config",
        (
            ".claude/settings.json",
            ".claude/settings.local.json",
            ".codex/hooks.json",
            ".codex/config.toml",
            ".cursor/hooks.json",
            ".pre-commit-config.yaml",
            ".husky/**",
            ".githooks/**",
            "~/.claude/settings.json",
            "~/.codex/hooks.json",
            "~/.codex/config.toml",
            "~/.cursor/hooks.json",
        ),
        "control",
    ),
    (
        "state",
        (".claude/STATE.md", ".codex/STATE.md", ".cursor/STATE.md", ".orchestrator/STATE.md"),
        "state",
    ),
    (
        "instructions",
        (
            "**/CLAUDE.md",
            "**/CLAUDE.local.md",
            "**/AGENTS.md",
            ".claude/rules/**",
            ".claude/agents/**",
            ".claude/commands/**",
            ".cursor/rules/**",
            ".cursorrules",
            ".github/copilot-instructions.md",
        ),
        "instructions",
    ),
)

ROLES = ("coordinator", "unknown", "agent")

# class -> (coordinator, unknown without wave, unknown with wave, agent): §10.2
MATRIX: dict[str, tuple[str, str, str, str]] = {
    "git": ("block", "block", "block", "block"),
    "runtime": ("block", "block", "block", "block"),
    "control": ("warn", "warn", "block", "block"),
    "state": ("allow", "allow", "warn", "block"),
    "instructions": ("allow", "warn", "warn", "block"),
}
# The lowest action a `relax` entry may set per class; git and runtime cannot be relaxed.
RELAX_FLOOR = {"control": "warn", "state": "allow", "instructions": "allow"}

SUGGESTIONS = {
    "git": "use git commands instead of writing inside `.git`",
    "runtime": "use the `sessionkit` command that owns this file (for ledgers: `sessionkit "
    "metrics`)",
    "control": "change scope files with `sessionkit scope set|clear`, hook configuration with "
    "`sessionkit install|uninstall`, policy files by asking the user",
    "state": "update STATE.md with `sessionkit state`, or report the change to the coordinator",
    "instructions": "instruction files are the coordinator's to maintain; report the change "
    "you need instead",
    "custom": "this path is protected by the project's Session Config; ask the user",
}


class ProtectedConfigError(ValueError):
    """``protected-paths`` relaxes a class that is a floor (``git``, ``runtime``), or below
    the class's floor; the hook reports it as ``hook.config-invalid``."""


class ProtectedEntry:
    """One protected entry: id, class, patterns and per-role actions."""

    __slots__ = ("actions", "entry_id", "kind", "patterns", "prefixes")

    def __init__(
        self,
        entry_id: str,
        kind: str,
        patterns: Sequence[str],
        actions: tuple[str, str, str, str] | None = None,
    ) -> None:
        self.entry_id = entry_id
        self.kind = kind
        self.patterns = PatternSet(patterns, ignore_case=True)
        self.prefixes = tuple(
            literal_prefix(normalise_entry(p)[0]).casefold()
            for p in patterns
            if not p.startswith(("!", "~/", "/"))
        )
        self.actions = actions if actions is not None else MATRIX[kind]

    def action(self, role: str, wave_active: bool) -> str:
        """The matrix action for ``role`` (§10.2)."""
        if role == "coordinator":
            return self.actions[0]
        if role == "agent":
            return self.actions[3]
        return self.actions[2] if wave_active else self.actions[1]

    def hits_tree(self, directory: str) -> bool:
        """Whether deleting the tree ``directory`` touches this entry (§9.7.3)."""
        if self.patterns.matches(directory) or self.patterns.matches(directory + "/\0"):
            return True
        base = directory.rstrip("/").casefold()
        if base in ("", "."):
            return True  # the whole repository: every protected file lies below it
        below = base + "/"
        return any(prefix.startswith(below) for prefix in self.prefixes)


def _config_mapping(config: Any) -> Mapping[str, Any]:
    if config is None:
        return {}
    protected = getattr(config, "protected_paths", None)
    if protected is not None:
        config = protected
    if hasattr(config, "to_json"):
        config = config.to_json()
    if not isinstance(config, dict):
        return {}
    if isinstance(config.get("protected-paths"), dict):
        return dict(config["protected-paths"])  # the whole Session Config as JSON
    return config


def _relaxed(
    kind: str, base: tuple[str, str, str, str], relax: Iterable[Any]
) -> tuple[str, str, str, str]:
    actions = list(base)
    for item in relax:
        if not isinstance(item, dict) or item.get("class") != kind:
            continue
        floor = RELAX_FLOOR[kind]
        for role, slots in (("coordinator", (0,)), ("unknown", (1, 2)), ("agent", (3,))):
            wanted = item.get(role)
            if wanted is None:
                continue
            if ACTION_RANK[str(wanted)] < ACTION_RANK[floor]:
                raise ProtectedConfigError(
                    f"protected-paths.relax cannot lower class `{kind}` below `{floor}`"
                )
            for slot in slots:
                # relax only lowers; it never tightens the default
                if ACTION_RANK[str(wanted)] < ACTION_RANK[actions[slot]]:
                    actions[slot] = str(wanted)
    return (actions[0], actions[1], actions[2], actions[3])


_default_cache: dict[tuple[str, str], tuple[ProtectedEntry, ...]] = {}


def entries_for(
    config: Any = None,
    *,
    environ: Mapping[str, str] | None = None,
    extra_control: Sequence[str] = (),
) -> tuple[ProtectedEntry, ...]:
    """The effective entries: defaults (§10.1) plus environment-named files, ``extra_control``
    (e.g. ``Policy.compat_protected_paths``) and the Session Config ``protected-paths``.

    Raises :class:`ProtectedConfigError` for a relax entry naming ``git``/``runtime`` or going
    below a class's floor.
    """
    env = os.environ if environ is None else environ
    mapping = _config_mapping(config)
    relax = mapping.get("relax") or ()
    for item in relax:
        if isinstance(item, dict) and item.get("class") in ("git", "runtime"):
            raise ProtectedConfigError(
                f"protected-paths.relax cannot relax class `{item.get('class')}`; "
                "git and runtime files are always protected"
            )
    scope_file = env.get("SESSIONKIT_WAVE_SCOPE", "")
    config_file = env.get("SESSIONKIT_CONFIG_FILE", "")
    key = (scope_file, config_file)
    if not relax and not extra_control and not mapping.get("add"):
        cached = _default_cache.get(key)
        if cached is not None:
            return cached
    out: list[ProtectedEntry] = []
    for entry_id, patterns, kind in DEFAULT_ENTRIES:
        extra: list[str] = []
        if entry_id == "wave-scope" and scope_file:
            extra.append(scope_file)
        if entry_id == "policy":
            extra.extend(extra_control)
        if entry_id == "instructions" and config_file:
            extra.append(config_file)
        out.append(
            ProtectedEntry(
                entry_id,
                kind,
                patterns + tuple(extra),
                _relaxed(kind, MATRIX[kind], relax) if kind in RELAX_FLOOR else None,
            )
        )
    for item in mapping.get("add") or ():
        if not isinstance(item, dict):
            continue
        every = str(item.get("action") or "block")
        actions = (
            str(item.get("coordinator") or every),
            str(item.get("unknown") or every),
            str(item.get("unknown") or every),
            str(item.get("agent") or every),
        )
        patterns = tuple(str(p) for p in item.get("patterns") or ())
        out.append(ProtectedEntry(str(item.get("id") or "custom"), "custom", patterns, actions))
    result = tuple(out)
    if not relax and not extra_control and not mapping.get("add"):
        _default_cache[key] = result
    return result


_REAL_ROOTS: dict[str, str] = {}


def real_root(root: str) -> str:
    """``realpath(root)``, memoised per process (called once per checked path otherwise)."""
    found = _REAL_ROOTS.get(root)
    if found is None:
        found = _REAL_ROOTS[root] = os.path.realpath(root)
    return found


def _resolved(path: str, dirs: dict[str, str] | None) -> str:
    """``realpath(path)`` with the parent directory's resolution memoised in ``dirs``."""
    head, leaf = os.path.split(path)
    if not leaf:
        return os.path.realpath(path)
    real_head = dirs.get(head) if dirs is not None else None
    if real_head is None:
        real_head = os.path.realpath(head)
        if dirs is not None:
            dirs[head] = real_head
    joined = os.path.join(real_head, leaf)
    return os.path.realpath(joined) if os.path.islink(joined) else joined


def _candidates(path: str, root: str, dirs: dict[str, str] | None = None) -> list[str]:
    """Repository-relative forms of ``path`` (lexical and resolved, §9.5 step 3), or the
    absolute path itself when it lies outside the repository (home patterns match those)."""
    absolute = path if os.path.isabs(path) else os.path.join(root, path)
    lexical = os.path.normpath(absolute)
    resolved = _resolved(lexical, dirs)
    out: list[str] = []
    for base in (os.path.normpath(root), real_root(root)):
        prefix = base.rstrip(os.sep) + os.sep
        for candidate in (lexical, resolved):
            if candidate == base:
                rel = "."
            elif candidate.startswith(prefix):
                rel = candidate[len(prefix) :].replace(os.sep, "/")
            else:
                continue
            if rel not in out:
                out.append(rel)
    if not out:
        out.append(lexical.replace(os.sep, "/"))
        if resolved.replace(os.sep, "/") not in out:
            out.append(resolved.replace(os.sep, "/"))
    return [nfc(c) for c in out]


def match(
    path: str,
    entries: Sequence[ProtectedEntry],
    *,
    root: str,
    tree: bool = False,
) -> ProtectedEntry | None:
    """The first protected entry ``path`` falls under (``tree``: a directory being deleted or
    synced, §9.7.3), or None."""
    return match_candidates(_candidates(path, root), entries, tree=tree)


def match_candidates(
    candidates: Sequence[str], entries: Sequence[ProtectedEntry], *, tree: bool = False
) -> ProtectedEntry | None:
    """:func:`match` for precomputed candidates (repository-relative, or absolute outside
    the repository), NFC-normalised."""
    for entry in entries:
        for candidate in candidates:
            if entry.patterns.matches(candidate) or (tree and entry.hits_tree(candidate)):
                return entry
    return None


def match_glob(
    pattern: str, entries: Sequence[ProtectedEntry], *, root: str
) -> ProtectedEntry | None:
    """The first entry a shell glob could touch (§9.7.4): the glob's literal directory prefix
    (non-empty) starts a protected pattern's literal prefix, so ``rm .orchestrator/metrics/*``
    hits the ledgers even while the directory is empty."""
    rel = _candidates(pattern, root)[0]
    wildcard = min((rel.find(ch) for ch in "*?[" if ch in rel), default=-1)
    head = rel if wildcard < 0 else rel[:wildcard]
    directory = head[: head.rfind("/") + 1].casefold()
    if not directory or directory.startswith(".."):
        return None
    for entry in entries:
        if any(prefix.startswith(directory) for prefix in entry.prefixes):
            return entry
    return None


def action_for(entry: ProtectedEntry, role: str, wave_active: bool) -> str:
    """The action the matrix (with configuration) gives ``entry`` for ``role``."""
    return entry.action(role if role in ROLES else "unknown", wave_active)


def finding_for(entry: ProtectedEntry, target: str, action: str, op: str = "write") -> Finding:
    """The ``protected.<class>`` finding for ``target``."""
    label = entry.kind
    what = "delete" if op == "delete" else "write"
    summary = (
        f"{code(target)} is a protected {label} file ({entry.entry_id}); agents may not {what} it."
    )
    return Finding(
        check="protected",
        rule_id=f"protected.{entry.kind}",
        action=action,
        summary=summary,
        suggestion=SUGGESTIONS.get(entry.kind, SUGGESTIONS["custom"]),
        target=target,
        details={"entry": entry.entry_id, "class": entry.kind, "op": op},
    )


def check(
    paths: Iterable[str],
    *,
    root: str | os.PathLike[str],
    role: str = "unknown",
    wave_active: bool = False,
    config: Any = None,
    environ: Mapping[str, str] | None = None,
    extra_control: Sequence[str] = (),
    tree_paths: Iterable[str] = (),
) -> list[Finding]:
    """Protected-path findings for the files a tool call would write or delete (§10).

    ``paths`` are absolute or relative to ``root``; ``tree_paths`` are directories deleted or
    synced as a whole (§9.7.3). ``config`` is the Session Config (or its ``protected-paths``
    value, or that value's JSON shape). Only non-allow findings are returned. Raises
    :class:`ProtectedConfigError` for an invalid ``relax``.
    """
    root_text = os.fspath(root)
    entries = entries_for(config, environ=environ, extra_control=extra_control)
    out: list[Finding] = []
    dirs: dict[str, str] = {}
    for tree, group in ((False, paths), (True, tree_paths)):
        for path in group:
            candidates = _candidates(path, root_text, dirs)
            entry = match_candidates(candidates, entries, tree=tree)
            if entry is None:
                continue
            action = action_for(entry, role, wave_active)
            if action != "allow":
                rel = candidates[0]
                out.append(finding_for(entry, rel, action, "delete" if tree else "write"))
    return out


# §10.4: one step softer than direct writes (coordinator, unknown no wave, unknown wave, agent)
SANCTIONED_ROW = ("allow", "allow", "warn", "block")


def _sanctioned_target(words: list[str | None]) -> tuple[str, str] | None:
    """``(what, label)`` when a simple command is a sanctioned writer of control files."""
    if not words or words[0] is None:
        return None
    program = os.path.basename(words[0])
    rest = [w for w in words[1:] if w is not None]
    if program == "sessionkit":
        operands = [w for w in rest if not w.startswith("-")]
        if operands[:2] in (["scope", "set"], ["scope", "clear"]):
            return "the wave scope file", f"sessionkit scope {operands[1]}"
        if operands[:1] in (["install"], ["uninstall"]):
            return "hook configuration", f"sessionkit {operands[0]}"
        return None
    if program == "git" and any(w.lower() == "core.hookspath" for w in rest):
        from sessionkit.policy.commands import git_view  # only for a candidate

        view = [w for w in git_view(words)[1:] if w is not None]
        if view[:1] == ["config"] and any(w.lower() == "core.hookspath" for w in view):
            return "hook configuration", "git config core.hooksPath"
    return None


def check_sanctioned(
    parsed: Any, *, role: str = "unknown", wave_active: bool = False
) -> list[Finding]:
    """``protected.control`` findings for sanctioned writers run through a shell tool (§10.4):
    ``sessionkit scope set|clear``, ``sessionkit install|uninstall`` and
    ``git config … core.hooksPath``. ``parsed`` is an ``Analysis`` or its command records."""
    entry = ProtectedEntry("sanctioned-writer", "control", (), SANCTIONED_ROW)
    out: list[Finding] = []
    for command in getattr(parsed, "commands", parsed):
        if getattr(command, "dry", False):
            continue
        words = [getattr(v, "text", v) for v in getattr(command, "argv", ())]
        hit = _sanctioned_target(words)
        if hit is None:
            continue
        action = action_for(entry, role, wave_active)
        if action == "allow":
            continue
        what, label = hit
        out.append(
            Finding(
                check="protected",
                rule_id="protected.control",
                action=action,
                summary=f"{code(label)} rewrites {what}; agents may not change the guards.",
                suggestion="ask the coordinator or the user to run it",
                target=label,
                details={"entry": "sanctioned-writer", "class": "control"},
            )
        )
    return out
