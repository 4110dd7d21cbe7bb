"""Response headers, cookies and templates that keep pages from leaking or being abused.

Every page, public or signed in, in English and Arabic, carries a Content-Security-Policy that allows
scripts from this host only, and the headers that stop MIME sniffing, framing and Referer leaks. In production
mode (DEBUG=0) the cookies are Secure and HttpOnly and https responses carry HSTS. Django's own deployment
checks pass in production mode: tests/portal/test_settings.py::test_production_mode_passes_deployment_checks.
No template holds an inline script or loads anything from another host.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD, sign_in
from tests.factories import UserFactory
from tests.portal.test_settings import manage, production_key
from tests.security.site_pages import API_DOCS, LANGUAGES, SitePages, seed_site_pages

REPO = Path(settings.BASE_DIR)
TEMPLATES = sorted([*REPO.glob("templates/**/*.html"), *REPO.glob("*/templates/**/*.html")])
# Tags whose src or href the browser fetches by itself, unlike a link (<a>) a person chooses to follow.
FETCHING_TAGS = {"script", "link", "img", "iframe"}
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
OTHER_HOST = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)

PRODUCTION_ENVIRONMENT = {"DEBUG": "0", "ALLOWED_HOSTS": "portal.example.org"}
# Run in a production-mode process: the security settings as read, and the answers to one request over
# plain http, one over https, and one forwarded by the proxy as https.
PRINT_PRODUCTION_SECURITY = """
import json
from django.conf import settings
from django.test import Client

client = Client()
host = {"HTTP_HOST": "portal.example.org"}
answers = {
    "http": client.get("/favicon.ico", **host),
    "https": client.get("/favicon.ico", secure=True, **host),
    "proxied": client.get("/favicon.ico", HTTP_X_FORWARDED_PROTO="https", **host),
}
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in [
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    ]},
    "answers": {
        name: {
            "status": response.status_code,
            "location": response.get("Location"),
            "hsts": response.get("Strict-Transport-Security"),
        }
        for name, response in answers.items()
    },
}))
"""


class PageScan(HTMLParser):
    """What a rendered page would make the browser run or fetch by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.event_handlers: list[str] = []
        self.other_hosts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        self.event_handlers += [name for name in attributes if name.startswith("on")]
        if tag in FETCHING_TAGS:
            for name in ("src", "href"):
                address = attributes.get(name) or ""
                if urlsplit(address).netloc:
                    self.other_hosts.append(address)


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def page_problems(url: str, response: object) -> list[str]:
    """Everything wrong with one response's headers and HTML, as readable lines."""
    problems = []
    headers = response.headers  # type: ignore[attr-defined]
    if response.status_code != 200:  # type: ignore[attr-defined]
        return [f"{url}: status {response.status_code}"]  # type: ignore[attr-defined]
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    if csp.get("default-src") != ["'self'"]:
        problems.append(f"{url}: default-src is {csp.get('default-src')}")
    script_src = csp.get("script-src", csp.get("default-src", []))
    if "'self'" not in script_src or {"'unsafe-inline'", "'unsafe-eval'"} & set(script_src):
        problems.append(f"{url}: script-src is {script_src}")
    if csp.get("frame-ancestors") != ["'none'"] or csp.get("object-src") != ["'none'"]:
        problems.append(f"{url}: frame-ancestors or object-src is not 'none'")
    expected = {"Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
    problems += [
        f"{url}: {name} is {headers.get(name)!r}" for name, value in expected.items() if headers.get(name) != value
    ]
    if "html" in headers.get("Content-Type", ""):
        scan = PageScan()
        scan.feed(response.content.decode())  # type: ignore[attr-defined]
        if scan.inline_scripts:
            problems.append(f"{url}: {scan.inline_scripts} inline <script>")
        if scan.event_handlers:
            problems.append(f"{url}: inline event handlers {scan.event_handlers}")
        if scan.other_hosts:
            problems.append(f"{url}: fetches from other hosts {scan.other_hosts}")
    return problems


@pytest.fixture
def site(db: None) -> SitePages:
    return seed_site_pages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_has_security_headers_and_no_inline_script(
    client: Client, site: SitePages, language: str
) -> None:
    urls = [*site.urls(language, signed_in=False), API_DOCS]

    problems = [problem for url in urls for problem in page_problems(url, client.get(url))]

    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_signed_in_page_has_security_headers_and_no_inline_script(
    client: Client, site: SitePages, language: str
) -> None:
    sign_in(client, site.coordinator)
    urls = site.urls(language, signed_in=True)

    problems = [problem for url in urls for problem in page_problems(url, client.get(url))]

    assert problems == []


def test_not_found_page_and_api_answers_have_security_headers(client: Client, site: SitePages) -> None:
    not_found = client.get("/en/organizations/no-such-organisation/")
    api = client.get("/api/v1/organizations/")

    assert not_found.status_code == 404
    assert api.status_code == 200
    for response in (not_found, api):
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_csrf_and_session_cookies_are_http_only(client: Client, db: None) -> None:
    person = UserFactory()

    login_page = client.get("/en/accounts/login/")
    logged_in = client.post("/en/accounts/login/", {"login": person.email, "password": PASSWORD})

    assert logged_in.status_code == 302
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    session = logged_in.cookies[settings.SESSION_COOKIE_NAME]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    assert session["httponly"]
    assert session["samesite"] == "Lax"


@pytest.fixture(scope="module")
def production() -> dict[str, dict]:
    """The production-mode process's security settings and answers (see PRINT_PRODUCTION_SECURITY)."""
    result = manage("shell", "-c", PRINT_PRODUCTION_SECURITY, SECRET_KEY=production_key(), **PRODUCTION_ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_http_only(production: dict[str, dict]) -> None:
    assert production["settings"] | {"SECURE_HSTS_SECONDS": 0} == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }
    assert production["settings"]["SECURE_HSTS_SECONDS"] >= 31536000


def test_production_sends_hsts_over_https_and_redirects_plain_http(production: dict[str, dict]) -> None:
    answers = production["answers"]

    assert answers["http"]["status"] == 301
    assert answers["http"]["location"] == "https://portal.example.org/favicon.ico"
    for name in ("https", "proxied"):
        assert answers[name]["status"] == 301  # the favicon's own redirect to the static file, not to https
        assert answers[name]["location"] == "/static/img/favicon.svg"
        assert answers[name]["hsts"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(REPO)))
def test_template_has_no_inline_script_and_loads_nothing_from_other_hosts(template: Path) -> None:
    text = template.read_text()

    assert INLINE_SCRIPT.findall(text) == []
    assert OTHER_HOST.findall(text) == []
    assert EVENT_HANDLER.findall(text) == []


def test_templates_are_found() -> None:
    # The glob above would pass vacuously if the layout changed.
    assert len(TEMPLATES) > 50
    assert REPO / "templates" / "base.html" in TEMPLATES
