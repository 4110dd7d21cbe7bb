"""The campaign email as it goes on the wire. It is serialised once per language and filled in for each
recipient (To, Date, Message-ID, unsubscribe token), so these tests read the bytes back with the email
package, as a mail client would, and compare them with what was rendered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core import mail

from newsletters import dispatch, services, tasks
from newsletters.dispatch import UNSUBSCRIBE_PLACEHOLDER, MessageTemplate, RenderedMessage
from newsletters.models import Campaign, Delivery, Subscriber, Subscription
from tests.factories import (
    CampaignFactory,
    EditionFactory,
    SectionFactory,
    SubscriberFactory,
    SubscriptionFactory,
    UserFactory,
)

SUBJECT_AR = "لقاء مع روابط العائلات في غازي عنتاب"
# One paragraph longer than the 998 octets an 8bit line may hold: the parts must go out quoted-printable.
BODY_AR = "ستلتقي الآلية الدولية المحايدة والمستقلة بروابط العائلات في غازي عنتاب لمناقشة الخطوات التالية. " * 12


def read(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


def content(message: EmailMessage, subtype: str) -> str:
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")


def headers(message: EmailMessage) -> list[tuple[str, str]]:
    """The headers that are the same in every message of a campaign (the MIME boundary aside)."""
    differ = {"subject", "to", "date", "message-id", "list-unsubscribe"}
    return [
        (name, value if name.lower() != "content-type" else message.get_content_type())
        for name, value in message.items()
        if name.lower() not in differ
    ]


def token_of(message: EmailMessage) -> str:
    url = message["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
    return url.removesuffix("/unsubscribe/").rsplit("/", 1)[1]


@pytest.fixture
def arabic(db: None) -> RenderedMessage:
    campaign = CampaignFactory(subject_ar=SUBJECT_AR, body_ar=BODY_AR)
    return dispatch.render_campaign(campaign, "ar")


def test_arabic_email_of_an_edition_gives_each_english_text_its_own_language_and_direction(db: None) -> None:
    edition = EditionFactory(title_ar="العدد الأول")
    SectionFactory(edition=edition, title_en="Advocacy Activities", title_ar="أنشطة المناصرة")
    SectionFactory(edition=edition, title_en="Trainings and Projects", title_ar="")
    campaign = CampaignFactory(edition=edition, mailing_list__publication=edition.publication)

    html = dispatch.render_campaign(campaign, "ar").html

    assert '<html lang="ar" dir="rtl">' in html
    assert "><bdi>العدد الأول</bdi></h1>" in html
    assert '<div lang="en" dir="ltr"><p>Families of the disappeared' in html
    assert "<li ><bdi>أنشطة المناصرة</bdi></li>" in html
    assert '<li lang="en" dir="ltr"><bdi>Trainings and Projects</bdi></li>' in html


def test_arabic_email_of_an_english_message_is_left_to_right(db: None) -> None:
    html = dispatch.render_campaign(CampaignFactory(), "ar").html

    assert '<h1 lang="en" dir="ltr" style=' in html
    assert '<div lang="en" dir="ltr"><p>The IIIM will meet' in html


def test_each_recipient_gets_a_message_of_their_own(arabic: RenderedMessage) -> None:
    template = MessageTemplate.build(arabic)
    readers = {"nour@families.example.org": "N0ur-token_1", "sami@families.example.org": "Sami-token_2"}

    messages = {to: read(template.fill(to, token).data) for to, token in readers.items()}

    for to, message in messages.items():
        assert message.get_all("To") == [to]
        assert not message["Cc"] and not message["Bcc"]
        assert token_of(message) == readers[to]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Date"].datetime, "no date, or one that does not parse"
        assert message["Subject"].strip() == SUBJECT_AR
    assert len({message["Message-ID"] for message in messages.values()}) == 2


def test_the_token_takes_the_place_of_the_placeholder_in_the_header_the_text_and_the_html(
    arabic: RenderedMessage,
) -> None:
    email = MessageTemplate.build(arabic).fill("nour@families.example.org", "N0ur-token_1")
    message = read(email.data)

    unsubscribe = arabic.unsubscribe_url.replace(UNSUBSCRIBE_PLACEHOLDER, "N0ur-token_1")
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert unsubscribe in content(message, "plain")
    assert f'href="{unsubscribe}"' in content(message, "html")
    assert UNSUBSCRIBE_PLACEHOLDER.encode() not in email.data
    # What the test outbox and the console show says the same as the bytes.
    assert email.body == content(message, "plain")
    assert email.alternatives[0].content == content(message, "html")


def test_arabic_with_long_lines_goes_quoted_printable_and_decodes_to_what_was_rendered(
    arabic: RenderedMessage,
) -> None:
    token = "N0ur-token_1" + "x" * 52  # as long as Subscription.token may be
    data = MessageTemplate.build(arabic).fill("nour@families.example.org", token).data
    message = read(data)

    assert [part["Content-Transfer-Encoding"] for part in message.iter_parts()] == ["quoted-printable"] * 2
    for part in message.iter_parts():
        assert all(len(line) <= 76 for line in part.get_payload().splitlines())
    assert content(message, "plain") == arabic.text.replace(UNSUBSCRIBE_PLACEHOLDER, token)
    assert content(message, "html") == arabic.html.replace(UNSUBSCRIBE_PLACEHOLDER, token)
    assert BODY_AR.strip() in content(message, "plain")
    # SMTP wants CRLF line ends, and no bare CR or LF.
    assert b"\r" not in data.replace(b"\r\n", b"") and b"\n" not in data.replace(b"\r\n", b"")


def test_short_lines_go_out_as_they_are(db: None) -> None:
    rendered = dispatch.render_campaign(CampaignFactory(subject_ar=SUBJECT_AR, body_ar="مرحبا"), "ar")

    message = read(MessageTemplate.build(rendered).fill("nour@families.example.org", "N0ur-token_1").data)

    assert [part["Content-Transfer-Encoding"] for part in message.iter_parts()] == ["8bit"] * 2
    assert content(message, "plain") == rendered.text.replace(UNSUBSCRIBE_PLACEHOLDER, "N0ur-token_1")
    assert content(message, "html") == rendered.html.replace(UNSUBSCRIBE_PLACEHOLDER, "N0ur-token_1")


def test_an_address_with_a_non_ascii_domain_goes_out_in_ascii(arabic: RenderedMessage) -> None:
    email = MessageTemplate.build(arabic).fill("nour@عائلات.example", "N0ur-token_1")

    assert email.to == ["nour@عائلات.example"]
    assert email.address == "nour@xn--lgbbbm5e6c.example"
    assert read(email.data)["To"] == email.address


def test_something_else_than_a_token_is_refused(arabic: RenderedMessage) -> None:
    template = MessageTemplate.build(arabic)

    for token in ("", "a b", "line\r\nBcc: someone@example.org", "="):
        with pytest.raises(ValueError, match="not an unsubscribe token"):
            template.fill("nour@families.example.org", token)


def test_the_test_email_is_the_campaign_email_with_test_in_the_subject(db: None) -> None:
    campaign = CampaignFactory(subject_ar=SUBJECT_AR, body_ar=BODY_AR)
    author = UserFactory(preferred_language="ar")
    reader = SubscriptionFactory(
        mailing_list=campaign.mailing_list,
        subscriber=SubscriberFactory(email="nour@families.example.org", language="ar"),
    )
    dispatch.send_test(author, campaign)
    services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay)
    assert dispatch.dispatch(campaign.pk) == "done"

    test, sent = (read(message.message().as_bytes()) for message in mail.outbox)

    assert (test["Subject"].strip(), sent["Subject"].strip()) == (f"[TEST] {SUBJECT_AR}", SUBJECT_AR)
    assert (test["To"], sent["To"]) == (author.email, "nour@families.example.org")
    assert (token_of(test), token_of(sent)) == ("test", reader.token)
    assert headers(test) == headers(sent)
    assert [headers(part) for part in test.iter_parts()] == [headers(part) for part in sent.iter_parts()]
    for subtype in ("plain", "html"):
        assert content(test, subtype) == content(sent, subtype).replace(reader.token, "test")


# Over SMTP -----------------------------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    """An SMTP server on a free loopback port, and Django's SMTP backend pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()


def test_over_smtp_each_reader_receives_one_message_in_their_language(db: None, sink: Sink) -> None:
    campaign: Campaign = CampaignFactory(subject_ar=SUBJECT_AR, body_ar=BODY_AR)
    readers: list[Subscription] = [
        SubscriptionFactory(mailing_list=campaign.mailing_list, subscriber=SubscriberFactory(language=language))
        for language in ("ar", "en", "ar")
    ]
    services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay)

    assert dispatch.dispatch(campaign.pk) == "done"

    assert sorted(envelope.rcpt_tos[0] for envelope in sink.envelopes) == sorted(
        reader.subscriber.email for reader in readers
    )
    rendered = {language: dispatch.render_campaign(campaign, language) for language in ("ar", "en")}
    for envelope in sink.envelopes:
        assert len(envelope.rcpt_tos) == 1
        assert envelope.mail_from == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        message = read(envelope.original_content)
        reader = next(reader for reader in readers if reader.subscriber.email == envelope.rcpt_tos[0])
        assert message["To"] == reader.subscriber.email
        assert token_of(message) == reader.token
        language = rendered[reader.subscriber.language]
        assert content(message, "plain") == language.text.replace(UNSUBSCRIBE_PLACEHOLDER, reader.token)
        assert content(message, "html") == language.html.replace(UNSUBSCRIBE_PLACEHOLDER, reader.token)


def test_an_address_no_message_can_carry_fails_alone_and_the_campaign_goes_on(db: None, sink: Sink) -> None:
    campaign: Campaign = CampaignFactory()
    good = SubscriptionFactory(mailing_list=campaign.mailing_list)
    # Stored before validation existed, or written around it: a header line break in an address.
    broken = SubscriptionFactory(mailing_list=campaign.mailing_list, subscriber=SubscriberFactory())
    Subscriber.objects.filter(pk=broken.subscriber_id).update(email="ré\ncipient@example.org")
    services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay)

    assert dispatch.dispatch(campaign.pk) == "done"

    assert [envelope.rcpt_tos for envelope in sink.envelopes] == [[good.subscriber.email]]
    failed = Delivery.objects.get(campaign=campaign, subscription=broken)
    assert failed.status == Delivery.Status.FAILED
    assert "ValueError" in failed.last_error
