"""Lexical rules L1–L17 of guard.md §4.2: words, parts and spans produced by ``parse``."""

from __future__ import annotations

import pytest

from sessionkit.policy.shell import (
    Arith,
    CmdSub,
    Lit,
    Param,
    ProcSub,
    Simple,
    Tilde,
    Word,
    decode_ansi_c,
    parse,
)


def simples(node: object) -> list[Simple]:
    """Every Simple node of a tree, in source order."""
    found: list[Simple] = []

    def visit(n: object) -> None:
        if isinstance(n, Simple):
            found.append(n)
        for name in getattr(type(n), "__slots__", ()):
            value = getattr(n, name, None)
            if isinstance(value, (tuple, list)):
                for item in value:
                    if isinstance(item, tuple):
                        for sub in item:
                            visit(sub)
                    else:
                        visit(item)
            elif hasattr(value, "__slots__") and not isinstance(value, (str, Lit)):
                visit(value)

    visit(parse(node).body if isinstance(node, str) else node)
    return found


def word_texts(command: str) -> list[list[str]]:
    """Each top-level simple command's words, quote-removed (literal parts only)."""
    out = []
    for simple in simples(command):
        words = []
        for word in simple.words:
            words.append("".join(p.text if isinstance(p, Lit) else "<x>" for p in word.parts))
        out.append(words)
    return out


def only_word(command: str, index: int = 1) -> Word:
    return simples(command)[0].words[index]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # L1 blanks and newlines
        ("git   status", [["git", "status"]]),
        ("git\tstatus", [["git", "status"]]),
        ("  ls  ", [["ls"]]),
        ("a\nb", [["a"], ["b"]]),
        # L2 line continuation joins words and operators
        ("git sta\\\ntus", [["git", "status"]]),
        ("a &\\\n& b", [["a"], ["b"]]),
        ("echo 'a\\\nb'", [["echo", "a\\\nb"]]),
        # L3 backslash
        ("echo \\$HOME", [["echo", "$HOME"]]),
        ("g\\it", [["git"]]),
        ("echo a\\", [["echo", "a\\"]]),
        # L4 single quotes
        ("echo '$(rm -rf x)'", [["echo", "$(rm -rf x)"]]),
        # L5 double quotes: only $ ` " \\ newline are escapes
        ('echo "a\\b\\$c\\"d"', [["echo", 'a\\b$c"d']]),
        # L6 ANSI-C
        ("$'\\x67\\x69\\x74' reset", [["git", "reset"]]),
        ("rm$'\\t'-rf", [["rm\t-rf"]]),
        # L7 locale strings read as double quotes
        ('echo $"hi there"', [["echo", "hi there"]]),
        # L8 adjacent parts concatenate; empty quotes are an empty word
        ("g'i't re\"\"set", [["git", "reset"]]),
        ("echo '' \"\"", [["echo", "", ""]]),
        # L9 comments only at the start of a word
        ("echo hi#; git reset --hard", [["echo", "hi#"], ["git", "reset", "--hard"]]),
        ("ls # git reset --hard", [["ls"]]),
        ("ls #it's\necho ok", [["ls"], ["echo", "ok"]]),
        ("echo $#", [["echo", "<x>"]]),
        # L10 control operators without blanks
        ("[ -d x ]&&(git clean -fdx)", [["[", "-d", "x", "]"], ["git", "clean", "-fdx"]]),
        ("a;b|c||d&e", [["a"], ["b"], ["c"], ["d"], ["e"]]),
        # L12 reserved words are keywords only in command position
        ("echo if then fi", [["echo", "if", "then", "fi"]]),
        # CR before newline or at the end is a blank
        ("rm -rf src\r\n", [["rm", "-rf", "src"]]),
        ("rm -rf src\r", [["rm", "-rf", "src"]]),
    ],
)
def test_words_after_quote_removal(command: str, expected: list[list[str]]) -> None:
    assert word_texts(command) == expected


def test_word_spans_index_the_original_string() -> None:
    command = "git  'reset'  --hard"
    words = simples(command)[0].words
    assert [command[w.span[0] : w.span[1]] for w in words] == ["git", "'reset'", "--hard"]
    assert simples(command)[0].span == (0, len(command))


@pytest.mark.parametrize(
    ("command", "ops", "targets"),
    [
        ("cmd >out", [">"], ["out"]),
        ("cmd 2>err", [">"], ["err"]),
        ("cmd >|f >>g <in <>rw", [">|", ">>", "<", "<>"], ["f", "g", "in", "rw"]),
        ("cmd &>f &>>g", ["&>", "&>>"], ["f", "g"]),
        ("cmd >&2 2>&1", [">&", ">&"], ["2", "1"]),
        ("cmd >&file", ["&>"], ["file"]),
        ("cmd {fd}>f", [">"], ["f"]),
        ("cmd <<<word", ["<<<"], ["word"]),
        ("cmd > #comment", [">"], []),
    ],
)
def test_redirections_are_removed_from_words(
    command: str, ops: list[str], targets: list[str]
) -> None:
    simple = simples(command)[0]
    assert [w.plain() for w in simple.words] == ["cmd"]
    assert [r.op for r in simple.redirects] == ops
    assert [
        "".join(p.text for p in r.target.parts) for r in simple.redirects if r.target is not None
    ] == targets


def test_fd_prefixes() -> None:
    simple = simples("cmd 2>err {log}>f >x")[0]
    assert [r.fd for r in simple.redirects] == [2, "log", None]


def test_missing_redirect_target_is_malformed() -> None:
    script = parse("echo >")
    assert script.malformed
    assert [i.kind for i in script.issues] == ["missing-target"]


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("echo $(ls)", CmdSub),
        ("echo `ls`", CmdSub),
        ("echo <(ls)", ProcSub),
        ("echo $((1+2))", Arith),
        ("echo $[1+2]", Arith),
        ("echo ${x:-y}", Param),
        ("echo $x", Param),
        ("echo ~/x", Tilde),
    ],
)
def test_expansion_parts(command: str, kind: type) -> None:
    assert isinstance(only_word(command).parts[0], kind)


def test_substitutions_are_parsed_recursively() -> None:
    part = only_word('echo "$(rm -rf "$(pwd)")"').parts[0]
    assert isinstance(part, CmdSub) and part.quoted
    inner = simples(part.script.body)
    assert [w.parts[0].text for w in inner[0].words[:2]] == ["rm", "-rf"]


def test_cmdsub_honours_case_patterns_and_comments() -> None:
    part = only_word("echo $(case x in a) echo 1;; esac # )\n)").parts[0]
    assert isinstance(part, CmdSub)
    assert not parse("echo $(case x in a) echo 1;; esac # )\n)").malformed


def test_arith_that_does_not_close_is_a_subshell_substitution() -> None:
    part = only_word("echo $( (ls) )").parts[0]
    assert isinstance(part, CmdSub)
    part = only_word("echo $((ls) )").parts[0]
    assert isinstance(part, CmdSub)
    assert [s.words[0].plain() for s in simples(part.script.body)] == ["ls"]


def test_shift_inside_arithmetic_is_not_a_heredoc() -> None:
    script = parse("echo $((1 << 2)); git status")
    assert not script.malformed
    assert word_texts("echo $((1 << 2)); git status")[1] == ["git", "status"]


def test_backquote_unescapes_and_marks_inexact_spans() -> None:
    part = only_word("echo `echo \\`ls\\``").parts[0]
    assert isinstance(part, CmdSub) and part.style == "`"
    assert part.script.exact is False
    exact = only_word("echo `ls -la`").parts[0]
    assert exact.script.exact is True
    inner = simples(exact.script.body)[0]
    assert "echo `ls -la`"[inner.span[0] : inner.span[1]] == "ls -la"


@pytest.mark.parametrize(
    ("body", "decoded"),
    [
        ("\\x67\\x69\\x74", "git"),
        ("a\\tb\\n", "a\tb\n"),
        ("\\101\\0102", "A\x082"),
        ("\\101\\000x", "A"),
        ("\\u00e9", "é"),
        ("\\U0001F600", "\U0001f600"),
        ("\\cA", "\x01"),
        ("\\e\\E", "\x1b\x1b"),
        ("\\'\\\"\\?\\\\", "'\"?\\"),
        ("no\\x00more", "no"),
        ("\\z", "\\z"),
    ],
)
def test_ansi_c_decoding(body: str, decoded: str) -> None:
    assert decode_ansi_c(body) == decoded


def test_param_forms() -> None:
    parts = only_word('echo "${#x}${!y}${a[1]}${b:-d}${c%%.*}"').parts
    params = [p for p in parts if isinstance(p, Param)]
    assert [(p.prefix, p.name, p.op) for p in params] == [
        ("#", "x", ""),
        ("!", "y", ""),
        ("", "a", ""),
        ("", "b", ":-"),
        ("", "c", "%%"),
    ]
    assert params[2].index is not None


def test_heredoc_body_and_commands_after_terminator() -> None:
    command = "cat <<EOF > notes.md\ngit reset --hard $(date)\nEOF\ngit status"
    script = parse(command)
    found = simples(command)
    first, second = found[0], found[-1]
    doc = first.redirects[0].heredoc
    assert doc is not None and doc.terminated and not doc.quoted
    assert doc.body == "git reset --hard $(date)\n"
    assert any(isinstance(p, CmdSub) for p in doc.body_parts or ())
    assert [w.plain() for w in second.words] == ["git", "status"]
    assert command[doc.body_span[0] : doc.body_span[1]] == "git reset --hard $(date)\n"
    assert not script.malformed


def test_quoted_heredoc_is_literal_and_strip_tabs() -> None:
    first = simples("cat <<-'E O'\n\tline $(x)\n\tE O\n")[0]
    doc = first.redirects[0].heredoc
    assert doc is not None
    assert doc.quoted and doc.strip_tabs and doc.delimiter == "E O"
    assert doc.body == "line $(x)\n"
    assert doc.body_parts is None


def test_two_heredocs_in_order_and_unterminated_is_not_malformed() -> None:
    first = simples("cat <<A <<B\na\nA\nb\nB\n")[0]
    bodies = [r.heredoc.body for r in first.redirects if r.heredoc]
    assert bodies == ["a\n", "b\n"]
    script = parse("cat <<EOF\nno end")
    assert not script.malformed
    doc = simples("cat <<EOF\nno end")[0].redirects[0].heredoc
    assert doc is not None and not doc.terminated and doc.body == "no end\n"


def test_heredoc_inside_substitution_takes_lines_inside() -> None:
    command = "x=$(cat <<EOF\nrm -rf src\nEOF\n)\necho done"
    script = parse(command)
    assert not script.malformed
    assert word_texts(command)[-1] == ["echo", "done"]


def test_here_string() -> None:
    simple = simples("bash <<< 'rm -rf src'")[0]
    assert simple.redirects[0].op == "<<<"


def test_assignment_recognition() -> None:
    simple = simples("A=1 B+=2 C[0]=3 D=(x y) cmd E=4")[0]
    assert [a.name for a in simple.assignments] == ["A", "B", "C", "D"]
    assert simple.assignments[1].append
    assert simple.assignments[2].index is not None
    assert simple.assignments[3].array is not None
    assert [w.plain() for w in simple.words] == ["cmd", "E=4"]
    decl = simples("export X=1 Y")[0]
    assert decl.words[1].assign is not None and decl.words[1].assign.name == "X"
    assert decl.words[2].assign is None


def test_tilde_after_colon_in_assignments() -> None:
    simple = simples("P=~/a:~/b")[0]
    value = simple.assignments[0].value
    assert value is not None
    assert sum(isinstance(p, Tilde) for p in value.parts) == 2
