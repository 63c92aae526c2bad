"""What drafting stores about its work on a report: the runs, the AI edit jobs, the
routing scores and the contradictions found between consultations. The section versions and
statements it writes belong to the report (``reports.models``); the tables keep the names
they had in the ``reports`` app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from neddie.jobs import Job
from reports.models import SectionVersion
from transcription.models import Utterance


class DraftRun(Job):
    """One drafting of a report: engine, prompt and grid versions, timings, outcome."""

    task_name = "drafting.tasks.draft_report"
    kind_label = _("rédaction du brouillon")

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="runs")
    engine = models.CharField(max_length=40, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    protocol_versions = models.JSONField(default=list, blank=True)
    # "C1" → transcript id: what the utterance ids of this run refer to.
    sources = models.JSONField(default=dict, blank=True)
    fallback_reason = models.TextField(_("rédaction sans modèle : motif"), blank=True)
    seconds = models.JSONField(default=dict, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "reports_draftrun"
        ordering = ["-created_at"]
        verbose_name = _("rédaction")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_message=""),
                name="draft_run_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Rédaction n° {self.pk} ({self.get_status_display()})"


class EditJob(Job):
    """An AI edit of a section (expand, shorten, rephrase, regenerate) run by a worker, with
    the progress the editor shows. Its result is a proposal ``based_on`` the text accepted
    when the job was asked for: it never replaces a text edited while it ran."""

    task_name = "drafting.tasks.propose_section_edit"
    kind_label = _("modification par IA")

    section = models.ForeignKey(
        "reports.ReportSection", on_delete=models.CASCADE, related_name="edit_jobs"
    )
    action = models.CharField(max_length=12, choices=SectionVersion.Origin.choices)
    selection = models.JSONField(default=list, blank=True)  # statement positions, 1-based
    based_on = models.ForeignKey(
        SectionVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.ForeignKey(
        SectionVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "reports_editjob"
        ordering = ["-created_at"]
        verbose_name = _("modification par IA")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="edit_job_progress_max"),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_message=""),
                name="edit_job_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} n° {self.pk} ({self.get_status_display()})"


class RoutedEvidence(models.Model):
    """An utterance routed to a section or item by a run, with its scores."""

    run = models.ForeignKey(DraftRun, on_delete=models.CASCADE, related_name="evidence")
    section = models.ForeignKey(
        "reports.ReportSection", on_delete=models.CASCADE, related_name="evidence"
    )
    item = models.ForeignKey(
        "reports.ReportItem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    utterance = models.ForeignKey(Utterance, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    similarity = models.FloatField()
    keywords = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "reports_routedevidence"
        ordering = ["run", "section", "-score"]

    def __str__(self) -> str:
        return f"{self.utterance} → {self.section} ({self.score:.3f})"


class Contradiction(models.Model):
    """Two consultations disagree on an item: shown to the clinician, never resolved by the
    machine."""

    run = models.ForeignKey(DraftRun, on_delete=models.CASCADE, related_name="contradictions")
    section = models.ForeignKey(
        "reports.ReportSection", on_delete=models.CASCADE, related_name="contradictions"
    )
    item = models.ForeignKey(
        "reports.ReportItem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    first = models.ForeignKey(Utterance, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Utterance, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)

    class Meta:
        db_table = "reports_contradiction"
        ordering = ["run", "section"]

    def __str__(self) -> str:
        return f"Contradiction {self.first} / {self.second}"
