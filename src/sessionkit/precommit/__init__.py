"""pre-commit entry points: ``sessionkit-precommit <hook>``, one module per hook.

Each hook module exposes ``main(argv) -> int`` and uses ``argparse`` only (no click), so a
hook process imports as little as possible.
"""

from __future__ import annotations

# Hook name (as given to ``sessionkit-precommit``) -> module under sessionkit.precommit.
HOOKS: dict[str, str] = {
    "config": "sessionkit.precommit.config",
    "metrics": "sessionkit.precommit.metrics",
}

# Ids of the hooks behind ``sessionkit check``'s default set that exist in this version.
CORE_HOOK_IDS: tuple[str, ...] = ("sessionkit-config",)
