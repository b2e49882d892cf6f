"""sessionkit: make AI coding agents safe and measurable in a shared git repository.

The public API is re-exported lazily so that ``import sessionkit`` stays cheap: nothing
heavier than this module is imported until a name is used.
"""

from __future__ import annotations

from sessionkit._version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.config import ConfigError as ConfigError
    from sessionkit.config import SessionConfig as SessionConfig
    from sessionkit.config import load_config as load_config
    from sessionkit.config import load_config_text as load_config_text
    from sessionkit.config import read_cached_config as read_cached_config
    from sessionkit.errors import SessionkitError as SessionkitError
    from sessionkit.gates import GateResult as GateResult
    from sessionkit.gates import run_gates as run_gates
    from sessionkit.metrics import MetricsStore as MetricsStore
    from sessionkit.policy import Decision as Decision
    from sessionkit.policy import check_command as check_command

# name -> module that defines it; resolved on first attribute access (PEP 562).
_LAZY = {
    "load_config": "sessionkit.config",
    "load_config_text": "sessionkit.config",
    "read_cached_config": "sessionkit.config",
    "SessionConfig": "sessionkit.config",
    "ConfigError": "sessionkit.config",
    "check_command": "sessionkit.policy",
    "Decision": "sessionkit.policy",
    "SessionkitError": "sessionkit.errors",
    "run_gates": "sessionkit.gates",
    "GateResult": "sessionkit.gates",
    "MetricsStore": "sessionkit.metrics",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sessionkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
