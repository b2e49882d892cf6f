"""``codequality`` (alias ``gitlab``): GitLab Code Quality issues (spec §9.4)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import ReportModel

SEVERITY = {"error": "major", "warning": "minor", "note": "info"}
CATEGORY = {"typecheck": "Bug Risk", "lint": "Style", "other": "Clarity"}


class CodeQualityWriter:
    name = "codequality"
    default_path: str | None = None

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        issues: list[dict[str, Any]] = []
        seen: dict[str, str] = {}  # fingerprint -> section that emitted it
        for f in model.findings:
            if f.kind == "test" or f.path is None:
                continue
            fingerprint = f.fingerprint
            owner = seen.get(fingerprint)
            if owner == f.section:
                continue  # the identical finding of the same check, emitted once
            if owner is not None:
                fingerprint = hashlib.sha256(f"{fingerprint}:{f.section}".encode()).hexdigest()[:32]
                if fingerprint in seen:
                    continue
            seen[fingerprint] = f.section
            lines: dict[str, int] = {"begin": f.line or 1}
            if f.end_line and f.end_line > lines["begin"]:
                lines["end"] = f.end_line
            issues.append(
                {
                    "type": "issue",
                    "check_name": f"{f.tool}/{f.rule}",
                    "description": f.message.split("\n", 1)[0] or f.rule,
                    "categories": [CATEGORY.get(f.kind, "Clarity")],
                    "severity": SEVERITY.get(f.severity, "info"),
                    "fingerprint": fingerprint,
                    "location": {"path": f.path, "lines": lines},
                }
            )
        return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

    @staticmethod
    def pathless(model: ReportModel) -> int:
        return sum(1 for f in model.findings if f.kind != "test" and f.path is None)
