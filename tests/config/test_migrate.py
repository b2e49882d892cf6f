"""``config migrate``: canonical style, and each guarantee of config.md §11.5."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sessionkit.config import load_config_text
from sessionkit.config.migrate import MigrationRefused, migrate_file, migrate_text

PREFIX = "# Project\n\nIntro text.\n\n## Session Config\n"
SUFFIX = "\n## Other\n\n- waves: 99 (not config)\n"


def doc(body: str) -> str:
    return PREFIX + body + SUFFIX


def section_of(text: str) -> str:
    start = text.index("## Session Config\n") + len("## Session Config\n")
    return text[start : text.index("\n## Other")]


def same_meaning(a: str, b: str) -> bool:
    before, after = load_config_text(a), load_config_text(b)
    return before.to_json() == after.to_json() and set(before.report.provenance) == set(
        after.report.provenance
    )


def test_bold_and_plain_bullets_become_plain_yaml_in_one_fence() -> None:
    text = doc("\n- **agents-per-wave:** 6 (deep: 18)\n- **waves:** 5\n- recent-commits: 9\n")
    result = migrate_text(text)
    assert section_of(result.text) == (
        "\n```yaml\nagents-per-wave: {default: 6, deep: 18}\nwaves: 5\nrecent-commits: 9\n```\n"
    )
    assert result.text.startswith(PREFIX) and result.text.endswith(SUFFIX)
    assert same_meaning(text, result.text)


def test_keep_override_syntax() -> None:
    text = doc("\n- **agents-per-wave:** 6 (deep: 18)\n")
    result = migrate_text(text, keep_override_syntax=True)
    assert "agents-per-wave: 6 (deep: 18)\n" in result.text
    assert same_meaning(text, result.text)


def test_comments_headings_and_prose_are_kept_as_comments() -> None:
    text = doc(
        "\nSettings for the agents.\n\n"
        "waves: 4 <!-- four -->\n"
        "### VCS\n"
        "vcs: github\n"
        "Between the keys, prose.\n"
        "recent-commits: 9  # nine\n"
        "\nTrailing prose.\n"
    )
    result = migrate_text(text)
    assert section_of(result.text) == (
        "\nSettings for the agents.\n\n"
        "```yaml\n"
        "waves: 4\n"
        "# ### VCS\n"
        "vcs: github\n"
        "# Between the keys, prose.\n"
        "recent-commits: 9  # nine\n"
        "```\n"
        "\nTrailing prose.\n"
    )
    assert same_meaning(text, result.text)


def test_a_comment_on_a_block_header_moves_above_it() -> None:
    text = doc("\nvault-integration:  # my vault\n  enabled: true\n")
    result = migrate_text(text)
    assert "# my vault\nvault-integration:\n  enabled: true\n" in result.text
    assert load_config_text(result.text).to_json()["vault-integration"]["enabled"] is True


def test_tabs_and_nested_blocks_are_rewritten_with_two_spaces() -> None:
    text = doc("\ncold-start:\n\tenabled: false\n\tnudge-after-hours: 3\n")
    result = migrate_text(text)
    assert "```yaml\ncold-start:\n  enabled: false\n  nudge-after-hours: 3\n```" in result.text
    assert same_meaning(text, result.text)


def test_unknown_keys_and_invalid_values_are_kept_verbatim() -> None:
    text = doc("\n- **wavez:** 4\n- **waves:** many\n- persistence: false\n")
    result = migrate_text(text)
    assert section_of(result.text) == (
        "\n```yaml\nwavez: 4\nwaves: many\npersistence: false\n```\n"
    )
    assert same_meaning(text, result.text)


def test_aliases_stay_unless_canonical_keys_is_asked_for() -> None:
    text = doc("\nlearning-decay-rate: 0.1\nwaves: 4\n")
    assert "learning-decay-rate: 0.1" in migrate_text(text).text
    renamed = migrate_text(text, canonical_keys=True)
    assert "learnings.decay-rate: 0.1\n" in renamed.text
    assert "learning-decay-rate" not in renamed.text
    assert renamed.renamed_keys == [("learning-decay-rate", "learnings.decay-rate")]
    assert same_meaning(text, renamed.text)


def test_the_deprecated_alias_is_always_renamed() -> None:
    text = doc("\npersona-reviewers:\n  enabled: true\n  reviewers: [security]\n")
    result = migrate_text(text)
    assert "wave-reviewers:\n  enabled: true\n  reviewers: [security]\n" in result.text
    assert "persona-reviewers" not in section_of(result.text)
    assert same_meaning(text, result.text)


def test_bytes_outside_the_body_are_identical_with_crlf_and_bom(tmp_path: Path) -> None:
    text = doc("\n- **waves:** 4\n- recent-commits: 9\n").replace("\n", "\r\n")
    path = tmp_path / "CLAUDE.md"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    os.chmod(path, 0o640)
    result = migrate_file(str(path), filename="CLAUDE.md", write=True)
    data = path.read_bytes()
    assert result.written
    assert data.startswith(b"\xef\xbb\xbf" + PREFIX.replace("\n", "\r\n").encode())
    assert data.endswith(SUFFIX.replace("\n", "\r\n").encode())
    assert b"```yaml\r\nwaves: 4\r\nrecent-commits: 9\r\n```\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_symlinked_host_file_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "AGENTS.md"
    target.write_text(doc("\n- **waves:** 4\n"))
    link = tmp_path / "CLAUDE.md"
    link.symlink_to(target.name)
    migrate_file(str(link), filename="CLAUDE.md", write=True)
    assert link.is_symlink()
    assert "```yaml\nwaves: 4\n```" in target.read_text()


def test_migration_is_idempotent() -> None:
    text = doc(
        "\nIntro prose.\n\n- **waves:** 4\n<!-- note -->\n### Blocks\n"
        "vault-integration:  # vault\n    enabled: true\n- discovery-probes: code, arch\n"
    )
    once = migrate_text(text).text
    twice = migrate_text(once)
    assert not twice.changed
    assert same_meaning(text, once)


def test_an_already_canonical_file_does_not_change() -> None:
    text = doc("\n```yaml\nwaves: 4\nhooks:\n  fail-mode: closed\n```\n")
    assert not migrate_text(text).changed


def test_refuses_a_section_with_a_syntax_error() -> None:
    with pytest.raises(MigrationRefused) as refused:
        migrate_text(doc("\nwaves: [4\n"))
    assert [d.rule for d in refused.value.diagnostics] == ["config.yaml-syntax"]


def test_no_section_is_nothing_to_migrate() -> None:
    text = "# Project\n\nNothing here.\n"
    result = migrate_text(text)
    assert not result.changed


def test_a_fenced_bash_block_between_keys_is_commented() -> None:
    text = doc("\nwaves: 4\n```bash\nmake test\n```\nvcs: github\n")
    result = migrate_text(text)
    assert section_of(result.text) == (
        "\n```yaml\nwaves: 4\n# ```bash\n# make test\n# ```\nvcs: github\n```\n"
    )
    assert same_meaning(text, result.text)


def test_verbatim_entries_are_reindented_to_two_spaces() -> None:
    text = doc("\nvault-integration:  # v\n    enabled: true   # on\n    vault-dir: ~/v\n")
    result = migrate_text(text)
    assert section_of(result.text) == (
        "\n```yaml\n# v\nvault-integration:\n  enabled: true   # on\n  vault-dir: ~/v\n```\n"
    )
    assert same_meaning(text, result.text)


def test_records_are_kept_as_written_without_filling_in_defaults() -> None:
    text = doc("\ncustom-phases:\n    - name: docs\n      command: make docs\n")
    result = migrate_text(text)
    assert section_of(result.text) == (
        "\n```yaml\ncustom-phases:\n  - name: docs\n    command: make docs\n```\n"
    )
    assert same_meaning(text, result.text)


def test_refuses_a_section_with_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "CLAUDE.md"
    original = PREFIX.encode() + b"\nspecial: caf\xe9\nwaves: 4\n" + SUFFIX.encode()
    path.write_bytes(original)
    with pytest.raises(MigrationRefused) as refused:
        migrate_file(str(path), filename="CLAUDE.md", write=True)
    assert [d.rule for d in refused.value.diagnostics] == ["config.encoding"]
    assert path.read_bytes() == original


def test_invalid_utf8_outside_the_section_survives_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "CLAUDE.md"
    original = b"# Caf\xe9\n\n## Session Config\n\n- **waves:** 4\n\n## Other\n\nna\xefve\n"
    path.write_bytes(original)
    result = migrate_file(str(path), filename="CLAUDE.md", write=True)
    assert result.written
    assert path.read_bytes() == (
        b"# Caf\xe9\n\n## Session Config\n\n```yaml\nwaves: 4\n```\n\n## Other\n\nna\xefve\n"
    )
