from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from newsletters.models import Edition, Item, Publication, Section
from portal.forms import MultilingualFormMixin, translated
from portal.uploads import reencode_image

PHOTO_MAX_SIDE = 1600


class PublicationForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "description")
    translated_labels = {"title": _("Title"), "description": _("Description")}

    class Meta:
        model = Publication
        fields = ["owner", *translated("title", "description")]
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field in translated("description")}

    def __init__(self, *args: Any, publishers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = publishers
        self.fields["owner"].empty_label = None
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class PhotoMixin:
    photo_fields: tuple[str, ...] = ()

    def clean_photos(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        for name in self.photo_fields:
            upload = cleaned.get(name)
            if upload and hasattr(upload, "content_type"):
                try:
                    cleaned[name] = reencode_image(upload, max_side=PHOTO_MAX_SIDE)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned


class EditionForm(PhotoMixin, MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "introduction", "cover_credit", "disclaimer")
    translated_labels = {
        "title": _("Title"),
        "introduction": _("Introduction"),
        "cover_credit": _("Cover photo credit"),
        "disclaimer": _("Funder disclaimer"),
    }
    photo_fields = ("cover_photo",)

    class Meta:
        model = Edition
        fields = [
            "number",
            *translated("title", "introduction", "cover_credit", "disclaimer"),
            "period_start",
            "period_end",
            "cover_photo",
            "status",
            "publish_at",
        ]
        widgets = {
            **{field: forms.Textarea(attrs={"rows": 5}) for field in translated("introduction")},
            **{field: forms.Textarea(attrs={"rows": 2}) for field in translated("disclaimer")},
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "publish_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "cover_photo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        }
        help_texts = {
            "introduction": _("Paragraphs, bold, italics, lists and links are kept; anything else is removed.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["publish_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        cleaned = self.clean_photos(self.clean_translations(super().clean()))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned


class SectionForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title",)
    translated_labels = {"title": _("Section title")}

    class Meta:
        model = Section
        fields = translated("title")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class ItemForm(PhotoMixin, MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "body", "photo_credit")
    translated_labels = {"title": _("Title"), "body": _("Text"), "photo_credit": _("Photo credit")}
    photo_fields = ("photo",)
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One address per line, starting with https://"),
    )

    class Meta:
        model = Item
        fields = ["date", *translated("title", "body", "photo_credit"), "photo", "links", "organizations", "events"]
        widgets = {
            **{field: forms.Textarea(attrs={"rows": 6}) for field in translated("body")},
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
            "organizations": forms.SelectMultiple(attrs={"size": 6}),
            "events": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from events.models import Event
        from organizations.models import Organization

        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = Organization.objects.verified().order_by("name")
        self.fields["events"].queryset = Event.objects.exclude(status=Event.Status.DRAFT).order_by("-starts_at")
        if self.instance.pk:
            self.initial["links"] = "\n".join(self.instance.links or [])
        self.setup_languages()

    def clean_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["https", "http"])
        for link in links:
            try:
                validate(link)
            except ValidationError as exc:
                raise ValidationError(
                    _("“%(link)s” is not a web address."), params={"link": link}, code="invalid"
                ) from exc
        return links

    def clean(self) -> dict[str, Any]:
        return self.clean_photos(self.clean_translations(super().clean()))


class EditionSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the editions"), required=False, max_length=100)
