#!/usr/bin/env python3
"""A fake gate tool driven by a JSON spec (``FAKE_SPEC`` env var or ``<argv0>.json``).

Keys: ``stdout``/``stderr`` (text; written in that order unless ``interleave``), ``exit``,
``sleep`` (seconds before exiting), ``ignore_term``, ``grandchild_sleep`` (spawn a sleeping
grandchild; ``grandchild_holds_pipes`` keeps stdout/stderr open in it), ``pidfile`` (append the
pids of this process and the grandchild), ``report`` ({path, text, mtime_offset}),
``mib`` (write N MiB of filler to stdout), ``modify`` ({path, text}: rewrite a file),
``record_env`` (path: dump the environment as JSON), ``record_argv`` (path).
"""

import json
import os
import signal
import subprocess
import sys
import time


def load_spec():
    path = os.environ.get("FAKE_SPEC") or sys.argv[0] + ".json"
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    spec = load_spec()
    if spec.get("record_env"):
        with open(spec["record_env"], "w", encoding="utf-8") as f:
            json.dump(dict(os.environ), f)
    if spec.get("record_argv"):
        with open(spec["record_argv"], "w", encoding="utf-8") as f:
            json.dump(sys.argv[1:], f)
    if spec.get("ignore_term"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pids = [os.getpid()]
    if spec.get("grandchild_sleep"):
        holds = spec.get("grandchild_holds_pipes", False)
        child = subprocess.Popen(
            [sys.executable, "-c", f"import time; time.sleep({spec['grandchild_sleep']})"],
            stdout=None if holds else subprocess.DEVNULL,
            stderr=None if holds else subprocess.DEVNULL,
        )
        pids.append(child.pid)
    if spec.get("pidfile"):
        with open(spec["pidfile"], "a", encoding="utf-8") as f:
            f.write(" ".join(str(p) for p in pids) + "\n")
    if spec.get("report"):
        report = spec["report"]
        with open(report["path"], "w", encoding="utf-8") as f:
            f.write(report["text"])
        if report.get("mtime_offset"):
            stamp = time.time() + report["mtime_offset"]
            os.utime(report["path"], (stamp, stamp))
    if spec.get("modify"):
        with open(spec["modify"]["path"], "w", encoding="utf-8") as f:
            f.write(spec["modify"]["text"])
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    if spec.get("mib"):
        line = b"x" * 1023 + b"\n"
        chunk = line * 1024
        for _ in range(int(spec["mib"])):
            out.write(chunk)
    if "stdout_b64" in spec:
        import base64

        out.write(base64.b64decode(spec["stdout_b64"]))
    out.write(spec.get("stdout", "").encode("utf-8"))
    out.flush()
    err.write(spec.get("stderr", "").encode("utf-8"))
    err.flush()
    if spec.get("sleep"):
        time.sleep(spec["sleep"])
    sys.exit(spec.get("exit", 0))


if __name__ == "__main__":
    main()
