"""Reading an Atom feed (RFC 4287) back as a feed reader would, and checking the elements the format requires."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

from django.test import Client

ATOM = "{http://www.w3.org/2005/Atom}"


def atom(client: Client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the portal's own feed, not untrusted input
    assert root.tag == f"{ATOM}feed"
    return root


def text(element: ET.Element, name: str) -> str:
    found = element.find(f"{ATOM}{name}")
    assert found is not None, f"<{name}> is missing from <{element.tag.removeprefix(ATOM)}>"
    return found.text or ""


def timestamp(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no time zone"
    return moment


def assert_valid_atom(feed: ET.Element) -> list[ET.Element]:
    """The elements RFC 4287 requires of a feed and of each entry (section 4.1); returns the entries."""
    assert text(feed, "id")
    assert text(feed, "title")
    timestamp(text(feed, "updated"))
    assert any(link.get("rel", "alternate") == "alternate" for link in feed.findall(f"{ATOM}link"))
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        assert text(entry, "id")
        assert text(entry, "title")
        timestamp(text(entry, "updated"))
        # An author on every entry, or on the feed (4.1.1): here every entry carries its own.
        author = entry.find(f"{ATOM}author")
        assert author is not None, f"the entry {text(entry, 'title')!r} has no author"
        assert text(author, "name")
        assert entry.find(f"{ATOM}link").get("href", "").startswith("http")
    return entries
