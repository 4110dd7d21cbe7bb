"""The one permission rule, written once and asked everywhere.

Every object people manage has an owner organisation. What a person may do to it follows from their role
in that organisation (owner > editor > member), plus the object's visibility, plus platform operators, who
may do everything. Coordinators are the owners and editors of verified host organisations (the IIIM, the
Special Envoy's office, a newsletter's publisher).

Coordinating and operating require two-factor authentication (settings.PORTAL_REQUIRE_MFA_FOR_COORDINATORS):
until a person turns on an authenticator app, viewer_of treats them as neither operator nor coordinator and
as a plain member of their host organisations, so every rule below refuses them those powers.

Views, the API, the admin, templates, feeds, PDFs and emails call these functions (directly or through
`user.has_perm(...)`, registered with django-rules below); none of them decides access by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rules
from django.db.models import Q

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import QuerySet

    from agreements.models import Agreement, AgreementParty
    from events.models import Document, Event, Invitation, Registration
    from newsletters.models import Edition, MailingList, Publication
    from organizations.models import Organization
    from statements.models import Endorsement, Statement

OWNER, EDITOR, MEMBER = "owner", "editor", "member"
RANK = {MEMBER: 1, EDITOR: 2, OWNER: 3}


@dataclass(frozen=True)
class Viewer:
    """What the permission rule needs to know about a person, loaded once per request."""

    is_authenticated: bool = False
    is_operator: bool = False
    is_coordinator: bool = False
    # organisation id -> role, for every organisation the person belongs to
    roles: dict[int, str] = field(default_factory=dict)
    # ids of the verified organisations among them, and of the verified host organisations they coordinate
    verified: frozenset[int] = frozenset()
    host_ids: frozenset[int] = frozenset()
    # would be a coordinator or an operator, but has not turned on two-factor authentication yet
    needs_mfa: bool = False

    def role_in(self, organization_id: int | None) -> str | None:
        return self.roles.get(organization_id) if organization_id is not None else None

    def has_role(self, organization_id: int | None, minimum: str) -> bool:
        role = self.role_in(organization_id)
        return role is not None and RANK[role] >= RANK[minimum]

    @property
    def is_member_of_verified(self) -> bool:
        return bool(self.verified)


ANONYMOUS = Viewer()


def viewer_of(user: Any) -> Viewer:
    """Return the Viewer for `user`, cached on the user object for the rest of the request.

    One query reads the person's memberships and whether they have an authenticator app (TOTP). Without
    one, when two-factor authentication is required, they are no operator, coordinate no host organisation
    and are a plain member of the verified host organisations they would otherwise edit or own; their
    roles elsewhere stand, since the staff of an ordinary organisation need no second factor.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_portal_viewer", None)
    if cached is not None:
        return cached
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from organizations.models import Organization

    # From the person, not their memberships, so that an operator who belongs nowhere gets a row too.
    rows = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(has_totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)))
        .values_list(
            "has_totp",
            "memberships__organization_id",
            "memberships__role",
            "memberships__organization__status",
            "memberships__organization__is_host",
        )
    )
    has_mfa = not settings.PORTAL_REQUIRE_MFA_FOR_COORDINATORS
    roles: dict[int, str] = {}
    verified: set[int] = set()
    hosts: set[int] = set()
    for has_totp, organization_id, role, status, is_host in rows:
        has_mfa = has_mfa or has_totp
        if organization_id is None:
            continue
        roles[organization_id] = role
        if status == Organization.Status.VERIFIED:
            verified.add(organization_id)
            if is_host and RANK[role] >= RANK[EDITOR]:
                hosts.add(organization_id)
    if not has_mfa:
        roles.update(dict.fromkeys(hosts, MEMBER))
    viewer = Viewer(
        is_authenticated=True,
        is_operator=user.is_superuser and has_mfa,
        is_coordinator=bool(hosts) and has_mfa,
        roles=roles,
        verified=frozenset(verified),
        host_ids=frozenset(hosts) if has_mfa else frozenset(),
        needs_mfa=not has_mfa and (user.is_superuser or bool(hosts)),
    )
    user._portal_viewer = viewer
    return viewer


def forget_viewer(user: Any) -> None:
    """Drop the cached Viewer after a change to the person's memberships."""
    if hasattr(user, "_portal_viewer"):
        del user._portal_viewer


# Organisations ---------------------------------------------------------------------------------------


def can_view_organization(user: Any, organization: Organization) -> bool:
    """Verified and listed: everyone. Otherwise its own members, coordinators and operators."""
    viewer = viewer_of(user)
    if organization.is_verified and organization.listed_publicly:
        return True
    return viewer.is_operator or viewer.is_coordinator or organization.pk in viewer.roles


def can_edit_organization(user: Any, organization: Organization) -> bool:
    """Editors and owners edit their profile; a suspended organisation is frozen for them."""
    viewer = viewer_of(user)
    if viewer.is_operator:
        return True
    return organization.status != "suspended" and viewer.has_role(organization.pk, EDITOR)


def can_manage_members(user: Any, organization: Organization) -> bool:
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(organization.pk, OWNER)


def can_view_members(user: Any, organization: Organization) -> bool:
    """Who works where is sensitive: only the organisation's own members (and operators) see the list."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(organization.pk, MEMBER)


def can_view_history(user: Any, organization: Organization) -> bool:
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.is_coordinator or viewer.has_role(organization.pk, OWNER)


def can_export_organization(user: Any, organization: Organization) -> bool:
    """An organisation's owners (and operators) take a copy of everything the portal holds about it."""
    return can_manage_members(user, organization)


def hidden_history_fields(user: Any, organization: Organization, changes: dict[str, Any]) -> set[str]:
    """The fields in a history entry's `changes` whose values `user` may not read there: contact details
    beyond their audience (before and after a change of audience), and who joined or left, for those who
    may not see the member list."""
    hidden = set()
    for name in changes:
        if name in organization.CONTACT_FIELDS:
            visibility_field = organization.CONTACT_FIELDS[name]
            audiences = {getattr(organization, visibility_field), *changes.get(visibility_field, ())}
            if not all(can_see_contact(user, organization, audience) for audience in audiences):
                hidden.add(name)
        elif name == "member" and not can_view_members(user, organization):
            hidden.add(name)
    return hidden


def can_review_organizations(user: Any) -> bool:
    """Coordinators of host organisations and operators see the verification queue."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.is_coordinator


def can_review_organization(user: Any, organization: Organization) -> bool:
    """Reviewers decide on other organisations, never on one they belong to (operators excepted)."""
    viewer = viewer_of(user)
    if viewer.is_operator:
        return True
    return viewer.is_coordinator and organization.pk not in viewer.roles


def can_request_to_join(user: Any, organization: Organization) -> bool:
    """Signed-in people ask to join verified organisations they can see and do not belong to yet."""
    viewer = viewer_of(user)
    return (
        viewer.is_authenticated
        and organization.is_verified
        and organization.pk not in viewer.roles
        and can_view_organization(user, organization)
    )


def can_see_contact(user: Any, organization: Organization, audience: str) -> bool:
    """Whether `user` may see a contact field of `organization` shown to `audience` (see Audience)."""
    viewer = viewer_of(user)
    if viewer.is_operator or organization.pk in viewer.roles:
        return True
    if audience == "public":
        return True
    if audience == "members":
        return viewer.is_member_of_verified or viewer.is_coordinator
    if audience == "coordinators":
        return viewer.is_coordinator
    return False


def visible_contacts(user: Any, organization: Organization) -> dict[str, str]:
    """The contact fields of `organization` that `user` may see, with their values; the rest left out."""
    shown = {}
    for name, visibility_field in organization.CONTACT_FIELDS.items():
        value = getattr(organization, name)
        if value and can_see_contact(user, organization, getattr(organization, visibility_field)):
            shown[name] = value
    return shown


def can_administer_network(user: Any, network: Organization) -> bool:
    """The network's owners add member organisations."""
    return network.kind == "network" and can_manage_members(user, network)


def can_import_export_directory(user: Any) -> bool:
    return can_review_organizations(user)


def coordinated_organizations(user: Any) -> QuerySet[Organization]:
    """The verified host organisations on whose behalf `user` keeps agreements, holds events, publishes
    bulletins and runs mailing lists: those they coordinate (every host for operators)."""
    from organizations.models import Organization

    hosts = Organization.objects.verified().filter(is_host=True)
    viewer = viewer_of(user)
    return hosts if viewer.is_operator else hosts.filter(pk__in=viewer.host_ids)


# Agreements ------------------------------------------------------------------------------------------


def can_manage_agreement(user: Any, agreement: Agreement) -> bool:
    """The mechanism's coordinators (its editors and owners) keep its agreements and their parties."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(agreement.owner_id, EDITOR)


def can_create_agreements(user: Any) -> bool:
    viewer = viewer_of(user)
    return viewer.is_operator or bool(viewer.host_ids)


def can_view_agreement(user: Any, agreement: Agreement) -> bool:
    """Drafts: the mechanism's coordinators. Otherwise by visibility: public to all; members to signed-in
    members of verified organisations; confidential to the parties' owners. Mirrors Agreement.objects.visible_to."""
    if can_manage_agreement(user, agreement):
        return True
    if agreement.status == "draft":
        return False
    viewer = viewer_of(user)
    if agreement.visibility == "public":
        return True
    if agreement.visibility == "members" and (viewer.is_member_of_verified or viewer.is_coordinator):
        return True
    owned = {pk for pk in viewer.roles if viewer.has_role(pk, OWNER)}
    return bool(owned) and agreement.parties.filter(organization__in=owned).exists()


def can_see_party_name(user: Any, agreement: Agreement, party: AgreementParty) -> bool:
    """A party that asked not to be named is named only to the mechanism's coordinators and to itself."""
    return (
        party.named_publicly
        or can_manage_agreement(user, agreement)
        or viewer_of(user).has_role(party.organization_id, MEMBER)
    )


def accession_organizations(user: Any, agreement: Agreement) -> list[int]:
    """Ids of the verified organisations `user` owns that may ask to accede to `agreement` now."""
    if not (agreement.kind == "protocol" and agreement.accepts_accessions and agreement.status == "in_force"):
        return []
    viewer = viewer_of(user)
    return [pk for pk in viewer.verified if viewer.has_role(pk, OWNER) and pk != agreement.owner_id]


# Events ----------------------------------------------------------------------------------------------


def can_manage_event(user: Any, event: Event) -> bool:
    """The organiser's editors and owners schedule, invite, confirm and mark attendance."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(event.owner_id, EDITOR)


def can_create_events(user: Any) -> bool:
    viewer = viewer_of(user)
    return viewer.is_operator or bool(viewer.host_ids)


def active_registration(user: Any, event: Event) -> Registration | None:
    """The person's active registration for `event`, looked up once per request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault("_portal_registrations", {})
    if event.pk not in cache:
        from events.models import Registration

        cache[event.pk] = Registration.objects.filter(event=event, user=user, status__in=Registration.ACTIVE).first()
    return cache[event.pk]


def remember_registrations(user: Any, events: Iterable[Event]) -> None:
    """Look up the person's active registrations for all of `events` in one query, so that asking
    active_registration (and the rules built on it) about each event of a list costs no query per event."""
    if not getattr(user, "is_authenticated", False):
        return
    from events.models import Registration

    cache = user.__dict__.setdefault("_portal_registrations", {})
    missing = [event.pk for event in events if event.pk not in cache]
    if not missing:
        return
    found = {
        registration.event_id: registration
        for registration in Registration.objects.filter(event__in=missing, user=user, status__in=Registration.ACTIVE)
    }
    for pk in missing:
        cache[pk] = found.get(pk)


def is_confirmed_participant(user: Any, event: Event) -> bool:
    registration = active_registration(user, event)
    return registration is not None and registration.holds_seat


def can_view_event(user: Any, event: Event) -> bool:
    """Drafts: the organisers. Public: everyone. Members: signed-in members of verified organisations.
    Closed: the invited organisations' members and registered people only. Mirrors Event.objects.visible_to."""
    if can_manage_event(user, event):
        return True
    if event.status == "draft":
        return False
    viewer = viewer_of(user)
    if event.visibility == "public":
        return True
    if event.visibility == "members" and (viewer.is_member_of_verified or viewer.is_coordinator):
        return True
    if viewer.roles and event.invitations.filter(organization__in=list(viewer.roles)).exists():
        return True
    return active_registration(user, event) is not None


def can_see_logistics(user: Any, event: Event) -> bool:
    """The street address and the online link: confirmed participants and the organisers only."""
    return can_manage_event(user, event) or is_confirmed_participant(user, event)


def can_see_participants(user: Any, event: Event) -> bool:
    """The organisers see every participant; confirmed participants see those whose organisation agreed."""
    return can_manage_event(user, event) or is_confirmed_participant(user, event)


def can_answer_invitation(user: Any, invitation: Invitation) -> bool:
    """The invited organisation's owners accept, decline and name delegates."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(invitation.organization_id, OWNER)


def can_read_document(user: Any, document: Document) -> bool:
    event = document.event
    if can_manage_event(user, event):
        return True
    if not can_view_event(user, event) or document.visibility == "organisers":
        return False
    return document.visibility == "public" or is_confirmed_participant(user, event)


# Statements ------------------------------------------------------------------------------------------


def can_manage_statement(user: Any, statement: Statement) -> bool:
    """The owner organisation's editors and owners keep the statement, its endorsements and its outreach."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(statement.owner_id, EDITOR)


def statement_owners(user: Any) -> QuerySet[Organization]:
    """Organisations under which `user` may start a statement: the verified host organisations and networks
    where they are an editor or owner (operators: all of them). Other organisations endorse."""
    from django.db.models import Q

    from organizations.models import Organization

    viewer = viewer_of(user)
    owners = Organization.objects.verified().filter(Q(is_host=True) | Q(kind=Organization.Kind.NETWORK))
    if viewer.is_operator:
        return owners
    return owners.filter(pk__in=[pk for pk in viewer.verified if viewer.has_role(pk, EDITOR)])


def can_create_statements(user: Any) -> bool:
    viewer = viewer_of(user)
    return viewer.is_operator or (bool(viewer.verified) and statement_owners(user).exists())


def can_view_statement(user: Any, statement: Statement) -> bool:
    """Drafts: the owner's editors and owners. Everything else: everyone. Mirrors Statement.objects.visible_to."""
    return statement.status != "draft" or can_manage_statement(user, statement)


def endorsing_organizations(user: Any, statement: Statement) -> list[int]:
    """Ids of the verified organisations in whose name `user` (an owner or editor) may endorse now."""
    if not statement.accepts_endorsements():
        return []
    viewer = viewer_of(user)
    return sorted(pk for pk in viewer.verified if viewer.has_role(pk, EDITOR))


def can_withdraw_endorsement(user: Any, endorsement: Endorsement) -> bool:
    """The endorsing organisation's owners and editors withdraw while the statement accepts endorsements."""
    return endorsement.statement.accepts_endorsements() and viewer_of(user).has_role(
        endorsement.organization_id, EDITOR
    )


def can_unname_endorser(user: Any, endorsement: Endorsement) -> bool:
    """Asking not to be named lowers the risk, so the organisation's owners and editors may do it at any time."""
    return endorsement.named_publicly and (
        viewer_of(user).has_role(endorsement.organization_id, EDITOR)
        or can_manage_statement(user, endorsement.statement)
    )


def can_see_endorser(user: Any, endorsement: Endorsement) -> bool:
    """An endorser that asked not to be named is named only to the statement's managers and to itself."""
    return (
        endorsement.named_publicly
        or can_manage_statement(user, endorsement.statement)
        or viewer_of(user).has_role(endorsement.organization_id, MEMBER)
    )


def endorsers_named_to(user: Any, statement: Statement) -> QuerySet[Endorsement]:
    """The endorsements of `statement` that `user` may see named: can_see_endorser, in SQL, for pages that list
    thousands of them."""
    endorsements = statement.endorsements.all()
    if can_manage_statement(user, statement):
        return endorsements
    viewer = viewer_of(user)
    own = [pk for pk in viewer.roles if viewer.has_role(pk, MEMBER)]
    return endorsements.filter(Q(named_publicly=True) | Q(organization_id__in=own))


# Bulletins and newsletters ---------------------------------------------------------------------------


def can_manage_publication(user: Any, publication: Publication) -> bool:
    """The publisher's editors and owners compose, publish and send editions."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(publication.owner_id, EDITOR)


def can_create_publications(user: Any) -> bool:
    viewer = viewer_of(user)
    return viewer.is_operator or bool(viewer.host_ids)


def can_manage_mailing_list(user: Any, mailing_list: MailingList) -> bool:
    """Subscribers are visible only to the list owner's coordinators (its editors and owners)."""
    viewer = viewer_of(user)
    return viewer.is_operator or viewer.has_role(mailing_list.owner_id, EDITOR)


def can_view_edition(user: Any, edition: Edition) -> bool:
    """Published editions are public; drafts and scheduled ones only for the publisher's editors."""
    return edition.status == "published" or can_manage_publication(user, edition.publication)


@rules.predicate
def _view_organization(user: Any, organization: Organization | None) -> bool:
    return organization is not None and can_view_organization(user, organization)


@rules.predicate
def _edit_organization(user: Any, organization: Organization | None) -> bool:
    return organization is not None and can_edit_organization(user, organization)


@rules.predicate
def _manage_members(user: Any, organization: Organization | None) -> bool:
    return organization is not None and can_manage_members(user, organization)


@rules.predicate
def _view_members(user: Any, organization: Organization | None) -> bool:
    return organization is not None and can_view_members(user, organization)


@rules.predicate
def _view_history(user: Any, organization: Organization | None) -> bool:
    return organization is not None and can_view_history(user, organization)


@rules.predicate
def _review_organization(user: Any, organization: Organization | None) -> bool:
    return can_review_organizations(user) if organization is None else can_review_organization(user, organization)


@rules.predicate
def _view_agreement(user: Any, agreement: Agreement | None) -> bool:
    return agreement is not None and can_view_agreement(user, agreement)


@rules.predicate
def _manage_agreement(user: Any, agreement: Agreement | None) -> bool:
    return can_create_agreements(user) if agreement is None else can_manage_agreement(user, agreement)


@rules.predicate
def _view_event(user: Any, event: Event | None) -> bool:
    return event is not None and can_view_event(user, event)


@rules.predicate
def _manage_event(user: Any, event: Event | None) -> bool:
    return can_create_events(user) if event is None else can_manage_event(user, event)


@rules.predicate
def _view_statement(user: Any, statement: Statement | None) -> bool:
    return statement is not None and can_view_statement(user, statement)


@rules.predicate
def _manage_statement(user: Any, statement: Statement | None) -> bool:
    return can_create_statements(user) if statement is None else can_manage_statement(user, statement)


rules.add_perm("events.view_event", _view_event)
rules.add_perm("events.change_event", _manage_event)
rules.add_perm("organizations.view_organization", _view_organization)
rules.add_perm("organizations.view_agreement", _view_agreement)
rules.add_perm("organizations.change_agreement", _manage_agreement)
rules.add_perm("organizations.change_organization", _edit_organization)
rules.add_perm("organizations.manage_members", _manage_members)
rules.add_perm("organizations.view_members", _view_members)
rules.add_perm("organizations.view_history", _view_history)
rules.add_perm("organizations.review_organization", _review_organization)
rules.add_perm("statements.view_statement", _view_statement)
rules.add_perm("statements.change_statement", _manage_statement)
