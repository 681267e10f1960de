"""What can go wrong talking to a credit bureau, as one tree under ``GatewayError``.

    BureauError                 always names the bureau
    ├── BureauUnavailable       5xx, timeouts, connection errors: retries and the time budget used up
    │   ├── CircuitOpen         the bureau failed too often lately; we do not call it for a while
    │   └── BureauRateLimited   429 (or our own rate limit) for longer than the budget allows
    ├── BureauAuthError         credentials refused; a failed login is never retried automatically
    ├── BureauRequestError      a 4xx other than 401/404/429: our request is wrong, retrying cannot help
    │   └── ReasonRequired      the company's country needs a permissible-purpose code and none is configured
    ├── CompanyNotFound         the bureau has no such company (a report was asked for an unknown id)
    └── BureauResponseError     malformed or unexpected JSON; names the field path that could not be read

Callers that must decide "try later" versus "something is wrong" catch ``BureauUnavailable`` for the first.
"""

from __future__ import annotations

from gateway.errors import GatewayError


class BureauError(GatewayError):
    """Base of every bureau failure; ``bureau`` is the adapter name (creditsafe, dnb, companies_house)."""

    def __init__(self, bureau: str, message: str) -> None:
        self.bureau = bureau
        self.message = " ".join(message.split())
        super().__init__(f"{bureau}: {self.message}")


class BureauUnavailable(BureauError):
    """The bureau did not answer usefully within the attempts and the time budget."""


class CircuitOpen(BureauUnavailable):
    """Calls are short-circuited until ``retry_in`` seconds have passed."""

    def __init__(self, bureau: str, retry_in: float) -> None:
        self.retry_in = retry_in
        super().__init__(bureau, f"circuit open after repeated failures; next probe in {retry_in:.1f} s")


class BureauRateLimited(BureauUnavailable):
    """Rate limited for longer than the budget allows; ``retry_after`` is what the bureau asked for, if it said."""

    def __init__(
        self, bureau: str, message: str, *, retry_after: float | None = None, client_side: bool = False
    ) -> None:
        self.retry_after = retry_after
        self.client_side = client_side  # our own limiter said no: the bureau is not at fault
        super().__init__(bureau, message)


class BureauAuthError(BureauError):
    """Credentials refused (or missing). Fix the settings; the gateway will not keep trying on its own."""


class BureauRequestError(BureauError):
    """The bureau refused the request itself (HTTP 4xx); ``code`` is the bureau's own error code if it sent one."""

    def __init__(self, bureau: str, message: str, *, status: int | None = None, code: str | None = None) -> None:
        self.status = status
        self.code = code
        super().__init__(bureau, message)


class ReasonRequired(BureauRequestError):
    """Reports on companies in some countries (Germany) need a permissible-purpose reason code."""


class CompanyNotFound(BureauError):
    """The bureau does not know the company id we asked for."""

    def __init__(self, bureau: str, bureau_id: str) -> None:
        self.bureau_id = bureau_id
        super().__init__(bureau, f"no company with id {bureau_id!r}")


class BureauResponseError(BureauError):
    """The bureau's answer could not be read: ``field`` is the JSON path (or ``(body)`` for unparsable JSON)."""

    def __init__(self, bureau: str, field: str, message: str) -> None:
        self.field = field
        super().__init__(bureau, f"{field}: {message}")
