"""Every list page that can be empty says so and offers a next step: a link to follow, never a dead end."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import sign_in
from tests.factories import MailingListFactory, PublicationFactory, make_coordinator

pytestmark = pytest.mark.django_db

EMPTY_STATE = re.compile(r'<(div|li) class="empty-state">(.*?)</\1>', re.DOTALL)
LIST_PAGES = [
    "/en/organizations/?q=nothing-matches",
    "/en/agreements/",
    "/en/events/",
    "/en/bulletins/",
    "/en/statements/",
]


def empty_state(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    match = EMPTY_STATE.search(response.content.decode())
    assert match is not None, f"{address} shows no empty state"
    return match.group(2)


@pytest.mark.parametrize("address", LIST_PAGES)
def test_empty_list_page_offers_a_visitor_a_next_step(client: Client, address: str) -> None:
    assert "<a href=" in empty_state(client, address)


def test_publication_without_editions_points_to_its_mailing_list(client: Client) -> None:
    publication = PublicationFactory()
    MailingListFactory(publication=publication)

    assert "Subscribe below" in empty_state(client, f"/en/bulletins/{publication.slug}/")


def test_edition_search_without_match_leads_back_to_all_editions(client: Client) -> None:
    publication = PublicationFactory()

    state = empty_state(client, f"/en/bulletins/{publication.slug}/?q=nothing")

    assert f'<a href="/en/bulletins/{publication.slug}/">' in state


@pytest.mark.parametrize(
    ("address", "link"),
    [
        ("/en/agreements/", "/en/agreements/new/"),
        ("/en/events/", "/en/events/new/"),
        ("/en/bulletins/", "/en/bulletins/new/"),
        ("/en/bulletins/lists/", "/en/bulletins/lists/new/"),
        ("/en/statements/", "/en/statements/new/"),
    ],
)
def test_empty_list_page_offers_a_coordinator_to_create_the_first(client: Client, address: str, link: str) -> None:
    sign_in(client, make_coordinator())

    assert f'href="{link}"' in empty_state(client, address)
