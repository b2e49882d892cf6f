"""``sessionkit-precommit <hook> [options] [files...]``: dispatch to one hook module."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from sessionkit.errors import EXIT_USAGE
from sessionkit.precommit import HOOKS


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: sessionkit-precommit <hook> [options] [files...]", file=sys.stderr)
        print(f"hooks: {', '.join(sorted(HOOKS))}", file=sys.stderr)
        return 0 if args else EXIT_USAGE
    name, rest = args[0], args[1:]
    module_name = HOOKS.get(name)
    if module_name is None:
        print(
            f"sessionkit-precommit: unknown hook {name!r} (known: {', '.join(sorted(HOOKS))})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    module = importlib.import_module(module_name)
    code: int = module.main(rest)
    return code


if __name__ == "__main__":
    sys.exit(main())
