"""Composition and fail-closed behaviour (guard.md §10, §11, §13), end to end through the walker."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionkit.policy import guard as guard_module
from sessionkit.policy.analysers import Context
from sessionkit.policy.command import Command
from sessionkit.policy.decision import Decision, Finding
from sessionkit.policy.guard import Guard, analyse_command, check_command, compose
from sessionkit.policy.paths import PathJudge
from sessionkit.policy.repofacts import RepoFacts
from sessionkit.policy.rules import CATALOGUE
from sessionkit.policy.values import lit
from tests.policy.recordkit import build_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("guard"))


@pytest.fixture(scope="module")
def guard(repo: Path) -> Guard:
    return Guard(repo)


def verdict(guard: Guard, command: str) -> tuple[str, str | None]:
    decision = guard.check(command)
    return decision.action, decision.rule_id


# ---- end to end: the shell front end and the analysers together ----------------------------


@pytest.mark.parametrize(
    ("command", "action", "rule"),
    [
        ('g\'i\'t re""set --ha"rd"', "block", "git-reset-hard"),
        ("$'\\x67\\x69\\x74' reset --hard", "block", "git-reset-hard"),
        ("echo hi#; git reset --hard", "block", "git-reset-hard"),
        ("ls # git reset --hard", "allow", None),
        ("[ -d x ]&&(git clean -fdx)", "block", "git-clean-force"),
        ('echo "$(rm -rf src)"', "block", "rm-recursive-source"),
        ("echo '$(rm -rf src)'", "allow", None),
        ("sudo -u ci env GIT_DIR=.git timeout 5 git reset --hard", "block", "git-reset-hard"),
        ("bash -lc \"sh -c 'eval git clean -fdx'\"", "block", "git-clean-force"),
        ("bash -c 'echo \"git reset --hard is dangerous\"'", "allow", None),
        ("git -C . -c core.pager=cat reset -q HEAD~1 --ha", "block", "git-reset-hard"),
        ("G=git; X=--hard; $G reset $X", "block", "git-reset-hard"),
        ('D=$(mktemp -d); rm -rf "$D"', "allow", None),
        ("echo --hard | xargs git reset", "block", "git-reset-hard"),
        ("git branch --merged | xargs git branch -d", "allow", None),
        ("rm -rf build/../src", "block", "rm-recursive-traversal"),
        ("rm -rf ./build dist", "allow", None),
        ("cd / && rm -rf tmp/scratch", "allow", None),
        ("cd src && rm -rf *", "block", "rm-recursive-source"),
        ("git config alias.nuke 'reset --hard' && git nuke", "block", "git-reset-hard"),
        ("git -c core.pager='rm -rf src' log", "block", "rm-recursive-source"),
        ("git rebase -x 'rm -rf src' main", "block", "rm-recursive-source"),
        ("git stash && git reset --hard HEAD~1", "block", "git-reset-hard"),
        ("python3 gen.py 'git reset --hard' | sh", "block", "unresolved-command-destructive"),
        ('"$GIT_BIN" reset --hard', "block", "unresolved-command-destructive"),
        ("$X -rf src", "block", "unresolved-command-destructive"),
        ("/bin/r? -rf src", "block", "unresolved-command-destructive"),
        ("$SUDO rm -rf src", "block", "rm-recursive-source"),
        ("$X status", "allow", None),
        ('"$(which git)" reset --hard', "block", "git-reset-hard"),
        ("rm$'\\t'-rf src", "allow", None),
        ("git reset --hard 'unterminated", "block", "malformed-destructive"),
        ("echo 'unterminated", "allow", None),
        ("bash -n -c 'rm -rf src'", "allow", None),
        ("alias nuke='rm -rf src'", "warn", "shell-definition-destructive"),
        ("cat dirs.txt | xargs rm -rf", "block", "rm-piped-targets"),
        ('for d in $(cat dirs.txt); do rm -rf "$d"; done', "block", "rm-piped-targets"),
        ("git ls-files -o | xargs rm", "block", "git-listed-files-delete"),
        ("echo build | xargs rm -rf", "allow", None),
        ("rm -rf $(ls)", "block", "rm-recursive-repo-root"),
        ("find . -name '*.txt' -exec rm {} \\;", "block", "find-delete"),
        ("find . -name __pycache__ -exec rm -rf {} +", "allow", None),
        ("echo x > /dev/sdb", "block", "device-write"),
        # §8.3 empty case: a parameter's default that is home is the empty-variable accident
        ('rm -rf "${X:-$HOME}"', "block", "rm-recursive-empty-var"),
        ('rm -rf "${X-${HOME}/}"', "block", "rm-recursive-empty-var"),
        ('rm -rf ${X:-"$HOME"}', "block", "rm-recursive-empty-var"),
        ('rm -rf "$HOME"', "block", "rm-recursive-root"),
        ("rm -rf ~ ${X:-build}", "block", "rm-recursive-root"),
        (
            "bash -c 'sessionkit guard override add git-push-force --for 1h --reason x'",
            "block",
            "guard-override-self-grant",
        ),
    ],
)
def test_end_to_end(guard: Guard, command: str, action: str, rule: str | None) -> None:
    assert verdict(guard, command) == (action, rule)


# ---- composition (§10.1) -------------------------------------------------------------------


def test_most_severe_wins_and_findings_stay(guard: Guard) -> None:
    decision = guard.check("git stash && git reset --hard HEAD~1")
    assert decision.action == "block"
    assert decision.rule_id == "git-reset-hard"
    assert [f.rule_id for f in decision.findings] == ["git-stash", "git-reset-hard"]
    assert decision.group == "B1"
    assert decision.suggestion
    assert decision.segment == "git reset --hard HEAD~1"


ALLOW_LOOKALIKES = ["git clean -n", "git reset --hard -h", "echo rm -rf /", "rm -rf build"]
BLOCKERS = [
    e for r in CATALOGUE if r.default_action == "block" for e in r.examples[:1] if len(e) < 200
]


@pytest.mark.parametrize("blocker", BLOCKERS)
def test_a_safe_part_never_vouches_for_another(guard: Guard, blocker: str) -> None:
    alone = guard.check(blocker)
    for lookalike in ALLOW_LOOKALIKES:
        for joined in (
            f"{lookalike} && {blocker}",
            f"{lookalike}; {blocker}",
            f"{lookalike}\n{blocker}",
        ):
            assert guard.check(joined).action == alone.action, joined


def test_primary_prefers_floors_then_position(guard: Guard) -> None:
    decision = guard.check("rm -rf src; git reset --hard 'oops")
    assert decision.action == "block"
    assert decision.rule_id == "malformed-destructive"
    decision = guard.check("git reset --hard; rm -rf src")
    assert decision.rule_id == "git-reset-hard"
    decision = guard.check("rm -rf src; git reset --hard")
    assert decision.rule_id == "rm-recursive-source"


def test_allow_reason_comes_from_the_most_specific_allow_finding(guard: Guard) -> None:
    decision = guard.check("rm -rf build")
    assert decision.action == "allow" and decision.rule_id is None
    assert "artefact" in decision.reason
    assert guard.check("ls").reason == "No destructive operation found."


def test_dry_run_payload_findings_become_dry_run(guard: Guard) -> None:
    decision = guard.check("bash -n -c 'git reset --hard'")
    assert decision.action == "allow"
    assert [f.rule_id for f in decision.findings] == ["dry-run"]
    # substitutions in the outer command still run
    assert guard.check('bash -n -c "$(git reset --hard)"').action == "block"


def test_malformed_inert_and_destructive(guard: Guard) -> None:
    inert = guard.check("echo 'unterminated")
    assert inert.malformed and inert.action == "allow"
    assert "malformed-inert" in [f.rule_id for f in inert.findings]
    bad = guard.check("git reset --hard 'unterminated")
    assert bad.malformed and bad.rule_id == "malformed-destructive"
    assert "git-reset-hard" in [f.rule_id for f in bad.findings]
    assert "git-reset-hard" in bad.reason


def test_compose_directly() -> None:
    warn = Finding("git-stash", "W3", "warn", segment="git stash", span=(0, 9))
    block = Finding("git-reset-hard", "B1", "block", segment="git reset --hard", span=(13, 29))
    decision = compose("git stash && git reset --hard", [block, warn], cwd="/x")
    assert decision.action == "block" and decision.rule_id == "git-reset-hard"
    assert [f.rule_id for f in decision.findings] == ["git-stash", "git-reset-hard"]
    assert compose("ls", []).action == "allow"


@pytest.mark.parametrize("action", ["allow", "warn", "block"])
def test_compose_one_finding_is_the_primary_one(action: str) -> None:
    """One finding (the commonest case, composed without the loops) decides and explains the
    decision; an allow decision names no rule. Notices keep their order, as a list or not."""
    from sessionkit.policy.decision import Notice

    only = Finding(
        "git-stash", "W3", action, reason="r", suggestion="s", segment="git stash", span=(0, 9)
    )
    notice = Notice("policy-invalid", "m")
    decision = compose("git stash", [only], [notice], cwd="/x", repo_root="/x", policy_digest="d")
    named = action != "allow"
    assert decision.action == action and decision.findings == (only,)
    assert (decision.rule_id, decision.group, decision.suggestion) == (
        ("git-stash", "W3", "s") if named else (None, None, None)
    )
    assert (decision.reason, decision.segment, decision.span, decision.span_exact) == (
        "r",
        "git stash",
        (0, 9),
        True,
    )
    assert decision.notices == (notice,) and decision.malformed is False
    assert (decision.command, decision.cwd, decision.repo_root, decision.policy_digest) == (
        "git stash",
        "/x",
        "/x",
        "d",
    )
    assert compose("git stash", (only,), iter([notice])).notices == (notice,)


# ---- spans (§11.1) -------------------------------------------------------------------------

SPAN_CASES = [e for r in CATALOGUE for e in (*r.examples, *r.lookalikes) if len(e) < 500] + [
    "bash -c 'git status && git reset --hard HEAD~1'",
    'echo "$(rm -rf src)" && ls',
    "(cd src && rm -rf *)",
    "if true; then git clean -fdx; fi",
]


@pytest.mark.parametrize("command", SPAN_CASES)
def test_exact_spans_slice_the_segment(guard: Guard, command: str) -> None:
    decision = guard.check(command)
    for item in (decision, *decision.findings):
        if item.span is not None and item.span_exact and item.segment is not None:
            assert command[item.span[0] : item.span[1]] == item.segment, item


def test_payload_spans_are_marked_inexact(guard: Guard) -> None:
    command = "bash -c 'git status && git reset --hard HEAD~1'"
    decision = guard.check(command)
    assert decision.rule_id == "git-reset-hard"
    assert [hop.kind for hop in decision.findings[-1].via] == ["shell-c"]
    alias = guard.check("git -c alias.x='reset --hard' x")
    assert alias.rule_id == "git-reset-hard"
    assert "git-alias" in [hop.kind for hop in alias.findings[0].via]


# ---- fail-closed and what never fails (§10.3, §10.4) ---------------------------------------


def test_type_error_for_non_strings() -> None:
    with pytest.raises(TypeError):
        check_command(b"git reset --hard")  # type: ignore[arg-type]


def test_input_size_limit(repo: Path) -> None:
    decision = check_command("echo " + "x" * 262_144, cwd=repo)
    assert decision.action == "block" and decision.rule_id == "parse-limit"


def test_an_analyser_defect_blocks_that_record_only(repo: Path) -> None:
    facts = RepoFacts(str(repo))
    ctx = Context(facts, PathJudge(facts, home=str(repo.parent)))
    broken = Command((lit("rm", True), "-rf"), "rm", cwd=(lit(str(repo), True),), text="rm -rf")  # type: ignore[arg-type]
    found = guard_module._judge_record(broken, ctx)
    assert [(f.rule_id, f.action) for f in found] == [("guard-internal-error", "block")]
    assert "AttributeError" in found[0].reason


def test_missing_policy_file_keeps_built_in_rules(repo: Path) -> None:
    decision = check_command("git reset --hard", cwd=repo, policy=str(repo / "missing.yaml"))
    assert decision.action == "block"
    assert decision.rule_id == "git-reset-hard"


def test_outside_any_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "work").mkdir(parents=True)
    decision = check_command("rm -rf work", cwd=plain)
    assert decision.action == "block" and decision.repo_root is None
    assert check_command("rm -rf build", cwd=plain).action == "allow"
    assert check_command("git status", cwd=plain).action == "allow"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from(list("rm -f'\"$(){}|&;<>\\\n\tgit*x~/.")), max_size=60))
def test_never_raises_and_never_internal_error(repo: Path, command: str) -> None:
    decision = check_command(command, cwd=repo)
    assert decision.action in ("allow", "warn", "block")
    assert "guard-internal-error" not in [f.rule_id for f in decision.findings]


# ---- API surface (§13) ---------------------------------------------------------------------


def test_analysis_has_decision_and_commands(repo: Path) -> None:
    analysis = analyse_command("git status && rm -rf build", cwd=repo)
    assert isinstance(analysis.decision, Decision)
    assert [c.name for c in analysis.commands] == ["git", "rm"]
    assert isinstance(analysis.effects, tuple)


def test_decision_json(guard: Guard) -> None:
    data = guard.check("bash -c 'git status && git reset --hard HEAD~1'").to_dict()
    assert data["schema_version"] == 1
    assert data["action"] == "block" and data["rule_id"] == "git-reset-hard"
    assert data["findings"][-1]["via"][0]["kind"] == "shell-c"
    assert data["policy_digest"].startswith("sha256:")
    import json

    assert json.loads(json.dumps(data)) == data


def test_decision_json_validates_against_its_schema(guard: Guard) -> None:
    from sessionkit import schemas

    try:
        validator = schemas.validator("guard-decision")
    except Exception as error:  # the schema belongs to the policy layer's author
        pytest.skip(f"guard-decision schema unavailable: {error}")
    for command in ("git reset --hard", "rm -rf build", "ls", "git reset --hard 'x", "git stash"):
        validator.validate(guard.check(command).to_dict())


def test_guard_cache_is_bounded_and_reused(tmp_path: Path) -> None:
    guard_module.clear_cache()
    repos = []
    for n in range(10):
        repo = tmp_path / f"r{n}"
        repo.mkdir()
        (repo / ".git").mkdir()
        repos.append(repo)
        check_command("ls", cwd=repo)
    assert len(guard_module._GUARDS) == 8
    check_command("ls", cwd=repos[-1])
    assert len(guard_module._GUARDS) == 8


def test_thread_safety(repo: Path) -> None:
    errors: list[BaseException] = []
    results: list[str] = []

    def work() -> None:
        try:
            for _ in range(20):
                results.append(check_command("git reset --hard; rm -rf build", cwd=repo).action)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(results) == {"block"} and len(results) == 80


def test_sessionkit_root_reexports() -> None:
    import sessionkit

    assert sessionkit.check_command is check_command
    assert sessionkit.Decision is Decision


def test_policy_package_reexports_every_public_name() -> None:
    import sessionkit.policy as policy

    for name in policy.__all__:
        assert getattr(policy, name) is not None, name
    assert policy.check_command is check_command
    assert policy.RULES["git-reset-hard"].group == "B1"


@pytest.mark.parametrize(
    ("command", "action"),
    [
        ("$PIP install -r requirements.txt", "allow"),
        ("$X -r requirements.txt", "allow"),
        ('"$PYTHON" -m pytest', "allow"),
        ("$EDITOR notes.md", "allow"),
        ("$X -r src", "block"),
        ("$X -rf build/../src", "block"),
        ("$DOCKER rm -f container1", "block"),
        ("$X clean -fdx", "block"),
    ],
)
def test_unresolved_names_need_plausible_destructive_arguments(
    guard: Guard, command: str, action: str
) -> None:
    assert guard.check(command).action == action


def test_decision_types_are_immutable_values() -> None:
    import pickle

    from sessionkit.policy.decision import Downgrade, Hop

    finding = Finding(
        "git-reset-hard",
        "B1",
        "block",
        segment="git reset --hard",
        span=[0, 16],  # type: ignore[arg-type]
        argv=["git", "reset", "--hard"],
        via=[("shell-c", (0, 30), "bash -c")],
    )
    assert finding.span == (0, 16) and finding.argv == ("git", "reset", "--hard")
    assert finding.via == (Hop("shell-c", (0, 30), "bash -c"),)
    with pytest.raises(AttributeError):
        finding.action = "allow"  # type: ignore[misc]
    lowered = finding.lowered("warn", Downgrade("policy", "guard.yaml", 3))
    assert (lowered.action, lowered.default_action) == ("warn", "block")
    assert lowered.downgraded_by is not None and lowered.downgraded_by.line == 3
    assert finding != lowered and finding == finding.replace()
    assert hash(finding) == hash(finding.replace())
    with pytest.raises(TypeError):
        finding.replace(colour="red")
    decision = Decision("block", rule_id="git-reset-hard", findings=[finding, lowered])
    assert pickle.loads(pickle.dumps(decision)) == decision
    assert decision.blocked and not decision.allowed
    with pytest.raises(ValueError):
        Decision("maybe")


_PAYLOADS = (
    "ls -la",
    "rm -rf build",
    "rm -rf ~/proj",
    "* * * * * rm -rf ~/proj",
    "*/5 * * * * rm -rf /srv/app/src",
    "git status; git reset --hard",
    "git push --force origin main",
    "echo 'rm -rf /' > notes.txt",
    "x=$(cat; cat",
    "git clean -fdx . && ls",
)


def test_payload_flags_agrees_with_the_full_payload(repo: Path) -> None:
    """Context.payload_flags stops at the first finding with a wanted action: its answer is
    the full payload's, for every action set the analysers ask about."""
    facts = RepoFacts(str(repo))
    judge = PathJudge(facts, home=str(repo.parent))
    seen: set[tuple[frozenset[str], bool]] = set()
    for text in _PAYLOADS:
        _payload_flags_case(facts, judge, str(repo), text, seen)
    # the payloads hold flagged and unflagged texts for both action sets
    assert len(seen) == 4


def _payload_flags_case(
    facts: RepoFacts,
    judge: PathJudge,
    cwd: str,
    text: str,
    seen: set[tuple[frozenset[str], bool]],
) -> None:
    argv = (lit("echo"), lit(text, True))
    outer = Command(argv, "echo", cwd=(lit(cwd, True),), text="echo")
    for actions in (frozenset({"warn", "block"}), frozenset({"block"})):
        ctx = Context(facts, judge, guard_module._judge_payload, guard_module._judge_record_in)
        full = ctx.payload(text, outer, "eval", "data")
        flagged = ctx.payload_flags(text, outer, "eval", "data", actions)
        assert flagged == any(f.action in actions for f in full)
        assert ctx.depth == 0
        seen.add((actions, flagged))


def test_an_explicit_policy_file_keeps_its_good_entries_when_one_is_bad(tmp_path: Path) -> None:
    """policy=PATH is the team policy as given (§12.1): a bad entry is dropped with a notice,
    the file's tightenings still apply (they used to be discarded with the whole file)."""
    policy = tmp_path / "guard.yaml"
    policy.write_text("version: 1\nrules:\n  git-stash: block\n  no-such-rule: warn\n")
    decision = check_command("git stash", cwd=tmp_path, policy=policy)
    assert (decision.action, decision.rule_id) == ("block", "git-stash")
    assert [n.code for n in decision.notices] == ["policy-entry-ignored"]
    assert "no-such-rule" in decision.notices[0].message
    broken_file = tmp_path / "broken.yaml"
    broken_file.write_text("rules: [")  # not YAML: built-in rules, with the notice
    broken = check_command("git stash", cwd=tmp_path, policy=str(broken_file))
    assert broken.action == "warn" and [n.code for n in broken.notices] == ["policy-invalid"]


def test_a_payload_met_again_is_judged_in_its_own_cwd(tmp_path: Path) -> None:
    """A payload met again in the same check is judged once per cwd (Context.memo's key holds
    the payload's cwd): the pager run after cd deletes under /tmp, not under the first cwd."""
    pager = "git -c core.pager='rm -rf build' log"
    decision = check_command(f"{pager}; {pager}; cd /tmp && {pager}", cwd=str(tmp_path))
    paths = sorted(t.path for f in decision.findings for t in f.targets)
    assert paths == sorted([f"{tmp_path}/build"] * 4 + ["/tmp/build"] * 2)


def test_one_clock_reading_per_check_and_inputs_revalidated_once_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check reads ``time.monotonic()`` once (the Guard's revalidation uses that reading);
    the inputs are re-read when the reading is a second or more after the last refresh."""
    guard_module.clear_cache()
    clock = [5000.0]
    reads: list[float] = []

    def monotonic() -> float:
        reads.append(clock[0])
        return clock[0]

    monkeypatch.setattr(guard_module.time, "monotonic", monotonic)
    refreshed: list[float] = []
    refresh = Guard._refresh_inputs

    def counting_refresh(self: Guard, now: float) -> object:
        if now - self._inputs.checked >= 1.0:
            refreshed.append(now)
        return refresh(self, now)

    monkeypatch.setattr(Guard, "_refresh_inputs", counting_refresh)
    assert check_command("ls", cwd=str(tmp_path)).action == "allow"
    assert refreshed == [5000.0]
    reads.clear()
    assert check_command("rm -rf /", cwd=str(tmp_path)).action == "block"
    assert reads == [5000.0]  # the cached Guard's check: one reading of the clock
    clock[0] = 5000.9
    check_command("ls", cwd=str(tmp_path))
    assert refreshed == [5000.0]  # less than a second: not revalidated
    clock[0] = 5001.0
    check_command("ls", cwd=str(tmp_path))
    assert refreshed == [5000.0, 5001.0]
    guard_module.clear_cache()


def test_hops_of_a_via_are_its_values_however_often_converted() -> None:
    """decision._hops remembers the Hop tuple of a via tuple: a Hop is immutable and a
    function of its three values, so a remembered one equals a fresh conversion."""
    from sessionkit.policy.decision import Hop, _hops

    via = (("bash-c", (0, 12), "bash -c"), ("eval", (3.0, 9.0), ""))
    first = _hops(via)
    assert first == (Hop("bash-c", (0, 12), "bash -c"), Hop("eval", (3, 9), ""))
    assert type(first[1].span[0]) is int
    assert _hops((via[0], via[1])) == first  # an equal via, another tuple
    assert _hops((("eval", (3, 9), ""),)) == (Hop("eval", (3, 9), ""),)
    assert _hops([("eval", [3, 9], "x")]) == (Hop("eval", (3, 9), "x"),)  # a list: converted
    assert _hops((("eval", [3, 9], "x"),)) == (Hop("eval", (3, 9), "x"),)  # unhashable part
    assert _hops((first[0], ("eval", None, ""))) == (first[0], Hop("eval", None, ""))


@pytest.mark.parametrize(
    "command",
    [
        "f() { git reset --hard; }; eval f",
        "f() { git reset --hard; }; trap f EXIT",
        "trap cleanup EXIT\ncleanup() { git reset --hard; }",
        "bash -c 'f() { git reset --hard; }; eval f'",
    ],
)
def test_a_function_called_from_a_payload_reports_the_span_of_its_body(
    guard: Guard, command: str
) -> None:
    decision = guard.check(command)
    assert decision.action == "block"
    start, end = decision.span
    assert decision.span_exact and command[start:end] == "git reset --hard"
