"""The shape rules of the project corpus (guard.md §16.1).

These tests judge the corpus, not the engine: they fail when the instrument itself is too thin
(a rule without enough cases, a via kind never exercised, a contested decision of §9.6 missing).
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter

import pytest

from sessionkit import schemas
from sessionkit.policy.rules import CATALOGUE
from tests.policy.corpus_cases import Case, load_cases

CASES = load_cases()

# Rules that no command may legitimately trigger: a finding of this rule is a sessionkit bug
# (§10.3), and §16.4 asserts it never happens, so the corpus cannot hold examples of it.
NO_CASES_POSSIBLE = {"guard-internal-error"}

# guard.md §9.6: every contested row, with the verdict sessionkit gives.
CONTESTED = [
    ("git push --force-with-lease", "warn"),
    ("git stash", "warn"),
    ("git stash drop", "block"),
    ("git branch -D x", "block"),
    ("git branch -D -r origin/x", "allow"),
    ("git reset --soft HEAD~1", "warn"),
    ("git reset", "warn"),
    ("git clean -fn", "allow"),
    ("git push --force --dry-run", "allow"),
    ("git checkout .", "block"),
    ("git checkout src/app.py", "block"),
    ("git checkout --ours -- src/a.py", "warn"),
    ("git rebase --abort", "warn"),
    ("git tag -d v1", "warn"),
    ("git reset HEAD~1 --hard", "block"),
    ('"git" reset --hard', "block"),
    ("git -C . reset --hard", "block"),
    ("git clean -fdx", "block"),
    ("rm -rf build", "allow"),
    ("rm -rf ./build", "allow"),
    ("rm -rf src", "block"),
    ('rm -rf "$BUILD_DIR"', "warn"),
    ("rm -rf /tmp/*", "warn"),
    ("cd / && rm -rf tmp/scratch", "allow"),
    ("echo rm -rf /", "allow"),
    ("bash -c 'echo \"git reset --hard is bad\"'", "allow"),
    ('echo "$(git reset --hard)"', "block"),
    ("cat > NOTES.md <<EOF\nDo not run git reset --hard here.\nEOF", "allow"),
    ("find . -name '*.pyc' -delete", "allow"),
    ("find . -name '*.txt' -exec rm {} \\;", "block"),
    ("perl -pi -e 's/git reset --hard/x/' f", "allow"),
]


def _rules_with(action: str) -> list[str]:
    return [r.id for r in CATALOGUE if r.default_action == action and r.id not in NO_CASES_POSSIBLE]


def _plain_agent(case: Case) -> bool:
    return not case.get("fixture") and case.get("context", "agent") == "agent"


def test_every_line_matches_the_case_schema() -> None:
    validator = schemas.validator("guard-cases")
    problems = []
    for case in CASES:
        data = {k: v for k, v in case.items() if k != "_line"}
        for error in validator.iter_errors(data):
            problems.append(f"line {case['_line']} ({case.get('id')}): {error.message}")
    assert not problems, "\n".join(problems[:20])


def test_at_least_400_cases_with_unique_ids() -> None:
    ids = Counter(case["id"] for case in CASES)
    assert len(CASES) >= 400
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("rule_id", _rules_with("block") + _rules_with("warn"))
def test_block_and_warn_rules_have_cases_and_lookalikes(rule_id: str) -> None:
    triggering = [c["id"] for c in CASES if c.get("rule") == rule_id and c["expect"] != "allow"]
    lookalikes = [
        c["id"] for c in CASES if rule_id in c.get("near", []) and c.get("rule") != rule_id
    ]
    assert len(triggering) >= 3, f"{rule_id}: only {triggering} name it as their rule"
    assert len(lookalikes) >= 2, f"{rule_id}: only {lookalikes} are look-alikes of it"


@pytest.mark.parametrize("rule_id", _rules_with("allow"))
def test_allow_rules_have_cases(rule_id: str) -> None:
    cases = [c["id"] for c in CASES if c.get("rule") == rule_id and c["expect"] == "allow"]
    assert len(cases) >= 3, f"{rule_id}: only {cases}"


@pytest.mark.parametrize("item", [f"S{n}" for n in range(1, 17)])
def test_every_semantics_item_has_three_cases(item: str) -> None:
    assert sum(item in c.get("semantics", []) for c in CASES) >= 3


def test_every_via_kind_has_two_cases() -> None:
    kinds = schemas.load_schema("guard-cases")["$defs"]["via_kind"]["enum"]
    counts = Counter(kind for c in CASES for kind in c.get("via", []))
    thin = {kind: counts[kind] for kind in kinds if counts[kind] < 2}
    assert thin == {}


def test_a_third_is_adversarial_or_lookalike() -> None:
    tricky = sum(c.get("kind") in ("adversarial", "lookalike") for c in CASES)
    assert tricky * 3 >= len(CASES), f"{tricky} of {len(CASES)}"


@pytest.mark.parametrize(("cmd", "expect"), CONTESTED)
def test_every_contested_row_is_present(cmd: str, expect: str) -> None:
    matches = [c for c in CASES if c["cmd"] == cmd and _plain_agent(c)]
    assert matches, f"no plain agent case for {cmd!r}"
    assert {c["expect"] for c in matches} == {expect}


def test_fixture_and_context_counts() -> None:
    assert sum(bool(c.get("fixture")) for c in CASES) >= 20
    contexts = Counter(c.get("context", "agent") for c in CASES)
    assert contexts["script"] >= 10
    assert contexts["ci"] >= 10


def test_fixture_kinds_are_all_exercised() -> None:
    used = Counter(key for c in CASES for key in (c.get("fixture") or {}))
    needed = {
        "cwd",
        "tracked",
        "branches",
        "tags",
        "worktrees",
        "git-config",
        "session-config",
        "policy",
        "compat",
        "overrides",
        "session",
        "now",
    }
    assert needed - set(used) == set()


def test_block_and_warn_cases_name_a_rule() -> None:
    missing = [c["id"] for c in CASES if c["expect"] != "allow" and not c.get("rule")]
    assert missing == []


def test_named_rules_exist() -> None:
    """Every rule a case names is a catalogue rule, a compat: rule or an extra rule of its fixture."""
    known = {r.id for r in CATALOGUE} | {a for r in CATALOGUE for a in r.aliases}
    unknown = []
    for case in CASES:
        policy = (case.get("fixture") or {}).get("policy", "")
        for rule_id in [case.get("rule"), *case.get("near", [])]:
            if not rule_id or rule_id in known or rule_id.startswith("compat:"):
                continue
            if f"id: {rule_id}" in policy:
                continue
            # a look-alike of a fixture's extra rule names it without repeating the policy
            if any(f"id: {rule_id}" in (o.get("fixture") or {}).get("policy", "") for o in CASES):
                continue
            unknown.append((case["id"], rule_id))
    assert unknown == []


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_every_command_is_valid_bash_unless_meant_malformed() -> None:
    wrong = []
    for case in CASES:
        proc = subprocess.run(["bash", "-n", "-c", case["cmd"]], capture_output=True, check=False)
        malformed = "S16" in case.get("semantics", [])
        if (proc.returncode != 0) != malformed:
            wrong.append((case["id"], proc.returncode, proc.stderr.decode(errors="replace")[:120]))
    assert wrong == []
