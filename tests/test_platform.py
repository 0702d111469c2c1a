"""Where it runs (issue 18): Linux; elsewhere the commands that run trials stop with
one line and exit code 8 instead of recording every trial as crashed."""

from __future__ import annotations

import configparser
import sys

import pytest

from automl_cli._errors import PlatformError
from automl_cli._platform import check_platform
from conftest import ROOT


def test_linux_passes():
    assert sys.platform.startswith("linux")
    check_platform()


@pytest.mark.parametrize("platform", ["darwin", "win32", "freebsd14"])
def test_other_platforms_are_refused(monkeypatch, platform):
    monkeypatch.setattr(sys, "platform", platform)
    with pytest.raises(PlatformError, match=f"only Linux offers \\(this is {platform}\\)"):
        check_platform("automl fit")
    assert PlatformError.exit_code == 8


@pytest.mark.parametrize("args", [["fit", "{csv}", "--max-trials", "1", "-o", "{out}"],
                                  ["metabase", "build", "--shared", "{dir}", "--no-store"]])
def test_commands_that_run_trials_stop_with_one_line(run, monkeypatch, binary_csv, tmp_path,
                                                     args):
    args = [a.format(csv=binary_csv, out=tmp_path / "m", dir=tmp_path) for a in args]
    monkeypatch.setattr(sys, "platform", "darwin")
    res = run(*args)
    assert res.exit_code == 8
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: automl ") and "Linux" in lines[0]
    assert not (tmp_path / "m").exists()


def test_setup_cfg_states_the_platform():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    classifiers = cfg["metadata"]["classifiers"].split("\n")
    assert "Operating System :: POSIX :: Linux" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "skops>=0.10" in cfg["options"]["install_requires"]
