from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language

from portal.context_processors import PROPOSE_TIME_ZONE
from portal.mail import send_message
from portal.proxies import client_ip
from portal.text import isolated


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # A new account keeps the language its owner signed up in.
        language = get_language()
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth renders its mail (a password reset, a confirmation code...); the portal sends it as every other
        message a person waits for, under the sending limit (portal.mail.send_message), never behind a campaign."""
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        send_message(self.render_mail(template_prefix, email, context))

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits key on this: read through the proxies the portal trusts, as everything else.
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """Signed in, from whatever page and in whatever language it was: the page they were going to, in the
        language they prefer, and the welcome in it too (after the second factor, if they have one)."""
        if not getattr(user, "time_zone_chosen", True):
            # The next page asks for the time zone, proposing the browser's (portal.context_processors).
            request.session[PROPOSE_TIME_ZONE] = True
        preferred = getattr(user, "preferred_language", "")
        if preferred not in dict(settings.LANGUAGES):
            return super().post_login(request, user, **kwargs)
        translation.activate(preferred)
        request.LANGUAGE_CODE = preferred
        response = super().post_login(request, user, **kwargs)
        location = response.get("Location") if response.status_code in (301, 302) else None
        if location:
            # translate_url resolves the address in the active language: the one its prefix names.
            with translation.override(translation.get_language_from_path(urlsplit(location).path) or preferred):
                response["Location"] = translate_url(location, preferred)
        return response


def user_display(user: Any) -> str:
    """How allauth names a person in its pages, messages and mail: the name they typed, isolated in plain text
    (portal.text.isolated), since allauth puts it in sentences of its own."""
    return isolated(str(user))
