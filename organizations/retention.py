"""The organisations' categories of personal data (portal/retention.py): invitations never accepted, refused
requests to join, and organisations registered but never submitted."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, ProtectedError, QuerySet, RestrictedError
from django.utils.translation import gettext_lazy as _

from organizations.models import HistoryEntry, JoinRequest, MembershipInvitation, Organization
from organizations.services import INVITATION_MAX_AGE
from portal.retention import Category, register


def _expired_invitations(cutoff: datetime.datetime) -> QuerySet[MembershipInvitation]:
    # The period runs from the moment the link stopped working.
    return MembershipInvitation.objects.filter(
        accepted_at=None, created_at__lt=cutoff - datetime.timedelta(seconds=INVITATION_MAX_AGE)
    )


def _refused_join_requests(cutoff: datetime.datetime) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(status=JoinRequest.Status.REFUSED, decided_at__lt=cutoff)


def _unsubmitted_drafts(cutoff: datetime.datetime) -> QuerySet[Organization]:
    submitted = HistoryEntry.objects.filter(organization=OuterRef("pk"), action=HistoryEntry.Action.SUBMITTED)
    return Organization.objects.filter(status=Organization.Status.DRAFT, updated_at__lt=cutoff).exclude(
        Exists(submitted)
    )


def _delete_drafts(drafts: QuerySet[Organization]) -> int:
    """Delete each draft with its memberships, history and logo; one that something else still holds on to stays."""
    deleted = 0
    for draft in drafts:
        logo = draft.logo.name
        try:
            draft.delete()
        except (ProtectedError, RestrictedError):
            continue
        if logo:
            draft.logo.storage.delete(logo)
        deleted += 1
    return deleted


register(
    Category(
        "expired_invitations",
        _("Invitations of colleagues by email that were never accepted"),
        _("after the invitation expired"),
        _expired_invitations,
    )
)
register(
    Category(
        "declined_join_requests",
        _("Requests to join an organisation that its owners refused, with their message"),
        _("after the decision"),
        _refused_join_requests,
    )
)
register(
    Category(
        "draft_organizations",
        _("Organisations registered but never submitted for verification, with their members and history"),
        _("after the last change"),
        _unsubmitted_drafts,
        delete=_delete_drafts,
    )
)
