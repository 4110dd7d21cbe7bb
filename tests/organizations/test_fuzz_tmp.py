import itertools
from collections import Counter

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from organizations.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
VALUES = [
    None,
    "",
    " ",
    "x" * 5000,
    "\x00",
    0,
    -1,
    10**30,
    1.5,
    True,
    [],
    [None],
    [[]],
    [{}],
    {},
    {"code": {}},
    {"a": 1},
    ["\x00"],
    ["x" * 1000],
    "💥",
    "<script>",
    ["FR"] * 300,
    "=cmd",
]


def test_fuzz():
    org = OrganizationFactory(name_en="Syrians for Truth and Justice")
    owner = MembershipFactory(organization=org, role=Membership.Role.OWNER).user
    c = APIClient()
    c.force_login(owner)
    fields = list(c.get(f"/api/v1/organizations/{org.slug}/").json()) + ["unknown"]
    bad = []
    codes = Counter()
    for f, v in itertools.product(fields, VALUES):
        for method in (c.patch, c.put):
            cache.clear(); print("TRY", method.__name__, f, repr(v)[:30], flush=True)
            r = method(f"/api/v1/organizations/{org.slug}/", {f: v}, format="json")
            codes[r.status_code] += 1
            if r.status_code >= 500:
                bad.append((method.__name__, f, repr(v)[:40], r.status_code))
    for q in ["q", "kind", "country", "governorate", "topic", "scope", "page"]:
        for v in ["\x00", "x" * 5000, "💥", "", "%", "'"]:
            r = c.get("/api/v1/organizations/", {q: v})
            if r.status_code >= 500:
                bad.append(("get", q, v[:10], r.status_code))
    print(bad, codes)
    assert not bad
