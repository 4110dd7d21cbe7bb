from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import User
from portal.templatetags.bidi import isolate
from portal.timezones import TimeZoneField

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

if TYPE_CHECKING:
    # For the type checker, the form mixins (here and in the apps) extend what they are mixed into; at run time
    # they extend object and the form that uses one names forms.ModelForm itself.
    ModelFormMixinBase = forms.ModelForm[Any]
else:
    ModelFormMixinBase = object

FieldT = TypeVar("FieldT", bound=forms.Field)


def field_of(form: forms.BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """The form's field `name`, which the form declares (or builds from the model field) as a `kind`: typed, so
    that its queryset, choices or input formats can be set."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


def translated(*bases: str) -> list[str]:
    """The per-language model fields django-modeltranslation adds for `bases`, e.g. name_en ... name_ru."""
    return [f"{base}_{code}" for base in bases for code in LANGUAGE_CODES]


class MultilingualFormMixin(ModelFormMixinBase):
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

    def clean_translations(self, cleaned: dict[str, Any] | None) -> dict[str, Any]:
        """Require the first translated field in some language, and copy it into English if English is empty.
        `cleaned` is what the form's clean() returned; None, as Django allows, stands for its cleaned_data."""
        if cleaned is None:
            cleaned = self.cleaned_data
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
    time_zone = TimeZoneField(label=_("Time zone"))

    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].help_text = self._meta.model._meta.get_field("time_zone").help_text

    def save(self, commit: bool = True) -> User:
        # Saved here, the zone is the person's choice: never proposed again.
        self.instance.time_zone_chosen = True
        return super().save(commit)


class TimeZoneForm(forms.Form):
    """The question asked after logging in while a person has never chosen a time zone."""

    time_zone = TimeZoneField(label=_("Your time zone"), propose=True, help_text="")


class SignupForm(forms.Form):
    """What sign-up asks besides allauth's fields (settings.ACCOUNT_SIGNUP_FORM_CLASS): the time zone, proposed
    from the browser."""

    time_zone = TimeZoneField(label=_("Your time zone"), required=False, propose=True)

    def signup(self, request: Any, user: User) -> None:
        zone = self.cleaned_data.get("time_zone")
        if zone:
            user.time_zone, user.time_zone_chosen = zone, True
            user.save(update_fields=["time_zone", "time_zone_chosen"])


class NamedChoicesField(forms.ModelMultipleChoiceField):
    """Checkboxes for rows people named (focus areas, governorates): each label isolated, so that a direction
    control in one cannot turn the next around (portal/templatetags/bidi.py)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> Any:
        return isolate(super().label_from_instance(obj))
