from django.urls import path

from drafting import views

app_name = "drafting"

urlpatterns = [
    path("comptes-rendus/<int:report_id>/", views.report_detail, name="report_detail"),
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
        "comptes-rendus/<int:report_id>/modifications/<int:job_id>/",
        views.edit_job_status,
        name="edit_job_status",
    ),
    path(
        "comptes-rendus/<int:report_id>/phrases/<int:statement_id>/garder/",
        views.statement_keep,
        name="statement_keep",
    ),
    path(
        "comptes-rendus/<int:report_id>/phrases/<int:statement_id>/supprimer/",
        views.statement_remove,
        name="statement_remove",
    ),
    path(
        "comptes-rendus/<int:report_id>/locuteurs/",
        views.report_speaker_rename,
        name="report_speaker_rename",
    ),
]
