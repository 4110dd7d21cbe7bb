"""A field's errors are tied to the field, so a screen reader announces them with it: the control is
aria-invalid and its aria-describedby names its help text and its error list (templates/includes/field.html
for the portal's forms, Django's own form templates for allauth's)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from portal.models import User
from tests.conftest import sign_in
from tests.portal.conftest import elements_by_id

pytestmark = pytest.mark.django_db

# Social links with help text, and a focus area that does not exist: two fields in error.
INVALID_REGISTRATION = {"name_en": "Hope for Detainees' Families", "social_links": "not a link", "topics": ["999999"]}


@pytest.fixture
def invalid_registration(client: Client, user: User) -> str:
    sign_in(client, user)
    response = client.post("/en/organizations/register/", INVALID_REGISTRATION)
    assert response.status_code == 200
    return response.content.decode()


def test_field_with_an_error_is_invalid_and_described_by_its_help_and_error(invalid_registration: str) -> None:
    elements = elements_by_id(invalid_registration)

    [(tag, attributes)] = elements["id_social_links"]
    assert tag == "textarea"
    assert attributes["aria-invalid"] == "true"
    assert attributes["aria-describedby"] == "id_social_links_helptext id_social_links_error"
    assert [tag for tag, _attributes in elements["id_social_links_helptext"]] == ["p"]
    assert [tag for tag, _attributes in elements["id_social_links_error"]] == ["ul"]
    assert "is not a web address" in invalid_registration


def test_field_without_an_error_is_not_marked_invalid(invalid_registration: str) -> None:
    [(_tag, attributes)] = elements_by_id(invalid_registration)["id_acronym"]

    assert "aria-invalid" not in attributes
    assert "aria-describedby" not in attributes


def test_group_of_checkboxes_with_an_error_is_a_fieldset_described_by_its_error(invalid_registration: str) -> None:
    page = invalid_registration
    group = re.search(r'<fieldset class="field field--group field--error"([^>]*)>\s*<legend>Focus areas', page)

    assert group is not None
    assert group.group(1) == ' aria-describedby="id_topics_error"'
    assert [tag for tag, _attributes in elements_by_id(page)["id_topics_error"]] == ["ul"]
    assert 'aria-invalid="true" id="id_topics_0"' in page


def test_page_with_errors_uses_each_id_once(invalid_registration: str) -> None:
    repeated = [id_ for id_, elements in elements_by_id(invalid_registration).items() if len(elements) > 1]

    assert repeated == []


def test_sign_up_form_ties_its_errors_to_its_fields(client: Client) -> None:
    response = client.post("/en/accounts/signup/", {"email": "not an address", "password1": "x", "password2": "y"})

    elements = elements_by_id(response.content.decode())
    [(_tag, attributes)] = elements["id_email"]
    assert attributes["aria-invalid"] == "true"
    assert "id_email_error" in (attributes["aria-describedby"] or "").split()
    assert [tag for tag, _attributes in elements["id_email_error"]] == ["ul"]
