"""portal.rows.read_one: the row a detail page is about, read with a statement built once, is the row the ORM's
`get()` makes, field by field (translations, JSON, countries, time zones included)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from events.models import Event
from newsletters.models import Edition, Publication
from organizations.models import Organization
from portal.models import User
from portal.rows import read_one
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
