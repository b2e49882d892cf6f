"""Normalisation (spec §6.2) with Hypothesis: idempotent, and no ESC survives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sessionkit.gates.parsers.ansi import normalise, strip_ansi

ansi_pieces = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b[0m",
        "\x1b[2K",
        "\x1b[1;32;40m",
        "\x1b]8;;http://x\x07",
        "\x1b]8;;\x1b\\",
        "\x1bM",
        "\x1b",
        "\r",
        "\r\n",
        "\x9b1m",
    ]
)
texts = st.lists(st.one_of(st.text(max_size=10), ansi_pieces), max_size=30).map("".join)


@given(texts)
def test_normalise_is_idempotent_and_removes_every_escape(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert "\x1b" not in once
    assert "\r" not in once


def test_known_sequences() -> None:
    assert strip_ansi("\x1b[1m\x1b[31mFAIL\x1b[0m") == "FAIL"
    assert normalise("\x1b]8;;https://x.test\x07link\x1b]8;;\x07") == "link"
    assert normalise("progress 10%\rprogress 50%\rdone\n") == "done\n"
    assert normalise("a\r\nb\r\n") == "a\nb\n"
    assert normalise(b"bad \xff byte") == "bad \ufffd byte"


@given(
    st.binary(max_size=60)
    | st.lists(
        st.sampled_from([b"a", b"\t", b"\n", b"\x00", b"\x07", b"\x1f", b"\x7f", b"\x0b", b"1"]),
        max_size=40,
    ).map(b"".join)
)
def test_bytes_fast_path_equals_decoding_first(data: bytes) -> None:
    """ASCII bytes without CR or ESC take a one-pass path; it must equal the general one."""
    assert normalise(data) == normalise(data.decode("utf-8", "replace"))
