"""An organisation's way into the directory, in a real browser: a staff member of a families' association
signs up in Arabic, registers the association and submits it; a coordinator of the IIIM verifies it; a visitor
finds it in the Arabic directory by a part of its name."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from organizations.models import Membership, Organization
from portal.models import User
from tests.browser.conftest import pass_second_factor, save_screenshots
from tests.conftest import PASSWORD
from tests.factories import make_coordinator

pytestmark = pytest.mark.browser

STAFF_EMAIL = "nour@jazira-families.example.org"
NAME_AR = "رابطة عائلات المختفين قسراً في الجزيرة"
DESCRIPTION_AR = "رابطة تجمع عائلات المختفين قسراً في شمال شرق سوريا وتوثق حالاتهم."
JOURNEY = "organization"


def assert_arabic_page(page: Page) -> None:
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def link_in_last_email(fragment: str) -> str:
    assert mail.outbox, "no email was sent"
    for url in re.findall(r"https?://\S+", mail.outbox[-1].body):
        if fragment in url:
            return urlsplit(url).path
    raise AssertionError(f"no link containing {fragment!r} in:\n{mail.outbox[-1].body}")


def sign_up_in_arabic(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/ar/accounts/signup/")
    assert_arabic_page(page)
    save_screenshots(page, JOURNEY, "1-signup-ar")
    page.fill("#id_email", STAFF_EMAIL)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/ar/accounts/signup/'] button[type=submit]")

    # The verification email, in Arabic, links back to the Arabic site.
    assert mail.outbox[-1].to == [STAFF_EMAIL]
    page.goto(base_url + link_in_last_email("/ar/accounts/confirm-email/"))
    assert_arabic_page(page)
    with page.expect_navigation():
        page.click("form[action*='/confirm-email/'] button[type=submit]")


def register_in_arabic(page: Page, base_url: str) -> Organization:
    page.goto(f"{base_url}/ar/organizations/register/")
    assert_arabic_page(page)
    # The Arabic page asks for the Arabic name first.
    expect(page.locator("#id_name_ar")).to_be_visible()
    save_screenshots(page, JOURNEY, "2-register-ar")
    page.fill("#id_name_ar", NAME_AR)
    page.fill("#id_description_ar", DESCRIPTION_AR)
    page.select_option("#id_kind", Organization.Kind.VICTIMS_ASSOCIATION)
    page.select_option("#id_hq_country", "TR")
    with page.expect_navigation():
        page.click("form.org-form button[type=submit]")

    organization = Organization.objects.get(name_ar=NAME_AR)
    assert page.url == f"{base_url}/ar/organizations/{organization.slug}/"
    assert_arabic_page(page)
    expect(page.locator("h1")).to_contain_text(NAME_AR)
    assert organization.status == Organization.Status.DRAFT
    save_screenshots(page, JOURNEY, "3-profile-draft-ar")
    return organization


def submit_for_verification(page: Page, organization: Organization) -> None:
    with page.expect_navigation():
        page.click(f"form[action='/ar/organizations/{organization.slug}/submit/'] button")
    assert_arabic_page(page)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/en/accounts/login/'] button[type=submit]")
    pass_second_factor(page)


def verify(page: Page, base_url: str, organization: Organization) -> None:
    page.goto(f"{base_url}/en/organizations/review/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    item = page.locator(".review-item", has_text=NAME_AR)
    expect(item).to_have_count(1)
    save_screenshots(page, JOURNEY, "4-review-queue")
    item.locator("select[name=decision]").select_option("verify")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Your decision is recorded")
    expect(page.locator(".review-item", has_text=NAME_AR)).to_have_count(0)


def test_association_signs_up_registers_and_is_verified_then_found(page: Page, base_url: str) -> None:
    coordinator = make_coordinator(email="lina@iiim.example.org", full_name="Lina Coordinator")

    sign_up_in_arabic(page, base_url)
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.preferred_language == "ar"
    organization = register_in_arabic(page, base_url)
    assert Membership.objects.get(organization=organization).user == staff
    submit_for_verification(page, organization)
    assert coordinator.email in {address for message in mail.outbox for address in message.to}

    page.context.clear_cookies()
    log_in(page, base_url, coordinator.email)
    verify(page, base_url, organization)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    assert mail.outbox[-1].to == [STAFF_EMAIL]

    page.context.clear_cookies()
    page.goto(f"{base_url}/ar/organizations/")
    assert_arabic_page(page)
    page.fill("#id_q", "المختفين قسرا")  # typed without the tanween the name carries
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert_arabic_page(page)
    card = page.locator(".org-card", has_text=NAME_AR)
    expect(card).to_have_count(1)
    save_screenshots(page, JOURNEY, "5-directory-search-ar")
    with page.expect_navigation():
        card.locator("a").first.click()
    assert page.url.endswith(f"/ar/organizations/{organization.slug}/")
    expect(page.locator("h1")).to_contain_text(NAME_AR)
    expect(page.locator(".prose")).to_contain_text(DESCRIPTION_AR)
