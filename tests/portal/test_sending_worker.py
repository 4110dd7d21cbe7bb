"""The sending limit as production meets it: a real Celery worker, Redis as broker and for the limit, PostgreSQL, and
an SMTP server (aiosmtpd) that records when each message arrives. A campaign that reaches its share of the cap
waits and says until when, a message a person is waiting for goes out meanwhile, and the campaign finishes on its
own once the window has room again."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.utils import timezone

from newsletters import services
from newsletters.models import Campaign, Delivery, Subscriber, Subscription
from newsletters.tasks import dispatch_campaign
from portal.tasks import send_email
from tests.factories import CampaignFactory, MailingListFactory
from tests.workers import celery_workers, needs_workers

pytestmark = needs_workers

READERS = 5


class Sink:
    """Counts what each recipient receives, and when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.times: dict[str, float] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received[address] += 1
                self.times.setdefault(address, time.monotonic())
        return "250 OK"

    def count(self, suffix: str) -> int:
        with self.lock:
            return sum(n for address, n in self.received.items() if address.endswith(suffix))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_campaign_waits_for_the_cap_while_a_password_reset_goes_first(transactional_db: None, tmp_path: Path) -> None:
    mailing_list = MailingListFactory()
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n}@families.example.org") for n in range(READERS)]
    )
    Subscription.objects.bulk_create(
        [
            Subscription(mailing_list=mailing_list, subscriber=s, status=Subscription.Status.CONFIRMED)
            for s in subscribers
        ]
    )
    campaign = CampaignFactory(mailing_list=mailing_list)
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    # Four messages a minute; campaigns leave a quarter of it (one) to the mail people wait for.
    limits = {"SENDING_PER_MINUTE": "4", "SENDING_RESERVE_PERCENT": "25"}
    try:
        with celery_workers(tmp_path, count=1, smtp_port=port, env=limits, loglevel="WARNING") as workers:
            workers.wait_until_up()
            started = time.monotonic()
            services.start_campaign(None, campaign, queue_sending=dispatch_campaign.delay)

            waiting = Campaign.objects.filter(pk=campaign.pk, limited_until__gt=timezone.now())
            workers.wait_for("the campaign waiting for the limit", waiting.exists)
            assert sink.count("@families.example.org") == 3
            limited_until = Campaign.objects.get(pk=campaign.pk).limited_until
            assert limited_until is not None
            assert 50 <= (limited_until - timezone.now()).total_seconds() <= 61

            send_email.delay("someone@example.org", "Password reset", "Your link.")
            workers.wait_for("the password reset sent", lambda: sink.count("@example.org") == 1, timeout=30)
            assert sink.count("@families.example.org") == 3  # the campaign still waits

            done = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DONE)
            workers.wait_for("the campaign sent", done.exists, timeout=240)
    finally:
        controller.stop()

    assert sink.received == Counter({**{s.email: 1 for s in subscribers}, "someone@example.org": 1})
    assert set(campaign.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    # Never more than four in any minute: the last two left only when the first ones had aged out of it.
    moments = sorted(sink.times.values())
    assert moments[4] - moments[0] >= 59
    assert time.monotonic() - started >= 59
