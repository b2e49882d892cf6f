"""Config-weakening detection: recognised files (§11.1), detectors (§11.3), JS/TS literal
extraction (§11.4), modes (§11.5)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.policy import weakening
from sessionkit.policy.jsliteral import NOT_LITERAL, literal_document


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pyproject.toml", True),
        ("sub/pkg/pyproject.toml", True),
        ("setup.cfg", True),
        (".coveragerc", True),
        ("ruff.toml", True),
        ("mypy.ini", True),
        (".eslintrc.yml", True),
        ("eslint.config.mjs", True),
        ("tsconfig.build.json", True),
        ("jest.config.ts", True),
        ("vitest.config.mts", True),
        ("package.json", True),
        ("src/app.py", False),
        ("tsconfig.json.bak", False),
        ("eslint.config.py", False),
    ],
)
def test_is_recognised(path: str, expected: bool) -> None:
    assert weakening.is_recognised(path) is expected


def test_is_recognised_is_stdlib_only() -> None:
    code = (
        "import sys, sessionkit.policy.weakening as w; w.is_recognised('pyproject.toml');"
        "print(sorted(m for m in ('tomllib','yaml','configparser','click','jsonschema')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# (path, old, new, expected rule ids)
CASES: list[tuple[str, str, str, list[str]]] = [
    (
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 90\n",
        "[tool.coverage.report]\nfail_under = 50\n",
        ["weaken.coverage-threshold-lowered"],
    ),
    (
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 90\n",
        "[tool.coverage.report]\nfail_under = 95\n",
        [],
    ),
    (
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 90\n",
        "[tool.coverage.report]\n",
        ["weaken.coverage-threshold-lowered"],
    ),
    (
        "pyproject.toml",
        '[tool.coverage.run]\nomit = ["a.py"]\n',
        '[tool.coverage.run]\nomit = ["a.py", "src/*"]\n',
        ["weaken.coverage-exclusion-added"],
    ),
    (
        "pyproject.toml",
        '[tool.pytest.ini_options]\naddopts = "--cov=x --cov-fail-under=80"\n',
        '[tool.pytest.ini_options]\naddopts = ["--cov=x", "--cov-fail-under", "70"]\n',
        ["weaken.coverage-threshold-lowered"],
    ),
    (
        "pyproject.toml",
        '[tool.ruff.lint]\nselect = ["E", "F", "B"]\n',
        '[tool.ruff.lint]\nselect = ["E", "F"]\n',
        ["weaken.lint-rule-relaxed"],
    ),
    (
        "pyproject.toml",
        '[tool.ruff.lint]\nselect = ["E"]\n',
        '[tool.ruff.lint]\nselect = ["E"]\nextend-ignore = ["E501"]\n',
        ["weaken.lint-rule-relaxed"],
    ),
    (
        "pyproject.toml",
        "[tool.ruff]\n",
        '[tool.ruff.lint.per-file-ignores]\n"src/*" = ["F401"]\n',
        ["weaken.lint-rule-relaxed"],
    ),
    (
        "ruff.toml",
        'exclude = ["build"]\n',
        'exclude = ["build", "src/legacy"]\n',
        ["weaken.lint-paths-excluded"],
    ),
    (
        "pyproject.toml",
        "[tool.mypy]\nstrict = true\n",
        "[tool.mypy]\nstrict = false\n",
        ["weaken.type-check-relaxed"],
    ),
    (
        "pyproject.toml",
        "[tool.mypy]\nstrict = true\n",
        "[tool.mypy]\nstrict = true\nignore_missing_imports = true\n",
        ["weaken.type-check-relaxed"],
    ),
    (
        "pyproject.toml",
        "[tool.mypy]\n",
        '[[tool.mypy.overrides]]\nmodule = ["legacy.*"]\nignore_errors = true\n',
        ["weaken.type-check-paths-excluded"],
    ),
    (
        "setup.cfg",
        "[mypy]\ndisallow_untyped_defs = True\n",
        "[mypy]\ndisallow_untyped_defs = False\n[mypy-x.*]\nignore_errors = True\n",
        ["weaken.type-check-paths-excluded", "weaken.type-check-relaxed"],
    ),
    (
        ".coveragerc",
        "[report]\nfail_under = 85\nexclude_lines =\n    pragma: no cover\n",
        "[report]\nfail_under = 85\nexclude_lines =\n    pragma: no cover\n    def __repr__\n",
        ["weaken.coverage-exclusion-added"],
    ),
    (
        "pytest.ini",
        "[pytest]\naddopts = --cov-fail-under 90\n",
        "[pytest]\naddopts = -q\n",
        ["weaken.coverage-threshold-lowered"],
    ),
    (
        "tsconfig.json",
        '{\n  // strict build\n  "compilerOptions": {"strict": true,},\n}',
        '{"compilerOptions": {"strict": true, "noImplicitAny": false}}',
        ["weaken.type-check-relaxed"],
    ),
    (
        "tsconfig.json",
        '{"compilerOptions": {"strict": true}}',
        '{"compilerOptions": {"strict": true, "skipLibCheck": true}, "exclude": ["src/old"]}',
        ["weaken.type-check-paths-excluded", "weaken.type-check-relaxed"],
    ),
    (
        "tsconfig.json",
        '{"compilerOptions": {"noImplicitAny": true}}',
        '{"compilerOptions": {"noImplicitAny": true, "noUnusedLocals": true}}',
        [],
    ),
    (
        ".eslintrc.json",
        '{"extends": ["eslint:recommended"], "rules": {"no-console": "error"}}',
        '{"extends": [], "rules": {"no-console": ["warn"]}}',
        ["weaken.lint-preset-removed", "weaken.lint-rule-relaxed"],
    ),
    (
        ".eslintrc.yml",
        "rules:\n  eqeqeq: 2\n",
        "rules:\n  eqeqeq: 2\nignorePatterns: [dist]\n",
        ["weaken.lint-paths-excluded"],
    ),
    (".eslintignore", "# c\ndist\n", "# c\ndist\nsrc/\n", ["weaken.lint-paths-excluded"]),
    (
        "eslint.config.js",
        'export default [{ rules: { "no-console": "error" } }];',
        'export default [{ rules: { "no-console": "off" } }];',
        ["weaken.lint-rule-relaxed"],
    ),
    (
        "package.json",
        '{"jest": {"coverageThreshold": {"global": {"lines": 80}}}}',
        '{"jest": {"coverageThreshold": {"global": {"lines": 60}}}}',
        ["weaken.coverage-threshold-lowered"],
    ),
    (
        "jest.config.ts",
        "const config = { testPathIgnorePatterns: ['/node_modules/'] };\nexport default config;",
        "const config = { testPathIgnorePatterns: ['/node_modules/', 'e2e'] };\n"
        "export default config;",
        ["weaken.tests-excluded"],
    ),
    (
        "vitest.config.ts",
        "export default defineConfig({ test: { coverage: { thresholds: { lines: 90 } } } })",
        "export default defineConfig({ test: { coverage: { thresholds: { lines: 80 } } } })",
        ["weaken.coverage-threshold-lowered"],
    ),
    (
        "vitest.config.ts",
        "export default defineConfig({ test: { coverage: { thresholds: { lines: 90 } } } })",
        "export default defineConfig({ test: { coverage: { thresholds: { lines: LIMIT } } } })",
        [],
    ),
    ("pyproject.toml", "[tool.ruff]\n", "[tool.ruff\n", ["weaken.unparseable"]),
    ("src/app.py", "x = 1\n", "x = 1  # type: ignore\n", []),
]


@pytest.mark.parametrize(("path", "old", "new", "expected"), CASES)
def test_detectors(path: str, old: str, new: str, expected: list[str]) -> None:
    findings = weakening.compare(path, old, new)
    assert sorted({f.rule_id for f in findings}) == expected
    for finding in findings:
        assert finding.action == "warn" and finding.target == path


def test_details_carry_key_and_values() -> None:
    (finding,) = weakening.compare(
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 90\n",
        "[tool.coverage.report]\nfail_under = 50\n",
    )
    assert finding.details == {"key": "fail_under", "old": 90, "new": 50}


def test_split_edits_are_caught_because_whole_files_are_compared() -> None:
    first = '[tool.ruff.lint]\nselect = ["E", "F", "B"]\n'
    second = '[tool.ruff.lint]\nselect = ["E", "F"]\n'
    assert weakening.compare("pyproject.toml", first, second)


@pytest.mark.parametrize(
    ("config", "actions"),
    [
        (None, ["warn", "warn"]),
        ({"mode": "strict"}, ["block", "warn"]),
        ({"mode": "off"}, []),
        ({"enabled": False}, []),
    ],
)
def test_modes(config: Any, actions: list[str]) -> None:
    lowered = weakening.compare(
        "pyproject.toml",
        "[tool.coverage.report]\nfail_under = 90\n",
        "[tool.coverage.report]\nfail_under = 50\n",
        config=config,
    )
    broken = weakening.compare("tsconfig.json", "{}", "{", config=config)
    assert [f.action for f in lowered + broken] == actions


def test_inline_suppression_detector_is_opt_in() -> None:
    config = {"mode": "warn", "detectors": {"inline-suppression": True}}
    found = weakening.compare("src/a.ts", "x()\n", "x() // eslint-disable-line\n", config=config)
    assert [f.rule_id for f in found] == ["weaken.inline-suppression-added"]


def test_session_config_allow_config_weakening(make_repo: Any) -> None:
    from sessionkit.config import load_config

    root = make_repo(
        files={"CLAUDE.md": "# x\n\n## Session Config\n\nallow-config-weakening: true\n"}
    )
    assert weakening.mode_of(load_config(root))[0] == "off"


def test_shell_write_findings() -> None:
    found = weakening.shell_write_findings(
        ["pyproject.toml", "src/a.py"], config={"mode": "strict"}
    )
    assert [(f.rule_id, f.action, f.target) for f in found] == [
        ("weaken.shell-edit-unverifiable", "block", "pyproject.toml")
    ]


def test_js_literals() -> None:
    doc = literal_document(
        "import x from 'y';\n"
        "const base = { lines: 80 };\n"
        "module.exports = { a: -1, b: `t`, c: `${x}`, d: /re/g, e: 1 / 2, base, f: [1, 'x'],"
        " g: { h: null } as const, ...spread, [k]: 3 };"
    )
    assert doc["a"] == -1.0 and doc["b"] == "t"
    assert doc["c"] is NOT_LITERAL and doc["d"] is NOT_LITERAL and doc["e"] is NOT_LITERAL
    assert doc["base"] == {"lines": 80.0} and doc["f"] == [1.0, "x"] and doc["g"] == {"h": None}
    assert set(doc) == {"a", "b", "c", "d", "e", "base", "f", "g"}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="{}[]()'\"`/*,:=ab1 \n.-", max_size=60))
def test_js_extractor_never_crashes(text: str) -> None:
    try:
        doc = literal_document(text)
    except ValueError:
        return  # unbalanced brackets: reported as unparseable by compare()
    assert doc is NOT_LITERAL or isinstance(doc, (dict, list, str, float, bool)) or doc is None


def test_whole_session_config_json_is_accepted() -> None:
    old = "[tool.coverage.report]\nfail_under = 90\n"
    new = "[tool.coverage.report]\nfail_under = 50\n"
    strict = {"config-protection": {"mode": "strict"}, "hooks": {}}
    assert [f.action for f in weakening.compare("pyproject.toml", old, new, config=strict)] == [
        "block"
    ]
    assert (
        weakening.compare("pyproject.toml", old, new, config={"allow-config-weakening": True}) == []
    )


def test_absolute_paths_are_shown_relative_to_root(tmp_path: Any) -> None:
    path = tmp_path / "pkg" / "pyproject.toml"
    old = "[tool.coverage.report]\nfail_under = 90\n"
    new = "[tool.coverage.report]\nfail_under = 10\n"
    (finding,) = weakening.compare(str(path), old, new, root=tmp_path)
    assert finding.target == "pkg/pyproject.toml" and "`pkg/pyproject.toml`" in finding.summary
    (shell,) = weakening.shell_write_findings([str(path)], root=tmp_path)
    assert shell.target == "pkg/pyproject.toml"
