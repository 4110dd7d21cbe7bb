"""The API's JSON (portal.renderers.JSONRenderer, encoded by orjson) is byte for byte what DRF's own renderer writes,
and so is an object put together from pieces encoded once for many readers (portal.renderers.pieces)."""

from __future__ import annotations

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.test import APIClient

from portal.renderers import Encoded, JSONRenderer, Member, for_tags, pieces, shown
from tests.factories import EventFactory, OrganizationFactory, SessionFactory, StatementFactory

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


# A profile's members as the organisations API tags them, and an event's with a value in two versions (its sessions
# with and without their rooms), tags no reader holds together.
MEMBERS: list[Member] = [
    *((key, value, None) for key, value in PAYLOAD.items()),
    ("email", "contact@example.org", "email"),
    ("phone", "+963 11 000\u2028", "phone"),
    ("sessions", [{"title": "Opening", "room": "https://meet.example.org/x"}], "logistics"),
    ("sessions", [{"title": "Opening"}], "no-logistics"),
    ("after", "a member after the tagged ones", None),
    ("email_visibility", "members", "manage"),
]
READERS = [set(), {"email"}, {"email", "phone", "manage", "logistics"}, {"no-logistics"}, {"phone", "no-logistics"}]


@pytest.mark.parametrize("tags", READERS)
def test_an_object_from_pieces_is_the_object_shown_to_the_reader(tags: set[str]) -> None:
    encoded = pieces(MEMBERS)
    rendered = JSONRenderer().render({"results": [for_tags(encoded, tags), for_tags(encoded, tags)]})

    assert rendered == DRFJSONRenderer().render({"results": [shown(MEMBERS, tags)] * 2})


def test_objects_of_tagged_members_only_and_of_none() -> None:
    only_tagged: list[Member] = [("email", "a@example.org", "email"), ("phone", "1", "phone")]

    assert for_tags(pieces(only_tagged), {"phone"}).json == b'{"phone":"1"}'
    assert for_tags(pieces(only_tagged), set()).json == b"{}"
    assert for_tags(pieces([]), {"email"}).json == b"{}"


def test_pretty_printing_reads_what_is_already_encoded() -> None:
    data = {"results": [for_tags(pieces(MEMBERS), {"email"})], "raw": Encoded(b'[1,"two"]')}
    expected = {"results": [shown(MEMBERS, {"email"})], "raw": [1, "two"]}

    assert JSONRenderer().render(data, "application/json; indent=4") == DRFJSONRenderer().render(
        expected, "application/json; indent=4"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/api/v1/organizations/", "/api/v1/events/", "/api/v1/statements/"])
def test_lists_of_encoded_objects_pretty_printed_and_browsable(address: str) -> None:
    organization = OrganizationFactory(name_en="Syrians for Truth and Justice", name_ar=PAYLOAD["name_ar"])
    SessionFactory(event=EventFactory(owner=organization, title_en="Lausanne Platform"), room="Room 2")
    StatementFactory(owner=organization)
    client = APIClient()

    compact = client.get(address).json()
    pretty = client.get(address, HTTP_ACCEPT="application/json; indent=2")
    browsable = client.get(address, HTTP_ACCEPT="text/html")

    assert compact["count"] == 1
    assert pretty.status_code == 200 and pretty.json() == compact
    assert b'\n  "count"' in pretty.content
    assert browsable.status_code == 200
