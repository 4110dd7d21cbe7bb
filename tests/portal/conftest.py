"""Helpers for the portal's tests: reading links out of sent mail, computing TOTP codes the way an
authenticator app does (RFC 6238), so the tests drive allauth's real views end to end, and reading a page's
elements by id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client
from django.utils.html import escape

from tests.conftest import PASSWORD

TOTP_PERIOD = 30
TOTP_DIGITS = 6

_URL = re.compile(r"https?://\S+")
_SECRET_INPUT = re.compile(r'<input[^>]*id="authenticator_secret"[^>]*>')
_VALUE = re.compile(r'value="([A-Z2-7=]+)"')


def link_in_last_email(fragment: str) -> str:
    """The path of the first link in the most recent email whose address contains `fragment`."""
    assert mail.outbox, "no email was sent"
    for url in _URL.findall(mail.outbox[-1].body):
        if fragment in url:
            return urlsplit(url).path
    raise AssertionError(f"no link containing {fragment!r} in:\n{mail.outbox[-1].body}")


def log_in(client: Client, email: str, password: str = PASSWORD, language: str = "en") -> str:
    """Submit allauth's login form; return where it sent the browser."""
    response = client.post(f"/{language}/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def totp_secret_from_page(html: str) -> str:
    """The base32 secret shown on allauth's "activate authenticator app" page."""
    field = _SECRET_INPUT.search(html)
    assert field, "the activation page shows no authenticator secret"
    value = _VALUE.search(field.group(0))
    assert value, f"the authenticator secret field has no value: {field.group(0)}"
    return value.group(1)


def totp_code(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) an authenticator app shows for `secret`.

    Without `at`, waits out the last two seconds of a period so that the server checks the code in the
    same period it was computed for (allauth allows no clock drift by default).
    """
    if at is None:
        remaining = TOTP_PERIOD - time.time() % TOTP_PERIOD
        if remaining < 2:
            time.sleep(remaining + 0.1)
        at = time.time()
    counter = struct.pack(">Q", int(at) // TOTP_PERIOD)
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**TOTP_DIGITS:0{TOTP_DIGITS}d}"


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**TOTP_DIGITS:0{TOTP_DIGITS}d}"


def html_text(text: str) -> str:
    """`text` as Django's autoescaping writes it into a page."""
    return str(escape(text))


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, list[tuple[str, dict[str, str | None]]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id.setdefault(attributes["id"], []).append((tag, attributes))


def elements_by_id(html: str) -> dict[str, list[tuple[str, dict[str, str | None]]]]:
    """Each id in the page with the elements (tag and attributes) that carry it: more than one is a bug."""
    parser = _Elements()
    parser.feed(html)
    return parser.by_id
