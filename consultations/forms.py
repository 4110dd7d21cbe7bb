from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from consultations.models import Attachment, Consultation, ConsultationDocument, Question, Recommendation, Submission
from events.forms import LOCAL_DATETIME, LocalTimesMixin
from events.models import Event, EventSeries
from organizations.models import Organization, Topic
from portal.forms import MultilingualFormMixin, NamedChoicesField, field_of, translated
from portal.models import User
from portal.timezones import TimeZoneField
from portal.uploads import check_pdf

# How many recommendations a submission form offers beyond those already written.
EXTRA_RECOMMENDATIONS = 3


class ConsultationForm(LocalTimesMixin, MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "description")
    translated_labels = {"title": _("Title"), "description": _("Text of the call")}
    local_fields = ("opens_at", "closes_at")
    time_zone = TimeZoneField(label=_("Time zone of the host"), initial="Europe/Zurich")
    answer_languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        label=_("Languages answers may be written in"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any language."),
    )
    meetings = NamedChoicesField(queryset=Event.objects.none(), label=_("Meetings held on it"), required=False)

    class Meta:
        model = Consultation
        fields = [
            "host",
            *translated("title", "description"),
            "time_zone",
            "opens_at",
            "closes_at",
            "answer_languages",
            "audience",
            "working_group",
            "network",
            "agreement",
            "meetings",
            "reminder_days",
        ]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 5}) for name in translated("description")},
            "opens_at": LOCAL_DATETIME,
            "closes_at": LOCAL_DATETIME,
            "audience": forms.RadioSelect,
        }

    def __init__(self, *args: Any, hosts: QuerySet[Organization], who: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from agreements.models import Agreement

        host = field_of(self, "host", forms.ModelChoiceField)
        host.queryset = hosts
        host.empty_label = None
        visible = Organization.objects.visible_to(who).verified()
        self.fields["audience"].help_text = _(
            "Organisations invited by name are chosen once the call is saved, on its page “Organisations invited by"
            " name”."
        )
        field_of(self, "network", forms.ModelChoiceField).queryset = visible.filter(kind=Organization.Kind.NETWORK)
        field_of(self, "working_group", forms.ModelChoiceField).queryset = EventSeries.objects.filter(
            is_working_group=True
        )
        field_of(self, "agreement", forms.ModelChoiceField).queryset = Agreement.objects.visible_to(who)
        field_of(self, "meetings", forms.ModelMultipleChoiceField).queryset = Event.objects.managed_by(who)
        for name in self.local_fields:
            field_of(self, name, forms.DateTimeField).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.setup_languages()
        if self.instance.pk:
            self.localize_initial(self.instance.time_zone)

    def clean(self) -> dict[str, Any]:
        cleaned = self.clean_local(self.clean_translations(super().clean()))
        audience = cleaned.get("audience")
        needed = {
            Consultation.Audience.WORKING_GROUP: "working_group",
            Consultation.Audience.NETWORK: "network",
            Consultation.Audience.AGREEMENT: "agreement",
        }
        if audience in needed and not cleaned.get(needed[audience]):
            self.add_error(needed[audience], _("Choose who is asked."))
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must come after the opening time."))
        return cleaned


class QuestionForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("prompt", "options")
    translated_labels = {"prompt": _("Question"), "options": _("Choices, one a line")}

    class Meta:
        model = Question
        fields = ["kind", *translated("prompt", "options")]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in translated("prompt", "options")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class DocumentForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("title",)
    translated_labels = {"title": _("Title")}

    class Meta:
        model = ConsultationDocument
        fields = [*translated("title"), "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_languages()

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        return check_pdf(upload) if upload and hasattr(upload, "content_type") else upload

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class AttachmentForm(forms.ModelForm):
    """An optional file sent with the submission form: checked like every upload, stored privately."""

    class Meta:
        model = Attachment
        fields = ["title", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["file"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("file") and not cleaned.get("title"):
            cleaned["title"] = self.instance.title = str(_("Attachment"))
        return cleaned

    @property
    def has_file(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        return check_pdf(upload) if upload and hasattr(upload, "content_type") else upload


class SubmissionForm(forms.Form):
    """An organisation's answers, one field per question, its recommendations, the language and what the host
    may do with it."""

    language = forms.ChoiceField(label=_("Language of your answers"))
    use = forms.ChoiceField(
        label=_("What may the host do with your submission?"),
        choices=Submission.Use.choices,
        widget=forms.RadioSelect,
        initial=Submission.Use.CONFIDENTIAL,
        help_text=_("Whatever you choose, other organisations never see your submission."),
    )

    def __init__(
        self, *args: Any, consultation: Consultation, submission: Submission | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(consultation.questions.all())
        languages = consultation.answer_languages or [code for code, _name in settings.LANGUAGES]
        field_of(self, "language", forms.ChoiceField).choices = [
            (code, name) for code, name in settings.LANGUAGES if code in languages
        ]
        answers = submission.answers if submission else {}
        for question in self.questions:
            self._add_question(question, answers.get(str(question.pk)))
        recommendations = list(submission.recommendations.all()) if submission else []
        topics = Topic.objects.all()
        for index in range(len(recommendations) + EXTRA_RECOMMENDATIONS):
            existing: Recommendation | None = recommendations[index] if index < len(recommendations) else None
            self.fields[f"recommendation_{index}"] = forms.CharField(
                label=_("Recommendation %(number)d") % {"number": index + 1},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=existing.text if existing else "",
            )
            self.fields[f"topic_{index}"] = forms.ModelChoiceField(
                queryset=topics,
                label=_("Topic"),
                required=False,
                initial=existing.topic_id if existing else None,
            )
        self.recommendation_count = len(recommendations) + EXTRA_RECOMMENDATIONS
        if submission is not None:
            self.initial.setdefault("language", submission.language)
            self.initial.setdefault("use", submission.use)

    def _add_question(self, question: Question, answer: Any) -> None:
        name = f"question_{question.pk}"
        options = [(str(index), option) for index, option in enumerate(question.option_list())]
        label = question.prompt
        if question.kind == Question.Kind.TEXT:
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 5}), initial=answer or ""
            )
        elif question.kind == Question.Kind.SINGLE:
            self.fields[name] = forms.ChoiceField(
                label=label, required=False, choices=options, widget=forms.RadioSelect, initial=answer
            )
        elif question.kind == Question.Kind.MULTIPLE:
            self.fields[name] = forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=options,
                widget=forms.CheckboxSelectMultiple,
                initial=[str(index) for index in answer or []],
            )
        else:
            ranks = [("", "–"), *((str(rank), str(rank)) for rank in range(1, len(options) + 1))]
            for index, option in options:
                self.fields[f"{name}_{index}"] = forms.ChoiceField(
                    label=option, required=False, choices=ranks, initial=(answer or {}).get(index, "")
                )

    def question_fields(self) -> list[tuple[Question, list[forms.BoundField]]]:
        grouped = []
        for question in self.questions:
            prefix = f"question_{question.pk}"
            grouped.append((question, [self[name] for name in self.fields if name.split("_")[:2] == prefix.split("_")]))
        return grouped

    def recommendation_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"topic_{index}"], self[f"recommendation_{index}"]) for index in range(self.recommendation_count)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for question in self.questions:
            if question.kind != Question.Kind.RANKING:
                continue
            ranks = [cleaned.get(f"question_{question.pk}_{index}") for index in range(len(question.option_list()))]
            given = [rank for rank in ranks if rank]
            if len(given) != len(set(given)):
                raise ValidationError(_("Give each priority a different rank."), code="ranks")
        return cleaned

    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for question in self.questions:
            key = str(question.pk)
            if question.kind == Question.Kind.RANKING:
                ranks = {
                    str(index): int(self.cleaned_data[f"question_{question.pk}_{index}"])
                    for index in range(len(question.option_list()))
                    if self.cleaned_data.get(f"question_{question.pk}_{index}")
                }
                answers[key] = ranks
            elif question.kind == Question.Kind.MULTIPLE:
                answers[key] = [int(index) for index in self.cleaned_data.get(f"question_{key}") or []]
            elif question.kind == Question.Kind.SINGLE:
                value = self.cleaned_data.get(f"question_{key}")
                answers[key] = int(value) if value not in (None, "") else None
            else:
                answers[key] = (self.cleaned_data.get(f"question_{key}") or "").strip()
        return answers

    def recommendations(self) -> list[tuple[Topic | None, str]]:
        items = []
        for index in range(self.recommendation_count):
            text = (self.cleaned_data.get(f"recommendation_{index}") or "").strip()
            if text:
                items.append((self.cleaned_data.get(f"topic_{index}"), text))
        return items


class UseForm(forms.Form):
    use = forms.ChoiceField(
        label=_("What may the host do with your submission?"), choices=Submission.Use.choices, widget=forms.RadioSelect
    )


class ResponseForm(forms.ModelForm):
    tags_text = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas; only the host's coordinators see them.")
    )

    class Meta:
        model = Recommendation
        fields = ["response", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("tags_text", ", ".join(self.instance.tags or []))

    def tags(self) -> list[str]:
        return [tag for tag in (self.cleaned_data.get("tags_text") or "").split(",") if tag.strip()]


class AssignForm(forms.Form):
    colleague = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Assign to"), required=False)

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "colleague", forms.ModelChoiceField).queryset = colleagues


class SummaryForm(MultilingualFormMixin, forms.ModelForm):
    translated_fields = ("summary",)
    translated_labels = {"summary": _("What we heard")}

    class Meta:
        model = Consultation
        fields = translated("summary")
        widgets = {name: forms.Textarea(attrs={"rows": 6}) for name in translated("summary")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_languages()

    def clean(self) -> dict[str, Any]:
        return self.clean_translations(super().clean())


class SubmissionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organization} ({obj.get_use_display()})"


class QuotationForm(forms.Form):
    submission = SubmissionChoiceField(queryset=Submission.objects.none(), label=_("From the submission of"))
    text = forms.CharField(label=_("Passage to quote"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, quotable: QuerySet[Submission], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "submission", forms.ModelChoiceField).queryset = quotable
