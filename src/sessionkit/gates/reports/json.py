"""``json``: the GateResult document itself (spec §9.2)."""

from __future__ import annotations

import json as _json

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import ReportModel


class JsonWriter:
    name = "json"
    default_path: str | None = "-"

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        return _json.dumps(model.document, indent=2, ensure_ascii=False) + "\n"
