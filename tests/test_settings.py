"""One validated Settings object: every variable of .env.example is read and checked at start; a bad
value is one line naming the variable, the value and what is expected, and exit status 2, for
every command that reads settings, without a traceback. The token itself is never printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.frontends.cli import main
from bot.settings import DEFAULT_CORPUS, Settings, SettingsError
from tests.support.paths import ROOT
from tests.support.waiting import PATIENCE

QUESTION = "人大代表需要学习哪些知识？"

# variable, bad value, a piece of what is expected
BAD_VALUES = [
    ("GROUP_COOLDOWN_SECONDS", "3s", "秒数"),
    ("GROUP_COOLDOWN_SECONDS", "-1", "秒数"),
    ("GROUP_COOLDOWN_SECONDS", "nan", "秒数"),
    ("OWNER_IDS", "@boss", "不是 @用户名"),
    ("OWNER_IDS", "123,-5", "用户 id"),
    ("ALLOWED_CHAT_IDS", "学习小组", "聊天 id"),
    ("TELEGRAM_API_BASE_URL", "127.0.0.1:8081/bot", "网址"),
    ("TELEGRAM_API_FILE_URL", "ftp://files.example.org/", "网址"),
    ("TELEGRAM_WEBHOOK_URL", "bot.example.org/hook", "网址"),
    ("TELEGRAM_WEBHOOK_LISTEN", "not a host!", "IP 地址"),
    ("TELEGRAM_WEBHOOK_PORT", "84431", "端口"),
    ("TELEGRAM_WEBHOOK_PORT", "http", "端口"),
    ("TELEGRAM_WEBHOOK_SECRET", "has spaces", "secret token"),
    ("RECORD_QUESTIONS", "maybe", "0 或 1"),
    ("QUESTION_RETENTION_DAYS", "90d", "天数"),
    ("QUESTION_RETENTION_DAYS", "-1", "天数"),
    ("FOLLOW_SYMLINKS", "2", "0 或 1"),
    ("SPEECHBOT_PROGRESS", "yes please", "0 或 1"),
    ("LOG_LEVEL", "LOUD", "DEBUG"),
]


@pytest.fixture
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No .env from the project folder: the environment alone."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES)
def test_a_bad_value_is_one_line_naming_it_and_exit_2(
    capsys,
    monkeypatch: pytest.MonkeyPatch,
    in_empty_folder: Path,
    name: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(name, value)
    code = main(["ask", QUESTION])
    out, err = capsys.readouterr()
    line = one_line(err)
    assert code == 2 and out == ""
    assert name in line and f"“{value}”" in line and expected in line


@pytest.mark.parametrize(
    "command", [["ask", QUESTION], ["docs"], ["questions"], ["run"], ["eval", "x.jsonl"]]
)
def test_every_command_that_reads_settings_refuses_a_bad_one(
    capsys, monkeypatch: pytest.MonkeyPatch, in_empty_folder: Path, command: list[str]
) -> None:
    monkeypatch.setenv("GROUP_COOLDOWN_SECONDS", "3s")
    code = main(command)
    line = one_line(capsys.readouterr().err)
    assert code == 2 and "GROUP_COOLDOWN_SECONDS" in line and "3s" in line


@pytest.mark.parametrize("token", ["notatoken-AAEabcdefghijklmnopqrstuvwxyz0123", "123456:AA bc"])
def test_a_malformed_token_is_named_but_never_printed(
    capsys, monkeypatch: pytest.MonkeyPatch, in_empty_folder: Path, token: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    code = main(["ask", QUESTION])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in line and "@BotFather" in line
    secret = token.partition(":")[2] or token
    assert token not in line and secret not in line and secret[:6] not in line


@pytest.mark.parametrize("name", ["SPEECHBOT_CACHE_DIR", "SPEECHBOT_DATA_DIR"])
def test_a_folder_setting_that_is_a_file_is_refused(
    capsys, monkeypatch: pytest.MonkeyPatch, in_empty_folder: Path, name: str
) -> None:
    file = in_empty_folder / "a-file"
    file.write_text("x")
    monkeypatch.setenv(name, str(file))
    code = main(["ask", QUESTION])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and name in line and str(file) in line and "文件夹" in line


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--webhook-url", "bot.example.org/hook"),
        ("--port", "0"),
        ("--secret-token", "a b"),
        ("--listen", "::not"),
    ],
)
def test_webhook_flags_are_checked_like_their_variables(
    capsys, monkeypatch: pytest.MonkeyPatch, in_empty_folder: Path, flag: str, value: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAFakeTokenForTheSettingsTests0000")
    argv = ["run", flag, value]
    if flag != "--webhook-url":
        argv += ["--webhook-url", "https://bot.example.org/hook"]
    code = main(argv)
    line = one_line(capsys.readouterr().err)
    assert code == 2 and flag in line and value in line


def test_the_defaults_and_every_variable_of_env_example_are_read(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE)
    assert len(names) == len(set(names)) >= 17
    good = {
        "TELEGRAM_BOT_TOKEN": "123456789:AAFakeTokenForTheSettingsTests0000",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "TELEGRAM_API_FILE_URL": "http://127.0.0.1:8081/file/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/speechbot",
        "TELEGRAM_WEBHOOK_LISTEN": "0.0.0.0",
        "TELEGRAM_WEBHOOK_PORT": "8444",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret_-x",
        "GROUP_COOLDOWN_SECONDS": "1.5",
        "ALLOWED_CHAT_IDS": "-1001234567890, 42",
        "OWNER_IDS": "42;43",
        "SPEECHBOT_CORPUS": str(tmp_path / "docs"),
        "SPEECHBOT_CACHE_DIR": str(tmp_path / "cache"),
        "SPEECHBOT_DATA_DIR": str(tmp_path / "data"),
        "RECORD_QUESTIONS": "0",
        "QUESTION_RETENTION_DAYS": "30",
        "FOLLOW_SYMLINKS": "1",
        "SPEECHBOT_PROGRESS": "0",
        "LOG_LEVEL": "debug",
    }
    assert set(names) == set(good)  # a variable added to .env.example is added here too
    settings = Settings.from_mapping(good)
    assert settings.telegram_token == good["TELEGRAM_BOT_TOKEN"]
    webhook, other_port = settings.webhook(), settings.webhook(port="9000")
    assert webhook is not None and other_port is not None
    assert (webhook.port, webhook.secret_token, other_port.port) == (8444, "s3cret_-x", 9000)
    assert settings.group_cooldown_seconds == 1.5
    assert settings.allowed_chat_ids == {-1001234567890, 42} and settings.owner_ids == {42, 43}
    assert settings.data_dir == tmp_path / "data" and settings.cache_dir == tmp_path / "cache"
    assert not settings.record_questions and settings.question_retention_days == 30
    assert settings.follow_symlinks and settings.log_level == "DEBUG"
    assert settings.progress is False

    defaults = Settings.from_mapping({})
    assert defaults.corpus == DEFAULT_CORPUS and defaults.telegram_token is None
    assert defaults.webhook() is None and defaults.group_cooldown_seconds == 3.0
    assert defaults.record_questions and defaults.question_retention_days == 90
    assert not defaults.follow_symlinks and defaults.log_level == "INFO"
    assert defaults.progress is None
    assert defaults.data_dir != defaults.cache_dir and "cache" not in str(defaults.data_dir).lower()


def test_settings_error_carries_its_parts() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({"OWNER_IDS": "@boss"})
    assert (caught.value.name, caught.value.value) == ("OWNER_IDS", "@boss")


def test_global_verbose_survives_the_eval_subcommand(tmp_path: Path) -> None:
    """`speechbot -v eval FILE` logs at DEBUG; eval's own --verbose lists the questions."""
    qa = tmp_path / "qa.jsonl"
    qa.write_text(
        '{"q": "人大代表需要学习哪些知识？", "accept": ["宪法法律知识"]}\n', encoding="utf-8"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "SPEECHBOT_CACHE_DIR": str(tmp_path / "c"),
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=PATIENCE,
        )

    debug = run("-v", "eval", str(qa))
    assert debug.returncode == 0, debug.stderr
    assert " DEBUG speechbot: corpus " in debug.stderr and "✓" not in debug.stdout
    listed = run("eval", str(qa), "--verbose")
    assert " DEBUG " not in listed.stderr and "✓ " in listed.stdout


def test_version(capsys) -> None:
    import bot

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert (
        done.value.code == 0 and capsys.readouterr().out.strip() == f"speechbot {bot.__version__}"
    )
