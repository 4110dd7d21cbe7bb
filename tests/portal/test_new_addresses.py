"""A new record's address says nothing about the records its creator may not see: statements, agreements, events
and mailing lists get a short random suffix every time, like organisations (tests/organizations/test_addresses.py),
so that a draft statement, a confidential MoU, a draft or closed event or a private mailing list with the same
title cannot be told from its absence by a "-2"."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import models

from agreements import services as agreements
from agreements.models import Agreement
from events import services as events
from events.models import Event
from newsletters import services as newsletters
from organizations.models import Organization
from statements import services as statements
from statements.models import Statement
from tests.factories import (
    AgreementFactory,
    EventFactory,
    MailingListFactory,
    OrganizationFactory,
    StatementFactory,
    host_organization,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

TITLE = "Hope for Detainees' Families"
BASE = "hope-for-detainees-families"
# An event's address has its start date too.
ADDRESS = re.compile(re.escape(BASE) + r"(-\d{4}-\d\d-\d\d)?-[a-z2-9]{4}")


def new_statement() -> str:
    network = OrganizationFactory(kind=Organization.Kind.NETWORK)
    statement = StatementFactory.build(owner=network, title_en=TITLE, slug="", status=Statement.Status.DRAFT)
    return statements.save_statement(make_coordinator(), statement).slug


def new_agreement() -> str:
    agreement = AgreementFactory.build(title_en=TITLE, slug="", status=Agreement.Status.DRAFT)
    return agreements.save_agreement(make_coordinator(), agreement).slug


def new_event() -> str:
    event = EventFactory.build(owner=host_organization(), title_en=TITLE, slug="", status=Event.Status.DRAFT)
    return events.save_event(make_coordinator(), event).slug


def new_mailing_list() -> str:
    return newsletters.unique_list_slug(TITLE)


PRIVATE_ONES: dict[str, tuple[Callable[[], str], Callable[[str], models.Model]]] = {
    "draft statement": (
        new_statement,
        lambda slug: StatementFactory(slug=slug, title_en=TITLE, status=Statement.Status.DRAFT),
    ),
    "confidential MoU": (
        new_agreement,
        lambda slug: AgreementFactory(
            slug=slug,
            title_en=TITLE,
            kind=Agreement.Kind.MOU,
            visibility=Agreement.Visibility.CONFIDENTIAL,
            owner=OrganizationFactory(kind=Organization.Kind.UN_MECHANISM),
        ),
    ),
    "draft agreement": (
        new_agreement,
        lambda slug: AgreementFactory(slug=slug, title_en=TITLE, status=Agreement.Status.DRAFT),
    ),
    "draft event": (
        new_event,
        lambda slug: EventFactory(slug=slug, title_en=TITLE, status=Event.Status.DRAFT),
    ),
    "closed event": (
        new_event,
        lambda slug: EventFactory(slug=slug, title_en=TITLE, visibility=Event.Visibility.CLOSED),
    ),
    "private mailing list": (
        new_mailing_list,
        lambda slug: MailingListFactory(slug=slug, name_en=TITLE, is_public=False),
    ),
}


@pytest.mark.parametrize("kind", PRIVATE_ONES)
def test_a_new_records_address_is_alike_whether_or_not_a_private_one_has_its_title(kind: str) -> None:
    create, private_one = PRIVATE_ONES[kind]
    alone = create()
    base = alone[:-5]
    for slug in (base, f"{base}-2"):
        private_one(slug)

    beside = create()

    assert ADDRESS.fullmatch(alone), alone
    assert ADDRESS.fullmatch(beside), beside
    assert beside[:-5] == base
