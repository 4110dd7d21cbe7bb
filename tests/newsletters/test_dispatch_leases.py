"""How the senders of a campaign share it, in-process: each claims deliveries under a lease it renews; a lease
that expires is taken over, what its sender noted as sent is marked sent and the message it had on its way is
marked as possibly sent twice; a sender that lost its lease stops; a mail server that goes away gets the batch
handed back at once; the rate limits hold for every sender together. The same with real workers, SIGKILL and an
SMTP server that stops: test_dispatch_worker.py."""

from __future__ import annotations

import datetime
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core import mail
from django.utils import timezone

from newsletters import dispatch, services, tasks
from newsletters.models import Campaign, Claim, Delivery, Subscription
from portal import sending
from tests.factories import CampaignFactory, SubscriptionFactory


def started_campaign(readers: int, **fields: Any) -> tuple[Campaign, list[Subscription]]:
    campaign = CampaignFactory(**fields)
    subscriptions = SubscriptionFactory.create_batch(readers, mailing_list=campaign.mailing_list)
    services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay)
    campaign.refresh_from_db()
    return campaign, subscriptions


def expire(lease: dispatch.Lease) -> None:
    """What time does to the lease of a sender that stopped renewing it."""
    Claim.objects.filter(pk=lease.claim.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


def statuses(campaign: Campaign) -> Counter[str]:
    return Counter(campaign.deliveries.values_list("status", flat=True))


def received(campaign: Campaign) -> Counter[str]:
    return Counter(address for message in mail.outbox for address in message.to)


def test_a_live_lease_is_not_taken_over(db: None) -> None:
    campaign, _readers = started_campaign(3)
    lease = dispatch.Lease(campaign)
    claimed = lease.claim_deliveries(10)

    assert dispatch.take_over_expired_claims(campaign.pk) == 0

    assert set(campaign.deliveries.values_list("claim", "status")) == {(lease.claim.pk, Delivery.Status.CLAIMED)}
    assert len(claimed) == 3
    lease.renew()


def test_an_expired_lease_is_taken_over_its_notes_marked_sent_and_the_message_on_its_way_marked(db: None) -> None:
    campaign, readers = started_campaign(4)
    # A sender claimed all four, had the first two accepted by the server and noted them, had the third on its
    # way, and stopped before its flush.
    lease = dispatch.Lease(campaign)
    first, second, third, fourth = lease.claim_deliveries(10)
    journal = dispatch.SentJournal(lease.claim)
    for delivery in (first, second):
        journal.note(delivery.pk)
    journal.confirm()
    journal.close()
    expire(lease)

    assert dispatch.take_over_expired_claims(campaign.pk) == 2

    rows = {row.pk: row for row in campaign.deliveries.all()}
    assert [rows[d.pk].status for d in (first, second, third, fourth)] == ["sent", "sent", "pending", "pending"]
    assert [rows[d.pk].possibly_duplicate for d in (first, second, third, fourth)] == [False, False, True, False]
    assert (rows[third.pk].attempts, rows[third.pk].claim) == (1, None)
    assert Claim.objects.get(pk=lease.claim.pk).ended_at is not None

    assert dispatch.dispatch(campaign.pk) == "done"

    # The two noted are not sent again; the one on its way is, and the campaign's page counts it.
    assert received(campaign) == Counter({third.email: 1, fourth.email: 1})
    assert statuses(campaign) == Counter({Delivery.Status.SENT: 4})
    assert dispatch.progress(campaign)["possibly_duplicate"] == 1
    assert dispatch.possibly_sent_twice(campaign) == [third.email]
    assert {reader.subscriber.email for reader in readers} == {d.email for d in (first, second, third, fourth)}


def test_a_sender_whose_lease_was_taken_over_stops_and_marks_nothing(db: None) -> None:
    campaign, _readers = started_campaign(3)
    stalled = dispatch.Lease(campaign)
    first, *_rest = stalled.claim_deliveries(10)
    expire(stalled)
    dispatch.take_over_expired_claims(campaign.pk)

    # It wakes up after more than a third of its lease: before its next message it renews, and learns.
    stalled.renewed -= dispatch.RENEW_SECONDS + 1
    with pytest.raises(dispatch.LeaseLost):
        stalled.keep()
    # What it noted meanwhile is not its to mark any more.
    journal = dispatch.SentJournal(stalled.claim)
    journal.note(first.pk)
    journal.flush()
    journal.close()

    assert statuses(campaign) == Counter({Delivery.Status.PENDING: 3})
    assert dispatch.dispatch(campaign.pk) == "done"
    assert sorted(received(campaign).values()) == [1, 1, 1]


def test_a_sender_renews_its_lease_while_it_sends(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign, _readers = started_campaign(3)
    monkeypatch.setattr(dispatch, "RENEW_SECONDS", 0)
    renewals: list[int] = []
    renew = dispatch.Lease.renew
    monkeypatch.setattr(dispatch.Lease, "renew", lambda lease: renewals.append(1) or renew(lease))

    assert dispatch.dispatch(campaign.pk) == "done"

    assert len(renewals) >= 3  # before each message
    assert statuses(campaign) == Counter({Delivery.Status.SENT: 3})
    assert not Claim.objects.filter(campaign=campaign, ended_at=None).exists()


def test_a_sender_beyond_dispatch_senders_ends_at_once(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign, _readers = started_campaign(3)
    monkeypatch.setattr(dispatch, "SENDERS", 2)
    dispatch.Lease(campaign)
    dispatch.Lease(campaign)

    assert dispatch.dispatch(campaign.pk) == "surplus"

    assert mail.outbox == []
    assert Claim.objects.filter(campaign=campaign, ended_at=None).count() == 2


def test_starting_a_campaign_queues_dispatch_senders_senders(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.send_campaign_slice, "delay", queued.append)

    assert tasks.dispatch_campaign(7) == dispatch.SENDERS == settings.DISPATCH_SENDERS

    assert queued == [7] * dispatch.SENDERS


# A mail server that goes away ---------------------------------------------------------------------------


class Closing:
    """An SMTP server that answers 421 (closing the connection) to the message numbered `closes_at`, once."""

    def __init__(self, closes_at: int) -> None:
        self.closes_at = closes_at
        self.messages = 0
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages += 1
            if self.messages == self.closes_at:
                return "421 4.3.2 shutting down"
            self.received.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def closing(settings: Any) -> Iterator[Closing]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Closing(closes_at=3)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        controller.stop()


def test_a_mail_server_that_closes_gets_the_batch_back_at_once_and_the_sender_goes_on(
    db: None, closing: Closing
) -> None:
    campaign, readers = started_campaign(6)
    started = time.monotonic()

    assert dispatch.dispatch(campaign.pk) == "done"

    # One wait before reconnecting (half a second), not a retry of the message in minutes.
    assert time.monotonic() - started < 30
    assert closing.received == Counter({reader.subscriber.email: 1 for reader in readers})
    refused = campaign.deliveries.get(last_error__contains="421")
    assert (refused.status, refused.attempts, refused.possibly_duplicate) == (Delivery.Status.SENT, 2, False)
    assert statuses(campaign) == Counter({Delivery.Status.SENT: 6})


# Rate limits ---------------------------------------------------------------------------------------------


def reserved_span(paces: list[sending.SendingLimit], count: int) -> float:
    """Seconds from the first to the last of the moments `count` messages may go, asked for by the senders in turn
    (as concurrent senders would). Senders that did not share their limit would each get moments of their own."""
    moments = []
    for number in range(count):
        asked = time.monotonic()
        moments.append(asked + paces[number % len(paces)].reserve())
    return max(moments) - min(moments)


@pytest.mark.skipif(not settings.REDIS_URL, reason="senders share their rate limits through Redis")
def test_the_campaign_rate_limit_holds_for_its_senders_together(db: None) -> None:
    campaign, _readers = started_campaign(1, rate_limit=20)

    span = reserved_span(
        [dispatch.campaign_limit(campaign), dispatch.campaign_limit(campaign), dispatch.campaign_limit(campaign)], 12
    )

    # Twelve messages at 20 a second: 0.55 s from the first to the last (0.15 s if each sender had its own limit).
    assert span >= 0.55 - 0.05


@pytest.mark.skipif(not settings.REDIS_URL, reason="senders share their rate limits through Redis")
def test_the_global_rate_limit_holds_for_every_campaign_together(db: None, settings: Any) -> None:
    settings.SENDING_PER_SECOND = 10
    first, _readers = started_campaign(1)
    second, _readers = started_campaign(1, rate_limit=100)

    span = reserved_span([dispatch.campaign_limit(first), dispatch.campaign_limit(second)], 8)

    assert span >= 0.7 - 0.05  # eight messages at 10 a second, whichever campaign they belong to


def test_a_campaign_without_limits_waits_for_nothing(db: None) -> None:
    campaign, _readers = started_campaign(1)

    assert dispatch.campaign_limit(campaign).reserve() == 0


def test_a_rate_limited_campaign_is_sent_at_its_rate(db: None) -> None:
    campaign, _readers = started_campaign(6, rate_limit=10)
    started = time.monotonic()

    assert dispatch.dispatch(campaign.pk) == "done"

    assert time.monotonic() - started >= 0.5 - 0.01  # six messages, a tenth of a second apart
    assert len(mail.outbox) == 6
