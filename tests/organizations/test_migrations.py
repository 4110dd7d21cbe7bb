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
