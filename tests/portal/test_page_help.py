"""Each of the coordinators' working pages opens with a short, folded note on what the page does and who it
emails, in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ConsultationFactory,
    EditionFactory,
    EventFactory,
    MailingListFactory,
    host_organization,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

HELP = re.compile(r'<details class="help">\s*<summary>([^<]+)</summary>(.*?)</details>', re.DOTALL)


def event_page() -> str:
    return f"events/{EventFactory().slug}/manage/"


def composer() -> str:
    edition = EditionFactory()
    return f"bulletins/{edition.publication.slug}/{edition.number}/compose/"


def mailing_list_page() -> str:
    return f"bulletins/lists/{MailingListFactory().slug}/"


def campaign_page() -> str:
    campaign = CampaignFactory()
    return f"bulletins/lists/{campaign.mailing_list.slug}/campaigns/{campaign.pk}/"


def consultation_invited() -> str:
    return f"consultations/{ConsultationFactory(status='draft', audience='invited').slug}/invited/"


def agreement_parties() -> str:
    return f"agreements/{AgreementFactory(owner=host_organization()).slug}/parties/"


# Each page (its address, made from fresh data) and the summary of its note.
PAGES: dict[str, tuple[Callable[[], str], str]] = {
    "review queue": (lambda: "organizations/review/", "What happens when you decide"),
    "event": (event_page, "Who is told what"),
    "composer": (composer, "How an edition goes out"),
    "mailing list": (mailing_list_page, "Who receives your campaigns"),
    "campaign": (campaign_page, "Before you send"),
    "agreement": (agreement_parties, "What the parties list shows"),
    "consultation invited": (consultation_invited, "Who is told what"),
}


@pytest.fixture
def coordinator(client: Client) -> Client:
    sign_in(client, make_coordinator())
    return client


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("name", list(PAGES))
def test_coordinator_page_explains_itself(coordinator: Client, name: str, language: str) -> None:
    address, summary = PAGES[name]

    response = coordinator.get(f"/{language}/{address()}")

    assert response.status_code == 200
    found = HELP.findall(response.content.decode())
    assert len(found) == 1, name
    with translation.override(language):
        assert found[0][0] == gettext(summary)
    sentences = re.sub(r"<[^>]+>", " ", found[0][1])
    assert 2 <= sentences.count(".") <= 4, sentences
