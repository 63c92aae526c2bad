from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("partages/", views.shared_with_me, name="shared_with_me"),
    path("comptes-rendus/<int:report_id>/partages/", views.report_shares, name="report_shares"),
    path(
        "comptes-rendus/<int:report_id>/partages/invitation/",
        views.share_invite,
        name="share_invite",
    ),
    path(
        "comptes-rendus/<int:report_id>/partages/<int:share_id>/revoquer/",
        views.share_revoke,
        name="share_revoke",
    ),
]
