"""Who sees which edition: drafts and scheduled editions stay with the publisher's editors (and operators)
on every surface — the publication page, the edition page, its PDF, the Atom feed, search and the API —
and the composing pages are the editors' alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsletters import tasks
from newsletters.models import Edition, Item
from portal.models import User
from tests.factories import EditionFactory, ItemFactory, OrganizationFactory, SectionFactory
from tests.newsletters.conftest import World, client_for, edition_url, member_of, text_of

API = "/api/v1/editions/"
PREVIEW = "Preview: this edition is not published."
PUBLIC = ["anonymous", "member_of_the_publisher", "other_coordinator", "other_member"]
EDITORS = ["owner", "editor", "operator"]


@dataclass
class Editions:
    published: Edition
    draft: Edition
    scheduled: Edition


@pytest.fixture
def editions(world: World) -> Editions:
    """Edition 1 is out; edition 2 is a draft and edition 3 goes public next week. Each mentions Raqqa."""
    made = Editions(
        published=EditionFactory(publication=world.publication, number=1, title_en="Families meet in Raqqa"),
        draft=EditionFactory(
            publication=world.publication,
            number=2,
            title_en="Draft: sessions in Kobani",
            status=Edition.Status.DRAFT,
            published_on=None,
        ),
        scheduled=EditionFactory(
            publication=world.publication,
            number=3,
            title_en="Scheduled: the Gaziantep hearings",
            status=Edition.Status.SCHEDULED,
            publish_at=timezone.now() + datetime.timedelta(days=7),
            published_on=None,
        ),
    )
    for edition in (made.published, made.draft, made.scheduled):
        ItemFactory(section=SectionFactory(edition=edition), title_en=f"Raqqa news of edition {edition.number}")
    return made


def person(world: World, who: str) -> User | None:
    return {
        "anonymous": None,
        "member_of_the_publisher": world.member,
        "other_coordinator": world.other_coordinator,
        "other_member": world.other_member,
        "owner": world.owner,
        "editor": world.editor,
        "operator": world.operator,
    }[who]


def hidden(editions: Editions) -> list[Edition]:
    return [editions.draft, editions.scheduled]


# The public ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PUBLIC)
def test_publication_page_lists_only_published_editions(world: World, editions: Editions, who: str) -> None:
    page = client_for(person(world, who)).get(f"/en/bulletins/{world.publication.slug}/").content.decode()

    assert editions.published.title_en in page
    for edition in hidden(editions):
        assert edition.title_en not in page
        assert edition_url(edition) not in page


def test_readers_in_turn_are_each_listed_the_editions_they_may_see(world: World, editions: Editions) -> None:
    """The publication's editions are counted and sorted once for the readers the rule treats alike
    (portal.paging): read by the publisher's people and by the public in turn, and again backwards, with and
    without a search, each is listed what they may see."""
    clients = {who: client_for(person(world, who)) for who in PUBLIC + EDITORS}
    for client in clients.values():  # signed in before reading: a first request's writes renew the stamp
        client.get("/en/")
    for who in [*EDITORS, *PUBLIC, *PUBLIC[::-1], *EDITORS[::-1]]:
        for query, found in (("", [editions.published, *hidden(editions)]), ("?q=Gaziantep", [editions.scheduled])):
            page = clients[who].get(f"/en/bulletins/{world.publication.slug}/{query}").content.decode()

            for edition in (editions.published, *hidden(editions)):
                seen = edition in found and (edition == editions.published or who in EDITORS)
                assert (edition.title_en in page) == seen, (who, query, edition.number)


@pytest.mark.parametrize("who", PUBLIC)
def test_unpublished_edition_page_and_pdf_are_not_found(world: World, editions: Editions, who: str) -> None:
    client = client_for(person(world, who))

    for edition in hidden(editions):
        assert client.get(edition_url(edition)).status_code == 404
        assert client.get(edition_url(edition, "pdf/")).status_code == 404
        assert client.get(edition_url(edition, language="ar")).status_code == 404
    assert client.get(edition_url(editions.published)).status_code == 200


@pytest.mark.parametrize("who", PUBLIC)
def test_search_does_not_find_unpublished_editions(world: World, editions: Editions, who: str) -> None:
    page = (
        client_for(person(world, who)).get(f"/en/bulletins/{world.publication.slug}/", {"q": "Raqqa"}).content.decode()
    )

    assert editions.published.title_en in page
    for edition in hidden(editions):
        assert edition.title_en not in page


@pytest.mark.parametrize("who", PUBLIC)
def test_api_does_not_list_or_show_unpublished_editions(world: World, editions: Editions, who: str) -> None:
    client = client_for(person(world, who))

    listed = client.get(API).json()
    assert [edition["number"] for edition in listed["results"]] == [1]
    for edition in hidden(editions):
        assert client.get(f"{API}{edition.pk}/").status_code == 404
    assert client.get(f"{API}{editions.published.pk}/").json()["title"] == editions.published.title_en


@pytest.mark.parametrize("who", ["anonymous", "editor", "operator"])
def test_feed_lists_only_published_editions_whoever_asks(world: World, editions: Editions, who: str) -> None:
    # A feed is read by feed readers and cached by proxies: it never carries a draft.
    response = client_for(person(world, who)).get(f"/en/bulletins/{world.publication.slug}/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert editions.published.title_en in feed
    for edition in hidden(editions):
        assert edition.title_en not in feed
        assert edition_url(edition) not in feed


# The publisher's editors and owners, and operators ---------------------------------------------------------


@pytest.mark.parametrize("who", EDITORS)
def test_editors_see_unpublished_editions_with_a_preview_banner(world: World, editions: Editions, who: str) -> None:
    client = client_for(person(world, who))

    listing = client.get(f"/en/bulletins/{world.publication.slug}/").content.decode()
    for edition in hidden(editions):
        assert edition.title_en in listing
        response = client.get(edition_url(edition))
        assert response.status_code == 200
        assert PREVIEW in response.content.decode()
    assert PREVIEW not in client.get(edition_url(editions.published)).content.decode()


@pytest.mark.parametrize("who", EDITORS)
def test_editors_find_unpublished_editions_by_search_and_api(world: World, editions: Editions, who: str) -> None:
    client = client_for(person(world, who))

    found = client.get(f"/en/bulletins/{world.publication.slug}/", {"q": "Kobani"}).content.decode()
    assert editions.draft.title_en in found
    assert editions.published.title_en not in found
    listed = client.get(API).json()
    assert sorted(edition["number"] for edition in listed["results"]) == [1, 2, 3]
    detail = client.get(f"{API}{editions.draft.pk}/").json()
    assert (detail["status"], detail["title"]) == ("draft", editions.draft.title_en)


def test_editor_may_preview_the_pdf_of_a_draft(world: World, editions: Editions) -> None:
    # Tasks run in-process in the tests: the rendering queued by the request is done when it answers.
    response = client_for(world.editor).get(edition_url(editions.draft, "pdf/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


# Scheduled publication --------------------------------------------------------------------------------------


def test_publish_due_editions_publishes_a_scheduled_edition_whose_time_has_come(
    world: World, editions: Editions
) -> None:
    due = EditionFactory(
        publication=world.publication,
        number=4,
        title_en="Due: the Lausanne platform",
        status=Edition.Status.SCHEDULED,
        publish_at=timezone.now() - datetime.timedelta(minutes=5),
        published_on=None,
    )

    assert tasks.publish_due_editions.delay().get() == 1

    due.refresh_from_db()
    assert due.status == Edition.Status.PUBLISHED
    assert due.published_on == timezone.localdate()
    editions.scheduled.refresh_from_db()
    assert editions.scheduled.status == Edition.Status.SCHEDULED
    assert editions.scheduled.published_on is None
    assert client_for().get(edition_url(due)).status_code == 200
    assert client_for().get(edition_url(editions.scheduled)).status_code == 404


# Composing is for the publisher's editors ---------------------------------------------------------------------


def manage_pages(edition: Edition) -> list[tuple[str, str]]:
    slug, number = edition.publication.slug, edition.number
    section = edition.sections.first()
    base = f"/en/bulletins/{slug}/{number}"
    return [
        ("get", f"/en/bulletins/{slug}/edit/"),
        ("get", f"/en/bulletins/{slug}/editions/new/"),
        ("post", f"/en/bulletins/{slug}/editions/new/"),
        ("get", f"{base}/edit/"),
        ("post", f"{base}/edit/"),
        ("get", f"{base}/compose/"),
        ("get", f"{base}/sections/new/"),
        ("post", f"{base}/sections/new/"),
        ("get", f"{base}/sections/{section.pk}/"),
        ("get", f"{base}/sections/{section.pk}/items/new/"),
        ("post", f"{base}/sections/{section.pk}/items/new/"),
        ("post", f"{base}/section/{section.pk}/reorder/"),
        ("post", f"{base}/publish/"),
        ("post", f"{base}/render/"),
    ]


@pytest.mark.parametrize("who", ["member_of_the_publisher", "other_coordinator", "other_member"])
def test_composing_pages_are_forbidden_to_signed_in_non_editors(world: World, editions: Editions, who: str) -> None:
    client = client_for(person(world, who))

    for method, url in manage_pages(editions.published):
        response = getattr(client, method)(url, {"title_en": "Taken over", "action": "delete"})
        assert response.status_code == 403, (method, url)
    # Any coordinator of a host organisation may start a publication of their own, nobody else.
    assert client.get("/en/bulletins/new/").status_code == (200 if who == "other_coordinator" else 403)
    assert editions.published.sections.count() == 1
    assert Edition.objects.filter(title_en="Taken over").count() == 0


@pytest.mark.parametrize("who", ["member_of_the_publisher", "other_coordinator", "other_member"])
def test_composing_pages_of_a_draft_answer_as_for_an_edition_that_does_not_exist(
    world: World, editions: Editions, who: str
) -> None:
    client = client_for(person(world, who))

    for method, url in manage_pages(editions.draft):
        if "/2/" not in url:
            continue
        answer = getattr(client, method)(url, {"action": "delete"}).status_code
        assert answer in (403, 404), (method, url)
        assert getattr(client, method)(url.replace("/2/", "/99/"), {"action": "delete"}).status_code == answer
    assert editions.draft.sections.count() == 1
    assert Edition.objects.get(pk=editions.draft.pk).status == Edition.Status.DRAFT


def test_composing_pages_send_anonymous_visitors_to_log_in(world: World, editions: Editions) -> None:
    client = client_for()

    for method, url in [*manage_pages(editions.published), ("get", "/en/bulletins/new/")]:
        response = getattr(client, method)(url, {"action": "delete"})
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/en/accounts/login/?next="), (method, url)
    assert editions.published.sections.count() == 1


@pytest.mark.parametrize("member_first", [True, False])
def test_an_edition_shared_by_its_readers_names_an_unlisted_organisation_only_to_its_members(
    world: World, published: Edition, member_first: bool
) -> None:
    unlisted = OrganizationFactory(name_en="Quiet Witnesses Association", listed_publicly=False)
    listed = OrganizationFactory(name_en="Syrians for Truth and Justice")
    item = ItemFactory(section=SectionFactory(edition=published), title_en="Hearings in Gaziantep")
    item.organizations.set([unlisted, listed])
    insider, outsider = member_of(unlisted), world.other_member
    readers = [insider, outsider, None] if member_first else [None, outsider, insider]

    pages = {reader: text_of(client_for(reader).get(edition_url(published))) for reader in readers}

    assert all("Hearings in Gaziantep" in page and "Syrians for Truth and Justice" in page for page in pages.values())
    assert "Quiet Witnesses Association" in pages[insider]
    assert "Quiet Witnesses Association" not in pages[outsider] + pages[None]


def test_an_edition_read_again_reads_no_items_and_shows_a_change_at_once(world: World, published: Edition) -> None:
    item = ItemFactory(section=SectionFactory(edition=published), title_en="Hearings in Gaziantep")
    reader = client_for(world.other_member)
    reader.get(edition_url(published))

    with CaptureQueriesContext(connection) as queries:
        before = text_of(reader.get(edition_url(published)))
    Item.objects.filter(pk=item.pk).update(title_en="Hearings in Gaziantep and Istanbul")

    assert "Hearings in Gaziantep" in before
    assert not any('"newsletters_item"."title_en"' in query["sql"] for query in queries.captured_queries)
    assert "Hearings in Gaziantep and Istanbul" in text_of(reader.get(edition_url(published)))
