"""The git analyser (guard.md §7.2): invocation grammar, option tables, aliases, rules.

Options are parsed the way git's parse-options does for each analysed subcommand: anywhere
before ``--``, short bundles, long options with unambiguous prefixes, ``--no-`` negation with
the last of ``--x`` / ``--no-x`` winning, ``-h``/``--help`` making the command print usage.
Options missing from the tables are kept as unknown flags and never make a command inert.

Hot path: standard library only.
"""

from __future__ import annotations

import os

from sessionkit.policy.analysers import Context, finding, skips_verification
from sessionkit.policy.values import Lit, Unknown, Value

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence
    from typing import Any

    from sessionkit.policy.command import Command
    from sessionkit.policy.decision import Finding

# ---- option tables (git 2.30 .. current) ---------------------------------------------------
# One string per subcommand: "s|long" a flag with a short name, "long=" takes a value,
# "long=?" takes an optional value (attached only), a single letter is a short-only option.

_SPECS = {
    "reset": "q|quiet no-refresh refresh mixed soft hard merge keep recurse-submodules=? "
    "p|patch N|intent-to-add pathspec-from-file= pathspec-file-nul U|unified= "
    "inter-hunk-context=",
    "checkout": "b= B= l guess overlay q|quiet recurse-submodules=? progress m|merge "
    "conflict= d|detach t|track=? f|force orphan= overwrite-ignore ignore-other-worktrees "
    "2|ours 3|theirs p|patch ignore-skip-worktree-bits pathspec-from-file= pathspec-file-nul "
    "U|unified= inter-hunk-context= auto-advance",
    "restore": "s|source= S|staged W|worktree ignore-unmerged overlay q|quiet "
    "recurse-submodules=? progress m|merge conflict= 2|ours 3|theirs p|patch "
    "ignore-skip-worktree-bits pathspec-from-file= pathspec-file-nul U|unified= "
    "inter-hunk-context= auto-advance",
    "switch": "c|create= C|force-create= guess discard-changes q|quiet recurse-submodules=? "
    "progress m|merge conflict= d|detach t|track=? f|force orphan= overwrite-ignore "
    "ignore-other-worktrees",
    "clean": "q|quiet n|dry-run f|force i|interactive d e|exclude= x X",
    "rm": "n|dry-run q|quiet cached f|force r ignore-unmatch sparse pathspec-from-file= "
    "pathspec-file-nul",
    "push": "v|verbose q|quiet repo= all branches mirror d|delete tags n|dry-run porcelain "
    "f|force force-with-lease=? force-if-includes recurse-submodules= thin receive-pack= "
    "exec= u|set-upstream progress prune no-verify follow-tags signed=? atomic "
    "o|push-option= 4|ipv4 6|ipv6",
    "branch": "v|verbose q|quiet t|track=? u|set-upstream-to= unset-upstream color=? "
    "r|remotes contains= no-contains= abbrev=? a|all d|delete D m|move M c|copy C l|list "
    "show-current create-reflog edit-description f|force merged= no-merged= column=? sort= "
    "points-at= i|ignore-case recurse-submodules format= omit-empty",
    "update-ref": "m= d no-deref z stdin create-reflog batch-updates",
    "gc": "q|quiet prune=? cruft max-cruft-size= expire-to= aggressive auto force "
    "keep-largest-pack detach",
    "prune": "n|dry-run v|verbose progress expire= exclude-promisor-objects",
    "checkout-index": "a|all ignore-skip-worktree-bits f|force q|quiet n|no-create u|index z "
    "stdin temp prefix= stage=",
    "read-tree": "index-output= empty v|verbose m trivial aggressive reset prefix= u "
    "exclude-per-directory= i n|dry-run no-sparse-checkout debug-unpack "
    "recurse-submodules=? q|quiet",
    "commit": "q|quiet v|verbose F|file= author= date= m|message= c|reedit-message= "
    "C|reuse-message= fixup= squash= reset-author trailer= s|signoff t|template= e|edit "
    "cleanup= status S|gpg-sign=? a|all i|include interactive p|patch o|only n|no-verify "
    "dry-run short branch ahead-behind porcelain long z|null amend no-post-rewrite "
    "u|untracked-files=? pathspec-from-file= pathspec-file-nul U|unified= "
    "inter-hunk-context= auto-advance",
    "rebase": "onto= keep-base no-verify q|quiet v|verbose n|no-stat stat signoff "
    "committer-date-is-author-date reset-author-date C= ignore-whitespace whitespace= "
    "f|force-rebase no-ff continue skip abort quit edit-todo show-current-patch apply "
    "m|merge i|interactive rerere-autoupdate empty= autosquash update-refs S|gpg-sign=? "
    "autostash x|exec= r|rebase-merges=? fork-point s|strategy= X|strategy-option= root "
    "reschedule-failed-exec reapply-cherry-picks trailer= preserve-merges",
    "merge": "n stat summary log=? squash commit e|edit cleanup= ff ff-only "
    "rerere-autoupdate verify-signatures s|strategy= X|strategy-option= m|message= F|file= "
    "into-name= v|verbose q|quiet abort quit continue allow-unrelated-histories progress "
    "S|gpg-sign=? autostash overwrite-ignore signoff no-verify compact-summary",
    "cherry-pick": "quit continue abort skip cleanup= n|no-commit e|edit s|signoff "
    "m|mainline= rerere-autoupdate strategy= X|strategy-option= S|gpg-sign=? x ff "
    "allow-empty allow-empty-message keep-redundant-commits empty=",
    "revert": "quit continue abort skip cleanup= n|no-commit e|edit s|signoff m|mainline= "
    "rerere-autoupdate strategy= X|strategy-option= S|gpg-sign=? reference",
    "am": "i|interactive 3|3way q|quiet s|signoff u|utf8 k|keep keep-non-patch m|message-id "
    "keep-cr no-keep-cr c|scissors quoted-cr= whitespace= ignore-space-change "
    "ignore-whitespace directory= exclude= include= C= p= patch-format= reject resolvemsg= "
    "continue r|resolved skip abort quit show-current-patch=? allow-empty "
    "committer-date-is-author-date ignore-date rerere-autoupdate S|gpg-sign=? empty= "
    "no-verify",
    "fetch": "v|verbose q|quiet all set-upstream a|append atomic upload-pack= f|force "
    "m|multiple t|tags n j|jobs= prefetch p|prune P|prune-tags recurse-submodules=? "
    "dry-run porcelain write-fetch-head k|keep u|update-head-ok progress depth= "
    "shallow-since= shallow-exclude= deepen= unshallow refetch update-shallow refmap= "
    "o|server-option= 4|ipv4 6|ipv6 negotiation-tip= negotiate-only filter= "
    "auto-maintenance auto-gc show-forced-updates write-commit-graph stdin",
    "tag": "l|list n=? d|delete v|verify a|annotate m|message= F|file= trailer= e|edit "
    "s|sign cleanup= u|local-user= f|force create-reflog column=? contains= no-contains= "
    "merged= no-merged= sort= points-at= format= color=? i|ignore-case omit-empty",
    "stash push": "k|keep-index S|staged p|patch q|quiet u|include-untracked a|all "
    "m|message= pathspec-from-file= pathspec-file-nul",
    "stash": "k|keep-index S|staged p|patch q|quiet u|include-untracked a|all m|message= "
    "pathspec-from-file= pathspec-file-nul index",
    "reflog expire": "n|dry-run rewrite updateref verbose expire= expire-unreachable= "
    "stale-fix all single-worktree",
    "reflog delete": "n|dry-run rewrite updateref verbose",
    "worktree remove": "f|force",
    "submodule update": "init remote N|no-fetch f|force checkout merge rebase "
    "recommend-shallow reference= recursive single-branch filter= depth= j|jobs= progress "
    "q|quiet dissociate require-init",
    "submodule deinit": "f|force all q|quiet",
    "filter-repo": "analyze dry-run force f",
    "config": "global system local worktree f|file= blob= get get-all get-regexp "
    "get-urlmatch replace-all add unset unset-all rename-section remove-section l|list "
    "fixed-value e|edit get-color get-colorbool t|type= bool int bool-or-int bool-or-str "
    "path expiry-date z|null name-only includes show-origin show-scope default= comment= "
    "all value= url= regexp",
    "pull": "v|verbose q|quiet progress recurse-submodules=? r|rebase=? n stat log=? "
    "signoff=? squash commit edit cleanup= ff ff-only verify verify-signatures autostash "
    "s|strategy= X|strategy-option= S|gpg-sign=? allow-unrelated-histories all a|append "
    "upload-pack= f|force t|tags p|prune j|jobs=? dry-run k|keep depth= shallow-since= "
    "shallow-exclude= deepen= unshallow update-shallow refmap= o|server-option= 4|ipv4 "
    "6|ipv6 negotiation-tip= show-forced-updates set-upstream",
}


class OptionTable:
    """One subcommand's options: long name -> takes ('', '=', '=?'); short -> long name."""

    __slots__ = ("longs", "shorts")

    def __init__(self, spec: str) -> None:
        self.longs: dict[str, str] = {}
        self.shorts: dict[str, str] = {}
        for item in spec.split():
            takes = ""
            if item.endswith("=?"):
                item, takes = item[:-2], "=?"
            elif item.endswith("="):
                item, takes = item[:-1], "="
            if "|" in item:
                short, long = item.split("|", 1)
                self.shorts[short] = long
                self.longs[long] = takes
            elif len(item) == 1:
                self.shorts[item] = item
                self.longs.setdefault(item, takes)
            else:
                self.longs[item] = takes


_TABLES: dict[str, OptionTable] = {}
_new_object = object.__new__  # slot stores without an __init__ frame (hot path)


def table(name: str) -> OptionTable:
    """The compiled option table of a subcommand (``"stash push"`` for nested ones)."""
    compiled = _TABLES.get(name)
    if compiled is None:
        compiled = _TABLES[name] = OptionTable(_SPECS[name])
    return compiled


def spec_names() -> tuple[str, ...]:
    """Every subcommand with an option table (for the tests of §16.5)."""
    return tuple(_SPECS)


class Parsed:
    """The result of parsing a subcommand's arguments."""

    __slots__ = ("ambiguous", "dashdash", "help", "operands", "opts", "unknown")

    # built only by ``parse``, by slot stores (no ``__init__``: one per git command)
    opts: list[tuple[str, Value | None, bool]]  # (long name, value, enabled) in order
    operands: list[Value]
    dashdash: int  # index into operands where "--" was given, -1 when absent
    help: bool
    ambiguous: bool
    unknown: list[str]

    def on(self, name: str) -> bool:
        """Last-wins boolean state of an option."""
        state = False
        for opt, _value, enabled in self.opts:
            if opt == name:
                state = enabled
        return state

    def count(self, name: str) -> int:
        n = 0
        for opt, _value, enabled in self.opts:
            if opt == name:
                n = n + 1 if enabled else 0
        return n

    def values(self, name: str) -> list[Value | None]:
        out: list[Value | None] = []
        for opt, value, enabled in self.opts:
            if opt == name:
                if enabled:
                    out.append(value)
                else:
                    out = []
        return out

    def last(self, names: Sequence[str], negation_resets: bool = False) -> str | None:
        """The last enabled option among ``names`` (mutually exclusive modes). With
        ``negation_resets``, any ``--no-NAME`` among them sets the mode back to none, as
        git's OPT_SET_INT does (``git reset --hard --no-hard`` is a mixed reset)."""
        found: str | None = None
        for opt, _value, enabled in self.opts:
            if opt in names:
                if enabled:
                    found = opt
                elif negation_resets:
                    found = None
        return found

    def before_dashdash(self) -> list[Value]:
        return self.operands if self.dashdash < 0 else self.operands[: self.dashdash]

    def after_dashdash(self) -> list[Value]:
        return [] if self.dashdash < 0 else self.operands[self.dashdash :]


def _lookup_long(name: str, tbl: OptionTable) -> tuple[str, bool] | bool | None:
    """(canonical, enabled) for a long option name; None unknown; False ambiguous."""
    longs = tbl.longs
    # a one-letter key is a short-only option kept for its value rule (-d of clean): never a
    # long name, so `git clean --d` is --dry-run's abbreviation, as git reads it
    if name in longs and len(name) > 1:
        return name, True
    if name.startswith("no-") and name[3:] in longs:
        return name[3:], False
    if "no-" + name in longs:  # --verify negates no-verify
        return "no-" + name, False
    matches: set[tuple[str, bool]] = set()
    for long in longs:
        if len(long) == 1:
            continue
        if long.startswith(name):
            matches.add((long, True))
        if ("no-" + long).startswith(name) and not long.startswith("no-"):
            matches.add((long, False))
        if long.startswith("no-") and long[3:].startswith(name):
            matches.add((long, False))
    if len(matches) == 1:
        return next(iter(matches))
    if len(matches) > 1:
        return False
    return None


def parse(args: Sequence[Value], tbl: OptionTable) -> Parsed:
    """Parse a subcommand's arguments (after the subcommand word) with git's rules."""
    # slot stores, not an __init__ frame (one per analysed git command: the hot path)
    result = _new_object(Parsed)
    result.opts = []
    result.operands = []
    result.dashdash = -1
    result.help = False
    result.ambiguous = False
    result.unknown = []
    i = 0
    n = len(args)
    while i < n:
        value = args[i]
        i += 1
        text = value.text
        if text is None:
            head = value.pieces[0] if value.pieces else None
            if type(head) is Lit and head.text.startswith("--") and "=" in head.text:
                name = head.text[2:].split("=", 1)[0]
                found = _lookup_long(name, tbl)
                if isinstance(found, tuple):
                    result.opts.append((found[0], value, found[1]))
                    continue
            result.operands.append(value)
            continue
        if text[:1] != "-" or text == "-":  # an operand: the tests below all fail (hot path)
            result.operands.append(value)
            continue
        if text == "--" or text == "--end-of-options":
            if text == "--":
                result.dashdash = len(result.operands)
                result.operands.extend(args[i:])
            else:
                result.operands.extend(args[i:])
            break
        if text[:2] == "--":  # slices, not startswith: cheaper on this hot path
            if text == "--help":
                result.help = True
                continue
            name, eq, attached = text[2:].partition("=")
            found = _lookup_long(name, tbl)
            if found is None:
                result.unknown.append(text)
                continue
            if found is False:
                result.ambiguous = True
                continue
            assert isinstance(found, tuple)
            canonical, enabled = found
            takes = tbl.longs[canonical]
            opt_value: Value | None = None
            if eq:
                opt_value = Value((Lit(attached),))
            elif takes == "=" and enabled and i < n:
                opt_value = args[i]
                i += 1
            result.opts.append((canonical, opt_value, enabled))
            continue
        # a short option or a bundle (text is '-' and at least one more character)
        j = 1
        while j < len(text):
            ch = text[j]
            j += 1
            if ch == "h" and "h" not in tbl.shorts:
                result.help = True
                continue
            long = tbl.shorts.get(ch)
            if long is None:
                result.unknown.append("-" + ch)
                continue
            takes = tbl.longs.get(long, "")
            if takes:
                rest = text[j:]
                if rest:
                    result.opts.append((long, Value((Lit(rest),)), True))
                elif takes == "=" and i < n:
                    result.opts.append((long, args[i], True))
                    i += 1
                else:
                    result.opts.append((long, None, True))
                break
            result.opts.append((long, None, True))
    return result


# ---- invocation grammar --------------------------------------------------------------------

_GLOBAL_WITH_VALUE = frozenset(
    (
        "-C",
        "-c",
        "--git-dir",
        "--work-tree",
        "--namespace",
        "--super-prefix",
        "--config-env",
        "--attr-source",
    )
)
_GLOBAL_INERT = frozenset(
    ("--version", "-v", "--help", "-h", "--html-path", "--man-path", "--info-path", "--exec-path")
)

# Subcommands this analyser has rules for; `git-X` programs are analysed as `git X` (§7.1).
ANALYSED = frozenset(
    (
        "reset",
        "checkout",
        "restore",
        "switch",
        "clean",
        "rm",
        "push",
        "stash",
        "branch",
        "update-ref",
        "reflog",
        "gc",
        "prune",
        "filter-branch",
        "filter-repo",
        "worktree",
        "submodule",
        "checkout-index",
        "read-tree",
        "commit",
        "rebase",
        "merge",
        "cherry-pick",
        "revert",
        "am",
        "fetch",
        "tag",
        "config",
        "bisect",
        "pull",
    )
)
DASHED = ANALYSED

# Builtins and common commands: never looked up as aliases (git prefers them).
_BUILTINS = ANALYSED | frozenset(
    (
        "add",
        "apply",
        "archive",
        "blame",
        "bundle",
        "cat-file",
        "check-ignore",
        "check-ref-format",
        "clone",
        "describe",
        "diff",
        "diff-files",
        "diff-index",
        "diff-tree",
        "difftool",
        "fast-export",
        "fast-import",
        "for-each-ref",
        "format-patch",
        "fsck",
        "grep",
        "hash-object",
        "help",
        "init",
        "log",
        "ls-files",
        "ls-remote",
        "ls-tree",
        "maintenance",
        "merge-base",
        "mergetool",
        "mv",
        "name-rev",
        "notes",
        "pack-refs",
        "range-diff",
        "remote",
        "repack",
        "replace",
        "rev-list",
        "rev-parse",
        "shortlog",
        "show",
        "show-branch",
        "show-ref",
        "sparse-checkout",
        "status",
        "symbolic-ref",
        "var",
        "version",
        "whatchanged",
        "write-tree",
        "commit-tree",
        "mktree",
        "update-index",
        "verify-commit",
        "verify-tag",
        "annotate",
        "count-objects",
        "gui",
        "instaweb",
        "request-pull",
        "send-email",
        "stage",
        "lfs",
    )
)

# Keys whose value git runs as a command (§7.2.3); patterns with "*" for one component.
_EXEC_KEYS = (
    "core.sshcommand",
    "core.pager",
    "pager.*",
    "core.editor",
    "sequence.editor",
    "core.fsmonitor",
    "diff.external",
    "diff.*.textconv",
    "diff.*.command",
    "merge.*.driver",
    "filter.*.clean",
    "filter.*.smudge",
    "filter.*.process",
    "credential.helper",
    "credential.*.helper",
    "gpg.program",
    "gpg.*.program",
    "uploadpack.packobjectshook",
)
_EXEC_ENV = (
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
)
_EXEC_ENV_SET = frozenset(_EXEC_ENV)
_EXEC_KEY_RE: re.Pattern[str] | None = None


def _exec_key_re() -> re.Pattern[str]:
    global _EXEC_KEY_RE
    if _EXEC_KEY_RE is None:
        import re

        parts = [re.escape(k).replace(r"\*", r"[^\s]+") for k in _EXEC_KEYS]
        _EXEC_KEY_RE = re.compile("^(?:" + "|".join(parts) + ")$", re.IGNORECASE)
    return _EXEC_KEY_RE


def is_exec_key(key: str) -> bool:
    """Whether git runs the value of configuration ``key`` as a command."""
    return bool(_exec_key_re().match(key))


def _canon_key(key: str) -> str:
    """git's canonical key: section and variable name lower-cased, subsection kept."""
    first, _, rest = key.partition(".")
    if "." in rest:
        sub, _, name = rest.rpartition(".")
        return f"{first.lower()}.{sub}.{name.lower()}"
    return f"{first.lower()}.{rest.lower()}"


def _bool(value: str | None) -> bool | None:
    """git's boolean reading of a config value; None when absent or not a boolean."""
    if value is None:
        return None
    low = value.strip().lower()
    if low in ("true", "yes", "on", "1"):
        return True
    if low in ("false", "no", "off", "0", ""):
        return False
    return None


# the value of a key that `git config --unset` (or `unset`) removed earlier in the command
_UNSET = "\x00unset"


class Invocation:
    """A git invocation after its global options: what the rules need to know."""

    __slots__ = ("cmd", "config", "cwds", "exec_values", "sub", "sub_index")

    # built only by ``_invocation``, by slot stores (no ``__init__``: one per git command)
    cmd: Command
    config: list[tuple[str, str | None]]  # -c / --config-env / own settings; later wins
    exec_values: list[tuple[str, Value]]
    cwds: list[str | None] | None
    sub: Value | None
    sub_index: int

    def setting(self, key: str, facts_value: str | None = None) -> str | None:
        """The invocation's value of ``key``: its own settings, else ``facts_value``."""
        found = facts_value
        for k, v in self.config:
            if k == key:
                found = "true" if v is None else None if v is _UNSET else v
        return found

    def own_setting(self, key: str) -> tuple[bool, str | None]:
        present = False
        found: str | None = None
        for k, v in self.config:
            if k == key:
                if v is _UNSET:
                    present, found = False, None
                else:
                    present, found = True, ("true" if v is None else v)
        return present, found


def _invocation(cmd: Command) -> Invocation | None:
    """Parse the global options; None when git acts without a subcommand (A1)."""
    # slot stores, not an __init__ frame (one per git command: the hot path)
    inv = _new_object(Invocation)
    inv.cmd = cmd
    inv.config = []
    inv.exec_values = []
    inv.cwds = None
    inv.sub = None
    inv.sub_index = -1
    for key, value in cmd.git_config:
        key = _canon_key(key)
        inv.config.append((key, _UNSET if value is None else value.text))
        if value is not None and is_exec_key(key):
            inv.exec_values.append((key, value))
    if cmd.env:
        # cmd.env_value(name) for each of _EXEC_ENV, in one pass over the assignments
        # (the last one wins) instead of one per name
        assigned: dict[str, Value] = {}
        for env_name, env_value in cmd.env:
            if env_name in _EXEC_ENV_SET:
                assigned[env_name] = env_value
        if assigned:
            for name in _EXEC_ENV:
                exec_value = assigned.get(name)
                if exec_value is not None:
                    inv.exec_values.append((name, exec_value))
    argv = cmd.argv
    i = 1
    n = len(argv)
    chdirs: list[Value] = []
    while i < n:
        value = argv[i]
        text = value.text
        if text is None:
            # --git-dir="$GD": a value-taking option with an unknown value is an option with an
            # unknown operand, never an unknown subcommand (§10.2)
            head = value.pieces[0] if value.pieces else None
            if type(head) is not Lit or head.text[:2] != "--" or "=" not in head.text:
                break
            option, _, prefix = head.text.partition("=")
            if option not in _GLOBAL_WITH_VALUE and option != "--exec-path":
                break
            if option == "--config-env":
                _add_config_env(inv, Value((Lit(prefix), *value.pieces[1:])))
            i += 1
            continue
        if text[:1] != "-" or text == "-":
            break
        if text in _GLOBAL_INERT:
            return None
        if text in _GLOBAL_WITH_VALUE:
            operand = argv[i + 1] if i + 1 < n else None
            i += 2
            if operand is None:
                return None
            if text == "-c":
                _add_config(inv, operand)
            elif text == "-C":
                chdirs.append(operand)
            elif text == "--config-env":
                _add_config_env(inv, operand)
            continue
        if text.startswith("--config-env="):
            _add_config_env(inv, Value((Lit(text[len("--config-env=") :]),)))
        i += 1
    if i >= n:
        return None
    inv.sub = argv[i]
    inv.sub_index = i
    if chdirs:
        inv.cwds = _chdir(cmd, chdirs)
    return inv


def _add_config(inv: Invocation, operand: Value) -> None:
    text = operand.text
    if text is None:
        head = operand.pieces[0] if operand.pieces else None
        if type(head) is Lit and "=" in head.text:
            key = _canon_key(head.text.split("=", 1)[0])
            inv.config.append((key, None))
            if is_exec_key(key):
                rest = Value(operand.pieces[1:])
                prefix = head.text.split("=", 1)[1]
                inv.exec_values.append((key, Value((Lit(prefix), *rest.pieces))))
        return
    key, eq, val = text.partition("=")
    key = _canon_key(key)
    inv.config.append((key, val if eq else None))
    if eq and is_exec_key(key):
        inv.exec_values.append((key, Value((Lit(val),))))


def _add_config_env(inv: Invocation, operand: Value) -> None:
    text = operand.text
    if text is None or "=" not in text:
        return
    key, _, env_name = text.partition("=")
    key = _canon_key(key)
    env_value = inv.cmd.env_value(env_name)
    inv.config.append((key, None if env_value is None else env_value.text))
    if is_exec_key(key):
        inv.exec_values.append(
            (key, env_value if env_value is not None else Value((Unknown("$" + env_name),)))
        )


def _chdir(cmd: Command, chdirs: list[Value]) -> list[str | None]:
    out: list[str | None] = []
    bases: list[str | None] = []
    for cwd in cmd.cwd or ():
        text = cwd.text
        bases.append(text if text is not None and text.startswith("/") else None)
    if not bases:
        bases = [None]
    for base in bases:
        current = base
        for value in chdirs:
            text = value.text
            if text is None:
                current = None
                break
            if text.startswith("/"):
                current = os.path.normpath(text)
            elif current is None:
                break
            else:
                current = os.path.normpath(os.path.join(current, text))
        out.append(current)
    return out


def _run_cwd(inv: Invocation) -> str | None:
    """The directory git runs its payloads in after ``-C`` (§5.5); None when no ``-C`` moved
    it or its target is unknown (the payload is then judged in the command's own cwd)."""
    if inv.cwds is None:
        return None
    return next((cwd for cwd in inv.cwds if cwd is not None), None)


def _cwd_values(cwds: Sequence[str | None]) -> tuple[Value, ...]:
    """``Command.cwd`` for a record git runs after ``-C``: unknown where the target is."""
    from sessionkit.policy.values import lit

    return tuple(lit(cwd) if cwd is not None else Value((Unknown("git -C"),)) for cwd in cwds)


def _cwds(inv: Invocation, ctx: Context) -> list[str | None]:
    if inv.cwds is not None:
        return inv.cwds
    return ctx.judge.cwd_paths(inv.cmd.cwd)


# ---- ref or path (§7.2.4) ------------------------------------------------------------------

_REF_WORDS = frozenset(
    ("-", "@", "HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD")
)
_WELL_KNOWN_FILES = frozenset(
    (
        "README",
        "LICENSE",
        "COPYING",
        "NOTICE",
        "AUTHORS",
        "CHANGELOG",
        "CONTRIBUTING",
        "CODEOWNERS",
        "Makefile",
        "GNUmakefile",
        "Dockerfile",
        "Containerfile",
        "Gemfile",
        "Rakefile",
        "Procfile",
        "Jenkinsfile",
        "Vagrantfile",
        "Brewfile",
        "Pipfile",
        "Justfile",
    )
)
_RE: dict[str, re.Pattern[str]] = {}


def _re(name: str) -> re.Pattern[str]:
    pattern = _RE.get(name)
    if pattern is None:
        import re

        source = {
            "hex": r"^[0-9a-fA-F]{7,64}$",
            "ext": r"\.[A-Za-z][A-Za-z0-9]{0,9}$",
            "version": r"^(?:[A-Za-z]+[-_]?)?v?\d+(?:\.\d+)+",
        }[name]
        pattern = _RE[name] = re.compile(source)
    return pattern


def _has_glob(word: str) -> bool:
    """Glob characters that reach git even when the shell kept them quoted: git matches
    pathspecs as wildcards itself, and a ref name can contain none of them."""
    return "*" in word or "?" in word or "[" in word


# Producers whose output is a list of paths (§7.3): find matches, ls entries, files git lists.
_PATH_PRODUCERS = frozenset(("find", "ls", "git-listed"))


def _listed_paths(value: Value) -> bool:
    """Whether ``value`` holds items of a path-listing producer (``$(git ls-files -m)``, an
    xargs item of ``find .``, ``{}`` of ``find -exec``): a pathspec, not the unknown
    (variable) operand that §7.2.4 counts as a ref."""
    return any(
        type(piece) is Unknown
        and piece.producer is not None
        and piece.producer.kind in _PATH_PRODUCERS
        for piece in value.pieces
    )


def classify(value: Value, cwds: Sequence[str | None], ctx: Context) -> str:
    """``"ref"`` or ``"path"`` for an ambiguous checkout/reset operand (§7.2.4)."""
    word = value.text
    if word is None:
        if value.known or _listed_paths(value):
            return "path"
        return "ref"
    if word in _REF_WORDS or "~" in word or "^" in word or "@{" in word:
        return "ref"
    if _re("hex").match(word):
        return "ref"
    if (
        word in (".", "..")
        or word.startswith(("./", "../", "/", ":(", ":/", ":!"))
        or word.endswith("/")
        or value.pattern
        or _has_glob(word)
    ):
        return "path"
    if ctx.facts.ref_exists(word):
        return "ref"
    for cwd in cwds:
        base = cwd if cwd is not None else ctx.judge.base
        if os.path.lexists(os.path.join(base, word)):
            return "path"
    last = word.rsplit("/", 1)[-1]
    if _re("ext").search(last) and not _re("version").match(last):
        return "path"
    if last in _WELL_KNOWN_FILES:
        return "path"
    return "ref"


def _is_directory(value: Value, cwds: Sequence[str | None], ctx: Context) -> bool:
    word = value.text
    if word is None:
        return True
    if word.endswith("/") or word in (".", ".."):
        return True
    for cwd in cwds:
        base = cwd if cwd is not None else ctx.judge.base
        if os.path.isdir(os.path.join(base, word)):
            return True
    return False


def _explicit_files(paths: Sequence[Value], cwds: Sequence[str | None], ctx: Context) -> bool:
    """A pathspec of named files only: no ``.``, no directory, no glob, no magic."""
    if not paths:
        return False
    for value in paths:
        word = value.text
        if word is None or value.pattern or word.startswith(":") or _has_glob(word):
            return False
        if _is_directory(value, cwds, ctx):
            return False
    return True


def _index_wide(paths: Sequence[Value], cwds: Sequence[str | None], ctx: Context) -> bool:
    """``.``, ``:/``, ``*`` or the repository root among the pathspec."""
    judge = ctx.judge
    root = judge.base
    for value in paths:
        word = value.text
        if word is None:
            # "$(git rev-parse --show-toplevel)", "$HOME/…": symbolic locations made concrete
            word = judge.value_text(value, cwds[0] if cwds else None)
            if word is None:
                continue
        if word in (".", ":/", "*", "./", ":/*", ":(top)") or (
            value.pattern and word in ("*", "./*")
        ):
            return True
        for cwd in cwds:
            base = cwd if cwd is not None else root
            full = os.path.normpath(word if word.startswith("/") else os.path.join(base, word))
            if full.rstrip("/").lower() == root.rstrip("/").lower():
                return True
    return False


# ---- the analyser --------------------------------------------------------------------------


def analyse_dashed(cmd: Command, ctx: Context) -> list[Finding]:
    """``git-reset …`` is ``git reset …`` (§7.1)."""
    from sessionkit.policy.command import Command as CommandRecord

    assert cmd.name is not None
    sub = cmd.name[4:]
    argv = (Value((Lit("git"),)), Value((Lit(sub),)), *cmd.argv[1:])
    clone = _clone(cmd, argv, "git")
    assert isinstance(clone, CommandRecord)
    return analyse(clone, ctx)


def _clone(cmd: Command, argv: tuple[Value, ...], name: str | None) -> Command:
    from sessionkit.policy.command import Command as CommandRecord

    return CommandRecord(
        argv,
        name,
        wrappers=cmd.wrappers,
        env=cmd.env,
        redirects=cmd.redirects,
        stdin=cmd.stdin,
        cwd=cmd.cwd,
        via=cmd.via,
        span=cmd.span,
        text=cmd.text,
        span_exact=cmd.span_exact,
        dry=cmd.dry,
        deferred=cmd.deferred,
        reading=cmd.reading,
        git_config=cmd.git_config,
    )


_GLOBAL_CONFIG_ENV = frozenset(
    ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "XDG_CONFIG_HOME", "HOME")
)


def _named_config_files(inv: Invocation, ctx: Context) -> None:
    """Settings from configuration files the command itself names (§7.2.3): an
    ``include.path``/``includeIf.*.path`` set by ``-c`` or earlier in the command (each
    condition taken as met), and the system and global files that ``GIT_CONFIG_SYSTEM``,
    ``GIT_CONFIG_GLOBAL``, ``XDG_CONFIG_HOME`` or ``HOME`` in git's environment point to.
    Their settings join the invocation's own, where the include stands (those files' first)."""
    named: list[tuple[int, str]] = []
    for k, (key, value) in enumerate(inv.config):
        if (
            isinstance(value, str)
            and value is not _UNSET
            and (key == "include.path" or (key.startswith("includeif.") and key.endswith(".path")))
        ):
            named.append((k + 1, value))
    env = inv.cmd.env
    if env and any(name in _GLOBAL_CONFIG_ENV for name, _ in env):
        values = {name: value.text for name, value in env if name in _GLOBAL_CONFIG_ENV}
        if values.get("GIT_CONFIG_SYSTEM"):
            named.append((0, values["GIT_CONFIG_SYSTEM"] or ""))
        if values.get("GIT_CONFIG_GLOBAL"):
            named.append((0, values["GIT_CONFIG_GLOBAL"] or ""))
        else:
            if values.get("XDG_CONFIG_HOME"):
                named.append((0, os.path.join(values["XDG_CONFIG_HOME"] or "", "git", "config")))
            if values.get("HOME"):
                named.append((0, os.path.join(values["HOME"] or "", ".gitconfig")))
    if not named:
        return
    facts = ctx.facts
    for at, path in sorted(named, reverse=True):  # from the end: earlier positions hold
        if path.startswith("~/"):
            path = os.path.join(facts.home, path[2:])
        if not os.path.isabs(path):
            continue  # git refuses a relative include outside a file
        settings: list[tuple[str, str | None]] = [
            (key, "true" if value is None else value) for key, value in facts.read_config(path)
        ]
        inv.config[at:at] = settings


def _repo_contexts(inv: Invocation, ctx: Context) -> list[Context]:
    """The contexts of the repositories git may work on (§1.2, §5.5, §7.2.1): ``ctx`` itself,
    or one whose facts (aliases, settings, refs) are those of another repository when
    ``-C``, ``cd``, ``--git-dir`` or ``GIT_DIR`` moved git there, a repository nested in the
    checked one or reached through a symlink included; one per possible directory."""
    cwds = inv.cwds
    if cwds is None:
        cwd = inv.cmd.cwd
        if len(cwd) == 1:
            path = cwd[0].text
            if path == ctx.facts.cwd and inv.sub_index == 1 and not inv.cmd.env:
                return [ctx]  # the common case: git in the checked directory, no options
            paths: list[str | None] = [path]
        else:
            paths = [c.text for c in cwd]
    else:
        paths = list(cwds)
    git_dir = _named_git_dir(inv)
    out: list[Context] = []
    for path in paths:
        found = ctx
        if path is not None and path[:1] == "/":
            if git_dir is not None:
                directory = os.path.normpath(os.path.join(path, git_dir))
                # a .git directory's work tree is its parent; a bare repository is itself
                path = (
                    os.path.dirname(directory)
                    if os.path.basename(directory) == ".git"
                    else directory
                )
            found = _context_at(path, ctx)
        if found not in out:
            out.append(found)
    return out or [ctx]


def _named_git_dir(inv: Invocation) -> str | None:
    """``--git-dir DIR`` / ``--git-dir=DIR`` among the global options, else ``GIT_DIR`` in
    git's environment; None when neither names one."""
    argv = inv.cmd.argv
    found: str | None = None
    for k in range(1, inv.sub_index):
        text = argv[k].text or ""
        if text.startswith("--git-dir="):
            found = text[len("--git-dir=") :]
        elif text == "--git-dir" and k + 1 < inv.sub_index:
            found = argv[k + 1].text
    if found is None and inv.cmd.env:
        for name, value in inv.cmd.env:
            if name == "GIT_DIR" and value.text:
                found = value.text
    return found or None


def _nested_repository(path: str, root: str, memo: dict[tuple[Any, ...], Any]) -> str | None:
    """The nearest directory from ``path`` up to (not including) ``root`` that holds a
    ``.git``, or None; each directory is tested once per check, however many paths share it."""
    visited: list[str] = []
    found: str | None = None
    directory = path
    while directory != root and len(directory) > len(root):
        cached = memo.get(("nested", directory), False)
        if cached is not False:
            found = cached
            break
        visited.append(directory)
        if os.path.lexists(directory + "/.git"):
            found = directory
            break
        directory = directory.rpartition("/")[0] or "/"
    for seen in visited:
        memo[("nested", seen)] = found
    return found


def _context_at(path: str, ctx: Context) -> Context:
    """The context for git working in ``path``: ``ctx`` when that is the checked repository,
    else one with the facts of the repository holding ``path`` (the nearest ``.git`` of the
    real directory), kept for the check."""
    facts = ctx.facts
    if path == facts.cwd:
        return ctx
    memo = ctx.memo
    if memo is None:
        memo = ctx.memo = {}
    key = ("repo-context", path)
    found: Context | None = memo.get(key)
    if found is not None:
        return found
    real = ctx.judge.real_path(path)
    root = facts.root
    if root is not None and (real == root or real.startswith(root.rstrip("/") + "/")):
        # inside the checked repository: another one only where a .git lies in between
        nested = _nested_repository(real, root, memo)
        if nested is None:
            memo[key] = ctx
            return ctx
        real = nested
    from sessionkit.policy.repofacts import RepoFacts

    other = RepoFacts(real, home=facts.home)
    found = ctx
    if other.root is not None and other.root != facts.root:
        found = Context(other, ctx.judge, ctx.judge_payload, ctx.judge_command, ctx.cwd)
        found.depth = ctx.depth
        found.memo = memo
    memo[key] = found
    return found


def analyse(cmd: Command, ctx: Context, *, alias_depth: int = 0) -> list[Finding]:
    inv = _invocation(cmd)
    if inv is None:
        return []
    contexts = _repo_contexts(inv, ctx)
    if inv.config or cmd.env:
        _named_config_files(inv, ctx)
    if len(contexts) == 1:
        return _analyse_in(cmd, inv, contexts[0], alias_depth)
    out: list[Finding] = []
    for context in contexts:
        for found in _analyse_in(cmd, inv, context, alias_depth):
            if found not in out:
                out.append(found)
    return out


def _analyse_in(cmd: Command, inv: Invocation, ctx: Context, alias_depth: int) -> list[Finding]:
    """The findings of a git invocation with the facts of one repository it may work on."""
    out: list[Finding] = []
    for key, value in inv.exec_values:
        if key == "core.fsmonitor" and value.text is not None and _bool(value.text) is not None:
            continue
        text = value.text if value.text is not None else _shell_text(value)
        if key.startswith("credential.") and not text.startswith("!"):
            continue
        out.extend(ctx.payload(text.lstrip("!"), cmd, "git-config-exec", key, _run_cwd(inv)))
    if inv.config or cmd.env:  # nothing to find without either (skip the call: hot path)
        out.extend(_verification_bypass(inv))
    assert inv.sub is not None
    sub_text = inv.sub.text
    args = cmd.argv[inv.sub_index + 1 :]
    if sub_text is None:
        out.extend(_unresolved_subcommand(cmd, inv, args, ctx))
        return out
    sub = sub_text.lower()
    if sub == "help":
        out.append(finding(cmd, "read-only"))
        return out
    if sub not in _PARSED_RULES and sub not in _RULES:
        if sub not in _BUILTINS:
            out.extend(_alias(cmd, inv, sub, args, ctx, alias_depth))
        return out
    found = _run_rule(sub, inv, args, ctx)
    if not found:
        # a recognised safe form of an analysed subcommand: say why it is allowed (A1, A2)
        first = args[0].text if args else None
        listing = (sub, first) in _LISTING or (
            sub == "reflog" and first not in ("expire", "delete")
        )
        found = [finding(cmd, "read-only" if listing else "git-safe")]
    out.extend(found)
    return out


# (subcommand, first operand) forms that only list or show (A1).
_LISTING = frozenset(
    (
        ("stash", "list"),
        ("stash", "show"),
        ("worktree", "list"),
        ("branch", None),
        ("branch", "-a"),
        ("branch", "--all"),
        ("branch", "-r"),
        ("branch", "-l"),
        ("branch", "--list"),
        ("branch", "-v"),
        ("branch", "-vv"),
        ("branch", "--show-current"),
        ("tag", None),
        ("tag", "-l"),
        ("tag", "--list"),
        ("config", "--get"),
        ("config", "get"),
        ("config", "--list"),
        ("config", "-l"),
        ("config", "list"),
        ("submodule", None),
        ("submodule", "status"),
    )
)


def _shell_text(value: Value) -> str:
    """A payload text for a partly unknown value: unknown pieces become unknown variables."""
    out: list[str] = []
    for n, piece in enumerate(value.pieces):
        if type(piece) is Lit:
            out.append(piece.text)
        else:
            out.append(f'"${{SESSIONKIT_UNKNOWN_{n}}}"')
    return "".join(out)


def _quote(value: Value) -> str:
    text = value.text
    if text is None:
        return _shell_text(value)
    if text and all(c.isalnum() or c in "-_./=:@%+,~^" for c in text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


_BLOCK_WITHOUT_ARGUMENTS = frozenset(("prune", "filter-branch", "filter-repo"))


def _run_rule(sub: str, inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    """The rule of analysed subcommand ``sub``; options parsed here for a ``ParsedRule``."""
    parsed_rule = _PARSED_RULES.get(sub)
    if parsed_rule is None:
        return _RULES[sub](inv, args, ctx)
    parsed = parse(args, _TABLES.get(sub) or table(sub))
    if parsed.help or parsed.ambiguous:  # the only cases _inert answers (hot path)
        inert = _inert(inv, parsed)
        if inert is not None:
            return inert
    return parsed_rule(inv, parsed, ctx)


def _unresolved_subcommand(
    cmd: Command, inv: Invocation, args: Sequence[Value], ctx: Context
) -> list[Finding]:
    """An unknown subcommand word: try every analysed subcommand (§10.2).

    Subcommands that block whatever their arguments (``prune``, ``filter-branch``) are left
    out: the point is whether these arguments are destructive for a plausible subcommand.
    """
    for sub in _SUBCOMMANDS:
        if sub in _BLOCK_WITHOUT_ARGUMENTS:
            continue
        try:
            findings = _run_rule(sub, inv, args, ctx)
        except Exception:
            continue
        for item in findings:
            if item.action == "block":
                return [
                    finding(
                        cmd,
                        "unresolved-command-destructive",
                        target=f"as git {sub}: {item.reason}",
                    )
                ]
    return []


def _alias(
    cmd: Command,
    inv: Invocation,
    name: str,
    args: Sequence[Value],
    ctx: Context,
    depth: int,
) -> list[Finding]:
    key = "alias." + name
    value = inv.setting(key, ctx.facts.config_get(key))
    if value is None:
        # an external git-NAME program: its content is invisible (A7)
        return [finding(cmd, "opaque-script")]
    if depth >= 10:
        return []
    if value.startswith("!"):
        payload = value[1:]
        if args:
            # git runs sh -c 'ALIAS "$@"' ALIAS ARGS…: the arguments are appended and are the
            # positional parameters too (!git stash "$@" clear is git stash clear clear)
            quoted = " ".join(_quote(a) for a in args)
            payload = f'set -- {quoted}; {payload} "$@"'
        else:
            payload = f"set --; {payload}"  # no arguments: $1, "$@" are empty
        if cmd.env:
            # the alias's shell inherits git's environment (D=build git x: $D is build)
            exports = [
                f"export {name}={_quote(value)}; "
                for name, value in cmd.env
                if value.text is not None and name.isidentifier()
            ]
            payload = "".join(exports) + payload
        root = ctx.facts.root
        return ctx.payload(payload, cmd, "git-alias", name, root)
    words = _split(value)
    if words is None:
        return []
    new_argv = (
        *cmd.argv[: inv.sub_index],
        *(Value((Lit(w),)) for w in words),
        *args,
    )
    alias_cmd = _clone(cmd, new_argv, "git")
    hop = ("git-alias", cmd.span, name)
    from sessionkit.policy.command import Command as CommandRecord

    alias_cmd = CommandRecord(
        alias_cmd.argv,
        "git",
        wrappers=cmd.wrappers,
        env=cmd.env,
        redirects=cmd.redirects,
        stdin=cmd.stdin,
        cwd=cmd.cwd,
        via=(*cmd.via, hop),
        span=cmd.span,
        text=cmd.text,
        span_exact=cmd.span_exact,
        dry=cmd.dry,
        deferred=cmd.deferred,
        reading=cmd.reading,
        git_config=cmd.git_config,
    )
    return analyse(alias_cmd, ctx, alias_depth=depth + 1)


def _split(text: str) -> list[str] | None:
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return None


def _verification_bypass(inv: Invocation) -> list[Finding]:
    cmd = inv.cmd
    for key, value in inv.config:
        if key == "core.hookspath" and value is not _UNSET:
            return [finding(cmd, "verification-bypass")]
    if skips_verification(cmd):
        return [finding(cmd, "verification-bypass")]
    return []


# ---- per-subcommand rules (§7.2.5) ---------------------------------------------------------

if TYPE_CHECKING:
    from collections.abc import Callable

    # a rule over the raw arguments after the subcommand word
    Rule = Callable[[Invocation, Sequence[Value], Context], list[Finding]]
    # a rule over the subcommand's parsed options; the dispatcher parses them and answers
    # ``-h`` and ambiguous abbreviations itself (``_inert``)
    ParsedRule = Callable[[Invocation, Parsed, Context], list[Finding]]


def _help(parsed: Parsed) -> bool:
    return parsed.help


def _inert(inv: Invocation, parsed: Parsed) -> list[Finding] | None:
    """Findings for a command git refuses before doing anything (-h, ambiguous prefix)."""
    if parsed.help:
        return [finding(inv.cmd, "read-only")]
    if parsed.ambiguous:
        return [finding(inv.cmd, "malformed-inert")]
    return None


def _split_ref_paths(
    parsed: Parsed, cwds: Sequence[str | None], ctx: Context
) -> tuple[Value | None, list[Value]]:
    """(tree-ish, pathspec) of ``cmd [<tree-ish>] [--] [<pathspec>…]``."""
    before = parsed.before_dashdash()
    after = parsed.after_dashdash()
    if parsed.dashdash >= 0:
        if before:
            return before[0], [*before[1:], *after]
        return None, after
    if not before:
        return None, []
    first = before[0]
    if classify(first, cwds, ctx) == "ref":
        return first, list(before[1:])
    return None, list(before)


def _rule_reset(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    mode = parsed.last(("hard", "soft", "mixed", "merge", "keep"), negation_resets=True)
    if mode == "hard":
        return [finding(cmd, "git-reset-hard")]
    if mode == "merge":
        return [finding(cmd, "git-reset-merge")]
    if mode == "keep":
        return [finding(cmd, "git-reset-keep")]
    if mode == "soft":
        return [finding(cmd, "git-reset-soft")]
    if parsed.on("patch"):
        return []
    cwds = _cwds(inv, ctx)
    _ref, paths = _split_ref_paths(parsed, cwds, ctx)
    if parsed.values("pathspec-from-file"):
        return []
    if not paths or _index_wide(paths, cwds, ctx):
        return [finding(cmd, "git-reset-mixed")]
    return []


def _rule_checkout(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    out: list[Finding] = []
    if parsed.on("force"):
        out.append(finding(cmd, "git-checkout-force"))
    creating = parsed.last(("b", "B", "orphan"))
    if parsed.values("B") and creating == "B":
        out.append(finding(cmd, "git-checkout-reset-branch"))
    cwds = _cwds(inv, ctx)
    before = parsed.before_dashdash()
    after = parsed.after_dashdash()
    paths: list[Value]
    if parsed.dashdash >= 0:
        paths = [*before[1:], *after] if before else list(after)
    elif creating is not None or parsed.on("track") or parsed.values("track"):
        # a new branch (-b, --orphan, or --track naming its upstream): the first operand is
        # its start point, never a path (git refuses paths with a new branch)
        paths = list(before[1:])
    else:
        _ref, paths = _split_ref_paths(parsed, cwds, ctx)
    from_file = bool(parsed.values("pathspec-from-file"))
    side = (
        parsed.on("ours")
        or parsed.on("theirs")
        or parsed.on("merge")
        or bool(parsed.values("conflict"))
    )
    if parsed.on("patch"):
        out.append(finding(cmd, "git-checkout-pathspec"))
    elif paths or from_file:
        if side and not from_file and _explicit_files(paths, cwds, ctx):
            out.append(finding(cmd, "git-checkout-conflict-side"))
        else:
            out.append(finding(cmd, "git-checkout-pathspec"))
    return out


def _rule_restore(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    staged = parsed.on("staged")
    worktree = parsed.on("worktree") or not staged
    paths = list(parsed.operands)
    has_pathspec = bool(paths) or bool(parsed.values("pathspec-from-file"))
    if not worktree:
        return []
    if not has_pathspec and not parsed.on("patch"):
        return []
    cwds = _cwds(inv, ctx)
    side = (
        parsed.on("ours")
        or parsed.on("theirs")
        or parsed.on("merge")
        or bool(parsed.values("conflict"))
    )
    if side and not parsed.on("patch") and _explicit_files(paths, cwds, ctx):
        return [finding(cmd, "git-checkout-conflict-side")]
    return [finding(cmd, "git-restore-worktree")]


def _rule_switch(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if parsed.on("force") or parsed.on("discard-changes"):
        out.append(finding(inv.cmd, "git-switch-discard"))
    if (
        parsed.values("force-create")
        and parsed.last(("create", "force-create", "orphan")) == "force-create"
    ):
        out.append(finding(inv.cmd, "git-switch-force-create"))
    return out


def _rule_clean(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    forced = parsed.count("force") > 0 or parsed.on("interactive")
    if parsed.on("dry-run"):
        return [finding(cmd, "dry-run")]
    require = _bool(inv.setting("clean.requireforce", ctx.facts.config_get("clean.requireforce")))
    if forced or require is False:
        return [finding(cmd, "git-clean-force")]
    return []


def _rule_rm(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    if parsed.on("dry-run"):
        return []
    cached = parsed.on("cached")
    if parsed.count("force") and not cached:
        return [finding(cmd, "git-rm-force")]
    if cached and parsed.on("r") and _index_wide(parsed.operands, _cwds(inv, ctx), ctx):
        return [finding(cmd, "git-rm-cached-all")]
    return []


def _refspec_parts(text: str) -> tuple[bool, str, str | None]:
    """(forced, src, dst) of a refspec; dst None when there is no colon."""
    forced = text.startswith("+")
    if forced:
        text = text[1:]
    if ":" in text:
        src, dst = text.split(":", 1)
        return forced, src, dst
    return forced, text, None


def _known_lead(value: Value) -> str | None:
    """The refspec text, or for a partly unknown refspec its leading literal (``+$BR`` is
    forced, ``:$BR`` deletes whatever the rest turns out to be); None when nothing leads."""
    text = value.text
    if text is not None:
        return text
    head = value.pieces[0] if value.pieces else None
    if type(head) is Lit and head.text[:1] in ("+", ":"):
        from sessionkit.policy.values import render

        return render(value)
    return None


def _push_remote(inv: Invocation, ctx: Context) -> str | None:
    """The remote a ``git push`` without one pushes to: ``branch.<current>.pushRemote``, then
    ``remote.pushDefault``, then ``branch.<current>.remote`` (git-config(1)); None for
    git's own default, ``origin``."""
    facts = ctx.facts
    branch = facts.head_branch()
    keys = ["remote.pushdefault"]
    if branch is not None:
        keys = [f"branch.{branch}.pushremote", "remote.pushdefault", f"branch.{branch}.remote"]
    for key in keys:
        value = inv.setting(key, facts.config_get(key))
        if value:
            return value
    return None


def _rule_push(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    out: list[Finding] = []
    if parsed.on("no-verify"):
        out.append(finding(cmd, "verification-bypass"))
    findings: list[Finding] = []
    operands = parsed.operands
    # the remote named on the command line wins over --repo (git-push(1))
    repo_values = parsed.values("repo")
    refspecs = [_known_lead(v) for v in operands[1:]]
    if operands:
        remote_value = operands[0].text
    elif repo_values:
        remote_value = repo_values[-1].text if repo_values[-1] is not None else None
    else:
        remote_value = _push_remote(inv, ctx)
    remote = remote_value or "origin"
    if parsed.on("force"):
        findings.append(finding(cmd, "git-push-force"))
    if parsed.on("mirror"):
        findings.append(finding(cmd, "git-push-mirror"))
    if parsed.on("delete"):
        findings.append(finding(cmd, "git-push-delete"))
    if parsed.on("prune"):
        findings.append(finding(cmd, "git-push-prune"))
    if not refspecs and not parsed.on("mirror"):
        facts = ctx.facts
        mirror = _bool(
            inv.setting(f"remote.{remote}.mirror", facts.config_get(f"remote.{remote}.mirror"))
        )
        if mirror:
            findings.append(finding(cmd, "git-push-mirror"))
        pushes = [
            v
            for k, v in inv.config
            if k == f"remote.{remote}.push" and v is not None and v is not _UNSET
        ]
        pushes = pushes or facts.config_get_all(f"remote.{remote}.push")
        refspecs = list(pushes)
    for spec in refspecs:
        if spec is None:
            continue
        forced, src, dst = _refspec_parts(spec)
        if forced:
            findings.append(finding(cmd, "git-push-plus-refspec", target=spec))
        elif dst and src == "":
            findings.append(finding(cmd, "git-push-delete", target=spec))
    lease = parsed.on("force-with-lease")
    if lease and not any(f.action == "block" for f in findings):
        findings.append(finding(cmd, "git-push-force-with-lease"))
    if parsed.on("dry-run"):
        return [*out, finding(cmd, "dry-run")] if findings else out
    return [*out, *findings]


def _rule_stash(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    first = args[0] if args else None
    sub = None if first is None else first.text
    if first is not None and sub is None:
        return [finding(cmd, "unresolved-command-destructive", target="as git stash drop or clear")]
    if sub is None or sub.startswith("-"):
        parsed = parse(args, table("stash"))
        inert = _inert(inv, parsed)
        if inert is not None:
            return inert
        return [finding(cmd, "git-stash")]
    rest = args[1:]
    parsed = parse(rest, table("stash push") if sub in ("push", "save") else table("stash"))
    if parsed.help:
        return [finding(cmd, "read-only")]
    if sub in ("push", "save"):
        return [finding(cmd, "git-stash")]
    if sub == "drop":
        return [finding(cmd, "git-stash-drop")]
    if sub == "clear":
        return [finding(cmd, "git-stash-clear")]
    if sub == "pop":
        return [finding(cmd, "git-stash-pop")]
    if sub in ("list", "show", "apply", "branch", "create", "store"):
        return []
    # an unknown word: git stash treats it as an error; older gits as "push" with a message
    return [finding(cmd, "git-stash")]


def _rule_branch(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    delete = parsed.on("delete") or parsed.on("D")
    force = parsed.on("force") or parsed.on("D")
    remotes = parsed.on("remotes")
    if delete:
        if force and not remotes:
            return [finding(cmd, "git-branch-force-delete")]
        return [finding(cmd, "git-safe")] if force and remotes else []
    if parsed.on("M") or parsed.on("C"):
        return [finding(cmd, "git-branch-force")]
    if parsed.on("force") and (parsed.operands or parsed.on("move") or parsed.on("copy")):
        return [finding(cmd, "git-branch-force")]
    return []


def _rule_update_ref(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    if parsed.on("d"):
        return [finding(cmd, "git-update-ref-delete")]
    if parsed.on("stdin"):
        content = cmd.stdin.text if cmd.stdin is not None else None
        if content is None:
            return [finding(cmd, "git-update-ref-delete")]
        separator = "\0" if parsed.on("z") else "\n"
        for line in content.split(separator):
            if line.strip().startswith("delete"):
                return [finding(cmd, "git-update-ref-delete")]
        return [finding(cmd, "git-update-ref")]
    if not parsed.operands:
        return []
    return [finding(cmd, "git-update-ref")]


def _rule_reflog(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    first = args[0].text if args else None
    if args and first is None:
        return [finding(cmd, "unresolved-command-destructive", target="as git reflog expire")]
    if first in ("expire", "delete"):
        parsed = parse(args[1:], table("reflog " + first))
        inert = _inert(inv, parsed)
        if inert is not None:
            return inert
        if parsed.on("dry-run"):
            return [finding(cmd, "dry-run")]
        return [finding(cmd, "git-reflog-" + first)]
    return []


def _rule_gc(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    # the last --prune wins (`--prune=now --prune=never` prunes nothing); values() holds
    # the ones after the last --no-prune; a bare --prune keeps the default grace period
    prunes = parsed.values("prune")
    value = prunes[-1] if prunes else None
    if value is not None:
        text = value.text
        if text is None or text.strip().lower() != "never":
            return [finding(cmd, "git-gc-prune", target=text)]
    for key in ("gc.pruneexpire", "gc.reflogexpire", "gc.reflogexpireunreachable"):
        present, value_text = inv.own_setting(key)
        if present and (value_text or "").strip().lower() != "never":
            return [finding(cmd, "git-gc-prune", target=f"{key}={value_text}")]
    return []


def _rule_prune(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    if parsed.on("dry-run"):
        return [finding(inv.cmd, "dry-run")]
    return [finding(inv.cmd, "git-prune")]


def _rule_filter_branch(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    for value in args:
        if value.text in ("-h", "--help"):
            return [finding(inv.cmd, "read-only")]
        if value.text == "--":
            break
    return [finding(inv.cmd, "git-filter-branch")]


def _rule_filter_repo(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    parsed = parse(args, table("filter-repo"))
    if parsed.help:
        return [finding(inv.cmd, "read-only")]
    if parsed.on("analyze") or parsed.on("dry-run"):
        return [finding(inv.cmd, "dry-run")]
    return [finding(inv.cmd, "git-filter-repo")]


def _rule_worktree(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    first = args[0].text if args else None
    if args and first is None:
        return [finding(cmd, "unresolved-command-destructive", target="as git worktree remove -f")]
    if first != "remove":
        return []
    parsed = parse(args[1:], table("worktree remove"))
    inert = _inert(inv, parsed)
    if inert is not None:
        return inert
    if parsed.count("force"):
        return [finding(cmd, "git-worktree-remove-force")]
    return [finding(cmd, "git-worktree-remove")]


def _rule_submodule(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    i = 0
    while i < len(args) and args[i].text in ("--quiet", "-q", "--cached"):
        i += 1
    sub = args[i].text if i < len(args) else None
    if sub in ("update", "deinit"):
        parsed = parse(args[i + 1 :], table("submodule " + sub))
        inert = _inert(inv, parsed)
        if inert is not None:
            return inert
        if parsed.count("force"):
            return [finding(cmd, "git-submodule-force")]
    return []


def _rule_checkout_index(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    if parsed.on("force"):
        return [finding(inv.cmd, "git-checkout-index-force")]
    return []


def _rule_read_tree(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    if parsed.on("u") and parsed.on("reset"):
        return [finding(inv.cmd, "git-read-tree-reset")]
    return []


def _rule_commit(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if parsed.on("amend"):
        out.append(finding(inv.cmd, "git-commit-amend"))
    if parsed.on("no-verify"):
        out.append(finding(inv.cmd, "verification-bypass"))
    return out


def _operation(sub: str) -> ParsedRule:
    def rule(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
        cmd = inv.cmd
        out: list[Finding] = []
        if parsed.on("abort"):
            out.append(finding(cmd, "git-operation-abort"))
        if sub in ("rebase", "merge", "am") and parsed.on("no-verify"):
            out.append(finding(cmd, "verification-bypass"))
        if sub == "rebase":
            for value in parsed.values("exec"):
                if value is not None:
                    text = value.text if value.text is not None else _shell_text(value)
                    out.extend(
                        ctx.payload(
                            text, cmd, "git-rebase-exec", "git rebase --exec", _run_cwd(inv)
                        )
                    )
        return out

    return rule


def _rule_pull(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    # pull passes --verify/--no-verify to merge; the last one given wins
    verify = [enabled for name, _value, enabled in parsed.opts if name == "verify"]
    if verify and not verify[-1]:
        return [finding(inv.cmd, "verification-bypass")]
    return []


def _rule_fetch(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    force = parsed.on("force")
    refspecs = parsed.operands[1:]
    if parsed.on("multiple") or parsed.on("all"):
        refspecs = []
    for value in refspecs:
        text = value.text
        if text is None:
            from sessionkit.policy.values import render

            text = render(value)  # unknown pieces stay inside: +$B:$B may name a branch
        plus, _src, dst = _refspec_parts(text)
        if not (plus or force) or not dst:
            continue
        # git's own expansion of a destination: refs/… as written; heads/…, tags/… and
        # remotes/… under refs/; anything else a branch (+main:remotes/origin/main updates
        # refs/remotes/origin/main, a remote-tracking ref)
        if dst.startswith("refs/"):
            dst_full = dst
        elif dst.startswith(("heads/", "tags/", "remotes/")):
            dst_full = "refs/" + dst
        else:
            dst_full = "refs/heads/" + dst
        if not dst_full.startswith("refs/remotes/"):
            return [finding(inv.cmd, "git-fetch-force-refspec", target=text)]
    return []


def _rule_tag(inv: Invocation, parsed: Parsed, ctx: Context) -> list[Finding]:
    if parsed.on("delete"):
        return [finding(inv.cmd, "git-tag-delete")]
    if parsed.on("force"):
        return [finding(inv.cmd, "git-tag-force")]
    return []


def _rule_config(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    items = list(args)
    if items and items[0].text in ("set",):
        items = items[1:]
    elif items and items[0].text in (
        "get",
        "list",
        "unset",
        "rename-section",
        "remove-section",
        "edit",
    ):
        return []
    parsed = parse(items, table("config"))
    if parsed.help:
        return [finding(cmd, "read-only")]
    for mode in (
        "get",
        "get-all",
        "get-regexp",
        "unset",
        "unset-all",
        "list",
        "edit",
        "rename-section",
        "remove-section",
    ):
        if parsed.on(mode):
            return []
    if len(parsed.operands) < 2:
        return []
    key_text = parsed.operands[0].text
    value = parsed.operands[1]
    if key_text is None:
        return []
    key = _canon_key(key_text)
    text = value.text if value.text is not None else _shell_text(value)
    findings: list[Finding]
    if key.startswith("alias."):
        if text.startswith("!"):
            findings = ctx.payload(text[1:], cmd, "git-alias", key[6:], ctx.facts.root)
        else:
            findings = ctx.payload("git " + text, cmd, "git-alias", key[6:], None)
    elif is_exec_key(key):
        if key.startswith("credential.") and not text.startswith("!"):
            return []
        if key == "core.fsmonitor" and _bool(text) is not None:
            return []
        findings = ctx.payload(text.lstrip("!"), cmd, "git-config-exec", key, None)
    else:
        return []
    if any(f.action == "block" for f in findings):
        return [finding(cmd, "git-config-destructive-exec", target=key)]
    return []


def _rule_bisect(inv: Invocation, args: Sequence[Value], ctx: Context) -> list[Finding]:
    cmd = inv.cmd
    if not args or args[0].text != "run" or len(args) < 2:
        return []
    from sessionkit.policy.analysers import canonical_name
    from sessionkit.policy.command import Command as CommandRecord

    argv = tuple(args[1:])
    first = argv[0].text
    name = canonical_name(first) if first is not None else None
    record = CommandRecord(
        argv,
        name,
        env=cmd.env,
        stdin=cmd.stdin,
        cwd=cmd.cwd if inv.cwds is None else _cwd_values(inv.cwds),
        via=(*cmd.via, ("git-bisect-run", cmd.span, "git bisect run")),
        span=cmd.span,
        text=" ".join(_quote(v) for v in argv),
        span_exact=False,
        dry=cmd.dry,
        deferred=cmd.deferred,
        reading=cmd.reading,
        git_config=cmd.git_config,
    )
    return ctx.command(record)


_PARSED_RULES: dict[str, ParsedRule] = {
    "reset": _rule_reset,
    "checkout": _rule_checkout,
    "restore": _rule_restore,
    "switch": _rule_switch,
    "clean": _rule_clean,
    "rm": _rule_rm,
    "push": _rule_push,
    "branch": _rule_branch,
    "update-ref": _rule_update_ref,
    "gc": _rule_gc,
    "prune": _rule_prune,
    "checkout-index": _rule_checkout_index,
    "read-tree": _rule_read_tree,
    "commit": _rule_commit,
    "rebase": _operation("rebase"),
    "merge": _operation("merge"),
    "cherry-pick": _operation("cherry-pick"),
    "revert": _operation("revert"),
    "am": _operation("am"),
    "tag": _rule_tag,
    "fetch": _rule_fetch,
    "pull": _rule_pull,
}
_RULES: dict[str, Rule] = {
    "stash": _rule_stash,
    "reflog": _rule_reflog,
    "filter-branch": _rule_filter_branch,
    "filter-repo": _rule_filter_repo,
    "worktree": _rule_worktree,
    "submodule": _rule_submodule,
    "config": _rule_config,
    "bisect": _rule_bisect,
}
_SUBCOMMANDS = tuple(sorted((*_PARSED_RULES, *_RULES)))
