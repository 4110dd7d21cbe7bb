"""portal.rows.read_one: the row a detail page is about, read with a statement built once, is the row the ORM's
`get()` makes, field by field (translations, JSON, countries, time zones included); read_for shares it between
the readers of a page until the data changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from events.models import Event
from newsletters.models import Edition, Publication
from organizations.models import Organization
from portal.models import User
from portal.rows import read_for, read_one
from statements.models import Statement
from tests.factories import (
    EditionFactory,
    EventFactory,
    OrganizationFactory,
    PublicationFactory,
    StatementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def same_fields(read: models.Model | None, got: models.Model) -> None:
    assert read is not None and type(read) is type(got)
    for field in got._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(got, field.attname), field.name
    assert read._state.adding is False and read._state.db == got._state.db


@pytest.mark.parametrize(
    ("factory", "model", "key"),
    [
        (OrganizationFactory, Organization, lambda row: {"slug": row.slug}),
        (EventFactory, Event, lambda row: {"slug": row.slug}),
        (StatementFactory, Statement, lambda row: {"slug": row.slug}),
        (PublicationFactory, Publication, lambda row: {"slug": row.slug}),
        (EditionFactory, Edition, lambda row: {"publication": row.publication_id, "number": row.number}),
        (UserFactory, User, lambda row: {"pk": str(row.pk)}),  # as a session holds it
    ],
)
def test_the_row_is_the_one_the_orm_reads(factory: Any, model: type[models.Model], key: Any) -> None:
    row = factory()
    if model is Organization:
        row.name_ar = "رابطة عائلات قيصر"
        row.hq_country, row.countries = "SY", ["SY", "TR"]
        row.working_languages = ["ar", "en"]
        row.save()
    if model is Statement:
        row.published_languages = ["en", "ar"]
        row.save()

    same_fields(read_one(model, **key(row)), model._default_manager.get(pk=row.pk))


def test_no_row_is_none() -> None:
    assert read_one(Organization, slug="nobody") is None


def test_only_a_unique_key_is_accepted() -> None:
    with pytest.raises(ValueError, match="not a unique key"):
        read_one(Organization, hq_country="SY")


def test_a_page_shares_its_row_until_the_data_changes_and_a_change_reads_it_afresh() -> None:
    statement = StatementFactory()
    reading = RequestFactory().get("/")
    first = read_for(reading, Statement, slug=statement.slug)

    with CaptureQueriesContext(connection) as again:
        second = read_for(reading, Statement, slug=statement.slug)
    Statement.objects.filter(pk=statement.pk).update(title_en="Open letter: protect women human rights defenders")
    changed = read_for(reading, Statement, slug=statement.slug)
    with CaptureQueriesContext(connection) as posting:
        posted = read_for(RequestFactory().post("/"), Statement, slug=statement.slug)

    assert first is not None
    same_fields(second, first)
    assert second is not first  # each reader has its own copy to change
    assert not any("statements_statement" in query["sql"] for query in again.captured_queries)
    assert changed is not None and changed.title_en == "Open letter: protect women human rights defenders"
    assert posted is not None and any("statements_statement" in query["sql"] for query in posting.captured_queries)
    assert read_for(reading, Statement, slug="no-such-letter") is None
