from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from portal.figures import home_figures
from portal.health import health_report


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"figures": home_figures()})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it as the signed-in person's preference."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503)
