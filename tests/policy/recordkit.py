"""Hand-built ``Command`` records and real repositories for the analyser and path tests.

The analysers see only records (guard.md §7), so their tests build records directly: every
word is a known, quoted literal unless it is given as a ``Value`` (globs, unknown pieces,
symbolic locations). The end-to-end tests in ``test_guard.py`` go through the real walker.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from sessionkit.policy.analysers import Context, analyse, canonical_name
from sessionkit.policy.command import Command, Stdin
from sessionkit.policy.decision import Finding
from sessionkit.policy.paths import PathConfig, PathJudge
from sessionkit.policy.repofacts import RepoFacts
from sessionkit.policy.values import Lit, Producer, Sym, Unknown, Value, lit


def glob(text: str) -> Value:
    """An unquoted word with glob characters (a pattern)."""
    return Value((Lit(text),), pattern=True)


def var(name: str, *, may_be_empty: bool = True, producer: Producer | None = None) -> Unknown:
    return Unknown(name, may_be_empty, producer)


def word(*pieces: str | Unknown | Sym, pattern: bool = False) -> Value:
    """A word from literal text, unknown pieces and symbolic locations."""
    parts = tuple(Lit(p, True) if isinstance(p, str) else p for p in pieces)
    return Value(parts, pattern=pattern)


def record(
    words: Sequence[str | Value],
    cwd: str | Path | Value,
    *,
    env: Iterable[tuple[str, Value]] = (),
    stdin: Stdin | None = None,
    via: Sequence[tuple[str, tuple[int, int], str]] = (),
    git_config: Sequence[tuple[str, Value | None]] = (),
    dry: bool = False,
) -> Command:
    argv = tuple(lit(w, True) if isinstance(w, str) else w for w in words)
    first = argv[0].text
    name = canonical_name(first) if first is not None else None
    cwd_value = cwd if isinstance(cwd, Value) else lit(str(cwd), True)
    text = " ".join(w if isinstance(w, str) else str(w) for w in words)
    return Command(
        argv,
        name,
        env=tuple(env),
        stdin=stdin if stdin is not None else Stdin(),
        cwd=(cwd_value,),
        via=tuple(via),
        span=(0, len(text)),
        text=text,
        git_config=tuple(git_config),
        dry=dry,
    )


def context(
    cwd: str | Path, *, home: str | Path | None = None, config: PathConfig | None = None
) -> Context:
    home_dir = str(home) if home is not None else os.path.expanduser("~")
    facts = RepoFacts(str(cwd), home=home_dir)
    return Context(facts, PathJudge(facts, home=home_dir, config=config))


def findings(words: Sequence[str | Value], cwd: str | Path, **kwargs: object) -> list[Finding]:
    home = kwargs.pop("home", None)
    ctx = context(cwd, home=home)  # type: ignore[arg-type]
    return analyse(record(words, cwd, **kwargs), ctx)  # type: ignore[arg-type]


def rules(
    words: Sequence[str | Value] | str, cwd: str | Path, **kwargs: object
) -> list[tuple[str, str]]:
    """``(rule_id, action)`` of every finding for a command given as words or a plain string."""
    if isinstance(words, str):
        words = words.split()
    return [(f.rule_id, f.action) for f in findings(words, cwd, **kwargs)]


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def build_repo(base: Path) -> Path:
    """``base/repo``: files, a branch, a tag, a linked worktree and a local bare remote."""
    repo = base / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('app')\n")
    (repo / "README.md").write_text("readme\n")
    (repo / "README").write_text("readme\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text("guide\n")
    (repo / ".gitignore").write_text(".env\nbuild/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    git(repo, "branch", "feature")
    git(repo, "tag", "v1")
    (repo / "build").mkdir()
    (repo / "build" / "out.txt").write_text("built\n")
    git(repo, "worktree", "add", "-q", str(base / "wt-session-2"))
    remote = base / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "HEAD:refs/heads/main", "feature")
    git(repo, "fetch", "-q", "origin")
    return repo
