"""Sending campaigns: exactly once in practice, safe to kill at any moment, shared by any number of workers.

The ledger is the Delivery table. Starting a campaign writes one pending row per confirmed subscription.
A worker claims a batch of pending rows in a short transaction (SELECT ... FOR UPDATE SKIP LOCKED, so two
workers never claim the same row), sends them over one reused SMTP connection and marks each row sent as
soon as the server accepts it. If the worker dies, its claimed rows become pending again once their claim
is older than DISPATCH_CLAIM_SECONDS; only the message in flight at the moment of the kill can go twice.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from newsletters.models import Campaign, Delivery, Subscriber, Subscription
from portal import audit
from portal.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# A claim older than this is considered abandoned by a dead worker.
CLAIM_SECONDS = getattr(settings, "DISPATCH_CLAIM_SECONDS", 120)
# The first wait after a temporary SMTP failure; it doubles with each attempt.
RETRY_SECONDS = getattr(settings, "DISPATCH_RETRY_SECONDS", 30)
# One task sends for at most this long, then queues the next, so no task outlives the broker's patience.
TASK_SECONDS = 20
MAX_ATTEMPTS = 5
BOUNCE_THRESHOLD = 3
UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_TOKEN__"


class CampaignError(Exception):
    pass


def start_campaign(actor: User | None, campaign: Campaign) -> int:
    """Write the ledger (one row per confirmed, active subscription) and queue the sending."""
    from newsletters.tasks import dispatch_campaign

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            raise CampaignError(_("This campaign has already been started."))
        recipients = Subscription.objects.filter(
            mailing_list_id=campaign.mailing_list_id,
            status=Subscription.Status.CONFIRMED,
            subscriber__status=Subscriber.Status.ACTIVE,
        ).values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            [Delivery(campaign=campaign, subscription_id=pk) for pk in recipients.iterator(chunk_size=2000)],
            batch_size=2000,
            ignore_conflicts=True,
        )
        campaign.status = Campaign.Status.SENDING
        campaign.started_at = timezone.now()
        campaign.save(update_fields=["status", "started_at"])
        count = campaign.deliveries.count()
        audit.record(None, audit.Action.CAMPAIGN_STARTED, actor=actor, target=campaign, recipients=count)
        transaction.on_commit(lambda: dispatch_campaign.delay(campaign.pk))
    return count


def pause_campaign(actor: User, campaign: Campaign) -> None:
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(status=Campaign.Status.PAUSED)


def resume_campaign(actor: User, campaign: Campaign) -> None:
    from newsletters.tasks import dispatch_campaign

    if Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAUSED).update(status=Campaign.Status.SENDING):
        transaction.on_commit(lambda: dispatch_campaign.delay(campaign.pk))


def progress(campaign: Campaign) -> dict[str, int]:
    counts = campaign.deliveries.aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("id", filter=Q(status__in=[Delivery.Status.FAILED, Delivery.Status.SKIPPED])),
    )
    counts["queued"] = counts["total"] - counts["sent"] - counts["failed"]
    counts["percent"] = round(100 * (counts["sent"] + counts["failed"]) / counts["total"]) if counts["total"] else 0
    return counts


# Building messages ------------------------------------------------------------------------------------


@dataclass
class RenderedMessage:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def render_campaign(campaign: Campaign, language: str) -> RenderedMessage:
    """The campaign's email in `language`, with a placeholder where each recipient's unsubscribe token goes."""
    with translation.override(language):
        unsubscribe_url = settings.SITE_URL + reverse("newsletters:unsubscribe", args=[UNSUBSCRIBE_PLACEHOLDER])
        context = {
            "campaign": campaign,
            "edition": campaign.edition,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": unsubscribe_url,
            "language": language,
            "bidi": translation.get_language_bidi(),
        }
        if campaign.edition:
            subject = campaign.edition.title
            context["sections"] = campaign.edition.sections.all()
        else:
            subject = campaign.subject
        return RenderedMessage(
            subject=" ".join(subject.split()),
            text=render_to_string("newsletters/email/campaign.txt", context),
            html=render_to_string("newsletters/email/campaign.html", context),
            unsubscribe_url=unsubscribe_url,
        )


def build_message(
    rendered: RenderedMessage, to: str, token: str, reply_to: str | None = None
) -> EmailMultiAlternatives:
    unsubscribe = rendered.unsubscribe_url.replace(UNSUBSCRIBE_PLACEHOLDER, token)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text.replace(UNSUBSCRIBE_PLACEHOLDER, token),
        to=[to],  # one recipient per message: recipients never see each other
        headers={
            # RFC 8058 one-click unsubscribe: the POST needs no login and no confirmation page.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(rendered.html.replace(UNSUBSCRIBE_PLACEHOLDER, token), "text/html")
    return message


def send_test(actor: User, campaign: Campaign) -> None:
    """Send the campaign to its author first, in their language, outside the ledger."""
    rendered = render_campaign(campaign, actor.preferred_language)
    # A test has no subscription: its unsubscribe link leads to a page that says so.
    message = build_message(rendered, actor.email, "test")
    message.subject = f"[TEST] {message.subject}"
    message.send()


# Sending ----------------------------------------------------------------------------------------------


def _release_abandoned_claims(campaign_id: int, now: datetime.datetime) -> None:
    Delivery.objects.filter(
        campaign_id=campaign_id,
        status=Delivery.Status.CLAIMED,
        claimed_at__lt=now - datetime.timedelta(seconds=CLAIM_SECONDS),
    ).update(status=Delivery.Status.PENDING, claimed_at=None)


def _claim(campaign_id: int, limit: int) -> list[Delivery]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(campaign_id=campaign_id, status=Delivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=rows).update(status=Delivery.Status.CLAIMED, claimed_at=now)
    return list(Delivery.objects.filter(pk__in=rows).select_related("subscription__subscriber").order_by("pk"))


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _record_failure(delivery: Delivery, error: Exception) -> None:
    text = f"{error.__class__.__name__}: {error}"[:500]
    if _is_permanent(error) or delivery.attempts + 1 >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, last_error=text, attempts=F("attempts") + 1
        )
        if _is_permanent(error):
            subscriber = delivery.subscription.subscriber
            Subscriber.objects.filter(pk=subscriber.pk).update(bounce_count=F("bounce_count") + 1)
            Subscriber.objects.filter(pk=subscriber.pk, bounce_count__gte=BOUNCE_THRESHOLD).update(
                status=Subscriber.Status.BOUNCING
            )
        return
    # Temporary: back to the queue with exponential backoff (30 s, 60 s, 120 s... by default).
    delay = datetime.timedelta(seconds=RETRY_SECONDS * 2**delivery.attempts)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        claimed_at=None,
        attempts=F("attempts") + 1,
        last_error=text,
        next_attempt_at=timezone.now() + delay,
    )


def _still_sending(campaign_id: int) -> bool:
    return Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).exists()


def send_batch(campaign: Campaign, deliveries: list[Delivery], connection: object, rendered: dict) -> None:
    interval = 1 / campaign.rate_limit if campaign.rate_limit else 0
    # Another worker takes over claims older than CLAIM_SECONDS: a batch that is slow to send (a slow server,
    # a rate limit) hands back what it has not sent by half that time, instead of racing it.
    hand_back_at = time.monotonic() + CLAIM_SECONDS / 2
    for index, delivery in enumerate(deliveries):
        started = time.monotonic()
        if index and started > hand_back_at:
            Delivery.objects.filter(
                pk__in=[rest.pk for rest in deliveries[index:]],
                status=Delivery.Status.CLAIMED,
                claimed_at=delivery.claimed_at,
            ).update(status=Delivery.Status.PENDING, claimed_at=None)
            return
        subscription = delivery.subscription
        subscriber = subscription.subscriber
        if subscription.status != Subscription.Status.CONFIRMED or subscriber.status != Subscriber.Status.ACTIVE:
            # Unsubscribed or bouncing since the campaign started: never send.
            Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SKIPPED)
            continue
        language = subscriber.language
        if language not in rendered:
            rendered[language] = render_campaign(campaign, language)
        message = build_message(rendered[language], subscriber.email, subscription.token)
        try:
            connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as error:
            _record_failure(delivery, error)
            if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                connection.close()
                connection.open()
            continue
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        if interval:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """Each delivery is marked sent in its own transaction right after the mail server accepts it; if every
    such commit waited for the disk, the disk would set the pace (an fsync per message, slower than SMTP).
    An asynchronous commit is still visible at once and survives the death of the worker, which is the failure
    the ledger is for; only a crash of PostgreSQL itself within a fraction of a second could undo the last few
    marks, and then those messages would go out twice rather than not at all."""
    database = connections[DEFAULT_DB_ALIAS]
    if database.vendor != "postgresql":
        yield
        return
    with database.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        # The connection may be reused by the next task: leave it as it was.
        with suppress(Error), database.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def dispatch(campaign_id: int, *, seconds: float = TASK_SECONDS) -> str:
    """Send pending deliveries for up to `seconds`. Returns "done", "more" or "stopped"."""
    campaign = Campaign.objects.select_related("edition", "mailing_list").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return "stopped"
    _release_abandoned_claims(campaign_id, timezone.now())
    deadline = time.monotonic() + seconds
    rendered: dict[str, RenderedMessage] = {}
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        with _commits_without_waiting_for_disk():
            while time.monotonic() < deadline:
                if not _still_sending(campaign_id):
                    return "stopped"
                deliveries = _claim(campaign_id, BATCH_SIZE)
                if not deliveries:
                    break
                send_batch(campaign, deliveries, connection, rendered)
    finally:
        connection.close()
    return _finish_if_done(campaign_id)


def _finish_if_done(campaign_id: int) -> str:
    remaining = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=[Delivery.Status.PENDING, Delivery.Status.CLAIMED]
    )
    if remaining.exists():
        return "more"
    Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.DONE, finished_at=timezone.now()
    )
    return "done"


def next_attempt_delay(campaign_id: int) -> float:
    """Seconds until the next delivery of the campaign may be tried (0 if one is ready now)."""
    now = timezone.now()
    waiting = Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.PENDING)
    if waiting.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).exists():
        return 0
    soonest = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    claimed = (
        Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.CLAIMED)
        .order_by("claimed_at")
        .values_list("claimed_at", flat=True)
        .first()
    )
    candidates = [
        value for value in [soonest, claimed and claimed + datetime.timedelta(seconds=CLAIM_SECONDS)] if value
    ]
    return max(1.0, (min(candidates) - now).total_seconds()) if candidates else 0


def start_due_campaigns(now: datetime.datetime | None = None) -> int:
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now or timezone.now())
    started = 0
    for campaign in due:
        try:
            start_campaign(None, campaign)
            started += 1
        except CampaignError:
            continue
    return started


def resume_interrupted_campaigns() -> int:
    """Queue sending for every campaign still marked as sending (after a restart, or from beat)."""
    from newsletters.tasks import dispatch_campaign

    ids = list(Campaign.objects.filter(status=Campaign.Status.SENDING).values_list("pk", flat=True))
    for campaign_id in ids:
        dispatch_campaign.delay(campaign_id)
    return len(ids)
