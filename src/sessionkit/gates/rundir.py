"""The run directory ``.orchestrator/gates/runs/<run_id>/``, retention, and atomic writes."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping
from typing import Any

from sessionkit import git
from sessionkit.gates.errors import GateEnvironmentError

GATES_DIR = ".orchestrator/gates"


def new_run_id(variant: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{stamp}-{variant}-{secrets.token_hex(3)}"


def atomic_write(path: str, data: bytes) -> None:
    """Write via a temporary file in the same directory and ``os.replace``."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: str, document: Mapping[str, Any]) -> None:
    atomic_write(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())


def ensure_ignored(root: str) -> None:
    """``.orchestrator/gates/`` must never be committed: make it ignore itself if needed."""
    gates = os.path.join(root, GATES_DIR)
    os.makedirs(gates, exist_ok=True)
    proc = git.run(["check-ignore", "-q", GATES_DIR + "/"], cwd=root, check=False)
    if proc.returncode != 0:
        with open(os.path.join(gates, ".gitignore"), "w", encoding="utf-8") as f:
            f.write("*\n")


def prune_runs(root: str, keep: int, protect: str | None = None) -> None:
    runs = os.path.join(root, GATES_DIR, "runs")
    try:
        names = sorted(os.listdir(runs))
    except OSError:
        return
    for name in names[: max(0, len(names) - keep)]:
        if name != protect:
            shutil.rmtree(os.path.join(runs, name), ignore_errors=True)


def create(root: str, run_id: str, keep_runs: int) -> str:
    """The new run directory; not writable → GateEnvironmentError (exit 3, §8.3)."""
    path = os.path.join(root, GATES_DIR, "runs", run_id)
    try:
        ensure_ignored(root)
        prune_runs(root, max(keep_runs - 1, 0))
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise _not_writable(exc) from exc
    return path


def write_result(paths: list[str], document: Mapping[str, Any]) -> None:
    """``result.json`` and ``latest.json``; not writable → GateEnvironmentError (exit 3)."""
    try:
        for path in paths:
            write_json(path, document)
    except OSError as exc:
        raise _not_writable(exc) from exc


def _not_writable(exc: OSError) -> GateEnvironmentError:
    where = exc.filename or GATES_DIR
    return GateEnvironmentError(
        f"the gate run directory is not writable: {where}: {exc.strerror or exc}",
        hint=f"{GATES_DIR}/ must be a writable directory (it is ignored by git)",
    )
