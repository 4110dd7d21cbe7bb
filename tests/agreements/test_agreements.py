"""Cooperation agreements: who may see which agreement and its signed document (pages, API, profiles), how
parties that asked not to be named are counted but never named, the accession journey, and the checks on
uploaded documents.

The data follow the seeds: the IIIM's Protocol of Cooperation, signed in Lausanne on 3 April 2018 by the
IIIM and 28 Syrian CSOs (some named publicly, most not) and open to accessions; a protocol for members
only; and a confidential bilateral MoU between the IIIM and one CSO, whose title is a canary."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape, strip_tags
from PIL import Image
from pypdf import PdfWriter

from agreements.models import AccessionRequest, Agreement, AgreementParty
from organizations.models import Membership, Organization, private_storage
from portal import uploads
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    host_organization,
)

pytestmark = pytest.mark.django_db

CANARY = "MoU canary-confidential-title"
DRAFT_CANARY = "Draft canary-draft-title"
PROTOCOL_TITLE = "Protocol of Cooperation between the IIIM and Syrian civil society organisations"
MEMBERS_TITLE = "Working protocol on information sharing with victims' associations"
API = "/api/v1/agreements/"
UNNAMED = "Caesar Families Association"


def tiny_pdf(pages: int = 1) -> bytes:
    """A real, readable PDF of blank pages."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def text_of(response: Any) -> str:
    """A page's visible text, whitespace folded, as a reader sees it."""
    return " ".join(strip_tags(response.content.decode()).split())


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Documents and PDFs go to a fresh folder per test; public media elsewhere, to tell the two apart."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Django calls a FileField's storage callable once, when the model class loads: the field still holds a
    # storage for the real folder, so give it one for this test's.
    monkeypatch.setattr(Agreement._meta.get_field("document"), "storage", private_storage())
    return settings.PRIVATE_MEDIA_ROOT


# The world of the seeds --------------------------------------------------------------------------------


ROLES = [
    "anonymous",
    "no_organization",
    "member_of_a",
    "editor_of_a",
    "owner_of_a",
    "owner_of_b",
    "member_of_iiim",
    "iiim_coordinator",
    "envoy_coordinator",
    "operator",
]

# Who may see each agreement (DESIGN, Visibility): a public protocol, everyone; a members' protocol, signed-in
# members of verified organisations and coordinators; the confidential MoU, its parties' owners, the IIIM's
# coordinators and operators; a draft, the mechanism's coordinators and operators.
VISIBLE = {
    "public_protocol": set(ROLES),
    "members_protocol": set(ROLES) - {"anonymous", "no_organization"},
    "mou": {"owner_of_a", "iiim_coordinator", "operator"},
    "draft": {"iiim_coordinator", "operator"},
}


@dataclass
class World:
    iiim: Organization
    envoy_office: Organization
    a: Organization  # the CSO that signed the MoU
    b: Organization  # a CSO party to nothing
    named: Organization  # an original signatory of the protocol named publicly
    unnamed: Organization  # an original signatory that asked not to be named
    acceded: Organization  # joined the protocol later, named publicly
    protocol: Agreement
    members_protocol: Agreement
    mou: Agreement
    draft: Agreement
    users: dict[str, User | None]

    def agreement(self, key: str) -> Agreement:
        return {
            "public_protocol": self.protocol,
            "members_protocol": self.members_protocol,
            "mou": self.mou,
            "draft": self.draft,
        }[key]

    def client(self, role: str) -> Client:
        return client_for(self.users[role])


def member(organization: Organization, role: str, **fields: Any) -> User:
    return MembershipFactory(user=UserFactory(**fields), organization=organization, role=role).user


def attach_document(agreement: Agreement) -> None:
    agreement.document.save("signed.pdf", ContentFile(tiny_pdf()), save=True)


@pytest.fixture
def world() -> World:
    iiim = host_organization()
    envoy_office = OrganizationFactory(
        name_en="Office of the UN Special Envoy for Syria",
        name_ar="مكتب المبعوث الخاص للأمم المتحدة إلى سوريا",
        acronym="OSE",
        kind=Organization.Kind.UN_MECHANISM,
        is_host=True,
        hq_country="CH",
    )
    a = OrganizationFactory(
        name_en="Syrian Center for Media and Freedom of Expression", acronym="SCM", slug="scm", kind="cso"
    )
    b = OrganizationFactory(name_en="Families for Freedom", acronym="", slug="families-for-freedom", kind="victims")
    named = OrganizationFactory(name_en="Syrians for Truth and Justice", acronym="STJ", slug="stj", kind="cso")
    unnamed = OrganizationFactory(name_en=UNNAMED, acronym="", slug="caesar-families", kind="victims")
    acceded = OrganizationFactory(name_en="Taafi Initiative", acronym="", slug="taafi", kind="victims")

    protocol = AgreementFactory(slug="iiim-protocol-of-cooperation", title_en=PROTOCOL_TITLE)
    AgreementPartyFactory(agreement=protocol, organization=named, named_publicly=True)
    AgreementPartyFactory(agreement=protocol, organization=unnamed, named_publicly=False)
    # The other 26 of the 28 original signatories, none named publicly.
    others = Organization.objects.bulk_create(
        Organization(
            name=f"Protocol signatory {number:02d}",
            name_en=f"Protocol signatory {number:02d}",
            slug=f"protocol-signatory-{number:02d}",
            status=Organization.Status.VERIFIED,
            listed_publicly=False,
        )
        for number in range(3, 29)
    )
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=protocol, organization=other, joined_on=protocol.signed_on, named_publicly=False)
        for other in others
    )
    AgreementPartyFactory(
        agreement=protocol,
        organization=acceded,
        joined_on=datetime.date(2021, 6, 1),
        joined_by=AgreementParty.JoinedBy.ACCESSION,
        named_publicly=True,
    )
    members_protocol = AgreementFactory(
        slug="information-sharing-protocol",
        title_en=MEMBERS_TITLE,
        title_ar="",
        visibility=Agreement.Visibility.MEMBERS,
        accepts_accessions=False,
        signed_on=datetime.date(2020, 11, 5),
        signed_place="Geneva",
    )
    AgreementPartyFactory(agreement=members_protocol, organization=named)
    mou = AgreementFactory(
        slug="mou-iiim-scm",
        kind=Agreement.Kind.MOU,
        title_en=CANARY,
        title_ar="",
        summary_en="Transfer of documentation to the Central Repository.",
        visibility=Agreement.Visibility.CONFIDENTIAL,
        accepts_accessions=False,
        signed_on=datetime.date(2022, 2, 14),
        signed_place="Geneva",
    )
    AgreementPartyFactory(agreement=mou, organization=a, named_publicly=False)
    # Public once in force, and its party named publicly: only its being a draft hides it.
    draft = AgreementFactory(
        slug="draft-protocol",
        title_en=DRAFT_CANARY,
        title_ar="",
        status=Agreement.Status.DRAFT,
        signed_on=None,
        signed_place="",
    )
    AgreementPartyFactory(agreement=draft, organization=a, named_publicly=True)
    for agreement in (protocol, members_protocol, mou, draft):
        attach_document(agreement)

    users: dict[str, User | None] = {
        "anonymous": None,
        "no_organization": UserFactory(email="visitor@example.org"),
        "member_of_a": member(a, Membership.Role.MEMBER, email="member@scm.example.org"),
        "editor_of_a": member(a, Membership.Role.EDITOR, email="editor@scm.example.org"),
        "owner_of_a": member(a, Membership.Role.OWNER, email="owner@scm.example.org"),
        "owner_of_b": member(b, Membership.Role.OWNER, email="owner@freedom.example.org"),
        "member_of_iiim": member(iiim, Membership.Role.MEMBER, email="intern@iiim.example.org"),
        "iiim_coordinator": member(iiim, Membership.Role.EDITOR, email="lina@iiim.example.org"),
        "envoy_coordinator": member(envoy_office, Membership.Role.EDITOR, email="omar@ose.example.org"),
        "operator": UserFactory(email="operator@example.org", is_staff=True, is_superuser=True),
    }
    return World(
        iiim=iiim,
        envoy_office=envoy_office,
        a=a,
        b=b,
        named=named,
        unnamed=unnamed,
        acceded=acceded,
        protocol=protocol,
        members_protocol=members_protocol,
        mou=mou,
        draft=draft,
        users=users,
    )


# 1. Visibility table -----------------------------------------------------------------------------------


def _page(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get(f"/en/agreements/{agreement.slug}/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert str(escape(agreement.title)) in response.content.decode()
    return response.status_code == 200, response.content.decode()


def _list(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get("/en/agreements/")
    assert response.status_code == 200
    return str(escape(agreement.title)) in response.content.decode(), response.content.decode()


def _document(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get(f"/en/agreements/{agreement.slug}/document/")
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        return False, response.content.decode()
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == tiny_pdf()
    return True, body.decode("latin-1")


def _api_list(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get(API)
    assert response.status_code == 200
    return agreement.slug in {row["slug"] for row in response.json()["results"]}, response.content.decode()


def _api_detail(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get(f"{API}{agreement.slug}/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.json()["title"] == agreement.title
    return response.status_code == 200, response.content.decode()


def _profile_of_a(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get(f"/en/organizations/{world.a.slug}/")
    assert response.status_code == 200
    return str(escape(agreement.title)) in response.content.decode(), response.content.decode()


def _profile_of_iiim(client: Client, world: World, agreement: Agreement) -> tuple[bool, str]:
    response = client.get(f"/en/organizations/{world.iiim.slug}/")
    assert response.status_code == 200
    return str(escape(agreement.title)) in response.content.decode(), response.content.decode()


OUTPUTS: dict[str, Callable[[Client, World, Agreement], tuple[bool, str]]] = {
    "page": _page,
    "list_page": _list,
    "document": _document,
    "api_list": _api_list,
    "api_detail": _api_detail,
    "profile_of_a": _profile_of_a,
    "profile_of_iiim": _profile_of_iiim,
}


def expected_visible(role: str, key: str, output: str) -> bool:
    visible = role in VISIBLE[key]
    if output == "profile_of_a":
        # Organisation A's profile lists only the agreements A is a party to (the MoU and the draft).
        return visible and key in ("mou", "draft")
    # The IIIM's profile lists every agreement it owns, as far as the visitor may see them.
    return visible


@pytest.mark.parametrize("key", list(VISIBLE))
@pytest.mark.parametrize("role", ROLES)
def test_visibility(world: World, role: str, key: str) -> None:
    """One row of the table: what `role` gets for one agreement from each output, and no hidden title anywhere."""
    client = world.client(role)
    got, leaks = {}, []
    for output, read in OUTPUTS.items():
        got[output], content = read(client, world, world.agreement(key))
        leaks += [(output, title) for title in hidden_titles(role) if title in content]

    assert got == {output: expected_visible(role, key, output) for output in OUTPUTS}
    assert leaks == []


def hidden_titles(role: str) -> list[str]:
    """The canary titles `role` may not see: they must appear in no response at all."""
    return [title for title, key in [(CANARY, "mou"), (DRAFT_CANARY, "draft")] if role not in VISIBLE[key]]


# 2. Parties that asked not to be named ------------------------------------------------------------------


def test_summary_counts_every_party_named_or_not(world: World) -> None:
    parties = world.protocol.parties
    originals = parties.filter(joined_by=AgreementParty.JoinedBy.ORIGINAL).count()
    accessions = parties.filter(joined_by=AgreementParty.JoinedBy.ACCESSION).count()

    response = client_for().get(f"/en/agreements/{world.protocol.slug}/")

    assert (originals, accessions) == (28, 1)
    assert (
        f"Signed on 3 April 2018 in Lausanne by IIIM and {originals} organisations. {accessions} more joined since."
    ) in text_of(response)


@pytest.mark.parametrize("role", ["anonymous", "no_organization", "owner_of_b", "member_of_iiim", "envoy_coordinator"])
def test_unnamed_party_is_not_named_on_the_page(world: World, role: str) -> None:
    content = world.client(role).get(f"/en/agreements/{world.protocol.slug}/").content.decode()

    assert "Syrians for Truth and Justice" in content
    assert "Taafi Initiative" in content
    assert "Caesar" not in content
    assert world.unnamed.slug not in content
    assert "Protocol signatory" not in content


@pytest.mark.parametrize("role", ["anonymous", "owner_of_b", "envoy_coordinator"])
def test_unnamed_party_is_not_named_in_the_api(world: World, role: str) -> None:
    for response in (world.client(role).get(API), world.client(role).get(f"{API}{world.protocol.slug}/")):
        assert response.status_code == 200
        assert "Caesar" not in response.content.decode()
        assert world.unnamed.slug not in response.content.decode()

    row = world.client(role).get(f"{API}{world.protocol.slug}/").json()
    assert {party["organization"] for party in row["parties"]} == {world.named.slug, world.acceded.slug}
    assert (row["original_signatories"], row["accessions"]) == (28, 1)


def test_page_says_why_fewer_parties_are_named_than_signed(world: World) -> None:
    page = text_of(client_for().get(f"/en/agreements/{world.protocol.slug}/"))

    assert "Of the 29 parties, 27 are not named here." in page
    assert "A party is named publicly only if it agreed to be: signing does not make an organisation public." in page


def test_page_in_arabic_says_why_fewer_parties_are_named(world: World) -> None:
    page = text_of(client_for().get(f"/ar/agreements/{world.protocol.slug}/"))

    assert "عدد الأطراف: 29، ولا يُذكر هنا اسم 27 منها." in page


def test_no_explanation_when_every_party_is_named_to_the_reader(world: World) -> None:
    page = text_of(world.client("iiim_coordinator").get(f"/en/agreements/{world.protocol.slug}/"))

    assert "are not named here" not in page


def test_unnamed_party_is_named_to_the_mechanisms_coordinators(world: World) -> None:
    client = world.client("iiim_coordinator")

    page = client.get(f"/en/agreements/{world.protocol.slug}/").content.decode()
    row = client.get(f"{API}{world.protocol.slug}/").json()

    assert UNNAMED in page
    assert "Protocol signatory 17" in page
    assert world.unnamed.slug in {party["organization"] for party in row["parties"]}
    assert len(row["parties"]) == 29


def test_unnamed_party_is_named_to_its_own_members_only(world: World) -> None:
    own_member = member(world.unnamed, Membership.Role.MEMBER)
    client = client_for(own_member)

    page = client.get(f"/en/agreements/{world.protocol.slug}/").content.decode()
    parties = {party["organization"] for party in client.get(f"{API}{world.protocol.slug}/").json()["parties"]}

    assert UNNAMED in page
    assert "Protocol signatory" not in page
    assert parties == {world.named.slug, world.unnamed.slug, world.acceded.slug}


def test_unnamed_partys_profile_does_not_reveal_that_it_signed(world: World) -> None:
    title = str(escape(PROTOCOL_TITLE))

    assert title not in client_for().get(f"/en/organizations/{world.unnamed.slug}/").content.decode()
    assert title not in world.client("owner_of_b").get(f"/en/organizations/{world.unnamed.slug}/").content.decode()
    # The profile does list it to the organisation's own people, and a named signatory's profile lists it.
    own = client_for(member(world.unnamed, Membership.Role.MEMBER))
    assert title in own.get(f"/en/organizations/{world.unnamed.slug}/").content.decode()
    assert title in client_for().get(f"/en/organizations/{world.named.slug}/").content.decode()


# 3. Accession ----------------------------------------------------------------------------------------


@pytest.fixture
def mechanism(world: World) -> dict[str, User]:
    """The IIIM's owner and editor (its coordinators) and the owners of Families for Freedom."""
    return {
        "iiim_owner": member(world.iiim, Membership.Role.OWNER, email="head@iiim.example.org"),
        "iiim_editor": world.users["iiim_coordinator"],
        "requester": world.users["owner_of_b"],
        "other_owner": member(world.b, Membership.Role.OWNER, email="chair@freedom.example.org"),
        "b_member": member(world.b, Membership.Role.MEMBER, email="volunteer@freedom.example.org"),
        "b_editor": member(world.b, Membership.Role.EDITOR, email="writer@freedom.example.org"),
    }


@pytest.fixture
def send(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST like a browser; the email queued for after the commit goes out (Celery is eager in tests)."""

    def post(client: Client, path: str, data: dict[str, Any], **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return post


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def ask_to_accede(send: Callable[..., Any], client: Client, world: World, organization: Organization) -> Any:
    return send(
        client,
        f"/en/agreements/{world.protocol.slug}/accession/",
        {
            "organization": organization.pk,
            "message": "We document enforced disappearances in Idlib.",
            "named_publicly": "on",
        },
        follow=True,
    )


def test_owner_of_verified_organization_is_offered_the_form(world: World) -> None:
    page = world.client("owner_of_b").get(f"/en/agreements/{world.protocol.slug}/").content.decode()

    assert "Ask to accede" in page
    assert f'action="/en/agreements/{world.protocol.slug}/accession/"' in page


def test_asking_to_accede_emails_the_mechanism_and_the_requesters_owners(
    world: World, mechanism: dict[str, User], send: Callable[..., Any]
) -> None:
    response = ask_to_accede(send, client_for(mechanism["requester"]), world, world.b)

    accession = AccessionRequest.objects.get(agreement=world.protocol, organization=world.b)
    assert accession.status == AccessionRequest.Status.PENDING
    assert accession.requested_by == mechanism["requester"]
    assert accession.named_publicly
    assert "Your request was sent to the mechanism." in text_of(response)
    assert recipients() == {
        mechanism["iiim_owner"].email,
        mechanism["iiim_editor"].email,
        mechanism["requester"].email,
        mechanism["other_owner"].email,
    }
    to_mechanism = next(message for message in mail.outbox if message.to == [mechanism["iiim_owner"].email])
    assert to_mechanism.subject == f"Families for Freedom asks to accede to {PROTOCOL_TITLE}"
    assert "We document enforced disappearances in Idlib." in to_mechanism.body
    assert f"/en/agreements/{world.protocol.slug}/parties/" in to_mechanism.body


def test_second_request_for_the_same_organization_is_refused(
    world: World, mechanism: dict[str, User], send: Callable[..., Any]
) -> None:
    ask_to_accede(send, client_for(mechanism["requester"]), world, world.b)
    mail.outbox.clear()

    response = ask_to_accede(send, client_for(mechanism["other_owner"]), world, world.b)

    assert response.redirect_chain == [(f"/en/agreements/{world.protocol.slug}/", 302)]
    assert "Families for Freedom has already asked to accede; the mechanism will answer." in text_of(response)
    assert AccessionRequest.objects.filter(organization=world.b).count() == 1
    assert mail.outbox == []


def test_coordinator_accepts_and_the_organization_becomes_a_party(
    world: World, mechanism: dict[str, User], send: Callable[..., Any]
) -> None:
    ask_to_accede(send, client_for(mechanism["requester"]), world, world.b)
    accession = AccessionRequest.objects.get(organization=world.b)
    coordinator = client_for(mechanism["iiim_editor"])
    queue = coordinator.get(f"/en/agreements/{world.protocol.slug}/parties/").content.decode()
    assert "Families for Freedom" in queue
    assert "We document enforced disappearances in Idlib." in queue
    mail.outbox.clear()

    response = send(
        coordinator, f"/en/agreements/{world.protocol.slug}/accession/{accession.pk}/", {"accept": "1"}, follow=True
    )

    party = AgreementParty.objects.get(agreement=world.protocol, organization=world.b)
    assert (party.joined_on, party.joined_by, party.named_publicly) == (
        timezone.localdate(),
        AgreementParty.JoinedBy.ACCESSION,
        True,
    )
    accession.refresh_from_db()
    assert accession.status == AccessionRequest.Status.ACCEPTED
    assert accession.decided_by == mechanism["iiim_editor"]
    assert "Your answer was sent." in text_of(response)
    assert recipients() == {
        mechanism["iiim_owner"].email,
        mechanism["iiim_editor"].email,
        mechanism["requester"].email,
        mechanism["other_owner"].email,
    }
    assert {message.subject for message in mail.outbox} == {f"Families for Freedom has acceded to {PROTOCOL_TITLE}"}
    summary = text_of(client_for().get(f"/en/agreements/{world.protocol.slug}/"))
    assert "by IIIM and 28 organisations. 2 more joined since." in summary


def test_coordinator_declines_and_no_party_is_added(
    world: World, mechanism: dict[str, User], send: Callable[..., Any]
) -> None:
    ask_to_accede(send, client_for(mechanism["requester"]), world, world.b)
    accession = AccessionRequest.objects.get(organization=world.b)
    mail.outbox.clear()

    send(
        client_for(mechanism["iiim_owner"]),
        f"/en/agreements/{world.protocol.slug}/accession/{accession.pk}/",
        {"accept": "0"},
    )

    accession.refresh_from_db()
    assert accession.status == AccessionRequest.Status.DECLINED
    assert not world.protocol.parties.filter(organization=world.b).exists()
    assert mechanism["requester"].email in recipients()
    assert {message.subject for message in mail.outbox} == {
        f"The request of Families for Freedom to accede to {PROTOCOL_TITLE} was declined"
    }


def test_answered_request_cannot_be_answered_again(
    world: World, mechanism: dict[str, User], send: Callable[..., Any]
) -> None:
    ask_to_accede(send, client_for(mechanism["requester"]), world, world.b)
    accession = AccessionRequest.objects.get(organization=world.b)
    coordinator = client_for(mechanism["iiim_editor"])
    path = f"/en/agreements/{world.protocol.slug}/accession/{accession.pk}/"
    send(coordinator, path, {"accept": "0"})

    response = send(coordinator, path, {"accept": "1"}, follow=True)

    assert "This request has already been answered." in text_of(response)
    assert not world.protocol.parties.filter(organization=world.b).exists()


def test_coordinator_of_another_host_cannot_answer(
    world: World, mechanism: dict[str, User], send: Callable[..., Any]
) -> None:
    ask_to_accede(send, client_for(mechanism["requester"]), world, world.b)
    accession = AccessionRequest.objects.get(organization=world.b)
    envoy = world.client("envoy_coordinator")

    assert envoy.get(f"/en/agreements/{world.protocol.slug}/parties/").status_code == 403
    response = send(envoy, f"/en/agreements/{world.protocol.slug}/accession/{accession.pk}/", {"accept": "1"})

    assert response.status_code == 403
    accession.refresh_from_db()
    assert accession.status == AccessionRequest.Status.PENDING


def test_organization_already_a_party_cannot_ask(world: World, send: Callable[..., Any]) -> None:
    owner = client_for(member(world.unnamed, Membership.Role.OWNER))

    assert "Ask to accede" not in owner.get(f"/en/agreements/{world.protocol.slug}/").content.decode()
    response = ask_to_accede(send, owner, world, world.unnamed)

    assert f"{UNNAMED} is already a party to this agreement." in text_of(response)
    assert not AccessionRequest.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["b_member", "b_editor"])
def test_member_or_editor_cannot_ask(
    world: World, mechanism: dict[str, User], send: Callable[..., Any], role: str
) -> None:
    client = client_for(mechanism[role])

    assert "Ask to accede" not in client.get(f"/en/agreements/{world.protocol.slug}/").content.decode()
    response = ask_to_accede(send, client, world, world.b)

    assert "Choose one of your verified organisations." in text_of(response)
    assert not AccessionRequest.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("key", "role", "organization"), [("mou", "owner_of_a", "a"), ("members_protocol", "owner_of_b", "b")]
)
def test_agreement_closed_to_accessions_shows_no_form_and_refuses(
    world: World, send: Callable[..., Any], key: str, role: str, organization: str
) -> None:
    agreement = world.agreement(key)
    client = world.client(role)

    page = client.get(f"/en/agreements/{agreement.slug}/")
    response = send(
        client,
        f"/en/agreements/{agreement.slug}/accession/",
        {"organization": getattr(world, organization).pk},
        follow=True,
    )

    assert page.status_code == 200
    assert "Ask to accede" not in page.content.decode()
    assert "Choose one of your verified organisations." in text_of(response)
    assert not AccessionRequest.objects.exists()
    assert mail.outbox == []


def test_unverified_organization_cannot_ask(world: World, send: Callable[..., Any]) -> None:
    pending = OrganizationFactory(name_en="Hope for Detainees' Families", status=Organization.Status.PENDING)
    client = client_for(member(pending, Membership.Role.OWNER))

    assert "Ask to accede" not in client.get(f"/en/agreements/{world.protocol.slug}/").content.decode()
    ask_to_accede(send, client, world, pending)

    assert not AccessionRequest.objects.exists()


# 4. Uploaded documents ---------------------------------------------------------------------------------


def agreement_data(owner: Organization, document: bytes | None, name: str = "signed-mou.pdf", **fields: Any) -> dict:
    """The "Record an agreement" form as a coordinator fills it in."""
    data: dict[str, Any] = {
        "owner": owner.pk,
        "kind": Agreement.Kind.MOU,
        "title_en": "MoU on the transfer of documentation",
        "summary_en": "Transfer of documentation to the Central Repository.",
        "signed_on": "2022-02-14",
        "signed_place": "Geneva",
        "status": Agreement.Status.IN_FORCE,
        "visibility": Agreement.Visibility.CONFIDENTIAL,
    }
    if document is not None:
        data["document"] = SimpleUploadedFile(name, document, content_type="application/pdf")
    return data | fields


@pytest.fixture
def coordinator(world: World) -> Client:
    return world.client("iiim_coordinator")


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    # check_pdf's limit is a keyword default: lower it instead of uploading 20 MB.
    limit = 200
    monkeypatch.setitem(uploads.check_pdf.__kwdefaults__, "max_bytes", limit)
    return limit


REFUSED_UPLOADS = {
    "png_named_pdf": (png_bytes(), "The document must be a PDF file."),
    "text_named_pdf": (b"Memorandum of understanding, signed copy.\n", "The document must be a PDF file."),
    "damaged_pdf": (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n",
        "This PDF is damaged and cannot be read.",
    ),
    "truncated_pdf": (tiny_pdf()[:200], "This PDF is damaged and cannot be read."),
}


@pytest.mark.parametrize("upload", list(REFUSED_UPLOADS))
def test_new_agreement_with_a_bad_document_is_refused_and_nothing_stored(
    world: World, coordinator: Client, private_media: Path, upload: str
) -> None:
    content, message = REFUSED_UPLOADS[upload]
    before = Agreement.objects.count()
    files_before = stored_files(private_media)

    response = coordinator.post("/en/agreements/new/", agreement_data(world.iiim, content))

    assert response.status_code == 200
    assert str(escape(message)) in response.content.decode()
    assert Agreement.objects.count() == before
    assert not Agreement.objects.filter(title_en="MoU on the transfer of documentation").exists()
    assert stored_files(private_media) == files_before


def test_new_agreement_with_a_document_over_the_limit_is_refused(
    world: World, coordinator: Client, private_media: Path, small_limit: int
) -> None:
    files_before = stored_files(private_media)
    document = tiny_pdf(pages=3)
    assert len(document) > small_limit

    response = coordinator.post("/en/agreements/new/", agreement_data(world.iiim, document))

    assert response.status_code == 200
    page = response.content.decode()
    assert "The document is too large" in page
    assert f"The limit is {filesizeformat(small_limit)}." in page
    assert not Agreement.objects.filter(title_en="MoU on the transfer of documentation").exists()
    assert stored_files(private_media) == files_before


@pytest.mark.parametrize("upload", ["png_named_pdf", "damaged_pdf"])
def test_editing_with_a_bad_document_keeps_the_stored_one(
    world: World, coordinator: Client, private_media: Path, upload: str
) -> None:
    content, message = REFUSED_UPLOADS[upload]
    files_before = stored_files(private_media)
    document_before = world.mou.document.name

    response = coordinator.post(
        f"/en/agreements/{world.mou.slug}/edit/", agreement_data(world.iiim, content, title_en="Renamed MoU")
    )

    assert response.status_code == 200
    assert str(escape(message)) in response.content.decode()
    world.mou.refresh_from_db()
    assert (world.mou.title_en, world.mou.document.name) == (CANARY, document_before)
    assert stored_files(private_media) == files_before


def test_editing_with_a_document_over_the_limit_is_refused(
    world: World, coordinator: Client, private_media: Path, small_limit: int
) -> None:
    files_before = stored_files(private_media)

    response = coordinator.post(f"/en/agreements/{world.mou.slug}/edit/", agreement_data(world.iiim, tiny_pdf(3)))

    assert "The document is too large" in response.content.decode()
    assert stored_files(private_media) == files_before


def test_valid_document_is_stored_privately_and_served_only_to_those_who_may_see(
    world: World, coordinator: Client, private_media: Path, settings: Any
) -> None:
    document = tiny_pdf()

    response = coordinator.post("/en/agreements/new/", agreement_data(world.iiim, document))

    agreement = Agreement.objects.get(title_en="MoU on the transfer of documentation")
    assert response.status_code == 302
    assert response["Location"] == f"/en/agreements/{agreement.slug}/"
    assert agreement.owner == world.iiim
    stored = Path(agreement.document.path).resolve()
    assert stored.is_relative_to(Path(private_media).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.read_bytes() == document
    assert "signed-mou" not in agreement.document.name  # the uploaded name is not kept
    AgreementPartyFactory(agreement=agreement, organization=world.a, named_publicly=False)

    for role, status in [("iiim_coordinator", 200), ("owner_of_a", 200), ("operator", 200)]:
        served = world.client(role).get(f"/en/agreements/{agreement.slug}/document/")
        assert served.status_code == status, role
        assert b"".join(served.streaming_content) == document
    for role in ["anonymous", "editor_of_a", "owner_of_b", "envoy_coordinator"]:
        assert world.client(role).get(f"/en/agreements/{agreement.slug}/document/").status_code == 404, role


def test_valid_document_replaces_the_old_one_on_edit(world: World, coordinator: Client) -> None:
    document = tiny_pdf(pages=2)

    response = coordinator.post(f"/en/agreements/{world.mou.slug}/edit/", agreement_data(world.iiim, document))

    assert response.status_code == 302
    served = world.client("owner_of_a").get(f"/en/agreements/{world.mou.slug}/document/")
    assert b"".join(served.streaming_content) == document


@pytest.mark.parametrize("role", ["no_organization", "owner_of_a", "editor_of_a", "member_of_iiim"])
def test_non_coordinator_may_not_record_an_agreement(world: World, role: str) -> None:
    client = world.client(role)

    assert client.get("/en/agreements/new/").status_code == 403
    assert client.post("/en/agreements/new/", agreement_data(world.iiim, tiny_pdf())).status_code == 403
    assert not Agreement.objects.filter(title_en="MoU on the transfer of documentation").exists()


def test_anonymous_visitor_is_sent_to_log_in(world: World) -> None:
    response = client_for().get("/en/agreements/new/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_coordinator_of_another_host_picks_only_its_own_mechanism(world: World, private_media: Path) -> None:
    envoy = world.client("envoy_coordinator")

    form = envoy.get("/en/agreements/new/").context["form"]
    response = envoy.post("/en/agreements/new/", agreement_data(world.iiim, tiny_pdf()))

    assert list(form.fields["owner"].queryset) == [world.envoy_office]
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Agreement.objects.filter(title_en="MoU on the transfer of documentation").exists()
    assert envoy.get(f"/en/agreements/{world.protocol.slug}/edit/").status_code == 403
    assert envoy.get(f"/en/agreements/{world.mou.slug}/edit/").status_code == 404


def test_coordinator_of_another_host_records_its_own_agreement(world: World) -> None:
    envoy = world.client("envoy_coordinator")

    response = envoy.post("/en/agreements/new/", agreement_data(world.envoy_office, tiny_pdf()))

    assert response.status_code == 302
    assert Agreement.objects.get(title_en="MoU on the transfer of documentation").owner == world.envoy_office


# 6. API ------------------------------------------------------------------------------------------------


def add_agreements(count: int) -> None:
    """`count` public protocols, each with a party named publicly, one not named and one accession."""
    for number in range(count):
        agreement = AgreementFactory(title_en=f"Protocol of cooperation {number}", title_ar="")
        AgreementPartyFactory(agreement=agreement, named_publicly=True)
        AgreementPartyFactory(agreement=agreement, named_publicly=False)
        AgreementPartyFactory(
            agreement=agreement, joined_by=AgreementParty.JoinedBy.ACCESSION, joined_on=datetime.date(2021, 6, 1)
        )


def api_caller(role: str) -> Client:
    if role == "anonymous":
        return client_for()
    if role == "operator":
        return client_for(UserFactory(is_staff=True, is_superuser=True))
    return client_for(member(host_organization(), role))


@pytest.mark.parametrize("role", ["anonymous", Membership.Role.EDITOR, "operator"])
def test_api_list_query_count_does_not_grow_with_agreements(role: str, no_public_cache: None) -> None:
    client = api_caller(role)
    add_agreements(3)

    def list_agreements() -> tuple[int, int]:
        # The first request after a change settles the session and fills what is shared until the next (the Viewer).
        client.get(API)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(API)
        assert response.status_code == 200
        return len(response.json()["results"]), len(queries)

    three, queries_for_three = list_agreements()
    add_agreements(9)
    twelve, queries_for_twelve = list_agreements()

    assert (three, twelve) == (3, 12)
    assert queries_for_twelve == queries_for_three


@pytest.mark.parametrize("role", ["anonymous", Membership.Role.EDITOR])
def test_agreement_list_page_query_count_does_not_grow_with_agreements(role: str, no_public_cache: None) -> None:
    client = api_caller(role)
    add_agreements(3)

    def list_page() -> tuple[int, int]:
        client.get("/en/agreements/")  # as for the API, above
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/en/agreements/")
        assert response.status_code == 200
        return response.content.decode().count('class="card"'), len(queries)

    three, queries_for_three = list_page()
    add_agreements(9)
    twelve, queries_for_twelve = list_page()

    assert (three, twelve) == (3, 12)
    assert queries_for_twelve == queries_for_three
