from django.apps import AppConfig


class NeddieConfig(AppConfig):
    """Project-wide templates, static files and commands (no models)."""

    name = "neddie"
    verbose_name = "neddie"
