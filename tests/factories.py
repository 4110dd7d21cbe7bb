"""factory-boy factories for the portal's models, with realistic names from shared/seeds/."""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from organizations.models import Agreement, AgreementParty, Membership, Organization
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
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER


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
    role: str = Membership.Role.OWNER, organization: Organization | None = None, **user_fields: Any
) -> User:
    """A coordinator: an owner or editor of a verified host organisation (the IIIM unless given)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organization=organization or host_organization(), role=role)
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
