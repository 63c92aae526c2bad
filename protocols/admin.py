"""The configuration site for protocol grids.

Drafts are edited here; a published or retired version is read-only (and the database
refuses changes anyway). Editing a published grid means "Dupliquer en brouillon", then
"Publier", which validates the draft and retires the previous version. Every change is
recorded by django-simple-history ("Historique" on each page).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from protocols import services
from protocols.models import DecisionRule, Protocol, ProtocolItem, ProtocolSection, ProtocolVersion
from protocols.selectors import version_grid

PUBLISH_PERMISSION = "protocols.publish_protocolversion"


def _editable(version: ProtocolVersion | None) -> bool:
    return version is None or version.is_draft


class _DraftOnlyInline:
    """Inline rows can be added, changed or deleted only while the version is a draft."""

    def _version(self, obj):
        if obj is None:
            return None
        return obj if isinstance(obj, ProtocolVersion) else obj.version

    def has_add_permission(self, request, obj=None):
        return _editable(self._version(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(self._version(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(self._version(obj)) and super().has_delete_permission(request, obj)


class VersionInline(admin.TabularInline):
    model = ProtocolVersion
    fields = ["number", "status", "source_status", "published_at", "retired_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Protocol)
class ProtocolAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "scope", "published_number", "is_active"]
    list_filter = ["scope", "is_active"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [VersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("versions")

    @admin.display(description=_("version publiée"))
    def published_number(self, protocol: Protocol):
        published = [v for v in protocol.versions.all() if v.status == "published"]
        return f"v{published[0].number}" if published else "—"

    def get_readonly_fields(self, request, obj=None):
        # The slug names the protocol in files and dossiers: fixed once created.
        return ["slug"] if obj else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields


class SectionInline(_DraftOnlyInline, admin.TabularInline):
    model = ProtocolSection
    fields = ["position", "key", "title", "kind", "item_count"]
    readonly_fields = ["item_count"]
    ordering = ["position"]
    extra = 0
    show_change_link = True

    @admin.display(description=_("items"))
    def item_count(self, section: ProtocolSection):
        return section.items.count() if section.pk else 0


class RuleInline(_DraftOnlyInline, admin.StackedInline):
    model = DecisionRule
    ordering = ["position"]
    extra = 0
    fields = [
        ("position", "key", "kind", "urgency"),
        ("min_age_months", "max_age_months", "min_signs", "min_domains"),
        "message",
    ]


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(SimpleHistoryAdmin):
    change_form_template = "admin/protocols/protocolversion/change_form.html"
    list_display = ["protocol", "number", "status", "source_status", "published_at"]
    list_filter = ["status", "source_status", "protocol__scope", "protocol"]
    search_fields = [
        "protocol__title",
        "protocol__slug",
        "sections__title",
        "sections__items__label",
        "sections__items__hint",
    ]
    list_select_related = ["protocol"]
    inlines = [SectionInline, RuleInline]
    actions = ["duplicate_as_draft"]
    fields = [
        "protocol",
        "number",
        "status",
        "source_status",
        "sources",
        "notes",
        "vocabulary",
        "published_at",
        "published_by",
        "retired_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["number", "status", "published_at", "published_by", "retired_at"]
        if obj is None:
            return fixed
        if not obj.is_draft:
            return self.fields
        return ["protocol", *fixed]

    def has_change_permission(self, request, obj=None):
        # Non-drafts stay viewable (view permission) but not editable.
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    def save_model(self, request, obj, form, change):
        if not change:
            last = obj.protocol.versions.aggregate(last=Max("number"))["last"] or 0
            obj.number = last + 1
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Dupliquer en nouveau brouillon"), permissions=["add"])
    def duplicate_as_draft(self, request, queryset):
        for version in queryset:
            draft = services.version_duplicate(version=version, user=request.user)
            self.message_user(request, f"Brouillon créé : {draft}.", messages.SUCCESS)

    # --- Object buttons: preview, duplicate, publish, retire -------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "<int:version_id>/apercu/",
                wrap(self.preview_view),
                name="protocols_version_preview",
            ),
            path(
                "<int:version_id>/dupliquer/",
                wrap(require_POST(self.duplicate_view)),
                name="protocols_version_duplicate",
            ),
            path(
                "<int:version_id>/publier/",
                wrap(require_POST(self.publish_view)),
                name="protocols_version_publish",
            ),
            path(
                "<int:version_id>/retirer/",
                wrap(require_POST(self.retire_view)),
                name="protocols_version_retire",
            ),
            *super().get_urls(),
        ]

    def _version_or_403(self, request, version_id: int, *, permission: str) -> ProtocolVersion:
        version = get_object_or_404(ProtocolVersion, pk=version_id)
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return version

    def preview_view(self, request: HttpRequest, version_id: int):
        """The grid as a clinician sees it for a child of the given age."""
        version = self._version_or_403(
            request, version_id, permission="protocols.view_protocolversion"
        )
        age = request.GET.get("age_mois", "")
        age_months = int(age) if age.isdigit() else None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Aperçu : {version}",
            "version": version,
            "opts": self.opts,
            "age_months": age_months,
            "grid": version_grid(version, age_months),
        }
        return TemplateResponse(request, "admin/protocols/protocolversion/preview.html", context)

    def duplicate_view(self, request: HttpRequest, version_id: int):
        version = self._version_or_403(
            request, version_id, permission="protocols.add_protocolversion"
        )
        draft = services.version_duplicate(version=version, user=request.user)
        self.message_user(request, f"Brouillon créé : {draft}.", messages.SUCCESS)
        return redirect(reverse("admin:protocols_protocolversion_change", args=[draft.pk]))

    def publish_view(self, request: HttpRequest, version_id: int):
        version = self._version_or_403(request, version_id, permission=PUBLISH_PERMISSION)
        try:
            services.version_publish(version=version, user=request.user)
        except services.ProtocolError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"Version publiée : {version.protocol} v{version.number}.")
        return redirect(reverse("admin:protocols_protocolversion_change", args=[version.pk]))

    def retire_view(self, request: HttpRequest, version_id: int):
        version = self._version_or_403(request, version_id, permission=PUBLISH_PERMISSION)
        try:
            services.version_retire(version=version)
        except services.ProtocolError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"Version retirée : {version}.")
        return redirect(reverse("admin:protocols_protocolversion_change", args=[version.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = request.user.has_perm(PUBLISH_PERMISSION)
        return super().render_change_form(request, context, add, change, form_url, obj)


class ItemInline(_DraftOnlyInline, admin.StackedInline):
    model = ProtocolItem
    ordering = ["position"]
    extra = 0
    fields = [
        ("position", "key", "answer_type", "role"),
        "label",
        "hint",
        ("examples", "keywords"),
        ("min_age_months", "max_age_months"),
    ]


@admin.register(ProtocolSection)
class ProtocolSectionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "version", "kind", "position", "items_total"]
    list_filter = ["kind", "version__status", "version__protocol"]
    search_fields = ["title", "key", "items__label", "items__hint"]
    list_select_related = ["version__protocol"]
    inlines = [ItemInline]
    fields = ["version", "position", "key", "title", "kind", "guidance"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_items=Count("items"))

    @admin.display(description=_("items"), ordering="_items")
    def items_total(self, section):
        return section._items

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.version.is_draft:
            return self.fields
        return ["version"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = ProtocolVersion.objects.filter(status="draft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.version.is_draft) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.version.is_draft) and super().has_delete_permission(request, obj)

    def view_on_site(self, obj):
        return None
