from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization, Topic
from portal.countries import country_choices
from portal.forms import LANGUAGE_CODES, MultilingualFormMixin, field_of, translated
from statements.models import Statement

DATETIME_WIDGET = {"type": "datetime-local"}


class StatementForm(MultilingualFormMixin, forms.ModelForm):
    """The statement in each language, which versions are ready to show, and the endorsement window."""

    translated_fields = ("title", "text", "addressees")
    translated_labels = {"title": _("Title"), "text": _("Text"), "addressees": _("Addressed to")}

    published_languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        label=_("Language versions ready to show"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Readers see the version in their language if it is ticked here, otherwise the English version "
            "with a notice. Tick a language only once its title and text are final."
        ),
    )

    class Meta:
        model = Statement
        fields = [
            "owner",
            "kind",
            *translated("title", "text", "addressees"),
            "published_languages",
            "published_on",
            "opens_at",
            "closes_at",
        ]
        widgets = {
            **{field: forms.Textarea(attrs={"rows": 12}) for field in translated("text")},
            "published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "opens_at": forms.DateTimeInput(attrs=DATETIME_WIDGET, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs=DATETIME_WIDGET, format="%Y-%m-%dT%H:%M"),
        }
        help_texts = {
            "opens_at": _("Empty: from the moment the statement is opened for endorsement."),
            "closes_at": _("Empty: until the statement is closed."),
        }

    def __init__(self, *args: Any, owners: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = field_of(self, "owner", forms.ModelChoiceField)
        owner.queryset = owners
        owner.empty_label = None
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        cleaned = self.clean_translations(super().clean())
        for code in cleaned.get("published_languages") or []:
            if not (cleaned.get(f"title_{code}") and cleaned.get(f"text_{code}")):
                self.add_error(
                    "published_languages",
                    _("The %(language)s version needs a title and a text before it is shown.")
                    % {"language": dict(settings.LANGUAGES)[code]},
                )
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Endorsement must close after it opens."))
        return cleaned

    def clean_published_languages(self) -> list[str]:
        chosen = self.cleaned_data["published_languages"]
        return [code for code in LANGUAGE_CODES if code in chosen]  # in the site's order, for stable output


class EndorseForm(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Endorse in the name of"))
    named_publicly = forms.BooleanField(
        label=_("Name our organisation publicly among the endorsers"),
        required=False,
        help_text=_(
            "If unticked, your organisation is counted but not named to the public. Its name is still seen by your "
            "own members, by the editors and owners of the organisation that publishes the statement, and by the "
            "platform's operators, who run the servers. Each time someone outside your organisation sees it on "
            "the portal, the audit log records who and when."
        ),
    )

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization], offered: list[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = field_of(self, "organization", forms.ModelChoiceField)
        # Any organisation the person may endorse for is accepted, so that one already endorsed gets the
        # service's clear answer rather than "not a valid choice"; only those not yet endorsed are offered.
        field.queryset = organizations
        field.empty_label = None
        field.widget.choices = [(organization.pk, organization.name) for organization in offered]


class RecordEndorsementForm(forms.Form):
    organization = forms.ModelChoiceField(
        Organization.objects.none(),
        label=_("Organisation"),
        help_text=_("A verified organisation whose endorsement reached you by email."),
    )
    named_publicly = forms.BooleanField(
        label=_("It agrees to be named publicly"),
        required=False,
        help_text=_("It is named only once the organisation confirms it on the portal: its owners are asked by email."),
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "organization", forms.ModelChoiceField).queryset = organizations


class OutreachForm(forms.Form):
    topic = forms.ModelChoiceField(
        Topic.objects.all(), label=_("Focus area"), required=False, to_field_name="slug", empty_label=_("Any")
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, countries_in_use: Collection[str], **kwargs: Any) -> None:
        """`countries_in_use`: the countries offered, those of the organisations the filter chooses among; any
        country still validates (and finds nobody)."""
        super().__init__(*args, **kwargs)
        field_of(self, "kind", forms.ChoiceField).choices = [("", _("Any")), *Organization.Kind.choices]
        country = field_of(self, "country", forms.ChoiceField)
        country.choices = [("", _("Any")), *country_choices()]
        country.widget.choices = [("", _("Any")), *country_choices(countries_in_use)]

    def criteria(self) -> dict[str, str]:
        data = self.cleaned_data
        return {"topic": data["topic"].slug if data["topic"] else "", "kind": data["kind"], "country": data["country"]}
