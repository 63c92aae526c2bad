"""The review workflow as data: which transition leads from which statuses to which, who
makes it, and what it records on the timeline (django-oscar's pipeline table, wagtail's
workflow states). ``reports.review.services`` has one service per transition.

    brouillon ──submit──▶ en relecture ──approve──────────▶ validé ──sign──▶ signé
        ▲                   │       ▲                        ▲  │
        │          request_changes  submit                   │  reopen ──▶ brouillon
        │                   ▼       │                        │
        └──────────────── à corriger ──validate (comments resolved)

The care coordinator reviews; the clinician writes, validates and signs. A signed report
never changes (the database refuses it): ``report_correction_start`` makes a new version.
"""

from dataclasses import dataclass

from dossiers.models import DossierMember
from reports.models import Report, ReportEvent

Status = Report.Status
Role = DossierMember.Role

# The statuses in which the clinician may change the text, answers and proposals.
EDITABLE = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button
    sources: frozenset[str]
    target: str
    role: str
    event: str
    # A message is required (what to correct), optional, or not asked for.
    message: str = "none"  # "required" | "optional" | "none"


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            "Soumettre à la relecture",
            frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}),
            Status.IN_REVIEW,
            Role.CLINICIAN,
            ReportEvent.Kind.SUBMITTED,
            message="optional",
        ),
        Transition(
            "request_changes",
            "Demander une correction",
            frozenset({Status.IN_REVIEW}),
            Status.CHANGES_REQUESTED,
            Role.COORDINATOR,
            ReportEvent.Kind.CHANGES_REQUESTED,
            message="required",
        ),
        Transition(
            "approve",
            "Approuver la relecture",
            frozenset({Status.IN_REVIEW}),
            Status.VALIDATED,
            Role.COORDINATOR,
            ReportEvent.Kind.APPROVED,
            message="optional",
        ),
        Transition(
            "validate",
            "Valider le compte rendu",
            frozenset({Status.CHANGES_REQUESTED}),
            Status.VALIDATED,
            Role.CLINICIAN,
            ReportEvent.Kind.VALIDATED,
        ),
        Transition(
            "reopen",
            "Rouvrir pour modification",
            frozenset({Status.VALIDATED}),
            Status.DRAFT,
            Role.CLINICIAN,
            ReportEvent.Kind.REOPENED,
            message="optional",
        ),
        Transition(
            "sign",
            "Signer",
            frozenset({Status.VALIDATED}),
            Status.SIGNED,
            Role.CLINICIAN,
            ReportEvent.Kind.SIGNED,
        ),
    ]
}


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]
