"""factory-boy factories for the portal's models, with realistic names from shared/seeds/."""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from agreements.models import Agreement, AgreementParty
from events.models import Event, Invitation, Registration
from organizations.models import Membership, Organization
from portal.access import note_second_factors
from portal.models import User
from tests.conftest import PASSWORD

KIND = Organization.Kind

# Organisations named in the seed documents: (English name, Arabic name, acronym, kind).
SEED_ORGANIZATIONS = [
    ("Syrians for Truth and Justice", "سوريون من أجل الحقيقة والعدالة", "STJ", KIND.CSO),
    ("Caesar Families Association", "رابطة عائلات قيصر", "", KIND.VICTIMS_ASSOCIATION),
    ("Massar Families Association", "رابطة عائلات مسار", "", KIND.VICTIMS_ASSOCIATION),
    ("Families for Freedom", "عائلات من أجل الحرية", "", KIND.VICTIMS_ASSOCIATION),
    ("Taafi Initiative", "مبادرة تعافي", "", KIND.VICTIMS_ASSOCIATION),
    ("Synergy Association for Victims", "رابطة تآزر للضحايا", "", KIND.VICTIMS_ASSOCIATION),
    (
        "Syrian Center for Media and Freedom of Expression",
        "المركز السوري للإعلام وحرية التعبير",
        "SCM",
        KIND.CSO,
    ),
    ("Release Me Organization", "", "", KIND.VICTIMS_ASSOCIATION),
]

IIIM = {
    "slug": "iiim",
    "name_en": "International, Impartial and Independent Mechanism for Syria",
    "name_ar": "الآلية الدولية المحايدة والمستقلة بشأن سوريا",
    "acronym": "IIIM",
    "kind": Organization.Kind.UN_MECHANISM,
    "hq_country": "CH",
}


# The authenticator-app secret of every factory-made coordinator and operator: tests that log in through the
# forms compute its codes with tests.portal.conftest.totp_code.
TOTP_SECRET = "OBXXE5DBNQWXIZLTOQWXI33UOAWXGZLDOJSXIII="


def with_totp(user: User) -> User:
    """`user` with an authenticator app (TOTP) turned on, as allauth's activation page leaves it: the person
    (this object) acts in a session that passed the second factor, which coordinators' and operators' powers
    need (portal.two_factor). The same person loaded again, or signed in on a test client, has passed nothing
    until tests.conftest.sign_in records the code the way allauth does."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, TOTP_SECRET).instance
    note_second_factors(user, [authenticator.pk])
    return user


@cache
def _password_hash() -> str:
    # Hashing is slow on purpose; every factory-made person shares one hash of tests.conftest.PASSWORD.
    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory):
    """A person with a verified primary email address (pass `email_verified=False` for an unverified one)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    preferred_language = "en"
    password = factory.LazyFunction(_password_hash)

    @factory.post_generation
    def email_verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=extracted is not False, primary=True)

    @factory.post_generation
    def totp(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        # An operator turns on two-factor authentication; pass `totp=False` for one who has not yet.
        if create and (obj.is_superuser if extracted is None else extracted):
            with_totp(obj)


def _seed(n: int) -> tuple[str, str, str, str]:
    return SEED_ORGANIZATIONS[n % len(SEED_ORGANIZATIONS)]


class OrganizationFactory(DjangoModelFactory):
    """A verified organisation listed in the public directory."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    class Params:
        seed = factory.Sequence(_seed)

    name_en = factory.LazyAttribute(lambda o: o.seed[0])
    name_ar = factory.LazyAttribute(lambda o: o.seed[1])
    acronym = factory.LazyAttribute(lambda o: o.seed[2])
    kind = factory.LazyAttribute(lambda o: o.seed[3])
    status = Organization.Status.VERIFIED
    listed_publicly = True
    hq_country = "FR"
    founded_year = 2015
    verified_at = factory.LazyFunction(timezone.now)

    @factory.lazy_attribute_sequence
    def slug(self, n: int) -> str:
        return f"{slugify(self.name_en)[:60] or 'organization'}-{n}"


class MembershipFactory(DjangoModelFactory):
    """A membership; an owner or editor of a host organisation (a coordinator) gets an authenticator app, as
    they need one to coordinate (pass `totp=False` for one who has not turned it on yet)."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER

    @factory.post_generation
    def totp(obj: Membership, create: bool, extracted: Any, **kwargs: Any) -> None:
        coordinates = obj.organization.is_host and obj.role != Membership.Role.MEMBER
        if create and (coordinates if extracted is None else extracted):
            with_totp(obj.user)


def host_organization() -> Organization:
    """The IIIM as a verified host organisation (created once per test)."""
    organization, _created = Organization.objects.get_or_create(
        slug=IIIM["slug"],
        defaults={
            **IIIM,
            "status": Organization.Status.VERIFIED,
            "listed_publicly": True,
            "is_host": True,
            "verified_at": timezone.now(),
        },
    )
    return organization


def make_coordinator(
    role: str = Membership.Role.OWNER,
    organization: Organization | None = None,
    *,
    totp: bool = True,
    **user_fields: Any,
) -> User:
    """A coordinator: an owner or editor of a verified host organisation (the IIIM unless given), with the
    authenticator app that coordinating requires (`totp=False`: one who has not turned it on yet)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organization=organization or host_organization(), role=role, totp=totp)
    return user


class AgreementFactory(DjangoModelFactory):
    """The IIIM's Protocol of Cooperation as signed in Lausanne on 3 April 2018: public, in force and open
    to accessions. Pass `kind`, `visibility`, `status` and a title for a members-only protocol or an MoU."""

    class Meta:
        model = Agreement

    owner = factory.LazyFunction(host_organization)
    kind = Agreement.Kind.PROTOCOL
    title_en = "Protocol of Cooperation between the IIIM and Syrian civil society organisations"
    title_ar = "بروتوكول التعاون بين الآلية الدولية المحايدة والمستقلة ومنظمات المجتمع المدني السورية"
    summary_en = (
        "A set of overarching principles to guide the engagement between the IIIM and the signatory CSOs, and a "
        "general framework for cooperation for other CSOs seeking to collaborate with the IIIM in the future."
    )
    slug = factory.Sequence(lambda n: f"protocol-of-cooperation-{n}")
    signed_on = datetime.date(2018, 4, 3)
    signed_place = "Lausanne"
    status = Agreement.Status.IN_FORCE
    visibility = Agreement.Visibility.PUBLIC
    accepts_accessions = True


class AgreementPartyFactory(DjangoModelFactory):
    """An original signatory that agreed to be named publicly (pass `named_publicly=False` for one that did not)."""

    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(OrganizationFactory)
    joined_on = factory.LazyAttribute(lambda o: o.agreement.signed_on or timezone.localdate())
    joined_by = AgreementParty.JoinedBy.ORIGINAL
    named_publicly = True


def _in_a_month() -> datetime.datetime:
    # A whole hour a month ahead, so that the event is upcoming and its times read cleanly.
    return (timezone.now() + datetime.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)


class EventFactory(DjangoModelFactory):
    """A scheduled, public, in-person consultation of the IIIM in Geneva a month from now, open for
    registration. Pass `visibility`, `registration_mode`, `format`, `status` and a title as the test needs."""

    class Meta:
        model = Event

    owner = factory.LazyFunction(host_organization)
    title_en = factory.Sequence(lambda n: f"Consultation with Syrian civil society {n}")
    slug = factory.Sequence(lambda n: f"consultation-{n}")
    kind = Event.Kind.STRATEGY_CONSULTATION
    format = Event.Format.IN_PERSON
    status = Event.Status.SCHEDULED
    visibility = Event.Visibility.PUBLIC
    registration_mode = Event.RegistrationMode.OPEN
    time_zone = "Europe/Zurich"
    starts_at = factory.LazyFunction(_in_a_month)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=8))
    venue = "Palais des Nations"
    city = "Geneva"
    country = "CH"


class InvitationFactory(DjangoModelFactory):
    """A pending invitation with two seats."""

    class Meta:
        model = Invitation

    event = factory.SubFactory(EventFactory)
    organization = factory.SubFactory(OrganizationFactory)
    seats = 2


class RegistrationFactory(DjangoModelFactory):
    """A confirmed registration of a person on their own behalf (pass `invitation` for a delegate)."""

    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    organization = factory.LazyAttribute(lambda o: o.invitation.organization if o.invitation else None)
    invitation = None
    status = Registration.Status.CONFIRMED


# Statements -------------------------------------------------------------------------------------------


class StatementFactory(DjangoModelFactory):
    """An open letter in English, open for endorsement, owned by a verified network."""

    class Meta:
        model = "statements.Statement"

    owner = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.NETWORK)
    kind = "open_letter"
    slug = factory.Sequence(lambda n: f"open-letter-{n}")
    title_en = factory.Sequence(lambda n: f"Open letter {n}: protect women human rights defenders")
    text_en = "We call on all Member States to stop reprisals against human rights defenders."
    published_languages = factory.LazyFunction(lambda: ["en"])
    status = "open"


class EndorsementFactory(DjangoModelFactory):
    """A named endorsement by a verified organisation, made on the portal, named as one of its owners chose (pass
    `naming_consent=""` for one nobody in the organisation confirmed)."""

    class Meta:
        model = "statements.Endorsement"

    statement = factory.SubFactory(StatementFactory)
    organization = factory.SubFactory(OrganizationFactory)
    named_publicly = True
    naming_consent = "owner"
    source = "portal"


# Bulletins ---------------------------------------------------------------------------------------------


class PublicationFactory(DjangoModelFactory):
    """The Newsletter of the Victim Support Project, published by the IIIM as host organisation (pass
    `owner` for another publisher)."""

    class Meta:
        model = "newsletters.Publication"

    owner = factory.LazyFunction(host_organization)
    slug = factory.Sequence(lambda n: f"victim-support-project-{n}")
    title_en = "The Newsletter of the Victim Support Project"
    title_ar = "نشرة مشروع دعم الضحايا"
    description_en = "News from the victims' and families' associations supported by the project."


class EditionFactory(DjangoModelFactory):
    """A published edition covering April to September 2024, in English (pass `status`, `publish_at` for a
    draft or a scheduled one)."""

    class Meta:
        model = "newsletters.Edition"

    publication = factory.SubFactory(PublicationFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_en = factory.LazyAttribute(lambda o: f"Edition Number {o.number}: April to September 2024")
    period_start = datetime.date(2024, 4, 1)
    period_end = datetime.date(2024, 9, 30)
    introduction_en = "<p>Families of the disappeared remain at the forefront of the struggle for truth.</p>"
    status = "published"
    published_on = datetime.date(2024, 10, 15)


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = "newsletters.Section"

    edition = factory.SubFactory(EditionFactory)
    title_en = factory.Sequence(lambda n: f"Advocacy Activities {n}")
    position = factory.Sequence(lambda n: n + 1)


class ItemFactory(DjangoModelFactory):
    """A dated news item with a paragraph of text."""

    class Meta:
        model = "newsletters.Item"

    section = factory.SubFactory(SectionFactory)
    title_en = factory.Sequence(lambda n: f"Discussion session with the families of the missing {n}")
    body_en = "<p>Synergy Association organised a discussion session with the families of the forcibly disappeared.</p>"
    date = datetime.date(2024, 6, 6)
    position = factory.Sequence(lambda n: n + 1)


# Mailing lists and campaigns ---------------------------------------------------------------------------


class MailingListFactory(DjangoModelFactory):
    """A public mailing list of the IIIM for the Victim Support Project's newsletter (pass `owner`)."""

    class Meta:
        model = "newsletters.MailingList"

    owner = factory.LazyFunction(host_organization)
    slug = factory.Sequence(lambda n: f"victim-support-news-{n}")
    name_en = "Victim Support Project: news"
    is_public = True


class SubscriberFactory(DjangoModelFactory):
    """An active address that reads in English (pass `language`, `status`, `bounce_count`)."""

    class Meta:
        model = "newsletters.Subscriber"

    email = factory.Sequence(lambda n: f"reader{n}@families.example.org")
    language = "en"


class SubscriptionFactory(DjangoModelFactory):
    """A confirmed subscription (pass `status` for a pending or unsubscribed one)."""

    class Meta:
        model = "newsletters.Subscription"

    mailing_list = factory.SubFactory(MailingListFactory)
    subscriber = factory.SubFactory(SubscriberFactory)
    status = "confirmed"
    confirmation_sent_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == "confirmed" else None)


class CampaignFactory(DjangoModelFactory):
    """A draft message (not an edition) to a list."""

    class Meta:
        model = "newsletters.Campaign"

    mailing_list = factory.SubFactory(MailingListFactory)
    subject_en = "Consultation with the families' associations in Gaziantep"
    body_en = "The IIIM will meet the families' associations in Gaziantep on 12 May.\n\nRegistration is open."


# Organisations: invitations, requests to join, networks; agreements: accession requests ---------------


class MembershipInvitationFactory(DjangoModelFactory):
    """An open invitation to join as a member (send it through services.invite_member for the signed link)."""

    class Meta:
        model = "organizations.MembershipInvitation"

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@example.org")
    role = Membership.Role.MEMBER


class JoinRequestFactory(DjangoModelFactory):
    """A pending request to join an organisation."""

    class Meta:
        model = "organizations.JoinRequest"

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    message = "I coordinate the documentation team in Gaziantep."


class NetworkMembershipFactory(DjangoModelFactory):
    """A confirmed member organisation of a network."""

    class Meta:
        model = "organizations.NetworkMembership"

    network = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.NETWORK)
    member = factory.SubFactory(OrganizationFactory)
    confirmed = True


class AccessionRequestFactory(DjangoModelFactory):
    """A pending request to accede to the IIIM's protocol."""

    class Meta:
        model = "agreements.AccessionRequest"

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(OrganizationFactory)
    message = "We document enforced disappearances in Idlib and wish to accede."


# Events: agenda and documents ---------------------------------------------------------------------------


class SessionFactory(DjangoModelFactory):
    """An hour of the agenda at the start of the event."""

    class Meta:
        model = "events.Session"

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Opening session {n}")
    starts_at = factory.LazyAttribute(lambda o: o.event.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.event.starts_at + datetime.timedelta(hours=1))


class EventDocumentFactory(DjangoModelFactory):
    """Minutes for the participants, stored privately (pass `file` with the document's bytes)."""

    class Meta:
        model = "events.Document"

    event = factory.SubFactory(EventFactory)
    title = "Minutes of the consultation"
    kind = "minutes"
    visibility = "participants"
    file = factory.django.FileField(filename="minutes.pdf", data=b"%PDF-1.4\n%%EOF\n")


# Consultations -----------------------------------------------------------------------------------------


def _days(n: int) -> Any:
    return lambda: timezone.now() + datetime.timedelta(days=n)


class ConsultationFactory(DjangoModelFactory):
    """A published call of the IIIM, open since yesterday for a fortnight, to every verified organisation, with
    one free-text question."""

    class Meta:
        model = "consultations.Consultation"
        skip_postgeneration_save = True

    host = factory.LazyFunction(host_organization)
    slug = factory.Sequence(lambda n: f"gender-strategy-{n}")
    title_en = factory.Sequence(lambda n: f"Consultation {n} on the Gender Strategy")
    description_en = "The IIIM asks for your written input on its draft Gender Strategy."
    status = "published"
    opens_at = factory.LazyFunction(_days(-1))
    closes_at = factory.LazyFunction(_days(14))
    audience = "verified"

    @factory.post_generation
    def questions(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            self.questions.create(position=1, kind="text", prompt_en="What barriers do survivors face?")


class SubmissionFactory(DjangoModelFactory):
    """A submitted, confidential submission of a verified organisation."""

    class Meta:
        model = "consultations.Submission"

    consultation = factory.SubFactory(ConsultationFactory)
    organization = factory.SubFactory(OrganizationFactory)
    status = "submitted"
    submitted_at = factory.LazyFunction(timezone.now)
    language = "en"
    use = "confidential"
