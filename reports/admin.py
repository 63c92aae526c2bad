from django.contrib import admin

from reports.models import (
    Consultation,
    Dossier,
    DossierMember,
    Patient,
    PipelineJob,
    Recording,
    Report,
    ReportSection,
)


class DossierMemberInline(admin.TabularInline):
    model = DossierMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["code", "initials", "birth_date", "sex"]
    search_fields = ["code", "initials"]


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at"]
    list_filter = ["protocols"]
    search_fields = ["patient__code", "patient__initials"]
    inlines = [DossierMemberInline]
    raw_id_fields = ["patient"]


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "dossier", "recording_consent"]
    list_filter = ["modality", "recording_consent"]


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["pk", "consultation", "duration_seconds", "codec", "created_at"]
    readonly_fields = ["sha256", "size_bytes", "duration_seconds", "container", "codec"]


@admin.register(PipelineJob)
class PipelineJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "progress", "attempts", "created_at"]
    list_filter = ["status", "kind"]


class ReportSectionInline(admin.StackedInline):
    model = ReportSection
    extra = 0


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "dossier", "status", "created_at"]
    list_filter = ["status"]
    inlines = [ReportSectionInline]
