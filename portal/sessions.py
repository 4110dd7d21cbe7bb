"""A person's ways in: their signed-in sessions and their API key, listed and ended ("Your sessions").

Django's session store cannot list a person's sessions without decoding every session, so
`SessionRecordMiddleware` keeps one `SignedInSession` row per signed-in session (the SHA-256 of its key, the
browser, the network, when it began and was last used). Ending a session deletes its row and the stored session
whose key hashes to it (Django's database session store, behind the shared cache when there is Redis; `SHA256`
runs in the database). Every ending and revocation is in the audit log.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import re
import time
from collections.abc import Callable, Iterable
from functools import partial
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.db.models.functions import SHA256
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication
from rest_framework.authtoken.models import Token

from portal import audit
from portal.models import SignedInSession, TokenUse, User
from portal.proxies import client_ip

# A session's row is written at most this often (on each request would be a write per page).
TOUCH_EVERY = datetime.timedelta(minutes=5)
# The sessions this process touched, with when it need not ask the shared cache about them again: most requests
# then make no round trip for their session's row.
_touched_here: dict[str, float] = {}
TOUCHED_HERE_KEPT = 10_000
# The network a session's address belongs to: as precise as the place a provider serves, no more.
IPV4_PREFIX, IPV6_PREFIX = 24, 48
USER_AGENT_LENGTH = SignedInSession._meta.get_field("user_agent").max_length


def key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def network_of(address: str | None) -> str:
    """The network an address belongs to ("203.0.113.0/24"), or "" when there is none."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class SessionRecordMiddleware:
    """Keep the row of the signed-in session up to date, before the view (so that a session the view ends is known
    to it). A login writes the row of its new session itself (`_logged_in`). The row is written at most every
    TOUCH_EVERY: the shared cache remembers the last write, and each process that it asked; the session itself is
    not modified, so a view that ends its own session does not trip over it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        hashed = current_hash(request)
        if user is not None and user.is_authenticated and hashed is not None:
            _touch(request, user, hashed)
        return self.get_response(request)


def _touch(request: HttpRequest, user: User, hashed: str) -> None:
    now = time.monotonic()
    if _touched_here.get(hashed, 0.0) > now:
        return
    if len(_touched_here) >= TOUCHED_HERE_KEPT:
        _touched_here.clear()  # the cost of forgetting: one round trip per session
    _touched_here[hashed] = now + TOUCH_EVERY.total_seconds()
    if not cache.add(f"session-seen:{hashed}", 1, timeout=int(TOUCH_EVERY.total_seconds())):
        return
    SignedInSession.objects.update_or_create(
        key_hash=hashed,
        defaults={
            "user": user,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
            "network": network_of(client_ip(request)),
            "last_seen_at": timezone.now(),
        },
    )


@receiver(user_logged_in, dispatch_uid="session_record_login")
def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # Django's login() has given the session its new key by now.
    hashed = current_hash(request)
    if hashed is not None:
        _touch(request, user, hashed)


def current_hash(request: HttpRequest) -> str | None:
    """The hash of the request's session key, as its row holds it; None without a session."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    return key_hash(session_key) if session_key else None


@receiver(user_logged_out, dispatch_uid="session_record_logout")
def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    hashed = current_hash(request)
    if hashed is not None:
        SignedInSession.objects.filter(key_hash=hashed).delete()


def sessions_of(user: User) -> list[SignedInSession]:
    return list(SignedInSession.objects.filter(user=user))


class _SHA256(SHA256):
    """Django's SHA256, which on PostgreSQL needs the pgcrypto extension; PostgreSQL 11 and later has sha256()."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')", **extra_context
        )


def _end(records: Iterable[SignedInSession]) -> int:
    hashes = [record.key_hash for record in records]
    if not hashes:
        return 0
    stored = Session.objects.annotate(hashed=_SHA256("session_key")).filter(hashed__in=hashes)
    session_keys = list(stored.values_list("session_key", flat=True))
    _delete_stored(session_keys)
    # With cached sessions, a request of one of them read before this transaction commits would put its copy back
    # in the cache: delete them again once it has.
    transaction.on_commit(partial(_delete_stored, session_keys))
    SignedInSession.objects.filter(key_hash__in=hashes).delete()
    return len(hashes)


def _delete_stored(session_keys: list[str]) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in session_keys:
        store(session_key).delete()  # the stored session and, with cached sessions, its copy in the cache


@transaction.atomic
def end_session(actor: User, record: SignedInSession) -> None:
    """Sign the person out of the one session `record` lists (they themselves acting)."""
    _end([record])
    audit.record(None, audit.Action.SESSION_ENDED, actor=actor, target=record.user, sessions=1)


@transaction.atomic
def end_sessions(actor: User, user: User, *, keep: str | None = None, **extra: Any) -> int:
    """Sign `user` out of every session but the one whose key hashes to `keep` (the person themselves, or an owner
    of their organisation, acting; `extra` goes into the audit entry); return how many ended."""
    records = SignedInSession.objects.filter(user=user).exclude(key_hash=keep or "")
    ended = _end(list(records))
    audit.record(None, audit.Action.SESSION_ENDED, actor=actor, target=user, sessions=ended, **extra)
    return ended


def end_sessions_of_users(user_ids: Iterable[int]) -> int:
    """Sign these people out everywhere and revoke their API keys, with no audit entry of its own: the caller's
    entry says why (organizations.services.hide_organization). Returns how many sessions ended."""
    ids = list(user_ids)
    Token.objects.filter(user_id__in=ids).delete()
    return _end(list(SignedInSession.objects.filter(user_id__in=ids)))


def token_of(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()


@transaction.atomic
def revoke_token(actor: User, user: User, **extra: Any) -> bool:
    """Revoke `user`'s API key (the person themselves, or an owner of their organisation, acting; `extra` goes into
    the audit entry); False when they had none."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    TokenUse.objects.filter(user=user).delete()
    if deleted:
        audit.record(None, audit.Action.TOKEN_REVOKED, actor=actor, target=user, **extra)
    return bool(deleted)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication that also notes when each key was last used (at most once a minute)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if cache.add(f"token-used:{key_hash(key)}", 1, timeout=60):
            TokenUse.objects.update_or_create(user=user, defaults={"last_used_at": timezone.now()})
        return user, token


# The browser and system a session came from, read from its User-Agent header, as a person would name them. The
# portal has no user-agent parser among its dependencies; these few names are all the page shows.
_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)


def browser_of(user_agent: str) -> str:
    """ "Firefox on Android", or "Unknown browser"."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
