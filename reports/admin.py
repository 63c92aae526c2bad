"""Reports in the admin: read-only, by their pseudonymised identifiers (no section text)."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from reports.models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """A report's status and signature; its text is read in the application, by the team."""

    list_display = ["pk", "dossier", "version_number", "status", "created_at", "signed_at"]
    list_filter = ["status"]
    list_select_related = ["dossier__patient"]
    fields = [
        "dossier",
        "version_number",
        "status",
        "corrects",
        "signed_by",
        "signed_at",
        "signed_sha256",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
