"""The legal representative's consents, per consultation: to the recording and its
automatic processing, and to sharing the report with the care team; who, in what capacity,
when, recorded by whom. Without the first nothing is processed; without the second an
external member of the team never sees the signed report."""

import datetime
import html
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEvent
from dossiers import services
from dossiers.models import Consultation
from reports.models import Report
from reports.review.services import report_correction_start
from sharing.services import report_share
from tests.documents.pdf.door import pdf_through_the_door
from tests.fakes import FakeTranscriber
from tests.reports.conftest import sign
from tests.uploads import upload
from transcription import pipeline as transcription_pipeline
from transcription.models import PipelineJob, Transcript


def text(response) -> str:
    return html.unescape(response.content.decode())


def consultation_create(dossier, user, **consent) -> Consultation:
    defaults = {"recording_consent": True, "consent_given_by": "Mme Martin"}
    return services.consultation_create(
        dossier=dossier,
        date=datetime.date(2026, 11, 2),
        modality=Consultation.Modality.TELECONSULTATION,
        participants="pédopsychiatre, mère",
        created_by=user,
        **(defaults | consent),
    )


def consent_post(client, consultation, **fields):
    data = {
        "consent_given_by": "Mme Martin",
        "consent_relationship": Consultation.Relationship.MOTHER,
        "recording_consent": "on",
        "sharing_consent": "on",
    } | fields
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("dossiers:consultation_consent", args=[consultation.pk]), data)


# --- Capture --------------------------------------------------------------------------------


def test_the_upload_form_captures_who_in_what_capacity_and_for_what(
    client, alice, dossier, tone_wav
):
    client.force_login(alice)
    url = reverse("dossiers:dossier_detail", args=[dossier.pk])
    audio = SimpleUploadedFile("seance.wav", tone_wav.read_bytes(), content_type="audio/wav")
    response = client.post(
        url,
        {
            "date": "2026-11-02",
            "modality": Consultation.Modality.TELECONSULTATION,
            "participants": "pédopsychiatre, mère, enfant",
            "consent_given_by": "Mme Martin",
            "consent_relationship": Consultation.Relationship.MOTHER,
            "recording_consent": "on",
            "sharing_consent": "on",
            "audio": audio,
        },
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.recording_consent and consultation.sharing_consent
    assert consultation.consent_given_by == "Mme Martin"
    assert consultation.consent_relationship == Consultation.Relationship.MOTHER
    assert consultation.consent_recorded_at is not None
    assert consultation.consent_recorded_by == alice
    audit = AuditEvent.objects.get(object_type="consultation", action=AuditEvent.Action.CREATE)
    assert audit.detail == "consentements : enregistrement oui, partage oui (déclarés par : mère)"
    assert "Martin" not in audit.detail  # the representative's name stays out of the log

    page = text(client.get(url))
    assert "donné par Mme Martin (mère)" in page
    assert "enregistré par" in page


def test_the_upload_form_asks_for_each_consent_separately(client, alice, dossier):
    client.force_login(alice)
    page = text(client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])))
    assert "Consentement du représentant légal" in page
    assert 'name="consent_relationship"' in page and 'name="sharing_consent"' in page
    assert "enregistrement de la consultation et à son traitement automatique" in page
    assert "partage du compte rendu signé avec l'équipe de soins" in page


def test_upload_without_recording_consent_is_refused(dossier, alice, tone_wav, settings):
    consultation = consultation_create(
        dossier, alice, recording_consent=False, consent_given_by="", sharing_consent=False
    )
    with pytest.raises(services.ServiceError) as refused:
        upload(consultation, tone_wav, alice)
    assert refused.value.message == services.CONSENT_MISSING
    assert not PipelineJob.objects.exists()


def test_sharing_consent_needs_to_know_who_gave_it(dossier, alice):
    with pytest.raises(services.ServiceError, match="qui a donné le consentement au partage"):
        consultation_create(
            dossier, alice, recording_consent=False, consent_given_by="", sharing_consent=True
        )


# --- Recording consent withdrawn: nothing more is processed ---------------------------------


def test_withdrawing_recording_consent_stops_the_queued_transcription(dossier, alice, tone_wav):
    consultation = consultation_create(dossier, alice)
    job = upload(consultation, tone_wav, alice)

    services.consultation_consent_set(
        consultation=consultation,
        recording_consent=False,
        sharing_consent=False,
        given_by="Mme Martin",
        relationship=Consultation.Relationship.MOTHER,
        user=alice,
    )
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.FAILED
    assert job.error_message == services.RECORDING_CONSENT_WITHDRAWN

    # A redelivered task does not start it again.
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.FAILED
    assert "consentement du représentant légal à l'enregistrement a été retiré" in (
        job.error_message
    )
    assert not Transcript.objects.exists()
    # And no new recording is accepted.
    with pytest.raises(services.ServiceError, match="consentement du représentant légal"):
        upload(consultation, tone_wav, alice)


def test_the_pipeline_refuses_to_start_a_job_without_recording_consent(dossier, alice, tone_wav):
    consultation = consultation_create(dossier, alice)
    job = upload(consultation, tone_wav, alice)
    # Withdrawn by any path (the admin, a script): the pipeline checks for itself.
    Consultation.objects.filter(pk=consultation.pk).update(recording_consent=False)

    assert transcription_pipeline.job_prepare(job_id=job.pk) == []
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.FAILED
    assert job.error_message == services.RECORDING_CONSENT_WITHDRAWN
    assert not job.chunks.exists()


def test_the_pipeline_stores_nothing_when_consent_is_withdrawn_mid_way(dossier, alice, tone_wav):
    consultation = consultation_create(dossier, alice)
    job = upload(consultation, tone_wav, alice)

    class WithdrawnWhileTranscribing(FakeTranscriber):
        def transcribe(self, *args, **kwargs):
            Consultation.objects.filter(pk=consultation.pk).update(recording_consent=False)
            return super().transcribe(*args, **kwargs)

    for chunk_id in transcription_pipeline.job_prepare(job_id=job.pk, dispatch=False):
        transcription_pipeline.chunk_transcribe(
            chunk_id=chunk_id, transcriber=WithdrawnWhileTranscribing()
        )

    job.refresh_from_db()
    assert job.status == PipelineJob.Status.FAILED
    assert not Transcript.objects.exists() and not Report.objects.exists()


# --- The consent form on the dossier page ---------------------------------------------------


def test_recording_and_withdrawing_sharing_consent_from_the_dossier_page(
    client, dossier, alice, charlie
):
    consultation = consultation_create(dossier, alice)
    client.force_login(charlie)  # the coordinator collects consents too
    response = consent_post(client, consultation)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#consultation-{consultation.pk}")
    consultation.refresh_from_db()
    assert consultation.sharing_consent and consultation.recording_consent
    assert consultation.consent_recorded_by == charlie
    assert consultation.consent_relationship == Consultation.Relationship.MOTHER

    response = consent_post(client, consultation, sharing_consent=None)
    consultation.refresh_from_db()
    assert not consultation.sharing_consent and consultation.recording_consent
    details = list(
        AuditEvent.objects.filter(object_type="consultation", action=AuditEvent.Action.UPDATE)
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details == [
        "consentements : enregistrement oui, partage oui (déclarés par : mère)",
        "consentements : enregistrement oui, partage non (déclarés par : mère)",
    ]
    page = text(client.get(response["Location"]))
    assert "Consentements enregistrés" in page
    assert (
        'action="{}"'.format(reverse("dossiers:consultation_consent", args=[consultation.pk]))
        in page
    )


def test_consent_form_refuses_without_who_or_capacity(client, dossier, alice):
    consultation = consultation_create(dossier, alice)
    client.force_login(alice)
    response = consent_post(client, consultation, consent_relationship="")
    page = text(client.get(response["Location"]))
    assert "Consentements non enregistrés" in page and "Qualité" in page
    consultation.refresh_from_db()
    assert not consultation.sharing_consent


def test_only_the_care_team_records_consent(client, dossier, alice, bob, dora):
    from dossiers.models import DossierMember

    services.dossier_member_add(dossier=dossier, user=dora, role=DossierMember.Role.EXTERNAL)
    consultation = consultation_create(dossier, alice)
    for user in (bob, dora):
        client.force_login(user)
        assert consent_post(client, consultation).status_code == 404
    url = reverse("dossiers:consultation_consent", args=[consultation.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 405
    consultation.refresh_from_db()
    assert not consultation.sharing_consent


# --- Sharing: an external member sees a signed report only with the consent -----------------


@pytest.fixture
def signed(drafted_report, alice, charlie) -> Report:
    return sign(drafted_report, clinician=alice, coordinator=charlie)


def test_external_member_sees_a_signed_report_only_once_sharing_is_consented(
    client, signed, alice, dora
):
    report_url = reverse("drafting:report_detail", args=[signed.pk])
    dossier_url = reverse("dossiers:dossier_detail", args=[signed.dossier_id])
    consultations = list(signed.dossier.consultations.all())
    assert len(consultations) == 2 and not any(c.sharing_consent for c in consultations)

    client.force_login(dora)
    assert client.get(report_url).status_code == 404
    assert "Aucun document partagé pour l'instant." in text(client.get(dossier_url))

    # The clinician is told why it is not shared, with links to record the consent.
    client.force_login(alice)
    page = text(client.get(report_url))
    assert "Partage impossible : le consentement du représentant légal au partage manque" in page
    for consultation in consultations:
        assert f"{dossier_url}#consultation-{consultation.pk}" in page

    # Consent for one consultation of two is not enough.
    consent_post(client, consultations[0])
    client.force_login(dora)
    assert client.get(report_url).status_code == 404

    client.force_login(alice)
    consent_post(client, consultations[1])
    # Consent given, and still nothing until the clinician shares it with her by name.
    client.force_login(dora)
    assert client.get(report_url).status_code == 404
    report_share(report=signed, recipient=dora, user=alice)
    client.force_login(alice)
    assert "Partagé avec : Dora" in text(client.get(report_url))

    client.force_login(dora)
    response = client.get(report_url)
    assert response.status_code == 200
    page = text(response)
    assert "Document partagé avec l'équipe de soins" in page
    assert signed.signed_sha256 in page
    body = signed.sections.exclude(body="").first().body
    assert body.split("\n")[0] in page
    # The signed text only: no transcripts, no audio, no drafts, no review.
    assert "Transcriptions" not in page and "<audio" not in page
    assert "/enregistrements/" not in page and "Proposition" not in page
    assert "Historique" not in page and "/statut/" not in page
    assert report_url in text(client.get(dossier_url))

    # Withdrawn: gone again at once.
    client.force_login(alice)
    consent_post(client, consultations[1], sharing_consent=None)
    client.force_login(dora)
    assert client.get(report_url).status_code == 404


def test_external_member_is_told_a_signed_version_was_replaced(
    client, signed, alice, charlie, dora
):
    for consultation in signed.dossier.consultations.all():
        Consultation.objects.filter(pk=consultation.pk).update(sharing_consent=True)
    report_share(report=signed, recipient=dora, user=alice)
    correction = report_correction_start(report=signed, user=alice)
    sign(correction, clinician=alice, coordinator=charlie)

    client.force_login(dora)
    page = text(client.get(reverse("drafting:report_detail", args=[signed.pk])))
    assert "Cette version a été corrigée" in page
    assert reverse("drafting:report_detail", args=[correction.pk]) in page
    dossier_page = text(client.get(reverse("dossiers:dossier_detail", args=[signed.dossier_id])))
    assert "remplacé par la version 2" in dossier_page


@pytest.mark.rendering
def test_external_member_pdf_has_no_transcripts(client, signed, dora, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    import subprocess

    Consultation.objects.filter(dossier=signed.dossier).update(sharing_consent=True)
    report_share(report=signed, recipient=dora, user=signed.signed_by)
    client.force_login(dora)
    response = pdf_through_the_door(client, signed)
    assert response.document.audience == "recipient"
    path = tmp_path / "cr.pdf"
    path.write_bytes(response.pdf)
    pdf = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "transcriptions" not in pdf.lower()


# --- The command line -----------------------------------------------------------------------


@pytest.fixture
def fake_transcriber(monkeypatch, settings):
    settings.DRAFT_AFTER_TRANSCRIPTION = False
    monkeypatch.setattr(transcription_pipeline, "get_transcriber", FakeTranscriber)


def test_process_recording_records_the_sharing_consent_when_asked(
    protocol, tone_wav, fake_transcriber
):
    call_command(
        "process_recording",
        str(tone_wav),
        "--protocol",
        protocol.slug,
        "--engine",
        "extractive",
        "--sharing-consent",
        verbosity=0,
    )
    consultation = Consultation.objects.get()
    assert consultation.recording_consent and consultation.sharing_consent
    assert consultation.consent_recorded_by.username == services.CLI_OPERATOR_USERNAME


def test_process_recording_without_the_flag_records_no_sharing_consent(
    protocol, tone_wav, fake_transcriber
):
    call_command("process_recording", str(tone_wav), "--protocol", protocol.slug, verbosity=0)
    consultation = Consultation.objects.get()
    assert consultation.recording_consent and not consultation.sharing_consent


def test_process_recording_does_not_attest_consent_for_an_existing_consultation(
    dossier, alice, protocol, tone_wav
):
    consultation = consultation_create(dossier, alice)
    with pytest.raises(CommandError, match="ne vaut que pour un nouveau dossier"):
        call_command(
            "process_recording",
            str(tone_wav),
            "--protocol",
            protocol.slug,
            "--consultation",
            str(consultation.pk),
            "--sharing-consent",
            verbosity=0,
        )
    assert not PipelineJob.objects.exists()
