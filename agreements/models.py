"""Agreements: protocols of cooperation and bilateral MoUs, their parties and the requests to accede."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization, private_storage

if TYPE_CHECKING:
    from portal.models import User


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, user: User) -> AgreementQuerySet:
        """Agreements `user` may know exist (see portal.permissions.can_view_agreement)."""
        from portal.permissions import EDITOR, OWNER, viewer_of

        viewer = viewer_of(user)
        if viewer.is_operator:
            return self.all()
        managed = [pk for pk in viewer.roles if viewer.has_role(pk, EDITOR)]
        owned = [pk for pk in viewer.roles if viewer.has_role(pk, OWNER)]
        in_force = ~Q(status=Agreement.Status.DRAFT)
        visible = Q(visibility=Agreement.Visibility.PUBLIC)
        if viewer.is_member_of_verified or viewer.is_coordinator:
            visible |= Q(visibility=Agreement.Visibility.MEMBERS)
        visible |= Q(parties__organization__in=owned)
        return self.filter((in_force & visible) | Q(owner__in=managed)).distinct()


class Agreement(models.Model):
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
    title = models.CharField(_("title"), max_length=250)
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

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "title"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", args=[self.slug])

    def party_figures(self) -> dict[str, int]:
        """How many organisations signed at the start and how many acceded since, named or not."""
        return self.parties.aggregate(
            originals=models.Count("id", filter=Q(joined_by=AgreementParty.JoinedBy.ORIGINAL)),
            accessions=models.Count("id", filter=Q(joined_by=AgreementParty.JoinedBy.ACCESSION)),
        )


class AgreementParty(models.Model):
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

    class Meta:
        ordering = ["joined_on", "organization__name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [models.UniqueConstraint(fields=["agreement", "organization"], name="agreement_party_unique")]

    def __str__(self) -> str:
        return f"{self.organization} – {self.agreement}"


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
