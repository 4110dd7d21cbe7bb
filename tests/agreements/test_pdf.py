"""The printable summary of an agreement (/<lang>/agreements/<slug>/pdf/): rendered by Celery, stored under its
content hash, naming only the parties that agreed to be named, right in Arabic, and built from this site's own
files only. The last test starts a real Celery worker against Redis and the test database."""

from __future__ import annotations

import datetime
import io
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from agreements import services
from agreements.models import Agreement, AgreementParty
from portal import pdf
from portal.tasks import render_pdf
from tests.factories import AgreementFactory, AgreementPartyFactory, OrganizationFactory
from tests.pdf_worker import WORKER_QUEUE, pdf_worker, publishing_to, wait_for_pdf, worker_log

PROTOCOL_TITLE = "Protocol of Cooperation between the IIIM and Syrian civil society organisations"
ARABIC_TITLE = "بروتوكول التعاون"
UNNAMED = "Caesar Families Association"
# Bidirectional control characters that pdftotext puts around right-to-left runs.
BIDI_CONTROLS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path) -> Path:
    """Rendered PDFs go to a fresh folder per test (portal.pdf reads the setting at each call)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.PRIVATE_MEDIA_ROOT


def stored_pdfs(root: Path) -> list[Path]:
    folder = root / "pdf"
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


def make_protocol() -> Agreement:
    """The Protocol of Cooperation with a signatory named publicly, one that asked not to be, and an accession."""
    protocol = AgreementFactory(slug="iiim-protocol-of-cooperation", title_en=PROTOCOL_TITLE)
    AgreementPartyFactory(
        agreement=protocol,
        organization=OrganizationFactory(name_en="Syrians for Truth and Justice", acronym="STJ"),
        named_publicly=True,
    )
    AgreementPartyFactory(
        agreement=protocol, organization=OrganizationFactory(name_en=UNNAMED, acronym=""), named_publicly=False
    )
    AgreementPartyFactory(
        agreement=protocol,
        organization=OrganizationFactory(name_en="Taafi Initiative", acronym=""),
        joined_on=datetime.date(2021, 6, 1),
        joined_by=AgreementParty.JoinedBy.ACCESSION,
        named_publicly=True,
    )
    return protocol


def pdf_body(response: Any) -> bytes:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    return body


def pypdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def pdftotext(body: bytes) -> str:
    """The text as poppler reads it, in logical order for right-to-left scripts."""
    program = shutil.which("pdftotext")
    if program is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run([program, "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True)  # noqa: S603
    return " ".join(result.stdout.decode().translate(BIDI_CONTROLS).split())


def summary_sentence(agreement: Agreement) -> str:
    """The English one-line summary, counted from the data."""
    originals = agreement.parties.filter(joined_by=AgreementParty.JoinedBy.ORIGINAL).count()
    accessions = agreement.parties.filter(joined_by=AgreementParty.JoinedBy.ACCESSION).count()
    return f"Signed on 3 April 2018 in Lausanne by IIIM and {originals} organisations. {accessions} more joined since."


def protocol_html(protocol: Agreement, language: str = "en") -> str:
    return services.agreement_summary_html(Agreement.objects.get(pk=protocol.pk), language)


# Rendering (Celery eager) ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pdf_shows_title_summary_and_named_parties_only() -> None:
    protocol = make_protocol()

    text = pypdf_text(pdf_body(Client().get(f"/en/agreements/{protocol.slug}/pdf/")))

    assert PROTOCOL_TITLE in text
    assert summary_sentence(protocol) == (
        "Signed on 3 April 2018 in Lausanne by IIIM and 2 organisations. 1 more joined since."
    )
    assert summary_sentence(protocol) in text
    assert "Syrians for Truth and Justice" in text
    assert "Taafi Initiative" in text
    assert "Caesar" not in text


@pytest.mark.django_db
def test_arabic_pdf_has_the_arabic_title() -> None:
    protocol = make_protocol()

    body = pdf_body(Client().get(f"/ar/agreements/{protocol.slug}/pdf/"))

    assert ARABIC_TITLE in pdftotext(body)
    assert "Caesar" not in pdftotext(body)


@pytest.mark.django_db
def test_arabic_pdf_sets_the_english_summary_and_names_left_to_right() -> None:
    protocol = make_protocol()
    AgreementPartyFactory(
        agreement=protocol,
        organization=OrganizationFactory(name_en="Adopt a Revolution e.V.", name_ar="", acronym=""),
        named_publicly=True,
    )

    html = protocol_html(protocol, "ar")
    text = pypdf_text(pdf_body(Client().get(f"/ar/agreements/{protocol.slug}/pdf/")))

    # The summary was written in English only: its own language and direction, its full stop at its end.
    assert '<div lang="en" dir="ltr"><p>A set of overarching principles' in html
    assert "collaborate with the IIIM in the future." in text
    assert "Adopt a Revolution e.V." in text
    assert ".Adopt" not in text


@pytest.mark.django_db
def test_rendering_twice_stores_one_file(private_media: Path) -> None:
    protocol = make_protocol()
    client = Client()

    first = pdf_body(client.get(f"/en/agreements/{protocol.slug}/pdf/"))
    [stored] = stored_pdfs(private_media)
    written_at = stored.stat().st_mtime_ns
    second = pdf_body(client.get(f"/en/agreements/{protocol.slug}/pdf/"))
    # A retried task finds the file of the same content and writes nothing.
    assert render_pdf("agreement", protocol.pk, "en", protocol_html(protocol)) == stored.name
    assert render_pdf.delay("agreement", protocol.pk, "en", protocol_html(protocol)).get() == stored.name

    assert first == second
    assert stored_pdfs(private_media) == [stored]
    assert stored.stat().st_mtime_ns == written_at
    assert stored.name == f"{pdf.content_key(protocol_html(protocol))}.pdf"
    assert list((private_media / "pdf").glob("*.part")) == []


@pytest.mark.django_db
def test_changed_agreement_gets_a_new_file_and_each_language_its_own(private_media: Path) -> None:
    protocol = make_protocol()
    client = Client()
    pdf_body(client.get(f"/en/agreements/{protocol.slug}/pdf/"))

    Agreement.objects.filter(pk=protocol.pk).update(signed_place="Lausanne, Switzerland")
    text = pypdf_text(pdf_body(client.get(f"/en/agreements/{protocol.slug}/pdf/")))
    pdf_body(client.get(f"/ar/agreements/{protocol.slug}/pdf/"))

    assert "in Lausanne, Switzerland by IIIM" in text
    assert len(stored_pdfs(private_media)) == 3


@pytest.mark.django_db
def test_pdf_of_an_agreement_the_visitor_may_not_see_is_not_rendered(private_media: Path) -> None:
    mou = AgreementFactory(
        slug="mou-iiim-scm",
        kind=Agreement.Kind.MOU,
        title_en="MoU canary-confidential-title",
        visibility=Agreement.Visibility.CONFIDENTIAL,
        accepts_accessions=False,
    )
    draft = AgreementFactory(slug="draft-protocol", status=Agreement.Status.DRAFT)

    assert Client().get(f"/en/agreements/{mou.slug}/pdf/").status_code == 404
    assert Client().get(f"/en/agreements/{draft.slug}/pdf/").status_code == 404
    assert stored_pdfs(private_media) == []


# Only this site's own files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "{site}/media/../../etc/passwd",
        "{site}/media/../../../../../../etc/passwd",
        "{site}/static/../../portal/settings.py",
        "{site}/static/../../../../../../etc/passwd",
        "{site}/media/no-such-file.png",
        "//example.com/x.png",
    ],
)
def test_local_file_refuses_other_hosts_and_paths_out_of_the_site(url: str) -> None:
    assert pdf._local_file(url.format(site=django_settings.SITE_URL)) is None


def test_local_file_finds_this_sites_static_and_media_files(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    logo = settings.MEDIA_ROOT / "organizations" / "logos" / "stj.png"
    logo.parent.mkdir(parents=True)
    logo.write_bytes(b"\x89PNG")

    assert pdf._local_file(f"{settings.SITE_URL}/static/css/portal.css") == Path(
        settings.BASE_DIR / "static" / "css" / "portal.css"
    )
    assert pdf._local_file(f"{settings.SITE_URL}/media/organizations/logos/stj.png") == logo.resolve()


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on this machine that records every request made to it."""
    requests: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_render_pdf_fetches_nothing_from_elsewhere(listener: tuple[str, list[str]]) -> None:
    address, requests = listener
    html = f"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="{address}/style.css">
    <style>body {{ background: url("{address}/background.png"); }}</style>
    </head><body>
    <h1>Protocol of Cooperation</h1>
    <img src="http://example.com/x.png" alt="">
    <img src="{address}/x.png" alt="">
    <img src="file:///etc/passwd" alt="">
    <img src="/media/../../etc/passwd" alt="">
    </body></html>"""

    body = pdf.render_pdf(html)

    assert body.startswith(b"%PDF-")
    assert "Protocol of Cooperation" in pypdf_text(body)
    assert "root:" not in pypdf_text(body)
    assert requests == []


# A real worker ------------------------------------------------------------------------------------------

WORKER_REDIS_DB = 15  # a database of its own: the tests' cache is cleared (FLUSHDB) before every test


def _redis_url(base: str, database: int) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{database}"))


def test_real_worker_renders_the_pdf(
    transactional_db: None, settings: Any, private_media: Path, tmp_path: Path
) -> None:
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does) to run a real Celery worker")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker must reach the test database (set DATABASE_URL, as CI does)")
    import redis

    broker_url = _redis_url(settings.REDIS_URL, WORKER_REDIS_DB)
    broker = redis.Redis.from_url(broker_url)
    broker.delete(WORKER_QUEUE)
    # The page's "already queued" mark goes there too: the tests' cache database is flushed before every test,
    # by this run or by another one sharing the Redis server, and a lost mark queues the task again.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker_url}}
    protocol = make_protocol()
    address = f"/en/agreements/{protocol.slug}/pdf/"
    log = tmp_path / "worker.log"
    try:
        with publishing_to(broker_url):
            client = Client()

            waiting = client.get(address)

            assert waiting.status_code == 202
            assert "Preparing the PDF" in waiting.content.decode()
            # The task is on the broker, waiting for a worker.
            [message] = [json.loads(raw) for raw in broker.lrange(WORKER_QUEUE, 0, -1)]
            assert message["headers"]["task"] == "portal.tasks.render_pdf"
            assert stored_pdfs(private_media) == []

            with pdf_worker(broker_url, private_media, log) as worker:
                response = wait_for_pdf(client, address, worker, log)

                assert PROTOCOL_TITLE in pypdf_text(pdf_body(response))
                assert len(stored_pdfs(private_media)) == 1
                assert "portal.tasks.render_pdf" in worker_log(log)
                assert broker.llen(WORKER_QUEUE) == 0
    finally:
        leftovers = [*broker.keys("celery-task-meta-*"), *broker.keys(":1:pdf-queued:*"), *broker.keys("_kombu.*")]
        broker.delete(WORKER_QUEUE, "unacked", "unacked_index", *leftovers)
        broker.close()
