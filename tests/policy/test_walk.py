"""Expansion and same-command data flow (guard.md §5) and the Command records (§6.1)."""

from __future__ import annotations

import os

import pytest

from sessionkit.policy.command import Command
from sessionkit.policy.shell import simple_commands as shell_simple_commands
from sessionkit.policy.values import FRESH, HOME, REPO, TMPDIR, Lit, Sym, Unknown, lit
from sessionkit.policy.walk import canonical_name, simple_commands, walk

CWD = "/work/repo"


def records(command: str, cwd: str = CWD) -> list[Command]:
    result = walk(command, cwd=cwd)
    assert result.errors == []
    assert result.limit is None
    return result.commands


def argvs(command: str, cwd: str = CWD) -> list[list[str]]:
    return [c.rendered() for c in records(command, cwd)]


def runs(command: str, argv: list[str], cwd: str = CWD) -> Command:
    """The record whose rendered argv is ``argv`` (fails when none is)."""
    for c in records(command, cwd):
        if c.rendered() == argv:
            return c
    raise AssertionError(f"{argv} not among {argvs(command, cwd)}")


# --- §5.2 expansion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("git {reset,--hard}", ["git", "reset", "--hard"]),
        ("echo a{b,c{d,e}}f", ["echo", "abf", "acdf", "acef"]),
        ("echo {1..3}", ["echo", "1", "2", "3"]),
        ("echo {01..03}", ["echo", "01", "02", "03"]),
        ("echo {1..9..4}", ["echo", "1", "5", "9"]),
        ("echo {a..c}", ["echo", "a", "b", "c"]),
        ("echo '{a,b}' {} {a} x{,}", ["echo", "{a,b}", "{}", "{a}", "x", "x"]),
        ("X=a; echo ${X}{1,2}", ["echo", "a1", "a2"]),
        (
            "X=abc.tar.gz; echo ${X%%.*} ${X#*.} ${X%.*} ${X##*.}",
            ["echo", "abc", "tar.gz", "abc.tar", "gz"],
        ),
        (
            "X=hello; echo ${X/l/L} ${X//l/L} ${X^^} ${X:1:3} ${#X}",
            ["echo", "heLlo", "heLLo", "HELLO", "ell", "5"],
        ),
        ("X=a; echo ${X:+set} ${Y:+set}", ["echo", "set"]),
        ("A=(x 'y z'); echo \"${A[@]}\" ${A[1]} ${#A[@]}", ["echo", "x", "y z", "y", "z", "2"]),
        ('set -- a b; echo $1 $# "$@"', ["echo", "a", "2", "a", "b"]),
        ('set -- a b c; shift; echo "$@"', ["echo", "b", "c"]),
        ("N=X; X=v; echo ${!N}", ["echo", "v"]),
        ("X='a  b'; echo $X \"$X\"", ["echo", "a", "b", "a  b"]),
        ("IFS=,; X=a,b; echo $X", ["echo", "a", "b"]),
        ('X=; echo $X "$X" end', ["echo", "", "end"]),
        ("echo $((1+2))", ["echo", "3"]),
        ("echo $((x++))", ["echo", "«$((…))»"]),
        ("echo $RANDOM$$", ["echo", "«$RANDOM»«$$»"]),
    ],
)
def test_expansion(command: str, argv: list[str]) -> None:
    assert argvs(command)[-1] == argv


def test_tilde_forms() -> None:
    home = records("echo ~ ~/x")[0]
    assert all(type(v.pieces[0]) is Sym and v.pieces[0].kind == HOME for v in home.argv[1:])
    assert home.argv[2].pieces[0].path == os.path.expanduser("~")
    plus = records("cd /tmp && echo ~+ ~-")[-1]
    assert [v.text for v in plus.argv[1:]] == ["/tmp", CWD]
    user = records("echo ~bob/x")[0].argv[1]
    assert type(user.pieces[0]) is Unknown and user.pieces[0].origin == "~bob"


def test_unquoted_glob_is_a_pattern_quoted_is_not() -> None:
    c = records("rm -f *.txt '*.md' \"a?\" x\\*")[0]
    assert [v.pattern for v in c.argv[1:]] == [False, True, False, False, False]


def test_plain_words_are_the_values_lit_builds() -> None:
    """The walker builds plain literal words inline (no lit() frame): the same values, flags,
    text and pieces as lit()."""
    words = ["ls", "-la", "*.py", "a?b", "[ab]", "x]", "src/", "a~b", "%s", "-", "a=b"]
    quoted = ["'*.py'", '"a b"', "'{a,b}'", '"[x]"', "''"]
    (cmd,) = list(simple_commands("echo " + " ".join(words + quoted), cwd="/r"))
    expectations = [(text, False) for text in words] + [(text[1:-1], True) for text in quoted]
    for value, (text, is_quoted) in zip(cmd.argv[1:], expectations, strict=True):
        expected = lit(text, is_quoted)
        assert value == expected
        assert (value.text, value.known, value.pattern, value.split) == (
            expected.text,
            expected.known,
            expected.pattern,
            expected.split,
        )
        assert [(type(p), p.text, p.quoted) for p in value.pieces] == [  # type: ignore[union-attr]
            (Lit, text, is_quoted)
        ]


def test_plain_word_cache_keeps_quoting_and_values() -> None:
    """The walker remembers plain literal words' values by their parts (_PLAIN_WORDS): a word
    walked again, from the fast or the general parser, quoted or not, keeps its own value."""
    commands = ["rm -f *.txt '*.txt' x", "rm -f '*.txt' *.txt x $(true)"]
    expected = [
        [("rm", False), ("-f", False), ("*.txt", True), ("*.txt", False), ("x", False)],
        [("rm", False), ("-f", False), ("*.txt", False), ("*.txt", True), ("x", False)],
    ]
    for _ in range(2):  # the second time from the cache
        for command, values in zip(commands, expected, strict=True):
            (argv,) = [c.argv for c in records(command) if c.argv[0].text == "rm"]
            assert [(v.text, v.pattern) for v in argv[:5]] == values, command


def test_records_set_every_command_field() -> None:
    """The walker builds records with slot stores (no Command.__init__ frame): every field
    is set, to what Command(...) would hold."""
    for command in ["ls", "git -c a.b=c status", "FOO=1 rm -rf x > out", "echo a | sh", "a &"]:
        for record in simple_commands(command, cwd="/r"):
            fields = {name: getattr(record, name) for name in Command.__slots__}
            rebuilt = Command(**fields)
            assert all(getattr(rebuilt, name) == fields[name] for name in Command.__slots__)


def test_unknown_pieces_and_split_flag() -> None:
    c = records('rm -rf $X "$Y" "${Z:?}"')[0]
    x, y, z = c.argv[2:]
    assert x.split and not y.split
    assert not x.known and x.pieces[0].may_be_empty
    assert not z.pieces[0].may_be_empty


def test_default_operator_gives_alternatives() -> None:
    got = [c.rendered() for c in records('rm -rf "${X:-/}"')]
    assert ["rm", "-rf", "/"] in got
    assert any("«" in a[2] for a in got)


def test_assign_default_persists() -> None:
    assert ["rm", "-rf", "src"] in argvs(": ${D:=src}; rm -rf $D")


def test_special_parameters_are_nonempty_unknowns() -> None:
    value = records("echo $?")[0].argv[1]
    assert type(value.pieces[0]) is Unknown and not value.pieces[0].may_be_empty


# --- §5.3 variables and scoping ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("G=git; X=--hard; $G reset $X", ["git", "reset", "--hard"]),
        ("export X=src; rm -rf $X", ["rm", "-rf", "src"]),
        ("declare -a A=(a b); echo ${A[1]}", ["echo", "b"]),
        ("read -r X <<< 'src'; rm -rf $X", ["rm", "-rf", "src"]),
        ('read -r A B <<EOF\nx y z\nEOF\necho $A "$B"', ["echo", "x", "y z"]),
        ("printf -v X '%s/%s' a b; echo $X", ["echo", "a/b"]),
        ('X=src; unset X; echo "$X"', ["echo", ""]),
        ("X=a; X+=b; echo $X", ["echo", "ab"]),
    ],
)
def test_variable_store(command: str, argv: list[str]) -> None:
    assert argv in argvs(command)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # A unset: the appended elements alone; A from the environment: its value first
        ('A+=(src); rm -rf "${A[@]}"', [["rm", "-rf", "src"], ["rm", "-rf", "«$A»", "src"]]),
        ('A+=(/ x); rm -rf "${A[0]}"', [["rm", "-rf", "/"], ["rm", "-rf", "«$A»"]]),
        # the unknown earlier text, then the appended one, split where it has blanks
        ('X+=" src"; rm -rf $X', [["rm", "-rf", "«$X»", "src"]]),
        ('X+=/src; rm -rf "$X"', [["rm", "-rf", "«$X»/src"]]),
        (
            'true && X=a; X+=" src"; rm -rf $X',
            [["rm", "-rf", "a", "src"], ["rm", "-rf", "«$X»", "src"]],
        ),
    ],
)
def test_append_to_an_unknown_value_keeps_the_appended_part(
    command: str, expected: list[list[str]]
) -> None:
    assert sorted(rendered_runs(command, "rm")) == sorted(expected)


def test_append_to_an_unknown_array_runs_the_known_words() -> None:
    got = argvs('A+=(rm -rf src); "${A[@]}"')
    assert ["rm", "-rf", "src"] in got and ["«$A»", "rm", "-rf", "src"] in got


def test_prefix_assignment_is_env_only() -> None:
    c = records("X=1 GIT_DIR=.git git status; echo $X")
    assert dict(c[0].env)["GIT_DIR"].text == ".git"
    assert c[1].rendered() == ["echo", "«$X»"]


def test_exported_variables_reach_env() -> None:
    c = records("export HUSKY=0; git commit -m x")[-1]
    assert dict(c.env)["HUSKY"].text == "0"


def test_conditional_assignment_adds_alternatives() -> None:
    got = argvs("false || X=src; rm -rf $X")
    assert ["rm", "-rf", "src"] in got and ["rm", "-rf", "«$X»"] in got
    got = argvs("X=a; if c; then X=b; fi; echo $X")
    assert ["echo", "a"] in got and ["echo", "b"] in got


def rendered_runs(command: str, name: str) -> list[list[str]]:
    return [a for a in argvs(command) if a[0] == name]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # a branch's assignments replace values for the rest of the branch: element
        # assignments keep the array's order ("${A[@]}"), not one element per alternative
        ('if true; then A[0]=rm; A[1]=-rf; A[2]=src; "${A[@]}"; fi', ["rm", "-rf", "src"]),
        ('case x in x) A[0]=rm; A[1]=-rf; A[2]=src; "${A[@]}";; esac', ["rm", "-rf", "src"]),
        ('while c; do A[0]=rm; A[1]=-rf; A[2]=src; "${A[@]}"; done', ["rm", "-rf", "src"]),
        ('for i in 1; do A[0]=rm; A[1]=-rf; A[2]=src; "${A[@]}"; done', ["rm", "-rf", "src"]),
        # after && or ||, the array is unknown or the branch's, and later subscripts extend
        # the known alternative
        ('true && A[0]=push; A[1]=--force; git "${A[@]}"', ["git", "push", "--force"]),
        ('false || A[0]=reset; A[1]=--hard; git "${A[@]}"', ["git", "reset", "--hard"]),
    ],
)
def test_branch_element_assignments_keep_the_array(command: str, argv: list[str]) -> None:
    assert argv in argvs(command)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # every alternative of the element's value, in its place
        ('A[0]=rm; A[1]=-rf; A[2]=${T:-src}; "${A[@]}"', ["rm", "-rf", "src"]),
        ('A[0]=${C:-rm}; A[1]=-rf; A[2]=src; "${A[@]}"', ["rm", "-rf", "src"]),
        # a subscript made of parameters that expand to a number: the append idiom
        ('A=(); A[${#A[@]}]=rm; A[${#A[@]}]=-rf; A[${#A[@]}]=src; "${A[@]}"', ["rm", "-rf", "src"]),
        ('i=2; A=(rm -rf x); A[$i]=src; "${A[@]}"', ["rm", "-rf", "src"]),
    ],
)
def test_element_assignments_with_alternatives_or_computed_subscripts(
    command: str, argv: list[str]
) -> None:
    assert argv in argvs(command)


@pytest.mark.parametrize(
    ("command", "name", "expected"),
    [
        # no value of another element, and no unknown earlier value, inside the branch
        (
            'if true; then A[0]=build; A[1]=src; rm -rf "${A[0]}"; fi',
            "rm",
            [["rm", "-rf", "build"]],
        ),
        ('for i in 1 2; do D=$(mktemp -d); rm -rf "$D"; done', "rm", None),
        ('true && D=$(mktemp -d) && rm -rf "$D"', "rm", None),
        ("case x in x) X=a; X=b; echo $X;; esac", "echo", [["echo", "b"]]),
        ("a && X=1 && echo $X", "echo", [["echo", "1"]]),
        # with an else, one of the branches ran: no unknown earlier value afterwards
        ("if c; then X=a; else X=b; fi; echo $X", "echo", [["echo", "b"], ["echo", "a"]]),
    ],
)
def test_branch_assignments_replace_within_the_branch(
    command: str, name: str, expected: list[list[str]] | None
) -> None:
    got = rendered_runs(command, name)
    if expected is None:  # fresh paths, never an unknown
        found = [r for r in records(command) if r.name == name]
        assert found
        for c in found:
            assert type(c.argv[2].pieces[0]) is Sym and c.argv[2].pieces[0].kind == FRESH
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # a value set late in a loop body is seen by the next iteration's earlier commands
        ('for i in 1 2; do rm -rf "$P"; P=src; done', ["rm", "-rf", "src"]),
        ('while c; do "${A[@]}"; A=(rm -rf src); done', ["rm", "-rf", "src"]),
        ('until c; do cd /; rm -rf "$X"; X=etc; done', ["rm", "-rf", "etc"]),
        ("for ((i=0; i<2; i++)); do git $S --hard; S=reset; done", ["git", "reset", "--hard"]),
    ],
)
def test_loop_body_sees_values_of_the_previous_iteration(command: str, argv: list[str]) -> None:
    assert argv in argvs(command)


def test_loop_body_second_walk_adds_no_duplicate_records() -> None:
    got = argvs('for i in 1 2; do rm -rf build; X=a; echo "$X"; done')
    assert got.count(["rm", "-rf", "build"]) == 1
    assert got.count(["echo", "a"]) == 1


def test_branch_assignments_stay_alternatives_after_the_region() -> None:
    got = rendered_runs("a || X=1 && echo $X", "echo")
    assert ["echo", "1"] in got and ["echo", "«$X»"] in got
    got = rendered_runs("for d in a; do X=src; done; echo $X", "echo")
    assert ["echo", "src"] in got and ["echo", "«$X»"] in got
    got = rendered_runs("X=a; while c; do X=b; done; echo $X", "echo")
    assert sorted(got) == [["echo", "a"], ["echo", "b"]]
    got = rendered_runs('X=src; if c; then unset X; fi; echo "$X"', "echo")
    assert sorted(got) == [["echo", ""], ["echo", "src"]]


def test_unconditional_assignment_replaces() -> None:
    assert argvs("X=a; X=b; echo $X")[-1] == ["echo", "b"]
    assert len([a for a in argvs("X=a; X=b; echo $X") if a[0] == "echo"]) == 1


def test_subshell_and_substitution_scope() -> None:
    assert argvs("(X=src); echo $X")[-1] == ["echo", "«$X»"]
    assert argvs("Y=$(X=a); echo $X")[-1] == ["echo", "«$X»"]


def test_last_pipeline_element_leaks_as_alternative() -> None:
    got = argvs("X=a; echo | X=b; echo $X")
    assert ["echo", "a"] in got and ["echo", "b"] in got


def test_for_loop_values() -> None:
    got = argvs("for d in src docs; do rm -rf $d; done")
    assert got == [["rm", "-rf", "src"], ["rm", "-rf", "docs"]]


def test_function_positional_parameters() -> None:
    got = argvs('f() { rm -rf "$1"; }; f src')
    assert ["rm", "-rf", "src"] in got


# --- §5.4 literal producers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("$(echo git) reset", ["git", "reset"]),
        ('"$(which git)" reset', ["/usr/bin/git", "reset"]),
        ("$(printf r)m -rf x", ["rm", "-rf", "x"]),
        ("rm -rf $(echo -n src)", ["rm", "-rf", "src"]),
        ("rm -rf $(printf '%s\\n' a b)", ["rm", "-rf", "a", "b"]),
        ("rm -rf $(basename /x/src)", ["rm", "-rf", "src"]),
        ("rm -rf $(dirname src/x)", ["rm", "-rf", "src"]),
        ("cd /tmp && rm -rf $(pwd)/x", ["rm", "-rf", "/tmp/x"]),
        ("rm -rf $(echo cmVzZXQ= | base64 -d)", ["rm", "-rf", "reset"]),
        ("rm -rf $(echo crs | rev)", ["rm", "-rf", "src"]),
        ("rm -rf $(echo SRC | tr A-Z a-z)", ["rm", "-rf", "«$(tr …)»"]),
        ("rm -rf $(printf 'a\\nb\\n' | head -n 1)", ["rm", "-rf", "a"]),
        ("X=$(cat <<EOF\nsrc\nEOF\n); rm -rf $X", ["rm", "-rf", "src"]),
    ],
)
def test_literal_producers(command: str, argv: list[str]) -> None:
    assert argv in argvs(command)


def test_mktemp_and_repo_symbols() -> None:
    c = records('D=$(mktemp -d); rm -rf "$D"')[-1]
    sym = c.argv[2].pieces[0]
    assert type(sym) is Sym and sym.kind == FRESH and sym.n == 1
    c = records('rm -rf "$(git rev-parse --show-toplevel)"')[-1]
    assert c.argv[2].pieces[0].kind == REPO
    c = records('rm -rf "$TMPDIR/x"')[-1]
    assert c.argv[2].pieces[0].kind == TMPDIR


def test_producer_class_of_substitution() -> None:
    c = records("rm -rf $(ls)")[-1]
    producer = c.argv[2].pieces[0].producer
    assert producer is not None and producer.kind == "ls"
    c = records("rm $(git ls-files -o)")[-1]
    assert c.argv[1].pieces[0].producer.kind == "git-listed"
    c = records("rm $(find . -name x | grep y)")[-1]
    assert c.argv[1].pieces[0].producer.kind == "find"
    c = records("rm $(curl x)")[-1]
    assert c.argv[1].pieces[0].producer.kind == "unknown"


def test_group_output_keeps_known_parts() -> None:
    c = runs("{ crontab -l; echo '* * * * * rm -rf ~'; } | crontab -", ["rm", "-rf", "~"])
    assert c.via_kinds() == ("crontab",) and c.deferred


# --- §5.5 cwd ------------------------------------------------------------------------------


def test_cd_and_chain_sees_new_cwd_later_commands_see_both() -> None:
    c = records("cd src && rm -rf a; rm -rf b")
    assert [v.text for v in c[1].cwd] == [CWD + "/src"]
    assert sorted(v.text or "" for v in c[2].cwd) == sorted([CWD + "/src", CWD])


def test_cd_forms() -> None:
    assert [v.text for v in records("cd /tmp && cd - && ls")[-1].cwd] == [CWD]
    home = records("cd && ls")[-1].cwd[0]
    assert home.pieces[0].kind == HOME
    unknown = records('cd "$X" && ls')[-1].cwd[0]
    assert not unknown.known
    assert [v.text for v in records("(cd /tmp); ls")[-1].cwd] == [CWD]
    assert [v.text for v in records("cd -P ../x && ls")[-1].cwd] == ["/work/x"]
    assert [v.text for v in records("cd / && cd tmp && ls")[-1].cwd] == ["/tmp"]  # not //tmp


def test_git_dash_c_and_pwd() -> None:
    assert argvs("cd /opt && echo $PWD $OLDPWD")[-1] == ["echo", "/opt", CWD]


@pytest.mark.parametrize(
    "command",
    [
        "git -C /srv -C app bisect run rm -rf build",
        "git -C /srv/app rebase -x 'rm -rf build' HEAD~1",
        "GIT_PAGER='rm -rf build' git -C /srv/app log",
        "git -C ../.. -C srv/app -c core.sshCommand='rm -rf build' fetch",
        "git -C /srv/app -c alias.x='!rm -rf build' x",
    ],
)
def test_git_dash_c_moves_the_records_git_runs(command: str) -> None:
    cwd = "/work" if "../.." not in command else "/x/y"
    rm = runs(command, ["rm", "-rf", "build"], cwd=cwd)
    assert [v.text for v in rm.cwd] == ["/srv/app"]
    git = next(c for c in records(command, cwd) if c.name == "git")
    assert [v.text for v in git.cwd] == [cwd]  # git's own record: its analyser reads -C


@pytest.mark.parametrize(
    "command",
    [
        "env -C /srv/app bash -c 'rm -rf build'",
        "env --chdir=/srv/app sh -c 'rm -rf build'",
        "sudo -D /srv/app sh -c 'rm -rf build'",
        "timeout 5 env -C /srv/app bash -c 'rm -rf build'",
        "env -C /srv/app nice bash -c 'rm -rf build'",
        "env -C /srv/app watch 'rm -rf build'",
        "env -C /srv/app xargs sh -c 'rm -rf build'",
        "env -C /srv sudo -D app bash -c 'rm -rf build'",
        "echo 'rm -rf build' > /s.sh; env -C /srv/app bash /s.sh",
        "echo 'rm -rf build' > /srv/app/s.sh; env -C /srv/app ./s.sh",
        "sudo -D /srv/app -s 'rm -rf build'",
        "echo 'rm -rf build' | sudo -D /srv/app -s",
        "env -C /srv/app -S 'sh -c \"rm -rf build\"'",
        "pnpm -C /srv/app exec rm -rf build",
        "pnpm --dir=/srv/app exec sh -c 'rm -rf build'",
        "yarn --cwd /srv/app exec rm -rf build",
        "uv --directory /srv/app run rm -rf build",
        "poetry -C /srv/app run rm -rf build",
    ],
)
def test_wrapper_cwd_moves_the_payloads_it_runs(command: str) -> None:
    # §5.5: env -C and sudo -D change the cwd of the command and of what it runs
    rm = runs(command, ["rm", "-rf", "build"])
    assert [v.text for v in rm.cwd] == ["/srv/app"]


def test_wrapper_cwd_stays_with_that_command() -> None:
    c = records("env -C /srv bash -c 'cd app'; rm -rf build")
    assert [v.text for v in c[-1].cwd] == [CWD]


def test_git_payloads_without_dash_c_or_with_an_unknown_one() -> None:
    assert [v.text for v in runs("git bisect run rm -rf b", ["rm", "-rf", "b"]).cwd] == [CWD]
    unknown = runs('git -C "$D" bisect run rm -rf b', ["rm", "-rf", "b"]).cwd
    assert len(unknown) == 1 and not unknown[0].known


# --- §5.6 aliases and functions ------------------------------------------------------------


def test_alias_is_judged_both_ways() -> None:
    c = records("alias g='git reset'; g --hard")
    got = [x.rendered() for x in c]
    assert ["git", "reset", "--hard"] in got
    assert ["g", "--hard"] in got
    alias_run = runs("alias g='git reset'; g --hard", ["git", "reset", "--hard"])
    assert alias_run.via_kinds() == ("alias",) and not alias_run.defined_only


def test_unused_definitions_are_judged_once() -> None:
    c = runs("alias nuke='rm -rf src'", ["rm", "-rf", "src"])
    assert c.defined_only
    c = runs("f() { git reset --hard; }", ["git", "reset", "--hard"])
    assert c.defined_only and c.via_kinds() == ("function",)


def test_function_call_judged_as_body_and_plain() -> None:
    got = argvs("git() { echo hi; }; git reset --hard")
    assert ["git", "reset", "--hard"] in got and ["echo", "hi"] in got
    body = runs("f() { rm -rf src; }; f", ["rm", "-rf", "src"])
    assert not body.defined_only


def _rm_operands(command: str) -> set[str]:
    return {" ".join(a[2:]) for a in argvs(command) if a[:2] == ["rm", "-rf"]}


@pytest.mark.parametrize(
    ("command", "operands"),
    [
        # a function runs in the caller's shell: what its body sets persists after the call
        ('f() { X=src; }; X=build; f; rm -rf "$X"', {"src"}),
        ("f() { export X=src; }; f; rm -rf $X", {"src"}),
        ("f() { g; }; g() { X=src; }; f; rm -rf $X", {"src"}),
        ('f() { read X <<< src; }; f; rm -rf "$X"', {"src"}),
        # its local variables do not (declare and typeset in a function are local too)
        ('f() { local X=src; }; X=build; f; rm -rf "$X"', {"build"}),
        ('f() { declare X=src; }; X=build; f; rm -rf "$X"', {"build"}),
        ('f() { local X; X=src; }; X=build; f; rm -rf "$X"', {"build"}),
        ('f() { declare -g X=src; }; X=build; f; rm -rf "$X"', {"src"}),
        # a call that may not run adds the body's values as alternatives
        ('f() { X=src; }; X=build; true && f; rm -rf "$X"', {"build", "src"}),
        # a pipeline element runs in a subshell
        ('f() { X=src; }; X=build; f | cat; rm -rf "$X"', {"build"}),
        # a background job too, but the rm may run after its body: both values, as for
        # every background command (toward protection)
        ('f() { X=src; }; X=build; f & rm -rf "$X"', {"build", "src"}),
    ],
)
def test_function_body_state_persists_after_the_call(command: str, operands: set[str]) -> None:
    assert _rm_operands(command) == operands


def test_function_body_cd_persists_after_the_call() -> None:
    c = runs("f() { cd build; }; f && rm -rf src", ["rm", "-rf", "src"])
    assert CWD + "/build" in {v.text for v in c.cwd}


def test_trap_and_prompt_command_are_deferred() -> None:
    c = runs("trap 'rm -rf src' EXIT", ["rm", "-rf", "src"])
    assert c.deferred and c.via_kinds() == ("trap",)
    c = runs("PROMPT_COMMAND='git reset --hard'", ["git", "reset", "--hard"])
    assert c.deferred


# --- §5.7 files written, §5.8 git config ----------------------------------------------------


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("echo 'rm -rf src' > x.sh; bash x.sh", "shell-script"),
        ("cat > x.sh <<'EOF'\nrm -rf src\nEOF\nsh x.sh", "shell-script"),
        ("printf 'rm -rf src\\n' > x.sh && chmod +x x.sh && ./x.sh", "written-script"),
        ("echo 'rm -rf src' | tee x.sh; source x.sh", "source"),
        ("echo 'rm -rf src' > a; cp a b.sh; . b.sh", "source"),
        ("echo 'rm -rf src' > x.sh; echo 'ls' >> x.sh; bash x.sh", "shell-script"),
    ],
)
def test_written_scripts(command: str, kind: str) -> None:
    c = runs(command, ["rm", "-rf", "src"])
    assert kind in c.via_kinds()


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        # the cwd is the home symbol after `cd`, `cd ~`, `cd ~/`, `cd $HOME` (§5.5)
        ("cd ~ && echo 'rm -rf src' > x.sh && bash x.sh", "shell-script"),
        ("cd && echo 'rm -rf src' > x.sh && bash x.sh", "shell-script"),
        ("cd ~/ && echo 'rm -rf src' > x.sh && bash x.sh", "shell-script"),
        ("cd $HOME && echo 'rm -rf src' > x.sh && bash x.sh", "shell-script"),
        ("echo 'rm -rf src' > ~/x.sh; cd; bash x.sh", "shell-script"),
        ("cd ~ && echo 'rm -rf src' | tee x.sh; bash ~/x.sh", "shell-script"),
        ("cd ~ && echo 'rm -rf src' > x.sh; cp x.sh y.sh; . y.sh", "source"),
        # several cwd alternatives after a `cd` that may have failed: the file is in one
        ("cd src && echo 'rm -rf src' > x.sh; bash x.sh", "shell-script"),
        ("cd src; echo 'rm -rf src' > x.sh; cd ..; bash src/x.sh", "shell-script"),
        # symbolic places without a path: a mktemp result, $TMPDIR, the repository root
        ('D=$(mktemp -d); echo \'rm -rf src\' > "$D/x.sh"; bash "$D/x.sh"', "shell-script"),
        ("D=$(mktemp -d); cd $D && echo 'rm -rf src' > x.sh && ./x.sh", "written-script"),
        ("cd $TMPDIR && echo 'rm -rf src' > x.sh && . ./x.sh", "source"),
        (
            "cd $(git rev-parse --show-toplevel) && echo 'rm -rf src' > x.sh && sh x.sh",
            "shell-script",
        ),
        # an unknown directory is the same one while the walk is in it
        ("cd $X && echo 'rm -rf src' > x.sh && bash x.sh", "shell-script"),
    ],
)
def test_written_scripts_in_symbolic_or_several_cwds(command: str, kind: str) -> None:
    c = runs(command, ["rm", "-rf", "src"])
    assert kind in c.via_kinds()


def test_written_crontab_after_cd() -> None:
    c = runs("cd src && echo '* * * * * rm -rf ~/p' > job; crontab job", ["rm", "-rf", "~/p"])
    assert "crontab" in c.via_kinds()


def test_written_file_under_a_symbol_is_not_another_place() -> None:
    # one mktemp directory is not another; climbing out of one names no known file
    got = argvs("A=$(mktemp -d); B=$(mktemp -d); echo 'rm -rf src' > $A/x; bash $B/x")
    assert ["rm", "-rf", "src"] not in got
    got = argvs("D=$(mktemp -d); echo 'rm -rf src' > $D/x; cd $D/..; bash x")
    assert ["rm", "-rf", "src"] not in got


@pytest.mark.parametrize(
    "command",
    [
        "F=$(mktemp); echo 'rm -rf src' > $F; sh $F",
        'F=$(mktemp); echo \'rm -rf src\' > "$F"; chmod +x "$F" && "$F"',
        'D=$(mktemp -d); echo \'rm -rf src\' > "$D/x.sh"; bash "$D/x.sh"',
        'D=$(mktemp -d); echo \'rm -rf src\' > "$D/x.sh"; source "$D//./x.sh"',
        'D=$(mktemp -d); echo \'rm -rf src\' > "$D/x.sh"; "$D/x.sh"',
        'D=$(mktemp -d); cat > "$D/x" <<EOF\nrm -rf src\nEOF\nbash "$D/x"',
        'F=$(mktemp); echo \'rm -rf src\' | tee -a "$F" >/dev/null; bash "$F"',
        'F=$(mktemp); echo \'rm -rf src\' > x.sh; cp x.sh "$F"; bash "$F"',
        'F=$(mktemp); echo \'rm -rf src\' > "$F"; cp "$F" y.sh; bash y.sh',
        'F=$(mktemp); echo \'rm -rf src\' > "$F"; mv "$F" y.sh; bash y.sh',
        "echo 'rm -rf src' > x.sh; mv x.sh y.sh; bash y.sh",
        'echo \'rm -rf src\' > x.sh; D=$(mktemp -d); cp x.sh "$D"; . "$D/x.sh"',
        'echo \'rm -rf src\' > "$TMPDIR/x.sh"; bash "$TMPDIR/x.sh"',
        "echo 'rm -rf src' > \"$(git rev-parse --show-toplevel)/x.sh\"; bash x.sh",
        "echo 'rm -rf src' > x.sh; bash \"$(git rev-parse --show-toplevel)/x.sh\"",
        "echo 'rm -rf src' > \"$(git rev-parse --show-toplevel)/x.sh\"; bash ../x.sh",
        'F=$(mktemp); echo \'rm -rf src\' > "$F"; env -C / bash "$F"',
        'D=$(mktemp -d); echo \'rm -rf src\' > "$D/x.sh"; cd "$D" && ./x.sh',
        'F=$(mktemp); echo \'import shutil; shutil.rmtree("src")\' > "$F"; python3 "$F"',
    ],
)
def test_written_scripts_at_symbolic_locations(command: str) -> None:
    # §5.1, §5.7: the same symbolic value written and read names the same file
    runs(command, ["rm", "-rf", "src"], cwd=CWD + "/sub" if "../x.sh" in command else CWD)


def test_written_scripts_at_other_symbolic_locations_are_other_files() -> None:
    for command in (
        'F=$(mktemp); G=$(mktemp); echo \'rm -rf src\' > "$F"; bash "$G"',
        'D=$(mktemp -d); echo \'rm -rf src\' > "$D/x.sh"; bash "$D/y.sh"',
        'echo \'rm -rf src\' > "$TMPDIR/x.sh"; bash "$HOME/x.sh"',
        "echo 'rm -rf src' > \"$(git rev-parse --show-toplevel)/x.sh\"; bash /elsewhere/x.sh",
    ):
        assert ["rm", "-rf", "src"] not in argvs(command), command


@pytest.mark.parametrize("command", ['"`:>0', ':>0; ""', ':>0; cp "" x', ':>0; mv "" y'])
def test_written_files_and_empty_words(command: str) -> None:
    assert walk(command, cwd=CWD).errors == []


@pytest.mark.parametrize(
    "command",
    [
        "{ echo 'rm -rf src'; } > x.sh; bash x.sh",
        "(echo 'rm -rf src') > x.sh; bash x.sh",
        "if true; then echo 'rm -rf src'; fi > x.sh; bash x.sh",
        "for i in 1; do echo 'rm -rf src'; done > x.sh; bash x.sh",
        "while true; do echo 'rm -rf src'; break; done > x.sh; bash x.sh",
        "case a in a) echo 'rm -rf src';; esac > x.sh; bash x.sh",
        "{ echo -n 'rm -rf '; echo src; } > x.sh; bash x.sh",
        "echo ls > x.sh; { echo 'rm -rf src'; } >> x.sh; bash x.sh",
        "{ echo 'rm -rf src'; } 2>&1 > x.sh; . ./x.sh",
        "(cd /; echo 'rm -rf src') > x.sh; bash x.sh",
        'F=$(mktemp); { echo \'rm -rf src\'; } > "$F"; bash "$F"',
    ],
)
def test_compound_output_redirected_into_a_file(command: str) -> None:
    # §5.4: a group, subshell or list prints its commands' outputs; §5.7: > and >> write them
    runs(command, ["rm", "-rf", "src"])


def test_compound_stderr_redirected_is_not_its_output() -> None:
    assert ["rm", "-rf", "src"] not in argvs("{ echo 'rm -rf src'; } 2> x.sh; bash x.sh")


def test_git_config_set_in_command() -> None:
    c = records("git config alias.nuke 'reset --hard'; git nuke")[-1]
    assert ("alias.nuke", c.git_config[0][1]) == c.git_config[0]
    assert c.git_config[0][1].text == "reset --hard"
    assert ["git", "reset", "--hard"] in argvs("git config alias.nuke 'reset --hard'; git nuke")


def test_git_config_from_environment() -> None:
    c = records("GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0=cat git log")[0]
    assert c.git_config == (("core.pager", c.git_config[0][1]),)
    c = records("GIT_CONFIG_PARAMETERS=\"'clean.requireforce'='false'\" git clean -d")[0]
    assert c.git_config[0][0] == "clean.requireforce"
    assert c.git_config[0][1].text == "false"


def test_git_command_running_config_is_a_payload() -> None:
    c = runs("git -c core.pager='rm -rf src' log", ["rm", "-rf", "src"])
    assert c.via_kinds() == ("git-config-exec",)
    c = runs("GIT_SSH_COMMAND='rm -rf src' git fetch", ["rm", "-rf", "src"])
    assert c.via_kinds() == ("git-config-exec",)


# --- §6.3 shells ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("echo 'rm -rf \"$1\"' | bash -s src", ["rm", "-rf", "src"]),
        ("echo 'rm -rf \"$1\"' | bash -s -- src", ["rm", "-rf", "src"]),
        ("echo 'rm -rf \"$@\"' | sh -s src build", ["rm", "-rf", "src", "build"]),
        ("bash -s x src <<'EOF'\nrm -rf $2\nEOF", ["rm", "-rf", "src"]),
    ],
)
def test_shell_dash_s_operands_are_positional_parameters(command: str, argv: list[str]) -> None:
    # bash -s ARGS…: the program read from stdin sees ARGS as $1 …
    runs(command, argv)


# --- §6.1 records ----------------------------------------------------------------------------


def test_record_fields() -> None:
    command = "cd src && sudo git reset --hard > log 2>&1 < /dev/null"
    c = records(command)[-1]
    assert c.name == "git" and c.wrappers == ("sudo",)
    assert c.span_exact and command[c.span[0] : c.span[1]] == c.text
    assert [r.op for r in c.redirects] == [">", ">&", "<"]
    assert c.stdin.kind == "closed"
    assert not c.dry and not c.deferred and c.reading == 0


def test_inexact_payload_spans_cover_the_producing_word() -> None:
    command = 'X="git reset --hard"; eval "$X"'
    c = runs(command, ["git", "reset", "--hard"])
    assert not c.span_exact
    assert c.text == "git reset --hard"
    assert command[c.span[0] : c.span[1]] in ('eval "$X"', '"$X"')


def test_exact_payload_spans() -> None:
    command = "bash -c 'ls && git reset --hard'"
    c = runs(command, ["git", "reset", "--hard"])
    assert c.span_exact and command[c.span[0] : c.span[1]] == "git reset --hard"


def test_background_is_deferred() -> None:
    assert runs("(sleep 1; rm -rf src) &", ["rm", "-rf", "src"]).deferred


def test_malformed_readings_are_numbered() -> None:
    c = records("echo 'x; git reset --hard")
    readings = {x.reading for x in c}
    assert readings == {1, 2}
    second = [x for x in c if x.reading == 2]
    assert ["git", "reset", "--hard"] in [x.rendered() for x in second]
    assert all(x.via_kinds()[0] == "lenient-reading" for x in second)


def test_canonical_names() -> None:
    from sessionkit.policy.values import lit

    assert canonical_name(lit("/usr/bin/GIT.exe")) == "git"
    assert canonical_name(lit("\\git")) == "\\git"
    assert [c.name for c in records('\\git status; "git" log; GIT x')] == ["git", "git", "git"]


def test_alias_value_ending_in_blank_checks_the_next_word() -> None:
    command = "alias s='sudo '; alias g='git reset'; s g --hard"
    c = runs(command, ["git", "reset", "--hard"])
    assert c.via_kinds() == ("alias",) and c.wrappers == ("sudo",)


def test_glob_command_word_is_unresolved() -> None:
    c = records("/bin/r? -rf src")
    assert c[0].name is None
    assert records("[ -d x ]")[0].name == "["


def test_unresolved_command_readings() -> None:
    c = records("$SUDO rm -rf src")
    assert c[0].name is None
    empty = runs("$SUDO rm -rf src", ["rm", "-rf", "src"])
    assert empty.via == (("unresolved-command", (0, 5), ""),)
    shell = records("$SH -c 'git reset --hard'")
    candidates = [x for x in shell if x.via and x.via[-1][2] == "bash"]
    assert candidates and candidates[0].rendered() == ["git", "reset", "--hard"]


def test_limits_are_reported() -> None:
    assert walk(" ".join(["eval"] * 40) + " ls").limit == "depth"
    nested = "ls"
    for _ in range(20):
        nested = "bash -c " + nested.replace("\\", "\\\\").replace(" ", "\\ ")
    assert walk(nested).limit in ("depth", "input-size")
    many = "; ".join(["true"] * 20_001)
    assert walk(many).limit == "commands"
    assert walk("a" * 300_000).limit == "input-size"


def test_public_iterators_agree() -> None:
    command = "cd src && bash -c 'git status'"
    assert [c.rendered() for c in simple_commands(command, cwd=CWD)] == [
        c.rendered() for c in shell_simple_commands(command, cwd=CWD)
    ]


def _shape(obj: object, depth: int = 0) -> object:
    """A comparable copy of a walk result: slotted objects as their type and fields."""
    assert depth < 200
    if isinstance(obj, (str, int, float, bool, type(None))):
        return obj
    if isinstance(obj, (tuple, list)):
        return [_shape(x, depth + 1) for x in obj]
    if isinstance(obj, dict):
        return sorted((k, _shape(v, depth + 1)) for k, v in obj.items())
    slots = [s for cls in type(obj).__mro__ for s in getattr(cls, "__slots__", ())]
    return (type(obj).__name__, [(s, _shape(getattr(obj, s, None), depth + 1)) for s in slots])


def _walked(command: str) -> object:
    result = walk(command, cwd=CWD)
    return _shape([result.commands, result.limit, result.errors, result.malformed])


def test_one_command_shortcut_walks_as_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """_guarded_list walks a one-simple-command script without _list: every result is the
    one of _list's walk of the same script, whatever its separator (``&`` defers the
    command), and the shortcut is taken for the foreground ones."""
    import sessionkit.policy.walk as walk_module

    from .corpus_cases import load_cases

    extra = ["ls", "ls;", "ls\n", "ls &", "rm -rf src &", "cd /tmp", "cd /tmp;", "cd /nowhere &"]
    extra += ["alias x='rm -rf src'", "git reset --hard;", "bash -c 'cd /; rm -rf x' &"]
    commands = extra + [case["cmd"] for case in load_cases() if not case.get("fixture")]
    shortcut = [_walked(command) for command in commands]

    lists: list[object] = []
    general_list = walk_module._Walker._list

    def counting_list(self, node, state, ctx, stdin):  # type: ignore[no-untyped-def]
        lists.append(node)
        return general_list(self, node, state, ctx, stdin)

    monkeypatch.setattr(walk_module._Walker, "_list", counting_list)
    walk("ls;", cwd=CWD)
    walk("cd /tmp", cwd=CWD)
    assert lists == []  # the shortcut was taken
    walk("ls &", cwd=CWD)
    assert len(lists) == 1  # a background command goes through _list

    def general(self, body, state, ctx):  # type: ignore[no-untyped-def]
        # _guarded_list without its shortcut
        try:
            self._list(body, state, ctx, walk_module._INHERITED)
        except walk_module._Limit as exc:
            if self.limit is None:
                self.limit = exc.kind
        except RecursionError:
            if self.limit is None:
                self.limit = "depth"

    monkeypatch.setattr(walk_module._Walker, "_guarded_list", general)
    assert [_walked(command) for command in commands] == shortcut


def test_walks_share_no_tables() -> None:
    """A walk's aliases, functions, exports, written files, moves and git settings start as
    shared read-only empties and become its own at the first write: nothing a walk defines
    reaches the next walk, and a walk that defines them twice keeps both."""
    first = (
        "alias ll='rm -rf src'; f() { rm -rf x; }; export A=1; echo 'rm -rf y' > s.sh;"
        " mv a b; git config core.pager 'rm -rf z'; alias lx='rm -rf w'; g() { :; }"
    )
    names = [c.name for c in records(first + "; ll; lx; f; sh s.sh; rm -rf b; git log")]
    assert names.count("rm") == 7  # ll, lx, f, s.sh, rm of b and of a, the pager
    assert [c.rendered() for c in records("ll; f; sh s.sh")] == [["ll"], ["f"], ["sh", "s.sh"]]
    assert [c.rendered() for c in records("rm -rf b")] == [["rm", "-rf", "b"]]
    assert records("git log")[0].git_config == ()
    assert records("env")[0].env == ()


def test_bare_command_names_cache_by_text() -> None:
    """_exec remembers a bare command word's canonical name by its text (_BARE_NAMES): each
    text keeps its own name when walked again, whatever the case or a .exe suffix."""
    cases = [("RM -rf x", "rm"), ("Git.EXE status", "git"), ("rm -rf x", "rm"), (".exe x", None)]
    cases += [
        ("git.exe.exe status", "git.exe"),
        ("GIT status", "git"),
        ("Python3.11 -V", "python3.11"),
    ]
    for _ in range(2):  # the second time from the cache
        for command, name in cases:
            head = records(command)[0]
            assert head.name == name == canonical_name(head.argv[0]), command


def test_substitution_of_an_input_redirection_reads_the_file() -> None:
    # $(< FILE) is $(cat FILE) (§5.4): a file written earlier in the command is known
    assert ["rm", "-rf", "src"] in argvs("echo 'rm -rf src' > x.sh; bash -c \"$(< x.sh)\"")
    assert ["rm", "-rf", "src"] in argvs("echo src > list; rm -rf $(< list)")
    # an unknown file gives an unknown output, never the empty one
    c = runs("rm -rf $(< list.txt)", ["rm", "-rf", "«$(<…)»"])
    assert c.argv[2].text is None


def test_negative_array_subscripts_count_from_the_end() -> None:
    assert _rm_operands('A=(build src); rm -rf "${A[-1]}"') == {"src"}
    assert _rm_operands('A=(build src); rm -rf "${A[-2]}"') == {"build"}


@pytest.mark.parametrize(
    ("command", "targets"),
    [
        ('echo x > "${T:-/dev/sda}"', ["", "/dev/sda"]),
        ("X=out; true && X=/dev/sda; echo x > $X", ["out", "/dev/sda"]),
    ],
)
def test_a_redirection_target_with_several_values_writes_each(
    command: str, targets: list[str]
) -> None:
    # every value the target may have is a file the command may write (§5.1)
    echo = next(c for c in records(command) if c.name == "echo")
    assert sorted(r.target.text or "" for r in echo.redirects if r.target is not None) == sorted(
        targets
    )


@pytest.mark.parametrize(
    "command",
    [
        "echo $\\\n(rm -rf src)",
        "$\\\n(rm -rf src)",
        'echo "a$\\\n(rm -rf src)b"',
        "cat <<EOF\n$\\\n(rm -rf src)\nEOF",
        "x=$\\\n\\\n(rm -rf src)",
        '$\\\n"rm" -rf src',
    ],
)
def test_backslash_newline_after_a_dollar_is_deleted(command: str) -> None:
    # L2: the join happens before any other rule, so $\⏎( starts a substitution
    runs(command, ["rm", "-rf", "src"])


def test_backslash_newline_in_single_quotes_stays() -> None:
    assert ["rm", "-rf", "src"] not in argvs("echo 'a$\\\n(rm -rf src)'")


@pytest.mark.parametrize(
    "command",
    [
        "echo \"${x:-'$(rm -rf src)'}\"",
        "echo \"${x:+'`rm -rf src`'}\"",
        "cat <<EOF\n${x-'$(rm -rf src)'}\nEOF",
    ],
)
def test_single_quotes_in_a_default_word_inside_double_quotes_are_literal(command: str) -> None:
    # bash: in "${x:-word}" a single quote is an ordinary character, so $( … ) runs
    runs(command, ["rm", "-rf", "src"])


def test_single_quotes_in_an_unquoted_default_word_still_quote() -> None:
    assert ["rm", "-rf", "src"] not in argvs("echo ${x:-'$(rm -rf src)'}")


@pytest.mark.parametrize(
    "command",
    [
        "cat <<EOF\nEO\\\nF\nrm -rf src",  # the joined line is the delimiter
        "cat <<-EOF\n\tEO\\\nF\nrm -rf src",
        "cat <<EOF\nE\\\nO\\\nF\nrm -rf src",
        "cat <<EOF\nEOF\\\n\nrm -rf src",
        "cat <<EOF\nx\\\\\nEOF\nrm -rf src",  # \\ is an escaped backslash: no join
        "cat <<E\\\nOF\n$(rm -rf src)\nEOF",  # the delimiter is the unquoted word EOF
        'cat <<"E\\\nOF"\nhi\nEOF\nrm -rf src',
        "cat <\\\n(rm -rf src)",
        "echo x >\\\n(rm -rf src)",
    ],
)
def test_backslash_newline_joins_heredoc_lines_and_process_substitutions(command: str) -> None:
    # L2 as bash applies it: an unquoted body's lines are joined before the delimiter is
    # compared, the delimiter word loses its continuations, and <\⏎( is <(
    runs(command, ["rm", "-rf", "src"])


@pytest.mark.parametrize(
    "command",
    [
        "cat <<EOF\nx\\\nEOF\nrm -rf src",  # x\⏎EOF is one line xEOF: the body goes on
        "cat <<-EOF\n\tx\\\n\tEOF\nrm -rf src",
        "cat <<'EOF'\nEO\\\nF\nrm -rf src\nEOF",  # a quoted body joins nothing
        "cat <<'E\\\nOF'\nhi\nEOF\nrm -rf src",  # in single quotes the delimiter keeps it
    ],
)
def test_heredoc_body_lines_that_stay_in_the_body(command: str) -> None:
    assert ["rm", "-rf", "src"] not in argvs(command)


@pytest.mark.parametrize(
    "command",
    [
        "bash +o noexec -c 'rm -rf src'",  # +o turns noexec off again
        "echo 'rm -rf src' | bash +o noexec",
        "bash -o noexec +n -c 'rm -rf src'",
        "bash -n -o noexec +o noexec <<< 'rm -rf src'",
        "bash -O noexec -c 'rm -rf src'",  # -O takes a shopt name: not a dry run
    ],
)
def test_noexec_turned_off_runs_the_payload(command: str) -> None:
    assert any(c.rendered() == ["rm", "-rf", "src"] and not c.dry for c in records(command))


@pytest.mark.parametrize(
    "command",
    [
        "PROMPT_COMMAND='rm -rf src' bash -i",
        "x=1 PROMPT_COMMAND='rm -rf src' exec bash",
        "env PROMPT_COMMAND='rm -rf src' bash -i",
        "PROMPT_COMMAND[1]='rm -rf src'",
        "bash -c 'PROMPT_COMMAND=\"rm -rf src\" bash -i'",
    ],
)
def test_prompt_command_is_a_deferred_payload_however_it_is_set(command: str) -> None:
    assert any(c.rendered() == ["rm", "-rf", "src"] and c.deferred for c in records(command))


@pytest.mark.parametrize(
    "command",
    [
        "su --command='rm -rf src'",  # the last word: no word after it to look at
        "su -lc 'rm -rf src'",
        "su -c'rm -rf src'",
        "su -s /bin/bash -c 'rm -rf src' bob",
        "su --session-command='rm -rf src'",
        "at now -f <(echo 'rm -rf src')",  # a process substitution's known output is the file
        "batch -f <(echo 'rm -rf src')",
        ': "${PROMPT_COMMAND:=rm -rf src}"',
    ],
)
def test_su_forms_scheduled_files_and_assigned_hooks_run(command: str) -> None:
    runs(command, ["rm", "-rf", "src"])


@pytest.mark.parametrize(
    ("command", "target", "cwd"),
    [
        # script(1): the command attached to -c, in a cluster, or long with "=" as the last word
        ("script -c'rm -rf src'", "src", CWD),
        ("script -qc'rm -rf src' /dev/null", "src", CWD),
        ("script -ec 'rm -rf src'", "src", CWD),
        ("script -c'rm -rf src' log.txt", "src", CWD),
        ("script --command='rm -rf src'", "src", CWD),
        ("script --comm='rm -rf src' /dev/null", "src", CWD),  # getopt_long: a unique prefix
        ("script log.txt -c 'rm -rf src'", "src", CWD),  # getopt_long permutes
        # docker run: short options with attached values (pflag), mapped back to the host
        ("docker run -v$PWD:/w alpine rm -rf /w/src", CWD + "/src", CWD),
        ("docker run -w/w/docs -v $PWD:/w alpine rm -rf src", "src", CWD + "/docs"),
        ("docker run -itv$PWD:/w alpine rm -rf /w/src", CWD + "/src", CWD),
        # ssh: -o attached, in a cluster, or with a blank between keyword and value
        ("ssh -oProxyCommand='rm -rf src' host", "src", CWD),
        ("ssh -vo ProxyCommand='rm -rf src' host", "src", CWD),
        ("ssh -o 'ProxyCommand rm -rf src' host", "src", CWD),
        ("ssh -o ' proxycommand = rm -rf src' host", "src", CWD),
    ],
)
def test_attached_option_values_of_wrappers_run(command: str, target: str, cwd: str) -> None:
    record = runs(command, ["rm", "-rf", target])
    assert record.via_kinds()  # reached as the wrapper's payload, not a word of its own
    assert [v.text for v in record.cwd] == [cwd]


@pytest.mark.parametrize(
    "command",
    [
        "script -c 'echo rm -rf src'",
        "script -T timing.log -q out.log",
        "ssh -oProxyCommand='nc %h %p' host",
        "ssh -o ProxyCommand=none host",
        "ssh -o 'ProxyCommandX=rm -rf src' host",
        "docker run -v$PWD:/w alpine ls /w",
    ],
)
def test_attached_option_values_that_delete_nothing(command: str) -> None:
    assert not any(c.rendered()[:2] == ["rm", "-rf"] for c in records(command)), argvs(command)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # operators on every element of an array or of the positional parameters (§5.2)
        ('a=(x rm -rf src); "${a[@]:1}"', ["rm", "-rf", "src"]),
        ('a=(xrm x-rf xsrc); "${a[@]#x}"', ["rm", "-rf", "src"]),
        ('a=(rmX -rfX srcX); "${a[@]%X}"', ["rm", "-rf", "src"]),
        ('a=(x -rf src); "${a[@]/x/rm}"', ["rm", "-rf", "src"]),
        ('a=(RM -RF SRC); "${a[@],,}"', ["rm", "-rf", "src"]),
        ('set -- x rm -rf src; "${@:2}"', ["rm", "-rf", "src"]),
        ("set -- x rm -rf src; ${@:2:3}", ["rm", "-rf", "src"]),
        ('a=(rm -rf src build); "${a[@]:0:3}"', ["rm", "-rf", "src"]),
        ('a=(build rm -rf src); "${a[@]: -3}"', ["rm", "-rf", "src"]),
        # array literals with subscripts that fill 0…n-1, in subscript order
        ('a=([0]=rm [1]=-rf [2]=src); "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=([2]=src [1]=-rf [0]=rm); "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=([0]=rm -rf [2]=src); "${a[@]}"', ["rm", "-rf", "src"]),
        # a sparse array: positions are subscripts (slices and lookups find bash's elements)
        ('a=([0]=echo [5]=rm [6]=-rf [7]=src); "${a[@]:5}"', ["rm", "-rf", "src"]),
        ("a=([0]=echo [5]=rm [6]=-rf [7]=src); ${a[5]} ${a[6]} ${a[7]}", ["rm", "-rf", "src"]),
        # a brace sequence with equal ends
        ("{r..r}m -rf src", ["rm", "-rf", "src"]),
        ("r{m..m} -rf src", ["rm", "-rf", "src"]),
        # assignments are expanded and made left to right
        ("X=echo; X=rm Y=$X; $Y -rf src", ["rm", "-rf", "src"]),
        ("X=a; X=rm Y=$X bash -c '$Y -rf src'", ["rm", "-rf", "src"]),
        # declare -l / -u change the case of what is assigned, now and later
        ("declare -l X=RM; $X -rf src", ["rm", "-rf", "src"]),
        ("typeset -u X; X=-rf; rm ${X,,} src", ["rm", "-rf", "src"]),
    ],
)
def test_array_operators_subscripts_sequences_and_attributes(command: str, argv: list[str]) -> None:
    runs(command, argv)


def test_prefix_assignments_before_a_command_do_not_stay() -> None:
    # X=rm Y=$X CMD: CMD sees Y=rm, the shell keeps its own X and has no Y
    assert argvs("X=a; X=rm Y=$X true; echo $X") == [["true"], ["echo", "a"]]


def test_name_references_read_and_assign_their_target() -> None:
    runs("declare -n ref=X; X=rm; $ref -rf src", ["rm", "-rf", "src"])
    runs("f() { local -n r=$1; $r -rf src; }; C=rm; f C", ["rm", "-rf", "src"])
    runs("declare -n ref=X; ref=rm; $X -rf src", ["rm", "-rf", "src"])
    runs('declare -n r=a; a=(rm -rf src); "${r[@]}"', ["rm", "-rf", "src"])
    # a chain of references is followed, reading and writing; a loop reads back its value
    runs('declare -n r1=r2; declare -n r2=T; r1=x; rm -rf "$r1"', ["rm", "-rf", "x"])
    runs('declare -n r1=r2; declare -n r2=T; r1=x; rm -rf "$T"', ["rm", "-rf", "x"])
    runs('declare -n r1=r2; declare -n r2=r1; r1=x; rm -rf "$r1"', ["rm", "-rf", "x"])
    # a reference to an element; a reference's first value names its target
    runs("declare -n r='a[1]'; a=(build src); rm -rf \"$r\"", ["rm", "-rf", "src"])
    runs("declare -n r='a[1]'; a=(x y); r=src; rm -rf \"${a[@]}\"", ["rm", "-rf", "x", "src"])
    runs('declare -n r; r=T; T=src; rm -rf "$r"', ["rm", "-rf", "src"])
    # writes through a reference: for, ${r:=}, declare, export
    # for over a reference makes it refer to each word in turn (bash), not write through it
    runs('declare -n r=T; for r in build src; do rm -rf "$r"; done', ["rm", "-rf", "«$r»"])
    # a reference whose target is not known reads back what was written through it
    runs('declare -n r=$X; r=src; rm -rf "$r"', ["rm", "-rf", "src"])
    # unset -n drops the reference; unset R unsets its target
    runs('a=src; declare -n r=a; unset -n r; r=build; rm -rf "$a"', ["rm", "-rf", "src"])
    runs('declare -n r=a; a=x; unset r; rm -rf "$a"y', ["rm", "-rf", "y"])
    runs('declare -n r=T; : ${r:=src}; rm -rf "$T"', ["rm", "-rf", "src"])
    runs('declare -n r=T; declare r=src; rm -rf "$T"', ["rm", "-rf", "src"])
    runs("declare -n r=T; export r=src; bash -c 'rm -rf \"$T\"'", ["rm", "-rf", "src"])


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # an associative array whose keys are known: ${M[key]} is that key's value
        ('declare -A M=([a]=build [b]=src); rm -rf "${M[a]}"', ["rm", "-rf", "build"]),
        ('declare -A M=([b]=src [a]=build); k=a; rm -rf "${M[$k]}"', ["rm", "-rf", "build"]),
        ('declare -A M; M[a]=build; M[b]=src; rm -rf "${M[b]}"', ["rm", "-rf", "src"]),
        ('declare -A M=([a]=build); M[a]=src; rm -rf "${M[a]}"', ["rm", "-rf", "src"]),
        ('declare -A M=([a]=build); rm -rf "${M[zz]}"', ["rm", "-rf", ""]),
    ],
)
def test_associative_arrays_with_known_keys(command: str, argv: list[str]) -> None:
    runs(command, argv)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # a subscript with several values (a loop, branches) selects the element of each
        ('declare -A m=([a]=build [b]=src); for k in a b; do rm -rf "${m[$k]}"; done', "src"),
        ('declare -A m=([a]=build [b]=src); k=a; if true; then k=b; fi; rm -rf "${m[$k]}"', "src"),
        ('A=(build src); for i in 0 1; do rm -rf "${A[$i]}"; done', "src"),
        ('A=(build src); for i in 0 1; do rm -rf "${A[$i]}"; done', "build"),
    ],
)
def test_a_subscript_with_several_values_selects_each_element(command: str, argv: str) -> None:
    runs(command, ["rm", "-rf", argv])


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # A+=([i]=v): the value goes to its subscript, not after the end
        ('a=(build); a+=([7]=src); rm -rf "${a[7]}"', ["rm", "-rf", "src"]),
        ('a=(build); a+=([0]=dist); rm -rf "${a[@]}"', ["rm", "-rf", "dist"]),
        # elements named to builtins: printf -v, read, declare
        ("printf -v 'a[2]' %s src; rm -rf \"${a[2]}\"", ["rm", "-rf", "src"]),
        ("read -r 'a[1]' <<< src; rm -rf \"${a[1]}\"", ["rm", "-rf", "src"]),
        ("declare 'a[4]=src'; rm -rf \"${a[4]}\"", ["rm", "-rf", "src"]),
        (
            "declare -A M=([k]=src); unset 'M[k]'; M[j]=build; rm -rf \"${M[@]}\"",
            ["rm", "-rf", "build"],
        ),
        # $((…)) of known values is a number; shift takes a number only
        ('set -- build x src; shift $((1+1)); rm -rf "$1"', ["rm", "-rf", "src"]),
        ('set -- build x src; shift 1+1; rm -rf "$1"', ["rm", "-rf", "build"]),
        ('i=1; A=(build src); rm -rf "${A[$((i))]}"', ["rm", "-rf", "src"]),
    ],
)
def test_subscripted_appends_element_names_and_arithmetic(command: str, argv: list[str]) -> None:
    runs(command, argv)


def test_an_associative_lookup_by_a_key_not_known_gives_any_value() -> None:
    seen = argvs('declare -A M=([a]=build [b]=src); rm -rf "${M[$k]}"')
    assert ["rm", "-rf", "build"] in seen
    assert ["rm", "-rf", "src"] in seen


@pytest.mark.parametrize(
    "command",
    [
        # a trap runs later than it is set: judged again in the final state (§5.6, §6.4)
        "trap cleanup EXIT\ncleanup() { rm -rf src; }",
        "trap 'rm -rf \"$WORK\"' EXIT\nWORK=src",
        "trap cleanup INT\ncleanup() { rm -rf src; }",
    ],
)
def test_traps_are_judged_in_the_final_state_too(command: str) -> None:
    assert any(c.rendered() == ["rm", "-rf", "src"] and c.deferred for c in records(command))


@pytest.mark.parametrize(
    "command",
    [
        # reset, ignored or replaced before the shell ends: the earlier trap never runs
        "trap cleanup EXIT; cleanup() { rm -rf src; }; trap - EXIT",
        "trap cleanup EXIT; trap - EXIT; cleanup() { rm -rf src; }",
        "trap cleanup EXIT; cleanup() { rm -rf src; }; trap '' EXIT",
        "trap cleanup EXIT; cleanup() { rm -rf src; }; trap 'echo done' EXIT",
        "trap cleanup EXIT; cleanup() { rm -rf src; }; trap exit",
        "trap cleanup 0; cleanup() { rm -rf src; }; trap - SIGEXIT",
        "bash -c 'trap c EXIT; c() { rm -rf src; }; trap - EXIT'",
    ],
)
def test_a_trap_reset_or_replaced_before_its_shell_ends_does_not_run(command: str) -> None:
    assert not any(
        c.rendered() == ["rm", "-rf", "src"] and not c.defined_only for c in records(command)
    )


@pytest.mark.parametrize(
    "command",
    [
        # the reset may not happen, covers another signal, or is another shell's
        "trap cleanup EXIT; cleanup() { rm -rf src; }; false && trap - EXIT",
        "trap cleanup EXIT INT; cleanup() { rm -rf src; }; trap - EXIT",
        "trap cleanup EXIT; cleanup() { rm -rf src; }; (trap - EXIT)",
        "trap cleanup EXIT; cleanup() { rm -rf src; }; bash -c 'trap - EXIT'",
        'trap cleanup EXIT; cleanup() { rm -rf src; }; trap - "$S"',
    ],
)
def test_a_trap_that_may_still_run_is_judged_in_the_final_state(command: str) -> None:
    assert any(
        c.rendered() == ["rm", "-rf", "src"] and c.deferred and not c.defined_only
        for c in records(command)
    )


def test_a_trap_set_after_its_variable_sees_it() -> None:
    command = "tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT"
    deletions = [c for c in records(command) if c.rendered()[:2] == ["rm", "-rf"]]
    # where it is set and in the final state, both the directory mktemp made
    assert len(deletions) == 2
    assert all(c.argv[2].pieces == (Sym(FRESH, 1),) for c in deletions)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # a scalar assigned "${a[@]}" or "$@" joins the fields with blanks
        ('a=(rm -rf src); x="${a[@]}"; $x', ["rm", "-rf", "src"]),
        ('set -- rm -rf src; x="$@"; $x', ["rm", "-rf", "src"]),
        # an element past the end keeps the order ("${a[@]}", which skips the unset ones
        # between) and its subscript (${a[3]})
        ('a=(rm -rf); a[3]=src; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(rm -rf); a[3]=src; rm -rf "${a[3]}"', ["rm", "-rf", "src"]),
        # letter sequences with a step
        ("{r..t..2}m -rf src", ["rm", "tm", "-rf", "src"]),
        # declare -l on an array literal, declare -x without a value
        ('declare -la a=(RM -RF SRC); "${a[@]}"', ["rm", "-rf", "src"]),
        ("declare -x X; X=src; bash -c 'rm -rf \"$X\"'", ["rm", "-rf", "src"]),
    ],
)
def test_joined_arrays_sparse_elements_stepped_letters_and_declared_attributes(
    command: str, argv: list[str]
) -> None:
    runs(command, argv)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # unset elements of a sparse array: "${a[@]}" skips them, a slice's offset is a
        # subscript and its length counts the elements that are set (§5.3)
        ('a=([3]=rm [4]=-rf [5]=src); "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=([0]=echo [5]=rm [6]=-rf [7]=src); "${a[@]:2:3}"', ["rm", "-rf", "src"]),
        ('a=([0]=rm [2]=-rf [4]=src); "${a[@]:1:2}"', ["-rf", "src"]),
        ('a[3]=rm; a[4]=-rf; a[5]=src; "${a[@]:3}"', ["rm", "-rf", "src"]),
        # unset 'a[i]' removes that element only; a[@] the whole array
        ('a=(x rm -rf src); unset "a[0]"; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(x rm -rf src); unset a[0]; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(rm -rf src build); unset "a[-1]"; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(x rm -rf src); unset "a[$k]"; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(x y); unset "a[@]"; "${a[@]}" rm -rf src', ["rm", "-rf", "src"]),
        ('a=(x rm -rf src); unset "a[0]"; echo ${#a[@]}', ["echo", "3"]),
        # an indexed array's subscripts are arithmetic, in assignments and lookups
        ('a=(rm -rf build); a[1+1]=src; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(rm -rf build); i=2; a[i]=src; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(rm -rf build); a[-1]=src; "${a[@]}"', ["rm", "-rf", "src"]),
        ('a=(rm -rf src); i=1; "${a[0]}" "${a[i]}" "${a[i+1]}"', ["rm", "-rf", "src"]),
    ],
)
def test_sparse_arrays_unset_elements_and_arithmetic_subscripts(
    command: str, argv: list[str]
) -> None:
    runs(command, argv)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # unquoted ${A[@]}, ${A[*]}, $@ and $*: a word per element whatever IFS holds, then
        # each split by IFS; an empty element makes no word (§5.2 steps 3 and 7)
        ("IFS=$'\\n\\t'; A=(git clean -fdx); ${A[@]}", ["git", "clean", "-fdx"]),
        ("IFS=,; set -- git stash clear; $@", ["git", "stash", "clear"]),
        ("IFS=,; set -- git stash clear; $*", ["git", "stash", "clear"]),
        ("IFS=; A=(git stash clear); ${A[*]}", ["git", "stash", "clear"]),
        ("IFS=,; A=(git,stash,clear); ${A[@]}", ["git", "stash", "clear"]),
        ('A=("" git "" status); ${A[@]}', ["git", "status"]),
        ('IFS=,; A=(git stash clear); echo "${A[*]}"', ["echo", "git,stash,clear"]),
        ("A=(git status); x=${A[@]}; $x", ["git", "status"]),
    ],
)
def test_unquoted_arrays_are_a_word_per_element_whatever_ifs_holds(
    command: str, argv: list[str]
) -> None:
    runs(command, argv)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        # a subscript or an offset not known selects any element (or window)
        ('A=(build src); rm -rf "${A[$X]}"', ["rm", "-rf", "src"]),
        ('A=(build src); rm -rf "${A[X]}"', ["rm", "-rf", "src"]),
        ('A=(build src); rm -rf "${A[@]:$X:1}"', ["rm", "-rf", "src"]),
        ('A=(build src); rm -rf "${A[@]:$X:1}"', ["rm", "-rf", "build"]),
        ('set -- build src; rm -rf "${!#}"', ["rm", "-rf", "src"]),
    ],
)
def test_unknown_subscripts_and_offsets_give_every_element(command: str, argv: list[str]) -> None:
    runs(command, argv)


def test_an_unknown_subscript_never_joins_the_elements() -> None:
    assert ["rm", "-rf", "build src"] not in argvs('A=(build src); rm -rf "${A[$X]}"')


@pytest.mark.parametrize(
    "command",
    [
        # a subshell of any kind runs its traps when it ends, in its final state
        "x=$(trap F EXIT; F() { rm -rf src; }; echo)",
        "x=`trap F EXIT; F() { rm -rf src; }; echo`",
        "cat <(trap F EXIT; F() { rm -rf src; }; echo)",
        "{ trap F EXIT; F() { rm -rf src; }; echo; } | cat",
        # the prompt hook runs after the command, in its final state
        "PROMPT_COMMAND=F; F() { rm -rf src; }",
        "PROMPT_COMMAND='eval \"$C\"'; C='rm -rf src'",
        # eval sets the trap of the shell it runs in
        "eval 'trap F EXIT'; F() { rm -rf src; }",
    ],
)
def test_traps_of_subshells_and_the_prompt_hook_run_in_their_final_state(command: str) -> None:
    assert any(
        c.rendered() == ["rm", "-rf", "src"] and c.deferred and not c.defined_only
        for c in records(command)
    )


@pytest.mark.parametrize(
    "command",
    [
        # the child shell ended before F was defined, and has no F anyway
        "bash -c 'trap F EXIT'; F() { rm -rf src; }",
        # a new value replaces the prompt hook; eval's reset is the shell's
        "PROMPT_COMMAND=F; F() { rm -rf src; }; PROMPT_COMMAND=date",
        "trap F EXIT; F() { rm -rf src; }; eval 'trap - EXIT'",
    ],
)
def test_traps_of_other_shells_or_replaced_hooks_do_not_run(command: str) -> None:
    assert not any(
        c.rendered() == ["rm", "-rf", "src"] and not c.defined_only for c in records(command)
    )


def test_an_exported_function_reaches_a_child_shell() -> None:
    runs("F() { rm -rf src; }; export -f F; bash -c F", ["rm", "-rf", "src"])
    assert not any(
        c.rendered() == ["rm", "-rf", "src"] and not c.defined_only
        for c in records("F() { rm -rf src; }; bash -c F")
    )


def test_an_element_assigned_far_past_an_unset_name_keeps_an_unknown_element_0() -> None:
    # an inherited A is a string, element 0 of the array A[3]=rm makes (bash)
    argvs_seen = [c.rendered() for c in records('a[3]=rm; a[4]=-rf; a[5]=src; "${a[@]}"')]
    assert ["rm", "-rf", "src"] in argvs_seen
    assert any(argv[1:] == ["rm", "-rf", "src"] for argv in argvs_seen)


@pytest.mark.parametrize(
    "command",
    [
        # substring offsets are arithmetic: variables, operators, parentheses
        'a=(echo rm -rf src); n=1; "${a[@]:n}"',
        'a=(echo rm -rf src); "${a[@]:(-3)}"',
        'a=(echo rm -rf src); "${a[@]:1+0}"',
        'a=(echo rm -rf src x); "${a[@]:1:2+1}"',
        'set -- x rm -rf src; "${@:1+1}"',
        'a=(echo rm -rf src); "${a[@]:${#a[@]}-3}"',
        # an offset that is not known: every tail of the elements
        'a=(echo rm -rf src); "${a[@]:$N}"',
        # a trap set in a shell or subshell runs when that shell ends
        "bash -c 'trap c EXIT; c() { rm -rf src; }'",
        "( trap c EXIT; c() { rm -rf src; } )",
    ],
)
def test_arithmetic_offsets_and_traps_of_inner_shells(command: str) -> None:
    runs(command, ["rm", "-rf", "src"])


def test_a_subshell_trap_is_judged_in_the_subshell_state() -> None:
    command = "( D=build; trap 'rm -rf \"$D\"' EXIT )"
    deletions = [c for c in records(command) if c.rendered()[:2] == ["rm", "-rf"]]
    assert deletions and all(c.rendered() == ["rm", "-rf", "build"] for c in deletions)
