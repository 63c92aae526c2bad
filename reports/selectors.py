"""Reading reports, and who may see which: ``reports_for_user`` is the only way to list
them (the care team's, and what the stages above add through ``REPORT_VISIBILITY``); the
report's sources as timelines, its grid rules, and the sentences still to verify."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from dossiers.models import Consultation, Dossier
from dossiers.permissions import can, require
from dossiers.selectors import dossiers_for_care_team
from protocols.rules import RuleOutcome, evaluate_rules
from reports.models import Report, ReportItem, SectionVersion, Statement
from transcription.models import Segment, Transcript

# The stages above the report widen who sees which reports: each entry, given a user, gives
# the further reports they see (sharing: an external member, the signed reports shared with
# them by name, through a live share). Filled when the apps are ready.
REPORT_VISIBILITY: list[Callable[[AbstractBaseUser], Q]] = []


def reports_for_user(user: AbstractBaseUser) -> QuerySet[Report]:
    """The only way to list reports: all those of the dossiers where the user is a
    clinician or coordinator, and the signed ones shared with them by name (a live share)
    where they are an external member (then ``report_visible`` also asks for the sharing
    consent)."""
    if not user.is_authenticated:
        return Report.objects.none()
    visible = Q(dossier__in=dossiers_for_care_team(user))
    for widening in REPORT_VISIBILITY:
        visible |= widening(user)
    return Report.objects.filter(visible).select_related("dossier__patient")


def reports_visible(user: AbstractBaseUser, dossier: Dossier) -> list[Report]:
    return [
        report
        for report in reports_for_user(user).filter(dossier=dossier)
        if can(user, "reports.view_report", report)
    ]


def report_for_user(user: AbstractBaseUser, report_id: int) -> Report:
    report = get_object_or_404(reports_for_user(user), pk=report_id)
    if not can(user, "reports.view_report", report):
        raise Http404
    return report


@dataclass(frozen=True)
class Timeline:
    """One consultation as heard: every track's segments on one timeline."""

    consultation: Consultation
    transcripts: list[Transcript]
    segments: list[Segment]

    @property
    def speakers(self) -> list[str]:
        return sorted({segment.speaker for segment in self.segments})


def report_timelines(report: Report) -> list[Timeline]:
    """The report's transcripts grouped by consultation (several tracks of one consultation,
    one per participant, merge into one timeline), in consultation order."""
    timelines: dict[int, Timeline] = {}
    for transcript in report_sources(report):
        consultation = transcript.recording.consultation
        timeline = timelines.setdefault(consultation.pk, Timeline(consultation, [], []))
        timeline.transcripts.append(transcript)
        timeline.segments.extend(transcript.segments.all())
    for timeline in timelines.values():
        timeline.segments.sort(key=lambda segment: (segment.start, segment.speaker))
    return list(timelines.values())


def report_sources(report: Report) -> QuerySet[Transcript]:
    """The transcripts a report draws from, in consultation order, with their segments."""
    return (
        report.transcripts.select_related("recording__consultation")
        .prefetch_related("segments")
        .order_by("recording__consultation__date", "recording__created_at")
    )


def report_rule_outcomes(report: Report) -> list[RuleOutcome]:
    """The decision rules of the report's protocol versions, on the report's answers."""
    outcomes = []
    for version in report.protocol_versions.all():
        answers = dict(
            ReportItem.objects.filter(
                section__report=report, source_item__section__version=version
            ).values_list("key", "answer")
        )
        outcomes += evaluate_rules(version, answers, report.child_age_months)
    return outcomes


def report_for_editor(user: AbstractBaseUser, report_id: int) -> Report:
    """A report the user may write in: 404 outside the care team, 403 for a member who
    only reviews (care coordinators) or reads, and for a report not open to changes
    (en relecture, validé, signé)."""
    report = report_for_user(user, report_id)
    require(user, "reports.change_report", report)
    return report


def statements_to_verify(report: Report):
    """Sentences of the accepted texts that verification flagged and nobody kept yet, in
    reading order: they stand out on the page and hold back the signature."""
    return Statement.objects.filter(
        version__section__report=report,
        version__status=SectionVersion.Status.ACCEPTED,
        verdict=Statement.Verdict.FLAGGED,
        confirmed_at__isnull=True,
    ).order_by("version__section__position", "position")
