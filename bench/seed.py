"""Fill a PostgreSQL database with a realistic, deterministic data set for the benchmarks.

Run from the project folder: `DATABASE_URL=postgres://.../portal_bench_seed python bench/seed.py --scale 1`.
Scale 1 is 20,000 organisations (names in the portal's six languages), 2,000 events with 50,000 registrations,
10 publications with 300 editions, 100 statements with 40,000 endorsements and 100,000 subscribers; `--scale
0.1` is ten times smaller, and every figure keeps at least one row. The same `--scale` and `--seed` give the
same rows (random.Random(seed); dates are counted from a fixed day, not from today).

It migrates first, then writes everything in one transaction with bulk_create, and records the scale in a
small marker table (`bench_seed`): run again, it sees the marker and does nothing. A database seeded at
another scale, or holding organisations it did not write, is refused: use another database name.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

BATCH = 2000
MEMBER_EMAIL = "member@bench.example"
# Dates are counted from this day so that two runs give the same rows; events run to three years after it.
ANCHOR = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.UTC)

BASE_COUNTS = {
    "organizations": 20_000,
    "users": 12_000,
    "events": 2_000,
    "registrations": 50_000,
    "publications": 10,
    "editions": 300,
    "statements": 100,
    "endorsements": 40_000,
    "subscribers": 100_000,
}

LANGS = ("en", "ar", "ku", "fr", "es", "ru")

# Organisation names are built from three parts, each given in the six languages, so that the names of one
# organisation mean the same thing in every language it writes.
KINDS_OF_BODY = [
    ("Association", "رابطة", "Komela", "Association", "Asociación", "Ассоциация"),
    ("Network", "شبكة", "Tora", "Réseau", "Red", "Сеть"),
    ("Centre", "مركز", "Navenda", "Centre", "Centro", "Центр"),
    ("Initiative", "مبادرة", "Înîsiyatîfa", "Initiative", "Iniciativa", "Инициатива"),
    ("Foundation", "مؤسسة", "Weqfa", "Fondation", "Fundación", "Фонд"),
    ("League", "تجمع", "Yekîtiya", "Ligue", "Liga", "Лига"),
    ("Forum", "منتدى", "Foruma", "Forum", "Foro", "Форум"),
    ("Coalition", "تحالف", "Hevbendiya", "Coalition", "Coalición", "Коалиция"),
]
QUALIFIERS = [
    ("Syrian", "السورية", "Sûrî", "syrienne", "siria", "Сирийская"),
    ("Free", "الحرة", "Azad", "libre", "libre", "Свободная"),
    ("Aleppo", "حلب", "Helebê", "d'Alep", "de Alepo", "Алеппская"),
    ("Damascus", "دمشق", "Şamê", "de Damas", "de Damasco", "Дамасская"),
    ("Idlib", "إدلب", "Îdlibê", "d'Idleb", "de Idlib", "Идлибская"),
    ("Women's", "النسائية", "Jinan", "des femmes", "de mujeres", "Женская"),
    ("Youth", "الشبابية", "Ciwanan", "des jeunes", "juvenil", "Молодёжная"),
    ("Families'", "العائلات", "Malbatan", "des familles", "de familias", "Семейная"),
    ("Independent", "المستقلة", "Serbixwe", "indépendante", "independiente", "Независимая"),
    ("Kurdish", "الكردية", "Kurdî", "kurde", "kurda", "Курдская"),
    ("Euphrates", "الفرات", "Firatê", "de l'Euphrate", "del Éufrates", "Евфратская"),
    ("Hauran", "حوران", "Hewranê", "du Hauran", "del Haurán", "Хауранская"),
]
PURPOSES = [
    (
        "for Truth and Justice",
        "من أجل الحقيقة والعدالة",
        "ji bo Rastî û Dadê",
        "pour la vérité et la justice",
        "por la Verdad y la Justicia",
        "за правду и справедливость",
    ),
    (
        "for the Missing",
        "للمفقودين",
        "ji bo Windayan",
        "pour les disparus",
        "por los Desaparecidos",
        "в защиту пропавших без вести",
    ),
    (
        "for Human Rights",
        "لحقوق الإنسان",
        "ji bo Mafên Mirovan",
        "pour les droits humains",
        "por los Derechos Humanos",
        "по правам человека",
    ),
    ("for Detainees", "للمعتقلين", "ji bo Girtiyan", "pour les détenus", "por los Detenidos", "в защиту задержанных"),
    (
        "for Documentation",
        "للتوثيق",
        "ji bo Belgekirinê",
        "pour la documentation",
        "de Documentación",
        "по документированию",
    ),
    ("for Victims", "للضحايا", "ji bo Qurbaniyan", "pour les victimes", "por las Víctimas", "помощи пострадавшим"),
    (
        "for Civil Peace",
        "للسلم الأهلي",
        "ji bo Aştiya Sivîl",
        "pour la paix civile",
        "por la Paz Civil",
        "за гражданский мир",
    ),
    (
        "for Legal Aid",
        "للمساعدة القانونية",
        "ji bo Alîkariya Hiqûqî",
        "pour l'aide juridique",
        "de Asistencia Jurídica",
        "юридической помощи",
    ),
    (
        "for Media Freedom",
        "لحرية الإعلام",
        "ji bo Azadiya Ragihandinê",
        "pour la liberté des médias",
        "por la Libertad de Prensa",
        "за свободу СМИ",
    ),
    ("for Education", "للتعليم", "ji bo Perwerdeyê", "pour l'éducation", "por la Educación", "в поддержку образования"),
]
CITIES = [
    "Gaziantep",
    "Paris",
    "Berlin",
    "Beirut",
    "Amman",
    "Erbil",
    "Qamishli",
    "Idlib",
    "Istanbul",
    "The Hague",
    "Geneva",
    "Stockholm",
    "Damascus",
    "Aleppo",
    "London",
]
# Headquarters countries, weighted as in the seed documents: most in and around Syria, many in Europe.
COUNTRIES = (
    ["SY"] * 30
    + ["TR"] * 15
    + ["LB"] * 8
    + ["JO"] * 5
    + ["IQ"] * 5
    + ["DE"] * 8
    + ["FR"] * 6
    + [
        "NL",
        "NL",
        "SE",
        "SE",
        "GB",
        "GB",
        "CH",
        "BE",
        "AT",
        "DK",
        "NO",
        "US",
        "CA",
        "EG",
        "QA",
        "AE",
        "IT",
        "ES",
    ]
    + [""] * 4
)
FIRST_NAMES = [
    "Rania",
    "Omar",
    "Lina",
    "Yasser",
    "Hevin",
    "Nour",
    "Khaled",
    "Mariam",
    "Rojda",
    "Ahmad",
    "Sara",
    "Fadi",
    "Dilan",
    "Hiba",
    "Samer",
    "Layla",
    "Bashar",
    "Ruba",
    "Zana",
    "Dima",
]
LAST_NAMES = [
    "Haddad",
    "Al-Hussein",
    "Khalil",
    "Darwish",
    "Ibrahim",
    "Mansour",
    "Osman",
    "Youssef",
    "Shamo",
    "Kassab",
    "Nasser",
    "Sabbagh",
    "Mahmoud",
    "Hamo",
    "Barakat",
    "Aziz",
]
EVENT_TOPICS = [
    "Accountability for enforced disappearance",
    "Families of the missing",
    "Documentation standards",
    "The Lausanne Platform",
    "Transitional justice",
    "Detention files",
    "Victim participation",
    "Housing, land and property",
    "Psychosocial support",
    "Universal jurisdiction cases",
]
PARAGRAPH = (
    "Families of the forcibly disappeared met to share what they know of their relatives, to learn how the "
    "mechanisms will take their testimonies, and to agree on what they ask of them."
)


# Even the smallest data set has this many rows: two events, one past and one upcoming (see _Seeder.events).
AT_LEAST = {"events": 2}


def counts_for(scale: float) -> dict[str, int]:
    return {name: max(AT_LEAST.get(name, 1), round(base * scale)) for name, base in BASE_COUNTS.items()}


def _setup() -> None:
    import django

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit("bench/seed.py needs DATABASE_URL naming a PostgreSQL database (SQLite is refused).")
    from targets import ensure_database

    ensure_database(url)
    django.setup()


def _marker() -> tuple[float, int] | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (scale double precision PRIMARY KEY, seed integer NOT NULL, "
            "seeded_at timestamptz NOT NULL DEFAULT now(), seconds double precision)"
        )
        cursor.execute("SELECT scale, seed FROM bench_seed")
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def seed(scale: float, seed_value: int = 42, *, verbosity: int = 1) -> bool:
    """Seed the database DATABASE_URL names at `scale`; False if it was already seeded at that scale."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from organizations.models import Organization

    found = _marker()
    if found is not None:
        if found == (scale, seed_value):
            if verbosity:
                print(f"already seeded at scale {scale} (seed {seed_value}): nothing to do")
            return False
        sys.exit(f"this database was seeded at scale {found[0]} (seed {found[1]}): use another database")
    if Organization.objects.exists():
        sys.exit("this database already holds organisations the seed did not write: use another database")
    started = time.monotonic()
    _Seeder(scale, seed_value, verbosity).run()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if verbosity:
        print(f"seeded scale {scale} in {time.monotonic() - started:.1f} s")
    return True


class _Seeder:
    def __init__(self, scale: float, seed_value: int, verbosity: int) -> None:
        self.scale = scale
        self.seed_value = seed_value
        self.n = counts_for(scale)
        self.rng = random.Random(seed_value)
        self.verbosity = verbosity

    def say(self, what: str) -> None:
        if self.verbosity:
            print(f"  {what}", flush=True)

    def run(self) -> None:
        from django.db import connection, transaction

        started = time.monotonic()
        with transaction.atomic():
            self.users()
            self.organizations()
            self.memberships()
            self.events()
            self.publications()
            self.statements()
            self.subscribers()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bench_seed (scale, seed, seconds) VALUES (%s, %s, %s)",
                    [self.scale, self.seed_value, time.monotonic() - started],
                )

    # People and organisations -------------------------------------------------------------------------

    def users(self) -> None:
        from allauth.account.models import EmailAddress

        from portal.models import User

        rng = self.rng
        people = [
            User(
                email=MEMBER_EMAIL if i == 0 else f"person{i}@bench.example",
                full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                preferred_language=rng.choice(LANGS),
                password="!bench-no-password",  # unusable: the benches sign in with force_login  # noqa: S106
                date_joined=ANCHOR - datetime.timedelta(days=rng.randrange(1500)),
            )
            for i in range(self.n["users"])
        ]
        User.objects.bulk_create(people, batch_size=BATCH)
        self.user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=self.user_ids[0], email=MEMBER_EMAIL, verified=True, primary=True)]
        )
        self.say(f"{len(self.user_ids)} people")

    def organizations(self) -> None:
        from django.utils.text import slugify

        from organizations.models import Governorate, Organization, Topic

        rng = self.rng
        kinds = (
            [Organization.Kind.CSO] * 10
            + [Organization.Kind.VICTIMS_ASSOCIATION] * 5
            + [
                Organization.Kind.NETWORK,
                Organization.Kind.INGO,
                Organization.Kind.DONOR,
                Organization.Kind.GOVERNMENT,
            ]
        )
        statuses = [Organization.Status.VERIFIED] * 17 + [
            Organization.Status.PENDING,
            Organization.Status.DRAFT,
            Organization.Status.SUSPENDED,
        ]
        hosts = max(1, self.n["organizations"] // 2000)
        rows = []
        for i in range(self.n["organizations"]):
            body, qualifier, purpose = rng.choice(KINDS_OF_BODY), rng.choice(QUALIFIERS), rng.choice(PURPOSES)
            city = rng.choice(CITIES)
            names = {lang: _compose(lang, k, body, qualifier, purpose, city) for k, lang in enumerate(LANGS)}
            own_language = rng.choice(LANGS)
            written = set(LANGS) if rng.random() < 0.3 else {"en", own_language}
            is_host = i < hosts
            organization = Organization(
                slug=f"{slugify(names['en'])[:64]}-{i}",
                acronym="".join(word[0] for word in names["en"].split() if word[0].isupper())[:8]
                if rng.random() < 0.4
                else "",
                kind=Organization.Kind.UN_MECHANISM if is_host else rng.choice(kinds),
                status=Organization.Status.VERIFIED if i < hosts + 3 else rng.choice(statuses),
                is_host=is_host,
                listed_publicly=i <= hosts or rng.random() < 0.92,
                founded_year=rng.randrange(1985, 2025),
                hq_country=rng.choice(COUNTRIES),
                countries=sorted({rng.choice(COUNTRIES[:60]) for _n in range(rng.randrange(1, 4))} - {""}),
                working_languages=sorted({"ar", rng.choice(["en", "ku", "fr", "tr", "de"])}),
                website=f"https://www.{slugify(names['en'])[:40]}.example.org" if rng.random() < 0.6 else "",
                email=f"contact@org{i}.example.org",
                phone=f"+90 342 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                contact_persons=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}, coordinator",
                created_at=ANCHOR - datetime.timedelta(days=rng.randrange(2000)),
                **{f"name_{lang}": names[lang] for lang in written},
                **{f"description_{lang}": f"{names[lang]}. {PARAGRAPH}" for lang in written if lang == "en"},
            )
            organization.name = names["en"]
            if organization.status == Organization.Status.VERIFIED:
                organization.verified_at = organization.created_at + datetime.timedelta(days=rng.randrange(1, 60))
            organization.search_text = organization.build_search_text()
            rows.append(organization)
        Organization.objects.bulk_create(rows, batch_size=BATCH)
        listing = Organization.objects.order_by("pk").values_list("pk", "status", "listed_publicly")
        self.org_ids = [pk for pk, _status, _listed in listing]
        self.verified_ids = [pk for pk, status, _listed in listing if status == Organization.Status.VERIFIED]
        self.host_ids = self.org_ids[:hosts]
        topics = list(Topic.objects.values_list("pk", flat=True))
        governorates = list(Governorate.objects.values_list("pk", flat=True))
        topic_links, governorate_links = [], []
        for pk in self.org_ids:
            for topic in rng.sample(topics, k=min(len(topics), rng.randrange(1, 4))):
                topic_links.append(Organization.topics.through(organization_id=pk, topic_id=topic))
            for governorate in rng.sample(governorates, k=min(len(governorates), rng.randrange(0, 4))):
                governorate_links.append(
                    Organization.governorates.through(organization_id=pk, governorate_id=governorate)
                )
        Organization.topics.through.objects.bulk_create(topic_links, batch_size=BATCH * 5)
        Organization.governorates.through.objects.bulk_create(governorate_links, batch_size=BATCH * 5)
        self.say(
            f"{len(self.org_ids)} organisations, {len(topic_links)} focus areas, {len(governorate_links)} governorates"
        )

    def memberships(self) -> None:
        from organizations.models import Membership

        rng = self.rng
        roles = [Membership.Role.OWNER, Membership.Role.EDITOR, Membership.Role.MEMBER, Membership.Role.MEMBER]
        # The benches' signed-in person: editor of a verified organisation, member of two more.
        member_orgs = [self.verified_ids[-1], self.verified_ids[-2], self.verified_ids[-3]]
        rows = [
            Membership(user_id=self.user_ids[0], organization_id=member_orgs[0], role=Membership.Role.EDITOR),
            Membership(user_id=self.user_ids[0], organization_id=member_orgs[1], role=Membership.Role.MEMBER),
            Membership(user_id=self.user_ids[0], organization_id=member_orgs[2], role=Membership.Role.MEMBER),
        ]
        self.user_org: dict[int, int] = {self.user_ids[0]: member_orgs[0]}
        for user_id in self.user_ids[1:]:
            organization = rng.choice(self.org_ids)
            self.user_org[user_id] = organization
            rows.append(Membership(user_id=user_id, organization_id=organization, role=rng.choice(roles)))
        Membership.objects.bulk_create(rows, batch_size=BATCH)
        self.say(f"{len(rows)} memberships")

    # Events ---------------------------------------------------------------------------------------------

    def events(self) -> None:
        from events.models import Event, EventSeries, Invitation, Registration, Session

        rng = self.rng
        series = [
            EventSeries(
                owner_id=self.host_ids[k % len(self.host_ids)],
                slug=f"series-{k}",
                title_en=f"{EVENT_TOPICS[k % len(EVENT_TOPICS)]}: series {k}",
            )
            for k in range(max(1, self.n["events"] // 100))
        ]
        EventSeries.objects.bulk_create(series)
        series_ids = list(EventSeries.objects.values_list("pk", flat=True))
        visibilities = [Event.Visibility.PUBLIC] * 7 + [Event.Visibility.MEMBERS] * 2 + [Event.Visibility.CLOSED]
        rows = []
        for k in range(self.n["events"]):
            # From two years before the anchor day to three years after it: past and upcoming events.
            starts = ANCHOR + datetime.timedelta(days=rng.randrange(-730, 1095), hours=rng.randrange(0, 8))
            visibility = rng.choice(visibilities)
            if k == 0:
                # A public meeting years ahead and one before the anchor day, so that even the smallest data set
                # has an upcoming and a past event on the day the benchmark runs (bench/queries.py compares the
                # events list at 10 and 20,000).
                starts, visibility = ANCHOR + datetime.timedelta(days=3650), Event.Visibility.PUBLIC
            elif k == 1:
                starts, visibility = ANCHOR - datetime.timedelta(days=30), Event.Visibility.PUBLIC
            title = f"{rng.choice(EVENT_TOPICS)}: consultation {k + 1}"
            rows.append(
                Event(
                    owner_id=rng.choice(self.host_ids),
                    series_id=rng.choice(series_ids) if rng.random() < 0.3 else None,
                    slug=f"consultation-{k + 1}",
                    title_en=title,
                    title_ar=f"مشاورة {k + 1}" if rng.random() < 0.5 else "",
                    description_en=PARAGRAPH,
                    kind=rng.choice(list(Event.Kind)),
                    format=rng.choice(list(Event.Format)),
                    status=Event.Status.SCHEDULED if rng.random() < 0.95 else Event.Status.CANCELLED,
                    visibility=visibility,
                    registration_mode=Event.RegistrationMode.INVITATION
                    if visibility == Event.Visibility.CLOSED
                    else rng.choice([Event.RegistrationMode.OPEN, Event.RegistrationMode.INTEREST]),
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=rng.choice([2, 3, 8, 30])),
                    venue="Palais des Nations" if rng.random() < 0.3 else "Hotel conference room",
                    city=rng.choice(CITIES),
                    country=rng.choice(COUNTRIES[:50]) or "CH",
                    street_address="Avenue de la Paix 8-14",
                    working_languages=["ar", "en"],
                    capacity=rng.choice([None, 40, 80, 150]),
                    created_at=starts - datetime.timedelta(days=60),
                )
            )
        Event.objects.bulk_create(rows, batch_size=BATCH)
        events = list(Event.objects.order_by("pk").values_list("pk", "starts_at", "visibility"))
        sessions, invitations = [], []
        for pk, starts, visibility in events:
            for position in range(2):
                begin = starts + datetime.timedelta(hours=position)
                sessions.append(
                    Session(
                        event_id=pk,
                        title_en=f"Session {position + 1}",
                        starts_at=begin,
                        ends_at=begin + datetime.timedelta(hours=1),
                        room=f"Room {position + 1}",
                    )
                )
            if visibility == Event.Visibility.CLOSED:
                for organization in rng.sample(self.verified_ids, k=min(10, len(self.verified_ids))):
                    invitations.append(
                        Invitation(
                            event_id=pk, organization_id=organization, status=rng.choice(list(Invitation.Status))
                        )
                    )
        Session.objects.bulk_create(sessions, batch_size=BATCH)
        Invitation.objects.bulk_create(invitations, batch_size=BATCH)
        # Registrations: a few events draw crowds, most draw a handful (a long tail, as in life).
        weights = [rng.paretovariate(1.2) for _event in events]
        total = sum(weights)
        statuses = [Registration.Status.CONFIRMED] * 6 + [
            Registration.Status.PENDING,
            Registration.Status.WAITLISTED,
            Registration.Status.ATTENDED,
            Registration.Status.CANCELLED,
        ]
        rows, left = [], self.n["registrations"]
        for index, (pk, starts, _visibility) in enumerate(events):
            share = left if index == len(events) - 1 else round(self.n["registrations"] * weights[index] / total)
            share = min(share, left, len(self.user_ids))
            left -= share
            for user_id in rng.sample(self.user_ids, k=share):
                rows.append(
                    Registration(
                        event_id=pk,
                        user_id=user_id,
                        organization_id=self.user_org.get(user_id),
                        status=rng.choice(statuses),
                        created_at=starts - datetime.timedelta(days=10),
                    )
                )
        Registration.objects.bulk_create(rows, batch_size=BATCH)
        self.say(
            f"{len(events)} events, {len(sessions)} sessions, {len(invitations)} invitations, {len(rows)} registrations"
        )

    # Bulletins and subscribers ----------------------------------------------------------------------------

    def publications(self) -> None:
        from events.models import Event
        from newsletters.models import Edition, Item, MailingList, Publication, Section

        rng = self.rng
        publications = [
            Publication(
                owner_id=self.host_ids[k % len(self.host_ids)],
                slug=f"bulletin-{k + 1}",
                title_en=f"The Newsletter of the Victim Support Project {k + 1}",
                title_ar=f"نشرة مشروع دعم الضحايا {k + 1}",
                description_en=PARAGRAPH,
            )
            for k in range(self.n["publications"])
        ]
        Publication.objects.bulk_create(publications)
        publication_ids = list(Publication.objects.order_by("pk").values_list("pk", flat=True))
        MailingList.objects.bulk_create(
            MailingList(
                owner_id=publications[k].owner_id,
                publication_id=pk,
                slug=f"list-{k + 1}",
                name_en=f"Subscribers of bulletin {k + 1}",
            )
            for k, pk in enumerate(publication_ids)
        )
        editions = []
        for k in range(self.n["editions"]):
            publication = publication_ids[k % len(publication_ids)]
            number = k // len(publication_ids) + 1
            period = (ANCHOR - datetime.timedelta(days=30 * (self.n["editions"] - k))).date()
            editions.append(
                Edition(
                    publication_id=publication,
                    number=number,
                    title_en=f"Edition Number {number}",
                    title_ar=f"العدد {number}",
                    period_start=period,
                    period_end=period + datetime.timedelta(days=90),
                    introduction_en=f"<p>{PARAGRAPH}</p>",
                    disclaimer_en="Produced with the assistance of donors.",
                    status=Edition.Status.PUBLISHED if rng.random() < 0.95 else Edition.Status.DRAFT,
                    published_on=period + datetime.timedelta(days=95),
                )
            )
        Edition.objects.bulk_create(editions, batch_size=BATCH)
        edition_ids = list(Edition.objects.order_by("pk").values_list("pk", flat=True))
        Section.objects.bulk_create(
            [
                Section(edition_id=pk, title_en=f"Activities, part {position}", position=position)
                for pk in edition_ids
                for position in range(1, 4)
            ],
            batch_size=BATCH,
        )
        section_ids = list(Section.objects.order_by("pk").values_list("pk", flat=True))
        Item.objects.bulk_create(
            [
                Item(
                    section_id=pk,
                    position=position,
                    title_en=f"Discussion session {position} with the families",
                    body_en=f"<p>{PARAGRAPH}</p>",
                    date=ANCHOR.date(),
                )
                for pk in section_ids
                for position in range(1, 4)
            ],
            batch_size=BATCH,
        )
        item_ids = list(Item.objects.order_by("pk").values_list("pk", flat=True))
        event_ids = list(Event.objects.values_list("pk", flat=True))
        Item.organizations.through.objects.bulk_create(
            [
                Item.organizations.through(item_id=pk, organization_id=organization)
                for pk in item_ids
                for organization in rng.sample(self.org_ids, k=min(2, len(self.org_ids)))
            ],
            batch_size=BATCH * 5,
        )
        Item.events.through.objects.bulk_create(
            [Item.events.through(item_id=pk, event_id=rng.choice(event_ids)) for pk in item_ids if rng.random() < 0.3],
            batch_size=BATCH * 5,
        )
        self.say(f"{len(publication_ids)} publications, {len(edition_ids)} editions, {len(item_ids)} items")

    def subscribers(self) -> None:
        from newsletters.models import MailingList, Subscriber, Subscription

        rng = self.rng
        Subscriber.objects.bulk_create(
            (
                Subscriber(
                    email=f"reader{k}@subscribers.example",
                    language=rng.choice(LANGS),
                    created_at=ANCHOR - datetime.timedelta(days=rng.randrange(900)),
                )
                for k in range(self.n["subscribers"])
            ),
            batch_size=BATCH * 2,
        )
        lists = list(MailingList.objects.order_by("pk").values_list("pk", flat=True))
        subscriber_ids = Subscriber.objects.order_by("pk").values_list("pk", flat=True)
        rows = []
        for pk in subscriber_ids.iterator(chunk_size=BATCH * 5):
            chosen = rng.sample(lists, k=min(len(lists), 2 if rng.random() < 0.3 else 1))
            for mailing_list in chosen:
                confirmed = rng.random() < 0.9
                rows.append(
                    Subscription(
                        mailing_list_id=mailing_list,
                        subscriber_id=pk,
                        token=f"{rng.getrandbits(160):040x}",
                        status=Subscription.Status.CONFIRMED if confirmed else Subscription.Status.PENDING,
                        confirmed_at=ANCHOR if confirmed else None,
                    )
                )
        Subscription.objects.bulk_create(rows, batch_size=BATCH * 2)
        self.say(f"{self.n['subscribers']} subscribers, {len(rows)} subscriptions")

    # Statements -----------------------------------------------------------------------------------------

    def statements(self) -> None:
        from statements.models import Endorsement, Statement

        rng = self.rng
        rows = []
        for k in range(self.n["statements"]):
            published = ANCHOR.date() - datetime.timedelta(days=7 * k)
            is_open = k % 10 == 5
            rows.append(
                Statement(
                    owner_id=self.host_ids[k % len(self.host_ids)],
                    slug=f"open-letter-{k + 1}",
                    kind=rng.choice(list(Statement.Kind)),
                    title_en=f"Open letter on {rng.choice(EVENT_TOPICS).lower()} ({k + 1})",
                    title_ar=f"رسالة مفتوحة {k + 1}",
                    text_en="\n\n".join([PARAGRAPH] * 6),
                    text_ar="نص الرسالة المفتوحة.",
                    addressees_en="To the Member States of the United Nations",
                    published_languages=["en", "ar"],
                    status=Statement.Status.OPEN if is_open else Statement.Status.PUBLISHED,
                    published_on=None if is_open else published,
                    opens_at=ANCHOR - datetime.timedelta(days=7 * k + 30),
                    closes_at=None if is_open else ANCHOR - datetime.timedelta(days=7 * k),
                    created_at=ANCHOR - datetime.timedelta(days=7 * k + 40),
                )
            )
        Statement.objects.bulk_create(rows)
        statement_ids = list(Statement.objects.order_by("pk").values_list("pk", flat=True))
        # The first statement gathers 30% of all endorsements (the "380 organisations from 88 countries" letter);
        # the others share the rest.
        big = min(round(self.n["endorsements"] * 0.3), len(self.verified_ids))
        shares = [big, *_split(self.n["endorsements"] - big, len(statement_ids) - 1, rng)]
        endorsements = []
        for pk, share in zip(statement_ids, shares, strict=False):
            for organization in rng.sample(self.verified_ids, k=min(share, len(self.verified_ids))):
                named = rng.random() < 0.8
                endorsements.append(
                    Endorsement(
                        statement_id=pk,
                        organization_id=organization,
                        named_publicly=named,
                        # named as its owner chose: the naming rule names nothing less (Endorsement.named_q)
                        naming_consent="owner" if named else "",
                        created_at=ANCHOR - datetime.timedelta(days=rng.randrange(1, 400)),
                    )
                )
        Endorsement.objects.bulk_create(endorsements, batch_size=BATCH)
        self.say(f"{len(statement_ids)} statements, {len(endorsements)} endorsements ({big} on the largest)")


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    if parts <= 0:
        return []
    weights = [rng.random() + 0.2 for _part in range(parts)]
    scale = total / sum(weights)
    shares = [round(weight * scale) for weight in weights]
    shares[-1] = max(0, total - sum(shares[:-1]))
    return shares


def _compose(
    lang: str, k: int, body: tuple[str, ...], qualifier: tuple[str, ...], purpose: tuple[str, ...], city: str
) -> str:
    """One organisation's name in `lang`, in that language's word order."""
    if lang == "ar":
        return f"{body[k]} {qualifier[k]} {purpose[k]}"
    if lang in ("fr", "es"):
        return f"{body[k]} {qualifier[k]} {purpose[k]} – {city}"
    if lang == "ku":
        return f"{body[k]} {qualifier[k]} {purpose[k]}"
    if lang == "ru":
        return f"{qualifier[k]} {body[k].lower()} {purpose[k]}"
    return f"{qualifier[k]} {body[k]} {purpose[k]} – {city}"


def main(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 20,000 organisations (default 1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    _setup()
    seed(args.scale, args.seed)


if __name__ == "__main__":
    main()
