from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from organizations.models import (
    WORKING_LANGUAGES,
    Governorate,
    Membership,
    Organization,
    Topic,
)
from portal.countries import country_choices
from portal.forms import LANGUAGE_CODES, MultilingualFormMixin, NamedChoicesField, field_of, translated
from portal.links import validate_web_addresses
from portal.uploads import reencode_image

LOGO_MAX_SIDE = 512
LOGO_MAX_BYTES = 2 * 1024 * 1024


class OrganizationForm(MultilingualFormMixin, forms.ModelForm):
    """The profile: names and descriptions in every language, facts, focus areas, contacts and who sees them."""

    translated_fields = ("name", "description")
    translated_labels = {"name": _("Name"), "description": _("Description")}

    topics = NamedChoicesField(Topic.objects.all(), label=_("Focus areas"), required=False)
    governorates = NamedChoicesField(
        Governorate.objects.all(), label=_("Syrian governorates of operation"), required=False
    )
    working_languages = forms.MultipleChoiceField(
        choices=WORKING_LANGUAGES, label=_("Languages worked in"), required=False, widget=forms.CheckboxSelectMultiple
    )
    social_links = forms.CharField(
        label=_("Social media links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address per line, starting with https://"),
    )

    class Meta:
        model = Organization
        fields = [
            *translated("name"),
            "acronym",
            *translated("description"),
            "kind",
            "founded_year",
            "hq_country",
            "countries",
            "governorates",
            "topics",
            "working_languages",
            "website",
            "social_links",
            "logo",
            "listed_publicly",
            "email",
            "email_visibility",
            "phone",
            "phone_visibility",
            "address",
            "address_visibility",
            "contact_persons",
            "contact_persons_visibility",
        ]
        widgets = {
            **{f"description_{code}": forms.Textarea(attrs={"rows": 4}) for code in LANGUAGE_CODES},
            "address": forms.Textarea(attrs={"rows": 3}),
            "contact_persons": forms.Textarea(attrs={"rows": 3}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Kind "UN mechanism", "government" and "donor" are set by operators, not claimed in a form.
        if not (self.instance.pk and self.instance.kind in self.operator_kinds):
            field_of(self, "kind", forms.ChoiceField).choices = [
                choice for choice in Organization.Kind.choices if choice[0] not in self.operator_kinds
            ]
        # Every country, named and ordered in the reader's language (portal.countries).
        field_of(self, "hq_country", forms.ChoiceField).choices = [("", "---------"), *country_choices()]
        field_of(self, "countries", forms.MultipleChoiceField).choices = country_choices()
        if self.instance.pk:
            self.initial["social_links"] = "\n".join(self.instance.social_links or [])
        self.setup_languages()

    operator_kinds = {Organization.Kind.UN_MECHANISM, Organization.Kind.GOVERNMENT, Organization.Kind.DONOR}

    def clean_social_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["social_links"].splitlines() if line.strip()]
        validate_web_addresses(links)
        if len(links) > 10:
            raise ValidationError(_("At most 10 links."), code="too_many")
        return links

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "content_type"):  # a new upload, not the stored file
            return reencode_image(logo, max_side=LOGO_MAX_SIDE, max_bytes=LOGO_MAX_BYTES)
        return logo

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class DuplicateConfirmationForm(forms.Form):
    confirm_not_duplicate = forms.BooleanField(
        label=_("This is a different organisation: register it anyway"), required=False
    )


class ReviewForm(forms.Form):
    DECISIONS = [
        ("verify", _("Verify")),
        ("request_changes", _("Ask for changes")),
        ("suspend", _("Suspend")),
    ]
    # No decision is preselected: verifying is a choice, not what an unconsidered click records.
    decision = forms.ChoiceField(choices=[("", _("Choose a decision")), *DECISIONS], label=_("Decision"))
    message = forms.CharField(
        label=_("Message to the owners"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when asking for changes or suspending."),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the owners"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say who you are and what you do in the organisation."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER, label=_("Role"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, label=_("Role"))


class NetworkMemberForm(forms.Form):
    member = forms.ModelChoiceField(
        Organization.objects.none(),
        label=_("Member organisation"),
        help_text=_("A verified organisation; its owners are asked to confirm."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only organisations `user` may see: the list must not reveal unlisted ones.
        field_of(self, "member", forms.ModelChoiceField).queryset = (
            Organization.objects.visible_to(user).verified().exclude(kind=Organization.Kind.NETWORK)
        )


class HideForm(forms.Form):
    sign_out_members = forms.BooleanField(
        label=_("Also sign out every member everywhere and revoke their API keys"),
        required=False,
        help_text=_(
            "Use this if a phone or a computer may be in the wrong hands. Everyone will need to sign in again."
        ),
    )
