"""Each guarded model's one access rule answers the same in SQL and in Python, for every row and every viewer.

Hypothesis builds random worlds of organisations (every status, listed or not, hosts or not, every contact
audience), people (operators, coordinators with and without a second factor, owners, editors, members) and the
objects they own in every status and visibility, with parties, invitations, registrations and endorsements
(named or not, with or without the organisation's own consent).
For every model that writes a rule (portal.access.Guarded), every action it answers and every viewer, the rows
`Model.objects.allowing(viewer, action)` returns are exactly those whose `allows(viewer, action)` is true.

A model with a rule that this world does not build fails `test_every_guarded_model_is_built`: add it to BUILDERS.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from agreements.models import Agreement, AgreementParty
from consultations.models import (
    Attachment,
    Consultation,
    ConsultationDocument,
    Quotation,
    Recommendation,
    Submission,
)
from events.models import Document, Event, EventSeries, Invitation, Registration
from newsletters.models import Edition, MailingList, Publication
from organizations.models import Audience, NetworkMembership, Organization
from portal.access import ANONYMOUS, Guarded, Role, Viewer, allowed_ids, note_second_factors, viewer_of
from portal.models import User
from statements.models import Endorsement, Statement
from tests.factories import TOTP_SECRET

NOW = timezone.now()

small = st.integers(min_value=0, max_value=3)
flag = st.booleans()


def choice(options: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([value for value, _label in options.choices])


organization_spec = st.fixed_dictionaries(
    {
        "status": choice(Organization.Status),
        "listed_publicly": flag,
        "hidden_at": st.none() | st.just(NOW),
        "is_host": flag,
        "decided_by_operator": flag,
        "kind": st.sampled_from([Organization.Kind.CSO, Organization.Kind.NETWORK]),
        **{field: choice(Audience) for field in Organization.CONTACT_FIELDS.values()},
    }
)
person_spec = st.fixed_dictionaries(
    {
        "is_superuser": flag,
        "totp": flag,
        # whether the session they ask in entered a code of the app (portal.two_factor)
        "second_factor": flag,
        "roles": st.lists(st.none() | choice(Role), min_size=4, max_size=4),
    }
)
owned_spec = st.fixed_dictionaries(
    {
        "owner": small,
        "status": st.integers(0, 9),
        "visibility": st.integers(0, 9),
        "flag": flag,
        # per organisation: takes part (party, invited, endorser) or not, and how
        "others": st.lists(st.none() | st.integers(0, 9), min_size=4, max_size=4),
        # per person: registered, and in which status
        "people": st.lists(st.none() | st.integers(0, 9), min_size=4, max_size=4),
    }
)
world_spec = st.fixed_dictionaries(
    {
        "organizations": st.lists(organization_spec, min_size=1, max_size=4),
        "people": st.lists(person_spec, min_size=1, max_size=4),
        "objects": st.lists(owned_spec, min_size=1, max_size=3),
    }
)


def pick(options: Any, index: int) -> Any:
    values = [value for value, _label in options.choices]
    return values[index % len(values)]


class World:
    """The organisations and people of one example, and a counter for unique addresses."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.serial = 0
        self.organizations = [
            Organization.objects.create(
                name=f"Organisation {index}", slug=f"org-{index}", email="o@example.org", phone="+41 1", **fields
            )
            for index, fields in enumerate(spec["organizations"])
        ]
        self.people: list[User] = []
        self.second_factors: dict[int, list[int]] = {}  # person -> the authenticators their session passed
        for index, person in enumerate(spec["people"]):
            user = User.objects.create_user(f"person{index}@example.org", is_superuser=person["is_superuser"])
            if person["totp"]:
                authenticator = TOTP.activate(user, TOTP_SECRET).instance
                self.second_factors[user.pk] = [authenticator.pk] if person["second_factor"] else []
            for organization, role in zip(self.organizations, person["roles"], strict=False):
                if role is not None:
                    user.memberships.create(organization=organization, role=role)
            self.people.append(user)

    def slug(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def owner(self, spec: dict[str, Any]) -> Organization:
        return self.organizations[spec["owner"] % len(self.organizations)]

    def others(self, spec: dict[str, Any]) -> list[tuple[Organization, int]]:
        return [(org, how) for org, how in zip(self.organizations, spec["others"], strict=False) if how is not None]

    def registrants(self, spec: dict[str, Any]) -> list[tuple[User, int]]:
        return [(user, how) for user, how in zip(self.people, spec["people"], strict=False) if how is not None]


def naming(how: int) -> dict[str, Any]:
    """Named or not, and who in the organisation consented (nobody, an editor, an owner): every combination
    over how = 0..5, so that the naming rule (Organization.named_publicly_q) meets each of them."""
    return {"named_publicly": how % 2 == 0, "naming_consent": ("", "editor", "owner")[how % 3]}


def build_agreement(world: World, spec: dict[str, Any]) -> None:
    agreement = Agreement.objects.create(
        owner=world.owner(spec),
        slug=world.slug("agreement"),
        title="Protocol",
        status=pick(Agreement.Status, spec["status"]),
        visibility=pick(Agreement.Visibility, spec["visibility"]),
    )
    for organization, how in world.others(spec):
        AgreementParty.objects.create(agreement=agreement, organization=organization, **naming(how))


def build_event(world: World, spec: dict[str, Any]) -> None:
    event = Event.objects.create(
        owner=world.owner(spec),
        slug=world.slug("event"),
        title="Lausanne Platform",
        status=pick(Event.Status, spec["status"]),
        visibility=pick(Event.Visibility, spec["visibility"]),
        starts_at=NOW + datetime.timedelta(days=10),
        ends_at=NOW + datetime.timedelta(days=11),
    )
    invitations = [
        Invitation.objects.create(
            event=event,
            organization=organization,
            listed_to_participants=how % 2 == 0,
            status=pick(Invitation.Status, how),
        )
        for organization, how in world.others(spec)
    ]
    for user, how in world.registrants(spec):
        Registration.objects.create(
            event=event,
            user=user,
            status=pick(Registration.Status, how),
            invitation=invitations[how % len(invitations)] if invitations and how % 3 else None,
        )
    for visibility in (spec["visibility"], spec["status"]):
        Document.objects.create(
            event=event, title="Minutes", file="x.pdf", visibility=pick(Document.Visibility, visibility)
        )


def build_publication(world: World, spec: dict[str, Any]) -> None:
    publication = Publication.objects.create(owner=world.owner(spec), slug=world.slug("bulletin"), title="Bulletin")
    for number, status in enumerate((spec["status"], spec["visibility"]), start=1):
        Edition.objects.create(
            publication=publication, number=number, title="Edition", status=pick(Edition.Status, status)
        )
    MailingList.objects.create(
        owner=world.owner(spec), publication=publication, slug=world.slug("list"), name="List", is_public=spec["flag"]
    )


def build_statement(world: World, spec: dict[str, Any]) -> None:
    statement = Statement.objects.create(
        owner=world.owner(spec),
        slug=world.slug("letter"),
        title="Open letter",
        status=pick(Statement.Status, spec["status"]),
        opens_at=NOW - datetime.timedelta(days=1),
    )
    for organization, how in world.others(spec):
        Endorsement.objects.create(statement=statement, organization=organization, **naming(how))


def build_consultation(world: World, spec: dict[str, Any]) -> None:
    """A call of every audience (a working group, a network, an agreement's signatories, invited organisations),
    published or not, its summary published or not, with a submission, a recommendation, an attachment and a
    quotation (named or not, with or without consent) from each organisation taking part."""
    host = world.owner(spec)
    others = world.others(spec)
    audience = pick(Consultation.Audience, spec["visibility"])
    consultation = Consultation.objects.create(
        host=host,
        slug=world.slug("consultation"),
        title="Gender Strategy",
        status=pick(Consultation.Status, spec["status"]),
        opens_at=NOW - datetime.timedelta(days=1),
        closes_at=NOW + datetime.timedelta(days=1),
        audience=audience,
        summary_published_at=NOW if spec["flag"] else None,
    )
    chosen = [organization for organization, how in others if how % 2 == 0]
    if audience == Consultation.Audience.WORKING_GROUP:
        series = EventSeries.objects.create(owner=host, slug=world.slug("group"), title="CSSR", is_working_group=True)
        series.members.set(chosen)
        consultation.working_group = series
    elif audience == Consultation.Audience.NETWORK:
        consultation.network = world.organizations[spec["status"] % len(world.organizations)]
        for organization, how in others:
            if organization == consultation.network:
                continue  # a network is not its own member
            NetworkMembership.objects.get_or_create(
                network=consultation.network, member=organization, defaults={"confirmed": how % 3 != 0}
            )
    elif audience == Consultation.Audience.AGREEMENT:
        agreement = Agreement.objects.create(owner=host, slug=world.slug("agreement"), title="Protocol")
        for organization in chosen:
            AgreementParty.objects.create(agreement=agreement, organization=organization)
        consultation.agreement = agreement
    consultation.save()
    consultation.invited.set(chosen)
    ConsultationDocument.objects.create(consultation=consultation, title="Draft strategy", file="x.pdf")
    for organization, how in others:
        submission = Submission.objects.create(
            consultation=consultation,
            organization=organization,
            status=pick(Submission.Status, how),
            use=pick(Submission.Use, how),
            **naming(how),
        )
        Recommendation.objects.create(submission=submission, text="Hear the survivors")
        Attachment.objects.create(submission=submission, title="Annex", file="y.pdf")
        Quotation.objects.create(
            consultation=consultation, submission=submission, organization=organization, text="Quoted", **naming(how)
        )


# Each builder makes rows of the models listed beside it.
BUILDERS: dict[Callable[[World, dict[str, Any]], None], set[type[Guarded]]] = {
    build_agreement: {Agreement, AgreementParty},
    build_event: {Event, Invitation, Registration, Document},
    build_publication: {Publication, Edition, MailingList},
    build_statement: {Statement, Endorsement},
    build_consultation: {Consultation, ConsultationDocument, Submission, Recommendation, Attachment, Quotation},
}
ORGANIZATIONS = {Organization}


def guarded_models() -> list[type[Guarded]]:
    return [model for model in apps.get_models() if issubclass(model, Guarded)]


def viewers(world: World) -> list[Viewer]:
    people = []
    for user in world.people:
        person = User.objects.get(pk=user.pk)
        note_second_factors(person, world.second_factors.get(user.pk, []))
        people.append(viewer_of(person))
    members = [Viewer.member_of(org.pk, verified=org.is_verified) for org in world.organizations]
    return [ANONYMOUS, *people, *members]


def test_every_guarded_model_is_built() -> None:
    built = set().union(ORGANIZATIONS, *BUILDERS.values())
    assert set(guarded_models()) <= built, "a model with an access rule that the property test never builds"


class RuleAgreesWithItself(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(world_spec)
    def test_queryset_and_check_agree_row_by_row(self, spec: dict[str, Any]) -> None:
        world = World(spec)
        for index, objects in enumerate(spec["objects"]):
            builder = list(BUILDERS)[index % len(BUILDERS)]
            builder(world, objects)
        for build in list(BUILDERS)[len(spec["objects"]) :]:
            build(world, spec["objects"][0])
        assert Authenticator.objects.count() == sum(person["totp"] for person in spec["people"])

        for viewer in viewers(world):
            for model in guarded_models():
                rows = list(model._default_manager.all())
                for action in model.ACTIONS:
                    in_sql = set(model._default_manager.allowing(viewer, action).values_list("pk", flat=True))
                    in_python = {row.pk for row in rows if row.allows(viewer, action)}
                    assert in_sql == in_python, (model.__name__, action, viewer)
                    # Asked of the rows' fields alone (a shared representation's), all of them or every other one.
                    fields = {
                        row.pk: {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
                        for row in rows
                    }
                    halves = {pk: dict(list(known.items())[::2]) for pk, known in fields.items()}
                    for known in (fields, halves):
                        of_fields = allowed_ids(model, list(known), viewer, action, known=known)[action]
                        assert of_fields == in_sql, (model.__name__, action, viewer, "fields")
