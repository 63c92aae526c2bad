"""Reads on the pathway, scoped to who asks: a user sees a dossier only if they belong to
its care team, and its recordings, transcripts and drafts only as a clinician or a care
coordinator (an external member sees the shared documents, nothing else). Anything else is
a 404, never a 403, so that ids cannot be probed. What members may do with what they see is
in reports/permissions.py."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from protocols.ages import screening_age_months
from protocols.models import Protocol
from protocols.rules import RuleOutcome, evaluate_rules
from protocols.selectors import GridSection, version_grid
from reports.models import (
    Consultation,
    Dossier,
    DossierMember,
    PipelineJob,
    Recording,
    Report,
    ReportItem,
    Segment,
    Share,
    Transcript,
)
from reports.permissions import can, require


def dossiers_for_user(user: AbstractBaseUser) -> QuerySet[Dossier]:
    if not user.is_authenticated:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(members__user=user)
        .select_related("patient")
        .prefetch_related("protocol_choices__protocol")
    )


def dossier_for_user(user: AbstractBaseUser, dossier_id: int) -> Dossier:
    return get_object_or_404(dossiers_for_user(user), pk=dossier_id)


CARE_TEAM_ROLES = (DossierMember.Role.CLINICIAN, DossierMember.Role.COORDINATOR)


def dossiers_for_care_team(user: AbstractBaseUser) -> QuerySet[Dossier]:
    """Dossiers whose recordings, transcripts and drafts the user may read: those where
    they are a clinician or the care coordinator."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    return Dossier.objects.filter(members__user=user, members__role__in=CARE_TEAM_ROLES)


def reports_for_user(user: AbstractBaseUser) -> QuerySet[Report]:
    """The only way to list reports: all those of the dossiers where the user is a
    clinician or coordinator, and the signed ones shared with them by name (a live share)
    where they are an external member (then ``report_visible`` also asks for the sharing
    consent)."""
    if not user.is_authenticated:
        return Report.objects.none()
    external = Dossier.objects.filter(members__user=user, members__role=DossierMember.Role.EXTERNAL)
    shared = Share.objects.active().filter(recipient=user).values("report_id")
    return Report.objects.filter(
        Q(dossier__in=dossiers_for_care_team(user))
        | Q(dossier__in=external, status=Report.Status.SIGNED, pk__in=shared)
    ).select_related("dossier__patient")


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


def dossier_consultations(dossier: Dossier) -> QuerySet[Consultation]:
    """Consultations with their recordings and each recording's jobs, newest job first."""
    return dossier.consultations.prefetch_related(
        Prefetch(
            "recordings",
            queryset=Recording.objects.select_related("transcript").prefetch_related(
                Prefetch("jobs", queryset=PipelineJob.objects.order_by("-created_at"))
            ),
        )
    )


def transcript_for_user(user: AbstractBaseUser, transcript_id: int) -> Transcript:
    return get_object_or_404(
        Transcript.objects.filter(
            recording__consultation__dossier__in=dossiers_for_care_team(user)
        ),
        pk=transcript_id,
    )


def segment_for_user(user: AbstractBaseUser, segment_id: int) -> Segment:
    return get_object_or_404(
        Segment.objects.filter(
            transcript__recording__consultation__dossier__in=dossiers_for_care_team(user)
        ).select_related("transcript"),
        pk=segment_id,
    )


def consultation_for_user(user: AbstractBaseUser, consultation_id: int) -> Consultation:
    return get_object_or_404(
        Consultation.objects.filter(dossier__in=dossiers_for_care_team(user)).select_related(
            "dossier"
        ),
        pk=consultation_id,
    )


def recording_for_user(user: AbstractBaseUser, recording_id: int) -> Recording:
    return get_object_or_404(
        Recording.objects.filter(consultation__dossier__in=dossiers_for_care_team(user)),
        pk=recording_id,
    )


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


def dossier_protocols(dossier: Dossier) -> list[Protocol]:
    """The dossier's protocols, in the order chosen."""
    return [choice.protocol for choice in dossier.protocol_choices.select_related("protocol")]


def dossier_child_age(dossier: Dossier) -> tuple[int | None, bool]:
    """(age in months used by the grids, corrected?) on the latest consultation's date,
    or today before any consultation."""
    latest = dossier.consultations.aggregate(latest=Max("date"))["latest"]
    patient = dossier.patient
    return screening_age_months(
        patient.birth_date, latest or timezone.localdate(), patient.gestational_age_weeks
    )


def dossier_grids(dossier: Dossier) -> list[tuple[Protocol, list[GridSection]]]:
    """What the dossier's protocols ask to cover for this child, as of today's age."""
    age_months, _corrected = dossier_child_age(dossier)
    grids = []
    for protocol in dossier_protocols(dossier):
        version = protocol.published_version()
        if version is not None:
            grids.append((protocol, version_grid(version, age_months)))
    return grids


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
