"""A consultation from scheduling to the delegate's seat, in a real browser: a coordinator of the IIIM
schedules a hybrid consultation for members and invites the organisations working on children and youth; the
owner of one of them, in another browser, accepts and names a colleague; the colleague then sees the online
link from its release time, while a member of a verified organisation that was not invited sees the event but not
the link. Then a closed hybrid meeting with fewer seats than invited: seats promised in the order organisations
accept, a colleague invited by email as delegate, a waitlisted delegate moving up, and the link's release."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from events import services
from events.models import Event, Invitation, Registration
from organizations.models import Membership, Organization, Topic
from portal.models import User
from tests.browser.conftest import pass_second_factor, save_screenshots, third_party_requests
from tests.conftest import PASSWORD
from tests.factories import (
    EventFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_coordinator,
)

pytestmark = pytest.mark.browser

TITLE = "Consultation on the Children and Youth Strategy"
STREET = "Rue de Lausanne 13, 1202 Geneva"
LINK = "https://meet.example.org/children-youth-consultation"
JOURNEY = "event"


@contextmanager
def another_browser(browser: Browser) -> Iterator[Page]:
    """A second person's browser (own cookies), held to the same rule as `page`: no request leaves the portal."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda outgoing: requested.append(outgoing.url))
    try:
        yield page
    finally:
        context.close()
    assert third_party_requests(requested) == [], "the page reached a host other than the portal"


def log_in(page: Page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/en/accounts/login/'] button[type=submit]")
    pass_second_factor(page)


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def schedule(page: Page, base_url: str, day: datetime.date) -> Event:
    page.goto(f"{base_url}/en/events/new/")
    page.fill("#id_title_en", TITLE)
    page.fill("#id_description_en", "How the mechanism's work can take children and young people into account.")
    page.select_option("#id_kind", Event.Kind.STRATEGY_CONSULTATION)
    page.select_option("#id_format", Event.Format.HYBRID)
    page.select_option("#id_status", Event.Status.SCHEDULED)
    page.select_option("#id_visibility", Event.Visibility.MEMBERS)
    page.select_option("#id_registration_mode", Event.RegistrationMode.INVITATION)
    page.fill("#id_time_zone", "Geneva")  # the zone found by its city: Europe/Zurich
    page.fill("#id_starts_at", f"{day.isoformat()}T10:00")
    page.fill("#id_ends_at", f"{day.isoformat()}T17:00")
    page.fill("#id_venue", "Palais des Nations")
    page.fill("#id_city", "Geneva")
    page.select_option("#id_country", "CH")
    page.fill("#id_street_address", STREET)
    page.fill("#id_online_link", LINK)
    submit(page, "form[method=post]:has(#id_title_en)")

    event = Event.objects.get(title_en=TITLE)
    assert event.time_zone == "Europe/Zurich"
    assert page.url == f"{base_url}/en/events/{event.slug}/"
    expect(page.locator(".messages")).to_contain_text("The event is saved.")
    expect(page.locator("h1")).to_have_text(TITLE)
    save_screenshots(page, JOURNEY, "1-scheduled")
    return event


def test_coordinator_schedules_and_invites_owner_names_delegate_who_alone_sees_the_link(
    page: Page, browser: Browser, base_url: str
) -> None:
    children, _created = Topic.objects.get_or_create(slug="children-youth", defaults={"name": "Children and youth"})
    coordinator = make_coordinator(Membership.Role.EDITOR, email="lina@iiim.example.org", full_name="Lina Coordinator")
    taafi = OrganizationFactory(name_en="Taafi Initiative", slug="taafi")
    taafi.topics.add(children)
    owner = MembershipFactory(
        organization=taafi,
        role=Membership.Role.OWNER,
        user=UserFactory(email="owner@taafi.example.org", full_name="Rasha Owner"),
    ).user
    delegate = MembershipFactory(
        organization=taafi,
        role=Membership.Role.MEMBER,
        user=UserFactory(email="amal@taafi.example.org", full_name="Amal Haddad"),
    ).user
    elsewhere = OrganizationFactory(name_en="Syrians for Truth and Justice", slug="stj")
    outsider = MembershipFactory(
        organization=elsewhere, role=Membership.Role.MEMBER, user=UserFactory(email="member@stj.example.org")
    ).user
    unverified = OrganizationFactory(name_en="Newcomers' Association", status=Organization.Status.PENDING)
    unverified.topics.add(children)
    day = (timezone.now() + datetime.timedelta(days=45)).date()

    # The coordinator schedules the consultation and invites by focus area.
    log_in(page, base_url, coordinator)
    event = schedule(page, base_url, day)
    assert (event.format, event.visibility, event.online_link) == (Event.Format.HYBRID, Event.Visibility.MEMBERS, LINK)
    expect(page.locator("body")).to_contain_text(LINK)  # the organisers see it
    with page.expect_navigation():
        page.click("text=Invitations, registrations and agenda")
    page.select_option("#id_topic", label="Children and youth")
    # The results follow the filter (static/js/picker.js): only the verified organisation working on it.
    expect(page.locator("#picker-invite-all button")).to_have_text("Invite the 1 matching organisation")
    page.fill("#id_seats", "2")
    save_screenshots(page, JOURNEY, "2-invite")
    with page.expect_navigation():
        page.click("#picker-invite-all button")
    expect(page.locator(".messages")).to_contain_text("1 organisations invited.")
    invitation = Invitation.objects.get(event=event)
    assert invitation.organization == taafi
    assert owner.email in {address for message in mail.outbox for address in message.to}

    # The owner of Taafi, in their own browser, accepts and names a colleague.
    with another_browser(browser) as owner_page:
        log_in(owner_page, base_url, owner)
        owner_page.goto(f"{base_url}/en/events/{event.slug}/")
        expect(owner_page.locator("body")).not_to_contain_text(LINK)
        owner_page.click("text=Answer and name delegates")
        save_screenshots(owner_page, JOURNEY, "3-answer-invitation")
        owner_page.check("input[name=accept][value='1']")
        owner_page.check("#id_listed_to_participants")
        submit(owner_page, "form:has(input[name=answer])")
        expect(owner_page.locator(".messages")).to_contain_text("Your answer was sent to the organisers.")
        owner_page.select_option("#id_user", label="Amal Haddad")
        submit(owner_page, "form:has(input[name=delegate])")
        expect(owner_page.locator(".messages")).to_contain_text("The delegate is registered and has been emailed.")
        expect(owner_page.locator("body")).to_contain_text("Amal Haddad")
    registration = Registration.objects.get(event=event, user=delegate)
    assert registration.status == Registration.Status.CONFIRMED
    assert delegate.email in {address for message in mail.outbox for address in message.to}

    # The delegate sees where to go, and when the link will appear; at that time, the link.
    with another_browser(browser) as delegate_page:
        log_in(delegate_page, base_url, delegate)
        delegate_page.goto(f"{base_url}/en/events/{event.slug}/")
        expect(delegate_page.locator("body")).to_contain_text("Rue de Lausanne 13")
        expect(delegate_page.locator("body")).to_contain_text("The meeting link appears at")
        assert LINK not in delegate_page.content()
        Event.objects.filter(pk=event.pk).update(link_release_at=timezone.now())
        delegate_page.reload()
        expect(delegate_page.locator(f"a[href='{LINK}']")).to_be_visible()
        save_screenshots(delegate_page, JOURNEY, "4-delegate-sees-logistics")

    # A member of a verified organisation that was not invited sees the members' event, not the link.
    with another_browser(browser) as outsider_page:
        log_in(outsider_page, base_url, outsider)
        response = outsider_page.goto(f"{base_url}/en/events/{event.slug}/")
        assert response is not None
        assert response.status == 200
        expect(outsider_page.locator("h1")).to_have_text(TITLE)
        expect(outsider_page.locator("body")).to_contain_text("Shown to confirmed participants.")
        expect(outsider_page.locator("body")).not_to_contain_text(LINK)
        expect(outsider_page.locator("body")).not_to_contain_text("Rue de Lausanne 13")
        assert LINK not in outsider_page.content()


def name_by_email(page: Page, email: str) -> None:
    page.fill("#id_email", email)
    submit(page, "form:has(input[name=delegate])")


def accept_invitation(page: Page, base_url: str, event: Event, invitation: Invitation) -> None:
    page.goto(f"{base_url}/en/events/{event.slug}/invitations/{invitation.pk}/")
    page.check("input[name=accept][value='1']")
    submit(page, "form:has(input[name=answer])")


def seats_text(page: Page) -> str:
    return " ".join(page.locator(".seats").inner_text().split())


def test_closed_hybrid_meeting_seats_waitlist_colleague_by_email_and_link_release(
    page: Page, browser: Browser, base_url: str
) -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR, email="lina@iiim.example.org", full_name="Lina Coordinator")
    start = timezone.now() + datetime.timedelta(days=3)
    event = EventFactory(
        title_en="Lausanne Platform meeting",
        visibility=Event.Visibility.CLOSED,
        registration_mode=Event.RegistrationMode.INVITATION,
        format=Event.Format.HYBRID,
        street_address=STREET,
        online_link=LINK,
        capacity=3,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=6),
    )
    taafi, dawlaty = OrganizationFactory(name_en="Taafi Initiative"), OrganizationFactory(name_en="Dawlaty")
    taafi_owner, dawlaty_owner = (
        MembershipFactory(organization=org, role=Membership.Role.OWNER).user for org in (taafi, dawlaty)
    )
    amal = MembershipFactory(organization=taafi, user=UserFactory(full_name="Amal Haddad")).user
    dawlaty_delegates = [
        MembershipFactory(organization=dawlaty, user=UserFactory(full_name=name)).user
        for name in ("Nour Saleh", "Karim Aziz")
    ]
    invitations = {org: InvitationFactory(event=event, organization=org, seats=2) for org in (taafi, dawlaty)}

    # Taafi accepts first: both its seats are promised. It names Amal, and a colleague by email.
    with another_browser(browser) as owner_page:
        log_in(owner_page, base_url, taafi_owner)
        accept_invitation(owner_page, base_url, event, invitations[taafi])
        assert seats_text(owner_page).startswith("Promised 2 Named 0")
        owner_page.select_option("#id_user", label="Amal Haddad")
        submit(owner_page, "form:has(input[name=delegate])")
        name_by_email(owner_page, "rami@taafi.example.org")
        expect(owner_page.locator(".messages")).to_contain_text(
            "rami@taafi.example.org is invited and their seat is held."
        )
        assert seats_text(owner_page) == "Promised 2 Named 2 Confirmed 1 Held for invited colleagues 1 Waitlisted 0"
        save_screenshots(owner_page, JOURNEY, "5-seats-promised-and-named")

    # Dawlaty accepts second: one seat is left for it; its second delegate waits, with their place.
    with another_browser(browser) as owner_page:
        log_in(owner_page, base_url, dawlaty_owner)
        accept_invitation(owner_page, base_url, event, invitations[dawlaty])
        expect(owner_page.locator("body")).to_contain_text("The event is full: 1 of your seats cannot be promised now.")
        for person in dawlaty_delegates:
            owner_page.select_option("#id_user", label=person.get_full_name())
            submit(owner_page, "form:has(input[name=delegate])")
        expect(owner_page.locator(".messages")).to_contain_text("the delegate is number 1 on the waiting list")
        expect(owner_page.locator("body")).to_contain_text("Number 1 on the waiting list")
        save_screenshots(owner_page, JOURNEY, "6-waitlisted-delegate")
    karim = dawlaty_delegates[1]
    with another_browser(browser) as karim_page:
        log_in(karim_page, base_url, karim)
        karim_page.goto(f"{base_url}/en/events/{event.slug}/")
        expect(karim_page.locator("body")).to_contain_text("You are number 1 on the waitlist.")

    # The colleague invited by email opens the one email they got, signs in with that address and accepts.
    [invite] = [message for message in mail.outbox if "rami@taafi.example.org" in message.to]
    link = next(line for line in invite.body.splitlines() if "/events/delegation/" in line)
    rami = UserFactory(email="rami@taafi.example.org", full_name="Rami Darwish")  # signed up with that address
    with another_browser(browser) as rami_page:
        rami_page.goto(base_url + link[link.index("/en/") :])
        expect(rami_page.locator("body")).to_contain_text("Accepting makes you a member of Taafi Initiative")
        log_in(rami_page, base_url, rami)
        rami_page.goto(base_url + link[link.index("/en/") :])
        with rami_page.expect_navigation():
            rami_page.click("text=Accept: join and take the seat")
        assert rami_page.url == f"{base_url}/en/events/{event.slug}/"
        expect(rami_page.locator("body")).to_contain_text("The meeting link appears at")
    assert Membership.objects.get(user=rami, organization=taafi).role == Membership.Role.MEMBER
    assert Registration.objects.get(user=rami).status == Registration.Status.CONFIRMED

    # Taafi withdraws Amal (asked to confirm first); the coordinator gives Taafi one seat, told whom it affects:
    # the seat freed goes to Karim, who is emailed.
    with another_browser(browser) as owner_page:
        log_in(owner_page, base_url, taafi_owner)
        owner_page.goto(f"{base_url}/en/events/{event.slug}/invitations/{invitations[taafi].pk}/")
        with owner_page.expect_navigation():
            owner_page.click("li:has-text('Amal Haddad') >> text=Withdraw")
        expect(owner_page.locator("h1")).to_have_text("Cancel the registration?")
        submit(owner_page, "form:has(input[name=confirm])")
        expect(owner_page.locator(".messages")).to_contain_text("The registration is cancelled.")
    mail.outbox.clear()
    log_in(page, base_url, coordinator)
    page.goto(f"{base_url}/en/events/{event.slug}/manage/")
    page.fill(f"#seats-{invitations[taafi].pk}", "1")
    submit(page, f"form:has(#seats-{invitations[taafi].pk})")
    expect(page.locator(".alert--warning")).to_contain_text("Taafi Initiative: 1 seat")
    save_screenshots(page, JOURNEY, "7-confirm-fewer-seats")
    submit(page, "form:has(input[name=confirm_seats])")
    expect(page.locator(".messages")).to_contain_text("The seats were changed.")
    assert Registration.objects.get(user=karim).status == Registration.Status.CONFIRMED
    assert Registration.objects.get(user=amal).status == Registration.Status.CANCELLED
    assert [message.subject for message in mail.outbox if karim.email in message.to] == [
        "A place is yours: Lausanne Platform meeting"
    ]

    # At the release time (beat), each confirmed participant is emailed the link once, and sees it.
    Event.objects.filter(pk=event.pk).update(link_release_at=timezone.now())
    mail.outbox.clear()
    assert services.send_meeting_links() == 3
    assert services.send_meeting_links() == 0
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [rami.email, karim.email, dawlaty_delegates[0].email]
    )
    with another_browser(browser) as karim_page:
        log_in(karim_page, base_url, karim)
        karim_page.goto(f"{base_url}/en/events/{event.slug}/")
        expect(karim_page.locator(f"a[href='{LINK}']")).to_be_visible()
        save_screenshots(karim_page, JOURNEY, "8-link-released")
