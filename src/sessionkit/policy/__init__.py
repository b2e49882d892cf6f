"""Policy: the shell-command parser, the destructive-command guard and its policy (guard.md).

The public names of guard.md §13 are re-exported lazily (PEP 562) so that importing
``sessionkit.policy`` costs nothing until a name is used.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.policy.decision import Decision as Decision
    from sessionkit.policy.decision import Finding as Finding
    from sessionkit.policy.decision import Notice as Notice

# name -> module that defines it; resolved on first attribute access.
_LAZY = {
    "Decision": "sessionkit.policy.decision",
    "Finding": "sessionkit.policy.decision",
    "Notice": "sessionkit.policy.decision",
    "Guard": "sessionkit.policy.guard",
    "Analysis": "sessionkit.policy.guard",
    "check_command": "sessionkit.policy.guard",
    "analyse_command": "sessionkit.policy.guard",
    "RULES": "sessionkit.policy.rules",
    "Rule": "sessionkit.policy.rules",
    "explain": "sessionkit.policy.rules",
    "Command": "sessionkit.policy.command",
    "parse": "sessionkit.policy.shell",
    "simple_commands": "sessionkit.policy.walk",
    "command_effects": "sessionkit.policy.effects",
    "Effect": "sessionkit.policy.effects",
    "load_policy": "sessionkit.policy.policyfile",
    "Policy": "sessionkit.policy.policyfile",
    "PolicyError": "sessionkit.policy.policyfile",
    "compile_literal_rule": "sessionkit.policy.policyfile",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sessionkit.policy' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
