from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Journal d'accès"

    def ready(self) -> None:
        from audit import signals  # noqa: F401 (connects login and logout events)
