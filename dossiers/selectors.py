"""Reads on the pathway, scoped to who asks: a user sees a dossier only if they belong to
its care team, and its recordings, transcripts and drafts only as a clinician or a care
coordinator (an external member sees the shared documents, nothing else). Anything else is
a 404, never a 403, so that ids cannot be probed. What members may do with what they see is
in dossiers/permissions.py."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dossiers.models import Consultation, Dossier, DossierMember, Recording
from protocols.ages import screening_age_months
from protocols.models import Protocol
from protocols.selectors import GridSection, version_grid


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


def dossier_consultations(dossier: Dossier) -> QuerySet[Consultation]:
    """Consultations with their recordings and each recording's jobs, newest job first."""
    return dossier.consultations.prefetch_related(
        Prefetch(
            "recordings",
            queryset=Recording.objects.select_related("transcript").prefetch_related(
                "jobs"  # the transcription jobs, newest first (their default order)
            ),
        )
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
