"""In a real browser: the organisation picker follows the filters as one types (even those chosen before its script
arrived) and keeps what was ticked; "Your calendar" makes an address shown once and resets it; sign-up, and the
first page after logging in while no zone was ever chosen, propose the browser's time zone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from events.models import Event, Invitation
from organizations.models import Membership
from tests.browser.conftest import log_in, third_party_requests
from tests.conftest import PASSWORD, make_user
from tests.factories import EventFactory, MembershipFactory, OrganizationFactory, make_coordinator

pytestmark = pytest.mark.browser


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Script errors and refusals by the Content-Security-Policy: none may happen."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if _is_error(message) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == []


def _is_error(message: ConsoleMessage) -> bool:
    # The feed address answers 404 on purpose once reset.
    return message.type == "error" and "404" not in message.text


def test_the_picker_follows_the_search_and_keeps_the_ticks(
    page: Page, base_url: str, console_errors: list[str]
) -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR)
    event = EventFactory(visibility=Event.Visibility.CLOSED, registration_mode=Event.RegistrationMode.INVITATION)
    for name in ("Caesar Families Association", "Families for Freedom", "Syrians for Truth and Justice"):
        OrganizationFactory(name_en=name)
    log_in(page, base_url, coordinator)
    page.goto(f"{base_url}/en/events/{event.slug}/manage/")

    page.fill("#id_q", "families")  # no button pressed: the results follow
    results = page.locator("#picker-results")
    expect(results).to_contain_text("2 organisations match.")
    results.get_by_label("Caesar Families Association").check()
    page.fill("#id_q", "truth")
    expect(results).to_contain_text("1 organisation matches.")
    expect(results).not_to_contain_text("Caesar Families Association")
    results.get_by_label("Syrians for Truth and Justice").check()
    assert "q=truth" in page.url  # the search stays an address one can go back to
    with page.expect_navigation():
        page.get_by_role("button", name="Invite the ticked organisations").click()

    expect(page.locator(".messages")).to_contain_text("2 organisations invited.")
    assert sorted(Invitation.objects.filter(event=event).values_list("organization__name", flat=True)) == [
        "Caesar Families Association",
        "Syrians for Truth and Justice",
    ]


def test_a_filter_chosen_before_the_picker_script_arrived_is_followed_when_it_does(
    page: Page, base_url: str, console_errors: list[str]
) -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR)
    event = EventFactory(visibility=Event.Visibility.CLOSED, registration_mode=Event.RegistrationMode.INVITATION)
    for name in ("Caesar Families Association", "Syrians for Truth and Justice"):
        OrganizationFactory(name_en=name)
    log_in(page, base_url, coordinator)
    held: list[Route] = []
    page.route("**/js/picker*.js", lambda route: held.append(route))  # a slow network: the script comes late
    page.goto(f"{base_url}/en/events/{event.slug}/manage/", wait_until="commit")

    page.fill("#id_q", "truth")  # before the script has run: nothing listens yet
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()

    expect(page.locator("#picker-results")).to_contain_text("1 organisation matches.")
    expect(page.locator("#picker-results")).not_to_contain_text("Caesar Families Association")


def test_reset_my_calendar_address(page: Page, base_url: str, console_errors: list[str]) -> None:
    person = MembershipFactory(organization=OrganizationFactory()).user
    log_in(page, base_url, person)
    page.goto(f"{base_url}/en/events/")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Your calendar").click()
    expect(page.locator("h1")).to_have_text("Your calendar")

    with page.expect_navigation():
        page.get_by_role("button", name="Make my calendar address").click()
    first = page.locator("input.feed-address").input_value()
    assert first.startswith(f"{base_url}/en/events/feeds/") and first.endswith(".ics")
    expect(page.get_by_role("link", name="Subscribe in your calendar app")).to_have_attribute(
        "href", "webcal://" + first.split("://", 1)[1]
    )
    answer = page.request.get(first)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/calendar")

    with page.expect_navigation():
        page.get_by_role("button", name="Reset my calendar address").click()
    second = page.locator("input.feed-address").input_value()
    expect(page.locator(".messages")).to_contain_text("The old one no longer works.")
    assert second != first
    assert page.request.get(first).status == 404
    assert page.request.get(second).status == 200

    page.reload()
    expect(page.locator("input.feed-address")).to_have_count(0)  # shown once
    expect(page.locator("#personal-feed")).to_contain_text("For your safety it was shown only once.")


def test_sign_up_proposes_the_browsers_time_zone(browser: Browser, base_url: str) -> None:
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Damascus")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda outgoing: requested.append(outgoing.url))
    try:
        page.goto(f"{base_url}/en/accounts/signup/")
        expect(page.locator("#id_time_zone")).to_have_value("Asia/Damascus")
    finally:
        context.close()
    assert third_party_requests(requested) == []


def test_after_logging_in_the_browsers_zone_is_proposed_once(browser: Browser, base_url: str) -> None:
    person = make_user("rasha@example.org")
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Istanbul")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda outgoing: requested.append(outgoing.url))
    try:
        page.goto(f"{base_url}/en/accounts/login/")
        page.fill("#id_login", person.email)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("form[action='/en/accounts/login/'] button[type=submit]")
        expect(page.locator("#prompt-time-zone")).to_have_value("Europe/Istanbul")
        with page.expect_navigation():
            page.get_by_role("button", name="Use this time zone").click()
        expect(page.locator(".messages")).to_contain_text("Event times are now shown to you in Europe/Istanbul.")
        expect(page.locator("#prompt-time-zone")).to_have_count(0)
    finally:
        context.close()
    person.refresh_from_db()
    assert (person.time_zone, person.time_zone_chosen) == ("Europe/Istanbul", True)
    assert third_party_requests(requested) == []
