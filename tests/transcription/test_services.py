from pathlib import Path

import pytest

from dossiers import services
from reports.models import Report
from tests.factories import ConsultationFactory
from tests.fakes import FakeTranscriber
from tests.protocol_files import REPORT_PROTOCOL, import_published
from tests.uploads import upload
from transcription import pipeline as transcription_pipeline
from transcription.engine import TranscribedSegment, TranscribedWord
from transcription.models import PipelineJob, Transcript


def test_dossier_create_puts_creator_in_care_team(alice, protocol):
    dossier = services.dossier_create(
        initials="lm", birth_date=None, sex="F", protocols=[protocol], created_by=alice
    )
    assert dossier.patient.initials == "LM"
    assert dossier.patient.code.startswith("P-")
    assert list(dossier.team.all()) == [alice]


def test_dossier_create_refuses_a_name_instead_of_initials(alice, protocol):
    with pytest.raises(services.ServiceError):
        services.dossier_create(
            initials="Léo1", birth_date=None, sex="F", protocols=[protocol], created_by=alice
        )


def test_upload_stores_recording_under_a_random_name(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, enqueue=False)
    recording = job.recording
    assert job.status == PipelineJob.Status.QUEUED
    assert recording.duration_seconds == pytest.approx(3.0, abs=0.05)
    assert recording.sample_rate == 16_000 and recording.channels == 1
    assert len(recording.sha256) == 64
    assert "tone" not in recording.file.name  # the uploaded name never reaches the disk
    assert recording.file.name.endswith(".wav")
    assert Path(recording.file.path).read_bytes() == tone_wav.read_bytes()


def test_upload_dispatches_transcription_only_after_commit(
    dossier, alice, tone_wav, django_capture_on_commit_callbacks
):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(consultation, tone_wav, alice, enqueue=True)
    assert len(callbacks) == 1


def test_same_file_twice_for_one_consultation_is_refused(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    upload(consultation, tone_wav, alice, enqueue=False)
    with pytest.raises(services.ServiceError, match="déjà été déposé"):
        upload(consultation, tone_wav, alice, enqueue=False)
    assert consultation.recordings.count() == 1


def test_transcription_creates_report_skeleton_with_transcript(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, enqueue=False)
    fake = FakeTranscriber()

    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=fake)

    job.refresh_from_db()
    assert job.status == PipelineJob.Status.DONE and job.progress == 100
    report = Report.objects.get(dossier=dossier)
    assert [s.title for s in report.sections.all()] == [
        "Motif de la demande",
        "Anamnèse",
        "Conclusion",
    ]
    transcript = report.transcripts.get()
    assert [s.text for s in transcript.segments.all()] == [s.text for s in fake.segments]
    assert transcript.segments.first().speaker == "inconnu"


def test_transcription_twice_is_skipped_and_keeps_one_transcript(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, enqueue=False)
    fake = FakeTranscriber()
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=fake)
    assert transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=fake) is None
    assert len(fake.calls) == 1
    assert Transcript.objects.filter(recording=job.recording).count() == 1


def test_a_rerun_after_a_crash_replaces_the_transcript(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, enqueue=False)
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    # A worker died after storing but before acknowledging: the job is queued again.
    PipelineJob.objects.filter(pk=job.pk).update(status=PipelineJob.Status.QUEUED)
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    assert Transcript.objects.filter(recording=job.recording).count() == 1
    assert Report.objects.filter(dossier=dossier).count() == 1
    job.refresh_from_db()
    assert job.attempts == 2


def test_two_consultations_feed_one_draft_report(dossier, alice, tone_wav, french_speech):
    for path in (tone_wav, french_speech):
        consultation = ConsultationFactory(dossier=dossier, created_by=alice)
        job = upload(consultation, path, alice, enqueue=False)
        transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    report = Report.objects.get(dossier=dossier)
    assert report.transcripts.count() == 2


def test_transcription_gets_protocol_vocabulary_and_participant_roles(alice, tone_wav):
    version = import_published(
        REPORT_PROTOCOL.replace(
            "  sources: [Synthèse écrite pour les tests]",
            "  sources: [Synthèse écrite pour les tests]\n  vocabulary: [ADOS-2, Vineland]",
        )
    )
    dossier = services.dossier_create(
        initials="VB", birth_date=None, sex="F", protocols=[version.protocol], created_by=alice
    )
    consultation = ConsultationFactory(dossier=dossier, participants="orthophoniste, mère")
    job = upload(consultation, tone_wav, alice, enqueue=False)
    fake = FakeTranscriber()
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=fake)
    # The roles first: the prompt keeps only the first terms.
    assert fake.vocabularies == [["orthophoniste", "mère", "ADOS-2", "Vineland"]]


def test_word_timings_and_uncertainty_are_stored(dossier, alice, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, enqueue=False)
    words = (TranscribedWord(0.0, 0.4, " Il", 0.9), TranscribedWord(0.4, 1.1, " aligne", 0.3))
    fake = FakeTranscriber(
        [TranscribedSegment(0.0, 1.1, "Il aligne", low_confidence=True, words=words)]
    )
    transcription_pipeline.recording_transcribe(job_id=job.pk, transcriber=fake)
    segment = Transcript.objects.get(recording=job.recording).segments.get()
    assert segment.low_confidence
    assert segment.words == [
        {"start": 0.0, "end": 0.4, "word": " Il", "probability": 0.9},
        {"start": 0.4, "end": 1.1, "word": " aligne", "probability": 0.3},
    ]
