"""The generated typed model: frozen value classes with dataclass semantics (config.md §9.2)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionkit import schemas
from sessionkit.config import _keys, _model
from sessionkit.config._model import (
    AgentsPerWave,
    CustomPhase,
    FrozenMap,
    Hooks,
    PersonaGateWave,
    SessionConfig,
)

SCHEMA = schemas.load_schema("session-config")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
X = "x-sessionkit-"

RICH = {
    "agents-per-wave": {"default": 6, "deep": 18},
    "waves": 7,
    "special": "Always run: make check",
    "max-turns": 15,
    "discovery-probes": ["code", "arch"],
    "agent-mapping": {"impl": "code-editor"},
    "enforcement-gates": {"path-guard": True, "bash-write-guard": False},
    "health-endpoints": ["https://a.example/health", {"name": "b", "url": "https://b.example"}],
    "hooks": {"fail-mode": "open", "disable": ["verify"]},
    "persona-gate-wave": {"enabled": True, "threshold": "4-of-6", "personas": ["buyer-a"]},
    "custom-phases": [{"name": "archive", "command": "npm run archive", "when": "both"}],
    "protected-paths": {"add": [{"id": "secrets", "patterns": ["secrets/**"], "action": "block"}]},
    "learnings": {"ttl-days": {"gotcha": 30}, "rank": {"half-life-days": 45.5}},
    "snapshots": {"before-warn": "required"},
    "webhooks": {"slack": {"url": "https://hooks.slack.com/services/T/B/X"}},
}


# --------------------------------------------------------------------------- immutability


def test_instances_are_frozen() -> None:
    cfg = SessionConfig.from_json(RICH)
    with pytest.raises(AttributeError):
        cfg.waves = 3
    with pytest.raises(AttributeError):
        del cfg.waves
    with pytest.raises(AttributeError):
        cfg.hooks.fail_mode = "closed"
    with pytest.raises(AttributeError):
        cfg.new_attribute = 1
    with pytest.raises(TypeError):
        cfg.agent_mapping["impl"] = "other"  # type: ignore[index]
    assert isinstance(cfg.discovery_probes, tuple)
    assert isinstance(cfg.agent_mapping, FrozenMap)
    assert cfg.waves == 7 and cfg.hooks.fail_mode == "open"


def test_frozen_map_is_a_hashable_read_only_mapping() -> None:
    m = FrozenMap({"a": 1, "b": (2, 3)})
    assert m == {"a": 1, "b": (2, 3)} and m == FrozenMap({"b": (2, 3), "a": 1})
    assert hash(m) == hash(FrozenMap({"b": (2, 3), "a": 1}))
    assert dict(m) == {"a": 1, "b": (2, 3)} and len(m) == 2 and "a" in m and m.get("z") is None
    with pytest.raises(AttributeError):
        m.x = 1
    assert FrozenMap({"a": (1,)}) != FrozenMap({"a": 2}) and FrozenMap() == {}


def test_keyword_only_constructor_with_defaults() -> None:
    with pytest.raises(TypeError):
        Hooks("open")  # type: ignore[call-arg]
    hooks = Hooks(fail_mode="open")
    assert hooks.warn_as == "notice" and hooks.deadline_ms == 4000
    with pytest.raises(TypeError):
        CustomPhase(name="x")  # type: ignore[call-arg]  # command is required


# --------------------------------------------------------------------------- equality, report


def test_equality_and_hash_follow_the_values() -> None:
    a = SessionConfig.from_json(RICH)
    b = SessionConfig.from_json(json.loads(json.dumps(RICH)))
    assert a == b and hash(a) == hash(b)
    assert a != a.replace(waves=8)
    assert a != SessionConfig.defaults()
    assert len({a, b, SessionConfig.defaults()}) == 2
    assert Hooks() != "hooks" and Hooks() == Hooks()


def test_report_is_excluded_from_equality_and_hashing() -> None:
    cfg = SessionConfig.from_json(RICH)
    report = SimpleNamespace(provenance={"hooks.fail-mode": ("CLAUDE.md", 12)})
    with_report = cfg.with_report(report)
    assert with_report.report is report and cfg.report is None
    assert with_report == cfg and hash(with_report) == hash(cfg)
    assert with_report.source_of("hooks.fail-mode") == ("CLAUDE.md", 12)
    assert with_report.source_of("waves") is None
    assert cfg.source_of("hooks.fail-mode") is None
    assert with_report.replace(waves=9).report is report


def test_source_of_resolves_aliases_to_the_canonical_key() -> None:
    report = SimpleNamespace(provenance={"learnings.decay-rate": ("CLAUDE.md", 3)})
    cfg = SessionConfig.defaults().with_report(report)
    assert cfg.source_of("learning-decay-rate") == ("CLAUDE.md", 3)


# --------------------------------------------------------------------------- replace


def test_replace_returns_a_changed_copy() -> None:
    cfg = SessionConfig.defaults()
    changed = cfg.replace(waves=9, discovery_probes=["code"], agent_mapping={"impl": "x"})
    assert changed.waves == 9 and cfg.waves == 5
    assert changed.discovery_probes == ("code",)
    assert isinstance(changed.agent_mapping, FrozenMap)
    hash(changed)
    nested = cfg.replace(hooks=cfg.hooks.replace(fail_mode="open"))
    assert nested.hooks.fail_mode == "open" and cfg.hooks.fail_mode == "closed"
    with pytest.raises(TypeError, match="no_such"):
        cfg.replace(no_such=1)


# --------------------------------------------------------------------------- JSON


def test_defaults_are_the_default_document() -> None:
    assert SessionConfig.defaults().to_json() == _keys.DEFAULTS
    assert SessionConfig.from_json({}) == SessionConfig.defaults()
    assert SessionConfig.from_json(_keys.DEFAULTS) == SessionConfig.defaults()


def test_rich_document_round_trips_and_validates() -> None:
    cfg = SessionConfig.from_json(RICH)
    out = cfg.to_json()
    VALIDATOR.validate(out)
    assert _contained(RICH, out)
    assert SessionConfig.from_json(out) == cfg
    assert json.loads(json.dumps(out)) == out
    # absent-by-default values stay absent rather than becoming null
    assert "persona-gate-wave" not in SessionConfig.defaults().to_json()
    assert "coordinator" not in out["protected-paths"]["add"][0]
    assert "url" not in out["webhooks"]["discord"]


def test_agents_per_wave_is_an_int_or_a_mapping() -> None:
    six = AgentsPerWave.from_json(6)
    assert six == AgentsPerWave(default=6) and six.to_json() == 6
    assert six.for_session("deep") == 6 and six.for_session("housekeeping") == 6
    mapping = AgentsPerWave.from_json({"default": 6, "deep": 18})
    assert mapping.to_json() == {"default": 6, "deep": 18}
    assert mapping.for_session("deep") == 18
    assert mapping.for_session("feature") == 6
    assert mapping.for_session("unknown-type") == 6
    assert AgentsPerWave.from_json({"default": 4}).to_json() == 4
    cfg = SessionConfig.from_json({"agents-per-wave": 12})
    assert cfg.agents_per_wave.for_session("deep") == 12


@pytest.mark.parametrize(
    ("threshold", "parsed"),
    [
        ("all", {"kind": "all"}),
        ("any", {"kind": "any"}),
        ("4-of-6", {"kind": "m-of-n", "m": 4, "n": 6}),
        ("20-of-20", {"kind": "m-of-n", "m": 20, "n": 20}),
    ],
)
def test_threshold_parsed(threshold: str, parsed: dict[str, Any]) -> None:
    gate = PersonaGateWave(threshold=threshold)
    assert gate.threshold_parsed == parsed
    cfg = SessionConfig.from_json({"persona-gate-wave": {"threshold": threshold}})
    assert cfg.persona_gate_wave is not None
    assert cfg.persona_gate_wave.threshold_parsed == parsed


# --------------------------------------------------------------------------- get


def test_get_accepts_canonical_keys_and_aliases() -> None:
    cfg = SessionConfig.from_json(RICH)
    assert cfg.get("waves") == 7
    assert cfg.get("hooks.fail-mode") == "open"
    assert cfg.get("hooks") is cfg.hooks
    assert cfg.get("agent-mapping.impl") == "code-editor"
    assert cfg.get("agents-per-wave.deep") == 18
    cfg2 = cfg.replace(learnings=cfg.learnings.replace(decay_rate=0.2))
    assert cfg2.get("learning-decay-rate") == 0.2
    assert cfg.get("events-rotation.max-size-mb") == cfg.metrics.rotation.events.max_mb
    assert cfg.get("persona-reviewers") is cfg.wave_reviewers
    assert cfg.get("sessionkit.snapshot-before-warn") == "required"
    assert cfg.get("cpu-load-max-pct") == 90
    for missing in ("wavez", "hooks.nope", "waves.deep", "agent-mapping.test"):
        with pytest.raises(KeyError):
            cfg.get(missing)


def test_every_canonical_key_is_reachable_with_its_default() -> None:
    cfg = SessionConfig.defaults()
    checked = 0
    for key, entry in _keys.KEYS.items():
        if entry.get("alias_only") or "[]" in key or not _reachable_by_default(key):
            continue
        value = cfg.get(key)
        assert _model._thaw(value) == entry["default"], key
        checked += 1
    assert checked > 250


def _reachable_by_default(key: str) -> bool:
    parts = key.split(".")
    for i in range(1, len(parts)):
        parent = _keys.KEYS[".".join(parts[:i])]
        if parent["kind"] in ("map", "union") or "default" not in parent:
            return False
    return "default" in _keys.KEYS[key]


def test_attributes_are_snake_case_of_the_keys() -> None:
    cfg = SessionConfig.defaults()
    assert cfg.allow_destructive_ops is False
    assert cfg.config_protection.detectors.inline_suppression is False
    assert cfg.metrics.rotation.subagents.keep == 5
    assert cfg.drift_check.check_rule_scoping is True
    names = [name for name, _type, _default in SessionConfig.FIELDS]
    assert names[:3] == ["agents_per_wave", "waves", "recent_commits"]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    relax_fields = [name for name, _t, _d in _model.ProtectedRelax.FIELDS]
    assert relax_fields[0] == "class_"  # a keyword gets a trailing underscore


def test_fields_describe_names_types_and_defaults() -> None:
    by_name = {name: (type_, default) for name, type_, default in Hooks.FIELDS}
    assert by_name["fail_mode"] == ('Literal["closed", "open"]', "closed")
    assert by_name["disable"][1] == ()
    fields = {name: default for name, _type, default in CustomPhase.FIELDS}
    assert fields["name"] is _model.REQUIRED and fields["when"] == "session-end"
    top = {name: default for name, _type, default in SessionConfig.FIELDS}
    assert top["hooks"] == Hooks() and top["persona_gate_wave"] is None


# --------------------------------------------------------------------------- digest


def test_digest_is_the_sha256_of_the_canonical_json() -> None:
    cfg = SessionConfig.from_json(RICH)
    text = json.dumps(cfg.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert cfg.digest == hashlib.sha256(text.encode()).hexdigest()
    assert cfg.digest == SessionConfig.from_json(cfg.to_json()).digest
    assert cfg.digest != cfg.replace(waves=8).digest
    assert cfg.with_report(object()).digest == cfg.digest


def test_digest_does_not_load_hashlib() -> None:
    code = (
        "import sys; from sessionkit.config._model import SessionConfig; "
        "d = SessionConfig.defaults().digest; "
        "print(len(d), 'hashlib' in sys.modules, '_hashlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["64", "False", "False"]


def test_digest_is_stable_across_processes() -> None:
    code = (
        "import json,sys; from sessionkit.config._model import SessionConfig; "
        "print(SessionConfig.from_json(json.loads(sys.argv[1])).digest)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(RICH)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == SessionConfig.from_json(RICH).digest


# --------------------------------------------------------------------------- imports

# json is left out on purpose: it imports re, and the cache reader needs json anyway.
HEAVY = ("typing", "dataclasses", "pathlib", "re", "yaml", "jsonschema")


def test_importing_the_model_and_registry_stays_light() -> None:
    code = (
        "import sys; import sessionkit.config._model, sessionkit.config._keys; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_using_the_model_stays_light() -> None:
    code = (
        "import sys; from sessionkit.config._model import SessionConfig; "
        "c = SessionConfig.from_json({'agents-per-wave': {'default': 6, 'deep': 9}}); "
        "c.get('learning-decay-rate'); c.agents_per_wave.for_session('deep'); hash(c); "
        "c.to_json(); repr(c); c == SessionConfig.defaults(); c.replace(waves=4); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- property


PATTERN_SAMPLES = [
    "main", "a", "release/2.x", "docs/x.md", "eval/ok.json", "all", "any", "4-of-6", "1-of-20",
    "claude-opus-4-7", "sonnet", "buyer-a", "npm run x", "ok-phase", "~/Projects/a",
    "gitlab.company.com", "https://x.example/health", "git-stash", "secrets", "gotcha",
    "domain-regression", "opus", "config.valid",
]  # fmt: skip


def strategy(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid canonical values for a schema node (aliases left out)."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            base = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf", "default")}
            return st.one_of([strategy({**base, **branch}) for branch in node[key]])
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    return st.one_of([_typed(node, t) for t in types])


def _typed(node: dict[str, Any], t: str) -> st.SearchStrategy[Any]:
    if t == "null":
        return st.none()
    if t == "boolean":
        return st.booleans()
    if t == "integer":
        return st.integers(node.get("minimum", -(10**6)), node.get("maximum", 10**6))
    if t == "number":
        return st.floats(
            min_value=node.get("minimum", node.get("exclusiveMinimum", -1e6)),
            max_value=node.get("maximum", node.get("exclusiveMaximum", 1e6)),
            exclude_min="exclusiveMinimum" in node,
            exclude_max="exclusiveMaximum" in node,
            allow_nan=False,
        )
    if t == "string":
        if "pattern" in node:
            fits = [s for s in PATTERN_SAMPLES if re.search(node["pattern"], s)]
            assert fits, node["pattern"]
            return st.sampled_from(fits)
        return st.text(min_size=node.get("minLength", 0), max_size=8)
    if t == "array":
        items = strategy(node.get("items", {"type": "string"}))
        return st.lists(
            items,
            min_size=node.get("minItems", 0),
            max_size=3,
            unique=node.get("uniqueItems", False),
        )
    # object
    if isinstance(node.get("additionalProperties"), dict):
        names = node["propertyNames"]
        keys = (
            st.sampled_from(names["anyOf"][0]["enum"])
            if "anyOf" in names
            else strategy({"type": "string", **names})
        )
        return st.dictionaries(keys, strategy(node["additionalProperties"]), max_size=3)
    required = set(node.get("required", []))
    props = {k: strategy(v) for k, v in node.get("properties", {}).items() if not _alias_only(v)}
    return st.fixed_dictionaries(
        {k: v for k, v in props.items() if k in required},
        optional={k: v for k, v in props.items() if k not in required},
    )


def _alias_only(node: dict[str, Any]) -> bool:
    if X + "alias-of" in node:
        return True
    props = node.get("properties") or {}
    return bool(props) and "oneOf" not in node and all(_alias_only(p) for p in props.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=strategy(SCHEMA))
def test_random_valid_documents_round_trip(doc: dict[str, Any]) -> None:
    VALIDATOR.validate(doc)
    cfg = SessionConfig.from_json(doc)
    out = cfg.to_json()
    VALIDATOR.validate(out)
    assert _contained(doc, out)
    again = SessionConfig.from_json(out)
    assert again == cfg and hash(again) == hash(cfg) and again.digest == cfg.digest
    assert again.to_json() == out


def _contained(part: Any, whole: Any) -> bool:
    """``part`` says nothing that ``whole`` contradicts (defaults may fill the rest)."""
    if isinstance(part, dict) and isinstance(whole, dict):
        # null and absent mean the same for keys without a default (persona-gate-wave)
        return all(
            (k in whole and _contained(v, whole[k])) or (v is None and k not in whole)
            for k, v in part.items()
        )
    if isinstance(part, dict) and set(part) == {"default"}:  # {"default": 6} is written as 6
        return bool(part["default"] == whole)
    if isinstance(part, list) and isinstance(whole, list):
        return len(part) == len(whole) and all(_contained(a, b) for a, b in zip(part, whole))
    return (bool(part == whole) and type(part) is type(whole)) or _same_number(part, whole)


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


def test_the_type_checker_sees_read_only_typed_fields(tmp_path: Any) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from sessionkit.config._model import SessionConfig\n"
        "cfg = SessionConfig.defaults()\n"
        "reveal_type(cfg.hooks.fail_mode)\n"
        "reveal_type(cfg.agents_per_wave.for_session('deep'))\n"
        "reveal_type(cfg.discovery_probes)\n"
        "cfg.waves = 3\n"
        "cfg.hooks.fail_mode = 'open'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / "cache"), str(probe)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    out = result.stdout
    notes = [line for line in out.splitlines() if "Revealed type" in line]
    assert "'closed'" in notes[0] and "'open'" in notes[0] and "str" not in notes[0], out
    assert notes[1].endswith('"int"') or notes[1].endswith('"builtins.int"'), out
    assert notes[2].count("Literal[") >= 1 and "'feature'" in notes[2], out
    assert 'Property "waves" defined in "SessionConfig" is read-only' in out, out
    assert 'Property "fail_mode" defined in "Hooks" is read-only' in out, out
    assert "Found 2 errors" in out, out


def test_copy_deepcopy_and_pickle_rebuild_equal_values() -> None:
    import copy
    import pickle

    report = {"provenance": {"waves": ("CLAUDE.md", 4)}}
    cfg = SessionConfig.from_json(RICH).with_report(report)
    for clone in (copy.copy(cfg), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert clone == cfg and hash(clone) == hash(cfg)
        assert clone.report == report
        assert isinstance(clone.agent_mapping, FrozenMap)
        with pytest.raises(AttributeError):
            clone.waves = 1
    frozen = FrozenMap({"a": (1, 2)})
    assert pickle.loads(pickle.dumps(frozen)) == frozen and copy.deepcopy(frozen) == frozen


def test_from_json_ignores_extension_and_unknown_keys() -> None:
    cfg = SessionConfig.from_json({"x-team": 1, "hooks": {"x-note": "n", "fail-mode": "open"}})
    assert cfg == SessionConfig.defaults().replace(hooks=Hooks(fail_mode="open"))


def test_defaults_is_one_shared_immutable_instance() -> None:
    first = SessionConfig.defaults()
    attached = first.with_report(SimpleNamespace(provenance={}))
    assert SessionConfig.defaults() is first and first.report is None
    assert attached is not first and attached == first
    assert hash(first) == hash(SessionConfig()) == hash(attached)
