from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from care_plans.models import CarePlanEntry
from care_plans.services import (
    care_plan_draft_execute,
    care_plan_entry_add,
    care_plan_entry_decide,
    care_plan_identification_set,
    care_plan_sign,
    care_plan_start,
)
from dossiers import services
from dossiers.models import Consultation, Dossier
from drafting.models import DraftRun
from drafting.services import draft_run_execute, draft_run_request, statement_keep
from neddie.demo import (
    DEMO_ACCOUNTS,
    SpeechSynthesisError,
    demo_accounts_ensure,
    make_demo_recording,
)
from protocols.selectors import protocols_available
from reports.models import Report
from reports.review.services import report_correction_start, report_transition
from reports.selectors import statements_to_verify
from sharing.services import report_share
from transcription import pipeline as transcription_pipeline
from transcription.models import PipelineJob

DEMO_INITIALS = "LD"
# The report structure, then the screening grid for the child's age and the autism grid.
DEMO_PROTOCOLS = ["bilan-tnd", "reperage-tnd-0-7", "evaluation-tsa"]


class Command(BaseCommand):
    help = (
        "Crée la clinique de démonstration (une clinicienne, une coordinatrice, une "
        "orthophoniste en lecture seule, un administrateur) et un dossier dont "
        "l'enregistrement de synthèse est transcrit et rédigé. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--protocol", action="append", help="protocoles du dossier de démonstration"
        )

    def handle(self, *args, **options):
        credentials = demo_accounts_ensure(settings.DATA_DIR / "demo-accounts.json")
        users = {u.username: u for u in get_user_model().objects.filter(username__in=credentials)}
        dossier = Dossier.objects.filter(
            created_by=users["clinicienne"], patient__initials=DEMO_INITIALS
        ).first()
        if dossier is None:
            job = self._create_demo_dossier(options["protocol"] or DEMO_PROTOCOLS, users)
            dossier = Dossier.objects.get(
                created_by=users["clinicienne"], patient__initials=DEMO_INITIALS
            )
        else:
            job = PipelineJob.objects.filter(recording__consultation__dossier=dossier).first()
        for username, _first, _last, role, _staff in DEMO_ACCOUNTS:
            if role and not dossier.members.filter(user=users[username]).exists():
                services.dossier_member_add(dossier=dossier, user=users[username], role=role)
        if job is not None and job.status != PipelineJob.Status.DONE:
            self.stdout.write("Transcription de l'enregistrement de démonstration…")
            # Inline rather than queued: the demo dossier is complete when `make run` serves.
            transcription_pipeline.recording_transcribe(job_id=job.pk)
            job.refresh_from_db()
            if job.status != PipelineJob.Status.DONE:
                raise CommandError(
                    f"La transcription de démonstration a échoué : {job.error_message}"
                )
        report = dossier.reports.order_by("created_at").first()
        if report is not None and not report.runs.filter(status=DraftRun.Status.DONE).exists():
            self.stdout.write("Rédaction du brouillon de démonstration…")
            run = draft_run_request(report=report, enqueue=False)
            run = draft_run_execute(run_id=run.pk) or run
            if run.fallback_reason:
                self.stdout.write(f"Avertissement : {run.fallback_reason}")
        if report is not None and not dossier.reports.filter(status=Report.Status.SIGNED).exists():
            self.stdout.write("Relecture, signature, plan d'interventions et partage…")
            self._demo_signed_pathway(report, users)
        self.stdout.write("Comptes de démonstration (identifiant / mot de passe) :")
        for username, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username} / {credentials[username]}")

    def _create_demo_dossier(self, slugs, users):
        found = {p.slug: p for p in protocols_available().filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise CommandError(
                f"Protocole inconnu : {', '.join(missing)} (lancez load_default_protocols)."
            )
        today = timezone.localdate()
        dossier = services.dossier_create(
            initials=DEMO_INITIALS,
            birth_date=date(today.year - 3, 3, 14),
            sex="M",
            protocols=[found[slug] for slug in slugs],
            created_by=users["clinicienne"],
        )
        try:
            audio_path = make_demo_recording(settings.DATA_DIR / "demo" / "consultation-demo.wav")
        except SpeechSynthesisError as exc:
            raise CommandError(str(exc)) from exc
        with open(audio_path, "rb") as handle:
            job = services.consultation_record(
                dossier=dossier,
                date=today,
                modality=Consultation.Modality.TELECONSULTATION,
                participants="pédopsychiatre, mère",
                recording_consent=True,
                # The family agreed to share the report with the care team (the demo's
                # speech therapist reads it once signed).
                sharing_consent=True,
                consent_given_by="Mme D. (mère)",
                consent_relationship=Consultation.Relationship.MOTHER,
                audio=File(handle, name=str(audio_path)),
                original_name=audio_path.name,
                user=users["clinicienne"],
                enqueue=False,
            ).jobs.get()
        return job

    @transaction.atomic
    def _demo_signed_pathway(self, report, users):
        """The whole pathway on the drafted report, as the demo team would walk it: reviewed,
        signed, its care plan established (the report's proposals retained, an intervention
        and a re-evaluation added) and signed, shared with the speech therapist; then a
        correction started, so that the editor has a draft (version 2) to work on. The final
        PDFs are rendered by the worker once neddie serves."""
        clinician, coordinator = users["clinicienne"], users["coordinatrice"]
        for statement in statements_to_verify(report):
            statement_keep(statement=statement, user=clinician)
        report_transition(report=report, name="submit", user=clinician)
        report_transition(report=report, name="approve", user=coordinator)
        report = report_transition(report=report, name="sign", user=clinician)

        plan = care_plan_start(report=report, user=clinician, enqueue=False)
        # Rules only: the plan's proposals come from the report's own words in a second.
        care_plan_draft_execute(care_plan_id=plan.pk, engine="extractive")
        for entry in CarePlanEntry.objects.filter(
            section__care_plan=plan, status=CarePlanEntry.Status.PROPOSED
        ):
            care_plan_entry_decide(entry=entry, user=clinician, accept=True)
        sections = {section.key: section for section in plan.sections.all()}
        today = timezone.localdate()
        if "plan-interventions" in sections:
            care_plan_entry_add(
                section=sections["plan-interventions"],
                user=clinician,
                intervention_type=CarePlanEntry.InterventionType.SPEECH,
                text="Rééducation du langage oral et de la communication.",
                professional="Paul Roux, orthophoniste",
                frequency="1 séance par semaine",
                duration="6 mois",
                place=CarePlanEntry.Place.TELECONSULTATION,
                funding=CarePlanEntry.Funding.EARLY_PACKAGE,
            )
        if "plan-suivi" in sections:
            care_plan_entry_add(
                section=sections["plan-suivi"],
                user=clinician,
                text="Réévaluation du langage avec la famille.",
                professional="Orthophoniste et pédopsychiatre",
                responsible=coordinator,
                target_date=today + timedelta(days=10),
            )
        care_plan_identification_set(
            plan=plan, user=clinician, coordinator=coordinator, participants="Mère, pédopsychiatre"
        )
        care_plan_sign(plan=plan, user=clinician)
        report_share(report=report, recipient=users["orthophoniste"], user=clinician)
        report_correction_start(report=report, user=clinician)
