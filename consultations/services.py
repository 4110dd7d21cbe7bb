"""Every change to consultations, submissions, recommendations and the published summary goes through these
functions.

Each runs in a transaction and emails the people concerned once it has committed. Callers have already checked
permission with the models' access rules; the functions here guard the domain's own rules (one submission per
organisation, editable until the deadline, quotations only from what the organisation allowed, the summary
only after the closing date, one reminder per organisation).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consultations.models import (
    Attachment,
    Consultation,
    ConsultationDocument,
    Question,
    Quotation,
    Recommendation,
    ReminderSent,
    Submission,
    SubmissionVersion,
    participating_organizations,
)
from organizations.models import Membership, Organization, Topic, normalize_for_search
from organizations.picker import candidates
from portal import slugs
from portal.access import ANONYMOUS, Role, viewer_of
from portal.mail import notify
from portal.models import User


def host_coordinators(consultation: Consultation) -> QuerySet[User]:
    """The host's coordinators: the owners and editors of the host organisation."""
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=consultation.host_id,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.EDITOR],
    ).distinct()


def organization_editors(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.EDITOR],
    ).distinct()


# The call ---------------------------------------------------------------------------------------------


# Addresses under /consultations/ that are not a call's.
RESERVED_SLUGS = {"new", "feed"}


@transaction.atomic
def save_consultation(
    actor: User, consultation: Consultation, *, meetings: Iterable[Any] | None = None
) -> Consultation:
    """Create or update a call for input; its host must be a verified host organisation. The organisations
    invited by name are chosen apart (`invite_organizations`)."""
    if not (consultation.host.is_host and consultation.host.is_verified):
        raise ValidationError(_("Consultations belong to a verified host organisation."), code="host")
    if consultation.closes_at <= consultation.opens_at:
        raise ValidationError(_("The closing time must come after the opening time."), code="window")
    if not consultation.slug:
        consultation.slug = slugs.unique_slug(
            Consultation, consultation.title_en or consultation.title, fallback="consultation", reserved=RESERVED_SLUGS
        )
    consultation.save()
    if consultation.status == Consultation.Status.PUBLISHED and _asks_nobody(consultation):
        raise ValidationError(
            _("The call is published: invite organisations by name before asking only them."), code="nobody_invited"
        )
    if meetings is not None:
        consultation.meetings.set(meetings)
    return consultation


def _asks_nobody(consultation: Consultation) -> bool:
    """A call for the organisations invited by name, with none invited: a draft may be so, a published call not."""
    return consultation.audience == Consultation.Audience.INVITED and not consultation.audience_organizations().exists()


@transaction.atomic
def publish_consultation(actor: User, consultation: Consultation) -> None:
    """Publish the call: the public reads it, the organisations asked take part between its opening and closing.
    Nobody is emailed: the organisations asked find the call on the portal."""
    if not consultation.questions.exists():
        raise ValidationError(_("Add at least one question before publishing the call."), code="no_question")
    if _asks_nobody(consultation):
        raise ValidationError(_("Invite at least one organisation before publishing."), code="nobody_invited")
    consultation.status = Consultation.Status.PUBLISHED
    consultation.save(update_fields=["status", "updated_at"])


def invitable(consultation: Consultation, organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """Those of `organizations` (the picker's candidates, or some of them) that may be invited by name to
    `consultation`: not its host, and not those already invited."""
    invited = consultation.invited.through.objects.filter(consultation=consultation).values("organization_id")
    return organizations.exclude(pk=consultation.host_id).exclude(pk__in=invited)


@transaction.atomic
def invite_organizations(
    actor: User, consultation: Consultation, organizations: Iterable[Organization]
) -> list[Organization]:
    """Invite organisations by name and return those newly invited: the picker's candidates for the actor
    (verified, not hidden, seen by the rule) that `invitable` keeps; others are skipped. They are asked only
    while the call's audience is "invited by name"; like the rest of the audience, they are not emailed
    (publish_consultation emails nobody)."""
    chosen = {organization.pk for organization in organizations}
    added = list(invitable(consultation, candidates(actor)).filter(pk__in=chosen))
    consultation.invited.add(*added)
    return added


@transaction.atomic
def remove_invited(actor: User, consultation: Consultation, organization: Organization) -> None:
    """Invite an organisation no more. Its submission, if it wrote one, stays with the host; a published call
    for those invited keeps at least one."""
    consultation.invited.remove(organization)
    if consultation.status == Consultation.Status.PUBLISHED and _asks_nobody(consultation):
        raise ValidationError(
            _("The call is published and asks only those invited: invite another before removing the last one."),
            code="nobody_invited",
        )


@transaction.atomic
def add_question(actor: User, consultation: Consultation, question: Question) -> Question:
    if consultation.submissions.exists():
        raise ValidationError(_("Questions cannot change once organisations have answered."), code="answered")
    question.consultation = consultation
    last = consultation.questions.order_by("-position").values_list("position", flat=True).first()
    question.position = (last or 0) + 1
    if question.has_options and len(question.option_list()) < 2:
        raise ValidationError(_("Give at least two choices, one a line."), code="options")
    question.save()
    return question


@transaction.atomic
def remove_question(actor: User, question: Question) -> None:
    if question.consultation.submissions.exists():
        raise ValidationError(_("Questions cannot change once organisations have answered."), code="answered")
    question.delete()


@transaction.atomic
def add_document(actor: User, consultation: Consultation, document: ConsultationDocument) -> ConsultationDocument:
    document.consultation = consultation
    document.save()
    return document


# Submissions ----------------------------------------------------------------------------------------


@dataclass
class Draft:
    """What an organisation writes: its answers, the language, what the host may do with it, and its
    recommendations (topic or None, text)."""

    answers: dict[str, Any]
    language: str
    use: str
    recommendations: Sequence[tuple[Topic | None, str]] = field(default_factory=list)


def may_submit_for(who: Any, consultation: Consultation) -> list[int]:
    """Ids of the organisations in whose name `who` may write a submission to `consultation` now: their
    verified organisations where they are an editor or owner, among those the call asks."""
    if not consultation.accepts_submissions():
        return []
    viewer = viewer_of(who)
    editing = set(viewer.organizations(Role.EDITOR)) & set(participating_organizations(viewer))
    if not editing:
        return []
    asked = consultation.audience_organizations().filter(pk__in=editing)
    return sorted(asked.values_list("pk", flat=True))


@transaction.atomic
def save_submission(
    actor: User, consultation: Consultation, organization: Organization, draft: Draft, *, submit: bool
) -> Submission:
    """Save the organisation's submission (one per organisation, created on first save) and, with `submit`,
    send it to the host. Editable until the deadline; each save is kept in its history."""
    if organization.pk not in may_submit_for(actor, consultation):
        raise ValidationError(
            _("This consultation does not take submissions from this organisation now."), code="closed"
        )
    if consultation.answer_languages and draft.language not in consultation.answer_languages:
        raise ValidationError(_("Answers are not taken in this language."), code="language")
    submission, _created = Submission.objects.select_for_update().get_or_create(
        consultation=consultation, organization=organization, defaults={"created_by": actor}
    )
    submission.answers = draft.answers
    submission.language = draft.language
    _choose_use(submission, draft.use, actor)
    if submit and not submission.is_submitted:
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at, submission.submitted_by = timezone.now(), actor
    submission.save()
    _replace_recommendations(submission, draft.recommendations)
    _sync_quotations(submission)
    SubmissionVersion.objects.create(
        submission=submission,
        actor=actor,
        status=submission.status,
        content={
            "language": submission.language,
            "use": submission.use,
            "answers": submission.answers,
            "recommendations": [text for _topic, text in draft.recommendations],
        },
    )
    if submit:
        notify(
            host_coordinators(consultation),
            "consultations/email/submitted",
            {"consultation": consultation, "organization": organization},
        )
    return submission


def _choose_use(submission: Submission, use: str, actor: User) -> None:
    """What the host may do with the submission: publishing with the name is the organisation's consent to be
    named for it (NamedAct.choose_naming)."""
    if use not in Submission.Use.values:
        raise ValidationError(_("Choose what the host may do with your submission."), code="use")
    submission.use = use
    submission.choose_naming(use == Submission.Use.PUBLISH, actor)


def _replace_recommendations(submission: Submission, items: Sequence[tuple[Topic | None, str]]) -> None:
    """Keep the recommendations whose text did not change (with the host's answer), replace the others."""
    existing = list(submission.recommendations.all())
    for position, (topic, text) in enumerate(items, start=1):
        same = next((item for item in existing if item.text == text), None)
        if same is not None:
            existing.remove(same)
            same.position, same.topic = position, topic
            same.save(update_fields=["position", "topic"])
        else:
            Recommendation.objects.create(submission=submission, position=position, topic=topic, text=text)
    Recommendation.objects.filter(pk__in=[item.pk for item in existing]).delete()


@transaction.atomic
def change_use(actor: User, submission: Submission, use: str) -> Submission:
    """The organisation changes what the host may do with its submission, at any time: quotations follow at once
    (removed when it is kept to the coordinators), and so do the published figures."""
    _choose_use(submission, use, actor)
    submission.save(update_fields=["use", *Submission.NAMING_FIELDS, "updated_at"])
    _sync_quotations(submission)
    return submission


def _sync_quotations(submission: Submission) -> None:
    """Quotations copy what the organisation allows: none when confidential, its naming choice otherwise."""
    if submission.use == Submission.Use.CONFIDENTIAL:
        submission.quotations.all().delete()
    else:
        submission.quotations.update(
            named_publicly=submission.named_publicly,
            naming_consent=submission.naming_consent,
            naming_consent_by=submission.naming_consent_by,
            naming_consent_at=submission.naming_consent_at,
        )
    consultation = submission.consultation
    if consultation.summary_is_published:
        refresh_figures(consultation)


@transaction.atomic
def add_attachment(actor: User, submission: Submission, attachment: Attachment) -> Attachment:
    if not submission.consultation.accepts_submissions():
        raise ValidationError(_("The consultation is closed."), code="closed")
    attachment.submission = submission
    attachment.save()
    return attachment


# The coordinators' side --------------------------------------------------------------------------------


def mark_read(actor: User, submission: Submission) -> None:
    Submission.objects.filter(pk=submission.pk, read_at=None).update(read_at=timezone.now())


def mark_unread(actor: User, submission: Submission) -> None:
    Submission.objects.filter(pk=submission.pk).update(read_at=None)


@transaction.atomic
def assign(actor: User, submission: Submission, colleague: User | None) -> None:
    """Give the submission to one of the host's coordinators to read (None: to nobody)."""
    if colleague is not None and not host_coordinators(submission.consultation).filter(pk=colleague.pk).exists():
        raise ValidationError(_("Assign it to one of the host's coordinators."), code="colleague")
    submission.assigned_to = colleague
    submission.save(update_fields=["assigned_to", "updated_at"])


@transaction.atomic
def respond(
    actor: User, recommendation: Recommendation, response: str, reason: str, tags: Sequence[str] = ()
) -> Recommendation:
    """Answer a recommendation (its organisation sees the answer) and tag it (the coordinators alone see tags).
    The organisation's editors are told when the answer changes."""
    if response == Recommendation.Response.NOT_TAKEN_UP and not reason.strip():
        raise ValidationError(_("Say why the recommendation is not taken up."), code="reason")
    # Compared with the stored answer: a model form has already written the new one onto the instance.
    stored = Recommendation.objects.filter(pk=recommendation.pk).values_list("response", "reason").get()
    changed = (response, reason) != stored
    recommendation.response, recommendation.reason = response, reason
    recommendation.tags = sorted({tag.strip() for tag in tags if tag.strip()})
    if changed:
        recommendation.responded_at, recommendation.responded_by = timezone.now(), actor
    recommendation.save()
    if changed:
        submission = recommendation.submission
        notify(
            organization_editors(submission.organization),
            "consultations/email/answered",
            {"consultation": submission.consultation, "recommendation": recommendation},
        )
    return recommendation


@dataclass(frozen=True)
class QuestionFigures:
    question: Question
    answered: int
    # (choice, how many chose it; for a ranking: the average rank, lower first)
    choices: list[tuple[str, float]]


@dataclass(frozen=True)
class Figures:
    submitted: int
    drafts: int
    countries: int
    unread: int
    asked: int
    questions: list[QuestionFigures]


def coordinator_figures(consultation: Consultation) -> Figures:
    """The figures the host's coordinators see: every submission counts, named or not."""
    submissions = list(consultation.submissions.select_related("organization"))
    submitted = [item for item in submissions if item.is_submitted]
    questions = list(consultation.questions.all())
    return Figures(
        submitted=len(submitted),
        drafts=len(submissions) - len(submitted),
        countries=len({item.organization.hq_country for item in submitted if item.organization.hq_country}),
        unread=sum(item.read_at is None for item in submitted),
        asked=consultation.audience_organizations().count(),
        questions=[_question_figures(question, submitted) for question in questions],
    )


def _question_figures(question: Question, submissions: list[Submission]) -> QuestionFigures:
    options = question.option_list()
    answers = [item.answers.get(str(question.pk)) for item in submissions]
    answers = [answer for answer in answers if answer not in (None, "", [], {})]
    counts: Counter[int] = Counter()
    if question.kind == Question.Kind.SINGLE:
        counts.update(int(answer) for answer in answers)
    elif question.kind == Question.Kind.MULTIPLE:
        counts.update(int(choice) for answer in answers for choice in answer)
    if question.kind == Question.Kind.RANKING:
        ranks: dict[int, list[int]] = {}
        for answer in answers:
            for index, rank in answer.items():
                ranks.setdefault(int(index), []).append(int(rank))
        averages = [(options[i], round(sum(r) / len(r), 1)) for i, r in sorted(ranks.items()) if i < len(options)]
        return QuestionFigures(question, len(answers), sorted(averages, key=lambda item: item[1]))
    choices = [(option, float(counts[index])) for index, option in enumerate(options)] if question.has_options else []
    return QuestionFigures(question, len(answers), choices)


def answer_text(question: Question, answer: Any) -> str:
    """An answer as text, for the pages, the CSV and the PDF."""
    if answer in (None, "", [], {}):
        return ""
    options = question.option_list()

    def label(index: Any) -> str:
        position = int(index)
        return options[position] if 0 <= position < len(options) else "?"

    if question.kind == Question.Kind.SINGLE:
        return label(answer)
    if question.kind == Question.Kind.MULTIPLE:
        return "; ".join(label(index) for index in answer)
    if question.kind == Question.Kind.RANKING:
        ranked = sorted(answer.items(), key=lambda item: int(item[1]))
        return "; ".join(f"{rank}. {label(index)}" for index, rank in ranked)
    return str(answer)


def answered(submission: Submission, questions: Iterable[Question]) -> list[tuple[Question, str]]:
    return [(question, answer_text(question, submission.answers.get(str(question.pk)))) for question in questions]


def submission_rows(consultation: Consultation, submissions: Iterable[Submission]) -> list[list[str]]:
    """The submissions as spreadsheet rows (portal.spreadsheets neutralises formulas): one row per submission,
    one column per question, then the recommendations."""
    questions = list(consultation.questions.all())
    header = [
        _("Organisation"),
        _("Country"),
        _("Status"),
        _("Submitted"),
        _("Language"),
        _("What the host may do with it"),
        *(question.prompt for question in questions),
        _("Recommendations"),
    ]
    rows = [header]
    for submission in submissions:
        recommendations = " | ".join(
            f"[{item.topic}] {item.text}" if item.topic else item.text for item in submission.recommendations.all()
        )
        rows.append(
            [
                submission.organization.name,
                str(submission.organization.hq_country.name or ""),
                submission.get_status_display(),
                submission.submitted_at.isoformat() if submission.submitted_at else "",
                submission.language,
                submission.get_use_display(),
                *(text for _question, text in answered(submission, questions)),
                recommendations,
            ]
        )
    return rows


def bundle_html(consultation: Consultation, submissions: Iterable[Submission], language: str) -> str:
    """One printable document of every submission, each marked with the language it is written in; headings in
    the coordinator's `language`."""
    questions = list(consultation.questions.all())
    with translation.override(language):
        return render_to_string(
            "consultations/bundle_pdf.html",
            {
                "consultation": consultation,
                "items": [
                    {
                        "submission": submission,
                        "bidi": translation.get_language_info(submission.language)["bidi"],
                        "answers": answered(submission, questions),
                        "recommendations": list(submission.recommendations.all()),
                    }
                    for submission in submissions
                ],
                "language": language,
                "bidi": translation.get_language_bidi(),
            },
        )


# What we heard ----------------------------------------------------------------------------------------


@transaction.atomic
def add_quotation(actor: User, submission: Submission, text: str) -> Quotation:
    """Quote a passage of a submission in the summary, as the organisation allowed: without its name, or with
    it (under the naming rule). A confidential submission is never quoted."""
    if not submission.is_submitted or submission.use == Submission.Use.CONFIDENTIAL:
        raise ValidationError(_("This organisation did not allow its submission to be quoted."), code="confidential")
    if not text.strip():
        raise ValidationError(_("Give the passage to quote."), code="empty")
    consultation = submission.consultation
    last = consultation.quotations.order_by("-position").values_list("position", flat=True).first()
    quotation = Quotation(
        consultation=consultation,
        submission=submission,
        organization=submission.organization,
        text=text.strip(),
        language=submission.language,
        position=(last or 0) + 1,
        named_publicly=submission.named_publicly,
        naming_consent=submission.naming_consent,
        naming_consent_by=submission.naming_consent_by,
        naming_consent_at=submission.naming_consent_at,
    )
    quotation.save()
    return quotation


@transaction.atomic
def remove_quotation(actor: User, quotation: Quotation) -> None:
    quotation.delete()


@transaction.atomic
def save_summary(actor: User, consultation: Consultation) -> Consultation:
    consultation.save()
    return consultation


@transaction.atomic
def publish_summary(actor: User, consultation: Consultation, now: datetime.datetime | None = None) -> None:
    """Publish "what we heard" once the consultation has closed, with its figures."""
    now = now or timezone.now()
    if consultation.window(now) != "closed":
        raise ValidationError(_("The summary is published after the closing date."), code="open")
    if not (consultation.summary_en or consultation.summary):
        raise ValidationError(_("Write the summary first."), code="empty")
    consultation.summary_published_at = now
    consultation.save(update_fields=["summary_published_at", "updated_at"])
    refresh_figures(consultation)


def refresh_figures(consultation: Consultation) -> None:
    """Count the contributors again: every organisation that submitted counts; only those named add their
    country ("from 2 countries" while one is named would point at the other)."""
    submitted = Submission.objects.filter(consultation=consultation, status=Submission.Status.SUBMITTED)
    named = submitted.filter(Submission.named_q())
    total = submitted.count()
    named_count = named.count()
    countries = named.exclude(organization__hq_country="").values("organization__hq_country").distinct().count()
    Consultation.objects.filter(pk=consultation.pk).update(
        contributors_count=total, countries_count=countries, unnamed_count=total - named_count
    )
    consultation.contributors_count, consultation.countries_count = total, countries
    consultation.unnamed_count = total - named_count


def public_quotations(consultation: Consultation) -> list[Quotation]:
    """The quotations of the published summary, each knowing whether its organisation may be named: the same
    for every reader, so that the page, the PDF and the API never name one who chose not to be named."""
    quotations = list(
        Quotation.objects.filter(consultation=consultation).visible_to(ANONYMOUS).select_related("organization")
    )
    named = set(
        Quotation.objects.filter(consultation=consultation)
        .allowing(ANONYMOUS, Quotation.NAME)
        .values_list("pk", flat=True)
    )
    for quotation in quotations:
        quotation.shown_name = quotation.organization.name if quotation.pk in named else ""
    return quotations


def summary_html(consultation: Consultation, language: str) -> str:
    """The printable "what we heard" in `language`."""
    with translation.override(language):
        return render_to_string(
            "consultations/summary_pdf.html",
            {
                "consultation": consultation,
                "summary": consultation.summary_in(language),
                "quotations": public_quotations(consultation),
                "language": language,
                "bidi": translation.get_language_bidi(),
            },
        )


# Reminders --------------------------------------------------------------------------------------------


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Remind the organisations asked that have not submitted, `reminder_days` before the deadline: once per
    organisation (a ReminderSent row, claimed atomically before any mail goes), to its owners and editors, each
    in their own language. Safe to run twice, and by two workers at once."""
    now = now or timezone.now()
    count = 0
    open_calls = Consultation.objects.filter(
        status=Consultation.Status.PUBLISHED, opens_at__lte=now, closes_at__gt=now, reminder_days__gt=0
    )
    for consultation in open_calls:
        if now < consultation.closes_at - datetime.timedelta(days=consultation.reminder_days):
            continue
        waiting = (
            consultation.audience_organizations()
            .exclude(consultation_submissions__consultation=consultation, consultation_submissions__status="submitted")
            .exclude(pk__in=consultation.reminders_sent.values("organization_id"))
        )
        for organization in waiting:
            count += _remind(consultation, organization, now)
    return count


def _remind(consultation: Consultation, organization: Organization, now: datetime.datetime) -> int:
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReminderSent.objects.create(consultation=consultation, organization=organization, sent_at=now)
        except IntegrityError:
            return 0  # another run reminded it
        notify(
            organization_editors(organization),
            "consultations/email/reminder",
            {"consultation": consultation, "organization": organization},
        )
    return 1


def submissions_for_coordinators(consultation: Consultation, who: Any) -> QuerySet[Submission]:
    return (
        consultation.submissions.allowing(who, Submission.COORDINATE)
        .select_related("organization", "assigned_to")
        .prefetch_related("recommendations__topic")
    )


def search_submissions(submissions: QuerySet[Submission], query: str) -> QuerySet[Submission]:
    """Submissions of organisations whose name in any language (folded, as the directory searches) contains
    `query`."""
    folded = normalize_for_search(query)
    return submissions.filter(Q(organization__search_text__contains=folded)) if folded else submissions
