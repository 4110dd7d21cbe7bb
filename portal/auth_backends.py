"""Django's and allauth's authentication backends, reading the person of each signed-in request with one plain
statement built once from the user model (`portal.rows.read_one`), instead of building and compiling an ORM query
every time: it was a tenth of the time of a signed-in page (bench/README.md, issue 16)."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from portal.rows import read_one


class _ReadsThePersonDirectly:
    def get_user(self, user_id: Any) -> Any:
        user = read_person(user_id)
        # As Django's: an inactive person has no session.
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_ReadsThePersonDirectly, DjangoModelBackend):
    pass


class AuthenticationBackend(_ReadsThePersonDirectly, AllauthBackend):
    pass


def read_person(pk: Any) -> Any:
    """The user with primary key `pk`, or None: the row the ORM's `get(pk=pk)` would read, as the ORM builds it."""
    return read_one(get_user_model(), pk=pk)
