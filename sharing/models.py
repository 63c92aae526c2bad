"""Shares of signed documents with the care team and invited external professionals.
Imported by ``reports.models`` so that Django registers them in ``reports``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShareQuerySet(models.QuerySet):
    def active(self, now=None):
        """Not revoked and not expired: what gives access, checked on every request."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Share(models.Model):
    """A signed report (with its signed care plan, if any) given to one person. Access ends
    at ``expires_at`` or when revoked; each download is an audit event."""

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="shares")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="shares_received",
        verbose_name=_("destinataire"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shares_granted"
    )
    message = models.TextField(_("message au destinataire"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("accès jusqu'au"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = ShareQuerySet.as_manager()

    class Meta:
        db_table = "reports_share"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("partage")
        verbose_name_plural = _("partages")
        constraints = [
            # One live share per person and document: sharing again extends it.
            models.UniqueConstraint(
                fields=["report", "recipient"],
                condition=Q(revoked_at__isnull=True),
                name="share_one_live_per_recipient",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="share_revocation_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"Partage {self.pk} du compte rendu {self.report_id}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
