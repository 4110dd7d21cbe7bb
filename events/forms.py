from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Document, Event, EventSeries, Registration, Session
from organizations.models import WORKING_LANGUAGES
from organizations.picker import PickedForm
from portal.countries import country_choices
from portal.forms import ModelFormMixinBase, MultilingualFormMixin, field_of, translated
from portal.models import User
from portal.timezones import TimeZoneField
from portal.uploads import check_pdf

# The month calendar's weeks reach into the months around it, so the first and last years a date can hold are
# not shown.
FIRST_MONTH = datetime.date(2, 1, 1)
LAST_MONTH = datetime.date(9998, 12, 1)


class MonthForm(forms.Form):
    """Which month the calendar shows: `month=YYYY-MM`, or this month when it is absent."""

    month = forms.CharField(required=False, max_length=7)

    def clean_month(self) -> datetime.date:
        value = self.cleaned_data["month"]
        if not value:
            return timezone.localdate().replace(day=1)
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
        try:
            month = datetime.date(int(match[1]), int(match[2]), 1) if match else None
        except ValueError:
            month = None
        if month is None or not FIRST_MONTH <= month <= LAST_MONTH:
            raise ValidationError(
                _(
                    "This calendar cannot show that month. Give a year and a month from %(first)s to %(last)s, "
                    "such as %(example)s."
                ),
                params={"first": "0002-01", "last": "9998-12", "example": f"{timezone.localdate():%Y-%m}"},
                code="month",
            )
        return month


LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LocalTimesMixin(ModelFormMixinBase):
    """Start and end are typed in the event's own time zone, not the server's or the browser's."""

    local_fields: tuple[str, ...] = ("starts_at", "ends_at")

    def _zone(self) -> zoneinfo.ZoneInfo:
        # The zone as its field read it (a city or a country typed becomes a zone's name), once cleaned.
        name = getattr(self, "cleaned_data", {}).get("time_zone") if self.is_bound else None
        name = name or getattr(self.instance, "time_zone", None) or "UTC"
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def localize_initial(self, zone_name: str | None) -> None:
        zone = zoneinfo.ZoneInfo(zone_name or "UTC")
        for name in self.local_fields:
            value = getattr(self.instance, name, None)
            if value:
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)

    def clean_local(self, cleaned: dict[str, Any] | None) -> dict[str, Any]:
        """Read start and end in the event's time zone. `cleaned` is what the form's clean() returned; None, as
        Django allows, stands for its cleaned_data."""
        if cleaned is None:
            cleaned = self.cleaned_data
        zone = self._zone()
        for name in self.local_fields:
            value = cleaned.get(name)
            if isinstance(value, datetime.datetime):
                # The form parsed the wall-clock time in the server's zone; reinterpret it in the event's.
                cleaned[name] = timezone.make_naive(value).replace(tzinfo=zone)
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("The end must come after the start."))
        return cleaned


class EventForm(LocalTimesMixin, MultilingualFormMixin, forms.ModelForm):
    local_fields = ("starts_at", "ends_at", "link_release_at")
    translated_fields = ("title", "description")
    translated_labels = {"title": _("Title"), "description": _("Description")}
    working_languages = forms.MultipleChoiceField(
        choices=WORKING_LANGUAGES, label=_("Working languages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    time_zone = TimeZoneField(label=_("Time zone of the event"), initial="Europe/Zurich")

    class Meta:
        model = Event
        fields = [
            "owner",
            "series",
            *translated("title", "description"),
            "kind",
            "format",
            "status",
            "visibility",
            "registration_mode",
            "time_zone",
            "starts_at",
            "ends_at",
            "venue",
            "city",
            "country",
            "street_address",
            "online_link",
            "working_languages",
            "interpretation",
            "capacity",
            "hold_days",
            "link_release_at",
        ]
        widgets = {
            **{field: forms.Textarea(attrs={"rows": 4}) for field in translated("description")},
            "starts_at": LOCAL_DATETIME,
            "ends_at": LOCAL_DATETIME,
            "link_release_at": LOCAL_DATETIME,
            "street_address": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "street_address": _("Shown only to confirmed participants."),
            "online_link": _("Shown only to confirmed participants."),
        }

    def __init__(self, *args: Any, organisers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = field_of(self, "owner", forms.ModelChoiceField)
        owner.queryset = organisers
        owner.empty_label = None
        field_of(self, "series", forms.ModelChoiceField).queryset = EventSeries.objects.filter(owner__in=organisers)
        for name in self.local_fields:
            field_of(self, name, forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        # Every country, named and ordered in the reader's language (portal.countries).
        field_of(self, "country", forms.ChoiceField).choices = [("", "---------"), *country_choices()]
        self.setup_languages()
        if self.instance.pk:
            self.localize_initial(self.instance.time_zone)
        self.fields["hold_days"].required = False

    def clean_hold_days(self) -> int:
        """Left empty: the default (a week)."""
        days: int | None = self.cleaned_data.get("hold_days")
        return days if days is not None else Event._meta.get_field("hold_days").get_default()

    def clean(self) -> dict[str, Any]:
        cleaned = self.clean_local(self.clean_translations(super().clean()))
        online = cleaned.get("format") in (Event.Format.ONLINE, Event.Format.HYBRID)
        # A link given but invalid already has its error; saying that it is missing would confuse.
        if online and not cleaned.get("online_link") and "online_link" not in self.errors:
            self.add_error("online_link", _("An online or hybrid event needs its online link."))
        release, ends = cleaned.get("link_release_at"), cleaned.get("ends_at")
        if release and ends and release >= ends:
            self.add_error("link_release_at", _("The link must be released before the event ends."))
        return cleaned


class SessionForm(LocalTimesMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = ["title", "starts_at", "ends_at", "room", "speakers", "languages"]
        widgets = {
            "starts_at": LOCAL_DATETIME,
            "ends_at": LOCAL_DATETIME,
            "speakers": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        self.event = event
        super().__init__(*args, **kwargs)
        for name in self.local_fields:
            field_of(self, name, forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def _zone(self) -> zoneinfo.ZoneInfo:
        return self.event.zone

    def clean(self) -> dict[str, Any]:
        return self.clean_local(super().clean())


class InviteForm(PickedForm):
    """Invite the organisations ticked among the picker's results, or all those its filters match, with their
    seats."""

    seats = forms.IntegerField(label=_("Seats per organisation"), min_value=1, max_value=50, initial=2)


class InvitationAnswerForm(forms.Form):
    # No answer chosen in advance: an owner who only meant to look must not accept by pressing the button.
    accept = forms.TypedChoiceField(
        choices=[("1", _("We accept")), ("0", _("We decline"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        label=_("Your answer"),
        error_messages={"required": _("Choose whether your organisation accepts or declines.")},
    )
    listed_to_participants = forms.BooleanField(
        label=_("Other participants may see that our organisation takes part"), required=False
    )


class DelegateForm(forms.Form):
    """A member chosen from the list, or anyone by email (invited to join the organisation as well)."""

    user: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=None, label=_("Delegate"), required=False, empty_label=_("(someone else, by email)")
    )
    email = forms.EmailField(
        label=_("…or their email address"),
        required=False,
        help_text=_("Someone who is not yet a member gets one email: accepting makes them a member and the delegate."),
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs_visa_letter = forms.BooleanField(label=_("Needs a visa invitation letter"), required=False)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "user", forms.ModelChoiceField).queryset = members

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if not self.errors and bool(cleaned.get("user")) == bool(cleaned.get("email")):
            raise ValidationError(_("Choose a member, or give the email address of someone else."), code="who")
        return cleaned


class SeatsForm(forms.Form):
    """The organisers change the seats offered to one invited organisation."""

    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=50)


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["organization", "interest_statement", "accessibility_needs", "needs_visa_letter"]
        widgets = {
            "interest_statement": forms.Textarea(attrs={"rows": 4}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, event: Event, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "organization", forms.ModelChoiceField).queryset = organizations
        self.fields["organization"].required = False
        if event.registration_mode != Event.RegistrationMode.INTEREST:
            del self.fields["interest_statement"]
        else:
            self.fields["interest_statement"].required = True


class DocumentForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title",)
    translated_labels = {"title": _("Title")}

    class Meta:
        model = Document
        fields = [*translated("title"), "kind", "visibility", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_languages()

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        return check_pdf(upload) if upload and hasattr(upload, "content_type") else upload

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())
