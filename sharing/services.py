"""Sharing signed documents: with a member of the dossier's care team, with an external
professional invited by email, and revoking a share. Every function is keyword-only, writes
its audit event in its own transaction and raises ``ServiceError`` (a French message for
the user) when the request cannot be honoured.

Access itself is not granted here: the permission rules (dossiers/permissions.py) check the
live share on every request, so a revoked or expired share stops access at once."""

from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from audit.services import Action as AuditAction
from audit.services import audit_record
from dossiers.models import DossierMember
from dossiers.people import display_name
from dossiers.permissions import DENIED, can, member_role
from dossiers.services import ServiceError, _full_clean, dossier_member_add
from reports.models import Report
from reports.permissions import report_sharing_refusal
from sharing import emails
from sharing.models import Share

log = structlog.get_logger(__name__)

Role = DossierMember.Role
INVITATION_MAX_DAYS = 365


def sharing_refusal(user: AbstractBaseUser, report: Report) -> str | None:
    """Why ``user`` may not share ``report`` now (None: they may), in the words the
    clinician needs to act on it."""
    if can(user, "sharing.share_report", report):
        return None
    if member_role(user, report) != Role.CLINICIAN:
        return DENIED["sharing.share_report"]
    if not report.is_signed:
        return "Seul un compte rendu signé peut être partagé."
    return report_sharing_refusal(report) or DENIED["sharing.share_report"]


def _require_sharing(user: AbstractBaseUser, report: Report) -> None:
    refusal = sharing_refusal(user, report)
    if refusal is not None:
        raise ServiceError(refusal)


def _until(expires_at: datetime | None) -> str:
    if expires_at is None:
        return "sans limite de durée"
    return f"jusqu'au {timezone.localtime(expires_at):%d/%m/%Y %H:%M}"


def _share_save(
    *,
    report: Report,
    recipient: AbstractBaseUser,
    user: AbstractBaseUser,
    expires_at: datetime | None,
    message: str,
) -> Share:
    """Create the share, or update the live one (a new expiry, a new message): one live
    share per person and document. Called inside a transaction, checks done."""
    role = member_role(recipient, report)
    if role is None:
        raise ServiceError(
            f"{display_name(recipient)} ne fait pas partie de "
            "l'équipe de soins de ce dossier : invitez ce professionnel comme externe."
        )
    if recipient.pk == user.pk:
        raise ServiceError("Vous avez déjà accès à ce document.")
    if not recipient.is_active:
        raise ServiceError("Ce compte est désactivé : le partage est impossible.")
    now = timezone.now()
    if expires_at is None and role == Role.EXTERNAL:
        # An external professional's access always ends; the care team's does not.
        expires_at = now + timedelta(days=settings.SHARE_DEFAULT_DAYS)
    if expires_at is not None and expires_at <= now:
        raise ServiceError("La fin de l'accès doit être dans le futur.")
    # Serialises shares of one report, so that two clicks make one live share, not a
    # constraint error (a lock, not a write: the signed row itself never changes).
    Report.objects.select_for_update().filter(pk=report.pk).first()
    share = (
        Share.objects.select_for_update()
        .filter(report=report, recipient=recipient, revoked_at__isnull=True)
        .first()
    )
    created = share is None
    if created:
        share = Share(report=report, recipient=recipient)
    share.granted_by = user
    share.expires_at = expires_at
    share.message = message.strip()
    _full_clean(share)
    share.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=share,
        dossier_id=report.dossier_id,
        detail=(
            f"{'partage' if created else 'partage renouvelé'} du compte rendu {report.pk} "
            f"avec {recipient.get_username()} {_until(expires_at)}"
        ),
    )
    return share


@transaction.atomic
def report_share(
    *,
    report: Report,
    recipient: AbstractBaseUser,
    user: AbstractBaseUser,
    expires_at: datetime | None = None,
    message: str = "",
) -> Share:
    """Share the signed ``report`` with ``recipient``, a member of the dossier's care team,
    by ``user``, its clinician (the report signed, every consultation with the sharing
    consent). Sharing again with someone whose share is live updates it (expiry, message).
    Team members get no expiry unless given; external members always have one (default
    SHARE_DEFAULT_DAYS days). The recipient is emailed once the share is committed."""
    _require_sharing(user, report)
    share = _share_save(
        report=report, recipient=recipient, user=user, expires_at=expires_at, message=message
    )
    transaction.on_commit(lambda: emails.share_notification_send(share_id=share.pk))
    return share


def _external_account(
    *, email: str, first_name: str, last_name: str
) -> tuple[AbstractBaseUser, bool]:
    """The account of the professional at ``email``: an existing one, or a new one with no
    usable password (they choose it through the invitation link)."""
    user_model = get_user_model()
    existing = list(user_model.objects.filter(email__iexact=email)[:2])
    if len(existing) > 1:
        raise ServiceError(
            "Plusieurs comptes utilisent cette adresse e-mail : demandez à l'administrateur "
            "de les distinguer avant d'inviter."
        )
    if existing:
        account = existing[0]
        if account.is_staff or account.is_superuser:
            raise ServiceError(
                "Cette adresse appartient à un compte d'administration : il ne peut pas être "
                "invité comme professionnel externe."
            )
        if not account.is_active:
            raise ServiceError("Le compte de cette adresse est désactivé : invitation impossible.")
        return account, False
    username = email.lower()[:150]
    suffix = 1
    while user_model.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{email.lower()[:140]}-{suffix}"
    account = user_model(username=username, email=email, first_name=first_name, last_name=last_name)
    account.set_unusable_password()
    _full_clean(account)
    account.save()
    return account, True


@transaction.atomic
def external_invite(
    *,
    report: Report,
    email: str,
    first_name: str,
    last_name: str,
    profession: str,
    user: AbstractBaseUser,
    days: int,
) -> Share:
    """Invite an external professional to read the signed ``report`` for ``days`` days:
    their account (found by email, or created without a usable password), their place in
    the care team as external member, the share, then an email once committed — with a
    link to choose their password when they have none yet, the usual notification
    otherwise. Refuses an administration account and a member of the care team proper
    (share with them directly)."""
    _require_sharing(user, report)
    email = get_user_model().objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ServiceError("Adresse e-mail invalide.") from exc
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name:
        raise ServiceError("Indiquez le prénom et le nom du professionnel invité.")
    if not 1 <= days <= INVITATION_MAX_DAYS:
        raise ServiceError(f"La durée d'accès va de 1 à {INVITATION_MAX_DAYS} jours.")
    account, created = _external_account(email=email, first_name=first_name, last_name=last_name)
    role = member_role(account, report)
    if role in (Role.CLINICIAN, Role.COORDINATOR):
        raise ServiceError(
            f"{account.get_full_name() or account.get_username()} fait déjà partie de "
            "l'équipe de soins : partagez-lui le document directement."
        )
    if role is None:
        dossier_member_add(dossier=report.dossier, user=account, role=Role.EXTERNAL, added_by=user)
        # member_role caches per user object; this one just joined.
        account.__dict__.pop("_neddie_roles", None)
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=report.dossier,
        detail=(
            f"invitation d'un professionnel externe : utilisateur {account.pk}"
            f"{' (compte créé)' if created else ''}"
            f"{f', {profession.strip()}' if profession.strip() else ''}"
        ),
    )
    share = _share_save(
        report=report,
        recipient=account,
        user=user,
        expires_at=timezone.now() + timedelta(days=days),
        message="",
    )
    if account.has_usable_password():
        transaction.on_commit(lambda: emails.share_notification_send(share_id=share.pk))
    else:
        # Also for an account invited before that never chose its password: a new link.
        transaction.on_commit(
            lambda: emails.share_invitation_send(share_id=share.pk, profession=profession.strip())
        )
    return share


@transaction.atomic
def share_revoke(*, share: Share, user: AbstractBaseUser) -> Share:
    """Revoke ``share`` (by a clinician of the dossier, whatever the report's state): the
    recipient loses access at their next request. An external member stays in the team
    and sees nothing more (they see only what is shared with them)."""
    if not can(user, "sharing.manage_shares", share.report):
        raise ServiceError(DENIED["sharing.manage_shares"])
    share = Share.objects.select_for_update().select_related("recipient").get(pk=share.pk)
    if share.revoked_at is not None:
        raise ServiceError("Ce partage est déjà révoqué.")
    share.revoked_at = timezone.now()
    share.revoked_by = user
    _full_clean(share)
    share.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=share,
        dossier_id=share.report.dossier_id,
        detail=(
            f"partage révoqué : compte rendu {share.report_id}, {share.recipient.get_username()}"
        ),
    )
    return share
