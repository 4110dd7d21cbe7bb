"""PDF rendering with WeasyPrint: fonts installed on the machine, assets from this site only.

A PDF is stored under its content hash, so rendering the same document twice (a retried task, two
visitors at once) writes the same file once, and a changed document gets a new file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render


def content_key(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def stored_pdf(key: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "pdf" / f"{key}.pdf"


def _local_file(url: str) -> Path | None:
    """The file on disk behind a /static/ or /media/ URL of this site, or None."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    path = parts.path
    if path.startswith(settings.STATIC_URL):
        try:
            found = finders.find(path.removeprefix(settings.STATIC_URL))
        except SuspiciousFileOperation:  # "../" out of the static folders
            return None
        return Path(found) if found else None
    if path.startswith(settings.MEDIA_URL):
        root = Path(settings.MEDIA_ROOT).resolve()
        candidate = (root / path.removeprefix(settings.MEDIA_URL)).resolve()
        return candidate if candidate.is_relative_to(root) and candidate.is_file() else None
    return None


def render_pdf(html: str) -> bytes:
    """Render `html` to PDF. Images and stylesheets load only from this site's static and media files;
    every other address (other hosts, file://, internal services) is refused."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            local = _local_file(url)
            if local is None:
                raise ValueError(f"Refused to fetch {url!r}: only this site's own files may appear in a PDF.")
            return URLFetcherResponse(url, local.read_bytes())

    return HTML(string=html, base_url=settings.SITE_URL, url_fetcher=LocalOnlyFetcher()).write_pdf()


def ensure_pdf(html: str) -> Path:
    """Render `html` unless a PDF of exactly this content is stored; return the stored file."""
    target = stored_pdf(content_key(html))
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    data = render_pdf(html)
    # Write then rename, so that a reader never sees half a file and two writers do not collide.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, target)
    return target


def serve_or_queue(
    request: HttpRequest, html: str, queue: Callable[[], object], *, filename: str, back_url: str
) -> HttpResponse:
    """Serve the stored PDF of `html`; otherwise call `queue` (which sends the rendering task) once per
    content version, however often the waiting page reloads, and show that page until the file exists."""
    stored = stored_pdf(content_key(html))
    if not stored.exists() and cache.add(f"pdf-queued:{stored.stem}", True, timeout=300):
        queue()
    # With eager tasks (the embedded default) the file exists now.
    if stored.exists():
        return FileResponse(stored.open("rb"), filename=filename, content_type="application/pdf")
    return render(request, "pdf_pending.html", {"back_url": back_url}, status=202)
