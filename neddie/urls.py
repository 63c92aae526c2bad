from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reports:dossier_list"), name="home"),
    path("comptes/connexion/", auth_views.LoginView.as_view(), name="login"),
    path("comptes/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # An invited external professional chooses their password through the emailed link
    # (reports/sharing/emails.py). No "forgotten password" request page: accounts are made
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
    path("", include("reports.urls")),
]

admin.site.site_header = "neddie — administration"
admin.site.site_title = "neddie"
