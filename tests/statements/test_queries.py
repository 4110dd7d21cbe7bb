"""The list page, the feed and the API ask the database the same number of questions however many statements
and endorsements there are (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from organizations.models import Membership, Organization
from statements.models import Statement
from tests.conftest import sign_in
from tests.factories import EndorsementFactory, OrganizationFactory, StatementFactory
from tests.statements.conftest import client_for, member_of

pytestmark = pytest.mark.django_db


def add_statements(count: int, endorsements: int, owner: Organization) -> None:
    for _index in range(count):
        statement = StatementFactory(owner=owner, status=Statement.Status.PUBLISHED, published_on="2024-06-26")
        for number in range(endorsements):
            EndorsementFactory(
                statement=statement,
                organization=OrganizationFactory(hq_country=["FR", "TR", "DE"][number % 3]),
                named_publicly=number % 4 != 0,
            )


def queries(get: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get()
    assert response.status_code == 200
    return len(captured)


@pytest.fixture(params=["anonymous", "manager"])
def caller(request: pytest.FixtureRequest) -> tuple[Organization, Any]:
    owner = OrganizationFactory(kind=Organization.Kind.NETWORK)
    user = member_of(owner, Membership.Role.EDITOR) if request.param == "manager" else None
    return owner, user


@pytest.mark.parametrize(
    "path", ["/en/statements/", "/ar/statements/feed/", "/api/v1/statements/"], ids=["list", "feed", "api"]
)
def test_query_count_does_not_grow_with_statements_or_endorsements(caller: tuple[Organization, Any], path: str) -> None:
    owner, user = caller
    client = APIClient() if path.startswith("/api/") else client_for()
    if user is not None:
        sign_in(client, user)
    add_statements(2, 2, owner)
    few = queries(lambda: client.get(path))

    add_statements(6, 9, owner)
    many = queries(lambda: client.get(path))

    assert few == many


def test_detail_query_count_does_not_grow_with_endorsements() -> None:
    owner = OrganizationFactory(kind=Organization.Kind.NETWORK)
    add_statements(1, 2, owner)
    statement = Statement.objects.get()
    path = f"/en/statements/{statement.slug}/"
    few = queries(lambda: client_for().get(path))

    for number in range(20):
        EndorsementFactory(
            statement=statement, organization=OrganizationFactory(hq_country="SY"), named_publicly=number % 2 == 0
        )
    many = queries(lambda: client_for().get(path))

    assert few == many


def test_api_endorsers_come_a_page_at_a_time_with_constant_queries() -> None:
    owner = OrganizationFactory(kind=Organization.Kind.NETWORK)
    add_statements(1, 4, owner)
    statement = Statement.objects.get()
    client = APIClient()
    path = f"/api/v1/statements/{statement.slug}/endorsers/"
    few = queries(lambda: client.get(path))

    for _number in range(60):
        EndorsementFactory(statement=statement, organization=OrganizationFactory(hq_country="SY"), named_publicly=True)
    many = queries(lambda: client.get(path))
    payload = client.get(path).json()

    assert few == many
    assert payload["count"] == 3 + 60  # one of the first four asked not to be named
    assert len(payload["results"]) == 50
    assert client.get(payload["next"]).json()["results"][-1]["organization"]


def test_statement_page_lists_a_page_of_endorsers_with_constant_queries() -> None:
    owner = OrganizationFactory(kind=Organization.Kind.NETWORK)
    add_statements(1, 4, owner)
    statement = Statement.objects.get()
    path = f"/en/statements/{statement.slug}/"
    few = queries(lambda: client_for().get(path))

    for _number in range(210):
        EndorsementFactory(statement=statement, organization=OrganizationFactory(hq_country="SY"), named_publicly=True)
    many = queries(lambda: client_for().get(path))
    text = client_for().get(path).content.decode()

    assert few == many
    assert "Page 1 of 2" in text
    assert (
        text.count('class="endorsers__country"') == 3
    )  # France, Germany, then Syria fills the page; Turkey is on page 2
