"""Install the pinned test clients into the running venv and record what is available.

Standard library only and idempotent; run by ``make clients``. Writes ``.tools/clients.json``:
``{"<client>": {"status": "installed" | "unavailable", "version": ..., "path": ..., "reason": ...}}``.
A pip install failure is fatal (exit 1): pip clients are always installable where pip works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS = os.path.join(ROOT, "requirements", "test-clients.txt")
OUT = os.path.join(ROOT, ".tools", "clients.json")


def pinned() -> dict[str, str]:
    pins = {}
    with open(REQUIREMENTS) as f:
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
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(clients, f, indent=2, sort_keys=True)
        f.write("\n")
    for name, info in sorted(clients.items()):
        print(f"client {name}: {info['status']} {info['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
