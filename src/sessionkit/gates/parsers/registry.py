"""The one registry of output parsers: id -> parser, and which parsers serve which tool.

Adding a linter's format is a new module with a class implementing ``base.Parser`` and one
line here.
"""

from __future__ import annotations

from sessionkit.gates.parsers.base import Parser
from sessionkit.gates.parsers.eslint import EslintJsonParser, EslintTextParser
from sessionkit.gates.parsers.generic import PathlineTextParser
from sessionkit.gates.parsers.jest import JestJsonParser, JestTextParser
from sessionkit.gates.parsers.junit import JunitParser
from sessionkit.gates.parsers.mypy import MypyJsonParser, MypyTextParser
from sessionkit.gates.parsers.pyright import PyrightJsonParser, PyrightTextParser
from sessionkit.gates.parsers.pytest import PytestTextParser
from sessionkit.gates.parsers.ruff import RuffJsonParser, RuffTextParser
from sessionkit.gates.parsers.tsc import TscTextParser
from sessionkit.gates.parsers.unittest import UnittestTextParser
from sessionkit.gates.parsers.vitest import VitestTextParser

PARSERS: dict[str, Parser] = {
    parser.id: parser
    for parser in (
        JunitParser(),
        JestJsonParser(),
        MypyJsonParser(),
        PyrightJsonParser(),
        RuffJsonParser(),
        EslintJsonParser(),
        PytestTextParser(),
        UnittestTextParser(),
        VitestTextParser(),
        JestTextParser(),
        MypyTextParser(),
        PyrightTextParser(),
        TscTextParser(),
        RuffTextParser(),
        EslintTextParser(),
        PathlineTextParser(),
    )
}

# report format (policy ``report.format``) -> parser id
REPORT_FORMATS = {
    "junit": "junit",
    "jest-json": "jest-json",
    "mypy-json": "mypy-json",
    "pyright-json": "pyright-json",
    "ruff-json": "ruff-json",
    "eslint-json": "eslint-json",
}

STRUCTURED_STDOUT: dict[str, tuple[str, ...]] = {
    "ruff": ("ruff-json",),
    "eslint": ("eslint-json",),
    "pyright": ("pyright-json",),
    "mypy": ("mypy-json",),
    "jest": ("jest-json",),
    "vitest": ("jest-json",),
}

TEXT_BY_TOOL: dict[str, tuple[str, ...]] = {
    "pytest": ("pytest-text",),
    "unittest": ("unittest-text",),
    "vitest": ("vitest-text",),
    "jest": ("jest-text",),
    "mypy": ("mypy-text",),
    "pyright": ("pyright-text",),
    "tsc": ("tsc-text",),
    "ruff": ("ruff-text",),
    "eslint": ("eslint-text",),
}

FALLBACK = "pathline-text"


def text_parsers_for(kind: str) -> list[Parser]:
    return [
        p for p in PARSERS.values() if p.source == "text" and kind in p.kinds and p.id != FALLBACK
    ]


def get(parser_id: str) -> Parser:
    return PARSERS[parser_id]
