"""The full load (cache miss): resolution, the pipeline, the ``HEAD`` merge, the cache write.

``api.py`` decides whether a full load is needed; this module does it (config.md §2, §7, §10).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessionkit.config import head as headmod
from sessionkit.config._fast import Location, cache_path, head_fingerprint
from sessionkit.config._model import SessionConfig
from sessionkit.config.cache import cache_document, write_cache
from sessionkit.config.diagnostics import Diagnostic, make, ordered
from sessionkit.config.pipeline import Parsed, parse_bytes
from sessionkit.config.report import ConfigError, LoadReport, Source
from sessionkit.config.resolve import Candidate, env_file, resolve, same_file

_MAX_DIFFS = 10


@dataclass
class Loaded:
    config: SessionConfig
    sources: list[dict[str, Any]]
    head: dict[str, Any]
    written_at_ns: int


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """The canonical full document (defaults filled in) of a valid partial one."""
    full: dict[str, Any] = SessionConfig.from_json(doc).to_json()
    return full


def _provenance(parsed: Parsed | None, origin: str, commit: str | None) -> dict[str, Source]:
    if parsed is None or not parsed.has_section:
        return {}
    return {
        key: Source(parsed.file, line, column, origin, commit)
        for key, (line, column) in parsed.provenance_paths().items()
    }


def load_text(text: str, filename: str) -> SessionConfig:
    """``load_config_text``: the pipeline alone on ``text`` (no file system, git or cache)."""
    parsed = parse_bytes(text.encode("utf-8", "surrogateescape"), filename)
    diags = list(parsed.diagnostics)
    if not parsed.has_section and parsed.usable:
        diags.append(
            make(
                "config.no-section", f"{filename} has no '## Session Config' section", file=filename
            )
        )
    doc = complete(parsed.doc)
    headmod.fold_protection(doc)
    report = LoadReport(
        root="",
        host_file=filename,
        host_kind="explicit",
        sections=parsed.sections,
        section=parsed.section,
        candidates=[_candidate_record(filename, True, parsed)],
        diagnostics=ordered(diags),
        head={"status": "no-repo", "commit": None, "host_file": None},
        provenance=_provenance(parsed, "working", None),
    )
    return SessionConfig.from_json(doc).with_report(report)


def _candidate_record(path: str, exists: bool, parsed: Parsed | None) -> dict[str, Any]:
    has = bool(parsed and parsed.has_section)
    return {
        "path": path,
        "exists": exists,
        "has_section": has,
        "section_line": parsed.section[0] if parsed and parsed.section else None,
        "digest": parsed.digest if parsed else None,
    }


def full_load(
    loc: Location, environ: Mapping[str, str], *, ref: str | None = None, write: bool = True
) -> Loaded:
    if ref is not None:
        return _load_ref(loc, environ, ref)
    started_ns = time.time_ns()
    root = loc.root
    head_fp = head_fingerprint(loc.git_dir, loc.common_dir)
    res = resolve(root, loc.explicit, environ)
    host = res.host
    if loc.explicit is not None:
        assert host is not None
        _require_usable(host, root, loc.git_dir)

    diags: list[Diagnostic] = list(res.diagnostics)
    parsed = host.parsed if host is not None else None
    instruction = [c for c in res.candidates if c.role in ("claude", "agents")]
    if parsed is not None:
        diags.extend(parsed.diagnostics)
    else:
        for cand in instruction:
            if cand.parsed is not None:
                diags.extend(cand.parsed.diagnostics)
        if host is None:
            existing = [c.path for c in instruction if c.exists]
            if not existing:
                diags.append(
                    make(
                        "config.no-instruction-file",
                        "neither CLAUDE.md nor AGENTS.md exists at the repository root; "
                        "every key takes its default",
                    )
                )
            else:
                diags.append(
                    make(
                        "config.no-section",
                        f"no '## Session Config' section in {' or '.join(existing)}; "
                        "every key takes its default",
                        file=existing[0],
                    )
                )
    if (
        parsed is not None
        and host is not None
        and host.exists
        and not parsed.has_section
        and host.role in ("explicit", "env")
    ):
        diags.append(
            make(
                "config.no-section",
                f"no '## Session Config' section in {host.path}; every key takes its default",
                file=host.path,
            )
        )
    if res.other is not None and host is not None:
        diags.extend(_both_files(root, host, res.other))
    has_section = parsed is not None and parsed.has_section
    if loc.git_dir is None and has_section:
        diags.append(
            make(
                "config.not-versioned",
                "not in a git repository: loosening keys apply without a commit",
                file=host.path if host else None,
            )
        )

    working_doc = parsed.doc if parsed is not None and has_section else {}
    provenance = _provenance(parsed, "working", None)
    full_working = complete(working_doc)
    headmod.fold_protection(full_working)

    head_info: dict[str, Any] = {"status": "no-repo", "commit": None, "host_file": None}
    loosening: dict[str, dict[str, Any]] = {}
    pending: list[str] = []
    changed: list[str] = []
    final = full_working
    if loc.git_dir is not None:
        known = {
            c.path: (c.data, c.parsed)
            for c in res.candidates
            if c.data is not None and c.parsed is not None
        }
        head_side = _read_head(loc, environ, head_fp, diags, known)
        head_info = head_side["info"]
        if head_side["doc"] is working_doc:  # the committed file is the working file
            full_head = full_working
        else:
            full_head = complete(head_side["doc"])
            headmod.fold_protection(full_head)
        final, loosening, pending = _merge(
            full_working, full_head, provenance, head_side["provenance"], parsed, diags
        )
        if head_info["status"] in ("read", "unborn"):
            changed = _changed(full_working, full_head)

    consulted = [c.record for c in res.candidates]
    report = LoadReport(
        root=root,
        git_dir=loc.git_dir,
        host_file=host.path
        if host is not None and (has_section or host.role in ("explicit", "env"))
        else None,
        host_kind=host.role
        if host is not None and (has_section or host.role in ("explicit", "env"))
        else None,
        sections=parsed.sections if parsed else (),
        section=parsed.section if parsed else None,
        candidates=[_candidate_record(c.path, c.exists, c.parsed) for c in res.candidates],
        consulted=consulted,
        diagnostics=ordered(diags),
        head=head_info,
        loosening=loosening,
        pending=pending,
        changed_since_head=changed,
        provenance=provenance,
        cache_path=None,
    )
    config = SessionConfig.from_json(final)
    if write:
        path = cache_path(root, loc.git_dir)
        document = cache_document(
            root=root,
            environ=environ,
            sources=consulted,
            head=head_fp,
            written_at_ns=started_ns,
            config=config.to_json(),
            defaults=SessionConfig.defaults().to_json(),
            report=report.to_json(),
        )
        if write_cache(path, document):
            report.cache_path = path
    return Loaded(config.with_report(report), consulted, head_fp, started_ns)


def _require_usable(host: Candidate, root: str, git_dir: str | None) -> None:
    """An explicitly named file that is missing or unreadable is a ``ConfigError`` (§2.3)."""
    if host.exists and host.data is not None:
        return
    problems = host.diagnostics if host.exists and host.diagnostics else []
    if not problems:
        problems = [make("config.file-not-found", f"{host.path} does not exist", file=host.path)]
    report = LoadReport(root=root, git_dir=git_dir, diagnostics=problems)
    raise ConfigError("io", problems, report)


def _both_files(root: str, host: Candidate, other: Candidate) -> list[Diagnostic]:
    if same_file(root, host, other):
        return []
    assert host.parsed is not None and other.parsed is not None
    a, b = complete(host.parsed.doc), complete(other.parsed.doc)
    differing = [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]
    line = host.parsed.section[0] if host.parsed.section else None
    if not differing:
        return [
            make(
                "config.both-files",
                f"{host.path} and {other.path} both have a Session Config section; "
                f"they agree and {host.path} is used",
                severity="info",
                file=host.path,
                line=line,
            )
        ]
    shown = ", ".join(differing[:_MAX_DIFFS]) + (" …" if len(differing) > _MAX_DIFFS else "")
    return [
        make(
            "config.both-files",
            f"{host.path} and {other.path} both have a Session Config section and differ "
            f"({shown}); {host.path} is used",
            file=host.path,
            line=line,
        )
    ]


def _choose_in_revision(
    files: headmod.RevisionFiles,
    env_rel: str | None,
    known: dict[str, tuple[bytes, Parsed]] | None = None,
) -> tuple[str | None, Parsed | None]:
    """§2.3 applied to the files of a revision.

    ``known`` holds the working tree's bytes and parse per path: a committed file equal to
    its working copy (the usual case) is not parsed twice.
    """

    def parse(data: bytes, name: str) -> Parsed:
        seen = (known or {}).get(name)
        if seen is not None and seen[0] == data:
            return seen[1]
        return parse_bytes(data, name)

    if env_rel is not None and files.blobs.get(env_rel) is not None:
        data = files.blobs[env_rel]
        assert data is not None
        return env_rel, parse(data, env_rel)
    for name in ("CLAUDE.md", "AGENTS.md"):
        data = files.blobs.get(name)
        if data is None:
            continue
        parsed = parse(data, name)
        if parsed.has_section:
            return name, parsed
    return None, None


def _env_rel(root: str, environ: Mapping[str, str]) -> str | None:
    named, _legacy = env_file(environ)
    if named is None:
        return None
    full = named if os.path.isabs(named) else os.path.join(root, named)
    rel = os.path.relpath(full, root).replace(os.sep, "/")
    if rel.startswith("../") or rel == "..":
        return None
    return rel


def _explicit_rel(loc: Location) -> str | None:
    if loc.explicit is None:
        return None
    rel = os.path.relpath(loc.explicit, loc.root).replace(os.sep, "/")
    return None if rel == ".." or rel.startswith("../") else rel


def _read_head(
    loc: Location,
    environ: Mapping[str, str],
    head_fp: dict[str, Any],
    diags: list[Diagnostic],
    known: dict[str, tuple[bytes, Parsed]],
) -> dict[str, Any]:
    empty: dict[str, Any] = {"doc": {}, "provenance": {}}
    if head_fp["status"] == "unborn":
        return {**empty, "info": {"status": "unborn", "commit": None, "host_file": None}}
    # The committed side resolves like the working side: the explicit file, else the
    # environment's file, else CLAUDE.md / AGENTS.md (§7.1).
    env_rel = _explicit_rel(loc) or _env_rel(loc.root, environ)
    paths = [p for p in (env_rel, "CLAUDE.md", "AGENTS.md") if p is not None]
    files = headmod.read_revision(loc.root, "HEAD", paths)
    if files.status == "missing-ref":
        return {**empty, "info": {"status": "unborn", "commit": None, "host_file": None}}
    if files.status != "read":
        diags.append(
            make(
                "config.head-unreadable",
                f"the committed configuration could not be read ({files.problem}); "
                "loosening keys keep their defaults",
            )
        )
        return {**empty, "info": {"status": "unavailable", "commit": None, "host_file": None}}
    host_file, parsed = _choose_in_revision(files, env_rel, known)
    info = {"status": "read", "commit": files.commit, "host_file": host_file}
    if parsed is None:
        return {**empty, "info": info}
    if any(d.severity == "error" for d in parsed.diagnostics):
        diags.append(
            make(
                "config.head-invalid",
                f"the configuration committed at HEAD ({host_file}) has errors; "
                "its invalid values count as defaults",
                file=host_file,
            )
        )
    return {
        "doc": parsed.doc if parsed.has_section else {},
        "provenance": _provenance(parsed, "head", files.commit),
        "info": info,
    }


def _merge(
    working: dict[str, Any],
    head: dict[str, Any],
    provenance: dict[str, Source],
    head_provenance: dict[str, Source],
    parsed: Parsed | None,
    diags: list[Diagnostic],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[str]]:
    final = json.loads(json.dumps(working))
    loosening: dict[str, dict[str, Any]] = {}
    pending: list[str] = []
    for path, rule in headmod.loosening_rules():
        key = ".".join(path)
        w = headmod.get_path(working, path)
        h = headmod.get_path(head, path)
        merged = headmod.merge_value(rule, w, h)
        w_src = provenance.get(key)
        h_src = head_provenance.get(key)
        loosening[key] = {
            "working": w,
            "head": h,
            "effective": merged.effective,
            "pending": merged.pending,
            "working_source": w_src,
            "head_source": h_src,
        }
        if not merged.pending:
            continue
        headmod.set_path(final, path, merged.effective)
        pending.append(key)
        if h_src is not None:
            provenance[key] = h_src
        else:
            provenance.pop(key, None)
        where = w_src or _section_source(parsed)
        diags.append(
            make(
                "config.uncommitted-loosening",
                f"`{key}: {_show(w)}` is not committed; the committed value `{_show(h)}` "
                "applies until this change is committed",
                file=where.file if where else None,
                line=where.line if where else None,
                column=where.column if where else None,
                key=key,
                value=w,
            )
        )
    return final, loosening, pending


def _section_source(parsed: Parsed | None) -> Source | None:
    if parsed is None or parsed.section is None:
        return None
    return Source(parsed.file, parsed.section[0])


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _changed(working: dict[str, Any], head: dict[str, Any]) -> list[str]:
    out: list[str] = []

    def walk(a: Any, b: Any, prefix: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else key)
        elif a != b:
            out.append(prefix)

    walk(working, head, "")
    return out


def _load_ref(loc: Location, environ: Mapping[str, str], ref: str) -> Loaded:
    root = loc.root
    if loc.git_dir is None:
        problem = make("config.ref-not-found", f"{ref!r} cannot be read: not in a git repository")
        raise ConfigError("ref", [problem], LoadReport(root=root, diagnostics=[problem]))
    env_rel = _env_rel(root, environ)
    paths = [p for p in (env_rel, "CLAUDE.md", "AGENTS.md") if p is not None]
    files = headmod.read_revision(root, ref, paths)
    if files.status != "read":
        rule = "config.ref-not-found" if files.status == "missing-ref" else "config.head-unreadable"
        problem = make(rule, f"revision {ref!r} could not be read: {files.problem}")
        raise ConfigError(
            "ref", [problem], LoadReport(root=root, git_dir=loc.git_dir, diagnostics=[problem])
        )
    host_file, parsed = _choose_in_revision(files, env_rel)
    diags: list[Diagnostic] = []
    if parsed is not None:
        diags.extend(parsed.diagnostics)
    else:
        diags.append(make("config.no-section", f"no '## Session Config' section at {ref}"))
    doc = complete(parsed.doc if parsed is not None else {})
    headmod.fold_protection(doc)
    info = {"status": "read", "commit": files.commit, "host_file": host_file}
    report = LoadReport(
        root=root,
        git_dir=loc.git_dir,
        host_file=host_file,
        host_kind="claude"
        if host_file == "CLAUDE.md"
        else "agents"
        if host_file == "AGENTS.md"
        else "env"
        if host_file
        else None,
        sections=parsed.sections if parsed else (),
        section=parsed.section if parsed else None,
        candidates=[
            _candidate_record(p, files.blobs.get(p) is not None, parsed if p == host_file else None)
            for p in paths
        ],
        diagnostics=ordered(diags),
        head=info,
        provenance=_provenance(parsed, "ref", files.commit),
    )
    config = SessionConfig.from_json(doc).with_report(report)
    return Loaded(config, [], {"kind": "none", "value": None, "status": "ref"}, 0)
