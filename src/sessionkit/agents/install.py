"""Install and uninstall the agent hooks in a harness's configuration (agent-hooks.md §14).

The ``hooks/`` templates are the single source of the entries; they are rendered with the
resolved hook command (§14.3) and merged into the harness file (§14.4): our entries are
recognised by their command alone (first word ``sessionkit-hook``, or ``-m sessionkit.agents``),
entries of other tools are never modified, reordered or removed, a second identical install
leaves the file byte-identical, and uninstall removes only our handlers.

Not on the hook path: the CLI (``sessionkit install|uninstall``) calls :func:`install` and
:func:`uninstall`, which return the ``install-result`` document.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from sessionkit._version import __version__
from sessionkit.errors import EnvironmentProblem, SessionkitError, UsageError

__all__ = [
    "HARNESSES",
    "InvalidHarnessFile",
    "install",
    "is_ours",
    "merge_install",
    "merge_uninstall",
    "render_template",
    "resolve_command",
    "target_path",
    "template_text",
    "uninstall",
]

HARNESSES = ("claude", "codex", "cursor")
SCOPES = ("project", "local", "user")
PLACEHOLDER = "{{SESSIONKIT_HOOK}}"
HOOK_NAMES = ("sessionkit-hook", "sessionkit-hook.exe")
DEFAULT_TIMEOUT = 10
TEMPLATE_FILES = {
    "claude": "claude/settings.json",
    "codex": "codex/hooks.json",
    "cursor": "cursor/hooks.json",
    "cursor-legacy": "cursor/hooks.legacy.json",
    "codex-toml": "codex/config.toml",
}


class InvalidHarnessFile(SessionkitError):
    """The harness file is not JSON, not an object, or of an unknown format (exit 1)."""

    exit_code = 1


# ---- templates ---------------------------------------------------------------------------------


def _template_root() -> Path:
    """The packaged templates (``sessionkit/_hooks`` in a wheel) or, in a source checkout,
    the repository's top-level ``hooks/`` folder."""
    from importlib.resources import files

    packaged = files("sessionkit").joinpath("_hooks")
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[3] / "hooks"
    if source.is_dir():
        return source
    raise EnvironmentProblem(
        "the hook templates are missing from this installation",
        hint="reinstall sessionkit",
    )


def template_text(name: str) -> str:
    """The text of template ``name`` (a key of ``TEMPLATE_FILES``)."""
    return (_template_root() / TEMPLATE_FILES[name]).read_text(encoding="utf-8")


def render_template(name: str, command: str, timeout: int = DEFAULT_TIMEOUT) -> Any:
    """The template's entries with the hook command and timeout filled in."""
    doc = json.loads(template_text(name))

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: fill(v) for k, v in node.items()}
            if "command" in out and isinstance(out["command"], str):
                out["command"] = out["command"].replace(PLACEHOLDER, command)
                if "timeout" in out:
                    out["timeout"] = timeout
            return out
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return fill(doc)


# ---- recognising our entries -------------------------------------------------------------------


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def is_ours(command: Any) -> bool:
    """Whether a handler command is a sessionkit hook (§14.4)."""
    if not isinstance(command, str):
        return False
    words = _words(command)
    if not words:
        return False
    # Windows paths: shlex (POSIX) eats backslashes, so look at the raw first word too
    raw_first = command.split()[0].strip("'\"") if command.split() else ""
    for first in (words[0], raw_first):
        if os.path.basename(first.replace("\\", "/")) in HOOK_NAMES:
            return True
    return "-m sessionkit.agents" in " ".join(words)


# ---- merging ------------------------------------------------------------------------------------


def _entry(event: str, matcher: Any, status: str) -> dict[str, Any]:
    out: dict[str, Any] = {"event": event, "status": status}
    if matcher is not None:
        out["matcher"] = matcher
    return out


def _check_shape(doc: Any, harness: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InvalidHarnessFile("the file's top level is not a JSON object; nothing was written")
    hooks = doc.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise InvalidHarnessFile("`hooks` is not an object; nothing was written")
    if harness == "cursor" and doc.get("version", 1) != 1:
        raise InvalidHarnessFile(
            f"unknown Cursor hooks format (version {doc.get('version')!r}); nothing was written"
        )
    for event, items in (hooks or {}).items():
        if not isinstance(items, list):
            raise InvalidHarnessFile(f"`hooks.{event}` is not a list; nothing was written")
    return doc


def _grouped(harness: str) -> bool:
    return harness in ("claude", "codex")


def merge_install(
    existing: Any, rendered: dict[str, Any], harness: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``existing`` with the rendered template's entries merged in, and one status per entry.

    Claude/Codex groups: ``{"matcher", "hooks": [{"type", "command", "timeout"}]}``; Cursor
    entries: ``{"command", "timeout"}``. Our handlers in events the template does not list
    (the other Cursor mode) are removed.
    """
    doc = copy.deepcopy(_check_shape(existing, harness))
    if harness == "cursor" and "version" not in doc:
        doc = {"version": 1, **doc}
    wanted: dict[str, list[Any]] = rendered.get("hooks", {})
    hooks = doc.setdefault("hooks", {})
    statuses: list[dict[str, Any]] = []
    for event, template_items in wanted.items():
        items = hooks.setdefault(event, [])
        for template_item in template_items:
            statuses.append(_install_one(items, template_item, harness, event))
    for event in list(hooks):
        if event in wanted:
            continue
        removed = _remove_ours(hooks[event], harness)
        statuses.extend(_entry(event, m, "removed") for m in removed)
        if removed and not hooks[event]:
            del hooks[event]
    return doc, statuses


def _install_one(
    items: list[Any], template_item: dict[str, Any], harness: str, event: str
) -> dict[str, Any]:
    grouped = _grouped(harness)
    matcher = template_item.get("matcher") if grouped else None
    handler = template_item["hooks"][0] if grouped else template_item
    # (group index, handler index or None for Cursor) of our handlers
    found: list[tuple[int, int | None]] = []
    for gi, item in enumerate(items):
        if grouped and isinstance(item, dict) and isinstance(item.get("hooks"), list):
            found.extend(
                (gi, hi)
                for hi, h in enumerate(item["hooks"])
                if isinstance(h, dict) and is_ours(h.get("command"))
            )
        elif not grouped and isinstance(item, dict) and is_ours(item.get("command")):
            found.append((gi, None))
    if not found:
        items.append(copy.deepcopy(template_item))
        return _entry(event, matcher, "added")
    status = "unchanged"
    gi, hi = found[0]
    if grouped:
        group = items[gi]
        current = group["hooks"][hi]
        before = copy.deepcopy(group)
        current.update(handler)
        if len(group["hooks"]) == 1:
            if group.get("matcher") != matcher:
                group["matcher"] = matcher
            status = "unchanged" if group == before else "updated"
        else:
            status = "shared-group"  # the matcher belongs to the other handlers too
    else:
        before = copy.deepcopy(items[gi])
        items[gi].update(handler)
        status = "unchanged" if items[gi] == before else "updated"
    if len(found) > 1:
        for dgi, dhi in reversed(found[1:]):
            if grouped and dhi is not None:
                del items[dgi]["hooks"][dhi]
                if not items[dgi]["hooks"]:
                    del items[dgi]
            else:
                del items[dgi]
        status = "duplicate-removed"
    return _entry(event, matcher, status)


def _remove_ours(items: list[Any], harness: str) -> list[Any]:
    """Remove our handlers from one event's list; returns the matchers of what was removed."""
    removed: list[Any] = []
    for gi in range(len(items) - 1, -1, -1):
        item = items[gi]
        if not isinstance(item, dict):
            continue
        if _grouped(harness) and isinstance(item.get("hooks"), list):
            kept = [
                h for h in item["hooks"] if not (isinstance(h, dict) and is_ours(h.get("command")))
            ]
            if len(kept) != len(item["hooks"]):
                removed.append(item.get("matcher"))
                if kept:
                    item["hooks"] = kept
                else:
                    del items[gi]
        elif not _grouped(harness) and is_ours(item.get("command")):
            removed.append(None)
            del items[gi]
    removed.reverse()
    return removed


def merge_uninstall(existing: Any, harness: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``existing`` without our handlers: empty groups, event lists and ``hooks`` objects are
    removed (Cursor keeps ``{"version": 1, "hooks": {}}``)."""
    doc = copy.deepcopy(_check_shape(existing, harness))
    hooks = doc.get("hooks")
    statuses: list[dict[str, Any]] = []
    if not isinstance(hooks, dict):
        return doc, statuses
    for event in list(hooks):
        removed = _remove_ours(hooks[event], harness)
        statuses.extend(_entry(event, m, "removed") for m in removed)
        if removed and not hooks[event]:
            del hooks[event]
    if not hooks and harness != "cursor" and statuses:
        del doc["hooks"]
    return doc, statuses


# ---- files ----------------------------------------------------------------------------------------


def target_path(
    harness: str, scope: str, root: Path | None, environ: dict[str, str] | None = None
) -> Path:
    """The configuration file for ``harness`` at ``scope`` (§14.1)."""
    env = os.environ if environ is None else environ
    if scope == "local" and harness != "claude":
        raise UsageError(f"--scope local is only available for claude, not {harness}")
    if scope == "user":
        home = Path(os.path.expanduser("~"))
        if harness == "claude":
            return home / ".claude" / "settings.json"
        if harness == "codex":
            codex_home = env.get("CODEX_HOME")
            return (Path(codex_home) if codex_home else home / ".codex") / "hooks.json"
        return home / ".cursor" / "hooks.json"
    assert root is not None
    if harness == "claude":
        return root / ".claude" / ("settings.local.json" if scope == "local" else "settings.json")
    return root / f".{harness}" / "hooks.json"


def _indent(text: str) -> str | int:
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) != len(line):
            return line[: len(line) - len(stripped)]
    return 2


def _dumps(doc: Any, indent: str | int) -> str:
    return json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"


def _read_existing(path: Path) -> tuple[str | None, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, {}
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read {path}: {exc.strerror}") from None
    if not text.strip():
        return text, {}
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidHarnessFile(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); nothing was written",
            hint="fix the file by hand, then run the command again",
        ) from None


def _write_atomic(path: Path, text: str, backup: bool) -> str | None:
    backup_path: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if backup and path.exists():
            backup_file = path.with_name(path.name + ".sessionkit.bak")
            shutil.copy2(path, backup_file)
            backup_path = str(backup_file)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            if path.exists():
                shutil.copymode(path, tmp)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write {path}: {exc.strerror}") from None
    return backup_path


# ---- the hook command -----------------------------------------------------------------------------


def _quote(path: str) -> str:
    if os.name == "nt":
        return f'"{path}"' if " " in path else path
    return shlex.quote(path)


def resolve_command(explicit: str | None = None, style: str = "absolute") -> tuple[str, list[str]]:
    """``(command text for the harness file, argv to run it)`` per §14.3."""
    exe = "sessionkit-hook.exe" if os.name == "nt" else "sessionkit-hook"
    if style == "path":
        return "sessionkit-hook", ["sessionkit-hook"]
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise EnvironmentProblem(f"--command {explicit}: not an executable file")
        return _quote(explicit), [explicit]
    candidates = [os.path.join(os.path.dirname(sys.executable), exe)]
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = (
                sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
            )
        except KeyError:
            continue
        if scripts:
            candidates.append(os.path.join(scripts, exe))
    found = shutil.which("sessionkit-hook")
    if found:
        candidates.append(found)
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return _quote(candidate), [candidate]
    return f"{_quote(sys.executable)} -m sessionkit.agents", [
        sys.executable,
        "-m",
        "sessionkit.agents",
    ]


def check_command(argv: list[str]) -> dict[str, Any]:
    """Run ``<command> --version`` (5 s); ``{"ok", "version"}`` or ``{"ok": False, "error"}``."""
    try:
        proc = subprocess.run(
            [*argv, "--version"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"ok": False, "error": str(exc)}
    if proc.returncode != 0:
        return {"ok": False, "error": (proc.stderr or proc.stdout).strip()[-500:]}
    version = proc.stdout.strip().split()[-1] if proc.stdout.strip() else ""
    return {"ok": True, "version": version}


# ---- install / uninstall --------------------------------------------------------------------------


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)


def _plan_file(
    path: Path, root: Path | None, new_doc_of: Any, dry_run: bool
) -> tuple[dict[str, Any], str]:
    old_text, existing = _read_existing(path)
    new_doc, statuses = new_doc_of(existing)
    indent = _indent(old_text) if old_text else 2
    if old_text is not None and existing == new_doc:
        new_text = old_text  # nothing changed: byte-identical
    elif old_text is None and not any(s["status"] != "removed" for s in statuses):
        new_text = ""
    else:
        new_text = _dumps(new_doc, indent)
    if old_text is None and not new_text:
        action = "unchanged"
    elif old_text is None:
        action = "created"
    elif new_text == old_text:
        action = "unchanged"
    else:
        action = "modified"
    shown = _display(path, root)
    diff = "".join(
        difflib.unified_diff(
            (old_text or "").splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"a/{shown}" if old_text is not None else "/dev/null",
            tofile=f"b/{shown}",
        )
    )
    record: dict[str, Any] = {"path": shown, "action": action, "backup": None, "entries": statuses}
    if action != "unchanged" and not dry_run:
        backup = _write_atomic(path, new_text, backup=old_text is not None)
        if backup is not None:
            record["backup"] = _display(Path(backup), root)
    return record, diff


def _root_for(scope: str, root: str | os.PathLike[str] | None) -> Path | None:
    if scope == "user":
        return None
    from sessionkit.git import get_root

    try:
        return Path(get_root(Path(root) if root else Path.cwd()))
    except SessionkitError:
        raise EnvironmentProblem(
            "not a git repository; use --scope user or run inside a repository"
        ) from None


def install(
    harness: str,
    *,
    scope: str = "project",
    root: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    command: str | None = None,
    command_style: str = "absolute",
    timeout: int = DEFAULT_TIMEOUT,
    cursor_events: str = "pre-tool-use",
    fail_closed: bool = False,
    environ: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Install the hooks of ``harness``; returns the install-result document and the diffs."""
    _check_args(harness, scope)
    if not 5 <= timeout <= 60:
        raise UsageError("--timeout must be between 5 and 60 seconds")
    if (fail_closed or cursor_events != "pre-tool-use") and harness != "cursor":
        raise UsageError("--fail-closed and --cursor-events apply to cursor only")
    base = _root_for(scope, root)
    deadline_ms = _deadline_ms(base)
    if timeout * 1000 <= deadline_ms + 1000:
        raise UsageError(
            f"--timeout {timeout} must be above the hook's own deadline "
            f"({deadline_ms} ms, hooks.deadline-ms) plus one second"
        )
    text, argv = resolve_command(command, command_style)
    command_check = check_command(argv) if command_style == "absolute" else {"ok": True}
    if not command_check["ok"]:
        raise EnvironmentProblem(
            f"the hook command {text} does not run: {command_check.get('error', '')}",
            hint="pass --command PATH, or reinstall sessionkit",
        )
    name = "cursor-legacy" if harness == "cursor" and cursor_events == "legacy" else harness
    rendered = render_template(name, text, timeout)
    if fail_closed:
        for items in rendered["hooks"].values():
            for item in items:
                item["failClosed"] = True
    path = target_path(harness, scope, base, environ)
    record, diff = _plan_file(
        path, base, lambda doc: merge_install(doc, rendered, harness), dry_run
    )
    notes = _notes(harness, scope, command_check, command_style, fail_closed, text)
    if harness == "codex":
        notes.extend(codex_config_notes(base, environ))
    result = {
        "harness": harness,
        "scope": scope,
        "dry_run": dry_run,
        "command": text,
        "command_check": command_check,
        "files": [record],
        "notes": notes,
    }
    return result, [diff] if diff else []


def uninstall(
    harness: str,
    *,
    scope: str = "project",
    root: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Remove our hooks of ``harness``; returns the install-result document and the diffs."""
    _check_args(harness, scope)
    base = _root_for(scope, root)
    path = target_path(harness, scope, base, environ)
    if not path.exists():
        record: dict[str, Any] = {
            "path": _display(path, base),
            "action": "unchanged",
            "backup": None,
            "entries": [],
        }
        diffs: list[str] = []
    else:
        record, diff = _plan_file(path, base, lambda doc: merge_uninstall(doc, harness), dry_run)
        diffs = [diff] if diff else []
    result = {
        "harness": harness,
        "scope": scope,
        "dry_run": dry_run,
        "notes": codex_config_notes(base, environ) if harness == "codex" else [],
        "command": None,
        "command_check": None,
        "files": [record],
    }
    return result, diffs


def _check_args(harness: str, scope: str) -> None:
    if harness not in HARNESSES:
        raise UsageError(f"unknown harness {harness!r}; use one of {', '.join(HARNESSES)}")
    if scope not in SCOPES:
        raise UsageError(f"unknown scope {scope!r}; use project, local or user")
    if scope == "local" and harness != "claude":
        raise UsageError(f"--scope local is only available for claude, not {harness}")


def _notes(
    harness: str,
    scope: str,
    command_check: dict[str, Any],
    style: str,
    fail_closed: bool,
    command: str,
) -> list[str]:
    notes: list[str] = []
    version = command_check.get("version")
    if version and version != __version__:
        notes.append(f"the hook command reports version {version}, this CLI is {__version__}")
    if style == "absolute" and tempfile.gettempdir() in command:
        notes.append(
            "this path may disappear; install sessionkit with `pipx install sessionkit` or "
            "`uv tool install sessionkit`"
        )
    if harness == "claude":
        notes.append(
            "Claude Code: hook changes made while a session runs may need review (/hooks) or a restart."
        )
        if scope == "project" and style == "absolute":
            notes.append(
                "the command path is machine-specific; use --scope local for a personal path, "
                "or --command-style path for a shared, committed file"
            )
    elif harness == "codex":
        notes.append(
            "Codex: project hooks run only in trusted projects; review and trust new hooks "
            "in Codex (/hooks); `[features] hooks = false` in config.toml switches them off."
        )
    else:
        notes.append("Cursor: project hooks need a trusted workspace; reload Cursor.")
        if fail_closed:
            notes.append(
                "failClosed: Cursor will block every call if the hook cannot run at all "
                "(for example after the interpreter is removed)"
            )
    return notes


def codex_toml(command: str, timeout: int = DEFAULT_TIMEOUT) -> str:
    """The ``config.toml`` tables equivalent to the Codex ``hooks.json`` entries."""
    text = template_text("codex-toml").replace(PLACEHOLDER, command.replace('"', '\\"'))
    return text.replace("timeout = 10", f"timeout = {timeout}")


def _deadline_ms(root: Path | None) -> int:
    """``hooks.deadline-ms`` of the repository's Session Config (default 4000)."""
    if root is None:
        return 4000
    try:
        from sessionkit.config import load_config

        value = load_config(root).hooks.deadline_ms
    except Exception:  # an invalid or missing config: the hook uses its default too
        return 4000
    return int(value) if isinstance(value, int) else 4000


def codex_config_notes(root: Path | None, environ: dict[str, str] | None = None) -> list[str]:
    """Warnings about Codex ``config.toml`` files (read textually, never edited): sessionkit
    entries there (remove them by hand, or the hook runs twice) and ``[features] hooks =
    false`` (hooks switched off)."""
    env = os.environ if environ is None else environ
    codex_home = env.get("CODEX_HOME")
    candidates = [Path(codex_home) if codex_home else Path(os.path.expanduser("~")) / ".codex"]
    if root is not None:
        candidates.insert(0, root / ".codex")
    notes: list[str] = []
    for directory in candidates:
        path = directory / "config.toml"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        lines = [
            f"{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), 1)
            if "command" in line and is_ours(line.split("=", 1)[-1].strip().strip("\"'"))
        ]
        if lines:
            notes.append(
                f"{path} also contains sessionkit hook entries; remove these lines by hand: "
                + "; ".join(lines)
            )
        section = ""
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("["):
                section = stripped
            elif section == "[features]" and stripped.replace(" ", "") == "hooks=false":
                notes.append(f"{path}: `[features] hooks = false` switches Codex hooks off")
    return notes
