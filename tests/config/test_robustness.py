"""Properties 4-6 of config.md §17.4: robustness, provenance, schema agreement."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionkit.config import ConfigError, load_config, load_config_text
from sessionkit.config import keyschema as ks
from sessionkit.config._keys import ALIASES
from sessionkit.config.api import clear_memo
from sessionkit.config.diagnostics import RULES
from sessionkit.schemas import validator as _make_validator

HEADER = "## Session Config\n\n"
TIME_LIMIT = 1.0
_VALIDATORS: dict[str, Any] = {}


def validator(name: str) -> Any:
    """One validator per schema for the whole module (building one checks the schema)."""
    if name not in _VALIDATORS:
        _VALIDATORS[name] = _make_validator(name)
    return _VALIDATORS[name]


# Text built from the pieces the grammar reacts to, so that random input reaches deep stages.
_PIECES = [
    "waves",
    "hooks.fail-mode",
    "agents-per-wave",
    "custom-phases",
    "vault-integration",
    ":",
    ": ",
    "- ",
    "**",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "#",
    " # ",
    "```",
    "```yaml",
    "~~~",
    "<!--",
    "-->",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "|",
    ">",
    "&a",
    "*a",
    "!!str",
    "? ",
    "---",
    "...",
    "## Session Config",
    "# H1",
    "### x",
    "6 (deep: 18)",
    "true",
    "none",
    "1e3",
    "\x00",
    "\ufeff",
    "é",
    "\udcff",
]
section_text = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=8)), max_size=120).map(
    "".join
)


def _check(cfg: Any, lines: int, elapsed: float) -> None:
    assert elapsed < TIME_LIMIT, f"took {elapsed:.2f}s"
    for diag in cfg.report.diagnostics:
        assert diag.rule in RULES, diag
        assert diag.severity in ("error", "warning", "info")
        if diag.line is not None:
            assert 1 <= diag.line <= max(lines, 1), (diag, lines)
    validator("session-config").validate(cfg.to_json())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section_text)
def test_random_section_text_never_raises(body: str) -> None:
    text = HEADER + body
    started = time.perf_counter()
    cfg = load_config_text(text)
    elapsed = time.perf_counter() - started
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    _check(cfg, lines, elapsed)
    assert not any(d.rule == "config.internal" for d in cfg.report.diagnostics), [
        d.message for d in cfg.report.diagnostics if d.rule == "config.internal"
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=64 * 1024))
def test_random_bytes_as_a_whole_file(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    root = tmp_path_factory.mktemp("bytes")
    (root / "CLAUDE.md").write_bytes(data)
    clear_memo()
    started = time.perf_counter()
    cfg = load_config(root, use_cache=False, environ={})
    elapsed = time.perf_counter() - started
    lines = data.count(b"\n") + data.count(b"\r") + 1
    _check(cfg, lines, elapsed)
    assert not any(d.rule == "config.internal" for d in cfg.report.diagnostics)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(section_text)
def test_strict_raises_only_config_error(
    tmp_path_factory: pytest.TempPathFactory, body: str
) -> None:
    root = tmp_path_factory.mktemp("strict")
    (root / "CLAUDE.md").write_text(HEADER + body, errors="surrogateescape")
    clear_memo()
    try:
        cfg = load_config(root, strict=True, use_cache=False, environ={})
    except ConfigError as err:
        assert err.kind == "invalid"
        assert err.diagnostics and all(d.severity in ("error", "warning") for d in err.diagnostics)
    else:
        assert not cfg.report.errors and not cfg.report.warnings


def _alias_names(key: str) -> set[str]:
    names = {key.split(".")[-1], key.split(".")[0]}
    for alias, canonical in ALIASES.items():
        if canonical == key or key.startswith(canonical + "."):
            names.update({alias.split(".")[-1], alias.split(".")[0]})
    return names


@settings(max_examples=120, deadline=None)
@given(section_text)
def test_provenance_points_at_the_key(body: str) -> None:
    """Property 5: every provenance entry names a line that contains the key or an alias."""
    text = HEADER + body
    cfg = load_config_text(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for key, source in cfg.report.provenance.items():
        line = lines[source.line - 1]
        assert any(name in line for name in _alias_names(key)), (key, source, line)


# Property 6: every single-key mutation outside the schema is reported with its keyword's rule.
MUTATIONS = [
    ("waves: 2", "config.range"),
    ("waves: 51", "config.range"),
    ("waves: many", "config.type"),
    ("persistence: 3", "config.type"),
    ("enforcement: lax", "config.enum"),
    ("plan-prd-location: ../up", "config.pattern"),
    ("hooks.disable: [commands, commands]", "config.range"),
    ("drift-check.include-paths: []", "config.range"),
    ("custom-phases:\n  - command: make x", "config.required"),
    ("learnings.ttl-days: {Bad_Type: 3}", "config.enum"),  # propertyNames -> enum (§8.3)
    ("agent-mapping: {robot: x}", "config.enum"),
    ("hooks.deadline-ms: 50", "config.range"),
    ("metrics.rotation.events.max-mb: 0", "config.range"),
    ("learnings.decay-rate: 1", "config.range"),
    ("protected-paths.add:\n  - id: x\n    patterns: []", "config.range"),
]


@pytest.mark.parametrize(("line", "rule"), MUTATIONS)
def test_mutation_is_reported_with_its_keyword_rule(line: str, rule: str) -> None:
    cfg = load_config_text(HEADER + line + "\n")
    assert rule in {d.rule for d in cfg.report.errors}, cfg.report.diagnostics
    validator("session-config").validate(cfg.to_json())


def test_every_default_document_validates() -> None:
    validator("session-config").validate(load_config_text("").to_json())
    assert ks.defaults() == {
        k: v for k, v in load_config_text("").to_json().items() if k in ks.defaults()
    }


ADVERSARIAL = {
    "alias-bomb": "special:\n  - &a [x, x]\n" + "  - *a\n" * 5000,
    "deep-nesting": "k: " + "[" * 10000 + "]" * 10000 + "\n",
    "many-keys": "".join(f"k{i}: {i}\n" for i in range(60000)),
    "long-line": "special: " + "a: " * 350_000 + "\n",
    "tags": "a: !!python/object/apply:os.system ['echo hi']\n- !x y\n",
    "many-fences": "```\n" * 50_000,
    "many-comments": "<!--\n" * 100_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_sections_are_bounded(name: str) -> None:
    body = ADVERSARIAL[name]
    started = time.perf_counter()
    cfg = load_config_text(HEADER + body)
    elapsed = time.perf_counter() - started
    assert elapsed < 8.0, f"{name} took {elapsed:.1f}s"  # 4x the 2 s budget of §16
    assert not any(d.rule == "config.internal" for d in cfg.report.diagnostics)
    validator("session-config").validate(cfg.to_json())


def test_limits_report_their_rules() -> None:
    def rules_of(body: str) -> set[str]:
        return {d.rule for d in load_config_text(HEADER + body).report.diagnostics}

    assert "config.yaml-alias" in rules_of(ADVERSARIAL["alias-bomb"])
    assert "config.too-deep" in rules_of(ADVERSARIAL["deep-nesting"])
    assert "config.too-many-nodes" in rules_of(ADVERSARIAL["many-keys"])
    assert "config.yaml-tag" in rules_of("special:\n  - !x y\n")
    assert "config.value-too-long" in rules_of("special: |\n  " + "x" * 70_000 + "\n")
    assert "config.section-too-large" in rules_of("special: " + "x" * (1024 * 1024 + 10) + "\n")


def test_file_too_large(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"CLAUDE.md": HEADER + "waves: 4\n" + "x" * (8 * 1024 * 1024 + 1)})
    cfg = load_config(repo, use_cache=False, environ={})
    assert cfg.waves == 5
    assert "config.file-too-large" in {d.rule for d in cfg.report.errors}
