"""Written consultations in a real browser: a CSO owner writes her organisation's submission in Arabic (draft,
submit, choose how it may be used); a coordinator opens a call, reads a submission, answers its recommendation and
publishes what we heard, where an organisation quoted without its name is not named; the call asks organisations
invited by name, chosen with the organisation picker."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from consultations.models import Consultation, Recommendation, Submission
from organizations.models import Membership
from tests.browser.conftest import log_in, save_screenshots
from tests.factories import (
    ConsultationFactory,
    MembershipFactory,
    OrganizationFactory,
    SubmissionFactory,
    UserFactory,
    make_coordinator,
)

pytestmark = pytest.mark.browser

ANSWER = "الحواجز أمام الناجيات كثيرة"


def test_cso_owner_drafts_and_submits_in_arabic_choosing_to_be_named(page: Page, base_url: str) -> None:
    consultation = ConsultationFactory(
        slug="gender-strategy",
        title_en="Consultation on the Gender Strategy",
        title_ar="استشارة بشأن استراتيجية النوع الاجتماعي",
        questions=False,
    )
    question = consultation.questions.create(position=1, prompt_en="What barriers?", prompt_ar="ما هي العوائق؟")
    organization = OrganizationFactory(name_en="Families for Freedom", name_ar="عائلات من أجل الحرية")
    owner = UserFactory(email="amal@families.example.org", preferred_language="ar")
    MembershipFactory(user=owner, organization=organization, role=Membership.Role.OWNER)
    log_in(page, base_url, owner)

    page.goto(f"{base_url}/ar/consultations/{consultation.slug}/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    expect(page.locator("h1")).to_contain_text("استشارة بشأن استراتيجية النوع الاجتماعي")
    with page.expect_navigation():
        page.click(f"a[href='/ar/consultations/{consultation.slug}/respond/']")
    page.fill(f"#id_question_{question.pk}", ANSWER)
    page.fill("#id_recommendation_0", "إشراك الناجيات في التوثيق")
    page.select_option("#id_language", "ar")
    save_screenshots(page, "consultation-owner", "1-form-ar")
    with page.expect_navigation():
        page.click("button[name=save]")
    expect(page.locator(".messages")).to_contain_text("حُفظت مسودتك")
    assert Submission.objects.get().status == Submission.Status.DRAFT

    page.goto(f"{base_url}/ar/consultations/{consultation.slug}/respond/")
    expect(page.locator(f"#id_question_{question.pk}")).to_have_value(ANSWER)
    page.check("input[name=use][value=publish]")
    with page.expect_navigation():
        page.click("button[name=submit]")
    expect(page.locator(".messages")).to_contain_text("أُرسلت مساهمتك")
    expect(page.locator("main")).to_contain_text(ANSWER)
    save_screenshots(page, "consultation-owner", "2-submitted-ar")
    submission = Submission.objects.get()
    assert submission.is_submitted and submission.language == "ar"
    assert (submission.use, submission.naming_consent) == ("publish", "owner")


def test_coordinator_opens_a_call_answers_a_recommendation_and_publishes_what_we_heard(
    page: Page, base_url: str
) -> None:
    coordinator = make_coordinator()
    taafi = OrganizationFactory(name_en="Taafi Initiative for Children")
    OrganizationFactory(name_en="Caesar Families Association")
    log_in(page, base_url, coordinator)

    page.goto(f"{base_url}/en/consultations/new/")
    page.fill("#id_title_en", "Consultation on the Children and Youth Strategy")
    page.fill("#id_opens_at", (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_closes_at", (timezone.now() + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"))
    page.check("input[name=audience][value=invited]")
    with page.expect_navigation():
        page.click("main form.org-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Submissions and settings")
    page.fill("#id_question-prompt_en", "How should children be heard safely?")
    with page.expect_navigation():
        page.click("form[action$='/questions/'] button[type=submit]")
    # Nobody invited yet: the call is not published.
    with page.expect_navigation():
        page.click("form[action$='/publish/'] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Invite at least one organisation before publishing.")

    # The organisations invited by name, with the picker: the results follow the search as one types.
    with page.expect_navigation():
        page.click("text=Choose the organisations invited")
    page.fill("#id_q", "taafi")
    expect(page.locator("#picker-results")).to_contain_text("1 organisation matches.")
    expect(page.locator("#picker-results")).not_to_contain_text("Caesar Families Association")
    page.check(f"#picker-results input[name=organizations][value='{taafi.pk}']")
    save_screenshots(page, "consultation-coordinator", "1-invite")
    with page.expect_navigation():
        page.click("button[name=invite][value=chosen]")
    expect(page.locator(".messages")).to_contain_text("1 organisations invited.")
    expect(page.locator("main section").first).to_contain_text("Taafi Initiative for Children")
    slug = Consultation.objects.get().slug
    with page.expect_navigation():
        page.click(f"main a[href='/en/consultations/{slug}/manage/']")  # back to the call's settings
    with page.expect_navigation():
        page.click("form[action$='/publish/'] button[type=submit]")
    call = Consultation.objects.get()
    assert call.status == Consultation.Status.PUBLISHED and call.questions.count() == 1
    assert list(call.audience_organizations()) == [taafi]
    save_screenshots(page, "consultation-coordinator", "2-call-published")

    closed = ConsultationFactory(
        slug="gender-strategy-heard",
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    quoted = SubmissionFactory(
        consultation=closed,
        organization=OrganizationFactory(name_en="Caesar Families Association"),
        use="quote",
        answers={str(closed.questions.get().pk): "Checkpoints keep survivors away"},
    )
    recommendation = Recommendation.objects.create(submission=quoted, text="Open a safe channel for survivors")

    page.goto(f"{base_url}/en/consultations/{closed.slug}/manage/")
    expect(page.locator("main table")).to_contain_text("Unread")
    with page.expect_navigation():
        page.click(f"a[href='/en/consultations/{closed.slug}/submissions/{quoted.pk}/']")
    page.select_option(f"#id_r{recommendation.pk}-response", "taken_up")
    with page.expect_navigation():
        page.click(f"form[action$='/recommendations/{recommendation.pk}/'] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("The answer is saved")
    recommendation.refresh_from_db()
    assert recommendation.response == "taken_up"

    page.goto(f"{base_url}/en/consultations/{closed.slug}/summary/")
    page.fill("#id_summary-summary_en", "We heard that checkpoints keep survivors away.")
    page.select_option("#id_quotation-submission", str(quoted.pk))
    page.fill("#id_quotation-text", "Checkpoints keep survivors away")
    with page.expect_navigation():
        page.click("button[name=quote]")
    page.fill("#id_summary-summary_en", "We heard that checkpoints keep survivors away.")
    with page.expect_navigation():
        page.click("button[name=publish]")
    expect(page.locator(".messages")).to_contain_text("What we heard is published")

    page.goto(f"{base_url}/en/consultations/{closed.slug}/what-we-heard/")
    main = page.locator("main")
    expect(main).to_contain_text("Checkpoints keep survivors away")
    expect(main).to_contain_text("An organisation that asked not to be named")
    expect(main).not_to_contain_text("Caesar Families Association")
    save_screenshots(page, "consultation-coordinator", "3-what-we-heard")
