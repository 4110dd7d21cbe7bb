"""Bulletins and newsletters: publications, their editions, sections and items, and the rendered PDFs."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from portal.access import ALL, VIEW, Action, Guarded, GuardedQuerySet, Viewer
from portal.links import WebAddressesField
from portal.sanitize import clean_html
from portal.text import SingleLineField

if TYPE_CHECKING:
    from portal.access import GuardedManager

# The rich-text fields of each model, sanitised in every language on save.
RICH_TEXT_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def sanitize_rich_text(instance: models.Model, *bases: str) -> None:
    for base in bases:
        # A translated field is cleaned language by language, never through `base`: modeltranslation reads it
        # with the English fallback and writes it into the active language, which would copy the English text
        # into an empty translation whenever someone saves with another interface language.
        names = [f"{base}_{code}" for code in RICH_TEXT_LANGUAGES if hasattr(instance, f"{base}_{code}")] or [base]
        for name in names:
            setattr(instance, name, clean_html(getattr(instance, name) or ""))


class Publication(Guarded):
    """A periodic bulletin or newsletter, e.g. "The Newsletter of the Victim Support Project"."""

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="publications", verbose_name=_("publisher")
    )
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = SingleLineField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[GuardedManager[Publication]] = GuardedQuerySet["Publication"].as_manager()
    _default_manager: ClassVar[GuardedManager[Publication]]
    # Columns django-modeltranslation adds (translation.py) that code reads by name.
    title_en: str | None

    class Meta:
        ordering = ["title"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Publications are public; the publisher's editors and owners compose, publish and send editions."""
        return ALL if action == VIEW else viewer.managed("owner")

    def get_absolute_url(self) -> str:
        return reverse("newsletters:publication", args=[self.slug])


class EditionQuerySet(GuardedQuerySet["Edition"]):
    def published(self) -> EditionQuerySet:
        return self.filter(status=Edition.Status.PUBLISHED)

    def search(self, query: str) -> EditionQuerySet:
        """Editions whose title, introduction or items mention `query`, in the current language."""
        query = query.strip()
        if not query:
            return self
        return self.filter(
            Q(title__icontains=query)
            | Q(introduction__icontains=query)
            | Q(sections__items__title__icontains=query)
            | Q(sections__items__body__icontains=query)
        ).distinct()


if TYPE_CHECKING:
    # What EditionQuerySet.as_manager() builds, named for the model's declaration.
    EditionManager = models.Manager.from_queryset(EditionQuerySet)


class Edition(Guarded):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="editions")
    number = models.PositiveIntegerField(_("number"))
    title = SingleLineField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    cover_photo = models.ImageField(_("cover photo"), upload_to="newsletters/covers/", blank=True)
    cover_credit = SingleLineField(_("cover photo credit"), max_length=200, blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    disclaimer = models.TextField(_("funder disclaimer"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("For a scheduled edition: when it goes public.")
    )
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[EditionManager[Edition]] = EditionQuerySet.as_manager()
    _default_manager: ClassVar[EditionManager[Edition]]

    class Meta:
        ordering = ["publication", "-number"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [models.UniqueConstraint(fields=["publication", "number"], name="edition_number_unique")]

    def __str__(self) -> str:
        return f"{self.publication} – {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        sanitize_rich_text(self, "introduction")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Published editions are public; drafts and scheduled ones only for the publisher's editors and owners,
        who alone change editions."""
        managed = viewer.managed("publication__owner")
        return Q(status=cls.Status.PUBLISHED) | managed if action == VIEW else managed

    def get_absolute_url(self) -> str:
        return reverse("newsletters:edition", args=[self.publication.slug, self.number])

    def has_translation(self, language: str) -> bool:
        """Whether the edition was written in `language` (otherwise readers get English and a notice)."""
        return language == settings.LANGUAGE_CODE or bool(getattr(self, f"title_{language}", ""))


class Section(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sections")
    title = SingleLineField(_("title"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[Section]]
    _default_manager: ClassVar[models.Manager[Section]]

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"), default=0)
    date = models.DateField(_("date"), null=True, blank=True)
    title = SingleLineField(_("title"), max_length=250)
    body = models.TextField(_("text"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="newsletters/items/", blank=True)
    photo_credit = SingleLineField(_("photo credit"), max_length=200, blank=True)
    links = WebAddressesField(_("links"), default=list, blank=True)
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="bulletin_items", verbose_name=_("organisations mentioned")
    )
    events = models.ManyToManyField(
        "events.Event", blank=True, related_name="bulletin_items", verbose_name=_("events mentioned")
    )

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[Item]]
    _default_manager: ClassVar[models.Manager[Item]]

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        sanitize_rich_text(self, "body")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class EditionPDF(models.Model):
    """The rendering state of one edition in one language: what the coordinator sees as progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="pdfs")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    content_key = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("edition PDF")
        verbose_name_plural = _("edition PDFs")
        constraints = [models.UniqueConstraint(fields=["edition", "language"], name="edition_pdf_unique")]

    def __str__(self) -> str:
        return f"{self.edition} ({self.language})"


# Mailing lists and campaigns ---------------------------------------------------------------------------


# The longest unsubscribe token a subscription holds (the campaign email leaves this much room for it).
TOKEN_LENGTH = 64


def new_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class MailingList(Guarded):
    class Kind(models.TextChoices):
        # People who asked for it (double opt-in), or whom the coordinators vouch for (an import).
        SUBSCRIBERS = "subscribers", _("Subscribers")
        # An organisation's invitations to endorse its statements, to the owners of the organisations it chooses
        # each time (home.outreach): nobody subscribes, anybody may unsubscribe.
        OUTREACH = "outreach", _("Invitations to endorse")

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="mailing_lists", verbose_name=_("owner")
    )
    publication = models.ForeignKey(
        Publication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailing_lists",
        verbose_name=_("publication"),
    )
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    name = SingleLineField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_public = models.BooleanField(
        _("anyone may subscribe"),
        default=True,
        help_text=_("A private list is filled by its coordinators only and has no subscription form."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SUBSCRIBERS, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[GuardedManager[MailingList]] = GuardedQuerySet["MailingList"].as_manager()
    _default_manager: ClassVar[GuardedManager[MailingList]]

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailing list")
        verbose_name_plural = _("mailing lists")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Anyone may know a public list (to subscribe); its subscribers, campaigns and a private list are only
        for the owner's coordinators (its editors and owners)."""
        managed = viewer.managed("owner")
        return Q(is_public=True) | managed if action == VIEW else managed

    def get_absolute_url(self) -> str:
        return reverse("newsletters:mailing_list", args=[self.slug])


class Subscriber(models.Model):
    """An email address, across lists. Bounces counted here stop sends to every list."""

    # Never shown to the public; written all the time while campaigns send (portal.publiccache).
    feeds_public_pages = False

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BOUNCING = "bouncing", _("Bouncing")

    email = models.EmailField(_("email"), unique=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    bounce_count = models.PositiveIntegerField(default=0)
    # The last permanent failure once the address counts as bouncing: its retention period runs from here.
    bounced_at = models.DateTimeField(_("last bounced"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    # Never shown to the public; written all the time while campaigns send (portal.publiccache).
    feeds_public_pages = False

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    class Source(models.TextChoices):
        FORM = "form", _("Subscription form")
        IMPORT = "import", _("Imported")
        MEMBERS = "members", _("Members of organisations")
        OUTREACH = "outreach", _("Owners of organisations invited to endorse")

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE, related_name="subscriptions")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FORM)
    # The only thing confirmation and unsubscribe links carry: it identifies this subscription and nothing else.
    token = models.CharField(max_length=TOKEN_LENGTH, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["mailing_list", "subscriber"], name="subscription_unique")]
        indexes = [models.Index(fields=["mailing_list", "status"])]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.mailing_list}"


class Suppression(models.Model):
    """An address deleted at the end of its retention period after it unsubscribed from a list (or, with no list,
    after it bounced), kept only as its hash (portal.audit.hashed_email) so that an import or the members of
    organisations never add it again behind its back (newsletters.services._confirmed). Subscribing through the
    form, with its confirmation, still works."""

    feeds_public_pages = False

    mailing_list = models.ForeignKey(
        MailingList, on_delete=models.CASCADE, null=True, blank=True, related_name="suppressions"
    )
    email_hash = models.CharField(max_length=80, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("address never to add again")
        verbose_name_plural = _("addresses never to add again")
        constraints = [models.UniqueConstraint(fields=["mailing_list", "email_hash"], name="suppression_unique")]

    def __str__(self) -> str:
        return self.email_hash


class Campaign(models.Model):
    """An edition, or a message, sent to a list at a time."""

    # Never shown to the public; written all the time while campaigns send (portal.publiccache).
    feeds_public_pages = False

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    mailing_list = models.ForeignKey(MailingList, on_delete=models.PROTECT, related_name="campaigns")
    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns", verbose_name=_("edition")
    )
    subject = SingleLineField(
        _("subject"), max_length=200, blank=True, help_text=_("For a message; an edition's email uses its title.")
    )
    body = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    rate_limit = models.PositiveIntegerField(
        _("messages per second"),
        null=True,
        blank=True,
        help_text=_("Leave empty to send as fast as the mail server accepts."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While the sending limit (portal.sending) leaves campaigns no room: when it will have some again.
    limited_until = models.DateTimeField(_("paused by the sending limit until"), null=True, blank=True)
    # Deliveries deleted with their subscriptions at the end of a retention period (newsletters/retention.py): the
    # campaign's figures still count them (newsletters.dispatch.progress).
    forgotten_sent = models.PositiveIntegerField(default=0, editable=False)
    forgotten_failed = models.PositiveIntegerField(default=0, editable=False)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[Campaign]]
    _default_manager: ClassVar[models.Manager[Campaign]]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.subject or (self.edition.title if self.edition else str(self.pk))

    def get_absolute_url(self) -> str:
        return reverse("newsletters:campaign", args=[self.mailing_list.slug, self.pk])

    @property
    def waits_for_limit(self) -> bool:
        """Whether the campaign is sending but waits for the sending limit (until limited_until)."""
        return (
            self.status == self.Status.SENDING
            and self.limited_until is not None
            and self.limited_until > timezone.now()
        )


class Claim(models.Model):
    """One sender's lease on the deliveries it claims while it sends a slice of a campaign
    (newsletters.dispatch). The sender renews it every few seconds; once it has expired (its worker died or
    stalled), any other sender takes the deliveries over. Kept once ended: each delivery names the claim that
    sent it, and so the worker."""

    # Never shown to the public; written all the time while campaigns send (portal.publiccache).
    feeds_public_pages = False

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="claims")
    # Names the sender's journal of sent messages in Redis (dispatch.SentJournal); random, so that a restored
    # database never meets the notes of another claim.
    token = models.CharField(max_length=32, unique=True)
    worker = models.CharField(_("worker"), max_length=200)  # host:pid of the worker process
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        # Senders look for live and expired leases every second; ended ones pile up over a campaign.
        indexes = [models.Index(fields=["campaign", "expires_at"], condition=Q(ended_at=None), name="claim_open")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.worker}"


class Delivery(models.Model):
    """One row per campaign and recipient, created before sending: the ledger that makes sending exactly
    once in practice. A row is claimed under a sender's lease in a short transaction, sent, and marked sent."""

    # Never shown to the public; written all the time while campaigns send (portal.publiccache).
    feeds_public_pages = False

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        CLAIMED = "claimed", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The lease it is claimed under (while it is claimed), then the one that sent it. A claim cannot be deleted
    # while it holds deliveries, unless they are deleted with it (their campaign).
    claim = models.ForeignKey(Claim, on_delete=models.RESTRICT, null=True, blank=True, related_name="deliveries")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    possibly_duplicate = models.BooleanField(
        _("possibly sent twice"),
        default=False,
        help_text=_(
            "The message was on its way when the worker sending it stopped, or when the connection to the mail "
            "server broke, and was sent again: the recipient may have received it twice."
        ),
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["campaign", "subscription"], name="delivery_unique")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.subscription_id}: {self.status}"
