"""Writing reports: the dossier's draft report, made from its protocols' grids, and the
transcripts attached to it as sources."""

from django.db import transaction
from django.dispatch import Signal

from dossiers.models import (
    Dossier,
)
from dossiers.selectors import dossier_child_age, dossier_protocols
from neddie.errors import ServiceError
from protocols.selectors import version_grid
from reports.models import Report, ReportItem, ReportSection
from transcription.models import Transcript

# Sent inside the transaction that attaches a transcript to a report (arguments: report,
# transcript).
report_transcript_attached = Signal()


@transaction.atomic
def report_draft_ensure(*, dossier: Dossier) -> Report:
    """The dossier's draft report. If there is none, it is created from the published
    version of each of the dossier's protocols: their report sections in order, with the
    items that apply at the child's age (corrected before 2 years for a preterm child) on
    the date of the latest consultation. The report keeps those versions for good."""
    # Lock the dossier so that two transcriptions finishing together create one report.
    Dossier.objects.select_for_update().get(pk=dossier.pk)
    # The open report (any status but signed) takes the new sources; after a signature, a
    # new report is started (a correction of the signed one is started by the clinician).
    report = dossier.reports.exclude(status=Report.Status.SIGNED).order_by("-created_at").first()
    if report is not None:
        return report

    versions = [v for v in (p.published_version() for p in dossier_protocols(dossier)) if v]
    if not versions:
        raise ServiceError("Aucun protocole publié pour ce dossier.")
    age_months, corrected = dossier_child_age(dossier)
    report = Report.objects.create(
        dossier=dossier, child_age_months=age_months, age_is_corrected=corrected
    )
    report.protocol_versions.set(versions)
    position = 0
    for version in versions:
        for entry in version_grid(version, age_months):
            position += 1
            section = ReportSection.objects.create(
                report=report,
                source_section=entry.section,
                key=entry.section.key,
                title=entry.section.title,
                guidance=entry.section.guidance,
                position=position,
            )
            ReportItem.objects.bulk_create(
                ReportItem(
                    section=section, source_item=item, key=item.key, label=item.label, position=i
                )
                for i, item in enumerate(entry.items, start=1)
            )
    return report


@transaction.atomic
def report_attach_transcript(*, dossier: Dossier, transcript: Transcript) -> Report:
    """Attach a transcript to the dossier's draft report as source material."""
    report = report_draft_ensure(dossier=dossier)
    report.transcripts.add(transcript)
    # Drafting stands above the report: it hears of the new source by this signal.
    report_transcript_attached.send(sender=Report, report=report, transcript=transcript)
    return report
