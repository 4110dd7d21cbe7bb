"""The pages a visitor meets when something goes wrong (400, 403, 404, 500, an expired form): in the visitor's
language, with the site's navigation and a way back, and nothing of the code behind them (portal/errors.py,
wired in home/urls.py). The 500 page renders without the request's context, which may be what failed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from home import urls as root_urls
from portal import context_processors
from tests.conftest import PASSWORD, make_user
from tests.portal.conftest import html_text

pytestmark = pytest.mark.django_db

STACK_DETAIL = ["Traceback", "Request Method", "Django Version", "urlconf", "Exception Value", "RuntimeError"]


def boom(request: Any) -> Any:
    raise RuntimeError("the database went away")


def forbidden(request: Any) -> Any:
    raise PermissionDenied("only owners")


# The root URLconf with two views that fail; its handlers are home.urls' own.
urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), path("forbidden/", forbidden), *root_urls.urlpatterns]
handler400 = root_urls.handler400
handler403 = root_urls.handler403
handler404 = root_urls.handler404
handler500 = root_urls.handler500


@pytest.fixture
def failing_views(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def assert_friendly(response: Any, status: int, language: str, heading: str) -> str:
    content = response.content.decode()
    assert response.status_code == status
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in content
    assert f"<h1>{html_text(heading)}</h1>" in content
    assert '<nav class="site-nav"' in content
    assert f'<a class="button" href="/{language}/">' in content  # the way back
    for detail in STACK_DETAIL:
        assert detail not in content
    return content


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Page not found"), ("ar", "الصفحة غير موجودة"), ("ku", "Rûpel nehat dîtin"), ("ru", "Страница не найдена")],
)
def test_404_page_in_the_visitors_language(client: Client, language: str, heading: str) -> None:
    response = client.get(f"/{language}/no-such-page/")

    content = assert_friendly(response, 404, language, heading)
    assert "/no-such-page/" not in content.split("<main", 1)[1]


def test_404_page_of_an_address_without_language_follows_the_browser(client: Client) -> None:
    response = client.get("/no-such-page/", headers={"accept-language": "fr"})

    assert_friendly(response, 404, "fr", "Page introuvable")


def test_404_of_the_api_is_json(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Not found."}


def test_403_page_keeps_the_signed_in_navigation(client: Client, failing_views: None) -> None:
    client.force_login(make_user("member@example.org"))

    response = client.get("/forbidden/", headers={"accept-language": "es"})

    content = assert_friendly(response, 403, "es", "No tiene permiso para hacer esto")
    assert "only owners" not in content
    assert 'action="/es/accounts/logout/"' in content


def test_400_page_when_the_portal_cannot_read_a_form(client: Client) -> None:
    fields = {f"field{number}": "x" for number in range(1200)}

    response = client.post("/ar/accounts/login/", {"login": "a@example.org", "password": PASSWORD, **fields})

    assert_friendly(response, 400, "ar", "الطلب غير صالح")


def test_expired_form_says_what_happened(client: Client) -> None:
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/fr/accounts/login/", {"login": "a@example.org", "password": PASSWORD})

    content = assert_friendly(response, 403, "fr", "Le formulaire a expiré")
    assert "CSRF" not in content.split("<main", 1)[1]


def test_500_page_in_the_visitors_language_without_detail(failing_views: None) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/boom/", headers={"accept-language": "ru"})

    content = assert_friendly(response, 500, "ru", "Что-то пошло не так")
    assert "the database went away" not in content


def test_500_page_renders_when_the_request_context_itself_fails(
    failing_views: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: Any) -> dict[str, Any]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(context_processors, "navigation", broken)
    client = Client(raise_request_exception=False)

    response = client.get("/boom/", headers={"accept-language": "ar"})

    assert_friendly(response, 500, "ar", "حدث خطأ ما")


def test_500_of_the_api_is_json(failing_views: None) -> None:
    response = Client(raise_request_exception=False).get("/api/v1/boom/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "the database went away" not in response.content.decode()


def test_a_host_the_portal_does_not_serve_gets_the_400_page(client: Client) -> None:
    response = client.get("/ar/", headers={"host": "portal.evil.example"})

    assert_friendly(response, 400, "ar", "الطلب غير صالح")
