"""§7: the configuration committed at ``HEAD`` (or ``ref=``) and the loosening merge.

Reading a revision is one ``git cat-file --batch --follow-symlinks`` process: the revision's
commit id and every candidate blob in one round trip, symbolic links followed inside the tree
(a target outside it counts as absent), paths given on stdin so none is ever an option.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sessionkit import git
from sessionkit.config import keyschema as ks
from sessionkit.errors import SessionkitError

MAX_BLOB = 8 * 1024 * 1024


@dataclass
class RevisionFiles:
    """What a revision holds at the candidate paths."""

    status: str  # "read" | "unborn" | "unavailable" | "missing-ref"
    commit: str | None = None
    blobs: dict[str, bytes | None] = field(default_factory=dict)  # None: absent
    too_large: set[str] = field(default_factory=set)
    problem: str | None = None


def valid_revision(rev: str) -> bool:
    """A revision string safe to hand to git: no option, no whitespace or control characters."""
    if not rev or rev.startswith("-") or len(rev) > 1024:
        return False
    return not any(ch.isspace() or ord(ch) < 32 or ch == "\x7f" for ch in rev)


def read_revision(root: str, rev: str, paths: list[str]) -> RevisionFiles:
    """The commit id of ``rev`` and the blobs at ``paths`` (``git cat-file --batch``)."""
    usable = [p for p in paths if "\n" not in p and "\r" not in p]
    request = "".join(
        f"{item}\n" for item in [f"{rev}^{{commit}}", *(f"{rev}:{p}" for p in usable)]
    )
    try:
        proc = git.run(
            ["cat-file", "--batch", "--follow-symlinks"],
            cwd=root,
            input=request.encode("utf-8", "surrogateescape"),
            check=False,
        )
    except SessionkitError as exc:
        return RevisionFiles("unavailable", problem=str(exc))
    if proc.returncode != 0:
        problem = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        return RevisionFiles("unavailable", problem=problem)
    out = proc.stdout
    position = 0
    replies: list[tuple[str, bytes | None, int]] = []
    for _ in range(1 + len(usable)):
        end = out.find(b"\n", position)
        if end < 0:
            return RevisionFiles("unavailable", problem="truncated answer from git cat-file")
        header = out[position:end].decode("utf-8", "replace")
        position = end + 1
        parts = header.split(" ")
        if len(parts) == 3 and parts[2].isdigit():
            size = int(parts[2])
            if parts[1] in ("blob", "commit"):
                body: bytes | None = out[position : position + size]
                position += size + 1
                replies.append((parts[1], body, size))
                if parts[1] == "commit":
                    replies[-1] = (f"commit {parts[0]}", None, size)
                continue
        if (
            len(parts) == 2
            and parts[1].isdigit()
            and parts[0] in ("symlink", "dangling", "loop", "notdir")
        ):
            size = int(parts[1])
            position += size + 1
            replies.append(("absent", None, 0))
            continue
        replies.append(("absent", None, 0))
    first = replies[0][0]
    if not first.startswith("commit "):
        return RevisionFiles("missing-ref", problem=f"{rev} does not name a commit")
    result = RevisionFiles("read", commit=first.split(" ", 1)[1])
    for path, (kind, body, size) in zip(usable, replies[1:]):
        if kind != "blob" or body is None:
            result.blobs[path] = None
        elif size > MAX_BLOB:
            result.blobs[path] = None
            result.too_large.add(path)
        else:
            result.blobs[path] = body
    for path in paths:
        result.blobs.setdefault(path, None)
    return result


# -- the loosening merge (§7.1, §7.2) -------------------------------------------------------


def get_path(doc: Any, path: tuple[str, ...]) -> Any:
    node = doc
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = doc
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def resolved_protection(doc: dict[str, Any]) -> str:
    """``config-protection.mode`` with ``enabled: false`` and ``allow-config-weakening`` folded in."""
    protection = doc.get("config-protection") or {}
    if doc.get("allow-config-weakening") is True or protection.get("enabled") is False:
        return "off"
    return str(protection.get("mode", "warn"))


def fold_protection(doc: dict[str, Any]) -> None:
    mode = resolved_protection(doc)
    protection = doc.get("config-protection")
    if isinstance(protection, dict):
        protection["mode"] = mode


def _rank(value: Any, order: list[Any], equivalent: list[Any] | None = None) -> int:
    for index, item in enumerate(order):
        if item == value and type(item) is type(value):
            if equivalent and any(e == value and type(e) is type(value) for e in equivalent):
                return min(
                    i
                    for i, o in enumerate(order)
                    if any(e == o and type(e) is type(o) for e in equivalent)
                )
            return index
    return len(order)  # an unknown value counts as strictest: never loosens anything


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@dataclass
class Merge:
    effective: Any
    pending: bool


def merge_value(rule: dict[str, Any], working: Any, head: Any) -> Merge:
    """The stricter of ``working`` and ``head`` under ``rule`` (an ``x-sessionkit-loosening``)."""
    if "order" in rule:
        order = rule["order"]
        if _rank(head, order) > _rank(working, order):
            return Merge(head, True)
        return Merge(working, False)
    if rule.get("set") == "union":
        w = list(working or [])
        seen = {_canon(x) for x in w}
        extra = [x for x in (head or []) if _canon(x) not in seen]
        return Merge(w + extra, bool(extra))
    if rule.get("set") == "intersection":
        w = list(working or [])
        committed = {_canon(x) for x in (head or [])}
        kept = [x for x in w if _canon(x) in committed]
        return Merge(kept, len(kept) != len(w))
    if "per-entry" in rule:
        entry_rule = rule["per-entry"]
        order = entry_rule["order"]
        equivalent = entry_rule.get("equivalent")
        w_map = dict(working or {})
        h_map = dict(head or {})
        pending = False
        for key in rule.get("keys", sorted(set(w_map) | set(h_map))):
            wv, hv = w_map.get(key), h_map.get(key)
            if _rank(hv, order, equivalent) > _rank(wv, order, equivalent):
                pending = True
                if hv is None:
                    w_map.pop(key, None)
                else:
                    w_map[key] = hv
        return Merge(w_map, pending)
    return Merge(working, False)


def loosening_rules() -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    rules: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for path in ks.loosening_keys():
        schema = ks.schema_at(path)
        if schema is not None:
            rules.append((path, schema[ks.LOOSENING]))
    return rules
