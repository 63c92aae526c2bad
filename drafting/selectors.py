"""Reads of a drafted report: what the editor, the PDF and the command line show."""

from dataclasses import dataclass, field

from drafting.models import Contradiction, DraftRun, EditJob, RoutedEvidence
from reports.models import Report, ReportSection, SectionVersion
from reports.models import Statement as StatementRow
from transcription.models import Transcript


def utterance_labels(report: Report) -> dict[int, str]:
    """Utterance pk → "C1-U0007" (consultation in date order, utterance number)."""
    transcripts = Transcript.objects.filter(reports=report).order_by(
        "recording__consultation__date", "recording__consultation_id", "recording_id", "pk"
    )
    labels = {}
    for number, transcript in enumerate(transcripts, start=1):
        for pk, index in transcript.utterances.values_list("pk", "index"):
            labels[pk] = f"C{number}-U{index:04d}"
    return labels


def report_latest_run(report: Report) -> DraftRun | None:
    return report.runs.first()


def report_latest_done_run(report: Report) -> DraftRun | None:
    return report.runs.filter(status=DraftRun.Status.DONE).first()


@dataclass
class Citation:
    label: str
    speaker: str
    text: str
    start: float
    end: float
    consultation_date: object
    recording_id: int
    # Set once the retention period has deleted the audio: the chip then plays nothing.
    audio_deleted_at: object = None


@dataclass
class StatementView:
    row: StatementRow
    citations: list[Citation]


@dataclass
class SectionPanel:
    section: ReportSection
    accepted: SectionVersion | None
    statements: list[StatementView] = field(default_factory=list)  # shown in the text
    set_aside: list[StatementView] = field(default_factory=list)  # unsupported
    proposals: list[SectionVersion] = field(default_factory=list)
    evidence: dict[int | None, list[RoutedEvidence]] = field(default_factory=dict)
    contradictions: list[Contradiction] = field(default_factory=list)


def _statement_views(version: SectionVersion, labels: dict[int, str]) -> list[StatementView]:
    rows = version.statements.prefetch_related(
        "citations__segment", "citations__transcript__recording__consultation"
    ).select_related("item")
    views = []
    for row in rows:
        citations = [
            Citation(
                label=labels.get(u.pk, f"U{u.index:04d}"),
                speaker=u.segment.speaker,
                text=u.text,
                start=u.start,
                end=u.end,
                consultation_date=u.transcript.recording.consultation.date,
                recording_id=u.transcript.recording_id,
                audio_deleted_at=u.transcript.recording.audio_deleted_at,
            )
            for u in row.citations.all()
        ]
        views.append(StatementView(row, sorted(citations, key=lambda c: c.label)))
    return views


def report_section_panels(report: Report) -> list[SectionPanel]:
    labels = utterance_labels(report)
    run = report_latest_done_run(report)
    return [
        _section_panel(section, labels, run)
        for section in report.sections.prefetch_related("items").order_by("position")
    ]


def report_section_panel(report: Report, section: ReportSection) -> SectionPanel:
    """One section's panel, as stored now (what the editor refreshes after an autosave)."""
    section = report.sections.prefetch_related("items").get(pk=section.pk)
    return _section_panel(section, utterance_labels(report), report_latest_done_run(report))


def _section_panel(
    section: ReportSection, labels: dict[int, str], run: DraftRun | None
) -> SectionPanel:
    versions = list(section.versions.order_by("number"))
    accepted = next((v for v in versions if v.status == SectionVersion.Status.ACCEPTED), None)
    panel = SectionPanel(
        section=section,
        accepted=accepted,
        proposals=[v for v in versions if v.status == SectionVersion.Status.PROPOSED],
    )
    if accepted:
        views = _statement_views(accepted, labels)
        panel.statements = [v for v in views if v.row.shown]
        panel.set_aside = [v for v in views if not v.row.shown]
    if run:
        for entry in run.evidence.filter(section=section).select_related("utterance"):
            panel.evidence.setdefault(entry.item_id, []).append(entry)
        panel.contradictions = list(
            run.contradictions.filter(section=section).select_related("first", "second")
        )
    return panel


def report_draft_as_dict(report: Report) -> dict:
    """The report's current text, statement by statement, with citations and verdicts."""
    labels = utterance_labels(report)
    run = report_latest_done_run(report)
    sections = []
    for panel in report_section_panels(report):
        section = panel.section
        sections.append(
            {
                "key": section.key,
                "title": section.title,
                "position": section.position,
                "body": section.body,
                "version": panel.accepted.number if panel.accepted else None,
                "pending_proposals": len(panel.proposals),
                "items": [
                    {
                        "key": item.key,
                        "label": item.label,
                        "answer": item.answer,
                        "answer_source": item.answer_source,
                        "draft_status": item.draft_status,
                        "evidence": [
                            {"utterance": labels.get(e.utterance_id), "score": e.score}
                            for e in panel.evidence.get(item.pk, [])
                        ],
                    }
                    for item in section.items.all()
                ],
                "statements": [
                    {
                        "text": view.row.text,
                        "item": view.row.item.key if view.row.item else None,
                        "cites": [c.label for c in view.citations],
                        "origin": view.row.origin,
                        "verdict": view.row.verdict,
                        "reasons": view.row.reasons,
                        "support": view.row.support,
                        "shown": view.row.shown,
                    }
                    for view in panel.statements + panel.set_aside
                ],
                "contradictions": [
                    {
                        "first": labels.get(c.first_id),
                        "second": labels.get(c.second_id),
                        "reason": c.reason,
                    }
                    for c in panel.contradictions
                ],
            }
        )
    return {
        "draft": {
            "run_id": run.pk if run else None,
            "engine": run.engine if run else "",
            "model": run.model_name if run else "",
            "prompt_version": run.prompt_version if run else "",
            "protocol_versions": run.protocol_versions if run else [],
            "fallback_reason": run.fallback_reason if run else "",
            "seconds": run.seconds if run else {},
        },
        "sections": sections,
    }


def report_active_edit_jobs(report: Report) -> list:
    """AI edits queued or running on the report's sections, and those that failed since the
    page was last opened (the newest per section), for the progress and error banners."""
    active = (EditJob.Status.QUEUED, EditJob.Status.RUNNING)
    return list(
        EditJob.objects.filter(section__report=report, status__in=active).select_related("section")
    )
