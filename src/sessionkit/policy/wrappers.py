"""Data tables for the walker: wrappers, shells, interpreters, executors, producers (§5.4, §6).

Every table here is plain data; ``walk.py`` holds the logic that reads them.  Hot path:
standard library only.
"""

from __future__ import annotations

__all__ = [
    "FILTERS",
    "INTERPRETERS",
    "LITERAL_PRODUCERS",
    "MODELLED_BUILTINS",
    "RUNNERS",
    "SELECTING_FILTERS",
    "SHELLS",
    "SHELL_VALUE_OPTIONS",
    "WRAPPERS",
    "Wrapper",
]


class Wrapper:
    """How a wrapper's options are read (§6.2).

    - ``value``: options that take a value (``-u USER``, ``-uUSER``, ``--user=USER``);
    - ``flags``: options known to take no value;
    - ``inert``: options with which the wrapper runs no command (``sudo -l``, ``ionice -p``);
    - ``positional``: operands before the command (``timeout DURATION``, ``flock FILE``);
    - ``assignments``: ``NAME=V`` operands set the environment (``env``, ``sudo``);
    - ``cwd``: options whose value is the command's working directory;
    - ``shell``: flags that make the operands run through a shell (``sudo -s CMD``);
    - ``payload``: options whose value is a shell command string (``flock -c``, ``npx -c``);
    - ``split``: options whose value is split into words and prepended (``env -S``);
    - ``numeric_inert``: a lone numeric positional means "no command" (``flock 9``);
    - ``old_numeric``: ``-N`` is accepted as a value-less option (``nice -5``).

    Options in none of the sets are read both as flags and as taking a value (§6.2).
    """

    __slots__ = (
        "assignments",
        "cwd",
        "flags",
        "inert",
        "numeric_inert",
        "old_numeric",
        "payload",
        "positional",
        "shell",
        "split",
        "value",
    )

    def __init__(
        self,
        value: str = "",
        flags: str = "",
        inert: str = "",
        positional: int = 0,
        assignments: bool = False,
        cwd: str = "",
        shell: str = "",
        payload: str = "",
        split: str = "",
        numeric_inert: bool = False,
        old_numeric: bool = False,
    ) -> None:
        self.value = frozenset(value.split())
        self.flags = frozenset(flags.split())
        self.inert = frozenset(inert.split())
        self.positional = positional
        self.assignments = assignments
        self.cwd = frozenset(cwd.split())
        self.shell = frozenset(shell.split())
        self.payload = frozenset(payload.split())
        self.split = frozenset(split.split())
        self.numeric_inert = numeric_inert
        self.old_numeric = old_numeric


WRAPPERS: dict[str, Wrapper] = {
    "sudo": Wrapper(
        value="-u -g -h -p -C -D -r -t -T -U -R --user --group --host --prompt --close-from "
        "--chdir --role --type --command-timeout --other-user --chroot",
        flags="-A -b -E -H -n -P -S -B -N --askpass --background --preserve-env --set-home "
        "--non-interactive --preserve-groups --stdin --bell --no-update "
        # -k with a command runs it (without the cached credentials); alone it runs nothing,
        # as any wrapper without an operand
        "-k --reset-timestamp",
        inert="-e -l -v -K -V --edit --list --validate --remove-timestamp --version --help",
        assignments=True,
        cwd="-D --chdir",
        shell="-s -i --shell --login",
    ),
    "doas": Wrapper(value="-u -C -a", flags="-n", shell="-s"),
    "env": Wrapper(
        value="-u -C -S -P --unset --chdir --split-string",
        flags="-i -0 -v --ignore-environment --null --debug -",
        inert="--help --version",
        assignments=True,
        cwd="-C --chdir",
        split="-S --split-string",
    ),
    "command": Wrapper(flags="-p", inert="-v -V"),
    "builtin": Wrapper(),
    "exec": Wrapper(value="-a", flags="-c -l"),
    "nohup": Wrapper(inert="--help --version"),
    "setsid": Wrapper(flags="-c -f -w --ctty --fork --wait"),
    "unbuffer": Wrapper(flags="-p"),
    "fakeroot": Wrapper(value="-l -s -i --lib --faked", flags="-u --unknown-is-real"),
    "nice": Wrapper(value="-n --adjustment", old_numeric=True),
    "timeout": Wrapper(
        value="-s -k --signal --kill-after",
        flags="-f -p -v --foreground --preserve-status --verbose",
        positional=1,
    ),
    "time": Wrapper(
        value="-o -f --output --format", flags="-p -a -v -q --append --verbose --portability"
    ),
    "stdbuf": Wrapper(value="-i -o -e --input --output --error"),
    "ionice": Wrapper(
        value="-c -n --class --classdata", flags="-t --ignore", inert="-p -P -u --pid --pgid --uid"
    ),
    "chrt": Wrapper(
        flags="-a -b -d -f -i -o -r -R -v -m --all-tasks --batch --deadline --fifo --idle "
        "--other --rr --reset-on-fork --verbose --max",
        value="-T -P -D --sched-runtime --sched-period --sched-deadline",
        inert="-p --pid",
        positional=1,
    ),
    "taskset": Wrapper(flags="-a -c --all-tasks --cpu-list", inert="-p --pid", positional=1),
    "flock": Wrapper(
        value="-w -E --timeout --conflict-exit-code",
        flags="-s -x -u -n -o -F --shared --exclusive --unlock --nonblock --nb --close "
        "--no-fork --verbose",
        payload="-c --command",
        positional=1,
        numeric_inert=True,
    ),
    "caffeinate": Wrapper(value="-t -w", flags="-d -i -m -s -u"),
    "systemd-run": Wrapper(
        value="-u --unit -p --property --description --slice -E --setenv --working-directory "
        "-M --machine --uid --gid --nice -H --host --on-calendar --on-active --on-boot "
        "--timer-property -s --service-type",
        flags="--user --system --scope -t --pty -P --pipe -q --quiet -G --collect -d --same-dir "
        "-r --remain-after-exit --wait --no-block -S --shell",
        cwd="--working-directory",
    ),
    # Beyond the specification's table (§6.2 lists the minimum): common programs that run
    # their operand as a command. Unknown options are read both ways, as for every wrapper.
    "pkexec": Wrapper(value="--user", flags="--disable-internal-agent --keep-cwd"),
    "chronic": Wrapper(flags="-e -v"),
    "firejail": Wrapper(flags="--quiet --noprofile"),
    "catchsegv": Wrapper(),
    "numactl": Wrapper(
        value="-C --physcpubind -N --cpunodebind -m --membind -i --interleave -p --preferred",
        flags="-l --localalloc -a --all",
    ),
    "prlimit": Wrapper(flags="--raw --noheadings --verbose", inert="-p --pid"),
    "cgexec": Wrapper(value="-g", flags="--sticky"),
    "unshare": Wrapper(
        value="-R --root -w --wd --propagation --setgroups --map-user --map-group",
        flags="-r -m -u -i -n -p -U -C -T -f --fork --map-root-user --mount-proc --kill-child",
        cwd="-w --wd",
    ),
    "nsenter": Wrapper(
        value="-t --target -S --setuid -G --setgid -r --root -w --wd",
        flags="-a --all -m -u -i -n -p -U -C -T -F --no-fork --preserve-credentials",
    ),
    "strace": Wrapper(
        value="-o -e -p -s -u -E -a -b -I -O -P -S -X",
        flags="-f -ff -c -C -d -D -h -i -k -q -qq -r -t -tt -ttt -T -v -V -w -x -xx -y -yy -z -Z",
    ),
    "ltrace": Wrapper(
        value="-o -e -p -s -u -a -A -D -F -l -n -x -L",
        flags="-f -c -C -h -i -r -S -t -tt -ttt -T -b -w",
    ),
    "valgrind": Wrapper(flags="-q -v --quiet --verbose"),
    "faketime": Wrapper(value="-p", flags="-m -f", positional=1),
    "proxychains": Wrapper(value="-f", flags="-q"),
    "proxychains4": Wrapper(value="-f", flags="-q"),
    "torsocks": Wrapper(value="-u -p -a -P --user --pass --address --port", flags="-i -q -d"),
    "sg": Wrapper(payload="-c", positional=1),
    "entr": Wrapper(flags="-a -c -d -n -p -r -z", shell="-s"),
    "watchexec": Wrapper(
        value="-e --exts -w --watch -i --ignore -f --filter -d --debounce --delay-run -s "
        "--signal --shell --project-origin --workdir -E --env",
        flags="-c --clear -r --restart -n -o -p --postpone -W -N --notify --no-vcs-ignore",
        cwd="--workdir",
    ),
    "dotenv": Wrapper(value="-e -c -v -p", flags="-o --debug"),
}

# Multi-word package runners: (first word, subcommand or "") -> wrapper grammar.  The operand
# after the options is the program (``npx rimraf dist`` runs ``rimraf``).
_NPX = Wrapper(
    value="-p --package --registry --cache --userconfig",
    flags="-y --yes --no --no-install --quiet -q --ignore-existing",
    payload="-c --call",
)
_UV = Wrapper(
    value="--with --python -p --project --directory --package --extra --group --env-file "
    "--index --index-url --from --with-requirements -w",
    flags="--no-project --isolated --frozen --locked --no-sync --all-extras --no-dev -q -v "
    "--quiet --verbose --offline --active --script -s -m --module",
    cwd="--directory",
)
RUNNERS: dict[tuple[str, str], Wrapper] = {
    ("npx", ""): _NPX,
    ("pnpx", ""): _NPX,
    ("bunx", ""): _NPX,
    ("pnpm", "dlx"): _NPX,
    ("pnpm", "exec"): _NPX,
    ("yarn", "dlx"): _NPX,
    ("yarn", "exec"): _NPX,
    ("npm", "exec"): _NPX,
    ("uv", "run"): _UV,
    ("uvx", ""): _UV,
    ("uv", "tool"): _UV,
    ("pipx", "run"): Wrapper(value="--spec --python --index-url", flags="--no-cache -v -q"),
    ("poetry", "run"): Wrapper(value="-C --directory -P --project", cwd="-C --directory"),
    ("pipenv", "run"): Wrapper(),
    ("pdm", "run"): Wrapper(value="-p --project", flags="-g --global -s --site-packages"),
    ("hatch", "run"): Wrapper(),
    ("rye", "run"): Wrapper(value="--pyproject"),
    ("conda", "run"): Wrapper(
        value="-n --name -p --prefix --cwd",
        flags="--no-capture-output --live-stream -v",
        cwd="--cwd",
    ),
    ("mamba", "run"): Wrapper(
        value="-n --name -p --prefix --cwd",
        flags="--no-capture-output --live-stream -v",
        cwd="--cwd",
    ),
    ("micromamba", "run"): Wrapper(value="-n --name -p --prefix --cwd", cwd="--cwd"),
    ("bundle", "exec"): Wrapper(value="--gemfile", flags="--keep-file-descriptors"),
    ("direnv", "exec"): Wrapper(positional=1),
    ("nix", "develop"): Wrapper(
        value="--command --profile -f --file --expr --arg --argstr", flags="-i --ignore-environment"
    ),
}

SHELLS = frozenset(("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "rbash", "yash"))

# Shell long options that take a value; ``-o``/``+o``/``-O``/``+O`` take one too.
SHELL_VALUE_OPTIONS = frozenset(("--rcfile", "--init-file"))

INTERPRETERS = frozenset(
    (
        "python",
        "python2",
        "python3",
        "pypy",
        "pypy3",
        "node",
        "nodejs",
        "bun",
        "deno",
        "perl",
        "ruby",
        "php",
        "awk",
        "gawk",
        "mawk",
        "nawk",
        "osascript",
    )
)

# Builtins whose effect on the walker's state is modelled (§7.1 dispatch order).
MODELLED_BUILTINS = frozenset(
    (
        "cd",
        "pushd",
        "popd",
        "eval",
        "source",
        ".",
        "alias",
        "unalias",
        "export",
        "declare",
        "typeset",
        "local",
        "readonly",
        "read",
        "set",
        "shift",
        "unset",
        "trap",
        "mapfile",
        "readarray",
        "getopts",
        "printf",
    )
)

# Literal producers and filters whose output the walker computes (§5.4).
LITERAL_PRODUCERS = frozenset(
    (
        "echo",
        "printf",
        "cat",
        "which",
        "whereis",
        "command",
        "type",
        "basename",
        "dirname",
        "realpath",
        "readlink",
        "pwd",
        "git",
        "mktemp",
        "true",
        "false",
        ":",
    )
)
FILTERS = frozenset(
    ("base64", "rev", "tr", "head", "tail", "sort", "uniq", "grep", "egrep", "fgrep")
)

# Filters between a producer and a consumer that keep the producer's class (§7.3).
SELECTING_FILTERS = frozenset(("grep", "egrep", "fgrep", "rg", "head", "tail", "sort", "uniq"))
