"""The child environment of a gate check (spec §5.2): colour off, git hook variables gone."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

SET = {
    "NO_COLOR": "1",
    "PY_COLORS": "0",
    "CLICOLOR": "0",
    "npm_config_color": "false",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONUTF8": "1",
    "npm_config_loglevel": "notice",
}
# several tools treat any value of these, even "0", as "force colour"
REMOVE = (
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "MYPY_FORCE_COLOR",
    "TTY_COMPATIBLE",
    # inside a git hook these point at the outer repository
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
)


def gate_depth(environ: Mapping[str, str] | None = None) -> int:
    value = (environ if environ is not None else os.environ).get("SESSIONKIT_GATE_DEPTH", "0")
    return int(value) if value.isdigit() else 0


def child_env(
    *,
    check: str,
    variant: str,
    report_dir: str,
    extra: Mapping[str, str],
    junit_inject_path: str | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for key in REMOVE:
        env.pop(key, None)
    env.update(SET)
    env["SESSIONKIT_GATE"] = "1"
    env["SESSIONKIT_GATE_CHECK"] = check
    env["SESSIONKIT_GATE_VARIANT"] = variant
    env["SESSIONKIT_GATE_DEPTH"] = str(gate_depth(base) + 1)
    env["SESSIONKIT_REPORT_DIR"] = report_dir
    if junit_inject_path is not None:
        # pytest splits PYTEST_ADDOPTS with shell rules, hence the quoting
        addition = f"--junitxml={shlex.quote(junit_inject_path)} -o junit_family=xunit1"
        prior = env.get("PYTEST_ADDOPTS", "").strip()
        env["PYTEST_ADDOPTS"] = f"{prior} {addition}".strip()
    env.update(extra)
    return env
