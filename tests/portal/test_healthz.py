"""/healthz, the signed-in person's account in the API, and the API's schema and documentation."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, override_settings
from drf_spectacular.validation import validate_schema

from portal.models import User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CLOSED_REDIS_PORT = "redis://127.0.0.1:6390/0"
REDIS_CONFIGURED = bool(settings.REDIS_URL)
_ASSET = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"')


def test_healthz_reports_database_and_migrations_ok(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["migrations"] == "ok"
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.skipif(not REDIS_CONFIGURED, reason="REDIS_URL is not set: the embedded default runs without Redis")
def test_healthz_reports_redis_ok_when_configured(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}


@pytest.mark.skipif(REDIS_CONFIGURED, reason="REDIS_URL is set: Redis is configured and checked")
def test_healthz_says_redis_not_configured_in_embedded_default(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured", "migrations": "ok"}


def test_healthz_fails_when_redis_is_unreachable(client: Client) -> None:
    with override_settings(REDIS_URL=CLOSED_REDIS_PORT):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["redis"].startswith("error")
    assert response.json()["database"] == "ok"


def test_me_requires_authentication(client: Client) -> None:
    response = client.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert "email" not in response.json()


def test_me_returns_the_signed_in_users_account(client: Client, user: User) -> None:
    sign_in(client, user)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == "rania@example.org"
    assert response.json()["full_name"] == "Rania Haddad"
    assert response.json()["preferred_language"] == "en"


def test_me_changes_preferred_language(client: Client, user: User) -> None:
    sign_in(client, user)

    response = client.patch("/api/v1/me/", {"preferred_language": "ku"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["preferred_language"] == "ku"
    user.refresh_from_db()
    assert user.preferred_language == "ku"


def test_me_refuses_unknown_language(client: Client, user: User) -> None:
    sign_in(client, user)

    response = client.patch("/api/v1/me/", {"preferred_language": "xx"}, content_type="application/json")

    assert response.status_code == 400
    assert "preferred_language" in response.json()
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_me_does_not_change_email(client: Client, user: User) -> None:
    sign_in(client, user)

    client.patch("/api/v1/me/", {"email": "someone-else@example.org"}, content_type="application/json")

    user.refresh_from_db()
    assert user.email == "rania@example.org"


def test_schema_is_a_valid_openapi_document(client: Client) -> None:
    response = client.get("/api/schema/", headers={"accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["info"]["title"] == "Civil Society Coordination Portal API"
    assert "/api/v1/me/" in schema["paths"]


def test_api_docs_load_only_local_assets(client: Client) -> None:
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assets = _ASSET.findall(response.content.decode())
    assert any(asset.startswith("/static/") for asset in assets)
    remote = [asset for asset in assets if asset.startswith(("http://", "https://", "//"))]
    assert remote == []
