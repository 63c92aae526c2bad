from django.urls import path

from dossiers.views import consent, dossiers

app_name = "dossiers"

urlpatterns = [
    path("dossiers/", dossiers.dossier_list, name="dossier_list"),
    path("dossiers/nouveau/", dossiers.dossier_create, name="dossier_create"),
    path("dossiers/<int:dossier_id>/", dossiers.dossier_detail, name="dossier_detail"),
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
    path(
        "enregistrements/<int:recording_id>/audio/",
        dossiers.recording_audio,
        name="recording_audio",
    ),
]
