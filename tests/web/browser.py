"""A real browser for the page tests: Debian's chromium driven by Playwright, never a downloaded browser.

Test modules set ``pytestmark = needs_chromium`` and take the ``open_page`` fixture (tests/web/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.seed import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
)


def launched() -> Iterator[Any]:
    """One headless chromium for a module's tests."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


def new_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh context (no cookies) and page on the served app; downloads are kept for the tests to read."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Any, user: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def flash(page: Any) -> str:
    return str(page.get_by_test_id("flash").inner_text())
