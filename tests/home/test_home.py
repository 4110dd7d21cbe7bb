"""The home page's live figures come from the data, and name only what anyone may see."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from newsletters.models import Edition
from organizations.models import Organization
from tests.factories import EditionFactory, EventFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def upcoming(**fields: object) -> Event:
    starts = timezone.now() + datetime.timedelta(days=10)
    return EventFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=3), **fields)


def test_figures_count_listed_organisations_and_upcoming_public_events(client: Client) -> None:
    host = OrganizationFactory(hq_country="TR", is_host=True)
    OrganizationFactory(hq_country="SY")
    OrganizationFactory(hq_country="SY", listed_publicly=False)
    OrganizationFactory(hq_country="FR", status=Organization.Status.PENDING)
    upcoming(owner=host)
    upcoming(owner=host, visibility=Event.Visibility.CLOSED)
    upcoming(owner=host, visibility=Event.Visibility.MEMBERS)
    past = timezone.now() - datetime.timedelta(days=10)
    EventFactory(owner=host, starts_at=past, ends_at=past + datetime.timedelta(hours=2))

    text = client.get("/en/").content.decode()

    assert "<strong>2</strong> <span>organisations in the directory</span>" in text
    assert "<strong>2</strong> <span>countries where they are based</span>" in text
    assert '<a href="/en/events/"><strong>1</strong> <span>upcoming public events</span></a>' in text


def test_latest_published_edition_is_linked_and_a_draft_never(client: Client) -> None:
    EditionFactory(title_en="Bulletin of spring", published_on=datetime.date(2024, 4, 1))
    newer = EditionFactory(title_en="Bulletin of autumn", published_on=datetime.date(2024, 10, 15))
    EditionFactory(title_en="Unfinished draft", status=Edition.Status.DRAFT, published_on=None)

    text = client.get("/en/").content.decode()

    assert f'href="{newer.get_absolute_url()}"><strong><bdi>Bulletin of autumn</bdi></strong>' in text
    assert "Bulletin of spring" not in text
    assert "Unfinished draft" not in text


def test_home_queries_do_not_grow_with_the_data(client: Client, no_public_cache: None) -> None:
    client.get("/en/")
    cache.clear()  # the figures are counted again, as after any change of public data
    with CaptureQueriesContext(connection) as few:
        client.get("/en/")
    for _number in range(5):
        OrganizationFactory()
        upcoming()
        EditionFactory()
    with CaptureQueriesContext(connection) as many:
        client.get("/en/")

    assert len(few) == len(many)
