"""A coordinator sends an edition to a mailing list, in a real browser: an editor of the publishing host
organisation opens the list, creates a campaign for a published edition, sends a test to themself, sends the
campaign and watches the progress bar fill until the campaign reads "Sent"."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core import mail
from playwright.sync_api import Page, expect

from newsletters import dispatch, tasks
from newsletters.models import Campaign, Delivery
from organizations.models import Membership
from portal.models import User
from tests.conftest import PASSWORD
from tests.factories import (
    EditionFactory,
    MailingListFactory,
    PublicationFactory,
    SubscriptionFactory,
    host_organization,
    make_coordinator,
)
from tests.portal.conftest import totp_code

pytestmark = pytest.mark.browser

COORDINATOR = "lina@iiim.example.org"
TITLE = "Edition Number 4: October 2024 to March 2025"


def log_in(page: Page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/en/accounts/login/'] button[type=submit]")
    if urlsplit(page.url).path == "/en/accounts/2fa/authenticate/":
        # A coordinator with an authenticator app: type the code it shows now.
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        page.fill("input[name=code]", totp_code(decrypt(authenticator.data["secret"])))
        with page.expect_navigation():
            page.click("form[action='/en/accounts/2fa/authenticate/'] button[type=submit]")
    assert "/accounts/" not in urlsplit(page.url).path, f"still not logged in at {page.url}"


def click_and_wait(page: Page, selector: str, **options: str) -> None:
    with page.expect_navigation():
        page.locator(selector, **options).click()


def test_coordinator_sends_an_edition_to_a_list_and_watches_it_go_out(
    page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = host_organization()
    coordinator = make_coordinator(Membership.Role.EDITOR, email=COORDINATOR, full_name="Lina Coordinator")
    publication = PublicationFactory(owner=host)
    edition = EditionFactory(publication=publication, number=4, title_en=TITLE)
    mailing_list = MailingListFactory(owner=host, publication=publication)
    readers = SubscriptionFactory.create_batch(3, mailing_list=mailing_list)
    # Tasks run in-process; the campaign's sending is held back so that the page shows it under way, and then
    # run below as a worker would, while the page polls for progress.
    queued: list[int] = []
    monkeypatch.setattr(tasks.dispatch_campaign, "delay", queued.append)

    log_in(page, base_url, coordinator)
    page.goto(f"{base_url}/en/bulletins/lists/{mailing_list.slug}/")
    expect(page.locator("h1")).to_have_text(mailing_list.name)
    click_and_wait(page, "main a", has_text="New campaign")
    page.select_option("#id_edition", str(edition.pk))
    click_and_wait(page, "main form button[type=submit]", has_text="Save")

    campaign = Campaign.objects.get(mailing_list=mailing_list)
    assert campaign.edition == edition
    assert re.search(rf"/en/bulletins/lists/{mailing_list.slug}/campaigns/{campaign.pk}/$", page.url)
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator('[data-field="status"]')).to_have_text("Draft")

    click_and_wait(page, "main button", has_text="Send me a test")
    expect(page.locator("main")).to_contain_text(f"A test was sent to {COORDINATOR}")
    [test] = mail.outbox
    assert test.to == [COORDINATOR]
    assert test.subject == f"[TEST] {TITLE}"

    # "Send now" asks first, naming the list and how many it goes to.
    page.locator("main summary", has_text="Send now").click()
    expect(page.locator("details.confirm")).to_contain_text(
        f"This emails the campaign to the 3 confirmed subscribers of {mailing_list.name}"
    )
    click_and_wait(page, "main button", has_text="Send to 3 subscribers")
    expect(page.locator("main")).to_contain_text("Sending to 3 subscribers.")
    expect(page.locator("main")).not_to_contain_text("Before you send")
    expect(page.locator('[data-field="status"]')).to_have_text("Sending")
    progress = page.locator('progress[data-field="progress"]')
    expect(progress).to_have_js_property("value", 0)

    assert queued == [campaign.pk]
    assert dispatch.dispatch(campaign.pk) == "done"

    expect(progress).to_have_js_property("value", 100, timeout=15_000)
    expect(page.locator('[data-field="status"]')).to_have_text("Sent", timeout=15_000)
    expect(progress).to_have_js_property("value", 100)
    expect(page.locator('[data-field="sent"]')).to_have_text("3")
    assert sorted(message.to[0] for message in mail.outbox[1:]) == sorted(reader.subscriber.email for reader in readers)
    assert set(campaign.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
