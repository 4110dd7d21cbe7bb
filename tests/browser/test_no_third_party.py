"""No third-party traffic, in a real browser: one page of every kind, public and signed in as a coordinator, in
English and Arabic, with data on it.

The `page` fixture fails the test if the browser reached any host but the portal (no CDN, web font, analytics
or validator badge). Here every page must also load without a Content-Security-Policy violation or a script
error or a missing asset, which is how an inline script or style, or an asset from elsewhere, would show itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import ConsoleMessage, Page

from tests.conftest import sign_in
from tests.security.site_pages import API_DOCS, LANGUAGES, SitePages, seed_site_pages

pytestmark = pytest.mark.browser

# Collects every violation the page reports, including those in frames and in scripts that start early.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    # The live server runs in this process: anything it renders or stores goes to this test's folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def sign_in_browser(page: Page, base_url: str, site: SitePages) -> None:
    """Hand the browser a session of the coordinator (the login form, with its second factor, is the accounts
    tests' business; here it is one more page to visit)."""
    client = Client()
    sign_in(client, site.coordinator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])


def visit(page: Page, url: str, console: list[str]) -> list[str]:
    """Problems on one page: its status, CSP violations, script errors, assets that did not load."""
    console.clear()
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    # Chromium reports a CSP violation, a script error and an asset that failed to load as console errors.
    problems = [message for message in console if message.startswith(("error:", "pageerror:"))]
    problems += page.evaluate("window.__cspViolations")
    if response is None or response.status != 200:
        problems.append(f"status {response.status if response else None}")
    return [f"{url}: {problem}" for problem in problems]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_of_page_stays_on_the_portal(page: Page, base_url: str, language: str) -> None:
    site = seed_site_pages()
    console: list[str] = []
    page.on("console", lambda message: console.append(_describe(message)))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.add_init_script(RECORD_VIOLATIONS)

    problems = [
        problem
        for url in [*site.urls(language, signed_in=False), API_DOCS]
        for problem in visit(page, base_url + url, console)
    ]
    sign_in_browser(page, base_url, site)
    problems += [
        problem for url in site.urls(language, signed_in=True) for problem in visit(page, base_url + url, console)
    ]

    assert problems == []
    assert page.evaluate("document.documentElement.lang") == language


def _describe(message: ConsoleMessage) -> str:
    return f"{message.type}: {message.text}"
