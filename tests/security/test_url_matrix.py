"""Permission matrix over the whole URLconf: every route of the project, requested by every kind of person,
answers with the status the one permission rule (each model's Guarded.rule, docs/architecture.md) gives, never
with a 500, and never carries a canary that person may not see.

ROUTES below is the table: one entry per route, keyed by its name ("namespace:name"; "name @ route" when
several routes share a name, as the API's format-suffixed twins do) or by its route when it has none. A route
added to the URLconf without an entry fails test_every_route_has_an_entry, so nothing is added unchecked.
Each entry holds one or more cases: how to build the address from the seeded world and the status each role
gets. A GET never changes state: views that only take POST answer 405 (or send anonymous visitors to log in).

The world is seeded once for the module, inside a transaction rolled back at the end; each request runs in
a savepoint of its own, so a GET that did change something could not affect the next one.
"""

from __future__ import annotations

import datetime
import html
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone, translation
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from rest_framework.authtoken.models import Token

from agreements import services as agreement_services
from agreements.models import AccessionRequest, Agreement, AgreementParty
from consultations import services as consultation_services
from consultations.models import Attachment, Consultation, ConsultationDocument, Quotation, Recommendation, Submission
from events.models import (
    CalendarFeed,
    Document,
    Event,
    EventSeries,
    Invitation,
    Registration,
    SeatHold,
    Session,
    hash_feed_token,
)
from newsletters import services as newsletter_services
from newsletters.models import (
    Campaign,
    Claim,
    Delivery,
    Edition,
    EditionPDF,
    Item,
    MailingList,
    Publication,
    Section,
    Subscription,
)
from organizations import services as organization_services
from organizations.models import (
    Governorate,
    HistoryEntry,
    JoinRequest,
    Membership,
    MembershipInvitation,
    NetworkMembership,
    Organization,
    Topic,
    private_storage,
)
from organizations.services import INVITATION_SALT
from portal import pdf
from portal.models import SignedInSession, User
from portal.text import SingleLineField
from portal.uploads import body_limit
from statements import services as statement_services
from statements.models import Statement, StatementHistoryEntry
from tests.conftest import sign_in
from tests.factories import (
    AccessionRequestFactory,
    AgreementFactory,
    AgreementPartyFactory,
    CampaignFactory,
    ConsultationFactory,
    EditionFactory,
    EndorsementFactory,
    EventDocumentFactory,
    EventFactory,
    InvitationFactory,
    ItemFactory,
    JoinRequestFactory,
    MailingListFactory,
    MembershipFactory,
    MembershipInvitationFactory,
    NetworkMembershipFactory,
    OrganizationFactory,
    PublicationFactory,
    RegistrationFactory,
    SectionFactory,
    SessionFactory,
    StatementFactory,
    SubmissionFactory,
    SubscriptionFactory,
    UserFactory,
    host_organization,
)
from tests.security.bidi import OVERRIDE, leaking
from tests.security.test_csv_exports import CSV_EXPORTS

# The people ------------------------------------------------------------------------------------------------

ROLES = (
    "anonymous",
    "loner",
    "a_member",
    "a_editor",
    "a_owner",
    "b_owner",
    "coord_h",
    "coord_h2",
    "h_password",
    "operator",
)
# loner: a signed-up person with a verified address and no organisation. a_*: the member, editor and owner of
# organisation A (verified, listed). b_owner: the owner of organisation B. coord_h: an editor of the IIIM (H,
# a verified host organisation); coord_h2: an editor of a second host. h_password: an editor of H with an
# authenticator app, in a session that entered only the password (portal.two_factor): no coordinator, a plain
# member of H. operator: a platform operator.
A_PEOPLE = ("a_member", "a_editor", "a_owner")
COORDINATORS = ("coord_h", "coord_h2")
H_KEEPERS = ("coord_h", "operator")  # those who keep what H owns: its editors and owners, and the operators
REVIEWERS = (*COORDINATORS, "operator")  # can_review_organizations, can_create_events/agreements/publications
# Coordinators and operators have turned on an authenticator app (TOTP), and their sessions entered its code.
WITH_AUTHENTICATOR = (*REVIEWERS, "h_password")
SECOND_FACTOR_PASSED = REVIEWERS
# h_token: h_password's person through an API token (rest_framework's TokenAuthentication), with no session. A
# token passes no second factor: it gets what h_password gets from the API, and what a visitor gets elsewhere
# (the pages do not read tokens).
H_TOKEN = "h_token"


def as_whom(role: str, url: str) -> str:
    """The role whose answers `role` gets at `url`: itself, but for the API token (see H_TOKEN)."""
    if role != H_TOKEN:
        return role
    return "h_password" if urlsplit(url).path.startswith("/api/") else "anonymous"


TOTP_SECRET = "OBXXE5DBNQWXIZLTOQWXI33UOAWXGZLDOJSXIII="

# The canaries ----------------------------------------------------------------------------------------------

EMAIL = "canary-hidden@example.org"  # A's email, shown to the coordinators of host organisations
# A's earlier email, changed while A showed its email to its own people only: its history keeps it from the
# coordinators even now that they see the email (HistoryEntry.audiences).
OLD_EMAIL = "canary-old-address@example.org"
PHONE = "+963 11 555 0113"  # A's phone, shown to nobody outside A
DRAFT_ORG = "Canary Draft Org"
MOU = "Canary Confidential MoU"  # confidential MoU between H and A, with a stored signed PDF
STREET = "Canary Street 13"  # the closed event's street address
LINK = "https://meet.example.org/canary-link"  # the closed event's online link (and its session's room)
CLOSED_EVENT = "Canary Closed Consultation"  # the closed event's title: only the invited may know it exists
MINUTES = "Canary Participants Minutes"  # the text of the closed event's minutes, for its participants
DRAFT_EDITION = "Canary Draft Edition"
SUBSCRIBER = "canary-subscriber@example.org"
DRAFT_STATEMENT = "Canary Draft Statement"
DRAFT_EVENT = "Canary Draft Event"
# Unlisted; endorsed H's published statement and signed H's public protocol, named in neither; a confirmed
# member of a network; mentioned in a published bulletin.
UNNAMED_ENDORSER = "Canary Unnamed Endorser Org"
# Unlisted; H recorded it as a named endorser of H's published statement and added it as a named party to H's
# public protocol; its owners confirmed neither, so it is named on neither (the naming rule, DESIGN.md).
RECORDED_ENDORSER = "Canary Recorded Endorser Org"
# A's staff member who edited its profile: who works where is for A's people; the history names them to those who
# also see the member list (Organization.rule, view_history_actors), never to coordinators of other organisations.
HISTORY_ACTOR = "Canary History Actor"
# The secret addresses of a_member's own calendar feed and of A's: what is stored of them (their SHA-256) is
# shown to nobody, and the addresses themselves only once, when made on the page (never in this world).
FEED_TOKEN = "canary-personal-feed-token-4b1d9e"
A_FEED_TOKEN = "canary-organisation-feed-token-77c2a0"
HIDDEN_FEED_TOKEN = "canary-hidden-organisation-feed-token-5e0c31"
# A listed organisation whose delegate takes part in the closed event, not listed to the other participants.
QUIET_PARTICIPANT = "Syrian Network for Detainees' Families"
# A verified, listed organisation that hid everything (issue 19): before, it was a named endorser of H's statement,
# a named party to H's protocol, a listed participant of the closed event, a confirmed member of the network, and
# mentioned in the published bulletin. Hidden, it is named on no route for anyone outside it but the coordinators.
HIDDEN_ORG = "Canary Hidden Association"
# The network one of a_member's sessions came from ("Your sessions"): for that person alone.
SESSION_NETWORK = "198.51.100.0/24"
# A's confidential submission to H's open consultation (an answer and a recommendation): for A's people and the
# host's coordinators only, on every route (page, CSV, PDF, API, export).
SUBMISSION = "Canary Confidential Submission"
DRAFT_CONSULTATION = "Canary Draft Consultation"
# B's name is quoted without naming it in the published "what we heard": counted, never named there.
B_NAME = "Caesar Families Association"


@dataclass(frozen=True)
class Canary:
    text: str
    seen_by: tuple[str, ...]  # the roles that may see it, wherever it appears


CANARIES = {
    # can_see_contact: the organisation's own people, the coordinators, the operators
    "email": Canary(EMAIL, (*A_PEOPLE, *COORDINATORS, "operator")),
    # private when it was changed: the organisation's own people and the operators, whatever the audience today
    "old_email": Canary(OLD_EMAIL, (*A_PEOPLE, "operator")),
    # private: the organisation's own people and the operators
    "phone": Canary(PHONE, (*A_PEOPLE, "operator")),
    "history_actor": Canary(HISTORY_ACTOR, (*A_PEOPLE, "operator")),
    # can_view_organization: a draft is seen by its own people, the coordinators and the operators
    "draft_org": Canary(DRAFT_ORG, (*COORDINATORS, "operator")),
    # can_view_agreement: confidential to the parties' owners, the mechanism's keepers and the operators
    "mou": Canary(MOU, ("a_owner", *H_KEEPERS)),
    # can_see_logistics: the confirmed participant (A's member, its delegate) and the organisers
    "street": Canary(STREET, ("a_member", *H_KEEPERS)),
    "link": Canary(LINK, ("a_member", *H_KEEPERS)),
    # can_view_event: a closed event, to the invited organisation's people and the organisers
    "closed_event": Canary(CLOSED_EVENT, (*A_PEOPLE, *H_KEEPERS)),
    # can_read_document: participants' minutes, to the confirmed participant and the organisers
    "minutes": Canary(MINUTES, ("a_member", *H_KEEPERS)),
    # can_view_edition: drafts for the publisher's editors
    "draft_edition": Canary(DRAFT_EDITION, H_KEEPERS),
    # can_manage_mailing_list: subscribers for the list owner's editors
    "subscriber": Canary(SUBSCRIBER, H_KEEPERS),
    # can_view_event: drafts for the organisers
    "draft_event": Canary(DRAFT_EVENT, H_KEEPERS),
    # can_view_statement: drafts for the owner's editors
    "draft_statement": Canary(DRAFT_STATEMENT, H_KEEPERS),
    # can_see_endorser and can_see_party_name (the keepers, the organisation itself) and can_view_organization
    # (unlisted: coordinators see the organisation, but not what it endorsed or signed: see Case.also_seen_by)
    "unnamed_endorser": Canary(UNNAMED_ENDORSER, H_KEEPERS),
    # Organization.named_publicly_q: consent recorded by the statement's publisher or the mechanism names nobody
    "recorded_endorser": Canary(RECORDED_ENDORSER, H_KEEPERS),
    # organizations.models.unhidden_q: a hidden organisation, to the coordinators (and operators) only
    "hidden_org": Canary(HIDDEN_ORG, (*COORDINATORS, "operator")),
    # portal.sessions: a person's sessions, to that person only (an owner sees how many, not where from)
    "session_network": Canary(SESSION_NETWORK, ("a_member",)),
    # CalendarFeed: an address is shown once, when made; what is kept of it, to nobody
    "feed_token": Canary(FEED_TOKEN, ()),
    "a_feed_token": Canary(A_FEED_TOKEN, ()),
    "feed_hash": Canary(hash_feed_token(FEED_TOKEN), ()),
    # Submission.rule: the submitting organisation's people and the host's coordinators
    "submission": Canary(SUBMISSION, (*A_PEOPLE, *H_KEEPERS)),
    # Consultation.rule: drafts for the host's coordinators
    "draft_consultation": Canary(DRAFT_CONSULTATION, H_KEEPERS),
}


# The table -------------------------------------------------------------------------------------------------


def expect(default: int, **by_role: int) -> dict[str, int]:
    """The status for every role: `default`, except for the roles named."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: by_role.get(role, default) for role in ROLES}


def only(roles: Iterable[str], *, others: int, anonymous: int | None = None, status: int = 200) -> dict[str, int]:
    """`status` for `roles`, `others` for everyone else (and `anonymous` for visitors, when given)."""
    allowed = set(roles)
    table = {role: status if role in allowed else others for role in ROLES}
    if anonymous is not None:
        table["anonymous"] = anonymous
    return table


PUBLIC = expect(200)
SIGNED_IN = expect(200, anonymous=302)  # login_required: anonymous visitors are sent to log in
POST_ONLY = expect(405, anonymous=302)  # login_required, then require_POST
POST_ONLY_OPEN = expect(405)  # require_POST alone
OPERATORS_ADMIN = only(["operator"], others=302)  # the admin sends everyone else to its login page


@dataclass(frozen=True)
class Case:
    """One address of a route and the status each role gets there."""

    url: Callable[[World], str]
    expect: Mapping[str, int]
    label: str = ""
    # Canaries that some more roles may see here (canary key -> roles), and why.
    also_seen_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Text that may appear elsewhere but not here, except for the roles given (text -> roles).
    hidden_here: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    why: str = ""


def case(url: Callable[[World], str], expected: Mapping[str, int], label: str = "", **extra: Any) -> Case:
    return Case(url=url, expect=expected, label=label, **extra)


def en(path: str) -> str:
    return f"/en/{path}"


# Who may see the unlisted endorser as an organisation (can_view_organization: every coordinator) without
# learning from it that it endorsed anything.
COORDINATORS_SEE_UNLISTED = {"unnamed_endorser": ("coord_h2",), "recorded_endorser": ("coord_h2",)}
# The button of the review form on a profile: shown to those who may review the organisation.
REVIEW_FORM = "Record the decision"
# What is printed or republished for everyone names the unnamed endorsers to nobody, not even their keepers.
NAMED_ONLY = {UNNAMED_ENDORSER: (), RECORDED_ENDORSER: ()}

ROUTES: dict[str, tuple[Case, ...]] = {
    # The portal ----------------------------------------------------------------------------------------
    "healthz": (case(lambda w: "/healthz", PUBLIC),),
    "set_language": (
        case(
            lambda w: "/i18n/setlang/?language=ar&next=/en/statements/",
            expect(302),
            why="anonymous visitors switch with GET (no token on cached pages); it only sets the language cookie",
        ),
    ),
    "favicon.ico": (case(lambda w: "/favicon.ico", expect(301)),),
    "^media/(?P<path>.*)$": (
        case(
            lambda w: f"/media/{w.mou.document.name}",
            expect(404),
            why="uploaded documents live outside MEDIA_ROOT: the public media address must not serve them",
        ),
    ),
    "home": (case(lambda w: en(""), PUBLIC),),
    "privacy": (case(lambda w: en("privacy/"), PUBLIC, why="each category of personal data and its period"),),
    "account_sessions": (case(lambda w: en("accounts/sessions/"), SIGNED_IN, why="the person's own sessions"),),
    "account_end_session": (case(lambda w: en(f"accounts/sessions/{w.session_record.pk}/end/"), POST_ONLY),),
    "account_end_other_sessions": (case(lambda w: en("accounts/sessions/end-others/"), POST_ONLY),),
    "account_revoke_api_key": (case(lambda w: en("accounts/api-key/revoke/"), POST_ONLY),),
    "account_preferences": (case(lambda w: en("accounts/preferences/"), SIGNED_IN),),
    "account_time_zone": (case(lambda w: en("accounts/time-zone/"), POST_ONLY),),
    "account_data": (case(lambda w: en("accounts/data/"), SIGNED_IN, why="the person's own data, as JSON"),),
    "account_delete": (case(lambda w: en("accounts/delete/"), SIGNED_IN, why="a GET shows the form"),),
    # The API -------------------------------------------------------------------------------------------
    "api-me": (case(lambda w: "/api/v1/me/", expect(200, anonymous=403)),),
    "api-root @ api/v1/": (case(lambda w: "/api/v1/", PUBLIC),),
    "api-root @ api/v1/<drf_format_suffix:format>": (case(lambda w: "/api/v1/.json", PUBLIC),),
    "api-schema": (case(lambda w: "/api/schema/", PUBLIC),),
    "api-docs": (case(lambda w: "/api/docs/", PUBLIC),),
    "agreement-list @ api/v1/agreements/$": (case(lambda w: "/api/v1/agreements/", PUBLIC),),
    "agreement-list @ api/v1/agreements\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: "/api/v1/agreements.json", PUBLIC),
    ),
    "agreement-detail @ api/v1/agreements/(?P<slug>[^/.]+)/$": (
        case(lambda w: f"/api/v1/agreements/{w.mou.slug}/", only(["a_owner", *H_KEEPERS], others=404), "mou"),
        case(lambda w: f"/api/v1/agreements/{w.protocol.slug}/", PUBLIC, "protocol"),
    ),
    "agreement-detail @ api/v1/agreements/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/agreements/{w.mou.slug}.json", only(["a_owner", *H_KEEPERS], others=404), "mou"),
    ),
    "event-list @ api/v1/events/$": (case(lambda w: "/api/v1/events/", PUBLIC),),
    "event-list @ api/v1/events\\.(?P<format>[a-z0-9]+)/?$": (case(lambda w: "/api/v1/events.json", PUBLIC),),
    "event-detail @ api/v1/events/(?P<slug>[^/.]+)/$": (
        case(lambda w: f"/api/v1/events/{w.closed.slug}/", only([*A_PEOPLE, *H_KEEPERS], others=404), "closed"),
    ),
    "event-detail @ api/v1/events/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/events/{w.closed.slug}.json", only([*A_PEOPLE, *H_KEEPERS], others=404), "closed"),
    ),
    "publication-list @ api/v1/publications/$": (case(lambda w: "/api/v1/publications/", PUBLIC),),
    "publication-list @ api/v1/publications\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: "/api/v1/publications.json", PUBLIC),
    ),
    "publication-detail @ api/v1/publications/(?P<slug>[^/.]+)/$": (
        case(lambda w: f"/api/v1/publications/{w.publication.slug}/", PUBLIC),
    ),
    "publication-detail @ api/v1/publications/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/publications/{w.publication.slug}.json", PUBLIC),
    ),
    "edition-list @ api/v1/editions/$": (case(lambda w: "/api/v1/editions/", PUBLIC),),
    "edition-list @ api/v1/editions\\.(?P<format>[a-z0-9]+)/?$": (case(lambda w: "/api/v1/editions.json", PUBLIC),),
    "edition-detail @ api/v1/editions/(?P<pk>[^/.]+)/$": (
        case(lambda w: f"/api/v1/editions/{w.draft_edition.pk}/", only(H_KEEPERS, others=404), "draft"),
        case(lambda w: f"/api/v1/editions/{w.edition.pk}/", PUBLIC, "published"),
    ),
    "edition-detail @ api/v1/editions/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/editions/{w.draft_edition.pk}.json", only(H_KEEPERS, others=404), "draft"),
    ),
    "organization-list @ api/v1/organizations/$": (
        case(lambda w: "/api/v1/organizations/", PUBLIC, "directory"),
        case(
            lambda w: "/api/v1/organizations/?scope=all",
            PUBLIC,
            "all",
            also_seen_by=COORDINATORS_SEE_UNLISTED,
            why="scope=all lists every organisation the caller may see: for coordinators, unlisted ones too",
        ),
    ),
    "organization-list @ api/v1/organizations\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: "/api/v1/organizations.json", PUBLIC),
    ),
    "organization-detail @ api/v1/organizations/(?P<slug>[^/.]+)/$": (
        case(lambda w: f"/api/v1/organizations/{w.a.slug}/", PUBLIC, "A"),
        case(lambda w: f"/api/v1/organizations/{w.draft_org.slug}/", only(REVIEWERS, others=404), "draft"),
        case(
            lambda w: f"/api/v1/organizations/{w.hidden.slug}/",
            only(REVIEWERS, others=404),
            "hidden",
            why="a hidden organisation: to the coordinators and operators only (its own people are no role here)",
        ),
        case(
            lambda w: f"/api/v1/organizations/{w.unlisted.slug}/",
            only(REVIEWERS, others=404),
            "unlisted",
            also_seen_by=COORDINATORS_SEE_UNLISTED,
        ),
    ),
    "organization-detail @ api/v1/organizations/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/organizations/{w.draft_org.slug}.json", only(REVIEWERS, others=404), "draft"),
    ),
    "statement-list @ api/v1/statements/$": (
        case(lambda w: "/api/v1/statements/", PUBLIC, hidden_here=NAMED_ONLY, why="the API never names them"),
    ),
    "statement-list @ api/v1/statements\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: "/api/v1/statements.json", PUBLIC),
    ),
    "statement-detail @ api/v1/statements/(?P<slug>[^/.]+)/$": (
        case(lambda w: f"/api/v1/statements/{w.draft_statement.slug}/", only(H_KEEPERS, others=404), "draft"),
        case(
            lambda w: f"/api/v1/statements/{w.statement.slug}/",
            PUBLIC,
            "published",
            hidden_here=NAMED_ONLY,
            why="the API is for republishing: endorsers that asked not to be named are never named there",
        ),
    ),
    "statement-detail @ api/v1/statements/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/statements/{w.draft_statement.slug}.json", only(H_KEEPERS, others=404), "draft"),
    ),
    "statement-endorsers @ api/v1/statements/(?P<slug>[^/.]+)/endorsers/$": (
        case(
            lambda w: f"/api/v1/statements/{w.draft_statement.slug}/endorsers/",
            only(H_KEEPERS, others=404),
            "draft",
        ),
        case(
            lambda w: f"/api/v1/statements/{w.statement.slug}/endorsers/",
            PUBLIC,
            "published",
            hidden_here=NAMED_ONLY,
            why="the API is for republishing: endorsers that asked not to be named are never named there",
        ),
    ),
    "statement-endorsers @ api/v1/statements/(?P<slug>[^/.]+)/endorsers\\.(?P<format>[a-z0-9]+)/?$": (
        case(
            lambda w: f"/api/v1/statements/{w.draft_statement.slug}/endorsers.json",
            only(H_KEEPERS, others=404),
            "draft",
        ),
    ),
    "consultation-list @ api/v1/consultations/$": (case(lambda w: "/api/v1/consultations/", PUBLIC),),
    "consultation-list @ api/v1/consultations\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: "/api/v1/consultations.json", PUBLIC),
    ),
    "consultation-detail @ api/v1/consultations/(?P<slug>[^/.]+)/$": (
        case(lambda w: f"/api/v1/consultations/{w.draft_consultation.slug}/", only(H_KEEPERS, others=404), "draft"),
        case(
            lambda w: f"/api/v1/consultations/{w.heard.slug}/",
            PUBLIC,
            "heard",
            hidden_here={B_NAME: ()},
            why="the API is for republishing: an organisation quoted without its name is never named there",
        ),
    ),
    "consultation-detail @ api/v1/consultations/(?P<slug>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/consultations/{w.draft_consultation.slug}.json", only(H_KEEPERS, others=404)),
    ),
    "consultation-submissions @ api/v1/consultations/(?P<slug>[^/.]+)/submissions/$": (
        case(
            lambda w: f"/api/v1/consultations/{w.consultation.slug}/submissions/",
            PUBLIC,
            why="the submissions the caller reads as the host's coordinator: an empty list for everyone else",
        ),
    ),
    "consultation-submissions @ api/v1/consultations/(?P<slug>[^/.]+)/submissions\\.(?P<format>[a-z0-9]+)/?$": (
        case(lambda w: f"/api/v1/consultations/{w.consultation.slug}/submissions.json", PUBLIC),
    ),
    # Accounts (allauth) --------------------------------------------------------------------------------
    "account_login": (case(lambda w: en("accounts/login/"), expect(302, anonymous=200)),),
    "account_logout": (case(lambda w: en("accounts/logout/"), expect(200, anonymous=302)),),
    "account_inactive": (case(lambda w: en("accounts/inactive/"), PUBLIC),),
    "account_signup": (case(lambda w: en("accounts/signup/"), expect(302, anonymous=200)),),
    "account_reauthenticate": (case(lambda w: en("accounts/reauthenticate/"), SIGNED_IN),),
    "account_email": (case(lambda w: en("accounts/email/"), SIGNED_IN),),
    "account_email_verification_sent": (case(lambda w: en("accounts/confirm-email/"), PUBLIC),),
    "account_change_password": (case(lambda w: en("accounts/password/change/"), SIGNED_IN),),
    "account_set_password": (
        case(lambda w: en("accounts/password/set/"), expect(302), why="everyone here has a password: to change it"),
    ),
    "account_reset_password": (case(lambda w: en("accounts/password/reset/"), PUBLIC),),
    "account_confirm_login_code": (
        case(lambda w: en("accounts/login/code/confirm/"), expect(302), why="no login by code is under way"),
    ),
    "account_confirm_email": (
        case(lambda w: en("accounts/confirm-email/not-a-key/"), PUBLIC, why="covered by allauth: a forged key"),
    ),
    "account_reset_password_from_key_done": (case(lambda w: en("accounts/password/reset/key/done/"), PUBLIC),),
    "account_reset_password_from_key": (
        case(lambda w: en("accounts/password/reset/key/1-not-a-key/"), PUBLIC, why="covered by allauth: a forged key"),
    ),
    "account_reset_password_done": (case(lambda w: en("accounts/password/reset/done/"), PUBLIC),),
    "mfa_index": (case(lambda w: en("accounts/2fa/"), SIGNED_IN),),
    "mfa_authenticate": (
        case(lambda w: en("accounts/2fa/authenticate/"), expect(302), why="no login is waiting for its second factor"),
    ),
    "mfa_reauthenticate": (
        case(
            lambda w: en("accounts/2fa/reauthenticate/"),
            only(WITH_AUTHENTICATOR, others=302),
            why="covered by allauth: without an authenticator app, reauthenticate with the password",
        ),
    ),
    "mfa_activate_totp": (
        case(
            lambda w: en("accounts/2fa/totp/activate/"),
            expect(302),
            why="covered by allauth: asks for a recent authentication first (these sessions have none)",
        ),
    ),
    "mfa_deactivate_totp": (
        case(
            lambda w: en("accounts/2fa/totp/deactivate/"),
            only(WITH_AUTHENTICATOR, others=404, anonymous=302, status=302),
            why="covered by allauth: nothing to turn off without an app; with one, reauthenticate first",
        ),
    ),
    "mfa_view_recovery_codes": (
        case(lambda w: en("accounts/2fa/recovery-codes/"), expect(404, anonymous=302), why="nobody has codes yet"),
    ),
    "mfa_generate_recovery_codes": (
        case(
            lambda w: en("accounts/2fa/recovery-codes/generate/"),
            expect(302),
            why="covered by allauth: asks for a recent authentication first",
        ),
    ),
    "mfa_download_recovery_codes": (
        case(
            lambda w: en("accounts/2fa/recovery-codes/download/"),
            expect(404, anonymous=302),
            why="nobody has codes yet",
        ),
    ),
    # Organisations -------------------------------------------------------------------------------------
    "organizations:directory": (case(lambda w: en("organizations/"), PUBLIC),),
    "organizations:register": (case(lambda w: en("organizations/register/"), SIGNED_IN),),
    "organizations:mine": (case(lambda w: en("organizations/mine/"), SIGNED_IN),),
    "organizations:review_queue": (
        case(lambda w: en("organizations/review/"), only(REVIEWERS, others=403, anonymous=302)),
    ),
    "organizations:accept_invitation": (
        case(
            lambda w: en(f"organizations/invitations/{w.invitation_token}/"),
            PUBLIC,
            why="the signed token is the authority: whoever holds it sees the invitation",
        ),
    ),
    "organizations:export": (
        case(
            lambda w: en("organizations/export.csv"),
            only(REVIEWERS, others=403, anonymous=302),
            also_seen_by=COORDINATORS_SEE_UNLISTED,
        ),
    ),
    "organizations:import": (case(lambda w: en("organizations/import/"), only(REVIEWERS, others=403, anonymous=302)),),
    "organizations:detail": (
        case(lambda w: en(f"organizations/{w.a.slug}/"), PUBLIC, "A"),
        case(lambda w: en(f"organizations/{w.draft_org.slug}/"), only(REVIEWERS, others=404), "draft"),
        case(lambda w: en(f"organizations/{w.hidden.slug}/"), only(REVIEWERS, others=404), "hidden"),
        case(
            lambda w: en(f"organizations/{w.network.slug}/"),
            PUBLIC,
            "network",
            also_seen_by=COORDINATORS_SEE_UNLISTED,
            why="a network's confirmed members, as far as the viewer may see each",
        ),
        case(
            lambda w: en(f"organizations/{w.unlisted.slug}/"),
            only(REVIEWERS, others=404),
            "unlisted",
            also_seen_by=COORDINATORS_SEE_UNLISTED,
        ),
        case(
            lambda w: en(f"organizations/{w.h2.slug}/"),
            PUBLIC,
            "host",
            hidden_here={REVIEW_FORM: ("operator",)},
            why="decisions on host organisations are the operators' (Organization.rule, REVIEW)",
        ),
        case(
            lambda w: en(f"organizations/{w.suspended_by_operator.slug}/"),
            only(REVIEWERS, others=404),
            "suspended by an operator",
            hidden_here={REVIEW_FORM: ("operator",)},
            why="only operators change an operator's decision (Organization.rule, REVIEW)",
        ),
    ),
    "organizations:edit": (
        case(
            lambda w: en(f"organizations/{w.a.slug}/edit/"),
            only(["a_editor", "a_owner", "operator"], others=403, anonymous=302),
        ),
        case(
            lambda w: en(f"organizations/{w.draft_org.slug}/edit/"),
            only(["operator"], others=404, anonymous=302) | {"coord_h": 403, "coord_h2": 403},
            "draft",
        ),
    ),
    "organizations:submit": (case(lambda w: en(f"organizations/{w.a.slug}/submit/"), POST_ONLY),),
    "organizations:join": (case(lambda w: en(f"organizations/{w.a.slug}/join/"), POST_ONLY),),
    "organizations:review": (case(lambda w: en(f"organizations/{w.a.slug}/review/"), POST_ONLY),),
    "organizations:history": (
        case(
            lambda w: en(f"organizations/{w.a.slug}/history/"),
            only(["a_owner", *REVIEWERS], others=403, anonymous=302),
        ),
    ),
    "organizations:export_organization": (
        case(
            lambda w: en(f"organizations/{w.a.slug}/export/"),
            only(["a_owner", "operator"], others=403, anonymous=302),
            "A",
            why="can_export_organization: the organisation's owners (and operators)",
        ),
    ),
    "organizations:hide": (
        case(
            lambda w: en(f"organizations/{w.a.slug}/hide/"),
            only(["a_owner", "operator"], others=403, anonymous=302),
            why="hide everything now: the organisation's owners (and operators); GET only asks to confirm",
        ),
    ),
    "organizations:reveal": (case(lambda w: en(f"organizations/{w.a.slug}/reveal/"), POST_ONLY),),
    "organizations:members": (
        case(
            lambda w: en(f"organizations/{w.a.slug}/members/"), only([*A_PEOPLE, "operator"], others=403, anonymous=302)
        ),
    ),
    "organizations:invite": (case(lambda w: en(f"organizations/{w.a.slug}/members/invite/"), POST_ONLY),),
    "organizations:change_role": (
        case(lambda w: en(f"organizations/{w.a.slug}/members/{w.a_member_membership.pk}/role/"), POST_ONLY),
    ),
    "organizations:remove_member": (
        case(lambda w: en(f"organizations/{w.a.slug}/members/{w.a_member_membership.pk}/remove/"), POST_ONLY),
    ),
    "organizations:end_member_access": (
        case(lambda w: en(f"organizations/{w.a.slug}/members/{w.a_member_membership.pk}/access/"), POST_ONLY),
    ),
    "organizations:decide_join": (
        case(lambda w: en(f"organizations/{w.a.slug}/join-requests/{w.join_request.pk}/"), POST_ONLY),
    ),
    "organizations:revoke_invitation": (
        case(lambda w: en(f"organizations/{w.a.slug}/invitations/{w.membership_invitation.pk}/revoke/"), POST_ONLY),
    ),
    "organizations:add_network_member": (
        case(lambda w: en(f"organizations/{w.network.slug}/network/add/"), POST_ONLY),
    ),
    "organizations:answer_network": (
        case(lambda w: en(f"organizations/{w.a.slug}/network/{w.network_link.pk}/"), POST_ONLY),
    ),
    # Agreements ----------------------------------------------------------------------------------------
    "agreements:list": (case(lambda w: en("agreements/"), PUBLIC),),
    "agreements:create": (case(lambda w: en("agreements/new/"), only(REVIEWERS, others=403, anonymous=302)),),
    "agreements:detail": (
        case(lambda w: en(f"agreements/{w.mou.slug}/"), only(["a_owner", *H_KEEPERS], others=404), "mou"),
        case(lambda w: en(f"agreements/{w.protocol.slug}/"), PUBLIC, "protocol"),
    ),
    "agreements:edit": (
        case(
            lambda w: en(f"agreements/{w.mou.slug}/edit/"),
            only(H_KEEPERS, others=404, anonymous=302) | {"a_owner": 403},
            "mou",
        ),
        case(
            lambda w: en(f"agreements/{w.protocol.slug}/edit/"), only(H_KEEPERS, others=403, anonymous=302), "protocol"
        ),
    ),
    "agreements:manage": (
        case(
            lambda w: en(f"agreements/{w.mou.slug}/parties/"),
            only(H_KEEPERS, others=404, anonymous=302) | {"a_owner": 403},
            "mou",
        ),
        case(
            lambda w: en(f"agreements/{w.protocol.slug}/parties/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "protocol",
        ),
    ),
    "agreements:remove_party": (
        case(lambda w: en(f"agreements/{w.mou.slug}/parties/{w.mou_party.pk}/remove/"), POST_ONLY),
    ),
    "agreements:name_party": (
        case(lambda w: en(f"agreements/{w.mou.slug}/parties/{w.mou_party.pk}/name/"), POST_ONLY),
    ),
    "agreements:unname_party": (
        case(lambda w: en(f"agreements/{w.mou.slug}/parties/{w.mou_party.pk}/unname/"), POST_ONLY),
    ),
    "agreements:accede": (case(lambda w: en(f"agreements/{w.protocol.slug}/accession/"), POST_ONLY),),
    "agreements:decide_accession": (
        case(lambda w: en(f"agreements/{w.protocol.slug}/accession/{w.accession.pk}/"), POST_ONLY),
    ),
    "agreements:document": (
        case(lambda w: en(f"agreements/{w.mou.slug}/document/"), only(["a_owner", *H_KEEPERS], others=404), "mou"),
    ),
    "agreements:pdf": (
        case(lambda w: en(f"agreements/{w.mou.slug}/pdf/"), only(["a_owner", *H_KEEPERS], others=404), "mou"),
        case(
            lambda w: en(f"agreements/{w.protocol.slug}/pdf/"),
            PUBLIC,
            "protocol",
            hidden_here=NAMED_ONLY,
            why="the printable summary is public: it names only the parties that agreed, whoever asks",
        ),
    ),
    # Events --------------------------------------------------------------------------------------------
    "events:list": (
        case(lambda w: en("events/"), PUBLIC),
        case(lambda w: en(f"events/?view=month&month={w.closed.starts_at:%Y-%m}"), PUBLIC, "month"),
    ),
    "events:create": (case(lambda w: en("events/new/"), only(REVIEWERS, others=403, anonymous=302)),),
    "events:my_calendar": (
        case(lambda w: en("events/feeds/"), SIGNED_IN, why="one's own feed: an address is shown only once made"),
    ),
    "events:reset_organization_feed": (case(lambda w: en(f"events/feeds/organizations/{w.a.slug}/"), POST_ONLY),),
    "events:feed": (
        case(
            lambda w: en(f"events/feeds/{A_FEED_TOKEN}.ics"),
            PUBLIC,
            "organisation",
            also_seen_by={"closed_event": ROLES},
            why="A's secret feed address is the authority (calendar apps cannot log in); it never carries logistics",
        ),
        case(
            lambda w: en(f"events/feeds/{FEED_TOKEN}.ics"),
            PUBLIC,
            "person",
            also_seen_by={"closed_event": ROLES, "street": ROLES, "link": ROLES},
            why="a_member's secret feed address is the authority: what a_member, a confirmed participant, may see",
        ),
        case(lambda w: en("events/feeds/forged.ics"), expect(404), "forged"),
        case(
            lambda w: en(f"events/feeds/{HIDDEN_FEED_TOKEN}.ics"),
            expect(404),
            "hidden",
            why="a hidden organisation's feed address stops working",
        ),
    ),
    "events:retired_feed": (
        case(
            lambda w: en(f"events/feeds/{w.a.slug}/Xq3nQ4J9mQ2hYlVbN1hXrUq0S8E.ics"),
            expect(410),
            why="the old signed addresses could not be revoked: gone for everyone (issue 21, item 9)",
        ),
    ),
    "events:detail": (
        case(
            lambda w: en(f"events/{w.closed.slug}/"),
            only([*A_PEOPLE, *H_KEEPERS], others=404),
            "closed",
            hidden_here={QUIET_PARTICIPANT: H_KEEPERS},
            why="participants see the organisations that agreed to be listed to them, no other",
        ),
        case(lambda w: en(f"events/{w.draft_event.slug}/"), only(H_KEEPERS, others=404), "draft"),
    ),
    "events:ical": (
        case(lambda w: en(f"events/{w.closed.slug}/calendar.ics"), only([*A_PEOPLE, *H_KEEPERS], others=404), "closed"),
    ),
    "events:edit": (
        case(
            lambda w: en(f"events/{w.closed.slug}/edit/"),
            only(H_KEEPERS, others=404, anonymous=302) | dict.fromkeys(A_PEOPLE, 403),
            "closed",
        ),
    ),
    "events:manage": (
        case(
            lambda w: en(f"events/{w.closed.slug}/manage/"),
            only(H_KEEPERS, others=404, anonymous=302) | dict.fromkeys(A_PEOPLE, 403),
            "closed",
        ),
    ),
    "events:session_add": (case(lambda w: en(f"events/{w.closed.slug}/sessions/"), POST_ONLY),),
    "events:session_remove": (
        case(lambda w: en(f"events/{w.closed.slug}/sessions/{w.session.pk}/remove/"), POST_ONLY),
    ),
    "events:document_add": (case(lambda w: en(f"events/{w.closed.slug}/documents/"), POST_ONLY),),
    "events:document": (
        case(
            lambda w: en(f"events/{w.closed.slug}/documents/{w.minutes.pk}/"),
            only(["a_member", *H_KEEPERS], others=404),
            "participants' minutes",
        ),
    ),
    "events:invitation": (
        case(
            lambda w: en(f"events/{w.closed.slug}/invitations/{w.event_invitation.pk}/"),
            only(["a_owner", "operator"], others=404, anonymous=302),
            "A's invitation",
            why="can_answer_invitation: the invited organisation's owners (and operators) answer; the view says "
            "404 to everyone else, stricter than a 403 for those who know of the invitation (the organisers, A's "
            "other people)",
        ),
    ),
    "events:invitation_seats": (
        case(lambda w: en(f"events/{w.closed.slug}/invitations/{w.event_invitation.pk}/seats/"), POST_ONLY),
    ),
    "events:delegation": (
        case(
            lambda w: en(f"events/delegation/{w.delegation_token}/"),
            PUBLIC,
            also_seen_by={"closed_event": ROLES},
            why="the signed token is the authority: whoever holds it sees the event and organisation it names",
        ),
        case(lambda w: en("events/delegation/forged/"), expect(400), "forged"),
    ),
    "events:register": (case(lambda w: en(f"events/{w.closed.slug}/register/"), POST_ONLY),),
    "events:cancel": (
        case(
            lambda w: en(f"events/{w.closed.slug}/registrations/{w.registration.pk}/cancel/"),
            only(["a_member", "a_owner", *H_KEEPERS], others=404, anonymous=302),
            "the confirmation page",
            why="the person, the owners of the invitation it fills and the organisers cancel; a GET only asks",
        ),
    ),
    "events:registration_action": (
        case(lambda w: en(f"events/{w.closed.slug}/registrations/{w.registration.pk}/"), POST_ONLY),
    ),
    "events:visa_letter": (
        case(
            lambda w: en(f"events/{w.closed.slug}/registrations/{w.registration.pk}/visa-letter/"),
            only(["a_member", *H_KEEPERS], others=404, anonymous=302),
            "the delegate's letter",
            why="the participant it names and the organisers; 404 even to A's owner, who named the delegate",
        ),
    ),
    # Bulletins and mailing lists -----------------------------------------------------------------------
    "newsletters:list": (case(lambda w: en("bulletins/"), PUBLIC),),
    "newsletters:publication_create": (
        case(lambda w: en("bulletins/new/"), only(REVIEWERS, others=403, anonymous=302)),
    ),
    "newsletters:lists": (case(lambda w: en("bulletins/lists/"), SIGNED_IN),),
    "newsletters:list_create": (
        case(lambda w: en("bulletins/lists/new/"), only(REVIEWERS, others=403, anonymous=302)),
    ),
    "newsletters:mailing_list": (
        case(
            lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/"),
            only(H_KEEPERS, others=404, anonymous=302),
            why="who subscribes where is nobody else's business: 404, even for a list whose name is public",
        ),
    ),
    "newsletters:list_edit": (
        case(lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/edit/"), only(H_KEEPERS, others=404, anonymous=302)),
    ),
    "newsletters:list_export": (
        case(
            lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/export.csv"),
            only(H_KEEPERS, others=404, anonymous=302),
        ),
    ),
    "newsletters:subscribe": (case(lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/subscribe/"), POST_ONLY_OPEN),),
    "newsletters:campaign_create": (
        case(
            lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/campaigns/new/"),
            only(H_KEEPERS, others=404, anonymous=302),
        ),
    ),
    "newsletters:campaign": (
        case(
            lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/campaigns/{w.campaign.pk}/"),
            only(H_KEEPERS, others=404, anonymous=302),
        ),
    ),
    "newsletters:campaign_progress": (
        case(
            lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/campaigns/{w.campaign.pk}/progress/"),
            only(H_KEEPERS, others=404, anonymous=302),
        ),
    ),
    "newsletters:campaign_action": (
        case(lambda w: en(f"bulletins/lists/{w.mailing_list.slug}/campaigns/{w.campaign.pk}/action/"), POST_ONLY),
    ),
    "newsletters:confirm": (
        case(
            lambda w: en(f"bulletins/subscriptions/{w.pending_subscription.token}/confirm/"),
            PUBLIC,
            why="the token is the authority; a GET only shows the button (mail scanners must not subscribe anyone)",
        ),
    ),
    "newsletters:unsubscribe": (
        case(lambda w: en(f"bulletins/subscriptions/{w.pending_subscription.token}/unsubscribe/"), PUBLIC),
    ),
    "newsletters:resubscribe": (
        case(lambda w: en(f"bulletins/subscriptions/{w.pending_subscription.token}/resubscribe/"), POST_ONLY_OPEN),
    ),
    "newsletters:publication": (case(lambda w: en(f"bulletins/{w.publication.slug}/"), PUBLIC),),
    "newsletters:publication_edit": (
        case(lambda w: en(f"bulletins/{w.publication.slug}/edit/"), only(H_KEEPERS, others=403, anonymous=302)),
    ),
    "newsletters:feed": (case(lambda w: en(f"bulletins/{w.publication.slug}/feed/"), PUBLIC),),
    "newsletters:edition_create": (
        case(lambda w: en(f"bulletins/{w.publication.slug}/editions/new/"), only(H_KEEPERS, others=403, anonymous=302)),
    ),
    "newsletters:edition": (
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/"),
            only(H_KEEPERS, others=404),
            "draft",
        ),
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.edition.number}/"),
            PUBLIC,
            "published",
            also_seen_by=COORDINATORS_SEE_UNLISTED,
            why="an item mentions A, the unlisted organisation and the closed event",
        ),
    ),
    "newsletters:edition_pdf": (
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/pdf/"),
            only(H_KEEPERS, others=404),
            "draft",
        ),
        case(lambda w: en(f"bulletins/{w.publication.slug}/{w.edition.number}/pdf/"), PUBLIC, "published"),
    ),
    "newsletters:edition_edit": (
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/edit/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "draft",
            why="the publication is public: refused at the publication (403), whatever the number",
        ),
    ),
    "newsletters:compose": (
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/compose/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.edition.number}/compose/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "published",
        ),
    ),
    "newsletters:publish": (
        case(lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/publish/"), POST_ONLY),
    ),
    "newsletters:render_pdfs": (
        case(lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/render/"), POST_ONLY),
    ),
    "newsletters:section_create": (
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/sections/new/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "newsletters:section_edit": (
        case(
            lambda w: en(f"bulletins/{w.publication.slug}/{w.draft_edition.number}/sections/{w.draft_section.pk}/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "newsletters:item_create": (
        case(
            lambda w: en(
                f"bulletins/{w.publication.slug}/{w.draft_edition.number}/sections/{w.draft_section.pk}/items/new/"
            ),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "newsletters:item_edit": (
        case(
            lambda w: en(
                f"bulletins/{w.publication.slug}/{w.draft_edition.number}/sections/{w.draft_section.pk}"
                f"/items/{w.draft_item.pk}/"
            ),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "newsletters:reorder": (
        case(
            lambda w: en(
                f"bulletins/{w.publication.slug}/{w.draft_edition.number}/section/{w.draft_section.pk}/reorder/"
            ),
            POST_ONLY,
        ),
    ),
    # Statements ----------------------------------------------------------------------------------------
    "statements:list": (case(lambda w: en("statements/"), PUBLIC),),
    "statements:create": (case(lambda w: en("statements/new/"), only(REVIEWERS, others=403, anonymous=302)),),
    "statements:feed": (case(lambda w: en("statements/feed/"), PUBLIC, hidden_here=NAMED_ONLY),),
    "statements:detail": (
        case(lambda w: en(f"statements/{w.draft_statement.slug}/"), only(H_KEEPERS, others=404), "draft"),
        case(lambda w: en(f"statements/{w.statement.slug}/"), PUBLIC, "published"),
    ),
    "statements:endorse": (case(lambda w: en(f"statements/{w.statement.slug}/endorse/"), POST_ONLY),),
    "statements:withdraw": (case(lambda w: en(f"statements/{w.statement.slug}/withdraw/"), POST_ONLY),),
    "statements:stop_naming": (case(lambda w: en(f"statements/{w.statement.slug}/stop-naming/"), POST_ONLY),),
    "statements:name_publicly": (case(lambda w: en(f"statements/{w.statement.slug}/name/"), POST_ONLY),),
    "statements:endorsers_csv": (
        case(lambda w: en(f"statements/{w.draft_statement.slug}/endorsers.csv"), only(H_KEEPERS, others=404), "draft"),
        case(lambda w: en(f"statements/{w.statement.slug}/endorsers.csv"), PUBLIC, "published"),
    ),
    "statements:pdf": (
        case(lambda w: en(f"statements/{w.draft_statement.slug}/pdf/"), only(H_KEEPERS, others=404), "draft"),
        case(
            lambda w: en(f"statements/{w.statement.slug}/pdf/"),
            PUBLIC,
            "published",
            hidden_here=NAMED_ONLY,
            why="one printable version for everyone: it names only the endorsers that agreed",
        ),
    ),
    "statements:edit": (
        case(
            lambda w: en(f"statements/{w.draft_statement.slug}/edit/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
        case(
            lambda w: en(f"statements/{w.statement.slug}/edit/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "published",
        ),
    ),
    "statements:manage": (
        case(
            lambda w: en(f"statements/{w.draft_statement.slug}/manage/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
        case(
            lambda w: en(f"statements/{w.statement.slug}/manage/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "published",
        ),
    ),
    "statements:transition": (case(lambda w: en(f"statements/{w.draft_statement.slug}/status/"), POST_ONLY),),
    "statements:remove_endorsement": (
        case(lambda w: en(f"statements/{w.statement.slug}/endorsements/remove/"), POST_ONLY),
    ),
    "statements:import": (
        case(
            lambda w: en(f"statements/{w.statement.slug}/endorsements/import/"),
            only(H_KEEPERS, others=403, anonymous=302),
        ),
    ),
    "statement_outreach": (
        case(lambda w: en(f"statements/{w.statement.slug}/outreach/"), only(H_KEEPERS, others=403, anonymous=302)),
    ),
    # Consultations -------------------------------------------------------------------------------------
    "consultations:list": (case(lambda w: en("consultations/"), PUBLIC),),
    "consultations:create": (case(lambda w: en("consultations/new/"), only(REVIEWERS, others=403, anonymous=302)),),
    "consultations:feed": (
        case(
            lambda w: en("consultations/feed/"),
            PUBLIC,
            hidden_here={B_NAME: ()},
            why="what an anonymous visitor may see, whoever fetches it: B is counted in the figures, never named",
        ),
    ),
    "consultations:detail": (
        case(lambda w: en(f"consultations/{w.consultation.slug}/"), PUBLIC, "open"),
        case(lambda w: en(f"consultations/{w.draft_consultation.slug}/"), only(H_KEEPERS, others=404), "draft"),
    ),
    "consultations:heard": (
        case(
            lambda w: en(f"consultations/{w.heard.slug}/what-we-heard/"),
            PUBLIC,
            "published",
            hidden_here={B_NAME: ()},
            why="B allowed a quotation without its name: counted, never named, whoever reads",
        ),
        case(lambda w: en(f"consultations/{w.consultation.slug}/what-we-heard/"), expect(404), "not yet"),
    ),
    "consultations:heard_pdf": (
        case(lambda w: en(f"consultations/{w.heard.slug}/what-we-heard/pdf/"), PUBLIC, hidden_here={B_NAME: ()}),
    ),
    "consultations:document": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/documents/{w.consultation_document.pk}/"),
            only([*A_PEOPLE, *H_KEEPERS], others=404),
            why="the draft under consultation is for the organisations asked (A) and the host's coordinators",
        ),
    ),
    "consultations:respond": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/respond/"),
            only(["a_editor", "a_owner"], others=403, anonymous=302),
            why="the editors and owners of an organisation asked write its submission",
        ),
    ),
    "consultations:submission": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/submissions/{w.submission.pk}/"),
            only([*A_PEOPLE, *H_KEEPERS], others=404),
        ),
    ),
    "consultations:submission_use": (
        case(lambda w: en(f"consultations/{w.consultation.slug}/submissions/{w.submission.pk}/use/"), POST_ONLY),
    ),
    "consultations:submission_assign": (
        case(lambda w: en(f"consultations/{w.consultation.slug}/submissions/{w.submission.pk}/assign/"), POST_ONLY),
    ),
    "consultations:attachment": (
        case(
            lambda w: en(
                f"consultations/{w.consultation.slug}/submissions/{w.submission.pk}/attachments/{w.attachment.pk}/"
            ),
            only([*A_PEOPLE, *H_KEEPERS], others=404),
        ),
    ),
    "consultations:edit": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/edit/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "open",
        ),
        case(
            lambda w: en(f"consultations/{w.draft_consultation.slug}/edit/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "consultations:manage": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/manage/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "open",
        ),
        case(
            lambda w: en(f"consultations/{w.draft_consultation.slug}/manage/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "consultations:publish": (case(lambda w: en(f"consultations/{w.draft_consultation.slug}/publish/"), POST_ONLY),),
    "consultations:invited": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/invited/"),
            only(H_KEEPERS, others=403, anonymous=302),
            "open",
            why="who is invited by name, and the picker: the host's coordinators (MANAGE on the consultation)",
        ),
        case(
            lambda w: en(f"consultations/{w.draft_consultation.slug}/invited/"),
            only(H_KEEPERS, others=404, anonymous=302),
            "draft",
        ),
    ),
    "consultations:invited_remove": (
        case(lambda w: en(f"consultations/{w.consultation.slug}/invited/{w.a.pk}/remove/"), POST_ONLY),
    ),
    "consultations:question_add": (case(lambda w: en(f"consultations/{w.consultation.slug}/questions/"), POST_ONLY),),
    "consultations:question_remove": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/questions/{w.consultation.questions.get().pk}/remove/"),
            POST_ONLY,
        ),
    ),
    "consultations:document_add": (case(lambda w: en(f"consultations/{w.consultation.slug}/documents/"), POST_ONLY),),
    "consultations:answer": (
        case(lambda w: en(f"consultations/{w.consultation.slug}/recommendations/{w.recommendation.pk}/"), POST_ONLY),
    ),
    "consultations:csv": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/submissions.csv"),
            only(H_KEEPERS, others=403, anonymous=302),
        ),
    ),
    "consultations:bundle": (
        case(
            lambda w: en(f"consultations/{w.consultation.slug}/submissions.pdf"),
            only(H_KEEPERS, others=403, anonymous=302),
        ),
    ),
    "consultations:summary": (
        case(
            lambda w: en(f"consultations/{w.heard.slug}/summary/"),
            only(H_KEEPERS, others=403, anonymous=302),
        ),
    ),
    "consultations:quotation_remove": (
        case(lambda w: en(f"consultations/{w.heard.slug}/summary/quotations/{w.quotation.pk}/remove/"), POST_ONLY),
    ),
    # The admin, for operators only (portal.admin: admin.site.has_permission asks viewer_of) --------------
    "admin:index": (case(lambda w: "/admin/", OPERATORS_ADMIN),),
    "admin:login": (
        case(
            lambda w: "/admin/login/",
            expect(403, anonymous=302, operator=302),
            why="covered by allauth (portal.admin wraps the admin's login in secure_admin_login): visitors are "
            "sent to the site's login, the operator to the admin, and other signed-in people refused",
        ),
    ),
    "admin:logout": (case(lambda w: "/admin/logout/", expect(302, operator=405), why="logging out takes a POST"),),
    "admin:password_change": (case(lambda w: "/admin/password_change/", OPERATORS_ADMIN),),
    "admin:password_change_done": (case(lambda w: "/admin/password_change/done/", OPERATORS_ADMIN),),
    "admin:autocomplete": (
        case(lambda w: "/admin/autocomplete/", expect(302, operator=403), why="covered by admin: asks for a field"),
    ),
    "admin:jsi18n": (case(lambda w: "/admin/jsi18n/", OPERATORS_ADMIN),),
    "admin:view_on_site": (
        case(
            lambda w: f"/admin/r/{ContentType.objects.get_for_model(Organization).pk}/{w.a.pk}/",
            expect(302),
            why="covered by admin: a redirect to the object's own page (everyone else: to the admin login)",
        ),
    ),
    "admin:app_list": (case(lambda w: "/admin/organizations/", OPERATORS_ADMIN),),
    "admin/(?P<url>.*)$": (
        case(lambda w: "/admin/no-such-page/", expect(302, operator=404), why="covered by admin: the catch-all"),
    ),
    "admin:auth_user_password_change": (
        case(lambda w: f"/admin/portal/user/{w.users['a_owner'].pk}/password/", OPERATORS_ADMIN),
    ),
}

# Every model in the admin: its six routes each. (app label, model name) -> how its add view answers the
# operator (403 where nobody adds by hand).
ADMIN_MODELS: dict[tuple[str, str], int] = {
    ("auth", "group"): 200,
    ("account", "emailaddress"): 200,
    ("mfa", "authenticator"): 200,
    ("authtoken", "tokenproxy"): 200,
    ("django_celery_beat", "periodictask"): 200,
    ("django_celery_beat", "clockedschedule"): 200,
    ("django_celery_beat", "crontabschedule"): 200,
    ("django_celery_beat", "solarschedule"): 200,
    ("django_celery_beat", "intervalschedule"): 200,
    ("portal", "user"): 200,
    ("portal", "auditentry"): 403,
    ("organizations", "organization"): 200,
    ("organizations", "topic"): 200,
    ("organizations", "governorate"): 200,
    ("organizations", "membership"): 200,
    ("organizations", "membershipinvitation"): 200,
    ("organizations", "joinrequest"): 200,
    ("organizations", "networkmembership"): 200,
    ("organizations", "historyentry"): 403,
    ("agreements", "agreement"): 200,
    ("agreements", "accessionrequest"): 200,
    ("events", "eventseries"): 200,
    ("events", "event"): 200,
    ("events", "registration"): 200,
    ("events", "seathold"): 200,
    ("events", "document"): 200,
    ("newsletters", "publication"): 200,
    ("newsletters", "edition"): 200,
    ("newsletters", "item"): 200,
    ("newsletters", "editionpdf"): 200,
    ("newsletters", "mailinglist"): 200,
    ("newsletters", "subscriber"): 200,
    ("newsletters", "subscription"): 200,
    ("newsletters", "campaign"): 200,
    ("newsletters", "delivery"): 200,
    ("newsletters", "claim"): 403,  # a sender's lease: read-only, never added by hand
    ("statements", "statement"): 200,
    ("statements", "statementhistoryentry"): 403,
    ("consultations", "consultation"): 200,
    ("consultations", "submission"): 200,
    ("consultations", "quotation"): 200,
}
# What the operator gets where the admin's defaults do not apply: the audit log is read-only.
ADMIN_EXCEPTIONS = {("portal", "auditentry", "delete"): 403}


def _admin_routes() -> dict[str, tuple[Case, ...]]:
    """The six routes of each model in ADMIN_MODELS, each addressed with one row of that model."""
    routes = {}
    for (app_label, model_name), add_status in ADMIN_MODELS.items():
        base = f"/admin/{app_label}/{model_name}/"

        def row(w: World, b: str = base, model: tuple[str, str] = (app_label, model_name)) -> str:
            return f"{b}{w.admin_objects[model]}/"

        routes[f"admin:{app_label}_{model_name}_changelist"] = (case(lambda w, b=base: b, OPERATORS_ADMIN),)
        routes[f"admin:{app_label}_{model_name}_add"] = (
            case(lambda w, b=base: f"{b}add/", expect(302, operator=add_status)),
        )
        for view in ("history", "delete", "change"):
            status = ADMIN_EXCEPTIONS.get((app_label, model_name, view), 200)
            routes[f"admin:{app_label}_{model_name}_{view}"] = (
                case(lambda w, r=row, v=view: f"{r(w)}{v}/", expect(302, operator=status)),
            )
        # The bare address of a row redirects to its change page (everyone else: to the admin's login).
        routes[f"admin/{app_label}/{model_name}/<path:object_id>/"] = (case(row, expect(302)),)
    return routes


ROUTES |= _admin_routes()

# Routes that exist only in some configurations: the media files are served by Django only with DEBUG on.
OPTIONAL_ROUTES = {"^media/(?P<path>.*)$"}


# Walking the URLconf ---------------------------------------------------------------------------------------


def _join(prefix: str, route: str) -> str:
    # As django.urls.URLResolver._join_route does, so that keys match ResolverMatch.route.
    return route if not prefix else prefix + route.removeprefix("^")


@cache
def walk_routes() -> dict[str, str]:
    """Every URL pattern of the project, resolvers unfolded, i18n patterns under /en/: key -> route."""
    found: list[tuple[str | None, str]] = []

    def visit(patterns: Iterable[Any], prefix: str, namespaces: tuple[str, ...]) -> None:
        for pattern in patterns:
            route = _join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                visit(
                    pattern.url_patterns, route, (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                )
            else:
                found.append((":".join([*namespaces, pattern.name]) if pattern.name else None, route))

    with translation.override("en"):
        visit(get_resolver().url_patterns, "", ())
    shared = {name for name, count in Counter(name for name, _route in found if name).items() if count > 1}
    return {route_key(name, route, shared): route for name, route in found}


def route_key(name: str | None, route: str, shared: Iterable[str]) -> str:
    if name is None:
        return route
    return f"{name} @ {route}" if name in shared else name


def key_of(path: str) -> str:
    """The table key of the route `path` resolves to."""
    match = resolve(path)
    name = ":".join([*match.namespaces, match.url_name]) if match.url_name else None
    shared = {key.split(" @ ")[0] for key in walk_routes() if " @ " in key}
    return route_key(name, match.route, shared)


def test_every_route_has_an_entry() -> None:
    routes = walk_routes()
    missing = sorted(set(routes) - set(ROUTES))
    stale = sorted(set(ROUTES) - set(routes) - OPTIONAL_ROUTES)
    assert not missing, "Routes with no entry in tests/security/test_url_matrix.py ROUTES:\n" + "\n".join(
        f"  {key!r}: {routes[key]}" for key in missing
    )
    assert not stale, "Entries in ROUTES for routes that no longer exist:\n" + "\n".join(f"  {key!r}" for key in stale)


def test_every_case_names_every_role() -> None:
    for key, cases in ROUTES.items():
        for item in cases:
            assert set(item.expect) == set(ROLES), key
            assert 500 not in item.expect.values(), key
            assert set(item.also_seen_by) <= set(CANARIES), key


# The world -------------------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    sessions: dict[str, str]
    token: str  # h_password's API token (H_TOKEN)
    a: Organization
    h2: Organization
    draft_org: Organization
    unlisted: Organization
    network: Organization
    suspended_by_operator: Organization
    a_member_membership: Membership
    membership_invitation: MembershipInvitation
    invitation_token: str
    delegation_token: str
    join_request: JoinRequest
    network_link: NetworkMembership
    mou: Agreement
    mou_party: AgreementParty
    protocol: Agreement
    accession: AccessionRequest
    closed: Event
    draft_event: Event
    event_invitation: Invitation
    registration: Registration
    session: Session
    minutes: Document
    publication: Publication
    edition: Edition
    draft_edition: Edition
    draft_section: Section
    draft_item: Item
    mailing_list: MailingList
    pending_subscription: Subscription
    campaign: Campaign
    statement: Statement
    draft_statement: Statement
    hidden: Organization
    session_record: SignedInSession
    consultation: Consultation
    draft_consultation: Consultation
    heard: Consultation
    submission: Submission
    recommendation: Recommendation
    attachment: Attachment
    consultation_document: ConsultationDocument
    quotation: Quotation
    admin_objects: dict[tuple[str, str], str] = field(default_factory=dict)


def _pdf_with(text: str) -> bytes:
    return pdf.render_pdf(f"<html><body><h1>{text}</h1><p>Signed copy.</p></body></html>")


def _person(organization: Organization, role: str, email: str) -> tuple[User, Membership]:
    membership = MembershipFactory(organization=organization, role=role, user__email=email)
    return membership.user, membership


def seed() -> World:
    """Organisations A (with the contact canaries), B, the IIIM (H), a second host (H2), a draft and an
    unlisted organisation, and what each of them keeps, as docs/architecture.md (access) and shared/DESIGN.md
    (visibility) describe them."""
    a = OrganizationFactory(
        slug="families-for-freedom",
        name_en="Families for Freedom",
        name_ar="",
        acronym="",
        email=EMAIL,
        email_visibility="coordinators",
        phone=PHONE,
        phone_visibility="private",
    )
    b = OrganizationFactory(slug="caesar-families", name_en="Caesar Families Association", name_ar="", acronym="")
    h = host_organization()
    h2 = OrganizationFactory(
        slug="special-envoy",
        name_en="Office of the Special Envoy for Syria",
        name_ar="",
        acronym="OSE",
        kind=Organization.Kind.UN_MECHANISM,
        is_host=True,
    )
    draft_org = OrganizationFactory(
        slug="registration-in-progress", name_en=DRAFT_ORG, name_ar="", acronym="", status="draft", verified_at=None
    )
    unlisted = OrganizationFactory(
        slug="quiet-association", name_en=UNNAMED_ENDORSER, name_ar="", acronym="", listed_publicly=False
    )
    recorded = OrganizationFactory(
        slug="recorded-association", name_en=RECORDED_ENDORSER, name_ar="", acronym="", listed_publicly=False
    )
    network = OrganizationFactory(
        slug="truth-justice-charter", name_en="Truth and Justice Charter", name_ar="", acronym="", kind="network"
    )
    suspended_by_operator = OrganizationFactory(
        slug="suspended-association",
        name_en="Suspended Association",
        name_ar="",
        acronym="",
        status="suspended",
        decided_by_operator=True,
    )
    role = Membership.Role
    a_member, a_member_membership = _person(a, role.MEMBER, "member@families.example.org")
    users: dict[str, User | None] = {
        "anonymous": None,
        "loner": UserFactory(email="loner@example.org"),
        "a_member": a_member,
        "a_editor": _person(a, role.EDITOR, "editor@families.example.org")[0],
        "a_owner": _person(a, role.OWNER, "owner@families.example.org")[0],
        "b_owner": _person(b, role.OWNER, "owner@caesar.example.org")[0],
        "coord_h": _person(h, role.EDITOR, "coordinator@iiim.example.org")[0],
        "coord_h2": _person(h2, role.EDITOR, "coordinator@envoy.example.org")[0],
        "h_password": _person(h, role.EDITOR, "second-coordinator@iiim.example.org")[0],
        "operator": UserFactory(email="operator@example.org", is_staff=True, is_superuser=True),
    }
    hidden = OrganizationFactory(slug="hidden-association", name_en=HIDDEN_ORG, name_ar="", acronym="")
    organization_services.hide_organization(None, hidden)
    for organization in (draft_org, unlisted, recorded, network, hidden):
        MembershipFactory(organization=organization, role=role.OWNER)
    NetworkMembershipFactory(network=network, member=hidden)
    NetworkMembershipFactory(network=network, member=unlisted)
    # The history records a change of each contact field (the values before and after are canaries too).
    HistoryEntry.objects.create(
        organization=a,
        actor=users["a_owner"],
        action=HistoryEntry.Action.EDITED,
        changes={"email": ["", EMAIL], "phone": ["", PHONE]},
    )
    # The email changed while A showed it to its own people only, then A showed it to coordinators.
    a.email_visibility = "private"
    organization_services.record(a, users["a_owner"], HistoryEntry.Action.EDITED, changes={"email": [OLD_EMAIL, EMAIL]})
    a.email_visibility = "coordinators"
    organization_services.record(
        a, users["a_owner"], HistoryEntry.Action.EDITED, changes={"email_visibility": ["private", "coordinators"]}
    )
    HistoryEntry.objects.create(
        organization=a,
        actor=MembershipFactory(
            organization=a, role=role.EDITOR, user__email="staff@families.example.org", user__full_name=HISTORY_ACTOR
        ).user,
        action=HistoryEntry.Action.EDITED,
        changes={"acronym": ["", "FFF"]},
    )
    invitation = MembershipInvitationFactory(organization=a, invited_by=users["a_owner"])

    # Agreements: the confidential MoU between H and A, with its signed document; the public protocol.
    mou = AgreementFactory(
        owner=h,
        kind=Agreement.Kind.MOU,
        slug="bilateral-cooperation-2021",
        title_en=MOU,
        title_ar="",
        summary_en="Cooperation on the documentation of enforced disappearances.",
        visibility=Agreement.Visibility.CONFIDENTIAL,
        accepts_accessions=False,
    )
    mou.document.save("signed.pdf", ContentFile(_pdf_with(MOU)))
    mou_party = AgreementPartyFactory(agreement=mou, organization=a, named_publicly=False)
    AgreementPartyFactory(agreement=mou, organization=h)
    protocol = AgreementFactory(owner=h, slug="protocol-of-cooperation")
    AgreementPartyFactory(agreement=protocol, organization=b)
    AgreementPartyFactory(agreement=protocol, organization=unlisted, named_publicly=False)
    agreement_services.add_party(users["coord_h"], protocol, recorded, named_publicly=True)
    AgreementPartyFactory(agreement=protocol, organization=hidden)

    # The closed event of H: A invited and accepted, A's member its confirmed delegate (with a visa letter).
    closed = EventFactory(
        owner=h,
        slug="consultation-gaziantep",
        title_en=CLOSED_EVENT,
        visibility=Event.Visibility.CLOSED,
        registration_mode=Event.RegistrationMode.INVITATION,
        format=Event.Format.HYBRID,
        street_address=STREET,
        online_link=LINK,
        # Released: its confirmed participants see the link (tests/events/test_link_release.py: before then).
        link_release_at=timezone.now() - datetime.timedelta(hours=1),
    )
    event_invitation = InvitationFactory(
        event=closed, organization=a, status=Invitation.Status.ACCEPTED, listed_to_participants=True
    )
    registration = RegistrationFactory(
        event=closed,
        user=a_member,
        invitation=event_invitation,
        needs_visa_letter=True,
        visa_letter_issued_at=timezone.now(),
    )
    minutes = EventDocumentFactory(event=closed, file=ContentFile(_pdf_with(MINUTES), name="minutes.pdf"))
    quiet = OrganizationFactory(slug="detainees-families", name_en=QUIET_PARTICIPANT, name_ar="", acronym="")
    RegistrationFactory(
        event=closed,
        invitation=InvitationFactory(event=closed, organization=quiet, status=Invitation.Status.ACCEPTED),
    )
    RegistrationFactory(
        event=closed,
        invitation=InvitationFactory(
            event=closed, organization=hidden, status=Invitation.Status.ACCEPTED, listed_to_participants=True
        ),
    )
    # A colleague of A invited by email as its delegate: the seat is held until they accept.
    delegation = MembershipInvitation.objects.create(organization=a, email="colleague@example.org")
    SeatHold.objects.create(
        invitation=event_invitation,
        membership_invitation=delegation,
        email=delegation.email,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    draft_event = EventFactory(owner=h, slug="consultation-in-preparation", title_en=DRAFT_EVENT, status="draft")
    CalendarFeed.objects.create(user=a_member, token_hash=hash_feed_token(FEED_TOKEN))
    CalendarFeed.objects.create(organization=a, token_hash=hash_feed_token(A_FEED_TOKEN))
    CalendarFeed.objects.create(organization=hidden, token_hash=hash_feed_token(HIDDEN_FEED_TOKEN))

    # Bulletins: a published edition and a draft of H's publication; H's mailing list and a campaign.
    publication = PublicationFactory(owner=h, slug="victim-support-project")
    edition = EditionFactory(publication=publication, number=1)
    mention = ItemFactory(section=SectionFactory(edition=edition))
    mention.organizations.add(a, unlisted, hidden)
    mention.events.add(closed)
    draft_edition = EditionFactory(publication=publication, number=2, title_en=DRAFT_EDITION, status="draft")
    draft_section = SectionFactory(edition=draft_edition)
    draft_item = ItemFactory(section=draft_section)
    for each in (edition, draft_edition):
        # Rendered ahead: in a test the on_commit that queues the rendering never runs.
        html_version = newsletter_services.edition_html(each, "en")
        pdf.ensure_pdf(html_version)
        EditionPDF.objects.create(
            edition=each, language="en", content_key=pdf.content_key(html_version), status="ready"
        )
    mailing_list = MailingListFactory(owner=h, publication=publication, slug="victim-support-news")
    subscription = SubscriptionFactory(mailing_list=mailing_list, subscriber__email=SUBSCRIBER)
    pending = SubscriptionFactory(mailing_list=mailing_list, status="pending")
    campaign = CampaignFactory(mailing_list=mailing_list)
    Delivery.objects.create(campaign=campaign, subscription=subscription)
    Claim.objects.create(campaign=campaign, token="lease-0", worker="worker-1:42", expires_at=timezone.now())

    # Statements of H: a draft, and a published one endorsed by A (named) and by the unlisted organisation.
    draft_statement = StatementFactory(
        owner=h, slug="statement-in-preparation", title_en=DRAFT_STATEMENT, status="draft"
    )
    statement = StatementFactory(
        owner=h,
        slug="open-letter-on-detainees",
        title_en="Open letter on the detainees",
        status="published",
        published_on=datetime.date(2025, 3, 1),
    )
    EndorsementFactory(statement=statement, organization=a, named_publicly=True)
    EndorsementFactory(statement=statement, organization=unlisted, named_publicly=False)
    EndorsementFactory(statement=statement, organization=hidden, named_publicly=True)
    statement_services.record_endorsement(users["coord_h"], statement, recorded, named_publicly=True)
    StatementHistoryEntry.objects.create(statement=statement, actor=users["coord_h"], action="published")

    # Consultations of H: an open call to invited A (A's confidential submission, with a recommendation and an
    # attachment), a draft, and a closed one whose "what we heard" quotes B without naming it.
    consultation = ConsultationFactory(host=h, slug="gender-strategy", audience="invited")
    consultation.invited.add(a)
    consultation_document = ConsultationDocument.objects.create(
        consultation=consultation, title="Draft Gender Strategy", file=ContentFile(_pdf_with("Draft"), name="d.pdf")
    )
    submission = SubmissionFactory(
        consultation=consultation,
        organization=a,
        answers={str(consultation.questions.get().pk): SUBMISSION},
        submitted_by=users["a_owner"],
    )
    recommendation = Recommendation.objects.create(submission=submission, text=f"{SUBMISSION}: hear the families")
    attachment = Attachment.objects.create(
        submission=submission, title="Annex", file=ContentFile(_pdf_with(SUBMISSION), name="annex.pdf")
    )
    draft_consultation = ConsultationFactory(
        host=h, slug="children-youth-strategy", title_en=DRAFT_CONSULTATION, status="draft"
    )
    heard = ConsultationFactory(
        host=h,
        slug="strategy-heard",
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
        summary_en="We heard about the barriers to surfacing gender-based violence.",
    )
    heard_submission = SubmissionFactory(
        consultation=heard, organization=b, use="quote", answers={str(heard.questions.get().pk): "Quotable words"}
    )
    quotation = consultation_services.add_quotation(users["coord_h"], heard_submission, "Quotable words")
    consultation_services.publish_summary(users["coord_h"], heard)

    # One row of every other model the admin shows.
    Group.objects.create(name="Reviewers")
    Topic.objects.get_or_create(slug="enforced-disappearance", defaults={"name": "Enforced disappearance"})
    Governorate.objects.get_or_create(code="idlib", defaults={"name": "Idlib"})
    Token.objects.create(user=users["a_owner"])
    EventSeries.objects.create(owner=h, slug="lausanne-platform", title="Lausanne Platform")
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="matrix reminders", task="events.tasks.send_event_reminders", interval=interval)
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=46.2, longitude=6.1)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    operator = users["operator"]
    apps.get_model("portal", "AuditEntry").objects.create(
        actor=operator, actor_email=operator.email, action="export", target_repr="directory"
    )
    for role_name in WITH_AUTHENTICATOR:
        # Coordinating and operating need an authenticator app (portal.access.viewer_of).
        if not Authenticator.objects.filter(user=users[role_name], type=Authenticator.Type.TOTP).exists():
            TOTP.activate(users[role_name], TOTP_SECRET)

    sessions = {}
    for role_name, user in users.items():
        if user is not None:
            client = sign_in(Client(), user, second_factor=role_name in SECOND_FACTOR_PASSED)
            sessions[role_name] = client.cookies[settings.SESSION_COOKIE_NAME].value

    world = World(
        users=users,
        sessions=sessions,
        token=Token.objects.create(user=users["h_password"]).key,
        a=a,
        h2=h2,
        draft_org=draft_org,
        unlisted=unlisted,
        network=network,
        suspended_by_operator=suspended_by_operator,
        a_member_membership=a_member_membership,
        membership_invitation=invitation,
        invitation_token=signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.token)),
        delegation_token=signing.TimestampSigner(salt=INVITATION_SALT).sign(str(delegation.token)),
        join_request=JoinRequestFactory(organization=a, user__email="applicant@example.org"),
        network_link=NetworkMembershipFactory(network=network, member=a),
        mou=mou,
        mou_party=mou_party,
        protocol=protocol,
        accession=AccessionRequestFactory(agreement=protocol, organization=a, requested_by=users["a_owner"]),
        closed=closed,
        draft_event=draft_event,
        event_invitation=event_invitation,
        registration=registration,
        session=SessionFactory(event=closed, room=LINK),
        minutes=minutes,
        publication=publication,
        edition=edition,
        draft_edition=draft_edition,
        draft_section=draft_section,
        draft_item=draft_item,
        mailing_list=mailing_list,
        pending_subscription=pending,
        campaign=campaign,
        statement=statement,
        draft_statement=draft_statement,
        hidden=hidden,
        session_record=SignedInSession.objects.create(user=a_member, key_hash="0" * 64, network=SESSION_NETWORK),
        consultation=consultation,
        draft_consultation=draft_consultation,
        heard=heard,
        submission=submission,
        recommendation=recommendation,
        attachment=attachment,
        consultation_document=consultation_document,
        quotation=quotation,
    )
    world.admin_objects = _admin_objects()
    return world


def _admin_objects() -> dict[tuple[str, str], str]:
    """The id of one row of each model in the admin, as its addresses name it."""
    found = {}
    for app_label, model_name in ADMIN_MODELS:
        model = apps.get_model(app_label, model_name)
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"seed() made no {app_label}.{model_name}"
        # The admin names a token by its user (rest_framework.authtoken.admin.TokenAdmin.get_object).
        found[(app_label, model_name)] = str(row.user_id if model_name == "tokenproxy" else row.pk)
    return found


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world, seeded once for the module and rolled back after it; files in a folder of its own."""
    folder = tmp_path_factory.mktemp("url-matrix")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=folder / "media", PRIVATE_MEDIA_ROOT=folder / "private"),
        pytest.MonkeyPatch.context() as patch,
    ):
        # A FileField's storage callable ran when the model loaded: give the private fields this folder.
        for model, name in (
            (Agreement, "document"),
            (Document, "file"),
            (ConsultationDocument, "file"),
            (Attachment, "file"),
        ):
            patch.setattr(model._meta.get_field(name), "storage", private_storage())
        with transaction.atomic():
            seeded = seed()
            plant_overrides()
            # Check the seed's deferred foreign keys now, once: otherwise every test's teardown (Django's
            # TestCase checks constraints) would check them all again.
            connection.check_constraints()
            yield seeded
            transaction.set_rollback(True)


def plant_overrides() -> None:
    """End every name and title people type (each SingleLineField) with a right-to-left override, written past
    the cleaning as an old row may hold it: every page must isolate it (test_route, tests/security/bidi.py)."""
    for model in apps.get_models():
        for name_field in model._meta.concrete_fields:
            if isinstance(name_field, SingleLineField):
                table, column = (connection.ops.quote_name(n) for n in (model._meta.db_table, name_field.column))
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET {column} = {column} || %s WHERE {column} <> ''",  # noqa: S608
                        [OVERRIDE],
                    )


# The matrix ------------------------------------------------------------------------------------------------


@cache
def _client(role: str, token: str = "") -> Client:
    # One client per role for the whole module: a new one would load the middleware again for every request.
    return Client(HTTP_AUTHORIZATION=f"Token {token}") if token else Client()


def client_as(world: World, role: str) -> Client:
    """A browser signed in as `role` (none for anonymous visitors, an API token for H_TOKEN), with no cookie left
    from an earlier test."""
    client = _client(role, world.token if role == H_TOKEN else "")
    client.cookies.clear()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def readable_text(response: Any) -> str:
    """Everything a person could read in the response: the body as text (a PDF's extracted text too, an
    iCalendar file unfolded), entities and percent-escapes decoded."""
    # Reading a streamed file to its end closes it (the test client's wrapper does, as a WSGI server would).
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [raw.decode("utf-8", errors="replace")]
    if raw.startswith(b"%PDF"):
        try:
            parts.append(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages))
        except PdfReadError:
            pass
    text = "\n".join(parts).replace("\r\n ", "").replace("\r\n\t", "")
    return unquote(html.unescape(text))


def _squeezed(text: str) -> str:
    # A canary wrapped across lines in a PDF, or spaced differently in a tel: link, is still that canary.
    return "".join(text.split())


def leaked_canaries(text: str, role: str, item: Case) -> list[str]:
    squeezed = _squeezed(text)
    hidden = {
        canary.text: (*canary.seen_by, *item.also_seen_by.get(key, ())) for key, canary in CANARIES.items()
    } | dict(item.hidden_here)
    return [needle for needle, seen_by in hidden.items() if role not in seen_by and _squeezed(needle) in squeezed]


MATRIX = [
    pytest.param(key, index, role, id=f"{key}{f'[{item.label}]' if item.label else ''}-{role}")
    for key, cases in ROUTES.items()
    for index, item in enumerate(cases)
    for role in (*ROLES, H_TOKEN)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "index", "role"), MATRIX)
def test_route(world: World, key: str, index: int, role: str) -> None:
    item = ROUTES[key][index]
    url = item.url(world)
    if key in OPTIONAL_ROUTES and key not in walk_routes():
        pytest.skip(f"{key} is not in this configuration's URLconf")
    assert key_of(urlsplit(url).path) == key, f"{url} does not reach the route {key}"

    response = client_as(world, role).get(url)
    text = readable_text(response)
    expected = item.expect[as_whom(role, url)]

    assert response.status_code < 500, f"GET {url} as {role}: {response.status_code}"
    assert response.status_code == expected, (
        f"GET {url} as {role}: {response.status_code}, expected {expected}"
        + (f" ({item.why})" if item.why else "")
        + (f" -> {response['Location']}" if response.has_header("Location") else "")
    )
    leaked = leaked_canaries(text, as_whom(role, url), item)
    assert not leaked, f"GET {url} as {role} shows what they may not see: {leaked}"
    # Django's admin is its own; every page of the portal isolates names and titles.
    if response.get("Content-Type", "").startswith("text/html") and not key.startswith("admin:"):
        turned = leaking(response.content.decode())
        assert not turned, f"GET {url} as {role} shows names that turn the text after them around: {turned}"
    if response.get("Content-Type", "").startswith("text/csv"):
        assert key in CSV_EXPORTS, f"{key} serves CSV: list it in tests/security/test_csv_exports.py CSV_EXPORTS"


def test_canaries_are_seen_by_those_allowed(world: World, db: None) -> None:
    """The canaries are really there for those allowed to see them: the absence asserted above means something."""
    where = {
        "email": ("a_member", en(f"organizations/{world.a.slug}/")),
        "phone": ("a_member", en(f"organizations/{world.a.slug}/")),
        "history_actor": ("a_owner", en(f"organizations/{world.a.slug}/history/")),
        "old_email": ("a_owner", en(f"organizations/{world.a.slug}/history/")),
        "draft_org": ("coord_h2", en(f"organizations/{world.draft_org.slug}/")),
        "mou": ("a_owner", en(f"agreements/{world.mou.slug}/document/")),
        "street": ("a_member", en(f"events/{world.closed.slug}/")),
        "link": ("a_member", en(f"events/{world.closed.slug}/calendar.ics")),
        "closed_event": ("a_editor", "/api/v1/events/"),
        "minutes": ("a_member", en(f"events/{world.closed.slug}/documents/{world.minutes.pk}/")),
        "draft_event": ("operator", en(f"events/{world.draft_event.slug}/calendar.ics")),
        "draft_edition": ("coord_h", en(f"bulletins/{world.publication.slug}/{world.draft_edition.number}/pdf/")),
        "subscriber": ("coord_h", en(f"bulletins/lists/{world.mailing_list.slug}/export.csv")),
        "draft_statement": ("coord_h", en("statements/")),
        "unnamed_endorser": ("coord_h", en(f"statements/{world.statement.slug}/manage/")),
        "recorded_endorser": ("coord_h", en(f"statements/{world.statement.slug}/manage/")),
        "hidden_org": ("coord_h", en(f"statements/{world.statement.slug}/manage/")),
        "session_network": ("a_member", en("accounts/sessions/")),
        "submission": ("a_member", en(f"consultations/{world.consultation.slug}/submissions/{world.submission.pk}/")),
        "draft_consultation": ("coord_h", en("consultations/")),
    }
    # The canaries seen by nobody are there all the same: the feeds answer at their addresses (test_route).
    assert set(where) == {key for key, canary in CANARIES.items() if canary.seen_by}
    shown = {key: (role, url, CANARIES[key].text) for key, (role, url) in where.items()}
    # The organisers see every participant on the event's page, where the others see only those listed.
    shown["quiet participant"] = ("coord_h", en(f"events/{world.closed.slug}/"), QUIET_PARTICIPANT)
    # Coordinators review other organisations than hosts: the form hidden on the hosts' profiles is there on A's.
    shown["review form"] = ("coord_h2", en(f"organizations/{world.a.slug}/"), REVIEW_FORM)
    for key, (role, url, text) in shown.items():
        response = client_as(world, role).get(url)
        assert response.status_code == 200, (key, url, response.status_code)
        assert _squeezed(text) in _squeezed(readable_text(response)), (key, url)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "operator"])
def test_every_route_refuses_a_body_over_its_limit_unread(world: World, role: str) -> None:
    """A POST to any route saying its body is larger than that route takes (portal.uploads.body_limit) gets
    413 before anything reads it: the body the test client holds is a few bytes, and reading past them fails."""
    client = client_as(world, role)
    for key, cases in ROUTES.items():
        if key in OPTIONAL_ROUTES and key not in walk_routes():
            continue
        url = cases[0].url(world)
        limit = body_limit(resolve(urlsplit(url).path).func, signed_in=role != "anonymous")
        response = client.post(
            url, data=b"x=1", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=str(limit + 1)
        )
        assert response.status_code == 413, f"POST {url} as {role} with {limit + 1} bytes: {response.status_code}"
