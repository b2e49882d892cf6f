"""``config migrate``: rewrite a section into the canonical style (config.md §11.5).

Migration changes style, never meaning. The section body is split into top-level entries
using the line normaliser (the reader's own view of the text, line for line):

- an entry whose lines carry no comment, no warning and no error, and that sets only keys
  under its own name, is written again from its typed values by :mod:`render`, using the
  provenance of every key to take exactly what that entry set;
- any other entry (unknown or invalid keys, comments, aliases kept under their prior-art name)
  keeps its normalised text, which already has no bullets, no bold and quoted values; a
  comment on a block header line moves to its own line above, so the prior art enters the
  block (case 41);
- prose, HTML comments and level-3+ headings between entries become ``#`` comments; prose
  before the first and after the last entry stays where it is, verbatim.

Guarantees, each enforced here rather than hoped for: bytes outside the section body are
kept (BOM, line endings, heading); the result must load to the same configuration and the
same provenance keys (else ``config.migrate-changed-meaning`` and nothing is written);
migrating the result again changes nothing; writes are atomic and keep the file mode.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sessionkit import schemas
from sessionkit.config.render import FLOW_MAPPINGS, render_yaml

# Diagnostics that mean the section text itself could not be read: nothing to migrate safely.
REFUSING_RULES = frozenset(
    {
        "config.yaml-syntax",
        "config.encoding",
        "config.section-too-large",
        "config.file-too-large",
        "config.binary",
        "config.too-deep",
        "config.too-many-nodes",
        "config.value-too-long",
        "config.not-a-mapping",
    }
)
DEPRECATED_RENAMES = {"persona-reviewers": "wave-reviewers"}
# Warnings that the canonical rewrite itself resolves (a deprecated name, `waves:4`).
RESOLVED_BY_MIGRATION = frozenset({"config.deprecated-key", "config.missing-space"})
_LINE_END = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^ \t`]*)")
_READ_FENCES = frozenset({"", "yaml", "yml", "md", "markdown", "text", "txt"})
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):(?:[ \t]+(.*))?$")
_HTML_COMMENT = re.compile(r"<!--(.*?)-->")
_THEMATIC = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|\.\.\.[ \t]*)$")


class MigrationRefused(Exception):
    """The section cannot be migrated safely; nothing was written."""

    def __init__(self, message: str, diagnostics: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = list(diagnostics)


@dataclass
class Migration:
    """What a migration produced."""

    original: str
    text: str
    filename: str
    renamed_keys: list[tuple[str, str]] = field(default_factory=list)
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.text.splitlines(keepends=True),
                fromfile=f"a/{self.filename}",
                tofile=f"b/{self.filename}",
            )
        )


# -- the schema facts the normaliser needs ------------------------------------------------------


@cache
def _top_level() -> tuple[frozenset[str], frozenset[str]]:
    """(every top-level key, the array-typed ones) from the schema."""
    properties = schemas.load_schema("session-config").get("properties", {})
    arrays = {
        key
        for key, node in properties.items()
        if node.get("type") == "array"
        or (isinstance(node.get("type"), list) and "array" in node["type"])
    }
    return frozenset(properties), frozenset(arrays)


# -- lines --------------------------------------------------------------------------------------


def split_with_endings(text: str) -> list[tuple[str, str]]:
    """``(line, ending)`` pairs; ``\\r\\n`` and a lone ``\\r`` are one line end each."""
    pairs: list[tuple[str, str]] = []
    start = 0
    for match in _LINE_END.finditer(text):
        pairs.append((text[start : match.start()], match.group()))
        start = match.end()
    if start < len(text):
        pairs.append((text[start:], ""))
    return pairs


def dominant_ending(pairs: Iterable[tuple[str, str]]) -> str:
    counts: dict[str, int] = {}
    for _, ending in pairs:
        if ending:
            counts[ending] = counts.get(ending, 0) + 1
    return max(counts, key=lambda e: counts[e]) if counts else "\n"


def _fence_lines(lines: Sequence[str]) -> tuple[set[int], set[int]]:
    """(delimiters of read fences, lines inside skipped fences incl. their delimiters)."""
    delimiters: set[int] = set()
    skipped: set[int] = set()
    open_fence: tuple[str, int, bool] | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if open_fence is None:
            if match:
                marker, info = match.group(1), match.group(2).lower()
                read = info in _READ_FENCES
                open_fence = (marker[0], len(marker), read)
                (delimiters if read else skipped).add(index)
            continue
        char, length, read = open_fence
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        closes = indent <= 3 and len(stripped) >= length and set(stripped) == {char}
        if closes:
            (delimiters if read else skipped).add(index)
            open_fence = None
        elif not read:
            skipped.add(index)
    return delimiters, skipped


def _as_comment(original: str) -> str | None:
    """A removed line (prose, HTML comment, heading) as a YAML comment; None to drop it."""
    text = original.strip()
    if not text or _THEMATIC.match(original):
        return None
    if "<!--" in text:
        inner = " ".join(m.strip() for m in _HTML_COMMENT.findall(text))
        rest = _HTML_COMMENT.sub("", text).replace("<!--", "").replace("-->", "").strip()
        text = " ".join(part for part in (inner, rest) if part)
        if not text:
            return None
    return f"# {text}"


# -- entries ------------------------------------------------------------------------------------


@dataclass
class _Entry:
    key: str
    start: int  # index in the body of the key line
    end: int  # index of its last line (inclusive)


def _entries(norm: Sequence[str]) -> list[_Entry]:
    entries: list[_Entry] = []
    for index, line in enumerate(norm):
        if line and not line[0].isspace() and _KEY.match(line) and not line.startswith("#"):
            if entries:
                entries[-1].end = _last_content(norm, entries[-1].start, index)
            entries.append(_Entry(line.split(":", 1)[0], index, index))
    if entries:
        entries[-1].end = _last_content(norm, entries[-1].start, len(norm))
    return entries


def _last_content(norm: Sequence[str], start: int, stop: int) -> int:
    """Last line before ``stop`` that belongs to the entry (indented content, not a gap)."""
    last = start
    for index in range(start + 1, stop):
        line = norm[index]
        if line.strip() and (line[0] in " \t" or line.startswith(("- ", "]", "}"))):
            last = index
    return last


def _has_comment(lines: Iterable[str]) -> bool:
    from sessionkit.config.normalise import split_comment

    for line in lines:
        if line.lstrip().startswith("#"):
            return True
        match = _KEY.match(line.strip().removeprefix("- "))
        value = match.group(2) if match else line.strip()
        if value and split_comment(value)[1]:
            return True
    return False


def _paths_in(provenance: Mapping[str, Any], first: int, last: int) -> list[str]:
    """Provenance keys set on file lines ``first..last``; a child wins over its parent.

    A flow mapping (``agents-per-wave: {default: 6, deep: 18}``) is one value: its entries
    are never written apart from it.
    """
    inside = []
    for key, src in provenance.items():
        if first <= getattr(src, "line", 0) <= last:
            top = key.split(".", 1)[0]
            inside.append(top if top in FLOW_MAPPINGS else key)
    inside = list(dict.fromkeys(inside))
    return [k for k in inside if not any(o.startswith(k + ".") for o in inside)]


def _restricted(document: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted in paths:
        parts = dotted.split(".")
        value: Any = document
        for part in parts:
            value = value.get(part) if isinstance(value, Mapping) else None
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and not prefix and key == "agents-per-wave":
            flat[dotted] = value
        elif isinstance(value, Mapping) and value:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _has_records(value: Any) -> bool:
    """Whether ``value`` holds a list of mappings (records) anywhere."""
    if isinstance(value, Mapping):
        return any(_has_records(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, Mapping) for item in value)
    return False


def _override_syntax(value: Mapping[str, Any]) -> str:
    pairs = ", ".join(f"{k}: {v}" for k, v in value.items() if k != "default")
    return f"{value.get('default')} ({pairs})" if pairs else str(value.get("default"))


def _render_entry(
    entry_key: str,
    mapping: dict[str, Any],
    *,
    dotted: bool,
    keep_override_syntax: bool,
) -> list[str]:
    if dotted:
        lines = render_yaml(_flatten(mapping)).splitlines()
    else:
        lines = render_yaml(mapping).splitlines()
    apw = mapping.get("agents-per-wave")
    if keep_override_syntax and isinstance(apw, Mapping):
        lines = [
            f"agents-per-wave: {_override_syntax(apw)}"
            if line.startswith("agents-per-wave:")
            else line
            for line in lines
        ]
    return lines


def _events(text: str) -> list[tuple[Any, ...]] | None:
    """YAML events without marks: the structure a text means, or None when it does not parse."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [
            (
                type(event).__name__,
                getattr(event, "value", None),
                getattr(event, "style", None),
                getattr(event, "flow_style", None),
            )
            for event in yaml.parse(text, Loader=loader)
        ]
    except yaml.YAMLError:
        return None


def _reindent(lines: list[str]) -> list[str]:
    """Two-space indentation by nesting depth, kept only when YAML reads the same structure."""
    stack = [0]
    out: list[str] = []
    for line in lines:
        if not line.strip():
            out.append("")
            continue
        indent = len(line) - len(line.lstrip(" "))
        while indent < stack[-1]:
            stack.pop()
        if indent > stack[-1]:
            stack.append(indent)
        out.append("  " * (len(stack) - 1) + line.lstrip(" "))
    if out == lines:
        return lines
    before = _events("\n".join(lines) + "\n")
    return out if before is not None and before == _events("\n".join(out) + "\n") else lines


def _verbatim(norm_lines: Sequence[str]) -> list[str]:
    """Normalised text; a comment on a block header line moves above it (case 41)."""
    from sessionkit.config.normalise import split_comment

    out: list[str] = []
    for line in norm_lines:
        match = _KEY.match(line.strip())
        if match and match.group(2):
            value, comment = split_comment(match.group(2))
            if not value.strip() and comment:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}{comment.strip()}")
                out.append(f"{indent}{match.group(1)}:")
                continue
        out.append(line.rstrip())
    return _reindent(out)


# -- the migration ------------------------------------------------------------------------------


def migrate_text(
    text: str,
    *,
    filename: str = "CLAUDE.md",
    canonical_keys: bool = False,
    keep_override_syntax: bool = False,
) -> Migration:
    """Migrate the section of ``text`` (a whole host file, BOM already removed).

    Raises :class:`MigrationRefused` when the section cannot be read safely or the rewrite
    would change what the configuration means.
    """
    from sessionkit.config import load_config_text
    from sessionkit.config.normalise import normalise

    before = load_config_text(text, filename=filename)
    report = before.report
    refusing = [d for d in report.diagnostics if d.rule in REFUSING_RULES and d.severity == "error"]
    if refusing:
        raise MigrationRefused(
            "the section cannot be read safely; fix the errors above first", refusing
        )
    if report.section is None:
        return Migration(text, text, filename)
    _, first_line, last_line = report.section
    pairs = split_with_endings(text)
    body = [line for line, _ in pairs[first_line - 1 : last_line]]
    if not body:
        return Migration(text, text, filename)
    known_top, array_top = _top_level()
    norm = normalise(body, first_line, filename, known_top=known_top, array_top=array_top).lines
    entries = _entries(norm)
    if not entries:
        return Migration(text, text, filename)

    problem_lines = {
        d.line
        for d in report.diagnostics
        if d.severity in ("error", "warning") and d.line and d.rule not in RESOLVED_BY_MIGRATION
    }
    delimiters, skipped = _fence_lines(body)
    document = before.to_json()
    provenance = report.provenance
    renamed_keys: list[tuple[str, str]] = []
    content_start = min(i for i, line in enumerate(norm) if line.strip())
    content_end = max(i for i, line in enumerate(norm) if line.strip())
    content_start = min(content_start, entries[0].start)
    content_end = max(content_end, entries[-1].end)

    middle: list[str] = []
    by_start = {entry.start: entry for entry in entries}
    index = content_start
    while index <= content_end:
        entry = by_start.get(index)
        if entry is None:
            if norm[index].strip():
                middle.append(norm[index].rstrip())
            elif body[index].strip() and index not in delimiters:
                comment = _as_comment(body[index])
                if comment is not None:
                    middle.append(comment)
            else:
                middle.append("")
            index += 1
            continue
        span = norm[entry.start : entry.end + 1]
        file_first, file_last = first_line + entry.start, first_line + entry.end
        middle.extend(
            _migrate_entry(
                entry,
                span,
                document,
                _paths_in(provenance, file_first, file_last),
                problems=any(file_first <= n <= file_last for n in problem_lines),
                canonical_keys=canonical_keys,
                keep_override_syntax=keep_override_syntax,
                renamed_keys=renamed_keys,
            )
        )
        index = entry.end + 1

    leading = [body[i] for i in range(content_start) if i not in delimiters]
    trailing = [body[i] for i in range(content_end + 1, len(body)) if i not in delimiters]
    new_body = [*leading, "```yaml", *_drop_blank_edges(middle), "```", *trailing]
    del skipped  # skipped fences are prose: verbatim at the edges, comments in the middle

    ending = dominant_ending(pairs)
    head = "".join(line + end for line, end in pairs[: first_line - 1])
    tail = "".join(line + end for line, end in pairs[last_line:])
    # The body's last line keeps its own ending (none at the end of a file without one).
    rendered = ending.join(new_body) + pairs[last_line - 1][1]
    new_text = head + rendered + tail
    _check_meaning(text, new_text, filename)
    return Migration(text, new_text, filename, renamed_keys)


def _drop_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _migrate_entry(
    entry: _Entry,
    span: Sequence[str],
    document: Mapping[str, Any],
    paths: list[str],
    *,
    problems: bool,
    canonical_keys: bool,
    keep_override_syntax: bool,
    renamed_keys: list[tuple[str, str]],
) -> list[str]:
    from sessionkit.config.normalise import split_comment

    lead: list[str] = []
    header = _KEY.match(span[0])
    if header and header.group(2):
        value, comment = split_comment(header.group(2))
        if not value.strip() and comment:
            # A comment on a block header moves above it, so the prior art enters the block.
            lead = [comment.strip()]
            span = [f"{header.group(1)}:", *span[1:]]
    own = all(p == entry.key or p.startswith(entry.key + ".") for p in paths)
    deprecated = entry.key in DEPRECATED_RENAMES
    rename = deprecated or (canonical_keys and not own)
    if problems or not paths or _has_comment(span) or (not own and not rename):
        return [*lead, *_verbatim(span)]
    mapping = _restricted(document, paths)
    if _has_records(mapping) and not rename:
        # Typed records carry every default (`when: session-end`, …): the text as written,
        # re-indented, is the faithful canonical form of a list of records.
        return [*lead, *_verbatim(span)]
    if rename:
        renamed_keys.extend(
            dict.fromkeys((entry.key, path.split(".")[0] if deprecated else path) for path in paths)
        )
    return [
        *lead,
        *_render_entry(
            entry.key,
            mapping,
            # Renamed and dotted keys stay dotted, so they never collide with a block.
            dotted=(rename and not deprecated) or "." in entry.key,
            keep_override_syntax=keep_override_syntax,
        ),
    ]


def _check_meaning(old: str, new: str, filename: str) -> None:
    """Guarantee 2: the same configuration and the same provenance keys, or nothing."""
    from sessionkit.config import load_config_text
    from sessionkit.config.diagnostics import make

    before = load_config_text(old, filename=filename)
    after = load_config_text(new, filename=filename)
    same = before.to_json() == after.to_json() and set(before.report.provenance) == set(
        after.report.provenance
    )
    if not same:
        diagnostic = make(
            "config.migrate-changed-meaning",
            "the canonical rewrite would change what the configuration means; nothing was written",
            file=filename,
        )
        raise MigrationRefused("migration would change the configuration's meaning", [diagnostic])


def _read(path: str) -> tuple[bytes, str]:
    with open(path, "rb") as f:
        data = f.read()
    bom = data.startswith(b"\xef\xbb\xbf")
    return (b"\xef\xbb\xbf" if bom else b""), data[3 if bom else 0 :].decode(
        "utf-8", "surrogateescape"
    )


def write_atomically(path: str, data: bytes) -> None:
    """Temporary file in the same directory, then ``os.replace``; the file mode is kept.

    A symlinked host file is written through to its target.
    """
    target = os.path.realpath(path)
    mode = os.stat(target).st_mode & 0o7777
    directory = os.path.dirname(target)
    fd, temporary = tempfile.mkstemp(prefix=".sessionkit-migrate.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def migrate_file(
    path: str,
    *,
    filename: str,
    canonical_keys: bool = False,
    keep_override_syntax: bool = False,
    write: bool = False,
) -> Migration:
    """Migrate the host file at ``path``; with ``write``, rewrite it when it changes."""
    bom, text = _read(path)
    migration = migrate_text(
        text,
        filename=filename,
        canonical_keys=canonical_keys,
        keep_override_syntax=keep_override_syntax,
    )
    if write and migration.changed:
        write_atomically(path, bom + migration.text.encode("utf-8", "surrogateescape"))
        migration.written = True
    return migration
