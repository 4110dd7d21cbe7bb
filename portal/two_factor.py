"""Two-factor authentication is a property of the session, not of the account.

Coordinators' and operators' powers need a session that passed the second factor: having an authenticator app is
not enough, or a session opened with the password alone would gain those powers the moment the app is turned on
in another one. allauth keeps the authentication methods a session used (`allauth.account.authentication`):
`SessionSecondFactorMiddleware` reads its "mfa" records and notes on the person of the request which
authenticators this session passed (`portal.access.note_second_factors`); the Viewer loader
(`settings.PORTAL_VIEWER`) grants the powers only when one of them is still the person's. A person loaded
outside a request (a Celery task, an email) or through an API token has passed none.

A person who turns on an authenticator app in this session (allauth's activation flow, after re-entering their
password and entering a code from the new app) counts as having passed it: allauth records no "mfa" method for
it, so `_activated` records one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.middleware import get_user
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from portal.access import note_second_factors

MFA = "mfa"  # the method allauth records once a code (or a recovery code) is entered


def second_factors_passed(request: HttpRequest, user: Any) -> frozenset[int]:
    """The ids of the authenticators whose code this session of `user` entered (at login, re-authentication,
    or activation)."""
    return frozenset(
        record["id"]
        for record in get_authentication_records(request, user)
        if record.get("method") == MFA and isinstance(record.get("id"), int)
    )


def _person_of(request: HttpRequest) -> Any:
    user = get_user(request)  # Django's own loader, cached on the request
    if user.is_authenticated:
        note_second_factors(user, second_factors_passed(request, user))
    return user


class SessionSecondFactorMiddleware:
    """Give `request.user` the second factors its session passed, before any access rule reads its Viewer.
    Placed right after Django's AuthenticationMiddleware; as lazy as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(partial(_person_of, request))  # type: ignore[assignment]  # as Django does
        return self.get_response(request)


@receiver(mfa_signals.authenticator_added, dispatch_uid="two_factor_activated")
def _activated(sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    if authenticator.type != Authenticator.Type.TOTP or not hasattr(request, "session"):
        return
    # allauth's own writer of these records (internal: its public module only reads them), so they keep its format.
    record_authentication(request, user, MFA, id=authenticator.pk, type=authenticator.type, activated=True)
    # allauth sends this signal once the transaction commits: in its view that is before the response saves the
    # session, but a caller inside an outer transaction (a test) commits after it: save the record either way.
    request.session.save()
    note_second_factors(user, second_factors_passed(request, user))
