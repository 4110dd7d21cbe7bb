from modeltranslation.translator import TranslationOptions, register

from events.models import Document, Event, EventSeries, Session


@register(EventSeries)
class EventSeriesTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Session)
class SessionTranslation(TranslationOptions):
    fields = ("title",)


@register(Document)
class DocumentTranslation(TranslationOptions):
    fields = ("title",)
