"""``sessionkit config show | validate | schema | migrate`` (config.md §11).

A thin shell: each command loads the configuration through the library, renders the result
as text or as one ``schemas/config-result.schema.json`` document, and exits with the
contract's code (0 ok, 1 problems, 2 usage, 3 environment or I/O).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sessionkit._version import __version__
from sessionkit.cli._errors import exit_with
from sessionkit.cli._output import echo_json
from sessionkit.errors import (
    EXIT_ENVIRONMENT,
    EXIT_FINDINGS,
    EXIT_OK,
    EnvironmentProblem,
    UsageError,
)

if TYPE_CHECKING:
    from sessionkit.config import Diagnostic, SessionConfig

F = TypeVar("F", bound=Callable[..., Any])
SEVERITIES = ("error", "warning", "info")
SHOWN_ON_STDERR = 5


def _field(record: object, name: str, default: Any = None) -> Any:
    """A field of a report record, whether the loader gives a mapping or an object."""
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


# -- loading ---------------------------------------------------------------------------------


def _common(function: F) -> F:
    """``--repo``, ``--file`` and ``--json``, shared by every reporting command."""
    function = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(
        function
    )
    function = click.option(
        "--file",
        "host_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Use this file as the instruction file instead of CLAUDE.md/AGENTS.md.",
    )(function)
    function = click.option(
        "--repo",
        default=".",
        show_default=True,
        type=click.Path(exists=True, file_okay=False),
        help="Where root discovery starts.",
    )(function)
    return function


def _ref_option(function: F) -> F:
    return click.option(
        "--ref", default=None, metavar="REV", help="Load the configuration committed at REV."
    )(function)


class Loaded:
    """A load's configuration (``None`` when it could not be built) and its report."""

    __slots__ = ("cfg", "diagnostics", "raised", "report")

    def __init__(
        self, cfg: SessionConfig | None, report: Any, diagnostics: list[Diagnostic], raised: bool
    ) -> None:
        self.cfg = cfg
        self.report = report
        self.diagnostics = diagnostics
        self.raised = raised


def load(repo: str, host_file: str | None, *, ref: str | None = None) -> Loaded:
    """Load like the library does; CI never trusts a cache it did not write (config.md §10.5)."""
    from sessionkit.config import ConfigError, load_config

    if ref is not None and ref.startswith("-"):
        raise UsageError(
            f"--ref {ref!r} looks like an option", hint="pass a revision such as HEAD~1"
        )
    path = os.path.abspath(host_file) if host_file else repo
    try:
        cfg = load_config(path, ref=ref, use_cache=not os.environ.get("CI"))
    except ConfigError as exc:
        if exc.kind == "usage":
            raise UsageError(str(exc)) from exc
        return Loaded(None, exc.report, list(exc.diagnostics), raised=True)
    return Loaded(cfg, cfg.report, list(cfg.report.diagnostics), raised=False)


def _is_env(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity == "error" and diagnostic.category == "env"


def _count(diagnostics: Iterable[Diagnostic]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for diagnostic in diagnostics:
        counts[diagnostic.severity] = counts.get(diagnostic.severity, 0) + 1
    return counts


def _exit_code(
    loaded: Loaded, diagnostics: Sequence[Diagnostic], *, strict: bool, require_section: bool
) -> int:
    if loaded.raised or any(_is_env(d) for d in diagnostics):
        return EXIT_ENVIRONMENT
    counts = _count(diagnostics)
    if counts["error"] or (strict and counts["warning"]):
        return EXIT_FINDINGS
    if require_section and _section(loaded.report) is None:
        return EXIT_FINDINGS
    return EXIT_OK


def _section(report: Any) -> tuple[int, int, int] | None:
    section = _field(report, "section") if report is not None else None
    return (int(section[0]), int(section[1]), int(section[2])) if section else None


# -- the config-result document ---------------------------------------------------------------


def _status(report: Any, counts: Mapping[str, int]) -> str:
    if counts["error"]:
        return "invalid"
    if report is None or _section(report) is None:
        return "no-config"
    return "warnings" if counts["warning"] else "valid"


def _pending(report: Any) -> list[dict[str, Any]]:
    if report is None:
        return []
    loosening = _field(report, "loosening") or {}
    records = []
    for key in _field(report, "pending") or ():
        state = loosening.get(key, {})
        source = _field(state, "working_source")
        records.append(
            {
                "key": key,
                "working": _field(state, "working"),
                "head": _field(state, "head"),
                "effective": _field(state, "effective"),
                "file": _field(source, "file"),
                "line": _field(source, "line"),
            }
        )
    return records


def result_document(
    command: str, loaded: Loaded, diagnostics: Sequence[Diagnostic], exit_code: int
) -> dict[str, Any]:
    """The ``schemas/config-result.schema.json`` document shared by every command."""
    report = loaded.report
    counts = _count(diagnostics)
    section = _section(report)
    head = _field(report, "head") if report is not None else None
    return {
        "schema_version": 1,
        "command": command,
        "sessionkit": __version__,
        "host_file": _field(report, "host_file") if report is not None else None,
        "section": (
            {"heading_line": section[0], "first_line": section[1], "last_line": section[2]}
            if section
            else None
        ),
        "status": _status(report, counts),
        "counts": counts,
        "diagnostics": [d.to_json() for d in diagnostics],
        "consulted": [
            {
                "path": _field(record, "path"),
                "role": _field(record, "role"),
                "exists": bool(_field(record, "exists")),
                "used": bool(_field(record, "used")),
            }
            for record in (_field(report, "consulted") or () if report is not None else ())
        ],
        "head": (
            {
                "status": _field(head, "status"),
                "commit": _field(head, "commit"),
                "host_file": _field(head, "host_file"),
            }
            if head is not None
            else None
        ),
        "pending": _pending(report),
        "exit_code": exit_code,
    }


def _summary_line(loaded: Loaded, diagnostics: Sequence[Diagnostic]) -> str:
    """``CLAUDE.md: 2 errors, 1 warning, 3 notes (section at line 40)``."""
    counts = _count(diagnostics)
    report = loaded.report
    host = _field(report, "host_file") if report is not None else None
    section = _section(report)

    where = f"section at line {section[0]}" if section else "no ## Session Config section"
    if not host:
        # No host file: name the instruction files that exist (they have no section).
        records = tuple(_field(report, "consulted") or () if report is not None else ())
        existing = [str(_field(record, "path")) for record in records if _field(record, "exists")]
        if existing:
            host = ", ".join(existing)
        else:
            host = "no CLAUDE.md or AGENTS.md" if records else "Session Config"
    return f"{host}: {_tally(counts)} ({where})"


def _tally(counts: Mapping[str, int]) -> str:
    """``2 errors, 1 warning, 3 notes``."""

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return ", ".join(
        (
            plural(counts["error"], "error"),
            plural(counts["warning"], "warning"),
            plural(counts["info"], "note"),
        )
    )


def _echo_diagnostics(diagnostics: Iterable[Diagnostic], *, err: bool = False) -> None:
    for diagnostic in diagnostics:
        click.echo(diagnostic.text(), err=err)


def _policy_diagnostics(loaded: Loaded, no_policy: bool) -> list[Diagnostic]:
    if no_policy or loaded.report is None:
        return []
    from sessionkit.config import validate_policy_files

    return list(validate_policy_files(_field(loaded.report, "root")))


# -- commands ---------------------------------------------------------------------------------


@click.group("config")
def config() -> None:
    """Show, validate and migrate the Session Config (## Session Config in CLAUDE.md/AGENTS.md)."""


@config.command("validate")
@_common
@_ref_option
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--require-section", is_flag=True, help="A missing section fails (exit 1).")
@click.option("--no-policy", is_flag=True, help="Skip the .orchestrator/policy/ validators.")
def validate(
    repo: str,
    host_file: str | None,
    as_json: bool,
    ref: str | None,
    strict: bool,
    require_section: bool,
    no_policy: bool,
) -> None:
    """Report every problem of the Session Config and the policy files."""
    loaded = load(repo, host_file, ref=ref)
    diagnostics = loaded.diagnostics + _policy_diagnostics(loaded, no_policy)
    code = _exit_code(loaded, diagnostics, strict=strict, require_section=require_section)
    if as_json:
        echo_json(result_document("validate", loaded, diagnostics, code))
    else:
        _echo_diagnostics(diagnostics)
        if require_section and _section(loaded.report) is None and code == EXIT_FINDINGS:
            click.echo("error: no ## Session Config section (--require-section)")
        click.echo(_summary_line(loaded, diagnostics))
    exit_with(code)


def _key_path(key: str) -> tuple[str, ...]:
    """Canonical dotted path of ``key`` (an alias is resolved); usage error when unknown."""
    from sessionkit.config._keys import ALIASES, KEYS

    canonical = ALIASES.get(key, key)
    if canonical in KEYS:
        return tuple(canonical.split("."))
    candidates = sorted({*KEYS, *ALIASES})
    close = difflib.get_close_matches(key, candidates, n=3, cutoff=0.75)
    hint = f"did you mean {', '.join(close)}?" if close else "see docs/config-reference.md"
    raise UsageError(f"unknown key {key!r}", hint=hint)


def _at(document: Any, path: tuple[str, ...]) -> Any:
    value = document
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _raw(value: Any) -> str:
    """``--key`` output: strings raw, JSON for everything else."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _source_json(source: Any) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "file": _field(source, "file"),
        "line": _field(source, "line"),
        "column": _field(source, "column"),
        "origin": _field(source, "origin"),
        "commit": _field(source, "commit"),
    }


def _leaf_paths(document: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterable[str]:
    from sessionkit.config.render import FLOW_MAPPINGS

    for key, value in document.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value and path[0] not in FLOW_MAPPINGS:
            yield from _leaf_paths(value, path)
        else:
            yield ".".join(path)


def _source_comment(cfg: SessionConfig, key: str) -> str:
    """``CLAUDE.md:42``, ``default``, or the pending-loosening explanation (config.md §11.2)."""
    source = cfg.source_of(key)
    report = cfg.report
    state = (_field(report, "loosening") or {}).get(key) if report is not None else None
    if state is not None and _field(state, "pending"):
        working = _field(state, "working_source")
        where = (
            f"{_field(working, 'file')}:{_field(working, 'line')}" if working else "working tree"
        )
        return f"{where} — working tree says {json.dumps(_field(state, 'working'))}, not committed"
    if source is None:
        return "default"
    where = f"{_field(source, 'file')}:{_field(source, 'line')}"
    return f"{where} (committed)" if _field(source, "origin") == "head" else where


def _sources(cfg: SessionConfig) -> dict[str, Any]:
    provenance = _field(cfg.report, "provenance") or {} if cfg.report is not None else {}
    return {key: _source_json(cfg.source_of(key)) for key in provenance}


@config.command("show")
@_common
@_ref_option
@click.option("--key", "key", default=None, metavar="K", help="Print one key's value alone.")
@click.option("--defaults", is_flag=True, help="Show the defaults; no file is read.")
@click.option("--prior-art", is_flag=True, help="The prior art's 88-key JSON object.")
@click.option("--strict", is_flag=True, help="Exit 1 when the configuration has errors.")
def show(
    repo: str,
    host_file: str | None,
    as_json: bool,
    ref: str | None,
    key: str | None,
    defaults: bool,
    prior_art: bool,
    strict: bool,
) -> None:
    """Print the effective configuration with the source of every value."""
    from sessionkit.config import SessionConfig
    from sessionkit.config.render import render_yaml

    path = _key_path(key) if key is not None else None
    if defaults:
        cfg = SessionConfig.defaults()
        loaded = Loaded(cfg, getattr(cfg, "report", None), [], raised=False)
    else:
        loaded = load(repo, host_file, ref=ref)
        if loaded.cfg is None:
            _fail_to_load("show", loaded, as_json)
            return
        cfg = loaded.cfg
    diagnostics = loaded.diagnostics
    code = EXIT_FINDINGS if strict and _count(diagnostics)["error"] else EXIT_OK
    if any(_is_env(d) for d in diagnostics):
        code = EXIT_ENVIRONMENT
    document = cfg.to_json()
    if prior_art:
        from sessionkit.config.prior_art import to_prior_art

        echo_json(to_prior_art(cfg))
    elif path is not None:
        assert key is not None
        value = _at(document, path)
        if as_json:
            result = result_document("show", loaded, diagnostics, code)
            result.update(
                key=".".join(path),
                value=value,
                default=_at(SessionConfig.defaults().to_json(), path),
                source=_source_json(None if defaults else cfg.source_of(".".join(path))),
            )
            echo_json(result)
        else:
            click.echo(_raw(value))
    elif as_json:
        result = result_document("show", loaded, diagnostics, code)
        result.update(config=document, sources={} if defaults else _sources(cfg))
        echo_json(result)
    else:
        comments = {
            leaf: "default" if defaults else _source_comment(cfg, leaf)
            for leaf in _leaf_paths(document)
        }
        click.echo(render_yaml(document, comments=comments), nl=False)
    if not as_json and diagnostics:
        counts = _count(diagnostics)
        click.echo(f"{_tally(counts)} (`sessionkit config validate` lists them all)", err=True)
        _echo_diagnostics(diagnostics[:SHOWN_ON_STDERR], err=True)
    exit_with(code)


def _fail_to_load(command: str, loaded: Loaded, as_json: bool) -> None:
    """A load that raised (explicit file missing, bad ref): report and exit 3."""
    if as_json:
        echo_json(result_document(command, loaded, loaded.diagnostics, EXIT_ENVIRONMENT))
    else:
        _echo_diagnostics(loaded.diagnostics, err=True)
    exit_with(EXIT_ENVIRONMENT)


@config.command("schema")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the schema to this file instead of stdout.",
)
def schema(output: str | None) -> None:
    """Print schemas/session-config.schema.json byte for byte (for editors, check-jsonschema)."""
    from sessionkit import schemas

    data = schemas.schema_bytes("session-config")
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(output, "wb") as f:
            f.write(data)
    except OSError as exc:
        raise EnvironmentProblem(f"could not write {output}: {exc.strerror}") from exc


@config.command("migrate")
@_common
@click.option("--write", is_flag=True, help="Rewrite the file in place.")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when the file would change.")
@click.option("--canonical-keys", is_flag=True, help="Rename prior-art aliases too.")
@click.option(
    "--keep-override-syntax",
    is_flag=True,
    help="Keep `agents-per-wave: 6 (deep: 18)` (the prior art cannot read the mapping).",
)
def migrate(
    repo: str,
    host_file: str | None,
    as_json: bool,
    write: bool,
    check_only: bool,
    canonical_keys: bool,
    keep_override_syntax: bool,
) -> None:
    """Rewrite the section in the canonical style; prints a diff unless --write."""
    from sessionkit.config.migrate import MigrationRefused, migrate_file

    if write and check_only:
        raise UsageError("--write and --check exclude each other")
    loaded = load(repo, host_file)
    if loaded.cfg is None:
        _fail_to_load("migrate", loaded, as_json)
        return
    report = loaded.report
    host = _field(report, "host_file")
    if any(_is_env(d) for d in loaded.diagnostics):
        # An unreadable or missing named file: nothing is migrated, not even a fallback host.
        if as_json:
            result = result_document("migrate", loaded, loaded.diagnostics, EXIT_ENVIRONMENT)
            result.update(changed=False, written=False, diff="", renamed_keys=[])
            echo_json(result)
        else:
            _echo_diagnostics([d for d in loaded.diagnostics if _is_env(d)], err=True)
        exit_with(EXIT_ENVIRONMENT)
        return
    if host is None or _section(report) is None:
        if as_json:
            result = result_document("migrate", loaded, loaded.diagnostics, EXIT_OK)
            result.update(changed=False, written=False, diff="", renamed_keys=[])
            echo_json(result)
        else:
            click.echo("nothing to migrate: no ## Session Config section")
        exit_with(EXIT_OK)
        return
    path = os.path.join(_field(report, "root"), host)
    try:
        outcome = migrate_file(
            path,
            filename=host,
            canonical_keys=canonical_keys,
            keep_override_syntax=keep_override_syntax,
            write=write,
        )
    except MigrationRefused as exc:
        diagnostics = [*loaded.diagnostics, *exc.diagnostics]
        if as_json:
            result = result_document("migrate", loaded, diagnostics, EXIT_FINDINGS)
            result.update(changed=False, written=False, diff="", renamed_keys=[])
            echo_json(result)
        else:
            _echo_diagnostics(exc.diagnostics)
            click.echo(f"error: {exc.message}")
        exit_with(EXIT_FINDINGS)
        return
    except OSError as exc:
        raise EnvironmentProblem(f"could not rewrite {host}: {exc.strerror}") from exc
    code = EXIT_FINDINGS if check_only and outcome.changed else EXIT_OK
    if as_json:
        result = result_document("migrate", loaded, loaded.diagnostics, code)
        result.update(
            changed=outcome.changed,
            written=outcome.written,
            diff=outcome.diff,
            renamed_keys=[list(pair) for pair in outcome.renamed_keys],
        )
        echo_json(result)
    elif write:
        click.echo(f"{host}: rewritten" if outcome.written else f"{host}: already canonical")
    elif outcome.changed:
        click.echo(outcome.diff, nl=False)
    else:
        click.echo(f"{host}: already canonical")
    exit_with(code)
