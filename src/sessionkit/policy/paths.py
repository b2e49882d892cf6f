"""Path judgement for deletions (guard.md §8): may deleting this target destroy protected work?

``PathJudge.judge(value, cwds)`` classifies one operand of a recursive deletion (an ``rm -r``
operand, a ``find`` start point, an ``rsync --delete`` destination, an interpreter's
``rmtree`` argument) for every effective-cwd alternative and returns the most severe
``Verdict``. The classification table of §8.2 is ``PathJudge.classify``; unknown pieces follow
§8.3.

Symbolic locations from the value model become absolute paths: ``HOME`` the guard's home,
``REPO`` the repository root, ``TMPDIR`` and ``FRESH(n)`` synthetic roots (``/\\0tmpdir``,
``/\\0fresh<n>``) that exist only here, so they never touch the file system and can never be
confused with a real path.

Hot path: standard library only.
"""

from __future__ import annotations

import os

from sessionkit.policy.decision import (
    Target,
    _target_anchor,
    _target_cls,
    _target_operand,
    _target_path,
)
from sessionkit.policy.values import (
    FRESH,
    HOME,
    OLDPWD,
    PWD,
    REPO,
    TMPDIR,
    Lit,
    Sym,
    Unknown,
    render,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Sequence

    from sessionkit.policy.repofacts import RepoFacts
    from sessionkit.policy.values import Value

TMPDIR_ROOT = "/\x00tmpdir"
FRESH_PREFIX = "/\x00fresh"
_FRESH_LEN = len(FRESH_PREFIX)

ARTEFACT_DIR_NAMES = (
    "node_modules",
    "dist",
    "build",
    "target",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "coverage",
    "htmlcov",
    ".nyc_output",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".turbo",
    ".parcel-cache",
    ".gradle",
    ".eggs",
    "*.egg-info",
    ".cache",
)
ARTEFACT_PATHS = (".orchestrator/tmp",)
ARTEFACT_FILE_PATTERNS = ("*.pyc", "*.pyo", ".DS_Store", "Thumbs.db")
TEMP_ROOTS = ("/tmp", "/var/tmp", "/private/tmp", "/private/var/tmp", "/dev/shm")

_GLOB = frozenset("*?[")
_MAC_TEMP: re.Pattern[str] | None = None  # compiled lazily: /var/folders/*/*/T


def _mac_temp() -> re.Pattern[str]:
    global _MAC_TEMP
    if _MAC_TEMP is None:
        import re

        _MAC_TEMP = re.compile(r"^(?:/private)?/var/folders/[^/]+/[^/]+/T(?=/|$)")
    return _MAC_TEMP


# Verdict actions, by rule id (path rules only).
ACTIONS = {
    "rm-recursive-root": "block",
    "rm-recursive-repo-root": "block",
    "rm-git-dir": "block",
    "git-lock-remove": "warn",
    "rm-worktree": "block",
    "rm-temp": "allow",
    "rm-allowed-path": "allow",
    "rm-artefact": "allow",
    "rm-recursive-source": "block",
    "rm-shared-temp": "warn",
    "rm-recursive-outside": "block",
    "rm-recursive-traversal": "block",
    "rm-recursive-empty-var": "block",
    "rm-unknown-target": "warn",
}
_SEVERITY = {"allow": 0, "warn": 1, "block": 2}


class Verdict:
    """The judgement of one operand: rule id, action and the ``Target`` record."""

    __slots__ = ("action", "rule_id", "target")

    rule_id: str
    action: str
    target: Target

    def __init__(self, rule_id: str, target: Target) -> None:
        self.rule_id = rule_id
        self.action = ACTIONS[rule_id]
        self.target = target

    def __repr__(self) -> str:
        return f"Verdict({self.rule_id!r}, {self.target.path!r})"


_new_object = object.__new__


def _verdict(rule_id: str, operand: str, path: str, anchor: str | None) -> Verdict:
    """``Verdict(rule_id, Target(operand, path, rule_id, anchor))`` by slot stores, without
    the two ``__init__`` frames (the verdict of nearly every judged operand: hot path)."""
    target = _new_object(Target)
    _target_operand(target, operand)
    _target_path(target, path)
    _target_cls(target, rule_id)
    _target_anchor(target, anchor)
    verdict = _new_object(Verdict)
    verdict.rule_id = rule_id
    verdict.action = ACTIONS[rule_id]
    verdict.target = target
    return verdict


def _has_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def _inside(path: str, base: str) -> bool:
    """``path`` is ``base`` or below it (plain string paths, already normalised)."""
    if base == "/":
        return True
    # a slice comparison: str.startswith's argument parsing costs more (a hot path)
    return path == base or path[: len(base) + 1] == base + "/"


_Bases = tuple[tuple[str, str, int], ...]


def _slashed(bases: Iterable[str]) -> _Bases:
    """``(base, base + "/", its length)`` for each base (``/`` stays ``/``): the prefix tests
    of ``_inside`` as one slice comparison each, for absolute paths."""
    out = []
    for base in bases:
        base_s = base if base == "/" else base + "/"
        out.append((base, base_s, len(base_s)))
    return tuple(out)


def _below(path: str, base: str) -> bool:
    """``path`` is strictly below ``base``."""
    if base == "/":
        return path != "/"
    return path.startswith(base + "/")


def normalise(path: str) -> str:
    """Lexical normalisation of an absolute path (``.``, ``..``, repeated ``/``)."""
    if (
        path  # then indexing, not startswith/endswith: cheaper on this hot path
        and path[0] == "/"
        and "//" not in path
        and (path[-1] != "/" or path == "/")
        and (
            "/." not in path
            # a name that starts with a dot (.git, .venv) is no "." or ".." component
            or (
                "/./" not in path
                and "/../" not in path
                and path[-2:] != "/."
                and path[-3:] != "/.."
            )
        )
    ):
        return path  # already normal: the common case
    # os.path.normpath is C code; it keeps POSIX's leading "//", which is "/" here
    norm = os.path.normpath(path if path[:1] == "/" else "/" + path)
    return "/" + norm.lstrip("/") if norm[:2] == "//" else norm


def _bare_wildcard(name: str) -> bool:
    """``*``, ``.*``, ``*.*``, ``?*`` …: a last component that matches (nearly) anything."""
    return bool(name) and _has_glob(name) and all(c in "*?." for c in name)


def _expand_brackets(pattern: str) -> list[str]:
    """``*.py[co]`` -> ``['*.pyc', '*.pyo']`` (small sets only; others stay as they are)."""
    start = pattern.find("[")
    if start < 0:
        return [pattern]
    end = pattern.find("]", start + 2)
    if end < 0:
        return [pattern]
    body = pattern[start + 1 : end]
    if not body or body[0] in "!^" or "-" in body or len(body) > 8:
        return [pattern]
    out: list[str] = []
    for ch in body:
        out.extend(_expand_brackets(pattern[:start] + ch + pattern[end + 1 :]))
    return out


class PathConfig:
    """Artefact names, temp roots and allowed paths (§8.4 defaults, adjusted by §12.2)."""

    __slots__ = (
        "allow_delete",
        "artefact_globs",
        "artefact_names",
        "artefact_paths",
        "extra_temp_roots",
        "file_patterns",
        "glob_suffixes",
        "not_artefact",
        "other_globs",
    )

    def __init__(
        self,
        *,
        artefact_dirs: Iterable[str] = (),
        not_artefact_dirs: Iterable[str] = (),
        temp_dirs: Iterable[str] = (),
        allow_delete: Iterable[str] = (),
    ) -> None:
        not_artefact = frozenset(not_artefact_dirs)
        names: set[str] = set()
        globs: list[str] = []
        paths: list[str] = list(ARTEFACT_PATHS)
        for entry in (*ARTEFACT_DIR_NAMES, *artefact_dirs):
            entry = entry.strip("/")
            if not entry or entry in not_artefact:
                continue
            if "/" in entry:
                paths.append(entry)
            elif _has_glob(entry):
                globs.append(entry)
            else:
                names.add(entry)
        self.artefact_names = frozenset(names)
        self.artefact_globs = tuple(globs)
        # a "*SUFFIX" glob (no glob character in SUFFIX) matches exactly the names ending in
        # SUFFIX: is_artefact_name (a hot path) tests those with str.endswith, not fnmatch
        suffixes = tuple(g for g in globs if g[:1] == "*" and not _has_glob(g[1:]))
        self.glob_suffixes = tuple(g[1:] for g in suffixes)
        self.other_globs = tuple(g for g in globs if g not in suffixes)
        self.artefact_paths = tuple(p for p in paths if p not in not_artefact)
        self.not_artefact = not_artefact
        self.extra_temp_roots = tuple(normalise(os.path.expanduser(t)) for t in temp_dirs)
        self.allow_delete = tuple(allow_delete)
        self.file_patterns = ARTEFACT_FILE_PATTERNS

    @classmethod
    def from_policy(cls, policy: object) -> PathConfig:
        """Read ``paths.*`` from a policy object when it has them (duck-typed, §12.2)."""
        if policy is None:
            return DEFAULT_PATH_CONFIG
        paths = getattr(policy, "paths", None)

        def get(name: str) -> tuple[str, ...]:
            value = None
            if isinstance(paths, dict):
                value = paths.get(name)
            elif paths is not None:
                value = getattr(paths, name.replace("-", "_"), None)
            if value is None:
                value = getattr(policy, name.replace("-", "_"), None)
            return tuple(value or ())

        artefact = get("artefact-dirs")
        not_artefact = get("not-artefact-dirs")
        temp = get("temp-dirs")
        allow = get("allow-delete")
        if not (artefact or not_artefact or temp or allow):
            return DEFAULT_PATH_CONFIG
        return cls(
            artefact_dirs=artefact,
            not_artefact_dirs=not_artefact,
            temp_dirs=temp,
            allow_delete=allow,
        )

    def is_artefact_name(self, name: str) -> bool:
        """A literal directory name that is an artefact directory."""
        if name in self.artefact_names:
            return True
        if name.endswith(self.glob_suffixes):
            return True
        if self.other_globs:
            import fnmatch

            return any(fnmatch.fnmatchcase(name, g) for g in self.other_globs)
        return False

    def pattern_only_artefacts(self, pattern: str, *, files: bool = False) -> bool:
        """Whether a glob pattern can only match artefact names (``*.egg-info``, ``*.py[co]``)."""
        candidates = (*self.artefact_globs, *(self.file_patterns if files else ()))
        for alternative in _expand_brackets(pattern):
            if not _has_glob(alternative):
                if self.is_artefact_name(alternative) or (
                    files and self._is_artefact_file(alternative)
                ):
                    continue
                return False
            if alternative in candidates:
                continue
            ok = False
            for candidate in candidates:
                # candidate "*SUFFIX": the alternative must end in the same literal suffix
                if candidate.startswith("*") and not _has_glob(candidate[1:]):
                    suffix = candidate[1:]
                    if alternative.endswith(suffix) and not _has_glob(alternative[-len(suffix) :]):
                        ok = True
                        break
            if not ok:
                return False
        return True

    def _is_artefact_file(self, name: str) -> bool:
        import fnmatch

        return any(fnmatch.fnmatchcase(name, p) for p in self.file_patterns)

    def allowed_relative(self, rel: str) -> bool:
        """Repository-relative path matched by ``paths.allow-delete``."""
        if not self.allow_delete:
            return False
        import fnmatch

        for pattern in self.allow_delete:
            if pattern.startswith(("/", "~/")):
                continue
            pat = pattern.strip("/")
            if fnmatch.fnmatchcase(rel, pat) or (
                "/" not in pat and fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pat)
            ):
                return True
            if rel.startswith(pat + "/"):
                return True
        return False

    def allowed_absolute(self, path: str, home: str) -> bool:
        if not self.allow_delete:
            return False
        import fnmatch

        for pattern in self.allow_delete:
            if pattern.startswith("~/"):
                pattern = os.path.join(home, pattern[2:])
            elif not pattern.startswith("/"):
                continue
            pattern = pattern.rstrip("/") or "/"
            if fnmatch.fnmatchcase(path, pattern) or _below(path, pattern):
                return True
        return False


DEFAULT_PATH_CONFIG = PathConfig()


class PathJudge:
    """Path judgement against one repository, home and path configuration (§8)."""

    def __init__(
        self,
        facts: RepoFacts,
        *,
        home: str,
        config: PathConfig | None = None,
    ) -> None:
        self.facts = facts
        self.cwd = normalise(facts.cwd)
        self.config = config or DEFAULT_PATH_CONFIG
        self.home = normalise(home)
        self.home_l = self.home.lower()
        root = facts.root
        self.root = normalise(root) if root else None
        self._roots_l: tuple[str, ...] | None = None
        self._git_dirs_l: tuple[str, ...] | None = None
        self._dot_git_file_l: str | None = None
        self._worktrees_l: tuple[str, ...] | None = None
        self._worktrees_known = True  # set with _worktrees_l
        self._slashed: tuple[_Bases, _Bases, _Bases] | None = None  # see bases_slashed
        self._temp_slashed: _Bases | None = None
        self._temp_roots: tuple[str, ...] | None = None
        self._real: dict[str, str] = {}
        self._missing: set[str] = set()  # resolved paths known not to exist
        self._classified: dict[tuple[str, bool], tuple[str, str | None]] = {}

    def for_cwd(self, cwd: str) -> PathJudge:
        """This judge with another default cwd, sharing the cached repository facts."""
        if cwd == self.cwd:
            return self
        cwd = normalise(cwd)
        if cwd == self.cwd:
            return self
        self.roots_l()
        self.git_dirs_l()
        self.worktrees_l()
        self.temp_roots()
        clone = object.__new__(PathJudge)
        clone.__dict__.update(self.__dict__)
        clone.cwd = cwd
        if self.root is None:
            clone._roots_l = None
            clone._slashed = None
        return clone

    # -- lazily computed facts -------------------------------------------------------------

    @property
    def base(self) -> str:
        """The protected project root: R, or the cwd outside a repository (§1.2)."""
        return self.root if self.root is not None else self.cwd

    def roots_l(self) -> tuple[str, ...]:
        if self._roots_l is None:
            base = self.base
            variants = {base.lower()}
            real = os.path.realpath(base)
            variants.add(normalise(real).lower())
            self._roots_l = tuple(variants)
        return self._roots_l

    def git_dirs_l(self) -> tuple[str, ...]:
        if self._git_dirs_l is None:
            found: set[str] = set()
            for d in (self.facts.git_dir, self.facts.common_dir):
                if d:
                    found.add(normalise(d).lower())
                    found.add(normalise(os.path.realpath(d)).lower())
            if self.facts.dot_git and self.facts.is_linked_worktree:
                self._dot_git_file_l = normalise(self.facts.dot_git).lower()
            if self.root is not None and not found:
                # a broken .git file: everything under it counts as git's own data
                found.add((self.root + "/.git").lower())
            self._git_dirs_l = tuple(found)
        return self._git_dirs_l

    def worktrees_l(self) -> tuple[str, ...]:
        """Registered worktrees other than the current one, lower-cased."""
        if self._worktrees_l is None:
            mine = set(self.roots_l())
            found: set[str] = set()
            for wt in self.facts.worktrees():
                for variant in (normalise(wt), normalise(os.path.realpath(wt))):
                    if variant.lower() not in mine:
                        found.add(variant.lower())
            self._worktrees_l = tuple(found)
            # settled by facts.worktrees() above; classify reads it with the list
            self._worktrees_known = self.facts.worktrees_known
        return self._worktrees_l

    def temp_roots(self) -> tuple[str, ...]:
        if self._temp_roots is None:
            roots = [TMPDIR_ROOT, *TEMP_ROOTS, *self.config.extra_temp_roots]
            env = os.environ.get("TMPDIR")
            if env and os.path.isabs(env):
                tmp = normalise(env)
                if any(_inside(tmp, r) for r in TEMP_ROOTS) or _mac_temp().match(tmp):
                    roots.append(tmp)
            self._temp_roots = tuple(dict.fromkeys(roots))
        return self._temp_roots

    def bases_slashed(self) -> tuple[_Bases, _Bases, _Bases]:
        """The roots, git dirs and other worktrees as ``_slashed`` triples, built once."""
        if self._slashed is None:
            self._slashed = (
                _slashed(self.roots_l()),
                _slashed(self.git_dirs_l()),
                _slashed(self.worktrees_l()),
            )
        return self._slashed

    def temp_root_of(self, path: str) -> str | None:
        """The temp root that ``path`` is or lies in, or None."""
        best: str | None = None
        temps = self._temp_slashed
        if temps is None:
            temps = self._temp_slashed = _slashed(self.temp_roots())
        slash = path + "/"
        for root, root_s, n in temps:
            # _inside(path, root) for an absolute path, as one slice comparison
            if slash[:n] == root_s and (best is None or len(root) > len(best)):
                best = root
        match = _mac_temp().match(path)
        if match and (best is None or len(match.group(0)) > len(best)):
            best = match.group(0)
        return best

    def is_temp(self, path: str) -> bool:
        return self.temp_root_of(path) is not None

    # -- symbolic values to paths ----------------------------------------------------------

    def value_text(self, value: Value, cwd: str | None) -> str | None:
        """The value as path text with symbolic locations substituted; None if unknown."""
        text = value.text
        if text is not None:
            head = value.pieces[0] if value.pieces else None
            if (
                text[:1] == "~"  # slices, not startswith: cheaper on this hot path
                and (text == "~" or text[:2] == "~/")
                and type(head) is Lit
                and not head.quoted
            ):
                # a tilde the walker left literal (e.g. produced by brace expansion)
                return self.home + text[1:]
            return text
        out: list[str] = []
        for piece in value.pieces:
            kind = type(piece)
            if kind is Lit:
                out.append(piece.text)  # type: ignore[union-attr]
            elif kind is Sym:
                sym_path = self.sym_path(piece, cwd)  # type: ignore[arg-type]
                if sym_path is None:
                    return None
                out.append(sym_path)
            else:
                return None
        return "".join(out)

    def sym_path(self, sym: Sym, cwd: str | None) -> str | None:
        kind = sym.kind
        if kind == HOME:
            return self.home
        if kind == TMPDIR:
            return TMPDIR_ROOT
        if kind == FRESH:
            return f"{FRESH_PREFIX}{sym.n}"
        if kind == REPO:
            return self.base
        if kind == PWD:
            return cwd if cwd is not None else sym.path
        if kind == OLDPWD:
            return sym.path
        return sym.path

    def cwd_paths(self, cwds: Sequence[Value]) -> list[str | None]:
        """Each cwd alternative as an absolute path, None for an unknown one (§8.3)."""
        if not cwds:
            return [self.cwd]
        out: list[str | None] = []
        for value in cwds:
            text = value.text
            if text is None or text[:1] == "~":  # value_text changes only these (hot path)
                text = self.value_text(value, None)
            if text is None or text[:1] != "/":
                out.append(None)
            elif text == self.cwd:
                out.append(text)  # the judge's own cwd, normal already (the common case)
            else:
                out.append(normalise(text))
        return out

    # -- judgement -------------------------------------------------------------------------

    def judge(self, value: Value, cwds: Sequence[Value] = ()) -> Verdict:
        """The most severe verdict for ``value`` over every cwd alternative."""
        if not cwds or (len(cwds) == 1 and cwds[0].text == self.cwd):
            # cwd_paths' answer in the common case (the judge's own cwd), without its list
            return self._judge_one(value, self.cwd)
        paths = self.cwd_paths(cwds)
        if len(paths) == 1:  # one cwd, the common case: its verdict is the most severe
            return self._judge_one(value, paths[0])
        worst: Verdict | None = None
        for cwd in paths:
            verdict = self._judge_one(value, cwd)
            if worst is None or _SEVERITY[verdict.action] > _SEVERITY[worst.action]:
                worst = verdict
        assert worst is not None
        return worst

    def _judge_one(self, value: Value, cwd: str | None) -> Verdict:
        operand = value.text
        if operand is not None and operand[:1] == "~":
            expanded = self.value_text(value, cwd)
            if expanded is not None and expanded != operand:
                return self.judge_text(expanded, cwd, pattern=value.pattern, operand=operand)
        if operand is None:
            if value.known:
                text = self.value_text(value, cwd)
                if text is None:
                    return self._judge_unknown(value, cwd)
                return self.judge_text(text, cwd, pattern=value.pattern, operand=render(value))
            return self._judge_unknown(value, cwd)
        return self.judge_text(operand, cwd, pattern=value.pattern, operand=operand)

    def judge_text(
        self, text: str, cwd: str | None, *, pattern: bool = False, operand: str | None = None
    ) -> Verdict:
        """Judge a fully known operand (§8.2 steps 2-5)."""
        shown = text if operand is None else operand
        base_cwd = cwd if cwd is not None else self.base
        absolute = text if text[:1] == "/" else base_cwd + "/" + text
        norm = normalise(absolute)
        if ".." in text or ".." in base_cwd:
            anchor = (
                self._anchor_escaped(text, norm, base_cwd)
                if text[:1] != "/" and ".." not in base_cwd
                else self._anchor_escaped(absolute, norm)
            )
            if anchor is not None:
                return Verdict(
                    "rm-recursive-traversal", Target(shown, norm, "rm-recursive-traversal", anchor)
                )
        rule, anchor = self.classify(norm, pattern=pattern)
        if norm[:2] != "/\x00":
            if ".." in text and absolute[:2] != "/\x00":
                # the kernel resolves a symlink before the ".." after it: build/link/../etc
                # with link -> /etc is /etc, not build/etc (§8.2 steps 3-4 in the kernel's order)
                physical = self._physical(text, base_cwd)
                if physical != norm and physical != self._realpath(norm):
                    rule2, anchor2 = self.classify(physical, pattern=pattern)
                    if _SEVERITY[ACTIONS[rule2]] > _SEVERITY[ACTIONS[rule]]:
                        return _verdict(rule2, shown, physical, anchor2)
            resolved = self._resolve(norm, text[-1:] == "/")
            if resolved != norm:
                rule2, anchor2 = self.classify(resolved, pattern=pattern)
                # the more severe reading wins; on a tie the resolved path names the real target
                if _SEVERITY[ACTIONS[rule2]] >= _SEVERITY[ACTIONS[rule]]:
                    return _verdict(rule2, shown, resolved, anchor2)
        return _verdict(rule, shown, norm, anchor)

    def _realpath(self, path: str) -> str:
        """``os.path.realpath`` of a normalised absolute path, cached for the judge's life (a
        Guard renews it every second) per directory: from the nearest ancestor already
        resolved, one ``lstat`` per component below it, none below a missing one. Deep paths
        that share their ancestors (``cd p0 … cd p99``) cost one ``lstat`` each, not one per
        component (§16.4)."""
        cache = self._real
        real = cache.get(path)
        if real is not None:
            return real
        if len(cache) > 8192:
            cache.clear()
            self._missing.clear()
        names: list[str] = []
        current = path
        base: str | None = None
        while current and current != "/":
            base = cache.get(current)
            if base is not None:
                break
            current, _, name = current.rpartition("/")
            names.append(name)
        if base is None:
            base = current = "/"
        missing = base in self._missing
        for name in reversed(names):
            current = current + "/" + name if current != "/" else "/" + name
            here = base + "/" + name if base != "/" else "/" + name
            if not missing:
                try:
                    mode = os.lstat(here).st_mode
                except OSError:
                    missing = True  # nothing below it exists: the rest is lexical
                else:
                    if mode & 0o170000 == 0o120000:  # a symlink
                        here = normalise(os.path.realpath(here))
            if missing:
                self._missing.add(here)
            cache[current] = base = here
        return base

    def real_path(self, path: str) -> str:
        """The real path of an absolute path (symlinks resolved), cached for the judge's life."""
        return self._realpath(normalise(path))

    def _physical(self, text: str, cwd: str) -> str:
        """The path the kernel reaches for the operand ``text`` in ``cwd``, ".." included:
        each component is resolved before the ".." after it applies (``build/link/../etc``,
        link -> /etc, is /etc); through ``_realpath``'s cache, so the cwd costs one lookup and
        each of the operand's components one ``lstat`` at most."""
        real = "/" if text[:1] == "/" else self._realpath(normalise(cwd))
        for comp in text.split("/"):
            if not comp or comp == ".":
                continue
            if comp == "..":
                real = real.rpartition("/")[0] or "/"
                continue
            real = self._realpath(real + "/" + comp if real != "/" else "/" + comp)
        return real

    def _resolve(self, path: str, follow_last: bool) -> str:
        """Resolve symlinks: the deepest existing ancestor, the last component only with ``/``."""
        if follow_last:
            return self._realpath(path)
        # os.path.split of a normalised absolute path (no "//", no trailing "/"), inlined
        cut = path.rfind("/")
        tail = path[cut + 1 :]
        if not tail:
            return path
        real_head = self._realpath(path[:cut] or "/")
        # normalise(real_head + "/" + tail) without its frame: real_head is normal and tail,
        # the last component of a normal path, is a name (neither "." nor "..")
        return real_head + "/" + tail if real_head != "/" else "/" + tail

    def _anchor_escaped(self, absolute: str, norm: str, start: str = "/") -> str | None:
        """An allowing anchor the path passed through but ends outside of (§8.2 step 3).

        Only a directory that a ".." leaves can be such an anchor (the others lie on the
        normalised path), so only those are tested: the work is linear in the operand, however
        deep the cwd (§16.4)."""
        left: list[tuple[int, str]] = []  # (depth, directory) that a ".." left
        # ``absolute`` may be relative to ``start``, a normal absolute path (the cwd): its
        # components are not walked again
        current = start
        depth = start.count("/") if start != "/" else 0
        for comp in absolute.split("/"):
            if not comp or comp == ".":
                continue
            if comp == "..":
                if depth:
                    left.append((depth, current))
                    current = current.rpartition("/")[0] or "/"
                    depth -= 1
                continue
            current = current + "/" + comp if depth else "/" + comp
            depth += 1
        if not left:
            return None
        root = self.base
        config = self.config
        # the outermost first, as the path passes through them
        for _depth, current in sorted(left):
            if current.startswith(FRESH_PREFIX):
                # the anchor is the fresh path itself: "$D/sub/.." is D, still inside it
                fresh = current[: current.find("/", 1)] if "/" in current[1:] else current
                if not _inside(norm, fresh):
                    return fresh
                continue
            comp = current.rpartition("/")[2]
            if (
                current.startswith(FRESH_PREFIX)
                or current in self.temp_roots()
                or _mac_temp().fullmatch(current)
                or (_below(current, root) and self._anchor_in_repo(comp, current))
                or (config.allow_delete and self._allowed_top(current, None))
            ) and not _inside(norm, current):
                return current
        return None

    def _anchor_in_repo(self, comp: str, current: str) -> bool:
        """``current``, strictly inside R and ending in ``comp``, is an allowing anchor: an
        artefact directory by name or by path (``.orchestrator/tmp``), or an allowed path."""
        config = self.config
        if config.is_artefact_name(comp):
            return True
        rel = current[len(self.base) + 1 :] if self.base != "/" else current[1:]
        return rel in config.artefact_paths or bool(
            config.allow_delete and self._allowed_top(current, rel)
        )

    def _allowed_top(self, current: str, rel: str | None) -> bool:
        """``current`` is matched by ``paths.allow-delete`` and its parent is not: the allowed
        path itself, not one of the paths below it (``data/snapshots``, not ``…/a``)."""
        config = self.config
        parent = current.rpartition("/")[0] or "/"
        if rel is None:
            return config.allowed_absolute(current, self.home) and not config.allowed_absolute(
                parent, self.home
            )
        parent_rel = rel.rpartition("/")[0]
        return config.allowed_relative(rel) and not (
            parent_rel and config.allowed_relative(parent_rel)
        )

    def classify(self, path: str, *, pattern: bool = False) -> tuple[str, str | None]:
        """(rule id, anchor) for a normalised absolute path, per the table of §8.2; kept for
        the judge's life, as its facts are (one operand in many cwds, the same operand in
        later checks: a lookup instead of a walk over every component)."""
        memo = self._classified
        key = (path, pattern)
        found = memo.get(key)
        if found is None:
            if len(memo) > 4096:
                memo.clear()
            found = memo[key] = self._classify(path, pattern)
        return found

    def _classify(self, path: str, pattern: bool) -> tuple[str, str | None]:
        path_l = path.lower()
        # _inside() written out as one slice comparison against "base/" forms built once
        # (bases_slashed), for this absolute path: base at or below path is
        # base_s[:m] == slash_l, path at or below base is slash_l[:n] == base_s (hot path)
        slash_l = path_l + "/"
        m = len(slash_l)
        # step 1: / , home, an ancestor of home (or everything directly in one of them)
        home_l = self.home_l
        if path == "/" or home_l == path_l or home_l[:m] == slash_l:
            return "rm-recursive-root", None
        if pattern:
            head_l, _, tail = path_l.rpartition("/")
            head_l = head_l or "/"
            if _bare_wildcard(tail) and _inside(home_l, head_l):
                return "rm-recursive-root", None
        roots, git_dirs, worktrees = self._slashed or self.bases_slashed()
        # step 2: the repository root or an ancestor
        for _root_l, root_s, _n in roots:
            if root_s[:m] == slash_l:
                return "rm-recursive-repo-root", None
        # step 3: git's own data
        for git_l, git_s, n in git_dirs:
            if slash_l[:n] == git_s:
                if path_l.endswith(".lock"):
                    return "git-lock-remove", git_l
                return "rm-git-dir", git_l
        if self._dot_git_file_l is not None and path_l == self._dot_git_file_l:
            return "rm-git-dir", None
        # step 4: another registered worktree, or a directory containing one
        for wt_l, wt_s, _n in worktrees:
            if wt_s[:m] == slash_l:
                return "rm-worktree", wt_l
            if path_l == wt_l + "/.git":
                return "rm-git-dir", None  # that worktree's .git file (step 3)
        if self.root is not None and not self._worktrees_known:
            parent_l = os.path.dirname(self.root).lower()
            if os.path.dirname(path_l) == parent_l:
                return "rm-worktree", None
        # step 5: a fresh mktemp path
        if path[:_FRESH_LEN] == FRESH_PREFIX:
            return "rm-temp", "/" + path.split("/")[1]
        # steps 6-9: strictly inside the repository (step 2 took R itself and its ancestors)
        inside = None
        for root_l, root_s, n in roots:
            if slash_l[:n] == root_s:
                inside = root_l
                break
        if inside is not None:
            rel = path[len(inside) + 1 :] if len(path) > len(inside) else ""
            return self._classify_in_repo(rel, pattern)
        # steps 10-11: temp space
        temp = self.temp_root_of(path)
        if temp is not None:
            if path == temp:
                return "rm-shared-temp", temp
            if pattern and os.path.dirname(path) == temp and _bare_wildcard(os.path.basename(path)):
                return "rm-shared-temp", temp
            # R's siblings when R lies in temp space: R is the cwd outside a repository (§1.2),
            # and a temp root itself as R has no siblings in temp space
            base = self.base
            base_temp = self.temp_root_of(base)
            if base_temp is not None and base != base_temp:
                parent_l = os.path.dirname(base).lower()
                if _below(path_l, parent_l):
                    # outside, so step 12 still applies: an absolute allow-delete pattern
                    if self.config.allowed_absolute(path, self.home):
                        return "rm-allowed-path", None
                    return "rm-recursive-outside", None
            return "rm-temp", temp
        # step 12: absolute allow-delete
        if self.config.allowed_absolute(path, self.home):
            return "rm-allowed-path", None
        return "rm-recursive-outside", None

    def _classify_in_repo(self, rel: str, pattern: bool) -> tuple[str, str | None]:
        """Steps 6-9 for a path strictly inside R, ``rel`` relative to R."""
        config = self.config
        if config.allow_delete and config.allowed_relative(rel):
            return "rm-allowed-path", rel
        # is_artefact_name's tests written out for the literal components (hot path)
        names = config.artefact_names
        suffixes = config.glob_suffixes
        others = config.other_globs
        for artefact_path in config.artefact_paths:
            # first: a glob below an artefact path (.orchestrator/tmp/*) is inside it too
            if rel == artefact_path or rel.startswith(artefact_path + "/"):
                return "rm-artefact", artefact_path
        comps = rel.split("/")
        if len(comps) > 8 and not pattern and not others:
            # a deep path (the cwd of many nested cds): one set test and a substring search
            # for each suffix over its directories instead of a test per component
            directory = rel[: rel.rfind("/")]
            if names.isdisjoint(comps[:-1]) and not any(s in directory for s in suffixes):
                name = comps[-1]
                if name in names or name.endswith(suffixes):
                    return "rm-artefact", rel
                return "rm-recursive-source", None
        last = len(comps) - 1
        for i, comp in enumerate(comps):
            is_glob = pattern and _has_glob(comp)
            if is_glob:
                if config.pattern_only_artefacts(comp):
                    return "rm-artefact", "/".join(comps[: i + 1])
                if i == last:
                    return ("rm-recursive-repo-root" if i == 0 else "rm-recursive-source"), None
                continue
            if (
                comp in names
                or comp.endswith(suffixes)
                or (others and config.is_artefact_name(comp))
            ):
                return "rm-artefact", "/".join(comps[: i + 1])
        return "rm-recursive-source", None

    # -- §8.3 unknown pieces ---------------------------------------------------------------

    def _judge_unknown(self, value: Value, cwd: str | None) -> Verdict:
        shown = render(value)
        verdicts: list[Verdict] = []
        # empty case
        empty: list[str] = []
        has_empty_case = True
        for piece in value.pieces:
            kind = type(piece)
            if kind is Lit:
                empty.append(piece.text)  # type: ignore[union-attr]
            elif kind is Sym:
                sym_path = self.sym_path(piece, cwd)  # type: ignore[arg-type]
                if sym_path is None:
                    has_empty_case = False
                    break
                empty.append(sym_path)
            elif piece.may_be_empty:  # type: ignore[union-attr]
                continue
            else:
                has_empty_case = False
                break
        if has_empty_case:
            text = "".join(empty)
            if text in ("/", "/*", "/.", "/..", "/.*"):
                return Verdict(
                    "rm-recursive-empty-var", Target(shown, text, "rm-recursive-empty-var")
                )
            if text:
                base_cwd = cwd if cwd is not None else self.base
                absolute = normalise(text if text.startswith("/") else base_cwd + "/" + text)
                rule, _anchor = self.classify(absolute, pattern=value.pattern)
                if rule in ("rm-recursive-root", "rm-recursive-repo-root", "rm-git-dir"):
                    return Verdict(
                        "rm-recursive-empty-var", Target(shown, absolute, "rm-recursive-empty-var")
                    )
        # known prefix
        prefix_parts: list[str] = []
        for piece in value.pieces:
            kind = type(piece)
            if kind is Lit:
                prefix_parts.append(piece.text)  # type: ignore[union-attr]
            elif kind is Sym:
                sym_path = self.sym_path(piece, cwd)  # type: ignore[arg-type]
                if sym_path is None:
                    break
                prefix_parts.append(sym_path)
            else:
                break
        prefix = "".join(prefix_parts)
        cut = prefix.rfind("/")
        first = value.pieces[0] if value.pieces else None
        if not prefix_parts and type(first) is Unknown and first.origin.startswith("~"):
            # ~user: some user's home directory, a location outside the repository (§5.2)
            verdicts.append(
                Verdict("rm-recursive-outside", Target(shown, None, "rm-recursive-outside"))
            )
        elif cut >= 0:
            directory = prefix[: cut + 1]
            base_cwd = cwd if cwd is not None else self.base
            absolute = normalise(
                directory if directory.startswith("/") else base_cwd + "/" + directory
            )
            lexical = self._below_directory(absolute, shown)
            real = absolute
            if absolute[:2] != "/\x00":
                # build/link/../$X: the kernel follows link before the ".."
                real = (
                    self._physical(directory, base_cwd)
                    if ".." in directory and base_cwd[:2] != "/\x00"
                    else self._realpath(absolute)
                )
            if real != absolute:
                # build/link/$X with link -> /etc: below the directory the link names, which
                # names the real target on a tie (as in §8.2 step 4)
                resolved = self._below_directory(real, shown)
                if _SEVERITY[resolved.action] >= _SEVERITY[lexical.action]:
                    verdicts.append(resolved)
            verdicts.append(lexical)
            climbed = self._climbed(value, len(prefix_parts), cwd, shown)
            if climbed is not None:
                verdicts.append(climbed)
        else:
            verdicts.append(Verdict("rm-unknown-target", Target(shown, None, "rm-unknown-target")))
        worst = verdicts[0]
        for verdict in verdicts[1:]:
            if _SEVERITY[verdict.action] > _SEVERITY[worst.action]:
                worst = verdict
        return worst

    def _climbed(self, value: Value, start: int, cwd: str | None, shown: str) -> Verdict | None:
        """``build/$X/../../src``, ``/tmp/$X/../../etc``: ".." after an unknown piece leaves
        the known prefix, so "something below D" does not hold. The operand is judged with
        each unknown piece as short as it can be (empty, or one component), the reading that
        climbs highest (§8.2 step 3, §8.3); None when no ".." follows an unknown piece."""
        pieces = value.pieces
        # the text after the first unknown piece, other pieces as one opaque character: a
        # ".." may be written in parts (."." or .\.: one Lit per quoting)
        after = "".join(
            piece.text if type(piece) is Lit else "\x01" for piece in pieces[start + 1 :]
        )
        if ".." not in after.split("/"):
            return None
        parts: list[str] = []
        for piece in pieces:
            kind = type(piece)
            if kind is Lit:
                parts.append(piece.text)  # type: ignore[union-attr]
            elif kind is Sym:
                sym_path = self.sym_path(piece, cwd)  # type: ignore[arg-type]
                parts.append(sym_path if sym_path is not None else "\x01unknown")
            elif not piece.may_be_empty:  # type: ignore[union-attr]
                parts.append("\x01unknown")
        text = "".join(parts)
        if not text:
            return None
        return self.judge_text(text, cwd, pattern=value.pattern, operand=shown)

    def _below_directory(self, directory: str, shown: str) -> Verdict:
        """Judge "something below ``directory``" (§8.3 known prefix)."""
        child = directory.rstrip("/") + "/\x01unknown"
        if directory == "/":
            child = "/\x01unknown"
        rule, anchor = self.classify(child)
        if ACTIONS[rule] == "allow":
            return Verdict(rule, Target(shown, directory, rule, anchor))
        if rule in ("rm-recursive-source", "rm-git-dir", "rm-worktree", "git-lock-remove"):
            rule = "rm-git-dir" if rule == "git-lock-remove" else rule
            return Verdict(rule, Target(shown, directory, rule, anchor))
        return Verdict("rm-recursive-outside", Target(shown, directory, "rm-recursive-outside"))


def unknown_pieces(value: Value) -> list[Unknown]:
    """The unknown pieces of a value."""
    return [piece for piece in value.pieces if isinstance(piece, Unknown)]
