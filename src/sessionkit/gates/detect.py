"""Auto-detection of test, typecheck and lint commands (spec §3.4).

Only explicit signals count (a tool's configuration, or test files for pytest); the result is
always an argv command, never a shell string, and detection never installs anything.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]

NPM_PLACEHOLDER = 'echo "Error: no test specified" && exit 1'
ESLINT_CONFIGS = tuple(
    [f"eslint.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts")]
    + [f".eslintrc{ext}" for ext in ("", ".js", ".cjs", ".json", ".yaml", ".yml")]
)


@dataclass(frozen=True)
class Detected:
    kind: str
    language: str  # "python" or "javascript"
    argv: tuple[str, ...]
    reason: str  # "auto:python/pytest because ..."
    source_ref: str  # "auto:python/pytest"
    file_args: tuple[str, ...] = ()  # argv prefix for file-scoped variants (npm: "--")


@dataclass(frozen=True)
class Detection:
    checks: tuple[Detected, ...]
    warnings: tuple[str, ...]


def find_python_tool(root: str, tool: str, environ: dict[str, str] | None = None) -> str:
    """The tool's executable, first hit of: $VIRTUAL_ENV, .venv, venv, this interpreter, PATH."""
    env = os.environ if environ is None else environ
    scripts, exe = ("Scripts", f"{tool}.exe") if sys.platform == "win32" else ("bin", tool)
    venv = env.get("VIRTUAL_ENV")
    if venv and os.access(os.path.join(venv, scripts, exe), os.X_OK):
        return os.path.join(venv, scripts, exe)
    for local in (".venv", "venv"):
        if os.access(os.path.join(root, local, scripts, exe), os.X_OK):
            return f"{local}/{scripts}/{exe}"
    beside = os.path.join(os.path.dirname(sys.executable), exe)
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which(tool, path=env.get("PATH")) or tool


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data: dict[str, Any] = tomllib.load(f)
            return data
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _ini_has(path: str, section: str) -> bool:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return False
    return parser.has_section(section)


def _ini_options(path: str, section: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return {}
    return dict(parser.items(section)) if parser.has_section(section) else {}


def _exists(root: str, *names: str) -> str | None:
    for name in names:
        if os.path.exists(os.path.join(root, name)):
            return name
    return None


def _is_test_file(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base.endswith(".py") and (base.startswith("test_") or base.endswith("_test.py"))


def _python(root: str, tracked: Sequence[str], warnings: list[str]) -> list[Detected]:
    if not _exists(root, "pyproject.toml", "setup.cfg", "setup.py"):
        return []
    pyproject = _read_toml(os.path.join(root, "pyproject.toml"))
    tool_cfg = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    setup_cfg = os.path.join(root, "setup.cfg")
    found: list[Detected] = []

    pytest_reason = None
    if "pytest" in tool_cfg and "ini_options" in tool_cfg.get("pytest", {}):
        pytest_reason = "[tool.pytest.ini_options] in pyproject.toml"
    elif _exists(root, "pytest.ini"):
        pytest_reason = "pytest.ini"
    elif os.path.exists(setup_cfg) and _ini_has(setup_cfg, "tool:pytest"):
        pytest_reason = "[tool:pytest] in setup.cfg"
    elif _exists(root, "tox.ini") and _ini_has(os.path.join(root, "tox.ini"), "pytest"):
        pytest_reason = "[pytest] in tox.ini"
    elif _exists(root, "conftest.py"):
        pytest_reason = "conftest.py"
    else:
        first = next((p for p in tracked if _is_test_file(p)), None)
        if first:
            pytest_reason = f"test file {first}"
    if pytest_reason:
        found.append(
            Detected(
                "test",
                "python",
                (find_python_tool(root, "pytest"),),
                f"auto:python/pytest because {pytest_reason}",
                "auto:python/pytest",
            )
        )

    mypy_reason = None
    mypy_opts: dict[str, Any] = {}
    if "mypy" in tool_cfg:
        mypy_reason, mypy_opts = "[tool.mypy] in pyproject.toml", dict(tool_cfg["mypy"])
    else:
        for name in ("mypy.ini", ".mypy.ini"):
            if _exists(root, name):
                mypy_reason = name
                mypy_opts = _ini_options(os.path.join(root, name), "mypy")
                break
        if mypy_reason is None and os.path.exists(setup_cfg) and _ini_has(setup_cfg, "mypy"):
            mypy_reason, mypy_opts = "[mypy] in setup.cfg", _ini_options(setup_cfg, "mypy")
    pyright_reason = None
    if _exists(root, "pyrightconfig.json"):
        pyright_reason = "pyrightconfig.json"
    elif "pyright" in tool_cfg:
        pyright_reason = "[tool.pyright] in pyproject.toml"
    if mypy_reason:
        mypy = find_python_tool(root, "mypy")
        argv: tuple[str, ...] | None = None
        if any(k in mypy_opts for k in ("files", "packages", "modules")):
            argv = (mypy,)
        elif any(p.startswith("src/") and p.endswith(".py") for p in tracked):
            argv = (mypy, "src")
        else:
            packages = sorted(
                {
                    p.split("/", 1)[0]
                    for p in tracked
                    if p.count("/") == 1 and p.endswith("/__init__.py")
                }
            )
            if packages:
                argv = (mypy, *packages)
        if argv is None:
            warnings.append(
                "mypy is configured but has no targets; set `files` in [tool.mypy] or "
                "typecheck-command"
            )
        else:
            found.append(
                Detected(
                    "typecheck",
                    "python",
                    argv,
                    f"auto:python/mypy because {mypy_reason}",
                    "auto:python/mypy",
                )
            )
            if pyright_reason:
                warnings.append(
                    "both mypy and pyright are configured; mypy was chosen. Declare pyright as "
                    "an extra check in a version-2 policy file"
                )
    elif pyright_reason:
        found.append(
            Detected(
                "typecheck",
                "python",
                (find_python_tool(root, "pyright"), "--outputjson"),
                f"auto:python/pyright because {pyright_reason}",
                "auto:python/pyright",
            )
        )

    ruff_reason = None
    if "ruff" in tool_cfg:
        ruff_reason = "[tool.ruff] in pyproject.toml"
    else:
        ruff_reason = _exists(root, "ruff.toml", ".ruff.toml")
    if ruff_reason:
        found.append(
            Detected(
                "lint",
                "python",
                (find_python_tool(root, "ruff"), "check", "--no-fix", "--output-format=json", "."),
                f"auto:python/ruff because {ruff_reason}",
                "auto:python/ruff",
            )
        )
    return found


def package_manager(root: str, package: dict[str, Any]) -> str:
    declared = package.get("packageManager")
    if isinstance(declared, str) and declared:
        return declared.split("@", 1)[0]
    if _exists(root, "pnpm-lock.yaml"):
        return "pnpm"
    if _exists(root, "yarn.lock"):
        return "yarn"
    if _exists(root, "bun.lock", "bun.lockb"):
        return "bun"
    return "npm"


def _run_script(pm: str, script: str) -> tuple[str, ...]:
    if pm == "npm" and script == "test":
        return ("npm", "test")
    if pm in ("pnpm", "yarn") and script == "test":
        return (pm, "test")
    if pm == "bun":
        return ("bun", "run", script)
    return (pm, "run", script)


def _node(root: str) -> list[Detected]:
    try:
        with open(os.path.join(root, "package.json"), encoding="utf-8") as f:
            package = json.load(f)
    except (OSError, ValueError):
        return []
    if not isinstance(package, dict):
        return []
    raw_scripts = package.get("scripts")
    scripts: dict[str, Any] = raw_scripts if isinstance(raw_scripts, dict) else {}
    pm = package_manager(root, package)
    found: list[Detected] = []
    test = scripts.get("test")
    if isinstance(test, str) and test.strip() and test.strip() != NPM_PLACEHOLDER:
        argv = _run_script(pm, "test")
        found.append(
            Detected(
                "test",
                "javascript",
                argv,
                f"auto:node/{pm}-test because scripts.test in package.json",
                f"auto:node/{pm}-test",
                file_args=("--",) if pm == "npm" else (),
            )
        )
    for script in ("typecheck", "type-check"):
        if isinstance(scripts.get(script), str):
            found.append(
                Detected(
                    "typecheck",
                    "javascript",
                    _run_script(pm, script),
                    f"auto:node/{script} because scripts.{script} in package.json",
                    f"auto:node/{script}",
                )
            )
            break
    else:
        tsc = os.path.join("node_modules", ".bin", "tsc")
        if _exists(root, "tsconfig.json") and os.path.exists(os.path.join(root, tsc)):
            found.append(
                Detected(
                    "typecheck",
                    "javascript",
                    ("node_modules/.bin/tsc", "--noEmit", "--pretty", "false"),
                    "auto:node/tsc because tsconfig.json and node_modules/.bin/tsc",
                    "auto:node/tsc",
                )
            )
    if isinstance(scripts.get("lint"), str):
        found.append(
            Detected(
                "lint",
                "javascript",
                _run_script(pm, "lint"),
                "auto:node/lint because scripts.lint in package.json",
                "auto:node/lint",
            )
        )
    else:
        config = _exists(root, *ESLINT_CONFIGS)
        if config and os.path.exists(os.path.join(root, "node_modules", ".bin", "eslint")):
            found.append(
                Detected(
                    "lint",
                    "javascript",
                    ("node_modules/.bin/eslint", "--format", "json", "."),
                    f"auto:node/eslint because {config} and node_modules/.bin/eslint",
                    "auto:node/eslint",
                )
            )
    return found


def detect(root: str, tracked: Sequence[str]) -> Detection:
    """Every detected check of the project at ``root``; ``tracked`` are its tracked files."""
    warnings: list[str] = []
    found = _python(root, tracked, warnings) + _node(root)
    return Detection(tuple(found), tuple(warnings))
