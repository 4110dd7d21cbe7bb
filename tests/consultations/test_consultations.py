"""Written consultations: who sees a submission, the submission flow, the coordinators' side, answering back,
and "what we heard", where an organisation that chose not to be named is counted, never named, on every output
(page, PDF, API)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from consultations import services
from consultations.models import (
    Attachment,
    Consultation,
    ConsultationDocument,
    Quotation,
    Recommendation,
    ReminderSent,
    Submission,
)
from organizations.models import Membership, NetworkMembership, Organization, private_storage
from portal.models import AuditEntry
from tests.conftest import sign_in
from tests.factories import (
    ConsultationFactory,
    MembershipFactory,
    OrganizationFactory,
    SubmissionFactory,
    UserFactory,
    host_organization,
    make_coordinator,
)

SECRET = "Survivors in Idlib told us about the checkpoint at the bridge"
UNNAMED = "Caesar Families Association"
NAMED = "Syrians for Truth and Justice"


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    # A FileField's storage callable ran when the model loaded: give the private fields this folder.
    for model in (Attachment, ConsultationDocument):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", private_storage())
    return settings.PRIVATE_MEDIA_ROOT


def editor_of(organization: Organization, role: str = Membership.Role.EDITOR, **fields: Any) -> Any:
    return MembershipFactory(organization=organization, role=role, **fields).user


def signed_in(user: Any) -> Client:
    return sign_in(Client(), user)


def pdf_text(response: Any) -> str:
    raw = b"".join(response.streaming_content)
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)


# The access rule ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_other_organisations_never_see_a_submission() -> None:
    own = OrganizationFactory()
    other = OrganizationFactory()
    consultation = ConsultationFactory()
    answers = {str(consultation.questions.get().pk): SECRET}  # the page shows answers by their question
    submission = SubmissionFactory(consultation=consultation, organization=own, answers=answers)
    member, outsider = editor_of(own, Membership.Role.MEMBER), editor_of(other, Membership.Role.OWNER)
    coordinator = make_coordinator()
    other_host = OrganizationFactory(is_host=True)
    other_coordinator = make_coordinator(organization=other_host)

    assert submission.allows(member)
    assert not submission.allows(member, "manage")  # members read, editors write
    assert submission.allows(coordinator) and submission.allows(coordinator, Submission.COORDINATE)
    assert not submission.allows(outsider)
    assert not submission.allows(other_coordinator)
    url = f"/en/consultations/{submission.consultation.slug}/submissions/{submission.pk}/"
    assert signed_in(outsider).get(url).status_code == 404
    assert signed_in(other_coordinator).get(url).status_code == 404
    assert SECRET in signed_in(member).get(url).content.decode()


@pytest.mark.django_db
def test_audience_of_a_network_takes_part_and_others_do_not() -> None:
    network = OrganizationFactory(kind=Organization.Kind.NETWORK)
    inside, outside = OrganizationFactory(), OrganizationFactory()
    NetworkMembership.objects.create(network=network, member=inside, confirmed=True)
    consultation = ConsultationFactory(audience=Consultation.Audience.NETWORK, network=network)

    assert consultation.allows(editor_of(inside), Consultation.TAKE_PART)
    assert not consultation.allows(editor_of(outside), Consultation.TAKE_PART)
    assert list(consultation.audience_organizations()) == [inside]


@pytest.mark.django_db
def test_a_draft_call_is_for_the_host_coordinators_only() -> None:
    consultation = ConsultationFactory(status="draft", title_en="Children and Youth Strategy")
    assert Client().get(f"/en/consultations/{consultation.slug}/").status_code == 404
    assert signed_in(make_coordinator()).get(f"/en/consultations/{consultation.slug}/").status_code == 200


# Submitting ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_drafts_then_submits_once_per_organisation_with_history() -> None:
    organization = OrganizationFactory(name_en=NAMED)
    editor = editor_of(organization)
    consultation = ConsultationFactory()
    question = consultation.questions.get()
    client = signed_in(editor)
    url = f"/en/consultations/{consultation.slug}/respond/"
    data = {f"question_{question.pk}": SECRET, "language": "en", "use": "confidential", "recommendation_0": "Hear"}

    assert client.post(url, {**data, "save": "1"}).status_code == 302
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.DRAFT
    client.post(url, {**data, "submit": "1", "use": "publish"})

    submission.refresh_from_db()
    assert Submission.objects.count() == 1
    assert submission.is_submitted and submission.submitted_by == editor
    assert submission.answers[str(question.pk)] == SECRET
    assert submission.use == "publish" and submission.naming_consent == "editor"
    assert [item.text for item in submission.recommendations.all()] == ["Hear"]
    assert submission.versions.count() == 2


@pytest.mark.django_db
def test_a_member_cannot_submit_and_nobody_after_the_deadline() -> None:
    organization = OrganizationFactory()
    consultation = ConsultationFactory()
    assert (
        signed_in(editor_of(organization, Membership.Role.MEMBER))
        .get(f"/en/consultations/{consultation.slug}/respond/")
        .status_code
        == 403
    )
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.save()
    assert signed_in(editor_of(organization)).get(f"/en/consultations/{consultation.slug}/respond/").status_code == 403


@pytest.mark.django_db
def test_ranking_and_choices_are_stored_and_counted() -> None:
    consultation = ConsultationFactory(questions=False)
    ranking = consultation.questions.create(kind="ranking", prompt_en="Rank", options_en="Justice\nTruth\nRepair")
    single = consultation.questions.create(kind="single", prompt_en="One", options_en="Yes\nNo")
    organization = OrganizationFactory(hq_country="TR")
    client = signed_in(editor_of(organization))
    client.post(
        f"/en/consultations/{consultation.slug}/respond/",
        {
            f"question_{ranking.pk}_0": "2",
            f"question_{ranking.pk}_1": "1",
            f"question_{ranking.pk}_2": "3",
            f"question_{single.pk}": "1",
            "language": "ar",
            "use": "confidential",
            "submit": "1",
        },
    )
    submission = Submission.objects.get()
    assert submission.answers[str(ranking.pk)] == {"0": 2, "1": 1, "2": 3}
    figures = services.coordinator_figures(consultation)
    assert figures.submitted == 1 and figures.countries == 1
    by_question = {item.question.pk: item.choices for item in figures.questions}
    assert by_question[ranking.pk][0] == ("Truth", 1.0)
    assert ("No", 1.0) in by_question[single.pk]


# The coordinators' side ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reading_marks_read_and_an_answer_reaches_the_organisation(django_capture_on_commit_callbacks: Any) -> None:
    organization = OrganizationFactory()
    owner = editor_of(organization, Membership.Role.OWNER, user__preferred_language="ar")
    submission = SubmissionFactory(organization=organization)
    recommendation = Recommendation.objects.create(submission=submission, text="Open the archives")
    coordinator = make_coordinator()
    client = signed_in(coordinator)
    client.get(f"/en/consultations/{submission.consultation.slug}/submissions/{submission.pk}/")
    submission.refresh_from_db()
    assert submission.read_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/consultations/{submission.consultation.slug}/recommendations/{recommendation.pk}/",
            {
                f"r{recommendation.pk}-response": "not_taken_up",
                f"r{recommendation.pk}-reason": "Outside our mandate",
                f"r{recommendation.pk}-tags_text": "priority-seven, mandate",
            },
        )
    recommendation.refresh_from_db()
    assert recommendation.response == "not_taken_up" and recommendation.tags == ["mandate", "priority-seven"]
    page = signed_in(owner).get(recommendation.submission.get_absolute_url()).content.decode()
    assert "Outside our mandate" in page and "priority-seven" not in page  # tags are the coordinators' own
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "المضيف" in mail.outbox[0].body or "Outside our mandate" in mail.outbox[0].body


@pytest.mark.django_db
def test_csv_export_is_formula_safe_and_audited() -> None:
    consultation = ConsultationFactory()
    answers = {str(consultation.questions.get().pk): "=HYPERLINK(1)"}
    SubmissionFactory(consultation=consultation, organization=OrganizationFactory(name_en=NAMED), answers=answers)
    coordinator = make_coordinator()
    response = signed_in(coordinator).get(f"/en/consultations/{consultation.slug}/submissions.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == NAMED and "'=HYPERLINK(1)" in rows[1]
    assert AuditEntry.objects.filter(action="export", actor=coordinator).exists()


@pytest.mark.django_db
def test_pdf_bundle_holds_every_submission_in_its_language() -> None:
    consultation = ConsultationFactory()
    question = consultation.questions.get()
    SubmissionFactory(consultation=consultation, organization=OrganizationFactory(), answers={str(question.pk): SECRET})
    SubmissionFactory(
        consultation=consultation,
        organization=OrganizationFactory(),
        language="ar",
        answers={str(question.pk): "الحواجز أمام الناجيات"},
    )
    response = signed_in(make_coordinator()).get(f"/en/consultations/{consultation.slug}/submissions.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    assert "checkpoint at the bridge" in " ".join(text.split())
    html = services.bundle_html(consultation, consultation.submissions.all(), "en")
    assert 'lang="ar" dir="rtl"' in html


@pytest.mark.django_db
def test_reminders_go_once_per_organisation_in_each_persons_language(
    django_capture_on_commit_callbacks: Any,
) -> None:
    consultation = ConsultationFactory(closes_at=timezone.now() + datetime.timedelta(days=2), reminder_days=3)
    waiting = OrganizationFactory()
    arabic = editor_of(waiting, Membership.Role.OWNER, user__preferred_language="ar")
    done = OrganizationFactory()
    editor_of(done)
    SubmissionFactory(consultation=consultation, organization=done)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0

    assert ReminderSent.objects.get().organization == waiting
    assert [message.to for message in mail.outbox] == [[arabic.email]]
    assert "تذكير" in mail.outbox[0].subject


@pytest.mark.django_db
def test_no_reminder_before_the_days_before_the_deadline() -> None:
    ConsultationFactory(closes_at=timezone.now() + datetime.timedelta(days=10), reminder_days=3)
    editor_of(OrganizationFactory())
    assert services.send_reminders() == 0


# What we heard: counted, never named -----------------------------------------------------------------------


def heard_world() -> tuple[Consultation, Any]:
    """A closed consultation: a listed organisation that chose to be named (quoted with its name), one that chose
    a quotation without its name, and one that kept its submission confidential."""
    consultation = ConsultationFactory(
        opens_at=timezone.now() - datetime.timedelta(days=20),
        closes_at=timezone.now() - datetime.timedelta(days=1),
        summary_en="We heard about the barriers to surfacing gender-based violence.",
    )
    coordinator = make_coordinator()
    named = SubmissionFactory(
        consultation=consultation,
        organization=OrganizationFactory(name_en=NAMED, hq_country="FR"),
        use="publish",
        named_publicly=True,
        naming_consent="owner",
    )
    quoted = SubmissionFactory(
        consultation=consultation, organization=OrganizationFactory(name_en=UNNAMED, hq_country="TR"), use="quote"
    )
    # Named explicitly: the factory's names come round again, and NAMED or UNNAMED must each be one organisation.
    confidential = OrganizationFactory(name_en="Confidential Witnesses Association", hq_country="DE")
    SubmissionFactory(consultation=consultation, organization=confidential)
    services.add_quotation(coordinator, named, "Named words")
    services.add_quotation(coordinator, quoted, "Unnamed words")
    services.publish_summary(coordinator, consultation)
    return consultation, coordinator


@pytest.mark.django_db
def test_what_we_heard_counts_and_names_only_those_who_agreed_on_page_pdf_and_api() -> None:
    consultation, _coordinator = heard_world()
    consultation.refresh_from_db()
    assert (consultation.contributors_count, consultation.countries_count, consultation.unnamed_count) == (3, 1, 2)

    page = Client().get(f"/en/consultations/{consultation.slug}/what-we-heard/").content.decode()
    api = json.dumps(Client().get(f"/api/v1/consultations/{consultation.slug}/").json(), ensure_ascii=False)
    pdf = pdf_text(Client().get(f"/en/consultations/{consultation.slug}/what-we-heard/pdf/"))
    for output in (page, api, " ".join(pdf.split())):
        assert "Unnamed words" in output and "Named words" in output
        assert NAMED in output
        assert UNNAMED not in output


@pytest.mark.django_db
def test_a_confidential_submission_cannot_be_quoted() -> None:
    submission = SubmissionFactory()
    with pytest.raises(Exception, match="did not allow"):
        services.add_quotation(make_coordinator(), submission, "Anything")


@pytest.mark.django_db
def test_withdrawing_permission_removes_the_quotation_and_recounts() -> None:
    consultation, _coordinator = heard_world()
    named = Submission.objects.get(consultation=consultation, organization__name_en=NAMED)
    services.change_use(UserFactory(), named, Submission.Use.CONFIDENTIAL)

    consultation.refresh_from_db()
    assert not Quotation.objects.filter(submission=named).exists()
    assert consultation.unnamed_count == 3
    page = Client().get(f"/en/consultations/{consultation.slug}/what-we-heard/").content.decode()
    assert NAMED not in page


@pytest.mark.django_db
def test_the_summary_is_published_only_after_the_closing_date() -> None:
    consultation = ConsultationFactory(summary_en="Too early")
    with pytest.raises(Exception, match="after the closing date"):
        services.publish_summary(make_coordinator(), consultation)


@pytest.mark.django_db
def test_api_lists_submissions_to_the_host_coordinators_only() -> None:
    submission = SubmissionFactory(answers={"1": SECRET})
    url = f"/api/v1/consultations/{submission.consultation.slug}/submissions/"
    assert SECRET in signed_in(make_coordinator()).get(url).content.decode()
    assert signed_in(editor_of(OrganizationFactory())).get(url).json() == []
    assert Client().get(url).json() == []


@pytest.mark.django_db
def test_arabic_search_finds_a_call_without_diacritics() -> None:
    ConsultationFactory(title_en="Gender Strategy", title_ar="استراتيجيةُ النوع الاجتماعي")
    response = Client().get("/ar/consultations/", {"q": "استراتيجية"})
    assert "Gender Strategy" in response.content.decode() or "استراتيجي" in response.content.decode()
    assert Client().get("/en/consultations/", {"q": "nothing-like-it"}).content.decode().count("card") == 0


@pytest.mark.django_db
def test_host_must_be_a_verified_host() -> None:
    consultation = ConsultationFactory.build(host=OrganizationFactory())
    with pytest.raises(Exception, match="verified host"):
        services.save_consultation(make_coordinator(), consultation)
    assert host_organization().is_host


@pytest.mark.django_db
def test_demo_data_loads_twice_with_the_seeds_consultations(settings: Any) -> None:
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    slugs = set(Consultation.objects.values_list("slug", flat=True))
    assert {
        "iiim-gender-strategy",
        "iiim-children-and-youth-strategy",
        "cssr-local-governance-recommendations",
    } <= slugs
    assert (
        Recommendation.objects.filter(submission__consultation__slug="cssr-local-governance-recommendations").count()
        == 2
    )


@pytest.mark.django_db
def test_an_attachment_is_checked_stored_privately_and_its_download_audited(private_media: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal import pdf as rendering

    consultation = ConsultationFactory()
    question = consultation.questions.get()
    organization = OrganizationFactory()
    client = signed_in(editor_of(organization))
    url = f"/en/consultations/{consultation.slug}/respond/"
    data = {f"question_{question.pk}": "Answer", "language": "en", "use": "confidential", "save": "1"}

    fake = SimpleUploadedFile("annex.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(url, {**data, "attachment-file": fake})
    assert response.status_code == 200 and "must be a PDF" in response.content.decode()
    assert not Submission.objects.exists()

    real = SimpleUploadedFile("annex.pdf", rendering.render_pdf("<p>Annex</p>"), content_type="application/pdf")
    client.post(url, {**data, "attachment-file": real, "attachment-title": "Annex"})
    attachment = Submission.objects.get().attachments.get()
    assert Path(attachment.file.path).is_relative_to(private_media)
    download = (
        f"/en/consultations/{consultation.slug}/submissions/{attachment.submission_id}/attachments/{attachment.pk}/"
    )
    assert signed_in(make_coordinator()).get(download).status_code == 200
    assert signed_in(editor_of(OrganizationFactory())).get(download).status_code == 404
    assert AuditEntry.objects.filter(action="document_downloaded").count() == 1


@pytest.mark.django_db
def test_an_organisation_export_holds_its_submissions_for_its_owners() -> None:
    from organizations import exchange

    organization = OrganizationFactory()
    owner = editor_of(organization, Membership.Role.OWNER)
    SubmissionFactory(organization=organization, answers={"1": SECRET})
    data = exchange.organization_data(owner, organization)
    assert SECRET in json.dumps(data, default=str)


@pytest.mark.django_db
def test_a_hidden_organisation_is_named_nowhere_even_if_it_chose_to_be() -> None:
    consultation, _coordinator = heard_world()
    Organization.objects.filter(name_en=NAMED).update(hidden_at=timezone.now())
    page = Client().get(f"/en/consultations/{consultation.slug}/what-we-heard/").content.decode()
    api = Client().get(f"/api/v1/consultations/{consultation.slug}/").content.decode()
    assert "Named words" in page
    assert NAMED not in page and NAMED not in api


def count_queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_list_and_manage_pages_do_not_query_per_row(no_public_cache: None) -> None:
    coordinator = make_coordinator()
    client = signed_in(coordinator)
    consultation = ConsultationFactory()
    SubmissionFactory(consultation=consultation, assigned_to=coordinator)
    manage = f"/en/consultations/{consultation.slug}/manage/"
    few = (count_queries(Client(), "/en/consultations/"), count_queries(client, manage))
    for _ in range(4):
        ConsultationFactory()
        SubmissionFactory(consultation=consultation, assigned_to=coordinator)
    many = (count_queries(Client(), "/en/consultations/"), count_queries(client, manage))
    assert many == few


@pytest.mark.django_db
def test_what_we_heard_pdf_in_arabic_is_right_to_left_and_names_nobody_who_declined() -> None:
    consultation, _coordinator = heard_world()
    html = services.summary_html(consultation, "ar")
    assert 'lang="ar" dir="rtl"' in html and "ما سمعناه" in html
    text = pdf_text(Client().get(f"/ar/consultations/{consultation.slug}/what-we-heard/pdf/"))
    assert UNNAMED not in text and "Unnamed words" in " ".join(text.split())
