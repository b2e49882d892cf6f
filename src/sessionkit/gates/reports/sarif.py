"""``sarif``: SARIF 2.1.0 with one run per file (spec §9.5)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sessionkit.gates.reports.base import ReportOptions
from sessionkit.gates.reports.model import ReportFinding, ReportModel, describe_error

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/sessionkit/sessionkit"


def _uri(path: str) -> str:
    """A repository-relative path as a relative URI reference (RFC 3986): ``|``, spaces, ``%``,
    ``#``, ``?`` and non-ASCII are percent-encoded, and so is ``:`` so that a first segment like
    ``c:x.py`` is not read as a scheme; ``/`` stays the separator."""
    return quote(path, safe="/")


def _rule_id(f: ReportFinding) -> str:
    return f"{f.tool}.{f.rule}"


def _rule(f: ReportFinding) -> dict[str, Any]:
    text = f"{f.tool} rule {f.rule}"
    help_text = f"See the {f.tool} documentation for {f.rule}."
    markdown = f"See the {f.tool} documentation for `{f.rule}`."
    if f.url:
        help_text = f"{f.rule}: {f.url}"
        markdown = f"[{f.rule}]({f.url})"
    rule: dict[str, Any] = {
        "id": _rule_id(f),
        "name": f.rule,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": help_text, "markdown": markdown},
        "properties": {"tool": f.tool},
    }
    if f.url:
        rule["helpUri"] = f.url
    return rule


class SarifWriter:
    name = "sarif"
    default_path: str | None = None

    def render(self, model: ReportModel, options: ReportOptions) -> str:
        located = [f for f in model.findings if f.kind != "test" and f.path is not None]
        rules: dict[str, dict[str, Any]] = {}
        for f in located:
            rules.setdefault(_rule_id(f), _rule(f))
        order = sorted(rules)
        index = {rule_id: i for i, rule_id in enumerate(order)}
        results = []
        for f in located:
            region: dict[str, int] = {"startLine": f.line or 1}
            if f.column:
                region["startColumn"] = f.column
            if f.end_line and f.end_line >= region["startLine"]:
                region["endLine"] = f.end_line
                if f.end_column and (
                    f.end_line > region["startLine"] or f.end_column > (f.column or 0)
                ):
                    region["endColumn"] = f.end_column
            result: dict[str, Any] = {
                "ruleId": _rule_id(f),
                "ruleIndex": index[_rule_id(f)],
                "level": f.severity if f.severity in ("error", "warning", "note") else "note",
                "message": {"text": f.message or f.rule},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": _uri(options.workspace_prefix + (f.path or "")),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"sessionkitFingerprint/v1": f.fingerprint},
                "properties": {"check": f.section, "blocking": f.blocking},
            }
            if f.baseline is not None:
                result["baselineState"] = "new" if f.baseline == "new" else "unchanged"
            results.append(result)
        notifications: list[dict[str, Any]] = []
        for error in model.errors:  # status error (§9.1): the gate could not run as configured
            notification: dict[str, Any] = {
                "level": "error",
                "message": {"text": describe_error(error)},
            }
            if error.get("code"):
                notification["descriptor"] = {"id": str(error["code"])}
            if error.get("file"):
                location: dict[str, Any] = {
                    "artifactLocation": {
                        "uri": _uri(options.workspace_prefix + str(error["file"])),
                        "uriBaseId": "%SRCROOT%",
                    }
                }
                if error.get("line"):
                    location["region"] = {"startLine": int(error["line"])}
                notification["locations"] = [{"physicalLocation": location}]
            notifications.append(notification)
        for section in model.sections:
            if section.status in ("error", "timeout"):
                notifications.append(
                    {
                        "level": "error",
                        "message": {
                            "text": f"{section.name}: {section.status} ({section.status_reason})"
                        },
                    }
                )
        pathless = sum(1 for f in model.findings if f.kind != "test" and f.path is None)
        if pathless:
            notifications.append(
                {
                    "level": "warning",
                    "message": {"text": f"{pathless} finding(s) without a file were left out"},
                }
            )
        invocation: dict[str, Any] = {
            "executionSuccessful": not model.errors
            and model.status != "error"
            and not any(s.status in ("error", "timeout") for s in model.sections),
        }
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        document = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "sessionkit",
                            "version": model.version,
                            "informationUri": INFO_URI,
                            "rules": [rules[r] for r in order],
                        }
                    },
                    "automationDetails": {"id": f"sessionkit-{model.command}/"},
                    "invocations": [invocation],
                    "results": results,
                }
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
