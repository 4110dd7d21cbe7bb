"""What a reader on a slow mobile connection downloads: the directory and an edition weigh under 300 KB
before images (the document, its stylesheets and scripts, as transferred)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response

from tests.factories import EditionFactory, ItemFactory, OrganizationFactory, SectionFactory

pytestmark = pytest.mark.browser

BUDGET = 300 * 1024
COUNTED = {"document", "stylesheet", "script"}


def transferred_bytes(page: Page, address: str) -> dict[str, int]:
    """Bytes on the wire (headers and encoded body) per document, stylesheet and script the page loads."""
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(address, wait_until="load")
    weights = {}
    for response in responses:
        if response.request.resource_type in COUNTED:
            sizes = response.request.sizes()
            weights[response.url] = sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return weights


def test_directory_weighs_under_budget(page: Page, base_url: str) -> None:
    OrganizationFactory.create_batch(20)  # a full page of the directory

    weights = transferred_bytes(page, f"{base_url}/en/organizations/")

    assert f"{base_url}/en/organizations/" in weights
    assert any(url.endswith(".css") for url in weights)
    assert 0 < sum(weights.values()) < BUDGET, weights


def test_edition_weighs_under_budget(page: Page, base_url: str) -> None:
    edition = EditionFactory(number=1)
    for _section in range(4):
        ItemFactory.create_batch(5, section=SectionFactory(edition=edition))
    address = f"{base_url}/ar/bulletins/{edition.publication.slug}/1/"

    weights = transferred_bytes(page, address)

    assert address in weights
    assert 0 < sum(weights.values()) < BUDGET, weights
