from modeltranslation.translator import TranslationOptions, register

from agreements.models import Agreement


@register(Agreement)
class AgreementTranslation(TranslationOptions):
    fields = ("title", "summary")
