"""Analysers: from one ``Command`` record to findings (guard.md §7).

``analyse(cmd, ctx)`` dispatches on the canonical command name (§7.1) to the analysers in
``git.py``, ``fs.py`` and ``devices.py``; commands without an analyser yield no finding
(their arguments are data, A6). ``Context`` carries what analysers need beyond the record:
repository facts, path judgement and a way to judge nested payloads (git aliases, git
configuration that runs commands), all per check.

Hot path: standard library only.
"""

from __future__ import annotations

from sessionkit.policy.decision import Finding, _hops, _new_record, _span
from sessionkit.policy.rules import RULES
from sessionkit.policy.values import Lit, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    from sessionkit.policy.command import Command
    from sessionkit.policy.decision import Target
    from sessionkit.policy.paths import PathJudge
    from sessionkit.policy.repofacts import RepoFacts
    from sessionkit.policy.values import Value

    # both take the Context first: plain functions, so a Context makes no reference cycle
    PayloadJudge = Callable[
        ["Context", str, Command, str, str, "str | None", "frozenset[str] | None"], list[Finding]
    ]
    CommandJudge = Callable[["Context", Command], list[Finding]]


class Context:
    """Per-check state shared by the analysers."""

    __slots__ = ("cwd", "depth", "facts", "judge", "judge_command", "judge_payload", "memo")

    def __init__(
        self,
        facts: RepoFacts,
        judge: PathJudge,
        judge_payload: PayloadJudge | None = None,
        judge_command: CommandJudge | None = None,
        cwd: str = "",
    ) -> None:
        self.facts = facts
        self.judge = judge
        self.judge_payload = judge_payload
        self.judge_command = judge_command
        self.depth = 0
        self.cwd = cwd  # the cwd of the check, for payloads whose own cwd is unknown
        # results of pure functions of their key, for this check only (never across checks)
        self.memo: dict[tuple[Any, ...], Any] | None = None

    def payload(
        self, text: str, cmd: Command, kind: str, detail: str, cwd: str | None = None
    ) -> list[Finding]:
        """Findings of a shell payload ``text`` that ``cmd`` would run (via ``kind``)."""
        if self.judge_payload is None or self.depth > 10:
            return []
        self.depth += 1
        try:
            return self.judge_payload(self, text, cmd, kind, detail, cwd, None)
        finally:
            self.depth -= 1

    def payload_flags(
        self, text: str, cmd: Command, kind: str, detail: str, actions: frozenset[str]
    ) -> bool:
        """Whether ``payload`` would hold a finding whose action is in ``actions``; the
        payload's records are judged in order until the first such finding."""
        if self.judge_payload is None or self.depth > 10:
            return False
        self.depth += 1
        try:
            return bool(self.judge_payload(self, text, cmd, kind, detail, None, actions))
        finally:
            self.depth -= 1

    def command(self, cmd: Command) -> list[Finding]:
        """Findings of a derived command record (an argv payload such as ``bisect run``)."""
        if self.depth > 10:
            return []
        self.depth += 1
        try:
            if self.judge_command is not None:
                return self.judge_command(self, cmd)
            return analyse(cmd, self)
        finally:
            self.depth -= 1


def finding(
    cmd: Command,
    rule_id: str,
    *,
    target: str | None = None,
    targets: Iterable[Target] = (),
    action: str | None = None,
    reason: str | None = None,
) -> Finding:
    """A built-in finding for ``cmd`` with the rule's reason and suggestion filled in."""
    rule = RULES[rule_id]
    default = rule.default_action
    if reason is None:
        # Rule.render_reason and render_argv inlined, and the record built positionally: most
        # records that reach an analyser get a finding, and three frames cost more than the work
        reason = rule.reason
        if "{target}" in reason:
            reason = reason.replace("{target}", target if target else "the target")
    argv: list[str] = []
    for value in cmd.argv:
        text = value.text
        argv.append(text if text is not None else render(value))
    span = cmd.span
    span_exact = cmd.span_exact
    reading = cmd.reading
    via = cmd.via
    return _new_record(
        Finding,
        (
            rule.id,
            rule.group,
            default if action is None else action,
            default,
            "builtin",
            reason,
            rule.suggestion,
            cmd.text,
            span if span is None or type(span) is tuple else _span(span),
            # bool() and int() only for values of other types (a call each saved: hot path)
            span_exact if span_exact is True or span_exact is False else bool(span_exact),
            tuple(argv),
            _hops(via) if via else (),
            targets if type(targets) is tuple else tuple(targets),
            reading if type(reading) is int else int(reading),
            None,
        ),
    )


def canonical_name(word: str) -> str:
    """§7.1: last path component, ``.exe`` removed, lower-cased."""
    name = word.rsplit("/", 1)[-1].lower()
    if name.endswith(".exe"):
        name = name[:-4]
    return name


def texts(values: Sequence[Value]) -> list[str | None]:
    return [v.text for v in values]


def _self_grant(cmd: Command, ctx: Context) -> list[Finding]:
    """B13: ``sessionkit guard override add`` in any spelling."""
    words = [v.text for v in cmd.argv]
    name = cmd.name or ""
    start = -1
    if name in ("sessionkit", "sessionkit-hook"):
        start = 1
    else:
        for i, word in enumerate(words):
            if word is not None and canonical_name(word) in ("sessionkit", "sessionkit.cli"):
                start = i + 1
                break
    if start < 0:
        return []
    rest = [w for w in words[start:] if w is not None and not w.startswith("-")]
    for i in range(len(rest) - 2):
        if rest[i] == "guard" and rest[i + 1] == "override" and rest[i + 2] == "add":
            return [finding(cmd, "guard-override-self-grant")]
    return []


def skips_verification(cmd: Command) -> bool:
    """The environment of ``cmd`` skips hooks and gates (§9.5 V1): ``SESSIONKIT_SKIP_GATE`` or
    ``SKIP`` (pre-commit) set, or ``HUSKY=0``."""
    if not cmd.env:
        return False
    if cmd.env_value("SESSIONKIT_SKIP_GATE") is not None or cmd.env_value("SKIP") is not None:
        return True
    husky = cmd.env_value("HUSKY")
    return husky is not None and husky.text == "0"


def _pre_commit(cmd: Command, ctx: Context) -> list[Finding]:
    """V1: pre-commit run with checks skipped through its environment (``SKIP=flake8``)."""
    return [finding(cmd, "verification-bypass")] if skips_verification(cmd) else []


def _export(cmd: Command, ctx: Context) -> list[Finding]:
    """V1: a bypass variable exported in the command (``export SKIP=flake8``, ``export
    HUSKY=0``): every later git or pre-commit command of the shell skips verification."""
    for value in cmd.argv[1:]:
        text = value.text
        if text is None:  # SKIP="$X": the name and its "=" are known
            head = value.pieces[0] if value.pieces else None
            text = head.text if type(head) is Lit else ""
            if text == "HUSKY=":
                continue  # not known to be 0
        if text == "HUSKY=0" or text.startswith(("SESSIONKIT_SKIP_GATE=", "SKIP=")):
            return [finding(cmd, "verification-bypass")]
    return []


_SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish"))
_RUNNERS = frozenset(("make", "gmake", "just", "npm", "yarn", "pnpm", "bun", "rake", "source", "."))


def _opaque(cmd: Command, ctx: Context) -> list[Finding]:
    """A7: a script or program whose content the guard cannot see (a finding to explain it)."""
    name = cmd.name or ""
    args = cmd.argv[1:]
    if name in _SHELLS:
        for value in args:
            text = value.text
            if text is None:
                return [finding(cmd, "opaque-script")]
            if text == "--" or text == "-":
                continue
            if text.startswith(("-", "+")):
                if "c" in text[1:] and not text.startswith("--"):
                    return []  # a -c payload: the walker judges it
                continue
            return [finding(cmd, "opaque-script")]
        stdin = cmd.stdin
        if stdin is not None and stdin.kind == "pipe" and stdin.text is None:
            return _shell_stdin(cmd, ctx) or [finding(cmd, "opaque-script")]
        return []
    if name in ("npm", "pnpm", "yarn", "bun"):
        first = args[0].text if args else None
        if first in ("run", "run-script", "test", "start", "exec") or (
            name == "yarn" and first is not None and not first.startswith("-")
        ):
            return [finding(cmd, "opaque-script")]
        return []
    return [finding(cmd, "opaque-script")] if args or name in ("make", "gmake", "just") else []


_SELF_GRANT_NAMES = frozenset(
    (
        "sessionkit",
        "sessionkit-hook",
        "python",
        "python3",
        "pypy3",
        "uvx",
        "pipx",
        "uv",
        "hatch",
        "poetry",
        "pdm",
    )
)

_TABLE: dict[str, Callable[[Command, Context], list[Finding]]] | None = None

# fs.NAMES and devices.NAMES (a test keeps them equal): each analyser module is imported by
# the first command of its family, so the agent hook's one-process calls import one of them.
_FS_NAMES = frozenset(
    ("rm", "rimraf", "find", "rsync", "shred", "rmdir", "unlink", "trash", "trash-put", "gio")
)
_DEVICE_NAMES = frozenset(
    (
        *("dd", "mkfs", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "wipefs", "sgdisk"),
        *("diskutil", "parted", "sfdisk", "blkdiscard", "cp", "tee", "truncate"),
    )
)


def _installed(family: str) -> Callable[[Command, Context], list[Finding]]:
    """Import analyser module ``family`` and put its ``analyse`` in the table in place of the
    stand-ins (the names the stand-in holds, so ``setdefault`` precedence stays as built)."""
    module = __import__(f"sessionkit.policy.analysers.{family}", fromlist=["analyse"])
    real: Callable[[Command, Context], list[Finding]] = module.analyse
    stand_in = _STAND_INS[family]
    table = _table()
    for name, analyser in table.items():
        if analyser is stand_in:
            table[name] = real
    return real


def _git_analyse(cmd: Command, ctx: Context) -> list[Finding]:
    return _installed("git")(cmd, ctx)


def _fs_analyse(cmd: Command, ctx: Context) -> list[Finding]:
    return _installed("fs")(cmd, ctx)


def _devices_analyse(cmd: Command, ctx: Context) -> list[Finding]:
    return _installed("devices")(cmd, ctx)


_STAND_INS: dict[str, Callable[[Command, Context], list[Finding]]] = {
    "git": _git_analyse,
    "fs": _fs_analyse,
    "devices": _devices_analyse,
}


def _table() -> dict[str, Callable[[Command, Context], list[Finding]]]:
    global _TABLE
    if _TABLE is None:
        table: dict[str, Callable[[Command, Context], list[Finding]]] = {}
        table["git"] = _git_analyse
        for name in _FS_NAMES:
            table[name] = _fs_analyse
        for name in _DEVICE_NAMES:
            table[name] = _devices_analyse
        for name in _SELF_GRANT_NAMES:
            table.setdefault(name, _self_grant)
        for name in (*_SHELLS, *_RUNNERS):
            table.setdefault(name, _opaque)
        for name in _DATA_COMMANDS:
            table[name] = _data_only
        table["pre-commit"] = _pre_commit
        table["prek"] = _pre_commit
        table["export"] = _export
        _TABLE = table
    return _TABLE


_DATA_COMMANDS = frozenset(
    ("echo", "printf", "grep", "egrep", "fgrep", "rg", "ag", "ack", "jq", "yq", "test", "[")
)
_COMMAND_WORDS = frozenset(
    (
        "git",
        "rm",
        "rimraf",
        "find",
        "rsync",
        "dd",
        "shred",
        "mkfs",
        "xargs",
        "sudo",
        "bash",
        "sh",
        "eval",
    )
)


def _data_only(cmd: Command, ctx: Context) -> list[Finding]:
    """A6: destructive-looking text among the arguments of a program that runs nothing.

    The text is judged as if it were a command; when that would warn or block, an allow
    finding explains that here it is only data.
    """
    words = [v.text for v in cmd.argv[1:] if v.text]
    if not words:
        return []
    # the tokens of the joined text are the tokens of every word (the joining blank is
    # whitespace like any other): one split in C instead of a loop over the words
    joined = " ".join(words)
    if _COMMAND_WORDS.isdisjoint(joined.split()):
        return []
    texts = [joined]
    texts.extend(t for t in words if " " in t and t != joined)
    # the same (at most four) texts, the arguments that hold blanks first: one of them is
    # usually the command-like text, and the answer does not depend on the order
    texts = texts[1:4] + texts[:1]
    for text in texts:
        for attempt in (text, text + " ."):
            if ctx.payload_flags(attempt, cmd, "eval", "data", _FLAGGED):
                return [finding(cmd, "data-only")]
    return []


_FLAGGED = frozenset(("warn", "block"))
_BLOCKED = frozenset(("block",))


def _shell_stdin(cmd: Command, ctx: Context) -> list[Finding]:
    """B11: a literal among an unknown producer's arguments, piped into a shell (§6.7)."""
    stdin = cmd.stdin
    if stdin is None or stdin.kind != "pipe" or stdin.text is not None:
        return []
    producer = stdin.producer
    if producer is None or producer.kind != "unknown":
        return []
    source = producer.command
    if source is None:
        return []
    for value in source.argv[1:]:
        text = value.text
        if not text or " " not in text.strip():
            continue
        if ctx.payload_flags(text, cmd, "shell-stdin", producer.detail or "pipe", _BLOCKED):
            return [
                finding(
                    cmd,
                    "unresolved-command-destructive",
                    target=f"{producer.detail or 'a program'} may print {text!r}",
                )
            ]
    return []


# names (of at most 64 characters) found to have no analyser and no blank: a fact of the
# name alone, the same for every caller; bounded
_NO_ANALYSER: set[str] = set()

_REDIRECT_FINDINGS: Callable[[Command, Context], list[Finding]] | None = None


def _redirect_findings() -> Callable[[Command, Context], list[Finding]]:
    """devices.redirect_findings, imported once (not by an import statement per record with
    a redirection: the hot path)."""
    global _REDIRECT_FINDINGS
    from sessionkit.policy.analysers import devices

    _REDIRECT_FINDINGS = devices.redirect_findings
    return _REDIRECT_FINDINGS


def analyse(cmd: Command, ctx: Context) -> list[Finding]:
    """Every finding for one command record (the command itself, not its payloads)."""
    name = cmd.name
    analyser: Callable[[Command, Context], list[Finding]] | None = None
    if name is not None:
        # one table look-up for the common names (data commands included); a name holding
        # a blank is in no table, so the A8 test only runs for names the table misses
        analyser = (_TABLE or _table()).get(name)
        if analyser is None and name not in _NO_ANALYSER:
            if " " in name or "\t" in name or "\n" in name:
                # quoted blanks inside a command word: no such program (A8)
                return [finding(cmd, "malformed-inert")]
            if name.startswith("git-"):
                from sessionkit.policy.analysers import git

                if name[4:] in git.DASHED:
                    analyser = git.analyse_dashed
            elif name.startswith(("mkfs", "newfs")):
                from sessionkit.policy.analysers import devices

                analyser = devices.analyse
            elif name.startswith("python"):
                analyser = _self_grant
            if analyser is None and len(name) <= 64 and len(_NO_ANALYSER) < 1024:
                _NO_ANALYSER.add(name)  # cat, ls, cd …: the tests above once per name
    # every analyser returns a list of its own: taken as it is rather than copied
    out = analyser(cmd, ctx) if analyser is not None else []
    if cmd.redirects:
        redirected = (_REDIRECT_FINDINGS or _redirect_findings())(cmd, ctx)
        if redirected:
            out = [*out, *redirected]
    return out
