"""Demo agreements from the public facts in shared/seeds/. Called by `manage.py load_demo` after the demo
organisations (organizations/demo.py); idempotent."""

from __future__ import annotations

import datetime

from agreements.models import Agreement, AgreementParty
from organizations.models import NamingConsent, Organization
from portal.models import User

Kind, Status = Organization.Kind, Organization.Status


def load() -> None:
    """The IIIM's Protocol of Cooperation (Lausanne, 3 April 2018, 28 CSOs), whose signatories are not
    named here (unlisted demo organisations, none of which chose to be named), and a confidential MoU with a
    fictional organisation."""
    iiim = Organization.objects.get(slug="iiim")
    protocol, _created = Agreement.objects.update_or_create(
        slug="iiim-protocol-of-cooperation",
        defaults={
            "owner": iiim,
            "kind": Agreement.Kind.PROTOCOL,
            "title_en": "Protocol of Cooperation between the IIIM and Syrian civil society organisations",
            "title_ar": "بروتوكول التعاون بين الآلية الدولية المحايدة والمستقلة ومنظمات المجتمع المدني السورية",
            "summary_en": (
                "A set of overarching principles to guide the engagement between the IIIM and the signatory CSOs, "
                "and a general framework for cooperation for other CSOs seeking to collaborate with the IIIM in "
                "the future. Operational details may be addressed in individual memoranda of understanding."
            ),
            "signed_on": datetime.date(2018, 4, 3),
            "signed_place": "Lausanne",
            "status": Agreement.Status.IN_FORCE,
            "visibility": Agreement.Visibility.PUBLIC,
            "accepts_accessions": True,
        },
    )
    for number in range(1, 29):
        signatory, _created = Organization.objects.get_or_create(
            slug=f"protocol-signatory-{number:02d}",
            defaults={
                "name_en": f"Protocol signatory {number:02d} (demo)",
                "status": Status.VERIFIED,
                "listed_publicly": False,
                "kind": Kind.CSO,
            },
        )
        AgreementParty.objects.get_or_create(
            agreement=protocol,
            organization=signatory,
            defaults={"joined_on": protocol.signed_on, "named_publicly": False},
        )
    collective = Organization.objects.get(slug="documentation-collective-demo")
    # It acceded at its owner's request, named as she asked (organizations/demo.py makes her account).
    AgreementParty.objects.get_or_create(
        agreement=protocol,
        organization=collective,
        defaults={
            "joined_on": datetime.date(2021, 6, 1),
            "named_publicly": True,
            "naming_consent": NamingConsent.OWNER,
            "naming_consent_by": User.objects.get(email="collective@example.org"),
            "joined_by": AgreementParty.JoinedBy.ACCESSION,
        },
    )
    mou, _created = Agreement.objects.update_or_create(
        slug="mou-iiim-documentation-collective",
        defaults={
            "owner": iiim,
            "kind": Agreement.Kind.MOU,
            "title_en": "MoU on the transfer of documentation",
            "signed_on": datetime.date(2022, 2, 14),
            "status": Agreement.Status.IN_FORCE,
            "visibility": Agreement.Visibility.CONFIDENTIAL,
        },
    )
    AgreementParty.objects.get_or_create(agreement=mou, organization=collective, defaults={"joined_on": mou.signed_on})
