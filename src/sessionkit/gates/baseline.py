"""Baselines: the document, its storage in git refs, validity, and the regression diff (§7).

One ref per branch, ``refs/so-snapshots/gates/<key>``, pointing at a root commit whose tree
holds ``baseline.json``. Each save replaces the ref with a compare-and-swap, so old baselines
become unreachable and there is no history to prune.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sessionkit import git
from sessionkit._version import __version__
from sessionkit.gates.errors import (
    GateEnvironmentError,
    GateUsageError,
    gate_environment_errors,
)
from sessionkit.gates.model import CheckRegression, CheckResult, Finding, GateResult

REF_PREFIX = "refs/so-snapshots/gates/"
DEFAULT_LOCKFILES = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "requirements*.txt",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "bun.lock",
)
# a fixed tool identity: saving a baseline works without a configured user (e.g. in CI)
_IDENTITY = {
    "GIT_AUTHOR_NAME": "sessionkit",
    "GIT_AUTHOR_EMAIL": "sessionkit@localhost",
    "GIT_COMMITTER_NAME": "sessionkit",
    "GIT_COMMITTER_EMAIL": "sessionkit@localhost",
}
_FORBIDDEN = set(" ~^:?*[\\%/") | {chr(c) for c in range(32)} | {"\x7f"}
SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}


def utc_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def encode_key(key: str) -> str:
    """One ref component for ``key``: ``%`` and ``/`` (and what git forbids) percent-encoded."""
    return "".join(f"%{ord(c):02X}" if c in _FORBIDDEN else c for c in key)


def key_of_ref(ref: str) -> str:
    """The key ``ref_for`` encoded into ``ref`` (``encode_key`` escapes ``%`` too)."""
    from urllib.parse import unquote

    return unquote(ref.removeprefix(REF_PREFIX))


def ref_for(key: str) -> str:
    if not key:
        raise GateUsageError("the baseline key must not be empty")
    ref = REF_PREFIX + encode_key(key)
    if not git.check_ref_format(ref):
        raise GateUsageError(f"invalid baseline key {key!r}: {ref} is not a valid ref name")
    return ref


def current_key(root: str, environ: Mapping[str, str]) -> str:
    proc = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=root, check=False)
    branch = proc.stdout.decode("utf-8", "surrogateescape").strip()
    if proc.returncode == 0 and branch:
        return branch
    for var in (
        "GITHUB_HEAD_REF",
        "GITHUB_REF_NAME",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
        "CI_COMMIT_REF_NAME",
    ):
        if environ.get(var):
            return environ[var]
    return "@detached"


def command_hash(text: str, cwd: str, env: Mapping[str, str]) -> str:
    payload = json.dumps([text, cwd, sorted(env.items())], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def lockfile_state(root: str, patterns: Sequence[str] | None) -> tuple[str | None, list[str]]:
    import glob

    found: list[str] = []
    for pattern in patterns or DEFAULT_LOCKFILES:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.isfile(path) and rel not in found:
                found.append(rel)
    if not found:
        return None, []
    digest = hashlib.sha256()
    for rel in found:
        digest.update(rel.encode() + b"\0")
        with open(os.path.join(root, rel), "rb") as f:
            digest.update(f.read())
    return "sha256:" + digest.hexdigest(), found


# sessionkit's own run records (gate logs, metrics events) change with every gate run: they
# never make the tree dirty, whether tracked or not
OWN_STATE_PATHSPEC = ("--", ".", ":!.orchestrator/gates", ":!.orchestrator/metrics")


def worktree_hash(root: str) -> str | None:
    """None for a clean tree; else sha256 of the diff against HEAD plus untracked contents."""
    status = git.run(
        ["status", "--porcelain=v1", "-z", "--untracked-files=all", *OWN_STATE_PATHSPEC],
        cwd=root,
    ).stdout
    if not status.strip(b"\0"):
        return None
    diff = git.run(["diff", "HEAD", "--binary", *OWN_STATE_PATHSPEC], cwd=root).stdout
    digest = hashlib.sha256(diff)
    untracked = git.zsplit(
        git.run(["ls-files", "--others", "--exclude-standard", "-z"], cwd=root).stdout
    )
    for rel in sorted(untracked):
        if rel.startswith((".orchestrator/gates/", ".orchestrator/metrics/")):
            continue
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(os.path.join(root, rel), "rb") as f:
                digest.update(hashlib.sha256(f.read()).digest())
        except OSError:
            continue
    return "sha256:" + digest.hexdigest()


def _failing_tests(check: CheckResult) -> list[str]:
    return sorted({f.test_id for f in check.findings if f.test_id is not None})


def build_document(
    result: GateResult,
    *,
    key: str,
    root: str,
    command_hashes: Mapping[str, str],
    passed_ids: Mapping[str, Iterable[str]],
    all_findings: Mapping[str, Sequence[Finding]],
    lockfiles: Sequence[str] | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    """The baseline document of ``result``'s unscoped checks (schema ``gate-baseline``)."""
    lock_hash, lock_list = lockfile_state(root, lockfiles)
    tree_hash = worktree_hash(root)
    checks: dict[str, Any] = {}
    for check in result.checks:
        if check.scoped or check.name not in command_hashes:
            continue
        entry: dict[str, Any] = {
            "command_hash": command_hashes[check.name],
            "command": check.command.text,
            "kind": check.kind,
            "status": check.status,
            "exit_code": check.exit_code,
            "parsers": list(check.parsers),
            "complete": check.findings_complete and check.measurement != "none",
            "tool_versions": dict(check.tool_versions),
        }
        if check.counts is not None and (check.counts.tests or check.counts.findings):
            entry["counts"] = check.counts.to_dict()
        if check.status in ("pass", "fail"):
            findings = all_findings.get(check.name, check.findings)
            if check.kind == "test":
                entry["failing_tests"] = sorted(
                    {f.test_id for f in findings if f.test_id is not None}
                )
                entry["passing_tests"] = sorted(passed_ids.get(check.name, ()))
            else:
                if len(findings) > 200_000:
                    entry["complete"] = False
                entry["findings"] = [
                    {
                        "fingerprint": f.fingerprint,
                        "tool": f.tool,
                        "rule": f.rule,
                        "severity": f.severity,
                        "path": f.path,
                        "message": f.message[:500],
                    }
                    for f in findings[:200_000]
                ]
        checks[check.name] = entry
    return {
        "schema_version": 1,
        "saved_at": utc_now(),
        "sessionkit_version": __version__,
        "key": key,
        "commit": result.repo["head"],
        "dirty": tree_hash is not None,
        "worktree_hash": tree_hash,
        "session_id": session_id,
        "source_run_id": result.run_id,
        "lockfile_hash": lock_hash,
        "lockfiles": lock_list,
        "checks": checks,
    }


def canonical(document: Mapping[str, Any]) -> bytes:
    return (
        json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode()


def validate_document(document: Any) -> list[str]:
    from sessionkit.gates.policyfile import cached_validator

    return [e.message for e in cached_validator("gate-baseline").iter_errors(document)]


def _read_ref(root: str, ref: str) -> str | None:
    proc = git.run(["rev-parse", "--verify", "--quiet", ref], cwd=root, check=False)
    sha = proc.stdout.decode().strip()
    return sha if proc.returncode == 0 and sha else None


def save(root: str, key: str, document: Mapping[str, Any]) -> str:
    """Store ``document`` under the key's ref (compare-and-swap, one retry); returns the ref."""
    ref = ref_for(key)
    blob = git.run(["hash-object", "-w", "--stdin"], cwd=root, input=canonical(document))
    blob_sha = blob.stdout.decode().strip()
    tree = git.run(["mktree"], cwd=root, input=f"100644 blob {blob_sha}\tbaseline.json\n".encode())
    tree_sha = tree.stdout.decode().strip()
    saved_at = str(document.get("saved_at") or utc_now())
    dates = {"GIT_AUTHOR_DATE": saved_at.replace("Z", "+0000")[:19] + " +0000"}
    dates["GIT_COMMITTER_DATE"] = dates["GIT_AUTHOR_DATE"]
    commit_sha = (
        git.run(
            [
                "-c",
                "commit.gpgsign=false",
                "commit-tree",
                tree_sha,
                "-m",
                f"sessionkit gate baseline {key} @ {str(document.get('commit', ''))[:12]}",
            ],
            cwd=root,
            env={**_IDENTITY, **dates},
        )
        .stdout.decode()
        .strip()
    )
    for _attempt in range(2):
        old = _read_ref(root, ref) or ""
        proc = git.run(["update-ref", ref, commit_sha, old], cwd=root, check=False)
        if proc.returncode == 0:
            return ref
    raise GateEnvironmentError(
        f"could not store the baseline at {ref}: it changed concurrently",
        hint="retry `sessionkit gate baseline save`",
    )


def load_ref(root: str, ref: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(document, warning)``: an unreadable or invalid baseline is a warning, never a crash."""
    if _read_ref(root, ref) is None:
        return None, None
    proc = git.run(["cat-file", "-p", f"{ref}:baseline.json"], cwd=root, check=False)
    if proc.returncode != 0:
        return None, f"baseline at {ref} is unreadable; ignoring it"
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return None, f"baseline at {ref} is unreadable; ignoring it"
    if validate_document(doc):
        return None, f"baseline at {ref} is invalid; ignoring it"
    return doc, None


def load_file(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as exc:
        raise GateEnvironmentError(f"{path}: cannot read the baseline file ({exc})") from exc
    if isinstance(doc, dict) and "baseline" in doc and len(doc) == 1:
        doc = doc["baseline"]
    problems = validate_document(doc)
    if problems:
        raise GateEnvironmentError(f"{path}: not a valid baseline document ({problems[0]})")
    return dict(doc)


def list_refs(root: str) -> list[str]:
    out = git.run(["for-each-ref", "--format=%(refname)", REF_PREFIX], cwd=root).stdout
    return [line for line in out.decode("utf-8", "surrogateescape").splitlines() if line]


def clear(root: str, refs: Sequence[str]) -> list[str]:
    cleared = []
    for ref in refs:
        old = _read_ref(root, ref)
        if old is None:
            continue
        git.run(["update-ref", "-d", ref, old], cwd=root)
        cleared.append(ref)
    return cleared


def is_ancestor(root: str, commit: str, head: str = "HEAD") -> bool:
    proc = git.run(["merge-base", "--is-ancestor", commit, head], cwd=root, check=False)
    return proc.returncode == 0


@dataclass(frozen=True)
class Lookup:
    document: dict[str, Any] | None
    source: str | None  # "file", "ref", "ancestor-ref"
    location: str | None
    reason: str | None  # why no baseline applies
    warnings: tuple[str, ...] = ()


def _commit_ok(root: str, doc: Mapping[str, Any], base_commit: str | None) -> bool:
    commit = str(doc.get("commit", ""))
    if base_commit is not None:
        return commit == base_commit
    return is_ancestor(root, commit)


def lookup(root: str, *, key: str, baseline_file: str | None, base_commit: str | None) -> Lookup:
    """The baseline to compare with (spec §7.3): file, this key's ref, then another ref."""
    if baseline_file is not None:
        from_file = load_file(baseline_file)
        if not _commit_ok(root, from_file, base_commit):
            return Lookup(None, "file", baseline_file, "base-mismatch")
        return Lookup(from_file, "file", baseline_file, None)
    warnings: list[str] = []
    own = ref_for(key)
    doc, warning = load_ref(root, own)
    if warning:
        warnings.append(warning)
    mismatch = False
    if doc is not None:
        if _commit_ok(root, doc, base_commit):
            return Lookup(doc, "ref", own, None, tuple(warnings))
        mismatch = True
    for ref in list_refs(root):
        if ref == own:
            continue
        other, warning = load_ref(root, ref)
        if warning:
            warnings.append(warning)
        if other is not None and _commit_ok(root, other, base_commit):
            return Lookup(other, "ancestor-ref", ref, None, tuple(warnings))
    return Lookup(None, None, None, "base-mismatch" if mismatch else "no-baseline", tuple(warnings))


def _family(parsers: Iterable[str], kind: str) -> frozenset[str]:
    from sessionkit.gates.parsers.registry import PARSERS

    if kind == "test":
        return frozenset({"test"})
    return frozenset(PARSERS[p].tool if p in PARSERS else p for p in parsers)


def comparability(
    check: CheckResult, entry: Mapping[str, Any] | None, command_hash_now: str
) -> tuple[bool, list[str], list[str]]:
    """``(comparable, reasons, notes)`` for one check against its baseline entry."""
    if entry is None:
        return False, ["baseline-check-missing"], []
    if entry.get("status") not in ("pass", "fail") or not entry.get("parsers"):
        return False, ["baseline-unmeasured"], []
    reasons: list[str] = []
    notes: list[str] = []
    if entry.get("command_hash") != command_hash_now:
        reasons.append("command-changed")
    before: Mapping[str, str] = entry.get("tool_versions") or {}
    for tool, version in check.tool_versions.items():
        old = before.get(tool, "unknown")
        if "unknown" in (old, version):
            notes.append("tool-version-unknown")
        elif old != version:
            reasons.append("tool-version-changed")
    if check.measurement != "none" and _family(check.parsers, check.kind) != _family(
        entry.get("parsers") or (), check.kind
    ):
        reasons.append("parser-changed")
    return not reasons, reasons, sorted(set(notes))


def diff_check(
    check: CheckResult,
    entry: Mapping[str, Any],
    *,
    findings: Sequence[Finding],
    passed_ids: Iterable[str],
    enumerates_passing: bool,
    scope: Sequence[str] | None,
    block_on: str,
) -> tuple[CheckRegression, dict[str, str]]:
    """The regression of a comparable check, and each current fingerprint's classification."""
    status_change = (
        f"{entry['status']}->{check.status}" if entry.get("status") != check.status else None
    )
    classification: dict[str, str] = {}
    if check.kind == "test":
        failing_before = set(entry.get("failing_tests") or ())
        passing_before = set(entry.get("passing_tests") or ())
        failing_now = {f.test_id for f in findings if f.test_id is not None}
        passed_now = set(passed_ids)
        new_failing = sorted(failing_now - failing_before)
        for f in findings:
            classification[f.fingerprint] = "pre-existing" if f.test_id in failing_before else "new"
        fixed = sorted(failing_before & passed_now)
        verified = enumerates_passing
        disappeared: list[str] = []
        total_delta = None
        if not check.scoped:
            if not enumerates_passing and check.findings_complete:
                fixed = sorted(failing_before - failing_now)
            elif enumerates_passing:
                known_now = failing_now | passed_now
                disappeared = sorted(failing_before - known_now)
            before_total = ((entry.get("counts") or {}).get("tests") or {}).get("total")
            if before_total is not None and check.counts and check.counts.tests:
                total_delta = check.counts.tests.total - int(before_total)
        del passing_before
        regression = CheckRegression(
            comparable=True,
            status_change=status_change,
            new_failing=tuple(new_failing),
            fixed_tests=tuple(fixed),
            fixed_verified=verified,
            disappeared=tuple(disappeared),
            total_delta=total_delta,
            pre_existing=len(failing_now & failing_before),
        )
        return regression, classification
    # set algebra on fingerprints: linear, and fast enough for 100,000 findings a side
    stored = entry.get("findings") or ()
    before_fps = {f["fingerprint"] for f in stored}
    current_fps = {f.fingerprint for f in findings}
    new = sorted(current_fps - before_fps)
    pre = current_fps & before_fps
    classification = dict.fromkeys(pre, "pre-existing")
    classification.update(dict.fromkeys(new, "new"))
    unattributed = 0
    if not check.findings_complete:
        fixed_fp: list[str] = []
        now_errors = check.counts.findings.error if check.counts and check.counts.findings else 0
        before_errors = ((entry.get("counts") or {}).get("findings") or {}).get("error", 0)
        unattributed = max(0, now_errors - int(before_errors) - len(new))
    else:
        gone = before_fps - current_fps
        if scope is None:
            fixed_fp = sorted(gone)
        else:
            in_scope = set(scope)
            fixed_fp = sorted(
                f["fingerprint"]
                for f in stored
                if f["fingerprint"] in gone and f.get("path") in in_scope
            )
    regression = CheckRegression(
        comparable=True,
        status_change=status_change,
        new=tuple(new),
        fixed=tuple(fixed_fp),
        pre_existing=len(pre),
        unattributed_new=unattributed,
    )
    del block_on
    return regression, classification


def blocking_reason_new(
    check: CheckResult,
    regression: CheckRegression | None,
    entry_status: str | None,
    findings: Sequence[Finding],
    block_on: str,
    no_baseline_reason: str | None,
) -> str | None:
    """Why a failing required check blocks under ``--fail-on new`` (None: cleared), §7.5."""
    if check.status in ("error", "timeout"):
        return check.status
    if check.status != "fail":
        return None
    if regression is None:
        # a baseline that exists but fails the commit rule is "not applicable" (§7.3)
        reason = no_baseline_reason or "no-baseline"
        return reason if reason == "no-baseline" else f"not-comparable: {reason}"
    if not regression.comparable:
        return "not-comparable: " + ",".join(regression.reasons)
    if check.measurement == "none":
        return "unmeasured"
    if entry_status != "fail":
        return "status-regression"
    threshold = SEVERITY_RANK.get(block_on, 2)
    new_set = set(regression.new)
    blocking_new = [
        f for f in findings if f.fingerprint in new_set and SEVERITY_RANK[f.severity] >= threshold
    ]
    if blocking_new:
        return f"new-findings: {len(blocking_new)}"
    if regression.new_failing:
        return f"new-failing-tests: {len(regression.new_failing)}"
    if regression.unattributed_new:
        return f"unattributed: {regression.unattributed_new}"
    return None


def save_baseline(
    repo: str = ".", *, key: str | None = None, reuse: bool = True, **run_options: Any
) -> GateResult:
    """Run the ``baseline`` variant and store it (the library form of ``gate baseline save``)."""
    from sessionkit.gates.engine import run_gates

    del reuse  # reuse validity needs tool versions measured by a run; always re-measure
    return run_gates("baseline", repo, baseline_key=key, save_baseline=True, **run_options)


@gate_environment_errors
def load_baseline(repo: str = ".", *, key: str | None = None) -> dict[str, Any] | None:
    """The stored baseline document for ``key`` (default: the current branch), or None."""
    import os as _os

    root = git.get_root(repo)
    doc, _warning = load_ref(root, ref_for(key or current_key(root, _os.environ)))
    return doc


@gate_environment_errors
def clear_baseline(repo: str = ".", *, key: str | None = None, all_keys: bool = False) -> list[str]:
    """Delete the baseline ref of ``key`` (or every baseline ref); returns the refs deleted."""
    import os as _os

    root = git.get_root(repo)
    refs = list_refs(root) if all_keys else [ref_for(key or current_key(root, _os.environ))]
    return clear(root, refs)


def parse_time(stamp: str) -> float | None:
    import calendar

    try:
        parsed = time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return float(calendar.timegm(parsed))


def reuse_reasons(
    root: str,
    document: Mapping[str, Any],
    *,
    command_hashes: Mapping[str, str],
    lockfiles: Sequence[str] | None,
    max_age_hours: float,
    now: float | None = None,
    tool_versions: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Why a stored baseline cannot stand in for a new measurement (empty: reuse it), §7.3.

    ``tool_versions``: per check, the versions its tools have now; ``None`` probes them
    (``engine.baseline_tool_versions``: ``--version`` of each identified tool, not a run).
    A version that is unknown on either side counts as equal.
    """
    reasons: list[str] = []
    head = git.run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=root, check=False)
    if document.get("commit") != head.stdout.decode().strip():
        reasons.append("stale-commit")
    if worktree_hash(root) != document.get("worktree_hash"):
        reasons.append("dirty-tree")
    if lockfile_state(root, lockfiles)[0] != document.get("lockfile_hash"):
        reasons.append("dependencies-changed")
    stored = document.get("checks") or {}
    if set(stored) != set(command_hashes) or any(
        stored[name].get("command_hash") != digest
        for name, digest in command_hashes.items()
        if name in stored
    ):
        reasons.append("command-changed")
    if tool_versions is None:
        from sessionkit.gates.engine import baseline_tool_versions

        tool_versions = baseline_tool_versions(root, checks=list(command_hashes))
    for name, versions in tool_versions.items():
        recorded = (stored.get(name) or {}).get("tool_versions") or {}
        if any(
            recorded.get(tool) not in (None, "unknown", version)
            for tool, version in versions.items()
            if version != "unknown"
        ):
            reasons.append("tool-version-changed")
            break
    saved = parse_time(str(document.get("saved_at", "")))
    current = time.time() if now is None else now
    if saved is None or current - saved > max_age_hours * 3600:
        reasons.append("expired")
    return reasons
