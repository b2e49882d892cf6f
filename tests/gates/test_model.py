from __future__ import annotations

from sessionkit.gates.model import ResolvedCommand


def _command(argv: tuple[str, ...], text: str, mode: str = "argv") -> ResolvedCommand:
    return ResolvedCommand(
        source="auto",
        source_ref="auto:python/ruff",
        text=text,
        argv=argv,
        mode=mode,  # type: ignore[arg-type]
        cwd=".",
        timeout_s=900.0,
    )


def test_an_absolute_executable_is_recorded_by_name() -> None:
    record = _command(("/opt/venv/bin/ruff", "check", "."), "/opt/venv/bin/ruff check .").to_dict()
    assert record["argv"] == ["ruff", "check", "."]
    assert record["text"] == "ruff check ."
    assert ResolvedCommand.from_dict(record).argv == ("ruff", "check", ".")


def test_relative_executables_and_shell_commands_are_kept() -> None:
    assert _command((".venv/bin/ruff", "check"), ".venv/bin/ruff check").to_dict()["argv"] == [
        ".venv/bin/ruff",
        "check",
    ]
    shell = _command(("/bin/sh", "-c", "ruff check | tee x"), "ruff check | tee x", "shell")
    assert shell.to_dict()["argv"] == ["/bin/sh", "-c", "ruff check | tee x"]
