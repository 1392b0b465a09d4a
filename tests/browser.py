"""Pytest plugin: Debian's headless Chromium driven by Playwright, signed in as a given Capsync user.

Never downloads a browser: it launches /usr/bin/chromium (installed by `make test` when missing).
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.services import running_in_ci
from tests.signing_in import sign_in
from tests.xero_world import XERO_USER_PASSWORD, XeroWorld, xero_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium) or apt-get install chromium"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test itself are still
    # synchronous, so Django's async-safety guard has nothing to protect here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def signed_in_page(browser: Browser, live_server, client) -> Iterator[Callable[..., Page]]:
    """A function that opens a browser page already signed in to the live server as the given user."""
    contexts = []

    def open_page(user) -> Page:
        sign_in(client, user)
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_xero(sandbox, settings, live_server) -> XeroWorld:
    """The sandbox's Xero, with Capsync's app there sending consent back to the live server (not the test client)."""
    return xero_world(sandbox, settings, redirect_uri=f"{live_server.url}/integrations/xero/callback/")


@pytest.fixture
def xero_consent_page(signed_in_page, mfa_admin, browser_xero: XeroWorld, live_server) -> Page:
    """An admin in Chromium who started the wizard ("Connect to Xero") and signed in to the sandbox's Xero: the page
    shows Xero's consent screen, where the test picks organisations, allows or cancels."""
    page = signed_in_page(mfa_admin)
    page.goto(f"{live_server.url}/integrations/xero/connect/")
    page.click("#connect-to-xero")
    page.fill("#email", browser_xero.user_email)
    page.fill("#password", XERO_USER_PASSWORD)
    page.click("#sign-in")
    return page
