"""The one exception tree of the gateway.

    GatewayError
    ├── InputError          bad input: names the file and the place (line, element path)
    │   └── UnsafeInputError    input refused for safety (DTD, entities, size)
    ├── DuplicateError      something arrived twice where that is not allowed
    └── ConfigError         settings or config files that cannot be used

The CLI maps ``InputError`` to exit code 2 and one line on stderr.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class InputError(GatewayError):
    """A file (or stream) we were given cannot be read as what it claims to be."""

    def __init__(self, message: str, *, file: str | None = None, where: str | None = None) -> None:
        self.message = message
        self.file = file
        self.where = where
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [p for p in (self.file, self.where) if p]
        prefix = ": ".join(parts)
        text = " ".join(self.message.split())
        return f"{prefix}: {text}" if prefix else text

    def located(self, *, file: str | None = None, where: str | None = None) -> InputError:
        """The same error with the file/place filled in where it was not known yet."""
        return type(self)(self.message, file=self.file or file, where=self.where or where)


class UnsafeInputError(InputError):
    """Input refused because reading it could be abused (entity expansion, external access, size)."""


class DuplicateError(GatewayError):
    """Something arrived twice where that is not allowed."""


class ConfigError(GatewayError):
    """Settings or configuration files that cannot be used."""
