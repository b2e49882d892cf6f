"""One instruction file's bytes to a valid configuration document (§3, §4): stages N-Y-T-V.

Pure: no file system, no git. Used for the working tree, for ``HEAD`` and for
``load_config_text``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sessionkit.config import coerce, markdown, normalise, validate, yamlreader
from sessionkit.config import keyschema as ks
from sessionkit.config.coerce import Path, Typed
from sessionkit.config.diagnostics import Diagnostic, make
from sessionkit.config.markdown import SATELLITES


@dataclass
class Parsed:
    """What one file says: its valid document (defaults not filled in) and where keys are."""

    file: str
    has_section: bool = False
    sections: tuple[int, ...] = ()
    section: tuple[int, int, int] | None = None
    doc: dict[str, Any] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    usable: bool = True  # False when the file could not be decoded

    @property
    def digest(self) -> str | None:
        """SHA-256 of the canonical JSON of what the section configures."""
        if not self.has_section:
            return None
        text = json.dumps(self.doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def provenance_paths(self) -> dict[str, tuple[int, int]]:
        """Canonical dotted key -> (line, column) for every key still set in ``doc``."""
        out: dict[str, tuple[int, int]] = {}
        for path, mark in self.key_marks.items():
            if any(isinstance(p, int) for p in path) or not _present(self.doc, path):
                continue
            out[".".join(str(p) for p in path)] = mark
        return out


def _present(doc: Any, path: Path) -> bool:
    node = doc
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def scan(data: bytes, file: str) -> tuple[markdown.Decoded, markdown.Extraction]:
    """Decode and extract only (enough to know whether the file has a section)."""
    decoded = markdown.decode(data, file)
    if not decoded.usable:
        return decoded, markdown.Extraction()
    return decoded, markdown.extract(decoded, file, block_keys=ks.block_keys())


def parse_bytes(data: bytes, file: str) -> Parsed:
    decoded, extraction = scan(data, file)
    return parse_scanned(decoded, extraction, file)


def parse_scanned(decoded: markdown.Decoded, extraction: markdown.Extraction, file: str) -> Parsed:
    result = Parsed(file)
    result.diagnostics.extend(decoded.diagnostics)
    if not decoded.usable:
        result.usable = False
        return result
    result.diagnostics.extend(extraction.diagnostics)
    result.sections = tuple(extraction.sections)
    section = extraction.section
    if section is None:
        # Without a Session Config section the file is "no configuration" (§2.3): its
        # satellites are not read either.
        return result
    result.has_section = True
    result.section = (section.heading_line, section.first_line, section.last_line)
    if not extraction.parse_section:
        return result
    typed = _read_body(markdown.section_lines(decoded, section), section.first_line, file, result)
    _merge_satellites(decoded, extraction, file, typed, result)
    result.diagnostics.extend(validate.validate(typed, file))
    _empty_maps_are_null(typed.doc)
    result.doc = typed.doc
    result.key_marks = typed.key_marks
    result.diagnostics = [_mask_credentials(d) for d in result.diagnostics]
    return result


# Credentials in a URL (``https://user:secret@host``, ``?token=…``), wherever they appear.
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s@'\"]+:[^/\s@'\"]*@", re.I)
_SECRET_QUERY = re.compile(r"([?&](?:token|key|secret|password|sig)=)[^&\s'\"]*", re.I)


def _mask(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


def _mask_credentials(diag: Diagnostic) -> Diagnostic:
    """§8.1: a value whose content suggests a secret is masked in the message and the value."""
    value = diag.value
    if not isinstance(value, str) or _mask(value) == value:
        return diag
    return Diagnostic(
        diag.rule,
        diag.severity,
        _mask(diag.message),
        file=diag.file,
        line=diag.line,
        column=diag.column,
        hint=_mask(diag.hint) if diag.hint is not None else None,
        key=diag.key,
        value=_mask(value),
    )


def _read_body(lines: list[str], first_line: int, file: str, result: Parsed) -> Typed:
    normalised = normalise.normalise(
        lines, first_line, file, known_top=ks.top_level(), array_top=ks.array_keys()
    )
    result.diagnostics.extend(normalised.diagnostics)
    root, yaml_diags = yamlreader.read(normalised, file)
    result.diagnostics.extend(yaml_diags)
    typed = coerce.type_tree(root, file)
    result.diagnostics.extend(typed.diagnostics)
    return typed


def _merge_satellites(
    decoded: markdown.Decoded,
    extraction: markdown.Extraction,
    file: str,
    typed: Typed,
    result: Parsed,
) -> None:
    for heading, sat in extraction.satellites.items():
        key = SATELLITES[heading]
        normalised = normalise.normalise(
            markdown.section_lines(decoded, sat),
            sat.first_line,
            file,
            known_top=ks.top_level(),
            array_top=ks.array_keys(),
        )
        root, yaml_diags = yamlreader.read(normalised, file)
        result.diagnostics.extend(yaml_diags)
        sat_typed = coerce.type_satellite(root, file, key)
        result.diagnostics.extend(sat_typed.diagnostics)
        if key not in sat_typed.doc:
            continue
        if key in typed.doc:
            section_line = typed.key_marks.get((key,), (0, 0))[0]
            sat_line = sat_typed.key_marks.get((key,), (0, 0))[0]
            result.diagnostics.append(
                make(
                    "config.duplicate-key",
                    f"'{key}' is set in the section (line {section_line}) and in the "
                    f"'## {heading}' section (line {sat_line}); the section wins",
                    file=file,
                    line=sat_line,
                    key=key,
                )
            )
            continue
        typed.doc[key] = sat_typed.doc[key]
        for path, mark in sat_typed.key_marks.items():
            if path[:1] == (key,):
                typed.key_marks[path] = mark
        for path, mark in sat_typed.value_marks.items():
            if path[:1] == (key,):
                typed.value_marks[path] = mark


def _empty_maps_are_null(doc: dict[str, Any]) -> None:
    """``agent-mapping: {}`` is unset (case 31d): an empty map whose default is null."""
    for key, value in list(doc.items()):
        if value == {}:
            schema = ks.schema_at((key,))
            if schema is not None and not ks.properties(schema) and schema.get("default") is None:
                doc[key] = None
