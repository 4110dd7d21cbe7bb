"""How long an edition's PDF takes, and how much of that is the portal's own doing.

Run from the project folder: `python bench/pdf.py` (the embedded SQLite) or with DATABASE_URL set. It builds a
12-page edition with photos, then measures, as medians over RUNS runs:

(a) the project's render: newsletters.services.edition_html + portal.pdf.render_pdf;
(b) WeasyPrint alone on the same final HTML, with the same URL fetcher, so the photos load;
(c) serving the already rendered PDF through the Django test client.

Each figure is given in wall-clock time and in CPU time of this process. The last line is `overhead <ratio>`,
(a) / (b) in CPU time: other programs on a busy machine inflate wall-clock times at random, and would make the
ratio say more about them than about the portal. Nothing is left behind: the rows are written in a transaction
that is rolled back (or, when the database is not migrated, in a throwaway test database), and the photos
and the PDF in a temporary folder that is removed.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SECTIONS = 9  # a cover, the contents, the introduction and a page per section: 12 pages
SERVE_RUNS = 20

# Photos and PDFs go to a temporary folder; settings read these when Django starts.
WORK_DIR = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
os.environ["MEDIA_ROOT"] = str(WORK_DIR / "media")
os.environ["PRIVATE_MEDIA_ROOT"] = str(WORK_DIR / "private")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from newsletters import services  # noqa: E402
from newsletters.models import Edition, Item, Publication, Section  # noqa: E402
from organizations.models import Organization  # noqa: E402
from portal import pdf  # noqa: E402

PARAGRAPH = (
    "<p>Families of the forcibly disappeared met in Gaziantep to share what they know of their relatives, to "
    "learn how the Independent Institution on Missing Persons will take their testimonies, and to agree on what "
    "they ask of it. Lawyers from the association explained the next steps of the cases before European "
    "courts.</p>"
)


def photo(seed: int) -> bytes:
    """A 1600×1067 JPEG with enough detail to weigh what a real photo weighs."""
    image = Image.new("RGB", (1600, 1067), (29 + seed * 17 % 200, 78, 95))
    draw = ImageDraw.Draw(image)
    for n in range(0, 1600, 40):
        draw.line([(n, 0), (1600 - n, 1067)], fill=((n * 7 + seed * 31) % 255, 160, (n * 3) % 255), width=9)
    noise = Image.effect_noise((1600, 1067), 40).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(image, noise, 0.25).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def build_edition() -> Edition:
    owner = Organization.objects.create(
        slug=f"bench-{uuid.uuid4().hex[:12]}",
        name_en="Syrian Center for Media and Freedom of Expression",
        kind=Organization.Kind.CSO,
        status=Organization.Status.VERIFIED,
        is_host=True,
        verified_at=timezone.now(),
    )
    publication = Publication.objects.create(
        owner=owner, slug=owner.slug, title_en="The Newsletter of the Victim Support Project"
    )
    edition = Edition(
        publication=publication,
        number=1,
        title_en="Edition Number 3: April to September 2024",
        introduction_en=PARAGRAPH * 3,
        disclaimer_en="This document has been produced with the financial assistance of the European Union.",
        status=Edition.Status.PUBLISHED,
        published_on=timezone.localdate(),
    )
    edition.cover_photo.save("cover.jpg", ContentFile(photo(0)), save=False)
    edition.save()
    for number in range(1, SECTIONS + 1):
        section = Section.objects.create(edition=edition, position=number, title_en=f"Activities, part {number}")
        item = Item(
            section=section,
            position=1,
            title_en=f"Discussion session {number} with the families of the missing",
            body_en=PARAGRAPH,
            photo_credit_en="Photo: the association",
        )
        item.photo.save(f"item-{number}.jpg", ContentFile(photo(number)), save=False)
        item.save()
    return edition


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self, action: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    def median_ms(self) -> tuple[float, float]:
        return statistics.median(self.wall) * 1000, statistics.median(self.cpu) * 1000

    def line(self, label: str) -> str:
        wall, cpu = self.median_ms()
        return f"{label}: median {wall:.1f} ms wall-clock, {cpu:.1f} ms CPU over {len(self.wall)} runs"


def project_url_fetcher(html: str) -> Any:
    """The URL fetcher portal.pdf.render_pdf gives WeasyPrint (it is built inside that function, so catch it on
    the way in); the render doubles as the warm-up that loads fonts."""
    import weasyprint

    real = weasyprint.HTML
    seen: dict[str, Any] = {}

    class Watching(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            seen.update(kwargs)
            super().__init__(*args, **kwargs)

    weasyprint.HTML = Watching
    try:
        pdf.render_pdf(html)
    finally:
        weasyprint.HTML = real
    return seen["url_fetcher"]


def database_ready() -> bool:
    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False


@contextmanager
def throwaway_data() -> Iterator[None]:
    """Rows written inside are gone afterwards."""
    if database_ready():
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
        return
    print("The database is not migrated: using a throwaway test database (migrating it takes a while).")
    name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":  # SQLite's test database is in memory
        connection.settings_dict["TEST"]["NAME"] = f"bench_pdf_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def main() -> None:
    import weasyprint
    from django.conf import settings

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    with throwaway_data():
        edition = build_edition()
        html = services.edition_html(edition, "en")
        fetcher = project_url_fetcher(html)

        def project() -> bytes:
            return pdf.render_pdf(services.edition_html(edition, "en"))

        def weasyprint_alone() -> bytes:
            return weasyprint.HTML(string=html, base_url=settings.SITE_URL, url_fetcher=fetcher).write_pdf()

        # Alternate the two so that a slower moment of the machine weighs on both alike.
        project_times, alone_times = Timings(), Timings()
        for _run in range(RUNS):
            rendered = project_times.run(project)
            alone_times.run(weasyprint_alone)
        stored = pdf.stored_pdf(pdf.content_key(html))
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(rendered)

        client = Client()
        url = f"/en/bulletins/{edition.publication.slug}/{edition.number}/pdf/"

        def serve() -> None:
            response = client.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, response.status_code
            # Reading the stream to its end closes the response, as a WSGI server would.
            assert b"".join(response.streaming_content) == rendered

        serve_times = Timings()
        for _run in range(SERVE_RUNS):
            serve_times.run(serve)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(rendered)).pages)
        photos = sum(1 for path in (WORK_DIR / "media").rglob("*.jpg"))

    print(f"database: {connection.vendor}")
    print(f"edition: {pages} pages, {photos} photos, PDF {len(rendered) / 1024:.0f} KiB, HTML {len(html)} characters")
    print(project_times.line("(a) project render (edition_html + render_pdf)"))
    print(alone_times.line("(b) WeasyPrint alone on the same HTML"))
    print(serve_times.line("(c) serving the rendered PDF (test client)"))
    (project_wall, project_cpu), (alone_wall, alone_cpu) = project_times.median_ms(), alone_times.median_ms()
    print(f"(a) / (b): {project_wall / alone_wall:.2f} wall-clock, {project_cpu / alone_cpu:.2f} CPU")
    print(f"overhead {project_cpu / alone_cpu:.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)
