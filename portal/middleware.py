from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PreferredLanguageMiddleware:
    """Remember a signed-in person's preferred language in the language cookie.

    The cookie is what sends `/` to `/<lang>/`, so after logging in on any device a person lands in
    the language they chose last time.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            preferred = user.preferred_language
            if preferred and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != preferred:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    preferred,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
        return response


class AuditOriginMiddleware:
    """Let portal.audit.record know the request being served, so that a service (which takes an actor, not
    a request) still records where a change came from."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from portal import audit

        with audit.request_origin(request):
            return self.get_response(request)
