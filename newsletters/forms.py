from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from newsletters.models import Campaign, Edition, Item, MailingList, Publication, Section
from organizations.models import Membership
from portal.access import ANONYMOUS
from portal.forms import LANGUAGE_CODES, ModelFormMixinBase, MultilingualFormMixin, field_of, translated
from portal.links import validate_web_addresses
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
        owner = field_of(self, "owner", forms.ModelChoiceField)
        owner.queryset = publishers
        owner.empty_label = None
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class PhotoMixin(ModelFormMixinBase):
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
        field_of(self, "publish_at", forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
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
        # A bulletin is public: it may mention what anyone may see, nothing the public may not (a closed event,
        # an unlisted organisation), whatever its editor may see.
        organizations = field_of(self, "organizations", forms.ModelChoiceField)
        organizations.queryset = Organization.objects.visible_to(ANONYMOUS).order_by("name")
        events = field_of(self, "events", forms.ModelChoiceField)
        events.queryset = Event.objects.visible_to(ANONYMOUS).order_by("-starts_at")
        if self.instance.pk:
            self.initial["links"] = "\n".join(self.instance.links or [])
        self.setup_languages()

    def clean_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate_web_addresses(links)
        return links

    def clean(self) -> dict[str, Any]:
        return self.clean_photos(self.clean_translations(super().clean()))


class EditionSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the editions"), required=False, max_length=100)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))
    language = forms.ChoiceField(label=_("Language of the emails"), choices=settings.LANGUAGES)


class MailingListForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("name", "description")
    translated_labels = {"name": _("Name"), "description": _("Description")}

    class Meta:
        model = MailingList
        fields = ["owner", "publication", *translated("name", "description"), "is_public"]
        widgets = {field: forms.Textarea(attrs={"rows": 2}) for field in translated("description")}

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = field_of(self, "owner", forms.ModelChoiceField)
        owner.queryset = owners
        owner.empty_label = None
        field_of(self, "publication", forms.ModelChoiceField).queryset = Publication.objects.filter(owner__in=owners)
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class SubscriberImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns: email, and optionally language (en, ar, ku, fr, es, ru).")
    )
    consent = forms.BooleanField(label=_("These people asked to receive this list."))


class MembersByRoleForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Membership.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Invite the people holding these roles in verified organisations"),
    )


class CampaignForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("subject", "body")
    translated_labels = {"subject": _("Subject"), "body": _("Message")}

    class Meta:
        model = Campaign
        fields = ["edition", *translated("subject", "body"), "scheduled_at", "rate_limit"]
        widgets = {
            **{field: forms.Textarea(attrs={"rows": 6}) for field in translated("body")},
            "scheduled_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args: Any, mailing_list: MailingList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "edition", forms.ModelChoiceField).queryset = (
            Edition.objects.published()
            .filter(publication__owner_id=mailing_list.owner_id)
            .select_related("publication")
        )
        self.fields["edition"].required = False
        field_of(self, "scheduled_at", forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.setup_languages()
        for code in LANGUAGE_CODES:
            self.fields[f"subject_{code}"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("edition"):
            return cleaned
        # A message (not an edition) needs its subject and text in at least one language.
        return self.clean_translations(cleaned)
