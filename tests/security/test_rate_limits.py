"""Rate limits on the portal's own endpoints that send email on someone's behalf (portal/ratelimit.py): once a
person has used up an action's rate (settings.ACCOUNT_RATE_LIMITS), the next request gets 429 and sends nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.http import HttpResponse
from django.test import Client, TestCase

from agreements.models import AccessionRequest
from events.models import Invitation
from organizations.models import JoinRequest, Membership, MembershipInvitation
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    EventFactory,
    MembershipFactory,
    OrganizationFactory,
    StatementFactory,
    UserFactory,
    host_organization,
    make_coordinator,
)
from tests.portal.conftest import html_text

pytestmark = pytest.mark.django_db

REFUSAL = "You have done this too often in a short time, so nothing was sent. Wait a few minutes, then try again."


def allowed_per_minute(action: str) -> int:
    """The first rate of `action`, which the tests below use up: e.g. 10 for "10/m/user,100/d/user"."""
    first = settings.ACCOUNT_RATE_LIMITS[action].split(",")[0]
    assert first.split("/")[1:] == ["m", "user"], first
    return int(first.split("/")[0])


def client_for(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def post(client: Client, path: str, data: dict[str, Any]) -> HttpResponse:
    """POST like a browser; the email the view queues after the commit goes out, as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


def assert_refused(response: HttpResponse) -> None:
    assert response.status_code == 429
    assert html_text(REFUSAL) in response.content.decode()


def test_the_invitation_after_the_limit_is_refused_and_sends_no_email() -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER).user
    organization = owner.memberships.get().organization
    client = client_for(owner)
    path = f"/en/organizations/{organization.slug}/members/invite/"
    limit = allowed_per_minute("invite_member")

    for n in range(limit):
        assert post(client, path, {"email": f"colleague{n}@example.org", "role": "member"}).status_code == 302
    assert len(mail.outbox) == limit

    assert_refused(post(client, path, {"email": "one-too-many@example.org", "role": "member"}))
    assert len(mail.outbox) == limit
    assert not MembershipInvitation.objects.filter(email="one-too-many@example.org").exists()


def test_the_limit_counts_per_person() -> None:
    organization = OrganizationFactory()
    owners = [MembershipFactory(organization=organization, role=Membership.Role.OWNER).user for _ in range(2)]
    path = f"/en/organizations/{organization.slug}/members/invite/"
    busy = client_for(owners[0])
    for n in range(allowed_per_minute("invite_member")):
        post(busy, path, {"email": f"colleague{n}@example.org", "role": "member"})

    response = post(client_for(owners[1]), path, {"email": "another@example.org", "role": "member"})

    assert response.status_code == 302
    assert MembershipInvitation.objects.filter(email="another@example.org").exists()


def test_join_requests_beyond_the_limit_are_refused() -> None:
    organizations = [MembershipFactory(role=Membership.Role.OWNER).organization for _ in range(2)]
    client = client_for(UserFactory())
    for _ in range(allowed_per_minute("request_to_join")):
        post(client, f"/en/organizations/{organizations[0].slug}/join/", {"message": "I work there."})
    sent = len(mail.outbox)

    assert_refused(post(client, f"/en/organizations/{organizations[1].slug}/join/", {"message": "And here."}))
    assert len(mail.outbox) == sent
    assert not JoinRequest.objects.filter(organization=organizations[1]).exists()


def test_accession_requests_beyond_the_limit_are_refused() -> None:
    make_coordinator()  # who the mechanism's email would go to
    protocol = AgreementFactory()
    owner = MembershipFactory(role=Membership.Role.OWNER).user
    organization = owner.memberships.get().organization
    client = client_for(owner)
    path = f"/en/agreements/{protocol.slug}/accession/"
    for _ in range(allowed_per_minute("request_accession")):
        post(client, path, {"organization": "0"})

    assert_refused(post(client, path, {"organization": organization.pk, "message": "We would like to accede."}))
    assert mail.outbox == []
    assert not AccessionRequest.objects.exists()


def test_statement_outreach_beyond_the_limit_is_refused() -> None:
    statement = StatementFactory(owner=host_organization())
    MembershipFactory(role=Membership.Role.OWNER)  # the owner of an organisation outreach would write to
    client = client_for(make_coordinator(Membership.Role.EDITOR))
    path = f"/en/statements/{statement.slug}/outreach/"
    for _ in range(allowed_per_minute("statement_outreach")):
        post(client, path, {"kind": "nonsense"})
    assert client.get(path).status_code == 200  # looking at how many would be invited is not counted

    assert_refused(post(client, path, {}))
    assert mail.outbox == []


def test_event_invitations_beyond_the_limit_are_refused() -> None:
    event = EventFactory()
    organization = MembershipFactory(role=Membership.Role.OWNER).organization
    client = client_for(make_coordinator(Membership.Role.EDITOR))
    path = f"/en/events/{event.slug}/manage/"
    for _ in range(allowed_per_minute("invite_organizations")):
        post(client, path, {"seats": "2"})

    assert_refused(post(client, path, {"organizations": [organization.pk], "seats": "2"}))
    assert mail.outbox == []
    assert not Invitation.objects.filter(event=event).exists()
