"""The web pages as a clinician sees them: who may open what, what each page shows, and
what a form stores. Outsiders get a 404, never a 403, so that ids cannot be probed."""

import datetime
import hashlib
import html
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Consultation, Dossier, DossierMember, Recording
from drafting.models import DraftRun
from drafting.services import draft_run_execute
from reports.models import Report
from tests.conftest import PASSWORD
from tests.documents.pdf.door import pdf_through_the_door
from tests.factories import DossierFactory, DossierMemberFactory, PatientFactory
from tests.fakes import FakeTranscriber
from tests.pathway_urls import pathway_url
from transcription import pipeline as transcription_pipeline
from transcription.engine import TranscribedSegment
from transcription.models import PipelineJob

LIST_URLS = ["dossier_list", "dossier_create"]
DOSSIER_URLS = ["dossier_detail", "dossier_jobs"]
REPORT_URLS = ["report_detail", "report_pdf"]
OBJECT_URLS = DOSSIER_URLS + REPORT_URLS


def record(dossier, path: Path, user) -> PipelineJob:
    """A consultation with its recording, through the services, without a broker."""
    with open(path, "rb") as handle:
        return services.consultation_record(
            dossier=dossier,
            date=datetime.date(2026, 11, 2),
            modality=Consultation.Modality.TELECONSULTATION,
            participants="pédopsychiatre, mère, enfant",
            recording_consent=True,
            consent_given_by="mère",
            audio=File(handle, name=str(path)),
            original_name=path.name,
            user=user,
            enqueue=False,
        ).jobs.get()


def transcribed_report(dossier, path: Path, user, transcriber=None) -> Report:
    job = record(dossier, path, user)
    transcription_pipeline.recording_transcribe(
        job_id=job.pk, transcriber=transcriber or FakeTranscriber()
    )
    return Report.objects.get(dossier=dossier)


@pytest.fixture
def report(dossier, alice, tone_wav):
    return transcribed_report(dossier, tone_wav, alice)


def url_for(name: str, dossier=None, report=None) -> str:
    if name in DOSSIER_URLS:
        return pathway_url(name, args=[dossier.pk])
    if name in REPORT_URLS:
        return pathway_url(name, args=[report.pk])
    return pathway_url(name)


def text(response) -> str:
    """The page as a reader sees it: entities such as &#x27; turned back into characters."""
    return html.unescape(response.content.decode())


def upload_form(audio, **overrides) -> dict:
    data = {
        "date": "2026-11-02",
        "modality": Consultation.Modality.TELECONSULTATION,
        "participants": "pédopsychiatre, mère, enfant",
        "recording_consent": "on",
        "consent_given_by": "mère",
        "audio": audio,
    }
    data.update(overrides)
    return data


# --- Who may open what -------------------------------------------------------------------


@pytest.mark.parametrize("name", LIST_URLS + OBJECT_URLS)
def test_anonymous_is_sent_to_login(client, report, name):
    url = url_for(name, dossier=report.dossier, report=report)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(url)}"


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_outsider_gets_404(client, bob, report, name):
    client.force_login(bob)
    response = client.get(url_for(name, dossier=report.dossier, report=report))
    assert response.status_code == 404


@pytest.mark.parametrize("user", ["alice", "charlie"])
@pytest.mark.parametrize("name", OBJECT_URLS)
def test_care_team_opens_every_page(client, request, report, user, name):
    client.force_login(request.getfixturevalue(user))
    response = client.get(url_for(name, dossier=report.dossier, report=report))
    assert response.status_code == 200


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_unknown_id_is_404(client, alice, report, name):
    client.force_login(alice)
    missing = 999_999
    assert not Dossier.objects.filter(pk=missing).exists()
    assert not Report.objects.filter(pk=missing).exists()
    response = client.get(pathway_url(name, args=[missing]))
    assert response.status_code == 404


def test_outsider_cannot_post_a_recording_into_a_dossier(client, bob, dossier, tone_wav):
    client.force_login(bob)
    response = client.post(
        url_for("dossier_detail", dossier=dossier),
        upload_form(SimpleUploadedFile("seance.wav", tone_wav.read_bytes())),
    )
    assert response.status_code == 404
    assert not Consultation.objects.exists()
    assert not Recording.objects.exists()


# --- Dossier list and creation -------------------------------------------------------------


@pytest.fixture
def other_dossier(bob):
    """A dossier of bob's team, which alice is not part of."""
    dossier = DossierFactory(patient=PatientFactory(initials="ZQ"), created_by=bob)
    DossierMemberFactory(dossier=dossier, user=bob)
    return dossier


def test_dossier_list_shows_only_my_dossiers(client, alice, dossier, other_dossier):
    client.force_login(alice)
    response = client.get(url_for("dossier_list"))
    assert response.status_code == 200
    page = text(response)
    assert ">LM</a>" in page
    assert dossier.patient.code in page
    assert other_dossier.patient.code not in page
    assert ">ZQ</a>" not in page


def test_outsider_list_does_not_show_alices_dossier(client, bob, dossier, other_dossier):
    client.force_login(bob)
    page = text(client.get(url_for("dossier_list")))
    assert other_dossier.patient.code in page
    assert dossier.patient.code not in page
    assert ">LM</a>" not in page


def test_empty_dossier_list_says_why(client, bob):
    client.force_login(bob)
    page = text(client.get(url_for("dossier_list")))
    assert "vous ne voyez que les dossiers dont vous faites partie" in page


def dossier_data(protocol, **overrides) -> dict:
    data = {"initials": "AB", "birth_date": "2020-03-14", "sex": "F", "protocols": [protocol.pk]}
    data.update(overrides)
    return data


def test_create_dossier_puts_me_in_the_team_and_opens_it(client, alice, protocol):
    client.force_login(alice)
    response = client.post(url_for("dossier_create"), dossier_data(protocol))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url_for("dossier_detail", dossier=dossier)
    assert dossier.patient.initials == "AB"
    assert dossier.patient.birth_date == datetime.date(2020, 3, 14)
    assert list(dossier.protocols.all()) == [protocol]
    assert list(dossier.team.all()) == [alice]
    assert dossier.members.get().role == DossierMember.Role.CLINICIAN

    page = text(client.get(response["Location"]))
    assert "Dossier créé." in page


def test_create_dossier_refuses_a_birth_date_in_the_future(client, alice, protocol):
    client.force_login(alice)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        url_for("dossier_create"), dossier_data(protocol, birth_date=tomorrow.isoformat())
    )
    assert response.status_code != 302
    assert "La date de naissance est dans le futur." in text(response)
    assert not Dossier.objects.exists()


def test_create_dossier_accepts_lowercase_initials(client, alice, protocol):
    client.force_login(alice)
    response = client.post(url_for("dossier_create"), dossier_data(protocol, initials="lm"))
    assert response.status_code == 302
    assert Dossier.objects.get().patient.initials == "LM"


def test_create_dossier_refuses_a_name_instead_of_initials(client, alice, protocol):
    client.force_login(alice)
    response = client.post(url_for("dossier_create"), dossier_data(protocol, initials="Léo"))
    assert response.status_code != 302
    assert "De une à quatre lettres majuscules" in text(response)
    assert not Dossier.objects.exists()


# --- Recording upload through the dossier page ----------------------------------------------


def test_upload_creates_consultation_recording_and_queued_job(
    client, alice, dossier, tone_wav, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    url = url_for("dossier_detail", dossier=dossier)
    audio = SimpleUploadedFile("seance.wav", tone_wav.read_bytes(), content_type="audio/wav")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, upload_form(audio))

    assert response.status_code == 302
    assert response["Location"] == url
    consultation = Consultation.objects.get()
    assert consultation.dossier == dossier
    assert consultation.recording_consent and consultation.consent_given_by == "mère"
    assert consultation.consent_recorded_at is not None
    recording = Recording.objects.get()
    assert recording.consultation == consultation
    assert recording.original_name == "seance.wav"
    assert recording.uploaded_by == alice
    job = PipelineJob.objects.get()
    assert job.recording == recording
    assert job.status == PipelineJob.Status.QUEUED
    # The transcription task is dispatched once the transaction commits, not before.
    assert len(callbacks) == 1

    page = text(client.get(url))
    assert "Enregistrement déposé : la transcription est en file d'attente." in page
    assert "donné par mère" in page


def test_coordinator_can_upload_too(client, charlie, dossier, tone_wav):
    client.force_login(charlie)
    audio = SimpleUploadedFile("seance.wav", tone_wav.read_bytes())
    response = client.post(url_for("dossier_detail", dossier=dossier), upload_form(audio))
    assert response.status_code == 302
    assert Recording.objects.get().uploaded_by == charlie


# --- Pipeline progress panel -----------------------------------------------------------------


@pytest.mark.parametrize("status", [PipelineJob.Status.QUEUED, PipelineJob.Status.RUNNING])
def test_jobs_panel_polls_while_work_is_under_way(client, alice, dossier, tone_wav, status):
    job = record(dossier, tone_wav, alice)
    PipelineJob.objects.filter(pk=job.pk).update(status=status, progress=40)
    client.force_login(alice)
    response = client.get(url_for("dossier_jobs", dossier=dossier))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'hx-trigger="every 2s"' in content
    assert f'hx-get="{url_for("dossier_jobs", dossier=dossier)}"' in content
    assert "<html" not in content  # a fragment, not a whole page
    assert "40 %" in content


def test_jobs_panel_stops_polling_once_done(client, alice, dossier, tone_wav):
    job = record(dossier, tone_wav, alice)
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    client.force_login(alice)
    # The transcript queued the report's draft: the panel follows it until it is done too.
    assert "hx-trigger" in text(client.get(url_for("dossier_jobs", dossier=dossier)))
    run = DraftRun.objects.get(status="queued")
    draft_run_execute(run_id=run.pk)
    response = client.get(url_for("dossier_jobs", dossier=dossier))
    content = text(response)
    assert "hx-trigger" not in content
    assert "terminé" in content
    assert "100 %" in content


def test_failed_job_shows_its_reason(client, alice, dossier, tone_wav):
    job = record(dossier, tone_wav, alice)
    transcription_pipeline.job_fail(
        job_id=job.pk, reason="Le modèle de transcription est introuvable."
    )
    client.force_login(alice)
    content = text(client.get(url_for("dossier_jobs", dossier=dossier)))
    assert "échec" in content
    assert "Le modèle de transcription est introuvable." in content
    assert "hx-trigger" not in content


def test_dossier_page_embeds_the_polling_panel(client, alice, dossier, tone_wav):
    record(dossier, tone_wav, alice)
    client.force_login(alice)
    response = client.get(url_for("dossier_detail", dossier=dossier))
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_dossier_without_jobs_says_so(client, alice, dossier):
    client.force_login(alice)
    content = text(client.get(url_for("dossier_jobs", dossier=dossier)))
    assert "Aucun traitement." in content
    assert "hx-trigger" not in content


# --- Report and PDF ---------------------------------------------------------------------------


def test_report_shows_sections_in_protocol_order_and_transcript(client, alice, report):
    client.force_login(alice)
    response = client.get(url_for("report_detail", report=report))
    page = text(response)
    titles = ["1. Motif de la demande", "2. Anamnèse", "3. Conclusion"]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    segments = ["Bonjour, nous commençons la séance.", "Il aligne ses petites voitures."]
    assert page.index(segments[0]) < page.index(segments[1])
    assert url_for("report_pdf", report=report) in page


def test_dossier_page_links_to_its_report(client, alice, report):
    client.force_login(alice)
    page = text(client.get(url_for("dossier_detail", dossier=report.dossier)))
    assert url_for("report_detail", report=report) in page
    assert url_for("report_pdf", report=report) in page


@pytest.mark.rendering
def test_report_pdf_is_a_pdf_download(client, alice, report):
    client.force_login(alice)
    response = pdf_through_the_door(client, report)
    assert response["Content-Type"] == "application/pdf"
    assert response.pdf.startswith(b"%PDF")
    code = report.dossier.patient.code
    assert response["Content-Disposition"] == (
        f'attachment; filename="compte-rendu-{code}-v1-brouillon-{response.document.pk}.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    assert hashlib.sha256(response.pdf).hexdigest() == response.document.sha256


def test_model_output_is_escaped_in_the_report_page(client, alice, dossier, tone_wav):
    transcriber = FakeTranscriber(
        [TranscribedSegment(0.0, 2.0, "<script>alert(1)</script>", confidence=0.5)]
    )
    report = transcribed_report(dossier, tone_wav, alice, transcriber)
    report.sections.filter(key="conclusion").update(body='<img src="x" onerror="alert(2)">')
    client.force_login(alice)
    content = client.get(url_for("report_detail", report=report)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<img" not in content
    assert "&lt;img" in content


@pytest.mark.rendering
def test_model_output_does_not_break_the_pdf(client, alice, dossier, tone_wav):
    transcriber = FakeTranscriber(
        [TranscribedSegment(0.0, 2.0, '<img src="file:///etc/passwd">', confidence=0.5)]
    )
    report = transcribed_report(dossier, tone_wav, alice, transcriber)
    client.force_login(alice)
    response = pdf_through_the_door(client, report)
    assert response.pdf.startswith(b"%PDF")


# --- Security headers and login ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["dossier_list", "dossier_detail", "report_detail"])
def test_pages_carry_a_content_security_policy(client, alice, report, name):
    client.force_login(alice)
    response = client.get(url_for(name, dossier=report.dossier, report=report))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_login_page_is_in_french_with_a_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="fr">' in page
    assert "<h1>Connexion</h1>" in page
    assert "Mot de passe" in page
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_good_login_opens_the_dossier_list(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:dossier_list")
    assert client.get(reverse("dossiers:dossier_list")).status_code == 200


def test_login_returns_to_the_page_asked_for(client, alice, dossier):
    url = url_for("dossier_detail", dossier=dossier)
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD, "next": url}
    )
    assert response.status_code == 302
    assert response["Location"] == url


def test_bad_password_is_refused_in_french(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "mauvais"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in text(response)
    assert client.get(reverse("dossiers:dossier_list")).status_code == 302
