"""PDF rendering with WeasyPrint: fonts installed on the machine, assets from this site only.

A PDF is stored under its content hash, so rendering the same document twice (a retried task, two
visitors at once) writes the same file once, and a changed document gets a new file. This is the worker's
side (portal.tasks.render_pdf); asking for a PDF from a page or a service is portal.printing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation


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

    document = HTML(string=html, base_url=settings.SITE_URL, url_fetcher=LocalOnlyFetcher())
    resolve_auto_direction(document.etree_element)
    return document.write_pdf()


# Elements whose text does not count for the direction of the element around them (HTML's "auto" directionality).
_OWN_DIRECTION = {"bdi", "script", "style", "textarea"}


def _first_strong_direction(element: Any) -> str | None:
    """ "ltr" or "rtl" after the first strongly directional character of `element`'s text, skipping the
    descendants that have a direction of their own; None when there is none."""
    for text in _own_texts(element):
        for char in text:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return None


def _own_texts(element: Any) -> Any:
    yield element.text or ""
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _OWN_DIRECTION and child.get("dir") is None:
            yield from _own_texts(child)
        yield child.tail or ""


def resolve_auto_direction(root: Any) -> None:
    """Give every `<bdi>` and `dir="auto"` element of `root` the direction of its first strong character.

    Browsers do this (HTML's directionality), WeasyPrint does not: it lays out each element in the direction it
    inherits, so an Arabic name in an English sentence would be set left to right. WeasyPrint already shapes every
    inline element on its own, which isolates it as `unicode-bidi: isolate` would; it only lacks the direction.
    An element without any strong character keeps the direction around it."""
    for element in root.iter():
        if (element.tag == "bdi" and element.get("dir") in (None, "auto")) or element.get("dir") == "auto":
            direction = _first_strong_direction(element)
            if direction:
                element.set("dir", direction)
            else:
                element.attrib.pop("dir", None)


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


@dataclass(frozen=True)
class Printout:
    """One document in one language as its print HTML: an edition, an agreement, a statement, a visa letter.

    The HTML is built once, by the request or service that asks for the PDF; its hash names the file, and the
    rendering task receives the HTML itself, so the worker prints exactly the version that was asked for.
    """

    kind: str  # "edition", "agreement", "statement", "visa_letter": which app's document, for its follower
    object_id: int
    language: str
    html: str

    @cached_property
    def key(self) -> str:
        return content_key(self.html)

    @property
    def stored(self) -> Path:
        return stored_pdf(self.key)


Follower = Callable[[Printout], AbstractContextManager[object]]
# The apps that keep their own record of each rendering (the state of an edition's PDF that its coordinators
# see) register a follower for their kind in AppConfig.ready(): portal, the floor below them, imports no app.
_followers: dict[str, Follower] = {}


def follow(kind: str, follower: Follower) -> None:
    """Wrap every rendering of `kind` in `follower(printout)`, a context manager that sees it start, fail
    (the exception goes through it) or end with the file stored."""
    _followers[kind] = follower


def render(printout: Printout) -> Path:
    """Store the PDF of `printout` (the worker's side), within its kind's follower if it has one."""
    with _followers.get(printout.kind, nullcontext)(printout):
        return ensure_pdf(printout.html)
