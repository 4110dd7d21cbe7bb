"""What agreements add to an organisation's profile and to its owners' data export.

organizations cannot import this app (it is the lower layer): it sends organizations.signals, and the
receivers below answer, connected in AgreementsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementParty
from organizations import signals
from organizations.models import Organization, OrganizationQuerySet
from organizations.picker import PickerFilter
from portal.access import Viewer
from portal.models import User
from portal.publiccache import cached_public


@receiver(signals.profile_sections, dispatch_uid="agreements_profile_section")
def profile_section(sender: type, *, request: HttpRequest, organization: Organization, **kwargs: Any) -> str:
    agreements = _agreements_of(request.user, organization)
    if not agreements:
        return ""
    return render_to_string("agreements/includes/organization_agreements.html", {"agreements": agreements})


@receiver(signals.export_sections, dispatch_uid="agreements_export_section")
def export_section(sender: type, *, user: User, organization: Organization, **kwargs: Any) -> dict[str, Any]:
    return {"agreements": _agreements(user, organization)}


def _agreements_of(user: Any, organization: Organization) -> list[Agreement]:
    """Agreements the organisation owns or is a party to, as far as `user` may see them. A party that
    asked not to be named is not revealed by its own profile either. One query, both rules in SQL, and none where
    the organisation has no agreement at all (most): whether it has any is shared by every reader."""
    if not cached_public(
        f"organization-has-agreements:{organization.pk}",
        lambda: Agreement.objects.filter(Q(owner=organization) | Q(parties__organization=organization)).exists(),
    ):
        return []
    named_party = AgreementParty.objects.visible_to(user).filter(agreement=OuterRef("pk"), organization=organization)
    return list(Agreement.objects.visible_to(user).filter(Q(owner=organization) | Exists(named_party)))


def _agreements(user: User, organization: Organization) -> list[dict[str, Any]]:
    """The agreements the organisation keeps as the mechanism or is a party to, those `user` may see."""
    visible = Agreement.objects.visible_to(user)
    kept = [_agreement_row(agreement, "mechanism") for agreement in visible.filter(owner=organization)]
    parties = AgreementParty.objects.filter(organization=organization, agreement__in=visible).select_related(
        "agreement"
    )
    return kept + [_agreement_row(party.agreement, "party", party) for party in parties]


def _agreement_row(agreement: Agreement, role: str, party: AgreementParty | None = None) -> dict[str, Any]:
    return {
        "title": agreement.title,
        "address": agreement.slug,
        "kind": agreement.kind,
        "status": agreement.status,
        "signed": agreement.signed_on,
        "as": role,
        "joined": party.joined_on if party else None,
        "joined_by": party.joined_by if party else None,
        "named_publicly": party.named_publicly if party else None,
    }


@receiver(signals.picker_filters, dispatch_uid="agreements_picker_filters")
def picker_filters(sender: type, *, viewer: Viewer, **kwargs: Any) -> list[PickerFilter]:
    """Pick the parties to a protocol: the protocols `viewer` may see, and the parties the rule shows them (an
    unnamed party only to those who may know it signed)."""

    def narrow(organizations: OrganizationQuerySet, slug: str) -> QuerySet[Organization]:
        parties = AgreementParty.objects.visible_to(viewer).filter(agreement__slug=slug)
        return organizations.filter(pk__in=parties.values("organization"))

    protocols = Agreement.objects.visible_to(viewer).filter(kind=Agreement.Kind.PROTOCOL).order_by("title")
    return [PickerFilter("protocol", _("Party to the protocol"), [(a.slug, a.title) for a in protocols], narrow)]
