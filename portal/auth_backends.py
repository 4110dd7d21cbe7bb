"""Django's and allauth's authentication backends, reading the person of each signed-in request with one plain
statement built once from the user model (`portal.rows.read_one`), instead of building and compiling an ORM query
every time: it was a tenth of the time of a signed-in page (bench/README.md, issue 16)."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from portal import publiccache
from portal.rows import read_one, read_one_with


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
    """The user with primary key `pk`, or None: the row the ORM's `get(pk=pk)` would read, as the ORM builds it.
    It is a request's first statement: where the request shares values and will read the public stamp, the stamp
    is read with it (portal.publiccache.keep_stamp), in the same round trip."""
    if not publiccache.stamp_unread():
        return read_one(get_user_model(), pk=pk)
    found = read_one_with(get_user_model(), publiccache.STAMP_COLUMN, pk=pk)
    if found is None:
        return None
    person, stamp = found
    publiccache.keep_stamp(stamp)
    return person
