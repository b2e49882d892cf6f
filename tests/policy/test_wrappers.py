"""Wrappers (§6.2), shells (§6.3), eval/source (§6.4), executors (§6.5), stdin (§6.7) and
dry-run contexts (§6.8): every row finds the program that would run."""

from __future__ import annotations

import pytest

from sessionkit.policy import wrappers
from sessionkit.policy.command import Command
from sessionkit.policy.walk import walk

CWD = "/work/repo"
TARGET = ["rm", "-rf", "src"]


def records(command: str) -> list[Command]:
    result = walk(command, cwd=CWD)
    assert result.errors == [] and result.limit is None
    return result.commands


def found(command: str, argv: list[str] = TARGET) -> Command:
    for c in records(command):
        if c.rendered() == argv:
            return c
    raise AssertionError(f"{argv} not among {[c.rendered() for c in records(command)]}")


@pytest.mark.parametrize(
    ("command", "wrappers_seen"),
    [
        ("sudo rm -rf src", ("sudo",)),
        ("sudo -u ci -g staff -- rm -rf src", ("sudo",)),
        ("sudo -E -H rm -rf src", ("sudo",)),
        ("doas -u root rm -rf src", ("doas",)),
        ("env -u HOME -i FOO=1 rm -rf src", ("env",)),
        ("command rm -rf src", ("command",)),
        ("builtin exec rm -rf src", ("builtin", "exec")),
        ("exec -a name rm -rf src", ("exec",)),
        ("nohup rm -rf src", ("nohup",)),
        ("setsid -f rm -rf src", ("setsid",)),
        ("nice -n 10 rm -rf src", ("nice",)),
        ("nice -5 rm -rf src", ("nice",)),
        ("timeout -s KILL 5 rm -rf src", ("timeout",)),
        ("time -p rm -rf src", ()),
        ("/usr/bin/time -o out rm -rf src", ("time",)),
        ("stdbuf -oL -e 0 rm -rf src", ("stdbuf",)),
        ("ionice -c 3 rm -rf src", ("ionice",)),
        ("chrt -f 10 rm -rf src", ("chrt",)),
        ("taskset -c 0,1 rm -rf src", ("taskset",)),
        ("flock /tmp/lock rm -rf src", ("flock",)),
        ("caffeinate -i rm -rf src", ("caffeinate",)),
        ("systemd-run --user --unit x rm -rf src", ("systemd-run",)),
        ("unbuffer rm -rf src", ("unbuffer",)),
        ("fakeroot rm -rf src", ("fakeroot",)),
        ("busybox rm -rf src", ("busybox",)),
        ("npx -y rm -rf src", ("npx",)),
        ("pnpm exec rm -rf src", ("pnpm exec",)),
        ("yarn dlx rm -rf src", ("yarn dlx",)),
        ("uv run --with x rm -rf src", ("uv run",)),
        ("poetry run rm -rf src", ("poetry run",)),
        ("pipenv run rm -rf src", ("pipenv run",)),
        ("pdm run rm -rf src", ("pdm run",)),
        ("hatch run rm -rf src", ("hatch run",)),
        ("rye run rm -rf src", ("rye run",)),
        ("conda run -n env rm -rf src", ("conda run",)),
        ("bundle exec rm -rf src", ("bundle exec",)),
        ("direnv exec . rm -rf src", ("direnv exec",)),
        ("nix develop -c rm -rf src", ("nix develop",)),
        ("sudo -u ci env GIT_DIR=.git timeout 5 rm -rf src", ("sudo", "env", "timeout")),
    ],
)
def test_wrappers_are_peeled(command: str, wrappers_seen: tuple[str, ...]) -> None:
    c = found(command)
    assert c.wrappers == wrappers_seen
    assert c.name == "rm"


def test_wrapper_assignments_and_cwd() -> None:
    c = found("sudo FOO=1 env -C /tmp BAR=2 rm -rf src")
    assert [k for k, _ in c.env] == ["FOO", "BAR"]
    assert [v.text for v in c.cwd] == ["/tmp"]
    c = found("sudo -D /opt rm -rf src")
    assert [v.text for v in c.cwd] == ["/opt"]


@pytest.mark.parametrize(
    ("command", "env"),
    [
        ("timeout -- 5 rm -rf src", []),
        ("timeout -s KILL -- 5 rm -rf src", []),
        ("env -- FOO=1 rm -rf src", ["FOO"]),
        ("sudo -- FOO=1 rm -rf src", ["FOO"]),
        ("taskset -- 0x1 rm -rf src", []),
        ("chrt -- 10 rm -rf src", []),
        ("flock -- /tmp/lock rm -rf src", []),
        ("nice -- rm -rf src", []),
    ],
)
def test_double_dash_ends_only_the_options(command: str, env: list[str]) -> None:
    # after "--" a wrapper still takes its positionals (DURATION, MASK, FILE) and NAME=V
    # assignments before the command: "--" is not the start of the command
    assert [k for k, _ in found(command).env] == env


def test_after_double_dash_a_dash_word_is_the_command() -> None:
    assert any(c.rendered() == ["-i", "rm", "-rf", "src"] for c in records("env -- -i rm -rf src"))


def test_sudo_k_with_a_command_runs_it() -> None:
    # -k alone only forgets the cached credentials; with a command it runs the command
    assert found("sudo -k rm -rf src").wrappers == ("sudo",)
    assert found("sudo --reset-timestamp rm -rf src").wrappers == ("sudo",)


@pytest.mark.parametrize(
    "command",
    ["sudo -l rm -rf src", "sudo -v", "command -v rm", "ionice -p 12 rm -rf src", "sudo -K"],
)
def test_wrappers_that_run_nothing(command: str) -> None:
    assert not any(c.rendered() == TARGET for c in records(command))


def test_unknown_wrapper_option_is_read_both_ways() -> None:
    got = [c.rendered() for c in records("sudo --frobnicate rm -rf src")]
    assert TARGET in got  # as a flag
    assert ["src"] in got  # as taking the next word (then -rf is another sudo option)


def test_flock_fd_form_runs_nothing_and_c_is_a_payload() -> None:
    assert not any(c.name == "rm" for c in records("flock 9"))
    c = found("flock /tmp/l -c 'rm -rf src'")
    assert c.via_kinds() == ("shell-c",)


def test_env_split_string() -> None:
    c = found("env -S 'rm -rf' src")
    assert c.via_kinds() == ("env-split",)


def test_sudo_shell_runs_operands_through_a_shell() -> None:
    c = found("sudo -s rm -rf src")
    assert c.via_kinds() == ("shell-c",)


def test_npx_call_payload() -> None:
    assert found("npx -c 'rm -rf src'").via_kinds() == ("shell-c",)
    assert found("npx rimraf src", ["rimraf", "src"]).wrappers == ("npx",)


# --- shells ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "bash -c 'rm -rf src'",
        "sh -ec 'rm -rf src'",
        "bash -xc 'rm -rf src' name arg",
        "zsh -o errexit -c 'rm -rf src'",
        "bash --norc --noprofile -c 'rm -rf src'",
        "dash -c -- 'rm -rf src'",
        "$SHELL -c 'rm -rf src'",
        "busybox sh -c 'rm -rf src'",
        "fish -c 'rm -rf src'",
    ],
)
def test_shell_c_payloads(command: str) -> None:
    assert found(command).via_kinds()[-1] == "shell-c"


def test_nested_shells_three_levels() -> None:
    c = found("bash -lc \"sh -c 'eval rm -rf src'\"")
    assert c.via_kinds() == ("shell-c", "shell-c", "eval")
    c = found('bash -c "bash -c \\"bash -c \'rm -rf src\'\\""')
    assert c.via_kinds() == ("shell-c", "shell-c", "shell-c")


def test_shell_positional_parameters() -> None:
    c = found("bash -c 'rm -rf \"$1\"' name src")
    assert c.via_kinds() == ("shell-c",)


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("bash <<< 'rm -rf src'", "shell-stdin"),
        ("echo 'rm -rf src' | sh", "shell-stdin"),
        ("sh -s <<'EOF'\nrm -rf src\nEOF", "shell-stdin"),
        ("printf 'rm -rf src' | bash -s -- x", "shell-stdin"),
        ("echo cm0gLXJmIHNyYw== | base64 -d | bash", "shell-stdin"),
        ("source <(echo 'rm -rf src')", "source"),
        ("bash <(echo 'rm -rf src')", "shell-script"),
    ],
)
def test_shell_stdin_and_sources(command: str, kind: str) -> None:
    assert kind in found(command).via_kinds()


def test_unknown_program_into_shell_exposes_its_literals() -> None:
    c = found("curl -d 'rm -rf src' https://x | sh")
    assert c.via[-1][0] == "unresolved-command" and c.via[-1][2] == "shell-stdin"
    assert not any(c.rendered() == TARGET for c in records("curl https://x | sh"))


def test_dry_run_shells() -> None:
    assert found("bash -n -c 'rm -rf src'").dry
    assert found("sh -o noexec -c 'rm -rf src'").dry
    outer = found('bash -n -c "$(rm -rf src)"')
    assert not outer.dry


def test_eval_joins_words_and_keeps_state() -> None:
    c = found("eval rm -rf src")
    assert c.via_kinds() == ("eval",)
    assert ["echo", "src"] in [x.rendered() for x in records("eval X=src; echo $X")]


# --- delegating executors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "argv", "kind"),
    [
        ("echo src | xargs rm -rf", TARGET, "xargs"),
        ("printf 'src\\0' | xargs -0 rm -rf", TARGET, "xargs"),
        ("echo src | xargs -I{} rm -rf {}", TARGET, "xargs"),
        ("echo src | xargs -n1 -P4 rm -rf", TARGET, "xargs"),
        ("parallel rm -rf ::: src", TARGET, "parallel"),
        ("echo src | parallel 'rm -rf {}'", TARGET, "parallel"),
        ("watch -n 5 rm -rf src", TARGET, "watch"),
        ("watch -x rm -rf src", TARGET, "watch"),
        ("git submodule foreach --recursive 'rm -rf src'", TARGET, "git-submodule-foreach"),
        ("git rebase -x 'rm -rf src' main", TARGET, "git-rebase-exec"),
        ("git rebase --exec='rm -rf src' main", TARGET, "git-rebase-exec"),
        ("git bisect run rm -rf src", TARGET, "git-bisect-run"),
        ("echo 'rm -rf src' | at now", TARGET, "scheduler"),
        ("at now <<< 'rm -rf src'", TARGET, "scheduler"),
        ("echo '0 * * * * rm -rf src' | crontab -", TARGET, "crontab"),
        ("echo '@daily rm -rf src' > c.txt; crontab c.txt", TARGET, "crontab"),
        ("su - root -c 'rm -rf src'", TARGET, "shell-c"),
        ("runuser -u ci -- sh -c 'rm -rf src'", TARGET, "shell-c"),
        ("script -qc 'rm -rf src' /dev/null", TARGET, "shell-c"),
        ("script -q /dev/null rm -rf src", TARGET, "shell-c"),
        ("ssh localhost 'rm -rf src'", TARGET, "ssh-local"),
        ("ssh -p 22 me@127.0.0.1 rm -rf src", TARGET, "ssh-local"),
        ("nix-shell --run 'rm -rf src'", TARGET, "shell-c"),
        ("ssh -o ProxyCommand='rm -rf src' host", TARGET, "shell-c"),
        ("rsync -e 'rm -rf src' a b", TARGET, "shell-c"),
        ("tar --to-command='rm -rf src' -xf a.tar", TARGET, "shell-c"),
        ("tar --checkpoint-action=exec='rm -rf src' -cf a.tar x", TARGET, "shell-c"),
        ("tar -I 'rm -rf src' -xf a.tar", TARGET, "shell-c"),
        ("sed -e 'e rm -rf src' f", TARGET, "shell-c"),
        ("echo x | sed 's/x/rm -rf src/e'", TARGET, "shell-c"),
    ],
)
def test_executors(command: str, argv: list[str], kind: str) -> None:
    c = found(command, argv)
    assert kind in c.via_kinds()


def test_sed_substitution_text_is_data() -> None:
    assert not any(c.rendered() == TARGET for c in records("sed -i 's/rm -rf src/x/' f"))


def test_scheduled_commands_are_deferred() -> None:
    assert found("echo 'rm -rf src' | at now").deferred
    assert found("echo '0 * * * * rm -rf src' | crontab -").deferred


def test_ssh_to_other_hosts_is_out_of_scope() -> None:
    assert not any(c.rendered() == TARGET for c in records("ssh prod rm -rf src"))


def test_find_exec_uses_a_find_item() -> None:
    c = next(x for x in records("find . -name '*.txt' -exec rm {} \\;") if x.name == "rm")
    item = c.argv[1].pieces[0]
    assert item.producer is not None and item.producer.kind == "find"
    assert item.producer.command is not None and item.producer.command.name == "find"
    assert c.via_kinds() == ("find-exec",)


def test_xargs_unknown_items_carry_the_producer_class() -> None:
    c = next(x for x in records("git ls-files -o | xargs rm") if x.name == "rm")
    assert c.argv[1].pieces[0].producer.kind == "git-listed"
    c = next(x for x in records("cat list.txt | xargs rm -rf") if x.name == "rm")
    assert c.argv[2].pieces[0].producer.kind == "unknown"
    c = next(x for x in records("find . -name x | grep y | xargs rm") if x.name == "rm")
    assert c.argv[1].pieces[0].producer.kind == "find"


def test_yes_pipe_is_visible_on_stdin() -> None:
    c = next(x for x in records("yes | rm -i *.log") if x.name == "rm")
    assert c.stdin.kind == "pipe"
    assert c.stdin.producer is not None and c.stdin.producer.command.name == "yes"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("docker run -v $PWD:/w -w /w img rm -rf src", True),
        ('docker run --rm -v "$(pwd)":/app img rm -rf /app/src', True),
        ("podman run --mount type=bind,source=.,target=/w img rm -rf /w/src", True),
        ("docker run img rm -rf src", False),
        ("docker run -v data:/w img rm -rf /w/src", False),
        ("docker exec box rm -rf src", False),
    ],
)
def test_containers_with_repository_mounts(command: str, expected: bool) -> None:
    rms = [c for c in records(command) if c.name == "rm"]
    assert bool(rms) == expected
    if rms:
        assert rms[0].via_kinds() == ("container",)
        assert rms[0].argv[-1].text in ("src", CWD + "/src")


def test_git_alias_with_bang_is_a_payload() -> None:
    assert found("git -c alias.x='!rm -rf src' x").via_kinds() == ("git-alias",)


def test_data_tables_are_consistent() -> None:
    for name, grammar in wrappers.WRAPPERS.items():
        overlap = grammar.value & grammar.flags
        assert not overlap, (name, overlap)
        assert grammar.cwd <= grammar.value, name
    assert "bash" in wrappers.SHELLS and "python3" in wrappers.INTERPRETERS
    for (first, _sub), grammar in wrappers.RUNNERS.items():
        assert first and not (grammar.value & grammar.flags)


@pytest.mark.parametrize(
    ("command", "wrapper"),
    [
        ("pkexec --user root rm -rf src", "pkexec"),
        ("chronic -e rm -rf src", "chronic"),
        ("firejail --noprofile rm -rf src", "firejail"),
        ("catchsegv rm -rf src", "catchsegv"),
        ("numactl -C 0 rm -rf src", "numactl"),
        ("prlimit --nofile=10 rm -rf src", "prlimit"),
        ("cgexec -g cpu:grp rm -rf src", "cgexec"),
        ("unshare -r --fork rm -rf src", "unshare"),
        ("nsenter -t 1 -m rm -rf src", "nsenter"),
        ("strace -f -o trace.txt rm -rf src", "strace"),
        ("ltrace -c rm -rf src", "ltrace"),
        ("valgrind --tool=memcheck -q rm -rf src", "valgrind"),
        ("faketime '2020-01-01 00:00:00' rm -rf src", "faketime"),
        ("proxychains4 -q rm -rf src", "proxychains4"),
        ("torsocks rm -rf src", "torsocks"),
        ("entr -r rm -rf src", "entr"),
        ("watchexec -e py -- rm -rf src", "watchexec"),
        ("dotenv -e .env -- rm -rf src", "dotenv"),
        ("toybox rm -rf src", "toybox"),
    ],
)
def test_wrappers_beyond_the_specification_table(command: str, wrapper: str) -> None:
    assert wrapper in found(command).wrappers


@pytest.mark.parametrize(
    "command",
    ["sg staff -c 'rm -rf src'", "entr -s 'rm -rf src'"],
)
def test_wrapper_shell_payloads_beyond_the_specification_table(command: str) -> None:
    found(command)


@pytest.mark.parametrize(
    "command", ["strace -p 123", "prlimit -p 1 --nofile=10", "numactl --hardware"]
)
def test_wrappers_that_attach_or_query_run_no_command(command: str) -> None:
    assert [c.name for c in records(command)] == [command.split()[0]]


@pytest.mark.parametrize(
    "command",
    [
        "git-submodule foreach rm -rf src",
        "git-submodule foreach --recursive 'rm -rf src'",
        "git-rebase -x 'rm -rf src' main",
        "git-bisect run rm -rf src",
    ],
)
def test_dashed_git_subcommands_run_their_payloads(command: str) -> None:
    # git-submodule is git submodule (§7.1): its foreach/exec/run payloads are found too
    found(command)


@pytest.mark.parametrize(
    "command",
    [
        "parallel --arg-sep ,, rm -rf ,, src",
        "parallel --arg-sep=,, rm -rf ,, src",
        "parallel --argsep @ rm -rf @ src",
    ],
)
def test_parallel_renamed_item_separator(command: str) -> None:
    found(command)


@pytest.mark.parametrize(
    "command", ["time -f %e rm -rf src", "time -o t.txt rm -rf src", "time --format=%e rm -rf src"]
)
def test_time_with_options_of_the_program_is_the_program(command: str) -> None:
    # a shell without the time keyword (dash, sh -c) runs /usr/bin/time: -f/-o take values
    assert found(command).wrappers == ("time",)
    assert found(f"sh -c '{command}'").wrappers == ("time",)


def test_time_keyword_still_times_a_pipeline() -> None:
    assert found("time -p rm -rf src | cat").wrappers == ()


def test_time_with_a_quoted_option_is_the_program_too() -> None:
    assert found("time '-f' %e rm -rf src").wrappers == ("time",)
    assert found('time "-o" t rm -rf src').wrappers == ("time",)


def test_time_with_an_ansi_c_quoted_option_is_the_program() -> None:
    assert found("time $'-f' %e rm -rf src").wrappers == ("time",)
