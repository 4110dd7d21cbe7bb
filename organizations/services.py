"""Every change to organisations, their members and their networks goes through these functions.

Each runs in a transaction, records the change in the organisation's history (and the changes of rights
and verification decisions in the audit log, see portal.audit), and emails the people concerned once the
transaction has committed. Callers have already checked permission with the models' access rules; the functions
here guard the domain's own rules (state transitions, last owner).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from organizations import signals
from organizations.models import (
    Governorate,
    HistoryEntry,
    JoinRequest,
    Membership,
    MembershipInvitation,
    NetworkMembership,
    Organization,
    Topic,
)
from portal import audit, sessions, slugs
from portal.access import forget_viewer, viewer_of
from portal.mail import notify, send_to_address
from portal.models import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

INVITATION_MAX_AGE = 14 * 24 * 3600
INVITATION_SALT = "organizations.invitation"

# The fields whose changes the history records (translated fields in every language).
TRACKED_FIELDS = [
    *[f"name_{code}" for code, _name in settings.LANGUAGES],
    *[f"description_{code}" for code, _name in settings.LANGUAGES],
    "acronym",
    "kind",
    "listed_publicly",
    "founded_year",
    "hq_country",
    "countries",
    "working_languages",
    "website",
    "social_links",
    "logo",
    *Organization.CONTACT_FIELDS,
    *Organization.CONTACT_FIELDS.values(),
]


def record(
    organization: Organization, actor: User | None, action: str, *, changes: dict | None = None, message: str = ""
) -> HistoryEntry:
    """Write a history entry, with the audience each contact field it changes has now: its values stay hidden
    from whoever that audience leaves out, whatever the field's audience later (HistoryEntry.audiences)."""
    changes = changes or {}
    audiences = {
        name: getattr(organization, visibility)
        for name, visibility in Organization.CONTACT_FIELDS.items()
        if name in changes
    }
    return HistoryEntry.objects.create(
        organization=organization, actor=actor, action=action, changes=changes, audiences=audiences, message=message
    )


def owners_of(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__organization=organization, memberships__role=Membership.Role.OWNER
    )


def coordinators() -> QuerySet[User]:
    """Owners and editors of verified host organisations: the people who review registrations."""
    return User.objects.filter(
        is_active=True,
        memberships__organization__is_host=True,
        memberships__organization__status=Organization.Status.VERIFIED,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.EDITOR],
    ).distinct()


def reviewers_of(organization: Organization) -> QuerySet[User]:
    """Who is asked to review `organization`: the operators when it is a host organisation or an operator made
    its last decision (Organization.rule, REVIEW), the coordinators otherwise."""
    if organization.is_host or organization.decided_by_operator:
        return User.objects.filter(is_active=True, is_superuser=True)
    return coordinators()


# Addresses under /organizations/ that name pages, not organisations.
RESERVED_SLUGS = {"register", "mine", "review", "invitations", "export", "import"}


def unique_slug(name: str, acronym: str = "", *, exclude_pk: int | None = None) -> str:
    """An address from the name, or the acronym when the name has no Latin letters (e.g. Arabic only), with a
    random suffix whether or not another organisation has the name: a number, or the plain name being taken,
    would tell that an unlisted or draft organisation uses it."""
    return slugs.unique_slug(
        Organization,
        name,
        acronym,
        fallback="organization",
        reserved=RESERVED_SLUGS,
        exclude_pk=exclude_pk,
        always_suffixed=True,
    )


def likely_duplicates(
    name: str, website: str = "", *, exclude_pk: int | None = None, among: QuerySet[Organization] | None = None
) -> QuerySet[Organization]:
    """Organisations among `among` (all by default) with a similar name (in any language) or the same website.

    Pass the organisations the person may see: a warning must not confirm that a hidden one exists.
    """
    from django.db.models import Q

    from organizations.models import normalize_for_search

    folded = normalize_for_search(name)
    condition = Q(search_text__contains=folded) if len(folded) >= 3 else Q(pk__in=[])
    host = _website_host(website)
    if host:
        condition |= Q(website__icontains=host)
    candidates = Organization.objects.all() if among is None else among
    candidates = candidates.filter(condition)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return candidates[:5]


def _website_host(website: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(website).hostname or ""
    return host.removeprefix("www.")


# Profile ----------------------------------------------------------------------------------------------


def snapshot(organization: Organization) -> dict[str, Any]:
    """The tracked state of a profile, to compare before and after an edit."""
    state = {name: _plain(getattr(organization, name)) for name in TRACKED_FIELDS}
    if organization.pk:
        state["topics"] = sorted(organization.topics.values_list("slug", flat=True))
        state["governorates"] = sorted(organization.governorates.values_list("code", flat=True))
    return state


def _plain(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


@transaction.atomic
def register_organization(
    user: User, organization: Organization, *, topics: Iterable[Topic] = (), governorates: Iterable[Governorate] = ()
) -> Organization:
    """Create `organization` as a draft with `user` as its owner."""
    organization.status = Organization.Status.DRAFT
    organization.is_host = False
    organization.slug = unique_slug(organization.name_en or organization.name, organization.acronym)
    organization.save()
    organization.topics.set(topics)
    organization.governorates.set(governorates)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OWNER)
    forget_viewer(user)
    record(organization, user, HistoryEntry.Action.CREATED)
    return organization


@transaction.atomic
def save_profile(
    actor: User,
    organization: Organization,
    before: dict[str, Any],
    *,
    topics: Iterable[Topic] | None = None,
    governorates: Iterable[Governorate] | None = None,
) -> dict:
    """Save an edited profile and record what changed (field: [before, after])."""
    organization.save()
    if topics is not None:
        organization.topics.set(topics)
    if governorates is not None:
        organization.governorates.set(governorates)
    after = snapshot(organization)
    changes = {name: [before.get(name), value] for name, value in after.items() if not _same(before.get(name), value)}
    if changes:
        record(organization, actor, HistoryEntry.Action.EDITED, changes=changes)
    return changes


def _same(old: Any, new: Any) -> bool:
    # A translated text never filled in is None until a form first saves it as "": that is no change.
    return old == new or (old in (None, "") and new in (None, ""))


# Verification -----------------------------------------------------------------------------------------


def _transition(organization: Organization, allowed_from: Iterable[str], error: StrOrPromise) -> Organization:
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status not in allowed_from:
        raise ValidationError(error, code="invalid_transition")
    return locked


def _decided(actor: User, organization: Organization, status: str, fields: Iterable[str]) -> None:
    """Save a verification decision, noting whether an operator made it: only operators may change those
    (Organization.rule, REVIEW)."""
    organization.status = status
    organization.decided_by_operator = viewer_of(actor).is_operator
    organization.save(update_fields=["status", "decided_by_operator", *fields, "updated_at"])


@transaction.atomic
def submit_for_verification(actor: User, organization: Organization) -> Organization:
    org = _transition(organization, [Organization.Status.DRAFT], _("Only a draft can be submitted for verification."))
    org.status = Organization.Status.PENDING
    org.save(update_fields=["status", "updated_at"])
    record(org, actor, HistoryEntry.Action.SUBMITTED)
    notify(owners_of(org), "organizations/email/submitted", {"organization": org})
    notify(reviewers_of(org), "organizations/email/review_needed", {"organization": org})
    return org


@transaction.atomic
def verify_organization(actor: User, organization: Organization) -> Organization:
    org = _transition(
        organization,
        [Organization.Status.PENDING, Organization.Status.SUSPENDED],
        _("Only an organisation awaiting verification or suspended can be verified."),
    )
    org.verified_at = timezone.now()
    org.review_message = ""
    _decided(actor, org, Organization.Status.VERIFIED, ["verified_at", "review_message"])
    record(org, actor, HistoryEntry.Action.VERIFIED)
    audit.record(None, audit.Action.VERIFICATION_DECISION, actor=actor, target=org, decision=org.status)
    notify(owners_of(org), "organizations/email/verified", {"organization": org})
    return org


@transaction.atomic
def request_changes(actor: User, organization: Organization, message: str) -> Organization:
    if not message.strip():
        raise ValidationError(_("Tell the owners what to change."), code="required")
    org = _transition(
        organization, [Organization.Status.PENDING], _("Changes can only be requested while awaiting verification.")
    )
    org.review_message = message
    _decided(actor, org, Organization.Status.DRAFT, ["review_message"])
    record(org, actor, HistoryEntry.Action.CHANGES_REQUESTED, message=message)
    audit.record(None, audit.Action.VERIFICATION_DECISION, actor=actor, target=org, decision="changes_requested")
    notify(owners_of(org), "organizations/email/changes_requested", {"organization": org, "message": message})
    return org


@transaction.atomic
def suspend_organization(actor: User, organization: Organization, message: str) -> Organization:
    if not message.strip():
        raise ValidationError(_("Give the owners a reason for the suspension."), code="required")
    org = _transition(
        organization,
        [Organization.Status.PENDING, Organization.Status.VERIFIED, Organization.Status.DRAFT],
        _("This organisation is already suspended."),
    )
    org.review_message = message
    _decided(actor, org, Organization.Status.SUSPENDED, ["review_message"])
    record(org, actor, HistoryEntry.Action.SUSPENDED, message=message)
    audit.record(None, audit.Action.VERIFICATION_DECISION, actor=actor, target=org, decision=org.status)
    notify(owners_of(org), "organizations/email/suspended", {"organization": org, "message": message})
    return org


# Hide everything now -----------------------------------------------------------------------------------


def _set_hidden(organization: Organization, hidden_at: datetime.datetime | None) -> Organization:
    """Lock the organisation's row and set when it was hidden (None: shown), keeping the first moment it was hidden;
    `organization` follows."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if hidden_at is None or locked.hidden_at is None:
        locked.hidden_at = hidden_at
        locked.save(update_fields=["hidden_at", "updated_at"])
    organization.hidden_at = locked.hidden_at
    return locked


@transaction.atomic
def hide_organization(actor: User | None, organization: Organization, *, sign_out_members: bool = False) -> int:
    """Take `organization` out of public view at once: the directory, search, the API, feeds, endorsers, parties,
    participant lists and bulletin mentions all ask the rules, which leave a hidden organisation out for everyone
    but its members, the coordinators and the operators. With `sign_out_members`, every member's sessions end and
    their API tokens are revoked. Returns how many members were signed out."""
    locked = _set_hidden(organization, timezone.now())
    members = list(locked.memberships.values_list("user_id", flat=True)) if sign_out_members else []
    ended = sessions.end_sessions_of_users(members) if members else 0
    signals.organization_hidden.send(Organization, organization=locked)
    audit.record(
        None,
        audit.Action.ORGANIZATION_HIDDEN,
        actor=actor,
        target=locked,
        signed_out_members=len(members),
        sessions_ended=ended,
    )
    return len(members)


@transaction.atomic
def reveal_organization(actor: User | None, organization: Organization) -> None:
    """Show a hidden organisation again: every item comes back as it was, since hiding changed nothing else."""
    locked = _set_hidden(organization, None)
    audit.record(None, audit.Action.ORGANIZATION_REVEALED, actor=actor, target=locked)


# Members' access: sessions and API keys (portal/sessions.py) -----------------------------------------------


def sign_out_member(actor: User, membership: Membership) -> int:
    """An owner signs a member out of every session (Organization's MANAGE_MEMBERS, asked by the view)."""
    return sessions.end_sessions(actor, membership.user, organization=membership.organization_id)


def revoke_member_api_key(actor: User, membership: Membership) -> bool:
    """An owner revokes a member's API key (Organization's MANAGE_MEMBERS, asked by the view)."""
    return sessions.revoke_token(actor, membership.user, organization=membership.organization_id)


# Membership -------------------------------------------------------------------------------------------


@transaction.atomic
def request_to_join(user: User, organization: Organization, message: str = "") -> JoinRequest:
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(_("You are already a member of this organisation."), code="member")
    if JoinRequest.objects.filter(user=user, organization=organization, status=JoinRequest.Status.PENDING).exists():
        raise ValidationError(_("You have already asked to join; the owners will answer."), code="pending")
    join_request = JoinRequest.objects.create(user=user, organization=organization, message=message)
    # An organisation imported by a coordinator may have no owner yet: the operators answer instead.
    deciders = owners_of(organization) or User.objects.filter(is_active=True, is_superuser=True)
    notify(deciders, "organizations/email/join_requested", {"join_request": join_request})
    return join_request


@transaction.atomic
def decide_join_request(actor: User, join_request: JoinRequest, *, approve: bool) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="decided")
    locked.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REFUSED
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        _add_member(actor, locked.organization, locked.user, Membership.Role.MEMBER, by=actor)
    notify([locked.user], "organizations/email/join_decided", {"join_request": locked})
    return locked


def _add_member(actor: User | None, organization: Organization, user: User, role: str, *, by: User) -> Membership:
    """Add `user`; the history credits `actor` (who approved or invited), the audit log `by` (who acted now)."""
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if created:
        record(
            organization,
            actor,
            HistoryEntry.Action.MEMBER_ADDED,
            changes={"member": [None, user.email], "role": [None, role]},
        )
        audit.record(None, audit.Action.MEMBER_ADDED, actor=by, target=organization, member=user.pk, role=role)
    forget_viewer(user)
    return membership


@transaction.atomic
def invite_member(
    actor: User,
    organization: Organization,
    email: str,
    role: str,
    *,
    template: str = "organizations/email/invitation",
    context: dict[str, Any] | None = None,
) -> MembershipInvitation:
    """Invite `email` to join; the link in the email is signed and expires after 14 days. An app that invites
    for a purpose of its own (events: a delegate) sends its own `template`, with `context` added."""
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(_("This person is already a member."), code="member")
    MembershipInvitation.objects.filter(organization=organization, email=email, accepted_at__isnull=True).delete()
    invitation = MembershipInvitation.objects.create(
        organization=organization, email=email, role=role, invited_by=actor
    )
    token = signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.token))
    send_to_address(
        email,
        template,
        {**(context or {}), "invitation": invitation, "token": token, "inviter": actor},
        get_language() or settings.LANGUAGE_CODE,
    )
    return invitation


def invitation_from_token(token: str) -> MembershipInvitation:
    """The open invitation a signed token names; ValidationError if forged, expired or used."""
    try:
        value = signing.TimestampSigner(salt=INVITATION_SALT).unsign(token, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This invitation has expired. Ask for a new one."), code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This invitation link is not valid."), code="invalid") from exc
    invitation = MembershipInvitation.objects.select_related("organization").filter(token=value).first()
    if invitation is None:
        raise ValidationError(_("This invitation was withdrawn. Ask for a new one."), code="withdrawn")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."), code="used")
    return invitation


@transaction.atomic
def accept_invitation(user: User, token: str) -> Membership:
    """Join the invitation's organisation; only the person the invitation was sent to can use it."""
    invitation = invitation_from_token(token)
    from allauth.account.models import EmailAddress

    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it."),
            code="wrong_user",
            params={"email": invitation.email},
        )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return _add_member(invitation.invited_by, invitation.organization, user, invitation.role, by=user)


def _owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Membership.Role.OWNER).count()


@transaction.atomic
def change_role(actor: User, membership: Membership, role: str) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    # Lock every owner row so two owners cannot demote each other at the same moment.
    list(
        Membership.objects.select_for_update().filter(
            organization_id=locked.organization_id, role=Membership.Role.OWNER
        )
    )
    if (
        locked.role == Membership.Role.OWNER
        and role != Membership.Role.OWNER
        and _owner_count(locked.organization) == 1
    ):
        raise ValidationError(
            _("An organisation needs at least one owner: name another owner first."), code="last_owner"
        )
    old = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    record(
        locked.organization,
        actor,
        HistoryEntry.Action.ROLE_CHANGED,
        changes={"member": [locked.user.email, locked.user.email], "role": [old, role]},
    )
    audit.record(
        None,
        audit.Action.ROLE_CHANGED,
        actor=actor,
        target=locked.organization,
        member=locked.user_id,
        role=[old, role],
    )
    forget_viewer(locked.user)
    return locked


@transaction.atomic
def remove_member(actor: User, membership: Membership) -> None:
    """Remove a member (or let a member leave); the last owner cannot go."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    list(
        Membership.objects.select_for_update().filter(
            organization_id=locked.organization_id, role=Membership.Role.OWNER
        )
    )
    if locked.role == Membership.Role.OWNER and _owner_count(locked.organization) == 1:
        raise ValidationError(_("The last owner cannot leave: name another owner first."), code="last_owner")
    record(
        locked.organization, actor, HistoryEntry.Action.MEMBER_REMOVED, changes={"member": [locked.user.email, None]}
    )
    audit.record(None, audit.Action.MEMBER_REMOVED, actor=actor, target=locked.organization, member=locked.user_id)
    locked.delete()
    forget_viewer(locked.user)


def organizations_needing_owner(user: User) -> list[Organization]:
    """The organisations whose only owner is `user` while others are members: before leaving them for good
    (deleting their account), they name another owner."""
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).values("organization_id")
    return list(
        Organization.objects.filter(pk__in=owned)
        .annotate(
            owners=Count("memberships", filter=Q(memberships__role=Membership.Role.OWNER)),
            members=Count("memberships"),
        )
        .filter(owners=1, members__gt=1)
    )


@transaction.atomic
def forget_member(user: User, emails: Iterable[str]) -> None:
    """Take `user`, whose account is being deleted, out of every organisation, and the addresses `emails`
    out of the organisations' records: the history then speaks of "a former member" (see
    HistoryEntry.FORMER_MEMBER), and invitations sent to those addresses go. Refused while `user` is the
    last owner of an organisation that has other members."""
    organization_ids = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    # Lock the owners, as change_role does, so that no other owner steps down meanwhile.
    list(
        Membership.objects.select_for_update().filter(organization_id__in=organization_ids, role=Membership.Role.OWNER)
    )
    blocked = organizations_needing_owner(user)
    if blocked:
        raise ValidationError(
            _("You are the last owner of %(names)s. Name another owner first, then delete your account."),
            params={"names": ", ".join(organization.name for organization in blocked)},
            code="last_owner",
        )
    for membership in Membership.objects.filter(user=user).select_related("organization"):
        record(
            membership.organization,
            None,
            HistoryEntry.Action.MEMBER_REMOVED,
            changes={"member": [HistoryEntry.FORMER_MEMBER, None]},
        )
        membership.delete()
    addresses = {email.lower() for email in emails}
    mentions = Q(pk__in=[])
    for email in addresses:
        mentions |= Q(changes__member__icontains=email)
    entries = list(HistoryEntry.objects.filter(mentions))
    for entry in entries:
        entry.changes["member"] = [
            HistoryEntry.FORMER_MEMBER if isinstance(value, str) and value.lower() in addresses else value
            for value in entry.changes["member"]
        ]
    HistoryEntry.objects.bulk_update(entries, ["changes"])
    MembershipInvitation.objects.filter(email__in=addresses).delete()
    forget_viewer(user)


# Networks ---------------------------------------------------------------------------------------------


@transaction.atomic
def propose_network_member(actor: User, network: Organization, member: Organization) -> NetworkMembership:
    if network.kind != Organization.Kind.NETWORK:
        raise ValidationError(_("Only a network or coalition can have member organisations."), code="not_network")
    if network.pk == member.pk:
        raise ValidationError(_("A network cannot be its own member."), code="self")
    try:
        with transaction.atomic():
            link = NetworkMembership.objects.create(network=network, member=member)
    except IntegrityError as exc:
        raise ValidationError(_("This organisation is already listed in the network."), code="duplicate") from exc
    notify(owners_of(member), "organizations/email/network_proposed", {"link": link})
    return link


@transaction.atomic
def confirm_network_membership(actor: User, link: NetworkMembership) -> NetworkMembership:
    link.confirmed = True
    link.save(update_fields=["confirmed"])
    return link


@transaction.atomic
def end_network_membership(actor: User, link: NetworkMembership) -> None:
    link.delete()
