"""A campaign's life through its coordinator's page (newsletters.services): saved as a draft by its author, a
test to the author first, sent now or at its scheduled time, paused and resumed, and what its page says of
messages that may have gone twice. The sending itself is held back (dispatch_campaign.delay only notes the
campaign), so that each step shows what it queued."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from newsletters import dispatch, services, tasks
from newsletters.models import Campaign, Claim, Delivery, MailingList
from tests.factories import CampaignFactory, MailingListFactory, SubscriptionFactory
from tests.newsletters.conftest import World, client_for, post, text_of


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(tasks.dispatch_campaign, "delay", calls.append)
    return calls


@pytest.fixture
def mailing_list(world: World) -> MailingList:
    mailing_list = MailingListFactory(owner=world.publisher, publication=world.publication, slug="victim-support-news")
    SubscriptionFactory.create_batch(2, mailing_list=mailing_list)
    return mailing_list


@pytest.fixture
def campaign(mailing_list: MailingList, world: World) -> Campaign:
    return CampaignFactory(mailing_list=mailing_list, created_by=world.editor)


def campaign_url(campaign: Campaign, suffix: str = "") -> str:
    return f"/en/bulletins/lists/{campaign.mailing_list.slug}/campaigns/{campaign.pk}/{suffix}"


def act(world: World, campaign: Campaign, action: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """Press a button on the campaign's page. "Send" is confirmed for the recipients the page named, as a
    coordinator does (unless the test passes what the confirmation said)."""
    if action == "send" and data is None:
        data = {"recipients": services.recipients(campaign.mailing_list).count()}
    return post(
        client_for(world.editor), campaign_url(campaign, "action/"), {"action": action, **(data or {})}, **extra
    )


def status_of(campaign: Campaign) -> str:
    return Campaign.objects.get(pk=campaign.pk).status


def test_a_new_campaign_is_a_draft_of_its_author(world: World, mailing_list: MailingList) -> None:
    response = post(
        client_for(world.editor),
        f"/en/bulletins/lists/{mailing_list.slug}/campaigns/new/",
        {"subject_en": "Consultation in Gaziantep", "body_en": "The IIIM will meet the families' associations."},
    )

    campaign = Campaign.objects.get(mailing_list=mailing_list)
    assert response.status_code == 302
    assert (campaign.created_by, campaign.status) == (world.editor, Campaign.Status.DRAFT)


def test_a_test_goes_to_its_author_alone_and_starts_nothing(
    world: World, campaign: Campaign, queued: list[int]
) -> None:
    act(world, campaign, "test")

    [test] = mail.outbox
    assert test.to == [world.editor.email]
    assert test.subject.startswith("[TEST] ")
    assert status_of(campaign) == Campaign.Status.DRAFT
    assert queued == []


def test_sending_now_writes_the_ledger_and_queues_the_sending(
    world: World, campaign: Campaign, queued: list[int]
) -> None:
    act(world, campaign, "send")

    assert status_of(campaign) == Campaign.Status.SENDING
    assert campaign.deliveries.count() == 2
    assert queued == [campaign.pk]


def test_send_now_asks_to_confirm_naming_the_list_and_the_number_of_recipients(
    world: World, campaign: Campaign
) -> None:
    page = text_of(client_for(world.editor).get(campaign_url(campaign)))

    assert (
        "This emails the campaign to the 2 confirmed subscribers of Victim Support Project: news, "
        "each in their own language. It cannot be recalled once sent."
    ) in page
    assert "Send to 2 subscribers" in page


def test_sending_without_confirming_sends_nothing(world: World, campaign: Campaign, queued: list[int]) -> None:
    response = act(world, campaign, "send", data={}, follow=True)

    assert "Confirm the number of recipients before sending." in text_of(response)
    assert status_of(campaign) == Campaign.Status.DRAFT
    assert queued == []


def test_a_confirmation_for_another_number_of_recipients_sends_nothing(
    world: World, campaign: Campaign, queued: list[int]
) -> None:
    # Someone subscribed between the page and the click: the coordinator confirmed 2, the list has 3.
    SubscriptionFactory(mailing_list=campaign.mailing_list)

    response = act(world, campaign, "send", data={"recipients": "2"}, follow=True)

    assert "The list now has 3 recipients, not 2. Check and confirm again." in text_of(response)
    assert status_of(campaign) == Campaign.Status.DRAFT
    assert queued == []


def test_once_sent_the_page_no_longer_says_before_you_send(world: World, campaign: Campaign, queued: list[int]) -> None:
    act(world, campaign, "send")

    page = text_of(client_for(world.editor).get(campaign_url(campaign)))

    assert "Before you send" not in page
    assert "Send to 2 subscribers" not in page


def test_a_campaign_scheduled_later_starts_at_its_time(world: World, campaign: Campaign, queued: list[int]) -> None:
    campaign.scheduled_at = timezone.now() + datetime.timedelta(days=1)
    campaign.save(update_fields=["scheduled_at"])

    act(world, campaign, "send")
    assert (status_of(campaign), campaign.deliveries.count(), queued) == (Campaign.Status.SCHEDULED, 0, [])

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = services.start_due_campaigns(
            queue_sending=tasks.dispatch_campaign.delay, now=timezone.now() + datetime.timedelta(days=2)
        )
    assert started == 1
    assert (status_of(campaign), campaign.deliveries.count(), queued) == (Campaign.Status.SENDING, 2, [campaign.pk])


def test_a_paused_campaign_is_queued_again_when_resumed(world: World, campaign: Campaign, queued: list[int]) -> None:
    act(world, campaign, "send")

    act(world, campaign, "pause")
    assert status_of(campaign) == Campaign.Status.PAUSED
    act(world, campaign, "resume")

    assert status_of(campaign) == Campaign.Status.SENDING
    assert queued == [campaign.pk, campaign.pk]


def test_a_campaign_is_started_once(world: World, campaign: Campaign, queued: list[int]) -> None:
    act(world, campaign, "send")
    response = act(world, campaign, "send", follow=True)

    assert "This campaign has already been started." in response.content.decode()
    assert campaign.deliveries.count() == 2
    assert queued == [campaign.pk]


def test_campaigns_still_sending_after_a_restart_are_queued_again(
    world: World, campaign: Campaign, queued: list[int]
) -> None:
    act(world, campaign, "send")

    assert tasks.resume_interrupted_campaigns() == 1
    assert queued == [campaign.pk, campaign.pk]


def test_a_campaign_with_a_sender_at_work_is_not_queued_again(
    world: World, campaign: Campaign, queued: list[int]
) -> None:
    act(world, campaign, "send")
    lease = dispatch.Lease(campaign)

    assert tasks.resume_interrupted_campaigns() == 0
    # Its sender stopped and its lease expired: nobody is at work on the campaign any more.
    Claim.objects.filter(pk=lease.claim.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert tasks.resume_interrupted_campaigns() == 1
    assert queued == [campaign.pk, campaign.pk]


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Possibly sent twice"), ("ar", "ربما أُرسلت مرتين"), ("fr", "Peut-être envoyé deux fois")],
)
def test_the_campaign_page_counts_the_messages_possibly_sent_twice_and_names_their_recipients(
    world: World, campaign: Campaign, language: str, label: str
) -> None:
    services.start_campaign(world.editor, campaign, queue_sending=tasks.dispatch_campaign.delay)
    twice, once = campaign.deliveries.select_related("subscription__subscriber").order_by("pk")
    Delivery.objects.filter(pk=once.pk).update(status=Delivery.Status.SENT)
    Delivery.objects.filter(pk=twice.pk).update(status=Delivery.Status.SENT, possibly_duplicate=True)
    path = f"/{language}/bulletins/lists/{campaign.mailing_list.slug}/campaigns/{campaign.pk}/"

    text = text_of(client_for(world.editor).get(path))

    assert f"{label}: 1" in text
    assert twice.subscription.subscriber.email in text
    assert once.subscription.subscriber.email not in text


def test_the_campaign_page_says_nothing_of_duplicates_when_there_are_none(world: World, campaign: Campaign) -> None:
    services.start_campaign(world.editor, campaign, queue_sending=tasks.dispatch_campaign.delay)
    campaign.deliveries.update(status=Delivery.Status.SENT)

    text = text_of(
        client_for(world.editor).get(f"/en/bulletins/lists/{campaign.mailing_list.slug}/campaigns/{campaign.pk}/")
    )

    assert "Possibly sent twice" not in text
    assert "Recipients who may have received it twice" not in text
