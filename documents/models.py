"""Final PDF documents (report and care plan), rendered by a Celery task and kept, so that
what was shared and downloaded is the file that was rendered once. Imported by
``reports.models`` so that Django registers them in ``reports``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from neddie.jobs import Job


class RenderedDocument(Job):
    task_name = "documents.tasks.render_document"
    kind_label = _("document PDF")

    class Audience(models.TextChoices):
        # The care team may read the transcripts: their copy has them as an annex.
        TEAM = "team", _("équipe de soins (avec transcriptions en annexe)")
        # Externals read the report and plan only.
        RECIPIENT = "recipient", _("destinataires (sans transcriptions)")

    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, related_name="documents")
    care_plan = models.ForeignKey(
        "care_plans.CarePlan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    file = models.FileField(upload_to="documents/", max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "reports_rendereddocument"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document PDF")
        verbose_name_plural = _("documents PDF")

    def __str__(self) -> str:
        return f"PDF {self.pk} du compte rendu {self.report_id}"
