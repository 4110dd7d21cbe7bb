"""Shared pieces for the statements tests: people in organisations, and clients that act like browsers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase

from organizations.models import Membership, Organization
from portal.models import User
from statements.models import Statement
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, StatementFactory


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    # Rendered PDFs land in a fresh folder per test, never in the project's var/.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def member_of(organization: Organization, role: str = Membership.Role.OWNER, **user_fields: Any) -> User:
    return MembershipFactory(
        organization=organization, role=role, **{f"user__{k}": v for k, v in user_fields.items()}
    ).user


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def post(client: Client, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """POST like a browser; what the views queue for after the commit (email) runs, as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data or {}, **extra)


def page_text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def url(statement: Statement, suffix: str = "", language: str = "en") -> str:
    return f"/{language}/statements/{statement.slug}/{suffix}"


@pytest.fixture
def letter(db: None) -> Statement:
    """An open letter of a network, open for endorsement, in English."""
    return StatementFactory(
        owner=OrganizationFactory(name_en="Women Peace Network", name_ar="", acronym="WPN", kind="network"),
        title_en="Open letter: support women human rights defenders",
    )


@pytest.fixture
def cso(db: None) -> Organization:
    return OrganizationFactory(name_en="Families for Freedom", name_ar="", acronym="", hq_country="DE")


@pytest.fixture
def cso_owner(cso: Organization) -> User:
    return member_of(cso, Membership.Role.OWNER, email="owner@families.example.org", full_name="Amal Owner")


@pytest.fixture
def letter_editor(letter: Statement) -> User:
    """An editor of the organisation that owns the letter: one of its coordinators."""
    return member_of(letter.owner, Membership.Role.EDITOR, email="editor@wpn.example.org")
