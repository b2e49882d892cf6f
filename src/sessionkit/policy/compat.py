"""Reading the prior art's ``.orchestrator/policy/blocked-commands.json`` (guard.md §12.7).

The prior art matched literal substrings of the command text. Its shipped rules are recognised
by id *and* unchanged pattern and severity and dropped in favour of the built-ins (which catch
everything they caught that can lose work, without their false positives); every other rule is
compiled with :func:`~sessionkit.policy.policyfile.compile_literal_rule` and only ever *adds*
findings (id ``compat:<id>``, group C). The redirect-truncate rule is not a guard rule: its
target globs become ``Policy.compat_protected_paths`` for the protected-paths check.

Runs only when the compiled-policy cache is rebuilt; standard library only.
"""

from __future__ import annotations

import json
import os

from sessionkit.policy.decision import Notice

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COMPAT_REL = ".orchestrator/policy/blocked-commands.json"

# (id, pattern, severity) of the rules the prior art ships; matched exactly.
SHIPPED: dict[str, tuple[str, str]] = {
    "git-reset-hard": ("git reset --hard", "block"),
    "git-reset-mixed": ("git reset --mixed", "warn"),
    "git-reset-soft": ("git reset --soft", "warn"),
    "git-checkout-discard": ("git checkout --", "block"),
    "git-clean-force": ("git clean -f", "block"),
    "git-clean-force-d": ("git clean -fd", "block"),
    "git-stash-any": ("git stash", "warn"),
    "rm-rf-destructive": ("rm -rf", "block"),
    "git-push-force": ("git push --force", "block"),
    "git-push-force-short": ("git push -f", "block"),
    "git-push-force-with-lease": ("git push --force-with-lease", "warn"),
}
# Shipped rules without a built-in counterpart: loaded like any project rule.
SHIPPED_LOADED = {
    "sql-drop-table-upper": ("DROP TABLE", "block"),
    "sql-drop-table-lower": ("drop table", "block"),
}
REDIRECT_TYPE = "redirect-truncate"


class CompatResult:
    """What the compatibility file contributes to the effective policy."""

    __slots__ = ("dropped", "ids", "notices", "present", "problems", "protected_paths", "rules")

    def __init__(self) -> None:
        self.present = False
        self.rules: list[dict[str, Any]] = []
        self.protected_paths: list[str] = []
        self.dropped: list[str] = []  # shipped rule ids replaced by built-ins
        self.notices: list[Notice] = []
        self.problems: list[Any] = []  # policyfile.Problem
        self.ids: list[str] = []  # every usable rule's id, for guard.yaml's compat:<id> entries

    def ignore(self, index: int | None, message: str, *, line: int | None = None) -> None:
        from sessionkit.policy.policyfile import Problem

        where = COMPAT_REL if index is None else f"{COMPAT_REL}#rules[{index}]"
        if line is not None:
            where = f"{COMPAT_REL}:{line}"
        self.notices.append(Notice("compat-rule-ignored", message, where))
        # the problem names the file once (FILE:LINE: what is wrong), the rule by its index
        text = message if index is None else f"rules[{index}]: {message}"
        self.problems.append(Problem(COMPAT_REL, line, "compat-rule-ignored", text))


def is_shipped(rule: dict[str, Any]) -> bool:
    """A rule the prior art ships, unchanged, that a built-in rule replaces."""
    shipped = SHIPPED.get(str(rule.get("id")))
    return shipped is not None and (rule.get("pattern"), rule.get("severity")) == shipped


def read_compat(root: str) -> CompatResult:
    """The compatibility file at ``root`` (absent: nothing); never raises."""
    result = CompatResult()
    path = os.path.join(root, COMPAT_REL)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return result
    except OSError as exc:
        result.present = True
        result.ignore(None, f"cannot read the file ({exc.strerror}); no prior-art rules apply")
        return result
    result.present = True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # only this file is ignored: guard.yaml and its rules still apply (§12.7)
        result.ignore(
            None,
            f"byte 0x{raw[exc.start]:02X} is not UTF-8; save the file as UTF-8;"
            " no prior-art rules apply",
            line=raw.count(b"\n", 0, exc.start) + 1,
        )
        return result
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        reason = getattr(exc, "msg", None) or str(exc)
        result.ignore(
            None,
            f"not valid JSON ({reason}); fix the syntax; no prior-art rules apply",
            line=line if isinstance(line, int) else None,
        )
        return result
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        result.ignore(None, "no 'rules' list; no prior-art rules apply")
        return result
    read_rules(rules, result)
    return result


def read_rules(rules: list[Any], result: CompatResult) -> None:
    from sessionkit.policy.policyfile import compile_literal_rule

    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            result.ignore(index, "a rule must be an object; it is ignored")
            continue
        rule_id, pattern, severity = rule.get("id"), rule.get("pattern"), rule.get("severity")
        if not isinstance(rule_id, str) or not rule_id.strip():
            result.ignore(index, "a rule without a usable 'id' is ignored")
            continue
        if not isinstance(pattern, str) or not pattern.strip():
            result.ignore(index, f"rule {rule_id!r} has no usable 'pattern'; it is ignored")
            continue
        if severity not in ("block", "warn"):
            result.ignore(
                index,
                f"rule {rule_id!r} has severity {severity!r}; only block and warn are read",
            )
            continue
        if rule_id in seen:
            result.ignore(index, f"rule id {rule_id!r} is repeated; the first one applies")
            continue
        seen.add(rule_id)
        result.ids.append(rule_id)
        if rule.get("type") == REDIRECT_TYPE:
            targets = rule.get("target-denylist") or []
            result.protected_paths.extend(str(t) for t in targets if isinstance(t, str))
            continue
        if is_shipped(rule):
            result.dropped.append(rule_id)
            continue
        if rule.get("path-allowlist"):
            result.ignore(
                index,
                f"rule {rule_id!r}: path-allowlist never widens the built-in path judgement;"
                " it is ignored (use paths.allow-delete in guard.yaml)",
            )
        rationale = rule.get("rationale")
        reason = (
            rationale
            if isinstance(rationale, str) and rationale.strip()
            else f"The project's blocked-commands.json lists {pattern!r} ({rule_id})."
        )
        compiled = compile_literal_rule(
            pattern, id=rule_id, action=severity, reason=reason, origin="compat"
        ).to_dict()
        compiled["file"] = COMPAT_REL
        compiled["line"] = None
        compiled["index"] = index
        flag = rule.get("allow-override-flag")
        if flag is not None:
            compiled["allow-override-flag"] = flag
        result.rules.append(compiled)
