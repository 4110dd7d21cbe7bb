"""Web addresses (a website, social media links, an online meeting's link, a bulletin item's links) are http or
https, checked by one validator (portal.links) wherever they come in: a profile saved through the API can always be
saved again through the form, and the other way round."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from rest_framework import serializers
from rest_framework.test import APIClient

from home.urls import api_router
from organizations.models import Membership, Organization
from portal.links import WebAddressesField, WebAddressField
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOT_THE_WEB = ["ftp://files.example.org/report.pdf", "javascript:alert(1)", "file:///etc/passwd", "mailto:a@b.org"]


@pytest.fixture
def owner() -> Membership:
    return MembershipFactory(role=Membership.Role.OWNER)


def api_for(membership: Membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


def form_for(membership: Membership, **changes: Any) -> Any:
    client = Client()
    client.force_login(membership.user)
    data = {
        "name_en": membership.organization.name_en,
        "kind": membership.organization.kind,
        "hq_country": "TR",
        "email_visibility": "coordinators",
        "phone_visibility": "coordinators",
        "address_visibility": "private",
        "contact_persons_visibility": "private",
        **changes,
    }
    return client.post(f"/en/organizations/{membership.organization.slug}/edit/", data)


@pytest.mark.parametrize("address", NOT_THE_WEB)
@pytest.mark.parametrize("field", ["website", "social_links"])
def test_the_api_refuses_what_the_form_refuses(owner: Membership, field: str, address: str) -> None:
    value = [address] if field == "social_links" else address

    by_api = api_for(owner).patch(f"/api/v1/organizations/{owner.organization.slug}/", {field: value}, format="json")
    by_form = form_for(owner, **{field: address})

    assert by_api.status_code == 400
    assert field in by_api.json()
    assert by_form.status_code == 200  # the form again, with the error
    owner.organization.refresh_from_db()
    assert address not in [owner.organization.website, *owner.organization.social_links]


def test_what_the_api_saved_the_form_saves_again(owner: Membership) -> None:
    saved = api_for(owner).patch(
        f"/api/v1/organizations/{owner.organization.slug}/",
        {"website": "https://stj-sy.org", "social_links": ["http://twitter.com/STJ_SYRIA_ENG"]},
        format="json",
    )
    organization = Organization.objects.get(pk=owner.organization.pk)

    response = form_for(
        owner, website=organization.website, social_links="\n".join(organization.social_links), acronym="STJ"
    )

    assert saved.status_code == 200
    assert response.status_code == 302


# The class of defect: every web address field carries the one validator ------------------------------------


def test_every_model_url_field_is_a_web_address_field() -> None:
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"organizations", "agreements", "events", "newsletters", "statements", "portal"}
        for field in model._meta.concrete_fields
        if (isinstance(field, models.URLField) and not isinstance(field, WebAddressField))
        or (
            isinstance(field, models.JSONField)
            and field.name.endswith("links")
            and not isinstance(field, WebAddressesField)
        )
    ]

    assert plain == []


def _fields(serializer: serializers.Serializer) -> list[tuple[str, serializers.Field]]:
    found = []
    for name, field in serializer.fields.items():
        found.append((name, field))
        if isinstance(field, serializers.ListField):
            found.append((f"{name}[]", field.child))
        if isinstance(field, serializers.Serializer):
            found += [(f"{name}.{inner}", child) for inner, child in _fields(field)]
        if isinstance(field, serializers.ListSerializer):
            found += [(f"{name}[].{inner}", child) for inner, child in _fields(field.child)]
    return found


def test_no_api_field_takes_the_addresses_drf_would() -> None:
    """DRF's URLField takes ftp:// and more; the API's web addresses are portal.api.WebAddressCharField."""
    drf_urls = [
        f"{prefix}: {name}"
        for prefix, viewset, _basename in api_router.registry
        for name, field in _fields(viewset.serializer_class(context={"request": None}))
        if isinstance(field, serializers.URLField)
    ]

    assert drf_urls == []
