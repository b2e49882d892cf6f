"""Escapes in the string literals of interpreter one-liners (guard.md §6.6).

The shell receives a string's *value*, so each language's own escapes decide what runs:

- Perl, Ruby and PHP single-quoted strings (also Perl ``q``/``qw``, Ruby ``%q``/``%w``) know
  only ``\\\\`` and a backslash before the delimiter; every other backslash stays;
- double-quoted strings decode numeric and Unicode escapes in every language; a backslash
  before any other character is dropped in JavaScript, Perl and Ruby (``"\\$("`` is ``$(``)
  but kept in Python and PHP (PHP's ``"\\'"`` is a backslash and a quote);
- Ruby's ``"\\s"`` is a blank; Perl's ``\\L \\U \\Q … \\E`` change the text after them.

Programs are written here as the interpreter receives them (raw strings) and quoted for the
shell with :func:`shlex.quote`, so that the shell layer adds nothing of its own.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from sessionkit.policy.guard import check_command
from sessionkit.policy.interp import scan
from sessionkit.policy.values import lit
from tests.policy.recordkit import build_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("interp-escapes"))


def run(interpreter: str, code: str) -> str:
    """The shell command that hands ``code`` to ``interpreter`` unchanged."""
    flag = {"perl": "-e", "ruby": "-e", "php": "-r", "node": "-e", "python3": "-c"}
    return f"{interpreter} {flag[interpreter]} {shlex.quote(code)}"


def verdict(command: str, repo: Path) -> tuple[str, str | None]:
    decision = check_command(command, cwd=str(repo))
    return decision.action, decision.rule_id


RM = ("block", "rm-recursive-source")
HARD = ("block", "git-reset-hard")
ALLOW = ("allow", None)


@pytest.mark.parametrize("interpreter", ["perl", "ruby", "php"])
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # \' is a quote: the inner shell gets bash -c 'rm -rf src'
        (r"system('bash -c \'rm -rf src\'');", RM),
        # \\ is one backslash: the shell gets \rm, which is rm
        (r"system('\\rm -rf src');", RM),
        # the shell gets git reset '--hard'
        (r"system('git reset \'--hard\'');", HARD),
        # the shell gets echo '$(git reset --hard)': a single-quoted word is data
        (r"system('echo \'$(git reset --hard)\'');", ALLOW),
        # '...\\' ends after the escaped backslash: the rest is code, then a comment
        (r"system('echo \\'); # git reset --hard", ALLOW),
        # any other backslash stays: the shell gets \$(git reset --hard), which is data
        (r"system('echo \$(git reset --hard)');", ALLOW),
    ],
)
def test_single_quoted_strings_decode_only_backslash_and_quote(
    interpreter: str, code: str, expected: tuple[str, str | None], repo: Path
) -> None:
    assert verdict(run(interpreter, code), repo) == expected


@pytest.mark.parametrize(
    ("interpreter", "code", "expected"),
    [
        # quote-like forms: \\ and an escaped delimiter
        ("perl", r"system(q{\\rm -rf src})", RM),
        ("perl", r"system(q(echo \\$(git reset --hard)))", ALLOW),
        ("perl", r"system(q'git reset \'--hard\'')", HARD),
        ("perl", r"system(q#\\rm -rf src#)", RM),
        ("perl", r"system q {\\rm -rf src}", RM),
        ("perl", r"system(qw{git reset \--hard})", ("warn", "git-reset-mixed")),
        ("perl", r"qx'git reset \'--hard\''", HARD),
        ("perl", r"qx~git reset --hard~", HARD),
        ("perl", r"system(qq'\x72m -rf src')", RM),  # qq'…' still interpolates and decodes
        ("perl", r"my %h = (q => 'git reset --hard'); print %h", ALLOW),
        ("ruby", r"system(%q{\\rm -rf src})", RM),
        ("ruby", r"system(%q'git reset \'--hard\'')", HARD),
        ("ruby", r"%x'git reset --hard'", HARD),
        ("ruby", r"system %(git reset --hard)", HARD),
        ("ruby", r"x = 5; puts x%(3)", ALLOW),
        # double-quoted strings: a backslash before an unknown character
        ("php", r"""system("echo \'$(git reset --hard)\'");""", HARD),
        ("php", r"""`echo \'$(git reset --hard)\'`;""", HARD),
        ("perl", r"""system("echo \'$(git reset --hard)\'")""", ALLOW),
        ("perl", r"""system(qq{echo \'$(git reset --hard)\'})""", ALLOW),
        ("ruby", r"""system("echo \$(git reset --hard)")""", HARD),
        ("ruby", r"""system(%Q{echo \$(git reset --hard)})""", HARD),
        ("node", r"""require("child_process").execSync("echo \$(git reset --hard)")""", HARD),
        ("node", r"""require("child_process").execSync(`echo \$(git reset --hard)`)""", HARD),
        ("python3", r"""import os; os.system("echo \$(git reset --hard)")""", ALLOW),
        # an escaped interpolation opener is literal text
        ("ruby", r"""system("echo \#{x} \'$(git reset --hard)\'")""", ALLOW),
        ("node", r"""child_process.execSync(`echo \${x} \'$(git reset --hard)\'`)""", ALLOW),
        # numeric and Unicode escapes
        ("python3", r"""import os; os.system("\x72m -rf src")""", RM),
        ("python3", r"""import os; os.system("\162m -rf src")""", RM),
        ("python3", r"""import os; os.system("\u0072m -rf src")""", RM),
        ("python3", r"""import os; os.system("\U00000072m -rf src")""", RM),
        ("python3", r"""import os; os.system("\N{LATIN SMALL LETTER R}m -rf src")""", RM),
        ("python3", r"""import os; os.system(r"\x72m -rf src")""", ALLOW),
        ("node", r"""require("child_process").execSync("\x72m -rf src")""", RM),
        ("node", r"""require("child_process").execSync('\u{72}m -rf src')""", RM),
        ("node", r"""require("child_process").execSync(`\162m -rf src`)""", RM),
        ("perl", r"""system("\x{72}m -rf src")""", RM),
        ("perl", r"""system("\162m -rf src")""", RM),
        ("perl", r"""system("\N{U+72}m -rf src")""", RM),
        ("ruby", r"""system("\x72m -rf src")""", RM),
        ("ruby", r"""system("\u{72 6d} -rf src")""", RM),
        ("php", r"""system("\x72m -rf src");""", RM),
        ("php", r"""system("\u{72}m -rf src");""", RM),
        ("php", r"""system("\162m -rf src");""", RM),
        # Ruby's \s is a blank; Perl's case and quoting modifiers
        ("ruby", r"""system("rm\s-rf\ssrc")""", RM),
        ("ruby", r"""`rm\s-rf\ssrc`""", RM),
        ("perl", r"""system("\LRM -RF SRC\E")""", RM),
        ("perl", r"""system("git reset --\Uhard\E")""", ("warn", "git-reset-mixed")),
        ("perl", r"""system("\Qrm -rf src\E")""", ALLOW),
    ],
)
def test_string_values_follow_the_language(
    interpreter: str, code: str, expected: tuple[str, str | None], repo: Path
) -> None:
    assert verdict(run(interpreter, code), repo) == expected


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # the shell's own quoting first: each command hands Perl or Ruby the same code as
        # run("perl", r"system('bash -c \'rm -rf src\'')") does
        ("perl -e \"system('bash -c \\\\'rm -rf src\\\\'')\"", RM),
        ("perl -e $'system(\\'bash -c \\\\\\'rm -rf src\\\\\\'\\')'", RM),
        ("perl -e'system(q{\\\\rm -rf src})'", RM),
        ("perl <<'EOF'\nsystem('\\\\rm -rf src');\nEOF", RM),
        ("echo \"system('\\\\\\\\rm -rf src')\" | perl", RM),
        ("ruby -e \"system('git reset \\\\'--hard\\\\'')\"", HARD),
        ("php -r \"system('echo \\\\'\\$(git reset --hard)\\\\'');\"", ALLOW),
    ],
)
def test_shell_quoting_and_interpreter_escapes_compose(
    command: str, expected: tuple[str, str | None], repo: Path
) -> None:
    assert verdict(command, repo) == expected


def shell_strings(language: str, code: str) -> list[str | None]:
    return [value.text for kind, values in scan(language, lit(code)) for value in values]


@pytest.mark.parametrize(
    ("language", "code", "value"),
    [
        ("perl", r"system('a\\b\'c\d')", "a\\b'c\\d"),
        ("ruby", r"system('a\\b\'c\d')", "a\\b'c\\d"),
        ("php", r"system('a\\b\'c\d');", "a\\b'c\\d"),
        ("perl", r"system(q{a\{b\}c\\d\e})", "a{b}c\\d\\e"),
        ("perl", r"system(q<a\>b\<c>)", "a>b<c"),
        ("ruby", r"system(%q(a\(b\)\\c\d))", "a(b)\\c\\d"),
        ("perl", r'system("a\qb\$c\@d")', "aqb$c@d"),
        ("php", r'system("a\qb\$c\'d\"e");', "a\\qb$c\\'d\"e"),
        ("ruby", r'system("a\qb\sc\#{d}")', "aqb c#{d}"),
        ("js", r'child_process.exec("a\qb\x41\101\0")', "aqbAA\0"),
        ("python", r'import os; os.system("a\qb\x41\101")', "a\\qbAA"),
        ("perl", r'system("\Ua\Ex\ly\Qa.b\E")', "Axya\\.b"),
    ],
)
def test_decoded_values(language: str, code: str, value: str | None) -> None:
    assert shell_strings(language, code) == [value]


def test_php_does_not_interpolate_at_names() -> None:
    (values,) = [values for _kind, values in scan("php", lit('system("mail a@b $c");'))]
    assert [str(v) for v in values] == ["mail a@b «$c»"]
