"""Logins, failed logins and logouts go to the audit log (django-axes throttles the failed
ones; this only records them)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import Action, audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(user=user, action=Action.LOGIN, object_type="session")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(user=user, action=Action.LOGOUT, object_type="session")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The username tried is kept (it says which account is under attack); never the password.
    username = str(credentials.get("username", ""))[:150]
    audit_record(user=None, action=Action.LOGIN_FAILED, object_type="session", detail=username)
