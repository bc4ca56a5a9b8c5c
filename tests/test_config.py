"""Settings are parsed and range-checked before anything starts; `.env` is read; one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.config import ROOT, SettingError, Settings, describe

NAMES = [name for name, _, _ in describe()]


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("WORKERS", "0", ">= 1"),
        ("WORKERS", "two", "whole number"),
        ("PORT", "70000", "TCP port"),
        ("DB_POOL_MIN_SIZE", "0", ">= 1"),
        ("DB_POOL_MAX_SIZE", "-1", ">= 1"),
        ("DB_POOL_TIMEOUT", "0", "greater than 0"),
        ("DB_CONNECT_TIMEOUT", "-5", "greater than 0"),
        ("CACHE_TIMEOUT", "soon", "number of seconds"),
        ("SHUTDOWN_TIMEOUT", "0", "greater than 0"),
        ("RATE_LIMIT_USER", "lots", "requests/seconds"),
        ("RATE_LIMIT_ANONYMOUS", "10/0", "requests/seconds"),
        ("RATE_LIMIT_AUTH", "10", "requests/seconds"),
        ("QUOTA_CONVERSATION_MESSAGES", "20,10,1000", "free,premium,pro"),
        ("QUOTA_CONVERSATION_MESSAGES", "5", "free,premium,pro"),
        ("LOG_LEVEL", "LOUD", "DEBUG"),
        ("TRUSTED_PROXIES", "10.0.0.0/8,proxy.local", "'proxy.local'"),
        ("REDIS_REQUIRED", "maybe", "true/false"),
        ("ACCESS_LOG", "2", "on/off"),
        ("DATABASE_URL", "mysql://x/y", "postgres://"),
        ("REDIS_URL", "localhost:6379", "redis://"),
        ("SESSION_MAX_AGE", "0", ">= 1"),
    ],
)
def test_a_bad_value_is_one_line_naming_variable_value_and_form(
    name: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({name: value})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{name}={value!r}") and "expected" in message
    assert expected in message


def test_pool_min_size_may_not_exceed_max_size() -> None:
    with pytest.raises(SettingError, match=r"DB_POOL_MIN_SIZE=.5..*at most DB_POOL_MAX_SIZE"):
        Settings.from_env({"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "3"})


def test_good_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "WORKERS": "4",
            "RATE_LIMIT_USER": "600/60",
            "RATE_LIMIT_AUTH": "0",
            "TRUSTED_PROXIES": "10.0.0.0/8, ::1",
            "UVLOOP": "off",
            "LOG_LEVEL": "debug",
            "DB_CONNECT_TIMEOUT": "2.5",
            "QUOTA_CONVERSATION_MESSAGES": "0,0,5",
        }
    )
    assert settings.workers == 4 and settings.uvloop is False
    assert settings.db_connect_timeout == 2.5
    Settings().validate()  # the defaults are valid


def test_dotenv_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PORT", "WORKERS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9090\nWORKERS=3\n# a comment\n")
    monkeypatch.setenv("WORKERS", "2")
    settings, sources = Settings.load(env_file=env_file)
    assert (settings.port, sources["port"]) == (9090, ".env")
    assert (settings.workers, sources["workers"]) == (2, "env")
    assert (settings.log_level, sources["log_level"]) == ("INFO", "default")
    env_file.write_text("WORKERS=0\n")
    monkeypatch.delenv("WORKERS")
    with pytest.raises(SettingError, match=r"WORKERS='0' \(from \.env\)"):
        Settings.load(env_file=env_file)


def test_env_example_lists_every_setting_with_its_default() -> None:
    text = (ROOT / ".env.example").read_text()
    for name, default, _ in describe():
        assert f"# {name}={default}\n" in text, (
            f"{name} missing from .env.example: run "
            "`.venv/bin/python -m service settings --env-example > .env.example`"
        )


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_cli_refuses_a_bad_setting_in_one_line_with_exit_code_2() -> None:
    result = _cli("migrate", DB_POOL_MAX_SIZE="0", DATABASE_URL="postgresql://u:pw@h/db")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: DB_POOL_MAX_SIZE='0' (from env): expected a whole number >= 1"
    )


def test_make_settings_shows_values_and_where_they_came_from() -> None:
    result = _cli("settings", PORT="9191", DATABASE_URL="postgresql://u:secret@db.example/x")
    assert result.returncode == 0, result.stderr
    lines = {line.split("=", 1)[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == set(NAMES)
    assert lines["PORT"].startswith("PORT=9191") and "(env)" in lines["PORT"]
    assert "(default)" in lines["WORKERS"]
    assert "secret" not in result.stdout and "u:***@db.example" in lines["DATABASE_URL"]
