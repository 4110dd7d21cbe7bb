"""The statements' Atom feed is valid Atom, in every language: each statement names its publisher and is dated
the day it was published."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from tests.atom import ATOM, assert_valid_atom, atom, text, timestamp
from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db


def test_statement_feed_is_valid_atom_and_each_statement_names_its_publisher() -> None:
    statement = StatementFactory(status="published", published_on=datetime.date(2025, 3, 8))

    feed = atom(Client(), "/en/statements/feed/")

    [entry] = assert_valid_atom(feed)
    assert text(entry.find(f"{ATOM}author"), "name") == str(statement.owner.name)
    assert timestamp(text(entry, "published")).date() == datetime.date(2025, 3, 8)


@pytest.mark.parametrize("language", ["ar", "ku"])
def test_the_feed_in_other_languages_is_valid_atom(language: str) -> None:
    StatementFactory(status="published", published_on=datetime.date(2025, 3, 8))

    assert_valid_atom(atom(Client(), f"/{language}/statements/feed/"))
