"""Retention schedules (issue 19, item 2): each category of personal data is deleted once its period is over, the
aggregates survive, a dry run deletes nothing, and the privacy page publishes the very periods the code applies."""

from __future__ import annotations

import datetime
import html
import importlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.utils import timezone, translation
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from agreements.models import AccessionRequest
from events.models import Event, Invitation, Registration, SeatHold
from newsletters import dispatch
from newsletters import services as newsletter_services
from newsletters.models import Delivery, Subscriber, Subscription
from organizations import services as organization_services
from organizations.models import JoinRequest, MembershipInvitation, Organization
from portal import retention
from portal.models import AuditEntry, SignedInSession
from portal.tasks import apply_retention
from tests.factories import (
    AccessionRequestFactory,
    CampaignFactory,
    EventFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    MembershipInvitationFactory,
    OrganizationFactory,
    RegistrationFactory,
    SubscriberFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.workers import celery_workers, needs_workers

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def ago(period: datetime.timedelta) -> datetime.datetime:
    return timezone.now() - period


def period(key: str) -> datetime.timedelta:
    return django_settings.RETENTION[key]


def exists(row: Model) -> bool:
    return type(row)._default_manager.filter(pk=row.pk).exists()


# Each category: a row just past its period and one just inside it -------------------------------------------


def _registrations(age: datetime.timedelta) -> Model:
    event = EventFactory(starts_at=ago(age) - datetime.timedelta(hours=8), ends_at=ago(age))
    return RegistrationFactory(event=event, needs_visa_letter=True, accessibility_needs="Wheelchair access")


def _seat_hold(age: datetime.timedelta) -> Model:
    event = EventFactory(starts_at=ago(age) - datetime.timedelta(hours=8), ends_at=ago(age))
    invitation = InvitationFactory(event=event, status=Invitation.Status.ACCEPTED, seats=2)
    return SeatHold.objects.create(
        invitation=invitation, email="colleague@example.org", accessibility_needs="Sign language", expires_at=ago(age)
    )


def _unconfirmed(age: datetime.timedelta) -> Model:
    return SubscriptionFactory(status=Subscription.Status.PENDING, created_at=ago(age))


def _unsubscribed(age: datetime.timedelta) -> Model:
    return SubscriptionFactory(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=ago(age))


def _bounced(age: datetime.timedelta) -> Model:
    return SubscriberFactory(status=Subscriber.Status.BOUNCING, bounce_count=3, bounced_at=ago(age))


def _invitation(age: datetime.timedelta) -> Model:
    expired = datetime.timedelta(seconds=organization_services.INVITATION_MAX_AGE)
    return MembershipInvitationFactory(created_at=ago(age + expired))


def _join_request(age: datetime.timedelta) -> Model:
    return JoinRequestFactory(status=JoinRequest.Status.REFUSED, decided_at=ago(age))


def _accession(age: datetime.timedelta) -> Model:
    return AccessionRequestFactory(status=AccessionRequest.Status.DECLINED, decided_at=ago(age))


def _draft(age: datetime.timedelta) -> Model:
    draft = OrganizationFactory(status=Organization.Status.DRAFT, verified_at=None)
    MembershipFactory(organization=draft)
    Organization.objects.filter(pk=draft.pk).update(updated_at=ago(age))  # updated_at is auto_now
    return draft


def _audit_entry(age: datetime.timedelta) -> Model:
    return AuditEntry.objects.create(action=AuditEntry.Action.LOGIN, created_at=ago(age))


def _session_record(age: datetime.timedelta) -> Model:
    return SignedInSession.objects.create(
        user=UserFactory(), key_hash=f"{age.total_seconds():064.0f}", last_seen_at=ago(age)
    )


MAKERS: dict[str, Callable[[datetime.timedelta], Model]] = {
    "event_registrations": _registrations,
    "delegate_invitations": _seat_hold,
    "unconfirmed_subscriptions": _unconfirmed,
    "unsubscribed_addresses": _unsubscribed,
    "bounced_addresses": _bounced,
    "expired_invitations": _invitation,
    "declined_join_requests": _join_request,
    "declined_accession_requests": _accession,
    "draft_organizations": _draft,
    "audit_log": _audit_entry,
    "sessions": _session_record,
}


def test_every_category_is_tested_here() -> None:
    assert set(MAKERS) == {category.key for category in retention.categories()} == set(django_settings.RETENTION)


@pytest.mark.parametrize("key", MAKERS)
def test_old_rows_go_and_recent_ones_stay(key: str) -> None:
    old = MAKERS[key](period(key) + datetime.timedelta(hours=1))
    recent = MAKERS[key](period(key) - datetime.timedelta(hours=1))

    counts = retention.apply()

    assert counts[key] == 1
    assert not exists(old)
    assert exists(recent)


@pytest.mark.parametrize("key", MAKERS)
def test_a_dry_run_deletes_nothing(key: str) -> None:
    old = MAKERS[key](period(key) + DAY)

    assert retention.apply(dry_run=True)[key] == 1
    assert exists(old)


def test_the_command_prints_what_each_category_would_delete_and_deletes_nothing_on_a_dry_run() -> None:
    old = _audit_entry(period("audit_log") + DAY)
    out = io.StringIO()

    with translation.override("en"):  # as from a shell; an earlier test's request may have left another active
        call_command("apply_retention", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == len(MAKERS)
    assert "audit_log (kept 1 year): Would delete 1" in lines
    assert "unconfirmed_subscriptions (kept 48 hours): Would delete 0" in lines
    assert exists(old)
    with translation.override("en"):
        call_command("apply_retention", stdout=out)
    assert "audit_log (kept 1 year): Deleted 1" in out.getvalue()
    assert not exists(old)


def test_periods_come_from_the_settings(settings: Any) -> None:
    settings.RETENTION = {**settings.RETENTION, "audit_log": datetime.timedelta(days=30)}
    old, recent = _audit_entry(datetime.timedelta(days=31)), _audit_entry(datetime.timedelta(days=29))

    retention.apply()

    assert not exists(old) and exists(recent)


def test_the_daily_task_applies_every_category() -> None:
    assert django_settings.CELERY_BEAT_SCHEDULE["apply-retention"] == {
        "task": "portal.tasks.apply_retention",
        "schedule": 24 * 3600,
    }
    old = _join_request(period("declined_join_requests") + DAY)

    counts = apply_retention.delay().get()

    assert counts["declined_join_requests"] == 1 and not exists(old)


# What survives -----------------------------------------------------------------------------------------------


def test_an_event_keeps_its_attendance_figures_after_its_registrations_go() -> None:
    event = EventFactory(starts_at=ago(400 * DAY), ends_at=ago(400 * DAY) + datetime.timedelta(hours=8))
    for organization in (OrganizationFactory(), OrganizationFactory()):
        invitation = InvitationFactory(event=event, organization=organization)
        for _ in range(2):
            RegistrationFactory(event=event, invitation=invitation, status=Registration.Status.ATTENDED)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)

    retention.apply()

    assert not Registration.objects.filter(event=event).exists()
    event.refresh_from_db()
    assert (event.attended_people, event.attended_organizations) == (4, 2)
    page = Client().get(f"/en/events/{event.slug}/").content.decode()
    assert "Representatives of 2 organisations attended." in page


def test_a_campaign_keeps_its_figures_after_its_recipients_addresses_go() -> None:
    campaign = CampaignFactory(status="done")
    for status in ("sent", "sent", "failed"):
        gone = _unsubscribed(period("unsubscribed_addresses") + DAY)
        Delivery.objects.create(campaign=campaign, subscription=gone, status=status)
    bounced = _bounced(period("bounced_addresses") + DAY)
    Delivery.objects.create(campaign=campaign, subscription=SubscriptionFactory(subscriber=bounced), status="failed")
    Delivery.objects.create(campaign=campaign, subscription=SubscriptionFactory(), status="sent")
    before = dispatch.progress(campaign)

    retention.apply()

    campaign.refresh_from_db()
    assert Delivery.objects.filter(campaign=campaign).count() == 1
    assert (
        dispatch.progress(campaign)
        == before
        == {
            "total": 5,
            "sent": 3,
            "failed": 2,
            "possibly_duplicate": 0,
            "queued": 0,
            "percent": 100,
        }
    )


def test_an_address_still_subscribed_elsewhere_keeps_its_other_subscription() -> None:
    stale = _unconfirmed(period("unconfirmed_subscriptions") + DAY)
    other = SubscriptionFactory(subscriber=stale.subscriber)
    lone = _unconfirmed(period("unconfirmed_subscriptions") + DAY)

    retention.apply()

    assert exists(other) and exists(stale.subscriber)
    assert not Subscriber.objects.filter(pk=lone.subscriber_id).exists()


def test_a_deleted_draft_takes_its_logo_file_with_it(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    draft = _draft(period("draft_organizations") + DAY)
    draft.logo.save("logo.png", ContentFile(b"not looked at"), save=False)
    Organization.objects.filter(pk=draft.pk).update(logo=draft.logo.name)
    assert (tmp_path / draft.logo.name).exists()

    retention.apply()

    assert not exists(draft) and not (tmp_path / draft.logo.name).exists()


def test_an_address_deleted_after_it_unsubscribed_is_never_imported_again() -> None:
    gone = _unsubscribed(period("unsubscribed_addresses") + DAY)
    mailing_list, email = gone.mailing_list, gone.subscriber.email
    retention.apply()
    assert not Subscriber.objects.filter(email=email).exists()

    newsletter_services.import_subscribers(
        UserFactory(), mailing_list, SimpleUploadedFile("list.csv", f"email\n{email}\nnew@example.org\n".encode())
    )

    assert not Subscriber.objects.filter(email=email).exists()
    assert Subscription.objects.filter(mailing_list=mailing_list, subscriber__email="new@example.org").exists()
    assert SubscriptionFactory(subscriber__email=email).status == "confirmed"  # other lists may still have it


def test_an_address_deleted_after_it_bounced_is_added_to_no_list_again() -> None:
    email = _bounced(period("bounced_addresses") + DAY).email
    retention.apply()
    mailing_list = SubscriptionFactory().mailing_list

    report = newsletter_services.import_subscribers(
        UserFactory(), mailing_list, SimpleUploadedFile("list.csv", f"email\n{email}\n".encode())
    )

    assert report.imported == 0 and not Subscriber.objects.filter(email=email).exists()


def test_a_draft_that_was_once_submitted_is_not_a_draft_never_submitted() -> None:
    sent_back = _draft(period("draft_organizations") + DAY)
    organization_services.record(sent_back, None, "submitted")
    Organization.objects.filter(pk=sent_back.pk).update(updated_at=ago(period("draft_organizations") + DAY))

    retention.apply()

    assert exists(sent_back)


def test_an_accepted_invitation_is_not_an_expired_one() -> None:
    accepted = _invitation(period("expired_invitations") + DAY)
    MembershipInvitation.objects.filter(pk=accepted.pk).update(accepted_at=ago(400 * DAY))

    retention.apply()

    assert exists(accepted)


# The privacy page ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_the_privacy_page_lists_every_category_with_its_period(language: str, no_public_cache: None) -> None:
    response = Client().get(f"/{language}/privacy/")

    assert response.status_code == 200
    page = response.content.decode()
    with translation.override(language):
        for category in retention.categories():
            assert f'id="retention-{category.key}"' in page
            assert retention.describe(category.period) in page
            assert html.escape(str(category.title)) in page


def test_the_privacy_page_follows_the_settings(settings: Any, no_public_cache: None) -> None:
    settings.RETENTION = {**settings.RETENTION, "unconfirmed_subscriptions": datetime.timedelta(hours=50)}

    page = Client().get("/en/privacy/").content.decode()

    assert "50 hours after the subscription was asked for" in page


def test_the_footer_links_to_the_privacy_page(no_public_cache: None) -> None:
    assert 'href="/ar/privacy/"' in Client().get("/ar/").content.decode()


def test_the_migration_forgets_the_old_audit_pruning_task() -> None:
    """Celery beat's database scheduler keeps what it once read from the settings: migration 0005 removes the old
    task, which no longer exists."""
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.create(name="prune-audit-log", task="portal.tasks.prune_audit_log", interval=interval)
    kept = PeriodicTask.objects.create(
        name="event-reminders", task="events.tasks.send_event_reminders", interval=interval
    )

    importlib.import_module("portal.migrations.0005_signed_in_sessions").forget_the_audit_pruning_task(apps, None)

    assert list(PeriodicTask.objects.all()) == [kept]


# A real worker ---------------------------------------------------------------------------------------------------


@needs_workers
def test_a_real_worker_applies_the_schedules(transactional_db: None, tmp_path: Any) -> None:
    """The daily task, sent to the broker as Celery beat sends it, run by a `celery worker` process."""
    old_entry, recent_entry = _audit_entry(period("audit_log") + DAY), _audit_entry(DAY)
    registration = _registrations(period("event_registrations") + DAY)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.ATTENDED)

    with celery_workers(tmp_path / "workers") as workers:
        workers.start()
        apply_retention.delay()
        workers.wait_for("the old rows deleted", lambda: not exists(old_entry) and not exists(registration))

    assert exists(recent_entry)
    event = Event.objects.get(pk=registration.event_id)
    assert (event.attended_people, event.attended_organizations) == (1, 0)
