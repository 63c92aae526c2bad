"""Writes on the final PDF documents: asking for one (rendered by a worker: see
``rendering``), and asking for the final documents when a report or its care plan is
signed.

A document is rendered once and kept: what was downloaded and shared is the file that was
stored, with its SHA-256. The team's copy has the transcripts as an annex; the recipients'
copy has neither the transcripts nor a care plan that is not signed."""

from datetime import timedelta

import structlog
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from care_plans.models import CarePlan
from documents.models import RenderedDocument
from documents.selectors import report_care_plan_for
from dossiers.permissions import can
from dossiers.services import ServiceError
from neddie.jobs import job_dispatch
from reports.models import Report

log = structlog.get_logger(__name__)
Action = AuditEvent.Action
Audience = RenderedDocument.Audience
Status = RenderedDocument.Status

# A render takes seconds: a document still queued or running after this long was lost (a
# broker restart, a worker killed) and is no longer offered for reuse; asking again makes a
# new one.
STALE_AFTER = timedelta(minutes=15)


def _is_frozen(report: Report, care_plan: CarePlan | None) -> bool:
    """Signed content never changes: a document rendered from it stays right."""
    return report.is_signed and (care_plan is None or care_plan.status == CarePlan.Status.SIGNED)


def _reusable(report: Report, care_plan: CarePlan | None, audience: str) -> RenderedDocument | None:
    """A document that shows, or will show once rendered, the content as it is now."""
    same = RenderedDocument.objects.filter(report=report, care_plan=care_plan, audience=audience)
    live = same.filter(created_at__gte=timezone.now() - STALE_AFTER)
    # A queued document is rendered from the content as it is when a worker takes it.
    queued = live.filter(status=Status.QUEUED).first()
    if queued is not None or not _is_frozen(report, care_plan):
        return queued
    signatures = [report.signed_at] + ([care_plan.signed_at] if care_plan else [])
    since_signed = max(signatures)
    return (
        same.filter(status=Status.DONE, created_at__gte=since_signed).first()
        or live.filter(status=Status.RUNNING, created_at__gte=since_signed).first()
    )


def document_request(
    *,
    report: Report,
    care_plan: CarePlan | None = None,
    audience: str,
    user: AbstractBaseUser | None,
    enqueue: bool = True,
) -> RenderedDocument:
    """Ask for the PDF of ``report`` (with ``care_plan`` as its second part) for
    ``audience``; rendered by a worker after commit (``enqueue=False``: the caller runs
    ``document_render_execute``). A document still queued, or one of signed content
    already rendered (or being rendered) since the signatures, is returned instead of a
    new one. Recipients' documents are made of signed reports only, and never carry a
    care plan that is not signed (it is left out). ``user`` None: asked by the system
    (at signature)."""
    if audience not in Audience.values:
        raise ServiceError("Destinataires du document inconnus.")
    if user is not None and not can(user, "reports.view_report_sources", report):
        raise ServiceError("Les documents PDF sont produits à la demande de l'équipe de soins.")
    return _document_ask(
        report=report, care_plan=care_plan, audience=audience, user=user, enqueue=enqueue
    )


def document_for_reader(
    *, report: Report, user: AbstractBaseUser, enqueue: bool = True
) -> RenderedDocument:
    """The PDF behind the report page's « Télécharger le PDF »: the report as it is now,
    with its care plan if the reader may read it, rendered by a worker (never in the web
    request). The care team gets the team's copy (transcripts annexed, a plan not signed
    stamped BROUILLON); any other reader of the report, that is an external member with a
    live share of the signed report, gets the recipients' copy (no transcripts, the plan
    only once signed). ``report`` must have been read through
    ``reports.selectors.report_for_user``: that is the access check. Reuse is that of
    ``document_request``: while the report or its plan is not signed, only a document still
    queued is reused (the worker renders the content as it is when it takes it), so a
    draft's PDF always shows its current text."""
    care_plan = report_care_plan_for(user, report)
    if can(user, "reports.view_report_sources", report):
        return document_request(
            report=report, care_plan=care_plan, audience=Audience.TEAM, user=user, enqueue=enqueue
        )
    return _document_ask(
        report=report,
        care_plan=care_plan,
        audience=Audience.RECIPIENT,
        user=user,
        enqueue=enqueue,
    )


@transaction.atomic
def _document_ask(
    *,
    report: Report,
    care_plan: CarePlan | None,
    audience: str,
    user: AbstractBaseUser | None,
    enqueue: bool,
) -> RenderedDocument:
    """``document_request`` once the asker's right is checked."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if care_plan is not None:
        care_plan = CarePlan.objects.get(pk=care_plan.pk)
        if care_plan.report_id != report.pk:
            raise ServiceError("Ce plan d'interventions n'est pas celui de ce compte rendu.")
    if audience == Audience.RECIPIENT:
        if not report.is_signed:
            raise ServiceError(
                "Le document destiné aux destinataires se produit une fois le compte rendu signé."
            )
        if care_plan is not None and care_plan.status != CarePlan.Status.SIGNED:
            care_plan = None
    existing = _reusable(report, care_plan, audience)
    if existing is not None:
        return existing
    document = RenderedDocument.objects.create(
        report=report, care_plan=care_plan, audience=audience, requested_by=user
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        obj=document,
        dossier_id=report.dossier_id,
        detail=f"PDF demandé ({document.get_audience_display()})",
    )
    if enqueue:
        job_dispatch(document)
    return document


def documents_for_signature(
    *, report: Report, user: AbstractBaseUser | None, enqueue: bool = True
) -> list[RenderedDocument]:
    """The final documents of a report just signed, or of its care plan just signed: the
    team's copy and the recipients' copy, each with the care plan if the report has one
    (the recipients' copy only once the plan is signed). Called by the signing services,
    inside their transaction: rendering starts after commit. Safe to call twice."""
    plan = CarePlan.objects.filter(report=report).first()
    return [
        document_request(
            report=report, care_plan=plan, audience=audience, user=user, enqueue=enqueue
        )
        for audience in (Audience.TEAM, Audience.RECIPIENT)
    ]
