"""Settings come from config/ TOML, environment variables override them, secrets stay secret."""

from pathlib import Path

import pytest

from gateway.settings import load_settings


def test_defaults_come_from_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateway.toml").write_text('[database]\nurl = "sqlite:///elsewhere.db"\n', encoding="utf-8")
    monkeypatch.setenv("GATEWAY_CONFIG_DIR", str(tmp_path))
    assert load_settings().database.url == "sqlite:///elsewhere.db"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateway.toml").write_text('[statements]\nmax_file_bytes = 100\n', encoding="utf-8")
    monkeypatch.setenv("GATEWAY_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_STATEMENTS__MAX_FILE_BYTES", "2048")
    monkeypatch.setenv("GATEWAY_DATABASE__URL", "postgresql+psycopg://gw@db.internal/gateway")
    s = load_settings()
    assert s.statements.max_file_bytes == 2048
    assert s.database.url == "postgresql+psycopg://gw@db.internal/gateway"


def test_a_database_password_is_secret_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE__URL", "postgresql+psycopg://gw@db.internal/gateway")
    monkeypatch.setenv("GATEWAY_DATABASE__PASSWORD", "s3cr3t-pw")
    s = load_settings()
    assert "s3cr3t-pw" not in repr(s) and "s3cr3t-pw" not in str(s)
    assert "s3cr3t-pw" in s.database_url()


def test_a_wrong_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_STATEMENTS__MAX_FILE_BYTES", "-1")
    with pytest.raises(ValueError, match="max_file_bytes"):
        load_settings()
