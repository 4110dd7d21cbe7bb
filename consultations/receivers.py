"""What consultations add to an organisation's data export (organizations.signals), connected in
ConsultationsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from consultations.models import Submission
from organizations import signals
from organizations.models import Organization
from portal.models import User


@receiver(signals.export_sections, dispatch_uid="consultations_export_section")
def export_section(sender: type, *, user: User, organization: Organization, **kwargs: Any) -> dict[str, Any]:
    """The organisation's submissions to consultations, with its recommendations and the host's answers, as far
    as `user` may read them."""
    submissions = Submission.objects.visible_to(user).filter(organization=organization)
    return {
        "consultation_submissions": [
            {
                "consultation": submission.consultation.title,
                "consultation_address": submission.consultation.slug,
                "status": submission.status,
                "language": submission.language,
                "use": submission.use,
                "answers": submission.answers,
                "submitted": submission.submitted_at,
                "recommendations": [
                    {"text": item.text, "response": item.response, "reason": item.reason}
                    for item in submission.recommendations.all()
                ],
            }
            for submission in submissions.select_related("consultation").prefetch_related("recommendations")
        ]
    }
