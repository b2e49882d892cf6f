"""render_section / render_starter: the canonical style reads back as written (config.md §9.5)."""

from __future__ import annotations

import pytest
import yaml

from sessionkit.config import SessionConfig, load_config_text
from sessionkit.config.render import (
    double_quoted,
    flow_value,
    plain_is_safe,
    render_section,
    render_starter,
    render_yaml,
    scalar,
)


def loads(section: str) -> SessionConfig:
    return load_config_text("# Project\n\n" + section)


def problems(cfg: SessionConfig) -> list[str]:
    return [d.text() for d in cfg.report.diagnostics if d.severity in ("error", "warning")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-3, "-3"),
        (0.5, "0.5"),
        (1e-05, "1e-05"),
        ("github", "github"),
        ("~/vault", "~/vault"),
        ("python -m pytest -q", "python -m pytest -q"),
        ("52", '"52"'),
        ("true", '"true"'),
        ("NULL", '"NULL"'),
        ("~", '"~"'),
        ("1e3", '"1e3"'),
        ("", '""'),
        (" padded", '" padded"'),
        ("Always run: make check", '"Always run: make check"'),
        ("ends with colon:", '"ends with colon:"'),
        ("issue #12", '"issue #12"'),
        ("issue#12", "issue#12"),
        ("`make` first", '"`make` first"'),
        ("[WIP] fix", '"[WIP] fix"'),
        ("- item", '"- item"'),
        ("**bold**", '"**bold**"'),
        ('say "hi"', 'say "hi"'),
        ("'quoted' start", "\"'quoted' start\""),
        ("tab\there", '"tab\\there"'),
        ("line\nbreak", '"line\\nbreak"'),
        ("yes", "yes"),
    ],
)
def test_scalar_is_plain_only_when_it_reads_back_as_the_same_string(
    value: object, expected: str
) -> None:
    assert scalar(value) == expected


def test_flow_scalars_quote_flow_indicators() -> None:
    assert flow_value(["a", "b c", "x,y", "[z]"]) == '[a, b c, "x,y", "[z]"]'
    assert flow_value({"default": 6, "deep": 18}) == "{default: 6, deep: 18}"
    assert plain_is_safe("a:b") is True
    assert plain_is_safe("a:b", flow=True) is False


def test_double_quoted_escapes_what_yaml_refuses_raw() -> None:
    text = 'a"b\\c\x7f\x01é'
    quoted = double_quoted(text)
    assert quoted == '"a\\"b\\\\c\\u007f\\u0001é"'
    assert yaml.safe_load(quoted) == text


def test_render_yaml_uses_block_objects_flow_lists_and_block_records() -> None:
    body = render_yaml(
        {
            "waves": 4,
            "discovery-probes": ["code", "arch"],
            "vault-integration": {"enabled": True, "vault-dir": "~/vault"},
            "agents-per-wave": {"default": 6, "deep": 18},
            "custom-phases": [{"name": "docs", "command": "make docs", "when": "both"}],
            "drift-check": {"include-paths": ["README.md", "docs/**/*.md"]},
        },
        comments={"waves": "CLAUDE.md:7"},
    )
    assert body == (
        "waves: 4  # CLAUDE.md:7\n"
        "discovery-probes: [code, arch]\n"
        "vault-integration:\n"
        "  enabled: true\n"
        "  vault-dir: ~/vault\n"
        "agents-per-wave: {default: 6, deep: 18}\n"
        "custom-phases:\n"
        "  - name: docs\n"
        "    command: make docs\n"
        "    when: both\n"
        "drift-check:\n"
        "  include-paths:\n"
        "    - README.md\n"
        "    - docs/**/*.md\n"
    )


def test_render_section_of_a_mapping_loads_back_without_problems() -> None:
    mapping = {
        "agents-per-wave": {"default": 6, "deep": 18},
        "waves": 4,
        "special": "Always run: make check",
        "test-command": "python -m pytest -q",
        "discovery-probes": ["code", "arch"],
        "hooks": {"fail-mode": "closed", "disable": ["verify"]},
        "custom-phases": [{"name": "docs", "command": "make docs"}],
        "baseline-project-id": "52",
    }
    section = render_section(mapping)
    assert section.startswith("## Session Config\n\n```yaml\n")
    assert section.endswith("```\n")
    cfg = loads(section)
    assert problems(cfg) == []
    document = cfg.to_json()
    for key in ("waves", "special", "test-command", "discovery-probes", "baseline-project-id"):
        assert document[key] == mapping[key]
    assert document["agents-per-wave"] == {"default": 6, "deep": 18}
    assert document["hooks"]["disable"] == ["verify"]
    assert document["custom-phases"][0]["command"] == "make docs"


def test_render_section_of_a_config_writes_only_what_differs_from_the_defaults() -> None:
    cfg = loads("## Session Config\n\nwaves: 9\nvault-integration:\n  enabled: true\n")
    section = render_section(cfg)
    assert section == (
        "## Session Config\n\n```yaml\nwaves: 9\nvault-integration:\n  enabled: true\n```\n"
    )
    assert loads(section).to_json() == cfg.to_json()


def test_render_section_of_the_defaults_is_an_empty_block_that_loads_to_defaults() -> None:
    section = render_section(SessionConfig.defaults())
    assert section == "## Session Config\n\n```yaml\n```\n"
    assert loads(section).to_json() == SessionConfig.defaults().to_json()


@pytest.mark.parametrize(
    "commands",
    [
        {"test": "python -m pytest -q", "typecheck": "python -m mypy .", "lint": "ruff check ."},
        {"test-command": "npm test", "typecheck-command": "npm run typecheck"},
        {"test": "skip", "typecheck": "skip", "lint": "skip"},
        {"test": "pnpm test -- --run 'a b'"},
    ],
)
def test_render_starter_loads_with_zero_errors_and_zero_warnings(commands: dict[str, str]) -> None:
    section = render_starter(commands)
    cfg = loads(section)
    assert problems(cfg) == []
    document = cfg.to_json()
    for short in ("test", "typecheck", "lint"):
        given = commands.get(short, commands.get(f"{short}-command"))
        assert document[f"{short}-command"] == given
    defaults = SessionConfig.defaults().to_json()
    for key in ("agents-per-wave", "waves", "persistence", "enforcement"):
        assert document[key] == defaults[key]


def test_render_starter_layout_matches_the_integration_example() -> None:
    section = render_starter(
        {"test": "python -m pytest -q", "typecheck": "python -m mypy .", "lint": "ruff check ."}
    )
    assert section.splitlines()[:6] == [
        "## Session Config",
        "",
        "```yaml",
        "test-command: python -m pytest -q",
        "typecheck-command: python -m mypy .",
        "lint-command: ruff check .",
    ]
