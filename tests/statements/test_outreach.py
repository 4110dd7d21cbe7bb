"""A statement's outreach goes out as a campaign (home/outreach.py): one message per owner in their language, through
the Delivery ledger, each with its unsubscribe link, its progress on the outreach page, and under the sending limit
shared with all other mail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from newsletters.models import Campaign, Delivery, MailingList, Subscription
from organizations.models import Membership
from portal.models import User
from statements.models import Statement, StatementHistoryEntry
from tests.factories import OrganizationFactory
from tests.statements.conftest import client_for, member_of, page_text, post, url

UNSUBSCRIBE = re.compile(r"https?://\S+/subscriptions/([^/\s]+)/unsubscribe/")


def invite(editor: User, statement: Statement, criteria: dict[str, str]) -> Any:
    return post(client_for(editor), url(statement, "outreach/"), criteria, follow=True)


def test_outreach_is_a_campaign_with_a_ledger_and_an_unsubscribe_link(letter: Statement, letter_editor: User) -> None:
    arabic = member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER, preferred_language="ar")
    english = member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER)

    response = invite(letter_editor, letter, {"country": "TR"})

    campaign = Campaign.objects.get(mailing_list__kind=MailingList.Kind.OUTREACH)
    assert campaign.mailing_list.owner == letter.owner
    assert not campaign.mailing_list.is_public
    assert set(campaign.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert sorted(message.to[0] for message in mail.outbox) == sorted([arabic.email, english.email])
    [to_english] = [message for message in mail.outbox if message.to == [english.email]]
    assert to_english.subject == f"Invitation to endorse: {letter.title_en}"
    assert url(letter) in to_english.body
    footer = "To receive no more invitations from Women Peace Network, unsubscribe:"
    assert footer in re.sub("[\u2066-\u2069]", "", to_english.body)  # the name is isolated (portal.text)
    assert UNSUBSCRIBE.search(to_english.message()["List-Unsubscribe"])
    [to_arabic] = [message for message in mail.outbox if message.to == [arabic.email]]
    assert to_arabic.subject != to_english.subject  # in the owner's language
    assert "Invitations are being sent to the owners of 2 organisations." in page_text(response)
    assert StatementHistoryEntry.objects.filter(statement=letter, action="outreach").exists()


def test_an_owner_who_unsubscribed_receives_no_more_invitations(letter: Statement, letter_editor: User) -> None:
    owner = member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER)
    invite(letter_editor, letter, {"country": "TR"})
    [token] = UNSUBSCRIBE.findall(mail.outbox[0].body)
    assert post(Client(), f"/en/bulletins/subscriptions/{token}/unsubscribe/").status_code in (200, 302)
    mail.outbox.clear()

    invite(letter_editor, letter, {"country": "TR"})

    assert Subscription.objects.get(subscriber__email=owner.email).status == Subscription.Status.UNSUBSCRIBED
    assert mail.outbox == []


def test_a_second_outreach_is_a_second_campaign_to_its_own_recipients(letter: Statement, letter_editor: User) -> None:
    in_turkey = member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER)
    in_germany = member_of(OrganizationFactory(hq_country="DE"), Membership.Role.OWNER)
    invite(letter_editor, letter, {"country": "TR"})
    mail.outbox.clear()

    invite(letter_editor, letter, {"country": "DE"})

    # The outreach list now holds both, but the second invitation goes to its own recipients only.
    assert [message.to for message in mail.outbox] == [[in_germany.email]]
    assert in_turkey.email in MailingList.objects.get(kind="outreach").subscriptions.values_list(
        "subscriber__email", flat=True
    )


def test_the_outreach_page_shows_how_the_invitations_go_out(letter: Statement, letter_editor: User) -> None:
    member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER)
    invite(letter_editor, letter, {"country": "TR"})

    page = page_text(client_for(letter_editor).get(url(letter, "outreach/")))

    assert "Invitations sent" in page
    assert f"Invitation to endorse: {letter.title_en}" in page
    assert "Sent: <strong>1</strong>" in page


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="the sending limit is shared through Redis")
def test_outreach_waits_for_the_sending_limit_and_says_until_when(
    letter: Statement, letter_editor: User, settings: Any
) -> None:
    settings.SENDING_PER_HOUR, settings.SENDING_RESERVE_PERCENT = 4, 50
    for _ in range(3):
        member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER)

    invite(letter_editor, letter, {"country": "TR"})

    assert len(mail.outbox) == 2  # the other half of the hour's cap is left to the mail people wait for
    page = page_text(client_for(letter_editor).get(url(letter, "outreach/")))
    assert "Paused by the sending limit until" in page


def test_no_other_campaign_can_go_to_the_owners_invited(letter: Statement, letter_editor: User) -> None:
    member_of(OrganizationFactory(hq_country="TR"), Membership.Role.OWNER)
    invite(letter_editor, letter, {"country": "TR"})
    outreach_list = MailingList.objects.get(kind=MailingList.Kind.OUTREACH)
    client = client_for(letter_editor)

    assert client.get(f"/en/bulletins/lists/{outreach_list.slug}/").status_code == 404
    assert client.get(f"/en/bulletins/lists/{outreach_list.slug}/campaigns/new/").status_code == 404
    assert outreach_list.slug not in client.get("/en/bulletins/lists/").content.decode()
