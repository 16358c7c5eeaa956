"""A plain (non-editable) install answers from the bundled speech in any working directory.

The package is built from a copy of the source into a wheel and installed into a fresh venv,
offline: no build isolation, no dependencies fetched (the venv reuses those of the test's own
environment through a .pth line, which adds their folder to sys.path without running the
editable install's hooks). The question is then asked from an unrelated folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import bot
from tests.support.paths import ROOT

QUESTION = "人大代表需要学习哪些知识？"


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPEECHBOT_", "PYTHON", "VIRTUAL_ENV", "TELEGRAM_"))
    }
    env["SPEECHBOT_CACHE_DIR"] = str(tmp_path / "cache")
    env["SPEECHBOT_DATA_DIR"] = str(tmp_path / "data")
    env["PIP_NO_INDEX"] = "1"  # offline: nothing may be fetched
    return env


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_answers_from_another_folder(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "bot", source / "bot", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "seeds", source / "seeds", ignore=ignore)
    env = _clean_env(tmp_path)

    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q"]
        + ["-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("speechbot-*.whl")

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "reuse-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    speechbot = target / "bin" / "speechbot"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), capture_output=True, text=True, env=env, cwd=elsewhere, timeout=300
        )

    where = run(
        str(python),
        "-c",
        "import bot, bot.settings as s; print(bot.__file__); print(s.DEFAULT_CORPUS)",
    )
    module, corpus = where.stdout.split()
    assert Path(module).is_relative_to(target), module  # the installed copy, not the checkout
    assert Path(corpus).is_relative_to(target) and Path(corpus).name == "seeds"
    assert not (Path(corpus)).is_symlink() and any(Path(corpus).glob("*.txt"))

    asked = run(str(speechbot), "ask", QUESTION, "--json")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["found"] and "宪法法律知识" in data["results"][0]["text"]

    for command in ([str(speechbot)], [str(python), "-m", "bot"]):
        version = run(*command, "--version")
        assert version.returncode == 0 and version.stdout.strip() == f"speechbot {bot.__version__}"
    module_ask = run(str(python), "-m", "bot", "ask", QUESTION)
    assert module_ask.returncode == 0 and "宪法法律知识" in module_ask.stdout
