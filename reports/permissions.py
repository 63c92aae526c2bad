"""Who may read, write, review, sign and correct a report. Reading is the care team's;
an external professional reads a signed report shared with them by name, a rule the sharing
stage adds on top of this one (``sharing/permissions.py``)."""

import rules

from dossiers.permissions import DENIED, is_care_team, is_clinician, is_coordinator, member_role
from reports.models import Report
from reports.review.transitions import EDITABLE, TRANSITIONS


def report_sharing_refusal(report: Report) -> str | None:
    """Why ``report`` may not be shared with the team's external members (None: it may):
    every consultation it draws from needs the legal representative's sharing consent."""
    missing = sorted(
        {
            transcript.recording.consultation.date
            for transcript in report.transcripts.select_related("recording__consultation")
            if not transcript.recording.consultation.sharing_consent
        }
    )
    if missing:
        dates = ", ".join(f"{day:%d/%m/%Y}" for day in missing)
        return (
            "Partage impossible : le consentement du représentant légal au partage manque "
            f"pour la consultation du {dates}."
        )
    return None


@rules.predicate
def is_editable(user, report) -> bool:
    return report is not None and report.status in EDITABLE


@rules.predicate
def is_in_review(user, report) -> bool:
    return report is not None and report.status == Report.Status.IN_REVIEW


@rules.predicate
def is_shared(user, report) -> bool:
    """Signed, and every consultation it draws from has the sharing consent."""
    return report is not None and report.is_signed and report_sharing_refusal(report) is None


rules.add_perm("reports.view_report", is_care_team)
rules.add_perm("reports.view_report_sources", is_care_team)
rules.add_perm("reports.change_report", is_clinician & is_editable)
rules.add_perm("reports.comment_report", is_coordinator & is_in_review)
rules.add_perm("reports.resolve_comment", is_clinician & is_editable)
rules.add_perm(
    "reports.correct_report",
    is_clinician & rules.predicate(lambda user, report: report is not None and report.is_signed),
)


def _may_make(transition):
    def check(user, report) -> bool:
        return (
            report is not None
            and report.status in transition.sources
            and member_role(user, report) == transition.role
        )

    return rules.predicate(check, name=f"may_{transition.name}")


for _transition in TRANSITIONS.values():
    rules.add_perm(f"reports.{_transition.name}_report", _may_make(_transition))

DENIED.update(
    {
        "reports.view_report": "Ce document n'est pas partagé avec vous.",
        "reports.view_report_sources": "Les transcriptions sont réservées aux cliniciens et "
        "coordinateurs de l'équipe.",
        "reports.change_report": "Le compte rendu n'est modifiable que par les cliniciens de "
        "l'équipe, en brouillon ou à corriger.",
        "reports.comment_report": "Les commentaires de relecture sont réservés au coordinateur, "
        "pendant la relecture.",
        "reports.resolve_comment": "Seul le clinicien traite les commentaires, compte rendu "
        "modifiable.",
        "reports.correct_report": "Seul un clinicien de l'équipe corrige un compte rendu signé.",
    }
)
