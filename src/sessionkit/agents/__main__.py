"""``python -m sessionkit.agents``: the same entry point as ``sessionkit-hook`` (§3.1)."""

from __future__ import annotations

from sessionkit.agents._bootstrap import main

if __name__ == "__main__":
    raise SystemExit(main())
