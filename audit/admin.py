"""The audit log in the admin: searchable, filterable, exportable as CSV; nobody can add,
change or delete an event (and the database refuses it anyway).

Also ``AuditedReadsAdmin``, the base of the admin pages that show patient objects: every such
page an admin opens is a read in the log, as the application's own pages are."""

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

# A spreadsheet runs a cell starting with one of these as a formula; a failed login's
# username, a path or a browser name come from whoever sent the request.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "username",
        "action",
        "object_type",
        "object_id",
        "dossier_id",
        "detail",
        "ip_address",
    ]
    list_filter = ["action", "object_type", ("created_at", admin.DateFieldListFilter)]
    # Ids are matched exactly (dossier 12 is not 112); "__exact" on a number field compares
    # its text, so a search for a username never fails on it. A failed login's username is
    # in ``detail``.
    search_fields = [
        "username",
        "=object_id",
        "dossier_id__exact",
        "user_id__exact",
        "ip_address",
        "detail",
        "path",
    ]
    date_hierarchy = "created_at"
    readonly_fields = EXPORT_FIELDS
    actions = ["export_csv"]
    list_per_page = 100
    # The log only grows: counting all of it on every page is not worth the wait.
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Exporter la sélection (CSV)", permissions=["view"])
    def export_csv(self, request, queryset):
        rows = list(queryset.order_by("created_at", "pk").values_list(*EXPORT_FIELDS))
        query = request.GET.urlencode()
        audit_record(
            user=request.user,
            action=Action.EXPORT,
            object_type="auditevent",
            detail=f"{len(rows)} événements exportés" + (f" (filtre : {query})" if query else ""),
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="journal-acces-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
        return response


class AuditedReadsAdmin(admin.ModelAdmin):
    """An admin page on patient objects: opening an object's page, or the list, writes a
    read event (who, which object, from where) like the application's pages do."""

    def audit_dossier_id(self, obj) -> int | None:
        """The dossier of ``obj`` when ``audit_record`` cannot find it by itself."""
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            audit_record(
                user=request.user,
                action=Action.READ,
                obj=obj,
                dossier_id=self.audit_dossier_id(obj),
                detail="fiche (administration)",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                user=request.user,
                action=Action.READ,
                object_type=self.opts.model_name,
                detail=f"liste (administration) {request.GET.urlencode()}".strip(),
            )
        return response


class ReadOnlyAdmin(AuditedReadsAdmin):
    """View pages only: nothing added, changed or deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
