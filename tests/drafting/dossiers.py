"""A dossier drafted through the real services: consultations transcribed (by a fake
transcriber returning synthetic turns), then drafted."""

import datetime

from dossiers import services
from dossiers.models import Consultation
from drafting import services as drafting
from tests.drafting.transcripts import transcript
from tests.fakes import FakeTranscriber
from tests.uploads import upload
from transcription import pipeline as transcription_pipeline
from transcription.engine import TranscribedSegment

SECOND_SESSION = [
    ("clinicien", "Est-ce qu'il répond à son prénom maintenant ?"),
    ("parent", "Oui, il se retourne quand on l'appelle par son prénom."),
]


def consult(dossier, user, wav, turns, *, day):
    consultation = services.consultation_create(
        dossier=dossier,
        date=datetime.date(2026, 11, day),
        modality=Consultation.Modality.TELECONSULTATION,
        participants="pédopsychiatre, mère",
        recording_consent=True,
        consent_given_by="mère",
        created_by=user,
    )
    job = upload(consultation, wav, user)
    segments = [
        TranscribedSegment(s["start"], s["end"], s["text"], speaker=s["speaker"], confidence=0.9)
        for s in transcript(turns)["segments"]
    ]
    transcription_pipeline.recording_transcribe(
        job_id=job.pk, transcriber=FakeTranscriber(segments)
    )
    return consultation


def drafted(dossier, *, engine="extractive"):
    report = dossier.reports.get()
    run = drafting.draft_run_request(report=report, enqueue=False)
    return drafting.draft_run_execute(run_id=run.pk, engine=engine)
