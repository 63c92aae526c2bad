"""What drafting stores on a report: the runs, the utterances citations point to, each
section's versions (drafts, AI edit proposals, the clinician's own text) with their
statements and citations, the routing scores, and the contradictions found between
consultations. Imported by ``reports.models`` so that Django registers them in ``reports``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from neddie.jobs import Job


class DraftRun(Job):
    """One drafting of a report: engine, prompt and grid versions, timings, outcome."""

    task_name = "reports.tasks.draft_report"
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


class Utterance(models.Model):
    """A sentence of a transcript segment: what a report statement cites."""

    transcript = models.ForeignKey(
        "reports.Transcript", on_delete=models.CASCADE, related_name="utterances"
    )
    segment = models.ForeignKey("reports.Segment", on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField()  # 1-based, in the transcript's order
    text = models.TextField()
    start = models.FloatField()
    end = models.FloatField()

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "index"], name="utterance_index_unique"),
        ]

    def __str__(self) -> str:
        return f"U{self.index:04d}"


class SectionVersion(models.Model):
    """One text of a report section. Exactly one is accepted at a time (a database
    constraint); AI drafts and edits arrive as proposals that replace nothing until the
    clinician accepts them; no version is ever deleted or rewritten."""

    class Origin(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        EXPAND = "expand", _("développer")
        SHORTEN = "shorten", _("réduire")
        REPHRASE = "rephrase", _("reformuler")
        REGENERATE = "regenerate", _("régénérer")
        CLINICIAN = "clinician", _("saisie du clinicien")
        UNDO = "undo", _("annulation")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposition")
        ACCEPTED = "accepted", _("retenue")
        REJECTED = "rejected", _("refusée")
        SUPERSEDED = "superseded", _("remplacée")

    section = models.ForeignKey(
        "reports.ReportSection", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    origin = models.CharField(max_length=12, choices=Origin.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Positions of the statements the edit was asked on (empty: the whole section).
    selection = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    diff = models.TextField(blank=True)  # unified diff against ``based_on``
    note = models.TextField(blank=True)  # e.g. why the model's answer was set aside
    findings = models.JSONField(default=dict, blank=True)  # item key → finding
    run = models.ForeignKey(
        DraftRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="versions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["section", "number"]
        verbose_name = _("version de section")
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="section_version_unique"),
            models.UniqueConstraint(
                fields=["section"],
                condition=Q(status="accepted"),
                name="one_accepted_version_per_section",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} ({self.get_status_display()})"


class Statement(models.Model):
    """A sentence of a section version, with the passages it rests on."""

    class Origin(models.TextChoices):
        LLM = "llm", _("rédigée par le modèle")
        EXTRACTIVE = "extractive", _("citation des passages")
        CLINICIAN = "clinician", _("écrite par le clinicien")

    class Verdict(models.TextChoices):
        SUPPORTED = "supported", _("vérifiée")
        FLAGGED = "flagged", _("à vérifier")
        UNSUPPORTED = "unsupported", _("écartée : non étayée")
        UNCHECKED = "unchecked", _("non vérifiée (texte du clinicien)")

    version = models.ForeignKey(SectionVersion, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveIntegerField()
    item = models.ForeignKey(
        "reports.ReportItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    origin = models.CharField(max_length=12, choices=Origin.choices)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    reasons = models.JSONField(default=list, blank=True)
    support = models.FloatField(null=True, blank=True)
    citations = models.ManyToManyField(Utterance, related_name="statements", blank=True)
    # A flagged statement stands out until the clinician keeps it (here), edits or deletes it.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="statement_unique"),
        ]

    def __str__(self) -> str:
        return f"Phrase {self.position}"

    @property
    def shown(self) -> bool:
        return self.verdict != self.Verdict.UNSUPPORTED

    @property
    def needs_review(self) -> bool:
        """Flagged by verification and not yet kept by the clinician."""
        return self.verdict == self.Verdict.FLAGGED and self.confirmed_at is None


class EditJob(Job):
    """An AI edit of a section (expand, shorten, rephrase, regenerate) run by a worker, with
    the progress the editor shows. Its result is a proposal ``based_on`` the text accepted
    when the job was asked for: it never replaces a text edited while it ran."""

    task_name = "reports.tasks.propose_section_edit"
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
        ordering = ["run", "section"]

    def __str__(self) -> str:
        return f"Contradiction {self.first} / {self.second}"
