"""Uploading a recording through the service, as the web form and the CLI do."""

from pathlib import Path

from django.core.files import File
from django.urls import reverse

from dossiers import services
from transcription.models import PipelineJob


def upload(consultation, path: Path, user, *, enqueue: bool = False, **kwargs) -> PipelineJob:
    """Store ``path`` for ``consultation``; without a broker unless ``enqueue``."""
    with open(path, "rb") as handle:
        return services.recording_upload(
            consultation=consultation,
            audio=File(handle, name=str(path)),
            original_name=path.name,
            uploaded_by=user,
            enqueue=enqueue,
            **kwargs,
        ).jobs.get()


def post_recording(client, dossier, path: Path):
    """The clinician's upload through the dossier page's form (a new consultation with its
    recording consent and audio), as the browser sends it."""
    with open(path, "rb") as audio:
        return client.post(
            reverse("dossiers:dossier_detail", args=[dossier.pk]),
            {
                "date": "2026-11-20",
                "modality": "teleconsultation",
                "participants": "pédopsychiatre, mère",
                "recording_consent": "on",
                "consent_given_by": "mère",
                "audio": audio,
            },
        )
