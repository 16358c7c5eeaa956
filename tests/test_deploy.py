"""deploy/speechbot.service: systemd accepts it, and it says what docs/deploy.md promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.waiting import PATIENCE

UNIT = ROOT / "deploy" / "speechbot.service"
INSTALLED = "/opt/speechbot/bin/speechbot"


def settings_of(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_the_unit_runs_the_bot_as_its_own_user_with_its_folders_and_restarts() -> None:
    unit = settings_of(UNIT.read_text(encoding="utf-8"))
    assert unit["ExecStart"] == [f"{INSTALLED} run --watch"]
    assert unit["User"] == ["speechbot"] and unit["EnvironmentFile"][0].startswith("/etc/")
    assert unit["Restart"] == ["on-failure"] and unit["RestartPreventExitStatus"] == ["2"]
    environment = dict(e.split("=", 1) for e in unit["Environment"])
    assert environment["SPEECHBOT_DATA_DIR"] == "/var/lib/" + unit["StateDirectory"][0]
    assert environment["SPEECHBOT_CACHE_DIR"] == "/var/cache/" + unit["CacheDirectory"][0]
    assert environment["SPEECHBOT_CORPUS"] in unit["ReadWritePaths"]
    assert float(unit["TimeoutStopSec"][0]) > 6  # the bot is gone within 6 s of SIGTERM


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed here")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    # verify checks that the command exists: point it at this environment's speechbot
    speechbot = Path(sys.executable).with_name("speechbot")
    assert speechbot.exists()
    unit = tmp_path / "speechbot.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(speechbot)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=PATIENCE
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
