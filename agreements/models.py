"""Agreements: protocols of cooperation and bilateral MoUs, their parties and the requests to accede."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import NamedAct, Organization, private_storage, unhidden_q
from portal.access import MANAGE, VIEW, Action, Guarded, GuardedQuerySet, Role, Viewer, viewer_of
from portal.text import SingleLineField

if TYPE_CHECKING:
    from portal.access import GuardedManager


class Agreement(Guarded):
    """A protocol of cooperation or a bilateral MoU, owned by the mechanism that signed it."""

    class Kind(models.TextChoices):
        PROTOCOL = "protocol", _("Multilateral protocol of cooperation")
        MOU = "mou", _("Bilateral memorandum of understanding")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_FORCE = "in_force", _("In force")
        ENDED = "ended", _("Ended")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Signed-in members of verified organisations")
        CONFIDENTIAL = "confidential", _("Confidential to its parties")

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="agreements_owned", verbose_name=_("mechanism")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROTOCOL)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = SingleLineField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    signed_place = models.CharField(_("signing place"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(
        _("visibility"), max_length=15, choices=Visibility.choices, default=Visibility.CONFIDENTIAL
    )
    accepts_accessions = models.BooleanField(_("other organisations may ask to accede"), default=False)
    document = models.FileField(
        _("signed document (PDF)"), storage=private_storage, upload_to="agreements/", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[GuardedManager[Agreement]] = GuardedQuerySet["Agreement"].as_manager()
    _default_manager: ClassVar[GuardedManager[Agreement]]
    # Columns django-modeltranslation adds (translation.py) that code reads by name.
    title_en: str | None

    class Meta:
        ordering = ["-signed_on", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", args=[self.slug])

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The mechanism's coordinators (its editors and owners) keep its agreements and see drafts. Once in force:
        public ones to everyone, members' ones to signed-in members of verified organisations, confidential ones
        to the owners of its parties."""
        managed = viewer.managed("owner")
        if action == MANAGE or viewer.is_operator:
            return managed
        visible = Q(visibility=cls.Visibility.PUBLIC) | Q(
            models.Exists(
                AgreementParty.objects.filter(
                    agreement=models.OuterRef("pk"), organization__in=viewer.organizations(Role.OWNER)
                )
            )
        )
        if viewer.sees_members_only_content:
            visible |= Q(visibility=cls.Visibility.MEMBERS)
        return (~Q(status=cls.Status.DRAFT) & visible) | managed

    def accession_organizations(self, who: object) -> list[int]:
        """Ids of the verified organisations `who` owns that may ask to accede to this agreement now."""
        if not (self.kind == self.Kind.PROTOCOL and self.accepts_accessions and self.status == self.Status.IN_FORCE):
            return []
        viewer = viewer_of(who)
        return [pk for pk in viewer.organizations(Role.OWNER) if pk in viewer.verified and pk != self.owner_id]

    def party_figures(self) -> dict[str, int]:
        """How many organisations signed at the start and how many acceded since, named or not."""
        return self.parties.aggregate(
            originals=models.Count("id", filter=Q(joined_by=AgreementParty.JoinedBy.ORIGINAL)),
            accessions=models.Count("id", filter=Q(joined_by=AgreementParty.JoinedBy.ACCESSION)),
        )


class AgreementParty(NamedAct, Guarded):
    class JoinedBy(models.TextChoices):
        ORIGINAL = "original", _("Original signatory")
        ACCESSION = "accession", _("Accession")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="agreement_parties")
    joined_on = models.DateField(_("date"), default=timezone.localdate)
    joined_by = models.CharField(_("how it joined"), max_length=10, choices=JoinedBy.choices, default=JoinedBy.ORIGINAL)
    named_publicly = models.BooleanField(
        _("agrees to be named publicly"),
        default=False,
        help_text=_("If unticked, the organisation is counted but never named to those outside the agreement."),
    )

    objects = GuardedQuerySet["AgreementParty"].as_manager()

    # VIEW here is "may see which organisation this party is", on an agreement the viewer may see; NAME: consent
    # to be named, which only the party's owners give; UNNAME: stop naming it. Both at any time.
    UNNAME, NAME = "unname", "name"
    ACTIONS = (VIEW, NAME, UNNAME)

    class Meta:
        ordering = ["joined_on", "organization__name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [models.UniqueConstraint(fields=["agreement", "organization"], name="agreement_party_unique")]

    def __str__(self) -> str:
        return f"{self.organization} – {self.agreement}"

    @classmethod
    def named_q(cls, prefix: str = "") -> Q:
        """Parties named to the public (Organization.named_publicly_q). The mechanism holds the signed document, so
        that a listed organisation signed and agreed to be named is enough; an unlisted one is named only once
        one of its owners chose it (asking to accede, or confirming on the agreement's page)."""
        return Organization.named_publicly_q(prefix, listing_suffices=True)

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """A party is named to the public only with its own consent (named_q); to the mechanism's coordinators and
        to its own members always. The party's owners choose to be named, or to stop being named."""
        owners = Q(organization__in=viewer.organizations(Role.OWNER))
        if action == cls.NAME:
            # A hidden organisation is named nowhere: there is nothing to consent to until it shows itself again.
            return ~cls.named_q() & unhidden_q("organization__") & owners
        if action == cls.UNNAME:
            return Q(named_publicly=True) & owners
        return cls.named_q() | viewer.managed("agreement__owner") | Q(organization__in=viewer.organizations())


class AccessionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="accession_requests")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="accession_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.TextField(_("message"), blank=True, max_length=4000)
    named_publicly = models.BooleanField(_("agrees to be named publicly as a party"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("accession request")
        verbose_name_plural = _("accession requests")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organization"], condition=Q(status="pending"), name="accession_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.agreement}"
