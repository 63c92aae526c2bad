"""Reads on the pathway, scoped to who asks: a user sees a dossier, and everything in it,
only if they belong to its care team. Anything else is a 404, never a 403, so that ids
cannot be probed."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from reports.models import Consultation, Dossier, PipelineJob, Recording, Report, Transcript


def dossiers_for_user(user: AbstractBaseUser) -> QuerySet[Dossier]:
    if not user.is_authenticated:
        return Dossier.objects.none()
    return Dossier.objects.filter(members__user=user).select_related("patient", "protocol")


def dossier_for_user(user: AbstractBaseUser, dossier_id: int) -> Dossier:
    return get_object_or_404(dossiers_for_user(user), pk=dossier_id)


def reports_for_user(user: AbstractBaseUser) -> QuerySet[Report]:
    """The only way to list reports: those of the user's dossiers."""
    return Report.objects.filter(dossier__in=dossiers_for_user(user)).select_related(
        "dossier__patient", "protocol"
    )


def report_for_user(user: AbstractBaseUser, report_id: int) -> Report:
    return get_object_or_404(reports_for_user(user), pk=report_id)


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


def dossier_jobs(dossier: Dossier) -> QuerySet[PipelineJob]:
    return PipelineJob.objects.filter(recording__consultation__dossier=dossier).select_related(
        "recording__consultation"
    )


def report_sources(report: Report) -> QuerySet[Transcript]:
    """The transcripts a report draws from, in consultation order, with their segments."""
    return (
        report.transcripts.select_related("recording__consultation")
        .prefetch_related("segments")
        .order_by("recording__consultation__date", "recording__created_at")
    )
