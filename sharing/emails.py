"""The emails of sharing: a notification that a document was shared, and the invitation of
an external professional (with the link that sets their password).

Email is not a secure channel: these messages carry no patient information at all — no
initials, no pseudonym code, no report text, not even the clinician's message to the
recipient (it may name the child). They say who shared something, until when, and where to
sign in to read it; the document itself is only read in the application, after login, where
each access is checked and recorded."""

import smtplib

import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from dossiers.people import display_name
from sharing.models import Share

log = structlog.get_logger(__name__)

SHARE_SUBJECT = "neddie — un document vous a été partagé"
INVITATION_SUBJECT = "neddie — invitation à consulter un document partagé"


def shared_with_me_url() -> str:
    return settings.SITE_URL + reverse("sharing:shared_with_me")


def password_set_url(user: AbstractBaseUser) -> str:
    """A one-time link to choose a password (Django's password reset token: valid
    PASSWORD_RESET_TIMEOUT seconds, void once the password is set)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse(
        "password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}
    )


def _send(share: Share, subject: str, template: str, context: dict) -> bool:
    """Send one email to the share's recipient; mark the share notified. A failed SMTP
    server leaves the share as it is (not notified, which the sharing panel shows): the
    share itself is committed and valid."""
    recipient = share.recipient
    if not recipient.email:
        log.info("share_not_notified_no_email", share_id=share.pk)
        return False
    body = render_to_string(
        template,
        {
            "recipient_name": display_name(recipient),
            "sender_name": display_name(share.granted_by),
            "expires_at": share.expires_at,
            "has_message": bool(share.message.strip()),
            "shared_with_me_url": shared_with_me_url(),
            "login_url": settings.SITE_URL + reverse("login"),
            **context,
        },
    )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    except (smtplib.SMTPException, OSError):
        log.warning("share_notification_failed", share_id=share.pk, exc_info=True)
        return False
    Share.objects.filter(pk=share.pk).update(notified_at=timezone.now())
    log.info("share_notified", share_id=share.pk)
    return True


def share_notification_send(*, share_id: int) -> bool:
    """Tell the recipient that a document was shared with them. Run after the share is
    committed; True when the email left."""
    share = Share.objects.select_related("recipient", "granted_by").get(pk=share_id)
    if not share.is_active():
        return False
    return _send(share, SHARE_SUBJECT, "sharing/emails/share_notification.txt", {})


def share_invitation_send(*, share_id: int, profession: str) -> bool:
    """Invite an external professional: who invites them, until when, and the link to
    choose their password (then the shared-with-me page). True when the email left."""
    share = Share.objects.select_related("recipient", "granted_by").get(pk=share_id)
    if not share.is_active():
        return False
    return _send(
        share,
        INVITATION_SUBJECT,
        "sharing/emails/share_invitation.txt",
        {
            "password_set_url": password_set_url(share.recipient),
            "username": share.recipient.get_username(),
            "profession": profession,
            "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
    )
