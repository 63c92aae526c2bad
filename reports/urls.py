from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("dossiers/", views.dossier_list, name="dossier_list"),
    path("dossiers/nouveau/", views.dossier_create, name="dossier_create"),
    path("dossiers/<int:dossier_id>/", views.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:dossier_id>/traitements/", views.dossier_jobs, name="dossier_jobs"),
    path("comptes-rendus/<int:report_id>/", views.report_detail, name="report_detail"),
    path("comptes-rendus/<int:report_id>/pdf/", views.report_pdf, name="report_pdf"),
    path("comptes-rendus/<int:report_id>/rediger/", views.report_draft, name="report_draft"),
    path(
        "comptes-rendus/<int:report_id>/sections/<int:section_id>/modifier/",
        views.section_edit,
        name="section_edit",
    ),
    path(
        "comptes-rendus/<int:report_id>/sections/<int:section_id>/texte/",
        views.section_text,
        name="section_text",
    ),
    path(
        "comptes-rendus/<int:report_id>/sections/<int:section_id>/annuler/",
        views.section_undo,
        name="section_undo",
    ),
    path(
        "comptes-rendus/<int:report_id>/versions/<int:version_id>/decision/",
        views.section_version_decide,
        name="section_version_decide",
    ),
    path(
        "comptes-rendus/<int:report_id>/locuteurs/",
        views.report_speaker_rename,
        name="report_speaker_rename",
    ),
    path(
        "consultations/<int:consultation_id>/pistes/",
        views.consultation_track_add,
        name="consultation_track_add",
    ),
    path("passages/<int:segment_id>/locuteur/", views.segment_speaker, name="segment_speaker"),
    path(
        "enregistrements/<int:recording_id>/audio/",
        views.recording_audio,
        name="recording_audio",
    ),
]
