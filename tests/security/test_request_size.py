"""Request bodies have a limit, checked before anything reads them (portal.middleware.RequestSizeMiddleware):
a form's is settings.DATA_UPLOAD_MAX_MEMORY_SIZE; the views that take a file (portal.uploads.accepts_upload)
allow that file's limit more, to signed-in people only. A body over the limit gets a translated 413 page (JSON
from the API), form data over Django's own limits a translated 400 page; never a 500, and the body is not read.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from organizations.models import Membership
from portal.uploads import MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES, body_limit
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TOO_LARGE = {
    "en": "What you sent is too large",
    "ar": "ما أرسلته كبير جدًا",
}


def claiming(length: int) -> dict[str, Any]:
    """A request that says its body is `length` bytes and holds a few: a view that read it would fail (the
    test client refuses to read past what it holds), so a 413 proves that nothing was read."""
    return {"data": b"x=1", "content_type": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(length)}


@pytest.fixture
def owner_client() -> tuple[Client, Membership]:
    membership = MembershipFactory(role=Membership.Role.OWNER)
    client = Client()
    client.force_login(membership.user)
    return client, membership


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_30_mb_post_to_the_login_page_gets_a_translated_413(language: str) -> None:
    upload = SimpleUploadedFile("big.bin", b"\0" * (30 * MB))

    response = Client().post(f"/{language}/accounts/login/", {"login": "a@example.org", "file": upload})

    assert response.status_code == 413
    assert TOO_LARGE[language] in response.content.decode()


def test_a_body_over_the_form_limit_is_refused_before_it_is_read() -> None:
    response = Client().post("/en/accounts/login/", **claiming(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))

    assert response.status_code == 413


def test_an_upload_view_takes_a_file_larger_than_a_form(owner_client: tuple[Client, Membership]) -> None:
    client, membership = owner_client

    response = client.post(f"/en/organizations/{membership.organization.slug}/edit/", **claiming(3 * MB))

    # Past the size check: the form then reads the body (here the test client's short one) and fails on it.
    assert response.status_code != 413


def test_an_upload_view_refuses_a_body_past_its_allowance(owner_client: tuple[Client, Membership]) -> None:
    client, membership = owner_client

    response = client.post(f"/ar/organizations/{membership.organization.slug}/edit/", **claiming(30 * MB))

    assert response.status_code == 413
    assert TOO_LARGE["ar"] in response.content.decode()


def test_an_upload_view_allows_anonymous_visitors_no_more_than_a_form() -> None:
    response = Client().post("/en/organizations/register/", **claiming(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))

    assert response.status_code == 413


def test_too_much_form_text_beside_a_file_gets_a_translated_400(owner_client: tuple[Client, Membership]) -> None:
    client, membership = owner_client

    response = client.post(
        f"/ar/organizations/{membership.organization.slug}/edit/",
        {"description_en": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )

    assert response.status_code == 400
    assert "الطلب غير صالح" in response.content.decode()


def test_the_api_answers_a_body_over_the_limit_with_json(owner_client: tuple[Client, Membership]) -> None:
    client, _membership = owner_client

    response = client.patch("/api/v1/me/", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(2 * MB))

    assert response.status_code == 413
    assert response.json() == {"detail": "What you sent is too large: the limit here is 1.0\xa0MB."}


# The class of defect: which views take more than a form, and how much ----------------------------------------

UPLOAD_VIEWS = {
    "organizations:register": MAX_IMAGE_BYTES,  # the logo
    "organizations:edit": MAX_IMAGE_BYTES,
    "organizations:import": 2 * MB,  # organizations.exchange.MAX_IMPORT_BYTES
    "agreements:create": MAX_DOCUMENT_BYTES,  # the signed document
    "agreements:edit": MAX_DOCUMENT_BYTES,
    "events:document_add": MAX_DOCUMENT_BYTES,
    "newsletters:edition_create": MAX_IMAGE_BYTES,  # the cover photo
    "newsletters:edition_edit": MAX_IMAGE_BYTES,
    "newsletters:item_create": MAX_IMAGE_BYTES,  # the item's photo
    "newsletters:item_edit": MAX_IMAGE_BYTES,
    "newsletters:mailing_list": 5 * MB,  # newsletters.services.MAX_IMPORT_BYTES, subscribers
    "statements:import": 1 * MB,  # statements.exchange.MAX_IMPORT_BYTES
    "consultations:respond": MAX_DOCUMENT_BYTES,  # an attachment to a submission
    "consultations:document_add": MAX_DOCUMENT_BYTES,  # a draft under consultation
}


def _views(resolver: URLResolver, namespace: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            found |= _views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[":".join(filter(None, [namespace, pattern.name]))] = pattern.callback
    return found


def test_only_the_named_upload_views_take_more_than_a_form() -> None:
    """A view that raises its limit is listed above with the file it takes."""
    form = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    allowances = {
        name: body_limit(view, signed_in=True) - form
        for name, view in _views(get_resolver()).items()
        if body_limit(view, signed_in=True) != form
    }

    assert allowances == UPLOAD_VIEWS
