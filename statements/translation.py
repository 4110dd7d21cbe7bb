from modeltranslation.translator import TranslationOptions, register

from statements.models import Statement


@register(Statement)
class StatementTranslation(TranslationOptions):
    fields = ("title", "text", "addressees")
