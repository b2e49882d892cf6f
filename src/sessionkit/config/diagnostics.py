"""Config diagnostics: the rule table and the ``Diagnostic`` value class (config.md §8).

Hot path: standard library only (the cache reader rebuilds diagnostics from JSON). ``RULES``
is plain data, read by the docs generator for the reference's rule table.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}

ENV = "env"
CONTENT = "content"

_REFERENCE = "see docs/config-reference.md"

# rule id -> default severity, category ("env" makes the CLI exit 3), hint template.
# Hint templates may use {key}, {value}, {expected}, {suggestion}, {file}, {line}.
RULES: dict[str, dict[str, str]] = {
    "config.no-instruction-file": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "create CLAUDE.md with a '## Session Config' section to configure sessionkit",
    },
    "config.no-section": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "add a '## Session Config' section; every key takes its default until then",
    },
    "config.file-not-found": {
        "severity": ERROR,
        "category": ENV,
        "hint": "create the file or correct the path",
    },
    "config.unreadable": {
        "severity": ERROR,
        "category": ENV,
        "hint": "make the file a readable regular file",
    },
    "config.outside-repo": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "point to a file inside the repository",
    },
    "config.both-files": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "keep the configuration in one file (CLAUDE.md wins), or make AGENTS.md a symlink",
    },
    "config.legacy-env": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "rename SO_CONFIG_FILE to SESSIONKIT_CONFIG_FILE",
    },
    "config.not-versioned": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "run 'git init': outside a repository loosening keys apply without a commit",
    },
    "config.file-too-large": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "keep the instruction file under 8 MiB",
    },
    "config.section-too-large": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "keep the Session Config section under 1 MiB",
    },
    "config.binary": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "the instruction file must be text (it contains a NUL byte)",
    },
    "config.encoding": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "save the file as UTF-8",
    },
    "config.bom": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "remove the byte order mark: the prior art does not see a heading behind it",
    },
    "config.heading-near-miss": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": 'write exactly "## Session Config"',
    },
    "config.heading-decorated": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "move the comment off the heading line: the prior art does not recognise it",
    },
    "config.heading-in-fence": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "move the heading out of the code block",
    },
    "config.h1-ends-section": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "a level-1 heading ends the section; move the keys above it",
    },
    "config.duplicate-section": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "merge the sections: only the first one is read",
    },
    "config.unclosed-fence": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "close the code block: it runs to the end of the file",
    },
    "config.key-outside-section": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "move it into the '## Session Config' section: sessionkit reads only that section",
    },
    "config.satellite": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "move the block into the '## Session Config' section",
    },
    "config.prose-ignored": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "prose inside the section is ignored; turn it into a '#' comment",
    },
    "config.fence-skipped": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "only yaml, yml, md, markdown, text, txt or untagged code blocks are read",
    },
    "config.tab-indent": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "indent with spaces",
    },
    "config.missing-space": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "put a space after the colon: the prior art ignores '{key}:' without one",
    },
    "config.yaml-syntax": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "check the indentation and quoting of this entry",
    },
    "config.yaml-alias": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "write the value out: anchors and aliases are not supported",
    },
    "config.yaml-tag": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "remove the tag: explicit YAML tags are not supported",
    },
    "config.too-deep": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "nest at most 32 levels",
    },
    "config.too-many-nodes": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "the section may hold at most 50,000 values",
    },
    "config.value-too-long": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "keep each value under 64 KiB",
    },
    "config.not-a-mapping": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "write the section as 'key: value' lines",
    },
    "config.duplicate-key": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "remove one of the two lines: the last one wins",
    },
    "config.unknown-key": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": _REFERENCE,
    },
    "config.type": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "write {expected}",
    },
    "config.enum": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "use one of: {expected}",
    },
    "config.range": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "use a value {expected}",
    },
    "config.pattern": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "use a value matching {expected}",
    },
    "config.required": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "add the missing field {expected}",
    },
    "config.quoted-scalar": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "drop the quotes",
    },
    "config.case-normalised": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "write {expected}",
    },
    "config.legacy-value": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "write {expected}",
    },
    "config.override-syntax": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "write 'N (type: M, ...)' with types housekeeping, feature or deep",
    },
    "config.list-as-mapping": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "write the sub-keys without list markers",
    },
    "config.alias": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "'sessionkit config migrate --canonical-keys' renames it to {expected}",
    },
    "config.alias-conflict": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "remove the alias {key}: {expected} wins",
    },
    "config.deprecated-key": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "rename it to {expected} ('sessionkit config migrate --write' does it)",
    },
    "config.legacy-shape": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "'sessionkit config migrate' rewrites it in the canonical shape",
    },
    "config.null-command": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "write `skip` to turn the check off; unset means auto-detection",
    },
    "config.ignored-value": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "remove the key: sessionkit always applies its own behaviour here",
    },
    "config.secret-in-config": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "use the SO_WEBHOOK_<KIND>_URL environment variable instead",
    },
    "config.cross-field": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "make the related keys agree",
    },
    "config.floor": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "git and runtime paths cannot be relaxed; control paths not below warn",
    },
    "config.uncommitted-loosening": {
        "severity": WARNING,
        "category": CONTENT,
        "hint": "commit the change to make it effective",
    },
    "config.head-invalid": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "run 'sessionkit config validate --ref HEAD' to see the committed problems",
    },
    "config.head-unreadable": {
        "severity": ERROR,
        "category": ENV,
        "hint": "make sure git is installed and the repository is readable",
    },
    "config.ref-not-found": {
        "severity": ERROR,
        "category": ENV,
        "hint": "fetch the revision or correct its name",
    },
    "config.migrate-changed-meaning": {
        "severity": ERROR,
        "category": CONTENT,
        "hint": "please report this as a bug; nothing was written",
    },
    "config.policy-unvalidated": {
        "severity": INFO,
        "category": CONTENT,
        "hint": "no validator is registered for this policy file",
    },
    "config.internal": {
        "severity": ERROR,
        "category": ENV,
        "hint": "this is a bug in sessionkit; please report it with the file that caused it",
    },
}

_MAX_VALUE_TEXT = 80


class Diagnostic:
    """One problem or note, with file, line and column (frozen)."""

    __slots__ = ("column", "file", "hint", "key", "line", "message", "rule", "severity", "value")

    rule: str
    severity: str
    file: str | None
    line: int | None
    column: int | None
    message: str
    hint: str | None
    key: str | None
    value: object

    def __init__(
        self,
        rule: str,
        severity: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        key: str | None = None,
        value: object = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "rule", rule)
        set_(self, "severity", severity)
        set_(self, "message", message)
        set_(self, "file", file)
        set_(self, "line", line)
        set_(self, "column", column)
        set_(self, "hint", hint)
        set_(self, "key", key)
        set_(self, "value", value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Diagnostic is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Diagnostic is frozen: cannot delete {name!r}")

    def __copy__(self) -> Diagnostic:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Diagnostic:
        return self

    def __reduce__(self) -> tuple[object, tuple[dict[str, object]]]:
        return (Diagnostic.from_json, (self.to_json(),))

    def _astuple(self) -> tuple[object, ...]:
        return tuple(_hashable(getattr(self, name)) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"Diagnostic({self.rule!r}, {self.severity!r}, {where!r}, {self.message!r})"

    @property
    def category(self) -> str:
        """``"env"`` (the CLI exits 3) or ``"content"`` (exit 1 for errors)."""
        rule = RULES.get(self.rule)
        return rule["category"] if rule else CONTENT

    def replace(self, **changes: object) -> Diagnostic:
        fields: dict[str, object] = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Diagnostic(**fields)  # type: ignore[arg-type]

    def location(self) -> str:
        parts = [self.file or "<config>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def text(self) -> str:
        """``CLAUDE.md:42:12: error: config.range: waves must be ≥ 3 (got 2)`` plus a hint line."""
        first = f"{self.location()}: {self.severity}: {self.rule}: {self.message}"
        return f"{first}\n  hint: {self.hint}" if self.hint else first

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
            "key": self.key,
            "value": self.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Diagnostic:
        def opt_int(name: str) -> int | None:
            value = data.get(name)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def opt_str(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) else None

        return cls(
            str(data["rule"]),
            str(data["severity"]),
            str(data.get("message", "")),
            file=opt_str("file"),
            line=opt_int("line"),
            column=opt_int("column"),
            hint=opt_str("hint"),
            key=opt_str("key"),
            value=data.get("value"),
        )


def _hashable(value: object) -> object:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return value


def make(
    rule: str,
    message: str,
    *,
    severity: str | None = None,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    key: str | None = None,
    value: object = None,
    hint: str | None = None,
    **hint_fields: str,
) -> Diagnostic:
    """A diagnostic for ``rule`` with the table's severity and hint unless given."""
    entry = RULES[rule]  # KeyError here means a rule id missing from the table: a bug
    if hint is None:
        template = entry["hint"]
        fields = {"key": key or "", "value": show(value), **hint_fields}
        try:
            hint = template.format(**fields)
        except (KeyError, IndexError):
            hint = template if "{" not in template else None
    return Diagnostic(
        rule,
        severity or entry["severity"],
        message,
        file=file,
        line=line,
        column=column,
        hint=hint,
        key=key,
        value=value,
    )


def show(value: object) -> str:
    """A value quoted for a message: ``'yes'``, ``2``, ``true``, truncated to 80 characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, (str, int, float)):
        text = repr(value)
    else:
        import json

        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > _MAX_VALUE_TEXT:
        text = text[: _MAX_VALUE_TEXT - 1] + "…"
    return text


def sort_key(diag: Diagnostic) -> tuple[str, int, int, str]:
    """File order, then rule id (config.md §8.1)."""
    return (diag.file or "", diag.line or 0, diag.column or 0, diag.rule)


def ordered(diags: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    seen: set[Diagnostic] = set()
    unique: list[Diagnostic] = []
    for diag in diags:
        if diag not in seen:
            seen.add(diag)
            unique.append(diag)
    return tuple(sorted(unique, key=sort_key))
