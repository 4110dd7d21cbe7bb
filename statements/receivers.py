"""What statements add to an organisation's data export (organizations.signals), connected in
StatementsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from organizations import signals
from organizations.models import Organization
from portal.models import User
from statements import services
from statements.models import Endorsement, Statement


@receiver(signals.export_sections, dispatch_uid="statements_export_section")
def export_section(sender: type, *, user: User, organization: Organization, **kwargs: Any) -> dict[str, Any]:
    """The organisation's endorsements of the statements `user` may see."""
    endorsements = organization.endorsements.filter(statement__in=Statement.objects.visible_to(user))
    # Someone outside the organisation (an operator) reads here what it endorsed without being named: audited.
    unnamed = endorsements.exclude(Endorsement.named_q())
    for statement in Statement.objects.filter(endorsements__in=unnamed).distinct():
        services.record_unnamed_endorsers_seen(
            user, statement, unnamed.filter(statement=statement), where="organization export"
        )
    return {
        "endorsements": [
            {
                "statement": endorsement.statement.title,
                "statement_address": endorsement.statement.slug,
                "named_publicly": endorsement.named_publicly,
                "source": endorsement.source,
                "endorsed": endorsement.created_at,
            }
            for endorsement in endorsements.select_related("statement")
        ]
    }
