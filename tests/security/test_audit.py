"""The audit log: logins (and failed ones), changes of rights, verification decisions, downloads, exports and
imports leave an entry saying who, when and from where; only operators read it, in the admin; old entries go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agreements.models import Agreement
from newsletters import services as newsletter_services
from newsletters import tasks as newsletter_tasks
from organizations.models import Membership, Organization, private_storage
from portal.models import AuditEntry, User
from tests.conftest import PASSWORD, sign_in
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    CampaignFactory,
    MailingListFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_coordinator,
)
from tests.portal.conftest import totp_code, totp_secret_from_page

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
HOME_IP = "203.0.113.7"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def client_for(user: User | None = None) -> Client:
    client = Client(REMOTE_ADDR=HOME_IP, HTTP_USER_AGENT=BROWSER)
    if user is not None:
        sign_in(client, user)
    return client


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("created_at", "pk"))


# Accounts ---------------------------------------------------------------------------------------------


def test_login_writes_an_entry_with_the_ip_address(user: User) -> None:
    response = client_for().post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    [entry] = entries(Action.LOGIN)
    assert entry.actor == user
    assert entry.actor_email == "rania@example.org"
    assert entry.ip_address == HOME_IP
    assert entry.user_agent == BROWSER


def test_failed_login_writes_an_entry_with_the_ip_address(user: User) -> None:
    response = client_for().post("/en/accounts/login/", {"login": user.email, "password": "not-the-password"})

    assert response.status_code == 200
    assert not entries(Action.LOGIN)
    [entry] = entries(Action.LOGIN_FAILED)
    assert entry.actor == user
    assert entry.ip_address == HOME_IP


def test_failed_login_for_an_unknown_address_keeps_nothing_that_was_typed(db: None) -> None:
    client_for().post("/en/accounts/login/", {"login": "nobody@example.org", "password": "guess-one"})

    [entry] = entries(Action.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.actor_email == ""
    assert "nobody" not in str(entry.extra)
    assert entry.ip_address == HOME_IP


def test_logout_writes_an_entry(user: User) -> None:
    client = client_for()
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})

    client.post("/en/accounts/logout/")

    [entry] = entries(Action.LOGOUT)
    assert entry.actor == user
    assert entry.ip_address == HOME_IP


def test_forwarded_for_header_is_ignored_without_the_proxy(user: User) -> None:
    client = client_for()
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert entries(Action.LOGIN)[0].ip_address == HOME_IP


def test_behind_the_proxy_the_last_forwarded_hop_is_the_address(user: User, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    client = Client(REMOTE_ADDR="10.0.0.2")  # the proxy

    client.post(
        "/en/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",  # what the client wrote, then what the proxy saw
    )

    assert entries(Action.LOGIN)[0].ip_address == "203.0.113.9"


def test_password_change_writes_an_entry(user: User) -> None:
    client = client_for(user)

    response = client.post(
        "/en/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-passphrase-77", "password2": "another-long-passphrase-77"},
    )

    assert response.status_code == 302
    [entry] = entries(Action.PASSWORD_CHANGED)
    assert entry.actor == user
    assert entry.extra == {"how": "changed"}


def test_turning_two_factor_authentication_on_writes_an_entry(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for()
    client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    reauthenticate = client.get("/en/accounts/2fa/totp/activate/")
    page = client.post(reauthenticate["Location"], {"password": PASSWORD}, follow=True)
    secret = totp_secret_from_page(page.content.decode())

    with django_capture_on_commit_callbacks(execute=True):  # allauth signals once the activation is committed
        client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})

    assert {"totp"} <= {entry.extra["type"] for entry in entries(Action.MFA_ENABLED)}
    assert all(entry.actor == user and entry.ip_address == HOME_IP for entry in entries(Action.MFA_ENABLED))


# Rights and decisions -------------------------------------------------------------------------------


def test_role_change_on_the_members_page_writes_an_entry_with_the_ip_address(db: None) -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER)
    organization = owner.organization
    colleague = MembershipFactory(organization=organization, role=Membership.Role.MEMBER)

    response = client_for(owner.user).post(
        f"/en/organizations/{organization.slug}/members/{colleague.pk}/role/", {"role": Membership.Role.EDITOR}
    )

    assert response.status_code == 302
    [entry] = entries(Action.ROLE_CHANGED)
    assert entry.actor == owner.user
    assert entry.ip_address == HOME_IP
    assert entry.target_repr == str(organization)
    assert entry.target_id == str(organization.pk)
    assert entry.extra == {"member": colleague.user_id, "role": ["member", "editor"]}


def test_removing_a_member_writes_an_entry(db: None) -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER)
    colleague = MembershipFactory(organization=owner.organization)

    client_for(owner.user).post(f"/en/organizations/{owner.organization.slug}/members/{colleague.pk}/remove/")

    [entry] = entries(Action.MEMBER_REMOVED)
    assert entry.actor == owner.user
    assert entry.extra == {"member": colleague.user_id}


def test_verification_decision_writes_an_entry(db: None) -> None:
    coordinator = make_coordinator()
    applicant = OrganizationFactory(status=Organization.Status.PENDING, verified_at=None)

    response = client_for(coordinator).post(f"/en/organizations/{applicant.slug}/review/", {"decision": "verify"})

    assert response.status_code == 302
    [entry] = entries(Action.VERIFICATION_DECISION)
    assert entry.actor == coordinator
    assert entry.ip_address == HOME_IP
    assert entry.target_id == str(applicant.pk)
    assert entry.extra == {"decision": "verified"}


# Downloads, exports, imports, campaigns ---------------------------------------------------------------


@pytest.fixture
def private_media(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setattr(Agreement._meta.get_field("document"), "storage", private_storage())
    return settings.PRIVATE_MEDIA_ROOT


def test_document_download_writes_an_entry(private_media: Path) -> None:
    party = AgreementPartyFactory(agreement=AgreementFactory(visibility=Agreement.Visibility.CONFIDENTIAL))
    party.agreement.document.save("signed.pdf", ContentFile(b"%PDF-1.4 signed"), save=True)
    owner = MembershipFactory(organization=party.organization, role=Membership.Role.OWNER).user

    response = client_for(owner).get(f"/en/agreements/{party.agreement.slug}/document/")

    assert response.status_code == 200
    [entry] = entries(Action.DOCUMENT_DOWNLOADED)
    assert entry.actor == owner
    assert entry.target_id == str(party.agreement.pk)
    assert entry.target_repr == party.agreement.title


def test_refused_download_writes_no_entry(private_media: Path) -> None:
    agreement = AgreementFactory(visibility=Agreement.Visibility.CONFIDENTIAL)
    agreement.document.save("signed.pdf", ContentFile(b"%PDF-1.4 signed"), save=True)

    assert client_for(UserFactory()).get(f"/en/agreements/{agreement.slug}/document/").status_code == 404
    assert not entries(Action.DOCUMENT_DOWNLOADED)


def test_directory_export_writes_an_entry(db: None) -> None:
    coordinator = make_coordinator()

    response = client_for(coordinator).get("/en/organizations/export.csv")

    assert response.status_code == 200
    [entry] = entries(Action.EXPORT)
    assert entry.actor == coordinator
    assert entry.ip_address == HOME_IP
    assert entry.extra == {"kind": "organizations"}


def test_subscriber_import_writes_an_entry(db: None) -> None:
    coordinator = make_coordinator()
    mailing_list = MailingListFactory()
    upload = SimpleUploadedFile("readers.csv", b"email\nreader@families.example.org\nnot-an-address\n")

    newsletter_services.import_subscribers(coordinator, mailing_list, upload)

    [entry] = entries(Action.IMPORT)
    assert entry.actor == coordinator
    assert entry.target_id == str(mailing_list.pk)
    assert entry.extra == {"kind": "subscribers", "count": 1, "errors": 1}
    assert entry.ip_address is None  # no request: a service called from a script or a task


def test_campaign_start_writes_an_entry(db: None) -> None:
    coordinator = make_coordinator()
    campaign = CampaignFactory()

    newsletter_services.start_campaign(coordinator, campaign, queue_sending=newsletter_tasks.dispatch_campaign.delay)

    [entry] = entries(Action.CAMPAIGN_STARTED)
    assert entry.actor == coordinator
    assert entry.target_id == str(campaign.pk)


# Who reads the log ----------------------------------------------------------------------------------


def test_entries_are_not_shown_to_anyone_but_operators(user: User) -> None:
    client_for().post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    staff = UserFactory(is_staff=True)
    coordinator = make_coordinator()

    for person in [None, user, staff, coordinator]:
        response = client_for(person).get("/admin/portal/auditentry/")
        assert response.status_code in (302, 403), person
        assert user.email not in response.content.decode()


def test_operators_read_entries_but_cannot_add_change_or_delete_them(user: User, operator: User) -> None:
    client_for().post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    entry = entries(Action.LOGIN)[0]
    admin = client_for(operator)

    listing = admin.get("/admin/portal/auditentry/")
    assert listing.status_code == 200
    assert user.email in listing.content.decode()
    assert HOME_IP in listing.content.decode()
    assert admin.get(f"/admin/portal/auditentry/?action={Action.LOGIN}&q={user.email}").status_code == 200
    assert admin.get(f"/admin/portal/auditentry/{entry.pk}/change/").status_code == 200
    assert admin.get("/admin/portal/auditentry/add/").status_code == 403
    assert admin.post(f"/admin/portal/auditentry/{entry.pk}/change/", {"action": "logout"}).status_code == 403
    assert admin.post(f"/admin/portal/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == Action.LOGIN


# Retention: the audit log is one category of portal/retention.py, tested in tests/portal/test_retention.py.
