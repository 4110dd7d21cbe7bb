from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import TIME_ZONE_CHOICES, User
from portal.templatetags.bidi import isolate

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def translated(*bases: str) -> list[str]:
    """The per-language model fields django-modeltranslation adds for `bases`, e.g. name_en ... name_ru."""
    return [f"{base}_{code}" for base in bases for code in LANGUAGE_CODES]


class MultilingualFormMixin:
    """A model form whose content is written in several languages.

    The first of `translated_fields` is required in at least one language (the page's language is
    asked for first) and stands in for English, the fallback, when English is left empty.
    """

    translated_fields: tuple[str, ...] = ()
    translated_labels: dict[str, Any] = {}

    def setup_languages(self) -> None:
        current = get_language() or settings.LANGUAGE_CODE
        for base in self.translated_fields:
            for code, name in settings.LANGUAGES:
                field = self.fields[f"{base}_{code}"]
                field.label = _("%(field)s (%(language)s)") % {"field": self.translated_labels[base], "language": name}
                field.required = False
        self.fields[f"{self.translated_fields[0]}_{current}"].required = True

    def clean_translations(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        main = self.translated_fields[0]
        values = [cleaned.get(f"{main}_{code}") for code in LANGUAGE_CODES]
        if not any(values):
            raise ValidationError(
                _("Give the %(field)s in at least one language."),
                params={"field": self.translated_labels[main]},
                code="no_translation",
            )
        if not cleaned.get(f"{main}_en"):
            cleaned[f"{main}_en"] = next(value for value in values if value)
            setattr(self.instance, f"{main}_en", cleaned[f"{main}_en"])
        return cleaned

    def language_groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """The translated fields grouped by language, the page's language first."""
        current = get_language() or settings.LANGUAGE_CODE
        ordered = sorted(settings.LANGUAGES, key=lambda item: item[0] != current)
        return [(code, name, [self[f"{base}_{code}"] for base in self.translated_fields]) for code, name in ordered]

    def other_fields(self) -> list[forms.BoundField]:
        skip = set(translated(*self.translated_fields))
        return [field for field in self if field.name not in skip]


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"))

    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("UTC", "UTC"), *TIME_ZONE_CHOICES]
        self.fields["time_zone"].help_text = self._meta.model._meta.get_field("time_zone").help_text


class NamedChoicesField(forms.ModelMultipleChoiceField):
    """Checkboxes for rows people named (focus areas, governorates): each label isolated, so that a direction
    control in one cannot turn the next around (portal/templatetags/bidi.py)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> Any:
        return isolate(super().label_from_instance(obj))
