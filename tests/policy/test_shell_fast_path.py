"""The parser's fast paths (plain words and operators, one plain simple command) build exactly
the AST the general parser builds for the same text (guard.md §4.3: one grammar)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkit.policy import shell

from .corpus_cases import load_cases

WORDS = ["ls", "git", "rm", "-rf", "build/", "a=b", "if", "export", "./x", "x=1", "done", "%s"]
# glob, brace and tilde characters: plain words too (the walker expands them, not the parser)
GLOBBY = ["*", "*.pyc", "a?[bc]", "{a,b}", "{", "}", "[[", "]]", "[", "~", "~/x", "~u/p/q", "a~b"]
SEPARATORS = [" ", "  ", ";", " ; ", "&&", " || ", " | ", "&", "\n", "\n\n", ""]
# quoted strings: single quotes hold anything, double quotes plain text (or an expansion or
# escape, which the general parser reads); unterminated quotes fall back
QUOTED = [
    "'a b'",
    "''",
    '""',
    '"x y"',
    "a'b c'd",
    "'; rm -rf /'",
    "'$(x) `y` \\\\ #z'",
    '"it\'s"',
    '"$x"',
    '"a\\\\b"',
    "'if'",
    "x='a b'",
    "~/'q'",
    "{a,'b c'}",
    "'a\nb'",
    "'open",
    '"open',
]


def dump(node: Any) -> Any:
    """A node as nested plain data: class name and every slot, recursively."""
    if node is None or isinstance(node, (str, int, bool)):
        return node
    if isinstance(node, (tuple, list)):
        return [dump(item) for item in node]
    slots = getattr(type(node), "__slots__", ())
    return (type(node).__name__, {name: dump(getattr(node, name, None)) for name in slots})


def general(command: str) -> Any:
    script, _ = shell._parse_at(command, 0, shell.WORK_FACTOR * (len(command) + 1))
    return script


def assert_same(command: str) -> None:
    fast = shell._fast(command)
    if fast is None:
        return  # left to the general parser
    slow = general(command)
    assert not slow.malformed, command
    assert dump(fast.body) == dump(slow.body), command


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=8))
def test_fast_paths_build_the_general_parsers_ast(parts: list[tuple[str, str]]) -> None:
    assert_same("".join(word + sep for word, sep in parts))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(WORDS + GLOBBY), st.sampled_from(SEPARATORS)), max_size=8)
)
def test_fast_paths_handle_globs_braces_and_tildes_like_the_parser(
    parts: list[tuple[str, str]],
) -> None:
    assert_same("".join(word + sep for word, sep in parts))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(WORDS + GLOBBY + QUOTED), st.sampled_from(SEPARATORS)),
        max_size=8,
    )
)
def test_fast_paths_read_quoted_strings_like_the_parser(parts: list[tuple[str, str]]) -> None:
    assert_same("".join(word + sep for word, sep in parts))


# characters the general parser reads (expansions, escapes, redirections, comments, blanks
# other than spaces): a command holding one outside quotes leaves the quoted fast path
SPECIAL = ["$x", "`x`", "\\", "(", ")", "<", ">", "#", "\t", "!", "\r", "é"]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(WORDS + GLOBBY + QUOTED + SPECIAL), st.sampled_from(SEPARATORS)),
        max_size=8,
    )
)
def test_quoted_fast_path_gate_rejects_nothing_it_would_read(parts: list[tuple[str, str]]) -> None:
    """_fast tests the whole command against ``fast_quoted_chars`` before _fast_quoted builds
    any node: every command _fast_quoted reads passes that test, so the gate only saves the
    work of the commands it would give up on."""
    command = "".join(word + sep for word, sep in parts)
    gate = shell._re("fast_quoted_chars").fullmatch(command) is not None
    if shell._fast_quoted(command) is not None:
        assert gate, command
    # (a command whose every dollar starts a plain parameter expansion has its own gate)
    plain_dollars = "$" in command and shell._plain_dollars(command)
    if not gate and ("'" in command or '"' in command) and not plain_dollars:
        assert shell._fast(command) is None, command
    assert_same(command)


def test_quoted_words_take_the_fast_path() -> None:
    for command in [
        "grep -rn 'rm -rf' .",
        'git commit -m "fix: it\'s done" && git push',
        "echo 'rm -rf src' | bash",
        "python3 -c 'import os; os.system(\"rm -rf /\")'",
        "echo a'b c'd \"\" ''",
    ]:
        assert shell._fast(command) is not None, command
        assert_same(command)
    words = shell.parse("echo a'b c'\"d\"").body.items[0].items[0].commands[0].words
    assert [(p.text, p.quoting) for p in words[1].parts] == [
        ("a", "none"),
        ("b c", "single"),
        ("d", "double"),
    ]
    # expansions or escapes in double quotes, unterminated quotes, a declaration's quoted
    # assignment, a reserved or declaration command word and a tilde before quotes: the
    # general parser
    for command in [
        'echo "$1"',
        'echo "a\\\\b"',
        "echo 'open",
        'echo "open',
        "export A='b c'",
        "if 'x'",
        "ls ~/'a b'",
        "echo 'x' >| out",
    ]:
        assert shell._fast(command) is None, command


# words of one simple command without operators or redirections: _fast_split's input
SPLIT_WORDS = [
    *WORDS,
    *GLOBBY,
    *(q for q in QUOTED if "\n" not in q and ";" not in q),
    "'a''b'",
    "\"a b\"'c d'",
    'x"\'"y',
    "'  '",
    "X=''",
    "A+='x y'",
    "'x'=1",
    "a[1]=x",
    "X=~",
    "[",
    "=",
]


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SPLIT_WORDS), st.sampled_from([" ", "  ", ""])),
        min_size=1,
        max_size=7,
    )
)
def test_split_fast_path_builds_the_quoted_fast_paths_ast(parts: list[tuple[str, str]]) -> None:
    """_fast_split reads a quoted simple command off str.split and str.find: for every command
    _fast hands it, it gives up, or builds the AST, exactly where _fast_quoted does."""
    command = " " + "".join(word + sep for word, sep in parts)
    if shell._re("fast_quoted_chars").fullmatch(command) is None:
        return
    split, quoted = shell._fast_split(command), shell._fast_quoted(command)
    assert (split is None) == (quoted is None), command
    if split is not None:
        assert dump(split) == dump(quoted), command
    assert_same(command)


def test_quoted_simple_commands_take_the_split_fast_path() -> None:
    for command in [
        "grep -rn 'rm -rf' .",
        'git commit -m "fix: it\'s done"',
        "echo a'b c'\"d\" '' \"\" e'  'f",
        "GIT_PAGER='rm -rf src' git -C /srv/app log",
        ' X="a b" ',
    ]:
        split = shell._fast_split(command)
        assert split is not None, command
        assert dump(split) == dump(shell._fast_quoted(command)), command
        assert_same(command)
    for command in ["if 'x'", "export A='b c'", "ls ~/'a b'", "a[1]='x' ls"]:
        assert shell._fast_split(command) is None, command


def test_tilde_words_take_the_fast_path() -> None:
    for command in ["rm -rf ~/proj", "ls ~ ~u ~u/x", "ls *.py [ab] {x,y}", "cd ~ && ls ~-"]:
        assert shell._fast(command) is not None, command
        assert_same(command)
    words = shell.parse("ls ~u/x").body.items[0].items[0].commands[0].words
    assert [type(p).__name__ for p in words[1].parts] == ["Tilde", "Lit"]
    assert (words[1].parts[0].user, words[1].parts[1].text) == ("u", "/x")


def test_single_command_fast_path_cases() -> None:
    for command in ["ls", "  ls  -la   build/ ", "rm -rf build", "git status", "", "   "]:
        assert shell._fast(command) is not None, command
        assert_same(command)
    # reserved and declaration words take the general parser
    for command in ["if x", "export A", "done"]:
        assert shell._fast(command) is None, command


def test_single_command_fast_path_spans() -> None:
    script = shell.parse("rm  -rf   build")
    words = script.body.items[0].items[0].commands[0].words
    assert [w.span for w in words] == [(0, 2), (4, 7), (10, 15)]
    assert [w.parts[0].text for w in words] == ["rm", "-rf", "build"]


# plain parameter expansions ($NAME, ${NAME}) take the quoted fast path, unquoted, in double
# quotes and next to text; special parameters, operators, substitutions, a lone dollar or an
# unterminated brace leave it
NAMES = st.sampled_from(["A", "x", "HOME", "_", "a1", "Ab_9"])
NOT_PLAIN = [
    "$1",
    "$@",
    "$*",
    "$#",
    "$?",
    "$$",
    "$!",
    "$-",
    "$0",
    "$",
    "${1}",
    "${@}",
    "${A:-x}",
    "${#A}",
    "${!A}",
    "${A[1]}",
    "${A",
    "${}",
    "$(x)",
    "$((1))",
    "`x`",
    "$'x'",
    '$"x"',
    "\\$A",
]
PARAMS = (
    NAMES.map(lambda name: "$" + name)
    | NAMES.map(lambda name: "${" + name + "}")
    | st.sampled_from(NOT_PLAIN)
)
IN_DQUOTES = st.sampled_from(["a", " ", "/x", "a b", "{", "}", "-", "'", "=", ";", "&&"]) | PARAMS
DQUOTED = st.lists(IN_DQUOTES, max_size=4).map(lambda pieces: '"' + "".join(pieces) + '"')
UNQUOTED = st.sampled_from(
    ["a", "-", "/", ".", "=", "x=", "~", "~/", "[", "]", "{", "}", "_1", "pre", "post", "'q'", "''"]
)
EXPANSION_WORDS = st.lists(UNQUOTED | PARAMS | DQUOTED, min_size=1, max_size=4).map(
    "".join
) | st.sampled_from(WORDS + GLOBBY + QUOTED)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(EXPANSION_WORDS, st.sampled_from(SEPARATORS)), max_size=6))
def test_fast_paths_read_parameter_expansions_like_the_parser(
    parts: list[tuple[str, str]],
) -> None:
    command = "".join(word + sep for word, sep in parts)
    if "$" in command and shell._plain_dollars(command):
        fast = shell._fast(command)
        assert (fast is None) == (shell._fast_quoted(command, True) is None), command
    elif shell._re("fast_quoted_chars").fullmatch(command) is None:
        assert shell._fast(command) is None, command
    assert_same(command)


def test_parameter_expansions_take_the_fast_path() -> None:
    for command in [
        'rm -rf "$HOME/x"',
        "rm -rf $DIR/build && ls ${OUT}",
        'echo pre${A}post "a $B c" "$A$B" "${A}${B}" "" $A-b',
        '$EDITOR "$FILE" | grep x; cd "$TMPDIR"',
        "ls '$A' \"'\"$A",
    ]:
        assert shell._fast(command) is not None, command
        assert_same(command)
    words = shell.parse('x pre${A}post "$HOME/x" "a$B"').body.items[0].items[0].commands[0].words
    assert [type(p).__name__ for p in words[1].parts] == ["Lit", "Param", "Lit"]
    assert (words[1].parts[1].name, words[1].parts[1].braced, words[1].parts[1].quoted) == (
        "A",
        True,
        False,
    )
    assert words[1].parts[1].span == (5, 9)
    assert [type(p).__name__ for p in words[2].parts] == ["Param", "Lit"]
    assert (words[2].parts[0].name, words[2].parts[0].quoted, words[2].parts[1].text) == (
        "HOME",
        True,
        "/x",
    )
    assert [(type(p).__name__, getattr(p, "quoting", None)) for p in words[3].parts] == [
        ("Lit", "double"),
        ("Param", None),
    ]
    for command in ["echo " + word for word in NOT_PLAIN] + [
        'echo "$1"',
        'echo "a$"',
        "export A=$B",
        "ls ~/$A",
        "$A=1",
        'echo "$A\\n"',
    ]:
        assert shell._fast(command) is None, command


# redirection operators and targets, and what stands next to them: the fast path reads
# > >> < >&N with an fd number and a literal, quoted or $NAME target; everything else (heredocs,
# process substitution, &>, >|, {fd}>, 'x'2>f, a missing target) falls back
REDIRECTIONS = [
    ">",
    ">>",
    "<",
    "2>",
    "12>>",
    "0<",
    ">&",
    "2>&",
    ">&1",
    "2>&1",
    "1>&2",
    ">&-",
    "&>",
    "&>>",
    ">|",
    "<>",
    "<&",
    "<<",
    "<<<",
    "<(",
    ">(",
    "{fd}>",
    "x>",
    "'q'2>",
]
TARGETS = ["f", "/dev/null", "out.txt", "'a b'", '"$X"', "$X", "~/x", "~", "a=b", "2", "-", ""]
REDIRECTED_WORDS = st.tuples(
    st.sampled_from(REDIRECTIONS), st.sampled_from(["", " ", "  "]), st.sampled_from(TARGETS)
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.tuples(
            REDIRECTED_WORDS | st.sampled_from(WORDS + GLOBBY + QUOTED),
            st.sampled_from(SEPARATORS),
        ),
        max_size=6,
    )
)
def test_fast_paths_read_redirections_like_the_parser(parts: list[tuple[str, str]]) -> None:
    assert_same("".join(word + sep for word, sep in parts))


def test_redirections_take_the_fast_path() -> None:
    for command in [
        "echo hi > /dev/null",
        "rm -rf src 2>/dev/null || true",
        "git show HEAD:src/app.py > /tmp/app.py",
        "echo 'git clean -fdx' >> notes.md; cat < notes.md",
        'cmd > "$OUT" 2>&1 && > /tmp/empty.log',
        "> out echo a",
    ]:
        assert shell._fast(command) is not None, command
        assert_same(command)
    simple = shell.parse("echo a 2>&1 >x").body.items[0].items[0].commands[0]
    assert [(r.fd, r.op, r.span) for r in simple.redirects] == [
        (2, ">&", (7, 11)),
        (None, ">", (12, 14)),
    ]
    assert simple.span == (0, 14)
    for command in ["cat <<EOF\nx\nEOF", "diff <(ls) x", "ls &> x", "ls >| x", "ls >", "{fd}>x ls"]:
        assert shell._fast(command) is None, command


def test_fast_paths_build_the_general_parsers_ast_for_the_corpus() -> None:
    """Every corpus command the fast paths read (guard.md §16.1) parses to the general
    parser's AST."""
    read = 0
    for case in load_cases():
        command = case["cmd"]
        if len(command) <= shell.MAX_INPUT and shell._fast(command) is not None:
            assert_same(command)
            read += 1
    assert read > 0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("az09_./-=~*?{}[] \n;&|$'\"<>()#\t\\é")), max_size=80))
def test_the_long_command_gate_takes_the_same_characters(text: str) -> None:
    """_fast holds a command of _SIMPLE_SCAN_CHARS or more to the plain characters with the
    "simple" regex, a shorter one with _SIMPLE_CHARS: the two accept the same text."""
    assert shell._SIMPLE_CHARS.issuperset(text) == (
        shell._re("simple").fullmatch(text) is not None
    ), text
    long = (text + " ") * (shell._SIMPLE_SCAN_CHARS // (len(text) + 1) + 1)
    assert len(long) >= shell._SIMPLE_SCAN_CHARS
    assert_same(long)


# NAME=value and NAME+=value prefixes (before the command word, after a redirection, alone)
# take the quoted fast path, whatever their value holds; indexed names, names that are none
# and tildes in the value leave it
ASSIGNED = st.sampled_from(["A", "x", "_1", "Ab_9", "A+", "1a", "a-b", "a[1]", "a[", "", "+"])
VALUES = st.lists(
    UNQUOTED | PARAMS | DQUOTED | st.sampled_from(["'a b'", "=", ":~", "~u"]), max_size=3
)
ASSIGNMENTS = st.tuples(ASSIGNED, VALUES).map(lambda pair: pair[0] + "=" + "".join(pair[1]))


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.tuples(
            ASSIGNMENTS | REDIRECTED_WORDS | st.sampled_from(WORDS + QUOTED),
            st.sampled_from(SEPARATORS),
        ),
        max_size=6,
    )
)
def test_fast_paths_read_assignments_like_the_parser(parts: list[tuple[str, str]]) -> None:
    assert_same("".join(word + sep for word, sep in parts))


def test_assignments_take_the_fast_path() -> None:
    for command in [
        "X=1 ls",
        "X='a b' ls",
        "A=$B ls",
        "SKIP=flake8 git commit -m x",
        "GIT_PAGER='rm -rf src' git -C /srv/app log",
        'X=; rm -rf "$X"',
        "PROMPT_COMMAND+='; rm -rf src'",
        "A=1 B= C+=x",
        "X=1 >/dev/sda",
        ">f X=1 ls",
        "X=1>f ls",
        "echo > a=b",
    ]:
        assert shell._fast(command) is not None, command
        assert_same(command)
    simple = shell.parse("X=a'b c'$Y ls").body.items[0].items[0].commands[0]
    (assignment,) = simple.assignments
    assert (assignment.name, assignment.append, assignment.span) == ("X", False, (0, 10))
    assert [type(p).__name__ for p in assignment.value.parts] == ["Lit", "Lit", "Param"]
    assert assignment.value.span == (2, 10)
    assert simple.span == (0, 13)
    for command in ["X=~ ls", "X=a:~/b ls", "a[1]=x ls", "X=1 if", "X=1 export A=b", "a-b=c ls"]:
        assert shell._fast(command) is None, command


def test_unpaired_brackets_before_an_element_assignment_parse_alike() -> None:
    # hypothesis found `ls[[ a[1]=x` parsed differently by the fast and the general parser
    # before subscripts paired their brackets as bash does
    for command in [" ls[[ a[1]=x ", "ls[[ a[1]=x", "x[ a[1]=y b"]:
        assert_same(command)
