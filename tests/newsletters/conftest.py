"""Shared pieces for the bulletin tests: the publisher and the people around it, clients that act like
browsers, and the files a test writes kept in a folder of its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils.html import strip_tags

from newsletters.models import Edition, Publication
from organizations.models import Membership, Organization
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    EditionFactory,
    MembershipFactory,
    OrganizationFactory,
    PublicationFactory,
    UserFactory,
    host_organization,
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    # Uploaded photos and rendered PDFs land in a fresh folder per test, never in the project's media/ or var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def member_of(organization: Organization, role: str = Membership.Role.MEMBER, **user_fields: Any) -> User:
    return MembershipFactory(user=UserFactory(**user_fields), organization=organization, role=role).user


def post(client: Client, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """POST like a browser; what the views queue for after the commit (PDF rendering) runs, as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data or {}, **extra)


def text_of(response: Any) -> str:
    """A page's visible text, whitespace folded, as a reader sees it."""
    return " ".join(strip_tags(response.content.decode()).split())


def edition_url(edition: Edition, suffix: str = "", language: str = "en") -> str:
    return f"/{language}/bulletins/{edition.publication.slug}/{edition.number}/{suffix}"


@dataclass
class World:
    """A publisher (a verified host organisation) with its people, and the people outside it."""

    publisher: Organization
    publication: Publication
    owner: User
    editor: User
    member: User  # a plain member of the publisher: reads, does not compose
    other_coordinator: User  # the editor of another verified host organisation
    other_member: User  # a member of a verified CSO
    operator: User


@pytest.fixture
def world(db: None) -> World:
    publisher = host_organization()
    other_host = OrganizationFactory(
        name_en="Office of the Special Envoy for Syria", name_ar="", acronym="OSE", is_host=True
    )
    cso = OrganizationFactory(name_en="Caesar Families Association", name_ar="", acronym="")
    return World(
        publisher=publisher,
        publication=PublicationFactory(owner=publisher, slug="victim-support-project"),
        owner=member_of(publisher, Membership.Role.OWNER, email="owner@iiim.example.org"),
        editor=member_of(publisher, Membership.Role.EDITOR, email="editor@iiim.example.org"),
        member=member_of(publisher, Membership.Role.MEMBER, email="member@iiim.example.org"),
        other_coordinator=member_of(other_host, Membership.Role.OWNER, email="envoy@ose.example.org"),
        other_member=member_of(cso, Membership.Role.OWNER, email="staff@caesar.example.org"),
        operator=UserFactory(email="operator@example.org", is_staff=True, is_superuser=True),
    )


@pytest.fixture
def published(world: World) -> Edition:
    return EditionFactory(publication=world.publication, number=1, title_en="Edition Number 1: the first months")
