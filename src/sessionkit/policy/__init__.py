"""Policy: the shell-command parser, the destructive-command guard and its policy (guard.md).

The public names of guard.md §13 are re-exported lazily (PEP 562) so that importing
``sessionkit.policy`` costs nothing until a name is used.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.policy.command import Command as Command
    from sessionkit.policy.decision import Decision as Decision
    from sessionkit.policy.decision import Finding as Finding
    from sessionkit.policy.decision import Notice as Notice
    from sessionkit.policy.effects import Effect as Effect
    from sessionkit.policy.effects import command_effects as command_effects
    from sessionkit.policy.guard import Analysis as Analysis
    from sessionkit.policy.guard import Guard as Guard
    from sessionkit.policy.guard import analyse_command as analyse_command
    from sessionkit.policy.guard import check_command as check_command
    from sessionkit.policy.policyfile import Policy as Policy
    from sessionkit.policy.policyfile import PolicyError as PolicyError
    from sessionkit.policy.policyfile import compile_literal_rule as compile_literal_rule
    from sessionkit.policy.policyfile import load_policy as load_policy
    from sessionkit.policy.rules import RULES as RULES
    from sessionkit.policy.rules import Rule as Rule
    from sessionkit.policy.rules import explain as explain
    from sessionkit.policy.shell import parse as parse
    from sessionkit.policy.walk import simple_commands as simple_commands

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
