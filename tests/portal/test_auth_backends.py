"""The person of a signed-in request is read directly (portal/auth_backends.py, portal.rows.read_one), as the ORM
would read them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.auth_backends import AuthenticationBackend, ModelBackend, read_person
from portal.models import User
from portal.publiccache import (
    STAMP_COLUMN,
    STAMP_TABLE,
    _read_stamp,
    current_stamp,
    one_stamp_per_request,
    stamp_unread,
)
from portal.rows import _statement
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_person_read_directly_is_the_person_the_orm_reads() -> None:
    person = UserFactory(full_name="Amal Hasan", email="amal@stj.example.org", time_zone="Europe/Berlin")

    direct, orm = read_person(person.pk), User.objects.get(pk=person.pk)

    assert [getattr(direct, f.attname) for f in User._meta.concrete_fields] == [
        getattr(orm, f.attname) for f in User._meta.concrete_fields
    ]
    assert direct._state.adding is False and direct._state.db == "default"
    assert read_person(person.pk + 1000) is None


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_an_inactive_or_unknown_person_has_no_session(backend: type[ModelBackend]) -> None:
    person = UserFactory()
    assert backend().get_user(person.pk) == person

    User.objects.filter(pk=person.pk).update(is_active=False)

    assert backend().get_user(person.pk) is None
    assert backend().get_user(person.pk + 1000) is None


def test_a_signed_in_request_reads_the_person_once_and_a_deactivated_one_is_signed_out() -> None:
    person = UserFactory()
    client = sign_in(Client(), person)
    client.get("/en/")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/").context["user"] == person
    User.objects.filter(pk=person.pk).update(is_active=False)

    # Read once, and by the portal's backends (settings.AUTHENTICATION_BACKENDS), not by the ORM's query; the public
    # stamp the page's shared parts are keyed by comes with the person, not in a statement of its own.
    direct = _statement(User, ("pk",), "default", STAMP_COLUMN)[0].split(" WHERE ")[0]
    assert [query["sql"].startswith(direct) for query in queries.captured_queries if "portal_user" in query["sql"]] == [
        True
    ]
    assert not any(STAMP_TABLE in query["sql"] for query in queries.captured_queries[1:])
    assert not client.get("/en/").context["user"].is_authenticated


def test_the_stamp_read_with_the_person_is_the_stamp_as_committed() -> None:
    person = UserFactory()
    Client().get("/en/")  # the stamp row exists

    with one_stamp_per_request():
        assert stamp_unread()
        read_person(person.pk)
        kept = current_stamp()
        assert not stamp_unread()
    with one_stamp_per_request():
        assert read_person(person.pk + 1000) is None and stamp_unread()  # nobody: no row, no stamp

    assert kept == _read_stamp() is not None
    # Outside a request that shares values, the person is read alone.
    with CaptureQueriesContext(connection) as alone:
        read_person(person.pk)
    assert STAMP_TABLE not in alone.captured_queries[0]["sql"]
