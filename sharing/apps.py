from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Partage"

    def ready(self) -> None:
        # Registers this stage's permission rules and connects its receivers: the higher
        # stages of the pathway hear of the lower ones by signals, never the other way round.
        from sharing import permissions  # noqa: F401
