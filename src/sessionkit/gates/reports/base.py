"""The one Protocol every report writer implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sessionkit.gates.reports.model import ReportModel


@dataclass(frozen=True)
class ReportOptions:
    github_annotations: int = 10
    workspace_prefix: str = ""  # project root relative to $GITHUB_WORKSPACE, "" when equal
    json_report: str | None = None  # path of a requested ``json`` report file, as given (§9.8)


class ReportWriter(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def default_path(self) -> str | None:
        """``"-"`` for stdout, ``None`` when a path is required."""
        ...

    def render(self, model: ReportModel, options: ReportOptions) -> str: ...
