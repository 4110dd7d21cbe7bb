"""A part of a page shared by every reader (portal/templatetags/public_fragment.py): rendered once per public
stamp for signed-in readers too, never across languages or addresses, and current after any change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from organizations.models import Organization
from tests.conftest import sign_in
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

DIRECTORY = "/en/organizations/"
FRAGMENT = Template('{% load public_fragment %}{% public_fragment "test" %}{{ greeting }}{% end_public_fragment %}')


def member_client() -> Client:
    client = Client()
    sign_in(client, UserFactory())
    return client


def test_signed_in_readers_share_the_directory_and_see_each_change_at_once() -> None:
    OrganizationFactory(name_en="Syrians for Truth and Justice")
    first, second = member_client(), member_client()
    first.get(DIRECTORY)

    with CaptureQueriesContext(connection) as shared:
        page = second.get(DIRECTORY).content.decode()
    OrganizationFactory(name_en="Caesar Families Association")
    after = second.get(DIRECTORY).content.decode()

    assert "Syrians for Truth and Justice" in page
    assert not any("organizations_organization_topics" in query["sql"] for query in shared.captured_queries)
    assert "Caesar Families Association" in after


def test_a_fragment_is_kept_per_language_and_address() -> None:
    OrganizationFactory(
        name_en="Syrians for Truth and Justice", name_ar="سوريون من أجل الحقيقة والعدالة", kind=Organization.Kind.CSO
    )
    client = member_client()
    client.get(DIRECTORY)

    arabic = client.get("/ar/organizations/").content.decode()
    filtered = client.get(DIRECTORY, {"kind": Organization.Kind.VICTIMS_ASSOCIATION}).content.decode()

    assert "سوريون من أجل الحقيقة والعدالة" in arabic
    assert "Syrians for Truth and Justice" not in filtered


def test_the_first_readers_rendering_is_the_next_readers() -> None:
    request = RequestFactory().get("/en/somewhere/?page=2")

    first = FRAGMENT.render(Context({"request": request, "greeting": "first"}))
    second = FRAGMENT.render(Context({"request": request, "greeting": "second"}))
    elsewhere = FRAGMENT.render(Context({"request": RequestFactory().get("/en/elsewhere/"), "greeting": "third"}))

    assert first == second == "first" and elsewhere == "third"


def test_outside_a_request_it_is_rendered_each_time() -> None:
    assert FRAGMENT.render(Context({"greeting": "an email"})) == "an email"
    assert FRAGMENT.render(Context({"greeting": "a PDF"})) == "a PDF"
