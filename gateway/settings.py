"""Settings: defaults in ``config/gateway.toml``, overridden by ``GATEWAY_*`` environment variables
(nested with ``__``, e.g. ``GATEWAY_DATABASE__URL``). Built once at the edge and passed in."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gateway.errors import ConfigError

CONFIG_DIR_ENV = "GATEWAY_CONFIG_DIR"
_Model = TypeVar("_Model", bound=BaseModel)


def config_dir() -> Path:
    """``$GATEWAY_CONFIG_DIR``, else ``./config`` (the project's own defaults)."""
    return Path(os.environ.get(CONFIG_DIR_ENV, "config"))


def load_toml_model(model: type[_Model], path: Path | None, file_name: str, what: str) -> _Model:
    """A core's configuration file as its typed model: ``path``, else ``file_name`` in the config folder.
    A missing or unusable file is a ``ConfigError`` naming ``what`` and the file."""
    path = path or config_dir() / file_name
    try:
        with path.open("rb") as f:
            return model.model_validate(tomllib.load(f))
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found: {path}") from None
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ConfigError(f"{what} {path} cannot be used: {' '.join(str(exc).split())}") from None


class DatabaseSettings(BaseModel):
    url: str = "sqlite:///var/gateway.db"
    echo: bool = False
    password: SecretStr | None = None  # joined into the URL when set, so it never sits in a file


class StatementSettings(BaseModel):
    max_file_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    strict_balances: bool = False


class BureauSettings(BaseModel):
    """One bureau's connection: base URL (the real service or the local fake), credentials, limits."""

    enabled: bool = False
    base_url: str = ""
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    api_key: SecretStr | None = None
    timeout_seconds: float = Field(default=10.0, gt=0)  # one HTTP request
    budget_seconds: float = Field(default=30.0, gt=0)  # one operation, retries included
    max_attempts: int = Field(default=4, ge=1)
    rate_limit_per_second: float = Field(default=5.0, gt=0)  # client-side, as bureaus often omit Retry-After
    rate_limit_burst: int = Field(default=5, ge=1)
    circuit_failure_threshold: int = Field(default=5, ge=1)
    circuit_reset_seconds: float = Field(default=30.0, gt=0)
    token_refresh_margin_seconds: float = Field(default=300.0, ge=0)
    reason_code: str | None = None  # permissible purpose sent where a country requires one (e.g. Germany)
    countries_requiring_reason: list[str] = Field(default_factory=lambda: ["DE"])


class SmtpSettings(BaseModel):
    """The mail server reminders go through (``[smtp]``; the password only from the environment,
    ``GATEWAY_SMTP__PASSWORD``). ``ssl``: implicit TLS (port 465); ``starttls``: upgrade a plain connection."""

    host: str = "127.0.0.1"
    port: int = Field(default=25, gt=0, lt=65536)
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    ssl: bool = False
    from_address: str = "receivables@example.com"
    reply_to: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _one_tls_mode(self) -> SmtpSettings:
        if self.ssl and self.starttls:
            raise ValueError("smtp: choose ssl (TLS from the start) or starttls (upgrade), not both")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database: DatabaseSettings = DatabaseSettings()
    statements: StatementSettings = StatementSettings()
    bureaus: dict[str, BureauSettings] = Field(default_factory=dict)
    smtp: SmtpSettings = SmtpSettings()
    mappings_dir: Path = Path("mappings")  # declarative bureau field maps (relative to the working directory)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_dir() / "gateway.toml")
        return (init_settings, env_settings, file_secret_settings, toml)

    def database_url(self) -> str:
        """The SQLAlchemy URL with the secret password filled in (never log the result)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.database.url)
        if self.database.password is not None:
            url = url.set(password=self.database.password.get_secret_value())
        return url.render_as_string(hide_password=False)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
