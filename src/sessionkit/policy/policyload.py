"""The guard's team policy as a cache miss needs it: parsing, validation, the merge, extra rules.

guard.md §12. Split from :mod:`sessionkit.policy.policyfile`, which re-exports every public
name here (PEP 562) and imports this module only when a policy file has to be parsed, an
extra rule compiled or an override entry checked: a warm guard call applies a cached policy
(:mod:`sessionkit.policy.policycache`) and loads neither.
"""

from __future__ import annotations

import os

from sessionkit import _jsonfast
from sessionkit.policy.decision import Notice
from sessionkit.policy.policycache import _read_text, _strip_location
from sessionkit.policy.policyfile import (
    COMPAT_REL,
    DEFAULT_MAX_OVERRIDE,
    DEFAULT_SQL_CLIENTS,
    LEVEL,
    MAX_OVERRIDE_CEILING,
    PATH_KEYS,
    POLICY_REL,
    TOP_KEYS,
    Policy,
    PolicySource,
    Problem,
)
from sessionkit.policy.rules import FLOOR_RULES, RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
    from datetime import datetime
    from typing import Any

    from sessionkit.policy.command import Command


# ---- durations and times ------------------------------------------------------------------------

# ``re`` is imported where it is used: the agent hook loads this module on every call and
# needs none of these patterns then (``re`` with ``enum`` is a third of an interpreter start).
_DURATION = r"([0-9]+)([smhdw])"
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """Seconds in ``45m``, ``4h``, ``2d``, ``1h30m``; ``ValueError`` otherwise."""
    import re

    text = text.strip()
    if not text or re.sub(_DURATION, "", text):
        raise ValueError(f"{text!r} is not a duration such as 45m, 4h or 2d")
    total = sum(int(n) * _UNIT[u] for n, u in re.findall(_DURATION, text))
    if total <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return total


def format_duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_time(text: str) -> datetime:
    """An RFC 3339 timestamp with a zone (``Z`` accepted); ``ValueError`` otherwise."""
    from datetime import datetime

    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone; write it as 2026-01-31T18:00:00Z")
    return value


# ---- gitwildmatch patterns ----------------------------------------------------------------------


def wildmatch_regex(pattern: str) -> str:
    """The regular expression of a gitwildmatch pattern (built with ``pathspec`` when present)."""
    try:
        from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

        regex, include = GitIgnoreSpecPattern.pattern_to_regex(pattern)
        if regex is not None and include:
            return str(regex)
    except ImportError:  # pragma: no cover - older pathspec: the stdlib translation below
        pass
    return _fallback_regex(pattern)


def _fallback_regex(pattern: str) -> str:
    import re

    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "^" if anchored else "^(?:.+/)?"
    return prefix + "".join(out) + "(?:/.*)?$"


def path_matches(regexes: Sequence[str], rel: str) -> bool:
    import re

    return any(re.match(regex, rel) for regex in regexes)


# ---- extra rules and their matching (§12.4) -------------------------------------------------------


class ExtraRule:
    """An extra rule of ``guard.yaml`` (group X) or a prior-art rule (group C)."""

    __slots__ = (
        "action",
        "argv",
        "file",
        "group",
        "id",
        "ignore_case",
        "in_names",
        "line",
        "origin",
        "reason",
        "suggestion",
        "text",
        "unless",
    )

    def __init__(
        self,
        id: str,
        *,
        action: str = "block",
        argv: Sequence[str] = (),
        unless: Sequence[str] = (),
        text: str | None = None,
        in_names: Sequence[str] = DEFAULT_SQL_CLIENTS,
        ignore_case: bool = False,
        reason: str = "",
        suggestion: str | None = None,
        origin: str = "extra",
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.id = id
        self.action = action
        self.argv = tuple(argv)
        self.unless = tuple(unless)
        self.text = text
        self.in_names = tuple(n.lower() for n in in_names)
        self.ignore_case = ignore_case
        self.reason = reason
        self.suggestion = suggestion
        self.origin = origin
        self.group = "C" if origin == "compat" else "X"
        self.file = file
        self.line = line

    def __repr__(self) -> str:
        return f"ExtraRule({self.id!r}, argv={list(self.argv)!r}, text={self.text!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "argv": list(self.argv),
            "unless": list(self.unless),
            "text": self.text,
            "in": list(self.in_names),
            "ignore-case": self.ignore_case,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "origin": self.origin,
            "file": self.file,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExtraRule:
        return cls(
            data["id"],
            action=data.get("action", "block"),
            argv=data.get("argv") or (),
            unless=data.get("unless") or (),
            text=data.get("text"),
            in_names=data.get("in") or DEFAULT_SQL_CLIENTS,
            ignore_case=bool(data.get("ignore-case", False)),
            reason=data.get("reason", ""),
            suggestion=data.get("suggestion"),
            origin=data.get("origin", "extra"),
            file=data.get("file"),
            line=data.get("line"),
        )

    @property
    def finding_id(self) -> str:
        return f"compat:{self.id}" if self.origin == "compat" else self.id

    def matches(self, command: Command) -> bool:
        """Whether this rule fires on one ``Command`` (argv or text matcher)."""
        if self.argv and _argv_matches(self.argv, self.unless, command):
            return True
        return bool(self.text) and self._text_matches(command)

    def _text_matches(self, command: Command) -> bool:
        if command.name is None or command.name not in self.in_names:
            return False
        import re

        phrase = " ".join((self.text or "").split())
        flags = re.IGNORECASE if self.ignore_case else 0
        regex = re.compile(r"(?<!\w)" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?!\w)", flags)
        texts = [value.text for value in command.argv[1:] if value.text is not None]
        stdin = command.stdin.text
        if stdin is not None:
            texts.append(stdin)
        return any(regex.search(text) for text in texts)


_SHORT_BUNDLING = frozenset(("rm", "rsync", "xargs", "git"))

# Long options of the commands whose unambiguous prefixes are resolved (§12.4: ``rm --forc``
# is ``rm --force``). ``rm``'s table is the rm analyser's; ``find`` and ``dd`` have no long
# options but ``--help`` and ``--version``.
_XARGS_LONG = (
    "null",
    "arg-file",
    "delimiter",
    "eof",
    "replace",
    "max-lines",
    "max-args",
    "max-chars",
    "interactive",
    "no-run-if-empty",
    "exit",
    "max-procs",
    "process-slot-var",
    "open-tty",
    "show-limits",
    "verbose",
    "help",
    "version",
)
# xargs reads options only up to its command; these take the next word as their value
_XARGS_VALUE_SHORT = frozenset("adEILnPs")
_XARGS_VALUE_LONG = frozenset(
    ("arg-file", "delimiter", "max-lines", "max-args", "max-chars", "max-procs", "process-slot-var")
)
_RSYNC_LONG = (
    "verbose",
    "info",
    "debug",
    "stderr",
    "quiet",
    "no-motd",
    "checksum",
    "archive",
    "recursive",
    "relative",
    "no-implied-dirs",
    "backup",
    "backup-dir",
    "suffix",
    "update",
    "inplace",
    "append",
    "append-verify",
    "dirs",
    "old-dirs",
    "mkpath",
    "links",
    "copy-links",
    "copy-unsafe-links",
    "safe-links",
    "munge-links",
    "copy-dirlinks",
    "keep-dirlinks",
    "hard-links",
    "perms",
    "executability",
    "chmod",
    "acls",
    "xattrs",
    "owner",
    "group",
    "devices",
    "copy-devices",
    "write-devices",
    "specials",
    "times",
    "atimes",
    "open-noatime",
    "crtimes",
    "omit-dir-times",
    "omit-link-times",
    "super",
    "fake-super",
    "sparse",
    "preallocate",
    "dry-run",
    "whole-file",
    "checksum-choice",
    "one-file-system",
    "block-size",
    "rsh",
    "rsync-path",
    "existing",
    "ignore-existing",
    "remove-source-files",
    "del",
    "delete",
    "delete-before",
    "delete-during",
    "delete-delay",
    "delete-after",
    "delete-excluded",
    "delete-missing-args",
    "ignore-missing-args",
    "ignore-errors",
    "force",
    "max-delete",
    "max-size",
    "min-size",
    "max-alloc",
    "partial",
    "partial-dir",
    "delay-updates",
    "prune-empty-dirs",
    "numeric-ids",
    "usermap",
    "groupmap",
    "chown",
    "timeout",
    "contimeout",
    "ignore-times",
    "size-only",
    "modify-window",
    "temp-dir",
    "fuzzy",
    "compare-dest",
    "copy-dest",
    "link-dest",
    "compress",
    "compress-choice",
    "compress-level",
    "skip-compress",
    "cvs-exclude",
    "filter",
    "exclude",
    "exclude-from",
    "include",
    "include-from",
    "files-from",
    "from0",
    "old-args",
    "secluded-args",
    "protect-args",
    "trust-sender",
    "copy-as",
    "address",
    "port",
    "sockopts",
    "blocking-io",
    "outbuf",
    "stats",
    "8-bit-output",
    "human-readable",
    "progress",
    "itemize-changes",
    "remote-option",
    "out-format",
    "log-file",
    "log-file-format",
    "password-file",
    "early-input",
    "list-only",
    "bwlimit",
    "stop-after",
    "stop-at",
    "fsync",
    "write-batch",
    "only-write-batch",
    "read-batch",
    "protocol",
    "iconv",
    "checksum-seed",
    "ipv4",
    "ipv6",
    "version",
    "help",
)


_HELP_VERSION = ("help", "version")
_LONG_TABLES: dict[str, Collection[str]] = {
    "xargs": _XARGS_LONG,
    "rsync": _RSYNC_LONG,
    "find": _HELP_VERSION,
    "dd": _HELP_VERSION,
}


def _long_table(name: str) -> Collection[str]:
    if name == "rm":
        from sessionkit.policy.analysers.fs import _RM_LONG

        return _RM_LONG
    return _LONG_TABLES.get(name, ())


def _resolve_long(text: str, table: Collection[str]) -> str:
    """``--forc`` → ``--force`` (GNU getopt: an exact name wins, else a unique prefix); the
    ``=value`` part is kept. Unknown or ambiguous names, and glob patterns, stay as written."""
    name, eq, value = text[2:].partition("=")
    if not name or name in table or any(ch in name for ch in "*?["):
        return text
    hits = [long for long in table if long.startswith(name)]
    if len(hits) != 1:
        return text
    return f"--{hits[0]}{eq}{value}"


def _canonical_tokens(name: str, texts: Sequence[str | None]) -> list[str | None]:
    """Tokens of one command after its name, canonical for the grammars we know (§12.4)."""
    out: list[str | None] = []
    options_done = False
    table = _long_table(name)
    skip_value = False  # xargs: the next word is an option's value
    for text in texts:
        if text is None:
            out.append(None)
            if name == "xargs" and not skip_value:
                options_done = True  # xargs options end at its command
            skip_value = False
            continue
        if skip_value:
            skip_value = False
            out.append(text)
            continue
        if text == "--":
            options_done = True
            out.append(text)
            continue
        if name == "xargs" and not options_done and (not text.startswith("-") or text == "-"):
            options_done = True  # the command xargs runs: its words are not xargs options
        if not options_done and table and text.startswith("--"):
            text = _resolve_long(text, table)
            if name == "xargs" and "=" not in text and text[2:] in _XARGS_VALUE_LONG:
                skip_value = True
            out.append(text)
            continue
        if (
            name == "xargs"
            and not options_done
            and text.startswith("-")
            and len(text) == 2
            and text[1] in _XARGS_VALUE_SHORT
        ):
            skip_value = True
        if (
            not options_done
            and name in _SHORT_BUNDLING
            and len(text) > 2
            and text[0] == "-"
            and text[1] != "-"
            and text[1:].isalpha()
        ):
            out.extend(f"-{ch}" for ch in text[1:])
            continue
        out.append(text)
    return out


def _git_tokens(command: Command) -> tuple[str | None, list[str | None]]:
    """(subcommand, canonical tokens after it) of a git command, options resolved."""
    try:
        from sessionkit.policy.analysers import git as git_analyser

        inv = git_analyser._invocation(command)
    except Exception:  # the analyser is G2's; never let its absence break matching
        inv = None
    argv = command.argv
    if inv is None or inv.sub is None:
        index = 1
        while index < len(argv) and (argv[index].text or "").startswith("-"):
            index += 2 if argv[index].text in ("-C", "-c", "--git-dir", "--work-tree") else 1
        if index >= len(argv):
            return None, []
        sub_value, rest = argv[index], argv[index + 1 :]
    else:
        sub_value, rest = inv.sub, argv[inv.sub_index + 1 :]
    sub = sub_value.text.lower() if sub_value.text is not None else None
    tokens: list[str | None] = []
    parsed = None
    if sub is not None:
        try:
            from sessionkit.policy.analysers import git as git_analyser

            parsed = git_analyser.parse(rest, git_analyser.table(sub))
        except Exception:
            parsed = None
    if parsed is None:
        return sub, _canonical_tokens("git", [v.text for v in rest])
    for opt, value, enabled in parsed.opts:
        flag = f"-{opt}" if len(opt) == 1 else f"--{opt}" if enabled else f"--no-{opt}"
        if value is not None and value.text is not None:
            tokens.append(f"{flag}={value.text}")
        else:
            tokens.append(flag)
    tokens.extend(v.text for v in parsed.operands)
    tokens.extend(parsed.unknown)
    return sub, tokens


def _canonical_pattern(name_pattern: str, sub: str | None, elements: Sequence[str]) -> list[str]:
    """Pattern elements canonicalised like the tokens they are compared with."""
    if name_pattern == "git" and sub is not None:
        try:
            from sessionkit.policy.analysers import git as git_analyser
            from sessionkit.policy.values import Lit, Value

            parsed = git_analyser.parse(
                [Value((Lit(e),)) for e in elements], git_analyser.table(sub.lower())
            )
        except Exception:
            return [t for t in _canonical_tokens("git", elements) if t is not None]
        out: list[str] = []
        for opt, value, enabled in parsed.opts:
            flag = f"-{opt}" if len(opt) == 1 else f"--{opt}" if enabled else f"--no-{opt}"
            out.append(flag if value is None or value.text is None else f"{flag}={value.text}")
        out.extend(v.text or "" for v in parsed.operands)
        out.extend(parsed.unknown)
        return out
    return [t for t in _canonical_tokens(name_pattern, elements) if t is not None]


def _token_matches(pattern: str, token: str | None) -> bool:
    import fnmatch

    if token is None:
        return False
    if fnmatch.fnmatchcase(token, pattern):
        return True
    return pattern.startswith("--") and "=" not in pattern and token.startswith(pattern + "=")


def _assign(patterns: Sequence[str], tokens: Sequence[str | None]) -> bool:
    """Every pattern matches a different token (small bipartite matching, backtracking)."""
    used = [False] * len(tokens)

    def place(i: int) -> bool:
        if i == len(patterns):
            return True
        for j, token in enumerate(tokens):
            if not used[j] and _token_matches(patterns[i], token):
                used[j] = True
                if place(i + 1):
                    return True
                used[j] = False
        return False

    return place(0)


def _argv_matches(pattern: Sequence[str], unless: Sequence[str], command: Command) -> bool:
    import fnmatch

    name = command.name
    if name is None or not pattern or not fnmatch.fnmatchcase(name, pattern[0].lower()):
        return False
    elements = list(pattern[1:])
    if name == "git":
        sub, tokens = _git_tokens(command)
        if elements:
            if sub is None or not fnmatch.fnmatchcase(sub, elements[0].lower()):
                return False
            elements = _canonical_pattern("git", sub, elements[1:])
    else:
        tokens = _canonical_tokens(name, [v.text for v in command.argv[1:]])
        elements = _canonical_pattern(name, None, elements)
    if not _assign(elements, tokens):
        return False
    return not any(_token_matches(u, t) for u in unless for t in tokens)


def compile_literal_rule(
    pattern: str,
    *,
    id: str,
    action: str = "block",
    reason: str,
    suggestion: str | None = None,
    origin: str = "extra",
    case_sensitive: bool = True,
) -> ExtraRule:
    """A plain command string as an extra rule: argv and text matchers (§12.4, §12.7).

    The pattern is split into words with the shell's quoting rules (never matched as a raw
    substring), so ``git clean -fd`` matches ``git -C x clean -d -f`` but not
    ``echo "git clean -fd"``; the same phrase is searched as text in SQL clients' data.
    """
    import shlex

    try:
        words = shlex.split(pattern, comments=False)
    except ValueError:
        words = pattern.split()
    return ExtraRule(
        id,
        action=action,
        argv=words,
        text=" ".join(pattern.split()) or None,
        ignore_case=not case_sensitive,
        reason=reason,
        suggestion=suggestion,
        origin=origin,
    )


# ---- parsing and validating one guard.yaml --------------------------------------------------------


class PolicyDoc:
    """One parsed and validated ``guard.yaml``: clean values with the line of every entry."""

    __slots__ = ("data", "fatal", "file", "lines", "problems")

    def __init__(self, file: str) -> None:
        self.file = file
        self.data: dict[str, Any] = {}
        self.lines: dict[tuple[Any, ...], int] = {}
        self.problems: list[Problem] = []
        self.fatal: Problem | None = None

    def line(self, *path: Any) -> int | None:
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def problem(self, path: Sequence[Any], code: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line(*path), code, message))


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _yaml_load(text: str, doc: PolicyDoc) -> Any:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        duplicates: list[tuple[tuple[Any, ...], int, int]] = []
        _record_lines(node, (), doc.lines, set(), duplicates)
        for path, repeat, first in duplicates:
            doc.problems.append(
                Problem(
                    doc.file,
                    repeat,
                    "duplicate-key",
                    f"{'.'.join(map(str, path))} is repeated (first at line {first});"
                    " keep one; this entry is ignored",
                )
            )
        return loader.construct_document(node)
    except _AliasUsed as exc:
        doc.fatal = Problem(
            doc.file,
            exc.line,
            "yaml-alias",
            "YAML anchors and aliases are not accepted in the guard policy; write entries out",
        )
        return None
    except RecursionError:
        doc.fatal = Problem(doc.file, None, "yaml-depth", "the document nests too deeply")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        doc.fatal = Problem(
            doc.file, line, "yaml-syntax", f"not valid YAML: {problem}; fix the syntax"
        )
        return None
    finally:
        loader.dispose()


class _AliasUsed(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _record_lines(
    node: Any,
    path: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    seen: set[int],
    duplicates: list[tuple[tuple[Any, ...], int, int]],
) -> None:
    """The line of every entry; a node reached twice is an alias (refused: alias bombs).

    A key repeated in one mapping is reported in ``duplicates`` and removed, so the first one
    applies (YAML loaders silently keep the last, which would hide the entry a reader sees first).
    """
    import yaml

    if id(node) in seen:
        raise _AliasUsed(node.start_mark.line + 1)
    seen.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        kept: list[tuple[Any, Any]] = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key_path = (*path, key)
            if key_path in lines and any(k is not key_node and _same_key(k, key) for k, _ in kept):
                duplicates.append((key_path, key_node.start_mark.line + 1, lines[key_path]))
                continue
            kept.append((key_node, value_node))
            lines[key_path] = key_node.start_mark.line + 1
            _record_lines(value_node, key_path, lines, seen, duplicates)
        node.value[:] = kept
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines, seen, duplicates)


def _same_key(key_node: Any, key: Any) -> bool:
    import yaml

    return isinstance(key_node, yaml.ScalarNode) and key_node.value == key


def _first_undecodable(text: str) -> tuple[int, int] | None:
    """(line, byte) of the first byte ``surrogateescape`` kept undecoded, or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        char = text[error.start]
        byte = ord(char) - 0xDC00 if "\udc80" <= char <= "\udcff" else ord(char)
        return text.count("\n", 0, error.start) + 1, byte
    return None


def parse_policy_text(text: str, file: str, *, now: datetime | None = None) -> PolicyDoc:
    """Parse and validate one ``guard.yaml``; invalid entries are dropped with a problem."""
    doc = PolicyDoc(file)
    bad = _first_undecodable(text)
    if bad is not None:
        # read with surrogateescape: a byte that is not UTF-8 makes the file invalid as a
        # whole (YAML is UTF-8), with the line it is on, never an error further down
        line, byte = bad
        doc.fatal = Problem(
            file, line, "encoding", f"byte 0x{byte:02X} is not UTF-8; save the file as UTF-8"
        )
        return doc
    data = _yaml_load(text, doc)
    if doc.fatal is not None:
        return doc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        doc.fatal = Problem(file, 1, "schema", "the policy must be a mapping with version: 1")
        return doc
    if data.get("version") != 1:
        doc.fatal = Problem(
            file,
            doc.line("version"),
            "schema",
            "version must be 1; start the file with 'version: 1'",
        )
        return doc
    for key in list(data):
        if key not in TOP_KEYS:
            doc.problem(
                (key,),
                "unknown-key",
                f"unknown key {key!r}{_did_you_mean(str(key), TOP_KEYS)}; the entry is ignored",
            )
            del data[key]
    for section, known in (("paths", PATH_KEYS), ("compat", ("blocked-commands",))):
        # an unknown key in a section drops that key, not the section's other settings
        # (a dropped paths section would lose its not-artefact-dirs)
        values = data.get(section)
        if not isinstance(values, dict):
            continue
        for key in list(values):
            if key not in known:
                doc.problem(
                    (section, key),
                    "unknown-key",
                    f"{section}: unknown key {key!r}{_did_you_mean(str(key), known)};"
                    " the entry is ignored",
                )
                del values[key]
    _schema_check(doc, data)
    _semantic_check(doc, data, now=now)
    doc.data = data
    return doc


_VALIDATORS: dict[str, Any] = {}


def _policy_validator() -> Any:
    """The jsonschema validator of guard.yaml, built once per process (cache misses only)."""
    validator = _VALIDATORS.get("guard-policy")
    if validator is None:
        from sessionkit import schemas

        validator = _VALIDATORS["guard-policy"] = schemas.validator("guard-policy")
    return validator


def _schema_check(doc: PolicyDoc, data: dict[str, Any]) -> None:
    """jsonschema errors drop the entry they are in (or the section when at its top)."""
    validator = _policy_validator()
    drops: set[tuple[Any, ...]] = set()
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = tuple(error.absolute_path)
        if not path:
            continue
        # the entry is a rules key, a list item, or an item of a paths.* list: one bad item
        # never takes its neighbours with it (a dropped not-artefact-dirs list would loosen)
        entry = path[:3] if path[0] == "paths" and len(path) >= 3 else path[:2]
        if any(entry[:n] in drops for n in range(1, len(entry) + 1)):
            continue
        doc.problem(
            path,
            "schema",
            f"{'.'.join(map(str, path))}: {_schema_message(error)}; the entry is ignored",
        )
        drops.add(entry)
    for entry in sorted(drops, key=lambda p: (len(p), [str(x) for x in p]), reverse=True):
        _drop(data, entry)


_TYPE_WORDS = {
    "array": "a list",
    "object": "a mapping",
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
}


def _schema_message(error: Any) -> str:
    """What is wrong and how to fix it, in the file's words rather than the validator's."""
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = list((error.schema.get("properties") or {}).keys())
        unknown = [k for k in error.instance if k not in known]
        if unknown and known:
            word = str(unknown[0])
            return f"unknown key {word!r}{_did_you_mean(word, known)} (known: {', '.join(known)})"
    if kind == "enum":
        choices = ", ".join(
            dict.fromkeys("off" if c is False else str(c) for c in error.validator_value)
        )
        return f"{error.instance!r} is not one of {choices}"
    if kind == "required":
        return f"{error.message}; add it"
    matchers = set(error.instance) & {"argv", "text"} if isinstance(error.instance, dict) else None
    if kind == "oneOf" and matchers is not None and len(matchers) != 1:
        return "give exactly one of argv and text"
    if kind == "pattern" and error.validator_value == "^(/|~/)":
        return f"{error.instance!r} is not absolute; start it with / or ~/"
    if kind == "type":
        wanted = _TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
        return f"{error.instance!r} is not {wanted}; write {wanted}"
    return str(error.message)


def _drop(data: dict[str, Any], path: tuple[Any, ...]) -> None:
    container: Any = data
    for key in path[:-1]:
        try:
            container = container[key]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(container, dict):
        container.pop(last, None)
    elif isinstance(container, list) and isinstance(last, int) and last < len(container):
        container[last] = None  # compacted after every drop so indexes stay valid meanwhile


def _compact(data: dict[str, Any]) -> None:
    for key in ("extra-rules", "overrides", "script-allow"):
        if isinstance(data.get(key), list):
            data[key] = [e for e in data[key] if e is not None]
    paths = data.get("paths")
    if isinstance(paths, dict):
        for key in PATH_KEYS:
            if isinstance(paths.get(key), list):
                paths[key] = [e for e in paths[key] if e is not None]


def _known_rule(rule_id: str, extra_ids: set[str]) -> bool:
    return rule_id in RULES or rule_id in extra_ids or rule_id.startswith("compat:")


def _canonical_rule(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    return rule.id if rule is not None else rule_id


def _semantic_check(doc: PolicyDoc, data: dict[str, Any], *, now: datetime | None) -> None:
    from datetime import datetime, timezone

    moment = now or datetime.now(timezone.utc)
    extra_ids: set[str] = set()
    for index, rule in enumerate(data.get("extra-rules") or []):
        if rule is None:
            continue
        clash = (
            "is a built-in rule id; choose another id"
            if rule["id"] in RULES
            else "is used twice; the later one is ignored"
            if rule["id"] in extra_ids
            else None
        )
        if clash:
            doc.problem(
                ("extra-rules", index, "id"),
                "duplicate-id",
                f"extra rule id {rule['id']!r} {clash}",
            )
            data["extra-rules"][index] = None
            continue
        extra_ids.add(rule["id"])
    rules = data.get("rules")
    if isinstance(rules, dict):
        for rule_id in list(rules):
            value = rules[rule_id]
            if value is False:  # YAML 1.1 reads an unquoted off as false
                rules[rule_id] = value = "off"
            if not _known_rule(rule_id, extra_ids):
                doc.problem(
                    ("rules", rule_id),
                    "unknown-rule",
                    f"unknown rule id {rule_id!r}{_did_you_mean(rule_id, list(RULES))}"
                    " ('sessionkit guard rules' lists them); the entry is ignored",
                )
                del rules[rule_id]
            elif _canonical_rule(rule_id) in FLOOR_RULES:
                doc.problem(
                    ("rules", rule_id),
                    "floor-rule",
                    f"rule {rule_id!r} is a floor rule and cannot be changed; remove the entry",
                )
                del rules[rule_id]
    duration = data.get("max-override-duration")
    if duration is not None:
        try:
            seconds = parse_duration(str(duration))
            if seconds > MAX_OVERRIDE_CEILING:
                raise ValueError(f"{duration!r} is longer than 7d")
        except ValueError as exc:
            doc.problem(
                ("max-override-duration",),
                "invalid-duration",
                f"max-override-duration: {exc}; write e.g. 4h or 2d (at most 7d)",
            )
            del data["max-override-duration"]
    for index, entry in enumerate(data.get("overrides") or []):
        if entry is None:
            continue
        message = override_problem(entry, extra_ids=extra_ids, now=moment)
        if message is not None:
            code, text = message
            doc.problem(("overrides", index), code, text)
            if code != "override-expired":
                data["overrides"][index] = None
    for index, entry in enumerate(data.get("script-allow") or []):
        if entry is None:
            continue
        if not _known_rule(entry["rule"], extra_ids):
            doc.problem(
                ("script-allow", index, "rule"),
                "unknown-rule",
                f"unknown rule id {entry['rule']!r}{_did_you_mean(entry['rule'], list(RULES))};"
                " the entry is ignored",
            )
            data["script-allow"][index] = None
        elif _canonical_rule(entry["rule"]) in FLOOR_RULES:
            doc.problem(
                ("script-allow", index, "rule"),
                "floor-rule",
                f"rule {entry['rule']!r} is a floor rule and cannot be allowed; remove the entry",
            )
            data["script-allow"][index] = None
    # lines are looked up by the index in the file, so before dropped entries are compacted away
    for index, entry in enumerate(data.get("extra-rules") or []):
        if entry is not None:
            entry["line"] = doc.line("extra-rules", index)
            entry["file"] = doc.file
    for index, entry in enumerate(data.get("overrides") or []):
        if entry is not None:
            entry["_line"] = doc.line("overrides", index)
            # compiled now (cache build), so the hot path matches with ``re`` alone (§12.8)
            entry["_paths_re"] = [wildmatch_regex(p) for p in entry.get("paths") or ()]
    for index, entry in enumerate(data.get("script-allow") or []):
        if entry is not None:
            entry["_line"] = doc.line("script-allow", index)  # for downgraded_by
    _compact(data)
    for entry in data.get("script-allow") or []:
        entry["_path_re"] = wildmatch_regex(entry["path"])


def override_problem(
    entry: Mapping[str, Any],
    *,
    extra_ids: set[str] | None = None,
    now: datetime,
    local: bool = False,
    max_duration: int = DEFAULT_MAX_OVERRIDE,
) -> tuple[str, str] | None:
    """(code, message) when an override entry is unusable; None when it is fine."""
    rule_id = str(entry.get("rule", ""))
    if not _known_rule(rule_id, extra_ids or set()):
        return (
            "unknown-rule",
            f"override for unknown rule {rule_id!r}{_did_you_mean(rule_id, list(RULES))};"
            " the entry is ignored",
        )
    if _canonical_rule(rule_id) in FLOOR_RULES:
        return ("floor-rule", f"rule {rule_id!r} cannot be overridden; remove the entry")
    if entry.get("action", "warn") not in ("warn", "allow"):
        return ("schema", "an override's action is warn or allow; the entry is ignored")
    if not str(entry.get("reason", "")).strip():
        return ("schema", "an override needs a reason; the entry is ignored")
    if len(str(entry.get("reason"))) > 500:
        return ("schema", "an override's reason is at most 500 characters; the entry is ignored")
    try:
        expires = parse_time(str(entry.get("expires", "")))
    except ValueError as exc:
        return ("invalid-time", f"expires: {exc}; the entry is ignored")
    if expires <= now:
        return (
            "override-expired",
            f"override {entry.get('id') or rule_id!r} expired at {entry.get('expires')}; remove it",
        )
    if local:
        # measured from its creation, and never from later than now: a store entry without
        # (or with a future) ``created`` cannot outlast max-override-duration from this check
        created = now
        try:
            if entry.get("created"):
                created = min(parse_time(str(entry["created"])), now)
        except ValueError:
            pass
        if (expires - created).total_seconds() > max_duration:
            return (
                "override-too-long",
                f"override {entry.get('id')!r} lasts longer than max-override-duration"
                f" ({format_duration(max_duration)}); the entry is ignored",
            )
    return None


# ---- the stricter merge (§12.3) ------------------------------------------------------------------


def _entry_key(entry: Any) -> str:
    if isinstance(entry, dict):
        entry = _strip_location(entry)
    return _jsonfast.dumps(entry, sort_keys=True)


def _paths(doc: PolicyDoc | None, key: str) -> list[Any]:
    if doc is None:
        return []
    paths = doc.data.get("paths") or {}
    return list(paths.get(key) or [])


def _default_action(rule_id: str, extras: Mapping[str, str]) -> str:
    rule = RULES.get(rule_id)
    if rule is not None:
        return rule.default_action
    return extras.get(rule_id, "block")


def _policy_from_docs(
    working: PolicyDoc | None,
    head: PolicyDoc | None,
    compat: Any,
    *,
    sources: Sequence[PolicySource],
    notices: Sequence[Notice] = (),
    explicit: bool = False,
    versioned: bool = True,
    root: str | None = None,
) -> Policy:
    """The effective policy of a working and a committed document (either may be None).

    With ``versioned`` false (no repository, or an explicit file) the working document applies
    as it stands; otherwise each setting takes the stricter of the two sides.
    """
    pending: list[str] = []
    # the working file's line of each pending loosening, for the notice's source (§11.1)
    pending_lines: list[int] = []

    def working_line(*path: str) -> None:
        line = working.line(*path) if working is not None else None
        if line:
            pending_lines.append(line)

    w = working.data if working is not None else {}
    sides: list[PolicyDoc] = [d for d in (working, head) if d is not None]
    strict = versioned and not explicit

    extras_w = list(w.get("extra-rules") or [])
    extras_h = list(head.data.get("extra-rules") or []) if head is not None else []
    extra_rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in (*extras_w, *(extras_h if strict else [])):
        key = _entry_key(entry)
        if key not in seen:
            seen.add(key)
            extra_rules.append(entry)
    extra_actions = {e["id"]: e.get("action", "block") for e in extra_rules}

    rules: dict[str, tuple[str, str | None, int | None]] = {}
    ids: list[str] = []
    for doc in sides:
        for rule_id in doc.data.get("rules") or {}:
            canonical = _canonical_rule(rule_id)
            if canonical not in ids:
                ids.append(canonical)
    for rule_id in ids:
        default = _default_action(rule_id, extra_actions)

        def side(doc: PolicyDoc | None, rule_id: str = rule_id) -> tuple[str, int | None] | None:
            if doc is None:
                return None
            for key, value in (doc.data.get("rules") or {}).items():
                if _canonical_rule(key) == rule_id:
                    return str(value), doc.line("rules", key)
            return None

        ws, hs = side(working), side(head)
        w_action = ws[0] if ws else default
        if not strict:
            if ws:
                rules[rule_id] = (w_action, working.file if working else None, ws[1])
            continue
        h_action = hs[0] if hs else default
        effective = w_action if LEVEL[w_action] >= LEVEL[h_action] else h_action
        if LEVEL[w_action] < LEVEL[effective]:
            pending.append(f"rules.{rule_id}: {w_action} (committed: {h_action})")
            if ws and ws[1]:
                pending_lines.append(ws[1])
        if effective == default and not (ws and w_action == effective) and not hs:
            continue
        if ws and w_action == effective:
            rules[rule_id] = (effective, working.file if working else None, ws[1])
        elif hs:
            rules[rule_id] = (effective, head.file if head else None, hs[1])
        elif effective != default:  # pragma: no cover - only reachable with a head entry
            rules[rule_id] = (effective, None, None)

    def loosening_list(key: str, getter: Callable[[PolicyDoc | None], list[Any]]) -> list[Any]:
        wl = getter(working)
        if not strict:
            return wl
        hl_keys = {_entry_key(e) for e in getter(head)}
        kept = [e for e in wl if _entry_key(e) in hl_keys]
        for entry in wl:
            if _entry_key(entry) not in hl_keys:
                label = entry if isinstance(entry, str) else entry.get("id") or entry.get("rule")
                pending.append(f"{key}: {label}")
                working_line(*key.split("."))
        return kept

    artefact_dirs = loosening_list("paths.artefact-dirs", lambda d: _paths(d, "artefact-dirs"))
    temp_dirs = loosening_list("paths.temp-dirs", lambda d: _paths(d, "temp-dirs"))
    allow_delete = loosening_list("paths.allow-delete", lambda d: _paths(d, "allow-delete"))
    overrides = loosening_list(
        "overrides", lambda d: list(d.data.get("overrides") or []) if d else []
    )
    script_allow = loosening_list(
        "script-allow", lambda d: list(d.data.get("script-allow") or []) if d else []
    )
    not_artefact: list[str] = []
    for doc in sides if strict else sides[:1]:
        for entry in _paths(doc, "not-artefact-dirs"):
            if entry not in not_artefact:
                not_artefact.append(entry)

    def flag(key: str, default: bool, strict_value: bool) -> bool:
        wv = (
            bool(w.get(key, default))
            if key != "compat"
            else bool((w.get("compat") or {}).get("blocked-commands", default))
        )
        if not strict:
            return wv
        hd = head.data if head is not None else {}
        hv = (
            bool(hd.get(key, default))
            if key != "compat"
            else bool((hd.get("compat") or {}).get("blocked-commands", default))
        )
        if wv == hv:
            return wv
        if wv != strict_value:  # only a loosening waits for a commit; a tightening applies now
            name = key if key != "compat" else "compat.blocked-commands"
            pending.append(f"{name}: {'true' if wv else 'false'}")
            working_line(*name.split("."))
        return strict_value

    relax = flag("relax-in-linked-worktrees", False, False)
    compat_enabled = flag("compat", True, True)

    def duration(doc: PolicyDoc | None) -> int:
        if doc is None or "max-override-duration" not in doc.data:
            return DEFAULT_MAX_OVERRIDE
        return parse_duration(str(doc.data["max-override-duration"]))

    max_duration = duration(working)
    if strict:
        committed = duration(head)
        if max_duration > committed:
            pending.append(f"max-override-duration: {format_duration(max_duration)}")
            working_line("max-override-duration")
        max_duration = min(max_duration, committed)

    compat_rules: list[dict[str, Any]] = []
    protected: list[str] = []
    all_notices = list(notices)
    if compat is not None and compat_enabled:
        # compat.blocked-commands: false stops reading the file (§12.7): no rules, no
        # protected paths and no notices about its entries
        compat_rules, protected, compat_notices = compat
        all_notices.extend(compat_notices)
    if pending:
        all_notices.append(
            Notice(
                "policy-uncommitted-weakening",
                "loosening in " + POLICY_REL + " waits for a commit: " + "; ".join(pending),
                f"{POLICY_REL}:{min(pending_lines)}" if pending_lines else POLICY_REL,
            )
        )
    return Policy(
        rules=rules,
        artefact_dirs=artefact_dirs,
        not_artefact_dirs=not_artefact,
        temp_dirs=temp_dirs,
        allow_delete=allow_delete,
        extra_rules=extra_rules,
        compat_rules=compat_rules,
        overrides=overrides,
        relax_in_linked_worktrees=relax,
        compat_enabled=compat_enabled,
        max_override_duration=max_duration,
        script_allow=script_allow,
        compat_protected_paths=protected,
        sources=sources,
        notices=all_notices,
        pending=pending,
        explicit=explicit,
        root=root,
    )


# ---- discovery, HEAD and the cache (§12.8) -----------------------------------------------------


def _write_cache(path: str | None, key: Mapping[str, Any], policy: Policy) -> None:
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{path}.{os.getpid()}.tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(_jsonfast.dumps({"key": key, "policy": policy.to_json()}))
        os.replace(temp, path)
    except OSError:
        return  # a failed cache write changes nothing else


def _head_text(root: str, rel: str) -> tuple[str, str | None]:
    """(status, text) of ``rel`` at HEAD: ``present``, ``absent`` or ``unavailable``."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=root,
            input=f"HEAD:{rel}\n".encode(),
            capture_output=True,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
            check=False,
        )
    except OSError:
        return "unavailable", None
    if proc.returncode != 0:
        return "unavailable", None
    out = proc.stdout
    header, _, rest = out.partition(b"\n")
    if header.endswith((b" missing", b"ambiguous")):
        return "absent", None
    parts = header.split()
    if len(parts) != 3 or parts[1] != b"blob":
        return "absent", None
    size = int(parts[2])
    return "present", rest[:size].decode("utf-8", "replace")


def _check_compat_ids(
    doc: PolicyDoc, ids: Sequence[str], problems: list[Problem], notices: list[Notice]
) -> None:
    """``rules: {compat:<id>: …}`` must name a rule of the prior art's file (§12.2, §12.8)."""
    rules = doc.data.get("rules")
    if not isinstance(rules, dict):
        return
    known = [f"compat:{rule_id}" for rule_id in ids]
    for rule_id in list(rules):
        if str(rule_id).startswith("compat:") and rule_id not in known:
            where = (
                f"no rule {rule_id[len('compat:') :]!r} in {COMPAT_REL}"
                if known
                else f"{COMPAT_REL} has no usable rules"
            )
            problem = Problem(
                doc.file,
                doc.line("rules", rule_id),
                "unknown-rule",
                f"unknown rule id {rule_id!r} ({where}){_did_you_mean(rule_id, known)};"
                " the entry is ignored",
            )
            problems.append(problem)
            notices.append(problem.notice())
            del rules[rule_id]


def _build(
    root: str, git_dir: str | None, *, now: datetime | None = None
) -> tuple[Policy, list[Problem]]:
    """Parse every source and merge them (the cache-miss path)."""
    from sessionkit.policy import compat as compat_module

    problems: list[Problem] = []
    notices: list[Notice] = []
    sources: list[PolicySource] = []
    working_path = os.path.join(root, POLICY_REL)
    working: PolicyDoc | None = None
    text = _read_text(working_path, limit=1 << 22)
    if text is None and os.path.lexists(working_path):
        # there but unreadable (a directory, no permission, a dangling link): said so, and
        # judged as a working file that is invalid as a whole (§10.4)
        working = PolicyDoc(POLICY_REL)
        working.fatal = Problem(
            POLICY_REL,
            None,
            "unreadable",
            "the file cannot be read; make it a readable regular file",
        )
    elif text is not None:
        sources.append(PolicySource(POLICY_REL, "working"))
        working = parse_policy_text(text, POLICY_REL, now=now)
        problems.extend(working.problems)
        notices.extend(
            p.notice("override-expired" if p.code == "override-expired" else "policy-entry-ignored")
            for p in working.problems
        )
    head: PolicyDoc | None = None
    versioned = git_dir is not None
    if versioned:
        status, head_text = _head_text(root, POLICY_REL)
        if status == "present" and head_text is not None:
            sources.append(PolicySource(POLICY_REL, "head"))
            head = parse_policy_text(head_text, f"HEAD:{POLICY_REL}", now=now)
            if head.fatal is not None:
                head = None  # a broken committed file counts as empty
    elif working is not None:
        notices.append(
            Notice(
                "policy-not-versioned",
                f"{POLICY_REL} is not in a git repository, so it applies as it stands",
                POLICY_REL,
            )
        )
    if working is not None and working.fatal is not None:
        problems.append(working.fatal)
        fallback = "the committed version applies" if head is not None else "built-in rules apply"
        notices.append(
            Notice(
                "policy-invalid",
                f"{working.fatal.message}; the working file is ignored and {fallback}",
                f"{working.fatal.file}:{working.fatal.line}" if working.fatal.line else POLICY_REL,
            )
        )
        working = head
        head_for_merge: PolicyDoc | None = head
    else:
        head_for_merge = head
        if versioned and head is None:
            # A missing (or unreadable) committed file counts as empty: loosenings wait.
            head_for_merge = PolicyDoc(f"HEAD:{POLICY_REL}")
    compat = compat_module.read_compat(root)
    if compat.present:
        sources.append(PolicySource(COMPAT_REL, "compat"))
    if working is not None and working.fatal is None:
        _check_compat_ids(working, compat.ids, problems, notices)
    policy = _policy_from_docs(
        working,
        head_for_merge,
        (compat.rules, compat.protected_paths, compat.notices),
        sources=sources,
        notices=notices,
        versioned=versioned,
        root=root,
    )
    if policy.compat_enabled:
        problems.extend(compat.problems)
    return policy, problems
