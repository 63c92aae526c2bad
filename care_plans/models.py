"""The care plan (projet personnalisé d'interventions): what the care team acts on once the
report is validated. Laid out by the care-plan sections of the report's protocols; its
structured rows (needs, goals, interventions, school measures, steps, assessments,
follow-ups) are what the coordinator and the PDF table read. Imported by
``reports.models`` so that Django registers them in ``reports``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from neddie.jobs import Job


class CarePlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        SIGNED = "signed", _("validé et signé")

    report = models.OneToOneField(
        "reports.Report", on_delete=models.PROTECT, related_name="care_plan"
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default="draft")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_care_plans",
        verbose_name=_("référent ou coordinateur de parcours"),
    )
    participants = models.CharField(
        _("participants à l'élaboration"),
        max_length=400,
        blank=True,
        help_text=_("La famille en fait partie."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "reports_careplan"
        verbose_name = _("plan personnalisé d'interventions")
        verbose_name_plural = _("plans personnalisés d'interventions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="signed")
                | (Q(signed_by__isnull=False) & Q(signed_at__isnull=False) & ~Q(signed_sha256="")),
                name="care_plan_signed_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan d'interventions du compte rendu {self.report_id}"

    @property
    def dossier_id(self) -> int:
        # Who may do what on a plan is asked of its dossier's care team.
        return self.report.dossier_id

    @property
    def drafting(self) -> "CarePlanDraftJob | None":
        """The latest request for proposals from the report (None: never asked)."""
        return self.drafting_jobs.order_by("-created_at", "-pk").first()


class CarePlanDraftJob(Job):
    """Proposals of rows for a care plan, prepared by a worker from the report's
    conclusions (rules, and the drafting engine when one runs)."""

    task_name = "care_plans.tasks.propose_care_plan_rows"
    kind_label = _("propositions du plan d'interventions")

    care_plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="drafting_jobs")
    # What prepared the proposals, and what the clinician should know about them.
    engine = models.CharField(max_length=60, blank=True)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "reports_careplandraftjob"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("propositions du plan d'interventions")
        verbose_name_plural = _("propositions du plan d'interventions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_message=""),
                name="care_plan_draft_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Propositions n° {self.pk} du plan {self.care_plan_id}"


class CarePlanSection(models.Model):
    care_plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="sections")
    source_section = models.ForeignKey(
        "protocols.ProtocolSection", on_delete=models.PROTECT, related_name="+"
    )
    key = models.SlugField()
    title = models.CharField(_("titre"), max_length=200)
    guidance = models.TextField(blank=True)
    position = models.PositiveIntegerField()
    body = models.TextField(_("texte"), blank=True)

    class Meta:
        db_table = "reports_careplansection"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["care_plan", "key"], name="care_plan_section_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Domain(models.TextChoices):
    """Functional domains of the HAS grid, as the synthesis of a bilan names them."""

    COMMUNICATION = "communication", _("communication et langage")
    SOCIAL = "social", _("interactions sociales")
    COGNITION = "cognition", _("cognition")
    SENSORIMOTOR = "sensorimoteur", _("sensoriel et moteur")
    BEHAVIOUR = "comportement", _("émotions et comportement")
    SOMATIC = "somatique", _("somatique")
    AUTONOMY = "autonomie", _("autonomie")
    LEARNING = "apprentissages", _("apprentissages")


class CarePlanEntry(models.Model):
    """One row of the plan. Which fields matter depends on ``kind``; the section a row
    belongs to decides its kind (``care_plan.layout``)."""

    class Kind(models.TextChoices):
        NEED = "need", _("besoin")
        GOAL = "goal", _("objectif")
        INTERVENTION = "intervention", _("intervention")
        SCHOOL = "school", _("mesure scolaire")
        STEP = "step", _("démarche")
        ASSESSMENT = "assessment", _("bilan à programmer")
        FOLLOW_UP = "follow_up", _("réévaluation")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposé, à relire")
        ACCEPTED = "accepted", _("retenu")
        REJECTED = "rejected", _("écarté")

    class Origin(models.TextChoices):
        ENGINE = "engine", _("proposé à partir du compte rendu")
        CLINICIAN = "clinician", _("saisi par le clinicien")

    class InterventionType(models.TextChoices):
        SPEECH = "orthophonie", _("orthophonie")
        PSYCHOMOTOR = "psychomotricite", _("psychomotricité")
        OCCUPATIONAL = "ergotherapie", _("ergothérapie")
        PSYCHOLOGIST = "psychologue", _("psychologue")
        NEUROPSYCHOLOGIST = "neuropsychologue", _("neuropsychologue")
        EDUCATIONAL = "educatif", _("accompagnement éducatif")
        PARENT_TRAINING = "guidance", _("guidance parentale / PEHP")
        PSYCHOEDUCATION = "psychoeducation", _("psychoéducation")
        MEDICAL = "medical", _("suivi médical")
        OTHER = "autre", _("autre")

    class Place(models.TextChoices):
        OFFICE = "cabinet", _("cabinet")
        HOME = "domicile", _("domicile")
        SCHOOL = "ecole", _("école")
        TELECONSULTATION = "teleconsultation", _("téléconsultation")
        FACILITY = "structure", _("structure (CAMSP, CMPP, SESSAD…)")

    class Funding(models.TextChoices):
        CONVENTIONED = "conventionne", _("actes conventionnés (Assurance maladie)")
        EARLY_PACKAGE = "forfait_pco", _("forfait précoce (PCO)")
        MDPH = "mdph", _("droits MDPH")
        OTHER = "autre", _("autre ou à déterminer")

    class SchoolMeasure(models.TextChoices):
        ADJUSTMENTS = "amenagements", _("aménagements pédagogiques")
        PAP = "pap", _("PAP — plan d'accompagnement personnalisé")
        PPS = "pps", _("PPS — projet personnalisé de scolarisation (MDPH)")
        AESH = "aesh", _("AESH — accompagnant d'élève en situation de handicap")

    section = models.ForeignKey(CarePlanSection, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("type de ligne"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.ACCEPTED
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.CLINICIAN)
    position = models.PositiveIntegerField(default=0)
    domain = models.CharField(_("domaine"), max_length=20, choices=Domain.choices, blank=True)
    text = models.TextField(_("description"))
    priority = models.PositiveSmallIntegerField(_("priorité"), null=True, blank=True)
    criterion = models.CharField(_("critère d'atteinte"), max_length=300, blank=True)
    target_date = models.DateField(_("échéance"), null=True, blank=True)
    intervention_type = models.CharField(
        _("type d'intervention"), max_length=20, choices=InterventionType.choices, blank=True
    )
    professional = models.CharField(_("professionnel ou structure"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membre de l'équipe responsable"),
    )
    frequency = models.CharField(_("fréquence"), max_length=100, blank=True)
    duration = models.CharField(_("durée"), max_length=100, blank=True)
    place = models.CharField(_("lieu"), max_length=20, choices=Place.choices, blank=True)
    funding = models.CharField(_("financement"), max_length=20, choices=Funding.choices, blank=True)
    school_measure = models.CharField(
        _("mesure scolaire"), max_length=20, choices=SchoolMeasure.choices, blank=True
    )
    # The report passage the row comes from (engine proposals always have one): a sentence
    # of a validated report, copied, since the report's text is then frozen.
    source_section = models.ForeignKey(
        "reports.ReportSection", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_quote = models.TextField(_("passage du compte rendu"), blank=True)
    # Follow-ups: the coordinator's reminders.
    done_at = models.DateTimeField(_("réalisé le"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "reports_careplanentry"
        ordering = ["section__position", "position", "pk"]
        verbose_name = _("ligne du plan")
        verbose_name_plural = _("lignes du plan")
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin="engine") | ~Q(source_quote=""),
                name="care_plan_entry_engine_cites",
            ),
            models.CheckConstraint(
                condition=~Q(kind="follow_up") | Q(target_date__isnull=False),
                name="care_plan_follow_up_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.text[:60]}"
