"""Take the README's screenshots: `python -m tests.web.screenshot docs/queue.png` writes the queue there and,
next to it, the credit manager's desk: credit-file.png (Nordwind's credit file) and ageing.png (the book).

The same setup as the browser tests: the sample ledger, the app under uvicorn on 127.0.0.1, Debian's chromium.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from gateway.api import create_app
from gateway.api.config import load_web_settings
from gateway.settings import DatabaseSettings, Settings
from gateway.storage import make_engine, session_factory, upgrade
from tests.web.browser import ARGS, CHROMIUM
from tests.web.desk_seed import AS_OF, NORDWIND, seed_desk
from tests.web.seed import PASSWORD, seed_ledger, seed_users


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'gateway.db'}"
        engine = make_engine(url)
        upgrade(engine)
        sessions = session_factory(engine)
        seed_users(sessions)
        seed_ledger(sessions, Path(tmp))
        seed_desk(sessions, Path(tmp))
        engine.dispose()
        app = create_app(Settings(database=DatabaseSettings(url=url)), load_web_settings())
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 620}, base_url=f"http://127.0.0.1:{port}")
                page.goto("/login")
                page.get_by_label("User name").fill("clara")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.goto("/queue?sort=-amount")
                page.screenshot(path=str(target), full_page=True)
                page.set_viewport_size({"width": 1400, "height": 900})
                page.goto(f"/customers/{NORDWIND}/credit-file?as_of={AS_OF}")
                page.screenshot(path=str(target.parent / "credit-file.png"))
                page.goto(f"/ageing?as_of={AS_OF}")
                page.screenshot(path=str(target.parent / "ageing.png"), full_page=True)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/queue.png"))
