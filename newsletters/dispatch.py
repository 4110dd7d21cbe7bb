"""Sending campaigns: exactly once in practice, safe to kill at any moment, shared by any number of workers.

The ledger is the Delivery table. Starting a campaign (newsletters.services.start_campaign) writes one pending row
per confirmed subscription; newsletters.tasks then queues DISPATCH_SENDERS senders, which any workers run in
parallel, each a slice of seconds at a time (dispatch). A sender holds a lease (Claim), renewed every few seconds
while it lives. It claims a batch of due rows under it in a short transaction (SELECT ... FOR UPDATE SKIP LOCKED, so
two senders never claim the same row), sends them in order over its own SMTP connection, under the campaign's rate
limit and the portal's sending limit (portal.sending, shared with all other mail), and notes each message as soon as
the server accepts it (SentJournal: in Redis, then in the ledger a batch at a time). A sender that stops renewing
its lease (its worker died or stalled) loses its claims to the others within seconds of its expiry: what it noted is
marked sent, the message that was on its way is marked as possibly sent twice and goes again with the rest. If the
mail server goes away, a sender hands its claims back at once and tries again after a short, growing wait. When the
sending limit leaves campaigns no room (a provider's cap per minute, hour or day, less what is kept for the mail
people wait for), the sender gives its claims back and the campaign waits, saying until when
(Campaign.limited_until).
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import secrets
import smtplib
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from email import message_from_bytes
from email.message import Message
from email.utils import formatdate, make_msgid
from functools import cache
from typing import NamedTuple

import redis
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address, utf8_charset_qp
from django.core.mail.utils import DNS_NAME
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.db.models import Count, F, Q
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from newsletters.models import TOKEN_LENGTH, Campaign, Claim, Delivery, Subscriber, Subscription
from portal import sending
from portal.models import User

logger = logging.getLogger(__name__)

BATCH_SIZE = 250
# How many senders share a campaign at once (any more end at once: they would only queue behind the others).
SENDERS = getattr(settings, "DISPATCH_SENDERS", 4)
# A sender that has not renewed its lease for this long is taken for dead: its claims go to the others.
LEASE_SECONDS = getattr(settings, "DISPATCH_LEASE_SECONDS", 10)
# It renews it this often, so that a pause of a few seconds (a slow query, a busy machine) never costs it its claims.
RENEW_SECONDS = LEASE_SECONDS / 3
# How often a sender with nothing to claim looks again, for a lease that has expired meanwhile.
WATCH_SECONDS = 1.0
# A wait for the sending limit up to this long is slept through; a longer one gives the claims back and the campaign
# says until when it waits.
LIMIT_SLEEP_SECONDS = 5.0
# A campaign waiting for the sending limit queues its next sender for at most this long at a time (the broker
# re-delivers tasks that wait past its visibility timeout), which looks again.
LIMIT_RECHECK_SECONDS = 300.0
# The first wait after a temporary SMTP refusal of a message; it doubles with each attempt.
RETRY_SECONDS = getattr(settings, "DISPATCH_RETRY_SECONDS", 30)
# The first and the longest wait before connecting again to a mail server out of reach: short, so that a campaign
# resumes within seconds of the server's return.
RECONNECT_SECONDS = (0.5, 4.0)
# One task sends for at most this long, then queues the next, so no task outlives the broker's patience and other
# tasks get their turn on the worker.
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
        # Sent, perhaps a second time: on its way when its sender stopped, it went again from another.
        possibly_duplicate=Count("id", filter=Q(status=Delivery.Status.SENT, possibly_duplicate=True)),
    )
    # What retention deleted with the subscriptions (newsletters/retention.py) still counts.
    counts["sent"] += campaign.forgotten_sent
    counts["failed"] += campaign.forgotten_failed
    counts["total"] += campaign.forgotten_sent + campaign.forgotten_failed
    counts["queued"] = counts["total"] - counts["sent"] - counts["failed"]
    counts["percent"] = round(100 * (counts["sent"] + counts["failed"]) / counts["total"]) if counts["total"] else 0
    return counts


def limit_notice(campaign: Campaign) -> str:
    """What the campaign's page says while the sending limit holds it back: until when, in the reader's time zone
    (the time alone the same day, else the date too); empty otherwise."""
    if not campaign.waits_for_limit or campaign.limited_until is None:
        return ""
    until = timezone.localtime(campaign.limited_until)
    same_day = until.date() == timezone.localdate()
    when = date_format(until, "TIME_FORMAT" if same_day else "SHORT_DATETIME_FORMAT")
    return _("Paused by the sending limit until %(time)s") % {"time": when}


def possibly_sent_twice(campaign: Campaign) -> list[str]:
    """The addresses that may have received the campaign twice (Delivery.possibly_duplicate), in order."""
    return list(
        campaign.deliveries.filter(status=Delivery.Status.SENT, possibly_duplicate=True)
        .order_by("subscription__subscriber__email")
        .values_list("subscription__subscriber__email", flat=True)
    )


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


def send_email(
    connection: BaseEmailBackend, email: CampaignEmail, *, before_data: Callable[[], object] | None = None
) -> None:
    """Send `email`, over `connection` if it is open, calling `before_data` once the server has taken the envelope,
    just before the message itself goes. Django's SMTP backend would parse the addresses and serialise the message
    again: its SMTP client gets the bytes. Other backends (the test outbox, the console) take the message."""
    if not isinstance(connection, SMTPBackend):
        if before_data is not None:
            before_data()
        connection.send_messages([email])
        return
    opened = connection.open()
    try:
        if connection.connection is None:  # open() connects or raises: the connections here never fail silently
            raise smtplib.SMTPServerDisconnected("not connected")
        _transmit(connection.connection, email, before_data)
    finally:
        if opened:
            connection.close()


def _transmit(smtp: smtplib.SMTP, email: CampaignEmail, before_data: Callable[[], object] | None) -> None:
    """smtplib's sendmail for one recipient, in its steps so that `before_data` runs between them: the same
    commands, the same errors, and a refusal resets the session (or closes it, on 421) as sendmail does."""
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(email.data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, response = smtp.mail(email.envelope_from, options)
    if code != 250:
        _end_transaction(smtp, code)
        raise smtplib.SMTPSenderRefused(code, response, email.envelope_from)
    code, response = smtp.rcpt(email.address)
    if code not in (250, 251):
        _end_transaction(smtp, code)
        raise smtplib.SMTPRecipientsRefused({email.address: (code, response)})
    if before_data is not None:
        before_data()
    try:
        code, response = smtp.data(email.data)
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise MessageInterrupted(f"lost the mail server during DATA: {error}") from error
    if code != 250:
        _end_transaction(smtp, code)
        raise smtplib.SMTPDataError(code, response)


class MessageInterrupted(smtplib.SMTPServerDisconnected):
    """The connection broke while the message itself was going: the server may have taken it or not."""


def _end_transaction(smtp: smtplib.SMTP, code: int) -> None:
    if code == 421:  # the server is closing the connection
        smtp.close()
        return
    with suppress(smtplib.SMTPServerDisconnected):
        smtp.rset()


def send_test(actor: User, campaign: Campaign) -> None:
    """Send the campaign to its author first, in their language, outside the ledger."""
    rendered = render_campaign(campaign, actor.preferred_language)
    template = MessageTemplate.build(replace(rendered, subject=f"[TEST] {rendered.subject}"))
    # A test has no subscription: its unsubscribe link leads to a page that says so. Its author is waiting for it.
    sending.take_place(sending.Kind.PERSONAL)
    send_email(get_connection(fail_silently=False), template.fill(actor.email, "test"))


# Sending ----------------------------------------------------------------------------------------------


class LeaseLost(Exception):
    """The sender did not renew its lease in time, and another sender took over what it had claimed."""


class Lease:
    """A sender's hold on the deliveries it claims (a Claim row), renewed every RENEW_SECONDS while the sender
    lives, in the database's clock. Once it has expired, any other sender takes the deliveries over
    (take_over_expired_claims). The sender starts no message on a lease older than RENEW_SECONDS, so a lease
    taken over leaves at most the one message that was on its way."""

    def __init__(self, campaign: Campaign) -> None:
        self.renewed = time.monotonic()
        self.claim = Claim.objects.create(
            campaign=campaign,
            token=secrets.token_hex(16),
            worker=f"{socket.gethostname()}:{os.getpid()}",
            expires_at=_lease_expiry(),
        )

    def surplus(self) -> bool:
        """Whether DISPATCH_SENDERS older senders are at work on the campaign already."""
        senders = (
            Claim.objects.filter(campaign_id=self.claim.campaign_id, ended_at__isnull=True, expires_at__gt=Now())
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return self.claim.pk not in set(senders[:SENDERS])

    def renew(self) -> None:
        started = time.monotonic()
        if not self._renewed():
            raise LeaseLost
        self.renewed = started

    def keep(self) -> None:
        """Renew the lease if a third of it has passed since it was last renewed."""
        if time.monotonic() - self.renewed > RENEW_SECONDS:
            self.renew()

    def claim_deliveries(self, limit: int) -> list[Claimed]:
        """Claim up to `limit` of the campaign's due deliveries, renewing the lease in the same transaction."""
        started = time.monotonic()
        with transaction.atomic():
            if not self._renewed():
                raise LeaseLost
            # In no particular order: ordered by id, PostgreSQL walked the primary key past every row already
            # sent, a scan that grew with the campaign, instead of reading the pending ones from the
            # (campaign, status) index.
            due = (
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(campaign_id=self.claim.campaign_id, status=Delivery.Status.PENDING)
                .filter(_DUE)
                .values("pk")[:limit]
            )
            Delivery.objects.filter(pk__in=due).update(status=Delivery.Status.CLAIMED, claim=self.claim)
        self.renewed = started
        # Sent in order of id: of what a stopped sender still held, the first was the one on its way.
        rows = (
            Delivery.objects.filter(claim=self.claim, status=Delivery.Status.CLAIMED)
            .order_by("pk")
            .values_list(*_CLAIMED_FIELDS)
        )
        return [Claimed(*row) for row in rows]

    def end(self) -> None:
        """Close the lease of a sender that stops in good order. One that still holds deliveries (it stopped on an
        error, mid-batch) is left to expire, so that another sender takes them over with its journal."""
        if not Delivery.objects.filter(claim=self.claim, status=Delivery.Status.CLAIMED).exists():
            Claim.objects.filter(pk=self.claim.pk, ended_at__isnull=True).update(ended_at=Now())

    def _renewed(self) -> bool:
        return bool(Claim.objects.filter(pk=self.claim.pk, ended_at__isnull=True).update(expires_at=_lease_expiry()))


class Claimed(NamedTuple):
    """A claimed delivery, with what sending it needs: tuples, because model instances with their subscription and
    subscriber took longer to build than the messages to send."""

    pk: int
    attempts: int
    token: str
    subscription_status: str
    subscriber_id: int
    email: str
    language: str
    subscriber_status: str


# Where each field of Claimed comes from.
_CLAIMED_FIELDS = [
    "pk",
    "attempts",
    "subscription__token",
    "subscription__status",
    "subscription__subscriber_id",
    "subscription__subscriber__email",
    "subscription__subscriber__language",
    "subscription__subscriber__status",
]


def _lease_expiry() -> CombinedExpression:
    return Now() + datetime.timedelta(seconds=LEASE_SECONDS)


# Deliveries that may be tried now: never tried, or their wait after a temporary refusal is over.
_DUE = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=Now())


def take_over_expired_claims(campaign_id: int) -> int:
    """Give back to the queue what the campaign's senders whose lease has expired still held; return how many.

    What such a sender noted as accepted by the mail server is marked sent first. Of the rest, the first (a sender
    sends in order of id) was on its way when the sender stopped: it goes again, marked as possibly sent twice."""
    released = 0
    with transaction.atomic():
        expired = list(
            Claim.objects.select_for_update(skip_locked=True).filter(
                campaign_id=campaign_id, ended_at__isnull=True, expires_at__lt=Now()
            )
        )
        for claim in expired:
            journal = SentJournal(claim)
            journal.recover()
            transaction.on_commit(journal.forget)
            held = Delivery.objects.filter(claim=claim, status=Delivery.Status.CLAIMED)
            in_flight = held.order_by("pk").values_list("pk", flat=True).first()
            if in_flight is None:
                continue
            Delivery.objects.filter(pk=in_flight).update(
                possibly_duplicate=True,
                attempts=F("attempts") + 1,
                last_error=f"On its way when {claim.worker} stopped renewing its lease"[:500],
            )
            released += held.update(status=Delivery.Status.PENDING, claim=None)
        Claim.objects.filter(pk__in=[claim.pk for claim in expired]).update(ended_at=Now())
    if released:
        logger.warning("campaign %s: took over %s deliveries from stopped senders", campaign_id, released)
    return released


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, ValueError):  # an address no message can carry: trying again would change nothing
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _server_unavailable(error: Exception) -> bool:
    """Whether `error` says the mail server is out of reach or closing (421), rather than refusing one message."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    # Every SMTPException is an OSError: what is left is the network's (refused, reset, timed out).
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _record_failure(delivery: Claimed, error: Exception, claim: Claim, *, server_unavailable: bool = False) -> None:
    text = f"{error.__class__.__name__}: {error}"[:500]
    mine = Delivery.objects.filter(pk=delivery.pk, claim=claim, status=Delivery.Status.CLAIMED)
    if isinstance(error, MessageInterrupted):
        # It goes again; if the server had taken it before the connection broke, the recipient gets it twice.
        mine.update(possibly_duplicate=True)
    if _is_permanent(error) or delivery.attempts + 1 >= MAX_ATTEMPTS:
        mine.update(status=Delivery.Status.FAILED, last_error=text, attempts=F("attempts") + 1)
        if _is_permanent(error):
            subscriber = Subscriber.objects.filter(pk=delivery.subscriber_id)
            subscriber.update(bounce_count=F("bounce_count") + 1)
            subscriber.filter(bounce_count__gte=BOUNCE_THRESHOLD).update(
                status=Subscriber.Status.BOUNCING, bounced_at=Now()
            )
        return
    # Temporary: back to the queue. Refused for itself, it waits (30 s, 60 s, 120 s... by default); caught in an
    # outage of the server, it goes to whichever sender reconnects first.
    delay = None if server_unavailable else Now() + datetime.timedelta(seconds=RETRY_SECONDS * 2**delivery.attempts)
    mine.update(
        status=Delivery.Status.PENDING,
        claim=None,
        attempts=F("attempts") + 1,
        last_error=text,
        next_attempt_at=delay,
    )


def _still_sending(campaign_id: int) -> bool:
    return Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).exists()


@dataclass
class Remaining:
    due: int  # pending and may be tried now
    later: int  # pending, waiting after a temporary refusal
    claimed: int  # held by a sender, live or stopped

    def __bool__(self) -> bool:
        return bool(self.due or self.later or self.claimed)


def _remaining(campaign_id: int) -> Remaining:
    counts = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=[Delivery.Status.PENDING, Delivery.Status.CLAIMED]
    ).aggregate(
        due=Count("id", filter=Q(status=Delivery.Status.PENDING) & _DUE),
        later=Count("id", filter=Q(status=Delivery.Status.PENDING, next_attempt_at__gt=Now())),
        claimed=Count("id", filter=Q(status=Delivery.Status.CLAIMED)),
    )
    return Remaining(**counts)


@cache
def _redis() -> redis.Redis | None:
    return redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


class SentJournal:
    """Where a sender notes each message the mail server has accepted, the moment it has.

    With Redis (the broker every worker has), a note costs next to nothing: it goes without waiting for Redis, which
    has answered by the time the next message has its envelope accepted; the sender reads that answer then (confirm),
    before the next message itself goes, so that at most the message on its way is missing from the journal. The
    notes reach the ledger a batch at a time (flush); those of a sender that stopped before its flush reach it when
    another sender takes its claims over (recover), before anything it held is given back to the queue: a sender
    killed between the two loses nothing, and what it noted is never sent again. Without Redis (the embedded
    default, where tasks run in-process) each message is marked in the ledger at once. The key is the claim's
    random token, so that a restored database never meets notes of another claim.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.key = f"newsletters:sent:{claim.token}"
        self.redis = _redis()
        self.noted: list[int] = []
        self.connection: redis.Connection | None = None  # one of its own, for the order of the replies
        self.unanswered = 0
        self.expires = False  # the key has its expiry

    def note(self, delivery_id: int) -> None:
        if self.redis is None:
            self._mark([delivery_id])
            return
        self.confirm()
        commands: list[tuple[object, ...]] = [("SADD", self.key, delivery_id)]
        if not self.expires:
            commands.append(("EXPIRE", self.key, JOURNAL_SECONDS))
        self._send(commands)
        self.expires = True
        self.noted.append(delivery_id)

    def confirm(self) -> None:
        """Wait until Redis has the notes sent so far."""
        while self.unanswered and self.connection is not None:
            self.unanswered -= 1
            self.connection.read_response()

    def flush(self) -> None:
        """Mark sent in the ledger what this sender noted."""
        if self.noted:
            self._mark(self.noted)
            self.noted = []
            if self.redis is not None:
                self._send([("DEL", self.key)])
                self.confirm()
                self.expires = False

    def recover(self) -> None:
        """Mark sent in the ledger what the claim's sender noted and did not flush (it stopped before)."""
        if self.redis is not None:
            self._mark([int(member) for member in self.redis.smembers(self.key)])

    def forget(self) -> None:
        if self.redis is not None:
            self.redis.delete(self.key)

    def close(self) -> None:
        if self.redis is not None and self.connection is not None:
            if self.unanswered:  # its replies would be read by the next user of the connection
                self.connection.disconnect()
            self.redis.connection_pool.release(self.connection)
            self.connection, self.unanswered = None, 0

    def _send(self, commands: list[tuple[object, ...]]) -> None:
        if self.redis is None:
            return
        if self.connection is None:
            self.connection = self.redis.connection_pool.get_connection()
        self.connection.send_packed_command(self.connection.pack_commands(commands))
        self.unanswered += len(commands)

    def _mark(self, delivery_ids: list[int]) -> None:
        if delivery_ids:
            # Only rows still held under this claim: a sender that lost its lease marks nothing another now holds.
            Delivery.objects.filter(pk__in=delivery_ids, claim=self.claim, status=Delivery.Status.CLAIMED).update(
                status=Delivery.Status.SENT, sent_at=Now(), attempts=F("attempts") + 1
            )


def campaign_limit(campaign: Campaign) -> sending.SendingLimit:
    """The sending limit as the campaign's senders share it: bulk mail, which leaves the reserve of each window to
    the mail people wait for, paced by the campaign's own rate limit as well as the portal's."""
    return sending.SendingLimit(
        sending.Kind.BULK, paces=[(f"newsletters:pace:{campaign.pk}", campaign.rate_limit or 0)]
    )


class Sender:
    """One slice of one sender's work on a campaign: it claims batches of due deliveries under its lease and sends
    them over its own SMTP connection until none is left or its time is up. Any number of senders, on any number
    of workers, share a campaign this way, each taking over the claims of those that stopped."""

    def __init__(self, campaign: Campaign, seconds: float) -> None:
        self.campaign = campaign
        self.deadline = time.monotonic() + seconds
        self.lease = Lease(campaign)
        self.journal = SentJournal(self.lease.claim)
        self.limit = campaign_limit(campaign)
        self.limited = False  # stopped for the sending limit
        self.clear_limited = campaign.limited_until is not None
        self.connection = get_connection(fail_silently=False)
        self.connected = False
        self.templates: dict[str, MessageTemplate] = {}
        self.reconnect_wait = RECONNECT_SECONDS[0]
        self.next_look = 0.0

    def run(self) -> str:
        campaign_id = self.campaign.pk
        if self.lease.surplus():
            return "surplus"
        while time.monotonic() < self.deadline:
            if time.monotonic() >= self.next_look:
                # Once a second rather than once a batch: a pause takes effect as soon, and so does a takeover.
                if not _still_sending(campaign_id):
                    return "stopped"
                take_over_expired_claims(campaign_id)
                self.next_look = time.monotonic() + WATCH_SECONDS
            if not self.connect():
                continue
            deliveries = self.lease.claim_deliveries(BATCH_SIZE)
            if deliveries:
                try:
                    self.send(deliveries)
                finally:
                    self.journal.flush()  # what the server accepted reaches the ledger, even if the batch stopped
                if self.limited:
                    return "more"  # the next sender is queued for when the limit has room
                continue
            remaining = _remaining(campaign_id)
            if not remaining:
                break
            if remaining.claimed:
                # Other senders hold the rest: watch their leases until they end or expire, then take over.
                self.pause(WATCH_SECONDS)
            elif remaining.due:
                self.pause(0.05)  # claimed and given back meanwhile, or locked by a sender claiming it
            else:
                return "more"  # only retries after temporary refusals: the next slice is queued for their time
        return _finish_if_done(campaign_id)

    def send(self, deliveries: list[Claimed]) -> None:
        """Send a claimed batch in order of id. If the mail server becomes unavailable, give back at once what is
        left of the batch, for whichever sender reconnects first, and wait before connecting again."""
        for index, delivery in enumerate(deliveries):
            self.lease.keep()
            if (
                delivery.subscription_status != Subscription.Status.CONFIRMED
                or delivery.subscriber_status != Subscriber.Status.ACTIVE
            ):
                # Unsubscribed or bouncing since the campaign started: never send.
                Delivery.objects.filter(pk=delivery.pk, claim=self.lease.claim, status=Delivery.Status.CLAIMED).update(
                    status=Delivery.Status.SKIPPED
                )
                continue
            language = delivery.language
            if language not in self.templates:
                self.templates[language] = MessageTemplate.build(render_campaign(self.campaign, language))
            if not self.wait_for_place():
                self.give_back(deliveries[index:])
                return
            try:
                send_email(
                    self.connection,
                    self.templates[language].fill(delivery.email, delivery.token),
                    before_data=self.journal.confirm,
                )
            except (smtplib.SMTPException, OSError, ValueError) as error:
                if _server_unavailable(error):
                    self.hand_back(deliveries[index:], error)
                    return
                _record_failure(delivery, error, self.lease.claim)
                continue
            self.journal.note(delivery.pk)
        self.reconnect_wait = RECONNECT_SECONDS[0]

    def hand_back(self, rest: list[Claimed], error: Exception) -> None:
        claim = self.lease.claim
        with transaction.atomic():
            _record_failure(rest[0], error, claim, server_unavailable=True)
            Delivery.objects.filter(
                pk__in=[delivery.pk for delivery in rest[1:]], claim=claim, status=Delivery.Status.CLAIMED
            ).update(status=Delivery.Status.PENDING, claim=None)
        logger.warning(
            "campaign %s: mail server unavailable (%s), %s deliveries given back", claim.campaign_id, error, len(rest)
        )
        self.disconnect()
        self.back_off()

    def connect(self) -> bool:
        if self.connected:
            return True
        try:
            self.connection.open()
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("campaign %s: cannot reach the mail server (%s)", self.campaign.pk, error)
            self.disconnect()
            self.back_off()
            return False
        self.connected = True
        return True

    def disconnect(self) -> None:
        with suppress(smtplib.SMTPException, OSError):
            self.connection.close()
        self.connected = False

    def back_off(self) -> None:
        """Wait before trying the mail server again: the wait doubles with each failure, up to a few seconds, so
        that the sending resumes soon after the server is back."""
        self.pause(self.reconnect_wait)
        self.reconnect_wait = min(self.reconnect_wait * 2, RECONNECT_SECONDS[1])

    def pause(self, seconds: float) -> None:
        """Sleep for `seconds` or until the slice is over, keeping the lease."""
        until = min(time.monotonic() + seconds, self.deadline)
        while (left := until - time.monotonic()) > 0:
            time.sleep(min(left, RENEW_SECONDS))
            self.lease.keep()

    def wait_for_place(self) -> bool:
        """Wait for the next message's place under the sending limit; False, with the campaign's wait noted
        (Campaign.limited_until), if that is more than LIMIT_SLEEP_SECONDS away."""
        while True:
            try:
                left = self.limit.reserve()
            except sending.LimitReached as reached:
                if reached.seconds > LIMIT_SLEEP_SECONDS or time.monotonic() + reached.seconds > self.deadline:
                    Campaign.objects.filter(pk=self.campaign.pk).update(limited_until=reached.until)
                    logger.info("campaign %s: waits for the sending limit until %s", self.campaign.pk, reached.until)
                    self.limited = True
                    return False
                self.pause(reached.seconds)
                continue
            break
        if self.clear_limited:
            Campaign.objects.filter(pk=self.campaign.pk).update(limited_until=None)
            self.clear_limited = False
        while left > 0:
            time.sleep(min(left, RENEW_SECONDS))
            left -= RENEW_SECONDS
            self.lease.keep()
        return True

    def give_back(self, rest: list[Claimed]) -> None:
        """Return claimed deliveries to the queue untried, for the sender that finds room under the limit."""
        Delivery.objects.filter(
            pk__in=[delivery.pk for delivery in rest], claim=self.lease.claim, status=Delivery.Status.CLAIMED
        ).update(status=Delivery.Status.PENDING, claim=None)


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
    """Send the campaign's due deliveries for up to `seconds`, alongside any other senders. Returns "done" (nothing
    left to send), "stopped" (paused or cancelled), "more" (queue this sender again, after next_attempt_delay), or
    "surplus" (DISPATCH_SENDERS senders are at work already: this one ends)."""
    campaign = Campaign.objects.select_related("edition", "mailing_list__owner").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return "stopped"
    if campaign.limited_until is not None and campaign.limited_until > timezone.now():
        return "more"  # still waiting for the sending limit: next_attempt_delay says how long
    with _commits_without_waiting_for_disk():
        sender = Sender(campaign, seconds)
        try:
            state = sender.run()
        except LeaseLost:
            logger.warning("campaign %s: a sender stalled past its lease; its claims were taken over", campaign_id)
            state = "more"
        finally:
            sender.disconnect()
            sender.journal.close()
        # Not on an error: what the sender still held is taken over, with its journal, once the lease expires.
        sender.lease.end()
    return state


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
    """Seconds before the campaign's next sender should start: while it waits for the sending limit, until then (up
    to LIMIT_RECHECK_SECONDS); none while deliveries are due or held by a sender (whose lease may need taking over),
    else until the first retry after a temporary refusal."""
    limited_until = Campaign.objects.filter(pk=campaign_id).values_list("limited_until", flat=True).first()
    if limited_until is not None and limited_until > timezone.now():
        return min(LIMIT_RECHECK_SECONDS, max(0.5, (limited_until - timezone.now()).total_seconds()))
    remaining = _remaining(campaign_id)
    if remaining.due or remaining.claimed or not remaining.later:
        return 0
    soonest = (
        Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return max(0.5, (soonest - timezone.now()).total_seconds()) if soonest else 0
