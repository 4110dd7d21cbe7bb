from __future__ import annotations

from celery import shared_task

from agreements import services
from agreements.models import Agreement
from portal import pdf


@shared_task
def render_agreement_pdf(agreement_id: int, language: str) -> str | None:
    """Render an agreement's public summary. Safe to run twice: the file is keyed by its content."""
    agreement = Agreement.objects.select_related("owner").filter(pk=agreement_id).first()
    if agreement is None:
        return None
    return pdf.ensure_pdf(services.agreement_summary_html(agreement, language)).name
