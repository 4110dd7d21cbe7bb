"""Browser journeys in Debian's headless Chromium, driven by Playwright's sync API against `live_server`.

Every browser test gets a `page` that records each request it makes: the site must never reach a host other
than itself (no CDN, web font or analytics), so a page that does fails at teardown. With ARTIFACTS_DIR set,
each test leaves a screenshot in $ARTIFACTS_DIR/screenshots/<test name>.png, and a journey can keep its named
steps at desktop and phone sizes with `save_screenshots`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from portal.models import User
from tests.conftest import sign_in
from tests.factories import TOTP_SECRET
from tests.portal.conftest import totp_code

# Playwright's sync API runs an event loop in the test thread, which makes Django refuse database access
# from that thread unless told it is safe (it is: the loop only talks to the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, never a downloaded one; no background traffic to Google that would count as a
# request to a third-party host.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Requests that leave no machine: inline images, blobs, blank frames, Chromium's own PDF viewer.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension"}
_UNSAFE_FILE_CHARS = re.compile(r"[^\w.-]+")
# The diplomat's laptop and the coordinator's phone.
SCREEN_SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def base_url(live_server: LiveServer, transactional_db: None) -> str:
    """The live server's address; the database is shared with the server's thread."""
    return live_server.url


def third_party_requests(urls: list[str]) -> list[str]:
    return [
        url for url in urls if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname not in LOCAL_HOSTS
    ]


def screenshot_path(test_name: str) -> Path | None:
    artifacts = os.environ.get("ARTIFACTS_DIR")
    if not artifacts:
        return None
    return Path(artifacts) / "screenshots" / f"{_UNSAFE_FILE_CHARS.sub('_', test_name)}.png"


def save_screenshots(page: Page, journey: str, step: str) -> None:
    """With ARTIFACTS_DIR set, keep the page as it is now at each of SCREEN_SIZES, as
    $ARTIFACTS_DIR/screenshots/<journey>/<step>-<size>.png; the page's own viewport is restored afterwards."""
    artifacts = os.environ.get("ARTIFACTS_DIR")
    if not artifacts:
        return
    folder = Path(artifacts) / "screenshots" / _UNSAFE_FILE_CHARS.sub("_", journey)
    folder.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    for size, dimensions in SCREEN_SIZES.items():
        page.set_viewport_size(dimensions)
        page.screenshot(path=str(folder / f"{_UNSAFE_FILE_CHARS.sub('_', step)}-{size}.png"), full_page=True)
    if viewport is not None:
        page.set_viewport_size(viewport)


def log_in(page: Page, base_url: str, user: User) -> None:
    """Hand the browser a session made by Django's test client: the login form has its own journey."""
    client = Client()
    sign_in(client, user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])


def pass_second_factor(page: Page) -> None:
    """After the password, enter the code allauth asks of a person with an authenticator app, as the factories'
    coordinators and operators have (tests.factories.with_totp); others are already in."""
    if urlsplit(page.url).path.endswith("/accounts/2fa/authenticate/"):
        page.fill("#id_code", totp_code(TOTP_SECRET))
        with page.expect_navigation():
            page.press("#id_code", "Enter")


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda outgoing: requested.append(outgoing.url))
    yield page
    path = screenshot_path(request.node.name)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    context.close()
    assert third_party_requests(requested) == [], "the page reached a host other than the portal"
