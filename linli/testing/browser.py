"""Playwright against Debian's chromium (no browser download), for tests marked ``browser``."""

from __future__ import annotations

import os
from contextlib import contextmanager

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
# Without these, chromium keeps trying to reach Google services that this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@contextmanager
def phone_page(base_url: str):
    """A fresh headless chromium page with a 390x844 phone viewport and zh-CN locale."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport=PHONE, locale="zh-CN", base_url=base_url, is_mobile=True, has_touch=True
            )
            yield context.new_page()
        finally:
            browser.close()


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
