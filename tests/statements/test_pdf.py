"""The printable statement: rendered by the one rendering task under its content hash, a waiting page meanwhile."""

from __future__ import annotations

from typing import Any

import pytest
from pypdf import PdfReader

from portal import pdf, tasks
from statements import services
from statements.models import Statement
from tests.factories import EndorsementFactory, OrganizationFactory
from tests.statements.conftest import client_for, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    # Stands for a worker that has not picked the task up yet: the view must answer at once with the
    # waiting page, and queue the task once however often that page reloads.
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.render_pdf, "delay", lambda *args: calls.append(args))
    return calls


def html_of(statement: Statement, language: str = "en") -> str:
    return services.statement_pdf_html(Statement.objects.get(pk=statement.pk), language)


def test_waiting_page_while_the_pdf_is_rendered(letter: Statement, queued: list[tuple[Any, ...]]) -> None:
    first = client_for().get(url(letter, "pdf/", "ar"))
    second = client_for().get(url(letter, "pdf/", "ar"))

    assert first.status_code == second.status_code == 202
    assert '<meta http-equiv="refresh" content="2">' in first.content.decode()
    assert queued == [("statement", letter.pk, "ar", html_of(letter, "ar"))]


def test_pdf_is_served_once_the_task_has_run(letter: Statement, queued: list[tuple[Any, ...]]) -> None:
    client_for().get(url(letter, "pdf/"))
    tasks.render_pdf(*queued[0])

    response = client_for().get(url(letter, "pdf/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_task_is_idempotent_and_a_change_makes_a_new_file(letter: Statement) -> None:
    first = tasks.render_pdf("statement", letter.pk, "en", html_of(letter))
    again = tasks.render_pdf("statement", letter.pk, "en", html_of(letter))
    EndorsementFactory(statement=letter, organization=OrganizationFactory(name_en="Massar Families Association"))
    changed = tasks.render_pdf("statement", letter.pk, "en", html_of(letter))

    assert first == again
    assert changed != first
    assert pdf.stored_pdf(changed.removesuffix(".pdf")).exists()


def test_the_task_prints_the_version_the_page_asked_for(letter: Statement, queued: list[tuple[Any, ...]]) -> None:
    client_for().get(url(letter, "pdf/"))
    EndorsementFactory(statement=letter, organization=OrganizationFactory(name_en="Massar Families Association"))

    stored = tasks.render_pdf(*queued[0])
    response = client_for().get(url(letter, "pdf/"))

    # The file is the version the first request hashed; the changed statement is a new version, queued anew.
    assert stored == f"{pdf.content_key(queued[0][3])}.pdf"
    assert response.status_code == 202
    assert len(queued) == 2
    assert queued[1][3] == html_of(letter)


def test_arabic_pdf_sets_english_names_left_to_right(letter: Statement) -> None:
    EndorsementFactory(
        statement=letter, organization=OrganizationFactory(name_en="Adopt a Revolution e.V.", name_ar="", acronym="")
    )

    html = html_of(letter, "ar")
    stored = tasks.render_pdf("statement", letter.pk, "ar", html)
    text = " ".join(page.extract_text() for page in PdfReader(pdf.stored_pdf(stored.removesuffix(".pdf"))).pages)

    assert '<li lang="en" dir="ltr"><bdi>Adopt a Revolution e.V.</bdi></li>' in html
    assert "Adopt a Revolution e.V." in text
    assert ".Adopt" not in text
    # The letter itself was written in English: left to right in the Arabic PDF too.
    assert "We call on all Member States to stop reprisals against human rights defenders." in text
