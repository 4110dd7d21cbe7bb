"""Statement outreach: an open letter's invitations to endorse go out as a campaign.

Statements and newsletters sit on the same floor and never import each other; this module, above both, joins them.
statements says whom to invite (the owners of the verified organisations matching a filter that have not endorsed)
and what to write (its invitation, in every language); newsletters sends it as a campaign of the statement owner's
outreach list (newsletters.services.start_outreach): the Delivery ledger, the unsubscribe link in every message, the
progress the outreach page shows, and the sending limit shared with all other mail.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from newsletters import services as newsletters
from newsletters.models import Campaign, MailingList
from organizations.models import Membership
from portal.models import User
from statements import services as statements
from statements.models import Statement


@transaction.atomic
def send_outreach(
    actor: User, statement: Statement, criteria: dict[str, str], *, queue_sending: newsletters.QueueSending
) -> tuple[int, Campaign]:
    """Invite the owners of the organisations matching `criteria` to endorse `statement`, each once in their own
    language; an owner who unsubscribed from the statement owner's invitations is not written to. Returns how many
    organisations were invited, and the campaign."""
    statements.check_outreach(statement)
    organizations = list(statements.outreach_recipients(actor, statement, **criteria))
    owners = User.objects.filter(
        is_active=True, memberships__organization__in=organizations, memberships__role=Membership.Role.OWNER
    ).distinct()
    campaign = newsletters.start_outreach(
        actor,
        statement.owner,
        [newsletters.Recipient(owner.email, owner.preferred_language) for owner in owners],
        statements.outreach_message(statement),
        queue_sending=queue_sending,
    )
    statements.record_outreach(actor, statement, len(organizations), criteria)
    return len(organizations), campaign


def sent_outreach(statement: Statement) -> QuerySet[Campaign]:
    """The invitations its owner has sent, newest first (they name the statement in their subject)."""
    return Campaign.objects.filter(
        mailing_list__owner=statement.owner, mailing_list__kind=MailingList.Kind.OUTREACH
    ).select_related("mailing_list")
