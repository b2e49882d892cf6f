"""Wave scope: which files the agents of the current wave may change (agent-hooks.md §9).

Public API (§16):

- :func:`load_active` finds the active scope (§9.1 lookup, §9.10 seal handling);
- :func:`validate` is the hand-written validator for ``schemas/wave-scope.schema.json`` plus
  the checks the schema cannot express (§9.3); it agrees with ``jsonschema`` on the schema's
  part (tested);
- :func:`classify` judges write targets (§9.5): protected path → role matrix, always allowed,
  ``allowedPaths`` (root-anchored gitwildmatch, last match wins, ``[]`` = nothing writable),
  absolute/home grants outside the repository;
- :func:`shell_targets` turns the guard's ``Effect`` records (``Analysis.effects``) into
  :class:`Target` values for :func:`classify` (§9.7).

Hot path: standard library only at module level (pathspec is imported lazily by
``globs.compile_patterns``, and its output can be cached as JSON). ``protected``, ``globs``
and ``findings`` are imported where a target is judged or a finding is made: a hook call
that only needs the active scope (the answer's wave context, the event's wave) loads none
of them.
"""

from __future__ import annotations

import os

from sessionkit import _jsonfast

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from sessionkit.policy import protected as _protected
    from sessionkit.policy.findings import Finding
    from sessionkit.policy.globs import PatternSet

__all__ = [
    "GATE_DEFAULTS",
    "LOCATIONS",
    "ActiveScope",
    "Problem",
    "ScopeUnreadable",
    "Target",
    "check_file",
    "classify",
    "classify_target",
    "load_active",
    "seal_path",
    "shell_targets",
    "validate",
]

LOCATIONS: dict[str, str] = {
    "claude": ".claude/wave-scope.json",
    "codex": ".codex/wave-scope.json",
    "cursor": ".cursor/wave-scope.json",
}
GATE_DEFAULTS: dict[str, bool] = {
    "path-guard": True,
    "bash-write-guard": True,
    "command-guard": True,
    "bash-write-verify": True,
}
MAX_BYTES = 1024 * 1024
ENFORCEMENTS = ("strict", "warn", "off")
_TOP_KEYS = {
    "$schema",
    "version",
    "wave",
    "role",
    "enforcement",
    "allowedPaths",
    "blockedCommands",
    "allowedCommands",
    "gates",
    "session",
    "coordinatorSessionId",
    "createdAt",
    "createdBy",
}
_SYSTEM_DIRS = (
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/boot",
    "/dev",
    "/proc",
    "/sys",
    "/var",
    "/root",
    "/System",
    "/Library",
    "/Applications",
    "c:/windows",
    "c:/program files",
)
_ALWAYS_DEVICES = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty")
_GLOB_CHARS = frozenset("*?[")
_MAX_GLOB_MATCHES = 1000


class ScopeUnreadable(ValueError):
    """The active scope file cannot be used (``scope.unreadable``, §9.3); ``path`` names it
    and ``problems`` lists the validation errors."""

    def __init__(self, path: str, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.problems = tuple(problems)


class Problem:
    """One validation result: ``level`` (error | warning), JSON ``pointer``, ``message``."""

    __slots__ = ("level", "message", "pointer")

    def __init__(self, level: str, pointer: str, message: str) -> None:
        self.level = level
        self.pointer = pointer
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "pointer": self.pointer, "message": self.message}

    def __repr__(self) -> str:
        return f"Problem({self.level} {self.pointer} {self.message!r})"


# ---- validation (§9.3) ---------------------------------------------------------------------


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def parse(data: bytes) -> dict[str, Any]:
    """Decode a scope file strictly (size limit, UTF-8, duplicate keys); raises ValueError."""
    if len(data) > MAX_BYTES:
        raise ValueError("file larger than 1 MiB")
    # same as decoding "utf-8-sig", without loading that codec on the hook path
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    doc = _jsonfast.loads(text, object_pairs_hook=_reject_duplicates)
    if not isinstance(doc, dict):
        raise ValueError("top level must be a JSON object")
    return doc


def _is_pattern(value: object) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 1024
        and "\0" not in value
        and "\r" not in value
        and "\n" not in value
    )


def _check_timestamp(value: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return "T" in value.upper()


def _path_problems(pointer: str, entry: str, root: str | None) -> list[Problem]:
    out: list[Problem] = []
    body = entry[1:] if entry.startswith("!") else entry
    segments = body.replace("\\", "/").split("/")
    if ".." in segments:
        out.append(Problem("error", pointer, "a path pattern may not contain a `..` segment"))
        return out
    if body.rstrip(" ") != body and not body.rstrip(" ").endswith("\\"):
        out.append(Problem("warning", pointer, "trailing spaces are stripped, as in .gitignore"))
    low = body.replace("\\", "/").lower()
    if body in ("/", "\\") or (len(low) in (2, 3) and low[1:2] == ":" and low[2:] in ("", "/")):
        out.append(Problem("error", pointer, "a filesystem root is not a valid grant"))
        return out
    if low.startswith("/") or (len(low) > 2 and low[1] == ":"):
        if any(low == d.lower() or low.startswith(d.lower() + "/") for d in _SYSTEM_DIRS):
            out.append(Problem("error", pointer, "grants under system directories are refused"))
            return out
        literal = []
        for segment in low.strip("/").split("/"):
            if any(ch in segment for ch in "*?["):
                break
            literal.append(segment)
        if len([s for s in literal if s]) < 3 and any(ch in low for ch in "*?["):
            out.append(Problem("error", pointer, "an absolute grant needs three literal segments"))
            return out
        if root is not None:
            top = low.strip("/").split("/")[0]
            real_root = os.path.realpath(root).replace(os.sep, "/").lower()
            if low.startswith(real_root + "/") or low == real_root:
                out.append(
                    Problem(
                        "warning",
                        pointer,
                        "absolute pattern inside the repository: write it relative",
                    )
                )
            elif top and os.path.lexists(os.path.join(root, body.strip("/").split("/")[0])):
                out.append(
                    Problem(
                        "warning",
                        pointer,
                        "patterns are already anchored at the repository root; "
                        "drop the leading slash",
                    )
                )
    elif low.startswith("~/"):
        rest = [s for s in low[2:].split("/") if s]
        if not rest or any(ch in rest[0] for ch in "*?["):
            out.append(Problem("error", pointer, "a home grant needs a literal segment after ~/"))
            return out
    if body.strip() in ("**", "**/*", "*", "/**"):
        out.append(Problem("warning", pointer, "this pattern matches everything"))
    return out


def _command_problem(pointer: str, entry: str) -> Problem | None:
    import shlex

    try:
        words = shlex.split(entry)
    except ValueError:
        return Problem("warning", pointer, "not a shell command (unbalanced quotes); ignored")
    if not words or not words[0] or words[0][0] in "<>|&;()" or "=" in words[0]:
        return Problem("warning", pointer, "the first word is not a program name; ignored")
    return None


def validate(data: bytes | Mapping[str, Any], *, root: str | None = None) -> list[Problem]:
    """Schema and §9.3 checks for a scope document (bytes of the file, or a parsed mapping).

    Returns errors and warnings, each with a JSON pointer; an empty list means valid. A
    missing ``enforcement`` is an error here (``scope validate``); the hook tolerates it.
    """
    if isinstance(data, (bytes, bytearray)):
        try:
            doc: Any = parse(bytes(data))
        except (ValueError, UnicodeDecodeError) as exc:
            return [Problem("error", "", f"not a valid scope file: {exc}")]
    else:
        doc = data
    if not isinstance(doc, dict):
        return [Problem("error", "", "top level must be a JSON object")]
    out: list[Problem] = []
    for key in ("wave", "role", "enforcement", "allowedPaths"):
        if key not in doc:
            out.append(Problem("error", "", f"missing required key `{key}`"))
    for key in doc:
        if key not in _TOP_KEYS and not str(key).startswith("x-"):
            out.append(Problem("error", f"/{key}", f"unknown key `{key}`"))
    if "$schema" in doc and not isinstance(doc["$schema"], str):
        out.append(Problem("error", "/$schema", "must be a string"))
    if "version" in doc and (doc["version"] != 1 or isinstance(doc["version"], bool)):
        out.append(Problem("error", "/version", "must be 1"))
    wave = doc.get("wave")
    if "wave" in doc and (not isinstance(wave, int) or isinstance(wave, bool) or wave < 1):
        out.append(Problem("error", "/wave", "must be an integer ≥ 1"))
    role = doc.get("role")
    if "role" in doc and (
        not isinstance(role, str) or not 1 <= len(role) <= 64 or any(ord(ch) < 0x20 for ch in role)
    ):
        out.append(Problem("error", "/role", "must be 1-64 characters without control characters"))
    if "enforcement" in doc and doc["enforcement"] not in ENFORCEMENTS:
        out.append(Problem("error", "/enforcement", "must be strict, warn or off"))
    for key, limit in (
        ("allowedPaths", 10000),
        ("blockedCommands", 1000),
        ("allowedCommands", 1000),
    ):
        if key not in doc:
            continue
        value = doc[key]
        if not isinstance(value, list):
            out.append(Problem("error", f"/{key}", "must be an array of patterns"))
            continue
        if len(value) > limit:
            out.append(Problem("error", f"/{key}", f"at most {limit} entries"))
        for index, entry in enumerate(value):
            pointer = f"/{key}/{index}"
            if not _is_pattern(entry):
                out.append(Problem("error", pointer, "must be a non-empty single-line string"))
            elif key == "allowedPaths":
                out.extend(_path_problems(pointer, entry, root))
            else:
                problem = _command_problem(pointer, entry)
                if problem is not None:
                    out.append(problem)
    gates = doc.get("gates")
    if "gates" in doc:
        if not isinstance(gates, dict):
            out.append(Problem("error", "/gates", "must be an object of booleans"))
        else:
            for key, value in gates.items():
                if not isinstance(value, bool):
                    out.append(Problem("error", f"/gates/{key}", "must be a boolean"))
                elif key not in GATE_DEFAULTS and key != "post-edit-validate":
                    out.append(Problem("warning", f"/gates/{key}", "unknown gate; ignored"))
    for key in ("session", "coordinatorSessionId"):
        if key in doc:
            value = doc[key]
            if not isinstance(value, str) or not 1 <= len(value) <= 200:
                out.append(Problem("error", f"/{key}", "must be a string of 1-200 characters"))
    if "createdBy" in doc and (
        not isinstance(doc["createdBy"], str) or len(doc["createdBy"]) > 200
    ):
        out.append(Problem("error", "/createdBy", "must be a string of at most 200 characters"))
    if "createdAt" in doc and (
        not isinstance(doc["createdAt"], str) or not _check_timestamp(doc["createdAt"])
    ):
        out.append(Problem("error", "/createdAt", "must be an RFC 3339 timestamp"))
    allowed = doc.get("allowedPaths")
    if (
        isinstance(allowed, list)
        and not allowed
        and isinstance(role, str)
        and role.casefold() != "discovery"
    ):
        out.append(
            Problem("warning", "/allowedPaths", "empty: nothing may be changed in this wave")
        )
    return out


# ---- the active scope ----------------------------------------------------------------------


class ActiveScope:
    """The scope in force: ``doc`` (validated content), ``path`` (the file), ``source``
    (``env`` | ``seal`` | ``file``), ``sealed``, ``tampered`` and ``diagnostics`` (warning
    findings: ``scope.ambiguous``, ``scope.tampered``, ``scope.enforcement-defaulted``)."""

    __slots__ = (
        "_allowed",
        "_grants",
        "diagnostics",
        "doc",
        "path",
        "sealed",
        "source",
        "tampered",
    )

    def __init__(
        self,
        doc: Mapping[str, Any],
        path: str,
        source: str,
        *,
        sealed: bool = False,
        tampered: bool = False,
        diagnostics: Sequence[Finding] = (),
    ) -> None:
        self.doc = dict(doc)
        self.path = path
        self.source = source
        self.sealed = sealed
        self.tampered = tampered
        self.diagnostics = list(diagnostics)
        self._allowed: PatternSet | None = None
        self._grants: PatternSet | None = None

    @property
    def wave(self) -> int:
        return int(self.doc.get("wave", 0))

    @property
    def role(self) -> str:
        return str(self.doc.get("role", ""))

    @property
    def enforcement(self) -> str:
        """``strict`` | ``warn`` | ``off``; a missing value means strict (§9.2)."""
        value = self.doc.get("enforcement")
        return value if value in ENFORCEMENTS else "strict"

    @property
    def allowed_paths(self) -> list[str]:
        return [str(p) for p in self.doc.get("allowedPaths") or ()]

    @property
    def action(self) -> str | None:
        """The action of scope and command-list findings: block, warn or None (off)."""
        return {"strict": "block", "warn": "warn"}.get(self.enforcement)

    def gate(self, name: str, config_gates: Mapping[str, Any] | None = None) -> bool:
        """A gate's value: scope-file ``gates`` > Session Config ``enforcement-gates`` >
        the defaults (§9.2)."""
        gates = self.doc.get("gates")
        if isinstance(gates, dict) and isinstance(gates.get(name), bool):
            return bool(gates[name])
        if config_gates is not None and isinstance(config_gates.get(name), bool):
            return bool(config_gates[name])
        return GATE_DEFAULTS.get(name, True)

    def _split(self) -> tuple[PatternSet, PatternSet]:
        if self._allowed is None or self._grants is None:
            from sessionkit.policy.globs import PatternSet

            inside: list[str] = []
            outside: list[str] = []
            for entry in self.allowed_paths:
                body = entry[1:] if entry.startswith("!") else entry
                (outside if body.startswith(("/", "~/")) else inside).append(entry)
            self._allowed = PatternSet(inside)
            self._grants = PatternSet(outside)
        return self._allowed, self._grants

    @property
    def allowed(self) -> PatternSet:
        """Repository-relative ``allowedPaths`` entries, compiled."""
        return self._split()[0]

    @property
    def grants(self) -> PatternSet:
        """Absolute and home grants for paths outside the repository (§9.5)."""
        return self._split()[1]


def _git_dir(root: str) -> str | None:
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            line = handle.readline().strip()
    except OSError:
        return None
    if line.startswith("gitdir:"):
        target = line[len("gitdir:") :].strip()
        return target if os.path.isabs(target) else os.path.normpath(os.path.join(root, target))
    return None


def seal_path(git_dir: str, env_file: str | None = None) -> str:
    """Where the seal for the standard scope (or for ``SESSIONKIT_WAVE_SCOPE``) lives."""
    if env_file:
        import hashlib

        digest = hashlib.sha256(os.path.abspath(env_file).encode("utf-8")).hexdigest()[:16]
        return os.path.join(git_dir, "sessionkit", "scope-seals", f"env-{digest}.json")
    return os.path.join(git_dir, "sessionkit", "scope-seal.json")


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        # absent, or a parent is a file (``<git_dir>/sessionkit`` as a file: no seal)
        return None
    except OSError as exc:
        raise ScopeUnreadable(path, f"cannot be read ({exc.strerror})") from None


def _usable(data: bytes, path: str, root: str) -> tuple[dict[str, Any], list[Finding]]:
    try:
        doc = parse(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScopeUnreadable(path, f"is not valid JSON ({exc})") from None
    errors = [
        p
        for p in validate(doc, root=None)
        if p.level == "error" and p.message != "missing required key `enforcement`"
    ]
    if errors:
        first = errors[0]
        raise ScopeUnreadable(path, f"{first.pointer or '/'}: {first.message}", errors)
    notes: list[Finding] = []
    if "enforcement" not in doc:
        from sessionkit.policy.findings import Finding

        notes.append(
            Finding(
                "scope",
                "scope.enforcement-defaulted",
                "warn",
                f"`{path}` has no `enforcement`; strict is applied.",
                'add `"enforcement": "strict"` (or warn/off) with `sessionkit scope set`',
                path,
            )
        )
    return doc, notes


def check_file(data: bytes, path: str, root: str) -> tuple[dict[str, Any], list[Finding]]:
    """``(doc, notes)`` of a scope file's bytes as :func:`load_active` judges them (notes:
    ``scope.enforcement-defaulted``); raises :class:`ScopeUnreadable` when unusable."""
    return _usable(data, path, root)


def _rel(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def load_active(
    root: str | os.PathLike[str],
    *,
    harness: str | None = None,
    environ: Mapping[str, str] | None = None,
    git_dir: str | os.PathLike[str] | None = None,
) -> ActiveScope | None:
    """The active wave scope of the worktree ``root``, or None (§9.1, §9.10).

    Lookup: ``SESSIONKIT_WAVE_SCOPE`` (with its own seal) > the seal at
    ``<git_dir>/sessionkit/scope-seal.json`` > the harness's own directory, then
    ``.claude/``, ``.codex/``, ``.cursor/``. Raises :class:`ScopeUnreadable` when the scope
    in force cannot be used (the hook reports ``scope.unreadable`` per its fail mode).
    """
    env = os.environ if environ is None else environ
    root_text = os.fspath(root)
    gdir = os.fspath(git_dir) if git_dir is not None else _git_dir(root_text)
    env_file = env.get("SESSIONKIT_WAVE_SCOPE") or None
    if env_file and not os.path.isabs(env_file):
        env_file = os.path.join(root_text, env_file)
    seal_file = seal_path(gdir, env_file) if gdir else None
    seal_bytes = _read(seal_file) if seal_file else None
    if seal_bytes is not None and seal_file is not None:
        return _from_seal(seal_bytes, seal_file, root_text, env_file)
    if env_file:
        data = _read(env_file)
        if data is None:
            raise ScopeUnreadable(env_file, "named by SESSIONKIT_WAVE_SCOPE does not exist")
        doc, notes = _usable(data, _rel(env_file, root_text), root_text)
        return ActiveScope(doc, _rel(env_file, root_text), "env", diagnostics=notes)
    order = list(LOCATIONS.values())
    if harness in LOCATIONS:
        order.remove(LOCATIONS[harness])
        order.insert(0, LOCATIONS[harness])
    found: list[tuple[str, bytes]] = []
    for rel in order:
        data = _read(os.path.join(root_text, rel))
        if data is not None:
            found.append((rel, data))
    if not found:
        return None
    rel, data = found[0]
    doc, notes = _usable(data, rel, root_text)
    for other, other_data in found[1:]:
        if other_data != data:
            from sessionkit.policy.findings import Finding

            notes.append(
                Finding(
                    "scope",
                    "scope.ambiguous",
                    "warn",
                    f"both `{rel}` and `{other}` exist with different content; `{rel}` is used.",
                    "remove the stale file, or set the scope with `sessionkit scope set`",
                    rel,
                )
            )
    return ActiveScope(doc, rel, "file", diagnostics=notes)


def _from_seal(data: bytes, seal_file: str, root: str, env_file: str | None) -> ActiveScope:
    try:
        seal = parse(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScopeUnreadable(seal_file, f"seal is not valid JSON ({exc})") from None
    content = seal.get("content")
    scope_rel = seal.get("scopePath")
    if not isinstance(content, dict) or not isinstance(scope_rel, str):
        raise ScopeUnreadable(seal_file, "seal lacks `content` or `scopePath`")
    import hashlib

    doc, notes = _usable(_jsonfast.dumps(content).encode("utf-8"), scope_rel, root)
    scope_abs = scope_rel if os.path.isabs(scope_rel) else os.path.join(root, scope_rel)
    current = _read(scope_abs)
    tampered = current is None or hashlib.sha256(current).hexdigest() != seal.get("sha256")
    if env_file is None:
        for rel in LOCATIONS.values():
            other = os.path.join(root, rel)
            if os.path.normpath(other) != os.path.normpath(scope_abs) and os.path.lexists(other):
                tampered = True
    if tampered:
        from sessionkit.policy.findings import Finding

        notes.append(
            Finding(
                "scope",
                "scope.tampered",
                "warn",
                f"`{scope_rel}` was changed or removed outside `sessionkit scope set`; the "
                f"sealed scope of wave {doc.get('wave')} is enforced.",
                "to change it use `sessionkit scope set`, to end the wave `sessionkit scope clear`",
                scope_rel,
            )
        )
    return ActiveScope(
        doc,
        scope_rel,
        "env" if env_file else "seal",
        sealed=True,
        tampered=tampered,
        diagnostics=notes,
    )


# ---- targets and classification (§9.5-§9.7) ------------------------------------------------


class Target:
    """One file a tool call would write or delete.

    ``path`` is absolute or relative to ``cwd`` (None: the target could not be resolved);
    ``op`` is ``write`` or ``delete``; ``tree`` marks a directory deleted or synced as a
    whole (§9.7.3); ``text`` is how the command spelled it (messages); ``pattern`` is a glob
    pattern the target came from, also matched against protected patterns (§9.7.4).
    """

    __slots__ = ("op", "path", "pattern", "text", "tree")

    def __init__(
        self,
        path: str | None,
        op: str = "write",
        *,
        tree: bool = False,
        text: str | None = None,
        pattern: str | None = None,
    ) -> None:
        self.path = path
        self.op = op
        self.tree = tree
        self.text = text if text is not None else (path or "")
        self.pattern = pattern

    def __repr__(self) -> str:
        return f"Target({self.op} {self.path!r} tree={self.tree})"


def shell_targets(effects: Iterable[Any], *, cwd: str | None = None) -> list[Target]:
    """:class:`Target` values for the guard's ``Effect`` records (§9.7).

    Glob targets are expanded against the file system (no ``**`` recursion, at most 1,000
    matches, hidden files only when the segment starts with ``.``; no match → the literal
    text); unresolved effects become targets with ``path=None``.
    """
    out: list[Target] = []
    for effect in effects:
        op = "delete" if effect.kind == "delete" else "write"
        tree = effect.mode == "recursive"
        resolved = effect.resolved
        if resolved is None:
            out.append(Target(None, op, tree=tree, text=str(effect.path)))
            continue
        if _GLOB_CHARS.intersection(resolved):
            import glob

            matches = glob.glob(resolved)
            if len(matches) > _MAX_GLOB_MATCHES:
                out.append(Target(None, op, tree=tree, text=str(effect.path)))
                continue
            for match in sorted(matches) or [resolved]:
                out.append(Target(match, op, tree=tree, text=str(effect.path), pattern=resolved))
            continue
        if op == "write" and (str(effect.path).endswith("/") or os.path.isdir(resolved)):
            tree = True  # copy into a directory: its new children are not known here
        out.append(Target(resolved, op, tree=tree, text=str(effect.path)))
    return out


def _resolve(path: str, base: str, op: str, dirs: dict[str, str] | None = None) -> str:
    """Absolute path with symlinks resolved on the deepest existing ancestor (§9.5 step 2);
    the leaf is resolved for writes, not for deletions. ``dirs`` memoises resolved parent
    directories across the targets of one call (commit-time checks pass thousands)."""
    expanded = os.path.expanduser(path)
    absolute = os.path.normpath(os.path.join(base, expanded))
    head, leaf = os.path.split(absolute)
    if not leaf:
        return os.path.realpath(head)
    real_head = dirs.get(head) if dirs is not None else None
    if real_head is None:
        real_head = os.path.realpath(head)
        if dirs is not None:
            dirs[head] = real_head
    joined = os.path.join(real_head, leaf)
    if op == "delete" or not os.path.islink(joined):
        return joined
    return os.path.realpath(joined)


def _temp_roots() -> list[str]:
    import tempfile

    roots = {tempfile.gettempdir(), "/tmp", "/var/tmp", "/private/tmp", "/private/var/folders"}
    tmpdir = os.environ.get("TMPDIR")
    if tmpdir and os.path.isabs(tmpdir):
        roots.add(tmpdir)
    return sorted({os.path.realpath(r) for r in roots})


def _always_allowed(absolute: str, rel: str | None) -> bool:
    if absolute in _ALWAYS_DEVICES or absolute.startswith("/dev/fd/") or absolute == "NUL":
        return True
    if rel is not None:
        return rel == ".orchestrator/tmp" or rel.startswith(".orchestrator/tmp/")
    return any(
        absolute == t or absolute.startswith(t.rstrip(os.sep) + os.sep) for t in _temp_roots()
    )


def _suggestion(active: ActiveScope, rel: str) -> str:
    if active.role.casefold() == "discovery":
        return "Discovery waves are read-only; report the change you need instead of making it"
    entries = active.allowed_paths
    if not entries:
        return (
            "no paths are allowed in this wave; the scope is empty — ask the coordinator to "
            "set it with `sessionkit scope set`"
        )
    shown = ", ".join(entries[:10]) + (", …" if len(entries) > 10 else "")
    return (
        f"allowed paths: {shown}; if {_code(rel)} belongs to this wave, ask the coordinator to "
        "widen the scope"
    )


def classify_target(
    target: Target,
    active: ActiveScope | None,
    *,
    root: str,
    role: str = "unknown",
    cwd: str | None = None,
    protected_entries: Sequence[_protected.ProtectedEntry] | None = None,
    dirs: dict[str, str] | None = None,
) -> tuple[str, Finding | None]:
    """``(status, finding)`` for one target: status is ``protected``, ``always-allowed``,
    ``allowed``, ``outside-allowed-paths``, ``outside-repository`` or ``unresolved``; the
    finding is None when the action is allow (or enforcement is off)."""
    from sessionkit.policy import protected as _protected
    from sessionkit.policy.findings import Finding

    entries = protected_entries if protected_entries is not None else _protected.entries_for()
    wave_active = active is not None
    if target.path is None:
        return "unresolved", _unresolved(target, active)
    base = cwd or root
    if not os.path.isabs(os.path.expanduser(target.path)) and cwd is None and target.path != "":
        base = root
    absolute = _resolve(target.path, base, target.op, dirs)
    lexical = os.path.normpath(os.path.join(base, os.path.expanduser(target.path)))
    real_root = _protected.real_root(root)
    rel = _inside(absolute, real_root)
    # 1. protected: judged only by the role matrix, on the lexical and the resolved path
    candidates: list[str] = []
    for candidate in (_inside(lexical, os.path.normpath(root)), _inside(lexical, real_root), rel):
        if candidate is not None and candidate not in candidates:
            candidates.append(candidate)
    if rel is None:
        candidates.extend(p.replace(os.sep, "/") for p in {lexical, absolute})
    hit = _protected.match_candidates(candidates, entries, tree=target.tree)
    if hit is None and target.pattern:
        hit = _protected.match_glob(target.pattern, entries, root=root)
    if hit is not None:
        action = _protected.action_for(hit, role, wave_active)
        shown = rel if rel is not None else absolute
        finding = (
            None if action == "allow" else _protected.finding_for(hit, shown, action, target.op)
        )
        return "protected", finding
    # 2. always allowed
    if _always_allowed(absolute, rel):
        return "always-allowed", None
    if active is None:
        return "allowed", None
    scope_action = active.action
    if rel is not None:
        allowed = active.allowed.matches_tree(rel) if target.tree else active.allowed.matches(rel)
        if allowed:
            return "allowed", None
        if scope_action is None:
            return "outside-allowed-paths", None
        return "outside-allowed-paths", Finding(
            "scope",
            "scope.outside-allowed-paths",
            scope_action,
            f"{_code(rel)} is not in this wave's allowed paths.",
            _suggestion(active, rel),
            rel,
            {"wave": active.wave, "op": target.op},
        )
    granted = (
        active.grants.matches_tree(absolute) if target.tree else active.grants.matches(absolute)
    )
    if granted:
        return "allowed", None
    if scope_action is None:
        return "outside-repository", None
    return "outside-repository", Finding(
        "scope",
        "scope.outside-repository",
        scope_action,
        f"{_code(absolute)} is outside the repository and not granted by this wave's scope.",
        "write inside the allowed paths, use the system temporary directory or "
        "`.orchestrator/tmp/`, or ask the coordinator to add an absolute grant",
        absolute,
        {"wave": active.wave, "op": target.op},
    )


def _code(value: str) -> str:
    from sessionkit.policy.findings import code

    return code(value)


def _inside(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` with ``/`` separators (NFC), or None when outside."""
    if path == base:
        return "."
    prefix = base.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return None
    from sessionkit.policy.globs import nfc

    return nfc(path[len(prefix) :].replace(os.sep, "/"))


def _unresolved(target: Target, active: ActiveScope | None) -> Finding | None:
    if active is None or active.action is None:
        return None
    from sessionkit.policy.findings import Finding

    return Finding(
        "scope",
        "scope.unresolved-target",
        "warn",
        f"cannot tell which file {_code(target.text[:120])} names, so the wave scope cannot "
        "judge it.",
        "use literal paths so the write can be checked",
        target.text[:120],
        {"op": target.op},
    )


def classify(
    paths: Iterable[str | Target],
    active: ActiveScope | None,
    *,
    root: str | os.PathLike[str],
    role: str = "unknown",
    cwd: str | None = None,
    protected_config: Any = None,
    environ: Mapping[str, str] | None = None,
    extra_control: Sequence[str] = (),
) -> list[Finding]:
    """Findings for the files a tool call would write (§9.5), non-allow results only.

    Each item is a path (absolute, ``~``-prefixed or relative to ``cwd``, default ``root``;
    treated as a write) or a :class:`Target`. Protected paths are judged by the role matrix
    (``protected_config`` = Session Config or its ``protected-paths``) and never by the
    scope; with ``active=None`` only protected paths produce findings, so one call serves
    both checks. Raises ``protected.ProtectedConfigError`` for an invalid configuration.
    """
    from sessionkit.policy import protected as _protected

    root_text = os.fspath(root)
    entries = _protected.entries_for(protected_config, environ=environ, extra_control=extra_control)
    out: list[Finding] = []
    seen: set[Finding] = set()
    dirs: dict[str, str] = {}
    for item in paths:
        target = item if isinstance(item, Target) else Target(item)
        _, finding = classify_target(
            target,
            active,
            root=root_text,
            role=role,
            cwd=cwd,
            protected_entries=entries,
            dirs=dirs,
        )
        if finding is not None and finding not in seen:
            seen.add(finding)
            out.append(finding)
    return out
