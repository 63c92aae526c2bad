from django.urls import path

from neddie import views

app_name = "work"

urlpatterns = [
    path("dossiers/<int:dossier_id>/traitements/", views.dossier_jobs, name="dossier_jobs"),
    path(
        "traitements/<slug:kind>/<int:job_id>/relancer/",
        views.job_relaunch,
        name="job_relaunch",
    ),
    path("comptes-rendus/<int:report_id>/traitements/", views.report_jobs, name="report_jobs"),
]
