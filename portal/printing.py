"""Asking for a PDF: serve the stored file of a printout, or queue its rendering (portal.tasks.render_pdf, the
one task for every kind) once per content version and show the waiting page meanwhile. The rendering itself is
portal.pdf, on the worker's side."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import render

from portal.pdf import Printout
from portal.tasks import render_pdf

logger = logging.getLogger(__name__)

# How long a queued rendering is trusted to be under way. Past it, the next request queues it again: the task
# may never have reached a worker (the broker was down), or it failed and may succeed now.
QUEUED_SECONDS = 300


def queue(printout: Printout, *, again: bool = False) -> None:
    """Queue the rendering of `printout` unless it is stored or already queued; with `again` (a coordinator
    asked), even if it is queued. A failure to queue, or of the rendering when tasks run in-process, is logged:
    whoever asked sees the PDF is not ready, and the next request after QUEUED_SECONDS tries again."""
    if printout.stored.exists():
        return
    mark = f"pdf-queued:{printout.key}"
    if again:
        cache.set(mark, True, timeout=QUEUED_SECONDS)
    elif not cache.add(mark, True, timeout=QUEUED_SECONDS):
        return
    try:
        render_pdf.delay(printout.kind, printout.object_id, printout.language, printout.html)
    except Exception:  # whatever failed, the person who asked gets the waiting page, not an error
        logger.exception("Rendering the PDF of %s %s (%s) failed", printout.kind, printout.object_id, printout.language)


def serve_or_queue(request: HttpRequest, printout: Printout, *, filename: str, back_url: str) -> HttpResponseBase:
    """Serve the stored PDF of `printout`; otherwise queue its rendering and show the page that waits for it."""
    queue(printout)
    # With eager tasks (the embedded default) the file exists now.
    if printout.stored.exists():
        return FileResponse(printout.stored.open("rb"), filename=filename, content_type="application/pdf")
    return render(request, "pdf_pending.html", {"back_url": back_url}, status=202)
