"""Shares in the admin: read-only (who shared what with whom, and when)."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from sharing.models import Share


@admin.register(Share)
class ShareAdmin(ReadOnlyAdmin):
    """Who received which document, until when, revoked by whom; not the clinician's
    message to the recipient (it may name the child). Shares are made and revoked in the
    application, by the dossier's clinician."""

    list_display = [
        "pk",
        "report",
        "recipient",
        "granted_by",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["report", "recipient", "granted_by"]
    search_fields = ["=recipient__username", "=report__id"]
    fields = [
        "report",
        "recipient",
        "granted_by",
        "created_at",
        "expires_at",
        "notified_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
