"""The online link at the right time: before its release time, confirmed participants are told when it will
appear (in their own time zone), and the page, the API and the .ics agree because they ask one rule
(Event.SEE_LINK); at release each confirmed participant is emailed the link once, in their language, however
often the beat task runs, and also when a real Celery worker runs it twice."""

from __future__ import annotations

import datetime
import socket
import threading
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from aiosmtpd.controller import Controller
from celery.result import allow_join_result
from django.core import mail
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from events import services, tasks
from events.models import Event, Registration
from organizations.models import Membership
from tests.events.conftest import API, client_for, event_form, mail_to, text_of
from tests.events.test_concurrency import at_the_same_moment
from tests.factories import EventFactory, RegistrationFactory, UserFactory, host_organization, make_coordinator
from tests.workers import WAIT_SECONDS, celery_workers, needs_workers

LINK = "https://meet.example.org/lausanne-platform"


def hybrid(**fields: Any) -> Event:
    starts = timezone.now() + datetime.timedelta(days=2)
    return EventFactory(
        **{
            "title_en": "Lausanne Platform meeting",
            "format": Event.Format.HYBRID,
            "online_link": LINK,
            "street_address": "Rue de la Canarie 13",
            "time_zone": "Europe/Zurich",
            "starts_at": starts,
            "ends_at": starts + datetime.timedelta(hours=6),
        }
        | fields
    )


def outputs(event: Event, client: Any) -> tuple[str, dict[str, Any], str]:
    page = client.get(event.get_absolute_url()).content.decode()
    api = client.get(f"{API}{event.slug}/").json()
    ics = client.get(f"/en/events/{event.slug}/calendar.ics").content
    conference = [str(item.get("conference", "")) for item in icalendar.Calendar.from_ical(ics).walk("VEVENT")]
    return page, api, conference[0]


@pytest.mark.django_db
def test_before_release_the_page_the_api_and_the_ics_agree_that_the_link_is_not_shown_yet() -> None:
    release = timezone.now() + datetime.timedelta(days=1)
    event = hybrid(link_release_at=release)
    person = UserFactory(time_zone="Asia/Damascus")
    RegistrationFactory(event=event, user=person)

    page, api, conference = outputs(event, client_for(person))

    local = timezone.localtime(release, zoneinfo.ZoneInfo("Asia/Damascus"))
    assert LINK not in page and "online_link" not in api and conference == ""
    notice = f"The meeting link appears at {date_format(local, 'DATETIME_FORMAT')} (Asia/Damascus)."
    assert notice in text_of(client_for(person).get(event.get_absolute_url()))
    assert api["link_release_time"] == release.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    assert "Rue de la Canarie 13" in page  # the address is not timed

    Event.objects.filter(pk=event.pk).update(link_release_at=timezone.now())
    page, api, conference = outputs(event, client_for(person))

    assert LINK in page and api["online_link"] == LINK and conference == LINK


@pytest.mark.django_db
def test_the_default_release_is_thirty_minutes_before_the_start() -> None:
    event = hybrid()
    person = UserFactory()
    RegistrationFactory(event=event, user=person)

    assert event.link_release_time == event.starts_at - datetime.timedelta(minutes=30)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=29))
    event.refresh_from_db()
    assert LINK in outputs(event, client_for(person))[0]


@pytest.mark.django_db
def test_the_organisers_see_the_link_before_its_release() -> None:
    event = hybrid()

    page, api, conference = outputs(event, client_for(make_coordinator()))

    assert LINK in page and api["online_link"] == LINK and conference == LINK


@pytest.mark.django_db
def test_the_link_is_emailed_once_to_each_confirmed_participant_in_their_language(
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = hybrid(link_release_at=timezone.now() - datetime.timedelta(minutes=1))
    english, french = UserFactory(), UserFactory(preferred_language="fr")
    for person in (english, french):
        RegistrationFactory(event=event, user=person)
    waiting = RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    hybrid()  # not released yet: nobody is emailed for it

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_meeting_links() == 2
        assert services.send_meeting_links() == 0

    assert [len(mail_to(person)) for person in (english, french, waiting.user)] == [1, 1, 0]
    assert mail_to(english)[0].subject == "The online link for Lausanne Platform meeting"
    assert LINK in mail_to(english)[0].body and LINK in mail_to(french)[0].body
    assert mail_to(french)[0].subject != mail_to(english)[0].subject

    # Promoted after the release: emailed at the next run, and only they.
    Registration.objects.filter(pk=waiting.pk).update(status=Registration.Status.CONFIRMED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_meeting_links() == 1
    assert [message.to for message in mail.outbox] == [[waiting.user.email]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two beat runs at once need PostgreSQL's row locks")
def test_two_beat_runs_at_once_send_each_link_once(transactional_db: None) -> None:
    event = hybrid(link_release_at=timezone.now() - datetime.timedelta(minutes=1))
    for _number in range(10):
        RegistrationFactory(event=event)

    sent = at_the_same_moment(4, lambda _index: services.send_meeting_links())

    assert sum(sent) == 10
    assert Counter(address for message in mail.outbox for address in message.to).most_common(1)[0][1] == 1


# With a real worker ------------------------------------------------------------------------------------


class Sink:
    """An SMTP server on the loopback that counts what each address received."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@needs_workers
def test_a_real_worker_running_the_task_twice_sends_each_link_once(
    transactional_db: None, tmp_path: Path, sink: tuple[Sink, int]
) -> None:
    handler, port = sink
    event = hybrid(link_release_at=timezone.now() - datetime.timedelta(minutes=1))
    people = [RegistrationFactory(event=event).user for _number in range(3)]

    with celery_workers(tmp_path / "workers", count=1, smtp_port=port) as workers:
        workers.wait_until_up()
        runs = [tasks.send_meeting_links.delay(), tasks.send_meeting_links.delay()]  # a second beat run, a retry
        # Celery's "a join would block" flag is one for the process, and an eager task in any thread left from an
        # earlier test raises it; this thread is no task, and may wait.
        with allow_join_result():
            assert sorted(run.get(timeout=WAIT_SECONDS) for run in runs) == [0, 3]
        workers.wait_for("every link sent", lambda: sum(handler.received.values()) >= len(people))
        # The emails are tasks of their own, queued by the first run: once the queue is empty and the worker
        # has answered a ping (the solo pool answers between tasks), nothing more is on its way.
        workers.wait_for("the queue empty", lambda: workers.broker.llen("celery") == 0)
        workers.wait_until_up()

    assert handler.received == Counter({person.email: 1 for person in people})
    assert Registration.objects.filter(event=event, link_sent_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_the_release_time_is_typed_in_the_events_zone(send: Any) -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR)
    form = event_form(host_organization(), format=Event.Format.HYBRID, online_link=LINK)
    day = form["starts_at"][:10]

    response = send(client_for(coordinator), "/en/events/new/", form | {"link_release_at": f"{day}T09:15"})

    assert response.status_code == 302
    event = Event.objects.get(title_en=form["title_en"])
    assert timezone.localtime(event.link_release_at, event.zone).strftime("%H:%M") == "09:15"
    assert event.hold_days == 7  # the default, left empty

    late = send(client_for(coordinator), "/en/events/new/", form | {"link_release_at": f"{day}T18:00"})
    assert "The link must be released before the event ends." in text_of(late)


@pytest.mark.django_db
def test_the_confirmation_says_when_the_link_appears(django_capture_on_commit_callbacks: Any) -> None:
    event = hybrid(registration_mode=Event.RegistrationMode.OPEN)
    english, french = UserFactory(), UserFactory(preferred_language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        for person in (english, french):
            services.register(person, event)

    local = timezone.localtime(event.link_release_time, event.zone)
    assert (
        f"The online link appears there at {date_format(local, 'DATETIME_FORMAT')} (Europe/Zurich), and you will be "
        "emailed it then." in " ".join(mail_to(english)[0].body.split())
    )
    assert "Le lien de connexion y apparaîtra" in mail_to(french)[0].body
