"""The audit log: who did what, when and from where. `record` is the one place that writes an entry.

Where entries are written, one rule for each kind of event so that every path is covered once:

- A change of state is recorded by the service that makes it (organizations.services, the imports,
  newsletters.services.start_campaign, home.services.delete_account), inside its transaction, so that a
  page, the API, the admin and a task all leave the same entry. Services take an actor, not a request:
  where the change came from (IP address, browser) reaches them through the request context that
  portal.middleware.AuditOriginMiddleware opens for the length of each request. Outside a request (a
  Celery task, a management command) there is no origin and none is recorded.
- Taking data out (a document download, an export) changes nothing, so the view that serves it records it.
- Logins, failed logins, logouts, password and two-factor changes happen inside allauth's and Django's own
  views: the signal receivers at the end of this module record them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest

from portal.models import AuditEntry, User
from portal.proxies import client_ip

Action = AuditEntry.Action

USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length
TARGET_REPR_LENGTH = AuditEntry._meta.get_field("target_repr").max_length
HASH_PREFIX = "sha256:"

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


@contextmanager
def request_origin(request: HttpRequest) -> Iterator[None]:
    """Within this block, entries recorded without a request take their origin from `request`."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def hashed_email(email: str) -> str:
    """What stands for an address once its account is deleted: still comparable, no longer readable."""
    return HASH_PREFIX + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def record(
    request_or_none: HttpRequest | None,
    action: str,
    *,
    actor: User | None = None,
    target: models.Model | None = None,
    **extra: Any,
) -> AuditEntry:
    """Write one audit entry. The actor defaults to the signed-in person of the request; the origin comes
    from `request_or_none`, or else from the request being served (see request_origin), or is left empty."""
    request = request_or_none if request_or_none is not None else _current_request.get()
    if actor is None and request is not None:
        signed_in = getattr(request, "user", None)
        actor = signed_in if signed_in is not None and signed_in.is_authenticated else None
    if actor is not None and actor.pk is None:  # an account deleted a moment ago
        actor = None
    entry = AuditEntry(
        actor=actor,
        actor_email=getattr(actor, "email", "") if actor is not None else "",
        action=action,
        extra=extra,
    )
    if request is not None:
        entry.ip_address = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH]
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target)
        entry.target_id = str(target.pk)
        entry.target_repr = str(target)[:TARGET_REPR_LENGTH]
    entry.save()
    return entry


def pseudonymise(user: User, emails: Iterable[str]) -> None:
    """Replace the addresses of `user` (and `emails`, every address they had) by their hash in the entries
    about them, so that the log keeps what happened but no longer says to whom once the account is gone."""
    addresses = Q(actor=user)
    for email in emails:
        addresses |= Q(actor_email__iexact=email)
    entries = AuditEntry.objects.filter(addresses).exclude(actor_email="").exclude(actor_email__startswith=HASH_PREFIX)
    for email in set(entries.values_list("actor_email", flat=True)):
        AuditEntry.objects.filter(actor_email=email).update(actor_email=hashed_email(email))


# Signal receivers: allauth's and Django's own views make these changes (connected in PortalConfig.ready).


@receiver(account_signals.user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(request, Action.LOGIN, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Named only when the address belongs to an account: whatever else was typed (often a password in the
    # wrong field) is not kept.
    login = credentials.get("email") or credentials.get("username") or ""
    account = User.objects.filter(email__iexact=login).first() if login else None
    record(request, Action.LOGIN_FAILED, actor=account)


@receiver(mfa_signals.authentication_failed, dispatch_uid="audit_mfa_failed")
def _mfa_failed(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
    record(request, Action.LOGIN_FAILED, actor=user, method=authenticator.type)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        record(request, Action.LOGOUT, actor=user)


@receiver(account_signals.password_changed, dispatch_uid="audit_password_changed")
def _password_changed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(request, Action.PASSWORD_CHANGED, actor=user, how="changed")


@receiver(account_signals.password_set, dispatch_uid="audit_password_set")
def _password_set(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(request, Action.PASSWORD_CHANGED, actor=user, how="set")


@receiver(account_signals.password_reset, dispatch_uid="audit_password_reset")
def _password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(request, Action.PASSWORD_CHANGED, actor=user, how="reset")


@receiver(mfa_signals.authenticator_added, dispatch_uid="audit_mfa_enabled")
def _authenticator_added(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
    record(request, Action.MFA_ENABLED, actor=user, type=authenticator.type)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="audit_mfa_disabled")
def _authenticator_removed(sender: Any, request: HttpRequest, user: User, authenticator: Any, **kwargs: Any) -> None:
    record(request, Action.MFA_DISABLED, actor=user, type=authenticator.type)
