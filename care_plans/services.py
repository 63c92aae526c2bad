"""Writes on care plans. A plan is started by the clinician from a validated (or signed)
report, laid out by the care-plan sections of the report's protocols; rows proposed from
the report wait for the clinician's decision; the signed plan never changes again."""

import hashlib
import json
from datetime import date

import structlog
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from care_plans.drafting import CONCLUDING, Passage, PlanDraft, draft_plan
from care_plans.layout import SECTION_BY_ENTRY_KIND, entry_kind
from care_plans.models import CarePlan, CarePlanDraftJob, CarePlanEntry, CarePlanSection
from dossiers.models import DossierMember
from dossiers.permissions import can
from dossiers.services import ServiceError, _full_clean
from drafting.llm import llm_or_fallback
from drafting.text import fold
from neddie.jobs import ACTIVE as JOB_ACTIVE
from neddie.jobs import (
    JobStatus,
    job_claim,
    job_dispatch,
    job_done,
    job_fail,
    job_heartbeat,
    job_progress,
    job_still_held,
)
from neddie.rich_text import sentences
from protocols.models import ProtocolSection
from protocols.selectors import version_grid
from reports.models import Report, ReportSection

log = structlog.get_logger(__name__)
Action = AuditEvent.Action
Entry = CarePlanEntry

EDITABLE_FIELDS = (
    "domain",
    "text",
    "priority",
    "criterion",
    "target_date",
    "intervention_type",
    "professional",
    "responsible",
    "frequency",
    "duration",
    "place",
    "funding",
    "school_measure",
)
# Sent inside the transaction that signs a care plan (arguments: plan, user).
care_plan_signed = Signal()

DRAFT_FAILED = (
    "Erreur interne pendant la proposition du plan. L'équipe technique peut la retrouver "
    "avec la référence du plan n° {plan_id}."
)


def _require(user, permission: str, plan_or_report, message: str) -> None:
    if not can(user, permission, plan_or_report):
        raise ServiceError(message)


def _locked(plan: CarePlan) -> CarePlan:
    return CarePlan.objects.select_for_update().select_related("report").get(pk=plan.pk)


def _require_open(user, plan: CarePlan) -> CarePlan:
    plan = _locked(plan)
    if plan.status == CarePlan.Status.SIGNED:
        raise ServiceError("Le plan est signé : il ne change plus.")
    _require(
        user,
        "care_plans.change_care_plan",
        plan,
        "Le plan n'est modifiable que par les cliniciens de l'équipe, compte rendu validé.",
    )
    return plan


# --- Starting a plan ----------------------------------------------------------------------


@transaction.atomic
def care_plan_start(*, report: Report, user: AbstractBaseUser, enqueue: bool = True) -> CarePlan:
    """The report's care plan, created if needed with the care-plan sections of the
    report's protocol versions, the dossier's coordinator as référent, and a proposal run
    from the report queued (after commit; ``enqueue=False``: the caller runs it).
    Idempotent: an existing plan is returned as it is."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _require(
        user,
        "care_plans.add_care_plan",
        report,
        "Le plan d'interventions s'établit par le clinicien, à partir d'un compte rendu validé.",
    )
    existing = CarePlan.objects.filter(report=report).first()
    if existing is not None:
        return existing
    coordinator = (
        DossierMember.objects.filter(
            dossier_id=report.dossier_id, role=DossierMember.Role.COORDINATOR
        )
        .select_related("user")
        .first()
    )
    plan = CarePlan.objects.create(
        report=report,
        created_by=user,
        coordinator=coordinator.user if coordinator else None,
    )
    position = 0
    for version in report.protocol_versions.order_by("pk"):
        for entry in version_grid(
            version, report.child_age_months, kind=ProtocolSection.Kind.CARE_PLAN
        ):
            position += 1
            CarePlanSection.objects.create(
                care_plan=plan,
                source_section=entry.section,
                key=entry.section.key,
                title=entry.section.title,
                guidance=entry.section.guidance,
                position=position,
            )
    if position == 0:
        raise ServiceError(
            "Les protocoles de ce compte rendu n'ont pas de sections de plan d'interventions."
        )
    audit_record(user=user, action=Action.CREATE, obj=plan, dossier_id=report.dossier_id)
    _draft_queue(plan, user=user, enqueue=enqueue)
    return plan


# --- Proposals from the report ---------------------------------------------------------------


def _draft_queue(plan: CarePlan, *, user, enqueue: bool) -> CarePlanDraftJob:
    job = CarePlanDraftJob.objects.create(care_plan=plan, requested_by=user)
    audit_record(
        user=user,
        action=Action.CREATE,
        obj=plan,
        dossier_id=plan.report.dossier_id,
        detail="propositions demandées à partir du compte rendu",
    )
    if enqueue:
        job_dispatch(job)
    return job


@transaction.atomic
def care_plan_draft_request(
    *, plan: CarePlan, user: AbstractBaseUser, enqueue: bool = True
) -> CarePlan:
    """Ask again for proposals from the report (the earlier proposals still waiting are
    replaced; rows already accepted or rejected stay)."""
    plan = _require_open(user, plan)
    if plan.drafting_jobs.filter(status__in=JOB_ACTIVE).exists():
        return plan
    _draft_queue(plan, user=user, enqueue=enqueue)
    return plan


def report_passages(report: Report) -> list[tuple[Passage, ReportSection]]:
    """The sentences of the report's conclusions (synthesis, conclusion, recommendations,
    by key or title), ``P1``, ``P2``… in order; the whole report if it has no such
    section."""
    sections = list(report.sections.order_by("position"))
    concluding = [s for s in sections if CONCLUDING.search(fold(f"{s.key} {s.title}"))]
    found: list[tuple[Passage, ReportSection]] = []
    for section in concluding or sections:
        for sentence in sentences(section.body):
            if len(sentence.plain) < 12:
                continue
            passage = Passage(
                id=f"P{len(found) + 1}",
                section_key=section.key,
                section_title=section.title,
                text=sentence.plain,
            )
            found.append((passage, section))
    return found


def _due_date(plan: CarePlan, months: int | None) -> date | None:
    if months is None:
        return None
    start = plan.report.signed_at or plan.report.updated_at or timezone.now()
    return timezone.localtime(start).date() + relativedelta(months=months)


def _store_proposals(
    plan: CarePlan, result: PlanDraft, sources: dict[str, tuple[Passage, ReportSection]]
) -> int:
    sections = {s.key: s for s in plan.sections.all()}
    # Earlier proposals not yet decided give way to the new ones.
    CarePlanEntry.objects.filter(section__care_plan=plan, status=Entry.Status.PROPOSED).delete()
    # What the clinician already retained or set aside from a sentence is not asked again.
    decided = set(
        CarePlanEntry.objects.filter(section__care_plan=plan)
        .exclude(source_quote="")
        .values_list("kind", "source_quote")
    )
    created = 0
    for proposal in result.proposals:
        section = sections.get(SECTION_BY_ENTRY_KIND.get(proposal.kind, ""))
        if section is None:
            continue  # the protocol has no section for this kind of row
        due = _due_date(plan, proposal.due_in_months)
        if proposal.kind == Entry.Kind.FOLLOW_UP and due is None:
            continue
        report_section = sources[proposal.cites[0]][1]
        quote = " ".join(sources[c][0].text for c in proposal.cites)
        if (proposal.kind, quote) in decided:
            continue
        entry = CarePlanEntry(
            section=section,
            kind=proposal.kind,
            status=Entry.Status.PROPOSED,
            origin=Entry.Origin.ENGINE,
            position=1000 + created,
            text=proposal.text,
            domain=proposal.domain,
            priority=proposal.priority,
            intervention_type=proposal.intervention_type,
            frequency=proposal.frequency,
            duration=proposal.duration,
            place=proposal.place,
            funding=proposal.funding,
            school_measure=proposal.school_measure,
            professional=proposal.professional,
            target_date=due,
            source_section=report_section,
            source_quote=quote,
        )
        _full_clean(entry)
        entry.save()
        created += 1
    return created


def care_plan_draft_execute(
    *,
    job_id: int | None = None,
    care_plan_id: int | None = None,
    engine: str | None = None,
    owner: str = "",
) -> CarePlan | None:
    """Propose rows for a plan from its report: the job ``job_id``, or the latest queued
    request of plan ``care_plan_id``. Safe to run twice: a request done, or held by another
    worker, is skipped (None). Proposals wait for the clinician; nothing the clinician
    accepted or wrote changes."""
    if job_id is None:
        job_id = (
            CarePlanDraftJob.objects.filter(care_plan_id=care_plan_id, status=JobStatus.QUEUED)
            .values_list("pk", flat=True)
            .first()
        )
        if job_id is None:
            return None
    job = job_claim(CarePlanDraftJob, job_id, owner=owner, stage="Lecture du compte rendu")
    if job is None:
        return None
    care_plan_id = job.care_plan_id
    job_progress(job, progress=10)
    try:
        plan = job.care_plan
        found = report_passages(plan.report)
        sources = {passage.id: (passage, section) for passage, section in found}
        llm, reason = llm_or_fallback(engine)
        job_progress(job, progress=30, stage="Propositions")
        with job_heartbeat(job):
            result = draft_plan(
                [p for p, _ in found],
                llm=llm,
                fallback_reason=reason,
                time_budget=settings.DRAFTING_TIME_BUDGET_SECONDS or None,
            )
        with transaction.atomic():
            plan = CarePlan.objects.select_for_update().get(pk=care_plan_id)
            if plan.status == CarePlan.Status.SIGNED:
                raise ServiceError("Le plan a été signé pendant la proposition.")
            if not job_still_held(job):  # taken over by another worker: it stores its own
                return None
            count = _store_proposals(plan, result, sources)
            job_done(
                job, stage="Propositions prêtes", engine=result.engine[:60], message=result.message
            )
    except ServiceError as exc:
        job_fail(job, reason=exc.message)
        return CarePlan.objects.get(pk=care_plan_id)
    except Exception:
        log.exception("care_plan.draft_crashed", care_plan_id=care_plan_id)
        job_fail(job, reason=DRAFT_FAILED.format(plan_id=care_plan_id))
        raise
    log.info(
        "care_plan.drafted",
        care_plan_id=care_plan_id,
        proposals=count,
        seconds=round(result.seconds, 2),
    )
    return CarePlan.objects.get(pk=care_plan_id)


# --- The clinician's edits ----------------------------------------------------------------------


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}


def _validate(entry: CarePlanEntry) -> None:
    if not entry.text:
        raise ServiceError("Décrivez la ligne : la description est vide.")
    if entry.kind == Entry.Kind.FOLLOW_UP and entry.target_date is None:
        raise ServiceError("Une réévaluation a une date.")
    if (
        entry.responsible_id
        and not DossierMember.objects.filter(
            dossier_id=entry.section.care_plan.report.dossier_id, user_id=entry.responsible_id
        ).exists()
    ):
        raise ServiceError("Le responsable choisi ne fait pas partie de l'équipe du dossier.")
    _full_clean(entry)


@transaction.atomic
def care_plan_entry_add(
    *, section: CarePlanSection, user: AbstractBaseUser, **fields
) -> CarePlanEntry:
    """A row written by the clinician: retained at once. Its kind is its section's."""
    _require_open(user, section.care_plan)
    kind = entry_kind(section.key)
    if kind is None:
        raise ServiceError("Cette section du plan est un texte libre, sans lignes.")
    entry = CarePlanEntry(
        section=section,
        kind=kind,
        status=Entry.Status.ACCEPTED,
        origin=Entry.Origin.CLINICIAN,
        created_by=user,
        position=section.entries.count() + 1,
        **_clean_fields(fields),
    )
    _validate(entry)
    entry.save()
    audit_record(
        user=user, action=Action.CREATE, obj=entry, dossier_id=section.care_plan.report.dossier_id
    )
    return entry


@transaction.atomic
def care_plan_entry_update(
    *, entry: CarePlanEntry, user: AbstractBaseUser, **fields
) -> CarePlanEntry:
    """Change a row. Editing a proposal retains it as edited (its cited passage stays)."""
    _require_open(user, entry.section.care_plan)
    entry = CarePlanEntry.objects.select_for_update().get(pk=entry.pk)
    for name, value in _clean_fields(fields).items():
        setattr(entry, name, value)
    if entry.status == Entry.Status.PROPOSED:
        entry.status = Entry.Status.ACCEPTED
    _validate(entry)
    entry.save()
    audit_record(
        user=user,
        action=Action.UPDATE,
        obj=entry,
        dossier_id=entry.section.care_plan.report.dossier_id,
        detail="ligne modifiée",
    )
    return entry


@transaction.atomic
def care_plan_entry_decide(
    *, entry: CarePlanEntry, user: AbstractBaseUser, accept: bool
) -> CarePlanEntry:
    """Retain or set aside a proposal (a set-aside row is kept, not printed)."""
    _require_open(user, entry.section.care_plan)
    entry = CarePlanEntry.objects.select_for_update().get(pk=entry.pk)
    entry.status = Entry.Status.ACCEPTED if accept else Entry.Status.REJECTED
    if accept:
        _validate(entry)
    entry.save(update_fields=["status", "updated_at"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        obj=entry,
        dossier_id=entry.section.care_plan.report.dossier_id,
        detail="proposition retenue" if accept else "proposition écartée",
    )
    return entry


@transaction.atomic
def care_plan_section_text_set(
    *, section: CarePlanSection, user: AbstractBaseUser, body: str
) -> CarePlanSection:
    _require_open(user, section.care_plan)
    section.body = body.strip()
    section.save(update_fields=["body"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        obj=section,
        dossier_id=section.care_plan.report.dossier_id,
        detail=f"texte de la section {section.key}",
    )
    return section


@transaction.atomic
def care_plan_identification_set(
    *, plan: CarePlan, user: AbstractBaseUser, coordinator, participants: str
) -> CarePlan:
    """The référent (a member of the care team) and who built the plan with the family."""
    plan = _require_open(user, plan)
    if (
        coordinator is not None
        and not DossierMember.objects.filter(
            dossier_id=plan.report.dossier_id,
            user=coordinator,
            role__in=(DossierMember.Role.CLINICIAN, DossierMember.Role.COORDINATOR),
        ).exists()
    ):
        raise ServiceError("Le référent doit être un clinicien ou le coordinateur de l'équipe.")
    plan.coordinator = coordinator
    plan.participants = participants.strip()
    _full_clean(plan)
    plan.save(update_fields=["coordinator", "participants", "updated_at"])
    audit_record(
        user=user,
        action=Action.UPDATE,
        obj=plan,
        dossier_id=plan.report.dossier_id,
        detail="identification",
    )
    return plan


# --- Signature -----------------------------------------------------------------------------------


def plan_content(plan: CarePlan) -> dict:
    """What the plan's signature covers: référent, participants, every retained row and
    every section's text, and the signed report it rests on."""
    return {
        "care_plan": plan.pk,
        "report": plan.report_id,
        "report_sha256": plan.report.signed_sha256,
        "coordinator": plan.coordinator_id,
        "participants": plan.participants,
        "sections": [
            {
                "key": section.key,
                "body": section.body,
                "rows": [
                    {name: str(getattr(row, name) or "") for name in ("kind", *EDITABLE_FIELDS)}
                    for row in section.entries.filter(status=Entry.Status.ACCEPTED).order_by(
                        "position", "pk"
                    )
                ],
            }
            for section in plan.sections.order_by("position")
        ],
    }


def plan_sha256(plan: CarePlan) -> str:
    payload = json.dumps(plan_content(plan), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def care_plan_sign_blockers(plan: CarePlan) -> list[str]:
    blockers = []
    if plan.report.status != Report.Status.SIGNED:
        blockers.append("Le compte rendu doit être signé avant le plan.")
    if plan.drafting_jobs.filter(status__in=JOB_ACTIVE).exists():
        blockers.append("Des propositions sont en cours de préparation.")
    pending = CarePlanEntry.objects.filter(
        section__care_plan=plan, status=Entry.Status.PROPOSED
    ).count()
    if pending:
        blockers.append(f"{pending} proposition(s) à retenir ou écarter.")
    if plan.coordinator_id is None:
        blockers.append("Désignez le référent ou coordinateur de parcours.")
    if not CarePlanEntry.objects.filter(
        section__care_plan=plan, status=Entry.Status.ACCEPTED, kind=Entry.Kind.INTERVENTION
    ).exists():
        blockers.append("Le plan ne prévoit aucune intervention.")
    return blockers


@transaction.atomic
def care_plan_sign(*, plan: CarePlan, user: AbstractBaseUser) -> CarePlan:
    """Sign the plan: signer, date and SHA-256 of its content; it never changes again.
    Refused while the report is unsigned, proposals wait, or the plan has no référent or
    no intervention. The final documents are rendered after commit."""
    plan = _locked(plan)
    _require(
        user,
        "care_plans.sign_care_plan",
        plan,
        "Seul un clinicien de l'équipe signe le plan, en brouillon.",
    )
    blockers = care_plan_sign_blockers(plan)
    if blockers:
        raise ServiceError("Signature impossible : " + " ".join(blockers))
    plan.status = CarePlan.Status.SIGNED
    plan.signed_by = user
    plan.signed_at = timezone.now()
    plan.signed_sha256 = plan_sha256(plan)
    plan.save()
    audit_record(
        user=user,
        action=Action.TRANSITION,
        obj=plan,
        dossier_id=plan.report.dossier_id,
        detail=f"plan signé (SHA-256 {plan.signed_sha256})",
    )
    # Documents (above the care plan) ask for the final PDFs, rendered after commit.
    care_plan_signed.send(sender=CarePlan, plan=plan, user=user)
    return plan


# --- Follow-ups -----------------------------------------------------------------------------------


@transaction.atomic
def follow_up_done(*, entry: CarePlanEntry, user: AbstractBaseUser) -> CarePlanEntry:
    """Mark a re-evaluation as done (the plan may be signed: this is its follow-up, not its
    content)."""
    entry = (
        CarePlanEntry.objects.select_for_update()
        .select_related("section__care_plan__report")
        .get(pk=entry.pk)
    )
    plan = entry.section.care_plan
    _require(
        user,
        "care_plans.change_follow_up",
        plan,
        "Réservé aux cliniciens et coordinateurs de l'équipe.",
    )
    if entry.kind != Entry.Kind.FOLLOW_UP or entry.status != Entry.Status.ACCEPTED:
        raise ServiceError("Seule une réévaluation retenue se marque comme réalisée.")
    if entry.done_at is None:
        entry.done_at = timezone.now()
        entry.save(update_fields=["done_at", "updated_at"])
        audit_record(
            user=user,
            action=Action.UPDATE,
            obj=entry,
            dossier_id=plan.report.dossier_id,
            detail="réévaluation réalisée",
        )
    return entry
