"""The rule table (§8.3): every id used in code is in it, and fixtures produce every rule."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from sessionkit.config import Diagnostic, load_config, load_config_text, validate_policy_files
from sessionkit.config.api import clear_memo
from sessionkit.config.diagnostics import RULES, make, show

SRC = Path(__file__).resolve().parents[2] / "src" / "sessionkit"
H = "## Session Config\n\n"
RULE_LITERAL = re.compile(r"""["'](config\.[a-z0-9-]+)["']""")


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    clear_memo()


def test_every_rule_id_used_in_code_is_in_the_table() -> None:
    used: dict[str, str] = {}
    # The capability and its front ends; elsewhere "config.x" strings are other things
    # (e.g. git's ``config.worktree`` file).
    paths = [
        *(SRC / "config").glob("*.py"),
        *SRC.glob("cli/config*.py"),
        *SRC.glob("precommit/config*.py"),
    ]
    for path in paths:
        for match in RULE_LITERAL.finditer(path.read_text()):
            name = match.group(1)
            if name.count(".") == 1 and not name.endswith(("-", ".py")):
                used.setdefault(name, str(path))
    # config.<module> strings that are module names, not rule ids
    modules = {f"config.{p.stem}" for p in (SRC / "config").glob("*.py")}
    missing = {
        rule: where for rule, where in used.items() if rule not in RULES and rule not in modules
    }
    assert not missing, missing


def test_the_table_is_plain_data() -> None:
    for rule, entry in RULES.items():
        assert rule.startswith("config.")
        assert set(entry) == {"severity", "category", "hint"}
        assert entry["severity"] in ("error", "warning", "info")
        assert entry["category"] in ("env", "content")
        assert isinstance(entry["hint"], str) and entry["hint"]


def test_env_rules_are_the_environment_ones() -> None:
    env = {rule for rule, entry in RULES.items() if entry["category"] == "env"}
    assert env == {
        "config.file-not-found",
        "config.unreadable",
        "config.head-unreadable",
        "config.ref-not-found",
        "config.internal",
    }


# rule -> (whole file text, line of the diagnostic)
TEXT_FIXTURES: dict[str, tuple[str, int | None]] = {
    "config.no-section": ("# Project\n", None),
    "config.bom": ("\ufeff" + H + "waves: 4\n", 1),
    "config.heading-near-miss": ("## Session config\n\nwaves: 4\n", 1),
    "config.heading-decorated": ("## Session Config <!-- managed -->\n\nwaves: 4\n", 1),
    "config.heading-in-fence": ("~~~\n## Session Config\n~~~\n", 2),
    "config.h1-ends-section": (H + "waves: 4\n# Title\nrecent-commits: 3\n", 4),
    "config.duplicate-section": (H + "waves: 4\n## Session Config\nwaves: 5\n", 4),
    "config.unclosed-fence": (H + "```yaml\nwaves: 4\n", 3),
    "config.key-outside-section": ("vault-sync:\n  enabled: true\n" + H, 1),
    "config.satellite": (
        H + "waves: 4\n## Skill Evolution\n\nskill-evolution:\n  autonomy: advisory\n",
        4,
    ),
    "config.prose-ignored": (H + "This configures things.\nwaves: 4\n", 3),
    "config.fence-skipped": (H + "```bash\nmake\n```\n", 3),
    "config.tab-indent": (H + "cold-start:\n\tenabled: false\n", 4),
    "config.missing-space": (H + "waves:4\n", 3),
    "config.yaml-syntax": (H + "waves: [4\nrecent-commits: 3\n", 3),
    "config.yaml-alias": (H + "special:\n  - &a x\n", 4),
    "config.yaml-tag": (H + "special:\n  - !!str x\n", 4),
    "config.too-deep": (H + "special: " + "[" * 40 + "]" * 40 + "\n", 3),
    "config.too-many-nodes": (H + "special:\n" + "  - x\n" * 50_001, None),
    "config.value-too-long": (H + "special: |\n  " + "x" * 70_000 + "\n", 3),
    "config.not-a-mapping": (H + "  - a\n  - b\n", 3),
    "config.duplicate-key": (H + "waves: 4\nwaves: 5\n", 4),
    "config.unknown-key": (H + "wavez: 4\n", 3),
    "config.type": (H + "waves: many\n", 3),
    "config.enum": (H + "enforcement: lax\n", 3),
    "config.range": (H + "waves: 2\n", 3),
    "config.pattern": (H + "plan-prd-location: ../x\n", 3),
    "config.required": (H + "custom-phases:\n  - command: make x\n", 4),
    "config.quoted-scalar": (H + 'waves: "4"\n', 3),
    "config.case-normalised": (H + "enforcement: WARN\n", 3),
    "config.legacy-value": (H + "discovery-on-close: auto\n", 3),
    "config.override-syntax": (H + "agents-per-wave: 6 (fast: 2)\n", 3),
    "config.list-as-mapping": (H + "vault-integration:\n  - enabled: true\n", 4),
    "config.alias": (H + "learning-decay-rate: 0.1\n", 3),
    "config.alias-conflict": (H + "learning-decay-rate: 0.1\nlearnings.decay-rate: 0.2\n", 3),
    "config.deprecated-key": (H + "persona-reviewers:\n  enabled: true\n", 3),
    "config.legacy-shape": (H + "ram-free-min-gb: 8\n", 3),
    "config.null-command": (H + "test-command: none\n", 3),
    "config.ignored-value": (H + "state-md-lock:\n  enabled: false\n", 4),
    "config.secret-in-config": (
        H + "webhooks:\n  slack:\n    url: https://u:pw@hooks.example/x\n",
        5,
    ),
    "config.cross-field": (H + "heavy-repo: true\n", 3),
    "config.floor": (H + "protected-paths:\n  relax:\n    - class: git\n      agent: allow\n", 5),
    "config.section-too-large": (H + "special: " + "x" * (1024 * 1024 + 1) + "\n", 1),
    "config.binary": ("## Session Config\n\0\n", 1),
    "config.encoding": (H + "special: caf\udce9\n", 3),
}


@pytest.mark.parametrize("rule", sorted(TEXT_FIXTURES))
def test_text_fixture_produces_rule(rule: str) -> None:
    text, line = TEXT_FIXTURES[rule]
    cfg = load_config_text(text)
    found = [d for d in cfg.report.diagnostics if d.rule == rule]
    assert found, [d.rule for d in cfg.report.diagnostics]
    if line is not None:
        assert found[0].line == line, found[0]
        assert found[0].file == "CLAUDE.md"
    if found[0].column is not None:
        assert found[0].column >= 1


def _repo(make_repo: Callable[..., Path], files: dict[str, str], commit: bool = True) -> Path:
    return make_repo(files, commit=commit)


def _load(repo: Path, **environ: str) -> Iterable[Diagnostic]:
    return load_config(repo, use_cache=False, environ=environ).report.diagnostics


def test_repository_rules(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    produced: dict[str, Diagnostic] = {}

    def collect(diags: Iterable[Diagnostic]) -> None:
        for diag in diags:
            produced.setdefault(diag.rule, diag)

    empty = tmp_path / "empty"
    empty.mkdir()
    collect(_load(empty))  # no-instruction-file
    collect(
        _load(
            _repo(make_repo, {"CLAUDE.md": H + "waves: 4\n"}, commit=True),
            SESSIONKIT_CONFIG_FILE="nope.md",
        )
    )
    repo = make_repo({"CLAUDE.md": H + "waves: 4\n", "AGENTS.md": H + "waves: 5\n"}, name="both")
    collect(_load(repo, SO_CONFIG_FILE="AGENTS.md"))  # legacy-env
    collect(_load(repo))  # both-files
    outside = tmp_path / "outside.md"
    outside.write_text(H)
    collect(_load(repo, SESSIONKIT_CONFIG_FILE=str(outside)))  # outside-repo
    fifo = make_repo({}, name="fifo", commit=False)
    os.mkfifo(fifo / "CLAUDE.md")
    collect(_load(fifo))  # unreadable
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "CLAUDE.md").write_text(H + "waves: 4\n")
    collect(_load(plain))  # not-versioned
    big = make_repo({"CLAUDE.md": H + "x" * (8 * 1024 * 1024 + 1)}, name="big", commit=False)
    collect(_load(big))  # file-too-large
    loose = make_repo({"CLAUDE.md": H + "enforcement: lax\n"}, name="loose")
    (loose / "CLAUDE.md").write_text(H + "enforcement: off\n")
    collect(_load(loose))  # uncommitted-loosening, head-invalid
    policy = make_repo({".orchestrator/policy/custom.json": "{}"}, name="policy")
    collect(validate_policy_files(policy))  # policy-unvalidated
    with pytest.raises(Exception) as ref_error:
        load_config(loose, ref="no-such-ref", environ={})
    collect(getattr(ref_error.value, "diagnostics", ()))  # ref-not-found

    expected = {
        "config.no-instruction-file": None,
        "config.file-not-found": "nope.md",
        "config.legacy-env": None,
        "config.both-files": "CLAUDE.md",
        "config.outside-repo": None,  # an absolute value outside the root is no file name
        "config.unreadable": "CLAUDE.md",
        "config.not-versioned": "CLAUDE.md",
        "config.file-too-large": "CLAUDE.md",
        "config.uncommitted-loosening": "CLAUDE.md",
        "config.head-invalid": "CLAUDE.md",
        "config.policy-unvalidated": ".orchestrator/policy/custom.json",
        "config.ref-not-found": None,
    }
    for rule, file in expected.items():
        assert rule in produced, rule
        assert produced[rule].file == file, produced[rule]
    assert produced["config.uncommitted-loosening"].line == 3


def test_head_unreadable_and_internal(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": H + "waves: 4\n"})
    code = (
        "from sessionkit.config import load_config;"
        f"cfg = load_config({str(repo)!r}, use_cache=False, environ={{}});"
        "print(sorted(d.rule for d in cfg.report.errors))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PATH": "/nonexistent"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "['config.head-unreadable']"

    class Broken(dict[str, str]):
        def get(self, key: str, default: object = None) -> str | None:  # type: ignore[override]
            raise KeyError(key)

    cfg = load_config(repo, environ=Broken())
    assert [d.rule for d in cfg.report.diagnostics] == ["config.internal"]


def test_rules_covered() -> None:
    """Every rule of the table is produced by a fixture of this module (or named here)."""
    repository = {
        "config.no-instruction-file",
        "config.file-not-found",
        "config.legacy-env",
        "config.both-files",
        "config.outside-repo",
        "config.unreadable",
        "config.not-versioned",
        "config.file-too-large",
        "config.uncommitted-loosening",
        "config.head-invalid",
        "config.policy-unvalidated",
        "config.ref-not-found",
        "config.head-unreadable",
        "config.internal",
    }
    # Produced by the migrate command's safety net (config.md §11.5), tested with migrate.
    elsewhere = {"config.migrate-changed-meaning"}
    assert set(RULES) == set(TEXT_FIXTURES) | repository | elsewhere


def test_text_form_and_json() -> None:
    diag = make(
        "config.range",
        "waves must be ≥ 3 (got 2)",
        file="CLAUDE.md",
        line=42,
        column=12,
        key="waves",
        value=2,
        expected="≥ 3",
    )
    assert diag.text() == (
        "CLAUDE.md:42:12: error: config.range: waves must be ≥ 3 (got 2)\n  hint: use a value ≥ 3"
    )
    assert diag.category == "content"
    assert Diagnostic.from_json(diag.to_json()) == diag
    assert make("config.unreadable", "x").category == "env"
    with pytest.raises(AttributeError):
        diag.line = 3  # type: ignore[misc]
    assert show("x" * 200).endswith("…") and len(show("x" * 200)) == 80
    assert show(True) == "true" and show(None) == "null" and show(2) == "2"


def test_diagnostics_are_in_file_order() -> None:
    cfg = load_config_text(H + "wavez: 1\nwaves: 2\nenforcement: lax\n")
    lines = [d.line or 0 for d in cfg.report.diagnostics]
    assert lines == sorted(lines)


def test_secret_values_are_masked() -> None:
    cfg = load_config_text(H + "webhooks:\n  slack:\n    url: not a url with token=abc\n")
    for diag in cfg.report.diagnostics:
        assert "abc" not in diag.message and "abc" not in str(diag.value)


def test_values_survive_copy_and_pickle() -> None:
    import copy
    import pickle

    cfg = load_config_text(H + "waves: 2\nhooks.fail-mode: open\n")
    report = cfg.report
    diag = report.diagnostics[0]
    assert copy.deepcopy(diag) is diag
    assert pickle.loads(pickle.dumps(diag)) == diag
    source = report.provenance["hooks.fail-mode"]
    assert pickle.loads(pickle.dumps(source)) == source
    clone = pickle.loads(pickle.dumps(report))
    assert (clone.status, clone.diagnostics, clone.provenance) == (
        report.status,
        report.diagnostics,
        report.provenance,
    )
