"""Helpers shared by the events tests: clients for a person, a page's visible text, an iCalendar file as a
calendar app reads it, and POSTs whose email (queued for after the commit) goes out as in production."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags

from events.models import Event
from organizations.models import Membership, Organization
from portal.models import User
from tests.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

API = "/api/v1/events/"


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def member(organization: Organization, role: str = Membership.Role.MEMBER, **fields: Any) -> User:
    return MembershipFactory(user=UserFactory(**fields), organization=organization, role=role).user


def text_of(response: Any) -> str:
    """A page's visible text, whitespace folded, as a reader sees it."""
    return " ".join(strip_tags(response.content.decode()).split())


def unfolded(ics: bytes) -> str:
    """An iCalendar file with its long lines unfolded (RFC 5545, 3.1): a value folded across two lines
    would otherwise slip past a search for it."""
    return ics.decode().replace("\r\n ", "").replace("\r\n\t", "")


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def mail_to(user: User) -> list[Any]:
    return [message for message in mail.outbox if user.email in message.to]


@pytest.fixture
def send(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST like a browser; the email queued for after the commit goes out (Celery is eager in tests)."""

    def post(client: Client, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, **extra)

    return post


def event_form(owner: Organization, **overrides: Any) -> dict[str, Any]:
    """The scheduling form as a coordinator fills it in: times typed in the event's own zone."""
    day = (timezone.now() + datetime.timedelta(days=60)).date().isoformat()
    return {
        "owner": owner.pk,
        "series": "",
        "title_en": "Consultation on the Children and Youth Strategy",
        "description_en": "How the mechanism's work can take children and young people into account.",
        "kind": Event.Kind.STRATEGY_CONSULTATION,
        "format": Event.Format.IN_PERSON,
        "status": Event.Status.SCHEDULED,
        "visibility": Event.Visibility.CLOSED,
        "registration_mode": Event.RegistrationMode.INVITATION,
        "time_zone": "Europe/Zurich",
        "starts_at": f"{day}T10:00",
        "ends_at": f"{day}T17:00",
        "venue": "Palais des Nations",
        "city": "Geneva",
        "country": "CH",
        "street_address": "",
        "online_link": "",
        "working_languages": ["ar", "en"],
        "interpretation": "Arabic ↔ English",
        "capacity": "",
    } | overrides
