"""Deletion tools (guard.md §7.3): ``rm``, ``rimraf``, ``find``, ``rsync --delete``, ``shred``.

Recursive deletions are judged operand by operand by ``paths.PathJudge`` (§8). Operands that
come from a program's output carry the producer's class (§7.3): literal items are plain
operands, ``find`` items are judged like that ``find`` with a deleting action, ``ls`` items
like ``DIR/*``, files git lists block with ``git-listed-files-delete``, and items from any
other program block with ``rm-piped-targets``.

Hot path: standard library only.
"""

from __future__ import annotations

import re

from sessionkit.policy.analysers import Context, canonical_name, finding
from sessionkit.policy.decision import Target
from sessionkit.policy.values import Lit, Unknown, Value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from sessionkit.policy.command import Command
    from sessionkit.policy.decision import Finding
    from sessionkit.policy.paths import Verdict

NAMES = frozenset(
    ("rm", "rimraf", "find", "rsync", "shred", "rmdir", "unlink", "trash", "trash-put", "gio")
)

_SEVERITY = {"allow": 0, "warn": 1, "block": 2}

# ---- rm option grammar ---------------------------------------------------------------------

_RM_LONG = {
    "recursive": "r",
    "force": "f",
    "interactive": "i",
    "dir": "d",
    "verbose": "v",
    "one-file-system": "",
    "preserve-root": "",
    "no-preserve-root": "",
    "help": "help",
    "version": "help",
}
_RM_SHORT = frozenset("rRfiIdvPWx")
_new_object = object.__new__  # slot stores without an __init__ frame (hot path)


class RmOptions:
    """rm's parsed options; built only by ``parse_rm``, by slot stores (no ``__init__``)."""

    __slots__ = ("inert", "interactive", "operands", "recursive")

    recursive: bool
    interactive: bool
    inert: bool  # --help/--version: nothing is deleted
    operands: list[Value]


def parse_rm(args: Sequence[Value]) -> RmOptions:
    """rm's options anywhere before ``--`` (GNU), bundles and unique long prefixes."""
    # slot stores, not an __init__ frame (one per rm command: the hot path)
    opts = _new_object(RmOptions)
    opts.recursive = False
    opts.interactive = False
    opts.inert = False
    opts.operands = []
    i = 0
    n = len(args)
    while i < n:
        value = args[i]
        i += 1
        text = value.text
        # slices, not startswith: cheaper on this hot path
        if text is None or text[:1] != "-" or text == "-":
            opts.operands.append(value)
            continue
        if text == "--":
            opts.operands.extend(args[i:])
            break
        if text[:2] == "--":
            name = text[2:].split("=", 1)[0]
            matches = [k for k in _RM_LONG if k == name] or [
                k for k in _RM_LONG if k.startswith(name)
            ]
            if len(matches) != 1:
                continue  # unknown or ambiguous: rm would refuse; stay strict and ignore
            effect = _RM_LONG[matches[0]]
            if effect == "help":
                opts.inert = True
            elif effect == "r":
                opts.recursive = True
            elif effect == "i":
                opts.interactive = True
            continue
        for ch in text[1:]:
            if ch in "rR":
                opts.recursive = True
            elif ch in "iI":
                opts.interactive = True
    return opts


# ---- producers -----------------------------------------------------------------------------


def _producer_piece(value: Value, cmd: Command) -> Unknown | None:
    """The unknown piece carrying a producer class; xargs items without one are unknown."""
    for piece in value.pieces:
        if type(piece) is Unknown:
            if piece.producer is not None:
                return piece
            if piece.origin == "item" and cmd.via and cmd.via[-1][0] in ("xargs", "parallel"):
                # items read from a file or stream whose content is not known (xargs < FILE)
                from sessionkit.policy.values import Producer

                return Unknown(piece.origin, piece.may_be_empty, Producer("unknown", None, "stdin"))
    return None


def _is_piped_item(piece: Unknown, cmd: Command) -> bool:
    """An xargs/parallel item or a ``for`` variable over output, not a direct ``$( )``
    (the walker spells a loop variable's unknown pieces with the variable's own origin)."""
    return not piece.origin.startswith(("$(", "`", "<("))


def _is_find_placeholder(value: Value, cmd: Command) -> bool:
    """``{}`` of a ``find -exec`` payload: the find analyser judges what it deletes."""
    if not cmd.via or cmd.via[-1][0] != "find-exec":
        return False
    return any(type(p) is Unknown and p.origin == "{}" for p in value.pieces)


class _Collector:
    """Groups per-operand verdicts into one finding per rule."""

    __slots__ = ("by_rule", "cmd", "extra")

    def __init__(self, cmd: Command) -> None:
        self.cmd = cmd
        self.by_rule: dict[str, list[Target]] = {}
        self.extra: list[Finding] = []

    def add(self, rule_id: str, target: Target | None = None) -> None:
        targets = self.by_rule.setdefault(rule_id, [])
        if target is not None:
            targets.append(target)

    def add_verdict(self, verdict: Verdict) -> None:
        self.add(verdict.rule_id, verdict.target)

    def findings(self) -> list[Finding]:
        out: list[Finding] = list(self.extra)
        for rule_id, targets in self.by_rule.items():
            shown = targets[0].operand if targets else None
            out.append(finding(self.cmd, rule_id, target=shown, targets=targets))
        return out


def _t(operand: str, path: str | None, rule_id: str) -> Target:
    return Target(operand, path, rule_id)


def _judge_producer(
    piece: Unknown, value: Value, cmd: Command, ctx: Context, recursive: bool, out: _Collector
) -> bool:
    """Judge an operand that carries a producer class; False when the class says nothing."""
    producer = piece.producer
    assert producer is not None
    kind = producer.kind
    shown = value.text or piece.origin
    if kind == "git-listed":
        out.add("git-listed-files-delete", _t(shown, None, "git-listed-files-delete"))
        return True
    if kind == "find" and producer.command is not None:
        for rule_id, target in judge_find(producer.command, ctx, deleting=True):
            out.add(rule_id, target)
        return True
    if kind == "ls":
        directory: Value | None = None
        if producer.command is not None:
            for arg in producer.command.argv[1:]:
                if arg.text is None or not arg.text.startswith("-"):
                    directory = arg
                    break
        pieces = (*directory.pieces, Lit("/")) if directory is not None else ()
        star = Value((*pieces, Lit("*")), pattern=True)
        cwds = producer.command.cwd if producer.command is not None else cmd.cwd
        if recursive:
            out.add_verdict(ctx.judge.judge(star, cwds))
        else:
            _judge_plain(star, cmd, ctx, out, cwds)
        return True
    if kind == "unknown" and _is_piped_item(piece, cmd):
        out.add("rm-piped-targets", _t(shown, None, "rm-piped-targets"))
        return True
    return False


def _bare_wildcard(name: str) -> bool:
    """``*``, ``?*``, ``.*``, ``.?*``: a name pattern that matches every name of its kind (every
    plain name, or every dot name). ``*.*`` or ``*.?*`` select by a literal part, like ``*.log``:
    ordinary file deletion (§7.3 lists ``*``, ``.*`` and ``./*``)."""
    body = name[1:] if name[:1] == "." else name
    return "*" in body and not body.strip("*?")


def _judge_plain(
    value: Value, cmd: Command, ctx: Context, out: _Collector, cwds: Sequence[Value] | None = None
) -> None:
    """A non-recursive deletion operand (§7.3 "Not recursive")."""
    judge = ctx.judge
    cwd_values = cmd.cwd if cwds is None else cwds
    if value.text is None and not value.known:
        out.add("rm-files")
        return
    for cwd in judge.cwd_paths(cwd_values):
        text = judge.value_text(value, cwd)
        if text is None:
            continue
        verdict = judge.judge_text(text, cwd, pattern=value.pattern, operand=value.text or text)
        if verdict.rule_id in ("rm-git-dir", "git-lock-remove"):
            out.add_verdict(verdict)
            return
        path = verdict.target.path or ""
        if value.pattern and path:
            head, _, tail = path.rpartition("/")
            base = judge.base
            if head.lower() == base.lower() and _bare_wildcard(tail):
                out.add("rm-glob-root", _t(value.text or text, path, "rm-glob-root"))
                return
    out.add("rm-files")


def _rm(cmd: Command, ctx: Context) -> list[Finding]:
    opts = parse_rm(cmd.argv[1:])
    if opts.inert:
        return [finding(cmd, "read-only")]
    # _Collector(cmd) by slot stores, without its __init__ frame (one per rm: hot path)
    out = _new_object(_Collector)
    out.cmd = cmd
    out.by_rule = {}
    out.extra = []
    stdin = cmd.stdin
    if stdin is not None and stdin.kind == "pipe" and stdin.producer is not None:
        producer_cmd = stdin.producer.command
        if (
            (producer_cmd is not None and producer_cmd.name == "yes")
            or stdin.producer.detail == "yes"
        ) and (not opts.recursive or opts.interactive):
            out.add("rm-yes-pipe")
    for value in opts.operands:
        text = value.text
        if text == "":
            continue  # an empty argument names no file: rm reports it and deletes nothing
        if text is None:
            # only a value with a non-literal piece can be {} or carry a producer: a literal
            # one skips both scans (the common case on this hot path)
            if _is_find_placeholder(value, cmd):
                continue
            piece = _producer_piece(value, cmd)
            if piece is not None and _judge_producer(piece, value, cmd, ctx, opts.recursive, out):
                continue
        if opts.recursive:
            verdict = ctx.judge.judge(value, cmd.cwd)
            if verdict.rule_id in _EMPTY_CASE_RULES:  # tested here: no call for the others
                verdict = _empty_default(verdict, cmd)
            out.add(verdict.rule_id, verdict.target)
        else:
            _judge_plain(value, cmd, ctx, out)
    return out.findings()


_EMPTY_CASE_RULES = frozenset(("rm-recursive-root", "rm-recursive-repo-root", "rm-git-dir"))


_DEFAULT_WORD = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]((?:[^{}]|\$\{[A-Za-z_][A-Za-z0-9_]*\})*)\}"
)
_HOME_WORD = re.compile(r"^(?:\$HOME|\$\{HOME\})(?=/|$)")


def _default_words(text: str) -> set[str]:
    """The default words of ``${X:-word}`` (``-``, ``:=``, ``=``) in ``text`` as the
    operand of a verdict shows them: quotes removed, ``$HOME`` as ``~``."""
    words = set()
    for match in _DEFAULT_WORD.finditer(text):
        word = match.group(1).replace('"', "").replace("'", "")
        words.add(_HOME_WORD.sub("~", word))
    return words


def _empty_default(verdict: Verdict, cmd: Command) -> Verdict:
    """A record read with a parameter's default (``${X:-/}``) is the empty case (§8.3); for
    a verdict of ``_EMPTY_CASE_RULES`` (the caller tests that)."""
    operand = verdict.target.operand
    from_default = any(hop[0] == "variable" for hop in cmd.via) or (
        # the walker yields the default's reading as a plain value; its source text still
        # shows where it came from (only relabels one block as another)
        bool(operand) and "${" in cmd.text and operand in _default_words(cmd.text)
    )
    if not from_default:
        return verdict
    from sessionkit.policy.paths import Verdict as VerdictClass

    target = verdict.target
    return VerdictClass(
        "rm-recursive-empty-var",
        _t(target.operand, target.path, "rm-recursive-empty-var"),
    )


def _recursive_operands(cmd: Command, ctx: Context, operands: Sequence[Value]) -> list[Finding]:
    out = _Collector(cmd)
    for value in operands:
        if _is_find_placeholder(value, cmd):
            continue
        piece = _producer_piece(value, cmd)
        if piece is not None and _judge_producer(piece, value, cmd, ctx, True, out):
            continue
        out.add_verdict(ctx.judge.judge(value, cmd.cwd))
    return out.findings()


def _rimraf(cmd: Command, ctx: Context) -> list[Finding]:
    operands: list[Value] = []
    args = cmd.argv[1:]
    i = 0
    while i < len(args):
        value = args[i]
        i += 1
        text = value.text
        if text == "--":
            operands.extend(args[i:])
            break
        if text is not None and text.startswith("-") and text != "-":
            if text in ("-h", "--help", "-V", "--version"):
                return [finding(cmd, "read-only")]
            continue
        operands.append(value)
    return _recursive_operands(cmd, ctx, operands)


def _plain_files(
    cmd: Command, ctx: Context, args: Sequence[Value], value_options: Sequence[str] = ()
) -> list[Finding]:
    """rmdir, unlink, trash, gio trash, shred: ordinary file deletion (A5), except inside
    .git (B7). ``value_options`` take the next word as their value (shred's ``-n 3``)."""
    out = _Collector(cmd)
    skip = False
    for value in args:
        text = value.text
        if skip:
            skip = False
            continue
        if text is not None and text.startswith("-"):
            skip = text in value_options
            continue
        _judge_plain(value, cmd, ctx, out)
    findings = out.findings()
    # rmdir of a bare wildcard only removes empty directories: never rm-glob-root
    return [f for f in findings if f.rule_id != "rm-glob-root"] or [finding(cmd, "rm-files")]


def _shred(cmd: Command, ctx: Context) -> list[Finding]:
    from sessionkit.policy.analysers import devices

    device = devices.device_operands(cmd, cmd.argv[1:], value_options=_SHRED_VALUE_OPTIONS)
    if device:
        return device
    return _plain_files(cmd, ctx, cmd.argv[1:], _SHRED_VALUE_OPTIONS)


_SHRED_VALUE_OPTIONS = ("-n", "-s", "--iterations", "--size", "--random-source")


# ---- find ----------------------------------------------------------------------------------

_FIND_VALUE_TESTS = frozenset(
    (
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-lname",
        "-ilname",
        "-type",
        "-xtype",
        "-size",
        "-perm",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-anewer",
        "-cnewer",
        "-samefile",
        "-inum",
        "-links",
        "-maxdepth",
        "-mindepth",
        "-fstype",
        "-used",
        "-printf",
        "-fprintf",
        "-fprint",
        "-fprint0",
        "-fls",
        "-regextype",
        "-context",
        "-newerXY",
    )
)
_DELETERS = frozenset(("rm", "rmdir", "unlink", "shred", "rimraf", "trash", "trash-put"))
_SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"))
_WRAPPER_NAMES = frozenset(
    (
        "sudo",
        "doas",
        "env",
        "command",
        "builtin",
        "exec",
        "nice",
        "nohup",
        "setsid",
        "timeout",
        "stdbuf",
        "ionice",
        "chrt",
        "taskset",
        "flock",
        "unbuffer",
        "fakeroot",
        "busybox",
        "time",
        "npx",
        "pnpx",
        "bunx",
    )
)
_NAME_TESTS = frozenset(("-name", "-iname"))
_SELECTING_TESTS = frozenset(
    (
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-user",
        "-uid",
        "-size",
    )
)
_PATH_TESTS = frozenset(("-path", "-ipath", "-wholename", "-iwholename"))
_REGEX_TESTS = frozenset(("-regex", "-iregex"))


class FindExpr:
    __slots__ = ("climbs", "deleting", "disjunction", "filtered", "restricted", "starts")

    def __init__(self) -> None:
        self.starts: list[Value] = []
        self.deleting = False
        # what a deleting -exec's operand adds after the found path when it climbs above it
        # (rm -rf {}/../src: "/../src"; sh -c 'rm -rf "$1"/..': "/..")
        self.climbs: list[str] = []
        self.restricted = False
        self.disjunction = False
        # a non-negated selecting test of any kind (-name, -path, -mtime …)
        self.filtered = False


def parse_find(argv: Sequence[Value], ctx: Context) -> FindExpr:
    expr = FindExpr()
    args = list(argv[1:])
    i = 0
    n = len(args)
    while i < n and args[i].text in ("-H", "-L", "-P"):
        i += 1
    while (
        i < n and (args[i].text or "").startswith(("-D", "-O")) and args[i].text not in ("-delete",)
    ):
        if args[i].text == "-D":
            i += 1
        i += 1
    while i < n:
        text = args[i].text
        if text is not None and (text.startswith("-") or text in ("(", ")", "!", ",")):
            break
        expr.starts.append(args[i])
        i += 1
    negated = False
    # find evaluates left to right: a test limits a deleting action only when it comes first
    before_delete: tuple[bool, bool] | None = None
    while i < n:
        text = args[i].text
        i += 1
        if not expr.deleting:
            before_delete = (expr.restricted, expr.filtered)
        if text is None:
            negated = False
            continue
        if text in ("!", "-not"):
            negated = not negated
            continue
        if text in ("-o", "-or", ","):
            expr.disjunction = True
            negated = False
            continue
        if text == "-delete":
            expr.deleting = True
        elif text in ("-exec", "-execdir", "-ok", "-okdir"):
            words: list[Value] = []
            while i < n and args[i].text not in (";", "+"):
                words.append(args[i])
                i += 1
            i += 1
            if _exec_deletes(words, ctx):
                expr.deleting = True
                climbing = [c for c in map(_climb_from_found, words) if c is not None]
                expr.climbs = expr.climbs + climbing
        elif text == "-empty":
            if not negated:
                expr.restricted = True
        elif text in _FIND_VALUE_TESTS:
            value = args[i] if i < n else None
            i += 1
            if not negated and text in _SELECTING_TESTS:
                expr.filtered = True
            if (
                not negated
                and value is not None
                and value.text is not None
                and _restricting(text, value.text, ctx)
            ):
                expr.restricted = True
        negated = False
    if not expr.starts:
        expr.starts.append(Value((Lit("."),)))
    if expr.deleting and before_delete is not None:
        expr.restricted, expr.filtered = before_delete
    if expr.disjunction:
        expr.restricted = False
    return expr


def _restricting(test: str, pattern: str, ctx: Context) -> bool:
    config = ctx.judge.config
    if test in _NAME_TESTS:
        return config.pattern_only_artefacts(pattern, files=True)
    if test in _PATH_TESTS:
        comps = [c for c in pattern.split("/") if c]
        if not comps:
            return False
        for comp in comps[:-1]:
            if config.is_artefact_name(comp):
                return True
        return config.pattern_only_artefacts(comps[-1], files=True)
    if test in _REGEX_TESTS:
        text = pattern.rstrip("$").replace("\\.", ".").replace("\\/", "/")
        for suffix in (".pyc", ".pyo", ".egg-info"):
            if text.endswith(suffix):
                return True
        for name in config.artefact_names:
            if text.endswith("/" + name) or ("/" + name + "/") in text:
                return True
    return False


def _climb_from_found(word: Value) -> str | None:
    """``/../src`` of ``{}/../src``: the text after the found path's placeholder when it has a
    ".." component; for a shell payload (``sh -c 'rm -rf "$1"/../x'``) "/.." whenever it
    climbs anywhere (its found path is a positional parameter)."""
    text = word.text
    if text is None:
        return None
    if "{}" in text:
        rest = text.split("{}", 1)[1]
        return rest if ".." in rest.split("/") else None
    if "/.." in text and " " in text:
        # the climb after the positional parameter: rm -rf "$1"/../../etc -> /../../etc
        import re

        found = re.search(r"(?:/\.\.)+(?:/[^\s\"';|&)]*)?", text)
        return found.group(0) if found is not None else "/.."
    return None


def _exec_deletes(words: Sequence[Value], ctx: Context) -> bool:
    if not words or not any(w.text is None or "{}" in w.text for w in words):
        # the found paths reach the command only as {} (find . -exec sh -c 'rm --help' \;
        # deletes nothing it found; a deletion of fixed operands is walked as a payload)
        return False
    first = words[0].text
    if first is None:
        return True  # unknown program over every found path: assume the worst
    name = canonical_name(first)
    if name in _DELETERS:
        return True
    if name is not None and (name in _WRAPPER_NAMES or name == "xargs"):
        # sudo rm {}, env rm -f {}: the wrapped program is what runs
        import shlex

        joined = " ".join(shlex.quote(w.text) if w.text is not None else "x" for w in words)
        return _payload_deletes(joined)
    if name in _SHELLS:
        for j, word in enumerate(words[1:], start=1):
            text = word.text
            if text is not None and text.startswith("-") and "c" in text[1:] and j + 1 < len(words):
                payload = words[j + 1].text
                if payload is None:
                    return True
                # a find record is judged again as the producer of its output's readers
                # (rm "$1" under -exec sh -c): the payload is walked once per check
                memo = ctx.memo
                if memo is None:
                    memo = ctx.memo = {}
                key = ("find-exec-payload", payload)
                deletes = memo.get(key)
                if deletes is None:
                    deletes = memo[key] = _payload_deletes(payload)
                return deletes
    return False


def _payload_deletes(payload: str) -> bool:
    """Whether a ``sh -c`` payload under ``find -exec`` runs a deletion tool."""
    try:
        import importlib

        walk = importlib.import_module("sessionkit.policy.walk")
        for command in walk.simple_commands(payload):
            if command.name in _DELETERS or command.name is None:
                return True
        return False
    except Exception:
        import re

        words = re.split(r"[\s;|&()]+", payload)
        return any(canonical_name(w) in _DELETERS for w in words if w)


def _above_root(target: Target | None, ctx: Context) -> bool:
    """Whether a find start point is a strict ancestor of the repository root."""
    root = ctx.judge.root
    path = target.path if target is not None else None
    if root is None or path is None:
        return False
    path_l = path.rstrip("/").lower() or "/"
    root_l = root.lower()
    return path_l != root_l and root_l.startswith(path_l.rstrip("/") + "/")


def judge_find(
    cmd: Command, ctx: Context, *, deleting: bool = False
) -> list[tuple[str, Target | None]]:
    """(rule id, target) pairs for a ``find``; ``deleting`` forces a deleting action."""
    expr = parse_find(cmd.argv, ctx)
    if not (expr.deleting or deleting):
        return []
    results: list[tuple[str, Target | None]] = []
    for start in expr.starts:
        verdict = ctx.judge.judge(start, cmd.cwd)
        rule = verdict.rule_id
        for climb in expr.climbs:
            # the deletion leaves what find found: judged from the start point itself, the
            # found path that climbs highest; leaving the start's anchor is traversal (§8.2)
            climbed = ctx.judge.judge(Value((*start.pieces, Lit(climb))), cmd.cwd)
            if climbed.action != "allow":
                results.append((climbed.rule_id, climbed.target))
        if rule in ("rm-temp", "rm-allowed-path"):
            results.append(("find-artefacts", verdict.target))
        elif rule == "rm-shared-temp":
            # a temp root: selected files in it are scratch space, all of it is everyone's
            allowed = expr.restricted or (expr.filtered and not expr.disjunction)
            results.append(("find-artefacts" if allowed else "rm-shared-temp", verdict.target))
        elif (
            rule == "rm-recursive-repo-root"
            and expr.restricted
            and _above_root(verdict.target, ctx)
        ):
            # a start point above the repository (find .. -name '*.pyc' -delete) is outside
            # it, so an artefact restriction does not allow it (§7.3); §8 blocks it
            results.append((rule, verdict.target))
        elif rule in ("rm-recursive-source", "rm-recursive-repo-root", "rm-artefact"):
            # an artefact directory as the start point is no exception (§7.3 allows temp space
            # and restricted expressions only), unlike ``rm -rf build`` (§8)
            results.append(("find-artefacts" if expr.restricted else "find-delete", verdict.target))
        elif rule == "rm-unknown-target":
            results.append(
                ("find-artefacts" if expr.restricted else "rm-unknown-target", verdict.target)
            )
        else:
            results.append((rule, verdict.target))
    return results


def _find(cmd: Command, ctx: Context) -> list[Finding]:
    out = _Collector(cmd)
    for rule_id, target in judge_find(cmd, ctx):
        out.add(rule_id, target)
    return out.findings()


# ---- rsync ---------------------------------------------------------------------------------

_RSYNC_VALUE_SHORT = frozenset("efBTM")
_RSYNC_VALUE_LONG = frozenset(
    (
        "rsh",
        "rsync-path",
        "exclude",
        "include",
        "filter",
        "files-from",
        "password-file",
        "log-file",
        "log-file-format",
        "partial-dir",
        "backup-dir",
        "suffix",
        "chmod",
        "chown",
        "block-size",
        "timeout",
        "contimeout",
        "port",
        "address",
        "bwlimit",
        "temp-dir",
        "compare-dest",
        "copy-dest",
        "link-dest",
        "max-size",
        "min-size",
        "max-delete",
        "modify-window",
        "out-format",
        "iconv",
        "protocol",
        "sockopts",
        "outbuf",
        "remote-option",
        "compress-level",
        "skip-compress",
        "checksum-choice",
        "usermap",
        "groupmap",
        "info",
        "debug",
        "stop-after",
        "stop-at",
        "exclude-from",
        "include-from",
        "read-batch",
        "write-batch",
        "only-write-batch",
        "compress-choice",
        "zc",
        "zl",
        "cc",
        "early-input",
        "copy-as",
        "mkpath-mode",
    )
)


def _rsync(cmd: Command, ctx: Context) -> list[Finding]:
    args = cmd.argv[1:]
    delete = dry = False
    operands: list[Value] = []
    i = 0
    n = len(args)
    while i < n:
        value = args[i]
        i += 1
        text = value.text
        if text is None or not text.startswith("-") or text == "-":
            operands.append(value)
            continue
        if text == "--":
            operands.extend(args[i:])
            break
        if text.startswith("--"):
            name, eq, _ = text[2:].partition("=")
            if name in ("help", "version"):
                return [finding(cmd, "read-only")]
            if name == "del" or name.startswith("delete"):
                delete = True
            elif name == "dry-run":
                dry = True
            elif name in _RSYNC_VALUE_LONG and not eq:
                i += 1
            continue
        for j, ch in enumerate(text[1:], start=1):
            if ch == "n":
                dry = True
            elif ch in _RSYNC_VALUE_SHORT:
                if j == len(text) - 1:
                    i += 1
                break
    if not delete or len(operands) < 2:
        return []
    dest = operands[-1]
    dest_text = dest.text
    if dest_text is not None and _remote(dest_text):
        return []
    if dry:
        return [finding(cmd, "dry-run")]
    verdict = ctx.judge.judge(dest, cmd.cwd)
    if verdict.action == "allow":
        return [
            finding(cmd, verdict.rule_id, target=verdict.target.operand, targets=[verdict.target])
        ]
    if verdict.rule_id == "rm-shared-temp":
        return [
            finding(cmd, "rm-shared-temp", target=verdict.target.operand, targets=[verdict.target])
        ]
    target = _t(verdict.target.operand, verdict.target.path, "rsync-delete")
    return [finding(cmd, "rsync-delete", target=verdict.target.operand, targets=[target])]


def _remote(text: str) -> bool:
    if text.startswith("rsync://"):
        return True
    head = text.split("/", 1)[0]
    return ":" in head


def analyse(cmd: Command, ctx: Context) -> list[Finding]:
    name = cmd.name
    if name == "rm":
        return _rm(cmd, ctx)
    if name == "rimraf":
        return _rimraf(cmd, ctx)
    if name == "find":
        return _find(cmd, ctx)
    if name == "rsync":
        return _rsync(cmd, ctx)
    if name == "shred":
        return _shred(cmd, ctx)
    if name == "gio":
        if len(cmd.argv) > 1 and cmd.argv[1].text == "trash":
            return _plain_files(cmd, ctx, cmd.argv[2:])
        return []
    return _plain_files(cmd, ctx, cmd.argv[1:])
