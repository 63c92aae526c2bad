from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dossiers:dossier_list"), name="home"),
    path("comptes/connexion/", auth_views.LoginView.as_view(), name="login"),
    path("comptes/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # An invited external professional chooses their password through the emailed link
    # (sharing/emails.py). No "forgotten password" request page: accounts are made
    # by the care team and the administrators.
    path(
        "comptes/mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "comptes/mot-de-passe/choisi/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_set_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    # The pathway, one app a stage (README: architecture); each names its own routes.
    path("", include("dossiers.urls")),
    path("", include("transcription.urls")),
    path("", include("reports.urls")),
    path("", include("drafting.urls")),
    path("", include("care_plans.urls")),
    path("", include("sharing.urls")),
    path("", include("documents.urls")),
    path("", include("neddie.work_urls")),
]

admin.site.site_header = "neddie — administration"
admin.site.site_title = "neddie"
