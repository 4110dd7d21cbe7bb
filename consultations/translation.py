from modeltranslation.translator import TranslationOptions, register

from consultations.models import Consultation, ConsultationDocument, Question


@register(Consultation)
class ConsultationTranslation(TranslationOptions):
    fields = ("title", "description", "summary")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("prompt", "options")


@register(ConsultationDocument)
class ConsultationDocumentTranslation(TranslationOptions):
    fields = ("title",)
