"""Install the pinned test clients into the running venv and record what is available.

Standard library only and idempotent; run by ``make clients``. Writes ``.tools/clients.json``:
``{"<client>": {"status": "installed" | "unavailable", "version": ..., "path": ..., "reason": ...}}``.
A pip install failure is fatal (exit 1): pip clients are always installable where pip works.
npm clients (``requirements/test-clients-npm.txt``) go to ``.tools/npm``; without npm, or when
the install fails, they are recorded as unavailable with the reason, and the tests that need
them skip with it (or fail under ``CI=true``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS = os.path.join(ROOT, "requirements", "test-clients.txt")
NPM_REQUIREMENTS = os.path.join(ROOT, "requirements", "test-clients-npm.txt")
NPM_PREFIX = os.path.join(ROOT, ".tools", "npm")
OUT = os.path.join(ROOT, ".tools", "clients.json")


def pinned(path: str = REQUIREMENTS) -> dict[str, str]:
    pins = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                pins[name.strip()] = version.strip()
    return pins


def main() -> int:
    pins = pinned()
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "-r", REQUIREMENTS], check=False
    )
    if proc.returncode != 0:
        print("install_test_clients: pip install of the test clients failed", file=sys.stderr)
        return 1
    bindir = os.path.dirname(sys.executable)
    clients: dict[str, dict[str, str | None]] = {}
    for name, version in pins.items():
        exe = os.path.join(bindir, name)
        if not os.path.exists(exe):
            exe = shutil.which(name) or ""
        clients[name] = {
            "status": "installed" if exe else "unavailable",
            "version": version,
            "path": exe or None,
            "reason": None if exe else f"{name} executable not found after install",
        }
    clients.update(npm_clients())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(clients, f, indent=2, sort_keys=True)
        f.write("\n")
    for name, info in sorted(clients.items()):
        print(f"client {name}: {info['status']} {info['version']}")
    return 0


def _npm_executable(name: str) -> str:
    """Where an npm client's program lands below ``.tools/npm``."""
    modules = os.path.join(NPM_PREFIX, "node_modules")
    if name == "@microsoft/sarif-multitool":
        # the platform package's own binary: the npm wrapper re-parses its arguments through a
        # shell, which splits ``--rule-kind "Gh;Sarif"`` at the semicolon (gates.md §13)
        platform = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, "")
        program = "Sarif.Multitool.exe" if sys.platform == "win32" else "Sarif.Multitool"
        return os.path.join(modules, "@microsoft", f"sarif-multitool-{platform}", program)
    return os.path.join(modules, ".bin", name.rsplit("/", 1)[-1])


def npm_clients() -> dict[str, dict[str, str | None]]:
    pins = pinned(NPM_REQUIREMENTS)
    npm = shutil.which("npm")
    reason = None if npm else "npm not found on PATH"
    if npm and pins:
        os.makedirs(NPM_PREFIX, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in pins.items()]
        proc = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                NPM_PREFIX,
                "--no-audit",
                "--no-fund",
                "--no-save",
                *specs,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
            reason = f"npm install failed: {tail[0] if tail else proc.returncode}"
    out: dict[str, dict[str, str | None]] = {}
    for name, version in pins.items():
        exe = _npm_executable(name) if reason is None else ""
        if exe and not os.access(exe, os.X_OK):
            exe = ""
        out[name] = {
            "status": "installed" if exe else "unavailable",
            "version": version,
            "path": exe or None,
            "reason": None if exe else reason or f"{name} executable not found after install",
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
