"""The audit log in the admin: searchable, filterable, exportable as CSV; nobody can add,
change or delete an event (and the database refuses it anyway)."""

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import Action, audit_record

EXPORT_FIELDS = [
    "created_at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "dossier_id",
    "detail",
    "method",
    "path",
    "ip_address",
    "user_agent",
]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "action", "object_type", "object_id", "dossier_id"]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["username", "object_id", "=dossier_id", "ip_address", "path", "detail"]
    date_hierarchy = "created_at"
    readonly_fields = EXPORT_FIELDS
    actions = ["export_csv"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Exporter la sélection (CSV)", permissions=["view"])
    def export_csv(self, request, queryset):
        rows = list(queryset.order_by("created_at", "pk").values_list(*EXPORT_FIELDS))
        audit_record(
            user=request.user,
            action=Action.EXPORT,
            object_type="auditevent",
            detail=f"{len(rows)} événements exportés",
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="journal-acces-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
        return response
