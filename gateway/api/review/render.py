"""Rendering pages: Jinja2 templates with the signed-in user and the one-shot message of the session."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from gateway.api.auth import SignedIn, pop_flash, set_flash

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


def money(amount: Decimal | None, currency: str | None = None) -> str:
    """1234.5 -> "1,234.50 EUR": grouped, at least two decimals, the exact value (more decimals are kept)."""
    if amount is None:
        return ""
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{amount:,.{places}f}"
    return f"{text} {currency}" if currency else text


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def query_with(params: dict[str, Any], **changes: Any) -> str:
    """The current filters with some changed (None drops one), as a query string for links."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


templates.env.filters["money"] = money
templates.env.filters["day"] = day
templates.env.globals["query_with"] = query_with


def page(
    request: Request, db: Session, who: SignedIn | None, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    flash = None
    if who is not None:
        flash = pop_flash(who.web_session)
        if flash is not None:
            db.commit()
    return templates.TemplateResponse(request, name, {"who": who, "flash": flash, **context}, status_code=status)


def error_page(request: Request, heading: str, message: str, status: int) -> HTMLResponse:
    who = getattr(request.state, "signed_in", None)
    return templates.TemplateResponse(
        request, "error.html", {"who": who, "flash": None, "heading": heading, "message": message}, status_code=status
    )


def done(db: Session, who: SignedIn, kind: str, text: str, to: str) -> RedirectResponse:
    """After a form: remember the outcome for the next page, commit, and redirect (post/redirect/get)."""
    set_flash(who.web_session, kind, text)
    db.commit()
    return RedirectResponse(to, status_code=303)
