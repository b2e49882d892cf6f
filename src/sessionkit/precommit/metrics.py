"""``sessionkit-precommit metrics``: staged metrics files and STATE.md (hook ``sessionkit-metrics``).

Diff-proportional: only the lines a commit adds are validated, and lines it removes or changes
must be sanctioned by the store's rules (metrics.md §6.2). The staged blob is checked, not the
working tree, so a partially staged file is judged by what will be committed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, EXIT_OK


def _blob(spec: str) -> bytes | None:
    from sessionkit import git

    proc = git.run(["cat-file", "blob", spec], check=False)
    return proc.stdout if proc.returncode == 0 else None


def _check_state(path: str, data: bytes) -> list[str]:
    from sessionkit import state

    try:
        parsed = state.parse(data.decode("utf-8"))
    except UnicodeDecodeError:
        return [f"{path}:1: state-frontmatter-invalid STATE.md is not UTF-8"]
    except state.StateParseError as exc:
        line = exc.line or 1
        message = exc.message.split(": ", 1)[-1]
        return [f"{path}:{line}: state-frontmatter-invalid {message}"]
    problem = state.validate_frontmatter(parsed.frontmatter)
    return [f"{path}:1: state-frontmatter-invalid {problem}"] if problem else []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sessionkit-precommit metrics", description=__doc__)
    parser.add_argument("files", nargs="*", help="staged files (pre-commit passes them)")
    args = parser.parse_args(argv)
    from sessionkit.errors import SessionkitError
    from sessionkit.metrics.maintenance import check_staged
    from sessionkit.metrics.streams import stream_of_file

    problems: list[str] = []
    try:
        for path in args.files:
            rel = path.replace(os.sep, "/")
            new = _blob(f":{rel}")
            if new is None:
                continue  # deleted or not staged
            if os.path.basename(rel) == "STATE.md":
                problems.extend(_check_state(rel, new))
                continue
            if stream_of_file(os.path.basename(rel)) is None:
                continue
            old = _blob(f"HEAD:{rel}")
            archive = _blob(
                f":{os.path.dirname(rel) + '/' if os.path.dirname(rel) else ''}learnings-archive.jsonl"
            )
            for finding in check_staged(rel, old, new, archive_new=archive):
                problems.append(f"{rel}:{finding.line or 1}: {finding.code} {finding.message}")
    except SessionkitError as exc:
        print(f"sessionkit-metrics: {exc.message}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    for problem in problems:
        print(problem)
    return EXIT_FINDINGS if problems else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
