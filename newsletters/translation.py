from modeltranslation.translator import TranslationOptions, register

from newsletters.models import Campaign, Edition, Item, MailingList, Publication, Section


@register(Publication)
class PublicationTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Edition)
class EditionTranslation(TranslationOptions):
    fields = ("title", "cover_credit", "introduction", "disclaimer")


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("title",)


@register(Item)
class ItemTranslation(TranslationOptions):
    fields = ("title", "body", "photo_credit")


@register(MailingList)
class MailingListTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Campaign)
class CampaignTranslation(TranslationOptions):
    fields = ("subject", "body")
