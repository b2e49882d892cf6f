"""Runs the project corpus through the real guard in real repositories (guard.md §16.1).

For every case: the action, the primary rule for block and warn, and the named allow finding
for allow cases; every decision validates against ``guard-decision.schema.json`` and every exact
span cuts its segment out of the command (§16.2, Decision JSON). The whole corpus runs twice: once with the repositories under the system temp
directory, once outside every temp root (an ignored directory of this checkout), and both runs
must agree. ``HOME`` is a scratch directory outside temp space in both runs.

Cases the engine does not handle yet are listed in ``XFAIL`` with the reason; they are reported
as expected failures (and as XPASS once fixed), never by editing their expectations.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sessionkit import schemas
from tests.policy.corpus_cases import Case, fixture_key, load_cases
from tests.policy.corpus_repos import build_repo

guard_module = pytest.importorskip("sessionkit.policy.guard")

ROOT = Path(__file__).resolve().parents[2]
CASES = load_cases()
DECISION_SCHEMA = schemas.validator("guard-decision")

# id -> why the engine still gets it wrong (findings for the guard's owners; see the report).
XFAIL: dict[str, str] = {}


class Runner:
    """Judges cases in repositories built once per distinct fixture under one base directory."""

    def __init__(self, base: Path, home: Path) -> None:
        self.base = base
        self.home = home
        self.repos: dict[str, Path] = {}

    def repo_for(self, case: Case) -> Path:
        key = fixture_key(case)
        if key not in self.repos:
            name = f"f{len(self.repos):03d}-{uuid.uuid4().hex[:6]}"
            fixture = dict(case.get("fixture") or {})
            fixture.pop("cwd", None)
            self.repos[key] = build_repo(self.base, name, fixture)
        return self.repos[key]

    def cwd_for(self, case: Case, repo: Path) -> Path:
        fixture = case.get("fixture") or {}
        if fixture.get("cwd"):
            cwd: Path = repo / str(fixture["cwd"])
        elif case.get("context", "agent") != "agent":
            cwd = repo / os.path.dirname(case["source"])
        else:
            cwd = repo
        cwd.mkdir(parents=True, exist_ok=True)
        return cwd

    def judge(self, case: Case) -> Any:
        repo = self.repo_for(case)
        cwd = self.cwd_for(case, repo)
        fixture = case.get("fixture") or {}
        session = fixture.get("session")
        if fixture.get("now"):
            moment = datetime.fromisoformat(fixture["now"].replace("Z", "+00:00"))
            checker = guard_module.Guard(
                cwd, session=session, home=str(self.home), now=lambda: moment
            )
            return checker.check(case["cmd"], cwd=cwd)
        return guard_module.check_command(
            case["cmd"],
            cwd=cwd,
            session=session,
            context=case.get("context", "agent"),
            source=case.get("source"),
        )


_TEMP_ROOTS = ("/tmp", "/var/tmp", "/private/tmp", "/dev/shm", tempfile.gettempdir())


def _in_temp(path: Path) -> bool:
    text = os.path.realpath(path)
    return any(text.startswith(os.path.realpath(t).rstrip("/") + "/") for t in _TEMP_ROOTS)


def _outside_temp_base() -> Path:
    """A scratch directory outside every temp root, for the second corpus run.

    An ignored directory of this checkout when the checkout itself is not in temp space
    (CI may clone into /tmp), else a directory under the user's cache in HOME.
    """
    name = f"sessionkit-corpus-{os.getpid()}"
    for base in (ROOT / ".pytest_cache", Path.home() / ".cache", Path("/var/cache")):
        if not _in_temp(base / name) and os.access(base.parent, os.W_OK):
            return base / name
    pytest.fail("no writable directory outside the temp roots for the second corpus run")


@pytest.fixture(scope="module")
def runners(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runner, Runner]]:
    outside = _outside_temp_base()
    home = outside / "home"
    home.mkdir(parents=True)
    saved = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        in_temp = Runner(tmp_path_factory.mktemp("corpus"), home)
        out_of_temp = Runner(outside / "repos", home)
        yield in_temp, out_of_temp
    finally:
        if saved is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = saved
        shutil.rmtree(outside, ignore_errors=True)


def describe(decision: Any) -> str:
    """The trace printed on failure: verdict, primary rule, then every finding."""
    lines = [f"  actual: {decision.action} {decision.rule_id} ({decision.reason})"]
    for finding in decision.findings:
        via = " > ".join(hop.kind for hop in finding.via) or "-"
        lines.append(
            f"    {finding.action:5} {finding.rule_id:32} argv={list(finding.argv)} via={via}"
            f" downgraded_by={finding.downgraded_by}"
        )
    for notice in decision.notices:
        lines.append(f"    note: {notice.code}: {notice.message}")
    return "\n".join(lines)


def trace(case: Case, runner: Runner) -> str:
    """The simple commands the walk produced (what ``guard check --trace`` prints)."""
    repo = runner.repo_for(case)
    analysis = guard_module.analyse_command(
        case["cmd"],
        cwd=runner.cwd_for(case, repo),
        context=case.get("context", "agent"),
        source=case.get("source"),
    )
    lines = ["  trace:"]
    for command in analysis.commands:
        via = " > ".join(hop[0] for hop in command.via) or "-"
        lines.append(f"    {command.rendered()!r} via={via} reading={command.reading}")
    return "\n".join(lines)


def verdict_problems(case: Case, decision: Any) -> list[str]:
    problems = []
    if decision.action != case["expect"]:
        problems.append(f"action {decision.action}, expected {case['expect']}")
    rule = case.get("rule")
    if rule and case["expect"] != "allow" and decision.rule_id != rule:
        problems.append(f"primary rule {decision.rule_id}, expected {rule}")
    found = [f.rule_id for f in decision.findings]
    if rule and case["expect"] == "allow" and rule not in found:
        problems.append(f"no {rule} finding among {found}")
    return problems


def _param(case: Case) -> Any:
    marks = []
    if case["id"] in XFAIL:
        marks.append(pytest.mark.xfail(reason=XFAIL[case["id"]], strict=False))
    return pytest.param(case, id=case["id"], marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Case, runners: tuple[Runner, Runner]) -> None:
    in_temp, out_of_temp = runners
    first = in_temp.judge(case)
    problems = verdict_problems(case, first)
    expected = f"{case['expect']} {case.get('rule') or ''}".strip()
    assert not problems, (
        f"{case['id']}: {case['cmd']!r}\n  expected: {expected}\n  "
        + "; ".join(problems)
        + "\n"
        + describe(first)
        + "\n"
        + trace(case, in_temp)
    )
    schema_errors = [e.message for e in DECISION_SCHEMA.iter_errors(first.to_dict())]
    assert schema_errors == [], f"{case['id']}: decision JSON: {schema_errors}"
    for item in (first, *first.findings):
        if item.span_exact and item.span is not None and item.segment is not None:
            start, end = item.span
            assert case["cmd"][start:end] == item.segment, f"{case['id']}: inexact span {item.span}"
    second = out_of_temp.judge(case)
    assert (second.action, second.rule_id) == (first.action, first.rule_id), (
        f"{case['id']}: repository outside temp space gives {second.action} {second.rule_id},"
        f" inside gives {first.action} {first.rule_id}\n" + describe(second)
    )


def test_xfail_list_names_real_cases(capsys: pytest.CaptureFixture[str]) -> None:
    ids = {case["id"] for case in CASES}
    assert set(XFAIL) <= ids
    with capsys.disabled():
        if XFAIL:
            print(f"\ncorpus: {len(XFAIL)} cases expected to fail (engine work pending):")
            for case_id, reason in sorted(XFAIL.items()):
                print(f"  {case_id}: {reason}")
