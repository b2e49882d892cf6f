"""The guard's verdict types: ``Decision``, ``Finding``, ``Notice`` and their JSON form (§11).

Hot path: standard library only. ``Finding`` and ``Decision``, built on every check, are
tuple-backed records with named properties (a tuple is the cheapest immutable object to
build); the rarer ``Hop``, ``Target``, ``Downgrade`` and ``Notice`` are ``__slots__``
classes. All are immutable (assignment raises ``AttributeError``), compare by value and
pickle; ``replace()`` returns a copy with some fields changed, which is how the policy layer
lowers a finding's action.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

SCHEMA_VERSION = 1

ALLOW = "allow"
WARN = "warn"
BLOCK = "block"

# Severity order of the three actions: most severe wins (§2.3).
SEVERITY = {ALLOW: 0, WARN: 1, BLOCK: 2}

ORIGINS = ("builtin", "extra", "compat")

NOTICE_CODES = (
    "policy-invalid",
    "policy-entry-ignored",
    "policy-uncommitted-weakening",
    "policy-not-versioned",
    "compat-rule-ignored",
    "overrides-unreadable",
    "override-expired",
    "config-unavailable",
    "repo-facts-unreadable",
)

NO_FINDING_REASON = "No destructive operation found."

_set = object.__setattr__
_new_object = object.__new__


def more_severe(a: str, b: str) -> str:
    """The more severe of two actions."""
    return a if SEVERITY[a] >= SEVERITY[b] else b


class _Frozen:
    """Value semantics for slot classes: equality, hash and repr over every slot."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Frozen) or type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_frozen_rebuild, (type(self), self._values()))

    def replace(self, **changes: Any) -> Any:
        """A copy with the named fields changed."""
        copy = object.__new__(type(self))
        for name in self.__slots__:
            _set(copy, name, changes.pop(name) if name in changes else getattr(self, name))
        if changes:
            raise TypeError(f"unknown field(s) for {type(self).__name__}: {sorted(changes)}")
        return copy


def _frozen_rebuild(cls: type[_Frozen], values: tuple[object, ...]) -> _Frozen:
    item = object.__new__(cls)
    for name, value in zip(cls.__slots__, values):
        _set(item, name, value)
    return item


class Hop(_Frozen):
    """One step of a via chain (§11.2): how a nested command came to run."""

    __slots__ = ("detail", "kind", "span")

    kind: str
    span: tuple[int, int] | None
    detail: str

    def __init__(self, kind: str, span: tuple[int, int] | None, detail: str = "") -> None:
        # the slots' own setters (_slot_setters): cheaper than object.__setattr__ (hot path)
        _hop_kind(self, kind)
        if span is not None and not (
            type(span) is tuple and type(span[0]) is int and type(span[1]) is int
        ):
            span = (int(span[0]), int(span[1]))  # a span of ints, as a tuple (kept if it is)
        _hop_span(self, span)
        _hop_detail(self, detail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "span": None if self.span is None else list(self.span),
            "detail": self.detail,
        }


class Target(_Frozen):
    """One operand of a path rule and how §8 classified it."""

    __slots__ = ("anchor", "cls", "operand", "path")

    operand: str
    path: str | None
    cls: str
    anchor: str | None

    def __init__(self, operand: str, path: str | None, cls: str, anchor: str | None = None) -> None:
        # the slots' own setters (_slot_setters): cheaper than object.__setattr__ (hot path)
        _target_operand(self, operand)
        _target_path(self, path)
        _target_cls(self, cls)
        _target_anchor(self, anchor)

    def to_dict(self) -> dict[str, Any]:
        return {
            "operand": self.operand,
            "path": self.path,
            "class": self.cls,
            "anchor": self.anchor,
        }


def _slot_setters(cls: type[_Frozen], *names: str) -> tuple[Any, ...]:
    """The ``__set__`` of each named slot of ``cls``: it stores into the slot directly, which
    the class's raising ``__setattr__`` cannot block, for about half the cost of a call to
    ``object.__setattr__`` (the constructors of Hop and Target run for most findings)."""
    return tuple(cls.__dict__[name].__set__ for name in names)


_hop_kind, _hop_span, _hop_detail = _slot_setters(Hop, "kind", "span", "detail")
_target_operand, _target_path, _target_cls, _target_anchor = _slot_setters(
    Target, "operand", "path", "cls", "anchor"
)


class Downgrade(_Frozen):
    """What lowered a finding's action: a policy entry, the Session Config, an override."""

    __slots__ = ("kind", "line", "override_id", "source")

    kind: str
    source: str | None
    line: int | None
    override_id: str | None

    def __init__(
        self,
        kind: str,
        source: str | None = None,
        line: int | None = None,
        override_id: str | None = None,
    ) -> None:
        _set(self, "kind", kind)
        _set(self, "source", source)
        _set(self, "line", line)
        _set(self, "override_id", override_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "line": self.line,
            "override_id": self.override_id,
        }


class Notice(_Frozen):
    """A problem with an input (policy file, config, override store), never a verdict."""

    __slots__ = ("code", "message", "source")

    code: str
    message: str
    source: str | None

    def __init__(self, code: str, message: str, source: str | None = None) -> None:
        _set(self, "code", code)
        _set(self, "message", message)
        _set(self, "source", source)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "source": self.source}


# via tuple -> its Hop tuple: every finding of a record (and of each record of a nested
# command) converts the same via, and a Hop is immutable and a function of its three values
_HOPS_MEMO: dict[tuple[Any, ...], tuple[Hop, ...]] = {}


def _hops(via: Iterable[Any]) -> tuple[Hop, ...]:
    """Accept ``Hop`` objects or ``(kind, span, detail)`` tuples (the Command record's form)."""
    if type(via) is tuple:
        try:
            hit = _HOPS_MEMO.get(via)
        except TypeError:  # an unhashable part (a span given as a list): converted each time
            return _convert_hops(via)
        if hit is None:
            hit = _convert_hops(via)
            if len(_HOPS_MEMO) >= 512:
                _HOPS_MEMO.clear()
            _HOPS_MEMO[via] = hit
        return hit
    return _convert_hops(via)


def _convert_hops(via: Iterable[Any]) -> tuple[Hop, ...]:
    out = []
    for hop in via:
        if isinstance(hop, Hop):
            out.append(hop)
        else:
            # Hop(kind, span, detail) without its __init__ frame: most findings of a nested
            # command convert their record's hops (the same stores and span test)
            kind, span, detail = hop
            item = _new_object(Hop)
            _hop_kind(item, kind)
            if span is not None and not (
                type(span) is tuple and type(span[0]) is int and type(span[1]) is int
            ):
                span = (int(span[0]), int(span[1]))
            _hop_span(item, span)
            _hop_detail(item, detail)
            out.append(item)
    return tuple(out)


class _Record(tuple):  # type: ignore[type-arg]
    """An immutable record stored as a tuple: cheap to build on the hot path.

    Fields are read through properties generated from ``_fields``; ``replace()`` returns a
    copy with some fields changed; equality and hashing are the tuple's (by value).
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _index: dict[str, int] = {}

    def replace(self, **changes: Any) -> Any:
        """A copy with the named fields changed."""
        values = list(self)
        index = self._index
        for name, value in changes.items():
            if name not in index:
                raise TypeError(f"unknown field for {type(self).__name__}: {name!r}")
            if name == "via":
                value = _hops(value)
            elif name in ("span",) and value is not None:
                value = (int(value[0]), int(value[1]))
            elif name in ("argv", "targets", "findings", "notices"):
                value = tuple(value)
            values[index[name]] = value
        return tuple.__new__(type(self), values)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), tuple(self)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return tuple.__hash__(self)


def _rebuild(cls: type[_Record], values: tuple[Any, ...]) -> _Record:
    return tuple.__new__(cls, values)


def _add_properties(cls: type[_Record]) -> None:
    try:  # the C module: importing the pure-Python wrapper ``operator`` costs ~0.5 ms
        from _operator import itemgetter
    except ImportError:  # pragma: no cover - other interpreters
        from operator import itemgetter

    cls._index = {name: i for i, name in enumerate(cls._fields)}
    for i, name in enumerate(cls._fields):
        setattr(cls, name, property(itemgetter(i)))


def _span(span: Any) -> tuple[int, int] | None:
    if span is None or type(span) is tuple:
        return span
    return (int(span[0]), int(span[1]))


class Finding(_Record):
    """One rule's verdict on one simple command (or one target of it)."""

    __slots__ = ()
    _fields = (
        "rule_id",
        "group",
        "action",
        "default_action",
        "origin",
        "reason",
        "suggestion",
        "segment",
        "span",
        "span_exact",
        "argv",
        "via",
        "targets",
        "reading",
        "downgraded_by",
    )

    if TYPE_CHECKING:
        rule_id: str
        group: str
        action: str
        default_action: str
        origin: str
        reason: str
        suggestion: str | None
        segment: str | None
        span: tuple[int, int] | None
        span_exact: bool
        argv: tuple[str, ...]
        via: tuple[Hop, ...]
        targets: tuple[Target, ...]
        reading: int
        downgraded_by: Downgrade | None

    def __new__(
        cls,
        rule_id: str,
        group: str,
        action: str,
        *,
        default_action: str | None = None,
        origin: str = "builtin",
        reason: str = "",
        suggestion: str | None = None,
        segment: str | None = None,
        span: tuple[int, int] | None = None,
        span_exact: bool = True,
        argv: Iterable[str] = (),
        via: Iterable[Any] = (),
        targets: Iterable[Target] = (),
        reading: int = 0,
        downgraded_by: Downgrade | None = None,
    ) -> Finding:
        return tuple.__new__(
            cls,
            (
                rule_id,
                group,
                action,
                action if default_action is None else default_action,
                origin,
                reason,
                suggestion,
                segment,
                _span(span),
                bool(span_exact),
                argv if type(argv) is tuple else tuple(argv),
                _hops(via) if via else (),
                targets if type(targets) is tuple else tuple(targets),
                int(reading),
                downgraded_by,
            ),
        )

    @property
    def severity(self) -> int:
        """0 allow, 1 warn, 2 block (effective action)."""
        return SEVERITY[self.action]

    def lowered(self, action: str, by: Downgrade) -> Finding:
        """This finding with its effective action set to ``action``, recording what did it."""
        result: Finding = self.replace(action=action, downgraded_by=by)
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "group": self.group,
            "action": self.action,
            "default_action": self.default_action,
            "origin": self.origin,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "segment": self.segment,
            "span": None if self.span is None else list(self.span),
            "span_exact": self.span_exact,
            "argv": list(self.argv),
            "via": [hop.to_dict() for hop in self.via],
            "targets": [target.to_dict() for target in self.targets],
            "reading": self.reading,
            "downgraded_by": None if self.downgraded_by is None else self.downgraded_by.to_dict(),
        }


class Decision(_Record):
    """The composed verdict on a whole command string (§10, §11.1)."""

    __slots__ = ()
    _fields = (
        "action",
        "rule_id",
        "group",
        "reason",
        "suggestion",
        "segment",
        "span",
        "span_exact",
        "findings",
        "notices",
        "command",
        "cwd",
        "repo_root",
        "malformed",
        "policy_digest",
    )

    if TYPE_CHECKING:
        action: str
        rule_id: str | None
        group: str | None
        reason: str
        suggestion: str | None
        segment: str | None
        span: tuple[int, int] | None
        span_exact: bool
        findings: tuple[Finding, ...]
        notices: tuple[Notice, ...]
        command: str
        cwd: str
        repo_root: str | None
        malformed: bool
        policy_digest: str

    def __new__(
        cls,
        action: str,
        *,
        rule_id: str | None = None,
        group: str | None = None,
        reason: str = NO_FINDING_REASON,
        suggestion: str | None = None,
        segment: str | None = None,
        span: tuple[int, int] | None = None,
        span_exact: bool = True,
        findings: Iterable[Finding] = (),
        notices: Iterable[Notice] = (),
        command: str = "",
        cwd: str = "",
        repo_root: str | None = None,
        malformed: bool = False,
        policy_digest: str = "",
    ) -> Decision:
        if action not in SEVERITY:
            raise ValueError(f"action must be allow, warn or block, not {action!r}")
        return tuple.__new__(
            cls,
            (
                action,
                rule_id,
                group,
                reason,
                suggestion,
                segment,
                _span(span),
                bool(span_exact),
                findings if type(findings) is tuple else tuple(findings),
                notices if type(notices) is tuple else tuple(notices),
                command,
                cwd,
                repo_root,
                bool(malformed),
                policy_digest,
            ),
        )

    @property
    def allowed(self) -> bool:
        """True unless the action is block (warn lets the command run)."""
        return self.action != BLOCK

    @property
    def blocked(self) -> bool:
        return self.action == BLOCK

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of ``schemas/guard-decision.schema.json`` (§11.3)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "action": self.action,
            "rule_id": self.rule_id,
            "group": self.group,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "segment": self.segment,
            "span": None if self.span is None else list(self.span),
            "span_exact": self.span_exact,
            "command": self.command,
            "cwd": self.cwd,
            "repo_root": self.repo_root,
            "malformed": self.malformed,
            "policy_digest": self.policy_digest,
            "notices": [notice.to_dict() for notice in self.notices],
            "findings": [finding.to_dict() for finding in self.findings],
        }


_add_properties(Finding)
_add_properties(Decision)


_new_record = tuple.__new__
