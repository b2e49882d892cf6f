"""``load_config``, ``read_cached_config`` and ``load_config_text`` (config.md §9.1).

Hot path: standard library only. A memo hit costs one ``os.stat`` per consulted file plus the
``HEAD`` fingerprint; a cache hit adds one JSON read; only a miss imports the pipeline.
"""

from __future__ import annotations

import os

from sessionkit.config._fast import (
    Location,
    env_values,
    find_root,
    head_fingerprint,
    read_cache,
    sources_fresh,
)
from sessionkit.config.diagnostics import ERROR, WARNING, make
from sessionkit.config.report import ConfigError, LoadReport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from sessionkit.config._model import SessionConfig

# (root, env values) -> (sources, head fingerprint, written_at_ns, configuration)
_MEMO: dict[tuple[str, tuple[str | None, ...]], tuple[Any, dict[str, Any], int, SessionConfig]] = {}


def load_config(
    path: str | os.PathLike[str] = ".",
    *,
    strict: bool = False,
    ref: str | None = None,
    use_cache: bool = True,
    environ: Mapping[str, str] | None = None,
) -> SessionConfig:
    """The typed, validated Session Config of the repository containing ``path``.

    Never raises for content problems: invalid values take their defaults and are reported
    in ``cfg.report``. Raises :class:`ConfigError` when ``strict`` and an error or warning
    was reported (``kind="invalid"``), when the file named by ``path`` is missing or
    unreadable (``"io"``), when ``ref`` does not resolve (``"ref"``) or is not a valid
    revision (``"usage"``).
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    if ref is not None:
        _check_ref(ref)
    try:
        config = _load(os.fspath(path), env, ref, use_cache)
    except ConfigError:
        raise
    except Exception as exc:  # never a traceback (§15): defaults plus config.internal
        config = _internal_failure(os.fspath(path), exc)
    if strict:
        report = config.report
        problems = [d for d in report.diagnostics if d.severity in (ERROR, WARNING)]
        if problems:
            raise ConfigError("invalid", problems, report)
    return config


def _check_ref(ref: str) -> None:
    from sessionkit.config.head import valid_revision

    if not valid_revision(ref):
        problem = make(
            "config.ref-not-found",
            f"{ref!r} is not a valid revision (it may not start with '-' or contain spaces)",
        )
        raise ConfigError("usage", [problem])


def _caching(loc: Location, env: Mapping[str, str], ref: str | None, use_cache: bool) -> bool:
    return (
        use_cache
        and ref is None
        and loc.explicit is None
        and loc.git_dir is not None
        and env.get("SESSIONKIT_CONFIG_NO_CACHE") != "1"
    )


def _load(start: str, env: Mapping[str, str], ref: str | None, use_cache: bool) -> SessionConfig:
    loc = find_root(start)
    caching = _caching(loc, env, ref, use_cache)
    key = (loc.root, tuple(env_values(env).values()))
    if caching:
        # Taken before anything is read: if HEAD moves meanwhile, the memo entry stored below
        # carries the older fingerprint and the next call reloads (never the other way round).
        head_now = head_fingerprint(loc.git_dir, loc.common_dir)
        entry = _MEMO.get(key)
        if entry is not None:
            sources, head, written, config = entry
            if head_now == head and sources_fresh(loc.root, sources, written):
                return config
        cached = read_cache(loc.root, loc.git_dir, env, common_dir=loc.common_dir)
        if cached is not None:
            config = cached
            report = config.report
            _MEMO[key] = (list(report.consulted), head_now, _written_at(report), config)
            return config
    from sessionkit.config.loader import full_load

    loaded = full_load(loc, env, ref=ref, write=caching)
    if caching:
        _MEMO[key] = (loaded.sources, loaded.head, loaded.written_at_ns, loaded.config)
    return loaded.config


def _written_at(report: LoadReport) -> int:
    # The cache was valid, so its sources predate written_at - 2 s; a fresh read of the cache
    # file's own mtime is a safe stand-in that keeps the same trust window.
    path = report.cache_path
    try:
        return os.stat(path).st_mtime_ns if path else 0
    except OSError:
        return 0


def read_cached_config(
    path: str | os.PathLike[str] = ".", *, environ: Mapping[str, str] | None = None
) -> SessionConfig | None:
    """The cached configuration, or None on a miss. Never parses, never runs git."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    try:
        loc = find_root(os.fspath(path))
        if loc.explicit is not None or env.get("SESSIONKIT_CONFIG_NO_CACHE") == "1":
            return None
        return read_cache(loc.root, loc.git_dir, env, common_dir=loc.common_dir)
    except Exception:
        return None


def load_config_text(text: str, *, filename: str = "CLAUDE.md") -> SessionConfig:
    """The configuration ``text`` (a whole instruction file) declares.

    Pure: no file system, no git, no ``HEAD`` merge, no cache.
    """
    try:
        from sessionkit.config.loader import load_text

        return load_text(text, filename)
    except Exception as exc:
        return _internal_failure("", exc, filename=filename)


def _internal_failure(
    start: str, exc: BaseException, *, filename: str | None = None
) -> SessionConfig:
    from sessionkit.config._model import SessionConfig

    problem = make(
        "config.internal",
        f"internal error while loading the configuration ({type(exc).__name__}); defaults apply",
        file=filename,
    )
    root = os.path.abspath(start) if start else ""
    report = LoadReport(root=root, host_file=filename, diagnostics=[problem])
    return SessionConfig.defaults().with_report(report)


def clear_memo() -> None:
    """Forget the in-process memo (tests and long-running tools that rewrite files)."""
    _MEMO.clear()
