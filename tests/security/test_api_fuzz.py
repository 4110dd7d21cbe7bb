"""The API under generated input: schemathesis reads the portal's own OpenAPI schema (/api/schema/) and sends
requests for every operation (GET, PATCH, PUT) straight to the Django WSGI application, with no network.

Each operation gets a bounded, derandomised set of examples, so a CI run is repeatable. No response may be a
server error; a success must match the schema (body, content type, headers); input the schema calls invalid
must be refused and input it calls valid accepted. The run goes once as an anonymous visitor and once as an
editor of an organisation signed in with an API token; path parameters are sometimes the slugs of real objects,
so that reads find something and PUT and PATCH reach the serializers' validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.specs.openapi.checks import ignored_auth, status_code_conformance

from organizations.models import Governorate, Membership, Topic
from portal.wsgi import application
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    EditionFactory,
    EndorsementFactory,
    EventFactory,
    ItemFactory,
    MembershipFactory,
    OrganizationFactory,
    PublicationFactory,
    SectionFactory,
    StatementFactory,
    UserFactory,
)

# Slugs of the objects the `portal_data` fixture makes, mixed into the generated path parameters.
EDITOR_ORGANIZATION = "syrians-for-truth-and-justice"
REAL_CODES = {"governorate": "idlib", "topic": "enforced-disappearance"}
REAL_SLUGS = [EDITOR_ORGANIZATION, "protocol-of-cooperation", "lausanne-platform", "bulletin", "open-letter"]
# The schema documents the success responses only, not the 4xx answers (see SECURITY.md, Findings). Every
# operation reads without signing in, so "accepts requests without (valid) authentication" is by design: who
# sees what is proved by the visibility and URL matrix tests, not here.
EXCLUDED_CHECKS = [status_code_conformance, ignored_auth]
FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def map_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> dict[str, Any] | None:
    # A governorate or focus area is named by a code from the database, which the schema cannot list: an
    # unknown one is rightly refused with a 400, so the generated ones are replaced with codes that exist. An
    # empty filter means "any", as a form sends it, not an invalid choice.
    if query:
        query = {name: value for name, value in query.items() if value != ""}
        query.update({name: code for name, code in REAL_CODES.items() if name in query})
    return query


@pytest.fixture
def portal_data(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Membership]:
    """A little of everything the API serves, and an editor of one organisation."""
    # A few hundred requests a minute are the point here, not something to throttle.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    organization = OrganizationFactory(slug=EDITOR_ORGANIZATION)
    organization.governorates.add(Governorate.objects.get_or_create(code=REAL_CODES["governorate"])[0])
    organization.topics.add(Topic.objects.get_or_create(slug=REAL_CODES["topic"])[0])
    agreement = AgreementFactory(slug="protocol-of-cooperation")
    AgreementPartyFactory(agreement=agreement, organization=organization)
    EventFactory(slug="lausanne-platform")
    ItemFactory(section=SectionFactory(edition=EditionFactory(publication=PublicationFactory(slug="bulletin"))))
    EndorsementFactory(statement=StatementFactory(slug="open-letter"), organization=organization)
    editor = MembershipFactory(user=UserFactory(), organization=organization, role=Membership.Role.EDITOR)
    # As in Django's test client: the end of a request must not close the connection that holds the test's
    # transaction (and with it this data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield editor
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def before_generate_path_parameters(context: schemathesis.HookContext, strategy: SearchStrategy) -> SearchStrategy:
    # Random slugs only ever reach a 404; real ones reach the serializers and their validation.
    if context.operation is not None and "{slug}" in context.operation.path:
        return strategy | st.fixed_dictionaries({"slug": st.sampled_from(REAL_SLUGS)})
    return strategy


# Loaded once, when pytest collects this module (schemathesis' fixture-based loader does not run on pytest 9.2).
# The coverage phase sends every boundary case the schema allows (thousands for a profile's PUT); the fuzzing
# phase's bounded, derandomised examples keep the run to a minute.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", application, config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
)
schema.hook(before_generate_path_parameters)
schema.hook(map_query)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_anonymous_visitor(case: schemathesis.Case, portal_data: Membership) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_editor_of_an_organization(case: schemathesis.Case, portal_data: Membership) -> None:
    token, _created = Token.objects.get_or_create(user=portal_data.user)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, excluded_checks=EXCLUDED_CHECKS)
