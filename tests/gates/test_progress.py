"""Progress on stderr: plain lines with a heartbeat when not on a terminal."""

from __future__ import annotations

import io
import time

from sessionkit.gates.engine import ProgressEvent
from sessionkit.gates.progress import Progress


def test_plain_progress_with_heartbeat() -> None:
    stream = io.StringIO()
    progress = Progress(stream, heartbeat_s=0.2)
    assert not progress.live
    progress(ProgressEvent("started", 2, 3, "typecheck", "mypy src"))
    time.sleep(0.5)
    progress(ProgressEvent("finished", 2, 3, "typecheck", "mypy src", "fail", 4.8))
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[2/3] typecheck: started (mypy src)"
    assert any(line.startswith("[2/3] typecheck: still running (0m00s)") for line in lines[1:-1])
    assert lines[-1] == "[2/3] typecheck: fail in 4.8s"
