"""A dossier's and a report's background work, as one panel shows it: every kind of job
(neddie/jobs.py) in one list, with who may relaunch a failed one. The panel lists the
recordings' transcriptions (done included: they are the dossier's history) and, for the
other kinds, the work under way and the failures that nothing newer has replaced."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from audit.services import Action, audit_record
from care_plans.models import CarePlanDraftJob
from documents.models import RenderedDocument
from dossiers.models import Dossier
from dossiers.permissions import can, require
from dossiers.selectors import dossiers_for_user
from drafting.models import DraftRun, EditJob
from neddie import jobs
from reports.models import Report
from transcription.models import PipelineJob


@dataclass(frozen=True)
class JobKind:
    slug: str  # in the relaunch URL
    model: type[jobs.Job]
    dossier: str  # lookup from the job to its dossier
    report: str | None  # lookup from the job to its report (None: before any report)
    target: str  # what a newer job of the same kind replaces the failure on
    permission: str  # who may relaunch it, asked of ...
    permission_object: Callable  # ... this object of the job
    subject: Callable  # what the job works on, for the panel

    def dossier_id(self, job: jobs.Job) -> int:
        return self.model.objects.filter(pk=job.pk).values_list(self.dossier, flat=True)[0]


KINDS = {
    kind.slug: kind
    for kind in (
        JobKind(
            "transcription",
            PipelineJob,
            "recording__consultation__dossier",
            None,
            "recording_id",
            "dossiers.add_recording",
            lambda job: job.recording.consultation.dossier,
            lambda job: f"Enregistrement n° {job.recording_id} ({job.recording.consultation})",
        ),
        JobKind(
            "redaction",
            DraftRun,
            "report__dossier",
            "report",
            "report_id",
            "reports.change_report",
            lambda job: job.report,
            lambda job: f"Brouillon du compte rendu (version {job.report.version_number})",
        ),
        JobKind(
            "modification",
            EditJob,
            "section__report__dossier",
            "section__report",
            "section_id",
            "reports.change_report",
            lambda job: job.section.report,
            lambda job: f"{job.get_action_display()} : section « {job.section.title} »",
        ),
        JobKind(
            "plan",
            CarePlanDraftJob,
            "care_plan__report__dossier",
            "care_plan__report",
            "care_plan_id",
            "care_plans.change_care_plan",
            lambda job: job.care_plan,
            lambda job: "Propositions du plan d'interventions",
        ),
        JobKind(
            "document",
            RenderedDocument,
            "report__dossier",
            "report",
            "report_id",
            "reports.view_report_sources",
            lambda job: job.report,
            lambda job: f"PDF : {job.get_audience_display()}",
        ),
    )
}


@dataclass(frozen=True)
class JobRow:
    kind: JobKind
    job: jobs.Job
    subject: str
    can_relaunch: bool


def work_in_progress(
    user: AbstractBaseUser, dossier: Dossier, *, report: Report | None = None
) -> list[JobRow]:
    """The panel's rows for ``dossier`` (or only ``report``'s work), newest first."""
    rows = []
    for kind in KINDS.values():
        if report is not None and kind.report is None:
            continue
        found = kind.model.objects.filter(**{kind.dossier: dossier}).order_by("-created_at", "-pk")
        if report is not None:
            found = found.filter(**{kind.report: report})
        latest_per_target = set()
        for job in found:
            target = getattr(job, kind.target)
            newest = target not in latest_per_target
            latest_per_target.add(target)
            if kind.model is not PipelineJob and not (
                job.is_active or (job.status == jobs.JobStatus.FAILED and newest)
            ):
                continue
            rows.append(
                JobRow(
                    kind,
                    job,
                    kind.subject(job),
                    job.status == jobs.JobStatus.FAILED
                    and can(user, kind.permission, kind.permission_object(job)),
                )
            )
    return sorted(rows, key=lambda row: row.job.created_at, reverse=True)


def job_for_user(user: AbstractBaseUser, kind_slug: str, job_id: int) -> tuple[JobKind, jobs.Job]:
    """A job of the user's dossiers (404 for anyone outside the care team)."""
    kind = KINDS.get(kind_slug)
    if kind is None:
        raise Http404
    job = get_object_or_404(
        kind.model, pk=job_id, **{f"{kind.dossier}__in": dossiers_for_user(user)}
    )
    return kind, job


@transaction.atomic
def job_relaunch_by(*, user: AbstractBaseUser, kind: JobKind, job: jobs.Job) -> jobs.Job:
    """Queue a failed job again for someone who may start that kind of work; audited."""
    require(user, kind.permission, kind.permission_object(job))
    job = jobs.job_relaunch(job)
    audit_record(
        user=user,
        action=Action.UPDATE,
        obj=job,
        dossier_id=kind.dossier_id(job),
        detail=f"traitement relancé ({kind.slug})",
    )
    return job


def jobs_context(dossier, user, report=None) -> dict:
    """What the work panel (``neddie/_jobs.html``) shows of a dossier or a report."""
    rows = work_in_progress(user, dossier, report=report)
    return {
        "job_rows": rows,
        "jobs_active": any(row.job.is_active for row in rows),
        "jobs_poll_url": reverse("work:report_jobs", args=[report.pk])
        if report
        else reverse("work:dossier_jobs", args=[dossier.pk]),
    }
