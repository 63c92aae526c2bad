from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path(
        "comptes-rendus/<int:report_id>/statut/<slug:transition>/",
        views.report_transition,
        name="report_transition",
    ),
    path(
        "comptes-rendus/<int:report_id>/commentaires/",
        views.comment_add,
        name="comment_add",
    ),
    path(
        "comptes-rendus/<int:report_id>/commentaires/<int:comment_id>/traite/",
        views.comment_resolve,
        name="comment_resolve",
    ),
    path(
        "comptes-rendus/<int:report_id>/corriger/",
        views.report_correct,
        name="report_correct",
    ),
]
