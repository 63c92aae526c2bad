from django.urls import path

from reports.views import care_plan, consent, documents, dossiers, editor, fhir, review, sharing

app_name = "reports"

urlpatterns = [
    path("dossiers/", dossiers.dossier_list, name="dossier_list"),
    path("dossiers/nouveau/", dossiers.dossier_create, name="dossier_create"),
    path("dossiers/<int:dossier_id>/", dossiers.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:dossier_id>/traitements/", dossiers.dossier_jobs, name="dossier_jobs"),
    path(
        "traitements/<slug:kind>/<int:job_id>/relancer/",
        dossiers.job_relaunch,
        name="job_relaunch",
    ),
    path("comptes-rendus/<int:report_id>/", editor.report_detail, name="report_detail"),
    path("comptes-rendus/<int:report_id>/traitements/", dossiers.report_jobs, name="report_jobs"),
    path("comptes-rendus/<int:report_id>/rediger/", editor.report_draft, name="report_draft"),
    path(
        "comptes-rendus/<int:report_id>/sections/<int:section_id>/modifier/",
        editor.section_edit,
        name="section_edit",
    ),
    path(
        "comptes-rendus/<int:report_id>/sections/<int:section_id>/texte/",
        editor.section_text,
        name="section_text",
    ),
    path(
        "comptes-rendus/<int:report_id>/sections/<int:section_id>/annuler/",
        editor.section_undo,
        name="section_undo",
    ),
    path(
        "comptes-rendus/<int:report_id>/versions/<int:version_id>/decision/",
        editor.section_version_decide,
        name="section_version_decide",
    ),
    path(
        "comptes-rendus/<int:report_id>/modifications/<int:job_id>/",
        editor.edit_job_status,
        name="edit_job_status",
    ),
    path(
        "comptes-rendus/<int:report_id>/phrases/<int:statement_id>/garder/",
        editor.statement_keep,
        name="statement_keep",
    ),
    path(
        "comptes-rendus/<int:report_id>/phrases/<int:statement_id>/supprimer/",
        editor.statement_remove,
        name="statement_remove",
    ),
    path(
        "comptes-rendus/<int:report_id>/statut/<slug:transition>/",
        review.report_transition,
        name="report_transition",
    ),
    path(
        "comptes-rendus/<int:report_id>/commentaires/",
        review.comment_add,
        name="comment_add",
    ),
    path(
        "comptes-rendus/<int:report_id>/commentaires/<int:comment_id>/traite/",
        review.comment_resolve,
        name="comment_resolve",
    ),
    path(
        "comptes-rendus/<int:report_id>/corriger/",
        review.report_correct,
        name="report_correct",
    ),
    path(
        "comptes-rendus/<int:report_id>/locuteurs/",
        dossiers.report_speaker_rename,
        name="report_speaker_rename",
    ),
    path(
        "consultations/<int:consultation_id>/pistes/",
        dossiers.consultation_track_add,
        name="consultation_track_add",
    ),
    path(
        "consultations/<int:consultation_id>/consentements/",
        consent.consultation_consent,
        name="consultation_consent",
    ),
    path("passages/<int:segment_id>/locuteur/", dossiers.segment_speaker, name="segment_speaker"),
    path(
        "enregistrements/<int:recording_id>/audio/",
        dossiers.recording_audio,
        name="recording_audio",
    ),
]
# Each of these views modules lists its own routes.
urlpatterns += (
    care_plan.urlpatterns + documents.urlpatterns + sharing.urlpatterns + fhir.urlpatterns
)
