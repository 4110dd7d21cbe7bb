"""A person's rights over the data the portal holds about them: take a copy of it, delete the account.

Both are the person's own doing for their own account: the views check nothing beyond being signed in
(and, for deletion, the password typed again).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from consultations.models import Submission
from events import services as event_services
from events.models import CalendarFeed, Registration, SeatHold
from newsletters.models import Subscriber, Subscription
from organizations import services as organization_services
from organizations.models import JoinRequest, Membership, MembershipInvitation
from portal import audit
from portal.models import AuditEntry, SignedInSession, TokenUse, User
from statements.models import Endorsement


def addresses_of(user: User) -> set[str]:
    """Every email address of `user`, lower-cased: the login and the addresses allauth keeps."""
    emails = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    return {user.email.lower(), *(email.lower() for email in emails)}


def _any_address(field: str, emails: set[str]) -> Q:
    condition = Q(pk__in=[])
    for email in emails:
        condition |= Q(**{f"{field}__iexact": email})
    return condition


def personal_data(user: User) -> dict[str, Any]:
    """Everything the portal holds about `user`, as plain data for a JSON download: never anyone else's
    (organisations and events appear by name, other people not at all)."""
    emails = addresses_of(user)
    token = Token.objects.filter(user=user).first()
    return {
        "generated_at": timezone.now(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary").order_by("email")
        ),
        # Whether the person has a calendar feed address and since when; never its token's hash.
        "calendar_feed": list(CalendarFeed.objects.filter(user=user).values("created_at")),
        "two_factor_authentication": list(
            Authenticator.objects.filter(user=user).values("type", "created_at", "last_used_at").order_by("pk")
        ),
        "memberships": [
            {
                "organization": membership.organization.name,
                "organization_address": membership.organization.slug,
                "role": membership.role,
                "joined": membership.created_at,
            }
            for membership in Membership.objects.filter(user=user).select_related("organization")
        ],
        "join_requests": [
            {
                "organization": join_request.organization.name,
                "message": join_request.message,
                "status": join_request.status,
                "created": join_request.created_at,
                "decided": join_request.decided_at,
            }
            for join_request in JoinRequest.objects.filter(user=user).select_related("organization")
        ],
        "invitations": [
            {
                "organization": invitation.organization.name,
                "email": invitation.email,
                "role": invitation.role,
                "created": invitation.created_at,
                "accepted": invitation.accepted_at,
            }
            for invitation in MembershipInvitation.objects.filter(_any_address("email", emails)).select_related(
                "organization"
            )
        ],
        "event_registrations": [
            {
                "event": registration.event.title,
                "event_address": registration.event.slug,
                "starts": registration.event.starts_at,
                "on_behalf_of": registration.organization.name if registration.organization else None,
                "status": registration.status,
                "interest_statement": registration.interest_statement,
                "accessibility_needs": registration.accessibility_needs,
                "needs_visa_letter": registration.needs_visa_letter,
                "visa_letter_issued": registration.visa_letter_issued_at,
                "created": registration.created_at,
            }
            for registration in Registration.objects.filter(user=user).select_related("event", "organization")
        ],
        "endorsements": [
            {
                "statement": endorsement.statement.title,
                "statement_address": endorsement.statement.slug,
                "organization": endorsement.organization.name,
                "named_publicly": endorsement.named_publicly,
                "endorsed": endorsement.created_at,
            }
            for endorsement in Endorsement.objects.filter(endorsed_by=user).select_related("statement", "organization")
        ],
        "consultation_submissions": [
            {
                "consultation": submission.consultation.title,
                "consultation_address": submission.consultation.slug,
                "organization": submission.organization.name,
                "submitted": submission.submitted_at,
            }
            for submission in Submission.objects.filter(submitted_by=user).select_related(
                "consultation", "organization"
            )
        ],
        "subscriptions": [
            {
                "mailing_list": subscription.mailing_list.name,
                "email": subscription.subscriber.email,
                "language": subscription.subscriber.language,
                "status": subscription.status,
                "source": subscription.source,
                "created": subscription.created_at,
                "confirmed": subscription.confirmed_at,
                "unsubscribed": subscription.unsubscribed_at,
            }
            for subscription in Subscription.objects.filter(_any_address("subscriber__email", emails)).select_related(
                "mailing_list", "subscriber"
            )
        ],
        # "Your sessions" (portal/sessions.py): never the session keys, of which only a hash is kept anyway.
        "signed_in_sessions": list(
            SignedInSession.objects.filter(user=user).values("user_agent", "network", "created_at", "last_seen_at")
        ),
        "api_key": {
            "created": token.created,
            "last_used": TokenUse.objects.filter(user=user).values_list("last_used_at", flat=True).first(),
        }
        if token is not None
        else None,
        # What the person did, when and from where; the details (which may name other members) are left out.
        "audit_log": list(
            AuditEntry.objects.filter(actor=user).values(
                "created_at", "action", "ip_address", "user_agent", "target_repr"
            )
        ),
    }


def delete_account(user: User) -> None:
    """Delete `user`'s account and the personal data that hangs on it.

    Refused (ValidationError) while they are the last owner of an organisation that has other members.
    Otherwise they leave every organisation (whose history then speaks of "a former member"), their upcoming
    seats at events go to the waiting list, their registrations (with what they wrote in them) and their
    subscriptions go, and the account goes. What they made for their organisations (profiles, statements,
    endorsements, history) stays, its author left empty. The audit log records the deletion and keeps, for
    its retention period, only the hash of their addresses.
    """
    emails = addresses_of(user)
    with transaction.atomic(durable=True):
        organization_services.forget_member(user, emails)
        upcoming = Registration.objects.filter(
            user=user, status__in=Registration.ACTIVE, event__ends_at__gte=timezone.now()
        ).select_related("event")
        for registration in upcoming:
            event_services.cancel_registration(user, registration)
        # Subscriptions are kept by address, not by account: every address the person had goes, and so do the
        # seats once held for them as a delegate invited by email.
        Subscriber.objects.filter(_any_address("email", emails)).delete()
        SeatHold.objects.filter(_any_address("email", emails)).delete()
        audit.record(None, audit.Action.ACCOUNT_DELETED, actor=user)
        audit.pseudonymise(user, emails)
        user.delete()  # registrations, join requests, email addresses and authenticators go with it
