"""The sending limit (portal/sending.py): one limit for every message the portal sends, counted in Redis by every
process, with the provider's caps per minute, hour and day as sliding windows; campaigns leave a share of each
window to the mail people wait for (account mail, invitations, notifications), which they never hold back.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from newsletters import dispatch, services, tasks
from newsletters.models import Campaign, Delivery
from portal import sending
from portal.celery import app as celery_app
from portal.models import User
from portal.tasks import send_email
from tests.conftest import sign_in
from tests.factories import CampaignFactory, MembershipFactory, SubscriptionFactory, host_organization

needs_redis = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="the limit is shared by every process through Redis"
)


def fill(limit: sending.SendingLimit) -> int:
    """Reserve places with `limit` until a window is full; how many it took."""
    taken = 0
    while True:
        try:
            limit.reserve()
        except sending.LimitReached:
            return taken
        taken += 1


@pytest.fixture
def caps(settings: Any) -> Any:
    """Ten messages a minute, a hundred an hour, a thousand a day; campaigns leave 20% of each to the rest."""
    settings.SENDING_PER_MINUTE, settings.SENDING_PER_HOUR, settings.SENDING_PER_DAY = 10, 100, 1000
    settings.SENDING_RESERVE_PERCENT = 20
    return settings


@needs_redis
def test_campaigns_stop_at_the_cap_less_the_reserve(db: None, caps: Any) -> None:
    assert fill(sending.SendingLimit(sending.Kind.BULK)) == 8


@needs_redis
def test_the_limit_is_one_for_every_sender_of_every_process(db: None, caps: Any) -> None:
    # Each SendingLimit stands for a sender in a worker of its own: they count in the same windows.
    senders = [sending.SendingLimit(sending.Kind.BULK) for _ in range(3)]
    taken = 0
    for number in range(20):
        try:
            senders[number % 3].reserve()
        except sending.LimitReached:
            continue
        taken += 1

    assert taken == 8


@needs_redis
def test_mail_people_wait_for_is_not_held_back_by_campaigns(db: None, caps: Any) -> None:
    fill(sending.SendingLimit(sending.Kind.BULK))

    # The two places campaigns left, and no more: the provider's cap holds for everything.
    assert fill(sending.SendingLimit(sending.Kind.PERSONAL)) == 2


@needs_redis
def test_a_full_window_says_when_a_place_frees_up(db: None, caps: Any) -> None:
    started = timezone.now()
    fill(sending.SendingLimit(sending.Kind.BULK))

    with pytest.raises(sending.LimitReached) as reached:
        sending.SendingLimit(sending.Kind.BULK).reserve()

    # The first of the eight leaves the minute's window a minute after it was sent.
    assert started + datetime.timedelta(seconds=59) <= reached.value.until
    assert reached.value.until <= timezone.now() + datetime.timedelta(seconds=60)


@needs_redis
def test_the_day_counts_what_the_shorter_windows_let_through(db: None, settings: Any) -> None:
    settings.SENDING_PER_MINUTE, settings.SENDING_PER_HOUR, settings.SENDING_PER_DAY = 0, 0, 5
    settings.SENDING_RESERVE_PERCENT = 40

    assert fill(sending.SendingLimit(sending.Kind.BULK)) == 3
    with pytest.raises(sending.LimitReached) as reached:
        sending.SendingLimit(sending.Kind.BULK).reserve()
    assert reached.value.seconds > 23 * 3600


def test_the_embedded_default_keeps_the_same_limit_in_process(db: None, caps: Any) -> None:
    bulk, personal = sending.SendingLimit(sending.Kind.BULK), sending.SendingLimit(sending.Kind.PERSONAL)
    bulk.script = personal.script = None  # as without REDIS_URL
    sending._IN_PROCESS.log.clear()

    assert (fill(bulk), fill(personal)) == (8, 2)
    sending._IN_PROCESS.log.clear()


def test_no_caps_wait_for_nothing(db: None) -> None:
    assert sending.SendingLimit(sending.Kind.BULK).reserve() == 0


# Account mail and notifications ----------------------------------------------------------------------


@needs_redis
def test_a_password_reset_goes_out_while_campaigns_have_used_their_share(db: None, caps: Any, user: User) -> None:
    fill(sending.SendingLimit(sending.Kind.BULK))

    response = Client().post("/en/accounts/password/reset/", {"email": user.email})

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert "/en/accounts/password/reset/key/" in mail.outbox[0].body


@needs_redis
def test_account_mail_counts_against_the_limit(db: None, caps: Any, user: User) -> None:
    for _ in range(3):
        Client().post("/en/accounts/password/reset/", {"email": user.email})

    assert fill(sending.SendingLimit(sending.Kind.BULK)) == 8 - 3


# Campaigns -----------------------------------------------------------------------------------------


def started_campaign(readers: int) -> Campaign:
    campaign = CampaignFactory()
    SubscriptionFactory.create_batch(readers, mailing_list=campaign.mailing_list)
    services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay)
    return campaign


@needs_redis
def test_a_campaign_that_reaches_the_limit_waits_and_says_until_when(db: None, settings: Any) -> None:
    settings.SENDING_PER_HOUR, settings.SENDING_RESERVE_PERCENT = 5, 20
    campaign = started_campaign(6)

    assert dispatch.dispatch(campaign.pk) == "more"

    campaign.refresh_from_db()
    statuses = list(campaign.deliveries.values_list("status", flat=True))
    assert (statuses.count(Delivery.Status.SENT), statuses.count(Delivery.Status.PENDING)) == (4, 2)
    assert len(mail.outbox) == 4
    assert campaign.waits_for_limit
    assert campaign.limited_until is not None
    assert campaign.limited_until > timezone.now() + datetime.timedelta(minutes=59)
    # Its next sender looks again within minutes (the broker re-delivers tasks that wait longer), and goes home.
    assert dispatch.next_attempt_delay(campaign.pk) == dispatch.LIMIT_RECHECK_SECONDS
    assert dispatch.dispatch(campaign.pk) == "more"
    assert len(mail.outbox) == 4


@needs_redis
def test_the_campaign_page_shows_the_wait_for_the_limit(db: None, settings: Any) -> None:
    settings.SENDING_PER_HOUR, settings.SENDING_RESERVE_PERCENT = 2, 50
    publisher = host_organization()
    editor = MembershipFactory(organization=publisher, role="editor").user
    campaign = CampaignFactory(mailing_list__owner=publisher)
    SubscriptionFactory.create_batch(3, mailing_list=campaign.mailing_list)
    services.start_campaign(editor, campaign, queue_sending=tasks.dispatch_campaign.delay)
    dispatch.dispatch(campaign.pk)
    campaign.refresh_from_db()
    # The time alone the same day, else the date too (from 23:00 the hour's wait ends tomorrow).
    until_local = timezone.localtime(campaign.limited_until)
    until = until_local.strftime("%H:%M" if until_local.date() == timezone.localdate() else "%d/%m/%Y %H:%M")
    client = sign_in(Client(), editor)

    page = client.get(campaign.get_absolute_url()).content.decode()
    progress = client.get(f"{campaign.get_absolute_url()}progress/").json()

    assert f"Paused by the sending limit until {until}" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert progress["limit_notice"] == f"Paused by the sending limit until {until}"


@needs_redis
def test_a_campaign_resumes_on_its_own_once_the_window_has_room(db: None, settings: Any) -> None:
    settings.SENDING_PER_HOUR, settings.SENDING_RESERVE_PERCENT = 2, 50
    campaign = started_campaign(2)
    dispatch.dispatch(campaign.pk)
    # An hour later: the log has aged out and the wait is over.
    sending._redis().delete(sending.LOG_KEY)
    Campaign.objects.filter(pk=campaign.pk).update(limited_until=timezone.now() - datetime.timedelta(seconds=1))

    assert dispatch.dispatch(campaign.pk) == "done"

    campaign.refresh_from_db()
    assert len(mail.outbox) == 2
    assert campaign.limited_until is None
    assert dispatch.limit_notice(campaign) == ""


@needs_redis
def test_a_campaign_waiting_for_the_limit_is_not_resumed_by_beat_until_its_wait_is_over(
    db: None, settings: Any
) -> None:
    settings.SENDING_PER_HOUR, settings.SENDING_RESERVE_PERCENT = 2, 50
    campaign = started_campaign(2)
    dispatch.dispatch(campaign.pk)
    queued: list[int] = []

    # Its senders are queued for the end of the wait already: beat adds none every five minutes.
    assert services.resume_interrupted_campaigns(queue_sending=queued.append) == 0
    Campaign.objects.filter(pk=campaign.pk).update(limited_until=timezone.now() - datetime.timedelta(seconds=1))
    assert services.resume_interrupted_campaigns(queue_sending=queued.append) == 1
    assert queued == [campaign.pk]


@needs_redis
def test_a_notification_that_meets_the_whole_cap_is_queued_again_for_when_a_place_frees_up(db: None, caps: Any) -> None:
    fill(sending.SendingLimit(sending.Kind.PERSONAL))
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    broker.delete("celery")
    celery_app.conf.task_always_eager = False  # published to Redis, as from a worker (tests.conftest restores it)

    assert send_email.run("amina@families.example.org", "Your invitation", "Open the link.") == "waiting"

    assert mail.outbox == []
    [queued] = [json.loads(message) for message in broker.lrange("celery", 0, -1)]
    assert queued["headers"]["task"] == "portal.tasks.send_email"
    wait = datetime.datetime.fromisoformat(queued["headers"]["eta"]) - timezone.now()
    assert 55 <= wait.total_seconds() <= 60  # when the first of the minute's messages leaves its window
    broker.delete("celery")
