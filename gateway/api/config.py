"""Settings of the review page: ``config/web.toml``, overridden by ``GATEWAY_WEB__*`` environment variables.
The write-off limit is the ledger's own (``config/ledger.toml``)."""

from __future__ import annotations

import os
import tomllib
from typing import Literal

from pydantic import BaseModel, Field

from gateway.settings import config_dir

ENV_PREFIX = "GATEWAY_WEB__"


class WebSettings(BaseModel):
    session_hours: float = Field(default=10, gt=0)
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: float = Field(default=300, gt=0)
    page_size: int = Field(default=50, ge=1, le=500)


def load_web_settings(**overrides: object) -> WebSettings:
    """The file's values, then the environment's, then ``overrides`` (tests)."""
    values: dict[str, object] = {}
    path = config_dir() / "web.toml"
    if path.is_file():
        values.update(tomllib.loads(path.read_text(encoding="utf-8")))
    for name, value in os.environ.items():
        if name.startswith(ENV_PREFIX):
            values[name[len(ENV_PREFIX) :].lower()] = value
    values.update(overrides)
    return WebSettings.model_validate(values)
