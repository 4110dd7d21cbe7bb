"""Open letters and joint statements, and the organisations that endorse them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

if TYPE_CHECKING:
    from portal.models import User

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def endorsement_counts(prefix: str = "") -> dict[str, Count]:
    """How many organisations endorsed, from how many countries, and how many asked not to be named.

    `prefix` is the path from the model counted on to Endorsement ("endorsements__" from Statement).
    Every endorser counts, named or not; an organisation without a headquarters country adds no country.
    """
    country = f"{prefix}organization__hq_country"
    return {
        "endorsers_count": Count(f"{prefix}id" if prefix else "id", distinct=True),
        "countries_count": Count(country, distinct=True, filter=~Q(**{country: ""})),
        "unnamed_count": Count(
            f"{prefix}id" if prefix else "id", distinct=True, filter=Q(**{f"{prefix}named_publicly": False})
        ),
    }


@dataclass(frozen=True)
class Version:
    """The language version of a statement shown to a reader, and whether it is the one they asked for."""

    language: str
    title: str
    text: str
    addressees: str
    is_requested: bool

    @property
    def bidi(self) -> bool:
        return translation.get_language_info(self.language)["bidi"]

    @property
    def language_name(self) -> str:
        return translation.get_language_info(self.language)["name_translated"]


class StatementQuerySet(models.QuerySet["Statement"]):
    def visible_to(self, user: User | Any) -> StatementQuerySet:
        """Statements `user` may know exist (see portal.permissions.can_view_statement): drafts only to
        the owner's editors and owners, and to operators."""
        from portal.permissions import EDITOR, viewer_of

        viewer = viewer_of(user)
        if viewer.is_operator:
            return self.all()
        managed = [pk for pk in viewer.roles if viewer.has_role(pk, EDITOR)]
        return self.filter(~Q(status=Statement.Status.DRAFT) | Q(owner__in=managed))

    def published(self) -> StatementQuerySet:
        """Statements that have been published (and may since have closed to new endorsements)."""
        return self.filter(status__in=[Statement.Status.PUBLISHED, Statement.Status.CLOSED], published_on__isnull=False)

    def with_endorsement_counts(self) -> StatementQuerySet:
        return self.annotate(**endorsement_counts("endorsements__"))


class Statement(models.Model):
    """An open letter or a joint statement, owned by the organisation that publishes it."""

    class Kind(models.TextChoices):
        OPEN_LETTER = "open_letter", _("Open letter")
        JOINT_STATEMENT = "joint_statement", _("Joint statement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for endorsement")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="statements_owned", verbose_name=_("published by")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OPEN_LETTER)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    addressees = models.CharField(_("addressed to"), max_length=300, blank=True)
    published_languages = models.JSONField(
        _("published language versions"),
        default=list,
        blank=True,
        help_text=_("The language versions that are ready and shown to readers."),
    )
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    opens_at = models.DateTimeField(_("endorsement opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("endorsement closes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        # Statements still gathering endorsements (not yet published) first, then the newest.
        ordering = [models.F("published_on").desc(nulls_first=True), "-created_at", "-pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        indexes = [models.Index(fields=["status", "published_on"])]

    def __str__(self) -> str:
        return self.title_en or self.title or self.slug

    def get_absolute_url(self) -> str:
        return reverse("statements:detail", args=[self.slug])

    def accepts_endorsements(self, now: datetime.datetime | None = None) -> bool:
        """Open, or published after being open, and inside the endorsement window."""
        now = now or timezone.now()
        if self.status not in (self.Status.OPEN, self.Status.PUBLISHED):
            return False
        if self.status == self.Status.PUBLISHED and self.opens_at is None:
            return False  # published straight from a draft: it never asked for endorsements
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at

    def endorsement_window(self, now: datetime.datetime | None = None) -> str:
        """ "draft", "upcoming", "open" or "closed": what the page says about endorsing."""
        now = now or timezone.now()
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.accepts_endorsements(now):
            return "open"
        if self.status == self.Status.PUBLISHED and self.opens_at is None and self.closes_at is None:
            return "none"
        upcoming = self.opens_at is not None and now < self.opens_at
        return "upcoming" if upcoming and self.status in (self.Status.OPEN, self.Status.PUBLISHED) else "closed"

    # Language versions --------------------------------------------------------------------------------

    def shown_language(self, language: str | None) -> str:
        """The version to show a reader of `language`: theirs if published, else English, else the first."""
        published = [code for code in self.published_languages or [] if code in LANGUAGE_CODES]
        if language in published:
            return language  # type: ignore[return-value]
        if settings.LANGUAGE_CODE in published or not published:
            return settings.LANGUAGE_CODE
        return published[0]

    def version_in(self, language: str | None) -> Version:
        code = self.shown_language(language)
        return Version(
            language=code,
            title=getattr(self, f"title_{code}", "") or self.title_en or "",
            text=getattr(self, f"text_{code}", "") or "",
            addressees=getattr(self, f"addressees_{code}", "") or "",
            is_requested=code == language,
        )

    @property
    def version(self) -> Version:
        """The version for the active language (what templates, feeds and the API show)."""
        return self.version_in(translation.get_language())

    def language_versions(self) -> list[dict[str, Any]]:
        """Each published version with its address: the same page under that language's prefix."""
        versions = []
        for code, _name in settings.LANGUAGES:
            if code in (self.published_languages or []):
                with translation.override(code):
                    url = self.get_absolute_url()
                info = translation.get_language_info(code)
                versions.append({"code": code, "name": info["name_local"], "url": url, "bidi": info["bidi"]})
        return versions


class EndorsementQuerySet(models.QuerySet["Endorsement"]):
    def named_to(self, user: User | Any, statement: Statement) -> EndorsementQuerySet:
        """The endorsements of `statement` that `user` may see named (portal.permissions.can_see_endorser, in
        SQL): those that agreed to be named, the person's own organisations', and all of them for its managers."""
        from portal.permissions import MEMBER, can_manage_statement, viewer_of

        endorsements = self.filter(statement=statement)
        if can_manage_statement(user, statement):
            return endorsements
        viewer = viewer_of(user)
        own = [pk for pk in viewer.roles if viewer.has_role(pk, MEMBER)]
        return endorsements.filter(Q(named_publicly=True) | Q(organization_id__in=own))


class Endorsement(models.Model):
    """An organisation's endorsement of a statement; named publicly only if it agreed."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("On the portal")
        EMAIL = "email", _("By email")
        IMPORTED = "imported", _("Imported")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="endorsements")
    # Erasing an organisation erases its endorsements: nothing should keep a trace of an erased organisation.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="endorsements", verbose_name=_("organisation")
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("endorsed by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("The coordinator who recorded an endorsement received by email or imported."),
    )
    created_at = models.DateTimeField(_("endorsed on"), default=timezone.now)
    named_publicly = models.BooleanField(
        _("agrees to be named publicly"),
        default=False,
        help_text=_("If unticked, the organisation is counted but never named to the public."),
    )
    source = models.CharField(_("received"), max_length=10, choices=Source.choices, default=Source.PORTAL)

    objects = EndorsementQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "pk"]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(fields=["statement", "organization"], name="endorsement_one_per_organization")
        ]

    def __str__(self) -> str:
        return f"{self.organization} – {self.statement}"


class StatementHistoryEntry(models.Model):
    """One change to a statement: who, when, what. Entries never name the endorsing organisations, so that
    a withdrawn endorsement leaves no trace here."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        OPENED = "opened", _("Opened for endorsement")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")
        RECORDED = "recorded", _("Endorsement received by email recorded")
        REMOVED = "removed", _("Endorsement removed")
        IMPORTED = "imported", _("Endorsements imported")
        OUTREACH = "outreach", _("Invitations to endorse sent")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    message = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("statement history entry")
        verbose_name_plural = _("statement history")

    def __str__(self) -> str:
        return f"{self.statement}: {self.get_action_display()}"
