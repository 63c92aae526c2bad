"""Writes of the review workflow: one service per transition of ``transitions.TRANSITIONS``,
review comments, and the correction of a signed report.

Each service locks the report row, checks the transition (status and the user's role, from
the table), checks its guards (``transition_blockers``: no AI work under way, no proposal
undecided, every reviewer's comment treated; to sign, no sentence left « à vérifier »),
then writes the status, the timeline event and the audit event in one transaction.
``WorkflowError`` carries a message for the user; a refused request writes nothing."""

import hashlib
import json
from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.text import Truncator

from audit.services import Action, audit_record
from dossiers.permissions import can
from dossiers.services import ServiceError
from reports.models import (
    Report,
    ReportEvent,
    ReportItem,
    ReportSection,
    ReviewComment,
    SectionVersion,
    Statement,
)
from reports.review.transitions import TRANSITIONS, Transition
from reports.selectors import statements_to_verify

MESSAGE_MAX_CHARS = 4000


# Sent inside the transaction that signs a report (arguments: report, user).
report_signed = Signal()


class WorkflowError(ServiceError):
    """A workflow request that cannot be honoured (``message`` is for the user)."""


# --- Guards: what must hold before a transition -------------------------------------------


def _open_comments(report: Report) -> int:
    return report.review_comments.filter(resolved_at__isnull=True).count()


# The work of the stages above the report that must be over before its text is handed on:
# each check, given a report, says what is under way (None: nothing). Drafting registers
# its draft runs and AI edits when the apps are ready.
UNFINISHED_WORK_CHECKS: list[Callable[[Report], str | None]] = []


def _unfinished_work(report: Report) -> str | None:
    for check in UNFINISHED_WORK_CHECKS:
        under_way = check(report)
        if under_way:
            return under_way
    proposals = SectionVersion.objects.filter(
        section__report=report, status=SectionVersion.Status.PROPOSED
    ).count()
    if proposals:
        return f"{proposals} proposition(s) attendent une décision (accepter ou refuser)"
    return None


# The transitions that hand the text on (to the reviewer, to the signature) need it settled:
# no AI work still running, no proposal left undecided, and every reviewer's comment
# answered — the clinician can mark a comment treated only while the report is editable, so
# a comment still open after a resubmission or an approval would stay open for good.
HANDS_ON = frozenset({"submit", "approve", "validate", "sign"})


def transition_blockers(transition: Transition, report: Report) -> list[str]:
    """What stands in the way of ``transition`` on ``report`` now, in words for the user
    (empty: nothing). The report page lists them next to the button; the service refuses
    with them."""
    blockers = []
    if transition.name not in HANDS_ON:
        return blockers
    unfinished = _unfinished_work(report)
    if unfinished:
        blockers.append(unfinished[0].upper() + unfinished[1:] + ".")
    open_count = _open_comments(report)
    if open_count and transition.name == "approve":
        blockers.append(
            f"{open_count} commentaire(s) de relecture encore ouvert(s) : demandez une "
            "correction au clinicien plutôt que d'approuver."
        )
    elif open_count:
        blockers.append(
            f"{open_count} commentaire(s) de relecture à traiter (marquez-les comme "
            "traités une fois le texte corrigé)."
        )
    if transition.name == "sign":
        flagged = statements_to_verify(report).count()
        if flagged:
            blockers.append(
                f"{flagged} phrase(s) « à vérifier » : gardez-les, modifiez-les ou supprimez-les."
            )
    return blockers


def _guard(transition: Transition, report: Report) -> None:
    blockers = transition_blockers(transition, report)
    if blockers:
        raise WorkflowError(
            f"« {transition.label} » impossible pour l'instant : " + " ".join(blockers)
        )


# --- Transitions ----------------------------------------------------------------------------


def signed_content(report: Report) -> dict:
    """What a signature covers: every section's title and text, every item's answer."""
    return {
        "report": report.pk,
        "version": report.version_number,
        "dossier": report.dossier_id,
        "child_age_months": report.child_age_months,
        "protocol_versions": sorted(report.protocol_versions.values_list("pk", flat=True)),
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "body": section.body,
                "items": [
                    {"key": item.key, "answer": item.answer, "note": item.note}
                    for item in section.items.all()
                ],
            }
            for section in report.sections.prefetch_related("items").order_by("position")
        ],
    }


def content_sha256(report: Report) -> str:
    payload = json.dumps(signed_content(report), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def report_transition(
    *, report: Report, name: str, user: AbstractBaseUser, message: str = ""
) -> Report:
    """Move ``report`` along the transition ``name``: refused (``WorkflowError``, nothing
    written) if the report is not in one of its source statuses, if the user does not have
    the transition's role in the care team, or if its guard fails."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise WorkflowError("Action inconnue.")
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status not in transition.sources:
        raise WorkflowError(
            f"« {transition.label} » n'est pas possible : le compte rendu est "
            f"{report.get_status_display()}."
        )
    if not can(user, f"reports.{name}_report", report):
        raise WorkflowError(f"« {transition.label} » n'est pas ouvert à votre rôle.")
    message = message.strip() if transition.message != "none" else ""
    if transition.message == "required" and not message:
        raise WorkflowError("Dites ce qui est à corriger : le message est obligatoire.")
    if len(message) > MESSAGE_MAX_CHARS:
        raise WorkflowError("Message trop long (4 000 caractères au plus).")
    _guard(transition, report)

    previous = report.status
    report.status = transition.target
    fields = ["status", "updated_at"]
    detail = f"{previous} → {report.status}"
    if transition.target == Report.Status.SIGNED:
        report.signed_by = user
        report.signed_at = timezone.now()
        report.signed_sha256 = content_sha256(report)
        fields += ["signed_by", "signed_at", "signed_sha256"]
        detail += f" (SHA-256 {report.signed_sha256})"
    report.save(update_fields=fields)
    ReportEvent.objects.create(
        report=report,
        kind=transition.event,
        from_status=previous,
        to_status=report.status,
        actor=user,
        message=message,
    )
    audit_record(user=user, action=Action.TRANSITION, obj=report, detail=detail)
    if report.status == Report.Status.SIGNED:
        # Documents (above the review) ask for the final PDFs, rendered after commit.
        report_signed.send(sender=Report, report=report, user=user)
    return report


# --- Review comments ------------------------------------------------------------------------


@transaction.atomic
def review_comment_add(
    *,
    report: Report,
    user: AbstractBaseUser,
    text: str,
    section: ReportSection | None = None,
) -> ReviewComment:
    """A reviewer's comment on a section (or the whole report), during the review."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not can(user, "reports.comment_report", report):
        raise WorkflowError("Les commentaires se font pendant la relecture, par le coordinateur.")
    text = text.strip()
    if not text:
        raise WorkflowError("Le commentaire est vide.")
    if len(text) > MESSAGE_MAX_CHARS:
        raise WorkflowError("Commentaire trop long (4 000 caractères au plus).")
    if section is not None and section.report_id != report.pk:
        raise WorkflowError("Section inconnue.")
    comment = ReviewComment.objects.create(report=report, section=section, author=user, text=text)
    ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.COMMENTED,
        actor=user,
        # The timeline says where the remark is, not only what it says.
        message=f"{section.title} : {text}" if section else text,
        from_status=report.status,
        to_status=report.status,
    )
    audit_record(user=user, action=Action.CREATE, obj=comment, dossier_id=report.dossier_id)
    return comment


@transaction.atomic
def review_comment_resolve(*, comment: ReviewComment, user: AbstractBaseUser) -> ReviewComment:
    """The clinician has answered a comment in the text."""
    comment = ReviewComment.objects.select_for_update().select_related("report").get(pk=comment.pk)
    if not can(user, "reports.resolve_comment", comment.report):
        raise WorkflowError("Seul le clinicien traite un commentaire, compte rendu modifiable.")
    if comment.resolved_at is not None:
        return comment
    comment.resolved_by = user
    comment.resolved_at = timezone.now()
    comment.save(update_fields=["resolved_by", "resolved_at"])
    ReportEvent.objects.create(
        report=comment.report,
        kind=ReportEvent.Kind.COMMENT_RESOLVED,
        actor=user,
        from_status=comment.report.status,
        to_status=comment.report.status,
        message=Truncator(comment.text).chars(160),
    )
    audit_record(user=user, action=Action.UPDATE, obj=comment, dossier_id=comment.report.dossier_id)
    return comment


# --- Correction of a signed report ------------------------------------------------------


@transaction.atomic
def report_correction_start(*, report: Report, user: AbstractBaseUser) -> Report:
    """A new draft version of a signed report, which it references (``corrects``): same
    sources, grids, sections, answers and accepted texts with their citations. The signed
    report stays as it was; both timelines say so. Asking twice returns the correction
    already started; a version already corrected and signed is corrected through its latest
    version."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.is_signed:
        raise WorkflowError("Seul un compte rendu signé se corrige par une nouvelle version.")
    if not can(user, "reports.correct_report", report):
        raise WorkflowError("Seul un clinicien de l'équipe corrige un compte rendu signé.")
    existing = Report.objects.filter(corrects=report).first()
    if existing is not None and existing.is_signed:
        raise WorkflowError(
            f"Cette version est déjà corrigée par la version {existing.version_number}, "
            "signée : corrigez celle-ci."
        )
    if existing is not None:
        return existing
    correction = Report.objects.create(
        dossier=report.dossier,
        child_age_months=report.child_age_months,
        age_is_corrected=report.age_is_corrected,
        version_number=report.version_number + 1,
        corrects=report,
    )
    correction.protocol_versions.set(report.protocol_versions.all())
    correction.transcripts.set(report.transcripts.all())
    for section in report.sections.prefetch_related("items").order_by("position"):
        copy = ReportSection.objects.create(
            report=correction,
            source_section=section.source_section,
            key=section.key,
            title=section.title,
            guidance=section.guidance,
            position=section.position,
            body=section.body,
        )
        ReportItem.objects.bulk_create(
            ReportItem(
                section=copy,
                source_item=item.source_item,
                key=item.key,
                label=item.label,
                answer=item.answer,
                answer_source=item.answer_source,
                draft_status=item.draft_status,
                note=item.note,
                position=item.position,
            )
            for item in section.items.all()
        )
        accepted = section.versions.filter(status=SectionVersion.Status.ACCEPTED).first()
        if accepted is not None:
            _version_copy(accepted, into=copy, user=user, signed=report)
    ReportEvent.objects.create(
        report=correction,
        kind=ReportEvent.Kind.CORRECTION_STARTED,
        actor=user,
        message=f"Correction de la version {report.version_number}, signée le "
        f"{timezone.localtime(report.signed_at):%d/%m/%Y}.",
        to_status=correction.status,
    )
    # The signed report's timeline is not part of what was signed: it may say it was
    # corrected (the database refuses any change to the report itself).
    ReportEvent.objects.create(
        report=report,
        kind=ReportEvent.Kind.CORRECTION_STARTED,
        actor=user,
        message=f"Version {correction.version_number} ouverte pour corriger celle-ci.",
        from_status=report.status,
        to_status=report.status,
    )
    audit_record(
        user=user,
        action=Action.CREATE,
        obj=correction,
        detail=f"correction du compte rendu {report.pk}",
    )
    return correction


def _version_copy(
    version: SectionVersion, *, into: ReportSection, user: AbstractBaseUser, signed: Report
) -> None:
    copy = SectionVersion.objects.create(
        section=into,
        number=1,
        origin=SectionVersion.Origin.CLINICIAN,
        status=SectionVersion.Status.ACCEPTED,
        text=version.text,
        note=f"texte de la version signée n° {signed.version_number}",
        findings=version.findings,
        created_by=user,
        decided_by=user,
        decided_at=timezone.now(),
    )
    items = {item.source_item_id: item for item in into.items.all()}
    for statement in version.statements.select_related("item").prefetch_related("citations"):
        row = Statement.objects.create(
            version=copy,
            position=statement.position,
            item=items.get(statement.item.source_item_id) if statement.item else None,
            text=statement.text,
            origin=statement.origin,
            verdict=statement.verdict,
            reasons=statement.reasons,
            support=statement.support,
            confirmed_by=statement.confirmed_by,
            confirmed_at=statement.confirmed_at,
        )
        row.citations.set(statement.citations.all())
