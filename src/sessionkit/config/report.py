"""``LoadReport``, ``Source`` and ``ConfigError`` (config.md §9.1, §9.3, §9.4).

Hot path: standard library only; the cache reader rebuilds a report from JSON without the
pipeline. Records in ``candidates``, ``consulted``, ``head`` and ``loosening`` are plain dicts
so that they serialise as they are.
"""

from __future__ import annotations

from sessionkit.config.diagnostics import ENV, ERROR, INFO, WARNING, Diagnostic
from sessionkit.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, EXIT_USAGE, SessionkitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

_set = object.__setattr__


class Source:
    """Where a key was set: file, 1-based line and column, origin and commit (frozen)."""

    __slots__ = ("column", "commit", "file", "line", "origin")

    file: str
    line: int
    column: int | None
    origin: str  # "working" | "head" | "ref"
    commit: str | None

    def __init__(
        self,
        file: str,
        line: int,
        column: int | None = None,
        origin: str = "working",
        commit: str | None = None,
    ) -> None:
        _set(self, "file", file)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "origin", origin)
        _set(self, "commit", commit)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Source is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Source is frozen")

    def __copy__(self) -> Source:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Source:
        return self

    def __reduce__(self) -> tuple[type[Source], tuple[str, int, int | None, str, str | None]]:
        return (Source, self._astuple())

    def _astuple(self) -> tuple[str, int, int | None, str, str | None]:
        return (self.file, self.line, self.column, self.origin, self.commit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Source):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        return (
            f"Source({self.file!r}, {self.line}, {self.column}, {self.origin!r}, {self.commit!r})"
        )

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def to_list(self) -> list[object]:
        """The compact cache form ``["CLAUDE.md", 42, 1, "working", null]``."""
        return [self.file, self.line, self.column, self.origin, self.commit]

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "origin": self.origin,
            "commit": self.commit,
        }

    @classmethod
    def from_list(cls, data: list[Any]) -> Source:
        file, line, column, origin, commit = data
        return cls(str(file), int(line), column, str(origin), commit)


class LoadReport:
    """Everything a load found out besides the configuration itself."""

    __slots__ = (
        "cache_path",
        "candidates",
        "changed_since_head",
        "consulted",
        "diagnostics",
        "from_cache",
        "git_dir",
        "head",
        "host_file",
        "host_kind",
        "loosening",
        "pending",
        "provenance",
        "root",
        "section",
        "sections",
    )

    root: str
    git_dir: str | None
    host_file: str | None
    host_kind: str | None
    sections: tuple[int, ...]
    section: tuple[int, int, int] | None
    candidates: tuple[dict[str, Any], ...]
    consulted: tuple[dict[str, Any], ...]
    diagnostics: tuple[Diagnostic, ...]
    head: dict[str, Any]
    loosening: dict[str, dict[str, Any]]
    pending: tuple[str, ...]
    changed_since_head: tuple[str, ...]
    provenance: dict[str, Source]
    from_cache: bool
    cache_path: str | None

    def __init__(
        self,
        *,
        root: str,
        git_dir: str | None = None,
        host_file: str | None = None,
        host_kind: str | None = None,
        sections: Iterable[int] = (),
        section: tuple[int, int, int] | None = None,
        candidates: Iterable[dict[str, Any]] = (),
        consulted: Iterable[dict[str, Any]] = (),
        diagnostics: Iterable[Diagnostic] = (),
        head: Mapping[str, Any] | None = None,
        loosening: Mapping[str, dict[str, Any]] | None = None,
        pending: Iterable[str] = (),
        changed_since_head: Iterable[str] = (),
        provenance: Mapping[str, Source] | None = None,
        from_cache: bool = False,
        cache_path: str | None = None,
    ) -> None:
        self.root = root
        self.git_dir = git_dir
        self.host_file = host_file
        self.host_kind = host_kind
        self.sections = tuple(sections)
        self.section = tuple(section) if section is not None else None  # type: ignore[assignment]
        self.candidates = tuple(candidates)
        self.consulted = tuple(consulted)
        self.diagnostics = tuple(diagnostics)
        self.head = dict(head) if head else {"status": "no-repo", "commit": None, "host_file": None}
        self.loosening = dict(loosening) if loosening else {}
        self.pending = tuple(pending)
        self.changed_since_head = tuple(changed_since_head)
        self.provenance = dict(provenance) if provenance else {}
        self.from_cache = from_cache
        self.cache_path = cache_path

    def __repr__(self) -> str:
        return (
            f"LoadReport(root={self.root!r}, host_file={self.host_file!r}, "
            f"status={self.status!r}, diagnostics={len(self.diagnostics)})"
        )

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == WARNING)

    @property
    def infos(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == INFO)

    @property
    def ok(self) -> bool:
        """No error was reported."""
        return not any(d.severity == ERROR for d in self.diagnostics)

    @property
    def status(self) -> str:
        """``"invalid"``, ``"no-config"``, ``"warnings"`` or ``"valid"``."""
        if not self.ok:
            return "invalid"
        if self.section is None:
            return "no-config"
        if any(d.severity == WARNING for d in self.diagnostics):
            return "warnings"
        return "valid"

    @property
    def has_env_problem(self) -> bool:
        """An *env* rule fired (the CLI exits 3)."""
        return any(d.category == ENV and d.severity == ERROR for d in self.diagnostics)

    def diagnostics_for(self, prefix: str) -> tuple[Diagnostic, ...]:
        """Diagnostics whose key starts with ``prefix`` (e.g. ``"hooks."``)."""
        bare = prefix.rstrip(".")
        return tuple(
            d
            for d in self.diagnostics
            if d.key is not None and (d.key.startswith(prefix) or d.key == bare)
        )

    def to_json(self) -> dict[str, Any]:
        """The full report as JSON (the cache stores it; no absolute paths are added here)."""
        return {
            "root": self.root,
            "git_dir": self.git_dir,
            "host_file": self.host_file,
            "host_kind": self.host_kind,
            "sections": list(self.sections),
            "section": list(self.section) if self.section else None,
            "candidates": [dict(c) for c in self.candidates],
            "consulted": [dict(c) for c in self.consulted],
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "head": dict(self.head),
            "loosening": {
                key: {
                    **{k: v for k, v in entry.items() if not k.endswith("_source")},
                    "working_source": _src(entry.get("working_source")),
                    "head_source": _src(entry.get("head_source")),
                }
                for key, entry in self.loosening.items()
            },
            "pending": list(self.pending),
            "changed_since_head": list(self.changed_since_head),
            "provenance": {key: src.to_list() for key, src in self.provenance.items()},
            "status": self.status,
        }

    @classmethod
    def from_json(
        cls, data: dict[str, Any], *, from_cache: bool = False, cache_path: str | None = None
    ) -> LoadReport:
        section = data.get("section")
        return cls(
            root=str(data["root"]),
            git_dir=data.get("git_dir"),
            host_file=data.get("host_file"),
            host_kind=data.get("host_kind"),
            sections=[int(n) for n in data.get("sections", ())],
            section=(int(section[0]), int(section[1]), int(section[2])) if section else None,
            candidates=data.get("candidates", ()),
            consulted=data.get("consulted", ()),
            diagnostics=[Diagnostic.from_json(d) for d in data.get("diagnostics", ())],
            head=data.get("head"),
            loosening={
                key: {
                    **entry,
                    "working_source": _unsrc(entry.get("working_source")),
                    "head_source": _unsrc(entry.get("head_source")),
                }
                for key, entry in data.get("loosening", {}).items()
            },
            pending=data.get("pending", ()),
            changed_since_head=data.get("changed_since_head", ()),
            provenance={k: Source.from_list(v) for k, v in data.get("provenance", {}).items()},
            from_cache=from_cache,
            cache_path=cache_path,
        )


def _src(source: object) -> list[object] | None:
    return source.to_list() if isinstance(source, Source) else None


def _unsrc(data: object) -> Source | None:
    return Source.from_list(data) if isinstance(data, list) else None


class ConfigError(SessionkitError, ValueError):
    """A load that cannot return a configuration as asked (config.md §9.1).

    ``kind``: ``"invalid"`` (strict and a problem), ``"io"`` (the named file is missing or
    unreadable), ``"ref"`` (the revision does not resolve), ``"usage"`` (a bad revision string).
    """

    def __init__(
        self,
        kind: str,
        diagnostics: Iterable[Diagnostic],
        report: LoadReport | None = None,
    ) -> None:
        self.kind = kind
        self.diagnostics = tuple(diagnostics)
        self.report = report
        first = self.diagnostics[0] if self.diagnostics else None
        message = first.text().splitlines()[0] if first else f"configuration error ({kind})"
        if len(self.diagnostics) > 1:
            message += f" (and {len(self.diagnostics) - 1} more)"
        super().__init__(message, hint=first.hint if first else None)
        if kind in ("io", "ref"):
            self.exit_code = EXIT_ENVIRONMENT
        elif kind == "usage":
            self.exit_code = EXIT_USAGE
        else:
            self.exit_code = EXIT_FINDINGS
