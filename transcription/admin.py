"""Transcription jobs in the admin: read-only, followed by admins (no transcript text)."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from transcription.models import PipelineJob


@admin.register(PipelineJob)
class PipelineJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "progress", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    fields = [
        "recording",
        "kind",
        "status",
        "progress",
        "attempts",
        "error_message",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    def audit_dossier_id(self, job):
        return job.recording.consultation.dossier_id
