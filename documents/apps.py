from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        # Registers this stage's permission rules and connects its receivers: the higher
        # stages of the pathway hear of the lower ones by signals, never the other way round.
        from documents import permissions, receivers  # noqa: F401
