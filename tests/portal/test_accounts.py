"""Accounts through allauth's real views: sign up, verify the address, log in, reset the password, two-factor
authentication with an authenticator app, and the language a person prefers."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from portal.models import User
from portal.text import isolated
from tests.conftest import PASSWORD, make_user, sign_in
from tests.portal.conftest import (
    is_signed_in,
    link_in_last_email,
    log_in,
    totp_code,
    totp_secret_from_page,
    wrong_code,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-77"


def sign_up(client: Client, email: str, language: str = "en") -> None:
    response = client.post(
        f"/{language}/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"/{language}/accounts/confirm-email/"


def open_totp_activation(client: Client, email: str) -> str:
    """Log in, confirm the password again as allauth asks before changing two-factor settings, and return
    the secret the "activate authenticator app" page shows."""
    log_in(client, email)
    reauthenticate = client.get("/en/accounts/2fa/totp/activate/")
    assert reauthenticate.status_code == 302
    assert reauthenticate["Location"].startswith("/en/accounts/reauthenticate/")
    page = client.post(reauthenticate["Location"], {"password": PASSWORD}, follow=True)
    assert page.redirect_chain[-1][0] == "/en/accounts/2fa/totp/activate/"
    assert page.status_code == 200
    return totp_secret_from_page(page.content.decode())


@pytest.fixture
def totp_user(user: User) -> tuple[User, str]:
    """`user` with an authenticator app activated through allauth's pages; returns the user and the secret."""
    client = Client()
    secret = open_totp_activation(client, user.email)
    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    return user, secret


def test_sign_up_sends_verification_email(client: Client) -> None:
    sign_up(client, "amal@example.org")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amal@example.org"]
    assert mail.outbox[0].subject.startswith("[Civil Society Portal] ")
    assert "/en/accounts/confirm-email/" in mail.outbox[0].body
    assert not EmailAddress.objects.get(email="amal@example.org").verified
    assert not is_signed_in(client)


def test_following_the_email_link_confirms_the_address(client: Client) -> None:
    sign_up(client, "amal@example.org")
    confirm_path = link_in_last_email("/confirm-email/")

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="amal@example.org").verified  # a GET alone confirms nothing

    response = client.post(confirm_path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="amal@example.org").verified


def test_confirmed_user_can_log_in(client: Client) -> None:
    sign_up(client, "amal@example.org")
    client.post(link_in_last_email("/confirm-email/"))
    fresh = Client()

    destination = log_in(fresh, "amal@example.org")

    assert destination == "/en/"
    assert is_signed_in(fresh)
    assert fresh.get("/en/").context["user"].email == "amal@example.org"


def test_unverified_address_gets_no_session(client: Client) -> None:
    make_user("unverified@example.org", verified=False)

    destination = log_in(client, "unverified@example.org")

    assert destination == "/en/accounts/confirm-email/"
    assert not is_signed_in(client)


def test_wrong_password_is_refused(client: Client, user: User) -> None:
    response = client.post("/en/accounts/login/", {"login": user.email, "password": "not-the-passphrase-00"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_signed_in(client)


def test_password_reset_sends_a_link(client: Client, user: User) -> None:
    response = client.post("/en/accounts/password/reset/", {"email": user.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/en/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_link_sets_a_new_password(client: Client, user: User) -> None:
    client.post("/en/accounts/password/reset/", {"email": user.email})
    key_page = client.get(link_in_last_email("/password/reset/key/"), follow=True)
    assert key_page.status_code == 200
    set_password_path = key_page.redirect_chain[-1][0]

    response = client.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    fresh = Client()
    log_in(fresh, user.email, NEW_PASSWORD)
    assert is_signed_in(fresh)


def test_user_activates_authenticator_app_and_gets_recovery_codes(client: Client, user: User) -> None:
    secret = open_totp_activation(client, user.email)

    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    unused = codes.context["unused_codes"]
    assert len(unused) >= 10
    assert all(code in codes.content.decode() for code in unused)


def test_wrong_code_does_not_activate_authenticator_app(client: Client, user: User) -> None:
    secret = open_totp_activation(client, user.email)

    response = client.post("/en/accounts/2fa/totp/activate/", {"code": wrong_code(totp_code(secret))})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=user).exists()


def test_login_with_authenticator_app_asks_for_code(client: Client, totp_user: tuple[User, str]) -> None:
    user, _secret = totp_user

    destination = log_in(client, user.email)

    assert destination == "/en/accounts/2fa/authenticate/"
    assert not is_signed_in(client)
    page = client.get(destination)
    assert page.status_code == 200
    assert "code" in page.context["form"].fields


def test_wrong_authenticator_code_is_refused(client: Client, totp_user: tuple[User, str]) -> None:
    user, secret = totp_user
    log_in(client, user.email)

    response = client.post("/en/accounts/2fa/authenticate/", {"code": wrong_code(totp_code(secret))})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not is_signed_in(client)


def test_right_authenticator_code_completes_login(client: Client, totp_user: tuple[User, str]) -> None:
    user, secret = totp_user
    log_in(client, user.email)

    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert is_signed_in(client)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_in_arabic_stores_arabic_as_preferred_language(client: Client) -> None:
    sign_up(client, "noor@example.org", language="ar")

    assert User.objects.get(email="noor@example.org").preferred_language == "ar"


def test_switching_language_saves_preference_of_signed_in_user(client: Client, user: User) -> None:
    sign_in(client, user)

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/en/"})

    assert response.status_code == 302
    assert response["Location"] == "/fr/"
    user.refresh_from_db()
    assert user.preferred_language == "fr"


def test_switching_language_anonymously_sets_only_the_cookie(client: Client, user: User) -> None:
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/en/"})

    assert response["Location"] == "/ru/"
    assert response.cookies["portal_language"].value == "ru"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_logging_in_sends_root_to_preferred_language(client: Client) -> None:
    make_user("layla@example.org", preferred_language="ar")

    log_in(client, "layla@example.org")

    assert client.cookies["portal_language"].value == "ar"
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/ar/"


@pytest.mark.parametrize(
    ("page", "destination"),
    [
        ("/en/accounts/login/", "/ar/"),
        ("/fr/accounts/login/?next=/fr/events/", "/ar/events/"),
        ("/ku/accounts/login/?next=/ku/bulletins/%3Fq%3Dhope", "/ar/bulletins/?q=hope"),
    ],
)
def test_signing_in_from_any_page_lands_in_the_preferred_language(client: Client, page: str, destination: str) -> None:
    make_user("layla@example.org", preferred_language="ar")

    response = client.post(page, {"login": "layla@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == destination
    # The welcome too is in Arabic.
    # allauth's sentence names the person isolated (portal.adapters.user_display), so the address keeps its order.
    assert f"لقد سجلت الدخول بنجاح يا {isolated('layla@example.org')}." in client.get(destination).content.decode()


def test_signing_in_with_a_second_factor_lands_in_the_preferred_language(
    client: Client, totp_user: tuple[User, str]
) -> None:
    user, secret = totp_user
    User.objects.filter(pk=user.pk).update(preferred_language="ru")
    client.post("/en/accounts/login/?next=/en/events/", {"login": user.email, "password": PASSWORD})

    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})

    assert response["Location"] == "/ru/events/"
