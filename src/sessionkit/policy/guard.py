"""The destructive-command guard: ``check_command``, ``analyse_command``, ``Guard`` (§10, §13).

One call parses and walks the command string (``walk.py``), hands every ``Command`` record to
the analysers, applies the policy to each finding separately (``policyfile.apply_policy`` when
that module is present, otherwise the built-in rules alone) and composes the ``Decision``:
most severe wins across every segment, payload, alternative and lenient reading (§10.1).

What never fails (§10.4): any ``str`` gets a decision. An exception inside an analyser becomes
a ``guard-internal-error`` block finding for that record; an exception in the walker blocks the
whole command the same way; a broken policy, override store or Session Config becomes a notice
while the built-in rules still apply.

Hot path: standard library only; the policy layer and the Session Config loader are imported
lazily, on the first check that needs them.
"""

from __future__ import annotations

import _thread
import gc
import os
import sys
import time

from sessionkit.policy.analysers import Context, analyse, canonical_name
from sessionkit.policy.decision import (
    NO_FINDING_REASON,
    SEVERITY,
    Decision,
    Finding,
    Hop,
    Notice,
    _new_record,
    _span,
)
from sessionkit.policy.paths import PathConfig, PathJudge
from sessionkit.policy.repofacts import RepoFacts, find_root
from sessionkit.policy.rules import RULES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime
    from typing import Any

    from sessionkit.policy.command import Command

MAX_INPUT = 262_144
_FLOOR_FIRST = ("parse-limit", "guard-internal-error", "malformed-destructive")
_ORIGIN_ORDER = {"builtin": 0, "extra": 1, "compat": 2}
# Allow findings in order of how specific their explanation is.
_ALLOW_ORDER = (
    "malformed-inert",
    "dry-run",
    "rm-artefact",
    "rm-temp",
    "rm-allowed-path",
    "find-artefacts",
    "git-safe",
    "read-only",
    "rm-files",
    "data-only",
    "opaque-script",
    "verification-bypass",
)
_ALLOW_RANK = {rule_id: rank for rank, rule_id in enumerate(_ALLOW_ORDER)}
_NO_RANK = len(_ALLOW_ORDER)
# Programs tried for a command word that cannot be known (§10.2's candidate set; the walker
# makes the xargs, shell and eval readings, which run commands of their own).
# rimraf is tried only when the word's known pieces spell part of it (r$X, ${X}raf): for a
# wholly unknown word every "$VAR FILE" inside the repository would read as a recursive
# deletion, while B11 needs arguments "destructive for a plausible program" (§9.2) and the
# catalogue's lookalike "$X status" must not block (rules.py).
# The mkfs family is spelled out, so that a word whose known pieces spell only part of a
# member (${X}fs.ext4, mk${X}) agrees with it.
_CANDIDATES = (
    "git",
    "rm",
    "find",
    "rsync",
    "dd",
    "mkfs",
    *(
        f"mkfs.{kind}"
        for kind in ("ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "fat", "msdos", "ntfs")
    ),
    *("mkfs.exfat", "mkfs.f2fs", "mkfs.minix", "mke2fs", "mkdosfs", "mkntfs", "mkswap"),
    "wipefs",
    "shred",
    "rimraf",
)
_DEVICE_CANDIDATES = frozenset(c for c in _CANDIDATES if c.startswith("mk") or c == "wipefs")
_REVALIDATE_SECONDS = 1.0
# commands at least this long are checked with the cyclic GC paused (Guard._decide): about
# a hundred plain words allocate the 700 objects that start a collection
_GC_PAUSE_CHARS = 1024


class Analysis:
    """The decision, effects and command records of one walk (§13)."""

    __slots__ = ("_effects", "commands", "decision")

    def __init__(
        self,
        decision: Decision,
        effects: tuple[Any, ...] | None,
        commands: tuple[Command, ...],
    ) -> None:
        self.decision = decision
        self._effects = effects
        self.commands = commands

    @property
    def effects(self) -> tuple[Any, ...]:
        """The writes and deletions of the walk (§15), computed on first use."""
        if self._effects is None:
            self._effects = _effects(self.commands)
        return self._effects

    def __repr__(self) -> str:
        return f"Analysis({self.decision.action!r}, {len(self.commands)} commands)"


_MODULES: dict[str, Any] = {}
_new_object = object.__new__  # slot stores without an __init__ frame (hot path)
_gc_isenabled = gc.isenabled


def _optional_module(name: str) -> Any:
    """Import ``name`` once; None (remembered) when it does not exist (yet)."""
    try:
        return _MODULES[name]
    except KeyError:
        pass
    try:
        # not importlib.import_module: importing importlib (and warnings) costs the agent
        # hook more than most modules it loads
        __import__(name)
        module: Any = sys.modules[name]
    except ImportError:
        module = None
    _MODULES[name] = module
    return module


def _abspath(path: str) -> str:
    """``os.path.abspath`` without its work for paths that are already clean and absolute."""
    if path.startswith("/") and "/." not in path and "//" not in path and not path.endswith("/"):
        return path
    return os.path.abspath(path)


def _walk(command: str, cwd: str) -> tuple[Any, str | None]:
    """Run the walker (``walk.walk_in``) in ``cwd``, a clean absolute path: the ``Walk``
    (None when the walker raised) and the text of its first internal error, if any. Its
    failures are recorded, never raised."""
    try:
        walk_fn = _WALK_FN[0] if _WALK_FN else _walk_function()
        walked = walk_fn(command, cwd)
        errors = walked.errors
        if errors:
            first = errors[0]
            name = first[0] if isinstance(first, tuple) else str(first)
            return walked, f"{name} in the shell walker"
    except Exception as error:  # a walker defect: fail closed (§10.3)
        return None, f"{type(error).__name__} in the shell walker"
    return walked, None


_WALK_FN: list[Any] = []


def _walk_function() -> Any:
    from sessionkit.policy.walk import walk_in

    _WALK_FN.append(walk_in)
    return walk_in


def _severity(finding: Finding) -> int:
    return SEVERITY[finding.action]


class _Inputs:
    """Policy and Session Config of a Guard, revalidated at most once per second."""

    __slots__ = (
        "checked",
        "config",
        "config_given",
        "digest",
        "inert",
        "notices",
        "policy",
        "policy_given",
    )

    def __init__(self, policy: Any, config: Any) -> None:
        self.policy_given = policy is not None
        self.config_given = config is not None
        self.policy = policy
        self.config = config
        self.notices: list[Notice] = []
        self.checked = -1e9
        # per refresh: the policy digest, and _policy_is_inert by (context, repository root)
        self.digest: str | None = None
        self.inert: dict[tuple[str, str | None], bool] = {}


class Guard:
    """The guard for one repository (or directory), with its cached facts and inputs."""

    def __init__(
        self,
        cwd: str | os.PathLike[str] | None = None,
        *,
        config: Any = None,
        policy: Any = None,
        session: str | None = None,
        home: str | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.cwd = os.path.abspath(os.fspath(cwd) if cwd is not None else os.getcwd())
        self.home = home if home is not None else os.path.expanduser("~")
        self.session = session
        self.now = now
        self.facts = RepoFacts(self.cwd, home=self.home)
        self._policy_arg = policy
        self._inputs = _Inputs(
            policy if not isinstance(policy, (str, os.PathLike)) else None, config
        )
        self._lock = _thread.allocate_lock()
        self._judge: PathJudge | None = None

    # -- inputs ----------------------------------------------------------------------------

    @property
    def repo_root(self) -> str | None:
        return self.facts.root

    def _refresh_inputs(self, now: float) -> _Inputs:
        """The inputs, re-read when they were last read a second or more before ``now`` (the
        check's one reading of ``time.monotonic()``)."""
        inputs = self._inputs
        if now - inputs.checked < _REVALIDATE_SECONDS:
            return inputs
        with self._lock:
            if now - inputs.checked < _REVALIDATE_SECONDS:
                return inputs
            notices: list[Notice] = []
            root = self.facts.root or self.cwd
            if not inputs.policy_given:
                inputs.policy = _load_policy(self._policy_arg, root, notices)
            if not inputs.config_given:
                inputs.config = _load_config(root, notices)
            inputs.notices = notices
            inputs.digest = None
            inputs.inert = {}
            inputs.checked = now
            # fresh facts and a fresh judge: refs, worktrees, git config and symlinks are
            # re-read at most once per second (§12.8), lazily, when a rule needs them
            if self._judge is not None:
                self.facts = RepoFacts(self.cwd, home=self.home)
            self._judge = PathJudge(
                self.facts, home=self.home, config=PathConfig.from_policy(inputs.policy)
            )
        return inputs

    def _path_judge(self) -> PathJudge:
        if self._judge is None:
            self._refresh_inputs(time.monotonic())
        assert self._judge is not None
        return self._judge

    # -- public ----------------------------------------------------------------------------

    def check(
        self,
        command: str,
        *,
        cwd: str | os.PathLike[str] | None = None,
        context: str = "agent",
        source: str | None = None,
    ) -> Decision:
        """The decision on ``command`` run in ``cwd`` (default: the guard's directory)."""
        if not isinstance(command, str):
            raise TypeError(f"command must be a str, not {type(command).__name__}")
        run_cwd = self.cwd if cwd is None else _abspath(os.fspath(cwd))
        return self._decide(command, run_cwd, context, source, time.monotonic())[0]

    def analyse(
        self,
        command: str,
        *,
        cwd: str | os.PathLike[str] | None = None,
        context: str = "agent",
        source: str | None = None,
    ) -> Analysis:
        """One parse and walk: the decision, the effects and the command records."""
        if not isinstance(command, str):
            raise TypeError(f"command must be a str, not {type(command).__name__}")
        run_cwd = self.cwd if cwd is None else _abspath(os.fspath(cwd))
        return self._analyse(command, run_cwd, context, source, time.monotonic())

    def _analyse(
        self, command: str, run_cwd: str, context: str, source: str | None, now: float
    ) -> Analysis:
        """``analyse`` for a ``str`` command and a clean absolute cwd, at ``now``."""
        decision, commands = self._decide(command, run_cwd, context, source, now)
        return Analysis(decision, None, commands)

    def _decide(
        self, command: str, run_cwd: str, context: str, source: str | None, now: float
    ) -> tuple[Decision, tuple[Command, ...]]:
        """The decision and the command records (check_command needs no ``Analysis``).

        ``now`` is the check's one reading of ``time.monotonic()``, taken by its caller: the
        inputs are revalidated when they were last read a second or more before it."""
        if len(command) >= _GC_PAUSE_CHARS and _gc_isenabled():
            return self._decide_gc_paused(command, run_cwd, context, source, now)
        inputs = self._inputs
        if self._judge is None or now - inputs.checked >= _REVALIDATE_SECONDS:
            inputs = self._refresh_inputs(now)
        judge = self._judge
        if judge is None:
            judge = self._path_judge()
        if run_cwd != judge.cwd:  # for_cwd's own first test, without its frame
            judge = judge.for_cwd(run_cwd)
        facts = judge.facts
        notices = list(inputs.notices) if inputs.notices else []  # usually none: no call
        repo_root = facts.root
        findings: list[Finding] = []
        commands: tuple[Command, ...] = ()
        malformed = False
        issues: tuple[Any, ...] = ()
        if len(command) > MAX_INPUT:
            findings.append(
                _floor(
                    "parse-limit",
                    command,
                    f"{len(command):,} characters, more than {MAX_INPUT:,}",
                )
            )
        else:
            walked, error = _walk(command, run_cwd)
            limit = None
            if walked is not None:
                commands = tuple(walked.commands)
                malformed, issues, limit = walked.malformed, walked.issues, walked.limit
            if commands:
                # Context(facts, judge, _judge_payload, _judge_record_in, run_cwd) without
                # its __init__ frame (one per check: the hot path)
                ctx = _new_object(Context)
                ctx.facts = facts
                ctx.judge = judge
                ctx.judge_payload = _judge_payload
                ctx.judge_command = _judge_record_in
                ctx.depth = 0
                ctx.cwd = run_cwd
                ctx.memo = None
                for cmd in commands:
                    findings.extend(_judge_record(cmd, ctx))
            if error is not None:
                findings.append(_floor("guard-internal-error", command, error))
            if limit:
                findings.append(_floor("parse-limit", command, limit))
            findings = _apply_policy(
                findings,
                commands,
                inputs,
                notices,
                context,
                source,
                self.session,
                repo_root,
                run_cwd,
                self.now,
            )
        if facts.unreadable:
            notices.append(
                Notice(
                    "repo-facts-unreadable",
                    "Some repository facts could not be read; judged toward protection: "
                    + ", ".join(sorted(set(facts.unreadable))[:3]),
                )
            )
        decision = _compose(
            command,
            findings,
            notices,
            malformed,
            issues,
            run_cwd,
            repo_root,
            inputs.digest or _inputs_digest(inputs),
        )
        return decision, commands

    def _decide_gc_paused(
        self, command: str, run_cwd: str, context: str, source: str | None, now: float
    ) -> tuple[Decision, tuple[Command, ...]]:
        """``_decide`` with the cyclic garbage collector paused: a long command builds
        thousands of nodes, values and records that live until the decision is made, so
        every collection during the check would traverse them for nothing (none is in a
        reference cycle that outlives the check; reference counting frees them)."""
        gc.disable()
        try:
            return self._decide(command, run_cwd, context, source, now)  # the collector is off
        finally:
            gc.enable()


# ---- per-record judgement ------------------------------------------------------------------


def _floor(rule_id: str, command: str, detail: str) -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule.id,
        rule.group,
        rule.default_action,
        reason=rule.render_reason(detail),
        suggestion=rule.suggestion,
        segment=command,
        span=(0, len(command)),
        span_exact=True,
    )


def _judge_record(cmd: Command, ctx: Context) -> list[Finding]:
    """Findings of one record, with dry-run, definition and unresolved-name handling."""
    try:
        if cmd.argv and (cmd.name is None or cmd.argv[0].pattern):
            found = _unresolved(cmd, ctx)
        else:
            found = analyse(cmd, ctx)
    except Exception as error:  # an analyser defect: fail closed for this record (§10.3)
        rule = RULES["guard-internal-error"]
        return [
            Finding(
                rule.id,
                rule.group,
                "block",
                reason=rule.render_reason(f"{type(error).__name__} in an analyser"),
                suggestion=rule.suggestion,
                segment=cmd.text,
                span=cmd.span,
                span_exact=cmd.span_exact,
                argv=_safe_argv(cmd),
                via=cmd.via,
                reading=cmd.reading,
            )
        ]
    if not found:
        return found
    via = cmd.via
    if via:
        # under a candidate reading (the last unresolved-command hop names one), even when
        # the reading ran the command further (xargs …): B11 (§10.2)
        for hop in reversed(via):
            if hop[0] == "unresolved-command":
                if hop[2]:
                    found = _as_unresolved(cmd, found, hop[2])
                break
    if cmd.defined_only:
        found = _as_definition(cmd, found)
    if cmd.dry:
        found = [_as_dry_run(item) if item.action != "allow" else item for item in found]
    return found


def _safe_argv(cmd: Command) -> list[str]:
    """argv for a finding about a record that just broke an analyser."""
    try:
        return cmd.rendered()
    except Exception:
        return [str(value) for value in cmd.argv]


def _derived(cmd: Command, rule_id: str, detail: str | None = None) -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule.id,
        rule.group,
        rule.default_action,
        reason=rule.render_reason(detail),
        suggestion=rule.suggestion,
        segment=cmd.text,
        span=cmd.span,
        span_exact=cmd.span_exact,
        argv=cmd.rendered(),
        via=cmd.via,
        reading=cmd.reading,
    )


def _as_unresolved(cmd: Command, found: list[Finding], candidate: str) -> list[Finding]:
    """A candidate reading of an unknown command word: blocks become B11 (§10.2)."""
    blocking = [item for item in found if item.action == "block"]
    if not blocking:
        return [item for item in found if item.action == "allow"]
    first = blocking[0]
    detail = f"read as {candidate}: {first.rule_id}"
    return [_derived(cmd, "unresolved-command-destructive", detail)]


def _as_definition(cmd: Command, found: list[Finding]) -> list[Finding]:
    """An alias or function defined and never used: a blocked body warns (W7, §5.6)."""
    if any(item.action == "block" for item in found):
        return [_derived(cmd, "shell-definition-destructive")]
    return [item for item in found if item.action == "allow"]


def _as_dry_run(item: Finding) -> Finding:
    rule = RULES["dry-run"]
    result: Finding = item.replace(
        rule_id=rule.id,
        group=rule.group,
        action="allow",
        default_action="allow",
        reason=f"{rule.reason} (it would be {item.rule_id})",
        suggestion=None,
        targets=(),
    )
    return result


def _plausible_rm(args: Sequence[Any]) -> bool:
    """Whether arguments read as an ``rm`` invocation rather than another program's.

    ``-rf`` (in any spelling) is rm's signature. A lone ``-r`` is common to many programs
    (``pip install -r requirements.txt``, ``grep -r``, ``cp -r``): it counts only when the
    arguments start with options and name no file with an extension.
    """
    from sessionkit.policy.analysers.fs import parse_rm

    texts = [a.text for a in args]
    if not texts:
        return False
    for t in texts:
        if t == "--":
            break
        if t is not None and t[:1] == "-" and t[:2] != "--" and t.strip("-dfiIrRv"):
            # an option rm does not have (-m of "$PYTHON -m pytest -ra"): rm would refuse to
            # run, so this is another program's command line
            return False
    opts = parse_rm(args)
    force = any(
        t is not None
        and t.startswith("-")
        and (
            t in ("--force", "--forc", "--for", "--fo", "--f")
            or ("f" in t[1:] and not t.startswith("--"))
        )
        for t in texts
    )
    if not opts.recursive:
        return True  # non-recursive readings block only for .git, root wildcards or yes pipes
    if force:
        return True
    first = texts[0]
    if first is None or not first.startswith("-"):
        return False
    for operand in opts.operands:
        text = operand.text or ""
        tail = text.rsplit("/", 1)[-1]
        if "." in tail.strip("."):
            return False
    return True


def _unresolved(cmd: Command, ctx: Context) -> list[Finding]:
    """Candidate readings for an unknown command word (§10.2 item 2)."""
    from sessionkit.policy.command import Command as CommandRecord
    from sessionkit.policy.values import Lit, Value, command_word_pattern, pattern_agrees

    pattern = command_word_pattern(cmd.argv[0])
    for candidate in _CANDIDATES:
        if not pattern_agrees(pattern, candidate):
            continue
        if candidate in _DEVICE_CANDIDATES and not any(
            (arg.text or "").startswith("/dev/") for arg in cmd.argv[1:]
        ):
            continue  # every operand of mkfs is a device: without one it is not plausible
        if candidate == "rm" and not _plausible_rm(cmd.argv[1:]):
            continue
        if candidate == "rimraf" and not pattern.strip("*"):
            continue  # a wholly unknown word: see _CANDIDATES
        argv = (Value((Lit(candidate),)), *cmd.argv[1:])
        reading = CommandRecord(
            argv,
            candidate,
            cmd.wrappers,
            cmd.env,
            cmd.redirects,
            cmd.stdin,
            cmd.cwd,
            cmd.via,
            cmd.span,
            cmd.text,
            cmd.span_exact,
            cmd.dry,
            cmd.deferred,
            cmd.reading,
            cmd.git_config,
        )
        for item in analyse(reading, ctx):
            if item.action == "block":
                hop = Hop("unresolved-command", cmd.span, candidate)
                found = _derived(
                    cmd, "unresolved-command-destructive", f"read as {candidate}: {item.rule_id}"
                )
                result: Finding = found.replace(via=(*found.via, hop))
                return [result]
    return []


def _judge_record_in(ctx: Context, cmd: Command) -> list[Finding]:
    return _judge_record(cmd, ctx)


def _judge_payload(
    ctx: Context,
    text: str,
    outer: Command,
    kind: str,
    detail: str,
    cwd: str | None,
    first_of: frozenset[str] | None = None,
) -> list[Finding]:
    """Judge a shell payload that an analysed command runs (git aliases, config commands).

    With ``first_of``, only whether the payload holds a finding with one of those actions
    matters (``Context.payload_flags``): the records are judged in order until the first
    one, which is returned alone, as the analyser left it."""
    payload_cwd = cwd
    if payload_cwd is None:
        payload_cwd = ctx.cwd
        for known in ctx.judge.cwd_paths(outer.cwd):  # the first known one
            if known is not None:
                payload_cwd = known
                break
    payload_cwd = _abspath(payload_cwd)
    # The records' findings are a function of the text, its cwd, what is asked and the
    # nesting depth: a payload met again in the same check (a pager set and then used, an
    # alias defined and run) is walked and judged once. Never shared across checks.
    memo = ctx.memo
    if memo is None:
        memo = ctx.memo = {}
    key = ("payload", text, payload_cwd, first_of, ctx.depth)
    hit = memo.get(key)
    if hit is None:
        walked, error = _walk(text, payload_cwd)
        records = walked.commands if walked is not None else ()
        limit = walked.limit if walked is not None else None
        found: list[Finding] = []
        if first_of is not None:
            for record in records:
                for item in _judge_record(record, ctx):
                    if item.action in first_of:
                        found.append(item)
                        break
                if found:
                    break
        else:
            for record in records:
                found.extend(_judge_record(record, ctx))
        hit = memo[key] = (found, error is not None or bool(limit), bool(limit))
    found, failed, limited = hit
    if first_of is not None:
        if found:
            return [found[0]]
        if failed:
            derived = _derived(outer, "parse-limit" if limited else "guard-internal-error")
            if derived.action in first_of:
                return [derived]
        return []
    hop = Hop(kind, outer.span, detail)
    out: list[Finding] = []
    for item in found:
        result: Finding = item.replace(
            via=(*outer.via, hop, *item.via),
            span=outer.span,
            span_exact=False,
            reading=outer.reading,
        )
        out.append(result)
    if failed:
        out.append(_derived(outer, "parse-limit" if limited else "guard-internal-error"))
    return out


# ---- policy --------------------------------------------------------------------------------


def _policyfile() -> Any:
    """G3's policy layer when it is installed; None means built-in rules only."""
    return _optional_module("sessionkit.policy.policyfile")


def _load_policy(arg: Any, root: str, notices: list[Notice]) -> Any:
    policyfile = _policyfile()
    if policyfile is None:
        return None
    try:
        if isinstance(arg, (str, os.PathLike)):
            # a guard.yaml given by path is the team policy as given (§12.1): like a discovered
            # one, a bad entry is dropped with a notice instead of discarding every tightening
            return policyfile.Policy.from_file(arg, strict=False)
        return policyfile.load_policy(root)
    except Exception as error:
        notices.append(
            Notice(
                "policy-invalid",
                f"The guard policy could not be loaded ({error}); built-in rules apply.",
            )
        )
        return None


class _DefaultConfig:
    """The Session Config defaults the guard reads, for a repository without one (§12.5)."""

    __slots__ = ()
    allow_destructive_ops = False
    report = None

    def source_of(self, key: str) -> None:
        return None


DEFAULT_CONFIG = _DefaultConfig()

_CONFIG_FILES = ("CLAUDE.md", "AGENTS.md", ".claude/CLAUDE.md", ".codex/AGENTS.md")


def _load_config(root: str, notices: list[Notice]) -> Any:
    if not (
        os.environ.get("SESSIONKIT_CONFIG_FILE")
        or os.environ.get("SO_CONFIG_FILE")
        or any(os.path.exists(os.path.join(root, name)) for name in _CONFIG_FILES)
    ):
        # no instruction file: the defaults, without loading the config machinery
        return DEFAULT_CONFIG
    try:
        import sessionkit.config as config_module

        reader = getattr(config_module, "read_cached_config", None)
        config = reader(root) if reader is not None else None
        if config is None:
            config = config_module.load_config(root)
        return config
    except Exception as error:
        notices.append(
            Notice(
                "config-unavailable",
                f"The Session Config could not be read ({type(error).__name__}); defaults apply.",
            )
        )
        return None


def _apply_policy(
    findings: list[Finding],
    commands: Sequence[Command],
    inputs: _Inputs,
    notices: list[Notice],
    context: str,
    source: str | None,
    session: str | None,
    repo_root: str | None,
    cwd: str,
    now: Callable[[], datetime] | None,
) -> list[Finding]:
    policy = inputs.policy
    if policy is not None and commands:
        extra = getattr(policy, "extra_findings", None)
        if extra is not None:
            try:
                more = extra(commands)
                if more:  # usually none: no copy of the list
                    findings = [*findings, *more]
            except Exception as error:
                notices.append(
                    Notice("policy-entry-ignored", f"Extra rules failed ({type(error).__name__}).")
                )
    if (
        not findings
        # _inputs_inert's remembered answer, without its frame (the common case: inert)
        or inputs.inert.get((context, repo_root))
        or _inputs_inert(inputs, context, repo_root, findings)
    ):
        # nothing the policy could change; its own notices still reach the decision
        policy_notices = getattr(policy, "notices", None)
        if policy_notices:
            notices.extend(policy_notices)
        return findings
    policyfile = _policyfile()
    if policyfile is None:
        return findings
    apply = getattr(policyfile, "apply_policy", None)
    if apply is None:
        return findings
    try:
        # apply_policy resolves the clock itself, and only when an override is consulted.
        linked_scope = True
        if getattr(policy, "relax_in_linked_worktrees", False):
            linked_scope = _acts_only_in(repo_root, commands)
        applied, extra_notices = apply(
            findings,
            policy=policy,
            config=inputs.config,
            context=context,
            source=source,
            session=session,
            repo_root=repo_root,
            cwd=cwd,
            now=now,
            linked_scope=linked_scope,
        )
    except Exception as error:
        notices.append(
            Notice(
                "policy-invalid",
                f"The guard policy could not be applied ({type(error).__name__}); built-in rules apply.",
            )
        )
        return findings
    notices.extend(extra_notices)
    return _keep_floors(findings, list(applied))


_GIT_ELSEWHERE = frozenset(("-C", "--git-dir", "--work-tree", "--namespace"))


def _acts_only_in(root: str | None, commands: Sequence[Command]) -> bool:
    """Whether every record runs with its effective cwd inside ``root`` and no git invocation
    points elsewhere (``-C``, ``--git-dir``, ``--work-tree``, ``GIT_DIR``): the condition of
    the linked-worktree relaxation (guard.md §12.2: "when the effective cwd is inside a linked
    worktree"). From a linked worktree, ``git -C <main> reset --hard`` acts on the main one."""
    if root is None:
        return False
    inside = root.rstrip("/") + "/"
    for cmd in commands:
        for value in cmd.cwd or ():
            text = value.text
            if text is None:
                return False
            path = os.path.normpath(text)
            if path != root and not path.startswith(inside):
                return False
        name = cmd.name or ""
        if name == "git" or name.startswith("git-"):
            for arg in cmd.argv[1:]:
                text = arg.text
                if text is None:
                    continue
                if text in _GIT_ELSEWHERE or text.startswith(("--git-dir=", "--work-tree=")):
                    return False
            if cmd.env_value("GIT_DIR") is not None or cmd.env_value("GIT_WORK_TREE") is not None:
                return False
    return True


def _inputs_inert(
    inputs: _Inputs, context: str, repo_root: str | None, findings: Sequence[Finding] = ()
) -> bool:
    """``_policy_is_inert`` for the inputs as last refreshed (at most a second old, like the
    inputs themselves and the override-store check).

    A policy whose only entries are severities (``rules``) of rules none of ``findings`` has
    is inert for them too: ``apply_policy`` looks severities up by rule id, so it would leave
    each finding as it is (and its module is not even loaded)."""
    key = (context, repo_root)
    inert = inputs.inert.get(key)
    if inert is None:
        inert = inputs.inert[key] = _policy_is_inert(
            inputs.policy, inputs.config, context, repo_root
        )
    if inert or not findings:
        return inert
    rules = getattr(inputs.policy, "rules", None)
    if not rules or not isinstance(rules, dict) or any(f.rule_id in rules for f in findings):
        return False
    return _policy_is_inert(inputs.policy, inputs.config, context, repo_root, with_rules=False)


def _policy_is_inert(
    policy: Any, config: Any, context: str, repo_root: str | None, *, with_rules: bool = True
) -> bool:
    """True when applying the policy could change no finding (the common case, made cheap).

    Built-in rules only, no committed entries, the agent context, no allow-destructive-ops
    and no local override store: every step of ``apply_policy`` would leave findings as
    they are, so its work (reading the override store, the config) is skipped. Without
    ``with_rules`` the ``rules`` entries are not considered (the caller checked them).
    """
    if context != "agent":
        return False
    if policy is not None:
        for name in (
            *(("rules",) if with_rules else ()),
            "overrides",
            "extra_rules",
            "compat_rules",
            "script_allow",
            "relax_in_linked_worktrees",
        ):
            if not hasattr(policy, name):
                return False
            if getattr(policy, name):
                return False
    if config is not DEFAULT_CONFIG and config is not None:
        if getattr(config, "allow_destructive_ops", True):
            return False
        report = getattr(config, "report", None)
        if report is not None and getattr(report, "pending", None):
            return False
    elif config is None:
        return False  # the policy layer would try to load it: let it
    return not (repo_root is not None and _override_store_exists(repo_root))


# repository root -> (checked at, whether the local override store exists)
_OVERRIDE_STORES: dict[str, tuple[float, bool]] = {}


def _override_store_exists(repo_root: str) -> bool:
    """Whether ``<common-dir>/sessionkit/guard-overrides.json`` exists (stat once a second)."""
    now = time.monotonic()
    hit = _OVERRIDE_STORES.get(repo_root)
    if hit is not None and now - hit[0] < _REVALIDATE_SECONDS:
        return hit[1]
    common = RepoFacts(repo_root).common_dir
    exists = common is not None and os.path.exists(
        os.path.join(common, "sessionkit", "guard-overrides.json")
    )
    if len(_OVERRIDE_STORES) > 64:
        _OVERRIDE_STORES.clear()
    _OVERRIDE_STORES[repo_root] = (now, exists)
    return exists


def _keep_floors(before: list[Finding], after: list[Finding]) -> list[Finding]:
    """Floor rules are never lowered by policy (§9.2): restore any that were."""
    floors = {
        id(item): item for item in before if RULES.get(item.rule_id) and RULES[item.rule_id].floor
    }
    if not floors:
        return after
    out: list[Finding] = []
    for item in after:
        rule = RULES.get(item.rule_id)
        if rule is not None and rule.floor and item.action != rule.default_action:
            item = item.replace(action=rule.default_action, downgraded_by=None)
        out.append(item)
    kept = {(f.rule_id, f.span) for f in out}
    out.extend(f for f in floors.values() if (f.rule_id, f.span) not in kept)
    return out


def _inputs_digest(inputs: _Inputs) -> str:
    inputs.digest = digest = _digest(inputs.policy)
    return digest


def _digest(policy: Any) -> str:
    digest = getattr(policy, "digest", None) if policy is not None else None
    if isinstance(digest, str) and digest:
        return digest
    builtin = _BUILTIN_DIGEST.get("builtin")
    if builtin is None:
        builtin = _BUILTIN_DIGEST["builtin"] = _builtin_digest()
    return builtin


def _builtin_digest() -> str:
    import hashlib

    hasher = hashlib.sha256()
    for rule_id in sorted(RULES):
        rule = RULES[rule_id]
        hasher.update(f"{rule_id}={rule.id}:{rule.default_action}\n".encode())
    return "sha256:" + hasher.hexdigest()


_BUILTIN_DIGEST: dict[str, str] = {}


def _effects(commands: Sequence[Command]) -> tuple[Any, ...]:
    if not commands:
        return ()
    effects_module = _optional_module("sessionkit.policy.effects")
    if effects_module is None:
        return ()
    for name in ("effects_of", "effects_from_commands", "commands_effects"):
        fn = getattr(effects_module, name, None)
        if fn is not None:
            try:
                return tuple(fn(commands))
            except Exception:
                return ()
    return ()


# ---- composition (§10.1) -------------------------------------------------------------------


def _primary_key(item: Finding) -> tuple[int, int, int, int, int]:
    floor = 0 if item.rule_id in _FLOOR_FIRST else 1
    origin = _ORIGIN_ORDER.get(item.origin, 3)
    start = item.span[0] if item.span is not None else 0
    # a concrete rule of the same segment explains more than an unresolved-name reading
    unresolved = 1 if item.rule_id == "unresolved-command-destructive" else 0
    return (floor, origin, start, unresolved, len(item.via))


def _issue_text(issues: Sequence[Any]) -> str:
    if not issues:
        return "malformed input"
    first = issues[0]
    kind = getattr(first, "kind", None) or str(first)
    offset = getattr(first, "offset", None)
    return f"{kind} at offset {offset}" if offset is not None else str(kind)


def compose(
    command: str,
    findings: Sequence[Finding],
    notices: Iterable[Notice] = (),
    *,
    malformed: bool = False,
    issues: Sequence[Any] = (),
    cwd: str = "",
    repo_root: str | None = None,
    policy_digest: str = "",
) -> Decision:
    """The decision over every finding: most severe wins, then the primary finding (§10.1)."""
    return _compose(command, findings, notices, malformed, issues, cwd, repo_root, policy_digest)


def _compose(
    command: str,
    findings: Sequence[Finding],
    notices: Iterable[Notice],
    malformed: bool,
    issues: Sequence[Any],
    cwd: str,
    repo_root: str | None,
    policy_digest: str,
) -> Decision:
    """``compose`` with positional arguments (the guard's hot path)."""
    if type(notices) is tuple:
        notes = notices
    else:
        notes = tuple(notices) if notices else ()  # usually none: no call
    if len(findings) == 1 and not malformed:
        # the commonest case (most commands have one finding): it wins and explains the
        # decision, whatever its action; the loops below would pick it too
        only = findings[0]
        action = only.action
        if action in SEVERITY:
            found = (only,)
            rule_id: str | None = None
            group: str | None = None
            suggestion: str | None = None
            if action != "allow":
                rule_id, group, suggestion = only.rule_id, only.group, only.suggestion
            span = only.span
            span_exact = only.span_exact
            return _new_record(
                Decision,
                (
                    action,
                    rule_id,
                    group,
                    only.reason,
                    suggestion,
                    only.segment,
                    span if span is None or type(span) is tuple else _span(span),
                    span_exact if span_exact is True or span_exact is False else bool(span_exact),
                    found,
                    notes,
                    command,
                    cwd,
                    repo_root,
                    False,
                    policy_digest,
                ),
            )
    if len(findings) < 2:
        items = list(findings)
    else:
        items = sorted(findings, key=_position)
    if malformed:
        items.insert(0, _malformed_finding(command, items, issues))
    action = "allow"
    for item in items:
        if SEVERITY[item.action] > SEVERITY[action]:
            action = item.action
    # The finding that explains the decision: the primary one of the winning action, or for
    # an allow the most specific allow finding (none when nothing was found).
    if action == "allow":
        # the most specific allow finding (_ALLOW_ORDER), written out: no frame per check
        shown = None
        best_rank = _NO_RANK
        for item in items:
            rank = _ALLOW_RANK.get(item.rule_id, _NO_RANK)
            if shown is None or rank < best_rank:
                shown, best_rank = item, rank
    elif len(items) == 1:
        shown = items[0]  # the commonest case: the one finding is the primary one
    else:
        # min() over a generator, without the generator: the first finding of the least key
        shown = None
        best: tuple[int, int, int, int, int] | None = None
        for item in items:
            if item.action == action:
                key = _primary_key(item)
                if best is None or key < best:
                    shown, best = item, key
    if shown is None:
        rule_id = group = suggestion = segment = span = None
        reason, span_exact = NO_FINDING_REASON, True
    else:
        reason, segment, span, span_exact = (
            shown.reason,
            shown.segment,
            shown.span,
            shown.span_exact,
        )
        if action == "allow":
            rule_id = group = suggestion = None
        else:
            rule_id, group, suggestion = shown.rule_id, shown.group, shown.suggestion
    # the Decision record built positionally from normalised fields (no frame for a builder)
    return _new_record(
        Decision,
        (
            action,
            rule_id,
            group,
            reason,
            suggestion,
            segment,
            span if span is None or type(span) is tuple else _span(span),
            span_exact if span_exact is True or span_exact is False else bool(span_exact),
            tuple(items),
            notes,
            command,
            cwd,
            repo_root,
            malformed if malformed is True or malformed is False else bool(malformed),
            policy_digest,
        ),
    )


def _position(item: Finding) -> tuple[int, int]:
    return (item.span[0] if item.span is not None else 0, item.reading)


def _malformed_finding(command: str, items: list[Finding], issues: Sequence[Any]) -> Finding:
    """The finding a malformed command adds: block when a lenient reading is destructive."""
    destructive = [f for f in items if f.action in ("warn", "block")]
    if destructive:
        worst = max(destructive, key=_severity)
        rule = RULES["malformed-destructive"]
        return Finding(
            rule.id,
            rule.group,
            "block",
            reason=rule.render_reason(
                f"{_issue_text(issues)}; a lenient reading is {worst.rule_id}"
            ),
            suggestion=rule.suggestion,
            segment=command,
            span=(0, len(command)),
            span_exact=True,
            argv=worst.argv,
            via=worst.via,
            reading=worst.reading,
        )
    rule = RULES["malformed-inert"]
    return Finding(
        rule.id,
        rule.group,
        "allow",
        reason=rule.reason,
        segment=command,
        span=(0, len(command)),
        span_exact=True,
    )


# ---- module-level entry points -------------------------------------------------------------

_GUARDS: dict[tuple[object, ...], Guard] = {}
_GUARDS_LOCK = _thread.allocate_lock()
_MAX_GUARDS = 8
_ROOTS: dict[str, tuple[float, str]] = {}


def _root_key(cwd: str, now: float) -> str:
    """The repository root of ``cwd`` (or ``cwd`` itself), cached for a second (``now`` is
    the check's reading of ``time.monotonic()``)."""
    hit = _ROOTS.get(cwd)
    if hit is not None and now - hit[0] < _REVALIDATE_SECONDS:
        return hit[1]
    root, _dot_git = find_root(cwd)
    key = root if root is not None else cwd
    if len(_ROOTS) > 64:
        _ROOTS.clear()
    _ROOTS[cwd] = (now, key)
    return key


def _policy_key(policy: Any) -> object:
    if policy is None:
        return None
    if isinstance(policy, (str, os.PathLike)):
        return ("path", os.path.abspath(os.fspath(policy)))
    return ("object", id(policy))


def _guard_for(cwd: str, config: Any, policy: Any, session: str | None, now: float) -> Guard:
    key = (
        _root_key(cwd, now),
        None if config is None else id(config),
        _policy_key(policy),
        session,
    )
    guard = _GUARDS.get(key)
    if guard is not None:
        return guard
    with _GUARDS_LOCK:
        guard = _GUARDS.get(key)
        if guard is None:
            guard = Guard(key[0], config=config, policy=policy, session=session)
            while len(_GUARDS) >= _MAX_GUARDS:
                _GUARDS.pop(next(iter(_GUARDS)))
                _LAST_GUARD[0] = _NO_LAST_GUARD
            _GUARDS[key] = guard
    return guard


# The last lookup of check_command with a str cwd and no config, policy or session (the agent
# hook's and the benchmark's call): (cwd as given, its clean absolute form, the Guard, when
# _root_key resolved its root). It gives _guard_for's answer without its work for as long as
# _ROOTS would (a second), and is dropped whenever a Guard is evicted or the caches are cleared.
_NO_LAST_GUARD: tuple[Any, str, Any, float] = (None, "", None, -1e9)
_LAST_GUARD = [_NO_LAST_GUARD]


def _remember_guard(cwd: str, run_cwd: str, guard: Guard) -> None:
    hit = _ROOTS.get(run_cwd)
    if hit is not None:
        _LAST_GUARD[0] = (cwd, run_cwd, guard, hit[0])


def analyse_command(
    command: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    config: Any = None,
    policy: Any = None,
    session: str | None = None,
    context: str = "agent",
    source: str | None = None,
) -> Analysis:
    """One parse and walk of ``command``: decision, effects and command records (§13)."""
    if not isinstance(command, str):
        raise TypeError(f"command must be a str, not {type(command).__name__}")
    run_cwd = _abspath(os.fspath(cwd) if cwd is not None else os.getcwd())
    now = time.monotonic()
    guard = _guard_for(run_cwd, config, policy, session, now)
    return guard._analyse(command, run_cwd, context, source, now)


def check_command(
    command: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    config: Any = None,
    policy: Any = None,
    session: str | None = None,
    context: str = "agent",
    source: str | None = None,
) -> Decision:
    """Judge ``command`` as bash would run it in ``cwd``: allow, warn or block (§13)."""
    if not isinstance(command, str):
        raise TypeError(f"command must be a str, not {type(command).__name__}")
    if type(cwd) is str and config is None and policy is None and session is None:
        # the check's one reading of the clock: the Guard's revalidation uses it too
        now = time.monotonic()
        last = _LAST_GUARD[0]
        if last[0] == cwd and now - last[3] < _REVALIDATE_SECONDS:
            return last[2]._decide(command, last[1], context, source, now)[0]  # type: ignore[no-any-return]
        run_cwd = _abspath(cwd)
        guard = _guard_for(run_cwd, None, None, None, now)
        _remember_guard(cwd, run_cwd, guard)
        return guard._decide(command, run_cwd, context, source, now)[0]
    run_cwd = _abspath(os.fspath(cwd) if cwd is not None else os.getcwd())
    now = time.monotonic()
    guard = _guard_for(run_cwd, config, policy, session, now)
    return guard._decide(command, run_cwd, context, source, now)[0]


def clear_cache() -> None:
    """Forget the cached ``Guard`` objects (tests, long-running processes after changes)."""
    with _GUARDS_LOCK:
        _LAST_GUARD[0] = _NO_LAST_GUARD
        _GUARDS.clear()
        _ROOTS.clear()
        _OVERRIDE_STORES.clear()


__all__ = ["Analysis", "Guard", "analyse_command", "check_command", "clear_cache", "compose"]

# canonical_name is re-exported for callers that judge argv lists directly.
_ = canonical_name
