from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Dossiers et comptes rendus"

    def ready(self) -> None:
        from reports.drafting import receivers  # noqa: F401 (connects the receivers)
