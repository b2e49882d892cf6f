"""Session Config keys metrics.*, learnings.*, state.* reach the store (metrics.md §8)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkit.metrics.errors import RecordTooLarge
from sessionkit.metrics.settings import Settings, from_config
from sessionkit.metrics.store import MetricsStore

CONFIG = """# Project

## Session Config

metrics:
  max-line-bytes: 2048
  rotation:
    events:
      max-mb: 1
learnings:
  decay-rate: 0.1
  ttl-days:
    fragile-file: 7
state:
  max-bytes: 8192
"""


def test_defaults_without_config() -> None:
    settings = from_config(None)
    assert settings == Settings()
    assert settings.metrics.max_line_bytes == 65_536 and settings.learnings.sweep_grace_days == 14


def test_mapping_shaped_config() -> None:
    settings = from_config({"metrics": {"fsync": "always", "rotation": {"events": {"keep": 0}}}})
    assert settings.metrics.fsync == "always" and settings.metrics.rotation["events"].keep == 0


def test_session_config_is_read(make_repo: Callable[..., Path]) -> None:
    pytest.importorskip("sessionkit.config")
    repo = make_repo(files={"CLAUDE.md": CONFIG})
    store = MetricsStore(repo)
    assert store.settings.metrics.max_line_bytes == 2048
    assert store.settings.metrics.rotation["events"].max_bytes == 1 << 20
    assert store.settings.learnings.decay_rate == 0.1 and store.settings.state.max_bytes == 8192
    with pytest.raises(RecordTooLarge, match="the limit is 2,048"):
        store.emit("acme.big.one", {"p": "x" * 3000})
    result = store.learnings.add("fragile-file", "a.py", "i", session="S")
    assert (
        result.learning["expires_at"][:10]
        == (store.now().date().fromordinal(store.now().date().toordinal() + 7)).isoformat()
    )
