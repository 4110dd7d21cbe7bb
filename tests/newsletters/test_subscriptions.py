"""Mailing lists through the pages a subscriber and a coordinator use: double opt-in, one-click unsubscribe
(RFC 8058), what a campaign email carries, CSV import and export, who may see the subscribers, and the limit
on the subscription form. Celery runs in-process and mail lands in django.core.mail.outbox."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from email import message_from_bytes
from typing import Any
from urllib.parse import SplitResult, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from newsletters import dispatch, services, tasks
from newsletters.mailing_views import SUBSCRIBE_LIMIT
from newsletters.models import Campaign, Delivery, Edition, MailingList, Subscriber, Subscription
from organizations.models import Membership
from tests.factories import (
    CampaignFactory,
    MailingListFactory,
    OrganizationFactory,
    SubscriberFactory,
    SubscriptionFactory,
)
from tests.newsletters.conftest import World, client_for, member_of, post, text_of

EMAIL = "amina@families.example.org"


@pytest.fixture
def mailing_list(world: World) -> MailingList:
    return MailingListFactory(owner=world.publisher, publication=world.publication, slug="victim-support-news")


def list_url(mailing_list: MailingList, suffix: str = "", language: str = "en") -> str:
    return f"/{language}/bulletins/lists/{mailing_list.slug}/{suffix}"


def token_url(token: str, action: str, language: str = "en") -> str:
    return f"/{language}/bulletins/subscriptions/{token}/{action}/"


def subscribe(client: Client, mailing_list: MailingList, email: str = EMAIL, language: str = "en") -> Any:
    return post(client, list_url(mailing_list, "subscribe/"), {"email": email, "language": language})


def link_in(body: str, action: str) -> str:
    """The path of the one link in `body` that leads to a subscription's `action` page."""
    links = [urlsplit(url) for url in re.findall(r"https?://\S+", body) if f"/{action}/" in url]
    assert len(links) == 1, body
    assert f"{links[0].scheme}://{links[0].netloc}" == settings.SITE_URL
    return links[0].path


def csrf_token_in(response: Any) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def send(campaign: Campaign) -> list[mail.EmailMessage]:
    """Start the campaign and send it in this process, as the worker would."""
    services.start_campaign(campaign.created_by, campaign, queue_sending=tasks.dispatch_campaign.delay)
    assert dispatch.dispatch(campaign.pk) == "done"
    return mail.outbox


def unsubscribe_url(message: mail.EmailMessage) -> SplitResult:
    """The address in the List-Unsubscribe header, as a mail client reads it from the sent bytes."""
    header = message_from_bytes(message.message().as_bytes())["List-Unsubscribe"]
    match = re.fullmatch(r"<([^<>\s]+)>", " ".join(header.split()))
    assert match, header
    return urlsplit(match.group(1))


# Double opt-in ------------------------------------------------------------------------------------------


def test_subscribing_sends_a_confirmation_link_in_the_chosen_language(mailing_list: MailingList) -> None:
    response = subscribe(Client(), mailing_list, language="ar")

    assert response.status_code == 200
    assert "Check your inbox" in text_of(response)
    subscription = Subscription.objects.get(subscriber__email=EMAIL)
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.subscriber.language == "ar"
    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert mailing_list.name in message.subject
    # The link leads to the Arabic site, and carries the subscription's token and nothing else.
    assert link_in(message.body, "confirm") == token_url(subscription.token, "confirm", language="ar")


def test_opening_the_confirmation_link_does_not_confirm_only_the_button_does(mailing_list: MailingList) -> None:
    client = Client()
    subscribe(client, mailing_list)
    path = link_in(mail.outbox[0].body, "confirm")

    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm my subscription" in text_of(page)
    # Mail scanners open links: a GET must change nothing.
    assert Subscription.objects.get().status == Subscription.Status.PENDING

    confirmed = post(client, path)
    assert confirmed.status_code == 200
    assert "You will receive the next emails of this list." in text_of(confirmed)
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert subscription.confirmed_at is not None


def test_the_answer_does_not_reveal_whether_an_address_is_already_subscribed(mailing_list: MailingList) -> None:
    SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email="known@families.example.org"))

    known = subscribe(Client(), mailing_list, email="known@families.example.org")
    unknown = subscribe(Client(), mailing_list, email="unknown@families.example.org")

    assert known.status_code == unknown.status_code == 200
    assert text_of(known) == text_of(unknown)
    # The confirmed subscriber is not asked again; the new address is.
    assert [message.to for message in mail.outbox] == [["unknown@families.example.org"]]


def test_an_expired_confirmation_link_is_refused_with_a_clear_message(mailing_list: MailingList) -> None:
    subscription = SubscriptionFactory(
        mailing_list=mailing_list,
        status=Subscription.Status.PENDING,
        confirmation_sent_at=timezone.now() - datetime.timedelta(days=8),
    )

    response = post(Client(), token_url(subscription.token, "confirm"))

    assert response.status_code == 400
    assert "This confirmation link has expired. Subscribe again to get a new one." in text_of(response)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING


def test_opening_an_expired_confirmation_link_says_so_and_leads_to_the_subscription_form(
    mailing_list: MailingList,
) -> None:
    subscription = SubscriptionFactory(
        mailing_list=mailing_list,
        status=Subscription.Status.PENDING,
        confirmation_sent_at=timezone.now() - datetime.timedelta(days=8),
    )

    response = Client().get(token_url(subscription.token, "confirm", language="fr"))

    # Before any button: the link is dead, and where to get a new one.
    assert response.status_code == 400
    page = text_of(response)
    assert "Ce lien de confirmation a expiré. Abonnez-vous à nouveau pour en recevoir un nouveau." in page
    assert "Confirmer mon abonnement" not in page
    form = f"/fr/bulletins/{mailing_list.publication.slug}/#subscribe-{mailing_list.slug}"
    assert f'href="{form}"' in response.content.decode()


def test_the_confirmed_page_leads_on_to_the_bulletin(mailing_list: MailingList) -> None:
    subscription = SubscriptionFactory(
        mailing_list=mailing_list, status=Subscription.Status.PENDING, confirmation_sent_at=timezone.now()
    )

    response = post(Client(), token_url(subscription.token, "confirm"))

    assert response.status_code == 200
    assert "Your subscription is confirmed." in text_of(response)
    assert f'href="/en/bulletins/{mailing_list.publication.slug}/"' in response.content.decode()


def test_an_unknown_link_leads_back_to_the_home_page(db: None) -> None:
    response = Client().get(token_url("no-such-token", "confirm", language="ar"))

    assert response.status_code == 400
    assert '<a class="button" href="/ar/">' in response.content.decode()


# Unsubscribing ------------------------------------------------------------------------------------------


def test_one_click_unsubscribe_needs_no_login_and_no_csrf_token(mailing_list: MailingList) -> None:
    subscription = SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email=EMAIL))
    [message] = send(CampaignFactory(mailing_list=mailing_list))
    path = unsubscribe_url(message).path

    # What a mail client does with List-Unsubscribe-Post: a bare POST, no cookie, no token.
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.unsubscribed_at is not None


def test_the_unsubscribe_link_asks_before_it_unsubscribes(mailing_list: MailingList) -> None:
    subscription = SubscriptionFactory(mailing_list=mailing_list)

    page = Client().get(token_url(subscription.token, "unsubscribe"))

    assert page.status_code == 200
    assert "Unsubscribe" in text_of(page)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED


def test_an_unsubscribed_reader_can_subscribe_again_from_the_same_page(mailing_list: MailingList) -> None:
    subscription = SubscriptionFactory(mailing_list=mailing_list)
    browser = Client(enforce_csrf_checks=True)
    page = browser.post(token_url(subscription.token, "unsubscribe"))
    assert "Subscribe again" in text_of(page)

    again = browser.post(token_url(subscription.token, "resubscribe"), {"csrfmiddlewaretoken": csrf_token_in(page)})

    assert again.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert subscription.unsubscribed_at is None


@pytest.mark.parametrize(
    ("method", "action"),
    [("get", "confirm"), ("post", "confirm"), ("get", "unsubscribe"), ("post", "unsubscribe"), ("post", "resubscribe")],
)
def test_an_unknown_token_gets_a_400_page_not_an_error(db: None, method: str, action: str) -> None:
    response = getattr(Client(), method)(token_url("no-such-token", action))

    assert response.status_code == 400
    assert "This link is not valid." in text_of(response)


# Campaigns ----------------------------------------------------------------------------------------------


def test_unsubscribed_bouncing_and_unconfirmed_people_get_no_campaign(mailing_list: MailingList) -> None:
    reader = SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email=EMAIL))
    SubscriptionFactory(mailing_list=mailing_list, status=Subscription.Status.UNSUBSCRIBED)
    SubscriptionFactory(mailing_list=mailing_list, status=Subscription.Status.PENDING)
    SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(status=Subscriber.Status.BOUNCING))
    leaving = SubscriptionFactory(mailing_list=mailing_list)
    campaign = CampaignFactory(mailing_list=mailing_list)
    assert services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay) == 2

    # Unsubscribed after the campaign started, before its turn came: still not sent.
    post(Client(), token_url(leaving.token, "unsubscribe"))
    assert dispatch.dispatch(campaign.pk) == "done"

    assert [message.to for message in mail.outbox] == [[EMAIL]]
    assert campaign.deliveries.get(subscription=reader).status == Delivery.Status.SENT
    assert campaign.deliveries.get(subscription=leaving).status == Delivery.Status.SKIPPED
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE


def test_the_campaign_email_is_one_per_recipient_in_their_language_with_one_click_unsubscribe(
    mailing_list: MailingList, published: Edition
) -> None:
    published.title_ar = "العدد الأول: الأشهر الأولى"
    published.save()
    english = SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email=EMAIL))
    arabic = SubscriptionFactory(
        mailing_list=mailing_list, subscriber=SubscriberFactory(email="salma@families.example.org", language="ar")
    )

    messages = {
        message.to[0]: message for message in send(CampaignFactory(mailing_list=mailing_list, edition=published))
    }

    assert sorted(messages) == sorted([EMAIL, "salma@families.example.org"])
    titles = {"en": published.title_en, "ar": "العدد الأول: الأشهر الأولى"}
    for subscription, language in ((english, "en"), (arabic, "ar")):
        message = messages[subscription.subscriber.email]
        assert message.to == [subscription.subscriber.email] and not message.cc and not message.bcc
        assert message.subject == titles[language]
        header = message_from_bytes(message.message().as_bytes())
        assert header["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = unsubscribe_url(message)
        # The link identifies the subscription by its token and carries nothing else: no address, no id.
        assert f"{url.scheme}://{url.netloc}" == settings.SITE_URL
        assert url.path == token_url(subscription.token, "unsubscribe", language=language)
        assert not url.query and not url.fragment
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        assert f'lang="{language}"' in html
        assert url.path in html and url.path in message.body
        assert titles[language] in message.body
    assert 'dir="rtl"' in messages["salma@families.example.org"].alternatives[0][0]


# Import and export --------------------------------------------------------------------------------------


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("subscribers.csv", content, content_type="text/csv")


def import_csv(world: World, mailing_list: MailingList, content: bytes) -> Any:
    return client_for(world.editor).post(
        list_url(mailing_list), {"import": "1", "consent": "on", "file": upload(content)}
    )


def test_import_reports_bad_rows_by_line_number_and_imports_the_good_ones(
    world: World, mailing_list: MailingList
) -> None:
    content = (
        "email,language\n"
        "nour@families.example.org,ar\n"
        "not-an-address,en\n"
        "karim@families.example.org,xx\n"
        "Hevi@Families.example.org,ku\n"
        "layla@families.example.org\n"
    )

    response = import_csv(world, mailing_list, content.encode())

    assert response.status_code == 200
    page = html.unescape(text_of(response))
    assert "3 subscribers imported." in page
    assert "Line 3: “not-an-address” is not an email address." in page
    assert "Line 4: “xx” is not one of the portal's languages." in page
    imported = dict(mailing_list.subscriptions.values_list("subscriber__email", "subscriber__language"))
    assert imported == {
        "nour@families.example.org": "ar",
        "hevi@families.example.org": "ku",
        "layla@families.example.org": "en",
    }
    assert set(mailing_list.subscriptions.values_list("status", "source")) == {("confirmed", "import")}


def test_a_file_that_is_not_utf8_is_refused_cleanly(world: World, mailing_list: MailingList) -> None:
    response = import_csv(world, mailing_list, "email\nzoé@families.example.org\n".encode("latin-1"))

    assert response.status_code == 200
    assert "The file must be UTF-8 encoded CSV." in text_of(response)
    assert not mailing_list.subscriptions.exists()


def test_import_does_not_bring_back_someone_who_unsubscribed(world: World, mailing_list: MailingList) -> None:
    left = SubscriptionFactory(
        mailing_list=mailing_list, subscriber=SubscriberFactory(email=EMAIL), status=Subscription.Status.UNSUBSCRIBED
    )

    import_csv(world, mailing_list, f"email\n{EMAIL}\n".encode())

    left.refresh_from_db()
    assert left.status == Subscription.Status.UNSUBSCRIBED


def test_adding_members_by_role_does_not_bring_back_someone_who_unsubscribed(
    world: World, mailing_list: MailingList
) -> None:
    cso = OrganizationFactory()
    director = member_of(cso, Membership.Role.OWNER, email=EMAIL)
    colleague = member_of(cso, Membership.Role.OWNER, email="yara@families.example.org")
    left = SubscriptionFactory(
        mailing_list=mailing_list,
        subscriber=SubscriberFactory(email=director.email),
        status=Subscription.Status.UNSUBSCRIBED,
    )

    # As the page's form posts it: a hidden field that says which form this is, and the ticked roles.
    response = post(client_for(world.editor), list_url(mailing_list), {"add_members": "1", "roles": ["owner"]})

    assert response.status_code == 302
    left.refresh_from_db()
    assert left.status == Subscription.Status.UNSUBSCRIBED
    added = mailing_list.subscriptions.get(subscriber__email=colleague.email)
    assert (added.status, added.source) == (Subscription.Status.PENDING, Subscription.Source.MEMBERS)
    assert [director.email] not in [message.to for message in mail.outbox]  # who left is not asked again


# Members of organisations: invited, never subscribed without their consent (#18) -------------------------


def add_owners(world: World, mailing_list: MailingList) -> Any:
    return post(client_for(world.editor), list_url(mailing_list), {"add_members": "1", "roles": ["owner"]})


def test_adding_members_invites_each_in_their_language_and_subscribes_nobody(
    world: World, mailing_list: MailingList
) -> None:
    cso = OrganizationFactory()
    director = member_of(cso, Membership.Role.OWNER, email=EMAIL, preferred_language="ar")

    response = add_owners(world, mailing_list)

    assert response.status_code == 302
    subscription = mailing_list.subscriptions.get(subscriber__email=director.email)
    assert (subscription.status, subscription.source) == (Subscription.Status.PENDING, Subscription.Source.MEMBERS)
    [invitation] = [message for message in mail.outbox if message.to == [director.email]]
    assert invitation.subject.startswith("هل تودّ تلقّي")
    assert link_in(invitation.body, "confirm") == token_url(subscription.token, "confirm", language="ar")
    assert not services.recipients(mailing_list).filter(pk=subscription.pk).exists()


def test_an_added_member_receives_no_campaign_until_they_confirm(world: World, mailing_list: MailingList) -> None:
    director = member_of(OrganizationFactory(), Membership.Role.OWNER, email=EMAIL)
    add_owners(world, mailing_list)
    [invitation] = [message for message in mail.outbox if message.to == [director.email]]
    mail.outbox.clear()

    before = send(CampaignFactory(mailing_list=mailing_list, subject_en="Before", created_by=world.editor))
    assert [message.to for message in before] == []

    assert post(Client(), link_in(invitation.body, "confirm")).status_code == 200
    after = send(CampaignFactory(mailing_list=mailing_list, subject_en="After", created_by=world.editor))

    assert [(message.to, message.subject) for message in after] == [([director.email], "After")]
    assert "You receive this because you subscribed to" in after[0].body


def test_members_already_subscribed_or_invited_are_not_asked_again(world: World, mailing_list: MailingList) -> None:
    cso = OrganizationFactory()
    subscribed = member_of(cso, Membership.Role.OWNER, email="yara@families.example.org")
    SubscriptionFactory(
        mailing_list=mailing_list,
        subscriber=SubscriberFactory(email=subscribed.email),
        status=Subscription.Status.CONFIRMED,
    )
    invited = member_of(cso, Membership.Role.OWNER, email=EMAIL)
    add_owners(world, mailing_list)
    asked = [message.to for message in mail.outbox if message.to in ([subscribed.email], [invited.email])]
    assert asked == [[invited.email]]
    mail.outbox.clear()

    add_owners(world, mailing_list)

    assert mail.outbox == []


def test_the_export_holds_this_lists_subscribers_only(world: World, mailing_list: MailingList) -> None:
    SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email=EMAIL, language="ar"))
    SubscriptionFactory(
        mailing_list=mailing_list,
        subscriber=SubscriberFactory(email="left@families.example.org"),
        status=Subscription.Status.UNSUBSCRIBED,
    )
    other_list = MailingListFactory(owner=world.publisher)
    SubscriptionFactory(mailing_list=other_list, subscriber=SubscriberFactory(email="elsewhere@example.org"))

    response = client_for(world.editor).get(list_url(mailing_list, "export.csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(row["email"], row["language"], row["status"]) for row in rows} == {
        (EMAIL, "ar", "confirmed"),
        ("left@families.example.org", "en", "unsubscribed"),
    }


def test_the_export_neutralises_an_address_a_spreadsheet_would_run_as_a_formula(
    world: World, mailing_list: MailingList
) -> None:
    # A valid address: a spreadsheet opening the file would compute =1+2@example.org as a formula.
    SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email="=1+2@example.org"))

    response = client_for(world.editor).get(list_url(mailing_list, "export.csv"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["email"] for row in rows] == ["'=1+2@example.org"]


def test_an_exported_file_imports_back_with_its_addresses_as_they_were(world: World, mailing_list: MailingList) -> None:
    SubscriptionFactory(mailing_list=mailing_list, subscriber=SubscriberFactory(email="=1+2@example.org"))
    exported = client_for(world.editor).get(list_url(mailing_list, "export.csv")).content
    other_list = MailingListFactory(owner=world.publisher)

    import_csv(world, other_list, exported)

    assert list(other_list.subscriptions.values_list("subscriber__email", flat=True)) == ["=1+2@example.org"]


# Who sees the subscribers -------------------------------------------------------------------------------

COORDINATOR_PAGES = [
    "",
    "edit/",
    "export.csv",
    "campaigns/new/",
    "campaigns/{campaign}/",
    "campaigns/{campaign}/progress/",
]


@pytest.fixture
def campaign(mailing_list: MailingList, world: World) -> Campaign:
    return CampaignFactory(mailing_list=mailing_list, created_by=world.editor)


@pytest.mark.parametrize("page", COORDINATOR_PAGES)
@pytest.mark.parametrize("who", ["member", "other_member", "other_coordinator"])
def test_people_outside_the_owners_coordinators_get_404(world: World, campaign: Campaign, page: str, who: str) -> None:
    response = client_for(getattr(world, who)).get(list_url(campaign.mailing_list, page.format(campaign=campaign.pk)))

    assert response.status_code == 404


@pytest.mark.parametrize("page", COORDINATOR_PAGES)
def test_anonymous_visitors_are_sent_to_log_in_whether_the_list_exists_or_not(campaign: Campaign, page: str) -> None:
    existing = Client().get(list_url(campaign.mailing_list, page.format(campaign=campaign.pk)))
    missing = Client().get(f"/en/bulletins/lists/no-such-list/{page.format(campaign=campaign.pk)}")

    assert existing.status_code == missing.status_code == 302
    assert existing["Location"].startswith("/en/accounts/login/")
    assert missing["Location"].startswith("/en/accounts/login/")


@pytest.mark.parametrize("page", COORDINATOR_PAGES)
@pytest.mark.parametrize("who", ["editor", "owner"])
def test_the_owners_coordinators_see_the_list(world: World, campaign: Campaign, page: str, who: str) -> None:
    response = client_for(getattr(world, who)).get(list_url(campaign.mailing_list, page.format(campaign=campaign.pk)))

    assert response.status_code == 200


def test_the_progress_of_a_campaign_is_json_for_its_coordinators(world: World, campaign: Campaign) -> None:
    SubscriptionFactory.create_batch(3, mailing_list=campaign.mailing_list)
    services.start_campaign(world.editor, campaign, queue_sending=tasks.dispatch_campaign.delay)

    response = client_for(world.editor).get(list_url(campaign.mailing_list, f"campaigns/{campaign.pk}/progress/"))

    assert response.json() == {
        "status": "Sending",
        "limit_notice": "",
        "total": 3,
        "sent": 0,
        "failed": 0,
        "possibly_duplicate": 0,
        "queued": 3,
        "percent": 0,
    }


# The subscription form's limit -------------------------------------------------------------------------


def test_the_eleventh_subscription_from_one_address_within_an_hour_gets_429(mailing_list: MailingList) -> None:
    client = Client()
    for n in range(SUBSCRIBE_LIMIT):
        response = client.post(
            list_url(mailing_list, "subscribe/"), {"email": f"reader{n}@families.example.org", "language": "en"}
        )
        assert response.status_code == 200, n

    refused = client.post(
        list_url(mailing_list, "subscribe/"), {"email": "one-more@families.example.org", "language": "en"}
    )

    assert SUBSCRIBE_LIMIT == 10
    assert refused.status_code == 429
    assert "Too many requests from your connection. Try again in an hour." in text_of(refused)
    assert not Subscriber.objects.filter(email="one-more@families.example.org").exists()
    # Another connection is not affected.
    other = client.post(
        list_url(mailing_list, "subscribe/"),
        {"email": "one-more@families.example.org", "language": "en"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 200
