from django.urls import path

from transcription import views

app_name = "transcription"

urlpatterns = [
    path("passages/<int:segment_id>/locuteur/", views.segment_speaker, name="segment_speaker"),
]
