"""A new organisation's address says nothing about the others: every one gets a short random suffix, so that an
unlisted or draft organisation with the same name cannot be told from its absence (registering a name would
otherwise be an oracle for whether an unlisted organisation uses it)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from organizations import exchange
from organizations.models import Organization
from tests.factories import OrganizationFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db

ADDRESS = re.compile(r"^hope-for-detainees-families-[a-z0-9]{4}$")


def register(name: str) -> Organization:
    client = Client()
    client.force_login(UserFactory())
    data = {
        "name_en": name,
        "kind": Organization.Kind.VICTIMS_ASSOCIATION,
        "hq_country": "TR",
        "email_visibility": "coordinators",
        "phone_visibility": "coordinators",
        "address_visibility": "private",
        "contact_persons_visibility": "private",
    }
    response = client.post("/en/organizations/register/", data)
    assert response.status_code == 302, response.content.decode()
    return Organization.objects.get(slug=response["Location"].split("/")[-2])


@pytest.mark.parametrize(
    "others",
    [
        {},
        {"listed_publicly": False},
        {"status": Organization.Status.DRAFT, "verified_at": None},
        {"status": Organization.Status.SUSPENDED},
    ],
    ids=["none", "unlisted", "draft", "suspended"],
)
def test_a_registered_organisations_address_is_alike_whoever_else_has_its_name(others: dict) -> None:
    if others:
        OrganizationFactory(name_en="Hope for Detainees' Families", slug="hope-for-detainees-families", **others)

    organization = register("Hope for Detainees' Families")

    assert ADDRESS.match(organization.slug), organization.slug


def test_an_imported_organisations_address_is_alike_whoever_else_has_its_name() -> None:
    OrganizationFactory(name_en="Hope", slug="hope-for-detainees-families", listed_publicly=False)
    text = "name_en,name_ar\nHope for Detainees' Families,\nHope: for detainees families,\n"
    upload = SimpleUploadedFile("organizations.csv", io.BytesIO(text.encode()).getvalue(), content_type="text/csv")

    report = exchange.import_organizations_csv(make_coordinator(), upload)

    assert report.ok, report.rows
    assert all(ADDRESS.match(organization.slug) for organization in report.imported)
    assert len({organization.slug for organization in report.imported}) == 2
