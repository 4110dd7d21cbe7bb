"""Sending a campaign the way production does: real Celery worker processes, Redis as the broker, PostgreSQL,
and a real SMTP server (aiosmtpd) that counts what each recipient receives.

Every subscriber gets the message exactly once, with one worker or two sharing the campaign, both sending; a
worker killed with SIGKILL mid-campaign loses nothing and sends at most the one message that was in flight twice,
marked as such, whether it is restarted or the other worker takes its claims over within seconds; an SMTP server
that stops for 20 seconds delays the campaign by little more; temporary SMTP refusals are tried again, permanent
ones are recorded without stopping the campaign, and an address that keeps bouncing is left out of the next
campaign. These tests need PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED, several processes on one database) and
Redis; they are skipped on the embedded default. Timings are compared with the same campaign undisturbed on the
same workers, with margins for a loaded machine.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from newsletters import dispatch, services
from newsletters.models import Campaign, Claim, Delivery, MailingList, Subscriber, Subscription
from newsletters.tasks import dispatch_campaign
from tests.factories import CampaignFactory, MailingListFactory
from tests.workers import Workers, celery_workers, needs_workers

pytestmark = needs_workers

WAIT_SECONDS = 600  # generous: a loaded CI machine sends slowly, and only a hang should fail
UNSUBSCRIBE_TOKEN = re.compile(r"/subscriptions/([^/]+)/unsubscribe/")


# The SMTP server ---------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What an SMTP sink accepted, per recipient, and what it refused. Addresses in `temporary` are refused
    with 451 the first time; addresses in `permanent` always with 550."""

    temporary: set[str] = field(default_factory=set)
    permanent: set[str] = field(default_factory=set)
    received: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    tokens: dict[str, set[str]] = field(default_factory=dict)
    recipients_per_message: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        with self.lock:
            if address in self.permanent:
                self.refused[address] += 1
                return "550 5.1.1 no such user"
            if address in self.temporary and not self.refused[address]:
                self.refused[address] += 1
                return "451 4.3.0 try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        match = UNSUBSCRIBE_TOKEN.search(headers.get("List-Unsubscribe", ""))
        with self.lock:
            self.recipients_per_message[len(envelope.rcpt_tos)] += 1
            for address in envelope.rcpt_tos:
                self.received[address] += 1
                self.tokens.setdefault(address, set()).add(match.group(1) if match else "")
        return "250 Message accepted for delivery"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())

    def snapshot(self) -> Counter[str]:
        with self.lock:
            return Counter(self.received)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The sink and the workers ------------------------------------------------------------------------------


@dataclass
class Setup:
    """An SMTP sink, and the workers (tests/workers.py) that send to it."""

    mailbox: Mailbox
    port: int
    workers: Workers
    sink: Controller | None = None

    def start_sink(self) -> None:
        self.sink = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.sink.start()

    def stop_sink(self) -> None:
        if self.sink is not None:
            self.sink.stop()
            self.sink = None

    def start_worker(self) -> subprocess.Popen:
        [process] = self.workers.start()
        return process

    def wait_for_workers(self) -> None:
        self.workers.wait_until_up(WAIT_SECONDS)

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = WAIT_SECONDS) -> None:
        self.workers.wait_for(what, condition, timeout)

    def kill_one_holding_a_batch(self, campaign: Campaign) -> tuple[subprocess.Popen, Claim]:
        """SIGKILL a worker in the middle of a batch: each in turn is frozen (SIGSTOP) and killed if it holds
        deliveries of `campaign` under its lease, else let go on, until one is caught so."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for process in self.workers.processes:
                if process.poll() is not None:
                    continue
                os.kill(process.pid, signal.SIGSTOP)
                claim = Claim.objects.filter(
                    campaign=campaign,
                    ended_at=None,
                    worker__endswith=f":{process.pid}",
                    deliveries__status=Delivery.Status.CLAIMED,
                ).first()
                if claim is not None:
                    self.workers.kill(process)
                    return process, claim
                os.kill(process.pid, signal.SIGCONT)
                time.sleep(0.02)
        raise AssertionError(f"no worker caught holding a batch\n{self.workers.log()}")


@pytest.fixture
def setup(transactional_db: None, tmp_path: Path) -> Iterator[Setup]:
    """An SMTP sink on a free loopback port, and workers (none started yet) that send to it."""
    # aiosmtpd logs every SMTP command at INFO: thousands of lines that slow the sink down.
    smtp_log = logging.getLogger("mail.log")
    smtp_log_level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)
    port = free_port()
    with celery_workers(
        tmp_path, smtp_port=port, env={"DISPATCH_RETRY_SECONDS": "1"}, loglevel="WARNING", name="dispatch-test"
    ) as workers:
        setup = Setup(mailbox=Mailbox(), port=port, workers=workers)
        setup.start_sink()
        try:
            yield setup
        finally:
            workers.stop_all()
            setup.stop_sink()
            smtp_log.setLevel(smtp_log_level)


# The campaign -------------------------------------------------------------------------------------------


def list_with_subscribers(count: int, *, prefix: str = "reader") -> tuple[MailingList, list[str]]:
    mailing_list = MailingListFactory()
    emails = [f"{prefix}{n:05d}@families.example.org" for n in range(count)]
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=email, language="ar" if n % 4 == 0 else "en") for n, email in enumerate(emails)]
    )
    Subscription.objects.bulk_create(
        [
            Subscription(mailing_list=mailing_list, subscriber=subscriber, status=Subscription.Status.CONFIRMED)
            for subscriber in subscribers
        ]
    )
    return mailing_list, emails


def deliveries(campaign: Campaign) -> Counter[str]:
    return Counter(campaign.deliveries.values_list("status", flat=True))


def sent(campaign: Campaign) -> int:
    return campaign.deliveries.filter(status=Delivery.Status.SENT).count()


def finished(campaign: Campaign) -> bool:
    return Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DONE).exists()


def sent_by(campaign: Campaign, workers: list[subprocess.Popen]) -> list[int]:
    """How many deliveries each worker sent (the ledger names the claim that sent each, and so the process)."""
    senders = Counter(campaign.deliveries.filter(status=Delivery.Status.SENT).values_list("claim__worker", flat=True))
    return [sum(n for worker, n in senders.items() if worker.endswith(f":{process.pid}")) for process in workers]


def time_to_send(setup: Setup, campaign: Campaign) -> float:
    """Start `campaign` and wait until it is sent; the seconds it took."""
    started = time.monotonic()
    services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay)
    setup.wait_for(f"campaign {campaign} sent", lambda: finished(campaign))
    return time.monotonic() - started


def received_by(setup: Setup, emails: list[str]) -> Counter[str]:
    received = setup.mailbox.snapshot()
    return Counter({email: received[email] for email in emails if received[email]})


def tokens_by_email(mailing_list: MailingList) -> dict[str, str]:
    return dict(mailing_list.subscriptions.values_list("subscriber__email", "token"))


# Tests ---------------------------------------------------------------------------------------------------


def test_every_subscriber_receives_the_campaign_exactly_once(setup: Setup) -> None:
    mailing_list, emails = list_with_subscribers(2000)
    campaign = CampaignFactory(mailing_list=mailing_list)
    setup.start_worker()

    assert services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay) == 2000
    setup.wait_for("every delivery sent", lambda: sent(campaign) == 2000 and finished(campaign))
    setup.wait_for("every message at the sink", lambda: setup.mailbox.total() >= 2000, timeout=10)

    assert setup.mailbox.snapshot() == Counter(dict.fromkeys(emails, 1))
    assert setup.mailbox.recipients_per_message == Counter({1: 2000})
    # Each message carries the unsubscribe token of its recipient's subscription, and only that one.
    tokens = tokens_by_email(mailing_list)
    assert setup.mailbox.tokens == {email: {tokens[email]} for email in emails}
    assert deliveries(campaign) == Counter({Delivery.Status.SENT: 2000})


def test_a_killed_worker_loses_nothing_and_sends_at_most_the_message_in_flight_twice(setup: Setup) -> None:
    total = 2000
    mailing_list, emails = list_with_subscribers(total)
    campaign = CampaignFactory(mailing_list=mailing_list)
    setup.start_worker()
    services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay)

    kills = abandoned = 0
    for share in (0.3, 0.6):
        setup.wait_for(f"{share:.0%} sent", lambda share=share: sent(campaign) >= share * total)
        # Sent marks land a batch at a time: kill while a batch is claimed, not between two batches.
        _worker, claim = setup.kill_one_holding_a_batch(campaign)
        kills += 1
        assert sent(campaign) < total, "the campaign ended before the worker could be killed mid-way"
        # The dead worker's batch: taken over once its lease has expired, by the worker started again.
        abandoned += campaign.deliveries.filter(claim=claim, status=Delivery.Status.CLAIMED).count()
        worker = setup.start_worker()

    setup.wait_for("every delivery sent after the kills", lambda: sent(campaign) == total and finished(campaign))
    setup.wait_for("every message at the sink", lambda: setup.mailbox.total() >= total, timeout=10)

    received = setup.mailbox.snapshot()
    assert set(received) == set(emails), "some subscribers never received the campaign"
    twice = {email for email, count in received.items() if count > 1}
    assert len(twice) <= kills, f"{len(twice)} messages went twice after {kills} kills"
    assert twice <= set(dispatch.possibly_sent_twice(campaign)), "a message went twice without being marked"
    assert len(dispatch.possibly_sent_twice(campaign)) <= kills
    assert deliveries(campaign) == Counter({Delivery.Status.SENT: total})
    assert abandoned > 0, "no claim was left behind by the kills: the takeover of claims was not exercised"
    assert worker.poll() is None


def test_two_workers_share_a_campaign_both_sending_and_none_twice(setup: Setup) -> None:
    mailing_list, emails = list_with_subscribers(3000)
    campaign = CampaignFactory(mailing_list=mailing_list)
    workers = [setup.start_worker(), setup.start_worker()]
    setup.wait_for_workers()

    services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay)
    # Senders queued a second time, as after a restart or from beat's resume_interrupted_campaigns.
    dispatch_campaign.delay(campaign.pk)
    setup.wait_for("every delivery sent", lambda: sent(campaign) == 3000 and finished(campaign))
    setup.wait_for("every message at the sink", lambda: setup.mailbox.total() >= 3000, timeout=10)

    assert setup.mailbox.snapshot() == Counter(dict.fromkeys(emails, 1))
    shares = sent_by(campaign, workers)
    assert sum(shares) == 3000
    assert min(shares) > 0, f"one worker sent everything: {shares}"


def test_a_worker_killed_mid_campaign_leaves_its_share_to_the_other_within_seconds(setup: Setup) -> None:
    calm_list, _calm = list_with_subscribers(3000, prefix="calm")
    mailing_list, emails = list_with_subscribers(3000, prefix="reader")
    workers = [setup.start_worker(), setup.start_worker()]
    setup.wait_for_workers()
    undisturbed = time_to_send(setup, CampaignFactory(mailing_list=calm_list))

    campaign = CampaignFactory(mailing_list=mailing_list)
    started = time.monotonic()
    services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay)
    setup.wait_for("a fifth sent", lambda: sent(campaign) >= 600)
    killed, claim = setup.kill_one_holding_a_batch(campaign)
    killed_at = time.monotonic()
    held = campaign.deliveries.filter(claim=claim, status=Delivery.Status.CLAIMED).count()
    # No restart: the other worker finds the lease expired and takes the claims over.
    setup.wait_for("the claims taken over", lambda: Claim.objects.filter(pk=claim.pk, ended_at__isnull=False).exists())
    taken_over = time.monotonic() - killed_at
    setup.wait_for("every delivery sent", lambda: finished(campaign))
    elapsed = time.monotonic() - started
    setup.wait_for("every message at the sink", lambda: sum(received_by(setup, emails).values()) >= 3000, timeout=10)

    assert held > 0
    assert taken_over < 15, f"the claims of the killed worker were taken over after {taken_over:.1f} s"
    assert elapsed < undisturbed + 30, f"{elapsed:.1f} s with a kill, {undisturbed:.1f} s undisturbed"
    received = received_by(setup, emails)
    assert set(received) == set(emails), "some subscribers never received the campaign"
    twice = {email for email, count in received.items() if count > 1}
    assert len(twice) <= 1
    assert twice <= set(dispatch.possibly_sent_twice(campaign)) and len(dispatch.possibly_sent_twice(campaign)) <= 1
    assert deliveries(campaign) == Counter({Delivery.Status.SENT: 3000})
    survivor = next(process for process in workers if process is not killed)
    assert survivor.poll() is None
    assert sent_by(campaign, [survivor])[0] > sent_by(campaign, [killed])[0]


def test_an_smtp_outage_of_20_seconds_delays_the_campaign_by_little_more(setup: Setup) -> None:
    calm_list, _calm = list_with_subscribers(3000, prefix="calm")
    mailing_list, emails = list_with_subscribers(3000, prefix="reader")
    setup.start_worker()
    setup.start_worker()
    setup.wait_for_workers()
    undisturbed = time_to_send(setup, CampaignFactory(mailing_list=calm_list))

    campaign = CampaignFactory(mailing_list=mailing_list)
    started = time.monotonic()
    services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay)
    setup.wait_for("a fifth sent", lambda: sent(campaign) >= 600)
    setup.stop_sink()
    time.sleep(20)
    setup.start_sink()
    setup.wait_for("every delivery sent", lambda: finished(campaign))
    elapsed = time.monotonic() - started
    setup.wait_for("every message at the sink", lambda: sum(received_by(setup, emails).values()) >= 3000, timeout=10)

    # The senders try the server again within 4 s of each failure; the former engine waited 110 s.
    assert elapsed < undisturbed + 20 + 15, f"{elapsed:.1f} s with the outage, {undisturbed:.1f} s undisturbed"
    received = received_by(setup, emails)
    assert set(received) == set(emails), "some subscribers never received the campaign"
    # A message whose DATA the outage cut may have been taken: it went again, marked; one per worker at most.
    twice = {email for email, count in received.items() if count > 1}
    assert twice <= set(dispatch.possibly_sent_twice(campaign))
    assert len(dispatch.possibly_sent_twice(campaign)) <= 2
    assert deliveries(campaign) == Counter({Delivery.Status.SENT: 3000})


def test_temporary_refusals_are_retried_permanent_ones_recorded_and_bouncers_left_out(setup: Setup) -> None:
    mailing_list, emails = list_with_subscribers(12)
    try_later = emails[:3]
    unknown, bouncer = emails[3], emails[4]
    Subscriber.objects.filter(email=bouncer).update(bounce_count=2)
    setup.mailbox.temporary.update(try_later)
    setup.mailbox.permanent.update([unknown, bouncer])
    setup.start_worker()

    first = CampaignFactory(mailing_list=mailing_list)
    services.start_campaign(None, first, queue_sending=dispatch_campaign.delay)
    setup.wait_for("the first campaign finished", lambda: finished(first))

    assert deliveries(first) == Counter({Delivery.Status.SENT: 10, Delivery.Status.FAILED: 2})
    received = setup.mailbox.snapshot()
    assert received == Counter({email: 1 for email in emails if email not in (unknown, bouncer)})
    # Refused once with 451, then delivered on the next attempt.
    for email in try_later:
        delivery = first.deliveries.get(subscription__subscriber__email=email)
        assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
        assert "451" in delivery.last_error
    for email in (unknown, bouncer):
        delivery = first.deliveries.get(subscription__subscriber__email=email)
        assert delivery.status == Delivery.Status.FAILED
        assert "550" in delivery.last_error and "no such user" in delivery.last_error
    assert Subscriber.objects.get(email=bouncer).status == Subscriber.Status.BOUNCING
    assert Subscriber.objects.get(email=unknown).status == Subscriber.Status.ACTIVE

    second = CampaignFactory(mailing_list=mailing_list, subject_en="A second message")
    assert services.start_campaign(None, second, queue_sending=dispatch_campaign.delay) == 11
    setup.wait_for("the second campaign finished", lambda: finished(second))

    assert not second.deliveries.filter(subscription__subscriber__email=bouncer).exists()
    assert setup.mailbox.refused[bouncer] == 1, "the bouncing address was tried again"
    assert deliveries(second) == Counter({Delivery.Status.SENT: 10, Delivery.Status.FAILED: 1})
    assert setup.mailbox.snapshot() == Counter({email: 2 for email in emails if email not in (unknown, bouncer)})
