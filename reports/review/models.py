"""What the review workflow stores on a report: its timeline of events and the reviewer's
comments. Imported by ``reports.models`` so that Django registers them in ``reports``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportEvent(models.Model):
    """One step in a report's life, shown as its timeline: transitions, comments, signature,
    correction. Written by the service that made the step, in the same transaction."""

    class Kind(models.TextChoices):
        CREATED = "created", _("création")
        SUBMITTED = "submitted", _("soumis à la relecture")
        CHANGES_REQUESTED = "changes_requested", _("correction demandée")
        APPROVED = "approved", _("relecture approuvée")
        VALIDATED = "validated", _("validé par le clinicien")
        REOPENED = "reopened", _("rouvert pour modification")
        SIGNED = "signed", _("signé")
        CORRECTION_STARTED = "correction_started", _("correction d'une version signée")
        COMMENTED = "commented", _("commentaire de relecture")
        COMMENT_RESOLVED = "comment_resolved", _("commentaire traité")

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("événement du compte rendu")
        verbose_name_plural = _("événements du compte rendu")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def changed_status(self) -> bool:
        return bool(self.from_status) and self.from_status != self.to_status

    @property
    def from_status_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_status_label(self) -> str:
        return _status_label(self.to_status)


def _status_label(value: str) -> str:
    # The report model through the relation: reports.models imports this module.
    status = ReportEvent._meta.get_field("report").related_model.Status
    return str(status(value).label) if value in status.values else value


class ReviewComment(models.Model):
    """A reviewer's remark on a report, attached to a section (or the whole report). The
    clinician marks it resolved once the text answers it; validation waits for that."""

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="review_comments"
    )
    section = models.ForeignKey(
        "reports.ReportSection",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_comments",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("commentaire"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("commentaire de relecture")
        verbose_name_plural = _("commentaires de relecture")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="review_comment_not_empty"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False),
                name="review_comment_resolved_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Commentaire {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
