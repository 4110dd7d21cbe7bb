"""Every page type passes axe-core (WCAG 2.1 A and AA rules) without a serious or critical violation, in
English and in Arabic, for a visitor and, where the page is for them, a signed-in editor.

axe-playwright-python evaluates the copy of axe-core that ships inside the package in the page (no request
leaves the machine: the `page` fixture would fail the test if one did)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page

from agreements.models import Agreement
from consultations.models import Consultation
from events.models import Event
from newsletters.models import Edition
from organizations.models import Membership, Organization
from portal.models import User
from statements.models import Statement
from tests.browser.conftest import log_in
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ConsultationFactory,
    EditionFactory,
    EndorsementFactory,
    EventFactory,
    ItemFactory,
    MailingListFactory,
    OrganizationFactory,
    PublicationFactory,
    SectionFactory,
    StatementFactory,
    SubmissionFactory,
    host_organization,
    make_coordinator,
)

pytestmark = pytest.mark.browser

AXE = Axe()
# The rules axe-core files under WCAG 2.0 and 2.1, levels A and AA, plus its best practices (landmarks,
# heading order, page-has-heading-one...): the standard the portal promises.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


@dataclass
class Site:
    organization: Organization
    agreement: Agreement
    event: Event
    edition: Edition
    statement: Statement
    editor: User
    consultation: Consultation
    heard: Consultation


@pytest.fixture
def site(base_url: str) -> Site:
    """A small portal with one of everything that a visitor may see, and an editor of the publisher."""
    host = host_organization()
    organization = OrganizationFactory(name_en="Caesar Families Association", name_ar="رابطة عائلات قيصر")
    OrganizationFactory.create_batch(3)
    agreement = AgreementFactory(owner=host)
    AgreementPartyFactory(agreement=agreement, organization=organization)
    event = EventFactory(owner=host, description_en="A day with the families' associations.")
    publication = PublicationFactory(owner=host)
    edition = EditionFactory(publication=publication, number=1)
    section = SectionFactory(edition=edition, title_en="Advocacy Activities")
    ItemFactory(section=section)
    MailingListFactory.create_batch(2, owner=host, publication=publication)  # two subscribe forms on one page
    statement = StatementFactory(owner=OrganizationFactory(kind=Organization.Kind.NETWORK))
    EndorsementFactory(statement=statement, organization=organization)
    editor = make_coordinator(Membership.Role.EDITOR, email="hala@iiim.example.org")
    consultation = ConsultationFactory(host=host)
    SubmissionFactory(consultation=consultation, organization=organization)
    heard = ConsultationFactory(
        host=host,
        opens_at=timezone.now() - datetime.timedelta(days=20),
        closes_at=timezone.now() - datetime.timedelta(days=1),
        summary_en="We heard about the barriers to surfacing gender-based violence.",
        summary_published_at=timezone.now(),
    )
    return Site(organization, agreement, event, edition, statement, editor, consultation, heard)


PAGES: dict[str, Callable[[Site], str]] = {
    "home": lambda site: "/",
    "directory": lambda site: "/organizations/",
    "organization": lambda site: f"/organizations/{site.organization.slug}/",
    "register": lambda site: "/organizations/register/",
    "agreements": lambda site: "/agreements/",
    "agreement": lambda site: f"/agreements/{site.agreement.slug}/",
    "events": lambda site: "/events/",
    "month": lambda site: f"/events/?view=month&month={site.event.starts_at:%Y-%m}",
    "event": lambda site: f"/events/{site.event.slug}/",
    "bulletins": lambda site: "/bulletins/",
    "publication": lambda site: f"/bulletins/{site.edition.publication.slug}/",
    "edition": lambda site: f"/bulletins/{site.edition.publication.slug}/{site.edition.number}/",
    "compose": lambda site: f"/bulletins/{site.edition.publication.slug}/{site.edition.number}/compose/",
    "statements": lambda site: "/statements/",
    "statement": lambda site: f"/statements/{site.statement.slug}/",
    "login": lambda site: "/accounts/login/",
    "signup": lambda site: "/accounts/signup/",
    "preferences": lambda site: "/accounts/preferences/",
    "manage event": lambda site: f"/events/{site.event.slug}/manage/",
    "consultations": lambda site: "/consultations/",
    "consultation": lambda site: f"/consultations/{site.consultation.slug}/",
    "what we heard": lambda site: f"/consultations/{site.heard.slug}/what-we-heard/",
    "manage consultation": lambda site: f"/consultations/{site.consultation.slug}/manage/",
    "consultation invited": lambda site: f"/consultations/{site.consultation.slug}/invited/",
}
# Pages for a signed-in person (the editor of the publisher); the others are read as a visitor.
SIGNED_IN = {"register", "compose", "preferences", "manage event", "manage consultation", "consultation invited"}


def blocking_violations(page: Page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS).response
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "\n".join(f"    {node['target']} {node['html'][:160]}" for node in violation["nodes"])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


def duplicate_ids(page: Page) -> list[str]:
    """Ids used twice: a label or a skip link would point at the wrong element (axe-core no longer checks)."""
    return page.evaluate(
        "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
        " return ids.filter((id, i) => ids.indexOf(id) !== i); }"
    )


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violation(
    page: Page, base_url: str, site: Site, name: str, language: str
) -> None:
    if name in SIGNED_IN:
        log_in(page, base_url, site.editor)
    response = page.goto(f"{base_url}/{language}{PAGES[name](site)}")

    assert response is not None
    assert response.status == 200, page.url
    assert page.evaluate("document.documentElement.lang") == language
    violations = blocking_violations(page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)
    assert duplicate_ids(page) == []


def test_keyboard_reaches_skip_link_first_then_main_navigation_with_visible_focus(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/en/")

    focus_order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        focus_order.append(
            page.evaluate(
                """() => {
                  const el = document.activeElement, style = getComputedStyle(el);
                  const box = el.getBoundingClientRect();
                  return {
                    text: el.textContent.trim(),
                    inNav: Boolean(el.closest('nav.site-nav')),
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                    onScreen: box.top >= 0 && box.bottom <= innerHeight && box.width > 1,
                  };
                }"""
            )
        )

    skip_link, brand, first_nav_item = focus_order
    assert skip_link["text"] == "Skip to content"
    assert skip_link["onScreen"], "the skip link stays off screen when focused"
    assert brand["text"].endswith("Civil Society Coordination Portal")
    assert first_nav_item == {"text": "Directory", "inNav": True, "outline": True, "onScreen": True}
    assert all(step["outline"] for step in focus_order), focus_order

    # Following the skip link puts the keyboard in the main content, where the ring is dark on the light page
    # (it is the accent yellow on the dark header).
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(18, 52, 64)"
    assert page.locator(".site-nav a").first.evaluate("a => (a.focus(), getComputedStyle(a).outlineColor)") == (
        "rgb(242, 193, 78)"
    )
