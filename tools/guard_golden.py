"""Record every guard decision over a fixed command set, to prove a refactor changes none.

Usage::

    python tools/guard_golden.py record  OUT.jsonl   # before the change
    python tools/guard_golden.py compare OUT.jsonl   # after it: exit 1 and list each difference

The command set is every corpus case without a fixture, judged in three working directories
(the root of a scratch repository, a subdirectory of it, a directory outside it), and each
command again inside five wrappers that route it through a nested payload (``bash -c``,
``sudo``, ``$(...)``, ``xargs`` input, a function body). A record holds the whole decision:
action, rule, span and every finding with its targets, so a changed reason or a lost finding
behind the winning one shows too. Performance work on the parser, the walker or the judging
code is behaviour-preserving exactly when ``compare`` reports no difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "policy" / "corpus.jsonl"
WRAPPERS = (
    "{cmd}",
    "bash -c {quoted}",
    "sudo {cmd}",
    "echo $({cmd})",
    "f() {{ {cmd}\n}}; f",
    "true && {cmd} || false",
)


def scratch_repo(base: Path) -> Path:
    repo = base / "repo"
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "README.md").write_text("# golden\n")
    (repo / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "golden",
        "GIT_AUTHOR_EMAIL": "golden@example.invalid",
        "GIT_COMMITTER_NAME": "golden",
        "GIT_COMMITTER_EMAIL": "golden@example.invalid",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "golden"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    (base / "outside").mkdir()
    return repo


def commands() -> list[str]:
    cases = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    return [c["cmd"] for c in cases if not c.get("fixture")]


def decisions(base: Path) -> Iterator[dict[str, Any]]:
    from sessionkit.policy.guard import check_command

    repo = scratch_repo(base)
    cwds = {"root": repo, "sub": repo / "src" / "pkg", "outside": base / "outside"}
    for command in commands():
        for wrapper in WRAPPERS:
            text = wrapper.format(cmd=command, quoted=shlex.quote(command))
            cwd_names = cwds if wrapper == "{cmd}" else {"root": repo}
            for name, cwd in cwd_names.items():
                decision = check_command(text, cwd=str(cwd))
                record = decision.to_dict()
                for key in ("cwd", "repo_root", "policy_digest"):
                    record.pop(key, None)
                yield {"cwd": name, **record}


def _line(record: dict[str, Any], base: Path) -> str:
    # the scratch directory's name differs per run; paths under it are compared relative to it
    return json.dumps(record, sort_keys=True).replace(str(base.resolve()), "<base>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("record", "compare"))
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    base = Path(tempfile.mkdtemp(prefix="sessionkit-golden-"))
    try:
        lines = [_line(record, base) for record in decisions(base)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.mode == "record":
        args.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"golden: recorded {len(lines)} decisions in {args.path}")
        return 0

    # keyed by (command, cwd): cases added to or removed from the corpus since the recording
    # are counted apart, not compared
    def keyed(records: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for line in records:
            record = json.loads(line)
            out[json.dumps([record["command"], record["cwd"]])] = line
        return out

    was, now = keyed(args.path.read_text(encoding="utf-8").splitlines()), keyed(lines)
    differences = [key for key in was if key in now and was[key] != now[key]]
    for key in differences[:5]:
        print(f"golden: {key} differs\n  was {was[key]}\n  now {now[key]}")
    added, removed = len(now.keys() - was.keys()), len(was.keys() - now.keys())
    if added or removed:
        print(f"golden: {added} decisions new since the recording, {removed} gone (not compared)")
    if differences:
        print(f"golden: {len(differences)} of {len(now)} decisions differ")
        return 1
    print(f"golden: identical ({len(now) - added} decisions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
