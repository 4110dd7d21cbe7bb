"""Checking and re-encoding what people upload: by content, never by name or declared type."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


def reencode_image(upload: UploadedFile, *, max_side: int, max_bytes: int = MAX_IMAGE_BYTES) -> ContentFile:
    """Return `upload` re-encoded as PNG or JPEG, at most `max_side` pixels wide and high.

    Re-encoding drops metadata (GPS positions in photos can endanger people) and anything that is not
    pixels. Raises ValidationError, with a translated message, for non-images and oversized files.
    """
    if upload.size and upload.size > max_bytes:
        raise ValidationError(
            _("The image is too large (%(size)s). The limit is %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as original:
            original.load()
            has_alpha = original.mode in ("RGBA", "LA", "P")
            image = original.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((max_side, max_side))
            buffer = io.BytesIO()
            if has_alpha:
                image.save(buffer, format="PNG", optimize=True)
                extension = "png"
            else:
                image.save(buffer, format="JPEG", quality=85, optimize=True)
                extension = "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("Upload a valid image (PNG, JPEG, GIF or WebP). This file is not an image or is damaged."),
            code="invalid_image",
        ) from exc
    # A random name: the uploaded one may say more about its author than they meant to publish.
    return ContentFile(buffer.getvalue(), name=f"{get_random_string(20).lower()}.{extension}")


MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def check_pdf(upload: UploadedFile, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> UploadedFile:
    """Return `upload` if it is a real, readable PDF within the size limit; ValidationError otherwise."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if upload.size and upload.size > max_bytes:
        raise ValidationError(
            _("The document is too large (%(size)s). The limit is %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        raise ValidationError(_("The document must be a PDF file."), code="not_pdf")
    upload.seek(0)
    try:
        pages = len(PdfReader(upload).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValidationError(_("This PDF is damaged and cannot be read."), code="damaged_pdf") from exc
    if pages == 0:
        raise ValidationError(_("This PDF has no pages."), code="empty_pdf")
    upload.seek(0)
    upload.name = f"{get_random_string(20).lower()}.pdf"
    return upload


View = TypeVar("View", bound=Callable[..., Any])


def accepts_upload(max_bytes: int) -> Callable[[View], View]:
    """Let the decorated view receive a body larger than a form's by `max_bytes`, the largest file it takes.

    portal.middleware.RequestSizeMiddleware refuses a larger body before anything reads it. The allowance holds
    for signed-in people only: every upload view needs a login, so an anonymous visitor's body is never larger
    than a form's. The file's own limit (a logo's, a CSV import's) is checked by its form with a clearer message.
    """

    def decorator(view: View) -> View:
        view.upload_allowance = max_bytes  # type: ignore[attr-defined]
        return view

    return decorator


def body_limit(view: Callable[..., Any], *, signed_in: bool) -> int:
    """The largest request body `view` may receive: a form's (settings.DATA_UPLOAD_MAX_MEMORY_SIZE), and for
    signed-in people the file its accepts_upload allows."""
    allowance = getattr(view, "upload_allowance", 0) if signed_in else 0
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + allowance
