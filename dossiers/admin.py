"""Patient objects in the admin. Admins configure the site: here they manage care teams (who
is clinician, coordinator or external member of a dossier) and follow recordings and jobs.
They do not read clinical text here: no section text, no transcript, no uploaded file name
(it may hold a child's name); patients appear by their pseudonymised identifiers only.

Dossiers, consultations, recordings and reports are created and changed in the application
by the care team, through the services; here they are read-only, except the care team.
Every page opened on these objects is a read in the audit log (``AuditedReadsAdmin``), and
every change to a care team is an event in it."""

from django.contrib import admin
from django.db.models import Count

from audit.admin import AuditedReadsAdmin, ReadOnlyAdmin
from audit.services import Action, audit_record
from dossiers.models import Consultation, Dossier, DossierMember, Recording


class DossierMemberInline(admin.TabularInline):
    model = DossierMember
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


@admin.register(Dossier)
class DossierAdmin(AuditedReadsAdmin):
    list_display = ["patient", "created_at", "team_size"]
    list_select_related = ["patient"]
    search_fields = ["patient__code", "=patient__initials"]
    fields = ["patient", "created_by", "created_at", "protocol_list"]
    readonly_fields = fields
    inlines = [DossierMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(team_count=Count("members"))

    @admin.display(description="équipe", ordering="team_count")
    def team_size(self, dossier) -> int:
        return dossier.team_count

    @admin.display(description="protocoles")
    def protocol_list(self, dossier) -> str:
        return ", ".join(str(choice.protocol) for choice in dossier.protocol_choices.all())

    def has_add_permission(self, request):
        # A dossier is opened by a clinician in the application (it needs its protocols).
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a dossier would delete its recordings and reports.
        return False

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        dossier = form.instance
        changes = [f"utilisateur {m.user_id} ajouté ({m.role})" for m in formset.new_objects]
        changes += [f"utilisateur {m.user_id} : {m.role}" for m, _ in formset.changed_objects]
        changes += [f"utilisateur {m.user_id} retiré" for m in formset.deleted_objects]
        for change_made in changes:
            audit_record(
                user=request.user,
                action=Action.UPDATE,
                obj=dossier,
                detail=f"équipe (administration) : {change_made}",
            )


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    """Who consented to what, and when: the consent record, read-only."""

    list_display = ["__str__", "dossier", "recording_consent", "sharing_consent"]
    list_filter = ["modality", "recording_consent", "sharing_consent"]
    list_select_related = ["dossier__patient"]
    fields = [
        "dossier",
        "date",
        "modality",
        "participants",
        "recording_consent",
        "sharing_consent",
        "consent_given_by",
        "consent_relationship",
        "consent_recorded_at",
        "consent_recorded_by",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["pk", "consultation", "duration_seconds", "codec", "created_at"]
    list_select_related = ["consultation"]
    fields = [
        "consultation",
        "speaker_label",
        "duration_seconds",
        "container",
        "codec",
        "sample_rate",
        "channels",
        "size_bytes",
        "sha256",
        "uploaded_by",
        "created_at",
    ]
    readonly_fields = fields

    def audit_dossier_id(self, recording):
        return recording.consultation.dossier_id
