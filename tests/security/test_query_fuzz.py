"""Page query strings under hostile values: no GET route answers a server error, whatever its query says.

The routes are those of the URL matrix (tests/security/test_url_matrix.py) that answer 200, in its seeded world:
anonymous, or as an operator (who sees every page) where only signed-in people do; the admin's are Django's own.
Each route's query parameters are found by watching which ones it reads (recorded through request.GET), with
those its address already carries (the month calendar's `view=month`); then each parameter in turn gets every
value below, the others kept as they were. A parameter a page starts reading is fuzzed from then on, with no
list to update.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.http import QueryDict

from tests.security.test_url_matrix import (  # the matrix's seeded world, reused
    OPTIONAL_ROUTES,
    ROUTES,
    World,
    client_as,
    walk_routes,
    world,  # noqa: F401 - a fixture
)

HOSTILE_VALUES = [
    "",
    "0",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "0001-01",
    "9999-12",
    "2025-13-45",
    "٣",  # an Arabic-Indic digit
    "𝟘",  # a mathematical digit, which int() reads
    "\x00",
    "\u202eevil",
    "x" * 4000,
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%",
    "[]",
]
ROLES = ("anonymous", "operator")


class RecordingQueryDict(QueryDict):
    """A query that remembers the names a view asked for."""

    asked: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    asked: set[str] = set()
    monkeypatch.setattr(RecordingQueryDict, "asked", asked)

    def query(request: WSGIRequest) -> QueryDict:
        if "_recorded_get" not in request.__dict__:
            request.__dict__["_recorded_get"] = RecordingQueryDict(
                request.environ.get("QUERY_STRING", ""), encoding=request.encoding
            )
        return request.__dict__["_recorded_get"]

    monkeypatch.setattr(WSGIRequest, "GET", property(query))
    yield asked


CASES = [
    pytest.param(key, index, role, id=f"{key}{f'[{item.label}]' if item.label else ''}-{role}")
    for key, cases in ROUTES.items()
    for index, item in enumerate(cases)
    for role in ROLES
    # The operator for the pages only signed-in people see; a page anonymous visitors see reads the same query.
    if item.expect[role] == 200 and (role == "anonymous" or item.expect["anonymous"] != 200)
    if not key.startswith("admin:")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "index", "role"), CASES)
def test_no_query_value_gives_a_server_error(
    world: World,  # noqa: F811 - the fixture imported above
    recording: set[str],
    key: str,
    index: int,
    role: str,
) -> None:
    if key in OPTIONAL_ROUTES and key not in walk_routes():
        pytest.skip(f"{key} is not in this configuration's URLconf")
    url = urlsplit(ROUTES[key][index].url(world))
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    client = client_as(world, role)
    # A query with something in it: forms and filters read their fields only from a query that is not empty.
    assert client.get(url.path, {"fuzz": "", **query}).status_code == 200, url.geturl()

    failures = []
    for name in sorted(recording - {"fuzz"} | set(query)):
        for value in HOSTILE_VALUES:
            response = client.get(url.path, {**query, name: value})
            if response.status_code >= 500:
                failures.append(f"{name}={value[:40]!r}: {response.status_code}")
    assert not failures, f"GET {url.path} as {role}:\n" + "\n".join(failures)
