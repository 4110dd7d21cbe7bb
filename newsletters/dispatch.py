"""Sending campaigns: exactly once in practice, safe to kill at any moment, shared by any number of workers.

The ledger is the Delivery table. Starting a campaign (newsletters.services.start_campaign) writes one pending row
per confirmed subscription. A worker claims a batch of pending rows in a short transaction (SELECT ... FOR UPDATE
SKIP LOCKED, so two workers never claim the same row), sends them over one reused SMTP connection and notes each
message sent as soon as the server accepts it (SentJournal: in Redis, then in the ledger a batch at a time). If the
worker dies, what it noted is marked sent and its other claimed rows become pending again once their claim is older
than DISPATCH_CLAIM_SECONDS; only the message in flight at the moment of the kill can go twice.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from email import message_from_bytes
from email.message import Message
from email.utils import formatdate, make_msgid
from functools import cache

import redis
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address, utf8_charset_qp
from django.core.mail.utils import DNS_NAME
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from newsletters.models import TOKEN_LENGTH, Campaign, Delivery, Subscriber, Subscription
from portal.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# A claim older than this is considered abandoned by a dead worker.
CLAIM_SECONDS = getattr(settings, "DISPATCH_CLAIM_SECONDS", 120)
# The first wait after a temporary SMTP failure; it doubles with each attempt.
RETRY_SECONDS = getattr(settings, "DISPATCH_RETRY_SECONDS", 30)
# One task sends for at most this long, then queues the next, so no task outlives the broker's patience.
TASK_SECONDS = 20
# Notes of messages sent that never reached the ledger (a worker and Redis lost at once) expire after a week.
JOURNAL_SECONDS = 7 * 24 * 3600
MAX_ATTEMPTS = 5
BOUNCE_THRESHOLD = 3
UNSUBSCRIBE_PLACEHOLDER = "__UNSUBSCRIBE_TOKEN__"
# What new_token() makes: characters that no transfer encoding changes and that end no header.
TOKEN = re.compile(r"[\w-]{1,64}", re.ASCII)


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


@dataclass(frozen=True)
class MessageTemplate:
    """A campaign email in one language, serialised once by Django and the email package; each recipient's
    message is these bytes with their To, Date and Message-ID headers put in front and their unsubscribe token
    in the slots (the List-Unsubscribe header, the text and the HTML). Running the email package's MIME
    generator for every recipient cost more than the SMTP exchange itself."""

    rendered: RenderedMessage
    envelope_from: str
    pieces: tuple[bytes, ...]  # the serialised message, cut where the token goes

    @classmethod
    def build(cls, rendered: RenderedMessage) -> MessageTemplate:
        # A slot as long as the longest token, so that filling it in never lengthens a line (8bit lines must
        # stay within 998 octets, quoted-printable ones within 76), made of characters no encoding touches.
        slot = secrets.token_hex(TOKEN_LENGTH // 2)
        text = rendered.text.replace(UNSUBSCRIBE_PLACEHOLDER, slot)
        html = rendered.html.replace(UNSUBSCRIBE_PLACEHOLDER, slot)
        email = EmailMultiAlternatives(
            subject=rendered.subject,
            body=text,
            headers={
                # RFC 8058 one-click unsubscribe: the POST needs no login and no confirmation page.
                "List-Unsubscribe": f"<{rendered.unsubscribe_url.replace(UNSUBSCRIBE_PLACEHOLDER, slot)}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        email.attach_alternative(html, "text/html")
        mime = email.message()
        for name in ("Date", "Message-ID"):
            del mime[name]
        for part in mime.walk():
            if part["Content-Transfer-Encoding"] == "quoted-printable":
                # A part with lines over 998 octets goes out quoted-printable, whose soft line breaks could cut
                # through the slot: encode around it instead, leaving it whole on a line of its own.
                content = part.get_payload(decode=True).decode(part.get_content_charset())
                part.set_payload(
                    f"=\n{slot}=\n".join(utf8_charset_qp.body_encode(piece) for piece in content.split(slot))
                )
        data = mime.as_bytes(linesep="\r\n")
        pieces = tuple(data.split(slot.encode()))
        if len(pieces) != 2 + text.count(slot) + html.count(slot):
            raise ValueError("an unsubscribe slot did not survive the serialisation of the campaign email")
        return cls(
            rendered=rendered,
            envelope_from=sanitize_address(email.from_email, settings.DEFAULT_CHARSET),
            pieces=pieces,
        )

    def fill(self, to: str, token: str) -> CampaignEmail:
        """The message for one recipient: one To, so that recipients never see each other."""
        if not TOKEN.fullmatch(token):
            raise ValueError(f"not an unsubscribe token: {token!r}")
        # sanitize_address runs the email package's header parser (0.1 ms); a plain ASCII address, as EmailField
        # lets it through, comes out of it unchanged.
        address = to if to.isascii() and to.isprintable() else sanitize_address(to, settings.DEFAULT_CHARSET)
        head = (
            f"To: {address}\r\n"
            f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}\r\n"
            f"Message-ID: {make_msgid(domain=DNS_NAME)}\r\n"
        )
        return CampaignEmail(self, to, token, address, head.encode() + token.encode().join(self.pieces))


class CampaignEmail(EmailMultiAlternatives):
    """One recipient's campaign email: `data` is what goes on the wire, from `envelope_from` to `address`; the
    usual attributes (to, subject, body, alternatives) say the same for the test outbox and the console."""

    def __init__(self, template: MessageTemplate, to: str, token: str, address: str, data: bytes) -> None:
        rendered = template.rendered
        super().__init__(subject=rendered.subject, body=rendered.text.replace(UNSUBSCRIBE_PLACEHOLDER, token), to=[to])
        self.attach_alternative(rendered.html.replace(UNSUBSCRIBE_PLACEHOLDER, token), "text/html")
        self.envelope_from = template.envelope_from
        self.address = address
        self.data = data

    def message(self) -> Message:
        # The bytes parsed back, rather than a second MIME tree built from the attributes that could differ.
        return message_from_bytes(self.data)


def send_email(connection: BaseEmailBackend, email: CampaignEmail) -> None:
    """Send `email`, over `connection` if it is open. Django's SMTP backend would parse the addresses and
    serialise the message again: its SMTP client gets the bytes. Other backends (the test outbox, the console)
    take the message."""
    if not isinstance(connection, SMTPBackend):
        connection.send_messages([email])
        return
    opened = connection.open()
    try:
        if connection.connection is None:  # open() connects or raises: the connections here never fail silently
            raise smtplib.SMTPServerDisconnected("not connected")
        connection.connection.sendmail(email.envelope_from, [email.address], email.data)
    finally:
        if opened:
            connection.close()


def send_test(actor: User, campaign: Campaign) -> None:
    """Send the campaign to its author first, in their language, outside the ledger."""
    rendered = render_campaign(campaign, actor.preferred_language)
    template = MessageTemplate.build(replace(rendered, subject=f"[TEST] {rendered.subject}"))
    # A test has no subscription: its unsubscribe link leads to a page that says so.
    send_email(get_connection(fail_silently=False), template.fill(actor.email, "test"))


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
        # In no particular order: ordered by id, PostgreSQL walked the primary key past every row already sent,
        # a scan that grew with the campaign, instead of reading the pending ones from the (campaign, status) index.
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(campaign_id=campaign_id, status=Delivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=rows).update(status=Delivery.Status.CLAIMED, claimed_at=now)
    return list(Delivery.objects.filter(pk__in=rows).select_related("subscription__subscriber").order_by("pk"))


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, ValueError):  # an address no message can carry: trying again would change nothing
        return True
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


@cache
def _redis() -> redis.Redis | None:
    return redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


class SentJournal:
    """Where a worker notes each message the mail server has accepted, the moment it has.

    With Redis (the broker every worker has), a note is one round trip, several times cheaper than a commit in
    PostgreSQL, which set the pace of a campaign (bench/dispatch.py). The notes reach the ledger a batch at a
    time (flush) and, before any abandoned claim is given back to the queue, whatever a worker noted and did
    not flush (recover): a worker killed between the two loses nothing, and what it noted is never sent again.
    Without Redis (the embedded default, where tasks run in-process) each message is marked in the ledger at
    once. The key holds the campaign's start, so a restored database never meets notes of another campaign.
    """

    def __init__(self, campaign: Campaign) -> None:
        self.key = f"newsletters:sent:{campaign.pk}:{campaign.started_at.timestamp() if campaign.started_at else 0}"
        self.redis = _redis()
        self.noted: list[int] = []

    def note(self, delivery_id: int) -> None:
        if self.redis is None:
            self._mark([delivery_id])
            return
        pipeline = self.redis.pipeline(transaction=False)
        pipeline.sadd(self.key, delivery_id)
        pipeline.expire(self.key, JOURNAL_SECONDS)
        pipeline.execute()
        self.noted.append(delivery_id)

    def flush(self) -> None:
        """Mark sent in the ledger what this worker noted."""
        if self.noted:
            self._mark(self.noted)
            self.noted = []

    def recover(self) -> None:
        """Mark sent in the ledger what any worker noted and did not flush (it may have died doing it)."""
        if self.redis is not None:
            self._mark([int(member) for member in self.redis.smembers(self.key)])

    def _mark(self, delivery_ids: list[int]) -> None:
        if not delivery_ids:
            return
        # Only rows still claimed: another worker may have recovered them already.
        Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.CLAIMED).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        if self.redis is not None:
            self.redis.srem(self.key, *delivery_ids)


def send_batch(
    campaign: Campaign,
    deliveries: list[Delivery],
    connection: BaseEmailBackend,
    templates: dict[str, MessageTemplate],
    journal: SentJournal,
) -> None:
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
        if language not in templates:
            templates[language] = MessageTemplate.build(render_campaign(campaign, language))
        try:
            send_email(connection, templates[language].fill(subscriber.email, subscription.token))
        except (smtplib.SMTPException, OSError, ValueError) as error:
            _record_failure(delivery, error)
            if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                connection.close()
                connection.open()
            continue
        journal.note(delivery.pk)
        if interval:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """Deliveries are marked sent in short transactions of their own (a batch at a time, or each message
    without Redis); if every such commit waited for the disk, the disk would set the pace.
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
    journal = SentJournal(campaign)
    journal.recover()  # before any claim is released: what a dead worker sent must not go again
    _release_abandoned_claims(campaign_id, timezone.now())
    deadline = time.monotonic() + seconds
    templates: dict[str, MessageTemplate] = {}
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
                try:
                    send_batch(campaign, deliveries, connection, templates, journal)
                finally:
                    journal.flush()  # what the server accepted reaches the ledger, even if the batch stopped
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
