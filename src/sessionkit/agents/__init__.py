"""Agent hooks: the ``sessionkit-hook`` front end for Claude Code, Codex CLI and Cursor.

This package runs before the entry point can catch anything, so it imports nothing (§3.1).
``_bootstrap.main`` is the console script; ``dispatcher.run_payload`` decides a payload in
process (``sessionkit hook selftest``).
"""
