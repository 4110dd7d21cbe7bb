"""Addresses (slugs) for things people create: readable, stable, unique."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.text import slugify

MAX_BASE_LENGTH = 70


def unique_slug(
    model: type[models.Model],
    *candidates: str,
    fallback: str,
    reserved: Iterable[str] = (),
    exclude_pk: int | None = None,
) -> str:
    """The first candidate that slugifies to something (an Arabic-only name does not: the next candidate,
    such as an acronym, is tried), cut between words, numbered until no other row of `model` has it."""
    base = next((slugify(candidate) for candidate in candidates if slugify(candidate or "")), "") or fallback
    if len(base) > MAX_BASE_LENGTH:
        base = base[: MAX_BASE_LENGTH + 1].rsplit("-", 1)[0]
    reserved = set(reserved)
    slug, counter = base, 2
    while slug in reserved or model._default_manager.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug
