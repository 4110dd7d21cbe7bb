"""A CSO owner endorses an open letter in French in a real browser and sees the organisation listed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from organizations.models import Membership
from statements.models import Endorsement
from tests.browser.conftest import save_screenshots
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, OrganizationFactory, StatementFactory, UserFactory

pytestmark = pytest.mark.browser


def test_cso_owner_endorses_a_letter_and_sees_their_organization_listed(page: Page, base_url: str) -> None:
    letter = StatementFactory(
        slug="lettre-ouverte-defenseuses",
        title_en="Open letter: support women human rights defenders",
        title_fr="Lettre ouverte : soutenir les défenseuses des droits humains",
        text_fr="Nous appelons tous les États membres à mettre fin aux représailles.",
        published_languages=["en", "fr"],
    )
    organization = OrganizationFactory(
        name_en="Families for Freedom", name_fr="Familles pour la liberté", hq_country="DE"
    )
    owner = UserFactory(email="amal@families.example.org", preferred_language="fr")
    MembershipFactory(user=owner, organization=organization, role=Membership.Role.OWNER)
    address = f"/fr/statements/{letter.slug}/"

    page.goto(f"{base_url}/fr/accounts/login/?next={address}")
    page.fill("#id_login", owner.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"{base_url}{address}")
    assert page.evaluate("document.documentElement.lang") == "fr"
    expect(page.locator("h1")).to_have_text("Lettre ouverte : soutenir les défenseuses des droits humains")
    endorse_form = page.locator(f"form[action='{address}endorse/']")
    expect(endorse_form.locator("select[name=organization]")).to_have_value(str(organization.pk))
    save_screenshots(page, "statement", "1-letter-fr")
    endorse_form.locator("input[name=named_publicly]").check()
    endorse_form.locator("button[type=submit]").click()

    page.wait_for_url(f"{base_url}{address}#endorsements")
    expect(page.locator(".endorsers")).to_contain_text("Familles pour la liberté")
    expect(page.locator(".messages")).to_be_visible()
    save_screenshots(page, "statement", "2-endorsed-fr")
    expect(page.locator(f"form[action='{address}endorse/']")).to_have_count(0)  # one endorsement per organisation
    assert Endorsement.objects.filter(statement=letter, organization=organization, named_publicly=True).exists()
