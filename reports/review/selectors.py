"""Reads of the review workflow: what a user may do next on a report and what stands in
the way, its comments, its timeline, its signature and whether it is shared."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from dossiers.models import Consultation, DossierMember
from dossiers.permissions import can, member_role
from reports.models import Report, ReportEvent, ReviewComment
from reports.permissions import report_sharing_refusal
from reports.review.services import content_sha256, transition_blockers
from reports.review.transitions import Transition, transitions_from
from reports.selectors import statements_to_verify

Status = Report.Status


@dataclass(frozen=True)
class Action:
    """A transition the user may make now, with what blocks it (empty: nothing)."""

    transition: Transition
    blockers: list[str]

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done" | "current" | "todo"


# The path a report follows, as the page draws it; "à corriger" takes the place of the
# review step while the clinician corrects.
_PATH = [Status.DRAFT, Status.IN_REVIEW, Status.VALIDATED, Status.SIGNED]


def report_steps(report: Report) -> list[Step]:
    current = Status.IN_REVIEW if report.status == Status.CHANGES_REQUESTED else report.status
    index = _PATH.index(current)
    steps = []
    for position, status in enumerate(_PATH):
        label = Status(status).label
        if position == index:
            steps.append(Step(str(report.get_status_display()), "current"))
        else:
            steps.append(Step(str(label), "done" if position < index else "todo"))
    return steps


def report_review_context(user: AbstractBaseUser, report: Report) -> dict:
    """Everything the report page shows about the review, for ``user``."""
    comments = list(
        ReviewComment.objects.filter(report=report).select_related(
            "author", "resolved_by", "section"
        )
    )
    open_comments = [c for c in comments if c.is_open]
    correction = Report.objects.filter(corrects=report).first()
    corrects = (
        Report.objects.select_related("signed_by").get(pk=report.corrects_id)
        if report.corrects_id
        else None
    )
    role = member_role(user, report)
    return {
        "actions": [
            Action(t, transition_blockers(t, report))
            for t in transitions_from(report.status)
            if can(user, f"reports.{t.name}_report", report)
        ],
        # Who the report waits for, when it is not the user: said instead of buttons.
        "waiting_for": _waiting_for(report, role),
        "steps": report_steps(report),
        "role_label": DossierMember.Role(role).label if role else "",
        "can_comment": can(user, "reports.comment_report", report),
        "can_resolve": can(user, "reports.resolve_comment", report),
        "can_correct": can(user, "reports.correct_report", report) and correction is None,
        "comments": comments,
        "report_comments": [c for c in comments if c.section_id is None],
        "open_comments": open_comments,
        "resolved_count": len(comments) - len(open_comments),
        "changes_request": _changes_request(report),
        "events": list(report.events.select_related("actor")),
        "flagged_count": statements_to_verify(report).count(),
        "signature_intact": (
            content_sha256(report) == report.signed_sha256 if report.is_signed else None
        ),
        "sharing_refusal": report_sharing_refusal(report) if report.is_signed else None,
        "consents_missing": _consents_missing(report) if report.is_signed else [],
        "external_members": _external_members(report) if report.is_signed else [],
        "correction": correction,
        "corrects": corrects,
    }


def _waiting_for(report: Report, role: str | None) -> str:
    who = {
        Status.DRAFT: (DossierMember.Role.CLINICIAN, "le clinicien (rédaction)"),
        Status.IN_REVIEW: (DossierMember.Role.COORDINATOR, "le coordinateur (relecture)"),
        Status.CHANGES_REQUESTED: (DossierMember.Role.CLINICIAN, "le clinicien (corrections)"),
        Status.VALIDATED: (DossierMember.Role.CLINICIAN, "le clinicien (signature)"),
    }.get(report.status)
    if who is None or who[0] == role:
        return ""
    return who[1]


def _changes_request(report: Report) -> ReportEvent | None:
    """What the reviewer asked to correct, while the report waits for it."""
    if report.status != Status.CHANGES_REQUESTED:
        return None
    return (
        report.events.filter(kind=ReportEvent.Kind.CHANGES_REQUESTED)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def _consents_missing(report: Report) -> list[Consultation]:
    """The consultations whose missing sharing consent keeps the report from the team's
    external members, to link to where the consent is recorded."""
    return list(
        Consultation.objects.filter(
            recordings__transcript__reports=report, sharing_consent=False
        ).distinct()
    )


def _external_members(report: Report) -> list[DossierMember]:
    return list(
        DossierMember.objects.filter(
            dossier_id=report.dossier_id, role=DossierMember.Role.EXTERNAL
        ).select_related("user")
    )
