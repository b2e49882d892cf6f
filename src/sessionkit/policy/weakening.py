"""Config-weakening detection: edits that make a lint, type-check or coverage gate accept
more than before (agent-hooks.md §11).

:func:`is_recognised` says whether a path is a gate configuration file (§11.1);
:func:`compare` extracts a gate model from the old and the new content (thresholds, sets,
levels, flags) and one generic comparison produces ``weaken.*`` findings (§11.3), with the
action given by the ``config-protection`` mode (§11.5). Nothing is executed: JS/TS configs
are read by a small literal extractor (:mod:`sessionkit.policy.jsliteral`).

Hot path: standard library only at module level; parsers are imported when a recognised
file is compared.
"""

from __future__ import annotations

import os
import re

from sessionkit.policy.findings import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

__all__ = [
    "Model",
    "compare",
    "extract",
    "is_recognised",
    "mode_of",
    "shell_write_findings",
]

_EXACT = frozenset(
    {
        "pyproject.toml",
        ".coveragerc",
        "setup.cfg",
        "tox.ini",
        "pytest.ini",
        "ruff.toml",
        ".ruff.toml",
        "mypy.ini",
        ".mypy.ini",
        ".eslintrc",
        ".eslintrc.json",
        ".eslintrc.yaml",
        ".eslintrc.yml",
        ".eslintrc.js",
        ".eslintrc.cjs",
        ".eslintignore",
        "package.json",
        "tsconfig.json",
        "jsconfig.json",
    }
)
_PATTERNS = re.compile(
    r"^(?:eslint\.config\.(?:js|mjs|cjs|ts|mts|cts)"
    r"|tsconfig\..+\.json"
    r"|jest\.config\.(?:js|ts|mjs|cjs|json)"
    r"|(?:vitest|vite)\.config\.(?:ts|js|mts|mjs|cts|cjs))$"
)
_SOURCE_SUFFIXES = (
    ".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte",
)  # fmt: skip
_SUPPRESSIONS = re.compile(
    r"#\s*noqa|#\s*type:\s*ignore|#\s*pragma:\s*no\s*cover|#\s*ruff:\s*noqa"
    r"|#\s*mypy:\s*ignore-errors|eslint-disable(?:-next-line|-line)?|@ts-ignore|@ts-nocheck"
    r"|@ts-expect-error|istanbul\s+ignore|c8\s+ignore|v8\s+ignore"
)

RULE_TEXT = {
    "weaken.coverage-threshold-lowered": "lowers a coverage threshold",
    "weaken.coverage-exclusion-added": "excludes more code from coverage",
    "weaken.tests-excluded": "excludes more tests",
    "weaken.lint-rule-relaxed": "relaxes lint rules",
    "weaken.lint-paths-excluded": "excludes more paths from linting",
    "weaken.lint-preset-removed": "removes a lint preset",
    "weaken.type-check-relaxed": "relaxes type checking",
    "weaken.type-check-paths-excluded": "excludes more code from type checking",
    "weaken.inline-suppression-added": "adds inline suppressions",
}


def is_recognised(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (any directory) is a gate configuration file of §11.1."""
    name = os.path.basename(os.fspath(path))
    return name in _EXACT or _PATTERNS.match(name) is not None


def _is_source(path: str) -> bool:
    return path.endswith(_SOURCE_SUFFIXES)


def mode_of(config: Any) -> tuple[str, bool]:
    """``(mode, inline-suppression detector on)`` from the Session Config (§11.5): a
    ``SessionConfig``, the ``config-protection`` mapping, or None (defaults: warn, off)."""
    if config is None:
        return "warn", False
    if getattr(config, "allow_config_weakening", False) is True:
        return "off", False
    if isinstance(config, dict) and (
        "config-protection" in config or "allow-config-weakening" in config
    ):
        # the whole Session Config as JSON
        if config.get("allow-config-weakening") is True:
            return "off", False
        config = config.get("config-protection") or {}
    protection = getattr(config, "config_protection", config)
    if hasattr(protection, "to_json"):
        protection = protection.to_json()
    if not isinstance(protection, dict):
        return "warn", False
    if protection.get("allow-config-weakening") is True or protection.get("enabled") is False:
        return "off", False
    mode = protection.get("mode", "warn")
    detectors = protection.get("detectors") or {}
    inline = bool(isinstance(detectors, dict) and detectors.get("inline-suppression"))
    return (mode if mode in ("off", "warn", "strict") else "warn"), inline


# ---- the gate model --------------------------------------------------------------------------

# kinds: "min" (threshold: lower or removed is weaker), "grow" (set: growing is weaker),
# "shrink" (set: shrinking is weaker), "strict" (flag: true -> false/absent is weaker),
# "loose" (flag: false/absent -> true is weaker), "level" (int: lower or removed is weaker)


_NOT_NUMBER = "\0not a literal number"


class Model:
    """Gate settings: ``(rule id, key) -> (kind, value)``; ``None`` values are "not a
    literal" and never compared."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, Any]] = {}

    def threshold(self, rule: str, key: str, value: Any) -> None:
        number = _number(value)
        if number is None:
            if value is not None and (rule, key) not in self.items:
                self.items[(rule, key)] = ("min", _NOT_NUMBER)
            return
        current = self.items.get((rule, key))
        if current is not None and isinstance(current[1], float):
            number = min(number, current[1])
        self.items[(rule, key)] = ("min", number)

    def add(self, rule: str, key: str, values: Iterable[Any], kind: str = "grow") -> None:
        current = self.items.get((rule, key), (kind, frozenset()))[1]
        self.items[(rule, key)] = (kind, frozenset(current) | {str(v) for v in values})

    def flag(self, rule: str, key: str, value: Any, kind: str) -> None:
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            value = value.strip().lower() in ("true", "1")
        if isinstance(value, bool):
            self.items[(rule, key)] = (kind, value)

    def level(self, rule: str, key: str, value: int) -> None:
        current = self.items.get((rule, key))
        if current is None or value > current[1]:
            self.items[(rule, key)] = ("level", value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _words(value: Any) -> list[str]:
    """Entries of a list or of a comma/newline-separated string (INI values)."""
    if isinstance(value, list):
        return [v if isinstance(v, str) else repr(v) for v in value if _is_plain(v)]
    if isinstance(value, str):
        return [w.strip() for w in re.split(r"[\n,]", value) if w.strip()]
    return []


_COV_FAIL = re.compile(r"--cov-fail-under(?:=|\s+)(\S+)")


def _addopts(model: Model, value: Any) -> None:
    text = " ".join(value) if isinstance(value, list) else str(value or "")
    for match in _COV_FAIL.finditer(text):
        model.threshold("weaken.coverage-threshold-lowered", "pytest --cov-fail-under", match[1])


def _coverage(model: Model, run: Any, report: Any) -> None:
    if isinstance(run, dict):
        model.add("weaken.coverage-exclusion-added", "run.omit", _words(run.get("omit")))
    if isinstance(report, dict):
        if "fail_under" in report:
            model.threshold("weaken.coverage-threshold-lowered", "fail_under", report["fail_under"])
        for key in ("omit", "exclude_lines", "exclude_also"):
            model.add("weaken.coverage-exclusion-added", f"report.{key}", _words(report.get(key)))


def _ruff(model: Model, table: Any) -> None:
    if not isinstance(table, dict):
        return
    for scope_table in (table, table.get("lint")):
        if not isinstance(scope_table, dict):
            continue
        select = _words(scope_table.get("select")) + _words(scope_table.get("extend-select"))
        if "select" in scope_table or "extend-select" in scope_table:
            model.add("weaken.lint-rule-relaxed", "select", select, "shrink")
        ignore = _words(scope_table.get("ignore")) + _words(scope_table.get("extend-ignore"))
        model.add("weaken.lint-rule-relaxed", "ignore", ignore)
        pairs: list[str] = []
        for key in ("per-file-ignores", "extend-per-file-ignores"):
            mapping = scope_table.get(key)
            if isinstance(mapping, dict):
                pairs += [
                    f"{glob} {code}" for glob, codes in mapping.items() for code in _words(codes)
                ]
        model.add("weaken.lint-rule-relaxed", "per-file-ignores", pairs)
    excludes = _words(table.get("exclude")) + _words(table.get("extend-exclude"))
    model.add("weaken.lint-paths-excluded", "exclude", excludes)


_MYPY_STRICT = (
    "strict",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_calls",
    "disallow_any_generics",
    "check_untyped_defs",
    "no_implicit_optional",
    "warn_return_any",
    "warn_unused_ignores",
    "no_implicit_reexport",
    "strict_equality",
)


def _mypy_global(model: Model, table: Any) -> None:
    if not isinstance(table, dict):
        return
    table = {k.replace("-", "_"): v for k, v in table.items()}
    rule = "weaken.type-check-relaxed"
    for key in _MYPY_STRICT:
        model.flag(rule, key, table.get(key, False), "strict")
    if "strict_optional" in table:
        value = table["strict_optional"]
        if isinstance(value, str):
            value = value.strip().lower() in ("true", "1")
        model.flag(rule, "strict_optional=false", value is False, "loose")
    for key in ("ignore_missing_imports", "ignore_errors"):
        model.flag(rule, key, table.get(key, False), "loose")
    follow = str(table.get("follow_imports", "normal")).strip()
    model.flag(rule, "follow_imports skip/silent", follow in ("skip", "silent"), "loose")
    model.add(rule, "disable_error_code", _words(table.get("disable_error_code")))
    model.add("weaken.type-check-paths-excluded", "exclude", _words(table.get("exclude")))


def _mypy_override(model: Model, modules: list[str], table: Any) -> None:
    if not isinstance(table, dict):
        return
    for key in ("ignore_errors", "ignore_missing_imports"):
        value = table.get(key)
        if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
            model.add("weaken.type-check-paths-excluded", f"overrides {key}", modules)


# ---- per-format extractors -------------------------------------------------------------------


def _toml(text: str) -> dict[str, Any]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            raise ValueError("no TOML parser is installed (install tomli)") from None
    doc: dict[str, Any] = tomllib.loads(text)
    return doc


def _pyproject(model: Model, text: str, ruff_only: bool = False) -> None:
    doc = _toml(text)
    if ruff_only:
        _ruff(model, doc)
        return
    tool = doc.get("tool") if isinstance(doc.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    coverage = tool.get("coverage") if isinstance(tool.get("coverage"), dict) else {}
    assert isinstance(coverage, dict)
    _coverage(model, coverage.get("run"), coverage.get("report"))
    pytest_table = tool.get("pytest")
    if isinstance(pytest_table, dict) and isinstance(pytest_table.get("ini_options"), dict):
        _addopts(model, pytest_table["ini_options"].get("addopts"))
    _ruff(model, tool.get("ruff"))
    mypy = tool.get("mypy")
    _mypy_global(model, mypy)
    if isinstance(mypy, dict):
        for override in mypy.get("overrides") or ():
            if isinstance(override, dict):
                _mypy_override(model, _words(override.get("module")), override)


def _ini(model: Model, text: str, name: str) -> None:
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    sections = {s: dict(parser.items(s)) for s in parser.sections()}
    if name == ".coveragerc":
        _coverage(model, sections.get("run"), sections.get("report"))
    elif name in ("setup.cfg", "tox.ini"):
        _coverage(model, sections.get("coverage:run"), sections.get("coverage:report"))
    pytest_section = {"pytest.ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest"}
    section = pytest_section.get(name)
    if section and section in sections:
        _addopts(model, sections[section].get("addopts"))
    if name in ("mypy.ini", ".mypy.ini", "setup.cfg"):
        _mypy_global(model, sections.get("mypy"))
        for section_name, values in sections.items():
            if section_name.startswith("mypy-"):
                _mypy_override(model, _words(section_name[5:]), values)


def _strip_jsonc(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments and trailing commas outside strings (§11.4)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(ch)
            i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def _jsonc(text: str) -> Any:
    import json

    if not text.strip():
        return {}
    return json.loads(_strip_jsonc(text))


_TS_STRICT_FAMILY = (
    "noImplicitAny",
    "strictNullChecks",
    "strictFunctionTypes",
    "strictBindCallApply",
    "strictPropertyInitialization",
    "noImplicitThis",
    "alwaysStrict",
    "useUnknownInCatchVariables",
)
_TS_OTHER = (
    "noImplicitReturns",
    "noUnusedLocals",
    "noUnusedParameters",
    "noFallthroughCasesInSwitch",
    "noUncheckedIndexedAccess",
    "exactOptionalPropertyTypes",
)


def _tsconfig(model: Model, doc: Any) -> None:
    if not isinstance(doc, dict):
        return
    options = doc.get("compilerOptions") if isinstance(doc.get("compilerOptions"), dict) else {}
    assert isinstance(options, dict)
    rule = "weaken.type-check-relaxed"
    strict = options.get("strict") is True
    model.flag(rule, "strict", strict, "strict")
    for key in _TS_STRICT_FAMILY:
        value = options.get(key, strict)
        model.flag(rule, key, value if isinstance(value, bool) else strict, "strict")
    for key in _TS_OTHER:
        model.flag(rule, key, options.get(key) is True, "strict")
    model.flag(rule, "skipLibCheck", options.get("skipLibCheck") is True, "loose")
    model.add("weaken.type-check-paths-excluded", "exclude", _words(doc.get("exclude")))


_ESLINT_LEVELS = {"off": 0, "warn": 1, "error": 2, 0: 0, 1: 1, 2: 2}


def _eslint_level(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return None
    return _ESLINT_LEVELS.get(value) if isinstance(value, (str, int)) else None


def _eslint_object(model: Model, obj: Any) -> None:
    if isinstance(obj, list):
        for item in obj:
            _eslint_object(model, item)
        return
    if not isinstance(obj, dict):
        return
    rules = obj.get("rules")
    if isinstance(rules, dict):
        for name, value in rules.items():
            level = _eslint_level(value)
            if level is not None:
                model.level("weaken.lint-rule-relaxed", f"rule {name}", level)
    extends = obj.get("extends")
    if extends is not None:
        model.add("weaken.lint-preset-removed", "extends", _words(extends), "shrink")
    model.add("weaken.lint-paths-excluded", "ignorePatterns", _words(obj.get("ignorePatterns")))
    model.add("weaken.lint-paths-excluded", "ignores", _words(obj.get("ignores")))
    for override in obj.get("overrides") or ():
        _eslint_object(model, override)


def _jest(model: Model, doc: Any) -> None:
    if not isinstance(doc, dict):
        return
    thresholds = doc.get("coverageThreshold")
    if isinstance(thresholds, dict):
        for key, table in thresholds.items():
            if isinstance(table, dict):
                for metric in ("branches", "functions", "lines", "statements"):
                    if metric in table:
                        model.threshold(
                            "weaken.coverage-threshold-lowered",
                            f"coverageThreshold.{key}.{metric}",
                            table[metric],
                        )
    model.add(
        "weaken.coverage-exclusion-added",
        "coveragePathIgnorePatterns",
        _words(doc.get("coveragePathIgnorePatterns")),
    )
    negated = [w for w in _words(doc.get("collectCoverageFrom")) if w.startswith("!")]
    model.add("weaken.coverage-exclusion-added", "collectCoverageFrom !", negated)
    model.add(
        "weaken.tests-excluded", "testPathIgnorePatterns", _words(doc.get("testPathIgnorePatterns"))
    )


def _vitest(model: Model, doc: Any) -> None:
    test = doc.get("test") if isinstance(doc, dict) else None
    if not isinstance(test, dict):
        return
    coverage = test.get("coverage")
    if isinstance(coverage, dict):
        thresholds = coverage.get("thresholds")
        for table, prefix in ((thresholds, "thresholds."), (coverage, "")):
            if isinstance(table, dict):
                for metric in ("lines", "functions", "branches", "statements"):
                    if metric in table:
                        model.threshold(
                            "weaken.coverage-threshold-lowered",
                            f"test.coverage.{prefix}{metric}",
                            table[metric],
                        )
        model.add(
            "weaken.coverage-exclusion-added",
            "test.coverage.exclude",
            _words(coverage.get("exclude")),
        )
    model.add("weaken.tests-excluded", "test.exclude", _words(test.get("exclude")))


def extract(path: str, text: str) -> Model:
    """The gate model of ``text`` as the file ``path``; raises ValueError when the content
    does not parse."""
    name = os.path.basename(path)
    model = Model()
    try:
        if name == "pyproject.toml":
            _pyproject(model, text)
        elif name in ("ruff.toml", ".ruff.toml"):
            _pyproject(model, text, ruff_only=True)
        elif name in (".coveragerc", "setup.cfg", "tox.ini", "pytest.ini", "mypy.ini", ".mypy.ini"):
            _ini(model, text, name)
        elif name.startswith(("tsconfig", "jsconfig")):
            _tsconfig(model, _jsonc(text))
        elif name in (".eslintrc", ".eslintrc.json"):
            _eslint_object(model, _jsonc(text))
        elif name in (".eslintrc.yaml", ".eslintrc.yml"):
            import yaml

            _eslint_object(model, yaml.safe_load(text) if text.strip() else {})
        elif name == ".eslintignore":
            lines = [ln.strip() for ln in text.splitlines()]
            model.add(
                "weaken.lint-paths-excluded",
                ".eslintignore",
                [ln for ln in lines if ln and not ln.startswith("#")],
            )
        elif name == "package.json":
            doc = _jsonc(text)
            if isinstance(doc, dict):
                _eslint_object(model, doc.get("eslintConfig"))
                _jest(model, doc.get("jest"))
        elif name == "jest.config.json":
            _jest(model, _jsonc(text))
        else:
            from sessionkit.policy.jsliteral import literal_document

            doc = literal_document(text)
            if name.startswith("jest."):
                _jest(model, doc)
            elif name.startswith(("vitest.", "vite.")):
                _vitest(model, doc)
            else:
                _eslint_object(model, doc)
    except ValueError:
        raise
    except Exception as exc:  # every parser's own error type means "does not parse"
        raise ValueError(str(exc)) from exc
    return model


def _weaker(kind: str, old: Any, new: Any) -> Any:
    """What got weaker, or None (never when either side is not a literal)."""
    if old is _NOT_NUMBER or new is _NOT_NUMBER:
        return None
    if kind == "min":
        if old is not None and (new is None or new < old):
            return True
    elif kind == "grow":
        added = sorted(set(new or ()) - set(old or ()))
        return added or None
    elif kind == "shrink":
        removed = sorted(set(old or ()) - set(new or ()))
        return removed or None
    elif kind == "strict":
        return True if old is True and new is not True else None
    elif kind == "loose":
        return True if new is True and old is not True else None
    elif kind == "level" and old is not None and old > 0 and (new is None or new < old):
        return True
    return None


def _show(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def compare(
    path: str | os.PathLike[str],
    old_text: str,
    new_text: str,
    *,
    config: Any = None,
    root: str | os.PathLike[str] | None = None,
) -> list[Finding]:
    """``weaken.*`` findings for changing ``path`` from ``old_text`` to ``new_text`` (§11.3).

    ``config`` is the Session Config (or its ``config-protection`` mapping); mode ``off``
    reports nothing, ``warn`` warns, ``strict`` blocks (``weaken.unparseable`` always warns).
    Source files are checked for added inline suppressions only when that detector is on.
    With ``root``, an absolute ``path`` inside it is shown repository-relative.
    """
    rel = _shown(path, root)
    mode, inline = mode_of(config)
    if mode == "off":
        return []
    action = "block" if mode == "strict" else "warn"
    if not is_recognised(rel):
        if inline and _is_source(rel):
            before = len(_SUPPRESSIONS.findall(old_text))
            after = len(_SUPPRESSIONS.findall(new_text))
            if after > before:
                return [
                    _finding(
                        "weaken.inline-suppression-added",
                        action,
                        rel,
                        "suppressions",
                        before,
                        after,
                    )
                ]
        return []
    try:
        new_model = extract(rel, new_text)
    except ValueError as exc:
        return [
            Finding(
                "weakening",
                "weaken.unparseable",
                "warn",
                f"`{rel}` does not parse after this edit ({str(exc)[:200]}).",
                "fix the syntax; a broken config fails the gate run itself",
                rel,
            )
        ]
    try:
        old_model = extract(rel, old_text)
    except ValueError:
        old_model = Model()  # a broken old file cannot be weakened further
    out: list[Finding] = []
    for key in sorted(set(old_model.items) | set(new_model.items)):
        kind = (old_model.items.get(key) or new_model.items[key])[0]
        old = old_model.items.get(key, (kind, None))[1]
        new = new_model.items.get(key, (kind, None))[1]
        if _weaker(kind, old, new) is not None:
            out.append(_finding(key[0], action, rel, key[1], _show(old), _show(new)))
    return out


def _shown(path: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> str:
    text = os.fspath(path)
    if root is not None and os.path.isabs(text):
        rel = os.path.relpath(text, os.fspath(root))
        if not rel.startswith(".."):
            text = rel
    return text.replace(os.sep, "/")


def _finding(rule: str, action: str, rel: str, key: str, old: Any, new: Any) -> Finding:
    what = RULE_TEXT.get(rule, "weakens a quality gate")
    return Finding(
        "weakening",
        rule,
        action,
        f"this edit of `{rel}` {what} (`{key}`: {old!r} → {new!r}).",
        "keep the gate as strict as it was and fix the code instead, or ask the user to "
        "change the gate",
        rel,
        {"key": key, "old": old, "new": new},
    )


def shell_write_findings(
    paths: Iterable[str], *, config: Any = None, root: str | os.PathLike[str] | None = None
) -> list[Finding]:
    """``weaken.shell-edit-unverifiable`` for shell write targets that are recognised config
    files (§11.3): warn, or block in strict mode, suggesting the edit tool."""
    mode, _ = mode_of(config)
    if mode == "off":
        return []
    out: list[Finding] = []
    for path in paths:
        rel = _shown(path, root)
        if is_recognised(rel):
            out.append(
                Finding(
                    "weakening",
                    "weaken.shell-edit-unverifiable",
                    "block" if mode == "strict" else "warn",
                    f"a shell command writes the gate configuration `{rel}`; the change "
                    "cannot be checked before it runs.",
                    "make the change with the edit tool so it can be checked",
                    rel,
                )
            )
    return out
