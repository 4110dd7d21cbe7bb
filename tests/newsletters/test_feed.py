"""A publication's Atom feed is valid Atom: every edition names its publisher, as Atom requires an author, and its
published date is the day it was published, not the moment its row was last written."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from newsletters.models import Edition
from tests.atom import ATOM, assert_valid_atom, atom, text, timestamp
from tests.factories import EditionFactory, PublicationFactory, host_organization

pytestmark = pytest.mark.django_db


def test_publication_feed_is_valid_atom_and_each_edition_names_its_publisher() -> None:
    publication = PublicationFactory(owner=host_organization(), slug="victim-support-project")
    EditionFactory(publication=publication, number=1)
    EditionFactory(publication=publication, number=2)

    feed = atom(Client(), "/en/bulletins/victim-support-project/feed/")

    entries = assert_valid_atom(feed)
    assert len(entries) == 2
    assert {text(entry.find(f"{ATOM}author"), "name") for entry in entries} == {str(publication.owner.name)}


def test_an_editions_published_date_is_its_publication_date_not_when_its_row_was_written() -> None:
    publication = PublicationFactory(owner=host_organization(), slug="victim-support-project")
    edition = EditionFactory(publication=publication, number=3, published_on=datetime.date(2024, 10, 15))
    # Loaded into the portal (or corrected) long after it was published.
    Edition.objects.filter(pk=edition.pk).update(updated_at=datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC))

    [entry] = atom(Client(), "/en/bulletins/victim-support-project/feed/").findall(f"{ATOM}entry")

    assert timestamp(text(entry, "published")).date() == datetime.date(2024, 10, 15)
    assert timestamp(text(entry, "updated")) == datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("language", ["ar", "ku"])
def test_the_feed_in_other_languages_is_valid_atom(language: str) -> None:
    publication = PublicationFactory(owner=host_organization(), slug="victim-support-project")
    EditionFactory(publication=publication, number=1, title_ar="العدد الأول")

    assert_valid_atom(atom(Client(), f"/{language}/bulletins/victim-support-project/feed/"))
