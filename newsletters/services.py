"""Composing, publishing and rendering editions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max, Prefetch, Q
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from newsletters.models import (
    Campaign,
    Claim,
    Delivery,
    Edition,
    EditionPDF,
    Item,
    MailingList,
    Publication,
    Section,
    Subscriber,
    Subscription,
    Suppression,
)
from organizations.models import Organization
from portal import audit, pdf, printing, slugs
from portal.access import ANONYMOUS
from portal.mail import send_to_address
from portal.models import User
from portal.spreadsheets import read_csv

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def save_publication(actor: User, publication: Publication) -> Publication:
    if not (publication.owner.is_verified and publication.owner.is_host):
        raise ValidationError(_("Publications belong to a verified host organisation."), code="owner")
    if not publication.slug:
        publication.slug = slugs.unique_slug(
            Publication, publication.title_en or publication.title, fallback="publication", reserved={"new", "lists"}
        )
    publication.save()
    return publication


def next_number(publication: Publication) -> int:
    return (publication.editions.aggregate(last=Max("number"))["last"] or 0) + 1


@transaction.atomic
def save_edition(actor: User, edition: Edition) -> Edition:
    if edition.number is None:
        edition.number = next_number(edition.publication)
    if edition.publication.editions.filter(number=edition.number).exclude(pk=edition.pk).exists():
        raise ValidationError(
            _("Edition number %(number)s already exists."), params={"number": edition.number}, code="duplicate"
        )
    if edition.status == Edition.Status.SCHEDULED and not edition.publish_at:
        raise ValidationError(_("A scheduled edition needs the date and time it goes public."), code="publish_at")
    if edition.status == Edition.Status.PUBLISHED and not edition.published_on:
        edition.published_on = timezone.localdate()
    edition.save()
    if edition.status == Edition.Status.PUBLISHED:
        transaction.on_commit(lambda: request_pdfs(edition))
    return edition


@transaction.atomic
def publish_edition(actor: User | None, edition: Edition) -> Edition:
    edition.status = Edition.Status.PUBLISHED
    edition.published_on = edition.published_on or timezone.localdate()
    edition.publish_at = None
    edition.save(update_fields=["status", "published_on", "publish_at", "updated_at"])
    transaction.on_commit(lambda: request_pdfs(edition))
    return edition


def publish_due_editions(now: object = None) -> int:
    """Publish the scheduled editions whose time has come (celery beat)."""
    due = Edition.objects.filter(status=Edition.Status.SCHEDULED, publish_at__lte=now or timezone.now())
    count = 0
    for edition in due:
        publish_edition(None, edition)
        count += 1
    return count


# Sections and items ------------------------------------------------------------------------------------


def _append_position(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def add_section(actor: User, edition: Edition, section: Section) -> Section:
    section.edition = edition
    section.position = _append_position(edition.sections.all())
    section.save()
    return section


@transaction.atomic
def add_item(actor: User, section: Section, item: Item) -> Item:
    item.section = section
    item.position = _append_position(section.items.all())
    item.save()
    return item


@transaction.atomic
def move(actor: User, obj: Section | Item, *, up: bool) -> None:
    """Swap `obj` with its neighbour above or below; positions are renumbered so that they stay distinct."""
    siblings: list[Section | Item]
    if isinstance(obj, Section):
        siblings = list(obj.edition.sections.select_for_update().order_by("position", "pk"))
    else:
        siblings = list(obj.section.items.select_for_update().order_by("position", "pk"))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == obj.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


# PDF ---------------------------------------------------------------------------------------------------


# What an edition's printouts are called (portal.pdf.Printout.kind).
EDITION_PRINTOUT = "edition"


def content_language(edition: Edition, language: str) -> str:
    return language if edition.has_translation(language) else settings.LANGUAGE_CODE


def pdf_languages(edition: Edition) -> list[str]:
    """The languages an edition's PDF is offered in: those it was written in."""
    return [code for code in LANGUAGE_CODES if edition.has_translation(code)]


def edition_html(edition: Edition, language: str) -> str:
    """The print version of an edition in `language`: headings, dates and notes in that language; each text not
    translated into it shown in English, marked with its own language and direction and a visible note. Names
    only the organisations the public may see, as the PDF is the same for every reader."""
    sections = edition.sections.prefetch_related(
        Prefetch("items__organizations", queryset=Organization.objects.visible_to(ANONYMOUS))
    )
    with translation.override(language):
        return render_to_string(
            "newsletters/edition_pdf.html",
            {
                "edition": edition,
                "publication": edition.publication,
                "sections": sections,
                "language": language,
                "bidi": translation.get_language_bidi(),
                "site_url": settings.SITE_URL,
            },
        )


def edition_printout(edition: Edition, language: str) -> pdf.Printout:
    return pdf.Printout(EDITION_PRINTOUT, edition.pk, language, edition_html(edition, language))


def request_pdf(edition: Edition, language: str) -> EditionPDF:
    """Note the current content version of a PDF and queue its rendering, after the commit, unless it is stored."""
    printout = edition_printout(edition, language)
    ready = printout.stored.exists()
    record, _created = EditionPDF.objects.update_or_create(
        edition=edition,
        language=language,
        defaults={
            "content_key": printout.key,
            "status": EditionPDF.Status.READY if ready else EditionPDF.Status.QUEUED,
            "error": "",
        },
    )
    if not ready:
        # Publishing or a coordinator asked: queue it even if a visitor's request has already.
        transaction.on_commit(lambda: printing.queue(printout, again=True))
    return record


def request_pdfs(edition: Edition) -> list[EditionPDF]:
    return [request_pdf(edition, language) for language in pdf_languages(edition)]


@contextmanager
def following_edition_pdf(printout: pdf.Printout) -> Iterator[None]:
    """The worker's rendering of an edition's PDF, as its coordinators see it (EditionPDF): rendering, then
    ready with its page count, or failed with the error. Registered with portal.pdf by NewslettersConfig."""
    edition = Edition.objects.filter(pk=printout.object_id).first()
    if edition is None:  # deleted since it was queued: no record to keep
        yield
        return
    record, _created = EditionPDF.objects.update_or_create(
        edition=edition,
        language=printout.language,
        defaults={"content_key": printout.key, "status": EditionPDF.Status.RENDERING, "error": ""},
    )
    try:
        yield
    except Exception as exc:
        record.status, record.error = EditionPDF.Status.FAILED, f"{exc.__class__.__name__}: {exc}"[:2000]
        record.save(update_fields=["status", "error", "updated_at"])
        raise
    from pypdf import PdfReader

    record.status, record.pages = EditionPDF.Status.READY, len(PdfReader(printout.stored).pages)
    record.save(update_fields=["status", "pages", "updated_at"])


# Subscriptions -----------------------------------------------------------------------------------------

CONFIRMATION_DAYS = 7
CONFIRMATION_EXPIRED = _("This confirmation link has expired. Subscribe again to get a new one.")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _subscriber(email: str, language: str) -> Subscriber:
    subscriber, _created = Subscriber.objects.get_or_create(
        email=email.strip().lower(), defaults={"language": language}
    )
    return subscriber


@transaction.atomic
def subscribe(mailing_list: MailingList, email: str, language: str) -> Subscription:
    """Ask for a confirmation by email (double opt-in). The visitor sees the same answer whatever the state,
    so the form does not reveal who is subscribed."""
    subscriber = _subscriber(email, language)
    subscription, _created = Subscription.objects.select_for_update().get_or_create(
        mailing_list=mailing_list, subscriber=subscriber
    )
    if subscription.status == Subscription.Status.CONFIRMED:
        return subscription
    subscription.status = Subscription.Status.PENDING
    subscription.confirmation_sent_at = timezone.now()
    subscription.save(update_fields=["status", "confirmation_sent_at"])
    Subscriber.objects.filter(pk=subscriber.pk).update(language=language)
    send_to_address(
        subscriber.email,
        "newsletters/email/confirm",
        {"subscription": subscription, "mailing_list": mailing_list},
        language,
    )
    return subscription


def subscription_for(token: str) -> Subscription:
    subscription = Subscription.objects.select_related("mailing_list", "subscriber").filter(token=token).first()
    if subscription is None:
        raise ValidationError(_("This link is not valid."), code="invalid")
    return subscription


@transaction.atomic
def confirmation_expired(subscription: Subscription) -> bool:
    """Whether `subscription` awaits a confirmation its link can no longer give: sent too long ago."""
    sent = subscription.confirmation_sent_at or subscription.created_at
    too_old = sent < timezone.now() - timedelta(days=CONFIRMATION_DAYS)
    return subscription.status == Subscription.Status.PENDING and too_old


def confirm_subscription(token: str) -> Subscription:
    subscription = subscription_for(token)
    if subscription.status == Subscription.Status.CONFIRMED:
        return subscription
    if subscription.status != Subscription.Status.PENDING or confirmation_expired(subscription):
        raise ValidationError(CONFIRMATION_EXPIRED, code="expired")
    subscription.status, subscription.confirmed_at = Subscription.Status.CONFIRMED, timezone.now()
    subscription.save(update_fields=["status", "confirmed_at"])
    return subscription


@transaction.atomic
def unsubscribe(token: str) -> Subscription:
    subscription = subscription_for(token)
    if subscription.status != Subscription.Status.UNSUBSCRIBED:
        subscription.status, subscription.unsubscribed_at = Subscription.Status.UNSUBSCRIBED, timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at"])
    return subscription


@transaction.atomic
def resubscribe(token: str) -> Subscription:
    """Subscribe again from the unsubscribe page: the link itself proves the address."""
    subscription = subscription_for(token)
    subscription.status, subscription.confirmed_at = Subscription.Status.CONFIRMED, timezone.now()
    subscription.unsubscribed_at = None
    subscription.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
    return subscription


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@transaction.atomic
def import_subscribers(actor: User, mailing_list: MailingList, upload: Any) -> ImportReport:
    """Add confirmed subscribers from a CSV with the columns email and (optional) language. Valid rows are
    imported; each bad row is reported with its line number."""
    report = ImportReport()
    try:
        table = read_csv(
            upload,
            max_bytes=MAX_IMPORT_BYTES,
            error_messages={
                "too_large": _("The file is larger than 5 MB."),
                "not_utf8": _("The file must be UTF-8 encoded CSV."),
            },
        )
    except ValidationError as rejected:
        report.errors.append((0, rejected.messages[0]))
        return report
    languages = {code for code, _name in settings.LANGUAGES}
    if "email" not in table.columns:
        report.errors.append((1, str(_("The first line must name the columns, with at least “email”."))))
        return report
    for row in table.rows:
        email, language = row.cells.get("email", "").lower(), row.cells.get("language") or settings.LANGUAGE_CODE
        try:
            validate_email(email)
        except ValidationError:
            report.errors.append((row.line, str(_("“%(email)s” is not an email address.") % {"email": email})))
            continue
        if language not in languages:
            report.errors.append(
                (row.line, str(_("“%(language)s” is not one of the portal's languages.") % {"language": language}))
            )
            continue
        report.imported += _confirmed(mailing_list, email, language, Subscription.Source.IMPORT)
    audit.record(
        None,
        audit.Action.IMPORT,
        actor=actor,
        target=mailing_list,
        kind="subscribers",
        count=report.imported,
        errors=len(report.errors),
    )
    return report


def _suppressed(mailing_list: MailingList, email: str) -> bool:
    """Whether `email` was deleted after it unsubscribed or bounced (newsletters/retention.py): never re-added,
    nor invited again, behind the person's back."""
    return Suppression.objects.filter(
        Q(mailing_list=mailing_list) | Q(mailing_list=None), email_hash=audit.hashed_email(email)
    ).exists()


def _confirmed(mailing_list: MailingList, email: str, language: str, source: str) -> bool:
    """Subscribe `email` as confirmed (an import, the members of organisations); False when it may not be added."""
    if _suppressed(mailing_list, email):
        return False
    subscriber = _subscriber(email, language)
    subscription, created = Subscription.objects.get_or_create(
        mailing_list=mailing_list,
        subscriber=subscriber,
        defaults={"status": Subscription.Status.CONFIRMED, "source": source, "confirmed_at": timezone.now()},
    )
    # Someone who unsubscribed is never re-added behind their back.
    if not created and subscription.status == Subscription.Status.PENDING:
        subscription.status, subscription.confirmed_at = Subscription.Status.CONFIRMED, timezone.now()
        subscription.save(update_fields=["status", "confirmed_at"])
    return True


@transaction.atomic
def add_members_by_role(actor: User, mailing_list: MailingList, roles: list[str]) -> int:
    """Invite the people holding `roles` in verified organisations (e.g. every owner) to subscribe: each gets an
    invitation in their language and is subscribed only once they confirm it (nobody is subscribed without their
    consent, so a campaign's "you subscribed" is true). Someone subscribed already, or who unsubscribed, gets
    nothing; an invitation still valid is not sent again. Returns how many were invited."""
    users = User.objects.filter(
        is_active=True, memberships__role__in=roles, memberships__organization__status=Organization.Status.VERIFIED
    ).distinct()
    invited = 0
    for user in users:
        if _suppressed(mailing_list, user.email):
            continue
        subscriber = _subscriber(user.email, user.preferred_language)
        subscription, created = Subscription.objects.select_for_update().get_or_create(
            mailing_list=mailing_list, subscriber=subscriber, defaults={"source": Subscription.Source.MEMBERS}
        )
        if not created and (
            subscription.status != Subscription.Status.PENDING or not confirmation_expired(subscription)
        ):
            continue
        subscription.confirmation_sent_at = timezone.now()
        subscription.save(update_fields=["confirmation_sent_at"])
        send_to_address(
            subscriber.email,
            "newsletters/email/invite",
            {"subscription": subscription, "mailing_list": mailing_list, "inviter": mailing_list.owner},
            user.preferred_language,
        )
        invited += 1
    audit.record(None, audit.Action.IMPORT, actor=actor, target=mailing_list, kind="invitations", count=invited)
    return invited


def subscriber_rows(mailing_list: MailingList) -> Iterator[list[str]]:
    """The columns, then one row per subscription to `mailing_list`, by address."""
    yield ["email", "language", "status", "source", "subscribed"]
    subscriptions = mailing_list.subscriptions.select_related("subscriber").order_by("subscriber__email")
    for subscription in subscriptions.iterator(chunk_size=2000):
        yield [
            subscription.subscriber.email,
            subscription.subscriber.language,
            subscription.status,
            subscription.source,
            subscription.created_at.date().isoformat(),
        ]


def unique_list_slug(name: str) -> str:
    """Suffixed every time: a "-2" would tell that another publisher's private list has the same name."""
    return slugs.unique_slug(MailingList, name, fallback="list", always_suffixed=True)


# Campaigns ---------------------------------------------------------------------------------------------
# A campaign's sending goes to the queue through the task the caller passes in (newsletters.tasks'
# dispatch_campaign.delay, from a view or a task, which queues the campaign's senders): services never import
# tasks, and an import contract can say so. The sending itself is newsletters.dispatch.

QueueSending = Callable[[int], object]  # given a campaign's id


class CampaignError(Exception):
    pass


@transaction.atomic
def create_campaign(actor: User, mailing_list: MailingList, campaign: Campaign) -> Campaign:
    """Save a new campaign (an edition or a message) for `mailing_list`, written by `actor`; it is a draft."""
    campaign.mailing_list, campaign.created_by = mailing_list, actor
    campaign.save()
    return campaign


def recipients(mailing_list: MailingList) -> models.QuerySet[Subscription]:
    """Who a campaign to `mailing_list` goes to: its confirmed subscriptions of addresses that do not bounce."""
    return Subscription.objects.filter(
        mailing_list=mailing_list,
        status=Subscription.Status.CONFIRMED,
        subscriber__status=Subscriber.Status.ACTIVE,
    )


def outreach_list(owner: Organization) -> MailingList:
    """The list of `owner`'s invitations to endorse its statements: one per organisation, private, made the
    first time it invites, named in every language."""
    mailing_list = MailingList.objects.filter(owner=owner, kind=MailingList.Kind.OUTREACH).first()
    if mailing_list is not None:
        return mailing_list
    names = {}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            names[f"name_{code}"] = _("Invitations to endorse from %(name)s") % {"name": owner.name}
    return MailingList.objects.create(
        owner=owner,
        kind=MailingList.Kind.OUTREACH,
        is_public=False,
        slug=unique_list_slug(f"{owner.slug}-invitations"),
        **names,
    )


@dataclass
class Recipient:
    email: str
    language: str


@transaction.atomic
def start_outreach(
    actor: User,
    owner: Organization,
    recipients: list[Recipient],
    message: dict[str, tuple[str, str]],
    *,
    queue_sending: QueueSending,
) -> Campaign:
    """Send `message` (subject and text by language) on behalf of `owner` to `recipients`, as a campaign of its
    outreach list: the ledger, the unsubscribe link, the progress and the sending limit of every campaign. Each
    recipient joins the list for this message (Subscription.Source.OUTREACH); one who unsubscribed from it is
    never written to again."""
    mailing_list = outreach_list(owner)
    subscription_ids = []
    for recipient in recipients:
        subscription, _created = Subscription.objects.get_or_create(
            mailing_list=mailing_list,
            subscriber=_subscriber(recipient.email, recipient.language),
            defaults={
                "status": Subscription.Status.CONFIRMED,
                "source": Subscription.Source.OUTREACH,
                "confirmed_at": timezone.now(),
            },
        )
        subscription_ids.append(subscription.pk)
    texts = {}
    for code, (subject, body) in message.items():
        texts[f"subject_{code}"], texts[f"body_{code}"] = subject, body
    campaign = Campaign.objects.create(mailing_list=mailing_list, created_by=actor, **texts)
    start_campaign(actor, campaign, queue_sending=queue_sending, only=subscription_ids)
    return campaign


def send_campaign(actor: User, campaign: Campaign, *, queue_sending: QueueSending) -> int | None:
    """Start sending now, or at the campaign's scheduled time if that is to come. Returns the number of
    recipients, or None when scheduled."""
    if campaign.scheduled_at and campaign.scheduled_at > timezone.now():
        schedule_campaign(actor, campaign)
        return None
    return start_campaign(actor, campaign, queue_sending=queue_sending)


def schedule_campaign(actor: User, campaign: Campaign) -> None:
    """Leave a draft to start_due_campaigns (celery beat) at its scheduled time."""
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).update(status=Campaign.Status.SCHEDULED)


def start_campaign(
    actor: User | None, campaign: Campaign, *, queue_sending: QueueSending, only: list[int] | None = None
) -> int:
    """Write the ledger (one row per confirmed, active subscription, or per one of those among the subscriptions
    `only` names) and queue the sending."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            raise CampaignError(_("This campaign has already been started."))
        audience = recipients(campaign.mailing_list)
        if only is not None:
            audience = audience.filter(pk__in=only)
        recipients_sql, params = audience.values_list("id").query.sql_with_params()
        # INSERT ... SELECT: a Delivery object per recipient, built in Python and sent back, took 2 s for 20,000
        # recipients while this transaction held the campaign. The SELECT is Django's, values are parameters, and
        # SQLite needs a WHERE before ON CONFLICT.
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "INSERT INTO newsletters_delivery "  # noqa: S608
                "(campaign_id, subscription_id, status, attempts, last_error, possibly_duplicate) "
                f"SELECT %s, recipient.id, %s, 0, '', false FROM ({recipients_sql}) AS recipient "
                "WHERE true ON CONFLICT (campaign_id, subscription_id) DO NOTHING",
                [campaign.pk, Delivery.Status.PENDING.value, *params],
            )
        campaign.status = Campaign.Status.SENDING
        campaign.started_at = timezone.now()
        campaign.save(update_fields=["status", "started_at"])
        count = campaign.deliveries.count()
        audit.record(None, audit.Action.CAMPAIGN_STARTED, actor=actor, target=campaign, recipients=count)
        transaction.on_commit(lambda: queue_sending(campaign.pk))
    return count


def pause_campaign(actor: User, campaign: Campaign) -> None:
    """Stop sending after the batch under way; resume_campaign goes on from there."""
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(status=Campaign.Status.PAUSED)


def resume_campaign(actor: User, campaign: Campaign, *, queue_sending: QueueSending) -> None:
    if Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAUSED).update(status=Campaign.Status.SENDING):
        transaction.on_commit(lambda: queue_sending(campaign.pk))


def send_test(actor: User, campaign: Campaign, *, queue_test: Callable[[int, int], object]) -> None:
    """Queue the campaign's test message to its author (newsletters.dispatch.send_test), given the campaign's
    id and the author's."""
    transaction.on_commit(lambda: queue_test(campaign.pk, actor.pk))


def start_due_campaigns(*, queue_sending: QueueSending, now: datetime | None = None) -> int:
    """Start the scheduled campaigns whose time has come (celery beat)."""
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now or timezone.now())
    started = 0
    for campaign in due:
        try:
            start_campaign(None, campaign, queue_sending=queue_sending)
            started += 1
        except CampaignError:
            continue
    return started


def resume_interrupted_campaigns(*, queue_sending: QueueSending) -> int:
    """Queue sending for every campaign marked as sending that no sender is at work on (after a restart, or from
    beat). One with a live sender needs none: its senders take over each other's claims; nor one waiting for the
    sending limit: its senders are queued for the end of the wait (were they lost, it is resumed then)."""
    live = Claim.objects.filter(campaign=models.OuterRef("pk"), ended_at=None, expires_at__gt=Now())
    abandoned = (
        Campaign.objects.filter(status=Campaign.Status.SENDING)
        .exclude(models.Exists(live))
        .exclude(limited_until__gt=Now())
    )
    ids = list(abandoned.values_list("pk", flat=True))
    for campaign_id in ids:
        queue_sending(campaign_id)
    return len(ids)
