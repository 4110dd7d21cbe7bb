"""Open letters and joint statements, and the organisations that endorse them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from organizations.models import NamedAct, Organization, listed_q, unhidden_q
from portal.access import MANAGE, VIEW, Action, Guarded, GuardedQuerySet, Role, Viewer, shared_count, viewer_of
from portal.text import SingleLineField

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def statement_owners(who: object) -> models.QuerySet[Organization]:
    """Organisations under which `who` may start a statement: the verified host organisations and networks where
    they are an editor or owner (operators: all of them). Other organisations endorse."""
    owners = Organization.objects.verified().filter(Q(is_host=True) | Q(kind=Organization.Kind.NETWORK))
    return owners.filter(Organization.rule(viewer_of(who), MANAGE))


def may_create_statements(who: object) -> bool:
    viewer = viewer_of(who)
    if viewer.is_operator:
        return True
    if not viewer.is_member_of_verified:
        return False
    # Asked on every list of statements: shared by the readers the rule treats alike until the data changes.
    owners = statement_owners(viewer)
    shared = shared_count("statement-owners", owners, viewer, MANAGE)
    return bool(shared) if shared is not None else owners.exists()


def endorsement_counts(prefix: str = "") -> dict[str, Count]:
    """How many organisations endorsed, how many of them are not named to the public, and from how many countries
    the named ones come.

    `prefix` is the path from the model counted on to Endorsement ("endorsements__" from Statement).
    Every endorser counts, named or not; but only a named one adds its country: "from 2 countries" while one is
    named would point at the other. An organisation without a headquarters country adds no country.
    """
    country = f"{prefix}organization__hq_country"
    named = Endorsement.named_q(prefix)
    return {
        "endorsers_count": Count(f"{prefix}id" if prefix else "id", distinct=True),
        "countries_count": Count(country, distinct=True, filter=named & ~Q(**{country: ""})),
        "unnamed_count": Count(f"{prefix}id" if prefix else "id", distinct=True, filter=~named),
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


class StatementQuerySet(GuardedQuerySet["Statement"]):
    def published(self) -> StatementQuerySet:
        """Statements that have been published (and may since have closed to new endorsements)."""
        return self.filter(status__in=[Statement.Status.PUBLISHED, Statement.Status.CLOSED], published_on__isnull=False)


if TYPE_CHECKING:
    # What StatementQuerySet.as_manager() builds, named for the model's declaration.
    StatementManager = models.Manager.from_queryset(StatementQuerySet)


COUNT_FIELDS = ("endorsers_count", "countries_count", "unnamed_count")


class Statement(Guarded):
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
    title = SingleLineField(_("title"), max_length=300)
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
    # The figures every list, page, feed and API answer shows, kept by database triggers (statements/figures.py)
    # whenever an endorsement or an endorser changes: counting them per request cost a join over every
    # endorsement of the statements shown (bench/pages.py, statements_list).
    endorsers_count = models.PositiveIntegerField(_("endorsing organisations"), default=0, editable=False)
    countries_count = models.PositiveIntegerField(
        _("countries of the endorsers named publicly"), default=0, editable=False
    )
    unnamed_count = models.PositiveIntegerField(_("endorsers not named publicly"), default=0, editable=False)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[StatementManager[Statement]] = StatementQuerySet.as_manager()
    _default_manager: ClassVar[StatementManager[Statement]]
    # Columns django-modeltranslation adds (translation.py) that code reads by name.
    title_en: str | None

    class Meta:
        # Statements still gathering endorsements (not yet published) first, then the newest.
        ordering = [models.F("published_on").desc(nulls_first=True), "-created_at", "-pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        indexes = [models.Index(fields=["status", "published_on"])]

    def __str__(self) -> str:
        return self.title_en or self.title or self.slug

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only the triggers write the figures: a statement loaded before an endorsement arrived
        # must not put its older figures back when it is edited.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in COUNT_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("statements:detail", args=[self.slug])

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Drafts: the owner's editors and owners, who keep the statement, its endorsements and its outreach.
        Everything else: everyone."""
        managed = viewer.managed("owner")
        return ~Q(status=cls.Status.DRAFT) | managed if action == VIEW else managed

    def endorsing_organizations(self, who: object) -> list[int]:
        """Ids of the verified organisations in whose name `who` (an owner or editor) may endorse now."""
        if not self.accepts_endorsements():
            return []
        viewer = viewer_of(who)
        return [pk for pk in viewer.organizations(Role.EDITOR) if pk in viewer.verified]

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


class Endorsement(NamedAct, Guarded):
    """An organisation's endorsement of a statement; named publicly only with the organisation's own consent."""

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
        help_text=_(
            "If unticked, the organisation is counted but not named to the public; its own members, the editors and "
            "owners of the statement's publisher and the platform's operators still see its name."
        ),
    )
    source = models.CharField(_("received"), max_length=10, choices=Source.choices, default=Source.PORTAL)

    objects = GuardedQuerySet["Endorsement"].as_manager()

    # VIEW: see which organisation endorsed; MANAGE: withdraw it (Endorsement.may_withdraw says when);
    # UNNAME: stop naming it, which lowers the risk and so is open at any time; NAME: consent to be named, which
    # only the organisation itself gives, at any time.
    UNNAME, NAME = "unname", "name"
    ACTIONS = (VIEW, MANAGE, UNNAME, NAME)

    class Meta:
        ordering = ["organization__name", "pk"]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(fields=["statement", "organization"], name="endorsement_one_per_organization")
        ]

    def __str__(self) -> str:
        return f"{self.organization} – {self.statement}"

    @classmethod
    def named_q(cls, prefix: str = "") -> Q:
        """Endorsements that name their organisation to the public (Organization.named_publicly_q). Being listed
        does not stand for consent here: an endorsement recorded for an organisation by someone else may not even
        be its own, so one of its editors (of a listed organisation) or owners must have chosen to be named."""
        return Organization.named_publicly_q(prefix)

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """An endorser is named to the public only with its own consent (named_q); to the statement's managers
        and to its own members always. The endorsing organisation's editors and owners withdraw it; they and the
        statement's managers stop naming it; only the organisation chooses to be named: its owners, or its
        editors if it is listed."""
        own = Q(organization__in=viewer.organizations(Role.EDITOR))
        if action == MANAGE:
            return own
        if action == cls.UNNAME:
            return Q(named_publicly=True) & (own | viewer.managed("statement__owner"))
        if action == cls.NAME:
            owners = Q(organization__in=viewer.organizations(Role.OWNER))
            # A hidden organisation is named nowhere: there is nothing to consent to until it shows itself again.
            return ~cls.named_q() & unhidden_q("organization__") & (owners | listed_q("organization__") & own)
        return cls.named_q() | viewer.managed("statement__owner") | Q(organization__in=viewer.organizations())

    @property
    def is_recorded(self) -> bool:
        """Recorded for the organisation by someone else (received by email, imported), not made by it here."""
        return self.source != self.Source.PORTAL

    def may_withdraw(self, who: object) -> bool:
        """The organisation withdraws its endorsement while the statement accepts endorsements, and what someone
        else recorded for it at any time: it may never have been its own."""
        return (self.is_recorded or self.statement.accepts_endorsements()) and self.allows(who, MANAGE)


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
