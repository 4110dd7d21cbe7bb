"""Demo organisations from the public facts in shared/seeds/. Called by `manage.py load_demo`; idempotent."""

from __future__ import annotations

from organizations.models import Governorate, Membership, NetworkMembership, Organization, Topic
from portal.management.commands.load_demo import demo_user

Kind, Status, Audience = Organization.Kind, Organization.Status, "public"

# slug: (English name, Arabic name, acronym, kind, headquarters, founded, host, topics, governorates, website)
ORGANIZATIONS = {
    "iiim": (
        "International, Impartial and Independent Mechanism for Syria",
        "الآلية الدولية المحايدة والمستقلة بشأن سوريا",
        "IIIM",
        Kind.UN_MECHANISM,
        "CH",
        2016,
        True,
        ["accountability", "documentation"],
        [],
        "https://iiim.un.org",
    ),
    "office-of-the-special-envoy": (
        "Office of the UN Special Envoy for Syria",
        "مكتب المبعوث الخاص للأمم المتحدة إلى سوريا",
        "OSE",
        Kind.UN_MECHANISM,
        "CH",
        2012,
        True,
        ["women-peace-security"],
        [],
        "https://specialenvoysyria.unmissions.org",
    ),
    "syrians-for-truth-and-justice": (
        "Syrians for Truth and Justice",
        "سوريون من أجل الحقيقة والعدالة",
        "STJ",
        Kind.CSO,
        "FR",
        2015,
        False,
        ["documentation", "enforced-disappearance", "housing-land-property"],
        ["aleppo", "hasakah", "raqqa", "idlib"],
        "https://stj-sy.org",
    ),
    "syrian-center-for-media-and-freedom-of-expression": (
        "Syrian Center for Media and Freedom of Expression",
        "المركز السوري للإعلام وحرية التعبير",
        "SCM",
        Kind.CSO,
        "FR",
        2004,
        True,
        ["accountability", "detention"],
        [],
        "https://scm.bz",
    ),
    "truth-and-justice-charter": (
        "Truth and Justice Charter",
        "ميثاق الحقيقة والعدالة",
        "",
        Kind.NETWORK,
        "",
        2021,
        False,
        ["enforced-disappearance", "detention", "transitional-justice"],
        [],
        "",
    ),
    "families-for-freedom": (
        "Families for Freedom",
        "عائلات من أجل الحرية",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "DE",
        2017,
        False,
        ["enforced-disappearance", "detention"],
        [],
        "",
    ),
    "caesar-families-association": (
        "Caesar Families Association",
        "رابطة عائلات قيصر",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "DE",
        2018,
        False,
        ["enforced-disappearance", "psychosocial-support"],
        ["aleppo"],
        "",
    ),
    "massar-families-association": (
        "Massar Families Association",
        "رابطة عائلات مسار",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "TR",
        2019,
        False,
        ["enforced-disappearance", "documentation"],
        ["raqqa", "deir-ez-zor", "aleppo"],
        "",
    ),
    "taafi-initiative": (
        "Taafi Initiative",
        "مبادرة تعافي",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "TR",
        2019,
        False,
        ["torture", "psychosocial-support"],
        [],
        "",
    ),
    "synergy-association-for-victims": (
        "Synergy Association for Victims",
        "رابطة تآزر للضحايا",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "SY",
        2015,
        False,
        ["enforced-disappearance", "refugees-returns"],
        ["hasakah", "raqqa"],
        "",
    ),
    "families-of-truth-and-justice": (
        "Families of Truth and Justice",
        "عائلات الحقيقة والعدالة",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "TR",
        2020,
        False,
        ["enforced-disappearance"],
        [],
        "",
    ),
    "release-me": (
        "Release Me Organization",
        "",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "TR",
        2019,
        False,
        ["detention", "housing-land-property"],
        ["idlib"],
        "",
    ),
    "a-good-seed-initiative": (
        "A Good Seed Initiative",
        "",
        "",
        Kind.VICTIMS_ASSOCIATION,
        "TR",
        2018,
        False,
        ["children-youth", "psychosocial-support"],
        [],
        "",
    ),
}

CHARTER_MEMBERS = [
    "families-for-freedom",
    "caesar-families-association",
    "massar-families-association",
    "taafi-initiative",
    "synergy-association-for-victims",
    "families-of-truth-and-justice",
    "release-me",
]

DESCRIPTIONS = {
    "syrians-for-truth-and-justice": (
        "A nonprofit, nongovernmental organisation monitoring human rights violations in Syria. Founded in 2015, "
        "based in France since 2019. Its field researchers document violations committed by all parties."
    ),
    "iiim": (
        "Assists in the investigation and prosecution of persons responsible for the most serious crimes under "
        "international law committed in Syria since March 2011. Engages civil society through the Lausanne "
        "Platform, protocols of cooperation and its periodic bulletin."
    ),
}


def load() -> None:
    for slug, (
        name_en,
        name_ar,
        acronym,
        kind,
        hq,
        founded,
        host,
        topics,
        governorates,
        website,
    ) in ORGANIZATIONS.items():
        organization, _created = Organization.objects.update_or_create(
            slug=slug,
            defaults={
                "name_en": name_en,
                "name_ar": name_ar,
                "acronym": acronym,
                "kind": kind,
                "hq_country": hq,
                "founded_year": founded,
                "is_host": host,
                "status": Status.VERIFIED,
                "listed_publicly": True,
                "website": website,
                "description_en": DESCRIPTIONS.get(slug, ""),
                "email": f"contact@{slug}.example.org",
                "email_visibility": "members",
            },
        )
        organization.topics.set(Topic.objects.filter(slug__in=topics))
        organization.governorates.set(Governorate.objects.filter(code__in=governorates))

    charter = Organization.objects.get(slug="truth-and-justice-charter")
    for member in Organization.objects.filter(slug__in=CHARTER_MEMBERS):
        NetworkMembership.objects.update_or_create(network=charter, member=member, defaults={"confirmed": True})

    members = [
        ("coordinator@example.org", "Lina Coordinator", "iiim", Membership.Role.OWNER, "en"),
        ("envoy@example.org", "Omar Envoy-Office", "office-of-the-special-envoy", Membership.Role.EDITOR, "en"),
        ("stj@example.org", "Sara STJ", "syrians-for-truth-and-justice", Membership.Role.OWNER, "ar"),
        ("charter@example.org", "Karim Charter", "truth-and-justice-charter", Membership.Role.OWNER, "ar"),
    ]
    for email, full_name, slug, role, language in members:
        user = demo_user(email, full_name, language=language)
        Membership.objects.get_or_create(
            user=user, organization=Organization.objects.get(slug=slug), defaults={"role": role}
        )

    # One registration waiting in the review queue, so that a coordinator has something to verify.
    pending, _created = Organization.objects.get_or_create(
        slug="hope-for-detainees-families",
        defaults={
            "name_en": "Hope for Detainees' Families",
            "name_ar": "الأمل لعائلات المعتقلين",
            "kind": Kind.VICTIMS_ASSOCIATION,
            "hq_country": "TR",
            "status": Status.PENDING,
        },
    )
    applicant = demo_user("applicant@example.org", "Huda Applicant", language="ar")
    Membership.objects.get_or_create(user=applicant, organization=pending, defaults={"role": Membership.Role.OWNER})

    # A fictional CSO with an owner account: it signed an MoU with the IIIM (agreements/demo.py) and opened
    # a letter for endorsement (statements/demo.py).
    collective, _created = Organization.objects.get_or_create(
        slug="documentation-collective-demo",
        defaults={
            "name_en": "Documentation Collective (demo)",
            "name_ar": "تجمع التوثيق (تجريبي)",
            "status": Status.VERIFIED,
            "kind": Kind.CSO,
            "hq_country": "DE",
        },
    )
    owner = demo_user("collective@example.org", "Yara Collective")
    Membership.objects.get_or_create(user=owner, organization=collective, defaults={"role": Membership.Role.OWNER})
