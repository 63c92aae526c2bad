"""The report PDF, read back with pdftotext as a person would read it."""

import shutil
import subprocess

import pytest
from django.core.files import File

from reports import services, transcription_pipeline
from reports.models import Report
from reports.pdf import RefusedURL, StaticOnlyURLFetcher, render_report_pdf
from tests.factories import ConsultationFactory
from tests.fakes import FakeTranscriber


def pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is not installed (make test installs poppler-utils).")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def report(dossier, alice, tone_wav) -> Report:
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with open(tone_wav, "rb") as handle:
        job = services.recording_upload(
            consultation=consultation,
            audio=File(handle, name=str(tone_wav)),
            original_name="seance.wav",
            uploaded_by=alice,
            enqueue=False,
        )
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    return Report.objects.get(dossier=dossier)


def test_pdf_shows_patient_identification_sections_and_transcript(report, tmp_path):
    text = pdf_text(render_report_pdf(report), tmp_path)
    assert "LM" in text
    assert report.dossier.patient.code in text
    for title in ("Motif de la demande", "Anamnèse", "Conclusion"):
        assert title in text
    assert "Il aligne ses petites voitures." in text
    assert "Page 1 / 2" in text  # the transcript annex starts on its own page


def test_hostile_section_text_renders_as_text_and_fetches_nothing(report, tmp_path, monkeypatch):
    fetched = []
    original = StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyURLFetcher, "fetch", spy)
    section = report.sections.first()
    section.body = (
        '<img src="http://127.0.0.1:9/pixel.png"> <link rel="stylesheet" href="file:///etc/passwd">'
        '<style>body { background: url("http://127.0.0.1:9/x.png") }</style>'
    )
    section.save()

    text = pdf_text(render_report_pdf(report), tmp_path)

    # Escaped by the template: shown as text, never parsed as HTML, so nothing is fetched
    # but our own stylesheet.
    assert '<img src="http://127.0.0.1:9/pixel.png">' in text.replace("\n", " ")
    assert all(url.startswith("https://static.neddie.invalid/static/") for url in fetched)
    assert any(url.endswith("print.css") for url in fetched)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/static/neddie/print.css",
        "https://static.neddie.invalid/etc/passwd",
        "https://static.neddie.invalid/static/../settings.py",
        "data:text/css,body{}",
    ],
)
def test_url_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(RefusedURL):
        StaticOnlyURLFetcher().fetch(url)


def test_url_fetcher_serves_our_stylesheet():
    response = StaticOnlyURLFetcher().fetch("https://static.neddie.invalid/static/neddie/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
