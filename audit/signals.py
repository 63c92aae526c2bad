"""Logins, failed logins and logouts go to the audit log (django-axes throttles the failed
ones; this only records them)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import Action, audit_record

# Set on the request by whatever logs a user out on their behalf (the idle-session
# middleware): the event then says why.
LOGOUT_REASON = "audit_logout_reason"


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(user=user, action=Action.LOGIN, object_type="session")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, LOGOUT_REASON, "") if request is not None else ""
        audit_record(user=user, action=Action.LOGOUT, object_type="session", detail=reason)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The username tried is kept (it says which account is under attack); never the password.
    username = str(credentials.get("username", ""))[:150]
    if request is not None and getattr(request, "axes_locked_out", False):
        # Refused before any password check: the username/address pair is locked out.
        username += " (bloqué)"
    audit_record(user=None, action=Action.LOGIN_FAILED, object_type="session", detail=username)
