"""The guard's rule catalogue (guard.md §9) as data: one ``Rule`` per stable id.

Hot path: standard library only. The analysers, the policy layer, ``guard explain`` and the
documentation all read this one table; the test suite runs every rule's ``examples`` (each must
trigger the rule) and ``lookalikes`` (none may).

Reason templates may contain ``{target}`` (the operand or ref a finding is about); ``render``
fills it, or substitutes a neutral phrase when there is none.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

_set = object.__setattr__


class Rule:
    """One catalogue entry (§9.1). Immutable."""

    __slots__ = (
        "aliases",
        "default_action",
        "examples",
        "floor",
        "group",
        "id",
        "lookalikes",
        "protects",
        "reason",
        "session_config_downgradable",
        "suggestion",
        "title",
    )

    id: str
    group: str
    default_action: str
    title: str
    protects: str
    reason: str
    suggestion: str | None
    examples: tuple[str, ...]
    lookalikes: tuple[str, ...]
    session_config_downgradable: bool
    floor: bool
    aliases: tuple[str, ...]

    def __init__(
        self,
        id: str,
        group: str,
        default_action: str,
        title: str,
        protects: str,
        reason: str,
        suggestion: str | None,
        examples: tuple[str, ...],
        lookalikes: tuple[str, ...],
        *,
        session_config_downgradable: bool = False,
        floor: bool = False,
        aliases: tuple[str, ...] = (),
    ) -> None:
        for name, value in (
            ("id", id),
            ("group", group),
            ("default_action", default_action),
            ("title", title),
            ("protects", protects),
            ("reason", reason),
            ("suggestion", suggestion),
            ("examples", examples),
            ("lookalikes", lookalikes),
            ("session_config_downgradable", session_config_downgradable),
            ("floor", floor),
            ("aliases", aliases),
        ):
            _set(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Rule is immutable")

    def __repr__(self) -> str:
        return f"Rule({self.id!r}, {self.group!r}, {self.default_action!r})"

    def render_reason(self, target: str | None = None) -> str:
        """The reason sentence, naming ``target`` where the template has a place for it."""
        if "{target}" not in self.reason:
            return self.reason
        return self.reason.replace("{target}", target if target else "the target")

    def to_dict(self) -> dict[str, object]:
        """The rule object of ``schemas/guard-rule.schema.json``."""
        return {
            "id": self.id,
            "group": self.group,
            "default_action": self.default_action,
            "title": self.title,
            "protects": self.protects,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "examples": list(self.examples),
            "lookalikes": list(self.lookalikes),
            "session_config_downgradable": self.session_config_downgradable,
            "floor": self.floor,
            "aliases": list(self.aliases),
        }


B, W, A = "block", "warn", "allow"

_UNCOMMITTED = "uncommitted changes to tracked files"
_UNTRACKED = "untracked and ignored files (new sources, .env, local configuration)"
_REMOTE = "commits on the remote that exist nowhere else"

_CATALOGUE: tuple[Rule, ...] = (
    # ---- B1 discard working-tree changes ------------------------------------------------
    Rule(
        "git-reset-hard",
        "B1",
        B,
        "git reset --hard",
        _UNCOMMITTED,
        "git reset --hard overwrites uncommitted changes to tracked files, including other "
        "sessions' work, and they cannot be recovered.",
        "Use git reset --keep REF, which moves the branch but refuses to overwrite local edits, "
        "or commit the work on a branch first.",
        (
            "git reset --hard",
            "git reset HEAD~1 --hard",
            "git -C . -c core.pager=cat reset -q HEAD~1 --ha",
            "bash -c 'git status && git reset --hard HEAD~1'",
        ),
        ("git reset --hard -h", "echo git reset --hard", "git reset --keep HEAD~1"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-reset-merge",
        "B1",
        B,
        "git reset --merge",
        _UNCOMMITTED,
        "git reset --merge discards uncommitted changes in files that differ between HEAD and "
        "the target, and they cannot be recovered.",
        "Use git merge --abort to leave a merge, or git reset --keep REF.",
        ("git reset --merge", "git reset --merge ORIG_HEAD"),
        ("git merge --abort", "git reset --merge --help"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-checkout-pathspec",
        "B1",
        B,
        "git checkout of paths",
        _UNCOMMITTED,
        "git checkout with a pathspec overwrites the named files from the index or a commit, "
        "discarding their uncommitted changes for good.",
        "Inspect with git diff -- PATH; to switch branches use git switch BRANCH; ask the user "
        "before discarding changes.",
        (
            "git checkout .",
            "git checkout -- src/app.py",
            "git checkout src/app.py",
            "git checkout HEAD -- src/",
            "git checkout -p",
        ),
        ("git checkout main", "git checkout -b topic", "git checkout -"),
        session_config_downgradable=True,
        aliases=("git-checkout-discard",),
    ),
    Rule(
        "git-checkout-force",
        "B1",
        B,
        "git checkout --force",
        _UNCOMMITTED,
        "git checkout -f throws local changes away while switching branches.",
        "Use git switch BRANCH, which refuses when local changes would be lost.",
        ("git checkout -f main", "git checkout --force -b topic", "git checkout -fb topic"),
        ("git checkout main", "git checkout -b topic"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-restore-worktree",
        "B1",
        B,
        "git restore into the working tree",
        _UNCOMMITTED,
        "git restore overwrites uncommitted changes in the restored paths, and they cannot be "
        "recovered.",
        "git restore --staged PATH only unstages; ask the user before discarding changes.",
        ("git restore .", "git restore src/app.py", "git restore --staged --worktree ."),
        ("git restore --staged src/app.py", "git restore -S ."),
        session_config_downgradable=True,
    ),
    Rule(
        "git-switch-discard",
        "B1",
        B,
        "git switch --discard-changes",
        _UNCOMMITTED,
        "git switch with --discard-changes or --force throws local changes away while switching.",
        "Use git switch BRANCH without the flag; it refuses when local changes would be lost.",
        ("git switch -f main", "git switch --discard-changes main"),
        ("git switch main", "git switch -c topic"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-checkout-index-force",
        "B1",
        B,
        "git checkout-index --force",
        _UNCOMMITTED,
        "git checkout-index -f overwrites working files from the index, discarding their "
        "uncommitted changes.",
        "Without -f, git checkout-index writes only missing files.",
        ("git checkout-index -a -f", "git checkout-index --force -- src/app.py"),
        ("git checkout-index -a",),
        session_config_downgradable=True,
    ),
    Rule(
        "git-read-tree-reset",
        "B1",
        B,
        "git read-tree -u --reset",
        _UNCOMMITTED,
        "git read-tree -u --reset overwrites the working tree from a tree object, discarding "
        "uncommitted changes.",
        "Use porcelain commands such as git switch or git restore --staged.",
        ("git read-tree -u --reset HEAD",),
        ("git read-tree HEAD", "git read-tree -m HEAD"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-rm-force",
        "B1",
        B,
        "git rm --force",
        _UNCOMMITTED,
        "git rm -f deletes files even when they have uncommitted changes.",
        "Use git rm PATH, which refuses modified files, or git rm --cached PATH.",
        ("git rm -f src/app.py", "git rm -rf src"),
        ("git rm --cached -f src/app.py", "git rm src/app.py", "git rm -n -f src/app.py"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-submodule-force",
        "B1",
        B,
        "git submodule update/deinit --force",
        "uncommitted changes inside submodules",
        "git submodule with --force throws away local changes inside the submodules.",
        "Run it without --force, after committing inside the submodule.",
        ("git submodule update --force", "git submodule deinit -f --all"),
        ("git submodule update --init", "git submodule status"),
        session_config_downgradable=True,
    ),
    # ---- B2 delete untracked or ignored files -------------------------------------------
    Rule(
        "git-clean-force",
        "B2",
        B,
        "git clean with force",
        _UNTRACKED,
        "git clean deletes untracked and ignored files (new sources, .env) that were never "
        "committed and cannot be restored.",
        "Run git clean -n to list them, then delete named artefacts (rm -rf dist).",
        ("git clean -fdx", "git clean -f", "git clean --forc -d", "git clean -i"),
        ("git clean -fn", "git clean -n", "git clean -d"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-listed-files-delete",
        "B2",
        B,
        "deleting files git lists",
        _UNTRACKED,
        "Deleting what git ls-files, git status or git diff --name-only lists removes exactly "
        "the files git cannot bring back.",
        "List them, then delete named artefacts only.",
        (
            "git ls-files -o | xargs rm",
            "git ls-files --others --exclude-standard | xargs rm -f",
            "git status --porcelain | xargs rm -rf",
        ),
        ("git ls-files -o", "git ls-files -o | wc -l"),
        session_config_downgradable=True,
    ),
    Rule(
        "rsync-delete",
        "B2",
        B,
        "rsync --delete into a protected destination",
        "files in the destination that are missing from the source",
        "rsync --delete removes every file in {target} that is missing from the source.",
        "Run it with --dry-run first, sync into temp space or an artefact directory, or drop "
        "--delete.",
        ("rsync -a --delete /tmp/empty/ src/", "rsync -a --delete-after ./a/ ~/backup/"),
        ("rsync -a --delete -n /tmp/empty/ src/", "rsync -a --delete src/ /tmp/mirror/"),
        session_config_downgradable=True,
    ),
    # ---- B3 destroy remote history ------------------------------------------------------
    Rule(
        "git-push-force",
        "B3",
        B,
        "git push --force",
        _REMOTE,
        "git push --force overwrites the remote branch, dropping commits others pushed.",
        "git fetch, then git push --force-with-lease=BRANCH:EXPECTED_SHA (warns), or push a "
        "new branch.",
        (
            "git push --force",
            "git push -f origin main",
            "git push origin main --force",
            "git push -uf origin topic",
            "git push --force-with-lease --force origin main",
        ),
        (
            "git push --force --dry-run",
            "git push --force-with-lease",
            "git push -u origin topic",
            "git push --force --no-force",
        ),
    ),
    Rule(
        "git-push-plus-refspec",
        "B3",
        B,
        "git push +refspec",
        _REMOTE,
        "A + refspec forces that ref even when a lease is given, dropping remote commits.",
        "Push without the +, using --force-with-lease=BRANCH:EXPECTED_SHA if a rewrite is "
        "really intended.",
        ("git push origin +main", "git push --force-with-lease origin +HEAD:main"),
        ("git push origin main", "git push origin HEAD:main", "git push -n origin +main"),
    ),
    Rule(
        "git-push-mirror",
        "B3",
        B,
        "git push --mirror",
        _REMOTE,
        "git push --mirror deletes remote branches and tags that are missing locally and "
        "overwrites the rest.",
        "Push named branches.",
        ("git push --mirror", "git push --mirror origin"),
        ("git push --all origin", "git push --mirror --dry-run"),
    ),
    Rule(
        "git-push-delete",
        "B3",
        B,
        "git push --delete",
        _REMOTE,
        "Deleting a remote ref removes the only pointer to its commits for everyone.",
        "Ask the user; tag the commit first.",
        ("git push origin --delete topic", "git push origin :topic", "git push -d origin topic"),
        ("git push origin topic", "git push origin topic:topic"),
    ),
    Rule(
        "git-push-prune",
        "B3",
        B,
        "git push --prune",
        _REMOTE,
        "git push --prune deletes remote branches without a local counterpart, other sessions' "
        "branches included.",
        "Push named branches.",
        ("git push --prune origin 'refs/heads/*:refs/heads/*'",),
        ("git fetch --prune", "git remote prune origin"),
    ),
    # ---- B4 destroy stashes -------------------------------------------------------------
    Rule(
        "git-stash-drop",
        "B4",
        B,
        "git stash drop",
        "stash entries (uncommitted work, possibly another session's)",
        "A stash entry is uncommitted work, possibly another session's, and dropping it "
        "destroys it.",
        "Use git stash branch NAME to keep it on a branch; ask before dropping.",
        ("git stash drop", "git stash drop stash@{1}"),
        ("git stash list", "git stash show stash@{0}", "git stash apply"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-stash-clear",
        "B4",
        B,
        "git stash clear",
        "every stash entry",
        "git stash clear destroys every stash entry, other sessions' included.",
        "Run git stash list and keep them.",
        ("git stash clear",),
        ("git stash list", "echo git stash clear"),
        session_config_downgradable=True,
    ),
    # ---- B5 destroy refs ----------------------------------------------------------------
    Rule(
        "git-branch-force-delete",
        "B5",
        B,
        "git branch -D",
        "commits reachable only from the deleted branch, and its reflog",
        "git branch -D deletes a branch without checking that it is merged, so unmerged "
        "commits lose their only ref and the branch reflog goes too.",
        "Use git branch -d NAME, which refuses unmerged branches; tag the tip to archive it.",
        ("git branch -D feature", "git branch -d -f feature", "git branch -df feature"),
        ("git branch -d feature", "git branch -D -r origin/feature", "git branch -a"),
        session_config_downgradable=True,
    ),
    Rule(
        "git-update-ref-delete",
        "B5",
        B,
        "git update-ref -d",
        "commits reachable only from the deleted ref",
        "git update-ref -d deletes a ref without any merged check.",
        "Use git branch -d or git tag -d (which warns).",
        ("git update-ref -d refs/heads/feature", "git update-ref --stdin < refs.txt"),
        ("git update-ref refs/heads/feature HEAD", "git show-ref"),
        session_config_downgradable=True,
    ),
    # ---- B6 destroy recovery data -------------------------------------------------------
    Rule(
        "git-reflog-expire",
        "B6",
        B,
        "git reflog expire",
        "reflogs, the record that finds lost commits",
        "git reflog expire erases the record that finds lost commits.",
        "Leave reflogs to the defaults of git gc.",
        ("git reflog expire --expire=now --all",),
        ("git reflog expire -n --expire=now --all", "git reflog"),
    ),
    Rule(
        "git-reflog-delete",
        "B6",
        B,
        "git reflog delete",
        "reflog entries",
        "git reflog delete erases entries of the record that finds lost commits.",
        "Leave reflogs to the defaults of git gc.",
        ("git reflog delete HEAD@{1}",),
        ("git reflog show", "git reflog exists HEAD"),
    ),
    Rule(
        "git-gc-prune",
        "B6",
        B,
        "git gc with immediate pruning",
        "unreachable objects, including ones other sessions are about to reference",
        "git gc with a short prune expiry deletes unreachable objects now, including objects "
        "other sessions are about to reference.",
        "Run git gc with its default grace period.",
        ("git gc --prune=now", "git -c gc.reflogExpire=now gc"),
        ("git gc", "git gc --aggressive", "git gc --prune=never"),
    ),
    Rule(
        "git-prune",
        "B6",
        B,
        "git prune",
        "unreachable objects",
        "git prune deletes unreachable objects with no grace period, racing with objects other "
        "sessions have not referenced yet.",
        "Run git gc; use git prune -n to look.",
        ("git prune", "git prune --expire=now"),
        ("git prune -n", "git worktree prune", "git remote prune origin"),
    ),
    Rule(
        "git-filter-branch",
        "B6",
        B,
        "git filter-branch",
        "the history of every selected ref",
        "git filter-branch rewrites the history of every selected ref.",
        "Ask the user; work on a fresh clone.",
        ("git filter-branch --force HEAD", "git filter-branch --tree-filter 'rm -f x' HEAD"),
        ("git log --all",),
    ),
    Rule(
        "git-filter-repo",
        "B6",
        B,
        "git filter-repo",
        "the history of the repository",
        "git filter-repo rewrites the history of the whole repository.",
        "Use git filter-repo --analyze or --dry-run; ask the user.",
        ("git filter-repo --path src/ --invert-paths",),
        ("git filter-repo --analyze", "git filter-repo --dry-run --path src/"),
    ),
    # ---- B7 destroy a worktree ----------------------------------------------------------
    Rule(
        "git-worktree-remove-force",
        "B7",
        B,
        "git worktree remove --force",
        "a worktree's uncommitted and untracked files",
        "git worktree remove --force deletes a worktree with its uncommitted and untracked "
        "files, likely another session's.",
        "Use git worktree remove PATH, which refuses when the worktree is dirty (warns).",
        ("git worktree remove --force ../wt-session-2", "git worktree remove -f ../wt"),
        ("git worktree list", "git worktree remove ../wt-session-2"),
    ),
    Rule(
        "rm-worktree",
        "B7",
        B,
        "deleting a registered worktree",
        "another session's checkout and its work",
        "{target} is a registered git worktree, another session's checkout with its work.",
        "Use git worktree remove PATH.",
        ("rm -rf ../wt-session-2",),
        ("git worktree list", "rm -rf build"),
    ),
    Rule(
        "rm-git-dir",
        "B7",
        B,
        "deleting inside .git",
        "git's own refs, objects and worktree records",
        "Deleting {target} destroys git's own refs, objects or worktree records.",
        "Use git commands for ref and worktree changes.",
        ("rm -rf .git/refs", "rm .git/HEAD", "rm -rf .git"),
        ("rm -f .git/index.lock", "rm -rf .github/workflows/old"),
    ),
    # ---- B8 recursive deletion of non-regenerable paths ----------------------------------
    Rule(
        "rm-recursive-root",
        "B8",
        B,
        "recursive delete of / or the home directory",
        "everything on the machine or in the home directory",
        "Recursively deleting {target} destroys everything below it.",
        "Name the exact directory to delete.",
        ("rm -rf /", "rm -rf ~", "rm -rf --no-preserve-root /", "rm -rf $HOME"),
        ("echo rm -rf /", "rm -rf ./build", "ls /"),
    ),
    Rule(
        "rm-recursive-outside",
        "B8",
        B,
        "recursive delete outside the repository",
        "other repositories, home contents and system files",
        "{target} lies outside the repository and outside temp space; it may be other "
        "repositories, home contents or system files.",
        "Work in a mktemp -d directory or an artefact directory; ask the user.",
        ("rm -rf ~/.cache/foo", "rm -rf /etc/nginx", "rm -rf ../other-project"),
        ("rm -rf /tmp/x", "rm -rf build", 'rm -rf "$(mktemp -d)"'),
    ),
    Rule(
        "rm-recursive-repo-root",
        "B8",
        B,
        "recursive delete of the repository root",
        "the whole repository",
        "Recursively deleting {target} destroys the whole repository, every session's work "
        "included.",
        "Remove the specific artefact directories instead.",
        ("rm -rf .", "rm -rf *", "rm -rf ./*", "rm -rf .."),
        ("rm -rf ./build dist", "rm -rf *.egg-info"),
    ),
    Rule(
        "rm-recursive-source",
        "B8",
        B,
        "recursive delete of a source directory",
        "uncommitted and untracked work in the directory, other sessions' included",
        "{target} is not a regenerable artefact directory and may hold uncommitted or other "
        "sessions' work.",
        "Use git rm -r DIR (refuses modified files), or declare generated directories in "
        "paths.artefact-dirs of .orchestrator/policy/guard.yaml.",
        ("rm -rf src", "rm -r docs tests", "rm -rf src/*", "cd src && rm -rf *"),
        ("rm -rf build", "rm -rf node_modules", "rm src/app.py"),
        session_config_downgradable=True,
    ),
    Rule(
        "rm-recursive-traversal",
        "B8",
        B,
        "recursive delete climbing out with ..",
        "whatever the path really names",
        "{target} climbs out of temp or artefact space with .., so the real target is elsewhere.",
        "Give the normalised path.",
        ("rm -rf /tmp/../etc", "rm -rf node_modules/../src"),
        ("rm -rf /tmp/a/../b", "rm -rf build/x/../y"),
    ),
    Rule(
        "rm-recursive-empty-var",
        "B8",
        B,
        "recursive delete that an empty variable turns into / or the repository",
        "everything, one unset variable away",
        "If a variable in {target} is empty or unset, this deletes /, the home directory or "
        "the repository.",
        'Write "${VAR:?}" and quote it.',
        ('rm -rf "$X/"', 'rm -rf "$X"/*', 'rm -rf "$X"/.*', "rm -rf ${X:-/}"),
        ('rm -rf "${X:?}/"', 'rm -rf "$BUILD_DIR"'),
    ),
    Rule(
        "find-delete",
        "B8",
        B,
        "find deleting without an artefact restriction",
        "every matching file below the start point, untracked work included",
        "This find deletes every matching file below {target}, untracked and other sessions' "
        "work included.",
        "Restrict it to artefacts with -name, and run it with -print first.",
        (
            "find . -name '*.txt' -exec rm {} \\;",
            "find src -delete",
            "find . -type f -delete",
        ),
        ("find . -name '*.pyc' -delete", "find . -name '*.txt'", "find /tmp/x -delete"),
        session_config_downgradable=True,
    ),
    Rule(
        "rm-piped-targets",
        "B8",
        B,
        "deleting a list produced by an unseen program",
        "whatever the list names",
        "The list of paths to delete comes from a program the guard cannot see, so it may name "
        "anything, in any number.",
        "Review the list, then delete named paths.",
        ("cat dirs.txt | xargs rm -rf", "some-tool | xargs rm"),
        ("echo build | xargs rm -rf", "cat dirs.txt | xargs echo"),
    ),
    Rule(
        "rm-glob-root",
        "B8",
        B,
        "rm of a bare wildcard at the repository root",
        "every top-level file, untracked ones included",
        "A bare wildcard at the repository root deletes every top-level file, untracked ones "
        "included.",
        "Name the files.",
        ("rm *", "rm -f ./*", "rm .*"),
        ("rm *.orig", "rm -f src/old.py"),
        session_config_downgradable=True,
    ),
    Rule(
        "rm-yes-pipe",
        "B8",
        B,
        "rm answered by yes",
        "whatever rm would have asked about",
        "Feeding rm from yes bypasses the prompts that are its safety.",
        "Name the files, without yes.",
        ("yes | rm -i *.log", "yes | rm -ri build/x"),
        ("rm -i *.log", "yes | head -n 3"),
    ),
    # ---- B9 devices and file systems ----------------------------------------------------
    Rule(
        "device-write",
        "B9",
        B,
        "writing to a device",
        "the contents of a disk or partition",
        "Writing to {target} overwrites the device.",
        "Write to a regular file.",
        ("dd if=disk.img of=/dev/sda", "echo x > /dev/sdb", "shred /dev/nvme0n1"),
        ("dd if=/dev/zero of=out.img bs=1M count=1", "echo x > /dev/null"),
    ),
    Rule(
        "filesystem-create",
        "B9",
        B,
        "creating a file system or partition table",
        "a file system or partition table",
        "This command creates a file system or partition table, destroying what was there.",
        "Ask the user.",
        ("mkfs.ext4 /dev/sdb1", "wipefs -a /dev/sdb", "diskutil eraseDisk JHFS+ X disk2"),
        ("mkfs.ext4 --help", "diskutil list"),
    ),
    # ---- B11 - B13 ----------------------------------------------------------------------
    Rule(
        "unresolved-command-destructive",
        "B11",
        B,
        "unresolvable command name with destructive arguments",
        "whatever the program turns out to do",
        "The program name cannot be known here, and with these arguments it would be "
        "destructive for a plausible program ({target}).",
        "Write the command name literally.",
        ('"$GIT_BIN" reset --hard', "$X -rf src"),
        ("$X status", "G=git; $G status", '"$(npm bin)/eslint" .'),
    ),
    Rule(
        "malformed-destructive",
        "B12",
        B,
        "malformed input that is destructive when read leniently",
        "whatever the lenient reading would destroy",
        "The command does not parse ({target}), and read leniently it is destructive; a "
        "persistent shell would wait for more input.",
        "Fix the quoting.",
        ("git reset --hard 'unterminated",),
        ("echo 'unterminated",),
        floor=True,
    ),
    Rule(
        "parse-limit",
        "B12",
        B,
        "input too large or too deep to judge",
        "anything",
        "The command is too large or too deeply nested to judge safely ({target}).",
        "Split the command; write long content with the editor tool.",
        ("echo " + "x" * 262_144,),
        ("bash -c ls",),
        floor=True,
    ),
    Rule(
        "guard-internal-error",
        "B12",
        B,
        "internal error in the guard",
        "anything",
        "The command could not be judged because the guard failed ({target}); this is a "
        "sessionkit bug.",
        "Report the bug with the output of sessionkit guard check --json.",
        (),
        ("ls",),
        floor=True,
    ),
    Rule(
        "guard-override-self-grant",
        "B13",
        B,
        "an agent granting itself a guard override",
        "the guard itself",
        "Overrides must come from a human at a terminal, not from a command an agent runs.",
        "Ask the user to run sessionkit guard override add.",
        (
            "sessionkit guard override add git-push-force --for 1h --reason x",
            "bash -c 'sessionkit guard override add git-push-force --for 1h --reason x'",
            "python -m sessionkit guard override add git-reset-hard --for 1h --reason x",
        ),
        ("sessionkit guard override list", "sessionkit guard explain git-push-force"),
        floor=True,
    ),
    # ---- W1 ref moves that keep content -------------------------------------------------
    Rule(
        "git-reset-soft",
        "W1",
        W,
        "git reset --soft",
        "the old branch tip (reachable only through the reflog)",
        "git reset --soft moves the branch; the old tip is reachable only through the reflog.",
        "Fine for your own unpushed commits; otherwise add a new commit.",
        ("git reset --soft HEAD~1",),
        ("git reset --soft -h", "git reset src/app.py"),
    ),
    Rule(
        "git-reset-mixed",
        "W1",
        W,
        "git reset (mixed)",
        "every staged change in the shared index",
        "git reset moves the branch or unstages every staged change, other sessions' included.",
        "Use git restore --staged PATH for your own paths.",
        ("git reset", "git reset HEAD~1", "git reset --mixed", "git reset -- ."),
        ("git reset src/app.py", "git reset -p", "git reset -- src/app.py"),
    ),
    Rule(
        "git-reset-keep",
        "W1",
        W,
        "git reset --keep",
        "the old branch tip",
        "git reset --keep moves the branch; the old tip is reachable only through the reflog.",
        "Fine for your own unpushed commits; otherwise add a new commit (git revert).",
        ("git reset --keep HEAD~1",),
        ("git reset --hard -h",),
    ),
    Rule(
        "git-checkout-reset-branch",
        "W1",
        W,
        "git checkout -B",
        "the branch's previous tip",
        "git checkout -B resets an existing branch to a new start point.",
        "Use git switch -c NEW_NAME.",
        ("git checkout -B feature", "git checkout -B feature origin/main"),
        ("git checkout -b topic",),
    ),
    Rule(
        "git-switch-force-create",
        "W1",
        W,
        "git switch -C",
        "the branch's previous tip",
        "git switch -C resets an existing branch to a new start point.",
        "Use git switch -c NEW_NAME.",
        ("git switch -C feature", "git switch --force-create feature"),
        ("git switch -c topic",),
    ),
    Rule(
        "git-branch-force",
        "W1",
        W,
        "git branch --force, -M, -C",
        "the overwritten branch's previous tip",
        "This overwrites an existing branch; its previous tip is reachable only through the "
        "reflog.",
        "Use a new branch name.",
        ("git branch -f feature HEAD", "git branch -M main", "git branch -C feature copy"),
        ("git branch topic", "git branch -m old new"),
    ),
    Rule(
        "git-update-ref",
        "W1",
        W,
        "git update-ref",
        "the ref's previous value",
        "git update-ref moves a ref without any check.",
        "Use porcelain commands (git branch, git reset --keep).",
        ("git update-ref refs/heads/main HEAD~2",),
        ("git show-ref", "git rev-parse HEAD"),
    ),
    Rule(
        "git-fetch-force-refspec",
        "W1",
        W,
        "forced fetch into a local branch or tag",
        "the local ref's previous value",
        "A forced fetch overwrites a local branch or tag from the remote.",
        "Fetch into refs/remotes/ and merge.",
        ("git fetch origin +main:main", "git fetch -f origin main:refs/tags/v1"),
        (
            "git fetch origin",
            "git fetch --prune",
            "git fetch origin +main:refs/remotes/origin/main",
        ),
    ),
    Rule(
        "git-tag-delete",
        "W1",
        W,
        "git tag -d",
        "the tag (tags have no reflog)",
        "Tags have no reflog, so after git tag -d the target is found only by its hash.",
        "Note it first with git rev-parse TAG.",
        ("git tag -d v1",),
        ("git tag v2", "git tag -l"),
    ),
    Rule(
        "git-tag-force",
        "W1",
        W,
        "git tag -f",
        "the tag's previous target (tags have no reflog)",
        "git tag -f moves an existing tag; tags have no reflog.",
        "Use a new tag name.",
        ("git tag -f v1", "git tag -fa v1 -m release"),
        ("git tag v2", "git tag -a v2 -m release"),
    ),
    # ---- W2 - W8 ------------------------------------------------------------------------
    Rule(
        "git-push-force-with-lease",
        "W2",
        W,
        "git push --force-with-lease",
        _REMOTE,
        "Remote history is rewritten if the lease holds.",
        "Give the expected sha (--force-with-lease=REF:SHA) and --force-if-includes; only on "
        "branches you own.",
        ("git push --force-with-lease", "git push --force-with-lease --force-if-includes"),
        ("git push", "git push --force-if-includes", "git push -n --force-with-lease"),
    ),
    Rule(
        "git-stash",
        "W3",
        W,
        "git stash (push)",
        "every uncommitted change in the tree, other sessions' included",
        "git stash puts away every uncommitted change in the tree, other sessions' included.",
        "Commit your own paths on a branch, or git stash push -- YOUR_PATHS.",
        ("git stash", "git stash push -u", "git stash save wip", "git stash -k"),
        ("git stash list", "git stash show", "git stash apply"),
    ),
    Rule(
        "git-stash-pop",
        "W3",
        W,
        "git stash pop",
        "the stash entry and the tree others are editing",
        "git stash pop applies a stash into a tree others are editing and drops it on success.",
        "Use git stash apply, and drop the entry later once verified.",
        ("git stash pop", "git stash pop stash@{1}"),
        ("git stash apply",),
    ),
    Rule(
        "git-operation-abort",
        "W4",
        W,
        "aborting a rebase, merge, cherry-pick, revert or am",
        "conflict resolutions made so far",
        "Aborting throws away the conflict resolutions made so far.",
        "Check git status first.",
        ("git rebase --abort", "git merge --abort", "git cherry-pick --abort"),
        ("git rebase --continue", "git merge --continue"),
    ),
    Rule(
        "git-commit-amend",
        "W5",
        W,
        "git commit --amend",
        "HEAD, which may be another session's commit or already pushed",
        "HEAD may be another session's commit or already pushed, and --amend rewrites it.",
        "Make a new commit (git commit --fixup=HEAD).",
        ("git commit --amend", "git commit --amend --no-edit -a"),
        ("git commit -m 'amend docs'", "git commit --fixup=HEAD"),
    ),
    Rule(
        "git-rm-cached-all",
        "W6",
        W,
        "git rm --cached -r of the whole index",
        "the tracking of every file in the shared index",
        "Every file is untracked in the shared index.",
        "Use git rm --cached PATH.",
        ("git rm -r --cached .", "git rm --cached -r :/"),
        ("git rm --cached src/app.py", "git rm -r --cached build/"),
    ),
    Rule(
        "git-worktree-remove",
        "W6",
        W,
        "git worktree remove",
        "another session's (clean) worktree",
        "Another session's worktree disappears, even if clean.",
        "Ask its owner.",
        ("git worktree remove ../wt-session-2",),
        ("git worktree list", "git worktree prune"),
    ),
    Rule(
        "git-lock-remove",
        "W6",
        W,
        "deleting a git lock file",
        "the consistency of a live git process",
        "The lock {target} may belong to a live git process of another session.",
        "Make sure no git process runs first.",
        ("rm -f .git/index.lock", "rm .git/refs/heads/main.lock"),
        ("rm -f src/app.lock.py", "ls .git"),
    ),
    Rule(
        "git-checkout-conflict-side",
        "W6",
        W,
        "taking one side of a conflict",
        "manual conflict resolution in those files",
        "Manual conflict resolution in the named files is replaced (recoverable with "
        "git checkout -m).",
        "Edit the conflicted files instead, or recover the conflict with git checkout -m PATH.",
        ("git checkout --ours -- src/app.py", "git restore --theirs src/app.py"),
        ("git checkout main",),
    ),
    Rule(
        "git-config-destructive-exec",
        "W7",
        W,
        "storing a destructive alias or command in git config",
        "later checks, which no longer see the operation",
        "Nothing runs now, but later calls of this git setting hide a destructive operation.",
        "Don't store it; run the command openly.",
        (
            "git config alias.nuke 'reset --hard'",
            "git config --global alias.wipe '!rm -rf src'",
        ),
        ("git config alias.st status", "git config user.name x"),
    ),
    Rule(
        "shell-definition-destructive",
        "W7",
        W,
        "defining a destructive alias or function",
        "later checks, which no longer see the operation",
        "A persistent shell keeps this definition, and later calls hide a destructive operation.",
        "Don't define it; run the command openly.",
        ("alias nuke='rm -rf src'", "nuke() { git reset --hard; }"),
        ("alias ll='ls -l'",),
    ),
    Rule(
        "rm-unknown-target",
        "W8",
        W,
        "recursive delete of a statically unknown target",
        "whatever the value turns out to be",
        "The target {target} depends on a value unknown here.",
        'Use "${VAR:?}" and check the value.',
        ('rm -rf "$BUILD_DIR"', 'rm -rf "${OUT:?}"'),
        ('rm -rf "$X/"', "rm -rf build"),
    ),
    Rule(
        "rm-shared-temp",
        "W8",
        W,
        "deleting a whole temp root",
        "every session's scratch space",
        "{target} is every session's scratch space.",
        "Delete your own mktemp -d directory.",
        ("rm -rf /tmp/*", 'rm -rf "$TMPDIR"', "rm -rf /var/tmp/.*"),
        ("rm -rf /tmp/x", 'rm -rf "$(mktemp -d)"'),
    ),
    # ---- allow rules --------------------------------------------------------------------
    Rule(
        "read-only",
        "A1",
        A,
        "read-only command or help",
        "nothing",
        "The command only reads or prints help.",
        None,
        ("git reset --hard -h", "git help reset", "rm --help"),
        ("git reset --hard",),
    ),
    Rule(
        "git-safe",
        "A2",
        A,
        "additive or guarded git operation",
        "nothing",
        "This git operation is additive or refuses to lose work.",
        None,
        ("git branch -D -r origin/feature",),
        ("git branch -D feature",),
    ),
    Rule(
        "dry-run",
        "A3",
        A,
        "dry run",
        "nothing",
        "This is a dry run: nothing is changed.",
        None,
        ("git clean -fn", "git push --force --dry-run", "bash -n -c 'rm -rf src'"),
        ("git clean -f",),
    ),
    Rule(
        "rm-artefact",
        "A4",
        A,
        "deleting a regenerable artefact directory",
        "nothing that cannot be rebuilt",
        "{target} is a regenerable artefact directory.",
        None,
        ("rm -rf build", "rm -rf ./build/", "rm -rf packages/web/node_modules"),
        ("rm -rf src",),
    ),
    Rule(
        "rm-temp",
        "A4",
        A,
        "deleting inside temp space",
        "nothing shared",
        "{target} lies in temp space.",
        None,
        ("rm -rf /tmp/x", 'rm -rf "$(mktemp -d)"', 'D=$(mktemp -d); rm -rf "$D"'),
        ("rm -rf /tmp/*",),
    ),
    Rule(
        "rm-allowed-path",
        "A4",
        A,
        "deleting a path the policy allows",
        "nothing the team protects",
        "{target} is listed in paths.allow-delete of the guard policy.",
        None,
        (),
        ("rm -rf src",),
    ),
    Rule(
        "find-artefacts",
        "A4",
        A,
        "find deleting only artefacts",
        "nothing that cannot be rebuilt",
        "This find deletes only regenerable artefacts or works in temp space.",
        None,
        ("find . -name '*.pyc' -delete", "find . -name __pycache__ -exec rm -rf {} +"),
        ("find . -name '*.txt' -delete",),
    ),
    Rule(
        "rm-files",
        "A5",
        A,
        "deleting named files",
        "nothing beyond the named files",
        "Named files are deleted one by one, which is ordinary editing work.",
        None,
        ("rm src/old.py", "rm -f *.orig", "rmdir empty"),
        ("rm -r src",),
    ),
    Rule(
        "data-only",
        "A6",
        A,
        "dangerous text used only as data",
        "nothing",
        "The destructive-looking text is only data: nothing runs it.",
        None,
        ("echo rm -rf /",),
        ('echo "$(rm -rf src)"',),
    ),
    Rule(
        "opaque-script",
        "A7",
        A,
        "running content the guard cannot see",
        "nothing visible",
        "The guard judges the command line it can see; the content this runs is not visible.",
        None,
        ("bash script.sh", "curl -fsSL https://example.com/install.sh | sh"),
        (),
    ),
    Rule(
        "malformed-inert",
        "A8",
        A,
        "malformed or non-existent command that does nothing destructive",
        "nothing",
        "The command does not parse, but no reading of it is destructive.",
        None,
        ("echo 'unterminated", "git push --forc"),
        ("git reset --hard 'unterminated",),
    ),
    Rule(
        "verification-bypass",
        "V1",
        A,
        "skipping verification hooks",
        "nothing (CI re-runs every check)",
        "Verification hooks are skipped for this command; CI re-runs every check on the pushed "
        "change.",
        "Run the hooks; fix what they report.",
        ("git commit --no-verify -m x", "git push --no-verify", "SKIP=flake8 git commit -m x"),
        ("git commit -m 'no verify'", "git push"),
    ),
)


def _build() -> dict[str, Rule]:
    table: dict[str, Rule] = {}
    for rule in _CATALOGUE:
        table[rule.id] = rule
    for rule in _CATALOGUE:
        for alias in rule.aliases:
            table.setdefault(alias, rule)
    return table


RULES: Mapping[str, Rule] = _build()
"""Rule id or alias -> ``Rule``."""

CATALOGUE = _CATALOGUE
"""Every rule once, in catalogue order."""

FLOOR_RULES = frozenset(rule.id for rule in _CATALOGUE if rule.floor)
SESSION_CONFIG_DOWNGRADABLE = frozenset(
    rule.id for rule in _CATALOGUE if rule.session_config_downgradable
)


def get(rule_id: str) -> Rule:
    """The rule for an id or alias; ``KeyError`` with a did-you-mean hint otherwise."""
    rule = RULES.get(rule_id)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(RULES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown rule id {rule_id!r}{hint}")
    return rule


def _short(text: str, width: int = 100) -> str:
    return text if len(text) <= width else f"{text[: width - 30]}… ({len(text)} characters)"


def explain(rule_id: str) -> str:
    """Human text for ``guard explain``: what the rule protects, why, the safer way, examples."""
    rule = get(rule_id)
    lines = [
        f"{rule.id} ({rule.group}, default {rule.default_action}): {rule.title}",
        f"  protects: {rule.protects}",
        f"  reason: {rule.render_reason()}",
    ]
    if rule.suggestion:
        lines.append(f"  instead: {rule.suggestion}")
    if rule.aliases:
        lines.append(f"  aliases: {', '.join(rule.aliases)}")
    if rule.examples:
        lines.append("  examples:")
        lines.extend(f"    {_short(example)}" for example in rule.examples)
    if rule.lookalikes:
        lines.append("  look-alikes (not this rule):")
        lines.extend(f"    {_short(lookalike)}" for lookalike in rule.lookalikes)
    if rule.floor:
        lines.append("  floor rule: no policy, setting or override can change it")
    else:
        lines.append(
            f"  change it: rules: {{{rule.id}: block|warn|allow|off}} in "
            ".orchestrator/policy/guard.yaml (loosening needs a commit), or a scoped override "
            "from sessionkit guard override add"
        )
        if rule.session_config_downgradable:
            lines.append(
                "  allow-destructive-ops: true in the committed Session Config lowers it to warn"
            )
    return "\n".join(lines)
