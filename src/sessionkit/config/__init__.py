"""Session Config: find, parse, type and validate the ``## Session Config`` section.

The public names are resolved lazily (PEP 562) so that ``import sessionkit.config`` imports
nothing heavy; ``load_config`` itself stays on the standard library until a cache miss.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.config._keys import KEYS as KEYS
    from sessionkit.config._model import SessionConfig as SessionConfig
    from sessionkit.config.api import load_config as load_config
    from sessionkit.config.api import load_config_text as load_config_text
    from sessionkit.config.api import read_cached_config as read_cached_config
    from sessionkit.config.diagnostics import Diagnostic as Diagnostic
    from sessionkit.config.policyfiles import register_policy_validator as register_policy_validator
    from sessionkit.config.policyfiles import validate_policy_files as validate_policy_files
    from sessionkit.config.prior_art import to_prior_art as to_prior_art
    from sessionkit.config.render import render_section as render_section
    from sessionkit.config.render import render_starter as render_starter
    from sessionkit.config.report import ConfigError as ConfigError
    from sessionkit.config.report import LoadReport as LoadReport
    from sessionkit.config.report import Source as Source

_LAZY = {
    "load_config": "sessionkit.config.api",
    "load_config_text": "sessionkit.config.api",
    "read_cached_config": "sessionkit.config.api",
    "SessionConfig": "sessionkit.config._model",
    "KEYS": "sessionkit.config._keys",
    "Diagnostic": "sessionkit.config.diagnostics",
    "ConfigError": "sessionkit.config.report",
    "LoadReport": "sessionkit.config.report",
    "Source": "sessionkit.config.report",
    "validate_policy_files": "sessionkit.config.policyfiles",
    "register_policy_validator": "sessionkit.config.policyfiles",
    "to_prior_art": "sessionkit.config.prior_art",
    "render_section": "sessionkit.config.render",
    "render_starter": "sessionkit.config.render",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'sessionkit.config' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
