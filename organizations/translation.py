from modeltranslation.translator import TranslationOptions, register

from organizations.models import Agreement, Governorate, Organization, Topic


@register(Organization)
class OrganizationTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name",)


@register(Governorate)
class GovernorateTranslation(TranslationOptions):
    fields = ("name",)


@register(Agreement)
class AgreementTranslation(TranslationOptions):
    fields = ("title", "summary")
