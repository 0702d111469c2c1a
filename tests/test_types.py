import click
import pytest

from automl_cli._types import BYTE_SIZE, DURATION


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("10m", 600), ("1.5m", 90),
                                           ("1h", 3600), ("250ms", 0.25), (" 2 min ", 120)])
def test_duration(text, seconds):
    assert DURATION.convert(text, None, None) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "ten", "5 days", "0", "-1"])
def test_bad_duration(text):
    with pytest.raises(click.BadParameter):
        DURATION.convert(text, None, None)


@pytest.mark.parametrize("text, size", [("4G", 4 * 2**30), ("512M", 512 * 2**20),
                                        ("2GiB", 2 * 2**30), ("1T", 2**40)])
def test_byte_size(text, size):
    assert BYTE_SIZE.convert(text, None, None) == size


@pytest.mark.parametrize("text", ["4X", "lots", "1K"])
def test_bad_byte_size(text):
    with pytest.raises(click.BadParameter):
        BYTE_SIZE.convert(text, None, None)
