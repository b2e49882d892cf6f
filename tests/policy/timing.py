"""CPU time of one guard check, for the bounded-time tests (guard.md §4.5, §16.4).

The collector is paused while timing: a full collection of the test process's own heap
(thousands of earlier tests) is not work of the guard (the agent hook runs with gc off).
"""

from __future__ import annotations

import gc
import time

from sessionkit.policy import check_command
from sessionkit.policy.decision import Decision


def timed_check(command: str, cwd: str) -> tuple[Decision, float]:
    """``check_command(command, cwd=cwd)`` and the CPU seconds it took."""
    gc.disable()
    try:
        start = time.process_time()
        decision = check_command(command, cwd=cwd)
        elapsed = time.process_time() - start
    finally:
        gc.enable()
    return decision, elapsed
