"""§2: candidates, safe reading, and the choice of the host file.

Reading follows §15: a path resolving outside the root is not opened; FIFOs, sockets, devices
and directories are never read (``O_NONBLOCK`` open, then ``fstat`` must be a regular file);
reads are capped at 8 MiB + 1 byte.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field

from sessionkit.config.diagnostics import Diagnostic, make
from sessionkit.config.pipeline import Parsed, parse_scanned, scan

MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass
class Candidate:
    role: str  # "explicit" | "env" | "claude" | "agents"
    path: str  # repository-relative POSIX path (absolute for an explicit file outside the root)
    exists: bool = False
    data: bytes | None = None
    record: dict[str, object] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parsed: Parsed | None = None

    @property
    def has_section(self) -> bool:
        return self.parsed is not None and self.parsed.has_section


def rel_path(root: str, path: str) -> str:
    """``path`` relative to ``root`` in POSIX form, or absolute when outside it."""
    rel = os.path.relpath(path, root)
    if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        return path
    return rel.replace(os.sep, "/")


def inside(root: str, path: str) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def read_candidate(root: str, role: str, full: str, *, confine: bool = True) -> Candidate:
    """Stat and read one candidate safely; problems become diagnostics on the candidate."""
    shown = rel_path(root, full)
    candidate = Candidate(role, shown)
    record: dict[str, object] = {"path": shown, "role": role, "exists": False, "used": False}
    candidate.record = record
    if not os.path.lexists(full):
        return candidate
    real = os.path.realpath(full)
    if os.path.islink(full):
        record["realpath"] = rel_path(root, real)
    try:
        info = os.stat(full)
    except OSError as exc:
        candidate.exists = True
        record["exists"] = True
        if exc.errno == errno.ENOENT:  # a dangling symbolic link
            record["exists"] = False
            candidate.exists = False
            return candidate
        candidate.diagnostics.append(_unreadable(shown, exc.strerror or str(exc)))
        return candidate
    candidate.exists = True
    record.update(exists=True, mtime_ns=info.st_mtime_ns, size=info.st_size, ino=info.st_ino)
    if confine and not inside(root, full):
        candidate.diagnostics.append(
            make(
                "config.outside-repo",
                f"{shown} resolves outside the repository; it is not read",
                file=shown,
            )
        )
        return candidate
    candidate.data = _read_regular(full, shown, candidate.diagnostics)
    return candidate


def _unreadable(shown: str, why: str) -> Diagnostic:
    return make("config.unreadable", f"{shown} cannot be read: {why}", file=shown)


def _read_regular(full: str, shown: str, diags: list[Diagnostic]) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(full, flags)
    except OSError as exc:
        diags.append(_unreadable(shown, exc.strerror or str(exc)))
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            diags.append(_unreadable(shown, kind))
            return None
        if info.st_size > MAX_FILE_BYTES:
            diags.append(_too_large(shown, info.st_size))
            return None
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE_BYTES:
            diags.append(_too_large(shown, total))
            return None
        return b"".join(chunks)
    except OSError as exc:
        diags.append(_unreadable(shown, exc.strerror or str(exc)))
        return None
    finally:
        os.close(fd)


def _too_large(shown: str, size: int) -> Diagnostic:
    return make(
        "config.file-too-large",
        f"{shown} is {size} bytes; instruction files over {MAX_FILE_BYTES} bytes are not read",
        file=shown,
        line=1,
    )


def parse_candidate(candidate: Candidate) -> None:
    if candidate.data is not None and candidate.parsed is None:
        decoded, extraction = scan(candidate.data, candidate.path)
        candidate.parsed = parse_scanned(decoded, extraction, candidate.path)


@dataclass
class Resolution:
    """The candidates looked at and the host chosen among them (§2.3)."""

    candidates: list[Candidate]
    host: Candidate | None
    diagnostics: list[Diagnostic]
    other: Candidate | None = None  # AGENTS.md when both files have sections


def env_file(environ: Mapping[str, str]) -> tuple[str | None, bool]:
    """The environment-named file and whether it came from the legacy ``SO_CONFIG_FILE``."""
    value = environ.get("SESSIONKIT_CONFIG_FILE")
    if value:
        return value, False
    legacy = environ.get("SO_CONFIG_FILE")
    return (legacy, True) if legacy else (None, False)


def resolve(root: str, explicit: str | None, environ: Mapping[str, str]) -> Resolution:
    """Read the candidates of §2.2 and choose the host file by the precedence of §2.3."""
    diags: list[Diagnostic] = []
    candidates: list[Candidate] = []
    host: Candidate | None = None
    if explicit is not None:
        cand = read_candidate(root, "explicit", explicit, confine=False)
        candidates.append(cand)
        host = cand
    named, legacy = env_file(environ)
    if named is not None and host is None:
        if legacy:
            diags.append(make("config.legacy-env", f"SO_CONFIG_FILE={named} is used", file=None))
        full = named if os.path.isabs(named) else os.path.join(root, named)
        if not inside(root, full):
            # The value as written (never the joined absolute path: outputs hold no
            # absolute paths, §11.4); an absolute value stays in the message only.
            diags.append(
                make(
                    "config.outside-repo",
                    f"the configuration file {named!r} named by the environment is outside "
                    "the repository; it is ignored",
                    file=None if os.path.isabs(named) else named.replace(os.sep, "/"),
                    value=named,
                )
            )
        else:
            cand = read_candidate(root, "env", full)
            candidates.append(cand)
            if cand.exists:
                host = cand
            else:
                variable = "SO_CONFIG_FILE" if legacy else "SESSIONKIT_CONFIG_FILE"
                diags.append(
                    make(
                        "config.file-not-found",
                        f"{variable} names {named!r}, which does not exist",
                        file=cand.path,
                    )
                )
    claude = read_candidate(root, "claude", os.path.join(root, "CLAUDE.md"))
    agents = read_candidate(root, "agents", os.path.join(root, "AGENTS.md"))
    candidates.extend([claude, agents])
    other: Candidate | None = None
    if host is None:
        for cand in (claude, agents):
            parse_candidate(cand)
        with_section = [c for c in (claude, agents) if c.has_section]
        if with_section:
            host = with_section[0]
            if len(with_section) == 2:
                other = agents
    for cand in candidates:  # a candidate that cannot be read is reported even if another wins
        diags.extend(cand.diagnostics)
    if host is not None:
        parse_candidate(host)
        host.record["used"] = True
    return Resolution(candidates, host, diags, other)


def same_file(root: str, a: Candidate, b: Candidate) -> bool:
    ra = os.path.realpath(os.path.join(root, a.path))
    rb = os.path.realpath(os.path.join(root, b.path))
    if ra == rb:
        return True
    return (
        (a.record.get("ino"), a.record.get("mtime_ns"))
        == (
            b.record.get("ino"),
            b.record.get("mtime_ns"),
        )
        and a.record.get("ino") is not None
        and _same_dev(ra, rb)
    )


def _same_dev(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev and os.stat(a).st_ino == os.stat(b).st_ino
    except OSError:
        return False
