"""The data migrations of the organisations app, run against today's models: what they make of existing rows."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from organizations.models import HistoryEntry, Organization
from tests.factories import OrganizationFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db


def migration(name: str) -> object:
    return importlib.import_module(f"organizations.migrations.{name}")


def test_decisions_an_operator_made_last_stay_the_operators() -> None:
    operator = UserFactory(is_superuser=True)
    coordinator = make_coordinator()
    by_operator, overruled, by_coordinator, undecided = OrganizationFactory.create_batch(4)
    HistoryEntry.objects.create(organization=by_operator, actor=operator, action="suspended")
    HistoryEntry.objects.create(organization=overruled, actor=operator, action="suspended")
    HistoryEntry.objects.create(organization=overruled, actor=coordinator, action="verified")
    HistoryEntry.objects.create(organization=by_coordinator, actor=coordinator, action="verified")
    HistoryEntry.objects.create(organization=by_coordinator, actor=operator, action="edited")
    HistoryEntry.objects.create(organization=undecided, actor=operator, action="created")

    migration("0006_decided_by_operator").note_operators_decisions(apps, None)

    decided = Organization.objects.filter(decided_by_operator=True)
    assert list(decided) == [by_operator]


def test_existing_history_entries_get_the_audience_their_fields_had_then() -> None:
    stj = OrganizationFactory(phone_visibility="coordinators", email_visibility="public")
    first = HistoryEntry.objects.create(
        organization=stj, action="edited", changes={"phone": ["", "+963 11"], "email": ["", "a@example.org"]}
    )
    widened = HistoryEntry.objects.create(
        organization=stj, action="edited", changes={"phone_visibility": ["private", "coordinators"]}
    )
    second = HistoryEntry.objects.create(organization=stj, action="edited", changes={"phone": ["+963 11", "+963 22"]})
    joined = HistoryEntry.objects.create(organization=stj, action="member_added", changes={"member": [None, "x@y.org"]})

    migration("0007_history_audiences").record_audiences(apps, None)

    for entry in (first, widened, second, joined):
        entry.refresh_from_db()
    assert first.audiences == {"phone": "private", "email": "public"}
    assert widened.audiences == {}
    assert second.audiences == {"phone": "coordinators"}
    assert joined.audiences == {}
