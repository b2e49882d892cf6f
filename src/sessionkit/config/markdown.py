"""Decoding an instruction file and delimiting its ``## Session Config`` section (config.md §3).

Pure functions over bytes and lines; no file system, no schema. The caller passes the set of
block keys used by the "key outside the section" check (§3.7).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from sessionkit.config.diagnostics import INFO, WARNING, Diagnostic, make

HEADING = "Session Config"
SATELLITES = {"Skill Evolution": "skill-evolution", "Dispatcher Autonomy": "dispatcher-autonomy"}
MAX_SECTION_BYTES = 1024 * 1024
_BINARY_PROBE = 8192

_LINE_SPLIT = re.compile(r"(\r\n|\r|\n)")
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_TRAILING_COMMENT = re.compile(r"[ \t]*<!--.*?-->[ \t]*$")
_KEY_LIKE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*)?[A-Za-z_][A-Za-z0-9_.-]*(?:\*\*)?:(?:\*\*)?(?:[ \t]|$)"
)
_COLUMN0_KEY = re.compile(
    r"^(?:[-*+][ \t]+)?(?:\*\*)?([A-Za-z_][A-Za-z0-9_.-]*)(?:\*\*)?:(?:\*\*)?(?:[ \t]|$)"
)
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(.+?)\1:?$")
_NEAR_NORMALISE = re.compile(r"[\s_-]+")
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass
class Decoded:
    """A decoded file: lines without their endings, the endings, and decoding problems."""

    lines: list[str]
    endings: list[str]
    bom: bool
    diagnostics: list[Diagnostic]
    usable: bool = True
    undecodable: bool = True  # whether any byte failed to decode (scanned once per file)


@dataclass
class Section:
    heading_line: int  # 1-based line of the heading
    first_line: int  # first body line (heading_line + 1)
    last_line: int  # last body line (may be < first_line for an empty body)


@dataclass
class Extraction:
    """What §3 finds in a decoded file."""

    sections: list[int] = field(default_factory=list)
    section: Section | None = None
    satellites: dict[str, Section] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parse_section: bool = True  # False after encoding or size errors inside the section


def decode(data: bytes, file: str) -> Decoded:
    """§3.1: binary check, BOMs, UTF-8 with surrogateescape, line ends."""
    diags: list[Diagnostic] = []
    if b"\0" in data[:_BINARY_PROBE] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diags.append(
            make("config.binary", f"{file} contains a NUL byte: it is not text", file=file, line=1)
        )
        return Decoded([], [], False, diags, usable=False)
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff")):
        diags.append(
            make("config.encoding", f"{file} is UTF-16 or UTF-32 encoded", file=file, line=1)
        )
        return Decoded([], [], False, diags, usable=False)
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
        diags.append(
            make(
                "config.bom",
                f"{file} starts with a UTF-8 byte order mark",
                file=file,
                line=1,
                column=1,
            )
        )
    try:
        text = data.decode("utf-8")  # the common case, and proof that every byte decodes
        undecodable = False
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="surrogateescape")
        undecodable = True
    lines, endings = split_lines(text)
    return Decoded(lines, endings, bom, diags, undecodable=undecodable)


def split_lines(text: str) -> tuple[list[str], list[str]]:
    """Lines and their endings; ``\\r\\n`` and a lone ``\\r`` are one line end each."""
    if "\r" not in text:  # LF only: str.split is much faster than the regular expression
        lines = text.split("\n")
        endings = ["\n"] * (len(lines) - 1) + [""]
    else:
        parts = _LINE_SPLIT.split(text)
        lines = parts[0::2]
        endings = [*parts[1::2], ""]
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
        endings.pop()
    elif lines == [""]:
        return [], []
    return lines, endings


def first_bad_byte(line: str) -> int | None:
    """0-based column of the first undecodable byte (a lone surrogate) in ``line``."""
    match = _UNDECODED.search(line)
    return match.start() if match else None


@dataclass
class _Heading:
    line: int
    level: int
    content: str
    decorated: bool


def _atx(line: str) -> _Heading | None:
    match = _ATX.match(line)
    if match is None:
        return None
    content = match.group(2) or ""
    decorated = False
    while True:
        stripped = _TRAILING_COMMENT.sub("", content)
        if stripped == content:
            break
        decorated = True
        content = stripped
    content = _CLOSING_HASHES.sub("", content) if content.strip("# \t") else ""
    return _Heading(0, len(match.group(1)), content.rstrip(" \t"), decorated)


@dataclass
class _LineInfo:
    in_fence: bool  # inside a fence (fence lines themselves count)
    in_comment: bool  # starts inside a multi-line HTML comment
    fence_open_line: int | None = None


def classify_lines(lines: list[str]) -> tuple[list[_LineInfo], list[tuple[int, bool]]]:
    """Fence and HTML-comment state of every line, and the fences (open line, closed?)."""
    infos: list[_LineInfo] = []
    fences: list[tuple[int, bool]] = []
    fence: tuple[str, int, int] | None = None  # char, length, open line index
    in_comment = False
    for index, line in enumerate(lines):
        if fence is not None:
            infos.append(_LineInfo(True, False, fence[2]))
            stripped = line.strip(" ")
            if (
                len(line) - len(line.lstrip(" ")) <= 3
                and stripped
                and set(stripped.rstrip(" \t")) == {fence[0]}
                and len(stripped.rstrip(" \t")) >= fence[1]
            ):
                fences.append((fence[2], True))
                fence = None
            continue
        if in_comment:
            infos.append(_LineInfo(False, True))
            if "-->" in line:
                in_comment = "<!--" in line[line.rindex("-->") + 3 :]
            continue
        head = line[:6]
        match = _FENCE_OPEN.match(line) if ("```" in head or "~~~" in head) else None
        if match and not (match.group(2)[0] == "`" and "`" in match.group(3)):
            infos.append(_LineInfo(True, False, index))
            fence = (match.group(2)[0], len(match.group(2)), index)
            continue
        infos.append(_LineInfo(False, False))
        start = line.rfind("<!--")
        if start >= 0 and "-->" not in line[start + 4 :]:
            in_comment = True
    if fence is not None:
        fences.append((fence[2], False))
    return infos, fences


def _near_miss_text(text: str) -> str:
    text = re.sub(r"<!--.*?(-->|$)", " ", text)
    text = text.replace("*", " ").replace("`", " ")
    text = text.strip().rstrip(":").strip()
    return _NEAR_NORMALISE.sub(" ", text).strip().casefold()


def _near_miss_heading_text(content: str) -> bool:
    norm = _near_miss_text(content)
    if not norm or norm == "session config":
        return bool(norm)
    if norm.startswith("session config"):
        return True
    return difflib.SequenceMatcher(None, norm, "session config").ratio() >= 0.85


def _is_near_miss(line: str) -> bool:
    stripped = line.strip()
    heading = _atx(line)
    if heading is not None:
        if heading.level == 2 and heading.content == HEADING:
            return False
        return _near_miss_heading_text(heading.content)
    if stripped.startswith("#"):
        # Hashes glued to the text (``##Session Config``) are no ATX heading in CommonMark,
        # but the line is a candidate all the same (§3.3: lines that start with ``#``).
        return _near_miss_heading_text(stripped.lstrip("#"))
    emphasised = _EMPHASIS.match(stripped)
    if emphasised is not None:
        return _near_miss_text(emphasised.group(2)) == "session config"
    if stripped.endswith(":") and len(stripped) < 40:
        return _near_miss_text(stripped) == "session config"
    return False


def extract(
    decoded: Decoded,
    file: str,
    *,
    block_keys: Collection[str] = (),
) -> Extraction:
    """§3.2–§3.8: the section, satellites, near misses and boundary diagnostics."""
    result = Extraction()
    lines = decoded.lines
    infos, fences = classify_lines(lines)
    headings: list[_Heading] = []
    fenced_real: list[int] = []
    for index, line in enumerate(lines):
        if not line.lstrip(" ").startswith("#"):
            continue
        info = infos[index]
        heading = _atx(line)
        if heading is None:
            continue
        heading.line = index + 1
        if info.in_fence or info.in_comment:
            if info.in_fence and heading.level == 2 and heading.content == HEADING:
                fenced_real.append(index + 1)
            continue
        headings.append(heading)

    real = [h for h in headings if h.level == 2 and h.content == HEADING]
    result.sections = [h.line for h in real]
    diags = result.diagnostics

    def boundary(start: _Heading) -> Section:
        end = len(lines)
        for other in headings:
            if other.line > start.line and other.level <= 2:
                end = other.line - 1
                break
        return Section(start.line, start.line + 1, end)

    if real:
        first = real[0]
        section = boundary(first)
        result.section = section
        if first.decorated:
            diags.append(
                make(
                    "config.heading-decorated",
                    "the Session Config heading carries a trailing HTML comment",
                    file=file,
                    line=first.line,
                )
            )
        for later in real[1:]:
            diags.append(
                make(
                    "config.duplicate-section",
                    f"a second '## Session Config' section is ignored; the first is at line {first.line}",
                    file=file,
                    line=later.line,
                )
            )
        _check_h1(lines, infos, headings, section, file, diags)
        for open_line, closed in fences:
            if not closed and section.first_line <= open_line + 1 <= section.last_line:
                diags.append(
                    make(
                        "config.unclosed-fence",
                        "a code block opened in the section is never closed",
                        file=file,
                        line=open_line + 1,
                    )
                )
    elif fenced_real:
        diags.append(
            make(
                "config.heading-in-fence",
                "the '## Session Config' heading is inside a code block, so it is not a heading",
                file=file,
                line=fenced_real[0],
            )
        )

    for heading in headings:
        if heading.level == 2 and heading.content in SATELLITES and not heading.decorated:
            name = heading.content
            if name not in result.satellites:
                result.satellites[name] = boundary(heading)

    # Near misses (§3.3): never read, warned when there is no real heading.
    severity = INFO if real else WARNING
    for index, line in enumerate(lines):
        info = infos[index]
        if info.in_fence or info.in_comment or not line.strip():
            continue
        if "ession" not in line and "ESSION" not in line and "#" not in line[:4]:
            continue  # cannot be a near miss: keeps the scan linear and cheap
        if real and any(index + 1 == h.line for h in real):
            continue
        if _is_near_miss(line):
            diags.append(
                make(
                    "config.heading-near-miss",
                    f"{line.strip()!r} looks like the Session Config heading but is not; did you mean '## Session Config'?",
                    severity=severity,
                    file=file,
                    line=index + 1,
                )
            )

    # Encoding problems: inside the section an error (section unparsed), elsewhere a warning.
    if decoded.undecodable:
        _check_encoding(lines, result, file)

    if result.section is not None:
        size = sum(
            len(lines[i].encode("utf-8", "surrogateescape")) + 1
            for i in range(result.section.first_line - 1, result.section.last_line)
        )
        if size > MAX_SECTION_BYTES:
            result.parse_section = False
            diags.append(
                make(
                    "config.section-too-large",
                    f"the Session Config section is {size} bytes (limit {MAX_SECTION_BYTES})",
                    file=file,
                    line=result.section.heading_line,
                )
            )

    if block_keys:
        _check_outside(lines, infos, result, file, block_keys)
    for name, sat in result.satellites.items():
        diags.append(
            make(
                "config.satellite",
                f"the '## {name}' section is read for {SATELLITES[name]}",
                file=file,
                line=sat.heading_line,
            )
        )
    return result


def _check_h1(
    lines: list[str],
    infos: list[_LineInfo],
    headings: list[_Heading],
    section: Section,
    file: str,
    diags: list[Diagnostic],
) -> None:
    end_heading = next((h for h in headings if h.line == section.last_line + 1), None)
    if end_heading is None or end_heading.level != 1:
        return
    stop = len(lines)
    for other in headings:
        if other.line > end_heading.line and other.level == 2:
            stop = other.line - 1
            break
    for index in range(end_heading.line, stop):
        if infos[index].in_fence or infos[index].in_comment:
            continue
        if _KEY_LIKE.match(lines[index]):
            diags.append(
                make(
                    "config.h1-ends-section",
                    f"the level-1 heading {_quote_line(lines[end_heading.line - 1])} at line "
                    f"{end_heading.line} ends the Session Config section; line {index + 1} "
                    f"({_quote_line(lines[index])}) is not read",
                    file=file,
                    line=end_heading.line,
                )
            )
            return


def _quote_line(line: str) -> str:
    text = line.strip()
    return repr(text if len(text) <= 60 else text[:59] + "…")


def _check_encoding(lines: list[str], result: Extraction, file: str) -> None:
    section = result.section
    outside_reported = False
    for index, line in enumerate(lines):
        column = first_bad_byte(line)
        if column is None:
            continue
        inside = section is not None and section.first_line <= index + 1 <= section.last_line
        if inside:
            result.parse_section = False
            result.diagnostics.append(
                make(
                    "config.encoding",
                    "the Session Config section contains bytes that are not UTF-8; it is not read",
                    file=file,
                    line=index + 1,
                    column=column + 1,
                )
            )
            return
        if not outside_reported:
            outside_reported = True
            result.diagnostics.append(
                make(
                    "config.encoding",
                    f"{file} contains bytes that are not UTF-8 outside the section",
                    severity=WARNING,
                    file=file,
                    line=index + 1,
                    column=column + 1,
                )
            )


def _check_outside(
    lines: list[str],
    infos: list[_LineInfo],
    result: Extraction,
    file: str,
    block_keys: Collection[str],
) -> None:
    covered: list[tuple[int, int]] = []
    if result.section is not None:
        covered.append((result.section.heading_line, result.section.last_line))
    covered.extend((s.heading_line, s.last_line) for s in result.satellites.values())
    for index, line in enumerate(lines):
        number = index + 1
        if infos[index].in_fence or infos[index].in_comment:
            continue
        if ":" not in line or any(start <= number <= end for start, end in covered):
            continue
        match = _COLUMN0_KEY.match(line)
        if match and match.group(1) in block_keys:
            result.diagnostics.append(
                make(
                    "config.key-outside-section",
                    f"'{match.group(1)}' is outside the Session Config section and is not read "
                    "(the prior art read blocks anywhere in the file)",
                    file=file,
                    line=number,
                    key=match.group(1),
                )
            )


def section_lines(decoded: Decoded, section: Section) -> list[str]:
    return decoded.lines[section.first_line - 1 : section.last_line]


__all__ = [
    "HEADING",
    "Decoded",
    "Extraction",
    "Section",
    "decode",
    "extract",
    "section_lines",
    "split_lines",
]
