from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementParty
from organizations.models import Organization
from portal.forms import MultilingualFormMixin, field_of, translated
from portal.uploads import check_pdf


class AgreementForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "summary")
    translated_labels = {"title": _("Title"), "summary": _("Summary")}

    class Meta:
        model = Agreement
        fields = [
            "owner",
            "kind",
            *translated("title", "summary"),
            "signed_on",
            "signed_place",
            "status",
            "visibility",
            "accepts_accessions",
            "document",
        ]
        widgets = {
            **{field: forms.Textarea(attrs={"rows": 4}) for field in translated("summary")},
            "signed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "document": forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        }

    def __init__(self, *args: Any, mechanisms: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = field_of(self, "owner", forms.ModelChoiceField)
        owner.queryset = mechanisms
        owner.empty_label = None
        self.setup_languages()

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):  # a new upload, not the stored file
            return check_pdf(document)
        return document

    def clean(self) -> dict[str, Any]:
        cleaned = self.clean_translations(super().clean())
        if cleaned.get("kind") == Agreement.Kind.MOU and cleaned.get("accepts_accessions"):
            self.add_error("accepts_accessions", _("A bilateral MoU does not accept accessions."))
        return cleaned


class PartyForm(forms.ModelForm):
    class Meta:
        model = AgreementParty
        fields = ["organization", "joined_on", "joined_by", "named_publicly"]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "named_publicly": _(
                "An organisation listed in the directory is named at once. One that is not listed is named only "
                "once one of its owners confirms it on the agreement's page: its owners are asked by email."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "organization", forms.ModelChoiceField).queryset = Organization.objects.verified()


class AccessionForm(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("Organisation"), empty_label=None)
    message = forms.CharField(
        label=_("Message to the mechanism"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    named_publicly = forms.BooleanField(label=_("We agree to be named publicly as a party"), required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "organization", forms.ModelChoiceField).queryset = organizations
