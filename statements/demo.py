"""Demo statements from the public facts in shared/seeds/. Called by `manage.py load_demo`; idempotent.

- The 2021 Women, Peace and Security civil society open letter, published on 1 September 2021 by the NGO Working
  Group on Women, Peace and Security in Arabic, English, French, Russian and Spanish, endorsed by 380
  organisations from 88 countries. The seed names none of them, so its endorsers here are fictional demo
  organisations in the same numbers ("Demo endorser 017 (demo)"), a few of which asked not to be named. They
  are not listed in the directory, so each is named only because its owner (one demo account owns them all)
  chose to be named on the letter, as the naming rule asks (Organization.named_publicly_q).
- The joint statement of the Truth and Justice Charter's victims' groups on 26 June 2024, International Day in
  Support of Victims of Torture, endorsed by the Charter's member associations (organizations/demo.py).
- A fictional open letter, open for endorsement, so that the demo accounts can endorse.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from organizations.demo import CHARTER_MEMBERS
from organizations.models import Membership, NamingConsent, Organization
from portal.management.commands.load_demo import demo_user
from portal.models import User
from statements.models import Endorsement, Statement

UTC = datetime.UTC
# The long texts, one file per statement and language.
TEXTS = Path(__file__).resolve().parent / "demo_texts"


def _texts(name: str, languages: list[str]) -> dict[str, str]:
    return {code: (TEXTS / f"{name}.{code}.txt").read_text(encoding="utf-8").strip() for code in languages}


# 88 countries, as many as the real letter's endorsers came from.
COUNTRIES = (
    "AF AL DZ AR AM AU AT AZ BD BE BO BA BR BG BF KH CM CA CL CO CD CR CI HR CY CZ DK DO EC EG ET FI FR GE DE GH GR "
    "GT GN HN IN ID IQ IE IT JP JO KE LB LR LY ML MX MD MA MZ MM NP NL NZ NE NG NO PK PS PE PH PL PT SN SL SO ZA SS ES "
    "LK SD SE CH SY TN TR UG UA GB US YE ZW"
).split()
WPS_ENDORSERS = 380
# Every 30th endorser from the 7th, twelve in all, asked not to be named.
WPS_UNNAMED = set(range(7, 7 + 30 * 12, 30))

WPS_TITLE = {
    "en": "2021 Women, Peace and Security Civil Society Open Letter: support women human rights defenders",
    "fr": "Lettre ouverte 2021 de la société civile sur les femmes, la paix et la sécurité : soutenir les "
    "défenseuses des droits humains",
    "es": "Carta abierta de la sociedad civil sobre mujeres, paz y seguridad 2021: apoyar a las defensoras de "
    "derechos humanos",
    "ru": "Открытое письмо гражданского общества 2021 года о женщинах, мире и безопасности: поддержите правозащитниц",
    "ar": "الرسالة المفتوحة للمجتمع المدني لعام 2021 بشأن المرأة والسلام والأمن: ادعموا المدافعات عن حقوق الإنسان",
}
WPS_ADDRESSEES = {
    "en": "To all Member States of the United Nations, the UN leadership and the Security Council",
    "fr": "À tous les États membres des Nations unies, à la direction de l'ONU et au Conseil de sécurité",
    "es": "A todos los Estados Miembros de las Naciones Unidas, a la dirección de la ONU y al Consejo de Seguridad",
    "ru": "Всем государствам — членам ООН, руководству ООН и Совету Безопасности",
    "ar": "إلى جميع الدول الأعضاء في الأمم المتحدة وقيادة الأمم المتحدة ومجلس الأمن",
}
WPS_TEXT = _texts("wps", ["en", "ar", "fr", "es", "ru"])

TORTURE_DAY_TITLE = {
    "en": "Joint statement of the victims' groups of the Truth and Justice Charter on the International Day in "
    "Support of Victims of Torture",
    "ar": "بيان مشترك لروابط الضحايا في ميثاق الحقيقة والعدالة في اليوم الدولي لمساندة ضحايا التعذيب",
}
TORTURE_DAY_TEXT = _texts("torture-day", ["en", "ar"])

OPEN_LETTER_TITLE = {
    "en": "Demo open letter: protect the families of the disappeared who speak out (demo)",
    "ar": "رسالة مفتوحة تجريبية: احموا عائلات المختفين الذين يرفعون أصواتهم (تجريبي)",
    "fr": "Lettre ouverte de démonstration : protégez les familles des disparus qui prennent la parole (démo)",
}
OPEN_LETTER_TEXT = {
    "en": "A fictional letter for trying the portal: read it, then endorse it in the name of your organisation, "
    "named publicly or not.\n\nFamilies who ask about their disappeared relatives must be able to do so without "
    "fear of reprisal.",
    "ar": "رسالة وهمية لتجربة البوابة: اقرأها ثم أيّدها باسم منظمتك، مع ذكر اسمها علنًا أو دون ذلك.\n\n"
    "يجب أن تتمكن العائلات التي تسأل عن أقاربها المختفين من ذلك دون خوف من الانتقام.",
    "fr": "Une lettre fictive pour essayer le portail : lisez-la, puis soutenez-la au nom de votre organisation, "
    "nommée publiquement ou non.\n\nLes familles qui s'enquièrent de leurs proches disparus doivent pouvoir le faire "
    "sans crainte de représailles.",
}


def _translated(field: str, values: dict[str, str]) -> dict[str, str]:
    return {f"{field}_{code}": value for code, value in values.items()}


def _ngowg() -> Organization:
    """The coalition that published the 2021 WPS open letter (seed 004), and a demo account that keeps it."""
    ngowg, _created = Organization.objects.update_or_create(
        slug="ngo-working-group-on-women-peace-and-security",
        defaults={
            "name_en": "NGO Working Group on Women, Peace and Security",
            "name_ar": "الفريق العامل للمنظمات غير الحكومية المعني بالمرأة والسلام والأمن",
            "acronym": "NGOWG",
            "kind": Organization.Kind.NETWORK,
            "status": Organization.Status.VERIFIED,
            "listed_publicly": True,
            "hq_country": "US",
            "website": "https://www.womenpeacesecurity.org",
        },
    )
    editor = demo_user("ngowg@example.org", "Demo NGOWG Editor")
    Membership.objects.get_or_create(user=editor, organization=ngowg, defaults={"role": Membership.Role.OWNER})
    return ngowg


def _demo_endorsers(count: int) -> list[Organization]:
    """Fictional organisations "Demo endorser 001 (demo)"... spread over COUNTRIES, off the public directory, all
    owned by one demo account (_endorsers_owner)."""
    slugs = [f"demo-endorser-{number:03d}" for number in range(1, count + 1)]
    existing = set(Organization.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    missing = []
    for number, slug in enumerate(slugs, start=1):
        if slug in existing:
            continue
        organization = Organization(
            slug=slug,
            name_en=f"Demo endorser {number:03d} (demo)",
            name_ar=f"جهة مؤيدة تجريبية {number:03d} (تجريبي)",
            kind=Organization.Kind.CSO,
            status=Organization.Status.VERIFIED,
            listed_publicly=False,
            hq_country=COUNTRIES[(number - 1) % len(COUNTRIES)],
        )
        organization.search_text = organization.build_search_text()  # save() would; bulk_create does not
        missing.append(organization)
    Organization.objects.bulk_create(missing)
    by_slug = {organization.slug: organization for organization in Organization.objects.filter(slug__in=slugs)}
    endorsers = [by_slug[slug] for slug in slugs]
    owner = _endorsers_owner()
    owned = set(Membership.objects.filter(user=owner).values_list("organization_id", flat=True))
    Membership.objects.bulk_create(
        Membership(user=owner, organization=organization, role=Membership.Role.OWNER)
        for organization in endorsers
        if organization.pk not in owned
    )
    return endorsers


def _endorsers_owner() -> User:
    return demo_user("endorsers@example.org", "Demo Endorsers' Owner")


def _endorse(
    statement: Statement,
    endorsements: list[tuple[Organization, bool]],
    when: datetime.datetime,
    *,
    consent: tuple[str, User | None],
) -> None:
    """Endorsements imported by the publisher, as the letters gathered them; those named were confirmed by the
    endorser itself (`consent`: the role in it of the person who confirmed, and that person), as the naming rule
    asks of an endorsement recorded for an organisation."""
    done = set(statement.endorsements.values_list("organization_id", flat=True))
    Endorsement.objects.bulk_create(
        Endorsement(statement=statement, organization=organization, source=Endorsement.Source.IMPORTED, created_at=when)
        for organization, _named in endorsements
        if organization.pk not in done
    )
    role, person = consent
    for named in (True, False):
        chosen = [organization.pk for organization, is_named in endorsements if is_named == named]
        statement.endorsements.filter(organization__in=chosen).update(
            named_publicly=named,
            naming_consent=role if named else NamingConsent.NOBODY,
            naming_consent_by=person if named else None,
            naming_consent_at=when if named else None,
        )


def load() -> None:
    wps, _created = Statement.objects.update_or_create(
        slug="2021-wps-civil-society-open-letter",
        defaults={
            "owner": _ngowg(),
            "kind": Statement.Kind.OPEN_LETTER,
            **_translated("title", WPS_TITLE),
            **_translated("addressees", WPS_ADDRESSEES),
            **_translated("text", WPS_TEXT),
            "published_languages": ["en", "ar", "fr", "es", "ru"],
            "published_on": datetime.date(2021, 9, 1),
            "closes_at": datetime.datetime(2021, 9, 1, tzinfo=UTC),
            "status": Statement.Status.PUBLISHED,
        },
    )
    endorsers = _demo_endorsers(WPS_ENDORSERS)
    # Their owner chose to be named: none of them is listed, so nothing less would name them.
    by_owner = (NamingConsent.OWNER, _endorsers_owner())
    _endorse(
        wps,
        [(organization, number not in WPS_UNNAMED) for number, organization in enumerate(endorsers, start=1)],
        datetime.datetime(2021, 8, 20, tzinfo=UTC),
        consent=by_owner,
    )

    charter = Organization.objects.get(slug="truth-and-justice-charter")
    torture_day, _created = Statement.objects.update_or_create(
        slug="truth-and-justice-charter-26-june-2024",
        defaults={
            "owner": charter,
            "kind": Statement.Kind.JOINT_STATEMENT,
            **_translated("title", TORTURE_DAY_TITLE),
            **_translated("text", TORTURE_DAY_TEXT),
            "published_languages": ["en", "ar"],
            "published_on": datetime.date(2024, 6, 26),
            "closes_at": datetime.datetime(2024, 6, 26, tzinfo=UTC),
            "status": Statement.Status.PUBLISHED,
        },
    )
    # The Charter's member associations are listed: one of each one's editors confirming is enough to name it.
    members = Organization.objects.filter(slug__in=CHARTER_MEMBERS)
    _endorse(
        torture_day,
        [(member, True) for member in members],
        datetime.datetime(2024, 6, 25, tzinfo=UTC),
        consent=(NamingConsent.EDITOR, None),
    )

    collective = Organization.objects.get(slug="documentation-collective-demo")
    open_letter, _created = Statement.objects.update_or_create(
        slug="demo-open-letter-families-of-the-disappeared",
        defaults={
            "owner": collective,
            "kind": Statement.Kind.OPEN_LETTER,
            **_translated("title", OPEN_LETTER_TITLE),
            **_translated("text", OPEN_LETTER_TEXT),
            "published_languages": ["en", "ar", "fr"],
            "opens_at": datetime.datetime(2025, 1, 1, tzinfo=UTC),
            "closes_at": None,
            "status": Statement.Status.OPEN,
        },
    )
    _endorse(
        open_letter,
        [(endorsers[0], True), (endorsers[1], True), (endorsers[2], False)],
        datetime.datetime(2025, 1, 2, tzinfo=UTC),
        consent=by_owner,
    )
