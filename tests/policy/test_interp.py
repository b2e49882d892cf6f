"""Interpreter one-liners (guard.md §6.6): call forms, import aliases and print-only code."""

from __future__ import annotations

import pytest

from sessionkit.policy.command import Stdin
from sessionkit.policy.interp import code_sources, scan
from sessionkit.policy.values import lit
from sessionkit.policy.walk import walk

CWD = "/work/repo"


def ran(command: str) -> list[list[str]]:
    """argv of the records reached through the interpreter hop."""
    result = walk(command, cwd=CWD)
    assert result.errors == [] and result.limit is None
    return [c.rendered() for c in result.commands if "interpreter" in c.via_kinds()]


RM = ["rm", "-rf", "src"]
RESET = ["git", "reset", "--hard"]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # Python: shell strings, argv lists, rmtree, aliases
        ("python3 -c 'import os; os.system(\"rm -rf src\")'", RM),
        ("python -c 'import os; os.popen(\"rm -rf src\").read()'", RM),
        ("python3 -c 'import subprocess; subprocess.run(\"git reset --hard\", shell=True)'", RESET),
        ('python3 -c \'import subprocess; subprocess.run(["git","reset","--hard"])\'', RESET),
        (
            'python3 -c \'import subprocess as sp; sp.check_call(("git", "reset", "--hard"))\'',
            RESET,
        ),
        ('python3 -c \'from subprocess import Popen; Popen(["rm", "-rf", "src"])\'', RM),
        ("python3 -c 'from os import system as s; s(\"rm -rf src\")'", RM),
        ("python3 -c \"__import__('os').system('rm -rf src')\"", RM),
        ("python3 -c 'import shutil; shutil.rmtree(\"src\")'", RM),
        ("python3 -c 'from shutil import rmtree; rmtree(\"src\")'", RM),
        ('python3 -c \'import os; os.execvp("git", ["git", "reset", "--hard"])\'', RESET),
        ('python3 -c \'exec("import os; os.system(\\"rm -rf src\\")")\'', RM),
        ('python3 -c \'import os; os.system("rm " + "-rf src")\'', RM),
        ('python3 -c \'import os\nos.system(r"""rm -rf src""")\'', RM),
        ("python3.12 -W ignore -c 'import os; os.system(\"rm -rf src\")'", RM),
        # JavaScript
        ("node -e \"require('child_process').execSync('git reset --hard')\"", RESET),
        ("node -e \"const {execSync} = require('child_process'); execSync('rm -rf src')\"", RM),
        ("node -e \"const cp = require('node:child_process'); cp.exec('rm -rf src')\"", RM),
        ("node -e \"child_process.spawnSync('git', ['reset', '--hard'])\"", RESET),
        ("node -e \"child_process.spawn('rm -rf src', {shell: true})\"", RM),
        ("node -e \"require('fs').rmSync('src', {recursive: true, force: true})\"", RM),
        ("node -e \"fs.promises.rm('src', {recursive: true})\"", RM),
        ("bun -e \"Bun.spawn(['rm', '-rf', 'src'])\"", RM),
        ("node -e 'const {execSync} = require(\"child_process\"); execSync(`rm -rf src`)'", RM),
        # Perl, Ruby, PHP, awk
        ("perl -e 'system(\"rm -rf src\")'", RM),
        ('perl -e \'system("git", "reset", "--hard")\'', RESET),
        ("perl -e '`rm -rf src`'", RM),
        ("perl -e 'qx{rm -rf src}'", RM),
        ("perl -MFile::Path -e 'File::Path::rmtree(\"src\")'", RM),
        ("ruby -e 'system \"rm -rf src\"'", RM),
        ("ruby -e 'FileUtils.rm_rf(\"src\")'", RM),
        ("ruby -e '%x{rm -rf src}'", RM),
        # a splat spreads a literal list into arguments; a splat of one string is a shell string
        ("ruby -e 'system(*%w[git reset --hard])'", RESET),
        ("ruby -e 'system *%w[rm -rf src]'", RM),
        ('ruby -e \'system("git", *["reset", "--hard"])\'', RESET),
        ("ruby -e 'Open3.capture2(*%w[git reset --hard])'", RESET),
        ("ruby -e 'system(*[\"rm -rf src\"])'", RM),
        ("php -r 'shell_exec(\"rm -rf src\");'", RM),
        # dynamic import(): awaited, or its module handed to .then's arrow function
        ('node -e \'import("node:child_process").then(m => m.execSync("rm -rf src"))\'', RM),
        ('node -e \'import("child_process").then((c) => c.execSync("rm -rf src"))\'', RM),
        ('node -e \'const c = await import("child_process"); c.execSync("rm -rf src")\'', RM),
        ("awk 'BEGIN { system(\"rm -rf src\") }'", RM),
        ('awk \'BEGIN { print "x" | "rm -rf src" }\'', RM),
        ("osascript -e 'do shell script \"rm -rf src\"'", RM),
    ],
)
def test_calls_that_run_or_delete(command: str, argv: list[str]) -> None:
    assert argv in ran(command)


@pytest.mark.parametrize(
    "command",
    [
        "python3 -c 'print(\"rm -rf /\")'",
        "python3 -c '# os.system(\"rm -rf src\")\nprint(1)'",
        "python3 -m http.server",
        "node -e \"console.log('git reset --hard')\"",
        "node -e \"fs.rmSync('x')\"",
        "perl -pi -e 's/git reset --hard/x/' f",
        "perl -ne 'print if /rm -rf/' f",
        "ruby -e 'puts \"rm -rf src\"'",
        "awk '/rm -rf/ { print $0 }' f",
        "python3 script.py",
    ],
)
def test_print_only_code_is_data(command: str) -> None:
    assert ran(command) == []


def test_interpolated_strings_keep_unknown_pieces() -> None:
    got = ran('python3 -c \'import os; d = "x"; os.system(f"rm -rf {d}")\'')
    assert got == [["rm", "-rf", "«d»"]]
    got = ran("node -e 'const d = 1; require(\"child_process\").execSync(`rm -rf ${d}`)'")
    assert got == [["rm", "-rf", "«d»"]]


def test_code_from_stdin_and_written_scripts() -> None:
    assert RM in ran("python3 - <<'EOF'\nimport shutil\nshutil.rmtree('src')\nEOF")
    assert RM in ran("echo 'import os; os.system(\"rm -rf src\")' | python3")
    assert RM in ran("printf 'system(\"rm -rf src\")' > x.pl; perl x.pl")


def test_code_sources_options() -> None:
    stdin = Stdin()
    assert code_sources("python3", [lit("python3"), lit("-m"), lit("x")], stdin, None) == []
    sources = code_sources(
        "perl", [lit("perl"), lit("-e"), lit("a"), lit("-e"), lit("b")], stdin, None
    )
    assert [s[1].text for s in sources] == ["a\nb"]  # one program, joined by newlines
    assert (
        code_sources("awk", [lit("awk"), lit("-F,"), lit("{print}")], stdin, None)[0][1].text
        == "{print}"
    )


def test_scan_returns_typed_actions() -> None:
    actions = scan("python", lit("import subprocess\nsubprocess.call(['ls', x])"))
    assert actions[0][0] == "argv"
    assert [v.text for v in actions[0][1]] == ["ls", None]


@pytest.mark.parametrize(
    "command",
    [
        # punctuation variables start neither a comment nor a string
        "perl -e 'print $#ARGV; system(\"rm -rf src\")'",
        "perl -e 'my @a; $n = $#{a}; system(\"rm -rf src\")'",
        'perl -e \'print $"; system("rm -rf src")\'',
        "perl -e \"print \\$'; system('rm -rf src')\"",
        'ruby -e \'p $"; system("rm -rf src")\'',
        "ruby -e \"c = ?'; system('rm -rf src')\"",
        # regular expression literals and Perl's pattern operators
        "perl -e 'm#x#; system(\"rm -rf src\")'",
        "perl -e 's#a#b#; system(\"rm -rf src\")'",
        "perl -e 'tr#a#b#; system(\"rm -rf src\")'",
        'perl -e \'print "x" if /#/; system("rm -rf src")\'',
        'perl -e \'print "a" =~ /"/; system("rm -rf src")\'',
        "perl -e '$x =~ s/a/system(\"rm -rf src\")/e'",  # /e: the replacement is code
        "perl -e 's{a} {system(\"rm -rf src\")}e'",
        'ruby -e \'x = "a" =~ /#/; system("rm -rf src")\'',
        "ruby -e 'x = %r{#}; system(\"rm -rf src\")'",
        'awk \'/"/ { } BEGIN { system("rm -rf src") }\'',
        'node -e \'const r = /"/; require("child_process").execSync("rm -rf src")\'',
        'node -e \'const r = "a".split(/\\//); require("child_process").execSync("rm -rf src")\'',
        # a division is no regular expression
        "perl -e '$x = 4 / 2; system(\"rm -rf src\"); $y = 1 / 3'",
        'node -e \'x = a / 2; require("child_process").execSync("rm -rf src"); y = b / 4\'',
        # heredocs: the body is a string, the code goes on after its terminator
        'perl -e \'print <<E;\nit"s\nE\nsystem("rm -rf src")\'',
        'ruby -e \'x = <<~E\n it"s\n E\nsystem("rm -rf src")\'',
        'php -r \'$x = <<<EOT\nit"s\nEOT;\nsystem("rm -rf src");\'',
        "perl -e 'system(<<E);\nrm -rf src\nE\n'",
        "perl -e 'print 1 << 2; system(\"rm -rf src\")'",  # a shift, not a heredoc
        'ruby -e \'a = []; a << "x"; system("rm -rf src")\'',
        # -e fragments are one program; member access across blanks and continuations
        "perl -e 'system(' -e '\"rm -rf src\")'",
        "ruby -e 'system(' -e '\"rm -rf src\")'",
        "python3 -c 'import os; os . system(\"rm -rf src\")'",
        "python3 -c 'import os; os.\\\nsystem(\"rm -rf src\")'",
        # redundant parentheses; a script given as a process substitution with known output
        "python3 -c 'import os; os.system((\"rm -rf src\"))'",
        "python3 <(echo 'import shutil; shutil.rmtree(\"src\")')",
        # recursive deletes: a quoted option key, a module's default export called directly
        'node -e \'fs.rmSync("src", {"recursive": true})\'',
        'node -e \'require("rimraf")("src")\'',
        'node -e \'require("del")(["src"])\'',
    ],
)
def test_scanner_reads_past_look_alike_comments_and_strings(command: str) -> None:
    assert RM in ran(command)


@pytest.mark.parametrize(
    "command",
    [
        "perl -e 'print \"rm -rf src\" =~ /rm/'",
        "node -e 'const r = /system(\"rm -rf src\")/'",
        "perl -e 'm{system(\"rm -rf src\")}'",
        "ruby -e 'puts <<~E\n  system(\"rm -rf src\")\nE\n'",
        'perl -e "print <<\'E\';\nsystem(\\"rm -rf src\\")\nE\n"',
        'node -e \'fs.rmSync("src", {"recursive": false})\'',
    ],
)
def test_patterns_and_heredoc_bodies_are_data(command: str) -> None:
    assert ran(command) == []


@pytest.mark.parametrize(
    "command",
    [
        # a method of an object or class, not the builtin (PHP and Perl "->", PHP "?->")
        "php -r '$pdo->exec(\"rm -rf src\");'",
        "php -r 'echo $this?->system(\"rm -rf src\");'",
        "perl -e '$obj->system(\"rm -rf src\")'",
        "perl -e 'Foo->exec(\"rm -rf src\")'",
        # Ruby symbols are values
        "ruby -e 'puts :system, \"rm -rf src\"'",
        "ruby -e 'p [:system, :exec, \"rm -rf src\"]'",
        "ruby -e 'h = {:system => \"rm -rf src\"}'",
    ],
)
def test_methods_and_symbols_named_like_builtins_run_nothing(command: str) -> None:
    assert ran(command) == []


@pytest.mark.parametrize(
    "command",
    [
        "php -r 'SYSTEM(\"rm -rf src\");'",  # PHP function names ignore case
        "php -r '\\system(\"rm -rf src\");'",
        "perl -e 'CORE::system(\"rm -rf src\")'",
        "perl -e 'CORE::GLOBAL::exec(\"rm -rf src\")'",
        "ruby -e 'Kernel.send(:system, \"rm -rf src\")'",
        "ruby -e 'send :system, \"rm -rf src\"'",
        "ruby -e 'method(:system).call(\"rm -rf src\")'",
        "ruby -e 'method(:system).(\"rm -rf src\")'",
        "ruby -e 'x = {:a => 1}; system(\"rm -rf src\")'",
        "ruby -e 'true ? 1 :system(\"rm -rf src\")'",  # a ternary, not a symbol
    ],
)
def test_builtins_reached_by_other_names_run(command: str) -> None:
    assert RM in ran(command)


@pytest.mark.parametrize(
    "command",
    [
        "ruby -e 'method(:system).call \"rm -rf src\"'",
        'ruby -e \'send "system", "rm -rf src"\'',
        'ruby -e \'Kernel.send("exec", "rm -rf src")\'',
    ],
)
def test_ruby_calls_by_method_name(command: str) -> None:
    assert RM in ran(command)


@pytest.mark.parametrize(
    "command",
    [
        "php -r '$s = new Exec(\"rm -rf src\");'",
        'ruby -e \'obj.send("name", "rm -rf src")\'',
    ],
)
def test_objects_and_other_methods_run_nothing(command: str) -> None:
    assert ran(command) == []


def test_ruby_method_object_called_with_brackets() -> None:
    assert RM in ran("ruby -e 'method(:system)[\"rm -rf src\"]'")
