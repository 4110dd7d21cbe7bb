"""Names and titles cannot turn the text after them around: an override (U+202E) typed into a name is dropped
when it is saved, whatever the path (portal.text.SingleLineField), and one already stored is isolated where the
name is shown (the `isolate` filter). The URL matrix checks every page for the latter
(tests/security/test_url_matrix.py, `test_route`)."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from events.models import Event
from organizations.models import Membership, Organization
from statements.models import Statement
from tests.factories import EndorsementFactory, EventFactory, MembershipFactory, OrganizationFactory
from tests.security.bidi import OVERRIDE, leaking, store_as_old_rows_are

pytestmark = pytest.mark.django_db

EVIL = f"Evil{OVERRIDE}Gnissecorp"


def test_an_override_typed_into_a_name_is_dropped_from_the_form() -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER)
    organization = owner.organization
    client = Client()
    client.force_login(owner.user)
    data = {
        "name_en": EVIL,
        "kind": organization.kind,
        "hq_country": "TR",
        "email_visibility": "coordinators",
        "phone_visibility": "coordinators",
        "address_visibility": "private",
        "contact_persons_visibility": "private",
    }

    response = client.post(f"/en/organizations/{organization.slug}/edit/", data)

    assert response.status_code == 302, response.content.decode()
    organization.refresh_from_db()
    assert organization.name_en == "EvilGnissecorp"


def test_an_override_typed_into_a_name_is_dropped_from_the_api() -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER)
    api = APIClient()
    api.force_authenticate(owner.user)

    response = api.patch(
        f"/api/v1/organizations/{owner.organization.slug}/",
        {"name_en": EVIL, "acronym": f"E{OVERRIDE}G"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["name_en"], response.json()["acronym"]) == ("EvilGnissecorp", "EG")
    owner.organization.refresh_from_db()
    assert (owner.organization.name_en, owner.organization.acronym) == ("EvilGnissecorp", "EG")


def test_a_name_of_nothing_but_direction_controls_is_refused_by_the_api() -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER)
    api = APIClient()
    api.force_authenticate(owner.user)
    names = {f"name_{code}": "" for code in ("ar", "ku", "fr", "es", "ru")}

    response = api.patch(
        f"/api/v1/organizations/{owner.organization.slug}/", {**names, "name_en": OVERRIDE * 3}, format="json"
    )

    assert response.status_code == 400
    assert "name_en" in response.json()


def test_titles_saved_any_way_are_one_line_without_an_open_override() -> None:
    event = EventFactory(title_en=f"Consultation\non {OVERRIDE}victims")
    statement = EndorsementFactory().statement
    statement.title_en = f"Open letter {OVERRIDE}"
    statement.save()
    Event.objects.filter(pk=event.pk).update(venue=f"Palais{OVERRIDE}\r\ndes Nations")

    event.refresh_from_db()
    statement.refresh_from_db()
    assert (event.title_en, event.venue) == ("Consultation on victims", "Palais des Nations")
    assert statement.title_en == "Open letter"


@pytest.fixture
def evil() -> Organization:
    """A listed organisation whose name holds an override, written past the cleaning as an old row is."""
    organization = OrganizationFactory()
    store_as_old_rows_are(Organization, organization.pk, name_en=EVIL)
    organization.refresh_from_db()
    return organization


def test_the_profile_isolates_the_name(evil: Organization) -> None:
    page = Client().get(f"/en/organizations/{evil.slug}/").content.decode()

    assert OVERRIDE in page
    assert leaking(page) == []


def test_the_directory_isolates_the_name(evil: Organization) -> None:
    page = Client().get("/en/organizations/").content.decode()

    assert OVERRIDE in page
    assert leaking(page) == []


def test_a_statements_endorsers_isolate_the_name(evil: Organization) -> None:
    endorsement = EndorsementFactory(organization=evil)
    statement: Statement = endorsement.statement

    page = Client().get(f"/en/statements/{statement.slug}/").content.decode()

    assert OVERRIDE in page
    assert leaking(page) == []
