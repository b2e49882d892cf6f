"""Properties of config.md §17.4: round trip, style equivalence, migrate.

Configurations are drawn from strategies generated from ``schemas/session-config.schema.json``
itself (every type, bound, enum and pattern), so a key added to the schema is covered without
touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sessionkit import schemas
from sessionkit.config import SessionConfig, load_config_text
from sessionkit.config.migrate import migrate_text, split_with_endings
from sessionkit.config.render import render_section, scalar

SCHEMA = schemas.load_schema("session-config")
VALIDATOR = schemas.validator("session-config")
# Keys whose valid values still draw a semantic warning, or need a HEAD to be meaningful:
# left to the unit tests of their owners.
EXCLUDED = {
    "heavy-repo",  # config.cross-field with isolation auto
    "persona-gate-wave",  # enabled with mode off warns
    "webhooks",  # credentials in URLs warn
    "protected-paths",  # floors
    "loop-guard",  # window < threshold is raised
    "config-protection",  # folded with allow-config-weakening
    "allow-config-weakening",
    "state-md-lock",  # enabled: false is an ignored value
}
# Plain scalars the profile reads as something other than a string (config.md §4.3).
NON_STRING = re.compile(
    r"(?i:~|null|true|false)\Z|[-+]?[0-9]+\Z|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z"
)
TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"
    ),
    min_size=1,
    max_size=24,
)


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind]
    return [str(kind)] if kind else []


def _string(node: Mapping[str, Any]) -> st.SearchStrategy[str]:
    if "enum" in node:
        return st.sampled_from([v for v in node["enum"] if isinstance(v, str)])
    if "pattern" in node:
        strategy = st.from_regex(node["pattern"], fullmatch=True)
    else:
        strategy = TEXT
    low, high = node.get("minLength", 0), node.get("maxLength", 64)
    return strategy.filter(
        lambda s: (
            low <= len(s) <= min(high, 64)
            and s == s.strip()
            and not NON_STRING.match(s)
            and s.lower() not in ("none", "")
            and "\n" not in s
            and "\r" not in s
            and s.isprintable()
        )
    )


def strategy(node: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for values valid against schema ``node``."""
    if "const" in node:
        return st.just(node["const"])
    branches = node.get("oneOf") or node.get("anyOf")
    if branches:
        return st.one_of([strategy(b, depth) for b in branches])
    if "enum" in node and not _types(node):
        return st.sampled_from(node["enum"])
    options: list[st.SearchStrategy[Any]] = []
    for kind in _types(node):
        if kind == "null":
            options.append(st.none())
        elif kind == "boolean":
            options.append(
                st.sampled_from([v for v in node["enum"] if isinstance(v, bool)])
                if "enum" in node
                else st.booleans()
            )
        elif kind == "integer":
            low = node.get("minimum", node.get("exclusiveMinimum", -1000 - 1) + 1)
            high = node.get("maximum", node.get("exclusiveMaximum", 100000 + 1) - 1)
            options.append(st.integers(min_value=int(low), max_value=int(high)))
        elif kind == "number":
            options.append(
                st.floats(
                    min_value=node.get("minimum", node.get("exclusiveMinimum", -1e6)),
                    max_value=node.get("maximum", node.get("exclusiveMaximum", 1e6)),
                    exclude_min="exclusiveMinimum" in node,
                    exclude_max="exclusiveMaximum" in node,
                    allow_nan=False,
                    allow_infinity=False,
                )
                .map(lambda f: round(f, 4))
                .filter(lambda f: _in_bounds(f, node))
            )
        elif kind == "string":
            options.append(_string(node))
        elif kind == "array" and depth < 3:
            items = strategy(node.get("items", {"type": "string"}), depth + 1)
            options.append(
                st.lists(
                    items,
                    min_size=node.get("minItems", 0),
                    max_size=min(node.get("maxItems", 3), 3),
                    unique_by=(lambda v: repr(v)) if node.get("uniqueItems") else None,
                )
            )
        elif kind == "object" and depth < 3:
            options.append(_object(node, depth))
    if not options:
        return st.nothing()
    return st.one_of(options)


def _in_bounds(value: float, node: Mapping[str, Any]) -> bool:
    if "minimum" in node and value < node["minimum"]:
        return False
    if "maximum" in node and value > node["maximum"]:
        return False
    if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
        return False
    return not ("exclusiveMaximum" in node and value >= node["exclusiveMaximum"])


def _canonical(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: node
        for key, node in properties.items()
        if not node.get("deprecated")
        and "x-sessionkit-alias-of" not in node
        and key not in EXCLUDED
    }


def _object(node: Mapping[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    properties = _canonical(node.get("properties", {}))
    required = set(node.get("required", ()))
    if not properties:
        return st.just({})
    return st.fixed_dictionaries(
        {k: strategy(v, depth + 1) for k, v in properties.items() if k in required},
        optional={k: strategy(v, depth + 1) for k, v in properties.items() if k not in required},
    )


TOP = _canonical(SCHEMA["properties"])
CONFIGS = st.lists(st.sampled_from(sorted(TOP)), min_size=1, max_size=6, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: strategy(TOP[k]) for k in keys})
)
SCALAR_KEYS = sorted(
    k
    for k, n in TOP.items()
    if set(_types(n)) <= {"string", "integer", "number", "boolean", "null"} and _types(n)
)
SCALAR_CONFIGS = st.lists(
    st.sampled_from(SCALAR_KEYS), min_size=1, max_size=8, unique=True
).flatmap(lambda keys: st.fixed_dictionaries({k: strategy(TOP[k]) for k in keys}))


def load(section: str) -> SessionConfig:
    return load_config_text("# Project\n\n" + section)


def rules(cfg: SessionConfig) -> list[tuple[str, str, str | None]]:
    """Diagnostics without positions: styles move lines, never meanings."""
    return sorted(
        (d.rule, d.severity, d.key) for d in cfg.report.diagnostics if d.severity != "info"
    )


def problems(cfg: SessionConfig) -> list[str]:
    return [d.text() for d in cfg.report.diagnostics if d.severity in ("error", "warning")]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(CONFIGS)
def test_round_trip(mapping: dict[str, Any]) -> None:
    """Property 1: render a valid configuration, load it back: same values, no problems."""
    first = load(render_section(mapping))
    assume(not problems(first))  # only semantic cross-field checks can object to valid values
    again = load(render_section(first))
    assert problems(again) == []
    assert again.to_json() == first.to_json()
    VALIDATOR.validate(first.to_json())
    for key, value in mapping.items():
        if isinstance(value, (bool, int, float, str)) and value is not None:
            assert first.to_json()[key] == value


def _styled(mapping: Mapping[str, Any], style: str) -> str:
    lines = []
    for key, value in mapping.items():
        text = scalar(value)
        if style == "bold-bullet":
            lines.append(f"- **{key}:** {text}")
        elif style == "plain-bullet":
            lines.append(f"- {key}: {text}")
        else:
            lines.append(f"{key}: {text}")
    body = "\n".join(lines) + "\n"
    if style == "fenced":
        body = f"```yaml\n{body}```\n"
    return f"## Session Config\n\n{body}"


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(SCALAR_CONFIGS)
def test_style_equivalence(mapping: dict[str, Any]) -> None:
    """Property 2: bold-bullet, plain-bullet, plain and fenced styles load to the same values."""
    assume(not any(isinstance(v, str) and ("<!--" in v or "-->" in v) for v in mapping.values()))
    results = {
        style: load(_styled(mapping, style))
        for style in ("plain", "fenced", "bold-bullet", "plain-bullet")
    }
    reference = results["plain"].to_json()
    for style, cfg in results.items():
        assert cfg.to_json() == reference, style
        assert rules(cfg) == rules(results["plain"]), style


# -- property 3: migrate on anchor-style sections -----------------------------------------------

ANCHOR_PAIRS = [
    ("waves", "4"),
    ("agents-per-wave", "6 (deep: 18)"),
    ("recent-commits", "9"),
    ("special", "Always run: make check"),
    ("vcs", "github"),
    ("persistence", "TRUE"),
    ("enforcement", "STRICT"),
    ("discovery-probes", "code, arch"),
    ("test-command", "python -m pytest -q"),
    ("learning-decay-rate", "0.1"),
    ("discovery-on-close", "auto"),
    ("mirror", "none"),
    ("wavez", "3"),
    ("max-turns", "AUTO"),
]
BLOCKS = [
    ("vault-integration", [("enabled", "true"), ("vault-dir", "~/vault"), ("mode", "STRICT")]),
    ("cold-start", [("enabled", "false"), ("nudge-after-hours", "3")]),
    ("hooks", [("fail-mode", "closed"), ("warn-as", "ask")]),
    ("persona-reviewers", [("enabled", "true"), ("reviewers", "[security, perf]")]),
    ("events-rotation", [("enabled", "true"), ("max-backups", "7")]),
    ("custom-phases", [("- name", "docs"), ("  command", "make docs"), ("  when", "both")]),
]
NOISE = [
    "Prose about the configuration.",
    "<!-- managed by hand -->",
    "### Sub heading",
    "",
    "---",
]


@st.composite
def anchor_sections(draw: st.DrawFn) -> str:
    pairs = draw(
        st.lists(st.sampled_from(ANCHOR_PAIRS), min_size=1, max_size=8, unique_by=lambda p: p[0])
    )
    blocks = draw(st.lists(st.sampled_from(BLOCKS), max_size=2, unique_by=lambda b: b[0]))
    body: list[str] = [""]
    if draw(st.booleans()):
        body += ["Intro prose for the section.", ""]
    items: list[list[str]] = []
    for key, value in pairs:
        style = draw(st.sampled_from(["bold", "bullet", "plain"]))
        comment = draw(st.sampled_from(["", "", "  # note"]))
        line = {
            "bold": f"- **{key}:** {value}",
            "bullet": f"- {key}: {value}",
            "plain": f"{key}: {value}",
        }[style]
        items.append([line + (comment if key != "special" else "")])
    for key, subs in blocks:
        indent = draw(st.sampled_from(["  ", "    ", "\t"]))
        header = draw(st.sampled_from([f"{key}:", f"- **{key}:**", f"{key}:  # block"]))
        items.append([header] + [f"{indent}{k}: {v}" for k, v in subs])
    # A column-0 bullet right after a list of records would be one of its items, so the
    # records come last.
    records = [i for i, item in enumerate(items) if "custom-phases" in item[0]]
    order = [*draw(st.permutations([i for i in range(len(items)) if i not in records])), *records]
    for index in order:
        if draw(st.booleans()):
            body.append(draw(st.sampled_from(NOISE)))
        body.extend(items[index])
    if draw(st.booleans()):
        body += ["", "Closing prose."]
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    prefix = "# Project\n\nIntro.\n\n## Session Config\n".replace("\n", ending)
    suffix = ending.join(["## Next", "", "more text", ""])
    return prefix + ending.join(body) + ending + suffix


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(anchor_sections(), st.booleans())
def test_migrate_keeps_outside_bytes_preserves_meaning_and_is_idempotent(
    text: str, canonical_keys: bool
) -> None:
    """Property 3."""
    result = migrate_text(text, canonical_keys=canonical_keys)
    heading = text.index("## Session Config") + len("## Session Config")
    heading_end = heading + (2 if text[heading : heading + 2] == "\r\n" else 1)
    assert result.text[:heading_end] == text[:heading_end]
    tail = text[text.index("## Next") :]
    assert result.text.endswith(tail)
    before, after = load_config_text(text), load_config_text(result.text)
    assert after.to_json() == before.to_json()
    assert set(after.report.provenance) == set(before.report.provenance)
    assert not migrate_text(result.text, canonical_keys=canonical_keys).changed
    endings = {e for _, e in split_with_endings(result.text) if e}
    assert len(endings) == 1
