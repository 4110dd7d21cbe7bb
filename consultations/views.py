"""Pages for written consultations: reading a call and its summary (public), writing an organisation's
submission (its editors), and keeping the call, reading and answering the submissions (the host's coordinators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultations import services
from consultations.forms import (
    AssignForm,
    AttachmentForm,
    ConsultationForm,
    DocumentForm,
    QuestionForm,
    QuotationForm,
    ResponseForm,
    SubmissionForm,
    SummaryForm,
    UseForm,
)
from consultations.models import (
    Attachment,
    Consultation,
    ConsultationDocument,
    Question,
    Quotation,
    Recommendation,
    Submission,
    may_host_consultations,
)
from events.models import Event
from organizations.models import Organization, coordinated_organizations, normalize_for_search
from organizations.picker import PAGE_SIZE as PICKER_PAGE_SIZE
from organizations.picker import OrganizationPicker, PickedForm, candidates
from portal import audit, pdf, printing
from portal.access import MANAGE, VIEW
from portal.http import AuthenticatedHttpRequest
from portal.spreadsheets import csv_response
from portal.uploads import MAX_DOCUMENT_BYTES, accepts_upload

PAGE_SIZE = 20


def _consultation_for(request: HttpRequest, slug: str, *, manage: bool = False) -> Consultation:
    """The consultation if the person may know it exists (404 otherwise); with `manage`, if they keep it (403)."""
    consultation = get_object_or_404(Consultation.objects.select_related("host"), slug=slug)
    if not consultation.allows(request.user):
        raise Http404
    if manage and not consultation.allows(request.user, MANAGE):
        raise PermissionDenied
    return consultation


def _submission_for(request: HttpRequest, consultation: Consultation, pk: int, action: str = VIEW) -> Submission:
    """A submission of this consultation: 404 for anyone who may not read it (they may not know it exists)."""
    submission = get_object_or_404(
        Submission.objects.select_related("organization", "assigned_to"), consultation=consultation, pk=pk
    )
    if not submission.allows(request.user):
        raise Http404
    if action != VIEW and not submission.allows(request.user, action):
        raise PermissionDenied
    submission.consultation = consultation
    return submission


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# Reading ------------------------------------------------------------------------------------------------


def consultation_list(request: HttpRequest) -> HttpResponse:
    consultations = Consultation.objects.visible_to(request.user).select_related("host")
    query = request.GET.get("q", "").strip()
    if query:
        consultations = consultations.filter(search_text__contains=normalize_for_search(query))
    page = Paginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "can_create": may_host_consultations(request.user)}
    return render(request, "consultations/list.html", context)


def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation_for(request, slug)
    takes_part = consultation.allows(request.user, Consultation.TAKE_PART)
    own = Submission.objects.visible_to(request.user).filter(consultation=consultation)
    if consultation.allows(request.user, MANAGE):
        own = own.none()  # the coordinators read every submission on the manage page
    context = {
        "consultation": consultation,
        "questions": consultation.questions.all(),
        "documents": ConsultationDocument.objects.visible_to(request.user).filter(consultation=consultation),
        "takes_part": takes_part,
        "own": own.select_related("organization"),
        "may_submit": bool(services.may_submit_for(request.user, consultation)),
        "can_manage": consultation.allows(request.user, MANAGE),
        "meetings": Event.objects.visible_to(request.user).filter(consultations=consultation),
    }
    return render(request, "consultations/detail.html", context)


def consultation_heard(request: HttpRequest, slug: str) -> HttpResponse:
    """What we heard: the published summary, the quotations allowed, and the figures."""
    consultation = _consultation_for(request, slug)
    if not consultation.summary_is_published:
        raise Http404
    context = {
        "consultation": consultation,
        "summary": consultation.summary_in(get_language()),
        "quotations": services.public_quotations(consultation),
    }
    return render(request, "consultations/heard.html", context)


def heard_pdf(request: HttpRequest, slug: str) -> HttpResponseBase:
    consultation = _consultation_for(request, slug)
    if not consultation.summary_is_published:
        raise Http404
    language = get_language()
    return printing.serve_or_queue(
        request,
        pdf.Printout("consultation_summary", consultation.pk, language, services.summary_html(consultation, language)),
        filename=f"{consultation.slug}-what-we-heard-{language}.pdf",
        back_url=consultation.get_absolute_url(),
    )


def document_download(request: HttpRequest, slug: str, document_id: int) -> FileResponse:
    consultation = _consultation_for(request, slug)
    documents = ConsultationDocument.objects.visible_to(request.user).filter(consultation=consultation)
    document = get_object_or_404(documents, pk=document_id)
    audit.record(request, audit.Action.DOCUMENT_DOWNLOADED, target=document)
    return FileResponse(document.file.open("rb"), filename=f"{consultation.slug}-{document.pk}.pdf")


# Taking part --------------------------------------------------------------------------------------------


@login_required
@accepts_upload(MAX_DOCUMENT_BYTES)
def respond(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Write, save as a draft, or submit the organisation's submission; ?organization=<slug> picks one of
    several."""
    consultation = _consultation_for(request, slug)
    allowed = Organization.objects.filter(pk__in=services.may_submit_for(request.user, consultation))
    if not allowed:
        raise PermissionDenied
    wanted = request.GET.get("organization")
    organization = allowed.filter(slug=wanted).first() if wanted else allowed.first()
    if organization is None:
        raise Http404
    submission = Submission.objects.filter(consultation=consultation, organization=organization).first()
    form = SubmissionForm(request.POST or None, consultation=consultation, submission=submission)
    attachment_form = AttachmentForm(request.POST or None, request.FILES or None, prefix="attachment")
    if request.method == "POST" and form.is_valid() and attachment_form.is_valid():
        draft = services.Draft(
            answers=form.answers(),
            language=form.cleaned_data["language"],
            use=form.cleaned_data["use"],
            recommendations=form.recommendations(),
        )
        try:
            submission = services.save_submission(
                request.user, consultation, organization, draft, submit="submit" in request.POST
            )
            if attachment_form.has_file:
                services.add_attachment(request.user, submission, attachment_form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = _("Your submission was sent.") if submission.is_submitted else _("Your draft is saved.")
            messages.success(request, done)
            return redirect(submission.get_absolute_url())
    context = {
        "consultation": consultation,
        "organization": organization,
        "organizations": allowed,
        "submission": submission,
        "form": form,
        "attachment_form": attachment_form,
    }
    return render(request, "consultations/respond.html", context)


def submission_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A submission, to its organisation's people (with the host's answers) and to the host's coordinators (who
    mark it read, assign it and answer each recommendation)."""
    consultation = _consultation_for(request, slug)
    submission = _submission_for(request, consultation, pk)
    coordinating = submission.allows(request.user, Submission.COORDINATE)
    if coordinating and request.user.is_authenticated:
        services.mark_read(request.user, submission)
    recommendations = list(submission.recommendations.select_related("topic"))
    context = {
        "consultation": consultation,
        "submission": submission,
        "answers": services.answered(submission, consultation.questions.all()),
        "recommendations": [
            (item, ResponseForm(instance=item, prefix=f"r{item.pk}") if coordinating else None)
            for item in recommendations
        ],
        "attachments": submission.attachments.all(),
        "history": submission.versions.select_related("actor")[:20],
        "coordinating": coordinating,
        "assign_form": AssignForm(
            initial={"colleague": submission.assigned_to_id},
            colleagues=services.host_coordinators(consultation),
        )
        if coordinating
        else None,
        "use_form": UseForm(initial={"use": submission.use}) if submission.allows(request.user, MANAGE) else None,
    }
    return render(request, "consultations/submission.html", context)


@login_required
@require_POST
def submission_use(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _consultation_for(request, slug)
    submission = _submission_for(request, consultation, pk, MANAGE)
    form = UseForm(request.POST)
    if form.is_valid():
        services.change_use(request.user, submission, form.cleaned_data["use"])
        messages.success(request, _("Your choice is saved."))
    return redirect(submission.get_absolute_url())


def attachment_download(request: HttpRequest, slug: str, pk: int, attachment_id: int) -> FileResponse:
    consultation = _consultation_for(request, slug)
    submission = _submission_for(request, consultation, pk)
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), submission=submission, pk=attachment_id)
    audit.record(request, audit.Action.DOCUMENT_DOWNLOADED, target=attachment)
    return FileResponse(attachment.file.open("rb"), filename=f"attachment-{attachment.pk}.pdf")


# Keeping a call ---------------------------------------------------------------------------------------


@login_required
def consultation_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    if slug is None:
        if not may_host_consultations(request.user):
            raise PermissionDenied
        consultation = None
    else:
        consultation = _consultation_for(request, slug, manage=True)
    hosts = coordinated_organizations(request.user)
    form = ConsultationForm(request.POST or None, instance=consultation, hosts=hosts, who=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.save_consultation(
                request.user, form.save(commit=False), meetings=form.cleaned_data["meetings"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The consultation is saved."))
            return redirect("consultations:manage", consultation.slug)
    return render(request, "consultations/form.html", {"form": form, "consultation": consultation})


@login_required
def consultation_manage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The coordinators' side: figures, every submission (read or not, assigned to whom), questions, documents."""
    consultation = _consultation_for(request, slug, manage=True)
    submissions = services.submissions_for_coordinators(consultation, request.user)
    query = request.GET.get("q", "").strip()
    submissions = services.search_submissions(submissions, query)
    if request.GET.get("show") == "unread":
        submissions = submissions.filter(read_at=None, status=Submission.Status.SUBMITTED)
    context = {
        "consultation": consultation,
        "figures": services.coordinator_figures(consultation),
        "submissions": submissions,
        "query": query,
        "question_form": QuestionForm(prefix="question"),
        "document_form": DocumentForm(prefix="document"),
        "questions": consultation.questions.all(),
        "documents": consultation.documents.all(),
        "invited_count": consultation.invited.count(),
    }
    return render(request, "consultations/manage.html", context)


@login_required
def consultation_invited(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The organisations invited by name: who is invited (each can be removed), and the picker to invite more."""
    consultation = _consultation_for(request, slug, manage=True)
    # The picker's filters come in the address, and again in the POST (for "all matching").
    picker = OrganizationPicker(request.POST if request.method == "POST" else request.GET, who=request.user)
    form = PickedForm(
        request.POST if request.method == "POST" else None,  # a POST with nothing at all is told what is missing
        candidates=services.invitable(consultation, candidates(request.user)),
        matching=services.invitable(consultation, picker.matching()),
        filtered=bool(picker.chosen()),
    )
    if request.method == "POST" and form.is_valid():
        invited = services.invite_organizations(request.user, consultation, form.selected())
        messages.success(request, _("%(count)s organisations invited.") % {"count": len(invited)})
        return redirect("consultations:invited", slug)
    context = {
        "consultation": consultation,
        "picker": picker,
        "results": Paginator(form.matching, PICKER_PAGE_SIZE).get_page(request.GET.get("page")),
        "form": form,
        "invited": Paginator(consultation.invited.order_by("name", "pk"), PAGE_SIZE).get_page(
            request.GET.get("invited")
        ),
    }
    return render(request, "consultations/invited.html", context)


@login_required
@require_POST
def invited_remove(request: AuthenticatedHttpRequest, slug: str, organization_id: int) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    organization = get_object_or_404(consultation.invited.all(), pk=organization_id)
    try:
        services.remove_invited(request.user, consultation, organization)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("The organisation is no longer invited."))
    return redirect("consultations:invited", slug)


@login_required
@require_POST
def consultation_publish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    try:
        services.publish_consultation(request.user, consultation)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("The call for input is published."))
    return redirect("consultations:manage", slug)


@login_required
@require_POST
def question_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    form = QuestionForm(request.POST, prefix="question")
    if form.is_valid():
        try:
            services.add_question(request.user, consultation, form.save(commit=False))
        except ValidationError as error:
            _report(request, error)
    else:
        messages.error(request, _("The question could not be added: give it in at least one language."))
    return redirect("consultations:manage", slug)


@login_required
@require_POST
def question_remove(request: AuthenticatedHttpRequest, slug: str, question_id: int) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    try:
        services.remove_question(request.user, get_object_or_404(Question, consultation=consultation, pk=question_id))
    except ValidationError as error:
        _report(request, error)
    return redirect("consultations:manage", slug)


@login_required
@require_POST
@accepts_upload(MAX_DOCUMENT_BYTES)
def document_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    form = DocumentForm(request.POST, request.FILES, prefix="document")
    if form.is_valid():
        services.add_document(request.user, consultation, form.save(commit=False))
        messages.success(request, _("The document is added."))
    else:
        for message in (str(error) for errors in form.errors.values() for error in errors):
            messages.error(request, message)
    return redirect("consultations:manage", slug)


@login_required
@require_POST
def submission_assign(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    submission = _submission_for(request, consultation, pk, Submission.COORDINATE)
    form = AssignForm(request.POST, colleagues=services.host_coordinators(consultation))
    if form.is_valid():
        try:
            services.assign(request.user, submission, form.cleaned_data["colleague"])
        except ValidationError as error:
            _report(request, error)
    if request.POST.get("unread"):
        services.mark_unread(request.user, submission)
        return redirect("consultations:manage", slug)
    return redirect(submission.get_absolute_url())


@login_required
@require_POST
def recommendation_respond(request: AuthenticatedHttpRequest, slug: str, recommendation_id: int) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    recommendations = Recommendation.objects.allowing(request.user, Recommendation.RESPOND)
    recommendation = get_object_or_404(
        recommendations.select_related("submission"), submission__consultation=consultation, pk=recommendation_id
    )
    form = ResponseForm(request.POST, instance=recommendation, prefix=f"r{recommendation.pk}")
    if form.is_valid():
        try:
            services.respond(
                request.user, recommendation, form.cleaned_data["response"], form.cleaned_data["reason"], form.tags()
            )
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, _("The answer is saved; the organisation sees it."))
    return redirect("consultations:submission", slug, recommendation.submission_id)


@login_required
def submissions_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    submissions = services.submissions_for_coordinators(consultation, request.user)
    response = csv_response(f"{consultation.slug}-submissions.csv", services.submission_rows(consultation, submissions))
    audit.record(request, audit.Action.EXPORT, target=consultation, kind="submissions")
    return response


@login_required
def submissions_pdf(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    """Every submission in one PDF, each in its own language, rendered by a Celery worker (the waiting page shows
    meanwhile) and kept under its content hash."""
    consultation = _consultation_for(request, slug, manage=True)
    submissions = services.submissions_for_coordinators(consultation, request.user).filter(
        status=Submission.Status.SUBMITTED
    )
    language = get_language()
    printout = pdf.Printout(
        "consultation_bundle", consultation.pk, language, services.bundle_html(consultation, submissions, language)
    )
    audit.record(request, audit.Action.EXPORT, target=consultation, kind="submissions_pdf")
    return printing.serve_or_queue(
        request,
        printout,
        filename=f"{consultation.slug}-submissions-{language}.pdf",
        back_url=consultation.get_absolute_url(),
    )


@login_required
def summary_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Write "what we heard", choose the quotations, publish it after the closing date."""
    consultation = _consultation_for(request, slug, manage=True)
    quotable = services.submissions_for_coordinators(consultation, request.user).filter(
        status=Submission.Status.SUBMITTED, use__in=[Submission.Use.QUOTE, Submission.Use.PUBLISH]
    )
    form = SummaryForm(request.POST or None, instance=consultation, prefix="summary")
    quotation_form = QuotationForm(request.POST or None, quotable=quotable, prefix="quotation")
    if request.method == "POST":
        try:
            if "quote" in request.POST and quotation_form.is_valid():
                data = quotation_form.cleaned_data
                services.add_quotation(request.user, data["submission"], data["text"])
                messages.success(request, _("The quotation is added."))
                return redirect("consultations:summary", slug)
            if "quote" not in request.POST and form.is_valid():
                services.save_summary(request.user, form.save(commit=False))
                if "publish" in request.POST:
                    services.publish_summary(request.user, consultation)
                    messages.success(request, _("What we heard is published."))
                else:
                    messages.success(request, _("The summary is saved."))
                return redirect("consultations:summary", slug)
        except ValidationError as error:
            form.add_error(None, error)
    context = {
        "consultation": consultation,
        "form": form,
        "quotation_form": quotation_form,
        "quotations": consultation.quotations.select_related("organization"),
    }
    return render(request, "consultations/summary_form.html", context)


@login_required
@require_POST
def quotation_remove(request: AuthenticatedHttpRequest, slug: str, quotation_id: int) -> HttpResponse:
    consultation = _consultation_for(request, slug, manage=True)
    services.remove_quotation(request.user, get_object_or_404(Quotation, consultation=consultation, pk=quotation_id))
    return redirect("consultations:summary", slug)
