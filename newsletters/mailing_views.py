"""Mailing lists, subscriptions (double opt-in, one-click unsubscribe) and campaigns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from newsletters import dispatch, services, tasks
from newsletters.forms import CampaignForm, MailingListForm, MembersByRoleForm, SubscribeForm, SubscriberImportForm
from newsletters.models import Campaign, MailingList, Subscription
from organizations.models import coordinated_organizations
from portal import audit
from portal.access import MANAGE, viewer_of
from portal.http import AuthenticatedHttpRequest
from portal.proxies import client_ip
from portal.spreadsheets import csv_response
from portal.uploads import accepts_upload

SUBSCRIBE_LIMIT = 10  # per address per hour: the form sends email, so it must not become a mail cannon


SUBSCRIBER_LISTS = MailingList.objects.filter(kind=MailingList.Kind.SUBSCRIBERS)


def _list_for(request: HttpRequest, slug: str) -> MailingList:
    """A list its coordinators manage; everyone else gets 404 (who subscribes where is nobody else's business).
    An outreach list is not one: its invitations are sent from the statement's outreach page (home.outreach), and
    no other campaign may go to the owners it invited, who never subscribed."""
    mailing_list = get_object_or_404(SUBSCRIBER_LISTS.select_related("owner"), slug=slug)
    if not mailing_list.allows(request.user, MANAGE):
        raise Http404
    return mailing_list


# Public side -------------------------------------------------------------------------------------------


# No CSRF check: the form sits on cached public pages, and a forged request could only ask an address to confirm
# a subscription (double opt-in), as anyone can by typing it in; the rate limit below holds either way.
@csrf_exempt
@require_POST
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    mailing_list = get_object_or_404(MailingList, slug=slug, is_public=True)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "newsletters/subscribe.html", {"form": form, "mailing_list": mailing_list}, status=400)
    key = f"subscribe:{client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    if cache.incr(key) > SUBSCRIBE_LIMIT:
        form.add_error(None, _("Too many requests from your connection. Try again in an hour."))
        return render(request, "newsletters/subscribe.html", {"form": form, "mailing_list": mailing_list}, status=429)
    services.subscribe(mailing_list, form.cleaned_data["email"], form.cleaned_data["language"])
    return render(request, "newsletters/subscribe.html", {"mailing_list": mailing_list, "sent": True})


@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    # Confirm on POST only: mail scanners that open links must not subscribe anyone.
    try:
        subscription = services.subscription_for(token)
        if request.method == "POST":
            subscription = services.confirm_subscription(token)
    except ValidationError as error:
        return render(request, "newsletters/subscription.html", {"error": error.messages[0]}, status=400)
    if services.confirmation_expired(subscription):
        # Said before any button: the link is dead, and the page leads to the form that sends a new one.
        context = {"error": services.CONFIRMATION_EXPIRED, "subscribe_again": subscription.mailing_list}
        return render(request, "newsletters/subscription.html", context, status=400)
    return render(request, "newsletters/subscription.html", {"subscription": subscription, "confirming": True})


@never_cache
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST unsubscribes without login (RFC 8058 one-click from the mail client).
    CSRF does not apply: the secret token is the only authority, and it can only unsubscribe."""
    if token == "test":  # noqa: S105 - the link in a test email, which has no subscription
        return render(request, "newsletters/subscription.html", {"test": True})
    try:
        subscription = services.subscription_for(token)
        if request.method == "POST":
            subscription = services.unsubscribe(token)
    except ValidationError as error:
        return render(request, "newsletters/subscription.html", {"error": error.messages[0]}, status=400)
    return render(request, "newsletters/subscription.html", {"subscription": subscription, "unsubscribing": True})


@never_cache
@require_POST
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = services.resubscribe(token)
    except ValidationError as error:
        return render(request, "newsletters/subscription.html", {"error": error.messages[0]}, status=400)
    return render(request, "newsletters/subscription.html", {"subscription": subscription})


# Coordinators ------------------------------------------------------------------------------------------


@login_required
def list_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    lists = (
        SUBSCRIBER_LISTS.managed_by(request.user)
        .select_related("owner")
        .annotate(confirmed=Count("subscriptions", filter=Q(subscriptions__status=Subscription.Status.CONFIRMED)))
    )
    return render(
        request,
        "newsletters/list_index.html",
        {"lists": lists, "can_create": viewer_of(request.user).may_coordinate},
    )


@login_required
def list_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    mailing_list = _list_for(request, slug) if slug else None
    if mailing_list is None and not viewer_of(request.user).may_coordinate:
        raise PermissionDenied
    form = MailingListForm(request.POST or None, instance=mailing_list, owners=coordinated_organizations(request.user))
    if request.method == "POST" and form.is_valid():
        mailing_list = form.save(commit=False)
        if not mailing_list.slug:
            mailing_list.slug = services.unique_list_slug(mailing_list.name_en or mailing_list.name)
        mailing_list.save()
        messages.success(request, _("The mailing list is saved."))
        return redirect(mailing_list)
    return render(request, "newsletters/form.html", {"form": form, "heading": _("Mailing list")})


@accepts_upload(services.MAX_IMPORT_BYTES)
@login_required
def list_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    mailing_list = _list_for(request, slug)
    import_form = (
        SubscriberImportForm(request.POST or None, request.FILES or None)
        if "import" in request.POST
        else SubscriberImportForm()
    )
    # The hidden field that names the form must not be "roles": the checkboxes already post under that name.
    roles_form = MembersByRoleForm(request.POST) if "add_members" in request.POST else MembersByRoleForm()
    report = None
    if request.method == "POST" and "import" in request.POST and import_form.is_valid():
        report = services.import_subscribers(request.user, mailing_list, import_form.cleaned_data["file"])
    elif request.method == "POST" and "add_members" in request.POST and roles_form.is_valid():
        added = services.add_members_by_role(request.user, mailing_list, roles_form.cleaned_data["roles"])
        messages.success(request, _("%(count)s people invited to subscribe.") % {"count": added})
        return redirect(mailing_list)
    counts = dict(mailing_list.subscriptions.values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "newsletters/list_detail.html",
        {
            "mailing_list": mailing_list,
            "counts": counts,
            "import_form": import_form,
            "roles_form": roles_form,
            "report": report,
            "campaigns": mailing_list.campaigns.select_related("edition"),
            "bouncing": mailing_list.subscriptions.filter(subscriber__status="bouncing").count(),
        },
    )


@login_required
def list_export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    mailing_list = _list_for(request, slug)
    filename = f"{slugify(mailing_list.slug)}-{timezone.localdate()}.csv"
    # No byte order mark, as before: a mailing tool or script reading plain UTF-8 would take it into the name
    # of the first column (email).
    response = csv_response(filename, services.subscriber_rows(mailing_list), byte_order_mark=False)
    audit.record(request, audit.Action.EXPORT, target=mailing_list, kind="subscribers")
    return response


@login_required
def campaign_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    mailing_list = _list_for(request, slug)
    form = CampaignForm(
        request.POST or None, mailing_list=mailing_list, initial={"edition": request.GET.get("edition")}
    )
    if request.method == "POST" and form.is_valid():
        campaign = services.create_campaign(request.user, mailing_list, form.save(commit=False))
        return redirect(campaign)
    return render(request, "newsletters/form.html", {"form": form, "heading": _("New campaign")})


def _campaign_for(request: HttpRequest, slug: str, campaign_id: int) -> Campaign:
    mailing_list = _list_for(request, slug)
    return get_object_or_404(
        Campaign.objects.select_related("edition", "mailing_list"), pk=campaign_id, mailing_list=mailing_list
    )


@login_required
def campaign_detail(request: AuthenticatedHttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for(request, slug, campaign_id)
    progress = dispatch.progress(campaign)
    return render(
        request,
        "newsletters/campaign.html",
        {
            "campaign": campaign,
            "progress": progress,
            "limit_notice": dispatch.limit_notice(campaign),
            "possibly_twice": dispatch.possibly_sent_twice(campaign) if progress["possibly_duplicate"] else [],
            "preview": dispatch.render_campaign(campaign, get_language()),
            # Named in the confirmation that "Send now" asks for, and checked again when it is given.
            "recipients": services.recipients(campaign.mailing_list).count()
            if campaign.status == Campaign.Status.DRAFT
            else None,
        },
    )


@login_required
def campaign_progress(request: AuthenticatedHttpRequest, slug: str, campaign_id: int) -> JsonResponse:
    campaign = _campaign_for(request, slug, campaign_id)
    return JsonResponse(
        {
            "status": campaign.get_status_display(),
            "limit_notice": dispatch.limit_notice(campaign),
            **dispatch.progress(campaign),
        }
    )


def _unconfirmed(request: HttpRequest, campaign: Campaign) -> str | None:
    """Why the sending of `campaign` is not confirmed: the coordinator confirms the number of recipients the page
    named, and it must still be the number the list has."""
    confirmed = request.POST.get("recipients", "")
    if not confirmed.isdigit():
        return _("Confirm the number of recipients before sending.")
    count = services.recipients(campaign.mailing_list).count()
    if int(confirmed) != count:
        return _("The list now has %(count)s recipients, not %(confirmed)s. Check and confirm again.") % {
            "count": count,
            "confirmed": confirmed,
        }
    return None


@login_required
@require_POST
def campaign_action(request: AuthenticatedHttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for(request, slug, campaign_id)
    action = request.POST.get("action")
    if action == "test":
        services.send_test(request.user, campaign, queue_test=tasks.send_campaign_test.delay)
        messages.success(request, _("A test was sent to %(email)s.") % {"email": request.user.email})
    elif action == "send" and (error := _unconfirmed(request, campaign)):
        messages.error(request, error)
    elif action == "send":
        try:
            count = services.send_campaign(request.user, campaign, queue_sending=tasks.dispatch_campaign.delay)
        except services.CampaignError as error:
            messages.error(request, str(error))
        else:
            if count is None:
                messages.success(request, _("The campaign will be sent at the scheduled time."))
            else:
                messages.success(request, _("Sending to %(count)s subscribers.") % {"count": count})
    elif action == "pause":
        services.pause_campaign(request.user, campaign)
    elif action == "resume":
        services.resume_campaign(request.user, campaign, queue_sending=tasks.dispatch_campaign.delay)
    else:
        raise Http404
    return redirect(campaign)
