from django.apps import AppConfig


class TranscriptionConfig(AppConfig):
    name = "transcription"
    verbose_name = "Transcription"

    def ready(self) -> None:
        # Registers this stage's permission rules and connects its receivers: the higher
        # stages of the pathway hear of the lower ones by signals, never the other way round.
        from transcription import permissions, receivers  # noqa: F401
