"""Demo consultations from the public facts in shared/seeds/: the IIIM's consultations on its Gender Strategy and
its Children and Youth Strategy, and the Special Envoy's office gathering the recommendations of a CSSR working
group. Called by `manage.py load_demo` after the demo organisations and events; idempotent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from consultations.models import Consultation, Question, Recommendation, Submission
from events.models import EventSeries
from organizations.models import NamingConsent, Organization
from portal.models import User


def load() -> None:
    now = timezone.now()
    iiim = Organization.objects.get(slug="iiim")
    envoy = Organization.objects.get(slug="office-of-the-special-envoy")
    stj = Organization.objects.get(slug="syrians-for-truth-and-justice")
    scm = Organization.objects.get(slug="syrian-center-for-media-and-freedom-of-expression")

    gender = _consultation(
        "iiim-gender-strategy",
        iiim,
        title_en="Consultation on the IIIM's Gender Strategy",
        title_ar="استشارة بشأن استراتيجية النوع الاجتماعي للآلية الدولية المحايدة والمستقلة",
        description_en=(
            "As the IIIM continues to refine its Gender Strategy, it asks Syrian civil-society organisations for "
            "their written insight into the barriers to surfacing gender-based violence, including sexual violence, "
            "in the Syrian context, and the challenges faced by those working on these issues."
        ),
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now + datetime.timedelta(days=20),
    )
    _questions(
        gender,
        [
            ("text", "What barriers keep survivors of gender-based violence from coming forward?", ""),
            (
                "ranking",
                "Rank these priorities for the strategy",
                "Safety of survivors\nReferral to services\nDocumentation",
            ),
        ],
    )
    children = _consultation(
        "iiim-children-and-youth-strategy",
        iiim,
        title_en="Consultation on the IIIM's Strategy on crimes against and affecting children and youth",
        title_ar="استشارة بشأن استراتيجية الآلية بشأن الجرائم المرتكبة ضد الأطفال والشباب",
        description_en=(
            "Following the in-person consultations of November 2021, the IIIM asks organisations documenting or "
            "supporting children and youth impacted by the conflict for their written input."
        ),
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now - datetime.timedelta(days=5),
        summary_en=(
            "Organisations stressed the need for child-friendly interviewing and for support to families during "
            "documentation."
        ),
    )
    _questions(children, [("text", "How should children and youth be heard safely?", "")])
    cssr = _consultation(
        "cssr-local-governance-recommendations",
        envoy,
        title_en="Recommendations of the CSSR working group on Local Governance and Decentralization",
        description_en="The Special Envoy's office gathers the working group's recommendations before its briefing.",
        opens_at=now - datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=10),
        audience=Consultation.Audience.WORKING_GROUP,
        working_group=EventSeries.objects.filter(slug="cssr-local-governance-and-decentralization").first(),
    )
    _questions(cssr, [("text", "What should the political process protect in local governance?", "")])

    owner = User.objects.filter(email="stj@example.org").first()
    submission, _created = Submission.objects.get_or_create(
        consultation=cssr,
        organization=stj,
        defaults={
            "status": Submission.Status.SUBMITTED,
            "submitted_at": now,
            "submitted_by": owner,
            "language": "en",
            "answers": {str(cssr.questions.get().pk): "Protection priorities for Syrians returning to their areas."},
        },
    )
    for position, text in enumerate(
        [
            "Involve local councils and civil society in decentralisation talks.",
            "Protect housing, land and property rights of the displaced.",
        ],
        start=1,
    ):
        Recommendation.objects.get_or_create(submission=submission, text=text, defaults={"position": position})
    for organization, use in ((stj, Submission.Use.PUBLISH), (scm, Submission.Use.QUOTE)):
        Submission.objects.get_or_create(
            consultation=children,
            organization=organization,
            defaults={
                "status": Submission.Status.SUBMITTED,
                "submitted_at": now - datetime.timedelta(days=6),
                "use": use,
                "named_publicly": use == Submission.Use.PUBLISH,
                "naming_consent": NamingConsent.OWNER if use == Submission.Use.PUBLISH else NamingConsent.NOBODY,
            },
        )


def _consultation(slug: str, host: Organization, **fields: object) -> Consultation:
    consultation, _created = Consultation.objects.update_or_create(
        slug=slug, defaults={"host": host, "status": Consultation.Status.PUBLISHED, **fields}
    )
    return consultation


def _questions(consultation: Consultation, questions: list[tuple[str, str, str]]) -> None:
    for position, (kind, prompt, options) in enumerate(questions, start=1):
        Question.objects.update_or_create(
            consultation=consultation,
            position=position,
            defaults={"kind": kind, "prompt_en": prompt, "options_en": options},
        )
