"""Devices and file systems (guard.md §7.4): ``device-write`` and ``filesystem-create`` (B9).

Hot path: standard library only.
"""

from __future__ import annotations

import os

from sessionkit.policy.analysers import Context, finding
from sessionkit.policy.values import Lit, Value, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from sessionkit.policy.command import Command
    from sessionkit.policy.decision import Finding

NAMES = frozenset(
    (
        "dd",
        "mkfs",
        "mke2fs",
        "mkswap",
        "mkdosfs",
        "mkntfs",
        "wipefs",
        "sgdisk",
        "diskutil",
        "parted",
        "sfdisk",
        "blkdiscard",
        "tee",
        "cp",
        "truncate",
    )
)

_SAFE_DEVICES = frozenset(
    (
        "/dev/null",
        "/dev/zero",
        "/dev/full",
        "/dev/random",
        "/dev/urandom",
        "/dev/stdin",
        "/dev/stdout",
        "/dev/stderr",
        "/dev/tty",
    )
)
# /dev/tcp and /dev/udp are bash's network redirections, not devices.
_SAFE_PREFIXES = ("/dev/fd/", "/dev/pts/", "/dev/shm/", "/dev/tcp/", "/dev/udp/")
_DISKUTIL_VERBS = frozenset(
    (
        "erasedisk",
        "erasevolume",
        "zerodisk",
        "randomdisk",
        "secureerase",
        "partitiondisk",
        "reformat",
    )
)


_PARTED_WRITES = frozenset(("mklabel", "mktable", "rm", "mkpart", "mkpartfs", "resizepart", "mkfs"))
_SFDISK_READS = frozenset(
    (
        *("-l", "--list", "-d", "--dump", "-J", "--json", "-s", "--show-size"),
        *("-V", "--verify", "-g", "--show-geometry", "-F", "--list-free", "-n", "--no-act"),
    )
)


def is_device(path: str) -> bool:
    """A device path under ``/dev/`` other than the harmless ones (§7.4)."""
    path = os.path.normpath(path)
    if path.startswith("//"):  # normpath keeps a leading "//"; Linux reads it as "/"
        path = path[1:]
    if not path.startswith("/dev/") or path in _SAFE_DEVICES:
        return False
    return not path.startswith(_SAFE_PREFIXES) and path != "/dev/shm"


def device_prefix(value: Value, *, strip: str = "") -> str | None:
    """A partly known path whose known start already makes it a device, whatever the rest:
    ``"/dev/sd$X"`` (no harmless device starts with ``/dev/sd``), rendered for the target.
    ``strip`` is a known lead to drop first (``of=`` of dd)."""
    prefix = ""
    for piece in value.pieces:
        if type(piece) is not Lit:
            break
        prefix += piece.text
    else:
        return None  # fully known: judged as a path
    if not prefix.startswith(strip):
        return None
    prefix = prefix[len(strip) :]
    if prefix.startswith("//"):
        prefix = "/" + prefix.lstrip("/")
    if not prefix.startswith("/dev/") or "/." in prefix or "//" in prefix:
        return None
    if any(safe.startswith(prefix) for safe in _SAFE_DEVICES) or "/dev/shm".startswith(prefix):
        return None  # "/dev/$X" may be /dev/null
    if any(safe.startswith(prefix) or prefix.startswith(safe) for safe in _SAFE_PREFIXES):
        return None
    return render(value)[len(strip) :]


def _device_path(value: Value, cmd: Command, ctx: Context) -> str | None:
    text = value.text
    if text is None:
        return device_prefix(value)
    if text.startswith("/"):
        return text if is_device(text) else None
    # a relative path reaches /dev only from a cwd there, or through a "dev" component
    # (``cd / && dd of=dev/sda``, ``cd /usr && cp img ../dev/sda``)
    maybe = "dev" in text
    for cwd in ctx.judge.cwd_paths(cmd.cwd):
        if cwd is not None and (maybe or "/dev" in cwd):
            full = os.path.normpath(os.path.join(cwd, text))
            if is_device(full):
                return full
    return None


def device_operands(
    cmd: Command, args: Sequence[Value], *, value_options: Sequence[str] = ()
) -> list[Finding]:
    """``device-write`` for the first operand of ``args`` that is a device path."""

    skip = False
    for value in args:
        if skip:
            skip = False
            continue
        text = value.text
        if text is not None and text in value_options:
            skip = True
            continue
        if text is not None and text.startswith("-") and text != "-":
            continue
        if text is not None and text.startswith("/") and is_device(text):
            return [finding(cmd, "device-write", target=text)]
    return []


def _dd(cmd: Command, ctx: Context) -> list[Finding]:
    for value in cmd.argv[1:]:
        text = value.text
        if text is None:
            target = device_prefix(value, strip="of=")
            if target is not None:
                return [finding(cmd, "device-write", target=target)]
            continue
        if text.startswith("of="):
            target = _device_path(Value((Lit(text[3:]),)), cmd, ctx)
            if target is not None:
                return [finding(cmd, "device-write", target=target)]
        if text in ("--help", "--version"):
            return [finding(cmd, "read-only")]
    return []


def _inert(args: Sequence[Value]) -> bool:
    return any(v.text in ("--help", "-h", "-V", "--version") for v in args)


def _filesystem(cmd: Command, ctx: Context) -> list[Finding]:
    args = cmd.argv[1:]
    name = cmd.name or ""
    if _inert(args):
        return [finding(cmd, "read-only")]
    if name == "sgdisk":
        for value in args:
            text = value.text or ""
            if text in ("-Z", "--zap-all", "-o", "--clear", "-z", "--zap") or (
                text.startswith("-") and not text.startswith("--") and ("Z" in text or "o" in text)
            ):
                return [finding(cmd, "filesystem-create")]
        return []
    if name == "diskutil":
        for value in args:
            if (value.text or "").lower() in _DISKUTIL_VERBS:
                return [finding(cmd, "filesystem-create")]
        return []
    # Partition-table editors, relatives of the list of §7.4 ("a file system or partition
    # table is destroyed"): parted's table-changing commands, sfdisk writing to a device.
    if name == "parted":
        for value in args:
            if (value.text or "").lower() in _PARTED_WRITES:
                return [finding(cmd, "filesystem-create")]
        return []
    if name == "sfdisk":
        texts = [v.text or "" for v in args]
        if any(t in _SFDISK_READS or t.split("=", 1)[0] in _SFDISK_READS for t in texts):
            return []
        if any(t.startswith("/") and is_device(t) for t in texts):
            return [finding(cmd, "filesystem-create")]
        return []
    if not args:
        return []
    return [finding(cmd, "filesystem-create")]


def _writers(cmd: Command, ctx: Context) -> list[Finding]:
    """``tee DEV``, ``cp … DEV``, ``truncate … DEV``, ``blkdiscard DEV``."""
    name = cmd.name
    args = cmd.argv[1:]
    if name == "cp":
        operands = [v for v in args if not (v.text or "").startswith("-")]
        if len(operands) >= 2:
            target = _device_path(operands[-1], cmd, ctx)
            if target is not None:
                return [finding(cmd, "device-write", target=target)]
        return []
    for value in args:
        text = value.text
        if text is not None and text.startswith("-"):
            continue
        target = _device_path(value, cmd, ctx)
        if target is not None:
            return [finding(cmd, "device-write", target=target)]
    return []


def analyse(cmd: Command, ctx: Context) -> list[Finding]:
    name = cmd.name or ""
    if name == "dd":
        return _dd(cmd, ctx)
    if name in ("tee", "cp", "truncate", "blkdiscard"):
        return _writers(cmd, ctx)
    if name.startswith(("mkfs", "newfs")) or name in (
        "mke2fs",
        "mkswap",
        "mkdosfs",
        "mkntfs",
        "wipefs",
        "sgdisk",
        "diskutil",
        "parted",
        "sfdisk",
    ):
        return _filesystem(cmd, ctx)
    return []


def redirect_findings(cmd: Command, ctx: Context) -> list[Finding]:
    """``device-write`` for output redirections to a device (any command)."""
    for redirect in cmd.redirects:
        if not redirect.writes or redirect.target is None:
            continue
        target = _device_path(redirect.target, cmd, ctx)
        if target is not None:
            return [finding(cmd, "device-write", target=target)]
    return []
