"""Grammar and AST of guard.md §4.3, malformed input (§4.4) and limits (§4.5)."""

from __future__ import annotations

import pytest

from sessionkit.policy.shell import (
    MAX_INPUT,
    WORK_FACTOR,
    AndOr,
    ArithCmd,
    ArithFor,
    Case,
    Cond,
    Coproc,
    For,
    FunctionDef,
    Group,
    If,
    Pipeline,
    Select,
    Simple,
    Subshell,
    Until,
    While,
    parse,
)


def first_command(command: str) -> object:
    script = parse(command)
    assert not script.malformed, script.issues
    return script.body.items[0].items[0].commands[0]


def names(body: object) -> list[str | None]:
    """First words of the simple commands directly in a List."""
    out: list[str | None] = []
    for and_or in body.items:  # type: ignore[attr-defined]
        for pipeline in and_or.items:
            for cmd in pipeline.commands:
                if isinstance(cmd, Simple) and cmd.words:
                    out.append(cmd.words[0].plain())
    return out


def test_list_and_or_pipeline_structure() -> None:
    script = parse("a && b || c | d |& e; f & g\nh")
    body = script.body
    assert body.seps == (";", "&", "\n", "")
    first = body.items[0]
    assert isinstance(first, AndOr) and first.ops == ("&&", "||")
    pipeline = first.items[2]
    assert isinstance(pipeline, Pipeline) and pipeline.pipes == ("|", "|&")
    assert names(body) == ["a", "b", "c", "d", "e", "f", "g", "h"]


def test_negation_and_time() -> None:
    pipeline = parse("! time -p git status").body.items[0].items[0]
    assert pipeline.negated and pipeline.timed
    assert pipeline.commands[0].words[0].plain() == "git"


def test_newlines_after_and_or_and_pipes() -> None:
    assert names(parse("a &&\n\n b |\n c").body) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("(cd x; rm y)", Subshell),
        ("{ a; b; }", Group),
        ("if a; then b; elif c; then d; else e; fi", If),
        ("while a; do b; done", While),
        ("until a; do b; done", Until),
        ("for x in 1 2; do echo $x; done", For),
        ("for x; do echo $x; done", For),
        ("for ((i=0; i<3; i++)); do echo $i; done", ArithFor),
        ("select x in a b; do echo $x; done", Select),
        ("case $x in a|b) echo 1;; (c) echo 2;& *) echo 3;;& esac", Case),
        ("[[ -f x && $(id) == y ]]", Cond),
        ("((x = 1 << 2))", ArithCmd),
        ("coproc worker { sleep 1; }", Coproc),
        ("f() { rm -rf x; }", FunctionDef),
        ("function f { rm -rf x; }", FunctionDef),
        ("function f() ( rm -rf x )", FunctionDef),
    ],
)
def test_compound_commands(command: str, kind: type) -> None:
    node = first_command(command)
    assert isinstance(node, kind)
    assert node.span[0] == 0  # type: ignore[attr-defined]


def test_if_clauses_and_else() -> None:
    node = first_command("if a; then b; elif c; then d; else e; fi")
    assert isinstance(node, If)
    assert [(names(c), names(b)) for c, b in node.clauses] == [(["a"], ["b"]), (["c"], ["d"])]
    assert node.else_body is not None and names(node.else_body) == ["e"]


def test_case_items() -> None:
    node = first_command("case $x in a|b) echo 1;; (c) echo 2;& *) echo 3;;& esac")
    assert isinstance(node, Case)
    assert [len(i.patterns) for i in node.items] == [2, 1, 1]
    assert [i.terminator for i in node.items] == [";;", ";&", ";;&"]


def test_for_words_and_function_names() -> None:
    node = first_command("for x in a 'b c'; do :; done")
    assert isinstance(node, For) and node.name == "x"
    assert node.words is not None and len(node.words) == 2
    func = first_command("function deploy { :; }")
    assert isinstance(func, FunctionDef) and func.name == "deploy"


def test_redirects_after_compound() -> None:
    node = first_command("{ a; } > out 2>&1")
    assert isinstance(node, Group)
    assert [r.op for r in node.redirects] == [">", ">&"]


def test_reserved_words_only_in_command_position() -> None:
    node = first_command("echo done fi")
    assert isinstance(node, Simple) and len(node.words) == 3


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("echo 'abc", "unterminated-quote"),
        ('echo "abc', "unterminated-quote"),
        ("echo $'abc", "unterminated-quote"),
        ("echo $(ls", "unterminated-substitution"),
        ("echo `ls", "unterminated-substitution"),
        ("echo ${x", "unterminated-substitution"),
        ("echo $((1+2", "unterminated-substitution"),
        ("cat <(ls", "unterminated-substitution"),
        ("(ls", "unbalanced"),
        ("ls )", "unbalanced"),
        ("{ ls", "missing-keyword"),
        ("if true; then ls", "missing-keyword"),
        ("if true; ls; fi", "unexpected-token"),
        ("case x in a) ls;;", "missing-keyword"),
        ("while true; do ls", "missing-keyword"),
        ("ls &&", "dangling-operator"),
        ("ls |", "dangling-operator"),
        ("; ls", "unexpected-token"),
        ("echo >", "missing-target"),
    ],
)
def test_malformed_kinds(command: str, kind: str) -> None:
    script = parse(command)
    assert script.malformed
    assert kind in [issue.kind for issue in script.issues]
    assert all(0 <= issue.offset <= len(command) for issue in script.issues)


@pytest.mark.parametrize("command", ["cat <<EOF\nbody", "echo a\\", "ls\n", "ls;"])
def test_not_malformed(command: str) -> None:
    assert not parse(command).malformed


def test_first_reading_closes_open_constructs() -> None:
    script = parse("git reset --hard 'unterminated")
    simple = script.body.items[0].items[0].commands[0]
    assert [w.parts[0].text for w in simple.words] == ["git", "reset", "--hard", "unterminated"]


def test_second_reading_reads_the_quoted_text_as_code() -> None:
    script = parse("echo 'x; git reset --hard")
    assert script.malformed
    assert len(script.readings) == 1
    number, reading = script.readings[0]
    assert number == 2
    assert names(reading.body) == ["x", "git"]
    git = reading.body.items[1].items[0].commands[0]
    assert "echo 'x; git reset --hard"[git.span[0] : git.span[1]] == "git reset --hard"


def test_at_most_four_readings() -> None:
    script = parse("echo 'a \"b $(c `d")
    assert script.malformed
    assert 1 <= len(script.readings) <= 3


def test_input_size_limit() -> None:
    script = parse("a" * (MAX_INPUT + 1))
    assert script.limit == "input-size"


@pytest.mark.parametrize(
    "command", ["(" * 40, "$(" * 40, "${x:-" * 40, "`" + "\\`" * 40, "f() " * 40, "{ " * 40]
)
def test_depth_limit_is_reported_not_raised(command: str) -> None:
    script = parse(command)
    assert script.limit == "depth" or script.malformed


@pytest.mark.parametrize(
    "command",
    [
        "git status",
        "cd src && pytest -q",
        "cat <<EOF\n" + "x $(y)\n" * 50 + "EOF\n",
        "$((" * 5000,
        "(" * 3000,
        "'" * 3001,
        "{a,b}" * 2000,
        ";" * 5000,
        "<<" * 3000,
    ],
)
def test_work_stays_within_the_bound(command: str) -> None:
    script = parse(command)
    assert script.work <= WORK_FACTOR * (len(command) + 1)


def test_spans_on_every_simple() -> None:
    command = "a 1; { b 2 && c 3; } | d 4"
    script = parse(command)
    texts = []
    stack: list[object] = [script.body]
    while stack:
        node = stack.pop()
        if isinstance(node, Simple):
            texts.append(command[node.span[0] : node.span[1]])
        for name in getattr(type(node), "__slots__", ()):
            value = getattr(node, name, None)
            if isinstance(value, tuple):
                stack.extend(v for v in value if hasattr(v, "__slots__"))
            elif hasattr(value, "__slots__") and value is not None and name == "body":
                stack.append(value)
    assert sorted(texts) == ["a 1", "b 2", "c 3", "d 4"]


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        parse(b"ls")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("command", "name", "index"),
    [
        ("A[${#A[@]}]=rm", "A", "${#A[@]}"),
        ("A[${B[0]}]+=x cmd", "A", "${B[0]}"),
        ("A[1]=x", "A", "1"),
    ],
)
def test_indexed_assignment_subscript_with_brackets(command: str, name: str, index: str) -> None:
    # bash pairs the brackets of the subscript: the `]` of `${#A[@]}` does not close it
    cmd = first_command(command)
    assert isinstance(cmd, Simple)
    (assignment,) = cmd.assignments
    assert assignment.name == name
    assert command[assignment.index.span[0] : assignment.index.span[1]] == index


def test_unpaired_subscript_bracket_is_a_command_word() -> None:
    cmd = first_command("A[x]]=1")
    assert isinstance(cmd, Simple) and not cmd.assignments
    assert cmd.words[0].plain() == "A[x]]=1"
