"""A recording whose audio the retention period deleted (``reports/retention.py`` decides
when): what the care team reads instead, and the refusal of any work that needs the audio."""

from django.utils import timezone

from dossiers.models import Recording
from dossiers.services import ServiceError


def audio_deleted_message(recording: Recording) -> str:
    """What the care team reads where the audio used to be."""
    if recording.audio_deleted_at is None:
        return "Enregistrement supprimé ; la transcription reste disponible."
    day = timezone.localtime(recording.audio_deleted_at)
    return (
        f"Enregistrement supprimé le {day:%d/%m/%Y} (durée de conservation écoulée) ; "
        "la transcription reste disponible."
    )


def audio_is_deleted(recording: Recording) -> bool:
    return recording.audio_deleted_at is not None or not recording.file


def recording_audio_require(recording: Recording) -> None:
    """Refuse, with the message the care team reads, any work that needs the audio of a
    recording whose audio was deleted (a new transcription)."""
    if audio_is_deleted(recording):
        raise ServiceError(audio_deleted_message(recording))
