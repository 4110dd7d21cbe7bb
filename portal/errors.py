"""The pages a visitor meets when something goes wrong, wired as the root URLconf's handlers (home/urls.py): in the
visitor's language (LocaleMiddleware has set it by then), with the navigation and a way back, never the code
behind them. The API answers in JSON instead. The 500 page is rendered without the request's context: what failed
may be the database or the session that the context processors read."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# What the 500 handler sends when even its own page cannot be rendered.
BARE_500 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Server error</title></head>'
    '<body><h1>Server error</h1><p>Something went wrong on our side. <a href="/">Go to the home page</a>.</p>'
    "</body></html>"
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _template_alone(request: HttpRequest, template: str) -> str:
    """`template` rendered without the request: no context processors, no session, no database. In the language
    the address names (or the browser asks for), as the middleware that sets it may not have run."""
    with translation.override(translation.get_language_from_request(request, check_path=True)):
        return render_to_string(template)


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    if not hasattr(request, "user"):
        # Refused by a middleware before the session was read (a host the portal does not serve).
        return HttpResponse(_template_alone(request, template), status=status)
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: Django could not read what was sent (too many fields, a malformed body, a host it does not serve)."""
    if _is_api(request):
        return JsonResponse({"detail": _("The request is not valid.")}, status=400)
    return _page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: signed in, but without the rights the page needs. The exception's text is for the log, not the page."""
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to do this.")}, status=403)
    return _page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404, also for what a person may not know exists: the page says the same in both cases."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return _page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, rendered from the template alone: what failed may be the database or the session."""
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    try:
        return HttpResponseServerError(_template_alone(request, "500.html"))
    except Exception:  # the page must answer whatever broke: the static files' manifest, a template
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(BARE_500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form sent without its valid token: most often one left open until the session expired, or
    sent from another tab after signing out. (`reason` is for the log.)"""
    return _page(request, "403_csrf.html", 403)
