"""A part of a page shared by every reader (portal/templatetags/public_fragment.py): rendered once per public
stamp for signed-in readers too, never across languages or addresses, and current after any change."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _does_token_match
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from events.models import Event
from organizations.models import Membership, Organization
from tests.conftest import sign_in
from tests.factories import EventFactory, MembershipFactory, OrganizationFactory, UserFactory, host_organization

pytestmark = pytest.mark.django_db

DIRECTORY = "/en/organizations/"
EVENTS = "/en/events/"
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


SHARED_FORM = Template(
    '{% load public_fragment %}{% public_fragment "form" "shared" %}{{ greeting }}<form>{% csrf_token %}</form>'
    "{% end_public_fragment %}"
)


def test_a_shared_form_carries_each_readers_own_token() -> None:
    first, second = RequestFactory().get("/en/one/"), RequestFactory().get("/en/other/")

    first_html = SHARED_FORM.render(RequestContext(first, {"greeting": "first"}))
    second_html = SHARED_FORM.render(RequestContext(second, {"greeting": "second"}))

    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert second_html.startswith("first")  # the first reader's rendering, shared
    assert _does_token_match(token.search(first_html)[1], first.META["CSRF_COOKIE"])
    assert _does_token_match(token.search(second_html)[1], second.META["CSRF_COOKIE"])
    assert not _does_token_match(token.search(second_html)[1], first.META["CSRF_COOKIE"])


def test_two_people_share_the_menu_and_each_logs_out_with_their_own_token() -> None:
    first, second = member_client(), member_client()
    first.get("/en/statements/")

    page = second.get("/en/statements/").content.decode()

    logout = re.search(
        r'action="/en/accounts/logout/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page
    )
    assert logout is not None
    assert _does_token_match(logout[1], second.cookies[settings.CSRF_COOKIE_NAME].value)
    assert not _does_token_match(logout[1], first.cookies[settings.CSRF_COOKIE_NAME].value)
    assert second.post("/en/accounts/logout/", {"csrfmiddlewaretoken": logout[1]}).status_code == 302


def test_the_menu_counts_the_queue_only_for_those_it_shows_it_to() -> None:
    OrganizationFactory(status=Organization.Status.PENDING)
    coordinator = Client()
    sign_in(coordinator, MembershipFactory(organization=host_organization(), role=Membership.Role.OWNER).user)

    member_page = member_client().get("/en/statements/").content.decode()
    coordinator_page = coordinator.get("/en/statements/").content.decode()

    assert "organisation waiting" not in member_page
    assert "1 organisation waiting" in coordinator_page


# Keyed by the rows shown: the events list's cards ------------------------------------------------------------


def verified_member_client(**person: object) -> Client:
    client = Client()
    organization = OrganizationFactory(status=Organization.Status.VERIFIED)
    sign_in(client, MembershipFactory(user=UserFactory(**person), organization=organization).user)
    return client


def test_readers_of_the_same_events_share_their_cards_and_see_each_change_at_once() -> None:
    event = EventFactory(title_en="Lausanne Platform, spring session")
    first, second = verified_member_client(), verified_member_client()
    first.get(EVENTS)

    with CaptureQueriesContext(connection) as shared:
        page = second.get(EVENTS).content.decode()
    Event.objects.filter(pk=event.pk).update(title_en="Lausanne Platform, autumn session")
    after = second.get(EVENTS).content.decode()

    assert "Lausanne Platform, spring session" in page
    assert not any('"events_event"."title_en"' in query["sql"] for query in shared.captured_queries)
    assert "Lausanne Platform, autumn session" in after


def test_a_card_shared_by_members_is_never_shown_to_a_reader_who_may_not_see_its_event() -> None:
    EventFactory(title_en="Lausanne Platform, plenary")
    EventFactory(title_en="Members' briefing on the IIIM strategy", visibility=Event.Visibility.MEMBERS)
    member = verified_member_client().get(EVENTS).content.decode()  # fills the cards of both events
    assert "Members&#x27; briefing" in member

    outsider = member_client().get(EVENTS).content.decode()  # signed in, no verified organisation
    visitor = Client().get(EVENTS).content.decode()

    assert "Lausanne Platform, plenary" in outsider and "Lausanne Platform, plenary" in visitor
    assert "Members&#x27; briefing" not in outsider and "Members&#x27; briefing" not in visitor


def test_each_time_zone_has_its_own_cards() -> None:
    EventFactory(time_zone="Europe/Zurich")
    verified_member_client(time_zone="Asia/Damascus").get(EVENTS)

    berlin = verified_member_client(time_zone="Europe/Berlin").get(EVENTS).content.decode()

    assert "Europe/Berlin" in berlin and "Asia/Damascus" not in berlin
