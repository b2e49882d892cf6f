"""``MetricsStore``: the public entry point of the metrics capability (spec §2.10)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from json import encoder as json_encoder
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sessionkit.metrics import _jsonl, events, timestamps
from sessionkit.metrics.errors import (
    LockTimeout,
    MetricsIOError,
    RecordInvalid,
    ReservedKeyError,
)
from sessionkit.metrics.settings import Settings, from_config, load_settings
from sessionkit.metrics.streams import TIMESTAMP_FIELDS, Stream, parse_stream, segments
from sessionkit.metrics.timestamps import fast_now_ts, format_ts, normalize_ts, utc_now
from sessionkit.metrics.validation import validate_record

if TYPE_CHECKING:
    from sessionkit.metrics.learnings import Learnings
    from sessionkit.metrics.maintenance import Report
    from sessionkit.metrics.query import StatsReport
    from sessionkit.metrics.rewrite import LinePlanner, Planner, RewriteReport
    from sessionkit.metrics.rotation import RotateReport
    from sessionkit.metrics.sessions import SessionWriteResult

HOOK_LOCK_TIMEOUT = 0.25
_NO_METRICS_KEY = events._NO_METRICS_KEY
_SESSION_ID_KEY = events._SESSION_ID_KEY

# Per-stream constants of the append path: path, writer, fsync, rotation threshold, lock
# timeout, and the spool directory to drain, relative to the store root (None in hook mode).
_AppendPlan = tuple[Path, _jsonl.StreamWriter, bool, "int | None", float, "str | None"]
REWRITE_LOCK_TIMEOUT = 30.0


class AppendResult(NamedTuple):
    """What an append did (a named tuple: it is built on every append of the hot path)."""

    stream: str
    path: Path
    records: int
    bytes_written: int
    repaired_tail: bool
    rotated_to: Path | None
    spooled: bool
    action: Literal["appended", "spooled", "disabled"]


class ReadResult:
    """An iterable of records; ``stats`` is complete once iteration has ended."""

    def __init__(self, records: Iterator[dict[str, Any]], stats: _jsonl.ScanStats) -> None:
        self._records = records
        self.stats = stats

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._records


# Module globals of the draft hot path (``MetricsStore.append``): one lookup each.
_NAMES_OK = events._NAMES_OK  # names that passed check_name (the same set, filled there)
_REGISTRY = events.REGISTRY
_ENV_DATA = events._ENV_DATA
_NO_STATE_SEEN = events.NO_STATE_SEEN
_SCALARS = _jsonl._SCALARS
_EXACT = _jsonl._is_exact_json
_CHUNKS = _jsonl._ENCODE_CHUNKS
_ESCAPE: Callable[[str], str] = getattr(json_encoder, "c_encode_basestring", None) or (
    json_encoder.py_encode_basestring
)
_join = "".join
_time = time.time
_monotonic = time.monotonic
_strftime = time.strftime
_gmtime = time.gmtime
_MILLIS = timestamps._MILLIS  # "000Z" ... "999Z"
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S."
# The start of every line the store writes for an event draft, and the cached second after it.
_HEAD = '{"schema_version":1,"timestamp":"'
_LINE_HEAD: list[Any] = [-1, _HEAD]

# Path, writer, rotation threshold, lock timeout, state root, line limit and the cache of
# results by size of the draft path.
_FastPlan = tuple[
    Path, _jsonl.StreamWriter, "int | None", float, str, int, "dict[int, AppendResult]"
]

# Per event name: the length of ``{"event":<name>`` and what follows the timestamp up to the
# session id's value, ``Z","event":<name>,"session_id":``... without the Z, which _MILLIS has.
_NAMED: dict[str, tuple[int, str]] = {}


def _named(name: str) -> tuple[int, str]:
    encoded = _ESCAPE(name)
    named = (len('{"event":') + len(encoded), f'","event":{encoded},"session_id":')
    if len(_NAMED) < 4096:  # bounded like the name cache
        _NAMED[name] = named
    return named


def _disabled() -> bool:
    return events.metrics_disabled()


_STREAMS: dict[str, Stream] = {s.value: s for s in Stream}
# Envelope keys a draft may not carry: it names its event under "event" and nothing else.
_DRAFT_RESERVED = events.RESERVED_KEYS - {"event"}


class MetricsStore:
    """The locked JSONL streams of one worktree.

    ``repo`` is any path inside the worktree. The store root resolves from ``metrics_dir``,
    ``SESSIONKIT_METRICS_DIR``, Session Config ``metrics.dir``, then ``.orchestrator/metrics``.
    """

    def __init__(
        self,
        repo: str | os.PathLike[str] = ".",
        *,
        metrics_dir: str | os.PathLike[str] | None = None,
        config: Any = None,
        clock: Callable[[], datetime] | None = None,
        hook_mode: bool = False,
        settings: Settings | None = None,
    ) -> None:
        self.repo = Path(repo).resolve()
        self.clock: Callable[[], datetime] = clock or utc_now
        self.hook_mode = hook_mode
        self._worktree: Path | None = None
        self._state_root: Path | None = None
        self._plans: dict[Stream, _AppendPlan] = {}
        self._fast: _FastPlan | Literal[False] | None = None  # None: not planned yet
        env_dir = os.environ.get("SESSIONKIT_METRICS_DIR")
        if settings is not None:
            self.settings = settings
        elif config is not None:
            self.settings = from_config(config)
        elif metrics_dir is not None or (env_dir and os.path.isabs(env_dir)):
            # An explicit store needs no repository; the config is still read when present.
            self.settings = load_settings(str(self.repo)) if self._in_git() else Settings()
        else:
            self.settings = load_settings(str(self.worktree))
        if metrics_dir is not None:
            self.root = Path(metrics_dir).resolve()
        elif env_dir:
            self.root = (
                Path(env_dir) if os.path.isabs(env_dir) else self.worktree / env_dir
            ).resolve()
        else:
            self.root = self._configured_root()

    # ------------------------------------------------------------------ locations

    def _in_git(self) -> bool:
        try:
            self._resolve_worktree()
        except MetricsIOError:
            return False
        return True

    def _resolve_worktree(self) -> Path:
        if self._worktree is None:
            from sessionkit.errors import SessionkitError

            try:
                if not _may_be_in_git(self.repo):
                    # known without git, or importing it (and subprocess, ~5 ms cold)
                    raise SessionkitError("no git directory above")
                from sessionkit import git

                self._worktree = Path(git.get_root(self.repo))
            except SessionkitError as exc:
                raise MetricsIOError(
                    f"{self.repo} is not inside a git work tree; pass --metrics-dir or set "
                    "SESSIONKIT_METRICS_DIR"
                ) from exc
        return self._worktree

    @property
    def worktree(self) -> Path:
        """Top level of the git worktree (the store, STATE.md and git checks hang off it)."""
        return self._resolve_worktree()

    @property
    def state_root(self) -> Path:
        """Where STATE.md is looked up: the worktree, or the repo path outside git."""
        if self._state_root is None:
            try:
                self._state_root = self.worktree
            except MetricsIOError:
                self._state_root = self.repo
        return self._state_root

    def _configured_root(self) -> Path:
        relative = self.settings.metrics.dir
        root = (self.worktree / relative).resolve()
        if root != self.worktree and self.worktree not in root.parents:
            raise MetricsIOError(
                f"metrics.dir {relative!r} leaves the worktree; use a repository-relative path"
            )
        return root

    def path(self, stream: Stream | str) -> Path:
        return self.root / parse_stream(stream).file_name

    @property
    def spool_dir(self) -> Path:
        return self.root / "spool"

    def files(self, stream: Stream | str, *, include_rotated: bool = True) -> list[str]:
        """Files of ``stream`` in read order: numbered, stamped segments, live, spool."""
        s = parse_stream(stream)
        out: list[str] = []
        if include_rotated:
            old, new = segments(str(self.root), s)
            out.extend(old)
            out.extend(new)
        out.append(str(self.path(s)))
        out.extend(_jsonl.spool_files(str(self.spool_dir), s.value))
        return out

    def now(self) -> datetime:
        return self.clock()

    def now_ts(self) -> str:
        if self.clock is utc_now:
            return fast_now_ts()
        return format_ts(self.clock())

    @property
    def lock_timeout(self) -> float:
        return HOOK_LOCK_TIMEOUT if self.hook_mode else self.settings.metrics.lock_timeout_s

    def fsync_for(self, stream: Stream) -> bool:
        policy = self.settings.metrics.fsync
        if policy == "always":
            return True
        if policy == "never":
            return False
        return stream.durable

    # ------------------------------------------------------------------ writing

    def prepare(
        self, stream: Stream | str, record: Mapping[str, Any], *, new: bool = True
    ) -> tuple[bytes, dict[str, Any]]:
        """Complete, encode and validate one record; returns its line and round trip.

        ``new=False`` encodes a record that is already on disk (a rewrite's replacement): the
        writer obligations of new subagent records (nulls omitted, no 0 ms duration) do not
        apply, because the prior art's explicit nulls and 0 ms stops are kept (spec §3.6, §6.5).
        """
        s = _STREAMS.get(stream) if isinstance(stream, str) else stream
        if s is None:
            s = parse_stream(stream)
        if s is Stream.EVENTS and "schema_version" not in record:
            return self._prepare_draft(record)
        data = dict(record)
        if s in (Stream.SESSIONS, Stream.SUBAGENTS, Stream.LEARNINGS, Stream.LEARNINGS_ARCHIVE):
            data = self._normalise_times(s, data)
        if s is Stream.SUBAGENTS:
            data = _subagent_writer_obligations(data) if new else data
        if "schema_version" in data and next(iter(data)) != "schema_version":
            # §2.2: schema_version is the first key of every line sessionkit writes.
            data = {"schema_version": data["schema_version"], **data}
        line, parsed = _jsonl.encode_record(
            data, stream=s.value, max_bytes=self.settings.metrics.max_line_bytes
        )
        validate_record(s, parsed)
        return line, parsed

    def _prepare_draft(self, draft: Mapping[str, Any]) -> tuple[bytes, dict[str, Any]]:
        """An event draft ``{"event": name, **payload}``: completed like ``emit``, encoded.

        The hot path of ``append``: the writer sets ``schema_version`` and the timestamp and
        checks the name itself, so only the session id, envelope keys given in the draft and
        the registry's payload keys are checked on the round-tripped record.
        """
        name = draft.get("event")
        if not isinstance(name, str):
            raise RecordInvalid("an event draft needs an 'event' name")
        events.check_name(name)
        if not _DRAFT_RESERVED.isdisjoint(draft):
            clash = sorted(_DRAFT_RESERVED.intersection(draft))
            raise ReservedKeyError(
                f"payload key '{clash[0]}' is reserved for the event envelope; pass it as an "
                "argument or rename it"
            )
        sid = events.resolve_session_id(self._state_root_str)
        data = {
            "schema_version": events.SCHEMA_VERSION,
            "timestamp": self.now_ts(),
            "event": name,
            "session_id": sid,
        }
        data.update(draft)  # "event" keeps its place and its (checked) value
        line, parsed = _jsonl.encode_record(
            data, stream="events", max_bytes=self._max_line, owned=True
        )
        # A draft carries no envelope key but its name (checked above), so with no session id
        # and an unregistered name check_built_event has nothing left to find.
        if sid is not None or name in events.REGISTRY:
            problem = events.check_built_event(parsed)
            if problem:
                pointer = problem.split(":", 1)[0]
                raise RecordInvalid(f"events record invalid at {problem}", pointer=pointer)
        return line, parsed

    @property
    def _state_root_str(self) -> str:
        root = self.__dict__.get("_state_root_cache")
        if root is None:
            root = self.__dict__["_state_root_cache"] = str(self.state_root)
        return root

    @property
    def _max_line(self) -> int:
        return self.settings.metrics.max_line_bytes

    def _normalise_times(self, stream: Stream, data: dict[str, Any]) -> dict[str, Any]:
        for key in TIMESTAMP_FIELDS[stream]:
            value = data.get(key)
            if isinstance(value, str):
                try:
                    data[key] = normalize_ts(value)
                except ValueError as exc:
                    raise RecordInvalid(
                        f"{stream.value} record invalid at /{key}: {exc}", pointer=f"/{key}"
                    ) from exc
        return data

    def append(self, stream: Stream | str, record: Mapping[str, Any]) -> AppendResult:
        """Append one record (validated against its stream's schema) under the lock.

        The common event draft is handled here in one function (the hot path, spec §9.8): a
        name that passed ``check_name`` before, no reserved key, ``"event"`` as the first key,
        string keys and values of exact JSON scalar types, or dicts and lists made only of such
        values (``_jsonl._is_exact_json``: nested payloads such as a gate result's checks).
        Such a draft is its own JSON round trip (``encode_record(owned=True)``, and the round
        trip of an exact nested value is an equal value of the same types), so the envelope
        check can run on the draft itself and only the draft is encoded; the line is
        assembled around it: ``schema_version``, the timestamp, the name and the session id
        take their places in front of the payload, exactly the bytes of the general path (a
        property test compares them). The writer-built envelope check runs only where it has
        something to find (a session id, a registered name). Anything else (first use of a
        name, tuples or other non-JSON containers, an error to word, a disabled store, hook
        mode, ``fsync``) goes
        the general way, which words every error.
        """
        if stream == "events" and type(record) is dict:
            name = record.get("event")
            if type(name) is str and name in _NAMES_OK and _DRAFT_RESERVED.isdisjoint(record):
                for key, value in record.items():
                    # (a dict or list of exact JSON values is its own round trip too)
                    if type(key) is not str or (type(value) not in _SCALARS and not _EXACT(value)):
                        break
                else:
                    fast = self._fast
                    if fast is None:
                        fast = self._fast = self._fast_plan()
                    if not fast:
                        return self._append_general(stream, record)
                    path, writer, rotate_at, timeout, root, max_line, results = fast
                    env = _ENV_DATA
                    seen = _NO_STATE_SEEN.get(root)
                    if (
                        env is not None
                        and seen is not None
                        and not env.get(_NO_METRICS_KEY)
                        and not env.get(_SESSION_ID_KEY)
                        and _monotonic() - seen < 1.0
                    ):
                        # metrics_disabled() and resolve_session_id(root) of the common case
                        # inline (no variable set, no STATE.md found within the second)
                        sid = None
                    else:
                        if events.metrics_disabled():
                            return self._append_general(stream, record)
                        sid = events.resolve_session_id(root)
                    if self.clock is utc_now:  # fast_now_ts(), the line's head cached per second
                        now = _time()
                        second = int(now)
                        cached = _LINE_HEAD
                        if second != cached[0]:
                            cached[1] = _HEAD + _strftime(_TS_FORMAT, _gmtime(second))
                            cached[0] = second
                        head = cached[1]
                        millis = _MILLIS[int((now - second) * 1000)]
                    else:
                        stamp = format_ts(self.clock())
                        head = _HEAD + stamp[:20]
                        millis = stamp[20:]
                    try:
                        text = _join(_CHUNKS(record, 0))
                    except ValueError:  # NaN or an infinity: the general path words it
                        return self._append_general(stream, record)
                    if not text.startswith('{"event":'):
                        return self._append_general(stream, record)
                    named = _NAMED.get(name)
                    if named is None:
                        named = _named(name)
                    skip, middle = named
                    value = "null" if sid is None else _ESCAPE(sid)
                    try:
                        line = f"{head}{millis}{middle}{value}{text[skip:]}\n".encode()
                    except UnicodeEncodeError:  # a lone surrogate: the general path words it
                        return self._append_general(stream, record)
                    if len(line) > max_line:
                        return self._append_general(stream, record)
                    if sid is not None or name in _REGISTRY:
                        data = {
                            "schema_version": 1,
                            "timestamp": head[len(_HEAD) :] + millis,
                            "event": name,
                            "session_id": sid,
                        }
                        data.update(record)
                        if events.check_built_event(data):
                            return self._append_general(stream, record)
                    written = writer.append_fast(line, rotate_at, timeout)
                    if written < 0:  # anything but the common case: the full append
                        return self.append_encoded(Stream.EVENTS, line, 1)
                    result = results.get(written)
                    if result is None:
                        if len(results) >= 256:
                            results.clear()
                        result = results[written] = AppendResult(
                            "events", path, 1, written, False, None, False, "appended"
                        )
                    return result
        return self._append_general(stream, record)

    def _append_general(self, stream: Stream | str, record: Mapping[str, Any]) -> AppendResult:
        """``append`` of anything but a flat draft on the hot path."""
        s = _STREAMS.get(stream) if isinstance(stream, str) else stream
        if s is None:
            s = parse_stream(stream)
        if s is Stream.EVENTS and "schema_version" not in record:
            return self.append_encoded(s, self._prepare_draft(record)[0], 1)
        return self.append_encoded(s, self.prepare(s, record)[0], 1)

    def _fast_plan(self) -> _FastPlan | Literal[False]:
        """Constants of the draft hot path of ``append``, or False where it does not apply."""
        if self.hook_mode or _jsonl._MSVCRT is not None or _jsonl._ENCODE_CHUNKS is None:
            return False
        plan = self._plans.get(Stream.EVENTS)
        if plan is None:
            plan = self._plans[Stream.EVENTS] = self._append_plan(Stream.EVENTS)
        path, writer, fsync, rotate_at, timeout, _spool = plan
        if fsync:
            return False
        return (path, writer, rotate_at, timeout, self._state_root_str, self._max_line, {})

    def append_many(
        self, stream: Stream | str, records: Iterable[Mapping[str, Any]]
    ) -> AppendResult:
        """Append records in one buffer under one lock: all of them or none."""
        s = parse_stream(stream)
        if _disabled():
            return AppendResult(s.value, self.path(s), 0, 0, False, None, False, "disabled")
        lines = [self.prepare(s, record)[0] for record in records]
        return self.append_encoded(s, b"".join(lines), len(lines))

    def append_encoded(self, stream: Stream, buffer: bytes, count: int) -> AppendResult:
        """Append already validated lines (the shared tail of every writer)."""
        plan = self._plans.get(stream)
        if plan is None:
            plan = self._plans[stream] = self._append_plan(stream)
        path, writer, fsync, rotate_at, timeout, spool = plan
        if _disabled():
            return AppendResult(stream.value, path, 0, 0, False, None, False, "disabled")
        try:
            try:
                outcome = writer.append(buffer, fsync, timeout, rotate_at, spool)
            except _jsonl.SpoolPending:
                self.drain_spool(stream)
                outcome = writer.append(buffer, fsync, timeout, rotate_at)
        except LockTimeout:
            if not self.hook_mode:
                raise
            spooled = _jsonl.spool_write(str(self.spool_dir), stream.value, buffer, fsync=fsync)
            return AppendResult(
                stream.value, Path(spooled), count, len(buffer), False, None, True, "spooled"
            )
        rotated = Path(outcome.rotated_to) if outcome.rotated_to else None
        if rotated is not None:
            self._after_rotation(stream, rotated)
        return AppendResult(
            stream.value,
            path,
            count,
            outcome.bytes_written,
            outcome.repaired_tail,
            rotated,
            False,
            "appended",
        )

    def _append_plan(self, stream: Stream) -> _AppendPlan:
        """Per-stream constants of the append path, computed once per store."""
        path = self.path(stream)
        rotation = self.settings.metrics.rotation.get(stream.value)
        rotate_at = rotation.max_bytes if stream.rotates and rotation and rotation.enabled else None
        # ``spool/`` as the writer's directory sees it (the store root); the hook spools but
        # never drains
        spool = None if self.hook_mode else "spool"
        return (
            path,
            _jsonl.StreamWriter(str(path), trust_own_tail=stream.rotates),
            self.fsync_for(stream),
            rotate_at,
            self.lock_timeout,
            spool,
        )

    def _after_rotation(self, stream: Stream, segment: Path) -> None:
        from sessionkit.metrics import rotation

        rotation.after_rotation(self, stream, segment)

    def drain_spool(self, stream: Stream | str) -> int:
        s = parse_stream(stream)
        drained = _jsonl.drain_spool(
            str(self.path(s)),
            str(self.spool_dir),
            s.value,
            fsync=self.fsync_for(s),
            timeout=self.lock_timeout,
        )
        if drained:  # announced after the lock is released
            self.emit_internal(
                "sessionkit.metrics.spool_drained", {"stream": s.value, "lines": drained}
            )
        return drained

    def _build_event(
        self,
        name: str,
        payload: Mapping[str, Any] | None,
        *,
        session_id: str | Literal["auto"] | None = "auto",
        **envelope: Any,
    ) -> dict[str, Any]:
        sid = (
            events.resolve_session_id(str(self.state_root)) if session_id == "auto" else session_id
        )
        return events.build_event(
            name, payload, timestamp=self.now_ts(), session_id=sid, **envelope
        )

    def emit(
        self,
        event: str,
        payload: Mapping[str, Any] | None = None,
        *,
        session_id: str | Literal["auto"] | None = "auto",
        harness_session_id: str | None = None,
        run_id: str | None = None,
        agent_id: str | None = None,
        wave: int | None = None,
        platform: str | None = None,
        source: str | None = None,
        best_effort: bool = False,
    ) -> AppendResult | None:
        """Append one event with its envelope; ``best_effort`` swallows every error."""
        try:
            if _disabled():
                return AppendResult(
                    "events", self.path(Stream.EVENTS), 0, 0, False, None, False, "disabled"
                )
            record = self._build_event(
                event,
                payload,
                session_id=session_id,
                harness_session_id=harness_session_id,
                run_id=run_id,
                agent_id=agent_id,
                wave=wave,
                platform=platform,
                source=source,
            )
            line, _parsed = self.prepare(Stream.EVENTS, record)
            return self.append_encoded(Stream.EVENTS, line, 1)
        except Exception:
            if best_effort:
                return None
            raise

    def emit_internal(
        self,
        event: str,
        payload: Mapping[str, Any],
        *,
        session_id: str | Literal["auto"] | None = "auto",
    ) -> None:
        """Events the store announces about itself: always best effort.

        ``session_id`` names the session the event is about when the caller knows it (the
        record ``record_session`` wrote); the default resolves the current session (§3.3).
        """
        self.emit(event, payload, session_id=session_id, best_effort=True, source="library")

    def record_session(
        self, record: Mapping[str, Any], *, force: bool = False, dry_run: bool = False
    ) -> SessionWriteResult:
        from sessionkit.metrics import sessions

        return sessions.record_session(self, record, force=force, dry_run=dry_run)

    # ------------------------------------------------------------------ reading

    def read(
        self,
        stream: Stream | str,
        *,
        include_rotated: bool = True,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        validate: bool = False,
        fold: bool | None = None,
    ) -> ReadResult:
        """Records of ``stream`` from every file, tolerant of bad lines (counted, not raised)."""
        from sessionkit.metrics import query

        return query.read(
            self,
            parse_stream(stream),
            include_rotated=include_rotated,
            since=_as_dt(since),
            until=_as_dt(until),
            validate=validate,
            fold=fold,
        )

    def tail(
        self, stream: Stream | str = "events", n: int = 20, **filters: Any
    ) -> list[dict[str, Any]]:
        from sessionkit.metrics import query

        return query.tail(self, parse_stream(stream), n, **filters)

    def query(self, stream: Stream | str = "events", **filters: Any) -> ReadResult:
        from sessionkit.metrics import query

        return query.query(self, parse_stream(stream), **filters)

    def stats(
        self,
        *,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        session: str | None = None,
        top: int = 5,
        include_rotated: bool = True,
    ) -> StatsReport:
        from sessionkit.metrics import query

        return query.stats(
            self,
            since=_as_dt(since),
            until=_as_dt(until),
            session=session,
            top=top,
            include_rotated=include_rotated,
        )

    # ------------------------------------------------------------------ changing lines

    def rewrite(
        self,
        stream: Stream | str,
        planner: Planner | LinePlanner,
        *,
        reason: str,
        dry_run: bool = True,
        mode: Literal["whole", "per_line"] = "whole",
        by: str = "sessionkit",
    ) -> RewriteReport:
        from sessionkit.metrics import rewrite

        return rewrite.rewrite(
            self, parse_stream(stream), planner, reason=reason, dry_run=dry_run, mode=mode, by=by
        )

    def rotate(
        self, stream: Stream | str | None = None, *, force: bool = False, dry_run: bool = True
    ) -> RotateReport:
        from sessionkit.metrics import rotation

        streams = [parse_stream(stream)] if stream is not None else None
        return rotation.rotate(self, streams, force=force, dry_run=dry_run)

    # ------------------------------------------------------------------ maintenance

    def validate_file(self, path: str | os.PathLike[str]) -> Report:
        from sessionkit.metrics import maintenance

        return maintenance.validate_files(self, [Path(path)])

    def doctor(self, streams: Sequence[str] | None = None) -> Report:
        from sessionkit.metrics import maintenance

        return maintenance.doctor(self, streams)

    def repair(
        self,
        streams: Sequence[str] | None = None,
        *,
        dry_run: bool = True,
        quarantine_invalid: bool = False,
        backfill_abandoned: bool = False,
        clear_quarantine: bool = False,
    ) -> Report:
        from sessionkit.metrics import maintenance

        return maintenance.repair(
            self,
            streams,
            dry_run=dry_run,
            quarantine_invalid=quarantine_invalid,
            backfill_abandoned=backfill_abandoned,
            clear_quarantine=clear_quarantine,
        )

    def migrate(
        self,
        *,
        streams: Sequence[str] | None = None,
        include_state: bool = True,
        dry_run: bool = True,
    ) -> Report:
        from sessionkit.metrics import migrate

        return migrate.migrate(self, streams=streams, include_state=include_state, dry_run=dry_run)

    @property
    def learnings(self) -> Learnings:
        from sessionkit.metrics.learnings import Learnings

        return Learnings(self)


def _may_be_in_git(path: Path) -> bool:
    """False only where ``git rev-parse --show-toplevel`` cannot find a work tree.

    git finds its directory through ``GIT_DIR`` or by looking for ``.git`` (or a directory
    that is itself a git directory, with a ``HEAD``) in ``path`` and each parent. With neither,
    the answer is known without starting git: a store with ``--metrics-dir`` outside any
    repository (its first append resolves where STATE.md is looked up) spawns nothing.
    """
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    directory = os.fspath(path)  # strings: pathlib's parents and joins cost ~10x the lstats
    join, lexists = os.path.join, os.path.lexists
    while True:
        if lexists(join(directory, ".git")) or lexists(join(directory, "HEAD")):
            return True
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent


def _as_dt(value: str | datetime | None) -> datetime | None:
    """A window bound: datetime, RFC 3339, ``YYYY-MM-DD`` or ``<n>m|h|d|w`` ago."""
    if value is None or isinstance(value, datetime):
        return value
    from sessionkit.metrics.timestamps import parse_window

    return parse_window(value)


_SUBAGENT_REQUIRED = frozenset({"schema_version", "timestamp", "event", "agent_id"})


def _subagent_writer_obligations(data: dict[str, Any]) -> dict[str, Any]:
    """Writers omit unknown optional fields and never store a 0 ms duration (spec §3.6)."""
    data.setdefault("schema_version", 1)
    duration = data.get("duration_ms")
    if isinstance(duration, int) and not isinstance(duration, bool) and duration < 1:
        raise RecordInvalid(
            "subagents record invalid at /duration_ms: a measured duration is >= 1 ms; "
            "write null when it is unknown",
            pointer="/duration_ms",
        )
    keep_null = {"duration_ms"} if data.get("event") == "stop" else set()
    return {
        k: v for k, v in data.items() if v is not None or k in _SUBAGENT_REQUIRED or k in keep_null
    }
