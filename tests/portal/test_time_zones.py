"""Time zones by city or country (issue 17, item 6): "Geneva" finds Europe/Zurich; the browser's zone is proposed
at sign-up and after logging in while the person never chose one, and a choice is never overridden."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from portal.models import User
from portal.timezones import TimeZoneField, find_zones, zone_label
from tests.conftest import PASSWORD, make_user, sign_in

PROMPT = "Which time zone are you in?"


@pytest.mark.parametrize(
    ("text", "zones"),
    [
        ("Geneva", ["Europe/Zurich"]),
        ("genève", ["Europe/Zurich"]),
        ("Switzerland", ["Europe/Zurich"]),
        ("CH", ["Europe/Zurich"]),
        ("europe/zurich", ["Europe/Zurich"]),
        ("Gaziantep", ["Europe/Istanbul"]),
        ("Erbil", ["Asia/Baghdad"]),
        ("Syria", ["Asia/Damascus"]),
        ("Los Angeles", ["America/Los_Angeles"]),
        ("no such place", []),
    ],
)
def test_a_zone_is_found_by_city_or_country(text: str, zones: list[str]) -> None:
    assert find_zones(text) == zones


def test_a_country_is_found_by_its_name_in_the_readers_language() -> None:
    with translation.override("fr"):
        assert find_zones("Suisse") == ["Europe/Zurich"]
        assert zone_label("Europe/Zurich").startswith("Suisse")


def test_the_field_takes_a_city_and_asks_to_choose_where_a_country_has_several_zones() -> None:
    field = TimeZoneField()

    assert field.clean("Geneva") == "Europe/Zurich"
    assert field.clean("Asia/Damascus") == "Asia/Damascus"
    with pytest.raises(Exception, match="has several time zones: America/Adak"):
        field.clean("United States")
    with pytest.raises(Exception, match="No time zone is known for"):
        field.clean("Atlantis")


def test_the_field_suggests_every_zone_with_its_places() -> None:
    html = TimeZoneField().widget.render("time_zone", "", {"id": "id_time_zone"})

    assert 'list="id_time_zone-choices"' in html
    assert '<option value="Europe/Zurich" label="Switzerland · Geneva, Genève, Lausanne, Bern">' in html


@pytest.mark.django_db
def test_preferences_take_a_city_and_record_the_choice() -> None:
    person = make_user("lina@example.org")
    client = sign_in(Client(), person)

    client.post("/en/accounts/preferences/", {"full_name": "Lina", "preferred_language": "en", "time_zone": "Geneva"})

    person.refresh_from_db()
    assert (person.time_zone, person.time_zone_chosen) == ("Europe/Zurich", True)


@pytest.mark.django_db
def test_sign_up_proposes_the_browsers_zone_and_keeps_the_choice() -> None:
    page = Client().get("/en/accounts/signup/").content.decode()
    assert "data-propose-zone" in page

    Client().post(
        "/en/accounts/signup/",
        {"email": "omar@example.org", "password1": PASSWORD, "password2": PASSWORD, "time_zone": "Europe/Istanbul"},
    )
    Client().post("/en/accounts/signup/", {"email": "sara@example.org", "password1": PASSWORD, "password2": PASSWORD})

    omar, sara = User.objects.get(email="omar@example.org"), User.objects.get(email="sara@example.org")
    assert (omar.time_zone, omar.time_zone_chosen) == ("Europe/Istanbul", True)
    assert (sara.time_zone, sara.time_zone_chosen) == ("UTC", False)


def log_in(client: Client, person: User) -> str:
    response = client.post("/en/accounts/login/", {"login": person.email, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_after_logging_in_a_person_who_never_chose_is_asked_once() -> None:
    client = Client()

    first = log_in(client, make_user("lina@example.org"))

    assert PROMPT in first
    assert "data-propose-zone" in first
    assert PROMPT not in client.get("/en/events/").content.decode()


@pytest.mark.django_db
def test_a_chosen_zone_is_never_asked_for_again() -> None:
    person = make_user("lina@example.org", time_zone="UTC", time_zone_chosen=True)

    assert PROMPT not in log_in(Client(), person)


@pytest.mark.django_db
def test_answering_the_question_records_the_choice_and_goes_back() -> None:
    person = make_user("lina@example.org")
    client = sign_in(Client(), person)

    response = client.post("/en/accounts/time-zone/", {"time_zone": "Qamishli", "next": "/en/events/"})

    assert response["Location"] == "/en/events/"
    person.refresh_from_db()
    assert (person.time_zone, person.time_zone_chosen) == ("Asia/Damascus", True)


@pytest.mark.django_db
def test_an_answer_naming_no_zone_changes_nothing() -> None:
    person = make_user("lina@example.org")
    client = sign_in(Client(), person)

    response = client.post(
        "/en/accounts/time-zone/", {"time_zone": "Atlantis", "next": "https://evil.example/"}, follow=True
    )

    assert "No time zone is known for" in response.content.decode()
    person.refresh_from_db()
    assert (person.time_zone, person.time_zone_chosen) == ("UTC", False)
