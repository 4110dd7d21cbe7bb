from __future__ import annotations

from celery import shared_task

from portal import pdf
from statements import services
from statements.models import Statement


@shared_task
def render_statement_pdf(statement_id: int, language: str) -> str | None:
    """Render a statement in one language. Safe to run twice: the file is keyed by its content."""
    statement = Statement.objects.select_related("owner").filter(pk=statement_id).first()
    if statement is None:
        return None
    return pdf.ensure_pdf(services.statement_pdf_html(statement, language)).name
