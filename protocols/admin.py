from django.contrib import admin

from protocols.models import Protocol, ProtocolSection


class ProtocolSectionInline(admin.TabularInline):
    model = ProtocolSection
    extra = 0
    ordering = ["position"]


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title", "slug"]
    inlines = [ProtocolSectionInline]
