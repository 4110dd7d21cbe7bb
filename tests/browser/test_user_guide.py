"""The pages the user guide (docs/guide.md) shows, walked with the demo data that `make run` loads: each test
checks what the guide says of its pages and keeps the guide's pictures.

The pictures go to $GUIDE_SCREENSHOTS_DIR, or else to $ARTIFACTS_DIR/screenshots/guide/; to refresh the guide's:

    GUIDE_SCREENSHOTS_DIR=docs/screenshots pytest tests/browser/test_user_guide.py

Each is one screen (not the whole page) at one of SCREEN_SIZES, reduced to a palette of colours so that the
repository stays small.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from PIL import Image
from playwright.sync_api import Locator, Page

from events.models import Invitation
from portal.models import User
from tests.browser.conftest import SCREEN_SIZES, log_in
from tests.factories import with_totp

pytestmark = pytest.mark.browser

# Few enough colours for a small file, enough for anti-aliased Arabic and the brand colours.
PALETTE_COLOURS = 128


def guide_folder() -> Path | None:
    if folder := os.environ.get("GUIDE_SCREENSHOTS_DIR"):
        return Path(folder)
    if artifacts := os.environ.get("ARTIFACTS_DIR"):
        return Path(artifacts) / "screenshots" / "guide"
    return None


def picture(page: Page, name: str, size: str = "desktop", *, show: Locator | None = None) -> None:
    """Keep what the screen shows now, at `size`, as <name>.png in the guide's folder; with `show`, scrolled so
    that this part of the page is in the middle of the screen."""
    folder = guide_folder()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    page.set_viewport_size(SCREEN_SIZES[size])
    if show is not None:
        show.evaluate("element => element.scrollIntoView({block: 'center'})")
    shot = Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="initial")))
    shot.convert("RGB").quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        folder / f"{name}.png", optimize=True
    )
    if viewport is not None:
        page.set_viewport_size(viewport)


@pytest.fixture
def demo(base_url: str) -> None:
    """The demo data; coordinators and the operator get the authenticator app their powers need."""
    with override_settings(DEBUG=True):  # load_demo refuses to run in production mode
        call_command("load_demo", stdout=io.StringIO())
    for email in ("coordinator@example.org", "operator@example.org"):
        with_totp(User.objects.get(email=email))


def as_person(page: Page, base_url: str, email: str) -> None:
    log_in(page, base_url, User.objects.get(email=email))


def test_visitor_reads_the_directory_and_an_edition_in_arabic(page: Page, base_url: str, demo: None) -> None:
    page.set_viewport_size(SCREEN_SIZES["desktop"])
    page.goto(f"{base_url}/en/")
    picture(page, "visitor-home")

    page.goto(f"{base_url}/en/organizations/")
    assert page.get_by_role("link", name="Syrians for Truth and Justice").is_visible()
    picture(page, "visitor-directory")

    page.set_viewport_size(SCREEN_SIZES["phone"])
    page.goto(f"{base_url}/en/")
    page.locator(".site-nav summary").click()
    assert page.locator(".site-nav li a").first.is_visible()
    picture(page, "visitor-menu-phone", "phone")

    page.goto(f"{base_url}/ar/bulletins/victim-support-project/3/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("a.button[href$='/ar/bulletins/victim-support-project/3/pdf/']").is_visible()
    picture(page, "visitor-edition-phone", "phone")


def test_cso_staff_register_invite_answer_and_endorse(page: Page, base_url: str, demo: None) -> None:
    page.set_viewport_size(SCREEN_SIZES["desktop"])
    as_person(page, base_url, "stj@example.org")

    page.goto(f"{base_url}/en/organizations/register/")
    assert page.get_by_role("button", name="Save as draft").is_visible()
    picture(page, "staff-register")

    page.goto(f"{base_url}/en/organizations/syrians-for-truth-and-justice/members/")
    invite = page.get_by_role("button", name="Send the invitation")
    assert invite.is_visible()
    picture(page, "staff-members", show=invite)

    invitation = Invitation.objects.get(
        event__slug="lausanne-platform-upcoming", organization__slug="syrians-for-truth-and-justice"
    )
    page.set_viewport_size(SCREEN_SIZES["phone"])
    page.goto(f"{base_url}/en/events/lausanne-platform-upcoming/")
    with page.expect_navigation():
        page.get_by_role("link", name="Answer and name delegates").click()
    assert page.url == f"{base_url}/en/events/lausanne-platform-upcoming/invitations/{invitation.pk}/"
    picture(page, "staff-invitation-phone", "phone")

    page.set_viewport_size(SCREEN_SIZES["desktop"])
    page.goto(f"{base_url}/en/statements/demo-open-letter-families-of-the-disappeared/")
    endorse = page.get_by_label("Endorse in the name of")
    assert endorse.is_visible()
    picture(page, "staff-endorse", show=endorse)


def test_coordinator_verifies_and_invites(page: Page, base_url: str, demo: None) -> None:
    page.set_viewport_size(SCREEN_SIZES["desktop"])
    as_person(page, base_url, "coordinator@example.org")

    page.goto(f"{base_url}/en/organizations/review/")
    assert page.get_by_role("link", name="Hope for Detainees' Families").is_visible()
    page.locator("details.help summary").click()
    picture(page, "coordinator-review")

    page.goto(f"{base_url}/en/events/lausanne-platform-upcoming/manage/")
    assert page.get_by_role("button", name="Invite the ticked organisations").is_visible()
    assert page.get_by_role("cell", name="Syrians for Truth and Justice", exact=True).is_visible()
    picture(page, "coordinator-event")


def test_publisher_composes_and_sends_an_edition(page: Page, base_url: str, demo: None) -> None:
    # The demo's newsletter belongs to SCM, which has no demo account: the operator stands in for its editor.
    page.set_viewport_size(SCREEN_SIZES["desktop"])
    as_person(page, base_url, "operator@example.org")

    page.goto(f"{base_url}/en/bulletins/victim-support-project/3/compose/")
    assert page.get_by_role("button", name="Render the PDFs").is_visible()
    page.locator("details.help summary").click()
    picture(page, "coordinator-compose")

    page.goto(f"{base_url}/en/bulletins/lists/victim-support-project-newsletter/")
    with page.expect_navigation():
        page.get_by_role("link", name="New campaign").click()
    page.locator("#id_edition").select_option(index=1)  # the one published edition
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_role("button", name="Send me a test").is_visible()
    assert page.locator("main summary", has_text="Send now").is_visible()
    picture(page, "coordinator-campaign")


def test_staff_answer_a_consultation_and_the_coordinator_reads_the_submissions(
    page: Page, base_url: str, demo: None
) -> None:
    page.set_viewport_size(SCREEN_SIZES["desktop"])
    as_person(page, base_url, "stj@example.org")
    page.goto(f"{base_url}/en/consultations/iiim-gender-strategy/")
    with page.expect_navigation():
        page.get_by_role("link", name="Write your organisation's submission").click()
    use = page.get_by_text("What may the host do with your submission?")
    assert use.is_visible()
    picture(page, "staff-consultation", show=use)

    page.context.clear_cookies()
    as_person(page, base_url, "coordinator@example.org")
    page.goto(f"{base_url}/en/consultations/iiim-children-and-youth-strategy/manage/")
    assert page.get_by_role("link", name="All submissions as one PDF").is_visible()
    picture(page, "coordinator-consultation")
