from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from portal.uploads import body_limit


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


class RequestSizeMiddleware:
    """Refuse a request body larger than its view allows (portal.uploads.body_limit) with 413, before anything
    reads it: it sits before CsrfViewMiddleware, which reads a POST's form data. Django caps form fields itself
    but reads uploaded files whatever their size; a view that takes a file says how large with accepts_upload."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        limit = body_limit(view, signed_in=request.user.is_authenticated)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        if length <= limit:
            return None
        message = _("What you sent is too large: the limit here is %(limit)s.") % {"limit": filesizeformat(limit)}
        if issubclass(getattr(view, "cls", object), APIView):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "413.html", {"message": message}, status=413)
