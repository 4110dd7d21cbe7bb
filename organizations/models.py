"""Organisations, the people in them, and the networks they form."""

from __future__ import annotations

import datetime
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from portal.access import (
    ALL,
    MANAGE,
    NOTHING,
    VIEW,
    Action,
    Guarded,
    GuardedQuerySet,
    Role,
    Viewer,
    holds,
    second_factors_of,
    viewer_of,
)
from portal.links import WebAddressesField, WebAddressField
from portal.text import CONTROLS, SingleLineField

if TYPE_CHECKING:
    from portal.models import User


class Topic(models.Model):
    """A focus area, such as enforced disappearance or transitional justice (name translated)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = SingleLineField(_("name"), max_length=120)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[Topic]]
    _default_manager: ClassVar[models.Manager[Topic]]

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class Governorate(models.Model):
    """One of Syria's fourteen governorates (name translated)."""

    code = models.SlugField(_("code"), unique=True)
    name = SingleLineField(_("name"), max_length=80)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[Governorate]]
    _default_manager: ClassVar[models.Manager[Governorate]]

    class Meta:
        ordering = ["name"]
        verbose_name = _("governorate")
        verbose_name_plural = _("governorates")

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    """Who may see a piece of an organisation's profile, widest first."""

    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Signed-in members of verified organisations")
    COORDINATORS = "coordinators", _("Coordinators of host organisations")
    PRIVATE = "private", _("Only our own members")


WORKING_LANGUAGES = [
    ("ar", _("Arabic")),
    ("ku", _("Kurdish")),
    ("en", _("English")),
    ("fr", _("French")),
    ("tr", _("Turkish")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("ru", _("Russian")),
    ("syc", _("Syriac")),
    ("hy", _("Armenian")),
]

# Arabic diacritics (tashkeel) and the tatweel carry no meaning for search.
_ARABIC_MARKS = dict.fromkeys(range(0x064B, 0x0660)) | {0x0670: None, 0x0640: None}
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def normalize_for_search(text: str) -> str:
    """Fold text so that a search ignores case, Latin accents, Arabic diacritics and letter variants (and control
    characters, which no name holds and PostgreSQL refuses in a query: a NUL in an address finds nothing)."""
    text = unicodedata.normalize("NFKD", CONTROLS.sub("", text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_ARABIC_MARKS).translate(_ARABIC_LETTERS)
    return " ".join(text.split())


class OrganizationQuerySet(GuardedQuerySet["Organization"]):
    def listed(self) -> OrganizationQuerySet:
        """Organisations the public directory shows."""
        return self.filter(LISTED)

    def countries_in_use(self) -> set[str]:
        """The codes of the countries where these organisations are based or work: what a filter offers."""
        used: set[str] = set()
        for based, working in self.order_by().values_list("hq_country", "countries").distinct():
            used.add(str(based))
            # values_list() reads countries of operation as the stored comma-separated codes
            used.update(working.split(",") if isinstance(working, str) else (str(code) for code in working or []))
        used.discard("")
        return used

    def figures(self) -> dict[str, int]:
        """How many organisations, based in how many countries (no headquarters is no country). COUNT(*) rather
        than COUNT(id), so that PostgreSQL can answer for the directory from its index alone."""
        return self.aggregate(
            organizations=Count("*"), countries=Count("hq_country", distinct=True, filter=~Q(hq_country=""))
        )

    def verified(self) -> OrganizationQuerySet:
        return self.filter(status=Organization.Status.VERIFIED)

    def search(self, query: str) -> OrganizationQuerySet:
        """Organisations whose name in any language or acronym contains `query` (folded)."""
        folded = normalize_for_search(query)
        return self.filter(search_text__contains=folded) if folded else self

    def with_directory_data(self) -> OrganizationQuerySet:
        return self.prefetch_related("topics", "governorates")

    def awaiting_review_by(self, who: Any) -> OrganizationQuerySet:
        """The organisations submitted for verification that `who` may decide on (the review queue)."""
        return self.allowing(who, Organization.REVIEW).filter(status=Organization.Status.PENDING)


def unhidden_q(prefix: str = "") -> Q:
    """Organisations that have not hidden everything ("hide everything now"), at the path `prefix`. A hidden
    organisation is listed nowhere and named nowhere outside itself and the coordinators whose work needs it."""
    return Q(**{f"{prefix}hidden_at__isnull": True})


def listed_q(prefix: str = "") -> Q:
    """The organisations the public directory shows (OrganizationQuerySet.listed), at the path `prefix`
    ("organization__" from an endorsement)."""
    return Q(**{f"{prefix}status": "verified", f"{prefix}listed_publicly": True}) & unhidden_q(prefix)


if TYPE_CHECKING:
    # What OrganizationQuerySet.as_manager() builds, named for the model's declaration.
    OrganizationManager = models.Manager.from_queryset(OrganizationQuerySet)


LISTED = listed_q()


def _fields_read(condition: Q) -> set[str]:
    """The fields of the row itself that the lookups of `condition` start from."""
    return {
        *(child[0].split("__")[0] for child in condition.children if isinstance(child, tuple)),
        *(name for child in condition.children if isinstance(child, Q) for name in _fields_read(child)),
    }


# The fields listed_q reads, taken from it: with them at hand, whether a reader may see a profile is mostly answered
# without reading it (portal.access.allowed_ids, `known`).
LISTING_FIELDS = tuple(sorted(_fields_read(LISTED)))


class Organization(Guarded):
    class Kind(models.TextChoices):
        CSO = "cso", _("Civil-society organisation")
        VICTIMS_ASSOCIATION = "victims", _("Victims' or families' association")
        NETWORK = "network", _("Network or coalition")
        UN_MECHANISM = "un", _("UN mechanism")
        GOVERNMENT = "government", _("Government")
        DONOR = "donor", _("Donor")
        INGO = "ingo", _("International NGO")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        SUSPENDED = "suspended", _("Suspended")

    name = SingleLineField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    acronym = SingleLineField(_("acronym"), max_length=30, blank=True)
    slug = models.SlugField(_("address"), max_length=80, unique=True, allow_unicode=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CSO)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_host = models.BooleanField(
        _("host organisation"),
        default=False,
        help_text=_(
            "Its owners and editors coordinate the portal: they verify organisations, hold events and send bulletins."
        ),
    )
    listed_publicly = models.BooleanField(
        _("listed in the public directory"),
        default=True,
        help_text=_("If unticked, only your members, coordinators and operators can see this organisation."),
    )
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    hq_country = CountryField(_("headquarters country"), blank=True)
    countries = CountryField(_("countries of operation"), multiple=True, blank=True)
    governorates = models.ManyToManyField(
        Governorate, verbose_name=_("Syrian governorates of operation"), blank=True, related_name="organizations"
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("focus areas"), blank=True, related_name="organizations")
    working_languages = models.JSONField(_("languages worked in"), default=list, blank=True)
    website = WebAddressField(_("website"), blank=True)
    social_links = WebAddressesField(_("social media links"), default=list, blank=True)
    logo = models.ImageField(_("logo"), upload_to="organizations/logos/", blank=True)

    email = models.EmailField(_("email"), blank=True)
    email_visibility = models.CharField(
        _("who sees the email"), max_length=20, choices=Audience.choices, default=Audience.COORDINATORS
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_visibility = models.CharField(
        _("who sees the phone"), max_length=20, choices=Audience.choices, default=Audience.COORDINATORS
    )
    address = models.TextField(_("postal address"), blank=True)
    address_visibility = models.CharField(
        _("who sees the address"), max_length=20, choices=Audience.choices, default=Audience.PRIVATE
    )
    contact_persons = models.TextField(
        _("contact persons"), blank=True, help_text=_("Names and roles of the people to contact, one per line.")
    )
    contact_persons_visibility = models.CharField(
        _("who sees the contact persons"), max_length=20, choices=Audience.choices, default=Audience.PRIVATE
    )

    # Folded names in every language and the acronym, kept by save(): what directory search looks in.
    search_text = models.TextField(editable=False, default="")
    review_message = models.TextField(_("message from the reviewers"), blank=True)
    decided_by_operator = models.BooleanField(
        _("last decision by an operator"),
        default=False,
        help_text=_("Only operators may change a decision an operator made (verification, changes, suspension)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # "Hide everything now": set by an owner or an operator when danger comes; nothing else is changed, so
    # showing the organisation again brings every item back as it was.
    hidden_at = models.DateTimeField(_("hidden from public view since"), null=True, blank=True, editable=False)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[OrganizationManager[Organization]] = OrganizationQuerySet.as_manager()
    _default_manager: ClassVar[OrganizationManager[Organization]]
    # Columns django-modeltranslation adds (translation.py) that code reads by name.
    name_en: str | None
    name_ar: str | None

    # The contact fields whose visibility each organisation chooses, with the field holding that choice.
    CONTACT_FIELDS = {
        "email": "email_visibility",
        "phone": "phone_visibility",
        "address": "address_visibility",
        "contact_persons": "contact_persons_visibility",
    }

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        # The directory: its figures and each page read only listed organisations, a page in the order of the
        # reader's language; partial indexes let PostgreSQL read 24 rows in name order instead of sorting
        # every listed organisation per request (bench/pages.py, directory).
        indexes = [
            models.Index(fields=["status", "listed_publicly"]),
            models.Index(fields=["hq_country"], condition=LISTED, name="organization_listed_country"),
            *(
                models.Index(fields=[f"name_{code}"], condition=LISTED, name=f"organization_listed_name_{code}")
                for code, _name in settings.LANGUAGES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("organizations:detail", args=[self.slug])

    def build_search_text(self) -> str:
        names = [getattr(self, f"name_{code}", "") or "" for code, _name in settings.LANGUAGES]
        return normalize_for_search(" | ".join([*names, self.acronym, self.name or ""]))

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    # The access rule ----------------------------------------------------------------------------------

    # Besides VIEW (open the profile) and MANAGE (edit it): the member list, its history and who made each change
    # in it, verification, and one action per contact field (field name -> action): whether its value may be shown.
    CONTACT_ACTIONS = {name: f"contact:{name}" for name in CONTACT_FIELDS}
    MANAGE_MEMBERS, VIEW_MEMBERS, VIEW_HISTORY, REVIEW = "manage_members", "view_members", "view_history", "review"
    VIEW_HISTORY_ACTORS = "view_history_actors"
    REQUEST_TO_JOIN, ADMINISTER_NETWORK = "request_to_join", "administer_network"
    ACTIONS = (
        VIEW,
        MANAGE,
        MANAGE_MEMBERS,
        VIEW_MEMBERS,
        VIEW_HISTORY,
        VIEW_HISTORY_ACTORS,
        REVIEW,
        REQUEST_TO_JOIN,
        ADMINISTER_NETWORK,
        *CONTACT_ACTIONS.values(),
    )

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Profiles: verified and listed ones to everyone, the rest to their members, coordinators and operators.
        Editors and owners edit (a suspended organisation is frozen for them); owners manage members; members see
        the member list (who works where is sensitive); owners and coordinators read the history, and who made each
        change only those who also see the member list (coordinators read what changed elsewhere, not who); coordinators
        review other organisations, never their own, never a host organisation, and never one whose last decision
        an operator made: those decisions are the operators'. Operators may do everything else. Signed-in people
        ask to join verified organisations they can see and do not belong to yet (operators too); a network's owners
        add member organisations (operators too, to a network only)."""
        own = Q(pk__in=viewer.organizations())
        if action == cls.REQUEST_TO_JOIN:
            return cls.rule(viewer, VIEW) & Q(status=cls.Status.VERIFIED) & ~own if viewer.is_authenticated else NOTHING
        if action == cls.ADMINISTER_NETWORK:
            return Q(kind=cls.Kind.NETWORK) & cls.rule(viewer, cls.MANAGE_MEMBERS)
        if viewer.is_operator:
            return ALL
        if action == VIEW:
            return ALL if viewer.is_coordinator else LISTED | own
        if action == MANAGE:
            return ~Q(status=cls.Status.SUSPENDED) & Q(pk__in=viewer.organizations(Role.EDITOR))
        if action == cls.MANAGE_MEMBERS:
            return Q(pk__in=viewer.organizations(Role.OWNER))
        if action == cls.VIEW_MEMBERS:
            return own
        if action == cls.VIEW_HISTORY:
            return ALL if viewer.is_coordinator else Q(pk__in=viewer.organizations(Role.OWNER))
        if action == cls.VIEW_HISTORY_ACTORS:
            return cls.rule(viewer, cls.VIEW_HISTORY) & cls.rule(viewer, cls.VIEW_MEMBERS)
        if action == cls.REVIEW:
            return ~own & Q(is_host=False, decided_by_operator=False) if viewer.is_coordinator else NOTHING
        name = next(name for name, contact in cls.CONTACT_ACTIONS.items() if contact == action)
        return own | Q(**{f"{cls.CONTACT_FIELDS[name]}__in": contact_audiences(viewer)})

    def may_see_contact(self, who: object, name: str, audience: str | None = None) -> bool:
        """Whether `who` may see the contact field `name`, shown to its audience (or to `audience`, as a history
        entry recorded it)."""
        if audience is None:
            return self.allows(who, self.CONTACT_ACTIONS[name])
        shown_to = Organization(pk=self.pk, **{self.CONTACT_FIELDS[name]: audience})
        return holds(shown_to, self.condition(viewer_of(who), self.CONTACT_ACTIONS[name]))

    def visible_contacts(self, who: object) -> dict[str, str]:
        """The contact fields `who` may see, with their values; the rest left out."""
        return {
            name: getattr(self, name)
            for name in self.CONTACT_FIELDS
            if getattr(self, name) and self.may_see_contact(who, name)
        }

    def hidden_history_fields(self, who: object, entry: HistoryEntry) -> set[str]:
        """The fields in a history entry's changes whose values `who` may not read there: contact details beyond
        their audience, the strictest of the one in force when the entry was written (`entry.audiences`, and both
        sides of a change of audience in the entry) and today's; and who joined or left, for those who may not see
        the member list."""
        changes = entry.changes
        hidden = set()
        for name in changes:
            if name in self.CONTACT_FIELDS:
                visibility = self.CONTACT_FIELDS[name]
                audiences = {getattr(self, visibility), *changes.get(visibility, ())}
                if name in entry.audiences:
                    audiences.add(entry.audiences[name])
                if not all(self.may_see_contact(who, name, audience) for audience in audiences):
                    hidden.add(name)
            elif name == "member" and not self.allows(who, self.VIEW_MEMBERS):
                hidden.add(name)
        return hidden

    # The naming rule ----------------------------------------------------------------------------------

    @classmethod
    def named_publicly_q(cls, prefix: str = "", *, listing_suffices: bool = False) -> Q:
        """The naming rule, written once (DESIGN.md, "Visibility"): the acts of organisations (a NamedAct: an
        endorsement, being a party to an agreement; reached from the rows queried by `prefix`) for which the
        organisation is named to the public. An organisation is named only with its own consent: the act is to
        name it, and one of its owners chose so; or the organisation is listed (consent to be named in general)
        and one of its editors chose so, or, with `listing_suffices`, anyone did. A wish to be named recorded by
        anyone else never names an unlisted organisation. Every rule that names an organisation asks this."""
        consent = f"{prefix}naming_consent"
        listed = listed_q(f"{prefix}organization__")
        if not listing_suffices:
            listed &= Q(**{consent: NamingConsent.EDITOR})
        named = Q(**{f"{prefix}named_publicly": True}) & (Q(**{consent: NamingConsent.OWNER}) | listed)
        return named & unhidden_q(f"{prefix}organization__")


def coordinated_organizations(who: object) -> OrganizationQuerySet:
    """The verified host organisations on whose behalf `who` keeps agreements, holds events, publishes bulletins
    and runs mailing lists: those they coordinate (every host for operators)."""
    viewer = viewer_of(who)
    hosts = Organization.objects.verified().filter(is_host=True)
    return hosts if viewer.is_operator else hosts.filter(pk__in=viewer.host_ids)


def contact_audiences(viewer: Viewer) -> list[str]:
    """The audiences of contact fields shown to `viewer` beyond their own organisations' (see Audience)."""
    audiences: list[str] = [Audience.PUBLIC]
    if viewer.sees_members_only_content:
        audiences.append(Audience.MEMBERS)
    if viewer.is_coordinator:
        audiences.append(Audience.COORDINATORS)
    return audiences


class NamingConsent(models.TextChoices):
    """Who in an organisation chose that it be named to the public for one act: the role they held when they
    chose. Nobody: the act was recorded by someone outside it (a statement's publisher, a coordinator), or it is
    not to be named."""

    NOBODY = "", _("Nobody in the organisation")
    EDITOR = "editor", _("One of its editors")
    OWNER = "owner", _("One of its owners")


class NamedAct(models.Model):
    """An act of an organisation that the public may learn of (an endorsement, being a party to an agreement).
    The act says whether the organisation is to be named (`named_publicly`, declared by each act) and who in it
    chose so; Organization.named_publicly_q decides from both whether it is named to the public."""

    organization_id: int
    named_publicly: bool

    # What choose_naming sets, for save(update_fields=...).
    NAMING_FIELDS = ("named_publicly", "naming_consent", "naming_consent_by", "naming_consent_at")

    naming_consent = models.CharField(
        _("naming chosen by"),
        max_length=10,
        choices=NamingConsent.choices,
        blank=True,
        default=NamingConsent.NOBODY,
        help_text=_("The role in the organisation of the person who chose that it be named for this."),
    )
    naming_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("naming chosen by (person)"),
    )
    naming_consent_at = models.DateTimeField(_("naming chosen on"), null=True, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def named_q(cls, prefix: str = "") -> Q:
        """The acts of this kind that name their organisation to the public (Organization.named_publicly_q)."""
        raise NotImplementedError

    @property
    def is_named_publicly(self) -> bool:
        return holds(self, self.named_q())

    @property
    def awaits_consent(self) -> bool:
        """To be named, but not named until the organisation itself confirms it."""
        return self.named_publicly and not self.is_named_publicly

    def choose_naming(
        self, named: bool, by: User | None, *, role: str | None = None, at: datetime.datetime | None = None
    ) -> None:
        """Name the organisation for this act or not, as `by` chose. Their choice is the organisation's consent
        when they made it in its name, as one of its owners or editors (`role`; by default the one they hold now);
        made by anyone else (a publisher, a coordinator, an operator) it is no consent."""
        if role is None and by is not None:
            role = viewer_of(by).role_in(self.organization_id)
        consents = named and role in (Role.OWNER, Role.EDITOR)
        self.named_publicly = named
        self.naming_consent = str(role) if consents else NamingConsent.NOBODY
        self.naming_consent_by = by if consents else None
        self.naming_consent_at = (at or timezone.now()) if consents else None


class Membership(models.Model):
    Role = Role  # owner > editor > member, ranked in portal.access

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        ordering = ["organization", "-role", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.organization} ({self.get_role_display()})"


def viewer_name(user: User) -> str:
    """The name a signed-in person's Viewer is shared under (events.models.viewer_for, settings.PORTAL_VIEWER).
    Every table it is read from is under the public stamp (memberships, organisations, the person, their
    authenticators, their registrations and invitations: portal.publiccache); whatever else it depends on is here."""
    passed = ".".join(map(str, sorted(second_factors_of(user))))
    required = int(settings.PORTAL_REQUIRE_MFA_FOR_COORDINATORS)
    return f"viewer:{user.pk}:{int(user.is_superuser)}:{required}:{passed}"


def read_viewer(user: User) -> Viewer:
    """A signed-in person's Viewer as their memberships make it: one query reads their memberships, whether they
    have an authenticator app (TOTP), and whether this session entered a code of one of their authenticators
    (portal.two_factor notes those on the person of the request; none outside a request or through an API token).

    Without both, when two-factor authentication is required, they are no operator, coordinate no host
    organisation and are a plain member of the verified host organisations they would otherwise edit or own;
    their roles elsewhere stand, since the staff of an ordinary organisation need no second factor.
    """
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model

    passed = sorted(second_factors_of(user))
    session_passed = Authenticator.objects.filter(user=models.OuterRef("pk"), pk__in=passed)
    # From the person, not their memberships, so that an operator who belongs nowhere gets a row too.
    rows = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            has_totp=models.Exists(
                Authenticator.objects.filter(user=models.OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
            session_passed=models.Exists(session_passed) if passed else models.Value(False),
        )
        .values_list(
            "has_totp",
            "session_passed",
            "memberships__organization_id",
            "memberships__role",
            "memberships__organization__status",
            "memberships__organization__is_host",
        )
    )
    required = settings.PORTAL_REQUIRE_MFA_FOR_COORDINATORS
    has_authenticator = has_mfa = False
    roles: dict[int, Role] = {}
    verified: set[int] = set()
    hosts: set[int] = set()
    for has_totp, session_passed, organization_id, role, status, is_host in rows:
        has_authenticator = has_totp
        has_mfa = not required or (has_totp and session_passed)
        if organization_id is None:
            continue
        roles[organization_id] = Role(role)
        if status == Organization.Status.VERIFIED:
            verified.add(organization_id)
            if is_host and Role(role).rank >= Role.EDITOR.rank:
                hosts.add(organization_id)
    if not has_mfa:
        roles.update(dict.fromkeys(hosts, Role.MEMBER))
    return Viewer(
        is_authenticated=True,
        user_id=user.pk,
        is_operator=user.is_superuser and has_mfa,
        is_coordinator=bool(hosts) and has_mfa,
        roles=roles,
        verified=frozenset(verified),
        host_ids=frozenset(hosts) if has_mfa else frozenset(),
        needs_mfa=not has_mfa and (user.is_superuser or bool(hosts)),
        has_authenticator=has_authenticator,
    )


class MembershipInvitation(models.Model):
    """An owner's invitation to a colleague, sent by email as a signed link that expires."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


class JoinRequest(models.Model):
    """A signed-in person asks to join an existing organisation; its owners decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], condition=Q(status="pending"), name="join_request_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization}"


class NetworkMembership(models.Model):
    """A member organisation of a network or coalition, such as the Truth and Justice Charter.

    The network's owners propose a member; the member's owners confirm before it is shown.
    """

    network = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="network_memberships")
    member = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="networks_joined")
    confirmed = models.BooleanField(_("confirmed by the member"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["network", "member__name"]
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        constraints = [
            models.UniqueConstraint(fields=["network", "member"], name="network_membership_unique"),
            models.CheckConstraint(condition=~Q(network=models.F("member")), name="network_not_own_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} ∈ {self.network}"


class HistoryEntry(models.Model):
    """One change to an organisation: who, when, what (field changes or a decision with its message)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Registered")
        EDITED = "edited", _("Profile edited")
        SUBMITTED = "submitted", _("Submitted for verification")
        VERIFIED = "verified", _("Verified")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        SUSPENDED = "suspended", _("Suspended")
        MEMBER_ADDED = "member_added", _("Member added")
        MEMBER_REMOVED = "member_removed", _("Member removed")
        ROLE_CHANGED = "role_changed", _("Role changed")
        IMPORTED = "imported", _("Imported")

    # Stands in `changes` for the address of a person who has since deleted their account.
    FORMER_MEMBER = "former-member"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The audience of each contact field in `changes` when the entry was written: its values stay hidden from
    # whoever that audience left out, even after the field is shown more widely (Organization.hidden_history_fields).
    audiences = models.JSONField(_("audiences when written"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    # Set by the history page: the fields whose values the viewer may not read (hidden_history_fields).
    hidden_fields: set[str]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_action_display()}"

    def changes_shown(self) -> list[tuple[str, list[object]]]:
        """`changes` as (field, [before, after]), with "a former member" for a deleted account's address."""
        former = _("a former member")
        return [
            (name, [former if value == self.FORMER_MEMBER else value for value in change])
            if isinstance(change, list)
            else (name, change)
            for name, change in self.changes.items()
        ]


def private_storage() -> FileSystemStorage:
    """Uploaded documents live outside MEDIA_ROOT: only permission-checked views serve them."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
