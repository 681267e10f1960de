"""What every command shares: settings at the edge, and InputError -> exit 2 with one line on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer

from gateway.errors import GatewayError, InputError
from gateway.settings import Settings, load_settings

EXIT_INPUT = 2


def settings() -> Settings:
    try:
        return load_settings()
    except Exception as exc:  # pydantic's message names the setting that is wrong
        print(f"gateway: settings cannot be used: {' '.join(str(exc).split())}", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT) from None


@contextmanager
def input_errors_exit() -> Iterator[None]:
    """Turn bad input into exit code 2 and one line on stderr naming the file and the place."""
    try:
        yield
    except InputError as exc:
        print(exc.one_line(), file=sys.stderr)
        raise typer.Exit(EXIT_INPUT) from None
    except GatewayError as exc:
        print(f"gateway: {' '.join(str(exc).split())}", file=sys.stderr)
        raise typer.Exit(1) from None


def date_option(text: str | None, option: str = "--as-of") -> date | None:
    """A date option as YYYY-MM-DD (None when not given); anything else exits 2 with one line naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"gateway: {option} must be a date YYYY-MM-DD, not {text!r}", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT) from None


def as_of_option(text: str | None) -> date:
    """``--as-of``: the day given, else today."""
    return date_option(text) or date.today()
