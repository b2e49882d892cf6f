"""Adapters: payload shapes -> HookEvent fields (§5.2-§5.5), and apply_patch parsing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sessionkit.agents import claude, codex, cursor
from sessionkit.agents.patch import apply_hunks, parse_patch


def test_claude_shapes(tmp_path: Path) -> None:
    base = {
        "session_id": "s",
        "cwd": str(tmp_path),
        "tool_use_id": "t",
        "agent_id": "a",
        "agent_type": "x",
    }
    bash = claude.parse(
        {**base, "tool_name": "Bash", "tool_input": {"command": "ls"}}, "pre-tool-use"
    )
    assert (bash.tool_kind, bash.command, bash.cwd, bash.session_id) == (
        "shell",
        "ls",
        str(tmp_path),
        "s",
    )
    assert (bash.agent_id, bash.agent_type, bash.tool_use_id, bash.phase) == ("a", "x", "t", "pre")
    multi = claude.parse(
        {
            **base,
            "tool_name": "MultiEdit",
            "tool_input": {
                "file_path": "f",
                "edits": [{"old_string": "a", "new_string": "b", "replace_all": True}],
            },
        },
        "pre-tool-use",
    )
    assert multi.tool_kind == "edit"
    assert [(c.path, c.op, c.edits) for c in multi.changes] == [("f", "write", [("a", "b", True)])]
    write = claude.parse(
        {**base, "tool_name": "Write", "tool_input": {"file_path": "n", "content": "c"}},
        "pre-tool-use",
    )
    assert write.changes[0].content == "c"
    note = claude.parse(
        {**base, "tool_name": "NotebookEdit", "tool_input": {"notebook_path": "nb.ipynb"}},
        "pre-tool-use",
    )
    assert note.changes[0].path == "nb.ipynb"
    broken = claude.parse({**base, "tool_name": "Edit", "tool_input": {}}, "pre-tool-use")
    assert broken.changes == [] and broken.notes
    for name, kind in (
        ("Read", "read"),
        ("Task", "agent"),
        ("mcp__x__y", "mcp"),
        ("Zap", "other"),
        ("exec_command", "shell"),
        ("myterminal", "other"),
    ):
        assert (
            claude.parse({**base, "tool_name": name, "tool_input": {}}, "pre-tool-use").tool_kind
            == kind
        )
    relative = claude.parse(
        {"cwd": "sub", "tool_name": "Bash", "tool_input": {"command": "ls"}}, "pre-tool-use"
    )
    assert relative.cwd == os.path.join(os.getcwd(), "sub")


def test_codex_shapes(tmp_path: Path) -> None:
    argv = codex.parse(
        {"cwd": str(tmp_path), "tool_name": "Bash", "tool_input": {"command": ["echo", "a b"]}},
        "pre-tool-use",
    )
    assert argv.command == "echo 'a b'"
    patch = codex.parse(
        {
            "cwd": str(tmp_path),
            "tool_name": "apply_patch",
            "tool_input": {"input": "*** Add File: a\n+x\n"},
        },
        "pre-tool-use",
    )
    assert [(c.path, c.content) for c in patch.changes] == [("a", "x\n")]
    heredoc = codex.parse(
        {
            "cwd": str(tmp_path),
            "tool_name": "shell",
            "tool_input": {
                "command": [
                    "bash",
                    "-lc",
                    "apply_patch <<'EOF'\n*** Begin Patch\n*** Delete File: d\n*** End Patch\nEOF\n",
                ]
            },
        },
        "pre-tool-use",
    )
    assert [(c.path, c.op) for c in heredoc.changes] == [("d", "delete")]
    assert codex.parse({"tool_name": "spawn_agent"}, "pre-tool-use").tool_kind == "agent"


def test_cursor_shapes(tmp_path: Path) -> None:
    common = {"conversation_id": "c", "generation_id": "g", "workspace_roots": [str(tmp_path)]}
    shell = cursor.parse({**common, "command": "ls", "cwd": "/"}, "before-shell-execution")
    assert (shell.tool_kind, shell.command, shell.cwd, shell.session_id, shell.tool_use_id) == (
        "shell",
        "ls",
        "/",
        "c",
        "g",
    )
    tool = cursor.parse(
        {
            **common,
            "tool_name": "Shell",
            "tool_input": {"command": "ls", "working_directory": str(tmp_path / "w")},
        },
        "pre-tool-use",
    )
    assert tool.cwd == str(tmp_path / "w")
    for key in ("file_path", "path", "target_file", "filePath", "notebook_path"):
        edit = cursor.parse(
            {
                **common,
                "tool_name": "StrReplace",
                "tool_input": {key: "p", "old_string": "a", "new_string": "b"},
            },
            "pre-tool-use",
        )
        assert [(c.path, c.edits) for c in edit.changes] == [("p", [("a", "b", False)])]
        assert edit.cwd == str(tmp_path)
    delete = cursor.parse(
        {**common, "tool_name": "delete", "tool_input": {"path": "p"}}, "pre-tool-use"
    )
    assert delete.changes[0].op == "delete"
    after = cursor.parse(
        {**common, "file_path": "f", "edits": [{"old_string": "a", "new_string": "b"}]},
        "after-file-edit",
    )
    assert (after.phase, after.tool_kind, after.changes[0].path) == ("post", "edit", "f")
    assert cursor.parse({**common, "tool_name": "MCP:x"}, "pre-tool-use").tool_kind == "mcp"


def test_patch_headers_move_crlf_and_notes() -> None:
    text = (
        "*** Begin Patch\r\n*** Add File: a.txt\r\n+one\r\n+two\r\n*** Update File: b.py\r\n"
        "*** Move to: c.py\r\n@@\r\n-x\r\n+y\r\n*** Delete File: d\r\n*** End Patch\r\n"
    )
    changes, notes = parse_patch(text)
    assert [(c.path, c.op, c.dest) for c in changes] == [
        ("a.txt", "write", None),
        ("b.py", "move", "c.py"),
        ("d", "delete", None),
    ]
    assert changes[0].content == "one\ntwo\n"
    assert changes[1].hunks == [(None, ["x"], ["y"])]
    assert notes == []
    # Lines before any header and an empty path are unresolved parts (path ""), not notes;
    # text after the End marker (a here-document's terminator) is not part of the patch.
    changes, notes = parse_patch("+stray\n-more\n*** Add File:   \n+x\n*** End Patch\nEOF\n")
    assert [(c.path, c.op) for c in changes] == [("", "write"), ("", "write")]
    assert notes == []
    changes, notes = parse_patch("*** Begin Patch\n*** Delete File:\n*** End Patch\n")
    assert ([(c.path, c.op) for c in changes], notes) == ([("", "delete")], [])


PYPROJECT = (
    "[tool.coverage.report]\nfail_under = 90\nshow_missing = true\n\n[tool.mypy]\nstrict = true\n"
)


@pytest.mark.parametrize(
    ("patch_body", "expected"),
    [
        # one hunk, no context
        ("@@\n-fail_under = 90\n+fail_under = 10\n", PYPROJECT.replace("90", "10")),
        # anchor and context; the second hunk is searched after the first one's end
        (
            "@@ [tool.coverage.report]\n fail_under = 90\n-show_missing = true\n"
            "@@\n [tool.mypy]\n-strict = true\n+strict = false\n+x = 1\n",
            "[tool.coverage.report]\nfail_under = 90\n\n[tool.mypy]\nstrict = false\nx = 1\n",
        ),
        # trailing whitespace in the file is ignored when the exact block is not found
        ("@@\n-fail_under = 90   \n+fail_under = 1\n", PYPROJECT.replace("90", "1")),
        # only additions: at the end of the file, or after the anchor
        ("@@\n+[tool.x]\n", PYPROJECT + "[tool.x]\n"),
        (
            "@@ [tool.mypy]\n+warn_unused = false\n",
            PYPROJECT.replace("[tool.mypy]\n", "[tool.mypy]\nwarn_unused = false\n"),
        ),
        # an empty line inside a hunk is an empty context line
        (
            "@@\n show_missing = true\n\n-[tool.mypy]\n+[tool.pyright]\n",
            PYPROJECT.replace("mypy", "pyright"),
        ),
        # old lines that are not in the file: the hunk does not apply
        ("@@\n-fail_under = 95\n+fail_under = 10\n", None),
        # hunks apply in order: a block before the previous hunk's end is not found again
        ("@@\n-strict = true\n+strict = false\n@@\n-fail_under = 90\n+x\n", None),
    ],
)
def test_apply_patch_hunks(patch_body: str, expected: str | None) -> None:
    text = f"*** Begin Patch\n*** Update File: pyproject.toml\n{patch_body}*** End Patch\n"
    (change,), notes = parse_patch(text)
    assert notes == []
    assert apply_hunks(PYPROJECT, change.hunks) == expected


def test_apply_hunks_without_final_newline_and_end_of_file_marker() -> None:
    (change,), _ = parse_patch("*** Update File: a\n@@\n-b\n+c\n*** End of File")
    assert apply_hunks("a\nb", change.hunks) == "a\nc"
