from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Dossiers et comptes rendus"

    def ready(self) -> None:
        # Connects the receivers: the higher parts of the pathway hear of the lower ones.
        from reports.documents import receivers as documents_receivers  # noqa: F401
        from reports.drafting import receivers as drafting_receivers  # noqa: F401
