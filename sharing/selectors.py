"""Reads on shares: a report's shares with their status and downloads (from the audit log),
the shares a user received, and the share a download goes through. Who may call them is
decided by the views (``sharing.view_shares``); these functions do not scope by user
except where they say so."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from dossiers.models import DossierMember
from dossiers.permissions import can
from reports.models import Report
from sharing.models import Share

User = get_user_model()

ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"
STATUS_LABELS = {ACTIVE: "actif", EXPIRED: "expiré", REVOKED: "révoqué"}


def share_status(share: Share, now: datetime | None = None) -> str:
    if share.revoked_at is not None:
        return REVOKED
    return ACTIVE if share.is_active(now) else EXPIRED


@dataclass
class ShareRow:
    """One share as the panels show it."""

    share: Share
    status: str
    downloads: list[AuditEvent] = field(default_factory=list)
    role_label: str = ""
    # May the recipient open the document now (shares received)?
    can_open: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


def share_download_detail(share: Share) -> str:
    """The audit detail of a download made through ``share``; the panel finds downloads
    by it, so writer and reader use this one function."""
    return f"téléchargement PDF (partage n° {share.pk})"


def share_active_for(user: AbstractBaseUser, report: Report) -> Share | None:
    """The live share of ``report`` with ``user`` (None: they read it, if at all, as a
    member of the care team)."""
    if not user.is_authenticated:
        return None
    return Share.objects.active().filter(report=report, recipient=user).first()


def report_download_detail(user: AbstractBaseUser, report: Report) -> str:
    """What the audit event of a PDF download says: the share it goes through, if any,
    so that every download by a recipient is counted against the share."""
    share = share_active_for(user, report)
    return share_download_detail(share) if share is not None else "PDF"


def report_shares(report: Report) -> list[ShareRow]:
    """Every share of ``report``, live ones first, each with its status, the recipient's
    role in the team and the downloads made through it (audit events, oldest first)."""
    now = timezone.now()
    shares = list(
        report.shares.select_related("recipient", "granted_by", "revoked_by").order_by(
            "-created_at", "-pk"
        )
    )
    roles = dict(
        DossierMember.objects.filter(
            dossier_id=report.dossier_id, user_id__in=[s.recipient_id for s in shares]
        ).values_list("user_id", "role")
    )
    details = {share_download_detail(share): share for share in shares}
    downloads: dict[int, list[AuditEvent]] = {share.pk: [] for share in shares}
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ,
        object_type="report",
        object_id=str(report.pk),
        detail__in=list(details),
    ).order_by("created_at", "pk")
    for event in events:
        downloads[details[event.detail].pk].append(event)
    rows = [
        ShareRow(
            share=share,
            status=share_status(share, now),
            downloads=downloads[share.pk],
            role_label=(
                str(DossierMember.Role(roles[share.recipient_id]).label)
                if share.recipient_id in roles
                else "hors de l'équipe"
            ),
        )
        for share in shares
    ]
    order = {ACTIVE: 0, EXPIRED: 1, REVOKED: 2}
    return sorted(rows, key=lambda row: order[row.status])


def share_candidates(report: Report, user: AbstractBaseUser) -> QuerySet:
    """The care team members ``user`` may share ``report`` with: everyone in the
    dossier's team but themselves."""
    return (
        User.objects.filter(dossiermember__dossier_id=report.dossier_id, is_active=True)
        .exclude(pk=user.pk)
        .order_by("last_name", "first_name", "username")
    )


def shares_received(user: AbstractBaseUser) -> list[ShareRow]:
    """The shares ``user`` received, live ones first, newest first within each status;
    ``can_open`` says whether the document opens for them now (a live share, and the
    sharing consent still given; a care team member reads it anyway)."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    shares = Share.objects.filter(recipient=user).select_related(
        "report__dossier__patient", "granted_by"
    )
    rows = [
        ShareRow(
            share=share,
            status=share_status(share, now),
            can_open=can(user, "reports.view_report", share.report),
        )
        for share in shares
    ]
    order = {ACTIVE: 0, EXPIRED: 1, REVOKED: 2}
    return sorted(rows, key=lambda row: order[row.status])
