"""Demo bulletins from shared/seeds/: Edition 3 of the Newsletter of the Victim Support Project
(April to September 2024), published by SCM. Called by `manage.py load_demo`; idempotent."""

from __future__ import annotations

import datetime

from newsletters.models import Edition, Item, Publication, Section
from organizations.models import Organization

DISCLAIMER = (
    "This document has been produced with the financial assistance of the European Union. The contents of this "
    "document are the sole responsibility of SCM and can under no circumstances be regarded as reflecting the "
    "position of the European Union."
)
INTRODUCTION = (
    "<p>Syrian organizations and associations established by the families of detainees remain at the forefront of "
    "the struggle for truth and justice in cases of enforced disappearances throughout the country.</p>"
    "<p>Activists within these groups document cases of detention and enforced disappearance, offering legal and "
    "psychological support to families of the missing and raising awareness of these issues at both local and "
    "international levels.</p>"
)

# section title (en, ar): [(date, title, body, organisations mentioned)]
SECTIONS = {
    ("Joint Activities and Statements by Victims' Groups", "الأنشطة والبيانات المشتركة لمجموعات الضحايا"): [
        (
            datetime.date(2024, 5, 24),
            "Welcoming the Paris Criminal Court's ruling in the Dabbagh case",
            "<p>The Criminal Court of Paris sentenced three senior Syrian officials to life imprisonment in absentia "
            "for complicity in crimes against humanity and war crimes committed against Mazen Dabbagh and his son "
            "Patrick. Representatives from Families for Freedom, Caesar Families Association, Release Me Organization "
            "and Taafi Initiative attended the court sessions.</p>",
            ["families-for-freedom", "caesar-families-association", "release-me", "taafi-initiative"],
        ),
        (
            datetime.date(2024, 6, 26),
            "International Day in Support of Victims of Torture",
            "<p>Survivors and families of victims and the disappeared, represented under the Truth and Justice "
            "Charter, issued a joint statement.</p>",
            ["truth-and-justice-charter"],
        ),
    ],
    ("Advocacy Activities", "أنشطة المناصرة"): [
        (
            datetime.date(2024, 4, 17),
            "Discussion sessions in Raqqa and Kobani",
            "<p>Synergy Association organized two discussion sessions with the families of the forcibly "
            "disappeared "
            "and missing persons on the work of the Independent Institution on Missing Persons in Syria.</p>",
            ["synergy-association-for-victims"],
        ),
        (
            datetime.date(2024, 9, 12),
            "Report: «Not Our Choice, but We Are Bound by Hope»",
            "<p>Caesar Families Association released a report on the psychological and social impact of enforced "
            "disappearance and the legal challenges faced by affected women.</p>",
            ["caesar-families-association"],
        ),
    ],
    ("Trainings and Projects Supporting the Cause of the Missing", "التدريبات والمشاريع الداعمة لقضية المفقودين"): [
        (
            datetime.date(2024, 6, 6),
            "Platform for Families of the Missing in Northeast Syria",
            "<p>Synergy Association announced the launch of the Platform for Families of the Missing in Northeast "
            "Syria.</p>",
            ["synergy-association-for-victims"],
        ),
        (
            datetime.date(2024, 6, 30),
            "«Letters of Pain»",
            "<p>A Good Seed Initiative organized a storytelling activity involving 33 children from the families of "
            "detainees, which culminated in a book titled «Letters of Pain».</p>",
            ["a-good-seed-initiative"],
        ),
    ],
}


def load() -> None:
    scm = Organization.objects.get(slug="syrian-center-for-media-and-freedom-of-expression")
    publication, _created = Publication.objects.update_or_create(
        slug="victim-support-project",
        defaults={
            "owner": scm,
            "title_en": "The Newsletter of the Victim Support Project",
            "title_ar": "نشرة مشروع دعم الضحايا",
            "description_en": "News from the victims' and families' associations supported by SCM.",
        },
    )
    edition, _created = Edition.objects.update_or_create(
        publication=publication,
        number=3,
        defaults={
            "title_en": "Edition Number 3: April to September 2024",
            "title_ar": "العدد الثالث: نيسان/أبريل – أيلول/سبتمبر 2024",
            "period_start": datetime.date(2024, 4, 1),
            "period_end": datetime.date(2024, 9, 30),
            "introduction_en": INTRODUCTION,
            "introduction_ar": "<p>لا تزال المنظمات والروابط السورية التي أسستها عائلات المعتقلين في طليعة النضال من "
            "أجل الحقيقة والعدالة في قضايا الاختفاء القسري.</p>",
            "disclaimer_en": DISCLAIMER,
            "disclaimer_ar": "أُنتجت هذه الوثيقة بمساعدة مالية من الاتحاد الأوروبي. والمركز السوري للإعلام وحرية "
            "التعبير وحده مسؤول عن محتواها، ولا يمكن بأي حال اعتباره معبّرًا عن موقف الاتحاد الأوروبي.",
            "status": Edition.Status.PUBLISHED,
            "published_on": datetime.date(2024, 10, 15),
        },
    )
    for position, ((title_en, title_ar), items) in enumerate(SECTIONS.items(), start=1):
        section, _created = Section.objects.update_or_create(
            edition=edition, position=position, defaults={"title_en": title_en, "title_ar": title_ar}
        )
        for item_position, (date, title, body, mentioned) in enumerate(items, start=1):
            item, _created = Item.objects.update_or_create(
                section=section, position=item_position, defaults={"date": date, "title_en": title, "body_en": body}
            )
            item.organizations.set(Organization.objects.filter(slug__in=mentioned))
    load_mailing_list(publication)


def load_mailing_list(publication: Publication) -> None:
    from newsletters.models import MailingList, Subscriber, Subscription

    mailing_list, _created = MailingList.objects.update_or_create(
        slug="victim-support-project-newsletter",
        defaults={
            "owner": publication.owner,
            "publication": publication,
            "name_en": "The Newsletter of the Victim Support Project",
            "name_ar": "نشرة مشروع دعم الضحايا",
        },
    )
    for number, language in enumerate(["en", "ar", "fr", "ar", "en", "ku"], start=1):
        subscriber, _created = Subscriber.objects.get_or_create(
            email=f"reader{number}@example.org", defaults={"language": language}
        )
        Subscription.objects.get_or_create(
            mailing_list=mailing_list,
            subscriber=subscriber,
            defaults={"status": Subscription.Status.CONFIRMED, "source": Subscription.Source.IMPORT},
        )
