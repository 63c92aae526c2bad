from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "drafting"
    verbose_name = "Rédaction"

    def ready(self) -> None:
        # Registers this stage's permission rules and connects its receivers: the higher
        # stages of the pathway hear of the lower ones by signals, never the other way round.
        from drafting import receivers  # noqa: F401
