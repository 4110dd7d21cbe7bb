"""Every change to agreements, their parties and the requests to accede goes through these functions.

Each runs in a transaction and emails the people concerned once it has committed. Callers have already
checked permission with the models' access rules; the functions here guard the domain's own rules (a bilateral
MoU has one party besides the mechanism, only verified organisations sign, a request is answered once).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import AccessionRequest, Agreement, AgreementParty
from organizations.models import Membership, NamedAct, Organization
from organizations.services import owners_of
from portal import slugs
from portal.access import ANONYMOUS, Role
from portal.mail import notify
from portal.models import User


def agreement_coordinators(agreement: Agreement) -> QuerySet[User]:
    """The mechanism's coordinators: owners and editors of the organisation that owns the agreement."""
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=agreement.owner_id,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.EDITOR],
    )


@transaction.atomic
def save_agreement(actor: User, agreement: Agreement) -> Agreement:
    """Create or update an agreement; its mechanism must be a verified host organisation."""
    if not (agreement.owner.is_host and agreement.owner.is_verified):
        raise ValidationError(_("Agreements belong to a verified host organisation."), code="owner")
    if not agreement.slug:
        # Suffixed every time: a confidential MoU or a draft with the same title must not show through a "-2".
        agreement.slug = slugs.unique_slug(
            Agreement,
            agreement.title_en or agreement.title,
            fallback="agreement",
            reserved={"new"},
            always_suffixed=True,
        )
    agreement.save()
    return agreement


@transaction.atomic
def add_party(
    actor: User,
    agreement: Agreement,
    organization: Organization,
    *,
    joined_on: Any = None,
    joined_by: str = AgreementParty.JoinedBy.ORIGINAL,
    named_publicly: bool = False,
    accession: AccessionRequest | None = None,
) -> AgreementParty:
    """Add `organization` as a party. A wish to name it is its consent only when one of its owners made it (the
    `accession` they asked for); a coordinator's names it only if it is listed, and otherwise its owners are
    asked to confirm it on the agreement's page."""
    if not organization.is_verified:
        raise ValidationError(_("Only verified organisations can sign agreements."), code="unverified")
    if agreement.kind == Agreement.Kind.MOU and agreement.parties.exclude(organization=organization).exists():
        raise ValidationError(_("A bilateral MoU has one party besides the mechanism."), code="bilateral")
    party = AgreementParty(
        agreement=agreement, organization=organization, joined_on=joined_on or timezone.localdate(), joined_by=joined_by
    )
    if accession is not None:  # asked by one of its owners
        party.choose_naming(named_publicly, accession.requested_by, role=Role.OWNER, at=accession.created_at)
    else:
        party.choose_naming(named_publicly, actor)
    try:
        with transaction.atomic():
            party.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError(
            _("%(name)s is already a party to this agreement."), params={"name": organization.name}, code="duplicate"
        ) from exc
    if party.awaits_consent:
        notify(owners_of(organization), "agreements/email/party_naming", {"party": party})
    return party


@transaction.atomic
def name_party(user: User, party: AgreementParty) -> AgreementParty:
    """The party consents to be named: only one of its owners, at any time (AgreementParty.rule, NAME)."""
    if not party.allows(user, AgreementParty.NAME):
        raise ValidationError(_("Only the owners of a party choose to name it."), code="not_allowed")
    party.choose_naming(True, user)
    party.save(update_fields=NamedAct.NAMING_FIELDS)
    return party


@transaction.atomic
def unname_party(user: User, party: AgreementParty) -> AgreementParty:
    """The party stops being named, or stays unnamed: one of its owners, at any time (AgreementParty.rule)."""
    if not party.allows(user, AgreementParty.UNNAME):
        raise ValidationError(_("Only the owners of a party choose to name it."), code="not_allowed")
    party.choose_naming(False, user)
    party.save(update_fields=NamedAct.NAMING_FIELDS)
    return party


@transaction.atomic
def remove_party(actor: User, party: AgreementParty) -> None:
    party.delete()


@transaction.atomic
def request_accession(
    user: User, agreement: Agreement, organization: Organization, message: str = "", *, named_publicly: bool = False
) -> AccessionRequest:
    """An owner of a verified organisation asks to accede to a protocol that accepts accessions."""
    if organization.pk not in agreement.accession_organizations(user):
        raise ValidationError(_("This organisation cannot ask to accede to this agreement."), code="not_allowed")
    if agreement.parties.filter(organization=organization).exists():
        raise ValidationError(
            _("%(name)s is already a party to this agreement."), params={"name": organization.name}, code="party"
        )
    if agreement.accession_requests.filter(organization=organization, status=AccessionRequest.Status.PENDING).exists():
        raise ValidationError(
            _("%(name)s has already asked to accede; the mechanism will answer."),
            params={"name": organization.name},
            code="pending",
        )
    accession = AccessionRequest.objects.create(
        agreement=agreement,
        organization=organization,
        requested_by=user,
        message=message,
        named_publicly=named_publicly,
    )
    notify(agreement_coordinators(agreement), "agreements/email/accession_requested", {"accession": accession})
    notify(owners_of(organization), "agreements/email/accession_received", {"accession": accession})
    return accession


@transaction.atomic
def decide_accession(actor: User, accession: AccessionRequest, *, accept: bool) -> AccessionRequest:
    locked = (
        AccessionRequest.objects.select_for_update().select_related("agreement", "organization").get(pk=accession.pk)
    )
    if locked.status != AccessionRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="decided")
    if accept:
        add_party(
            actor,
            locked.agreement,
            locked.organization,
            joined_by=AgreementParty.JoinedBy.ACCESSION,
            named_publicly=locked.named_publicly,
            accession=locked,
        )
    locked.status = AccessionRequest.Status.ACCEPTED if accept else AccessionRequest.Status.DECLINED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    recipients = [*owners_of(locked.organization), *agreement_coordinators(locked.agreement)]
    notify(recipients, "agreements/email/accession_decided", {"accession": locked})
    return locked


def agreement_summary_html(agreement: Agreement, language: str) -> str:
    """The printable public summary of an agreement: its terms and the parties named to the public."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        return render_to_string(
            "agreements/agreement_pdf.html",
            {
                "agreement": agreement,
                "figures": agreement.party_figures(),
                "named_parties": agreement.parties.visible_to(ANONYMOUS).select_related("organization"),
                "language": language,
                "bidi": translation.get_language_bidi(),
            },
        )
