"""Accounts do not tell who has one, resist password guessing, and end every session when the password
changes (allauth, configured in portal/settings.py: ACCOUNT_PREVENT_ENUMERATION, ACCOUNT_RATE_LIMITS,
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE). Sign-up, verification, password reset and two-factor login themselves are
tested in tests/portal/test_accounts.py."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from portal.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import is_signed_in, log_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-77"
WRONG_PASSWORD = "not-the-passphrase-00"


def test_password_reset_answers_alike_for_known_and_unknown_addresses(client: Client, user: User) -> None:
    known = client.post("/en/accounts/password/reset/", {"email": user.email})
    unknown = client.post("/en/accounts/password/reset/", {"email": "nobody@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # The unknown address is told that it has no account; it learns nothing about anyone else.
    assert [message.to for message in mail.outbox] == [[user.email], ["nobody@example.org"]]


def test_signing_up_with_a_taken_address_answers_like_a_new_sign_up(client: Client, user: User) -> None:
    def sign_up(email: str) -> str:
        response = Client().post(
            "/en/accounts/signup/", {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert response.status_code == 302
        return response["Location"]

    assert sign_up(user.email) == sign_up("newcomer@example.org")
    assert User.objects.filter(email=user.email).count() == 1
    # The owner of the address is told someone tried; the person signing up is not.
    assert mail.outbox[0].to == [user.email]


def test_repeated_failed_logins_lock_out_even_the_right_password(client: Client, user: User) -> None:
    for _attempt in range(5):
        client.post("/en/accounts/login/", {"login": user.email, "password": WRONG_PASSWORD})

    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert not is_signed_in(client)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_changing_the_password_ends_every_session(client: Client, user: User) -> None:
    other_device = Client()
    log_in(client, user.email)
    log_in(other_device, user.email)

    response = client.post(
        "/en/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert client.get("/en/accounts/preferences/").status_code == 302
    assert other_device.get("/en/accounts/preferences/").status_code == 302
