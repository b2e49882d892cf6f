"""The ``Command`` record the walker yields for every simple command that would run (§6.1).

Analysers see only these records, never raw text.  One record is yielded per simple command,
per lenient reading of malformed input and per combination of alternative values (§5.1), so
every field of a record holds exactly one value.

Via chain
    ``via`` is a tuple of hops ``(kind, span, detail)``, outermost first.  ``kind`` is one of
    :data:`VIA_KINDS` (§11.2), ``span`` the ``(start, end)`` code-point offsets in the original
    command string of the construct that introduced the hop (the ``bash -c`` command, the
    ``$( … )`` word …), ``detail`` a short label (``"bash -c"``, ``"xargs"``, the alias name …).

    The hop kind ``unresolved-command`` marks readings made for a command word the walker could
    not resolve (§10.2).  Its ``detail`` is ``""`` for the *empty or wrapper reading* (the rest of
    argv run as a command of its own: findings keep their own rule ids) and a candidate name
    (``"bash"``, ``"eval"``, ``"shell-stdin"`` for a literal among an unknown producer's
    arguments piped into a shell, §6.7) for a *candidate reading*: blocking findings of those
    are reported as ``unresolved-command-destructive`` (B11).  Candidate readings for
    analysed programs (git, rm, find …) are left to the composition step, which prepends the
    candidate name to ``argv`` itself.

Spans
    ``span`` covers the simple command's source text; when the command came from a decoded or
    computed payload (``bash -c "$X"``, an alias body, an ``eval`` of joined words) ``span_exact``
    is false, ``span`` covers the top-level construct that produced it and ``text`` is the
    payload text of the command itself.

Hot path: standard library only.
"""

from __future__ import annotations

from sessionkit.policy.values import Value, render, render_argv

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionkit.policy.values import Producer

__all__ = [
    "STDIN_KINDS",
    "VIA_KINDS",
    "Command",
    "Hop",
    "Redirection",
    "Span",
    "Stdin",
]

if TYPE_CHECKING:
    Span = tuple[int, int]
    Hop = tuple[str, tuple[int, int], str]
else:
    Span = tuple
    Hop = tuple

VIA_KINDS = (
    "command-substitution",
    "backquote",
    "process-substitution",
    "arithmetic",
    "heredoc-body",
    "shell-c",
    "shell-stdin",
    "shell-script",
    "eval",
    "source",
    "trap",
    "wrapper",
    "env-split",
    "alias",
    "function",
    "written-script",
    "variable",
    "git-alias",
    "git-config-exec",
    "git-submodule-foreach",
    "git-rebase-exec",
    "git-bisect-run",
    "xargs",
    "parallel",
    "find-exec",
    "interpreter",
    "scheduler",
    "watch",
    "crontab",
    "container",
    "ssh-local",
    "unresolved-command",
    "lenient-reading",
)

STDIN_KINDS = ("inherited", "heredoc", "here-string", "file", "pipe", "closed")


class Stdin:
    """Where a simple command's stdin comes from (§6.7).

    - ``kind``: one of :data:`STDIN_KINDS`;
    - ``content``: the text as a :class:`Value` when known or partly known (heredoc body,
      here-string plus newline, a file written earlier in the command, a literal producer's
      output); None when nothing is known;
    - ``quoted``: for heredocs, whether the delimiter was quoted (body literal);
    - ``producer``: for pipes, the producer class of the previous pipeline element (§7.3; its
      ``command`` is that element's last simple command); None otherwise;
    - ``path``: for ``kind == "file"``, the redirection target.
    """

    __slots__ = ("content", "kind", "path", "producer", "quoted")

    kind: str
    content: Value | None
    quoted: bool
    producer: Producer | None
    path: Value | None

    def __init__(
        self,
        kind: str = "inherited",
        content: Value | None = None,
        quoted: bool = False,
        producer: Producer | None = None,
        path: Value | None = None,
    ) -> None:
        self.kind = kind
        self.content = content
        self.quoted = quoted
        self.producer = producer
        self.path = path

    @property
    def text(self) -> str | None:
        """The stdin text when wholly known, else None."""
        return None if self.content is None else self.content.text

    def __repr__(self) -> str:
        shown = "" if self.content is None else ", " + repr(render(self.content))
        return f"Stdin({self.kind}{shown})"


INHERITED = Stdin()


class Redirection:
    """One resolved redirection of a simple command.

    ``fd`` is the explicit descriptor (an int, a ``{name}`` string) or None for the operator's
    default; ``op`` the operator as written (``>``, ``>>``, ``&>``, ``<<<``, ``<<``, ``<<-`` …;
    ``>&WORD`` with a non-numeric word is normalised to ``&>``); ``target`` the expanded target
    word (None for heredocs); ``content`` the heredoc body or here-string text (None
    otherwise); ``span`` its source offsets.
    """

    __slots__ = ("content", "fd", "op", "span", "target")

    fd: int | str | None
    op: str
    target: Value | None
    content: Value | None
    span: Span

    def __init__(
        self,
        fd: int | str | None,
        op: str,
        target: Value | None,
        content: Value | None,
        span: Span,
    ) -> None:
        self.fd = fd
        self.op = op
        self.target = target
        self.content = content
        self.span = span

    @property
    def writes(self) -> bool:
        """True for output redirections (``>``, ``>|``, ``>>``, ``&>``, ``&>>``, ``<>``)."""
        return self.op in (">", ">|", ">>", "&>", "&>>", "<>")

    def __repr__(self) -> str:
        target = "" if self.target is None else " " + render(self.target)
        return f"Redirection({'' if self.fd is None else self.fd}{self.op}{target})"


class Command:
    """One simple command that would run, after expansion and unwrapping (§6.1).

    - ``argv``: tuple of :class:`~sessionkit.policy.values.Value`, wrappers peeled off;
    - ``name``: canonical command name (§7.1: last path component, ``.exe`` removed, lower
      case) or None when the first field is not fully known (Sym pieces count as known);
    - ``wrappers``: names of the wrappers peeled off, outermost first (``("sudo", "env")``);
    - ``env``: ``(NAME, Value)`` pairs of environment set in the command string that this
      program sees: variables exported earlier, then prefix assignments and wrapper-set ones
      (``env NAME=V``, ``sudo NAME=V``); later entries win (see :meth:`env_value`);
    - ``redirects``: tuple of :class:`Redirection`;
    - ``stdin``: :class:`Stdin`;
    - ``cwd``: the effective-cwd alternatives, each a Value (absolute known path, a value with
      a ``Sym`` head such as ``$TMPDIR/x``, or an unknown value after ``cd "$X"``);
    - ``via``: the via chain (see the module docstring);
    - ``span``, ``text``, ``span_exact``: where it came from (§11);
    - ``dry``: inside a no-execute context (``bash -n``, §6.8);
    - ``deferred``: scheduled or deferred (``at``, ``trap``, ``&``, crontab, PROMPT_COMMAND);
    - ``reading``: the lenient reading of malformed input that produced it (§4.4), or 0;
    - ``git_config``: ``(key, Value | None)`` pairs of git configuration set earlier in the
      command or by ``GIT_CONFIG_*`` / ``GIT_CONFIG_PARAMETERS`` in its environment (§5.8),
      in order (later wins; key lower-cased for section and variable name, None = unset).
      The invocation's own ``-c`` / ``--config-env`` options are in ``argv``;
    - ``defined_only``: the record comes from the body of an alias or function that is defined
      in the command but never used there; blocking findings on it are reported as warn rule
      ``shell-definition-destructive`` (W7, §5.6).

    The walk as a whole (parse issues, ``malformed``, limits hit) is described by
    :class:`sessionkit.policy.walk.Walk`, returned by ``walk.walk(command, cwd=...)``;
    ``simple_commands()`` iterates its records.
    """

    __slots__ = (
        "argv",
        "cwd",
        "deferred",
        "defined_only",
        "dry",
        "env",
        "git_config",
        "name",
        "reading",
        "redirects",
        "span",
        "span_exact",
        "stdin",
        "text",
        "via",
        "wrappers",
    )

    argv: tuple[Value, ...]
    name: str | None
    wrappers: tuple[str, ...]
    env: tuple[tuple[str, Value], ...]
    redirects: tuple[Redirection, ...]
    stdin: Stdin
    cwd: tuple[Value, ...]
    via: tuple[Hop, ...]
    span: Span
    text: str
    span_exact: bool
    dry: bool
    deferred: bool
    reading: int
    git_config: tuple[tuple[str, Value | None], ...]
    defined_only: bool

    def __init__(
        self,
        argv: tuple[Value, ...],
        name: str | None,
        wrappers: tuple[str, ...] = (),
        env: tuple[tuple[str, Value], ...] = (),
        redirects: tuple[Redirection, ...] = (),
        stdin: Stdin = INHERITED,
        cwd: tuple[Value, ...] = (),
        via: tuple[Hop, ...] = (),
        span: Span = (0, 0),
        text: str = "",
        span_exact: bool = True,
        dry: bool = False,
        deferred: bool = False,
        reading: int = 0,
        git_config: tuple[tuple[str, Value | None], ...] = (),
        defined_only: bool = False,
    ) -> None:
        self.argv = argv
        self.name = name
        self.wrappers = wrappers
        self.env = env
        self.redirects = redirects
        self.stdin = stdin
        self.cwd = cwd
        self.via = via
        self.span = span
        self.text = text
        self.span_exact = span_exact
        self.dry = dry
        self.deferred = deferred
        self.reading = reading
        self.git_config = git_config
        self.defined_only = defined_only

    # -- small helpers for analysers -------------------------------------------------------

    def args(self) -> tuple[str | None, ...]:
        """Each field's literal text, or None for fields that are not wholly literal."""
        return tuple(v.text for v in self.argv)

    def arg(self, index: int) -> str | None:
        """The literal text of ``argv[index]``, or None when it is absent or not literal."""
        if 0 <= index < len(self.argv):
            return self.argv[index].text
        return None

    def rendered(self) -> list[str]:
        """argv as display strings, unknown pieces as ``«$NAME»`` / ``«$(…)»``."""
        return render_argv(self.argv)

    def env_value(self, name: str) -> Value | None:
        """The value the program sees for an environment variable set in the command."""
        found: Value | None = None
        for key, value in self.env:
            if key == name:
                found = value
        return found

    def via_kinds(self) -> tuple[str, ...]:
        """The kinds of the via chain, outermost first."""
        return tuple(hop[0] for hop in self.via)

    def __repr__(self) -> str:
        via = "/".join(self.via_kinds())
        extra = f" via={via}" if via else ""
        return f"Command({self.rendered()!r}{extra})"
