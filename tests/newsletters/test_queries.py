"""The public bulletin pages ask the database a fixed number of questions, however long the archive or the
edition."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Event
from newsletters.models import Edition
from organizations.models import Organization
from portal.models import User
from tests.factories import (
    EditionFactory,
    EventFactory,
    ItemFactory,
    OrganizationFactory,
    PublicationFactory,
    SectionFactory,
)
from tests.newsletters.conftest import World, client_for, edition_url


def queries(path: str, user: User | None = None) -> int:
    client = client_for(user)
    client.get(path)  # the first request warms caches (sessions, content types) that are not the page's own
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def add_editions(world: World) -> Callable[[int], None]:
    def add(count: int) -> None:
        start = world.publication.editions.count() + 1
        for number in range(start, start + count):
            EditionFactory(publication=world.publication, number=number)

    return add


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_publication_page_queries_do_not_grow_with_editions(
    world: World, add_editions: Callable[[int], None], who: str
) -> None:
    user = world.editor if who == "editor" else None
    path = f"/en/bulletins/{world.publication.slug}/"
    add_editions(5)
    few = queries(path, user)
    add_editions(20)  # 25 in all: a full page of 20 and a second page

    assert queries(path, user) == few
    assert queries(f"{path}?page=2", user) == few


def test_publication_search_queries_do_not_grow_with_editions(
    world: World, add_editions: Callable[[int], None]
) -> None:
    path = f"/en/bulletins/{world.publication.slug}/?q=Edition"
    add_editions(5)
    few = queries(path)
    add_editions(20)

    assert queries(path) == few


def add_items(edition: Edition, count: int, organizations: list[Organization], events: list[Event]) -> None:
    """`count` items spread over the edition's sections, each mentioning organisations and an event."""
    sections = list(edition.sections.all())
    for n in range(count):
        item = ItemFactory(section=sections[n % len(sections)])
        item.organizations.set(organizations[n % 2 :: 2])
        item.events.set([events[n % len(events)]])


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_edition_page_queries_do_not_grow_with_items(world: World, who: str) -> None:
    user = world.editor if who == "editor" else None
    edition = EditionFactory(publication=world.publication, number=1)
    SectionFactory.create_batch(3, edition=edition)
    organizations = OrganizationFactory.create_batch(4)
    events = EventFactory.create_batch(2)
    add_items(edition, 3, organizations, events)
    few = queries(edition_url(edition), user)

    add_items(edition, 27, organizations, events)

    assert queries(edition_url(edition), user) == few
    assert queries(edition_url(edition, language="ar"), user) == few


def test_publication_list_queries_do_not_grow_with_publications(world: World) -> None:
    few = queries("/en/bulletins/")
    PublicationFactory.create_batch(10)

    assert queries("/en/bulletins/") == few
