from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import get_language

from portal.proxies import client_ip
from portal.text import isolated


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # A new account keeps the language its owner signed up in.
        language = get_language()
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        return super().save_user(request, user, form, commit=commit)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits key on this: read through the proxies the portal trusts, as everything else.
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address


def user_display(user: Any) -> str:
    """How allauth names a person in its pages, messages and mail: the name they typed, isolated in plain text
    (portal.text.isolated), since allauth puts it in sentences of its own."""
    return isolated(str(user))
