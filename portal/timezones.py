"""Time zones found by city or country: "Geneva" or "Switzerland" finds Europe/Zurich.

The time zone database names zones after one city each (Europe/Zurich) and ships a table of which zones each
country uses (zone.tab, beside the zone files). From it and django-countries' names of countries (in the reader's
language) every zone gets a label such as "Europe/Zurich · Switzerland"; a few cities people meet in that name no
zone (Geneva, Gaziantep, Erbil) are added by hand. No library offers this search without bringing a copy of the
CLDR; these two sources are already here.

`TimeZoneField` is the form field: a text input with the labelled zones as suggestions (a `<datalist>`, which
browsers search without any script), which accepts a zone's name, a city or a country, and asks to choose when
several zones match. Where the person has not chosen a zone yet, static/js/portal.js proposes the browser's.
"""

from __future__ import annotations

import importlib.resources
import unicodedata
import zoneinfo
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# Cities where the portal's people meet that give their name to no zone (the zone's city is another one).
CITIES = {
    "Europe/Zurich": ["Geneva", "Genève", "Lausanne", "Bern"],
    "Europe/Istanbul": ["Gaziantep", "Ankara", "Urfa", "Şanlıurfa", "Hatay", "Antakya", "Mersin"],
    "Asia/Baghdad": ["Erbil", "Duhok", "Sulaymaniyah"],
    "Asia/Damascus": ["Aleppo", "Idlib", "Homs", "Hama", "Latakia", "Raqqa", "Deir ez-Zor", "Qamishli", "Hasakah"],
    "Asia/Beirut": ["Tripoli (Lebanon)"],
    "Asia/Amman": ["Zaatari", "Irbid"],
    "Europe/Amsterdam": ["The Hague", "Den Haag", "Rotterdam"],
    "Europe/Berlin": ["Hamburg", "Munich", "Cologne", "Frankfurt"],
    "Europe/Paris": ["Strasbourg", "Lyon", "Marseille"],
    "America/New_York": ["New York", "Washington"],
    "Europe/London": ["Manchester", "Birmingham"],
    "Europe/Stockholm": ["Gothenburg", "Malmö"],
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("_", " "))
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


def _zone_table() -> str:
    """zone.tab, from the system's time zone files or the tzdata package; empty where neither has it."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.exists():
            return path.read_text(encoding="utf-8")
    try:
        return importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache
def countries_of_zones() -> dict[str, list[str]]:
    """Each zone's countries (ISO codes), as zone.tab lists them."""
    available = zoneinfo.available_timezones()
    found: dict[str, list[str]] = defaultdict(list)
    for line in _zone_table().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coordinates, zone, *_comment = line.split("\t")
        if zone in available:
            found[zone].append(code)
    return dict(found)


def zone_names() -> list[str]:
    """The zones offered: one per area of a country (zone.tab), and UTC."""
    return [*sorted(countries_of_zones()), "UTC"]


def zone_label(zone: str) -> str:
    """What a zone is called in the suggestions: its countries in the reader's language, and cities without
    a zone of their own."""
    places = [str(countries.name(code)) for code in countries_of_zones().get(zone, [])]
    return " · ".join([*places, ", ".join(CITIES.get(zone, []))]).strip(" ·")


def find_zones(text: str) -> list[str]:
    """The zones `text` names: a zone itself, a city (a zone's own or one of CITIES) or a country (its name in
    English or the reader's language, or its code); failing those, those whose name or places contain it."""
    wanted = _fold(text)
    if not wanted:
        return []
    zones = zone_names()
    by_name = {_fold(zone): zone for zone in zoneinfo.available_timezones()}
    if wanted in by_name:
        return [by_name[wanted]]
    cities = {_fold(zone.rsplit("/", 1)[-1]): [zone] for zone in zones}
    for zone, names in CITIES.items():
        for name in names:
            cities.setdefault(_fold(name), []).append(zone)
    if wanted in cities:
        return cities[wanted]
    in_country = [
        zone
        for zone, codes in countries_of_zones().items()
        if any(wanted in (_fold(code), _fold(str(countries.name(code))), _fold(_english_name(code))) for code in codes)
    ]
    if in_country:
        return sorted(in_country)
    return [zone for zone in zones if wanted in _fold(f"{zone} {zone_label(zone)} {_english_places(zone)}")]


@cache
def _countries_in_english() -> dict[str, str]:
    with translation.override("en"):
        return {code: str(name) for code, name in countries}


def _english_name(code: str) -> str:
    return _countries_in_english().get(code, code)


def _english_places(zone: str) -> str:
    return " ".join(_english_name(code) for code in countries_of_zones().get(zone, []))


class TimeZoneInput(forms.TextInput):
    """A text input suggesting every zone with its countries and cities (searched by the browser as one types)."""

    template_name = "portal/widgets/time_zone.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, propose: bool = False) -> None:
        # `propose`: the person never chose a zone, so the browser's is proposed (static/js/portal.js).
        super().__init__({"autocomplete": "off", "dir": "ltr", **(attrs or {})})
        self.propose = propose

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["list"] = f"{widget['attrs'].get('id', name)}-choices"
        if self.propose:
            widget["attrs"]["data-propose-zone"] = ""
        widget["zones"] = [(zone, zone_label(zone)) for zone in zone_names()]
        return context


class TimeZoneField(forms.CharField):
    """A time zone, typed as its name, a city or a country."""

    def __init__(self, *, propose: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("widget", TimeZoneInput(propose=propose))
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault(
            "help_text", _("Type a city or a country, such as Geneva or Switzerland, and choose from the list.")
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return text
        if text in zoneinfo.available_timezones():
            return text
        found = find_zones(text)
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError(
                _("“%(value)s” has several time zones: %(zones)s. Choose one of them."),
                params={"value": text, "zones": ", ".join(found[:12]) + (" …" if len(found) > 12 else "")},
                code="ambiguous",
            )
        raise ValidationError(
            _("No time zone is known for “%(value)s”. Type a city or a country, such as Geneva or Switzerland."),
            params={"value": text},
            code="unknown",
        )
