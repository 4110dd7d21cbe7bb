"""One page of every kind the portal serves, public and signed in, with the data each one shows.

Shared by the response header test (tests/security/test_headers.py) and the browser test that watches for
requests to other hosts (tests/browser/test_no_third_party.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from organizations.models import Membership, Organization
from portal.models import User
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ConsultationFactory,
    EditionFactory,
    EndorsementFactory,
    EventFactory,
    ItemFactory,
    MailingListFactory,
    OrganizationFactory,
    PublicationFactory,
    SectionFactory,
    StatementFactory,
    SubscriptionFactory,
    host_organization,
    make_coordinator,
)

LANGUAGES = ["en", "ar"]
# Served outside the language prefix.
API_DOCS = "/api/docs/"


@dataclass(frozen=True)
class SitePages:
    coordinator: User
    # Paths after the language prefix, e.g. "organizations/" for /en/organizations/.
    public: list[str]
    signed_in: list[str]

    def urls(self, language: str, *, signed_in: bool) -> list[str]:
        """The public pages' addresses in `language`, or (signed_in) those of the coordinator's pages."""
        return [f"/{language}/{path}" for path in (self.signed_in if signed_in else self.public)]


def seed_site_pages() -> SitePages:
    """The data behind one page of each kind, and a coordinator of the IIIM (owner, with two-factor on) who may
    see the signed-in pages: the review queue, the edition composer and the mailing list."""
    iiim = host_organization()
    coordinator = make_coordinator(Membership.Role.OWNER, iiim, email="hala@iiim.example.org")
    organization = OrganizationFactory(slug="syrians-for-truth-and-justice")
    OrganizationFactory(slug="waiting-for-review", status=Organization.Status.PENDING, verified_at=None)
    agreement = AgreementFactory(slug="protocol-of-cooperation")
    AgreementPartyFactory(agreement=agreement, organization=organization)
    event = EventFactory(slug="lausanne-platform")
    publication = PublicationFactory(owner=iiim, slug="victim-support-project")
    ItemFactory(section=SectionFactory(edition=EditionFactory(publication=publication, number=1)))
    EditionFactory(publication=publication, number=2, status="draft", published_on=None)
    statement = StatementFactory(slug="open-letter")
    EndorsementFactory(statement=statement, organization=organization)
    consultation = ConsultationFactory(host=iiim, slug="gender-strategy")
    mailing_list = MailingListFactory(owner=iiim, slug="victim-support-news")
    SubscriptionFactory(mailing_list=mailing_list)
    month = event.starts_at.strftime("%Y-%m")
    return SitePages(
        coordinator=coordinator,
        public=[
            "",
            "organizations/",
            f"organizations/{organization.slug}/",
            "agreements/",
            f"agreements/{agreement.slug}/",
            "events/",
            f"events/?view=month&month={month}",
            f"events/{event.slug}/",
            "bulletins/",
            f"bulletins/{publication.slug}/",
            f"bulletins/{publication.slug}/1/",
            "statements/",
            f"statements/{statement.slug}/",
            "consultations/",
            f"consultations/{consultation.slug}/",
            "accounts/login/",
            "accounts/signup/",
            "privacy/",
        ],
        signed_in=[
            "accounts/preferences/",
            "accounts/sessions/",
            "organizations/mine/",
            "organizations/review/",
            f"bulletins/{publication.slug}/2/compose/",
            f"bulletins/lists/{mailing_list.slug}/",
            f"consultations/{consultation.slug}/manage/",
            f"consultations/{consultation.slug}/invited/",
        ],
    )
