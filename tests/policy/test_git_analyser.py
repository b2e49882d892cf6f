"""The git analyser (guard.md §7.2): every cell of §7.2.5, option grammar, ref-or-path."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkit.policy.analysers import git as git_analyser
from sessionkit.policy.command import Stdin
from sessionkit.policy.values import Lit, Unknown, Value, lit
from tests.policy.recordkit import build_repo, context, glob, record, rules, word


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("git-analyser"))


# (command, expected findings as "rule:action" strings; "" means no finding)
CELLS = [
    # reset
    ("git reset --hard", "git-reset-hard:block"),
    ("git reset --hard HEAD~1", "git-reset-hard:block"),
    ("git reset HEAD~1 --hard", "git-reset-hard:block"),
    ("git reset --merge", "git-reset-merge:block"),
    ("git reset --keep HEAD~1", "git-reset-keep:warn"),
    ("git reset --soft HEAD~1", "git-reset-soft:warn"),
    ("git reset", "git-reset-mixed:warn"),
    ("git reset --mixed", "git-reset-mixed:warn"),
    # OPT_SET_INT: any --no-MODE sets the mode back to none, a mixed reset
    ("git reset --hard --no-hard HEAD~1", "git-reset-mixed:warn"),
    ("git reset --merge --no-merge HEAD~1", "git-reset-mixed:warn"),
    ("git reset --hard --no-soft HEAD~1", "git-reset-mixed:warn"),
    ("git reset --no-hard --hard", "git-reset-hard:block"),
    ("git reset HEAD~1", "git-reset-mixed:warn"),
    ("git reset feature", "git-reset-mixed:warn"),
    ("git reset -- .", "git-reset-mixed:warn"),
    ("git reset .", "git-reset-mixed:warn"),
    ("git reset src/app.py", ""),
    ("git reset HEAD -- src/app.py", ""),
    ("git reset -p", ""),
    ("git reset --soft --hard", "git-reset-hard:block"),
    ("git reset --hard --soft", "git-reset-soft:warn"),
    # checkout
    ("git checkout -f main", "git-checkout-force:block"),
    ("git checkout --force -b topic", "git-checkout-force:block"),
    ("git checkout -fb topic", "git-checkout-force:block"),
    ("git checkout .", "git-checkout-pathspec:block"),
    ("git checkout -- src/app.py", "git-checkout-pathspec:block"),
    ("git checkout src/app.py", "git-checkout-pathspec:block"),
    ("git checkout HEAD -- src/", "git-checkout-pathspec:block"),
    ("git checkout feature src/app.py", "git-checkout-pathspec:block"),
    ("git checkout -p", "git-checkout-pathspec:block"),
    ("git checkout --ours -- src/app.py", "git-checkout-conflict-side:warn"),
    ("git checkout --theirs src/app.py", "git-checkout-conflict-side:warn"),
    ("git checkout -m -- src/app.py", "git-checkout-conflict-side:warn"),
    ("git checkout --conflict=diff3 src/app.py", "git-checkout-conflict-side:warn"),
    ("git checkout --ours -- src", "git-checkout-pathspec:block"),
    ("git checkout --theirs .", "git-checkout-pathspec:block"),
    ("git checkout -B feature", "git-checkout-reset-branch:warn"),
    ("git checkout main", ""),
    ("git checkout feature", ""),
    ("git checkout -", ""),
    ("git checkout -b topic", ""),
    # --track names the new branch's upstream: its operand is a start point, never a path
    ("git checkout --track origin/src/app.py", ""),
    ("git checkout -t origin/README.md", ""),
    ("git checkout --track=direct origin/app.py", ""),
    ("git checkout --track origin/topic src/app.py", "git-checkout-pathspec:block"),
    ("git checkout --track -- src/app.py", "git-checkout-pathspec:block"),
    ("git checkout --no-track src/app.py", "git-checkout-pathspec:block"),
    ("git checkout -b topic origin/main", ""),
    ("git checkout -t origin/feature", ""),
    ("git checkout --detach", ""),
    ("git checkout --orphan fresh", ""),
    ("git checkout", ""),
    # restore
    ("git restore .", "git-restore-worktree:block"),
    ("git restore src/app.py", "git-restore-worktree:block"),
    ("git restore -W src/app.py", "git-restore-worktree:block"),
    ("git restore --staged --worktree .", "git-restore-worktree:block"),
    ("git restore -SW .", "git-restore-worktree:block"),
    ("git restore -p", "git-restore-worktree:block"),
    ("git restore --source=HEAD~1 src/app.py", "git-restore-worktree:block"),
    ("git restore --ours src/app.py", "git-checkout-conflict-side:warn"),
    ("git restore --staged src/app.py", ""),
    ("git restore -S .", ""),
    ("git restore -S --source HEAD~1 .", ""),
    ("git restore -S -p", ""),
    ("git restore", ""),
    # switch
    ("git switch -f main", "git-switch-discard:block"),
    ("git switch --force main", "git-switch-discard:block"),
    ("git switch --discard-changes main", "git-switch-discard:block"),
    ("git switch -C feature", "git-switch-force-create:warn"),
    ("git switch --force-create feature", "git-switch-force-create:warn"),
    ("git switch main", ""),
    ("git switch -c topic", ""),
    ("git switch -", ""),
    # clean
    ("git clean -f", "git-clean-force:block"),
    ("git clean -fdx", "git-clean-force:block"),
    ("git clean -xdf", "git-clean-force:block"),
    ("git clean -d -f", "git-clean-force:block"),
    ("git clean --force -d", "git-clean-force:block"),
    ("git clean --forc", "git-clean-force:block"),
    ("git clean -fX", "git-clean-force:block"),
    ("git clean -i", "git-clean-force:block"),
    ("git clean --interactive", "git-clean-force:block"),
    ("git clean -fn", "dry-run:allow"),
    ("git clean -f --dry-run", "dry-run:allow"),
    ("git clean -n -f -d", "dry-run:allow"),
    ("git clean -n", "dry-run:allow"),
    ("git clean -d", ""),
    ("git clean -x", ""),
    ("git clean --force --no-force", ""),
    # rm
    ("git rm -f src/app.py", "git-rm-force:block"),
    ("git rm -rf src", "git-rm-force:block"),
    ("git rm --force src/app.py", "git-rm-force:block"),
    ("git rm -r --cached .", "git-rm-cached-all:warn"),
    ("git rm --cached -r :/", "git-rm-cached-all:warn"),
    ("git rm --cached src/app.py", ""),
    ("git rm --cached -f src/app.py", ""),
    ("git rm src/app.py", ""),
    ("git rm -n -f src/app.py", ""),
    ("git rm -r --cached build/", ""),
    # push
    ("git push --force", "git-push-force:block"),
    ("git push -f", "git-push-force:block"),
    ("git push origin main --force", "git-push-force:block"),
    ("git push origin HEAD -f", "git-push-force:block"),
    ("git push -uf origin topic", "git-push-force:block"),
    ("git push -fu origin topic", "git-push-force:block"),
    ("git push --force-with-lease --force origin main", "git-push-force:block"),
    ("git push --force --force-with-lease origin main", "git-push-force:block"),
    ("git push origin +main", "git-push-plus-refspec:block"),
    ("git push origin +HEAD:main", "git-push-plus-refspec:block"),
    ("git push --force-with-lease origin +main", "git-push-plus-refspec:block"),
    ("git push --mirror", "git-push-mirror:block"),
    ("git push --mirror origin", "git-push-mirror:block"),
    ("git push origin --delete topic", "git-push-delete:block"),
    ("git push -d origin topic", "git-push-delete:block"),
    ("git push origin :topic", "git-push-delete:block"),
    ("git push --prune origin refs/heads/*:refs/heads/*", "git-push-prune:block"),
    ("git push --force-with-lease", "git-push-force-with-lease:warn"),
    ("git push --force-with-lease=main:abc123 origin main", "git-push-force-with-lease:warn"),
    ("git push --force-with-lease --force-if-includes", "git-push-force-with-lease:warn"),
    ("git push --force --dry-run", "dry-run:allow"),
    ("git push -n --force origin main", "dry-run:allow"),
    ("git push -nf origin main", "dry-run:allow"),
    ("git push --mirror --dry-run", "dry-run:allow"),
    ("git push --force --no-force", ""),
    ("git push", ""),
    ("git push -u origin topic", ""),
    ("git push --tags", ""),
    ("git push --follow-tags origin main", ""),
    ("git push origin main:main", ""),
    ("git push --force-if-includes", ""),
    ("git push --no-verify", "verification-bypass:allow"),
    ("git push --forc", "malformed-inert:allow"),
    # stash
    ("git stash", "git-stash:warn"),
    ("git stash push", "git-stash:warn"),
    ("git stash push -u", "git-stash:warn"),
    ("git stash save wip", "git-stash:warn"),
    ("git stash -u", "git-stash:warn"),
    ("git stash -k", "git-stash:warn"),
    ("git stash -p", "git-stash:warn"),
    ("git stash -m wip", "git-stash:warn"),
    ("git stash -- src/app.py", "git-stash:warn"),
    ("git stash pop", "git-stash-pop:warn"),
    ("git stash drop", "git-stash-drop:block"),
    ("git stash drop stash@{1}", "git-stash-drop:block"),
    ("git stash clear", "git-stash-clear:block"),
    ("git stash list", ""),
    ("git stash show", ""),
    ("git stash apply", ""),
    ("git stash branch keep", ""),
    ("git stash create", ""),
    # branch
    ("git branch -D feature", "git-branch-force-delete:block"),
    ("git branch -d -f feature", "git-branch-force-delete:block"),
    ("git branch --delete --force feature", "git-branch-force-delete:block"),
    ("git branch -df feature", "git-branch-force-delete:block"),
    ("git branch -D -r origin/feature", "git-safe:allow"),
    ("git branch -d -r origin/feature", ""),
    ("git branch -f feature HEAD", "git-branch-force:warn"),
    ("git branch -M main", "git-branch-force:warn"),
    ("git branch -C feature copy", "git-branch-force:warn"),
    ("git branch -d feature", ""),
    ("git branch -m old new", ""),
    ("git branch -c feature copy", ""),
    ("git branch -a", ""),
    ("git branch topic", ""),
    ("git branch -u origin/main", ""),
    # update-ref
    ("git update-ref -d refs/heads/feature", "git-update-ref-delete:block"),
    ("git update-ref refs/heads/main HEAD~2", "git-update-ref:warn"),
    # reflog
    ("git reflog expire --expire=now --all", "git-reflog-expire:block"),
    ("git reflog delete HEAD@{1}", "git-reflog-delete:block"),
    ("git reflog expire -n --expire=now --all", "dry-run:allow"),
    ("git reflog expire --dry-run --all", "dry-run:allow"),
    ("git reflog", ""),
    ("git reflog show", ""),
    ("git reflog list", ""),
    ("git reflog exists HEAD", ""),
    # gc, prune
    ("git gc --prune=now", "git-gc-prune:block"),
    ("git gc --prune=all", "git-gc-prune:block"),
    ("git gc --prune=never", ""),
    ("git gc", ""),
    ("git gc --aggressive", ""),
    ("git gc --auto", ""),
    ("git -c gc.reflogExpire=now gc", "git-gc-prune:block"),
    ("git -c gc.pruneExpire=never gc", ""),
    ("git prune", "git-prune:block"),
    ("git prune --expire=now", "git-prune:block"),
    ("git prune -n", "dry-run:allow"),
    ("git worktree prune", ""),
    ("git remote prune origin", ""),
    ("git fetch --prune", ""),
    # filter-branch, filter-repo
    ("git filter-branch HEAD", "git-filter-branch:block"),
    ("git filter-branch --force HEAD", "git-filter-branch:block"),
    ("git filter-repo --path src/ --invert-paths", "git-filter-repo:block"),
    ("git filter-repo --analyze", "dry-run:allow"),
    ("git filter-repo --dry-run", "dry-run:allow"),
    # worktree
    ("git worktree remove -f ../wt", "git-worktree-remove-force:block"),
    ("git worktree remove --force ../wt", "git-worktree-remove-force:block"),
    ("git worktree remove ../wt", "git-worktree-remove:warn"),
    ("git worktree add ../wt2", ""),
    ("git worktree list", ""),
    ("git worktree lock ../wt", ""),
    ("git worktree move ../wt ../wt3", ""),
    ("git worktree repair", ""),
    # submodule
    ("git submodule update --force", "git-submodule-force:block"),
    ("git submodule update -f --init", "git-submodule-force:block"),
    ("git submodule deinit -f --all", "git-submodule-force:block"),
    ("git submodule --quiet deinit --force sub", "git-submodule-force:block"),
    ("git submodule update --init --recursive", ""),
    ("git submodule status", ""),
    # checkout-index, read-tree
    ("git checkout-index -a -f", "git-checkout-index-force:block"),
    ("git checkout-index -af", "git-checkout-index-force:block"),
    ("git checkout-index -a", ""),
    ("git read-tree -u --reset HEAD", "git-read-tree-reset:block"),
    ("git read-tree --reset -u HEAD", "git-read-tree-reset:block"),
    ("git read-tree -m HEAD", ""),
    ("git read-tree --reset HEAD", ""),
    # commit and operations
    ("git commit --amend", "git-commit-amend:warn"),
    ("git commit --amend --no-edit -a", "git-commit-amend:warn"),
    ("git commit --am", "git-commit-amend:warn"),
    ("git commit -m 'amend docs'", ""),
    ("git commit --fixup=HEAD", ""),
    ("git commit --no-verify -m x", "verification-bypass:allow"),
    ("git commit -n -m x", "verification-bypass:allow"),
    ("git rebase --abort", "git-operation-abort:warn"),
    ("git merge --abort", "git-operation-abort:warn"),
    ("git cherry-pick --abort", "git-operation-abort:warn"),
    ("git revert --abort", "git-operation-abort:warn"),
    ("git am --abort", "git-operation-abort:warn"),
    ("git rebase --continue", ""),
    ("git rebase main", ""),
    ("git merge feature", ""),
    ("git merge --no-verify feature", "verification-bypass:allow"),
    # fetch
    ("git fetch origin +main:main", "git-fetch-force-refspec:warn"),
    ("git fetch -f origin main:main", "git-fetch-force-refspec:warn"),
    # git expands remotes/… to refs/remotes/…: a remote-tracking ref, allowed
    ("git fetch origin +main:remotes/origin/main", ""),
    ("git fetch origin '+refs/heads/*:remotes/origin/*'", ""),
    ("git fetch origin +main:heads/main", "git-fetch-force-refspec:warn"),
    ("git fetch --force origin main:refs/tags/v1", "git-fetch-force-refspec:warn"),
    ("git fetch origin +main:refs/remotes/origin/main", ""),
    ("git fetch origin +main", ""),
    ("git fetch origin main:topic", ""),
    ("git fetch origin", ""),
    ("git fetch --prune origin", ""),
    # tag
    ("git tag -d v1", "git-tag-delete:warn"),
    ("git tag --delete v1", "git-tag-delete:warn"),
    ("git tag -f v1", "git-tag-force:warn"),
    ("git tag -fa v1 -m release", "git-tag-force:warn"),
    ("git tag v2", ""),
    ("git tag -l", ""),
    # read-only and other commands
    ("git status", ""),
    ("git log --grep 'reset --hard'", ""),
    ("git diff", ""),
    ("git add -A", ""),
    ("git pull --ff-only", ""),
    ("git pull --rebase --autostash", ""),
    ("git help reset", ""),
    ("git --version", ""),
    ("git -h", ""),
    # -h / --help anywhere
    ("git reset --hard -h", "read-only:allow"),
    ("git clean -fdx --help", "read-only:allow"),
    ("git push --force -h", "read-only:allow"),
    ("git branch -D x -h", "read-only:allow"),
    # global options and abbreviations
    ("git -C . reset --hard", "git-reset-hard:block"),
    ("git -c core.pager=cat reset --ha", "git-reset-hard:block"),
    ("git --git-dir=.git --work-tree=. reset --hard", "git-reset-hard:block"),
    ("git --no-pager -P --literal-pathspecs reset --hard", "git-reset-hard:block"),
    ("git -Cdir reset --hard", "git-reset-hard:block"),
    ("git RESET --hard", "git-reset-hard:block"),
    ("git reset --hard --end-of-options", "git-reset-hard:block"),
    ("git reset -- --hard", ""),
    ("git -c core.hooksPath=/dev/null commit -m x", "verification-bypass:allow"),
]


@pytest.mark.parametrize(("command", "expected"), CELLS, ids=[c for c, _ in CELLS])
def test_cell(repo: Path, command: str, expected: str) -> None:
    import shlex

    got = sorted(f"{rule}:{action}" for rule, action in rules(shlex.split(command), repo))
    want = sorted(expected.split()) if expected else []
    # recognised safe forms carry one explanatory allow finding (A1 read-only, A2 git-safe)
    explained = [g for g in got if g not in EXPLAINED or g in want]
    assert explained == want
    assert len(got) - len(explained) <= 1


EXPLAINED = ("git-safe:allow", "read-only:allow")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("git checkout main", "git-safe"),
        ("git restore --staged src/app.py", "git-safe"),
        ("git branch -d feature", "git-safe"),
        ("git gc", "git-safe"),
        ("git stash apply", "git-safe"),
        ("git stash list", "read-only"),
        ("git worktree list", "read-only"),
        ("git reflog", "read-only"),
        ("git branch", "read-only"),
        ("git help reset", "read-only"),
        ("git frobnicate --hard", "opaque-script"),
        ("git status", ""),
        ("git log -p", ""),
    ],
)
def test_safe_forms_are_explained(repo: Path, command: str, expected: str) -> None:
    got = [rule for rule, _action in rules(command, repo)]
    assert got == ([expected] if expected else [])


def test_dashed_program_is_the_subcommand(repo: Path) -> None:
    assert rules("git-reset --hard", repo) == [("git-reset-hard", "block")]
    assert rules("git-clean -fdx", repo) == [("git-clean-force", "block")]
    # programs that merely resemble git subcommands are other programs
    assert rules("git-lfs prune", repo) == []


def test_glob_refspec_in_push_prune_is_still_prune(repo: Path) -> None:
    got = rules(["git", "push", "--prune", "origin", glob("refs/heads/*:refs/heads/*")], repo)
    assert got == [("git-push-prune", "block")]


# ---- option parser -----------------------------------------------------------------------


def _parse(sub: str, *args: str) -> git_analyser.Parsed:
    return git_analyser.parse([lit(a, True) for a in args], git_analyser.table(sub))


def test_bundles_expand_and_value_options_take_the_rest() -> None:
    parsed = _parse("clean", "-fdxe", "pattern")
    assert parsed.on("force") and parsed.on("d") and parsed.on("x")
    assert [v.text for v in parsed.values("exclude")] == ["pattern"]
    parsed = _parse("checkout", "-fbtopic")
    assert parsed.on("force")
    assert [v.text for v in parsed.values("b")] == ["topic"]


def test_long_prefixes_exact_names_and_ambiguity() -> None:
    assert _parse("reset", "--har").last(("hard", "soft", "mixed")) == "hard"
    assert _parse("clean", "--forc").on("force")
    assert _parse("push", "--forc").ambiguous
    assert not _parse("push", "--force").ambiguous  # an exact name wins over prefixes
    assert _parse("push", "--force-w").on("force-with-lease")


def test_negation_and_last_wins() -> None:
    assert not _parse("push", "--force", "--no-force").on("force")
    assert _parse("push", "--no-force", "--force").on("force")
    assert not _parse("clean", "--force", "--no-forc").on("force")
    assert _parse("push", "--force", "--no-forc").ambiguous  # no-force, no-force-with-lease …
    assert _parse("commit", "--no-verify").on("no-verify")
    assert not _parse("commit", "--no-verify", "--verify").on("no-verify")


def test_options_after_operands_and_dashdash() -> None:
    parsed = _parse("reset", "HEAD~1", "--hard")
    assert parsed.on("hard")
    parsed = _parse("reset", "HEAD", "--", "--hard")
    assert not parsed.on("hard")
    assert [v.text for v in parsed.after_dashdash()] == ["--hard"]


def test_help_anywhere_and_unknown_options_kept() -> None:
    assert _parse("reset", "--hard", "-h").help
    assert _parse("reset", "--hard", "--help").help
    parsed = _parse("reset", "--hard", "--frobnicate")
    assert parsed.unknown == ["--frobnicate"] and parsed.on("hard")


def test_unknown_words_are_operands_never_options(repo: Path) -> None:
    # an unknown branch name cannot be a hidden -f
    got = rules(["git", "checkout", word(Unknown("$BRANCH"))], repo)
    assert got == [("git-safe", "allow")]
    # an unknown subcommand word is tried as every analysed subcommand (§10.2)
    got = rules(["git", word(Unknown("$SUB")), "--hard"], repo)
    assert got == [("unresolved-command-destructive", "block")]
    # no arguments: nothing any plausible subcommand would destroy without being told to
    assert rules(["git", word(Unknown("$SUB"))], repo) == []
    # deliberately strict: "status" is a pathspec for git restore
    assert rules(["git", word(Unknown("$SUB")), "status"], repo) == [
        ("unresolved-command-destructive", "block")
    ]


def test_every_table_parses() -> None:
    for name in git_analyser.spec_names():
        table = git_analyser.table(name)
        assert table.longs, name
        for short, long in table.shorts.items():
            assert long in table.longs, (name, short)


# ---- ref or path (§7.2.4) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operand", "expected"),
    [
        ("-", "ref"),
        ("@", "ref"),
        ("HEAD", "ref"),
        ("ORIG_HEAD", "ref"),
        ("HEAD~1", "ref"),
        ("main^", "ref"),
        ("main@{1}", "ref"),
        ("abc1234", "ref"),
        ("a" * 40, "ref"),
        (".", "path"),
        ("..", "path"),
        ("./src", "path"),
        ("src/", "path"),
        ("/abs/path", "path"),
        (":(top)src", "path"),
        (":/", "path"),
        ("feature", "ref"),
        ("v1", "ref"),
        ("src", "path"),
        ("docs", "path"),
        ("src/app.py", "path"),
        ("lib/missing.ts", "path"),
        ("v1.2.0", "ref"),
        ("2.0.1", "ref"),
        ("release-1.0", "ref"),
        ("README", "path"),
        ("Makefile", "path"),
        ("main", "ref"),
        ("feature/login", "ref"),
    ],
)
def test_ref_or_path(repo: Path, operand: str, expected: str) -> None:
    ctx = context(repo)
    assert git_analyser.classify(lit(operand, True), [str(repo)], ctx) == expected


def test_ref_or_path_in_an_empty_repository(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    import subprocess

    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    ctx = context(empty)
    assert git_analyser.classify(lit("main", True), [str(empty)], ctx) == "ref"
    assert git_analyser.classify(lit("src/app.py", True), [str(empty)], ctx) == "path"
    assert git_analyser.classify(lit("README", True), [str(empty)], ctx) == "path"
    assert git_analyser.classify(word(Unknown("$X")), [str(empty)], ctx) == "ref"


def test_existing_ref_wins_over_file_of_the_same_name(repo: Path, tmp_path: Path) -> None:
    # a packed ref counts as well as a loose one
    from tests.policy.recordkit import git

    git(repo, "branch", "app.py")
    git(repo, "pack-refs", "--all")
    ctx = context(repo)
    assert git_analyser.classify(lit("app.py", True), [str(repo)], ctx) == "ref"
    git(repo, "branch", "-D", "app.py")


# ---- configuration: aliases, keys that run commands, requireForce -------------------------


def test_alias_from_the_repository_config(repo: Path) -> None:
    from tests.policy.recordkit import git

    git(repo, "config", "alias.nuke", "reset --hard")
    git(repo, "config", "alias.st", "status")
    try:
        assert rules("git nuke", repo) == [("git-reset-hard", "block")]
        assert rules("git st", repo) == []
        assert rules("git unknown-external-tool", repo) == [("opaque-script", "allow")]
    finally:
        git(repo, "config", "--unset", "alias.nuke")
        git(repo, "config", "--unset", "alias.st")


def test_alias_through_an_include_file(repo: Path, tmp_path: Path) -> None:
    from tests.policy.recordkit import git

    included = tmp_path / "aliases.inc"
    included.write_text('[alias]\n\twipe = "clean -fdx"\n')
    git(repo, "config", "include.path", str(included))
    try:
        assert rules("git wipe", repo) == [("git-clean-force", "block")]
    finally:
        git(repo, "config", "--unset", "include.path")


def test_alias_set_with_dash_c_and_in_the_command(repo: Path) -> None:
    assert rules(["git", "-c", "alias.x=push --force", "x"], repo) == [("git-push-force", "block")]
    got = rules(["git", "y"], repo, git_config=[("alias.y", lit("stash drop", True))])
    assert got == [("git-stash-drop", "block")]


def test_require_force_false_makes_plain_clean_destructive(repo: Path) -> None:
    assert rules("git -c clean.requireForce=false clean -d", repo) == [("git-clean-force", "block")]
    assert rules("git clean -d", repo) == [("git-safe", "allow")]
    from tests.policy.recordkit import git

    git(repo, "config", "clean.requireForce", "false")
    try:
        assert rules("git clean -d", repo) == [("git-clean-force", "block")]
        assert rules("git clean -dn", repo) == [("dry-run", "allow")]
    finally:
        git(repo, "config", "--unset", "clean.requireForce")


def test_configured_mirror_and_push_refspecs(repo: Path) -> None:
    from tests.policy.recordkit import git

    git(repo, "config", "remote.origin.push", "+refs/heads/*:refs/heads/*")
    try:
        assert rules("git push", repo) == [("git-push-plus-refspec", "block")]
        assert rules("git push origin main", repo) == [("git-safe", "allow")]
    finally:
        git(repo, "config", "--unset", "remote.origin.push")
    git(repo, "config", "remote.origin.mirror", "true")
    try:
        assert rules("git push", repo) == [("git-push-mirror", "block")]
    finally:
        git(repo, "config", "--unset", "remote.origin.mirror")


def test_update_ref_stdin(repo: Path) -> None:
    deleting = Stdin("here-string", lit("delete refs/heads/feature\n", True))
    updating = Stdin("here-string", lit("update refs/heads/x HEAD\n", True))
    unknown = Stdin("pipe")
    assert rules("git update-ref --stdin", repo, stdin=deleting) == [
        ("git-update-ref-delete", "block")
    ]
    assert rules("git update-ref --stdin", repo, stdin=updating) == [("git-update-ref", "warn")]
    assert rules("git update-ref --stdin", repo, stdin=unknown) == [
        ("git-update-ref-delete", "block")
    ]


def test_verification_bypass_variables(repo: Path) -> None:
    bypass = ("verification-bypass", "allow")
    env = [("SKIP", lit("flake8", True))]
    assert bypass in rules("git commit -m x", repo, env=env)
    env = [("HUSKY", lit("0", True))]
    assert bypass in rules("git commit -m x", repo, env=env)
    env = [("HUSKY", lit("1", True))]
    assert bypass not in rules("git commit -m x", repo, env=env)


def test_exec_key_detection() -> None:
    assert git_analyser.is_exec_key("core.sshcommand")
    assert git_analyser.is_exec_key("pager.log")
    assert git_analyser.is_exec_key("diff.pdf.textconv")
    assert git_analyser.is_exec_key("filter.lfs.smudge")
    assert not git_analyser.is_exec_key("user.name")
    assert not git_analyser.is_exec_key("diff.renames")


def test_unknown_pieces_keep_git_strict(repo: Path) -> None:
    # a partly unknown long option value still names the option
    value = Value((Lit("--prune="), Unknown("$WHEN")))
    assert rules(["git", "gc", value], repo) == [("git-gc-prune", "block")]
    assert record(["git", "status"], repo).name == "git"


@pytest.mark.parametrize("option", ["--git-dir=", "--work-tree=", "--namespace=", "--exec-path="])
def test_a_global_option_with_an_unknown_value_is_still_an_option(repo: Path, option: str) -> None:
    # §10.2: unknown option values are unknown operands, never unknown options or subcommands
    value = Value((Lit(option), Unknown("$GD")))
    assert [r for r in rules(["git", value, "status"], repo) if r[1] != "allow"] == []
    assert ("git-reset-hard", "block") in rules(["git", value, "reset", "--hard"], repo)
    assert ("git-clean-force", "block") in rules(["git", value, "clean", "-fdx"], repo)


def test_an_unknown_word_before_the_subcommand_stays_unresolved(repo: Path) -> None:
    unknown_option = Value((Lit("--bogus="), Unknown("$X")))
    assert ("unresolved-command-destructive", "block") in rules(
        ["git", unknown_option, "reset", "--hard"], repo
    )
    assert ("unresolved-command-destructive", "block") in rules(
        ["git", Value((Unknown("$SUB"),)), "--hard"], repo
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ('git reset "$(git rev-parse --show-toplevel)"', ("warn", "git-reset-mixed")),
        ('git rm --cached -r "$(git rev-parse --show-toplevel)"', ("warn", "git-rm-cached-all")),
        ('git reset "$(git rev-parse --show-toplevel)/src"', ("allow", None)),
    ],
)
def test_the_repository_root_from_rev_parse_is_index_wide(
    repo: Path, command: str, expected: tuple[str, str | None]
) -> None:
    from sessionkit.policy.guard import check_command

    decision = check_command(command, cwd=str(repo))
    assert (decision.action, decision.rule_id) == expected
