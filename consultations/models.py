"""Written consultations: a host's call for input on a draft strategy, the organisations' confidential
submissions with their recommendations, the host's answers, and the published "what we heard".

Submissions are for the submitting organisation and the host's coordinators only. What reaches the public is
the call itself once it is published, and after the closing date the host's summary: its text, the quotations
the organisations allowed (Quotation, a copy that names its organisation only under the naming rule) and the
figures, in which those who chose not to be named are counted, never named.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from events.models import Event, EventSeries
from organizations.models import NamedAct, Organization, Topic, normalize_for_search, private_storage
from portal.access import MANAGE, NOTHING, VIEW, Action, Guarded, GuardedQuerySet, Role, Viewer, viewer_of
from portal.models import validate_time_zone
from portal.text import SingleLineField

if TYPE_CHECKING:
    from portal.access import GuardedManager

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def participating_organizations(viewer: Viewer) -> list[int]:
    """The verified organisations of `viewer`: those in whose name they may take part in a consultation."""
    return [pk for pk in viewer.organizations() if pk in viewer.verified]


class Consultation(Guarded):
    """A host organisation's call for written input on a draft strategy or workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Audience(models.TextChoices):
        VERIFIED = "verified", _("All verified organisations")
        WORKING_GROUP = "working_group", _("The members of a working group")
        NETWORK = "network", _("The members of a network")
        AGREEMENT = "agreement", _("The signatories of an agreement")
        INVITED = "invited", _("Organisations invited by name")

    host = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consultations_hosted", verbose_name=_("host")
    )
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = SingleLineField(_("title"), max_length=300)
    description = models.TextField(_("text of the call"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Zurich", validators=[validate_time_zone]
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    answer_languages = models.JSONField(
        _("languages answers may be written in"), default=list, blank=True, help_text=_("None ticked: any language.")
    )
    audience = models.CharField(_("who is asked"), max_length=20, choices=Audience.choices, default=Audience.VERIFIED)
    working_group = models.ForeignKey(
        EventSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("working group"),
    )
    network = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations_of_network",
        verbose_name=_("network"),
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("agreement"),
    )
    invited = models.ManyToManyField(
        Organization, blank=True, related_name="consultations_invited", verbose_name=_("organisations invited")
    )
    meetings = models.ManyToManyField(
        Event, blank=True, related_name="consultations", verbose_name=_("meetings held on it")
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before the deadline"),
        default=3,
        help_text=_("Organisations asked that have not submitted are reminded once; 0: no reminder."),
    )
    summary = models.TextField(_("what we heard"), blank=True)
    summary_published_at = models.DateTimeField(_("summary published"), null=True, blank=True, editable=False)
    # The figures of the published summary, counted when it is published (and again when an organisation changes
    # what the host may do with its submission): those not named are counted, never named.
    contributors_count = models.PositiveIntegerField(_("contributing organisations"), default=0, editable=False)
    countries_count = models.PositiveIntegerField(_("countries of the contributors named"), default=0, editable=False)
    unnamed_count = models.PositiveIntegerField(_("contributors not named"), default=0, editable=False)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[GuardedManager[Consultation]] = GuardedQuerySet["Consultation"].as_manager()
    _default_manager: ClassVar[GuardedManager[Consultation]]
    title_en: str | None

    # VIEW: read the call; MANAGE: keep it and read every submission (the host's coordinators); TAKE_PART: read
    # its documents and submit in the name of an organisation asked.
    TAKE_PART = "take_part"
    ACTIONS = (VIEW, MANAGE, TAKE_PART)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return self.title_en or self.title or self.slug

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = normalize_for_search(
            " ".join(filter(None, (getattr(self, f"title_{code}", "") for code in LANGUAGE_CODES)))
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", args=[self.slug])

    @classmethod
    def audience_q(cls, organizations: list[int] | models.QuerySet[Any] | OuterRef, prefix: str = "") -> Q:
        """The consultations that ask at least one of `organizations` (expected verified), at the path `prefix`:
        ids, a queryset of ids, or an OuterRef to one organisation's id in a query around the consultations (so
        that `audience_organizations` asks this same rule)."""
        # The subqueries below sit one level further in than the consultations an OuterRef is made from.
        lookup, value = (
            ("", OuterRef(organizations)) if isinstance(organizations, OuterRef) else ("__in", organizations)
        )
        series = EventSeries.objects.filter(**{f"members{lookup}": value})
        networks = Organization.objects.filter(
            **{f"network_memberships__member{lookup}": value}, network_memberships__confirmed=True
        )
        signed = Agreement.objects.filter(**{f"parties__organization{lookup}": value})
        invited = cls.invited.through.objects.filter(**{f"organization{lookup}": value}).values("consultation_id")
        return (
            Q(**{f"{prefix}audience": cls.Audience.VERIFIED})
            | Q(**{f"{prefix}audience": cls.Audience.WORKING_GROUP, f"{prefix}working_group__in": series})
            | Q(**{f"{prefix}audience": cls.Audience.NETWORK, f"{prefix}network__in": networks})
            | Q(**{f"{prefix}audience": cls.Audience.AGREEMENT, f"{prefix}agreement__in": signed})
            | Q(**{f"{prefix}audience": cls.Audience.INVITED, f"{prefix}pk__in": invited})
        )

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Published calls: everyone reads them. The host's coordinators (its editors and owners, with a second
        factor) and operators keep them, drafts included, and read every submission. The verified organisations
        asked (the audience) read the documents and take part while it is published."""
        managed = viewer.managed("host")
        if action == MANAGE:
            return managed
        if action == VIEW:
            return Q(status=cls.Status.PUBLISHED) | managed
        mine = participating_organizations(viewer)
        if not mine:
            return NOTHING
        return Q(status=cls.Status.PUBLISHED) & cls.audience_q(mine)

    def audience_organizations(self) -> models.QuerySet[Organization]:
        """The verified organisations this consultation asks (never the host itself): those for which
        `audience_q` holds, the one statement of the rule."""
        asks = Consultation.objects.filter(pk=self.pk).filter(self.audience_q(OuterRef("pk")))
        return Organization.objects.verified().exclude(pk=self.host_id).filter(Exists(asks))

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def window(self, now: datetime.datetime | None = None) -> str:
        """ "draft", "upcoming", "open" or "closed": what the page says about taking part."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return "draft"
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    def accepts_submissions(self, now: datetime.datetime | None = None) -> bool:
        return self.window(now) == "open"

    @property
    def summary_is_published(self) -> bool:
        return self.summary_published_at is not None

    def summary_in(self, language: str | None) -> str:
        return getattr(self, f"summary_{language}", "") or self.summary_en or ""

    summary_en: str | None


class Question(models.Model):
    """One question of a call: free text, one choice, several choices, or a ranking of priorities."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Free text")
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        RANKING = "ranking", _("Rank these priorities")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    prompt = models.TextField(_("question"))
    options = models.TextField(_("choices, one a line"), blank=True)

    objects: ClassVar[models.Manager[Question]]
    _default_manager: ClassVar[models.Manager[Question]]
    options_en: str | None

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.prompt[:80]

    @property
    def has_options(self) -> bool:
        return self.kind != self.Kind.TEXT

    def option_list(self) -> list[str]:
        """The choices in the active language; answers keep their positions, so every language's list must have
        the English one's length (English fills the gaps)."""
        english = [line.strip() for line in (self.options_en or self.options or "").splitlines() if line.strip()]
        local = [line.strip() for line in (self.options or "").splitlines() if line.strip()]
        return local if len(local) == len(english) else english


class ConsultationDocument(Guarded):
    """A draft under consultation: a private file, for the audience and the host's coordinators only."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="documents")
    title = SingleLineField(_("title"), max_length=200)
    file = models.FileField(_("file (PDF)"), storage=private_storage, upload_to="consultation-documents/")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[GuardedManager[ConsultationDocument]] = GuardedQuerySet["ConsultationDocument"].as_manager()
    _default_manager: ClassVar[GuardedManager[ConsultationDocument]]

    ACTIONS = (VIEW,)
    # Only the audience reads a draft: no public page shows it.
    feeds_public_pages = False

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("document under consultation")
        verbose_name_plural = _("documents under consultation")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The host's coordinators, and the organisations asked while the call is published."""
        return viewer.managed("consultation__host") | Q(
            consultation__in=Consultation.objects.allowing(viewer, Consultation.TAKE_PART)
        )


class Submission(NamedAct, Guarded):
    """One organisation's written input to a consultation: answers, attachments and recommendations, and what
    the host may do with it. Confidential to the organisation and the host's coordinators."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Use(models.TextChoices):
        CONFIDENTIAL = "confidential", _("Keep it to the host's coordinators")
        QUOTE = "quote", _("Quote it without naming us")
        PUBLISH = "publish", _("Publish it with our name")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="submissions")
    # Erasing an organisation erases its submissions: nothing keeps a trace of an erased organisation.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="consultation_submissions", verbose_name=_("organisation")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    language = models.CharField(_("written in"), max_length=10, choices=settings.LANGUAGES, default="en")
    # {question id (str): text, option index, list of option indices, or {option index: rank}}
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    use = models.CharField(
        _("what the host may do with it"), max_length=12, choices=Use.choices, default=Use.CONFIDENTIAL
    )
    named_publicly = models.BooleanField(_("to be named publicly"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_submissions",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The coordinators' side.
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )

    objects: ClassVar[GuardedManager[Submission]] = GuardedQuerySet["Submission"].as_manager()
    _default_manager: ClassVar[GuardedManager[Submission]]

    # VIEW: read it (the organisation's people, the host's coordinators); MANAGE: draft and submit it (the
    # organisation's editors and owners); COORDINATE: mark read, assign, answer its recommendations (the host's
    # coordinators).
    COORDINATE = "coordinate"
    ACTIONS = (VIEW, MANAGE, COORDINATE)
    # Never on a public page: what the public learns is copied into Quotation and the consultation's figures.
    feeds_public_pages = False

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "organization"], name="submission_one_per_organization")
        ]

    def __str__(self) -> str:
        return f"{self.organization} – {self.consultation}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:submission", args=[self.consultation.slug, self.pk])

    @classmethod
    def named_q(cls, prefix: str = "") -> Q:
        """Submissions whose organisation may be named with what it said (Organization.named_publicly_q): it
        chose "publish with our name", as one of its owners, or one of its editors if it is listed."""
        return Organization.named_publicly_q(prefix)

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The submitting organisation's people read it, its editors and owners draft and submit it; the host's
        coordinators (and operators) read it and answer it. Other organisations never see it."""
        coordinators = viewer.managed("consultation__host")
        if action == MANAGE:
            return Q(organization__in=viewer.organizations(Role.EDITOR))
        if action == cls.COORDINATE:
            return coordinators
        return Q(organization__in=viewer.organizations()) | coordinators

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class SubmissionVersion(models.Model):
    """A submission as it stood each time it was saved: its history, for the organisation and the host."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Submission.Status.choices)
    content = models.JSONField(_("content"), default=dict)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    feeds_public_pages = False

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("submission version")
        verbose_name_plural = _("submission history")

    def __str__(self) -> str:
        return f"{self.submission_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Recommendation(Guarded):
    """A recommendation in a submission, on a topic, with the host's answer its organisation sees."""

    class Response(models.TextChoices):
        RECEIVED = "received", _("Received")
        CONSIDERING = "considering", _("Under consideration")
        TAKEN_UP = "taken_up", _("Taken up")
        NOT_TAKEN_UP = "not_taken_up", _("Not taken up")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="recommendations")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("topic")
    )
    text = models.TextField(_("recommendation"))
    response = models.CharField(_("response"), max_length=15, choices=Response.choices, default=Response.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The coordinators' own tags, never shown to the organisation.
    tags = models.JSONField(_("tags"), default=list, blank=True)

    objects: ClassVar[GuardedManager[Recommendation]] = GuardedQuerySet["Recommendation"].as_manager()
    _default_manager: ClassVar[GuardedManager[Recommendation]]

    RESPOND = "respond"
    ACTIONS = (VIEW, MANAGE, RESPOND)
    feeds_public_pages = False

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return self.text[:80]

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """As its submission: the organisation's people read it and see the host's answer, its editors write it;
        the host's coordinators answer and tag it."""
        coordinators = viewer.managed("submission__consultation__host")
        if action == MANAGE:
            return Q(submission__organization__in=viewer.organizations(Role.EDITOR))
        if action == cls.RESPOND:
            return coordinators
        return Q(submission__organization__in=viewer.organizations()) | coordinators


class Attachment(Guarded):
    """A file attached to a submission: checked like every upload, stored privately."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    title = SingleLineField(_("title"), max_length=200)
    file = models.FileField(_("file (PDF)"), storage=private_storage, upload_to="consultation-attachments/")
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[GuardedManager[Attachment]] = GuardedQuerySet["Attachment"].as_manager()
    _default_manager: ClassVar[GuardedManager[Attachment]]

    feeds_public_pages = False

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """As its submission: the organisation's people and the host's coordinators read it; its editors add and
        remove it."""
        if action == MANAGE:
            return Q(submission__organization__in=viewer.organizations(Role.EDITOR))
        return Q(submission__organization__in=viewer.organizations()) | viewer.managed("submission__consultation__host")


class Quotation(NamedAct, Guarded):
    """A passage of a submission that the host quotes in its published summary, as the organisation allowed:
    without its name, or with it under the naming rule. A copy, so that submissions never feed a public page;
    kept in step with the submission by the services (removed when the organisation withdraws its permission)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="quotations")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="quotations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("quotation"))
    language = models.CharField(_("written in"), max_length=10, choices=settings.LANGUAGES, default="en")
    named_publicly = models.BooleanField(_("named publicly"), default=False)

    objects: ClassVar[GuardedManager[Quotation]] = GuardedQuerySet["Quotation"].as_manager()
    _default_manager: ClassVar[GuardedManager[Quotation]]

    # The organisation's name where it may be named, "" elsewhere (consultations.services.public_quotations).
    shown_name = ""

    # VIEW: read the quotation; NAME: see which organisation said it.
    NAME = "name"
    ACTIONS = (VIEW, NAME)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")

    def __str__(self) -> str:
        return self.text[:80]

    @classmethod
    def named_q(cls, prefix: str = "") -> Q:
        return Organization.named_publicly_q(prefix)

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Quotations: everyone, once the summary is published; the host's coordinators always. Its organisation
        is named only under the naming rule, whoever asks: what is printed for the public is the same for all."""
        managed = viewer.managed("consultation__host")
        published = Q(consultation__summary_published_at__isnull=False, consultation__status="published")
        if action == cls.NAME:
            return cls.named_q() & published
        return published | managed

    @property
    def bidi(self) -> bool:
        return translation.get_language_info(self.language)["bidi"]


class ReminderSent(models.Model):
    """The marker that an organisation was reminded of a consultation: one row, so one reminder, ever."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="reminders_sent")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    feeds_public_pages = False

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "organization"], name="consultation_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.consultation_id}"


def may_host_consultations(who: object) -> bool:
    """Coordinators of a verified host organisation (and operators) open calls for input."""
    return viewer_of(who).may_coordinate
