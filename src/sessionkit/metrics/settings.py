"""The Session Config keys this capability reads (``metrics.*``, ``learnings.*``, ``state.*``).

The config capability parses and validates them; this module only turns whatever typed object
``sessionkit.config.load_config`` returns into small frozen dataclasses, and falls back to the
spec's defaults (metrics.md §8) when no config is available. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class RotationSettings:
    enabled: bool = True
    max_bytes: int = 10 * 1024 * 1024
    keep: int = 10


@dataclass(frozen=True)
class MetricsSettings:
    dir: str = ".orchestrator/metrics"
    fsync: str = "auto"
    max_line_bytes: int = 65_536
    lock_timeout_s: float = 10.0
    backups: int = 3
    abandon_after_hours: float = 24.0
    rotation: Mapping[str, RotationSettings] = field(
        default_factory=lambda: {
            "events": RotationSettings(True, 10 * 1024 * 1024, 10),
            "subagents": RotationSettings(True, 10 * 1024 * 1024, 5),
        }
    )


@dataclass(frozen=True)
class LearningsSettings:
    default_ttl_days: int = 60
    ttl_days: Mapping[str, int] = field(default_factory=dict)
    decay_rate: float = 0.05
    surface_top_n: int = 5
    min_confidence: float = 0.3
    rank_enabled: bool = True
    half_life_days: float = 90.0
    floor_factor: float = 0.1
    sweep_grace_days: int = 14


@dataclass(frozen=True)
class StateSettings:
    dir: str | None = None
    max_bytes: int = 262_144
    lock_timeout_s: float = 10.0
    lock_ttl_seconds: int = 30


@dataclass(frozen=True)
class Settings:
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    learnings: LearningsSettings = field(default_factory=LearningsSettings)
    state: StateSettings = field(default_factory=StateSettings)


_MISSING = object()


def _get(obj: Any, key: str, default: Any) -> Any:
    """The attribute ``key`` (hyphens as underscores) of a typed config, else ``obj[key]``."""
    if obj is None:
        return default
    value = getattr(obj, key.replace("-", "_"), _MISSING)
    if value is _MISSING and isinstance(obj, Mapping):
        value = obj.get(key, obj.get(key.replace("-", "_"), _MISSING))
    if value is _MISSING or (value is None and default is not None):
        return default
    return value


def _rotation(section: Any, name: str, default: RotationSettings) -> RotationSettings:
    node = _get(_get(section, "rotation", None), name, None)
    max_mb = _get(node, "max-mb", None)
    return RotationSettings(
        enabled=bool(_get(node, "enabled", default.enabled)),
        max_bytes=int(float(max_mb) * 1024 * 1024) if max_mb is not None else default.max_bytes,
        keep=int(_get(node, "keep", default.keep)),
    )


def from_config(config: Any) -> Settings:
    """Settings from a ``SessionConfig`` (or any object with ``.metrics`` …); defaults if None."""
    if config is None:
        return Settings()
    m = _get(config, "metrics", None)
    lr = _get(config, "learnings", None)
    st = _get(config, "state", None)
    dm, dl, ds = MetricsSettings(), LearningsSettings(), StateSettings()
    rank = _get(lr, "rank", None)
    return Settings(
        metrics=MetricsSettings(
            dir=str(_get(m, "dir", dm.dir)),
            fsync=str(_get(m, "fsync", dm.fsync)),
            max_line_bytes=int(_get(m, "max-line-bytes", dm.max_line_bytes)),
            lock_timeout_s=int(_get(m, "lock-timeout-ms", 10_000)) / 1000,
            backups=int(_get(m, "backups", dm.backups)),
            abandon_after_hours=float(_get(m, "abandon-after-hours", dm.abandon_after_hours)),
            rotation={
                "events": _rotation(m, "events", dm.rotation["events"]),
                "subagents": _rotation(m, "subagents", dm.rotation["subagents"]),
            },
        ),
        learnings=LearningsSettings(
            default_ttl_days=int(_get(lr, "default-ttl-days", dl.default_ttl_days)),
            ttl_days={str(k): int(v) for k, v in dict(_get(lr, "ttl-days", {}) or {}).items()},
            decay_rate=float(_get(lr, "decay-rate", dl.decay_rate)),
            surface_top_n=int(_get(lr, "surface-top-n", dl.surface_top_n)),
            min_confidence=float(_get(lr, "min-confidence", dl.min_confidence)),
            rank_enabled=bool(_get(rank, "enabled", dl.rank_enabled)),
            half_life_days=float(_get(rank, "half-life-days", dl.half_life_days)),
            floor_factor=float(_get(rank, "floor-factor", dl.floor_factor)),
            sweep_grace_days=int(_get(lr, "sweep-grace-days", dl.sweep_grace_days)),
        ),
        state=StateSettings(
            dir=_get(st, "dir", None),
            max_bytes=int(_get(st, "max-bytes", ds.max_bytes)),
            lock_timeout_s=int(_get(st, "lock-timeout-ms", 10_000)) / 1000,
            lock_ttl_seconds=int(_get(st, "lock-ttl-seconds", ds.lock_ttl_seconds)),
        ),
    )


def load_settings(repo: str) -> Settings:
    """Settings of the repository at ``repo``; the defaults when no config can be loaded.

    The config capability is imported lazily; a missing module or an unreadable config falls
    back to the spec's defaults (the config's own commands report its problems).
    """
    try:
        from sessionkit import config as config_module

        loaded = config_module.load_config(repo)
    except Exception:
        return Settings()
    try:
        return from_config(loaded)
    except (TypeError, ValueError):
        return Settings()
