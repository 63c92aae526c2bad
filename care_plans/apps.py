from django.apps import AppConfig


class CarePlansConfig(AppConfig):
    name = "care_plans"
    verbose_name = "Plans d'interventions"

    def ready(self) -> None:
        # Registers this stage's permission rules and connects its receivers: the higher
        # stages of the pathway hear of the lower ones by signals, never the other way round.
        from care_plans import permissions  # noqa: F401
