"""The organisations API at /api/v1/organizations/: what each caller sees, and who may change a profile."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from organizations.models import Governorate, HistoryEntry, Membership, Organization, Topic
from portal.models import User
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organizations/"
CANARY = "canary-hidden@example.org"


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        sign_in(client, user)
    return client


def detail(organization: Organization) -> str:
    return f"{LIST}{organization.slug}/"


def slugs(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


def stj(**fields: Any) -> Organization:
    defaults = {
        "name_en": "Syrians for Truth and Justice",
        "name_ar": "سوريون من أجل الحقيقة والعدالة",
        "acronym": "STJ",
        "kind": Organization.Kind.CSO,
        "email": CANARY,
    }
    return OrganizationFactory(**(defaults | fields))


def member_of(organization: Organization, role: str = Membership.Role.MEMBER) -> User:
    return MembershipFactory(organization=organization, role=role).user


# Visibility -------------------------------------------------------------------------------------------


def test_anonymous_list_shows_only_listed_verified_organizations() -> None:
    listed = stj()
    OrganizationFactory(name_en="Caesar Families Association", listed_publicly=False)
    OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT)
    OrganizationFactory(name_en="Families for Freedom", status=Organization.Status.PENDING)
    OrganizationFactory(name_en="Massar Families Association", status=Organization.Status.SUSPENDED)

    assert slugs(api().get(LIST)) == {listed.slug}


def test_list_adds_the_callers_own_organizations() -> None:
    listed = stj()
    own_draft = OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT)
    other_draft = OrganizationFactory(name_en="Families for Freedom", status=Organization.Status.DRAFT)
    owner = member_of(own_draft, Membership.Role.OWNER)

    assert slugs(api(owner).get(LIST)) == {listed.slug, own_draft.slug}
    assert slugs(api(owner).get(LIST, {"scope": "all"})) == {listed.slug, own_draft.slug}
    assert other_draft.slug not in slugs(api(owner).get(LIST, {"scope": "all"}))


@pytest.mark.parametrize("own_listed", [True, False], ids=["own-listed", "own-unlisted"])
def test_the_count_is_of_the_rows_listed_whether_shared_or_counted(own_listed: bool) -> None:
    OrganizationFactory.create_batch(3, kind=Organization.Kind.CSO, hq_country="SY")
    OrganizationFactory(kind=Organization.Kind.VICTIMS_ASSOCIATION, hq_country="SY")
    own = OrganizationFactory(kind=Organization.Kind.CSO, hq_country="TR", listed_publicly=own_listed)
    caller = api(member_of(own))

    for query in ({}, {"kind": "cso"}, {"country": "SY"}, {"kind": "cso", "country": "TR"}):
        body = caller.get(LIST, query).json()
        anonymous = api().get(LIST, query).json()

        assert body["count"] == len(body["results"]), query
        assert anonymous["count"] == len(anonymous["results"]), query
        assert (own.slug in slugs(caller.get(LIST, query))) == (query.get("country", "TR") == "TR"), query


def test_a_new_listed_organisation_counts_at_once() -> None:
    stj()
    assert api().get(LIST).json()["count"] == 1

    OrganizationFactory(name_en="Caesar Families Association")

    assert api().get(LIST).json()["count"] == 2


def test_coordinator_lists_everything_with_scope_all() -> None:
    coordinator = make_coordinator()
    listed = stj()
    draft = OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT)
    unlisted = OrganizationFactory(name_en="Caesar Families Association", listed_publicly=False)

    directory = slugs(api(coordinator).get(LIST))
    everything = slugs(api(coordinator).get(LIST, {"scope": "all"}))

    assert listed.slug in directory and draft.slug not in directory and unlisted.slug not in directory
    assert {listed.slug, draft.slug, unlisted.slug} <= everything


def test_readers_in_turn_each_see_their_own_unlisted_organisations_and_no_one_elses() -> None:
    """A list is counted and sorted once for the readers the rule treats alike (portal.paging.NarrowPaginator):
    two coordinators, whom the rule treats alike, two members of other unlisted organisations and the public, read
    in turn and again backwards, each find the listed ones and their own."""
    listed = stj()
    unlisted = {
        name: OrganizationFactory(name_en=f"{name} Association", listed_publicly=False)
        for name in ("Caesar", "Massar", "Taafi", "Sawa")
    }
    readers: dict[str, tuple[APIClient, set[str]]] = {"public": (api(), set())}
    for number, name in enumerate(unlisted):
        person = make_coordinator(organization=OrganizationFactory(is_host=True)) if number < 2 else UserFactory()
        MembershipFactory(user=person, organization=unlisted[name])
        readers[name] = (api(person), {unlisted[name].slug})

    for name in [*readers, *reversed(readers)]:
        client, own = readers[name]
        directory = client.get(LIST).json()

        assert {row["slug"] for row in directory["results"]} - own_hosts(directory) == {listed.slug} | own, name
        assert directory["count"] == len(directory["results"]), name


def own_hosts(page: dict[str, Any]) -> set[str]:
    """The host organisations on a page (a coordinator's own, listed)."""
    return {row["slug"] for row in page["results"] if row["is_host"]}


def test_unknown_scope_is_a_clear_400() -> None:
    response = api().get(LIST, {"scope": "everything"})

    assert response.status_code == 400
    assert "scope" in response.json()


@pytest.mark.parametrize("status", [Organization.Status.DRAFT, Organization.Status.PENDING])
def test_unverified_organization_is_404_to_outsiders(status: str) -> None:
    organization = stj(status=status)
    other_owner = member_of(OrganizationFactory(name_en="Caesar Families Association"), Membership.Role.OWNER)

    for caller in (None, UserFactory(), other_owner):
        assert api(caller).get(detail(organization)).status_code == 404


def test_unverified_organization_is_shown_to_its_members_and_coordinators() -> None:
    organization = stj(status=Organization.Status.DRAFT)

    for caller in (member_of(organization), make_coordinator()):
        response = api(caller).get(detail(organization))
        assert response.status_code == 200
        assert response.json()["status"] == "draft"


def test_unknown_slug_is_404() -> None:
    assert api().get(f"{LIST}no-such-organization/").status_code == 404


def test_profile_payload() -> None:
    organization = stj(hq_country="FR", countries=["SY", "TR"], website="https://stj-sy.org")
    organization.topics.set(Topic.objects.filter(slug__in=["documentation", "enforced-disappearance"]))
    organization.governorates.set(Governorate.objects.filter(code__in=["aleppo", "hasakah"]))

    data = api().get(detail(organization), HTTP_ACCEPT_LANGUAGE="ar").json()

    assert data["name_en"] == "Syrians for Truth and Justice"
    assert data["name_ar"] == "سوريون من أجل الحقيقة والعدالة"
    assert {f"name_{code}" for code in ("en", "ar", "ku", "fr", "es", "ru")} <= set(data)
    assert data["hq_country"] == "FR"
    assert data["countries"] == ["SY", "TR"]
    assert sorted(data["topics"]) == ["documentation", "enforced-disappearance"]
    assert sorted(data["governorates"]) == ["aleppo", "hasakah"]
    assert data["logo"] is None


# Contact details --------------------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["coordinators", "private"])
@pytest.mark.parametrize("caller", ["anonymous", "no_organization", "member_of_other_verified"])
def test_hidden_contact_never_appears(visibility: str, caller: str) -> None:
    organization = stj(email_visibility=visibility)
    other = OrganizationFactory(name_en="Caesar Families Association")
    user = {
        "anonymous": None,
        "no_organization": UserFactory(),
        "member_of_other_verified": member_of(other, Membership.Role.OWNER),
    }[caller]
    client = api(user)

    for response in (client.get(detail(organization)), client.get(LIST), client.get(LIST, {"scope": "all"})):
        assert response.status_code == 200
        assert CANARY not in response.content.decode()
    assert "email" not in client.get(detail(organization)).json()


@pytest.mark.parametrize("visibility", ["public", "members", "coordinators", "private"])
def test_own_member_sees_every_contact(visibility: str) -> None:
    organization = stj(email_visibility=visibility)

    data = api(member_of(organization)).get(detail(organization)).json()

    assert data["email"] == CANARY


@pytest.mark.parametrize(("visibility", "shown"), [("coordinators", True), ("private", False)])
def test_coordinator_sees_contacts_meant_for_coordinators(visibility: str, shown: bool) -> None:
    organization = stj(email_visibility=visibility)

    response = api(make_coordinator()).get(detail(organization))

    assert (CANARY in response.content.decode()) is shown
    assert ("email" in response.json()) is shown


def test_members_audience_is_signed_in_members_of_verified_organizations() -> None:
    organization = stj(email_visibility="members")
    verified_member = member_of(OrganizationFactory(name_en="Caesar Families Association"))
    draft_member = member_of(OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT))

    assert CANARY in api(verified_member).get(detail(organization)).content.decode()
    assert CANARY not in api(draft_member).get(detail(organization)).content.decode()
    assert CANARY not in api().get(detail(organization)).content.decode()


def test_visibility_settings_are_shown_only_to_those_who_may_edit() -> None:
    organization = stj()
    settings_fields = {"listed_publicly", "email_visibility", "phone_visibility", "address_visibility"}

    as_member = api(member_of(organization)).get(detail(organization)).json()
    as_editor = api(member_of(organization, Membership.Role.EDITOR)).get(detail(organization)).json()

    assert not settings_fields & set(as_member)
    assert settings_fields <= set(as_editor)
    assert "contact_persons_visibility" in as_editor


# Editing ----------------------------------------------------------------------------------------------


def test_editor_updates_the_profile_and_history_records_it() -> None:
    organization = stj()
    editor = member_of(organization, Membership.Role.EDITOR)

    response = api(editor).patch(
        detail(organization),
        {
            "name_fr": "Syriens pour la vérité et la justice",
            "founded_year": 2015,
            "countries": ["SY", "FR"],
            "topics": ["documentation", "detention"],
            "governorates": ["idlib"],
            "working_languages": ["ar", "en"],
            "social_links": ["https://twitter.com/STJ_SYRIA_ENG"],
            "phone_visibility": "private",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    organization.refresh_from_db()
    assert organization.name_fr == "Syriens pour la vérité et la justice"
    assert sorted(country.code for country in organization.countries) == ["FR", "SY"]
    assert set(organization.topics.values_list("slug", flat=True)) == {"documentation", "detention"}
    assert list(organization.governorates.values_list("code", flat=True)) == ["idlib"]
    assert organization.phone_visibility == "private"
    entry = HistoryEntry.objects.get(organization=organization, action=HistoryEntry.Action.EDITED)
    assert entry.actor == editor
    assert entry.changes["name_fr"] == [None, "Syriens pour la vérité et la justice"]
    assert entry.changes["topics"] == [[], ["detention", "documentation"]]
    assert response.json()["topics"] == ["detention", "documentation"]


def test_put_replaces_the_profile() -> None:
    organization = stj()
    owner = member_of(organization, Membership.Role.OWNER)
    payload = api(owner).get(detail(organization)).json()
    payload |= {"acronym": "STJ-SY", "website": "https://stj-sy.org"}
    payload.pop("logo")

    response = api(owner).put(detail(organization), payload, format="json")

    assert response.status_code == 200, response.content
    organization.refresh_from_db()
    assert (organization.acronym, organization.website) == ("STJ-SY", "https://stj-sy.org")


def test_member_cannot_edit() -> None:
    organization = stj()

    response = api(member_of(organization)).patch(detail(organization), {"acronym": "X"}, format="json")

    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.acronym == "STJ"


def test_owner_of_other_organization_cannot_edit() -> None:
    listed = stj()
    draft = OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT)
    other_owner = member_of(OrganizationFactory(name_en="Caesar Families Association"), Membership.Role.OWNER)

    assert api(other_owner).patch(detail(listed), {"acronym": "X"}, format="json").status_code == 403
    assert api(other_owner).patch(detail(draft), {"acronym": "X"}, format="json").status_code == 404
    assert not HistoryEntry.objects.exists()


def test_coordinator_cannot_edit_another_organization() -> None:
    organization = stj()

    response = api(make_coordinator()).patch(detail(organization), {"acronym": "X"}, format="json")

    assert response.status_code == 403


def test_anonymous_cannot_edit() -> None:
    organization = stj()

    assert api().patch(detail(organization), {"acronym": "X"}, format="json").status_code in (401, 403)


def test_suspended_profile_is_frozen_for_its_editors() -> None:
    organization = stj(status=Organization.Status.SUSPENDED)
    owner = member_of(organization, Membership.Role.OWNER)

    assert api(owner).patch(detail(organization), {"acronym": "X"}, format="json").status_code == 403


def test_status_slug_and_host_cannot_be_changed() -> None:
    organization = stj(status=Organization.Status.DRAFT)
    owner = member_of(organization, Membership.Role.OWNER)
    slug = organization.slug

    response = api(owner).patch(
        detail(organization), {"status": "verified", "slug": "taken-over", "is_host": True}, format="json"
    )

    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.status, organization.slug, organization.is_host) == ("draft", slug, False)


def test_no_create_or_delete() -> None:
    organization = stj()
    operator = UserFactory(is_staff=True, is_superuser=True)

    assert api(operator).post(LIST, {"name_en": "New"}, format="json").status_code == 405
    assert api(operator).delete(detail(organization)).status_code == 405
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_kinds_set_by_operators_cannot_be_claimed() -> None:
    organization = stj()
    owner = member_of(organization, Membership.Role.OWNER)

    response = api(owner).patch(detail(organization), {"kind": "un"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()


def test_name_cannot_be_removed_in_every_language() -> None:
    organization = stj()
    owner = member_of(organization, Membership.Role.OWNER)

    response = api(owner).patch(detail(organization), {"name_en": "", "name_ar": ""}, format="json")

    assert response.status_code == 400
    assert "at least one language" in json.dumps(response.json())


NONSENSE = [
    {"name_en": "x" * 201},
    {"name_en": None, "name_ar": None},
    {"name_ar": {"nested": True}},
    {"name_en": "nul\x00byte"},
    {"description_en": ["a", "list"]},
    {"acronym": "A" * 31},
    {"kind": "militia"},
    {"kind": 7},
    {"founded_year": 1066},
    {"founded_year": "soon"},
    {"founded_year": 10**20},
    {"hq_country": "XX"},
    {"hq_country": ["FR"]},
    {"hq_country": {"code": ["FR"]}},
    {"countries": "FR"},
    {"countries": ["FR", "Atlantis"]},
    {"countries": [None]},
    {"countries": [{"code": 5}]},
    {"governorates": ["gotham"]},
    {"governorates": [{"code": "aleppo"}]},
    {"governorates": "aleppo"},
    {"topics": ["not-a-topic"]},
    {"topics": [1, 2]},
    {"topics": ["nul\x00"]},
    {"governorates": ["\x00"]},
    {"topics": None},
    {"working_languages": ["klingon"]},
    {"working_languages": "ar"},
    {"working_languages": [["ar"]]},
    {"social_links": ["javascript:alert(1)"]},
    {"social_links": [f"https://example.org/{n}" for n in range(11)]},
    {"social_links": {"twitter": "https://x.com"}},
    {"website": "not a url"},
    {"website": "https://" + "x" * 300 + ".org"},
    {"email": "nobody"},
    {"phone": "1" * 41},
    {"email_visibility": "everyone"},
    {"address_visibility": None},
    {"listed_publicly": "perhaps"},
    {"address": {"street": "x"}},
]


@pytest.mark.parametrize("payload", NONSENSE, ids=[next(iter(p)) + str(i) for i, p in enumerate(NONSENSE)])
def test_nonsense_is_a_400_naming_the_field(payload: dict[str, Any]) -> None:
    organization = stj()
    owner = member_of(organization, Membership.Role.OWNER)
    before = api(owner).get(detail(organization)).json()

    response = api(owner).patch(detail(organization), payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) & set(payload), response.json()
    assert api(owner).get(detail(organization)).json() == before


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"a string"', "null", "{"])
def test_malformed_body_is_a_400(body: str) -> None:
    organization = stj()
    owner = member_of(organization, Membership.Role.OWNER)

    response = api(owner).patch(detail(organization), body, content_type="application/json")

    assert response.status_code == 400


# Filters and queries ----------------------------------------------------------------------------------


def test_filters() -> None:
    truth = stj(hq_country="FR", countries=["SY"])
    truth.topics.set(Topic.objects.filter(slug="documentation"))
    truth.governorates.set(Governorate.objects.filter(code="aleppo"))
    caesar = OrganizationFactory(
        name_en="Caesar Families Association",
        name_ar="رابطة عائلات قيصر",
        kind=Organization.Kind.VICTIMS_ASSOCIATION,
        hq_country="DE",
    )
    client = api()

    assert slugs(client.get(LIST, {"q": "truth"})) == {truth.slug}
    assert slugs(client.get(LIST, {"q": "الحقيقة"})) == {truth.slug}
    assert slugs(client.get(LIST, {"kind": "victims"})) == {caesar.slug}
    assert slugs(client.get(LIST, {"country": "DE"})) == {caesar.slug}
    assert slugs(client.get(LIST, {"country": "SY"})) == {truth.slug}
    assert slugs(client.get(LIST, {"topic": "documentation"})) == {truth.slug}
    assert slugs(client.get(LIST, {"governorate": "aleppo"})) == {truth.slug}


@pytest.mark.parametrize(
    "query", [{"kind": "militia"}, {"country": "XX"}, {"topic": "nothing"}, {"governorate": "gotham"}, {"q": "x" * 101}]
)
def test_invalid_filter_is_a_400(query: dict[str, str]) -> None:
    response = api().get(LIST, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_nonsense_page_is_a_404() -> None:
    assert api().get(LIST, {"page": "many"}).status_code == 404


def _organizations(count: int) -> None:
    topics = list(Topic.objects.all()[:3])
    governorates = list(Governorate.objects.all()[:2])
    for index in range(count):
        organization = OrganizationFactory(email=f"office{index}@example.org", email_visibility="members")
        organization.topics.set(topics)
        organization.governorates.set(governorates)


def _list_queries(client: APIClient) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"scope": "all"})
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("caller", ["anonymous", "coordinator", "editor"])
def test_list_query_count_does_not_grow_with_rows(caller: str) -> None:
    user = None
    if caller == "coordinator":
        user = make_coordinator()
    elif caller == "editor":
        user = member_of(stj(), Membership.Role.EDITOR)
    client = api(user)
    _organizations(3)
    few, few_rows = _list_queries(client)
    _organizations(27)
    many, many_rows = _list_queries(client)

    assert many_rows == few_rows + 27
    assert few == many


# A page shared by its readers (organizations.api.OrganizationListSerializer) ------------------------------


@pytest.mark.parametrize("member_first", [True, False])
def test_a_shared_page_gives_each_reader_only_the_contacts_they_may_see(member_first: bool) -> None:
    organization = stj(email_visibility="private")
    member, editor, outsider = (
        member_of(organization),
        member_of(organization, Membership.Role.EDITOR),
        member_of(OrganizationFactory(name_en="Caesar Families Association"), Membership.Role.OWNER),
    )
    readers = [member, editor, outsider] if member_first else [outsider, editor, member]

    rows = {reader: row_of(api(reader).get(LIST), organization) for reader in readers}

    assert rows[member]["email"] == CANARY and "email_visibility" not in rows[member]
    assert rows[editor]["email"] == CANARY and rows[editor]["email_visibility"] == "private"
    assert "email" not in rows[outsider] and "email_visibility" not in rows[outsider]


def test_a_second_reader_of_a_page_reads_no_profiles_and_a_change_shows_at_once() -> None:
    organization = stj()
    first, second = UserFactory(), UserFactory()
    api(first).get(LIST)

    with CaptureQueriesContext(connection) as queries:
        shared = row_of(api(second).get(LIST), organization)
    Organization.objects.filter(pk=organization.pk).update(acronym="STJ-Syria")

    assert shared["acronym"] == "STJ"
    assert not any('"organizations_organization"."acronym"' in query["sql"] for query in queries.captured_queries)
    assert row_of(api(second).get(LIST), organization)["acronym"] == "STJ-Syria"


def row_of(response: Any, organization: Organization) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return next(row for row in response.json()["results"] if row["slug"] == organization.slug)
