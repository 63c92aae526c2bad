"""A bad recording is refused with a clear French message, and nothing of it is kept:
no consultation, no recording, no job, no file under MEDIA_ROOT."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import services
from dossiers.models import Consultation, Recording
from tests.factories import ConsultationFactory
from transcription.models import PipelineJob

NOT_AUDIO = "n'est pas un enregistrement audio lisible"
CONSENT = "consentement du représentant légal"
TEXT_CONTENT = "Compte rendu de séance : ceci n'est pas de l'audio.\n".encode() * 40


def form_data(audio, **overrides) -> dict:
    data = {
        "date": "2026-11-02",
        "modality": Consultation.Modality.TELECONSULTATION,
        "participants": "pédopsychiatre, mère, enfant",
        "recording_consent": "on",
        "consent_given_by": "mère",
        "audio": audio,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def wav_upload(path: Path, name: str = "seance.wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, path.read_bytes(), content_type="audio/wav")


def stored_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def assert_nothing_stored(media_root, *, consultations: int = 0) -> None:
    assert Consultation.objects.count() == consultations
    assert not Recording.objects.exists()
    assert not PipelineJob.objects.exists()
    assert stored_files(Path(media_root) / "recordings") == []


@pytest.fixture
def post_upload(client, alice, dossier):
    """Alice posts the consultation form on her dossier's page."""
    client.force_login(alice)
    url = reverse("dossiers:dossier_detail", args=[dossier.pk])

    def post(audio, **overrides):
        return client.post(url, form_data(audio, **overrides))

    return post


def refused_with(response, message: str) -> None:
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert 'role="alert"' in page or 'class="error"' in page


# --- Through the web form ---------------------------------------------------------------------


def test_text_file_named_mp3_is_refused(post_upload, settings):
    response = post_upload(SimpleUploadedFile("seance.mp3", TEXT_CONTENT, "audio/mpeg"))
    refused_with(response, NOT_AUDIO)
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_empty_file_is_refused(post_upload, settings):
    response = post_upload(SimpleUploadedFile("seance.wav", b"", "audio/wav"))
    # Django's own file field refuses it before the service sees it.
    refused_with(response, "Le fichier soumis est vide.")
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_missing_file_is_refused(post_upload, settings):
    response = post_upload(None)
    refused_with(response, "Ce champ est obligatoire.")
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_oversized_file_is_refused(post_upload, settings, tone_wav):
    settings.RECORDING_MAX_BYTES = tone_wav.stat().st_size - 1
    response = post_upload(wav_upload(tone_wav))
    refused_with(response, "taille maximale")
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_too_long_recording_is_refused(post_upload, settings, tone_wav):
    settings.RECORDING_MAX_SECONDS = 1
    response = post_upload(wav_upload(tone_wav))
    refused_with(response, "durée maximale")
    refused_with(response, "L'enregistrement dure 3 s ; durée maximale : 1 s.")
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_unticked_consent_is_refused(post_upload, settings, tone_wav):
    response = post_upload(wav_upload(tone_wav), recording_consent=None, consent_given_by="")
    refused_with(response, CONSENT)
    assert_nothing_stored(settings.MEDIA_ROOT)


@pytest.mark.parametrize("given_by", ["", "   "])
def test_consent_without_who_gave_it_is_refused(post_upload, settings, tone_wav, given_by):
    response = post_upload(wav_upload(tone_wav), consent_given_by=given_by)
    refused_with(response, CONSENT)
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_a_refused_upload_can_be_retried(post_upload, settings, tone_wav):
    settings.RECORDING_MAX_SECONDS = 1
    assert post_upload(wav_upload(tone_wav)).status_code == 400
    settings.RECORDING_MAX_SECONDS = 60
    assert post_upload(wav_upload(tone_wav)).status_code == 302
    assert Recording.objects.count() == 1


def _multipart(fields: dict, *, filename: str, content: bytes) -> tuple[bytes, str]:
    """A hand-written body: Django's test client would strip the folders from the name."""
    boundary = "neddie-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="audio"; filename="{filename}"\r\n'
        "Content-Type: audio/wav\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "filename", ["../../etc/evil.wav", "..\\..\\etc\\evil.wav", "/tmp/evil.wav"]
)
def test_path_traversal_name_is_stored_under_a_random_name(
    client, alice, dossier, settings, tmp_path, tone_wav, filename
):
    client.force_login(alice)
    fields = form_data(None)
    body, content_type = _multipart(fields, filename=filename, content=tone_wav.read_bytes())
    response = client.post(
        reverse("dossiers:dossier_detail", args=[dossier.pk]), body, content_type=content_type
    )

    assert response.status_code == 302
    recording = Recording.objects.get()
    recordings = (Path(settings.MEDIA_ROOT) / "recordings").resolve()
    stored = Path(recording.file.path).resolve()
    assert stored.parent == recordings
    assert "evil" not in stored.name
    assert stored.suffix == ".wav"
    assert stored.read_bytes() == tone_wav.read_bytes()
    assert "/" not in recording.original_name and ".." not in recording.original_name
    # The only file written in this test's folder is the stored recording.
    assert [path.resolve() for path in stored_files(tmp_path)] == [stored]


# --- At the service level -------------------------------------------------------------------


@pytest.fixture
def text_mp3(tmp_path) -> Path:
    path = tmp_path / "inputs" / "notes.mp3"
    path.parent.mkdir()
    path.write_bytes(TEXT_CONTENT)
    return path


def upload(consultation, path: Path, user, *, original_name: str | None = None):
    with open(path, "rb") as handle:
        return services.recording_upload(
            consultation=consultation,
            audio=File(handle, name=str(path)),
            original_name=original_name or path.name,
            uploaded_by=user,
            enqueue=False,
        ).jobs.get()


def test_service_refuses_a_file_that_is_not_audio(dossier, alice, settings, text_mp3):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with pytest.raises(services.ServiceError, match=NOT_AUDIO) as excinfo:
        upload(consultation, text_mp3, alice)
    assert excinfo.value.message == "Le fichier n'est pas un enregistrement audio lisible."
    assert_nothing_stored(settings.MEDIA_ROOT, consultations=1)


def test_service_refuses_an_empty_file(dossier, alice, settings, tmp_path):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    empty = tmp_path / "vide.wav"
    empty.write_bytes(b"")
    with pytest.raises(services.ServiceError, match=re.escape("Le fichier est vide.")):
        upload(consultation, empty, alice)
    assert_nothing_stored(settings.MEDIA_ROOT, consultations=1)


def test_service_refuses_a_too_long_recording(dossier, alice, settings, tone_wav):
    settings.RECORDING_MAX_SECONDS = 1
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with pytest.raises(services.ServiceError, match="durée maximale : 1 s"):
        upload(consultation, tone_wav, alice)
    assert_nothing_stored(settings.MEDIA_ROOT, consultations=1)


def test_service_refuses_an_oversized_file(dossier, alice, settings, tone_wav):
    settings.RECORDING_MAX_BYTES = 1000
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with pytest.raises(services.ServiceError, match="taille maximale"):
        upload(consultation, tone_wav, alice)
    assert_nothing_stored(settings.MEDIA_ROOT, consultations=1)


def test_service_refuses_a_consultation_without_consent(dossier, alice, settings, tone_wav):
    consultation = ConsultationFactory(
        dossier=dossier,
        created_by=alice,
        recording_consent=False,
        consent_given_by="",
        consent_recorded_at=None,
    )
    with pytest.raises(services.ServiceError, match=CONSENT) as excinfo:
        upload(consultation, tone_wav, alice)
    assert excinfo.value.message == services.CONSENT_MISSING
    assert_nothing_stored(settings.MEDIA_ROOT, consultations=1)


@pytest.mark.parametrize(("consent", "given_by"), [(False, ""), (True, ""), (True, "  ")])
def test_consultation_record_keeps_nothing_without_consent(
    dossier, alice, settings, tone_wav, consent, given_by
):
    with open(tone_wav, "rb") as handle, pytest.raises(services.ServiceError, match=CONSENT):
        services.consultation_record(
            dossier=dossier,
            date=datetime.date(2026, 11, 2),
            modality=Consultation.Modality.IN_PERSON,
            participants="mère",
            recording_consent=consent,
            consent_given_by=given_by,
            audio=File(handle, name=str(tone_wav)),
            original_name=tone_wav.name,
            user=alice,
            enqueue=False,
        )
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_consultation_record_keeps_no_consultation_for_a_bad_file(
    dossier, alice, settings, text_mp3
):
    with open(text_mp3, "rb") as handle, pytest.raises(services.ServiceError, match=NOT_AUDIO):
        services.consultation_record(
            dossier=dossier,
            date=datetime.date(2026, 11, 2),
            modality=Consultation.Modality.IN_PERSON,
            participants="mère",
            recording_consent=True,
            consent_given_by="mère",
            audio=File(handle, name=str(text_mp3)),
            original_name=text_mp3.name,
            user=alice,
            enqueue=False,
        )
    assert_nothing_stored(settings.MEDIA_ROOT)


def test_service_ignores_folders_in_the_original_name(dossier, alice, settings, tone_wav):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    job = upload(consultation, tone_wav, alice, original_name="../../etc/evil.wav")
    recording = job.recording
    stored = Path(recording.file.path).resolve()
    assert stored.parent == (Path(settings.MEDIA_ROOT) / "recordings").resolve()
    assert "evil" not in stored.name
    assert recording.original_name == "evil.wav"
    assert not (Path(settings.MEDIA_ROOT) / ".." / ".." / "etc" / "evil.wav").exists()
