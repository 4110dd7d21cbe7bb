"""The API's JSON (portal.renderers.JSONRenderer, encoded by orjson) is byte for byte what DRF's own renderer writes."""

from __future__ import annotations

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.test import APIClient

from portal.renderers import JSONRenderer
from tests.factories import OrganizationFactory

PAYLOAD = {
    "name": "Syrians for Truth and Justice",
    "name_ar": "سوريون من أجل الحقيقة والعدالة",
    "name_ku": "Sûriyayiyên ji bo Rastî û Dadmendiyê",
    "lazy": gettext_lazy("Directory"),
    "separators": "line\u2028paragraph\u2029end",
    "escapes": 'quote " backslash \\ control \x01 tab \t',
    "at_utc": datetime.datetime(2026, 4, 3, 9, 30, tzinfo=datetime.UTC),
    "at_geneva": datetime.datetime(2026, 4, 3, 9, 30, 15, 123456, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich")),
    "naive": datetime.datetime(2026, 4, 3, 9, 30),
    "day": datetime.date(2018, 4, 3),
    "time": datetime.time(9, 30),
    "amount": decimal.Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "numbers": [0, -1, 2**53, 1.5, True, False, None],
    "nested": {"tuple": (1, "two"), 3: "an integer key", "empty": {}},
}


@pytest.mark.parametrize("media_type", ["application/json", None])
def test_the_bytes_are_drfs_own(media_type: str | None) -> None:
    assert JSONRenderer().render(PAYLOAD, media_type) == DRFJSONRenderer().render(PAYLOAD, media_type)


def test_pretty_printing_and_nothing_are_drfs_too() -> None:
    assert JSONRenderer().render(PAYLOAD, "application/json; indent=4") == DRFJSONRenderer().render(
        PAYLOAD, "application/json; indent=4"
    )
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it_and_the_browsable_api_still_works() -> None:
    organization = OrganizationFactory(name_en="Syrians for Truth and Justice", name_ar=PAYLOAD["name_ar"])
    client = APIClient()

    answer = client.get("/api/v1/organizations/")
    browsable = client.get("/api/v1/organizations/", HTTP_ACCEPT="text/html")

    assert answer["Content-Type"] == "application/json"
    assert answer.json()["results"][0]["slug"] == organization.slug
    assert str(PAYLOAD["name_ar"]).encode() in answer.content  # UTF-8, not escaped
    assert browsable.status_code == 200 and organization.slug in browsable.content.decode()
