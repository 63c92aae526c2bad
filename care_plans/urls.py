from django.urls import path

from care_plans import views

app_name = "care_plans"

urlpatterns = [
    path("comptes-rendus/<int:report_id>/plan/", views.care_plan_start, name="care_plan_start"),
    path("plans/<int:plan_id>/", views.care_plan_detail, name="care_plan_detail"),
    path(
        "plans/<int:plan_id>/identification/",
        views.care_plan_identification,
        name="care_plan_identification",
    ),
    path(
        "plans/<int:plan_id>/sections/<int:plan_section_id>/texte/",
        views.care_plan_section_text,
        name="care_plan_section_text",
    ),
    path(
        "plans/<int:plan_id>/sections/<int:plan_section_id>/lignes/",
        views.care_plan_entry_add,
        name="care_plan_entry_add",
    ),
    path(
        "plans/<int:plan_id>/lignes/<int:entry_id>/modifier/",
        views.care_plan_entry_edit,
        name="care_plan_entry_edit",
    ),
    path(
        "plans/<int:plan_id>/lignes/<int:entry_id>/decision/",
        views.care_plan_entry_decide,
        name="care_plan_entry_decide",
    ),
    path("plans/<int:plan_id>/proposer/", views.care_plan_draft, name="care_plan_draft"),
    path(
        "plans/<int:plan_id>/propositions/",
        views.care_plan_draft_status,
        name="care_plan_draft_status",
    ),
    path("plans/<int:plan_id>/signer/", views.care_plan_sign, name="care_plan_sign"),
    path(
        "plans/<int:plan_id>/suivis/<int:entry_id>/realisee/",
        views.follow_up_done,
        name="follow_up_done",
    ),
    path("suivis/", views.follow_ups, name="follow_ups"),
]
