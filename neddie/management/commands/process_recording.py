import json
from datetime import date
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from documents.pdf import report_pdf_render
from dossiers import services
from dossiers.models import Consultation
from drafting.llm import ENGINES
from drafting.selectors import report_draft_as_dict
from drafting.services import draft_run_execute, draft_run_request
from protocols.selectors import protocols_available
from reports.models import Report
from reports.selectors import report_sources
from transcription import pipeline as transcription_pipeline
from transcription.models import PipelineJob

CLI_CONSENT = "attesté par l'opérateur (ligne de commande)"


class Command(BaseCommand):
    help = (
        "Traite un enregistrement de bout en bout sans serveur web : dépôt, transcription, "
        "compte rendu, PDF. Sans --consultation, crée un dossier pseudonymisé pour l'occasion."
    )

    def add_arguments(self, parser):
        parser.add_argument("audio", type=Path)
        parser.add_argument(
            "--protocol",
            required=True,
            action="append",
            help="identifiant du protocole (répéter l'option pour en suivre plusieurs)",
        )
        parser.add_argument("--pdf", type=Path, help="écrit le compte rendu en PDF ici")
        parser.add_argument(
            "--engine", choices=ENGINES, help="moteur de rédaction (défaut : réglages)"
        )
        parser.add_argument(
            "--json", type=Path, help="écrit le compte rendu et la transcription en JSON ici"
        )
        parser.add_argument(
            "--consultation", type=int, help="rattache l'enregistrement à cette consultation"
        )
        parser.add_argument(
            "--initials", default="XX", help="initiales de l'enfant (nouveau dossier)"
        )
        parser.add_argument(
            "--birth-date", type=date.fromisoformat, help="AAAA-MM-JJ (nouveau dossier)"
        )
        parser.add_argument(
            "--gestational-weeks", type=int, help="terme de naissance en SA, si prématuré"
        )
        parser.add_argument(
            "--sharing-consent",
            action="store_true",
            help="le représentant légal consent aussi au partage du compte rendu avec "
            "l'équipe de soins (nouveau dossier ; attesté par l'opérateur)",
        )

    def handle(self, *args, **options):
        audio: Path = options["audio"]
        if not audio.is_file():
            raise CommandError(f"Fichier introuvable : {audio}")
        protocols = list(protocols_available().filter(slug__in=options["protocol"]))
        unknown = set(options["protocol"]) - {p.slug for p in protocols}
        if unknown:
            known = ", ".join(protocols_available().values_list("slug", flat=True)) or "aucun"
            raise CommandError(
                f"Protocole inconnu ou non publié : {', '.join(sorted(unknown))} "
                f"(disponibles : {known})."
            )
        protocols.sort(key=lambda p: options["protocol"].index(p.slug))

        operator = services.cli_operator_get()
        try:
            # One transaction: a refused recording leaves no empty dossier behind.
            with transaction.atomic(), open(audio, "rb") as handle:
                consultation = self._consultation(options, protocols, operator)
                job = services.recording_upload(
                    consultation=consultation,
                    audio=File(handle, name=str(audio)),
                    original_name=audio.name,
                    uploaded_by=operator,
                    enqueue=False,
                ).jobs.get()
        except services.ServiceError as exc:
            raise CommandError(exc.message) from exc

        with tqdm(
            total=100, unit="%", desc="transcription", disable=options["verbosity"] == 0
        ) as bar:

            def advance(fraction: float) -> None:
                bar.update(int(fraction * 100) - bar.n)

            transcription_pipeline.recording_transcribe(job_id=job.pk, on_progress=advance)
            bar.update(100 - bar.n)
        job.refresh_from_db()
        if job.status != PipelineJob.Status.DONE:
            raise CommandError(job.error_message)

        report = Report.objects.get(transcripts__recording=job.recording)
        # The same drafting path as the workers', run here.
        run = draft_run_request(report=report, enqueue=False)
        if options["verbosity"]:
            self.stderr.write("Rédaction du brouillon…")
        run = draft_run_execute(run_id=run.pk, engine=options["engine"]) or run
        if run.fallback_reason:
            self.stderr.write(f"Avertissement : {run.fallback_reason}")
        if options["pdf"]:
            options["pdf"].write_bytes(report_pdf_render(report).content)
            self.stdout.write(f"PDF : {options['pdf']}")
        if options["json"]:
            options["json"].write_text(
                json.dumps(_report_as_dict(report), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"JSON : {options['json']}")
        self.stdout.write(
            f"Dossier {report.dossier.patient.code} : compte rendu n° {report.pk}, "
            f"{job.recording.transcript.segments.count()} segments transcrits."
        )

    def _consultation(self, options, protocols, operator) -> Consultation:
        if options["consultation"]:
            consultation = Consultation.objects.filter(pk=options["consultation"]).first()
            if consultation is None:
                raise CommandError(f"Consultation introuvable : {options['consultation']}")
            if options["sharing_consent"]:
                # An existing consultation's consents are recorded with who gave them, on
                # the dossier page: the operator cannot attest them for someone else.
                raise CommandError(
                    "--sharing-consent ne vaut que pour un nouveau dossier : le consentement "
                    "d'une consultation existante s'enregistre sur la page du dossier."
                )
            return consultation
        dossier = services.dossier_create(
            initials=options["initials"],
            birth_date=options["birth_date"],
            sex="X",
            protocols=protocols,
            gestational_age_weeks=options["gestational_weeks"],
            created_by=operator,
        )
        return services.consultation_create(
            dossier=dossier,
            date=timezone.localdate(),
            modality=Consultation.Modality.TELECONSULTATION,
            participants="",
            recording_consent=True,
            sharing_consent=options["sharing_consent"],
            consent_given_by=CLI_CONSENT,
            created_by=operator,
        )


def _report_as_dict(report: Report) -> dict:
    return {
        "report_id": report.pk,
        "dossier_id": report.dossier_id,
        "patient_code": report.dossier.patient.code,
        "protocols": [
            {"slug": v.protocol.slug, "version": v.number}
            for v in report.protocol_versions.select_related("protocol")
        ],
        "child_age_months": report.child_age_months,
        "age_is_corrected": report.age_is_corrected,
        "status": report.status,
        **report_draft_as_dict(report),
        "transcripts": [
            {
                "transcript_id": transcript.pk,
                "consultation_id": transcript.recording.consultation_id,
                "language": transcript.language,
                "duration_seconds": transcript.duration_seconds,
                "segments": [
                    {
                        "id": segment.pk,
                        "start": segment.start,
                        "end": segment.end,
                        "text": segment.text,
                        "speaker": segment.speaker,
                        "confidence": segment.confidence,
                    }
                    for segment in transcript.segments.all()
                ],
            }
            for transcript in report_sources(report)
        ],
    }
