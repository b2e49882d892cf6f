"""Which tool a command runs, looking through wrappers and one level of package scripts."""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

_TOOLS = {
    "pytest": "pytest",
    "py.test": "pytest",
    "mypy": "mypy",
    "pyright": "pyright",
    "basedpyright": "pyright",
    "ruff": "ruff",
    "tsc": "tsc",
    "vue-tsc": "tsc",
    "eslint": "eslint",
    "vitest": "vitest",
    "jest": "jest",
    "unittest": "unittest",
}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SEPARATORS = re.compile(r"\s*(?:&&|\|\||;|\||\n)\s*")
_PACKAGE_MANAGERS = ("npm", "pnpm", "yarn", "bun")


@dataclass(frozen=True)
class Identified:
    tool: str | None
    via_script: bool = False
    package_manager: str | None = None


def first_segment(text: str) -> list[str]:
    """The argv of the first simple command of a shell string (best effort, never raises)."""
    segment = _SEPARATORS.split(text.strip(), maxsplit=1)[0]
    try:
        return shlex.split(segment)
    except ValueError:
        return segment.split()


def _strip_wrappers(argv: Sequence[str]) -> list[str]:
    words = list(argv)
    while words and _ASSIGNMENT.match(words[0]):
        words.pop(0)
    changed = True
    while changed and words:
        changed = False
        head = os.path.basename(words[0])
        if head in ("uv", "poetry", "pipenv", "pdm", "hatch") and words[1:2] == ["run"]:
            words = words[2:]
            while words and words[0].startswith("-"):
                words.pop(0)
            if head == "hatch" and words and ":" in words[0] and not words[0].startswith("/"):
                # "hatch run env:command": the command is what follows the environment
                rest = words[0].split(":", 1)[1]
                words = ([rest] if rest else []) + words[1:]
            changed = True
        elif re.fullmatch(r"python[0-9.]*(?:\.exe)?", head) and words[1:2] == ["-m"]:
            words = words[2:]
            changed = True
        elif head in ("npx", "bunx"):
            words = [w for w in words[1:] if w not in ("-y", "--yes", "--no-install")]
            changed = True
        elif head == "pnpm" and words[1:2] == ["exec"]:
            words = words[2:]
            changed = True
        elif head == "npm" and words[1:3] == ["exec", "--"]:
            words = words[3:]
            changed = True
    return words


def script_name(words: Sequence[str]) -> tuple[str, str] | None:
    """``(package manager, script)`` for ``npm test``, ``npm run X``, ``pnpm X``, ``yarn X`` ..."""
    if not words:
        return None
    pm = os.path.basename(words[0])
    if pm not in _PACKAGE_MANAGERS:
        return None
    rest = [w for w in words[1:] if not w.startswith("-")]
    if not rest:
        return None
    if rest[0] in ("run", "run-script") and len(rest) > 1:
        return pm, rest[1]
    if pm == "npm" and rest[0] in ("test", "t", "tst"):
        return pm, "test"
    if pm in ("pnpm", "yarn") and rest[0] not in ("exec", "dlx", "install", "add"):
        return pm, rest[0]
    return None


def package_scripts(root: str, cwd: str = ".") -> dict[str, str]:
    try:
        with open(os.path.join(root, cwd, "package.json"), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return {}
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {str(k): str(v) for k, v in scripts.items()}


def _tool_of(words: Sequence[str]) -> str | None:
    if not words:
        return None
    name = os.path.basename(words[0])
    for suffix in (".exe", ".cmd", ".js", ".mjs", ".cjs"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return _TOOLS.get(name)


def identify(argv: Sequence[str] | None, text: str, root: str, cwd: str = ".") -> Identified:
    words = _strip_wrappers(list(argv) if argv else first_segment(text))
    tool = _tool_of(words)
    if tool is not None:
        return Identified(tool)
    script = script_name(words)
    if script is None:
        return Identified(None)
    pm, name = script
    body = package_scripts(root, cwd).get(name)
    if body is None:
        return Identified(None, via_script=True, package_manager=pm)
    inner = _tool_of(_strip_wrappers(first_segment(body)))
    return Identified(inner, via_script=True, package_manager=pm)
