"""Record real tool outputs on the fixture project into ``fixtures/<parser>/<tool>-<version>/``.

Run ``.venv/bin/python tests/gates/record_fixtures.py`` after a tool upgrade: new versions add
directories instead of replacing old ones. The absolute project root in outputs is stored as
``{ROOT}`` so the parser tests can place the recording anywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RECORDINGS = [
    # parser id, tool, argv (relative to BIN for the executable), files to capture
    ("ruff-json", "ruff", ["ruff", "check", "--no-fix", "--output-format=json", "."]),
    ("ruff-text", "ruff", ["ruff", "check", "--no-fix", "--output-format=concise", "."]),
    ("ruff-text-full", "ruff", ["ruff", "check", "--no-fix", "--output-format=full", "."]),
    (
        "mypy-text",
        "mypy",
        ["mypy", "--no-incremental", "--show-column-numbers", "--show-error-end"],
    ),
    ("mypy-json", "mypy", ["mypy", "--no-incremental", "--output", "json"]),
    ("pytest-text", "pytest", ["pytest", "-q", "-p", "no:cacheprovider", "-rfE"]),
    (
        "junit",
        "pytest",
        [
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--junitxml=junit.xml",
            "-o",
            "junit_family=xunit1",
        ],
    ),
]


def version(tool: str) -> str:
    out = subprocess.run(
        [str(BIN / tool), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"(\d+\.\d+(?:\.\d+)?)", out.stdout + out.stderr)
    return match.group(1) if match else "unknown"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(HERE / "fixture_project", root)
        for path in sorted(root.rglob("*.txt")):
            path.rename(path.with_suffix(""))
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("FORCE_COLOR", None)
        for parser, tool, argv in RECORDINGS:
            proc = subprocess.run(
                [str(BIN / argv[0]), *argv[1:]],
                cwd=root,
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            target = HERE / "fixtures" / parser / f"{tool}-{version(tool)}"
            target.mkdir(parents=True, exist_ok=True)
            real = os.path.realpath(root)

            def scrub(text: str, real: str = real) -> str:
                return text.replace(real, "{ROOT}").replace(str(root), "{ROOT}")

            (target / "stdout.txt").write_text(scrub(proc.stdout))
            (target / "stderr.txt").write_text(scrub(proc.stderr))
            meta = {"argv": argv, "exit": proc.returncode}
            if (root / "junit.xml").exists():
                (target / "report.xml").write_text(scrub((root / "junit.xml").read_text()))
                (root / "junit.xml").unlink()
            (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
            print(f"recorded {target.relative_to(HERE)} (exit {proc.returncode})")


if __name__ == "__main__":
    main()
