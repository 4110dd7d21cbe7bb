"""Addresses (slugs) for things people create: readable, stable, unique."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.crypto import get_random_string
from django.utils.text import slugify

MAX_BASE_LENGTH = 70
# Lower-case letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
SUFFIX_CHARACTERS = "abcdefghjkmnpqrstuvwxyz23456789"
SUFFIX_LENGTH = 4


def unique_slug(
    model: type[models.Model],
    *candidates: str,
    fallback: str,
    reserved: Iterable[str] = (),
    exclude_pk: int | None = None,
    always_suffixed: bool = False,
) -> str:
    """The first candidate that slugifies to something (an Arabic-only name does not: the next candidate,
    such as an acronym, is tried), cut between words, numbered until no other row of `model` has it.

    With `always_suffixed`, a short random suffix is added every time instead of a number when taken: the
    address then says nothing about the other rows, some of which the person may not know exist."""
    base = next((slugify(candidate) for candidate in candidates if slugify(candidate or "")), "") or fallback
    if len(base) > MAX_BASE_LENGTH:
        base = base[: MAX_BASE_LENGTH + 1].rsplit("-", 1)[0]
    reserved = set(reserved)

    def taken(slug: str) -> bool:
        return slug in reserved or model._default_manager.filter(slug=slug).exclude(pk=exclude_pk).exists()

    if always_suffixed:
        while taken(slug := f"{base}-{get_random_string(SUFFIX_LENGTH, SUFFIX_CHARACTERS)}"):
            pass
        return slug
    slug, counter = base, 2
    while taken(slug):
        slug, counter = f"{base}-{counter}", counter + 1
    return slug
