from modeltranslation.translator import TranslationOptions, register

from organizations.models import Governorate, Organization, Topic


@register(Organization)
class OrganizationTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name",)


@register(Governorate)
class GovernorateTranslation(TranslationOptions):
    fields = ("name",)
