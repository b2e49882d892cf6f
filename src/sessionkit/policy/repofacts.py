"""Repository facts for the guard, read lazily from files (guard.md §3.4, §8.1).

The repository root, git dir, common dir, registered worktrees, refs (loose and packed) and
git configuration (with ``include.path`` and ``includeIf.*.path``, conditions not evaluated)
are read on first use and cached on the ``RepoFacts`` object, which a ``Guard`` keeps. No
subprocess runs. Whatever cannot be read is recorded in ``unreadable`` so the guard can add the
notice ``repo-facts-unreadable``; callers then lean toward protection (§8.1).

Hot path: standard library only.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

_MAX_INCLUDE_DEPTH = 5


def find_root(cwd: str) -> tuple[str | None, str | None]:
    """(working-tree root, path of its ``.git`` entry) found by walking up from ``cwd``."""
    path = cwd
    while True:
        dot_git = os.path.join(path, ".git")
        if os.path.isdir(dot_git) or os.path.isfile(dot_git):
            return path, dot_git
        parent = os.path.dirname(path)
        if parent == path:
            return None, None
        path = parent


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except OSError:
        return None


def parse_git_config(text: str) -> Iterator[tuple[str, str | None]]:
    """``(key, value)`` pairs of a git config file in order; ``value`` None for a bare key.

    Keys are ``section.name`` or ``section.subsection.name``, section and name lower-cased
    (git's own canonical form); subsections keep their case.
    """
    section = ""
    i = 0
    n = len(text)
    while i < n:
        # skip blank space and comments at the start of a line
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        if ch in "#;":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                return
            header = text[i + 1 : end].strip()
            i = end + 1
            if '"' in header:
                name, _, rest = header.partition('"')
                sub = rest.rsplit('"', 1)[0].replace('\\"', '"').replace("\\\\", "\\")
                section = name.strip().lower() + "." + sub
            elif "." in header:
                head, _, sub = header.partition(".")
                section = head.lower() + "." + sub.lower()
            else:
                section = header.lower()
            continue
        # a key, optionally "= value"
        start = i
        while i < n and (text[i].isalnum() or text[i] == "-"):
            i += 1
        name = text[start:i].lower()
        if not name:
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        while i < n and text[i] in " \t":
            i += 1
        if i >= n or text[i] in "\n#;":
            yield (section + "." + name, None)
            continue
        if text[i] != "=":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        i += 1
        value, i = _config_value(text, i)
        yield (section + "." + name, value)


def _config_value(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    quoted = False
    pending_space = ""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" and not quoted:
            i += 1
            break
        if not quoted and ch in "#;":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            break
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            i += 2
            if nxt == "\n":
                continue
            out.append(pending_space)
            pending_space = ""
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(nxt, nxt))
            continue
        if ch == '"':
            quoted = not quoted
            i += 1
            continue
        if ch in " \t" and not quoted:
            if out:
                pending_space += ch
            i += 1
            continue
        out.append(pending_space)
        pending_space = ""
        out.append(ch)
        i += 1
    return "".join(out), i


class RepoFacts:
    """Facts about the repository containing ``cwd``; every attribute is read on first use."""

    def __init__(self, cwd: str, *, home: str | None = None) -> None:
        self.cwd = cwd
        self.home = home if home is not None else os.path.expanduser("~")
        self.unreadable: list[str] = []
        self._root_done = False
        self._root: str | None = None
        self._dot_git: str | None = None
        self._git_dir: str | None = None
        self._common_dir: str | None = None
        self._worktrees: tuple[str, ...] | None = None
        self._worktrees_known = True
        self._packed: frozenset[str] | None = None
        self._config: tuple[tuple[str, str | None], ...] | None = None
        # ref_exists answers: refs are read once per RepoFacts like every other fact
        self._refs: dict[str, bool] = {}

    # -- layout ----------------------------------------------------------------------------

    def _locate(self) -> None:
        if self._root_done:
            return
        self._root_done = True
        root, dot_git = find_root(self.cwd)
        self._root, self._dot_git = root, dot_git
        if dot_git is None:
            return
        if os.path.isdir(dot_git):
            git_dir = dot_git
        else:
            text = _read_text(dot_git)
            if text is None or not text.startswith("gitdir:"):
                self.unreadable.append(dot_git)
                self._git_dir = self._common_dir = None
                return
            target = text[len("gitdir:") :].strip()
            git_dir = os.path.normpath(os.path.join(os.path.dirname(dot_git), target))
        self._git_dir = git_dir
        common = _read_text(os.path.join(git_dir, "commondir"))
        if common is not None and common.strip():
            self._common_dir = os.path.normpath(os.path.join(git_dir, common.strip()))
        else:
            self._common_dir = git_dir

    @property
    def root(self) -> str | None:
        """The working-tree root (R), or None outside a repository."""
        self._locate()
        return self._root

    @property
    def dot_git(self) -> str | None:
        """The ``.git`` entry of the working tree (a directory, or a file in linked worktrees)."""
        self._locate()
        return self._dot_git

    @property
    def git_dir(self) -> str | None:
        self._locate()
        return self._git_dir

    @property
    def common_dir(self) -> str | None:
        self._locate()
        return self._common_dir

    @property
    def is_linked_worktree(self) -> bool:
        self._locate()
        return self._dot_git is not None and os.path.isfile(self._dot_git)

    # -- worktrees -------------------------------------------------------------------------

    def worktrees(self) -> tuple[str, ...]:
        """Every registered working tree of the clone (main one included), this one too."""
        if self._worktrees is not None:
            return self._worktrees
        found: list[str] = []
        common = self.common_dir
        if common is not None:
            if os.path.basename(common) == ".git":
                found.append(os.path.dirname(common))
            base = os.path.join(common, "worktrees")
            try:
                names = os.listdir(base)
            except FileNotFoundError:
                names = []
            except OSError:
                names = []
                self._worktrees_known = False
                self.unreadable.append(base)
            for name in names:
                text = _read_text(os.path.join(base, name, "gitdir"))
                if text is None:
                    self._worktrees_known = False
                    self.unreadable.append(os.path.join(base, name, "gitdir"))
                    continue
                gitfile = text.strip()
                if not os.path.isabs(gitfile):
                    gitfile = os.path.normpath(os.path.join(base, name, gitfile))
                found.append(os.path.dirname(gitfile))
        self._worktrees = tuple(found)
        return self._worktrees

    @property
    def worktrees_known(self) -> bool:
        """False when the worktree list could not be read completely (§8.1)."""
        self.worktrees()
        return self._worktrees_known

    # -- refs ------------------------------------------------------------------------------

    def _packed_refs(self) -> frozenset[str]:
        if self._packed is None:
            names: set[str] = set()
            common = self.common_dir
            if common is not None:
                text = _read_text(os.path.join(common, "packed-refs"))
                for line in (text or "").splitlines():
                    if line and line[0] not in "#^":
                        parts = line.split(" ", 1)
                        if len(parts) == 2:
                            names.add(parts[1].strip())
            self._packed = frozenset(names)
        return self._packed

    def has_ref(self, full_name: str) -> bool:
        """Whether ``refs/...`` (or a pseudo-ref such as ``HEAD``) exists, loose or packed."""
        for base in (self.git_dir, self.common_dir):
            if base is not None and os.path.isfile(os.path.join(base, full_name)):
                return True
        return full_name in self._packed_refs()

    def ref_exists(self, word: str) -> bool:
        """Whether ``word`` names an existing ref the way git resolves a short name (§7.2.4).

        Answered once per ``RepoFacts`` (a Guard builds fresh facts at most once a second)."""
        known = self._refs.get(word)
        if known is None:
            known = self._refs[word] = self._ref_exists(word)
        return known

    def _ref_exists(self, word: str) -> bool:
        if not word or self.common_dir is None:
            return False
        if word.startswith("refs/") and self.has_ref(word):
            return True
        for prefix in ("refs/", "refs/tags/", "refs/heads/"):
            if self.has_ref(prefix + word):
                return True
        if self.has_ref("refs/remotes/" + word) or self.has_ref("refs/remotes/" + word + "/HEAD"):
            return True
        # refs/remotes/*/word
        common = self.common_dir
        try:
            remotes = os.listdir(os.path.join(common, "refs", "remotes"))
        except OSError:
            remotes = []
        for remote in remotes:
            if self.has_ref(f"refs/remotes/{remote}/{word}"):
                return True
        suffix = "/" + word
        return any(
            name.startswith("refs/remotes/") and name.endswith(suffix)
            for name in self._packed_refs()
        )

    def head_branch(self) -> str | None:
        """The branch HEAD is on (``main`` for ``ref: refs/heads/main``); None when HEAD is
        detached or cannot be read."""
        git_dir = self.git_dir
        if git_dir is None:
            return None
        text = _read_text(os.path.join(git_dir, "HEAD"))
        if text is None or not text.startswith("ref: refs/heads/"):
            return None
        return text[len("ref: refs/heads/") :].strip() or None

    # -- configuration ---------------------------------------------------------------------

    def _config_files(self) -> list[str]:
        files: list[str] = []
        if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
            files.append(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
        global_file = os.environ.get("GIT_CONFIG_GLOBAL")
        if global_file is not None:
            files.append(global_file)
        else:
            xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(self.home, ".config")
            files.append(os.path.join(xdg, "git", "config"))
            files.append(os.path.join(self.home, ".gitconfig"))
        common, git_dir = self.common_dir, self.git_dir
        if common is not None:
            files.append(os.path.join(common, "config"))
        if git_dir is not None:
            files.append(os.path.join(git_dir, "config.worktree"))
        return files

    def _read_config_file(
        self, path: str, depth: int, out: list[tuple[str, str | None]], seen: set[str]
    ) -> None:
        if depth > _MAX_INCLUDE_DEPTH or path in seen:
            return
        text = _read_text(path)
        if text is None:
            if os.path.exists(path):
                self.unreadable.append(path)
            return
        seen.add(path)
        for key, value in parse_git_config(text):
            if value and (
                key == "include.path" or (key.startswith("includeif.") and key.endswith(".path"))
            ):
                target = value
                if target.startswith("~/"):
                    target = os.path.join(self.home, target[2:])
                elif not os.path.isabs(target):
                    target = os.path.join(os.path.dirname(path), target)
                self._read_config_file(target, depth + 1, out, seen)
                continue
            out.append((key, value))
        seen.discard(path)

    def read_config(self, path: str) -> list[tuple[str, str | None]]:
        """The settings of one configuration file, its includes followed (a file the command
        names: ``git -c include.path=FILE``, ``XDG_CONFIG_HOME=DIR git …``)."""
        out: list[tuple[str, str | None]] = []
        self._read_config_file(path, 0, out, set())
        return out

    def config(self) -> tuple[tuple[str, str | None], ...]:
        """Every ``(key, value)`` of the configuration files in git's order (later wins)."""
        if self._config is None:
            out: list[tuple[str, str | None]] = []
            for path in self._config_files():
                self._read_config_file(path, 0, out, set())
            self._config = tuple(out)
        return self._config

    def config_get(self, key: str) -> str | None:
        """The last value of ``key`` (``section.name`` lower-cased; bare keys read as "true")."""
        found: str | None = None
        present = False
        for k, v in self.config():
            if k == key:
                present = True
                found = v
        if present and found is None:
            return "true"
        return found

    def config_get_all(self, key: str) -> list[str]:
        return [("true" if v is None else v) for k, v in self.config() if k == key]
