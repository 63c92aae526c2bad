from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "Dossiers"

    def ready(self) -> None:
        # Registers this stage's permission rules and connects its receivers: the higher
        # stages of the pathway hear of the lower ones by signals, never the other way round.
        from dossiers import permissions  # noqa: F401
