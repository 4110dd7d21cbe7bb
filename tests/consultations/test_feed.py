"""The consultations' Atom feed (/<lang>/consultations/feed/): published calls and published "what we heard", built
from what an anonymous visitor may see, whoever fetches it. Never a draft, never a submission, never the name of an
organisation that asked not to be named (the figures count it)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import services
from consultations.models import Consultation, Recommendation
from tests.atom import ATOM, assert_valid_atom, atom, text
from tests.conftest import sign_in
from tests.factories import ConsultationFactory, OrganizationFactory, SubmissionFactory, make_coordinator

pytestmark = pytest.mark.django_db

DRAFT = "Canary Draft Call For Input"
CONFIDENTIAL = "Canary Confidential Words Of A Submission"
UNNAMED = "Canary Association That Asked Not To Be Named"
SUMMARY = "We heard that checkpoints keep survivors away."


def heard_consultation() -> Consultation:
    """A closed call whose published summary quotes an organisation that asked not to be named."""
    consultation = ConsultationFactory(
        slug="gender-strategy-heard",
        title_en="Consultation on the Gender Strategy",
        title_ar="استشارة بشأن استراتيجية النوع الاجتماعي",
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
        summary_en=SUMMARY,
        summary_ar="سمعنا أن الحواجز تُبعد الناجيات.",
    )
    question = str(consultation.questions.get().pk)
    quoted = SubmissionFactory(
        consultation=consultation,
        organization=OrganizationFactory(name_en=UNNAMED),
        use="quote",
        answers={question: "Checkpoints keep survivors away"},
    )
    coordinator = make_coordinator()
    services.add_quotation(coordinator, quoted, "Checkpoints keep survivors away")
    services.publish_summary(coordinator, consultation)
    return consultation


def test_published_calls_and_summaries_are_in_it_drafts_and_submissions_never() -> None:
    ConsultationFactory(title_en=DRAFT, status="draft")
    open_call = ConsultationFactory(title_en="Consultation on the Children and Youth Strategy")
    submission = SubmissionFactory(consultation=open_call, answers={str(open_call.questions.get().pk): CONFIDENTIAL})
    Recommendation.objects.create(submission=submission, text=CONFIDENTIAL)
    heard = heard_consultation()

    feed = atom(Client(), "/en/consultations/feed/")

    entries = assert_valid_atom(feed)
    titles = {text(entry, "title") for entry in entries}
    assert {
        "Consultation on the Children and Youth Strategy",
        "Consultation on the Gender Strategy",
        "What we heard: Consultation on the Gender Strategy",
    } == titles
    whole = Client().get("/en/consultations/feed/").content.decode()
    assert SUMMARY in whole
    assert f"/en/consultations/{heard.slug}/what-we-heard/" in whole
    for secret in (DRAFT, CONFIDENTIAL, UNNAMED):
        assert secret not in whole
    [summary] = [entry for entry in entries if text(entry, "title").startswith("What we heard")]
    assert text(summary.find(f"{ATOM}author"), "name") == heard.host.name_en


def test_the_feed_is_the_same_for_the_host_coordinators() -> None:
    ConsultationFactory(title_en=DRAFT, status="draft")
    heard_consultation()

    body = sign_in(Client(), make_coordinator()).get("/en/consultations/feed/").content.decode()

    assert DRAFT not in body and UNNAMED not in body and SUMMARY in body


@pytest.mark.parametrize("language", ["ar", "ku", "fr", "es", "ru"])
def test_the_feed_in_other_languages_is_valid_atom_in_that_language(language: str) -> None:
    heard_consultation()

    feed = atom(Client(), f"/{language}/consultations/feed/")

    assert len(assert_valid_atom(feed)) == 2
    assert text(feed, "title") != "Written consultations"
    if language == "ar":
        body = Client().get("/ar/consultations/feed/").content.decode()
        assert "استشارة بشأن استراتيجية النوع الاجتماعي" in body and "سمعنا أن الحواجز" in body


def test_the_list_page_points_to_the_feed() -> None:
    html = Client().get("/en/consultations/").content.decode()

    assert '<link rel="alternate" type="application/atom+xml" href="/en/consultations/feed/"' in html


def test_no_call_takes_the_feeds_address() -> None:
    consultation = ConsultationFactory.build(title_en="Feed", slug="", status="draft")

    services.save_consultation(make_coordinator(), consultation)

    assert consultation.slug != "feed"


def test_the_number_of_queries_does_not_grow_with_the_entries(no_public_cache: None) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert Client().get("/en/consultations/feed/").status_code == 200
        return len(captured)

    heard_consultation()
    few = queries()
    ConsultationFactory.create_batch(4)
    for consultation in ConsultationFactory.create_batch(2, summary_en=SUMMARY, summary_published_at=timezone.now()):
        assert consultation.summary_is_published

    assert queries() == few
