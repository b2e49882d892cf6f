import pytest

from pkg.mod import add, double


def test_double() -> None:
    assert double(2) == 4


def test_add_fails() -> None:
    assert add(1, 1) == 3


@pytest.mark.skip(reason="not yet")
def test_skipped() -> None:
    assert False


@pytest.mark.xfail(reason="known bug")
def test_xfail() -> None:
    assert double(1) == 3


@pytest.mark.parametrize("value", [1, 2])
def test_param(value: int) -> None:
    assert double(value) == value * 2 or value == 2


class TestK:
    def test_method_fails(self) -> None:
        assert add(2, 2) == 5

    def test_method_passes(self) -> None:
        assert add(2, 2) == 4
